//! The `penholder` binary: a thin dispatcher. Each subcommand lives in its own module with its
//! clap arguments and a `run(args) -> anyhow::Result<()>`; main only parses and dispatches.

use clap::{Parser, Subcommand};

mod import;

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
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Import(args) => import::run(args),
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
