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
//! - a paragraph moved without tracking (outside the longest run still in the base's order) is
//!   a `comment` on its node saying where to: items have no move.
//!
//! Flags say how each item was found: `tracked` from the file's tracked changes or comments,
//! `untracked` when the paragraph's text as every tracked change is rejected is not the base's
//! text (an edit made without change tracking, found by comparison with the version the file
//! names), and `matched_by_text` as well when the file carries no node ids. The items are then
//! submitted exactly as a JSON body holding them would be ([`WordSubmission::body`]), so they go
//! through the same validation and the same store step; the flags are kept beside them
//! ([`WordSubmission::flags`]).
//!
//! The chairmanship's revised text may come as a Word file too ([`revised_text`]): read into a
//! tree whose ids come from our bookmarks, to be aligned as any revised upload is; refused while
//! it holds tracked changes.

use crate::error::{Error, FieldProblem};
use penholder_core::negotiation::ItemByReference;
use penholder_core::{Document, IdSource, Node, NodeId, NodeKind, Version};
use penholder_import::docx::{DocxError, FOOTNOTE_REFERENCE, WordFile, read_docx};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// The media type of a .docx.
pub const DOCX_MEDIA_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// How an item was found in the file (kept with the submission: see
/// [`WordSubmission::flags`]).
pub use penholder_core::negotiation::ItemFlag as Flag;

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
    /// How each item was found, in the items' order: what the store keeps beside them.
    pub fn flags(&self) -> Vec<Vec<Flag>> {
        self.items.iter().map(|i| i.flags.clone()).collect()
    }

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
                marks: Vec::new(),
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
    let moved = moved_nodes(placed, base);
    let references = penholder_core::References::of(&base.document);
    for place in placed {
        let preceding = previous;
        let paragraph = &file.paragraphs[place.index];
        let node = place.node.and_then(|id| nodes.get(&id).copied());
        let before = node_text(&place.before, node);
        let after = node_text(&place.after, node);
        // Tracked or untracked: whether the change is in the file's tracked changes (or, in a
        // file with our ids, whether the text before them is the base's); matched by text when
        // the file carries no ids.
        let tracked = if place.matched_by_text {
            !paragraph.changes.is_empty()
        } else {
            match node {
                Some(node) => before == node.text.trim(),
                None => paragraph.inserted_whole(),
            }
        };
        let mut flags = vec![if tracked {
            Flag::Tracked
        } else {
            Flag::Untracked
        }];
        if place.matched_by_text {
            flags.push(Flag::MatchedByText);
        }
        let item = match node {
            Some(node) => {
                seen.insert(node.id);
                previous = Some(node.id);
                if paragraph.deleted_whole() || (after.is_empty() && !node.text.trim().is_empty()) {
                    Some(ItemByReference::Delete {
                        iso: Default::default(),
                        node: node.id.to_string(),
                        justification: None,
                    })
                } else if after != node.text.trim() {
                    Some(ItemByReference::Amend {
                        iso: Default::default(),
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
                    iso: Default::default(),
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
                            iso: Default::default(),
                            node: node.map(|n| n.id.to_string()),
                            text: text.to_string(),
                        },
                        flags: flags.clone(),
                    });
                }
            }
        }
        // Items have no move: a paragraph put elsewhere (cut and pasted with its bookmark,
        // change tracking off) is proposed as a comment on its node saying where to. A move
        // recorded by change tracking is a deletion and an insertion, and is read as such.
        if let Some(node) = node.filter(|n| moved.contains(&n.id)) {
            let place = preceding
                .and_then(|id| references.reference(id))
                .map_or_else(
                    || "Move this paragraph to the beginning of the text.".to_string(),
                    |r| format!("Move this paragraph after {}.", r.0),
                );
            let mut flags = vec![Flag::Untracked];
            if place_matched_by_text(placed) {
                flags.push(Flag::MatchedByText);
            }
            items.push(UnderstoodItem {
                item: ItemByReference::Comment {
                    iso: Default::default(),
                    node: Some(node.id.to_string()),
                    text: place,
                },
                flags,
            });
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
                    iso: Default::default(),
                    node: None,
                    text: comment.text.clone(),
                },
                flags: vec![Flag::Tracked],
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
            flags.push(Flag::MatchedByText);
        }
        items.push(UnderstoodItem {
            item: ItemByReference::Delete {
                iso: Default::default(),
                node: node.id.to_string(),
                justification: None,
            },
            flags,
        });
    }
    WordSubmission { items }
}

fn place_matched_by_text(placed: &[Placed]) -> bool {
    placed.first().is_some_and(|p| p.matched_by_text)
}

/// The base nodes the file puts in another order: the file's nodes outside the longest run
/// that keeps the base's order (a longest increasing subsequence of their base positions), so
/// that moving one paragraph names that one, not every paragraph it jumped over.
fn moved_nodes(placed: &[Placed], base: &Version) -> HashSet<NodeId> {
    let position: HashMap<NodeId, usize> = base
        .document
        .walk()
        .iter()
        .enumerate()
        .map(|(i, v)| (v.node.id, i))
        .collect();
    let order: Vec<(NodeId, usize)> = placed
        .iter()
        .filter_map(|p| p.node)
        .filter_map(|id| Some((id, *position.get(&id)?)))
        .collect();
    // Patience sorting: tails[k] is the index (into `order`) ending the best run of length k+1.
    let mut tails: Vec<usize> = Vec::new();
    let mut before: Vec<Option<usize>> = vec![None; order.len()];
    for (i, &(_, at)) in order.iter().enumerate() {
        let k = tails.partition_point(|&t| order[t].1 < at);
        before[i] = k.checked_sub(1).map(|k| tails[k]);
        if k == tails.len() {
            tails.push(i);
        } else {
            tails[k] = i;
        }
    }
    let mut in_order: HashSet<NodeId> = HashSet::new();
    let mut cursor = tails.last().copied();
    while let Some(i) = cursor {
        in_order.insert(order[i].0);
        cursor = before[i];
    }
    order
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !in_order.contains(id))
        .collect()
}

/// Whether a node missing from the file is taken out with its parent's deletion (a deleted
/// parent deletes its children: they get no item of their own).
fn gone_with_parent(parent: &Node) -> bool {
    !parent.text.trim().is_empty() && parent.kind != NodeKind::Footnote
}

/// A chairmanship's revised text sent as a Word file, read into a tree to align with
/// `previous` (the version it revises), as a Markdown upload is.
///
/// A file still holding tracked changes is refused, each change listed: the chair decides on
/// them first (accept or reject), since the version is the text as it stands. A paragraph
/// carrying one of our bookmarks is that node (its kind, its written number and its place
/// under its parent come from `previous`; its text from the file); a paragraph without one is
/// a new node after the paragraph before it (the first child of a node that has children),
/// given a fresh id and a generic kind that the alignment turns into its neighbours' kind. In
/// a file penholder did not write every paragraph is such a new node, and the alignment
/// matches them by their words. Footnotes keep their previous text (their text is not read from
/// the file yet); the title and the line under it are not part of the text.
pub fn revised_text(
    bytes: &[u8],
    previous: &Version,
    ids: &mut IdSource,
) -> Result<Document, Error> {
    let file = read_docx(bytes).map_err(refusal)?;
    refuse_pending_changes(&file, previous)?;
    let document = revised_tree(&file, previous, ids);
    if document.nodes.is_empty() {
        return Err(Error::invalid_field(
            "/",
            "the Word file holds no paragraphs besides its title: send the revised text",
        ));
    }
    Ok(document)
}

/// Refuses a file whose tracked changes are still pending, listing each one.
fn refuse_pending_changes(file: &WordFile, previous: &Version) -> Result<(), Error> {
    let references = penholder_core::References::of(&previous.document);
    let problems: Vec<FieldProblem> = file
        .pending_changes()
        .map(|(index, change)| {
            let paragraph = &file.paragraphs[index];
            let place = paragraph
                .node
                .and_then(|id| references.reference(id))
                .map(|r| r.0.clone())
                .unwrap_or_else(|| format!("paragraph {}", index + 1));
            let by = if change.author.is_empty() {
                String::new()
            } else {
                format!(" by {}", change.author)
            };
            let what = if change.text.trim().is_empty() {
                String::new()
            } else {
                format!(": “{}”", excerpt(&change.text))
            };
            FieldProblem {
                pointer: "/".into(),
                item: None,
                reference: Some(place.clone()),
                detail: format!("{place}: {}{by}{what}", change.kind.as_str()),
            }
        })
        .collect();
    if problems.is_empty() {
        return Ok(());
    }
    let listed: Vec<&str> = problems.iter().map(|p| p.detail.as_str()).collect();
    Err(Error::Invalid {
        detail: format!(
            "the file still holds {} tracked change(s): accept or reject them first (in Word: Review › Accept or Reject; in LibreOffice: Edit › Track Changes › Manage), save, and send it again. Pending: {}",
            problems.len(),
            listed.join("; ")
        ),
        problems,
    })
}

/// The first words of a text, for a message.
fn excerpt(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// The tree a revised file stands for (see [`revised_text`]).
fn revised_tree(file: &WordFile, previous: &Version, ids: &mut IdSource) -> Document {
    let walk = previous.document.walk();
    let known: HashMap<NodeId, &Node> = walk.iter().map(|v| (v.node.id, v.node)).collect();
    let parent_of: HashMap<NodeId, NodeId> = walk
        .iter()
        .filter_map(|v| Some((v.node.id, v.parent?.id)))
        .collect();
    let with_ids = file.has_node_ids();
    let first_node = file.paragraphs.iter().position(|p| p.node.is_some());
    let title = normalised(&previous.document.title);
    // Each previous node the file names, the first time it names it.
    let mut named: HashSet<NodeId> = HashSet::new();
    let mut paragraphs: Vec<(Option<NodeId>, &str)> = Vec::new();
    for (index, paragraph) in file.paragraphs.iter().enumerate() {
        let before_first = first_node.is_none_or(|first| index < first);
        if paragraph.is_front_matter()
            || (with_ids && before_first && normalised(&paragraph.after) == title)
        {
            continue;
        }
        let node = paragraph
            .node
            .filter(|id| known.contains_key(id) && named.insert(*id));
        paragraphs.push((node, paragraph.after.as_str()));
    }
    // A previous node without words of its own (a part holding only its children) is kept
    // while the file keeps any of its children: no paragraph of the file stands for it.
    let structural = |node: &Node| node.text.trim().is_empty() && node.kind != NodeKind::Footnote;
    let mut tree = TreeBuilder::default();
    let mut last: Option<(usize, bool)> = None;
    for (node, text) in paragraphs {
        match node.and_then(|id| known.get(&id).copied()) {
            Some(node) => {
                // Under the nearest ancestor the file keeps.
                let mut ancestors = Vec::new();
                let mut up = parent_of.get(&node.id).copied();
                while let Some(id) = up {
                    let ancestor = known[&id];
                    if named.contains(&id) || structural(ancestor) {
                        ancestors.push(ancestor);
                    }
                    up = parent_of.get(&id).copied();
                }
                let mut parent = None;
                for ancestor in ancestors.into_iter().rev() {
                    parent = Some(tree.place_once(ancestor, parent));
                }
                // Emphasis by the rule of an amendment: kept words keep the previous
                // version's, new words have none (the file's own bold and italic include the
                // writer's styling of numbers and first words, which is not the text's).
                let text = node_text(text, Some(node));
                let marks = penholder_diff::carry_marks(&node.text, &node.marks, &text);
                let slot = tree.place(
                    Node {
                        text,
                        marks,
                        children: Vec::new(),
                        ..node.clone()
                    },
                    parent,
                );
                tree.by_id.insert(node.id, slot);
                for footnote in node
                    .children
                    .iter()
                    .filter(|c| c.kind == NodeKind::Footnote)
                {
                    tree.place(footnote.clone(), Some(slot));
                }
                last = Some((
                    slot,
                    node.children.iter().any(|c| c.kind != NodeKind::Footnote),
                ));
            }
            None => {
                let text = node_text(text, None);
                if text.is_empty() {
                    continue;
                }
                let parent = match last {
                    Some((slot, true)) => Some(slot),
                    Some((slot, false)) => tree.parent[slot],
                    None => None,
                };
                let slot = tree.place(
                    Node {
                        id: ids.next_id(),
                        kind: NodeKind::Paragraph,
                        num: None,
                        text,
                        marks: Vec::new(),
                        external_id: None,
                        children: Vec::new(),
                    },
                    parent,
                );
                last = Some((slot, false));
            }
        }
    }
    Document {
        title: previous.document.title.clone(),
        nodes: tree.finish(),
    }
}

fn normalised(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A tree built node by node, each under a parent already placed (or at the top).
#[derive(Default)]
struct TreeBuilder {
    nodes: Vec<Node>,
    parent: Vec<Option<usize>>,
    children: Vec<Vec<usize>>,
    top: Vec<usize>,
    by_id: HashMap<NodeId, usize>,
}

impl TreeBuilder {
    /// Places a node (its children left out) as the last child of `parent`.
    fn place(&mut self, mut node: Node, parent: Option<usize>) -> usize {
        let slot = self.nodes.len();
        let children = std::mem::take(&mut node.children);
        self.nodes.push(node);
        self.parent.push(parent);
        self.children.push(Vec::new());
        match parent {
            Some(p) => self.children[p].push(slot),
            None => self.top.push(slot),
        }
        // A footnote's own children, if any, stay with it.
        for child in children {
            self.place(child, Some(slot));
        }
        slot
    }

    /// The slot of a previous node placed already, else the node placed now without its text's
    /// children (they come from the file).
    fn place_once(&mut self, node: &Node, parent: Option<usize>) -> usize {
        if let Some(&slot) = self.by_id.get(&node.id) {
            return slot;
        }
        let slot = self.place(
            Node {
                children: Vec::new(),
                ..node.clone()
            },
            parent,
        );
        self.by_id.insert(node.id, slot);
        slot
    }

    /// The tree: children are placed after their parent, so building from the last slot to
    /// the first finds every child built already.
    fn finish(self) -> Vec<Node> {
        let mut built: Vec<Option<Node>> = self.nodes.into_iter().map(Some).collect();
        for slot in (0..built.len()).rev() {
            let children: Vec<Node> = self.children[slot]
                .iter()
                .filter_map(|&c| built[c].take())
                .collect();
            if let Some(node) = built[slot].as_mut() {
                node.children = children;
            }
        }
        self.top
            .iter()
            .filter_map(|&slot| built[slot].take())
            .collect()
    }
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
            marks: Vec::new(),
            children: Vec::new(),
        };
        let read = format!("4c.\tStates{FOOTNOTE_REFERENCE} and all{FOOTNOTE_REFERENCE}.");
        assert_eq!(node_text(&read, Some(&node)), "States¹ and all²³.");
        assert_eq!(footnote_markers(&node.text), vec!["¹", "²³"]);
    }
}
