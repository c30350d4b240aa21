//! The wire format: every request and response body of the API, with its OpenAPI schema.
//!
//! Serialization lives at the edge: the core, engine and store types are never deserialized
//! from a request directly; requests are read into these types (unknown fields refused) and
//! then turned into core values, so the API can stay stable while the model evolves. Engine
//! outputs (compilations, redlines, blame, document trees) are sent as the engine serializes
//! them and described as objects in the schema.

use crate::clock::rfc3339;
use crate::pieces::JsonPieces;
use crate::seal::{self, AuditKey, Seal};
use axum::body::Bytes;
use penholder_core::NodeId;
use penholder_core::negotiation::{
    Delegation, DelegationKind, Function, Participation, RoundState,
};
use penholder_store::{
    AuditEntry, DecisionRecord, DocumentInfo, ProcessInfo, RoundEvent, RoundInfo, VersionInfo,
};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::{IntoParams, ToSchema};

pub use penholder_negotiation::input::{valid_code, valid_slug};

// ---- processes and delegations -------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DelegationKindWire {
    State,
    Organisation,
    Group,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParticipationWire {
    Participant,
    Observer,
    Secretariat,
    /// A reviewing body (a Council working party): reads, LIMITE documents included; writes
    /// nothing.
    Reviewer,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FunctionWire {
    Chair,
    CoChair,
}

/// A delegation of a process. In `PUT …/delegations/{code}` the `code` may be left out (it is
/// the path's); in `POST /v1/processes` it is required.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelegationRequest {
    #[serde(default)]
    pub code: Option<String>,
    pub name: String,
    pub kind: DelegationKindWire,
    #[serde(default = "participant")]
    pub participation: ParticipationWire,
    #[serde(default)]
    pub function: Option<FunctionWire>,
    /// For a group: the codes of its members.
    #[serde(default)]
    pub members: Vec<String>,
}

fn participant() -> ParticipationWire {
    ParticipationWire::Participant
}

impl DelegationRequest {
    pub fn into_delegation(self, code: String) -> Delegation {
        Delegation {
            code,
            name: self.name,
            kind: match self.kind {
                DelegationKindWire::State => DelegationKind::State,
                DelegationKindWire::Organisation => DelegationKind::Organisation,
                DelegationKindWire::Group => DelegationKind::Group,
            },
            participation: match self.participation {
                ParticipationWire::Participant => Participation::Participant,
                ParticipationWire::Observer => Participation::Observer,
                ParticipationWire::Secretariat => Participation::Secretariat,
                ParticipationWire::Reviewer => Participation::Reviewer,
            },
            function: self.function.map(|f| match f {
                FunctionWire::Chair => Function::Chair,
                FunctionWire::CoChair => Function::CoChair,
            }),
            members: self.members,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct DelegationView {
    pub code: String,
    pub name: String,
    pub kind: DelegationKindWire,
    pub participation: ParticipationWire,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<FunctionWire>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
}

impl From<&Delegation> for DelegationView {
    fn from(d: &Delegation) -> Self {
        DelegationView {
            code: d.code.clone(),
            name: d.name.clone(),
            kind: match d.kind {
                DelegationKind::State => DelegationKindWire::State,
                DelegationKind::Organisation => DelegationKindWire::Organisation,
                DelegationKind::Group => DelegationKindWire::Group,
            },
            participation: match d.participation {
                Participation::Participant => ParticipationWire::Participant,
                Participation::Observer => ParticipationWire::Observer,
                Participation::Secretariat => ParticipationWire::Secretariat,
                Participation::Reviewer => ParticipationWire::Reviewer,
            },
            function: d.function.map(|f| match f {
                Function::Chair => FunctionWire::Chair,
                Function::CoChair => FunctionWire::CoChair,
            }),
            members: d.members.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProcessRequest {
    /// `budapest-7mc`.
    pub slug: String,
    pub title: String,
    /// Delegations added in the same transaction (each with its `code`).
    #[serde(default)]
    pub delegations: Vec<DelegationRequest>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProcessSummary {
    pub slug: String,
    pub title: String,
    pub created_at: String,
    pub created_by: String,
}

impl From<&ProcessInfo> for ProcessSummary {
    fn from(p: &ProcessInfo) -> Self {
        ProcessSummary {
            slug: p.slug.clone(),
            title: p.title.clone(),
            created_at: rfc3339(p.created_at),
            created_by: p.created_by.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProcessView {
    pub slug: String,
    pub title: String,
    pub created_at: String,
    pub created_by: String,
    pub delegations: Vec<DelegationView>,
    pub documents: Vec<DocumentSummary>,
    pub rounds: Vec<RoundView>,
}

// ---- documents and versions ----------------------------------------------------------------

/// How a text is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    /// Markdown or plain text as people write it (headings, numbered paragraphs, lists,
    /// footnotes); penholder's structured Markdown (with node ids) is recognised by its header.
    Markdown,
    /// Plain text: read as Markdown.
    Text,
    /// The JSON form of a document tree, or a version as `GET …/versions/{n}` gives it.
    Json,
    /// An Akoma Ntoso 3.0 document (act, bill, statement, amendment list; 2.0 is read too):
    /// its `eId`/`wId` kept as the nodes' external ids, `num` kept, authorial notes as
    /// footnotes. penholder's own Akoma Ntoso export is read back with its node ids.
    Akn,
    /// The plain text of a Council note carrying a declaration and a call for action;
    /// `part` says which of the two.
    CouncilNote,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CouncilPart {
    Declaration,
    CallForAction,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceRequest {
    pub format: SourceFormat,
    pub text: String,
    #[serde(default)]
    pub part: Option<CouncilPart>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDocumentRequest {
    /// `declaration`.
    pub slug: String,
    pub title: String,
    /// `LIMITE`: only the process's delegations may read it. Absent: public.
    #[serde(default)]
    pub classification: Option<String>,
    /// The label of version 1; "Zero draft" when absent.
    #[serde(default)]
    pub label: Option<String>,
    pub source: SourceRequest,
    /// The document's symbol (`8056/24`), printed in the footer of its Word files; the chair
    /// may set it later (`PUT …/documents/{d}/symbol`).
    #[serde(default)]
    pub symbol: Option<String>,
}

/// `PUT …/documents/{d}/symbol`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SymbolRequest {
    /// `8056/24`.
    pub symbol: String,
}

/// A document's symbol in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct SymbolView {
    pub document: String,
    pub symbol: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadVersionRequest {
    pub label: String,
    pub source: SourceRequest,
    /// The closed round this text answers: the new version then consolidates it (its parent is
    /// the round's base version), and proposals the text carries out are attributed.
    #[serde(default)]
    pub round: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct DocumentSummary {
    pub slug: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classification: Option<String>,
    pub latest_version: u32,
    pub created_at: String,
    pub created_by: String,
}

impl From<&DocumentInfo> for DocumentSummary {
    fn from(d: &DocumentInfo) -> Self {
        DocumentSummary {
            slug: d.slug.clone(),
            title: d.title.clone(),
            classification: d.classification.clone(),
            latest_version: d.latest_version,
            created_at: rfc3339(d.created_at),
            created_by: d.created_by.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct VersionSummary {
    pub document: String,
    pub number: u32,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<u32>,
    /// SHA-256 root hash of the text: equal hashes, equal texts.
    pub hash: String,
    /// The round this version consolidates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub round: Option<u32>,
    pub created_at: String,
    pub created_by: String,
    pub audit_head: AuditHeadView,
}

impl VersionSummary {
    /// `key`: the server's audit key, which signs the version's head.
    pub fn new(v: &VersionInfo, key: Option<&AuditKey>) -> Self {
        VersionSummary {
            document: v.document.clone(),
            number: v.number,
            label: v.label.clone(),
            parent: v.parent,
            hash: v.hash.to_hex(),
            round: v.round,
            created_at: rfc3339(v.created_at),
            created_by: v.created_by.clone(),
            audit_head: AuditHeadView::from(&seal::seal(key, v.published)),
        }
    }
}

/// The audit entry that published a version: keep it (with the file) and later run
/// `penholder audit verify --expect-head SEQ:HASH` to show the database still holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct AuditHeadView {
    pub seq: u64,
    /// The entry's hash (SHA-256, hexadecimal).
    pub hash: String,
    /// `SEQ:HASH`, as `--expect-head` takes it.
    pub head: String,
    /// The server's Ed25519 signature of the head (base64; see `penholder serve --audit-key`),
    /// absent when the server has no audit key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl From<&Seal> for AuditHeadView {
    fn from(seal: &Seal) -> Self {
        AuditHeadView {
            seq: seal.seq,
            hash: seal.hash.to_hex(),
            head: format!("{}:{}", seal.seq, seal.hash),
            signature: seal.signature.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct DocumentView {
    #[serde(flatten)]
    pub document: DocumentSummary,
    pub versions: Vec<VersionSummary>,
    /// The next page of versions' URL; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct CreatedDocument {
    pub document: DocumentSummary,
    pub version: VersionSummary,
    /// How many nodes the text was read into.
    pub nodes: usize,
}

/// A node's derived reference in one version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct NodeReference {
    #[schema(value_type = String, format = Uuid)]
    pub node: NodeId,
    pub reference: String,
}

/// One version with its text. The version's fields stand beside the tree (`document`).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct VersionView {
    pub number: u32,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<u32>,
    /// SHA-256 root hash of the text.
    pub hash: String,
    /// The round this version consolidates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub round: Option<u32>,
    pub created_at: String,
    pub created_by: String,
    /// The document tree: title and nodes (id, kind, text, children).
    #[schema(value_type = Object)]
    pub document: penholder_core::Document,
    /// Every node's reference in this version, in document order.
    pub references: Vec<NodeReference>,
    pub audit_head: AuditHeadView,
    /// Each node's status and the reservations on this version's nodes (the current state,
    /// carried by node id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<crate::wire_state::TextStateView>,
    /// Where every node's reference in each version of the document is (the numbering
    /// concordance): a link rather than the table, so that a version's JSON stays the same
    /// when later versions are published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concordance: Option<String>,
    /// The open brackets of this version (changes deferred at the consolidation that made
    /// it), in document order; absent when it has none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub brackets: Vec<crate::wire_brackets::BracketView>,
}

impl VersionView {
    pub fn new(
        info: &VersionInfo,
        document: penholder_core::Document,
        references: Vec<NodeReference>,
        seal: &Seal,
    ) -> VersionView {
        VersionView {
            audit_head: AuditHeadView::from(seal),
            number: info.number,
            label: info.label.clone(),
            parent: info.parent,
            hash: info.hash.to_hex(),
            round: info.round,
            created_at: rfc3339(info.created_at),
            created_by: info.created_by.clone(),
            document,
            references,
            state: None,
            concordance: None,
            brackets: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct UploadedVersion {
    pub version: VersionSummary,
    /// How the uploaded text was matched to the previous version.
    #[schema(value_type = Object)]
    pub alignment: penholder_diff::Alignment,
}

/// The formats an answer can be asked for with `?format=` (each endpoint says which it
/// offers; another is 406). The `Accept` header chooses among the same, by media type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // reason: only its schema is used; the value is read as text (aliases too)
pub enum FormatName {
    /// `application/json`
    Json,
    /// `text/html`: one self-contained page
    Html,
    /// `text/markdown`, with CriticMarkup for changes
    Md,
    /// Word (`application/vnd.openxmlformats-officedocument.wordprocessingml.document`), with
    /// tracked changes authored by delegations
    Docx,
    /// `text/csv`
    Csv,
    /// Excel (`application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`)
    Xlsx,
    /// Akoma Ntoso 3.0 (`application/akn+xml`)
    Akn,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// `json` (the default); html, md, docx, csv, xlsx and akn where the endpoint offers them.
    /// Wins over the `Accept` header.
    #[param(value_type = Option<FormatName>)]
    pub format: Option<String>,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DispositionsQuery {
    /// `json` (the default), html, csv or xlsx.
    pub format: Option<String>,
    /// For `format=csv`: `comma` (the default) or `semicolon`, the separator Excel expects
    /// where the decimal separator is a comma (most of Europe). Both are UTF-8 with a byte
    /// order mark.
    pub delimiter: Option<String>,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
// An unknown parameter is a 400 naming it, not a filter silently ignored.
#[serde(deny_unknown_fields)]
pub struct RedlineQuery {
    /// The source version's number (left out with `since=read`).
    pub from: Option<u32>,
    /// The target version's number; left out: the latest version.
    pub to: Option<u32>,
    /// `read`: from the version the caller last marked as read (`PUT …/read-mark`) to `to`;
    /// 409 when they never marked one.
    pub since: Option<String>,
    /// Keep only the paragraphs where this delegation holds a reservation that stands (its
    /// own code, exactly; combines with `delegation`).
    pub reservation: Option<String>,
    /// `json` (the default), html, md or docx. Wins over the `Accept` header.
    #[param(value_type = Option<FormatName>)]
    pub format: Option<String>,
    /// Mark only the changes this delegation proposed or supported (a group: with its
    /// members'; a member: with its groups'); other changes read as plain target text.
    pub delegation: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RedlineView {
    pub from: u32,
    pub to: u32,
    /// Whether the versions lie on one chain (`from` an ancestor of `to`), so that every change
    /// could be attributed through the consolidations in between.
    pub attributed: bool,
    /// The delegation whose changes alone are marked (`?delegation=`); absent: everyone's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delegation: Option<String>,
    /// The delegation whose reserved paragraphs alone are shown (`?reservation=`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservation: Option<String>,
    /// `read` when the redline starts from the caller's read mark (`?since=read`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    #[schema(value_type = Object)]
    pub redline: penholder_diff::Redline,
    /// The target version's state: each node's status and the reservations on its nodes;
    /// absent for a text that never had any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<crate::wire_state::TextStateView>,
    /// The target version's open brackets; absent when it has none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub brackets: Vec<crate::wire_brackets::BracketView>,
}

/// The numbering concordance of a document: its versions, and every node's reference in each.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ConcordanceView {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub concordance: penholder_render::concordance::Concordance,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BlameResponse {
    pub version: u32,
    #[schema(value_type = Object)]
    pub blame: penholder_diff::BlameView,
}

// ---- rounds --------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRoundRequest {
    /// The document's slug.
    pub document: String,
    /// The version feedback is about; the latest when absent.
    #[serde(default)]
    pub base_version: Option<u32>,
    pub label: String,
    /// RFC 3339 (`2023-12-05T09:00:00Z`).
    pub opens_at: String,
    /// RFC 3339: the deadline. A submission at or after it is late.
    pub closes_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtendRequest {
    /// The new deadline, RFC 3339; later than the current one.
    pub closes_at: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundStateWire {
    Planned,
    Open,
    Closed,
    Consolidated,
}

impl From<RoundState> for RoundStateWire {
    fn from(state: RoundState) -> Self {
        match state {
            RoundState::Planned => RoundStateWire::Planned,
            RoundState::Open => RoundStateWire::Open,
            RoundState::Closed => RoundStateWire::Closed,
            RoundState::Consolidated => RoundStateWire::Consolidated,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct RoundEventView {
    /// `open`, `close`, `extend`, `consolidate`.
    pub action: String,
    pub at: String,
    pub by: String,
    pub state_before: RoundStateWire,
    pub state_after: RoundStateWire,
    pub closes_at_before: String,
    pub closes_at_after: String,
}

impl From<&RoundEvent> for RoundEventView {
    fn from(e: &RoundEvent) -> Self {
        RoundEventView {
            action: e.action.clone(),
            at: rfc3339(e.at),
            by: e.actor_sub.clone(),
            state_before: e.state_before.into(),
            state_after: e.state_after.into(),
            closes_at_before: rfc3339(e.closes_at_before),
            closes_at_after: rfc3339(e.closes_at_after),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct RoundView {
    pub number: u32,
    pub document: String,
    pub base_version: u32,
    pub label: String,
    pub opens_at: String,
    pub closes_at: String,
    /// The state at the server's clock now.
    pub state: RoundStateWire,
    pub created_at: String,
    pub created_by: String,
    /// Openings, closings, extensions and the consolidation, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<RoundEventView>,
}

impl RoundView {
    pub fn of(round: &RoundInfo, now: i64, events: &[RoundEvent]) -> RoundView {
        RoundView {
            number: round.number,
            document: round.document.clone(),
            base_version: round.base_version,
            label: round.label.clone(),
            opens_at: rfc3339(round.opens_at),
            closes_at: rfc3339(round.closes_at),
            state: round.state_at(now).into(),
            created_at: rfc3339(round.created_at),
            created_by: round.created_by.clone(),
            events: events.iter().map(RoundEventView::from).collect(),
        }
    }
}

// ---- submissions ---------------------------------------------------------------------------

/// One item of a submission, as a delegation writes it (the one type for it, in core).
pub use penholder_core::negotiation::ItemByReference as WireItem;

/// The body of `PUT …/submissions/{delegation}`: the whole submission, replacing the previous
/// revision.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [
    {"kind": "amend", "node": "OP3", "text": "Call on all States to ratify the Convention without delay.",
     "justification": "Stronger wording", "iso_type": "te", "locator": "l. 12–14"},
    {"kind": "comment", "node": null, "text": "We support the overall balance of the text.", "iso_type": "ge"}
]}))]
pub struct SubmissionRequest {
    pub items: Vec<WireItem>,
}

/// `POST …/documents/{d}/versions`' options when the body is a Word file (a JSON body says
/// them in its fields instead).
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadVersionQuery {
    /// The new version's label (required with a .docx body).
    pub label: Option<String>,
    /// The closed round the text answers (as `round` in a JSON body).
    pub round: Option<u32>,
}

/// `PUT …/submissions/{delegation}`'s options.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubmissionQuery {
    /// `true`: answer with the items understood (a Word file's with how each was found) and
    /// store nothing.
    pub dry_run: Option<bool>,
}

/// What a dry run of `PUT …/submissions/{delegation}` understood; nothing was stored.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct UnderstoodSubmission {
    pub dry_run: bool,
    /// The items as a JSON submission would carry them; a Word file's each with `flags`:
    /// `tracked` (from the file's tracked changes or comments) or `untracked` (an edit made
    /// without change tracking, found by comparison with the base version), and
    /// `matched_by_text` (a file without penholder's node ids, matched by its words).
    #[schema(value_type = Vec<Object>)]
    pub items: serde_json::Value,
    /// How many items resolved against the round's base version (all of them, or the answer
    /// is a 422 naming the ones that did not).
    pub resolved: usize,
}

/// What `PUT …/submissions/{delegation}` acknowledges.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SubmissionReceipt {
    pub delegation: String,
    pub revision: u32,
    /// SHA-256 (hex) of the request body exactly as received: hash what you sent and compare.
    pub receipt: String,
    pub submitted_at: String,
    pub items: usize,
    /// For a Word file: how each item was found in it (`tracked`, `untracked`,
    /// `matched_by_text`), one list per item in order; absent for a JSON body.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Vec<String>>)]
    pub flags: Vec<Vec<penholder_core::negotiation::ItemFlag>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct RevisionSummary {
    pub delegation: String,
    pub revision: u32,
    pub receipt: String,
    pub submitted_at: String,
    pub submitted_by: String,
}

/// One revision of a submission, with what was stored.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SubmissionView {
    pub delegation: String,
    pub revision: u32,
    pub receipt: String,
    pub submitted_at: String,
    pub submitted_by: String,
    /// The request body exactly as received (the receipt is its hash).
    #[schema(value_type = Object)]
    pub body: Box<RawValue>,
    /// The items with every node resolved to its id in the base version.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<penholder_core::negotiation::Item>,
    /// For each amendment: its word-level hunks against the base text, computed when stored
    /// (`item`, `node`, `hunks`).
    #[schema(value_type = Vec<Object>)]
    pub hunks: Vec<ItemHunks>,
    /// For a Word file: how each item was found in it (as in the receipt); absent for JSON.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Vec<String>>)]
    pub flags: Vec<Vec<penholder_core::negotiation::ItemFlag>>,
}

pub use penholder_negotiation::ItemHunks;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct SubmissionList {
    pub round: u32,
    /// The latest revision of each submission the caller may see.
    pub submissions: Vec<RevisionSummary>,
    /// Whether submissions of other delegations are hidden from this caller (sealed until the
    /// round closes).
    pub sealed: bool,
    /// The next page's URL; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct RevisionList {
    pub delegation: String,
    pub revisions: Vec<RevisionSummary>,
    /// The next page's URL; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

// ---- compilation, decisions, consolidation -------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct SubmissionRef {
    pub delegation: String,
    pub revision: u32,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CompilationView {
    pub round: u32,
    pub base_version: u32,
    /// When the revisions compiled were read (server time). While a round is open, a
    /// compilation up to two seconds old may be served (`Cache-Control: no-cache` asks for
    /// the latest revisions).
    pub compiled_at: String,
    /// The revisions compiled.
    pub submissions: Vec<SubmissionRef>,
    pub changes: usize,
    pub contested: usize,
    pub uncontested: usize,
    /// The round's coalitions: each group's position, the co-sponsorships, and how each
    /// alternative a group or a co-sponsor supports names its supporters ("EU (27)", "EU
    /// (except HU)", "FR, co-sponsored by NO"). Absent when the process has no group and
    /// nothing is co-sponsored.
    #[serde(skip_serializing_if = "crate::wire_coalition::CoalitionsView::is_empty")]
    pub coalitions: crate::wire_coalition::CoalitionsView,
    #[schema(value_type = Object)]
    pub compilation: std::sync::Arc<penholder_diff::Compilation>,
}

impl CompilationView {
    /// The view as JSON, byte for byte what `serde_json::to_writer` writes (a test checks it, so
    /// a field added to the view or to the compilation cannot be missed here), with the nodes
    /// (nearly all of the bytes: 8.1 MB for 4,000 amendments) serialized on every core unless
    /// `threads` is `Some(1)` (the background refresh, which leaves the cores to requests).
    /// Serialized one after another they cost about as much as the compilation itself, which
    /// runs on every core. `capacity`: the expected size.
    ///
    /// The answer is in pieces (the head, runs of nodes, the tail), sent one after the other
    /// as they are: copying megabytes into one buffer cost a second buffer of that size in
    /// fresh pages, which a virtual machine may take a millisecond per megabyte to give.
    pub fn to_json(
        &self,
        threads: Option<usize>,
        capacity: usize,
    ) -> Result<JsonPieces, serde_json::Error> {
        if threads == Some(1) {
            let mut out = Vec::with_capacity(capacity);
            serde_json::to_writer(&mut out, self)?;
            return Ok(JsonPieces::from(vec![Bytes::from(out)]));
        }
        let c = &self.compilation;
        // Runs of nodes, each written into one buffer sized for it (a node's JSON ranges from
        // bytes to megabytes: rayon's work stealing evens the runs out). Each run but the
        // first starts with the comma that separates it from the one before.
        let per_node = capacity / c.nodes.len().max(1) + 64;
        let runs = c
            .nodes
            .par_chunks(16)
            .enumerate()
            .map(|(n, run)| {
                let mut json = Vec::with_capacity(per_node * run.len() + 1);
                for (i, node) in run.iter().enumerate() {
                    if n > 0 || i > 0 {
                        json.push(b',');
                    }
                    serde_json::to_writer(&mut json, node)?;
                }
                Ok(Bytes::from(json))
            })
            .collect::<Result<Vec<Bytes>, serde_json::Error>>()?;
        let mut head = Vec::with_capacity(64 * 1024);
        let mut object = JsonObject::open(&mut head);
        object.field("round", &self.round)?;
        object.field("base_version", &self.base_version)?;
        object.field("compiled_at", &self.compiled_at)?;
        object.field("submissions", &self.submissions)?;
        object.field("changes", &self.changes)?;
        object.field("contested", &self.contested)?;
        object.field("uncontested", &self.uncontested)?;
        if !self.coalitions.is_empty() {
            object.field("coalitions", &self.coalitions)?;
        }
        object.key("compilation")?;
        let mut inner = JsonObject::open(object.out);
        inner.field("document_title", &c.document_title)?;
        inner.field("base_version", &c.base_version)?;
        inner.key("nodes")?;
        inner.out.push(b'[');
        let mut tail = Vec::with_capacity(1024);
        let mut inner = JsonObject {
            out: &mut tail,
            empty: false,
        };
        inner.out.push(b']');
        inner.field("general_comments", &c.general_comments)?;
        if !c.general_flags.is_empty() {
            inner.field("general_flags", &c.general_flags)?;
        }
        if !c.unplaced.is_empty() {
            inner.field("unplaced", &c.unplaced)?;
        }
        inner.out.push(b'}');
        tail.push(b'}');
        let mut pieces = Vec::with_capacity(runs.len() + 2);
        pieces.push(Bytes::from(head));
        pieces.extend(runs.into_iter().filter(|r| !r.is_empty()));
        pieces.push(Bytes::from(tail));
        Ok(JsonPieces::from(pieces))
    }
}

/// A JSON object written field by field, as serde_json's derived `Serialize` writes it.
struct JsonObject<'a> {
    out: &'a mut Vec<u8>,
    empty: bool,
}

impl<'a> JsonObject<'a> {
    fn open(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        JsonObject { out, empty: true }
    }

    fn key(&mut self, key: &str) -> Result<(), serde_json::Error> {
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        serde_json::to_writer(&mut *self.out, key)?;
        self.out.push(b':');
        Ok(())
    }

    fn field<T: Serialize + ?Sized>(
        &mut self,
        key: &str,
        value: &T,
    ) -> Result<(), serde_json::Error> {
        self.key(key)?;
        serde_json::to_writer(&mut *self.out, value)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RulingWire {
    Accept,
    Reject,
    Reword,
    Defer,
    /// Takes back the change's current decision: the change is undecided again.
    Withdraw,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    pub decision: RulingWire,
    /// For `accept` on a contested change: which alternative (`a`, `b`…).
    #[serde(default)]
    pub alternative: Option<String>,
    /// For `reword`: the chairmanship's wording.
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct DecisionView {
    pub change: String,
    pub decision: RulingWire,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alternative: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub decided_by: String,
    pub decided_at: String,
    pub sequence: u64,
}

impl From<&DecisionRecord> for DecisionView {
    fn from(record: &DecisionRecord) -> Self {
        use penholder_core::negotiation::Ruling;
        let (decision, alternative, text) = match &record.decision.ruling {
            Ruling::Accept { alternative } => (RulingWire::Accept, alternative.clone(), None),
            Ruling::Reject => (RulingWire::Reject, None, None),
            Ruling::Reword { text } => (RulingWire::Reword, None, Some(text.clone())),
            Ruling::Defer => (RulingWire::Defer, None, None),
            Ruling::Withdraw => (RulingWire::Withdraw, None, None),
        };
        DecisionView {
            change: record.decision.change.clone(),
            decision,
            alternative,
            text,
            note: record.decision.note.clone(),
            decided_by: record.decided_by.clone(),
            decided_at: rfc3339(record.decided_at),
            sequence: record.sequence,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct DecisionList {
    pub round: u32,
    pub decisions: Vec<DecisionView>,
    /// The next page's URL; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsolidateRequest {
    /// The new version's label ("Rev. 1 after written feedback").
    pub label: String,
    /// Apply uncontested changes that have no decision, as if accepted.
    #[serde(default)]
    pub accept_uncontested: bool,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ConsolidationView {
    pub version: VersionSummary,
    /// The changes that altered the text.
    #[schema(value_type = Vec<Object>)]
    pub applied: Vec<penholder_diff::AppliedChange>,
    /// The changes that left the base as it was, and why.
    #[schema(value_type = Vec<Object>)]
    pub kept: Vec<penholder_diff::KeptChange>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct DispositionsView {
    pub round: u32,
    pub state: RoundStateWire,
    /// One row per item of every submission (`item` is 1-based), the same rows as the CSV,
    /// XLSX and HTML tables.
    pub rows: Vec<penholder_render::Disposition>,
}

// ---- audit, health -------------------------------------------------------------------------

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entries after this sequence number (0: from the start); `cursor` says the same the
    /// way every list does, and wins.
    pub after: Option<u64>,
    /// At most this many entries (1 to 1000; 100 when absent).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
    /// Where to go on: the `cursor` of the previous page's `next` link.
    pub cursor: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct AuditEntryView {
    pub seq: u64,
    pub at: String,
    pub actor_sub: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_delegation: Option<String>,
    pub actor_role: String,
    pub action: String,
    pub subject: String,
    pub payload_hash: String,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    pub prev_hash: String,
    pub entry_hash: String,
}

impl From<&AuditEntry> for AuditEntryView {
    fn from(e: &AuditEntry) -> Self {
        AuditEntryView {
            seq: e.seq,
            at: rfc3339(e.at),
            actor_sub: e.actor_sub.clone(),
            actor_delegation: e.actor_delegation.clone(),
            actor_role: e.actor_role.clone(),
            action: e.action.clone(),
            subject: e.subject.clone(),
            payload_hash: e.payload_hash.to_hex(),
            detail: serde_json::from_str(&e.detail)
                .unwrap_or_else(|_| serde_json::Value::String(e.detail.clone())),
            prev_hash: e.prev_hash.to_hex(),
            entry_hash: e.entry_hash.to_hex(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct AuditList {
    pub entries: Vec<AuditEntryView>,
    /// Pass as `after` to read on; absent at the end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<u64>,
    /// The next page's URL (the same place as `next_after`); absent at the end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Health {
    pub status: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_compilation_serialized_in_parallel_is_byte_for_byte_the_derived_json() {
        let mut ids = penholder_core::IdSource::new(7, 0);
        let text: String = (1..=200)
            .map(|n| format!("{n}. Paragraph {n} says what the parties agreed on item {n}.\n\n"))
            .collect();
        let document =
            penholder_import::import_markdown(&format!("# Declaration\n\n{text}"), &mut ids)
                .expect("markdown")
                .document;
        let nodes: Vec<NodeId> = document.walk().iter().map(|visit| visit.node.id).collect();
        let stray = ids.next_id();
        let submissions: Vec<penholder_core::negotiation::Submission> = ["AT", "BE", "CY"]
            .iter()
            .enumerate()
            .map(|(d, code)| penholder_core::negotiation::Submission {
                delegation: code.to_string(),
                revision: 1,
                submitted_at: 0,
                items: nodes
                    .iter()
                    .skip(d)
                    .step_by(3)
                    .map(|node| penholder_core::negotiation::Item::Amend {
                        iso: Default::default(),
                        node: *node,
                        text: format!("{code} rewrites this paragraph \"entirely\" — ü."),
                        justification: None,
                    })
                    .chain([
                        // Flagged (a bidi override), and an amendment of no node of the base
                        // (unplaced): the compilation's optional fields are written too.
                        penholder_core::negotiation::Item::Comment {
                            iso: Default::default(),
                            node: None,
                            text: format!("{code}: general remarks \u{202E}reversed."),
                        },
                        penholder_core::negotiation::Item::Amend {
                            iso: Default::default(),
                            node: stray,
                            text: "A paragraph nobody has.".into(),
                            justification: None,
                        },
                    ])
                    .collect(),
            })
            .collect();
        let compilation = penholder_diff::compile_document(&document, 1, &submissions);
        let view = CompilationView {
            round: 2,
            base_version: 1,
            compiled_at: "2026-12-03T15:00:00Z".into(),
            submissions: vec![SubmissionRef {
                delegation: "AT".into(),
                revision: 1,
            }],
            changes: compilation.changes_count(),
            contested: compilation.contested_count(),
            uncontested: compilation.uncontested_count(),
            coalitions: crate::wire_coalition::CoalitionsView {
                cosponsorships: vec![crate::wire_coalition::CosponsorshipView {
                    proposer: "AT".into(),
                    item: 1,
                    cosponsors: vec!["HU".into()],
                }],
                ..Default::default()
            },
            compilation: std::sync::Arc::new(compilation),
        };
        assert!(
            !view.compilation.general_flags.is_empty() && !view.compilation.unplaced.is_empty(),
            "the optional fields are exercised"
        );
        let derived = serde_json::to_vec(&view).expect("json");
        for threads in [None, Some(1), Some(2)] {
            let pieces = view.to_json(threads, 0).expect("json");
            assert_eq!(pieces.len(), derived.len());
            let parallel = pieces.to_vec();
            assert!(
                parallel == derived,
                "{threads:?} threads: {} bytes against {}",
                parallel.len(),
                derived.len()
            );
        }
    }

    #[test]
    fn items_refuse_unknown_fields() {
        let ok: WireItem =
            serde_json::from_str(r#"{"kind":"amend","node":"PG1.4","text":"T"}"#).expect("valid");
        assert!(matches!(ok, WireItem::Amend { .. }));
        let unknown =
            serde_json::from_str::<WireItem>(r#"{"kind":"amend","node":"PG1.4","text":"T","x":1}"#)
                .unwrap_err();
        assert!(unknown.to_string().contains("unknown field"), "{unknown}");
        let comment: WireItem =
            serde_json::from_str(r#"{"kind":"comment","node":null,"text":"General."}"#)
                .expect("valid");
        assert_eq!(
            comment,
            WireItem::Comment {
                iso: Default::default(),
                node: None,
                text: "General.".into()
            }
        );
    }
}

/// `GET /processes/{p}/search`: words and `"quoted phrases"`, all of which must appear.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Words and "quoted phrases" (at most 500 characters, 16 words and phrases); engine
    /// operators are searched as text.
    pub q: String,
    /// How many texts to give (1 to 100; 20 by default).
    pub limit: Option<u32>,
}

/// What a search found: each text once, with the versions that hold it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SearchResults {
    pub query: String,
    pub hits: Vec<SearchHitView>,
    /// Proposals of consolidated rounds found, best first (only those whose submissions the
    /// caller may read).
    pub proposals: Vec<crate::wire_views::ProposalHitView>,
}

/// A node's text found in a document, best first.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SearchHitView {
    /// The document's slug.
    pub document: String,
    /// The node's stable id.
    #[schema(value_type = String, format = Uuid)]
    pub node: penholder_core::NodeId,
    pub text: String,
    /// Each version that holds this text, oldest first, with the node's reference there.
    pub versions: Vec<SearchOccurrenceView>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SearchOccurrenceView {
    pub version: u32,
    /// The node's reference in that version (`OP3`, `PP1`, `Art 21`).
    pub reference: String,
}

impl From<penholder_store::SearchHit> for SearchHitView {
    fn from(hit: penholder_store::SearchHit) -> SearchHitView {
        SearchHitView {
            document: hit.document,
            node: hit.node,
            text: hit.text,
            versions: hit
                .versions
                .into_iter()
                .map(|o| SearchOccurrenceView {
                    version: o.version,
                    reference: o.reference,
                })
                .collect(),
        }
    }
}
