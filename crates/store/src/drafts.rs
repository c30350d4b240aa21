//! Drafts: the proposals a delegation keeps in a round before submitting them, one row per
//! round and delegation, as an opaque body the application layer encodes and reads.
//!
//! Not history and not in the audit chain: a draft is no act of the negotiation. It is
//! replaced as the delegation keeps and removes items, and deleted when it is submitted (in
//! the transaction that records the submission, which is audited as any other).

use crate::db::args;
use crate::reader::Reader;
use crate::{Actor, StoreError, Writer};

/// A delegation's draft as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredDraft {
    /// The draft's items, encoded by the application layer.
    pub items: Vec<u8>,
    /// Grows with every change of the draft (from the time it was created, in ms, so that a
    /// draft made again after one was deleted does not take up its numbers): what a writer names
    /// to change only the draft it saw.
    pub change: i64,
    pub updated_at: i64,
    /// The token subject of the person who changed it last.
    pub updated_by: String,
}

impl Reader<'_> {
    /// Delegation `delegation`'s draft in a round, if it keeps one. A database older than
    /// drafts (read without migrating) has none.
    pub fn draft(
        &self,
        process: &str,
        round: u32,
        delegation: &str,
    ) -> Result<Option<StoredDraft>, StoreError> {
        if (crate::schema::version(self.conn)? as usize) < crate::schema::DRAFTS_MIGRATION {
            return Ok(None);
        }
        let (process_id, round_row) = self.process_round(process, round)?;
        let delegation_id = self.delegation_id(process_id, process, delegation)?;
        self.conn.query_opt(
            "SELECT items, change_seq, updated_at, updated_by FROM drafts
             WHERE round_id = ?1 AND delegation_id = ?2",
            args![round_row.id, delegation_id],
            |row| {
                Ok(StoredDraft {
                    items: row.bytes(0)?,
                    change: row.int(1)?,
                    updated_at: row.int(2)?,
                    updated_by: row.text(3)?,
                })
            },
        )
    }
}

impl Writer<'_> {
    /// Replaces delegation `delegation`'s draft in a round with `items` (the caller has
    /// checked who may).
    pub fn put_draft(
        &self,
        process: &str,
        round: u32,
        delegation: &str,
        items: &[u8],
        actor: &Actor,
        now: i64,
    ) -> Result<StoredDraft, StoreError> {
        let (process_id, round_row) = self.process_round(process, round)?;
        let delegation_id = self.delegation_id(process_id, process, delegation)?;
        let change = self.reader.conn.query_one(
            "INSERT INTO drafts (round_id, delegation_id, items, change_seq, updated_at, updated_by)
             VALUES (?1, ?2, ?3, ?4, ?4, ?5)
             ON CONFLICT (round_id, delegation_id)
             DO UPDATE SET items = excluded.items, change_seq = drafts.change_seq + 1,
                           updated_at = excluded.updated_at, updated_by = excluded.updated_by
             RETURNING change_seq",
            args![round_row.id, delegation_id, items, now, &actor.sub],
            |row| row.int(0),
        )?;
        Ok(StoredDraft {
            items: items.to_vec(),
            change,
            updated_at: now,
            updated_by: actor.sub.clone(),
        })
    }

    /// Deletes delegation `delegation`'s draft in a round; `false` if it kept none.
    pub fn delete_draft(
        &self,
        process: &str,
        round: u32,
        delegation: &str,
    ) -> Result<bool, StoreError> {
        let (process_id, round_row) = self.process_round(process, round)?;
        let delegation_id = self.delegation_id(process_id, process, delegation)?;
        let deleted = self.reader.conn.execute(
            "DELETE FROM drafts WHERE round_id = ?1 AND delegation_id = ?2",
            args![round_row.id, delegation_id],
        )?;
        Ok(deleted > 0)
    }
}
