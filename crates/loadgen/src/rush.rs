//! The deadline rush, over loopback against a running `penholder serve`: every delegation of a
//! process PUTs its 20-item submission again and again while the chairmanship GETs the live
//! compilation of the same round.
//!
//! Setup goes through the API like a real secretariat's: the admin creates the process with all
//! its delegations, the chair loads the document (Markdown, numbered paragraphs) and creates a
//! round that opened an hour ago and closes tomorrow (server clock), and every delegation
//! submits once, so the round holds `delegations × items` amendments before the rush starts.
//! Every delegation has its own token, minted with the server's HS256 secret and the same
//! claims as `penholder token`.
//!
//! Two measurements per run, each bounded in time and in requests:
//! - **open loop** (the latency figures): submissions arrive on a fixed schedule at `rate` per
//!   second in total, spread over the delegations; a request's latency is counted from when it
//!   was due, not from when it could be sent, so a stalled server cannot hide its queue
//!   (no coordinated omission);
//! - **closed loop** (the capacity figure): every delegation sends its next submission as soon
//!   as the previous one is acknowledged.
//!
//! A `201` is an acknowledged submission, hence durable: the server answers only after the
//! transaction holding it is synced.

use crate::http::{Connection, Target};
use crate::stats::{Latencies, Summary};
use anyhow::Context;
use bytes::Bytes;
use hyper::Method;
use penholder_scenario::{Scenario, delegation_code};
use penholder_server::{Minter, Role, TokenScope};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What to set up and how hard to push.
#[derive(Clone, Debug)]
pub struct RushConfig {
    pub target: Target,
    /// More servers of the same database (behind no balancer: the load generator spreads the
    /// delegations and the chairs over `target` and these, one server each).
    pub others: Vec<Target>,
    pub secret: Vec<u8>,
    /// The process's slug (one process per run of the tool).
    pub slug: String,
    pub paragraphs: usize,
    pub delegations: usize,
    pub items: usize,
    /// Chairs GETting the compilation, each `chair_rate` times a second.
    pub chairs: usize,
    pub chair_rate: f64,
    /// Submissions per second offered in the open-loop runs, one run per rate.
    pub rates: Vec<f64>,
    pub duration: Duration,
    pub runs: usize,
    /// Whether to measure the closed loop as well.
    pub saturate: bool,
    /// The server's process id, to report the CPU time it spends per submission (a figure
    /// that the other work of a shared machine does not change much).
    pub server_pid: Option<u32>,
}

/// CPU time (user + system) a process has used so far, from /proc/PID/stat.
fn process_cpu(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    // Linux reports these in clock ticks of 1/100 s (USER_HZ) on every common platform.
    Some(Duration::from_millis((utime + stime) * 10))
}

#[derive(Debug, Serialize)]
pub struct SetupResult {
    pub kind: &'static str,
    pub slug: String,
    pub paragraphs: usize,
    pub delegations: usize,
    pub amendments: usize,
    pub prefill_s: f64,
    pub changes: u64,
    pub contested: u64,
    pub compilation_bytes: usize,
    pub compilation_first_ms: f64,
}

#[derive(Debug, Serialize)]
pub struct RunResult {
    pub kind: &'static str,
    /// `open` (scheduled arrivals) or `closed` (as fast as acknowledged).
    pub mode: &'static str,
    pub slug: String,
    pub clients: usize,
    pub amendments: usize,
    pub chairs: usize,
    /// GETs of the compilation per second, per chair.
    pub chair_rate: f64,
    pub offered_per_s: f64,
    pub seconds: f64,
    pub durable: usize,
    pub durable_per_s: f64,
    /// Submissions that were due before the end of the run but not sent by then, because the
    /// delegation was still waiting for its previous one (open loop): the server fell behind.
    pub unsent: usize,
    pub put: Summary,
    pub put_failures: BTreeMap<u16, usize>,
    pub get: Summary,
    pub get_failures: BTreeMap<u16, usize>,
    /// The server's CPU time during the run, in core-seconds, and per durable submission
    /// (chairs' reads included).
    pub server_cpu_s: Option<f64>,
    pub server_cpu_ms_per_submission: Option<f64>,
}

const HOUR_MS: i64 = 3_600_000;

fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub(crate) struct Tokens {
    pub(crate) admin: String,
    pub(crate) chair: String,
    delegations: Vec<String>,
}

pub(crate) fn mint(secret: &[u8], delegations: usize) -> anyhow::Result<Tokens> {
    let minter = Minter::hs256(secret, TokenScope::default())?;
    let now = now_seconds();
    let ttl = 4 * 3600;
    let token = |sub: &str, role: Role, delegation: Option<&str>| {
        minter
            .mint(sub, role, delegation, now, ttl)
            .map_err(|e| anyhow::anyhow!("cannot mint a token: {e}"))
    };
    Ok(Tokens {
        admin: token("bench-admin", Role::Admin, None)?,
        chair: token("bench-chair", Role::Chair, Some("CHAIR"))?,
        delegations: (0..delegations)
            .map(|d| {
                let code = delegation_code(d);
                token(&format!("bench-{code}"), Role::Delegate, Some(&code))
            })
            .collect::<Result<_, _>>()?,
    })
}

/// A prepared process: its round, tokens and submission bodies.
pub struct Prepared {
    config: RushConfig,
    round: u64,
    tokens: Arc<Tokens>,
    /// Two bodies per delegation (different justifications), sent alternately so that every
    /// revision differs from the one before.
    bodies: Arc<Vec<[Bytes; 2]>>,
    amendments: usize,
}

pub async fn setup(config: RushConfig) -> anyhow::Result<(Prepared, SetupResult)> {
    let (prepared, prefill_s, mut connection) = prefill(config).await?;
    let fetched = Instant::now();
    let answer = connection
        .expect(
            200,
            Method::GET,
            &prepared.compilation_path(),
            Some(&prepared.tokens.chair),
            None,
        )
        .await
        .context("reading the compilation")?;
    let compilation_first_ms = fetched.elapsed().as_secs_f64() * 1e3;
    let view: serde_json::Value = serde_json::from_slice(&answer.body)?;
    let result = SetupResult {
        kind: "setup",
        slug: prepared.config.slug.clone(),
        paragraphs: prepared.config.paragraphs,
        delegations: prepared.config.delegations,
        amendments: prepared.amendments,
        prefill_s,
        changes: view["changes"].as_u64().unwrap_or(0),
        contested: view["contested"].as_u64().unwrap_or(0),
        compilation_bytes: answer.body.len(),
        compilation_first_ms,
    };
    Ok((prepared, result))
}

/// Creates the process, its document and an open round through the API, and has every
/// delegation submit once; returns the seconds that took and the admin's connection.
pub async fn prefill(config: RushConfig) -> anyhow::Result<(Prepared, f64, Connection)> {
    let scenario = Scenario::generate(
        config.paragraphs,
        config.delegations,
        config.items,
        0x5EED_0000 + config.delegations as u64,
    );
    let tokens = Arc::new(mint(&config.secret, config.delegations)?);
    let mut connection = Connection::new(config.target);
    let slug = config.slug.clone();
    let mut delegations = vec![serde_json::json!({
        "code": "CHAIR", "name": "The chairmanship", "kind": "state", "function": "chair"
    })];
    for d in 0..config.delegations {
        delegations.push(serde_json::json!({
            "code": delegation_code(d), "name": format!("Delegation {}", d + 1), "kind": "state"
        }));
    }
    let process = serde_json::json!({
        "slug": slug, "title": "Deadline rush", "delegations": delegations
    });
    connection
        .expect(
            201,
            Method::POST,
            "/v1/processes",
            Some(&tokens.admin),
            Some(Bytes::from(process.to_string())),
        )
        .await
        .context("creating the process")?;
    let document = serde_json::json!({
        "slug": "text", "title": "Generated text",
        "source": {"format": "markdown", "text": scenario.markdown("Generated text")}
    });
    connection
        .expect(
            201,
            Method::POST,
            &format!("/v1/processes/{slug}/documents"),
            Some(&tokens.chair),
            Some(Bytes::from(document.to_string())),
        )
        .await
        .context("creating the document")?;
    let now_ms = now_seconds() * 1000;
    let round = serde_json::json!({
        "document": "text", "label": "Deadline rush",
        "opens_at": penholder_server::clock::rfc3339(now_ms - HOUR_MS),
        "closes_at": penholder_server::clock::rfc3339(now_ms + 24 * HOUR_MS),
    });
    let answer = connection
        .expect(
            201,
            Method::POST,
            &format!("/v1/processes/{slug}/rounds"),
            Some(&tokens.chair),
            Some(Bytes::from(round.to_string())),
        )
        .await
        .context("creating the round")?;
    let view: serde_json::Value = serde_json::from_slice(&answer.body)?;
    let round = view["number"].as_u64().context("the round has no number")?;
    let bodies: Vec<[Bytes; 2]> = (0..config.delegations)
        .map(|d| {
            let body = scenario.submission_body(d);
            let again = String::from_utf8_lossy(&body)
                .replace("agreed language.", "agreed language (revised).")
                .into_bytes();
            [Bytes::from(body), Bytes::from(again)]
        })
        .collect();
    let prepared = Prepared {
        round,
        tokens,
        bodies: Arc::new(bodies),
        amendments: scenario.amendments.len(),
        config,
    };
    // Every delegation submits once, 32 at a time.
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let workers: Vec<_> = (0..32)
        .map(|_| {
            let next = next.clone();
            let put = prepared.putter();
            tokio::spawn(async move {
                let mut connection = Connection::new(put.target);
                loop {
                    let d = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if d >= put.tokens.delegations.len() {
                        return anyhow::Ok(());
                    }
                    let answer = put.send(&mut connection, d, 0).await?;
                    anyhow::ensure!(
                        answer.status == 201,
                        "the first submission of {} answered {}: {}",
                        delegation_code(d),
                        answer.status,
                        String::from_utf8_lossy(&answer.body)
                    );
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await??;
    }
    let prefill_s = started.elapsed().as_secs_f64();
    Ok((prepared, prefill_s, connection))
}

/// What a task needs to PUT submissions.
#[derive(Clone)]
struct Putter {
    target: Target,
    path_prefix: String,
    tokens: Arc<Tokens>,
    bodies: Arc<Vec<[Bytes; 2]>>,
}

impl Putter {
    async fn send(
        &self,
        connection: &mut Connection,
        delegation: usize,
        revision: usize,
    ) -> anyhow::Result<crate::http::Answer> {
        let code = delegation_code(delegation);
        connection
            .send(
                Method::PUT,
                &format!("{}{code}", self.path_prefix),
                Some(&self.tokens.delegations[delegation]),
                Some(self.bodies[delegation][revision % 2].clone()),
            )
            .await
    }
}

/// One task's tally.
#[derive(Default)]
struct Tally {
    latencies: Latencies,
    failures: BTreeMap<u16, usize>,
    unsent: usize,
}

/// No request waits longer than this: the run ends even if the server hangs.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

impl Tally {
    fn count(&mut self, expected: u16, due: Instant, outcome: anyhow::Result<crate::http::Answer>) {
        match outcome {
            Ok(answer) if answer.status == expected => self.latencies.record(due.elapsed()),
            // Status 0: no answer at all (connection refused or reset).
            Ok(answer) => *self.failures.entry(answer.status).or_default() += 1,
            Err(_) => *self.failures.entry(0).or_default() += 1,
        }
    }

    fn merge(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        self.unsent += other.unsent;
        for (status, n) in other.failures {
            *self.failures.entry(status).or_default() += n;
        }
    }
}

impl RushConfig {
    /// The server that client `i` (a delegation or a chair) speaks to.
    fn target_for(&self, i: usize) -> Target {
        match i % (1 + self.others.len()) {
            0 => self.target,
            n => self.others[n - 1],
        }
    }
}

impl Prepared {
    /// The chairmanship's token.
    pub(crate) fn chair_token(&self) -> &str {
        &self.tokens.chair
    }

    pub(crate) fn round_path(&self) -> String {
        format!("/v1/processes/{}/rounds/{}", self.config.slug, self.round)
    }

    pub(crate) fn amendments(&self) -> usize {
        self.amendments
    }

    fn putter(&self) -> Putter {
        self.putter_for(0)
    }

    fn putter_for(&self, client: usize) -> Putter {
        Putter {
            target: self.config.target_for(client),
            path_prefix: format!(
                "/v1/processes/{}/rounds/{}/submissions/",
                self.config.slug, self.round
            ),
            tokens: self.tokens.clone(),
            bodies: self.bodies.clone(),
        }
    }

    pub(crate) fn compilation_path(&self) -> String {
        format!(
            "/v1/processes/{}/rounds/{}/compilation",
            self.config.slug, self.round
        )
    }

    /// One run: open loop at `rate` submissions per second, or closed loop (`None`: as fast as
    /// acknowledged).
    pub async fn run(&self, rate: Option<f64>) -> anyhow::Result<RunResult> {
        let config = &self.config;
        let open = rate.is_some();
        let clients = config.delegations;
        let duration = config.duration;
        let started = Instant::now() + Duration::from_millis(50);
        let deadline = started + duration;
        let cpu_before = config.server_pid.and_then(process_cpu);
        // Per delegation: one submission every `period` (open loop).
        let period = Duration::from_secs_f64(clients as f64 / rate.unwrap_or(1.0).max(1.0));
        // A bound on requests, whatever happens to the clock.
        let cap = if open {
            (duration.as_secs_f64() / period.as_secs_f64()).ceil() as usize + 1
        } else {
            (duration.as_secs_f64() * 20_000.0) as usize
        };
        let writers: Vec<_> = (0..clients)
            .map(|d| {
                let put = self.putter_for(d);
                tokio::spawn(async move {
                    let mut connection = Connection::new(put.target);
                    let mut tally = Tally::default();
                    let offset = period.mul_f64(d as f64 / clients as f64);
                    for n in 0..cap {
                        let due = if open {
                            started + offset + period * n as u32
                        } else {
                            Instant::now().max(started)
                        };
                        if due >= deadline {
                            break;
                        }
                        if Instant::now() >= deadline {
                            // Due in time, but the previous one was not answered in time.
                            tally.unsent += 1;
                            continue;
                        }
                        tokio::time::sleep_until(due.into()).await;
                        let outcome = {
                            let (put, connection) = (&put, &mut connection);
                            let send = async move { put.send(connection, d, n + 1).await };
                            tokio::time::timeout(REQUEST_TIMEOUT, send).await
                        };
                        let outcome = match outcome {
                            Ok(outcome) => outcome,
                            Err(_) => {
                                connection.reset();
                                Err(anyhow::anyhow!("no answer within {REQUEST_TIMEOUT:?}"))
                            }
                        };
                        tally.count(201, due, outcome);
                    }
                    tally
                })
            })
            .collect();
        let chair_period = Duration::from_secs_f64(1.0 / config.chair_rate.max(0.01));
        let readers: Vec<_> = (0..config.chairs)
            .map(|c| {
                let target = config.target_for(c);
                let path = self.compilation_path();
                let tokens = self.tokens.clone();
                let chairs = config.chairs;
                tokio::spawn(async move {
                    let mut connection = Connection::new(target);
                    let mut tally = Tally::default();
                    let offset = chair_period.mul_f64(c as f64 / chairs as f64);
                    for n in 0..10_000u32 {
                        let due = started + offset + chair_period * n;
                        if due >= deadline {
                            break;
                        }
                        if Instant::now() >= deadline {
                            tally.unsent += 1;
                            continue;
                        }
                        tokio::time::sleep_until(due.into()).await;
                        let send = connection.send(Method::GET, &path, Some(&tokens.chair), None);
                        let outcome = match tokio::time::timeout(REQUEST_TIMEOUT, send).await {
                            Ok(outcome) => outcome,
                            Err(_) => {
                                connection.reset();
                                Err(anyhow::anyhow!("no answer within {REQUEST_TIMEOUT:?}"))
                            }
                        };
                        tally.count(200, due, outcome);
                    }
                    tally
                })
            })
            .collect();
        let mut puts = Tally::default();
        for writer in writers {
            puts.merge(writer.await?);
        }
        let seconds = started.elapsed().as_secs_f64().max(duration.as_secs_f64());
        let mut gets = Tally::default();
        for reader in readers {
            gets.merge(reader.await?);
        }
        let durable = puts.latencies.len();
        let server_cpu_s = match (cpu_before, config.server_pid.and_then(process_cpu)) {
            (Some(before), Some(after)) => Some(after.saturating_sub(before).as_secs_f64()),
            _ => None,
        };
        Ok(RunResult {
            kind: "rush",
            mode: if open { "open" } else { "closed" },
            slug: config.slug.clone(),
            clients,
            amendments: self.amendments,
            chairs: config.chairs,
            chair_rate: config.chair_rate,
            offered_per_s: rate.unwrap_or(0.0),
            seconds,
            durable,
            durable_per_s: durable as f64 / seconds,
            unsent: puts.unsent,
            put: puts.latencies.summary(),
            put_failures: puts.failures,
            get: gets.latencies.summary(),
            get_failures: gets.failures,
            server_cpu_s,
            server_cpu_ms_per_submission: server_cpu_s.map(|cpu| cpu * 1e3 / durable.max(1) as f64),
        })
    }
}

/// Sets up and runs the rush, printing one line per result.
pub fn run(config: RushConfig, threads: usize) -> anyhow::Result<()> {
    let runtime = crate::client_runtime_with(threads)?;
    runtime.block_on(async move {
        let runs = config.runs.max(1);
        let saturate = config.saturate;
        let (prepared, setup) = setup(config).await?;
        crate::emit(&setup)?;
        let rates = prepared.config.rates.clone();
        for _ in 0..runs {
            for rate in &rates {
                crate::emit(&prepared.run(Some(*rate)).await?)?;
            }
            if saturate {
                crate::emit(&prepared.run(None).await?)?;
            }
        }
        anyhow::Ok(())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn this_process_has_used_some_cpu() {
        let spin = std::time::Instant::now();
        let mut x = 0u64;
        while spin.elapsed() < std::time::Duration::from_millis(30) {
            x = x.wrapping_add(1);
        }
        std::hint::black_box(x);
        assert!(super::process_cpu(std::process::id()).is_some());
    }
}
