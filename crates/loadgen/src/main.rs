//! `penholder-loadgen`: the measuring tools behind `make bench` (bench/bench.sh runs them and
//! bench/report.py turns their output into BENCHMARKS.md). Every subcommand prints its results
//! as `BENCH {json}` lines on standard output.
//!
//! Everything stays on this machine: HTTP targets must be loopback addresses, and every load
//! is bounded in duration and in request count, so it stops by itself.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

mod ceilings;
mod coldstart;
mod exact;
mod http;
mod peers;
mod redline;
mod rush;
mod search;
mod stats;
mod synoptic;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(name = "penholder-loadgen", about = "make bench's measuring tools")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The deadline rush against a running `penholder serve`.
    Rush {
        #[arg(long)]
        url: String,
        /// Another server of the same database; repeat for more. Delegations and chairs are
        /// spread over `--url` and these.
        #[arg(long = "also-url")]
        also_urls: Vec<String>,
        /// The server's HS256 secret.
        #[arg(long, env = "PENHOLDER_JWT_SECRET", hide_env_values = true)]
        secret: String,
        #[arg(long)]
        slug: String,
        #[arg(long, default_value_t = 1_000)]
        paragraphs: usize,
        #[arg(long, default_value_t = 200)]
        delegations: usize,
        #[arg(long, default_value_t = 20)]
        items: usize,
        #[arg(long, default_value_t = 2)]
        chairs: usize,
        /// GETs of the compilation per second, per chair.
        #[arg(long, default_value_t = 4.0)]
        chair_rate: f64,
        /// Submissions per second offered in the open-loop runs; repeat the flag for several
        /// open-loop runs per round of runs (each rate in turn).
        #[arg(long = "rate", default_values_t = [2_000.0])]
        rates: Vec<f64>,
        /// Seconds per run.
        #[arg(long, default_value_t = 8.0)]
        seconds: f64,
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Also run each delegation flat out (closed loop) after each open-loop run.
        #[arg(long)]
        saturate: bool,
        /// Threads of the load generator's runtime.
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// The server's process id (to report its CPU time per submission).
        #[arg(long)]
        server_pid: Option<u32>,
    },
    /// The chair's exact compilation of a closed round through the API, first request,
    /// against the in-process compilation of the same round.
    Exact {
        #[arg(long)]
        url: String,
        /// The server's HS256 secret.
        #[arg(long, env = "PENHOLDER_JWT_SECRET", hide_env_values = true)]
        secret: String,
        /// A prefix: each run creates the process `SLUG-N`.
        #[arg(long)]
        slug: String,
        #[arg(long, default_value_t = 1_000)]
        paragraphs: usize,
        #[arg(long, default_value_t = 200)]
        delegations: usize,
        #[arg(long, default_value_t = 20)]
        items: usize,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Search through the API: a document of N paragraphs in V versions, then Q queries.
    Search {
        #[arg(long)]
        url: String,
        /// The server's HS256 secret.
        #[arg(long, env = "PENHOLDER_JWT_SECRET", hide_env_values = true)]
        secret: String,
        #[arg(long)]
        slug: String,
        #[arg(long, default_value_t = 1_000)]
        paragraphs: usize,
        #[arg(long, default_value_t = 100)]
        versions: usize,
        #[arg(long, default_value_t = 500)]
        queries: usize,
    },
    /// The synoptic table through the API: a document of N paragraphs in V versions, then the
    /// table of all of them side by side, R requests (JSON and HTML alternately).
    Synoptic {
        #[arg(long)]
        url: String,
        /// The server's HS256 secret.
        #[arg(long, env = "PENHOLDER_JWT_SECRET", hide_env_values = true)]
        secret: String,
        #[arg(long)]
        slug: String,
        #[arg(long, default_value_t = 1_000)]
        paragraphs: usize,
        #[arg(long, default_value_t = 4)]
        versions: usize,
        #[arg(long, default_value_t = 40)]
        requests: usize,
    },
    /// An axum hello-world endpoint (the HTTP ceiling), until SIGTERM or --lifetime seconds.
    HelloServe {
        #[arg(long, default_value = "127.0.0.1:0")]
        addr: String,
        #[arg(long, default_value_t = 300)]
        lifetime: u64,
    },
    /// GET / flat out on a hello-world server.
    Hello {
        #[arg(long)]
        url: String,
        #[arg(long, default_value_t = 200)]
        clients: usize,
        #[arg(long, default_value_t = 3.0)]
        seconds: f64,
        #[arg(long, default_value_t = 1)]
        runs: usize,
    },
    /// Durable single-row SQLite commits per second (WAL, synchronous=FULL).
    Sqlite {
        /// Where the database goes (the disk the server uses).
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, default_value_t = 2.0)]
        seconds: f64,
        #[arg(long, default_value_t = 100_000)]
        max_commits: usize,
        #[arg(long, default_value_t = 1024)]
        row_bytes: usize,
        #[arg(long, default_value_t = 1)]
        runs: usize,
    },
    /// The redline of two N-paragraph versions, and its rendering to HTML and DOCX.
    Redline {
        #[arg(long, default_value_t = 5_000)]
        paragraphs: usize,
        #[arg(long, default_value_t = 100)]
        delegations: usize,
        #[arg(long, default_value_t = 20)]
        items: usize,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// A command-line word-diff peer (wdiff, git) on a sample of a scenario dump's pairs.
    Peer {
        #[arg(long)]
        dump: PathBuf,
        #[arg(long)]
        tool: String,
        #[arg(long, default_value_t = 200)]
        sample: usize,
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
    /// `penholder serve` to its first 200 on /healthz.
    Coldstart {
        #[arg(long)]
        binary: PathBuf,
        #[arg(long)]
        db: PathBuf,
        #[arg(long, env = "PENHOLDER_JWT_SECRET", hide_env_values = true)]
        secret: String,
        #[arg(long, default_value_t = 5)]
        runs: usize,
        #[arg(long, default_value = "empty database")]
        label: String,
    },
}

/// Prints one result line.
pub fn emit<T: serde::Serialize>(result: &T) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "BENCH {}", serde_json::to_string(result)?)?;
    out.flush()?;
    Ok(())
}

/// The load generator's runtime: one thread, so that it takes at most one of the machine's
/// cores from the server it measures.
pub fn client_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    client_runtime_with(1)
}

pub fn client_runtime_with(threads: usize) -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()?
    })
}

/// Resolves at the first SIGTERM or SIGINT.
pub async fn terminated() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
}

fn seconds(value: f64) -> Duration {
    Duration::from_secs_f64(value.clamp(0.01, 600.0))
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Rush {
            url,
            also_urls,
            secret,
            slug,
            paragraphs,
            delegations,
            items,
            chairs,
            chair_rate,
            rates,
            seconds: run_seconds,
            runs,
            saturate,
            threads,
            server_pid,
        } => rush::run(
            rush::RushConfig {
                target: http::Target::parse(&url)?,
                others: also_urls
                    .iter()
                    .map(|url| http::Target::parse(url))
                    .collect::<anyhow::Result<_>>()?,
                secret: secret.into_bytes(),
                slug,
                paragraphs,
                delegations,
                items,
                chairs,
                chair_rate,
                rates,
                duration: seconds(run_seconds),
                runs,
                saturate,
                server_pid,
            },
            threads,
        ),
        Command::Exact {
            url,
            secret,
            slug,
            paragraphs,
            delegations,
            items,
            runs,
        } => emit(&exact::run(
            rush::RushConfig {
                target: http::Target::parse(&url)?,
                others: Vec::new(),
                secret: secret.into_bytes(),
                slug,
                paragraphs,
                delegations,
                items,
                chairs: 0,
                chair_rate: 0.0,
                rates: Vec::new(),
                duration: Duration::from_secs(1),
                runs,
                saturate: false,
                server_pid: None,
            },
            runs,
        )?),
        Command::Search {
            url,
            secret,
            slug,
            paragraphs,
            versions,
            queries,
        } => emit(&search::run(search::SearchConfig {
            target: http::Target::parse(&url)?,
            secret: secret.into_bytes(),
            slug,
            paragraphs,
            versions,
            queries,
        })?),
        Command::Synoptic {
            url,
            secret,
            slug,
            paragraphs,
            versions,
            requests,
        } => emit(&synoptic::run(synoptic::SynopticConfig {
            target: http::Target::parse(&url)?,
            secret: secret.into_bytes(),
            slug,
            paragraphs,
            versions,
            requests,
        })?),
        Command::HelloServe { addr, lifetime } => {
            ceilings::serve_hello(&addr, Duration::from_secs(lifetime.min(3600)))
        }
        Command::Hello {
            url,
            clients,
            seconds: run_seconds,
            runs,
        } => {
            let target = http::Target::parse(&url)?;
            for _ in 0..runs.max(1) {
                emit(&ceilings::hello_load(
                    target,
                    clients,
                    seconds(run_seconds),
                )?)?;
            }
            Ok(())
        }
        Command::Sqlite {
            dir,
            seconds: run_seconds,
            max_commits,
            row_bytes,
            runs,
        } => {
            for _ in 0..runs.max(1) {
                emit(&ceilings::sqlite_commits(
                    &dir,
                    seconds(run_seconds),
                    max_commits,
                    row_bytes,
                )?)?;
            }
            Ok(())
        }
        Command::Redline {
            paragraphs,
            delegations,
            items,
            runs,
        } => emit(&redline::run(paragraphs, delegations, items, runs)?),
        Command::Peer {
            dump,
            tool,
            sample,
            runs,
        } => emit(&peers::run(&dump, &tool, sample, runs)?),
        Command::Coldstart {
            binary,
            db,
            secret,
            runs,
            label,
        } => emit(&coldstart::run(&binary, &db, &secret, runs, &label)?),
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
