//! The merge of two delegations' amendments checked against a reference implementation: real
//! `git merge-file`, with one word per line.
//!
//! For every case, base/ours/theirs are written one word (non-whitespace token) per line and
//! merged with `git merge-file -p`. Where git merges cleanly, penholder's merged text must have
//! exactly git's words and no contested change; where git reports a conflict, penholder must
//! report a contested change. Both use the same rule for touching changes (a conflict unless an
//! unchanged line/word stands between them), so the only intended differences come from the
//! word alignment itself: when a text repeats words, two equally short diffs can place an
//! insertion or deletion differently (`similar`'s Myers and git's xdiff break such ties
//! differently), and a change can then touch the other side's change in one diff and not in the
//! other. Every difference is classified by also asking `git diff` for each side's alignment;
//! they are listed and counted below, and any difference with the same alignment on both sides
//! fails the test.
//!
//! Cases: 600 generated (small vocabulary, so that repeats and clashes are common) plus every
//! pair of amendments to one paragraph in `fixtures/merge/`.

mod common;

use common::*;
use penholder_diff::*;
use std::path::Path;
use std::process::Command;

const VOCABULARY: &[&str] = &[
    "we",
    "will",
    "strengthen",
    "cooperation",
    "on",
    "return",
    "and",
    "readmission",
    "States",
    "shall",
    "migration",
    "legal",
    "pathways",
    ",",
    ".",
    "the",
];

/// xorshift64*: a small deterministic generator, so the cases are the same on every run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn word(&mut self) -> String {
        VOCABULARY[self.below(VOCABULARY.len())].to_string()
    }
}

fn amended(base: &[String], random: &mut Random) -> Vec<String> {
    let mut words = base.to_vec();
    for _ in 0..1 + random.below(3) {
        let at = random.below(words.len() + 1);
        let len = 1 + random.below(2);
        match random.below(3) {
            0 => {
                let new: Vec<String> = (0..1 + random.below(2)).map(|_| random.word()).collect();
                let end = (at + len).min(words.len());
                words.splice(at..end, new);
            }
            1 => {
                let new: Vec<String> = (0..1 + random.below(2)).map(|_| random.word()).collect();
                words.splice(at..at, new);
            }
            _ => {
                let end = (at + len).min(words.len());
                words.drain(at..end);
            }
        }
    }
    words
}

fn words_of(text: &str) -> Vec<String> {
    tokenize(text)
        .into_iter()
        .filter(|t| !t.trim().is_empty())
        .map(str::to_string)
        .collect()
}

fn lines(words: &[String]) -> String {
    words.iter().map(|w| format!("{w}\n")).collect()
}

struct Git {
    merged: Vec<String>,
    conflicts: bool,
}

fn git_merge(dir: &Path, base: &[String], ours: &[String], theirs: &[String]) -> Git {
    std::fs::write(dir.join("base"), lines(base)).unwrap();
    std::fs::write(dir.join("ours"), lines(ours)).unwrap();
    std::fs::write(dir.join("theirs"), lines(theirs)).unwrap();
    let output = Command::new("git")
        .args(["merge-file", "-p", "ours", "base", "theirs"])
        .current_dir(dir)
        .output()
        .expect("git is installed");
    let code = output.status.code().expect("git exits normally");
    assert!(code >= 0, "git merge-file failed: {output:?}");
    Git {
        merged: String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect(),
        conflicts: code > 0,
    }
}

/// git's alignment of one side: the (old, new) line ranges of `git diff -U0`, 0-based.
fn git_alignment(dir: &Path, side: &str) -> Vec<(usize, usize, usize, usize)> {
    let output = Command::new("git")
        .args([
            "diff",
            "--no-index",
            "--no-indent-heuristic",
            "-U0",
            "base",
            side,
        ])
        .current_dir(dir)
        .output()
        .expect("git is installed");
    let range = |text: &str| -> (usize, usize) {
        let mut parts = text.split(',');
        let start: usize = parts.next().unwrap().parse().unwrap();
        let count: usize = parts.next().map(|c| c.parse().unwrap()).unwrap_or(1);
        if count == 0 {
            (start, start)
        } else {
            (start - 1, start - 1 + count)
        }
    };
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| line.strip_prefix("@@ -"))
        .map(|rest| {
            let mut fields = rest.split(' ');
            let old = range(fields.next().unwrap());
            let new = range(fields.next().unwrap().trim_start_matches('+'));
            (old.0, old.1, new.0, new.1)
        })
        .collect()
}

/// penholder's alignment of one side, in the same terms.
fn our_alignment(base: &str, side: &str) -> Vec<(usize, usize)> {
    hunks(base, side)
        .iter()
        .map(|h| (h.start_word, h.end_word))
        .collect()
}

#[derive(Debug, Default)]
struct Tally {
    cases: usize,
    git_clean: usize,
    git_conflicts: usize,
    agree: usize,
    /// Intended: git merged cleanly, penholder contested, and the two diffs align a side
    /// differently (an equally short diff placing a change elsewhere among repeated words).
    contested_by_alignment: Vec<String>,
    /// Intended: git reported a conflict, penholder merged cleanly, alignment differs.
    merged_by_alignment: Vec<String>,
    /// Intended: both clean, different merged words, alignment differs.
    text_by_alignment: Vec<String>,
    /// Not intended: any difference with the same alignment on both sides.
    unexplained: Vec<String>,
}

fn check(dir: &Path, base: &[String], ours: &[String], theirs: &[String], tally: &mut Tally) {
    tally.cases += 1;
    let (base_text, ours_text, theirs_text) = (base.join(" "), ours.join(" "), theirs.join(" "));
    let (version, keys) = version(&[base_text.as_str()]);
    let compilation = compile(
        &version,
        &[
            submission("OURS", vec![amend(keys[0], &ours_text)]),
            submission("THEIRS", vec![amend(keys[0], &theirs_text)]),
        ],
    );
    let contested = compilation.contested_count() > 0;
    let merged = words_of(
        compilation.nodes[0]
            .merged_text
            .as_deref()
            .unwrap_or_default(),
    );
    let git = git_merge(dir, base, ours, theirs);
    if git.conflicts {
        tally.git_conflicts += 1;
    } else {
        tally.git_clean += 1;
    }
    let agree = if git.conflicts {
        contested
    } else {
        !contested && merged == git.merged
    };
    if agree {
        tally.agree += 1;
        return;
    }
    let same_alignment = ["ours", "theirs"]
        .iter()
        .zip([&ours_text, &theirs_text])
        .all(|(side, text)| {
            let git_side: Vec<(usize, usize)> = git_alignment(dir, side)
                .iter()
                .map(|&(a, b, _, _)| (a, b))
                .collect();
            git_side == our_alignment(&base_text, text)
        });
    let case = format!("base {base_text:?} | ours {ours_text:?} | theirs {theirs_text:?}");
    if same_alignment {
        tally.unexplained.push(case);
    } else if git.conflicts {
        tally.merged_by_alignment.push(case);
    } else if contested {
        tally.contested_by_alignment.push(case);
    } else {
        tally.text_by_alignment.push(case);
    }
}

#[test]
fn two_delegations_merge_like_git_merge_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut random = Random(0x9E37_79B9_7F4A_7C15);
    let mut tally = Tally::default();
    for _ in 0..600 {
        let base: Vec<String> = (0..4 + random.below(11)).map(|_| random.word()).collect();
        let ours = amended(&base, &mut random);
        let theirs = amended(&base, &mut random);
        check(dir.path(), &base, &ours, &theirs, &mut tally);
    }
    // Every pair of amendments to one paragraph in the merge fixtures.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/merge");
    let mut fixture_cases = 0;
    for case in common::merge_cases(&fixtures) {
        for (base, amendments) in case.amendments_by_paragraph() {
            for (i, ours) in amendments.iter().enumerate() {
                for theirs in &amendments[i + 1..] {
                    fixture_cases += 1;
                    check(
                        dir.path(),
                        &words_of(&base),
                        &words_of(ours),
                        &words_of(theirs),
                        &mut tally,
                    );
                }
            }
        }
    }
    println!("{tally:#?}");
    assert!(fixture_cases > 0, "the fixtures were read");
    assert!(
        tally.unexplained.is_empty(),
        "differences from git with the same alignment: {:#?}",
        tally.unexplained
    );
    assert!(
        tally.git_clean > 100 && tally.git_conflicts > 100,
        "{tally:?}"
    );
    // The intended differences, counted: alignment ties broken differently.
    let intended = tally.contested_by_alignment.len()
        + tally.merged_by_alignment.len()
        + tally.text_by_alignment.len();
    assert_eq!(tally.agree + intended, tally.cases);
    // Pinned, so that a change of diff algorithm or of the grouping rule shows up here: of 613
    // cases, 2 that git merges penholder contests and 3 that git conflicts penholder merges,
    // all five because a repeated word (`, , ,`, `return return`, `States States`, `. … .`)
    // lets the two diffs place a change differently.
    assert_eq!(
        (
            tally.cases,
            tally.agree,
            tally.contested_by_alignment.len(),
            tally.merged_by_alignment.len(),
            tally.text_by_alignment.len(),
        ),
        (613, 608, 2, 3, 0),
        "{tally:#?}"
    );
    assert!(intended * 10 <= tally.cases);
}
