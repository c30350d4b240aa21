//! The `penholder` binary: a thin dispatcher. Each subcommand lives in its own module with its
//! clap arguments and a `run(args) -> anyhow::Result<()>`; main only parses and dispatches.

use clap::{Parser, Subcommand};

mod audit;
mod backup;
mod export;
mod import;
mod replay;
mod serve;
mod token;

// The engine allocates and frees many small vectors and strings per compilation; mimalloc
// takes a quarter off a compilation's time against glibc's malloc (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// penholder: negotiate a text among many delegations, round after round.
#[derive(Debug, Parser)]
#[command(name = "penholder", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read a document (a Council note, Markdown or plain text) and write its structured-Markdown
    /// and JSON forms.
    Import(import::ImportArgs),
    /// Replay the Budapest Process negotiation through the HTTP API of a running server and
    /// write every version, compilation, redline and disposition table it produces.
    Replay(replay::ReplayArgs),
    /// Serve the HTTP API on a SQLite database (settings also from PENHOLDER_* variables).
    Serve(serve::ServeArgs),
    /// Mint a bearer token with the configured key.
    Token(token::TokenArgs),
    /// Check the hash-chained audit log of a database.
    Audit(audit::AuditArgs),
    /// Take a consistent copy of a live database.
    Backup(backup::BackupArgs),
    /// Write a version, redline, blame view, compilation, disposition table or outcomes report
    /// from a database file as JSON, HTML, Markdown, Word, CSV, Excel or Akoma Ntoso.
    Export(export::ExportArgs),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Import(args) => import::run(args),
        Command::Replay(args) => replay::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Token(args) => token::run(args),
        Command::Audit(args) => audit::run(args),
        Command::Backup(args) => backup::run(args),
        Command::Export(args) => export::run(args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
