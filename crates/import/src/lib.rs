//! Import and export of documents: the one crate that turns text people write into
//! [`penholder_core::Document`] trees and back.
//!
//! - [`structured`]: the structured-Markdown form (`docs/markdown-format.md`), readable Markdown
//!   with one marker comment per node; export → import is the identity, ids included.
//! - [`council`]: the plain text of a Council note such as `8056/24`, which carries the Budapest
//!   Process Ministerial Declaration and its Call for Action 2025-2030.
//! - [`markdown`]: ordinary documents as people write them, Markdown or plain text: headings,
//!   numbered and lettered paragraphs, bullet lists, footnotes.
//! - [`akn`]: Akoma Ntoso 3.0 XML (acts, bills, statements, amendments), penholder's own export
//!   included, which reads back to the tree it was written from.
//! - [`to_json`] / [`from_json`]: the JSON form, the serde form of the core types.
//!
//! Every importer is total: any input gives a document or an [`ImportError`] naming the line and
//! what was expected there; none panics. Ids come from an [`IdSource`] the caller passes, so the
//! crate stays free of clocks.

pub mod akn;
pub mod council;
pub mod docx;
mod draft;
pub mod emphasis;
mod error;
pub mod markdown;
mod rendered;
pub mod structured;

pub use akn::{AknImport, AknMetadata, import_akn};
pub use council::{CouncilNote, NoteMetadata, import_council_note};
pub use error::ImportError;
pub use markdown::{FrontMatter, MarkdownImport, import_markdown};
pub use structured::{export as export_structured, import as import_structured};

use penholder_core::{Document, IdSource};

/// How deep a document nests at most (a top-level node is at depth 0). Deeper nesting is an
/// error in the structured form; in ordinary documents, whose indentation can be anything, the
/// deeper nodes become siblings at the deepest level. The bound keeps every recursive walk over
/// a tree (here, in core, in renderers) far from the end of the stack, whatever the input.
pub const MAX_DEPTH: usize = 32;

/// The JSON form of a document (the serde form of [`Document`]), pretty-printed, newline-ended.
pub fn to_json(document: &Document) -> String {
    let mut text = serde_json::to_string_pretty(document).unwrap_or_default();
    text.push('\n');
    text
}

/// Reads the JSON form of a document and checks that no id is used twice.
pub fn from_json(text: &str) -> Result<Document, ImportError> {
    let document: Document = serde_json::from_str(text).map_err(|error| ImportError::Json {
        line: error.line(),
        column: error.column(),
        message: error.to_string(),
    })?;
    if let Some(id) = document.duplicate_id() {
        return Err(ImportError::Json {
            line: 1,
            column: 1,
            message: format!("node id {id} is used twice; expected every id once"),
        });
    }
    // Marks are byte ranges of their node's text: one that does not fit it is refused, and the
    // others are kept in their normalized form, so that equal emphasis hashes alike.
    let mut document = document;
    let mut misfit = None;
    fn normalize(nodes: &mut [penholder_core::Node], misfit: &mut Option<String>) {
        for node in nodes {
            if let Err(error) = penholder_core::check_marks(&node.text, &node.marks) {
                misfit.get_or_insert_with(|| format!("node {}: {error}", node.id));
            }
            node.marks = penholder_core::normalize_marks(std::mem::take(&mut node.marks));
            normalize(&mut node.children, misfit);
        }
    }
    normalize(&mut document.nodes, &mut misfit);
    if let Some(message) = misfit {
        return Err(ImportError::Json {
            line: 1,
            column: 1,
            message: format!("{message}; expected marks within their node's text"),
        });
    }
    // The same bound as the Markdown forms, so that every document read here can be written
    // and read back in the structured form.
    if let Some(deep) = document.walk().iter().find(|v| v.depth >= MAX_DEPTH) {
        return Err(ImportError::Json {
            line: 1,
            column: 1,
            message: format!(
                "node {} is nested {} levels deep; expected at most {MAX_DEPTH} levels",
                deep.node.id,
                deep.depth + 1
            ),
        });
    }
    Ok(document)
}

/// Reads Markdown or plain text: the structured form when the text starts with its header
/// (ids kept), an ordinary document otherwise.
pub fn import_any_markdown(text: &str, ids: &mut IdSource) -> Result<MarkdownImport, ImportError> {
    if structured::is_structured(text) {
        Ok(MarkdownImport {
            document: structured::import(text, ids)?,
            front_matter: None,
            structured: true,
        })
    } else {
        import_markdown(text, ids)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn json_deeper_than_the_markdown_forms_allow_is_refused() {
        let mut ids = penholder_core::IdSource::new(1, 0);
        let mut node =
            penholder_core::Node::new(ids.next_id(), penholder_core::NodeKind::Item, "x");
        for _ in 0..MAX_DEPTH {
            node = penholder_core::Node::new(ids.next_id(), penholder_core::NodeKind::Item, "x")
                .with_children(vec![node]);
        }
        let too_deep = penholder_core::Document::new("T", vec![node.clone()]);
        let err = from_json(&to_json(&too_deep)).unwrap_err();
        assert!(err.to_string().contains("levels deep"), "{err}");
        let fits = penholder_core::Document::new("T", node.children.clone());
        assert_eq!(from_json(&to_json(&fits)).unwrap(), fits);
    }
    use super::*;
    use penholder_core::{Node, NodeKind};

    #[test]
    fn json_round_trips_and_rejects_duplicate_ids() {
        let mut ids = IdSource::new(1, 0);
        let node = Node::new(ids.next_id(), NodeKind::Paragraph, "x");
        let document = Document::new("T", vec![node.clone()]);
        assert_eq!(from_json(&to_json(&document)).unwrap(), document);
        let twice = Document::new("T", vec![node.clone(), node]);
        assert!(from_json(&to_json(&twice)).is_err());
        let error = from_json("{\n  \"title\": 3\n}").unwrap_err();
        assert_eq!(error.line(), 2);
    }
}
