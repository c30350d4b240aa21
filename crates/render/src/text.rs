//! Text helpers shared by the renderers: escaping for XML/HTML and Markdown, characters a
//! format cannot carry, footnote markers.

use penholder_core::{InlineMark, emphasis_runs};
use std::fmt::Write as _;
use std::ops::Range;

/// Whether XML 1.0 allows the character at all (tab, newline and carriage return are the only
/// control characters it allows; U+FFFE and U+FFFF are excluded).
pub(crate) fn xml_allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

/// The text with every character XML cannot carry replaced by U+FFFD, so the reader shows
/// that something was there instead of refusing the file.
pub(crate) fn xml_text(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().all(xml_allowed) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(
            text.chars()
                .map(|c| if xml_allowed(c) { c } else { '\u{FFFD}' })
                .collect(),
        )
    }
}

/// Appends `text` escaped for XML and HTML element content and attribute values (quotes
/// included), with characters XML cannot carry replaced.
pub(crate) fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if xml_allowed(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
}

pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    escape_into(&mut out, text);
    out
}

/// Appends `text` so that Markdown (CommonMark, with CriticMarkup) shows it literally:
/// punctuation that could start markup is backslash-escaped (`{`, `}`, `<` and `>` are enough
/// to break every CriticMarkup delimiter), line breaks become hard breaks, and no line may
/// start a block (heading, list, quote). `line_start`: whether `text` begins a line.
pub(crate) fn markdown_escape_into(out: &mut String, text: &str, line_start: bool) {
    let mut line_start = line_start;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\r' => {}
            '\n' => {
                // A backslash at the end of a line is a hard line break in CommonMark.
                out.push_str("\\\n");
                line_start = true;
                continue;
            }
            '+' | '-' if line_start => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii_digit() && line_start => {
                // `1.` or `1)` at the start of a line would open an ordered list.
                out.push(c);
                while let Some(&d) = chars.peek() {
                    if d.is_ascii_digit() {
                        out.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if let Some(&next) = chars.peek()
                    && (next == '.' || next == ')')
                {
                    out.push('\\');
                    out.push(next);
                    chars.next();
                }
            }
            ' ' if line_start => out.push_str("&#32;"),
            c if !xml_allowed(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
        line_start = false;
    }
}

/// [`markdown_escape_into`] for a text that begins a line.
#[cfg(test)]
pub(crate) fn markdown_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    markdown_escape_into(&mut out, text, true);
    out
}

/// Superscript digits used as footnote markers (`¹`, `²³`).
pub(crate) fn is_superscript_digit(c: char) -> bool {
    matches!(
        c,
        '\u{00B9}' | '\u{00B2}' | '\u{00B3}' | '\u{2070}' | '\u{2074}'..='\u{2079}'
    )
}

/// The byte ranges of the footnote markers in `text`: maximal runs of superscript digits.
pub(crate) fn marker_ranges(text: &str) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut start: Option<usize> = None;
    for (index, c) in text.char_indices() {
        match (is_superscript_digit(c), start) {
            (true, None) => start = Some(index),
            (false, Some(begin)) => {
                ranges.push(begin..index);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(begin) = start {
        ranges.push(begin..text.len());
    }
    ranges
}

/// The first word of a text and the rest (`Recognising` / ` the unique role`), split after
/// the leading letters so that the first word can be set in italics.
pub(crate) fn first_word(text: &str) -> (&str, &str) {
    let start = text.len() - text.trim_start().len();
    let end = text[start..]
        .char_indices()
        .find(|&(_, c)| !c.is_alphabetic() && c != '-' && c != '\'' && c != '’')
        .map_or(text.len(), |(i, _)| start + i);
    text.split_at(end)
}

/// Appends `text[range]` escaped for XML/HTML, its emphasis (`marks`, byte ranges of the whole
/// `text`) as elements: `bold` around bold stretches, `italic` inside it (`<strong>`/`<em>` in
/// HTML, `<b>`/`<i>` in Akoma Ntoso). Each stretch opens and closes its own elements, so the
/// output nests correctly whatever the marks overlap.
pub(crate) fn xml_emphasis_into(
    out: &mut String,
    text: &str,
    marks: &[InlineMark],
    range: Range<usize>,
    bold: &str,
    italic: &str,
) {
    if marks.is_empty() {
        escape_into(out, &text[range]);
        return;
    }
    for (stretch, emphasis) in emphasis_runs(marks, range) {
        if emphasis.bold {
            let _ = write!(out, "<{bold}>");
        }
        if emphasis.italic {
            let _ = write!(out, "<{italic}>");
        }
        escape_into(out, &text[stretch]);
        if emphasis.italic {
            let _ = write!(out, "</{italic}>");
        }
        if emphasis.bold {
            let _ = write!(out, "</{bold}>");
        }
    }
}

/// The marks that fall in `range` of a text, as byte ranges of `text[range]`.
pub(crate) fn local_marks(marks: &[InlineMark], range: Range<usize>) -> Vec<InlineMark> {
    marks
        .iter()
        .filter(|m| m.start < range.end && m.end > range.start)
        .map(|m| {
            InlineMark::new(
                m.start.max(range.start) - range.start..m.end.min(range.end) - range.start,
                m.kind,
            )
        })
        .collect()
}

/// Appends `text[range]` as Markdown shows it literally ([`markdown_escape_into`]), its
/// emphasis as `**bold**` and `*italic*` (`penholder_core::write_markdown_emphasis`).
/// `line_start`: whether the range begins a line.
pub(crate) fn markdown_emphasis_into(
    out: &mut String,
    text: &str,
    marks: &[InlineMark],
    range: Range<usize>,
    line_start: bool,
) {
    let stretch = &text[range.clone()];
    let local = local_marks(marks, range);
    if local.is_empty() {
        markdown_escape_into(out, stretch, line_start);
        return;
    }
    let mut first = line_start;
    penholder_core::write_markdown_emphasis(out, stretch, &local, &mut |out, piece| {
        markdown_escape_into(out, piece, first);
        first = first && piece.is_empty();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emphasis_becomes_elements_and_markdown_delimiters() {
        use penholder_core::MarkKind::{Bold, Italic};
        let text = "Priority 1: <act> now";
        let marks = [InlineMark::new(0..11, Bold), InlineMark::new(9..17, Italic)];
        let mut html = String::new();
        xml_emphasis_into(&mut html, text, &marks, 0..text.len(), "strong", "em");
        assert_eq!(
            html,
            "<strong>Priority </strong><strong><em>1:</em></strong><em> &lt;act&gt;</em> now"
        );
        let mut md = String::new();
        markdown_emphasis_into(&mut md, text, &marks[..1], 0..text.len(), true);
        assert_eq!(md, "**Priority 1:** \\<act\\> now");
        let mut part = String::new();
        xml_emphasis_into(&mut part, text, &marks[..1], 9..15, "b", "i");
        assert_eq!(part, "<b>1:</b> &lt;ac");
    }

    #[test]
    fn xml_escaping_replaces_what_xml_cannot_carry() {
        assert_eq!(
            escape("a<b>&\"c\" 'd'\u{1}\u{FFFF}\t"),
            "a&lt;b&gt;&amp;&quot;c&quot; &#39;d&#39;\u{FFFD}\u{FFFD}\t"
        );
        assert_eq!(xml_text("ok"), "ok");
        assert_eq!(xml_text("a\u{0}b"), "a\u{FFFD}b");
    }

    #[test]
    fn markdown_escaping_keeps_text_literal() {
        assert_eq!(markdown_escape("{++x++} *y*"), "\\{++x++\\} \\*y\\*");
        assert_eq!(markdown_escape("# not a heading"), "\\# not a heading");
        assert_eq!(markdown_escape("1. not a list"), "1\\. not a list");
        assert_eq!(markdown_escape("- no\n2) no"), "\\- no\\\n2\\) no");
        assert_eq!(markdown_escape("a - b 1. c"), "a - b 1. c");
        assert_eq!(markdown_escape("<script>"), "\\<script\\>");
        assert_eq!(markdown_escape("  indented"), "&#32; indented");
    }

    #[test]
    fn footnote_markers_and_first_words() {
        let text = "Uzbekistan¹; Compact² and³⁴.";
        let markers: Vec<&str> = marker_ranges(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(markers, ["¹", "²", "³⁴"]);
        assert_eq!(marker_ranges("none"), Vec::<Range<usize>>::new());
        assert_eq!(
            first_word("Recognising the role"),
            ("Recognising", " the role")
        );
        assert_eq!(first_word("  Well-being, too"), ("  Well-being", ", too"));
        assert_eq!(first_word(""), ("", ""));
    }
}
