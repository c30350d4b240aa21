//! Authority comes from the process (issue 12, findings 1 and 2): what a token's holder may do
//! depends on what their delegation is in that process. Each test reproduces a finding of the
//! black-box probe; before the fix every refusal below was a 200 or a 201.

mod common;

use common::*;
use penholder_server::Role;
use serde_json::json;

/// Process `py`: TR chairs it, ICMPD is its secretariat, HU and SE are ordinary members, NL
/// observes, and HU belongs to the group `V4`; the world's process `bp` (HU chairs it) beside
/// it, so HU's chair token is a real chair's — elsewhere. Round 1 of `py` is open; SE has
/// submitted.
async fn two_processes() -> Harness {
    let h = Harness::new();
    world(&h).await;
    let admin = h.token(Role::Admin, None);
    h.post(
        "/v1/processes",
        &admin,
        json!({"slug": "py", "title": "Prague Process", "delegations": [
            {"code": "TR", "name": "Türkiye", "kind": "state", "function": "chair"},
            {"code": "ICMPD", "name": "ICMPD", "kind": "organisation", "participation": "secretariat"},
            {"code": "HU", "name": "Hungary", "kind": "state"},
            {"code": "SE", "name": "Sweden", "kind": "state"},
            {"code": "PL", "name": "Poland", "kind": "state"},
            {"code": "NL", "name": "Netherlands", "kind": "state", "participation": "observer"},
            {"code": "V4", "name": "Visegrád Group", "kind": "group", "members": ["PL", "CZ"]}
        ]}),
    )
    .await
    .expect(201);
    let chair = h.token(Role::Chair, Some("TR"));
    h.post(
        "/v1/processes/py/documents",
        &chair,
        json!({"slug": "text", "title": "Text",
               "source": {"format": "markdown", "text": "# Text\n\n1. First paragraph.\n\n2. Second paragraph.\n"}}),
    )
    .await
    .expect(201);
    h.post(
        "/v1/processes/py/rounds",
        &chair,
        json!({"document": "text", "label": "Feedback",
               "opens_at": rfc3339(T0), "closes_at": rfc3339(T0 + 10 * DAY)}),
    )
    .await
    .expect(201);
    let se = h.token(Role::Delegate, Some("SE"));
    h.put(
        "/v1/processes/py/rounds/1/submissions/SE",
        &se,
        json!({"items": [{"kind": "amend", "node": "P1", "text": "First, and only, paragraph.",
                          "justification": "Confidential: our capital insists."}]}),
    )
    .await
    .expect(201);
    h
}

#[tokio::test]
async fn a_chair_token_is_chair_only_where_its_delegation_chairs() {
    let h = two_processes().await;
    let hu_chair = h.token(Role::Chair, Some("HU"));
    // In bp, where HU chairs, the token is the chair's.
    h.get("/v1/processes/bp/rounds/1/compilation", &hu_chair)
        .await
        .expect(200);
    // In py, where HU is an ordinary member, it is not.
    let sealed = h
        .get("/v1/processes/py/rounds/1/submissions/SE", &hu_chair)
        .await
        .expect(403)
        .json();
    assert!(
        sealed["detail"]
            .as_str()
            .is_some_and(|d| d.contains("not the chair, co-chair or secretariat of this process")),
        "{sealed}"
    );
    h.get("/v1/processes/py/rounds/1/compilation", &hu_chair)
        .await
        .expect(403);
    h.post(
        "/v1/processes/py/documents",
        &hu_chair,
        json!({"slug": "other", "title": "Other",
               "source": {"format": "markdown", "text": "# Other\n\n1. One.\n"}}),
    )
    .await
    .expect(403);
    h.post(
        "/v1/processes/py/rounds",
        &hu_chair,
        json!({"document": "text", "label": "Another",
               "opens_at": rfc3339(T0 + 20 * DAY), "closes_at": rfc3339(T0 + 30 * DAY)}),
    )
    .await
    .expect(403);
    h.post("/v1/processes/py/rounds/1/close", &hu_chair, json!({}))
        .await
        .expect(403);
    h.clock.set(T0 + 11 * DAY);
    h.post(
        "/v1/processes/py/rounds/1/consolidate",
        &hu_chair,
        json!({"label": "Rev. 1"}),
    )
    .await
    .expect(403);
    // What it may still do is what an observer of HU may: read the process's public text.
    h.get("/v1/processes/py/documents/text", &hu_chair)
        .await
        .expect(200);
    // The real chair does what HU's token could not.
    let tr_chair = h.token(Role::Chair, Some("TR"));
    h.post(
        "/v1/processes/py/rounds/1/consolidate",
        &tr_chair,
        json!({"label": "Rev. 1"}),
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn a_secretariat_token_is_the_secretariat_only_of_the_process_it_serves() {
    let h = two_processes().await;
    h.get(
        "/v1/processes/py/rounds/1/submissions/SE",
        &h.token(Role::Secretariat, Some("HU")),
    )
    .await
    .expect(403);
    h.get(
        "/v1/processes/py/rounds/1/submissions/SE",
        &h.token(Role::Secretariat, Some("ICMPD")),
    )
    .await
    .expect(200);
    // The chairing delegation's own staff work for the chair.
    h.get(
        "/v1/processes/py/rounds/1/submissions/SE",
        &h.token(Role::Secretariat, Some("TR")),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn membership_through_a_group_grants_no_chair_powers() {
    let h = two_processes().await;
    // CZ takes part in py only as a member of V4.
    h.post(
        "/v1/processes/py/rounds",
        &h.token(Role::Chair, Some("CZ")),
        json!({"document": "text", "label": "Another",
               "opens_at": rfc3339(T0 + 20 * DAY), "closes_at": rfc3339(T0 + 30 * DAY)}),
    )
    .await
    .expect(403);
}

#[tokio::test]
async fn an_observer_delegation_comments_but_proposes_no_change() {
    let h = two_processes().await;
    let nl = h.token(Role::Delegate, Some("NL"));
    let refused = h
        .put(
            "/v1/processes/py/rounds/1/submissions/NL",
            &nl,
            json!({"items": [
                {"kind": "comment", "node": "P1", "text": "We support this."},
                {"kind": "amend", "node": "P2", "text": "Second, better, paragraph."}
            ]}),
        )
        .await
        .expect(403)
        .json();
    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains("observer") && d.contains("item 1")),
        "{refused}"
    );
    h.put(
        "/v1/processes/py/rounds/1/submissions/NL",
        &nl,
        json!({"items": [{"kind": "comment", "node": "P1", "text": "We support this."}]}),
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn a_refusal_after_an_early_close_says_the_chair_closed_it() {
    // Issue 12, finding 8: after the chair closed a round early, a late delegation read
    // "the deadline has passed" with the deadline still days away.
    let h = two_processes().await;
    let closed = h
        .post(
            "/v1/processes/py/rounds/1/close",
            &h.token(Role::Chair, Some("TR")),
            json!({}),
        )
        .await
        .expect(200)
        .json();
    // The round opened by the clock (nobody opened it by hand): its close event says it was
    // open, not planned (finding 8).
    assert_eq!(closed["events"][0]["state_before"], "open", "{closed}");
    let refused = h
        .put(
            "/v1/processes/py/rounds/1/submissions/HU",
            &h.token(Role::Delegate, Some("HU")),
            json!({"items": [{"kind": "comment", "node": "P1", "text": "Late."}]}),
        )
        .await
        .expect(409)
        .json();
    let detail = refused["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("the chairmanship closed it") && !detail.contains("deadline has passed"),
        "{refused}"
    );
    // The late attempt is on record, for the chair to see (finding 8): who, when, what hash.
    let audit = h
        .get("/v1/processes/py/audit", &h.token(Role::Chair, Some("TR")))
        .await
        .expect(200)
        .json();
    let late: Vec<_> = audit["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "submission.late")
        .collect();
    assert_eq!(late.len(), 1, "{audit}");
    assert_eq!(
        late[0]["subject"], "processes/py/rounds/1/submissions/HU",
        "{audit}"
    );
    // Nothing was stored as a submission.
    h.get(
        "/v1/processes/py/rounds/1/submissions/HU",
        &h.token(Role::Chair, Some("TR")),
    )
    .await
    .expect(404);
}

#[tokio::test]
async fn a_round_that_has_closed_cannot_be_reopened_by_an_extension() {
    // Issue 12, finding 3: a round closed by its deadline could still be extended; while it was
    // closed, sealing lifted (HU read SE's submission and its confidential justification), then
    // the extension reopened it and HU resubmitted with SE's wording.
    let h = two_processes().await;
    let chair = h.token(Role::Chair, Some("TR"));
    // While the round is open, its deadline may move.
    h.post(
        "/v1/processes/py/rounds/1/extend",
        &chair,
        json!({"closes_at": rfc3339(T0 + 11 * DAY)}),
    )
    .await
    .expect(200);
    h.clock.set(T0 + 12 * DAY);
    let chair = h.token(Role::Chair, Some("TR"));
    let hu = h.token(Role::Delegate, Some("HU"));
    // Closed by its deadline: SE's submission is unsealed for the others…
    h.get("/v1/processes/py/rounds/1/submissions/SE", &hu)
        .await
        .expect(200);
    // …so the round cannot reopen.
    let refused = h
        .post(
            "/v1/processes/py/rounds/1/extend",
            &chair,
            json!({"closes_at": rfc3339(T0 + 20 * DAY)}),
        )
        .await
        .expect(409)
        .json();
    let detail = refused["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("cannot reopen") && detail.contains("create a new round"),
        "{refused}"
    );
    h.put(
        "/v1/processes/py/rounds/1/submissions/HU",
        &hu,
        json!({"items": [{"kind": "amend", "node": "P1", "text": "First, and only, paragraph."}]}),
    )
    .await
    .expect(409);
    // The decisions taken on it match its compilation, which can no longer change: its
    // consolidation is never a dead end.
    let compilation = h
        .get("/v1/processes/py/rounds/1/compilation", &chair)
        .await
        .expect(200)
        .json();
    let change = compilation["compilation"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .flat_map(|n| n["changes"].as_array().cloned().unwrap_or_default())
        .find_map(|c| c["id"].as_str().map(str::to_string))
        .expect("SE's change");
    h.put(
        &format!("/v1/processes/py/rounds/1/decisions/{change}"),
        &chair,
        json!({"decision": "accept"}),
    )
    .await
    .expect(200);
    h.post(
        "/v1/processes/py/rounds/1/consolidate",
        &chair,
        json!({"label": "Revision 1"}),
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn a_decision_that_blocks_consolidation_is_withdrawn_and_the_round_consolidates() {
    // Issue 12, finding 3: "decisions that no longer match a compilation are handled, never a
    // dead end". A decision on a change the compilation does not have (recorded against the
    // compilation of an earlier penholder) blocked consolidation, and nothing took it back.
    let h = two_processes().await;
    h.clock.set(T0 + 11 * DAY);
    let chair = h.token(Role::Chair, Some("TR"));
    h.store
        .record_decision(
            "py",
            1,
            penholder_core::negotiation::Decision {
                change: "c-gone".into(),
                ruling: penholder_core::negotiation::Ruling::Reject,
                note: None,
            },
            penholder_store::Actor::new("tr-chair", Some("TR"), "chair"),
            T0 + 11 * DAY,
        )
        .wait()
        .expect("a decision as an earlier penholder recorded it");
    let refused = h
        .post(
            "/v1/processes/py/rounds/1/consolidate",
            &chair,
            json!({"label": "Revision 1"}),
        )
        .await
        .expect(422)
        .json();
    let detail = refused["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("c-gone") && detail.contains(r#"{"decision": "withdraw"}"#),
        "the refusal says the way out: {refused}"
    );
    // Only a decision that exists is withdrawn; only the chair withdraws.
    h.put(
        "/v1/processes/py/rounds/1/decisions/c-never",
        &chair,
        json!({"decision": "withdraw"}),
    )
    .await
    .expect(404);
    h.put(
        "/v1/processes/py/rounds/1/decisions/c-gone",
        &h.token(Role::Delegate, Some("SE")),
        json!({"decision": "withdraw"}),
    )
    .await
    .expect(403);
    let withdrawn = h
        .put(
            "/v1/processes/py/rounds/1/decisions/c-gone",
            &chair,
            json!({"decision": "withdraw", "note": "Taken against an older compilation."}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(withdrawn["decision"], "withdraw", "{withdrawn}");
    // No longer in force (its record stays in the audit), and nothing blocks the round.
    let decisions = h
        .get("/v1/processes/py/rounds/1/decisions", &chair)
        .await
        .expect(200)
        .json();
    assert_eq!(decisions["decisions"], json!([]), "{decisions}");
    h.post(
        "/v1/processes/py/rounds/1/consolidate",
        &chair,
        json!({"label": "Revision 1"}),
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn a_reviewing_body_listed_by_the_process_reads_limite_texts_and_writes_nothing() {
    // Issue 12, finding 3: a Council working party member (role reviewer, no delegation) got
    // 403 on LIMITE texts while observer organisations read them. The process now lists the
    // reviewing body (participation `reviewer`); its tokens read, and only read.
    let h = two_processes().await;
    let admin = h.token(Role::Admin, None);
    h.put(
        "/v1/processes/py/delegations/COWEB",
        &admin,
        json!({"name": "Working Party on the Western Balkans Region", "kind": "organisation",
               "participation": "reviewer"}),
    )
    .await
    .expect(201);
    let chair = h.token(Role::Chair, Some("TR"));
    h.post(
        "/v1/processes/py/documents",
        &chair,
        json!({"slug": "limite", "title": "Draft conclusions", "classification": "LIMITE",
               "source": {"format": "markdown", "text": "# Draft\n\n1. One.\n"}}),
    )
    .await
    .expect(201);
    let path = "/v1/processes/py/documents/limite/versions/1";
    // A reviewer the process does not list is told how to be listed.
    let unnamed = h
        .get(path, &h.token(Role::Reviewer, None))
        .await
        .expect(403)
        .json();
    assert!(
        unnamed["detail"]
            .as_str()
            .is_some_and(|d| d.contains("participation `reviewer`")),
        "{unnamed}"
    );
    h.get(path, &h.token(Role::Delegate, Some("FR")))
        .await
        .expect(403);
    // The listed body's reviewers read it, as observers do.
    let reviewer = h.token(Role::Reviewer, Some("COWEB"));
    h.get(path, &reviewer).await.expect(200);
    h.get(&format!("{path}/blame"), &reviewer).await.expect(200);
    h.get(path, &h.token(Role::Observer, Some("NL")))
        .await
        .expect(200);
    // Whatever a token of the reviewing body claims, it writes nothing.
    h.put(
        "/v1/processes/py/rounds/1/submissions/COWEB",
        &h.token(Role::Delegate, Some("COWEB")),
        json!({"items": [{"kind": "comment", "node": "P1", "text": "A view."}]}),
    )
    .await
    .expect(403);
    h.post(
        "/v1/processes/py/rounds",
        &h.token(Role::Chair, Some("COWEB")),
        json!({"document": "limite", "label": "Review",
               "opens_at": rfc3339(T0 + DAY), "closes_at": rfc3339(T0 + 2 * DAY)}),
    )
    .await
    .expect(403);
    // And it does not read what is sealed.
    h.get("/v1/processes/py/rounds/1/submissions/SE", &reviewer)
        .await
        .expect(403);
}
