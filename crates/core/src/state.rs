//! The negotiation's state of the text as data: each paragraph's status (open, agreed ad
//! referendum, agreed, adopted) and the delegations' reservations on paragraphs, with the rules
//! derived from them: which status is in force for a node, whether it takes amendments, and
//! what still stands in the way of adopting the whole text.
//!
//! Both are kept as events keyed by node id, not by version: a node that keeps its id across
//! versions keeps its status and its reservations, and the current state is derived from the
//! history (the latest status change wins; a reservation stands until it is withdrawn). Pure:
//! the store hands the events in, the callers hand the tree.

use crate::{Document, NodeId, NodeKind, References};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a paragraph stands. `Adopted` is never set on one paragraph: it is what every
/// paragraph becomes when the whole text is adopted ("nothing is agreed until everything is
/// agreed").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParagraphStatus {
    /// Under negotiation: takes amendments.
    Open,
    /// Agreed at working level subject to confirmation (e.g. "ad ref, Reference Group").
    AgreedAdRef,
    /// Agreed.
    Agreed,
    /// The whole text was adopted.
    Adopted,
}

impl ParagraphStatus {
    pub const ALL: [ParagraphStatus; 4] = [
        ParagraphStatus::Open,
        ParagraphStatus::AgreedAdRef,
        ParagraphStatus::Agreed,
        ParagraphStatus::Adopted,
    ];

    /// The name used in JSON and in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            ParagraphStatus::Open => "open",
            ParagraphStatus::AgreedAdRef => "agreed_ad_ref",
            ParagraphStatus::Agreed => "agreed",
            ParagraphStatus::Adopted => "adopted",
        }
    }

    pub fn parse(name: &str) -> Option<ParagraphStatus> {
        ParagraphStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == name)
    }

    /// How a reader sees it beside a paragraph.
    pub fn label(self) -> &'static str {
        match self {
            ParagraphStatus::Open => "open",
            ParagraphStatus::AgreedAdRef => "agreed ad ref.",
            ParagraphStatus::Agreed => "agreed",
            ParagraphStatus::Adopted => "adopted",
        }
    }

    /// Whether the paragraph's text is settled (ad ref. included: reopening it is the chair's
    /// call, recorded as a status change), so that it refuses new amendments.
    pub fn is_closed_to_amendments(self) -> bool {
        !matches!(self, ParagraphStatus::Open)
    }
}

impl std::fmt::Display for ParagraphStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One recorded status change of a node (the chair's, with a note).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusChange {
    pub node: NodeId,
    pub status: ParagraphStatus,
    /// Why, or where ("Reference Group, 7 May 2024").
    pub note: String,
    /// The document's latest version when the change was made.
    pub version: u32,
    pub set_by: String,
    pub set_at: i64,
    /// Increases with every change recorded: the latest wins.
    pub sequence: u64,
}

/// The kinds of reservation a delegation enters on a paragraph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReservationKind {
    /// Pending the capital's examination of the text.
    Scrutiny,
    General,
    /// Pending the national parliament's position.
    Parliamentary,
    /// Pending the check of the language versions.
    Linguistic,
}

impl ReservationKind {
    pub const ALL: [ReservationKind; 4] = [
        ReservationKind::Scrutiny,
        ReservationKind::General,
        ReservationKind::Parliamentary,
        ReservationKind::Linguistic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReservationKind::Scrutiny => "scrutiny",
            ReservationKind::General => "general",
            ReservationKind::Parliamentary => "parliamentary",
            ReservationKind::Linguistic => "linguistic",
        }
    }

    pub fn parse(name: &str) -> Option<ReservationKind> {
        ReservationKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }

    /// The abbreviation printed beside the paragraph, as Council documents write it.
    pub fn mark(self) -> &'static str {
        match self {
            ReservationKind::Scrutiny => "SR",
            ReservationKind::General => "GR",
            ReservationKind::Parliamentary => "PR",
            ReservationKind::Linguistic => "LR",
        }
    }
}

impl std::fmt::Display for ReservationKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A reservation's withdrawal, by the delegation that entered it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Withdrawal {
    pub note: String,
    pub withdrawn_by: String,
    pub withdrawn_at: i64,
}

/// A delegation's reservation on a node, with its withdrawal once there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reservation {
    /// Numbered 1, 2, 3… per document.
    pub number: u32,
    pub node: NodeId,
    pub delegation: String,
    pub kind: ReservationKind,
    pub text: String,
    /// The document's latest version when it was entered.
    pub version: u32,
    pub entered_by: String,
    pub entered_at: i64,
    pub withdrawn: Option<Withdrawal>,
}

impl Reservation {
    pub fn stands(&self) -> bool {
        self.withdrawn.is_none()
    }

    /// `SR (HU)`: what the text shows beside the paragraph.
    pub fn mark(&self) -> String {
        format!("{} ({})", self.kind.mark(), self.delegation)
    }
}

/// A document's adoption as a whole, at one version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Adoption {
    pub version: u32,
    pub note: String,
    pub adopted_by: String,
    pub adopted_at: i64,
}

/// The state of a document's text: its status history, its reservations, its adoption.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextState {
    /// Every status change, oldest first.
    pub changes: Vec<StatusChange>,
    /// Every reservation, withdrawn ones included, by number.
    pub reservations: Vec<Reservation>,
    pub adoption: Option<Adoption>,
}

/// What a node's status is and where it comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeStatus {
    pub status: ParagraphStatus,
    /// The change in force for this node or the ancestor it inherits from; `None` when nothing
    /// was ever set (open) or when the text was adopted.
    pub change: Option<StatusChange>,
    /// Whether the status was set on an ancestor (a part agreed as a whole) rather than the
    /// node itself.
    pub inherited: bool,
}

/// Why the whole text cannot be adopted yet: one line per paragraph in the way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Obstacle {
    /// A paragraph not agreed (open or agreed ad ref. only).
    NotAgreed {
        node: NodeId,
        reference: String,
        status: ParagraphStatus,
    },
    /// A reservation not withdrawn.
    Reserved {
        node: NodeId,
        reference: String,
        reservation: u32,
        delegation: String,
        kind: ReservationKind,
    },
    /// A bracket still open in the text: alternatives nobody has chosen between (on a
    /// paragraph not agreed, since agreeing a paragraph settles its brackets).
    Bracketed {
        node: NodeId,
        reference: String,
        /// `B1`, and its alternatives as the text shows them (`[30 (FR)] / [40 (PK)]`).
        bracket: String,
        alternatives: String,
    },
}

impl std::fmt::Display for Obstacle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Obstacle::NotAgreed {
                reference, status, ..
            } => write!(f, "{reference} is {}", status.label()),
            Obstacle::Reserved {
                reference,
                reservation,
                delegation,
                kind,
                ..
            } => write!(
                f,
                "{reference} holds {delegation}'s {kind} reservation no. {reservation}"
            ),
            Obstacle::Bracketed {
                reference,
                bracket,
                alternatives,
                ..
            } => write!(f, "{reference} holds open bracket {bracket} {alternatives}"),
        }
    }
}

impl TextState {
    /// The brackets of a version (`document`) still open: those on a paragraph agreed or
    /// adopted are settled with the version's wording, which stood while they were open.
    pub fn open_brackets(
        &self,
        document: &Document,
        brackets: Vec<crate::bracket::Bracket>,
    ) -> Vec<crate::bracket::Bracket> {
        if self.changes.is_empty() && self.adoption.is_none() {
            return brackets;
        }
        let statuses = self.statuses(document);
        brackets
            .into_iter()
            .filter(|bracket| {
                !statuses.get(&bracket.node).is_some_and(|s| {
                    matches!(s.status, ParagraphStatus::Agreed | ParagraphStatus::Adopted)
                })
            })
            .collect()
    }

    /// Whether anything was ever recorded: a status, a reservation or the adoption.
    pub fn has_any(&self) -> bool {
        !self.changes.is_empty() || !self.reservations.is_empty() || self.adoption.is_some()
    }

    /// The latest change set on each node itself (not inherited).
    pub fn latest_changes(&self) -> BTreeMap<NodeId, &StatusChange> {
        let mut latest: BTreeMap<NodeId, &StatusChange> = BTreeMap::new();
        for change in &self.changes {
            match latest.get(&change.node) {
                Some(kept) if kept.sequence > change.sequence => {}
                _ => {
                    latest.insert(change.node, change);
                }
            }
        }
        latest
    }

    /// The status in force for every node of `document`: the adopted text's nodes are all
    /// adopted; otherwise a node's own latest change, else its nearest ancestor's (a part
    /// agreed as a whole agrees what stands under it), else open.
    pub fn statuses(&self, document: &Document) -> BTreeMap<NodeId, NodeStatus> {
        let latest = self.latest_changes();
        let mut out: BTreeMap<NodeId, NodeStatus> = BTreeMap::new();
        for visit in document.walk() {
            let node = visit.node;
            let status = if self.adoption.is_some() {
                NodeStatus {
                    status: ParagraphStatus::Adopted,
                    change: None,
                    inherited: false,
                }
            } else if let Some(change) = latest.get(&node.id) {
                NodeStatus {
                    status: change.status,
                    change: Some((*change).clone()),
                    inherited: false,
                }
            } else if let Some(parent) = visit.parent.and_then(|p| out.get(&p.id)) {
                NodeStatus {
                    inherited: parent.change.is_some(),
                    ..parent.clone()
                }
            } else {
                NodeStatus {
                    status: ParagraphStatus::Open,
                    change: None,
                    inherited: false,
                }
            };
            out.insert(node.id, status);
        }
        out
    }

    /// The reservations that stand on nodes of `document`, by node, in the order entered.
    pub fn standing_reservations(
        &self,
        document: &Document,
    ) -> BTreeMap<NodeId, Vec<&Reservation>> {
        let mut out: BTreeMap<NodeId, Vec<&Reservation>> = BTreeMap::new();
        for reservation in self.reservations.iter().filter(|r| r.stands()) {
            if document.find(reservation.node).is_some() {
                out.entry(reservation.node).or_default().push(reservation);
            }
        }
        out
    }

    /// What stands in the way of adopting `document` as a whole, in document order: every
    /// node but a part (a heading carries no negotiated text of its own) must be agreed, no
    /// reservation on any node may stand, and no bracket of the version may be left open
    /// (`brackets`, as [`TextState::open_brackets`] gives them). Empty: the text may be
    /// adopted.
    pub fn obstacles_to_adoption(
        &self,
        document: &Document,
        brackets: &[crate::bracket::Bracket],
    ) -> Vec<Obstacle> {
        let statuses = self.statuses(document);
        let reservations = self.standing_reservations(document);
        let references = References::of(document);
        let reference_of = |id: NodeId| {
            references
                .reference(id)
                .map_or_else(|| id.to_string(), |r| r.0.clone())
        };
        let mut obstacles = Vec::new();
        for visit in document.walk() {
            let node = visit.node;
            let status = statuses
                .get(&node.id)
                .map_or(ParagraphStatus::Open, |s| s.status);
            if node.kind != NodeKind::Part
                && !matches!(status, ParagraphStatus::Agreed | ParagraphStatus::Adopted)
            {
                obstacles.push(Obstacle::NotAgreed {
                    node: node.id,
                    reference: reference_of(node.id),
                    status,
                });
            }
            for reservation in reservations.get(&node.id).into_iter().flatten() {
                obstacles.push(Obstacle::Reserved {
                    node: node.id,
                    reference: reference_of(node.id),
                    reservation: reservation.number,
                    delegation: reservation.delegation.clone(),
                    kind: reservation.kind,
                });
            }
            for bracket in brackets.iter().filter(|b| b.node == node.id) {
                obstacles.push(Obstacle::Bracketed {
                    node: node.id,
                    reference: reference_of(node.id),
                    bracket: bracket.id.clone(),
                    alternatives: bracket
                        .alternatives
                        .iter()
                        .map(|a| a.label())
                        .collect::<Vec<_>>()
                        .join(" / "),
                });
            }
        }
        obstacles
    }
}

/// One line that names up to `shown` obstacles and counts the rest, for a refusal's detail.
pub fn describe_obstacles(obstacles: &[Obstacle], shown: usize) -> String {
    let mut text = obstacles
        .iter()
        .take(shown)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    if obstacles.len() > shown {
        text.push_str(&format!(" (and {} more)", obstacles.len() - shown));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IdSource, Node};
    use proptest::prelude::*;

    fn tree(ids: &mut IdSource) -> Document {
        let part = ids.next_id();
        let op1 = ids.next_id();
        let op1a = ids.next_id();
        let op2 = ids.next_id();
        Document::new(
            "t",
            vec![
                Node::new(part, NodeKind::Part, "Declaration").with_children(vec![
                    Node::new(op1, NodeKind::Operative, "One").with_children(vec![Node::new(
                        op1a,
                        NodeKind::Item,
                        "one a",
                    )]),
                    Node::new(op2, NodeKind::Operative, "Two"),
                ]),
            ],
        )
    }

    fn change(node: NodeId, status: ParagraphStatus, sequence: u64) -> StatusChange {
        StatusChange {
            node,
            status,
            note: String::new(),
            version: 1,
            set_by: "chair".into(),
            set_at: 0,
            sequence,
        }
    }

    fn ids_of(document: &Document) -> Vec<NodeId> {
        document.walk().iter().map(|v| v.node.id).collect()
    }

    #[test]
    fn nothing_set_is_open_and_blocks_adoption_paragraph_by_paragraph() {
        let document = tree(&mut IdSource::new(1, 0));
        let state = TextState::default();
        assert!(
            state
                .statuses(&document)
                .values()
                .all(|s| s.status == ParagraphStatus::Open)
        );
        let obstacles = state.obstacles_to_adoption(&document, &[]);
        // The part is not a paragraph; OP1, OP1.a and OP2 are.
        assert_eq!(obstacles.len(), 3);
        assert_eq!(
            describe_obstacles(&obstacles, 2),
            "OP1 is open; OP1.a is open (and 1 more)"
        );
    }

    #[test]
    fn a_part_agreed_as_a_whole_agrees_what_stands_under_it_unless_a_node_says_otherwise() {
        let document = tree(&mut IdSource::new(1, 0));
        let [part, op1, op1a, op2] = ids_of(&document)[..] else {
            panic!("four nodes")
        };
        let state = TextState {
            changes: vec![
                change(part, ParagraphStatus::Agreed, 1),
                change(op2, ParagraphStatus::Open, 2),
            ],
            ..TextState::default()
        };
        let statuses = state.statuses(&document);
        assert_eq!(statuses[&op1].status, ParagraphStatus::Agreed);
        assert!(statuses[&op1a].inherited);
        assert_eq!(statuses[&op2].status, ParagraphStatus::Open);
        let obstacles = state.obstacles_to_adoption(&document, &[]);
        assert_eq!(
            obstacles,
            vec![Obstacle::NotAgreed {
                node: op2,
                reference: "OP2".into(),
                status: ParagraphStatus::Open
            }]
        );
        let _ = op1a;
    }

    #[test]
    fn a_standing_reservation_blocks_adoption_and_a_withdrawn_one_does_not() {
        let document = tree(&mut IdSource::new(1, 0));
        let part = ids_of(&document)[0];
        let op2 = ids_of(&document)[3];
        let mut reservation = Reservation {
            number: 1,
            node: op2,
            delegation: "HU".into(),
            kind: ReservationKind::Scrutiny,
            text: "pending".into(),
            version: 1,
            entered_by: "hu".into(),
            entered_at: 0,
            withdrawn: None,
        };
        let mut state = TextState {
            changes: vec![change(part, ParagraphStatus::Agreed, 1)],
            reservations: vec![reservation.clone()],
            adoption: None,
        };
        assert_eq!(
            describe_obstacles(&state.obstacles_to_adoption(&document, &[]), 5),
            "OP2 holds HU's scrutiny reservation no. 1"
        );
        assert_eq!(reservation.mark(), "SR (HU)");
        reservation.withdrawn = Some(Withdrawal {
            note: "lifted".into(),
            withdrawn_by: "hu".into(),
            withdrawn_at: 1,
        });
        state.reservations = vec![reservation];
        assert!(state.obstacles_to_adoption(&document, &[]).is_empty());
    }

    #[test]
    fn an_adopted_text_is_adopted_everywhere() {
        let document = tree(&mut IdSource::new(1, 0));
        let state = TextState {
            adoption: Some(Adoption {
                version: 1,
                note: String::new(),
                adopted_by: "chair".into(),
                adopted_at: 0,
            }),
            ..TextState::default()
        };
        assert!(
            state
                .statuses(&document)
                .values()
                .all(|s| s.status == ParagraphStatus::Adopted)
        );
    }

    #[test]
    fn names_read_back() {
        for status in ParagraphStatus::ALL {
            assert_eq!(ParagraphStatus::parse(status.as_str()), Some(status));
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                serde_json::Value::from(status.as_str())
            );
        }
        for kind in ReservationKind::ALL {
            assert_eq!(ReservationKind::parse(kind.as_str()), Some(kind));
        }
    }

    fn status_strategy() -> impl Strategy<Value = ParagraphStatus> {
        prop::sample::select(vec![
            ParagraphStatus::Open,
            ParagraphStatus::AgreedAdRef,
            ParagraphStatus::Agreed,
        ])
    }

    proptest! {
        /// The status in force is the latest change's, whatever order the history is listed in,
        /// and the text is adoptable exactly when every non-part node ends up agreed.
        #[test]
        fn the_latest_change_wins_in_any_order(
            history in prop::collection::vec((0usize..4, status_strategy()), 0..24),
            rotation in 0usize..24,
        ) {
            let document = tree(&mut IdSource::new(7, 0));
            let ids = ids_of(&document);
            let changes: Vec<StatusChange> = history
                .iter()
                .enumerate()
                .map(|(sequence, (node, status))| change(ids[*node], *status, sequence as u64))
                .collect();
            let mut shuffled = changes.clone();
            if !shuffled.is_empty() {
                let by = rotation % shuffled.len();
                shuffled.rotate_left(by);
            }
            let ordered = TextState { changes, ..TextState::default() };
            let rotated = TextState { changes: shuffled, ..TextState::default() };
            prop_assert_eq!(ordered.statuses(&document), rotated.statuses(&document));
            let statuses = ordered.statuses(&document);
            let all_agreed = document.walk().iter().filter(|v| v.node.kind != NodeKind::Part)
                .all(|v| statuses[&v.node.id].status == ParagraphStatus::Agreed);
            prop_assert_eq!(ordered.obstacles_to_adoption(&document, &[]).is_empty(), all_agreed);
            for (node, status) in &statuses {
                if let Some((_, last)) = history.iter().rev().find(|(n, _)| ids[*n] == *node) {
                    prop_assert_eq!(status.status, *last);
                }
            }
        }
    }
}
