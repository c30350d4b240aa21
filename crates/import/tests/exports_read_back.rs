//! Every form penholder exports a document in reads back to the same tree: the rendered
//! Markdown of a version (`?format=md`, `penholder_render::markdown`) through the ordinary
//! Markdown importer (kinds, numbers, texts and nesting; it carries no ids), and the structured
//! Markdown, the JSON form and Akoma Ntoso through their importers (ids included).
//!
//! The rendered Markdown is a text for people: it writes each node's reference, number and
//! text, and nests by reference and heading level only. The generated documents
//! (`penholder_scenario::arbitrary`, whose documentation lists what they keep to) keep to what
//! it can say, which is what penholder's texts are.

mod common;

use penholder_core::{Document, IdSource, InlineMark, NodeKind, References, Version};
use penholder_import::{
    export_structured, from_json, import_akn, import_any_markdown, import_structured, to_json,
};
use penholder_render::{AuditSeal, Context};
use penholder_scenario::arbitrary::document;
use proptest::prelude::*;

/// A node without its id: depth, kind, number, text, emphasis.
type Outline = (usize, NodeKind, Option<String>, String, Vec<InlineMark>);

/// The tree without ids: title, then every node in document order.
fn shape(document: &Document) -> (String, Vec<Outline>) {
    let nodes = document
        .walk()
        .iter()
        .map(|v| {
            (
                v.depth,
                v.node.kind,
                v.node.num.clone(),
                v.node.text.clone(),
                v.node.marks.clone(),
            )
        })
        .collect();
    (document.title.clone(), nodes)
}

fn references(document: &Document) -> Vec<String> {
    References::of(document)
        .in_order()
        .iter()
        .map(|(_, r)| r.0.clone())
        .collect()
}

/// The version's Markdown as the server renders it (`?format=md`): with the verbatim numbers.
fn rendered(document: &Document, audit: bool) -> String {
    let mut context = Context::new().classification("LIMITE").numbers_of(document);
    if audit {
        context.audit = Some(AuditSeal {
            seq: 12,
            hash: "ab12".into(),
            signature: None,
        });
    }
    let version = Version::new(
        3,
        "Rev. 2 after the Reference Group",
        None,
        document.clone(),
    );
    penholder_render::markdown::version(&version, &context)
}

#[test]
fn the_budapest_texts_read_back_from_their_rendered_markdown() {
    for file in [
        "fixtures/budapest/declaration.md",
        "fixtures/budapest/call-for-action.md",
    ] {
        let original = import_structured(&common::repository_file(file), &mut IdSource::new(1, 0))
            .expect("the fixture is in the structured form");
        let markdown = rendered(&original, true);
        let back = import_any_markdown(&markdown, &mut IdSource::new(2, 0)).unwrap();
        assert!(!back.structured);
        assert_eq!(shape(&back.document), shape(&original), "{file}");
        assert_eq!(references(&back.document), references(&original));
    }
}

#[test]
fn a_hand_edited_rendering_keeps_its_references_and_reads_new_paragraphs_as_text() {
    let markdown = "# Declaration\n\n*Version 2*\n\n---\n\n\
        **PP1** Recalling the Compacts;\n\n\
        A new recital without a reference;\n\n\
        **OP1** 1. Adopt the following¹:\n\n\
        **FN1** 1 A footnote.\n\n\
        **OP1.a** (a) prevent \\*irregular\\* migration;\n\n\
        (b) a new point;\n\n\
        ### Priority Goal 1\n\n\
        **PG1** Protect\n\n\
        **PG1.1** 1. Strengthen;\n";
    let document = import_any_markdown(markdown, &mut IdSource::new(1, 0))
        .unwrap()
        .document;
    assert_eq!(document.title, "Declaration");
    let outline: Vec<(usize, NodeKind, Option<&str>, &str)> = document
        .walk()
        .iter()
        .map(|v| {
            (
                v.depth,
                v.node.kind,
                v.node.num.as_deref(),
                v.node.text.as_str(),
            )
        })
        .collect();
    assert_eq!(
        outline,
        [
            (0, NodeKind::Preambular, None, "Recalling the Compacts;"),
            (
                0,
                NodeKind::Paragraph,
                None,
                "A new recital without a reference;"
            ),
            (0, NodeKind::Operative, None, "Adopt the following¹:"),
            (1, NodeKind::Footnote, None, "A footnote."),
            (1, NodeKind::Item, None, "prevent *irregular* migration;"),
            (1, NodeKind::Item, Some("(b)"), "a new point;"),
            (0, NodeKind::Goal, None, "Protect"),
            (1, NodeKind::Action, None, "Strengthen;"),
        ]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The rendered Markdown gives back kinds, numbers, texts, nesting and so references; the
    /// structured Markdown, JSON and Akoma Ntoso give back the very same document, ids included.
    #[test]
    fn every_export_reads_back_to_the_same_tree(document in document(), audit in any::<bool>()) {
        let markdown = rendered(&document, audit);
        let back = import_any_markdown(&markdown, &mut IdSource::new(2, 0)).map(|i| i.document);
        prop_assert_eq!(back.as_ref().map(shape), Ok(shape(&document)), "{}", markdown);
        prop_assert_eq!(back.as_ref().map(references), Ok(references(&document)));

        let structured = export_structured(&document);
        let back = import_any_markdown(&structured, &mut IdSource::new(2, 0)).map(|i| i.document);
        prop_assert_eq!(back.as_ref(), Ok(&document), "{}", structured);

        let json = from_json(&to_json(&document));
        prop_assert_eq!(json.as_ref(), Ok(&document));

        let context = Context::new().classification("LIMITE");
        let xml = penholder_render::akn::document(&document, &context);
        let back = import_akn(&xml, &mut IdSource::new(3, 3)).map(|i| i.document);
        prop_assert_eq!(back.as_ref(), Ok(&document), "{}", xml);
    }
}
