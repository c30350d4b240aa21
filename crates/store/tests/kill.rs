//! `kill -9` in the middle of writing: every write acknowledged before the kill is in the file
//! afterwards, byte for byte; every published version is whole; the file is sound and its audit
//! log verifies. (This tests a process crash; `synchronous=FULL` covers power loss too, which a
//! test cannot simulate here.)
//!
//! The test re-runs its own binary as the child that writes, with `PENHOLDER_STORE_KILL_CHILD`
//! naming the database; the child prints one line per acknowledged write.

use penholder_core::negotiation::{Delegation, DelegationKind, Participation};
use penholder_core::{ContentHash, Document, IdSource, Node, NodeKind};
use penholder_store::{Actor, NewDocument, NewRound, NewVersion, Store};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

const T0: i64 = 1_700_000_000_000;
const CODES: [&str; 8] = ["AT", "BE", "CZ", "DE", "EE", "FR", "GR", "HU"];
const CHILD: &str = "PENHOLDER_STORE_KILL_CHILD";

fn admin() -> Actor {
    Actor::new("admin", None, "admin")
}

fn big_tree(variant: u32) -> Document {
    let mut ids = IdSource::new(5, 0);
    let nodes = (0..500)
        .map(|i| {
            let text = if i % 50 == 0 {
                format!("Paragraph {i}, as of upload {variant}.")
            } else {
                format!("Paragraph {i}.")
            };
            Node::new(ids.next_id(), NodeKind::Operative, text)
        })
        .collect();
    Document::new("Big", nodes)
}

fn prepare(store: &Store) {
    store.create_process("p", "P", admin(), T0).wait().unwrap();
    for code in CODES {
        let delegation = Delegation {
            code: code.into(),
            name: code.into(),
            kind: DelegationKind::State,
            participation: Participation::Participant,
            function: None,
            members: Vec::new(),
        };
        store
            .add_delegation("p", delegation, admin(), T0)
            .wait()
            .unwrap();
    }
    let document = NewDocument {
        slug: "d".into(),
        title: "D".into(),
        classification: None,
        label: "v1".into(),
        tree: big_tree(0),
    };
    store
        .create_document("p", document, admin(), T0)
        .wait()
        .unwrap();
    let round = NewRound {
        document: "d".into(),
        base_version: 1,
        label: "r".into(),
        opens_at: T0,
        closes_at: T0 + 86_400_000,
    };
    store.create_round("p", round, admin(), T0).wait().unwrap();
}

/// The child: writes from several threads until killed, announcing each acknowledgement.
fn child(path: &str) {
    let store = Store::open(path).expect("child opens the store");
    let stdout = std::sync::Arc::new(std::sync::Mutex::new(std::io::stdout()));
    let mut threads = Vec::new();
    for (client, code) in CODES.iter().enumerate() {
        let (store, stdout) = (store.clone(), stdout.clone());
        threads.push(std::thread::spawn(move || {
            for n in 0u64.. {
                let items = format!(
                    "{{\"client\":{client},\"n\":{n},\"pid\":{}}}",
                    std::process::id()
                );
                let actor = Actor::new(*code, Some(code), "delegate");
                let stored = store
                    .put_submission(
                        "p",
                        1,
                        *code,
                        items.into_bytes(),
                        Vec::new(),
                        None,
                        actor,
                        T0 + 1,
                    )
                    .wait()
                    .expect("stored");
                let mut out = stdout.lock().unwrap();
                writeln!(out, "ACK {code} {} {}", stored.revision, stored.receipt).unwrap();
                out.flush().unwrap();
            }
        }));
    }
    // One more client publishes big versions, each a transaction of many objects.
    let (store, stdout) = (store.clone(), stdout.clone());
    threads.push(std::thread::spawn(move || {
        for upload in 1u32.. {
            let version = NewVersion {
                label: format!("upload {upload}"),
                tree: big_tree(upload),
                round: None,
                provenance: Some(penholder_diff::Blame::initial(&big_tree(upload), upload)),
                changes: None,
            };
            let info = store
                .publish_version("p", "d", version, admin(), T0 + 2)
                .wait()
                .expect("published");
            let mut out = stdout.lock().unwrap();
            writeln!(out, "VERSION {} {}", info.number, info.hash).unwrap();
            out.flush().unwrap();
        }
    }));
    for thread in threads {
        let _ = thread.join();
    }
}

#[test]
fn acknowledged_writes_survive_kill_9() {
    if let Ok(path) = std::env::var(CHILD) {
        child(&path);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.db");
    prepare(&Store::open(&path).unwrap());
    let mut acknowledged: BTreeMap<(String, u32), ContentHash> = BTreeMap::new();
    let mut versions: BTreeMap<u32, ContentHash> = BTreeMap::new();
    for attempt in 0..5usize {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "acknowledged_writes_survive_kill_9",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the child");
        let stdout = child.stdout.take().unwrap();
        // Kill after a different number of acknowledgements each time.
        let kill_after = 50 + attempt * 97;
        let mut seen = 0;
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            let fields: Vec<&str> = line.split(' ').collect();
            match fields.as_slice() {
                ["ACK", code, revision, receipt] => {
                    acknowledged.insert(
                        (code.to_string(), revision.parse().unwrap()),
                        ContentHash::from_hex(receipt).unwrap(),
                    );
                    seen += 1;
                }
                ["VERSION", number, hash] => {
                    versions.insert(
                        number.parse().unwrap(),
                        ContentHash::from_hex(hash).unwrap(),
                    );
                }
                _ => continue,
            }
            if seen == kill_after {
                child.kill().expect("kill -9 the child");
                break;
            }
        }
        child.wait().unwrap();

        let store = Store::open(&path).expect("reopen after the kill");
        assert!(store.integrity_check().wait().unwrap().is_ok());
        let report = store
            .verify_audit()
            .expect("the audit log verifies after a kill");
        for ((code, revision), receipt) in &acknowledged {
            let (code, revision) = (code.clone(), *revision);
            let stored = store
                .read(move |r| r.submission_revision("p", 1, &code, revision))
                .wait()
                .unwrap_or_else(|e| {
                    panic!("an acknowledged revision is lost after kill {attempt}: {e}")
                });
            assert_eq!(&stored.receipt, receipt);
            assert_eq!(ContentHash::of(&stored.body), *receipt);
        }
        for (number, hash) in &versions {
            let number = *number;
            let version = store
                .read(move |r| r.version("p", "d", number))
                .wait()
                .unwrap();
            assert_eq!(&version.hash, hash);
            assert_eq!(
                version.document.nodes.len(),
                500,
                "a published version is whole"
            );
        }
        assert!(report.submission_revisions as usize >= acknowledged.len());
    }
    assert!(acknowledged.len() >= 50 + 97 * 4);
}
