//! Helpers shared by the integration tests: reading the shared texts and comparing words.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of this module"
)]

use penholder_core::{Document, NodeKind, References};
use std::path::PathBuf;

/// A file under the `shared/` folder that sits beside the repository checkout (as on CI).
/// A missing file fails the test loudly: these tests are the proof that no word is lost.
pub fn shared(relative: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "cannot read {}: {error}. The tests need shared/ beside the repository checkout.",
            path.display()
        )
    })
}

/// A file of the repository, relative to its root.
pub fn repository_file(relative: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

/// The words of a text: what is left between whitespace.
pub fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

/// Every node as `REF kind: first words`, in document order.
pub fn outline(document: &Document, first_words: usize) -> Vec<String> {
    let references = References::of(document);
    document
        .walk()
        .into_iter()
        .map(|visit| {
            let node = visit.node;
            let reference = references
                .reference(node.id)
                .map(|r| r.to_string())
                .unwrap_or_default();
            let start: Vec<&str> = node.text.split_whitespace().take(first_words).collect();
            let num = node
                .num
                .as_deref()
                .map(|n| format!(" [{n}]"))
                .unwrap_or_default();
            format!("{reference} {}{num}: {}", node.kind, start.join(" "))
        })
        .collect()
}

/// The words of a document's nodes in document order, footnotes apart: (body, footnotes).
/// A node contributes its number (when it has one) and then its text.
pub fn tree_words(document: &Document) -> (Vec<String>, Vec<String>) {
    let mut body = Vec::new();
    let mut footnotes = Vec::new();
    for visit in document.walk() {
        let node = visit.node;
        let target = if node.kind == NodeKind::Footnote {
            &mut footnotes
        } else {
            &mut body
        };
        if let Some(num) = &node.num {
            target.extend(words(num));
        }
        target.extend(words(&node.text));
    }
    (body, footnotes)
}
