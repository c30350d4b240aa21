//! Command-line word-diff peers on a sample of the engine scenario's pairs (base paragraph,
//! amendment): GNU `wdiff` and `git diff --word-diff --no-index`, one process per pair as a
//! script would run them, beside the cost of starting a process that does nothing (`true`),
//! so the table can say how much of a peer's time is its own work.

use crate::stats::median;
use anyhow::{Context, bail};
use serde::Deserialize;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The scenario file the engine benchmark writes (`PENHOLDER_BENCH_DUMP`).
#[derive(Deserialize)]
struct Dump {
    paragraphs: Vec<String>,
    amendments: Vec<(usize, String, String)>,
}

#[derive(Debug, Serialize)]
pub struct PeerResult {
    pub kind: &'static str,
    pub tool: String,
    pub pairs: usize,
    /// Median over the runs of the mean wall time per pair.
    pub per_pair_ms: f64,
    /// The same for `true`: the cost of starting a process.
    pub spawn_ms: f64,
}

/// Which command compares two files.
fn command(tool: &str, base: &Path, amended: &Path) -> anyhow::Result<Command> {
    let mut command = match tool {
        "wdiff" => {
            let mut c = Command::new("wdiff");
            c.arg(base).arg(amended);
            c
        }
        "git" => {
            let mut c = Command::new("git");
            c.args(["diff", "--no-index", "--word-diff=plain", "--no-color"])
                .arg(base)
                .arg(amended);
            c
        }
        "true" => Command::new("true"),
        other => bail!("unknown peer {other:?} (wdiff, git)"),
    };
    command.stdout(Stdio::null()).stderr(Stdio::null());
    Ok(command)
}

/// Mean wall time per pair of running `tool` on every pair, in milliseconds.
fn time_pairs(tool: &str, pairs: &[(PathBuf, PathBuf)]) -> anyhow::Result<f64> {
    let started = Instant::now();
    for (base, amended) in pairs {
        let status = command(tool, base, amended)?
            .status()
            .with_context(|| format!("cannot run {tool}"))?;
        // wdiff and git diff exit 1 when the texts differ; 2 and above is trouble.
        if status.code().is_none_or(|c| c > 1) {
            bail!("{tool} failed on {}: {status}", base.display());
        }
    }
    Ok(started.elapsed().as_secs_f64() * 1e3 / pairs.len().max(1) as f64)
}

pub fn run(dump: &Path, tool: &str, sample: usize, runs: usize) -> anyhow::Result<PeerResult> {
    let text = std::fs::read(dump).with_context(|| format!("cannot read {}", dump.display()))?;
    let dump: Dump = serde_json::from_slice(&text).context("not a scenario dump")?;
    let sample = sample.clamp(1, dump.amendments.len().max(1));
    let dir = std::env::temp_dir().join(format!("penholder-peers-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = (|| {
        let step = (dump.amendments.len() / sample).max(1);
        let mut pairs = Vec::with_capacity(sample);
        for (i, (paragraph, _, amended)) in dump
            .amendments
            .iter()
            .step_by(step)
            .take(sample)
            .enumerate()
        {
            let base_text = dump
                .paragraphs
                .get(*paragraph)
                .with_context(|| format!("amendment {i} names no paragraph"))?;
            let base = dir.join(format!("{i}-base.txt"));
            let proposal = dir.join(format!("{i}-amended.txt"));
            std::fs::write(&base, format!("{base_text}\n"))?;
            std::fs::write(&proposal, format!("{amended}\n"))?;
            pairs.push((base, proposal));
        }
        let mut per_pair = Vec::new();
        let mut spawn = Vec::new();
        for _ in 0..runs.max(1) {
            per_pair.push(time_pairs(tool, &pairs)?);
            spawn.push(time_pairs("true", &pairs)?);
        }
        Ok(PeerResult {
            kind: "peer",
            tool: tool.to_string(),
            pairs: pairs.len(),
            per_pair_ms: median(&per_pair),
            spawn_ms: median(&spawn),
        })
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}
