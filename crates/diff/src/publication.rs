//! The last check before a consolidated version is published: nothing disappears without
//! showing, and nothing disappears that no decision removed.
//!
//! [`check_publication`] computes the redline from the base version to the new one (through the
//! consolidation step, for attribution) and refuses the new version when:
//! - the redline omits base text: some node of the base is missing from it, or its kept and
//!   deleted segments do not spell the base text exactly ([`SilentDeletion::Omitted`]);
//! - the redline misstates the new text ([`SilentDeletion::Misstated`]);
//! - a node's text changed, or a node vanished, without an applied change that explains it:
//!   the node's word-level changes spliced into the base text must give the new text exactly, or
//!   a whole-node change must give it, and a deleted node must be deleted by an applied change on
//!   it or on an ancestor ([`SilentDeletion::Unexplained`]);
//! - a deletion is attributed to anyone but the changes applied to that node (or the ancestor
//!   that took it with it): a delegation whose proposal was not applied there, or the chair where
//!   no wording of the chair was applied ([`SilentDeletion::Misattributed`]).
//!
//! A deletion the redline cannot attribute to one change is accepted when the node's text is
//! explained as a whole: word diffs of repeated words may place a deletion one repetition away
//! from the change that made it.

use crate::hunk::splice;
use crate::model::*;
use crate::redline::redline;
use penholder_core::{Document, NodeId};
use std::collections::{HashMap, HashSet};

/// Why a consolidated version may not be published.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SilentDeletion {
    #[error(
        "the redline omits text of node {node}: it shows {shown:?} where the base has {base:?}"
    )]
    Omitted {
        node: NodeId,
        base: String,
        shown: String,
    },
    #[error(
        "the redline misstates node {node}: it shows {shown:?} where the new text has {text:?}"
    )]
    Misstated {
        node: NodeId,
        text: String,
        shown: String,
    },
    #[error("node {node} changed from {base:?} to {text:?} (deleted: {text_is_none}) without an applied change that does so", text_is_none = text.is_none())]
    Unexplained {
        node: NodeId,
        base: String,
        text: Option<String>,
    },
    #[error(
        "the deletion of {deleted:?} in node {node} is attributed to {origins:?}, not to a change applied there"
    )]
    Misattributed {
        node: NodeId,
        deleted: String,
        origins: Vec<Origin>,
    },
}

/// Checks that `step` (a consolidation of `base`) deletes nothing silently; see the module
/// documentation. Returns the redline from `base` to the step's document.
pub fn check_publication(base: &Document, step: &Step<'_>) -> Result<Redline, SilentDeletion> {
    let next = step.document;
    let redline = redline(base, next, std::slice::from_ref(step));

    // 1. Every base node is in the redline, its text spelled whole by kept and deleted words.
    let shown_source: HashMap<NodeId, String> = redline.source_texts().into_iter().collect();
    for visit in base.walk() {
        let shown = shown_source.get(&visit.node.id);
        if shown != Some(&visit.node.text) {
            return Err(SilentDeletion::Omitted {
                node: visit.node.id,
                base: visit.node.text.clone(),
                shown: shown.cloned().unwrap_or_default(),
            });
        }
    }
    // 2. And it says what the new text is.
    let shown_target: HashMap<NodeId, String> = redline.target_texts().into_iter().collect();
    for visit in next.walk() {
        let shown = shown_target.get(&visit.node.id);
        if shown != Some(&visit.node.text) {
            return Err(SilentDeletion::Misstated {
                node: visit.node.id,
                text: visit.node.text.clone(),
                shown: shown.cloned().unwrap_or_default(),
            });
        }
    }

    // 3. Every difference is explained by the changes applied.
    let mut applied_on: HashMap<NodeId, Vec<&AppliedChange>> = HashMap::new();
    for change in step.applied {
        applied_on.entry(change.node).or_default().push(change);
    }
    let next_ids: HashSet<NodeId> = next.walk().iter().map(|v| v.node.id).collect();
    for visit in base.walk() {
        let id = visit.node.id;
        let changes = applied_on.get(&id).map(Vec::as_slice).unwrap_or(&[]);
        let explained = match next.find(id) {
            None => lineage(base, id)
                .iter()
                .any(|node| deletes(applied_on.get(node).map(Vec::as_slice).unwrap_or(&[]))),
            Some(found) => explains(&visit.node.text, &found.text, changes),
        };
        if !explained {
            return Err(SilentDeletion::Unexplained {
                node: id,
                base: visit.node.text.clone(),
                text: next.find(id).map(|n| n.text.clone()),
            });
        }
    }

    // 4. Every deletion is attributed to what was applied there.
    for entry in &redline.nodes {
        let allowed: HashSet<&Origin> = if next_ids.contains(&entry.node) {
            applied_on
                .get(&entry.node)
                .into_iter()
                .flatten()
                .map(|c| &c.origin)
                .collect()
        } else {
            lineage(base, entry.node)
                .iter()
                .flat_map(|node| applied_on.get(node).into_iter().flatten())
                .filter(|c| c.text.is_none())
                .map(|c| &c.origin)
                .collect()
        };
        for segment in &entry.segments {
            if segment.kind != SegmentKind::Delete {
                continue;
            }
            if segment.attribution.iter().any(|o| !allowed.contains(o)) {
                return Err(SilentDeletion::Misattributed {
                    node: entry.node,
                    deleted: segment.text.clone(),
                    origins: segment.attribution.clone(),
                });
            }
        }
    }
    Ok(redline)
}

/// The node and its ancestors in `document`, nearest first.
fn lineage(document: &Document, id: NodeId) -> Vec<NodeId> {
    let mut out = vec![id];
    let mut at = id;
    while let Some(Some(parent)) = document.parent_of(at) {
        out.push(parent);
        at = parent;
    }
    out
}

/// Whether one of these changes deletes its node.
fn deletes(changes: &[&AppliedChange]) -> bool {
    changes
        .iter()
        .any(|c| c.text.is_none() && matches!(c.scope, Scope::Node))
}

/// Whether the applied changes on a node turn `base` into `next`: unchanged with none that
/// alters it, one whole-node change giving `next`, or word-level changes spliced into `base`.
fn explains(base: &str, next: &str, changes: &[&AppliedChange]) -> bool {
    if let Some(whole) = changes.iter().find(|c| matches!(c.scope, Scope::Node)) {
        return whole.text.as_deref() == Some(next);
    }
    let mut words: Vec<(usize, usize, &str)> = changes
        .iter()
        .filter_map(|c| match c.scope {
            Scope::Words {
                start_byte,
                end_byte,
                ..
            } => Some((start_byte, end_byte, c.text.as_deref().unwrap_or_default())),
            _ => None,
        })
        .collect();
    if words.is_empty() {
        return base == next;
    }
    words.sort_by_key(|w| (w.0, w.1));
    let fits = words.windows(2).all(|w| w[0].1 <= w[1].0)
        && words
            .iter()
            .all(|w| w.1 <= base.len() && base.is_char_boundary(w.0) && base.is_char_boundary(w.1));
    fits && splice(base, words.iter().copied()) == next
}

#[cfg(test)]
mod tests {
    use super::*;
    use penholder_core::{IdSource, Node, NodeKind};

    /// Node ids 0, 1, 2… (the same for every call).
    fn id(index: usize) -> NodeId {
        let mut source = IdSource::new(7, 1_700_000_000_000);
        (0..=index).map(|_| source.next_id()).last().expect("an id")
    }

    fn document(texts: &[(usize, &str)]) -> Document {
        Document::new(
            "Declaration",
            texts
                .iter()
                .map(|(index, text)| Node::new(id(*index), NodeKind::Paragraph, *text))
                .collect(),
        )
    }

    fn accepted(delegation: &str) -> Origin {
        Origin::Accepted {
            round: "R1".into(),
            delegations: vec![delegation.into()],
        }
    }

    fn words_change(
        node: usize,
        start: usize,
        end: usize,
        base: &str,
        text: &str,
    ) -> AppliedChange {
        AppliedChange {
            change: format!("c{node}-{start}"),
            node: id(node),
            scope: Scope::Words {
                start_token: 0,
                end_token: 0,
                start_byte: start,
                end_byte: end,
            },
            alternative: Some("a".into()),
            base_text: base.into(),
            text: Some(text.into()),
            origin: accepted("FR"),
        }
    }

    fn step<'a>(next: &'a Document, blame: &'a Blame, applied: &'a [AppliedChange]) -> Step<'a> {
        Step {
            round: "R1",
            document: next,
            blame,
            applied,
        }
    }

    #[test]
    fn an_applied_deletion_passes_and_is_attributed() {
        let base = document(&[(1, "We will act swiftly together."), (2, "Second.")]);
        let next = document(&[(1, "We will act together."), (2, "Second.")]);
        let applied = vec![words_change(1, 11, 19, " swiftly", "")];
        let blame = Blame::initial(&next, 2);
        let redline = check_publication(&base, &step(&next, &blame, &applied)).expect("explained");
        let deleted: Vec<&Segment> = redline
            .nodes
            .iter()
            .flat_map(|n| &n.segments)
            .filter(|s| s.kind == SegmentKind::Delete)
            .collect();
        assert_eq!(deleted.len(), 1);
        assert_eq!(deleted[0].attribution, vec![accepted("FR")]);
    }

    #[test]
    fn text_gone_without_a_change_is_refused() {
        let base = document(&[(1, "We will act swiftly together."), (2, "Second.")]);
        // "together" vanished; only "swiftly" was decided.
        let next = document(&[(1, "We will act."), (2, "Second.")]);
        let applied = vec![words_change(1, 11, 19, " swiftly", "")];
        let blame = Blame::initial(&next, 2);
        let refused = check_publication(&base, &step(&next, &blame, &applied));
        assert!(
            matches!(&refused, Err(SilentDeletion::Unexplained { node, .. }) if *node == id(1)),
            "{refused:?}"
        );
    }

    #[test]
    fn a_node_gone_without_a_change_is_refused() {
        let base = document(&[(1, "First."), (2, "Second.")]);
        let next = document(&[(1, "First.")]);
        let blame = Blame::initial(&next, 2);
        let refused = check_publication(&base, &step(&next, &blame, &[]));
        assert!(
            matches!(&refused, Err(SilentDeletion::Unexplained { node, text: None, .. }) if *node == id(2)),
            "{refused:?}"
        );
        let deletion = AppliedChange {
            change: "d2".into(),
            node: id(2),
            scope: Scope::Node,
            alternative: Some("a".into()),
            base_text: "Second.".into(),
            text: None,
            origin: accepted("DE"),
        };
        let applied = [deletion];
        let redline = check_publication(&base, &step(&next, &blame, &applied)).expect("explained");
        let entry = redline
            .nodes
            .iter()
            .find(|n| n.node == id(2))
            .expect("shown");
        assert_eq!(entry.status, NodeStatus::Deleted);
        assert_eq!(entry.segments[0].attribution, vec![accepted("DE")]);
    }

    #[test]
    fn a_change_applied_elsewhere_does_not_explain_a_deletion() {
        let base = document(&[(1, "Alpha beta."), (2, "Gamma delta.")]);
        let next = document(&[(1, "Alpha."), (2, "Gamma.")]);
        // Only node 1's change was applied; node 2 lost " delta" all the same.
        let applied = vec![words_change(1, 5, 10, " beta", "")];
        let blame = Blame::initial(&next, 2);
        let refused = check_publication(&base, &step(&next, &blame, &applied));
        assert!(
            matches!(&refused, Err(SilentDeletion::Unexplained { node, .. }) if *node == id(2)),
            "{refused:?}"
        );
    }
}
