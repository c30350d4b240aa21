//! The schema as an append-only list of migrations keyed on SQLite's `user_version`, in the
//! manner of cargo's `util/sqlite.rs`: migration *n* (1-based) brings a database from
//! `user_version = n - 1` to `n`. Never edit or reorder a released migration; append a new one.
//!
//! History tables refuse UPDATE and DELETE through triggers, so that even a bug in this crate
//! cannot rewrite the record; only someone who drops the triggers by hand can, and the audit
//! chain then gives them away.

use crate::StoreError;
use crate::db::{Conn, args};
use crate::pg::{MIGRATION_LOCK, PgConn};
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
    // 3: the search index (search.rs): each distinct text of a node in a document, FTS5 over
    // it, and the versions that hold it with the node's reference there. Derived from the
    // versions, written in the transaction that stores each version.
    r#"
    CREATE TABLE search_texts (
        id          INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents (id),
        node_id     TEXT NOT NULL,
        text_hash   TEXT NOT NULL,
        text        TEXT NOT NULL,
        UNIQUE (document_id, node_id, text_hash)
    ) STRICT;
    CREATE VIRTUAL TABLE search_fts USING fts5 (
        text, content = 'search_texts', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 0'
    );
    CREATE TRIGGER search_texts_indexed AFTER INSERT ON search_texts
        BEGIN INSERT INTO search_fts (rowid, text) VALUES (new.id, new.text); END;
    CREATE TABLE search_occurrences (
        text_id   INTEGER NOT NULL REFERENCES search_texts (id),
        version   INTEGER NOT NULL,
        reference TEXT NOT NULL,
        PRIMARY KEY (text_id, version)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE search_indexed (
        document_id INTEGER NOT NULL REFERENCES documents (id),
        version     INTEGER NOT NULL,
        PRIMARY KEY (document_id, version)
    ) STRICT, WITHOUT ROWID;
    "#,
    // 4: the web front's sign-in: a one-time link is used once (its token's id kept until it
    // expires), and a session is a random cookie whose hash names the caller's claims. Not
    // history: expired rows may be deleted.
    r#"
    CREATE TABLE web_sign_in_links (
        link_id    TEXT NOT NULL PRIMARY KEY,
        used_at    INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE web_sessions (
        id_hash    BLOB NOT NULL PRIMARY KEY,
        subject    TEXT NOT NULL,
        role       TEXT NOT NULL,
        delegation TEXT,
        csrf       TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
    ) STRICT, WITHOUT ROWID;
    "#,
    // 5: the state of the text (issue 16): each paragraph's status changes, the delegations'
    // reservations and their withdrawals, the adoption of a whole text. All keyed on the node's
    // stable id (carried across versions), all history (append-only), all in the audit chain.
    r#"
    CREATE TABLE paragraph_statuses (
        id          INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents (id),
        node        TEXT NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('open', 'agreed_ad_ref', 'agreed')),
        note        TEXT NOT NULL,
        version     INTEGER NOT NULL,
        set_by      TEXT NOT NULL,
        set_at      INTEGER NOT NULL,
        audit_seq   INTEGER NOT NULL UNIQUE REFERENCES audit (seq),
        FOREIGN KEY (document_id, version) REFERENCES versions (document_id, number)
    ) STRICT;
    CREATE INDEX paragraph_statuses_by_document ON paragraph_statuses (document_id, id);

    CREATE TABLE reservations (
        id            INTEGER PRIMARY KEY,
        document_id   INTEGER NOT NULL REFERENCES documents (id),
        number        INTEGER NOT NULL CHECK (number >= 1),
        node          TEXT NOT NULL,
        delegation_id INTEGER NOT NULL REFERENCES delegations (id),
        kind          TEXT NOT NULL
            CHECK (kind IN ('scrutiny', 'general', 'parliamentary', 'linguistic')),
        text          TEXT NOT NULL,
        version       INTEGER NOT NULL,
        entered_by    TEXT NOT NULL,
        entered_at    INTEGER NOT NULL,
        audit_seq     INTEGER NOT NULL UNIQUE REFERENCES audit (seq),
        UNIQUE (document_id, number),
        FOREIGN KEY (document_id, version) REFERENCES versions (document_id, number)
    ) STRICT;

    CREATE TABLE reservation_withdrawals (
        id             INTEGER PRIMARY KEY,
        reservation_id INTEGER NOT NULL UNIQUE REFERENCES reservations (id),
        note           TEXT NOT NULL,
        withdrawn_by   TEXT NOT NULL,
        withdrawn_at   INTEGER NOT NULL,
        audit_seq      INTEGER NOT NULL UNIQUE REFERENCES audit (seq)
    ) STRICT;

    CREATE TABLE adoptions (
        id          INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL UNIQUE REFERENCES documents (id),
        version     INTEGER NOT NULL,
        note        TEXT NOT NULL,
        adopted_by  TEXT NOT NULL,
        adopted_at  INTEGER NOT NULL,
        audit_seq   INTEGER NOT NULL UNIQUE REFERENCES audit (seq),
        FOREIGN KEY (document_id, version) REFERENCES versions (document_id, number)
    ) STRICT;

    CREATE TRIGGER paragraph_statuses_no_update BEFORE UPDATE ON paragraph_statuses
        BEGIN SELECT RAISE(ABORT, 'paragraph statuses are append-only'); END;
    CREATE TRIGGER paragraph_statuses_no_delete BEFORE DELETE ON paragraph_statuses
        BEGIN SELECT RAISE(ABORT, 'paragraph statuses are append-only'); END;
    CREATE TRIGGER reservations_no_update BEFORE UPDATE ON reservations
        BEGIN SELECT RAISE(ABORT, 'reservations are append-only'); END;
    CREATE TRIGGER reservations_no_delete BEFORE DELETE ON reservations
        BEGIN SELECT RAISE(ABORT, 'reservations are append-only'); END;
    CREATE TRIGGER reservation_withdrawals_no_update BEFORE UPDATE ON reservation_withdrawals
        BEGIN SELECT RAISE(ABORT, 'reservation withdrawals are append-only'); END;
    CREATE TRIGGER reservation_withdrawals_no_delete BEFORE DELETE ON reservation_withdrawals
        BEGIN SELECT RAISE(ABORT, 'reservation withdrawals are append-only'); END;
    CREATE TRIGGER adoptions_no_update BEFORE UPDATE ON adoptions
        BEGIN SELECT RAISE(ABORT, 'adoptions are append-only'); END;
    CREATE TRIGGER adoptions_no_delete BEFORE DELETE ON adoptions
        BEGIN SELECT RAISE(ABORT, 'adoptions are append-only'); END;
    "#,
    // 6: read marks (issue 17): the version each person last marked as read in a document,
    // for the redline "since I last read". Not history (a row per person and document,
    // replaced as they read), not in the audit chain: it records no decision and no act of a
    // delegation.
    r#"
    CREATE TABLE read_marks (
        document_id INTEGER NOT NULL REFERENCES documents (id),
        subject     TEXT NOT NULL,
        version     INTEGER NOT NULL,
        marked_at   INTEGER NOT NULL,
        PRIMARY KEY (document_id, subject),
        FOREIGN KEY (document_id, version) REFERENCES versions (document_id, number)
    ) STRICT, WITHOUT ROWID;
    "#,
    // 7: the search index of proposals (proposal_search.rs): each item of the latest revision
    // of each submission of a consolidated round, FTS5 over it. Derived, written in the
    // transaction that stores the consolidating version; never before (sealed submissions).
    r#"
    CREATE TABLE search_proposals (
        id          INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents (id),
        round       INTEGER NOT NULL,
        delegation  TEXT NOT NULL,
        revision    INTEGER NOT NULL,
        item        INTEGER NOT NULL,
        kind        TEXT NOT NULL,
        reference   TEXT NOT NULL,
        text        TEXT NOT NULL,
        UNIQUE (document_id, round, delegation, item)
    ) STRICT;
    CREATE VIRTUAL TABLE search_proposals_fts USING fts5 (
        text, content = 'search_proposals', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 0'
    );
    CREATE TRIGGER search_proposals_indexed AFTER INSERT ON search_proposals
        BEGIN INSERT INTO search_proposals_fts (rowid, text) VALUES (new.id, new.text); END;
    "#,
    // 8 (COALITION_MIGRATION): coalitions (issue 16, item 4): a group member's agreement to
    // the group's common text, its dissociation from one of the group's items, a delegation's
    // co-sponsoring of another's item. Acts of a delegation: history, in the audit chain.
    r#"
    CREATE TABLE coalition_acts (
        id            INTEGER PRIMARY KEY,
        round_id      INTEGER NOT NULL REFERENCES rounds (id),
        kind          TEXT NOT NULL CHECK (kind IN ('agree', 'dissociate', 'cosponsor')),
        delegation_id INTEGER NOT NULL REFERENCES delegations (id),
        proposer_id   INTEGER NOT NULL REFERENCES delegations (id),
        revision      INTEGER NOT NULL CHECK (revision >= 1),
        item          INTEGER CHECK (item IS NULL OR item >= 1),
        fingerprint   TEXT NOT NULL,
        note          TEXT NOT NULL,
        acted_by      TEXT NOT NULL,
        acted_at      INTEGER NOT NULL,
        audit_seq     INTEGER NOT NULL UNIQUE REFERENCES audit (seq),
        CHECK ((kind = 'agree') = (item IS NULL))
    ) STRICT;
    CREATE INDEX coalition_acts_by_round ON coalition_acts (round_id, id);
    CREATE TRIGGER coalition_acts_no_update BEFORE UPDATE ON coalition_acts
        BEGIN SELECT RAISE(ABORT, 'coalition acts are append-only'); END;
    CREATE TRIGGER coalition_acts_no_delete BEFORE DELETE ON coalition_acts
        BEGIN SELECT RAISE(ABORT, 'coalition acts are append-only'); END;
    "#,
    // 9 (EVENTS_MIGRATION): events and webhooks (issue 17, item 5). The outbox is history (append-only): each
    // event written in the transaction of the act it tells of; `once_key` makes an event told
    // by whichever server notices it first (a round closed by the clock) recorded once.
    // Subscriptions and deliveries are a machine's state (they change); the attempts are a log.
    r#"
    CREATE TABLE events (
        id         INTEGER PRIMARY KEY,
        process_id INTEGER NOT NULL REFERENCES processes (id),
        kind       TEXT NOT NULL,
        round      INTEGER,
        at         INTEGER NOT NULL,
        payload    TEXT NOT NULL,
        once_key   TEXT UNIQUE
    ) STRICT;
    CREATE INDEX events_by_process ON events (process_id, id);
    CREATE INDEX events_by_round ON events (process_id, round);
    CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

    CREATE TABLE webhooks (
        id         INTEGER PRIMARY KEY,
        process_id INTEGER NOT NULL REFERENCES processes (id),
        number     INTEGER NOT NULL CHECK (number >= 1),
        url        TEXT NOT NULL,
        secret     TEXT NOT NULL,
        kinds      TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        deleted_at INTEGER,
        UNIQUE (process_id, number)
    ) STRICT;

    CREATE TABLE webhook_deliveries (
        id            INTEGER PRIMARY KEY,
        webhook_id    INTEGER NOT NULL REFERENCES webhooks (id),
        event_id      INTEGER NOT NULL REFERENCES events (id),
        state         TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts      INTEGER NOT NULL,
        next_at       INTEGER NOT NULL,
        claimed_until INTEGER NOT NULL,
        last_status   INTEGER,
        last_error    TEXT,
        delivered_at  INTEGER,
        UNIQUE (webhook_id, event_id)
    ) STRICT;
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_at);

    CREATE TABLE webhook_attempts (
        id          INTEGER PRIMARY KEY,
        delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries (id),
        attempt     INTEGER NOT NULL,
        at          INTEGER NOT NULL,
        status      INTEGER,
        error       TEXT,
        duration_ms INTEGER NOT NULL,
        UNIQUE (delivery_id, attempt)
    ) STRICT;
    CREATE TRIGGER webhook_attempts_no_update BEFORE UPDATE ON webhook_attempts
        BEGIN SELECT RAISE(ABORT, 'webhook attempts are append-only'); END;
    CREATE TRIGGER webhook_attempts_no_delete BEFORE DELETE ON webhook_attempts
        BEGIN SELECT RAISE(ABORT, 'webhook attempts are append-only'); END;
    "#,
    // 10 (SYMBOL_MIGRATION): the document's symbol (`8056/24`), set at its creation or later by the chair.
    r#"
    CREATE TABLE document_symbols (
        id          INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents (id),
        symbol      TEXT NOT NULL,
        set_by      TEXT NOT NULL,
        set_at      INTEGER NOT NULL,
        audit_seq   INTEGER NOT NULL UNIQUE REFERENCES audit (seq)
    ) STRICT;
    CREATE INDEX document_symbols_by_document ON document_symbols (document_id, id);
    CREATE TRIGGER document_symbols_no_update BEFORE UPDATE ON document_symbols
        BEGIN SELECT RAISE(ABORT, 'document symbols are append-only'); END;
    CREATE TRIGGER document_symbols_no_delete BEFORE DELETE ON document_symbols
        BEGIN SELECT RAISE(ABORT, 'document symbols are append-only'); END;
    "#,
    // 11 (BRACKETS_MIGRATION): brackets (issue 16): the open brackets a consolidation carried into the version it
    // published (the deferred changes, with their alternatives and supporters), one row per
    // version that has any, encoded by `codec::encode_brackets`; history (append-only), in the
    // audit chain (`version.brackets`, appended just before the version's own entry).
    r#"
    CREATE TABLE version_brackets (
        document_id INTEGER NOT NULL REFERENCES documents (id),
        version     INTEGER NOT NULL,
        brackets    BLOB NOT NULL,
        created_at  INTEGER NOT NULL,
        created_by  TEXT NOT NULL,
        audit_seq   INTEGER NOT NULL UNIQUE REFERENCES audit (seq),
        PRIMARY KEY (document_id, version),
        FOREIGN KEY (document_id, version) REFERENCES versions (document_id, number)
    ) STRICT;
    CREATE TRIGGER version_brackets_no_update BEFORE UPDATE ON version_brackets
        BEGIN SELECT RAISE(ABORT, 'version brackets are append-only'); END;
    CREATE TRIGGER version_brackets_no_delete BEFORE DELETE ON version_brackets
        BEGIN SELECT RAISE(ABORT, 'version brackets are append-only'); END;
    "#,
    // 12 (DRAFTS_MIGRATION): a delegation's draft in a round (issue 15, item 3): the proposals it
    // keeps before submitting them, one row per round and delegation, replaced as it keeps and
    // removes items and deleted when it submits them (`drafts.rs`). Mutable and not in the audit
    // chain: a draft is no act of the negotiation (nobody but its delegation sees it, and what
    // it submits is recorded, audited and receipted as any submission).
    r#"
    CREATE TABLE drafts (
        round_id      INTEGER NOT NULL REFERENCES rounds (id),
        delegation_id INTEGER NOT NULL REFERENCES delegations (id),
        items         BLOB NOT NULL,
        change_seq    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL,
        updated_by    TEXT NOT NULL,
        PRIMARY KEY (round_id, delegation_id)
    ) STRICT, WITHOUT ROWID;
    "#,
    // 13 (DELIVERY_PRUNING_MIGRATION): finished webhook deliveries are pruned after a retention
    // (`Writer::prune_deliveries`): a delivery's attempts stay append-only while it is
    // pending, and may be deleted with it once it was delivered or given up.
    r#"
    DROP TRIGGER webhook_attempts_no_delete;
    CREATE TRIGGER webhook_attempts_no_delete BEFORE DELETE ON webhook_attempts
        WHEN COALESCE((SELECT state FROM webhook_deliveries WHERE id = OLD.delivery_id), 'pending')
             = 'pending'
        BEGIN SELECT RAISE(ABORT, 'webhook attempts are append-only while their delivery is pending'); END;
    "#,
];

/// The number of the migration that creates the search index (migration n brings the schema
/// to version n): from it on, versions stored without their index rows are indexed where the
/// schema is brought up to date.
const SEARCH_MIGRATION: usize = 3;

/// The number of the migration that keeps the state of a text (paragraph statuses,
/// reservations, adoptions): a database below it, read without migrating, has none.
pub(crate) const STATE_MIGRATION: usize = 5;

/// The number of the migration that keeps read marks (`read_marks.rs`).
#[allow(dead_code)] // reason: named so that the coordinator can renumber it when merging
pub(crate) const READ_MARKS_MIGRATION: usize = 6;

/// The number of the migration that creates the search index of proposals: a database brought
/// past it has the proposals of its consolidated rounds indexed then.
pub(crate) const PROPOSAL_SEARCH_MIGRATION: usize = 7;

/// The number of the migration that keeps coalitions' acts (agreements, dissociations,
/// co-sponsorships): a database below it, read without migrating, has none.
pub(crate) const COALITION_MIGRATION: usize = 8;

/// The number of the migration that keeps events and webhooks (`crate::events`).
#[cfg_attr(
    not(test),
    expect(
        dead_code,
        reason = "named so the merge can renumber it; read by the tests"
    )
)]
pub(crate) const EVENTS_MIGRATION: usize = 9;

/// The number of the migration that keeps documents' symbols: a database below it, read
/// without migrating, has none.
pub(crate) const SYMBOL_MIGRATION: usize = 10;

/// The number of the migration that keeps the brackets carried into a version: a database
/// below it, read without migrating, has none.
pub(crate) const BRACKETS_MIGRATION: usize = 11;

/// The number of the migration that keeps delegations' drafts (`drafts.rs`): a database below
/// it, read without migrating, has none.
pub(crate) const DRAFTS_MIGRATION: usize = 12;
/// The number of the migration that lets finished webhook deliveries be pruned with their
/// attempts (`crate::events`, `Writer::prune_deliveries`).
#[cfg_attr(
    not(test),
    expect(
        dead_code,
        reason = "named so the merge can renumber it; read by the tests"
    )
)]
pub(crate) const DELIVERY_PRUNING_MIGRATION: usize = 13;

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
    if migrations.len() >= SEARCH_MIGRATION {
        crate::search::catch_up(Conn::Sqlite(&tx))?;
    }
    if current < PROPOSAL_SEARCH_MIGRATION && migrations.len() >= PROPOSAL_SEARCH_MIGRATION {
        crate::proposal_search::catch_up(Conn::Sqlite(&tx))?;
    }
    tx.commit()?;
    Ok(())
}

/// The schema version of a database (0 for an empty one).
pub(crate) fn user_version(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn.query_row("PRAGMA user_version", [], |row| row.get(0))?)
}

/// The schema version, on either backend.
pub(crate) fn version(conn: Conn<'_>) -> Result<u32, StoreError> {
    match conn {
        Conn::Sqlite(conn) => user_version(conn),
        Conn::Postgres(_) => conn.query_one(
            "SELECT COALESCE(MAX(version), 0) FROM penholder_schema",
            args![],
            |row| row.u32(0),
        ),
    }
}

/// The PostgreSQL schema: the same tables, columns, constraints and append-only rules as
/// [`MIGRATIONS`], numbered alike (migration *n* here is migration *n* there), in PostgreSQL's
/// words: BIGINT for integers (identity columns for the row ids), BYTEA for blobs, and one
/// trigger function that refuses a change with the message its trigger hands it. Truncation is
/// refused too (it bypasses row triggers).
pub(crate) const PG_MIGRATIONS: &[&str] = &[
    // 1: the negotiation's record and its audit log.
    r#"
    CREATE TABLE audit (
        seq              BIGINT PRIMARY KEY,
        at               BIGINT NOT NULL,
        actor_sub        TEXT NOT NULL,
        actor_delegation TEXT,
        actor_role       TEXT NOT NULL,
        action           TEXT NOT NULL,
        process          TEXT,
        subject          TEXT NOT NULL,
        payload_hash     BYTEA NOT NULL,
        detail           TEXT NOT NULL,
        prev_hash        BYTEA NOT NULL,
        entry_hash       BYTEA NOT NULL
    );
    CREATE INDEX audit_by_process ON audit (process, seq);

    CREATE TABLE processes (
        id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        slug       TEXT NOT NULL UNIQUE,
        title      TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        created_by TEXT NOT NULL,
        audit_seq  BIGINT NOT NULL UNIQUE REFERENCES audit (seq)
    );

    CREATE TABLE delegations (
        id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        process_id    BIGINT NOT NULL REFERENCES processes (id),
        code          TEXT NOT NULL,
        name          TEXT NOT NULL,
        kind          TEXT NOT NULL,
        participation TEXT NOT NULL,
        function      TEXT,
        members       TEXT NOT NULL,
        created_at    BIGINT NOT NULL,
        audit_seq     BIGINT NOT NULL UNIQUE REFERENCES audit (seq),
        UNIQUE (process_id, code)
    );

    CREATE TABLE documents (
        id             BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        process_id     BIGINT NOT NULL REFERENCES processes (id),
        slug           TEXT NOT NULL,
        title          TEXT NOT NULL,
        classification TEXT,
        created_at     BIGINT NOT NULL,
        created_by     TEXT NOT NULL,
        audit_seq      BIGINT NOT NULL UNIQUE REFERENCES audit (seq),
        UNIQUE (process_id, slug)
    );

    CREATE TABLE objects (
        hash  BYTEA PRIMARY KEY,
        bytes BYTEA NOT NULL
    );

    CREATE TABLE versions (
        id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        document_id BIGINT NOT NULL REFERENCES documents (id),
        number      BIGINT NOT NULL CHECK (number >= 1),
        label       TEXT NOT NULL,
        parent      BIGINT,
        root        BYTEA NOT NULL REFERENCES objects (hash),
        round_id    BIGINT,
        provenance  BYTEA,
        changes     BYTEA,
        created_at  BIGINT NOT NULL,
        created_by  TEXT NOT NULL,
        audit_seq   BIGINT NOT NULL UNIQUE REFERENCES audit (seq),
        UNIQUE (document_id, number),
        FOREIGN KEY (document_id, parent) REFERENCES versions (document_id, number)
    );

    CREATE TABLE rounds (
        id           BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        process_id   BIGINT NOT NULL REFERENCES processes (id),
        number       BIGINT NOT NULL CHECK (number >= 1),
        document_id  BIGINT NOT NULL REFERENCES documents (id),
        base_version BIGINT NOT NULL,
        label        TEXT NOT NULL,
        opens_at     BIGINT NOT NULL,
        closes_at    BIGINT NOT NULL,
        state        TEXT NOT NULL CHECK (state IN ('planned', 'open', 'closed', 'consolidated')),
        created_at   BIGINT NOT NULL,
        created_by   TEXT NOT NULL,
        audit_seq    BIGINT NOT NULL UNIQUE REFERENCES audit (seq),
        UNIQUE (process_id, number),
        FOREIGN KEY (document_id, base_version) REFERENCES versions (document_id, number)
    );
    ALTER TABLE versions ADD FOREIGN KEY (round_id) REFERENCES rounds (id);

    CREATE TABLE round_events (
        id               BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        round_id         BIGINT NOT NULL REFERENCES rounds (id),
        action           TEXT NOT NULL,
        at               BIGINT NOT NULL,
        actor_sub        TEXT NOT NULL,
        state_before     TEXT NOT NULL,
        state_after      TEXT NOT NULL,
        closes_at_before BIGINT NOT NULL,
        closes_at_after  BIGINT NOT NULL,
        audit_seq        BIGINT NOT NULL UNIQUE REFERENCES audit (seq)
    );

    CREATE TABLE submission_revisions (
        id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        round_id      BIGINT NOT NULL REFERENCES rounds (id),
        delegation_id BIGINT NOT NULL REFERENCES delegations (id),
        revision      BIGINT NOT NULL CHECK (revision >= 1),
        items         BYTEA NOT NULL,
        hunks         BYTEA NOT NULL,
        receipt       BYTEA NOT NULL,
        submitted_at  BIGINT NOT NULL,
        submitted_by  TEXT NOT NULL,
        audit_seq     BIGINT NOT NULL UNIQUE REFERENCES audit (seq),
        UNIQUE (round_id, delegation_id, revision)
    );

    CREATE TABLE decisions (
        id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        round_id   BIGINT NOT NULL REFERENCES rounds (id),
        change     TEXT NOT NULL,
        decision   TEXT NOT NULL,
        decided_by TEXT NOT NULL,
        decided_at BIGINT NOT NULL,
        audit_seq  BIGINT NOT NULL UNIQUE REFERENCES audit (seq)
    );
    CREATE INDEX decisions_by_change ON decisions (round_id, change, id);

    CREATE FUNCTION penholder_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
    END
    $$;

    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('the audit log is append-only');
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('the audit log is append-only');
    CREATE TRIGGER processes_no_update BEFORE UPDATE ON processes
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('processes are append-only');
    CREATE TRIGGER processes_no_delete BEFORE DELETE ON processes
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('processes are append-only');
    CREATE TRIGGER delegations_no_update BEFORE UPDATE ON delegations
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('delegations are append-only');
    CREATE TRIGGER delegations_no_delete BEFORE DELETE ON delegations
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('delegations are append-only');
    CREATE TRIGGER documents_no_update BEFORE UPDATE ON documents
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('documents are append-only');
    CREATE TRIGGER documents_no_delete BEFORE DELETE ON documents
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('documents are append-only');
    CREATE TRIGGER objects_no_update BEFORE UPDATE ON objects
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('objects are append-only');
    CREATE TRIGGER objects_no_delete BEFORE DELETE ON objects
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('objects are append-only');
    CREATE TRIGGER versions_no_update BEFORE UPDATE ON versions
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('versions are append-only');
    CREATE TRIGGER versions_no_delete BEFORE DELETE ON versions
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('versions are append-only');
    -- A round's state and clock move (each move recorded in round_events); nothing else does.
    CREATE TRIGGER rounds_fixed_columns BEFORE UPDATE OF
        id, process_id, number, document_id, base_version, label, created_at, created_by, audit_seq
        ON rounds
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('a round''s definition is append-only');
    CREATE TRIGGER rounds_no_delete BEFORE DELETE ON rounds
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('rounds are append-only');
    CREATE TRIGGER round_events_no_update BEFORE UPDATE ON round_events
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('round events are append-only');
    CREATE TRIGGER round_events_no_delete BEFORE DELETE ON round_events
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('round events are append-only');
    CREATE TRIGGER submission_revisions_no_update BEFORE UPDATE ON submission_revisions
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('submission revisions are append-only');
    CREATE TRIGGER submission_revisions_no_delete BEFORE DELETE ON submission_revisions
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('submission revisions are append-only');
    CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('decisions are append-only');
    CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('decisions are append-only');
    CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
        FOR EACH STATEMENT EXECUTE FUNCTION penholder_append_only('the audit log is append-only');
    CREATE TRIGGER processes_no_truncate BEFORE TRUNCATE ON processes
        FOR EACH STATEMENT EXECUTE FUNCTION penholder_append_only('processes are append-only');
    CREATE TRIGGER delegations_no_truncate BEFORE TRUNCATE ON delegations
        FOR EACH STATEMENT EXECUTE FUNCTION penholder_append_only('delegations are append-only');
    CREATE TRIGGER documents_no_truncate BEFORE TRUNCATE ON documents
        FOR EACH STATEMENT EXECUTE FUNCTION penholder_append_only('documents are append-only');
    CREATE TRIGGER objects_no_truncate BEFORE TRUNCATE ON objects
        FOR EACH STATEMENT EXECUTE FUNCTION penholder_append_only('objects are append-only');
    CREATE TRIGGER versions_no_truncate BEFORE TRUNCATE ON versions
        FOR EACH STATEMENT EXECUTE FUNCTION penholder_append_only('versions are append-only');
    CREATE TRIGGER rounds_no_truncate BEFORE TRUNCATE ON rounds
        FOR EACH STATEMENT EXECUTE FUNCTION penholder_append_only('rounds are append-only');
    CREATE TRIGGER round_events_no_truncate BEFORE TRUNCATE ON round_events
        FOR EACH STATEMENT EXECUTE FUNCTION penholder_append_only('round events are append-only');
    CREATE TRIGGER submission_revisions_no_truncate BEFORE TRUNCATE ON submission_revisions
        FOR EACH STATEMENT EXECUTE FUNCTION penholder_append_only('submission revisions are append-only');
    CREATE TRIGGER decisions_no_truncate BEFORE TRUNCATE ON decisions
        FOR EACH STATEMENT EXECUTE FUNCTION penholder_append_only('decisions are append-only');
    "#,
    // 2: responses kept under Idempotency-Key. Not history.
    r#"
    CREATE TABLE idempotency_keys (
        scope        TEXT NOT NULL,
        key          TEXT NOT NULL,
        request_hash BYTEA NOT NULL,
        status       BIGINT NOT NULL,
        response     BYTEA NOT NULL,
        created_at   BIGINT NOT NULL,
        PRIMARY KEY (scope, key)
    );
    "#,
    // 3: the search index (search.rs), with PostgreSQL's text search in the `simple`
    // configuration (no stemming: the texts are in every language of a negotiation).
    r#"
    CREATE TABLE search_texts (
        id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        document_id BIGINT NOT NULL REFERENCES documents (id),
        node_id     TEXT NOT NULL,
        text_hash   TEXT NOT NULL,
        text        TEXT NOT NULL,
        tsv         tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED,
        UNIQUE (document_id, node_id, text_hash)
    );
    CREATE INDEX search_texts_tsv ON search_texts USING GIN (tsv);
    CREATE TABLE search_occurrences (
        text_id   BIGINT NOT NULL REFERENCES search_texts (id),
        version   BIGINT NOT NULL,
        reference TEXT NOT NULL,
        PRIMARY KEY (text_id, version)
    );
    CREATE TABLE search_indexed (
        document_id BIGINT NOT NULL REFERENCES documents (id),
        version     BIGINT NOT NULL,
        PRIMARY KEY (document_id, version)
    );
    "#,
    // 4: the web front's sign-in links and sessions. Not history.
    r#"
    CREATE TABLE web_sign_in_links (
        link_id    TEXT NOT NULL PRIMARY KEY,
        used_at    BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
    );
    CREATE TABLE web_sessions (
        id_hash    BYTEA NOT NULL PRIMARY KEY,
        subject    TEXT NOT NULL,
        role       TEXT NOT NULL,
        delegation TEXT,
        csrf       TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
    );
    "#,
    // 5: the state of the text: paragraph statuses, reservations, withdrawals, adoptions.
    r#"
    CREATE TABLE paragraph_statuses (
        id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        document_id BIGINT NOT NULL REFERENCES documents (id),
        node        TEXT NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('open', 'agreed_ad_ref', 'agreed')),
        note        TEXT NOT NULL,
        version     BIGINT NOT NULL,
        set_by      TEXT NOT NULL,
        set_at      BIGINT NOT NULL,
        audit_seq   BIGINT NOT NULL UNIQUE REFERENCES audit (seq),
        FOREIGN KEY (document_id, version) REFERENCES versions (document_id, number)
    );
    CREATE INDEX paragraph_statuses_by_document ON paragraph_statuses (document_id, id);

    CREATE TABLE reservations (
        id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        document_id   BIGINT NOT NULL REFERENCES documents (id),
        number        BIGINT NOT NULL CHECK (number >= 1),
        node          TEXT NOT NULL,
        delegation_id BIGINT NOT NULL REFERENCES delegations (id),
        kind          TEXT NOT NULL
            CHECK (kind IN ('scrutiny', 'general', 'parliamentary', 'linguistic')),
        text          TEXT NOT NULL,
        version       BIGINT NOT NULL,
        entered_by    TEXT NOT NULL,
        entered_at    BIGINT NOT NULL,
        audit_seq     BIGINT NOT NULL UNIQUE REFERENCES audit (seq),
        UNIQUE (document_id, number),
        FOREIGN KEY (document_id, version) REFERENCES versions (document_id, number)
    );

    CREATE TABLE reservation_withdrawals (
        id             BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        reservation_id BIGINT NOT NULL UNIQUE REFERENCES reservations (id),
        note           TEXT NOT NULL,
        withdrawn_by   TEXT NOT NULL,
        withdrawn_at   BIGINT NOT NULL,
        audit_seq      BIGINT NOT NULL UNIQUE REFERENCES audit (seq)
    );

    CREATE TABLE adoptions (
        id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        document_id BIGINT NOT NULL UNIQUE REFERENCES documents (id),
        version     BIGINT NOT NULL,
        note        TEXT NOT NULL,
        adopted_by  TEXT NOT NULL,
        adopted_at  BIGINT NOT NULL,
        audit_seq   BIGINT NOT NULL UNIQUE REFERENCES audit (seq),
        FOREIGN KEY (document_id, version) REFERENCES versions (document_id, number)
    );
    CREATE TRIGGER paragraph_statuses_no_update BEFORE UPDATE ON paragraph_statuses
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('paragraph statuses are append-only');
    CREATE TRIGGER paragraph_statuses_no_delete BEFORE DELETE ON paragraph_statuses
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('paragraph statuses are append-only');
    CREATE TRIGGER paragraph_statuses_no_truncate BEFORE TRUNCATE ON paragraph_statuses
        FOR EACH STATEMENT EXECUTE FUNCTION penholder_append_only('paragraph statuses are append-only');
    CREATE TRIGGER reservations_no_update BEFORE UPDATE ON reservations
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('reservations are append-only');
    CREATE TRIGGER reservations_no_delete BEFORE DELETE ON reservations
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('reservations are append-only');
    CREATE TRIGGER reservations_no_truncate BEFORE TRUNCATE ON reservations
        FOR EACH STATEMENT EXECUTE FUNCTION penholder_append_only('reservations are append-only');
    CREATE TRIGGER reservation_withdrawals_no_update BEFORE UPDATE ON reservation_withdrawals
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('reservation withdrawals are append-only');
    CREATE TRIGGER reservation_withdrawals_no_delete BEFORE DELETE ON reservation_withdrawals
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('reservation withdrawals are append-only');
    CREATE TRIGGER reservation_withdrawals_no_truncate BEFORE TRUNCATE ON reservation_withdrawals
        FOR EACH STATEMENT EXECUTE FUNCTION penholder_append_only('reservation withdrawals are append-only');
    CREATE TRIGGER adoptions_no_update BEFORE UPDATE ON adoptions
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('adoptions are append-only');
    CREATE TRIGGER adoptions_no_delete BEFORE DELETE ON adoptions
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('adoptions are append-only');
    CREATE TRIGGER adoptions_no_truncate BEFORE TRUNCATE ON adoptions
        FOR EACH STATEMENT EXECUTE FUNCTION penholder_append_only('adoptions are append-only');
    "#,
    // 6: read marks (issue 17), as in `MIGRATIONS`.
    r#"
    CREATE TABLE read_marks (
        document_id BIGINT NOT NULL REFERENCES documents (id),
        subject     TEXT NOT NULL,
        version     BIGINT NOT NULL,
        marked_at   BIGINT NOT NULL,
        PRIMARY KEY (document_id, subject),
        FOREIGN KEY (document_id, version) REFERENCES versions (document_id, number)
    );
    "#,
    // 7: the search index of proposals (proposal_search.rs), as in `MIGRATIONS`.
    r#"
    CREATE TABLE search_proposals (
        id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        document_id BIGINT NOT NULL REFERENCES documents (id),
        round       BIGINT NOT NULL,
        delegation  TEXT NOT NULL,
        revision    BIGINT NOT NULL,
        item        BIGINT NOT NULL,
        kind        TEXT NOT NULL,
        reference   TEXT NOT NULL,
        text        TEXT NOT NULL,
        tsv         tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED,
        UNIQUE (document_id, round, delegation, item)
    );
    CREATE INDEX search_proposals_tsv ON search_proposals USING GIN (tsv);
    "#,
    // 8 (COALITION_MIGRATION): coalitions' acts.
    r#"
    CREATE TABLE coalition_acts (
        id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        round_id      BIGINT NOT NULL REFERENCES rounds (id),
        kind          TEXT NOT NULL CHECK (kind IN ('agree', 'dissociate', 'cosponsor')),
        delegation_id BIGINT NOT NULL REFERENCES delegations (id),
        proposer_id   BIGINT NOT NULL REFERENCES delegations (id),
        revision      BIGINT NOT NULL CHECK (revision >= 1),
        item          BIGINT CHECK (item IS NULL OR item >= 1),
        fingerprint   TEXT NOT NULL,
        note          TEXT NOT NULL,
        acted_by      TEXT NOT NULL,
        acted_at      BIGINT NOT NULL,
        audit_seq     BIGINT NOT NULL UNIQUE REFERENCES audit (seq),
        CHECK ((kind = 'agree') = (item IS NULL))
    );
    CREATE INDEX coalition_acts_by_round ON coalition_acts (round_id, id);
    CREATE TRIGGER coalition_acts_no_update BEFORE UPDATE ON coalition_acts
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('coalition acts are append-only');
    CREATE TRIGGER coalition_acts_no_delete BEFORE DELETE ON coalition_acts
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('coalition acts are append-only');
    CREATE TRIGGER coalition_acts_no_truncate BEFORE TRUNCATE ON coalition_acts
        FOR EACH STATEMENT EXECUTE FUNCTION penholder_append_only('coalition acts are append-only');
    "#,
    // 9 (EVENTS_MIGRATION): events and webhooks.
    r#"
    CREATE TABLE events (
        id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        process_id BIGINT NOT NULL REFERENCES processes (id),
        kind       TEXT NOT NULL,
        round      BIGINT,
        at         BIGINT NOT NULL,
        payload    TEXT NOT NULL,
        once_key   TEXT UNIQUE
    );
    CREATE INDEX events_by_process ON events (process_id, id);
    CREATE INDEX events_by_round ON events (process_id, round);
    CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('events are append-only');
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('events are append-only');
    CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
        FOR EACH STATEMENT EXECUTE FUNCTION penholder_append_only('events are append-only');

    CREATE TABLE webhooks (
        id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        process_id BIGINT NOT NULL REFERENCES processes (id),
        number     BIGINT NOT NULL CHECK (number >= 1),
        url        TEXT NOT NULL,
        secret     TEXT NOT NULL,
        kinds      TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        deleted_at BIGINT,
        UNIQUE (process_id, number)
    );

    CREATE TABLE webhook_deliveries (
        id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        webhook_id    BIGINT NOT NULL REFERENCES webhooks (id),
        event_id      BIGINT NOT NULL REFERENCES events (id),
        state         TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts      BIGINT NOT NULL,
        next_at       BIGINT NOT NULL,
        claimed_until BIGINT NOT NULL,
        last_status   BIGINT,
        last_error    TEXT,
        delivered_at  BIGINT,
        UNIQUE (webhook_id, event_id)
    );
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_at);

    CREATE TABLE webhook_attempts (
        id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id),
        attempt     BIGINT NOT NULL,
        at          BIGINT NOT NULL,
        status      BIGINT,
        error       TEXT,
        duration_ms BIGINT NOT NULL,
        UNIQUE (delivery_id, attempt)
    );
    CREATE TRIGGER webhook_attempts_no_update BEFORE UPDATE ON webhook_attempts
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('webhook attempts are append-only');
    CREATE TRIGGER webhook_attempts_no_delete BEFORE DELETE ON webhook_attempts
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('webhook attempts are append-only');
    CREATE TRIGGER webhook_attempts_no_truncate BEFORE TRUNCATE ON webhook_attempts
        FOR EACH STATEMENT EXECUTE FUNCTION penholder_append_only('webhook attempts are append-only');
    "#,
    // 10 (SYMBOL_MIGRATION): the document's symbol, as in SQLite's migration 10.
    r#"
    CREATE TABLE document_symbols (
        id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        document_id BIGINT NOT NULL REFERENCES documents (id),
        symbol      TEXT NOT NULL,
        set_by      TEXT NOT NULL,
        set_at      BIGINT NOT NULL,
        audit_seq   BIGINT NOT NULL UNIQUE REFERENCES audit (seq)
    );
    CREATE INDEX document_symbols_by_document ON document_symbols (document_id, id);
    CREATE TRIGGER document_symbols_no_update BEFORE UPDATE ON document_symbols
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('document symbols are append-only');
    CREATE TRIGGER document_symbols_no_delete BEFORE DELETE ON document_symbols
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('document symbols are append-only');
    CREATE TRIGGER document_symbols_no_truncate BEFORE TRUNCATE ON document_symbols
        FOR EACH STATEMENT EXECUTE FUNCTION penholder_append_only('document symbols are append-only');
    "#,
    // 11 (BRACKETS_MIGRATION): brackets carried into a version (see the SQLite migration 11).
    r#"
    CREATE TABLE version_brackets (
        document_id BIGINT NOT NULL REFERENCES documents (id),
        version     BIGINT NOT NULL,
        brackets    BYTEA NOT NULL,
        created_at  BIGINT NOT NULL,
        created_by  TEXT NOT NULL,
        audit_seq   BIGINT NOT NULL UNIQUE REFERENCES audit (seq),
        PRIMARY KEY (document_id, version),
        FOREIGN KEY (document_id, version) REFERENCES versions (document_id, number)
    );
    CREATE TRIGGER version_brackets_no_update BEFORE UPDATE ON version_brackets
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('version brackets are append-only');
    CREATE TRIGGER version_brackets_no_delete BEFORE DELETE ON version_brackets
        FOR EACH ROW EXECUTE FUNCTION penholder_append_only('version brackets are append-only');
    CREATE TRIGGER version_brackets_no_truncate BEFORE TRUNCATE ON version_brackets
        FOR EACH STATEMENT EXECUTE FUNCTION penholder_append_only('version brackets are append-only');
    "#,
    // 12 (DRAFTS_MIGRATION): delegations' drafts, as in `MIGRATIONS` (mutable, not audited).
    r#"
    CREATE TABLE drafts (
        round_id      BIGINT NOT NULL REFERENCES rounds (id),
        delegation_id BIGINT NOT NULL REFERENCES delegations (id),
        items         BYTEA NOT NULL,
        change_seq    BIGINT NOT NULL,
        updated_at    BIGINT NOT NULL,
        updated_by    TEXT NOT NULL,
        PRIMARY KEY (round_id, delegation_id)
    );
    "#,
    // 13 (DELIVERY_PRUNING_MIGRATION): a webhook delivery's attempts may be deleted with it once it
    // is finished (see the SQLite migration 13); PostgreSQL's trigger conditions cannot read
    // another table, so the function does.
    r#"
    CREATE FUNCTION penholder_attempts_kept_while_pending() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF COALESCE((SELECT state FROM webhook_deliveries WHERE id = OLD.delivery_id), 'pending')
           = 'pending' THEN
            RAISE EXCEPTION 'webhook attempts are append-only while their delivery is pending'
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN OLD;
    END
    $$;
    DROP TRIGGER webhook_attempts_no_delete ON webhook_attempts;
    CREATE TRIGGER webhook_attempts_no_delete BEFORE DELETE ON webhook_attempts
        FOR EACH ROW EXECUTE FUNCTION penholder_attempts_kept_while_pending();
    "#,
];

/// The append-only triggers every PostgreSQL database must have, enabled.
pub(crate) const PG_TRIGGERS: &[&str] = &[
    "audit_no_update",
    "audit_no_delete",
    "audit_no_truncate",
    "processes_no_update",
    "processes_no_delete",
    "processes_no_truncate",
    "delegations_no_update",
    "delegations_no_delete",
    "delegations_no_truncate",
    "documents_no_update",
    "documents_no_delete",
    "documents_no_truncate",
    "objects_no_update",
    "objects_no_delete",
    "objects_no_truncate",
    "versions_no_update",
    "versions_no_delete",
    "versions_no_truncate",
    "rounds_fixed_columns",
    "rounds_no_delete",
    "rounds_no_truncate",
    "round_events_no_update",
    "round_events_no_delete",
    "round_events_no_truncate",
    "submission_revisions_no_update",
    "submission_revisions_no_delete",
    "submission_revisions_no_truncate",
    "decisions_no_update",
    "decisions_no_delete",
    "decisions_no_truncate",
    "paragraph_statuses_no_update",
    "paragraph_statuses_no_delete",
    "paragraph_statuses_no_truncate",
    "reservations_no_update",
    "reservations_no_delete",
    "reservations_no_truncate",
    "reservation_withdrawals_no_update",
    "reservation_withdrawals_no_delete",
    "reservation_withdrawals_no_truncate",
    "adoptions_no_update",
    "adoptions_no_delete",
    "adoptions_no_truncate",
    "coalition_acts_no_update",
    "coalition_acts_no_delete",
    "coalition_acts_no_truncate",
    "events_no_update",
    "events_no_delete",
    "events_no_truncate",
    "webhook_attempts_no_update",
    "webhook_attempts_no_delete",
    "webhook_attempts_no_truncate",
    "document_symbols_no_update",
    "document_symbols_no_delete",
    "document_symbols_no_truncate",
    "version_brackets_no_update",
    "version_brackets_no_delete",
    "version_brackets_no_truncate",
];

/// Brings a PostgreSQL database up to `migrations.len()` in one transaction, under an advisory
/// lock: servers starting together migrate one after the other, and the later ones find
/// nothing left to do. The version lives in `penholder_schema` (one row per migration applied).
pub(crate) fn migrate_postgres(conn: &PgConn, migrations: &[&str]) -> Result<(), StoreError> {
    conn.batch(&format!(
        "BEGIN; SELECT pg_advisory_xact_lock({MIGRATION_LOCK});
         CREATE TABLE IF NOT EXISTS penholder_schema (
             version    BIGINT PRIMARY KEY,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         );"
    ))?;
    let result = (|| {
        let current = version(Conn::Postgres(conn))? as usize;
        if current > migrations.len() {
            return Err(StoreError::invalid(format!(
                "the database has schema version {current}, newer than this penholder knows ({});                  use a newer penholder",
                migrations.len()
            )));
        }
        for (index, migration) in migrations.iter().enumerate().skip(current) {
            conn.batch(migration)?;
            Conn::Postgres(conn).execute(
                "INSERT INTO penholder_schema (version) VALUES (?1)",
                args![(index + 1) as i64],
            )?;
        }
        if migrations.len() >= SEARCH_MIGRATION {
            crate::search::catch_up(Conn::Postgres(conn))?;
        }
        if current < PROPOSAL_SEARCH_MIGRATION && migrations.len() >= PROPOSAL_SEARCH_MIGRATION {
            crate::proposal_search::catch_up(Conn::Postgres(conn))?;
        }
        conn.batch("COMMIT")
    })();
    if result.is_err() {
        let _ = conn.batch("ROLLBACK");
    }
    result
}
