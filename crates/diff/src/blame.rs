//! Provenance: which version, round, delegations or chair every byte of a version comes from.
//!
//! A [`Blame`] maps every node to spans that tile its text exactly. It starts as
//! [`Blame::initial`] (everything from the first version) and is carried forward by each
//! consolidation: kept text keeps its origin, replaced text gets the origin of the change that
//! replaced it.

use crate::hunk::exact_edits;
use crate::model::*;
use penholder_core::{Document, NodeId, References};

impl Blame {
    /// Every byte of `document` attributed to version `version`.
    pub fn initial(document: &Document, version: u32) -> Blame {
        let mut blame = Blame::default();
        for visit in document.walk() {
            blame.nodes.insert(
                visit.node.id,
                whole(visit.node.text.len(), &Origin::Base { version }),
            );
        }
        blame
    }

    /// The spans of one node (empty for an unknown node or an empty text).
    pub fn spans(&self, node: NodeId) -> &[Span] {
        self.nodes.get(&node).map(Vec::as_slice).unwrap_or_default()
    }

    /// Checks that the spans tile every node's text exactly (sorted, contiguous, non-empty, on
    /// character boundaries) and that no node is missing; gives the first node that is wrong.
    pub fn check(&self, document: &Document) -> Result<(), NodeId> {
        for visit in document.walk() {
            let text = &visit.node.text;
            let spans = self.spans(visit.node.id);
            if !self.nodes.contains_key(&visit.node.id) || !tiles(spans, text) {
                return Err(visit.node.id);
            }
        }
        Ok(())
    }

    /// The distinct origins of bytes `start..end` of a node, in order of appearance.
    pub fn origins_in(&self, node: NodeId, start: usize, end: usize) -> Vec<Origin> {
        let mut out: Vec<Origin> = Vec::new();
        for span in self.spans(node) {
            if span.start < end && start < span.end && !out.contains(&span.origin) {
                out.push(span.origin.clone());
            }
        }
        out
    }
}

fn tiles(spans: &[Span], text: &str) -> bool {
    let mut at = 0;
    for span in spans {
        if span.start != at || span.end <= span.start || !text.is_char_boundary(span.end) {
            return false;
        }
        at = span.end;
    }
    at == text.len()
}

/// One span over a whole text of `len` bytes (none for an empty text).
pub(crate) fn whole(len: usize, origin: &Origin) -> Vec<Span> {
    if len == 0 {
        Vec::new()
    } else {
        vec![Span {
            start: 0,
            end: len,
            origin: origin.clone(),
        }]
    }
}

/// Adds `len` bytes of `origin` at the end, merging with the previous span when it has the same
/// origin.
fn push(out: &mut Vec<Span>, len: usize, origin: &Origin) {
    if len == 0 {
        return;
    }
    let start = out.last().map(|s| s.end).unwrap_or(0);
    match out.last_mut() {
        Some(last) if last.origin == *origin => last.end += len,
        _ => out.push(Span {
            start,
            end: start + len,
            origin: origin.clone(),
        }),
    }
}

/// Copies the origins of old bytes `range` to the end of `out`.
fn copy(spans: &[Span], range: std::ops::Range<usize>, out: &mut Vec<Span>) {
    for span in spans {
        let start = span.start.max(range.start);
        let end = span.end.min(range.end);
        if start < end {
            push(out, end - start, &span.origin);
        }
    }
}

/// The spans of a text after replacing old byte ranges (sorted, non-overlapping) by new text
/// of the given lengths, each attributed to its origin.
pub(crate) fn rebuild<'a>(
    spans: &[Span],
    old_len: usize,
    edits: impl IntoIterator<Item = (usize, usize, usize, &'a Origin)>,
) -> Vec<Span> {
    let mut out = Vec::with_capacity(spans.len() + 2);
    let mut at = 0;
    for (start, end, new_len, origin) in edits {
        copy(spans, at..start, &mut out);
        push(&mut out, new_len, origin);
        at = end;
    }
    copy(spans, at..old_len, &mut out);
    out
}

/// The spans of `new` when it replaces `old` as a whole: text they share keeps its origin, the
/// rest is `origin`'s.
pub(crate) fn rebuild_from_text(
    spans: &[Span],
    old: &str,
    new: &str,
    origin: &Origin,
) -> Vec<Span> {
    let edits = exact_edits(old, new);
    rebuild(
        spans,
        old.len(),
        edits
            .iter()
            .map(|e| (e.old.start, e.old.end, e.new.len(), origin)),
    )
}

/// One version's text with its provenance, node by node.
pub fn blame_view(document: &Document, blame: &Blame) -> BlameView {
    let references = References::of(document);
    let nodes = document
        .walk()
        .into_iter()
        .map(|visit| {
            let text = &visit.node.text;
            let spans = blame
                .spans(visit.node.id)
                .iter()
                .filter_map(|span| {
                    text.get(span.start..span.end).map(|t| BlameSpan {
                        text: t.to_string(),
                        origin: span.origin.clone(),
                    })
                })
                .collect();
            NodeBlame {
                node: visit.node.id,
                reference: references
                    .reference(visit.node.id)
                    .map(|r| r.0.clone())
                    .unwrap_or_default(),
                kind: visit.node.kind,
                depth: visit.depth,
                spans,
            }
        })
        .collect();
    BlameView {
        document_title: document.title.clone(),
        nodes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepted(d: &str) -> Origin {
        Origin::Accepted {
            round: "R1".into(),
            delegations: vec![d.into()],
        }
    }

    #[test]
    fn rebuilding_keeps_kept_text_and_attributes_new_text() {
        let base = Origin::Base { version: 1 };
        let spans = whole("act now".len(), &base);
        let hu = accepted("HU");
        let rebuilt = rebuild(&spans, 7, [(3, 3, 9, &hu)]);
        assert_eq!(
            rebuilt,
            [
                Span {
                    start: 0,
                    end: 3,
                    origin: base.clone()
                },
                Span {
                    start: 3,
                    end: 12,
                    origin: hu.clone()
                },
                Span {
                    start: 12,
                    end: 16,
                    origin: base.clone()
                },
            ]
        );
        let from_text = rebuild_from_text(&spans, "act now", "act urgently now", &hu);
        assert_eq!(from_text.len(), 3);
        assert_eq!(from_text[1].end - from_text[1].start, "urgently ".len());
        assert!(tiles(&from_text, "act urgently now"));
    }
}
