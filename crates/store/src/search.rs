//! Full-text search over the versions of a process's documents, in each backend's own engine:
//! SQLite's FTS5 (tokenizer `unicode61`, diacritics kept) and PostgreSQL's text search (the
//! `simple` configuration: lower-cased words, no stemming, no stop words — the texts are in
//! every language of a negotiation, and a stemmer for one would mangle the others).
//!
//! What is indexed is each distinct text a node had in a document — a node that keeps its words
//! across 100 versions is one row, not 100 — with the versions that hold it and the node's
//! reference in each (`search_occurrences`). The index is written in the transaction that stores
//! the version, so a version is never found before it exists nor missing after; a database made
//! before the index existed is indexed once, when its schema is brought up to date
//! ([`catch_up`]).
//!
//! The query language is the common part of both engines, so that a query finds the same
//! paragraphs on either: words, all of which must appear, and `"quoted phrases"`, whose words
//! must appear in that order. Operators are not offered; their signs are searched as text.

use crate::db::{Conn, Row, args};
use crate::error::StoreError;
use penholder_core::{Document, NodeId, References};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::borrow::Cow;

/// A parsed query: the phrases that must all appear (a word is a phrase of one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchQuery {
    phrases: Vec<String>,
}

/// The longest query taken, in characters, and the most phrases.
pub const MAX_QUERY_CHARS: usize = 500;
pub const MAX_QUERY_PHRASES: usize = 16;

impl SearchQuery {
    /// Reads a query: words and `"quoted phrases"`. The error says what to change.
    pub fn parse(query: &str) -> Result<SearchQuery, String> {
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(format!(
                "a search query is at most {MAX_QUERY_CHARS} characters"
            ));
        }
        if query.chars().any(|c| c.is_control() && !c.is_whitespace()) {
            return Err("a search query has no control characters".into());
        }
        let mut phrases = Vec::new();
        for (index, part) in query.split('"').enumerate() {
            // Odd parts are inside quotes; an unclosed quote runs to the end.
            let inside = index % 2 == 1;
            let words = part
                .split_whitespace()
                .filter(|w| w.chars().any(char::is_alphanumeric));
            if inside {
                let phrase = words.collect::<Vec<_>>().join(" ");
                if !phrase.is_empty() {
                    phrases.push(phrase);
                }
            } else {
                phrases.extend(words.map(str::to_owned));
            }
        }
        if phrases.is_empty() {
            return Err("a search query needs at least one word (letters or digits)".into());
        }
        if phrases.len() > MAX_QUERY_PHRASES {
            return Err(format!(
                "a search query has at most {MAX_QUERY_PHRASES} words and phrases"
            ));
        }
        Ok(SearchQuery { phrases })
    }

    /// FTS5's syntax: each phrase quoted (its own quotes doubled), side by side (AND).
    pub(crate) fn fts5(&self) -> String {
        self.phrases
            .iter()
            .map(|p| format!("\"{}\"", p.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// `websearch_to_tsquery`'s syntax: the same, without the quotes inside a phrase (the
    /// parser drops quotes that do not pair).
    pub(crate) fn websearch(&self) -> String {
        self.phrases
            .iter()
            .map(|p| format!("\"{}\"", p.replace('"', " ")))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// One text of one node found: where it stands in each version that holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SearchHit {
    pub document: String,
    pub node: NodeId,
    pub text: String,
    /// Oldest first.
    pub versions: Vec<SearchOccurrence>,
}

/// A version that holds a found text, and the node's reference there (`OP3`, `Art 21 (5)`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SearchOccurrence {
    pub version: u32,
    pub reference: String,
}

/// One node's row of a version's index, as the statements read it from a JSON array.
#[derive(Serialize)]
struct IndexRow<'a> {
    #[serde(rename = "n")]
    node: NodeId,
    #[serde(rename = "h")]
    hash: String,
    #[serde(rename = "t")]
    text: Cow<'a, str>,
    #[serde(rename = "r")]
    reference: &'a str,
}

/// Indexes version `number` of a document, in the caller's transaction: two statements, the
/// texts new to the document and the occurrences of all of them in this version.
pub(crate) fn index_version(
    conn: Conn<'_>,
    document_id: i64,
    number: u32,
    tree: &Document,
) -> Result<(), StoreError> {
    let references = References::of(tree);
    let nodes = tree.walk();
    let rows: Vec<IndexRow<'_>> = nodes
        .iter()
        .filter(|visit| !visit.node.text.trim().is_empty())
        .map(|visit| {
            let text = &visit.node.text;
            IndexRow {
                node: visit.node.id,
                hash: hex::encode(Sha256::digest(text.as_bytes())),
                // PostgreSQL's text holds no NUL (a text may: the index reads it as a space).
                text: if text.contains('\0') {
                    Cow::Owned(text.replace('\0', " "))
                } else {
                    Cow::Borrowed(text.as_str())
                },
                reference: references
                    .reference(visit.node.id)
                    .map_or("", |r| r.as_str()),
            }
        })
        .collect();
    let rows = serde_json::to_string(&rows)
        .map_err(|e| StoreError::invalid(format!("search index rows: {e}")))?;
    let (texts, occurrences) = if conn.is_postgres() {
        (
            "INSERT INTO search_texts (document_id, node_id, text_hash, text)
             SELECT ?1, j->>'n', j->>'h', j->>'t' FROM json_array_elements(CAST(?2 AS TEXT)::json) AS j
             ON CONFLICT DO NOTHING",
            "INSERT INTO search_occurrences (text_id, version, reference)
             SELECT s.id, ?3, j->>'r' FROM json_array_elements(CAST(?2 AS TEXT)::json) AS j
             JOIN search_texts s ON s.document_id = ?1 AND s.node_id = j->>'n'
                                AND s.text_hash = j->>'h'
             ON CONFLICT DO NOTHING",
        )
    } else {
        (
            "INSERT INTO search_texts (document_id, node_id, text_hash, text)
             SELECT ?1, value ->> 'n', value ->> 'h', value ->> 't' FROM json_each(?2) WHERE true
             ON CONFLICT DO NOTHING",
            // CROSS JOIN keeps the JSON rows outside and looks each up by the unique index
            // (SQLite's planner may otherwise loop over the document's texts outside and scan
            // the JSON for each: quadratic in the version's size).
            "INSERT INTO search_occurrences (text_id, version, reference)
             SELECT s.id, ?3, j.value ->> 'r' FROM json_each(?2) AS j
             CROSS JOIN search_texts AS s
             WHERE s.document_id = ?1 AND s.node_id = j.value ->> 'n'
               AND s.text_hash = j.value ->> 'h'
             ON CONFLICT DO NOTHING",
        )
    };
    conn.execute(texts, args![document_id, &rows])?;
    conn.execute(occurrences, args![document_id, &rows, i64::from(number)])?;
    conn.execute(
        "INSERT INTO search_indexed (document_id, version) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        args![document_id, i64::from(number)],
    )?;
    Ok(())
}

/// Indexes every version stored before the index existed (or whose indexing is missing), in
/// the caller's transaction. Called where the schema is brought up to date, so it runs once.
pub(crate) fn catch_up(conn: Conn<'_>) -> Result<usize, StoreError> {
    let missing = conn.query_all(
        "SELECT v.document_id, v.number, v.root FROM versions v
         WHERE NOT EXISTS (SELECT 1 FROM search_indexed i
                           WHERE i.document_id = v.document_id AND i.version = v.number)
         ORDER BY v.document_id, v.number",
        args![],
        |row| Ok((row.int(0)?, row.u32(1)?, row.bytes(2)?)),
    )?;
    for (document_id, number, root) in &missing {
        let root: [u8; 32] = root
            .as_slice()
            .try_into()
            .map_err(|_| StoreError::corrupt("a version's root hash is not 32 bytes"))?;
        let tree = crate::reader::assemble_tree(conn, penholder_core::ContentHash(root))?;
        index_version(conn, *document_id, *number, &tree)?;
    }
    Ok(missing.len())
}

/// The texts of `documents` (slugs of process `process_id`) that match `query`, best first as
/// the engine ranks them (FTS5's bm25, PostgreSQL's `ts_rank`), at most `limit`.
pub(crate) fn search(
    conn: Conn<'_>,
    process_id: i64,
    documents: &[&str],
    query: &SearchQuery,
    limit: u32,
) -> Result<Vec<SearchHit>, StoreError> {
    let slugs = serde_json::to_string(documents)
        .map_err(|e| StoreError::invalid(format!("document slugs: {e}")))?;
    let (sql, query) = if conn.is_postgres() {
        (
            "WITH q AS (SELECT websearch_to_tsquery('simple', ?2) AS q),
             hits AS (
                SELECT s.id, s.document_id, s.node_id, s.text, ts_rank(s.tsv, q.q) AS rank
                FROM search_texts s, q
                WHERE s.tsv @@ q.q AND s.document_id IN (
                    SELECT id FROM documents WHERE process_id = ?1
                       AND slug IN (SELECT json_array_elements_text(CAST(?3 AS TEXT)::json)))
                ORDER BY rank DESC, s.id LIMIT ?4)
             SELECT d.slug, h.node_id, h.text, o.version, o.reference
             FROM hits h JOIN documents d ON d.id = h.document_id
             JOIN search_occurrences o ON o.text_id = h.id
             ORDER BY h.rank DESC, h.id, o.version",
            query.websearch(),
        )
    } else {
        (
            "WITH hits AS (
                SELECT s.id, s.document_id, s.node_id, s.text, f.rank AS rank
                FROM search_fts f JOIN search_texts s ON s.id = f.rowid
                WHERE search_fts MATCH ?2 AND s.document_id IN (
                    SELECT id FROM documents WHERE process_id = ?1
                       AND slug IN (SELECT value FROM json_each(?3)))
                ORDER BY f.rank, s.id LIMIT ?4)
             SELECT d.slug, h.node_id, h.text, o.version, o.reference
             FROM hits h JOIN documents d ON d.id = h.document_id
             JOIN search_occurrences o ON o.text_id = h.id
             ORDER BY h.rank, h.id, o.version",
            query.fts5(),
        )
    };
    let rows = conn.query_all(
        sql,
        args![process_id, &query, &slugs, i64::from(limit)],
        |row: &Row<'_>| {
            Ok((
                row.text(0)?,
                row.text(1)?,
                row.text(2)?,
                row.u32(3)?,
                row.text(4)?,
            ))
        },
    )?;
    let mut hits: Vec<SearchHit> = Vec::new();
    for (document, node, text, version, reference) in rows {
        let occurrence = SearchOccurrence { version, reference };
        match hits.last_mut() {
            Some(last)
                if last.document == document
                    && last.node.to_string() == node
                    && last.text == text =>
            {
                last.versions.push(occurrence);
            }
            _ => hits.push(SearchHit {
                document,
                node: node
                    .parse()
                    .map_err(|_| StoreError::corrupt(format!("search index: node id {node:?}")))?,
                text,
                versions: vec![occurrence],
            }),
        }
    }
    Ok(hits)
}

#[cfg(test)]
mod tests {
    use super::SearchQuery;

    #[test]
    fn a_query_is_words_and_quoted_phrases() {
        let query = SearchQuery::parse(r#"  migration "legal  pathways"  return "#).unwrap();
        assert_eq!(query.phrases, ["migration", "legal pathways", "return"]);
        assert_eq!(query.fts5(), r#""migration" "legal pathways" "return""#);
        // Operators are text: FTS5's and PostgreSQL's signs never reach the engine unquoted.
        let query = SearchQuery::parse(r#"a OR -b NEAR(c) "d"#).unwrap();
        assert_eq!(query.fts5(), r#""a" "OR" "-b" "NEAR(c)" "d""#);
    }

    #[test]
    fn a_query_without_words_or_too_long_is_refused_saying_why() {
        assert!(
            SearchQuery::parse("  \"\" -- ")
                .unwrap_err()
                .contains("at least one word")
        );
        assert!(
            SearchQuery::parse(&"a ".repeat(17))
                .unwrap_err()
                .contains("at most 16")
        );
        assert!(
            SearchQuery::parse(&"a".repeat(501))
                .unwrap_err()
                .contains("500 characters")
        );
    }
}
