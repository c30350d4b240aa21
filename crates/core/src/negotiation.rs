//! The negotiation around a text: processes, delegations, rounds, submissions, decisions.
//!
//! These are values and rules only. Times are Unix milliseconds handed in by the caller.

use crate::{NodeId, NodeKind};
use serde::{Deserialize, Serialize};

/// Whether a delegation is a state, an organisation, or a group of other delegations (the EU).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DelegationKind {
    State,
    Organisation,
    Group,
}

/// How a delegation takes part.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Participation {
    Participant,
    Observer,
    Secretariat,
    /// A body that reviews the text and takes no part in the rounds (a Council working party):
    /// its members read the process's documents, LIMITE ones included, and what the rounds
    /// produced once they closed; they write nothing, whatever their token's role.
    Reviewer,
}

/// A chairing function held by a participant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Function {
    Chair,
    CoChair,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delegation {
    /// Short code: ISO 3166 alpha-2 for states (`HU`), an acronym otherwise (`EU`, `ICMPD`).
    pub code: String,
    pub name: String,
    pub kind: DelegationKind,
    pub participation: Participation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<Function>,
    /// For a group: the codes of its members.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
}

/// The life of a round: planned → open → closed → consolidated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundState {
    Planned,
    Open,
    Closed,
    Consolidated,
}

impl RoundState {
    /// The state of a round that has not been closed or consolidated by hand, at time `now`.
    /// A round opens by itself at `opens_at` and stops taking submissions at `closes_at`.
    pub fn at(recorded: RoundState, opens_at: i64, closes_at: i64, now: i64) -> RoundState {
        match recorded {
            RoundState::Closed | RoundState::Consolidated => recorded,
            _ if now < opens_at => RoundState::Planned,
            _ if now >= closes_at => RoundState::Closed,
            _ => RoundState::Open,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RoundState::Planned => "planned",
            RoundState::Open => "open",
            RoundState::Closed => "closed",
            RoundState::Consolidated => "consolidated",
        }
    }
}

/// Where an inserted node goes, relative to a node of the base version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    After(NodeId),
    Before(NodeId),
}

impl Anchor {
    pub fn node(self) -> NodeId {
        match self {
            Anchor::After(id) | Anchor::Before(id) => id,
        }
    }
}

/// The type of comment of the ISO/IEC comment template a secretariat prints: general,
/// technical or editorial (`ge`, `te`, `ed` in the template's "Type of comment" column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum IsoCommentType {
    /// `ge`: about the text as a whole, or its approach.
    #[serde(rename = "ge")]
    General,
    /// `te`: about the substance.
    #[serde(rename = "te")]
    Technical,
    /// `ed`: wording, punctuation, presentation only.
    #[serde(rename = "ed")]
    Editorial,
}

impl IsoCommentType {
    /// Every type, in the template's order.
    pub const ALL: [IsoCommentType; 3] = [
        IsoCommentType::General,
        IsoCommentType::Technical,
        IsoCommentType::Editorial,
    ];

    /// The template's code: `ge`, `te` or `ed`.
    pub fn code(self) -> &'static str {
        match self {
            IsoCommentType::General => "ge",
            IsoCommentType::Technical => "te",
            IsoCommentType::Editorial => "ed",
        }
    }

    /// Reads a template code (`ge`, `te`, `ed`, any letter case).
    pub fn parse(code: &str) -> Option<IsoCommentType> {
        IsoCommentType::ALL
            .into_iter()
            .find(|kind| kind.code().eq_ignore_ascii_case(code.trim()))
    }
}

/// What a delegation may add to any item for the ISO/IEC comment template: the type of its
/// comment and where in the text it points (the template's line number or
/// paragraph/figure/table). Both optional: without a type the dispositions infer one, as they
/// did before delegations could give it.
///
/// One struct flattened into every item kind (rather than two fields repeated in each) so that
/// the code that builds items says `iso: IsoAnnotation::default()` once, and the wire keeps
/// the two fields beside the item's own (`{"kind": "amend", …, "iso_type": "ed",
/// "locator": "l. 12"}`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IsoAnnotation {
    /// The type of comment the delegation gives (`ge`, `te`, `ed`); inferred when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iso_type: Option<IsoCommentType>,
    /// Where in the text the item points, in the delegation's words: `l. 12–14`, `Table 2`
    /// (at most [`IsoAnnotation::MAX_LOCATOR`] characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locator: Option<String>,
}

impl IsoAnnotation {
    /// The longest locator, in characters: a place in the text, not a comment.
    pub const MAX_LOCATOR: usize = 100;

    /// An annotation with a type and no locator.
    pub fn typed(iso_type: IsoCommentType) -> Self {
        IsoAnnotation {
            iso_type: Some(iso_type),
            locator: None,
        }
    }

    /// Neither a type nor a locator.
    pub fn is_empty(&self) -> bool {
        self.iso_type.is_none() && self.locator.is_none()
    }
}

/// One proposal in a submission as a delegation writes it: nodes named by id or by their
/// reference in the round's base version (`PG1.4`). The one form every client speaks (the API's
/// `PUT …/submissions/{delegation}`, the replay, the test helpers); resolving it against the
/// base's [`crate::References`] gives an [`Item`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = WireItem))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ItemByReference {
    /// The delegation's full proposed text for a node.
    Amend {
        node: String,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        justification: Option<String>,
        #[serde(flatten)]
        iso: IsoAnnotation,
    },
    /// A new node after or before an existing one (exactly one of `after`, `before`).
    Insert {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<String>,
        text: String,
        /// The new node's kind (`operative`, `action`…); the anchor's kind when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        node_kind: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        justification: Option<String>,
        #[serde(flatten)]
        iso: IsoAnnotation,
    },
    Delete {
        node: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        justification: Option<String>,
        #[serde(flatten)]
        iso: IsoAnnotation,
    },
    /// A comment on a node, or on the whole text when `node` is null.
    Comment {
        #[serde(default)]
        node: Option<String>,
        text: String,
        #[serde(flatten)]
        iso: IsoAnnotation,
    },
    /// Support for one alternative of an open bracket of the round's base version (`B1`, `a`).
    Support {
        bracket: String,
        alternative: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        justification: Option<String>,
        #[serde(flatten)]
        iso: IsoAnnotation,
    },
    /// A new wording of one alternative of an open bracket: the wording of the bracket's span
    /// (or of the whole node, or of the new node) the delegation proposes in its place.
    AmendAlternative {
        bracket: String,
        alternative: String,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        justification: Option<String>,
        #[serde(flatten)]
        iso: IsoAnnotation,
    },
    /// The delegation withdraws its own support of an alternative of an open bracket.
    WithdrawAlternative {
        bracket: String,
        alternative: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        justification: Option<String>,
        #[serde(flatten)]
        iso: IsoAnnotation,
    },
}

impl ItemByReference {
    /// The ISO comment-template annotation the delegation gave with this item.
    pub fn iso(&self) -> &IsoAnnotation {
        match self {
            ItemByReference::Amend { iso, .. }
            | ItemByReference::Insert { iso, .. }
            | ItemByReference::Delete { iso, .. }
            | ItemByReference::Comment { iso, .. }
            | ItemByReference::Support { iso, .. }
            | ItemByReference::AmendAlternative { iso, .. }
            | ItemByReference::WithdrawAlternative { iso, .. } => iso,
        }
    }

    /// This item with the ISO annotation `annotation` (the one it had replaced).
    pub fn with_iso(mut self, annotation: IsoAnnotation) -> Self {
        match &mut self {
            ItemByReference::Amend { iso, .. }
            | ItemByReference::Insert { iso, .. }
            | ItemByReference::Delete { iso, .. }
            | ItemByReference::Comment { iso, .. }
            | ItemByReference::Support { iso, .. }
            | ItemByReference::AmendAlternative { iso, .. }
            | ItemByReference::WithdrawAlternative { iso, .. } => *iso = annotation,
        }
        self
    }
}

/// How an item of a submission sent as a Word file was found in it (none for a JSON item):
/// kept with the submission, so that the chairmanship sees which proposals came from tracked
/// changes and which penholder had to infer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ItemFlag {
    /// From the file's tracked changes (or its comments), as the delegation recorded them.
    Tracked,
    /// Edited without change tracking: found by comparing with the base version the file names.
    Untracked,
    /// The file carries no node ids: its paragraph was matched to the base by its words.
    MatchedByText,
}

impl ItemFlag {
    /// Every flag, in the order of their bits in the store's encoding.
    pub const ALL: [ItemFlag; 3] = [
        ItemFlag::Tracked,
        ItemFlag::Untracked,
        ItemFlag::MatchedByText,
    ];
}

/// One proposal in a submission, with nodes resolved to ids.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Item {
    /// The delegation's full proposed text for a node.
    Amend {
        node: NodeId,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        justification: Option<String>,
        #[serde(flatten)]
        iso: IsoAnnotation,
    },
    /// A new node next to an existing one; its kind is the anchor's unless given.
    Insert {
        at: Anchor,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        node_kind: Option<NodeKind>,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        justification: Option<String>,
        #[serde(flatten)]
        iso: IsoAnnotation,
    },
    Delete {
        node: NodeId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        justification: Option<String>,
        #[serde(flatten)]
        iso: IsoAnnotation,
    },
    /// A comment on a node, or on the whole text when `node` is `None`.
    Comment {
        node: Option<NodeId>,
        text: String,
        #[serde(flatten)]
        iso: IsoAnnotation,
    },
    /// Support for an alternative of an open bracket of the round's base version
    /// (`penholder_core::bracket`); checked against the base's brackets when recorded.
    Support {
        bracket: String,
        alternative: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        justification: Option<String>,
        #[serde(flatten)]
        iso: IsoAnnotation,
    },
    /// A new wording for an alternative of an open bracket.
    AmendAlternative {
        bracket: String,
        alternative: String,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        justification: Option<String>,
        #[serde(flatten)]
        iso: IsoAnnotation,
    },
    /// The withdrawal of the delegation's own support of an alternative of an open bracket.
    WithdrawAlternative {
        bracket: String,
        alternative: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        justification: Option<String>,
        #[serde(flatten)]
        iso: IsoAnnotation,
    },
}

impl Item {
    /// The node of the base version this item is about (for an insert: its anchor).
    pub fn node(&self) -> Option<NodeId> {
        match self {
            Item::Amend { node, .. } | Item::Delete { node, .. } => Some(*node),
            Item::Insert { at, .. } => Some(at.node()),
            Item::Comment { node, .. } => *node,
            // A bracket names its node; the item names the bracket.
            Item::Support { .. }
            | Item::AmendAlternative { .. }
            | Item::WithdrawAlternative { .. } => None,
        }
    }

    /// The open bracket and its alternative this item acts on, if it is a bracket act.
    pub fn bracket_act(&self) -> Option<(&str, &str)> {
        match self {
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
            } => Some((bracket, alternative)),
            _ => None,
        }
    }

    /// The ISO comment-template annotation the delegation gave with this item.
    pub fn iso(&self) -> &IsoAnnotation {
        match self {
            Item::Amend { iso, .. }
            | Item::Insert { iso, .. }
            | Item::Delete { iso, .. }
            | Item::Comment { iso, .. }
            | Item::Support { iso, .. }
            | Item::AmendAlternative { iso, .. }
            | Item::WithdrawAlternative { iso, .. } => iso,
        }
    }

    /// This item with the ISO annotation `annotation` (the one it had replaced).
    pub fn with_iso(mut self, annotation: IsoAnnotation) -> Self {
        match &mut self {
            Item::Amend { iso, .. }
            | Item::Insert { iso, .. }
            | Item::Delete { iso, .. }
            | Item::Comment { iso, .. }
            | Item::Support { iso, .. }
            | Item::AmendAlternative { iso, .. }
            | Item::WithdrawAlternative { iso, .. } => *iso = annotation,
        }
        self
    }

    pub fn justification(&self) -> Option<&str> {
        match self {
            Item::Amend { justification, .. }
            | Item::Insert { justification, .. }
            | Item::Delete { justification, .. }
            | Item::Support { justification, .. }
            | Item::AmendAlternative { justification, .. }
            | Item::WithdrawAlternative { justification, .. } => justification.as_deref(),
            Item::Comment { .. } => None,
        }
    }
}

/// One delegation's feedback in a round, as of one revision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    pub delegation: String,
    /// 1 for the first submission, +1 for each resubmission.
    pub revision: u32,
    /// When it was received (Unix milliseconds).
    pub submitted_at: i64,
    pub items: Vec<Item>,
}

/// The chairmanship's ruling on one change of a round's compilation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Ruling {
    /// Accept the change; for a contested change, name the alternative.
    Accept {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        alternative: Option<String>,
    },
    Reject,
    /// Accept the idea in the chairmanship's own wording: `text` replaces the change's base span
    /// (or, for a node-level change, is the node's new text).
    Reword {
        text: String,
    },
    /// No ruling this round: the base text stays.
    Defer,
    /// The chairmanship takes back its earlier ruling on the change: the change stands as if
    /// never decided. Kept in the decisions' history (and the audit); never a current decision.
    Withdraw,
}

impl Ruling {
    /// Whether this ruling decides its change (a withdrawal undoes one instead).
    pub fn decides(&self) -> bool {
        !matches!(self, Ruling::Withdraw)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Decision {
    /// The change's id in the compilation.
    pub change: String,
    #[serde(flatten)]
    pub ruling: Ruling,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_follows_its_clock_until_closed_by_hand() {
        use RoundState::*;
        assert_eq!(RoundState::at(Planned, 10, 20, 5), Planned);
        assert_eq!(RoundState::at(Planned, 10, 20, 10), Open);
        assert_eq!(RoundState::at(Open, 10, 20, 19), Open);
        assert_eq!(
            RoundState::at(Open, 10, 20, 20),
            Closed,
            "the deadline itself is late"
        );
        assert_eq!(RoundState::at(Closed, 10, 20, 15), Closed);
        assert_eq!(RoundState::at(Consolidated, 10, 20, 15), Consolidated);
    }

    #[test]
    fn items_and_decisions_in_json() {
        let id: NodeId = "01890a5d-ac96-774b-bcce-b302099a8057".parse().unwrap();
        let item: Item = serde_json::from_str(&format!(
            r#"{{"kind":"insert","at":{{"after":"{id}"}},"text":"New."}}"#
        ))
        .unwrap();
        assert_eq!(item.node(), Some(id));
        let decision: Decision =
            serde_json::from_str(r#"{"change":"c1","decision":"reword","text":"T","note":"n"}"#)
                .unwrap();
        assert_eq!(decision.ruling, Ruling::Reword { text: "T".into() });
    }
    #[test]
    fn an_item_carries_its_iso_type_and_locator_beside_its_own_fields() {
        let wire: ItemByReference = serde_json::from_str(
            r#"{"kind":"amend","node":"OP1","text":"T.","iso_type":"ed","locator":"l. 12–14"}"#,
        )
        .unwrap();
        assert_eq!(
            wire.iso(),
            &IsoAnnotation {
                iso_type: Some(IsoCommentType::Editorial),
                locator: Some("l. 12–14".into()),
            }
        );
        let plain: ItemByReference =
            serde_json::from_str(r#"{"kind":"delete","node":"OP1"}"#).unwrap();
        assert!(plain.iso().is_empty());
        assert_eq!(
            serde_json::to_string(&plain).unwrap(),
            r#"{"kind":"delete","node":"OP1"}"#,
            "an item without annotation is written as before"
        );
    }

    #[test]
    fn a_wire_item_refuses_unknown_fields_and_types() {
        let unknown = serde_json::from_str::<ItemByReference>(
            r#"{"kind":"delete","node":"OP1","iso_typ":"te"}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(unknown.contains("iso_typ"), "{unknown}");
        let bad_type = serde_json::from_str::<ItemByReference>(
            r#"{"kind":"comment","node":null,"text":"x","iso_type":"major"}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(
            bad_type.contains("`ge`, `te`, `ed`"),
            "the error names the allowed values: {bad_type}"
        );
    }

    fn arbitrary_annotation() -> impl proptest::strategy::Strategy<Value = IsoAnnotation> {
        use proptest::prelude::*;
        (
            proptest::option::of(proptest::sample::select(IsoCommentType::ALL.to_vec())),
            proptest::option::of("\\PC{0,20}"),
        )
            .prop_map(|(iso_type, locator)| IsoAnnotation { iso_type, locator })
    }

    fn arbitrary_wire_item() -> impl proptest::strategy::Strategy<Value = ItemByReference> {
        use proptest::prelude::*;
        let text = "\\PC{0,12}";
        let justification = proptest::option::of(text);
        prop_oneof![
            (text, text, justification.clone(), arbitrary_annotation()).prop_map(
                |(node, text, justification, iso)| ItemByReference::Amend {
                    node,
                    text,
                    justification,
                    iso
                }
            ),
            (
                proptest::option::of(text),
                proptest::option::of(text),
                text,
                proptest::option::of(text),
                justification.clone(),
                arbitrary_annotation()
            )
                .prop_map(|(after, before, text, node_kind, justification, iso)| {
                    ItemByReference::Insert {
                        after,
                        before,
                        text,
                        node_kind,
                        justification,
                        iso,
                    }
                }),
            (text, justification.clone(), arbitrary_annotation()).prop_map(
                |(node, justification, iso)| ItemByReference::Delete {
                    node,
                    justification,
                    iso
                }
            ),
            (proptest::option::of(text), text, arbitrary_annotation())
                .prop_map(|(node, text, iso)| ItemByReference::Comment { node, text, iso }),
            (text, text, justification.clone(), arbitrary_annotation()).prop_map(
                |(bracket, alternative, justification, iso)| ItemByReference::Support {
                    bracket,
                    alternative,
                    justification,
                    iso
                }
            ),
            (
                text,
                text,
                text,
                justification.clone(),
                arbitrary_annotation()
            )
                .prop_map(|(bracket, alternative, text, justification, iso)| {
                    ItemByReference::AmendAlternative {
                        bracket,
                        alternative,
                        text,
                        justification,
                        iso,
                    }
                }),
            (text, text, justification, arbitrary_annotation()).prop_map(
                |(bracket, alternative, justification, iso)| {
                    ItemByReference::WithdrawAlternative {
                        bracket,
                        alternative,
                        justification,
                        iso,
                    }
                }
            ),
        ]
    }

    proptest::proptest! {
        /// Every wire item, annotated or not, reads back as it was written.
        #[test]
        fn wire_items_round_trip_with_their_annotation(item in arbitrary_wire_item()) {
            let json = serde_json::to_string(&item).unwrap();
            let back: ItemByReference = serde_json::from_str(&json).unwrap();
            proptest::prop_assert_eq!(back, item);
        }
    }
}
