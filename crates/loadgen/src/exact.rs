//! The chair's exact compilation of a closed round through the API, first request (nothing
//! kept yet), against the in-process compilation of the same round (issue 11, item 7b).
//!
//! Each run sets up a process of its own through the API (as `rush` does: the document, an open
//! round, every delegation's submission), closes the round, and times one `GET
//! …/compilation` of the chairmanship from sending to the last byte: the server reads the base
//! and the latest revision of every submission, compiles on all its cores and writes the JSON.
//! Right after each request, the same scenario's compilation in this process
//! (`compile_with_threads(…, None)`, all cores, nothing read and nothing written): the two are
//! interleaved so that each pair meets the same machine (the server's checkpointer still copying
//! the round's writes, other work), and the ratio is the median of the runs' own ratios. (Timing
//! all the requests first and the compilations after, on a machine by then quiet, overstated
//! the ratio: the in-process compilation alone moved between 27 and 42 ms from one round of
//! runs to the next on this machine.)

use crate::http::Connection;
use crate::rush::{RushConfig, prefill};
use crate::stats::median;
use anyhow::Context;
use hyper::Method;
use penholder_scenario::Scenario;
use serde::Serialize;
use std::time::Instant;

#[derive(Debug, Serialize)]
pub struct ExactResult {
    pub kind: &'static str,
    pub paragraphs: usize,
    pub delegations: usize,
    pub amendments: usize,
    pub runs: usize,
    pub changes: u64,
    pub compilation_bytes: usize,
    /// Every run's first GET of the closed round's compilation, in ms.
    pub api_ms: Vec<f64>,
    pub api_median_ms: f64,
    /// Every in-process compilation of the same round, in ms.
    pub engine_ms: Vec<f64>,
    pub engine_median_ms: f64,
    /// The median of each run's `api_ms / engine_ms`.
    pub ratio: f64,
}

pub fn run(config: RushConfig, runs: usize) -> anyhow::Result<ExactResult> {
    let runs = runs.max(1);
    let runtime = crate::client_runtime()?;
    let scenario = Scenario::generate(
        config.paragraphs,
        config.delegations,
        config.items,
        0x5EED_0000 + config.delegations as u64,
    );
    let (version, submissions) = scenario.engine("Generated text", 42);
    let in_process = || {
        let started = Instant::now();
        let compilation = penholder_diff::compile_with_threads(
            &version.document,
            version.number,
            &submissions,
            None,
        );
        std::hint::black_box(compilation);
        started.elapsed().as_secs_f64() * 1e3
    };
    let mut api_ms = Vec::new();
    let mut engine_ms = Vec::new();
    let mut changes = 0;
    let mut compilation_bytes = 0;
    let mut amendments = 0;
    for run in 0..runs {
        let config = RushConfig {
            slug: format!("{}-{run}", config.slug),
            ..config.clone()
        };
        let (ms, answer, count) = runtime.block_on(async move {
            let (prepared, _, mut connection): (_, _, Connection) = prefill(config).await?;
            connection
                .expect(
                    200,
                    Method::POST,
                    &format!("{}/close", prepared.round_path()),
                    Some(prepared.chair_token()),
                    None,
                )
                .await
                .context("closing the round")?;
            let started = Instant::now();
            let answer = connection
                .expect(
                    200,
                    Method::GET,
                    &prepared.compilation_path(),
                    Some(prepared.chair_token()),
                    None,
                )
                .await
                .context("reading the compilation")?;
            let ms = started.elapsed().as_secs_f64() * 1e3;
            anyhow::Ok((ms, answer, prepared.amendments()))
        })?;
        let view: serde_json::Value = serde_json::from_slice(&answer.body)?;
        changes = view["changes"].as_u64().unwrap_or(0);
        compilation_bytes = answer.body.len();
        amendments = count;
        api_ms.push(ms);
        engine_ms.push(in_process());
    }
    let ratios: Vec<f64> = api_ms
        .iter()
        .zip(&engine_ms)
        .map(|(api, engine)| api / engine.max(1e-9))
        .collect();
    let (api_median_ms, engine_median_ms) = (median(&api_ms), median(&engine_ms));
    Ok(ExactResult {
        kind: "exact",
        paragraphs: config.paragraphs,
        delegations: config.delegations,
        amendments,
        runs,
        changes,
        compilation_bytes,
        api_ms,
        api_median_ms,
        engine_ms,
        engine_median_ms,
        ratio: median(&ratios),
    })
}
