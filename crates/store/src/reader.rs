//! [`Reader`]: every query the server needs, over one consistent snapshot.

use crate::db::{Conn, Row, args};
use crate::model::{
    AuditEntry, AuditHead, DecisionRecord, DocumentInfo, ProcessInfo, RoundEvent, RoundInfo,
    StoredResponse, SubmissionRevision, VersionInfo, WebSession,
};
use crate::{StoreError, audit, codec};
use penholder_core::negotiation::{
    Decision, Delegation, DelegationKind, Function, Participation, RoundState,
};
use penholder_core::{AssembleError, ContentHash, Document, StoredNode, Version};
use penholder_diff::{AppliedChange, Blame};
use rayon::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::{HashMap, HashSet};

/// Read access inside [`crate::Store::read`] (a snapshot) or [`crate::Store::write`] (the
/// write's own transaction, so it sees what the same closure wrote).
pub struct Reader<'a> {
    pub(crate) conn: Conn<'a>,
}

/// What storing a submission needs to know of its target, read in one statement.
#[derive(Clone)]
pub(crate) struct SubmissionTarget {
    pub round: RoundRow,
    /// The delegation's id and its latest revision (0: none yet); `None`: the process has no
    /// such delegation.
    pub delegation: Option<(i64, u32)>,
    /// Whether any paragraph status or adoption was recorded on the round's text (else no
    /// paragraph can be closed to amendments, and nothing more need be read).
    pub text_has_state: bool,
}

/// A round's row with its internal ids, for the write paths.
#[derive(Clone)]
pub(crate) struct RoundRow {
    pub id: i64,
    pub document_id: i64,
    pub info: RoundInfo,
}

/// The text form of a unit enum of penholder-core (`state`, `group`, `co_chair`…), the same
/// as in JSON.
pub(crate) fn enum_text<T: Serialize>(value: &T) -> Result<String, StoreError> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => Ok(text),
        _ => Err(StoreError::internal(
            "a unit enum did not serialise to a string",
        )),
    }
}

pub(crate) fn enum_parse<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, StoreError> {
    // Straight from the text: no JSON value built for every column of every row.
    T::deserialize(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(text))
        .map_err(|_| StoreError::corrupt(format!("unknown {what} {text:?}")))
}

pub(crate) fn state_parse(text: &str) -> Result<RoundState, StoreError> {
    enum_parse(text, "round state")
}

fn hash_column(bytes: &[u8], what: &str) -> Result<ContentHash, StoreError> {
    audit::hash32(bytes)
        .map(ContentHash)
        .ok_or_else(|| StoreError::corrupt(format!("malformed hash in {what}")))
}

/// Rebuilds a tree from the objects table; every object is checked against its hash.
pub(crate) fn assemble_tree(conn: Conn<'_>, root: ContentHash) -> Result<Document, StoreError> {
    if conn.is_postgres() {
        let mut objects = prefetch_objects(conn, root)?;
        let assembled = penholder_core::assemble(root, &mut |hash| objects.remove(hash));
        return assembled.map_err(assemble_error);
    }
    let mut database_error = None;
    let assembled = penholder_core::assemble(root, &mut |hash| match conn.query_opt(
        "SELECT bytes FROM objects WHERE hash = ?1",
        args![&hash.0[..]],
        |row| row.bytes(0),
    ) {
        Ok(bytes) => bytes,
        Err(error) => {
            database_error.get_or_insert(error);
            None
        }
    });
    if let Some(error) = database_error {
        return Err(error);
    }
    assembled.map_err(assemble_error)
}

fn assemble_error(error: AssembleError) -> StoreError {
    match error {
        AssembleError::Missing(hash) => StoreError::corrupt(format!("object {hash} is missing")),
        AssembleError::Corrupt(hash, why) => {
            StoreError::corrupt(format!("object {hash} is not valid: {why}"))
        }
    }
}

/// The objects of a tree, one query per level of the tree rather than one per object: over a
/// network a 500-paragraph text would otherwise cost 500 round trips. (SQLite is in-process, so
/// it reads object by object.) What is fetched is only a candidate set: `assemble` checks every
/// object against its hash, and reports what is missing or corrupt, as on SQLite.
fn prefetch_objects(
    conn: Conn<'_>,
    root: ContentHash,
) -> Result<HashMap<ContentHash, Vec<u8>>, StoreError> {
    let mut objects = HashMap::new();
    let mut requested = HashSet::from([root]);
    let mut wanted = vec![root];
    while !wanted.is_empty() {
        let hashes: Vec<String> = wanted.iter().map(ContentHash::to_hex).collect();
        let hashes = serde_json::to_string(&hashes)
            .map_err(|e| StoreError::internal(format!("object hashes: {e}")))?;
        let rows = conn.query_all(
            "SELECT hash, bytes FROM objects WHERE hash IN
                 (SELECT decode(h, 'hex') FROM json_array_elements_text(CAST(?1 AS TEXT)::json) AS t (h))",
            args![&hashes],
            |row| Ok((row.bytes(0)?, row.bytes(1)?)),
        )?;
        wanted.clear();
        for (hash, bytes) in rows {
            let Some(hash) = audit::hash32(&hash).map(ContentHash) else {
                continue;
            };
            let children = match StoredNode::from_bytes(&bytes) {
                Ok(StoredNode::Node { children, .. }) => children,
                Ok(StoredNode::Document { nodes, .. }) => nodes,
                Err(_) => Vec::new(),
            };
            for child in children {
                if requested.insert(child) {
                    wanted.push(child);
                }
            }
            objects.insert(hash, bytes);
        }
    }
    Ok(objects)
}

const SELECT_ROUND: &str = "SELECT r.id, r.document_id, r.number, d.slug, r.base_version,
    r.label, r.opens_at, r.closes_at, r.state, r.created_at, r.created_by
    FROM rounds r JOIN documents d ON d.id = r.document_id";

const SELECT_VERSION: &str = "SELECT d.slug, v.number, v.label, v.parent, v.root, r.number,
    v.created_at, v.created_by, v.provenance IS NOT NULL, v.changes IS NOT NULL,
    v.audit_seq, a.entry_hash
    FROM versions v JOIN documents d ON d.id = v.document_id
    LEFT JOIN rounds r ON r.id = v.round_id
    LEFT JOIN audit a ON a.seq = v.audit_seq";

const SELECT_SUBMISSION: &str = "SELECT d.code, s.revision, s.items, s.hunks, s.receipt,
    s.submitted_at, s.submitted_by
    FROM submission_revisions s JOIN delegations d ON d.id = s.delegation_id";

pub(crate) type RawRound = (
    i64,
    i64,
    u32,
    String,
    u32,
    String,
    i64,
    i64,
    String,
    i64,
    String,
);

fn raw_round(row: &Row<'_>) -> Result<RawRound, StoreError> {
    raw_round_from(row, 0)
}

/// A round's columns from column `at` on.
pub(crate) fn raw_round_from(row: &Row<'_>, at: usize) -> Result<RawRound, StoreError> {
    Ok((
        row.int(at)?,
        row.int(at + 1)?,
        row.u32(at + 2)?,
        row.text(at + 3)?,
        row.u32(at + 4)?,
        row.text(at + 5)?,
        row.int(at + 6)?,
        row.int(at + 7)?,
        row.text(at + 8)?,
        row.int(at + 9)?,
        row.text(at + 10)?,
    ))
}

pub(crate) fn round_row(raw: RawRound) -> Result<RoundRow, StoreError> {
    let (
        id,
        document_id,
        number,
        document,
        base_version,
        label,
        opens_at,
        closes_at,
        state,
        created_at,
        created_by,
    ) = raw;
    Ok(RoundRow {
        id,
        document_id,
        info: RoundInfo {
            number,
            document,
            base_version,
            label,
            opens_at,
            closes_at,
            recorded_state: state_parse(&state)?,
            created_at,
            created_by,
        },
    })
}

type RawVersion = (
    String,
    u32,
    String,
    Option<u32>,
    Vec<u8>,
    Option<u32>,
    i64,
    String,
    bool,
    bool,
    i64,
    Option<Vec<u8>>,
);

fn raw_version(row: &Row<'_>) -> Result<RawVersion, StoreError> {
    Ok((
        row.text(0)?,
        row.u32(1)?,
        row.text(2)?,
        row.opt_u32(3)?,
        row.bytes(4)?,
        row.opt_u32(5)?,
        row.int(6)?,
        row.text(7)?,
        row.boolean(8)?,
        row.boolean(9)?,
        row.int(10)?,
        row.opt_bytes(11)?,
    ))
}

fn version_info(raw: RawVersion) -> Result<VersionInfo, StoreError> {
    let (
        document,
        number,
        label,
        parent,
        root,
        round,
        created_at,
        created_by,
        has_provenance,
        has_changes,
        audit_seq,
        entry_hash,
    ) = raw;
    let published = AuditHead {
        seq: u64::try_from(audit_seq)
            .map_err(|_| StoreError::corrupt("a version's audit seq is negative"))?,
        hash: hash_column(
            &entry_hash.ok_or_else(|| {
                StoreError::corrupt(format!(
                    "the audit entry {audit_seq} that published version {number} of {document} is missing"
                ))
            })?,
            "audit.entry_hash",
        )?,
    };
    Ok(VersionInfo {
        published,
        hash: hash_column(&root, "versions.root")?,
        document,
        number,
        label,
        parent,
        round,
        created_at,
        created_by,
        has_provenance,
        has_changes,
    })
}

type RawSubmission = (String, u32, Vec<u8>, Vec<u8>, Vec<u8>, i64, String);

fn raw_submission(row: &Row<'_>) -> Result<RawSubmission, StoreError> {
    Ok((
        row.text(0)?,
        row.u32(1)?,
        row.bytes(2)?,
        row.bytes(3)?,
        row.bytes(4)?,
        row.int(5)?,
        row.text(6)?,
    ))
}

fn submission_revision(raw: RawSubmission) -> Result<SubmissionRevision, StoreError> {
    let (delegation, revision, body, resolution, receipt, submitted_at, submitted_by) = raw;
    let items = codec::decode_items(&body, &resolution).map_err(|e| {
        StoreError::corrupt(format!(
            "the resolved items of {delegation}'s revision {revision} cannot be read: {e}"
        ))
    })?;
    let flags = codec::decode_flags(&resolution).map_err(|e| {
        StoreError::corrupt(format!(
            "the item flags of {delegation}'s revision {revision} cannot be read: {e}"
        ))
    })?;
    Ok(SubmissionRevision {
        flags,
        receipt: hash_column(&receipt, "submission_revisions.receipt")?,
        delegation,
        revision,
        body,
        items,
        submitted_at,
        submitted_by,
    })
}

type RawDecision = (i64, String, String, i64);

fn decision_record(raw: RawDecision) -> Result<DecisionRecord, StoreError> {
    let (sequence, decision, decided_by, decided_at) = raw;
    Ok(DecisionRecord {
        decision: serde_json::from_str::<Decision>(&decision)
            .map_err(|e| StoreError::corrupt(format!("a stored decision: {e}")))?,
        decided_by,
        decided_at,
        sequence: sequence.max(0) as u64,
    })
}

type RawDelegation = (String, String, String, String, Option<String>, String);

fn raw_delegation(row: &Row<'_>) -> Result<RawDelegation, StoreError> {
    raw_delegation_from(row, 0)
}

fn raw_delegation_from(row: &Row<'_>, at: usize) -> Result<RawDelegation, StoreError> {
    Ok((
        row.text(at)?,
        row.text(at + 1)?,
        row.text(at + 2)?,
        row.text(at + 3)?,
        row.opt_text(at + 4)?,
        row.text(at + 5)?,
    ))
}

fn delegation(raw: RawDelegation) -> Result<Delegation, StoreError> {
    let (code, name, kind, participation, function, members) = raw;
    Ok(Delegation {
        kind: enum_parse::<DelegationKind>(&kind, "delegation kind")?,
        participation: enum_parse::<Participation>(&participation, "participation")?,
        function: function
            .map(|f| enum_parse::<Function>(&f, "function"))
            .transpose()?,
        members: serde_json::from_str(&members)
            .map_err(|_| StoreError::corrupt(format!("members of delegation {code}")))?,
        code,
        name,
    })
}

fn process_info(row: &Row<'_>) -> Result<ProcessInfo, StoreError> {
    Ok(ProcessInfo {
        slug: row.text(0)?,
        title: row.text(1)?,
        created_at: row.int(2)?,
        created_by: row.text(3)?,
    })
}

impl<'a> Reader<'a> {
    // ---- ids: internal, used by the writer too -------------------------------------------

    pub(crate) fn process_id(&self, process: &str) -> Result<i64, StoreError> {
        self.conn
            .query_opt(
                "SELECT id FROM processes WHERE slug = ?1",
                args![process],
                |row| row.int(0),
            )?
            .ok_or_else(|| StoreError::not_found(format!("process {process}")))
    }

    pub(crate) fn document_id(
        &self,
        process_id: i64,
        process: &str,
        document: &str,
    ) -> Result<i64, StoreError> {
        self.conn
            .query_opt(
                "SELECT id FROM documents WHERE process_id = ?1 AND slug = ?2",
                args![process_id, document],
                |row| row.int(0),
            )?
            .ok_or_else(|| {
                StoreError::not_found(format!("document {document} of process {process}"))
            })
    }

    pub(crate) fn delegation_id(
        &self,
        process_id: i64,
        process: &str,
        code: &str,
    ) -> Result<i64, StoreError> {
        self.conn
            .query_opt(
                "SELECT id FROM delegations WHERE process_id = ?1 AND code = ?2",
                args![process_id, code],
                |row| row.int(0),
            )?
            .ok_or_else(|| StoreError::not_found(format!("delegation {code} of process {process}")))
    }

    pub(crate) fn round_row(
        &self,
        process_id: i64,
        process: &str,
        round: u32,
    ) -> Result<RoundRow, StoreError> {
        let raw = self
            .conn
            .query_opt(
                &format!("{SELECT_ROUND} WHERE r.process_id = ?1 AND r.number = ?2"),
                args![process_id, round],
                raw_round,
            )?
            .ok_or_else(|| StoreError::not_found(format!("round {round} of process {process}")))?;
        round_row(raw)
    }

    /// A round with its process's id, in one query (the hot path of every submission); the
    /// same errors as `process_id` then `round_row`.
    pub(crate) fn process_round(
        &self,
        process: &str,
        round: u32,
    ) -> Result<(i64, RoundRow), StoreError> {
        let found = self.conn.query_opt(
            &format!(
                "SELECT r.process_id, {} JOIN processes p ON p.id = r.process_id
                 WHERE p.slug = ?1 AND r.number = ?2",
                SELECT_ROUND.trim_start_matches("SELECT ")
            ),
            args![process, round],
            |row| Ok((row.int(0)?, raw_round_from(row, 1)?)),
        )?;
        match found {
            Some((process_id, raw)) => Ok((process_id, round_row(raw)?)),
            None => {
                self.process_id(process)?;
                Err(StoreError::not_found(format!(
                    "round {round} of process {process}"
                )))
            }
        }
    }

    /// What a submission needs, in one query (its hot path; each query is a round trip to
    /// PostgreSQL): the round, and the delegation's id with the number of its latest revision
    /// in that round (0: none), `None` if the process has no such delegation. The same errors
    /// as `process_id` then `round_row`.
    pub(crate) fn submission_target(
        &self,
        process: &str,
        round: u32,
        code: &str,
    ) -> Result<SubmissionTarget, StoreError> {
        let found = self.conn.query_opt(
            &format!(
                "SELECT g.id, (SELECT COALESCE(MAX(s.revision), 0) FROM submission_revisions s
                               WHERE s.round_id = r.id AND s.delegation_id = g.id),
                        (SELECT COUNT(*) FROM (SELECT 1 FROM paragraph_statuses t
                                               WHERE t.document_id = r.document_id LIMIT 1) x)
                          + (SELECT COUNT(*) FROM (SELECT 1 FROM adoptions a
                                                   WHERE a.document_id = r.document_id LIMIT 1) y),
                        {} JOIN processes p ON p.id = r.process_id
                 LEFT JOIN delegations g ON g.process_id = p.id AND g.code = ?3
                 WHERE p.slug = ?1 AND r.number = ?2",
                SELECT_ROUND.trim_start_matches("SELECT ")
            ),
            args![process, round, code],
            |row| {
                let delegation = match row.opt_int(0)? {
                    Some(id) => Some((id, row.u32(1)?)),
                    None => None,
                };
                Ok((raw_round_from(row, 3)?, delegation, row.int(2)? > 0))
            },
        )?;
        match found {
            Some((raw, delegation, text_has_state)) => Ok(SubmissionTarget {
                round: round_row(raw)?,
                delegation,
                text_has_state,
            }),
            None => {
                self.process_id(process)?;
                Err(StoreError::not_found(format!(
                    "round {round} of process {process}"
                )))
            }
        }
    }

    /// [`Reader::submission_target`] for every delegation of the process at once, by code: what
    /// the PostgreSQL writer reads when it meets a round it does not know at the current audit
    /// head, so that a batch of a deadline rush costs one round trip however many delegations
    /// it holds (with several servers, each batch finds the head moved by another).
    pub(crate) fn round_targets(
        &self,
        process: &str,
        round: u32,
    ) -> Result<Vec<(String, SubmissionTarget)>, StoreError> {
        let rows = self.conn.query_all(
            &format!(
                "SELECT g.code, g.id, (SELECT COALESCE(MAX(s.revision), 0) FROM submission_revisions s
                                       WHERE s.round_id = r.id AND s.delegation_id = g.id),
                        (SELECT COUNT(*) FROM (SELECT 1 FROM paragraph_statuses t
                                               WHERE t.document_id = r.document_id LIMIT 1) x)
                          + (SELECT COUNT(*) FROM (SELECT 1 FROM adoptions a
                                                   WHERE a.document_id = r.document_id LIMIT 1) y),
                        {} JOIN processes p ON p.id = r.process_id
                 JOIN delegations g ON g.process_id = p.id
                 WHERE p.slug = ?1 AND r.number = ?2",
                SELECT_ROUND.trim_start_matches("SELECT ")
            ),
            args![process, round],
            |row| {
                Ok((
                    row.text(0)?,
                    (row.int(1)?, row.u32(2)?),
                    row.int(3)? > 0,
                    raw_round_from(row, 4)?,
                ))
            },
        )?;
        rows.into_iter()
            .map(|(code, delegation, text_has_state, raw)| {
                Ok((
                    code,
                    SubmissionTarget {
                        round: round_row(raw)?,
                        delegation: Some(delegation),
                        text_has_state,
                    },
                ))
            })
            .collect()
    }

    /// The newest version number of a document (documents always have version 1).
    pub(crate) fn latest_number(&self, document_id: i64) -> Result<u32, StoreError> {
        self.conn.query_one(
            "SELECT COALESCE(MAX(number), 0) FROM versions WHERE document_id = ?1",
            args![document_id],
            |row| row.u32(0),
        )
    }

    // ---- the clock -------------------------------------------------------------------------

    /// The database's clock in Unix milliseconds: PostgreSQL's `clock_timestamp()` (one clock
    /// for every server on the database), or this machine's clock on SQLite (the database is a
    /// file here). Callers still hand `now` to every write; this only lets them choose whose
    /// clock rules deadlines.
    pub fn database_now_ms(&self) -> Result<i64, StoreError> {
        match self.conn {
            Conn::Postgres(_) => self.conn.query_one(
                "SELECT CAST(floor(extract(epoch FROM clock_timestamp()) * 1000) AS BIGINT)",
                args![],
                |row| row.int(0),
            ),
            Conn::Sqlite(_) => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .map_err(|_| StoreError::internal("the clock is before 1970")),
        }
    }

    // ---- processes and delegations --------------------------------------------------------

    /// Every process, by slug.
    pub fn processes(&self) -> Result<Vec<ProcessInfo>, StoreError> {
        self.conn.query_all(
            "SELECT slug, title, created_at, created_by FROM processes ORDER BY slug",
            args![],
            process_info,
        )
    }

    pub fn process(&self, process: &str) -> Result<ProcessInfo, StoreError> {
        self.conn
            .query_opt(
                "SELECT slug, title, created_at, created_by FROM processes WHERE slug = ?1",
                args![process],
                process_info,
            )?
            .ok_or_else(|| StoreError::not_found(format!("process {process}")))
    }

    /// A process's delegations, in the order they were added.
    pub fn delegations(&self, process: &str) -> Result<Vec<Delegation>, StoreError> {
        let process_id = self.process_id(process)?;
        let rows = self.conn.query_all(
            "SELECT code, name, kind, participation, function, members FROM delegations
             WHERE process_id = ?1 ORDER BY id",
            args![process_id],
            raw_delegation,
        )?;
        rows.into_iter().map(delegation).collect()
    }

    /// The process's delegations a permission check needs: those whose code is one of `codes`
    /// (the caller's, the target's) and every group (a delegation may take part through one).
    /// During a deadline rush every request checks its caller; reading two rows and the few
    /// groups, rather than every delegation of the process, keeps that cost flat.
    pub fn delegations_concerning(
        &self,
        process: &str,
        codes: &[&str],
    ) -> Result<Vec<Delegation>, StoreError> {
        let process_id = self.process_id(process)?;
        // The codes travel as one JSON array: the only difference of dialect is how it is
        // unpacked.
        let sql = if self.conn.is_postgres() {
            "SELECT code, name, kind, participation, function, members FROM delegations
             WHERE process_id = ?1
               AND (code IN (SELECT json_array_elements_text(CAST(?2 AS TEXT)::json))
                    OR kind = 'group')
             ORDER BY id"
        } else {
            "SELECT code, name, kind, participation, function, members FROM delegations
             WHERE process_id = ?1 AND (code IN (SELECT value FROM json_each(?2)) OR kind = 'group')
             ORDER BY id"
        };
        let codes = serde_json::to_string(codes).map_err(|e| StoreError::Invalid {
            detail: format!("delegation codes: {e}"),
        })?;
        let rows = self
            .conn
            .query_all(sql, args![process_id, &codes], raw_delegation)?;
        rows.into_iter().map(delegation).collect()
    }

    /// A round with [`Reader::delegations_concerning`] `codes`, in one statement: what every
    /// request about a round reads first to know who may do what (on PostgreSQL each statement
    /// is a round trip, and a submission's check read the round, the process and the
    /// delegations in three).
    pub fn round_with_delegations(
        &self,
        process: &str,
        round: u32,
        codes: &[&str],
    ) -> Result<(RoundInfo, Vec<Delegation>), StoreError> {
        let wanted = if self.conn.is_postgres() {
            "g.code IN (SELECT json_array_elements_text(CAST(?3 AS TEXT)::json))"
        } else {
            "g.code IN (SELECT value FROM json_each(?3))"
        };
        // SELECT_ROUND's columns, then a delegation's (NULL when none concerns the request).
        let (columns, from) = SELECT_ROUND
            .trim_start_matches("SELECT ")
            .split_once("FROM")
            .ok_or_else(|| StoreError::internal("SELECT_ROUND has no FROM"))?;
        let sql = format!(
            "SELECT {columns}, g.code, g.name, g.kind, g.participation, g.function, g.members
             FROM {from}
             JOIN processes p ON p.id = r.process_id
             LEFT JOIN delegations g ON g.process_id = p.id AND ({wanted} OR g.kind = 'group')
             WHERE p.slug = ?1 AND r.number = ?2
             ORDER BY g.id"
        );
        let codes = serde_json::to_string(codes).map_err(|e| StoreError::Invalid {
            detail: format!("delegation codes: {e}"),
        })?;
        let rows = self
            .conn
            .query_all(&sql, args![process, round, &codes], |row| {
                let delegation = match row.opt_text(11)? {
                    Some(_) => Some(raw_delegation_from(row, 11)?),
                    None => None,
                };
                Ok((raw_round_from(row, 0)?, delegation))
            })?;
        let mut rows = rows.into_iter();
        let Some((raw, first)) = rows.next() else {
            self.process_id(process)?;
            return Err(StoreError::not_found(format!(
                "round {round} of process {process}"
            )));
        };
        let info = round_row(raw)?.info;
        let delegations = first
            .into_iter()
            .chain(rows.filter_map(|(_, d)| d))
            .map(delegation)
            .collect::<Result<_, _>>()?;
        Ok((info, delegations))
    }

    pub fn delegation(&self, process: &str, code: &str) -> Result<Delegation, StoreError> {
        let process_id = self.process_id(process)?;
        let raw = self
            .conn
            .query_opt(
                "SELECT code, name, kind, participation, function, members FROM delegations
                 WHERE process_id = ?1 AND code = ?2",
                args![process_id, code],
                raw_delegation,
            )?
            .ok_or_else(|| {
                StoreError::not_found(format!("delegation {code} of process {process}"))
            })?;
        delegation(raw)
    }

    // ---- documents and versions -----------------------------------------------------------

    /// A process's documents, by slug.
    /// The texts of the given documents of a process that match `query`, best first, at most
    /// `limit` (see [`crate::SearchQuery`]). The caller says which documents: who may read
    /// what is the application's to decide.
    pub fn search(
        &self,
        process: &str,
        documents: &[&str],
        query: &crate::SearchQuery,
        limit: u32,
    ) -> Result<Vec<crate::SearchHit>, StoreError> {
        let process_id = self.process_id(process)?;
        crate::search::search(self.conn, process_id, documents, query, limit)
    }

    pub fn documents(&self, process: &str) -> Result<Vec<DocumentInfo>, StoreError> {
        let process_id = self.process_id(process)?;
        self.conn.query_all(
            "SELECT slug, title, classification, created_at, created_by,
                    (SELECT COALESCE(MAX(number), 0) FROM versions v WHERE v.document_id = d.id)
             FROM documents d WHERE process_id = ?1 ORDER BY slug",
            args![process_id],
            |row| {
                Ok(DocumentInfo {
                    slug: row.text(0)?,
                    title: row.text(1)?,
                    classification: row.opt_text(2)?,
                    created_at: row.int(3)?,
                    created_by: row.text(4)?,
                    latest_version: row.u32(5)?,
                })
            },
        )
    }

    pub fn document(&self, process: &str, document: &str) -> Result<DocumentInfo, StoreError> {
        self.documents(process)?
            .into_iter()
            .find(|d| d.slug == document)
            .ok_or_else(|| {
                StoreError::not_found(format!("document {document} of process {process}"))
            })
    }

    /// A document's versions, oldest first.
    pub fn versions(&self, process: &str, document: &str) -> Result<Vec<VersionInfo>, StoreError> {
        let process_id = self.process_id(process)?;
        let document_id = self.document_id(process_id, process, document)?;
        let rows = self.conn.query_all(
            &format!("{SELECT_VERSION} WHERE v.document_id = ?1 ORDER BY v.number"),
            args![document_id],
            raw_version,
        )?;
        rows.into_iter().map(version_info).collect()
    }

    pub fn version_info(
        &self,
        process: &str,
        document: &str,
        number: u32,
    ) -> Result<VersionInfo, StoreError> {
        let process_id = self.process_id(process)?;
        let document_id = self.document_id(process_id, process, document)?;
        let raw = self
            .conn
            .query_opt(
                &format!("{SELECT_VERSION} WHERE v.document_id = ?1 AND v.number = ?2"),
                args![document_id, number],
                raw_version,
            )?
            .ok_or_else(|| {
                StoreError::not_found(format!(
                    "version {number} of document {document} of process {process}"
                ))
            })?;
        version_info(raw)
    }

    /// A version with its whole tree, assembled from the shared objects and checked.
    pub fn version(
        &self,
        process: &str,
        document: &str,
        number: u32,
    ) -> Result<Version, StoreError> {
        let info = self.version_info(process, document, number)?;
        let tree = assemble_tree(self.conn, info.hash)?;
        Ok(Version {
            number: info.number,
            label: info.label,
            parent: info.parent,
            hash: info.hash,
            document: tree,
        })
    }

    /// The newest version of a document.
    pub fn latest_version(&self, process: &str, document: &str) -> Result<Version, StoreError> {
        let process_id = self.process_id(process)?;
        let document_id = self.document_id(process_id, process, document)?;
        let number = self.latest_number(document_id)?;
        self.version(process, document, number)
    }

    fn version_blob(
        &self,
        process: &str,
        document: &str,
        number: u32,
        column: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let process_id = self.process_id(process)?;
        let document_id = self.document_id(process_id, process, document)?;
        self.conn
            .query_opt(
                &format!("SELECT {column} FROM versions WHERE document_id = ?1 AND number = ?2"),
                args![document_id, number],
                |row| row.opt_bytes(0),
            )?
            .ok_or_else(|| {
                StoreError::not_found(format!(
                    "version {number} of document {document} of process {process}"
                ))
            })
    }

    /// The engine's provenance (blame) of a version, as stored; `None` if it has none.
    pub fn version_provenance(
        &self,
        process: &str,
        document: &str,
        number: u32,
    ) -> Result<Option<Blame>, StoreError> {
        self.version_blob(process, document, number, "provenance")?
            .map(|bytes| {
                codec::decode_blame(&bytes).map_err(|e| {
                    StoreError::corrupt(format!(
                        "the provenance of version {number} of {document} cannot be read: {e}"
                    ))
                })
            })
            .transpose()
    }

    /// The changes applied to reach a version, as stored; `None` if it has none.
    pub fn version_changes(
        &self,
        process: &str,
        document: &str,
        number: u32,
    ) -> Result<Option<Vec<AppliedChange>>, StoreError> {
        self.version_blob(process, document, number, "changes")?
            .map(|bytes| {
                codec::decode_applied(&bytes).map_err(|e| {
                    StoreError::corrupt(format!(
                        "the applied changes of version {number} of {document} cannot be read: {e}"
                    ))
                })
            })
            .transpose()
    }

    // ---- rounds ---------------------------------------------------------------------------

    pub fn round(&self, process: &str, round: u32) -> Result<RoundInfo, StoreError> {
        Ok(self.process_round(process, round)?.1.info)
    }

    /// A process's rounds, by number.
    pub fn rounds(&self, process: &str) -> Result<Vec<RoundInfo>, StoreError> {
        let process_id = self.process_id(process)?;
        let rows = self.conn.query_all(
            &format!("{SELECT_ROUND} WHERE r.process_id = ?1 ORDER BY r.number"),
            args![process_id],
            raw_round,
        )?;
        rows.into_iter()
            .map(|raw| round_row(raw).map(|r| r.info))
            .collect()
    }

    /// What happened to a round since its creation, oldest first.
    pub fn round_events(&self, process: &str, round: u32) -> Result<Vec<RoundEvent>, StoreError> {
        let (_, round_row) = self.process_round(process, round)?;
        let round_id = round_row.id;
        self.conn.query_all(
            "SELECT action, at, actor_sub, state_before, state_after, closes_at_before,
                    closes_at_after
             FROM round_events WHERE round_id = ?1 ORDER BY id",
            args![round_id],
            |row| {
                Ok(RoundEvent {
                    action: row.text(0)?,
                    at: row.int(1)?,
                    actor_sub: row.text(2)?,
                    state_before: state_parse(&row.text(3)?)?,
                    state_after: state_parse(&row.text(4)?)?,
                    closes_at_before: row.int(5)?,
                    closes_at_after: row.int(6)?,
                })
            },
        )
    }

    // ---- submissions ----------------------------------------------------------------------

    /// The latest revision of one delegation's submission in a round.
    pub fn submission(
        &self,
        process: &str,
        round: u32,
        delegation: &str,
    ) -> Result<SubmissionRevision, StoreError> {
        let (process_id, round_row) = self.process_round(process, round)?;
        let round_id = round_row.id;
        let delegation_id = self.delegation_id(process_id, process, delegation)?;
        let raw = self
            .conn
            .query_opt(
                &format!(
                    "{SELECT_SUBMISSION} WHERE s.round_id = ?1 AND s.delegation_id = ?2
                     ORDER BY s.revision DESC LIMIT 1"
                ),
                args![round_id, delegation_id],
                raw_submission,
            )?
            .ok_or_else(|| {
                StoreError::not_found(format!(
                    "submission of {delegation} in round {round} of process {process}"
                ))
            })?;
        submission_revision(raw)
    }

    /// How many submission revisions a round holds. Revisions are append-only and numbered
    /// without gaps, so this grows with every stored submission and is the sum of every
    /// delegation's latest revision number: a cheap generation number for the round's inputs,
    /// the same for every server on one database.
    pub fn revision_count(&self, process: &str, round: u32) -> Result<u64, StoreError> {
        let (_, round_row) = self.process_round(process, round)?;
        let round_id = round_row.id;
        Ok(self.conn.query_one(
            "SELECT COUNT(*) FROM submission_revisions WHERE round_id = ?1",
            args![round_id],
            |r| r.int(0),
        )? as u64)
    }

    /// The number of a delegation's latest revision in a round; 0 when it has none.
    pub fn latest_revision(
        &self,
        process: &str,
        round: u32,
        delegation: &str,
    ) -> Result<u32, StoreError> {
        // One statement (the writer asks this for every submission, before storing it: on
        // PostgreSQL each statement is a round trip on the one connection all writes take).
        match self
            .submission_target(process, round, delegation)?
            .delegation
        {
            Some((_, current)) => Ok(current),
            None => Err(StoreError::not_found(format!(
                "delegation {delegation} of process {process}"
            ))),
        }
    }

    /// One given revision of a delegation's submission.
    pub fn submission_revision(
        &self,
        process: &str,
        round: u32,
        delegation: &str,
        revision: u32,
    ) -> Result<SubmissionRevision, StoreError> {
        let (process_id, round_row) = self.process_round(process, round)?;
        let round_id = round_row.id;
        let delegation_id = self.delegation_id(process_id, process, delegation)?;
        let raw = self
            .conn
            .query_opt(
                &format!(
                    "{SELECT_SUBMISSION} WHERE s.round_id = ?1 AND s.delegation_id = ?2 AND s.revision = ?3"
                ),
                args![round_id, delegation_id, revision],
                raw_submission,
            )?
            .ok_or_else(|| {
                StoreError::not_found(format!(
                    "revision {revision} of the submission of {delegation} in round {round} of process {process}"
                ))
            })?;
        submission_revision(raw)
    }

    /// Every revision of a delegation's submission, oldest first (empty if it never submitted).
    pub fn submission_history(
        &self,
        process: &str,
        round: u32,
        delegation: &str,
    ) -> Result<Vec<SubmissionRevision>, StoreError> {
        let (process_id, round_row) = self.process_round(process, round)?;
        let round_id = round_row.id;
        let delegation_id = self.delegation_id(process_id, process, delegation)?;
        let rows = self.conn.query_all(
            &format!(
                "{SELECT_SUBMISSION} WHERE s.round_id = ?1 AND s.delegation_id = ?2 ORDER BY s.revision"
            ),
            args![round_id, delegation_id],
            raw_submission,
        )?;
        rows.into_iter().map(submission_revision).collect()
    }

    /// The latest revision of every delegation's submission in a round, by delegation code.
    pub fn submissions(
        &self,
        process: &str,
        round: u32,
    ) -> Result<Vec<SubmissionRevision>, StoreError> {
        let (process_id, round_row) = self.process_round(process, round)?;
        let round_id = round_row.id;
        // Each delegation's latest revision found from the delegation, through the index on
        // (round, delegation, revision): one lookup per delegation, however many revisions a
        // rush stored (scanning the round's revisions for the latest of each took 30-40 ms
        // for a round of 78,000, read every second while chairs watch the live compilation).
        // The columns are SELECT_SUBMISSION's. Ordered here, not by the database: SQLite
        // sorts whole rows, so `ORDER BY d.code` copied every body (2.5 MB for 200
        // submissions of 20 items) through a temporary B-tree, four times as long as reading
        // them. (And byte order is the same on both backends, whatever PostgreSQL's collation.)
        let mut rows = self.conn.query_all(
            "SELECT d.code, s.revision, s.items, s.hunks, s.receipt, s.submitted_at, s.submitted_by
             FROM delegations d JOIN submission_revisions s ON s.id =
                 (SELECT t.id FROM submission_revisions t
                  WHERE t.round_id = ?1 AND t.delegation_id = d.id
                  ORDER BY t.revision DESC LIMIT 1)
             WHERE d.process_id = ?2",
            args![round_id, process_id],
            raw_submission,
        )?;
        rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        // Decoding 200 bodies of 20 items is a third of loading a round for its compilation:
        // on every core.
        rows.into_par_iter().map(submission_revision).collect()
    }

    // ---- decisions ------------------------------------------------------------------------

    /// The ruling in force for each change of a round (the latest recorded), by change id.
    pub fn decisions(&self, process: &str, round: u32) -> Result<Vec<DecisionRecord>, StoreError> {
        // (Withdrawn decisions are not current: see `decision_rows`.)
        self.decision_rows(process, round, true)
    }

    /// Every ruling ever recorded in a round, oldest first.
    pub fn decision_history(
        &self,
        process: &str,
        round: u32,
    ) -> Result<Vec<DecisionRecord>, StoreError> {
        self.decision_rows(process, round, false)
    }

    fn decision_rows(
        &self,
        process: &str,
        round: u32,
        latest_only: bool,
    ) -> Result<Vec<DecisionRecord>, StoreError> {
        let (_, round_row) = self.process_round(process, round)?;
        let round_id = round_row.id;
        let sql = if latest_only {
            "SELECT id, decision, decided_by, decided_at FROM decisions x WHERE round_id = ?1
             AND id = (SELECT MAX(id) FROM decisions y WHERE y.round_id = x.round_id AND y.change = x.change)
             ORDER BY change"
        } else {
            "SELECT id, decision, decided_by, decided_at FROM decisions WHERE round_id = ?1 ORDER BY id"
        };
        let rows = self.conn.query_all(sql, args![round_id], |row| {
            Ok((row.int(0)?, row.text(1)?, row.text(2)?, row.int(3)?))
        })?;
        let records = rows.into_iter().map(decision_record);
        if latest_only {
            // A change whose latest ruling withdrew its decision has none.
            records
                .filter(|r| r.as_ref().map_or(true, |r| r.decision.ruling.decides()))
                .collect()
        } else {
            records.collect()
        }
    }

    // ---- audit and idempotency ------------------------------------------------------------

    /// Audit entries after `after_seq`, oldest first, at most `limit`; only one process's when
    /// `process` is given.
    pub fn audit_entries(
        &self,
        process: Option<&str>,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        audit::entries(self.conn, process, after_seq, limit)
    }

    /// The response stored under an idempotency key, if any.
    pub fn stored_response(
        &self,
        scope: &str,
        key: &str,
    ) -> Result<Option<StoredResponse>, StoreError> {
        let raw = self.conn.query_opt(
            "SELECT request_hash, status, response, created_at FROM idempotency_keys
             WHERE scope = ?1 AND key = ?2",
            args![scope, key],
            |row| Ok((row.bytes(0)?, row.u16(1)?, row.bytes(2)?, row.int(3)?)),
        )?;
        raw.map(|(request_hash, status, body, created_at)| {
            Ok(StoredResponse {
                request_hash: hash_column(&request_hash, "idempotency_keys.request_hash")?,
                status,
                body,
                created_at,
            })
        })
        .transpose()
    }

    /// The web session whose cookie hashes to `id_hash`, if it exists and has not expired at
    /// `now`.
    pub fn web_session(&self, id_hash: &[u8], now: i64) -> Result<Option<WebSession>, StoreError> {
        self.conn.query_opt(
            "SELECT subject, role, delegation, csrf, created_at, expires_at FROM web_sessions
             WHERE id_hash = ?1 AND expires_at > ?2",
            args![id_hash, now],
            |row| {
                Ok(WebSession {
                    subject: row.text(0)?,
                    role: row.text(1)?,
                    delegation: row.opt_text(2)?,
                    csrf: row.text(3)?,
                    created_at: row.int(4)?,
                    expires_at: row.int(5)?,
                })
            },
        )
    }
}
