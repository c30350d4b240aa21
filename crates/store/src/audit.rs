//! The hash-chained audit log: every write appends one entry in the same transaction.
//!
//! `entry_hash = SHA-256(prev_hash ‖ canonical(entry))`, with `prev_hash` of the first entry 32
//! zero bytes. `canonical` is the tag `penholder-audit-v1\0` followed by the fields in this
//! order: seq (u64 big-endian), at (i64 big-endian), actor_sub, actor_delegation, actor_role,
//! action, process, subject, payload_hash (32 bytes), detail — each text as a u32 big-endian
//! byte length and its UTF-8 bytes, each optional text as a byte 0 (absent) or 1 and the text.
//! Anyone can recompute the chain from these lines alone.
//!
//! On PostgreSQL several servers may append to one chain: every write batch first takes the
//! chain head's lock (see `runtime`), so [`append`] always reads the true head and no two
//! entries ever share a predecessor.
//!
//! [`verify`] walks the chain, then checks that every submission revision, decision and version
//! is vouched for by exactly one entry whose payload hash matches what is stored, so a record
//! changed or removed behind the log's back is found too.

use crate::db::{Conn, Row, args};
use crate::model::{AuditEntry, AuditReport};
use crate::{Actor, AuditError, StoreError};
use penholder_core::ContentHash;
use sha2::{Digest, Sha256};

const GENESIS: [u8; 32] = [0; 32];

/// An entry about to be appended.
pub(crate) struct NewEntry<'a> {
    pub at: i64,
    pub actor: &'a Actor,
    pub action: &'static str,
    pub process: Option<&'a str>,
    pub subject: String,
    pub payload_hash: ContentHash,
    pub detail: serde_json::Value,
}

/// The fields covered by the entry hash, borrowed from wherever they live.
struct Fields<'a> {
    seq: u64,
    at: i64,
    actor_sub: &'a str,
    actor_delegation: Option<&'a str>,
    actor_role: &'a str,
    action: &'a str,
    process: Option<&'a str>,
    subject: &'a str,
    payload_hash: &'a [u8; 32],
    detail: &'a str,
}

fn entry_hash(prev_hash: &[u8; 32], fields: &Fields<'_>) -> ContentHash {
    fn text(hasher: &mut Sha256, value: &str) {
        // Texts longer than 4 GiB cannot reach the log (the server limits bodies far below).
        let length = u32::try_from(value.len()).unwrap_or(u32::MAX);
        hasher.update(length.to_be_bytes());
        hasher.update(value.as_bytes());
    }
    fn optional(hasher: &mut Sha256, value: Option<&str>) {
        match value {
            None => hasher.update([0u8]),
            Some(value) => {
                hasher.update([1u8]);
                text(hasher, value);
            }
        }
    }
    let mut hasher = Sha256::new();
    hasher.update(prev_hash);
    hasher.update(b"penholder-audit-v1\0");
    hasher.update(fields.seq.to_be_bytes());
    hasher.update(fields.at.to_be_bytes());
    text(&mut hasher, fields.actor_sub);
    optional(&mut hasher, fields.actor_delegation);
    text(&mut hasher, fields.actor_role);
    text(&mut hasher, fields.action);
    optional(&mut hasher, fields.process);
    text(&mut hasher, fields.subject);
    hasher.update(fields.payload_hash);
    text(&mut hasher, fields.detail);
    ContentHash(hasher.finalize().into())
}

/// Appends an entry after the current head; returns its seq. Must run inside the transaction of
/// the write it records (the caller's), so that both commit or neither does. On PostgreSQL that
/// transaction holds the chain head's lock (taken when the batch began), so the head read here
/// is the true one even with several servers writing.
pub(crate) fn append(conn: Conn<'_>, entry: NewEntry<'_>) -> Result<u64, StoreError> {
    let head = match conn.cached_audit_head() {
        Some(head) => Some(head),
        None => conn
            .query_opt(
                "SELECT seq, entry_hash FROM audit ORDER BY seq DESC LIMIT 1",
                args![],
                |row| Ok((row.int(0)?, row.bytes(1)?)),
            )?
            .map(|(seq, hash)| {
                hash32(&hash).map(|hash| (seq, hash)).ok_or_else(|| {
                    StoreError::corrupt(format!("audit entry {seq} has a malformed hash"))
                })
            })
            .transpose()?,
    };
    let (seq, prev_hash) = match head {
        None => (1u64, GENESIS),
        Some((seq, hash)) => (
            u64::try_from(seq).map_err(|_| StoreError::corrupt("negative audit seq"))? + 1,
            hash,
        ),
    };
    let detail = entry.detail.to_string();
    let fields = Fields {
        seq,
        at: entry.at,
        actor_sub: &entry.actor.sub,
        actor_delegation: entry.actor.delegation.as_deref(),
        actor_role: &entry.actor.role,
        action: entry.action,
        process: entry.process,
        subject: &entry.subject,
        payload_hash: &entry.payload_hash.0,
        detail: &detail,
    };
    let hash = entry_hash(&prev_hash, &fields);
    // Nothing waits for this INSERT's answer: on PostgreSQL it goes out with the write's own
    // next statement (the record that points at this entry), in one round trip.
    conn.execute_ahead(
        "INSERT INTO audit (seq, at, actor_sub, actor_delegation, actor_role, action, process,
                            subject, payload_hash, detail, prev_hash, entry_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        args![
            seq as i64,
            entry.at,
            &entry.actor.sub,
            entry.actor.delegation.as_deref(),
            &entry.actor.role,
            entry.action,
            entry.process,
            &entry.subject,
            &entry.payload_hash.0[..],
            &detail,
            &prev_hash[..],
            &hash.0[..],
        ],
    )?;
    conn.cache_audit_head(seq as i64, hash.0);
    Ok(seq)
}

pub(crate) fn hash32(bytes: &[u8]) -> Option<[u8; 32]> {
    bytes.try_into().ok()
}

pub(crate) fn sha256(bytes: &[u8]) -> ContentHash {
    ContentHash(Sha256::digest(bytes).into())
}

/// A raw audit row, before its hashes are known to be well formed.
struct RawEntry {
    seq: i64,
    at: i64,
    actor_sub: String,
    actor_delegation: Option<String>,
    actor_role: String,
    action: String,
    process: Option<String>,
    subject: String,
    payload_hash: Vec<u8>,
    detail: String,
    prev_hash: Vec<u8>,
    entry_hash: Vec<u8>,
}

const SELECT_ENTRIES: &str = "SELECT seq, at, actor_sub, actor_delegation, actor_role, action,
    process, subject, payload_hash, detail, prev_hash, entry_hash FROM audit";

fn raw_entry(row: &Row<'_>) -> Result<RawEntry, StoreError> {
    Ok(RawEntry {
        seq: row.int(0)?,
        at: row.int(1)?,
        actor_sub: row.text(2)?,
        actor_delegation: row.opt_text(3)?,
        actor_role: row.text(4)?,
        action: row.text(5)?,
        process: row.opt_text(6)?,
        subject: row.text(7)?,
        payload_hash: row.bytes(8)?,
        detail: row.text(9)?,
        prev_hash: row.bytes(10)?,
        entry_hash: row.bytes(11)?,
    })
}

fn into_entry(raw: RawEntry) -> Result<AuditEntry, StoreError> {
    let bad =
        |what: &str| StoreError::corrupt(format!("audit entry {}: malformed {what}", raw.seq));
    Ok(AuditEntry {
        seq: u64::try_from(raw.seq).map_err(|_| bad("seq"))?,
        at: raw.at,
        payload_hash: ContentHash(hash32(&raw.payload_hash).ok_or_else(|| bad("payload hash"))?),
        prev_hash: ContentHash(hash32(&raw.prev_hash).ok_or_else(|| bad("previous hash"))?),
        entry_hash: ContentHash(hash32(&raw.entry_hash).ok_or_else(|| bad("entry hash"))?),
        actor_sub: raw.actor_sub,
        actor_delegation: raw.actor_delegation,
        actor_role: raw.actor_role,
        action: raw.action,
        process: raw.process,
        subject: raw.subject,
        detail: raw.detail,
    })
}

/// Entries after `after_seq` (oldest first), optionally only one process's, at most `limit`.
pub(crate) fn entries(
    conn: Conn<'_>,
    process: Option<&str>,
    after_seq: u64,
    limit: u32,
) -> Result<Vec<AuditEntry>, StoreError> {
    let after = i64::try_from(after_seq).unwrap_or(i64::MAX);
    let rows: Vec<RawEntry> = match process {
        Some(process) => conn.query_all(
            &format!("{SELECT_ENTRIES} WHERE process = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"),
            args![process, after, limit],
            raw_entry,
        )?,
        None => conn.query_all(
            &format!("{SELECT_ENTRIES} WHERE seq > ?1 ORDER BY seq LIMIT ?2"),
            args![after, limit],
            raw_entry,
        )?,
    };
    rows.into_iter().map(into_entry).collect()
}

fn tampered(seq: u64, problem: impl Into<String>) -> AuditError {
    AuditError::Tampered {
        seq,
        problem: problem.into(),
    }
}

/// How many rows the verification reads at a time: it walks each table in pages keyed on the
/// audit sequence number (one snapshot throughout), so memory stays flat however long the log.
const PAGE: i64 = 1_000;

/// Calls `each` on every row of `sql` (which takes `?1` = the key to start after and `?2` =
/// the page size, and orders by that key), page by page; `key` gives a row's key.
fn paged<T>(
    conn: Conn<'_>,
    sql: &str,
    read: impl Fn(&Row<'_>) -> Result<T, StoreError>,
    key: impl Fn(&T) -> i64,
    mut each: impl FnMut(T) -> Result<(), AuditError>,
) -> Result<(), AuditError> {
    let mut after = i64::MIN;
    loop {
        let rows = conn.query_all(sql, args![after, PAGE], &read)?;
        let full = rows.len() as i64 == PAGE;
        for row in rows {
            after = key(&row);
            each(row)?;
        }
        if !full {
            return Ok(());
        }
    }
}

/// Checks the whole chain and the records it vouches for. Reads one consistent snapshot (the
/// caller runs it inside a read transaction).
pub(crate) fn verify(conn: Conn<'_>) -> Result<AuditReport, AuditError> {
    let mut expected_seq = 1u64;
    let mut prev_hash = GENESIS;
    let mut head_hash = None;
    paged(
        conn,
        &format!("{SELECT_ENTRIES} WHERE seq > ?1 ORDER BY seq LIMIT ?2"),
        raw_entry,
        |raw| raw.seq,
        |raw| {
            let seq = u64::try_from(raw.seq).map_err(|_| tampered(expected_seq, "negative seq"))?;
            if seq != expected_seq {
                return Err(tampered(
                    expected_seq,
                    format!("missing (the next entry is {seq})"),
                ));
            }
            let stored_prev = hash32(&raw.prev_hash)
                .ok_or_else(|| tampered(seq, "its previous hash is malformed"))?;
            if stored_prev != prev_hash {
                return Err(tampered(
                    seq,
                    "its previous hash does not match the entry before it (an entry was removed, \
                     changed or reordered)",
                ));
            }
            let payload_hash = hash32(&raw.payload_hash)
                .ok_or_else(|| tampered(seq, "its payload hash is malformed"))?;
            let computed = entry_hash(
                &prev_hash,
                &Fields {
                    seq,
                    at: raw.at,
                    actor_sub: &raw.actor_sub,
                    actor_delegation: raw.actor_delegation.as_deref(),
                    actor_role: &raw.actor_role,
                    action: &raw.action,
                    process: raw.process.as_deref(),
                    subject: &raw.subject,
                    payload_hash: &payload_hash,
                    detail: &raw.detail,
                },
            );
            if raw.entry_hash[..] != computed.0[..] {
                return Err(tampered(
                    seq,
                    "its content does not match its hash (the entry was changed)",
                ));
            }
            prev_hash = computed.0;
            head_hash = Some(computed);
            expected_seq += 1;
            Ok(())
        },
    )?;
    let entries = expected_seq - 1;
    let submission_revisions = verify_submissions(conn)?;
    let decisions = verify_decisions(conn)?;
    let versions = verify_versions(conn)?;
    verify_coverage(conn)?;
    Ok(AuditReport {
        entries,
        head_seq: entries,
        head_hash,
        submission_revisions,
        decisions,
        versions,
    })
}

/// The other audited tables and the actions that write their rows. Their rows are checked for
/// coverage (each row has its entry, each entry its row); their payloads are not recomputed, as
/// those hashes cover canonical JSON whose key order a serde_json feature could change.
const AUDITED: &[(&str, &[&str])] = &[
    ("processes", &["process.create"]),
    ("delegations", &["delegation.add"]),
    ("documents", &["document.create"]),
    ("rounds", &["round.create"]),
    (
        "round_events",
        &[
            "round.open",
            "round.close",
            "round.extend",
            "round.consolidate",
        ],
    ),
];

fn verify_coverage(conn: Conn<'_>) -> Result<(), AuditError> {
    for (table, actions) in AUDITED {
        let allowed = actions
            .iter()
            .map(|action| format!("'{action}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let stray = conn.query_opt(
            &format!(
                "SELECT r.audit_seq, a.action FROM {table} r LEFT JOIN audit a ON a.seq = r.audit_seq
                 WHERE a.seq IS NULL OR a.action NOT IN ({allowed})
                 ORDER BY r.audit_seq LIMIT 1"
            ),
            args![],
            |row| Ok((row.int(0)?, row.opt_text(1)?)),
        )?;
        if let Some((seq, action)) = stray {
            let problem = match action {
                None => format!("missing, but a row of {table} refers to it"),
                Some(action) => format!("it records {action}, but a row of {table} refers to it"),
            };
            return Err(tampered(seq.max(0) as u64, problem));
        }
        for action in *actions {
            orphan_entry(conn, action, table)?;
        }
    }
    Ok(())
}

/// The first audit entry of `action` that no row of `table` points at.
fn orphan_entry(conn: Conn<'_>, action: &str, table: &str) -> Result<(), AuditError> {
    let orphan = conn.query_opt(
        &format!(
            "SELECT seq FROM audit a WHERE action = ?1
             AND NOT EXISTS (SELECT 1 FROM {table} r WHERE r.audit_seq = a.seq)
             ORDER BY seq LIMIT 1"
        ),
        args![action],
        |row| row.int(0),
    )?;
    match orphan {
        Some(seq) => Err(tampered(
            seq.max(0) as u64,
            format!("it records a {action} whose row in {table} is missing"),
        )),
        None => Ok(()),
    }
}

/// Looks up the entry a record points at and checks its action, subject and payload hash.
fn vouch(
    conn: Conn<'_>,
    audit_seq: i64,
    action: &str,
    subject: &str,
    payload_hash: &ContentHash,
    record: &str,
) -> Result<AuditEntry, AuditError> {
    let seq = audit_seq.max(0) as u64;
    let raw = conn
        .query_opt(
            &format!("{SELECT_ENTRIES} WHERE seq = ?1"),
            args![audit_seq],
            raw_entry,
        )?
        .ok_or_else(|| tampered(seq, format!("missing, but {record} refers to it")))?;
    let entry = into_entry(raw)?;
    if entry.action != action || entry.subject != subject {
        return Err(tampered(
            seq,
            format!(
                "it records {} {}, but {record} refers to it",
                entry.action, entry.subject
            ),
        ));
    }
    if entry.payload_hash != *payload_hash {
        return Err(tampered(
            seq,
            format!("{record} no longer matches the hash this entry recorded"),
        ));
    }
    Ok(entry)
}

fn verify_submissions(conn: Conn<'_>) -> Result<u64, AuditError> {
    let mut count = 0;
    paged(
        conn,
        "SELECT p.slug, r.number, d.code, s.revision, s.items, s.receipt, s.audit_seq
         FROM submission_revisions s
         JOIN rounds r ON r.id = s.round_id
         JOIN processes p ON p.id = r.process_id
         JOIN delegations d ON d.id = s.delegation_id
         WHERE s.audit_seq > ?1
         ORDER BY s.audit_seq LIMIT ?2",
        |row| {
            Ok((
                row.text(0)?,
                row.int(1)?,
                row.text(2)?,
                row.int(3)?,
                row.bytes(4)?,
                row.bytes(5)?,
                row.int(6)?,
            ))
        },
        |row| row.6,
        |(process, round, delegation, revision, items, receipt, audit_seq)| {
            let record = format!("submission {delegation} revision {revision} of round {round}");
            let items_hash = sha256(&items);
            if receipt[..] != items_hash.0[..] {
                return Err(tampered(
                    audit_seq.max(0) as u64,
                    format!("the items of {record} do not match its receipt"),
                ));
            }
            let subject = format!(
                "processes/{process}/rounds/{round}/submissions/{delegation}/revisions/{revision}"
            );
            vouch(
                conn,
                audit_seq,
                "submission.put",
                &subject,
                &items_hash,
                &record,
            )?;
            count += 1;
            Ok(())
        },
    )?;
    orphan_entry(conn, "submission.put", "submission_revisions")?;
    Ok(count)
}

fn verify_decisions(conn: Conn<'_>) -> Result<u64, AuditError> {
    let mut count = 0;
    paged(
        conn,
        "SELECT p.slug, r.number, x.change, x.decision, x.audit_seq
         FROM decisions x
         JOIN rounds r ON r.id = x.round_id
         JOIN processes p ON p.id = r.process_id
         WHERE x.audit_seq > ?1
         ORDER BY x.audit_seq LIMIT ?2",
        |row| {
            Ok((
                row.text(0)?,
                row.int(1)?,
                row.text(2)?,
                row.text(3)?,
                row.int(4)?,
            ))
        },
        |row| row.4,
        |(process, round, change, decision, audit_seq)| {
            let subject = format!("processes/{process}/rounds/{round}/decisions/{change}");
            let record = format!("the decision on {change} in round {round}");
            vouch(
                conn,
                audit_seq,
                "decision.put",
                &subject,
                &sha256(decision.as_bytes()),
                &record,
            )?;
            count += 1;
            Ok(())
        },
    )?;
    orphan_entry(conn, "decision.put", "decisions")?;
    Ok(count)
}

type RawVersionRow = (
    String,
    String,
    i64,
    Vec<u8>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    i64,
);

fn verify_versions(conn: Conn<'_>) -> Result<u64, AuditError> {
    let mut count = 0;
    paged(
        conn,
        "SELECT p.slug, d.slug, v.number, v.root, v.provenance, v.changes, v.audit_seq
         FROM versions v
         JOIN documents d ON d.id = v.document_id
         JOIN processes p ON p.id = d.process_id
         WHERE v.audit_seq > ?1
         ORDER BY v.audit_seq LIMIT ?2",
        |row| -> Result<RawVersionRow, StoreError> {
            Ok((
                row.text(0)?,
                row.text(1)?,
                row.int(2)?,
                row.bytes(3)?,
                row.opt_bytes(4)?,
                row.opt_bytes(5)?,
                row.int(6)?,
            ))
        },
        |row| row.6,
        |(process, document, number, root, provenance, changes, audit_seq)| {
            let seq = audit_seq.max(0) as u64;
            let record = format!("version {number} of {document}");
            let root = ContentHash(
                hash32(&root)
                    .ok_or_else(|| tampered(seq, format!("{record} has a malformed root")))?,
            );
            let subject = format!("processes/{process}/documents/{document}/versions/{number}");
            let entry = vouch(conn, audit_seq, "version.publish", &subject, &root, &record)?;
            // The text itself: every object must be present and match its hash.
            crate::reader::assemble_tree(conn, root)
                .map_err(|error| tampered(seq, format!("the text of {record}: {error}")))?;
            let detail: serde_json::Value = serde_json::from_str(&entry.detail)
                .map_err(|_| tampered(seq, "its detail is not JSON"))?;
            for (field, blob) in [("provenance", &provenance), ("changes", &changes)] {
                let recorded = detail.get(field).and_then(|v| v.as_str());
                let stored = blob.as_deref().map(|b| sha256(b).to_hex());
                if recorded != stored.as_deref() {
                    return Err(tampered(
                        seq,
                        format!(
                            "the {field} of {record} no longer match the hash this entry recorded"
                        ),
                    ));
                }
            }
            count += 1;
            Ok(())
        },
    )?;
    orphan_entry(conn, "version.publish", "versions")?;
    Ok(count)
}
