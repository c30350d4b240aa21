//! Fidelity of the alignment on real texts: the German Basic Law in three consecutive versions,
//! each revision imported with fresh ids and aligned with the one before, as when a chair
//! uploads a text made elsewhere. The ground truth is the law's own numbering: the node under
//! the same article and paragraph numbers is the same node (the Basic Law inserts articles as
//! 104c, 143e…, it never renumbers, so the numbers name the nodes across these versions).

use penholder_core::{Document, IdSource, Node, NodeId};
use penholder_diff::{Match, NodeStatus, align, redline};
use std::collections::{HashMap, HashSet};

const BASIC_LAW: [&str; 3] = [
    "realtexts/de-grundgesetz-versions/01_GG_before_Art93_amendment_2012-07.md",
    "realtexts/de-grundgesetz-versions/02_GG_after_Art93_amendment_2012-08-06.md",
    "realtexts/de-grundgesetz-versions/03_GG_update_2018-11-08.md",
];

fn import(relative: &str, seed: u64) -> Document {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "cannot read {}: {error}. The tests need shared/ beside the repository checkout.",
            path.display()
        )
    });
    penholder_import::import_markdown(&text, &mut IdSource::new(seed, 0))
        .expect("the Basic Law imports")
        .document
}

/// Every node that has a number, by the path of numbers from the top ("Art 93/(1)/4c."); a
/// path given twice (a number repeated under one parent) names no node.
fn numbered(document: &Document) -> HashMap<String, NodeId> {
    let mut paths: HashMap<NodeId, String> = HashMap::new();
    let mut out: HashMap<String, Option<NodeId>> = HashMap::new();
    for visit in document.walk() {
        let parent = visit
            .parent
            .and_then(|p| paths.get(&p.id).cloned())
            .unwrap_or_default();
        let own = visit
            .node
            .num
            .clone()
            .unwrap_or_else(|| visit.node.text.chars().take(40).collect::<String>());
        let path = format!("{parent}/{own}");
        paths.insert(visit.node.id, path.clone());
        if visit.node.num.is_some() {
            out.entry(path)
                .and_modify(|id| *id = None)
                .or_insert(Some(visit.node.id));
        }
    }
    out.into_iter()
        .filter_map(|(path, id)| Some((path, id?)))
        .collect()
}

struct Score {
    precision: f64,
    recall: f64,
    wrong: Vec<String>,
    /// Nodes the redline over the alignment calls moved.
    reported_moves: usize,
    /// Nodes the redline calls moved when every numbered node has the id its numbers give it
    /// (the alignment's ids for the others): the moves the revision really makes.
    true_moves: usize,
}

fn moves(previous: &Document, revised: &Document) -> usize {
    redline(previous, revised, &[])
        .nodes
        .iter()
        .filter(|n| n.status == NodeStatus::Moved)
        .count()
}

fn with_ids(node: &Node, ids: &HashMap<NodeId, NodeId>) -> Node {
    fn relabel(node: &mut Node, ids: &HashMap<NodeId, NodeId>) {
        if let Some(id) = ids.get(&node.id) {
            node.id = *id;
        }
        for child in &mut node.children {
            relabel(child, ids);
        }
    }
    let mut out = node.clone();
    relabel(&mut out, ids);
    out
}

/// Precision and recall of the alignment over the numbered nodes both versions hold.
fn score(previous: &Document, revised: &Document) -> Score {
    let alignment = align(previous, revised, None);
    let before = numbered(previous);
    let after = numbered(revised);
    // Revised node (fresh id) → the previous id the alignment gave it.
    let given: HashMap<NodeId, NodeId> = revised
        .walk()
        .iter()
        .zip(&alignment.nodes)
        .filter(|(_, a)| !matches!(a.how, Match::New | Match::SplitFrom))
        .map(|(v, a)| (v.node.id, a.node))
        .collect();
    let previous_path: HashMap<NodeId, &String> = before.iter().map(|(p, id)| (*id, p)).collect();
    let (mut truth, mut made, mut right) = (0usize, 0usize, 0usize);
    let mut wrong = Vec::new();
    for (path, fresh) in &after {
        let expected = before.get(path);
        truth += usize::from(expected.is_some());
        if let Some(got) = given.get(fresh) {
            made += 1;
            if Some(got) == expected {
                right += 1;
            } else {
                wrong.push(format!(
                    "{path} took the id of {}",
                    previous_path
                        .get(got)
                        .map_or("an unnumbered node", |p| p.as_str())
                ));
            }
        } else if expected.is_some() {
            wrong.push(format!("{path} lost its id"));
        }
    }
    wrong.sort();
    // The revision with the true ids: a numbered node takes the id its numbers give it; an id
    // the alignment gave to another node goes back to that node's fresh one.
    let truly: HashMap<NodeId, NodeId> = after
        .iter()
        .filter_map(|(path, fresh)| Some((*fresh, *before.get(path)?)))
        .collect();
    let claimed: HashSet<NodeId> = truly.values().copied().collect();
    let true_ids: HashMap<NodeId, NodeId> = revised
        .walk()
        .iter()
        .zip(&alignment.nodes)
        .map(|(v, a)| {
            let fresh = v.node.id;
            let id = match truly.get(&fresh) {
                Some(id) => *id,
                None if claimed.contains(&a.node) => fresh,
                None => a.node,
            };
            (fresh, id)
        })
        .collect();
    let truth_document = Document {
        title: revised.title.clone(),
        nodes: revised
            .nodes
            .iter()
            .map(|n| with_ids(n, &true_ids))
            .collect(),
    };
    Score {
        precision: right as f64 / made.max(1) as f64,
        recall: right as f64 / truth.max(1) as f64,
        wrong,
        reported_moves: moves(previous, &alignment.document),
        true_moves: moves(previous, &truth_document),
    }
}

#[test]
fn the_basic_law_keeps_its_articles_ids_through_two_revisions() {
    let versions: Vec<Document> = BASIC_LAW
        .iter()
        .enumerate()
        .map(|(i, path)| import(path, i as u64 + 1))
        .collect();
    for (step, pair) in versions.windows(2).enumerate() {
        let score = score(&pair[0], &pair[1]);
        eprintln!(
            "Basic Law {} -> {}: precision {:.4}, recall {:.4}, {} wrong; {} nodes reported \
             moved, {} truly moved",
            step + 1,
            step + 2,
            score.precision,
            score.recall,
            score.wrong.len(),
            score.reported_moves,
            score.true_moves
        );
        for line in score.wrong.iter().take(20) {
            eprintln!("  {line}");
        }
        // What the matching reaches (docs/fidelity.md); every error left is explained there.
        assert!(
            score.precision >= 0.988 && score.recall >= 0.996,
            "step {}: precision {:.4}, recall {:.4}",
            step + 1,
            score.precision,
            score.recall
        );
        assert!(
            score.reported_moves as f64 <= 1.2 * score.true_moves as f64,
            "step {}: {} nodes reported moved for {} true moves",
            step + 1,
            score.reported_moves,
            score.true_moves
        );
    }
}
