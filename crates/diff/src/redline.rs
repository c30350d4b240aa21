//! Redlines between any two versions, every insertion and deletion attributed through the chain
//! of consolidation steps between them.
//!
//! The differences shown are those between the two versions directly (word level, whitespace
//! exact), so that the redline always turns the source into the target. Attribution looks at
//! the steps in between:
//! - inserted text carries the provenance the target's [`Blame`] gives it;
//! - deleted text is followed forward step by step: at each step, the bytes of the source still
//!   alive are mapped through that step's applied changes (exactly, when the step's word-level
//!   changes reproduce the step's text; otherwise through a word diff, as for a text uploaded by
//!   the chairmanship, attributed to the change of that step on the span, else to the chair of
//!   that round); the step that removes a byte attributes its deletion. A step's provenance
//!   credits an edit only when it names that very step: a pure deletion replaces nothing, and
//!   the provenance around its place is the neighbouring text's, written by an earlier step;
//! - a deleted node's text is followed the same way (words removed by earlier steps keep their
//!   steps), the rest credited to the change that deleted the node or an ancestor, else to the
//!   chair of the step where it is gone; a node inserted to whoever wrote its words;
//! - a span is credited to whoever changed its words: the spacing around a word may have been
//!   removed or added by another step (the space left behind when one step replaced the word
//!   beside it), and only a span of spacing alone is credited by its spacing;
//! - a node is *moved* when its parent changed or when it left the longest run of its kept
//!   siblings that stay in order (a node whose parent moved, or beside which siblings came or
//!   went, is not); *renumbered*, a fact of its own, when its own number changed: the number
//!   its text writes (`num_from`, `num_to`), else the last part of its derived reference (not
//!   for parts and plain paragraphs, whose references are document-wide counters).

use crate::hunk::{exact_edits, splice};
use crate::model::*;
use crate::token::{is_whitespace_token, tokenize};
use penholder_core::{Document, Node, NodeId, NodeKind, References};
use std::collections::{HashMap, HashSet};

/// The redline from `from` to `to`; `chain` holds the steps leading from `from` to `to` (the
/// last step's document is `to`). An empty chain gives an unattributed redline.
pub fn redline(from: &Document, to: &Document, chain: &[Step<'_>]) -> Redline {
    let from_walk = from.walk();
    let to_walk = to.walk();
    let from_refs = References::of(from);
    let to_refs = References::of(to);
    let from_index: HashMap<NodeId, usize> = from_walk
        .iter()
        .enumerate()
        .map(|(i, v)| (v.node.id, i))
        .collect();
    let to_ids: HashSet<NodeId> = to_walk.iter().map(|v| v.node.id).collect();
    let moved = moved_nodes(from, to);
    let target_blame = chain.last().map(|s| s.blame);
    let reference = |refs: &References, id: NodeId| refs.reference(id).map(|r| r.0.clone());

    // Deleted nodes stand after the nearest node before them (in the source) that survives.
    let mut deleted_after: HashMap<Option<NodeId>, Vec<usize>> = HashMap::new();
    let mut last_kept: Option<NodeId> = None;
    for (index, visit) in from_walk.iter().enumerate() {
        if to_ids.contains(&visit.node.id) {
            last_kept = Some(visit.node.id);
        } else {
            deleted_after.entry(last_kept).or_default().push(index);
        }
    }
    let deleted_entry = |index: usize| -> NodeRedline {
        let visit = &from_walk[index];
        let text = &visit.node.text;
        NodeRedline {
            node: visit.node.id,
            kind: visit.node.kind,
            depth: visit.depth,
            reference_from: reference(&from_refs, visit.node.id),
            reference_to: None,
            num_from: visit.node.num.clone(),
            num_to: None,
            status: NodeStatus::Deleted,
            renumbered: false,
            segments: if text.is_empty() {
                Vec::new()
            } else {
                vec![Segment {
                    kind: SegmentKind::Delete,
                    text: text.clone(),
                    attribution: Removals::through(from, visit.node.id, text, chain)
                        .of(text, 0..text.len()),
                }]
            },
            marks_from: visit.node.marks.clone(),
            marks_to: Vec::new(),
        }
    };

    let mut nodes = Vec::with_capacity(to_walk.len() + 4);
    for index in deleted_after.get(&None).into_iter().flatten() {
        nodes.push(deleted_entry(*index));
    }
    for visit in &to_walk {
        let id = visit.node.id;
        let target = &visit.node.text;
        let entry = match from_index.get(&id) {
            None => NodeRedline {
                node: id,
                kind: visit.node.kind,
                depth: visit.depth,
                reference_from: None,
                reference_to: reference(&to_refs, id),
                num_from: None,
                num_to: visit.node.num.clone(),
                status: NodeStatus::Inserted,
                renumbered: false,
                segments: if target.is_empty() {
                    Vec::new()
                } else {
                    vec![Segment {
                        kind: SegmentKind::Insert,
                        text: target.clone(),
                        attribution: added_by(target_blame, id, target, 0..target.len()),
                    }]
                },
                marks_from: Vec::new(),
                marks_to: visit.node.marks.clone(),
            },
            Some(&index) => {
                let before = from_walk[index].node;
                let source = &before.text;
                let segments = text_segments(from, id, source, target, chain);
                let status = if moved.contains(&id) {
                    NodeStatus::Moved
                } else if source != target {
                    NodeStatus::Changed
                } else {
                    NodeStatus::Unchanged
                };
                let (reference_from, reference_to) =
                    (reference(&from_refs, id), reference(&to_refs, id));
                let renumbered = match (&before.num, &visit.node.num) {
                    (None, None) => {
                        numbered_by_reference(visit.node.kind)
                            && own_number(reference_from.as_deref())
                                != own_number(reference_to.as_deref())
                    }
                    (num_from, num_to) => num_from != num_to,
                };
                NodeRedline {
                    node: id,
                    kind: visit.node.kind,
                    depth: visit.depth,
                    reference_from,
                    reference_to,
                    num_from: before.num.clone(),
                    num_to: visit.node.num.clone(),
                    status,
                    renumbered,
                    segments,
                    marks_from: before.marks.clone(),
                    marks_to: visit.node.marks.clone(),
                }
            }
        };
        nodes.push(entry);
        if from_index.contains_key(&id) {
            for index in deleted_after.get(&Some(id)).into_iter().flatten() {
                nodes.push(deleted_entry(*index));
            }
        }
    }
    Redline {
        document_title: to.title.clone(),
        nodes,
    }
}

/// Whether a node of this kind without a written number is known by its derived number
/// (`PP3`, `OP3`, `OP1.b`, `PG2`, `PG1.4`, `FN2`). Parts and plain paragraphs are not: their
/// `S`/`P` counters run through the whole document and number nothing the text shows, so every
/// insertion would "renumber" all that follow (the Basic Law's unnumbered paragraphs).
fn numbered_by_reference(kind: NodeKind) -> bool {
    !matches!(kind, NodeKind::Part | NodeKind::Paragraph)
}

/// The part of a derived reference that numbers the node itself among its siblings: `OP1.b`
/// gives `b`, `OP3` gives `OP3`.
fn own_number(reference: Option<&str>) -> Option<&str> {
    reference.map(|r| r.rsplit('.').next().unwrap_or(r))
}

/// Nodes kept in both versions that changed place: under another parent, or out of order among
/// the siblings they keep under the same parent (one longest run of them in the same order
/// stays; the others moved). Order is compared among siblings only, so a node whose parent
/// moved keeps its place under it, and siblings inserted or deleted around a node move nothing.
fn moved_nodes(from: &Document, to: &Document) -> HashSet<NodeId> {
    let parents = |d: &Document| -> HashMap<NodeId, Option<NodeId>> {
        d.walk()
            .into_iter()
            .map(|v| (v.node.id, v.parent.map(|p| p.id)))
            .collect()
    };
    let (from_parent, to_parent) = (parents(from), parents(to));
    // Siblings come in the walk in their order, so walk positions order them.
    let to_position: HashMap<NodeId, usize> = to
        .walk()
        .iter()
        .enumerate()
        .map(|(i, v)| (v.node.id, i))
        .collect();
    let mut moved = HashSet::new();
    // Per parent, the kept children in the source's order, with their target positions.
    let mut siblings: HashMap<Option<NodeId>, Vec<(NodeId, usize)>> = HashMap::new();
    for visit in from.walk() {
        let id = visit.node.id;
        let Some(&position) = to_position.get(&id) else {
            continue;
        };
        let parent = from_parent.get(&id).copied().flatten();
        if to_parent.get(&id).copied().flatten() != parent {
            moved.insert(id);
        } else {
            siblings.entry(parent).or_default().push((id, position));
        }
    }
    for kept in siblings.values() {
        let in_order = longest_increasing(&kept.iter().map(|k| k.1).collect::<Vec<_>>());
        for (index, (id, _)) in kept.iter().enumerate() {
            if !in_order.contains(&index) {
                moved.insert(*id);
            }
        }
    }
    moved
}

/// Indices of one longest strictly increasing subsequence (patience sorting, O(n log n)).
fn longest_increasing(values: &[usize]) -> HashSet<usize> {
    let mut tails: Vec<usize> = Vec::new();
    let mut previous: Vec<Option<usize>> = vec![None; values.len()];
    for (index, &value) in values.iter().enumerate() {
        let slot = tails.partition_point(|&t| values[t] < value);
        if slot > 0 {
            previous[index] = Some(tails[slot - 1]);
        }
        if slot == tails.len() {
            tails.push(index);
        } else {
            tails[slot] = index;
        }
    }
    let mut out = HashSet::new();
    let mut at = tails.last().copied();
    while let Some(index) = at {
        out.insert(index);
        at = previous[index];
    }
    out
}

/// The node `id` of `from` and its ancestors, nearest first: a change deleting any of them
/// deletes the node.
fn lineage(from: &Document, id: NodeId) -> Vec<NodeId> {
    let mut lineage = vec![id];
    let mut at = id;
    while let Some(Some(parent)) = from.parent_of(at) {
        lineage.push(parent);
        at = parent;
    }
    lineage
}

/// Who removed a node in `step` (where it is gone): the changes that deleted it or an ancestor;
/// the chair of that step when no change says so.
fn node_removal(lineage: &[NodeId], step: &Step<'_>) -> Vec<Origin> {
    let origins: Vec<Origin> = step
        .applied
        .iter()
        .filter(|a| a.text.is_none() && lineage.contains(&a.node))
        .map(|a| a.origin.clone())
        .collect();
    if origins.is_empty() {
        vec![Origin::Chair {
            round: step.round.to_string(),
        }]
    } else {
        dedup(origins)
    }
}

fn dedup(origins: Vec<Origin>) -> Vec<Origin> {
    let mut out: Vec<Origin> = Vec::new();
    for origin in origins {
        if !out.contains(&origin) {
            out.push(origin);
        }
    }
    out
}

/// The word-level segments from `source` to `target` of one node, attributed.
fn text_segments(
    from: &Document,
    id: NodeId,
    source: &str,
    target: &str,
    chain: &[Step<'_>],
) -> Vec<Segment> {
    let edits = exact_edits(source, target);
    if edits.is_empty() {
        return if source.is_empty() {
            Vec::new()
        } else {
            vec![Segment {
                kind: SegmentKind::Equal,
                text: source.to_string(),
                attribution: Vec::new(),
            }]
        };
    }
    let removals = Removals::through(from, id, source, chain);
    let target_blame = chain.last().map(|s| s.blame);
    let mut segments = Vec::with_capacity(edits.len() * 3 + 1);
    let mut at = 0;
    for edit in edits {
        if edit.old.start > at {
            segments.push(Segment {
                kind: SegmentKind::Equal,
                text: source[at..edit.old.start].to_string(),
                attribution: Vec::new(),
            });
        }
        if !edit.old.is_empty() {
            segments.push(Segment {
                kind: SegmentKind::Delete,
                text: source[edit.old.clone()].to_string(),
                attribution: removals.of(source, edit.old.clone()),
            });
        }
        if !edit.new.is_empty() {
            segments.push(Segment {
                kind: SegmentKind::Insert,
                text: target[edit.new.clone()].to_string(),
                attribution: added_by(target_blame, id, target, edit.new.clone()),
            });
        }
        at = edit.old.end;
    }
    if at < source.len() {
        segments.push(Segment {
            kind: SegmentKind::Equal,
            text: source[at..].to_string(),
            attribution: Vec::new(),
        });
    }
    segments
}

/// Who added the words of `target[range]` (node `id`'s text in the target), by the target's
/// provenance (see [`word_ranges`]); nobody without one.
fn added_by(
    target_blame: Option<&Blame>,
    id: NodeId,
    target: &str,
    range: std::ops::Range<usize>,
) -> Vec<Origin> {
    let Some(blame) = target_blame else {
        return Vec::new();
    };
    dedup(
        word_ranges(target, range)
            .into_iter()
            .flat_map(|words| blame.origins_in(id, words.start, words.end))
            .collect(),
    )
}

/// The byte ranges of the words (every token but spacing) of `text[range]`, or the whole range
/// when it holds only spacing. A span is credited to whoever changed its words: the spaces
/// around a word may have been removed or added by another step (the space left behind when an
/// earlier step replaced the word beside it), and crediting that step too would name a step that
/// touched none of the words shown.
fn word_ranges(text: &str, range: std::ops::Range<usize>) -> Vec<std::ops::Range<usize>> {
    let mut words = Vec::new();
    let mut at = range.start;
    for token in tokenize(&text[range.clone()]) {
        if !is_whitespace_token(token) {
            words.push(at..at + token.len());
        }
        at += token.len();
    }
    if words.is_empty() {
        words.push(range);
    }
    words
}

/// Who removed each byte of one node's text of the first version along a chain of steps.
struct Removals {
    /// Per byte, an index into `origins` (`None`: still there at the end, or never attributed).
    by: Vec<Option<usize>>,
    /// Each removal's origins (one per edit, so bytes share them instead of each holding a copy).
    origins: Vec<Vec<Origin>>,
}

impl Removals {
    /// Node `id`'s text `source` (in `from`, the first version) followed through `chain`: at
    /// each step the bytes still alive are mapped through the step's edits, and an edit over a
    /// byte removes it, credited to that edit's origin; when the node is gone, the bytes still
    /// alive are credited to the removal of the node (or of an ancestor).
    fn through(from: &Document, id: NodeId, source: &str, chain: &[Step<'_>]) -> Removals {
        let mut removals = Removals {
            by: vec![None; source.len()],
            origins: Vec::new(),
        };
        // Where each byte of the source sits in the current step's text (None once deleted).
        let mut position: Vec<Option<usize>> = (0..source.len()).map(Some).collect();
        let mut current = source.to_string();
        for step in chain {
            let Some(next) = step.document.find(id).map(|n: &Node| n.text.as_str()) else {
                let removal = removals.origins.len();
                removals
                    .origins
                    .push(node_removal(&lineage(from, id), step));
                for (byte, at) in position.iter_mut().enumerate() {
                    if at.take().is_some() {
                        removals.by[byte] = Some(removal);
                    }
                }
                break;
            };
            if next == current {
                continue;
            }
            let first_removal = removals.origins.len();
            let edits = step_edits(id, &current, next, step);
            // One pass: alive bytes' positions increase, and edits are sorted. An edit that ends
            // at or before a byte (a pure insertion at its position included) shifts it.
            let mut edit_index = 0;
            let mut shift: isize = 0;
            for (byte, at) in position.iter_mut().enumerate() {
                let Some(pos) = *at else { continue };
                while let Some((start, end, new_len, _)) = edits.get(edit_index)
                    && *end <= pos
                {
                    shift += *new_len as isize - (*end - *start) as isize;
                    edit_index += 1;
                }
                match edits.get(edit_index) {
                    Some((start, end, _, _)) if *start <= pos && pos < *end => {
                        *at = None;
                        removals.by[byte] = Some(first_removal + edit_index);
                    }
                    _ => *at = Some(pos.saturating_add_signed(shift)),
                }
            }
            removals
                .origins
                .extend(edits.into_iter().map(|(_, _, _, origin)| vec![origin]));
            current = next.to_string();
        }
        removals
    }

    /// Who removed the words of `source[range]` (see [`word_ranges`]), each once, in order.
    fn of(&self, source: &str, range: std::ops::Range<usize>) -> Vec<Origin> {
        let mut out: Vec<Origin> = Vec::new();
        let mut last = None;
        for words in word_ranges(source, range) {
            for removal in self.by[words].iter().flatten() {
                // Bytes of one edit follow each other: look at its origins once.
                if last.replace(*removal) == Some(*removal) {
                    continue;
                }
                for origin in &self.origins[*removal] {
                    if !out.contains(origin) {
                        out.push(origin.clone());
                    }
                }
            }
        }
        out
    }
}

/// The edits of one step on one node as (old start, old end, new length, origin), sorted:
/// the step's own word-level changes when they reproduce its text, a whole-node change's origin
/// over a word diff, or a word diff attributed to the chair.
fn step_edits(
    id: NodeId,
    current: &str,
    next: &str,
    step: &Step<'_>,
) -> Vec<(usize, usize, usize, Origin)> {
    let mut words: Vec<(usize, usize, &str, &Origin)> = step
        .applied
        .iter()
        .filter(|a| a.node == id)
        .filter_map(|a| match (&a.scope, &a.text) {
            (
                Scope::Words {
                    start_byte,
                    end_byte,
                    ..
                },
                Some(text),
            ) => Some((*start_byte, *end_byte, text.as_str(), &a.origin)),
            _ => None,
        })
        .collect();
    words.sort_by_key(|w| (w.0, w.1));
    let consistent = !words.is_empty()
        && words.windows(2).all(|w| w[0].1 <= w[1].0)
        && words.iter().all(|w| w.1 <= current.len())
        && splice(current, words.iter().map(|w| (w.0, w.1, w.2))) == next;
    if consistent {
        return words
            .into_iter()
            .map(|(s, e, t, o)| (s, e, t.len(), o.clone()))
            .collect();
    }
    // Text changed otherwise (a revision uploaded by hand, a whole-node rewrite): a word diff,
    // each edit attributed by what the step's provenance says of the text that replaced it,
    // else by a change of the step on that span, else to the chair of the step. Only origins of
    // this step count: a pure deletion replaces nothing, and the provenance at its place is the
    // neighbouring text's, which an earlier step wrote (the cause of deletions credited to the
    // upload that had inserted the text, not to the one that removed it).
    let chair = Origin::Chair {
        round: step.round.to_string(),
    };
    exact_edits(current, next)
        .into_iter()
        .map(|e| {
            let from_blame = (!e.new.is_empty())
                .then(|| {
                    step.blame
                        .origins_in(id, e.new.start, e.new.end)
                        .into_iter()
                        .find(|o| made_in(o, step.round))
                })
                .flatten();
            let from_change = || {
                step.applied
                    .iter()
                    .filter(|a| a.node == id)
                    .find(|a| match a.scope {
                        Scope::Words {
                            start_byte,
                            end_byte,
                            ..
                        } => start_byte <= e.old.end && e.old.start <= end_byte,
                        Scope::Node => true,
                        _ => false,
                    })
                    .map(|a| a.origin.clone())
            };
            let origin = from_blame
                .or_else(from_change)
                .unwrap_or_else(|| chair.clone());
            (e.old.start, e.old.end, e.new.len(), origin)
        })
        .collect()
}

/// Whether `origin` is text written in the step of round `round` (not kept from before it).
fn made_in(origin: &Origin, round: &str) -> bool {
    match origin {
        Origin::Accepted { round: r, .. } | Origin::Chair { round: r } => r == round,
        Origin::Base { .. } => false,
    }
}

impl Redline {
    /// The source text of every node present in the source, from Equal + Delete segments.
    pub fn source_texts(&self) -> Vec<(NodeId, String)> {
        self.texts(SegmentKind::Delete, NodeStatus::Inserted)
    }

    /// The target text of every node present in the target, from Equal + Insert segments.
    pub fn target_texts(&self) -> Vec<(NodeId, String)> {
        self.texts(SegmentKind::Insert, NodeStatus::Deleted)
    }

    fn texts(&self, side: SegmentKind, absent: NodeStatus) -> Vec<(NodeId, String)> {
        self.nodes
            .iter()
            .filter(|n| n.status != absent)
            .map(|n| {
                let text = n
                    .segments
                    .iter()
                    .filter(|s| s.kind == SegmentKind::Equal || s.kind == side)
                    .map(|s| s.text.as_str())
                    .collect();
                (n.node, text)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use penholder_core::IdSource;

    /// Node ids 0, 1, 2… (the same for every call).
    fn id(index: usize) -> NodeId {
        let mut source = IdSource::new(5, 1_700_000_000_000);
        (0..=index).map(|_| source.next_id()).last().expect("an id")
    }

    fn node(index: usize, kind: NodeKind, children: Vec<Node>) -> Node {
        Node::new(id(index), kind, format!("Text of node {index}.")).with_children(children)
    }

    fn numbered(index: usize, num: &str, children: Vec<Node>) -> Node {
        Node {
            num: Some(num.to_string()),
            ..node(index, NodeKind::Part, children)
        }
    }

    fn entry(redline: &Redline, index: usize) -> &NodeRedline {
        redline
            .nodes
            .iter()
            .find(|n| n.node == id(index))
            .expect("in the redline")
    }

    fn statuses(redline: &Redline) -> Vec<(usize, NodeStatus)> {
        redline
            .nodes
            .iter()
            .map(|n| ((0..20).find(|i| id(*i) == n.node).expect("known"), n.status))
            .collect()
    }

    /// Goal 1 with actions 2 and 3, goal 4 with action 5, operative 6.
    fn goals(order: [usize; 3]) -> Document {
        let goal = |index| match index {
            1 => node(
                1,
                NodeKind::Goal,
                vec![
                    node(2, NodeKind::Action, vec![]),
                    node(3, NodeKind::Action, vec![]),
                ],
            ),
            4 => node(4, NodeKind::Goal, vec![node(5, NodeKind::Action, vec![])]),
            _ => node(6, NodeKind::Operative, vec![]),
        };
        Document::new("D", order.iter().map(|&i| goal(i)).collect())
    }

    #[test]
    fn a_node_whose_parent_moved_is_not_moved() {
        let red = redline(&goals([1, 4, 6]), &goals([4, 6, 1]), &[]);
        // Goal 1 left the run of its siblings in order; its actions kept their place under it.
        assert_eq!(
            statuses(&red),
            [
                (4, NodeStatus::Unchanged),
                (5, NodeStatus::Unchanged),
                (6, NodeStatus::Unchanged),
                (1, NodeStatus::Moved),
                (2, NodeStatus::Unchanged),
                (3, NodeStatus::Unchanged),
            ]
        );
        // Its actions' references changed with their goal's number, not their own numbers.
        let action = entry(&red, 2);
        assert_eq!(action.reference_from.as_deref(), Some("PG1.1"));
        assert_eq!(action.reference_to.as_deref(), Some("PG2.1"));
        assert!(!action.renumbered);
        assert!(entry(&red, 1).renumbered && entry(&red, 4).renumbered);
    }

    #[test]
    fn siblings_inserted_or_deleted_around_a_node_do_not_move_it() {
        let from = goals([1, 4, 6]);
        let mut to = goals([1, 4, 6]);
        to.nodes.insert(0, node(7, NodeKind::Preambular, vec![]));
        to.nodes[1]
            .children
            .insert(0, node(8, NodeKind::Action, vec![]));
        to.nodes[2].children.clear();
        let red = redline(&from, &to, &[]);
        assert!(
            red.nodes.iter().all(|n| n.status != NodeStatus::Moved),
            "{:?}",
            statuses(&red)
        );
        // Action 2 is now PG1.2: renumbered, not moved.
        let action = entry(&red, 2);
        assert_eq!(
            (
                action.reference_from.as_deref(),
                action.reference_to.as_deref()
            ),
            (Some("PG1.1"), Some("PG1.2"))
        );
        assert!(action.renumbered);
        assert!(!entry(&red, 6).renumbered, "OP1 stays OP1");
    }

    #[test]
    fn a_true_reorder_among_siblings_and_a_new_parent_are_moves() {
        let from = Document::new(
            "D",
            vec![
                node(
                    1,
                    NodeKind::Operative,
                    vec![
                        node(2, NodeKind::Item, vec![]),
                        node(3, NodeKind::Item, vec![]),
                        node(4, NodeKind::Item, vec![]),
                    ],
                ),
                node(5, NodeKind::Operative, vec![]),
            ],
        );
        let to = Document::new(
            "D",
            vec![
                node(
                    1,
                    NodeKind::Operative,
                    vec![
                        node(3, NodeKind::Item, vec![]),
                        node(4, NodeKind::Item, vec![]),
                        node(2, NodeKind::Item, vec![]),
                    ],
                ),
                node(
                    5,
                    NodeKind::Operative,
                    vec![node(6, NodeKind::Item, vec![])],
                ),
            ],
        );
        let mut to_moved_item = to.clone();
        let item = to_moved_item.nodes[0].children.remove(0);
        to_moved_item.nodes[1].children.push(item);
        let red = redline(&from, &to, &[]);
        assert_eq!(entry(&red, 2).status, NodeStatus::Moved);
        assert_eq!(entry(&red, 3).status, NodeStatus::Unchanged);
        assert_eq!(entry(&red, 4).status, NodeStatus::Unchanged);
        assert!(entry(&red, 2).renumbered && entry(&red, 3).renumbered);
        // Item 3 now under OP2: moved, whatever its order there.
        let red = redline(&from, &to_moved_item, &[]);
        assert_eq!(entry(&red, 3).status, NodeStatus::Moved);
        assert_eq!(entry(&red, 4).status, NodeStatus::Unchanged);
    }

    #[test]
    fn a_written_number_that_changes_is_a_renumbering_and_kept_numbers_are_not() {
        // Art 21 (3) becomes (5); Art 22 comes before Art 23 (the
        // written number unchanged, its derived reference S3 → S4); (3)'s text changed too.
        let from = Document::new(
            "Law",
            vec![
                numbered(1, "Art 21", vec![numbered(2, "(3)", vec![])]),
                numbered(3, "Art 23", vec![node(6, NodeKind::Paragraph, vec![])]),
            ],
        );
        let mut to = Document::new(
            "Law",
            vec![
                numbered(1, "Art 21", vec![numbered(2, "(5)", vec![])]),
                numbered(4, "Art 22", vec![node(7, NodeKind::Paragraph, vec![])]),
                numbered(3, "Art 23", vec![node(6, NodeKind::Paragraph, vec![])]),
            ],
        );
        to.nodes[0].children[0].text = "Text of node 2, amended.".into();
        let red = redline(&from, &to, &[]);
        let paragraph = entry(&red, 2);
        assert_eq!(
            (paragraph.num_from.as_deref(), paragraph.num_to.as_deref()),
            (Some("(3)"), Some("(5)"))
        );
        assert!(paragraph.renumbered);
        assert_eq!(paragraph.status, NodeStatus::Changed);
        assert!(paragraph.text_changed());
        let article = entry(&red, 3);
        assert_eq!(
            (
                article.reference_from.as_deref(),
                article.reference_to.as_deref()
            ),
            (Some("S3"), Some("S4"))
        );
        assert!(!article.renumbered, "Art 23 is still Art 23");
        assert_eq!(article.status, NodeStatus::Unchanged);
        // A plain paragraph without a number: its P counter moves, it is not renumbered.
        let plain = entry(&red, 6);
        assert_eq!(
            (
                plain.reference_from.as_deref(),
                plain.reference_to.as_deref()
            ),
            (Some("P1"), Some("P2"))
        );
        assert!(!plain.renumbered);
        let new = entry(&red, 4);
        assert_eq!(
            (
                new.num_from.as_deref(),
                new.num_to.as_deref(),
                new.renumbered
            ),
            (None, Some("Art 22"), false)
        );
        // In JSON the facts are fields of their own, left out when empty; a redline written
        // before them still reads.
        let json = serde_json::to_value(paragraph).expect("json");
        assert_eq!(json["num_from"], "(3)");
        assert_eq!(json["num_to"], "(5)");
        assert_eq!(json["renumbered"], true);
        let mut older = serde_json::to_value(article).expect("json");
        assert!(older.get("renumbered").is_none());
        let fields = older.as_object_mut().expect("an object");
        fields.remove("num_from");
        fields.remove("num_to");
        let read: NodeRedline = serde_json::from_value(older).expect("reads");
        assert_eq!((read.num_from, read.renumbered), (None, false));
    }
}
