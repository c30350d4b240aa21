//! The document tree: nodes with stable ids, kinds, optional verbatim numbers, text, children.

use crate::{InlineMark, NodeId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a node is. The kind decides how its reference is derived (see [`crate::References`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// A titled division ("Chapter I", "Art 93", an annex): its text is the heading, its
    /// children what stands under it. Reference `S1`, `S2`…
    Part,
    /// A plain paragraph (an opening clause, a recital without a preambular verb, body text).
    /// Reference `P1`, `P2`…
    Paragraph,
    /// A preambular paragraph of a declaration or resolution. Reference `PP1`…
    Preambular,
    /// An operative paragraph. Reference `OP1`…
    Operative,
    /// A list item under a paragraph, goal, action or item: the parent's reference and a letter,
    /// `OP1.a`, `OP1.b`…
    Item,
    /// A priority goal of an action plan; its text is the goal's title. Reference `PG1`…
    Goal,
    /// A numbered action under a goal: `PG1.1`, `PG1.2`…
    Action,
    /// A footnote, child of the node whose text carries its marker. Reference `FN1`… in
    /// document order.
    Footnote,
}

impl NodeKind {
    pub const ALL: [NodeKind; 8] = [
        NodeKind::Part,
        NodeKind::Paragraph,
        NodeKind::Preambular,
        NodeKind::Operative,
        NodeKind::Item,
        NodeKind::Goal,
        NodeKind::Action,
        NodeKind::Footnote,
    ];

    /// The name used in the structured-Markdown form and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Part => "part",
            NodeKind::Paragraph => "paragraph",
            NodeKind::Preambular => "preambular",
            NodeKind::Operative => "operative",
            NodeKind::Item => "item",
            NodeKind::Goal => "goal",
            NodeKind::Action => "action",
            NodeKind::Footnote => "footnote",
        }
    }

    pub fn parse(name: &str) -> Option<NodeKind> {
        NodeKind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

impl std::fmt::Display for NodeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One node of a document tree.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Node {
    pub id: NodeId,
    pub kind: NodeKind,
    /// The number or label exactly as the source wrote it (`Art 93`, `(a)`, `4c.`), for texts
    /// whose numbering is not ours to derive. `None` for derived numbering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num: Option<String>,
    pub text: String,
    /// The identifiers the source gave the node (Akoma Ntoso's `eId` and `wId`), kept so that
    /// an imported text can be traced back to its source. `None` for nodes penholder made; then
    /// the field is absent from the JSON and from the stored object, so it moves no hash.
    /// Boxed: most nodes have none, and a node stays small to move.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<Box<ExternalId>>,
    /// Bold and italic over ranges of `text` (byte offsets; see [`crate::marks`]), normalized.
    /// Absent from the JSON and from the stored object when empty, so that a node without
    /// emphasis keeps the bytes and the hash it had before marks existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marks: Vec<InlineMark>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Node>,
}

/// Identifiers a node carried in the document it was imported from. Akoma Ntoso gives two: the
/// `eId`, derived from the node's position (it changes when the text is renumbered), and the
/// `wId`, which the source keeps stable. Either may be missing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ExternalId {
    #[serde(rename = "eId", default, skip_serializing_if = "Option::is_none")]
    pub e_id: Option<String>,
    #[serde(rename = "wId", default, skip_serializing_if = "Option::is_none")]
    pub w_id: Option<String>,
}

impl ExternalId {
    /// `None` when neither identifier is given, so that a node without any stays as it was.
    pub fn of(e_id: Option<String>, w_id: Option<String>) -> Option<Box<ExternalId>> {
        (e_id.is_some() || w_id.is_some()).then(|| Box::new(ExternalId { e_id, w_id }))
    }
}

impl Node {
    pub fn new(id: NodeId, kind: NodeKind, text: impl Into<String>) -> Self {
        Node {
            id,
            kind,
            num: None,
            text: text.into(),
            external_id: None,
            marks: Vec::new(),
            children: Vec::new(),
        }
    }

    pub fn with_children(mut self, children: Vec<Node>) -> Self {
        self.children = children;
        self
    }

    /// The node with these marks (normalized: sorted, those of one kind merged).
    pub fn with_marks(mut self, marks: Vec<InlineMark>) -> Self {
        self.marks = crate::normalize_marks(marks);
        self
    }

    pub fn with_num(mut self, num: impl Into<String>) -> Self {
        self.num = Some(num.into());
        self
    }
}

/// A document: a title and its top-level nodes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Document {
    pub title: String,
    pub nodes: Vec<Node>,
}

/// A node met in a depth-first, document-order walk.
#[derive(Clone, Copy, Debug)]
pub struct Visit<'a> {
    pub node: &'a Node,
    pub parent: Option<&'a Node>,
    /// 0 for top-level nodes.
    pub depth: usize,
}

impl Document {
    pub fn new(title: impl Into<String>, nodes: Vec<Node>) -> Self {
        Document {
            title: title.into(),
            nodes,
        }
    }

    /// Every node in document order (a parent before its children), with its parent and depth.
    pub fn walk(&self) -> Vec<Visit<'_>> {
        fn go<'a>(
            nodes: &'a [Node],
            parent: Option<&'a Node>,
            depth: usize,
            out: &mut Vec<Visit<'a>>,
        ) {
            for node in nodes {
                out.push(Visit {
                    node,
                    parent,
                    depth,
                });
                go(&node.children, Some(node), depth + 1, out);
            }
        }
        let mut out = Vec::new();
        go(&self.nodes, None, 0, &mut out);
        out
    }

    pub fn find(&self, id: NodeId) -> Option<&Node> {
        fn go(nodes: &[Node], id: NodeId) -> Option<&Node> {
            nodes.iter().find_map(|n| {
                if n.id == id {
                    Some(n)
                } else {
                    go(&n.children, id)
                }
            })
        }
        go(&self.nodes, id)
    }

    pub fn find_mut(&mut self, id: NodeId) -> Option<&mut Node> {
        fn go(nodes: &mut [Node], id: NodeId) -> Option<&mut Node> {
            for node in nodes {
                if node.id == id {
                    return Some(node);
                }
                if let Some(found) = go(&mut node.children, id) {
                    return Some(found);
                }
            }
            None
        }
        go(&mut self.nodes, id)
    }

    /// `Some(Some(parent))`, `Some(None)` for a top-level node, `None` if the node is absent.
    pub fn parent_of(&self, id: NodeId) -> Option<Option<NodeId>> {
        self.walk()
            .into_iter()
            .find(|v| v.node.id == id)
            .map(|v| v.parent.map(|p| p.id))
    }

    pub fn node_count(&self) -> usize {
        self.walk().len()
    }

    /// How many nodes of each kind the document holds.
    pub fn count_by_kind(&self) -> BTreeMap<NodeKind, usize> {
        let mut counts = BTreeMap::new();
        for visit in self.walk() {
            *counts.entry(visit.node.kind).or_insert(0) += 1;
        }
        counts
    }

    /// The first id that occurs twice, if any: a valid document has none.
    pub fn duplicate_id(&self) -> Option<NodeId> {
        let mut seen = std::collections::HashSet::new();
        self.walk()
            .into_iter()
            .map(|v| v.node.id)
            .find(|id| !seen.insert(*id))
    }
}
