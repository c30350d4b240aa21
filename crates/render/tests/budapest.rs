//! The real texts: the Budapest Process Declaration and Call for Action (fixtures/budapest),
//! from the zero draft to Rev. 3 as the fixtures' reference model derives them. Rev. 3 is
//! aligned with the zero draft (ids restored for matched paragraphs) and the redline between
//! them rendered: Markdown snapshots, Word read by LibreOffice (accepting every change gives
//! Rev. 3, rejecting every change the zero draft), Akoma Ntoso of every version validated.

mod common;

use common::office::{Odt, View, convert, soffice_available, without_markers};
use penholder_core::{Document, IdSource, InlineMark, MarkKind, Node, NodeKind, Version};
use penholder_render::{Context, akn, docx, markdown};
use serde::Deserialize;
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/budapest")
}

#[derive(Deserialize)]
struct Expected {
    versions: Vec<ExpectedVersion>,
}

#[derive(Deserialize)]
struct ExpectedVersion {
    number: u32,
    label: String,
    nodes: Vec<ExpectedNode>,
}

#[derive(Deserialize)]
struct ExpectedNode {
    kind: String,
    text: String,
    /// The stretches of the text in bold (`Priority 1:`).
    #[serde(default)]
    bold: Vec<String>,
    #[serde(default)]
    children: Vec<ExpectedNode>,
}

fn node(expected: &ExpectedNode, ids: &mut IdSource) -> Node {
    let kind = NodeKind::parse(&expected.kind).expect("a known kind");
    let children = expected.children.iter().map(|c| node(c, ids)).collect();
    let marks = expected
        .bold
        .iter()
        .map(|phrase| {
            let start = expected
                .text
                .find(phrase.as_str())
                .expect("bold text in the text");
            InlineMark::new(start..start + phrase.len(), MarkKind::Bold)
        })
        .collect();
    Node::new(ids.next_id(), kind, expected.text.as_str())
        .with_marks(marks)
        .with_children(children)
}

/// The zero draft (with the fixtures' stable ids) and every later version of a document,
/// each aligned with the one before so that unchanged and edited paragraphs keep their ids.
fn versions(name: &str) -> Vec<Version> {
    let zero: Document = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join(format!("{name}.json"))).expect("the zero draft"),
    )
    .expect("a document");
    let expected: Expected = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join(format!("rounds/expected/{name}.json")))
            .expect("the expected versions"),
    )
    .expect("expected versions");
    let mut ids = IdSource::new(2024, 1_715_162_400_000);
    let mut out = vec![Version::new(1, "Zero draft", None, zero.clone())];
    for version in expected.versions.iter().skip(1) {
        let revised = Document::new(
            zero.title.clone(),
            version.nodes.iter().map(|n| node(n, &mut ids)).collect(),
        );
        let previous = &out.last().expect("a previous version").document;
        let aligned = penholder_diff::align(previous, &revised, None).document;
        out.push(Version::new(
            version.number,
            version.label.clone(),
            Some(version.number - 1),
            aligned,
        ));
    }
    out
}

fn context() -> Context {
    let delegations: Vec<penholder_core::negotiation::Delegation> = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("delegations.json")).expect("delegations"),
    )
    .expect("delegations");
    Context::new()
        .classification("LIMITE")
        .delegations_from(&delegations)
        .fallback_date(1_715_162_400_000)
}

fn expected_paragraphs(document: &Document, subtitle: &str) -> Vec<String> {
    let mut out = vec![document.title.clone(), subtitle.to_string()];
    for visit in document.walk() {
        if visit.node.kind != NodeKind::Footnote {
            let text = without_markers(&visit.node.text).trim().to_string();
            if !text.is_empty() {
                out.push(text);
            }
        }
    }
    out
}

#[test]
fn the_declaration_redline_from_the_zero_draft_to_rev_3() {
    let versions = versions("declaration");
    assert_eq!(versions.len(), 4);
    let redline = penholder_diff::redline(&versions[0].document, &versions[3].document, &[]);
    insta::assert_snapshot!(markdown::redline(&redline, &context()));
}

#[test]
fn the_call_for_action_rev_3() {
    let versions = versions("call-for-action");
    insta::assert_snapshot!(markdown::version(&versions[3], &context()));
}

#[test]
fn word_redlines_of_the_real_texts_accept_to_rev_3_and_reject_to_the_zero_draft() {
    if !soffice_available() {
        return;
    }
    let documents = [
        ("declaration", versions("declaration")),
        ("call-for-action", versions("call-for-action")),
    ];
    let mut files = Vec::new();
    for (name, versions) in &documents {
        let redline = penholder_diff::redline(&versions[0].document, &versions[3].document, &[]);
        let exact = docx::redline_from(&redline, &versions[0].document, &context()).expect("docx");
        // Without the source, a moved paragraph's old place is inferred from its reference;
        // on these texts that is exact too.
        let inferred = docx::redline(&redline, &context()).expect("docx");
        files.push((format!("{name}.docx"), exact));
        files.push((format!("{name}-inferred.docx"), inferred));
    }
    let inputs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let out = convert(&inputs, "fodt", "fodt");
    for (name, versions) in &documents {
        for file in [format!("{name}.docx"), format!("{name}-inferred.docx")] {
            let odt = Odt::parse(&out[&file]);
            assert_eq!(
                odt.paragraphs(View::Accepted),
                expected_paragraphs(&versions[3].document, "Redline"),
                "{file}: accepting every change"
            );
            assert_eq!(
                odt.paragraphs(View::Rejected),
                expected_paragraphs(&versions[0].document, "Redline"),
                "{file}: rejecting every change"
            );
            assert!(!odt.changes.is_empty());
        }
    }
}

#[test]
fn every_real_version_is_valid_akoma_ntoso() {
    let schema = match std::env::var_os("AKN_SCHEMA") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/akn/akomantoso30.xsd"),
    };
    let on_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    let xmllint = std::process::Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok();
    if !schema.is_file() || !xmllint {
        assert!(
            !on_ci,
            "xmllint and the Akoma Ntoso schema are required on CI"
        );
        eprintln!(
            "SKIPPED: xmllint or the schema ({}) is missing",
            schema.display()
        );
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut files = Vec::new();
    for name in ["declaration", "call-for-action"] {
        for version in versions(name) {
            let path = dir.path().join(format!("{name}-v{}.xml", version.number));
            std::fs::write(&path, akn::version(&version, &context())).expect("write");
            files.push(path);
        }
    }
    let output = std::process::Command::new("timeout")
        .args(["120", "xmllint", "--noout", "--schema"])
        .arg(&schema)
        .args(&files)
        .output()
        .expect("run xmllint");
    assert!(
        output.status.success(),
        "not valid Akoma Ntoso 3.0:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
