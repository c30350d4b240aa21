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

/// A text of `shared/` beside the repository checkout.
fn shared(relative: &str) -> String {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "cannot read {}: {error}. The tests need shared/ beside the repository checkout.",
            path.display()
        )
    })
}

fn import(relative: &str, seed: u64) -> Document {
    penholder_import::import_markdown(&shared(relative), &mut IdSource::new(seed, 0))
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
    score_by(previous, revised, numbered)
}

/// Precision and recall of the alignment over the nodes `truth` names in both versions (a name
/// given to the same node in each).
fn score_by(
    previous: &Document,
    revised: &Document,
    truth: fn(&Document) -> HashMap<String, NodeId>,
) -> Score {
    let alignment = align(previous, revised, None);
    let before = truth(previous);
    let after = truth(revised);
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
                        .map_or("a node without a name", |p| p.as_str())
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

/// The Basic Law uploaded as a chain (each revision aligned with the version before and adopted
/// as the chair's): 2012-07, 2018, 2012-08 (the 2018 wording withdrawn), 2018 again. A deletion
/// is credited to the upload that made it, never to an earlier upload whose text stood around
/// it (3 of the last upload's 40 deletions were credited to the 2018 upload before the fix).
#[test]
fn the_basic_law_uploaded_as_a_chain_credits_each_deletion_to_its_upload() {
    use penholder_core::Version;
    use penholder_diff::{Blame, Origin, SegmentKind, Step, adopt, redline};
    let mut versions: Vec<(String, Version, Blame, Vec<penholder_diff::AppliedChange>)> =
        Vec::new();
    let chain = [BASIC_LAW[0], BASIC_LAW[2], BASIC_LAW[1], BASIC_LAW[2]];
    for (i, path) in chain.iter().enumerate() {
        let document = import(path, i as u64 + 1);
        let number = i as u32 + 1;
        let label = format!("Upload {number}");
        let link = match versions.last() {
            None => {
                let blame = Blame::initial(&document, 1);
                (
                    label,
                    Version::new(1, "v1", None, document),
                    blame,
                    Vec::new(),
                )
            }
            Some((_, previous, previous_blame, _)) => {
                let alignment = align(&previous.document, &document, None);
                let adopted = adopt(previous, previous_blame, &alignment, None, &label);
                let version = Version::new(number, &label, Some(number - 1), adopted.document);
                (label, version, adopted.blame, adopted.applied)
            }
        };
        versions.push(link);
    }
    fn step(link: &(String, Version, Blame, Vec<penholder_diff::AppliedChange>)) -> Step<'_> {
        Step {
            round: &link.0,
            document: &link.1.document,
            blame: &link.2,
            applied: &link.3,
        }
    }
    let chair = |n: u32| Origin::Chair {
        round: format!("Upload {n}"),
    };
    let credited = |from: usize, to: usize| -> Vec<Vec<Origin>> {
        let steps: Vec<Step<'_>> = versions[from + 1..=to].iter().map(step).collect();
        redline(&versions[from].1.document, &versions[to].1.document, &steps)
            .nodes
            .iter()
            .flat_map(|n| &n.segments)
            .filter(|s| s.kind == SegmentKind::Delete)
            .map(|s| s.attribution.clone())
            .collect()
    };
    for (to, upload) in [(1, 2), (2, 3), (3, 4)] {
        let one_step = credited(to - 1, to);
        assert!(!one_step.is_empty());
        let wrong = one_step.iter().filter(|a| **a != [chair(upload)]).count();
        assert_eq!(wrong, 0, "upload {upload}: of {} deletions", one_step.len());
    }
    for from in 0..3 {
        for attribution in credited(from, 3) {
            let by_a_step_between =
                |o: &Origin| (from as u32 + 2..=4).any(|upload| *o == chair(upload));
            assert!(
                !attribution.is_empty() && attribution.iter().all(by_a_step_between),
                "from v{}: {attribution:?}",
                from + 1
            );
        }
    }
}

/// The Basic Law 2012 → 2018 redline says which numbers changed, and only those: Art 21 (3)
/// became (5) (two paragraphs were inserted before it), and no unnumbered paragraph is called
/// renumbered because paragraphs were inserted before it somewhere in the law.
#[test]
fn the_basic_law_redline_reports_its_renumberings() {
    use penholder_core::NodeKind;
    use penholder_diff::redline;
    let previous = import(BASIC_LAW[1], 2);
    let revised = align(&previous, &import(BASIC_LAW[2], 3), None).document;
    let red = redline(&previous, &revised, &[]);
    let renumbered: Vec<_> = red.nodes.iter().filter(|n| n.renumbered).collect();
    eprintln!(
        "Basic Law 2 -> 3: {} of {} nodes renumbered",
        renumbered.len(),
        red.nodes.len()
    );
    assert!(
        renumbered
            .iter()
            .any(|n| n.num_from.as_deref() == Some("(3)")
                && n.num_to.as_deref() == Some("(5)")
                && n.segments[0]
                    .text
                    .starts_with("Das Nähere regeln Bundesgesetze")),
        "Art 21 (3) -> (5) is not reported"
    );
    for node in &renumbered {
        assert!(
            node.num_from != node.num_to
                || !matches!(node.kind, NodeKind::Part | NodeKind::Paragraph),
            "{:?} -> {:?} called renumbered",
            node.reference_from,
            node.reference_to
        );
    }
}

const ITALIAN_COPYRIGHT_LAW: [&str; 2] = [
    "realtexts/it-copyright-law-akn/19410716_041U0633_VIGENZA_20211231.xml",
    "realtexts/it-copyright-law-akn/19410716_041U0633_VIGENZA_20241222.xml",
];

fn import_akn(relative: &str, seed: u64) -> Document {
    penholder_import::import_akn(&shared(relative), &mut IdSource::new(seed, 0))
        .expect("the Italian law imports")
        .document
}

/// Every node by the `eId` its Akoma Ntoso source gave it (Normattiva keeps an article's eId
/// through its amendments: `art_64bis__para_1`); an eId given twice names no node.
fn by_eid(document: &Document) -> HashMap<String, NodeId> {
    let mut out: HashMap<String, Option<NodeId>> = HashMap::new();
    for visit in document.walk() {
        if let Some(e_id) = visit.node.external_id.as_ref().and_then(|x| x.e_id.clone()) {
            out.entry(e_id)
                .and_modify(|id| *id = None)
                .or_insert(Some(visit.node.id));
        }
    }
    out.into_iter()
        .filter_map(|(e_id, id)| Some((e_id, id?)))
        .collect()
}

/// The Italian copyright law as in force at the end of 2021 and of 2024 (Normattiva's Akoma
/// Ntoso): the later one's ids come from the alignment, which reads texts and numbers only (as
/// for a text made elsewhere), checked against the eIds the source keeps across amendments.
#[test]
fn the_italian_copyright_law_keeps_its_ids_from_2021_to_2024() {
    let earlier = import_akn(ITALIAN_COPYRIGHT_LAW[0], 1);
    let later = import_akn(ITALIAN_COPYRIGHT_LAW[1], 2);
    let score = score_by(&earlier, &later, by_eid);
    eprintln!(
        "Italian copyright law 2021 -> 2024: precision {:.4}, recall {:.4}, {} wrong; {} nodes \
         reported moved, {} truly moved",
        score.precision,
        score.recall,
        score.wrong.len(),
        score.reported_moves,
        score.true_moves
    );
    for line in score.wrong.iter().take(30) {
        eprintln!("  {line}");
    }
    assert!(
        score.precision >= 0.97 && score.recall >= 0.97,
        "precision {:.4}, recall {:.4}",
        score.precision,
        score.recall
    );
}
