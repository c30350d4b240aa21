//! Alignment of a revised text made elsewhere (say, the chairmanship's hand-edited Markdown,
//! imported with fresh ids) with the previous version, so that node ids and attribution survive.
//!
//! Matching, in passes, on words only (tokens without a letter or digit — markup such as `**`,
//! punctuation — are left out: they say nothing about which paragraph is which). Structure and
//! place come before similarity: a node is sought first where it stood, among its neighbours
//! and under its (matched) parent, and elsewhere in the document only on strong evidence.
//! 1. *same words*: a text found once in each document is the same node, wherever it stands;
//!    a *label* (three words or fewer: "Art 49", an empty heading, "Option 3:") matches only a
//!    label with the same words **and the same number**, since in a legal text the number names
//!    it. A text repeated ("Details are regulated by federal law.") matches a copy under the
//!    same parent or in place (see *window* below), never one elsewhere by document order;
//! 2. *structure*: an unmatched node whose children mostly come from one previous node of its
//!    kind is that node (a renumbered article), deepest first; this runs before the similarity
//!    passes, so that parents are known before their children are compared, and again after;
//! 3. *similar words* (Dice coefficient over word multisets), in three tiers:
//!    - a node at least 90 % similar to a previous node *in place* is that node, even if a
//!      unique verbatim copy elsewhere took it in pass 1: an id never leaves a successor in
//!      place that is ≥ 90 % similar;
//!    - in place or under the same parent, at least half the words shared, best pairs first
//!      (on a tie: in place, then of the same kind, then with the same number, then the
//!      closest; numbers never outweigh the text, since paragraphs are renumbered);
//!    - anywhere else (another parent, out of place) only a strong match: ≥ 90 % similar and
//!      the only such pair for both nodes; the redline shows it moved;
//! 4. *splits and merges among neighbours only*: an unmatched revised node next to (before or
//!    after in the walk, or a sibling of) the successor of a previous node, whose words mostly
//!    (60 %) are words that successor lost, was split from it; the first part keeps the id,
//!    unless the successor holding it is ≥ 90 % similar to the previous node. An unmatched
//!    previous node next to a previous node whose successor gained words, mostly its words,
//!    was merged into that successor;
//! 5. then an unmatched numbered node is the previous node of its kind with the same number
//!    under the same (matched) parent ("Art 49" that became "Art 49 (weggefallen)").
//!
//! A node's *window* is the span of previous positions between the matched nodes around it
//! that are still in order (the longest run of matches whose previous positions increase;
//! moved nodes say nothing about places): where the node is expected.
//!
//! Cost (issue 13, item 8: a 1,000-paragraph revision in ≤ 50 ms, 5,000 in ≤ 300 ms;
//! `benches/align.rs`): nothing compares all pairs of nodes. The candidates for a revised node
//! are the previous nodes sharing a *rare* word with it (one found in at most [`MAX_POSTING`]
//! previous nodes) and the [`WINDOW_SLACK`] on either side of where it is expected: at most
//! words × 64 + 17, each scored in time linear in the two texts (sorted word lists). Splits and
//! merges look at four neighbours; a text repeated k times costs about k lookups (its copies
//! indexed by parent) plus the copies inside each node's window; windows come from a longest
//! increasing subsequence. The budget is O(n log n) in the number of nodes n, times the words
//! of a paragraph; [`adopt`] and the fulfilments look nodes up through maps, never by a search
//! per node. The price: a node whose words are all common ones is sought only in its window,
//! and a move is found only through a rare word.
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
use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Similarity (Dice over words, percent) from which two nodes in the same parent or in place
/// are the same node.
const MATCH_THRESHOLD: u32 = 50;
/// Share (percent) of a part's words that must come from the words its neighbour's
/// predecessor lost (a split), or of a node's words found among those its neighbour's
/// successor gained (a merge).
const CONTAINMENT_THRESHOLD: u32 = 60;
/// A strong match (percent): a node this similar to a previous node in place keeps that node's
/// id, whatever copy appears elsewhere; only a match this strong (and the only one for both
/// nodes) crosses parents and places (a move).
const STRONG: u32 = 90;
/// A word in more previous nodes than this generates no candidates (it still counts in the
/// score): looking up a node costs at most its words × this, whatever the document's size.
const MAX_POSTING: usize = 64;
/// Previous nodes considered on either side of where a revised node is expected, whatever
/// their words.
const WINDOW_SLACK: usize = 8;
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

    let previous_side = Side::new(&previous_walk, previous_words);
    let revised_side = Side::new(&revised_walk, revised_words);
    let mut matcher = Matcher::new(&previous_walk, &revised_walk, &previous_side, &revised_side);
    matcher.run();
    let Matcher {
        matched,
        split_from,
        merged_into,
        ..
    } = matcher;
    let (previous_words, revised_words) = (&previous_side.sorted, &revised_side.sorted);

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
                words_before.sort_unstable();
                let common = shared_sorted(&words_before, &revised_words[r]);
                let score = dice(common, words_before.len(), revised_words[r].len());
                (id, from, how, score)
            }
            (None, Some(&p)) => {
                let score = containment(&revised_words[r], &previous_words[p]);
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

/// One document's nodes as the matching sees them, by walk index.
struct Side {
    /// Each node's matching words, sorted (a multiset: similarity is counted on it).
    sorted: Vec<Vec<u32>>,
    /// Each node's matching words in order (exact matching compares them).
    words: Vec<Vec<u32>>,
    parent: Vec<Option<usize>>,
    children: Vec<Vec<usize>>,
    previous_sibling: Vec<Option<usize>>,
    next_sibling: Vec<Option<usize>>,
}

impl Side {
    fn new(walk: &[Visit<'_>], words: Vec<Vec<u32>>) -> Side {
        let index = positions(walk);
        let mut parent = vec![None; walk.len()];
        let mut previous_sibling = vec![None; walk.len()];
        let mut next_sibling = vec![None; walk.len()];
        let mut children = vec![Vec::new(); walk.len()];
        // Top-level nodes are siblings too.
        let roots: Vec<usize> = walk
            .iter()
            .enumerate()
            .filter(|(_, v)| v.parent.is_none())
            .map(|(i, _)| i)
            .collect();
        for pair in roots.windows(2) {
            next_sibling[pair[0]] = Some(pair[1]);
            previous_sibling[pair[1]] = Some(pair[0]);
        }
        for (i, visit) in walk.iter().enumerate() {
            parent[i] = visit.parent.and_then(|p| index.get(&p.id).copied());
            children[i] = visit
                .node
                .children
                .iter()
                .filter_map(|c| index.get(&c.id).copied())
                .collect();
            for pair in children[i].windows(2) {
                next_sibling[pair[0]] = Some(pair[1]);
                previous_sibling[pair[1]] = Some(pair[0]);
            }
        }
        let sorted = words
            .iter()
            .map(|w| {
                let mut s = w.clone();
                s.sort_unstable();
                s
            })
            .collect();
        Side {
            sorted,
            words,
            parent,
            children,
            previous_sibling,
            next_sibling,
        }
    }

    fn is_label(&self, node: usize) -> bool {
        self.words[node].len() <= SHORT_LABEL_WORDS
    }

    /// The nodes next to `node`: before and after it in the walk, and its siblings.
    fn neighbours(&self, node: usize) -> [Option<usize>; 4] {
        [
            node.checked_sub(1),
            Some(node + 1).filter(|&n| n < self.words.len()),
            self.previous_sibling[node],
            self.next_sibling[node],
        ]
    }
}

/// The previous nodes that share a rare word with a text. A word found in more than
/// [`MAX_POSTING`] previous nodes generates no candidates (it still counts in the score), so
/// that looking up one node costs at most its words × [`MAX_POSTING`], whatever the size of
/// the document.
struct WordIndex {
    postings: HashMap<u32, Vec<usize>>,
}

impl WordIndex {
    fn new(side: &Side) -> WordIndex {
        let mut postings: HashMap<u32, Vec<usize>> = HashMap::new();
        for (node, words) in side.sorted.iter().enumerate() {
            if side.is_label(node) {
                continue;
            }
            let mut last = None;
            for &word in words {
                if last != Some(word) {
                    postings.entry(word).or_default().push(node);
                    last = Some(word);
                }
            }
        }
        WordIndex { postings }
    }

    fn candidates(&self, words: &[u32], out: &mut Vec<usize>) {
        for word in words {
            if let Some(nodes) = self.postings.get(word)
                && nodes.len() <= MAX_POSTING
            {
                out.extend_from_slice(nodes);
            }
        }
    }
}

/// Where, among the previous nodes, a revised node is expected: the previous positions between
/// the matched nodes around it that are still in order (moved nodes do not count).
#[derive(Clone, Copy)]
struct Window {
    /// The first previous position after the in-order match before.
    start: usize,
    /// The previous position of the in-order match after (excluded).
    end: usize,
    /// The revised position after the in-order match before (where `start` is expected).
    revised_start: usize,
}

impl Window {
    fn contains(&self, previous: usize) -> bool {
        self.start <= previous && previous < self.end
    }

    /// At most `2 * WINDOW_SLACK + 1` previous positions around where `revised` is expected.
    fn around(&self, revised: usize) -> std::ops::Range<usize> {
        let expected = self.start + revised.saturating_sub(self.revised_start);
        let start = expected.saturating_sub(WINDOW_SLACK).max(self.start);
        let end = (expected + WINDOW_SLACK + 1).min(self.end);
        start..end.max(start)
    }
}

/// A candidate pair of the similarity passes, ordered best first: the higher score, then in
/// place, of the same kind, with the same number (within a parent, kind and number decide
/// between equally similar texts), then the closer.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Pair {
    score: Reverse<u32>,
    out_of_place: bool,
    other_kind: bool,
    other_number: bool,
    distance: usize,
    revised: usize,
    previous: usize,
}

/// The matching of [`align`]: which previous node each revised node is, in the passes the
/// module's documentation describes.
struct Matcher<'s, 'v> {
    previous_walk: &'s [Visit<'v>],
    revised_walk: &'s [Visit<'v>],
    previous: &'s Side,
    revised: &'s Side,
    /// revised index → previous index
    matched: Vec<Option<usize>>,
    /// previous index → revised index
    holder: Vec<Option<usize>>,
    /// revised part → the previous node it was split from
    split_from: HashMap<usize, usize>,
    /// revised node → the previous nodes merged into it (beside its match)
    merged_into: BTreeMap<usize, Vec<usize>>,
    /// previous index → merged into a revised node (so not free, though no node holds it)
    merged: Vec<bool>,
}

impl<'s, 'v> Matcher<'s, 'v> {
    fn new(
        previous_walk: &'s [Visit<'v>],
        revised_walk: &'s [Visit<'v>],
        previous: &'s Side,
        revised: &'s Side,
    ) -> Self {
        Matcher {
            previous_walk,
            revised_walk,
            previous,
            revised,
            matched: vec![None; revised_walk.len()],
            holder: vec![None; previous_walk.len()],
            split_from: HashMap::new(),
            merged_into: BTreeMap::new(),
            merged: vec![false; previous_walk.len()],
        }
    }

    fn run(&mut self) {
        self.same_ids();
        let index = WordIndex::new(self.previous);
        let repeated = self.same_words_unique();
        self.adopt_parents_by_children();
        self.same_words_repeated(&repeated);
        self.similar_in_place(&index);
        self.similar_near(&index);
        self.similar_anywhere(&index);
        self.adopt_parents_by_children();
        self.same_words_repeated(&repeated);
        self.splits();
        self.merges();
        self.adopt_parents_by_number();
        // Again at the end: no pass by words takes an id from the node that carries it.
        self.same_ids();
    }

    /// A revised node carrying a previous node's id is that node, whatever its words: the
    /// source kept our ids (the bookmarks of penholder's DOCX, the structured Markdown), and an
    /// id is a stronger fact than any resemblance. Imports without ids give fresh ones, which
    /// never meet a previous id.
    fn same_ids(&mut self) {
        let previous: HashMap<NodeId, usize> = self
            .previous_walk
            .iter()
            .enumerate()
            .map(|(i, v)| (v.node.id, i))
            .collect();
        for r in 0..self.revised_walk.len() {
            if let Some(&p) = previous.get(&self.revised_walk[r].node.id)
                && self.matched[r] != Some(p)
            {
                self.split_from.remove(&r);
                if self.merged[p] {
                    self.merged[p] = false;
                    for merged in self.merged_into.values_mut() {
                        merged.retain(|&q| q != p);
                    }
                    self.merged_into.retain(|_, merged| !merged.is_empty());
                }
                self.link(r, p);
            }
        }
    }

    fn link(&mut self, revised: usize, previous: usize) {
        if let Some(old) = self.holder[previous] {
            self.matched[old] = None;
        }
        if let Some(old) = self.matched[revised] {
            self.holder[old] = None;
        }
        self.matched[revised] = Some(previous);
        self.holder[previous] = Some(revised);
    }

    fn is_free(&self, previous: usize) -> bool {
        self.holder[previous].is_none() && !self.merged[previous]
    }

    /// Both under the same parent: both at the top, or under matched parents.
    fn same_parent(&self, revised: usize, previous: usize) -> bool {
        match (self.revised.parent[revised], self.previous.parent[previous]) {
            (None, None) => true,
            (Some(r), Some(p)) => self.matched[r] == Some(p),
            _ => false,
        }
    }

    /// Under the same matched parent (not merely both at the top).
    fn same_matched_parent(&self, revised: usize, previous: usize) -> bool {
        self.revised.parent[revised].is_some() && self.same_parent(revised, previous)
    }

    fn similarity(&self, revised: usize, previous: usize) -> u32 {
        let (r, p) = (
            &self.revised.sorted[revised],
            &self.previous.sorted[previous],
        );
        dice(shared_sorted(r, p), r.len(), p.len())
    }

    /// Pass 1: the same words, when that text appears once on each side (whatever its place:
    /// the same text, once in each document, is the same node). A label matches only a label
    /// with the same number. Returns the texts that repeat, matched later by place.
    fn same_words_unique(&mut self) -> Vec<(Vec<usize>, Vec<usize>)> {
        fn key<'v>(visit: &Visit<'v>, words: &[u32]) -> Option<&'v str> {
            (words.len() <= SHORT_LABEL_WORDS).then(|| visit.node.num.as_deref().unwrap_or(""))
        }
        type Group = (Vec<usize>, Vec<usize>);
        let mut groups: HashMap<(Option<&str>, &[u32]), Group> = HashMap::new();
        for (p, words) in self.previous.words.iter().enumerate() {
            groups
                .entry((key(&self.previous_walk[p], words), words.as_slice()))
                .or_default()
                .0
                .push(p);
        }
        for (r, words) in self.revised.words.iter().enumerate() {
            if let Some(group) =
                groups.get_mut(&(key(&self.revised_walk[r], words), words.as_slice()))
            {
                group.1.push(r);
            }
        }
        let mut repeated = Vec::new();
        for (_, (previous, revised)) in groups {
            match (previous.as_slice(), revised.as_slice()) {
                (_, []) => {}
                ([p], [r]) => self.link(*r, *p),
                _ => repeated.push((previous, revised)),
            }
        }
        // Deterministic order: by the first revised node of each group.
        repeated.sort_by_key(|(_, revised)| revised[0]);
        repeated
    }

    /// Pass 1, repeated texts: each revised node takes the first free previous node with the
    /// same words under the same parent and in its window, else under the same parent, else in
    /// its window; never one elsewhere (which of the copies it would be is a guess).
    ///
    /// Cost: the copies are indexed by parent, and the taken ones at the front of each list
    /// are skipped once, so a text repeated k times costs about k lookups, not k² (only the
    /// copies inside a window are scanned one by one).
    fn same_words_repeated(&mut self, repeated: &[(Vec<usize>, Vec<usize>)]) {
        let windows = self.windows();
        for (previous, revised) in repeated {
            // Each parent's copies in document order, and how many at the front are taken.
            let mut by_parent: HashMap<Option<usize>, (Vec<usize>, usize)> = HashMap::new();
            for &p in previous {
                by_parent
                    .entry(self.previous.parent[p])
                    .or_default()
                    .0
                    .push(p);
            }
            for &r in revised {
                if self.matched[r].is_some() {
                    continue;
                }
                let window = windows[r];
                let first_free_in_window = |copies: &[usize]| {
                    let from = copies.partition_point(|&p| p < window.start);
                    copies[from..]
                        .iter()
                        .copied()
                        .take_while(|&p| p < window.end)
                        .find(|&p| self.is_free(p))
                };
                // The previous parent this node's parent is (`Some(None)`: both at the top).
                let parent = match self.revised.parent[r] {
                    None => Some(None),
                    Some(parent) => self.matched[parent].map(Some),
                };
                let mut found = None;
                if let Some(parent) = parent
                    && let Some((copies, taken_front)) = by_parent.get_mut(&parent)
                {
                    while *taken_front < copies.len() && !self.is_free(copies[*taken_front]) {
                        *taken_front += 1;
                    }
                    let rest = &copies[*taken_front..];
                    found = first_free_in_window(rest).or_else(|| rest.first().copied());
                }
                if let Some(p) = found.or_else(|| first_free_in_window(previous)) {
                    self.link(r, p);
                }
            }
        }
    }

    /// The revised nodes' windows, from the matches in order (the longest run of matches whose
    /// previous positions increase; the others are moves, which say nothing about places).
    fn windows(&self) -> Vec<Window> {
        let in_order = self.in_order();
        let anchors: Vec<(usize, usize)> = self
            .matched
            .iter()
            .enumerate()
            .filter(|(r, _)| in_order[*r])
            .filter_map(|(r, m)| m.map(|p| (r, p)))
            .collect();
        let mut windows = Vec::with_capacity(self.revised.words.len());
        let mut next_anchor = 0;
        for r in 0..self.revised.words.len() {
            while next_anchor < anchors.len() && anchors[next_anchor].0 < r {
                next_anchor += 1;
            }
            let before = next_anchor.checked_sub(1).map(|i| anchors[i]);
            // The anchor after r (skipping r itself when it is one).
            let after = anchors[next_anchor..].iter().find(|a| a.0 > r).copied();
            let (start, revised_start) = before.map_or((0, 0), |(br, bp)| (bp + 1, br + 1));
            let end = after.map_or(self.previous.words.len(), |(_, ap)| ap);
            windows.push(Window {
                start,
                end,
                revised_start,
            });
        }
        windows
    }

    /// Matches in order (see [`Matcher::windows`]), by revised index.
    fn in_order(&self) -> Vec<bool> {
        let matches: Vec<(usize, usize)> = self
            .matched
            .iter()
            .enumerate()
            .filter_map(|(r, m)| m.map(|p| (r, p)))
            .collect();
        let keep = longest_increasing(&matches.iter().map(|m| m.1).collect::<Vec<_>>());
        let mut out = vec![false; self.revised.words.len()];
        for ((r, _), keep) in matches.iter().zip(keep) {
            out[*r] = keep;
        }
        out
    }

    /// Scored candidate pairs at or above `threshold`, best first, the candidates of each
    /// revised node being the previous nodes sharing a rare word with it and those around its
    /// expected position, kept when `keep` (revised, previous, in place) says so.
    fn scored_pairs(
        &self,
        index: &WordIndex,
        windows: &[Window],
        threshold: u32,
        keep: impl Fn(usize, usize, bool) -> bool,
    ) -> Vec<Pair> {
        let mut pairs = Vec::new();
        let mut candidates = Vec::new();
        for (r, window) in windows.iter().enumerate() {
            if self.matched[r].is_some() || self.revised.is_label(r) {
                continue;
            }
            candidates.clear();
            index.candidates(&self.revised.sorted[r], &mut candidates);
            candidates.extend(window.around(r));
            candidates.sort_unstable();
            candidates.dedup();
            for &p in &candidates {
                if self.previous.is_label(p) || self.merged[p] {
                    continue;
                }
                let in_place = window.contains(p);
                if !keep(r, p, in_place) {
                    continue;
                }
                let score = self.similarity(r, p);
                if score >= threshold {
                    let (revised, previous) = (self.revised_walk[r], self.previous_walk[p]);
                    pairs.push(Pair {
                        score: Reverse(score),
                        out_of_place: !in_place,
                        other_kind: revised.node.kind != previous.node.kind,
                        other_number: revised.node.num != previous.node.num,
                        distance: r.abs_diff(p),
                        revised: r,
                        previous: p,
                    });
                }
            }
        }
        pairs.sort_unstable();
        pairs
    }

    /// Pass 3, in place: a revised node at least [`STRONG`]ly similar to a previous node in
    /// its window is that node, even when a unique copy elsewhere took it in pass 1 by its
    /// words (that copy was not under the same parent, nor in place): an id never leaves a
    /// successor in place that is ≥ 90 % similar.
    fn similar_in_place(&mut self, index: &WordIndex) {
        let windows = self.windows();
        let in_order = self.in_order();
        let pairs = self.scored_pairs(index, &windows, STRONG, |_, p, in_place| {
            in_place && self.held_out_of_place(p, &in_order)
        });
        let mut reassigned = vec![false; self.previous.words.len()];
        for Pair {
            revised: r,
            previous: p,
            ..
        } in pairs
        {
            if self.matched[r].is_none() && !reassigned[p] && self.held_out_of_place(p, &in_order) {
                self.link(r, p);
                reassigned[p] = true;
            }
        }
    }

    /// Whether `previous` is free, or held by a match neither in order nor under the same
    /// matched parent (a copy elsewhere): a successor in place may take it.
    fn held_out_of_place(&self, previous: usize, in_order: &[bool]) -> bool {
        match self.holder[previous] {
            None => true,
            Some(holder) => !in_order[holder] && !self.same_matched_parent(holder, previous),
        }
    }

    /// Pass 3, near: similar nodes (at least half their words shared) in the same parent or in
    /// place, best pairs first, those in place first on a tie, then the closest.
    fn similar_near(&mut self, index: &WordIndex) {
        let windows = self.windows();
        let pairs = self.scored_pairs(index, &windows, MATCH_THRESHOLD, |r, p, in_place| {
            self.holder[p].is_none() && (in_place || self.same_parent(r, p))
        });
        for Pair {
            revised: r,
            previous: p,
            ..
        } in pairs
        {
            if self.matched[r].is_none() && self.holder[p].is_none() {
                self.link(r, p);
            }
        }
    }

    /// Pass 3, anywhere: elsewhere in the document, only a strong match (≥ 90 % similar) that is
    /// the only one for both nodes: a move.
    fn similar_anywhere(&mut self, index: &WordIndex) {
        let windows = self.windows();
        let pairs = self.scored_pairs(index, &windows, STRONG, |_, p, _| self.holder[p].is_none());
        let mut per_revised: HashMap<usize, usize> = HashMap::new();
        let mut per_previous: HashMap<usize, usize> = HashMap::new();
        for &Pair {
            revised: r,
            previous: p,
            ..
        } in &pairs
        {
            *per_revised.entry(r).or_insert(0) += 1;
            *per_previous.entry(p).or_insert(0) += 1;
        }
        for Pair {
            revised: r,
            previous: p,
            ..
        } in pairs
        {
            if per_revised[&r] == 1 && per_previous[&p] == 1 {
                self.link(r, p);
            }
        }
    }

    /// Pass 4, splits: an unmatched revised node next to the successor of a previous node (or to
    /// another part of it), whose words mostly (60 %) are words that node lost, was split from
    /// it. The first part keeps the id, unless the successor holding it is ≥ 90 % similar.
    fn splits(&mut self) {
        for r in 0..self.revised.words.len() {
            if self.matched[r].is_some() || self.revised.is_label(r) {
                continue;
            }
            let best = self
                .revised
                .neighbours(r)
                .into_iter()
                .flatten()
                .filter_map(|n| self.matched[n].or_else(|| self.split_from.get(&n).copied()))
                .filter(|&p| !self.previous.is_label(p))
                .filter_map(|p| {
                    let successor = self.holder[p]?;
                    let lost =
                        minus_sorted(&self.previous.sorted[p], &self.revised.sorted[successor]);
                    let part = &self.revised.sorted[r];
                    Some((containment(part, &lost), p))
                })
                .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
            if let Some((score, p)) = best
                && score >= CONTAINMENT_THRESHOLD
            {
                self.split_from.insert(r, p);
            }
        }
        // The first part of a split keeps the id, when the successor holding it is not ≥ 90 %
        // the same text.
        let mut parts: BTreeMap<usize, usize> = BTreeMap::new();
        for (&r, &p) in &self.split_from {
            let first = parts.entry(p).or_insert(r);
            *first = (*first).min(r);
        }
        for (p, first) in parts {
            let Some(successor) = self.holder[p] else {
                continue;
            };
            if first < successor && self.similarity(successor, p) < STRONG {
                self.link(first, p);
                self.split_from.remove(&first);
                self.split_from.insert(successor, p);
            }
        }
    }

    /// Pass 4, merges: an unmatched previous node next to a previous node whose successor
    /// gained words, most of them (60 %) this node's, was merged into that successor.
    fn merges(&mut self) {
        let sources: HashSet<usize> = self.split_from.values().copied().collect();
        for p in 0..self.previous.words.len() {
            if !self.is_free(p) || self.previous.is_label(p) || sources.contains(&p) {
                continue;
            }
            let best = self
                .previous
                .neighbours(p)
                .into_iter()
                .flatten()
                .filter(|&q| !self.previous.is_label(q))
                .filter_map(|q| {
                    let successor = self.holder[q]?;
                    let gained =
                        minus_sorted(&self.revised.sorted[successor], &self.previous.sorted[q]);
                    Some((containment(&self.previous.sorted[p], &gained), successor))
                })
                .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
            if let Some((score, r)) = best
                && score >= CONTAINMENT_THRESHOLD
            {
                self.merged_into.entry(r).or_default().push(p);
                self.merged[p] = true;
            }
        }
        // The merged node keeps the first one's id (as a split's first part does), whichever
        // of them shared the most words with it.
        let merges: Vec<usize> = self.merged_into.keys().copied().collect();
        for r in merges {
            let Some(held) = self.matched[r] else {
                continue;
            };
            let sources = self.merged_into.get_mut(&r).expect("listed");
            sources.push(held);
            sources.sort_unstable();
            let first = sources.remove(0);
            if first != held {
                self.merged[first] = false;
                self.merged[held] = true;
                self.link(r, first);
            }
        }
    }

    /// Pass 2: an unmatched node (a renumbered heading, a retitled part) whose children mostly
    /// come from one previous node of its kind is that node; deepest first, so that a matched
    /// part vouches for its parent.
    fn adopt_parents_by_children(&mut self) {
        for r in (0..self.revised_walk.len()).rev() {
            if self.matched[r].is_some() || self.split_from.contains_key(&r) {
                continue;
            }
            let node = self.revised_walk[r].node;
            let mut votes: HashMap<usize, usize> = HashMap::new();
            for &c in &self.revised.children[r] {
                if let Some(p) = self.matched[c]
                    && let Some(parent) = self.previous.parent[p]
                {
                    *votes.entry(parent).or_insert(0) += 1;
                }
            }
            let best = votes
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)));
            if let Some((p, count)) = best
                && self.is_free(p)
                && 2 * count > node.children.len()
                && self.previous_walk[p].node.kind == node.kind
            {
                self.link(r, p);
            }
        }
    }

    /// Pass 5: by number under the same parent: "Art 49" that became "Art 49
    /// (weggefallen)" is still Art 49.
    fn adopt_parents_by_number(&mut self) {
        let mut by_number: HashMap<(Option<usize>, &str, NodeKind), usize> = HashMap::new();
        for (p, visit) in self.previous_walk.iter().enumerate() {
            if let Some(num) = visit.node.num.as_deref()
                && self.is_free(p)
            {
                by_number
                    .entry((self.previous.parent[p], num, visit.node.kind))
                    .or_insert(p);
            }
        }
        for r in 0..self.revised_walk.len() {
            let visit = &self.revised_walk[r];
            if self.matched[r].is_some() || self.split_from.contains_key(&r) {
                continue;
            }
            let Some(num) = visit.node.num.as_deref() else {
                continue;
            };
            let parent = match self.revised.parent[r] {
                None => None,
                Some(parent) => match self.matched[parent] {
                    Some(p) => Some(p),
                    None => continue,
                },
            };
            if let Some(p) = by_number.remove(&(parent, num, visit.node.kind)) {
                self.link(r, p);
            }
        }
    }
}

/// Which values belong to one longest strictly increasing subsequence (patience sorting,
/// O(n log n)).
fn longest_increasing(values: &[usize]) -> Vec<bool> {
    let mut tails: Vec<usize> = Vec::new(); // index into values of the smallest tail per length
    let mut previous: Vec<Option<usize>> = vec![None; values.len()];
    for (i, &value) in values.iter().enumerate() {
        let length = tails.partition_point(|&t| values[t] < value);
        previous[i] = length.checked_sub(1).map(|l| tails[l]);
        if length == tails.len() {
            tails.push(i);
        } else {
            tails[length] = i;
        }
    }
    let mut keep = vec![false; values.len()];
    let mut at = tails.last().copied();
    while let Some(i) = at {
        keep[i] = true;
        at = previous[i];
    }
    keep
}

/// How many words two sorted multisets share.
fn shared_sorted(a: &[u32], b: &[u32]) -> u32 {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared
}

/// The sorted multiset `a` without the words of `b`.
fn minus_sorted(a: &[u32], b: &[u32]) -> Vec<u32> {
    let (mut out, mut j) = (Vec::with_capacity(a.len()), 0);
    for &word in a {
        while j < b.len() && b[j] < word {
            j += 1;
        }
        if j < b.len() && b[j] == word {
            j += 1;
        } else {
            out.push(word);
        }
    }
    out
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
        marks: node.marks.clone(),
        children: node.children.iter().map(|c| renamed(c, ids)).collect(),
    }
}

/// 2·shared / (a + b), in percent.
fn dice(shared: u32, a: usize, b: usize) -> u32 {
    if a + b == 0 {
        return 100;
    }
    (200 * u64::from(shared) / (a + b) as u64) as u32
}

/// The share of `part`'s words found in `whole` (both sorted), in percent.
fn containment(part: &[u32], whole: &[u32]) -> u32 {
    if part.is_empty() {
        return 0;
    }
    (100 * u64::from(shared_sorted(part, whole)) / part.len() as u64) as u32
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
    // `nodes` follow the revised document's walk (as `align` makes them): zipped, not looked up
    // one by one, which would be quadratic in the document's size.
    let walk = revised.walk();
    let aligned = || walk.iter().zip(nodes).map(|(visit, n)| (visit.node, n));
    // Previous node → its revised text (through an identical, edited or merged match).
    let revised_text: HashMap<NodeId, &str> = aligned()
        .filter(|(_, n)| matches!(n.how, Match::Identical | Match::Edited | Match::MergedFrom))
        .map(|(node, n)| (n.node, node.text.as_str()))
        .collect();
    let new_texts: Vec<Vec<&str>> = aligned()
        .filter(|(_, n)| matches!(n.how, Match::New | Match::SplitFrom))
        .map(|(node, _)| words_of(&node.text))
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
    // Lookups by id, built once (a search per node would be quadratic in the document's size).
    let compiled: HashMap<NodeId, &NodeCompilation> = compilation
        .into_iter()
        .flat_map(|c| &c.nodes)
        .map(|n| (n.node, n))
        .collect();
    let changes_of = |node: NodeId| -> Vec<&Change> {
        compiled
            .get(&node)
            .map(|n| n.changes.iter().collect())
            .unwrap_or_default()
    };
    let alignment_of: HashMap<NodeId, &NodeAlignment> =
        alignment.nodes.iter().map(|n| (n.node, n)).collect();
    let previous_nodes: HashMap<NodeId, &Node> = previous
        .document
        .walk()
        .into_iter()
        .map(|v| (v.node.id, v.node))
        .collect();
    let mut blame = Blame::default();
    let mut applied = Vec::new();
    let mut kept = Vec::new();
    let mut inserted_used: HashSet<String> = HashSet::new();
    for visit in alignment.document.walk() {
        let id = visit.node.id;
        let text = &visit.node.text;
        let previous_node = match alignment_of.get(&id).map(|n| n.how) {
            Some(Match::Identical | Match::Edited | Match::MergedFrom) => {
                previous_nodes.get(&id).copied()
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
        brackets: Vec::new(),
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

    /// A law of articles ("Art 1", "Art 2"… with empty headings), each with its paragraphs.
    fn law(seed: u64, articles: &[&[&str]]) -> Document {
        let mut ids = IdSource::new(seed, 0);
        let nodes = articles
            .iter()
            .enumerate()
            .map(|(number, paragraphs)| {
                let children = paragraphs
                    .iter()
                    .map(|text| Node::new(ids.next_id(), NodeKind::Paragraph, *text))
                    .collect();
                Node::new(ids.next_id(), NodeKind::Part, "")
                    .with_num(format!("Art {}", number + 1))
                    .with_children(children)
            })
            .collect();
        Document::new("Law", nodes)
    }

    /// The alignment of the paragraph `paragraph` of article `article` of the revised law.
    fn paragraph_of(alignment: &Alignment, article: usize, paragraph: usize) -> &NodeAlignment {
        let node = alignment.document.nodes[article].children[paragraph].id;
        alignment.nodes.iter().find(|n| n.node == node).unwrap()
    }

    fn id_in(document: &Document, article: usize, paragraph: usize) -> NodeId {
        document.nodes[article].children[paragraph].id
    }

    const TAX: &str = "The revenue of the income tax, the corporation tax and the turnover tax \
                       shall accrue jointly to the Federation and the Länder, in so far as the \
                       revenue from the income tax is not allocated to the municipalities.";

    #[test]
    fn a_near_duplicate_elsewhere_never_takes_the_id_of_a_paragraph_edited_in_place() {
        let edited = "The revenue of the income tax, the corporation tax and the turnover tax \
                      shall accrue jointly to the Federation and the Länder, in so far as the \
                      revenue from the income tax is not assigned to the municipalities.";
        let previous = law(1, &[&[TAX, "Other matters are regulated by law."], &[]]);
        // Article 1's paragraph edited in place (one word, ≥ 90 % similar); a verbatim copy of
        // its old text added to article 2.
        let revised = law(
            2,
            &[&[edited, "Other matters are regulated by law."], &[TAX]],
        );
        let alignment = align(&previous, &revised, None);
        let in_place = paragraph_of(&alignment, 0, 0);
        assert_eq!(
            in_place.node,
            id_in(&previous, 0, 0),
            "the successor in place keeps the id"
        );
        assert_eq!(in_place.how, Match::Edited);
        assert_eq!(
            paragraph_of(&alignment, 1, 0).how,
            Match::New,
            "the copy is new"
        );
    }

    #[test]
    fn a_new_paragraph_is_never_split_from_an_unchanged_one_elsewhere() {
        // Basic Law 2 -> 3: a new Art 91c (5) whose words all occur in the unchanged Art 106
        // (3) took Art 106 (3)'s id by the split rule, and Art 106 (3) came out inserted.
        let previous = law(
            3,
            &[
                &["The Federation builds a network connecting the Länder."],
                &[TAX],
            ],
        );
        let revised = law(
            4,
            &[
                &[
                    "The Federation builds a network connecting the Länder.",
                    "The turnover tax shall accrue to the Federation and the Länder.",
                ],
                &[TAX],
            ],
        );
        let alignment = align(&previous, &revised, None);
        assert_eq!(paragraph_of(&alignment, 0, 1).how, Match::New);
        assert_eq!(paragraph_of(&alignment, 1, 0).node, id_in(&previous, 1, 0));
        assert_eq!(paragraph_of(&alignment, 1, 0).how, Match::Identical);
    }

    #[test]
    fn a_paragraph_split_in_two_keeps_its_id_in_the_first_part() {
        let previous = law(
            5,
            &[&[
                "Capacity building remains essential for every state. Training programmes \
                 will be expanded across the region with regional partners.",
            ]],
        );
        let revised = law(
            6,
            &[&[
                "Capacity building remains essential for every state.",
                "Training programmes will be expanded across the region with regional partners.",
            ]],
        );
        let alignment = align(&previous, &revised, None);
        assert_eq!(paragraph_of(&alignment, 0, 0).node, id_in(&previous, 0, 0));
        let second = paragraph_of(&alignment, 0, 1);
        assert_eq!(second.how, Match::SplitFrom);
        assert_eq!(second.previous, [id_in(&previous, 0, 0)]);
    }

    #[test]
    fn a_part_split_off_into_another_article_is_not_a_split() {
        let previous = law(
            7,
            &[
                &[
                    "Capacity building remains essential for every state. Training programmes \
                   will be expanded across the region with regional partners.",
                ],
                &["Data protection must be ensured."],
            ],
        );
        let revised = law(
            8,
            &[
                &["Capacity building remains essential for every state."],
                &[
                    "Data protection must be ensured.",
                    "Training programmes will be expanded across the region with regional \
                     partners.",
                ],
            ],
        );
        let alignment = align(&previous, &revised, None);
        assert_eq!(paragraph_of(&alignment, 0, 0).node, id_in(&previous, 0, 0));
        assert_eq!(paragraph_of(&alignment, 1, 1).how, Match::New);
    }

    #[test]
    fn two_neighbours_merged_keep_the_first_id_and_name_both() {
        let previous = law(
            9,
            &[&[
                "Data protection must be ensured by every authority.",
                "Personal data shall be processed lawfully and fairly.",
                "Returns shall respect human rights.",
            ]],
        );
        let revised = law(
            10,
            &[&[
                "Data protection must be ensured by every authority, and personal data shall \
                 be processed lawfully and fairly.",
                "Returns shall respect human rights.",
            ]],
        );
        let alignment = align(&previous, &revised, None);
        let merged = paragraph_of(&alignment, 0, 0);
        assert_eq!(merged.how, Match::MergedFrom);
        assert_eq!(
            merged.previous,
            [id_in(&previous, 0, 0), id_in(&previous, 0, 1)]
        );
        assert!(alignment.removed.is_empty());
    }

    #[test]
    fn a_paragraph_moved_to_another_article_keeps_its_id_only_when_strongly_similar() {
        let kept = "Returns shall respect human rights and the principle of non-refoulement \
                    in every case.";
        let slightly_edited = "Returns shall respect human rights and the principle of \
                               non-refoulement in every single case.";
        let rewritten = "Readmission agreements shall respect human rights and the principle \
                         of non-refoulement.";
        let previous = law(
            11,
            &[
                &["Capacity building remains essential.", kept, TAX],
                &["Data protection must be ensured."],
            ],
        );
        // Verbatim: a move.
        let verbatim = law(
            12,
            &[
                &["Capacity building remains essential.", TAX],
                &["Data protection must be ensured.", kept],
            ],
        );
        let alignment = align(&previous, &verbatim, None);
        assert_eq!(paragraph_of(&alignment, 1, 1).node, id_in(&previous, 0, 1));
        assert_eq!(paragraph_of(&alignment, 1, 1).how, Match::Identical);
        // At least 90 % similar and the only such paragraph: still a move.
        let similar = law(
            13,
            &[
                &["Capacity building remains essential.", TAX],
                &["Data protection must be ensured.", slightly_edited],
            ],
        );
        let alignment = align(&previous, &similar, None);
        assert_eq!(paragraph_of(&alignment, 1, 1).node, id_in(&previous, 0, 1));
        assert_eq!(paragraph_of(&alignment, 1, 1).how, Match::Edited);
        // Rewritten in another article: not a match across parents.
        let far = law(
            14,
            &[
                &["Capacity building remains essential.", TAX],
                &["Data protection must be ensured.", rewritten],
            ],
        );
        let alignment = align(&previous, &far, None);
        assert_eq!(paragraph_of(&alignment, 1, 1).how, Match::New);
        assert!(alignment.removed.contains(&id_in(&previous, 0, 1)));
    }
    #[test]
    fn a_text_repeated_in_two_articles_is_matched_under_its_own_article() {
        let repeated = "Details shall be regulated by a federal law.";
        let previous = law(15, &[&["Art one's rule.", repeated], &[repeated]]);
        // Article 1's copy edited: article 2's unchanged copy is article 2's, not the first
        // copy in document order.
        let revised = law(
            16,
            &[
                &[
                    "Art one's rule.",
                    "Details shall be regulated by federal laws.",
                ],
                &[repeated],
            ],
        );
        let alignment = align(&previous, &revised, None);
        assert_eq!(paragraph_of(&alignment, 1, 0).node, id_in(&previous, 1, 0));
        assert_eq!(paragraph_of(&alignment, 0, 1).node, id_in(&previous, 0, 1));
        assert_eq!(paragraph_of(&alignment, 0, 1).how, Match::Edited);
    }
    #[test]
    fn between_equally_similar_paragraphs_the_number_decides() {
        let mut ids = IdSource::new(17, 0);
        let mut numbered = |num: &str, city: &str| {
            Node::new(
                ids.next_id(),
                NodeKind::Paragraph,
                format!("The committee shall meet twice a year in {city}."),
            )
            .with_num(num)
        };
        let previous_paragraphs = vec![numbered("(1)", "Geneva"), numbered("(2)", "Vienna")];
        let revised_paragraphs = vec![numbered("(2)", "Paris")];
        let mut article = |children| {
            Node::new(ids.next_id(), NodeKind::Part, "")
                .with_num("Art 1")
                .with_children(children)
        };
        let previous = Document::new("Law", vec![article(previous_paragraphs)]);
        let revised = Document::new("Law", vec![article(revised_paragraphs)]);
        let alignment = align(&previous, &revised, None);
        assert_eq!(paragraph_of(&alignment, 0, 0).node, id_in(&previous, 0, 1));
    }

    /// A document from a seed: articles (some numbered, some with a heading of their own) of
    /// paragraphs drawn from a small pool, so that texts repeat, within and across articles.
    fn drawn(seed: u64, shape: &[(bool, Vec<usize>)]) -> Document {
        const POOL: [&str; 8] = [
            "Details shall be regulated by a federal law.",
            "The committee shall meet twice a year in Geneva.",
            "States shall exchange information on smuggling networks and routes.",
            "",
            "(weggefallen)",
            "Returns shall respect human rights and the principle of non-refoulement.",
            "Capacity building remains essential for every state in the region.",
            "Data protection must be ensured by every authority.",
        ];
        let mut ids = IdSource::new(seed, 0);
        let nodes = shape
            .iter()
            .enumerate()
            .map(|(number, (numbered, paragraphs))| {
                let children = paragraphs
                    .iter()
                    .enumerate()
                    .map(|(i, &text)| {
                        let node = Node::new(ids.next_id(), NodeKind::Paragraph, POOL[text % 8]);
                        if text >= 8 {
                            node.with_num(format!("({})", i + 1))
                        } else {
                            node
                        }
                    })
                    .collect();
                let heading = if *numbered { "" } else { "General provisions" };
                Node::new(ids.next_id(), NodeKind::Part, heading)
                    .with_num(format!("Art {}", number + 1))
                    .with_children(children)
            })
            .collect();
        Document::new("Law", nodes)
    }

    fn shape() -> impl proptest::strategy::Strategy<Value = Vec<(bool, Vec<usize>)>> {
        use proptest::prelude::*;
        proptest::collection::vec(
            (any::<bool>(), proptest::collection::vec(0usize..16, 0..5)),
            0..6,
        )
    }

    /// A law of `articles` articles of distinct paragraphs of twenty words (each paragraph's
    /// words its own, so that no two are alike).
    fn distinct_law(seed: u64, sizes: &[usize]) -> Vec<Vec<String>> {
        let mut next = 0;
        sizes
            .iter()
            .map(|&size| {
                (0..size)
                    .map(|_| {
                        next += 1;
                        (0..20)
                            .map(|w| format!("w{}x{}", next + seed as usize * 1000, w))
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .collect()
            })
            .collect()
    }

    fn law_of(seed: u64, articles: &[Vec<String>]) -> Document {
        let texts: Vec<Vec<&str>> = articles
            .iter()
            .map(|a| a.iter().map(String::as_str).collect())
            .collect();
        let slices: Vec<&[&str]> = texts.iter().map(Vec::as_slice).collect();
        law(seed, &slices)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        /// The same document with fresh ids, however often its texts repeat: every node gets
        /// its own id back, identical.
        #[test]
        fn the_same_document_gets_every_id_back(shape in shape()) {
            let previous = drawn(1, &shape);
            let revised = drawn(2, &shape);
            let alignment = align(&previous, &revised, None);
            let previous_ids: Vec<NodeId> = previous.walk().iter().map(|v| v.node.id).collect();
            let given: Vec<NodeId> = alignment.nodes.iter().map(|n| n.node).collect();
            proptest::prop_assert_eq!(given, previous_ids);
            proptest::prop_assert!(alignment.nodes.iter().all(|n| n.how == Match::Identical));
            proptest::prop_assert!(alignment.removed.is_empty());
        }

        /// Any paragraph edited in place by one word of twenty (95 % similar), with a verbatim
        /// copy of its old text added at the end of another article: the paragraph in place
        /// keeps its id, the copy is new. (A copy next to it in its own article may take the
        /// id: which of the two is the old paragraph is then a matter of reading.)
        #[test]
        fn an_edited_paragraph_keeps_its_id_whatever_copy_appears_elsewhere(
            sizes in proptest::collection::vec(1usize..5, 1..6),
            pick in 0usize..100,
            target in 0usize..100,
        ) {
            let before = distinct_law(0, &sizes);
            let article = pick % before.len();
            let paragraph = pick % before[article].len();
            let old = before[article][paragraph].clone();
            let mut after = before.clone();
            after[article][paragraph] = old.replacen("x3 ", "x3edited ", 1);
            proptest::prop_assume!(after.len() > 1);
            let copy_in = (article + 1 + target % (after.len() - 1)) % after.len();
            after[copy_in].push(old);
            let previous = law_of(1, &before);
            let revised = law_of(2, &after);
            let alignment = align(&previous, &revised, None);
            let in_place = paragraph_of(&alignment, article, paragraph);
            proptest::prop_assert_eq!(in_place.node, id_in(&previous, article, paragraph));
            proptest::prop_assert_eq!(in_place.how, Match::Edited);
            let copy = paragraph_of(&alignment, copy_in, after[copy_in].len() - 1);
            proptest::prop_assert_eq!(copy.how, Match::New);
        }

        /// A new paragraph made of most of an unchanged paragraph's words, added at the end of
        /// another article: the unchanged paragraph keeps its id (the new one is no part split
        /// from it: splits are among neighbours, and take only words their source lost).
        #[test]
        fn an_unchanged_paragraph_keeps_its_id_whatever_new_text_borrows_its_words(
            sizes in proptest::collection::vec(1usize..5, 2..6),
            pick in 0usize..100,
            target in 0usize..100,
            borrowed in 12usize..20,
        ) {
            let before = distinct_law(0, &sizes);
            let article = pick % before.len();
            let paragraph = pick % before[article].len();
            let words: Vec<&str> = before[article][paragraph].split(' ').collect();
            let mut after = before.clone();
            let add_to = (article + 1 + target % (after.len() - 1)) % after.len();
            after[add_to].push(words[..borrowed].join(" "));
            let previous = law_of(1, &before);
            let revised = law_of(2, &after);
            let alignment = align(&previous, &revised, None);
            let unchanged = paragraph_of(&alignment, article, paragraph);
            proptest::prop_assert_eq!(unchanged.node, id_in(&previous, article, paragraph));
            proptest::prop_assert_eq!(unchanged.how, Match::Identical);
            let borrowing = paragraph_of(&alignment, add_to, after[add_to].len() - 1);
            proptest::prop_assert_eq!(borrowing.how, Match::New);
        }

        /// Any revision: an id is given to one node at most, every previous id is either named
        /// by a revised node or removed (never both), and the nodes named exist.
        #[test]
        fn every_previous_id_is_kept_once_or_removed(before in shape(), after in shape()) {
            let previous = drawn(3, &before);
            let revised = drawn(4, &after);
            let alignment = align(&previous, &revised, None);
            let previous_ids: HashSet<NodeId> = previous.walk().iter().map(|v| v.node.id).collect();
            let mut given = HashSet::new();
            for node in alignment.document.walk() {
                proptest::prop_assert!(given.insert(node.node.id), "an id given twice");
            }
            let named: HashSet<NodeId> = alignment
                .nodes
                .iter()
                .flat_map(|n| n.previous.iter().copied())
                .collect();
            proptest::prop_assert!(named.is_subset(&previous_ids));
            let removed: HashSet<NodeId> = alignment.removed.iter().copied().collect();
            proptest::prop_assert!(named.is_disjoint(&removed));
            let all: HashSet<NodeId> = named.union(&removed).copied().collect();
            proptest::prop_assert_eq!(all, previous_ids);
        }
    }
}
