//! The Budapest seed (Council note 8056/24): the exact structure of its two documents, not one
//! word lost, and the committed fixtures equal to a fresh import.

mod common;

use common::{outline, repository_file, shared, words};
use penholder_core::{Document, IdSource, MarkKind, Node, NodeKind, References};
use penholder_import::{
    CouncilNote, export_structured, import_council_note, import_structured, to_json,
};

const SEED: &str = "seed/budapest-process-8056-24.txt";

/// The id source the fixtures were generated with (see fixtures/budapest/README.md): the note's
/// number as seed, its date (8 May 2024, 00:00 UTC) as time.
fn fixture_ids() -> IdSource {
    IdSource::new(805_624, 1_715_126_400_000)
}

fn note() -> CouncilNote {
    import_council_note(&shared(SEED), &mut fixture_ids()).expect("the seed imports")
}

fn counts(document: &Document) -> Vec<(NodeKind, usize)> {
    document.count_by_kind().into_iter().collect()
}

#[test]
fn the_note_metadata_is_kept() {
    let metadata = note().metadata;
    assert_eq!(metadata.number.as_deref(), Some("8056/24"));
    assert_eq!(metadata.classification.as_deref(), Some("LIMITE"));
    assert_eq!(metadata.place.as_deref(), Some("Brussels"));
    assert_eq!(metadata.date.as_deref(), Some("8 May 2024"));
    assert_eq!(metadata.original_language.as_deref(), Some("OR. en"));
    assert_eq!(metadata.kind.as_deref(), Some("NOTE"));
    assert_eq!(
        metadata.codes,
        [
            "ASIM 31",
            "MIGR 135",
            "JAI 513",
            "RELEX 378",
            "COASI 70",
            "COEST 311"
        ]
    );
    assert_eq!(metadata.from.as_deref(), Some("Hungarian delegation"));
    assert_eq!(
        metadata.to.as_deref(),
        Some("Working Party on External Aspects of Asylum and Migration (EMWP)")
    );
    assert!(
        metadata
            .subject
            .as_deref()
            .is_some_and(|s| s.starts_with("Background paper"))
    );
    assert_eq!(metadata.background.len(), 9);
    assert!(metadata.background[0].starts_with("Over the last 30 years"));
}

#[test]
fn the_declaration_has_exactly_the_structure_of_the_seed() {
    let declaration = note().declaration;
    assert_eq!(
        declaration.title,
        "The Budapest Process Ministerial Declaration"
    );
    assert_eq!(
        counts(&declaration),
        [
            (NodeKind::Paragraph, 1),
            (NodeKind::Preambular, 22),
            (NodeKind::Operative, 7),
            (NodeKind::Item, 11),
            (NodeKind::Footnote, 5),
        ]
    );
    assert!(declaration.walk().iter().all(|v| v.node.num.is_none()));
    insta::assert_snapshot!(outline(&declaration, 4).join("\n"));
}

#[test]
fn the_call_for_action_has_exactly_the_structure_of_the_seed() {
    let call = note().call_for_action;
    assert_eq!(call.title, "The Budapest Process Call for Action 2025-2030");
    assert_eq!(counts(&call), [(NodeKind::Goal, 5), (NodeKind::Action, 28)]);
    let actions: Vec<usize> = call.nodes.iter().map(|goal| goal.children.len()).collect();
    assert_eq!(actions, [5, 6, 6, 6, 5]);
    assert!(call.walk().iter().all(|v| v.node.num.is_none()));
    insta::assert_snapshot!(outline(&call, 4).join("\n"));
}

#[test]
fn footnote_markers_stay_verbatim_where_they_stand() {
    let declaration = note().declaration;
    let references = References::of(&declaration);
    let expectations = [
        ("P1", "Uzbekistan¹;", "FN1", "Australia, Bangladesh, Canada"),
        ("PP3", "Region²;", "FN2", "The Silk Routes Region"),
        ("PP8", "Refugees³ by", "FN3", "Without prejudice to"),
        ("PP9", "Asylum⁴, and", "FN4", "https://eur-lex.europa.eu/"),
        ("PP11", "migrants⁵ and", "FN5", "Refugees, asylum seekers,"),
    ];
    for (parent, marker, footnote, start) in expectations {
        let parent_id = references.resolve(parent).unwrap();
        let footnote_id = references.resolve(footnote).unwrap();
        let parent_node = declaration.find(parent_id).unwrap();
        assert!(
            parent_node.text.contains(marker),
            "{parent}: {}",
            parent_node.text
        );
        assert_eq!(
            parent_node.children[0].id, footnote_id,
            "{footnote} under {parent}"
        );
        let text = &declaration.find(footnote_id).unwrap().text;
        assert!(text.starts_with(start), "{footnote}: {text}");
    }
    let op1 = declaration
        .find(references.resolve("OP1").unwrap())
        .unwrap();
    let priority = &op1.children[0];
    assert!(priority.text.starts_with("Priority 1: Prevent"));
    let bold: Vec<&str> = priority
        .marks
        .iter()
        .filter(|m| m.kind == MarkKind::Bold)
        .map(|m| &priority.text[m.range()])
        .collect();
    assert_eq!(
        bold,
        vec!["Priority 1:"],
        "the note's **Priority 1:** is bold"
    );
}

/// A node's text as the seed writes it: its emphasis as Markdown's `**`.
fn as_written(node: &Node) -> String {
    let mut out = String::new();
    penholder_core::write_markdown_emphasis(&mut out, &node.text, &node.marks, &mut |out, t| {
        out.push_str(t)
    });
    out
}

/// The seed from the declaration's title on, one unit per line, with what is derived from
/// position taken away: `Priority Goal N` headings, action numbers, bullet dashes and the
/// marker opening a footnote definition. Footnote definitions are returned apart.
fn source_units(seed: &str) -> (Vec<String>, Vec<String>) {
    let start = seed
        .find("The Budapest Process Ministerial Declaration\n")
        .expect("the declaration's title is in the seed");
    let mut body = Vec::new();
    let mut footnotes = Vec::new();
    for line in seed[start..]
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        if line.starts_with("Priority Goal ") {
            continue;
        }
        let superscripts = line
            .char_indices()
            .find(|(_, c)| !"⁰¹²³⁴⁵⁶⁷⁸⁹".contains(*c))
            .map_or(0, |(i, _)| i);
        if superscripts > 0 {
            footnotes.push(words(&line[superscripts..]).join(" "));
            continue;
        }
        let line = line.strip_prefix("- ").unwrap_or(line);
        let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let line = match line[digits..].strip_prefix(". ") {
            Some(rest) if digits > 0 => rest,
            _ => line,
        };
        body.push(words(line).join(" "));
    }
    (body, footnotes)
}

fn tree_units(documents: &[&Document]) -> (Vec<String>, Vec<String>) {
    let mut body = Vec::new();
    let mut footnotes = Vec::new();
    for document in documents {
        body.push(words(&document.title).join(" "));
        for visit in document.walk() {
            let target = if visit.node.kind == NodeKind::Footnote {
                &mut footnotes
            } else {
                &mut body
            };
            for line in as_written(visit.node).lines() {
                target.push(words(line).join(" "));
            }
        }
    }
    (body, footnotes)
}

#[test]
fn every_line_of_the_annexes_appears_in_order_and_nothing_else() {
    let seed = shared(SEED);
    let note = note();
    let (source_body, source_footnotes) = source_units(&seed);
    let (tree_body, tree_footnotes) = tree_units(&[&note.declaration, &note.call_for_action]);
    assert_eq!(tree_body, source_body);
    assert_eq!(tree_footnotes, source_footnotes);
    assert_eq!(source_body.len(), 1 + 1 + 22 + 7 + 11 + 1 + 5 + 28);
    let source_words: usize = source_body
        .iter()
        .chain(&source_footnotes)
        .map(|u| words(u).len())
        .sum();
    let tree_words: usize = tree_body
        .iter()
        .chain(&tree_footnotes)
        .map(|u| words(u).len())
        .sum();
    assert_eq!(tree_words, source_words);
}

#[test]
fn the_text_is_kept_byte_for_byte() {
    let seed = shared(SEED);
    let note = note();
    for document in [&note.declaration, &note.call_for_action] {
        for visit in document.walk() {
            let written = as_written(visit.node);
            assert!(
                seed.contains(&written),
                "not verbatim in the seed: {written}"
            );
        }
    }
}

#[test]
fn the_committed_fixtures_equal_a_fresh_import() {
    let note = note();
    for (name, document) in [
        ("declaration", &note.declaration),
        ("call-for-action", &note.call_for_action),
    ] {
        let markdown = repository_file(&format!("fixtures/budapest/{name}.md"));
        let json = repository_file(&format!("fixtures/budapest/{name}.json"));
        assert_eq!(
            markdown,
            export_structured(document),
            "fixtures/budapest/{name}.md"
        );
        assert_eq!(json, to_json(document), "fixtures/budapest/{name}.json");
        let mut unused = IdSource::new(0, 0);
        assert_eq!(
            &import_structured(&markdown, &mut unused).unwrap(),
            document
        );
        assert_eq!(&penholder_import::from_json(&json).unwrap(), document);
    }
}

#[test]
fn the_committed_note_metadata_equals_a_fresh_import() {
    let json = repository_file("fixtures/budapest/note.json");
    let committed: penholder_import::NoteMetadata = serde_json::from_str(&json).unwrap();
    assert_eq!(committed, note().metadata);
}

#[test]
fn ids_are_version_7_distinct_and_in_document_order() {
    let note = note();
    let mut all = Vec::new();
    for document in [&note.declaration, &note.call_for_action] {
        for visit in document.walk() {
            assert_eq!(visit.node.id.as_uuid().get_version_num(), 7);
            all.push(visit.node.id);
        }
    }
    let count = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), count);
}
