//! A redline narrowed to the changes some delegations proposed or supported.
//!
//! The rule: an insertion or deletion is kept when one of its origins is a change accepted
//! with one of the given delegations among its proposers (`Origin::Accepted`); every other
//! insertion reads as plain text of the target and every other deletion is left out, so the
//! narrowed redline still gives the target text exactly (Equal + Insert segments) and marks
//! only those delegations' changes. A node keeps its status when it keeps a marked change
//! (a node inserted or deleted by them), else it reads as unchanged (a deleted node nobody of
//! them asked to delete is left out altogether, as its text is not in the target). Moves and
//! renumberings are not attributed to anyone, so they are not theirs to show: a moved node
//! reads as changed or unchanged by its kept segments.

use crate::model::{NodeRedline, NodeStatus, Origin, Redline, Segment, SegmentKind};

/// The redline with only the changes proposed or supported by one of `delegations` marked
/// (see the module docs). `delegations` is the expanded set the caller means (a group and its
/// members, for instance): the filter matches codes exactly.
pub fn only_by(redline: Redline, delegations: &[String]) -> Redline {
    let theirs = |segment: &Segment| {
        segment.attribution.iter().any(|origin| match origin {
            Origin::Accepted {
                delegations: proposers,
                ..
            } => proposers.iter().any(|p| delegations.contains(p)),
            _ => false,
        })
    };
    let nodes = redline
        .nodes
        .into_iter()
        .filter_map(|node| narrow(node, &theirs))
        .collect();
    Redline {
        document_title: redline.document_title,
        nodes,
    }
}

fn narrow(mut node: NodeRedline, theirs: &impl Fn(&Segment) -> bool) -> Option<NodeRedline> {
    let mut kept_change = false;
    let mut segments: Vec<Segment> = Vec::with_capacity(node.segments.len());
    // How the source text (Equal + Delete) changes: deletions left out leave it, insertions
    // read as plain text join it; the source's marks move with it (none on what joins).
    let mut source_at = 0;
    let mut source_pieces = Vec::new();
    for segment in node.segments {
        let segment = match segment.kind {
            SegmentKind::Equal => {
                source_at += segment.text.len();
                segment
            }
            _ if theirs(&segment) => {
                kept_change = true;
                if segment.kind == SegmentKind::Delete {
                    source_at += segment.text.len();
                }
                segment
            }
            SegmentKind::Insert => {
                source_pieces.push((source_at, source_at, segment.text.len()));
                Segment {
                    kind: SegmentKind::Equal,
                    text: segment.text,
                    attribution: Vec::new(),
                }
            }
            SegmentKind::Delete => {
                source_pieces.push((source_at, source_at + segment.text.len(), 0));
                source_at += segment.text.len();
                continue;
            }
        };
        // Neighbouring plain text reads as one segment, as the redline writes it.
        match segments.last_mut() {
            Some(last) if last.kind == SegmentKind::Equal && segment.kind == SegmentKind::Equal => {
                last.text.push_str(&segment.text)
            }
            _ => segments.push(segment),
        }
    }
    node.segments = segments;
    if !source_pieces.is_empty() {
        node.marks_from = penholder_core::splice_marks(&node.marks_from, source_pieces);
    }
    node.status = match node.status {
        NodeStatus::Deleted if !kept_change => return None,
        NodeStatus::Deleted | NodeStatus::Inserted if kept_change => node.status,
        NodeStatus::Inserted | NodeStatus::Unchanged => NodeStatus::Unchanged,
        _ if kept_change => NodeStatus::Changed,
        _ => NodeStatus::Unchanged,
    };
    if node.status == NodeStatus::Unchanged {
        // An unchanged node has one plain segment, or none for an empty text.
        node.segments.retain(|s| !s.text.is_empty());
    }
    Some(node)
}

#[cfg(test)]
mod tests {
    use super::*;
    use penholder_core::{IdSource, NodeKind};

    fn segment(kind: SegmentKind, text: &str, by: &[&str]) -> Segment {
        Segment {
            kind,
            text: text.into(),
            attribution: if by.is_empty() {
                Vec::new()
            } else {
                vec![Origin::Accepted {
                    round: "Round 1".into(),
                    delegations: by.iter().map(|d| d.to_string()).collect(),
                }]
            },
        }
    }

    fn node(status: NodeStatus, segments: Vec<Segment>) -> NodeRedline {
        NodeRedline {
            node: IdSource::new(1, 0).next_id(),
            kind: NodeKind::Operative,
            depth: 0,
            reference_from: Some("OP1".into()),
            reference_to: Some("OP1".into()),
            num_from: None,
            num_to: None,
            status,
            renumbered: false,
            segments,
            marks_from: Vec::new(),
            marks_to: Vec::new(),
        }
    }

    fn target(node: &NodeRedline) -> String {
        node.segments
            .iter()
            .filter(|s| s.kind != SegmentKind::Delete)
            .map(|s| s.text.as_str())
            .collect()
    }

    #[test]
    fn only_their_changes_stay_marked_and_the_target_text_is_whole() {
        use SegmentKind::*;
        let redline = Redline {
            document_title: "Declaration".into(),
            nodes: vec![
                node(
                    NodeStatus::Changed,
                    vec![
                        segment(Equal, "States ", &[]),
                        segment(Delete, "shall", &["HU", "FR"]),
                        segment(Insert, "should", &["HU", "FR"]),
                        segment(Equal, " cooperate", &[]),
                        segment(Insert, " fully", &["AT"]),
                        segment(Delete, " now", &["AT"]),
                        segment(Equal, ".", &[]),
                    ],
                ),
                node(NodeStatus::Inserted, vec![segment(Insert, "New.", &["AT"])]),
                node(NodeStatus::Deleted, vec![segment(Delete, "Old.", &["AT"])]),
                node(NodeStatus::Deleted, vec![segment(Delete, "Gone.", &["FR"])]),
            ],
        };
        let before: Vec<String> = redline.nodes.iter().map(target).collect();
        let narrowed = only_by(redline, &["FR".to_string()]);
        let after: Vec<String> = narrowed.nodes.iter().map(target).collect();
        assert_eq!(
            after,
            [before[0].clone(), before[1].clone(), before[3].clone()]
        );
        let first = &narrowed.nodes[0];
        assert_eq!(first.status, NodeStatus::Changed);
        assert_eq!(
            first
                .segments
                .iter()
                .map(|s| (s.kind, s.text.as_str()))
                .collect::<Vec<_>>(),
            [
                (Equal, "States "),
                (Delete, "shall"),
                (Insert, "should"),
                (Equal, " cooperate fully."),
            ]
        );
        assert_eq!(narrowed.nodes[1].status, NodeStatus::Unchanged);
        assert_eq!(narrowed.nodes[2].status, NodeStatus::Deleted);
        assert_eq!(
            only_by(narrowed, &["SE".to_string()])
                .nodes
                .iter()
                .map(|n| n.status)
                .collect::<Vec<_>>(),
            [NodeStatus::Unchanged, NodeStatus::Unchanged]
        );
    }
}
