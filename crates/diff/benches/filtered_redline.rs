//! Benchmark of the redline narrowed to one delegation's changes against the whole redline
//! (issue 17: a filtered redline of two 5,000-paragraph versions within 1.2× the unfiltered
//! one, release build).
//!
//! `cargo bench -p penholder-diff --bench filtered_redline` (`-- --quick`: 500 paragraphs).
//! Version 1: `penholder-scenario`'s 5,000 paragraphs; 20 delegations amend 1,000 of them
//! (scattered); every uncontested change is accepted into version 2. The whole redline is
//! `penholder_diff::redline` from version 1 to version 2 through that consolidation; the
//! filtered one is the same followed by `penholder_diff::only_by` for one delegation (and
//! the groups it would expand to: one code here), as `GET …/redline?delegation=` computes it.
//! Runs alternate (whole, filtered, whole…) so both see the same machine state; the ratio is the
//! median of the runs' own ratios.
//!
//! Prints one `BENCH {json}` line per size, as the other engine benchmarks do.

use penholder_core::IdSource;
use penholder_diff::{Blame, ConsolidateOptions, Step, compile, consolidate, only_by, redline};
use penholder_scenario::{Scenario, delegation_code};
use std::time::{Duration, Instant};

// The same allocator as the `penholder` binary, so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let paragraphs = if quick { 500 } else { 5_000 };
    let scenario = Scenario::scattered(paragraphs, 20, paragraphs / 5, 17);
    let (base, submissions) = scenario.engine("Declaration", 17);
    let compilation = compile(&base, &submissions);
    let options = ConsolidateOptions {
        round: "Round 1".into(),
        accept_uncontested: true,
    };
    let consolidation = consolidate(
        &base,
        &Blame::initial(&base.document, 1),
        &compilation,
        &[],
        &options,
        &mut IdSource::new(99, 1_700_000_000_000),
    )
    .expect("the scenario consolidates");
    let step = Step {
        round: "Round 1",
        document: &consolidation.document,
        blame: &consolidation.blame,
        applied: &consolidation.applied,
    };
    let only = vec![delegation_code(0)];
    let whole = || redline(&base.document, &consolidation.document, &[step]);
    let filtered = || only_by(whole(), &only);
    // What the filter keeps, so that the benchmark is known to measure a real narrowing.
    let marked = |r: &penholder_diff::Redline| {
        r.nodes
            .iter()
            .filter(|n| n.status != penholder_diff::NodeStatus::Unchanged)
            .count()
    };
    let (all_changed, own_changed) = (marked(&whole()), marked(&filtered()));
    assert!(own_changed > 0 && own_changed < all_changed);

    let runs = if quick { 5 } else { 15 };
    let (mut whole_ms, mut filtered_ms, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let started = Instant::now();
        std::hint::black_box(whole());
        let w = started.elapsed();
        let started = Instant::now();
        std::hint::black_box(filtered());
        let f = started.elapsed();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        whole_ms.push(ms(w));
        filtered_ms.push(ms(f));
        ratios.push(ms(f) / ms(w));
    }
    println!(
        "BENCH {{\"kind\":\"filtered_redline\",\"paragraphs\":{paragraphs},\"runs\":{runs},\"changed_nodes\":{all_changed},\"own_changed_nodes\":{own_changed},\"whole_median_ms\":{:.3},\"filtered_median_ms\":{:.3},\"ratio\":{:.3}}}",
        median(whole_ms),
        median(filtered_ms),
        median(ratios)
    );
}
