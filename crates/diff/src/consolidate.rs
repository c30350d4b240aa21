//! Consolidation: the chairmanship's decisions applied to the base version, giving the next
//! version's document and its provenance.
//!
//! Rules:
//! - `accept` takes the named alternative (a contested change must name one; an uncontested
//!   change may omit it); `reword` puts the chair's text in the change's place (for a word-level
//!   change: in place of its base span; for a node-level change: as the node's text; for a new
//!   node: as its text); `reject` and `defer` keep the base; a change without a decision keeps
//!   the base unless it is uncontested and [`ConsolidateOptions::accept_uncontested`] is set.
//!   The chair's wording of an insertion of words gets the spacing the proposals had (` swiftly`
//!   for `swiftly` where the proposals inserted ` urgently`).
//! - Accepting a node-level alternative (deleting the node, or one full amended text) and also
//!   explicitly accepting a word-level change of the same node contradict each other: that is an
//!   error naming both. Word-level changes applied only by `accept_uncontested` give way to the
//!   node-level decision (recorded as superseded).
//! - New nodes get fresh ids from the caller's [`IdSource`]; several new nodes at one place keep
//!   their ordinal order. A deleted node takes its children with it.
//! - Provenance: kept text keeps its origin; accepted text is `Accepted { round, delegations }`
//!   with the alternative's supporters; the chair's wording is `Chair { round }`.
//! - No silent deletion: the result is refused ([`ConsolidateError::SilentDeletion`]) unless its
//!   redline from the base shows every deleted word, each deletion comes from an applied change,
//!   and each is attributed to it (see [`crate::check_publication`]).
//! - Brackets: a deferred change stays open in the next version as a bracket on its node, with
//!   its alternatives and their supporters (`carry`); its base wording stays in the text.

use crate::blame::{rebuild, rebuild_from_text, whole};
use crate::model::*;
use penholder_core::negotiation::{Decision, Ruling};
use penholder_core::{Document, IdSource, Node, NodeId, NodeKind, Version};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Applies `decisions` on the changes of `compilation` (made on `base`) and gives the next
/// version's document, provenance, and what became of every change.
pub fn consolidate(
    base: &Version,
    base_blame: &Blame,
    compilation: &Compilation,
    decisions: &[Decision],
    options: &ConsolidateOptions,
    new_ids: &mut IdSource,
) -> Result<Consolidation, ConsolidateError> {
    let stale = ConsolidateError::StaleCompilation {
        compilation: compilation.base_version,
        base: base.number,
    };
    if compilation.base_version != base.number {
        return Err(stale);
    }
    // The compilation must describe this base exactly: same texts, every word-level span
    // where it says (a compilation is data a caller may have stored and loaded again).
    for node in &compilation.nodes {
        match base.document.find(node.node) {
            Some(found) if found.text == node.base_text => {}
            _ => return Err(stale),
        }
        let mut previous_end = 0;
        for change in &node.changes {
            if change.alternatives.is_empty() {
                return Err(stale);
            }
            if let Scope::Words {
                start_byte,
                end_byte,
                ..
            } = change.scope
            {
                let fits = start_byte >= previous_end
                    && node.base_text.get(start_byte..end_byte) == Some(change.base_text.as_str());
                if !fits {
                    return Err(stale);
                }
                previous_end = end_byte;
            }
        }
    }
    let stale_error = || ConsolidateError::StaleCompilation {
        compilation: compilation.base_version,
        base: base.number,
    };
    base_blame
        .check(&base.document)
        .map_err(|node| ConsolidateError::BlameMismatch { node })?;

    let changes: HashMap<&str, &Change> =
        compilation.changes().map(|c| (c.id.as_str(), c)).collect();
    let mut decided: HashMap<&str, &Decision> = HashMap::new();
    // A withdrawal is no decision (the store hands out only current ones; this keeps the
    // engine total whatever it is given).
    for decision in decisions.iter().filter(|d| d.ruling.decides()) {
        if !changes.contains_key(decision.change.as_str()) {
            return Err(ConsolidateError::UnknownChange {
                change: decision.change.clone(),
            });
        }
        if decided.insert(decision.change.as_str(), decision).is_some() {
            return Err(ConsolidateError::DuplicateDecision {
                change: decision.change.clone(),
            });
        }
    }

    // What each change does, in document order of the base.
    let mut effects: Vec<Effect<'_>> = Vec::new();
    let mut kept = Vec::new();
    for change in compilation.changes() {
        let outcome = match decided.get(change.id.as_str()).map(|d| &d.ruling) {
            Some(Ruling::Accept { alternative }) => {
                let chosen = match alternative {
                    Some(id) => change.alternative(id).ok_or_else(|| {
                        ConsolidateError::UnknownAlternative {
                            change: change.id.clone(),
                            alternative: id.clone(),
                        }
                    })?,
                    None if change.contested => {
                        return Err(ConsolidateError::AlternativeRequired {
                            change: change.id.clone(),
                        });
                    }
                    None => change.alternatives.first().ok_or_else(stale_error)?,
                };
                Outcome::Apply {
                    alternative: Some(chosen.id.clone()),
                    text: chosen.text.clone(),
                    kind: chosen.kind,
                    origin: accepted(&options.round, chosen),
                    explicit: true,
                }
            }
            Some(Ruling::Reword { text }) => Outcome::Apply {
                alternative: None,
                text: Some(fit_spacing(text, change)),
                kind: change.alternatives.first().and_then(|a| a.kind),
                origin: Origin::Chair {
                    round: options.round.clone(),
                },
                explicit: true,
            },
            Some(Ruling::Reject) => Outcome::Keep(KeptReason::Rejected),
            Some(Ruling::Defer) => Outcome::Keep(KeptReason::Deferred),
            Some(Ruling::Withdraw) => unreachable!("withdrawals are filtered out above"),
            None if options.accept_uncontested && !change.contested => {
                let only = change.alternatives.first().ok_or_else(stale_error)?;
                Outcome::Apply {
                    alternative: Some(only.id.clone()),
                    text: only.text.clone(),
                    kind: only.kind,
                    origin: accepted(&options.round, only),
                    explicit: false,
                }
            }
            None => Outcome::Keep(KeptReason::Undecided),
        };
        match outcome {
            Outcome::Keep(reason) => kept.push(KeptChange {
                change: change.id.clone(),
                reason,
            }),
            Outcome::Apply {
                alternative,
                text,
                kind,
                origin,
                explicit,
            } => effects.push(Effect {
                change,
                alternative,
                text,
                kind,
                origin,
                explicit,
            }),
        }
    }

    // A node-level decision and an explicit word-level one on the same node contradict.
    let mut whole_node: HashMap<NodeId, &str> = HashMap::new();
    for effect in &effects {
        if effect.change.scope == Scope::Node {
            whole_node.insert(effect.change.node, effect.change.id.as_str());
        }
    }
    let mut superseded: HashSet<&str> = HashSet::new();
    for effect in &effects {
        if let Scope::Words { .. } = effect.change.scope
            && let Some(first) = whole_node.get(&effect.change.node)
        {
            if effect.explicit {
                return Err(ConsolidateError::ConflictingDecisions {
                    node: effect.change.node,
                    first: first.to_string(),
                    second: effect.change.id.clone(),
                });
            }
            superseded.insert(effect.change.id.as_str());
        }
    }
    effects.retain(|effect| {
        let keep = !superseded.contains(effect.change.id.as_str());
        if !keep {
            kept.push(KeptChange {
                change: effect.change.id.clone(),
                reason: KeptReason::Superseded,
            });
        }
        keep
    });

    let mut document = base.document.clone();
    let mut blame_nodes = base_blame.nodes.clone();
    let mut applied = Vec::with_capacity(effects.len());

    // Text of existing nodes: word-level changes of a node together, node-level ones alone.
    let mut words_by_node: BTreeMap<NodeId, Vec<&Effect<'_>>> = BTreeMap::new();
    let mut deletions: Vec<NodeId> = Vec::new();
    for effect in &effects {
        match &effect.change.scope {
            Scope::Words { .. } => words_by_node
                .entry(effect.change.node)
                .or_default()
                .push(effect),
            Scope::Node => {
                let id = effect.change.node;
                match &effect.text {
                    None => deletions.push(id),
                    Some(text) => {
                        if let Some(node) = document.find_mut(id) {
                            let spans = blame_nodes.get(&id).cloned().unwrap_or_default();
                            blame_nodes.insert(
                                id,
                                rebuild_from_text(&spans, &node.text, text, &effect.origin),
                            );
                            node.marks = crate::carry_marks(&node.text, &node.marks, text);
                            node.text = text.clone();
                        }
                    }
                }
                applied.push(applied_change(effect, id));
            }
            Scope::InsertAfter { .. } | Scope::InsertBefore { .. } => {}
        }
    }
    for (id, mut list) in words_by_node {
        list.sort_by_key(|e| match e.change.scope {
            Scope::Words { start_byte, .. } => start_byte,
            _ => 0,
        });
        let Some(node) = document.find_mut(id) else {
            continue;
        };
        let pieces: Vec<(usize, usize, &str, &Origin)> = list
            .iter()
            .filter_map(|e| match e.change.scope {
                Scope::Words {
                    start_byte,
                    end_byte,
                    ..
                } => Some((
                    start_byte,
                    end_byte,
                    e.text.as_deref().unwrap_or_default(),
                    &e.origin,
                )),
                _ => None,
            })
            .collect();
        let spans = blame_nodes.get(&id).cloned().unwrap_or_default();
        blame_nodes.insert(
            id,
            rebuild(
                &spans,
                node.text.len(),
                pieces.iter().map(|&(s, e, t, o)| (s, e, t.len(), o)),
            ),
        );
        // Emphasis follows the words (the rule of `penholder_core::marks`): the spliced
        // pieces lose theirs, the words around them keep it.
        node.marks = penholder_core::splice_marks(
            &node.marks,
            pieces.iter().map(|&(s, e, t, _)| (s, e, t.len())),
        );
        node.text = crate::hunk::splice(&node.text, pieces.iter().map(|&(s, e, t, _)| (s, e, t)));
        for effect in list {
            applied.push(applied_change(effect, id));
        }
    }

    // New nodes, in order of place and ordinal; a later one goes after the previous one.
    let mut last_at_place: HashMap<(NodeId, bool), NodeId> = HashMap::new();
    for effect in &effects {
        let (anchor, after) = match effect.change.scope {
            Scope::InsertAfter { anchor, .. } => (anchor, true),
            Scope::InsertBefore { anchor, .. } => (anchor, false),
            _ => continue,
        };
        let text = effect.text.clone().unwrap_or_default();
        let kind = effect
            .kind
            .or_else(|| document.find(anchor).map(|n| n.kind))
            .unwrap_or(NodeKind::Paragraph);
        let node = Node::new(new_ids.next_id(), kind, text);
        let id = node.id;
        let placed = match last_at_place.get(&(anchor, after)) {
            Some(&previous) if after => insert_sibling(&mut document.nodes, previous, node, true),
            _ => insert_sibling(&mut document.nodes, anchor, node, after),
        };
        if placed {
            last_at_place.insert((anchor, after), id);
            blame_nodes.insert(
                id,
                whole(
                    effect.text.as_deref().unwrap_or_default().len(),
                    &effect.origin,
                ),
            );
            applied.push(applied_change(effect, id));
        }
    }

    for id in deletions {
        remove_node(&mut document.nodes, id);
    }

    let order: HashMap<&str, usize> = compilation
        .changes()
        .enumerate()
        .map(|(index, c)| (c.id.as_str(), index))
        .collect();
    applied.sort_by_key(|a| order.get(a.change.as_str()).copied().unwrap_or(usize::MAX));
    kept.sort_by_key(|k| order.get(k.change.as_str()).copied().unwrap_or(usize::MAX));

    // Provenance of exactly the nodes that remain.
    let mut blame = Blame::default();
    for visit in document.walk() {
        let spans = blame_nodes.remove(&visit.node.id).unwrap_or_else(|| {
            whole(
                visit.node.text.len(),
                &Origin::Base {
                    version: base.number,
                },
            )
        });
        blame.nodes.insert(visit.node.id, spans);
    }

    // Nothing may vanish that the redline does not show or that no applied change removed.
    crate::publication::check_publication(
        &base.document,
        &Step {
            round: &options.round,
            document: &document,
            blame: &blame,
            applied: &applied,
        },
    )
    .map_err(ConsolidateError::SilentDeletion)?;

    let deferred: HashSet<&str> = kept
        .iter()
        .filter(|k| k.reason == KeptReason::Deferred)
        .map(|k| k.change.as_str())
        .collect();
    let brackets =
        crate::carry::carried_brackets(&options.round, compilation, &deferred, &document, &applied);
    Ok(Consolidation {
        document,
        blame,
        applied,
        kept,
        brackets,
    })
}

enum Outcome {
    Keep(KeptReason),
    Apply {
        alternative: Option<String>,
        text: Option<String>,
        kind: Option<NodeKind>,
        origin: Origin,
        explicit: bool,
    },
}

struct Effect<'c> {
    change: &'c Change,
    alternative: Option<String>,
    text: Option<String>,
    kind: Option<NodeKind>,
    origin: Origin,
    /// Decided by the chair (not only by `accept_uncontested`).
    explicit: bool,
}

/// The chair's wording for a word-level change, spaced as the proposals and the base span were:
/// when every one of them that is not blank starts (ends) with whitespace and the wording does
/// not, it gets the first one's, so that rewording the insertion ` urgently` as `swiftly` (or
/// the deletion ` will` as `we`) does not glue the wording to the word before.
fn fit_spacing(text: &str, change: &Change) -> String {
    if !matches!(change.scope, Scope::Words { .. }) || text.trim().is_empty() {
        return text.to_string();
    }
    let texts: Vec<&str> = change
        .alternatives
        .iter()
        .filter_map(|a| a.text.as_deref())
        .chain([change.base_text.as_str()])
        .filter(|t| !t.trim().is_empty())
        .collect();
    let Some(first) = texts.first() else {
        return text.to_string();
    };
    let lead = &first[..first.len() - first.trim_start().len()];
    let trail = &first[first.trim_end().len()..];
    let all_lead = texts.iter().all(|t| t.starts_with(char::is_whitespace));
    let all_trail = texts.iter().all(|t| t.ends_with(char::is_whitespace));
    let mut out = String::with_capacity(text.len() + 2);
    if all_lead && !text.starts_with(char::is_whitespace) {
        out.push_str(lead);
    }
    out.push_str(text);
    if all_trail && !text.ends_with(char::is_whitespace) {
        out.push_str(trail);
    }
    out
}

fn accepted(round: &str, alternative: &Alternative) -> Origin {
    Origin::Accepted {
        round: round.to_string(),
        delegations: alternative.delegations(),
    }
}

fn applied_change(effect: &Effect<'_>, node: NodeId) -> AppliedChange {
    AppliedChange {
        change: effect.change.id.clone(),
        node,
        scope: effect.change.scope.clone(),
        alternative: effect.alternative.clone(),
        base_text: effect.change.base_text.clone(),
        text: effect.text.clone(),
        origin: effect.origin.clone(),
    }
}

/// Puts `node` right after (or before) `anchor` among its siblings; false if `anchor` is absent.
fn insert_sibling(nodes: &mut Vec<Node>, anchor: NodeId, node: Node, after: bool) -> bool {
    fn find(nodes: &mut Vec<Node>, anchor: NodeId) -> Option<(&mut Vec<Node>, usize)> {
        if let Some(index) = nodes.iter().position(|n| n.id == anchor) {
            return Some((nodes, index));
        }
        nodes.iter_mut().find_map(|n| find(&mut n.children, anchor))
    }
    match find(nodes, anchor) {
        Some((siblings, index)) => {
            siblings.insert(if after { index + 1 } else { index }, node);
            true
        }
        None => false,
    }
}

fn remove_node(nodes: &mut Vec<Node>, id: NodeId) -> bool {
    if let Some(index) = nodes.iter().position(|n| n.id == id) {
        nodes.remove(index);
        return true;
    }
    nodes.iter_mut().any(|n| remove_node(&mut n.children, id))
}

/// The document a compilation's merged texts describe (every uncontested change applied, new
/// nodes left out), handy for previews.
pub fn merged_document(base: &Document, compilation: &Compilation) -> Document {
    let mut document = base.clone();
    let mut deleted = Vec::new();
    for node in &compilation.nodes {
        match (&node.merged_text, document.find_mut(node.node)) {
            (Some(text), Some(found)) => {
                found.marks = crate::carry_marks(&found.text, &found.marks, text);
                found.text = text.clone();
            }
            (None, Some(_)) => deleted.push(node.node),
            _ => {}
        }
    }
    for id in deleted {
        remove_node(&mut document.nodes, id);
    }
    document
}
