//! The structured-Markdown form of a document: Markdown a chair can read and hand-edit, with one
//! HTML comment per node carrying its kind, depth, verbatim number and id (see
//! `docs/markdown-format.md`). Markdown viewers hide the comments and show clean text.
//!
//! ```text
//! <!-- penholder document format=1 -->
//! # The Budapest Process Ministerial Declaration
//!
//! <!-- penholder operative ref=OP1 id=0190… -->
//! Adopt the attached Action Plan …:
//!
//! <!-- penholder item level=1 ref=OP1.a id=0190… -->
//! - **Priority 1:** Prevent and fight …
//! ```
//!
//! Export then import gives back the same document, ids and all, for every document: a text that
//! the readable body cannot carry exactly (leading spaces, a line that looks like a marker, a
//! heading over two lines…) is written JSON-escaped in the marker's `text` attribute instead.

use crate::ImportError;
use crate::draft::Draft;
use penholder_core::{
    Document, ExternalId, IdSource, InlineMark, MarkKind, Node, NodeId, NodeKind, References,
};
use std::collections::HashMap;
use std::fmt::Write as _;

/// The version of the form written in the header; import accepts this one only.
pub const FORMAT_VERSION: u32 = 1;

const MARKER_WORD: &str = "penholder";

/// Writes a document in the structured-Markdown form.
pub fn export(document: &Document) -> String {
    let references = References::of(document);
    let mut out = String::new();
    out.push_str("<!-- penholder document format=1");
    let title_line = if document.title.is_empty() {
        "#".to_string()
    } else {
        format!("# {}", document.title)
    };
    let title_is_plain = document.title.trim() == document.title
        && !document.title.contains(['\n', '\r'])
        && !is_marker_line(&title_line)
        && parse_title_line(&title_line) == Some(document.title.as_str());
    if title_is_plain {
        out.push_str(" -->\n");
        out.push_str(&title_line);
        out.push('\n');
    } else {
        let _ = writeln!(out, " title={} -->", quote(&document.title));
    }
    fn go(nodes: &[Node], level: usize, references: &References, out: &mut String) {
        let mut actions = 0usize;
        for node in nodes {
            if node.kind == NodeKind::Action {
                actions += 1;
            }
            out.push('\n');
            write_node(node, level, actions, references, out);
            go(&node.children, level + 1, references, out);
        }
    }
    go(&document.nodes, 0, &references, &mut out);
    out
}

fn write_node(
    node: &Node,
    level: usize,
    action_number: usize,
    refs: &References,
    out: &mut String,
) {
    let _ = write!(out, "<!-- {MARKER_WORD} {}", node.kind);
    if level > 0 {
        let _ = write!(out, " level={level}");
    }
    if let Some(num) = &node.num {
        let _ = write!(out, " num={}", quote(num));
    }
    if let Some(reference) = refs.reference(node.id) {
        let _ = write!(out, " ref={reference}");
    }
    let _ = write!(out, " id={}", node.id);
    // The identifiers of the document the node was imported from (Akoma Ntoso), when it was.
    if let Some(external) = &node.external_id {
        if let Some(e_id) = &external.e_id {
            let _ = write!(out, " eId={}", quote(e_id));
        }
        if let Some(w_id) = &external.w_id {
            let _ = write!(out, " wId={}", quote(w_id));
        }
    }
    // The text with its emphasis as Markdown (`**Priority 1:**`), if that reads back exactly.
    let inline = crate::emphasis::write_emphasis_exactly(&node.text, &node.marks);
    let body = render_body(
        node.kind,
        node.num.as_deref(),
        inline.as_deref().unwrap_or(&node.text),
        level,
        action_number,
    );
    let plain = inline.as_ref().is_some_and(|inline| {
        !node.text.contains('\r')
            && !node.num.as_deref().unwrap_or("").contains('\r')
            && body_lines(&body)
                .is_some_and(|lines| parse_body(node.kind, node.num.as_deref(), &lines) == *inline)
    });
    if plain {
        out.push_str(" -->\n");
        if !body.is_empty() {
            out.push_str(&body);
            out.push('\n');
        }
    } else {
        let _ = write!(out, " text={}", quote(&node.text));
        if !node.marks.is_empty() {
            let _ = write!(out, " marks={}", write_marks(&node.marks));
        }
        out.push_str(" -->\n");
    }
}

/// Marks as the `marks` attribute writes them: `b0-11,i20-29` (kind, then the byte range of
/// the `text` attribute's text), for a text whose emphasis the body cannot carry.
fn write_marks(marks: &[InlineMark]) -> String {
    marks
        .iter()
        .map(|mark| {
            let kind = match mark.kind {
                MarkKind::Bold => 'b',
                MarkKind::Italic => 'i',
            };
            format!("{kind}{}-{}", mark.start, mark.end)
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The inverse of [`write_marks`]; `None` if `value` is not such a list.
fn parse_marks(value: &str) -> Option<Vec<InlineMark>> {
    value
        .split(',')
        .map(|mark| {
            let kind = match mark.chars().next()? {
                'b' => MarkKind::Bold,
                'i' => MarkKind::Italic,
                _ => return None,
            };
            let (start, end) = mark[1..].split_once('-')?;
            Some(InlineMark::new(
                start.parse().ok()?..end.parse().ok()?,
                kind,
            ))
        })
        .collect()
}

/// The readable body of a node: its number and text, dressed as the Markdown block that shows
/// its kind (a heading for parts and goals, a bullet for items, a numbered line for actions, a
/// quote for footnotes, a plain paragraph otherwise).
fn render_body(
    kind: NodeKind,
    num: Option<&str>,
    text: &str,
    level: usize,
    action: usize,
) -> String {
    let head = match (num, text.is_empty()) {
        (Some(num), true) => num.to_string(),
        (Some(num), false) => format!("{num} {text}"),
        (None, _) => text.to_string(),
    };
    let prefixed = |first: &str, rest: &str| -> String {
        let mut out = String::new();
        for (i, line) in head.split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
            }
            let prefix = if i == 0 { first } else { rest };
            if line.is_empty() {
                out.push_str(prefix.trim_end());
            } else {
                out.push_str(prefix);
                out.push_str(line);
            }
        }
        out
    };
    match kind {
        NodeKind::Part | NodeKind::Goal => {
            let hashes = "#".repeat((level + 2).min(6));
            prefixed(&format!("{hashes} "), "")
        }
        NodeKind::Item => prefixed("- ", "  "),
        NodeKind::Action if num.is_none() => prefixed(&format!("{action}. "), "  "),
        NodeKind::Footnote => prefixed("> ", "> "),
        _ => head,
    }
}

/// The lines of a body as the importer will see them: `None` if a line would be taken for a
/// marker, else the lines without the blank lines around them.
fn body_lines(body: &str) -> Option<Vec<&str>> {
    let lines: Vec<&str> = body.split('\n').collect();
    if lines.iter().any(|line| is_marker_line(line)) {
        return None;
    }
    Some(trim_blank_lines(&lines).to_vec())
}

fn trim_blank_lines<'l, 'a>(lines: &'l [&'a str]) -> &'l [&'a str] {
    let start = lines
        .iter()
        .position(|l| !l.trim().is_empty())
        .unwrap_or(lines.len());
    let end = lines
        .iter()
        .rposition(|l| !l.trim().is_empty())
        .map_or(start, |i| i + 1);
    &lines[start..end]
}

/// The text of a node from the lines of its body: the inverse of [`render_body`], lenient with
/// hand edits (another heading depth, `*` bullets, a missing repeated number).
fn parse_body(kind: NodeKind, num: Option<&str>, lines: &[&str]) -> String {
    let mut texts: Vec<&str> = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let stripped: &str = match kind {
            NodeKind::Part | NodeKind::Goal if i == 0 => strip_heading(line),
            NodeKind::Item if i == 0 => strip_bullet(line),
            NodeKind::Action if i == 0 && num.is_none() => strip_ordinal(line),
            NodeKind::Item | NodeKind::Action if i > 0 => line
                .strip_prefix("  ")
                .unwrap_or_else(|| line.trim_start_matches(' ')),
            NodeKind::Footnote => line
                .strip_prefix("> ")
                .or_else(|| line.strip_prefix('>'))
                .unwrap_or(line),
            _ => line,
        };
        texts.push(stripped);
    }
    let joined = texts.join("\n");
    match num {
        Some(num) if joined == num => String::new(),
        Some(num) => match joined.strip_prefix(num).and_then(|r| r.strip_prefix(' ')) {
            Some(rest) => rest.to_string(),
            None => joined,
        },
        None => joined,
    }
}

/// `## Title` → `Title`: one to six `#` and a space (or nothing after them).
fn strip_heading(line: &str) -> &str {
    let hashes = line.len() - line.trim_start_matches('#').len();
    if (1..=6).contains(&hashes) {
        let rest = &line[hashes..];
        if rest.is_empty() {
            return rest;
        }
        if let Some(rest) = rest.strip_prefix(' ') {
            return rest;
        }
    }
    line
}

fn strip_bullet(line: &str) -> &str {
    for bullet in ["- ", "* ", "+ "] {
        if let Some(rest) = line.strip_prefix(bullet) {
            return rest;
        }
    }
    if matches!(line, "-" | "*" | "+") {
        return "";
    }
    line
}

/// `12. text` → `text` (the number of an action is derived from its position, never read).
fn strip_ordinal(line: &str) -> &str {
    let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if (1..=9).contains(&digits) {
        let rest = &line[digits..];
        if let Some(rest) = rest.strip_prefix('.').or_else(|| rest.strip_prefix(')')) {
            if rest.is_empty() {
                return rest;
            }
            if let Some(rest) = rest.strip_prefix(' ') {
                return rest;
            }
        }
    }
    line
}

fn parse_title_line(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('#')?;
    if rest.is_empty() {
        return Some(rest);
    }
    rest.strip_prefix(' ')
}

/// A JSON string literal that cannot close an HTML comment (`>` is written `\u003e`).
fn quote(value: &str) -> String {
    serde_json::Value::String(value.to_string())
        .to_string()
        .replace('>', "\\u003e")
}

/// Whether a line is a node marker (`<!-- penholder … -->`) rather than text.
fn is_marker_line(line: &str) -> bool {
    line.trim_start()
        .strip_prefix("<!--")
        .is_some_and(|rest| rest.trim_start().starts_with(MARKER_WORD))
}

/// Whether a text is in the structured form: its first non-blank line is the document marker.
pub fn is_structured(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .split('\n')
        .find(|line| !line.trim().is_empty())
        .is_some_and(|line| {
            is_marker_line(line)
                && parse_marker(line, 1).is_ok_and(|m| m.kind == MarkerKind::Document)
        })
}

#[derive(Debug, PartialEq, Eq)]
enum MarkerKind {
    Document,
    Node(NodeKind),
}

#[derive(Debug)]
struct Marker {
    kind: MarkerKind,
    level: usize,
    num: Option<String>,
    id: Option<NodeId>,
    e_id: Option<String>,
    w_id: Option<String>,
    text: Option<String>,
    marks: Option<Vec<InlineMark>>,
    title: Option<String>,
}

const KINDS_EXPECTED: &str = "`document` or a node kind (part, paragraph, preambular, operative, item, goal, action, footnote)";

fn parse_marker(line: &str, line_number: usize) -> Result<Marker, ImportError> {
    let trimmed = line.trim();
    let inner = trimmed
        .strip_prefix("<!--")
        .and_then(|rest| rest.strip_suffix("-->"))
        .ok_or_else(|| {
            ImportError::unexpected(
                line_number,
                "a marker on one line, `<!-- penholder KIND … -->`",
                line,
            )
        })?;
    let inner = inner.trim();
    let rest = inner
        .strip_prefix(MARKER_WORD)
        .ok_or_else(|| ImportError::unexpected(line_number, "`penholder` after `<!--`", line))?;
    let rest = rest.trim_start();
    let kind_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let kind_word = &rest[..kind_end];
    let kind = if kind_word == "document" {
        MarkerKind::Document
    } else {
        match NodeKind::parse(kind_word) {
            Some(kind) => MarkerKind::Node(kind),
            None => {
                return Err(ImportError::unexpected(
                    line_number,
                    KINDS_EXPECTED,
                    kind_word,
                ));
            }
        }
    };
    let mut marker = Marker {
        kind,
        level: 0,
        num: None,
        id: None,
        e_id: None,
        w_id: None,
        text: None,
        marks: None,
        title: None,
    };
    let mut rest = rest[kind_end..].trim_start();
    while !rest.is_empty() {
        let eq = rest.find('=').ok_or_else(|| {
            ImportError::unexpected(line_number, "an attribute `key=value`", rest)
        })?;
        let key = &rest[..eq];
        let after = &rest[eq + 1..];
        let (value, remainder) = if after.starts_with('"') {
            let end = closing_quote(after).ok_or_else(|| {
                ImportError::unexpected(line_number, "a closing `\"` of a quoted value", after)
            })?;
            let literal = &after[..=end];
            let value: String = serde_json::from_str(literal).map_err(|_| {
                ImportError::unexpected(line_number, "a JSON string such as \"(a)\"", literal)
            })?;
            (value, &after[end + 1..])
        } else {
            let end = after.find(char::is_whitespace).unwrap_or(after.len());
            (after[..end].to_string(), &after[end..])
        };
        if !remainder.is_empty() && !remainder.starts_with(char::is_whitespace) {
            return Err(ImportError::unexpected(
                line_number,
                "a space between attributes",
                remainder,
            ));
        }
        rest = remainder.trim_start();
        let is_document = marker.kind == MarkerKind::Document;
        match (key, is_document) {
            ("level", false) => {
                marker.level = value.parse().map_err(|_| {
                    ImportError::unexpected(line_number, "a level such as level=1", &value)
                })?
            }
            ("num", false) => marker.num = Some(value),
            ("id", false) => {
                marker.id = Some(value.parse().map_err(|_| {
                    ImportError::unexpected(line_number, "an id that is a UUID", &value)
                })?)
            }
            ("text", false) => marker.text = Some(value),
            ("marks", false) => marker.marks = Some(parse_marks(&value).ok_or_else(|| {
                ImportError::unexpected(
                    line_number,
                    "marks such as marks=b0-11,i20-29 (b bold, i italic, byte ranges of the text)",
                    &value,
                )
            })?),
            ("eId", false) => marker.e_id = Some(value),
            ("wId", false) => marker.w_id = Some(value),
            // The reference is written for the reader; references are derived, never read.
            ("ref", false) => {}
            ("title", true) => marker.title = Some(value),
            ("format", true) => {
                if value != FORMAT_VERSION.to_string() {
                    return Err(ImportError::unexpected(
                        line_number,
                        "format=1, the only version of the form",
                        &value,
                    ));
                }
            }
            _ => {
                let expected = if is_document {
                    "an attribute of the document marker: format, title"
                } else {
                    "an attribute of a node marker: level, num, ref, id, eId, wId, text, marks"
                };
                return Err(ImportError::unexpected(line_number, expected, key));
            }
        }
    }
    Ok(marker)
}

/// The byte index of the quote that closes the JSON string starting at `text[0]`.
fn closing_quote(text: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, '"') => return Some(i),
            _ => {}
        }
    }
    None
}

/// Reads a document in the structured-Markdown form. Nodes without an `id` get fresh ids from
/// `ids`, in document order.
pub fn import(text: &str, ids: &mut IdSource) -> Result<Document, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let normalised = text.replace("\r\n", "\n");
    let lines: Vec<&str> = normalised.split('\n').collect();

    // Each marker with the lines that follow it up to the next marker.
    let mut segments: Vec<(usize, Marker, Vec<&str>)> = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let line_number = index + 1;
        if is_marker_line(line) {
            segments.push((line_number, parse_marker(line, line_number)?, Vec::new()));
        } else if let Some((_, _, body)) = segments.last_mut() {
            body.push(line);
        } else if !line.trim().is_empty() {
            return Err(ImportError::unexpected(
                line_number,
                "the header `<!-- penholder document format=1 -->`",
                line,
            ));
        }
    }
    let mut segments = segments.into_iter();
    let Some((header_line, header, header_body)) = segments.next() else {
        return Err(ImportError::end(
            lines.len(),
            "the header `<!-- penholder document format=1 -->`",
        ));
    };
    if header.kind != MarkerKind::Document {
        return Err(ImportError::unexpected(
            header_line,
            "the header `<!-- penholder document format=1 -->` before any node",
            lines[header_line - 1],
        ));
    }
    let body = trim_blank_lines(&header_body);
    let title = match header.title {
        Some(title) => {
            if let Some(first) = body.first() {
                return Err(ImportError::unexpected(
                    header_line + 1 + offset_of(&header_body, first),
                    "a node marker (the title is in the header)",
                    first,
                ));
            }
            title
        }
        None => {
            let Some(first) = body.first() else {
                return Err(ImportError::end(header_line, "the title line `# Title`"));
            };
            let title_line = header_line + 1 + offset_of(&header_body, first);
            let title = parse_title_line(first).ok_or_else(|| {
                ImportError::unexpected(title_line, "the title line `# Title`", first)
            })?;
            if let Some(extra) = body.get(1) {
                return Err(ImportError::unexpected(
                    header_line + 1 + offset_of(&header_body, extra),
                    "a node marker after the title",
                    extra,
                ));
            }
            title.to_string()
        }
    };

    let mut roots: Vec<Draft> = Vec::new();
    let mut path: Vec<Draft> = Vec::new();
    let mut seen: HashMap<NodeId, usize> = HashMap::new();
    for (line_number, marker, body) in segments {
        let MarkerKind::Node(kind) = marker.kind else {
            return Err(ImportError::unexpected(
                line_number,
                "a node marker (the document marker comes once, first)",
                lines[line_number - 1],
            ));
        };
        if marker.level >= crate::MAX_DEPTH {
            return Err(ImportError::unexpected(
                line_number,
                format!("a level below {}", crate::MAX_DEPTH),
                &format!("level={}", marker.level),
            ));
        }
        if marker.level > path.len() {
            return Err(ImportError::unexpected(
                line_number,
                format!(
                    "level {} at most (one deeper than the node before)",
                    path.len()
                ),
                &format!("level={}", marker.level),
            ));
        }
        if let Some(id) = marker.id
            && let Some(first_line) = seen.insert(id, line_number)
        {
            return Err(ImportError::DuplicateId {
                line: line_number,
                id,
                first_line,
            });
        }
        let body = trim_blank_lines(&body);
        let (text, marks) = match marker.text {
            Some(text) => {
                if let Some(first) = body.first() {
                    return Err(ImportError::unexpected(
                        line_number + 1,
                        "no body after a marker with a `text` attribute",
                        first,
                    ));
                }
                let marks = marker.marks.unwrap_or_default();
                if let Err(error) = penholder_core::check_marks(&text, &marks) {
                    return Err(ImportError::unexpected(
                        line_number,
                        "marks within the `text` attribute's text",
                        &error.to_string(),
                    ));
                }
                (text, marks)
            }
            None if marker.marks.is_some() => {
                return Err(ImportError::unexpected(
                    line_number,
                    "a `text` attribute beside `marks` (a body carries its emphasis as `**bold**` and `*italic*`)",
                    "marks=",
                ));
            }
            None => crate::emphasis::read_emphasis(&parse_body(kind, marker.num.as_deref(), body)),
        };
        let mut draft = Draft::new(kind, text).with_num(marker.num);
        draft.marks = marks;
        draft.id = marker.id;
        draft.external_id = ExternalId::of(marker.e_id, marker.w_id);
        while path.len() > marker.level {
            close(&mut path, &mut roots);
        }
        path.push(draft);
    }
    while !path.is_empty() {
        close(&mut path, &mut roots);
    }
    Ok(Document::new(title, Draft::into_nodes(roots, ids)))
}

fn close(path: &mut Vec<Draft>, roots: &mut Vec<Draft>) {
    if let Some(done) = path.pop() {
        match path.last_mut() {
            Some(parent) => parent.children.push(done),
            None => roots.push(done),
        }
    }
}

/// The position of `line` (a slice of one of `lines`) within `lines`.
fn offset_of(lines: &[&str], line: &&str) -> usize {
    lines
        .iter()
        .position(|l| std::ptr::eq(*l, *line))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> IdSource {
        IdSource::new(11, 1_715_126_400_000)
    }

    fn sample() -> Document {
        let mut ids = ids();
        let mut node = |kind, text: &str| Node::new(ids.next_id(), kind, text);
        let footnote = node(NodeKind::Footnote, "Observers take part.");
        let opening =
            node(NodeKind::Paragraph, "WE, the Ministers¹;").with_children(vec![footnote]);
        let pp = node(NodeKind::Preambular, "Gathered in Budapest;");
        let items = vec![
            node(NodeKind::Item, "Priority 1: Prevent;\nand fight")
                .with_marks(vec![InlineMark::new(0..11, MarkKind::Bold)]),
            node(NodeKind::Item, "").with_num("(b)"),
        ];
        let op = node(NodeKind::Operative, "Adopt:").with_children(items);
        let actions = vec![
            node(NodeKind::Action, "Strengthen cooperation;"),
            node(NodeKind::Action, "Support countries."),
        ];
        let goal = node(NodeKind::Goal, "Prevent irregular migration").with_children(actions);
        let part = node(NodeKind::Part, "Die Grundrechte")
            .with_num("I.")
            .with_children(vec![node(NodeKind::Paragraph, "Die Würde").with_num("(1)")]);
        Document::new("The Declaration", vec![opening, pp, op, goal, part])
    }

    #[test]
    fn export_reads_as_markdown() {
        insta::assert_snapshot!(export(&sample()));
    }

    #[test]
    fn export_then_import_is_identity() {
        let document = sample();
        let back = import(&export(&document), &mut IdSource::new(99, 0)).unwrap();
        assert_eq!(back, document);
    }

    #[test]
    fn emphasis_the_body_cannot_carry_goes_into_the_marker_and_literal_asterisks_stay() {
        let mut ids = ids();
        let literal = Node::new(ids.next_id(), NodeKind::Paragraph, "a *literal* pair");
        let inside_a_word = Node::new(ids.next_id(), NodeKind::Paragraph, "un(bold)ed")
            .with_marks(vec![InlineMark::new(2..8, MarkKind::Bold)]);
        let italic = Node::new(ids.next_id(), NodeKind::Paragraph, "the acquis applies")
            .with_marks(vec![InlineMark::new(4..10, MarkKind::Italic)]);
        let document = Document::new("T", vec![literal, inside_a_word, italic]);
        let exported = export(&document);
        assert!(
            exported.contains(r#"text="a *literal* pair" -->"#),
            "{exported}"
        );
        assert!(
            exported.contains(r#"text="un(bold)ed" marks=b2-8 -->"#),
            "{exported}"
        );
        assert!(exported.contains("\nthe *acquis* applies\n"), "{exported}");
        assert_eq!(
            import(&exported, &mut IdSource::new(99, 0)).unwrap(),
            document
        );
        let misfit = exported.replace("marks=b2-8", "marks=b2-80");
        let error = import(&misfit, &mut IdSource::new(99, 0)).unwrap_err();
        assert!(error.to_string().contains("marks within"), "{error}");
    }

    #[test]
    fn texts_the_body_cannot_carry_go_into_the_marker() {
        let mut ids = ids();
        let texts = [
            " leading space",
            "trailing newline\n",
            "<!-- penholder paragraph -->",
            "a\n<!-- penholder part -->",
            "carriage\r\nreturn",
            "--> closes a comment",
            "",
            "\n\n",
        ];
        let nodes: Vec<Node> = texts
            .iter()
            .flat_map(|t| {
                [
                    Node::new(ids.next_id(), NodeKind::Paragraph, *t),
                    Node::new(ids.next_id(), NodeKind::Part, *t),
                    Node::new(ids.next_id(), NodeKind::Item, *t).with_num(*t),
                ]
            })
            .collect();
        let document = Document::new("two\nlines -->", nodes);
        let text = export(&document);
        for marker in text.lines().filter(|l| l.starts_with("<!-- penholder")) {
            assert_eq!(marker.matches("-->").count(), 1, "{marker}");
        }
        assert_eq!(import(&text, &mut ids).unwrap(), document);
    }

    #[test]
    fn missing_ids_come_from_the_id_source_in_document_order() {
        let text = "<!-- penholder document format=1 -->\n# T\n\n<!-- penholder operative -->\nAdopt:\n\n<!-- penholder item level=1 -->\n- first\n";
        let document = import(text, &mut ids()).unwrap();
        let mut expected = ids();
        assert_eq!(document.nodes[0].id, expected.next_id());
        assert_eq!(document.nodes[0].children[0].id, expected.next_id());
        assert_eq!(document.nodes[0].children[0].text, "first");
    }

    #[test]
    fn hand_edits_are_read_leniently() {
        let text = "\r\n<!-- penholder document format=1 -->\r\n#   Title\r\n<!-- penholder part num=\"Art 1\" -->\r\n#### Art 1 Scope\r\n<!--penholder item level=1-->\r\n* bullet\r\n  continued\r\n\r\n\r\n<!-- penholder action level=1 -->\r\nno number\r\n";
        let document = import(text, &mut ids()).unwrap();
        assert_eq!(document.title, "  Title");
        let part = &document.nodes[0];
        assert_eq!(
            (part.num.as_deref(), part.text.as_str()),
            (Some("Art 1"), "Scope")
        );
        assert_eq!(part.children[0].text, "bullet\ncontinued");
        assert_eq!(part.children[1].text, "no number");
    }

    fn check_error(text: &str, line: usize, expected_fragment: &str) {
        let error = import(text, &mut ids()).unwrap_err();
        assert_eq!(error.line(), line, "{error}");
        assert!(
            error.to_string().contains(expected_fragment),
            "{error} lacks {expected_fragment}"
        );
    }

    #[test]
    fn errors_name_the_line_and_what_was_expected() {
        let head = "<!-- penholder document format=1 -->\n# T\n";
        check_error("", 1, "the header");
        check_error("hello\n", 1, "the header");
        check_error("<!-- penholder paragraph -->\nx\n", 1, "the header");
        check_error("<!-- penholder document format=2 -->\n# T\n", 1, "format=1");
        check_error("<!-- penholder document -->\nTitle\n", 2, "the title line");
        check_error("<!-- penholder document -->\n", 1, "the title line");
        check_error(&format!("{head}more\n"), 3, "a node marker after the title");
        check_error(
            &format!("{head}<!-- penholder chapter -->\n"),
            3,
            "node kind",
        );
        check_error(
            &format!("{head}<!-- penholder item level=1 -->\n"),
            3,
            "level 0 at most",
        );
        check_error(
            &format!("{head}<!-- penholder item id=nope -->\n"),
            3,
            "UUID",
        );
        check_error(
            &format!("{head}<!-- penholder item num=\"x -->\n"),
            3,
            "closing",
        );
        check_error(
            &format!("{head}<!-- penholder item colour=red -->\n"),
            3,
            "level, num",
        );
        check_error(&format!("{head}<!-- penholder item\n"), 3, "one line");
        check_error(
            &format!("{head}<!-- penholder item text=\"a\" -->\nbody\n"),
            4,
            "no body",
        );
        check_error(
            &format!("{head}<!-- penholder document -->\n"),
            3,
            "comes once",
        );
        let id = "01900000-0000-7000-8000-000000000000";
        check_error(
            &format!("{head}<!-- penholder item id={id} -->\n<!-- penholder item id={id} -->\n"),
            4,
            "already used at line 3",
        );
    }

    #[test]
    fn structured_text_is_recognised() {
        assert!(is_structured("\n<!-- penholder document format=1 -->\n# T"));
        assert!(!is_structured("# A heading\n<!-- penholder document -->"));
        assert!(!is_structured("<!-- penholder item -->"));
    }
}
