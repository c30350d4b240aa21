//! A rough measure of durable submissions per second on PostgreSQL: a throw-away server
//! (`penholder-testpg`), one or two stores on one database (as one or two penholder servers
//! would be), `CLIENTS` client threads each storing `PUTS` submissions and waiting for each
//! acknowledgement.
//!
//! `cargo run --release -p penholder-store --example pg_throughput` (env: CLIENTS=200, PUTS=25,
//! STORES=1; SQLITE=1 measures a SQLite file instead, for comparison on the same machine;
//! UNIX=1 connects through the Unix socket instead of TCP; STATEMENTS=1 with
//! PENHOLDER_TESTPG_OPTIONS='-c shared_preload_libraries=pg_stat_statements' prints where the
//! server's time went).

use penholder_core::negotiation::{Delegation, DelegationKind, Participation};
use penholder_core::{Document, IdSource, Node, NodeKind};
use penholder_store::{Actor, NewDocument, NewRound, Store, StoreOptions};
use std::time::Instant;

const T0: i64 = 1_700_000_000_000;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let (clients, puts, stores) = (env("CLIENTS", 200), env("PUTS", 25), env("STORES", 1));
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut server = None;
    let stores: Vec<Store> = if std::env::var("SQLITE").is_ok_and(|v| v == "1") {
        vec![Store::open(dir.path().join("p.db")).expect("store")]
    } else {
        let server = server.insert(penholder_testpg::TestPostgres::start().expect("PostgreSQL"));
        let mut url = server.url();
        if std::env::var("UNIX").is_ok_and(|v| v == "1") {
            // The same database through the server's Unix socket (in its directory).
            let name = url.rsplit('/').next().unwrap_or_default().to_owned();
            url = format!(
                "host={} port={} user=postgres dbname={name}",
                server.dir().display(),
                server.port()
            );
        }
        (0..stores.max(1))
            .map(|_| Store::open_postgres(&url, StoreOptions::default()).expect("store"))
            .collect()
    };
    let admin = Actor::new("admin", None, "admin");
    let store = &stores[0];
    store
        .create_process("p", "P", admin.clone(), T0)
        .wait()
        .unwrap();
    let codes: Vec<String> = (0..50).map(|i| format!("D{i:02}")).collect();
    for code in &codes {
        let delegation = Delegation {
            code: code.clone(),
            name: code.clone(),
            kind: DelegationKind::State,
            participation: Participation::Participant,
            function: None,
            members: Vec::new(),
        };
        store
            .add_delegation("p", delegation, admin.clone(), T0)
            .wait()
            .unwrap();
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
        .create_document("p", document, admin.clone(), T0)
        .wait()
        .unwrap();
    let round = NewRound {
        document: "d".into(),
        base_version: 1,
        label: "r".into(),
        opens_at: T0,
        closes_at: T0 + 86_400_000,
    };
    store.create_round("p", round, admin, T0).wait().unwrap();
    let items = vec![b'x'; 2_000];
    let started = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|client| {
            let store = stores[client % stores.len()].clone();
            let code = codes[client % codes.len()].clone();
            let items = items.clone();
            std::thread::spawn(move || {
                let actor = Actor::new(code.clone(), Some(&code), "delegate");
                for _ in 0..puts {
                    store
                        .put_submission(
                            "p",
                            1,
                            code.as_str(),
                            items.clone(),
                            Vec::new(),
                            None,
                            actor.clone(),
                            T0 + 1,
                        )
                        .wait()
                        .expect("stored");
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let total = (clients * puts) as f64;
    let (writes, batches): (u64, u64) = stores
        .iter()
        .map(|s| s.stats())
        .fold((0, 0), |(w, b), s| (w + s.writes, b + s.batches));
    println!(
        "{:?}: {} stores, {clients} clients x {puts} puts: {:.0} durable submissions/s ({:.2} s; {} writes in {} batches)",
        stores[0].backend(),
        stores.len(),
        total / elapsed,
        elapsed,
        writes,
        batches
    );
    stores[0].verify_audit().expect("the chain verifies");
    if let Some(server) = server
        .as_ref()
        .filter(|_| std::env::var("STATEMENTS").is_ok_and(|v| v == "1"))
    {
        // With PENHOLDER_TESTPG_OPTIONS='-c shared_preload_libraries=pg_stat_statements'.
        let url = server.url_of("postgres");
        let report = std::thread::spawn(move || {
            let mut client = postgres::Client::connect(&url, postgres::NoTls)?;
            client.batch_execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")?;
            client.query(
                "SELECT calls, round(total_exec_time::numeric, 1)::text,
                        round((total_exec_time / calls * 1000)::numeric, 1)::text, left(query, 90)
                 FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12",
                &[],
            )
        })
        .join()
        .expect("report thread")
        .expect("pg_stat_statements");
        for row in report {
            println!(
                "{:>7} calls {:>9} ms {:>8} µs/call  {}",
                row.get::<_, i64>(0),
                row.get::<_, String>(1),
                row.get::<_, String>(2),
                row.get::<_, String>(3).replace('\n', " ")
            );
        }
    }
}
