//! The authorization matrix: every endpoint × every role × every relation that matters ×
//! every round state that matters, each cell asserted against `policy::decide` — the same table
//! `docs/permissions.md` is generated from. A cell allowed must succeed (2xx), a forbidden one
//! must be 403, a wrong-state one 409.
//!
//! Reads share one prepared world per round state; every write gets a fresh world, so that no
//! cell depends on another.

mod common;

use axum::http::Method;
use common::*;
use penholder_server::Role;
use penholder_server::policy::{self, Action, Phase, Relation, Verdict};
use serde_json::{Value, json};
use std::collections::HashMap;

/// One request that performs an action, for a given target delegation and change.
struct Probe {
    action: Action,
    method: Method,
    path: String,
    body: Option<Value>,
}

fn probes(action: Action, target: &str, change: &str) -> Vec<Probe> {
    let r = "/v1/processes/bp/rounds/1";
    let probe = |method: Method, path: String, body: Option<Value>| Probe {
        action,
        method,
        path,
        body,
    };
    let get = |path: &str| probe(Method::GET, path.to_string(), None);
    match action {
        Action::ListProcesses => vec![get("/v1/processes")],
        Action::CreateProcess => vec![probe(
            Method::POST,
            "/v1/processes".into(),
            Some(process_body("new")),
        )],
        Action::ReadProcess => vec![get("/v1/processes/bp"), get("/v1/processes/bp/delegations")],
        Action::PutDelegation => vec![probe(
            Method::PUT,
            "/v1/processes/bp/delegations/NL".into(),
            Some(json!({"name": "Netherlands", "kind": "state"})),
        )],
        Action::CreateDocument => vec![probe(
            Method::POST,
            "/v1/processes/bp/documents".into(),
            Some(json!({"slug": "annex", "title": "Annex",
                        "source": {"format": "markdown", "text": "# Annex\n\nText.\n"}})),
        )],
        Action::ReadPublicDocument | Action::ReadLimiteDocument => {
            let d = if action == Action::ReadLimiteDocument {
                "declaration"
            } else {
                "note"
            };
            vec![
                get(&format!("/v1/processes/bp/documents/{d}")),
                get(&format!("/v1/processes/bp/documents/{d}/versions/1")),
                get(&format!("/v1/processes/bp/documents/{d}/versions/1/blame")),
                get(&format!(
                    "/v1/processes/bp/documents/{d}/redline?from=1&to=1"
                )),
            ]
        }
        Action::UploadVersion => vec![probe(
            Method::POST,
            "/v1/processes/bp/documents/note/versions".into(),
            Some(
                json!({"label": "Rev", "source": {"format": "markdown", "text": "# Cover note\n\nThe Presidency invites written comments.\n"}}),
            ),
        )],
        Action::CreateRound => vec![probe(
            Method::POST,
            "/v1/processes/bp/rounds".into(),
            Some(json!({"document": "declaration", "label": "Second round",
                        "opens_at": rfc3339(T0 + 20 * DAY), "closes_at": rfc3339(T0 + 30 * DAY)})),
        )],
        Action::ReadRound => vec![get("/v1/processes/bp/rounds"), get(r)],
        Action::OpenRound => vec![probe(Method::POST, format!("{r}/open"), None)],
        Action::CloseRound => vec![probe(Method::POST, format!("{r}/close"), None)],
        Action::ExtendDeadline => vec![probe(
            Method::POST,
            format!("{r}/extend"),
            Some(json!({"closes_at": rfc3339(T0 + 40 * DAY)})),
        )],
        Action::PutSubmission => vec![probe(
            Method::PUT,
            format!("{r}/submissions/{target}"),
            Some(json!({"items": [{"kind": "comment", "node": "OP1", "text": "Agreed."}]})),
        )],
        Action::ListSubmissions => vec![get(&format!("{r}/submissions"))],
        Action::ReadSubmission => vec![
            get(&format!("{r}/submissions/{target}")),
            get(&format!("{r}/submissions/{target}/revisions")),
            get(&format!("{r}/submissions/{target}/revisions/1")),
        ],
        Action::ReadCompilation => vec![get(&format!("{r}/compilation"))],
        Action::ReadDecisions => vec![get(&format!("{r}/decisions"))],
        Action::PutDecision => vec![probe(
            Method::PUT,
            format!("{r}/decisions/{change}"),
            Some(json!({"decision": "accept", "note": "Agreed by all."})),
        )],
        Action::Consolidate => vec![probe(
            Method::POST,
            format!("{r}/consolidate"),
            Some(json!({"label": "Rev. 1", "accept_uncontested": true})),
        )],
        Action::ReadDispositions => vec![get(&format!("{r}/dispositions"))],
        Action::ReadOutcomes => vec![get(&format!("{r}/outcomes/{target}"))],
        Action::ReadAudit => vec![get("/v1/processes/bp/audit")],
        Action::SetParagraphStatus => vec![probe(
            Method::PUT,
            "/v1/processes/bp/documents/declaration/status/OP2".into(),
            Some(json!({"status": "agreed", "note": "Reference Group"})),
        )],
        // `prepared` agreed the note's paragraph: the chair's adoption succeeds.
        Action::AdoptDocument => vec![probe(
            Method::POST,
            "/v1/processes/bp/documents/note/adopt".into(),
            Some(json!({})),
        )],
        Action::EnterReservation => vec![probe(
            Method::POST,
            "/v1/processes/bp/documents/declaration/reservations".into(),
            Some(
                json!({"node": "OP2", "kind": "scrutiny", "text": "Pending.", "delegation": target}),
            ),
        )],
        // `prepared` entered reservation 1 for FR and 2 for the EU.
        Action::WithdrawReservation => vec![probe(
            Method::POST,
            format!(
                "/v1/processes/bp/documents/declaration/reservations/{}/withdraw",
                if target == "EU" { 2 } else { 1 }
            ),
            Some(json!({"note": "Lifted."})),
        )],
        // `prepared`'s EU and FR submissions each hold an amendment as item 1.
        Action::AgreeGroupText => vec![probe(
            Method::POST,
            format!("{r}/submissions/{target}/agree"),
            Some(json!({})),
        )],
        Action::DissociateFromItem => vec![probe(
            Method::POST,
            format!("{r}/submissions/{target}/items/1/dissociate"),
            Some(json!({"note": "We do not join this wording."})),
        )],
        Action::CosponsorProposal => vec![probe(
            Method::POST,
            format!("{r}/submissions/{target}/items/1/cosponsor"),
            Some(json!({})),
        )],
        Action::ReadEvents => vec![get("/v1/processes/bp/events")],
        // `prepared` subscribed webhook 1 (to a closed loopback port: nothing is delivered
        // here, the harness runs no background work).
        Action::ManageWebhooks => vec![
            probe(
                Method::POST,
                "/v1/processes/bp/webhooks".into(),
                Some(json!({"url": "http://127.0.0.1:9/other", "secret": "0123456789abcdef"})),
            ),
            get("/v1/processes/bp/webhooks"),
            get("/v1/processes/bp/webhooks/1/deliveries"),
            probe(Method::DELETE, "/v1/processes/bp/webhooks/1".into(), None),
        ],
    }
}

/// The caller's delegation and the target delegation that realise a relation.
fn parties(relation: Relation) -> (&'static str, &'static str) {
    match relation {
        Relation::Own => ("FR", "FR"),
        Relation::GroupMember => ("FR", "EU"),
        Relation::OtherMember => ("DE", "FR"),
        Relation::NonMember => ("XX", "FR"),
    }
}

/// A world in a given round state, and the id of a change of round 1.
async fn prepared(phase: Phase) -> (Harness, String) {
    // Its webhooks point at a loopback port nobody listens on: allowed here, as an operator
    // would allow a receiver on the server's own network.
    let h = Harness::with_config(penholder_server::ServerConfig {
        events: penholder_server::EventsConfig {
            private_targets: true,
            ..Default::default()
        },
        ..Default::default()
    });
    // FR and DE co-chair here, so that a chair's or secretariat's token of theirs holds that
    // role and every cell of the table is reached (the standing rule has its own tests in
    // `standing.rs`).
    let mut process = process_body("bp");
    for delegation in process["delegations"].as_array_mut().expect("delegations") {
        if delegation["code"] == "FR" || delegation["code"] == "DE" {
            delegation["function"] = json!("co_chair");
        }
    }
    world_of(&h, process).await;
    let chair = h.token(Role::Chair, Some("HU"));
    // The state of the texts: the note agreed (so that it can be adopted), a reservation of
    // FR's (no. 1) and one of the EU's (no. 2) on the declaration.
    let note = h
        .get("/v1/processes/bp/documents/note/status", &chair)
        .await
        .expect(200)
        .json();
    for node in note["nodes"].as_array().expect("nodes") {
        let reference = node["reference"].as_str().expect("reference");
        h.put(
            &format!("/v1/processes/bp/documents/note/status/{reference}"),
            &chair,
            json!({"status": "agreed", "note": "Senior Officials Meeting"}),
        )
        .await
        .expect(200);
    }
    for code in ["FR", "EU"] {
        h.post(
            "/v1/processes/bp/documents/declaration/reservations",
            &h.token(Role::Delegate, Some(code)),
            json!({"node": "OP1", "kind": "scrutiny", "text": "Pending."}),
        )
        .await
        .expect(201);
    }
    h.post(
        "/v1/processes/bp/webhooks",
        &chair,
        json!({"url": "http://127.0.0.1:9/hook", "secret": "0123456789abcdef"}),
    )
    .await
    .expect(201);
    let compilation = h
        .get("/v1/processes/bp/rounds/1/compilation", &chair)
        .await
        .expect(200)
        .json();
    let change = compilation["compilation"]["nodes"]
        .as_array()
        .and_then(|nodes| {
            nodes
                .iter()
                .flat_map(|n| n["changes"].as_array().cloned().unwrap_or_default())
                .find(|c| c["contested"] == false)
        })
        .and_then(|c| c["id"].as_str().map(str::to_owned))
        .expect("an uncontested change");
    match phase {
        Phase::Planned => h.clock.set(T0 - HOUR),
        Phase::NoRound | Phase::Open => h.clock.set(T0 + HOUR),
        Phase::Closed => h.clock.set(T0 + 11 * DAY),
        Phase::Consolidated => {
            h.clock.set(T0 + 11 * DAY);
            h.post(
                "/v1/processes/bp/rounds/1/consolidate",
                &chair,
                json!({"label": "Rev. 1"}),
            )
            .await
            .expect(201);
        }
    }
    (h, change)
}

#[tokio::test]
async fn every_role_against_every_endpoint() {
    let mut read_worlds: HashMap<Phase, (Harness, String)> = HashMap::new();
    let mut cells = 0;
    let mut failures = Vec::new();
    for cell in policy::table() {
        let (caller, target) = parties(cell.relation);
        let phase = cell.phase;
        let count = probes(cell.action, target, "-").len();
        for index in 0..count {
            let writes = probes(cell.action, target, "-")[index].method != Method::GET;
            let fresh;
            let (h, change) = if writes {
                fresh = prepared(phase).await;
                (&fresh.0, fresh.1.clone())
            } else {
                if let std::collections::hash_map::Entry::Vacant(slot) = read_worlds.entry(phase) {
                    slot.insert(prepared(phase).await);
                }
                let (h, change) = &read_worlds[&phase];
                (h, change.clone())
            };
            let probe = probes(cell.action, target, &change).swap_remove(index);
            let token = h.token(cell.role, Some(caller));
            let answer = h
                .call(
                    probe.method.clone(),
                    &probe.path,
                    &token,
                    probe.body.clone(),
                )
                .await;
            let status = answer.status.as_u16();
            let fits = match cell.verdict {
                Verdict::Allow => (200..300).contains(&status),
                Verdict::Forbidden(_) => status == 403,
                Verdict::WrongState(_) => status == 409,
            };
            cells += 1;
            if !fits {
                failures.push(format!(
                    "{:?} {} {} as {} ({}, {}): expected {:?}, got {status} {}",
                    probe.action,
                    probe.method,
                    probe.path,
                    cell.role,
                    cell.relation.as_str(),
                    phase.as_str(),
                    cell.verdict,
                    String::from_utf8_lossy(&answer.bytes)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cells} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(cells > 900, "only {cells} cells probed");
    eprintln!("{cells} cells of the authorization matrix checked");
}
