//! Rendering speed: the redline between two generated versions of 1,000 operative paragraphs
//! (one round of feedback from 20 delegations on about 15 % of them, consolidated, every
//! change attributed) rendered to DOCX and to HTML (and Markdown, for comparison).
//!
//! Run with `cargo bench -p penholder-render` (release profile). Prints the minimum and the
//! median of several runs for each output, and its size.

use penholder_core::negotiation::{Anchor, Item, Submission};
use penholder_core::{Document, IdSource, Node, NodeKind, Version};
use penholder_diff::{Blame, ConsolidateOptions, Step, compile, consolidate, redline};
use penholder_render::{Context, docx, html, markdown};
use std::hint::black_box;
use std::time::{Duration, Instant};

const PARAGRAPHS: usize = 1_000;
const DELEGATIONS: usize = 20;
const RUNS: usize = 15;

/// A small deterministic generator (xorshift), so every run measures the same texts.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const VOCABULARY: [&str; 24] = [
    "States",
    "shall",
    "cooperate",
    "on",
    "return",
    "and",
    "readmission",
    "migration",
    "international",
    "protection",
    "the",
    "of",
    "in",
    "with",
    "partners",
    "strengthen",
    "enhance",
    "border",
    "management",
    "capacity",
    "smuggling",
    "trafficking",
    "data",
    "development",
];

fn sentence(random: &mut Random, words: usize) -> String {
    let mut text: Vec<&str> = (0..words)
        .map(|_| VOCABULARY[random.below(VOCABULARY.len())])
        .collect();
    text[0] = "Decide";
    text.join(" ") + "."
}

fn measure(name: &str, mut run: impl FnMut() -> usize) {
    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut size = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        size = black_box(run());
        times.push(start.elapsed());
    }
    times.sort();
    println!(
        "{name:<34} min {:>8.2} ms   median {:>8.2} ms   {:>9} bytes",
        times[0].as_secs_f64() * 1e3,
        times[RUNS / 2].as_secs_f64() * 1e3,
        size
    );
}

fn main() {
    let mut random = Random(0x9E37_79B9_7F4A_7C15);
    let mut ids = IdSource::new(11, 1_700_000_000_000);
    let nodes: Vec<Node> = (0..PARAGRAPHS)
        .map(|_| {
            let words = 25 + random.below(50);
            Node::new(
                ids.next_id(),
                NodeKind::Operative,
                sentence(&mut random, words),
            )
        })
        .collect();
    let keys: Vec<_> = nodes.iter().map(|n| n.id).collect();
    let v1 = Version::new(1, "Zero draft", None, Document::new("Generated", nodes));

    // Feedback on about 15 % of the paragraphs: word replacements, new paragraphs, deletions.
    let codes: Vec<String> = (0..DELEGATIONS).map(|d| format!("D{d:02}")).collect();
    let submissions: Vec<Submission> = codes
        .iter()
        .map(|code| {
            let items = (0..PARAGRAPHS * 15 / 100 / DELEGATIONS * 2)
                .map(|_| {
                    let at = random.below(PARAGRAPHS);
                    match random.below(10) {
                        0 => Item::Insert {
                            iso: Default::default(),
                            at: Anchor::After(keys[at]),
                            node_kind: None,
                            text: sentence(&mut random, 30),
                            justification: None,
                        },
                        1 => Item::Delete {
                            iso: Default::default(),
                            node: keys[at],
                            justification: None,
                        },
                        _ => {
                            let base = &v1.document.nodes[at].text;
                            let mut words: Vec<String> =
                                base.split(' ').map(str::to_string).collect();
                            let position = 1 + random.below(words.len() - 1);
                            words[position] = VOCABULARY[random.below(VOCABULARY.len())].into();
                            Item::Amend {
                                iso: Default::default(),
                                node: keys[at],
                                text: words.join(" "),
                                justification: Some("Clarity.".into()),
                            }
                        }
                    }
                })
                .collect();
            Submission {
                delegation: code.clone(),
                revision: 1,
                submitted_at: 1_700_000_000_000,
                items,
            }
        })
        .collect();

    let started = Instant::now();
    let compilation = compile(&v1, &submissions);
    let blame = Blame::initial(&v1.document, 1);
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
    .expect("uncontested changes apply");
    let chain = [Step {
        round: "Round 1",
        document: &consolidation.document,
        blame: &consolidation.blame,
        applied: &consolidation.applied,
    }];
    let red = redline(&v1.document, &consolidation.document, &chain);
    let changed = red
        .nodes
        .iter()
        .filter(|n| n.status != penholder_diff::NodeStatus::Unchanged)
        .count();
    println!(
        "setup: {} paragraphs, {} changes proposed ({} contested), {} applied, {} nodes changed in the redline ({:.0} ms to compile, consolidate and redline)",
        PARAGRAPHS,
        compilation.changes_count(),
        compilation.contested_count(),
        consolidation.applied.len(),
        changed,
        started.elapsed().as_secs_f64() * 1e3
    );

    let mut context = Context::new()
        .classification("LIMITE")
        .round_date("Round 1", 1_705_312_800_000);
    for (index, code) in codes.iter().enumerate() {
        context = context.delegation(code.clone(), format!("Delegation {index}"));
    }

    measure("redline → DOCX", || {
        docx::redline_from(&red, &v1.document, &context)
            .expect("docx")
            .len()
    });
    measure("redline → HTML", || html::redline(&red, &context).len());
    measure("redline → Markdown", || {
        markdown::redline(&red, &context).len()
    });
    measure("compilation → DOCX", || {
        docx::compilation(&compilation, &context)
            .expect("docx")
            .len()
    });
    measure("compilation → HTML", || {
        html::compilation(&compilation, &context).len()
    });
}
