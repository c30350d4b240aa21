//! Coalitions against the real binary, on SQLite and PostgreSQL (issue 16, items 4 and 7): a
//! group's delegates submit for it and its members agree to the common text before the
//! deadline; a member dissociates from one of its items; another delegation co-sponsors a
//! proposal once the round has closed; the compilation rolls the support up ("EU (2)", "EU
//! (except DE)", "FR, co-sponsored by NO") in JSON, HTML, Markdown and Word, and a member's outcomes roll it
//! down. Every bad request is a 4xx problem that says what to do, nothing written.

mod server_support;

use serde_json::{Value, json};
use server_support::*;

const P: &str = "/v1/processes/coal";
const R: &str = "/v1/processes/coal/rounds/1";

fn world(server: &Server) {
    post(
        server,
        "/v1/processes",
        &token("admin", None),
        &json!({"slug": "coal", "title": "Budapest Process", "delegations": [
            {"code": "HU", "name": "Hungary", "kind": "state", "function": "chair"},
            {"code": "FR", "name": "France", "kind": "state"},
            {"code": "DE", "name": "Germany", "kind": "state"},
            {"code": "NO", "name": "Norway", "kind": "state"},
            {"code": "EU", "name": "European Union", "kind": "group", "members": ["FR", "DE"]}
        ]}),
    )
    .expect(201);
    let chair = token("chair", Some("HU"));
    post(
        server,
        &format!("{P}/documents"),
        &chair,
        &json!({"slug": "declaration", "title": "Declaration", "source": {"format": "markdown",
                "text": "# Declaration\n\n1. First paragraph.\n\n2. Second paragraph.\n\n3. Third paragraph.\n"}}),
    )
    .expect(201);
    post(
        server,
        &format!("{P}/rounds"),
        &chair,
        &json!({"document": "declaration", "label": "Written feedback",
                "opens_at": from_now(-60), "closes_at": from_now(3600)}),
    )
    .expect(201);
}

/// A 4xx problem document whose detail mentions `needle`.
#[track_caller]
fn problem(answer: Answer, status: u16, needle: &str) -> Value {
    let answer = answer.expect(status);
    assert!(
        answer
            .content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("application/problem+json")),
        "not a problem document: {:?}",
        answer.content_type
    );
    let body = answer.json();
    let detail = body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains(needle),
        "the detail {detail:?} does not mention {needle:?}"
    );
    body
}

fn coalitions(server: &Server) -> Value {
    get(
        server,
        &format!("{R}/coalitions"),
        &token("chair", Some("HU")),
    )
    .expect(200)
    .json()
}

both_backends!(groups_act_for_their_members_with_every_refusal);

fn groups_act_for_their_members_with_every_refusal(db: &TestDb) {
    let server = Server::start(db);
    world(&server);
    let chair = token("chair", Some("HU"));
    let (eu, fr, de, no) = (
        token("delegate", Some("EU")),
        token("delegate", Some("FR")),
        token("delegate", Some("DE")),
        token("delegate", Some("NO")),
    );

    // Who acts for the group: its own delegates. A member's delegate is refused, told what it
    // may do instead, and nothing is stored.
    let items = json!({"items": [
        {"kind": "amend", "node": "P1", "text": "First paragraph, as the EU wants it."},
        {"kind": "amend", "node": "P2", "text": "Second paragraph, as the EU wants it."}
    ]});
    problem(
        put(&server, &format!("{R}/submissions/EU"), &fr, &items),
        403,
        "agrees to the common text",
    );
    get(&server, &format!("{R}/submissions/EU"), &chair).expect(404);
    put(&server, &format!("{R}/submissions/EU"), &eu, &items).expect(201);
    put(
        &server,
        &format!("{R}/submissions/FR"),
        &fr,
        &json!({"items": [
            {"kind": "amend", "node": "P3", "text": "Third paragraph, as France wants it."},
            {"kind": "comment", "node": null, "text": "A good basis."}
        ]}),
    )
    .expect(201);

    // The coordination step: the members agree to the common text before the deadline.
    let agreed = post(
        &server,
        &format!("{R}/submissions/EU/agree"),
        &fr,
        &json!({}),
    )
    .expect(201);
    assert_eq!(agreed.json()["revision"], 1);
    problem(
        post(
            &server,
            &format!("{R}/submissions/EU/agree"),
            &fr,
            &json!({}),
        ),
        409,
        "already recorded",
    );
    post(
        &server,
        &format!("{R}/submissions/EU/agree"),
        &de,
        &json!({}),
    )
    .expect(201);
    let view = coalitions(&server);
    assert_eq!(view["groups"][0]["agreed"], json!(["DE", "FR"]), "{view}");
    assert_eq!(view["groups"][0]["pending"], json!([]), "{view}");

    // A dissociation by a non-member, without a note, from an item that does not exist, from
    // a delegation that is no group: refused, nothing written.
    problem(
        post(
            &server,
            &format!("{R}/submissions/EU/items/1/dissociate"),
            &no,
            &json!({"note": "Norway does not join."}),
        ),
        403,
        "only a member of the group",
    );
    problem(
        post(
            &server,
            &format!("{R}/submissions/EU/items/2/dissociate"),
            &de,
            &json!({}),
        ),
        422,
        "note",
    );
    problem(
        post(
            &server,
            &format!("{R}/submissions/EU/items/9/dissociate"),
            &de,
            &json!({"note": "No."}),
        ),
        404,
        "has 2 item(s)",
    );
    problem(
        post(
            &server,
            &format!("{R}/submissions/FR/items/1/dissociate"),
            &de,
            &json!({"note": "No."}),
        ),
        403,
        "co-sponsor",
    );
    assert_eq!(coalitions(&server)["groups"][0]["dissociations"], json!([]));
    post(
        &server,
        &format!("{R}/submissions/EU/items/2/dissociate"),
        &de,
        &json!({"note": "Germany does not join this wording."}),
    )
    .expect(201);

    // Co-sponsoring: not while the proposals are sealed, never one's own, never an unknown
    // proposal or a comment.
    problem(
        post(
            &server,
            &format!("{R}/submissions/FR/items/1/cosponsor"),
            &no,
            &json!({}),
        ),
        409,
        "sealed until the round closes",
    );
    post(&server, &format!("{R}/close"), &chair, &json!({})).expect(200);
    problem(
        post(
            &server,
            &format!("{R}/submissions/EU/agree"),
            &fr,
            &json!({}),
        ),
        409,
        "before the round's deadline",
    );
    problem(
        post(
            &server,
            &format!("{R}/submissions/FR/items/5/cosponsor"),
            &no,
            &json!({}),
        ),
        404,
        "there is no item 5",
    );
    problem(
        post(
            &server,
            &format!("{R}/submissions/XX/items/1/cosponsor"),
            &no,
            &json!({}),
        ),
        404,
        "XX",
    );
    problem(
        post(
            &server,
            &format!("{R}/submissions/FR/items/2/cosponsor"),
            &no,
            &json!({}),
        ),
        422,
        "is a comment",
    );
    problem(
        post(
            &server,
            &format!("{R}/submissions/FR/items/1/cosponsor"),
            &fr,
            &json!({}),
        ),
        403,
        "its own proposal",
    );
    assert_eq!(coalitions(&server)["cosponsorships"], json!([]));
    post(
        &server,
        &format!("{R}/submissions/FR/items/1/cosponsor"),
        &no,
        &json!({"note": "Norway joins."}),
    )
    .expect(201);

    // The compilation rolls the support up, in JSON and in HTML.
    let compilation = request(
        "GET",
        &server.url(&format!("{R}/compilation")),
        Some(&chair),
        &[("cache-control", "no-cache")],
        None,
    )
    .expect(200)
    .json();
    let labels: Vec<(String, Vec<String>)> = compilation["coalitions"]["supporters"]
        .as_array()
        .expect("supporters")
        .iter()
        .map(|s| {
            (
                s["label"].as_str().unwrap_or_default().to_string(),
                serde_json::from_value(s["counted"].clone()).unwrap_or_default(),
            )
        })
        .collect();
    let counted = |label: &str| {
        labels
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, c)| c.clone())
            .unwrap_or_else(|| panic!("no alternative labelled {label:?} in {labels:?}"))
    };
    assert_eq!(counted("EU (2)"), ["DE", "EU", "FR"]);
    assert_eq!(counted("EU (except DE)"), ["EU", "FR"]);
    assert_eq!(counted("FR, co-sponsored by NO"), ["FR", "NO"]);
    let html = get(&server, &format!("{R}/compilation?format=html"), &chair).expect(200);
    let html = String::from_utf8_lossy(&html.bytes).to_string();
    let markdown = get(&server, &format!("{R}/compilation?format=md"), &chair).expect(200);
    let markdown = String::from_utf8_lossy(&markdown.bytes).to_string();
    let docx = get(&server, &format!("{R}/compilation?format=docx"), &chair).expect(200);
    let mut package =
        zip::ZipArchive::new(std::io::Cursor::new(docx.bytes)).expect("a Word package");
    let mut word = String::new();
    std::io::Read::read_to_string(
        &mut package
            .by_name("word/document.xml")
            .expect("the document part"),
        &mut word,
    )
    .expect("read the document part");
    for label in ["EU (2)", "EU (except DE)", "FR, co-sponsored by NO"] {
        assert!(html.contains(label), "the HTML compilation lacks {label:?}");
        assert!(
            markdown.contains(label),
            "the Markdown compilation lacks {label:?}"
        );
        assert!(word.contains(label), "the Word compilation lacks {label:?}");
    }

    // Rolled down: DE's outcomes hold the EU's item it stands by, then the one it left (shown
    // as dissociated); NO's hold the proposal it co-sponsored.
    let ids = |code: &str| -> Vec<String> {
        let outcomes = get(&server, &format!("{R}/outcomes/{code}"), &chair)
            .expect(200)
            .json();
        outcomes["proposals"]
            .as_array()
            .expect("proposals")
            .iter()
            .map(|p| p["id"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(ids("DE"), ["EU-1", "EU-2"]);
    let de = get(&server, &format!("{R}/outcomes/DE"), &chair)
        .expect(200)
        .json();
    assert_eq!(de["proposals"][0]["on_behalf"]["relation"], "via_group");
    assert_eq!(de["proposals"][1]["on_behalf"]["relation"], "dissociated");
    assert_eq!(ids("FR"), ["FR-1", "FR-2", "EU-1", "EU-2"]);
    assert_eq!(ids("NO"), ["FR-1"]);

    drop(server);
    db.verify_audit("after the coalitions' acts were written");
    // Two agreements, one dissociation, one co-sponsorship: the refused ones left nothing.
    let (_, out, _) = run(&["audit", "verify", "--db", db.arg()]);
    assert!(out.contains("4 coalition acts"), "{out}");
}
