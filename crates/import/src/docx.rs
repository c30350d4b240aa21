//! Word files in: reads a .docx (a delegation's edited copy of penholder's DOCX, or any Word
//! file) into its paragraphs as the text was before and after its tracked changes, with the
//! node id each paragraph carries, its comments and the changes still pending.
//!
//! What penholder's own DOCX carries (`penholder_render::docx::version`): a bookmark named
//! `ph_` + the node id's 32 hexadecimal digits around each node's paragraph, and the custom
//! document properties `PenholderVersion` and `PenholderVersionHash`. Word and LibreOffice keep
//! both through an edit-and-save with change tracking on (`tests/docx_libreoffice.rs` checks it
//! with LibreOffice).
//!
//! A .docx is a zip of XML parts, so it is read defensively: the archive's size, its number of
//! entries, each part's size and its compression ratio are bounded (before and while
//! inflating: a declared size is not trusted), a file that is not a zip is named for what it
//! looks like (a .doc, a PDF, text), XML with a `DOCTYPE` is refused (no DTD is read, no
//! entity but XML's five is expanded), nesting is bounded. Reading is one pass over each part;
//! nothing here panics or loops on any input (`fuzz/fuzz_targets/import_docx.rs`).

use penholder_core::{InlineMark, MarkKind, NodeId, normalize_marks};
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use std::collections::BTreeMap;
use std::io::Read;

/// The bookmark name prefix of a node's paragraph (as `penholder_render` writes it).
pub const NODE_BOOKMARK_PREFIX: &str = "ph_";
/// The custom property holding the number of the version the file was written from.
pub const VERSION_PROPERTY: &str = "PenholderVersion";
/// The custom property holding that version's hash.
pub const HASH_PROPERTY: &str = "PenholderVersionHash";
/// Stands in a paragraph's text where Word has a footnote reference: the caller puts back the
/// marker its node's text carries there.
pub const FOOTNOTE_REFERENCE: char = '\u{FFFC}';
/// The character style of the reference (`PP1 `, `OP2.a `) penholder writes at the start of
/// each paragraph (`penholder_render::docx::REFERENCE_STYLE`, the same name): a label, not the
/// text, so its runs are skipped.
pub const REFERENCE_STYLE: &str = "NodeReference";
/// The same style's display name: Word keeps the id, LibreOffice may write a new id from the
/// name on saving, so a style of either is the reference style.
pub const REFERENCE_STYLE_NAME: &str = "Node reference";

/// The bounds a .docx is read within.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The file's size.
    pub compressed_bytes: usize,
    /// The declared sizes of all entries together, and what one read part may inflate to.
    pub uncompressed_bytes: u64,
    pub entries: usize,
    /// A part's inflated size over its compressed size.
    pub ratio: u64,
    /// Element nesting in a part.
    pub depth: usize,
}

impl Default for Limits {
    /// Generous for any negotiated text (a 300-page draft is about 1 MB zipped), small enough
    /// that one request cannot take a server's memory.
    fn default() -> Self {
        Limits {
            compressed_bytes: 20 << 20,
            uncompressed_bytes: 200 << 20,
            entries: 2_000,
            ratio: 200,
            depth: 256,
        }
    }
}

/// Why a file could not be read as a Word document; each message says what to send instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocxError {
    #[error(
        "this is a Word 97-2003 .doc (or another OLE file), not a .docx: save it in Word as \"Word Document (*.docx)\" and send that"
    )]
    LegacyDoc,
    #[error("this is a PDF, not a .docx: send the Word file the PDF was made from")]
    Pdf,
    #[error(
        "this is not a .docx (a .docx is a zip package; this file {found}): send the file as Word saves it"
    )]
    NotZip { found: String },
    #[error("the .docx package is damaged ({message}): save it again in Word or LibreOffice")]
    Zip { message: String },
    #[error("the .docx is too large: {what}; expected at most {limit}")]
    TooLarge { what: String, limit: String },
    #[error("the .docx has no part {part}: it is not a Word document, or it is damaged")]
    MissingPart { part: String },
    #[error("{part}, line {line}: expected well-formed XML: {message}")]
    Xml {
        part: String,
        line: usize,
        message: String,
    },
}

/// A Word file as penholder understands it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WordFile {
    /// The version it was written from, when penholder wrote it (`PenholderVersion`).
    pub version: Option<u32>,
    /// That version's hash (`PenholderVersionHash`), as written.
    pub version_hash: Option<String>,
    /// The body's paragraphs in order (tables' cells included), without empty ones.
    pub paragraphs: Vec<WordParagraph>,
    /// The comments, in the order of `word/comments.xml`.
    pub comments: Vec<WordComment>,
}

impl WordFile {
    /// Every tracked change still pending, in document order.
    pub fn pending_changes(&self) -> impl Iterator<Item = (usize, &TrackedChange)> {
        self.paragraphs
            .iter()
            .enumerate()
            .flat_map(|(index, p)| p.changes.iter().map(move |c| (index, c)))
    }

    /// Whether any paragraph carries a node id (penholder wrote the file).
    pub fn has_node_ids(&self) -> bool {
        self.paragraphs.iter().any(|p| p.node.is_some())
    }
}

/// One paragraph of the body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WordParagraph {
    /// The node whose bookmark starts in (or just before) this paragraph.
    pub node: Option<NodeId>,
    /// Its text with every tracked change rejected: unchanged and deleted text.
    pub before: String,
    /// Its text with every tracked change accepted: unchanged and inserted text.
    pub after: String,
    /// Bold and italic runs (`w:b`, `w:i` in a run's properties) as marks over `before`
    /// (byte ranges of it; `penholder_core::marks`). A paragraph style's own bold (a heading's)
    /// is the style, not emphasis, and is not read.
    pub marks_before: Vec<InlineMark>,
    /// The same over `after`.
    pub marks_after: Vec<InlineMark>,
    /// The paragraph mark was inserted (a new paragraph, or one split off) with tracking on.
    pub mark_inserted: bool,
    /// The paragraph mark was deleted with tracking on (it joins the next paragraph).
    pub mark_deleted: bool,
    /// Its tracked changes, in order.
    pub changes: Vec<TrackedChange>,
    /// Indexes into [`WordFile::comments`] of the comments anchored in it.
    pub comments: Vec<usize>,
    /// Its paragraph style's id (`Title`, `Subtitle`, `Heading1`), when it names one.
    pub style: Option<String>,
}

impl WordParagraph {
    /// Whether it is the title or the line under it (penholder's DOCX writes both before the
    /// first node, in Word's styles of these names): front matter, not the text.
    pub fn is_front_matter(&self) -> bool {
        matches!(self.style.as_deref(), Some("Title" | "Subtitle"))
    }
}

impl WordParagraph {
    /// Whether the whole paragraph was deleted with tracking on: its mark and every word.
    pub fn deleted_whole(&self) -> bool {
        self.mark_deleted && self.after.trim().is_empty() && !self.before.trim().is_empty()
    }

    /// Whether the whole paragraph was inserted with tracking on.
    pub fn inserted_whole(&self) -> bool {
        self.before.trim().is_empty() && !self.after.trim().is_empty()
    }
}

/// What a tracked change does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    Insertion,
    Deletion,
    /// Text moved away from here (Word's `w:moveFrom`).
    MovedFrom,
    /// Text moved here (`w:moveTo`).
    MovedTo,
    /// A paragraph mark inserted (a paragraph added or split).
    ParagraphInserted,
    /// A paragraph mark deleted (paragraphs joined, or one deleted).
    ParagraphDeleted,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Insertion => "insertion",
            ChangeKind::Deletion => "deletion",
            ChangeKind::MovedFrom => "moved from",
            ChangeKind::MovedTo => "moved to",
            ChangeKind::ParagraphInserted => "paragraph mark inserted",
            ChangeKind::ParagraphDeleted => "paragraph mark deleted",
        }
    }
}

/// One tracked change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackedChange {
    pub kind: ChangeKind,
    pub author: String,
    /// As written (`2024-01-05T10:00:00Z`); empty when absent.
    pub date: String,
    /// The text inserted, deleted or moved (empty for a paragraph mark).
    pub text: String,
}

/// A comment of `word/comments.xml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WordComment {
    pub id: String,
    pub author: String,
    pub date: String,
    /// Its paragraphs, one per line.
    pub text: String,
}

/// Reads a .docx within the default [`Limits`].
pub fn read_docx(bytes: &[u8]) -> Result<WordFile, DocxError> {
    read_docx_within(bytes, Limits::default())
}

/// Reads a .docx within `limits`.
pub fn read_docx_within(bytes: &[u8], limits: Limits) -> Result<WordFile, DocxError> {
    recognize(bytes)?;
    if bytes.len() > limits.compressed_bytes {
        return Err(DocxError::TooLarge {
            what: format!("the file has {} bytes", bytes.len()),
            limit: format!("{} bytes", limits.compressed_bytes),
        });
    }
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(zip_error)?;
    if archive.len() > limits.entries {
        return Err(DocxError::TooLarge {
            what: format!("the package has {} entries", archive.len()),
            limit: format!("{} entries", limits.entries),
        });
    }
    let mut declared: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).map_err(zip_error)?;
        declared = declared.saturating_add(entry.size());
    }
    if declared > limits.uncompressed_bytes {
        return Err(DocxError::TooLarge {
            what: format!("its parts inflate to {declared} bytes"),
            limit: format!("{} bytes", limits.uncompressed_bytes),
        });
    }
    let document =
        part(&mut archive, "word/document.xml", limits)?.ok_or_else(|| DocxError::MissingPart {
            part: "word/document.xml".into(),
        })?;
    let comments_xml = part(&mut archive, "word/comments.xml", limits)?;
    let custom_xml = part(&mut archive, "docProps/custom.xml", limits)?;
    let styles_xml = part(&mut archive, "word/styles.xml", limits)?;

    let comments = match &comments_xml {
        Some(xml) => read_comments(xml, limits.depth)?,
        None => Vec::new(),
    };
    let properties = match &custom_xml {
        Some(xml) => read_custom_properties(xml, limits.depth)?,
        None => BTreeMap::new(),
    };
    let mut reference_styles = vec![REFERENCE_STYLE.to_owned()];
    if let Some(xml) = &styles_xml {
        reference_styles.extend(styles_named(xml, REFERENCE_STYLE_NAME, limits.depth)?);
    }
    let mut paragraphs = read_body(&document, &reference_styles, limits.depth)?;
    // Comments by id → index, then each paragraph's ids replaced by indexes.
    let index_of: BTreeMap<&str, usize> = comments
        .iter()
        .enumerate()
        .map(|(index, c)| (c.id.as_str(), index))
        .collect();
    for paragraph in &mut paragraphs {
        let ids = std::mem::take(&mut paragraph.1);
        for id in ids {
            if let Some(index) = index_of.get(id.as_str())
                && !paragraph.0.comments.contains(index)
            {
                paragraph.0.comments.push(*index);
            }
        }
    }
    Ok(WordFile {
        version: properties
            .get(VERSION_PROPERTY)
            .and_then(|v| v.trim().parse().ok()),
        version_hash: properties.get(HASH_PROPERTY).map(|v| v.trim().to_string()),
        paragraphs: paragraphs.into_iter().map(|(p, _)| p).collect(),
        comments,
    })
}

/// Names what a file that is not a zip looks like.
fn recognize(bytes: &[u8]) -> Result<(), DocxError> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Ok(());
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Err(DocxError::LegacyDoc);
    }
    if bytes.starts_with(b"%PDF") {
        return Err(DocxError::Pdf);
    }
    let found = if bytes.is_empty() {
        "is empty".to_string()
    } else if bytes.starts_with(b"{\\rtf") {
        "is RTF".to_string()
    } else if std::str::from_utf8(&bytes[..bytes.len().min(512)]).is_ok() {
        "is plain text".to_string()
    } else {
        "starts with neither PK nor any known signature".to_string()
    };
    Err(DocxError::NotZip { found })
}

fn zip_error(error: zip::result::ZipError) -> DocxError {
    DocxError::Zip {
        message: error.to_string(),
    }
}

/// One part's text, inflated within the limits (its actual size is bounded, whatever it
/// declares), or `None` when the package has no such part.
fn part(
    archive: &mut zip::ZipArchive<std::io::Cursor<&[u8]>>,
    name: &str,
    limits: Limits,
) -> Result<Option<String>, DocxError> {
    let entry = match archive.by_name(name) {
        Ok(entry) => entry,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(error) => return Err(zip_error(error)),
    };
    let compressed = entry.compressed_size().max(1);
    let bound = limits
        .uncompressed_bytes
        .min(compressed.saturating_mul(limits.ratio).max(64 << 10));
    let too_large = || DocxError::TooLarge {
        what: format!("{name} inflates beyond {bound} bytes"),
        limit: format!(
            "{} times its compressed size and {} bytes",
            limits.ratio, limits.uncompressed_bytes
        ),
    };
    if entry.size() > bound {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    entry
        .take(bound + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| DocxError::Zip {
            message: format!("{name}: {error}"),
        })?;
    if bytes.len() as u64 > bound {
        return Err(too_large());
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| DocxError::Xml {
            part: name.to_string(),
            line: 1,
            message: "expected UTF-8 text".into(),
        })
}

/// A streaming walk over one part's elements, with the safety rules of this module.
struct Walk<'a> {
    part: &'static str,
    text: &'a str,
    reader: Reader<&'a [u8]>,
    depth: usize,
    max_depth: usize,
}

/// What the walk meets, names without their prefix.
enum Step<'a> {
    Open(BytesStart<'a>),
    Empty(BytesStart<'a>),
    Close(String),
    Text(String),
    End,
}

impl<'a> Walk<'a> {
    fn new(part: &'static str, text: &'a str, max_depth: usize) -> Self {
        Walk {
            part,
            text,
            reader: Reader::from_str(text),
            depth: 0,
            max_depth,
        }
    }

    fn error(&self, offset: u64, message: impl Into<String>) -> DocxError {
        let offset = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        let line = 1 + self.text.as_bytes()[..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        DocxError::Xml {
            part: self.part.to_string(),
            line,
            message: message.into(),
        }
    }

    fn next(&mut self) -> Result<Step<'a>, DocxError> {
        loop {
            let start = self.reader.buffer_position();
            let event = match self.reader.read_event() {
                Ok(event) => event,
                Err(error) => {
                    return Err(self.error(self.reader.error_position(), error.to_string()));
                }
            };
            return Ok(match event {
                Event::Start(tag) => {
                    self.depth += 1;
                    if self.depth > self.max_depth {
                        return Err(self.error(
                            start,
                            format!("elements nested at most {} deep", self.max_depth),
                        ));
                    }
                    Step::Open(tag)
                }
                Event::Empty(tag) => Step::Empty(tag),
                Event::End(tag) => {
                    self.depth = self.depth.saturating_sub(1);
                    Step::Close(tag.local_name().as_ref().to_string())
                }
                Event::Text(text) => Step::Text(text.xml10_content().into_owned()),
                Event::CData(text) => Step::Text(String::from(&*text)),
                Event::GeneralRef(reference) => {
                    let character = match reference.resolve_char_ref() {
                        Ok(Some(c)) => c,
                        Ok(None) => match &*reference {
                            "amp" => '&',
                            "lt" => '<',
                            "gt" => '>',
                            "quot" => '"',
                            "apos" => '\'',
                            other => {
                                return Err(self.error(
                                    start,
                                    format!("only XML's own entities; `&{other};` is not resolved"),
                                ));
                            }
                        },
                        Err(error) => return Err(self.error(start, error.to_string())),
                    };
                    Step::Text(character.to_string())
                }
                Event::DocType(_) => {
                    return Err(self.error(
                        start,
                        "no DOCTYPE: a Word part declares none, and penholder reads no DTD and expands no entity",
                    ));
                }
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => continue,
                Event::Eof => Step::End,
            });
        }
    }

    /// Skips the rest of the element just opened.
    fn skip(&mut self) -> Result<(), DocxError> {
        let target = self.depth.saturating_sub(1);
        while self.depth > target {
            if let Step::End = self.next()? {
                return Ok(());
            }
        }
        Ok(())
    }

    fn attribute(&self, tag: &BytesStart<'_>, local: &str) -> Option<String> {
        tag.attributes().flatten().find_map(|attribute| {
            (attribute.key.local_name().as_ref() == local)
                .then(|| {
                    attribute
                        .normalized_value(XmlVersion::Implicit1_0)
                        .ok()
                        .map(|v| v.into_owned())
                })
                .flatten()
        })
    }
}

/// Where a piece of text counts while the body is walked.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Both,
    Before,
    After,
}

/// The body's paragraphs, each with the comment ids anchored in it.
fn read_body(
    xml: &str,
    reference_styles: &[String],
    max_depth: usize,
) -> Result<Vec<(WordParagraph, Vec<String>)>, DocxError> {
    let mut walk = Walk::new("word/document.xml", xml, max_depth);
    let mut out: Vec<(WordParagraph, Vec<String>)> = Vec::new();
    let mut current: Option<(WordParagraph, Vec<String>)> = None;
    // A node bookmark met between paragraphs belongs to the next one.
    let mut pending_node: Option<NodeId> = None;
    // Open tracked-change containers (w:ins, w:del, w:moveFrom, w:moveTo), innermost last.
    let mut tracked: Vec<(String, ChangeKind, String, String)> = Vec::new();
    let mut in_paragraph_properties = 0usize;
    let mut in_text = false;
    let mut in_deleted_text = false;
    // Inside a run of penholder's reference style: its text is a label, not the paragraph's.
    let mut in_reference_run = false;
    // The emphasis of the current run (`w:rPr/w:b`, `w:rPr/w:i`).
    let mut run_emphasis = RunEmphasis::default();
    loop {
        match walk.next()? {
            Step::End => break,
            step @ (Step::Open(_) | Step::Empty(_)) => {
                let (tag, empty) = match step {
                    Step::Open(tag) => (tag, false),
                    Step::Empty(tag) => (tag, true),
                    _ => continue,
                };
                let name = tag.local_name().as_ref().to_string();
                match name.as_str() {
                    "p" if !empty => {
                        if current.is_some() {
                            // A paragraph inside a paragraph (a text box's): not the text.
                            walk.skip()?;
                            continue;
                        }
                        current = Some((
                            WordParagraph {
                                node: pending_node.take(),
                                ..WordParagraph::default()
                            },
                            Vec::new(),
                        ));
                    }
                    "drawing" | "pict" | "object" | "Fallback" | "instrText" if !empty => {
                        walk.skip()?;
                    }
                    "pPr" if !empty => in_paragraph_properties += 1,
                    "r" if !empty => {
                        in_reference_run = false;
                        run_emphasis = RunEmphasis::default();
                    }
                    "b" | "i" if in_paragraph_properties == 0 => {
                        // `w:val="0"` (or false, off) switches it off, as a style may have it on.
                        let on = !walk
                            .attribute(&tag, "val")
                            .is_some_and(|v| matches!(v.as_str(), "0" | "false" | "off"));
                        if name == "b" {
                            run_emphasis.bold = on;
                        } else {
                            run_emphasis.italic = on;
                        }
                        if !empty {
                            walk.skip()?;
                        }
                    }
                    "pStyle" if in_paragraph_properties > 0 => {
                        if let Some((paragraph, _)) = current.as_mut() {
                            paragraph.style = walk.attribute(&tag, "val");
                        }
                        if !empty {
                            walk.skip()?;
                        }
                    }
                    "rStyle" if in_paragraph_properties == 0 => {
                        if walk
                            .attribute(&tag, "val")
                            .is_some_and(|style| reference_styles.contains(&style))
                        {
                            in_reference_run = true;
                        }
                        if !empty {
                            walk.skip()?;
                        }
                    }
                    "ins" | "del" | "moveFrom" | "moveTo" => {
                        let author = walk.attribute(&tag, "author").unwrap_or_default();
                        let date = walk.attribute(&tag, "date").unwrap_or_default();
                        if in_paragraph_properties > 0 {
                            // On the paragraph mark (`w:pPr/w:rPr/w:ins`).
                            if let Some((paragraph, _)) = current.as_mut() {
                                let kind = if name == "ins" || name == "moveTo" {
                                    paragraph.mark_inserted = true;
                                    ChangeKind::ParagraphInserted
                                } else {
                                    paragraph.mark_deleted = true;
                                    ChangeKind::ParagraphDeleted
                                };
                                paragraph.changes.push(TrackedChange {
                                    kind,
                                    author,
                                    date,
                                    text: String::new(),
                                });
                            }
                            if !empty {
                                walk.skip()?;
                            }
                            continue;
                        }
                        if empty {
                            continue;
                        }
                        let kind = match name.as_str() {
                            "ins" => ChangeKind::Insertion,
                            "del" => ChangeKind::Deletion,
                            "moveFrom" => ChangeKind::MovedFrom,
                            _ => ChangeKind::MovedTo,
                        };
                        if let Some((paragraph, _)) = current.as_mut() {
                            paragraph.changes.push(TrackedChange {
                                kind,
                                author: author.clone(),
                                date: date.clone(),
                                text: String::new(),
                            });
                        }
                        tracked.push((name, kind, author, date));
                    }
                    "bookmarkStart" => {
                        let node = walk
                            .attribute(&tag, "name")
                            .and_then(|name| node_of_bookmark(&name));
                        if let Some(node) = node {
                            match current.as_mut() {
                                Some((paragraph, _)) => {
                                    if paragraph.node.is_none() {
                                        paragraph.node = Some(node);
                                    }
                                }
                                None => pending_node = Some(node),
                            }
                        }
                        if !empty {
                            walk.skip()?;
                        }
                    }
                    "commentRangeStart" | "commentReference" => {
                        if let (Some((_, ids)), Some(id)) =
                            (current.as_mut(), walk.attribute(&tag, "id"))
                            && !ids.contains(&id)
                        {
                            ids.push(id);
                        }
                        if !empty {
                            walk.skip()?;
                        }
                    }
                    "t" if !empty && in_paragraph_properties == 0 => in_text = true,
                    "delText" if !empty && in_paragraph_properties == 0 => in_deleted_text = true,
                    "tab" | "br" | "cr" | "noBreakHyphen" | "softHyphen" | "footnoteReference"
                        if in_paragraph_properties == 0 && !in_reference_run =>
                    {
                        let text = match name.as_str() {
                            "tab" => "\t".to_string(),
                            "br" | "cr" => "\n".to_string(),
                            "noBreakHyphen" => "\u{2011}".to_string(),
                            "softHyphen" => "\u{00AD}".to_string(),
                            _ => FOOTNOTE_REFERENCE.to_string(),
                        };
                        add_text(current.as_mut(), &tracked, &text, run_emphasis);
                        if !empty {
                            walk.skip()?;
                        }
                    }
                    _ => {}
                }
            }
            Step::Close(name) => match name.as_str() {
                "p" => {
                    if let Some(paragraph) = current.take() {
                        out.push(paragraph);
                    }
                }
                "pPr" => in_paragraph_properties = in_paragraph_properties.saturating_sub(1),
                "r" => {
                    in_reference_run = false;
                    run_emphasis = RunEmphasis::default();
                }
                "t" => in_text = false,
                "delText" => in_deleted_text = false,
                "ins" | "del" | "moveFrom" | "moveTo"
                    if tracked.last().is_some_and(|(open, ..)| *open == name) =>
                {
                    tracked.pop();
                }
                _ => {}
            },
            Step::Text(text) => {
                if (in_text || in_deleted_text) && !in_reference_run {
                    add_text(current.as_mut(), &tracked, &text, run_emphasis);
                }
            }
        }
    }
    for (paragraph, _) in &mut out {
        paragraph.marks_before = normalize_marks(std::mem::take(&mut paragraph.marks_before));
        paragraph.marks_after = normalize_marks(std::mem::take(&mut paragraph.marks_after));
    }
    out.retain(|(p, ids)| {
        !p.before.trim().is_empty()
            || !p.after.trim().is_empty()
            || p.node.is_some()
            || !ids.is_empty()
    });
    Ok(out)
}

/// Whether the run being read is bold or italic.
#[derive(Clone, Copy, Debug, Default)]
struct RunEmphasis {
    bold: bool,
    italic: bool,
}

impl RunEmphasis {
    /// Marks of this emphasis over `range`.
    fn marks(self, range: std::ops::Range<usize>) -> Vec<InlineMark> {
        if range.is_empty() {
            return Vec::new();
        }
        [(self.bold, MarkKind::Bold), (self.italic, MarkKind::Italic)]
            .into_iter()
            .filter(|(on, _)| *on)
            .map(|(_, kind)| InlineMark::new(range.clone(), kind))
            .collect()
    }
}

/// Adds text to the paragraph being read, on the side its innermost tracked change says (with
/// its run's emphasis), and to that change's own text.
fn add_text(
    current: Option<&mut (WordParagraph, Vec<String>)>,
    tracked: &[(String, ChangeKind, String, String)],
    text: &str,
    emphasis: RunEmphasis,
) {
    let Some((paragraph, _)) = current else {
        return;
    };
    let side = match tracked.last().map(|t| t.1) {
        None => Side::Both,
        Some(ChangeKind::Deletion | ChangeKind::MovedFrom) => Side::Before,
        Some(_) => Side::After,
    };
    if side != Side::After {
        let start = paragraph.before.len();
        paragraph.before.push_str(text);
        let range = start..paragraph.before.len();
        paragraph.marks_before.extend(emphasis.marks(range));
    }
    if side != Side::Before {
        let start = paragraph.after.len();
        paragraph.after.push_str(text);
        let range = start..paragraph.after.len();
        paragraph.marks_after.extend(emphasis.marks(range));
    }
    if side != Side::Both
        && let Some(change) = paragraph.changes.iter_mut().rev().find(|c| {
            !matches!(
                c.kind,
                ChangeKind::ParagraphInserted | ChangeKind::ParagraphDeleted
            )
        })
    {
        change.text.push_str(text);
    }
}

/// The node id a bookmark name carries (`ph_` + 32 hexadecimal digits).
pub fn node_of_bookmark(name: &str) -> Option<NodeId> {
    let hex = name.strip_prefix(NODE_BOOKMARK_PREFIX)?;
    if hex.len() != 32 {
        return None;
    }
    uuid::Uuid::try_parse(hex).ok().map(NodeId)
}

/// The comments of `word/comments.xml`.
fn read_comments(xml: &str, max_depth: usize) -> Result<Vec<WordComment>, DocxError> {
    let mut walk = Walk::new("word/comments.xml", xml, max_depth);
    let mut out = Vec::new();
    let mut current: Option<WordComment> = None;
    let mut paragraphs = 0usize;
    let mut in_text = false;
    loop {
        match walk.next()? {
            Step::End => break,
            Step::Open(tag) => match tag.local_name().as_ref() {
                "comment" => {
                    current = Some(WordComment {
                        id: walk.attribute(&tag, "id").unwrap_or_default(),
                        author: walk.attribute(&tag, "author").unwrap_or_default(),
                        date: walk.attribute(&tag, "date").unwrap_or_default(),
                        text: String::new(),
                    });
                    paragraphs = 0;
                }
                "p" => {
                    if let Some(comment) = current.as_mut()
                        && paragraphs > 0
                    {
                        comment.text.push('\n');
                    }
                    paragraphs += 1;
                }
                "t" => in_text = true,
                _ => {}
            },
            Step::Empty(tag) => {
                if let ("br" | "cr", Some(comment)) = (tag.local_name().as_ref(), current.as_mut())
                {
                    comment.text.push('\n');
                }
            }
            Step::Close(name) => match name.as_str() {
                "comment" => {
                    if let Some(mut comment) = current.take() {
                        comment.text = comment.text.trim().to_string();
                        out.push(comment);
                    }
                }
                "t" => in_text = false,
                _ => {}
            },
            Step::Text(text) => {
                if in_text && let Some(comment) = current.as_mut() {
                    comment.text.push_str(&text);
                }
            }
        }
    }
    Ok(out)
}

/// The ids of the styles whose display name is `name` (case aside).
fn styles_named(xml: &str, name: &str, max_depth: usize) -> Result<Vec<String>, DocxError> {
    let mut walk = Walk::new("word/styles.xml", xml, max_depth);
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    loop {
        match walk.next()? {
            Step::End => break,
            Step::Open(tag) | Step::Empty(tag) => match tag.local_name().as_ref() {
                "style" => current = walk.attribute(&tag, "styleId"),
                "name" => {
                    if let (Some(id), Some(value)) = (&current, walk.attribute(&tag, "val"))
                        && value.eq_ignore_ascii_case(name)
                    {
                        out.push(id.clone());
                    }
                }
                _ => {}
            },
            Step::Close(tag) if tag == "style" => current = None,
            _ => {}
        }
    }
    Ok(out)
}

/// The custom document properties, by name (their value's text, whatever its type).
fn read_custom_properties(
    xml: &str,
    max_depth: usize,
) -> Result<BTreeMap<String, String>, DocxError> {
    let mut walk = Walk::new("docProps/custom.xml", xml, max_depth);
    let mut out = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    loop {
        match walk.next()? {
            Step::End => break,
            Step::Open(tag) => {
                if tag.local_name().as_ref() == "property" {
                    current = walk.attribute(&tag, "name").map(|n| (n, String::new()));
                }
            }
            Step::Close(name) => {
                if name == "property"
                    && let Some((name, value)) = current.take()
                {
                    out.insert(name, value);
                }
            }
            Step::Text(text) => {
                if let Some((_, value)) = current.as_mut() {
                    value.push_str(&text);
                }
            }
            Step::Empty(_) => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
