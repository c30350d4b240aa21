//! Read marks: for each person (a token's subject) and document, the version they last marked
//! as read, so that a redline "since I last read" runs from it to the latest version.
//!
//! Not history and not in the audit chain: a read mark records neither a decision nor an act
//! of a delegation, only where one reader stands, and it moves forward (or back) as they
//! read; one row per person and document, replaced on each mark.

use crate::db::args;
use crate::reader::Reader;
use crate::{StoreError, Writer};

/// The version a person last marked as read in a document, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadMark {
    pub version: u32,
    pub marked_at: i64,
}

impl Reader<'_> {
    /// The read mark of `subject` in a document, if they ever set one.
    pub fn read_mark(
        &self,
        process: &str,
        document: &str,
        subject: &str,
    ) -> Result<Option<ReadMark>, StoreError> {
        let process_id = self.process_id(process)?;
        let document_id = self.document_id(process_id, process, document)?;
        self.conn.query_opt(
            "SELECT version, marked_at FROM read_marks WHERE document_id = ?1 AND subject = ?2",
            args![document_id, subject],
            |row| {
                Ok(ReadMark {
                    version: row.u32(0)?,
                    marked_at: row.int(1)?,
                })
            },
        )
    }
}

impl Writer<'_> {
    /// Sets the read mark of `subject` in a document to `version` (which must exist),
    /// replacing the one before.
    pub fn set_read_mark(
        &self,
        process: &str,
        document: &str,
        subject: &str,
        version: u32,
        now: i64,
    ) -> Result<ReadMark, StoreError> {
        let process_id = self.process_id(process)?;
        let document_id = self.document_id(process_id, process, document)?;
        // A missing version is NotFound, named, rather than a foreign key's refusal.
        self.version_info(process, document, version)?;
        self.reader.conn.execute(
            "INSERT INTO read_marks (document_id, subject, version, marked_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (document_id, subject)
             DO UPDATE SET version = excluded.version, marked_at = excluded.marked_at",
            args![document_id, subject, version, now],
        )?;
        Ok(ReadMark {
            version,
            marked_at: now,
        })
    }
}
