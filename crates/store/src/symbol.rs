//! A document's symbol (`8056/24`, the Council note's number) in the store: each setting a row
//! that is never changed (append-only triggers) written with its audit entry; the latest row is
//! the symbol in force. Renderers print it in a Word file's footer.

use crate::audit::{self, NewEntry, SymbolRecord, symbol_subject};
use crate::db::args;
use crate::reader::Reader;
use crate::{Actor, StoreError, Writer};
use serde_json::json;

impl Reader<'_> {
    /// The symbol in force of a document, if one was ever set. A database older than symbols
    /// (read without migrating) has none.
    pub fn document_symbol(
        &self,
        process: &str,
        document: &str,
    ) -> Result<Option<String>, StoreError> {
        if (crate::schema::version(self.conn)? as usize) < crate::schema::SYMBOL_MIGRATION {
            return Ok(None);
        }
        let process_id = self.process_id(process)?;
        let document_id = self.document_id(process_id, process, document)?;
        self.conn.query_opt(
            "SELECT symbol FROM document_symbols WHERE document_id = ?1 ORDER BY id DESC LIMIT 1",
            args![document_id],
            |row| row.text(0),
        )
    }
}

impl Writer<'_> {
    /// Records `symbol` as the document's symbol from `now` on (the caller has checked who may).
    pub fn set_document_symbol(
        &self,
        process: &str,
        document: &str,
        symbol: &str,
        actor: &Actor,
        now: i64,
    ) -> Result<(), StoreError> {
        let conn = self.reader.conn;
        let process_id = self.process_id(process)?;
        let document_id = self.document_id(process_id, process, document)?;
        let record = SymbolRecord {
            process,
            document,
            symbol,
            set_by: &actor.sub,
            set_at: now,
        }
        .hash();
        let seq = audit::append(
            conn,
            NewEntry {
                at: now,
                actor,
                action: "document.symbol",
                process: Some(process),
                subject: symbol_subject(process, document),
                payload_hash: record,
                detail: json!({ "symbol": symbol }),
                record: Some(record),
            },
        )?;
        conn.execute(
            "INSERT INTO document_symbols (document_id, symbol, set_by, set_at, audit_seq)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            args![document_id, symbol, &actor.sub, now, seq as i64],
        )?;
        Ok(())
    }
}
