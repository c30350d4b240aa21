//! The brackets a consolidation carried into a version (issue 16, item 2): kept with the
//! version they belong to, one append-only row per version that has any, written in the
//! transaction that publishes the version, with an audit entry of its own (`version.brackets`)
//! that hashes the row. A version without a row (every version published before brackets
//! existed, and every one without deferred changes) has none.

use crate::audit::{self, BracketsRecord, NewEntry, brackets_subject};
use crate::codec;
use crate::db::{Conn, args};
use crate::reader::Reader;
use crate::{Actor, StoreError};
use penholder_core::bracket::Bracket;
use serde_json::json;

/// Brackets audited, waiting for their version's row to be written.
pub(crate) struct Carried {
    version: u32,
    bytes: Vec<u8>,
    created_at: i64,
    created_by: String,
    audit_seq: u64,
}

impl Carried {
    /// Appends the audit entry of `brackets` for version `version` (none when there are no
    /// brackets); the row follows the version's with [`Carried::insert`].
    pub(crate) fn audit(
        conn: Conn<'_>,
        process: &str,
        document: &str,
        version: u32,
        brackets: &[Bracket],
        actor: &Actor,
        now: i64,
    ) -> Result<Option<Carried>, StoreError> {
        if brackets.is_empty() {
            return Ok(None);
        }
        let bytes = codec::encode_brackets(brackets);
        let record = BracketsRecord {
            process,
            document,
            version: i64::from(version),
            brackets: &bytes,
            created_at: now,
            created_by: &actor.sub,
        }
        .hash();
        let audit_seq = audit::append(
            conn,
            NewEntry {
                at: now,
                actor,
                action: "version.brackets",
                process: Some(process),
                subject: brackets_subject(process, document, i64::from(version)),
                payload_hash: record,
                detail: json!({ "version": version, "brackets": brackets.len() }),
                record: Some(record),
            },
        )?;
        Ok(Some(Carried {
            version,
            bytes,
            created_at: now,
            created_by: actor.sub.clone(),
            audit_seq,
        }))
    }

    pub(crate) fn insert(self, conn: Conn<'_>, document_id: i64) -> Result<(), StoreError> {
        conn.execute(
            "INSERT INTO version_brackets
                 (document_id, version, brackets, created_at, created_by, audit_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            args![
                document_id,
                self.version,
                &self.bytes[..],
                self.created_at,
                &self.created_by,
                self.audit_seq as i64
            ],
        )?;
        Ok(())
    }
}

impl Reader<'_> {
    /// The open brackets of version `number` of a document, in document order (none for a
    /// version published without any).
    pub fn version_brackets(
        &self,
        process: &str,
        document: &str,
        number: u32,
    ) -> Result<Vec<Bracket>, StoreError> {
        let process_id = self.process_id(process)?;
        let document_id = self.document_id(process_id, process, document)?;
        // A database older than brackets, read without migrating (`penholder export`), has
        // none.
        if (crate::schema::version(self.conn)? as usize) < crate::schema::BRACKETS_MIGRATION {
            return Ok(Vec::new());
        }
        let stored = self.conn.query_opt(
            "SELECT brackets FROM version_brackets WHERE document_id = ?1 AND version = ?2",
            args![document_id, number],
            |row| row.bytes(0),
        )?;
        match stored {
            None => Ok(Vec::new()),
            Some(bytes) => codec::decode_brackets(&bytes).map_err(|error| {
                StoreError::corrupt(format!(
                    "the brackets of version {number} of {document}: {error}"
                ))
            }),
        }
    }
}
