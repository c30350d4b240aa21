//! The schema as an append-only list of migrations keyed on SQLite's `user_version`, in the
//! manner of cargo's `util/sqlite.rs`: migration *n* (1-based) brings a database from
//! `user_version = n - 1` to `n`. Never edit or reorder a released migration; append a new one.
//!
//! History tables refuse UPDATE and DELETE through triggers, so that even a bug in this crate
//! cannot rewrite the record; only someone who drops the triggers by hand can, and the audit
//! chain then gives them away.

use crate::StoreError;
use rusqlite::Connection;

/// The migrations, oldest first.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: the negotiation's record and its audit log.
    r#"
    CREATE TABLE audit (
        seq              INTEGER PRIMARY KEY,
        at               INTEGER NOT NULL,
        actor_sub        TEXT NOT NULL,
        actor_delegation TEXT,
        actor_role       TEXT NOT NULL,
        action           TEXT NOT NULL,
        process          TEXT,
        subject          TEXT NOT NULL,
        payload_hash     BLOB NOT NULL,
        detail           TEXT NOT NULL,
        prev_hash        BLOB NOT NULL,
        entry_hash       BLOB NOT NULL
    ) STRICT;
    CREATE INDEX audit_by_process ON audit (process, seq);

    CREATE TABLE processes (
        id         INTEGER PRIMARY KEY,
        slug       TEXT NOT NULL UNIQUE,
        title      TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        audit_seq  INTEGER NOT NULL UNIQUE REFERENCES audit (seq)
    ) STRICT;

    CREATE TABLE delegations (
        id            INTEGER PRIMARY KEY,
        process_id    INTEGER NOT NULL REFERENCES processes (id),
        code          TEXT NOT NULL,
        name          TEXT NOT NULL,
        kind          TEXT NOT NULL,
        participation TEXT NOT NULL,
        function      TEXT,
        members       TEXT NOT NULL,
        created_at    INTEGER NOT NULL,
        audit_seq     INTEGER NOT NULL UNIQUE REFERENCES audit (seq),
        UNIQUE (process_id, code)
    ) STRICT;

    CREATE TABLE documents (
        id             INTEGER PRIMARY KEY,
        process_id     INTEGER NOT NULL REFERENCES processes (id),
        slug           TEXT NOT NULL,
        title          TEXT NOT NULL,
        classification TEXT,
        created_at     INTEGER NOT NULL,
        created_by     TEXT NOT NULL,
        audit_seq      INTEGER NOT NULL UNIQUE REFERENCES audit (seq),
        UNIQUE (process_id, slug)
    ) STRICT;

    -- Content-addressed nodes shared between versions (penholder_core::objects_of).
    CREATE TABLE objects (
        hash  BLOB PRIMARY KEY,
        bytes BLOB NOT NULL
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE versions (
        id          INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents (id),
        number      INTEGER NOT NULL CHECK (number >= 1),
        label       TEXT NOT NULL,
        parent      INTEGER,
        root        BLOB NOT NULL REFERENCES objects (hash),
        round_id    INTEGER REFERENCES rounds (id),
        provenance  BLOB,
        changes     BLOB,
        created_at  INTEGER NOT NULL,
        created_by  TEXT NOT NULL,
        audit_seq   INTEGER NOT NULL UNIQUE REFERENCES audit (seq),
        UNIQUE (document_id, number),
        FOREIGN KEY (document_id, parent) REFERENCES versions (document_id, number)
    ) STRICT;

    CREATE TABLE rounds (
        id           INTEGER PRIMARY KEY,
        process_id   INTEGER NOT NULL REFERENCES processes (id),
        number       INTEGER NOT NULL CHECK (number >= 1),
        document_id  INTEGER NOT NULL REFERENCES documents (id),
        base_version INTEGER NOT NULL,
        label        TEXT NOT NULL,
        opens_at     INTEGER NOT NULL,
        closes_at    INTEGER NOT NULL,
        state        TEXT NOT NULL CHECK (state IN ('planned', 'open', 'closed', 'consolidated')),
        created_at   INTEGER NOT NULL,
        created_by   TEXT NOT NULL,
        audit_seq    INTEGER NOT NULL UNIQUE REFERENCES audit (seq),
        UNIQUE (process_id, number),
        FOREIGN KEY (document_id, base_version) REFERENCES versions (document_id, number)
    ) STRICT;

    -- Every change to a round after its creation; rounds.state/opens_at/closes_at are the
    -- current values, this table is how they came to be.
    CREATE TABLE round_events (
        id               INTEGER PRIMARY KEY,
        round_id         INTEGER NOT NULL REFERENCES rounds (id),
        action           TEXT NOT NULL,
        at               INTEGER NOT NULL,
        actor_sub        TEXT NOT NULL,
        state_before     TEXT NOT NULL,
        state_after      TEXT NOT NULL,
        closes_at_before INTEGER NOT NULL,
        closes_at_after  INTEGER NOT NULL,
        audit_seq        INTEGER NOT NULL UNIQUE REFERENCES audit (seq)
    ) STRICT;

    CREATE TABLE submission_revisions (
        id            INTEGER PRIMARY KEY,
        round_id      INTEGER NOT NULL REFERENCES rounds (id),
        delegation_id INTEGER NOT NULL REFERENCES delegations (id),
        revision      INTEGER NOT NULL CHECK (revision >= 1),
        items         BLOB NOT NULL,
        hunks         BLOB NOT NULL,
        receipt       BLOB NOT NULL,
        submitted_at  INTEGER NOT NULL,
        submitted_by  TEXT NOT NULL,
        audit_seq     INTEGER NOT NULL UNIQUE REFERENCES audit (seq),
        UNIQUE (round_id, delegation_id, revision)
    ) STRICT;

    CREATE TABLE decisions (
        id         INTEGER PRIMARY KEY,
        round_id   INTEGER NOT NULL REFERENCES rounds (id),
        change     TEXT NOT NULL,
        decision   TEXT NOT NULL,
        decided_by TEXT NOT NULL,
        decided_at INTEGER NOT NULL,
        audit_seq  INTEGER NOT NULL UNIQUE REFERENCES audit (seq)
    ) STRICT;
    CREATE INDEX decisions_by_change ON decisions (round_id, change, id);

    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER processes_no_update BEFORE UPDATE ON processes
        BEGIN SELECT RAISE(ABORT, 'processes are append-only'); END;
    CREATE TRIGGER processes_no_delete BEFORE DELETE ON processes
        BEGIN SELECT RAISE(ABORT, 'processes are append-only'); END;
    CREATE TRIGGER delegations_no_update BEFORE UPDATE ON delegations
        BEGIN SELECT RAISE(ABORT, 'delegations are append-only'); END;
    CREATE TRIGGER delegations_no_delete BEFORE DELETE ON delegations
        BEGIN SELECT RAISE(ABORT, 'delegations are append-only'); END;
    CREATE TRIGGER documents_no_update BEFORE UPDATE ON documents
        BEGIN SELECT RAISE(ABORT, 'documents are append-only'); END;
    CREATE TRIGGER documents_no_delete BEFORE DELETE ON documents
        BEGIN SELECT RAISE(ABORT, 'documents are append-only'); END;
    CREATE TRIGGER objects_no_update BEFORE UPDATE ON objects
        BEGIN SELECT RAISE(ABORT, 'objects are append-only'); END;
    CREATE TRIGGER objects_no_delete BEFORE DELETE ON objects
        BEGIN SELECT RAISE(ABORT, 'objects are append-only'); END;
    CREATE TRIGGER versions_no_update BEFORE UPDATE ON versions
        BEGIN SELECT RAISE(ABORT, 'versions are append-only'); END;
    CREATE TRIGGER versions_no_delete BEFORE DELETE ON versions
        BEGIN SELECT RAISE(ABORT, 'versions are append-only'); END;
    -- A round's state and clock move (each move recorded in round_events); nothing else does.
    CREATE TRIGGER rounds_fixed_columns BEFORE UPDATE OF
        id, process_id, number, document_id, base_version, label, created_at, created_by, audit_seq
        ON rounds
        BEGIN SELECT RAISE(ABORT, 'a round''s definition is append-only'); END;
    CREATE TRIGGER rounds_no_delete BEFORE DELETE ON rounds
        BEGIN SELECT RAISE(ABORT, 'rounds are append-only'); END;
    CREATE TRIGGER round_events_no_update BEFORE UPDATE ON round_events
        BEGIN SELECT RAISE(ABORT, 'round events are append-only'); END;
    CREATE TRIGGER round_events_no_delete BEFORE DELETE ON round_events
        BEGIN SELECT RAISE(ABORT, 'round events are append-only'); END;
    CREATE TRIGGER submission_revisions_no_update BEFORE UPDATE ON submission_revisions
        BEGIN SELECT RAISE(ABORT, 'submission revisions are append-only'); END;
    CREATE TRIGGER submission_revisions_no_delete BEFORE DELETE ON submission_revisions
        BEGIN SELECT RAISE(ABORT, 'submission revisions are append-only'); END;
    CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
        BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
    CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
        BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
    "#,
    // 2: responses kept under Idempotency-Key, so a retried POST/PUT is answered, not redone.
    // Not history: a later migration may expire old keys.
    r#"
    CREATE TABLE idempotency_keys (
        scope        TEXT NOT NULL,
        key          TEXT NOT NULL,
        request_hash BLOB NOT NULL,
        status       INTEGER NOT NULL,
        response     BLOB NOT NULL,
        created_at   INTEGER NOT NULL,
        PRIMARY KEY (scope, key)
    ) STRICT, WITHOUT ROWID;
    "#,
];

/// Brings the database up to `migrations.len()`, all in one transaction: a crash half-way leaves
/// the old schema, never half of a new one.
pub(crate) fn migrate(conn: &mut Connection, migrations: &[&str]) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let user_version: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let current = usize::try_from(user_version)
        .map_err(|_| StoreError::corrupt(format!("negative schema version {user_version}")))?;
    if current > migrations.len() {
        return Err(StoreError::invalid(format!(
            "the database has schema version {current}, newer than this penholder knows ({}); \
             use a newer penholder",
            migrations.len()
        )));
    }
    for migration in &migrations[current..] {
        tx.execute_batch(migration)?;
    }
    if current < migrations.len() {
        tx.pragma_update(None, "user_version", migrations.len() as i64)?;
    }
    tx.commit()?;
    Ok(())
}

/// The schema version of a database (0 for an empty one).
pub(crate) fn user_version(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn.query_row("PRAGMA user_version", [], |row| row.get(0))?)
}
