//! Immutable versions and the content-addressed object store that shares unchanged nodes.
//!
//! Each node is stored as an object holding its own fields and the hashes of its children; the
//! document object holds the title and the hashes of the top-level nodes. An object's hash is
//! the SHA-256 of its canonical JSON. Changing one paragraph creates new objects for it and its
//! ancestors only; everything else is shared with the previous version, as in git.

use crate::{Document, ExternalId, InlineMark, Node, NodeId, NodeKind};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The SHA-256 of an object, shown as 64 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContentHash(pub [u8; 32]);

impl ContentHash {
    pub fn of(bytes: &[u8]) -> ContentHash {
        ContentHash(Sha256::digest(bytes).into())
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn from_hex(text: &str) -> Option<ContentHash> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes).ok()?;
        Some(ContentHash(bytes))
    }
}

impl std::fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ContentHash({})", &self.to_hex()[..12])
    }
}

impl std::fmt::Display for ContentHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl Serialize for ContentHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for ContentHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        ContentHash::from_hex(&text)
            .ok_or_else(|| serde::de::Error::custom("expected 64 hex digits"))
    }
}

/// A stored object: one node with its children by hash, or a document's root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "object", rename_all = "snake_case")]
pub enum StoredNode {
    Node {
        id: NodeId,
        kind: NodeKind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        num: Option<String>,
        text: String,
        /// Absent for nodes without external ids, so that their objects (and hashes) are the
        /// ones written before the field existed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        external_id: Option<Box<ExternalId>>,
        /// Absent for nodes without emphasis, for the same reason.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        marks: Vec<InlineMark>,
        children: Vec<ContentHash>,
    },
    Document {
        title: String,
        nodes: Vec<ContentHash>,
    },
}

impl StoredNode {
    /// The canonical bytes of this object (what its hash is computed over).
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("stored objects always serialise")
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<StoredNode, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

/// An immutable snapshot of a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    /// 1 for the first version of a document, then 2, 3…
    pub number: u32,
    pub label: String,
    pub parent: Option<u32>,
    /// The hash of the document's root object: equal hashes, equal trees.
    pub hash: ContentHash,
    pub document: Document,
}

/// Splits a document into content-addressed objects, root last.
pub fn objects_of(document: &Document) -> (ContentHash, Vec<(ContentHash, Vec<u8>)>) {
    fn object_of(node: &Node, out: &mut Vec<(ContentHash, Vec<u8>)>) -> ContentHash {
        let children = node.children.iter().map(|c| object_of(c, out)).collect();
        let object = StoredNode::Node {
            id: node.id,
            kind: node.kind,
            num: node.num.clone(),
            text: node.text.clone(),
            external_id: node.external_id.clone(),
            marks: node.marks.clone(),
            children,
        };
        let bytes = object.to_bytes();
        let hash = ContentHash::of(&bytes);
        out.push((hash, bytes));
        hash
    }
    let mut out = Vec::new();
    let nodes = document
        .nodes
        .iter()
        .map(|n| object_of(n, &mut out))
        .collect();
    let root = StoredNode::Document {
        title: document.title.clone(),
        nodes,
    };
    let bytes = root.to_bytes();
    let hash = ContentHash::of(&bytes);
    out.push((hash, bytes));
    (hash, out)
}

/// Why a tree could not be assembled from stored objects.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AssembleError {
    #[error("object {0} is missing from the store")]
    Missing(ContentHash),
    #[error("object {0} is not valid: {1}")]
    Corrupt(ContentHash, String),
}

/// Rebuilds the document whose root object is `root`, reading objects through `lookup`.
/// Every object is checked against its hash, so a corrupted store is detected, not trusted.
pub fn assemble(
    root: ContentHash,
    lookup: &mut dyn FnMut(&ContentHash) -> Option<Vec<u8>>,
) -> Result<Document, AssembleError> {
    let mut load = |hash: &ContentHash| -> Result<StoredNode, AssembleError> {
        let bytes = lookup(hash).ok_or(AssembleError::Missing(*hash))?;
        if ContentHash::of(&bytes) != *hash {
            return Err(AssembleError::Corrupt(*hash, "hash mismatch".into()));
        }
        StoredNode::from_bytes(&bytes).map_err(|e| AssembleError::Corrupt(*hash, e.to_string()))
    };
    fn build(
        hash: &ContentHash,
        load: &mut dyn FnMut(&ContentHash) -> Result<StoredNode, AssembleError>,
    ) -> Result<Node, AssembleError> {
        match load(hash)? {
            StoredNode::Node {
                id,
                kind,
                num,
                text,
                external_id,
                marks,
                children,
            } => Ok(Node {
                id,
                kind,
                num,
                text,
                external_id,
                marks,
                children: children
                    .iter()
                    .map(|c| build(c, load))
                    .collect::<Result<_, _>>()?,
            }),
            StoredNode::Document { .. } => Err(AssembleError::Corrupt(
                *hash,
                "a document object inside a tree".into(),
            )),
        }
    }
    match load(&root)? {
        StoredNode::Document { title, nodes } => Ok(Document {
            title,
            nodes: nodes
                .iter()
                .map(|h| build(h, &mut load))
                .collect::<Result<_, _>>()?,
        }),
        StoredNode::Node { .. } => {
            Err(AssembleError::Corrupt(root, "not a document object".into()))
        }
    }
}

/// An in-memory content-addressed store; crates/store keeps the same objects in SQLite.
#[derive(Clone, Debug, Default)]
pub struct ObjectStore {
    objects: HashMap<ContentHash, Vec<u8>>,
}

impl ObjectStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores a document's objects; returns its root hash and how many objects were new.
    pub fn put(&mut self, document: &Document) -> (ContentHash, usize) {
        let (root, objects) = objects_of(document);
        let mut new = 0;
        for (hash, bytes) in objects {
            if let std::collections::hash_map::Entry::Vacant(slot) = self.objects.entry(hash) {
                slot.insert(bytes);
                new += 1;
            }
        }
        (root, new)
    }

    pub fn get(&self, root: ContentHash) -> Result<Document, AssembleError> {
        assemble(root, &mut |h| self.objects.get(h).cloned())
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }
}

/// The content hash of a document, without storing it anywhere.
pub fn hash_of(document: &Document) -> ContentHash {
    objects_of(document).0
}

impl Version {
    pub fn new(
        number: u32,
        label: impl Into<String>,
        parent: Option<u32>,
        document: Document,
    ) -> Self {
        Version {
            number,
            label: label.into(),
            parent,
            hash: hash_of(&document),
            document,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IdSource;

    fn thousand_paragraphs() -> Document {
        let mut ids = IdSource::new(3, 0);
        let nodes = (0..1000)
            .map(|i| {
                Node::new(
                    ids.next_id(),
                    NodeKind::Operative,
                    format!("Paragraph number {i}."),
                )
            })
            .collect();
        Document::new("Big", nodes)
    }

    #[test]
    fn changing_one_paragraph_of_a_thousand_stores_one_paragraph_and_the_root() {
        let mut store = ObjectStore::new();
        let v1 = thousand_paragraphs();
        let (h1, new1) = store.put(&v1);
        assert_eq!(new1, 1001);
        let mut v2 = v1.clone();
        v2.nodes[500].text.push_str(" Amended.");
        let (h2, new2) = store.put(&v2);
        assert_eq!(new2, 2, "one paragraph and the document root");
        assert_ne!(h1, h2);
        assert_eq!(store.get(h1).unwrap(), v1);
        assert_eq!(store.get(h2).unwrap(), v2);
        assert_eq!(
            store.put(&v2),
            (h2, 0),
            "storing the same tree again adds nothing"
        );
    }

    #[test]
    fn marks_are_stored_and_a_node_without_them_keeps_the_bytes_it_had_before() {
        let mut ids = IdSource::new(3, 0);
        let plain = Node::new(ids.next_id(), NodeKind::Item, "Priority 1: Prevent");
        let (_, objects) = objects_of(&Document::new("T", vec![plain.clone()]));
        let bytes = String::from_utf8(objects[0].1.clone()).unwrap();
        assert!(!bytes.contains("marks"), "{bytes}");
        let bold = plain
            .clone()
            .with_marks(vec![crate::InlineMark::new(0..11, crate::MarkKind::Bold)]);
        let mut store = ObjectStore::new();
        let document = Document::new("T", vec![bold]);
        let (root, _) = store.put(&document);
        assert_eq!(store.get(root).unwrap(), document);
        assert_ne!(root, hash_of(&Document::new("T", vec![plain])));
    }

    #[test]
    fn a_corrupted_object_is_detected() {
        let v1 = thousand_paragraphs();
        let (root, objects) = objects_of(&v1);
        let mut map: HashMap<_, _> = objects.into_iter().collect();
        let victim = *map.keys().find(|h| **h != root).unwrap();
        map.get_mut(&victim).unwrap()[10] ^= 1;
        let err = assemble(root, &mut |h| map.get(h).cloned()).unwrap_err();
        assert!(matches!(err, AssembleError::Corrupt(h, _) if h == victim));
    }
}
