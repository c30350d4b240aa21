//! Emphasis carried through an amendment: marks on kept words stay, marks on deleted words go,
//! inserted words carry none (the rule of `penholder_core::marks`).
//!
//! The kept words are found with the same lossless tokens as the word diff, whitespace tokens
//! included (unlike [`crate::hunks`], which ignores spacing: here every byte must be placed),
//! diffed with `similar`'s Myers; what is not equal is a replaced piece for
//! [`penholder_core::splice_marks`]. Pieces are whole tokens on both sides, so a mark whose
//! ends stand on word boundaries still does afterwards.

use crate::token::tokenize;
use penholder_core::{InlineMark, splice_marks};
use similar::{Algorithm, DiffOp, capture_diff_slices};

/// The marks of `new`, a text made from `old` (whose marks are `marks`), by the rule above.
pub fn carry_marks(old: &str, marks: &[InlineMark], new: &str) -> Vec<InlineMark> {
    if marks.is_empty() {
        return Vec::new();
    }
    if old == new {
        return marks.to_vec();
    }
    let old_tokens = tokenize(old);
    let new_tokens = tokenize(new);
    let offsets = |tokens: &[&str]| {
        let mut at = Vec::with_capacity(tokens.len() + 1);
        let mut total = 0;
        at.push(0);
        for token in tokens {
            total += token.len();
            at.push(total);
        }
        at
    };
    let (old_at, new_at) = (offsets(&old_tokens), offsets(&new_tokens));
    let pieces = capture_diff_slices(Algorithm::Myers, &old_tokens, &new_tokens)
        .into_iter()
        .filter_map(|op| {
            let (old_range, new_range) = match op {
                DiffOp::Equal { .. } => return None,
                DiffOp::Delete {
                    old_index,
                    old_len,
                    new_index,
                } => (old_index..old_index + old_len, new_index..new_index),
                DiffOp::Insert {
                    old_index,
                    new_index,
                    new_len,
                } => (old_index..old_index, new_index..new_index + new_len),
                DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => (
                    old_index..old_index + old_len,
                    new_index..new_index + new_len,
                ),
            };
            Some((
                old_at[old_range.start],
                old_at[old_range.end],
                new_at[new_range.end] - new_at[new_range.start],
            ))
        });
    splice_marks(marks, pieces)
}

#[cfg(test)]
mod tests {
    use super::*;
    use penholder_core::{MarkKind, check_marks, normalize_marks};
    use proptest::prelude::*;

    fn marked<'a>(text: &'a str, marks: &[InlineMark]) -> Vec<&'a str> {
        marks.iter().map(|m| &text[m.range()]).collect()
    }

    #[test]
    fn kept_words_keep_their_marks_deleted_ones_lose_them_inserted_ones_have_none() {
        let old = "Priority 1: Prevent and fight smuggling";
        let marks = [
            InlineMark::new(0..11, MarkKind::Bold),
            InlineMark::new(20..29, MarkKind::Italic),
        ];
        let new = "Priority 1: Prevent, combat and fight human smuggling";
        let carried = carry_marks(old, &marks, new);
        assert_eq!(marked(new, &carried), vec!["Priority 1:", "and fight"]);
        let deleted = carry_marks(old, &marks, "Priority: Prevent smuggling");
        assert_eq!(
            marked("Priority: Prevent smuggling", &deleted),
            vec!["Priority:"]
        );
    }

    /// Distinct words in any order (a repeated word would make "which one was kept"
    /// ambiguous); `Zq…` words are never among them, so what an edit inserts can be told apart.
    fn words() -> impl Strategy<Value = Vec<String>> {
        let pool = vec![
            "the", "States", "shall", "act", ";", ",", "é", "1", "Priority", "(a)", "übrig", "and",
            "fight",
        ];
        prop::sample::subsequence(pool, 1..13)
            .prop_shuffle()
            .prop_map(|w| w.into_iter().map(str::to_string).collect())
    }

    /// Which kinds cover byte `at`.
    fn kinds_at(marks: &[InlineMark], at: usize) -> Vec<MarkKind> {
        let mut kinds: Vec<MarkKind> = marks
            .iter()
            .filter(|m| m.range().contains(&at))
            .map(|m| m.kind)
            .collect();
        kinds.sort();
        kinds
    }

    fn token_boundaries(text: &str) -> Vec<usize> {
        let mut at = vec![0];
        let mut total = 0;
        for token in tokenize(text) {
            total += token.len();
            at.push(total);
        }
        at
    }

    proptest! {
        /// After any chain of edits (a range of words replaced by new ones), the marks stay
        /// within the text, on its word boundaries; the text before and after an edit keeps
        /// exactly its marks; what an edit inserts is never marked; marks never grow.
        #[test]
        fn marks_stay_on_kept_words_through_a_chain_of_edits(
            start in words(),
            raw_marks in prop::collection::vec((0usize..40, 0usize..40, any::<bool>()), 0..5),
            edits in prop::collection::vec((0usize..40, 0usize..40, 0usize..3), 1..6),
        ) {
            let mut text = start.join(" ");
            let bounds = token_boundaries(&text);
            let at = |i: usize| bounds[i % bounds.len()];
            let mut marks = normalize_marks(raw_marks.iter().map(|&(a, b, bold)| {
                let kind = if bold { MarkKind::Bold } else { MarkKind::Italic };
                InlineMark::new(at(a).min(at(b))..at(a).max(at(b)), kind)
            }).collect());
            for (step, &(a, b, inserted)) in edits.iter().enumerate() {
                let bounds = token_boundaries(&text);
                let pick = |i: usize| bounds[i % bounds.len()];
                let (from, to) = (pick(a).min(pick(b)), pick(a).max(pick(b)));
                let insertion: String = (0..inserted).map(|i| format!(" Zq{step}{i} ")).collect();
                let new = format!("{}{}{}", &text[..from], insertion, &text[to..]);
                let carried = carry_marks(&text, &marks, &new);
                prop_assert!(check_marks(&new, &carried).is_ok());
                let new_bounds = token_boundaries(&new);
                for mark in &carried {
                    prop_assert!(new_bounds.contains(&mark.start) && new_bounds.contains(&mark.end),
                        "{mark:?} off the word boundaries of {new:?}");
                    prop_assert!(!new[mark.range()].contains("Zq"), "inserted text marked: {new:?} {mark:?}");
                }
                let size = |marks: &[InlineMark]| marks.iter().map(|m| m.end - m.start).sum::<usize>();
                prop_assert!(size(&carried) <= size(&marks));
                // Every byte of a word before and after the edit that is still that word keeps
                // exactly its emphasis (spaces may be matched either side of an edit, so they
                // are not compared; a word the edit joined to another is a changed word).
                let delta = new.len() as isize - text.len() as isize;
                let old_bounds = token_boundaries(&text);
                for (at, byte) in text.bytes().enumerate() {
                    if byte == b' ' || (from..to).contains(&at) {
                        continue;
                    }
                    let shift = |p: usize| if at < from { p } else { (p as isize + delta) as usize };
                    let token_end = old_bounds.iter().position(|&b| b > at).unwrap();
                    let (start, end) = (shift(old_bounds[token_end - 1]), shift(old_bounds[token_end]));
                    let intact = new_bounds.contains(&start)
                        && new_bounds.contains(&end)
                        && !new_bounds.iter().any(|&b| b > start && b < end);
                    if !intact {
                        continue;
                    }
                    let moved = shift(at);
                    prop_assert_eq!(kinds_at(&carried, moved), kinds_at(&marks, at),
                        "byte {} of {:?} → {:?}", at, text, new);
                }
                text = new;
                marks = carried;
            }
        }
    }
}
