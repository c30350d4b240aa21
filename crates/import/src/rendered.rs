//! What penholder's own Markdown rendering of a version (`?format=md`,
//! `penholder_render::markdown::version`) writes, read back by the ordinary Markdown importer:
//! the reference in bold in front of every node (`**PP3**`, `**OP1.a**`, `**PG1.4**`, `**FN2**`,
//! `## **S1**`), the number the reference derives (`1.`, `(a)`, `2`) or the verbatim one, the
//! text escaped for Markdown, and a header (classification, title, subtitle) closed by a rule.
//!
//! A reference says the node's kind, and for an item or an action also its parent (`OP1.a` is
//! the first item of `OP1`), so nodes that carry one are placed by it rather than by the
//! heuristics that read people's Markdown. See `docs/markdown-format.md`, "Reading back
//! penholder's rendered Markdown".

use penholder_core::NodeKind;

/// A node's reference in bold at the start of a block: `**OP1.a** (a) text`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Prefix<'a> {
    pub reference: &'a str,
    pub kind: NodeKind,
    /// The reference of the parent an item or an action names (`OP1` for `OP1.a`).
    pub parent: Option<&'a str>,
    /// What follows the prefix and the space after it.
    pub rest: &'a str,
}

/// The prefix `**REF**` (followed by a space or nothing) at the start of `text`, where `REF` is
/// a reference penholder derives: `P`, `PP`, `OP`, `PG`, `FN`, `S` (or `A`, `I` for a top-level
/// action or item) and a number, then `.N` for an action and `.x` for an item, as deep as
/// they nest.
pub(crate) fn prefix(text: &str) -> Option<Prefix<'_>> {
    let inner = text.strip_prefix("**")?;
    let end = inner.find("**")?;
    let reference = &inner[..end];
    let after = &inner[end + 2..];
    let rest = if after.is_empty() {
        after
    } else {
        after.strip_prefix(' ')?
    };
    let mut segments = reference.split('.');
    let head = segments.next()?;
    let letters = head.bytes().take_while(u8::is_ascii_uppercase).count();
    let (name, number) = head.split_at(letters);
    if number.is_empty() || number.len() > 6 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut kind = match name {
        "P" => NodeKind::Paragraph,
        "PP" => NodeKind::Preambular,
        "OP" => NodeKind::Operative,
        "PG" => NodeKind::Goal,
        "FN" => NodeKind::Footnote,
        "S" => NodeKind::Part,
        "A" => NodeKind::Action,
        "I" => NodeKind::Item,
        _ => return None,
    };
    for segment in segments {
        kind = if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            NodeKind::Action
        } else if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_lowercase()) {
            NodeKind::Item
        } else {
            return None;
        };
    }
    let parent = reference.rfind('.').map(|dot| &reference[..dot]);
    Some(Prefix {
        reference,
        kind,
        parent,
        rest,
    })
}

/// The number the rendering shows for a node of `kind` whose reference is `reference` when the
/// node has no verbatim number (as `penholder_render`'s `Label` derives it): `3.` for `OP3`
/// and `PG1.3`, `(b)` for an item of an operative paragraph or an action, an en dash for other
/// items, `2` for `FN2`; none for the others (a goal's `Priority Goal 2` is its heading).
pub(crate) fn derived_label(kind: NodeKind, reference: &str) -> Option<String> {
    let last = reference.rsplit('.').next().unwrap_or(reference);
    let digits = |prefix: &str| {
        reference
            .strip_prefix(prefix)
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .map(str::to_string)
    };
    match kind {
        NodeKind::Operative => digits("OP").map(|n| n + "."),
        NodeKind::Footnote => digits("FN"),
        NodeKind::Action if reference.contains('.') => Some(format!("{last}.")),
        NodeKind::Item if reference.contains('.') => {
            let parent = &reference[..reference.len() - last.len() - 1];
            let under_operative = parent.starts_with("OP") && !parent.contains('.');
            let under_action = parent.starts_with("PG") && parent.matches('.').count() == 1;
            Some(if under_operative || under_action {
                format!("({last})")
            } else {
                "\u{2013}".to_string()
            })
        }
        _ => None,
    }
}

/// The heading the rendering writes above a goal when its number is derived.
pub(crate) fn goal_heading(reference: &str) -> Option<String> {
    reference
        .strip_prefix("PG")
        .map(|n| format!("Priority Goal {n}"))
}

/// Text as the rendering escaped it, literal again: a backslash before ASCII punctuation is
/// taken off, `&#32;` (a space that starts a line) is a space.
pub(crate) fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '\\'
            && let Some(next) = rest[1..].chars().next()
            && next.is_ascii_punctuation()
        {
            out.push(next);
            rest = &rest[1 + next.len_utf8()..];
        } else if let Some(after) = rest.strip_prefix("&#32;") {
            out.push(' ');
            rest = after;
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// The text of an escaped stretch of the rendering with its emphasis: the delimiters of
/// `**bold**` and `*italic*` read into marks, then the escapes taken off as [`unescape`] does,
/// the marks moved with the text.
pub(crate) fn unescape_emphasized(escaped: &str) -> (String, Vec<penholder_core::InlineMark>) {
    let (text, marks) = crate::emphasis::read_emphasis(escaped);
    if marks.is_empty() {
        return (unescape(&text), marks);
    }
    // The bytes unescaping drops or replaces, as (start, end, inserted) pieces.
    let mut pieces = Vec::new();
    let mut offset = 0;
    let mut rest = text.as_str();
    while let Some(c) = rest.chars().next() {
        if c == '\\'
            && let Some(next) = rest[1..].chars().next()
            && next.is_ascii_punctuation()
        {
            pieces.push((offset, offset + 1, 0));
            offset += 1 + next.len_utf8();
            rest = &rest[1 + next.len_utf8()..];
        } else if let Some(after) = rest.strip_prefix("&#32;") {
            pieces.push((offset, offset + 5, 1));
            offset += 5;
            rest = after;
        } else {
            offset += c.len_utf8();
            rest = &rest[c.len_utf8()..];
        }
    }
    (
        unescape(&text),
        penholder_core::splice_marks(&marks, pieces),
    )
}

/// Whether a line ends with a hard break the rendering wrote (an odd number of backslashes:
/// an even number are escaped backslashes of the text).
pub(crate) fn ends_with_hard_break(line: &str) -> bool {
    let backslashes = line.bytes().rev().take_while(|&b| b == b'\\').count();
    backslashes % 2 == 1
}

/// Where the nodes of a rendered version start and its title: the header the rendering writes
/// (a classification in bold, `# Title`, a subtitle in italics, then a line `---`), if the
/// lines from `start` are that header. Other Markdown that opens with a heading is not one.
pub(crate) fn header(lines: &[&str], start: usize) -> Option<(usize, String)> {
    /// The next line that is not blank, from `index` on, and moves `index` past it.
    fn next<'a>(lines: &[&'a str], index: &mut usize) -> Option<&'a str> {
        while *index < lines.len() && lines[*index].trim().is_empty() {
            *index += 1;
        }
        let line = lines.get(*index)?;
        *index += 1;
        Some(line.trim_end())
    }
    let mut index = start;
    let mut line = next(lines, &mut index)?;
    if line.len() > 4 && line.starts_with("**") && line.ends_with("**") && prefix(line).is_none() {
        line = next(lines, &mut index)?;
    }
    let title = unescape(line.strip_prefix("# ")?);
    line = next(lines, &mut index)?;
    if line.len() > 2 && line.starts_with('*') && line.ends_with('*') && !line.starts_with("**") {
        line = next(lines, &mut index)?;
    }
    if line.starts_with("Delegations:") {
        line = next(lines, &mut index)?;
    }
    (line == "---").then_some((index, title))
}

/// The index after which the rendering's trailer starts, if it has one: a rule, then the line
/// naming the audit head the version was published at (`Audit head 12:ab…`).
pub(crate) fn trailer(lines: &[&str]) -> Option<usize> {
    let mut non_blank = lines
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, line)| !line.trim().is_empty());
    let (_, last) = non_blank.next()?;
    let (rule, before) = non_blank.next()?;
    (last.starts_with("Audit head ") && before.trim_end() == "---").then_some(rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_name_kinds_and_parents() {
        let p = prefix("**OP1.a** (a) text").unwrap();
        assert_eq!(
            (p.reference, p.kind, p.parent, p.rest),
            ("OP1.a", NodeKind::Item, Some("OP1"), "(a) text")
        );
        assert_eq!(prefix("**PG1.4**").unwrap().kind, NodeKind::Action);
        assert_eq!(prefix("**PG1.4.c** x").unwrap().parent, Some("PG1.4"));
        assert_eq!(prefix("**FN2** 2 note").unwrap().kind, NodeKind::Footnote);
        assert_eq!(prefix("**S3** Title").unwrap().kind, NodeKind::Part);
        for not_one in [
            "**LIMITE**",
            "**OP**",
            "**OP1**text",
            "**Priority 1:** x",
            "**X1** y",
            "**OP1.A** z",
            "**OP1.** z",
        ] {
            assert_eq!(prefix(not_one), None, "{not_one}");
        }
    }

    #[test]
    fn labels_unescaping_and_headers() {
        assert_eq!(
            derived_label(NodeKind::Operative, "OP3").as_deref(),
            Some("3.")
        );
        assert_eq!(
            derived_label(NodeKind::Item, "PG1.4.c").as_deref(),
            Some("(c)")
        );
        assert_eq!(
            derived_label(NodeKind::Item, "P2.a").as_deref(),
            Some("\u{2013}")
        );
        assert_eq!(derived_label(NodeKind::Preambular, "PP2"), None);
        assert_eq!(unescape("1\\. a \\*b\\* &#32;c \\é"), "1. a *b*  c \\é");
        assert!(ends_with_hard_break("a\\") && !ends_with_hard_break("a\\\\"));
        let lines = [
            "**LIMITE**",
            "",
            "# T \\*",
            "",
            "*Version 1*",
            "",
            "---",
            "",
            "x",
        ];
        assert_eq!(header(&lines, 0), Some((7, "T *".to_string())));
        assert_eq!(header(&["# T", "text"], 0), None);
        assert_eq!(
            trailer(&["x", "", "---", "", "Audit head 3:ab", ""]),
            Some(2)
        );
    }
}
