//! The hash-chained audit log: every write appends one entry in the same transaction.
//!
//! # The chain
//!
//! `entry_hash = SHA-256(prev_hash ‖ canonical(entry))`, with `prev_hash` of the first entry 32
//! zero bytes. `canonical` is a format tag followed by the fields in this order: seq (u64
//! big-endian), at (i64 big-endian), actor_sub, actor_delegation, actor_role, action, process,
//! subject, payload_hash (32 bytes), detail — each text as a u32 big-endian byte length and its
//! UTF-8 bytes, each optional text as a byte 0 (absent) or 1 and the text. Anyone can recompute
//! the chain from these lines alone.
//!
//! The tag is `penholder-audit-v1\0` for the entries written before every stored fact was
//! covered (issue 12, finding 6) and `penholder-audit-v2\0` since. The fields are the same; v2
//! adds a promise about `detail` (a JSON object): an entry whose action writes a row carries
//! `"record": HEX` there, the SHA-256 of that row's canonical record (below), so every fact of
//! the row that decides the text or who may act is under the chain. A chain holds v1 entries
//! (an older database's) followed by v2 entries, never a v1 entry after a v2 one; old
//! databases verify as they are, nothing is rewritten.
//!
//! # Records (v2)
//!
//! `record = SHA-256("penholder-record-v2\0" ‖ kind ‖ fields…)`: texts as above, integers as
//! i64 big-endian, optional values as a byte 0 (absent) or 1 and the value, blobs (hashes too)
//! as a u64 big-endian length and the bytes. One encoding per kind, the fields in this order,
//! each as stored (a process, document, round or delegation by its slug or code and number):
//!
//! | kind | action | fields |
//! |---|---|---|
//! | `process` | `process.create` | slug, title, created_at, created_by |
//! | `delegation` | `delegation.add` | process, code, name, kind, participation, function?, members (the stored JSON array), created_at |
//! | `document` | `document.create` | process, slug, title, classification?, created_at, created_by |
//! | `version` | `version.publish` | process, document, number, label, parent?, root, round?, provenance?, changes?, created_at, created_by |
//! | `round` | `round.create` | process, number, document, base_version, label, created_at, created_by |
//! | `round event` | `round.open`, `.close`, `.extend`, `.consolidate` | process, round, action, at, actor_sub, state_before, state_after, closes_at_before, closes_at_after |
//! | `submission` | `submission.put` | process, round, delegation, revision, body, resolution (the resolved items as stored), receipt, submitted_at, submitted_by |
//! | `decision` | `decision.put` | process, round, change, decision (the stored JSON), decided_by, decided_at |
//! | `paragraph status` | `status.set` | process, document, node, status, note, version, set_by, set_at |
//! | `document symbol` | `document.symbol` | process, document, symbol, set_by, set_at |
//! | `reservation` | `reservation.enter` | process, document, number, node, delegation, kind, text, version, entered_by, entered_at |
//! | `reservation withdrawal` | `reservation.withdraw` | process, document, number (the reservation's), note, withdrawn_by, withdrawn_at |
//! | `adoption` | `document.adopt` | process, document, version, note, adopted_by, adopted_at |
//! | `coalition act` | `coalition.agree`, `.dissociate`, `.cosponsor` | process, round, kind, delegation, proposer, revision, item?, fingerprint, note, acted_by, acted_at |
//!
//! The entries of the four kinds written since issue 16 carry their record's hash as their
//! payload hash too.
//!
//! A round's state, opening and deadline change after its creation, so its record holds what
//! never changes, and those three are derived from facts the chain covers: the `round.create`
//! entry's detail (`opens_at`, `closes_at`), then each event's `state_after`, `opens_at_after`
//! and `closes_at_after`, in order. The stored values must be the last ones; a round is
//! `consolidated` exactly when one version records that it consolidates it.
//!
//! # What [`verify`] checks
//!
//! The chain (hashes, sequence without gaps, formats in order); every row of every audited
//! table against the entry it points at (action, subject, time, author, and for v2 its record;
//! for v1 entries what v1 recorded: the submission's receipt, the decision's hash, the
//! version's text, label, parent, round, provenance and changes, the document's title and
//! classification, the delegation's name, kind and participation, the round's definition);
//! every entry of those actions against its row; each round's state and clock against its
//! entries; every row reached (a row that points at a missing process, round or delegation is
//! named too).
//!
//! What a chain cannot show alone is its own end: cutting the tail together with its rows, or
//! rewriting the whole chain, leaves a chain that checks out. A head kept elsewhere gives both
//! away: each published version carries the entry that published it (its seq and hash, signed
//! by the server's key when one is configured), and `verify` with an expected head fails unless
//! the chain holds that very entry.
//!
//! On PostgreSQL several servers may append to one chain: every write batch first takes the
//! chain head's lock (see `runtime`), so [`append`] always reads the true head and no two
//! entries ever share a predecessor.

use crate::db::{Conn, Row, args};
use crate::model::{AuditEntry, AuditHead, AuditReport, ExpectedHead};
use crate::{Actor, AuditError, StoreError};
use penholder_core::ContentHash;
use penholder_core::coalition::ActKind;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

const GENESIS: [u8; 32] = [0; 32];

/// The formats of an entry's canonical form (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    V1,
    V2,
}

impl Format {
    fn tag(self) -> &'static [u8] {
        match self {
            Format::V1 => b"penholder-audit-v1\0",
            Format::V2 => b"penholder-audit-v2\0",
        }
    }
}

/// The format every entry is written in today.
const CURRENT: Format = Format::V2;

/// An entry about to be appended.
pub(crate) struct NewEntry<'a> {
    pub at: i64,
    pub actor: &'a Actor,
    pub action: &'static str,
    pub process: Option<&'a str>,
    pub subject: String,
    pub payload_hash: ContentHash,
    /// A JSON object; `record` is added to it.
    pub detail: serde_json::Value,
    /// The canonical record of the row this entry vouches for, if it writes one.
    pub record: Option<ContentHash>,
}

/// The fields covered by the entry hash, borrowed from wherever they live.
struct Fields<'a> {
    seq: u64,
    at: i64,
    actor_sub: &'a str,
    actor_delegation: Option<&'a str>,
    actor_role: &'a str,
    action: &'a str,
    process: Option<&'a str>,
    subject: &'a str,
    payload_hash: &'a [u8; 32],
    detail: &'a str,
}

fn put_text(hasher: &mut Sha256, value: &str) {
    // Texts longer than 4 GiB cannot reach the log (the server limits bodies far below).
    let length = u32::try_from(value.len()).unwrap_or(u32::MAX);
    hasher.update(length.to_be_bytes());
    hasher.update(value.as_bytes());
}

fn put_optional(hasher: &mut Sha256, value: Option<&str>) {
    match value {
        None => hasher.update([0u8]),
        Some(value) => {
            hasher.update([1u8]);
            put_text(hasher, value);
        }
    }
}

fn entry_hash(prev_hash: &[u8; 32], format: Format, fields: &Fields<'_>) -> ContentHash {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash);
    hasher.update(format.tag());
    hasher.update(fields.seq.to_be_bytes());
    hasher.update(fields.at.to_be_bytes());
    put_text(&mut hasher, fields.actor_sub);
    put_optional(&mut hasher, fields.actor_delegation);
    put_text(&mut hasher, fields.actor_role);
    put_text(&mut hasher, fields.action);
    put_optional(&mut hasher, fields.process);
    put_text(&mut hasher, fields.subject);
    hasher.update(fields.payload_hash);
    put_text(&mut hasher, fields.detail);
    ContentHash(hasher.finalize().into())
}

// ---- records ------------------------------------------------------------------------------

/// A canonical record being hashed (see the module documentation for the encoding).
struct Record(Sha256);

impl Record {
    fn new(kind: &str) -> Record {
        let mut hasher = Sha256::new();
        hasher.update(b"penholder-record-v2\0");
        put_text(&mut hasher, kind);
        Record(hasher)
    }
    fn text(mut self, value: &str) -> Record {
        put_text(&mut self.0, value);
        self
    }
    fn opt_text(mut self, value: Option<&str>) -> Record {
        put_optional(&mut self.0, value);
        self
    }
    fn int(mut self, value: i64) -> Record {
        self.0.update(value.to_be_bytes());
        self
    }
    fn opt_int(mut self, value: Option<i64>) -> Record {
        match value {
            None => self.0.update([0u8]),
            Some(value) => {
                self.0.update([1u8]);
                self.0.update(value.to_be_bytes());
            }
        }
        self
    }
    fn blob(mut self, value: &[u8]) -> Record {
        self.0.update((value.len() as u64).to_be_bytes());
        self.0.update(value);
        self
    }
    fn opt_blob(mut self, value: Option<&[u8]>) -> Record {
        match value {
            None => self.0.update([0u8]),
            Some(value) => {
                self.0.update([1u8]);
                return self.blob(value);
            }
        }
        self
    }
    fn finish(self) -> ContentHash {
        ContentHash(self.0.finalize().into())
    }
}

/// A process row, as its record covers it.
pub(crate) struct ProcessRecord<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub created_at: i64,
    pub created_by: &'a str,
}

impl ProcessRecord<'_> {
    pub(crate) fn hash(&self) -> ContentHash {
        Record::new("process")
            .text(self.slug)
            .text(self.title)
            .int(self.created_at)
            .text(self.created_by)
            .finish()
    }
}

/// A delegation row: what it is in the process decides what its tokens may do.
pub(crate) struct DelegationRecord<'a> {
    pub process: &'a str,
    pub code: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub participation: &'a str,
    pub function: Option<&'a str>,
    pub members: &'a str,
    pub created_at: i64,
}

impl DelegationRecord<'_> {
    pub(crate) fn hash(&self) -> ContentHash {
        Record::new("delegation")
            .text(self.process)
            .text(self.code)
            .text(self.name)
            .text(self.kind)
            .text(self.participation)
            .opt_text(self.function)
            .text(self.members)
            .int(self.created_at)
            .finish()
    }
}

/// A document row: its classification decides who may read it.
pub(crate) struct DocumentRecord<'a> {
    pub process: &'a str,
    pub slug: &'a str,
    pub title: &'a str,
    pub classification: Option<&'a str>,
    pub created_at: i64,
    pub created_by: &'a str,
}

impl DocumentRecord<'_> {
    pub(crate) fn hash(&self) -> ContentHash {
        Record::new("document")
            .text(self.process)
            .text(self.slug)
            .text(self.title)
            .opt_text(self.classification)
            .int(self.created_at)
            .text(self.created_by)
            .finish()
    }
}

/// A version row (its text is covered by its root, the hash of its objects).
pub(crate) struct VersionRecord<'a> {
    pub process: &'a str,
    pub document: &'a str,
    pub number: i64,
    pub label: &'a str,
    pub parent: Option<i64>,
    pub root: &'a [u8],
    pub round: Option<i64>,
    pub provenance: Option<&'a [u8]>,
    pub changes: Option<&'a [u8]>,
    pub created_at: i64,
    pub created_by: &'a str,
}

impl VersionRecord<'_> {
    pub(crate) fn hash(&self) -> ContentHash {
        Record::new("version")
            .text(self.process)
            .text(self.document)
            .int(self.number)
            .text(self.label)
            .opt_int(self.parent)
            .blob(self.root)
            .opt_int(self.round)
            .opt_blob(self.provenance)
            .opt_blob(self.changes)
            .int(self.created_at)
            .text(self.created_by)
            .finish()
    }
}

/// What never changes of a round row (its state and clock are replayed from its events).
pub(crate) struct RoundRecord<'a> {
    pub process: &'a str,
    pub number: i64,
    pub document: &'a str,
    pub base_version: i64,
    pub label: &'a str,
    pub created_at: i64,
    pub created_by: &'a str,
}

impl RoundRecord<'_> {
    pub(crate) fn hash(&self) -> ContentHash {
        Record::new("round")
            .text(self.process)
            .int(self.number)
            .text(self.document)
            .int(self.base_version)
            .text(self.label)
            .int(self.created_at)
            .text(self.created_by)
            .finish()
    }
}

/// A row of `round_events`.
pub(crate) struct RoundEventRecord<'a> {
    pub process: &'a str,
    pub round: i64,
    /// As stored: `open`, `close`, `extend`, `consolidate`.
    pub action: &'a str,
    pub at: i64,
    pub actor_sub: &'a str,
    pub state_before: &'a str,
    pub state_after: &'a str,
    pub closes_at_before: i64,
    pub closes_at_after: i64,
}

impl RoundEventRecord<'_> {
    pub(crate) fn hash(&self) -> ContentHash {
        Record::new("round event")
            .text(self.process)
            .int(self.round)
            .text(self.action)
            .int(self.at)
            .text(self.actor_sub)
            .text(self.state_before)
            .text(self.state_after)
            .int(self.closes_at_before)
            .int(self.closes_at_after)
            .finish()
    }
}

/// A submission revision row: the body as received and the nodes its items were resolved to
/// (which decide where each amendment lands), when and by whom.
pub(crate) struct SubmissionRecord<'a> {
    pub process: &'a str,
    pub round: i64,
    pub delegation: &'a str,
    pub revision: i64,
    pub body: &'a [u8],
    pub resolution: &'a [u8],
    pub receipt: &'a [u8],
    pub submitted_at: i64,
    pub submitted_by: &'a str,
}

impl SubmissionRecord<'_> {
    pub(crate) fn hash(&self) -> ContentHash {
        Record::new("submission")
            .text(self.process)
            .int(self.round)
            .text(self.delegation)
            .int(self.revision)
            .blob(self.body)
            .blob(self.resolution)
            .blob(self.receipt)
            .int(self.submitted_at)
            .text(self.submitted_by)
            .finish()
    }
}

/// A decision row.
pub(crate) struct DecisionRecord<'a> {
    pub process: &'a str,
    pub round: i64,
    pub change: &'a str,
    pub decision: &'a str,
    pub decided_by: &'a str,
    pub decided_at: i64,
}

impl DecisionRecord<'_> {
    pub(crate) fn hash(&self) -> ContentHash {
        Record::new("decision")
            .text(self.process)
            .int(self.round)
            .text(self.change)
            .text(self.decision)
            .text(self.decided_by)
            .int(self.decided_at)
            .finish()
    }
}

/// A document symbol row.
pub(crate) struct SymbolRecord<'a> {
    pub process: &'a str,
    pub document: &'a str,
    pub symbol: &'a str,
    pub set_by: &'a str,
    pub set_at: i64,
}

impl SymbolRecord<'_> {
    pub(crate) fn hash(&self) -> ContentHash {
        Record::new("document symbol")
            .text(self.process)
            .text(self.document)
            .text(self.symbol)
            .text(self.set_by)
            .int(self.set_at)
            .finish()
    }
}

/// The subject of a document's symbol settings.
pub(crate) fn symbol_subject(process: &str, document: &str) -> String {
    format!("processes/{process}/documents/{document}/symbol")
}

/// A paragraph status change row.
pub(crate) struct StatusRecord<'a> {
    pub process: &'a str,
    pub document: &'a str,
    pub node: &'a str,
    pub status: &'a str,
    pub note: &'a str,
    pub version: i64,
    pub set_by: &'a str,
    pub set_at: i64,
}

impl StatusRecord<'_> {
    pub(crate) fn hash(&self) -> ContentHash {
        Record::new("paragraph status")
            .text(self.process)
            .text(self.document)
            .text(self.node)
            .text(self.status)
            .text(self.note)
            .int(self.version)
            .text(self.set_by)
            .int(self.set_at)
            .finish()
    }
}

/// A reservation row (as entered; its withdrawal is a row of its own).
pub(crate) struct ReservationRecord<'a> {
    pub process: &'a str,
    pub document: &'a str,
    pub number: i64,
    pub node: &'a str,
    pub delegation: &'a str,
    pub kind: &'a str,
    pub text: &'a str,
    pub version: i64,
    pub entered_by: &'a str,
    pub entered_at: i64,
}

impl ReservationRecord<'_> {
    pub(crate) fn hash(&self) -> ContentHash {
        Record::new("reservation")
            .text(self.process)
            .text(self.document)
            .int(self.number)
            .text(self.node)
            .text(self.delegation)
            .text(self.kind)
            .text(self.text)
            .int(self.version)
            .text(self.entered_by)
            .int(self.entered_at)
            .finish()
    }
}

/// A reservation's withdrawal row.
pub(crate) struct WithdrawalRecord<'a> {
    pub process: &'a str,
    pub document: &'a str,
    pub number: i64,
    pub note: &'a str,
    pub withdrawn_by: &'a str,
    pub withdrawn_at: i64,
}

impl WithdrawalRecord<'_> {
    pub(crate) fn hash(&self) -> ContentHash {
        Record::new("reservation withdrawal")
            .text(self.process)
            .text(self.document)
            .int(self.number)
            .text(self.note)
            .text(self.withdrawn_by)
            .int(self.withdrawn_at)
            .finish()
    }
}

/// A document's adoption row.
pub(crate) struct AdoptionRecord<'a> {
    pub process: &'a str,
    pub document: &'a str,
    pub version: i64,
    pub note: &'a str,
    pub adopted_by: &'a str,
    pub adopted_at: i64,
}

impl AdoptionRecord<'_> {
    pub(crate) fn hash(&self) -> ContentHash {
        Record::new("adoption")
            .text(self.process)
            .text(self.document)
            .int(self.version)
            .text(self.note)
            .text(self.adopted_by)
            .int(self.adopted_at)
            .finish()
    }
}

/// A coalition act row (an agreement, a dissociation, a co-sponsorship).
pub(crate) struct CoalitionActRecord<'a> {
    pub process: &'a str,
    pub round: i64,
    pub kind: &'a str,
    pub delegation: &'a str,
    pub proposer: &'a str,
    pub revision: i64,
    pub item: Option<i64>,
    pub fingerprint: &'a str,
    pub note: &'a str,
    pub acted_by: &'a str,
    pub acted_at: i64,
}

impl CoalitionActRecord<'_> {
    pub(crate) fn hash(&self) -> ContentHash {
        Record::new("coalition act")
            .text(self.process)
            .int(self.round)
            .text(self.kind)
            .text(self.delegation)
            .text(self.proposer)
            .int(self.revision)
            .opt_int(self.item)
            .text(self.fingerprint)
            .text(self.note)
            .text(self.acted_by)
            .int(self.acted_at)
            .finish()
    }
}

/// The brackets a consolidation carried into a version (their row; the version has its own).
pub(crate) struct BracketsRecord<'a> {
    pub process: &'a str,
    pub document: &'a str,
    pub version: i64,
    pub brackets: &'a [u8],
    pub created_at: i64,
    pub created_by: &'a str,
}

impl BracketsRecord<'_> {
    pub(crate) fn hash(&self) -> ContentHash {
        Record::new("version brackets")
            .text(self.process)
            .text(self.document)
            .int(self.version)
            .blob(self.brackets)
            .int(self.created_at)
            .text(self.created_by)
            .finish()
    }
}

/// The subject of a coalition act: the proposer's submission (its item, for a dissociation
/// or a co-sponsorship), the act and who took it.
pub(crate) fn coalition_act_subject(
    process: &str,
    round: i64,
    proposer: &str,
    item: Option<i64>,
    kind: &str,
    delegation: &str,
) -> String {
    match item {
        Some(item) => format!(
            "processes/{process}/rounds/{round}/submissions/{proposer}/items/{item}/{kind}/{delegation}"
        ),
        None => {
            format!("processes/{process}/rounds/{round}/submissions/{proposer}/{kind}/{delegation}")
        }
    }
}

/// The subject of the brackets carried into a version.
pub(crate) fn brackets_subject(process: &str, document: &str, version: i64) -> String {
    format!("processes/{process}/documents/{document}/versions/{version}/brackets")
}

/// The subject of a paragraph's status changes.
pub(crate) fn status_subject(process: &str, document: &str, node: &str) -> String {
    format!("processes/{process}/documents/{document}/nodes/{node}/status")
}

/// The subject of a reservation.
pub(crate) fn reservation_subject(process: &str, document: &str, number: i64) -> String {
    format!("processes/{process}/documents/{document}/reservations/{number}")
}

/// The subject of a reservation's withdrawal.
pub(crate) fn withdrawal_subject(process: &str, document: &str, number: i64) -> String {
    format!(
        "{}/withdrawal",
        reservation_subject(process, document, number)
    )
}

/// The subject of a document's adoption.
pub(crate) fn adoption_subject(process: &str, document: &str) -> String {
    format!("processes/{process}/documents/{document}/adoption")
}

// ---- appending ----------------------------------------------------------------------------

/// Appends an entry after the current head; returns its seq. Must run inside the transaction of
/// the write it records (the caller's), so that both commit or neither does. On PostgreSQL that
/// transaction holds the chain head's lock (taken when the batch began), so the head read here
/// is the true one even with several servers writing.
pub(crate) fn append(conn: Conn<'_>, entry: NewEntry<'_>) -> Result<u64, StoreError> {
    append_head(conn, entry).map(|head| head.seq)
}

/// The chain's head (seq and entry hash; `None` while the log is empty), as this write
/// transaction last appended it or else read now; on PostgreSQL it is then remembered for the
/// rest of the transaction (the writer holds the chain head's lock: no one else appends).
pub(crate) fn head(conn: Conn<'_>) -> Result<Option<(i64, [u8; 32])>, StoreError> {
    if let Some(head) = conn.cached_audit_head() {
        return Ok(Some(head));
    }
    let head = conn
        .query_opt(
            "SELECT seq, entry_hash FROM audit ORDER BY seq DESC LIMIT 1",
            args![],
            |row| Ok((row.int(0)?, row.bytes(1)?)),
        )?
        .map(|(seq, hash)| {
            hash32(&hash).map(|hash| (seq, hash)).ok_or_else(|| {
                StoreError::corrupt(format!("audit entry {seq} has a malformed hash"))
            })
        })
        .transpose()?;
    if let Some((seq, hash)) = head {
        conn.cache_audit_head(seq, hash);
    }
    Ok(head)
}

/// The most entries another server may have appended since a writer's last batch for
/// [`catch_up`] to read them one by one; beyond, the writer forgets its targets.
const CATCH_UP_MOST: i64 = 512;

/// PostgreSQL: the audit head, read together with every entry appended since `since` (the head
/// the writer's target cache is valid at), so that the cache can stay valid across another
/// server's writes instead of being emptied. A submission stored by another server moves its
/// target's revision; any other entry (a round moved, a delegation added, a paragraph's status)
/// empties the cache, as does a `since` entry that is not there as it was. One query, where the
/// head alone was one too: with two servers, whose batches alternate under the chain's lock,
/// each batch no longer reads every target of the round again while it holds that lock.
pub(crate) fn catch_up(
    conn: Conn<'_>,
    pg: &crate::pg::PgConn,
    since: (i64, [u8; 32]),
) -> Result<Option<(i64, [u8; 32])>, StoreError> {
    let rows = conn.query_all(
        "SELECT seq, entry_hash, action, subject FROM audit WHERE seq >= ?1 ORDER BY seq LIMIT ?2",
        args![since.0, CATCH_UP_MOST + 1],
        |row| Ok((row.int(0)?, row.bytes(1)?, row.text(2)?, row.text(3)?)),
    )?;
    let continues = rows
        .first()
        .is_some_and(|(seq, hash, _, _)| *seq == since.0 && hash32(hash) == Some(since.1));
    if !continues || rows.len() as i64 > CATCH_UP_MOST {
        pg.forget_targets();
        return head(conn);
    }
    let mut stored = Some(Vec::new());
    let mut last = since;
    for (seq, hash, action, subject) in &rows[1..] {
        last = (
            *seq,
            hash32(hash).ok_or_else(|| {
                StoreError::corrupt(format!("audit entry {seq} has a malformed hash"))
            })?,
        );
        match (&mut stored, stored_revision(action, subject)) {
            (Some(list), Some(moved)) => list.push(moved),
            _ => stored = None,
        }
    }
    pg.catch_up_targets(stored, last);
    conn.cache_audit_head(last.0, last.1);
    Ok(Some(last))
}

/// The subject of the audit entry that stores a submission's revision; read back by
/// [`stored_revision`].
pub(crate) fn revision_subject(
    process: &str,
    round: impl std::fmt::Display,
    delegation: &str,
    revision: impl std::fmt::Display,
) -> String {
    format!("processes/{process}/rounds/{round}/submissions/{delegation}/revisions/{revision}")
}

/// The target and revision of a `submission.put` entry's subject
/// (`processes/{p}/rounds/{r}/submissions/{d}/revisions/{n}`).
fn stored_revision(action: &str, subject: &str) -> Option<(crate::pg::TargetKey, u32)> {
    if action != "submission.put" {
        return None;
    }
    match subject.split('/').collect::<Vec<_>>()[..] {
        [
            "processes",
            process,
            "rounds",
            round,
            "submissions",
            delegation,
            "revisions",
            revision,
        ] => Some((
            (
                process.to_string(),
                round.parse().ok()?,
                delegation.to_string(),
            ),
            revision.parse().ok()?,
        )),
        _ => None,
    }
}

/// [`append`], returning the new entry as a head (its seq and hash).
pub(crate) fn append_head(conn: Conn<'_>, entry: NewEntry<'_>) -> Result<AuditHead, StoreError> {
    let head = head(conn)?;
    let (seq, prev_hash) = match head {
        None => (1u64, GENESIS),
        Some((seq, hash)) => (
            u64::try_from(seq).map_err(|_| StoreError::corrupt("negative audit seq"))? + 1,
            hash,
        ),
    };
    let mut detail = entry.detail;
    if let Some(record) = entry.record {
        let Some(object) = detail.as_object_mut() else {
            return Err(StoreError::internal(
                "an audit entry's detail must be an object",
            ));
        };
        object.insert("record".into(), record.to_hex().into());
    }
    let detail = detail.to_string();
    let fields = Fields {
        seq,
        at: entry.at,
        actor_sub: &entry.actor.sub,
        actor_delegation: entry.actor.delegation.as_deref(),
        actor_role: &entry.actor.role,
        action: entry.action,
        process: entry.process,
        subject: &entry.subject,
        payload_hash: &entry.payload_hash.0,
        detail: &detail,
    };
    let hash = entry_hash(&prev_hash, CURRENT, &fields);
    // Nothing waits for this INSERT's answer: on PostgreSQL it goes out with the write's own
    // next statement (the record that points at this entry), in one round trip.
    conn.execute_ahead(
        "INSERT INTO audit (seq, at, actor_sub, actor_delegation, actor_role, action, process,
                            subject, payload_hash, detail, prev_hash, entry_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        args![
            seq as i64,
            entry.at,
            &entry.actor.sub,
            entry.actor.delegation.as_deref(),
            &entry.actor.role,
            entry.action,
            entry.process,
            &entry.subject,
            &entry.payload_hash.0[..],
            &detail,
            &prev_hash[..],
            &hash.0[..],
        ],
    )?;
    conn.cache_audit_head(seq as i64, hash.0);
    Ok(AuditHead { seq, hash })
}
pub(crate) fn hash32(bytes: &[u8]) -> Option<[u8; 32]> {
    bytes.try_into().ok()
}

pub(crate) fn sha256(bytes: &[u8]) -> ContentHash {
    ContentHash(Sha256::digest(bytes).into())
}

/// A raw audit row, before its hashes are known to be well formed.
struct RawEntry {
    seq: i64,
    at: i64,
    actor_sub: String,
    actor_delegation: Option<String>,
    actor_role: String,
    action: String,
    process: Option<String>,
    subject: String,
    payload_hash: Vec<u8>,
    detail: String,
    prev_hash: Vec<u8>,
    entry_hash: Vec<u8>,
}

const SELECT_ENTRIES: &str = "SELECT seq, at, actor_sub, actor_delegation, actor_role, action,
    process, subject, payload_hash, detail, prev_hash, entry_hash FROM audit";

fn raw_entry(row: &Row<'_>) -> Result<RawEntry, StoreError> {
    Ok(RawEntry {
        seq: row.int(0)?,
        at: row.int(1)?,
        actor_sub: row.text(2)?,
        actor_delegation: row.opt_text(3)?,
        actor_role: row.text(4)?,
        action: row.text(5)?,
        process: row.opt_text(6)?,
        subject: row.text(7)?,
        payload_hash: row.bytes(8)?,
        detail: row.text(9)?,
        prev_hash: row.bytes(10)?,
        entry_hash: row.bytes(11)?,
    })
}

fn into_entry(raw: RawEntry) -> Result<AuditEntry, StoreError> {
    let bad =
        |what: &str| StoreError::corrupt(format!("audit entry {}: malformed {what}", raw.seq));
    Ok(AuditEntry {
        seq: u64::try_from(raw.seq).map_err(|_| bad("seq"))?,
        at: raw.at,
        payload_hash: ContentHash(hash32(&raw.payload_hash).ok_or_else(|| bad("payload hash"))?),
        prev_hash: ContentHash(hash32(&raw.prev_hash).ok_or_else(|| bad("previous hash"))?),
        entry_hash: ContentHash(hash32(&raw.entry_hash).ok_or_else(|| bad("entry hash"))?),
        actor_sub: raw.actor_sub,
        actor_delegation: raw.actor_delegation,
        actor_role: raw.actor_role,
        action: raw.action,
        process: raw.process,
        subject: raw.subject,
        detail: raw.detail,
    })
}

/// Entries after `after_seq` (oldest first), optionally only one process's, at most `limit`.
pub(crate) fn entries(
    conn: Conn<'_>,
    process: Option<&str>,
    after_seq: u64,
    limit: u32,
) -> Result<Vec<AuditEntry>, StoreError> {
    let after = i64::try_from(after_seq).unwrap_or(i64::MAX);
    let rows: Vec<RawEntry> = match process {
        Some(process) => conn.query_all(
            &format!("{SELECT_ENTRIES} WHERE process = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"),
            args![process, after, limit],
            raw_entry,
        )?,
        None => conn.query_all(
            &format!("{SELECT_ENTRIES} WHERE seq > ?1 ORDER BY seq LIMIT ?2"),
            args![after, limit],
            raw_entry,
        )?,
    };
    rows.into_iter().map(into_entry).collect()
}

fn tampered(seq: u64, problem: impl Into<String>) -> AuditError {
    AuditError::Tampered {
        seq,
        problem: problem.into(),
    }
}

/// How many rows the verification reads at a time: it walks each table in pages keyed on the
/// audit sequence number (one snapshot throughout), so memory stays flat however long the log.
const PAGE: i64 = 1_000;

/// Calls `each` on every row of `sql` (which takes `?1` = the key to start after and `?2` =
/// the page size, and orders by that key), page by page; `key` gives a row's key.
fn paged<T>(
    conn: Conn<'_>,
    sql: &str,
    read: impl Fn(&Row<'_>) -> Result<T, StoreError>,
    key: impl Fn(&T) -> i64,
    mut each: impl FnMut(T) -> Result<(), AuditError>,
) -> Result<(), AuditError> {
    let mut after = i64::MIN;
    loop {
        let rows = conn.query_all(sql, args![after, PAGE], &read)?;
        let full = rows.len() as i64 == PAGE;
        for row in rows {
            after = key(&row);
            each(row)?;
        }
        if !full {
            return Ok(());
        }
    }
}

/// What the walk of the chain learnt that the checks of the rows need.
struct Chain {
    /// The first entry written in v2: every entry from it on is v2, every one before v1.
    first_v2: Option<u64>,
}

impl Chain {
    fn format(&self, seq: u64) -> Format {
        match self.first_v2 {
            Some(first) if seq >= first => Format::V2,
            _ => Format::V1,
        }
    }
}

/// Checks the whole chain and the records it vouches for, and that it holds `expected` (a head
/// published earlier) if given. Reads one consistent snapshot (the caller runs it inside a read
/// transaction).
pub(crate) fn verify(
    conn: Conn<'_>,
    expected: Option<&ExpectedHead>,
) -> Result<AuditReport, AuditError> {
    let mut expected_seq = 1u64;
    let mut prev_hash = GENESIS;
    let mut head_hash = None;
    let mut first_v2 = None;
    // The entry found where the expected head should be: (seq, hash).
    let mut found = None;
    paged(
        conn,
        &format!("{SELECT_ENTRIES} WHERE seq > ?1 ORDER BY seq LIMIT ?2"),
        raw_entry,
        |raw| raw.seq,
        |raw| {
            let seq = u64::try_from(raw.seq).map_err(|_| tampered(expected_seq, "negative seq"))?;
            if seq != expected_seq {
                return Err(tampered(
                    expected_seq,
                    format!("missing (the next entry is {seq})"),
                ));
            }
            let stored_prev = hash32(&raw.prev_hash)
                .ok_or_else(|| tampered(seq, "its previous hash is malformed"))?;
            if stored_prev != prev_hash {
                return Err(tampered(
                    seq,
                    "its previous hash does not match the entry before it (an entry was removed, \
                     changed or reordered)",
                ));
            }
            let payload_hash = hash32(&raw.payload_hash)
                .ok_or_else(|| tampered(seq, "its payload hash is malformed"))?;
            let fields = Fields {
                seq,
                at: raw.at,
                actor_sub: &raw.actor_sub,
                actor_delegation: raw.actor_delegation.as_deref(),
                actor_role: &raw.actor_role,
                action: &raw.action,
                process: raw.process.as_deref(),
                subject: &raw.subject,
                payload_hash: &payload_hash,
                detail: &raw.detail,
            };
            let (format, computed) = [Format::V2, Format::V1]
                .into_iter()
                .map(|format| (format, entry_hash(&prev_hash, format, &fields)))
                .find(|(_, hash)| raw.entry_hash[..] == hash.0[..])
                .ok_or_else(|| {
                    tampered(
                        seq,
                        "its content does not match its hash (the entry was changed)",
                    )
                })?;
            match (format, first_v2) {
                (Format::V1, Some(first)) => {
                    return Err(tampered(
                        seq,
                        format!(
                            "it is in the v1 format, after entry {first} in v2 (the chain was \
                             rewritten)"
                        ),
                    ));
                }
                (Format::V2, None) => first_v2 = Some(seq),
                _ => {}
            }
            if let Some(expected) = expected {
                let here = match expected.seq {
                    Some(at) => at == seq,
                    None => computed == expected.hash,
                };
                if here {
                    found = Some((seq, computed));
                }
            }
            prev_hash = computed.0;
            head_hash = Some(computed);
            expected_seq += 1;
            Ok(())
        },
    )?;
    let entries = expected_seq - 1;
    if let Some(expected) = expected {
        check_head(expected, found, entries)?;
    }
    let chain = Chain { first_v2 };
    verify_processes(conn, &chain)?;
    let delegations = verify_delegations(conn, &chain)?;
    let documents = verify_documents(conn, &chain)?;
    let versions = verify_versions(conn, &chain)?;
    // Before the rounds' replay: an event removed with its row is named as such, not as the
    // wrong state it leaves behind.
    verify_coverage(conn)?;
    let (rounds, round_events) = verify_rounds(conn, &chain)?;
    let submission_revisions = verify_submissions(conn, &chain)?;
    let decisions = verify_decisions(conn, &chain)?;
    // A database made before the state of a text was kept (opened read-only, not migrated)
    // has none of its tables, and none of its entries.
    let (paragraph_statuses, reservations, reservation_withdrawals, adoptions) =
        if crate::schema::version(conn)? as usize >= crate::schema::STATE_MIGRATION {
            (
                verify_statuses(conn, &chain)?,
                verify_reservations(conn, &chain)?,
                verify_withdrawals(conn, &chain)?,
                verify_adoptions(conn, &chain)?,
            )
        } else {
            Default::default()
        };
    let coalition_acts =
        if crate::schema::version(conn)? as usize >= crate::schema::COALITION_MIGRATION {
            verify_coalition_acts(conn, &chain)?
        } else {
            0
        };
    let document_symbols =
        if crate::schema::version(conn)? as usize >= crate::schema::SYMBOL_MIGRATION {
            verify_symbols(conn, &chain)?
        } else {
            0
        };
    if crate::schema::version(conn)? as usize >= crate::schema::BRACKETS_MIGRATION {
        verify_brackets(conn, &chain)?;
    }
    Ok(AuditReport {
        coalition_acts,
        document_symbols,
        paragraph_statuses,
        reservations,
        reservation_withdrawals,
        adoptions,
        entries,
        legacy_entries: first_v2.map_or(entries, |first| first - 1),
        head_seq: entries,
        head_hash,
        delegations,
        documents,
        rounds,
        round_events,
        submission_revisions,
        decisions,
        versions,
    })
}

fn check_head(
    expected: &ExpectedHead,
    found: Option<(u64, ContentHash)>,
    entries: u64,
) -> Result<(), AuditError> {
    let head = match expected.seq {
        Some(seq) => format!("{seq}:{}", expected.hash),
        None => expected.hash.to_hex(),
    };
    let problem = match (expected.seq, found) {
        (_, Some((_, hash))) if hash == expected.hash => return Ok(()),
        (Some(seq), Some((_, hash))) => {
            format!("entry {seq} is {hash}: the chain was rewritten at that entry or before it")
        }
        (Some(seq), None) => {
            format!("the chain ends at entry {entries}, before entry {seq}: its tail was cut")
        }
        (None, _) => format!(
            "none of its {entries} entries has that hash: its tail was cut or the chain rewritten"
        ),
    };
    Err(AuditError::Head { head, problem })
}

/// What a row says about the entry that vouches for it.
struct Claim<'a> {
    audit_seq: i64,
    action: &'a str,
    subject: String,
    /// The row as a problem names it ("submission DE revision 2 of round 1").
    name: &'a str,
    /// Which of its facts the record covers, for the problem's text.
    facts: &'a str,
    /// The payload hash the entry must hold (in either format), where the row decides it.
    payload: Option<ContentHash>,
    record: ContentHash,
    at: i64,
    by: Option<&'a str>,
}

/// Looks up the entry a row points at and checks it against the row: action, subject, time,
/// author, payload hash and (v2) the row's canonical record. Returns the entry's detail, for
/// what a v1 entry recorded there and for the round's replay.
fn vouch(conn: Conn<'_>, chain: &Chain, claim: Claim<'_>) -> Result<Json, AuditError> {
    let seq = claim.audit_seq.max(0) as u64;
    let name = claim.name;
    let raw = conn
        .query_opt(
            &format!("{SELECT_ENTRIES} WHERE seq = ?1"),
            args![claim.audit_seq],
            raw_entry,
        )?
        .ok_or_else(|| tampered(seq, format!("missing, but {name} refers to it")))?;
    let entry = into_entry(raw)?;
    if entry.action != claim.action || entry.subject != claim.subject {
        return Err(tampered(
            seq,
            format!(
                "it records {} {}, but {name} refers to it",
                entry.action, entry.subject
            ),
        ));
    }
    if let Some(payload) = claim.payload
        && entry.payload_hash != payload
    {
        return Err(tampered(
            seq,
            format!("{name} no longer matches the hash this entry recorded"),
        ));
    }
    if entry.at != claim.at {
        return Err(tampered(
            seq,
            format!(
                "{name} is dated {}, but this entry recorded {}",
                claim.at, entry.at
            ),
        ));
    }
    if let Some(by) = claim.by
        && entry.actor_sub != by
    {
        return Err(tampered(
            seq,
            format!(
                "{name} names {by} as its author, but this entry recorded {}",
                entry.actor_sub
            ),
        ));
    }
    let detail: Json =
        serde_json::from_str(&entry.detail).map_err(|_| tampered(seq, "its detail is not JSON"))?;
    if chain.format(seq) == Format::V2 {
        match detail.get("record").and_then(Json::as_str) {
            None => {
                return Err(tampered(
                    seq,
                    format!("it holds no record of {name}, which a v2 entry must"),
                ));
            }
            Some(record) if record != claim.record.to_hex() => {
                return Err(tampered(
                    seq,
                    format!(
                        "{name} no longer matches the record this entry vouches for: {} was \
                         changed",
                        claim.facts
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(detail)
}

/// A fact that an entry's detail recorded (in v1 as in v2) must equal the row's.
fn same(
    detail: &Json,
    field: &str,
    stored: impl Into<Json>,
    seq: i64,
    name: &str,
) -> Result<(), AuditError> {
    let stored = stored.into();
    match detail.get(field) {
        Some(recorded) if *recorded == stored => Ok(()),
        recorded => Err(tampered(
            seq.max(0) as u64,
            format!(
                "the {field} of {name} is {stored}, but this entry recorded {}",
                recorded.map_or_else(|| "none".to_string(), Json::to_string)
            ),
        )),
    }
}

/// A name a row reaches through a foreign key; `None` when the row it points at is missing.
fn reached(value: Option<String>, seq: i64, table: &str, what: &str) -> Result<String, AuditError> {
    value.ok_or_else(|| {
        tampered(
            seq.max(0) as u64,
            // The joins that reach linked rows require them in the row's own process (slugs
            // and codes repeat across processes, and records name linked rows by them).
            format!(
                "a row of {table} that refers to it points at a missing {what}, or at one of \
                 another process"
            ),
        )
    })
}

fn verify_processes(conn: Conn<'_>, chain: &Chain) -> Result<u64, AuditError> {
    let mut count = 0;
    paged(
        conn,
        "SELECT slug, title, created_at, created_by, audit_seq FROM processes
         WHERE audit_seq > ?1 ORDER BY audit_seq LIMIT ?2",
        |row| {
            Ok((
                row.text(0)?,
                row.text(1)?,
                row.int(2)?,
                row.text(3)?,
                row.int(4)?,
            ))
        },
        |row| row.4,
        |(slug, title, created_at, created_by, audit_seq)| {
            let name = format!("process {slug}");
            let record = ProcessRecord {
                slug: &slug,
                title: &title,
                created_at,
                created_by: &created_by,
            };
            let detail = vouch(
                conn,
                chain,
                Claim {
                    audit_seq,
                    action: "process.create",
                    subject: format!("processes/{slug}"),
                    name: &name,
                    facts: "its slug, title, time or author",
                    payload: None,
                    record: record.hash(),
                    at: created_at,
                    by: Some(&created_by),
                },
            )?;
            same(&detail, "title", title.as_str(), audit_seq, &name)?;
            count += 1;
            Ok(())
        },
    )?;
    Ok(count)
}

type RawDelegationRow = (
    Option<String>,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
    i64,
);

fn verify_delegations(conn: Conn<'_>, chain: &Chain) -> Result<u64, AuditError> {
    let mut count = 0;
    paged(
        conn,
        "SELECT p.slug, d.code, d.name, d.kind, d.participation, d.function, d.members,
                d.created_at, d.audit_seq
         FROM delegations d LEFT JOIN processes p ON p.id = d.process_id
         WHERE d.audit_seq > ?1 ORDER BY d.audit_seq LIMIT ?2",
        |row| -> Result<RawDelegationRow, StoreError> {
            Ok((
                row.opt_text(0)?,
                row.text(1)?,
                row.text(2)?,
                row.text(3)?,
                row.text(4)?,
                row.opt_text(5)?,
                row.text(6)?,
                row.int(7)?,
                row.int(8)?,
            ))
        },
        |row| row.8,
        |(process, code, name, kind, participation, function, members, created_at, audit_seq)| {
            let process = reached(process, audit_seq, "delegations", "process")?;
            let label = format!("delegation {code} of {process}");
            let record = DelegationRecord {
                process: &process,
                code: &code,
                name: &name,
                kind: &kind,
                participation: &participation,
                function: function.as_deref(),
                members: &members,
                created_at,
            };
            let detail = vouch(
                conn,
                chain,
                Claim {
                    audit_seq,
                    action: "delegation.add",
                    subject: format!("processes/{process}/delegations/{code}"),
                    name: &label,
                    facts: "its name, kind, participation, function (chair, secretariat…) or \
                            members",
                    payload: None,
                    record: record.hash(),
                    at: created_at,
                    by: None,
                },
            )?;
            same(&detail, "name", name.as_str(), audit_seq, &label)?;
            same(&detail, "kind", kind.as_str(), audit_seq, &label)?;
            same(
                &detail,
                "participation",
                participation.as_str(),
                audit_seq,
                &label,
            )?;
            count += 1;
            Ok(())
        },
    )?;
    Ok(count)
}

type RawDocumentRow = (
    Option<String>,
    String,
    String,
    Option<String>,
    i64,
    String,
    i64,
);

fn verify_documents(conn: Conn<'_>, chain: &Chain) -> Result<u64, AuditError> {
    let mut count = 0;
    paged(
        conn,
        "SELECT p.slug, d.slug, d.title, d.classification, d.created_at, d.created_by,
                d.audit_seq
         FROM documents d LEFT JOIN processes p ON p.id = d.process_id
         WHERE d.audit_seq > ?1 ORDER BY d.audit_seq LIMIT ?2",
        |row| -> Result<RawDocumentRow, StoreError> {
            Ok((
                row.opt_text(0)?,
                row.text(1)?,
                row.text(2)?,
                row.opt_text(3)?,
                row.int(4)?,
                row.text(5)?,
                row.int(6)?,
            ))
        },
        |row| row.6,
        |(process, slug, title, classification, created_at, created_by, audit_seq)| {
            let process = reached(process, audit_seq, "documents", "process")?;
            let name = format!("document {slug} of {process}");
            let record = DocumentRecord {
                process: &process,
                slug: &slug,
                title: &title,
                classification: classification.as_deref(),
                created_at,
                created_by: &created_by,
            };
            let detail = vouch(
                conn,
                chain,
                Claim {
                    audit_seq,
                    action: "document.create",
                    subject: format!("processes/{process}/documents/{slug}"),
                    name: &name,
                    facts: "its title or classification",
                    payload: None,
                    record: record.hash(),
                    at: created_at,
                    by: Some(&created_by),
                },
            )?;
            same(&detail, "title", title.as_str(), audit_seq, &name)?;
            same(
                &detail,
                "classification",
                classification.clone(),
                audit_seq,
                &name,
            )?;
            count += 1;
            Ok(())
        },
    )?;
    Ok(count)
}

struct RawVersionRow {
    process: Option<String>,
    document: Option<String>,
    number: i64,
    label: String,
    parent: Option<i64>,
    root: Vec<u8>,
    round_id: Option<i64>,
    round: Option<i64>,
    provenance: Option<Vec<u8>>,
    changes: Option<Vec<u8>>,
    created_at: i64,
    created_by: String,
    audit_seq: i64,
}

fn verify_versions(conn: Conn<'_>, chain: &Chain) -> Result<u64, AuditError> {
    let mut count = 0;
    paged(
        conn,
        "SELECT p.slug, d.slug, v.number, v.label, v.parent, v.root, v.round_id, r.number,
                v.provenance, v.changes, v.created_at, v.created_by, v.audit_seq
         FROM versions v
         LEFT JOIN documents d ON d.id = v.document_id
         LEFT JOIN processes p ON p.id = d.process_id
         LEFT JOIN rounds r ON r.id = v.round_id AND r.document_id = v.document_id
         WHERE v.audit_seq > ?1
         ORDER BY v.audit_seq LIMIT ?2",
        |row| {
            Ok(RawVersionRow {
                process: row.opt_text(0)?,
                document: row.opt_text(1)?,
                number: row.int(2)?,
                label: row.text(3)?,
                parent: row.opt_int(4)?,
                root: row.bytes(5)?,
                round_id: row.opt_int(6)?,
                round: row.opt_int(7)?,
                provenance: row.opt_bytes(8)?,
                changes: row.opt_bytes(9)?,
                created_at: row.int(10)?,
                created_by: row.text(11)?,
                audit_seq: row.int(12)?,
            })
        },
        |row| row.audit_seq,
        |row| {
            let audit_seq = row.audit_seq;
            let seq = audit_seq.max(0) as u64;
            let document = reached(row.document, audit_seq, "versions", "document")?;
            let process = reached(row.process, audit_seq, "versions", "process")?;
            if row.round_id.is_some() && row.round.is_none() {
                return Err(tampered(
                    seq,
                    "a row of versions that refers to it points at a missing round, or at one of \
                     another process or document",
                ));
            }
            let number = row.number;
            let name = format!("version {number} of {document}");
            let root = ContentHash(
                hash32(&row.root)
                    .ok_or_else(|| tampered(seq, format!("{name} has a malformed root")))?,
            );
            let record = VersionRecord {
                process: &process,
                document: &document,
                number,
                label: &row.label,
                parent: row.parent,
                root: &row.root,
                round: row.round,
                provenance: row.provenance.as_deref(),
                changes: row.changes.as_deref(),
                created_at: row.created_at,
                created_by: &row.created_by,
            };
            let detail = vouch(
                conn,
                chain,
                Claim {
                    audit_seq,
                    action: "version.publish",
                    subject: format!("processes/{process}/documents/{document}/versions/{number}"),
                    name: &name,
                    facts: "its label, parent, round, provenance or changes",
                    payload: Some(root),
                    record: record.hash(),
                    at: row.created_at,
                    by: Some(&row.created_by),
                },
            )?;
            // The text itself: every object must be present and match its hash.
            crate::reader::assemble_tree(conn, root)
                .map_err(|error| tampered(seq, format!("the text of {name}: {error}")))?;
            same(&detail, "label", row.label.as_str(), audit_seq, &name)?;
            same(&detail, "parent", row.parent, audit_seq, &name)?;
            same(&detail, "round", row.round, audit_seq, &name)?;
            for (field, blob) in [("provenance", &row.provenance), ("changes", &row.changes)] {
                let recorded = detail.get(field).and_then(|v| v.as_str());
                let stored = blob.as_deref().map(|b| sha256(b).to_hex());
                if recorded != stored.as_deref() {
                    return Err(tampered(
                        seq,
                        format!(
                            "the {field} of {name} no longer match the hash this entry recorded"
                        ),
                    ));
                }
            }
            count += 1;
            Ok(())
        },
    )?;
    orphan_entry(conn, "version.publish", "versions")?;
    Ok(count)
}

struct RawRoundRow {
    id: i64,
    process: Option<String>,
    number: i64,
    document: Option<String>,
    base_version: i64,
    label: String,
    opens_at: i64,
    closes_at: i64,
    state: String,
    created_at: i64,
    created_by: String,
    audit_seq: i64,
}

/// A round's state and clock, as stored or as its entries leave it.
#[derive(PartialEq)]
struct Clock {
    state: String,
    opens_at: i64,
    closes_at: i64,
}

impl std::fmt::Display for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (opening {}, deadline {})",
            self.state, self.opens_at, self.closes_at
        )
    }
}

fn detail_int(detail: &Json, field: &str, seq: i64) -> Result<i64, AuditError> {
    detail
        .get(field)
        .and_then(Json::as_i64)
        .ok_or_else(|| tampered(seq.max(0) as u64, format!("its detail lacks {field}")))
}

/// Every round against its entry, every event of it against its own, and the round's stored
/// state and clock against what its entries leave it at (see the module documentation).
fn verify_rounds(conn: Conn<'_>, chain: &Chain) -> Result<(u64, u64), AuditError> {
    let (mut rounds, mut events) = (0, 0);
    paged(
        conn,
        "SELECT r.id, p.slug, r.number, d.slug, r.base_version, r.label, r.opens_at,
                r.closes_at, r.state, r.created_at, r.created_by, r.audit_seq
         FROM rounds r
         LEFT JOIN processes p ON p.id = r.process_id
         LEFT JOIN documents d ON d.id = r.document_id AND d.process_id = r.process_id
         WHERE r.audit_seq > ?1 ORDER BY r.audit_seq LIMIT ?2",
        |row| {
            Ok(RawRoundRow {
                id: row.int(0)?,
                process: row.opt_text(1)?,
                number: row.int(2)?,
                document: row.opt_text(3)?,
                base_version: row.int(4)?,
                label: row.text(5)?,
                opens_at: row.int(6)?,
                closes_at: row.int(7)?,
                state: row.text(8)?,
                created_at: row.int(9)?,
                created_by: row.text(10)?,
                audit_seq: row.int(11)?,
            })
        },
        |row| row.audit_seq,
        |row| {
            let audit_seq = row.audit_seq;
            let process = reached(row.process, audit_seq, "rounds", "process")?;
            let document = reached(row.document, audit_seq, "rounds", "document")?;
            let number = row.number;
            let name = format!("round {number} of {process}");
            let subject = format!("processes/{process}/rounds/{number}");
            let record = RoundRecord {
                process: &process,
                number,
                document: &document,
                base_version: row.base_version,
                label: &row.label,
                created_at: row.created_at,
                created_by: &row.created_by,
            };
            let detail = vouch(
                conn,
                chain,
                Claim {
                    audit_seq,
                    action: "round.create",
                    subject: subject.clone(),
                    name: &name,
                    facts: "its document, base version or label",
                    payload: None,
                    record: record.hash(),
                    at: row.created_at,
                    by: Some(&row.created_by),
                },
            )?;
            same(&detail, "document", document.as_str(), audit_seq, &name)?;
            same(&detail, "base_version", row.base_version, audit_seq, &name)?;
            same(&detail, "label", row.label.as_str(), audit_seq, &name)?;
            let mut clock = Clock {
                state: "planned".into(),
                opens_at: detail_int(&detail, "opens_at", audit_seq)?,
                closes_at: detail_int(&detail, "closes_at", audit_seq)?,
            };
            let mut last_seq = audit_seq;
            let round_events = conn.query_all(
                "SELECT action, at, actor_sub, state_before, state_after, closes_at_before,
                        closes_at_after, audit_seq
                 FROM round_events WHERE round_id = ?1 ORDER BY audit_seq",
                args![row.id],
                |row| {
                    Ok((
                        row.text(0)?,
                        row.int(1)?,
                        row.text(2)?,
                        row.text(3)?,
                        row.text(4)?,
                        row.int(5)?,
                        row.int(6)?,
                        row.int(7)?,
                    ))
                },
            )?;
            for (action, at, actor, before, after, closes_before, closes_after, event_seq) in
                round_events
            {
                let event = format!("the {action} of {name}");
                let record = RoundEventRecord {
                    process: &process,
                    round: number,
                    action: &action,
                    at,
                    actor_sub: &actor,
                    state_before: &before,
                    state_after: &after,
                    closes_at_before: closes_before,
                    closes_at_after: closes_after,
                };
                let detail = vouch(
                    conn,
                    chain,
                    Claim {
                        audit_seq: event_seq,
                        action: &format!("round.{action}"),
                        subject: subject.clone(),
                        name: &event,
                        facts: "its states or deadlines",
                        payload: None,
                        record: record.hash(),
                        at,
                        by: Some(&actor),
                    },
                )?;
                same(&detail, "state_before", before.as_str(), event_seq, &event)?;
                same(&detail, "state_after", after.as_str(), event_seq, &event)?;
                same(
                    &detail,
                    "closes_at_before",
                    closes_before,
                    event_seq,
                    &event,
                )?;
                same(&detail, "closes_at_after", closes_after, event_seq, &event)?;
                clock = Clock {
                    state: after,
                    opens_at: detail_int(&detail, "opens_at_after", event_seq)?,
                    closes_at: closes_after,
                };
                last_seq = event_seq;
                events += 1;
            }
            let stored = Clock {
                state: row.state,
                opens_at: row.opens_at,
                closes_at: row.closes_at,
            };
            if stored != clock {
                return Err(tampered(
                    last_seq.max(0) as u64,
                    format!("{name} is stored as {stored}, but its audit entries leave it {clock}"),
                ));
            }
            let consolidations: i64 = conn.query_one(
                "SELECT COUNT(*) FROM versions WHERE round_id = ?1",
                args![row.id],
                |row| row.int(0),
            )?;
            let consolidated = stored.state == "consolidated";
            if consolidated != (consolidations == 1) || consolidations > 1 {
                return Err(tampered(
                    last_seq.max(0) as u64,
                    format!(
                        "{name} is {}, but {consolidations} versions say they consolidate it",
                        stored.state
                    ),
                ));
            }
            rounds += 1;
            Ok(())
        },
    )?;
    let stray = conn.query_opt(
        "SELECT e.audit_seq FROM round_events e LEFT JOIN rounds r ON r.id = e.round_id
         WHERE r.id IS NULL ORDER BY e.audit_seq LIMIT 1",
        args![],
        |row| row.int(0),
    )?;
    if let Some(seq) = stray {
        return Err(tampered(
            seq.max(0) as u64,
            "a row of round_events that refers to it points at a missing round",
        ));
    }
    Ok((rounds, events))
}

struct RawSubmissionRow {
    process: Option<String>,
    round: Option<i64>,
    delegation: Option<String>,
    revision: i64,
    body: Vec<u8>,
    resolution: Vec<u8>,
    receipt: Vec<u8>,
    submitted_at: i64,
    submitted_by: String,
    audit_seq: i64,
}

fn verify_submissions(conn: Conn<'_>, chain: &Chain) -> Result<u64, AuditError> {
    let mut count = 0;
    paged(
        conn,
        "SELECT p.slug, r.number, d.code, s.revision, s.items, s.hunks, s.receipt,
                s.submitted_at, s.submitted_by, s.audit_seq
         FROM submission_revisions s
         LEFT JOIN rounds r ON r.id = s.round_id
         LEFT JOIN processes p ON p.id = r.process_id
         LEFT JOIN delegations d ON d.id = s.delegation_id AND d.process_id = r.process_id
         WHERE s.audit_seq > ?1
         ORDER BY s.audit_seq LIMIT ?2",
        |row| {
            Ok(RawSubmissionRow {
                process: row.opt_text(0)?,
                round: row.opt_int(1)?,
                delegation: row.opt_text(2)?,
                revision: row.int(3)?,
                body: row.bytes(4)?,
                resolution: row.bytes(5)?,
                receipt: row.bytes(6)?,
                submitted_at: row.int(7)?,
                submitted_by: row.text(8)?,
                audit_seq: row.int(9)?,
            })
        },
        |row| row.audit_seq,
        |row| {
            let audit_seq = row.audit_seq;
            let table = "submission_revisions";
            let round = row.round.ok_or_else(|| {
                tampered(
                    audit_seq.max(0) as u64,
                    format!(
                        "a row of {table} that refers to it points at a missing round, or at \
                         one of another process"
                    ),
                )
            })?;
            let process = reached(row.process, audit_seq, table, "process")?;
            let delegation = reached(row.delegation, audit_seq, table, "delegation")?;
            let revision = row.revision;
            let name = format!("submission {delegation} revision {revision} of round {round}");
            let body_hash = sha256(&row.body);
            if row.receipt[..] != body_hash.0[..] {
                return Err(tampered(
                    audit_seq.max(0) as u64,
                    format!("the items of {name} do not match its receipt"),
                ));
            }
            let record = SubmissionRecord {
                process: &process,
                round,
                delegation: &delegation,
                revision,
                body: &row.body,
                resolution: &row.resolution,
                receipt: &row.receipt,
                submitted_at: row.submitted_at,
                submitted_by: &row.submitted_by,
            };
            let detail = vouch(
                conn,
                chain,
                Claim {
                    audit_seq,
                    action: "submission.put",
                    subject: revision_subject(&process, round, &delegation, revision),
                    name: &name,
                    facts: "its resolution (the nodes its items apply to)",
                    payload: Some(body_hash),
                    record: record.hash(),
                    at: row.submitted_at,
                    by: Some(&row.submitted_by),
                },
            )?;
            same(&detail, "revision", revision, audit_seq, &name)?;
            count += 1;
            Ok(())
        },
    )?;
    orphan_entry(conn, "submission.put", "submission_revisions")?;
    Ok(count)
}

type RawDecisionRow = (
    Option<String>,
    Option<i64>,
    String,
    String,
    String,
    i64,
    i64,
);

fn verify_decisions(conn: Conn<'_>, chain: &Chain) -> Result<u64, AuditError> {
    let mut count = 0;
    paged(
        conn,
        "SELECT p.slug, r.number, x.change, x.decision, x.decided_by, x.decided_at, x.audit_seq
         FROM decisions x
         LEFT JOIN rounds r ON r.id = x.round_id
         LEFT JOIN processes p ON p.id = r.process_id
         WHERE x.audit_seq > ?1
         ORDER BY x.audit_seq LIMIT ?2",
        |row| -> Result<RawDecisionRow, StoreError> {
            Ok((
                row.opt_text(0)?,
                row.opt_int(1)?,
                row.text(2)?,
                row.text(3)?,
                row.text(4)?,
                row.int(5)?,
                row.int(6)?,
            ))
        },
        |row| row.6,
        |(process, round, change, decision, decided_by, decided_at, audit_seq)| {
            let process = reached(process, audit_seq, "decisions", "process")?;
            let round = round.ok_or_else(|| {
                tampered(
                    audit_seq.max(0) as u64,
                    "a row of decisions that refers to it points at a missing round",
                )
            })?;
            let name = format!("the decision on {change} in round {round}");
            let record = DecisionRecord {
                process: &process,
                round,
                change: &change,
                decision: &decision,
                decided_by: &decided_by,
                decided_at,
            };
            vouch(
                conn,
                chain,
                Claim {
                    audit_seq,
                    action: "decision.put",
                    subject: format!("processes/{process}/rounds/{round}/decisions/{change}"),
                    name: &name,
                    facts: "its ruling",
                    payload: Some(sha256(decision.as_bytes())),
                    record: record.hash(),
                    at: decided_at,
                    by: Some(&decided_by),
                },
            )?;
            count += 1;
            Ok(())
        },
    )?;
    orphan_entry(conn, "decision.put", "decisions")?;
    Ok(count)
}

/// A row of the state of the text, read for its check: the record's hash, the claim's name and
/// subject, when and by whom.
struct StateRow {
    audit_seq: i64,
    action: &'static str,
    subject: String,
    name: String,
    facts: &'static str,
    record: ContentHash,
    at: i64,
    by: String,
}

/// Checks the rows of one table of the state of the text against their entries, and that every
/// entry of `action` has its row.
fn verify_state_rows(
    conn: Conn<'_>,
    chain: &Chain,
    sql: &str,
    table: &str,
    action: &str,
    row_of: impl Fn(&Row<'_>) -> Result<Result<StateRow, AuditError>, StoreError>,
) -> Result<u64, AuditError> {
    let mut count = 0;
    paged(
        conn,
        sql,
        |row| row_of(row),
        |row| match row {
            Ok(row) => row.audit_seq,
            Err(_) => i64::MAX,
        },
        |row| {
            let row = row?;
            vouch(
                conn,
                chain,
                Claim {
                    audit_seq: row.audit_seq,
                    action: row.action,
                    subject: row.subject,
                    name: &row.name,
                    facts: row.facts,
                    // The payload hash is the record's: the record's check says what changed.
                    payload: None,
                    record: row.record,
                    at: row.at,
                    by: Some(&row.by),
                },
            )?;
            count += 1;
            Ok(())
        },
    )?;
    orphan_entry(conn, action, table)?;
    Ok(count)
}

/// The process and document a row reaches, or the problem naming the missing one.
fn reached_document(
    process: Option<String>,
    document: Option<String>,
    seq: i64,
    table: &str,
) -> Result<(String, String), AuditError> {
    Ok((
        reached(process, seq, table, "process")?,
        reached(document, seq, table, "document")?,
    ))
}

fn verify_coalition_acts(conn: Conn<'_>, chain: &Chain) -> Result<u64, AuditError> {
    let mut count = 0;
    for kind in ActKind::ALL {
        let action = crate::coalition::action_of(kind);
        count += verify_state_rows(
            conn,
            chain,
            &format!(
                "SELECT p.slug, r.number, x.kind, d.code, g.code, x.revision, x.item,
                        x.fingerprint, x.note, x.acted_by, x.acted_at, x.audit_seq
                 FROM coalition_acts x
                 LEFT JOIN rounds r ON r.id = x.round_id
                 LEFT JOIN processes p ON p.id = r.process_id
                 LEFT JOIN delegations d ON d.id = x.delegation_id AND d.process_id = r.process_id
                 LEFT JOIN delegations g ON g.id = x.proposer_id AND g.process_id = r.process_id
                 WHERE x.kind = '{}' AND x.audit_seq > ?1 ORDER BY x.audit_seq LIMIT ?2",
                kind.as_str()
            ),
            "coalition_acts",
            action,
            |row| {
                let audit_seq = row.int(11)?;
                let (process, round) = (row.opt_text(0)?, row.opt_int(1)?);
                let (kind, delegation, proposer) =
                    (row.text(2)?, row.opt_text(3)?, row.opt_text(4)?);
                let (revision, item, fingerprint) = (row.int(5)?, row.opt_int(6)?, row.text(7)?);
                let (note, acted_by, acted_at) = (row.text(8)?, row.text(9)?, row.int(10)?);
                let table = "coalition_acts";
                Ok((|| {
                    let process = reached(process, audit_seq, table, "process")?;
                    let round = round.ok_or_else(|| {
                        tampered(
                            audit_seq.max(0) as u64,
                            "a row of coalition_acts that refers to it points at a missing round",
                        )
                    })?;
                    let delegation = reached(delegation, audit_seq, table, "delegation")?;
                    let proposer = reached(proposer, audit_seq, table, "delegation")?;
                    Ok(StateRow {
                        audit_seq,
                        action,
                        subject: coalition_act_subject(
                            &process,
                            round,
                            &proposer,
                            item,
                            &kind,
                            &delegation,
                        ),
                        name: format!("the {kind} of {delegation} on {proposer}'s submission"),
                        facts: "its delegations, revision, item, fingerprint or note",
                        record: CoalitionActRecord {
                            process: &process,
                            round,
                            kind: &kind,
                            delegation: &delegation,
                            proposer: &proposer,
                            revision,
                            item,
                            fingerprint: &fingerprint,
                            note: &note,
                            acted_by: &acted_by,
                            acted_at,
                        }
                        .hash(),
                        at: acted_at,
                        by: acted_by.clone(),
                    })
                })())
            },
        )?;
    }
    Ok(count)
}

fn verify_symbols(conn: Conn<'_>, chain: &Chain) -> Result<u64, AuditError> {
    verify_state_rows(
        conn,
        chain,
        "SELECT p.slug, d.slug, x.symbol, x.set_by, x.set_at, x.audit_seq
         FROM document_symbols x
         LEFT JOIN documents d ON d.id = x.document_id
         LEFT JOIN processes p ON p.id = d.process_id
         WHERE x.audit_seq > ?1 ORDER BY x.audit_seq LIMIT ?2",
        "document_symbols",
        "document.symbol",
        |row| {
            let audit_seq = row.int(5)?;
            let (symbol, set_by, set_at) = (row.text(2)?, row.text(3)?, row.int(4)?);
            Ok(reached_document(
                row.opt_text(0)?,
                row.opt_text(1)?,
                audit_seq,
                "document_symbols",
            )
            .map(|(process, document)| StateRow {
                audit_seq,
                action: "document.symbol",
                subject: symbol_subject(&process, &document),
                name: format!("the symbol of {document}"),
                facts: "its symbol",
                record: SymbolRecord {
                    process: &process,
                    document: &document,
                    symbol: &symbol,
                    set_by: &set_by,
                    set_at,
                }
                .hash(),
                at: set_at,
                by: set_by.clone(),
            }))
        },
    )
}

fn verify_statuses(conn: Conn<'_>, chain: &Chain) -> Result<u64, AuditError> {
    verify_state_rows(
        conn,
        chain,
        "SELECT p.slug, d.slug, x.node, x.status, x.note, x.version, x.set_by, x.set_at,
                x.audit_seq
         FROM paragraph_statuses x
         LEFT JOIN documents d ON d.id = x.document_id
         LEFT JOIN processes p ON p.id = d.process_id
         WHERE x.audit_seq > ?1 ORDER BY x.audit_seq LIMIT ?2",
        "paragraph_statuses",
        "status.set",
        |row| {
            let audit_seq = row.int(8)?;
            let (node, status, note) = (row.text(2)?, row.text(3)?, row.text(4)?);
            let (version, set_by, set_at) = (row.int(5)?, row.text(6)?, row.int(7)?);
            Ok(reached_document(
                row.opt_text(0)?,
                row.opt_text(1)?,
                audit_seq,
                "paragraph_statuses",
            )
            .map(|(process, document)| StateRow {
                audit_seq,
                action: "status.set",
                subject: status_subject(&process, &document, &node),
                name: format!("the status change of node {node} in {document}"),
                facts: "its node, status, note or version",
                record: StatusRecord {
                    process: &process,
                    document: &document,
                    node: &node,
                    status: &status,
                    note: &note,
                    version,
                    set_by: &set_by,
                    set_at,
                }
                .hash(),
                at: set_at,
                by: set_by.clone(),
            }))
        },
    )
}

fn verify_brackets(conn: Conn<'_>, chain: &Chain) -> Result<u64, AuditError> {
    verify_state_rows(
        conn,
        chain,
        "SELECT p.slug, d.slug, x.version, x.brackets, x.created_at, x.created_by, x.audit_seq
         FROM version_brackets x
         LEFT JOIN documents d ON d.id = x.document_id
         LEFT JOIN processes p ON p.id = d.process_id
         WHERE x.audit_seq > ?1 ORDER BY x.audit_seq LIMIT ?2",
        "version_brackets",
        "version.brackets",
        |row| {
            let audit_seq = row.int(6)?;
            let (version, brackets) = (row.int(2)?, row.bytes(3)?);
            let (created_at, created_by) = (row.int(4)?, row.text(5)?);
            Ok(reached_document(
                row.opt_text(0)?,
                row.opt_text(1)?,
                audit_seq,
                "version_brackets",
            )
            .map(|(process, document)| StateRow {
                audit_seq,
                action: "version.brackets",
                subject: brackets_subject(&process, &document, version),
                name: format!("the brackets of version {version} of {document}"),
                facts: "its version or its brackets",
                record: BracketsRecord {
                    process: &process,
                    document: &document,
                    version,
                    brackets: &brackets,
                    created_at,
                    created_by: &created_by,
                }
                .hash(),
                at: created_at,
                by: created_by.clone(),
            }))
        },
    )
}

fn verify_reservations(conn: Conn<'_>, chain: &Chain) -> Result<u64, AuditError> {
    verify_state_rows(
        conn,
        chain,
        "SELECT p.slug, d.slug, x.number, x.node, g.code, x.kind, x.text, x.version,
                x.entered_by, x.entered_at, x.audit_seq
         FROM reservations x
         LEFT JOIN documents d ON d.id = x.document_id
         LEFT JOIN processes p ON p.id = d.process_id
         LEFT JOIN delegations g ON g.id = x.delegation_id AND g.process_id = d.process_id
         WHERE x.audit_seq > ?1 ORDER BY x.audit_seq LIMIT ?2",
        "reservations",
        "reservation.enter",
        |row| {
            let audit_seq = row.int(10)?;
            let (number, node) = (row.int(2)?, row.text(3)?);
            let delegation = row.opt_text(4)?;
            let (kind, text, version) = (row.text(5)?, row.text(6)?, row.int(7)?);
            let (entered_by, entered_at) = (row.text(8)?, row.int(9)?);
            Ok(reached_document(
                row.opt_text(0)?,
                row.opt_text(1)?,
                audit_seq,
                "reservations",
            )
            .and_then(|(process, document)| {
                let delegation = reached(delegation, audit_seq, "reservations", "delegation")?;
                Ok(StateRow {
                    audit_seq,
                    action: "reservation.enter",
                    subject: reservation_subject(&process, &document, number),
                    name: format!("reservation no. {number} on {document}"),
                    facts: "its node, delegation, kind, text or version",
                    record: ReservationRecord {
                        process: &process,
                        document: &document,
                        number,
                        node: &node,
                        delegation: &delegation,
                        kind: &kind,
                        text: &text,
                        version,
                        entered_by: &entered_by,
                        entered_at,
                    }
                    .hash(),
                    at: entered_at,
                    by: entered_by.clone(),
                })
            }))
        },
    )
}

fn verify_withdrawals(conn: Conn<'_>, chain: &Chain) -> Result<u64, AuditError> {
    verify_state_rows(
        conn,
        chain,
        "SELECT p.slug, d.slug, r.number, x.note, x.withdrawn_by, x.withdrawn_at, x.audit_seq
         FROM reservation_withdrawals x
         LEFT JOIN reservations r ON r.id = x.reservation_id
         LEFT JOIN documents d ON d.id = r.document_id
         LEFT JOIN processes p ON p.id = d.process_id
         WHERE x.audit_seq > ?1 ORDER BY x.audit_seq LIMIT ?2",
        "reservation_withdrawals",
        "reservation.withdraw",
        |row| {
            let audit_seq = row.int(6)?;
            let number = row.opt_int(2)?;
            let (note, withdrawn_by, withdrawn_at) = (row.text(3)?, row.text(4)?, row.int(5)?);
            Ok(reached_document(
                row.opt_text(0)?,
                row.opt_text(1)?,
                audit_seq,
                "reservation_withdrawals",
            )
            .and_then(|(process, document)| {
                let number = number.ok_or_else(|| {
                    tampered(
                        audit_seq.max(0) as u64,
                        "a row of reservation_withdrawals that refers to it points at a missing \
                         reservation",
                    )
                })?;
                Ok(StateRow {
                    audit_seq,
                    action: "reservation.withdraw",
                    subject: withdrawal_subject(&process, &document, number),
                    name: format!("the withdrawal of reservation no. {number} on {document}"),
                    facts: "its note",
                    record: WithdrawalRecord {
                        process: &process,
                        document: &document,
                        number,
                        note: &note,
                        withdrawn_by: &withdrawn_by,
                        withdrawn_at,
                    }
                    .hash(),
                    at: withdrawn_at,
                    by: withdrawn_by.clone(),
                })
            }))
        },
    )
}

fn verify_adoptions(conn: Conn<'_>, chain: &Chain) -> Result<u64, AuditError> {
    verify_state_rows(
        conn,
        chain,
        "SELECT p.slug, d.slug, x.version, x.note, x.adopted_by, x.adopted_at, x.audit_seq
         FROM adoptions x
         LEFT JOIN documents d ON d.id = x.document_id
         LEFT JOIN processes p ON p.id = d.process_id
         WHERE x.audit_seq > ?1 ORDER BY x.audit_seq LIMIT ?2",
        "adoptions",
        "document.adopt",
        |row| {
            let audit_seq = row.int(6)?;
            let (version, note) = (row.int(2)?, row.text(3)?);
            let (adopted_by, adopted_at) = (row.text(4)?, row.int(5)?);
            Ok(
                reached_document(row.opt_text(0)?, row.opt_text(1)?, audit_seq, "adoptions").map(
                    |(process, document)| StateRow {
                        audit_seq,
                        action: "document.adopt",
                        subject: adoption_subject(&process, &document),
                        name: format!("the adoption of {document}"),
                        facts: "its version or note",
                        record: AdoptionRecord {
                            process: &process,
                            document: &document,
                            version,
                            note: &note,
                            adopted_by: &adopted_by,
                            adopted_at,
                        }
                        .hash(),
                        at: adopted_at,
                        by: adopted_by.clone(),
                    },
                ),
            )
        },
    )
}

/// The other audited tables and the actions that write their rows: each row has its entry of
/// one of these actions, each such entry its row.
const AUDITED: &[(&str, &[&str])] = &[
    ("processes", &["process.create"]),
    ("delegations", &["delegation.add"]),
    ("documents", &["document.create"]),
    ("rounds", &["round.create"]),
    (
        "round_events",
        &[
            "round.open",
            "round.close",
            "round.extend",
            "round.consolidate",
        ],
    ),
];

fn verify_coverage(conn: Conn<'_>) -> Result<(), AuditError> {
    for (table, actions) in AUDITED {
        let allowed = actions
            .iter()
            .map(|action| format!("'{action}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let stray = conn.query_opt(
            &format!(
                "SELECT r.audit_seq, a.action FROM {table} r LEFT JOIN audit a ON a.seq = r.audit_seq
                 WHERE a.seq IS NULL OR a.action NOT IN ({allowed})
                 ORDER BY r.audit_seq LIMIT 1"
            ),
            args![],
            |row| Ok((row.int(0)?, row.opt_text(1)?)),
        )?;
        if let Some((seq, action)) = stray {
            let problem = match action {
                None => format!("missing, but a row of {table} refers to it"),
                Some(action) => format!("it records {action}, but a row of {table} refers to it"),
            };
            return Err(tampered(seq.max(0) as u64, problem));
        }
        for action in *actions {
            orphan_entry(conn, action, table)?;
        }
    }
    Ok(())
}

/// The first audit entry of `action` that no row of `table` points at.
fn orphan_entry(conn: Conn<'_>, action: &str, table: &str) -> Result<(), AuditError> {
    let orphan = conn.query_opt(
        &format!(
            "SELECT seq FROM audit a WHERE action = ?1
             AND NOT EXISTS (SELECT 1 FROM {table} r WHERE r.audit_seq = a.seq)
             ORDER BY seq LIMIT 1"
        ),
        args![action],
        |row| row.int(0),
    )?;
    match orphan {
        Some(seq) => Err(tampered(
            seq.max(0) as u64,
            format!("it records a {action} whose row in {table} is missing"),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::{revision_subject, stored_revision};

    #[test]
    fn only_a_stored_revisions_subject_moves_a_target() {
        assert_eq!(
            stored_revision("submission.put", &revision_subject("bp-2024", 3, "HU", 12)),
            Some((("bp-2024".into(), 3, "HU".into()), 12))
        );
        for (action, subject) in [
            (
                "submission.late",
                "processes/p/rounds/3/submissions/HU/revisions/1",
            ),
            ("round.close", "processes/p/rounds/3"),
            (
                "submission.put",
                "processes/p/rounds/three/submissions/HU/revisions/1",
            ),
            ("submission.put", "processes/p/rounds/3/submissions/HU"),
            (
                "submission.put",
                "processes/p/rounds/3/submissions/HU/revisions/1/x",
            ),
        ] {
            assert_eq!(stored_revision(action, subject), None, "{action} {subject}");
        }
    }
}
