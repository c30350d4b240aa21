//! Brackets as data against the real binary, on SQLite and PostgreSQL: a contested change the
//! chair defers is carried into the next version as bracketed alternatives labelled with their
//! proposers, in its JSON, HTML, Markdown, Word and Akoma Ntoso, and the audit chain holds it;
//! the next round's compilation brings them back, marked carried over, and the chair resolves
//! them by decision.

mod server_support;

use serde_json::{Value, json};
use server_support::*;

const P: &str = "/v1/processes/brk";
const DOC: &str = "/v1/processes/brk/documents/declaration";

fn world(server: &Server) {
    post(
        server,
        "/v1/processes",
        &token("admin", None),
        &json!({"slug": "brk", "title": "Budapest Process", "delegations": [
            {"code": "HU", "name": "Hungary", "kind": "state", "function": "chair"},
            {"code": "FR", "name": "France", "kind": "state"},
            {"code": "DE", "name": "Germany", "kind": "state"},
            {"code": "PK", "name": "Pakistan", "kind": "state"}
        ]}),
    )
    .expect(201);
    let chair = token("chair", Some("HU"));
    post(
        server,
        &format!("{P}/documents"),
        &chair,
        &json!({"slug": "declaration", "title": "Declaration", "source": {"format": "markdown",
            "text": "# Declaration\n\n1. Reduce irregular arrivals by at least 20 per cent.\n\n2. Cooperate on return.\n"}}),
    )
    .expect(201);
    post(
        server,
        &format!("{P}/rounds"),
        &chair,
        &json!({"document": "declaration", "label": "Written feedback on the zero draft",
                "opens_at": from_now(-60), "closes_at": from_now(3600)}),
    )
    .expect(201);
}

/// The `detail` of a problem document (which it must be).
fn problem_detail(answer: &Answer) -> String {
    assert!(
        answer
            .content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("application/problem+json")),
        "not a problem document: {answer:?}"
    );
    answer.json()["detail"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The reference of the node whose text contains `needle` in a version's JSON.
fn reference_of(version: &Value, needle: &str) -> String {
    fn find(nodes: &[Value], needle: &str) -> Option<String> {
        nodes.iter().find_map(|n| {
            if n["text"].as_str().is_some_and(|t| t.contains(needle)) {
                n["id"].as_str().map(str::to_string)
            } else {
                find(
                    n["children"].as_array().map(Vec::as_slice).unwrap_or(&[]),
                    needle,
                )
            }
        })
    }
    let id = find(version["document"]["nodes"].as_array().unwrap(), needle).unwrap();
    version["references"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["node"] == id.as_str())
        .and_then(|r| r["reference"].as_str())
        .unwrap()
        .to_string()
}

both_backends!(a_deferred_contested_change_is_carried_into_the_next_version_as_brackets);

fn a_deferred_contested_change_is_carried_into_the_next_version_as_brackets(db: &TestDb) {
    let server = Server::start(db);
    world(&server);
    let chair = token("chair", Some("HU"));
    let v1 = get(&server, &format!("{DOC}/versions/1"), &chair)
        .expect(200)
        .json();
    assert!(
        v1.get("brackets").is_none(),
        "a version without brackets shows none"
    );
    let op = reference_of(&v1, "Reduce");
    for (code, figure) in [("FR", "30"), ("DE", "30"), ("PK", "40")] {
        put(
            &server,
            &format!("{P}/rounds/1/submissions/{code}"),
            &token("delegate", Some(code)),
            &json!({"items": [{"kind": "amend", "node": op,
                "text": format!("Reduce irregular arrivals by at least {figure} per cent.")}]}),
        )
        .expect(201);
    }
    post(&server, &format!("{P}/rounds/1/close"), &chair, &json!({})).expect(200);
    let compilation = get(&server, &format!("{P}/rounds/1/compilation"), &chair)
        .expect(200)
        .json();
    let change = compilation["compilation"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|n| n["changes"].as_array().cloned().unwrap_or_default())
        .find(|c| c["contested"] == true)
        .expect("a contested change");
    put(
        &server,
        &format!("{P}/rounds/1/decisions/{}", change["id"].as_str().unwrap()),
        &chair,
        &json!({"decision": "defer", "note": "Back to the Reference Group."}),
    )
    .expect(200);
    post(
        &server,
        &format!("{P}/rounds/1/consolidate"),
        &chair,
        &json!({"label": "Rev. 1"}),
    )
    .expect(201);

    let reader = token("delegate", Some("PK"));
    let v2 = get(&server, &format!("{DOC}/versions/2"), &reader)
        .expect(200)
        .json();
    let brackets = v2["brackets"]
        .as_array()
        .expect("the brackets of version 2");
    assert_eq!(brackets.len(), 1, "{v2}");
    let bracket = &brackets[0];
    assert_eq!(bracket["id"], "B1");
    assert_eq!(bracket["reference"], op.as_str());
    assert_eq!(bracket["span"], "words");
    assert_eq!(bracket["base_text"], "20");
    assert_eq!(bracket["label"], "[20] / [30 (DE, FR)] / [40 (PK)]");
    assert_eq!(bracket["round"], "Written feedback on the zero draft");
    assert_eq!(bracket["change"], change["id"]);
    let supporters: Vec<Value> = bracket["alternatives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["supporters"].clone())
        .collect();
    assert_eq!(supporters, vec![json!(["DE", "FR"]), json!(["PK"])]);
    // The text keeps the base wording: nothing undecided enters it.
    assert!(
        v2["document"]["nodes"]
            .to_string()
            .contains("by at least 20 per cent"),
        "{v2}"
    );

    let text = |format: &str| {
        let answer = get(
            &server,
            &format!("{DOC}/versions/2?format={format}"),
            &reader,
        )
        .expect(200);
        String::from_utf8_lossy(&answer.bytes).into_owned()
    };
    let html = text("html");
    assert!(
        html.contains("by at least [20] / [30 (DE, FR)] / [40 (PK)] per cent"),
        "{html}"
    );
    assert!(html.contains("brackets-legend"));
    assert!(text("md").contains(r"\[20\] / \[30 (DE, FR)\] / \[40 (PK)\]"));
    let akn = text("akn");
    assert!(akn.contains("<noteRef href=\"#note_B1\""), "{akn}");
    assert!(akn.contains(
        "B1 (open since Written feedback on the zero draft): [20] / [30 (DE, FR)] / [40 (PK)]"
    ));
    get(&server, &format!("{DOC}/versions/2?format=docx"), &reader).expect(200);

    // The redline from the zero draft shows what version 2 shows: its open bracket, and the
    // status of each paragraph (set now, carried by node id), in every format.
    put(
        &server,
        &format!("{DOC}/status/{op}"),
        &chair,
        &json!({"status": "agreed_ad_ref", "note": "Reference Group"}),
    )
    .expect(200);
    let redline = |format: &str| {
        let answer = get(
            &server,
            &format!("{DOC}/redline?from=1&to=2&format={format}"),
            &reader,
        )
        .expect(200);
        String::from_utf8_lossy(&answer.bytes).into_owned()
    };
    let html = redline("html");
    assert!(
        html.contains("Open bracket B1 (open since Written feedback on the zero draft): [20] / [30 (DE, FR)] / [40 (PK)]"),
        "{html}"
    );
    assert!(html.contains("[agreed ad ref.: Reference Group]"), "{html}");
    assert!(html.contains("Paragraph status:") && html.contains("Brackets:"));
    let markdown = redline("md");
    assert!(markdown.contains("{>>open bracket B1"), "{markdown}");
    assert!(
        markdown.contains("{>>status: agreed ad ref. (Reference Group)<<}"),
        "{markdown}"
    );
    let json: Value = serde_json::from_str(&redline("json")).unwrap();
    assert_eq!(json["brackets"][0]["id"], "B1", "{json}");
    assert!(
        json["state"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["status"] == "agreed_ad_ref"),
        "{json}"
    );
    let docx = get(
        &server,
        &format!("{DOC}/redline?from=1&to=2&format=docx"),
        &reader,
    )
    .expect(200)
    .bytes;
    let mut comments = String::new();
    std::io::Read::read_to_string(
        &mut zip::ZipArchive::new(std::io::Cursor::new(docx))
            .unwrap()
            .by_name("word/comments.xml")
            .unwrap(),
        &mut comments,
    )
    .unwrap();
    assert!(
        comments.contains("Status: agreed ad ref. (Reference Group)")
            && comments.contains("Open bracket B1"),
        "{comments}"
    );

    // The next round on version 2: the open proposals come back in its compilation, marked
    // carried over, with their supporters, though nobody submitted them again.
    post(
        &server,
        &format!("{P}/rounds"),
        &chair,
        &json!({"document": "declaration", "label": "Written feedback on Rev. 1",
                "opens_at": from_now(-60), "closes_at": from_now(3600)}),
    )
    .expect(201);
    let submit = |code: &str, items: Value| {
        put(
            &server,
            &format!("{P}/rounds/2/submissions/{code}"),
            &token("delegate", Some(code)),
            &json!({ "items": items }),
        )
    };
    let submission_of =
        |code: &str| get(&server, &format!("{P}/rounds/2/submissions/{code}"), &chair).status;
    // Bad acts: each a problem saying what to send, nothing recorded.
    let answer = submit(
        "FR",
        json!([{"kind": "support", "bracket": "B9", "alternative": "a"}]),
    )
    .expect(422);
    assert!(
        problem_detail(&answer).contains("its open brackets are B1"),
        "{answer:?}"
    );
    let answer = submit(
        "FR",
        json!([{"kind": "support", "bracket": "B1", "alternative": "z"}]),
    )
    .expect(422);
    assert!(
        problem_detail(&answer).contains("its alternatives are a, b"),
        "{answer:?}"
    );
    let answer = submit(
        "FR",
        json!([{"kind": "withdraw_alternative", "bracket": "B1", "alternative": "b"}]),
    )
    .expect(403);
    assert!(
        problem_detail(&answer).contains("withdraws only its own"),
        "{answer:?}"
    );
    submit(
        "FR",
        json!([{"kind": "support", "bracket": " ", "alternative": "a"}]),
    )
    .expect(422);
    assert_eq!(submission_of("FR"), 404, "nothing of FR's was recorded");
    // FR moves from 30 to 40; PK proposes a new wording of its own alternative.
    submit(
        "FR",
        json!([{"kind": "withdraw_alternative", "bracket": "B1", "alternative": "a"},
               {"kind": "support", "bracket": "B1", "alternative": "b",
                "justification": "Closer to the Rabat figures."}]),
    )
    .expect(201);
    submit(
        "PK",
        json!([{"kind": "amend_alternative", "bracket": "B1", "alternative": "b", "text": "45"}]),
    )
    .expect(201);
    let stored = get(&server, &format!("{P}/rounds/2/submissions/FR"), &chair)
        .expect(200)
        .json();
    assert!(
        stored.to_string().contains("withdraw_alternative"),
        "{stored}"
    );
    post(&server, &format!("{P}/rounds/2/close"), &chair, &json!({})).expect(200);
    let compilation = get(&server, &format!("{P}/rounds/2/compilation"), &chair)
        .expect(200)
        .json();
    let carried = compilation["compilation"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|n| n["changes"].as_array().cloned().unwrap_or_default())
        .find(|c| c["contested"] == true)
        .unwrap_or_else(|| panic!("the carried bracket in {compilation}"));
    assert_eq!(carried["base_text"], "20");
    let alternatives = carried["alternatives"].as_array().unwrap();
    let supporters_of = |text: &str| -> Vec<(String, String)> {
        alternatives
            .iter()
            .find(|a| a["text"] == text)
            .unwrap_or_else(|| panic!("no alternative {text} in {carried}"))["supporters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["delegation"].as_str().unwrap().to_string(),
                    s["justification"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };
    let carried_mark = "Carried over from Written feedback on the zero draft (B1, alternative";
    let thirty = supporters_of("30");
    assert_eq!(thirty.len(), 1, "FR withdrew its support: {thirty:?}");
    assert_eq!(thirty[0].0, "DE");
    assert!(thirty[0].1.starts_with(carried_mark));
    let forty = supporters_of("40");
    assert_eq!(
        forty.iter().map(|s| s.0.as_str()).collect::<Vec<_>>(),
        vec!["FR", "PK"]
    );
    assert_eq!(
        forty[0].1,
        "Supports alternative b of B1: Closer to the Rabat figures."
    );
    assert_eq!(forty[1].1, format!("{carried_mark} b)"));
    let forty_five = supporters_of("45");
    assert_eq!(forty_five[0].0, "PK");
    assert!(forty_five[0].1.starts_with("Amends alternative b of B1"));
    let forty = alternatives.iter().find(|a| a["text"] == "40").unwrap();
    // Resolving a bracket is the chair's: a delegation's decision is refused.
    put(
        &server,
        &format!("{P}/rounds/2/decisions/{}", carried["id"].as_str().unwrap()),
        &token("delegate", Some("PK")),
        &json!({"decision": "accept", "alternative": forty["id"]}),
    )
    .expect(403);
    // The chair resolves the bracket by decision: PK's figure.
    put(
        &server,
        &format!("{P}/rounds/2/decisions/{}", carried["id"].as_str().unwrap()),
        &chair,
        &json!({"decision": "accept", "alternative": forty["id"]}),
    )
    .expect(200);
    post(
        &server,
        &format!("{P}/rounds/2/consolidate"),
        &chair,
        &json!({"label": "Rev. 2"}),
    )
    .expect(201);
    let v3 = get(&server, &format!("{DOC}/versions/3"), &reader)
        .expect(200)
        .json();
    assert!(v3.get("brackets").is_none(), "resolved: {v3}");
    assert!(
        v3["document"]["nodes"]
            .to_string()
            .contains("by at least 40 per cent")
    );

    drop(server);
    db.verify_audit("after brackets were carried into version 2");
}

both_backends!(the_state_of_the_text_shows_in_word_akoma_ntoso_and_the_annex_tables);

/// Item 5 of issue 16: paragraph status and reservations in the Word file (a comment beside the
/// paragraph, a legend), in Akoma Ntoso (`lifecycle`, `workflow`, the status referred to), and
/// the reservations annex as CSV and XLSX besides HTML and JSON.
fn the_state_of_the_text_shows_in_word_akoma_ntoso_and_the_annex_tables(db: &TestDb) {
    use std::io::Read;
    let server = Server::start(db);
    world(&server);
    let chair = token("chair", Some("HU"));
    let v1 = get(&server, &format!("{DOC}/versions/1"), &chair)
        .expect(200)
        .json();
    let op = reference_of(&v1, "Reduce");
    put(
        &server,
        &format!("{DOC}/status/{op}"),
        &chair,
        &json!({"status": "agreed_ad_ref", "note": "Reference Group, 7 May 2024"}),
    )
    .expect(200);
    let fr = token("delegate", Some("FR"));
    post(
        &server,
        &format!("{DOC}/reservations"),
        &fr,
        &json!({"node": op, "kind": "scrutiny", "text": "=cmd|' /C calc'!A0 pending in Paris."}),
    )
    .expect(201);

    let file = |format: &str| {
        get(&server, &format!("{DOC}/versions/1?format={format}"), &fr)
            .expect(200)
            .bytes
    };
    let docx = file("docx");
    let mut comments = String::new();
    zip::ZipArchive::new(std::io::Cursor::new(docx))
        .unwrap()
        .by_name("word/comments.xml")
        .unwrap()
        .read_to_string(&mut comments)
        .unwrap();
    assert!(
        comments.contains(
            "Status: agreed ad ref. (Reference Group, 7 May 2024). Reservations: SR (FR)"
        ),
        "{comments}"
    );
    assert!(comments.contains("Legend. Paragraph status"));
    let akn = String::from_utf8(file("akn")).unwrap();
    assert!(
        akn.contains("<lifecycle source=\"#penholder\"><eventRef eId=\"lifecycle_v1\""),
        "{akn}"
    );
    assert!(akn.contains("outcome=\"#status_agreed_ad_ref\""), "{akn}");
    assert!(akn.contains("refersTo=\"#status_agreed_ad_ref\""), "{akn}");

    let annex = |format: &str| get(&server, &format!("{DOC}/reservations?format={format}"), &fr);
    let csv = annex("csv").expect(200);
    assert!(
        csv.content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("text/csv"))
    );
    let csv = String::from_utf8(csv.bytes).unwrap();
    assert!(
        csv.contains(&format!("1,{op},France (FR),scrutiny (SR),'=cmd")),
        "{csv}"
    );
    assert!(csv.contains(",standing,"), "{csv}");
    let xlsx = annex("xlsx").expect(200).bytes;
    assert_eq!(&xlsx[..2], b"PK");
    let answer = annex("pdf").expect(406);
    assert!(String::from_utf8_lossy(&answer.bytes).contains("json, html, csv, xlsx"));
}
