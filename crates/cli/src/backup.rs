//! `penholder backup`: a consistent copy of a live database (SQLite's online backup), taken
//! while a server may be writing to it.

use anyhow::Context;
use clap::Args;
use penholder_store::Store;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The SQLite database file to copy.
    #[arg(long, env = "PENHOLDER_DB", value_name = "FILE")]
    pub db: PathBuf,
    /// The new file to write (never overwritten).
    #[arg(long, value_name = "FILE")]
    pub to: PathBuf,
}

pub fn run(args: BackupArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.db.exists(), "{} does not exist", args.db.display());
    let store = Store::open(&args.db)
        .with_context(|| format!("cannot open the database {}", args.db.display()))?;
    store
        .backup(&args.to)
        .wait()
        .with_context(|| format!("cannot back up to {}", args.to.display()))?;
    println!("backed up {} to {}", args.db.display(), args.to.display());
    Ok(())
}
