//! No silent deletion, against the real binary: a round whose decisions delete words and whole
//! paragraphs, reword, accept one of two contested texts and reject a deletion is consolidated;
//! the redline from the base then spells every base paragraph whole (kept + deleted words),
//! every deletion is attributed to a change applied there (the delegations whose text was
//! accepted, or the chair's wording), and the rejected deletion left its paragraph untouched.
//! The audit log holds one `version.publish` entry per version, first, consolidated and
//! uploaded alike, whose payload hash is the version's text hash, and `penholder audit verify`
//! vouches for every one. (The engine refuses to publish otherwise: `penholder_diff::
//! check_publication`, unit-tested in crates/diff and run on 30,000 generated consolidations by
//! its property test.) On SQLite and on PostgreSQL.

mod server_support;

use serde_json::{Value, json};
use server_support::*;
use std::collections::HashMap;

/// Reference → (node id, text) in a version.
fn nodes_by_reference(version: &Value) -> HashMap<String, (String, String)> {
    fn texts(nodes: &[Value], out: &mut HashMap<String, String>) {
        for node in nodes {
            if let (Some(id), Some(text)) = (node["id"].as_str(), node["text"].as_str()) {
                out.insert(id.to_string(), text.to_string());
            }
            texts(
                node["children"]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or(&[]),
                out,
            );
        }
    }
    let mut by_id = HashMap::new();
    texts(
        version["document"]["nodes"].as_array().expect("nodes"),
        &mut by_id,
    );
    version["references"]
        .as_array()
        .expect("references")
        .iter()
        .filter_map(|r| {
            let id = r["node"].as_str()?.to_string();
            let text = by_id.get(&id)?.clone();
            Some((r["reference"].as_str()?.to_string(), (id, text)))
        })
        .collect()
}

fn changes_of(compilation: &Value) -> Vec<Value> {
    compilation["compilation"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .flat_map(|n| n["changes"].as_array().cloned().unwrap_or_default())
        .collect()
}

fn supporters(alternative: &Value) -> Vec<String> {
    alternative["supporters"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter_map(|x| x["delegation"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

both_backends!(a_consolidation_shows_every_deletion_and_the_audit_log_holds_every_publication);

fn a_consolidation_shows_every_deletion_and_the_audit_log_holds_every_publication(db: &TestDb) {
    let mut server = Server::start(db);
    let admin = token("admin", None);
    let chair = token("chair", Some("HU"));
    post(
        &server,
        "/v1/processes",
        &admin,
        &json!({"slug": "bp", "title": "Budapest Process", "delegations": [
            {"code": "HU", "name": "Hungary", "kind": "state", "function": "chair"},
            {"code": "FR", "name": "France", "kind": "state"},
            {"code": "DE", "name": "Germany", "kind": "state"},
            {"code": "PK", "name": "Pakistan", "kind": "state"}
        ]}),
    )
    .expect(201);
    post(
        &server,
        "/v1/processes/bp/documents",
        &chair,
        &json!({"slug": "cfa", "title": "Call for Action",
                "source": {"format": "json", "text": fixture("call-for-action.json")}}),
    )
    .expect(201);
    post(
        &server,
        "/v1/processes/bp/rounds",
        &chair,
        &json!({"document": "cfa", "label": "Feedback",
                "opens_at": from_now(-60), "closes_at": from_now(3600)}),
    )
    .expect(201);
    let v1 = get(&server, "/v1/processes/bp/documents/cfa/versions/1", &chair)
        .expect(200)
        .json();
    let base = nodes_by_reference(&v1);
    let text_of = |reference: &str| {
        base.get(reference)
            .unwrap_or_else(|| panic!("no {reference} in {:?}", base.keys()))
            .1
            .clone()
    };
    // Proposals that delete: words at the end of PG1.1 (FR) against another text (DE), words
    // in the middle of PG1.2 (DE), all of PG1.5 (FR), all of PG1.3 (PK, to be rejected).
    let pg11 = text_of("PG1.1");
    let pg11_words: Vec<&str> = pg11.split(' ').collect();
    assert!(pg11_words.len() > 6, "{pg11}");
    let fr_pg11 = format!(
        "{}.",
        pg11_words[..pg11_words.len() - 3]
            .join(" ")
            .trim_end_matches(['.', ','])
    );
    let de_pg11 = format!("{} in full.", pg11.trim_end_matches('.'));
    let pg12 = text_of("PG1.2");
    let pg12_words: Vec<&str> = pg12.split(' ').collect();
    let de_pg12 = [&pg12_words[..2], &pg12_words[4..]].concat().join(" ");
    for (code, items) in [
        (
            "FR",
            json!([{"kind": "amend", "node": "PG1.1", "text": fr_pg11},
                   {"kind": "delete", "node": "PG1.5"}]),
        ),
        (
            "DE",
            json!([{"kind": "amend", "node": "PG1.1", "text": de_pg11},
                   {"kind": "amend", "node": "PG1.2", "text": de_pg12}]),
        ),
        ("PK", json!([{"kind": "delete", "node": "PG1.3"}])),
    ] {
        put(
            &server,
            &format!("/v1/processes/bp/rounds/1/submissions/{code}"),
            &token("delegate", Some(code)),
            &json!({ "items": items }),
        )
        .expect(201);
    }
    post(
        &server,
        "/v1/processes/bp/rounds/1/close",
        &chair,
        &json!({}),
    )
    .expect(200);
    let compilation = get(&server, "/v1/processes/bp/rounds/1/compilation", &chair)
        .expect(200)
        .json();
    let changes = changes_of(&compilation);
    let mut decided = 0;
    for change in &changes {
        let alternatives = change["alternatives"].as_array().expect("alternatives");
        let by = |code: &str| {
            alternatives
                .iter()
                .find(|a| supporters(a).iter().any(|s| s == code))
                .and_then(|a| a["id"].as_str())
                .map(str::to_owned)
        };
        let id = change["id"].as_str().expect("id");
        let decision = if change["contested"] == true {
            // PG1.1: FR's shorter text wins over DE's.
            by("FR").map(|a| json!({"decision": "accept", "alternative": a}))
        } else if by("PK").is_some() {
            Some(json!({"decision": "reject", "note": "The paragraph stays."}))
        } else if by("DE").is_some() {
            Some(
                json!({"decision": "reword", "text": "The chairmanship's wording.", "note": "Compromise."}),
            )
        } else {
            None // FR's deletion of PG1.5: accepted as uncontested.
        };
        if let Some(decision) = decision {
            put(
                &server,
                &format!("/v1/processes/bp/rounds/1/decisions/{id}"),
                &chair,
                &decision,
            )
            .expect(200);
            decided += 1;
        }
    }
    assert!(decided >= 3, "{changes:#?}");
    let consolidation = post(
        &server,
        "/v1/processes/bp/rounds/1/consolidate",
        &chair,
        &json!({"label": "Rev. 1", "accept_uncontested": true}),
    )
    .expect(201)
    .json();
    let applied = consolidation["applied"].as_array().expect("applied");
    assert!(applied.len() >= 3, "{consolidation}");

    // The redline shows every base word, and whom each deletion is due to.
    let redline = get(
        &server,
        "/v1/processes/bp/documents/cfa/redline?from=1&to=2",
        &chair,
    )
    .expect(200)
    .json();
    assert_eq!(redline["attributed"], true);
    let entries = redline["redline"]["nodes"].as_array().expect("nodes");
    let mut deletions = 0;
    for (reference, (id, text)) in &base {
        let entry = entries
            .iter()
            .find(|e| e["node"] == id.as_str())
            .unwrap_or_else(|| panic!("{reference} is missing from the redline"));
        let segments = entry["segments"].as_array().cloned().unwrap_or_default();
        let source: String = segments
            .iter()
            .filter(|s| s["kind"] == "equal" || s["kind"] == "delete")
            .filter_map(|s| s["text"].as_str())
            .collect();
        assert_eq!(
            &source, text,
            "{reference}: the redline does not spell the base text"
        );
        let applied_here: Vec<&Value> = applied
            .iter()
            .filter(|a| a["node"] == id.as_str())
            .collect();
        for segment in segments.iter().filter(|s| s["kind"] == "delete") {
            deletions += 1;
            let attribution = segment["attribution"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            assert!(
                !attribution.is_empty(),
                "{reference}: the deletion of {} is attributed to no one",
                segment["text"]
            );
            for origin in &attribution {
                assert!(
                    applied_here.iter().any(|a| &a["origin"] == origin),
                    "{reference}: the deletion of {} is attributed to {origin}, which no change applied there",
                    segment["text"]
                );
            }
        }
    }
    assert!(deletions >= 3, "{deletions} deletions shown");
    let status_of = |reference: &str| {
        entries
            .iter()
            .find(|e| e["reference_from"] == reference)
            .map(|e| e["status"].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(status_of("PG1.5"), "deleted");
    assert_eq!(
        status_of("PG1.3"),
        "unchanged",
        "PK's deletion was rejected"
    );
    assert_eq!(status_of("PG1.1"), "changed");

    // One publication entry per version, with the version's text hash: the first, the
    // consolidated one, and a text the chairmanship uploads by hand.
    post(
        &server,
        "/v1/processes/bp/documents/cfa/versions",
        &chair,
        &json!({"label": "Rev. 2 (edited)", "source": {"format": "markdown",
                "text": "# Call for Action\n\n1. A text the chairmanship rewrote by hand.\n"}}),
    )
    .expect(201);
    let versions = get(&server, "/v1/processes/bp/documents/cfa", &chair)
        .expect(200)
        .json()["versions"]
        .as_array()
        .cloned()
        .expect("versions");
    assert_eq!(versions.len(), 3);
    let audit = get(&server, "/v1/processes/bp/audit?limit=1000", &admin)
        .expect(200)
        .json()["entries"]
        .as_array()
        .cloned()
        .expect("entries");
    let publications: Vec<&Value> = audit
        .iter()
        .filter(|e| e["action"] == "version.publish")
        .collect();
    assert_eq!(publications.len(), versions.len());
    for version in &versions {
        let subject = format!("processes/bp/documents/cfa/versions/{}", version["number"]);
        let entries: Vec<&&Value> = publications
            .iter()
            .filter(|e| e["subject"] == subject.as_str())
            .collect();
        assert_eq!(entries.len(), 1, "{subject}");
        assert_eq!(
            entries[0]["payload_hash"], version["hash"],
            "{subject}: the audit entry holds the hash of the text"
        );
        let full = get(
            &server,
            &format!(
                "/v1/processes/bp/documents/cfa/versions/{}",
                version["number"]
            ),
            &chair,
        )
        .expect(200)
        .json();
        assert_eq!(full["hash"], version["hash"]);
    }
    let consolidated = publications
        .iter()
        .find(|e| e["subject"] == "processes/bp/documents/cfa/versions/2")
        .expect("version 2");
    assert_eq!(consolidated["detail"]["round"], 1);
    assert!(
        consolidated["detail"]["changes"].is_string(),
        "{consolidated}"
    );
    assert!(server.terminate());
    let (ok, out, err) = run(&["audit", "verify", "--db", db.arg()]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("3 versions vouched for"), "{out}");
}
