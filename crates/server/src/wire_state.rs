//! The wire format of the state of a text (issue 16): paragraph statuses, reservations and
//! adoption, as requests are read and answers sent, with their OpenAPI schemas. Kept beside
//! `wire.rs` so that the version view and the state endpoints share one description.

use crate::clock::rfc3339;
use penholder_core::bracket::Bracket;
use penholder_core::state::{
    Adoption, NodeStatus, ParagraphStatus, Reservation, ReservationKind, StatusChange, TextState,
};
use penholder_core::{Document, NodeId, References};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A paragraph's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParagraphStatusWire {
    Open,
    AgreedAdRef,
    Agreed,
    /// Only through the adoption of the whole text (`POST …/adopt`); refused when set.
    Adopted,
}

impl From<ParagraphStatusWire> for ParagraphStatus {
    fn from(status: ParagraphStatusWire) -> Self {
        match status {
            ParagraphStatusWire::Open => ParagraphStatus::Open,
            ParagraphStatusWire::AgreedAdRef => ParagraphStatus::AgreedAdRef,
            ParagraphStatusWire::Agreed => ParagraphStatus::Agreed,
            ParagraphStatusWire::Adopted => ParagraphStatus::Adopted,
        }
    }
}

impl From<ParagraphStatus> for ParagraphStatusWire {
    fn from(status: ParagraphStatus) -> Self {
        match status {
            ParagraphStatus::Open => ParagraphStatusWire::Open,
            ParagraphStatus::AgreedAdRef => ParagraphStatusWire::AgreedAdRef,
            ParagraphStatus::Agreed => ParagraphStatusWire::Agreed,
            ParagraphStatus::Adopted => ParagraphStatusWire::Adopted,
        }
    }
}

/// The kind of a reservation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReservationKindWire {
    Scrutiny,
    General,
    Parliamentary,
    Linguistic,
}

impl From<ReservationKindWire> for ReservationKind {
    fn from(kind: ReservationKindWire) -> Self {
        match kind {
            ReservationKindWire::Scrutiny => ReservationKind::Scrutiny,
            ReservationKindWire::General => ReservationKind::General,
            ReservationKindWire::Parliamentary => ReservationKind::Parliamentary,
            ReservationKindWire::Linguistic => ReservationKind::Linguistic,
        }
    }
}

impl From<ReservationKind> for ReservationKindWire {
    fn from(kind: ReservationKind) -> Self {
        match kind {
            ReservationKind::Scrutiny => ReservationKindWire::Scrutiny,
            ReservationKind::General => ReservationKindWire::General,
            ReservationKind::Parliamentary => ReservationKindWire::Parliamentary,
            ReservationKind::Linguistic => ReservationKindWire::Linguistic,
        }
    }
}

/// `PUT …/documents/{d}/status/{node}`: the chair sets a paragraph's status (`open` reopens
/// an agreed one), with a note saying why or where.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    pub status: ParagraphStatusWire,
    /// "ad ref., Reference Group, 7 May 2024".
    pub note: String,
}

/// `POST …/documents/{d}/reservations`.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReservationRequest {
    /// A node id, or its reference in the document's latest version (`OP3`).
    pub node: String,
    pub kind: ReservationKindWire,
    pub text: String,
    /// The delegation entering it; the token's own when absent (a delegate enters only its
    /// own delegation's).
    #[serde(default)]
    pub delegation: Option<String>,
}

/// `POST …/reservations/{n}/withdraw` and `POST …/adopt`: an optional note.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    #[serde(default)]
    pub note: Option<String>,
}

/// One status change as recorded.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct StatusChangeView {
    #[schema(value_type = String)]
    pub node: NodeId,
    /// Its reference in the document's latest version, if it is still there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub status: ParagraphStatusWire,
    pub note: String,
    /// The document's latest version when the status was set.
    pub version: u32,
    pub set_by: String,
    pub set_at: String,
    pub sequence: u64,
}

impl StatusChangeView {
    pub fn new(change: &StatusChange, references: Option<&References>) -> Self {
        StatusChangeView {
            node: change.node,
            reference: references
                .and_then(|r| r.reference(change.node))
                .map(|r| r.0.clone()),
            status: change.status.into(),
            note: change.note.clone(),
            version: change.version,
            set_by: change.set_by.clone(),
            set_at: rfc3339(change.set_at),
            sequence: change.sequence,
        }
    }
}

/// A reservation's withdrawal.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct WithdrawalView {
    pub note: String,
    pub withdrawn_by: String,
    pub withdrawn_at: String,
}

/// One reservation, standing or withdrawn.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReservationView {
    pub number: u32,
    #[schema(value_type = String)]
    pub node: NodeId,
    /// Its reference in the version read, if the node is in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub delegation: String,
    pub kind: ReservationKindWire,
    /// What the text shows beside the paragraph: `SR (HU)`.
    pub mark: String,
    pub text: String,
    /// The document's latest version when it was entered.
    pub version: u32,
    pub entered_by: String,
    pub entered_at: String,
    pub standing: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<WithdrawalView>,
}

impl ReservationView {
    pub fn new(reservation: &Reservation, references: Option<&References>) -> Self {
        ReservationView {
            number: reservation.number,
            node: reservation.node,
            reference: references
                .and_then(|r| r.reference(reservation.node))
                .map(|r| r.0.clone()),
            delegation: reservation.delegation.clone(),
            kind: reservation.kind.into(),
            mark: reservation.mark(),
            text: reservation.text.clone(),
            version: reservation.version,
            entered_by: reservation.entered_by.clone(),
            entered_at: rfc3339(reservation.entered_at),
            standing: reservation.stands(),
            withdrawn: reservation.withdrawn.as_ref().map(|w| WithdrawalView {
                note: w.note.clone(),
                withdrawn_by: w.withdrawn_by.clone(),
                withdrawn_at: rfc3339(w.withdrawn_at),
            }),
        }
    }
}

/// The adoption of a whole text.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AdoptionView {
    pub version: u32,
    pub note: String,
    pub adopted_by: String,
    pub adopted_at: String,
}

impl From<&Adoption> for AdoptionView {
    fn from(adoption: &Adoption) -> Self {
        AdoptionView {
            version: adoption.version,
            note: adoption.note.clone(),
            adopted_by: adoption.adopted_by.clone(),
            adopted_at: rfc3339(adoption.adopted_at),
        }
    }
}

/// The status in force for one node, and the reservations standing on it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct NodeStateView {
    #[schema(value_type = String)]
    pub node: NodeId,
    pub reference: String,
    pub status: ParagraphStatusWire,
    /// The chair's note on the change in force.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Whether the status was set on an ancestor (a part agreed as a whole).
    pub inherited: bool,
    /// The numbers of the reservations standing on it.
    pub reservations: Vec<u32>,
}

/// The state of a version's text: every node's status, the reservations on its nodes, the
/// adoption, and what still stands in the way of adopting it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TextStateView {
    /// The version these nodes and references are of.
    pub version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adopted: Option<AdoptionView>,
    pub nodes: Vec<NodeStateView>,
    /// Every reservation entered on a node of this version, withdrawn ones included.
    pub reservations: Vec<ReservationView>,
    /// Why the text cannot be adopted yet (empty: it can, or it was).
    pub obstacles: Vec<String>,
    /// Every status change of the document, oldest first (only on `GET …/status`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<StatusChangeView>,
}

impl TextStateView {
    pub fn new(
        state: &TextState,
        version: u32,
        document: &Document,
        brackets: &[Bracket],
        history: bool,
    ) -> Self {
        let references = References::of(document);
        let standing = state.standing_reservations(document);
        let statuses = state.statuses(document);
        let nodes = references
            .in_order()
            .iter()
            .map(|(node, reference)| {
                let status = statuses.get(node).cloned().unwrap_or(NodeStatus {
                    status: ParagraphStatus::Open,
                    change: None,
                    inherited: false,
                });
                NodeStateView {
                    node: *node,
                    reference: reference.0.clone(),
                    status: status.status.into(),
                    note: status
                        .change
                        .as_ref()
                        .map(|c| c.note.clone())
                        .filter(|n| !n.is_empty()),
                    inherited: status.inherited,
                    reservations: standing
                        .get(node)
                        .map(|list| list.iter().map(|r| r.number).collect())
                        .unwrap_or_default(),
                }
            })
            .collect();
        TextStateView {
            version,
            adopted: state.adoption.as_ref().map(AdoptionView::from),
            nodes,
            reservations: state
                .reservations
                .iter()
                .filter(|r| document.find(r.node).is_some())
                .map(|r| ReservationView::new(r, Some(&references)))
                .collect(),
            obstacles: if state.adoption.is_some() {
                Vec::new()
            } else {
                state
                    .obstacles_to_adoption(document, brackets)
                    .iter()
                    .map(ToString::to_string)
                    .collect()
            },
            history: if history {
                state
                    .changes
                    .iter()
                    .map(|c| StatusChangeView::new(c, Some(&references)))
                    .collect()
            } else {
                Vec::new()
            },
        }
    }
}

/// `GET …/status` and `GET …/reservations`: which version (the latest when absent) and, for
/// the reservations annex, which format (`json`, `html`, `csv` or `xlsx`).
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StateQuery {
    pub version: Option<u32>,
    pub format: Option<String>,
}

/// The reservations annex as JSON.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReservationsView {
    pub version: u32,
    pub reservations: Vec<ReservationView>,
}
