//! A chairmanship's revised text sent as a Word file (issue 14 item 2, issue 13 item 4 for
//! DOCX): penholder's own DOCX of a version, uploaded back as a revised text, gives back the
//! same tree — the same ids, kinds, written numbers, texts and nesting — on the Budapest texts
//! and on generated documents. The reader (`penholder_import::docx` through
//! `word::revised_text`) and the writer (`penholder_render::docx::version`) are a pair.

use penholder_core::{Document, IdSource, References, Version};
use penholder_negotiation::Error;
use penholder_negotiation::word::revised_text;
use penholder_render::Context;
use penholder_scenario::arbitrary::document;
use proptest::prelude::*;
use std::path::PathBuf;

fn repository_file(relative: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The DOCX the server gives for a version (`?format=docx`): verbatim numbers, LIMITE.
fn exported(version: &Version) -> Vec<u8> {
    let context = Context::new()
        .classification("LIMITE")
        .numbers_of(&version.document);
    penholder_render::docx::version(version, &context).expect("a version renders as DOCX")
}

/// The tree the upload of `bytes` makes on `previous`: read, then aligned with `previous`
/// (ids kept for matches), kinds carried as the upload use case does.
fn uploaded(bytes: &[u8], previous: &Version) -> Result<Document, Error> {
    let revised = revised_text(bytes, previous, &mut IdSource::new(9, 9))?;
    let mut alignment = penholder_diff::align(&previous.document, &revised, None);
    let counterparts: std::collections::HashMap<_, _> = alignment
        .nodes
        .iter()
        .filter_map(|n| Some((n.node, *n.previous.first()?)))
        .collect();
    penholder_core::carry_kinds(&previous.document, &mut alignment.document, |id| {
        counterparts.get(&id).copied()
    });
    Ok(alignment.document)
}

#[test]
fn the_budapest_texts_come_back_from_their_own_docx() {
    for file in [
        "fixtures/budapest/declaration.md",
        "fixtures/budapest/call-for-action.md",
    ] {
        let document =
            penholder_import::import_structured(&repository_file(file), &mut IdSource::new(1, 0))
                .expect("the fixture is in the structured form");
        let version = Version::new(4, "Rev. 3", None, document.clone());
        let back = uploaded(&exported(&version), &version).expect("our own DOCX uploads");
        assert_eq!(back, document, "{file}");
    }
}

#[test]
fn a_text_revised_in_word_keeps_its_ids_and_gets_new_ones_for_new_paragraphs() {
    let document = penholder_import::import_structured(
        &repository_file("fixtures/budapest/declaration.md"),
        &mut IdSource::new(1, 0),
    )
    .expect("the fixture is in the structured form");
    let version = Version::new(1, "Zero draft", None, document.clone());
    let bytes = exported(&version);
    // The chair's edit, as Word saves it with tracking off: a word changed in the first
    // paragraph, and a new paragraph after it (a copy of the first paragraph's XML without
    // its bookmark).
    let first = document.walk()[0].node.clone();
    let edited = edit_document_xml(&bytes, |xml| {
        let changed = xml.replacen(
            &first.text[..20],
            &format!("REVISED {}", &first.text[..20]),
            1,
        );
        let bookmark = changed.find("w:name=\"ph_").expect("a node bookmark");
        let paragraph_end = bookmark + changed[bookmark..].find("</w:p>").unwrap() + 6;
        let inserted = "<w:p><w:r><w:t>A paragraph the chairmanship added.</w:t></w:r></w:p>";
        format!(
            "{}{inserted}{}",
            &changed[..paragraph_end],
            &changed[paragraph_end..]
        )
    });
    let back = uploaded(&edited, &version).expect("the revised file uploads");
    let walk = back.walk();
    assert_eq!(walk[0].node.id, first.id);
    assert_eq!(walk[0].node.kind, first.kind);
    assert!(
        walk[0].node.text.starts_with("REVISED "),
        "{}",
        walk[0].node.text
    );
    let added = walk
        .iter()
        .find(|v| v.node.text == "A paragraph the chairmanship added.")
        .expect("the new paragraph is in the text");
    assert!(document.find(added.node.id).is_none(), "a new id");
    assert_eq!(added.node.kind, first.kind, "its neighbours' kind");
    // Every other node is as it was.
    assert_eq!(walk.len(), document.walk().len() + 1);
}

#[test]
fn pending_tracked_changes_are_refused_with_each_one_listed() {
    let document = penholder_import::import_structured(
        &repository_file("fixtures/budapest/declaration.md"),
        &mut IdSource::new(1, 0),
    )
    .unwrap();
    let version = Version::new(1, "Zero draft", None, document.clone());
    let bytes = exported(&version);
    let first_words = document.walk()[0].node.text[..20].to_string();
    let edited = edit_document_xml(&bytes, |xml| {
        xml.replacen(
            &first_words,
            &format!(
                "{first_words}</w:t></w:r><w:ins w:id=\"90\" w:author=\"Hungary\" w:date=\"2024-01-05T10:00:00Z\"><w:r><w:t>still pending </w:t></w:r></w:ins><w:r><w:t xml:space=\"preserve\">"
            ),
            1,
        )
    });
    match uploaded(&edited, &version) {
        Err(Error::Invalid { detail, problems }) => {
            assert!(detail.contains("accept or reject them first"), "{detail}");
            assert_eq!(problems.len(), 1, "{problems:?}");
            let first = document.walk()[0].node.id;
            let reference = References::of(&document)
                .reference(first)
                .unwrap()
                .0
                .clone();
            assert_eq!(problems[0].reference.as_ref(), Some(&reference));
            assert!(
                problems[0]
                    .detail
                    .contains("insertion by Hungary: “still pending”"),
                "{}",
                problems[0].detail
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// The package with `word/document.xml` rewritten by `edit`.
fn edit_document_xml(bytes: &[u8], edit: impl Fn(&str) -> String) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let name = entry.name().to_string();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        if name == "word/document.xml" {
            content = edit(&String::from_utf8(content).unwrap()).into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&content).unwrap();
    }
    out.finish().unwrap().into_inner()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Any version's own DOCX uploads back as the same tree: ids, kinds, numbers, texts.
    #[test]
    fn every_version_comes_back_from_its_own_docx(document in document()) {
        let version = Version::new(3, "Rev. 2", None, document.clone());
        let back = uploaded(&exported(&version), &version);
        prop_assert_eq!(back.as_ref(), Ok(&document));
    }
}
