//! Word diffs of one text against another, as hunks of the base.
//!
//! Both texts are tokenized; their *words* (every token that is not whitespace: words,
//! punctuation, footnote markers) are interned to integers and diffed with `similar`'s Myers.
//! Whitespace never takes part in the comparison, so a text that differs from its base only in
//! spacing has no hunks. A change inside a word replaces the whole word, since words are the
//! unit of comparison.
//!
//! Every run of differences between two equal words becomes one [`Hunk`]: a range of base words
//! and the proposed words. Its byte range is the whole stretch of the base between the equal
//! words around it, and its text the proposal's stretch between the same words, both trimmed of
//! the spacing they share at either end. So the proposal's own spacing around what it changes
//! is kept (`Bosnia-Herzegovina` → `Bosnia and Herzegovina`, `gender specific` →
//! `gender-specific`), a replacement covers the replaced words only (`good` → `great`), a
//! deletion takes the space before the deleted words (` very`), and an insertion brings its own
//! (` urgently` after `act`). Applying a proposal's hunks to the base gives the
//! proposal exactly, except for spacing it changed between words it left alone.
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
    let mut interner = Interner::with_capacity(base.len() / 5 + 8);
    let base = Tokens::new(base, &mut interner);
    // A proposal mostly repeats its base: only the stretch between what they share at the
    // start and at the end is tokenized (as the compilation does).
    let proposal = Tokens::derived_in(&base, proposal, &mut interner, TokenBuffers::default());
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
    /// An interner with room for about `words` distinct words before it grows.
    pub(crate) fn with_capacity(words: usize) -> Interner<'a> {
        Interner {
            ids: FxHashMap::with_capacity_and_hasher(words, Default::default()),
        }
    }

    /// Forgets every word, keeping the memory for the next node.
    pub(crate) fn clear(&mut self) {
        self.ids.clear();
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
        Tokens::new_in(text, interner, TokenBuffers::default())
    }

    /// Gives the vectors back for reuse.
    pub(crate) fn into_buffers(self) -> TokenBuffers {
        TokenBuffers {
            starts: self.starts,
            words: self.words,
            keys: self.keys,
        }
    }

    /// [`Tokens::new`] in vectors kept from earlier texts (allocation is a good part of the cost
    /// of compiling thousands of amendments).
    pub(crate) fn new_in(
        text: &'a str,
        interner: &mut Interner<'a>,
        buffers: TokenBuffers,
    ) -> Tokens<'a> {
        let TokenBuffers {
            mut starts,
            mut words,
            mut keys,
        } = buffers;
        starts.clear();
        words.clear();
        keys.clear();
        starts.reserve(text.len() / 3 + 2);
        words.reserve(text.len() / 6 + 1);
        keys.reserve(text.len() / 6 + 1);
        append_tokens(text, 0, 0, interner, &mut starts, &mut words, &mut keys);
        starts.push(text.len());
        Tokens {
            text,
            starts,
            words,
            keys,
        }
    }

    /// The tokens of `text`, a proposal for the text of `base`, reusing `base`'s tokens for the
    /// stretches both share at the start and at the end: only the middle is tokenized and
    /// interned. Gives exactly what [`Tokens::new_in`] gives (a property test checks it).
    ///
    /// Why it is exact: the shared stretches are cut just before a run of spaces that is
    /// preceded by something else, in both texts. UAX #29 always breaks there, no rule looks
    /// across a space, and a text cut there tokenizes the same alone as in place.
    pub(crate) fn derived_in(
        base: &Tokens<'a>,
        text: &'a str,
        interner: &mut Interner<'a>,
        buffers: TokenBuffers,
    ) -> Tokens<'a> {
        let (old, new) = (base.text.as_bytes(), text.as_bytes());
        let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
        let room = old.len().min(new.len()) - prefix;
        let suffix = old
            .iter()
            .rev()
            .zip(new.iter().rev())
            .take(room)
            .take_while(|(a, b)| a == b)
            .count();
        // A cut at byte `at` of the base is safe when it starts a run of spaces and the byte
        // before it is shared too.
        let cut = |at: usize| at > 0 && old[at] == b' ' && old[at - 1] != b' ';
        let head = (1..prefix).rev().find(|&at| cut(at)).unwrap_or(0);
        let tail_floor = old.len() - suffix + 1;
        let mut tail = (tail_floor..old.len())
            .find(|&at| cut(at))
            .unwrap_or(old.len());
        let shift = new.len() as isize - old.len() as isize;
        if tail < head || (tail as isize + shift) < head as isize {
            tail = old.len();
        }
        let new_tail = (tail as isize + shift) as usize;
        let (Ok(first_middle), Ok(first_tail)) = (
            base.starts.binary_search(&head),
            base.starts.binary_search(&tail),
        ) else {
            return Tokens::new_in(text, interner, buffers);
        };
        if head == 0 && tail == old.len() {
            return Tokens::new_in(text, interner, buffers);
        }
        let TokenBuffers {
            mut starts,
            mut words,
            mut keys,
        } = buffers;
        starts.clear();
        words.clear();
        keys.clear();
        // The shared head, as it is in the base.
        starts.extend_from_slice(&base.starts[..first_middle]);
        let head_words = base.words.partition_point(|&w| (w as usize) < first_middle);
        words.extend_from_slice(&base.words[..head_words]);
        keys.extend_from_slice(&base.keys[..head_words]);
        // The middle, tokenized.
        let index = append_tokens(
            &text[head..new_tail],
            head,
            first_middle as u32,
            interner,
            &mut starts,
            &mut words,
            &mut keys,
        );
        // The shared tail, moved by the difference in length and in token count.
        let token_count = base.starts.len() - 1;
        let tail_words = base.words.partition_point(|&w| (w as usize) < first_tail);
        starts.extend(
            base.starts[first_tail..token_count]
                .iter()
                .map(|&s| (s as isize + shift) as usize),
        );
        let moved = index as i64 - first_tail as i64;
        words.extend(
            base.words[tail_words..]
                .iter()
                .map(|&w| (i64::from(w) + moved) as u32),
        );
        keys.extend_from_slice(&base.keys[tail_words..]);
        starts.push(text.len());
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

/// Tokenizes `text` (which sits at byte `offset` of its whole text, its first token being
/// token number `index`) and appends token starts, words and keys; gives the next token index.
fn append_tokens<'a>(
    text: &'a str,
    offset: usize,
    index: u32,
    interner: &mut Interner<'a>,
    starts: &mut Vec<usize>,
    words: &mut Vec<u32>,
    keys: &mut Vec<u32>,
) -> u32 {
    let mut at = offset;
    let mut index = index;
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
        // UAX #29 glues format characters (U+202E, U+200D…) to the space before them (WB4);
        // for comparison the space stays a space and the rest is a word.
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
    index
}

/// The vectors of a [`Tokens`], kept for reuse.
#[derive(Default)]
pub(crate) struct TokenBuffers {
    starts: Vec<usize>,
    words: Vec<u32>,
    keys: Vec<u32>,
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

/// Calls `gap` with every (base word range, proposal word range) that differs, in order.
fn for_each_gap(
    base: &[u32],
    proposal: &[u32],
    mut gap: impl FnMut(std::ops::Range<usize>, std::ops::Range<usize>),
) {
    if base == proposal {
        return;
    }
    // The diff reports equal runs in order; the stretches between them are the gaps.
    struct Gaps<F> {
        old: usize,
        new: usize,
        gap: F,
    }
    impl<F: FnMut(std::ops::Range<usize>, std::ops::Range<usize>)> similar::algorithms::DiffHook
        for Gaps<F>
    {
        type Error = std::convert::Infallible;
        fn equal(&mut self, old: usize, new: usize, len: usize) -> Result<(), Self::Error> {
            if old > self.old || new > self.new {
                (self.gap)(self.old..old, self.new..new);
            }
            self.old = old + len;
            self.new = new + len;
            Ok(())
        }
    }
    let mut hook = Gaps {
        old: 0,
        new: 0,
        gap: &mut gap,
    };
    let Ok(()) =
        similar::algorithms::diff_slices(similar::Algorithm::Myers, &mut hook, base, proposal);
    let (old, new) = (hook.old, hook.new);
    if old < base.len() || new < proposal.len() {
        gap(old..base.len(), new..proposal.len());
    }
}

/// The hunks of `proposal` against `base` (both tokenized with the same interner).
pub(crate) fn raw_hunks(base: &Tokens<'_>, proposal: &Tokens<'_>) -> Vec<RawHunk> {
    let mut out = Vec::new();
    raw_hunks_into(base, proposal, &mut out);
    out
}

/// [`raw_hunks`] appended to `out`.
pub(crate) fn raw_hunks_into(base: &Tokens<'_>, proposal: &Tokens<'_>, out: &mut Vec<RawHunk>) {
    for_each_gap(&base.keys, &proposal.keys, |old, new| {
        out.push(to_raw_hunk(base, proposal, old, new));
    });
}

fn to_raw_hunk(
    base: &Tokens<'_>,
    proposal: &Tokens<'_>,
    old: std::ops::Range<usize>,
    new: std::ops::Range<usize>,
) -> RawHunk {
    // The whole stretch between the equal words around the gap, in both texts: from the end of
    // the last equal word before it to the start of the first equal word after it. Taking the
    // spacing inside the stretch from the proposal is what makes `Bosnia-Herzegovina` →
    // `Bosnia and Herzegovina` come out with its spaces, and `gender specific` →
    // `gender-specific` without them.
    let gap = |tokens: &Tokens<'_>, words: &std::ops::Range<usize>| {
        let start = if words.start > 0 {
            tokens.word_end(words.start - 1)
        } else {
            0
        };
        let end = if words.end < tokens.word_count() {
            tokens.word_start(words.end)
        } else {
            tokens.text.len()
        };
        start..end
    };
    let (old_gap, new_gap) = (gap(base, &old), gap(proposal, &new));
    // Where both stretches begin (or end) with spacing, the base's spacing stays, outside the
    // hunk: a replacement covers the replaced words only (`good` → `great`) and a proposal that
    // only respaces around its change coalesces with one that does not.
    let (old_text, new_text) = (&base.text[old_gap.clone()], &proposal.text[new_gap.clone()]);
    // The end first, so that an insertion or a deletion carries the space before it
    // (` urgently` after `act`, ` very`), as a reader marks it.
    let (old_trail, new_trail) = shared_edge(old_text, new_text, Edge::End);
    let (old_text, new_text) = (
        &old_text[..old_text.len() - old_trail],
        &new_text[..new_text.len() - new_trail],
    );
    let (old_lead, new_lead) = shared_edge(old_text, new_text, Edge::Start);
    RawHunk {
        start_word: old.start,
        end_word: old.end,
        start_byte: old_gap.start + old_lead,
        end_byte: old_gap.end - old_trail,
        text: new_gap.start + new_lead..new_gap.end - new_trail,
        proposal_words: new,
    }
}

#[derive(Clone, Copy)]
enum Edge {
    Start,
    End,
}

/// The lengths of the runs of spacing at one edge of two texts, when both have one; `(0, 0)`
/// when either has none (then the spacing there is part of the change).
fn shared_edge(a: &str, b: &str, edge: Edge) -> (usize, usize) {
    let run = |text: &str| -> usize {
        match edge {
            Edge::Start => text.len() - text.trim_start().len(),
            Edge::End => text.len() - text.trim_end().len(),
        }
    };
    match (run(a), run(b)) {
        (0, _) | (_, 0) => (0, 0),
        runs => runs,
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

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        #[test]
        fn derived_tokens_equal_fresh_tokens(
            base in "([a-c ,.:']|  |é|\u{202E}|\u{301}|¹|д){0,30}",
            edits in proptest::collection::vec((0usize..40, 0usize..4, "([a-c ,.]|  |é|\u{202E}|¹){0,4}"), 0..4),
        ) {
            let mut text = base.clone();
            for (at, len, insert) in edits {
                let mut at = at.min(text.len());
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                let mut end = (at + len).min(text.len());
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                text.replace_range(at..end, &insert);
            }
            let mut interner = Interner::default();
            let base_tokens = Tokens::new(&base, &mut interner);
            let derived = Tokens::derived_in(&base_tokens, &text, &mut interner, TokenBuffers::default());
            let fresh = Tokens::new(&text, &mut interner);
            proptest::prop_assert_eq!(&derived.starts, &fresh.starts, "{:?} -> {:?}", base, text);
            proptest::prop_assert_eq!(&derived.words, &fresh.words);
            proptest::prop_assert_eq!(&derived.keys, &fresh.keys);
        }
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
