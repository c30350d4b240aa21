//! Open brackets in every rendering of a version: inline in HTML and Markdown with a legend,
//! Word comments beside the paragraph (never its text), editorial notes referred to from the
//! paragraph in Akoma Ntoso (valid against the schema when `AKN_SCHEMA` and xmllint are there).

mod common;

use common::*;
use penholder_core::bracket::{Bracket, BracketAlternative, BracketOrigin, BracketSpan};
use penholder_core::{NodeId, Version};
use penholder_render::{Context, akn, docx, html, markdown};
use std::io::Read;

fn alternative(id: &str, text: Option<&str>, supporters: &[&str]) -> BracketAlternative {
    BracketAlternative {
        id: id.into(),
        text: text.map(str::to_string),
        supporters: supporters.iter().map(|s| s.to_string()).collect(),
    }
}

fn bracket(
    id: &str,
    node: NodeId,
    span: BracketSpan,
    base: &str,
    alternatives: Vec<BracketAlternative>,
) -> Bracket {
    Bracket {
        id: id.into(),
        node,
        span,
        base_text: base.into(),
        alternatives,
        origin: BracketOrigin {
            round: "Written feedback on the zero draft".into(),
            change: "c0ffee".into(),
        },
    }
}

/// The zero draft with a word bracket on OP2, a bracket on the whole of OP3 and a new
/// paragraph proposed after PP3.
fn bracketed() -> (Version, Context) {
    let (v1, ids) = zero_draft();
    let op2 = &v1.document.find(ids.op2).unwrap().text;
    let start = op2.find("strengthen").unwrap();
    let op3 = v1.document.find(ids.op3).unwrap().text.clone();
    let brackets = vec![
        bracket(
            "B1",
            ids.pp3,
            BracketSpan::NewNode { after: true },
            "",
            vec![alternative("a", Some("Noting the Rabat Process;"), &["FR"])],
        ),
        bracket(
            "B2",
            ids.op2,
            BracketSpan::Words {
                start,
                end: start + "strengthen".len(),
            },
            "strengthen",
            vec![
                alternative("a", Some("enhance"), &["DE", "FR"]),
                alternative("b", Some("deepen"), &["TR"]),
            ],
        ),
        bracket(
            "B3",
            ids.op3,
            BracketSpan::Node,
            &op3,
            vec![alternative("a", None, &["UK"])],
        ),
    ];
    (v1, context().brackets_of(&brackets))
}

fn docx_part(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a docx package");
    let mut text = String::new();
    archive
        .by_name(name)
        .expect("the part")
        .read_to_string(&mut text)
        .expect("UTF-8");
    text
}

#[test]
fn brackets_are_printed_in_place_in_html_and_markdown() {
    let (v1, context) = bracketed();
    let page = html::version(&v1, &context);
    assert!(
        page.contains("Decide to [strengthen] / [enhance (DE, FR)] / [deepen (TR)] cooperation"),
        "{page}"
    );
    assert!(page.contains("class=\"brackets-legend\""));
    assert!(page.contains("[new paragraph after this one: [Noting the Rabat Process; (FR)]]"));
    insta::assert_snapshot!(
        "brackets_version_markdown",
        markdown::version(&v1, &context)
    );
    // Without brackets, nothing of the kind.
    let plain = html::version(&v1, &common::context());
    assert!(!plain.contains("brackets-legend") && !plain.contains("[deepen"));
}

#[test]
fn brackets_are_word_comments_beside_their_paragraph_not_its_text() {
    let (v1, context) = bracketed();
    let bytes = docx::version(&v1, &context).unwrap();
    let comments = docx_part(&bytes, "word/comments.xml");
    assert!(
        comments.contains("Open bracket B2 (open since Written feedback on the zero draft): [strengthen] / [enhance (DE, FR)] / [deepen (TR)]"),
        "{comments}"
    );
    assert!(comments.contains("[delete (UK)]"), "{comments}");
    assert!(comments.contains("Legend. Open brackets"), "{comments}");
    let body = docx_part(&bytes, "word/document.xml");
    assert!(
        !body.contains("[deepen"),
        "the paragraph's text stays the version's"
    );
    assert!(body.contains("Decide to strengthen cooperation"));
}

#[test]
fn brackets_are_editorial_notes_in_akoma_ntoso() {
    let (v1, context) = bracketed();
    let xml = akn::version(&v1, &context);
    assert!(
        xml.contains("<notes source=\"#penholder\"><note eId=\"note_B1\""),
        "{xml}"
    );
    assert!(xml.contains("<noteRef href=\"#note_B2\" marker=\"B2\" class=\"bracket\"/>"));
    assert!(xml.contains("Decide to strengthen cooperation on return and readmission.<noteRef"));
    let Some(schema) = schema() else { return };
    validate(&schema, "brackets.xml", &xml);
}

// The schema check of `akoma_ntoso.rs`, for this file's own document.
fn schema() -> Option<std::path::PathBuf> {
    let path = match std::env::var_os("AKN_SCHEMA") {
        Some(path) if !path.is_empty() => std::path::PathBuf::from(path),
        _ => std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/akn/akomantoso30.xsd"),
    };
    let on_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    let xmllint = std::process::Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok();
    if !path.is_file() || !xmllint {
        assert!(
            !on_ci,
            "the Akoma Ntoso schema and xmllint are required on CI"
        );
        eprintln!("SKIPPED: no Akoma Ntoso schema or xmllint");
        return None;
    }
    Some(path)
}

fn validate(schema: &std::path::Path, name: &str, xml: &str) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join(name);
    std::fs::write(&file, xml).expect("write the document");
    let output = std::process::Command::new("timeout")
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
