//! Two rounds of a negotiation end to end: compile, decide, consolidate, blame, redline.

mod common;

use common::*;
use penholder_core::negotiation::{Decision, Ruling};
use penholder_core::{IdSource, Version};
use penholder_diff::*;

fn decide(change: &Change, ruling: Ruling) -> Decision {
    Decision {
        change: change.id.clone(),
        ruling,
        note: None,
    }
}

fn accept(change: &Change, alternative: Option<&str>) -> Decision {
    decide(
        change,
        Ruling::Accept {
            alternative: alternative.map(str::to_string),
        },
    )
}

fn options(round: &str, accept_uncontested: bool) -> ConsolidateOptions {
    ConsolidateOptions {
        round: round.into(),
        accept_uncontested,
    }
}

fn find<'a>(compilation: &'a Compilation, base_text: &str) -> &'a Change {
    compilation
        .changes()
        .find(|c| c.base_text == base_text)
        .unwrap_or_else(|| panic!("no change on {base_text:?}"))
}

#[test]
fn two_rounds_with_blame_and_redline_across_them() {
    let (v1, keys) = version(&[
        "We will strengthen cooperation on return.",
        "States shall exchange information.",
        "This paragraph is obsolete.",
    ]);
    let blame1 = Blame::initial(&v1.document, 1);
    let round1 = vec![
        submission(
            "HU",
            vec![
                amend(keys[0], "We will enhance cooperation on return."),
                amend(keys[1], "States shall exchange information regularly."),
            ],
        ),
        submission(
            "AT",
            vec![
                amend(keys[0], "We will deepen cooperation on return."),
                insert_after(keys[1], "States shall protect personal data."),
            ],
        ),
        submission("UK", vec![delete(keys[2])]),
        submission(
            "DE",
            vec![amend(keys[1], "States should exchange information.")],
        ),
    ];
    let compilation = compile(&v1, &round1);
    assert_eq!(compilation.changes_count(), 5);
    assert_eq!(compilation.contested_count(), 1);
    let strengthen = find(&compilation, "strengthen");
    assert!(strengthen.contested);
    let shall = find(&compilation, "shall");
    let regularly = find(&compilation, "");

    // A contested change needs an alternative.
    let mut ids = IdSource::new(2, 1_700_000_100_000);
    let error = consolidate(
        &v1,
        &blame1,
        &compilation,
        &[accept(strengthen, None)],
        &options("Round 1", false),
        &mut ids,
    )
    .unwrap_err();
    assert_eq!(
        error,
        ConsolidateError::AlternativeRequired {
            change: strengthen.id.clone()
        }
    );
    // Unknown names are errors that name them.
    let unknown = Decision {
        change: "nope".into(),
        ruling: Ruling::Reject,
        note: None,
    };
    assert!(matches!(
        consolidate(&v1, &blame1, &compilation, &[unknown], &options("Round 1", false), &mut ids),
        Err(ConsolidateError::UnknownChange { change }) if change == "nope"
    ));
    assert!(matches!(
        consolidate(&v1, &blame1, &compilation, &[accept(strengthen, Some("z"))], &options("Round 1", false), &mut ids),
        Err(ConsolidateError::UnknownAlternative { alternative, .. }) if alternative == "z"
    ));

    let enhance = strengthen
        .alternatives
        .iter()
        .find(|a| a.text.as_deref() == Some("enhance"))
        .unwrap();
    let decisions = vec![
        accept(strengthen, Some(&enhance.id)),
        decide(
            shall,
            Ruling::Reword {
                text: "are encouraged to".into(),
            },
        ),
        decide(regularly, Ruling::Defer),
    ];
    // Uncontested changes without a decision (the new paragraph, the deletion) are applied.
    let step1 = consolidate(
        &v1,
        &blame1,
        &compilation,
        &decisions,
        &options("Round 1", true),
        &mut ids,
    )
    .unwrap();
    let texts: Vec<&str> = step1
        .document
        .walk()
        .iter()
        .map(|v| v.node.text.as_str())
        .collect();
    assert_eq!(
        texts,
        [
            "We will enhance cooperation on return.",
            "States are encouraged to exchange information.",
            "States shall protect personal data.",
        ]
    );
    assert_eq!(step1.blame.check(&step1.document), Ok(()));
    assert_eq!(step1.applied.len(), 4);
    assert_eq!(step1.kept.len(), 1);
    assert_eq!(step1.kept[0].reason, KeptReason::Deferred);
    let view = blame_view(&step1.document, &step1.blame);
    let first: Vec<(&str, &Origin)> = view.nodes[0]
        .spans
        .iter()
        .map(|s| (s.text.as_str(), &s.origin))
        .collect();
    assert_eq!(
        first,
        [
            ("We will ", &Origin::Base { version: 1 }),
            (
                "enhance",
                &Origin::Accepted {
                    round: "Round 1".into(),
                    delegations: vec!["HU".into()]
                }
            ),
            (" cooperation on return.", &Origin::Base { version: 1 }),
        ]
    );
    assert_eq!(
        view.nodes[1].spans[1].origin,
        Origin::Chair {
            round: "Round 1".into()
        }
    );
    let v2 = Version::new(2, "Rev. 1", Some(1), step1.document.clone());

    // Round 2 on version 2.
    let round2 = vec![submission(
        "FR",
        vec![amend(
            step1.document.nodes[0].id,
            "We will enhance and deepen cooperation on return and readmission.",
        )],
    )];
    let compilation2 = compile(&v2, &round2);
    let step2 = consolidate(
        &v2,
        &step1.blame,
        &compilation2,
        &[],
        &options("Round 2", true),
        &mut ids,
    )
    .unwrap();
    assert_eq!(step2.blame.check(&step2.document), Ok(()));

    // The redline from version 1 to version 3 through both rounds.
    let chain = [
        Step {
            round: "Round 1",
            document: &step1.document,
            blame: &step1.blame,
            applied: &step1.applied,
        },
        Step {
            round: "Round 2",
            document: &step2.document,
            blame: &step2.blame,
            applied: &step2.applied,
        },
    ];
    let red = redline(&v1.document, &step2.document, &chain);
    let target: Vec<(penholder_core::NodeId, String)> = step2
        .document
        .walk()
        .iter()
        .map(|v| (v.node.id, v.node.text.clone()))
        .collect();
    assert_eq!(red.target_texts(), target);
    let source: Vec<(penholder_core::NodeId, String)> = v1
        .document
        .walk()
        .iter()
        .map(|v| (v.node.id, v.node.text.clone()))
        .collect();
    assert_eq!(red.source_texts(), source);

    let statuses: Vec<NodeStatus> = red.nodes.iter().map(|n| n.status).collect();
    assert_eq!(
        statuses,
        [
            NodeStatus::Changed,
            NodeStatus::Changed,
            NodeStatus::Deleted,
            NodeStatus::Inserted
        ],
        "a deleted node stands right after the kept node before it"
    );
    let described: Vec<String> = red.nodes[0]
        .segments
        .iter()
        .map(|s| {
            let who: Vec<String> = s
                .attribution
                .iter()
                .map(|o| match o {
                    Origin::Accepted { round, delegations } => {
                        format!("{round}:{}", delegations.join("+"))
                    }
                    Origin::Chair { round } => format!("{round}:chair"),
                    Origin::Base { version } => format!("v{version}"),
                })
                .collect();
            format!("{:?} {:?} {}", s.kind, s.text, who.join(","))
        })
        .collect();
    assert_eq!(
        described,
        [
            r#"Equal "We will " "#,
            r#"Delete "strengthen" Round 1:HU"#,
            r#"Insert "enhance and deepen" Round 1:HU,Round 2:FR"#,
            r#"Equal " cooperation on return" "#,
            r#"Insert " and readmission" Round 2:FR"#,
            r#"Equal "." "#,
        ]
    );
    let deleted = &red.nodes[2];
    assert_eq!(
        deleted.segments[0].attribution,
        [Origin::Accepted {
            round: "Round 1".into(),
            delegations: vec!["UK".into()]
        }]
    );
    assert_eq!(red.nodes[3].reference_to.as_deref(), Some("OP3"));
    assert_eq!(deleted.reference_from.as_deref(), Some("OP3"));
}

#[test]
fn stale_compilations_and_contradicting_decisions_are_refused() {
    let (v1, keys) = version(&["Old text here."]);
    let blame = Blame::initial(&v1.document, 1);
    let compilation = compile(
        &v1,
        &[
            submission("UK", vec![delete(keys[0])]),
            submission("HU", vec![amend(keys[0], "New text here.")]),
        ],
    );
    let node_change = compilation
        .changes()
        .find(|c| c.scope == Scope::Node)
        .unwrap();
    let word_change = compilation
        .changes()
        .find(|c| matches!(c.scope, Scope::Words { .. }))
        .unwrap();
    let mut ids = IdSource::new(3, 0);
    let result = consolidate(
        &v1,
        &blame,
        &compilation,
        &[accept(node_change, Some("b")), accept(word_change, None)],
        &options("R", false),
        &mut ids,
    );
    assert!(matches!(
        result,
        Err(ConsolidateError::ConflictingDecisions { .. })
    ));
    // Implicitly accepted word changes give way to the node-level decision.
    let deletion = node_change
        .alternatives
        .iter()
        .find(|a| a.text.is_none())
        .unwrap();
    let done = consolidate(
        &v1,
        &blame,
        &compilation,
        &[accept(node_change, Some(&deletion.id))],
        &options("R", true),
        &mut ids,
    )
    .unwrap();
    assert!(done.document.nodes.is_empty());
    assert_eq!(done.kept[0].reason, KeptReason::Superseded);

    let v2 = Version::new(2, "other", Some(1), v1.document.clone());
    assert!(matches!(
        consolidate(
            &v2,
            &blame,
            &compilation,
            &[],
            &options("R", false),
            &mut ids
        ),
        Err(ConsolidateError::StaleCompilation { .. })
    ));
    // A compilation edited after the fact (stored and loaded again) is refused, not trusted.
    let mut tampered = compilation.clone();
    if let Some(change) = tampered.nodes[0]
        .changes
        .iter_mut()
        .find(|c| matches!(c.scope, Scope::Words { .. }))
    {
        change.scope = Scope::Words {
            start_token: 0,
            end_token: 99,
            start_byte: 3,
            end_byte: 999,
        };
    }
    assert!(matches!(
        consolidate(&v1, &blame, &tampered, &[], &options("R", true), &mut ids),
        Err(ConsolidateError::StaleCompilation { .. })
    ));
    tampered.nodes[0].changes[0].alternatives.clear();
    assert!(matches!(
        consolidate(&v1, &blame, &tampered, &[], &options("R", true), &mut ids),
        Err(ConsolidateError::StaleCompilation { .. })
    ));
    let wrong_blame = Blame::default();
    assert!(matches!(
        consolidate(
            &v1,
            &wrong_blame,
            &compilation,
            &[],
            &options("R", false),
            &mut ids
        ),
        Err(ConsolidateError::BlameMismatch { .. })
    ));
}
