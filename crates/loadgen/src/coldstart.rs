//! Cold start: from spawning `penholder serve` to its first `200` on `/healthz` (which reads
//! through the store, so it means "able to answer", not merely "listening").

use crate::http::{Connection, Target};
use crate::stats::median;
use anyhow::{Context, bail};
use hyper::Method;
use serde::Serialize;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, Serialize)]
pub struct ColdStartResult {
    pub kind: &'static str,
    pub label: String,
    pub runs: usize,
    pub median_ms: f64,
    pub min_ms: f64,
    pub db_bytes: u64,
}

/// The size of a SQLite database with its WAL, in bytes.
pub fn db_bytes(db: &Path) -> u64 {
    ["", "-wal"]
        .iter()
        .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", db.display())).ok())
        .map(|m| m.len())
        .sum()
}

fn once(binary: &Path, db: &Path, secret: &str) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut child = Command::new(binary)
        .args(["serve", "--addr", "127.0.0.1:0", "--log", "warn", "--db"])
        .arg(db)
        .env("PENHOLDER_JWT_SECRET", secret)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))?;
    let outcome = (|| {
        let stdout = child.stdout.take().context("no standard output")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let url = line
            .trim()
            .strip_prefix("penholder listening on ")
            .with_context(|| format!("unexpected first line {line:?}"))?
            .to_string();
        let target = Target::parse(&url)?;
        let runtime = crate::client_runtime()?;
        runtime.block_on(async move {
            let mut connection = Connection::new(target);
            while started.elapsed() < Duration::from_secs(30) {
                if let Ok(answer) = connection.send(Method::GET, "/healthz", None, None).await
                    && answer.status == 200
                {
                    return Ok(started.elapsed().as_secs_f64() * 1e3);
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            bail!("no 200 on /healthz within 30 s")
        })
    })();
    // Stop it the way an operator would (SIGTERM: finish, close the store), then reap it.
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if child.try_wait()?.is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    outcome
}

pub fn run(
    binary: &Path,
    db: &Path,
    secret: &str,
    runs: usize,
    label: &str,
) -> anyhow::Result<ColdStartResult> {
    let times = (0..runs.max(1))
        .map(|_| once(binary, db, secret))
        .collect::<anyhow::Result<Vec<f64>>>()?;
    Ok(ColdStartResult {
        kind: "coldstart",
        label: label.to_string(),
        runs: times.len(),
        median_ms: median(&times),
        min_ms: times.iter().copied().fold(f64::INFINITY, f64::min),
        db_bytes: db_bytes(db),
    })
}
