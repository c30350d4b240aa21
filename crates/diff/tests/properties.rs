//! Invariants of the engine, checked on generated negotiations.
//!
//! - one delegation's hunks applied to the base give its text: exactly, punctuation and the
//!   spacing around what it changed included, when it keeps the base's spacing between the
//!   words it leaves alone; word for word otherwise;
//! - the compilation does not depend on the order of submissions;
//! - disjoint changes merge to the text of applying them one after another;
//! - a redline applied to its source gives its target (and the reverse);
//! - every word of a consolidated version has exactly one provenance.

mod common;

use common::*;
use penholder_core::negotiation::{Anchor, Decision, Item, Ruling, Submission};
use penholder_core::{Document, IdSource, Node, NodeId, NodeKind, Version};
use penholder_diff::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

const VOCABULARY: &[&str] = &[
    "we",
    "will",
    "strengthen",
    "cooperation",
    "on",
    "return",
    "and",
    "readmission",
    "States",
    "shall",
    ",",
    ".",
    "migration",
    "¹",
    "Будапешт",
    "هجرة",
];

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(VOCABULARY).prop_map(str::to_string)
}

fn words(max: usize) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(word(), 0..max)
}

/// A proposal derived from `base`: per slot, keep, delete, replace, or insert before.
fn edit(base: &[String], ops: &[(u8, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (index, (op, new)) in ops.iter().enumerate() {
        let old = base.get(index);
        // Ops 4..8 keep the word too, so that most words are kept.
        match (op, old) {
            (1, Some(_)) => {}
            (2, Some(_)) => out.push(new.clone()),
            (3, old) => {
                out.push(new.clone());
                out.extend(old.cloned());
            }
            (_, Some(w)) => out.push(w.clone()),
            (_, None) => {}
        }
    }
    out
}

fn base_and_proposal() -> impl Strategy<Value = (Vec<String>, Vec<String>)> {
    words(14).prop_flat_map(|base| {
        let slots = base.len() + 1;
        (
            Just(base),
            prop::collection::vec((0u8..8, word()), slots..=slots),
        )
            .prop_map(|(base, ops)| {
                let proposal = edit(&base, &ops);
                (base, proposal)
            })
    })
}

fn words_of(text: &str) -> Vec<&str> {
    tokenize(text)
        .into_iter()
        .filter(|t| !t.trim().is_empty())
        .collect()
}

fn texts(document: &Document) -> BTreeMap<NodeId, String> {
    document
        .walk()
        .iter()
        .map(|v| (v.node.id, v.node.text.clone()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn hunks_applied_give_the_proposal((base, proposal) in base_and_proposal()) {
        let (base, proposal) = (base.join(" "), proposal.join(" "));
        let found = hunks(&base, &proposal);
        prop_assert_eq!(apply_hunks(&base, &found), proposal);
    }

    #[test]
    fn hunks_applied_give_the_proposal_exactly_with_punctuation_and_spacing(
        (base, proposal) in punctuated_base_and_proposal(),
    ) {
        let found = hunks(&base, &proposal);
        prop_assert_eq!(apply_hunks(&base, &found), proposal);
    }

    #[test]
    fn hunks_applied_give_the_proposal_word_for_word(
        (base, proposal) in base_and_proposal(),
        spacing in prop::collection::vec(prop::sample::select(&[" ", "  ", "\n", "\t", ""][..]), 16),
    ) {
        let join = |ws: &[String]| -> String {
            let mut out = String::new();
            for (i, w) in ws.iter().enumerate() {
                out.push_str(w);
                out.push_str(spacing[i % spacing.len()]);
            }
            out
        };
        let (base, proposal) = (base.join(" "), join(&proposal));
        let applied = apply_hunks(&base, &hunks(&base, &proposal));
        prop_assert_eq!(words_of(&applied), words_of(&proposal));
    }

    #[test]
    fn the_compilation_does_not_depend_on_submission_order(
        base in prop::collection::vec(words(10), 1..4),
        proposals in prop::collection::vec((0usize..4, words(10), 0u8..4), 1..8),
        seed in any::<u64>(),
    ) {
        let base_texts: Vec<String> = base.iter().map(|w| w.join(" ")).collect();
        let refs: Vec<&str> = base_texts.iter().map(String::as_str).collect();
        let (version, keys) = version(&refs);
        let codes = ["AT", "DE", "FR", "HU", "IT", "PL", "UK", "US"];
        let submissions: Vec<Submission> = proposals
            .iter()
            .enumerate()
            .map(|(i, (node, text, kind))| {
                let node = keys[node % keys.len()];
                let text = text.join(" ");
                let item = match kind {
                    0 | 1 => amend(node, &text),
                    2 => delete(node),
                    _ => insert_after(node, &text),
                };
                submission(codes[i], vec![item])
            })
            .collect();
        let compiled = compile(&version, &submissions);
        let mut shuffled = submissions.clone();
        // A deterministic shuffle from the seed.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(&compiled, &compile(&version, &shuffled));
        let mut reversed = submissions;
        reversed.reverse();
        prop_assert_eq!(&compiled, &compile(&version, &reversed));
    }

    #[test]
    fn disjoint_changes_merge_like_sequential_application(
        length in 6usize..24,
        regions in prop::collection::vec((0usize..3, 0usize..3, 0usize..3), 1..5),
    ) {
        // Distinct base words and novel replacement words keep the alignment unambiguous.
        let base: Vec<String> = (0..length).map(|i| format!("w{i}")).collect();
        let mut edits: Vec<(usize, usize, Vec<String>)> = Vec::new();
        let mut at = 0;
        for (index, (gap, len, new_len)) in regions.iter().enumerate() {
            let start = at + gap + usize::from(index > 0);
            let end = start + len;
            if end > length || (*len == 0 && *new_len == 0) {
                break;
            }
            let new: Vec<String> = (0..*new_len).map(|k| format!("N{index}x{k}")).collect();
            edits.push((start, end, new));
            at = end;
        }
        prop_assume!(!edits.is_empty());
        let (version, keys) = version(&[base.join(" ").as_str()]);
        let codes = ["AT", "DE", "FR", "HU", "IT"];
        let mut submissions = Vec::new();
        for (index, (start, end, new)) in edits.iter().enumerate() {
            let mut proposal = base.clone();
            proposal.splice(start..end, new.iter().cloned());
            submissions.push(submission(codes[index], vec![amend(keys[0], &proposal.join(" "))]));
        }
        // One after another, from the last region to the first so positions stay valid.
        let mut sequential = base.clone();
        for (start, end, new) in edits.iter().rev() {
            sequential.splice(start..end, new.iter().cloned());
        }
        let compiled = compile(&version, &submissions);
        prop_assert_eq!(compiled.contested_count(), 0);
        let expected = sequential.join(" ");
        prop_assert_eq!(compiled.nodes[0].merged_text.as_deref(), Some(expected.as_str()));
    }

    #[test]
    fn a_redline_turns_its_source_into_its_target(
        source in prop::collection::vec(words(10), 0..6),
        fates in prop::collection::vec((0u8..4, words(10)), 6),
        additions in prop::collection::vec((0usize..8, words(8)), 0..3),
        attributed in any::<bool>(),
    ) {
        let mut ids = IdSource::new(5, 0);
        let from_nodes: Vec<Node> = source
            .iter()
            .map(|w| Node::new(ids.next_id(), NodeKind::Operative, w.join(" ")))
            .collect();
        let from = Document::new("D", from_nodes.clone());
        // Each node is kept, re-worded, deleted or moved to the end; new nodes are added.
        let mut to_nodes: Vec<Node> = Vec::new();
        let mut moved = Vec::new();
        for (node, (fate, new_words)) in from_nodes.iter().zip(&fates) {
            match fate {
                0 => to_nodes.push(node.clone()),
                1 => to_nodes.push(Node { text: new_words.join(" "), ..node.clone() }),
                2 => {}
                _ => moved.push(node.clone()),
            }
        }
        to_nodes.extend(moved);
        for (at, new_words) in additions {
            let at = at.min(to_nodes.len());
            to_nodes.insert(at, Node::new(ids.next_id(), NodeKind::Operative, new_words.join(" ")));
        }
        let to = Document::new("D", to_nodes);
        let blame = Blame::initial(&to, 2);
        let chain = [Step { round: "R", document: &to, blame: &blame, applied: &[] }];
        let red = redline(&from, &to, if attributed { &chain[..] } else { &[] });
        let as_map = |v: Vec<(NodeId, String)>| v.into_iter().collect::<BTreeMap<_, _>>();
        prop_assert_eq!(as_map(red.target_texts()), texts(&to));
        prop_assert_eq!(as_map(red.source_texts()), texts(&from));
        prop_assert_eq!(red.nodes.len(), {
            let mut all = texts(&from);
            all.extend(texts(&to));
            all.len()
        });
    }

    #[test]
    fn every_word_of_a_consolidated_version_has_one_provenance(
        base in prop::collection::vec(words(10), 1..4),
        proposals in prop::collection::vec((0usize..4, words(10), 0u8..5), 1..8),
        rulings in prop::collection::vec((0u8..5, 0usize..3, words(3)), 12),
        accept_uncontested in any::<bool>(),
    ) {
        let base_texts: Vec<String> = base.iter().map(|w| w.join(" ")).collect();
        let refs: Vec<&str> = base_texts.iter().map(String::as_str).collect();
        let (version, keys) = version(&refs);
        let codes = ["AT", "DE", "FR", "HU", "IT", "PL", "UK", "US"];
        let submissions: Vec<Submission> = proposals
            .iter()
            .enumerate()
            .map(|(i, (node, text, kind))| {
                let node = keys[node % keys.len()];
                let text = text.join(" ");
                let item = match kind {
                    0 | 1 => amend(node, &text),
                    2 => delete(node),
                    3 => insert_after(node, &text),
                    _ => Item::Insert { iso: Default::default(), at: Anchor::Before(node), node_kind: None, text, justification: None },
                };
                submission(codes[i], vec![item])
            })
            .collect();
        let compiled = compile(&version, &submissions);
        let decisions: Vec<Decision> = compiled
            .changes()
            .zip(&rulings)
            .filter_map(|(change, (ruling, alternative, reword))| {
                let ruling = match ruling {
                    0 => Ruling::Accept {
                        alternative: Some(change.alternatives[alternative % change.alternatives.len()].id.clone()),
                    },
                    1 => Ruling::Reject,
                    2 => Ruling::Reword { text: reword.join(" ") },
                    3 => Ruling::Defer,
                    _ => return None,
                };
                Some(Decision { change: change.id.clone(), ruling, note: None })
            })
            .collect();
        let blame = Blame::initial(&version.document, 1);
        let mut ids = IdSource::new(9, 1);
        let options = ConsolidateOptions { round: "R1".into(), accept_uncontested };
        match consolidate(&version, &blame, &compiled, &decisions, &options, &mut ids) {
            Ok(next) => {
                prop_assert_eq!(next.blame.check(&next.document), Ok(()));
                prop_assert_eq!(next.applied.len() + next.kept.len(), compiled.changes_count());
                // Every word lies inside exactly one span.
                for visit in next.document.walk() {
                    let spans = next.blame.spans(visit.node.id);
                    let mut at = 0;
                    for token in tokenize(&visit.node.text) {
                        let (start, end) = (at, at + token.len());
                        at = end;
                        if token.trim().is_empty() {
                            continue;
                        }
                        let holding = spans.iter().filter(|s| s.start < end && start < s.end).count();
                        prop_assert_eq!(holding, 1, "word {:?} of {:?}", token, visit.node.text);
                    }
                }
                // And the next round compiles on it.
                let v2 = Version::new(2, "Rev. 1", Some(1), next.document.clone());
                let again = compile(&v2, &[]);
                prop_assert_eq!(again.changes_count(), 0);
            }
            Err(ConsolidateError::ConflictingDecisions { .. }) => {}
            Err(other) => prop_assert!(false, "unexpected {other}"),
        }
    }
}

/// A base of distinct words and punctuation, spaced by one space or none, and a proposal that
/// edits it (deletes, replaces, inserts words or punctuation, and adds or removes the space
/// around its edits), e.g.
/// `Bosnia-Herzegovina` → `Bosnia and Herzegovina`, `gender specific` → `gender-specific`.
fn punctuated_base_and_proposal() -> impl Strategy<Value = (String, String)> {
    const NEW: &[&str] = &["and", "-", ",", ";", "new", "(", ")", "¹", "urgently", "."];
    // Disjoint from NEW, so that an edit never reproduces a base token by chance.
    const BASE_PUNCTUATION: &[&str] = &[":", "—", "/", "!", "?", "…", "[", "]", "%"];
    let base = prop::collection::vec((any::<bool>(), 0usize..9), 1..12).prop_map(|shape| {
        // Base tokens are distinct, so that the alignment of equal words is unambiguous.
        shape
            .into_iter()
            .enumerate()
            .map(|(i, (word, p))| {
                if word || p >= BASE_PUNCTUATION.len() {
                    format!("w{i}")
                } else {
                    format!("{}{}", BASE_PUNCTUATION[p], "")
                }
            })
            .collect::<Vec<_>>()
    });
    let edits = prop::collection::vec((0u8..4, 0usize..NEW.len()), 12);
    let spacing = prop::collection::vec(0usize..3, 40);
    (base, edits, spacing).prop_map(|(base_tokens, edits, spacing)| {
        // Keep punctuation in the base distinct too.
        let mut seen = std::collections::HashSet::new();
        let base_tokens: Vec<String> = base_tokens
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                if seen.insert(t.clone()) {
                    t
                } else {
                    format!("w{i}")
                }
            })
            .collect();
        let wordy = |t: &str| t.chars().all(char::is_alphanumeric);
        let mut spaces = spacing.iter().cycle();
        let mut join = |tokens: &[(String, bool)], fixed: &[Option<&'static str>]| {
            let mut out = String::new();
            for (i, (token, _)) in tokens.iter().enumerate() {
                if i > 0 {
                    let (prev, _) = &tokens[i - 1];
                    let gap = match fixed[i] {
                        Some(gap) => gap,
                        None => {
                            let options: &[&str] = if wordy(prev) && wordy(token) {
                                &[" ", " ", " "]
                            } else {
                                &["", " ", ""]
                            };
                            options[*spaces.next().unwrap_or(&0) % 3]
                        }
                    };
                    out.push_str(gap);
                }
                out.push_str(token);
            }
            out
        };
        // The base: every token once, with its spacing before it.
        let base: Vec<(String, bool)> = base_tokens.iter().map(|t| (t.clone(), true)).collect();
        let base_fixed = vec![None; base.len()];
        let base_text = join(&base, &base_fixed);
        let base_gaps: Vec<&str> = {
            // Recover each base token's leading spacing from the joined text.
            let mut gaps = Vec::new();
            let mut at = 0;
            for (i, (token, _)) in base.iter().enumerate() {
                let found = base_text[at..]
                    .find(token.as_str())
                    .map(|p| p + at)
                    .unwrap_or(at);
                gaps.push(if i == 0 { "" } else { &base_text[at..found] });
                at = found + token.len();
            }
            gaps.into_iter()
                .map(|g| if g.is_empty() { "" } else { " " })
                .collect()
        };
        // The proposal: edits applied to the base tokens; `true` marks an untouched base token.
        let mut tokens: Vec<(String, bool)> = Vec::new();
        for (i, token) in base.iter().enumerate() {
            let (op, pick) = edits[i % edits.len()];
            match op {
                0 => {} // delete
                1 => tokens.push((NEW[pick].to_string(), false)),
                2 => {
                    tokens.push((NEW[pick].to_string(), false));
                    tokens.push((token.0.clone(), true));
                }
                _ => tokens.push((token.0.clone(), true)),
            }
        }
        // Between two untouched base tokens that were neighbours, the base's spacing stays.
        let fixed: Vec<Option<&'static str>> = (0..tokens.len())
            .map(|i| {
                if i == 0 || !(tokens[i].1 && tokens[i - 1].1) {
                    return None;
                }
                let index = |t: &str| base.iter().position(|(b, _)| b == t);
                match (index(&tokens[i - 1].0), index(&tokens[i].0)) {
                    (Some(a), Some(b)) if b == a + 1 => Some(base_gaps[b]),
                    _ => None,
                }
            })
            .collect();
        let proposal = join(&tokens, &fixed);
        (base_text, proposal)
    })
}
