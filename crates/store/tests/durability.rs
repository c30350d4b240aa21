//! Group commit keeps its promise: every acknowledged write is there, byte for byte, after the
//! store is closed and reopened; nothing refused is there; the audit log still verifies. On
//! both backends: a SQLite file, and a fresh database on the PostgreSQL server shared by this
//! test run (`penholder_testpg::TestPostgres::shared`).

use penholder_core::negotiation::{Delegation, DelegationKind, Participation};
use penholder_core::{ContentHash, Document, IdSource, Node, NodeKind};
use penholder_store::{Actor, NewDocument, NewRound, Store, StoreError, StoreOptions};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;

const T0: i64 = 1_700_000_000_000;
const CODES: [&str; 6] = ["AT", "BE", "CZ", "DE", "EE", "FR"];

/// Where a test's database lives.
#[derive(Clone, Debug)]
enum Place {
    File(PathBuf),
    Postgres(String),
}

impl Place {
    fn open_with(&self, options: StoreOptions) -> Store {
        match self {
            Place::File(path) => Store::open_with(path, options).expect("open the file"),
            Place::Postgres(url) => Store::open_postgres(url, options).expect("open the database"),
        }
    }

    fn open(&self) -> Store {
        self.open_with(StoreOptions::default())
    }
}

/// The PostgreSQL server shared by this test run, started at its first use (`None`: skipped, loudly, where
/// `PENHOLDER_SKIP_POSTGRES=1` allows it).
fn postgres() -> Option<&'static penholder_testpg::TestPostgres> {
    match penholder_testpg::TestPostgres::shared() {
        Ok(server) => Some(server),
        Err(e) if penholder_testpg::skip_allowed() => {
            eprintln!("!!! SKIPPED the PostgreSQL half (PENHOLDER_SKIP_POSTGRES=1): {e}");
            None
        }
        Err(e) => panic!("PostgreSQL tests need a server: {e}"),
    }
}

/// A new empty database on each backend: a file in `dir`, and a PostgreSQL database.
fn places(dir: &tempfile::TempDir) -> Vec<Place> {
    let mut places = vec![Place::File(dir.path().join("p.db"))];
    if let Some(server) = postgres() {
        places.push(Place::Postgres(server.url()));
    }
    places
}

fn admin() -> Actor {
    Actor::new("admin", None, "admin")
}

/// A process with the delegations of `CODES` and round 1 open from T0 for a day.
fn prepare(store: &Store) {
    store
        .create_process("p", "P", admin(), T0)
        .wait()
        .expect("process");
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
            .expect("delegation");
    }
    let mut ids = IdSource::new(1, 0);
    let tree = Document::new(
        "D",
        vec![Node::new(ids.next_id(), NodeKind::Operative, "Text.")],
    );
    let document = NewDocument {
        slug: "d".into(),
        title: "D".into(),
        classification: None,
        label: "v1".into(),
        tree,
    };
    store
        .create_document("p", document, admin(), T0)
        .wait()
        .expect("document");
    let round = NewRound {
        document: "d".into(),
        base_version: 1,
        label: "r".into(),
        opens_at: T0,
        closes_at: T0 + 86_400_000,
    };
    store
        .create_round("p", round, admin(), T0)
        .wait()
        .expect("round");
}

/// One client's request: which delegation, which revision it believes is current (`None`:
/// unconditional), what it sends.
#[derive(Clone, Debug)]
struct Put {
    delegation: usize,
    expected: Option<u32>,
    items: Vec<u8>,
}

type Acknowledged = BTreeMap<(String, u32), (Vec<u8>, ContentHash)>;

/// Sends every client's puts concurrently (each client waits for each answer), returns what was
/// acknowledged.
fn run_clients(store: &Store, clients: Vec<Vec<Put>>) -> Acknowledged {
    let threads: Vec<_> = clients
        .into_iter()
        .map(|puts| {
            let store = store.clone();
            std::thread::spawn(move || {
                let mut acknowledged = Vec::new();
                for put in puts {
                    let code = CODES[put.delegation % CODES.len()];
                    let actor = Actor::new(code, Some(code), "delegate");
                    let result = store
                        .put_submission(
                            "p",
                            1,
                            code,
                            put.items.clone(),
                            Vec::new(),
                            put.expected,
                            actor,
                            T0 + 1,
                        )
                        .wait();
                    match result {
                        Ok(stored) => {
                            assert_eq!(stored.receipt, ContentHash::of(&put.items));
                            acknowledged.push((
                                (code.to_string(), stored.revision),
                                (put.items, stored.receipt),
                            ));
                        }
                        Err(StoreError::Conflict { .. }) => {}
                        Err(other) => panic!("unexpected error: {other}"),
                    }
                }
                acknowledged
            })
        })
        .collect();
    let mut all = Acknowledged::new();
    for thread in threads {
        for (key, value) in thread.join().expect("client thread") {
            assert!(
                all.insert(key.clone(), value).is_none(),
                "revision {key:?} acknowledged twice"
            );
        }
    }
    all
}

/// Reopens the database and checks that exactly the acknowledged revisions are there.
fn check_after_reopen(place: &Place, acknowledged: &Acknowledged) {
    let store = place.open();
    let mut stored = Acknowledged::new();
    for code in CODES {
        let history = store
            .read(move |r| r.submission_history("p", 1, code))
            .wait()
            .expect("history");
        for (index, revision) in history.into_iter().enumerate() {
            assert_eq!(
                revision.revision as usize,
                index + 1,
                "revisions of {code} run without a gap"
            );
            stored.insert(
                (code.to_string(), revision.revision),
                (revision.body, revision.receipt),
            );
        }
    }
    assert_eq!(
        &stored, acknowledged,
        "exactly the acknowledged revisions, byte for byte"
    );
    assert!(store.integrity_check().wait().expect("integrity").is_ok());
    let report = store.verify_audit().expect("audit verifies");
    assert_eq!(report.submission_revisions as usize, acknowledged.len());
}

#[test]
fn every_acknowledged_write_survives_reopening_over_many_sessions() {
    let dir = tempfile::tempdir().unwrap();
    for place in places(&dir) {
        every_acknowledged_write_survives_reopening_on(&place);
    }
}

fn every_acknowledged_write_survives_reopening_on(place: &Place) {
    prepare(&place.open());
    let mut acknowledged = Acknowledged::new();
    for session in 0..4u32 {
        let store = place.open_with(StoreOptions {
            readers: 2,
            ..StoreOptions::default()
        });
        let clients = (0..12)
            .map(|client| {
                (0..15u32)
                    .map(|n| Put {
                        delegation: client,
                        // Every third put claims a stale revision and must be refused.
                        expected: if n % 3 == 2 { Some(0) } else { None },
                        items: format!("{{\"session\":{session},\"client\":{client},\"n\":{n}}}")
                            .into_bytes(),
                    })
                    .collect()
            })
            .collect();
        acknowledged.extend(run_clients(&store, clients));
        let stats = store.stats();
        assert!(
            stats.batches <= stats.writes && stats.failed_batches == 0,
            "{stats:?}"
        );
        drop(store);
        check_after_reopen(place, &acknowledged);
    }
}

fn put_strategy() -> impl Strategy<Value = Put> {
    (
        0..CODES.len(),
        proptest::option::of(0u32..4),
        proptest::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(delegation, expected, items)| Put {
            delegation,
            expected,
            items,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Whatever mix of conditional and unconditional puts, from however many clients, the
    /// database afterwards holds exactly the acknowledged revisions (and arbitrary bytes come
    /// back unchanged).
    #[test]
    fn group_commit_acknowledges_only_what_is_stored(
        clients in proptest::collection::vec(proptest::collection::vec(put_strategy(), 1..12), 1..8)
    ) {
        let dir = tempfile::tempdir().unwrap();
        for place in places(&dir) {
            let store = place.open();
            prepare(&store);
            let acknowledged = run_clients(&store, clients.clone());
            drop(store);
            check_after_reopen(&place, &acknowledged);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_async_clients_are_grouped_without_blocking_the_runtime() {
    let dir = tempfile::tempdir().unwrap();
    // Opening a PostgreSQL store from a runtime's thread is fine too: the blocking client
    // never runs there.
    for place in places(&dir) {
        two_hundred_async_clients_on(place.open()).await;
    }
}

async fn two_hundred_async_clients_on(store: Store) {
    prepare(&store);
    let before = store.stats();
    let mut tasks = Vec::new();
    for client in 0..200usize {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let code = CODES[client % CODES.len()];
            let actor = Actor::new(code, Some(code), "delegate");
            let items = format!("{{\"client\":{client}}}").into_bytes();
            store
                .put_submission("p", 1, code, items, Vec::new(), None, actor, T0 + 1)
                .await
        }));
    }
    for task in tasks {
        task.await.expect("task").expect("stored");
    }
    let after = store.stats();
    let (writes, batches) = (after.writes - before.writes, after.batches - before.batches);
    assert_eq!(writes, 200);
    assert!(
        batches < writes,
        "200 concurrent writes took {batches} commits"
    );
    let submissions = store.read(|r| r.submissions("p", 1)).await.unwrap();
    let revisions: u32 = submissions.iter().map(|s| s.revision).sum();
    assert_eq!(revisions, 200);
}

#[test]
fn a_backup_taken_under_write_load_is_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("live.db")).unwrap();
    prepare(&store);
    let writer = {
        let store = store.clone();
        std::thread::spawn(move || {
            for n in 0..200u32 {
                let code = CODES[n as usize % CODES.len()];
                let actor = Actor::new(code, Some(code), "delegate");
                store
                    .put_submission(
                        "p",
                        1,
                        code,
                        n.to_be_bytes().to_vec(),
                        Vec::new(),
                        None,
                        actor,
                        T0 + 1,
                    )
                    .wait()
                    .expect("stored");
            }
        })
    };
    let copies: Vec<_> = (0..3)
        .map(|i| dir.path().join(format!("copy-{i}.db")))
        .collect();
    for copy in &copies {
        store.backup(copy).wait().expect("backup");
    }
    writer.join().expect("writer");
    for copy in &copies {
        let restored = Store::open(copy).expect("open the copy");
        assert!(restored.integrity_check().wait().unwrap().is_ok());
        restored
            .verify_audit()
            .expect("the copy's audit log verifies");
    }
}
