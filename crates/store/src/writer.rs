//! [`Writer`]: every write, each appending its audit entry in the same transaction.
//!
//! A `Writer` only exists inside [`crate::Store::write`]; the writer thread wraps each call in
//! a savepoint of a group-commit transaction, so a method that returns `Err` leaves nothing
//! behind, and one that returns `Ok` is durable once the caller is acknowledged.

use crate::audit::{
    self, DecisionRecord as DecisionFacts, DelegationRecord, DocumentRecord, NewEntry,
    ProcessRecord, RoundEventRecord, RoundRecord, SubmissionRecord, VersionRecord, sha256,
};
use crate::db::{Conn, args};
use crate::model::{
    Actor, DecisionRecord, DocumentInfo, Latest, NewDocument, NewRound, NewVersion, ProcessInfo,
    RoundInfo, StoredRevision, VersionInfo, WebSession,
};
use crate::reader::{Reader, RoundRow, SubmissionTarget, enum_text};
use crate::{StoreError, codec};
use penholder_core::negotiation::{Decision, Delegation, Item, ItemFlag, RoundState};
use penholder_core::{ContentHash, Document};
use serde_json::json;
use std::ops::Deref;

/// Write access inside [`crate::Store::write`]; derefs to [`Reader`] so a write can read what
/// it needs in the same transaction (no check-then-act race).
pub struct Writer<'a> {
    pub(crate) reader: Reader<'a>,
}

impl<'a> Deref for Writer<'a> {
    type Target = Reader<'a>;
    fn deref(&self) -> &Reader<'a> {
        &self.reader
    }
}

/// Whether a lookup found its row; errors other than NotFound are errors.
fn exists(lookup: Result<i64, StoreError>) -> Result<bool, StoreError> {
    match lookup {
        Ok(_) => Ok(true),
        Err(StoreError::NotFound { .. }) => Ok(false),
        Err(error) => Err(error),
    }
}

fn canonical_hash(value: &serde_json::Value) -> ContentHash {
    sha256(value.to_string().as_bytes())
}

fn wrong_state(round: &RoundInfo, state: RoundState, needed: &'static str) -> StoreError {
    StoreError::WrongRoundState {
        round: round.number,
        state,
        needed,
        opens_at: round.opens_at,
        closes_at: round.closes_at,
    }
}

impl Writer<'_> {
    fn conn(&self) -> Conn<'_> {
        self.reader.conn
    }

    /// Creates a process. Conflict if the slug is taken.
    pub fn create_process(
        &self,
        slug: &str,
        title: &str,
        actor: &Actor,
        now: i64,
    ) -> Result<ProcessInfo, StoreError> {
        if slug.is_empty() {
            return Err(StoreError::invalid("a process needs a slug"));
        }
        if exists(self.process_id(slug))? {
            return Err(StoreError::conflict(format!(
                "a process {slug} already exists"
            )));
        }
        let payload = json!({ "slug": slug, "title": title });
        let seq = audit::append(
            self.conn(),
            NewEntry {
                at: now,
                actor,
                action: "process.create",
                process: Some(slug),
                subject: format!("processes/{slug}"),
                payload_hash: canonical_hash(&payload),
                detail: json!({ "title": title }),
                record: Some(
                    ProcessRecord {
                        slug,
                        title,
                        created_at: now,
                        created_by: &actor.sub,
                    }
                    .hash(),
                ),
            },
        )?;
        self.conn().execute(
            "INSERT INTO processes (slug, title, created_at, created_by, audit_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            args![slug, title, now, &actor.sub, seq as i64],
        )?;
        Ok(ProcessInfo {
            slug: slug.to_owned(),
            title: title.to_owned(),
            created_at: now,
            created_by: actor.sub.clone(),
        })
    }

    /// Adds a delegation to a process. Conflict if its code is taken in that process.
    pub fn add_delegation(
        &self,
        process: &str,
        delegation: &Delegation,
        actor: &Actor,
        now: i64,
    ) -> Result<(), StoreError> {
        if delegation.code.is_empty() {
            return Err(StoreError::invalid("a delegation needs a code"));
        }
        let process_id = self.process_id(process)?;
        if exists(self.delegation_id(process_id, process, &delegation.code))? {
            return Err(StoreError::conflict(format!(
                "process {process} already has a delegation {}",
                delegation.code
            )));
        }
        let kind = enum_text(&delegation.kind)?;
        let participation = enum_text(&delegation.participation)?;
        let function = delegation.function.as_ref().map(enum_text).transpose()?;
        let members = serde_json::to_string(&delegation.members)
            .map_err(|e| StoreError::internal(e.to_string()))?;
        let payload =
            serde_json::to_value(delegation).map_err(|e| StoreError::internal(e.to_string()))?;
        let seq = audit::append(
            self.conn(),
            NewEntry {
                at: now,
                actor,
                action: "delegation.add",
                process: Some(process),
                subject: format!("processes/{process}/delegations/{}", delegation.code),
                payload_hash: canonical_hash(&payload),
                detail: json!({ "name": delegation.name, "kind": kind, "participation": participation }),
                record: Some(
                    DelegationRecord {
                        process,
                        code: &delegation.code,
                        name: &delegation.name,
                        kind: &kind,
                        participation: &participation,
                        function: function.as_deref(),
                        members: &members,
                        created_at: now,
                    }
                    .hash(),
                ),
            },
        )?;
        self.conn().execute(
            "INSERT INTO delegations (process_id, code, name, kind, participation, function,
                                          members, created_at, audit_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            args![
                process_id,
                &delegation.code,
                &delegation.name,
                &kind,
                &participation,
                function.as_deref(),
                &members,
                now,
                seq as i64
            ],
        )?;
        Ok(())
    }

    /// Creates a document and its version 1 together. Conflict if the slug is taken.
    pub fn create_document(
        &self,
        process: &str,
        document: &NewDocument,
        actor: &Actor,
        now: i64,
    ) -> Result<(DocumentInfo, VersionInfo), StoreError> {
        if document.slug.is_empty() {
            return Err(StoreError::invalid("a document needs a slug"));
        }
        let process_id = self.process_id(process)?;
        if exists(self.document_id(process_id, process, &document.slug))? {
            return Err(StoreError::conflict(format!(
                "process {process} already has a document {}",
                document.slug
            )));
        }
        let payload = json!({
            "slug": document.slug, "title": document.title, "classification": document.classification,
        });
        let seq = audit::append(
            self.conn(),
            NewEntry {
                at: now,
                actor,
                action: "document.create",
                process: Some(process),
                subject: format!("processes/{process}/documents/{}", document.slug),
                payload_hash: canonical_hash(&payload),
                detail: payload.clone(),
                record: Some(
                    DocumentRecord {
                        process,
                        slug: &document.slug,
                        title: &document.title,
                        classification: document.classification.as_deref(),
                        created_at: now,
                        created_by: &actor.sub,
                    }
                    .hash(),
                ),
            },
        )?;
        let document_id = self.conn().query_one(
            "INSERT INTO documents (process_id, slug, title, classification, created_at,
                                        created_by, audit_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
            args![
                process_id,
                &document.slug,
                &document.title,
                document.classification.as_deref(),
                now,
                &actor.sub,
                seq as i64
            ],
            |row| row.int(0),
        )?;
        let version = self.insert_version(
            process,
            &document.slug,
            document_id,
            VersionRow {
                number: 1,
                parent: None,
                label: &document.label,
                tree: &document.tree,
                round: None,
                provenance: None,
                changes: None,
            },
            actor,
            now,
        )?;
        Ok((
            DocumentInfo {
                slug: document.slug.clone(),
                title: document.title.clone(),
                classification: document.classification.clone(),
                created_at: now,
                created_by: actor.sub.clone(),
                latest_version: 1,
            },
            version,
        ))
    }

    /// Publishes the next version of a document: its objects (unchanged nodes shared), its
    /// provenance and changes, its audit entry (payload hash = the root hash of its text) and,
    /// for a consolidation, the round's move to `consolidated` — all in this one transaction.
    ///
    /// For a consolidation the round must belong to this document and be closed at `now`; the
    /// version's parent is the round's base version. Otherwise the parent is the latest version.
    pub fn publish_version(
        &self,
        process: &str,
        document: &str,
        version: &NewVersion,
        actor: &Actor,
        now: i64,
    ) -> Result<VersionInfo, StoreError> {
        self.publish_version_with_brackets(process, document, version, &[], actor, now)
    }

    /// [`Writer::publish_version`] with the brackets a consolidation carried into the version
    /// (none: as `publish_version`). They are recorded in the same transaction, their audit
    /// entry just before the version's, so that the head published with the version covers
    /// them too.
    pub fn publish_version_with_brackets(
        &self,
        process: &str,
        document: &str,
        version: &NewVersion,
        brackets: &[penholder_core::bracket::Bracket],
        actor: &Actor,
        now: i64,
    ) -> Result<VersionInfo, StoreError> {
        let process_id = self.process_id(process)?;
        let document_id = self.document_id(process_id, process, document)?;
        let latest = self.latest_number(document_id)?;
        let mut parent = latest;
        let mut round_row = None;
        if let Some(number) = version.round {
            let row = self.round_row(process_id, process, number)?;
            if row.document_id != document_id {
                return Err(StoreError::invalid(format!(
                    "round {number} is about document {}, not {document}",
                    row.info.document
                )));
            }
            let state = row.info.state_at(now);
            if state != RoundState::Closed {
                return Err(wrong_state(&row.info, state, "closed"));
            }
            parent = row.info.base_version;
            round_row = Some(row);
        }
        let number = latest
            .checked_add(1)
            .ok_or_else(|| StoreError::invalid("too many versions"))?;
        // The round moves first, so that the version's entry is the last of this transaction:
        // the head published with the version then stands for the consolidation too.
        if let Some(row) = &round_row {
            self.move_round(
                process,
                row,
                RoundMove {
                    action: "round.consolidate",
                    state: RoundState::Consolidated,
                    opens_at: row.info.opens_at,
                    closes_at: row.info.closes_at,
                    extra: json!({ "version": number }),
                },
                actor,
                now,
            )?;
        }
        let carried = crate::brackets::Carried::audit(
            self.conn(),
            process,
            document,
            number,
            brackets,
            actor,
            now,
        )?;
        let info = self.insert_version(
            process,
            document,
            document_id,
            VersionRow {
                number,
                parent: Some(parent),
                label: &version.label,
                tree: &version.tree,
                round: round_row.as_ref().map(|r| (r.id, r.info.number)),
                provenance: version
                    .provenance
                    .as_ref()
                    .map(codec::encode_blame)
                    .as_deref(),
                changes: version
                    .changes
                    .as_deref()
                    .map(codec::encode_applied)
                    .as_deref(),
            },
            actor,
            now,
        )?;
        if let Some(carried) = carried {
            carried.insert(self.conn(), document_id)?;
        }
        Ok(info)
    }

    fn insert_version(
        &self,
        process: &str,
        document: &str,
        document_id: i64,
        row: VersionRow<'_>,
        actor: &Actor,
        now: i64,
    ) -> Result<VersionInfo, StoreError> {
        if let Some(id) = row.tree.duplicate_id() {
            return Err(StoreError::invalid(format!(
                "node id {id} occurs twice in the text"
            )));
        }
        let (root, objects) = penholder_core::objects_of(row.tree);
        {
            for (hash, bytes) in &objects {
                self.conn().execute(
                    "INSERT INTO objects (hash, bytes) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                    args![&hash.0[..], bytes],
                )?;
            }
        }
        let provenance_hash = row.provenance.map(|b| sha256(b).to_hex());
        let changes_hash = row.changes.map(|b| sha256(b).to_hex());
        let record = VersionRecord {
            process,
            document,
            number: i64::from(row.number),
            label: row.label,
            parent: row.parent.map(i64::from),
            root: &root.0,
            round: row.round.map(|(_, number)| i64::from(number)),
            provenance: row.provenance,
            changes: row.changes,
            created_at: now,
            created_by: &actor.sub,
        };
        let published = audit::append_head(
            self.conn(),
            NewEntry {
                at: now,
                actor,
                action: "version.publish",
                process: Some(process),
                subject: format!(
                    "processes/{process}/documents/{document}/versions/{}",
                    row.number
                ),
                payload_hash: root,
                detail: json!({
                    "label": row.label,
                    "parent": row.parent,
                    "round": row.round.map(|(_, number)| number),
                    "provenance": provenance_hash,
                    "changes": changes_hash,
                }),
                record: Some(record.hash()),
            },
        )?;
        let seq = published.seq;
        self.conn().execute(
            "INSERT INTO versions (document_id, number, label, parent, root, round_id,
                                       provenance, changes, created_at, created_by, audit_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            args![
                document_id,
                row.number,
                row.label,
                row.parent,
                &root.0[..],
                row.round.map(|(id, _)| id),
                row.provenance,
                row.changes,
                now,
                &actor.sub,
                seq as i64
            ],
        )?;
        crate::search::index_version(self.conn(), document_id, row.number, row.tree)?;
        if let Some((_, round)) = row.round {
            // Consolidated: the round's submissions are unsealed to all, their words findable.
            crate::proposal_search::index_round(self.conn(), process, document_id, round)?;
        }
        Ok(VersionInfo {
            document: document.to_owned(),
            number: row.number,
            label: row.label.to_owned(),
            parent: row.parent,
            hash: root,
            round: row.round.map(|(_, number)| number),
            created_at: now,
            created_by: actor.sub.clone(),
            has_provenance: row.provenance.is_some(),
            has_changes: row.changes.is_some(),
            published,
        })
    }

    /// Creates the next round of a process on a version of one of its documents, `planned`.
    pub fn create_round(
        &self,
        process: &str,
        round: &NewRound,
        actor: &Actor,
        now: i64,
    ) -> Result<RoundInfo, StoreError> {
        if round.closes_at <= round.opens_at {
            return Err(StoreError::invalid(format!(
                "a round must close after it opens (opens at {}, closes at {})",
                round.opens_at, round.closes_at
            )));
        }
        let process_id = self.process_id(process)?;
        let document_id = self.document_id(process_id, process, &round.document)?;
        if round.base_version == 0 || round.base_version > self.latest_number(document_id)? {
            return Err(StoreError::not_found(format!(
                "version {} of document {} of process {process}",
                round.base_version, round.document
            )));
        }
        let number: u32 = self.conn().query_one(
            "SELECT COALESCE(MAX(number), 0) + 1 FROM rounds WHERE process_id = ?1",
            args![process_id],
            |row| row.u32(0),
        )?;
        let payload = json!({
            "document": round.document, "base_version": round.base_version, "label": round.label,
            "opens_at": round.opens_at, "closes_at": round.closes_at,
        });
        let seq = audit::append(
            self.conn(),
            NewEntry {
                at: now,
                actor,
                action: "round.create",
                process: Some(process),
                subject: format!("processes/{process}/rounds/{number}"),
                payload_hash: canonical_hash(&payload),
                detail: payload.clone(),
                record: Some(
                    RoundRecord {
                        process,
                        number: i64::from(number),
                        document: &round.document,
                        base_version: i64::from(round.base_version),
                        label: &round.label,
                        created_at: now,
                        created_by: &actor.sub,
                    }
                    .hash(),
                ),
            },
        )?;
        self.conn().execute(
            "INSERT INTO rounds (process_id, number, document_id, base_version, label, opens_at,
                                     closes_at, state, created_at, created_by, audit_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'planned', ?8, ?9, ?10)",
            args![
                process_id,
                number,
                document_id,
                round.base_version,
                &round.label,
                round.opens_at,
                round.closes_at,
                now,
                &actor.sub,
                seq as i64
            ],
        )?;
        Ok(RoundInfo {
            number,
            document: round.document.clone(),
            base_version: round.base_version,
            label: round.label.clone(),
            opens_at: round.opens_at,
            closes_at: round.closes_at,
            recorded_state: RoundState::Planned,
            created_at: now,
            created_by: actor.sub.clone(),
        })
    }

    /// Opens a planned round now (before its `opens_at`). Its deadline must lie ahead.
    pub fn open_round(
        &self,
        process: &str,
        round: u32,
        actor: &Actor,
        now: i64,
    ) -> Result<RoundInfo, StoreError> {
        let (_, row) = self.process_round(process, round)?;
        let state = row.info.state_at(now);
        if state != RoundState::Planned {
            return Err(wrong_state(&row.info, state, "planned"));
        }
        self.move_round(
            process,
            &row,
            RoundMove {
                action: "round.open",
                state: RoundState::Open,
                opens_at: row.info.opens_at.min(now),
                closes_at: row.info.closes_at,
                extra: json!({}),
            },
            actor,
            now,
        )
    }

    /// Closes a round by hand (before or after its deadline); submissions stop at once.
    pub fn close_round(
        &self,
        process: &str,
        round: u32,
        actor: &Actor,
        now: i64,
    ) -> Result<RoundInfo, StoreError> {
        let (_, row) = self.process_round(process, round)?;
        // By the clock: a round whose deadline passed has unsealed its submissions, and
        // extending it would reopen it.
        let state = row.info.state_at(now);
        if matches!(state, RoundState::Closed | RoundState::Consolidated) {
            return Err(wrong_state(&row.info, state, "planned or open"));
        }
        self.move_round(
            process,
            &row,
            RoundMove {
                action: "round.close",
                state: RoundState::Closed,
                opens_at: row.info.opens_at,
                closes_at: row.info.closes_at,
                extra: json!({}),
            },
            actor,
            now,
        )
    }

    /// Moves a round's deadline later. Allowed while the round has not been closed by hand, even
    /// after the old deadline passed (the chair may reopen a round that closed by the clock).
    pub fn extend_deadline(
        &self,
        process: &str,
        round: u32,
        closes_at: i64,
        actor: &Actor,
        now: i64,
    ) -> Result<RoundInfo, StoreError> {
        let (_, row) = self.process_round(process, round)?;
        if matches!(
            row.info.recorded_state,
            RoundState::Closed | RoundState::Consolidated
        ) {
            return Err(wrong_state(
                &row.info,
                row.info.recorded_state,
                "planned or open",
            ));
        }
        if closes_at <= row.info.closes_at {
            return Err(StoreError::invalid(format!(
                "the new deadline {closes_at} is not later than the current one {}",
                row.info.closes_at
            )));
        }
        let recorded = row.info.recorded_state;
        self.move_round(
            process,
            &row,
            RoundMove {
                action: "round.extend",
                state: recorded,
                opens_at: row.info.opens_at,
                closes_at,
                extra: json!({}),
            },
            actor,
            now,
        )
    }

    /// When the last write stored before this one was made (its audit entry's time; 0 on an
    /// empty log).
    fn last_write_at(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn()
            .query_opt(
                "SELECT at FROM audit ORDER BY seq DESC LIMIT 1",
                args![],
                |row| row.int(0),
            )?
            .unwrap_or(0))
    }

    fn move_round(
        &self,
        process: &str,
        row: &RoundRow,
        change: RoundMove,
        actor: &Actor,
        now: i64,
    ) -> Result<RoundInfo, StoreError> {
        // Writes are stored one after another (one writer; on PostgreSQL, under the chain
        // head's lock), but each request read its clock before queueing: a close may be stored
        // after a submission whose request began later. Dated no earlier than the last write
        // before it, a transition never claims to precede what it let in (a close is never
        // dated before a submission it followed), on one server or several.
        let now = now.max(self.last_write_at()?);
        // The state the round was in, by the clock: a round whose opening time passed is open
        // even if nobody opened it by hand.
        let before = row.info.state_at(now);
        let payload = json!({
            "state_before": before.as_str(), "state_after": change.state.as_str(),
            "opens_at_before": row.info.opens_at, "opens_at_after": change.opens_at,
            "closes_at_before": row.info.closes_at, "closes_at_after": change.closes_at,
            "extra": change.extra,
        });
        let action = change.action.trim_start_matches("round.");
        let record = RoundEventRecord {
            process,
            round: i64::from(row.info.number),
            action,
            at: now,
            actor_sub: &actor.sub,
            state_before: before.as_str(),
            state_after: change.state.as_str(),
            closes_at_before: row.info.closes_at,
            closes_at_after: change.closes_at,
        };
        let seq = audit::append(
            self.conn(),
            NewEntry {
                at: now,
                actor,
                action: change.action,
                process: Some(process),
                subject: format!("processes/{process}/rounds/{}", row.info.number),
                payload_hash: canonical_hash(&payload),
                detail: payload.clone(),
                record: Some(record.hash()),
            },
        )?;
        self.conn().execute(
            "UPDATE rounds SET state = ?1, opens_at = ?2, closes_at = ?3 WHERE id = ?4",
            args![
                change.state.as_str(),
                change.opens_at,
                change.closes_at,
                row.id
            ],
        )?;
        self.conn().execute(
                "INSERT INTO round_events (round_id, action, at, actor_sub, state_before,
                                           state_after, closes_at_before, closes_at_after, audit_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                args![row.id,
                action,
                now,
                &actor.sub,
                before.as_str(),
                change.state.as_str(),
                row.info.closes_at,
                change.closes_at,
                seq as i64],
            )?;
        let mut info = row.info.clone();
        info.recorded_state = change.state;
        info.opens_at = change.opens_at;
        info.closes_at = change.closes_at;
        Ok(info)
    }

    /// Stores a new revision of a delegation's submission: `body` exactly as received, and its
    /// `items` as resolved against the round's base version (the store keeps beside the body
    /// only what resolving added, see `codec`). The round must be open at `now`.
    ///
    /// `expected_revision` is the optimistic-concurrency guard (the server's `If-Match`):
    /// `Some(n)` requires the latest stored revision to be `n` (`Some(0)`: none yet), else
    /// Conflict; `None` writes unconditionally. The receipt is SHA-256 of `body`.
    #[allow(clippy::too_many_arguments)] // reason: mirrors the request one to one; a struct would only rename them
    pub fn put_submission(
        &self,
        process: &str,
        round: u32,
        delegation: &str,
        body: &[u8],
        items: &[Item],
        expected_revision: Option<u32>,
        actor: &Actor,
        now: i64,
    ) -> Result<StoredRevision, StoreError> {
        self.put_submission_checked(
            process,
            round,
            delegation,
            body,
            items,
            &[],
            |Latest { revision: current, .. }| match expected_revision {
                Some(expected) if expected != current => Err(StoreError::conflict(format!(
                    "the submission of {delegation} in round {round} is at revision {current}, not {expected}"
                ))),
                _ => Ok(()),
            },
            actor,
            now,
        )
    }

    /// [`Writer::put_submission`] with the caller's own check of the latest stored revision
    /// (`check(latest)`: revision 0 for none; its error is returned as is), read in the same statement
    /// as the round and the delegation: on PostgreSQL each statement is a round trip on the one
    /// connection every write takes, so reading the revision apart cost the rush a third.
    /// `flags[i]` says how item i was found in a Word file (empty for a JSON submission); they
    /// are kept with the resolution and read back in [`SubmissionRevision::flags`].
    #[allow(clippy::too_many_arguments)] // reason: put_submission's, and the check
    pub fn put_submission_checked<E: From<StoreError>>(
        &self,
        process: &str,
        round: u32,
        delegation: &str,
        body: &[u8],
        items: &[Item],
        flags: &[Vec<ItemFlag>],
        check: impl FnOnce(Latest) -> Result<(), E>,
        actor: &Actor,
        now: i64,
    ) -> Result<StoredRevision, E> {
        let target = self.write_target(process, round, delegation)?;
        let row = &target.round;
        let state = row.info.state_at(now);
        if state != RoundState::Open {
            return Err(wrong_state(&row.info, state, "open").into());
        }
        let (delegation_id, current) = target.delegation.ok_or_else(|| {
            StoreError::not_found(format!("delegation {delegation} of process {process}"))
        })?;
        check(Latest {
            revision: current,
            text_has_state: target.text_has_state,
        })?;
        Ok(self.store_revision(
            process,
            round,
            delegation,
            body,
            items,
            flags,
            (row.id, delegation_id, current),
            actor,
            now,
        )?)
    }

    /// [`Reader::submission_target`] for a write. On PostgreSQL the writer connection keeps the
    /// targets it read or wrote while the audit head stays its own (see `pg::TargetCache`), so a
    /// submission's statements can all be held back: none waits for an answer.
    fn write_target(
        &self,
        process: &str,
        round: u32,
        delegation: &str,
    ) -> Result<SubmissionTarget, StoreError> {
        let Conn::Postgres(pg) = self.conn() else {
            return self.submission_target(process, round, delegation);
        };
        // At a batch's first submission, the head is read with what moved since the cache's.
        let head = match (self.conn().cached_audit_head(), pg.targets_valid_at()) {
            (None, Some(since)) => audit::catch_up(self.conn(), pg, since)?,
            _ => audit::head(self.conn())?,
        };
        let key = (process.to_owned(), round, delegation.to_owned());
        if let Some(target) = pg.cached_target(&key, head) {
            return Ok(target);
        }
        let mut wanted = None;
        for (code, target) in self.round_targets(process, round)? {
            if code == delegation {
                wanted = Some(target.clone());
            }
            pg.remember_target((process.to_owned(), round, code), target, head);
        }
        if let Some(target) = wanted {
            return Ok(target);
        }
        // Not a delegation of the process (or no such round): said by the one-target read.
        self.submission_target(process, round, delegation)
    }

    /// Writes revision `current + 1` and its audit entry: the round open and the check passed.
    #[allow(clippy::too_many_arguments)] // reason: put_submission's, resolved to ids
    fn store_revision(
        &self,
        process: &str,
        round: u32,
        delegation: &str,
        body: &[u8],
        items: &[Item],
        flags: &[Vec<ItemFlag>],
        (round_id, delegation_id, current): (i64, i64, u32),
        actor: &Actor,
        now: i64,
    ) -> Result<StoredRevision, StoreError> {
        let revision = current + 1;
        let receipt = sha256(body);
        let resolution = codec::encode_flagged_items(items, flags);
        let before = self.conn().cached_audit_head();
        let head = audit::append_head(
            self.conn(),
            NewEntry {
                at: now,
                actor,
                action: "submission.put",
                process: Some(process),
                subject: audit::revision_subject(process, round, delegation, revision),
                payload_hash: receipt,
                detail: json!({ "revision": revision, "bytes": body.len() }),
                record: Some(
                    SubmissionRecord {
                        process,
                        round: i64::from(round),
                        delegation,
                        revision: i64::from(revision),
                        body,
                        resolution: &resolution,
                        receipt: &receipt.0,
                        submitted_at: now,
                        submitted_by: &actor.sub,
                    }
                    .hash(),
                ),
            },
        )?;
        let seq = head.seq;
        if let Conn::Postgres(pg) = self.conn() {
            let key = (process.to_owned(), round, delegation.to_owned());
            pg.advance_target(&key, before, revision, (seq as i64, head.hash.0));
        }
        // Nothing waits for its answer either: on PostgreSQL it goes out with the next
        // statement of the batch (the next request's first, or the RELEASE before COMMIT), so a
        // submission costs one round trip; a failure is still this request's (see
        // `runtime::undo_from`).
        self.conn().execute_ahead(
            "INSERT INTO submission_revisions (round_id, delegation_id, revision, items, hunks,
                                                   receipt, submitted_at, submitted_by, audit_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            args![
                round_id,
                delegation_id,
                revision,
                body,
                &resolution,
                &receipt.0[..],
                now,
                &actor.sub,
                seq as i64
            ],
        )?;
        Ok(StoredRevision {
            revision,
            receipt,
            submitted_at: now,
        })
    }

    /// Records a submission refused because its round no longer takes any (closed or
    /// consolidated at `now`): who tried, when, and the hash of what they sent, in the audit
    /// log, so that the chairmanship can see every late attempt. Nothing else is written; a
    /// round that is not past its submissions yet is left alone (`Ok(false)`).
    pub fn record_late_submission(
        &self,
        process: &str,
        round: u32,
        delegation: &str,
        body: &[u8],
        actor: &Actor,
        now: i64,
    ) -> Result<bool, StoreError> {
        let row = self.submission_target(process, round, delegation)?.round;
        if !matches!(
            row.info.state_at(now),
            RoundState::Closed | RoundState::Consolidated
        ) {
            return Ok(false);
        }
        audit::append(
            self.conn(),
            NewEntry {
                at: now,
                actor,
                action: "submission.late",
                process: Some(process),
                subject: format!("processes/{process}/rounds/{round}/submissions/{delegation}"),
                payload_hash: sha256(body),
                detail: json!({ "bytes": body.len(), "refused": "the round takes no more submissions" }),
                // No row: the refusal is the entry itself.
                record: None,
            },
        )?;
        Ok(true)
    }

    /// Records a ruling on one change of a closed round. A new ruling on the same change is a
    /// new record; the latest wins.
    pub fn record_decision(
        &self,
        process: &str,
        round: u32,
        decision: &Decision,
        actor: &Actor,
        now: i64,
    ) -> Result<DecisionRecord, StoreError> {
        if decision.change.is_empty() {
            return Err(StoreError::invalid("a decision needs a change id"));
        }
        let (_, row) = self.process_round(process, round)?;
        let state = row.info.state_at(now);
        if state != RoundState::Closed {
            return Err(wrong_state(&row.info, state, "closed"));
        }
        let text =
            serde_json::to_string(decision).map_err(|e| StoreError::internal(e.to_string()))?;
        let seq = audit::append(
            self.conn(),
            NewEntry {
                at: now,
                actor,
                action: "decision.put",
                process: Some(process),
                subject: format!(
                    "processes/{process}/rounds/{round}/decisions/{}",
                    decision.change
                ),
                payload_hash: sha256(text.as_bytes()),
                detail: json!({}),
                record: Some(
                    DecisionFacts {
                        process,
                        round: i64::from(round),
                        change: &decision.change,
                        decision: &text,
                        decided_by: &actor.sub,
                        decided_at: now,
                    }
                    .hash(),
                ),
            },
        )?;
        let id = self.conn().query_one(
            "INSERT INTO decisions (round_id, change, decision, decided_by, decided_at, audit_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
            args![row.id, &decision.change, &text, &actor.sub, now, seq as i64],
            |row| row.int(0),
        )?;
        Ok(DecisionRecord {
            decision: decision.clone(),
            decided_by: actor.sub.clone(),
            decided_at: now,
            sequence: id.max(0) as u64,
        })
    }

    /// Keeps a response under an idempotency key, in the same transaction as the write it
    /// answers. The same key with the same request hash again is a no-op; with another request
    /// hash it is a Conflict (a key reused for a different request).
    pub fn store_response(
        &self,
        scope: &str,
        key: &str,
        request_hash: ContentHash,
        status: u16,
        body: &[u8],
        now: i64,
    ) -> Result<(), StoreError> {
        if let Some(existing) = self.stored_response(scope, key)? {
            if existing.request_hash == request_hash {
                return Ok(());
            }
            return Err(StoreError::conflict(format!(
                "the idempotency key {key} was already used for a different request"
            )));
        }
        self.conn().execute(
            "INSERT INTO idempotency_keys (scope, key, request_hash, status, response, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            args![scope, key, &request_hash.0[..], status, body, now],
        )?;
        Ok(())
    }

    // ---- the web front's sign-in ----------------------------------------------------------

    /// Marks the sign-in link `link_id` used; `false` if it already was (by this server or
    /// another on the same database). Links that expired before `now` are forgotten first: a
    /// link is refused for its expiry before it is ever looked up here.
    pub fn use_sign_in_link(
        &self,
        link_id: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        self.conn().execute(
            "DELETE FROM web_sign_in_links WHERE expires_at < ?1",
            args![now],
        )?;
        let inserted = self.conn().execute(
            "INSERT INTO web_sign_in_links (link_id, used_at, expires_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (link_id) DO NOTHING",
            args![link_id, now, expires_at],
        )?;
        Ok(inserted == 1)
    }

    /// Stores a new web session under the hash of its cookie; expired sessions are deleted.
    pub fn open_web_session(
        &self,
        id_hash: &[u8],
        session: &WebSession,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute("DELETE FROM web_sessions WHERE expires_at < ?1", args![now])?;
        self.conn().execute(
            "INSERT INTO web_sessions (id_hash, subject, role, delegation, csrf, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            args![
                id_hash,
                session.subject.as_str(),
                session.role.as_str(),
                session.delegation.as_deref(),
                session.csrf.as_str(),
                session.created_at,
                session.expires_at
            ],
        )?;
        Ok(())
    }

    /// Ends the web session whose cookie hashes to `id_hash` (signing out).
    pub fn close_web_session(&self, id_hash: &[u8]) -> Result<(), StoreError> {
        self.conn().execute(
            "DELETE FROM web_sessions WHERE id_hash = ?1",
            args![id_hash],
        )?;
        Ok(())
    }
}

/// A version row to insert.
struct VersionRow<'a> {
    number: u32,
    parent: Option<u32>,
    label: &'a str,
    tree: &'a Document,
    /// (round id, round number)
    round: Option<(i64, u32)>,
    provenance: Option<&'a [u8]>,
    changes: Option<&'a [u8]>,
}

/// A change to a round's state or clock.
struct RoundMove {
    action: &'static str,
    state: RoundState,
    opens_at: i64,
    closes_at: i64,
    extra: serde_json::Value,
}
