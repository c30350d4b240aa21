//! Inline emphasis: bold and italic as a layer over a node's plain text.
//!
//! A node's `text` stays plain: the word diff, references, proposals, the search index and the
//! content hashes all work on it, and a delegation's amendment is plain text. Emphasis is kept
//! beside it, in `Node::marks`: a list of [`InlineMark`]s, each a half-open range of **byte**
//! offsets into the text (Rust's own string offsets, always on `char` boundaries) and a
//! [`MarkKind`]. Marks of one kind never overlap nor touch (they are merged); a bold and an
//! italic range may overlap freely. A node without marks serializes without the field, so every
//! object stored before marks existed keeps its bytes and its hash, and every stored object
//! still reads (the field defaults to empty).
//!
//! Kinds: bold and italic, what Markdown (`**x**`, `*x*`), Word (`w:b`, `w:i`) and Akoma Ntoso
//! (`b`, `i`) all carry and a negotiator relies on ("**Priority 1:**" heads, Latin terms in
//! italics). Underline, superscript and the like are not kept: Word uses underline for inserted
//! text in printed compilations (a reader would take it for a change), and footnote markers are
//! already characters of the text (`¹`).
//!
//! The rule when a text is amended: marks on kept words stay, marks on deleted words go,
//! inserted words carry none. [`splice_marks`] applies it to a list of replaced byte ranges
//! (what a consolidation splices into a paragraph); `penholder_diff::carry_marks` finds the
//! kept words between any two texts with the word diff and then calls it.

use serde::{Deserialize, Serialize};
use std::ops::Range;

/// What an inline mark does to the text it covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkKind {
    /// Strong emphasis: Markdown `**x**`, HTML `<strong>`, Word `w:b`, Akoma Ntoso `<b>`.
    Bold,
    /// Emphasis: Markdown `*x*`, HTML `<em>`, Word `w:i`, Akoma Ntoso `<i>`.
    Italic,
}

impl MarkKind {
    pub const ALL: [MarkKind; 2] = [MarkKind::Bold, MarkKind::Italic];
}

/// One range of a node's text carrying one kind of emphasis: bytes `start..end` of the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct InlineMark {
    /// Byte offset of the first byte covered.
    pub start: usize,
    /// Byte offset just past the last byte covered (`start < end`).
    pub end: usize,
    pub kind: MarkKind,
}

impl InlineMark {
    pub fn new(range: Range<usize>, kind: MarkKind) -> InlineMark {
        InlineMark {
            start: range.start,
            end: range.end,
            kind,
        }
    }

    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }
}

/// Why a list of marks does not fit its text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MarkError {
    #[error("mark {start}..{end} is empty or reversed")]
    Empty { start: usize, end: usize },
    #[error("mark {start}..{end} ends beyond the text's {len} bytes")]
    Beyond {
        start: usize,
        end: usize,
        len: usize,
    },
    #[error("mark {start}..{end} cuts a character in two (offsets are in bytes of UTF-8)")]
    InsideCharacter { start: usize, end: usize },
}

/// Checks that every mark covers at least one byte, within `text`, on character boundaries.
pub fn check_marks(text: &str, marks: &[InlineMark]) -> Result<(), MarkError> {
    for mark in marks {
        let (start, end) = (mark.start, mark.end);
        if start >= end {
            return Err(MarkError::Empty { start, end });
        }
        if end > text.len() {
            return Err(MarkError::Beyond {
                start,
                end,
                len: text.len(),
            });
        }
        if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            return Err(MarkError::InsideCharacter { start, end });
        }
    }
    Ok(())
}

/// The canonical form of a list of marks: empty ones dropped, those of one kind that overlap or
/// touch merged, sorted by start then kind. Two lists meaning the same emphasis have one form,
/// so equal trees hash alike.
pub fn normalize_marks(mut marks: Vec<InlineMark>) -> Vec<InlineMark> {
    marks.retain(|m| m.start < m.end);
    marks.sort_by_key(|m| (m.kind, m.start, m.end));
    let mut merged: Vec<InlineMark> = Vec::with_capacity(marks.len());
    for mark in marks {
        match merged.last_mut() {
            Some(last) if last.kind == mark.kind && mark.start <= last.end => {
                last.end = last.end.max(mark.end);
            }
            _ => merged.push(mark),
        }
    }
    merged.sort_by_key(|m| (m.start, m.kind, m.end));
    merged
}

/// The marks of a text after some of its byte ranges were replaced: `pieces` are
/// `(start, end, inserted_len)` in the old text, sorted and disjoint. A mark keeps the bytes
/// outside every piece (shifted to where they land), loses those inside, and inserted bytes
/// carry no mark; a mark split by a piece becomes two.
pub fn splice_marks(
    marks: &[InlineMark],
    pieces: impl IntoIterator<Item = (usize, usize, usize)>,
) -> Vec<InlineMark> {
    let pieces: Vec<(usize, usize, usize)> = pieces.into_iter().collect();
    let mut out = Vec::new();
    for mark in marks {
        // Walk the kept stretches of the old text that overlap the mark.
        let mut cursor = mark.start;
        let mut shift: isize = 0;
        for &(start, end, inserted) in &pieces {
            if end <= cursor && start < cursor {
                shift += inserted as isize - (end - start) as isize;
                continue;
            }
            if start >= mark.end {
                break;
            }
            // Kept bytes cursor..start (if any), then the piece is skipped.
            if start > cursor {
                out.push(shifted(cursor..start, shift, mark.kind));
            }
            shift += inserted as isize - (end - start) as isize;
            cursor = cursor.max(end);
            if cursor >= mark.end {
                break;
            }
        }
        if cursor < mark.end {
            out.push(shifted(cursor..mark.end, shift, mark.kind));
        }
    }
    normalize_marks(out)
}

fn shifted(range: Range<usize>, shift: isize, kind: MarkKind) -> InlineMark {
    InlineMark::new(
        (range.start as isize + shift) as usize..(range.end as isize + shift) as usize,
        kind,
    )
}

/// The marks of a text replaced wholesale when nothing finer than its unchanged beginning and
/// end is known (core's `Edit::ReplaceText`): the common prefix and suffix, cut back to
/// whitespace so that a changed word loses its mark, are kept; the middle is replaced.
pub fn carry_marks_by_affixes(old: &str, marks: &[InlineMark], new: &str) -> Vec<InlineMark> {
    if marks.is_empty() {
        return Vec::new();
    }
    if old == new {
        return marks.to_vec();
    }
    let prefix: usize = old
        .char_indices()
        .zip(new.chars())
        .take_while(|((_, a), b)| a == b)
        .map(|((_, a), _)| a.len_utf8())
        .sum();
    let max_suffix = old.len().min(new.len()) - prefix;
    let suffix: usize = old
        .chars()
        .rev()
        .zip(new.chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .scan(0usize, |total, len| {
            *total += len;
            (*total <= max_suffix).then_some(len)
        })
        .sum();
    // A word touching the change is a changed word: keep only whole words on either side.
    let is_space_before = |text: &str, at: usize| {
        at == 0
            || text[..at]
                .chars()
                .next_back()
                .is_some_and(char::is_whitespace)
    };
    let is_space_after = |text: &str, at: usize| {
        at == text.len() || text[at..].chars().next().is_some_and(char::is_whitespace)
    };
    let prefix = if is_space_before(old, prefix)
        || (is_space_after(old, prefix) && is_space_after(new, prefix))
    {
        prefix
    } else {
        old[..prefix]
            .rfind(char::is_whitespace)
            .map_or(0, |i| i + old[i..].chars().next().map_or(1, char::len_utf8))
    };
    let suffix_start = old.len() - suffix;
    let new_suffix_start = new.len() - suffix;
    let suffix_start = if is_space_after(old, suffix_start)
        || (is_space_before(old, suffix_start) && is_space_before(new, new_suffix_start))
    {
        suffix_start
    } else {
        old[suffix_start..]
            .find(char::is_whitespace)
            .map_or(old.len(), |i| suffix_start + i)
    };
    let suffix_start = suffix_start.max(prefix);
    let new_suffix_len = old.len() - suffix_start;
    let inserted = new.len() - prefix - new_suffix_len;
    splice_marks(marks, [(prefix, suffix_start, inserted)])
}

/// Which kinds of emphasis cover a stretch of text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Emphasis {
    pub bold: bool,
    pub italic: bool,
}

impl Emphasis {
    pub fn is_plain(self) -> bool {
        !self.bold && !self.italic
    }

    fn with(mut self, kind: MarkKind) -> Emphasis {
        match kind {
            MarkKind::Bold => self.bold = true,
            MarkKind::Italic => self.italic = true,
        }
        self
    }
}

/// The stretches of `range` (bytes of the text the marks belong to) cut wherever emphasis
/// changes, each with the emphasis over it; together they cover `range` exactly, in order.
/// What every renderer walks to write emphasis as its format's own formatting.
pub fn emphasis_runs(marks: &[InlineMark], range: Range<usize>) -> Vec<(Range<usize>, Emphasis)> {
    let mut cuts = vec![range.start, range.end];
    for mark in marks {
        for cut in [mark.start, mark.end] {
            if cut > range.start && cut < range.end {
                cuts.push(cut);
            }
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    cuts.windows(2)
        .map(|pair| {
            let emphasis = marks
                .iter()
                .filter(|m| m.start <= pair[0] && pair[1] <= m.end)
                .fold(Emphasis::default(), |e, m| e.with(m.kind));
            (pair[0]..pair[1], emphasis)
        })
        .collect()
}

/// Writes `text` with its emphasis as Markdown delimiters (`**bold**`, `*italic*`,
/// `***both***`), each stretch through `write_text` (the caller's escaping). Whitespace at the
/// edges of a stretch stays outside its delimiters, where CommonMark requires it; a mark that
/// starts or ends inside a word next to punctuation may then not read back (the structured
/// form checks and falls back to its exact attributes; the rendered Markdown accepts the loss).
pub fn write_markdown_emphasis(
    out: &mut String,
    text: &str,
    marks: &[InlineMark],
    write_text: &mut dyn FnMut(&mut String, &str),
) {
    for (range, emphasis) in emphasis_runs(marks, 0..text.len()) {
        let stretch = &text[range];
        let delimiter = match (emphasis.bold, emphasis.italic) {
            (false, false) => {
                write_text(out, stretch);
                continue;
            }
            (true, false) => "**",
            (false, true) => "*",
            (true, true) => "***",
        };
        let core = stretch.trim();
        if core.is_empty() {
            write_text(out, stretch);
            continue;
        }
        let lead = stretch.len() - stretch.trim_start().len();
        write_text(out, &stretch[..lead]);
        out.push_str(delimiter);
        write_text(out, core);
        out.push_str(delimiter);
        write_text(out, &stretch[lead + core.len()..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bold(range: Range<usize>) -> InlineMark {
        InlineMark::new(range, MarkKind::Bold)
    }

    fn italic(range: Range<usize>) -> InlineMark {
        InlineMark::new(range, MarkKind::Italic)
    }

    #[test]
    fn marks_of_one_kind_merge_and_the_list_is_sorted() {
        let marks = normalize_marks(vec![bold(4..6), italic(0..2), bold(0..4), bold(8..8)]);
        assert_eq!(marks, vec![bold(0..6), italic(0..2)]);
    }

    #[test]
    fn a_splice_keeps_marks_outside_the_pieces_and_shifts_them() {
        // "Priority one: act" → "Priority 1: act now"
        let marks = [bold(0..13), italic(14..17)];
        let spliced = splice_marks(&marks, [(9, 12, 1), (17, 17, 4)]);
        assert_eq!(spliced, vec![bold(0..9), bold(10..11), italic(12..15)]);
    }

    #[test]
    fn replacing_a_text_keeps_the_marks_of_its_unchanged_words() {
        let old = "Priority 1: Prevent smuggling";
        let new = "Priority 1: Prevent and fight smuggling";
        let marks = [bold(0..11), italic(20..29)];
        assert_eq!(
            carry_marks_by_affixes(old, &marks, new),
            vec![bold(0..11), italic(30..39)]
        );
        let changed_word = carry_marks_by_affixes("Priority 1:", &[bold(0..11)], "Priority 2:");
        assert_eq!(changed_word, vec![bold(0..9)]);
    }

    #[test]
    fn runs_cut_where_emphasis_changes() {
        let runs = emphasis_runs(&[bold(0..5), italic(3..8)], 0..10);
        let flags: Vec<_> = runs
            .iter()
            .map(|(r, e)| (r.clone(), e.bold, e.italic))
            .collect();
        assert_eq!(
            flags,
            vec![
                (0..3, true, false),
                (3..5, true, true),
                (5..8, false, true),
                (8..10, false, false)
            ]
        );
    }

    #[test]
    fn marks_outside_the_text_or_inside_a_character_are_refused() {
        assert!(check_marks("abc", &[bold(0..3)]).is_ok());
        assert!(matches!(
            check_marks("abc", &[bold(0..4)]),
            Err(MarkError::Beyond { .. })
        ));
        assert!(matches!(
            check_marks("é", &[bold(0..1)]),
            Err(MarkError::InsideCharacter { .. })
        ));
        assert!(matches!(
            check_marks("abc", &[bold(2..2)]),
            Err(MarkError::Empty { .. })
        ));
    }

    proptest! {
        /// Whatever is spliced, the marks that come out fit the new text, and every byte they
        /// cover is a byte that was marked (with that kind) before and kept.
        #[test]
        fn spliced_marks_cover_only_kept_marked_bytes(
            old in "[a-cé ]{0,24}",
            raw_marks in proptest::collection::vec((0usize..30, 0usize..30, any::<bool>()), 0..4),
            raw_pieces in proptest::collection::vec((0usize..30, 0usize..30, "[xy ]{0,5}"), 0..4),
        ) {
            let boundaries: Vec<usize> = (0..=old.len()).filter(|&i| old.is_char_boundary(i)).collect();
            let at = |i: usize| boundaries[i % boundaries.len()];
            let marks = normalize_marks(raw_marks.iter().map(|&(a, b, k)| {
                let (a, b) = (at(a).min(at(b)), at(a).max(at(b)));
                InlineMark::new(a..b, if k { MarkKind::Bold } else { MarkKind::Italic })
            }).collect());
            // Disjoint sorted pieces.
            let mut cuts: Vec<(usize, usize, String)> = raw_pieces.iter().map(|(a, b, t)| {
                (at(*a).min(at(*b)), at(*a).max(at(*b)), t.clone())
            }).collect();
            cuts.sort();
            let mut pieces = Vec::new();
            let mut last = 0;
            for (s, e, t) in cuts {
                if s >= last { pieces.push((s, e, t)); last = e.max(s + 1); }
            }
            let mut new = String::new();
            let mut origin: Vec<Option<usize>> = Vec::new();
            let mut cursor = 0;
            for (s, e, t) in &pieces {
                new.push_str(&old[cursor..*s]);
                origin.extend((cursor..*s).map(Some));
                new.push_str(t);
                origin.extend(t.bytes().map(|_| None));
                cursor = *e;
            }
            new.push_str(&old[cursor..]);
            origin.extend((cursor..old.len()).map(Some));
            let spliced = splice_marks(&marks, pieces.iter().map(|(s, e, t)| (*s, *e, t.len())));
            prop_assert!(check_marks(&new, &spliced).is_ok());
            for mark in &spliced {
                for byte in mark.range() {
                    let from = origin[byte];
                    prop_assert!(from.is_some(), "inserted byte {byte} marked");
                    let from = from.unwrap();
                    prop_assert!(marks.iter().any(|m| m.kind == mark.kind && m.range().contains(&from)));
                }
            }
        }
    }
}
