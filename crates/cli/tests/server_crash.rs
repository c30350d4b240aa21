//! What the server acknowledged survives: a 201 survives `kill -9` (the revision comes back
//! byte for byte after a restart), and SIGTERM stops the server cleanly with nothing lost. On
//! SQLite and on PostgreSQL.

mod server_support;

use serde_json::json;
use server_support::*;

fn setup(server: &Server) {
    let admin = token("admin", None);
    post(
        server,
        "/v1/processes",
        &admin,
        &json!({"slug": "bp", "title": "Budapest Process", "delegations": [
            {"code": "HU", "name": "Hungary", "kind": "state", "function": "chair"},
            {"code": "PK", "name": "Pakistan", "kind": "state"}
        ]}),
    )
    .expect(201);
    let chair = token("chair", Some("HU"));
    post(
        server,
        "/v1/processes/bp/documents",
        &chair,
        &json!({"slug": "cfa", "title": "Call for Action",
                "source": {"format": "json", "text": fixture("call-for-action.json")}}),
    )
    .expect(201);
    post(
        server,
        "/v1/processes/bp/rounds",
        &chair,
        &json!({"document": "cfa", "label": "Feedback",
                "opens_at": from_now(-60), "closes_at": from_now(3600)}),
    )
    .expect(201);
}

both_backends!(
    an_acknowledged_submission_survives_kill_9,
    sigterm_stops_the_server_cleanly
);

fn an_acknowledged_submission_survives_kill_9(db: &TestDb) {
    let mut server = Server::start(db);
    setup(&server);
    let pk = token("delegate", Some("PK"));
    let path = "/v1/processes/bp/rounds/1/submissions/PK";
    let mut acknowledged = Vec::new();
    for cycle in 1..=3u32 {
        let body = json!({"items": [
            {"kind": "amend", "node": "PG1.1", "text": format!("Cycle {cycle}: strengthen cooperation.")},
            {"kind": "comment", "node": null, "text": format!("Sent in cycle {cycle}, ünïcödé ✓.")}
        ]});
        let bytes = serde_json::to_vec(&body).unwrap();
        let etag = format!("\"{}\"", cycle - 1);
        let precondition: Vec<(&str, &str)> = if cycle == 1 {
            vec![("if-none-match", "*")]
        } else {
            vec![("if-match", etag.as_str())]
        };
        let receipt = request(
            "PUT",
            &server.url(path),
            Some(&pk),
            &precondition,
            Some(&bytes),
        )
        .expect(201)
        .json();
        assert_eq!(receipt["revision"], cycle);
        let stored = get(&server, &format!("{path}/revisions/{cycle}"), &pk).expect(200);
        acknowledged.push((cycle, receipt, stored.bytes));
        // No goodbye: the process dies at once, right after the acknowledgement.
        server.kill();
        server.restart();
    }
    for (cycle, receipt, bytes) in &acknowledged {
        let again = get(&server, &format!("{path}/revisions/{cycle}"), &pk).expect(200);
        assert_eq!(
            &again.bytes, bytes,
            "revision {cycle} is not byte-identical after kill -9"
        );
        assert_eq!(again.json()["receipt"], receipt["receipt"]);
    }
    let history = get(&server, &format!("{path}/revisions"), &pk)
        .expect(200)
        .json();
    assert_eq!(history["revisions"].as_array().unwrap().len(), 3);
    server.kill();
    db.verify_audit("after the server stopped");
    // The store itself, opened without a server, holds the three acknowledged receipts.
    let store = db.open_store();
    let stored = store
        .read(|reader| reader.submission_history("bp", 1, "PK"))
        .wait()
        .expect("the submission's history");
    let receipts: Vec<String> = stored.iter().map(|r| r.receipt.to_hex()).collect();
    let acknowledged: Vec<String> = acknowledged
        .iter()
        .map(|(_, receipt, _)| receipt["receipt"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(receipts, acknowledged, "{:?}", db.backend());
    let report = store.verify_audit().expect("the audit chain verifies");
    assert_eq!(report.submission_revisions, 3);
}

fn sigterm_stops_the_server_cleanly(db: &TestDb) {
    let mut server = Server::start(db);
    setup(&server);
    let pk = token("delegate", Some("PK"));
    put(
        &server,
        "/v1/processes/bp/rounds/1/submissions/PK",
        &pk,
        &json!({"items": [{"kind": "delete", "node": "PG1.5"}]}),
    )
    .expect(201);
    assert!(
        server.terminate(),
        "the server exits successfully on SIGTERM"
    );
    let mut again = Server::start(db);
    let stored = get(&again, "/v1/processes/bp/rounds/1/submissions/PK", &pk)
        .expect(200)
        .json();
    assert_eq!(stored["items"][0]["kind"], "delete");
    assert!(again.terminate());
    db.verify_audit("after the server stopped");
}
