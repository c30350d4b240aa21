//! PostgreSQL going away under the store: while clients write, the server is restarted the way
//! a crash restarts it (`pg_ctl restart -m immediate`), then stopped and started again.
//! Requests meanwhile get `Unavailable` (the server's 503) — never a panic, never `Internal` —
//! the store reconnects by itself, and every write it acknowledged is in the database
//! afterwards, byte for byte, with the audit chain intact.
//!
//! Each test has a PostgreSQL server of its own (`penholder-testpg`): restarting the one that
//! the other tests share would disturb them.

use penholder_core::negotiation::{Delegation, DelegationKind, Participation};
use penholder_core::{ContentHash, Document, IdSource, Node, NodeKind};
use penholder_store::{Actor, NewDocument, NewRound, Store, StoreError, StoreOptions};
use penholder_testpg::TestPostgres;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const T0: i64 = 1_700_000_000_000;
const CODES: [&str; 4] = ["AT", "BE", "CZ", "DE"];

fn server() -> Option<TestPostgres> {
    match TestPostgres::start() {
        Ok(server) => Some(server),
        Err(e) if penholder_testpg::skip_allowed() => {
            eprintln!("!!! SKIPPED a PostgreSQL test (PENHOLDER_SKIP_POSTGRES=1): {e}");
            None
        }
        Err(e) => panic!("PostgreSQL tests need a server: {e}"),
    }
}

fn admin() -> Actor {
    Actor::new("admin", None, "admin")
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
    let mut ids = IdSource::new(1, 0);
    let tree = Document::new(
        "D",
        vec![Node::new(ids.next_id(), NodeKind::Operative, "Text.")],
    );
    store
        .create_document(
            "p",
            NewDocument {
                slug: "d".into(),
                title: "D".into(),
                classification: None,
                label: "v1".into(),
                tree,
            },
            admin(),
            T0,
        )
        .wait()
        .unwrap();
    store
        .create_round(
            "p",
            NewRound {
                document: "d".into(),
                base_version: 1,
                label: "r".into(),
                opens_at: T0,
                closes_at: T0 + 86_400_000,
            },
            admin(),
            T0,
        )
        .wait()
        .unwrap();
}

fn put(store: &Store, code: &str, items: Vec<u8>) -> Result<u32, StoreError> {
    let actor = Actor::new(code, Some(code), "delegate");
    store
        .put_submission("p", 1, code, items, Vec::new(), None, actor, T0 + 1)
        .wait()
        .map(|stored| stored.revision)
}

/// Polls (bounded) until `f` stops answering `Unavailable`; any other error fails the test.
fn until_available<T>(what: &str, mut f: impl FnMut() -> Result<T, StoreError>) -> T {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match f() {
            Ok(value) => return value,
            Err(StoreError::Unavailable { .. }) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(other) => panic!("{what}: {other:?}"),
        }
    }
}

type Acknowledged = BTreeMap<(String, u32), Vec<u8>>;

#[test]
fn a_crash_restart_while_writing_answers_unavailable_then_reconnects_and_loses_nothing() {
    let Some(server) = server() else { return };
    let url = server.url();
    let store = Store::open_postgres(
        &url,
        StoreOptions {
            readers: 2,
            ..StoreOptions::default()
        },
    )
    .unwrap();
    prepare(&store);
    let acknowledged_count = Arc::new(AtomicU64::new(0));
    let unavailable = Arc::new(AtomicU64::new(0));
    let restarted = Arc::new(AtomicBool::new(false));
    const PER_CLIENT: u32 = 60;
    let clients: Vec<_> = CODES
        .iter()
        .enumerate()
        .map(|(client, code)| {
            let (store, count, unavailable, restarted) = (
                store.clone(),
                acknowledged_count.clone(),
                unavailable.clone(),
                restarted.clone(),
            );
            std::thread::spawn(move || {
                let mut acknowledged = Acknowledged::new();
                let deadline = Instant::now() + Duration::from_secs(60);
                let mut n = 0u32;
                // Write until this client has its share acknowledged and the restart is over.
                while (n < PER_CLIENT || !restarted.load(Ordering::SeqCst))
                    && Instant::now() < deadline
                {
                    let items = format!(r#"{{"client":{client},"n":{n}}}"#).into_bytes();
                    n += 1;
                    match put(&store, code, items.clone()) {
                        Ok(revision) => {
                            assert!(
                                acknowledged
                                    .insert((code.to_string(), revision), items)
                                    .is_none(),
                                "revision {revision} of {code} acknowledged twice"
                            );
                            count.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(StoreError::Unavailable { .. }) => {
                            unavailable.fetch_add(1, Ordering::SeqCst);
                            // Bounded polling while the server comes back.
                            std::thread::sleep(Duration::from_millis(10));
                        }
                        Err(other) => panic!("not Unavailable: {other:?}"),
                    }
                }
                acknowledged
            })
        })
        .collect();
    // Let some writes through, then crash-restart the server under them.
    let deadline = Instant::now() + Duration::from_secs(30);
    while acknowledged_count.load(Ordering::SeqCst) < 40 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    server.restart_immediate().unwrap();
    restarted.store(true, Ordering::SeqCst);
    let mut acknowledged = Acknowledged::new();
    for client in clients {
        acknowledged.extend(client.join().expect("no client panicked"));
    }
    assert!(
        unavailable.load(Ordering::SeqCst) > 0,
        "the restart was noticed as Unavailable"
    );
    // Writes and reads work again on the same store, without reopening it.
    until_available("a write after the restart", || {
        put(&store, "AT", b"after".to_vec())
    });
    let stored = until_available("a read after the restart", || {
        store
            .read(|r| {
                let mut stored = Acknowledged::new();
                for code in CODES {
                    for revision in r.submission_history("p", 1, code)? {
                        stored.insert((code.to_string(), revision.revision), revision.body);
                    }
                }
                Ok(stored)
            })
            .wait()
    });
    for (key, items) in &acknowledged {
        assert_eq!(
            stored.get(key),
            Some(items),
            "acknowledged write {key:?} is stored, byte for byte"
        );
    }
    let report = store.verify_audit().expect("the audit chain verifies");
    assert_eq!(report.submission_revisions as usize, stored.len());
    // And from a store opened afresh.
    drop(store);
    let reopened = Store::open_postgres(&url, StoreOptions::default()).unwrap();
    assert_eq!(
        reopened.verify_audit().unwrap().submission_revisions as usize,
        stored.len()
    );
}

#[test]
fn a_stopped_server_answers_unavailable_and_a_started_one_serves_again() {
    let Some(server) = server() else { return };
    let url = server.url();
    let store = Store::open_postgres(&url, StoreOptions::default()).unwrap();
    prepare(&store);
    put(&store, "AT", b"1".to_vec()).unwrap();
    server.stop().unwrap();
    for _ in 0..3 {
        assert!(matches!(
            put(&store, "AT", b"2".to_vec()),
            Err(StoreError::Unavailable { .. })
        ));
        assert!(matches!(
            store.read(|r| r.processes()).wait(),
            Err(StoreError::Unavailable { .. })
        ));
        assert!(matches!(
            store.verify_audit(),
            Err(penholder_store::AuditError::Store(
                StoreError::Unavailable { .. }
            ))
        ));
    }
    assert!(matches!(
        Store::open_postgres(&url, StoreOptions::default()),
        Err(StoreError::Unavailable { .. })
    ));
    server.start_again().unwrap();
    let revision = until_available("a write after the start", || {
        put(&store, "AT", b"3".to_vec())
    });
    assert_eq!(revision, 2, "nothing of the refused writes was stored");
    let receipt = until_available("a read after the start", || {
        store.read(|r| r.submission("p", 1, "AT")).wait()
    })
    .receipt;
    assert_eq!(receipt, ContentHash::of(b"3"));
    assert_eq!(store.verify_audit().unwrap().submission_revisions, 2);
}
