//! Coalitions' acts (issue 16, item 4) in the store: a group member's agreement to the
//! group's common text, its dissociation from one of the group's items, a delegation's
//! co-sponsoring of another's item. Each is a row that is never changed (append-only
//! triggers), written with its audit entry (`coalition.agree`, `coalition.dissociate`,
//! `coalition.cosponsor`); what they add up to is derived by `penholder_core::coalition`.
//!
//! The store checks what it alone can see (the round and both delegations exist); who may act
//! for whom, and on which item, is the application layer's to decide.

use crate::audit::{self, CoalitionActRecord, NewEntry, coalition_act_subject};
use crate::db::args;
use crate::reader::{Reader, enum_parse};
use crate::{Actor, StoreError, Writer};
use penholder_core::coalition::{ActKind, CoalitionAct};
use serde_json::json;

/// An act to record: who acts on which delegation's submission, at which revision and item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCoalitionAct<'a> {
    pub kind: ActKind,
    pub delegation: &'a str,
    pub proposer: &'a str,
    pub revision: u32,
    /// 1-based; `None` for an agreement.
    pub item: Option<u32>,
    pub fingerprint: &'a str,
    pub note: &'a str,
}

/// The audit action that records an act of `kind`.
pub(crate) fn action_of(kind: ActKind) -> &'static str {
    match kind {
        ActKind::Agree => "coalition.agree",
        ActKind::Dissociate => "coalition.dissociate",
        ActKind::Cosponsor => "coalition.cosponsor",
    }
}

impl Reader<'_> {
    /// Whether the database holds the coalitions' table. An older SQLite file read without
    /// migrating it (`penholder export`, `penholder audit verify` open files read-only) may
    /// not; asking costs SQLite a pragma, not a round trip. A PostgreSQL database is read by
    /// servers that migrate it when they start, so it is not asked on every read there.
    fn has_coalition_acts(&self) -> Result<bool, StoreError> {
        Ok(match self.conn {
            crate::db::Conn::Sqlite(_) => {
                crate::schema::version(self.conn)? as usize >= crate::schema::COALITION_MIGRATION
            }
            crate::db::Conn::Postgres(_) => true,
        })
    }

    /// Every act recorded in a round, oldest first.
    pub fn coalition_acts(
        &self,
        process: &str,
        round: u32,
    ) -> Result<Vec<CoalitionAct>, StoreError> {
        let (_, round_row) = self.process_round(process, round)?;
        if !self.has_coalition_acts()? {
            return Ok(Vec::new());
        }
        self.conn.query_all(
            "SELECT x.id, x.kind, d.code, g.code, x.revision, x.item, x.fingerprint, x.note,
                    x.acted_by, x.acted_at
             FROM coalition_acts x
             JOIN delegations d ON d.id = x.delegation_id
             JOIN delegations g ON g.id = x.proposer_id
             WHERE x.round_id = ?1 ORDER BY x.id",
            args![round_row.id],
            |row| {
                Ok(CoalitionAct {
                    sequence: row.int(0)?.max(0) as u64,
                    kind: enum_parse(&row.text(1)?, "coalition act")?,
                    delegation: row.text(2)?,
                    proposer: row.text(3)?,
                    revision: row.u32(4)?,
                    item: row.opt_u32(5)?,
                    fingerprint: row.text(6)?,
                    note: row.text(7)?,
                    by: row.text(8)?,
                    at: row.int(9)?,
                })
            },
        )
    }

    /// A generation number for everything a round's compilation is a function of: its
    /// submission revisions plus its coalitions' acts. Both are append-only, so it grows with
    /// every write that changes the compilation, the same on every server of one database.
    pub fn compilation_inputs_count(&self, process: &str, round: u32) -> Result<u64, StoreError> {
        let (process_id, round_row) = self.process_round(process, round)?;
        // One query for both counts: this runs on every read of a compilation, and every
        // second while a round is watched. A delegation's revisions are numbered 1, 2, 3… in
        // a round, so their count is the sum of each delegation's latest: one index lookup
        // per delegation, where counting them read every revision of the round (a rush
        // stores tens of thousands).
        let count = self.conn.query_one(
            "SELECT CAST(COALESCE((SELECT SUM((SELECT MAX(s.revision) FROM submission_revisions s
                                              WHERE s.round_id = ?1 AND s.delegation_id = d.id))
                                   FROM delegations d WHERE d.process_id = ?2), 0)
                         + (SELECT COUNT(*) FROM coalition_acts WHERE round_id = ?1) AS BIGINT)",
            args![round_row.id, process_id],
            |r| r.int(0),
        )?;
        Ok(count.max(0) as u64)
    }
}

impl Writer<'_> {
    /// Records a coalition act in round `round` (the caller has checked who may act and that
    /// the item exists in the proposer's revision).
    pub fn record_coalition_act(
        &self,
        process: &str,
        round: u32,
        act: &NewCoalitionAct<'_>,
        actor: &Actor,
        now: i64,
    ) -> Result<CoalitionAct, StoreError> {
        let conn = self.reader.conn;
        let (process_id, round_row) = self.process_round(process, round)?;
        let delegation_id = self.delegation_id(process_id, process, act.delegation)?;
        let proposer_id = self.delegation_id(process_id, process, act.proposer)?;
        let kind = act.kind.as_str();
        let item = act.item.map(i64::from);
        let record = CoalitionActRecord {
            process,
            round: i64::from(round),
            kind,
            delegation: act.delegation,
            proposer: act.proposer,
            revision: i64::from(act.revision),
            item,
            fingerprint: act.fingerprint,
            note: act.note,
            acted_by: &actor.sub,
            acted_at: now,
        }
        .hash();
        let action = action_of(act.kind);
        let seq = audit::append(
            conn,
            NewEntry {
                at: now,
                actor,
                action,
                process: Some(process),
                subject: coalition_act_subject(
                    process,
                    i64::from(round),
                    act.proposer,
                    item,
                    kind,
                    act.delegation,
                ),
                payload_hash: record,
                detail: json!({ "revision": act.revision }),
                record: Some(record),
            },
        )?;
        let id = conn.query_one(
            "INSERT INTO coalition_acts
                 (round_id, kind, delegation_id, proposer_id, revision, item, fingerprint, note,
                  acted_by, acted_at, audit_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
            args![
                round_row.id,
                kind,
                delegation_id,
                proposer_id,
                act.revision,
                item,
                act.fingerprint,
                act.note,
                &actor.sub,
                now,
                seq as i64
            ],
            |row| row.int(0),
        )?;
        Ok(CoalitionAct {
            sequence: id.max(0) as u64,
            kind: act.kind,
            delegation: act.delegation.to_string(),
            proposer: act.proposer.to_string(),
            revision: act.revision,
            item: act.item,
            fingerprint: act.fingerprint.to_string(),
            note: act.note.to_string(),
            by: actor.sub.clone(),
            at: now,
        })
    }
}
