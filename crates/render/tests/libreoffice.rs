//! Word output read by the real reader: LibreOffice converts each file headless to flat ODT,
//! and the tests check what it understood — the tracked changes and their authors, the text
//! with every change accepted (the target version) and with every change rejected (the source
//! version), footnotes, comments and the classification in the page header.
//!
//! On CI (`CI=true`) these tests fail when `soffice` is missing; locally they are skipped with
//! a message.

mod common;

use common::office::{Odt, View, convert, soffice_available, without_markers};
use common::*;
use penholder_core::{Document, IdSource, Node, NodeKind, Version};
use penholder_render::{Context, docx};

/// What a reader sees of a document: title, subtitle, then every paragraph that is not a
/// footnote, without footnote markers (Word shows them as footnote references).
fn expected(document: &Document, title: &str, subtitle: &str) -> Vec<String> {
    let mut out = vec![title.to_string(), subtitle.to_string()];
    for visit in document.walk() {
        if visit.node.kind == NodeKind::Footnote {
            continue;
        }
        let text = without_markers(&visit.node.text).trim().to_string();
        if !text.is_empty() {
            out.push(text);
        }
    }
    out
}

fn footnotes(document: &Document) -> Vec<String> {
    document
        .walk()
        .iter()
        .filter(|v| v.node.kind == NodeKind::Footnote)
        .map(|v| v.node.text.clone())
        .collect()
}

#[test]
fn a_redline_accepts_to_its_target_and_rejects_to_its_source() {
    if !soffice_available() {
        return;
    }
    let n = negotiation();
    let bytes = docx::redline_from(&n.redline, &n.v1.document, &context()).expect("docx");
    let out = convert(&[("redline.docx", &bytes)], "fodt", "fodt");
    let odt = Odt::parse(&out["redline.docx"]);
    let title = "Budapest Process Ministerial Declaration";

    assert_eq!(
        odt.paragraphs(View::Accepted),
        expected(&n.v2.document, title, "Redline")
    );
    assert_eq!(
        odt.paragraphs(View::Rejected),
        expected(&n.v1.document, title, "Redline")
    );
    assert_eq!(
        odt.tracked("insertion"),
        [
            (
                "Austria".to_string(),
                " and the Silk Routes Partnership".to_string()
            ),
            (
                "Chair".to_string(),
                "and international protection issues ".to_string()
            ),
            ("Hungary".to_string(), "enhance".to_string()),
            (
                "Türkiye".to_string(),
                "OP1.c ensure international protection in line with international obligations;"
                    .to_string()
            ),
        ]
    );
    assert_eq!(
        odt.tracked("deletion"),
        [("Hungary".to_string(), "strengthen".to_string())]
    );
    for change in odt.changes.values() {
        assert_eq!(change.date, "2024-01-15T10:00:00", "the round's date");
    }
    assert_eq!(odt.footnotes_accepted(), footnotes(&n.v2.document));
    assert_eq!(odt.header_text().trim(), "LIMITE");
}

#[test]
fn a_compilation_shows_every_alternative_by_its_delegations() {
    if !soffice_available() {
        return;
    }
    let n = negotiation();
    let bytes = docx::compilation(&n.compilation, &context()).expect("docx");
    let out = convert(&[("compilation.docx", &bytes)], "fodt", "fodt");
    let odt = Odt::parse(&out["compilation.docx"]);
    let title = "Budapest Process Ministerial Declaration";
    let subtitle = "Compilation of feedback on version 1: 6 changes, 2 contested";

    // Rejecting every proposal gives the base version back.
    assert_eq!(
        odt.paragraphs(View::Rejected),
        expected(&n.v1.document, title, subtitle)
    );
    // A new paragraph's mark is an insertion of its own (without text) when a comment stands
    // between it and the paragraph's text.
    let insertions: Vec<(String, String)> = odt
        .tracked("insertion")
        .into_iter()
        .filter(|(_, text)| !text.is_empty())
        .collect();
    assert_eq!(
        insertions,
        [
            (
                "Austria".to_string(),
                " and the Silk Routes Partnership".to_string()
            ),
            ("Austria".to_string(), "deepen".to_string()),
            ("France".to_string(), "every two years".to_string()),
            (
                "Germany".to_string(),
                " and international protection".to_string()
            ),
            ("Hungary".to_string(), "enhance".to_string()),
            (
                "Türkiye".to_string(),
                "OP1.b bis ensure international protection in line with international obligations;"
                    .to_string()
            ),
        ]
    );
    assert_eq!(
        odt.tracked("deletion"),
        [
            ("Austria".to_string(), "strengthen".to_string()),
            ("France".to_string(), "annually".to_string()),
        ]
    );
    for change in odt.changes.values() {
        assert!(
            change.date.starts_with("2023-12-20T"),
            "proposals are dated when submitted: {change:?}"
        );
    }
    let comments = odt.comments();
    let said = |author: &str, words: &str| {
        comments
            .iter()
            .any(|(a, text)| a == author && text.contains(words))
    };
    assert!(said(
        "France",
        "France supports the overall balance of the text."
    ));
    assert!(said("Hungary", "We can accept this wording."));
    assert!(said(
        "Austria",
        "The Silk Routes Partnership is the Process's main instrument."
    ));
    // A joint proposal is authored by its first proposer; its comment names every supporter.
    assert!(said("Hungary", "proposed by Hungary, Türkiye"));
    assert!(said("Hungary", "Alternative a of 2"));
    assert!(said("Hungary", "Consistency with the Call for Action."));
    assert!(said("Austria", "Alternative b of 2"));
    assert!(said("Türkiye", "Priority 5 must be reflected."));
    assert!(said("France", "delete the paragraph"));
    assert!(said(
        "France",
        "Reporting is covered by the Secretariat's mandate."
    ));
    assert_eq!(odt.header_text().trim(), "LIMITE");
}

#[test]
fn a_version_reads_as_the_version() {
    if !soffice_available() {
        return;
    }
    let n = negotiation();
    let bytes = docx::version(&n.v2, &context()).expect("docx");
    let out = convert(&[("version.docx", &bytes)], "fodt", "fodt");
    let odt = Odt::parse(&out["version.docx"]);
    let expected_text = expected(
        &n.v2.document,
        "Budapest Process Ministerial Declaration",
        "Version 2 \u{2014} Rev. 1 after written feedback",
    );
    assert_eq!(odt.paragraphs(View::Accepted), expected_text);
    assert_eq!(odt.paragraphs(View::Rejected), expected_text);
    assert!(odt.changes.is_empty());
    assert_eq!(odt.footnotes_accepted(), footnotes(&n.v2.document));
    assert_eq!(odt.header_text().trim(), "LIMITE");
    // Numbers as the document shows them: operative paragraphs 1., 2., …, their items (a),
    // (b), …; preambular paragraphs unnumbered; each paragraph's reference as the HTML shows
    // it (`OP1.a`), in front of its text.
    let text = convert(&[("numbers.docx", &bytes)], "txt:Text", "txt");
    let text = String::from_utf8_lossy(&text["numbers.docx"]).replace('\u{FEFF}', "");
    let lines: Vec<String> = text.lines().map(|l| l.trim().replace('\t', " ")).collect();
    for expected_line in [
        "PP1 Recognising the unique role",
        "1. OP1 Adopt the Call for Action 2025-2030",
        "(a) OP1.a prevent and fight against irregular migration;",
        "(c) OP1.c ensure international protection",
        "2. OP2 Decide to enhance cooperation",
        "3. OP3 Invite the Secretariat",
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(expected_line)),
            "no line {expected_line:?} in\n{text}"
        );
    }
}

/// Structure changes: a node inserted first, a paragraph deleted with its items, footnotes
/// added, changed and deleted, a new priority goal with actions, text with a line break,
/// characters XML cannot carry.
#[test]
fn structural_redlines_accept_and_reject_exactly() {
    if !soffice_available() {
        return;
    }
    let mut ids = IdSource::new(77, 1_700_000_000_000);
    let mut node = |kind, text: &str| Node::new(ids.next_id(), kind, text);
    let pp1 = node(NodeKind::Preambular, "Recalling its earlier resolutions;");
    let op1 = node(NodeKind::Operative, "Decides to act;").with_children(vec![
        node(NodeKind::Item, "first item;"),
        node(NodeKind::Item, "second item;"),
    ]);
    let fn_old = node(NodeKind::Footnote, "A report in two parts.");
    let op2 = node(NodeKind::Operative, "Requests a report²;").with_children(vec![fn_old.clone()]);
    let a1 = node(NodeKind::Action, "Strengthen cooperation;");
    let a2 = node(NodeKind::Action, "Support countries;");
    let pg1 =
        node(NodeKind::Goal, "Prevent irregular migration").with_children(vec![a1.clone(), a2]);
    let op3 = node(NodeKind::Operative, "Final paragraph.");
    let v1 = Document::new(
        "Resolution",
        vec![pp1.clone(), op1, op2.clone(), pg1.clone(), op3.clone()],
    );

    let pp0 = node(
        NodeKind::Preambular,
        "Guided by the Charter of the United Nations;",
    );
    let fn_new = node(NodeKind::Footnote, "Offered by Hungary.");
    let welcome = node(NodeKind::Operative, "Welcomes the offer³;").with_children(vec![fn_new]);
    let mut op2_changed = op2.clone();
    op2_changed.text = "Requests a report in 2026²;".into();
    op2_changed.children[0].text = "A report in three parts.".into();
    let mut a1_changed = a1.clone();
    a1_changed.text = "Strengthen international cooperation;".into();
    let a3 = node(NodeKind::Action, "Support countries of origin;");
    let mut pg1_changed = pg1.clone();
    pg1_changed.children = vec![a1_changed, a3];
    let pg2 = node(NodeKind::Goal, "Ensure protection").with_children(vec![node(
        NodeKind::Action,
        "Protect refugees \u{1} & <others>;",
    )]);
    let mut op3_changed = op3.clone();
    op3_changed.text = "Final paragraph, as amended.\nSecond line.".into();
    let v2 = Document::new(
        "Resolution",
        vec![
            pp0,
            pp1,
            op2_changed,
            welcome,
            pg1_changed,
            pg2,
            op3_changed,
        ],
    );

    let red = penholder_diff::redline(&v1, &v2, &[]);
    let context = Context::new().classification("RESTRICTED");
    let bytes = docx::redline_from(&red, &v1, &context).expect("docx");
    let version_bytes =
        docx::version(&Version::new(2, "Rev. 1", Some(1), v2.clone()), &context).expect("docx");
    let out = convert(
        &[
            ("structure.docx", &bytes),
            ("structure-v2.docx", &version_bytes),
        ],
        "fodt",
        "fodt",
    );
    let odt = Odt::parse(&out["structure.docx"]);
    // XML cannot carry U+0001: it reads as U+FFFD.
    let readable = |document: &Document| {
        expected(document, "Resolution", "Redline")
            .into_iter()
            .map(|p| p.replace('\u{1}', "\u{FFFD}"))
            .collect::<Vec<_>>()
    };
    assert_eq!(odt.paragraphs(View::Accepted), readable(&v2));
    assert_eq!(odt.paragraphs(View::Rejected), readable(&v1));
    assert_eq!(odt.footnotes_accepted(), footnotes(&v2));
    for change in odt.changes.values() {
        assert_eq!(
            change.author, "Not attributed",
            "an empty chain attributes nothing"
        );
    }
    assert_eq!(odt.header_text().trim(), "RESTRICTED");

    let version = Odt::parse(&out["structure-v2.docx"]);
    // The numbers Word derives: operative paragraphs 1., 2., …; priority goals with their own
    // actions counted from 1 (read back through LibreOffice's plain-text export).
    let text = convert(&[("numbers.docx", &version_bytes)], "txt:Text", "txt");
    let text = String::from_utf8_lossy(&text["numbers.docx"]).replace('\u{FEFF}', "");
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    for expected_line in [
        "PP1 Guided by the Charter of the United Nations;",
        "1. OP1 Requests a report in 2026",
        "2. OP2 Welcomes the offer",
        "Priority Goal 1",
        "1. PG1.1 Strengthen international cooperation;",
        "2. PG1.2 Support countries of origin;",
        "Priority Goal 2",
        "1. PG2.1 Protect refugees \u{FFFD} & <others>;",
    ] {
        assert!(
            // Footnote references read as their numbers after the text: compare the start.
            lines
                .iter()
                .any(|l| l.replace('\t', " ").starts_with(expected_line)),
            "no line {expected_line:?} in\n{text}"
        );
    }
    let mut expected_version = readable(&v2);
    expected_version[1] = "Version 2 \u{2014} Rev. 1".into();
    assert_eq!(version.paragraphs(View::Accepted), expected_version);
    assert_eq!(version.footnotes_accepted(), footnotes(&v2));
}
