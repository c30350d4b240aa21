//! The state of a document's text (issue 16) in the store: paragraph status changes,
//! reservations and their withdrawals, the adoption of the whole text. Each is a row that is
//! never changed (append-only triggers) written with its audit entry; the current state is
//! derived from them by `penholder_core::state::TextState`.
//!
//! The store checks what it alone can see (the document, the delegation, a reservation's
//! number and whether it was withdrawn, a second adoption); which node may carry a status or a
//! reservation is the application layer's to decide, against the tree.

use crate::audit::{
    self, AdoptionRecord, NewEntry, ReservationRecord, StatusRecord, WithdrawalRecord,
    adoption_subject, reservation_subject, status_subject, withdrawal_subject,
};
use crate::db::{Conn, Row, args};
use crate::reader::{Reader, enum_parse, enum_text};
use crate::{Actor, StoreError, Writer};
use penholder_core::NodeId;
use penholder_core::state::{
    Adoption, ParagraphStatus, Reservation, ReservationKind, StatusChange, TextState, Withdrawal,
};
use serde_json::json;

fn node_of(text: &str) -> Result<NodeId, StoreError> {
    text.parse()
        .map_err(|_| StoreError::corrupt(format!("malformed node id {text:?}")))
}

const SELECT_RESERVATION: &str = "SELECT x.number, x.node, g.code, x.kind, x.text, x.version,
        x.entered_by, x.entered_at, w.note, w.withdrawn_by, w.withdrawn_at
     FROM reservations x
     JOIN delegations g ON g.id = x.delegation_id
     LEFT JOIN reservation_withdrawals w ON w.reservation_id = x.id";

fn reservation(row: &Row<'_>) -> Result<Reservation, StoreError> {
    let withdrawn = match row.opt_text(8)? {
        Some(note) => Some(Withdrawal {
            note,
            withdrawn_by: row.text(9)?,
            withdrawn_at: row.int(10)?,
        }),
        None => None,
    };
    Ok(Reservation {
        number: row.u32(0)?,
        node: node_of(&row.text(1)?)?,
        delegation: row.text(2)?,
        kind: enum_parse(&row.text(3)?, "reservation kind")?,
        text: row.text(4)?,
        version: row.u32(5)?,
        entered_by: row.text(6)?,
        entered_at: row.int(7)?,
        withdrawn,
    })
}

impl Reader<'_> {
    /// Every status change, reservation and the adoption of a document.
    pub fn text_state(&self, process: &str, document: &str) -> Result<TextState, StoreError> {
        let process_id = self.process_id(process)?;
        let document_id = self.document_id(process_id, process, document)?;
        // A database older than the state of the text, read without migrating (`penholder
        // export`), has none.
        if (crate::schema::version(self.conn)? as usize) < crate::schema::STATE_MIGRATION {
            return Ok(TextState::default());
        }
        let changes = self.conn.query_all(
            "SELECT id, node, status, note, version, set_by, set_at FROM paragraph_statuses
             WHERE document_id = ?1 ORDER BY id",
            args![document_id],
            |row| {
                Ok(StatusChange {
                    sequence: row.int(0)?.max(0) as u64,
                    node: node_of(&row.text(1)?)?,
                    status: enum_parse(&row.text(2)?, "paragraph status")?,
                    note: row.text(3)?,
                    version: row.u32(4)?,
                    set_by: row.text(5)?,
                    set_at: row.int(6)?,
                })
            },
        )?;
        let reservations = self.conn.query_all(
            &format!("{SELECT_RESERVATION} WHERE x.document_id = ?1 ORDER BY x.number"),
            args![document_id],
            reservation,
        )?;
        let adoption = self.adoption_of(document_id)?;
        Ok(TextState {
            changes,
            reservations,
            adoption,
        })
    }

    /// Whether the document round `round` is about has any status change or adoption at all:
    /// one query, so that a submission's amendments are checked against the state of the text
    /// only when there is one to check against (the common case of a text being negotiated
    /// costs a submission one round trip, no more).
    pub fn round_text_has_state(&self, process: &str, round: u32) -> Result<bool, StoreError> {
        let found = self.conn.query_opt(
            "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM paragraph_statuses s
                                           WHERE s.document_id = r.document_id LIMIT 1) x)
                  + (SELECT COUNT(*) FROM adoptions a WHERE a.document_id = r.document_id)
             FROM rounds r JOIN processes p ON p.id = r.process_id
             WHERE p.slug = ?1 AND r.number = ?2",
            args![process, round],
            |row| row.int(0),
        )?;
        match found {
            Some(count) => Ok(count > 0),
            None => Err(StoreError::not_found(format!(
                "round {round} of process {process}"
            ))),
        }
    }

    /// A document's reservation by number (NotFound if it has none of that number).
    pub fn reservation(
        &self,
        process: &str,
        document: &str,
        number: u32,
    ) -> Result<Reservation, StoreError> {
        let process_id = self.process_id(process)?;
        let document_id = self.document_id(process_id, process, document)?;
        self.conn
            .query_opt(
                &format!("{SELECT_RESERVATION} WHERE x.document_id = ?1 AND x.number = ?2"),
                args![document_id, number],
                reservation,
            )?
            .ok_or_else(|| {
                StoreError::not_found(format!("reservation {number} on document {document}"))
            })
    }

    fn adoption_of(&self, document_id: i64) -> Result<Option<Adoption>, StoreError> {
        self.conn.query_opt(
            "SELECT version, note, adopted_by, adopted_at FROM adoptions WHERE document_id = ?1",
            args![document_id],
            |row| {
                Ok(Adoption {
                    version: row.u32(0)?,
                    note: row.text(1)?,
                    adopted_by: row.text(2)?,
                    adopted_at: row.int(3)?,
                })
            },
        )
    }

    /// The document's id and latest version, refused (Conflict) once the text was adopted: an
    /// adopted text's state no longer moves.
    fn unadopted_document(&self, process: &str, document: &str) -> Result<(i64, u32), StoreError> {
        let process_id = self.process_id(process)?;
        let document_id = self.document_id(process_id, process, document)?;
        if let Some(adoption) = self.adoption_of(document_id)? {
            return Err(StoreError::conflict(format!(
                "document {document} was adopted at version {}; its state no longer changes",
                adoption.version
            )));
        }
        Ok((document_id, self.latest_number(document_id)?))
    }
}

impl Writer<'_> {
    fn state_conn(&self) -> Conn<'_> {
        self.reader.conn
    }

    /// Records the chair's status change of one node of a document (the caller has checked
    /// that the node is in its latest version). `Adopted` is refused: the whole text is
    /// adopted by [`Writer::adopt_document`].
    #[allow(clippy::too_many_arguments)] // reason: one fact per argument, as recorded
    pub fn set_paragraph_status(
        &self,
        process: &str,
        document: &str,
        node: NodeId,
        status: ParagraphStatus,
        note: &str,
        actor: &Actor,
        now: i64,
    ) -> Result<StatusChange, StoreError> {
        if status == ParagraphStatus::Adopted {
            return Err(StoreError::invalid(
                "a paragraph is adopted with the whole text (POST …/adopt), not on its own",
            ));
        }
        let (document_id, version) = self.unadopted_document(process, document)?;
        let node_text = node.to_string();
        let status_text = enum_text(&status)?;
        let record = StatusRecord {
            process,
            document,
            node: &node_text,
            status: &status_text,
            note,
            version: i64::from(version),
            set_by: &actor.sub,
            set_at: now,
        }
        .hash();
        let seq = audit::append(
            self.state_conn(),
            NewEntry {
                at: now,
                actor,
                action: "status.set",
                process: Some(process),
                subject: status_subject(process, document, &node_text),
                payload_hash: record,
                detail: json!({ "status": status_text, "version": version }),
                record: Some(record),
            },
        )?;
        let id = self.state_conn().query_one(
            "INSERT INTO paragraph_statuses
                 (document_id, node, status, note, version, set_by, set_at, audit_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
            args![
                document_id,
                &node_text,
                &status_text,
                note,
                version,
                &actor.sub,
                now,
                seq as i64
            ],
            |row| row.int(0),
        )?;
        Ok(StatusChange {
            node,
            status,
            note: note.to_string(),
            version,
            set_by: actor.sub.clone(),
            set_at: now,
            sequence: id.max(0) as u64,
        })
    }

    /// Records a delegation's reservation on a node of a document (the caller has checked the
    /// node), numbered after the document's last one.
    #[allow(clippy::too_many_arguments)] // reason: one fact per argument, as recorded
    pub fn enter_reservation(
        &self,
        process: &str,
        document: &str,
        node: NodeId,
        delegation: &str,
        kind: ReservationKind,
        text: &str,
        actor: &Actor,
        now: i64,
    ) -> Result<Reservation, StoreError> {
        let (document_id, version) = self.unadopted_document(process, document)?;
        let process_id = self.process_id(process)?;
        let delegation_id = self.delegation_id(process_id, process, delegation)?;
        let number = self.state_conn().query_one(
            "SELECT COALESCE(MAX(number), 0) + 1 FROM reservations WHERE document_id = ?1",
            args![document_id],
            |row| row.int(0),
        )?;
        let node_text = node.to_string();
        let kind_text = enum_text(&kind)?;
        let record = ReservationRecord {
            process,
            document,
            number,
            node: &node_text,
            delegation,
            kind: &kind_text,
            text,
            version: i64::from(version),
            entered_by: &actor.sub,
            entered_at: now,
        }
        .hash();
        let seq = audit::append(
            self.state_conn(),
            NewEntry {
                at: now,
                actor,
                action: "reservation.enter",
                process: Some(process),
                subject: reservation_subject(process, document, number),
                payload_hash: record,
                detail: json!({ "delegation": delegation, "kind": kind_text, "node": node_text }),
                record: Some(record),
            },
        )?;
        self.state_conn().execute(
            "INSERT INTO reservations (document_id, number, node, delegation_id, kind, text,
                                       version, entered_by, entered_at, audit_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            args![
                document_id,
                number,
                &node_text,
                delegation_id,
                &kind_text,
                text,
                version,
                &actor.sub,
                now,
                seq as i64
            ],
        )?;
        Ok(Reservation {
            number: number as u32,
            node,
            delegation: delegation.to_string(),
            kind,
            text: text.to_string(),
            version,
            entered_by: actor.sub.clone(),
            entered_at: now,
            withdrawn: None,
        })
    }

    /// Records the withdrawal of a reservation (the caller has checked whose it is). A
    /// reservation is withdrawn once: a second withdrawal is a Conflict.
    pub fn withdraw_reservation(
        &self,
        process: &str,
        document: &str,
        number: u32,
        note: &str,
        actor: &Actor,
        now: i64,
    ) -> Result<Reservation, StoreError> {
        let mut reservation = self.reservation(process, document, number)?;
        if let Some(withdrawn) = &reservation.withdrawn {
            return Err(StoreError::conflict(format!(
                "reservation {number} on {document} was already withdrawn (by {})",
                withdrawn.withdrawn_by
            )));
        }
        let process_id = self.process_id(process)?;
        let document_id = self.document_id(process_id, process, document)?;
        let reservation_id = self.state_conn().query_one(
            "SELECT id FROM reservations WHERE document_id = ?1 AND number = ?2",
            args![document_id, number],
            |row| row.int(0),
        )?;
        let record = WithdrawalRecord {
            process,
            document,
            number: i64::from(number),
            note,
            withdrawn_by: &actor.sub,
            withdrawn_at: now,
        }
        .hash();
        let seq = audit::append(
            self.state_conn(),
            NewEntry {
                at: now,
                actor,
                action: "reservation.withdraw",
                process: Some(process),
                subject: withdrawal_subject(process, document, i64::from(number)),
                payload_hash: record,
                detail: json!({ "delegation": reservation.delegation }),
                record: Some(record),
            },
        )?;
        self.state_conn().execute(
            "INSERT INTO reservation_withdrawals
                 (reservation_id, note, withdrawn_by, withdrawn_at, audit_seq)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            args![reservation_id, note, &actor.sub, now, seq as i64],
        )?;
        reservation.withdrawn = Some(Withdrawal {
            note: note.to_string(),
            withdrawn_by: actor.sub.clone(),
            withdrawn_at: now,
        });
        Ok(reservation)
    }

    /// Records the adoption of a document's whole text at its latest version (the caller has
    /// checked that nothing stands in the way). Once only: a second adoption is a Conflict.
    pub fn adopt_document(
        &self,
        process: &str,
        document: &str,
        version: u32,
        note: &str,
        actor: &Actor,
        now: i64,
    ) -> Result<Adoption, StoreError> {
        let (document_id, latest) = self.unadopted_document(process, document)?;
        if latest != version {
            return Err(StoreError::conflict(format!(
                "version {latest} of {document} was published meanwhile; adopt it instead of \
                 version {version}"
            )));
        }
        let record = AdoptionRecord {
            process,
            document,
            version: i64::from(version),
            note,
            adopted_by: &actor.sub,
            adopted_at: now,
        }
        .hash();
        let seq = audit::append(
            self.state_conn(),
            NewEntry {
                at: now,
                actor,
                action: "document.adopt",
                process: Some(process),
                subject: adoption_subject(process, document),
                payload_hash: record,
                detail: json!({ "version": version }),
                record: Some(record),
            },
        )?;
        self.state_conn().execute(
            "INSERT INTO adoptions (document_id, version, note, adopted_by, adopted_at, audit_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            args![document_id, version, note, &actor.sub, now, seq as i64],
        )?;
        Ok(Adoption {
            version,
            note: note.to_string(),
            adopted_by: actor.sub.clone(),
            adopted_at: now,
        })
    }
}
