//! Measures durable commits per second on this machine: one client at a time (every write its
//! own transaction and fsync) against many concurrent clients (group commit), through the same
//! `Store::put_submission` the server calls.
//!
//! `cargo run --release -p penholder-store --example commit_rate -- [CLIENTS] [PER_CLIENT] [DIR]`
//! (defaults: 200 clients, 50 submissions each, a temporary directory). Put DIR on the disk the
//! server will use: the numbers are the disk's fsync rate, not the CPU's.

use penholder_core::negotiation::{Delegation, DelegationKind, Participation};
use penholder_core::{Document, IdSource, Node, NodeKind};
use penholder_store::{Actor, NewDocument, NewRound, Store, StoreError};
use std::time::Instant;

const T0: i64 = 1_700_000_000_000;

fn main() -> Result<(), StoreError> {
    let args: Vec<String> = std::env::args().collect();
    let clients: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(200);
    let per_client: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(50);
    let temporary = tempfile::tempdir().map_err(|e| StoreError::Internal {
        detail: e.to_string(),
    })?;
    let dir = args
        .get(3)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| temporary.path().to_path_buf());
    let path = dir.join(format!("commit-rate-{}.db", std::process::id()));
    let store = Store::open(&path)?;
    let admin = Actor::new("admin", None, "admin");
    store.create_process("p", "P", admin.clone(), T0).wait()?;
    let codes: Vec<String> = (0..clients).map(|i| format!("D{i:03}")).collect();
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
            .wait()?;
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
        .wait()?;
    let round = NewRound {
        document: "d".into(),
        base_version: 1,
        label: "r".into(),
        opens_at: T0,
        closes_at: T0 + 86_400_000,
    };
    store.create_round("p", round, admin, T0).wait()?;
    // A realistic body: a few amendments, about 1 KiB.
    let items = format!(r#"{{"items":[{}]}}"#, [r#"{"kind":"amend","node":"PP1","text":"Recalling the commitments made at the previous ministerial conference and the need for a shared approach."}"#; 6].join(","))
        .into_bytes();

    let sequential = 300;
    let started = Instant::now();
    for n in 0..sequential {
        let code = &codes[n % codes.len()];
        let actor = Actor::new(code.clone(), Some(code), "delegate");
        store
            .put_submission(
                "p",
                1,
                code.clone(),
                items.clone(),
                Vec::new(),
                None,
                actor,
                T0 + 1,
            )
            .wait()?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "one client:   {sequential} durable submissions in {elapsed:.2} s = {:.0}/s",
        sequential as f64 / elapsed
    );

    let before = store.stats();
    let started = Instant::now();
    let threads: Vec<_> = codes
        .iter()
        .cloned()
        .map(|code| {
            let store = store.clone();
            let items = items.clone();
            std::thread::spawn(move || -> Result<(), StoreError> {
                for _ in 0..per_client {
                    let actor = Actor::new(code.clone(), Some(&code), "delegate");
                    store
                        .put_submission(
                            "p",
                            1,
                            code.clone(),
                            items.clone(),
                            Vec::new(),
                            None,
                            actor,
                            T0 + 1,
                        )
                        .wait()?;
                }
                Ok(())
            })
        })
        .collect();
    for thread in threads {
        thread.join().map_err(|_| StoreError::Internal {
            detail: "a client thread panicked".into(),
        })??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let after = store.stats();
    let total = clients * per_client;
    let batches = after.batches - before.batches;
    println!(
        "{clients} clients: {total} durable submissions in {elapsed:.2} s = {:.0}/s ({batches} commits, {:.1} submissions per commit)",
        total as f64 / elapsed,
        (after.writes - before.writes) as f64 / batches.max(1) as f64
    );
    let started = Instant::now();
    let report = store.verify_audit().map_err(|e| StoreError::Internal {
        detail: e.to_string(),
    })?;
    println!(
        "audit verify: {} entries in {:.2} s",
        report.entries,
        started.elapsed().as_secs_f64()
    );
    drop(store);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    Ok(())
}
