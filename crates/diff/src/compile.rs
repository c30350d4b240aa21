//! The compilation of a round: every delegation's items on one base version, per node, as
//! changes with alternatives and supporters.
//!
//! # Word-level changes of a node
//!
//! 1. Every amendment (a delegation's full proposed text of the node) is diffed against the base
//!    text into hunks (see [`crate::hunks`]).
//! 2. **Coalescing.** Hunks with the same base word range and the same proposed words (spacing
//!    aside) are one hunk, supported by all their delegations.
//! 3. **Grouping.** Two hunks *clash* when their base word ranges overlap or touch: when no
//!    base word stands strictly between them. So a replacement of `good` clashes with a
//!    replacement of `good idea`, with an insertion right before or right after `good`, and with
//!    a replacement of the neighbouring word `idea` in `good idea` (nothing but a space between
//!    them); two different insertions at the same point clash; but replacements of `good` and of
//!    `plan` in `good and plan` do not, because `and` stands between them. Hunks linked by
//!    clashes form one **change**: a merged text only ever combines edits separated by at least
//!    one unchanged base word, because two delegations' edits that touch were read by nobody
//!    together. (This is also git's rule for lines; the oracle test holds us to it.)
//! 4. A change with one hunk is **uncontested**. A change with several hunks has one
//!    **alternative** per distinct text that the delegations involved propose for the whole span
//!    (each delegation's own hunks in the span applied to the base), each alternative listing
//!    every delegation that proposed exactly it; it is **contested** when there are two or more.
//! 5. The **merged text** applies every uncontested change; contested spans keep the base.
//!
//! # Node-level proposals
//!
//! Deleting a node and amending it clash: a node with any deletion proposal gets one node-level
//! change whose alternatives are "delete" (`text: None`) and each distinct amended full text;
//! the amendments' word-level changes are listed as well, so that the chair can reject the
//! deletion and still decide word by word. New nodes proposed at the same place (after the
//! same node, or before a first child) are one change per ordinal (a delegation's first new
//! node there, its second…): identical texts coalesce, different ones are alternatives.
//! Comments attach to their node, or to the whole text.
//!
//! Determinism: every list is sorted by content (delegation code, item index, positions, text),
//! never by the order submissions arrive, so the compilation does not depend on it; change ids
//! are hashes of the node and the change's position.

use crate::hunk::FxHashMap;
use crate::hunk::{Interner, RawHunk, TokenBuffers, Tokens, raw_hunks_into, splice};
use crate::model::*;
use crate::token::{is_whitespace_token, tokenize};
use penholder_core::Visit;
use penholder_core::negotiation::{Anchor, Item, Submission};
use penholder_core::{Document, NodeId, NodeKind, References, Version};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Compiles every submission of a round on its base version.
pub fn compile(base: &Version, submissions: &[Submission]) -> Compilation {
    compile_document(&base.document, base.number, submissions)
}

/// [`compile`] for a document given apart from its version record.
pub fn compile_document<'a>(
    document: &'a Document,
    base_version: u32,
    submissions: &'a [Submission],
) -> Compilation {
    compile_with_threads(document, base_version, submissions, None)
}

/// [`compile_document`] on at most `threads` threads (`None`: as many as pay: one below a
/// thousand proposals, else one per core up to four). The result never depends on it; the
/// benchmark measures the work on one thread.
pub fn compile_with_threads<'a>(
    document: &'a Document,
    base_version: u32,
    submissions: &'a [Submission],
    threads: Option<usize>,
) -> Compilation {
    let references = References::of(document);
    let walk = document.walk();
    let mut position: FxHashMap<NodeId, usize> =
        FxHashMap::with_capacity_and_hasher(walk.len(), Default::default());
    for (index, visit) in walk.iter().enumerate() {
        position.insert(visit.node.id, index);
    }
    let previous_sibling = previous_siblings(document);
    let mut inputs: Vec<NodeInput<'_>> = (0..walk.len()).map(|_| NodeInput::default()).collect();
    let mut general_comments = Vec::new();
    let mut general_flags = Vec::new();
    let mut unplaced = Vec::new();

    // Content order, not arrival order: the compilation must not depend on it.
    let mut ordered: Vec<&Submission> = submissions.iter().collect();
    ordered.sort_by(|a, b| {
        (a.delegation.as_str(), a.revision, a.submitted_at).cmp(&(
            b.delegation.as_str(),
            b.revision,
            b.submitted_at,
        ))
    });
    // A delegation's n-th new node at a place: (delegation, place) → count so far.
    let mut ordinals: FxHashMap<(&str, Place), u32> = FxHashMap::default();

    for submission in ordered {
        let delegation = submission.delegation.as_str();
        for (item_index, item) in submission.items.iter().enumerate() {
            // A flag only for a text with hidden characters (most have none).
            let flag_of = |text: &'_ str| -> Option<Flag> {
                let characters = hidden_characters(text);
                (!characters.is_empty()).then(|| Flag {
                    delegation: delegation.to_string(),
                    item: item_index,
                    kind: FlagKind::HiddenCharacters,
                    characters,
                })
            };
            let missing = |id: NodeId| Unplaced {
                delegation: delegation.to_string(),
                item: item_index,
                reason: format!("node {id} is not in version {base_version}"),
            };
            match item {
                Item::Amend {
                    iso: _,
                    node,
                    text,
                    justification,
                } => {
                    let Some(&at) = position.get(node) else {
                        unplaced.push(missing(*node));
                        continue;
                    };
                    inputs[at].flags.extend(flag_of(text));
                    inputs[at].amends.push(Proposal {
                        delegation,
                        tabled_at: submission.submitted_at,
                        item: item_index,
                        justification: justification.as_deref(),
                        text,
                    });
                }
                Item::Delete {
                    iso: _,
                    node,
                    justification,
                } => {
                    let Some(&at) = position.get(node) else {
                        unplaced.push(missing(*node));
                        continue;
                    };
                    inputs[at].deletes.push(Proposal {
                        delegation,
                        tabled_at: submission.submitted_at,
                        item: item_index,
                        justification: justification.as_deref(),
                        text: "",
                    });
                }
                Item::Insert {
                    iso: _,
                    at,
                    node_kind,
                    text,
                    justification,
                } => {
                    let Some(&anchor_at) = position.get(&at.node()) else {
                        unplaced.push(missing(at.node()));
                        continue;
                    };
                    let place = normalise_place(&previous_sibling, *at);
                    let Some(&home) = position.get(&place.anchor()) else {
                        unplaced.push(missing(place.anchor()));
                        continue;
                    };
                    let ordinal = ordinals.entry((delegation, place)).or_insert(0);
                    *ordinal += 1;
                    let kind = node_kind.unwrap_or(walk[anchor_at].node.kind);
                    inputs[home].flags.extend(flag_of(text));
                    inputs[home].inserts.push(InsertProposal {
                        place,
                        ordinal: *ordinal,
                        kind,
                        proposal: Proposal {
                            delegation,
                            tabled_at: submission.submitted_at,
                            item: item_index,
                            justification: justification.as_deref(),
                            text,
                        },
                    });
                }
                Item::Comment { iso: _, node, text } => {
                    let comment = Comment {
                        delegation: delegation.to_string(),
                        node: *node,
                        item: item_index,
                        text: text.clone(),
                    };
                    let flag = flag_of(text);
                    match node {
                        None => {
                            general_comments.push(comment);
                            general_flags.extend(flag);
                        }
                        Some(id) => match position.get(id) {
                            Some(&at) => {
                                inputs[at].comments.push(comment);
                                inputs[at].flags.extend(flag);
                            }
                            None => unplaced.push(missing(*id)),
                        },
                    }
                }
                // Acts on open brackets become ordinary items of the delegation before the
                // compilation (the application layer knows the base's brackets); one left
                // over names a bracket this base does not have.
                Item::Support {
                    bracket,
                    alternative,
                    ..
                }
                | Item::AmendAlternative {
                    bracket,
                    alternative,
                    ..
                }
                | Item::WithdrawAlternative {
                    bracket,
                    alternative,
                    ..
                } => unplaced.push(Unplaced {
                    delegation: delegation.to_string(),
                    item: item_index,
                    reason: format!(
                        "bracket {bracket} (alternative {alternative}) is not open in version \
                         {base_version}"
                    ),
                }),
            }
        }
    }

    let jobs: Vec<Job<'_>> = walk.iter().zip(inputs).collect();
    let nodes = compile_nodes(jobs, &references, threads);
    general_comments.sort();
    general_flags.sort();
    Compilation {
        document_title: document.title.clone(),
        base_version,
        nodes,
        general_comments,
        general_flags,
        unplaced,
    }
}

/// From how many proposals in all a compilation is shared out among the cores.
const PARALLEL_FROM: usize = 1_000;
/// The most threads one compilation uses.
const MAX_THREADS: usize = 4;

/// Compiles every node. Nodes are independent of one another (each starts from a cleared
/// scratch), so a large round is cut into contiguous runs of about equal work, one per core,
/// and the runs' results are put back in document order: the same compilation as one thread
/// gives, sooner (a test checks it).
/// A node to compile and what was proposed for it.
type Job<'a> = (&'a Visit<'a>, NodeInput<'a>);

fn compile_nodes<'a>(
    jobs: Vec<Job<'a>>,
    references: &References,
    threads: Option<usize>,
) -> Vec<NodeCompilation> {
    let work = |input: &NodeInput<'_>| {
        1 + input.amends.len() + input.deletes.len() + input.inserts.len() + input.comments.len()
    };
    let total: usize = jobs.iter().map(|(_, input)| work(input)).sum();
    let threads = threads.unwrap_or_else(|| {
        if total < PARALLEL_FROM {
            1
        } else {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            cores.min(MAX_THREADS)
        }
    });
    let run = |jobs: Vec<Job<'a>>| -> Vec<NodeCompilation> {
        let mut scratch = Scratch::default();
        jobs.into_iter()
            .map(|(visit, input)| {
                let reference = references
                    .reference(visit.node.id)
                    .map(|r| r.0.clone())
                    .unwrap_or_default();
                let mut compiled = compile_node(
                    visit.node.id,
                    reference,
                    visit.node.kind,
                    visit.depth,
                    &visit.node.text,
                    input,
                    &mut scratch,
                );
                compiled.base_marks.clone_from(&visit.node.marks);
                compiled
            })
            .collect()
    };
    if threads <= 1 {
        return run(jobs);
    }
    // Contiguous runs of about total / threads work each.
    let mut runs: Vec<Vec<Job<'a>>> = Vec::with_capacity(threads);
    let share = total.div_ceil(threads);
    let mut current = Vec::new();
    let mut current_work = 0;
    for job in jobs {
        current_work += work(&job.1);
        current.push(job);
        if current_work >= share && runs.len() + 1 < threads {
            runs.push(std::mem::take(&mut current));
            current_work = 0;
        }
    }
    runs.push(current);
    let slots: Vec<std::sync::Mutex<Option<Vec<Job<'a>>>>> = runs
        .into_iter()
        .map(|jobs| std::sync::Mutex::new(Some(jobs)))
        .collect();
    let take = |slot: &std::sync::Mutex<Option<Vec<Job<'a>>>>| {
        slot.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
            .unwrap_or_default()
    };
    std::thread::scope(|scope| {
        let helpers: Vec<_> = slots[1..]
            .iter()
            .map(|slot| {
                std::thread::Builder::new()
                    .name("penholder-compile".into())
                    .spawn_scoped(scope, || run(take(slot)))
                    .ok()
            })
            .collect();
        let mut nodes = run(take(&slots[0]));
        for (slot, helper) in slots[1..].iter().zip(helpers) {
            if let Some(helper) = helper {
                nodes.extend(
                    helper
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                );
            }
            // A run whose helper the system did not grant is still here: compile it now.
            nodes.extend(run(take(slot)));
        }
        nodes
    })
}

/// Where a new node goes, normalised: "before X" is "after X's previous sibling" when X has one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Place {
    Before(NodeId),
    After(NodeId),
}

impl Place {
    fn anchor(self) -> NodeId {
        match self {
            Place::Before(id) | Place::After(id) => id,
        }
    }
}

fn normalise_place(previous_sibling: &FxHashMap<NodeId, NodeId>, anchor: Anchor) -> Place {
    match anchor {
        Anchor::After(id) => Place::After(id),
        Anchor::Before(id) => match previous_sibling.get(&id) {
            Some(&sibling) => Place::After(sibling),
            None => Place::Before(id),
        },
    }
}

/// Every node that has a previous sibling, mapped to it.
fn previous_siblings(document: &Document) -> FxHashMap<NodeId, NodeId> {
    fn go(nodes: &[penholder_core::Node], out: &mut FxHashMap<NodeId, NodeId>) {
        for pair in nodes.windows(2) {
            out.insert(pair[1].id, pair[0].id);
        }
        for node in nodes {
            go(&node.children, out);
        }
    }
    let mut out = FxHashMap::default();
    go(&document.nodes, &mut out);
    out
}

#[derive(Clone, Copy, Debug)]
struct Proposal<'s> {
    delegation: &'s str,
    /// When its submission was received: its tabling time, for the marshalled order.
    tabled_at: i64,
    item: usize,
    justification: Option<&'s str>,
    text: &'s str,
}

impl Proposal<'_> {
    fn support(&self) -> Support {
        Support {
            delegation: self.delegation.to_string(),
            item: self.item,
            justification: self.justification.map(str::to_string),
        }
    }
}

struct InsertProposal<'s> {
    place: Place,
    ordinal: u32,
    kind: NodeKind,
    proposal: Proposal<'s>,
}

#[derive(Default)]
struct NodeInput<'s> {
    amends: Vec<Proposal<'s>>,
    deletes: Vec<Proposal<'s>>,
    inserts: Vec<InsertProposal<'s>>,
    comments: Vec<Comment>,
    flags: Vec<Flag>,
}

/// Memory reused from node to node.
#[derive(Default)]
struct Scratch<'a> {
    interner: Interner<'a>,
    tokens: Vec<TokenBuffers>,
    hunk_lists: Vec<Vec<RawHunk>>,
}

fn compile_node<'a>(
    node: NodeId,
    reference: String,
    kind: NodeKind,
    depth: usize,
    base_text: &'a str,
    mut input: NodeInput<'a>,
    scratch: &mut Scratch<'a>,
) -> NodeCompilation {
    // Arrival order never matters (see the module docs).
    input
        .amends
        .sort_by(|a, b| (a.delegation, a.item).cmp(&(b.delegation, b.item)));
    input
        .deletes
        .sort_by(|a, b| (a.delegation, a.item).cmp(&(b.delegation, b.item)));

    let mut changes = Vec::new();
    let node_change = (!input.deletes.is_empty())
        .then(|| node_level_change(node, &reference, base_text, &input.deletes, &input.amends));
    let words = word_changes(node, &reference, base_text, &input.amends, scratch);
    let merged_text = match &node_change {
        Some(change) if !change.contested => None,
        _ => Some(words.merged_text),
    };
    changes.extend(node_change);
    changes.extend(words.changes);
    changes.extend(insert_changes(node, &reference, &input.inserts));

    input.comments.sort();
    input.flags.sort();
    NodeCompilation {
        node,
        reference,
        kind,
        depth,
        base_text: base_text.to_string(),
        base_marks: Vec::new(),
        merged_text,
        changes,
        comments: input.comments,
        flags: input.flags,
    }
}

/// The first 12 hex digits of SHA-256 over the parts, each length-prefixed.
pub(crate) fn change_id(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    let digest = hasher.finalize();
    hex::encode(&digest[..6])
}

/// `0 → a`, `25 → z`, `26 → aa`.
pub(crate) fn alternative_label(mut index: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'a' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Orders alternatives (most supporters first, then by text; a deletion after texts on a tie)
/// and labels them `a`, `b`…
fn label_alternatives(alternatives: &mut [Alternative]) {
    alternatives.sort_by(|a, b| {
        b.supporters
            .len()
            .cmp(&a.supporters.len())
            .then_with(|| a.text.is_none().cmp(&b.text.is_none()))
            .then_with(|| a.text.cmp(&b.text))
            .then_with(|| a.kind.cmp(&b.kind))
            .then_with(|| a.supporters.cmp(&b.supporters))
    });
    for (index, alternative) in alternatives.iter_mut().enumerate() {
        alternative.id = alternative_label(index);
        alternative.supporters.sort();
    }
}

/// The marshalled order and the families of a change's labelled alternatives (nothing to order
/// or group for a single one); `proposals` are those behind them, for their tabling times.
fn order_of<'p, 's: 'p>(
    base_text: &str,
    alternatives: &[Alternative],
    proposals: impl Iterator<Item = &'p Proposal<'s>> + Clone,
) -> (Vec<String>, Vec<Family>) {
    if alternatives.len() < 2 {
        return (Vec::new(), Vec::new());
    }
    let tabled_at = |support: &Support| {
        proposals
            .clone()
            .find(|p| p.delegation == support.delegation && p.item == support.item)
            .map_or(i64::MAX, |p| p.tabled_at)
    };
    let marshalled = crate::family::marshal(base_text, alternatives, tabled_at);
    let families = crate::family::families(alternatives, &marshalled);
    (marshalled, families)
}

/// The non-whitespace tokens of a text: what "the same words" compares.
fn word_key(text: &str) -> Vec<&str> {
    tokenize(text)
        .into_iter()
        .filter(|t| !is_whitespace_token(t))
        .collect()
}

fn node_level_change(
    node: NodeId,
    reference: &str,
    base_text: &str,
    deletes: &[Proposal<'_>],
    amends: &[Proposal<'_>],
) -> Change {
    let mut alternatives = vec![Alternative {
        id: String::new(),
        text: None,
        kind: None,
        supporters: deletes.iter().map(Proposal::support).collect(),
    }];
    let mut by_words: BTreeMap<Vec<&str>, usize> = BTreeMap::new();
    for amend in amends {
        let key = word_key(amend.text);
        match by_words.get(&key) {
            Some(&index) => alternatives[index].supporters.push(amend.support()),
            None => {
                by_words.insert(key, alternatives.len());
                alternatives.push(Alternative {
                    id: String::new(),
                    text: Some(amend.text.to_string()),
                    kind: None,
                    supporters: vec![amend.support()],
                });
            }
        }
    }
    label_alternatives(&mut alternatives);
    let (marshalled, families) = order_of(base_text, &alternatives, deletes.iter().chain(amends));
    Change {
        id: change_id(&[node.0.as_bytes(), b"node"]),
        node,
        reference: reference.to_string(),
        scope: Scope::Node,
        base_text: base_text.to_string(),
        contested: alternatives.len() > 1,
        alternatives,
        marshalled,
        families,
    }
}

fn insert_changes(node: NodeId, reference: &str, inserts: &[InsertProposal<'_>]) -> Vec<Change> {
    let mut places: BTreeMap<(u8, u32), Vec<&InsertProposal<'_>>> = BTreeMap::new();
    for insert in inserts {
        let side = match insert.place {
            Place::Before(_) => 0,
            Place::After(_) => 1,
        };
        places
            .entry((side, insert.ordinal))
            .or_default()
            .push(insert);
    }
    places
        .into_iter()
        .map(|((side, ordinal), mut proposals)| {
            proposals.sort_by(|a, b| {
                (a.proposal.delegation, a.proposal.item)
                    .cmp(&(b.proposal.delegation, b.proposal.item))
            });
            let mut alternatives: Vec<Alternative> = Vec::new();
            let mut by_words: BTreeMap<(NodeKind, Vec<&str>), usize> = BTreeMap::new();
            for insert in &proposals {
                let key = (insert.kind, word_key(insert.proposal.text));
                match by_words.get(&key) {
                    Some(&index) => alternatives[index]
                        .supporters
                        .push(insert.proposal.support()),
                    None => {
                        by_words.insert(key, alternatives.len());
                        alternatives.push(Alternative {
                            id: String::new(),
                            text: Some(insert.proposal.text.to_string()),
                            kind: Some(insert.kind),
                            supporters: vec![insert.proposal.support()],
                        });
                    }
                }
            }
            label_alternatives(&mut alternatives);
            let (marshalled, families) =
                order_of("", &alternatives, proposals.iter().map(|i| &i.proposal));
            let (scope, tag): (Scope, &[u8]) = if side == 0 {
                (
                    Scope::InsertBefore {
                        anchor: node,
                        ordinal,
                    },
                    b"before",
                )
            } else {
                (
                    Scope::InsertAfter {
                        anchor: node,
                        ordinal,
                    },
                    b"after",
                )
            };
            Change {
                id: change_id(&[node.0.as_bytes(), tag, &ordinal.to_le_bytes()]),
                node,
                reference: reference.to_string(),
                scope,
                base_text: String::new(),
                contested: alternatives.len() > 1,
                alternatives,
                marshalled,
                families,
            }
        })
        .collect()
}

struct WordChanges {
    changes: Vec<Change>,
    merged_text: String,
}

/// One distinct hunk (after coalescing) and the amendments behind it.
struct Distinct {
    /// Index of the first supporting amendment and of its hunk, for the text shown.
    amend: usize,
    hunk: usize,
    /// Every (amendment, its hunk index) proposing exactly this hunk.
    supporters: Vec<(usize, usize)>,
}

/// The word-level changes of all amendments of one node, and its merged text.
fn word_changes<'a>(
    node: NodeId,
    reference: &str,
    base_text: &'a str,
    amends: &[Proposal<'a>],
    scratch: &mut Scratch<'a>,
) -> WordChanges {
    if amends.is_empty() {
        return WordChanges {
            changes: Vec::new(),
            merged_text: base_text.to_string(),
        };
    }
    let Scratch {
        interner,
        tokens,
        hunk_lists,
    } = scratch;
    interner.clear();
    let base = Tokens::new_in(base_text, interner, tokens.pop().unwrap_or_default());
    let proposals: Vec<Tokens<'a>> = amends
        .iter()
        .map(|a| Tokens::derived_in(&base, a.text, interner, tokens.pop().unwrap_or_default()))
        .collect();
    let hunks: Vec<Vec<RawHunk>> = proposals
        .iter()
        .map(|p| {
            let mut list = hunk_lists.pop().unwrap_or_default();
            list.clear();
            raw_hunks_into(&base, p, &mut list);
            list
        })
        .collect();

    // Coalescing: sort every hunk by (base range, proposed words, amendment) and merge equals.
    let replacement = |amend: usize, hunk: usize| -> &[u32] {
        &proposals[amend].keys[hunks[amend][hunk].proposal_words.clone()]
    };
    let mut all: Vec<(usize, usize)> = hunks
        .iter()
        .enumerate()
        .flat_map(|(amend, list)| (0..list.len()).map(move |hunk| (amend, hunk)))
        .collect();
    let span = |&(amend, hunk): &(usize, usize)| {
        let h = &hunks[amend][hunk];
        (h.start_word, h.end_word)
    };
    all.sort_by(|a, b| {
        span(a)
            .cmp(&span(b))
            .then_with(|| replacement(a.0, a.1).cmp(replacement(b.0, b.1)))
            .then_with(|| a.0.cmp(&b.0))
    });
    let mut distinct: Vec<Distinct> = Vec::new();
    for (amend, hunk) in all {
        if let Some(last) = distinct.last_mut()
            && span(&(last.amend, last.hunk)) == span(&(amend, hunk))
            && replacement(last.amend, last.hunk) == replacement(amend, hunk)
        {
            if last.supporters.last().map(|s| s.0) != Some(amend) {
                last.supporters.push((amend, hunk));
            }
            continue;
        }
        distinct.push(Distinct {
            amend,
            hunk,
            supporters: vec![(amend, hunk)],
        });
    }

    // Grouping: a sweep over hunks sorted by start; a hunk joins the group while it starts at
    // or before the group's furthest end (overlapping or touching, see the module docs).
    let mut groups: Vec<std::ops::Range<usize>> = Vec::new();
    let mut group_end = 0usize;
    for (index, d) in distinct.iter().enumerate() {
        let (start, end) = span(&(d.amend, d.hunk));
        match groups.last_mut() {
            Some(group) if start <= group_end => {
                group.end = index + 1;
                group_end = group_end.max(end);
            }
            _ => {
                groups.push(index..index + 1);
                group_end = end;
            }
        }
    }

    let mut changes = Vec::with_capacity(groups.len());
    let mut merged_pieces: Vec<(usize, usize, usize)> = Vec::new(); // (start, end, change)
    for group in groups {
        let members = &distinct[group];
        let start_byte = members
            .iter()
            .map(|d| hunks[d.amend][d.hunk].start_byte)
            .min()
            .unwrap_or(0);
        let end_byte = members
            .iter()
            .map(|d| hunks[d.amend][d.hunk].end_byte)
            .max()
            .unwrap_or(0);
        let mut alternatives: Vec<Alternative> = Vec::new();
        if let [only] = members {
            let h = &hunks[only.amend][only.hunk];
            alternatives.push(Alternative {
                id: String::new(),
                text: Some(proposals[only.amend].text[h.text.clone()].to_string()),
                kind: None,
                supporters: only
                    .supporters
                    .iter()
                    .map(|&(a, _)| amends[a].support())
                    .collect(),
            });
        } else {
            // Each amendment's own reading of the whole span.
            let start_word = members
                .iter()
                .map(|d| hunks[d.amend][d.hunk].start_word)
                .min()
                .unwrap_or(0);
            let end_word = members
                .iter()
                .map(|d| hunks[d.amend][d.hunk].end_word)
                .max()
                .unwrap_or(0);
            let mut per_amend: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
            for d in members {
                for &(amend, hunk) in &d.supporters {
                    per_amend.entry(amend).or_default().push(hunk);
                }
            }
            let mut by_key: FxHashMap<Vec<u32>, usize> = FxHashMap::default();
            for (amend, mut own) in per_amend {
                own.sort_by_key(|&h| hunks[amend][h].start_word);
                let mut key = Vec::new();
                let mut word = start_word;
                for &h in &own {
                    let hunk = &hunks[amend][h];
                    key.extend_from_slice(&base.keys[word..hunk.start_word]);
                    key.extend_from_slice(replacement(amend, h));
                    word = hunk.end_word;
                }
                key.extend_from_slice(&base.keys[word..end_word]);
                match by_key.get(&key) {
                    Some(&index) => alternatives[index].supporters.push(amends[amend].support()),
                    None => {
                        let text = splice(
                            &base_text[start_byte..end_byte],
                            own.iter().map(|&h| {
                                let hunk = &hunks[amend][h];
                                (
                                    hunk.start_byte - start_byte,
                                    hunk.end_byte - start_byte,
                                    &proposals[amend].text[hunk.text.clone()],
                                )
                            }),
                        );
                        by_key.insert(key, alternatives.len());
                        alternatives.push(Alternative {
                            id: String::new(),
                            text: Some(text),
                            kind: None,
                            supporters: vec![amends[amend].support()],
                        });
                    }
                }
            }
        }
        // Spacing shared by the base span and every alternative stays outside the change.
        let (lead, trail) = common_whitespace(
            &base_text[start_byte..end_byte],
            alternatives.iter().filter_map(|a| a.text.as_deref()),
        );
        let (start_byte, end_byte) = (start_byte + lead, end_byte - trail);
        for alternative in &mut alternatives {
            if let Some(text) = &mut alternative.text {
                text.truncate(text.len() - trail);
                text.drain(..lead);
            }
        }
        label_alternatives(&mut alternatives);
        let contested = alternatives.len() > 1;
        if !contested {
            merged_pieces.push((start_byte, end_byte, changes.len()));
        }
        let (start_token, end_token) = (base.token_at(start_byte), base.token_at(end_byte));
        let (marshalled, families) = if contested {
            order_of(
                &base_text[start_byte..end_byte],
                &alternatives,
                amends.iter(),
            )
        } else {
            (Vec::new(), Vec::new())
        };
        changes.push(Change {
            id: change_id(&[
                node.0.as_bytes(),
                b"words",
                &(start_token as u64).to_le_bytes(),
                &(end_token as u64).to_le_bytes(),
            ]),
            node,
            reference: reference.to_string(),
            scope: Scope::Words {
                start_token,
                end_token,
                start_byte,
                end_byte,
            },
            base_text: base_text[start_byte..end_byte].to_string(),
            alternatives,
            contested,
            marshalled,
            families,
        });
    }
    let merged_text = splice(
        base_text,
        merged_pieces.iter().map(|&(start, end, change)| {
            let text: &Change = &changes[change];
            (
                start,
                end,
                text.alternatives[0].text.as_deref().unwrap_or_default(),
            )
        }),
    );
    tokens.push(base.into_buffers());
    tokens.extend(proposals.into_iter().map(Tokens::into_buffers));
    hunk_lists.extend(hunks);
    WordChanges {
        changes,
        merged_text,
    }
}

/// Lengths of the whitespace prefix and suffix shared by `base` and every text (never
/// overlapping within the shortest).
fn common_whitespace<'a>(
    base: &str,
    texts: impl Iterator<Item = &'a str> + Clone,
) -> (usize, usize) {
    let shortest = texts
        .clone()
        .map(str::len)
        .chain([base.len()])
        .min()
        .unwrap_or(0);
    let leading = |s: &str| s.len() - s.trim_start().len();
    let trailing = |s: &str| s.len() - s.trim_end().len();
    let mut lead = leading(base);
    for text in texts.clone() {
        let common = base
            .bytes()
            .zip(text.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        lead = lead.min(leading(text)).min(common);
    }
    let mut trail = trailing(base);
    for text in texts {
        let common = base
            .bytes()
            .rev()
            .zip(text.bytes().rev())
            .take_while(|(a, b)| a == b)
            .count();
        trail = trail.min(trailing(text)).min(common);
    }
    let trail = trail.min(shortest - lead.min(shortest));
    // Whitespace is ASCII or multi-byte; back off to character boundaries.
    let lead = floor_boundary(base, lead);
    let trail = base.len() - ceil_boundary(base, base.len() - trail);
    (lead, trail)
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_boundary(text: &str, mut at: usize) -> usize {
    while at < text.len() && !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// Bidi embedding/override/isolate controls and zero-width characters.
pub(crate) fn is_hidden(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}'..='\u{200F}' | '\u{FEFF}'
    )
}

/// The characters that can hide or reorder text, each once, as `U+XXXX`.
pub(crate) fn hidden_characters(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    // Every one of them is encoded in UTF-8 starting with byte E2 or EF.
    if text.is_ascii() || !text.bytes().any(|b| b == 0xE2 || b == 0xEF) {
        return found;
    }
    for c in text.chars() {
        if is_hidden(c) {
            let name = format!("U+{:04X}", c as u32);
            if !found.contains(&name) {
                found.push(name);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use penholder_core::{IdSource, Node};

    fn document(texts: &[&str]) -> (Document, Vec<NodeId>) {
        let mut ids = IdSource::new(1, 0);
        let nodes: Vec<Node> = texts
            .iter()
            .map(|t| Node::new(ids.next_id(), NodeKind::Operative, *t))
            .collect();
        let keys = nodes.iter().map(|n| n.id).collect();
        (Document::new("Declaration", nodes), keys)
    }

    fn submission(delegation: &str, items: Vec<Item>) -> Submission {
        Submission {
            delegation: delegation.into(),
            revision: 1,
            submitted_at: 0,
            items,
        }
    }

    fn amend(node: NodeId, text: &str) -> Item {
        Item::Amend {
            iso: Default::default(),
            node,
            text: text.into(),
            justification: None,
        }
    }

    /// `(base span, [(alternative, supporters)])` per change of the node, and the merged text.
    fn words_of(compilation: &Compilation, node: NodeId) -> (Vec<String>, Option<String>) {
        let node = compilation.node(node).unwrap();
        let changes = node
            .changes
            .iter()
            .map(|c| {
                let alternatives: Vec<String> = c
                    .alternatives
                    .iter()
                    .map(|a| {
                        format!(
                            "{}:{:?}({})",
                            a.id,
                            a.text.as_deref().unwrap_or("<delete>"),
                            a.delegations().join(",")
                        )
                    })
                    .collect();
                format!(
                    "{}{:?} -> {}",
                    if c.contested { "!" } else { "" },
                    c.base_text,
                    alternatives.join(" | ")
                )
            })
            .collect();
        (changes, node.merged_text.clone())
    }

    #[test]
    fn shared_among_threads_the_compilation_is_the_same() {
        let texts: Vec<String> = (0..60)
            .map(|n| format!("Paragraph {n} calls on participating States to cooperate on return."))
            .collect();
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        let (doc, keys) = document(&texts);
        let submissions: Vec<Submission> = (0..12)
            .map(|d| {
                let items = (0..60)
                    .filter(|n| (n + d) % 3 == 0)
                    .map(|n| match (n + d) % 4 {
                        0 => amend(
                            keys[n],
                            &format!("Paragraph {n} urges States {d} to cooperate."),
                        ),
                        1 => Item::Delete {
                            iso: Default::default(),
                            node: keys[n],
                            justification: None,
                        },
                        2 => Item::Insert {
                            iso: Default::default(),
                            at: Anchor::After(keys[n]),
                            node_kind: None,
                            text: format!("New text of {d}."),
                            justification: None,
                        },
                        _ => Item::Comment {
                            iso: Default::default(),
                            node: Some(keys[n]),
                            text: format!("Comment {d}."),
                        },
                    })
                    .collect();
                submission(&format!("D{d:02}"), items)
            })
            .collect();
        let one = compile_with_threads(&doc, 1, &submissions, Some(1));
        assert!(one.changes_count() > 100, "{}", one.changes_count());
        for threads in [Some(2), Some(3), Some(7), None] {
            assert_eq!(
                compile_with_threads(&doc, 1, &submissions, threads),
                one,
                "{threads:?}"
            );
        }
    }

    fn check(base: &str, proposals: &[(&str, &str)], expected: &[&str], merged: &str) {
        let (doc, keys) = document(&[base]);
        let submissions: Vec<Submission> = proposals
            .iter()
            .map(|(d, t)| submission(d, vec![amend(keys[0], t)]))
            .collect();
        let compilation = compile_document(&doc, 1, &submissions);
        let (changes, merged_text) = words_of(&compilation, keys[0]);
        assert_eq!(changes, expected);
        assert_eq!(merged_text.as_deref(), Some(merged));
    }

    #[test]
    fn identical_hunks_coalesce() {
        check(
            "States shall cooperate.",
            &[
                ("HU", "States should cooperate."),
                ("AT", "States  should cooperate."),
            ],
            &[r#""shall" -> a:"should"(AT,HU)"#],
            "States should cooperate.",
        );
    }

    #[test]
    fn separated_hunks_merge_touching_ones_are_contested() {
        // `and` stands between `good` and `plan`: both apply.
        check(
            "a good and plan",
            &[("HU", "a great and plan"), ("AT", "a good and project")],
            &[r#""good" -> a:"great"(HU)"#, r#""plan" -> a:"project"(AT)"#],
            "a great and project",
        );
        // Only a space between `good` and `plan`: they touch.
        check(
            "a good plan",
            &[("HU", "a great plan"), ("AT", "a good project")],
            &[r#"!"good plan" -> a:"good project"(AT) | b:"great plan"(HU)"#],
            "a good plan",
        );
        // An insertion right before a replaced word touches it.
        check(
            "act now",
            &[("HU", "act urgently now"), ("AT", "act today")],
            &[r#"!"now" -> a:"today"(AT) | b:"urgently now"(HU)"#],
            "act now",
        );
    }

    #[test]
    fn insertions_at_one_point_are_alternatives_unless_identical() {
        check(
            "act now",
            &[
                ("HU", "act urgently now"),
                ("AT", "act swiftly now"),
                ("DE", "act urgently now"),
            ],
            &[r#"!"" -> a:" urgently"(DE,HU) | b:" swiftly"(AT)"#],
            "act now",
        );
    }

    #[test]
    fn overlapping_ranges_list_each_delegations_reading() {
        check(
            "We will strengthen cooperation on return.",
            &[
                ("HU", "We will enhance cooperation on return."),
                ("AT", "We will enhance and deepen cooperation on return."),
                ("DE", "We will enhance cooperation on return."),
                (
                    "FR",
                    "We will strengthen cooperation on return and readmission.",
                ),
            ],
            &[
                r#"!"strengthen" -> a:"enhance"(DE,HU) | b:"enhance and deepen"(AT)"#,
                r#""" -> a:" and readmission"(FR)"#,
            ],
            "We will strengthen cooperation on return and readmission.",
        );
    }

    #[test]
    fn deletion_against_amendment_and_new_nodes() {
        let (doc, keys) = document(&["First.", "Second.", "Third."]);
        let insert = |at, text: &str| Item::Insert {
            iso: Default::default(),
            at,
            node_kind: None,
            text: text.into(),
            justification: Some("why".into()),
        };
        let submissions = vec![
            submission(
                "UK",
                vec![Item::Delete {
                    iso: Default::default(),
                    node: keys[1],
                    justification: None,
                }],
            ),
            submission(
                "HU",
                vec![
                    amend(keys[1], "Second, amended."),
                    insert(Anchor::After(keys[0]), "New A."),
                ],
            ),
            submission("AT", vec![insert(Anchor::Before(keys[1]), "New A.")]),
            submission("DE", vec![insert(Anchor::After(keys[0]), "New B.")]),
            submission(
                "FR",
                vec![
                    Item::Comment {
                        iso: Default::default(),
                        node: Some(keys[2]),
                        text: "We support\u{200B} this.".into(),
                    },
                    Item::Comment {
                        iso: Default::default(),
                        node: None,
                        text: "General.".into(),
                    },
                ],
            ),
        ];
        let compilation = compile_document(&doc, 1, &submissions);
        let (first, _) = words_of(&compilation, keys[0]);
        assert_eq!(
            first,
            [r#"!"" -> a:"New A."(AT,HU) | b:"New B."(DE)"#],
            "before the second = after the first"
        );
        let (second, merged) = words_of(&compilation, keys[1]);
        assert_eq!(
            second,
            [
                r#"!"Second." -> a:"Second, amended."(HU) | b:"<delete>"(UK)"#,
                r#""" -> a:", amended"(HU)"#,
            ]
        );
        assert_eq!(merged.as_deref(), Some("Second, amended."));
        let third = compilation.node(keys[2]).unwrap();
        assert_eq!(third.comments.len(), 1);
        assert_eq!(third.flags[0].characters, ["U+200B"]);
        assert_eq!(compilation.general_comments[0].text, "General.");
        assert_eq!(compilation.changes_count(), 3);
        assert_eq!(compilation.contested_count(), 2);
    }

    #[test]
    fn an_uncontested_deletion_removes_the_node_from_the_merged_text() {
        let (doc, keys) = document(&["First."]);
        let delete = Item::Delete {
            iso: Default::default(),
            node: keys[0],
            justification: None,
        };
        let compilation = compile_document(
            &doc,
            1,
            &[
                submission("UK", vec![delete.clone()]),
                submission("US", vec![delete]),
            ],
        );
        let node = compilation.node(keys[0]).unwrap();
        assert_eq!(node.merged_text, None);
        assert_eq!(node.changes[0].alternatives[0].delegations(), ["UK", "US"]);
    }

    #[test]
    fn items_on_unknown_nodes_are_kept_as_unplaced() {
        let (doc, _) = document(&["First."]);
        let stranger = IdSource::new(99, 0).next_id();
        let compilation =
            compile_document(&doc, 1, &[submission("HU", vec![amend(stranger, "x")])]);
        assert_eq!(compilation.unplaced.len(), 1);
        assert!(
            compilation.unplaced[0]
                .reason
                .contains(&stranger.to_string())
        );
    }

    #[test]
    fn ids_are_stable_and_order_free() {
        let (doc, keys) = document(&["a good plan for all"]);
        let subs = vec![
            submission("HU", vec![amend(keys[0], "a great plan for all")]),
            submission("AT", vec![amend(keys[0], "a good plan for everyone")]),
        ];
        let forward = compile_document(&doc, 1, &subs);
        let reversed: Vec<Submission> = subs.iter().rev().cloned().collect();
        assert_eq!(forward, compile_document(&doc, 1, &reversed));
        assert_eq!(forward.changes().next().unwrap().id.len(), 12);
    }

    #[test]
    fn hidden_characters_are_named() {
        assert_eq!(
            hidden_characters("a\u{202E}b\u{FEFF}c\u{202E}"),
            ["U+202E", "U+FEFF"]
        );
        assert!(hidden_characters("plain – text’s").is_empty());
    }
}
