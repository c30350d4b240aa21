//! The ceilings of this machine, measured beside the server: what an axum hello-world endpoint
//! answers per second through the same client, and how many durable single-row SQLite commits
//! per second the disk takes with the store's settings (WAL, `synchronous=FULL`).

use crate::http::{Connection, Target};
use crate::stats::Latencies;
use anyhow::Context;
use hyper::Method;
use rusqlite::Connection as Sqlite;
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

/// Serves `GET /` → `Hello, world!` on 127.0.0.1 (port 0: any free one), printing
/// `listening on http://ADDR` first; stops at SIGTERM/SIGINT or after `lifetime`.
pub fn serve_hello(addr: &str, lifetime: Duration) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        anyhow::ensure!(local.ip().is_loopback(), "hello serves on loopback only");
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{local}")?;
        out.flush()?;
        drop(out);
        let app = axum::Router::new().route("/", axum::routing::get(|| async { "Hello, world!" }));
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                tokio::select! {
                    _ = tokio::time::sleep(lifetime) => {},
                    _ = crate::terminated() => {},
                }
            })
            .await?;
        anyhow::Ok(())
    })
}

#[derive(Debug, Serialize)]
pub struct HelloResult {
    pub kind: &'static str,
    pub clients: usize,
    pub seconds: f64,
    pub requests: usize,
    pub errors: usize,
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// `clients` connections GETting `/` flat out for `duration`.
pub fn hello_load(
    target: Target,
    clients: usize,
    duration: Duration,
) -> anyhow::Result<HelloResult> {
    let runtime = crate::client_runtime()?;
    runtime.block_on(async move {
        let started = Instant::now();
        let deadline = started + duration;
        let tasks: Vec<_> = (0..clients.max(1))
            .map(|_| {
                tokio::spawn(async move {
                    let mut connection = Connection::new(target);
                    let mut latencies = Latencies::default();
                    let mut errors = 0;
                    while Instant::now() < deadline {
                        let sent = Instant::now();
                        match connection.send(Method::GET, "/", None, None).await {
                            Ok(answer) if answer.status == 200 => latencies.record(sent.elapsed()),
                            _ => errors += 1,
                        }
                    }
                    (latencies, errors)
                })
            })
            .collect();
        let mut all = Latencies::default();
        let mut errors = 0;
        for task in tasks {
            let (latencies, failed) = task.await?;
            all.extend(latencies);
            errors += failed;
        }
        let seconds = started.elapsed().as_secs_f64();
        let summary = all.summary();
        Ok(HelloResult {
            kind: "hello",
            clients,
            seconds,
            requests: summary.count,
            errors,
            rps: summary.count as f64 / seconds,
            p50_ms: summary.p50_ms,
            p99_ms: summary.p99_ms,
        })
    })
}

#[derive(Debug, Serialize)]
pub struct SqliteResult {
    pub kind: &'static str,
    pub commits: usize,
    pub seconds: f64,
    pub commits_per_s: f64,
    pub row_bytes: usize,
}

/// Durable single-row commits, one after another, each its own transaction (so its own fsync
/// of the WAL), for `duration` or `max_commits`, on a fresh database in `dir`.
pub fn sqlite_commits(
    dir: &Path,
    duration: Duration,
    max_commits: usize,
    row_bytes: usize,
) -> anyhow::Result<SqliteResult> {
    let path = dir.join(format!("raw-commits-{}.db", std::process::id()));
    let result = (|| {
        let conn =
            Sqlite::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        anyhow::ensure!(
            mode.eq_ignore_ascii_case("wal"),
            "no WAL on {}",
            path.display()
        );
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(
            "CREATE TABLE rows (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, body BLOB NOT NULL)",
        )?;
        let body = vec![b'x'; row_bytes];
        let mut insert = conn.prepare("INSERT INTO rows (at, body) VALUES (?1, ?2)")?;
        let started = Instant::now();
        let mut commits = 0;
        while commits < max_commits && started.elapsed() < duration {
            insert.execute(rusqlite::params![commits as i64, body])?;
            commits += 1;
        }
        let seconds = started.elapsed().as_secs_f64();
        Ok(SqliteResult {
            kind: "sqlite",
            commits,
            seconds,
            commits_per_s: commits as f64 / seconds,
            row_bytes,
        })
    })();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_commits_are_counted() {
        let dir = tempfile::tempdir().expect("dir");
        let result = sqlite_commits(dir.path(), Duration::from_secs(5), 20, 100).expect("commits");
        assert_eq!(result.commits, 20);
        assert!(result.commits_per_s > 0.0);
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 0);
    }
}
