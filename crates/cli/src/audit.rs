//! `penholder audit verify`: walks the hash-chained audit log and the records it vouches for,
//! and says where it breaks (a changed, removed or reordered entry).

use anyhow::Context;
use clap::{Args, Subcommand};
use penholder_store::Store;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the audit chain and the database's integrity; fails at the first broken entry.
    Verify {
        /// The SQLite database file.
        #[arg(long, env = "PENHOLDER_DB", value_name = "FILE")]
        db: PathBuf,
    },
}

pub fn run(args: AuditArgs) -> anyhow::Result<()> {
    match args.command {
        AuditCommand::Verify { db } => verify(db),
    }
}

fn verify(db: PathBuf) -> anyhow::Result<()> {
    anyhow::ensure!(db.exists(), "{} does not exist", db.display());
    let store =
        Store::open(&db).with_context(|| format!("cannot open the database {}", db.display()))?;
    let integrity = store.integrity_check().wait()?;
    anyhow::ensure!(
        integrity.is_ok(),
        "the database file is damaged:\n{}",
        integrity.problems.join("\n")
    );
    let report = store
        .verify_audit()
        .with_context(|| format!("the audit log of {} does not verify", db.display()))?;
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
