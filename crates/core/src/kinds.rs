//! Kinds across a revision: a revised text read from plain Markdown or plain text says less
//! about its paragraphs than the version it revises (every paragraph is a plain
//! [`NodeKind::Paragraph`], every heading a [`NodeKind::Part`], every list entry an
//! [`NodeKind::Item`]). References are derived from kinds (`PP3`, `OP2`, `PG1.4`), so a revised
//! upload that kept those generic kinds would turn `PP1`…`OP5` into `P1`…`P9`, and every
//! reference in the next round's submissions would change meaning. [`carry_kinds`] gives such
//! nodes back the kinds they had.

use crate::{Document, Node, NodeId, NodeKind};
use std::collections::HashMap;

/// Whether an importer gives this kind when the text does not say more (a heading, a
/// paragraph, a list entry). The other kinds are only ever given when the source says them.
pub fn is_generic(kind: NodeKind) -> bool {
    matches!(kind, NodeKind::Paragraph | NodeKind::Part | NodeKind::Item)
}

/// Gives the nodes of `revised` whose kind is generic (see [`is_generic`]) the kinds of the
/// version they revise. `revised` is the revised text after alignment with `previous`;
/// `counterpart` names, for a node of `revised`, the previous node it is *matched* to (the one
/// whose id it kept, or the one it was split from); a node without one is *new*.
///
/// The rule, applied in this order:
/// 1. a matched node of a generic kind takes the kind of the previous node it is matched to
///    (a paragraph matched to `OP3` is operative; a heading matched to `PG2` is a goal). A
///    node whose kind is not generic said its kind, and keeps it;
/// 2. a new node of a generic kind whose nearest siblings on either side (footnotes and other
///    new generic nodes passed over) have one kind takes that kind: a new paragraph between
///    `OP3` and `OP4`, or after the last operative paragraph, is operative. Siblings of two
///    different kinds (between the last `PP` and the first `OP`) leave it as it is;
/// 3. a matched node of a generic kind, or a new one that took a kind by rule 2, drops a
///    number written out in front of its text (`3.`, `(b)`, `iv)`) when the previous version
///    numbers it itself (the previous node had no verbatim number; for a new node, neither
///    have its siblings of that kind): the plain text only wrote down the number penholder
///    derives, and keeping it verbatim would freeze it when the text is renumbered.
///
/// Nesting, texts and ids are left as they are.
pub fn carry_kinds(
    previous: &Document,
    revised: &mut Document,
    counterpart: impl Fn(NodeId) -> Option<NodeId>,
) {
    let before: HashMap<NodeId, (NodeKind, bool)> = previous
        .walk()
        .into_iter()
        .map(|visit| (visit.node.id, (visit.node.kind, visit.node.num.is_some())))
        .collect();
    let before = |id: NodeId| counterpart(id).and_then(|previous| before.get(&previous).copied());
    carry_in(&mut revised.nodes, &before);
}

fn carry_in(siblings: &mut [Node], before: &impl Fn(NodeId) -> Option<(NodeKind, bool)>) {
    // Rule 1 first, over all siblings, so that rule 2 sees the kinds matched nodes end with.
    let mut inferable = vec![false; siblings.len()];
    for (index, node) in siblings.iter_mut().enumerate() {
        if !is_generic(node.kind) {
            continue;
        }
        match before(node.id) {
            Some((kind, had_num)) => {
                node.kind = kind;
                if !had_num {
                    drop_written_out_number(node);
                }
            }
            None => inferable[index] = true,
        }
    }
    // Rule 2: the kind of the nearest siblings that are neither footnotes nor still unknown.
    let known = |index: usize, node: &Node| !inferable[index] && node.kind != NodeKind::Footnote;
    let mut inferred = Vec::new();
    for (index, node) in siblings.iter().enumerate() {
        if !inferable[index] || node.kind == NodeKind::Footnote {
            continue;
        }
        let left = siblings[..index]
            .iter()
            .enumerate()
            .rev()
            .find(|&(i, n)| known(i, n))
            .map(|(_, n)| n);
        let right = siblings[index + 1..]
            .iter()
            .enumerate()
            .find(|&(i, n)| known(index + 1 + i, n))
            .map(|(_, n)| n);
        let kind = match (left, right) {
            (Some(l), Some(r)) if l.kind == r.kind => l.kind,
            (Some(only), None) | (None, Some(only)) => only.kind,
            _ => continue,
        };
        if kind == node.kind {
            continue;
        }
        let derived_numbers = siblings
            .iter()
            .enumerate()
            .filter(|&(i, n)| !inferable[i] && n.kind == kind)
            .all(|(_, n)| n.num.is_none());
        inferred.push((index, kind, derived_numbers));
    }
    for (index, kind, derived_numbers) in inferred {
        let node = &mut siblings[index];
        node.kind = kind;
        if derived_numbers {
            drop_written_out_number(node);
        }
    }
    for node in siblings {
        carry_in(&mut node.children, before);
    }
}

/// Drops the node's number if it is one a list or a numbered paragraph writes out (`3.`,
/// `12)`, `(4)`, `(b)`, `b.`, `iv)`), not a name such as `Art 93` or `4bis.`.
fn drop_written_out_number(node: &mut Node) {
    if node.num.as_deref().is_some_and(is_written_out_number) {
        node.num = None;
    }
}

fn is_written_out_number(num: &str) -> bool {
    let inner = match num.strip_prefix('(') {
        Some(rest) => match rest.strip_suffix(')') {
            Some(inner) => inner,
            None => return false,
        },
        None => match num.strip_suffix(['.', ')']) {
            Some(inner) => inner,
            None => return false,
        },
    };
    let digits = !inner.is_empty() && inner.len() <= 3 && inner.bytes().all(|b| b.is_ascii_digit());
    let letters =
        !inner.is_empty() && inner.len() <= 4 && inner.bytes().all(|b| b.is_ascii_lowercase());
    digits || letters
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IdSource, References};

    fn refs(document: &Document) -> Vec<String> {
        References::of(document)
            .in_order()
            .iter()
            .map(|(_, r)| r.0.clone())
            .collect()
    }

    #[test]
    fn matched_paragraphs_take_their_kinds_and_new_ones_their_neighbours() {
        let mut ids = IdSource::new(1, 0);
        let mut node = |kind, text: &str| Node::new(ids.next_id(), kind, text);
        let opening = node(NodeKind::Paragraph, "WE, the Ministers");
        let pp1 = node(NodeKind::Preambular, "Recognising");
        let pp2 = node(NodeKind::Preambular, "Acknowledging");
        let item = node(NodeKind::Item, "prevent");
        let op1 = node(NodeKind::Operative, "Adopt:").with_children(vec![item.clone()]);
        let op2 = node(NodeKind::Operative, "Decide");
        let previous = Document::new(
            "D",
            vec![
                opening.clone(),
                pp1.clone(),
                pp2.clone(),
                op1.clone(),
                op2.clone(),
            ],
        );
        // The same text read from plain text: paragraphs, the operative ones numbered, and a
        // new paragraph after each of the two operative ones.
        let plain = |n: &Node, num: Option<&str>| {
            let mut p = Node::new(n.id, NodeKind::Paragraph, n.text.clone());
            p.num = num.map(str::to_string);
            p
        };
        let mut new_op = Node::new(ids.next_id(), NodeKind::Paragraph, "Welcome");
        new_op.num = Some("2.".into());
        let mut last = Node::new(ids.next_id(), NodeKind::Paragraph, "Invite");
        last.num = Some("4.".into());
        let mut revised = Document::new(
            "D",
            vec![
                plain(&opening, None),
                plain(&pp1, None),
                plain(&pp2, None),
                plain(&op1, Some("1.")).with_children(vec![
                    Node::new(item.id, NodeKind::Item, "prevent").with_num("(a)"),
                ]),
                new_op,
                plain(&op2, Some("3.")),
                last,
            ],
        );
        carry_kinds(&previous, &mut revised, Some);
        assert_eq!(
            refs(&revised),
            ["P1", "PP1", "PP2", "OP1", "OP1.a", "OP2", "OP3", "OP4"]
        );
        assert!(revised.walk().iter().all(|v| v.node.num.is_none()));
    }

    #[test]
    fn said_kinds_and_names_stay_and_mixed_neighbours_decide_nothing() {
        let mut ids = IdSource::new(2, 0);
        let pp = Node::new(ids.next_id(), NodeKind::Preambular, "Recalling");
        let op = Node::new(ids.next_id(), NodeKind::Operative, "Decides");
        let goal = Node::new(ids.next_id(), NodeKind::Goal, "Protect");
        let previous = Document::new("D", vec![pp.clone(), op.clone(), goal.clone()]);
        let mut revised = Document::new(
            "D",
            vec![
                Node::new(pp.id, NodeKind::Paragraph, "Recalling"),
                Node::new(ids.next_id(), NodeKind::Paragraph, "Noting").with_num("1."),
                // An operative paragraph the text says is preambular stays so.
                Node::new(op.id, NodeKind::Preambular, "Decides"),
                Node::new(goal.id, NodeKind::Part, "Protect").with_num("Art 93"),
            ],
        );
        carry_kinds(&previous, &mut revised, Some);
        let kinds: Vec<_> = revised.nodes.iter().map(|n| n.kind).collect();
        assert_eq!(
            kinds,
            [
                NodeKind::Preambular,
                NodeKind::Preambular,
                NodeKind::Preambular,
                NodeKind::Goal
            ]
        );
        // Between two preambular paragraphs, a new one is preambular, its `1.` dropped; a name
        // such as `Art 93` is kept.
        assert_eq!(revised.nodes[1].num, None);
        assert_eq!(revised.nodes[3].num.as_deref(), Some("Art 93"));
    }

    #[test]
    fn written_out_numbers() {
        for num in ["3.", "12)", "(4)", "(b)", "b.", "iv)"] {
            assert!(is_written_out_number(num), "{num}");
        }
        for num in ["Art 93", "4bis.", "§ 5", "(", "", "1", "[^1]"] {
            assert!(!is_written_out_number(num), "{num}");
        }
    }
}
