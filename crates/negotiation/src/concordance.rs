//! The numbering concordance of a document: for every node, its reference in each version
//! ("v1 PP12 = v2 PP13 = v3 PP14"), computed from the document's versions. Node ids survive
//! every version (a consolidation keeps them, an upload's alignment restores them), and a
//! reference is derived from a node's position, so the concordance is each version's
//! references read by node id.

use crate::Caller;
use crate::document::Readable;
use crate::error::Error;
use penholder_core::{Document, NodeId, References};
use penholder_render::concordance::{Concordance, ConcordanceRow, ConcordanceVersion};
use penholder_store::Reader;
use std::collections::HashMap;

/// The concordance of every version of a document the caller may read.
pub fn concordance(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    document: &str,
) -> Result<(Readable, Concordance), Error> {
    let readable = Readable::read(r, caller, process, document)?;
    let mut versions = Vec::new();
    for info in r.versions(process, document)? {
        let version = r.version(process, document, info.number)?;
        versions.push((info.number, info.label, version.document));
    }
    let title = readable.document.title.clone();
    Ok((readable, of(title, &versions)))
}

/// The concordance of `versions` (number, label, tree; oldest first). Rows follow the latest
/// version's order; a node it no longer holds comes right after the node it followed in the
/// last version that held it (or first, when it was first there).
pub fn of(document_title: String, versions: &[(u32, String, Document)]) -> Concordance {
    let mut order: Vec<NodeId> = Vec::new();
    let mut rows: HashMap<NodeId, ConcordanceRow> = HashMap::new();
    for (index, (_, _, document)) in versions.iter().enumerate().rev() {
        let references = References::of(document);
        let mut previous: Option<NodeId> = None;
        for visit in document.walk() {
            let id = visit.node.id;
            let row = rows.entry(id).or_insert_with(|| {
                // First met here (walking from the newest version back): place it.
                let at = previous
                    .and_then(|p| order.iter().position(|o| *o == p))
                    .map_or(0, |p| p + 1);
                order.insert(at, id);
                ConcordanceRow {
                    node: id,
                    kind: visit.node.kind,
                    references: vec![None; versions.len()],
                }
            });
            row.references[index] = references.reference(id).map(|r| r.0.clone());
            previous = Some(id);
        }
    }
    Concordance {
        document_title,
        versions: versions
            .iter()
            .map(|(number, label, _)| ConcordanceVersion {
                number: *number,
                label: label.clone(),
            })
            .collect(),
        rows: order
            .into_iter()
            .filter_map(|id| rows.remove(&id))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use penholder_core::{IdSource, Node, NodeKind};

    fn version(nodes: &[(NodeId, NodeKind)]) -> Document {
        Document::new(
            "Declaration",
            nodes
                .iter()
                .map(|(id, kind)| Node::new(*id, *kind, "text"))
                .collect(),
        )
    }

    #[test]
    fn every_node_has_its_reference_in_each_version() {
        let mut ids = IdSource::new(1, 0);
        let [a, b, c, d, e] = [(); 5].map(|_| ids.next_id());
        use NodeKind::Preambular as P;
        // v1: a b c d; v2: a NEW(e) b c d; v3: a e b d (c deleted).
        let versions = [
            (
                1,
                "Zero draft".to_string(),
                version(&[(a, P), (b, P), (c, P), (d, P)]),
            ),
            (
                2,
                "Rev. 1".to_string(),
                version(&[(a, P), (e, P), (b, P), (c, P), (d, P)]),
            ),
            (
                3,
                "Rev. 2".to_string(),
                version(&[(a, P), (e, P), (b, P), (d, P)]),
            ),
        ];
        let concordance = of("Declaration".into(), &versions);
        let table: Vec<(NodeId, Vec<Option<&str>>)> = concordance
            .rows
            .iter()
            .map(|r| (r.node, r.references.iter().map(Option::as_deref).collect()))
            .collect();
        assert_eq!(
            table,
            [
                (a, vec![Some("PP1"), Some("PP1"), Some("PP1")]),
                (e, vec![None, Some("PP2"), Some("PP2")]),
                (b, vec![Some("PP2"), Some("PP3"), Some("PP3")]),
                (c, vec![Some("PP3"), Some("PP4"), None]),
                (d, vec![Some("PP4"), Some("PP5"), Some("PP4")]),
            ]
        );
        assert_eq!(
            concordance.headings(),
            ["v1 Zero draft", "v2 Rev. 1", "v3 Rev. 2"]
        );
    }
}
