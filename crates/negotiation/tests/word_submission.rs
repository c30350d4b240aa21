//! A delegation's Word file whose paragraphs were put in another order (issue 14, item 3):
//! submission items have no move, so a paragraph cut and pasted elsewhere with change
//! tracking off (its bookmark goes with it) is proposed as a comment on its node saying where
//! to ("Move this paragraph after PP3."), flagged untracked; only the paragraph that moved is
//! named, not those it jumped over. Its words, unchanged, make no amendment.

use penholder_core::negotiation::{ItemByReference, ItemFlag};
use penholder_core::{IdSource, NodeId, References, Version};
use penholder_negotiation::word::understand;
use penholder_render::Context;
use std::io::{Read, Write};
use std::path::PathBuf;

fn declaration() -> Version {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/budapest/declaration.md");
    let text = std::fs::read_to_string(&path).expect("the fixture");
    let document = penholder_import::import_structured(&text, &mut IdSource::new(1, 0))
        .expect("the structured form");
    Version::new(1, "Zero draft", None, document)
}

/// Where the paragraph carrying node `id`'s bookmark starts and ends in `xml`.
fn paragraph_of(xml: &str, id: NodeId) -> (usize, usize) {
    let name = format!("w:name=\"ph_{}\"", id.as_uuid().simple());
    let at = xml.find(&name).expect("the node's bookmark");
    let start = xml[..at]
        .rfind("<w:p>")
        .into_iter()
        .chain(xml[..at].rfind("<w:p "))
        .max()
        .expect("its paragraph");
    let end = at + xml[at..].find("</w:p>").expect("its end") + "</w:p>".len();
    (start, end)
}

fn with_document_xml(bytes: &[u8], edit: impl Fn(&str) -> String) -> Vec<u8> {
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

#[test]
fn a_paragraph_moved_without_tracking_is_a_comment_saying_where_to() {
    let version = declaration();
    let context = Context::new().numbers_of(&version.document);
    let docx = penholder_render::docx::version(&version, &context).expect("DOCX");
    let walk = version.document.walk();
    let top: Vec<NodeId> = version.document.nodes.iter().map(|n| n.id).collect();
    let (moved, target) = (top[1], top[4]);
    assert!(walk.len() > 5);
    let reordered = with_document_xml(&docx, |xml| {
        let (start, end) = paragraph_of(xml, moved);
        let paragraph = xml[start..end].to_string();
        let without = format!("{}{}", &xml[..start], &xml[end..]);
        // After the target node and its children (the next top-level node's paragraph).
        let (next_start, _) = paragraph_of(&without, top[5]);
        format!(
            "{}{paragraph}{}",
            &without[..next_start],
            &without[next_start..]
        )
    });
    let understood = understand(&reordered, &version).expect("understood");
    let references = References::of(&version.document);
    let target_reference = references.reference(target).unwrap().0.clone();
    let items: Vec<_> = understood
        .items
        .iter()
        .map(|i| (&i.item, &i.flags))
        .collect();
    assert_eq!(
        items,
        vec![(
            &ItemByReference::Comment {
                iso: Default::default(),
                node: Some(moved.to_string()),
                text: format!("Move this paragraph after {target_reference}."),
            },
            &vec![ItemFlag::Untracked]
        )],
        "one comment on the paragraph that moved; nothing else proposed"
    );

    // The same file unchanged proposes nothing.
    let unchanged = understand(&docx, &version).expect("understood");
    assert_eq!(unchanged.items, Vec::new());
}
