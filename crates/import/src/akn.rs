//! Akoma Ntoso 3.0 (OASIS LegalDocML) documents in: acts, bills, statements, amendments and
//! lists of amendments, as national profiles write them (UK Lawmaker, AKN4EU, Normattiva) and
//! as penholder's own export (`penholder_render::akn`) writes them.
//!
//! The reading, in two steps:
//! 1. The XML is read into a small element tree with `quick-xml`. Nothing outside the text is
//!    ever fetched: a DTD is not read, entities other than XML's five and character references
//!    are refused, and a `<!DOCTYPE>` declaring entities (the "billion laughs") is refused
//!    before any is used. Elements nest at most [`MAX_XML_DEPTH`] deep. The root must be
//!    `akomaNtoso` in the Akoma Ntoso 3.0 namespace (or 2.0's, whose documents read the same).
//! 2. The elements become nodes. Hierarchical elements are nodes; containers (`body`,
//!    `preamble`, `intro`, `content`, `quotedStructure`, …) pass their children through to the
//!    node they stand in; blocks (`p`, `block`, `tocItem`, a table row) are paragraphs of their
//!    own unless they are the first text of the hierarchical element they stand in, which then
//!    takes it as its text; inline elements (`i`, `b`, `ref`, `date`, `term`, `docTitle`, and any
//!    element of another namespace) give their text, joined without added spaces. A structure
//!    quoted inside a block (an amendment's `mod`/`quotedStructure`) becomes children of the
//!    paragraph that quotes it. `<meta>` is read for metadata only ([`AknMetadata`]).
//!
//! | Akoma Ntoso element | node |
//! |---|---|
//! | `book` `tome` `part` `subpart` `title` `subtitle` `chapter` `subchapter` `section` `article` `division` `subdivision` `rule` `transitional` `crossHeading` | [`NodeKind::Part`]; `<heading>` is its text |
//! | `hcontainer` | `Part` with a heading, [`NodeKind::Paragraph`] without; `name="priorityGoal"`: [`NodeKind::Goal`] |
//! | `paragraph` | `Paragraph`; directly in the body (and anywhere in penholder's export) [`NodeKind::Operative`]; under a priority goal [`NodeKind::Action`] |
//! | `subparagraph` `alinea` `subsection` `clause` `subclause` `proviso` `tblock` `formula` `blockContainer` `list` with an intro | `Paragraph` |
//! | `point` `item` `indent` `level` | [`NodeKind::Item`]; with no node above, `Operative` in the body, `Preambular` in the preamble, `Paragraph` elsewhere |
//! | `recital` `citation`, and a bare `p` of the preamble | [`NodeKind::Preambular`] |
//! | `p` `block` `tocItem` `listIntroduction` `listWrapUp` `tr` `li`, text in a container | `Paragraph` (or the text of the element it stands in) |
//! | `authorialNote` | [`NodeKind::Footnote`], child of the node whose text carries its marker |
//! | `num` | `Node::num`, verbatim |
//! | `heading` `subheading` | the node's text (its `intro`/`content` then a first `Paragraph` child); any element with a non-empty heading is a `Part` (a `Goal` stays one) |
//! | `wrapUp` | a `Paragraph` child after the others |
//! | `meta` | no node: [`AknMetadata`] |
//!
//! A node keeps its element's `eId` and `wId` (AKN 2.0's `id` as `eId`, LEOS's `xml:id` as
//! `wId`) in [`penholder_core::Node::external_id`]. A footnote's marker goes into the text where the
//! note stood, as superscript digits (`¹`), which is how penholder's texts carry markers: the
//! `marker` attribute when it is a number, else the note's number in the document.
//!
//! Texts are kept as written, with XML's whitespace (space, tab, line breaks) collapsed to one
//! space, since the source's line breaks are layout. A node nested deeper than
//! [`crate::MAX_DEPTH`] becomes a sibling at the deepest level, as in ordinary Markdown.
//!
//! The importer is total: any text gives a document or an [`ImportError`] naming the line (and,
//! for XML that is not well-formed, the column) and what was expected there.
//!
//! Penholder's own export (its `identification` names `#penholder` as source) reads back to the
//! tree it was written from: the `wId` is the node id, texts are not collapsed, the preface
//! (title, classification, version) goes to the metadata, numbers the export derived from the
//! reference (`1.`, `(a)`, `Priority Goal 1`) are derived again, and list items the export
//! flattened into one `blockList` are nested again by their `eId`s.

use crate::draft::Draft;
use crate::{ImportError, MAX_DEPTH};
use penholder_core::{Document, ExternalId, IdSource, InlineMark, MarkKind, NodeId, NodeKind};
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The Akoma Ntoso 3.0 namespace.
pub const NAMESPACE: &str = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0";

/// The namespace of Akoma Ntoso 2.0, whose documents (the UN's, among others) read the same.
pub const NAMESPACE_2_0: &str = "http://www.akomantoso.org/2.0";

/// How deep elements may nest. Real documents nest about 25 deep (a UK amendment quoting a
/// section); the bound keeps every walk over the element tree far from the end of the stack.
pub const MAX_XML_DEPTH: usize = 128;

/// A document read from Akoma Ntoso.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AknImport {
    pub document: Document,
    pub metadata: AknMetadata,
}

/// What the document says about itself, outside its body (FRBR identification) and in its
/// preface (title, number, status, stage).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AknMetadata {
    /// The namespace of the root ([`NAMESPACE`] or [`NAMESPACE_2_0`]).
    pub namespace: String,
    /// The document element: `act`, `bill`, `statement`, `amendmentList`, `doc`, …
    pub document_type: String,
    /// The document element's `name` attribute (`statement`, `regulation`, …).
    pub name: Option<String>,
    /// The work's FRBR IRI (`FRBRWork/FRBRthis`).
    pub work: Option<String>,
    /// The expression's FRBR IRI (`FRBRExpression/FRBRthis`).
    pub expression: Option<String>,
    /// The work's date (`FRBRWork/FRBRdate`).
    pub date: Option<String>,
    /// The expression's language (`FRBRExpression/FRBRlanguage`).
    pub language: Option<String>,
    /// The first `docTitle` of the text, else the short title, else the `longTitle`.
    pub title: Option<String>,
    /// The first `shortTitle` of the text, else the work's FRBR alias.
    pub short_title: Option<String>,
    pub number: Option<String>,
    /// `docStatus`: penholder's export writes the classification (`LIMITE`) there.
    pub status: Option<String>,
    pub stage: Option<String>,
    /// Whether penholder wrote the document (its `identification` names `#penholder`).
    pub penholder_export: bool,
}

/// Reads an Akoma Ntoso document. Ids come from `ids` in document order, except in
/// penholder's own export, whose `wId`s are the node ids.
pub fn import_akn(text: &str, ids: &mut IdSource) -> Result<AknImport, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (root, namespace) = parse(text)?;
    let Some(document_element) = root.elements().find(|e| e.akn) else {
        return Err(ImportError::end(
            root.line,
            "a document element (`act`, `bill`, `statement`, `amendmentList`, …) inside `akomaNtoso`",
        ));
    };
    let mut metadata = metadata(document_element);
    metadata.namespace = namespace;
    let mut converter = Converter {
        penholder: metadata.penholder_export,
        footnotes: 0,
        taken: HashSet::new(),
    };
    let drafts = converter.blocks(&root, Place::top(Region::Body));
    if drafts.is_empty() {
        return Err(ImportError::end(
            root.line,
            "a body with at least one paragraph to import",
        ));
    }
    let drafts = clamp_depth(drafts, 0);
    let title = metadata
        .title
        .clone()
        .or_else(|| metadata.short_title.clone())
        .or_else(|| metadata.work.clone())
        .unwrap_or_else(|| metadata.document_type.clone());
    Ok(AknImport {
        document: Document::new(title, Draft::into_nodes(drafts, ids)),
        metadata,
    })
}

// ---------------------------------------------------------------------------------------------
// Step 1: the XML as an element tree.

#[derive(Debug)]
struct Element {
    /// The local name.
    name: String,
    /// Whether the element is in the document's Akoma Ntoso namespace; elements of other
    /// namespaces (a profile's extensions) are read for their text only.
    akn: bool,
    /// Attributes by their qualified name, values unescaped.
    attributes: Vec<(String, String)>,
    children: Vec<Content>,
    line: usize,
}

#[derive(Debug)]
enum Content {
    Text(String),
    Element(Element),
}

impl Element {
    fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn elements(&self) -> impl DoubleEndedIterator<Item = &Element> {
        self.children.iter().filter_map(|c| match c {
            Content::Element(e) => Some(e),
            Content::Text(_) => None,
        })
    }

    fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.akn && e.name == name)
    }

    fn is(&self, name: &str) -> bool {
        self.akn && self.name == name
    }

    /// Whether any text below the element is more than whitespace.
    fn has_text(&self) -> bool {
        self.children.iter().any(|c| match c {
            Content::Text(t) => !t.trim().is_empty(),
            Content::Element(e) => e.has_text(),
        })
    }

    /// The element's text, notes and all: whitespace collapsed, or as written (`verbatim`).
    fn plain_text(&self, verbatim: bool) -> String {
        fn go(element: &Element, verbatim: bool, out: &mut String) {
            for child in &element.children {
                match child {
                    Content::Text(t) if verbatim => out.push_str(t),
                    Content::Text(t) => push_collapsed(out, t),
                    Content::Element(e) => go(e, verbatim, out),
                }
            }
        }
        let mut out = String::new();
        go(self, verbatim, &mut out);
        if !verbatim {
            out.truncate(out.trim_end_matches(XML_WHITESPACE).len());
        }
        out
    }
}

/// Tracks the line of byte offsets met in increasing order, in one pass over the text.
struct Lines<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
}

impl Lines<'_> {
    fn at(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset > self.offset {
            self.line += self.text.as_bytes()[self.offset..offset]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.offset = offset;
        }
        self.line
    }
}

/// The 1-based line and column (in characters) of a byte offset.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let column = text
        .get(line_start..offset)
        .map_or(offset - line_start, |s| s.chars().count())
        + 1;
    (line, column)
}

fn xml_error(text: &str, offset: u64, message: impl Into<String>) -> ImportError {
    let (line, column) = line_and_column(text, usize::try_from(offset).unwrap_or(usize::MAX));
    ImportError::Xml {
        line,
        column,
        message: message.into(),
    }
}

const AKN_ROOT: &str = "an Akoma Ntoso document: the root element `akomaNtoso` in the namespace http://docs.oasis-open.org/legaldocml/ns/akn/3.0";

/// Reads the XML into an element tree: the root and its namespace.
fn parse(text: &str) -> Result<(Element, String), ImportError> {
    let mut reader = NsReader::from_str(text);
    let mut lines = Lines {
        text,
        offset: 0,
        line: 1,
    };
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut namespace: Option<String> = None;
    loop {
        let start = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let line = lines.at(start);
        let (resolved, event) = match reader.read_resolved_event() {
            Ok((resolved, event)) => (resolved_namespace(&resolved), event),
            Err(error) => return Err(xml_error(text, reader.error_position(), error.to_string())),
        };
        match event {
            Event::Start(ref tag) | Event::Empty(ref tag) => {
                let empty = matches!(event, Event::Empty(_));
                let name = tag.local_name().as_ref().to_string();
                if root.is_some() {
                    return Err(ImportError::unexpected(
                        line,
                        "nothing after the root element's end",
                        &format!("<{name}>"),
                    ));
                }
                let in_document = match &namespace {
                    Some(ns) => resolved.as_deref() == Some(ns.as_str()),
                    None => {
                        let ns = resolved.clone();
                        let is_akn = name == "akomaNtoso"
                            && matches!(ns.as_deref(), Some(NAMESPACE | NAMESPACE_2_0));
                        if !is_akn {
                            let found = match ns {
                                Some(ns) => format!("<{name}> in the namespace {ns}"),
                                None => format!("<{name}> without a namespace"),
                            };
                            return Err(ImportError::unexpected(line, AKN_ROOT, &found));
                        }
                        namespace = ns;
                        true
                    }
                };
                if stack.len() >= MAX_XML_DEPTH {
                    return Err(ImportError::unexpected(
                        line,
                        format!("elements nested at most {MAX_XML_DEPTH} deep"),
                        &format!("<{name}> nested {} deep", stack.len() + 1),
                    ));
                }
                let element = Element {
                    name,
                    akn: in_document,
                    attributes: attributes(text, &reader, tag)?,
                    children: Vec::new(),
                    line,
                };
                if empty {
                    close(element, &mut stack, &mut root);
                } else {
                    stack.push(element);
                }
            }
            Event::End(_) => {
                if let Some(element) = stack.pop() {
                    close(element, &mut stack, &mut root);
                }
            }
            Event::Text(t) => push_text(&mut stack, &t.xml10_content(), line, root.is_some())?,
            Event::CData(t) => {
                push_text(&mut stack, &t, line, root.is_some())?;
            }
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
                            return Err(ImportError::unexpected(
                                line,
                                "only XML's own entities (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`) and character references; penholder resolves no other entity",
                                &format!("&{other};"),
                            ));
                        }
                    },
                    Err(error) => {
                        return Err(xml_error(text, start as u64, error.to_string()));
                    }
                };
                push_text(&mut stack, &character.to_string(), line, root.is_some())?;
            }
            Event::DocType(doctype) => {
                let declaration = doctype.xml10_content();
                if declaration.contains("<!ENTITY") || declaration.contains("<!entity") {
                    return Err(ImportError::unexpected(
                        line,
                        "no entity declarations: penholder reads no DTD and expands no entity",
                        &format!("<!DOCTYPE {declaration}>"),
                    ));
                }
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => {
                if let Some(open) = stack.last() {
                    let line = lines.at(text.len());
                    return Err(ImportError::end(
                        line,
                        format!(
                            "`</{}>` closing the element opened at line {}",
                            open.name, open.line
                        ),
                    ));
                }
                return match (root, namespace) {
                    (Some(root), Some(namespace)) => Ok((root, namespace)),
                    _ => Err(ImportError::end(lines.at(text.len()), AKN_ROOT)),
                };
            }
        }
    }
}

fn resolved_namespace(resolved: &ResolveResult<'_>) -> Option<String> {
    match resolved {
        ResolveResult::Bound(ns) => Some(ns.as_ref().to_string()),
        ResolveResult::Unbound | ResolveResult::Unknown(_) => None,
    }
}

fn attributes(
    text: &str,
    reader: &NsReader<&[u8]>,
    tag: &BytesStart<'_>,
) -> Result<Vec<(String, String)>, ImportError> {
    let mut out = Vec::new();
    for attribute in tag.attributes() {
        let attribute = attribute
            .map_err(|error| xml_error(text, reader.buffer_position(), error.to_string()))?;
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|error| xml_error(text, reader.buffer_position(), error.to_string()))?;
        out.push((attribute.key.as_ref().to_string(), value.into_owned()));
    }
    Ok(out)
}

fn close(element: Element, stack: &mut [Element], root: &mut Option<Element>) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(Content::Element(element)),
        None => *root = Some(element),
    }
}

fn push_text(
    stack: &mut [Element],
    text: &str,
    line: usize,
    after_root: bool,
) -> Result<(), ImportError> {
    match stack.last_mut() {
        Some(parent) => {
            // Consecutive pieces (text, then an entity, then text) make one text.
            if let Some(Content::Text(previous)) = parent.children.last_mut() {
                previous.push_str(text);
            } else {
                parent.children.push(Content::Text(text.to_string()));
            }
            Ok(())
        }
        None if text.trim().is_empty() => Ok(()),
        None if after_root => Err(ImportError::unexpected(
            line,
            "nothing after the root element's end",
            text,
        )),
        None => Err(ImportError::unexpected(
            line,
            format!("XML: {AKN_ROOT}"),
            text,
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Metadata.

fn metadata(document: &Element) -> AknMetadata {
    let mut metadata = AknMetadata {
        document_type: document.name.clone(),
        name: document.attribute("name").map(str::to_string),
        ..AknMetadata::default()
    };
    let mut frbr_alias = None;
    let identification = document
        .child("meta")
        .and_then(|meta| meta.child("identification"));
    if let Some(identification) = identification {
        metadata.penholder_export = identification.attribute("source") == Some("#penholder");
        let value = |part: &str, name: &str, attribute: &str| {
            identification
                .child(part)
                .and_then(|p| p.child(name))
                .and_then(|e| e.attribute(attribute))
                .map(str::to_string)
        };
        metadata.work = value("FRBRWork", "FRBRthis", "value");
        metadata.date = value("FRBRWork", "FRBRdate", "date");
        metadata.expression = value("FRBRExpression", "FRBRthis", "value");
        metadata.language = value("FRBRExpression", "FRBRlanguage", "language");
        frbr_alias = value("FRBRWork", "FRBRalias", "value");
    }
    // The first of each in the text, outside `meta`: an explicit stack, in document order.
    let mut long_title = None;
    // Penholder's export writes its title as it is: read it back as it is.
    let verbatim = metadata.penholder_export;
    let mut pending: Vec<&Element> = document.elements().rev().collect();
    while let Some(element) = pending.pop() {
        if !element.akn || element.name == "meta" {
            continue;
        }
        let slot = match element.name.as_str() {
            "docTitle" => &mut metadata.title,
            "shortTitle" => &mut metadata.short_title,
            "docNumber" => &mut metadata.number,
            "docStatus" => &mut metadata.status,
            "docStage" => &mut metadata.stage,
            "longTitle" => &mut long_title,
            _ => {
                pending.extend(element.elements().rev());
                continue;
            }
        };
        if slot.is_none() {
            let text = element.plain_text(verbatim);
            if !text.is_empty() {
                *slot = Some(text);
            }
        }
    }
    if metadata.short_title.is_none() {
        metadata.short_title = frbr_alias;
    }
    if metadata.title.is_none() {
        metadata.title = metadata.short_title.clone().or(long_title);
    }
    metadata
}

// ---------------------------------------------------------------------------------------------
// Step 2: elements to nodes.

/// What an element is to the conversion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    /// No node and no text: `meta`.
    Skip,
    /// A node of its own.
    Hierarchy,
    /// Passes its children through to where it stands.
    Container,
    /// A paragraph of text.
    Block,
    /// A list whose items penholder's export flattened: nested again by `eId`.
    BlockList,
    /// A footnote.
    Note,
    /// A line break inside text.
    Break,
    /// Text inside text.
    Inline,
}

fn class(element: &Element) -> Class {
    if !element.akn {
        return Class::Inline;
    }
    match element.name.as_str() {
        "meta" => Class::Skip,
        "book" | "tome" | "part" | "subpart" | "title" | "subtitle" | "chapter" | "subchapter"
        | "section" | "article" | "division" | "subdivision" | "rule" | "transitional"
        | "crossHeading" | "hcontainer" | "paragraph" | "subparagraph" | "alinea"
        | "subsection" | "clause" | "subclause" | "proviso" | "tblock" | "formula"
        | "blockContainer" | "point" | "item" | "indent" | "level" | "recital" | "citation"
        | "sublist" => Class::Hierarchy,
        "list" if element.child("intro").is_some() || element.child("heading").is_some() => {
            Class::Hierarchy
        }
        "akomaNtoso"
        | "act"
        | "bill"
        | "statement"
        | "amendmentList"
        | "amendment"
        | "doc"
        | "debate"
        | "debateReport"
        | "judgment"
        | "officialGazette"
        | "documentCollection"
        | "portion"
        | "body"
        | "mainBody"
        | "collectionBody"
        | "amendmentBody"
        | "judgmentBody"
        | "debateBody"
        | "portionBody"
        | "preface"
        | "preamble"
        | "conclusions"
        | "coverPage"
        | "recitals"
        | "citations"
        | "attachments"
        | "attachment"
        | "components"
        | "component"
        | "interstitial"
        | "toc"
        | "quotedStructure"
        | "embeddedStructure"
        | "amendmentHeading"
        | "amendmentContent"
        | "amendmentJustification"
        | "container"
        | "intro"
        | "content"
        | "wrapUp"
        | "longTitle"
        | "foreign"
        | "list"
        | "table"
        | "thead"
        | "tbody"
        | "tfoot"
        | "ul"
        | "ol"
        | "header"
        | "introduction"
        | "background"
        | "arguments"
        | "remedies"
        | "motivation"
        | "decision" => Class::Container,
        "blockList" => Class::BlockList,
        "p" | "block" | "tocItem" | "listIntroduction" | "listWrapUp" | "tr" | "li" | "td"
        | "th" | "caption" | "num" | "heading" | "subheading" => Class::Block,
        "authorialNote" => Class::Note,
        "br" | "eol" | "eop" => Class::Break,
        _ => Class::Inline,
    }
}

/// The part of the document an element stands in: it decides what a paragraph with no node
/// above it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Region {
    Preface,
    Preamble,
    Body,
}

#[derive(Clone, Copy, Debug)]
struct Place {
    region: Region,
    /// The kind of the nearest node above, if any.
    parent: Option<NodeKind>,
}

impl Place {
    fn top(region: Region) -> Place {
        Place {
            region,
            parent: None,
        }
    }

    fn under(self, kind: NodeKind) -> Place {
        Place {
            parent: Some(kind),
            ..self
        }
    }

    /// The place inside a container: the preface, preamble and body set their region.
    fn inside(self, container: &Element) -> Place {
        let region = match container.name.as_str() {
            "preface" | "coverPage" | "conclusions" => Region::Preface,
            "preamble" => Region::Preamble,
            "body" | "mainBody" | "amendmentBody" | "collectionBody" | "judgmentBody"
            | "debateBody" | "portionBody" => Region::Body,
            _ => self.region,
        };
        Place { region, ..self }
    }

    /// A paragraph of text standing here.
    fn block_kind(self) -> NodeKind {
        match (self.parent, self.region) {
            (None, Region::Preamble) => NodeKind::Preambular,
            _ => NodeKind::Paragraph,
        }
    }
}

struct Converter {
    penholder: bool,
    /// Footnotes met so far: a note whose marker is not a number is marked with its number.
    footnotes: usize,
    /// The node ids taken from `wId`s so far: a `wId` met twice gives its id once.
    taken: HashSet<NodeId>,
}

impl Converter {
    /// The nodes of a container's children, in order.
    fn blocks(&mut self, container: &Element, place: Place) -> Vec<Draft> {
        let mut out = Vec::new();
        // Text standing loose in a container (and inline elements beside it) makes a paragraph.
        let mut loose: Option<Draft> = None;
        let mut last: Option<&Content> = None;
        for child in &container.children {
            let previous = last.replace(child);
            let element = match child {
                Content::Text(text) => {
                    if !text.trim().is_empty() || loose.is_some() {
                        let draft = loose.get_or_insert_with(|| Draft::new(place.block_kind(), ""));
                        self.push_text(&mut draft.text, text);
                    }
                    continue;
                }
                Content::Element(element) => element,
            };
            match class(element) {
                Class::Inline | Class::Note | Class::Break => {
                    let draft = loose.get_or_insert_with(|| Draft::new(place.block_kind(), ""));
                    if adjacent_entities(previous, element) {
                        self.separate(&mut draft.text);
                    }
                    self.inline_element(element, draft, place);
                }
                _ => {
                    self.flush(&mut loose, &mut out);
                    self.element(element, place, &mut out);
                }
            }
        }
        self.flush(&mut loose, &mut out);
        out
    }

    fn flush(&mut self, loose: &mut Option<Draft>, out: &mut Vec<Draft>) {
        if let Some(draft) = loose.take().and_then(|d| self.finish_block(d)) {
            out.push(draft);
        }
    }

    /// The nodes of one element that is not inline.
    fn element(&mut self, element: &Element, place: Place, out: &mut Vec<Draft>) {
        match class(element) {
            Class::Skip => {}
            Class::Hierarchy => out.push(self.hierarchy(element, place)),
            Class::Container => {
                // Penholder's preface is its metadata (title, classification, version), kept
                // in `AknMetadata`; it was never a node.
                if self.penholder && element.is("preface") {
                    return;
                }
                out.extend(self.blocks(element, place.inside(element)));
            }
            Class::BlockList => out.extend(self.block_list(element, place)),
            Class::Block => {
                let mut draft = Draft::new(place.block_kind(), "");
                draft.external_id = self.external_id(element);
                self.inline_children(element, &mut draft, place);
                if let Some(draft) = self.finish_block(draft) {
                    out.push(draft);
                }
            }
            Class::Inline | Class::Note | Class::Break => {
                let mut draft = Draft::new(place.block_kind(), "");
                self.inline_element(element, &mut draft, place);
                if let Some(draft) = self.finish_block(draft) {
                    out.push(draft);
                }
            }
        }
    }

    /// A paragraph made of a block: trimmed, dropped when it holds nothing.
    fn finish_block(&self, mut draft: Draft) -> Option<Draft> {
        self.finish_text(&mut draft.text);
        (!draft.text.is_empty() || !draft.children.is_empty()).then_some(draft)
    }

    fn finish_text(&self, text: &mut String) {
        if !self.penholder {
            let trimmed = text.trim_end_matches(XML_WHITESPACE).len();
            text.truncate(trimmed);
        }
    }

    fn external_id(&self, element: &Element) -> Option<Box<ExternalId>> {
        if self.penholder {
            // The export's eId is derived from the reference and its wId is the node id.
            return None;
        }
        let e_id = element
            .attribute("eId")
            .or_else(|| element.attribute("id"))
            .map(str::to_string);
        // LEOS (AKN4EU) keeps its stable identifier in `xml:id` where others write `wId`.
        let w_id = element
            .attribute("wId")
            .or_else(|| element.attribute("xml:id"))
            .map(str::to_string);
        ExternalId::of(e_id, w_id)
    }

    /// In penholder's export, the node id its `wId` carries, unless another node took it.
    fn own_id(&mut self, element: &Element) -> Option<NodeId> {
        if !self.penholder {
            return None;
        }
        let id = element.attribute("wId")?.parse::<NodeId>().ok()?;
        self.taken.insert(id).then_some(id)
    }

    fn kind(&self, element: &Element, place: Place) -> NodeKind {
        let heading = element.child("heading").is_some_and(Element::has_text);
        let kind = match element.name.as_str() {
            "hcontainer" => match element.attribute("name") {
                Some("priorityGoal") => NodeKind::Goal,
                Some("unnumberedParagraph") => {
                    // The export names a body's preambular paragraph by its reference.
                    let preambular = self.penholder
                        && element
                            .attribute("eId")
                            .is_some_and(|e| e.contains("unnumberedParagraph_pp"));
                    if preambular {
                        NodeKind::Preambular
                    } else {
                        NodeKind::Paragraph
                    }
                }
                _ if heading => NodeKind::Part,
                _ => NodeKind::Paragraph,
            },
            "book" | "tome" | "part" | "subpart" | "title" | "subtitle" | "chapter"
            | "subchapter" | "section" | "article" | "division" | "subdivision" | "rule"
            | "transitional" | "crossHeading" => NodeKind::Part,
            "paragraph" => match (place.parent, place.region) {
                (Some(NodeKind::Goal), _) => NodeKind::Action,
                _ if self.penholder => NodeKind::Operative,
                (None, Region::Body) => NodeKind::Operative,
                _ => NodeKind::Paragraph,
            },
            "point" | "item" | "indent" | "level" => match (place.parent, place.region) {
                (Some(_), _) => NodeKind::Item,
                (None, Region::Body) => NodeKind::Operative,
                (None, Region::Preamble) => NodeKind::Preambular,
                (None, Region::Preface) => NodeKind::Paragraph,
            },
            "recital" | "citation" => NodeKind::Preambular,
            _ => NodeKind::Paragraph,
        };
        if heading && kind != NodeKind::Goal {
            NodeKind::Part
        } else {
            kind
        }
    }

    /// A hierarchical element as a node.
    fn hierarchy(&mut self, element: &Element, place: Place) -> Draft {
        let kind = self.kind(element, place);
        let mut draft = Draft::new(kind, "");
        draft.external_id = self.external_id(element);
        draft.id = self.own_id(element);
        let inner = place.under(kind);
        let titled = matches!(kind, NodeKind::Part | NodeKind::Goal);
        let mut heading: Option<Draft> = None;
        // What stands in the element besides its number and heading, in order; `true` for what
        // may be the element's own text (its intro, content or first block).
        let mut parts: Vec<(Draft, bool)> = Vec::new();
        let mut loose: Option<Draft> = None;
        let mut last: Option<&Content> = None;
        for child in &element.children {
            let previous = last.replace(child);
            let child = match child {
                Content::Text(text) => {
                    if !text.trim().is_empty() || loose.is_some() {
                        let draft =
                            loose.get_or_insert_with(|| Draft::new(NodeKind::Paragraph, ""));
                        self.push_text(&mut draft.text, text);
                    }
                    continue;
                }
                Content::Element(child) => child,
            };
            let class = class(child);
            if matches!(class, Class::Inline | Class::Note | Class::Break) {
                let draft = loose.get_or_insert_with(|| Draft::new(NodeKind::Paragraph, ""));
                if adjacent_entities(previous, child) {
                    self.separate(&mut draft.text);
                }
                self.inline_element(child, draft, inner);
                continue;
            }
            if let Some(draft) = loose.take().and_then(|d| self.finish_block(d)) {
                parts.push((draft, true));
            }
            match (child.akn, child.name.as_str()) {
                (true, "num") => {
                    let mut num = Draft::new(NodeKind::Paragraph, "");
                    self.inline_children(child, &mut num, inner);
                    let text = num.text.trim().to_string();
                    if !text.is_empty() && draft.num.is_none() {
                        draft.num = Some(text);
                    } else if !text.is_empty() {
                        parts.push((Draft::new(NodeKind::Paragraph, text), false));
                    }
                    draft.children.append(&mut num.children);
                }
                (true, "heading" | "subheading") => {
                    let heading = heading.get_or_insert_with(|| Draft::new(kind, ""));
                    if !heading.text.is_empty() {
                        self.separate(&mut heading.text);
                    }
                    self.inline_children(child, heading, inner);
                }
                (true, "wrapUp") => {
                    for block in self.blocks(child, inner) {
                        parts.push((block, false));
                    }
                }
                (true, "intro" | "content") => {
                    for block in self.blocks(child, inner) {
                        parts.push((block, true));
                    }
                }
                _ if class == Class::Block => {
                    let mut out = Vec::new();
                    self.element(child, inner, &mut out);
                    parts.extend(out.into_iter().map(|d| (d, true)));
                }
                _ => {
                    let mut out = Vec::new();
                    self.element(child, inner, &mut out);
                    parts.extend(out.into_iter().map(|d| (d, false)));
                }
            }
        }
        if let Some(draft) = loose.take().and_then(|d| self.finish_block(d)) {
            parts.push((draft, true));
        }
        if let Some(mut heading) = heading {
            self.finish_text(&mut heading.text);
            draft.text = heading.text;
            draft.marks = heading.marks;
            draft.children.append(&mut heading.children);
        }
        let mut parts = parts.into_iter().peekable();
        // An untitled element takes its first text as its own, if nothing stands before it:
        // its intro, content or first block, or (in others' documents) the unnumbered
        // paragraph it opens with, such as a list's intro (`1.` then `This Directive lays
        // down:` and the points).
        let penholder = self.penholder;
        let opening_text = parts.next_if(|(first, own_text)| {
            !titled
                && draft.text.is_empty()
                && (*own_text || !penholder)
                && first.kind == NodeKind::Paragraph
                && first.num.is_none()
        });
        if let Some((first, _)) = opening_text {
            draft.text = first.text;
            draft.marks = first.marks;
            if draft.external_id.is_none() {
                draft.external_id = first.external_id;
            }
            draft.children.extend(first.children);
        }
        draft.children.extend(parts.map(|(d, _)| d));
        if self.penholder {
            draft.num = draft
                .num
                .filter(|num| !self.derived_num(element, kind, num));
        }
        draft
    }

    /// Whether penholder's export derived this number from the node's reference (it writes a
    /// number for every operative paragraph, action, goal and item, stored or not).
    fn derived_num(&self, element: &Element, kind: NodeKind, num: &str) -> bool {
        let Some(e_id) = element.attribute("eId") else {
            return false;
        };
        let number = e_id.rsplit('_').next().unwrap_or("");
        match kind {
            NodeKind::Operative | NodeKind::Action => num == format!("{number}."),
            NodeKind::Goal => num == format!("Priority Goal {number}"),
            NodeKind::Item => num == format!("({number})"),
            _ => false,
        }
    }

    /// A `blockList`: its items, nested again where their `eId`s say one is inside another
    /// (penholder's export flattens nested items into one list).
    fn block_list(&mut self, list: &Element, place: Place) -> Vec<Draft> {
        let mut out = Vec::new();
        // The open items, outermost first, with their eIds.
        let mut open: Vec<(String, Draft)> = Vec::new();
        fn close_one(open: &mut Vec<(String, Draft)>, out: &mut Vec<Draft>) {
            if let Some((_, draft)) = open.pop() {
                match open.last_mut() {
                    Some((_, parent)) => parent.children.push(draft),
                    None => out.push(draft),
                }
            }
        }
        for child in list.elements() {
            if !child.is("item") {
                while !open.is_empty() {
                    close_one(&mut open, &mut out);
                }
                self.element(child, place, &mut out);
                continue;
            }
            let e_id = child.attribute("eId").unwrap_or("").to_string();
            while let Some((outer, _)) = open.last() {
                let inside = !outer.is_empty()
                    && e_id
                        .strip_prefix(outer.as_str())
                        .is_some_and(|rest| rest.starts_with("__"));
                if inside && open.len() < MAX_DEPTH {
                    break;
                }
                close_one(&mut open, &mut out);
            }
            let item_place = match open.last() {
                Some((_, parent)) => place.under(parent.kind),
                None => place,
            };
            let draft = self.hierarchy(child, item_place);
            open.push((e_id, draft));
        }
        while !open.is_empty() {
            close_one(&mut open, &mut out);
        }
        out
    }

    fn inline_children(&mut self, element: &Element, into: &mut Draft, place: Place) {
        let mut previous: Option<&Content> = None;
        for child in &element.children {
            match child {
                Content::Text(text) => self.push_text(&mut into.text, text),
                Content::Element(child) => {
                    if adjacent_entities(previous, child) {
                        self.separate(&mut into.text);
                    }
                    self.inline_element(child, into, place);
                }
            }
            previous = Some(child);
        }
    }

    /// An element met inside text.
    fn inline_element(&mut self, element: &Element, into: &mut Draft, place: Place) {
        match class(element) {
            Class::Skip => {}
            Class::Inline => {
                // `<b>` and `<i>` are emphasis: a mark over the text they hold.
                let kind = if element.is("b") {
                    Some(MarkKind::Bold)
                } else if element.is("i") {
                    Some(MarkKind::Italic)
                } else {
                    None
                };
                let start = into.text.len();
                self.inline_children(element, into, place);
                if let Some(kind) = kind
                    && into.text.len() > start
                {
                    into.marks
                        .push(InlineMark::new(start..into.text.len(), kind));
                }
            }
            Class::Break | Class::Block => {
                // A block inside text (a note's paragraphs, a table's cells) is apart from
                // the text before it.
                self.separate(&mut into.text);
                self.inline_children(element, into, place);
            }
            Class::Note => self.note(element, into, place),
            Class::Hierarchy | Class::Container | Class::BlockList => {
                // A structure inside text (an amendment quoting a clause) stands under it; the
                // text after it is apart from the text before.
                self.separate(&mut into.text);
                let mut out = Vec::new();
                self.element(element, place.under(into.kind), &mut out);
                into.children.extend(out);
            }
        }
    }

    fn note(&mut self, note: &Element, into: &mut Draft, place: Place) {
        self.footnotes += 1;
        let marker = note.attribute("marker").unwrap_or("");
        if self.penholder {
            // The export writes the marker that stood in the text, or the note's number when
            // the text had none (then there is nothing to put back).
            if !marker.is_empty() && marker.chars().all(is_superscript_digit) {
                into.text.push_str(marker);
            }
        } else if !marker.is_empty() && marker.chars().all(|c| c.is_ascii_digit()) {
            into.text.extend(marker.chars().map(superscript));
        } else if !marker.is_empty() && marker.chars().all(is_superscript_digit) {
            into.text.push_str(marker);
        } else {
            into.text
                .extend(self.footnotes.to_string().chars().map(superscript));
        }
        let mut footnote = Draft::new(NodeKind::Footnote, "");
        footnote.external_id = self.external_id(note);
        footnote.id = self.own_id(note);
        self.inline_children(note, &mut footnote, place.under(NodeKind::Footnote));
        self.finish_text(&mut footnote.text);
        into.children.push(footnote);
    }

    fn push_text(&self, out: &mut String, text: &str) {
        if self.penholder {
            out.push_str(text);
        } else {
            push_collapsed(out, text);
        }
    }

    /// A space between two pieces of text that the source kept apart, unless one is there.
    fn separate(&self, text: &mut String) {
        if !text.is_empty() && !text.ends_with(XML_WHITESPACE) {
            text.push(' ');
        }
    }
}

/// Whether an inline element follows another with nothing between them, both naming things
/// rather than formatting text (`<docProponent>Max Wilkinson</docProponent><docProponent>Marie
/// Goldman</docProponent>`, UK's `<inline name="num">1</inline><inline name="heading">…`):
/// their texts are two, not one word. Formatting (`<b>Art</b><i>icle</i>`) may split a word.
fn adjacent_entities(previous: Option<&Content>, element: &Element) -> bool {
    let Some(Content::Element(previous)) = previous else {
        return false;
    };
    let naming =
        |e: &Element| class(e) == Class::Inline && e.akn && !FORMATTING.contains(&e.name.as_str());
    naming(previous) && naming(element)
}

/// Inline elements that format text and may stand inside a word.
const FORMATTING: [&str; 9] = ["i", "b", "u", "sup", "sub", "span", "ins", "del", "a"];

/// XML's whitespace (NO-BREAK SPACE and the like are text, kept as they are).
const XML_WHITESPACE: [char; 4] = [' ', '\t', '\n', '\r'];

/// Appends text with each run of XML whitespace as one space, and none at the start.
fn push_collapsed(out: &mut String, text: &str) {
    for c in text.chars() {
        if XML_WHITESPACE.contains(&c) {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
}

fn is_superscript_digit(c: char) -> bool {
    matches!(
        c,
        '\u{00B9}' | '\u{00B2}' | '\u{00B3}' | '\u{2070}' | '\u{2074}'..='\u{2079}'
    )
}

fn superscript(digit: char) -> char {
    match digit {
        '1' => '\u{00B9}',
        '2' => '\u{00B2}',
        '3' => '\u{00B3}',
        '0' => '\u{2070}',
        '4' => '\u{2074}',
        '5' => '\u{2075}',
        '6' => '\u{2076}',
        '7' => '\u{2077}',
        '8' => '\u{2078}',
        '9' => '\u{2079}',
        other => other,
    }
}

/// Nodes nested deeper than [`MAX_DEPTH`] become siblings at the deepest level, in document
/// order, as in ordinary Markdown.
fn clamp_depth(drafts: Vec<Draft>, depth: usize) -> Vec<Draft> {
    let mut out = Vec::with_capacity(drafts.len());
    for mut draft in drafts {
        let children = std::mem::take(&mut draft.children);
        if depth + 1 >= MAX_DEPTH {
            out.push(draft);
            // Every descendant, in document order, without recursion.
            let mut pending: Vec<Draft> = children.into_iter().rev().collect();
            while let Some(mut next) = pending.pop() {
                pending.extend(std::mem::take(&mut next.children).into_iter().rev());
                out.push(next);
            }
        } else {
            draft.children = clamp_depth(children, depth + 1);
            out.push(draft);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(body: &str) -> Document {
        let xml = format!(
            "<akomaNtoso xmlns=\"{NAMESPACE}\"><act><meta/><body>{body}</body></act></akomaNtoso>"
        );
        match import_akn(&xml, &mut IdSource::new(1, 0)) {
            Ok(imported) => imported.document,
            Err(error) => panic!("{error}"),
        }
    }

    fn shape(nodes: &[penholder_core::Node]) -> Vec<String> {
        fn go(nodes: &[penholder_core::Node], depth: usize, out: &mut Vec<String>) {
            for node in nodes {
                let num = node
                    .num
                    .as_deref()
                    .map(|n| format!("[{n}] "))
                    .unwrap_or_default();
                out.push(format!(
                    "{}{} {num}{}",
                    "  ".repeat(depth),
                    node.kind,
                    node.text
                ));
                go(&node.children, depth + 1, out);
            }
        }
        let mut out = Vec::new();
        go(nodes, 0, &mut out);
        out
    }

    #[test]
    fn inline_elements_flow_into_the_text_and_layout_whitespace_collapses() {
        let document = read(
            "<paragraph><num>1.</num><content><p>\n  <i>Urges</i>  Member <b>St</b><i>ates</i>\n to act under <ref href=\"#a\">Article 3</ref>;</p></content></paragraph>",
        );
        assert_eq!(
            shape(&document.nodes),
            ["operative [1.] Urges Member States to act under Article 3;"]
        );
        let node = &document.nodes[0];
        let marked: Vec<(&str, MarkKind)> = node
            .marks
            .iter()
            .map(|m| (&node.text[m.range()], m.kind))
            .collect();
        assert_eq!(
            marked,
            [
                ("Urges", MarkKind::Italic),
                ("St", MarkKind::Bold),
                ("ates", MarkKind::Italic)
            ],
            "<b> and <i> are emphasis"
        );
    }

    #[test]
    fn names_side_by_side_stay_two_words() {
        let document = read(
            "<p><docProponent>Max Wilkinson</docProponent><docProponent>Marie Goldman</docProponent></p>",
        );
        assert_eq!(document.nodes[0].text, "Max Wilkinson Marie Goldman");
    }

    #[test]
    fn a_heading_makes_a_part_whose_content_is_its_first_paragraph() {
        let document = read(
            "<chapter><num>Chapter I</num><heading>General</heading><article><num>Article 1</num><heading>Scope</heading><content><p>This applies.</p></content></article></chapter>",
        );
        assert_eq!(
            shape(&document.nodes),
            [
                "part [Chapter I] General",
                "  part [Article 1] Scope",
                "    paragraph This applies.",
            ]
        );
    }

    #[test]
    fn intro_points_and_wrap_up() {
        let document = read(
            "<article><num>Art 2</num><paragraph><num>1.</num><list><intro><p>Member States shall:</p></intro><point><num>(a)</num><content><p>act;</p></content></point><point><num>(b)</num><content><p>report.</p></content></point></list><wrapUp><p>without delay.</p></wrapUp></paragraph></article>",
        );
        assert_eq!(
            shape(&document.nodes),
            [
                "part [Art 2] ",
                "  paragraph [1.] Member States shall:",
                "    item [(a)] act;",
                "    item [(b)] report.",
                "    paragraph without delay.",
            ]
        );
    }

    #[test]
    fn footnotes_are_marked_where_the_note_stood() {
        let document = read(
            "<p>Treaty<authorialNote marker=\"12\"><p>OJ L 1.</p></authorialNote> and Act<authorialNote marker=\"*\"><p>Second.</p></authorialNote>.</p>",
        );
        assert_eq!(
            shape(&document.nodes),
            [
                "paragraph Treaty¹² and Act².",
                "  footnote OJ L 1.",
                "  footnote Second.",
            ]
        );
    }

    #[test]
    fn a_quoted_structure_stands_under_the_instruction_that_quotes_it() {
        let document = read(
            "<tblock><num>7</num><block name=\"instruction\"><mod>Page 2, line 4, insert—<quotedStructure><section><num>5</num><heading>Review</heading></section></quotedStructure>.</mod></block></tblock>",
        );
        assert_eq!(
            shape(&document.nodes),
            [
                "paragraph [7] Page 2, line 4, insert— .",
                "  part [5] Review",
            ]
        );
    }

    #[test]
    fn priority_goals_and_their_actions() {
        let document = read(
            "<hcontainer name=\"priorityGoal\"><num>Priority Goal 1</num><heading>Prevent</heading><paragraph><num>1.</num><content><p>Act.</p></content></paragraph></hcontainer>",
        );
        assert_eq!(
            shape(&document.nodes),
            ["goal [Priority Goal 1] Prevent", "  action [1.] Act."]
        );
    }

    #[test]
    fn positions_are_lines_and_columns_in_characters() {
        assert_eq!(line_and_column("ab\ncé<d", 6), (2, 3));
        assert_eq!(line_and_column("x", 99), (1, 2));
        // An offset inside a character gives a column all the same.
        assert_eq!(line_and_column("é", 1).0, 1);
    }

    #[test]
    fn collapsing_keeps_no_break_spaces() {
        let mut out = String::new();
        push_collapsed(&mut out, "\n  a \t\u{a0}b\r\n");
        assert_eq!(out, "a \u{a0}b ");
    }

    #[test]
    fn nodes_below_the_deepest_level_follow_it_in_order() {
        let mut chain = Draft::new(NodeKind::Item, "last");
        for depth in (0..MAX_DEPTH + 2).rev() {
            chain = Draft {
                children: vec![chain],
                ..Draft::new(NodeKind::Item, depth.to_string())
            };
        }
        let clamped = clamp_depth(vec![chain], 0);
        let mut node = &clamped[0];
        for _ in 0..MAX_DEPTH - 2 {
            node = &node.children[0];
        }
        let deepest: Vec<&str> = node.children.iter().map(|d| d.text.as_str()).collect();
        assert_eq!(deepest, ["31", "32", "33", "last"]);
        assert!(node.children.iter().all(|d| d.children.is_empty()));
    }
}
