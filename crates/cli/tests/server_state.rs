//! The state of a text against the real binary, on SQLite and PostgreSQL: the chair's
//! paragraph statuses, a delegation's reservations, the adoption of the whole text, and every
//! bad request about them answered with a 4xx problem that says what to do, nothing written.

mod server_support;

use serde_json::{Value, json};
use server_support::*;

const P: &str = "/v1/processes/state";
const DOC: &str = "/v1/processes/state/documents/declaration";

fn world(server: &Server) {
    post(
        server,
        "/v1/processes",
        &token("admin", None),
        &json!({"slug": "state", "title": "Budapest Process", "delegations": [
            {"code": "HU", "name": "Hungary", "kind": "state", "function": "chair"},
            {"code": "FR", "name": "France", "kind": "state"},
            {"code": "DE", "name": "Germany", "kind": "state"},
            {"code": "NL", "name": "Netherlands", "kind": "state", "participation": "observer"},
            {"code": "EU", "name": "European Union", "kind": "group", "members": ["FR", "DE"]}
        ]}),
    )
    .expect(201);
    let chair = token("chair", Some("HU"));
    for (slug, text) in [
        (
            "declaration",
            "# Declaration\n\n1. First paragraph.\n\n2. Second paragraph.\n\n3. Third paragraph.\n",
        ),
        ("note", "# Note\n\n1. The note's only paragraph.\n"),
    ] {
        post(
            server,
            &format!("{P}/documents"),
            &chair,
            &json!({"slug": slug, "title": slug, "source": {"format": "markdown", "text": text}}),
        )
        .expect(201);
    }
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

fn status_of(server: &Server, reference: &str) -> String {
    let view = get(
        server,
        &format!("{DOC}/status"),
        &token("chair", Some("HU")),
    )
    .expect(200);
    let view = view.json();
    view["nodes"]
        .as_array()
        .and_then(|nodes| nodes.iter().find(|n| n["reference"] == reference))
        .and_then(|n| n["status"].as_str())
        .unwrap_or_else(|| panic!("no node {reference} in {view}"))
        .to_string()
}

fn set_status(server: &Server, reference: &str, status: &str, note: &str) -> Answer {
    put(
        server,
        &format!("{DOC}/status/{reference}"),
        &token("chair", Some("HU")),
        &json!({"status": status, "note": note}),
    )
}

both_backends!(statuses_reservations_and_adoption_with_every_refusal);

fn statuses_reservations_and_adoption_with_every_refusal(db: &TestDb) {
    let server = Server::start(db);
    world(&server);
    let (fr, de, nl) = (
        token("delegate", Some("FR")),
        token("delegate", Some("DE")),
        token("delegate", Some("NL")),
    );
    let chair = token("chair", Some("HU"));

    // A status change by a non-chair: refused, nothing recorded.
    problem(
        put(
            &server,
            &format!("{DOC}/status/P1"),
            &fr,
            &json!({"status": "agreed", "note": "FR thinks so"}),
        ),
        403,
        "chair",
    );
    assert_eq!(status_of(&server, "P1"), "open");
    // `adopted` is not set on one paragraph; an unknown node is named.
    problem(set_status(&server, "P1", "adopted", "x"), 422, "whole text");
    problem(set_status(&server, "OP9", "agreed", "x"), 422, "OP9");

    // Agreed ad ref. at the Reference Group: amendments to it are refused until it is reopened.
    let change = set_status(&server, "P1", "agreed_ad_ref", "ad ref., Reference Group").expect(200);
    assert_eq!(change.json()["status"], "agreed_ad_ref");
    assert_eq!(status_of(&server, "P1"), "agreed_ad_ref");
    let amend_p1 =
        json!({"items": [{"kind": "amend", "node": "P1", "text": "First paragraph, amended."}]});
    let refused = problem(
        put(
            &server,
            &format!("{P}/rounds/1/submissions/FR"),
            &fr,
            &amend_p1,
        ),
        422,
        "reopens it",
    );
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("Reference Group")
    );
    get(&server, &format!("{P}/rounds/1/submissions/FR"), &fr).expect(404);
    // A comment on it is still welcome.
    put(
        &server,
        &format!("{P}/rounds/1/submissions/FR"),
        &fr,
        &json!({"items": [{"kind": "comment", "node": "P1", "text": "Fine as it is."}]}),
    )
    .expect(201);
    set_status(&server, "P1", "open", "reopened at the SOM's request").expect(200);
    put(
        &server,
        &format!("{P}/rounds/1/submissions/FR"),
        &fr,
        &amend_p1,
    )
    .expect(201);
    let history = get(&server, &format!("{DOC}/status"), &chair)
        .expect(200)
        .json();
    assert_eq!(history["history"].as_array().map(Vec::len), Some(2));

    // Reservations: on an unknown node, on another document's node, by an observer, in
    // another delegation's name: refused, nothing recorded.
    let note_node = get(&server, &format!("{P}/documents/note/versions/1"), &fr)
        .expect(200)
        .json()["references"][0]["node"]
        .as_str()
        .expect("a node id")
        .to_string();
    let reservations = format!("{DOC}/reservations");
    problem(
        post(
            &server,
            &reservations,
            &fr,
            &json!({"node": "P7", "kind": "scrutiny", "text": "Pending."}),
        ),
        422,
        "P7",
    );
    problem(
        post(
            &server,
            &reservations,
            &fr,
            &json!({"node": note_node, "kind": "scrutiny", "text": "Pending."}),
        ),
        422,
        "belongs to document note",
    );
    problem(
        post(
            &server,
            &reservations,
            &nl,
            &json!({"node": "P2", "kind": "general", "text": "No."}),
        ),
        403,
        "participant",
    );
    problem(
        post(
            &server,
            &reservations,
            &de,
            &json!({"node": "P2", "kind": "general", "text": "No.", "delegation": "FR"}),
        ),
        403,
        "own delegation",
    );
    problem(
        post(
            &server,
            &reservations,
            &fr,
            &json!({"node": "P2", "kind": "sovereign", "text": "No."}),
        ),
        422,
        "sovereign",
    );
    let listed = get(&server, &reservations, &fr).expect(200).json();
    assert_eq!(listed["reservations"], json!([]));

    // FR's scrutiny reservation on P2: shown in the version, its HTML and the annex.
    let entered = post(
        &server,
        &reservations,
        &fr,
        &json!({"node": "P2", "kind": "scrutiny", "text": "Pending parliamentary scrutiny in Paris."}),
    )
    .expect(201)
    .json();
    assert_eq!(entered["number"], 1);
    assert_eq!(entered["mark"], "SR (FR)");
    let version = get(&server, &format!("{DOC}/versions/1"), &de)
        .expect(200)
        .json();
    assert_eq!(version["state"]["reservations"][0]["reference"], "P2");
    assert_eq!(version["state"]["reservations"][0]["standing"], true);
    set_status(&server, "P3", "agreed_ad_ref", "Reference Group").expect(200);
    let html = get(&server, &format!("{DOC}/versions/1?format=html"), &de).expect(200);
    let html = String::from_utf8_lossy(&html.bytes).to_string();
    assert!(html.contains("SR (FR)"), "no reservation mark in the HTML");
    assert!(
        html.contains("agreed ad ref.: Reference Group"),
        "no status in the HTML"
    );
    let annex = get(&server, &format!("{reservations}?format=html"), &de).expect(200);
    assert!(
        String::from_utf8_lossy(&annex.bytes).contains("Pending parliamentary scrutiny in Paris.")
    );
    problem(
        get(&server, &format!("{reservations}?format=pdf"), &de),
        406,
        "json, html",
    );

    // Another delegation's reservation is not DE's to withdraw.
    let withdraw = format!("{reservations}/1/withdraw");
    problem(
        post(&server, &withdraw, &de, &json!({"note": "lifted"})),
        403,
        "entered it",
    );
    problem(
        post(
            &server,
            &format!("{reservations}/9/withdraw"),
            &fr,
            &json!({}),
        ),
        404,
        "9",
    );

    // Adoption: refused while a paragraph is open and while the reservation stands.
    let adopt = format!("{DOC}/adopt");
    problem(post(&server, &adopt, &fr, &json!({})), 403, "chair");
    let refused = problem(post(&server, &adopt, &chair, &json!({})), 409, "P1 is open");
    let detail = refused["detail"].as_str().unwrap();
    assert!(
        refused["type"]
            .as_str()
            .unwrap()
            .ends_with(":text-not-agreed"),
        "the text's state, not the round's: {refused}"
    );
    assert!(detail.contains("P3 is agreed ad ref."), "{detail}");
    assert!(
        detail.contains("P2 holds FR's scrutiny reservation no. 1"),
        "{detail}"
    );
    for reference in ["P1", "P2", "P3"] {
        set_status(&server, reference, "agreed", "Senior Officials Meeting").expect(200);
    }
    problem(
        post(&server, &adopt, &chair, &json!({})),
        409,
        "P2 holds FR's scrutiny",
    );
    assert_eq!(
        get(&server, &format!("{DOC}/status"), &chair)
            .expect(200)
            .json()["adopted"],
        Value::Null
    );
    let withdrawn = post(
        &server,
        &withdraw,
        &fr,
        &json!({"note": "scrutiny completed"}),
    )
    .expect(200)
    .json();
    assert_eq!(withdrawn["standing"], false);
    problem(
        post(&server, &withdraw, &fr, &json!({})),
        409,
        "already withdrawn",
    );
    let adopted = post(
        &server,
        &adopt,
        &chair,
        &json!({"note": "Budapest, November 2024"}),
    )
    .expect(201)
    .json();
    assert_eq!(adopted["version"], 1);
    assert_eq!(status_of(&server, "P2"), "adopted");
    problem(
        post(&server, &adopt, &chair, &json!({})),
        409,
        "already adopted",
    );
    problem(set_status(&server, "P1", "open", "again"), 409, "adopted");
    problem(
        post(
            &server,
            &reservations,
            &fr,
            &json!({"node": "P1", "kind": "general", "text": "Late."}),
        ),
        409,
        "adopted",
    );

    // Every status change, reservation, withdrawal and the adoption is in the audit chain.
    let audit = get(&server, &format!("{P}/audit"), &chair)
        .expect(200)
        .json();
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter_map(|e| e["action"].as_str())
                .collect()
        })
        .unwrap_or_default();
    for action in [
        "status.set",
        "reservation.enter",
        "reservation.withdraw",
        "document.adopt",
    ] {
        assert!(actions.contains(&action), "no {action} in {actions:?}");
    }
    drop(server);
    db.verify_audit("after the state of the text was written");
}
