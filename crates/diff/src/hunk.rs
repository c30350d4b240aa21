//! Word diffs of one text against another, as hunks of the base.
//!
//! Both texts are tokenized; their *words* (every token that is not whitespace: words,
//! punctuation, footnote markers) are interned to integers and diffed with `similar`'s Myers.
//! Whitespace never takes part in the comparison, so a text that differs from its base only in
//! spacing has no hunks. A change inside a word replaces the whole word, since words are the
//! unit of comparison.
//!
//! Every run of differences between two equal words becomes one [`Hunk`]: a range of base words
//! and the proposed words. Byte ranges follow these rules, so that the base keeps its own
//! spacing and the result reads naturally:
//! - a replacement covers the replaced words only (`good` → `great`);
//! - a deletion also takes the space before the deleted words (` very`), or after them at the
//!   start of the text (`Very `);
//! - an insertion goes right after the previous base word, with the proposal's space before
//!   the inserted words (` urgently` after `act`), or at the start of the text with the space
//!   after them (`Act ` before `now`).
//!
//! Hunks of one proposal never touch: at least one equal base word stands between two of them.

use crate::token::{for_each_token, is_whitespace_token};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// One difference between a base text and a proposed text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Hunk {
    /// Base words `start_word..end_word` (indices among the base's non-whitespace tokens) are
    /// replaced; an empty range inserts before base word `start_word`.
    pub start_word: usize,
    pub end_word: usize,
    /// The same span as base tokens (whitespace tokens counted).
    pub start_token: usize,
    pub end_token: usize,
    /// The same span as base bytes.
    pub start_byte: usize,
    pub end_byte: usize,
    /// What the proposal puts there.
    pub text: String,
}

/// The hunks turning `base` into `proposal`, whitespace-only differences left out.
pub fn hunks(base: &str, proposal: &str) -> Vec<Hunk> {
    let mut interner = Interner::default();
    let base = Tokens::new(base, &mut interner);
    let proposal = Tokens::new(proposal, &mut interner);
    raw_hunks(&base, &proposal)
        .into_iter()
        .map(|raw| Hunk {
            start_word: raw.start_word,
            end_word: raw.end_word,
            start_token: base.token_at(raw.start_byte),
            end_token: base.token_at(raw.end_byte),
            start_byte: raw.start_byte,
            end_byte: raw.end_byte,
            text: proposal.text[raw.text.clone()].to_string(),
        })
        .collect()
}

/// Applies hunks (sorted, non-overlapping, as [`hunks`] gives them) to `base`.
pub fn apply_hunks(base: &str, hunks: &[Hunk]) -> String {
    splice(
        base,
        hunks
            .iter()
            .map(|h| (h.start_byte, h.end_byte, h.text.as_str())),
    )
}

/// Replaces byte ranges of `base` (sorted, non-overlapping; out-of-order or out-of-range
/// pieces are skipped rather than trusted).
pub(crate) fn splice<'a>(
    base: &str,
    pieces: impl IntoIterator<Item = (usize, usize, &'a str)>,
) -> String {
    let mut out = String::with_capacity(base.len() + 16);
    let mut at = 0;
    for (start, end, text) in pieces {
        if start < at || end < start || end > base.len() {
            continue;
        }
        let (Some(kept), true) = (base.get(at..start), base.is_char_boundary(end)) else {
            continue;
        };
        out.push_str(kept);
        out.push_str(text);
        at = end;
    }
    out.push_str(base.get(at..).unwrap_or_default());
    out
}

/// A fast, deterministic hasher for interning short strings (FxHash's mixing step).
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    #[inline]
    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;
pub(crate) type FxHashMap<K, V> = HashMap<K, V, FxBuild>;

/// Gives every distinct word a small integer, so diffs compare integers.
#[derive(Default)]
pub(crate) struct Interner<'a> {
    ids: FxHashMap<&'a str, u32>,
}

impl<'a> Interner<'a> {
    /// An interner sized for about `words` distinct words (saves rehashing as it fills).
    pub(crate) fn with_capacity(words: usize) -> Self {
        Interner {
            ids: FxHashMap::with_capacity_and_hasher(words, FxBuild::default()),
        }
    }

    pub(crate) fn intern(&mut self, word: &'a str) -> u32 {
        let next = self.ids.len() as u32;
        *self.ids.entry(word).or_insert(next)
    }
}

/// A tokenized text: tokens, their byte offsets, and its words (non-whitespace tokens) with
/// their interned keys.
pub(crate) struct Tokens<'a> {
    pub(crate) text: &'a str,
    /// Byte offset of every token, then `text.len()`.
    pub(crate) starts: Vec<usize>,
    /// Token index of every word.
    pub(crate) words: Vec<u32>,
    /// Interned key of every word.
    pub(crate) keys: Vec<u32>,
}

impl<'a> Tokens<'a> {
    pub(crate) fn new(text: &'a str, interner: &mut Interner<'a>) -> Tokens<'a> {
        let mut starts = Vec::with_capacity(text.len() / 3 + 2);
        let mut words = Vec::with_capacity(text.len() / 6 + 1);
        let mut keys = Vec::with_capacity(text.len() / 6 + 1);
        let mut at = 0;
        let mut index = 0u32;
        let mut push = |piece: &'a str| {
            starts.push(at);
            at += piece.len();
            // ASCII space runs are by far the most common whitespace token.
            let first = piece.as_bytes()[0];
            let blank = if first == b' ' {
                piece.bytes().all(|b| b == b' ') || is_whitespace_token(piece)
            } else if first.is_ascii_alphanumeric() {
                false
            } else {
                is_whitespace_token(piece)
            };
            if !blank {
                words.push(index);
                keys.push(interner.intern(piece));
            }
            index += 1;
        };
        for_each_token(text, &mut |token: &'a str| {
            // UAX #29 glues format characters (U+202E, U+200D…) to the space before them
            // (WB4); for comparison the space stays a space and the rest is a word.
            let first = token.as_bytes()[0];
            if token.len() > 1 && (first == b' ' || !first.is_ascii()) {
                let split = token
                    .char_indices()
                    .find(|(_, c)| !c.is_whitespace())
                    .map(|(i, _)| i)
                    .filter(|&i| i > 0);
                if let Some(split) = split {
                    push(&token[..split]);
                    push(&token[split..]);
                    return;
                }
            }
            push(token);
        });
        starts.push(at);
        Tokens {
            text,
            starts,
            words,
            keys,
        }
    }

    pub(crate) fn word_count(&self) -> usize {
        self.words.len()
    }

    /// Byte offset where word `w` starts.
    pub(crate) fn word_start(&self, w: usize) -> usize {
        self.starts[self.words[w] as usize]
    }

    /// Byte offset where word `w` ends.
    pub(crate) fn word_end(&self, w: usize) -> usize {
        self.starts[self.words[w] as usize + 1]
    }

    /// The index of the token starting at `byte` (the token count at the end of the text).
    pub(crate) fn token_at(&self, byte: usize) -> usize {
        match self.starts.binary_search(&byte) {
            Ok(index) => index.min(self.starts.len() - 1),
            Err(index) => index.saturating_sub(1),
        }
    }
}

/// A hunk before its texts are copied out: byte ranges into the base and the proposal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawHunk {
    pub(crate) start_word: usize,
    pub(crate) end_word: usize,
    pub(crate) start_byte: usize,
    pub(crate) end_byte: usize,
    /// Bytes of the proposal that replace the base bytes.
    pub(crate) text: std::ops::Range<usize>,
    /// Words of the proposal that replace the base words.
    pub(crate) proposal_words: std::ops::Range<usize>,
}

/// Collects the equal runs of a diff, which is all the hunks need.
struct EqualRuns(Vec<(usize, usize, usize)>);

impl similar::algorithms::DiffHook for EqualRuns {
    type Error = std::convert::Infallible;
    fn equal(&mut self, old: usize, new: usize, len: usize) -> Result<(), Self::Error> {
        match self.0.last_mut() {
            Some(last) if last.0 + last.2 == old && last.1 + last.2 == new => last.2 += len,
            _ => self.0.push((old, new, len)),
        }
        Ok(())
    }
}

/// Pairs of (base word range, proposal word range) that differ, in order.
pub(crate) fn word_gaps(
    base: &[u32],
    proposal: &[u32],
) -> Vec<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let mut runs = EqualRuns(Vec::new());
    if base != proposal {
        let Ok(()) =
            similar::algorithms::diff_slices(similar::Algorithm::Myers, &mut runs, base, proposal);
    } else {
        runs.0.push((0, 0, base.len()));
    }
    let mut gaps = Vec::new();
    let (mut old, mut new) = (0, 0);
    for (old_start, new_start, len) in runs.0 {
        if old_start > old || new_start > new {
            gaps.push((old..old_start, new..new_start));
        }
        old = old_start + len;
        new = new_start + len;
    }
    if old < base.len() || new < proposal.len() {
        gaps.push((old..base.len(), new..proposal.len()));
    }
    gaps
}

/// The hunks of `proposal` against `base` (both tokenized with the same interner).
pub(crate) fn raw_hunks(base: &Tokens<'_>, proposal: &Tokens<'_>) -> Vec<RawHunk> {
    word_gaps(&base.keys, &proposal.keys)
        .into_iter()
        .map(|(old, new)| to_raw_hunk(base, proposal, old, new))
        .collect()
}

fn to_raw_hunk(
    base: &Tokens<'_>,
    proposal: &Tokens<'_>,
    old: std::ops::Range<usize>,
    new: std::ops::Range<usize>,
) -> RawHunk {
    let (n, m) = (base.word_count(), proposal.word_count());
    let (start_byte, end_byte, text) = match (old.is_empty(), new.is_empty()) {
        // Replacement: the words only.
        (false, false) => (
            base.word_start(old.start),
            base.word_end(old.end - 1),
            proposal.word_start(new.start)..proposal.word_end(new.end - 1),
        ),
        // Deletion: with the space before (or, at the start, after).
        (false, true) => {
            let empty = proposal.text.len()..proposal.text.len();
            if old.start > 0 {
                (
                    base.word_end(old.start - 1),
                    base.word_end(old.end - 1),
                    empty,
                )
            } else if old.end < n {
                (base.word_start(0), base.word_start(old.end), empty)
            } else {
                (base.word_start(0), base.word_end(n - 1), empty)
            }
        }
        // Insertion: after the previous base word with the proposal's space before, or at the
        // start with the proposal's space after.
        (true, false) => {
            if old.start > 0 && new.start > 0 {
                let at = base.word_end(old.start - 1);
                (
                    at,
                    at,
                    proposal.word_end(new.start - 1)..proposal.word_end(new.end - 1),
                )
            } else if n > 0 {
                let at = base.word_start(0);
                let end = if new.end < m {
                    proposal.word_start(new.end)
                } else {
                    proposal.word_end(new.end - 1)
                };
                (at, at, proposal.word_start(new.start)..end)
            } else {
                let at = base.text.len();
                (
                    at,
                    at,
                    proposal.word_start(new.start)..proposal.word_end(new.end - 1),
                )
            }
        }
        (true, true) => (0, 0, 0..0),
    };
    RawHunk {
        start_word: old.start,
        end_word: old.end,
        start_byte,
        end_byte,
        text,
        proposal_words: new,
    }
}

/// One exact edit: bytes `old` of the old text become bytes `new` of the new text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ExactEdit {
    pub(crate) old: std::ops::Range<usize>,
    pub(crate) new: std::ops::Range<usize>,
}

/// Edits that turn `old` into `new` exactly, whitespace included: words are aligned as for
/// hunks, then every stretch between two aligned words that differs (in words or only in
/// spacing) is one edit, trimmed of the spacing both sides share. Sorted, non-overlapping.
pub(crate) fn exact_edits(old: &str, new: &str) -> Vec<ExactEdit> {
    if old == new {
        return Vec::new();
    }
    let mut interner = Interner::default();
    let old_tokens = Tokens::new(old, &mut interner);
    let new_tokens = Tokens::new(new, &mut interner);
    // Aligned word pairs, in order, as anchors; the stretches between anchors are compared.
    let mut anchors: Vec<(usize, usize)> = Vec::new();
    let mut runs = EqualRuns(Vec::new());
    let Ok(()) = similar::algorithms::diff_slices(
        similar::Algorithm::Myers,
        &mut runs,
        &old_tokens.keys,
        &new_tokens.keys,
    );
    for (o, n, len) in runs.0 {
        for i in 0..len {
            anchors.push((o + i, n + i));
        }
    }
    let mut edits = Vec::new();
    let (mut old_at, mut new_at) = (0, 0);
    let ends = anchors
        .iter()
        .map(|&(o, n)| {
            (
                (old_tokens.word_start(o), old_tokens.word_end(o)),
                (new_tokens.word_start(n), new_tokens.word_end(n)),
            )
        })
        .chain([((old.len(), old.len()), (new.len(), new.len()))]);
    for ((old_start, old_end), (new_start, new_end)) in ends {
        let (a, b) = (&old[old_at..old_start], &new[new_at..new_start]);
        if a != b {
            let lead = a
                .char_indices()
                .zip(b.chars())
                .take_while(|((_, x), y)| x == y && x.is_whitespace())
                .last()
                .map(|((i, c), _)| i + c.len_utf8())
                .unwrap_or(0);
            let (a_rest, b_rest) = (&a[lead..], &b[lead..]);
            let trail = a_rest
                .char_indices()
                .rev()
                .zip(b_rest.chars().rev())
                .take_while(|((_, x), y)| x == y && x.is_whitespace())
                .last()
                .map(|((i, _), _)| a_rest.len() - i)
                .unwrap_or(0);
            edits.push(ExactEdit {
                old: old_at + lead..old_start - trail,
                new: new_at + lead..new_start - trail,
            });
        }
        old_at = old_end;
        new_at = new_end;
    }
    edits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(base: &str, proposal: &str, expected: &[(&str, &str)]) {
        let found = hunks(base, proposal);
        let pairs: Vec<(&str, &str)> = found
            .iter()
            .map(|h| (&base[h.start_byte..h.end_byte], h.text.as_str()))
            .collect();
        assert_eq!(pairs, expected, "{base:?} -> {proposal:?}");
        assert_eq!(apply_hunks(base, &found), proposal);
    }

    #[test]
    fn replacement_deletion_insertion() {
        check("a good idea", "a great idea", &[("good", "great")]);
        check("a very good idea", "a good idea", &[(" very", "")]);
        check("Very good idea", "good idea", &[("Very ", "")]);
        check("act now", "act urgently now", &[("", " urgently")]);
        check("now", "Act now", &[("", "Act ")]);
        check("act now.", "act now, please.", &[("", ", please")]);
        check("", "New text.", &[("", "New text.")]);
        check("Old text.", "", &[("Old text.", "")]);
        check(
            "States shall cooperate on return.",
            "Participating States should cooperate fully on return and readmission.",
            &[
                ("", "Participating "),
                ("shall", "should"),
                ("", " fully"),
                ("", " and readmission"),
            ],
        );
    }

    #[test]
    fn whitespace_only_differences_are_not_hunks() {
        assert!(hunks("a good  idea", "a good idea\n").is_empty());
        assert!(hunks(" a\tb", "a b").is_empty());
    }

    #[test]
    fn a_change_inside_a_word_replaces_the_word() {
        check(
            "co-operation",
            "co-ordination",
            &[("operation", "ordination")],
        );
        check(
            "organisation",
            "organization",
            &[("organisation", "organization")],
        );
    }

    #[test]
    fn exact_edits_rebuild_the_new_text() {
        for (old, new) in [
            ("act now", "act urgently now"),
            ("a  b", "a b"),
            ("a b c", "x y z"),
            ("", "x"),
            ("x ", ""),
            ("é b", "é  c"),
        ] {
            let edits = exact_edits(old, new);
            let rebuilt = splice(
                old,
                edits
                    .iter()
                    .map(|e| (e.old.start, e.old.end, &new[e.new.clone()])),
            );
            assert_eq!(rebuilt, new, "{old:?} -> {new:?}: {edits:?}");
        }
        assert_eq!(
            exact_edits("act now", "act urgently now"),
            [ExactEdit {
                old: 4..4,
                new: 4..13
            }]
        );
    }

    #[test]
    fn token_ranges_match_byte_ranges() {
        let h = &hunks("act now", "act urgently now")[0];
        assert_eq!((h.start_token, h.end_token), (1, 1));
        let h = &hunks("a very good", "a good")[0];
        assert_eq!((h.start_token, h.end_token), (1, 3));
        assert_eq!((h.start_word, h.end_word), (1, 2));
    }
}
