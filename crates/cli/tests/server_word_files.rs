//! Word and spreadsheet files fetched over the API, from a database whose history lies in
//! the past (written through the store with the times of December 2023): every change of a
//! Word file is dated with the round that made it, never with the moment of the request; a
//! joint proposal is authored by its first proposer and names every supporter; the redline
//! carries the justifications; its subtitle and footer name the versions by label. The
//! dispositions come as CSV with a byte order mark, comma- or semicolon-separated.

mod server_support;

use penholder_core::negotiation::{Delegation, DelegationKind, Item, Participation};
use penholder_core::{Document, IdSource, Node, NodeKind};
use penholder_diff::ConsolidateOptions;
use penholder_store::{Actor, NewDocument, NewRound, NewVersion};
use server_support::*;
use std::process::Command;

/// 2023-12-20T09:00:00Z.
const T0: i64 = 1_703_062_800_000;

/// A process `p` with Hungary and Türkiye, document `d` (its zero draft at T0), round 1 in
/// which both propose the same words (a joint proposal, each with a justification), closed
/// and consolidated into Rev. 1 at T0 + 3 s.
fn history(db: &TestDb) {
    let store = db.open_store();
    let admin = Actor::new("admin", None, "admin");
    let mut ids = IdSource::new(1, T0 as u64);
    let op1 = Node::new(
        ids.next_id(),
        NodeKind::Operative,
        "Decide to strengthen cooperation.",
    );
    let op1_id = op1.id;
    let zero = Document::new("Declaration", vec![op1]);
    let setup = admin.clone();
    store
        .write(move |w| {
            w.create_process("p", "Process", &setup, T0)?;
            for (code, name) in [("HU", "Hungary"), ("TR", "Türkiye")] {
                let delegation = Delegation {
                    code: code.into(),
                    name: name.into(),
                    kind: DelegationKind::State,
                    participation: Participation::Participant,
                    function: None,
                    members: Vec::new(),
                };
                w.add_delegation("p", &delegation, &setup, T0)?;
            }
            let document = NewDocument {
                slug: "d".into(),
                title: "Declaration".into(),
                classification: Some("LIMITE".into()),
                label: "Zero draft".into(),
                tree: zero,
            };
            w.create_document("p", &document, &setup, T0)?;
            let round = NewRound {
                document: "d".into(),
                base_version: 1,
                label: "Round 1".into(),
                opens_at: T0,
                closes_at: T0 + 1_000,
            };
            w.create_round("p", &round, &setup, T0)?;
            Ok(())
        })
        .wait()
        .expect("setup");
    // Türkiye's submission arrives first: the first proposer in the compilation; a redline,
    // which knows only the delegations behind an accepted change, names the first by code.
    for (code, at, justification) in [
        ("TR", T0 + 10, "Priority 5 must be reflected."),
        ("HU", T0 + 20, "Agreed language."),
    ] {
        let items = vec![Item::Amend {
            iso: Default::default(),
            node: op1_id,
            text: "Decide to enhance cooperation.".into(),
            justification: Some(justification.into()),
        }];
        let body = serde_json::to_vec(&serde_json::json!({ "items": [{
            "kind": "amend", "node": op1_id.to_string(),
            "text": "Decide to enhance cooperation.", "justification": justification,
        }]}))
        .expect("json");
        let actor = Actor::new(code, Some(code), "delegate");
        store
            .write(move |w| w.put_submission("p", 1, code, &body, &items, None, &actor, at))
            .wait()
            .expect("a submission");
    }
    let material = store
        .read(|r| Ok(penholder_negotiation::RoundMaterial::load(r, "p", 1)))
        .wait()
        .expect("read")
        .expect("the round");
    let compilation = material.compile(None);
    let blame = penholder_diff::Blame::initial(&material.base.document, 1);
    let consolidation = penholder_diff::consolidate(
        &material.base,
        &blame,
        &compilation,
        &[],
        &ConsolidateOptions {
            round: "Round 1".into(),
            accept_uncontested: true,
        },
        &mut ids,
    )
    .expect("consolidation");
    let version = NewVersion {
        label: "Rev. 1".into(),
        tree: consolidation.document,
        round: Some(1),
        provenance: Some(consolidation.blame),
        changes: Some(consolidation.applied),
    };
    store
        .write(move |w| {
            w.close_round("p", 1, &admin, T0 + 400)?;
            w.publish_version("p", "d", &version, &admin, T0 + 3_000)?;
            Ok(())
        })
        .wait()
        .expect("Rev. 1");
}

/// A part of a Word package, through `unzip` (as a reader's tools open it).
fn part(db: &TestDb, bytes: &[u8], name: &str) -> String {
    let file = db.scratch().join("file.docx");
    std::fs::write(&file, bytes).expect("write the file");
    let output = Command::new("unzip")
        .arg("-p")
        .arg(&file)
        .arg(name)
        .output()
        .expect("run unzip");
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// Every `w:date="…"` value in a part.
fn dates(xml: &str) -> Vec<String> {
    xml.split("w:date=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_string)
        .collect()
}

both_backends!(word_files_over_the_api_are_dated_by_their_history);

fn word_files_over_the_api_are_dated_by_their_history(db: &TestDb) {
    history(db);
    let server = Server::start(db);
    let hu = token("delegate", Some("HU"));

    let redline = get(
        &server,
        "/v1/processes/p/documents/d/redline?from=1&to=2&format=docx",
        &hu,
    )
    .expect(200);
    let document = part(db, &redline.bytes, "word/document.xml");
    assert!(document.contains("enhance"), "{document}");
    let change_dates = dates(&document);
    assert!(!change_dates.is_empty(), "tracked changes: {document}");
    for date in &change_dates {
        assert_eq!(date, "2023-12-20T09:00:03Z", "the consolidation of round 1");
    }
    // The joint proposal: authored by its first proposer (the first by code in a redline),
    // every supporter and justification in its comment.
    assert!(document.contains("w:author=\"Hungary\""), "{document}");
    assert!(
        !document.contains("Hungary, Türkiye\""),
        "one author per change"
    );
    let comments = part(db, &redline.bytes, "word/comments.xml");
    for words in [
        "w:author=\"Hungary\"",
        "Proposed jointly by Hungary, Türkiye.",
        "Justification (Hungary): Agreed language.",
        "Justification (Türkiye): Priority 5 must be reflected.",
    ] {
        assert!(comments.contains(words), "no {words:?} in {comments}");
    }
    for date in dates(&comments) {
        assert_eq!(date, "2023-12-20T09:00:03Z");
    }
    assert!(
        document.contains("Zero draft \u{2192} Rev. 1"),
        "{document}"
    );
    let footer = part(db, &redline.bytes, "word/footer1.xml");
    assert!(
        footer.contains("Zero draft \u{2192} Rev. 1 \u{2014} 2023-12-20"),
        "{footer}"
    );

    let version = get(
        &server,
        "/v1/processes/p/documents/d/versions/2?format=docx",
        &hu,
    )
    .expect(200);
    let footer = part(db, &version.bytes, "word/footer1.xml");
    assert!(footer.contains("Rev. 1 \u{2014} 2023-12-20"), "{footer}");
    let core = part(db, &version.bytes, "docProps/core.xml");
    assert!(core.contains("<dc:title>Declaration</dc:title>"), "{core}");

    // The compilation: each proposal dated when its submission was received.
    let compilation = get(
        &server,
        "/v1/processes/p/rounds/1/compilation?format=docx",
        &hu,
    );
    if compilation.status == 200 {
        let document = part(db, &compilation.bytes, "word/document.xml");
        for date in dates(&document) {
            assert!(
                date == "2023-12-20T09:00:00Z",
                "proposals dated by their submissions: {date}"
            );
        }
    }

    // The dispositions as CSV for European Excel.
    let csv = get(
        &server,
        "/v1/processes/p/rounds/1/dispositions?format=csv&delimiter=semicolon",
        &hu,
    )
    .expect(200);
    let text = String::from_utf8(csv.bytes).expect("UTF-8");
    assert!(
        text.starts_with("\u{FEFF}Id;MB;Line number;Clause/Subclause;"),
        "{text}"
    );
    assert!(text.contains("HU-1;Hungary;;OP1;"), "{text}");
    let comma = get(
        &server,
        "/v1/processes/p/rounds/1/dispositions?format=csv",
        &hu,
    )
    .expect(200);
    assert!(
        String::from_utf8(comma.bytes)
            .expect("UTF-8")
            .starts_with("\u{FEFF}Id,MB,Line number,")
    );
    for query in [
        "format=csv&delimiter=tab",
        "format=xlsx&delimiter=semicolon",
    ] {
        let refused = get(
            &server,
            &format!("/v1/processes/p/rounds/1/dispositions?{query}"),
            &hu,
        )
        .expect(400);
        assert_eq!(
            refused.content_type.as_deref(),
            Some("application/problem+json")
        );
        let detail = refused.json()["detail"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(detail.contains("delimiter"), "{detail}");
    }
}
