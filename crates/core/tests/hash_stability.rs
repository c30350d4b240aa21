//! Versions are content-addressed: a field added to nodes must not move the hash of any
//! document stored before it existed. The committed database fixture holds a version and the
//! hash an older build computed for it.

use penholder_core::{Document, ExternalId, Node, NodeKind, ObjectStore, objects_of};
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Deserialize)]
struct StoredVersion {
    hash: String,
    document: Document,
}

fn fixture(relative: &str) -> StoredVersion {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

#[test]
fn hashes_computed_before_external_ids_existed_are_unchanged() {
    for path in [
        "fixtures/databases/budapest-e2e0011/declaration-v4.json",
        "fixtures/databases/budapest-e2e0011/call-for-action-v4.json",
    ] {
        let stored = fixture(path);
        assert!(
            stored
                .document
                .walk()
                .iter()
                .all(|v| v.node.external_id.is_none()),
            "{path}"
        );
        let (hash, _) = objects_of(&stored.document);
        assert_eq!(hash.to_hex(), stored.hash, "{path}");
        // And the JSON form of a node without external ids does not name the field.
        let json = serde_json::to_string(&stored.document).unwrap();
        assert!(!json.contains("external_id"), "{path}");
    }
}

#[test]
fn external_ids_are_stored_and_read_back() {
    let mut ids = penholder_core::IdSource::new(1, 0);
    let mut node = Node::new(ids.next_id(), NodeKind::Part, "Scope");
    node.external_id = ExternalId::of(Some("art_1".into()), Some("a1b2".into()));
    let with = Document::new("T", vec![node.clone()]);
    node.external_id = None;
    let without = Document::new("T", vec![node]);
    assert_ne!(objects_of(&with).0, objects_of(&without).0);
    let mut store = ObjectStore::new();
    let (hash, _) = store.put(&with);
    assert_eq!(store.get(hash).unwrap(), with);
    let json = serde_json::to_string(&with).unwrap();
    assert!(
        json.contains(r#""external_id":{"eId":"art_1","wId":"a1b2"}"#),
        "{json}"
    );
    assert_eq!(ExternalId::of(None, None), None);
}
