//! Akoma Ntoso output validated against the OASIS schema with `xmllint --schema`.
//!
//! The schema's path comes from `AKN_SCHEMA` (the Makefile and `.ci/run` set it); when unset,
//! from `../shared/akn/akomantoso30.xsd` beside the repository. A document that fails to
//! validate fails the test, always. A missing `xmllint` or schema fails on CI (`CI=true`) and
//! is skipped locally with a message.

mod common;

use common::*;
use penholder_core::{
    Document, IdSource, InlineMark, MarkKind, Node, NodeKind, References, Version,
};
use penholder_render::{Context, akn};
use std::path::PathBuf;
use std::process::Command;

fn on_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The schema to validate with, or `None` (after saying why) when validation cannot run here.
fn schema() -> Option<PathBuf> {
    let (path, from_env) = match std::env::var_os("AKN_SCHEMA") {
        Some(path) if !path.is_empty() => (PathBuf::from(path), true),
        _ => (
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/akn/akomantoso30.xsd"),
            false,
        ),
    };
    if !path.is_file() {
        assert!(
            !from_env && !on_ci(),
            "the Akoma Ntoso schema is not at {} (AKN_SCHEMA{})",
            path.display(),
            if from_env { "" } else { " unset" }
        );
        eprintln!(
            "SKIPPED: no Akoma Ntoso schema at {}; set AKN_SCHEMA",
            path.display()
        );
        return None;
    }
    let xmllint = Command::new("xmllint").arg("--version").output();
    if xmllint.is_err() {
        assert!(
            !on_ci(),
            "xmllint is required on CI: install Debian package libxml2-utils"
        );
        eprintln!("SKIPPED: xmllint not found; install libxml2-utils");
        return None;
    }
    Some(path)
}

fn validate(schema: &PathBuf, name: &str, xml: &str) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join(name);
    std::fs::write(&file, xml).expect("write the document");
    let output = Command::new("timeout")
        .args(["120", "xmllint", "--noout", "--schema"])
        .arg(schema)
        .arg(&file)
        .output()
        .expect("run xmllint");
    assert!(
        output.status.success(),
        "{name} is not valid Akoma Ntoso 3.0:\n{}\n--- document ---\n{xml}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A document with everything the model has: parts with verbatim numbers, opening clauses
/// with lists, recitals with items, operative paragraphs with nested items, footnotes with and
/// without markers, priority goals with actions and their items, hostile text.
fn everything() -> Document {
    let mut ids = IdSource::new(5, 1_700_000_000_000);
    let mut node = |kind, text: &str| Node::new(ids.next_id(), kind, text);
    // Emphasis across a footnote marker, bold and italic overlapping, in a heading and a note.
    let opening = node(NodeKind::Paragraph, "WE, the Ministers¹ & <partners>;")
        .with_marks(vec![
            InlineMark::new(0..2, MarkKind::Bold),
            InlineMark::new(4..22, MarkKind::Italic),
            InlineMark::new(8..17, MarkKind::Bold),
        ])
        .with_children(vec![
            node(NodeKind::Footnote, "Observers: \"A\" & 'B'.")
                .with_marks(vec![InlineMark::new(0..9, MarkKind::Italic)]),
            node(NodeKind::Item, "first group;"),
        ]);
    let pp1 = node(NodeKind::Preambular, "Recognising the role;").with_children(vec![
        node(NodeKind::Item, "of states;")
            .with_children(vec![node(NodeKind::Item, "nested \u{0} item;")]),
    ]);
    let pp2 = node(NodeKind::Preambular, "Concerned²³ by flows;")
        .with_children(vec![node(NodeKind::Footnote, "Two-digit marker.")]);
    let op1 = node(NodeKind::Operative, "Adopt:").with_children(vec![
        node(NodeKind::Item, "point a;"),
        node(NodeKind::Item, "point b;").with_children(vec![node(NodeKind::Item, "sub-point;")]),
    ]);
    let op2 = node(NodeKind::Operative, "Decide.").with_children(vec![node(
        NodeKind::Footnote,
        "A footnote without its marker.",
    )]);
    let goal = node(NodeKind::Goal, "Prevent irregular migration")
        .with_marks(vec![InlineMark::new(8..17, MarkKind::Bold)])
        .with_children(vec![
            node(NodeKind::Action, "Strengthen cooperation;"),
            node(NodeKind::Action, "Support countries:")
                .with_children(vec![node(NodeKind::Item, "of origin;")]),
        ]);
    let part = node(NodeKind::Part, "Final provisions")
        .with_num("Chapter IV")
        .with_children(vec![
            node(NodeKind::Paragraph, "An unnumbered paragraph."),
            node(NodeKind::Operative, "Close.").with_num("4c."),
        ]);
    let empty_part = node(NodeKind::Part, "Annex");
    Document::new(
        "Everything <Declaration>",
        vec![opening, pp1, pp2, op1, op2, goal, part, empty_part],
    )
}

#[test]
fn versions_are_valid_akoma_ntoso() {
    let Some(schema) = schema() else { return };
    let n = negotiation();
    validate(&schema, "v1.xml", &akn::version(&n.v1, &context()));
    validate(&schema, "v2.xml", &akn::version(&n.v2, &context()));
    validate(
        &schema,
        "everything.xml",
        &akn::version(
            &Version::new(3, "Rev. 2 & more", Some(2), everything()),
            &context().generated_at(1_715_162_400_000),
        ),
    );
    validate(
        &schema,
        "empty.xml",
        &akn::document(&Document::new("", Vec::new()), &Context::new()),
    );
    validate(
        &schema,
        "only-preamble.xml",
        &akn::document(
            &Document::new(
                "P",
                vec![Node::new(
                    IdSource::new(1, 0).next_id(),
                    NodeKind::Preambular,
                    "Noting;",
                )],
            ),
            &Context::new(),
        ),
    );
}

#[test]
fn identifiers_follow_the_references_and_the_node_ids() {
    let document = everything();
    let xml = akn::document(&document, &Context::new());
    for e_id in [
        "formula_1",
        "formula_1__list_1__item_a",
        "recs_1__rec_1",
        "recs_1__rec_1__list_1__item_a__item_a",
        "recs_1__rec_2",
        "para_1",
        "para_1__list_1__point_a",
        "para_1__list_1__point_b__list_1__point_a",
        "priorityGoal_1",
        "priorityGoal_1__para_2",
        "priorityGoal_1__para_2__list_1__point_a",
        "authorialNote_1",
        "authorialNote_2",
        "authorialNote_3",
        "dvs_1",
        "dvs_1__unnumberedParagraph_p2",
        "dvs_1__para_3",
    ] {
        assert!(
            xml.contains(&format!("eId=\"{e_id}\"")),
            "no eId {e_id} in\n{xml}"
        );
    }
    let references = References::of(&document);
    for visit in document.walk() {
        assert!(
            xml.contains(&format!("wId=\"{}\"", visit.node.id)),
            "no wId for {:?}",
            references.reference(visit.node.id)
        );
    }
    assert!(xml.contains("<num>Chapter IV</num>"));
    assert!(xml.contains("<num>4c.</num>"));
    assert!(xml.contains("marker=\"²³\""));
    // Emphasis as `<b>`/`<i>`, each stretch closed before the note at the marker.
    assert!(
        xml.contains("<b>WE</b>, <i>the </i><b><i>Ministers</i></b><authorialNote"),
        "{xml}"
    );
    assert!(xml.contains("<p><i>Observers</i>: &quot;A&quot;"), "{xml}");
    assert!(
        xml.contains("<heading>Prevent <b>irregular</b> migration</heading>"),
        "{xml}"
    );
    assert!(
        xml.contains("</authorialNote><i> &amp; </i>&lt;partners&gt;"),
        "{xml}"
    );
    assert!(xml.contains("nested \u{FFFD} item;"));
}
