//! Markdown's inline emphasis read into marks: `**x**` and `__x__` bold, `*x*` and `_x_` italic,
//! by CommonMark's rules (flanking delimiter runs, the rule of three, no emphasis inside code
//! spans or in `snake_case`), as `pulldown-cmark` applies them.
//!
//! Only the delimiters of real emphasis are taken out of the text; everything else stays as the
//! importers keep it (links, escapes, footnote markers, a literal `5 * 3`). The marks are byte
//! ranges of the text that remains (`penholder_core::marks`).

use penholder_core::{InlineMark, MarkKind, normalize_marks, splice_marks};
use pulldown_cmark::{Event, Options, Parser, Tag};

/// The text of one block without the delimiters of its emphasis, and the marks over it.
pub fn read_emphasis(source: &str) -> (String, Vec<InlineMark>) {
    if !source.contains(['*', '_']) {
        return (source.to_string(), Vec::new());
    }
    let mut delimiters: Vec<(usize, usize)> = Vec::new();
    let mut marks = Vec::new();
    for (event, range) in Parser::new_ext(source, Options::empty()).into_offset_iter() {
        let (kind, width) = match event {
            Event::Start(Tag::Strong) => (MarkKind::Bold, 2),
            Event::Start(Tag::Emphasis) => (MarkKind::Italic, 1),
            _ => continue,
        };
        let (start, end) = (range.start, range.end);
        // The event's range runs from the opening delimiter to the closing one; anything else
        // (a parser's view of a block we read otherwise) is left as text.
        if end < start + 2 * width + 1 || end > source.len() {
            continue;
        }
        let (open, close) = (&source[start..start + width], &source[end - width..end]);
        let is_delimiter = |run: &str, c: char| run.chars().all(|d| d == c);
        let delimited = ['*', '_']
            .into_iter()
            .any(|c| is_delimiter(open, c) && is_delimiter(close, c));
        if !delimited {
            continue;
        }
        delimiters.push((start, start + width));
        delimiters.push((end - width, end));
        marks.push(InlineMark::new(start + width..end - width, kind));
    }
    if delimiters.is_empty() {
        return (source.to_string(), Vec::new());
    }
    delimiters.sort_unstable();
    delimiters.dedup();
    let mut text = String::with_capacity(source.len());
    let mut cursor = 0;
    for &(start, end) in &delimiters {
        text.push_str(&source[cursor..start]);
        cursor = end;
    }
    text.push_str(&source[cursor..]);
    let marks = splice_marks(
        &normalize_marks(marks),
        delimiters.iter().map(|&(s, e)| (s, e, 0)),
    );
    (text, marks)
}

/// Writes a text and its marks as Markdown that [`read_emphasis`] reads back, with the text
/// itself verbatim; `None` when it would not read back exactly (a literal `*x*` in the text,
/// a mark inside a word): the caller then says the text another way.
pub fn write_emphasis_exactly(text: &str, marks: &[InlineMark]) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 4 * marks.len());
    penholder_core::write_markdown_emphasis(&mut out, text, marks, &mut |out, t| out.push_str(t));
    let (read_text, read_marks) = read_emphasis(&out);
    (read_text == text && read_marks == marks).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(source: &str, text: &str, marked: &[(&str, MarkKind)]) {
        let (read, marks) = read_emphasis(source);
        assert_eq!(read, text, "{source}");
        let got: Vec<(&str, MarkKind)> = marks.iter().map(|m| (&read[m.range()], m.kind)).collect();
        assert_eq!(got, marked, "{source}");
    }

    #[test]
    fn bold_and_italic_in_both_spellings() {
        use MarkKind::{Bold, Italic};
        check(
            "**Priority 1:** Prevent",
            "Priority 1: Prevent",
            &[("Priority 1:", Bold)],
        );
        check(
            "__strong__ and _weak_",
            "strong and weak",
            &[("strong", Bold), ("weak", Italic)],
        );
        check(
            "*acquis* communautaire",
            "acquis communautaire",
            &[("acquis", Italic)],
        );
        check("***both***", "both", &[("both", Bold), ("both", Italic)]);
        check(
            "**bold *and italic* inside**",
            "bold and italic inside",
            &[("bold and italic inside", Bold), ("and italic", Italic)],
        );
    }

    #[test]
    fn literal_asterisks_and_underscores_stay_text() {
        for text in [
            "5 * 3 = 15",
            "a snake_case_name",
            "an unclosed **bold",
            "`*code*` spans",
            "escaped \\*not\\* emphasis",
            "* a bullet-like start",
            "",
        ] {
            check(text, text, &[]);
        }
    }

    #[test]
    fn written_emphasis_reads_back_or_says_it_cannot() {
        let (text, marks) = read_emphasis("The **Priority 1:** heads and *acquis* terms.");
        assert_eq!(
            write_emphasis_exactly(&text, &marks).as_deref(),
            Some("The **Priority 1:** heads and *acquis* terms.")
        );
        assert_eq!(
            write_emphasis_exactly("5 * 3", &[]).as_deref(),
            Some("5 * 3")
        );
        assert_eq!(write_emphasis_exactly("a *literal* pair", &[]), None);
    }
}
