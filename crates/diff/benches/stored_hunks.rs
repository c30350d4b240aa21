//! Would the compilation be faster reading the hunks stored with each submission than
//! recomputing them? (Issue 11, item 3.)
//!
//! `cargo bench -p penholder-diff --bench stored_hunks` on the 4,000-amendment round of the
//! server benchmarks (`penholder-scenario`: 1,000 paragraphs, 200 delegations × 20 amendments),
//! on one thread, best of several runs (wall-clock time of the one thread; the CPU time of
//! `/proc/thread-self/schedstat` ticks in 4 ms steps on this kernel, too coarse here):
//!
//! - the compilation as it is (it diffs every amendment itself);
//! - the word diffs of every amendment (`penholder_diff::hunks`): the most that stored hunks
//!   could spare it, since the compilation's own diffs are these, on buffers it reuses;
//! - what reading stored hunks costs at the least: decoding them from the bytes the store
//!   keeps (the compact JSON arrays written until now, and a binary form as the fastest
//!   conceivable alternative), and tokenizing their proposed texts, which the compilation
//!   would still need to compare proposals word by word. Reading the bytes from the database
//!   comes on top and is not counted.
//!
//! It prints one `STORED_HUNKS {json}` line.

use penholder_core::NodeId;
use penholder_core::negotiation::Item;
use penholder_diff::{Hunk, compile_with_threads, hunks, tokenize};
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..runs {
        let start = Instant::now();
        let value = std::hint::black_box(f());
        best = best.min(start.elapsed());
        out = Some(value);
    }
    (best.as_secs_f64() * 1e3, out.expect("one run"))
}

/// One amendment's hunks as kept beside the body: item index, node, hunks.
type Stored = (usize, NodeId, Vec<Hunk>);

/// The compact JSON form `Resolved::to_stored` wrote: `[item, node, [[7 fields], …]]`.
fn to_json(hunks: &[Stored]) -> Vec<u8> {
    let arrays: Vec<_> = hunks
        .iter()
        .map(|(item, node, hunks)| {
            let hunks: Vec<_> = hunks
                .iter()
                .map(|h| {
                    (
                        h.start_word,
                        h.end_word,
                        h.start_token,
                        h.end_token,
                        h.start_byte,
                        h.end_byte,
                        &h.text,
                    )
                })
                .collect();
            (item, node, hunks)
        })
        .collect();
    serde_json::to_vec(&arrays).expect("json")
}

type JsonHunk = (usize, usize, usize, usize, usize, usize, String);

fn from_json(bytes: &[u8]) -> Vec<Stored> {
    let arrays: Vec<(usize, NodeId, Vec<JsonHunk>)> = serde_json::from_slice(bytes).expect("json");
    arrays
        .into_iter()
        .map(|(item, node, hunks)| {
            let hunks = hunks
                .into_iter()
                .map(
                    |(start_word, end_word, start_token, end_token, start_byte, end_byte, text)| {
                        Hunk {
                            start_word,
                            end_word,
                            start_token,
                            end_token,
                            start_byte,
                            end_byte,
                            text,
                        }
                    },
                )
                .collect();
            (item, node, hunks)
        })
        .collect()
}

/// The fastest form conceivable: little-endian u32 fields and length-prefixed texts.
fn to_binary(hunks: &[Stored]) -> Vec<u8> {
    let mut out = Vec::new();
    let put = |out: &mut Vec<u8>, n: usize| out.extend_from_slice(&(n as u32).to_le_bytes());
    put(&mut out, hunks.len());
    for (item, node, list) in hunks {
        put(&mut out, *item);
        out.extend_from_slice(node.0.as_bytes());
        put(&mut out, list.len());
        for h in list {
            for n in [
                h.start_word,
                h.end_word,
                h.start_token,
                h.end_token,
                h.start_byte,
                h.end_byte,
                h.text.len(),
            ] {
                put(&mut out, n);
            }
            out.extend_from_slice(h.text.as_bytes());
        }
    }
    out
}

/// Reads what [`to_binary`] wrote (bounds-checked slices).
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let slice = &self.bytes[self.at..self.at + n];
        self.at += n;
        slice
    }

    fn number(&mut self) -> usize {
        u32::from_le_bytes(self.take(4).try_into().expect("4 bytes")) as usize
    }
}

fn from_binary(bytes: &[u8]) -> Vec<Stored> {
    let mut cursor = Cursor { bytes, at: 0 };
    let count = cursor.number();
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let item = cursor.number();
        let node = NodeId(uuid::Uuid::from_slice(cursor.take(16)).expect("16 bytes"));
        let n = cursor.number();
        let mut list = Vec::with_capacity(n);
        for _ in 0..n {
            let mut field = [0usize; 7];
            for f in &mut field {
                *f = cursor.number();
            }
            let text = String::from_utf8(cursor.take(field[6]).to_vec()).expect("UTF-8");
            list.push(Hunk {
                start_word: field[0],
                end_word: field[1],
                start_token: field[2],
                end_token: field[3],
                start_byte: field[4],
                end_byte: field[5],
                text,
            });
        }
        out.push((item, node, list));
    }
    out
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (paragraphs, delegations, items) = if quick {
        (100, 20, 5)
    } else {
        (1_000, 200, 20)
    };
    let runs = if quick { 3 } else { 15 };
    let scenario = penholder_scenario::Scenario::generate(
        paragraphs,
        delegations,
        items,
        0x5EED_0000 + delegations as u64,
    );
    let (version, submissions) = scenario.engine("Generated text", 42);
    let document = &version.document;
    let text_of = |node: NodeId| {
        document
            .nodes
            .iter()
            .find(|n| n.id == node)
            .map(|n| n.text.as_str())
            .unwrap_or_default()
    };
    // Every amendment with its base text, per submission.
    let amendments: Vec<Vec<(usize, NodeId, &str, &str)>> = submissions
        .iter()
        .map(|s| {
            s.items
                .iter()
                .enumerate()
                .filter_map(|(index, item)| match item {
                    Item::Amend { node, text, .. } => {
                        Some((index, *node, text_of(*node), text.as_str()))
                    }
                    _ => None,
                })
                .collect()
        })
        .collect();
    let count: usize = amendments.iter().map(Vec::len).sum();

    let (compile_ms, compilation) = best(runs, || {
        compile_with_threads(document, version.number, &submissions, Some(1))
    });
    let (diff_ms, stored) = best(runs, || {
        amendments
            .iter()
            .map(|list| {
                list.iter()
                    .map(|&(item, node, base, text)| (item, node, hunks(base, text)))
                    .collect::<Vec<Stored>>()
            })
            .collect::<Vec<_>>()
    });
    let json: Vec<Vec<u8>> = stored.iter().map(|s| to_json(s)).collect();
    let binary: Vec<Vec<u8>> = stored.iter().map(|s| to_binary(s)).collect();
    let (json_ms, decoded) = best(runs, || {
        json.iter().map(|b| from_json(b)).collect::<Vec<_>>()
    });
    assert_eq!(decoded, stored, "the JSON form reads back");
    let (binary_ms, decoded) = best(runs, || {
        binary.iter().map(|b| from_binary(b)).collect::<Vec<_>>()
    });
    assert_eq!(decoded, stored, "the binary form reads back");
    let (tokenize_ms, _) = best(runs, || {
        stored
            .iter()
            .flatten()
            .flat_map(|(_, _, list)| list)
            .map(|h| tokenize(&h.text).len())
            .sum::<usize>()
    });
    let hunk_count: usize = stored.iter().flatten().map(|(_, _, l)| l.len()).sum();
    let json_bytes: usize = json.iter().map(Vec::len).sum();
    let binary_bytes: usize = binary.iter().map(Vec::len).sum();
    println!(
        "STORED_HUNKS {}",
        serde_json::json!({
            "amendments": count,
            "hunks": hunk_count,
            "changes": compilation.changes_count(),
            "compile_one_thread_ms": compile_ms,
            "diffs_ms": diff_ms,
            "decode_json_ms": json_ms,
            "decode_binary_ms": binary_ms,
            "tokenize_hunk_texts_ms": tokenize_ms,
            "json_bytes_per_revision": json_bytes / submissions.len().max(1),
            "binary_bytes_per_revision": binary_bytes / submissions.len().max(1),
            "best_saving_json_ms": diff_ms - json_ms - tokenize_ms,
            "best_saving_binary_ms": diff_ms - binary_ms - tokenize_ms,
        })
    );
}
