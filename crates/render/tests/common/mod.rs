//! A small, realistic negotiation for the renderers' tests: a declaration in the style of the
//! Budapest Process text, six delegations' written feedback on it (amendments that coincide,
//! clash and merge, a new list item, a deletion against an amendment, comments, a general
//! comment, justifications), the chair's decisions, the consolidated Rev. 1 and the redline.
//! Everything goes through penholder-diff, so the values are real; ids and times are fixed, so
//! the outputs are reproducible.
#![allow(dead_code)] // each test binary uses a different part of the helpers

use penholder_core::negotiation::{Anchor, Decision, Item, Ruling, Submission};
use penholder_core::{Document, IdSource, Node, NodeId, NodeKind, Version};
use penholder_diff::{
    Blame, BlameView, Compilation, ConsolidateOptions, Consolidation, Redline, Step, blame_view,
    compile, consolidate, redline,
};
use penholder_render::{Context, RoundRecord, RoundResult};

pub mod office;

pub const ROUND: &str = "Written feedback on the zero draft";
/// 2023-12-20T09:00:00Z, the first submission.
pub const FIRST_SUBMISSION: i64 = 1_703_062_800_000;
/// 2024-01-15T10:00:00Z, when Rev. 1 was consolidated.
pub const CONSOLIDATED: i64 = 1_705_312_800_000;

pub struct Negotiation {
    pub v1: Version,
    pub submissions: Vec<Submission>,
    pub compilation: Compilation,
    pub decisions: Vec<Decision>,
    pub consolidation: Consolidation,
    pub v2: Version,
    pub redline: Redline,
    pub blame: BlameView,
}

impl Negotiation {
    pub fn record(&self) -> RoundRecord<'_> {
        RoundRecord {
            round: ROUND,
            compilation: &self.compilation,
            submissions: &self.submissions,
            decisions: &self.decisions,
            result: Some(RoundResult::of(&self.consolidation)),
        }
    }
}

pub fn context() -> Context {
    let mut context = Context::new()
        .classification("LIMITE")
        .delegation("AT", "Austria")
        .delegation("DE", "Germany")
        .delegation("FR", "France")
        .delegation("HU", "Hungary")
        .delegation("TR", "Türkiye")
        .delegation("UK", "United Kingdom")
        .round_date(ROUND, CONSOLIDATED)
        .fallback_date(FIRST_SUBMISSION);
    for (index, code) in ["AT", "DE", "FR", "HU", "TR", "UK"].iter().enumerate() {
        context = context.submitted(*code, FIRST_SUBMISSION + index as i64 * 3_600_000);
    }
    context
}

pub struct Ids {
    pub opening: NodeId,
    pub footnote: NodeId,
    pub pp1: NodeId,
    pub pp2: NodeId,
    pub pp3: NodeId,
    pub op1: NodeId,
    pub op1a: NodeId,
    pub op1b: NodeId,
    pub op2: NodeId,
    pub op3: NodeId,
}

pub fn zero_draft() -> (Version, Ids) {
    let mut ids = IdSource::new(2024, 1_701_770_400_000);
    let mut node = |kind, text: &str| Node::new(ids.next_id(), kind, text);
    let footnote = node(
        NodeKind::Footnote,
        "Australia, Canada and the United States of America are observers.",
    );
    let opening = node(
        NodeKind::Paragraph,
        "WE, the Ministers responsible for migration from the Budapest Process participating States¹;",
    )
    .with_children(vec![footnote.clone()]);
    let pp1 = node(
        NodeKind::Preambular,
        "Recognising the unique role and strong impact of the Budapest Process;",
    );
    let pp2 = node(
        NodeKind::Preambular,
        "Acknowledging that migration should be handled in accordance with international law;",
    );
    let pp3 = node(
        NodeKind::Preambular,
        "Taking into account the adoption in December 2018 of the Global Compacts;",
    );
    let op1a = node(
        NodeKind::Item,
        "prevent and fight against irregular migration;",
    );
    let op1b = node(NodeKind::Item, "strengthen pathways for legal migration;");
    let op1 = node(
        NodeKind::Operative,
        "Adopt the Call for Action 2025-2030, focusing on the following priorities:",
    )
    .with_children(vec![op1a.clone(), op1b.clone()]);
    let op2 = node(
        NodeKind::Operative,
        "Decide to strengthen cooperation on return and readmission.",
    );
    let op3 = node(
        NodeKind::Operative,
        "Invite the Secretariat to report annually on progress.",
    );
    let keys = Ids {
        opening: opening.id,
        footnote: footnote.id,
        pp1: pp1.id,
        pp2: pp2.id,
        pp3: pp3.id,
        op1: op1.id,
        op1a: op1a.id,
        op1b: op1b.id,
        op2: op2.id,
        op3: op3.id,
    };
    let document = Document::new(
        "Budapest Process Ministerial Declaration",
        vec![opening, pp1, pp2, pp3, op1, op2, op3],
    );
    (Version::new(1, "Zero draft", None, document), keys)
}

fn submission(delegation: &str, hour: i64, items: Vec<Item>) -> Submission {
    Submission {
        delegation: delegation.into(),
        revision: 1,
        submitted_at: FIRST_SUBMISSION + hour * 3_600_000,
        items,
    }
}

fn amend(node: NodeId, text: &str, justification: Option<&str>) -> Item {
    Item::Amend {
        iso: Default::default(),
        node,
        text: text.into(),
        justification: justification.map(str::to_string),
    }
}

pub fn submissions(ids: &Ids) -> Vec<Submission> {
    vec![
        submission(
            "HU",
            3,
            vec![
                amend(
                    ids.op2,
                    "Decide to enhance cooperation on return and readmission.",
                    Some("Consistency with the Call for Action."),
                )
                // The ISO type and locator a delegation may give (issue 14).
                .with_iso(penholder_core::negotiation::IsoAnnotation {
                    iso_type: Some(penholder_core::negotiation::IsoCommentType::Technical),
                    locator: Some("l. 12–14".into()),
                }),
                Item::Comment {
                    iso: penholder_core::negotiation::IsoAnnotation {
                        iso_type: Some(penholder_core::negotiation::IsoCommentType::General),
                        locator: Some("Table 2".into()),
                    },
                    node: Some(ids.pp2),
                    text: "We can accept this wording.".into(),
                },
            ],
        ),
        submission(
            "TR",
            4,
            vec![
                amend(
                    ids.op2,
                    "Decide to enhance cooperation on return and readmission.",
                    None,
                ),
                Item::Insert {
                    iso: Default::default(),
                    at: Anchor::After(ids.op1b),
                    node_kind: None,
                    text: "ensure international protection in line with international obligations;"
                        .into(),
                    justification: Some("Priority 5 must be reflected.".into()),
                },
            ],
        ),
        submission(
            "AT",
            0,
            vec![
                amend(
                    ids.op2,
                    "Decide to deepen cooperation on return and readmission.",
                    None,
                ),
                amend(
                    ids.pp1,
                    "Recognising the unique role and strong impact of the Budapest Process and the Silk Routes Partnership;",
                    Some("The Silk Routes Partnership is the Process's main instrument."),
                ),
            ],
        ),
        submission(
            "DE",
            1,
            vec![amend(
                ids.pp2,
                "Acknowledging that migration and international protection should be handled in accordance with international law;",
                None,
            )],
        ),
        submission(
            "UK",
            5,
            vec![Item::Delete {
                iso: Default::default(),
                node: ids.op3,
                justification: Some("Reporting is covered by the Secretariat's mandate.".into()),
            }],
        ),
        submission(
            "FR",
            2,
            vec![
                amend(
                    ids.op3,
                    "Invite the Secretariat to report every two years on progress.",
                    None,
                ),
                Item::Comment {
                    iso: Default::default(),
                    node: None,
                    text: "France supports the overall balance of the text.".into(),
                },
            ],
        ),
    ]
}

/// The whole round: compile, decide, consolidate, redline, blame.
pub fn negotiation() -> Negotiation {
    let (v1, ids) = zero_draft();
    let submissions = submissions(&ids);
    let compilation = compile(&v1, &submissions);
    let find = |node: NodeId, base: &str| {
        compilation
            .changes()
            .find(|c| c.node == node && c.base_text == base)
            .unwrap_or_else(|| panic!("no change on {base:?}"))
    };
    let decide = |change: &penholder_diff::Change, ruling: Ruling, note: Option<&str>| Decision {
        change: change.id.clone(),
        ruling,
        note: note.map(str::to_string),
    };
    let strengthen = find(ids.op2, "strengthen");
    let enhance = strengthen
        .alternatives
        .iter()
        .find(|a| a.text.as_deref() == Some("enhance"))
        .expect("the enhance alternative");
    let silk_routes = compilation
        .changes()
        .find(|c| c.node == ids.pp1)
        .expect("Austria's change");
    let protection = compilation
        .changes()
        .find(|c| c.node == ids.pp2)
        .expect("Germany's change");
    let new_item = compilation
        .changes()
        .find(|c| c.node == ids.op1b)
        .expect("Türkiye's new item");
    let op3_whole = compilation
        .changes()
        .find(|c| c.node == ids.op3 && c.scope == penholder_diff::Scope::Node)
        .expect("deletion against amendment");
    let annually = find(ids.op3, "annually");
    let decisions = vec![
        decide(
            strengthen,
            Ruling::Accept {
                alternative: Some(enhance.id.clone()),
            },
            Some("Closer to agreed language."),
        ),
        decide(silk_routes, Ruling::Accept { alternative: None }, None),
        decide(
            protection,
            Ruling::Reword {
                text: "and international protection issues".into(),
            },
            Some("Aligned with the wording of the Global Compacts."),
        ),
        decide(new_item, Ruling::Accept { alternative: None }, None),
        decide(op3_whole, Ruling::Reject, Some("The paragraph stays.")),
        decide(annually, Ruling::Defer, Some("To be discussed at the SOM.")),
    ];
    let blame1 = Blame::initial(&v1.document, 1);
    let mut new_ids = IdSource::new(2025, CONSOLIDATED as u64);
    let consolidation = consolidate(
        &v1,
        &blame1,
        &compilation,
        &decisions,
        &ConsolidateOptions {
            round: ROUND.into(),
            accept_uncontested: false,
        },
        &mut new_ids,
    )
    .expect("the decisions apply");
    let v2 = Version::new(
        2,
        "Rev. 1 after written feedback",
        Some(1),
        consolidation.document.clone(),
    );
    let chain = [Step {
        round: ROUND,
        document: &consolidation.document,
        blame: &consolidation.blame,
        applied: &consolidation.applied,
    }];
    let redline = redline(&v1.document, &v2.document, &chain);
    let blame = blame_view(&v2.document, &consolidation.blame);
    Negotiation {
        v1,
        submissions,
        compilation,
        decisions,
        consolidation,
        v2,
        redline,
        blame,
    }
}

/// Text of every node of a document in order (what a reader sees, footnotes included).
pub fn texts(document: &Document) -> Vec<String> {
    document
        .walk()
        .iter()
        .map(|v| v.node.text.clone())
        .collect()
}
