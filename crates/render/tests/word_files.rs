//! Word files as a reviewer opens them: every DOCX kind penholder writes (version,
//! compilation, redline) read back through LibreOffice's own import, its footnotes checked
//! against the source; the page around the text (references, footer, subtitle, properties,
//! language, styles, numbering) read from the package's XML.

mod common;

use common::office::{Odt, convert, soffice_available};
use penholder_core::negotiation::{Item, Submission};
use penholder_core::{Document, NodeKind, Version};
use penholder_render::{Context, docx};
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/budapest")
}

/// The Budapest declaration's zero draft (footnotes on the Silk Routes, the EUR-Lex URL, …).
fn declaration() -> Version {
    let zero: Document = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("declaration.json")).expect("the zero draft"),
    )
    .expect("a document");
    Version::new(1, "Zero draft", None, zero)
}

fn footnotes(document: &Document) -> Vec<String> {
    document
        .walk()
        .iter()
        .filter(|v| v.node.kind == NodeKind::Footnote)
        .map(|v| v.node.text.clone())
        .collect()
}

/// Comments and justified amendments on the paragraphs that carry footnotes (and on others),
/// from several delegations: the compilation then holds many comments around footnotes.
fn feedback(base: &Version) -> Vec<Submission> {
    let walk = base.document.walk();
    let with_notes: Vec<_> = walk
        .iter()
        .filter(|v| v.node.children.iter().any(|c| c.kind == NodeKind::Footnote))
        .map(|v| v.node)
        .collect();
    let paragraphs: Vec<_> = walk
        .iter()
        .filter(|v| v.node.kind == NodeKind::Preambular)
        .map(|v| v.node)
        .collect();
    let mut comments = Vec::new();
    for (index, node) in paragraphs.iter().enumerate().take(8) {
        comments.push(Item::Comment {
            iso: Default::default(),
            node: Some(node.id),
            text: format!("Comment {index} on this paragraph."),
        });
    }
    let mut amendments = Vec::new();
    for node in &with_notes {
        amendments.push(Item::Amend {
            iso: Default::default(),
            node: node.id,
            text: node.text.replacen("the ", "all the ", 1),
            justification: Some("Clarity.".into()),
        });
    }
    vec![
        Submission {
            delegation: "AT".into(),
            revision: 1,
            submitted_at: 1_703_062_800_000,
            items: comments,
        },
        Submission {
            delegation: "HU".into(),
            revision: 1,
            submitted_at: 1_703_066_400_000,
            items: amendments,
        },
    ]
}

/// Every Word file penholder writes keeps its footnotes, each with its own text, through
/// LibreOffice's import (the compilation once showed the Silk Routes footnote as note 1, notes
/// 2 and 5 empty and the EUR-Lex URL twice: comment ids equal to footnote ids confused it).
#[test]
fn every_word_file_keeps_its_footnotes_through_libreoffice() {
    if !soffice_available() {
        return;
    }
    let zero = declaration();
    let compilation = penholder_diff::compile(&zero, &feedback(&zero));
    assert!(
        compilation.changes_count() > 0 && !compilation.nodes.is_empty(),
        "the feedback makes changes"
    );
    // The redline from the zero draft to a text with every footnote-bearing paragraph amended.
    let mut revised = zero.document.clone();
    for node in revised.nodes.iter_mut() {
        if node.children.iter().any(|c| c.kind == NodeKind::Footnote) {
            node.text = node.text.replacen("the ", "all the ", 1);
        }
    }
    let redline = penholder_diff::redline(&zero.document, &revised, &[]);
    let context = Context::new()
        .delegation("AT", "Austria")
        .delegation("HU", "Hungary");
    let files = [
        (
            "version.docx",
            docx::version(&zero, &context).expect("docx"),
            footnotes(&zero.document),
        ),
        (
            "compilation.docx",
            docx::compilation(&compilation, &context).expect("docx"),
            footnotes(&zero.document),
        ),
        (
            "redline.docx",
            docx::redline_from(&redline, &zero.document, &context).expect("docx"),
            footnotes(&revised),
        ),
    ];
    let inputs: Vec<(&str, &[u8])> = files.iter().map(|(n, b, _)| (*n, b.as_slice())).collect();
    let out = convert(&inputs, "fodt", "fodt");
    for (name, _, expected) in &files {
        let odt = Odt::parse(&out[*name]);
        assert_eq!(
            &odt.footnotes_accepted(),
            expected,
            "the footnotes of {name}"
        );
    }
}

/// A package's XML part, empty when absent.
fn part(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a docx package");
    let mut text = String::new();
    if let Ok(mut file) = archive.by_name(name) {
        file.read_to_string(&mut text).expect("UTF-8");
    }
    text
}

fn page_context() -> Context {
    common::context()
        .symbol("8056/24")
        .dated(common::CONSOLIDATED)
        .chair("Budapest Process Chairmanship")
        .language("en-GB")
}

/// The page around the text, read from the package's XML: each paragraph's reference as the
/// HTML shows it, the footer (symbol, label, date, page fields), the core properties, the
/// language, the Normal style as default and no numbering definition that nothing uses.
#[test]
fn the_page_a_reviewer_expects() {
    use common::office::{Element, parse};
    let n = common::negotiation();
    let bytes = docx::version(&n.v2, &page_context()).expect("docx");
    let document = parse(&part(&bytes, "word/document.xml"));

    // References in the reference style, one per paragraph, in document order.
    let references: Vec<String> = document
        .descendants("w:r")
        .into_iter()
        .filter(|run| {
            run.descendants("w:rStyle")
                .iter()
                .any(|s| s.attribute("w:val") == Some(docx::REFERENCE_STYLE))
        })
        .map(|run| run.text().trim().to_string())
        .collect();
    let expected: Vec<String> = penholder_core::References::of(&n.v2.document)
        .in_order()
        .iter()
        .filter(|(node, _)| {
            n.v2.document
                .walk()
                .iter()
                .any(|v| v.node.id == *node && v.node.kind != NodeKind::Footnote)
        })
        .map(|(_, reference)| reference.0.clone())
        .collect();
    assert_eq!(references, expected);
    assert!(references.contains(&"OP1.c".to_string()), "{references:?}");

    // The footer: symbol, label, date, page number of page count.
    let footer = parse(&part(&bytes, "word/footer1.xml"));
    let footer_text = footer.text();
    assert!(
        footer_text.contains("8056/24 \u{2014} Rev. 1 after written feedback \u{2014} 2024-01-15"),
        "{footer_text}"
    );
    let fields: Vec<String> = footer
        .descendants("w:instrText")
        .iter()
        .map(|i| i.text().trim().to_string())
        .collect();
    assert_eq!(fields, ["PAGE", "NUMPAGES"]);

    // Core properties and language.
    let core = parse(&part(&bytes, "docProps/core.xml"));
    let first = |element: &Element, name: &str| {
        element
            .descendants(name)
            .first()
            .map(|e| e.text())
            .unwrap_or_default()
    };
    assert_eq!(
        first(&core, "dc:title"),
        "Budapest Process Ministerial Declaration"
    );
    assert_eq!(first(&core, "dc:creator"), "Budapest Process Chairmanship");
    assert_eq!(first(&core, "dc:language"), "en-GB");
    let styles = parse(&part(&bytes, "word/styles.xml"));
    let languages: Vec<&str> = styles
        .descendants("w:rPrDefault")
        .iter()
        .flat_map(|d| d.descendants("w:lang"))
        .filter_map(|l| l.attribute("w:val"))
        .collect();
    assert_eq!(languages, ["en-GB"]);
    let defaults: Vec<&str> = styles
        .descendants("w:style")
        .into_iter()
        .filter(|s| s.attribute("w:default") == Some("1"))
        .filter_map(|s| s.attribute("w:styleId"))
        .collect();
    assert_eq!(defaults, ["Normal"]);

    // Numbering: every instance is used by a paragraph, every definition by an instance.
    let numbering = parse(&part(&bytes, "word/numbering.xml"));
    let used: std::collections::BTreeSet<&str> = document
        .descendants("w:numId")
        .iter()
        .filter_map(|n| n.attribute("w:val"))
        .collect();
    let instances: std::collections::BTreeSet<&str> = numbering
        .descendants("w:num")
        .iter()
        .filter_map(|n| n.attribute("w:numId"))
        .collect();
    assert_eq!(instances, used, "numbering instances");
    let abstract_used: std::collections::BTreeSet<&str> = numbering
        .descendants("w:num")
        .iter()
        .flat_map(|n| n.descendants("w:abstractNumId"))
        .filter_map(|a| a.attribute("w:val"))
        .collect();
    let abstracts: std::collections::BTreeSet<&str> = numbering
        .descendants("w:abstractNum")
        .iter()
        .filter_map(|a| a.attribute("w:abstractNumId"))
        .collect();
    assert_eq!(abstracts, abstract_used, "numbering definitions");
    assert_eq!(
        used.len(),
        1,
        "only the operative paragraphs' list: {used:?}"
    );
}

/// The footer as LibreOffice shows it: the page number and count are fields it computes.
#[test]
fn libreoffice_reads_the_footer_with_its_page_fields() {
    if !soffice_available() {
        return;
    }
    let n = common::negotiation();
    let bytes = docx::version(&n.v2, &page_context()).expect("docx");
    let out = convert(&[("footer.docx", &bytes)], "fodt", "fodt");
    let odt = Odt::parse(&out["footer.docx"]);
    assert_eq!(
        odt.footer_text().trim(),
        "8056/24 \u{2014} Rev. 1 after written feedback \u{2014} 2024-01-15\tPage {page} of {pages}"
    );
    assert_eq!(odt.references()[..3], ["P1", "PP1", "PP2"]);
}

/// The redline carries the justifications of the accepted proposals as comments, by the
/// first proposer, beside the paragraph they changed; a joint proposal names every supporter.
#[test]
fn a_redline_carries_the_justifications_as_comments() {
    use common::office::parse;
    let n = common::negotiation();
    let (_, ids) = common::zero_draft();
    let context = common::context()
        .justification(
            common::ROUND,
            ids.op2,
            "HU",
            "Consistency with the Call for Action.",
        )
        .justification(
            common::ROUND,
            ids.pp1,
            "AT",
            "The Silk Routes Partnership matters.",
        )
        // A justification of a proposal that did not change this node is not shown.
        .justification(common::ROUND, ids.op3, "FR", "Every two years.");
    let bytes = docx::redline_from(&n.redline, &n.v1.document, &context).expect("docx");
    let comments = parse(&part(&bytes, "word/comments.xml"));
    let said: Vec<(String, String)> = comments
        .descendants("w:comment")
        .iter()
        .map(|c| {
            (
                c.attribute("w:author").unwrap_or_default().to_string(),
                c.text(),
            )
        })
        .collect();
    assert_eq!(
        said,
        [
            (
                "Austria".to_string(),
                "Justification (Austria): The Silk Routes Partnership matters.".to_string()
            ),
            (
                "Hungary".to_string(),
                "Proposed jointly by Hungary, Türkiye.Justification (Hungary): Consistency with the Call for Action."
                    .to_string()
            ),
        ]
    );
    // Every comment is anchored in the text.
    let document = parse(&part(&bytes, "word/document.xml"));
    assert_eq!(document.descendants("w:commentRangeStart").len(), 2);
}

/// The seed's bold heads ("**Priority 1:**", marks in the model) are bold runs in Word, their
/// asterisks nowhere; a preambular paragraph's first word stays in italics beside them.
#[test]
fn emphasis_is_bold_and_italic_runs_never_asterisks() {
    use common::office::parse;
    let bytes = docx::version(&declaration(), &Context::new()).expect("docx");
    let document = parse(&part(&bytes, "word/document.xml"));
    let runs = document.descendants("w:r");
    let formatted = |text: &str, property: &str| {
        runs.iter()
            .filter(|run| run.text() == text)
            .any(|run| !run.descendants(property).is_empty())
    };
    for head in ["Priority 1:", "Racism, discrimination and xenophobia:"] {
        assert!(formatted(head, "w:b"), "{head:?} is a bold run");
    }
    assert!(
        formatted("Gathered", "w:i"),
        "the preambular verb in italics"
    );
    assert!(!document.text().contains("**"), "no literal asterisks");
    let plain = runs
        .iter()
        .find(|run| run.text().trim_start().starts_with("Prevent and fight"))
        .expect("the rest of the first priority");
    assert!(plain.descendants("w:b").is_empty(), "only the head is bold");
}
