//! Attribution through a chain of versions: in a redline between any two versions, a deleted
//! span is credited to the step that removed it and an inserted span to the step that added it,
//! whether the steps were consolidations of decided proposals or texts uploaded by the chair
//! (of its own, or carrying out the delegations' proposals).
//!
//! The generated chains use words that never repeat (`w0`, `w1`, …), each spaced by one space,
//! so that which step removed or added a word is known without ambiguity: the generator records
//! it while it writes each version.

mod common;

use common::*;
use penholder_core::negotiation::Submission;
use penholder_core::{Document, IdSource, Node, NodeId, NodeKind, Version};
use penholder_diff::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, HashMap};

/// One version of the chain, with what a redline's step needs of it.
struct Link {
    label: String,
    version: Version,
    blame: Blame,
    applied: Vec<AppliedChange>,
}

fn step(link: &Link) -> Step<'_> {
    Step {
        round: &link.label,
        document: &link.version.document,
        blame: &link.blame,
        applied: &link.applied,
    }
}

/// `revised` (previous ids kept, new nodes with fresh ids) adopted as an upload by the chair,
/// as `penholder_negotiation` does after aligning a text made elsewhere; with a round's
/// `compilation`, the upload carries out every one of its changes exactly.
fn upload(previous: &Link, revised: Document, number: u32, label: &str) -> Link {
    upload_carrying_out(previous, revised, None, number, label)
}

fn upload_carrying_out(
    previous: &Link,
    revised: Document,
    compilation: Option<&Compilation>,
    number: u32,
    label: &str,
) -> Link {
    let nodes = revised
        .walk()
        .iter()
        .map(|visit| {
            let before = previous.version.document.find(visit.node.id);
            NodeAlignment {
                node: visit.node.id,
                previous: before.map(|n| vec![n.id]).unwrap_or_default(),
                how: match before {
                    None => Match::New,
                    Some(n) if n.text == visit.node.text => Match::Identical,
                    Some(_) => Match::Edited,
                },
                similarity: 0,
            }
        })
        .collect();
    let removed = previous
        .version
        .document
        .walk()
        .iter()
        .map(|v| v.node.id)
        .filter(|id| revised.find(*id).is_none())
        .collect();
    let alignment = Alignment {
        document: revised,
        nodes,
        removed,
        fulfilled: compilation
            .into_iter()
            .flat_map(|c| c.changes())
            .map(|change| Fulfilment {
                change: change.id.clone(),
                alternative: change.alternatives[0].id.clone(),
                degree: Degree::Exactly,
                delegations: change.delegations(),
            })
            .collect(),
    };
    let adopted = adopt(
        &previous.version,
        &previous.blame,
        &alignment,
        compilation,
        label,
    );
    Link {
        label: label.to_string(),
        version: Version::new(
            number,
            label,
            Some(previous.version.number),
            adopted.document,
        ),
        blame: adopted.blame,
        applied: adopted.applied,
    }
}

fn first(document: Document) -> Link {
    Link {
        label: "Zero draft".into(),
        blame: Blame::initial(&document, 1),
        version: Version::new(1, "Zero draft", None, document),
        applied: Vec::new(),
    }
}

fn chair(round: &str) -> Origin {
    Origin::Chair {
        round: round.into(),
    }
}

fn deletions(redline: &Redline) -> Vec<(&str, &[Origin])> {
    segments(redline, SegmentKind::Delete)
}

fn segments(redline: &Redline, kind: SegmentKind) -> Vec<(&str, &[Origin])> {
    redline
        .nodes
        .iter()
        .flat_map(|n| &n.segments)
        .filter(|s| s.kind == kind)
        .map(|s| (s.text.as_str(), s.attribution.as_slice()))
        .collect()
}

/// The Basic Law's case in small: v2 (an upload) inserts a sentence, v4 (an upload) deletes it
/// again. The deletion is v4's, not v2's, in the one-step redline and across the chain.
#[test]
fn a_sentence_inserted_by_one_upload_and_deleted_by_a_later_one_is_the_later_ones() {
    let mut ids = IdSource::new(3, 0);
    let (a, b) = (ids.next_id(), ids.next_id());
    let doc = |first: &str, second: &str| {
        Document::new(
            "Law",
            vec![
                Node::new(a, NodeKind::Paragraph, first),
                Node::new(b, NodeKind::Paragraph, second),
            ],
        )
    };
    let v1 = first(doc("The federal law applies.", "Details are regulated."));
    let v2 = upload(
        &v1,
        doc(
            "The federal law applies. It binds the Länder as well. Exceptions need consent.",
            "Details are regulated.",
        ),
        2,
        "Upload 2",
    );
    let v3 = upload(
        &v2,
        doc(
            "The federal law applies. It binds the Länder as well. Exceptions need consent.",
            "Details are regulated by statute.",
        ),
        3,
        "Upload 3",
    );
    let v4 = upload(
        &v3,
        doc(
            "The federal law applies. Exceptions need consent.",
            "Details are regulated by statute.",
        ),
        4,
        "Upload 4",
    );
    let one_step = redline(&v3.version.document, &v4.version.document, &[step(&v4)]);
    assert_eq!(
        deletions(&one_step),
        [("It binds the Länder as well. ", &[chair("Upload 4")][..])]
    );
    let across = redline(
        &v2.version.document,
        &v4.version.document,
        &[step(&v3), step(&v4)],
    );
    assert_eq!(
        deletions(&across),
        [("It binds the Länder as well. ", &[chair("Upload 4")][..])]
    );
    // From the first version the sentence never shows; what v3 added is v3's.
    let whole = redline(
        &v1.version.document,
        &v4.version.document,
        &[step(&v2), step(&v3), step(&v4)],
    );
    assert_eq!(
        segments(&whole, SegmentKind::Insert),
        [
            (" Exceptions need consent.", &[chair("Upload 2")][..]),
            (" by statute", &[chair("Upload 3")][..])
        ]
    );
    assert!(deletions(&whole).is_empty(), "{:?}", deletions(&whole));
}

// ---------------------------------------------------------------------------------------------
// Random chains.
// ---------------------------------------------------------------------------------------------

const CODES: [&str; 4] = ["AT", "DE", "FR", "HU"];

/// One planned edit: what, on which paragraph (index among those of the step's base), where.
#[derive(Clone, Debug)]
struct Edit {
    op: u8,
    paragraph: usize,
    position: usize,
    /// How many words an insertion adds (a phrase: its inner words lie within one span of
    /// provenance, where a later deletion once took its neighbours' origin).
    words: usize,
}

/// How a step makes its version.
#[derive(Clone, Copy, Debug, PartialEq)]
enum How {
    /// Delegations propose, every change is accepted and consolidated.
    Consolidation,
    /// The chair uploads a text of its own.
    Upload,
    /// The chair uploads a text that carries out the delegations' proposals.
    UploadOfProposals,
}

#[derive(Clone, Debug)]
struct StepPlan {
    how: How,
    /// Which delegation proposes on which paragraph, rotated per step.
    rotation: usize,
    edits: Vec<Edit>,
}

/// A paragraph of the version being planned.
struct Planned {
    /// `None` for a paragraph new in this step.
    id: Option<NodeId>,
    /// For a new paragraph: the one it follows.
    anchor: Option<NodeId>,
    words: Vec<String>,
    origin: Origin,
    delegation: String,
    deleted: bool,
    /// Amended or used as an anchor in this step: not deleted by it too.
    touched: bool,
    has_insertion_after: bool,
}

/// Who removed and who added each word (words never repeat), with the step number.
#[derive(Default)]
struct Truth {
    removed: HashMap<String, (usize, Origin)>,
    added: HashMap<String, (usize, Origin)>,
}

fn words_of(text: &str) -> Vec<String> {
    tokenize(text)
        .into_iter()
        .filter(|t| !t.trim().is_empty())
        .map(str::to_string)
        .collect()
}

struct Chain {
    links: Vec<Link>,
    truth: Truth,
}

fn build_chain(lengths: &[usize], plans: &[StepPlan]) -> Result<Chain, TestCaseError> {
    let mut ids = IdSource::new(11, 0);
    // Words w1..=w{initial_words} are the first version's; later ones were inserted by a step.
    let initial_words: usize = lengths.iter().sum();
    let mut counter = 0usize;
    let mut fresh = || {
        counter += 1;
        format!("w{counter}")
    };
    let nodes: Vec<Node> = lengths
        .iter()
        .map(|&len| {
            let words: Vec<String> = (0..len).map(|_| fresh()).collect();
            Node::new(ids.next_id(), NodeKind::Operative, words.join(" "))
        })
        .collect();
    let mut links = vec![first(Document::new("D", nodes))];
    let mut truth = Truth::default();
    for (index, plan) in plans.iter().enumerate() {
        let number = index + 2;
        let label = if plan.how != How::Consolidation {
            format!("Upload {number}")
        } else {
            format!("R{number}")
        };
        let previous = links.last().expect("a first version");
        let mut planned: Vec<Planned> = previous
            .version
            .document
            .walk()
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let delegation = CODES[(i + plan.rotation) % CODES.len()].to_string();
                Planned {
                    id: Some(v.node.id),
                    anchor: None,
                    words: words_of(&v.node.text),
                    origin: if plan.how == How::Upload {
                        chair(&label)
                    } else {
                        Origin::Accepted {
                            round: label.clone(),
                            delegations: vec![delegation.clone()],
                        }
                    },
                    delegation,
                    deleted: false,
                    touched: false,
                    has_insertion_after: false,
                }
            })
            .collect();
        for edit in &plan.edits {
            // Only paragraphs of the base that are still there.
            let candidates: Vec<usize> = (0..planned.len())
                .filter(|&i| planned[i].id.is_some() && !planned[i].deleted)
                .collect();
            let at = candidates[edit.paragraph % candidates.len()];
            let p = &mut planned[at];
            let origin = p.origin.clone();
            let len = p.words.len();
            match edit.op {
                0 if len > 1 => {
                    let w = p.words.remove(edit.position % len);
                    truth.removed.insert(w, (number, origin));
                    p.touched = true;
                }
                1 => {
                    let new = fresh();
                    let old = std::mem::replace(&mut p.words[edit.position % len], new.clone());
                    truth.removed.insert(old, (number, origin.clone()));
                    truth.added.insert(new, (number, origin));
                    p.touched = true;
                }
                // Not in an upload that carries out proposals: `adopt` credits a fulfilled
                // insertion of words to the chair when the proposal's hunk stands on the other
                // side of a space than the upload's word diff puts it (align.rs, left to its
                // own work).
                2 if plan.how != How::UploadOfProposals => {
                    let at = edit.position % (len + 1);
                    for offset in 0..edit.words {
                        let new = fresh();
                        p.words.insert(at + offset, new.clone());
                        truth.added.insert(new, (number, origin.clone()));
                    }
                    p.touched = true;
                }
                3 if len > 1 => {
                    // Text an earlier step inserted, deleted again.
                    let later: Vec<usize> = (0..len)
                        .filter(|&i| p.words[i][1..].parse::<usize>().unwrap() > initial_words)
                        .collect();
                    if !later.is_empty() {
                        let w = p.words.remove(later[edit.position % later.len()]);
                        truth.removed.insert(w, (number, origin));
                        p.touched = true;
                    }
                }
                4 if candidates.len() > 1 && !p.touched => {
                    p.deleted = true;
                    for w in &p.words {
                        truth.removed.insert(w.clone(), (number, origin.clone()));
                    }
                }
                5 if !p.has_insertion_after => {
                    p.has_insertion_after = true;
                    p.touched = true;
                    let (anchor, delegation) = (p.id, p.delegation.clone());
                    let words: Vec<String> = (0..edit.words + 1).map(|_| fresh()).collect();
                    for w in &words {
                        truth.added.insert(w.clone(), (number, origin.clone()));
                    }
                    planned.insert(
                        at + 1,
                        Planned {
                            id: None,
                            anchor,
                            words,
                            origin,
                            delegation,
                            deleted: false,
                            touched: true,
                            has_insertion_after: true,
                        },
                    );
                }
                _ => {}
            }
        }
        let expected: Vec<String> = planned
            .iter()
            .filter(|p| !p.deleted)
            .map(|p| p.words.join(" "))
            .collect();
        let revised = |ids: &mut IdSource| {
            let nodes = planned
                .iter()
                .filter(|p| !p.deleted)
                .map(|p| {
                    let id = p.id.unwrap_or_else(|| ids.next_id());
                    Node::new(id, NodeKind::Operative, p.words.join(" "))
                })
                .collect();
            Document::new("D", nodes)
        };
        let link = match plan.how {
            How::Upload => upload(previous, revised(&mut ids), number as u32, &label),
            How::UploadOfProposals => {
                let compiled = proposals(previous, &planned)?;
                let document = revised(&mut ids);
                upload_carrying_out(previous, document, Some(&compiled), number as u32, &label)
            }
            How::Consolidation => {
                consolidated(previous, &planned, number as u32, &label, &mut ids)?
            }
        };
        let got: Vec<String> = link
            .version
            .document
            .walk()
            .iter()
            .map(|v| v.node.text.clone())
            .collect();
        prop_assert_eq!(got, expected, "step {}", number);
        links.push(link);
    }
    Ok(Chain { links, truth })
}

/// The planned changes as the delegations' proposals, compiled on the previous version.
fn proposals(previous: &Link, planned: &[Planned]) -> Result<Compilation, TestCaseError> {
    let mut items: BTreeMap<&str, Vec<penholder_core::negotiation::Item>> = BTreeMap::new();
    for p in planned {
        let text = p.words.join(" ");
        let item = match (p.id, p.anchor) {
            (Some(id), _) if p.deleted => delete(id),
            (Some(id), _) => {
                let before = previous.version.document.find(id).expect("a base node");
                if before.text == text {
                    continue;
                }
                amend(id, &text)
            }
            (None, Some(anchor)) => insert_after(anchor, &text),
            (None, None) => unreachable!("a new paragraph follows one"),
        };
        items.entry(&p.delegation).or_default().push(item);
    }
    let submissions: Vec<Submission> = items
        .into_iter()
        .map(|(delegation, items)| submission(delegation, items))
        .collect();
    let compiled = compile(&previous.version, &submissions);
    prop_assert_eq!(compiled.contested_count(), 0);
    Ok(compiled)
}

/// The planned changes proposed by the delegations, compiled and consolidated with every
/// uncontested change accepted.
fn consolidated(
    previous: &Link,
    planned: &[Planned],
    number: u32,
    label: &str,
    ids: &mut IdSource,
) -> Result<Link, TestCaseError> {
    let compiled = proposals(previous, planned)?;
    let options = ConsolidateOptions {
        round: label.to_string(),
        accept_uncontested: true,
    };
    let next = consolidate(
        &previous.version,
        &previous.blame,
        &compiled,
        &[],
        &options,
        ids,
    )
    .map_err(|e| TestCaseError::fail(format!("consolidation failed: {e}")))?;
    Ok(Link {
        label: label.to_string(),
        version: Version::new(number, label, Some(number - 1), next.document),
        blame: next.blame,
        applied: next.applied,
    })
}

fn texts(document: &Document) -> BTreeMap<NodeId, String> {
    document
        .walk()
        .iter()
        .map(|v| (v.node.id, v.node.text.clone()))
        .collect()
}

fn dedup(origins: impl IntoIterator<Item = Origin>) -> Vec<Origin> {
    let mut out: Vec<Origin> = Vec::new();
    for origin in origins {
        if !out.contains(&origin) {
            out.push(origin);
        }
    }
    out
}

fn plans() -> impl Strategy<Value = Vec<StepPlan>> {
    let edit = (0u8..6, any::<usize>(), any::<usize>(), 1usize..4).prop_map(
        |(op, paragraph, position, words)| Edit {
            op,
            paragraph,
            position,
            words,
        },
    );
    let how = prop::sample::select(&[How::Consolidation, How::Upload, How::UploadOfProposals][..]);
    let plan =
        (how, 0usize..4, prop::collection::vec(edit, 1..5)).prop_map(|(how, rotation, edits)| {
            StepPlan {
                how,
                rotation,
                edits,
            }
        });
    prop::collection::vec(plan, 1..5)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Between any two versions of a random chain of consolidations and uploads: the redline
    /// turns the source into the target (and back), every deleted word is credited to the step
    /// that removed it, every inserted word to the step that added it.
    #[test]
    fn every_change_of_a_redline_is_credited_to_the_step_that_made_it(
        lengths in prop::collection::vec(2usize..8, 1..4),
        plans in plans(),
    ) {
        let Chain { links, truth } = build_chain(&lengths, &plans)?;
        for i in 0..links.len() {
            for j in i..links.len() {
                let steps: Vec<Step<'_>> = links[i + 1..=j].iter().map(step).collect();
                let (from, to) = (&links[i].version.document, &links[j].version.document);
                let red = redline(from, to, &steps);
                let as_map = |v: Vec<(NodeId, String)>| v.into_iter().collect::<BTreeMap<_, _>>();
                prop_assert_eq!(as_map(red.source_texts()), texts(from));
                prop_assert_eq!(as_map(red.target_texts()), texts(to));
                // Step k made version k, the link at index k - 1.
                let in_range = |k: usize| k > i + 1 && k <= j + 1;
                for entry in &red.nodes {
                    for segment in &entry.segments {
                        let facts = match segment.kind {
                            SegmentKind::Equal => continue,
                            SegmentKind::Delete => &truth.removed,
                            SegmentKind::Insert => &truth.added,
                        };
                        let words = words_of(&segment.text);
                        let mut expected = Vec::new();
                        for word in &words {
                            let Some((k, origin)) = facts.get(word) else {
                                return Err(TestCaseError::fail(format!("{word} has no step")));
                            };
                            prop_assert!(in_range(*k), "{} by step {} outside v{}..v{}", word, k, i + 1, j + 1);
                            expected.push(origin.clone());
                        }
                        if words.is_empty() {
                            prop_assert!(!segment.attribution.is_empty(), "{:?} unattributed", segment.text);
                        } else {
                            prop_assert_eq!(
                                &segment.attribution,
                                &dedup(expected),
                                "{:?} {:?} in v{} -> v{}",
                                segment.kind,
                                segment.text,
                                i + 1,
                                j + 1
                            );
                        }
                    }
                }
            }
        }
    }
}
