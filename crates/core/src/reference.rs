//! Human references derived from position: `PP3`, `OP2.a`, `PG1.4`, `FN2`, `S4`, `P1`.
//!
//! References are never stored. Inserting a paragraph renumbers everything after it, while
//! feedback and decisions keep pointing at node ids. Counting rules:
//! - `PP`, `OP`, `PG`, `FN`, `P` and `S` count nodes of their kind through the whole document,
//!   in document order, whatever their depth;
//! - an [`NodeKind::Action`] is its parent's reference, a dot, and its 1-based position among
//!   its parent's actions (`PG1.4`);
//! - an [`NodeKind::Item`] is its parent's reference, a dot, and a letter for its position among
//!   its parent's items (`OP1.a` … `OP1.z`, `OP1.aa` …).

use crate::{Document, NodeId, NodeKind};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A derived reference such as `PG1.4`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Reference(pub String);

impl std::fmt::Display for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Reference {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The references of one version of a document, both ways.
#[derive(Clone, Debug, Default)]
pub struct References {
    by_id: HashMap<NodeId, Reference>,
    by_reference: HashMap<String, NodeId>,
    in_order: Vec<(NodeId, Reference)>,
}

/// `0 → a`, `25 → z`, `26 → aa`, like spreadsheet columns in lower case.
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
    String::from_utf8(out).expect("ascii letters")
}

impl References {
    pub fn of(document: &Document) -> References {
        let mut counters: HashMap<&'static str, usize> = HashMap::new();
        let mut refs = References::default();
        // Walks with an explicit stack of (node, parent reference) so that child counters
        // (items, actions) restart under each parent.
        fn go(
            nodes: &[crate::Node],
            parent: Option<&Reference>,
            counters: &mut HashMap<&'static str, usize>,
            refs: &mut References,
        ) {
            let mut items = 0usize;
            let mut actions = 0usize;
            for node in nodes {
                let mut global = |prefix: &'static str| {
                    let n = counters.entry(prefix).or_insert(0);
                    *n += 1;
                    Reference(format!("{prefix}{n}"))
                };
                let reference = match node.kind {
                    NodeKind::Part => global("S"),
                    NodeKind::Paragraph => global("P"),
                    NodeKind::Preambular => global("PP"),
                    NodeKind::Operative => global("OP"),
                    NodeKind::Goal => global("PG"),
                    NodeKind::Footnote => global("FN"),
                    NodeKind::Action => {
                        actions += 1;
                        match parent {
                            Some(p) => Reference(format!("{p}.{actions}")),
                            None => global("A"),
                        }
                    }
                    NodeKind::Item => {
                        items += 1;
                        match parent {
                            Some(p) => Reference(format!("{p}.{}", letters(items - 1))),
                            None => global("I"),
                        }
                    }
                };
                refs.by_id.insert(node.id, reference.clone());
                refs.by_reference.insert(reference.0.clone(), node.id);
                refs.in_order.push((node.id, reference.clone()));
                go(&node.children, Some(&reference), counters, refs);
            }
        }
        go(&document.nodes, None, &mut counters, &mut refs);
        refs
    }

    pub fn reference(&self, id: NodeId) -> Option<&Reference> {
        self.by_id.get(&id)
    }

    /// The node a reference names, case-insensitively (`pg1.4` finds `PG1.4`).
    pub fn resolve(&self, reference: &str) -> Option<NodeId> {
        let trimmed = reference.trim();
        self.by_reference.get(trimmed).copied().or_else(|| {
            // References are upper-case prefixes and lower-case item letters.
            let normalised = normalise(trimmed);
            self.by_reference.get(&normalised).copied()
        })
    }

    /// A node named either by its id or by its reference.
    pub fn resolve_id_or_reference(&self, name: &str) -> Option<NodeId> {
        if let Ok(id) = name.trim().parse::<NodeId>() {
            return self.by_id.contains_key(&id).then_some(id);
        }
        self.resolve(name)
    }

    /// Every (id, reference) in document order.
    pub fn in_order(&self) -> &[(NodeId, Reference)] {
        &self.in_order
    }
}

fn normalise(reference: &str) -> String {
    let mut out = String::with_capacity(reference.len());
    for (i, part) in reference.split('.').enumerate() {
        if i > 0 {
            out.push('.');
        }
        if i == 0 || part.chars().all(|c| c.is_ascii_digit()) {
            out.push_str(&part.to_ascii_uppercase());
        } else {
            out.push_str(&part.to_ascii_lowercase());
        }
    }
    out
}

/// The Latin words that number what was inserted after an item, in order: `Article 8 bis` is
/// the second article 8, `OP3 ter` the third paragraph at OP3's place (UN and EU practice).
pub const LATIN_ORDINALS: [&str; 9] = [
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

/// `bis`, `ter`, `quater`… for the 2nd, 3rd, 4th… item at one place; `new N` past the tenth.
pub fn latin_ordinal(n: usize) -> String {
    n.checked_sub(2)
        .and_then(|i| LATIN_ORDINALS.get(i))
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("new {n}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IdSource, Node};

    fn check(document: &Document, expected: &[&str]) {
        let refs = References::of(document);
        let got: Vec<&str> = refs.in_order().iter().map(|(_, r)| r.as_str()).collect();
        assert_eq!(got, expected);
        for (id, reference) in refs.in_order() {
            assert_eq!(refs.resolve(reference.as_str()), Some(*id));
            assert_eq!(refs.reference(*id), Some(reference));
        }
    }

    #[test]
    fn declaration_and_action_plan_references() {
        let mut ids = IdSource::new(1, 0);
        let mut n =
            |kind, children: Vec<Node>| Node::new(ids.next_id(), kind, "x").with_children(children);
        let fn1 = n(NodeKind::Footnote, vec![]);
        let opening = n(NodeKind::Paragraph, vec![fn1]);
        let pp1 = n(NodeKind::Preambular, vec![]);
        let fn2 = n(NodeKind::Footnote, vec![]);
        let pp2 = n(NodeKind::Preambular, vec![fn2]);
        let items = vec![n(NodeKind::Item, vec![]), n(NodeKind::Item, vec![])];
        let op1 = n(NodeKind::Operative, items);
        let op2 = n(NodeKind::Operative, vec![]);
        let declaration = Document::new("D", vec![opening, pp1, pp2, op1, op2]);
        check(
            &declaration,
            &[
                "P1", "FN1", "PP1", "PP2", "FN2", "OP1", "OP1.a", "OP1.b", "OP2",
            ],
        );

        let (a1, a2) = (n(NodeKind::Action, vec![]), n(NodeKind::Action, vec![]));
        let goal1 = n(NodeKind::Goal, vec![a1, a2]);
        let item = n(NodeKind::Item, vec![]);
        let action = n(NodeKind::Action, vec![item]);
        let goal2 = n(NodeKind::Goal, vec![action]);
        check(
            &Document::new("C", vec![goal1, goal2]),
            &["PG1", "PG1.1", "PG1.2", "PG2", "PG2.1", "PG2.1.a"],
        );
    }

    #[test]
    fn letters_go_past_z() {
        assert_eq!(letters(0), "a");
        assert_eq!(letters(25), "z");
        assert_eq!(letters(26), "aa");
        assert_eq!(letters(27), "ab");
    }

    #[test]
    fn resolution_is_case_insensitive_and_accepts_ids() {
        let mut ids = IdSource::new(1, 0);
        let item = Node::new(ids.next_id(), NodeKind::Item, "i");
        let op =
            Node::new(ids.next_id(), NodeKind::Operative, "o").with_children(vec![item.clone()]);
        let refs = References::of(&Document::new("D", vec![op.clone()]));
        assert_eq!(refs.resolve("op1.A"), Some(item.id));
        assert_eq!(refs.resolve(" OP1 "), Some(op.id));
        assert_eq!(
            refs.resolve_id_or_reference(&op.id.to_string()),
            Some(op.id)
        );
        assert_eq!(refs.resolve("OP2"), None);
    }
}
