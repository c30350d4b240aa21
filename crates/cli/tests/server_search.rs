//! Search across a process's documents against the real binary, on both backends: every
//! version's texts found once with their references, only in the documents the caller may read,
//! and bad queries refused with a problem document that says what to change.

mod server_support;

use serde_json::{Value, json};
use server_support::*;

fn search(server: &Server, token: &str, query: &str) -> Answer {
    get(server, &format!("/v1/processes/bp/search?{query}"), token)
}

/// A text found: its document, its words, and each version with the node's reference there.
type Found = (String, String, Vec<(u64, String)>);

fn found(answer: Answer) -> Vec<Found> {
    answer.expect(200).json()["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|hit: &Value| {
            let versions = hit["versions"]
                .as_array()
                .expect("versions")
                .iter()
                .map(|o| {
                    (
                        o["version"].as_u64().expect("a number"),
                        o["reference"].as_str().expect("a reference").to_owned(),
                    )
                })
                .collect();
            (
                hit["document"].as_str().expect("a slug").to_owned(),
                hit["text"].as_str().expect("a text").to_owned(),
                versions,
            )
        })
        .collect()
}

both_backends!(search_finds_what_the_caller_may_read_in_every_version);

fn search_finds_what_the_caller_may_read_in_every_version(db: &TestDb) {
    let server = Server::start(db);
    let admin = token("admin", None);
    let chair = token("chair", Some("HU"));
    post(
        &server,
        "/v1/processes",
        &admin,
        &json!({"slug": "bp", "title": "Budapest Process", "delegations": [
            {"code": "HU", "name": "Hungary", "kind": "state", "function": "chair"},
            {"code": "FR", "name": "France", "kind": "state"}]}),
    )
    .expect(201);
    let documents = "/v1/processes/bp/documents";
    post(
        &server,
        documents,
        &chair,
        &json!({"slug": "declaration", "title": "Declaration", "classification": "LIMITE",
                "source": {"format": "markdown", "text":
                    "# Declaration\n\n1. We commit to legal pathways for migration.\n\n2. We strengthen return and reintegration.\n"}}),
    )
    .expect(201);
    post(
        &server,
        documents,
        &chair,
        &json!({"slug": "note", "title": "Note",
                "source": {"format": "markdown", "text": "# Note\n\n1. The note on legal pathways, public.\n"}}),
    )
    .expect(201);
    // Rev. 1 inserts a paragraph before the first: its text keeps its node, its reference moves.
    post(
        &server,
        &format!("{documents}/declaration/versions"),
        &chair,
        &json!({"label": "Rev. 1", "source": {"format": "markdown", "text":
            "# Declaration\n\n1. We recall the Budapest Process.\n\n2. We commit to legal pathways for migration.\n\n3. We strengthen return and reintegration.\n"}}),
    )
    .expect(201);

    let member = token("delegate", Some("FR"));
    let hits = found(search(
        &server,
        &member,
        "q=%22legal%20pathways%22%20migration",
    ));
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].0, "declaration");
    assert_eq!(hits[0].2, [(1, "P1".to_owned()), (2, "P2".to_owned())]);
    let both = found(search(&server, &member, "q=pathways"));
    assert_eq!(both.len(), 2, "{both:?}");

    // A delegation of no part in the process reads public documents only: the LIMITE
    // declaration's words are not found.
    let outsider = token("delegate", Some("XX"));
    let public = found(search(&server, &outsider, "q=pathways"));
    assert_eq!(
        public.iter().map(|h| h.0.as_str()).collect::<Vec<_>>(),
        ["note"]
    );

    // Bad queries: a problem document naming what to change, never a 500.
    for (query, says) in [
        ("q=%22%22", "at least one word"),
        ("q=a&limit=0", "at least 1"),
        ("q=a&limit=101", "at most 100"),
        ("q=a&sort=date", "sort"),
        ("limit=3", "q"),
    ] {
        let problem = search(&server, &member, query).expect(400).json();
        let detail = problem["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(says), "{query}: {detail}");
    }
    get(&server, "/v1/processes/nope/search?q=a", &member).expect(404);
}

both_backends!(proposals_are_found_once_published_never_while_sealed);

/// Proposals are found by the process search with their delegation, round and reference once
/// their round is consolidated; while it is open (sealed) or closed but not consolidated, no
/// one finds them, not even through their justification.
fn proposals_are_found_once_published_never_while_sealed(db: &TestDb) {
    let server = Server::start(db);
    let admin = token("admin", None);
    let chair = token("chair", Some("HU"));
    let fr = token("delegate", Some("FR"));
    let de = token("delegate", Some("DE"));
    post(
        &server,
        "/v1/processes",
        &admin,
        &json!({"slug": "bp", "title": "Budapest Process", "delegations": [
            {"code": "HU", "name": "Hungary", "kind": "state", "function": "chair"},
            {"code": "FR", "name": "France", "kind": "state"},
            {"code": "DE", "name": "Germany", "kind": "state"}]}),
    )
    .expect(201);
    post(
        &server,
        "/v1/processes/bp/documents",
        &chair,
        &json!({"slug": "decl", "title": "Declaration", "label": "Zero draft",
                "source": {"format": "markdown", "text": "# Declaration\n\n**OP1** 1. Call on all States to act.\n\n**OP2** 2. Recall the Charter.\n"}}),
    )
    .expect(201);
    let proposals = |token: &str, words: &str| -> Vec<Value> {
        search(&server, token, &format!("q={words}"))
            .expect(200)
            .json()["proposals"]
            .as_array()
            .expect("proposals")
            .clone()
    };
    let open_round = |number: u32| {
        post(
            &server,
            "/v1/processes/bp/rounds",
            &chair,
            &json!({"document": "decl", "label": format!("Round {number}"),
                    "opens_at": from_now(3600), "closes_at": from_now(7200)}),
        )
        .expect(201);
        post(
            &server,
            &format!("/v1/processes/bp/rounds/{number}/open"),
            &chair,
            &json!({}),
        )
        .expect(200);
    };
    open_round(1);
    put(
        &server,
        "/v1/processes/bp/rounds/1/submissions/FR",
        &fr,
        &json!({"items": [
            {"kind": "amend", "node": "OP2", "text": "Recall the zanzibarian Charter.", "justification": "Quokka precision."},
            {"kind": "comment", "node": null, "text": "A zanzibarian remark on the whole text."}]}),
    )
    .expect(201);
    // Sealed: nobody finds it, not DE, not the chair, not FR itself (not published yet).
    for token in [&de, &chair, &fr] {
        assert!(
            proposals(token, "zanzibarian").is_empty(),
            "found while the round is open"
        );
        assert!(
            proposals(token, "quokka").is_empty(),
            "a justification found while sealed"
        );
    }
    post(
        &server,
        "/v1/processes/bp/rounds/1/close",
        &chair,
        &json!({}),
    )
    .expect(200);
    assert!(
        proposals(&de, "zanzibarian").is_empty(),
        "closed, not yet published"
    );
    post(
        &server,
        "/v1/processes/bp/rounds/1/consolidate",
        &chair,
        &json!({"label": "Rev. 1", "accept_uncontested": true}),
    )
    .expect(201);
    // Published: found by another delegation, with its delegation, round, item and reference.
    let found = proposals(&de, "zanzibarian");
    let summary: Vec<(String, u64, u64, String, String)> = found
        .iter()
        .map(|p| {
            (
                p["delegation"].as_str().unwrap().to_owned(),
                p["round"].as_u64().unwrap(),
                p["item"].as_u64().unwrap(),
                p["kind"].as_str().unwrap().to_owned(),
                p["reference"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(summary.len(), 2, "{found:?}");
    assert!(
        summary.contains(&("FR".into(), 1, 1, "amend".into(), "OP2".into())),
        "{summary:?}"
    );
    assert!(
        summary.contains(&("FR".into(), 1, 2, "comment".into(), String::new())),
        "{summary:?}"
    );
    let by_justification = proposals(&de, "quokka");
    assert_eq!(by_justification.len(), 1);
    assert!(
        by_justification[0]["text"]
            .as_str()
            .unwrap()
            .contains("Quokka precision.")
    );

    // A second round: DE's submission is sealed to FR while it is open.
    open_round(2);
    put(
        &server,
        "/v1/processes/bp/rounds/2/submissions/DE",
        &de,
        &json!({"items": [{"kind": "amend", "node": "OP1", "text": "Call on all States to act xylophonically."}]}),
    )
    .expect(201);
    assert!(
        proposals(&fr, "xylophonically").is_empty(),
        "a sealed proposal found by FR"
    );
    assert!(proposals(&de, "xylophonically").is_empty());
    // The texts of versions are still found as before, beside the proposals.
    let answer = search(&server, &fr, "q=zanzibarian").expect(200).json();
    assert_eq!(
        answer["hits"].as_array().unwrap().len(),
        1,
        "Rev. 1 holds the amended text"
    );
}
