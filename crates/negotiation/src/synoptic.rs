//! Synoptic documents: chosen versions of one document side by side, row by row by node id,
//! each cell's changes against the column to its left marked and attributed (zero draft |
//! Rev. 1 | Rev. 2 | agreed; or the EU's Commission proposal | Parliament | Council |
//! compromise, the same table with the texts named by labels).
//!
//! Nothing is diffed here: each column's changes are the attributed redline from the column
//! before it (`chain::VersionChain`, the redline every reviewer reads), and rows follow the
//! numbering concordance's order (`concordance::of`), so a synoptic table, a redline and a
//! concordance of the same versions always agree.

use crate::Caller;
use crate::chain::{ChainLink, VersionChain, applied_of, blame_of};
use crate::document::Readable;
use crate::error::Error;
use penholder_core::{Document, NodeId, Version};
use penholder_diff::{NodeRedline, NodeStatus, Redline, Segment, SegmentKind};
use penholder_render::synoptic::{Synoptic, SynopticCell, SynopticColumn, SynopticRow};
use penholder_store::Reader;
use std::collections::HashMap;

/// The most columns one table holds: wider than a landscape page can show legibly, and a
/// bound on the work one request asks for.
pub const MAX_COLUMNS: usize = 12;

/// What separates the labels in `?labels=` (commas are common in labels, bars are not).
pub const LABEL_SEPARATOR: char = '|';

/// One column asked for: a version, and the heading it gets (`None`: the version's label).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnRequest {
    pub version: u32,
    pub label: Option<String>,
}

/// Reads `?versions=1,2,4` and `?labels=Commission proposal|Parliament|Council` into columns.
/// `versions` absent: every version of the document (`available`), oldest first. Labels,
/// when given, are one per version; an empty label keeps the version's own.
pub fn columns_of(
    versions: Option<&str>,
    labels: Option<&str>,
    available: &[u32],
) -> Result<Vec<ColumnRequest>, Error> {
    let numbers: Vec<u32> = match versions.map(str::trim) {
        None | Some("") => available.to_vec(),
        Some(list) => {
            let mut numbers = Vec::new();
            let mut unreadable = Vec::new();
            for piece in list.split(',') {
                match piece.trim().parse::<u32>() {
                    Ok(number) => numbers.push(number),
                    Err(_) => unreadable.push(format!("{:?}", piece.trim())),
                }
            }
            if !unreadable.is_empty() {
                return Err(Error::Malformed(format!(
                    "?versions= takes version numbers separated by commas (1,2,4); {} is not one",
                    unreadable.join(", ")
                )));
            }
            numbers
        }
    };
    let unknown: Vec<String> = numbers
        .iter()
        .filter(|n| !available.contains(n))
        .map(u32::to_string)
        .collect();
    if !unknown.is_empty() {
        return Err(Error::Malformed(format!(
            "no version {} of this document in ?versions=; it has versions {}",
            unknown.join(", "),
            available
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if numbers.is_empty() {
        return Err(Error::Malformed(
            "?versions= names no version: give one or more version numbers (1,2,4)".into(),
        ));
    }
    if numbers.len() > MAX_COLUMNS {
        return Err(Error::Malformed(format!(
            "a synoptic table holds at most {MAX_COLUMNS} columns; {} asked for: choose them with ?versions=",
            numbers.len()
        )));
    }
    let labels: Vec<Option<String>> = match labels {
        None => vec![None; numbers.len()],
        Some(list) => {
            let labels: Vec<Option<String>> = list
                .split(LABEL_SEPARATOR)
                .map(|label| {
                    let label = label.trim();
                    (!label.is_empty()).then(|| label.to_string())
                })
                .collect();
            if labels.len() != numbers.len() {
                return Err(Error::Malformed(format!(
                    "?labels= gives {} labels for {} columns: one label per version, separated by {LABEL_SEPARATOR:?}",
                    labels.len(),
                    numbers.len()
                )));
            }
            if let Some(long) = labels.iter().flatten().find(|l| l.chars().count() > 200) {
                return Err(Error::Malformed(format!(
                    "a label in ?labels= is longer than 200 characters: {:?}…",
                    long.chars().take(40).collect::<String>()
                )));
            }
            labels
        }
    };
    Ok(numbers
        .into_iter()
        .zip(labels)
        .map(|(version, label)| ColumnRequest { version, label })
        .collect())
}

/// The synoptic table of the versions `versions` and `labels` name (see [`columns_of`]), if
/// the caller may read the document.
pub fn synoptic(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    document: &str,
    versions: Option<&str>,
    labels: Option<&str>,
) -> Result<(Readable, Synoptic), Error> {
    let readable = Readable::read(r, caller, process, document)?;
    let infos = r.versions(process, document)?;
    let available: Vec<u32> = infos.iter().map(|v| v.number).collect();
    let columns = columns_of(versions, labels, &available)?;
    // Each version is read once, however many chains it is on (neighbouring columns share
    // their versions: 1 → 2 → 3 → 4 reads four, not eight).
    let mut cache = Versions {
        reader: r,
        process,
        document,
        infos: &infos,
        loaded: HashMap::new(),
    };
    let mut texts = Vec::with_capacity(columns.len());
    let mut chains = Vec::with_capacity(columns.len().saturating_sub(1));
    for (index, column) in columns.iter().enumerate() {
        let label = match &column.label {
            Some(label) => label.clone(),
            None => infos
                .iter()
                .find(|v| v.number == column.version)
                .map(|v| v.label.clone())
                .unwrap_or_default(),
        };
        if index > 0 {
            chains.push(cache.chain(columns[index - 1].version, column.version)?);
        }
        let version = cache.version(column.version)?;
        texts.push((column.version, label, version.document));
    }
    // The redlines are pure and independent: one thread each (a table has at most 12 columns),
    // so that 4 columns cost about one redline's time on as many cores.
    let redlines: Vec<(Redline, bool)> = std::thread::scope(|scope| {
        let running: Vec<_> = chains
            .iter()
            .map(|chain| scope.spawn(move || (chain.redline(), chain.attributed)))
            .collect();
        running
            .into_iter()
            .map(|thread| {
                thread
                    .join()
                    .map_err(|_| Error::Fault("a redline of the synoptic table failed".into()))
            })
            .collect::<Result<_, _>>()
    })?;
    let title = readable.document.title.clone();
    Ok((readable, of(title, &texts, &redlines)))
}

/// The versions of one document read so far, and the chains between them (as
/// [`VersionChain::load`] makes them, without reading a version twice).
struct Versions<'r, 'a> {
    reader: &'r Reader<'a>,
    process: &'r str,
    document: &'r str,
    infos: &'r [penholder_store::VersionInfo],
    loaded: HashMap<u32, Version>,
}

impl Versions<'_, '_> {
    fn version(&mut self, number: u32) -> Result<Version, Error> {
        if let Some(version) = self.loaded.get(&number) {
            return Ok(version.clone());
        }
        let version = self.reader.version(self.process, self.document, number)?;
        self.loaded.insert(number, version.clone());
        Ok(version)
    }

    /// The chain from `from` to `to`: the versions after `from` up to `to` by their parents,
    /// each with its provenance and applied changes; unattributed when `from` is not an
    /// ancestor of `to`.
    fn chain(&mut self, from: u32, to: u32) -> Result<VersionChain, Error> {
        let mut numbers = Vec::new();
        let mut at = to;
        let mut attributed = true;
        while at != from {
            numbers.push(at);
            match self
                .infos
                .iter()
                .find(|v| v.number == at)
                .and_then(|v| v.parent)
            {
                Some(parent) => at = parent,
                None => {
                    attributed = false;
                    break;
                }
            }
        }
        numbers.reverse();
        let mut links = Vec::new();
        if attributed {
            for number in numbers {
                let version = self.version(number)?;
                let info = self.infos.iter().find(|v| v.number == number);
                let label = match info.and_then(|v| v.round) {
                    Some(round) => self.reader.round(self.process, round)?.label,
                    None => info.map(|v| v.label.clone()).unwrap_or_default(),
                };
                links.push(ChainLink {
                    label,
                    blame: blame_of(self.reader, self.process, self.document, &version)?,
                    applied: applied_of(self.reader, self.process, self.document, number)?,
                    version,
                });
            }
        }
        Ok(VersionChain {
            source: self.version(from)?,
            target: self.version(to)?,
            links,
            attributed,
        })
    }
}

/// The table of `texts` (version number, column label, tree; left to right), given the
/// redline from each column to the next (`redlines[i]`: column `i` to column `i + 1`, and
/// whether it is attributed).
pub fn of(
    document_title: String,
    texts: &[(u32, String, Document)],
    redlines: &[(Redline, bool)],
) -> Synoptic {
    let concordance = crate::concordance::of(document_title.clone(), texts);
    // The depth where each node was last present, and the first column's texts.
    let mut depths: HashMap<NodeId, usize> = HashMap::new();
    for (_, _, document) in texts {
        for visit in document.walk() {
            depths.insert(visit.node.id, visit.depth);
        }
    }
    let first_texts: HashMap<NodeId, &str> = texts
        .first()
        .map(|(_, _, document)| {
            document
                .walk()
                .into_iter()
                .map(|visit| (visit.node.id, visit.node.text.as_str()))
                .collect()
        })
        .unwrap_or_default();
    let by_node: Vec<HashMap<NodeId, &NodeRedline>> = redlines
        .iter()
        .map(|(redline, _)| redline.nodes.iter().map(|n| (n.node, n)).collect())
        .collect();
    let rows = concordance
        .rows
        .into_iter()
        .map(|row| {
            let mut cells = Vec::with_capacity(texts.len());
            cells.push(row.references[0].as_ref().map(|reference| {
                SynopticCell {
                    reference: Some(reference.clone()),
                    status: NodeStatus::Unchanged,
                    segments: first_texts
                        .get(&row.node)
                        .filter(|text| !text.is_empty())
                        .map(|text| {
                            vec![Segment {
                                kind: SegmentKind::Equal,
                                text: (*text).to_string(),
                                attribution: Vec::new(),
                            }]
                        })
                        .unwrap_or_default(),
                }
            }));
            for (column, nodes) in by_node.iter().enumerate() {
                cells.push(nodes.get(&row.node).map(|node| SynopticCell {
                    reference: match node.status {
                        NodeStatus::Deleted => None,
                        _ => row.references[column + 1].clone(),
                    },
                    status: node.status,
                    segments: node.segments.clone(),
                }));
            }
            SynopticRow {
                node: row.node,
                kind: row.kind,
                depth: depths.get(&row.node).copied().unwrap_or(0),
                cells,
            }
        })
        .collect();
    Synoptic {
        document_title,
        columns: texts
            .iter()
            .enumerate()
            .map(|(index, (version, label, _))| SynopticColumn {
                version: *version,
                label: label.clone(),
                attributed: index == 0 || redlines.get(index - 1).is_none_or(|(_, a)| *a),
            })
            .collect(),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use penholder_core::{IdSource, Node, NodeKind};

    fn document(nodes: &[(NodeId, &str)]) -> Document {
        Document::new(
            "Declaration",
            nodes
                .iter()
                .map(|(id, text)| Node::new(*id, NodeKind::Operative, *text))
                .collect(),
        )
    }

    fn text_of(cell: &Option<SynopticCell>) -> Option<String> {
        cell.as_ref().map(SynopticCell::text)
    }

    #[test]
    fn columns_are_read_from_the_query() {
        let available = [1, 2, 3, 4];
        assert_eq!(
            columns_of(Some("1, 3,4"), Some("Commission|| Council "), &available).unwrap(),
            [
                ColumnRequest {
                    version: 1,
                    label: Some("Commission".into())
                },
                ColumnRequest {
                    version: 3,
                    label: None
                },
                ColumnRequest {
                    version: 4,
                    label: Some("Council".into())
                },
            ]
        );
        assert_eq!(columns_of(None, None, &available).unwrap().len(), 4);
        let cases = [
            (Some("1,7,9"), None, "no version 7, 9"),
            (Some("1,x"), None, "\"x\""),
            (Some("1,2"), Some("a|b|c"), "3 labels for 2 columns"),
            (Some(","), None, "\"\""),
        ];
        for (versions, labels, needle) in cases {
            let error = columns_of(versions, labels, &available).unwrap_err();
            assert!(
                matches!(&error, Error::Malformed(detail) if detail.contains(needle)),
                "{versions:?} {labels:?}: {error:?}"
            );
        }
        let many: Vec<u32> = (1..=13).collect();
        assert!(columns_of(None, None, &many).is_err(), "13 columns");
    }

    #[test]
    fn rows_follow_node_ids_and_cells_show_the_changes_against_the_column_before() {
        let mut ids = IdSource::new(1, 0);
        let [a, b, c, d] = [(); 4].map(|_| ids.next_id());
        let zero = document(&[
            (a, "Call on all States."),
            (b, "Recall the Charter."),
            (c, "Note the report."),
        ]);
        // Rev. 1: a reworded, d inserted after a, c deleted.
        let rev1 = document(&[
            (a, "Call on all States without delay."),
            (d, "Welcome the plan."),
            (b, "Recall the Charter."),
        ]);
        // Agreed: b reworded.
        let agreed = document(&[
            (a, "Call on all States without delay."),
            (d, "Welcome the plan."),
            (b, "Recall the UN Charter."),
        ]);
        let texts = [
            (1, "Zero draft".to_string(), zero.clone()),
            (2, "Rev. 1".to_string(), rev1.clone()),
            (3, "Agreed".to_string(), agreed.clone()),
        ];
        let redlines = [
            (penholder_diff::redline(&zero, &rev1, &[]), true),
            (penholder_diff::redline(&rev1, &agreed, &[]), false),
        ];
        let table = of("Declaration".into(), &texts, &redlines);
        assert_eq!(table.headings(), ["Zero draft", "Rev. 1", "Agreed"]);
        assert_eq!(
            table
                .columns
                .iter()
                .map(|c| c.attributed)
                .collect::<Vec<_>>(),
            [true, true, false]
        );
        let order: Vec<NodeId> = table.rows.iter().map(|r| r.node).collect();
        assert_eq!(order, [a, d, b, c]);
        let row = |id: NodeId| table.rows.iter().find(|r| r.node == id).unwrap();
        // Each column's text is that version's text of the node.
        assert_eq!(
            row(a).cells.iter().map(text_of).collect::<Vec<_>>(),
            [
                Some("Call on all States.".to_string()),
                Some("Call on all States without delay.".to_string()),
                Some("Call on all States without delay.".to_string()),
            ]
        );
        let a_rev1 = row(a).cells[1].as_ref().unwrap();
        assert_eq!(a_rev1.status, NodeStatus::Changed);
        assert!(
            a_rev1
                .segments
                .iter()
                .any(|s| s.kind == SegmentKind::Insert && s.text.contains("without delay"))
        );
        assert!(!row(a).cells[2].as_ref().unwrap().has_changes());
        let d_cells = &row(d).cells;
        assert!(d_cells[0].is_none());
        assert_eq!(d_cells[1].as_ref().unwrap().status, NodeStatus::Inserted);
        assert_eq!(
            d_cells[1].as_ref().unwrap().reference.as_deref(),
            Some("OP2")
        );
        // c: present, deleted in Rev. 1 (struck out, no reference), absent afterwards.
        let c_cells = &row(c).cells;
        assert_eq!(
            c_cells[0].as_ref().unwrap().reference.as_deref(),
            Some("OP3")
        );
        let deleted = c_cells[1].as_ref().unwrap();
        assert_eq!(
            (deleted.status, deleted.reference.as_deref()),
            (NodeStatus::Deleted, None)
        );
        assert!(
            deleted
                .segments
                .iter()
                .all(|s| s.kind == SegmentKind::Delete)
        );
        assert!(c_cells[2].is_none());
        let b_agreed = row(b).cells[2].as_ref().unwrap();
        assert_eq!(b_agreed.status, NodeStatus::Changed);
        assert_eq!(b_agreed.text(), "Recall the UN Charter.");
    }

    mod property {
        use super::*;
        use proptest::prelude::*;

        /// A version: its nodes' (id index, text), in order.
        type Plan = Vec<(usize, String)>;

        /// Versions of one document: each from the previous by rewording, deleting and
        /// inserting nodes (ids from a pool of 12, each used once per version).
        fn versions() -> impl Strategy<Value = Vec<Plan>> {
            let words = prop::sample::select(vec![
                "call", "on", "all", "States", "to", "act", "now", "the", "Charter", "recall",
            ]);
            let text = prop::collection::vec(words, 1..6).prop_map(|w| w.join(" "));
            prop::collection::vec(prop::collection::vec((0usize..12, text), 1..8), 1..5).prop_map(
                |versions| {
                    versions
                        .into_iter()
                        .map(|nodes| {
                            let mut seen = std::collections::BTreeSet::new();
                            nodes
                                .into_iter()
                                .filter(|(id, _)| seen.insert(*id))
                                .collect()
                        })
                        .collect()
                },
            )
        }

        proptest! {
            /// Every cell gives its column's text of its node (the redline from the column to its
            /// left, read as the target), a node absent from a column and from the one before
            /// has no cell, and the rows are the concordance's.
            #[test]
            fn each_cell_is_its_versions_text(plans in versions()) {
                let mut source = IdSource::new(7, 0);
                let pool: Vec<NodeId> = (0..12).map(|_| source.next_id()).collect();
                let texts: Vec<(u32, String, Document)> = plans
                    .iter()
                    .enumerate()
                    .map(|(index, plan)| {
                        let nodes: Vec<(NodeId, &str)> =
                            plan.iter().map(|(id, text)| (pool[*id], text.as_str())).collect();
                        (index as u32 + 1, format!("v{}", index + 1), document(&nodes))
                    })
                    .collect();
                let redlines: Vec<(Redline, bool)> = texts
                    .windows(2)
                    .map(|pair| (penholder_diff::redline(&pair[0].2, &pair[1].2, &[]), true))
                    .collect();
                let table = of("Declaration".into(), &texts, &redlines);
                let concordance = crate::concordance::of("Declaration".into(), &texts);
                prop_assert_eq!(
                    table.rows.iter().map(|r| r.node).collect::<Vec<_>>(),
                    concordance.rows.iter().map(|r| r.node).collect::<Vec<_>>()
                );
                for row in &table.rows {
                    for (column, (_, _, version)) in texts.iter().enumerate() {
                        let here = version.walk().into_iter().find(|v| v.node.id == row.node);
                        let before = column
                            .checked_sub(1)
                            .and_then(|c| texts[c].2.walk().into_iter().find(|v| v.node.id == row.node).map(|_| ()));
                        match (&row.cells[column], here) {
                            (Some(cell), Some(visit)) => {
                                prop_assert_eq!(cell.text(), visit.node.text.clone());
                                prop_assert!(cell.reference.is_some());
                            }
                            (Some(cell), None) => {
                                prop_assert_eq!(cell.status, NodeStatus::Deleted);
                                prop_assert!(before.is_some());
                            }
                            (None, Some(_)) => prop_assert!(false, "a node of column {} has no cell", column),
                            (None, None) => {}
                        }
                    }
                }
            }
        }
    }
}
