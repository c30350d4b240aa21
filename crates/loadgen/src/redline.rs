//! The redline bench: two versions of a document of N paragraphs (the second consolidated from
//! a round of generated amendments, every uncontested change accepted, so every insertion and
//! deletion is attributed), the redline between them, and its rendering to HTML and DOCX.

use crate::stats::median_ms;
use anyhow::Context as _;
use penholder_diff::{Blame, ConsolidateOptions, NodeStatus, Step, compile, consolidate, redline};
use penholder_render::{Context, docx, html};
use penholder_scenario::{Scenario, delegation_code};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct RedlineResult {
    pub kind: &'static str,
    pub paragraphs: usize,
    pub amendments: usize,
    pub changed_nodes: usize,
    pub redline_ms: f64,
    pub html_ms: f64,
    pub html_bytes: usize,
    pub docx_ms: f64,
    pub docx_bytes: usize,
    pub runs: usize,
}

pub fn run(
    paragraphs: usize,
    delegations: usize,
    per_delegation: usize,
    runs: usize,
) -> anyhow::Result<RedlineResult> {
    let scenario = Scenario::generate(paragraphs, delegations, per_delegation, 0xBEEF);
    let (v1, submissions) = scenario.engine("Generated", 21);
    let compilation = compile(&v1, &submissions);
    let blame = Blame::initial(&v1.document, 1);
    let mut ids = penholder_core::IdSource::new(22, 1_700_000_000_000);
    let consolidation = consolidate(
        &v1,
        &blame,
        &compilation,
        &[],
        &ConsolidateOptions {
            round: "Round 1".into(),
            accept_uncontested: true,
        },
        &mut ids,
    )
    .map_err(|e| anyhow::anyhow!("the generated round does not consolidate: {e}"))?;
    let chain = [Step {
        round: "Round 1",
        document: &consolidation.document,
        blame: &consolidation.blame,
        applied: &consolidation.applied,
    }];
    let (redline_ms, red) = median_ms(runs, || {
        redline(&v1.document, &consolidation.document, &chain)
    });
    let red = red.context("no redline")?;
    let changed_nodes = red
        .nodes
        .iter()
        .filter(|n| n.status != NodeStatus::Unchanged)
        .count();
    let mut context = Context::new().round_date("Round 1", 1_705_312_800_000);
    for d in 0..delegations {
        context = context.delegation(delegation_code(d), format!("Delegation {}", d + 1));
    }
    let (html_ms, html_bytes) = median_ms(runs, || html::redline(&red, &context).len());
    let (docx_ms, docx_bytes) = median_ms(runs, || docx::redline(&red, &context).map(|b| b.len()));
    let docx_bytes = docx_bytes
        .context("no DOCX")?
        .map_err(|e| anyhow::anyhow!("the DOCX redline failed: {e}"))?;
    Ok(RedlineResult {
        kind: "redline",
        paragraphs,
        amendments: scenario.amendments.len(),
        changed_nodes,
        redline_ms,
        html_ms,
        html_bytes: html_bytes.unwrap_or(0),
        docx_ms,
        docx_bytes,
        runs,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_small_redline_renders() {
        let result = super::run(40, 5, 4, 1).expect("redline");
        assert!(result.changed_nodes > 0);
        assert!(result.html_bytes > 0 && result.docx_bytes > 0);
    }
}
