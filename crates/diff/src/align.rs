//! Alignment of a revised text made elsewhere (say, the chairmanship's hand-edited Markdown,
//! imported with fresh ids) with the previous version, so that node ids and attribution survive.
//!
//! Matching, in passes, on words only (tokens without a letter or digit — markup such as `**`,
//! punctuation — are left out: they say nothing about which paragraph is which):
//! 1. nodes with the same words match, in document order when a text repeats; a *label* (three
//!    words or fewer: "Art 49", an empty heading, "Option 3:") matches only a label with the
//!    same words **and the same number**, since in a legal text the number names it;
//! 2. the remaining pairs (labels aside) are scored by the share of words they have in common
//!    (Dice coefficient over word multisets, found through an index of words so that large
//!    documents stay fast) and matched greedily from the best score down, when at least half
//!    their words are shared; ties go to the pair closest in position;
//! 3. an unmatched revised node whose words mostly (60 %) come from an already matched previous
//!    node is *split from* it (new id, the first part keeps the old one); an unmatched previous
//!    node whose words mostly reappear in a matched revised node was *merged* into it;
//! 4. structure: an unmatched node whose children mostly come from one previous node of its
//!    kind is that node (a renumbered article), deepest first; then an unmatched numbered node
//!    is the previous node of its kind with the same number under the same (matched) parent
//!    ("Art 49" that became "Art 49 (weggefallen)").
//!
//! `tests/fidelity.rs` measures the matching on the German Basic Law against its own numbering.
//!
//! A matched node keeps its previous id even when renumbered, moved or re-parented.
//!
//! Fulfilment (with a compilation of the round the revision answers): for each alternative of
//! each change, **exactly** when the revision carries the alternative's words in place (for a
//! word-level change: the base word before the span, the alternative's words, the base word
//! after it, consecutively; for a deletion of a node: the node is gone; for an amended node or
//! a new node: a revised node with the same words), **in part** when at least one of the words
//! the alternative adds appears among the words the revision adds, or, for an alternative that
//! only removes words, when one of them is removed by the revision.

use crate::blame::{rebuild, whole};
use crate::hunk::{Interner, Tokens, exact_edits};
use crate::model::*;
use penholder_core::{Document, Node, NodeId, NodeKind, Version, Visit};
use std::collections::{BTreeMap, HashMap, HashSet};

const MATCH_THRESHOLD: u32 = 50;
const CONTAINMENT_THRESHOLD: u32 = 60;
/// A text of this many words or fewer is a label ("Art 49", "Option 3:", an empty heading):
/// it matches only the same words under the same number, never by similarity.
const SHORT_LABEL_WORDS: usize = 3;

/// Aligns `revised` (fresh ids) with `previous`; with the round's `compilation`, also says which
/// proposals the revision fulfils.
pub fn align(
    previous: &Document,
    revised: &Document,
    compilation: Option<&Compilation>,
) -> Alignment {
    let previous_walk = previous.walk();
    let revised_walk = revised.walk();
    let mut interner = Interner::default();
    // Each text's words twice from one tokenization: whitespace aside (for telling an identical
    // node from an edited one), and words only (for matching).
    let (previous_exact, previous_words): (Vec<Vec<u32>>, Vec<Vec<u32>>) = previous_walk
        .iter()
        .map(|v| node_words(&v.node.text, &mut interner))
        .unzip();
    let (revised_exact, revised_words): (Vec<Vec<u32>>, Vec<Vec<u32>>) = revised_walk
        .iter()
        .map(|v| node_words(&v.node.text, &mut interner))
        .unzip();

    // revised index → previous index
    let mut matched: Vec<Option<usize>> = vec![None; revised_walk.len()];
    let mut taken: Vec<bool> = vec![false; previous_walk.len()];

    // Pass 1: same words. A short label ("Art 49", an empty heading, "Option 3:") matches only
    // a label with the same number: in a legal text, the number is what names it.
    fn key<'v>(visit: &Visit<'v>, words: &[u32]) -> Option<&'v str> {
        (words.len() <= SHORT_LABEL_WORDS).then(|| visit.node.num.as_deref().unwrap_or(""))
    }
    let mut by_words: HashMap<(Option<&str>, &[u32]), Vec<usize>> = HashMap::new();
    for (index, words) in previous_words.iter().enumerate().rev() {
        by_words
            .entry((key(&previous_walk[index], words), words.as_slice()))
            .or_default()
            .push(index);
    }
    for (index, words) in revised_words.iter().enumerate() {
        if let Some(candidates) =
            by_words.get_mut(&(key(&revised_walk[index], words), words.as_slice()))
            && let Some(found) = candidates.pop()
        {
            matched[index] = Some(found);
            taken[found] = true;
        }
    }

    // Pass 2: similar words, best pairs first.
    let bags_previous: Vec<HashMap<u32, u32>> = previous_words.iter().map(|w| bag(w)).collect();
    let bags_revised: Vec<HashMap<u32, u32>> = revised_words.iter().map(|w| bag(w)).collect();
    let mut index_of_word: HashMap<u32, Vec<usize>> = HashMap::new();
    for (index, bag) in bags_previous.iter().enumerate() {
        if taken[index] || previous_words[index].len() <= SHORT_LABEL_WORDS {
            continue;
        }
        for word in bag.keys() {
            index_of_word.entry(*word).or_default().push(index);
        }
    }
    let mut pairs: Vec<(u32, usize, usize, usize)> = Vec::new(); // (score, distance, revised, previous)
    for (r, bag) in bags_revised.iter().enumerate() {
        if matched[r].is_some() || revised_words[r].len() <= SHORT_LABEL_WORDS {
            continue;
        }
        let mut shared: HashMap<usize, u32> = HashMap::new();
        for (word, count) in bag {
            for &p in index_of_word.get(word).into_iter().flatten() {
                let theirs = bags_previous[p].get(word).copied().unwrap_or(0);
                *shared.entry(p).or_insert(0) += theirs.min(*count);
            }
        }
        for (p, common) in shared {
            let score = dice(common, revised_words[r].len(), previous_words[p].len());
            if score >= MATCH_THRESHOLD {
                pairs.push((score, r.abs_diff(p), r, p));
            }
        }
    }
    pairs.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(a.1.cmp(&b.1))
            .then(a.2.cmp(&b.2))
            .then(a.3.cmp(&b.3))
    });
    for (_, _, r, p) in pairs {
        if matched[r].is_none() && !taken[p] {
            matched[r] = Some(p);
            taken[p] = true;
        }
    }

    // Pass 3: splits and merges.
    let mut split_from: HashMap<usize, usize> = HashMap::new();
    for r in 0..revised_walk.len() {
        if matched[r].is_some() || revised_words[r].len() <= SHORT_LABEL_WORDS {
            continue;
        }
        let best = matched
            .iter()
            .flatten()
            .map(|&p| {
                (
                    containment(&bags_revised[r], &bags_previous[p], revised_words[r].len()),
                    p,
                )
            })
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        if let Some((score, p)) = best
            && score >= CONTAINMENT_THRESHOLD
        {
            split_from.insert(r, p);
        }
    }
    // The first part of a split keeps the id: hand the match to the earliest part.
    let mut parts: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (&r, &p) in &split_from {
        parts.entry(p).or_default().push(r);
    }
    for (p, mut split_parts) in parts {
        let Some(holder) = matched.iter().position(|m| *m == Some(p)) else {
            continue;
        };
        split_parts.sort_unstable();
        if let Some(&first) = split_parts.first()
            && first < holder
        {
            matched[first] = Some(p);
            matched[holder] = None;
            split_from.remove(&first);
            split_from.insert(holder, p);
        }
    }
    let mut merged_into: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for p in 0..previous_walk.len() {
        if taken[p]
            || previous_words[p].len() <= SHORT_LABEL_WORDS
            || split_from.values().any(|&q| q == p)
        {
            continue;
        }
        let best = matched
            .iter()
            .enumerate()
            .filter_map(|(r, m)| m.map(|_| r))
            .map(|r| {
                (
                    containment(&bags_previous[p], &bags_revised[r], previous_words[p].len()),
                    r,
                )
            })
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        if let Some((score, r)) = best
            && score >= CONTAINMENT_THRESHOLD
        {
            merged_into.entry(r).or_default().push(p);
            taken[p] = true;
        }
    }

    // Pass 4: structure. An unmatched node (a renumbered heading, a retitled part) whose
    // children mostly come from one previous node of its kind is that node.
    adopt_parents(
        &previous_walk,
        &revised_walk,
        &mut matched,
        &mut taken,
        &split_from,
    );

    // The revised document with previous ids restored.
    let mut id_map: HashMap<NodeId, NodeId> = HashMap::new();
    let mut nodes = Vec::with_capacity(revised_walk.len());
    for (r, visit) in revised_walk.iter().enumerate() {
        let (id, previous_ids, how, similarity) = match (matched[r], split_from.get(&r)) {
            (Some(p), _) => {
                let id = previous_walk[p].node.id;
                let mut from = vec![id];
                let merged = merged_into.get(&r);
                from.extend(
                    merged
                        .into_iter()
                        .flatten()
                        .map(|&q| previous_walk[q].node.id),
                );
                let how = if merged.is_some() {
                    Match::MergedFrom
                } else if previous_exact[p] == revised_exact[r] {
                    Match::Identical
                } else {
                    Match::Edited
                };
                let mut words_before: Vec<u32> = previous_words[p].clone();
                for &q in merged.into_iter().flatten() {
                    words_before.extend_from_slice(&previous_words[q]);
                }
                let common = shared_count(&bag(&words_before), &bags_revised[r]);
                let score = dice(common, words_before.len(), revised_words[r].len());
                (id, from, how, score)
            }
            (None, Some(&p)) => {
                let score =
                    containment(&bags_revised[r], &bags_previous[p], revised_words[r].len());
                (
                    visit.node.id,
                    vec![previous_walk[p].node.id],
                    Match::SplitFrom,
                    score,
                )
            }
            (None, None) => (visit.node.id, Vec::new(), Match::New, 0),
        };
        id_map.insert(visit.node.id, id);
        nodes.push(NodeAlignment {
            node: id,
            previous: previous_ids,
            how,
            similarity: similarity.min(100) as u8,
        });
    }
    let document = Document {
        title: revised.title.clone(),
        nodes: revised.nodes.iter().map(|n| renamed(n, &id_map)).collect(),
    };
    let kept: HashSet<NodeId> = nodes
        .iter()
        .flat_map(|n| n.previous.iter().copied())
        .collect();
    let removed: Vec<NodeId> = previous_walk
        .iter()
        .map(|v| v.node.id)
        .filter(|id| !kept.contains(id))
        .collect();
    let fulfilled = compilation
        .map(|c| fulfilments(c, &document, &nodes))
        .unwrap_or_default();
    Alignment {
        document,
        nodes,
        removed,
        fulfilled,
    }
}

/// Pass 4 of [`align`], deepest nodes first so that a matched part can vouch for its parent.
fn adopt_parents(
    previous_walk: &[Visit<'_>],
    revised_walk: &[Visit<'_>],
    matched: &mut [Option<usize>],
    taken: &mut [bool],
    split_from: &HashMap<usize, usize>,
) {
    let previous_index = positions(previous_walk);
    let previous_parent: Vec<Option<usize>> = previous_walk
        .iter()
        .map(|v| v.parent.and_then(|p| previous_index.get(&p.id).copied()))
        .collect();
    let revised_index = positions(revised_walk);
    for r in (0..revised_walk.len()).rev() {
        if matched[r].is_some() || split_from.contains_key(&r) {
            continue;
        }
        let node = revised_walk[r].node;
        let mut votes: HashMap<usize, usize> = HashMap::new();
        for child in &node.children {
            if let Some(&c) = revised_index.get(&child.id)
                && let Some(p) = matched[c]
                && let Some(parent) = previous_parent[p]
            {
                *votes.entry(parent).or_insert(0) += 1;
            }
        }
        let best = votes
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)));
        if let Some((p, count)) = best
            && !taken[p]
            && 2 * count > node.children.len()
            && previous_walk[p].node.kind == node.kind
        {
            matched[r] = Some(p);
            taken[p] = true;
        }
    }
    // Then by number under the same parent: "Art 49" that became "Art 49 (weggefallen)" is
    // still Art 49.
    let mut by_number: HashMap<(Option<usize>, &str, NodeKind), usize> = HashMap::new();
    for (p, visit) in previous_walk.iter().enumerate() {
        if let Some(num) = visit.node.num.as_deref()
            && !taken[p]
        {
            by_number
                .entry((previous_parent[p], num, visit.node.kind))
                .or_insert(p);
        }
    }
    for r in 0..revised_walk.len() {
        let visit = &revised_walk[r];
        if matched[r].is_some() || split_from.contains_key(&r) {
            continue;
        }
        let Some(num) = visit.node.num.as_deref() else {
            continue;
        };
        let parent = match visit.parent {
            None => None,
            Some(parent) => match revised_index.get(&parent.id).and_then(|&i| matched[i]) {
                Some(p) => Some(p),
                None => continue,
            },
        };
        if let Some(p) = by_number.remove(&(parent, num, visit.node.kind)) {
            matched[r] = Some(p);
            taken[p] = true;
        }
    }
}

/// The words of a text, interned: every word (whitespace aside), and the words that matching
/// compares (markup and punctuation, tokens without a letter or digit, left out).
fn node_words<'a>(text: &'a str, interner: &mut Interner<'a>) -> (Vec<u32>, Vec<u32>) {
    let tokens = Tokens::new(text, interner);
    let matching = tokens
        .words
        .iter()
        .zip(&tokens.keys)
        .filter(|&(&token, _)| {
            let token = token as usize;
            text[tokens.starts[token]..tokens.starts[token + 1]]
                .chars()
                .any(char::is_alphanumeric)
        })
        .map(|(_, &key)| key)
        .collect();
    (tokens.keys, matching)
}

/// Each node's index in a walk.
fn positions(walk: &[Visit<'_>]) -> HashMap<NodeId, usize> {
    walk.iter()
        .enumerate()
        .map(|(i, v)| (v.node.id, i))
        .collect()
}

fn renamed(node: &Node, ids: &HashMap<NodeId, NodeId>) -> Node {
    Node {
        id: ids.get(&node.id).copied().unwrap_or(node.id),
        kind: node.kind,
        num: node.num.clone(),
        text: node.text.clone(),
        external_id: node.external_id.clone(),
        children: node.children.iter().map(|c| renamed(c, ids)).collect(),
    }
}

fn bag(words: &[u32]) -> HashMap<u32, u32> {
    let mut out = HashMap::with_capacity(words.len());
    for &word in words {
        *out.entry(word).or_insert(0) += 1;
    }
    out
}

fn shared_count(a: &HashMap<u32, u32>, b: &HashMap<u32, u32>) -> u32 {
    a.iter()
        .map(|(word, count)| b.get(word).copied().unwrap_or(0).min(*count))
        .sum()
}

/// 2·shared / (a + b), in percent.
fn dice(shared: u32, a: usize, b: usize) -> u32 {
    if a + b == 0 {
        return 100;
    }
    (200 * u64::from(shared) / (a + b) as u64) as u32
}

/// The share of `part`'s words found in `whole`, in percent.
fn containment(part: &HashMap<u32, u32>, whole: &HashMap<u32, u32>, part_len: usize) -> u32 {
    if part_len == 0 {
        return 0;
    }
    (100 * u64::from(shared_count(part, whole)) / part_len as u64) as u32
}

/// The words (non-whitespace tokens) of a text.
fn words_of(text: &str) -> Vec<&str> {
    crate::token::tokenize(text)
        .into_iter()
        .filter(|t| !crate::token::is_whitespace_token(t))
        .collect()
}

fn fulfilments(
    compilation: &Compilation,
    revised: &Document,
    nodes: &[NodeAlignment],
) -> Vec<Fulfilment> {
    // Previous node → its revised text (through an identical, edited or merged match).
    let mut revised_text: HashMap<NodeId, &str> = HashMap::new();
    for alignment in nodes {
        if matches!(
            alignment.how,
            Match::Identical | Match::Edited | Match::MergedFrom
        ) && let Some(node) = revised.find(alignment.node)
        {
            revised_text.insert(alignment.node, node.text.as_str());
        }
    }
    let new_texts: Vec<Vec<&str>> = nodes
        .iter()
        .filter(|n| matches!(n.how, Match::New | Match::SplitFrom))
        .filter_map(|n| revised.find(n.node))
        .map(|n| words_of(&n.text))
        .collect();
    let mut out = Vec::new();
    for node in &compilation.nodes {
        let now = revised_text.get(&node.node).copied();
        for change in &node.changes {
            for alternative in &change.alternatives {
                let degree = match (&change.scope, &alternative.text, now) {
                    (Scope::Node, None, None) => Some(Degree::Exactly),
                    (Scope::Node, None, Some(_)) => None,
                    (Scope::Node, Some(text), Some(now)) => {
                        whole_text_degree(&node.base_text, text, now)
                    }
                    (
                        Scope::Words {
                            start_byte,
                            end_byte,
                            ..
                        },
                        Some(text),
                        Some(now),
                    ) => span_degree(&node.base_text, *start_byte, *end_byte, text, now),
                    (Scope::InsertAfter { .. } | Scope::InsertBefore { .. }, Some(text), _) => {
                        insert_degree(text, &new_texts)
                    }
                    _ => None,
                };
                if let Some(degree) = degree {
                    out.push(Fulfilment {
                        change: change.id.clone(),
                        alternative: alternative.id.clone(),
                        degree,
                        delegations: alternative.delegations(),
                    });
                }
            }
        }
    }
    out
}

/// Whether `now` carries the alternative `text` in place of base bytes `start..end`.
fn span_degree(base: &str, start: usize, end: usize, text: &str, now: &str) -> Option<Degree> {
    let (Some(before), Some(after), Some(span)) =
        (base.get(..start), base.get(end..), base.get(start..end))
    else {
        return None;
    };
    let before_words = words_of(before);
    let after_words = words_of(after);
    let alternative = words_of(text);
    let now_words = words_of(now);
    // Exactly: previous base word, the alternative's words, next base word, in a row.
    let mut expected: Vec<&str> = Vec::new();
    expected.extend(before_words.last());
    expected.extend(alternative.iter().copied());
    expected.extend(after_words.first());
    let in_a_row = !expected.is_empty()
        && now_words
            .windows(expected.len())
            .any(|window| window == expected.as_slice());
    if in_a_row {
        return Some(Degree::Exactly);
    }
    // In part: the words the alternative adds or removes, against what the revision does
    // around this span.
    let span_words = words_of(span);
    let added: Vec<&str> = multiset_minus(&alternative, &span_words);
    let removed: Vec<&str> = multiset_minus(&span_words, &alternative);
    let revision_added = multiset_minus(&now_words, &words_of(base));
    let revision_removed = multiset_minus(&words_of(base), &now_words);
    // A word the alternative adds must be there; only a pure deletion is judged by removals
    // (replacing a word removes it too, whichever alternative is chosen).
    let hits = if added.is_empty() {
        removed
            .iter()
            .filter(|w| revision_removed.contains(w))
            .count()
    } else {
        added.iter().filter(|w| revision_added.contains(w)).count()
    };
    (hits > 0).then_some(Degree::InPart)
}

fn whole_text_degree(base: &str, text: &str, now: &str) -> Option<Degree> {
    if words_of(text) == words_of(now) {
        return Some(Degree::Exactly);
    }
    span_degree(base, 0, base.len(), text, now).map(|_| Degree::InPart)
}

fn insert_degree(text: &str, new_texts: &[Vec<&str>]) -> Option<Degree> {
    let words = words_of(text);
    if new_texts.contains(&words) {
        return Some(Degree::Exactly);
    }
    let mine = words.iter().copied().collect::<HashSet<_>>();
    new_texts
        .iter()
        .any(|t| {
            let shared = t.iter().filter(|w| mine.contains(*w)).count();
            !t.is_empty() && 2 * shared * 100 / (t.len() + words.len()) >= MATCH_THRESHOLD as usize
        })
        .then_some(Degree::InPart)
}

fn multiset_minus<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<&'a str> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for w in b {
        *counts.entry(w).or_insert(0) += 1;
    }
    let mut out = Vec::new();
    for w in a {
        match counts.get_mut(w) {
            Some(n) if *n > 0 => *n -= 1,
            _ => out.push(*w),
        }
    }
    out
}

/// Adopts an aligned revision as the next version: its document, and provenance in which text
/// the revision shares with the previous version keeps its origin, text that carries out a
/// fulfilled alternative is attributed to that alternative's delegations, and the rest to the
/// chair of `round`. Fulfilled changes are listed as applied, the others as kept (undecided).
pub fn adopt(
    previous: &Version,
    previous_blame: &Blame,
    alignment: &Alignment,
    compilation: Option<&Compilation>,
    round: &str,
) -> Consolidation {
    let chair = Origin::Chair {
        round: round.to_string(),
    };
    let fulfilled: HashMap<&str, &Fulfilment> = alignment
        .fulfilled
        .iter()
        .filter(|f| f.degree == Degree::Exactly)
        .chain(
            alignment
                .fulfilled
                .iter()
                .filter(|f| f.degree == Degree::InPart),
        )
        .fold(HashMap::new(), |mut map, f| {
            map.entry(f.change.as_str()).or_insert(f);
            map
        });
    let origin_of = |f: &Fulfilment| Origin::Accepted {
        round: round.to_string(),
        delegations: f.delegations.clone(),
    };
    let changes_of = |node: NodeId| -> Vec<&Change> {
        compilation
            .and_then(|c| c.node(node))
            .map(|n| n.changes.iter().collect())
            .unwrap_or_default()
    };
    let mut blame = Blame::default();
    let mut applied = Vec::new();
    let mut kept = Vec::new();
    let mut inserted_used: HashSet<String> = HashSet::new();
    for visit in alignment.document.walk() {
        let id = visit.node.id;
        let text = &visit.node.text;
        let node_alignment = alignment.nodes.iter().find(|n| n.node == id);
        let previous_node = match node_alignment.map(|n| n.how) {
            Some(Match::Identical | Match::Edited | Match::MergedFrom) => {
                previous.document.find(id)
            }
            _ => None,
        };
        let spans = match previous_node {
            Some(before) => {
                let old_spans = previous_blame.spans(id);
                let changes = changes_of(id);
                let edits = exact_edits(&before.text, text);
                let origins: Vec<Origin> = edits
                    .iter()
                    .map(|edit| {
                        changes
                            .iter()
                            .filter(|c| overlaps(&c.scope, edit.old.start, edit.old.end))
                            .find_map(|c| fulfilled.get(c.id.as_str()).map(|f| origin_of(f)))
                            .unwrap_or_else(|| chair.clone())
                    })
                    .collect();
                rebuild(
                    old_spans,
                    before.text.len(),
                    edits
                        .iter()
                        .zip(&origins)
                        .map(|(e, o)| (e.old.start, e.old.end, e.new.len(), o)),
                )
            }
            None => {
                // A new node: attributed to the insertion it fulfils, if any.
                let words = words_of(text);
                let origin = compilation
                    .into_iter()
                    .flat_map(|c| c.changes())
                    .filter(|c| !inserted_used.contains(&c.id))
                    .filter(|c| {
                        matches!(
                            c.scope,
                            Scope::InsertAfter { .. } | Scope::InsertBefore { .. }
                        )
                    })
                    .find_map(|c| {
                        let f = fulfilled.get(c.id.as_str())?;
                        let alternative = c.alternative(&f.alternative)?;
                        (words_of(alternative.text.as_deref().unwrap_or_default()) == words)
                            .then(|| (c.id.clone(), origin_of(f)))
                    });
                match origin {
                    Some((change, origin)) => {
                        inserted_used.insert(change);
                        whole(text.len(), &origin)
                    }
                    None => whole(text.len(), &chair),
                }
            }
        };
        blame.nodes.insert(id, spans);
    }
    if let Some(compilation) = compilation {
        for change in compilation.changes() {
            match fulfilled.get(change.id.as_str()) {
                Some(f) => {
                    let alternative = change.alternative(&f.alternative);
                    applied.push(AppliedChange {
                        change: change.id.clone(),
                        node: change.node,
                        scope: change.scope.clone(),
                        alternative: Some(f.alternative.clone()),
                        base_text: change.base_text.clone(),
                        text: alternative.and_then(|a| a.text.clone()),
                        origin: origin_of(f),
                    });
                }
                None => kept.push(KeptChange {
                    change: change.id.clone(),
                    reason: KeptReason::Undecided,
                }),
            }
        }
    }
    Consolidation {
        document: alignment.document.clone(),
        blame,
        applied,
        kept,
    }
}

fn overlaps(scope: &Scope, start: usize, end: usize) -> bool {
    match scope {
        Scope::Words {
            start_byte,
            end_byte,
            ..
        } => *start_byte <= end && start <= *end_byte,
        Scope::Node => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use penholder_core::{IdSource, NodeKind};

    fn doc(seed: u64, texts: &[&str]) -> Document {
        let mut ids = IdSource::new(seed, 0);
        Document::new(
            "D",
            texts
                .iter()
                .map(|t| Node::new(ids.next_id(), NodeKind::Operative, *t))
                .collect(),
        )
    }

    #[test]
    fn moved_renumbered_edited_split_and_merged_paragraphs() {
        let previous = doc(
            1,
            &[
                "We recognise the importance of legal pathways for migration.",
                "States shall exchange information on smuggling networks.",
                "We will strengthen cooperation on return and readmission.",
                "Capacity building remains essential. Training programmes will be expanded across the region.",
                "Data protection must be ensured.",
                "Personal data shall be processed lawfully.",
            ],
        );
        let revised = doc(
            2,
            &[
                "A brand new opening paragraph about something else entirely.",
                "We will enhance cooperation on return and readmission.",
                "We recognise the importance of legal pathways for migration.",
                "States shall exchange information on smuggling networks.",
                "Capacity building remains essential.",
                "Training programmes will be expanded across the region.",
                "Data protection must be ensured and personal data shall be processed lawfully.",
            ],
        );
        let alignment = align(&previous, &revised, None);
        let hows: Vec<Match> = alignment.nodes.iter().map(|n| n.how).collect();
        assert_eq!(
            hows,
            [
                Match::New,
                Match::Edited,
                Match::Identical,
                Match::Identical,
                Match::Edited,
                Match::SplitFrom,
                Match::MergedFrom,
            ]
        );
        let p: Vec<NodeId> = previous.nodes.iter().map(|n| n.id).collect();
        assert_eq!(
            alignment.nodes[1].node, p[2],
            "moved and edited keeps its id"
        );
        assert_eq!(alignment.nodes[2].node, p[0]);
        assert_eq!(
            alignment.nodes[4].node, p[3],
            "the first part of a split keeps the id"
        );
        assert_eq!(alignment.nodes[5].previous, [p[3]]);
        assert_eq!(alignment.nodes[6].previous, [p[4], p[5]]);
        assert!(alignment.removed.is_empty());
        assert_eq!(alignment.document.nodes[1].id, p[2]);
        assert_eq!(alignment.document.nodes[0].id, revised.nodes[0].id);
    }

    #[test]
    fn headings_that_are_only_a_number_match_by_their_number_never_by_order() {
        let ids = std::cell::RefCell::new(IdSource::new(3, 0));
        let paragraph =
            |text: &str| Node::new(ids.borrow_mut().next_id(), NodeKind::Paragraph, text);
        // An article: an empty heading (or one carrying only a remark) with its number.
        let article = |num: &str, heading: &str, body: &[&str]| {
            let children = body.iter().map(|text| paragraph(text)).collect();
            Node::new(ids.borrow_mut().next_id(), NodeKind::Part, heading)
                .with_num(num)
                .with_children(children)
        };
        let previous = Document::new(
            "Law",
            vec![
                article("Art 1", "", &["Dogs and cats shall live in peace."]),
                article("Art 2", "", &["The weather is a federal matter."]),
                paragraph("**Support**"),
            ],
        );
        let revised = Document::new(
            "Law",
            vec![
                article("Art 0a", "", &["A wholly new article on rivers and lakes."]),
                article("Art 1", "", &["Dogs and cats shall live in peace."]),
                article("Art 2", "(weggefallen)", &[]),
                paragraph("**Option 3:**"),
            ],
        );
        let alignment = align(&previous, &revised, None);
        let id = |d: &Document, i: usize| d.walk()[i].node.id;
        let hows: Vec<Match> = alignment.nodes.iter().map(|n| n.how).collect();
        assert_eq!(
            hows,
            [
                Match::New,
                Match::New,
                Match::Identical,
                Match::Identical,
                Match::Edited,
                Match::New
            ]
        );
        assert_eq!(
            alignment.nodes[2].node,
            id(&previous, 0),
            "Art 1 keeps its id"
        );
        assert_eq!(
            alignment.nodes[4].node,
            id(&previous, 2),
            "Art 2, repealed, keeps its id"
        );
        assert_eq!(alignment.removed, [id(&previous, 3), id(&previous, 4)]);
    }

    #[test]
    fn a_renumbered_heading_is_known_by_its_children() {
        let mut ids = IdSource::new(4, 0);
        let mut para = |text: &str| Node::new(ids.next_id(), NodeKind::Paragraph, text);
        let children = vec![
            para("States shall cooperate on returns."),
            para("Data shall be protected."),
        ];
        let same_children = vec![
            para("States shall cooperate on returns."),
            para("Data shall be protected."),
        ];
        let previous = Document::new(
            "Law",
            vec![
                Node::new(ids.next_id(), NodeKind::Part, "")
                    .with_num("Art 21")
                    .with_children(children),
            ],
        );
        let revised = Document::new(
            "Law",
            vec![
                Node::new(ids.next_id(), NodeKind::Part, "")
                    .with_num("Art 22")
                    .with_children(same_children),
            ],
        );
        let alignment = align(&previous, &revised, None);
        assert_eq!(alignment.nodes[0].node, previous.nodes[0].id);
        assert!(alignment.removed.is_empty());
    }
}
