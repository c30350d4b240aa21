//! The plain values the store takes and returns, besides penholder-core's own types.
//!
//! Times are Unix milliseconds, as in penholder-core. Hashes are [`ContentHash`] (SHA-256). The
//! types carry no serde derives on purpose: the server owns the wire format.

use penholder_core::negotiation::{Decision, Item, ItemFlag, RoundState};
use penholder_core::{ContentHash, Document};
use penholder_diff::{AppliedChange, Blame};

/// Who performs a write, as the server authenticated them; recorded in the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The token's `sub`.
    pub sub: String,
    /// The token's `delegation` code, if any.
    pub delegation: Option<String>,
    /// The token's `role` (admin, chair, secretariat, delegate, observer, reviewer).
    pub role: String,
}

impl Actor {
    pub fn new(sub: impl Into<String>, delegation: Option<&str>, role: impl Into<String>) -> Self {
        Actor {
            sub: sub.into(),
            delegation: delegation.map(str::to_owned),
            role: role.into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessInfo {
    pub slug: String,
    pub title: String,
    pub created_at: i64,
    pub created_by: String,
}

/// A document to create, with the tree of its version 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDocument {
    pub slug: String,
    pub title: String,
    /// E.g. `LIMITE`; `None` for a public text.
    pub classification: Option<String>,
    /// The label of version 1 ("Zero draft").
    pub label: String,
    pub tree: Document,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentInfo {
    pub slug: String,
    pub title: String,
    pub classification: Option<String>,
    pub created_at: i64,
    pub created_by: String,
    /// The number of the newest version.
    pub latest_version: u32,
}

/// A version to publish: a chair's upload (`round: None`) or a round's consolidation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewVersion {
    pub label: String,
    pub tree: Document,
    /// The round this version consolidates. Its parent is then the round's base version, the
    /// round must be closed, and it becomes `consolidated` in the same transaction.
    pub round: Option<u32>,
    /// The engine's provenance (blame) of the new version.
    pub provenance: Option<Blame>,
    /// The changes the engine applied to reach it.
    pub changes: Option<Vec<AppliedChange>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionInfo {
    /// The document's slug.
    pub document: String,
    pub number: u32,
    pub label: String,
    pub parent: Option<u32>,
    /// The root hash of the tree (see `penholder_core::objects_of`): equal hashes, equal texts.
    pub hash: ContentHash,
    /// The round this version consolidated, if any.
    pub round: Option<u32>,
    pub created_at: i64,
    pub created_by: String,
    pub has_provenance: bool,
    pub has_changes: bool,
    /// The audit entry that published this version: its hash stands for the whole chain up to
    /// and including the publication (the text, and for a consolidation every submission and
    /// decision of the round). Printed in the published files, so that `penholder audit verify
    /// --expect-head SEQ:HASH` can later show the database still holds it.
    pub published: AuditHead,
}

/// One entry of the audit chain, named by its seq and hash: a head published outside the
/// database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuditHead {
    pub seq: u64,
    pub hash: ContentHash,
}

/// A head published earlier that the chain must still hold: at `seq` if given, else anywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExpectedHead {
    pub seq: Option<u64>,
    pub hash: ContentHash,
}

/// A round to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRound {
    /// The document's slug.
    pub document: String,
    pub base_version: u32,
    pub label: String,
    pub opens_at: i64,
    pub closes_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundInfo {
    /// 1, 2, 3… within the process.
    pub number: u32,
    pub document: String,
    pub base_version: u32,
    pub label: String,
    pub opens_at: i64,
    /// The current deadline (after any extension).
    pub closes_at: i64,
    /// The state as last written; use [`RoundInfo::state_at`] for the state at a given time.
    pub recorded_state: RoundState,
    pub created_at: i64,
    pub created_by: String,
}

impl RoundInfo {
    /// The state at `now`: a round opens and closes by the clock unless closed by hand.
    pub fn state_at(&self, now: i64) -> RoundState {
        RoundState::at(self.recorded_state, self.opens_at, self.closes_at, now)
    }
}

/// Something that happened to a round after its creation: opened, closed, extended,
/// consolidated. Never changed once written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundEvent {
    pub action: String,
    pub at: i64,
    pub actor_sub: String,
    pub state_before: RoundState,
    pub state_after: RoundState,
    pub closes_at_before: i64,
    pub closes_at_after: i64,
}

/// What `put_submission` acknowledges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRevision {
    pub revision: u32,
    /// SHA-256 of the body as received: a client hashes the body it sent and compares.
    pub receipt: ContentHash,
    pub submitted_at: i64,
}

/// One revision of one delegation's submission, exactly as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubmissionRevision {
    pub delegation: String,
    pub revision: u32,
    /// The body exactly as received (its SHA-256 is the receipt).
    pub body: Vec<u8>,
    /// Its items, resolved against the round's base version when it was received.
    pub items: Vec<Item>,
    /// How each item was found in the Word file it came from (`flags[i]` for `items[i]`);
    /// empty for a submission sent as JSON.
    pub flags: Vec<Vec<ItemFlag>>,
    pub receipt: ContentHash,
    pub submitted_at: i64,
    pub submitted_by: String,
}

/// One ruling as recorded; a later record for the same change supersedes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionRecord {
    pub decision: Decision,
    pub decided_by: String,
    pub decided_at: i64,
    /// Increases with every decision recorded in the store: the latest per change wins.
    pub sequence: u64,
}

/// One entry of the hash-chained audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: u64,
    pub at: i64,
    pub actor_sub: String,
    pub actor_delegation: Option<String>,
    pub actor_role: String,
    /// `process.create`, `delegation.add`, `document.create`, `version.publish`,
    /// `round.create`, `round.open`, `round.close`, `round.extend`, `round.consolidate`,
    /// `submission.put`, `decision.put`.
    pub action: String,
    /// The process's slug, when the action belongs to one.
    pub process: Option<String>,
    /// The resource written, as a path (`processes/p/rounds/1/submissions/HU/revisions/2`).
    pub subject: String,
    /// SHA-256 of what was written (for a submission: its receipt; for a version: the root hash
    /// of its text).
    pub payload_hash: ContentHash,
    /// Small JSON facts about the write (revision number, deadlines before and after…).
    pub detail: String,
    pub prev_hash: ContentHash,
    pub entry_hash: ContentHash,
}

/// What `verify_audit` found when everything checked out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditReport {
    pub entries: u64,
    /// Entries in the first format (written before every stored fact was covered): their rows
    /// are checked against what that format recorded (see `audit.rs`).
    pub legacy_entries: u64,
    /// The last entry's seq and hash: keep them elsewhere (a ticket, an email) to detect a
    /// truncation of the log's tail later, which a chain alone cannot.
    pub head_seq: u64,
    pub head_hash: Option<ContentHash>,
    pub delegations: u64,
    pub documents: u64,
    pub rounds: u64,
    pub round_events: u64,
    pub submission_revisions: u64,
    pub decisions: u64,
    pub versions: u64,
    /// The state of the text (issue 16): status changes, reservations, their withdrawals,
    /// adoptions.
    pub paragraph_statuses: u64,
    pub reservations: u64,
    pub reservation_withdrawals: u64,
    pub adoptions: u64,
    /// Coalitions' acts (issue 16, item 4): agreements, dissociations, co-sponsorships.
    pub coalition_acts: u64,
    /// Settings of documents' symbols.
    pub document_symbols: u64,
}

/// A response kept under an idempotency key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredResponse {
    pub request_hash: ContentHash,
    pub status: u16,
    pub body: Vec<u8>,
    pub created_at: i64,
}

/// A signed-in browser's session (the web front): who it acts as, the claims of the token it
/// was opened with, and the token its forms must carry (CSRF).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebSession {
    pub subject: String,
    pub role: String,
    pub delegation: Option<String>,
    pub csrf: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// What `integrity_check` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntegrityReport {
    /// The lines of `PRAGMA integrity_check` and `PRAGMA foreign_key_check`; empty when sound.
    pub problems: Vec<String>,
}

impl IntegrityReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// What [`crate::Store::quick_check`] found within its time budget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuickCheck {
    /// The lines of `PRAGMA quick_check` other than `ok`: damaged pages, broken b-trees.
    pub problems: Vec<String>,
    /// Whether the check went through the whole database before the budget ran out (a
    /// partial check that found nothing proves nothing about the pages it did not reach).
    pub complete: bool,
    /// How long it took.
    pub elapsed: std::time::Duration,
}

/// What a submission's write found of its target, handed to the caller's check before anything
/// is stored (see `Writer::put_submission_checked`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Latest {
    /// The delegation's latest stored revision in the round; 0 when it has none.
    pub revision: u32,
    /// Whether any paragraph status or adoption was ever recorded on the round's text: when
    /// not, no paragraph is closed to amendments and nothing more need be read to know it.
    pub text_has_state: bool,
}
