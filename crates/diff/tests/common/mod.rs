//! Shared helpers for the integration tests: small documents and submissions.
#![allow(dead_code)] // each test binary uses a different part of the helpers

use penholder_core::negotiation::{Anchor, Item, Submission};
use penholder_core::{Document, IdSource, Node, NodeId, NodeKind, Version};

pub fn version(texts: &[&str]) -> (Version, Vec<NodeId>) {
    let mut ids = IdSource::new(1, 1_700_000_000_000);
    let nodes: Vec<Node> = texts
        .iter()
        .map(|t| Node::new(ids.next_id(), NodeKind::Operative, *t))
        .collect();
    let keys = nodes.iter().map(|n| n.id).collect();
    (
        Version::new(1, "Zero draft", None, Document::new("Declaration", nodes)),
        keys,
    )
}

pub fn submission(delegation: &str, items: Vec<Item>) -> Submission {
    Submission {
        delegation: delegation.into(),
        revision: 1,
        submitted_at: 0,
        items,
    }
}

pub fn amend(node: NodeId, text: &str) -> Item {
    Item::Amend {
        node,
        text: text.into(),
        justification: None,
    }
}

pub fn delete(node: NodeId) -> Item {
    Item::Delete {
        node,
        justification: None,
    }
}

pub fn insert_after(node: NodeId, text: &str) -> Item {
    Item::Insert {
        at: Anchor::After(node),
        node_kind: None,
        text: text.into(),
        justification: None,
    }
}
