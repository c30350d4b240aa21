//! The views reviewers and chairs ask for, against the real binary on both backends: the
//! numbering concordance of a document's versions (JSON, HTML, Markdown, CSV, XLSX; linked from
//! each version's JSON) and the redline narrowed to one delegation's changes (every redline
//! format), with an unknown delegation or query parameter refused as a 400 problem document
//! naming it.

mod server_support;

use serde_json::{Value, json};
use server_support::*;

const P: &str = "/v1/processes/views";

fn redline_nodes(redline: &Value) -> Vec<Value> {
    redline["redline"]["nodes"]
        .as_array()
        .expect("redline nodes")
        .clone()
}

/// The text of the node's marked insertions.
fn insertions(node: &Value) -> String {
    node["segments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "insert")
        .map(|s| s["text"].as_str().unwrap())
        .collect()
}

both_backends!(concordance_and_filtered_redlines_over_http);

fn concordance_and_filtered_redlines_over_http(db: &TestDb) {
    let server = Server::start(db);
    let admin = token("admin", None);
    let chair = token("chair", Some("TR"));
    let de = token("delegate", Some("DE"));
    let se = token("delegate", Some("SE"));
    let uk = token("delegate", Some("UK"));
    let reviewer = token("reviewer", Some("EMWP"));
    post(
        &server,
        "/v1/processes",
        &admin,
        &json!({"slug": "views", "title": "Views",
                "delegations": [
                    {"code": "TR", "name": "Türkiye", "kind": "state", "function": "chair"},
                    {"code": "DE", "name": "Germany", "kind": "state"},
                    {"code": "SE", "name": "Sweden", "kind": "state"},
                    {"code": "UK", "name": "United Kingdom", "kind": "state"},
                    {"code": "EU", "name": "European Union", "kind": "group", "members": ["DE", "SE"]},
                    {"code": "EMWP", "name": "EU Working Party", "kind": "organisation", "participation": "observer"}
                ]}),
    )
    .expect(201);
    post(
        &server,
        &format!("{P}/documents"),
        &chair,
        &json!({"slug": "cfa", "title": "Call for Action", "label": "Zero draft",
                "source": {"format": "json", "text": fixture("call-for-action.json")}}),
    )
    .expect(201);
    let v1 = get(&server, &format!("{P}/documents/cfa/versions/1"), &de)
        .expect(200)
        .json();
    assert_eq!(
        v1["concordance"],
        format!("{P}/documents/cfa/concordance"),
        "a version links to its concordance"
    );
    let reference_of = |version: &Value, reference: &str| -> String {
        version["references"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["reference"] == reference)
            .and_then(|r| r["node"].as_str())
            .unwrap_or_else(|| panic!("no {reference}"))
            .to_string()
    };
    let text_of = |version: &Value, id: &str| -> String {
        fn find(nodes: &[Value], id: &str) -> Option<String> {
            nodes.iter().find_map(|n| {
                if n["id"] == id {
                    n["text"].as_str().map(str::to_owned)
                } else {
                    find(
                        n["children"].as_array().map(Vec::as_slice).unwrap_or(&[]),
                        id,
                    )
                }
            })
        }
        find(version["document"]["nodes"].as_array().unwrap(), id).unwrap()
    };
    let pg11 = reference_of(&v1, "PG1.1");
    let pg13 = reference_of(&v1, "PG1.3");
    let further = text_of(&v1, &pg11).replacen("Strengthen", "Further strengthen", 1);

    // One round: DE and SE (both of the EU) amend PG1.1 alike, the UK adds an action.
    post(
        &server,
        &format!("{P}/rounds"),
        &chair,
        &json!({"document": "cfa", "label": "Written feedback",
                "opens_at": from_now(3600), "closes_at": from_now(7200)}),
    )
    .expect(201);
    post(&server, &format!("{P}/rounds/1/open"), &chair, &json!({})).expect(200);
    for (code, token) in [("DE", &de), ("SE", &se)] {
        put(
            &server,
            &format!("{P}/rounds/1/submissions/{code}"),
            token,
            &json!({"items": [{"kind": "amend", "node": "PG1.1", "text": further}]}),
        )
        .expect(201);
    }
    put(
        &server,
        &format!("{P}/rounds/1/submissions/UK"),
        &uk,
        &json!({"items": [{"kind": "insert", "after": "PG1.2", "text": "Cooperate on the return of persons with no right to stay."}]}),
    )
    .expect(201);
    post(&server, &format!("{P}/rounds/1/close"), &chair, &json!({})).expect(200);
    post(
        &server,
        &format!("{P}/rounds/1/consolidate"),
        &chair,
        &json!({"label": "Rev. 1", "accept_uncontested": true}),
    )
    .expect(201);
    let v2 = get(&server, &format!("{P}/documents/cfa/versions/2"), &de)
        .expect(200)
        .json();
    let new_node = reference_of(&v2, "PG1.3");
    assert_ne!(new_node, pg13, "the UK's action is PG1.3 in version 2");

    // The concordance: every node's reference in both versions.
    let concordance = get(
        &server,
        &format!("{P}/documents/cfa/concordance"),
        &reviewer,
    )
    .expect(200)
    .json();
    let versions: Vec<&str> = concordance["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["label"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["Zero draft", "Rev. 1"]);
    let row = |id: &str| -> Vec<Value> {
        concordance["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["node"] == id)
            .unwrap_or_else(|| panic!("no row for {id}"))["references"]
            .as_array()
            .unwrap()
            .clone()
    };
    assert_eq!(row(&pg11), [json!("PG1.1"), json!("PG1.1")]);
    assert_eq!(row(&new_node), [Value::Null, json!("PG1.3")]);
    assert_eq!(row(&pg13), [json!("PG1.3"), json!("PG1.4")]);
    for (format, needle) in [
        ("html", "<td>PG1.4</td>"),
        ("md", "| PG1.3 | PG1.4 |"),
        ("csv", "PG1.3,PG1.4"),
    ] {
        let answer = get(
            &server,
            &format!("{P}/documents/cfa/concordance?format={format}"),
            &reviewer,
        )
        .expect(200);
        let text = String::from_utf8(answer.bytes).unwrap();
        assert!(text.contains(needle), "{format}: {text}");
    }
    let xlsx = get(
        &server,
        &format!("{P}/documents/cfa/concordance?format=xlsx"),
        &reviewer,
    )
    .expect(200);
    assert!(xlsx.bytes.starts_with(b"PK"), "an XLSX package");
    get(
        &server,
        &format!("{P}/documents/cfa/concordance?format=docx"),
        &reviewer,
    )
    .expect(406);

    // The redline narrowed to one delegation's changes.
    let redline = |query: &str| {
        get(
            &server,
            &format!("{P}/documents/cfa/redline?from=1&to=2{query}"),
            &reviewer,
        )
    };
    let whole = redline("").expect(200).json();
    let status_of = |redline: &Value, id: &str| {
        redline_nodes(redline)
            .iter()
            .find(|n| n["node"] == id)
            .map(|n| (n["status"].as_str().unwrap().to_string(), insertions(n)))
            .unwrap()
    };
    assert_eq!(status_of(&whole, &pg11).0, "changed");
    assert_eq!(status_of(&whole, &new_node).0, "inserted");
    let only_uk = redline("&delegation=UK").expect(200).json();
    assert_eq!(only_uk["delegation"], "UK");
    assert_eq!(
        status_of(&only_uk, &pg11),
        ("unchanged".to_string(), String::new())
    );
    assert_eq!(
        status_of(&only_uk, &new_node),
        (
            "inserted".to_string(),
            "Cooperate on the return of persons with no right to stay.".to_string()
        )
    );
    // The EU's members' change counts as the EU's; DE's as DE's; SE's group's as SE's.
    for code in ["EU", "DE", "SE"] {
        let only = redline(&format!("&delegation={code}")).expect(200).json();
        let (status, inserted) = status_of(&only, &pg11);
        assert_eq!(status, "changed", "{code}");
        assert!(inserted.contains("Further"), "{code}: {inserted:?}");
        assert_eq!(status_of(&only, &new_node).0, "unchanged", "{code}");
    }
    // Every format of the redline takes the filter.
    let html = String::from_utf8(redline("&delegation=UK&format=html").expect(200).bytes).unwrap();
    assert!(html.contains("no right to stay"), "{html}");
    let markdown =
        String::from_utf8(redline("&delegation=EU&format=md").expect(200).bytes).unwrap();
    assert!(markdown.contains("Further"), "{markdown}");
    assert!(
        !markdown.contains("{++Cooperate on the return"),
        "{markdown}"
    );
    assert!(
        redline("&delegation=UK&format=docx")
            .expect(200)
            .bytes
            .starts_with(b"PK")
    );

    // Unknown delegation, unknown parameter: 400 problem documents naming them.
    for (query, named) in [("&delegation=XX", "XX"), ("&delegaton=UK", "delegaton")] {
        let refused = redline(query).expect(400);
        assert_eq!(
            refused.content_type.as_deref(),
            Some("application/problem+json")
        );
        let detail = refused.json()["detail"].as_str().unwrap().to_string();
        assert!(detail.contains(named), "{query}: {detail}");
    }
}

both_backends!(reserved_paragraphs_and_since_last_read_over_http);

/// The redline narrowed to the paragraphs where a delegation holds a reservation, and the
/// redline "since I last read" from each person's read mark, in every redline format.
fn reserved_paragraphs_and_since_last_read_over_http(db: &TestDb) {
    let server = Server::start(db);
    let admin = token("admin", None);
    let chair = token("chair", Some("TR"));
    let de = token("delegate", Some("DE"));
    let uk = token("delegate", Some("UK"));
    let reviewer = token("reviewer", Some("EMWP"));
    post(
        &server,
        "/v1/processes",
        &admin,
        &json!({"slug": "views", "title": "Views",
                "delegations": [
                    {"code": "TR", "name": "Türkiye", "kind": "state", "function": "chair"},
                    {"code": "DE", "name": "Germany", "kind": "state"},
                    {"code": "UK", "name": "United Kingdom", "kind": "state"},
                    {"code": "EMWP", "name": "EU Working Party", "kind": "organisation", "participation": "observer"}
                ]}),
    )
    .expect(201);
    post(
        &server,
        &format!("{P}/documents"),
        &chair,
        &json!({"slug": "decl", "title": "Declaration", "label": "Zero draft",
                "source": {"format": "markdown", "text": "# Declaration\n\n**OP1** 1. Call on all States to act.\n\n**OP2** 2. Recall the Charter.\n\n**OP3** 3. Note the report.\n"}}),
    )
    .expect(201);
    // Version 1 → 2: DE rewords OP1, the UK rewords OP3.
    let mut round = 0;
    let mut revise = |items: &[(&str, &String, Value)]| {
        round += 1;
        post(
            &server,
            &format!("{P}/rounds"),
            &chair,
            &json!({"document": "decl", "label": format!("Round {round}"),
                    "opens_at": from_now(3600), "closes_at": from_now(7200)}),
        )
        .expect(201);
        post(
            &server,
            &format!("{P}/rounds/{round}/open"),
            &chair,
            &json!({}),
        )
        .expect(200);
        for (code, token, items) in items {
            put(
                &server,
                &format!("{P}/rounds/{round}/submissions/{code}"),
                token,
                &json!({ "items": items }),
            )
            .expect(201);
        }
        post(
            &server,
            &format!("{P}/rounds/{round}/close"),
            &chair,
            &json!({}),
        )
        .expect(200);
        post(
            &server,
            &format!("{P}/rounds/{round}/consolidate"),
            &chair,
            &json!({"label": format!("Rev. {round}"), "accept_uncontested": true}),
        )
        .expect(201);
    };
    revise(&[
        (
            "DE",
            &de,
            json!([{"kind": "amend", "node": "OP1", "text": "Call on all States to act now."}]),
        ),
        (
            "UK",
            &uk,
            json!([{"kind": "amend", "node": "OP3", "text": "Take note of the report."}]),
        ),
    ]);
    // The UK reserves OP3, DE reserves OP2 and withdraws it.
    post(
        &server,
        &format!("{P}/documents/decl/reservations"),
        &uk,
        &json!({"node": "OP3", "kind": "scrutiny", "text": "Pending scrutiny."}),
    )
    .expect(201);
    let de_reservation = post(
        &server,
        &format!("{P}/documents/decl/reservations"),
        &de,
        &json!({"node": "OP2", "kind": "general", "text": "Under consideration."}),
    )
    .expect(201)
    .json();
    let number = de_reservation["number"].as_u64().expect("a number");
    post(
        &server,
        &format!("{P}/documents/decl/reservations/{number}/withdraw"),
        &de,
        &json!({}),
    )
    .expect(200);

    let redline = |query: &str, token: &str| {
        get(
            &server,
            &format!("{P}/documents/decl/redline{query}"),
            token,
        )
    };
    let references = |answer: &Value| -> Vec<String> {
        redline_nodes(answer)
            .iter()
            .filter_map(|n| n["reference_to"].as_str().map(str::to_owned))
            .collect()
    };
    let reserved = redline("?from=1&to=2&reservation=UK", &reviewer)
        .expect(200)
        .json();
    assert_eq!(reserved["reservation"], "UK");
    assert_eq!(
        references(&reserved),
        ["OP3"],
        "only the UK's reserved paragraph"
    );
    assert_eq!(insertions(&redline_nodes(&reserved)[0]), "Take note of");
    let withdrawn = redline("?from=1&to=2&reservation=DE", &reviewer)
        .expect(200)
        .json();
    assert!(
        references(&withdrawn).is_empty(),
        "a withdrawn reservation holds nothing"
    );
    // The filters combine: the UK's reserved paragraphs, DE's changes in them (none).
    let both = redline("?from=1&to=2&reservation=UK&delegation=DE", &reviewer)
        .expect(200)
        .json();
    assert_eq!(references(&both), ["OP3"]);
    assert_eq!(insertions(&redline_nodes(&both)[0]), "");
    let html = String::from_utf8(
        redline("?from=1&to=2&reservation=UK&format=html", &reviewer)
            .expect(200)
            .bytes,
    )
    .unwrap();
    assert!(
        html.contains("Take note of") && !html.contains("to act"),
        "{html}"
    );
    let markdown = String::from_utf8(
        redline("?from=1&to=2&reservation=UK&format=md", &reviewer)
            .expect(200)
            .bytes,
    )
    .unwrap();
    assert!(
        markdown.contains("Take note of") && !markdown.contains("to act"),
        "{markdown}"
    );
    assert!(
        redline("?from=1&to=2&reservation=UK&format=docx", &reviewer)
            .expect(200)
            .bytes
            .starts_with(b"PK")
    );

    // Since I last read: no mark yet → 409 saying what to do; marks are per person.
    let refused = redline("?since=read", &reviewer).expect(409);
    assert!(
        refused.json()["detail"]
            .as_str()
            .unwrap()
            .contains("read-mark")
    );
    get(&server, &format!("{P}/documents/decl/read-mark"), &reviewer).expect(404);
    let mark = put(
        &server,
        &format!("{P}/documents/decl/read-mark"),
        &reviewer,
        &json!({"version": 1}),
    )
    .expect(200)
    .json();
    assert_eq!(mark["version"], 1);
    put(
        &server,
        &format!("{P}/documents/decl/read-mark"),
        &de,
        &json!({"version": 2}),
    )
    .expect(200);
    assert_eq!(
        get(&server, &format!("{P}/documents/decl/read-mark"), &reviewer)
            .expect(200)
            .json()["version"],
        1,
        "DE's mark is DE's own"
    );
    let since = redline("?since=read", &reviewer).expect(200).json();
    assert_eq!(
        (
            since["from"].as_u64(),
            since["to"].as_u64(),
            since["since"].as_str()
        ),
        (Some(1), Some(2), Some("read"))
    );
    let op1 = redline_nodes(&since)
        .into_iter()
        .find(|n| n["reference_to"] == "OP1")
        .expect("OP1");
    assert_eq!(insertions(&op1), " now");
    let nothing_new = redline("?since=read", &de).expect(200).json();
    assert_eq!(
        (nothing_new["from"].as_u64(), nothing_new["to"].as_u64()),
        (Some(2), Some(2))
    );
    assert!(
        redline_nodes(&nothing_new)
            .iter()
            .all(|n| n["status"] == "unchanged")
    );
    // A second round: the reviewer's redline since their mark now spans both.
    revise(&[(
        "DE",
        &de,
        json!([{"kind": "amend", "node": "OP2", "text": "Recall the UN Charter."}]),
    )]);
    let since = redline("?since=read&format=md", &reviewer).expect(200);
    let text = String::from_utf8(since.bytes).unwrap();
    assert!(text.contains("now") && text.contains("UN"), "{text}");
    assert!(
        redline("?since=read&format=html", &de)
            .expect(200)
            .bytes
            .starts_with(b"<!DOCTYPE html>")
    );
    assert!(
        redline("?since=read&format=docx", &de)
            .expect(200)
            .bytes
            .starts_with(b"PK")
    );
    put(
        &server,
        &format!("{P}/documents/decl/read-mark"),
        &reviewer,
        &json!({"version": 3}),
    )
    .expect(200);
    let caught_up = redline("?since=read", &reviewer).expect(200).json();
    assert_eq!(caught_up["from"], 3);

    // Unknown filter values, marks of versions that do not exist: refused, named.
    for (query, status, named) in [
        ("?from=1&to=2&reservation=XX", 400, "XX"),
        ("?since=yesterday", 400, "yesterday"),
        ("?since=read&from=1", 400, "from"),
        ("?to=2", 400, "?from="),
        ("?from=1&to=2&reservaton=UK", 400, "reservaton"),
    ] {
        let refused = redline(query, &reviewer).expect(status);
        assert_eq!(
            refused.content_type.as_deref(),
            Some("application/problem+json")
        );
        let detail = refused.json()["detail"].as_str().unwrap().to_string();
        assert!(detail.contains(named), "{query}: {detail}");
    }
    let refused = put(
        &server,
        &format!("{P}/documents/decl/read-mark"),
        &reviewer,
        &json!({"version": 9}),
    )
    .expect(404);
    assert!(refused.json()["detail"].as_str().unwrap().contains('9'));
    put(
        &server,
        &format!("{P}/documents/decl/read-mark"),
        &reviewer,
        &json!({"version": 1, "extra": true}),
    )
    .expect(422);
}
