//! `penholder audit verify`: walks the hash-chained audit log and the records it vouches for,
//! and says where it breaks (a changed, removed or reordered entry).

use crate::serve::redacted;
use anyhow::Context;
use clap::{Args, Subcommand};
use penholder_store::{Store, StoreOptions};
use std::path::Path;

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the audit chain and the database's integrity; fails at the first broken entry.
    Verify {
        /// The database: a SQLite file, or a PostgreSQL URL.
        #[arg(long, env = "PENHOLDER_DB", value_name = "FILE|URL")]
        db: String,
    },
}

pub fn run(args: AuditArgs) -> anyhow::Result<()> {
    match args.command {
        AuditCommand::Verify { db } => verify(db),
    }
}

fn verify(db: String) -> anyhow::Result<()> {
    let is_url = db.contains("://");
    anyhow::ensure!(is_url || Path::new(&db).exists(), "{db} does not exist");
    let store = Store::open_url_or_path(&db, StoreOptions::default())
        .with_context(|| format!("cannot open the database {}", redacted(&db)))?;
    let integrity = store.integrity_check().wait()?;
    anyhow::ensure!(
        integrity.is_ok(),
        "the database file is damaged:\n{}",
        integrity.problems.join("\n")
    );
    let report = store
        .verify_audit()
        .with_context(|| format!("the audit log of {} does not verify", redacted(&db)))?;
    println!(
        "audit log ok: {} entries; {} submission revisions, {} decisions, {} versions vouched for",
        report.entries, report.submission_revisions, report.decisions, report.versions
    );
    match report.head_hash {
        Some(hash) => println!(
            "head: entry {} {} (keep it elsewhere to detect a truncated tail later)",
            report.head_seq, hash
        ),
        None => println!("head: the log is empty"),
    }
    Ok(())
}
