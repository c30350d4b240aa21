//! The layout every format shares: how a node's number is shown, and the order in which a
//! compilation's nodes, new nodes and footnotes are laid out.

use crate::text::marker_ranges;
use penholder_core::{NodeId, NodeKind};
use penholder_diff::{Change, Compilation, NodeCompilation, Scope};
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

/// A piece of a node's base text in a compilation: unchanged words, or a word-level change.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Piece<'a> {
    Text(&'a str),
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
        if start_byte < at || end_byte < start_byte || base.get(start_byte..end_byte).is_none() {
            continue;
        }
        if start_byte > at {
            out.push(Piece::Text(&base[at..start_byte]));
        }
        out.push(Piece::Change(change));
        at = end_byte;
    }
    if at < base.len() {
        out.push(Piece::Text(&base[at..]));
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

/// `bis`, `ter`, `quater`… for the 2nd, 3rd, 4th… node at one place (UN compilation style).
pub(crate) fn latin_ordinal(n: usize) -> String {
    const NAMES: [&str; 9] = [
        "bis",
        "ter",
        "quater",
        "quinquies",
        "sexies",
        "septies",
        "octies",
        "novies",
        "decies",
    ];
    n.checked_sub(2)
        .and_then(|i| NAMES.get(i))
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("new {n}"))
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
