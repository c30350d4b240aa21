//! Full-text search over the proposals of a process (issue 17, item 6), in each backend's own
//! engine as `search.rs` does for the texts of versions (FTS5; PostgreSQL's text search with
//! the `simple` configuration).
//!
//! A proposal is indexed only once its round is consolidated — when the version that
//! consolidates it is stored, in the same transaction: a submission is sealed to the other
//! delegations while its round is open, and an index written earlier could leak its words.
//! Consolidation comes after the close, when the policy has unsealed every submission; what is
//! indexed is the latest revision of each delegation's submission, item by item (the proposed
//! text, or the comment, with its justification), with the node's reference in the round's
//! base version. Derived data, not history; a database consolidated before the index existed
//! is indexed once, where its schema is brought up to date ([`catch_up`]).

use crate::db::{Conn, Row, args};
use crate::error::StoreError;
use crate::reader::Reader;
use crate::search::SearchQuery;
use penholder_core::References;
use penholder_core::negotiation::Item;
use serde::Serialize;

/// One proposal found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProposalHit {
    pub document: String,
    pub round: u32,
    pub delegation: String,
    pub revision: u32,
    /// The item's position in the submission, from 1.
    pub item: u32,
    /// `amend`, `insert`, `delete` or `comment`.
    pub kind: String,
    /// The node's reference in the round's base version (for an insertion: its anchor's);
    /// empty for a comment on the whole text.
    pub reference: String,
    /// What was indexed: the proposed text or the comment, then the justification.
    pub text: String,
}

/// The text indexed for an item, and its kind.
fn indexed_text(item: &Item) -> (&'static str, String) {
    let (kind, text) = match item {
        Item::Amend { text, .. } => ("amend", text.as_str()),
        Item::Insert { text, .. } => ("insert", text.as_str()),
        Item::Delete { .. } => ("delete", ""),
        Item::Comment { text, .. } => ("comment", text.as_str()),
        Item::Support { .. } => ("support", ""),
        Item::AmendAlternative { text, .. } => ("amend_alternative", text.as_str()),
        Item::WithdrawAlternative { .. } => ("withdraw_alternative", ""),
    };
    let mut out = text.replace('\0', " ");
    if let Some(justification) = item.justification().filter(|j| !j.trim().is_empty()) {
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&justification.replace('\0', " "));
    }
    (kind, out)
}

/// Indexes the proposals of round `round` (number) of `process`, consolidated into a version
/// of document `document_id`, in the caller's transaction.
pub(crate) fn index_round(
    conn: Conn<'_>,
    process: &str,
    document_id: i64,
    round: u32,
) -> Result<(), StoreError> {
    let reader = Reader { conn };
    let info = reader.round(process, round)?;
    let base = reader.version(process, &info.document, info.base_version)?;
    let references = References::of(&base.document);
    for submission in reader.submissions(process, round)? {
        for (index, item) in submission.items.iter().enumerate() {
            let (kind, text) = indexed_text(item);
            if text.trim().is_empty() {
                continue;
            }
            let reference = item
                .node()
                .and_then(|node| references.reference(node))
                .map_or(String::new(), |r| r.as_str().to_owned());
            conn.execute(
                "INSERT INTO search_proposals
                     (document_id, round, delegation, revision, item, kind, reference, text)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
                args![
                    document_id,
                    round,
                    submission.delegation.as_str(),
                    submission.revision,
                    (index + 1) as i64,
                    kind,
                    &reference,
                    &text
                ],
            )?;
        }
    }
    Ok(())
}

/// Indexes the proposals of every round consolidated before the index existed, in the caller's
/// transaction (where the schema is brought up to date, so it runs once).
pub(crate) fn catch_up(conn: Conn<'_>) -> Result<usize, StoreError> {
    let rounds = conn.query_all(
        "SELECT p.slug, v.document_id, r.number FROM versions v
         JOIN rounds r ON r.id = v.round_id
         JOIN processes p ON p.id = r.process_id
         WHERE NOT EXISTS (SELECT 1 FROM search_proposals s
                           WHERE s.document_id = v.document_id AND s.round = r.number)
         ORDER BY v.document_id, r.number",
        args![],
        |row| Ok((row.text(0)?, row.int(1)?, row.u32(2)?)),
    )?;
    for (process, document_id, round) in &rounds {
        index_round(conn, process, *document_id, *round)?;
    }
    Ok(rounds.len())
}

/// The proposals on `documents` (slugs of process `process_id`) that match `query`, best first,
/// at most `limit`.
pub(crate) fn search(
    conn: Conn<'_>,
    process_id: i64,
    documents: &[&str],
    query: &SearchQuery,
    limit: u32,
) -> Result<Vec<ProposalHit>, StoreError> {
    let slugs = serde_json::to_string(documents)
        .map_err(|e| StoreError::invalid(format!("document slugs: {e}")))?;
    let (sql, query) = if conn.is_postgres() {
        (
            "WITH q AS (SELECT websearch_to_tsquery('simple', ?2) AS q)
             SELECT d.slug, s.round, s.delegation, s.revision, s.item, s.kind, s.reference, s.text
             FROM search_proposals s JOIN documents d ON d.id = s.document_id, q
             WHERE s.tsv @@ q.q AND d.process_id = ?1
               AND d.slug IN (SELECT json_array_elements_text(CAST(?3 AS TEXT)::json))
             ORDER BY ts_rank(s.tsv, q.q) DESC, s.id LIMIT ?4",
            query.websearch(),
        )
    } else {
        (
            "SELECT d.slug, s.round, s.delegation, s.revision, s.item, s.kind, s.reference, s.text
             FROM search_proposals_fts f JOIN search_proposals s ON s.id = f.rowid
             JOIN documents d ON d.id = s.document_id
             WHERE search_proposals_fts MATCH ?2 AND d.process_id = ?1
               AND d.slug IN (SELECT value FROM json_each(?3))
             ORDER BY f.rank, s.id LIMIT ?4",
            query.fts5(),
        )
    };
    conn.query_all(
        sql,
        args![process_id, &query, &slugs, i64::from(limit)],
        |row: &Row<'_>| {
            Ok(ProposalHit {
                document: row.text(0)?,
                round: row.u32(1)?,
                delegation: row.text(2)?,
                revision: row.u32(3)?,
                item: row.u32(4)?,
                kind: row.text(5)?,
                reference: row.text(6)?,
                text: row.text(7)?,
            })
        },
    )
}

impl Reader<'_> {
    /// The proposals of consolidated rounds on `documents` of `process` matching `query`.
    pub fn search_proposals(
        &self,
        process: &str,
        documents: &[&str],
        query: &SearchQuery,
        limit: u32,
    ) -> Result<Vec<ProposalHit>, StoreError> {
        let process_id = self.process_id(process)?;
        search(self.conn, process_id, documents, query, limit)
    }
}
