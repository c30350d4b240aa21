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
