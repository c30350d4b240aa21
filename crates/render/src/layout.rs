//! The layout every format shares: how a node's number is shown, and the order in which a
//! compilation's nodes, new nodes and footnotes are laid out.

use crate::text::marker_ranges;
use penholder_core::{NodeId, NodeKind, latin_ordinal};
use penholder_diff::{Change, Compilation, NodeCompilation, NodeRedline, NodeStatus, Scope};
use std::collections::BTreeMap;

/// How the document shows a node's number, derived from its kind and reference (numbers are
/// never stored, see `penholder_core::References`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Label {
    /// Preambular paragraphs, plain paragraphs and parts: no number.
    None,
    /// Operative paragraphs and actions: `3.`.
    Number(String),
    /// Items under an operative paragraph or an action: `(a)`.
    Letter(String),
    /// Items elsewhere, shown as a dash the way Council notes show them.
    Bullet,
    /// A priority goal's heading: `Priority Goal 2`.
    Goal(String),
    /// A footnote's number: `2`.
    Footnote(String),
    /// The number exactly as the source wrote it (`Art 93`, `4c.`).
    Verbatim(String),
}

impl Label {
    /// The label for a node of `kind` whose derived reference is `reference` (`OP3`, `PG1.4`,
    /// `OP1.a`), unless the source wrote its number verbatim.
    pub fn of(kind: NodeKind, reference: &str, verbatim: Option<&str>) -> Label {
        if let Some(num) = verbatim {
            return Label::Verbatim(num.to_string());
        }
        let last = reference.rsplit('.').next().unwrap_or(reference);
        let digits = |prefix: &str| -> Option<String> {
            let number = reference.strip_prefix(prefix)?;
            (!number.is_empty() && number.chars().all(|c| c.is_ascii_digit()))
                .then(|| number.to_string())
        };
        match kind {
            NodeKind::Operative => digits("OP").map_or(Label::None, |n| Label::Number(n + ".")),
            NodeKind::Goal => {
                digits("PG").map_or(Label::None, |n| Label::Goal(format!("Priority Goal {n}")))
            }
            NodeKind::Footnote => digits("FN").map_or(Label::None, Label::Footnote),
            NodeKind::Action
                if reference.contains('.') && last.chars().all(|c| c.is_ascii_digit()) =>
            {
                Label::Number(format!("{last}."))
            }
            NodeKind::Item if reference.contains('.') => {
                let parent = &reference[..reference.len() - last.len() - 1];
                let under_operative = parent.starts_with("OP") && !parent.contains('.');
                let under_action = parent.starts_with("PG") && parent.matches('.').count() == 1;
                if under_operative || under_action {
                    Label::Letter(format!("({last})"))
                } else {
                    Label::Bullet
                }
            }
            _ => Label::None,
        }
    }

    /// The label as text, if the node shows one.
    pub fn text(&self) -> Option<String> {
        match self {
            Label::None => None,
            Label::Number(s) | Label::Letter(s) | Label::Goal(s) | Label::Verbatim(s) => {
                Some(s.clone())
            }
            Label::Bullet => Some("\u{2013}".to_string()),
            Label::Footnote(n) => Some(n.clone()),
        }
    }
}

/// The label of a node, looking up verbatim numbers in `numbers`.
pub(crate) fn label(
    numbers: &BTreeMap<NodeId, String>,
    node: NodeId,
    kind: NodeKind,
    reference: &str,
) -> Label {
    Label::of(kind, reference, numbers.get(&node).map(String::as_str))
}

/// The label a redline node shows, as the version view shows it: the target's (the number the
/// target writes, else derived from its reference), the source's for a deleted node.
pub(crate) fn redline_label(node: &NodeRedline) -> Label {
    match node.status {
        NodeStatus::Deleted => Label::of(
            node.kind,
            node.reference_from.as_deref().unwrap_or(""),
            node.num_from.as_deref(),
        ),
        _ => Label::of(
            node.kind,
            node.reference_to.as_deref().unwrap_or(""),
            node.num_to.as_deref(),
        ),
    }
}

/// A written number that changed (`(3)`, `(5)`): the number before and after, `None` on the side
/// that writes none. `None` when the node keeps its written number or has none on either side.
pub(crate) fn written_renumbering(node: &NodeRedline) -> Option<(Option<&str>, Option<&str>)> {
    let (from, to) = (node.num_from.as_deref(), node.num_to.as_deref());
    (node.renumbered && (from.is_some() || to.is_some())).then_some((from, to))
}

/// How a renumbering reads: `(3) → (5)` for written numbers, `OP3 → OP4` for derived ones;
/// `None` for a node not renumbered.
pub(crate) fn renumbering(node: &NodeRedline) -> Option<String> {
    if !node.renumbered {
        return None;
    }
    let (from, to) = written_renumbering(node)
        .unwrap_or((node.reference_from.as_deref(), node.reference_to.as_deref()));
    Some(format!(
        "{} \u{2192} {}",
        from.unwrap_or("no number"),
        to.unwrap_or("no number")
    ))
}

/// Whether a redline shows a node's renumbering as a fact of its own: always for written
/// numbers; for derived ones unless the node moved (its move names its old reference).
pub(crate) fn shows_renumbering(node: &NodeRedline) -> bool {
    node.renumbered && (node.status != NodeStatus::Moved || written_renumbering(node).is_some())
}

/// A piece of a node's base text in a compilation: unchanged words, or a word-level change.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Piece<'a> {
    /// A stretch of the base text, and where it starts in it (a byte offset).
    Text(&'a str, usize),
    Change(&'a Change),
}

/// The base text of a node cut at its word-level changes, in order. A change whose byte range
/// does not fit the text (never produced by the engine) is left out rather than trusted.
pub(crate) fn pieces<'a>(node: &'a NodeCompilation) -> Vec<Piece<'a>> {
    let base = node.base_text.as_str();
    let mut out = Vec::new();
    let mut at = 0;
    for change in &node.changes {
        let Scope::Words {
            start_byte,
            end_byte,
            ..
        } = change.scope
        else {
            continue;
        };
        if start_byte < at
            || end_byte < start_byte
            || base.get(start_byte..end_byte).is_none()
            || change.alternatives.is_empty()
        {
            continue;
        }
        if start_byte > at {
            out.push(Piece::Text(&base[at..start_byte], at));
        }
        out.push(Piece::Change(change));
        at = end_byte;
    }
    if at < base.len() {
        out.push(Piece::Text(&base[at..], at));
    }
    out
}

/// One block of a compilation's layout.
#[derive(Clone, Debug)]
pub(crate) enum Entry<'a> {
    /// A node of the base version, with its footnotes (children of kind footnote).
    Node {
        node: &'a NodeCompilation,
        footnotes: Vec<&'a NodeCompilation>,
    },
    /// A new node proposed next to `anchor`; `reference` is its UN-style name (`OP2 bis`,
    /// `OP1 pre`).
    New {
        anchor: &'a NodeCompilation,
        change: &'a Change,
        reference: String,
        depth: usize,
    },
}

/// The compilation in reading order: each node, its footnotes with it, new nodes proposed
/// before a node right before it, and new nodes proposed after a node after everything under
/// it (a new operative paragraph after `OP1` follows `OP1.a` and `OP1.b`).
pub(crate) fn entries(compilation: &Compilation) -> Vec<Entry<'_>> {
    let nodes = &compilation.nodes;
    let mut out = Vec::with_capacity(nodes.len());
    // New nodes waiting for the end of their anchor's subtree: (anchor depth, entries).
    let mut pending: Vec<(usize, Vec<Entry<'_>>)> = Vec::new();
    let mut index = 0;
    while index < nodes.len() {
        let node = &nodes[index];
        index += 1;
        if node.kind == NodeKind::Footnote {
            // A footnote whose parent is not right before it (never produced by the
            // importer) is shown as a block of its own.
            out.push(Entry::Node {
                node,
                footnotes: Vec::new(),
            });
            continue;
        }
        while pending
            .last()
            .is_some_and(|(depth, _)| *depth >= node.depth)
        {
            if let Some((_, entries)) = pending.pop() {
                out.extend(entries);
            }
        }
        let mut before = 0usize;
        let mut after = 0usize;
        let mut after_entries = Vec::new();
        for change in &node.changes {
            match change.scope {
                Scope::InsertBefore { .. } => {
                    before += 1;
                    let reference = if before == 1 {
                        format!("{} pre", node.reference)
                    } else {
                        format!("{} pre {before}", node.reference)
                    };
                    out.push(Entry::New {
                        anchor: node,
                        change,
                        reference,
                        depth: node.depth,
                    });
                }
                Scope::InsertAfter { .. } => {
                    after += 1;
                    after_entries.push(Entry::New {
                        anchor: node,
                        change,
                        reference: format!("{} {}", node.reference, latin_ordinal(after + 1)),
                        depth: node.depth,
                    });
                }
                _ => {}
            }
        }
        let mut footnotes = Vec::new();
        while index < nodes.len()
            && nodes[index].kind == NodeKind::Footnote
            && nodes[index].depth == node.depth + 1
        {
            footnotes.push(&nodes[index]);
            index += 1;
        }
        out.push(Entry::Node { node, footnotes });
        if !after_entries.is_empty() {
            pending.push((node.depth, after_entries));
        }
    }
    while let Some((_, entries)) = pending.pop() {
        out.extend(entries);
    }
    out
}

/// Which side of a change a run of text belongs to, for placing footnote references.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    /// In both the old and the new text.
    Both,
    /// Only in the old text (deleted).
    Old,
    /// Only in the new text (inserted).
    New,
}

/// Where a footnote stands in the old and new text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Presence {
    Both,
    OldOnly,
    NewOnly,
}

/// Pairs footnotes with the markers in their parent's text. `chunks` are the parent's text
/// runs in order with their side; `footnotes` the presence of each footnote, in order.
/// Returns, per footnote, `Some((chunk, byte range))` of the marker it takes, or `None` when
/// no marker fits (the reference then goes at the end of the paragraph). A footnote in the new
/// text prefers a marker in both texts, then one in the new text, so that accepting every
/// change keeps it; a deleted footnote prefers a deleted marker.
pub(crate) fn pair_footnotes(
    chunks: &[(&str, Side)],
    footnotes: &[Presence],
) -> Vec<Option<(usize, std::ops::Range<usize>)>> {
    let mut markers: Vec<(usize, std::ops::Range<usize>, Side, bool)> = Vec::new();
    for (chunk, (text, side)) in chunks.iter().enumerate() {
        for range in marker_ranges(text) {
            markers.push((chunk, range, *side, false));
        }
    }
    let rank = |presence: Presence, side: Side| -> Option<u8> {
        match (presence, side) {
            (Presence::Both, Side::Both) | (Presence::NewOnly, Side::New) => Some(0),
            (Presence::OldOnly, Side::Old) => Some(0),
            (Presence::Both, Side::New) | (Presence::NewOnly, Side::Both) => Some(1),
            (Presence::OldOnly, Side::Both) | (Presence::Both, Side::Old) => Some(2),
            _ => None,
        }
    };
    let mut out = Vec::with_capacity(footnotes.len());
    let mut last_taken: Option<usize> = None;
    for presence in footnotes {
        let best = markers
            .iter()
            .enumerate()
            .filter(|(i, m)| !m.3 && last_taken.is_none_or(|t| *i > t))
            .filter_map(|(i, m)| rank(*presence, m.2).map(|r| (r, i)))
            .min();
        match best {
            Some((_, i)) => {
                markers[i].3 = true;
                last_taken = Some(i);
                out.push(Some((markers[i].0, markers[i].1.clone())));
            }
            None => out.push(None),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_the_document_conventions() {
        use NodeKind::*;
        let text = |kind, reference| Label::of(kind, reference, None).text();
        assert_eq!(text(Operative, "OP3"), Some("3.".into()));
        assert_eq!(text(Preambular, "PP2"), None);
        assert_eq!(text(Goal, "PG2"), Some("Priority Goal 2".into()));
        assert_eq!(text(Action, "PG1.4"), Some("4.".into()));
        assert_eq!(text(Item, "OP1.b"), Some("(b)".into()));
        assert_eq!(text(Item, "PG1.4.c"), Some("(c)".into()));
        assert_eq!(text(Item, "P3.a"), Some("\u{2013}".into()));
        assert_eq!(text(Footnote, "FN2"), Some("2".into()));
        assert_eq!(text(Paragraph, "P1"), None);
        assert_eq!(text(Operative, "OP2 bis"), None);
        assert_eq!(
            Label::of(Part, "S1", Some("Art 93")),
            Label::Verbatim("Art 93".into())
        );
    }

    #[test]
    fn footnotes_take_markers_on_their_side() {
        // The marker moved from deleted words to inserted ones: the kept footnote takes the
        // inserted marker, so accepting every change keeps it.
        let chunks = [
            ("States ", Side::Both),
            ("Uzbekistan¹", Side::Old),
            ("Uzbekistan and Mongolia¹", Side::New),
            (";", Side::Both),
        ];
        assert_eq!(
            pair_footnotes(&chunks, &[Presence::Both]),
            vec![Some((2, 23..25))]
        );
        // A deleted footnote takes the deleted marker; a second footnote without a marker
        // gets none.
        assert_eq!(
            pair_footnotes(&chunks, &[Presence::OldOnly, Presence::NewOnly]),
            vec![Some((1, 10..12)), Some((2, 23..25))]
        );
        assert_eq!(
            pair_footnotes(&[("no marker", Side::Both)], &[Presence::Both]),
            vec![None]
        );
    }
}

/// How a redline entry is laid out in a document that must read as the target when every
/// change is accepted and as the source when every change is rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// At its place, with its own insertions and deletions.
    Normal(usize),
    /// At its place in the target, all of its target text inserted (a moved node's new place).
    Inserted(usize),
    /// At its place in the source, all of its source text deleted (a moved node's old place).
    Deleted(usize),
}

/// The redline's entries in the order a tracked-changes document needs them. The redline
/// lists nodes in the target's order, deleted nodes where they stood, and a moved node only
/// at its new place; here a moved node (with everything under it, and the deleted nodes that
/// followed it in the source) appears twice: inserted at its new place, deleted at its old one.
///
/// With the `source` document, the old place is exact: right after the node that preceded the
/// moved one in the source. Without it, it is inferred from the node's reference in the
/// source: after the previous node of its kind (`PP6` for `PP7`, `OP1.a` for `OP1.b`) and
/// everything under it, after its parent for a first item or action, before the next of its
/// kind for a first paragraph; a node of another kind that stood between them, or a node the
/// only one of its kind, may then land elsewhere.
pub(crate) fn redline_places(
    nodes: &[penholder_diff::NodeRedline],
    source: Option<&penholder_core::Document>,
) -> Vec<Place> {
    use penholder_diff::NodeStatus;
    let count = nodes.len();
    // The end (exclusive) of each entry's subtree in the list.
    let subtree_end = |index: usize| -> usize {
        let depth = nodes[index].depth;
        let mut end = index + 1;
        while end < count && nodes[end].depth > depth {
            end += 1;
        }
        end
    };
    // Moved blocks: the moved node's subtree and the deleted nodes right after it. A node
    // moved inside a moved subtree (a paragraph moved into a goal that moved too) has a block
    // of its own: its old place is its own, not its new parent's. Each entry belongs to the
    // innermost block holding it; blocks come in list order, so an inner block overwrites.
    struct Block {
        root: usize,
        end: usize,
        with_deleted: usize,
    }
    let mut blocks: Vec<Block> = Vec::new();
    let mut in_block: Vec<Option<usize>> = vec![None; count];
    for index in 0..count {
        if nodes[index].status == NodeStatus::Moved {
            let end = subtree_end(index);
            let mut with_deleted = end;
            while with_deleted < count && nodes[with_deleted].status == NodeStatus::Deleted {
                with_deleted += 1;
            }
            for slot in in_block.iter_mut().take(with_deleted).skip(index) {
                *slot = Some(blocks.len());
            }
            blocks.push(Block {
                root: index,
                end,
                with_deleted,
            });
        }
    }
    if blocks.is_empty() {
        return (0..count).map(Place::Normal).collect();
    }

    // Where each block's old place is: right after an entry's place in the source (its
    // normal place, or its own old place when it is in a moved block), before an entry, or
    // at the start.
    #[derive(Clone, Copy)]
    enum Anchor {
        After(usize),
        Before(usize),
        Start,
    }
    let anchors: Vec<Anchor> = match source {
        Some(document) => {
            let walk = document.walk();
            let position: std::collections::HashMap<penholder_core::NodeId, usize> = walk
                .iter()
                .enumerate()
                .map(|(i, v)| (v.node.id, i))
                .collect();
            let entry: std::collections::HashMap<penholder_core::NodeId, usize> = nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| n.status != NodeStatus::Inserted)
                .map(|(i, n)| (n.node, i))
                .collect();
            blocks
                .iter()
                .map(|block| {
                    let previous = position
                        .get(&nodes[block.root].node)
                        .and_then(|&p| p.checked_sub(1))
                        .and_then(|p| entry.get(&walk[p].node.id));
                    match previous {
                        Some(&at) => Anchor::After(at),
                        None => Anchor::Start,
                    }
                })
                .collect()
        }
        None => {
            let by_reference: std::collections::HashMap<&str, usize> = nodes
                .iter()
                .enumerate()
                .filter_map(|(i, n)| n.reference_from.as_deref().map(|r| (r, i)))
                .collect();
            blocks
                .iter()
                .map(|block| {
                    let Some(reference) = nodes[block.root].reference_from.as_deref() else {
                        return Anchor::Start;
                    };
                    match previous_reference(reference) {
                        Previous::Sibling(previous) => match by_reference.get(previous.as_str()) {
                            Some(&at) => {
                                let mut end = subtree_end(at);
                                while end < count && nodes[end].status == NodeStatus::Deleted {
                                    end += 1;
                                }
                                Anchor::After(end - 1)
                            }
                            None => Anchor::Start,
                        },
                        Previous::Parent(parent) => match by_reference.get(parent.as_str()) {
                            Some(&at) => {
                                // Right after the parent's own paragraph and its footnotes.
                                let mut end = at + 1;
                                while end < count
                                    && nodes[end].kind == NodeKind::Footnote
                                    && nodes[end].depth == nodes[at].depth + 1
                                {
                                    end += 1;
                                }
                                Anchor::After(end - 1)
                            }
                            None => Anchor::Start,
                        },
                        Previous::First(next) => match by_reference.get(next.as_str()) {
                            Some(&at) => Anchor::Before(at),
                            None => Anchor::Start,
                        },
                    }
                })
                .collect()
        }
    };
    let mut after: Vec<Vec<usize>> = vec![Vec::new(); count];
    let mut before: Vec<Vec<usize>> = vec![Vec::new(); count];
    let mut at_start: Vec<usize> = Vec::new();
    for (number, anchor) in anchors.iter().enumerate() {
        match *anchor {
            // An anchor inside the block itself cannot be its old place.
            Anchor::After(at) | Anchor::Before(at) if in_block[at] == Some(number) => {
                at_start.push(number)
            }
            Anchor::After(at) => after[at].push(number),
            Anchor::Before(at) => before[at].push(number),
            Anchor::Start => at_start.push(number),
        }
    }

    struct Emitter<'a> {
        nodes: &'a [penholder_diff::NodeRedline],
        blocks: &'a [Block],
        after: &'a [Vec<usize>],
        in_block: &'a [Option<usize>],
        emitted: Vec<bool>,
        out: Vec<Place>,
    }
    impl Emitter<'_> {
        /// A block's old place: its source entries deleted, each followed by the old places
        /// anchored after it.
        fn ghost(&mut self, number: usize) {
            if std::mem::replace(&mut self.emitted[number], true) {
                return;
            }
            let (root, end, with_deleted) = {
                let block = &self.blocks[number];
                (block.root, block.end, block.with_deleted)
            };
            for index in root..with_deleted {
                // Entries of a block nested in this one are shown at that block's old place.
                if self.in_block[index] != Some(number) {
                    continue;
                }
                if index >= end || self.nodes[index].status != penholder_diff::NodeStatus::Inserted
                {
                    self.out.push(Place::Deleted(index));
                    self.after_entry(index);
                }
            }
        }

        fn after_entry(&mut self, index: usize) {
            for slot in 0..self.after[index].len() {
                let number = self.after[index][slot];
                self.ghost(number);
            }
        }
    }
    let mut emitter = Emitter {
        nodes,
        blocks: &blocks,
        after: &after,
        in_block: &in_block,
        emitted: vec![false; blocks.len()],
        out: Vec::with_capacity(count + 16),
    };
    for &number in &at_start {
        emitter.ghost(number);
    }
    for index in 0..count {
        for &number in &before[index] {
            emitter.ghost(number);
        }
        match in_block[index] {
            Some(number) => {
                let block = &blocks[number];
                if index < block.end && nodes[index].status != NodeStatus::Deleted {
                    emitter.out.push(Place::Inserted(index));
                }
            }
            None => {
                emitter.out.push(Place::Normal(index));
                emitter.after_entry(index);
            }
        }
    }
    // Old places anchored on entries that never came (cannot happen with a consistent
    // redline) are still shown rather than lost.
    for number in 0..blocks.len() {
        emitter.ghost(number);
    }
    emitter.out
}

/// What stands before a node in the source, judged from its reference.
#[derive(Debug, PartialEq, Eq)]
enum Previous {
    /// The previous node of the same kind under the same parent.
    Sibling(String),
    /// The node is the first of its parent's items or actions.
    Parent(String),
    /// The node is the first of its kind at the top: it stood before the next one.
    First(String),
}

fn previous_reference(reference: &str) -> Previous {
    let (parent, last) = match reference.rsplit_once('.') {
        Some((parent, last)) => (Some(parent), last),
        None => (None, reference),
    };
    let digits_at = last
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(last.len());
    let (prefix, number) = last.split_at(digits_at);
    let join = |name: String| match parent {
        Some(parent) => format!("{parent}.{name}"),
        None => name,
    };
    if let Ok(n) = number.parse::<u64>() {
        return match (n > 1, parent) {
            (true, _) => Previous::Sibling(join(format!("{prefix}{}", n - 1))),
            (false, Some(parent)) => Previous::Parent(parent.to_string()),
            (false, None) => Previous::First(format!("{prefix}2")),
        };
    }
    // Letters: `a` … `z`, `aa` … (spreadsheet style).
    let index = last.bytes().try_fold(0usize, |acc, b| {
        b.is_ascii_lowercase().then(|| {
            acc.saturating_mul(26)
                .saturating_add((b - b'a') as usize + 1)
        })
    });
    match (index, parent) {
        (Some(i), Some(_)) if i > 1 => Previous::Sibling(join(letters(i - 2))),
        (_, Some(parent)) => Previous::Parent(parent.to_string()),
        (_, None) => Previous::First(reference.to_string()),
    }
}

/// `0 → a`, `25 → z`, `26 → aa` (as item references count).
fn letters(mut index: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'a' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod redline_tests {
    use super::*;

    #[test]
    fn previous_references() {
        assert_eq!(previous_reference("PP7"), Previous::Sibling("PP6".into()));
        assert_eq!(previous_reference("PP1"), Previous::First("PP2".into()));
        assert_eq!(
            previous_reference("PG1.4"),
            Previous::Sibling("PG1.3".into())
        );
        assert_eq!(previous_reference("PG1.1"), Previous::Parent("PG1".into()));
        assert_eq!(
            previous_reference("OP1.b"),
            Previous::Sibling("OP1.a".into())
        );
        assert_eq!(
            previous_reference("OP1.aa"),
            Previous::Sibling("OP1.z".into())
        );
        assert_eq!(previous_reference("OP1.a"), Previous::Parent("OP1".into()));
        assert_eq!(
            previous_reference("PG2.1.b"),
            Previous::Sibling("PG2.1.a".into())
        );
    }
}
