//! A revision edited by hand elsewhere: aligned, proposals it fulfils found, adopted with
//! provenance, and attributed in the redline.

mod common;

use common::*;
use penholder_core::{Document, IdSource, Node, NodeKind};
use penholder_diff::*;

#[test]
fn attribution_survives_hand_editing() {
    let (v1, keys) = version(&[
        "We will strengthen cooperation on return.",
        "States shall exchange information.",
        "This paragraph is obsolete.",
    ]);
    let compilation = compile(
        &v1,
        &[
            submission(
                "HU",
                vec![amend(keys[0], "We will enhance cooperation on return.")],
            ),
            submission(
                "AT",
                vec![
                    amend(keys[0], "We will deepen cooperation on return."),
                    insert_after(keys[1], "States shall protect personal data."),
                ],
            ),
            submission(
                "DE",
                vec![amend(
                    keys[1],
                    "States should exchange information and best practices.",
                )],
            ),
            submission("UK", vec![delete(keys[2])]),
        ],
    );
    // The chair's own edit, typed elsewhere: paragraphs re-imported with fresh ids, the second
    // one moved first, HU's wording taken, part of DE's idea, AT's paragraph, UK's deletion.
    let mut fresh = IdSource::new(77, 0);
    let mut node = |text: &str| Node::new(fresh.next_id(), NodeKind::Operative, text);
    let revised = Document::new(
        "Declaration",
        vec![
            node("States shall exchange information and data."),
            node("We will enhance cooperation on return."),
            node("States shall protect personal data."),
        ],
    );
    let alignment = align(&v1.document, &revised, Some(&compilation));
    assert_eq!(alignment.nodes[0].node, keys[1], "moved, edited, same id");
    assert_eq!(alignment.nodes[1].node, keys[0]);
    assert_eq!(alignment.nodes[2].how, Match::New);
    assert_eq!(alignment.removed, [keys[2]]);

    let fulfilled: Vec<(String, Degree, String)> = alignment
        .fulfilled
        .iter()
        .map(|f| {
            let change = compilation.change(&f.change).unwrap();
            (
                format!("{}:{}", change.reference, change.base_text),
                f.degree,
                f.delegations.join(","),
            )
        })
        .collect();
    assert_eq!(
        fulfilled,
        [
            (
                "OP1:strengthen".to_string(),
                Degree::Exactly,
                "HU".to_string()
            ),
            ("OP2:".to_string(), Degree::InPart, "DE".to_string()),
            ("OP2:".to_string(), Degree::Exactly, "AT".to_string()),
            (
                "OP3:This paragraph is obsolete.".to_string(),
                Degree::Exactly,
                "UK".to_string()
            ),
        ]
    );

    let blame1 = Blame::initial(&v1.document, 1);
    let adopted = adopt(&v1, &blame1, &alignment, Some(&compilation), "Round 1");
    assert_eq!(adopted.blame.check(&adopted.document), Ok(()));
    let view = blame_view(&adopted.document, &adopted.blame);
    let enhance = view.nodes[1]
        .spans
        .iter()
        .find(|s| s.text == "enhance")
        .unwrap();
    assert_eq!(
        enhance.origin,
        Origin::Accepted {
            round: "Round 1".into(),
            delegations: vec!["HU".into()]
        }
    );
    assert_eq!(
        view.nodes[2].spans[0].origin,
        Origin::Accepted {
            round: "Round 1".into(),
            delegations: vec!["AT".into()]
        }
    );

    let chain = [Step {
        round: "Round 1",
        document: &adopted.document,
        blame: &adopted.blame,
        applied: &adopted.applied,
    }];
    let red = redline(&v1.document, &adopted.document, &chain);
    let statuses: Vec<(Option<String>, NodeStatus)> = red
        .nodes
        .iter()
        .map(|n| (n.reference_from.clone(), n.status))
        .collect();
    assert_eq!(
        statuses,
        [
            (Some("OP2".into()), NodeStatus::Changed),
            (Some("OP3".into()), NodeStatus::Deleted),
            (Some("OP1".into()), NodeStatus::Moved),
            (None, NodeStatus::Inserted),
        ]
    );
    let deleted = red.nodes[1].segments[0].attribution.clone();
    assert_eq!(
        deleted,
        [Origin::Accepted {
            round: "Round 1".into(),
            delegations: vec!["UK".into()]
        }]
    );
    let strengthen = red.nodes[2]
        .segments
        .iter()
        .find(|s| s.text == "strengthen")
        .unwrap();
    assert_eq!(strengthen.kind, SegmentKind::Delete);
    assert_eq!(
        strengthen.attribution,
        [Origin::Accepted {
            round: "Round 1".into(),
            delegations: vec!["HU".into()]
        }]
    );
}
