//! Brackets carried forward: a change the chair defers at consolidation becomes an open
//! bracket on its node of the next version, with exactly the alternatives and supporters that
//! were left open, placed on the base wording the next version kept.

mod common;

use common::*;
use penholder_core::IdSource;
use penholder_core::bracket::BracketSpan;
use penholder_core::negotiation::{Decision, Ruling};
use penholder_diff::*;
use proptest::prelude::*;

fn defer(change: &Change) -> Decision {
    Decision {
        change: change.id.clone(),
        ruling: Ruling::Defer,
        note: None,
    }
}

#[test]
fn a_deferred_contested_change_is_carried_as_labelled_alternatives() {
    let (v1, keys) = version(&[
        "Reduce irregular arrivals by 20 per cent and strengthen return.",
        "States shall exchange information.",
    ]);
    let round = vec![
        submission(
            "FR",
            vec![amend(
                keys[0],
                "Reduce irregular arrivals by 30 per cent and strengthen return.",
            )],
        ),
        submission(
            "DE",
            vec![amend(
                keys[0],
                "Reduce irregular arrivals by 30 per cent and strengthen return.",
            )],
        ),
        submission(
            "PK",
            vec![amend(
                keys[0],
                "Reduce irregular arrivals by 40 per cent and strengthen return.",
            )],
        ),
        // Accepted before the bracket's span: the span moves.
        submission(
            "AT",
            vec![amend(
                keys[0],
                "Reduce all irregular arrivals by 20 per cent and strengthen return.",
            )],
        ),
        submission("HU", vec![delete(keys[1])]),
    ];
    let compilation = compile(&v1, &round);
    let contested = compilation.changes().find(|c| c.contested).unwrap();
    let deletion = compilation
        .changes()
        .find(|c| c.scope == Scope::Node)
        .unwrap();
    let mut ids = IdSource::new(2, 1_700_000_100_000);
    let result = consolidate(
        &v1,
        &Blame::initial(&v1.document, 1),
        &compilation,
        &[defer(contested), defer(deletion)],
        &ConsolidateOptions {
            round: "Round 1".into(),
            accept_uncontested: true,
        },
        &mut ids,
    )
    .unwrap();
    let text = &result.document.find(keys[0]).unwrap().text;
    assert_eq!(
        text,
        "Reduce all irregular arrivals by 20 per cent and strengthen return."
    );
    assert_eq!(result.brackets.len(), 2, "{:#?}", result.brackets);
    let words = &result.brackets[0];
    assert_eq!(words.id, "B1");
    assert_eq!(words.node, keys[0]);
    assert_eq!(words.base_text, "20");
    assert!(matches!(words.span, BracketSpan::Words { .. }));
    assert!(words.fits(text));
    assert_eq!(words.origin.round, "Round 1");
    assert_eq!(words.origin.change, contested.id);
    assert_eq!(
        words.apply_label(text).unwrap(),
        "Reduce all irregular arrivals by [20] / [30 (DE, FR)] / [40 (PK)] per cent and \
         strengthen return."
    );
    let node = &result.brackets[1];
    assert_eq!(node.id, "B2");
    assert_eq!(node.span, BracketSpan::Node);
    assert_eq!(
        node.label(),
        "[States shall exchange information.] / [delete (HU)]"
    );
    assert!(
        result.kept.iter().all(|k| k.reason == KeptReason::Deferred),
        "{:?}",
        result.kept
    );
}

#[test]
fn rejected_and_undecided_changes_leave_no_bracket_and_a_deleted_node_none() {
    let (v1, keys) = version(&["We will strengthen cooperation."]);
    let round = vec![
        submission("FR", vec![amend(keys[0], "We will enhance cooperation.")]),
        submission("PK", vec![amend(keys[0], "We will deepen cooperation.")]),
        submission("HU", vec![delete(keys[0])]),
    ];
    let compilation = compile(&v1, &round);
    let words = compilation
        .changes()
        .find(|c| matches!(c.scope, Scope::Words { .. }))
        .unwrap();
    let deletion = compilation
        .changes()
        .find(|c| c.scope == Scope::Node)
        .unwrap();
    let blame = Blame::initial(&v1.document, 1);
    let options = ConsolidateOptions {
        round: "Round 1".into(),
        accept_uncontested: false,
    };
    let undecided = consolidate(
        &v1,
        &blame,
        &compilation,
        &[],
        &options,
        &mut IdSource::new(2, 1),
    )
    .unwrap();
    assert!(undecided.brackets.is_empty());
    // The node goes: the deferred word change on it has nothing left to hold open.
    let gone = consolidate(
        &v1,
        &blame,
        &compilation,
        &[
            defer(words),
            Decision {
                change: deletion.id.clone(),
                ruling: Ruling::Accept {
                    alternative: deletion
                        .alternatives
                        .iter()
                        .find(|a| a.text.is_none())
                        .map(|a| a.id.clone()),
                },
                note: None,
            },
        ],
        &options,
        &mut IdSource::new(2, 1),
    )
    .unwrap();
    assert!(gone.brackets.is_empty(), "{:?}", gone.brackets);
}

#[derive(Clone, Debug)]
enum Slot {
    Untouched,
    /// AT alone replaces the word (accepted as uncontested).
    Uncontested,
    /// FR and DE propose one wording, PK another (deferred).
    Contested,
}

fn slot() -> impl Strategy<Value = Slot> {
    prop_oneof![
        Just(Slot::Untouched),
        Just(Slot::Uncontested),
        Just(Slot::Contested)
    ]
}

proptest! {
    /// Whatever else is applied around them, every deferred contested change comes back as one
    /// bracket holding exactly its alternatives with exactly their supporters, on the base
    /// wording the next version kept.
    #[test]
    fn a_bracket_survives_consolidation_with_exactly_what_was_left_open(
        slots in prop::collection::vec(slot(), 1..10)
    ) {
        // Changed words are two apart, so that no delegation's hunks run together.
        let words: Vec<String> = (0..slots.len() * 2 + 1).map(|i| format!("w{i}")).collect();
        let base = format!("{}.", words.join(" "));
        let (v1, keys) = version(&[base.as_str()]);
        let text_of = |pick: &dyn Fn(usize, &Slot) -> Option<String>| {
            let mut out: Vec<String> = words.clone();
            for (index, slot) in slots.iter().enumerate() {
                if let Some(word) = pick(index, slot) {
                    out[index * 2 + 1] = word;
                }
            }
            format!("{}.", out.join(" "))
        };
        let at = text_of(&|i, s| matches!(s, Slot::Uncontested).then(|| format!("longer{i}")));
        let fr = text_of(&|i, s| matches!(s, Slot::Contested).then(|| format!("a{i}")));
        let pk = text_of(&|i, s| matches!(s, Slot::Contested).then(|| format!("bb{i}")));
        let mut round = Vec::new();
        for (code, text) in [("AT", &at), ("FR", &fr), ("DE", &fr), ("PK", &pk)] {
            if *text != base {
                round.push(submission(code, vec![amend(keys[0], text)]));
            }
        }
        let compilation = compile(&v1, &round);
        let deferred: Vec<Decision> = compilation.changes().filter(|c| c.contested).map(defer).collect();
        let result = consolidate(
            &v1,
            &Blame::initial(&v1.document, 1),
            &compilation,
            &deferred,
            &ConsolidateOptions { round: "R1".into(), accept_uncontested: true },
            &mut IdSource::new(2, 1),
        ).unwrap();
        let text = &result.document.find(keys[0]).unwrap().text;
        let contested: Vec<usize> = slots.iter().enumerate()
            .filter(|(_, s)| matches!(s, Slot::Contested)).map(|(i, _)| i).collect();
        prop_assert_eq!(result.brackets.len(), contested.len());
        for (bracket, index) in result.brackets.iter().zip(&contested) {
            prop_assert!(bracket.fits(text), "{:?} does not fit {:?}", bracket, text);
            prop_assert_eq!(&bracket.base_text, &format!("w{}", index * 2 + 1));
            let open: Vec<(Option<String>, Vec<String>)> = bracket.alternatives.iter()
                .map(|a| (a.text.clone(), a.supporters.clone())).collect();
            let mut expected = vec![
                (Some(format!("a{index}")), vec!["DE".to_string(), "FR".to_string()]),
                (Some(format!("bb{index}")), vec!["PK".to_string()]),
            ];
            let mut sorted = open.clone();
            sorted.sort();
            expected.sort();
            prop_assert_eq!(sorted, expected);
        }
        for (index, slot) in slots.iter().enumerate() {
            if matches!(slot, Slot::Uncontested) {
                let needle = format!("longer{index}");
                prop_assert!(text.contains(&needle));
            }
        }
    }
}
