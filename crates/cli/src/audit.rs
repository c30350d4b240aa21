//! `penholder audit verify`: walks the hash-chained audit log and the records it vouches for,
//! and says where it breaks (a changed, removed or reordered entry, a stored fact that no
//! longer matches its entry, a round whose state its entries do not give). With
//! `--expect-head` it also fails when the chain no longer holds a head published earlier (in a
//! version's metadata, its Word footer or its Akoma Ntoso): what a cut tail or a rewritten chain
//! leaves behind. The database is opened read-only and never migrated: it is evidence.

use crate::serve::redacted;
use anyhow::Context;
use clap::{Args, Subcommand};
use penholder_core::ContentHash;
use penholder_server::seal::{self, Seal};
use penholder_store::{ExpectedHead, Store};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the audit chain and the database's integrity; fails at the first broken entry.
    /// Opens the database read-only (never migrates it).
    Verify {
        /// The database: a SQLite file, or a PostgreSQL URL.
        #[arg(long, env = "PENHOLDER_DB", value_name = "FILE|URL")]
        db: String,
        /// A head published earlier (`SEQ:HASH`, as a version's metadata prints it, or a bare
        /// `HASH`): fails unless the chain holds that entry, which a cut tail or a rewritten
        /// chain does not.
        #[arg(long, value_name = "SEQ:HASH")]
        expect_head: Option<String>,
        /// The head's signature, as published beside it (base64): checked with --audit-public-key.
        #[arg(long, value_name = "BASE64", requires_all = ["expect_head", "audit_public_key"])]
        head_signature: Option<String>,
        /// The server's audit public key (PEM), to check --head-signature.
        #[arg(long, value_name = "FILE", requires = "head_signature")]
        audit_public_key: Option<PathBuf>,
    },
}

pub fn run(args: AuditArgs) -> anyhow::Result<()> {
    match args.command {
        AuditCommand::Verify {
            db,
            expect_head,
            head_signature,
            audit_public_key,
        } => verify(db, expect_head, head_signature, audit_public_key),
    }
}

/// `SEQ:HASH` or `HASH` (64 hexadecimal digits).
fn parse_head(text: &str) -> anyhow::Result<ExpectedHead> {
    let (seq, hash) = match text.split_once(':') {
        Some((seq, hash)) => (
            Some(
                seq.trim()
                    .parse::<u64>()
                    .with_context(|| format!("{seq:?} is not an entry number"))?,
            ),
            hash,
        ),
        None => (None, text),
    };
    let hash = ContentHash::from_hex(hash.trim())
        .with_context(|| format!("{hash:?} is not a SHA-256 hash (64 hexadecimal digits)"))?;
    Ok(ExpectedHead { seq, hash })
}

fn verify(
    db: String,
    expect_head: Option<String>,
    head_signature: Option<String>,
    audit_public_key: Option<PathBuf>,
) -> anyhow::Result<()> {
    let expected = expect_head.as_deref().map(parse_head).transpose()?;
    if let (Some(signature), Some(key), Some(expected)) =
        (&head_signature, &audit_public_key, &expected)
    {
        let seq = expected
            .seq
            .context("a signed head names its entry: give --expect-head as SEQ:HASH")?;
        let pem = std::fs::read_to_string(key)
            .with_context(|| format!("cannot read the public key {}", key.display()))?;
        seal::verify(
            &pem,
            &Seal {
                seq,
                hash: expected.hash,
                signature: Some(signature.clone()),
            },
        )
        .context("the published head's signature does not verify")?;
        println!(
            "head signature ok: entry {seq} {} signed by the audit key",
            expected.hash
        );
    }
    let is_url = db.contains("://");
    anyhow::ensure!(is_url || Path::new(&db).exists(), "{db} does not exist");
    let store = Store::open_url_or_path_read_only(&db)
        .with_context(|| format!("cannot open the database {}", redacted(&db)))?;
    let integrity = store.integrity_check().wait()?;
    anyhow::ensure!(
        integrity.is_ok(),
        "the database file is damaged:\n{}",
        integrity.problems.join("\n")
    );
    let report = match expected {
        Some(head) => store.verify_audit_expecting(head),
        None => store.verify_audit(),
    }
    .with_context(|| format!("the audit log of {} does not verify", redacted(&db)))?;
    println!(
        "audit log ok: {} entries; {} delegations, {} documents, {} rounds ({} events), {} \
         submission revisions, {} decisions, {} versions vouched for",
        report.entries,
        report.delegations,
        report.documents,
        report.rounds,
        report.round_events,
        report.submission_revisions,
        report.decisions,
        report.versions
    );
    if report.coalition_acts > 0 {
        println!(
            "{} coalition acts (agreements, dissociations, co-sponsorships) vouched for",
            report.coalition_acts
        );
    }
    if report.legacy_entries > 0 {
        println!(
            "{} entries are in the first format (v1), written before every stored fact was \
             covered: their rows are checked against what v1 recorded (a submission's resolution, \
             a delegation's function and members are not covered there)",
            report.legacy_entries
        );
    }
    if let Some(head) = expected {
        match head.seq {
            Some(seq) => println!("the chain holds the published head {seq}:{}", head.hash),
            None => println!("the chain holds the published head {}", head.hash),
        }
    }
    match report.head_hash {
        Some(hash) => println!(
            "head: {}:{} (keep it elsewhere to detect a truncated tail or a rewritten chain later)",
            report.head_seq, hash
        ),
        None => println!("head: the log is empty"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_is_seq_and_hash_or_a_hash() {
        let hash = "ab".repeat(32);
        let head = parse_head(&format!("12:{hash}")).unwrap();
        assert_eq!(head.seq, Some(12));
        assert_eq!(head.hash.to_hex(), hash);
        assert_eq!(parse_head(&hash).unwrap().seq, None);
        assert!(parse_head("x:ab").is_err());
        assert!(parse_head("12:abc").is_err());
    }
}
