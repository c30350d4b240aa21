//! Search through the API (issue 17, item 7): a document of N paragraphs uploaded in V versions
//! (each revising 1 % of the paragraphs, so most texts repeat from version to version, as in a
//! negotiation), then queries one after another, each timed from sending to the last byte: rare
//! words, common words and two-word phrases drawn from the text, every one of them finding
//! something.

use crate::http::Connection;
use crate::rush::mint;
use crate::stats::percentile;
use anyhow::Context;
use bytes::Bytes;
use hyper::Method;
use penholder_scenario::Scenario;
use serde::Serialize;
use std::time::Instant;

#[derive(Debug, Serialize)]
pub struct SearchResult {
    pub kind: &'static str,
    pub paragraphs: usize,
    pub versions: usize,
    pub queries: usize,
    /// Seconds to upload the versions (alignment and indexing included).
    pub setup_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Texts found per query, on average (at most the API's default limit, 20).
    pub mean_hits: f64,
}

pub struct SearchConfig {
    pub target: crate::http::Target,
    pub secret: Vec<u8>,
    pub slug: String,
    pub paragraphs: usize,
    pub versions: usize,
    pub queries: usize,
}

/// The text of version `v` (1-based): 1 % of the paragraphs (at least one) revised per version.
fn revision(paragraphs: &[String], v: usize) -> String {
    let mut text = String::from("# Generated text\n\n");
    let per_version = (paragraphs.len() / 100).max(1);
    for (i, paragraph) in paragraphs.iter().enumerate() {
        text.push_str(&format!("{}. {paragraph}", i + 1));
        // Every revision up to v that touched this paragraph adds its words.
        for r in 2..=v {
            if (0..per_version).any(|k| (r * 37 + k * 101) % paragraphs.len() == i) {
                text.push_str(&format!(" As revised in round {r}."));
            }
        }
        text.push_str("\n\n");
    }
    text
}

pub fn run(config: SearchConfig) -> anyhow::Result<SearchResult> {
    let runtime = crate::client_runtime()?;
    let scenario = Scenario::generate(config.paragraphs, 1, 1, 0x5EA2C4);
    let tokens = mint(&config.secret, 0)?;
    let words: Vec<Vec<String>> = scenario
        .paragraphs
        .iter()
        .map(|p| {
            p.split_whitespace()
                .map(|w| {
                    w.trim_matches(|c: char| !c.is_alphanumeric())
                        .to_lowercase()
                })
                .filter(|w| w.len() > 2)
                .collect()
        })
        .collect();
    // Queries from the text itself: a word of a paragraph, or two consecutive words as a phrase.
    let queries: Vec<String> = (0..config.queries)
        .map(|q| {
            let paragraph = &words[(q * 7919) % words.len()];
            let at = (q * 31) % paragraph.len().max(1);
            match (q % 3, paragraph.get(at), paragraph.get(at + 1)) {
                (0, Some(a), Some(b)) => format!("\"{a} {b}\""),
                (_, Some(a), _) => a.clone(),
                _ => "revised".to_owned(),
            }
        })
        .collect();
    runtime.block_on(async move {
        let mut connection = Connection::new(config.target);
        let process = serde_json::json!({
            "slug": config.slug, "title": "Search",
            "delegations": [{"code": "CHAIR", "name": "The chairmanship", "kind": "state",
                             "function": "chair"}]
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
        let started = Instant::now();
        let documents = format!("/v1/processes/{}/documents", config.slug);
        let first = serde_json::json!({
            "slug": "text", "title": "Generated text",
            "source": {"format": "markdown", "text": revision(&scenario.paragraphs, 1)}
        });
        connection
            .expect(
                201,
                Method::POST,
                &documents,
                Some(&tokens.chair),
                Some(Bytes::from(first.to_string())),
            )
            .await
            .context("creating the document")?;
        for v in 2..=config.versions {
            let body = serde_json::json!({
                "label": format!("Rev. {}", v - 1),
                "source": {"format": "markdown", "text": revision(&scenario.paragraphs, v)}
            });
            connection
                .expect(
                    201,
                    Method::POST,
                    &format!("{documents}/text/versions"),
                    Some(&tokens.chair),
                    Some(Bytes::from(body.to_string())),
                )
                .await
                .with_context(|| format!("uploading version {v}"))?;
        }
        let setup_s = started.elapsed().as_secs_f64();
        let mut latencies = Vec::with_capacity(queries.len());
        let mut hits = 0usize;
        for query in &queries {
            let path = format!(
                "/v1/processes/{}/search?q={}",
                config.slug,
                query.replace('"', "%22").replace(' ', "%20")
            );
            let started = Instant::now();
            let answer = connection
                .expect(200, Method::GET, &path, Some(&tokens.chair), None)
                .await
                .with_context(|| format!("searching {query}"))?;
            latencies.push(started.elapsed().as_secs_f64() * 1e3);
            let view: serde_json::Value = serde_json::from_slice(&answer.body)?;
            let found = view["hits"].as_array().map_or(0, Vec::len);
            anyhow::ensure!(found > 0, "{query:?} found nothing");
            hits += found;
        }
        latencies.sort_by(f64::total_cmp);
        Ok(SearchResult {
            kind: "search",
            paragraphs: config.paragraphs,
            versions: config.versions,
            queries: queries.len(),
            setup_s,
            p50_ms: percentile(&latencies, 50.0),
            p99_ms: percentile(&latencies, 99.0),
            max_ms: latencies.last().copied().unwrap_or(0.0),
            mean_hits: hits as f64 / queries.len().max(1) as f64,
        })
    })
}
