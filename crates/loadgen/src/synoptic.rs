//! The synoptic table through the API (issue 17, item 7): a document of N paragraphs uploaded
//! in V versions (each revising a tenth of the paragraphs, the revised ones changing again in
//! later versions), then the table of all V versions side by side asked for again and again,
//! each request timed from sending to the last byte, in JSON and in HTML.

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
pub struct SynopticResult {
    pub kind: &'static str,
    pub paragraphs: usize,
    pub versions: usize,
    pub requests: usize,
    /// Rows of the table (nodes in any version).
    pub rows: usize,
    /// Cells whose text changed against the column to their left.
    pub changed_cells: usize,
    pub json_bytes: usize,
    pub json_p50_ms: f64,
    pub json_p99_ms: f64,
    pub html_p50_ms: f64,
    pub html_p99_ms: f64,
    /// Seconds to upload the versions.
    pub setup_s: f64,
}

pub struct SynopticConfig {
    pub target: crate::http::Target,
    pub secret: Vec<u8>,
    pub slug: String,
    pub paragraphs: usize,
    pub versions: usize,
    pub requests: usize,
}

/// The text of version `v` (1-based): in each later version a tenth of the paragraphs gain a
/// clause, a few lose their last words, and one paragraph in fifty is new.
fn revision(paragraphs: &[String], v: usize) -> String {
    let mut text = String::from("# Generated text\n\n");
    let mut number = 0;
    for (i, paragraph) in paragraphs.iter().enumerate() {
        let mut paragraph = paragraph.clone();
        for r in 2..=v {
            if (i + r * 3).is_multiple_of(10) {
                paragraph.push_str(&format!(" As amended in round {r}, with due regard to it."));
            }
            if (i + r * 7).is_multiple_of(40)
                && let Some(cut) = paragraph.trim_end_matches('.').rfind(' ')
            {
                paragraph.truncate(cut);
                paragraph.push('.');
            }
        }
        number += 1;
        text.push_str(&format!("{number}. {paragraph}\n\n"));
        if v > 1 && (i * 13 + v).is_multiple_of(50) {
            number += 1;
            text.push_str(&format!(
                "{number}. A paragraph new in version {v}, after paragraph {}.\n\n",
                i + 1
            ));
        }
    }
    text
}

pub fn run(config: SynopticConfig) -> anyhow::Result<SynopticResult> {
    let runtime = crate::client_runtime()?;
    let scenario = Scenario::generate(config.paragraphs, 1, 1, 0x0570_771C);
    let tokens = mint(&config.secret, 0)?;
    runtime.block_on(async move {
        let mut connection = Connection::new(config.target);
        let process = serde_json::json!({
            "slug": config.slug, "title": "Synoptic",
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
        let versions: Vec<String> = (1..=config.versions).map(|v| v.to_string()).collect();
        let path = format!("{documents}/text/synoptic?versions={}", versions.join(","));
        let (mut json_ms, mut html_ms) = (Vec::new(), Vec::new());
        let (mut rows, mut changed_cells, mut json_bytes) = (0, 0, 0);
        for request in 0..config.requests {
            let html = request % 2 == 1;
            let url = if html {
                format!("{path}&format=html")
            } else {
                path.clone()
            };
            let started = Instant::now();
            let answer = connection
                .expect(200, Method::GET, &url, Some(&tokens.chair), None)
                .await
                .context("asking for the synoptic table")?;
            let elapsed = started.elapsed().as_secs_f64() * 1e3;
            if html {
                html_ms.push(elapsed);
                continue;
            }
            json_ms.push(elapsed);
            if request == 0 {
                let table: serde_json::Value = serde_json::from_slice(&answer.body)?;
                let all = table["rows"].as_array().context("rows")?;
                rows = all.len();
                changed_cells = all
                    .iter()
                    .flat_map(|row| row["cells"].as_array().into_iter().flatten())
                    .filter(|cell| {
                        cell["segments"]
                            .as_array()
                            .is_some_and(|segments| segments.iter().any(|s| s["kind"] != "equal"))
                    })
                    .count();
                json_bytes = answer.body.len();
                anyhow::ensure!(
                    rows >= config.paragraphs && changed_cells > 0,
                    "the table has {rows} rows and {changed_cells} changed cells"
                );
            }
        }
        json_ms.sort_by(f64::total_cmp);
        html_ms.sort_by(f64::total_cmp);
        Ok(SynopticResult {
            kind: "synoptic",
            paragraphs: config.paragraphs,
            versions: config.versions,
            requests: config.requests,
            rows,
            changed_cells,
            json_bytes,
            json_p50_ms: percentile(&json_ms, 50.0),
            json_p99_ms: percentile(&json_ms, 99.0),
            html_p50_ms: percentile(&html_ms, 50.0),
            html_p99_ms: percentile(&html_ms, 99.0),
            setup_s,
        })
    })
}
