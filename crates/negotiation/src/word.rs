//! A delegation's Word file understood as submission items on the round's base version.
//!
//! The file is read by `penholder_import::docx` (safely: limits, no DTD); then each paragraph
//! is compared with the base node it names (the bookmark penholder's DOCX puts around every
//! node) or, in a file penholder did not write, with the node `penholder_diff::align` matches
//! it to by its text:
//!
//! - a node's paragraph whose words changed is an `amend` with the paragraph's text as every
//!   change is accepted;
//! - a paragraph deleted whole (words and paragraph mark) is a `delete`, and so is a base node
//!   whose paragraph is gone (deleted without tracking);
//! - a paragraph carrying no node is an `insert` after the node before it (before the first
//!   node when none precedes it);
//! - a comment anchored in a paragraph is the **justification** of that paragraph's item when
//!   the paragraph has one (several comments joined line by line), and otherwise a `comment`
//!   item on its node; a comment in the title (before the first node) is a comment on the
//!   whole text.
//!
//! Flags say how each item was found: `untracked` when the paragraph's text as every tracked
//! change is rejected is not the base's text (an edit made without change tracking, found by
//! comparison with the version the file names), `matched_by_text` when the file carries no node
//! ids. The items are then submitted exactly as a JSON body holding them would be
//! ([`WordSubmission::body`]), so they go through the same validation and the same store step.

use crate::error::Error;
use penholder_core::negotiation::ItemByReference;
use penholder_core::{Document, IdSource, Node, NodeId, NodeKind, Version};
use penholder_import::docx::{DocxError, FOOTNOTE_REFERENCE, WordFile, read_docx};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// The media type of a .docx.
pub const DOCX_MEDIA_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// How an item was found in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Edited without change tracking: found by comparing with the base version.
    Untracked,
    /// The file carries no node ids: its paragraph was matched to the base by its text.
    MatchedByText,
}

/// One item understood from the file, with how it was found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnderstoodItem {
    #[serde(flatten)]
    pub item: ItemByReference,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<Flag>,
}

/// What a Word file proposes on the base version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WordSubmission {
    pub items: Vec<UnderstoodItem>,
}

impl WordSubmission {
    /// The JSON body a delegation would send for these items (`{"items":[…]}`): what is
    /// submitted and stored, so that the stored body reads back like any other.
    pub fn body(&self) -> Vec<u8> {
        let items: Vec<&ItemByReference> = self.items.iter().map(|i| &i.item).collect();
        serde_json::to_vec(&serde_json::json!({ "items": items })).unwrap_or_default()
    }
}

/// Reads a Word file and understands it as items on `base`, the round's base version.
pub fn understand(bytes: &[u8], base: &Version) -> Result<WordSubmission, Error> {
    let file = read_docx(bytes).map_err(refusal)?;
    understand_file(&file, base)
}

fn refusal(error: DocxError) -> Error {
    Error::Malformed(error.to_string())
}

/// [`understand`] on a file already read.
pub fn understand_file(file: &WordFile, base: &Version) -> Result<WordSubmission, Error> {
    if file.version.is_some() || file.version_hash.is_some() {
        let same_hash = file.version_hash.as_deref() == Some(base.hash.to_hex().as_str());
        if file.version != Some(base.number) || !same_hash {
            return Err(Error::invalid_field(
                "/",
                format!(
                    "this file was written from version {} (hash {}), but the round's base is version {}: download version {} as DOCX, edit that and send it",
                    file.version
                        .map_or_else(|| "?".to_string(), |n| n.to_string()),
                    file.version_hash.as_deref().unwrap_or("?"),
                    base.number,
                    base.number
                ),
            ));
        }
    }
    let nodes: HashMap<NodeId, &Node> = base
        .document
        .walk()
        .iter()
        .map(|v| (v.node.id, v.node))
        .collect();
    let paragraphs = if file.has_node_ids() {
        by_node_ids(file, &nodes)
    } else {
        by_text(file, base)
    };
    Ok(items_of(file, &paragraphs, base, &nodes))
}

/// A paragraph of the file with the base node it stands for.
struct Placed {
    index: usize,
    node: Option<NodeId>,
    before: String,
    after: String,
    matched_by_text: bool,
}

fn by_node_ids(file: &WordFile, nodes: &HashMap<NodeId, &Node>) -> Vec<Placed> {
    let mut seen = HashSet::new();
    file.paragraphs
        .iter()
        .enumerate()
        .map(|(index, p)| {
            // A node named twice (a paragraph copied with its bookmark) is the first one; an id
            // the base does not hold is no node.
            let node = p
                .node
                .filter(|id| nodes.contains_key(id) && seen.insert(*id));
            Placed {
                index,
                node,
                before: p.before.clone(),
                after: p.after.clone(),
                matched_by_text: false,
            }
        })
        .collect()
}

/// A file without ids: its paragraphs (as they were before the tracked changes) aligned with
/// the base's nodes by their words.
fn by_text(file: &WordFile, base: &Version) -> Vec<Placed> {
    let mut ids = IdSource::new(0x0d0c, 0);
    let fresh: Vec<NodeId> = file.paragraphs.iter().map(|_| ids.next_id()).collect();
    let revised = Document {
        title: base.document.title.clone(),
        nodes: file
            .paragraphs
            .iter()
            .zip(&fresh)
            .filter(|(p, _)| !p.before.trim().is_empty())
            .map(|(p, id)| Node {
                id: *id,
                kind: NodeKind::Paragraph,
                num: None,
                text: p.before.trim().to_string(),
                external_id: None,
                children: Vec::new(),
            })
            .collect(),
    };
    let alignment = penholder_diff::align(&base.document, &revised, None);
    let mut matched: HashMap<NodeId, NodeId> = HashMap::new();
    for (node, entry) in revised.nodes.iter().zip(&alignment.nodes) {
        if let [previous] = entry.previous.as_slice() {
            matched.insert(node.id, *previous);
        }
    }
    let mut seen = HashSet::new();
    file.paragraphs
        .iter()
        .enumerate()
        .map(|(index, p)| {
            let node = matched
                .get(&fresh[index])
                .copied()
                .filter(|id| seen.insert(*id));
            Placed {
                index,
                node,
                before: p.before.clone(),
                after: p.after.clone(),
                matched_by_text: true,
            }
        })
        .collect()
}

/// A paragraph's text as its node's text would be: footnote references back to the markers the
/// node's text carries (in order), a written number taken off, ends trimmed.
fn node_text(text: &str, node: Option<&Node>) -> String {
    let mut text = text.trim().to_string();
    if let Some(node) = node {
        if let Some(num) = &node.num
            && let Some(rest) = text.strip_prefix(&format!("{num}\t"))
        {
            text = rest.trim_start().to_string();
        }
        let mut markers = footnote_markers(&node.text).into_iter();
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            if c == FOOTNOTE_REFERENCE {
                if let Some(marker) = markers.next() {
                    out.push_str(&marker);
                }
            } else {
                out.push(c);
            }
        }
        return out;
    }
    text.replace(FOOTNOTE_REFERENCE, "")
}

/// The footnote markers of a text, in order: runs of superscript digits.
fn footnote_markers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if "⁰¹²³⁴⁵⁶⁷⁸⁹".contains(c) {
            current.push(c);
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn items_of(
    file: &WordFile,
    placed: &[Placed],
    base: &Version,
    nodes: &HashMap<NodeId, &Node>,
) -> WordSubmission {
    let mut items: Vec<UnderstoodItem> = Vec::new();
    let mut previous: Option<NodeId> = None;
    let first_node = placed.iter().position(|p| p.node.is_some());
    let mut seen: HashSet<NodeId> = HashSet::new();
    let mut general_comments: Vec<usize> = Vec::new();
    for place in placed {
        let paragraph = &file.paragraphs[place.index];
        let node = place.node.and_then(|id| nodes.get(&id).copied());
        let before = node_text(&place.before, node);
        let after = node_text(&place.after, node);
        let mut flags = Vec::new();
        if place.matched_by_text {
            flags.push(Flag::MatchedByText);
        }
        let item = match node {
            Some(node) => {
                seen.insert(node.id);
                previous = Some(node.id);
                if before != node.text.trim() && !place.matched_by_text {
                    flags.push(Flag::Untracked);
                }
                if paragraph.deleted_whole() || (after.is_empty() && !node.text.trim().is_empty()) {
                    Some(ItemByReference::Delete {
                        node: node.id.to_string(),
                        justification: None,
                    })
                } else if after != node.text.trim() {
                    Some(ItemByReference::Amend {
                        node: node.id.to_string(),
                        text: after,
                        justification: None,
                    })
                } else {
                    None
                }
            }
            None => {
                let in_title = first_node.is_none_or(|first| place.index < first)
                    && !paragraph.inserted_whole();
                if in_title || after.is_empty() || after == base.document.title.trim() {
                    general_comments.extend(&paragraph.comments);
                    continue;
                }
                if !paragraph.inserted_whole() && !place.matched_by_text {
                    flags.push(Flag::Untracked);
                }
                let (after_node, before_node) = match previous {
                    Some(id) => (Some(id.to_string()), None),
                    None => (
                        None,
                        placed.iter().find_map(|p| p.node).map(|id| id.to_string()),
                    ),
                };
                if after_node.is_none() && before_node.is_none() {
                    continue;
                }
                Some(ItemByReference::Insert {
                    after: after_node,
                    before: before_node,
                    text: after,
                    node_kind: None,
                    justification: None,
                })
            }
        };
        let comments: Vec<&str> = paragraph
            .comments
            .iter()
            .filter_map(|c| file.comments.get(*c))
            // The marks penholder wrote beside the paragraph (status, reservations, brackets)
            // are not the delegation's.
            .filter(|c| c.author != penholder_render::docx::MARKS_AUTHOR)
            .map(|c| c.text.as_str())
            .filter(|t| !t.is_empty())
            .collect();
        match item {
            Some(mut item) => {
                if !comments.is_empty() {
                    let joined = comments.join("\n");
                    match &mut item {
                        ItemByReference::Amend { justification, .. }
                        | ItemByReference::Insert { justification, .. }
                        | ItemByReference::Delete { justification, .. }
                        | ItemByReference::Support { justification, .. }
                        | ItemByReference::AmendAlternative { justification, .. }
                        | ItemByReference::WithdrawAlternative { justification, .. } => {
                            *justification = Some(joined)
                        }
                        ItemByReference::Comment { .. } => {}
                    }
                }
                items.push(UnderstoodItem { item, flags });
            }
            None => {
                for text in comments {
                    items.push(UnderstoodItem {
                        item: ItemByReference::Comment {
                            node: node.map(|n| n.id.to_string()),
                            text: text.to_string(),
                        },
                        flags: flags.clone(),
                    });
                }
            }
        }
    }
    for index in general_comments {
        if let Some(comment) = file
            .comments
            .get(index)
            .filter(|c| !c.text.is_empty() && c.author != penholder_render::docx::MARKS_AUTHOR)
        {
            items.push(UnderstoodItem {
                item: ItemByReference::Comment {
                    node: None,
                    text: comment.text.clone(),
                },
                flags: Vec::new(),
            });
        }
    }
    // Base nodes whose paragraph is gone: deleted without tracking (or not matched by text).
    for visit in base.document.walk() {
        let node = visit.node;
        if node.kind == NodeKind::Footnote
            || node.text.trim().is_empty()
            || seen.contains(&node.id)
            || visit
                .parent
                .is_some_and(|p| !seen.contains(&p.id) && gone_with_parent(p))
        {
            continue;
        }
        let mut flags = vec![Flag::Untracked];
        if !file.has_node_ids() {
            flags = vec![Flag::MatchedByText];
        }
        items.push(UnderstoodItem {
            item: ItemByReference::Delete {
                node: node.id.to_string(),
                justification: None,
            },
            flags,
        });
    }
    WordSubmission { items }
}

/// Whether a node missing from the file is taken out with its parent's deletion (a deleted
/// parent deletes its children: they get no item of their own).
fn gone_with_parent(parent: &Node) -> bool {
    !parent.text.trim().is_empty() && parent.kind != NodeKind::Footnote
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn penholder_s_own_marks_in_a_version_s_word_file_are_not_a_delegation_s_items() {
        use penholder_core::Document;
        use penholder_core::bracket::{Bracket, BracketAlternative, BracketOrigin, BracketSpan};
        use penholder_core::state::{ParagraphStatus, StatusChange, TextState};
        let mut ids = IdSource::new(3, 0);
        let node = Node::new(
            ids.next_id(),
            NodeKind::Operative,
            "Cut arrivals by 20 per cent.",
        );
        let id = node.id;
        let version = Version::new(2, "Rev. 1", Some(1), Document::new("D", vec![node]));
        let state = TextState {
            changes: vec![StatusChange {
                node: id,
                status: ParagraphStatus::AgreedAdRef,
                note: "Reference Group".into(),
                version: 2,
                set_by: "chair".into(),
                set_at: 0,
                sequence: 1,
            }],
            ..TextState::default()
        };
        let bracket = Bracket {
            id: "B1".into(),
            node: id,
            span: BracketSpan::Words { start: 16, end: 18 },
            base_text: "20".into(),
            alternatives: vec![BracketAlternative {
                id: "a".into(),
                text: Some("30".into()),
                supporters: vec!["FR".into()],
            }],
            origin: BracketOrigin {
                round: "Round 1".into(),
                change: "c1".into(),
            },
        };
        let context = penholder_render::Context::new()
            .state_of(&state, &version.document)
            .brackets_of(&[bracket]);
        let bytes = penholder_render::docx::version(&version, &context).unwrap();
        let understood = understand(&bytes, &version).unwrap();
        assert!(understood.items.is_empty(), "{:?}", understood.items);
    }

    #[test]
    fn footnote_references_take_back_their_markers() {
        let node = Node {
            id: IdSource::new(1, 0).next_id(),
            kind: NodeKind::Paragraph,
            num: Some("4c.".into()),
            text: "States¹ and others²³.".into(),
            external_id: None,
            children: Vec::new(),
        };
        let read = format!("4c.\tStates{FOOTNOTE_REFERENCE} and all{FOOTNOTE_REFERENCE}.");
        assert_eq!(node_text(&read, Some(&node)), "States¹ and all²³.");
        assert_eq!(footnote_markers(&node.text), vec!["¹", "²³"]);
    }
}
