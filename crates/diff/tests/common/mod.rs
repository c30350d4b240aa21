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
        iso: Default::default(),
        node,
        text: text.into(),
        justification: None,
    }
}

pub fn delete(node: NodeId) -> Item {
    Item::Delete {
        iso: Default::default(),
        node,
        justification: None,
    }
}

pub fn insert_after(node: NodeId, text: &str) -> Item {
    Item::Insert {
        iso: Default::default(),
        at: Anchor::After(node),
        node_kind: None,
        text: text.into(),
        justification: None,
    }
}

/// One merge case of `fixtures/merge/<name>/case.json`: a base text of labelled paragraphs and
/// the submissions of a round, items naming paragraphs by label.
pub struct MergeCase {
    pub name: String,
    pub version: Version,
    pub submissions: Vec<Submission>,
}

#[derive(serde::Deserialize)]
struct CaseFile {
    title: String,
    base: Vec<BaseParagraph>,
    submissions: Vec<CaseSubmission>,
}

#[derive(serde::Deserialize)]
struct BaseParagraph {
    label: String,
    /// The label of the paragraph this one stands under (a goal's actions).
    #[serde(default)]
    parent: Option<String>,
    kind: String,
    text: String,
}

#[derive(serde::Deserialize)]
struct CaseSubmission {
    delegation: String,
    items: Vec<CaseItem>,
}

/// A case's items are the API's: nodes named by the case's labels.
use penholder_core::negotiation::ItemByReference as CaseItem;

/// Every case under `root`, sorted by name.
pub fn merge_cases(root: &std::path::Path) -> Vec<MergeCase> {
    let mut names: Vec<std::path::PathBuf> = std::fs::read_dir(root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.join("case.json").exists())
        .collect();
    names.sort();
    names.iter().map(|path| load_case(path)).collect()
}

fn load_case(path: &std::path::Path) -> MergeCase {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let file: CaseFile =
        serde_json::from_str(&std::fs::read_to_string(path.join("case.json")).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut ids = IdSource::new(1, 1_700_000_000_000);
    let mut labels = std::collections::HashMap::new();
    let mut nodes: Vec<Node> = Vec::new();
    for p in &file.base {
        let kind = NodeKind::parse(&p.kind).unwrap_or_else(|| panic!("kind {}", p.kind));
        let node = Node::new(ids.next_id(), kind, p.text.clone());
        labels.insert(p.label.clone(), node.id);
        match &p.parent {
            Some(parent) => {
                let parent_id = labels[parent];
                let mut document = Document::new("", std::mem::take(&mut nodes));
                document
                    .find_mut(parent_id)
                    .unwrap_or_else(|| panic!("{name}: no parent {parent}"))
                    .children
                    .push(node);
                nodes = document.nodes;
            }
            None => nodes.push(node),
        }
    }
    let id = |label: &str| -> NodeId {
        *labels
            .get(label)
            .unwrap_or_else(|| panic!("{name}: no paragraph {label}"))
    };
    let submissions = file
        .submissions
        .into_iter()
        .map(|s| Submission {
            delegation: s.delegation,
            revision: 1,
            submitted_at: 0,
            items: s
                .items
                .into_iter()
                .map(|item| match item {
                    CaseItem::Amend {
                        iso: _,
                        node,
                        text,
                        justification,
                    } => Item::Amend {
                        iso: Default::default(),
                        node: id(&node),
                        text,
                        justification,
                    },
                    CaseItem::Insert {
                        after,
                        before,
                        text,
                        justification,
                        ..
                    } => Item::Insert {
                        iso: Default::default(),
                        at: match (after, before) {
                            (Some(after), _) => Anchor::After(id(&after)),
                            (None, Some(before)) => Anchor::Before(id(&before)),
                            (None, None) => panic!("{name}: an insert needs after or before"),
                        },
                        node_kind: None,
                        text,
                        justification,
                    },
                    CaseItem::Delete {
                        iso: _,
                        node,
                        justification,
                    } => Item::Delete {
                        iso: Default::default(),
                        node: id(&node),
                        justification,
                    },
                    CaseItem::Comment { iso: _, node, text } => Item::Comment {
                        iso: Default::default(),
                        node: node.map(|n| id(&n)),
                        text,
                    },
                    other => panic!("{name}: a merge case has no act on a bracket: {other:?}"),
                })
                .collect(),
        })
        .collect();
    MergeCase {
        name,
        version: Version::new(1, "Zero draft", None, Document::new(file.title, nodes)),
        submissions,
    }
}

impl MergeCase {
    /// For every paragraph with two or more amendments: its base text and the amended texts.
    pub fn amendments_by_paragraph(&self) -> Vec<(String, Vec<String>)> {
        self.version
            .document
            .walk()
            .iter()
            .map(|visit| {
                let texts: Vec<String> = self
                    .submissions
                    .iter()
                    .flat_map(|s| s.items.iter())
                    .filter_map(|item| match item {
                        Item::Amend { node, text, .. } if *node == visit.node.id => {
                            Some(text.clone())
                        }
                        _ => None,
                    })
                    .collect();
                (visit.node.text.clone(), texts)
            })
            .filter(|(_, texts)| texts.len() > 1)
            .collect()
    }
}
