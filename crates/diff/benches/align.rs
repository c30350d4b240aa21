//! Benchmark of the alignment of a revised text made elsewhere with the previous version
//! (`penholder_diff::align`; issue 13, item 8: a 1,000-paragraph revision in ≤ 50 ms, a
//! 5,000-paragraph one in ≤ 300 ms, release build).
//!
//! `cargo bench -p penholder-diff --bench align` (`-- --quick`: the 1,000-paragraph one only).
//! The previous version: `penholder-scenario`'s paragraphs (40–80 words of its small
//! vocabulary, each with eight words of its own: two found nowhere else, as a real paragraph
//! has names and dates, and six drawn by Zipf's law from 20,000 terms), ten to an article under
//! number-only headings ("Art 12"). The revision, made the way a chair revises:
//! `penholder-scenario`'s amendments carried out in 10 % of the paragraphs, 1 % deleted, 1 %
//! new ones inserted, 0.5 % moved verbatim to a later article, 0.5 % split in two, 0.5 %
//! merged with the next, and two new articles inserted, which renumbers the articles after
//! them. Every revised paragraph's true predecessor is known, so
//! the benchmark also says how many kept their id.
//!
//! Prints one `BENCH {json}` line per size (wall time of one thread, best and median of
//! several runs, and the best CPU time of the thread), which `bench/bench.sh` records for
//! `bench/report.py`.

use penholder_core::{Document, IdSource, Node, NodeId, NodeKind};
use penholder_diff::align;
use penholder_scenario::{Random, Scenario};
use std::collections::HashMap;
use std::time::{Duration, Instant};

// The same allocator as the `penholder` binary, so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PARAGRAPHS_PER_ARTICLE: usize = 10;

/// A revised paragraph: its text, and the previous paragraph whose id it should keep.
struct Planned {
    text: String,
    predecessor: Option<usize>,
}

struct Generated {
    previous: Document,
    revised: Document,
    /// Revised paragraph id (fresh) → the previous paragraph id it should keep.
    truth: HashMap<NodeId, NodeId>,
    paragraphs: usize,
    nodes: usize,
}

fn articles(ids: &mut IdSource, articles: Vec<Vec<String>>) -> Document {
    let nodes = articles
        .into_iter()
        .enumerate()
        .map(|(number, texts)| {
            let children = texts
                .into_iter()
                .map(|text| Node::new(ids.next_id(), NodeKind::Paragraph, text))
                .collect();
            Node::new(ids.next_id(), NodeKind::Part, "")
                .with_num(format!("Art {}", number + 1))
                .with_children(children)
        })
        .collect();
    Document::new("Regulation", nodes)
}

fn generate(paragraphs: usize, seed: u64) -> Generated {
    let scenario = Scenario::scattered(paragraphs, 1, paragraphs / 10, seed);
    let mut random = Random::new(seed ^ 0xA11C);
    // A paragraph's own words: two rare ones (a name, a date) and six drawn from a vocabulary
    // of 20,000 terms by Zipf's law, as words are in real texts (a few terms in most
    // paragraphs, many in a handful).
    let zipf: Vec<f64> = (1..=20_000)
        .scan(0.0, |total, rank| {
            *total += 1.0 / rank as f64;
            Some(*total)
        })
        .collect();
    let zipf_total = zipf[zipf.len() - 1];
    let own_words = |random: &mut Random| {
        let mut words: Vec<String> = (0..2)
            .map(|_| format!("name{}", random.below(1_000_000)))
            .collect();
        for _ in 0..6 {
            let draw = random.below(1 << 30) as f64 / (1u64 << 30) as f64 * zipf_total;
            words.push(format!("term{}", zipf.partition_point(|&c| c < draw)));
        }
        words.join(" ")
    };
    let own: Vec<String> = (0..paragraphs).map(|_| own_words(&mut random)).collect();
    let texts: Vec<String> = scenario
        .paragraphs
        .iter()
        .zip(&own)
        .map(|(text, own)| format!("{own} {text}"))
        .collect();
    let amended: HashMap<usize, &str> = scenario
        .amendments
        .iter()
        .map(|a| (a.paragraph, a.text.as_str()))
        .collect();
    let new_paragraph = |random: &mut Random| {
        let base = &scenario.paragraphs[random.below(paragraphs)];
        let words: Vec<&str> = base.split(' ').collect();
        // Another paragraph's words shuffled, with words of its own: similar in vocabulary,
        // not in text.
        let mut shuffled = words.clone();
        for i in (1..shuffled.len()).rev() {
            shuffled.swap(i, random.below(i + 1));
        }
        format!("{} {}", own_words(random), shuffled.join(" "))
    };

    // The revision, article by article.
    let article_count = paragraphs.div_ceil(PARAGRAPHS_PER_ARTICLE);
    let mut revised: Vec<Vec<Planned>> = (0..article_count).map(|_| Vec::new()).collect();
    let mut moved_to: HashMap<usize, Vec<Planned>> = HashMap::new();
    let mut skip_next = false;
    for (i, text) in texts.iter().enumerate() {
        if skip_next {
            skip_next = false;
            continue;
        }
        let article = i / PARAGRAPHS_PER_ARTICLE;
        let roll = random.below(1_000);
        let kept = Planned {
            text: match amended.get(&i) {
                Some(amendment) => format!("{} {amendment}", own[i]),
                None => text.clone(),
            },
            predecessor: Some(i),
        };
        match roll {
            0..10 => {} // deleted
            10..20 => {
                revised[article].push(Planned {
                    text: new_paragraph(&mut random),
                    predecessor: None,
                });
                revised[article].push(kept);
            }
            20..25 => {
                let later = (article + 3 + random.below(18)).min(article_count - 1);
                moved_to.entry(later).or_default().push(kept);
            }
            25..30 => {
                let words: Vec<&str> = kept.text.split(' ').collect();
                let half = words.len() / 2;
                revised[article].push(Planned {
                    text: words[..half].join(" "),
                    predecessor: Some(i),
                });
                revised[article].push(Planned {
                    text: words[half..].join(" "),
                    predecessor: None,
                });
            }
            30..35 if i + 1 < texts.len() && (i + 1) / PARAGRAPHS_PER_ARTICLE == article => {
                revised[article].push(Planned {
                    text: format!("{} {}", kept.text, texts[i + 1]),
                    predecessor: Some(i),
                });
                skip_next = true;
            }
            _ => revised[article].push(kept),
        }
    }
    for (article, moved) in moved_to {
        revised[article].extend(moved);
    }
    // Two new articles, renumbering the ones after them.
    for at in [article_count / 3, 2 * article_count / 3] {
        let fresh = (0..PARAGRAPHS_PER_ARTICLE / 2)
            .map(|_| Planned {
                text: new_paragraph(&mut random),
                predecessor: None,
            })
            .collect();
        revised.insert(at, fresh);
    }

    let mut ids = IdSource::new(seed, 1_700_000_000_000);
    let previous = articles(
        &mut ids,
        texts
            .chunks(PARAGRAPHS_PER_ARTICLE)
            .map(|c| c.to_vec())
            .collect(),
    );
    let previous_ids: Vec<NodeId> = previous
        .nodes
        .iter()
        .flat_map(|a| a.children.iter().map(|c| c.id))
        .collect();
    let predecessors: Vec<Option<usize>> =
        revised.iter().flatten().map(|p| p.predecessor).collect();
    let revised = articles(
        &mut ids,
        revised
            .into_iter()
            .map(|a| a.into_iter().map(|p| p.text).collect())
            .collect(),
    );
    let truth = revised
        .nodes
        .iter()
        .flat_map(|a| a.children.iter().map(|c| c.id))
        .zip(predecessors)
        .filter_map(|(id, p)| Some((id, previous_ids[p?])))
        .collect();
    Generated {
        paragraphs,
        nodes: revised.walk().len(),
        previous,
        revised,
        truth,
    }
}

/// Nanoseconds this thread has run on a CPU (from /proc/thread-self/schedstat), as the compile
/// benchmark measures: on a machine shared with other work, the fairer measure of the work.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let sizes: &[(usize, usize)] = if quick {
        &[(1_000, 5)]
    } else {
        &[(1_000, 21), (5_000, 7)]
    };
    for &(paragraphs, runs) in sizes {
        let generated = generate(paragraphs, 0xA1_1600 + paragraphs as u64);
        let mut times: Vec<Duration> = Vec::with_capacity(runs);
        let mut best_cpu = Duration::MAX;
        let mut alignment = None;
        for _ in 0..runs {
            let cpu_start = cpu_time();
            let start = Instant::now();
            let result = std::hint::black_box(align(&generated.previous, &generated.revised, None));
            let wall = start.elapsed();
            times.push(wall);
            best_cpu = best_cpu.min(match (cpu_start, cpu_time()) {
                (Some(a), Some(b)) => b.saturating_sub(a),
                _ => wall,
            });
            alignment = Some(result);
        }
        times.sort();
        let alignment = alignment.expect("one run");
        // How many revised paragraphs with a true predecessor kept its id.
        let given: HashMap<NodeId, NodeId> = generated
            .revised
            .walk()
            .iter()
            .zip(&alignment.nodes)
            .map(|(v, a)| (v.node.id, a.node))
            .collect();
        let kept = generated
            .truth
            .iter()
            .filter(|(fresh, id)| given.get(fresh) == Some(id))
            .count();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "BENCH {{\"kind\":\"align\",\"paragraphs\":{},\"nodes\":{},\"runs\":{},\"best_ms\":{:.3},\"median_ms\":{:.3},\"best_cpu_ms\":{:.3},\"ids_kept\":{},\"ids_expected\":{}}}",
            generated.paragraphs,
            generated.nodes,
            runs,
            ms(times[0]),
            ms(times[runs / 2]),
            ms(best_cpu),
            kept,
            generated.truth.len()
        );
    }
}
