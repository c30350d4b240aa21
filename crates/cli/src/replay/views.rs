//! The parts of the API's JSON answers the replay reads. Unknown fields are ignored, so the
//! server may add to its answers freely; engine values (documents, compilations, consolidation
//! results) are read into the engine's own types, which are the wire contract for them.

use penholder_core::Document;
use penholder_diff::{AppliedChange, Compilation, KeptChange};
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
pub struct VersionSummary {
    pub number: u32,
    pub label: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct CreatedDocument {
    pub version: VersionSummary,
    #[serde(default)]
    pub nodes: Option<usize>,
}

/// `GET …/versions/{n}`: the version's number and label, and its tree.
#[derive(Clone, Debug, Deserialize)]
pub struct VersionView {
    pub number: u32,
    pub label: String,
    pub document: Document,
}

#[derive(Clone, Debug, Deserialize)]
pub struct RoundView {
    pub number: u32,
    pub state: String,
    pub base_version: u32,
}

#[derive(Clone, Debug, Deserialize)]
pub struct SubmissionReceipt {
    pub delegation: String,
    pub revision: u32,
    /// SHA-256 (hex) of the body exactly as received.
    pub receipt: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct RevisionSummary {
    pub delegation: String,
    pub revision: u32,
    pub receipt: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct SubmissionList {
    pub submissions: Vec<RevisionSummary>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct SubmissionRef {
    pub delegation: String,
    pub revision: u32,
}

#[derive(Clone, Debug, Deserialize)]
pub struct CompilationView {
    pub submissions: Vec<SubmissionRef>,
    pub compilation: Compilation,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ConsolidationView {
    pub version: VersionSummary,
    pub applied: Vec<AppliedChange>,
    pub kept: Vec<KeptChange>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct DispositionRow {
    pub delegation: String,
    /// 1-based.
    pub item: usize,
    /// What became of the proposal (`pending`: nothing yet).
    pub status: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct DispositionsView {
    pub rows: Vec<DispositionRow>,
}
