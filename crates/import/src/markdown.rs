//! Ordinary documents as people write them, in Markdown or plain text: headings, numbered and
//! lettered paragraphs, bullet lists, definition lists, footnotes, tables and code kept whole.
//!
//! A whole XML or HTML document (an XML declaration, a doctype, an `akomaNtoso` or `html` root,
//! one root element closing at the end) is refused with an [`ImportError`] saying what it looks
//! like and what to send instead (Akoma Ntoso: format `akn`); a Markdown file that merely opens
//! with an HTML block or a comment is read as Markdown.
//!
//! The reading, block by block (blocks are separated by blank lines):
//! - front matter (`---` … `---` on the first lines) is kept aside in [`FrontMatter`], every
//!   key with its value (lists and block scalars as their raw lines);
//! - a heading (`#`…`######`, or a line underlined with `===`/`---`) opens a
//!   [`NodeKind::Part`]; deeper headings nest inside it, an equal or shallower one closes it. A
//!   number in front of the heading text (`Art 93`, `1.1`, `I.`, `§ 5`, `Article 8 bis`,
//!   `[Article 3bis]`) goes to `Node::num`. A line standing alone that is only `Article 3`,
//!   `Art. 12 Scope`, `Chapter II`, `ARTICLE 5`, `Rule 4 quater` is a heading too, nested under
//!   every Markdown heading. Letter and Latin suffixes (`3a`, `3bis`, `8 bis`, `8-ter`, `quater` … `decies`)
//!   belong to the number; the brackets EU consolidated texts put around an inserted article stay
//!   in it;
//! - a block opening with a number or letter (`1.`, `4c.`, `(1)`, `(a)`, `a)`, `iv.`, `A.`,
//!   `§ 5`) keeps it verbatim in `Node::num`. Numbers of one style continue one sequence: under a
//!   heading they are paragraphs, under a paragraph or an item they are items (the list that
//!   paragraph introduces);
//! - a line `Priority Goal 2` standing alone heads a goal: the paragraph after it is a
//!   [`NodeKind::Goal`] (the heading is derived, `PG2`, and not kept);
//! - a bullet (`-`, `*`, `+`, `•`) or a definition (`:`) is an item of the paragraph before it;
//!   indentation nests lists. A bullet alone, a block of its own or right under a heading (the
//!   `-` of a repealed article in the German Basic Law), is text, not an empty item;
//! - a paragraph without a number closes the lists before it; after a numbered paragraph's list
//!   it stays inside that paragraph (`sowie …` after the points of Art 73 (1));
//! - `[^label]: text` is a footnote, a child of the node whose text carries `[^label]`; lines
//!   indented two columns or more beyond it, blank lines between them included, are its further
//!   lines and paragraphs (as in kramdown and pandoc);
//! - kramdown attribute lists (`{:.no_toc}`, `{: #id .class}`) on a line of their own or at the
//!   end of a heading are markup; a list followed by `{:toc}` (`* TOC`) is the placeholder of a
//!   generated table of contents and gives nothing;
//! - fenced code, tables, quotes and HTML blocks are kept verbatim, line breaks included;
//! - penholder's own rendering of a version (`?format=md`) is read back to its tree: a block or
//!   heading opening with a reference in bold (`**PP3**`, `**OP1.a**`, `## **S1**`) is a node of
//!   the kind the reference names, placed under the node its reference names (`OP1` for
//!   `OP1.a`), without the number the reference derives, its text unescaped; the rendering's
//!   header, goal headings and audit trailer are not nodes (see `crate::rendered`). Blocks
//!   without a reference in such a text are read as above.
//!
//! Text is kept verbatim (the referenced blocks of penholder's rendering aside, whose escapes
//! are taken off): inline formatting, links, brackets and footnote markers stay in the
//! text. The lines of a paragraph are joined with a space (a hard break, a line ending in `\` or
//! two spaces, keeps its line break). What is dropped is markup only: heading `#`s and setext
//! underlines, bullet and definition markers, thematic breaks, the `:` after a footnote label,
//! kramdown attribute lists and the `* TOC` placeholder, and the front matter (kept aside).

use crate::ImportError;
use crate::draft::{Arena, Draft};
use crate::rendered;
use penholder_core::{Document, IdSource, NodeKind};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The front matter of a Markdown file, kept as written (`raw`) and as `key: value` pairs in
/// their order (`fields`): every key, a scalar unquoted, a list, block scalar or nested mapping
/// as its lines' raw text without their common indentation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrontMatter {
    pub raw: String,
    pub fields: Vec<(String, String)>,
}

impl FrontMatter {
    /// The value of a field, the key compared without case.
    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

/// A document read from Markdown or plain text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarkdownImport {
    pub document: Document,
    pub front_matter: Option<FrontMatter>,
    /// Whether the text was in the structured form (and so carried its ids).
    pub structured: bool,
}

/// Reads an ordinary document. Ids come from `ids`, in document order. The title is the front
/// matter's `title`, else the first heading, else the first line.
pub fn import_markdown(text: &str, ids: &mut IdSource) -> Result<MarkdownImport, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let normalised = text.replace("\r\n", "\n");
    if let Some(error) = markup_document(&normalised) {
        return Err(error);
    }
    let mut lines: Vec<&str> = normalised.split('\n').collect();
    let (front_matter, mut start) = front_matter(&lines);
    // penholder's own rendering of a version: its header and trailer are not nodes.
    let mut rendered_title = None;
    if lines[start..].iter().any(|line| is_rendered_node(line)) {
        if let Some((body, title)) = rendered::header(&lines, start) {
            start = body;
            rendered_title = Some(title);
        }
        if let Some(rule) = rendered::trailer(&lines).filter(|&rule| rule >= start) {
            lines.truncate(rule);
        }
    }
    let mut reader = Reader {
        lines: &lines,
        builder: Builder::new(),
        first_heading: None,
        first_line: None,
        goal_heading: None,
        goal_title_next: false,
    };
    reader.read(start);
    let Reader {
        builder,
        first_heading,
        first_line,
        ..
    } = reader;
    if builder.arena.is_empty() {
        let last = lines
            .iter()
            .rposition(|l| !l.trim().is_empty())
            .map_or(1, |i| i + 1);
        return Err(ImportError::end(last, "a heading or a paragraph to import"));
    }
    let title = front_matter
        .as_ref()
        .and_then(|f| f.field("title"))
        .map(str::to_string)
        .or(rendered_title)
        .or(first_heading)
        .or(first_line)
        .unwrap_or_default();
    let drafts = builder.finish();
    Ok(MarkdownImport {
        document: Document::new(title, Draft::into_nodes(drafts, ids)),
        front_matter,
        structured: false,
    })
}

/// HTML elements that may open a Markdown file as an HTML block (`<div align="center">` around
/// a logo) and so do not by themselves make the file an XML document.
const HTML_ELEMENTS: [&str; 33] = [
    "a",
    "article",
    "aside",
    "blockquote",
    "br",
    "center",
    "details",
    "div",
    "dl",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "img",
    "main",
    "nav",
    "ol",
    "p",
    "picture",
    "pre",
    "section",
    "span",
    "summary",
    "table",
    "ul",
    "sup",
    "sub",
];

/// A whole XML or HTML document sent as Markdown: an XML declaration, a doctype, an `html` or
/// `akomaNtoso` root, or one root element that closes at the end of the text. Importing it would
/// make one paragraph of raw markup, so it is refused, saying what it looks like and what to send
/// instead. A Markdown file that opens with an HTML block or a comment is not refused.
fn markup_document(text: &str) -> Option<ImportError> {
    let mut rest = text;
    let mut declared = false;
    let mut doctype: Option<&str> = None;
    // The prolog: XML declaration, processing instructions, comments, doctype, in any order.
    let root = loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("<?") {
            declared = true;
            rest = &after[after.find("?>")? + 2..];
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = &after[after.find("-->")? + 3..];
        } else if rest
            .get(..9)
            .is_some_and(|start| start.eq_ignore_ascii_case("<!DOCTYPE"))
        {
            let after = &rest[9..];
            let name_start = after.trim_start();
            let name_len = run(name_start, |c| {
                c.is_alphanumeric() || matches!(c, ':' | '_' | '-' | '.')
            });
            doctype = Some(&name_start[..name_len]);
            // An internal subset (`[<!ENTITY …>]`) holds `>`s of its own.
            let end = match after.find(['[', '>'])? {
                subset if after[subset..].starts_with('[') => {
                    let subset_end = subset + after[subset..].find(']')?;
                    subset_end + after[subset_end..].find('>')?
                }
                close => close,
            };
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix('<') {
            let name_len = run(after, |c| {
                c.is_alphanumeric() || matches!(c, ':' | '_' | '-' | '.')
            });
            break &after[..name_len];
        } else {
            return None;
        }
    };
    let local_name = root.rsplit(':').next().unwrap_or(root);
    let is_html = ["html", "head", "body"]
        .iter()
        .any(|name| local_name.eq_ignore_ascii_case(name))
        || doctype.is_some_and(|name| name.eq_ignore_ascii_case("html"));
    let looks_like = if local_name.eq_ignore_ascii_case("akomaNtoso") {
        "Akoma Ntoso XML: send it with format \"akn\"".to_string()
    } else if is_html {
        "an HTML page: send Markdown or plain text".to_string()
    } else if root.is_empty() {
        return None;
    } else {
        let closes_at_end = text.trim_end().ends_with(&format!("</{root}>"));
        let html_element = HTML_ELEMENTS
            .iter()
            .any(|name| name.eq_ignore_ascii_case(root));
        if !(declared || doctype.is_some() || closes_at_end && !html_element) {
            return None;
        }
        format!("an XML document (root element <{root}>): send Markdown or plain text")
    };
    let offset = text.len() - rest.len();
    let line = text[..offset].matches('\n').count() + 1;
    let found = text[offset..].lines().next().unwrap_or_default();
    Some(ImportError::unexpected(
        line,
        format!("Markdown or plain text (this looks like {looks_like})"),
        found,
    ))
}

fn front_matter(lines: &[&str]) -> (Option<FrontMatter>, usize) {
    if lines.first().map(|l| l.trim_end()) != Some("---") {
        return (None, 0);
    }
    let Some(end) = lines
        .iter()
        .skip(1)
        .position(|l| matches!(l.trim_end(), "---" | "..."))
        .map(|i| i + 1)
    else {
        return (None, 0);
    };
    let body = &lines[1..end];
    // Only YAML-like lines make front matter; anything else between two `---` lines is text
    // between thematic breaks.
    let yaml_like = body.iter().all(|line| {
        line.trim().is_empty()
            || line.starts_with([' ', '\t', '#'])
            || line.trim_end() == "-"
            || line.starts_with("- ")
            || front_matter_key(line).is_some()
    });
    if !yaml_like || !body.iter().any(|line| front_matter_key(line).is_some()) {
        return (None, 0);
    }
    (
        Some(FrontMatter {
            raw: body.join("\n"),
            fields: front_matter_fields(body),
        }),
        end + 1,
    )
}

/// `key: value` at the start of a line: the key and the value's text on that line. Keys are
/// words of letters, digits, `_`, `-`, `.`, single spaces between them (YAML allows
/// `Last updated:`), at most 60 bytes.
fn front_matter_key(line: &str) -> Option<(&str, &str)> {
    let (key, rest) = line.split_once(':')?;
    let is_key = !key.is_empty()
        && key.len() <= 60
        && !key.starts_with(' ')
        && !key.ends_with(' ')
        && !key.contains("  ")
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '));
    (is_key && (rest.is_empty() || rest.starts_with([' ', '\t']))).then_some((key, rest))
}

/// Every key of the front matter with its value. A value on its line is unquoted; a value
/// that goes on over the lines after it (a list of `- ` lines, a block scalar after `|` or `>`,
/// a nested mapping) is kept as those lines' raw text without their common indentation, and a
/// plain value wrapped over indented lines is joined with spaces, as YAML folds it. Nothing is
/// interpreted further: what cannot be read is kept as written.
fn front_matter_fields(body: &[&str]) -> Vec<(String, String)> {
    let continues = |line: &str| {
        line.starts_with([' ', '\t']) || line.starts_with("- ") || line.trim_end() == "-"
    };
    let mut fields = Vec::new();
    let mut index = 0;
    while index < body.len() {
        let line = body[index];
        index += 1;
        let Some((key, value)) = front_matter_key(line) else {
            continue;
        };
        let start = index;
        while index < body.len() && (continues(body[index]) || is_blank(body[index])) {
            index += 1;
        }
        let mut end = index;
        while end > start && is_blank(body[end - 1]) {
            end -= 1;
        }
        let following = &body[start..end];
        let value = value.trim();
        let value = if following.is_empty() {
            unquote(value).to_string()
        } else if value.is_empty() || value.starts_with(['|', '>']) {
            let common = following
                .iter()
                .filter(|line| !is_blank(line))
                .map(|line| indentation(line))
                .min()
                .unwrap_or(0);
            following
                .iter()
                .map(|line| dedent(line, common).trim_end())
                .collect::<Vec<_>>()
                .join("\n")
        } else {
            std::iter::once(value)
                .chain(following.iter().map(|line| line.trim()))
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        };
        fields.push((key.to_string(), value));
    }
    fields
}

fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|v| v.strip_suffix(quote))
        {
            return inner;
        }
    }
    value
}

/// The style of a number or bullet: numbers of one style (at one indentation) form one sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    Bullet(char),
    Definition,
    /// `1.` `4c.` (with `.`) or `1)` (with `)`).
    Digits(char),
    /// `(1)` `(2a)`.
    ParenDigits,
    /// `(a)` `(iv)`.
    ParenLower,
    /// `(A)` `(IV)`.
    ParenUpper,
    /// `a)` `a.` `iv.`.
    Lower(char),
    /// `A.` `IV)`.
    Upper(char),
    /// `§ 5`.
    Section,
    /// `Article 3`, `Art. 12`, `Chapter II`: a heading when it stands alone.
    Article,
}

impl Style {
    fn is_bullet_like(self) -> bool {
        matches!(self, Style::Bullet(_) | Style::Definition)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Family {
    style: Style,
    indent: usize,
}

#[derive(Clone, Copy, Debug)]
struct Marker<'a> {
    style: Style,
    /// The number as written (`(1)`, `4c.`); empty for bullets and definitions.
    num: &'a str,
    rest: &'a str,
    /// Whether the number is the first of its sequence (`1`, `a`, `i`, `A`, `I`): only those
    /// interrupt a running paragraph, so that a wrapped line starting with `7.` stays text.
    first: bool,
}

/// The words that name a numbered division, as written in titles and in capitals (UN and
/// treaty texts write `ARTICLE 1`).
const ARTICLE_WORDS: [&str; 24] = [
    "Article", "Art.", "Art", "Artikel", "Articolo", "Chapter", "Kapitel", "Section", "Annex",
    "Anhang", "Part", "Title", "Rule", "ARTICLE", "ART.", "ARTIKEL", "ARTICOLO", "CHAPTER",
    "KAPITEL", "SECTION", "ANNEX", "PART", "TITLE", "RULE",
];

/// `bis`, `ter` … written in lower case, capitalised (`Bis`) or in capitals (`BIS`), as titles
/// write them.
fn is_latin_suffix(word: &str) -> bool {
    let tail = word.get(1..).unwrap_or_default();
    (tail.chars().all(|c| c.is_ascii_lowercase()) || word.chars().all(|c| c.is_ascii_uppercase()))
        && penholder_core::LATIN_ORDINALS
            .iter()
            .any(|suffix| suffix.eq_ignore_ascii_case(word))
}

/// The length of a Latin suffix written apart from its number (` bis`, `-ter`, ` Quater`) at
/// the start of `text`, or 0. In German `bis` also means "to": `Art 12 bis 14` is a range, so a
/// suffix followed by another number (or an article word) is not taken.
fn separate_latin_suffix(text: &str) -> usize {
    let Some(after_separator) = text.strip_prefix([' ', '-']) else {
        return 0;
    };
    let letters = run(after_separator, |c| c.is_ascii_alphabetic());
    if letters == 0 || !is_latin_suffix(&after_separator[..letters]) {
        return 0;
    }
    let following = after_separator[letters..].trim_start_matches([' ', '\t']);
    let starts_a_range = following.starts_with(|c: char| c.is_ascii_digit() || c == '§')
        || ARTICLE_WORDS.iter().any(|word| {
            following
                .strip_prefix(word)
                .is_some_and(|rest| rest.starts_with(' '))
        });
    if starts_a_range {
        return 0;
    }
    1 + letters
}

fn is_roman(text: &str) -> bool {
    !text.is_empty()
        && text.chars().all(|c| {
            matches!(
                c.to_ascii_lowercase(),
                'i' | 'v' | 'x' | 'l' | 'c' | 'd' | 'm'
            )
        })
}

/// Splits `text` after a marker of `len` bytes if whitespace (or nothing) follows it.
fn after_marker(text: &str, len: usize) -> Option<&str> {
    let rest = text.get(len..)?;
    if rest.is_empty() {
        return Some(rest);
    }
    let trimmed = rest.trim_start_matches([' ', '\t']);
    (trimmed.len() < rest.len()).then_some(trimmed)
}

/// The leading run of characters satisfying `accept`, as a byte length.
fn run(text: &str, accept: impl Fn(char) -> bool) -> usize {
    text.char_indices()
        .find(|&(_, c)| !accept(c))
        .map_or(text.len(), |(i, _)| i)
}

/// Recognises the number or bullet that opens a block (`text` starts at the first non-blank).
fn marker(text: &str) -> Option<Marker<'_>> {
    let make = |style, len: usize, first| {
        after_marker(text, len).map(|rest| Marker {
            style,
            num: &text[..len],
            rest,
            first,
        })
    };
    let first_char = text.chars().next()?;
    if matches!(first_char, '-' | '*' | '+' | '•') {
        let len = first_char.len_utf8();
        return after_marker(text, len).map(|rest| Marker {
            style: Style::Bullet(first_char),
            num: "",
            rest,
            first: !rest.is_empty(),
        });
    }
    if first_char == ':' {
        let rest = after_marker(text, 1)?;
        return (!rest.is_empty()).then_some(Marker {
            style: Style::Definition,
            num: "",
            rest,
            first: true,
        });
    }
    if first_char == '§' {
        let signs = run(text, |c| c == '§');
        let spaces = run(&text[signs..], |c| c == ' ');
        let digits = run(&text[signs + spaces..], |c| c.is_ascii_digit());
        if digits == 0 {
            return None;
        }
        let mut len = signs + spaces + digits;
        len += run(&text[len..], |c| c.is_ascii_lowercase());
        len += separate_latin_suffix(&text[len..]);
        if text[len..].starts_with('.') {
            len += 1;
        }
        return make(Style::Section, len, false);
    }
    if first_char == '(' {
        let inner_len = run(&text[1..], |c| c.is_ascii_alphanumeric());
        let inner = &text[1..1 + inner_len];
        if !text[1 + inner_len..].starts_with(')') || inner.is_empty() {
            return None;
        }
        let len = inner_len + 2;
        let digits = run(inner, |c| c.is_ascii_digit());
        if digits > 0 && digits <= 3 && inner[digits..].chars().all(|c| c.is_ascii_lowercase()) {
            return make(Style::ParenDigits, len, &inner[..digits] == "1");
        }
        if inner.len() <= 4 && inner.chars().all(|c| c.is_ascii_lowercase()) && is_sequence(inner) {
            return make(Style::ParenLower, len, matches!(inner, "a" | "i"));
        }
        if inner.len() <= 6 && inner.chars().all(|c| c.is_ascii_uppercase()) && is_sequence(inner) {
            return make(Style::ParenUpper, len, matches!(inner, "A" | "I"));
        }
        return None;
    }
    let digits = run(text, |c| c.is_ascii_digit());
    if (1..=3).contains(&digits) {
        let letters = run(&text[digits..], |c| c.is_ascii_lowercase());
        let end = digits + letters;
        if (letters <= 2 || is_latin_suffix(&text[digits..end]))
            && let Some(close @ ('.' | ')')) = text[end..].chars().next()
        {
            return make(Style::Digits(close), end + 1, &text[..end] == "1");
        }
        return None;
    }
    let letters = run(text, |c| c.is_ascii_alphabetic());
    if (1..=6).contains(&letters) {
        let word = &text[..letters];
        if let Some(close @ ('.' | ')')) = text[letters..].chars().next() {
            if word.chars().all(|c| c.is_ascii_lowercase()) && is_sequence(word) {
                return make(Style::Lower(close), letters + 1, matches!(word, "a" | "i"));
            }
            if word.chars().all(|c| c.is_ascii_uppercase()) && is_sequence(word) {
                return make(Style::Upper(close), letters + 1, matches!(word, "A" | "I"));
            }
        }
    }
    article(text)
}

/// A letter numbering: one letter repeated (`a`, `aa`) or a roman numeral (`iv`).
fn is_sequence(word: &str) -> bool {
    let mut chars = word.chars();
    let first = chars.next();
    (word.len() <= 3 && chars.all(|c| Some(c) == first)) || is_roman(word)
}

/// `Article 3`, `Art. 12a`, `Article 8 bis`, `Art. 8-bis`, `Chapter II`, `Annex 1.`, and
/// `[Article 3bis]`: EU consolidated texts bracket an inserted article, and the brackets stay in
/// the number so that nothing is lost.
fn article(text: &str) -> Option<Marker<'_>> {
    let bracketed = text.starts_with('[');
    let open = usize::from(bracketed);
    let word = ARTICLE_WORDS.iter().find(|w| {
        text[open..]
            .strip_prefix(**w)
            .is_some_and(|rest| rest.starts_with(' '))
    })?;
    let spaces = run(&text[open + word.len()..], |c| c == ' ');
    let start = open + word.len() + spaces;
    let number = run(&text[start..], |c| c.is_ascii_alphanumeric());
    let value = &text[start..start + number];
    let digits = run(value, |c| c.is_ascii_digit());
    let is_number = (digits > 0 && value[digits..].chars().all(|c| c.is_ascii_lowercase()))
        || (is_roman(value) && value.chars().all(|c| c.is_ascii_uppercase()));
    if !is_number {
        return None;
    }
    let mut len = start + number;
    len += separate_latin_suffix(&text[len..]);
    if text[len..].starts_with('.') {
        len += 1;
    }
    if bracketed {
        // Only a bracket closing right after the number: `[Article 3](link)` and
        // `[Article 3 of …]` are text.
        if !text[len..].starts_with(']') {
            return None;
        }
        len += 1;
    }
    after_marker(text, len).map(|rest| Marker {
        style: Style::Article,
        num: &text[..len],
        rest,
        first: false,
    })
}

/// The number in front of a heading's text: any block marker, or a section number (`1`, `1.1`,
/// `3.2.1.`) or a roman numeral with a letter (`VIIIa.`).
fn heading_number(text: &str) -> (Option<&str>, &str) {
    if let Some(marker) = marker(text)
        && !marker.style.is_bullet_like()
    {
        return (Some(marker.num), marker.rest);
    }
    let mut len = 0;
    loop {
        let digits = run(&text[len..], |c| c.is_ascii_digit());
        if digits == 0 {
            break;
        }
        len += digits;
        if text[len..].starts_with('.') {
            len += 1;
        } else {
            break;
        }
    }
    if len == 0 {
        let letters = run(text, |c| c.is_ascii_uppercase());
        let lower = run(&text[letters..], |c| c.is_ascii_lowercase());
        if letters > 0 && lower <= 1 && is_roman(&text[..letters]) {
            let end = letters + lower;
            if text[end..].starts_with('.') {
                len = end + 1;
            }
        }
    }
    match (len, after_marker(text, len)) {
        (1.., Some(rest)) => (Some(&text[..len]), rest),
        _ => (None, text),
    }
}

/// Columns of leading whitespace (a tab to the next multiple of four).
fn indentation(line: &str) -> usize {
    let mut columns = 0;
    for c in line.chars() {
        match c {
            ' ' => columns += 1,
            '\t' => columns += 4 - columns % 4,
            _ => break,
        }
    }
    columns
}

/// `line` without up to `columns` columns of leading whitespace.
fn dedent(line: &str, columns: usize) -> &str {
    let mut seen = 0;
    for (i, c) in line.char_indices() {
        if seen >= columns {
            return &line[i..];
        }
        match c {
            ' ' => seen += 1,
            '\t' => seen += 4 - seen % 4,
            _ => return &line[i..],
        }
    }
    ""
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// `## Title` → (2, `Title`).
fn atx_heading(text: &str) -> Option<(usize, &str)> {
    let hashes = run(text, |c| c == '#');
    if !(1..=6).contains(&hashes) {
        return None;
    }
    after_marker(text, hashes).map(|rest| (hashes, rest.trim_end()))
}

/// `---`, `***`, `___`, `- - -`: three or more of one of them, spaces allowed.
fn is_thematic_break(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let mut chars = compact.chars();
    match chars.next() {
        Some(c @ ('-' | '*' | '_')) => compact.chars().count() >= 3 && chars.all(|d| d == c),
        _ => false,
    }
}

/// The fence (`` ``` `` or `~~~`, three or more) opening a code block.
fn fence(text: &str) -> Option<&str> {
    for c in ['`', '~'] {
        let len = run(text, |d| d == c);
        if len >= 3 {
            return Some(&text[..len]);
        }
    }
    None
}

fn footnote_definition(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix("[^")?;
    let close = rest.find("]:")?;
    let label = &rest[..close];
    if label.is_empty() || label.contains(char::is_whitespace) || label.contains(']') {
        return None;
    }
    Some((label, rest[close + 2..].trim_start()))
}

/// A kramdown attribute list standing for itself: `{:.no_toc}`, `{: #id .class}`, `{:toc}`, or
/// an attribute list definition `{:ref: .class}`. It is markup for the block next to it, never
/// text. Extensions (`{::comment}`) and braces in text are not attribute lists.
fn is_attribute_list(text: &str) -> bool {
    let text = text.trim();
    // `\}` is an escaped brace, text: a list ends with a brace of its own.
    text.strip_prefix("{:")
        .and_then(|rest| rest.strip_suffix('}'))
        .is_some_and(|inner| {
            !inner.starts_with(':') && !inner.contains(['{', '}']) && !inner.ends_with('\\')
        })
}

/// `{:toc}`: kramdown replaces the list before it (`* TOC`) with a generated table of contents.
fn is_table_of_contents_marker(text: &str) -> bool {
    let text = text.trim();
    // An attribute list is `{:` … `}`, so the slice is its inside.
    is_attribute_list(text)
        && text[2..text.len() - 1]
            .split_whitespace()
            .any(|name| name == "toc")
}

/// A heading's text without a trailing kramdown attribute list (`Scope {:.no_toc}`).
fn without_attribute_list(text: &str) -> &str {
    match text.rfind("{:") {
        // `\{:…}` is text that escaped its brace (as penholder's own Markdown writes it).
        Some(at) if !text[..at].ends_with('\\') && is_attribute_list(&text[at..]) => {
            text[..at].trim_end()
        }
        _ => text,
    }
}

fn is_verbatim_start(text: &str) -> bool {
    text.starts_with('|')
        || text.starts_with('>')
        || text.starts_with("<!--")
        || text
            .strip_prefix('<')
            .and_then(|r| r.chars().next())
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!')
}

struct Reader<'a> {
    lines: &'a [&'a str],
    builder: Builder,
    first_heading: Option<String>,
    first_line: Option<String>,
    /// The heading penholder's rendering writes above a goal (`### Priority Goal 2`), kept for
    /// the goal's block that follows it.
    goal_heading: Option<String>,
    /// A line `Priority Goal 2` stood alone: the paragraph that follows is that goal's title.
    goal_title_next: bool,
}

/// `Priority Goal 2`: how action plans (the Budapest Call for Action, penholder's own
/// renderings) head a goal. The number is derived (`PG2`), so the line is not kept.
fn is_goal_heading(text: &str) -> bool {
    text.strip_prefix("Priority Goal ")
        .is_some_and(|n| (1..=3).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether a line opens a node of penholder's rendering: `**OP3** …` or `## **S1** …`.
fn is_rendered_node(line: &str) -> bool {
    let text = line.trim_start();
    let text = atx_heading(text).map_or(text, |(_, heading)| heading);
    rendered::prefix(text).is_some()
}

impl Reader<'_> {
    fn read(&mut self, start: usize) {
        let mut index = start;
        while index < self.lines.len() {
            index = self.block(index);
        }
    }

    /// Reads the block starting at `index` (skipping blank lines); returns where the next starts.
    fn block(&mut self, index: usize) -> usize {
        let line = self.lines[index];
        if is_blank(line) {
            return index + 1;
        }
        let line_number = index + 1;
        let indent = indentation(line);
        let text = line.trim_start();
        // Only the very next block can be the title a `Priority Goal 2` line announced.
        let goal_title = std::mem::take(&mut self.goal_title_next);
        if self.first_line.is_none() {
            let first: String = text.chars().take(120).collect();
            self.first_line = Some(first.trim_end().to_string());
        }
        if indent <= 3
            && let Some(prefix) = rendered::prefix(text)
        {
            return self.referenced(index, prefix);
        }
        if let Some(fence) = fence(text) {
            return self.fenced(index, indent, fence);
        }
        if is_attribute_list(text) {
            return index + 1;
        }
        if indent <= 3 {
            if let Some((level, heading)) = atx_heading(text) {
                if rendered::prefix(heading).is_none() && self.introduces_goal(index) {
                    self.goal_heading = Some(heading.to_string());
                    return index + 1;
                }
                self.heading(level, heading, line_number);
                return index + 1;
            }
            if is_thematic_break(text) {
                return index + 1;
            }
        }
        if is_verbatim_start(text) {
            let comment = text.starts_with("<!--");
            let mut end = index + 1;
            let mut closed = comment && text.contains("-->");
            while end < self.lines.len() {
                if comment {
                    if closed {
                        break;
                    }
                    closed = self.lines[end].contains("-->");
                } else if is_blank(self.lines[end]) {
                    break;
                } else {
                    // Quotes and tables take lazy lines, but a list item or a heading after
                    // them starts a block of its own.
                    let next = self.lines[end].trim_start();
                    if !next.starts_with(['>', '|']) && self.interrupts(next, true) {
                        break;
                    }
                }
                end += 1;
            }
            let body: Vec<&str> = self.lines[index..end]
                .iter()
                .map(|l| dedent(l, indent))
                .collect();
            self.builder.plain(
                Draft::new(NodeKind::Paragraph, body.join("\n").trim_end()),
                indent,
            );
            return end;
        }
        if let Some((label, first)) = footnote_definition(text) {
            let (joined, next) = self.footnote(index, indent, first);
            self.builder
                .footnotes
                .push((line_number, label.to_string(), joined));
            return next;
        }
        if let Some(marker) = marker(text) {
            let standalone = self.is_standalone(index);
            if marker.style == Style::Article {
                if standalone && is_heading_like(marker.rest) {
                    self.builder.heading(
                        ARTICLE_LEVEL,
                        Some(marker.num.to_string()),
                        marker.rest.trim_end().to_string(),
                    );
                    return index + 1;
                }
            } else if marker.style.is_bullet_like()
                && marker.rest.is_empty()
                && standalone
                && (index == 0
                    || is_blank(self.lines[index - 1])
                    || atx_heading(self.lines[index - 1].trim_start()).is_some())
            {
                // A dash that is a block of its own, or stands right under a heading, is text
                // (the German Basic Law's repealed articles read `-`), not an empty bullet: its
                // mark is kept. Right after the items of a list it is an empty item, as in
                // CommonMark.
                self.builder
                    .plain(Draft::new(NodeKind::Paragraph, text.trim_end()), indent);
                return index + 1;
            } else {
                let (joined, next) = self.paragraph(index, marker.rest, true);
                if self
                    .lines
                    .get(next)
                    .is_some_and(|line| is_table_of_contents_marker(line))
                {
                    // `* TOC` + `{:toc}`: a placeholder for a generated table of contents.
                    return next + 1;
                }
                self.builder.numbered(marker, indent, joined);
                return next;
            }
        }
        let (joined, next) = self.paragraph(index, text, false);
        if let Some(level) = self.lines.get(next).and_then(|l| setext(l)) {
            // A setext underline ends the paragraph as a heading.
            self.heading(level, &joined, line_number);
            return next + 1;
        }
        if indent == 0 && is_goal_heading(&joined) && self.is_standalone(index) {
            // `Priority Goal 2` standing alone: the heading of the goal whose title follows.
            self.goal_title_next = true;
            return next;
        }
        let kind = if goal_title {
            NodeKind::Goal
        } else {
            NodeKind::Paragraph
        };
        self.builder.plain(emphasized(kind, joined), indent);
        next
    }

    fn is_standalone(&self, index: usize) -> bool {
        self.lines.get(index + 1).is_none_or(|l| is_blank(l))
    }

    /// Whether the heading at `index` is the one penholder's rendering writes above a goal:
    /// the next block is the goal's, `**PG2** …`.
    fn introduces_goal(&self, index: usize) -> bool {
        self.lines[index + 1..]
            .iter()
            .find(|line| !is_blank(line))
            .and_then(|line| rendered::prefix(line.trim_start()))
            .is_some_and(|prefix| prefix.kind == NodeKind::Goal)
    }

    /// A block of penholder's rendering, `**OP1.a** (a) text`: the reference gives the kind and
    /// (for items and actions) the parent; the number the reference derives is dropped, another
    /// one in front of the text is the node's verbatim number; the text is unescaped, its hard
    /// breaks (a line ending in `\`) are line breaks, other line ends spaces.
    fn referenced(&mut self, index: usize, prefix: rendered::Prefix<'_>) -> usize {
        let mut next = index + 1;
        while let Some(line) = self.lines.get(next) {
            let text = line.trim_start();
            if is_blank(line) || rendered::prefix(text).is_some() || atx_heading(text).is_some() {
                break;
            }
            next += 1;
        }
        let first = prefix.rest.trim_end();
        let label = rendered::derived_label(prefix.kind, prefix.reference);
        let (num, first) = match (prefix.kind, label.as_deref()) {
            (NodeKind::Goal, _) => {
                let heading = self.goal_heading.take();
                let derived = rendered::goal_heading(prefix.reference);
                (heading.filter(|h| Some(h) != derived.as_ref()), first)
            }
            (_, Some(label)) if first == label => (None, ""),
            (_, Some(label))
                if first
                    .strip_prefix(label)
                    .is_some_and(|r| r.starts_with(' ')) =>
            {
                (None, &first[label.len() + 1..])
            }
            (kind, _) => rendered_number(kind, first),
        };
        let num = num.map(|n| rendered::unescape(&n));
        let lines = std::iter::once(first).chain(
            self.lines[index + 1..next]
                .iter()
                .map(|line| line.trim_start().trim_end()),
        );
        let count = next - index;
        // The escaped lines joined first, so that emphasis may run over a line's end; the
        // escapes are taken off after the emphasis is read (an escaped `\*` is no delimiter).
        let mut escaped = String::new();
        for (position, line) in lines.enumerate() {
            if position + 1 < count && rendered::ends_with_hard_break(line) {
                escaped.push_str(&line[..line.len() - 1]);
                escaped.push('\n');
            } else {
                escaped.push_str(line);
                if position + 1 < count {
                    escaped.push(' ');
                }
            }
        }
        let (text, marks) = rendered::unescape_emphasized(&escaped);
        // An item's derived `(a)` or an action's `1.` starts a sequence that a hand-added
        // `(b)` or `2.` without a reference continues.
        let family = (num.is_none())
            .then(|| label.as_deref().and_then(marker))
            .flatten()
            .map(|marker| marker.style);
        self.builder.referenced(
            prefix.reference,
            prefix.parent,
            prefix.kind,
            num,
            Draft {
                marks,
                ..Draft::new(prefix.kind, text)
            },
            family,
        );
        next
    }

    fn heading(&mut self, level: usize, text: &str, _line: usize) {
        let text = without_attribute_list(text);
        if let Some(prefix) = rendered::prefix(text)
            && prefix.kind == NodeKind::Part
        {
            // A part of penholder's rendering: `## **S1** Art 93 Title`.
            let (num, rest) = heading_number(prefix.rest);
            let (text, marks) = rendered::unescape_emphasized(rest);
            self.builder.heading_draft(
                level,
                Draft {
                    marks,
                    ..Draft::new(NodeKind::Part, text)
                }
                .with_num(num.map(rendered::unescape)),
            );
            self.builder.remember(prefix.reference);
            return;
        }
        let (num, rest) = heading_number(text);
        if self.first_heading.is_none() {
            self.first_heading = Some(text.to_string());
        }
        self.builder
            .heading(level, num.map(str::to_string), rest.to_string());
    }

    fn fenced(&mut self, index: usize, indent: usize, fence: &str) -> usize {
        let mut end = index + 1;
        while end < self.lines.len() {
            let candidate = self.lines[end].trim();
            end += 1;
            if candidate.starts_with(fence) && candidate.chars().all(|c| fence.starts_with(c)) {
                break;
            }
        }
        let body: Vec<&str> = self.lines[index..end]
            .iter()
            .map(|l| dedent(l, indent))
            .collect();
        self.builder.plain(
            Draft::new(NodeKind::Paragraph, body.join("\n").trim_end()),
            indent,
        );
        end
    }

    /// The text of a paragraph whose first line's text is `first`: its lines up to a blank line
    /// or a line that opens another block, joined. Returns it and the index after it.
    fn paragraph(&self, index: usize, first: &str, in_list: bool) -> (String, usize) {
        let mut parts = vec![first];
        let mut next = index + 1;
        while let Some(line) = self.lines.get(next) {
            if is_blank(line) || self.interrupts(line, in_list) {
                break;
            }
            parts.push(line);
            next += 1;
        }
        (join_lines(&parts), next)
    }

    /// The text of a footnote whose definition (at `indent` columns) has `first` as its first
    /// line's text, and the index after it. As in CommonMark extensions, kramdown and pandoc,
    /// the footnote goes on over lines indented by at least [`FOOTNOTE_CONTINUATION`] columns
    /// more than the definition, blank lines between them included (its further paragraphs,
    /// joined with a blank line), and over lazy lines that open no block.
    fn footnote(&self, index: usize, indent: usize, first: &str) -> (String, usize) {
        // An indented definition of another footnote starts that footnote.
        let indented = |line: &str| {
            indentation(line) >= indent + FOOTNOTE_CONTINUATION
                && footnote_definition(line.trim_start()).is_none()
        };
        let belongs = |line: &str| indented(line) || !self.interrupts(line, true);
        let mut paragraphs = Vec::new();
        let mut parts = vec![first];
        let mut next = index + 1;
        loop {
            while let Some(line) = self.lines.get(next) {
                if is_blank(line) || !belongs(line) {
                    break;
                }
                // An attribute list is markup inside a footnote too.
                if !is_attribute_list(line) {
                    parts.push(line);
                }
                next += 1;
            }
            let paragraph = join_lines(&parts);
            if !paragraph.trim().is_empty() {
                paragraphs.push(paragraph.trim_start().to_string());
            }
            let after_blanks = (next..self.lines.len())
                .find(|&i| !is_blank(self.lines[i]))
                .unwrap_or(self.lines.len());
            let continues = after_blanks > next
                && after_blanks < self.lines.len()
                && indented(self.lines[after_blanks]);
            if !continues {
                break;
            }
            parts = Vec::new();
            next = after_blanks;
        }
        (paragraphs.join("\n\n"), next)
    }

    fn interrupts(&self, line: &str, in_list: bool) -> bool {
        let text = line.trim_start();
        if atx_heading(text).is_some()
            || rendered::prefix(text).is_some()
            || fence(text).is_some()
            || is_thematic_break(text)
            || text.starts_with('>')
            || footnote_definition(text).is_some()
            || is_attribute_list(text)
        {
            return true;
        }
        if !in_list && setext(line).is_some() {
            return true;
        }
        match marker(text) {
            Some(marker) if marker.style == Style::Article => false,
            Some(marker) => in_list || marker.first,
            None => false,
        }
    }
}

/// A draft whose text is Markdown inline text: its emphasis read into marks, the delimiters
/// taken out (`crate::emphasis`).
fn emphasized(kind: NodeKind, source: String) -> Draft {
    let (text, marks) = crate::emphasis::read_emphasis(&source);
    Draft {
        marks,
        ..Draft::new(kind, text)
    }
}

/// A setext underline: `===` (level 1) or `---` (level 2).
fn setext(line: &str) -> Option<usize> {
    let text = line.trim();
    if text.is_empty() {
        return None;
    }
    if text.chars().all(|c| c == '=') {
        Some(1)
    } else if text.chars().all(|c| c == '-') {
        Some(2)
    } else {
        None
    }
}

/// The verbatim number the rendering wrote in front of a node's text, where it shows no derived
/// one (`4c.`, `(1)`, `Art 93`, a footnote's `[^1]`), and the text after it; the number is still
/// escaped.
fn rendered_number(kind: NodeKind, text: &str) -> (Option<String>, &str) {
    if kind == NodeKind::Footnote
        && let Some(label) = text.strip_prefix("\\[^")
        && let Some(close) = label.find("\\]")
    {
        let end = 3 + close + 2;
        let rest = &text[end..];
        if rest.is_empty() || rest.starts_with(' ') {
            return (
                Some(text[..end].to_string()),
                rest.strip_prefix(' ').unwrap_or(rest),
            );
        }
    }
    match marker(text) {
        Some(marker) if !marker.style.is_bullet_like() => {
            (Some(marker.num.to_string()), marker.rest)
        }
        _ => (None, text),
    }
}

/// Whether the rest of an `Article 3` line reads as a title, not as a sentence.
fn is_heading_like(rest: &str) -> bool {
    let rest = rest.trim();
    rest.chars().count() <= 80 && !rest.ends_with(['.', ';', ':', ','])
}

/// Joins the lines of a paragraph with spaces, keeping hard breaks (`\` or two spaces at the end
/// of a line) as line breaks.
fn join_lines(parts: &[&str]) -> String {
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        let part = part.trim_start();
        if i + 1 == parts.len() {
            out.push_str(part.trim_end());
        } else if part.ends_with('\\') || part.ends_with("  ") {
            out.push_str(part);
            out.push('\n');
        } else {
            out.push_str(part.trim_end());
            out.push(' ');
        }
    }
    out
}

/// How far a line must be indented to continue a footnote (a tab counts as four columns).
const FOOTNOTE_CONTINUATION: usize = 2;

/// Headings made from `Article 3` lines nest under every Markdown heading.
const ARTICLE_LEVEL: usize = 7;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Root,
    Part(usize),
    Paragraph { numbered: bool, section_level: bool },
    Item { marker_indent: usize },
}

/// One node of the path from the root to the last node placed.
#[derive(Clone, Debug)]
struct Open {
    slot: Option<usize>,
    role: Role,
    /// The number styles of this node's children so far, so that `11.` after an interruption
    /// finds the list of `10.` again.
    families: Vec<Family>,
}

struct Builder {
    arena: Arena,
    path: Vec<Open>,
    footnotes: Vec<(usize, String, String)>,
    /// The path to each node placed by its reference in penholder's rendering, so that its
    /// items and actions (`OP1.a`, `PG1.4`) find it.
    referenced: HashMap<String, Vec<Open>>,
}

impl Builder {
    fn new() -> Self {
        Builder {
            arena: Arena::default(),
            path: vec![Open {
                slot: None,
                role: Role::Root,
                families: Vec::new(),
            }],
            footnotes: Vec::new(),
            referenced: HashMap::new(),
        }
    }

    /// Remembers the last node placed under `reference`.
    fn remember(&mut self, reference: &str) {
        self.referenced
            .insert(reference.to_string(), self.path.clone());
    }

    /// Places a node penholder's rendering names by its reference: an item or an action under
    /// the node its reference names (`OP1` for `OP1.a`), a footnote under the last node that is
    /// not one (the rendering writes a node's footnotes right after it), any other node at the
    /// level of sections, under the open heading.
    fn referenced(
        &mut self,
        reference: &str,
        parent: Option<&str>,
        kind: NodeKind,
        num: Option<String>,
        draft: Draft,
        family: Option<Style>,
    ) {
        match parent.and_then(|parent| self.referenced.get(parent)) {
            Some(path) => self.path = path.clone(),
            None if kind == NodeKind::Footnote || parent.is_some() => {
                while self.path.len() > 1 && self.top_kind() == Some(NodeKind::Footnote) {
                    self.pop();
                }
            }
            None => {
                while !matches!(self.top().role, Role::Root | Role::Part(_)) {
                    self.pop();
                }
            }
        }
        let role = match kind {
            NodeKind::Item | NodeKind::Action if parent.is_some() => {
                Role::Item { marker_indent: 0 }
            }
            NodeKind::Footnote => Role::Paragraph {
                numbered: false,
                section_level: false,
            },
            _ => Role::Paragraph {
                numbered: true,
                section_level: true,
            },
        };
        if let Some(style) = family {
            let last = self.path.len() - 1;
            let family = Family { style, indent: 0 };
            if !self.path[last].families.contains(&family) {
                self.path[last].families.push(family);
            }
        }
        self.attach(draft.with_num(num), role);
        self.remember(reference);
    }

    fn top_kind(&self) -> Option<NodeKind> {
        self.top().slot.and_then(|slot| self.arena.kind(slot))
    }

    fn top(&self) -> &Open {
        // The root is never popped.
        &self.path[self.path.len() - 1]
    }

    fn pop(&mut self) {
        if self.path.len() > 1 {
            self.path.pop();
        }
    }

    fn attach(&mut self, draft: Draft, role: Role) {
        // The root is path[0], so the new node's depth is the path's length minus one.
        while self.path.len() > crate::MAX_DEPTH {
            self.pop();
        }
        let parent = self.top().slot;
        let slot = self.arena.push(parent, draft);
        self.path.push(Open {
            slot: Some(slot),
            role,
            families: Vec::new(),
        });
    }

    /// Closes the innermost list items whose marker indentation `closes` says end here, with
    /// the paragraphs inside them.
    fn close_items(&mut self, closes: impl Fn(usize) -> bool) {
        let keep = self
            .path
            .iter()
            .rposition(|open| match open.role {
                Role::Item { marker_indent } => !closes(marker_indent),
                Role::Paragraph {
                    section_level: false,
                    ..
                } => false,
                _ => true,
            })
            .unwrap_or(0);
        self.path.truncate(keep + 1);
    }

    fn heading(&mut self, level: usize, num: Option<String>, text: String) {
        self.heading_draft(level, emphasized(NodeKind::Part, text).with_num(num));
    }

    /// Opens a part at `level` (its emphasis already read).
    fn heading_draft(&mut self, level: usize, draft: Draft) {
        while !matches!(self.top().role, Role::Root)
            && !matches!(self.top().role, Role::Part(open) if open < level)
        {
            self.pop();
        }
        self.attach(draft, Role::Part(level));
    }

    fn numbered(&mut self, marker: Marker<'_>, indent: usize, text: String) {
        let family = Family {
            style: marker.style,
            indent,
        };
        self.close_items(|marker_indent| marker_indent > indent);
        // The nearest node (within the current heading) whose children already follow this
        // style continues its sequence; otherwise the style starts a list under the last node.
        let mut found = None;
        for (position, open) in self.path.iter().enumerate().rev() {
            if open.families.contains(&family) {
                found = Some(position);
                break;
            }
            if matches!(open.role, Role::Root | Role::Part(_)) {
                break;
            }
        }
        match found {
            Some(position) => self.path.truncate(position + 1),
            None => {
                let last = self.path.len() - 1;
                self.path[last].families.push(family);
            }
        }
        let under_heading = matches!(self.top().role, Role::Root | Role::Part(_));
        let num = (!marker.num.is_empty()).then(|| marker.num.to_string());
        if marker.style.is_bullet_like() || !under_heading {
            self.attach(
                emphasized(NodeKind::Item, text).with_num(num),
                Role::Item {
                    marker_indent: indent,
                },
            );
        } else {
            self.attach(
                emphasized(NodeKind::Paragraph, text).with_num(num),
                Role::Paragraph {
                    numbered: true,
                    section_level: true,
                },
            );
        }
    }

    /// A paragraph without a number (`kind` a paragraph, or a goal after its heading).
    fn plain(&mut self, draft: Draft, indent: usize) {
        // Indented text under a list item belongs to that item.
        if indent > 0 {
            self.close_items(|marker_indent| marker_indent >= indent);
            if matches!(self.top().role, Role::Item { .. }) {
                return self.attach(
                    draft,
                    Role::Paragraph {
                        numbered: false,
                        section_level: false,
                    },
                );
            }
        }
        while !matches!(
            self.top().role,
            Role::Root
                | Role::Part(_)
                | Role::Paragraph {
                    section_level: true,
                    ..
                }
        ) {
            self.pop();
        }
        let top = self.top();
        if let (
            Role::Paragraph {
                numbered: true,
                section_level: true,
            },
            Some(slot),
        ) = (top.role, top.slot)
            && self.arena.has_children(slot)
        {
            // Text after the points of a numbered paragraph still belongs to it.
            return self.attach(
                draft,
                Role::Paragraph {
                    numbered: false,
                    section_level: false,
                },
            );
        }
        if matches!(self.top().role, Role::Paragraph { .. }) {
            self.pop();
        }
        // A paragraph ends the bullet lists of its parent; numbered sequences go on past it.
        let last = self.path.len() - 1;
        self.path[last]
            .families
            .retain(|family| !family.style.is_bullet_like());
        self.attach(
            draft,
            Role::Paragraph {
                numbered: false,
                section_level: true,
            },
        );
    }

    /// The tree, with each footnote under the first node whose text or number carries its
    /// marker (`[^1]`), or at the end of the document if none does.
    fn finish(mut self) -> Vec<Draft> {
        let footnotes = std::mem::take(&mut self.footnotes);
        for (_, label, text) in footnotes {
            let marker = format!("[^{label}]");
            let carrier = self
                .arena
                .drafts()
                .find(|(_, d)| d.kind != NodeKind::Footnote && d.text.contains(&marker))
                .map(|(index, _)| index);
            self.arena.push(
                carrier,
                emphasized(NodeKind::Footnote, text).with_num(Some(marker)),
            );
        }
        self.arena.into_drafts()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use penholder_core::{Document, Node, References};

    fn import(text: &str) -> Document {
        import_markdown(text, &mut IdSource::new(1, 0))
            .unwrap()
            .document
    }

    /// The tree as one line per node: depth, kind, number, text.
    fn outline(document: &Document) -> String {
        fn go(nodes: &[Node], depth: usize, out: &mut String) {
            for node in nodes {
                let num = node
                    .num
                    .as_deref()
                    .map(|n| format!("[{n}] "))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "{}{} {}{}\n",
                    "  ".repeat(depth),
                    node.kind,
                    num,
                    node.text
                ));
                go(&node.children, depth + 1, out);
            }
        }
        let mut out = String::new();
        go(&document.nodes, 0, &mut out);
        out
    }

    fn check(text: &str, expected: &str) {
        assert_eq!(outline(&import(text)), expected, "\n{text}");
    }

    #[test]
    fn headings_nest_by_level_and_keep_their_numbers() {
        check(
            "# Grundgesetz\n\n## I. - Die Grundrechte\n\n### Art 1\n\n(1) Die Würde.\n\n### Art 2\n\n## II. Der Bund\n",
            "part Grundgesetz\n  part [I.] - Die Grundrechte\n    part [Art 1] \n      paragraph [(1)] Die Würde.\n    part [Art 2] \n  part [II.] Der Bund\n",
        );
        check(
            "# 1 Introduction\n\n## 1.1 IPR Policy\n\nText.\n\nTitle\n=====\n\nSub\n---\n",
            "part [1] Introduction\n  part [1.1] IPR Policy\n    paragraph Text.\npart Title\n  part Sub\n",
        );
    }

    #[test]
    fn numbered_points_are_items_of_their_paragraph_and_continue_after_text() {
        check(
            "(1) Der Bund hat:\n\n1.  die a;\n\n9a. die b;\n\n10. die c\n\n    a)  in x,\n\n    b)  in y\n\nsowie z;\n\n11. die d.\n\n(2) Weiter.\n",
            "paragraph [(1)] Der Bund hat:\n  item [1.] die a;\n  item [9a.] die b;\n  item [10.] die c\n    item [a)] in x,\n    item [b)] in y\n  paragraph sowie z;\n  item [11.] die d.\nparagraph [(2)] Weiter.\n",
        );
    }

    #[test]
    fn bullets_belong_to_the_paragraph_before_them() {
        check(
            "Adopt the priorities:\n\n- **Priority 1:** Prevent;\n- **Priority 2:** Strengthen\n  wrapped.\n\nThe oath:\n\n*   \"I swear\n    so help me.\"\n\nAfter the oath.\n",
            "paragraph Adopt the priorities:\n  item Priority 1: Prevent;\n  item Priority 2: Strengthen wrapped.\nparagraph The oath:\n  item \"I swear so help me.\"\nparagraph After the oath.\n",
        );
        check(
            "Intro:\n\n* a\n  * a1\n    * a11\n  * a2\n* b\n",
            "paragraph Intro:\n  item a\n    item a1\n      item a11\n    item a2\n  item b\n",
        );
    }

    #[test]
    fn articles_standing_alone_are_headings() {
        check(
            "# Treaty\n\nArticle 1\n\nThe parties agree.\n\nArt. 2 Scope\n\n§ 3 Text of section three.\n\nArticle 4 of the Charter applies.\n",
            "part Treaty\n  part [Article 1] \n    paragraph The parties agree.\n  part [Art. 2] Scope\n    paragraph [§ 3] Text of section three.\n    paragraph Article 4 of the Charter applies.\n",
        );
    }

    #[test]
    fn footnotes_go_under_the_node_carrying_their_marker() {
        let document = import(
            "Text with a note[^1] and another[^n].\n\n- item[^n2]\n\n[^1]: The note.\n[^n]: Second\n  line.\n\n[^n2]: On the item.\n\n[^x]: Unreferenced.\n",
        );
        assert_eq!(
            outline(&document),
            "paragraph Text with a note[^1] and another[^n].\n  footnote [[^1]] The note.\n  footnote [[^n]] Second line.\n  item item[^n2]\n    footnote [[^n2]] On the item.\nfootnote [[^x]] Unreferenced.\n"
        );
        let refs = References::of(&document);
        let names: Vec<&str> = refs.in_order().iter().map(|(_, r)| r.as_str()).collect();
        assert_eq!(names, ["P1", "FN1", "FN2", "P1.a", "FN3", "FN4"]);
    }

    #[test]
    fn verbatim_blocks_keep_their_lines() {
        check(
            "Code:\n\n```\n  - not a bullet\n\n# not a heading\n```\n\n| a | b |\n| - | - |\n\n> quoted\nlazy\n\n<!-- comment\n\nstill -->\n",
            "paragraph Code:\nparagraph ```\n  - not a bullet\n\n# not a heading\n```\nparagraph | a | b |\n| - | - |\nparagraph > quoted\nlazy\nparagraph <!-- comment\n\nstill -->\n",
        );
    }

    #[test]
    fn a_quote_inside_a_list_item_ends_at_the_next_item() {
        check(
            "Must exist:\n  * `notes`\n    > Reasoning: why.\n  * `references`\n    > Refer\nlazily.\n* The value.\n",
            "paragraph Must exist:\n  item `notes`\n    paragraph > Reasoning: why.\n  item `references`\n    paragraph > Refer\nlazily.\n  item The value.\n",
        );
    }

    #[test]
    fn front_matter_is_kept_aside_and_names_the_document() {
        let imported = import_markdown(
            "---\nTitle: Grundgesetz\nslug: gg\n---\n\nText [bracketed alternative / other].\n",
            &mut IdSource::new(1, 0),
        )
        .unwrap();
        assert_eq!(imported.document.title, "Grundgesetz");
        let front = imported.front_matter.unwrap();
        assert_eq!(front.field("slug"), Some("gg"));
        assert_eq!(
            imported.document.nodes[0].text,
            "Text [bracketed alternative / other]."
        );
    }

    #[test]
    fn text_between_two_rules_is_not_front_matter() {
        check("---\n\nText.\n\n---\n", "paragraph Text.\n");
        check("---\na: b\n---\nText.\n", "paragraph Text.\n");
    }

    #[test]
    fn wrapped_lines_join_and_hard_breaks_stay() {
        check(
            "one\n   two\nthree  \nfour \\\nfive\n",
            "paragraph one two three  \nfour \\\nfive\n",
        );
        check(
            "In the year\n7. January counts as text, as does\n(b) here.\n\nBut\n1. starts a list\n",
            "paragraph In the year 7. January counts as text, as does (b) here.\nparagraph But\n  item [1.] starts a list\n",
        );
    }

    #[test]
    fn plain_text_action_plans_read_as_lists() {
        // The `Priority Goal 1` line heads the goal whose title follows: the goal's number is
        // derived (`PG1`), so the line itself is not kept. The numbered lines are its list;
        // a revised upload makes them actions again (`penholder_core::carry_kinds`).
        check(
            "Priority Goal 1\n\nPrevent things\n\n1. Do a;\n2. Do b.\n\nPriority Goal 2\n\nProtect\n",
            "goal Prevent things\n  item [1.] Do a;\n  item [2.] Do b.\ngoal Protect\n",
        );
        // Not standing alone, or followed by no title, it is text.
        check(
            "Priority Goal 1\nPrevent things\n\n## Priority Goal 2\n\nPriority Goal 3\n",
            "paragraph Priority Goal 1 Prevent things\npart Priority Goal 2\n",
        );
    }

    #[test]
    fn nesting_deeper_than_the_bound_is_flattened_not_lost() {
        let text: String = (0..200)
            .map(|depth| format!("{}- item {depth}\n", " ".repeat(2 * depth)))
            .collect();
        let document = import(&text);
        let deepest = document.walk().iter().map(|v| v.depth).max();
        assert_eq!(deepest, Some(crate::MAX_DEPTH - 1));
        assert_eq!(document.node_count(), 200);
    }

    #[test]
    fn empty_input_is_an_error_naming_what_was_expected() {
        let error = import_markdown("\n \n", &mut IdSource::new(1, 0)).unwrap_err();
        assert!(error.to_string().contains("a heading or a paragraph"));
        assert!(import_markdown("---\na: b\n---\n", &mut IdSource::new(1, 0)).is_err());
    }

    #[test]
    fn emphasis_is_read_into_marks_and_literal_asterisks_stay_text() {
        let document = import(
            "# The *Budapest* Process\n\nAdopt:\n\n- **Priority 1:** Prevent __and__ fight;\n- 5 * 3 is _not_ a snake_case word\n\n```\n**code** stays\n```\n\nText[^1].\n\n[^1]: A *footnote*.\n",
        );
        let marked: Vec<(String, penholder_core::MarkKind)> = document
            .walk()
            .into_iter()
            .flat_map(|v| {
                v.node
                    .marks
                    .iter()
                    .map(|m| (v.node.text[m.range()].to_string(), m.kind))
            })
            .collect();
        use penholder_core::MarkKind::{Bold, Italic};
        assert_eq!(
            marked,
            vec![
                ("Budapest".to_string(), Italic),
                ("Priority 1:".to_string(), Bold),
                ("and".to_string(), Bold),
                ("not".to_string(), Italic),
                ("footnote".to_string(), Italic),
            ]
        );
        assert_eq!(
            outline(&document),
            "part The Budapest Process\n  paragraph Adopt:\n    item Priority 1: Prevent and fight;\n    item 5 * 3 is not a snake_case word\n  paragraph ```\n**code** stays\n```\n  paragraph Text[^1].\n    footnote [[^1]] A footnote.\n"
        );
    }

    #[test]
    fn penholder_s_rendering_reads_back_its_emphasis_and_its_escapes() {
        let document = import(
            "**OP1** 1. Adopt **Priority 1:** the \\*starred\\* text and *this*\\\nover two lines\n",
        );
        let node = &document.nodes[0];
        assert_eq!(
            node.text,
            "Adopt Priority 1: the *starred* text and this\nover two lines"
        );
        let marked: Vec<&str> = node.marks.iter().map(|m| &node.text[m.range()]).collect();
        assert_eq!(marked, vec!["Priority 1:", "this"]);
    }

    #[test]
    fn a_dash_alone_is_the_text_of_a_repealed_article_not_an_empty_bullet() {
        check(
            "### Art 49\n\n-\n\n### Art 50\n\n–\n\nArticle 51\n\n—\n\nArticle 52\n\n(repealed)\n",
            "part [Art 49] \n  paragraph -\npart [Art 50] \n  paragraph –\n  part [Article 51] \n    paragraph —\n  part [Article 52] \n    paragraph (repealed)\n",
        );
        // Right under a heading, without a blank line, too.
        check("### Art 49\n-\n", "part [Art 49] \n  paragraph -\n");
        // Right after a list's items, a dash alone is an empty item, as in CommonMark.
        check(
            "Intro:\n\n- a\n-\n",
            "paragraph Intro:\n  item a\n  item \n",
        );
    }

    #[test]
    fn indented_lines_after_a_footnote_belong_to_it() {
        check(
            "## Art 1\n\nText[^1].\n\n[^1]: First line\n    wrapped.\n\n    Second paragraph\n  of the note.\n\n\tThird, after a tab.\n\nBack in the article.\n",
            "part [Art 1] \n  paragraph Text[^1].\n    footnote [[^1]] First line wrapped.\n\nSecond paragraph of the note.\n\nThird, after a tab.\n  paragraph Back in the article.\n",
        );
        // A footnote defined inside a list item continues only over lines indented beyond it.
        check(
            "Intro:\n\n- Point[^1]\n\n  [^1]: The note\n\n    goes on.\n\n  More of the point.\n",
            "paragraph Intro:\n  item Point[^1]\n    footnote [[^1]] The note\n\ngoes on.\n    paragraph More of the point.\n",
        );
        // An indented definition of another footnote is that footnote.
        check(
            "A[^1] B[^2].\n\n[^1]: One.\n  [^2]: Two.\n",
            "paragraph A[^1] B[^2].\n  footnote [[^1]] One.\n  footnote [[^2]] Two.\n",
        );
        // An attribute list is markup there too.
        check(
            "T[^1]\n\n[^1]: One\n  {:.small}\n\n  {: #two}\n  Two\n",
            "paragraph T[^1]\n  footnote [[^1]] One\n\nTwo\n",
        );
        // A definition with nothing on its first line takes the indented lines after it.
        check(
            "Text[^a].\n\n[^a]:\n    The note.\n",
            "paragraph Text[^a].\n  footnote [[^a]] The note.\n",
        );
    }

    #[test]
    fn a_footnote_of_several_paragraphs_survives_the_structured_form() {
        let document = import("Text[^1].\n\n[^1]: One.\n\n    Two.\n");
        let back = crate::structured::import(
            &crate::structured::export(&document),
            &mut IdSource::new(7, 0),
        )
        .unwrap();
        assert_eq!(back, document);
    }

    #[test]
    fn escaped_braces_are_text_not_an_attribute_list() {
        for text in ["Recalling\\{:\\}", "Recalling \\{:.x}", "Recalling {:.x\\}"] {
            assert_eq!(without_attribute_list(text), text, "{text}");
        }
        assert_eq!(without_attribute_list("Scope {:.no_toc}"), "Scope");
    }

    #[test]
    fn kramdown_attribute_lists_and_the_toc_marker_are_markup() {
        check(
            "# Title {:.no_toc}\n\n## Contents\n{:.no_toc}\n\n* TOC\n{:toc}\n\nText.\n{: #id .class}\n\n| a |\n{: .table}\n\nA set {a, b} and {:not closed.\n",
            "part Title\n  part Contents\n    paragraph Text.\n    paragraph | a |\n    paragraph A set {a, b} and {:not closed.\n",
        );
        // A list other than a TOC placeholder stays; an extension is not an attribute list.
        check(
            "* TOC\n* real\n\n{::comment}\n",
            "item TOC\nitem real\nparagraph {::comment}\n",
        );
    }

    #[test]
    fn latin_and_letter_suffixes_are_part_of_the_number() {
        check(
            "# Treaty\n\nArticle 8 bis\n\nText.\n\nArticle 3ter Scope\n\n[Article 3bis]\n\nArt. 8-quater\n\nRule 4 quater\n\n## Article 9 Quinquies Final\n",
            "part Treaty\n  part [Article 8 bis] \n    paragraph Text.\n  part [Article 3ter] Scope\n  part [[Article 3bis]] \n  part [Art. 8-quater] \n  part [Rule 4 quater] \n  part [Article 9 Quinquies] Final\n",
        );
        let num = |t| marker(t).map(|m| (m.num, m.rest));
        assert_eq!(num("§ 12a Text"), Some(("§ 12a", "Text")));
        assert_eq!(num("§ 12 bis Text"), Some(("§ 12 bis", "Text")));
        assert_eq!(num("3bis. Text"), Some(("3bis.", "Text")));
        assert_eq!(num("(2bis) Text"), Some(("(2bis)", "Text")));
        // German `bis` is "to": a range is not a suffix.
        assert_eq!(num("§ 12 bis 14 gelten"), Some(("§ 12", "bis 14 gelten")));
        assert_eq!(num("Art 12 bis Art 14").map(|m| m.0), Some("Art 12"));
        // A link or a bracket that does not close on the number is text.
        assert_eq!(num("[Article 3](x) y"), None);
        assert_eq!(num("[Article 3 of the Charter]"), None);
        assert_eq!(num("Article 8 bisect"), Some(("Article 8", "bisect")));
        assert_eq!(num("ARTICLE 8 BIS x"), Some(("ARTICLE 8 BIS", "x")));
        assert_eq!(num("Article 8 bIS x"), Some(("Article 8", "bIS x")));
    }

    #[test]
    fn every_key_of_the_front_matter_is_kept() {
        let imported = import_markdown(
            "---\ntitle: \"Treaty\"\nLast updated: 2024-01-02\ntags:\n  - law\n  - eu\nsummary: |\n  Line one\n  line two\nwrapped: a long\n  value\n# a comment\nodd: [1, 2\n---\n\nText.\n",
            &mut IdSource::new(1, 0),
        )
        .unwrap();
        assert_eq!(imported.document.title, "Treaty");
        let front = imported.front_matter.unwrap();
        let fields: Vec<(&str, &str)> = front
            .fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("title", "Treaty"),
                ("Last updated", "2024-01-02"),
                ("tags", "- law\n- eu"),
                ("summary", "Line one\nline two"),
                ("wrapped", "a long value"),
                ("odd", "[1, 2"),
            ]
        );
        assert!(front.raw.contains("# a comment"));
    }

    #[test]
    fn xml_and_html_are_refused_saying_what_to_send_instead() {
        let refused = |text: &str| {
            import_markdown(text, &mut IdSource::new(1, 0))
                .unwrap_err()
                .to_string()
        };
        let akn = refused(
            "<?xml version=\"1.0\"?>\n<!-- made by hand -->\n<akomaNtoso xmlns=\"http://docs.oasis-open.org/legaldocml/ns/akn/3.0\">\n<act/></akomaNtoso>\n",
        );
        assert!(akn.starts_with("line 3:"), "{akn}");
        assert!(
            akn.contains("Akoma Ntoso XML: send it with format \"akn\""),
            "{akn}"
        );
        assert!(refused("<an:akomaNtoso>x</an:akomaNtoso>").contains("Akoma Ntoso"));
        for html in [
            "<!DOCTYPE html>\n<p>x</p>",
            "<html lang=\"en\"><body>x</body></html>",
        ] {
            assert!(refused(html).contains("HTML page: send Markdown or plain text"));
        }
        let with_subset = refused(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE akomaNtoso [\n<!ENTITY x \"y\">\n]>\n<akomaNtoso/>",
        );
        assert!(with_subset.starts_with("line 5:"), "{with_subset}");
        let xml = refused("<note>\n  <to>Tove</to>\n</note>\n");
        assert!(xml.contains("XML document (root element <note>)"), "{xml}");
        // Markdown opening with an HTML block or a comment, or mentioning a tag, is imported.
        for markdown in [
            "<p align=\"center\"><img src=\"logo.png\"></p>\n\n# Title\n\nText.\n<p>end</p>",
            "<!-- draft -->\n# Title\n",
            "<div>\nx\n</div>",
            "<2 years of age is young.\n",
            "# A note\n\n<note>x</note>\n",
        ] {
            assert!(
                import_markdown(markdown, &mut IdSource::new(1, 0)).is_ok(),
                "{markdown}"
            );
        }
    }

    #[test]
    fn markers() {
        let num = |t| marker(t).map(|m| (m.num, m.rest));
        assert_eq!(num("(1) Die"), Some(("(1)", "Die")));
        assert_eq!(num("4c. über"), Some(("4c.", "über")));
        assert_eq!(num("aa) x"), Some(("aa)", "x")));
        assert_eq!(num("(iv) x"), Some(("(iv)", "x")));
        assert_eq!(num("§ 5 x"), Some(("§ 5", "x")));
        assert_eq!(num("IV. x"), Some(("IV.", "x")));
        assert_eq!(num("- x"), Some(("", "x")));
        assert_eq!(num("31\\. Dezember"), None);
        assert_eq!(num("9), das"), None);
        assert_eq!(num("etc. and"), None);
        assert_eq!(num("2023. It"), None);
        assert_eq!(num("(weggefallen)"), None);
        assert_eq!(num("*emphasis*"), None);
        assert_eq!(heading_number("1.1 IPR"), (Some("1.1"), "IPR"));
        assert_eq!(heading_number("Art 93"), (Some("Art 93"), ""));
        assert_eq!(
            heading_number("VIIIa. - Gemeinschaft"),
            (Some("VIIIa."), "- Gemeinschaft")
        );
        assert_eq!(
            heading_number("2023 in review"),
            (Some("2023"), "in review")
        );
        assert_eq!(heading_number("Notices"), (None, "Notices"));
    }
}
