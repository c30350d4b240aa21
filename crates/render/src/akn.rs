//! Akoma Ntoso 3.0 (OASIS LegalDocML) XML of a version: a `statement` with FRBR metadata, a
//! preface (classification, title, version), a preamble (opening clauses and recitals) and a
//! main body (operative paragraphs with lists of points, priority goals with their actions,
//! parts), footnotes as `authorialNote`s where their markers stand.
//!
//! Identifiers follow the Akoma Ntoso naming convention: `eId` is built from the node's
//! derived reference and its ancestors (`recs_1__rec_3` for PP3, `para_2__list_1__point_a`
//! for OP2.a, `priorityGoal_1__para_4` for PG1.4), so it changes when the text is renumbered;
//! `wId` is the node's stable id, which never does.

use crate::context::{Context, TextEvent, date_only, rfc3339};
use crate::text::{escape_into, marker_ranges, xml_emphasis_into};
use penholder_core::state::ParagraphStatus;
use penholder_core::{Document, Node, NodeKind, References, Version};
use std::fmt::Write;

/// The namespace of the audit head in `<proprietary>`.
pub const AUDIT_NAMESPACE: &str = "urn:penholder:audit:v1";

/// The Akoma Ntoso 3.0 namespace.
pub const NAMESPACE: &str = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0";

/// A version as an Akoma Ntoso `statement`.
pub fn version(version: &Version, context: &Context) -> String {
    render(
        &version.document,
        context,
        Some(version.number),
        &version.label,
    )
}

/// A document not stored as a version.
pub fn document(document: &Document, context: &Context) -> String {
    render(document, context, None, "")
}

fn render(document: &Document, context: &Context, number: Option<u32>, label: &str) -> String {
    let references = References::of(document);
    let mut writer = Writer {
        out: String::with_capacity(document.nodes.len() * 256 + 2048),
        references: &references,
        context,
        e_ids: std::collections::HashMap::new(),
    };
    let title = context.title_or(&document.title);
    let date = context
        .generated_at
        .or(context.dates.fallback)
        .map(date_only)
        .unwrap_or_else(|| "1970-01-01".to_string());
    let language = iso639_2(&context.language);
    let work = format!("/akn/int/statement/{date}/{}", slug(title));
    let expression = match number {
        Some(n) => format!("{work}/{language}@v{n}"),
        None => format!("{work}/{language}@"),
    };

    let out = &mut writer.out;
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<akomaNtoso xmlns=\"{NAMESPACE}\">");
    out.push_str(
        "<statement name=\"statement\">\n<meta>\n<identification source=\"#penholder\">\n",
    );
    let _ = writeln!(
        out,
        "<FRBRWork><FRBRthis value=\"{work}/!main\"/><FRBRuri value=\"{work}\"/><FRBRdate date=\"{date}\" name=\"generation\"/><FRBRauthor href=\"#chair\"/><FRBRcountry value=\"int\"/></FRBRWork>",
        work = escaped(&work),
    );
    let _ = writeln!(
        out,
        "<FRBRExpression><FRBRthis value=\"{e}/!main\"/><FRBRuri value=\"{e}\"/><FRBRdate date=\"{date}\" name=\"generation\"/><FRBRauthor href=\"#chair\"/><FRBRlanguage language=\"{language}\"/></FRBRExpression>",
        e = escaped(&expression),
    );
    let _ = writeln!(
        out,
        "<FRBRManifestation><FRBRthis value=\"{e}/!main.xml\"/><FRBRuri value=\"{e}.akn\"/><FRBRdate date=\"{date}\" name=\"generation\"/><FRBRauthor href=\"#penholder\"/></FRBRManifestation>",
        e = escaped(&expression),
    );
    out.push_str("</identification>\n");
    // The life of the text (versions, statuses, adoption) names the elements of the body by
    // their eId, known once the body is written: a placeholder holds its place.
    out.push_str(LIFE_PLACEHOLDER);
    out.push_str("<references source=\"#penholder\">");
    out.push_str("<TLCOrganization eId=\"penholder\" href=\"/ontology/organization/penholder\" showAs=\"penholder\"/>");
    let _ = write!(
        out,
        "<TLCRole eId=\"chair\" href=\"/ontology/role/chair\" showAs=\"{}\"/>",
        escaped(&context.chair)
    );
    if !context.events.is_empty() || !context.paragraphs.is_empty() {
        // The paragraph statuses are concepts of penholder's: the body's elements and the
        // workflow's outcomes refer to them.
        for status in ParagraphStatus::ALL {
            let _ = write!(
                out,
                "<TLCConcept eId=\"status_{name}\" href=\"/ontology/concept/penholder/status/{name}\" showAs=\"{label}\"/>",
                name = status.as_str(),
                label = status.label()
            );
        }
    }
    out.push_str("</references>\n");
    // Open brackets are editorial notes (`notes` in the metadata), each referred to by a
    // `noteRef` at the end of its paragraph's text: the text itself stays the version's.
    let brackets: Vec<&penholder_core::bracket::Bracket> =
        context.brackets.values().flatten().collect();
    if !brackets.is_empty() {
        out.push_str("<notes source=\"#penholder\">");
        for bracket in brackets {
            let _ = write!(
                out,
                "<note eId=\"note_{id}\" marker=\"{id}\" class=\"bracket\"><p>",
                id = escaped(&bracket.id)
            );
            escape_into(
                out,
                &format!(
                    "{} (open since {}): {}",
                    bracket.id,
                    bracket.origin.round,
                    bracket.label()
                ),
            );
            out.push_str("</p></note>");
        }
        out.push_str("</notes>\n");
    }
    if let Some(seal) = &context.audit {
        // Metadata of penholder's own goes in `proprietary` (AKN 3.0), after the references.
        let _ = write!(
            out,
            "<proprietary source=\"#penholder\"><penholder:auditHead xmlns:penholder=\"{AUDIT_NAMESPACE}\" seq=\"{}\" hash=\"{}\"",
            seal.seq,
            escaped(&seal.hash)
        );
        if let Some(signature) = &seal.signature {
            let _ = write!(out, " signature=\"{}\"", escaped(signature));
        }
        out.push_str("/></proprietary>\n");
    }
    out.push_str("</meta>\n<preface>\n");
    if let Some(classification) = &context.classification {
        out.push_str("<p class=\"classification\"><docStatus>");
        escape_into(out, classification);
        out.push_str("</docStatus></p>\n");
    }
    out.push_str("<p class=\"title\"><docTitle>");
    escape_into(out, title);
    out.push_str("</docTitle></p>\n");
    if let Some(n) = number {
        let _ = write!(
            out,
            "<p class=\"version\"><docNumber>Version {n}</docNumber>"
        );
        if !label.is_empty() {
            out.push_str(" \u{2014} <docStage>");
            escape_into(out, label);
            out.push_str("</docStage>");
        }
        out.push_str("</p>\n");
    }
    out.push_str("</preface>\n");

    // The preamble: the nodes before the first operative paragraph, goal or part.
    let split = document
        .nodes
        .iter()
        .position(|n| !matches!(n.kind, NodeKind::Paragraph | NodeKind::Preambular))
        .unwrap_or(document.nodes.len());
    let (preamble, body) = document.nodes.split_at(split);
    if !preamble.is_empty() {
        writer.out.push_str("<preamble>\n");
        let mut index = 0;
        while index < preamble.len() {
            if preamble[index].kind == NodeKind::Preambular {
                let start = index;
                while index < preamble.len() && preamble[index].kind == NodeKind::Preambular {
                    index += 1;
                }
                writer.recitals(&preamble[start..index]);
            } else {
                writer.formula(&preamble[index]);
                index += 1;
            }
        }
        writer.out.push_str("</preamble>\n");
    }
    writer.out.push_str("<mainBody>\n");
    if body.is_empty() {
        writer.out.push_str("<p/>\n");
    }
    for node in body {
        writer.hierarchy(node, "");
    }
    writer
        .out
        .push_str("</mainBody>\n</statement>\n</akomaNtoso>\n");
    let life = life(context, &writer.e_ids);
    writer.out.replacen(LIFE_PLACEHOLDER, &life, 1)
}

/// Where `lifecycle` and `workflow` go in the metadata, until the body's eIds are known.
const LIFE_PLACEHOLDER: &str = "\u{0}life\u{0}";

/// The text's `lifecycle` (one event per version published: its generation, then each
/// amendment) and `workflow` (one step per paragraph status set by the chair, its outcome the
/// status, referring to the paragraph; the adoption of the whole text), up to this version.
fn life(
    context: &Context,
    e_ids: &std::collections::HashMap<penholder_core::NodeId, String>,
) -> String {
    let mut out = String::new();
    let versions: Vec<(u32, i64)> = context
        .events
        .iter()
        .filter_map(|event| match event {
            TextEvent::Version { number, at, .. } => Some((*number, *at)),
            _ => None,
        })
        .collect();
    if !versions.is_empty() {
        out.push_str("<lifecycle source=\"#penholder\">");
        for (index, (number, at)) in versions.iter().enumerate() {
            let _ = write!(
                out,
                "<eventRef eId=\"lifecycle_v{number}\" date=\"{}\" source=\"#penholder\" type=\"{}\"/>",
                rfc3339(*at),
                if index == 0 {
                    "generation"
                } else {
                    "amendment"
                }
            );
        }
        out.push_str("</lifecycle>\n");
    }
    let mut steps = String::new();
    let mut count = 0;
    for event in &context.events {
        let (at, outcome, refers) = match event {
            TextEvent::Status {
                node, status, at, ..
            } => (*at, status.as_str(), e_ids.get(node)),
            TextEvent::Adoption { at, .. } => (*at, ParagraphStatus::Adopted.as_str(), None),
            TextEvent::Version { .. } => continue,
        };
        count += 1;
        let _ = write!(
            steps,
            "<step eId=\"workflow_{count}\" date=\"{}\" by=\"#chair\" as=\"#chair\" outcome=\"#status_{outcome}\"",
            rfc3339(at)
        );
        if let Some(e_id) = refers {
            let _ = write!(steps, " refersTo=\"#{}\"", escaped(e_id));
        }
        steps.push_str("/>");
    }
    if count > 0 {
        out.push_str("<workflow source=\"#penholder\">");
        out.push_str(&steps);
        out.push_str("</workflow>\n");
    }
    out
}

struct Writer<'a> {
    out: String,
    references: &'a References,
    context: &'a Context,
    /// The eId written for each node, for the workflow's steps.
    e_ids: std::collections::HashMap<penholder_core::NodeId, String>,
}

impl Writer<'_> {
    fn reference(&self, node: &Node) -> String {
        self.references
            .reference(node.id)
            .map(|r| r.0.clone())
            .unwrap_or_default()
    }

    /// The number part of a derived reference: `PP3` → `3`, `PG1.4` → `4`, `OP1.a` → `a`.
    fn number(&self, node: &Node) -> String {
        let reference = self.reference(node);
        let last = reference
            .rsplit('.')
            .next()
            .unwrap_or(&reference)
            .to_string();
        last.trim_start_matches(|c: char| c.is_ascii_alphabetic() && c.is_ascii_uppercase())
            .to_string()
    }

    fn ids(&mut self, e_id: &str, node: &Node) {
        let _ = write!(self.out, " eId=\"{}\" wId=\"{}\"", escaped(e_id), node.id);
        self.e_ids.insert(node.id, e_id.to_string());
        // A paragraph's status in force, as a reference to its concept.
        if let Some(marks) = self.context.paragraphs.get(&node.id) {
            let _ = write!(self.out, " refersTo=\"#status_{}\"", marks.status.as_str());
        }
    }

    fn recitals(&mut self, nodes: &[Node]) {
        self.out.push_str("<recitals eId=\"recs_1\">\n");
        for node in nodes {
            let e_id = format!("recs_1__rec_{}", self.number(node));
            self.out.push_str("<recital");
            self.ids(&e_id, node);
            self.out.push('>');
            let items: Vec<&Node> = node
                .children
                .iter()
                .filter(|c| c.kind != NodeKind::Footnote)
                .collect();
            self.paragraph_text(node, "p");
            if !items.is_empty() {
                self.block_list(&e_id, &items);
            }
            self.out.push_str("</recital>\n");
        }
        self.out.push_str("</recitals>\n");
    }

    /// A list under a recital or formula, where only blocks may stand: a `blockList` of
    /// `item`s, nested items flattened into it in document order.
    fn block_list(&mut self, parent: &str, items: &[&Node]) {
        let list = format!("{parent}__list_1");
        let _ = write!(self.out, "<blockList eId=\"{}\">", escaped(&list));
        let mut stack: Vec<(&Node, String)> = items
            .iter()
            .rev()
            .map(|item| (*item, list.clone()))
            .collect();
        while let Some((item, prefix)) = stack.pop() {
            let e_id = format!("{prefix}__item_{}", self.number(item));
            self.out.push_str("<item");
            self.ids(&e_id, item);
            self.out.push('>');
            self.paragraph_text(item, "p");
            self.out.push_str("</item>");
            for nested in item
                .children
                .iter()
                .rev()
                .filter(|c| c.kind != NodeKind::Footnote)
            {
                stack.push((nested, e_id.clone()));
            }
        }
        self.out.push_str("</blockList>\n");
    }

    /// An opening clause of the preamble (`WE, the Ministers …`).
    fn formula(&mut self, node: &Node) {
        let e_id = format!("formula_{}", self.number(node));
        self.out.push_str("<formula name=\"openingClause\"");
        self.ids(&e_id, node);
        self.out.push('>');
        self.paragraph_text(node, "p");
        let items: Vec<&Node> = node
            .children
            .iter()
            .filter(|c| c.kind != NodeKind::Footnote)
            .collect();
        if !items.is_empty() {
            self.block_list(&e_id, &items);
        }
        self.out.push_str("</formula>\n");
    }

    /// A node of the main body as a hierarchical element.
    fn hierarchy(&mut self, node: &Node, prefix: &str) {
        let join = |name: String| {
            if prefix.is_empty() {
                name
            } else {
                format!("{prefix}__{name}")
            }
        };
        let number = self.number(node);
        let (open, close, e_id, num) = match node.kind {
            NodeKind::Operative => (
                "<paragraph".to_string(),
                "</paragraph>",
                join(format!("para_{number}")),
                node.num.clone().or(Some(format!("{number}."))),
            ),
            NodeKind::Action => (
                "<paragraph".to_string(),
                "</paragraph>",
                join(format!("para_{number}")),
                node.num.clone().or(Some(format!("{number}."))),
            ),
            NodeKind::Goal => (
                "<hcontainer name=\"priorityGoal\"".to_string(),
                "</hcontainer>",
                join(format!("priorityGoal_{number}")),
                node.num.clone().or(Some(format!("Priority Goal {number}"))),
            ),
            NodeKind::Part => (
                "<division".to_string(),
                "</division>",
                join(format!("dvs_{number}")),
                node.num.clone(),
            ),
            NodeKind::Item => (
                "<point".to_string(),
                "</point>",
                join(format!("point_{number}")),
                node.num.clone().or(Some(format!("({number})"))),
            ),
            NodeKind::Paragraph | NodeKind::Preambular | NodeKind::Footnote => (
                "<hcontainer name=\"unnumberedParagraph\"".to_string(),
                "</hcontainer>",
                join(format!(
                    "unnumberedParagraph_{}",
                    self.reference(node).to_lowercase()
                )),
                node.num.clone(),
            ),
        };
        self.out.push_str(&open);
        self.ids(&e_id, node);
        self.out.push('>');
        if let Some(num) = num {
            self.out.push_str("<num>");
            escape_into(&mut self.out, &num);
            self.out.push_str("</num>");
        }
        let children: Vec<&Node> = node
            .children
            .iter()
            .filter(|c| c.kind != NodeKind::Footnote)
            .collect();
        let titled = matches!(node.kind, NodeKind::Goal | NodeKind::Part);
        if titled {
            self.out.push_str("<heading>");
            self.inline_text(node);
            self.out.push_str("</heading>");
        }
        let items: Vec<&Node> = children
            .iter()
            .copied()
            .filter(|c| c.kind == NodeKind::Item)
            .collect();
        let others: Vec<&Node> = children
            .iter()
            .copied()
            .filter(|c| c.kind != NodeKind::Item)
            .collect();
        match (titled, children.is_empty()) {
            (true, true) => self.out.push_str("<content><p/></content>"),
            (true, false) => {
                if !items.is_empty() {
                    self.list(&e_id, &items);
                }
                for child in others {
                    self.hierarchy(child, &e_id);
                }
            }
            (false, true) => {
                self.out.push_str("<content>");
                self.paragraph_text(node, "p");
                self.out.push_str("</content>");
            }
            (false, false) => {
                self.out.push_str("<intro>");
                self.paragraph_text(node, "p");
                self.out.push_str("</intro>");
                if !items.is_empty() {
                    self.list(&e_id, &items);
                }
                for child in others {
                    self.hierarchy(child, &e_id);
                }
            }
        }
        self.out.push_str(close);
        self.out.push('\n');
    }

    fn list(&mut self, parent: &str, items: &[&Node]) {
        let e_id = format!("{parent}__list_1");
        let _ = write!(self.out, "<list eId=\"{}\">", escaped(&e_id));
        for item in items {
            self.hierarchy(item, &e_id);
        }
        self.out.push_str("</list>");
    }

    /// `<p>` with the node's text, footnotes as authorial notes at their markers.
    fn paragraph_text(&mut self, node: &Node, tag: &str) {
        let _ = write!(self.out, "<{tag}>");
        self.inline_text(node);
        let _ = write!(self.out, "</{tag}>");
    }

    /// The node's text with each footnote child at the marker it goes with (in order); a
    /// footnote without a marker at the end.
    fn inline_text(&mut self, node: &Node) {
        let footnotes: Vec<&Node> = node
            .children
            .iter()
            .filter(|c| c.kind == NodeKind::Footnote)
            .collect();
        let markers = marker_ranges(&node.text);
        let mut at = 0;
        for (index, footnote) in footnotes.iter().enumerate() {
            match markers.get(index) {
                Some(range) => {
                    self.emphasized(node, at..range.start);
                    self.note(footnote, &node.text[range.clone()]);
                    at = range.end;
                }
                None => {
                    self.emphasized(node, at..node.text.len());
                    at = node.text.len();
                    let marker = self.number(footnote);
                    self.note(footnote, &marker);
                }
            }
        }
        self.emphasized(node, at..node.text.len());
        for bracket in self.context.brackets.get(&node.id).into_iter().flatten() {
            let _ = write!(
                self.out,
                "<noteRef href=\"#note_{id}\" marker=\"{id}\" class=\"bracket\"/>",
                id = escaped(&bracket.id)
            );
        }
    }

    /// A stretch of a node's text, its emphasis as `<b>` and `<i>`.
    fn emphasized(&mut self, node: &Node, range: std::ops::Range<usize>) {
        xml_emphasis_into(&mut self.out, &node.text, &node.marks, range, "b", "i");
    }

    fn note(&mut self, footnote: &Node, marker: &str) {
        let e_id = format!("authorialNote_{}", self.number(footnote));
        self.out.push_str("<authorialNote");
        self.ids(&e_id, footnote);
        self.out.push_str(" marker=\"");
        escape_into(&mut self.out, marker);
        self.out.push_str("\" placement=\"bottom\"><p>");
        self.emphasized(footnote, 0..footnote.text.len());
        self.out.push_str("</p></authorialNote>");
    }
}

fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

/// A URI path segment from a title: lower-case ASCII letters and digits joined by dashes.
fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "document".to_string()
    } else {
        out
    }
}

/// ISO 639-2 code (as FRBR and Akoma Ntoso URIs use) of a BCP 47 language tag.
fn iso639_2(tag: &str) -> String {
    let primary = tag
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let code = match primary.as_str() {
        "en" => "eng",
        "fr" => "fra",
        "de" => "deu",
        "es" => "spa",
        "ru" => "rus",
        "ar" => "ara",
        "zh" => "zho",
        "hu" => "hun",
        "tr" => "tur",
        "it" => "ita",
        "pt" => "por",
        "nl" => "nld",
        "pl" => "pol",
        other if other.len() == 3 && other.chars().all(|c| c.is_ascii_lowercase()) => other,
        _ => "mul",
    };
    code.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_languages() {
        assert_eq!(
            slug("Budapest Process Ministerial Declaration"),
            "budapest-process-ministerial-declaration"
        );
        assert_eq!(slug("«»"), "document");
        assert_eq!(iso639_2("en-GB"), "eng");
        assert_eq!(iso639_2("fra"), "fra");
        assert_eq!(iso639_2("x"), "mul");
    }
}
