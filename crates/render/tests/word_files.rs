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
        .filter(|v| {
            v.node
                .children
                .iter()
                .any(|c| c.kind == NodeKind::Footnote)
        })
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
            node: Some(node.id),
            text: format!("Comment {index} on this paragraph."),
        });
    }
    let mut amendments = Vec::new();
    for node in &with_notes {
        amendments.push(Item::Amend {
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
    let context = Context::new().delegation("AT", "Austria").delegation("HU", "Hungary");
    let files = [
        ("version.docx", docx::version(&zero, &context).expect("docx"), footnotes(&zero.document)),
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
        assert_eq!(&odt.footnotes_accepted(), expected, "the footnotes of {name}");
    }
}

#[test]
fn dump() {
    let n = common::negotiation();
    let bytes = docx::version(&n.v2, &common::context()).expect("docx");
    std::fs::write("/tmp/dx/version.docx", &bytes).unwrap();
}
