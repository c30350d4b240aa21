//! Every role against every endpoint of the real binary, while a round is open: each answer
//! must be what `penholder_server::policy::decide` says (allowed → 2xx, forbidden → 403, wrong
//! state → 409), for a caller of the process and for one from outside it, and for a
//! submission of the caller's own delegation, its group's, and another's. (Every round state is
//! covered in process, with a manual clock, by crates/server/tests/policy_matrix.rs.) On SQLite
//! and on PostgreSQL.

mod server_support;

use penholder_server::policy::{self, Action, Phase, Relation, Verdict};
use serde_json::{Value, json};
use server_support::*;

fn world(server: &Server, process: &str) {
    let admin = token("admin", None);
    post(
        server,
        "/v1/processes",
        &admin,
        &json!({"slug": process, "title": "Budapest Process", "delegations": [
            {"code": "HU", "name": "Hungary", "kind": "state", "function": "chair"},
            {"code": "ICMPD", "name": "ICMPD", "kind": "organisation", "participation": "secretariat"},
            // FR and DE co-chair, so that a chair's or secretariat's token of theirs holds
            // that role here and every cell of the table is reached; a token whose
            // delegation holds no such function reads as an observer's (tested in
            // `a_token_is_chair_only_where_its_delegation_chairs`).
            {"code": "FR", "name": "France", "kind": "state", "function": "co_chair"},
            {"code": "DE", "name": "Germany", "kind": "state", "function": "co_chair"},
            {"code": "EU", "name": "European Union", "kind": "group", "members": ["FR", "DE"]}
        ]}),
    )
    .expect(201);
    let chair = token("chair", Some("HU"));
    for (slug, classification) in [("declaration", Some("LIMITE")), ("note", None)] {
        post(
            server,
            &format!("/v1/processes/{process}/documents"),
            &chair,
            &json!({"slug": slug, "title": slug, "classification": classification,
                    "source": {"format": "markdown", "text": "# Title\n\n1. First paragraph.\n\n2. Second paragraph.\n"}}),
        )
        .expect(201);
    }
    post(
        server,
        &format!("/v1/processes/{process}/rounds"),
        &chair,
        &json!({"document": "declaration", "label": "Feedback",
                "opens_at": from_now(-60), "closes_at": from_now(3600)}),
    )
    .expect(201);
    for code in ["FR", "EU"] {
        put(
            server,
            &format!("/v1/processes/{process}/rounds/1/submissions/{code}"),
            &token("delegate", Some(code)),
            &json!({"items": [{"kind": "amend", "node": "P1", "text": format!("First paragraph by {code}.")}]}),
        )
        .expect(201);
    }
    // The state of the texts: the note agreed (so that it can be adopted), reservations by FR
    // (no. 1) and by the EU (no. 2) on the declaration.
    for paragraph in ["P1", "P2"] {
        put(
            server,
            &format!("/v1/processes/{process}/documents/note/status/{paragraph}"),
            &chair,
            &json!({"status": "agreed", "note": "Senior Officials Meeting"}),
        )
        .expect(200);
    }
    post(
        server,
        &format!("/v1/processes/{process}/webhooks"),
        &chair,
        &json!({"url": "http://127.0.0.1:9/hook", "secret": "0123456789abcdef"}),
    )
    .expect(201);
    for code in ["FR", "EU"] {
        post(
            server,
            &format!("/v1/processes/{process}/documents/declaration/reservations"),
            &token("delegate", Some(code)),
            &json!({"node": "P1", "kind": "scrutiny", "text": format!("{code} reserves.")}),
        )
        .expect(201);
    }
}

/// Method, path and body of every endpoint performing `action` in process `p`.
fn probes(action: Action, p: &str, target: &str) -> Vec<(&'static str, String, Option<Value>)> {
    let r = format!("/v1/processes/{p}/rounds/1");
    let d = format!("/v1/processes/{p}/documents");
    let get = |path: String| ("GET", path, None);
    match action {
        Action::ListProcesses => vec![get("/v1/processes".into())],
        Action::CreateProcess => vec![(
            "POST",
            "/v1/processes".into(),
            Some(json!({"slug": format!("{p}-new"), "title": "New"})),
        )],
        Action::ReadProcess => vec![
            get(format!("/v1/processes/{p}")),
            get(format!("/v1/processes/{p}/delegations")),
            get(format!("/v1/processes/{p}/search?q=paragraph")),
        ],
        Action::PutDelegation => vec![(
            "PUT",
            format!("/v1/processes/{p}/delegations/NL"),
            Some(json!({"name": "Netherlands", "kind": "state"})),
        )],
        Action::CreateDocument => vec![(
            "POST",
            d.clone(),
            Some(
                json!({"slug": "annex", "title": "Annex", "source": {"format": "text", "text": "Annex text.\n"}}),
            ),
        )],
        Action::ReadPublicDocument | Action::ReadLimiteDocument => {
            let slug = if action == Action::ReadLimiteDocument {
                "declaration"
            } else {
                "note"
            };
            vec![
                get(format!("{d}/{slug}")),
                get(format!("{d}/{slug}/versions/1")),
                get(format!("{d}/{slug}/versions/1?format=html")),
                get(format!("{d}/{slug}/versions/1/blame")),
                get(format!("{d}/{slug}/redline?from=1&to=1")),
                get(format!("{d}/{slug}/synoptic?versions=1")),
                (
                    "PUT",
                    format!("{d}/{slug}/read-mark"),
                    Some(json!({"version": 1})),
                ),
            ]
        }
        Action::UploadVersion => vec![(
            "POST",
            format!("{d}/note/versions"),
            Some(
                json!({"label": "Rev", "source": {"format": "markdown", "text": "# Title\n\n1. First paragraph, revised.\n\n2. Second paragraph.\n"}}),
            ),
        )],
        Action::CreateRound => vec![(
            "POST",
            format!("/v1/processes/{p}/rounds"),
            Some(
                json!({"document": "note", "label": "Second", "opens_at": from_now(86_400), "closes_at": from_now(2 * 86_400)}),
            ),
        )],
        Action::ReadRound => vec![get(format!("/v1/processes/{p}/rounds")), get(r.clone())],
        Action::OpenRound => vec![("POST", format!("{r}/open"), None)],
        Action::CloseRound => vec![("POST", format!("{r}/close"), None)],
        Action::ExtendDeadline => vec![(
            "POST",
            format!("{r}/extend"),
            Some(json!({"closes_at": from_now(7200)})),
        )],
        Action::PutSubmission => vec![(
            "PUT",
            format!("{r}/submissions/{target}"),
            Some(json!({"items": [{"kind": "comment", "node": null, "text": "Fine."}]})),
        )],
        Action::ListSubmissions => vec![get(format!("{r}/submissions"))],
        Action::ReadSubmission => vec![
            get(format!("{r}/submissions/{target}")),
            get(format!("{r}/submissions/{target}/revisions")),
            get(format!("{r}/submissions/{target}/revisions/1")),
        ],
        Action::ReadCompilation => vec![get(format!("{r}/compilation"))],
        Action::ReadDecisions => vec![get(format!("{r}/decisions"))],
        Action::PutDecision => vec![(
            "PUT",
            format!("{r}/decisions/000000000000"),
            Some(json!({"decision": "reject"})),
        )],
        Action::Consolidate => vec![(
            "POST",
            format!("{r}/consolidate"),
            Some(json!({"label": "Rev. 1"})),
        )],
        Action::ReadDispositions => vec![get(format!("{r}/dispositions"))],
        Action::ReadOutcomes => vec![get(format!("{r}/outcomes/{target}"))],
        Action::ReadAudit => vec![get(format!("/v1/processes/{p}/audit"))],
        Action::SetParagraphStatus => vec![(
            "PUT",
            format!("{d}/declaration/status/P2"),
            Some(json!({"status": "agreed", "note": "Reference Group"})),
        )],
        // The world agreed the note's paragraph: the chair's adoption succeeds.
        Action::AdoptDocument => vec![("POST", format!("{d}/note/adopt"), Some(json!({})))],
        Action::EnterReservation => vec![(
            "POST",
            format!("{d}/declaration/reservations"),
            Some(
                json!({"node": "P2", "kind": "scrutiny", "text": "Pending scrutiny.", "delegation": target}),
            ),
        )],
        // The world's reservation 1 is FR's, 2 the EU's: the target's own.
        Action::WithdrawReservation => vec![(
            "POST",
            format!(
                "{d}/declaration/reservations/{}/withdraw",
                if target == "EU" { 2 } else { 1 }
            ),
            Some(json!({"note": "Lifted."})),
        )],
        // The world's FR and EU submissions each hold an amendment as item 1.
        Action::AgreeGroupText => vec![(
            "POST",
            format!("{r}/submissions/{target}/agree"),
            Some(json!({})),
        )],
        Action::DissociateFromItem => vec![(
            "POST",
            format!("{r}/submissions/{target}/items/1/dissociate"),
            Some(json!({"note": "We do not join this wording."})),
        )],
        Action::CosponsorProposal => vec![(
            "POST",
            format!("{r}/submissions/{target}/items/1/cosponsor"),
            Some(json!({})),
        )],
        Action::ReadEvents => vec![get(format!("/v1/processes/{p}/events"))],
        // The world subscribed webhook 1, to a closed loopback port (its deliveries fail).
        Action::ManageWebhooks => vec![
            (
                "POST",
                format!("/v1/processes/{p}/webhooks"),
                Some(json!({"url": "http://127.0.0.1:9/other", "secret": "0123456789abcdef"})),
            ),
            get(format!("/v1/processes/{p}/webhooks")),
            get(format!("/v1/processes/{p}/webhooks/1/deliveries")),
            ("DELETE", format!("/v1/processes/{p}/webhooks/1"), None),
        ],
    }
}

fn parties(relation: Relation) -> (&'static str, &'static str) {
    match relation {
        Relation::Own => ("FR", "FR"),
        Relation::GroupMember => ("FR", "EU"),
        Relation::OtherMember => ("DE", "FR"),
        Relation::NonMember => ("XX", "FR"),
    }
}

both_backends!(every_role_against_every_endpoint_of_the_binary);

fn every_role_against_every_endpoint_of_the_binary(db: &TestDb) {
    // The world subscribes a webhook on a closed loopback port.
    let server = Server::start_with(
        db,
        &[
            ("PENHOLDER_JWT_SECRET", server_support::SECRET),
            ("PENHOLDER_WEBHOOK_PRIVATE_TARGETS", "true"),
        ],
    );
    world(&server, "shared");
    let mut fresh_worlds = 0;
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut tokens = std::collections::HashMap::new();
    for cell in policy::table()
        .into_iter()
        .filter(|c| matches!(c.phase, Phase::Open | Phase::NoRound))
    {
        let (caller, target) = parties(cell.relation);
        let token = tokens
            .entry((cell.role, caller))
            .or_insert_with(|| token(cell.role.as_str(), Some(caller)))
            .clone();
        for index in 0..probes(cell.action, "shared", target).len() {
            let writes = probes(cell.action, "shared", target)[index].0 != "GET";
            // An allowed write changes the world: it gets a world of its own.
            let process = if writes && cell.verdict == Verdict::Allow {
                fresh_worlds += 1;
                let name = format!("w{fresh_worlds}");
                world(&server, &name);
                name
            } else {
                "shared".to_string()
            };
            let (method, path, body) = probes(cell.action, &process, target).swap_remove(index);
            let bytes = body.map(|b| serde_json::to_vec(&b).expect("json"));
            let answer = request(
                method,
                &server.url(&path),
                Some(&token),
                &[],
                bytes.as_deref(),
            );
            let fits = match cell.verdict {
                Verdict::Allow => (200..300).contains(&answer.status),
                Verdict::Forbidden(_) => answer.status == 403,
                Verdict::WrongState(_) => answer.status == 409,
            };
            checked += 1;
            if !fits {
                failures.push(format!(
                    "{method} {path} as {} of {caller} ({}): expected {:?}, got {} {}",
                    cell.role,
                    cell.relation.as_str(),
                    cell.verdict,
                    answer.status,
                    String::from_utf8_lossy(&answer.bytes)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 250, "only {checked} requests");
    eprintln!("{checked} role × endpoint requests checked, {fresh_worlds} fresh worlds");
}
