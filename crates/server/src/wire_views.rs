//! The wire format of the reviewers' views added with issue 17 (synoptic tables, read marks),
//! as requests are read and answers sent, with their OpenAPI schemas. Kept beside `wire.rs`
//! as `wire_state.rs` is, so that each family of endpoints has its description in one place.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `GET …/synoptic`: which versions side by side, named how, in which format.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
// An unknown parameter is a 400 naming it, not a filter silently ignored.
#[serde(deny_unknown_fields)]
pub struct SynopticQuery {
    /// The columns, left to right: version numbers separated by commas (`1,2,3,5`). Absent:
    /// every version of the document, oldest first (at most 12 columns).
    pub versions: Option<String>,
    /// The columns' headings, one per version, separated by `|` (`Commission
    /// proposal|Parliament|Council|Compromise`); an empty one keeps the version's label.
    /// Absent: the versions' labels.
    pub labels: Option<String>,
    /// `json` (the default), html, docx or xlsx. Wins over the `Accept` header.
    #[param(value_type = Option<crate::wire::FormatName>)]
    pub format: Option<String>,
}

/// N versions of a document side by side: the columns, and one row per node with a cell per
/// column (its reference there and its changes against the column to its left, each
/// insertion and deletion attributed to the delegations behind it).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SynopticView {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub synoptic: penholder_render::synoptic::Synoptic,
}

/// `PUT …/read-mark`: the version the caller has read.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadMarkRequest {
    /// The number of the version read.
    pub version: u32,
}

/// The version the caller last marked as read in a document.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReadMarkView {
    pub version: u32,
    /// When it was marked (RFC 3339).
    pub marked_at: String,
    /// The redline of what changed since: from this version to the latest.
    pub since: String,
}

/// A proposal found by the process search: which delegation made it, in which round, on which
/// node of the round's base version.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProposalHitView {
    /// The document's slug.
    pub document: String,
    /// The round's number.
    pub round: u32,
    /// The delegation whose submission holds it.
    pub delegation: String,
    /// The submission's revision (the latest when the round was consolidated).
    pub revision: u32,
    /// The item's position in the submission, from 1.
    pub item: u32,
    /// `amend`, `insert`, `delete` or `comment`.
    pub kind: String,
    /// The node's reference in the round's base version (an insertion's anchor); empty for a
    /// comment on the whole text.
    pub reference: String,
    /// The proposed text or the comment, then its justification.
    pub text: String,
}

impl From<penholder_store::ProposalHit> for ProposalHitView {
    fn from(hit: penholder_store::ProposalHit) -> ProposalHitView {
        ProposalHitView {
            document: hit.document,
            round: hit.round,
            delegation: hit.delegation,
            revision: hit.revision,
            item: hit.item,
            kind: hit.kind,
            reference: hit.reference,
            text: hit.text,
        }
    }
}
