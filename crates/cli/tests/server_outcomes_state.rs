//! The dispositions and a member's outcomes follow the negotiation's state, against the real
//! binary on SQLite and PostgreSQL (issue 16, items 3, 4 and 5): every row names its
//! paragraph's status and the reservations standing on it, a group's row whom it spoke for
//! ("EU (except DE)") and a proposal its co-sponsors; a member's outcomes roll its group's
//! items down ("via EU", or dissociated with its note), add what it co-sponsored, and list its
//! reservations (entered, carried, withdrawn) with the status of the paragraphs it touches.

mod server_support;

use serde_json::{Value, json};
use server_support::*;

const P: &str = "/v1/processes/state";
const R: &str = "/v1/processes/state/rounds/1";
const D: &str = "/v1/processes/state/documents/declaration";

fn world(server: &Server) {
    post(
        server,
        "/v1/processes",
        &token("admin", None),
        &json!({"slug": "state", "title": "Budapest Process", "delegations": [
            {"code": "HU", "name": "Hungary", "kind": "state", "function": "chair"},
            {"code": "FR", "name": "France", "kind": "state"},
            {"code": "DE", "name": "Germany", "kind": "state"},
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

fn row<'a>(rows: &'a [Value], id: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no row {id} in {rows:?}"))
}

both_backends!(outcomes_and_dispositions_follow_the_state_and_the_coalitions);

fn outcomes_and_dispositions_follow_the_state_and_the_coalitions(db: &TestDb) {
    let server = Server::start(db);
    world(&server);
    let chair = token("chair", Some("HU"));
    let (eu, fr, de) = (
        token("delegate", Some("EU")),
        token("delegate", Some("FR")),
        token("delegate", Some("DE")),
    );
    put(
        &server,
        &format!("{R}/submissions/EU"),
        &eu,
        &json!({"items": [
            {"kind": "amend", "node": "P1", "text": "First paragraph, as the EU wants it."},
            {"kind": "amend", "node": "P2", "text": "Second paragraph, as the EU wants it."}
        ]}),
    )
    .expect(201);
    put(
        &server,
        &format!("{R}/submissions/FR"),
        &fr,
        &json!({"items": [
            {"kind": "amend", "node": "P3", "text": "Third paragraph, as France wants it."}
        ]}),
    )
    .expect(201);
    post(
        &server,
        &format!("{R}/submissions/EU/items/2/dissociate"),
        &de,
        &json!({"note": "Germany keeps the second paragraph as it stands."}),
    )
    .expect(201);
    // Germany's reservations: a scrutiny reservation that stands, a linguistic one lifted.
    let scrutiny = post(
        &server,
        &format!("{D}/reservations"),
        &de,
        &json!({"node": "P2", "kind": "scrutiny", "text": "The Bundestag examines it."}),
    )
    .expect(201)
    .json();
    let linguistic = post(
        &server,
        &format!("{D}/reservations"),
        &de,
        &json!({"node": "P3", "kind": "linguistic", "text": "The German version is checked."}),
    )
    .expect(201)
    .json();
    post(
        &server,
        &format!("{D}/reservations/{}/withdraw", linguistic["number"]),
        &de,
        &json!({"note": "Checked."}),
    )
    .expect(200);
    post(&server, &format!("{R}/close"), &chair, &json!({})).expect(200);
    post(
        &server,
        &format!("{R}/submissions/FR/items/1/cosponsor"),
        &de,
        &json!({"note": "Germany joins."}),
    )
    .expect(201);
    post(
        &server,
        &format!("{R}/consolidate"),
        &chair,
        &json!({"label": "Rev. 1", "accept_uncontested": true}),
    )
    .expect(201);
    // The chair then records the first paragraph, as consolidated, agreed ad ref.: the rows
    // show the status it has now.
    put(
        &server,
        &format!("{D}/status/P1"),
        &chair,
        &json!({"status": "agreed_ad_ref", "note": "Reference Group"}),
    )
    .expect(200);

    // The dispositions: the paragraph's status and reservations, whom a row spoke for, its
    // co-sponsors, in JSON and as columns of the CSV.
    let dispositions = get(&server, &format!("{R}/dispositions"), &chair)
        .expect(200)
        .json();
    let rows = dispositions["rows"].as_array().expect("rows");
    let eu1 = row(rows, "EU-1");
    assert_eq!(eu1["paragraph_status"], "agreed_ad_ref", "{eu1}");
    assert_eq!(eu1["spoke_for"], "EU (2)", "{eu1}");
    let eu2 = row(rows, "EU-2");
    assert_eq!(eu2["paragraph_status"], "open", "{eu2}");
    assert_eq!(eu2["reservations"], json!(["SR (DE)"]), "{eu2}");
    assert_eq!(eu2["spoke_for"], "EU (except DE)", "{eu2}");
    let fr1 = row(rows, "FR-1");
    assert_eq!(fr1["cosponsors"], json!(["DE"]), "{fr1}");
    assert_eq!(fr1["spoke_for"], "FR, co-sponsored by DE", "{fr1}");
    assert!(
        fr1.get("reservations").is_none(),
        "a withdrawn reservation is not held: {fr1}"
    );
    let csv = get(&server, &format!("{R}/dispositions?format=csv"), &chair).expect(200);
    let csv = String::from_utf8(csv.bytes).expect("UTF-8");
    let header = csv.lines().next().expect("a header");
    assert!(
        header.ends_with("Paragraph status,Reservations held,Spoke for"),
        "{header}"
    );
    assert!(
        csv.lines()
            .any(|l| l.starts_with("EU-2,") && l.ends_with(",open,SR (DE),EU (except DE)")),
        "{csv}"
    );
    assert!(
        csv.lines()
            .any(|l| l.starts_with("EU-1,") && l.ends_with(",agreed ad ref.,,EU (2)")),
        "{csv}"
    );

    // Germany's outcomes, read by Germany: its group's items rolled down (one via the EU, one
    // dissociated with its note), the proposal it co-sponsored, its reservations, and where
    // the paragraphs it touches stand.
    let outcomes = get(&server, &format!("{R}/outcomes/DE"), &de)
        .expect(200)
        .json();
    let proposals = outcomes["proposals"].as_array().expect("proposals");
    let ids: Vec<&str> = proposals.iter().filter_map(|p| p["id"].as_str()).collect();
    assert_eq!(ids, ["EU-1", "EU-2", "FR-1"], "{outcomes}");
    assert_eq!(
        proposals[0]["on_behalf"],
        json!({"relation": "via_group", "proposer": "EU"})
    );
    assert_eq!(
        proposals[1]["on_behalf"],
        json!({"relation": "dissociated", "proposer": "EU",
               "note": "Germany keeps the second paragraph as it stands."})
    );
    assert_eq!(
        proposals[2]["on_behalf"],
        json!({"relation": "cosponsored", "proposer": "FR"})
    );
    let reservations = outcomes["reservations"].as_array().expect("reservations");
    assert_eq!(reservations.len(), 2, "{outcomes}");
    assert_eq!(reservations[0]["number"], scrutiny["number"]);
    assert_eq!(
        (
            &reservations[0]["reference"],
            &reservations[0]["mark"],
            &reservations[0]["standing"],
            &reservations[0]["text"]
        ),
        (
            &json!("P2"),
            &json!("SR (DE)"),
            &json!("entered"),
            &json!("The Bundestag examines it.")
        )
    );
    assert_eq!(reservations[1]["standing"], "withdrawn");
    assert_eq!(reservations[1]["withdrawal_note"], "Checked.");
    assert_eq!(
        outcomes["paragraphs"],
        json!([
            {"reference": "P1", "status": "agreed_ad_ref"},
            {"reference": "P2", "status": "open", "reservations": ["SR (DE)"]},
            {"reference": "P3", "status": "open"}
        ])
    );
    let html = get(&server, &format!("{R}/outcomes/DE?format=html"), &de).expect(200);
    let html = String::from_utf8(html.bytes).expect("UTF-8");
    for shown in [
        "via EU",
        "dissociated from EU&#39;s item",
        "co-sponsored (FR&#39;s proposal)",
        "The Bundestag examines it.",
        "agreed ad ref.",
    ] {
        assert!(html.contains(shown), "the HTML outcomes lack {shown:?}");
    }

    // France's own outcomes hold its proposal first, then the EU's items via the EU.
    let outcomes = get(&server, &format!("{R}/outcomes/FR"), &fr)
        .expect(200)
        .json();
    let ids: Vec<&str> = outcomes["proposals"]
        .as_array()
        .expect("proposals")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(ids, ["FR-1", "EU-1", "EU-2"]);
    assert!(outcomes.get("reservations").is_none(), "{outcomes}");
    drop(server);
    db.verify_audit("after the outcomes were read");
}
