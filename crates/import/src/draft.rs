//! A node under construction: everything but a guaranteed id. Importers build drafts, then
//! [`Draft::into_nodes`] hands out ids in document order, so ids sort the way the text reads.

use penholder_core::{ExternalId, IdSource, InlineMark, Node, NodeId, NodeKind};
use std::collections::HashSet;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Draft {
    pub kind: NodeKind,
    pub num: Option<String>,
    pub text: String,
    /// The id the source gave the node, if it gave one.
    pub id: Option<NodeId>,
    /// The identifiers the source gave the node (Akoma Ntoso's `eId`/`wId`), kept as they were.
    pub external_id: Option<Box<ExternalId>>,
    /// Bold and italic over ranges of `text` (byte offsets), as the source formatted it.
    pub marks: Vec<InlineMark>,
    pub children: Vec<Draft>,
}

impl Draft {
    pub fn new(kind: NodeKind, text: impl Into<String>) -> Self {
        Draft {
            kind,
            num: None,
            text: text.into(),
            id: None,
            external_id: None,
            marks: Vec::new(),
            children: Vec::new(),
        }
    }

    pub fn with_num(mut self, num: Option<String>) -> Self {
        self.num = num;
        self
    }

    /// Turns drafts into nodes. Nodes without an id get the next id of `ids` that the drafts do
    /// not already use: a hand-edited file may hold ids made by the very same source.
    pub fn into_nodes(drafts: Vec<Draft>, ids: &mut IdSource) -> Vec<Node> {
        fn collect(drafts: &[Draft], used: &mut HashSet<NodeId>) {
            for draft in drafts {
                if let Some(id) = draft.id {
                    used.insert(id);
                }
                collect(&draft.children, used);
            }
        }
        fn build(draft: Draft, ids: &mut IdSource, used: &mut HashSet<NodeId>) -> Node {
            let id = match draft.id {
                Some(id) => id,
                None => loop {
                    let candidate = ids.next_id();
                    if used.insert(candidate) {
                        break candidate;
                    }
                },
            };
            let children = draft
                .children
                .into_iter()
                .map(|child| build(child, ids, used))
                .collect();
            let marks = fitted_marks(&draft.text, draft.marks);
            Node {
                id,
                kind: draft.kind,
                num: draft.num,
                text: draft.text,
                external_id: draft.external_id,
                marks,
                children,
            }
        }
        let mut used = HashSet::new();
        collect(&drafts, &mut used);
        drafts
            .into_iter()
            .map(|draft| build(draft, ids, &mut used))
            .collect()
    }
}

/// The marks an importer recorded, fitted to the text it finally kept (trailing whitespace
/// trimmed after a mark was recorded): cut at the text's end, empty ones dropped, normalized.
fn fitted_marks(text: &str, marks: Vec<InlineMark>) -> Vec<InlineMark> {
    let fitted = marks
        .into_iter()
        .map(|mark| InlineMark {
            end: mark.end.min(text.len()),
            ..mark
        })
        .filter(|mark| {
            mark.start < mark.end
                && text.is_char_boundary(mark.start)
                && text.is_char_boundary(mark.end)
        })
        .collect();
    penholder_core::normalize_marks(fitted)
}

/// Nodes in document order, each knowing its parent by index: importers that decide a node's
/// parent late (a footnote whose marker stands elsewhere) build here, then take the tree.
#[derive(Debug, Default)]
pub(crate) struct Arena {
    entries: Vec<(Option<usize>, Draft)>,
    children: Vec<usize>,
}

impl Arena {
    /// Adds a node (without children) under `parent` (`None`: at the top level).
    pub fn push(&mut self, parent: Option<usize>, draft: Draft) -> usize {
        if let Some(count) = parent.and_then(|p| self.children.get_mut(p)) {
            *count += 1;
        }
        self.entries.push((parent, draft));
        self.children.push(0);
        self.entries.len() - 1
    }

    pub fn draft_mut(&mut self, index: usize) -> Option<&mut Draft> {
        self.entries.get_mut(index).map(|(_, draft)| draft)
    }

    pub fn kind(&self, index: usize) -> Option<NodeKind> {
        self.entries.get(index).map(|(_, draft)| draft.kind)
    }

    pub fn drafts(&self) -> impl Iterator<Item = (usize, &Draft)> {
        self.entries.iter().map(|(_, draft)| draft).enumerate()
    }

    pub fn has_children(&self, index: usize) -> bool {
        self.children.get(index).is_some_and(|count| *count > 0)
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The tree. Among siblings, footnotes come first (the marker stands in the parent's own
    /// text, before anything under it); otherwise nodes keep the order they were pushed in.
    pub fn into_drafts(self) -> Vec<Draft> {
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); self.entries.len()];
        let mut roots = Vec::new();
        for (index, (parent, _)) in self.entries.iter().enumerate() {
            match parent {
                Some(parent) if *parent < index => children[*parent].push(index),
                _ => roots.push(index),
            }
        }
        let is_footnote: Vec<bool> = self
            .entries
            .iter()
            .map(|(_, d)| d.kind == NodeKind::Footnote)
            .collect();
        for list in &mut children {
            list.sort_by_key(|&i| !is_footnote[i]);
        }
        let mut slots: Vec<Option<Draft>> =
            self.entries.into_iter().map(|(_, d)| Some(d)).collect();
        // Parents always precede their children, so building from the last node backwards
        // finds every child already built.
        let mut built: Vec<Option<Draft>> = vec![None; slots.len()];
        for index in (0..slots.len()).rev() {
            if let Some(mut draft) = slots[index].take() {
                draft.children = children[index]
                    .iter()
                    .filter_map(|&child| built[child].take())
                    .collect();
                built[index] = Some(draft);
            }
        }
        roots.into_iter().filter_map(|i| built[i].take()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_ids_skip_ids_the_source_already_uses() {
        let mut probe = IdSource::new(5, 1_000);
        let first = probe.next_id();
        let mut taken = Draft::new(NodeKind::Paragraph, "given");
        taken.id = Some(first);
        let fresh = Draft::new(NodeKind::Paragraph, "fresh");
        let nodes = Draft::into_nodes(vec![fresh, taken], &mut IdSource::new(5, 1_000));
        assert_eq!(nodes[1].id, first);
        assert_ne!(nodes[0].id, first);
    }

    #[test]
    fn the_arena_puts_footnotes_first_among_siblings() {
        let mut arena = Arena::default();
        let parent = arena.push(None, Draft::new(NodeKind::Operative, "Adopt¹:"));
        arena.push(Some(parent), Draft::new(NodeKind::Item, "one"));
        arena.push(Some(parent), Draft::new(NodeKind::Footnote, "note"));
        arena.push(None, Draft::new(NodeKind::Operative, "Decide"));
        assert!(arena.has_children(parent));
        let drafts = arena.into_drafts();
        assert_eq!(drafts.len(), 2);
        let kinds: Vec<_> = drafts[0].children.iter().map(|d| d.kind).collect();
        assert_eq!(kinds, [NodeKind::Footnote, NodeKind::Item]);
    }
}
