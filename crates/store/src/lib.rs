//! penholder's durable record: the only crate that knows SQL.
//!
//! One database holds processes, delegations, documents, content-addressed tree objects,
//! versions, rounds, submission revisions, decisions, idempotency keys and a hash-chained audit
//! log: a SQLite file (WAL, `synchronous=FULL`, foreign keys on) for one server, or a
//! PostgreSQL database that several servers may share. History is append-only, enforced by the
//! database's triggers; every write appends its audit entry in the same transaction; a write is
//! acknowledged only after its transaction is on disk, so an acknowledged write survives
//! `kill -9` (of penholder, or of PostgreSQL).
//!
//! # Using it
//!
//! A [`Store`] is a cheap-to-clone handle to a writer thread and a few reader threads.
//! [`Store::write`] and [`Store::read`] take a closure over a [`Writer`] / [`Reader`] and return
//! a [`Pending`] result: `.await` it from async code (it never blocks the runtime), or call
//! [`Pending::wait`] from blocking code (CLI, tests). Several calls inside one closure form one
//! transaction. Writes are group-committed: requests queued while the previous commit was
//! syncing run together as one transaction, each in its own savepoint, so a failing request
//! does not affect the others.
//!
//! ```
//! use penholder_store::{Actor, Store, StoreError};
//! # fn main() -> Result<(), StoreError> {
//! let store = Store::open_in_memory()?;
//! let admin = Actor::new("alice", None, "admin");
//! store.create_process("budapest-7mc", "Budapest Process", admin.clone(), 1_000).wait()?;
//! // Several steps in one transaction: read, decide, write.
//! let title = store
//!     .write(move |w| {
//!         let process = w.process("budapest-7mc")?;
//!         Ok(process.title)
//!     })
//!     .wait()?;
//! assert_eq!(title, "Budapest Process");
//! let processes = store.read(|r| r.processes()).wait()?;
//! assert_eq!(processes.len(), 1);
//! # Ok(()) }
//! ```
//!
//! A server handler: a submission with `If-Match` and `Idempotency-Key`, all in one transaction
//! (a retried request gets the first answer back; the items are resolved before, outside the
//! writer, because every closure holds the only writer while it runs).
//!
//! ```
//! # use penholder_store::{Actor, Store, StoreError};
//! use penholder_core::ContentHash;
//! use penholder_core::negotiation::Item;
//! async fn put_submission(
//!     store: &Store, actor: Actor, now: i64, key: String, body: Vec<u8>, items: Vec<Item>,
//!     if_match: Option<u32>,
//! ) -> Result<(u16, Vec<u8>), StoreError> {
//!     let request_hash = ContentHash::of(&body);
//!     store
//!         .write(move |w| {
//!             if let Some(previous) = w.stored_response(&actor.sub, &key)? {
//!                 if previous.request_hash != request_hash {
//!                     return Err(StoreError::Conflict { detail: "key reused".into() });
//!                 }
//!                 return Ok((previous.status, previous.body));
//!             }
//!             let stored =
//!                 w.put_submission("budapest-7mc", 1, "HU", &body, &items, if_match, &actor, now)?;
//!             let body = format!(r#"{{"revision":{}}}"#, stored.revision).into_bytes();
//!             w.store_response(&actor.sub, &key, request_hash, 201, &body, now)?;
//!             Ok((201, body))
//!         })
//!         .await // resolves once the transaction is on disk
//! }
//! ```
//!
//! Never wait for one store request inside another's closure: it could only deadlock, so
//! [`Pending::wait`] refuses it with an error.
//!
//! # Two backends
//!
//! [`Store::open`] / [`Store::open_with`] take a SQLite file, [`Store::open_postgres`] a
//! PostgreSQL URL, and [`Store::open_url_or_path`] either (what the CLI's `--db` takes). The
//! handle, the closures, the [`Reader`] and [`Writer`] methods, the models and the errors are
//! the same; [`Store::backend`] tells which one runs.
//!
//! *One copy of the logic.* Every query of the reader, the writer and the audit log is written
//! once, in the SQL both databases speak, against one small seam (`db::Conn`: `query_opt`,
//! `query_all`, `execute`, `batch`, with neutral parameters and rows). `Conn` is an enum of a
//! borrowed `rusqlite::Connection` or a borrowed PostgreSQL connection, rather than a trait:
//! the set of backends is closed (two), dispatch is static, and no generic parameter leaks into
//! `Reader<'a>`/`Writer<'a>` or their callers. The few differences of dialect sit where they
//! occur (placeholders `?1` → `$1`, rewritten once per prepared statement; how a JSON array is
//! unpacked; `PRAGMA`s). What is not SQL — the audit entry hash, enum texts, model building,
//! validation, state checks — is shared as it was. Each backend has its own migrations
//! (`schema.rs`), numbered alike, with the same tables, constraints and append-only triggers.
//!
//! *The same threads.* Both backends run on the store's own threads (`runtime.rs`): one writer
//! that group-commits a batch of requests in ONE transaction (a SAVEPOINT per request, one
//! COMMIT), and reader threads that run each request on one snapshot (SQLite: a WAL read
//! transaction; PostgreSQL: `REPEATABLE READ, READ ONLY`). PostgreSQL is reached with
//! `tokio-postgres`, each connection driven, blocking, by a single-threaded tokio runtime of its
//! own — what the blocking `postgres` crate does — plus pipelining: a statement whose answer
//! nothing waits for (a request's SAVEPOINT, the audit entry's INSERT, the submission's own
//! INSERT) goes out with the next one, in the same round trip, so a submission costs one round
//! trip, not four; such a statement is tagged with its request, so that its failure, reported by
//! the next request's statement, is still answered to its own request (`runtime::undo_from`:
//! the batch rolls back to that request's savepoint and goes on). Such a runtime
//! must never be driven (or dropped) on an async runtime's thread: connections only ever live on
//! these std threads (opening too happens on a thread of its own), so `Store` stays as usable
//! from async code as before. Statements are prepared once per connection and cached; a batch
//! holds at most 64 requests on PostgreSQL (each is a subtransaction; PostgreSQL's per-session
//! cache of them holds 64).
//!
//! *Several servers, one chain.* On PostgreSQL every write batch begins by taking the chain
//! head's lock (`pg_advisory_xact_lock`, held until COMMIT) before it reads anything. That
//! serializes the writers of all servers exactly as SQLite's single writer does: the audit head
//! each batch reads is the true one (no fork, no gap), and every request's check-then-act is
//! atomic across servers too — a submission racing its round's close, or two consolidations of
//! one round, cannot both pass their state check. The batch is the unit, so the cost is one lock
//! per commit, not per request. Migrations run under another advisory lock, so servers that
//! start together migrate once.
//!
//! *Durability.* SQLite: `synchronous=FULL`. PostgreSQL: the writer's session sets
//! `synchronous_commit = on` (the server's default), so COMMIT returns once the WAL is flushed;
//! a server running with `fsync=off` is reported in the log at open.
//!
//! *Connection loss.* If PostgreSQL goes away, requests are answered `Unavailable` (503), never
//! `Internal`; a batch whose COMMIT failed answers all its requests `Unavailable` (it may or may
//! not have committed: clients retry with their idempotency key). Each thread reconnects by
//! itself at a later job (after a short, growing backoff), re-beginning its transaction before
//! any request runs, so the first request after PostgreSQL is back is served.
//!
//! *The clock.* `now` is still handed in by callers. [`Reader::database_now_ms`] reads the
//! database's clock (PostgreSQL's `clock_timestamp()`, one clock for all servers; this
//! machine's on SQLite) for callers who want the database's clock to rule deadlines.
//!
//! *SQLite only.* [`Store::backup`] (on PostgreSQL: `Invalid`, use `pg_dump`),
//! [`Store::open_read_only`], [`Store::open_in_memory`] and the checkpointer thread.
//! [`Store::integrity_check`] runs SQLite's checks, or on PostgreSQL checks that every
//! append-only trigger is present and enabled.
//!
//! # The interface
//!
//! Every method takes and returns penholder-core types and the plain structs of this crate;
//! no SQL type appears, and both backends offer the same methods.
//!
//! [`Store`]: `open(path)`, `open_with(path, StoreOptions)`, `open_postgres(url, StoreOptions)`,
//! `open_url_or_path(db, StoreOptions)`, `open_read_only(path)`, `open_in_memory()`,
//! `write(f) -> Pending<T>`, `read(f) -> Pending<T>`, `backup(to)`, `integrity_check()`,
//! `verify_audit()`, `schema_version()`, `stats()`, `backend()`, and a shortcut for each write
//! below.
//!
//! [`Writer`] (inside `write`; derefs to `Reader`): `create_process`, `add_delegation`,
//! `create_document` (with version 1), `publish_version` (upload or consolidation, atomic),
//! `create_round`, `open_round`, `close_round`, `extend_deadline`, `put_submission`
//! (optimistic concurrency on the revision), `record_decision`, `store_response`
//! (idempotency keys).
//!
//! [`Reader`]: `processes`, `process`, `delegations`, `delegation`, `documents`, `document`,
//! `versions`, `version_info`, `version`, `latest_version`, `version_provenance`,
//! `version_changes`, `rounds`, `round`, `round_events`, `submission`, `submission_revision`,
//! `submission_history`, `submissions`, `revision_count`, `latest_revision`, `decisions`,
//! `decision_history`, `audit_entries`, `stored_response`, `database_now_ms`.
//!
//! Errors: [`StoreError`] — `NotFound` (404), `Conflict` (409), `WrongRoundState` (409, with
//! the deadline), `Invalid` (422), `Unavailable` (503), `Corrupt` and `Internal` (500).
//!
//! Architecture invariant: nothing outside this crate writes SQL, and nothing in this crate
//! knows HTTP, JWT or the clock — `now` (Unix milliseconds) is always handed in; the clock is
//! read only when a caller asks for it with [`Reader::database_now_ms`].

mod audit;
mod brackets;
mod coalition;
mod codec;
mod db;
mod drafts;
mod error;
mod events;
mod model;
mod pending;
mod pg;
mod proposal_search;
mod read_marks;
mod reader;
mod runtime;
mod schema;
mod search;
mod state;
mod symbol;
mod writer;

pub use coalition::NewCoalitionAct;
pub use drafts::StoredDraft;
pub use error::{AuditError, StoreError};
pub use events::{
    Attempt, AttemptOutcome, ClaimedDelivery, Delivery, EventRecord, NewEvent, NewWebhook,
    RoundsInFlight, Webhook,
};
pub use model::{
    Actor, AuditEntry, AuditHead, AuditReport, DecisionRecord, DocumentInfo, ExpectedHead,
    IntegrityReport, NewDocument, NewRound, NewVersion, ProcessInfo, QuickCheck, RoundEvent,
    RoundInfo, StoredResponse, StoredRevision, SubmissionRevision, VersionInfo,
};
pub use model::{Latest, WebSession};
pub use pending::Pending;
pub use proposal_search::ProposalHit;
pub use read_marks::ReadMark;
pub use reader::Reader;
pub use search::{MAX_QUERY_CHARS, MAX_QUERY_PHRASES, SearchHit, SearchOccurrence, SearchQuery};
pub use writer::Writer;

use pg::{PgSession, Role};

use db::{Conn, args};
use penholder_core::negotiation::{Decision, Delegation, Item};
use runtime::{Backend, Counters, Job, ReadJob, Request, WriteJob};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// How a store is run (a file store or a PostgreSQL one).
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// Reader threads, each with its own connection (at least 1 for a file or PostgreSQL store).
    pub readers: usize,
    /// The most write requests committed together in one transaction (at most 64 on
    /// PostgreSQL, where each request is a subtransaction).
    pub max_batch: usize,
    /// Requests that may wait for the writer (or the readers) before new ones are refused
    /// with `Unavailable` (the server answers 503) instead of queueing without bound.
    pub queue_capacity: usize,
    /// How long a connection waits for a lock held by another process before giving up
    /// (SQLite's busy timeout; on PostgreSQL the `lock_timeout` of the writer, which waits for
    /// the chain head while another server commits, and the connect timeout).
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            readers: 4,
            max_batch: 512,
            queue_capacity: 16_384,
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// Counts of the writer's work since the store was opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreStats {
    /// Transactions committed (or attempted) by the writer.
    pub batches: u64,
    /// Write requests run; `writes / batches` is the average group-commit size.
    pub writes: u64,
    /// Batches that failed as a whole (I/O error, disk full).
    pub failed_batches: u64,
}

/// A handle to one penholder database. Cloning it is cheap; the threads stop when the last
/// clone is dropped, after finishing the requests already queued.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    writes: Option<SyncSender<Job>>,
    /// `None` for an in-memory store: its only connection is the writer's.
    reads: Option<SyncSender<ReadJob>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    /// Dropped to stop the checkpointer.
    checkpoints: Option<SyncSender<()>>,
    counters: Arc<Counters>,
    location: Location,
}

/// Where a store's data lives.
#[derive(Clone, Debug)]
enum Location {
    Memory,
    File(PathBuf),
    /// A PostgreSQL connection URL (kept for tests that reach the database behind the store's
    /// back; never shown, as it may hold a password).
    Postgres(#[cfg_attr(not(test), allow(dead_code))] String),
}

/// Which database a [`Store`] runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendKind {
    /// A SQLite file (or an in-memory database, for tests).
    Sqlite,
    /// A PostgreSQL database, possibly shared by several servers.
    Postgres,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing the queues lets the threads finish what is queued and stop.
        self.writes.take();
        self.reads.take();
        self.checkpoints.take();
        let threads =
            std::mem::take(&mut *self.threads.lock().unwrap_or_else(PoisonError::into_inner));
        for thread in threads {
            // The last handle may be dropped on a store thread itself (a closure that captured
            // a clone); that thread cannot wait for itself.
            if thread.thread().id() != std::thread::current().id() {
                let _ = thread.join();
            }
        }
    }
}

fn configure(conn: &Connection, busy_timeout: Duration) -> Result<(), StoreError> {
    conn.busy_timeout(busy_timeout)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // FULL: the WAL is synced at every commit, so an acknowledged write survives power loss,
    // not only a process crash.
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(())
}

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates it to the current schema.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        Store::open_with(path, StoreOptions::default())
    }

    /// [`Store::open`] with `options`.
    ///
    /// Refuses a file it cannot write (read-only permissions, a read-only mount, an immutable
    /// flag): SQLite would open it read-only without a word, and every write would then fail.
    pub fn open_with(path: impl AsRef<Path>, options: StoreOptions) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        Store::open_file(&path, options).map_err(|e| e.context(&path.display().to_string()))
    }

    fn open_file(path: &Path, options: StoreOptions) -> Result<Store, StoreError> {
        let path = path.to_path_buf();
        let mut writer = Connection::open(&path)?;
        if writer.is_readonly(rusqlite::MAIN_DB)? {
            return Err(StoreError::Unavailable {
                detail: "the database file cannot be written (read-only permissions, a read-only \
                         mount or an immutable flag); penholder serves only a database it can \
                         write: make the file and its folder writable, or serve a copy"
                    .into(),
            });
        }
        let mode: String =
            writer.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::internal(format!(
                "cannot use write-ahead logging (journal mode {mode})"
            )));
        }
        configure(&writer, options.busy_timeout)?;
        // Checkpoints run on a thread of their own (see `runtime::run_checkpointer`): the
        // writer's commits only append to the log. The writer still checkpoints if the log
        // ever passes 16 MiB, so it stays bounded should that thread fall behind (it copies only
        // what the checkpointer has not).
        writer.pragma_update(None, "wal_autocheckpoint", 4_096)?;
        schema::migrate(&mut writer, schema::MIGRATIONS)?;
        let checkpointer = Connection::open(&path)?;
        configure(&checkpointer, options.busy_timeout)?;
        let mut readers = Vec::new();
        for _ in 0..options.readers.max(1) {
            let reader = Connection::open(&path)?;
            configure(&reader, options.busy_timeout)?;
            // A reader never writes, even by mistake.
            reader.pragma_update(None, "query_only", "ON")?;
            readers.push(reader);
        }
        Store::start(
            Some(Backend::Sqlite(writer)),
            readers.into_iter().map(Backend::Sqlite).collect(),
            Some(checkpointer),
            options,
            Location::File(path),
        )
    }

    /// Opens `db`: a PostgreSQL connection URL (`postgres://…` or `postgresql://…`) with
    /// [`Store::open_postgres`], anything else as a SQLite file path with [`Store::open_with`].
    /// What the CLI's `--db` takes.
    pub fn open_url_or_path(db: &str, options: StoreOptions) -> Result<Store, StoreError> {
        if is_postgres_url(db) {
            Store::open_postgres(db, options)
        } else {
            Store::open_with(db, options)
        }
    }

    /// Opens the PostgreSQL database at `url` (`postgres://user:password@host:port/db`, or any
    /// form `tokio_postgres::Config` parses) and migrates it to the current schema (under an advisory
    /// lock, so servers starting together are safe). One writer connection and
    /// `options.readers` reader connections; `options.busy_timeout` bounds the wait for the
    /// chain head's lock held by another server (then `Unavailable`).
    ///
    /// The blocking client never runs on the caller's thread, so this may be called from
    /// async code (it blocks while connecting and migrating, like [`Store::open`]).
    pub fn open_postgres(url: &str, options: StoreOptions) -> Result<Store, StoreError> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::invalid(format!("not a PostgreSQL URL: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(options.busy_timeout.max(Duration::from_secs(1)));
        }
        let readers = options.readers.max(1);
        let busy_timeout = options.busy_timeout;
        let options = StoreOptions {
            max_batch: options.max_batch.min(pg::MAX_BATCH),
            ..options
        };
        let location = Location::Postgres(url.to_owned());
        // Everything PostgreSQL happens on this thread and the store's own, never on the
        // caller's (which may be an async runtime's: a connection's runtime must not even be
        // dropped there).
        let open = move || -> Result<Store, StoreError> {
            let mut writer = PgSession::connect(config.clone(), Role::Writer, busy_timeout)?;
            let conn = writer.conn()?;
            schema::migrate_postgres(conn, schema::PG_MIGRATIONS)?;
            let fsync = conn.query("SHOW fsync", args![])?;
            if let Some(row) = fsync.first()
                && row.try_get::<_, String>(0).is_ok_and(|v| v != "on")
            {
                tracing::error!(
                    "PostgreSQL runs with fsync=off: acknowledged writes may be lost in a crash"
                );
            }
            let readers = (0..readers)
                .map(|_| PgSession::connect(config.clone(), Role::Reader, busy_timeout))
                .collect::<Result<Vec<_>, _>>()?;
            Store::start(
                Some(Backend::Postgres(Box::new(writer))),
                readers
                    .into_iter()
                    .map(|session| Backend::Postgres(Box::new(session)))
                    .collect(),
                None,
                options,
                location,
            )
        };
        on_open_thread(open)
    }

    /// Opens an existing database for reading only (no migration, no writer): for tools that
    /// inspect evidence, such as `penholder audit verify`, and must not change the file.
    /// Every write is answered with `Unavailable`.
    ///
    /// The file is opened `SQLITE_OPEN_READ_ONLY` (and `query_only`): nothing is migrated, no
    /// checkpoint copies the log into it, closing never truncates its log. A schema version
    /// this penholder does not know (an empty file, a newer penholder's) is refused with what
    /// to do.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        if !path.exists() {
            return Err(StoreError::not_found(format!(
                "database {}",
                path.display()
            )));
        }
        let reader = Connection::open_with_flags(
            &path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::internal(format!("cannot open {}: {e}", path.display())))?;
        reader.busy_timeout(StoreOptions::default().busy_timeout)?;
        reader.pragma_update(None, "query_only", "ON")?;
        let version = schema::user_version(&reader)?;
        known_schema(
            version,
            schema::MIGRATIONS.len(),
            &path.display().to_string(),
        )?;
        Store::start(
            None,
            vec![Backend::Sqlite(reader)],
            None,
            StoreOptions::default(),
            Location::File(path),
        )
    }

    /// Opens the PostgreSQL database at `url` for reading only: no migration, no writer, one
    /// reader whose every transaction is `READ ONLY` (and `REPEATABLE READ`, one snapshot). A
    /// database without penholder's schema, or with a version this penholder does not know, is
    /// refused.
    pub fn open_postgres_read_only(url: &str) -> Result<Store, StoreError> {
        let options = StoreOptions::default();
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::invalid(format!("not a PostgreSQL URL: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(options.busy_timeout.max(Duration::from_secs(1)));
        }
        let location = Location::Postgres(url.to_owned());
        let open = move || -> Result<Store, StoreError> {
            let mut reader = PgSession::connect(config, Role::Reader, options.busy_timeout)?;
            let conn = reader.conn()?;
            let has_schema = Conn::Postgres(conn).query_one(
                "SELECT to_regclass('penholder_schema') IS NOT NULL",
                args![],
                |row| row.boolean(0),
            )?;
            let version = if has_schema {
                schema::version(Conn::Postgres(conn))?
            } else {
                0
            };
            known_schema(
                version,
                schema::PG_MIGRATIONS.len(),
                "the PostgreSQL database",
            )?;
            Store::start(
                None,
                vec![Backend::Postgres(Box::new(reader))],
                None,
                options,
                location,
            )
        };
        on_open_thread(open)
    }

    /// [`Store::open_postgres_read_only`] for a PostgreSQL URL, [`Store::open_read_only`] for
    /// anything else: what `penholder audit verify --db` takes.
    pub fn open_url_or_path_read_only(db: &str) -> Result<Store, StoreError> {
        if is_postgres_url(db) {
            Store::open_postgres_read_only(db)
        } else {
            Store::open_read_only(db)
        }
    }

    /// A private database in memory, for tests: same schema, same rules, no file.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let mut writer = Connection::open_in_memory()?;
        configure(&writer, Duration::from_secs(5))?;
        schema::migrate(&mut writer, schema::MIGRATIONS)?;
        Store::start(
            Some(Backend::Sqlite(writer)),
            Vec::new(),
            None,
            StoreOptions::default(),
            Location::Memory,
        )
    }

    fn start(
        writer: Option<Backend>,
        readers: Vec<Backend>,
        checkpointer: Option<Connection>,
        options: StoreOptions,
        location: Location,
    ) -> Result<Store, StoreError> {
        let counters = Arc::new(Counters::default());
        let capacity = options.queue_capacity.max(1);
        let spawn_error =
            |e: std::io::Error| StoreError::internal(format!("cannot start a store thread: {e}"));
        let mut threads = Vec::new();
        let writes = match writer {
            Some(writer) => {
                let (write_sender, write_receiver) = mpsc::sync_channel::<Job>(capacity);
                let max_batch = options.max_batch.max(1);
                let writer_counters = counters.clone();
                threads.push(
                    std::thread::Builder::new()
                        .name("penholder-store-writer".into())
                        .spawn(move || {
                            runtime::run_writer(writer, write_receiver, max_batch, writer_counters)
                        })
                        .map_err(spawn_error)?,
                );
                Some(write_sender)
            }
            None => None,
        };
        let reads = if readers.is_empty() {
            None
        } else {
            let (read_sender, read_receiver) = mpsc::sync_channel::<ReadJob>(capacity);
            let read_receiver = Arc::new(Mutex::new(read_receiver));
            for (index, reader) in readers.into_iter().enumerate() {
                let receiver = read_receiver.clone();
                threads.push(
                    std::thread::Builder::new()
                        .name(format!("penholder-store-reader-{index}"))
                        .spawn(move || runtime::run_reader(reader, receiver))
                        .map_err(spawn_error)?,
                );
            }
            Some(read_sender)
        };
        let checkpoints = match checkpointer {
            Some(conn) => {
                let (stop, stopped) = mpsc::sync_channel::<()>(0);
                threads.push(
                    std::thread::Builder::new()
                        .name("penholder-store-checkpointer".into())
                        .spawn(move || runtime::run_checkpointer(conn, stopped))
                        .map_err(spawn_error)?,
                );
                Some(stop)
            }
            None => None,
        };
        Ok(Store {
            inner: Arc::new(Inner {
                writes,
                reads,
                checkpoints,
                threads: Mutex::new(threads),
                counters,
                location,
            }),
        })
    }

    /// The database file, `None` in memory or on PostgreSQL.
    pub fn path(&self) -> Option<&Path> {
        match &self.inner.location {
            Location::File(path) => Some(path),
            Location::Memory | Location::Postgres(_) => None,
        }
    }

    /// The database this store runs on.
    pub fn backend(&self) -> BackendKind {
        match self.inner.location {
            Location::Postgres(_) => BackendKind::Postgres,
            Location::Memory | Location::File(_) => BackendKind::Sqlite,
        }
    }

    /// The PostgreSQL URL, for tests that reach the database behind the store's back.
    #[cfg(test)]
    pub(crate) fn postgres_url(&self) -> Option<&str> {
        match &self.inner.location {
            Location::Postgres(url) => Some(url),
            Location::Memory | Location::File(_) => None,
        }
    }

    /// Runs `f` in a write transaction. The result is available once the transaction has
    /// committed and is on disk; if `f` returns `Err`, nothing it wrote is kept.
    pub fn write<T, F>(&self, f: F) -> Pending<T>
    where
        T: Send + 'static,
        F: FnOnce(&Writer<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let (completer, pending) = pending::channel();
        let request: Box<dyn WriteJob> = Box::new(Request {
            function: Some(f),
            result: None,
            completer: Some(completer),
        });
        match &self.inner.writes {
            Some(sender) => match sender.try_send(Job::Write(request)) {
                Ok(()) => {}
                // The refused request is dropped with its completer; the caller gets a fresh
                // answer that says why.
                Err(TrySendError::Full(_)) => {
                    return Pending::failed(StoreError::Unavailable {
                        detail: "too many writes are waiting; retry shortly".into(),
                    });
                }
                Err(TrySendError::Disconnected(_)) => return Pending::failed(shut_down()),
            },
            None => {
                return Pending::failed(StoreError::Unavailable {
                    detail: "the store is open read-only".into(),
                });
            }
        }
        pending
    }

    /// Runs `f` on one consistent snapshot of the database (what was committed when it starts).
    pub fn read<T, F>(&self, f: F) -> Pending<T>
    where
        T: Send + 'static,
        F: FnOnce(&Reader<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let (completer, pending) = pending::channel();
        let job: ReadJob = Box::new(move |reader: Result<&Reader<'_>, StoreError>| {
            completer.complete(reader.and_then(f))
        });
        let sent = match (&self.inner.reads, &self.inner.writes) {
            (Some(reads), _) => reads
                .try_send(job)
                .map_err(|e| matches!(e, TrySendError::Full(_))),
            (None, Some(writes)) => writes
                .try_send(Job::Read(job))
                .map_err(|e| matches!(e, TrySendError::Full(_))),
            (None, None) => Err(false),
        };
        match sent {
            Ok(()) => pending,
            Err(true) => Pending::failed(StoreError::Unavailable {
                detail: "too many reads are waiting; retry shortly".into(),
            }),
            Err(false) => Pending::failed(shut_down()),
        }
    }

    /// Why writes are failing, if the writer's last batch that meant to store something
    /// failed for the storage's sake (a full disk, an I/O error, a lost or locked database);
    /// `None` again as soon as a write is stored. Worded for anyone (a health check).
    pub fn degraded(&self) -> Option<String> {
        self.inner
            .counters
            .failing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Counts of the writer's batches and requests so far.
    pub fn stats(&self) -> StoreStats {
        let counters = &self.inner.counters;
        StoreStats {
            batches: counters.batches.load(Ordering::Relaxed),
            writes: counters.writes.load(Ordering::Relaxed),
            failed_batches: counters.failed_batches.load(Ordering::Relaxed),
        }
    }

    /// The schema version (SQLite's `PRAGMA user_version`; on PostgreSQL the number of
    /// migrations recorded in `penholder_schema`, numbered alike).
    pub fn schema_version(&self) -> Pending<u32> {
        self.read(|reader| schema::version(reader.conn))
    }

    /// SQLite: `PRAGMA integrity_check` and `PRAGMA foreign_key_check`. PostgreSQL checks its
    /// own pages and constraints; here the store checks that every append-only trigger is
    /// there and enabled (a superuser could drop or disable one).
    pub fn integrity_check(&self) -> Pending<IntegrityReport> {
        self.read(|reader| {
            let conn = match reader.conn {
                Conn::Sqlite(conn) => conn,
                Conn::Postgres(_) => {
                    return Ok(IntegrityReport {
                        problems: pg_trigger_problems(reader)?,
                    });
                }
            };
            let mut problems = Vec::new();
            let mut statement = conn.prepare("PRAGMA integrity_check")?;
            let lines = statement.query_map([], |row| row.get::<_, String>(0))?;
            for line in lines {
                let line = line?;
                if line != "ok" {
                    problems.push(line);
                }
            }
            let mut statement = conn.prepare("PRAGMA foreign_key_check")?;
            let rows = statement.query_map([], |row| {
                Ok(format!(
                    "foreign key: row {} of {} refers to a missing row of {}",
                    row.get::<_, Option<i64>>(1)?.unwrap_or(-1),
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(2)?
                ))
            })?;
            for row in rows {
                problems.push(row?);
            }
            Ok(IntegrityReport { problems })
        })
    }

    /// SQLite's `PRAGMA quick_check` (every page and b-tree's structure, without the index
    /// cross-checks of [`Store::integrity_check`]), stopped once `budget` is spent, so that a
    /// check at start-up takes seconds however big the database (see [`QuickCheck::complete`]).
    /// On PostgreSQL: the append-only triggers' check of [`Store::integrity_check`].
    pub fn quick_check(&self, budget: Duration) -> Pending<QuickCheck> {
        self.read(move |reader| {
            let started = std::time::Instant::now();
            let Conn::Sqlite(conn) = reader.conn else {
                return Ok(QuickCheck {
                    problems: pg_trigger_problems(reader)?,
                    complete: true,
                    elapsed: started.elapsed(),
                });
            };
            // Asked every 100 virtual machine steps, and inside the check's own walk every 100
            // pages: from a cold, slow disk 100 pages are a fraction of a second, where 10,000
            // (40 MB) overran a 5 s budget by 19 s.
            conn.progress_handler(100, Some(move || started.elapsed() > budget))?;
            let result = (|| -> Result<Vec<String>, rusqlite::Error> {
                let mut statement = conn.prepare("PRAGMA quick_check")?;
                let lines = statement.query_map([], |row| row.get::<_, String>(0))?;
                lines
                    .filter(|line| !matches!(line.as_deref(), Ok("ok")))
                    .collect()
            })();
            conn.progress_handler(0, None::<fn() -> bool>)?;
            let elapsed = started.elapsed();
            match result {
                Ok(problems) => Ok(QuickCheck {
                    problems,
                    complete: true,
                    elapsed,
                }),
                Err(rusqlite::Error::SqliteFailure(code, _))
                    if code.code == rusqlite::ErrorCode::OperationInterrupted =>
                {
                    Ok(QuickCheck {
                        problems: Vec::new(),
                        complete: false,
                        elapsed,
                    })
                }
                // A page too damaged to be walked at all.
                Err(error) => match StoreError::from(error) {
                    StoreError::Corrupt { detail } => Ok(QuickCheck {
                        problems: vec![detail],
                        complete: false,
                        elapsed,
                    }),
                    other => Err(other),
                },
            }
        })
    }

    /// Copies the database, consistently, to a new file at `to` while the store keeps serving
    /// (SQLite's online backup API, from one read snapshot). Refuses to overwrite a file.
    /// On PostgreSQL: `Invalid` — back up with `pg_dump` (or the server's own backups).
    pub fn backup(&self, to: impl AsRef<Path>) -> Pending<()> {
        let to = to.as_ref().to_path_buf();
        self.read(move |reader| {
            let Conn::Sqlite(conn) = reader.conn else {
                return Err(StoreError::invalid(
                    "a PostgreSQL store is backed up with pg_dump (or the server's own backups), \
                     not by penholder",
                ));
            };
            if to.exists() {
                return Err(StoreError::invalid(format!(
                    "{} exists; a backup never overwrites a file",
                    to.display()
                )));
            }
            let mut target = Connection::open(&to).map_err(|e| {
                StoreError::internal(format!("cannot create {}: {e}", to.display()))
            })?;
            let backup = rusqlite::backup::Backup::new(conn, &mut target)?;
            // All pages in one step: the source stays on one snapshot, so the copy is consistent.
            for _ in 0..1000 {
                match backup.step(-1)? {
                    rusqlite::backup::StepResult::Done => return Ok(()),
                    _ => std::thread::sleep(Duration::from_millis(10)),
                }
            }
            Err(StoreError::Unavailable {
                detail: "the backup could not finish; the database stayed busy".into(),
            })
        })
    }

    /// Checks the audit chain and the records it vouches for; see [`verify_audit`].
    pub fn verify_audit(&self) -> Result<AuditReport, AuditError> {
        verify_audit(self, None)
    }

    /// [`Store::verify_audit`], and the chain must hold `head` (published earlier, e.g. with a
    /// version): a cut tail or a rewritten chain fails here, which no check inside the
    /// database can show.
    pub fn verify_audit_expecting(&self, head: ExpectedHead) -> Result<AuditReport, AuditError> {
        verify_audit(self, Some(head))
    }

    // ---- shortcuts: one write each, with owned arguments -----------------------------------

    pub fn create_process(
        &self,
        slug: impl Into<String>,
        title: impl Into<String>,
        actor: Actor,
        now: i64,
    ) -> Pending<ProcessInfo> {
        let (slug, title) = (slug.into(), title.into());
        self.write(move |w| w.create_process(&slug, &title, &actor, now))
    }

    pub fn add_delegation(
        &self,
        process: impl Into<String>,
        delegation: Delegation,
        actor: Actor,
        now: i64,
    ) -> Pending<()> {
        let process = process.into();
        self.write(move |w| w.add_delegation(&process, &delegation, &actor, now))
    }

    pub fn create_document(
        &self,
        process: impl Into<String>,
        document: NewDocument,
        actor: Actor,
        now: i64,
    ) -> Pending<(DocumentInfo, VersionInfo)> {
        let process = process.into();
        self.write(move |w| w.create_document(&process, &document, &actor, now))
    }

    pub fn publish_version(
        &self,
        process: impl Into<String>,
        document: impl Into<String>,
        version: NewVersion,
        actor: Actor,
        now: i64,
    ) -> Pending<VersionInfo> {
        let (process, document) = (process.into(), document.into());
        self.write(move |w| w.publish_version(&process, &document, &version, &actor, now))
    }

    pub fn create_round(
        &self,
        process: impl Into<String>,
        round: NewRound,
        actor: Actor,
        now: i64,
    ) -> Pending<RoundInfo> {
        let process = process.into();
        self.write(move |w| w.create_round(&process, &round, &actor, now))
    }

    pub fn open_round(
        &self,
        process: impl Into<String>,
        round: u32,
        actor: Actor,
        now: i64,
    ) -> Pending<RoundInfo> {
        let process = process.into();
        self.write(move |w| w.open_round(&process, round, &actor, now))
    }

    pub fn close_round(
        &self,
        process: impl Into<String>,
        round: u32,
        actor: Actor,
        now: i64,
    ) -> Pending<RoundInfo> {
        let process = process.into();
        self.write(move |w| w.close_round(&process, round, &actor, now))
    }

    pub fn extend_deadline(
        &self,
        process: impl Into<String>,
        round: u32,
        closes_at: i64,
        actor: Actor,
        now: i64,
    ) -> Pending<RoundInfo> {
        let process = process.into();
        self.write(move |w| w.extend_deadline(&process, round, closes_at, &actor, now))
    }

    #[allow(clippy::too_many_arguments)] // reason: mirrors Writer::put_submission
    pub fn put_submission(
        &self,
        process: impl Into<String>,
        round: u32,
        delegation: impl Into<String>,
        body: Vec<u8>,
        items: Vec<Item>,
        expected_revision: Option<u32>,
        actor: Actor,
        now: i64,
    ) -> Pending<StoredRevision> {
        let (process, delegation) = (process.into(), delegation.into());
        self.write(move |w| {
            w.put_submission(
                &process,
                round,
                &delegation,
                &body,
                &items,
                expected_revision,
                &actor,
                now,
            )
        })
    }

    pub fn record_decision(
        &self,
        process: impl Into<String>,
        round: u32,
        decision: Decision,
        actor: Actor,
        now: i64,
    ) -> Pending<DecisionRecord> {
        let process = process.into();
        self.write(move |w| w.record_decision(&process, round, &decision, &actor, now))
    }
}

/// PostgreSQL checks its own pages and constraints; what a superuser could still undo is an
/// append-only trigger (dropped or disabled).
fn pg_trigger_problems(reader: &Reader<'_>) -> Result<Vec<String>, StoreError> {
    let present = reader.conn.query_all(
        "SELECT tgname FROM pg_trigger
         WHERE NOT tgisinternal AND tgenabled IN ('O', 'A')",
        args![],
        |row| row.text(0),
    )?;
    Ok(schema::PG_TRIGGERS
        .iter()
        .filter(|name| !present.iter().any(|p| p == *name))
        .map(|name| format!("the append-only trigger {name} is missing or disabled"))
        .collect())
}

/// Refuses a schema version a read-only store cannot read: 0 (no penholder database) or one
/// newer than this penholder's migrations (which only migrating could bring about, and a
/// read-only opening never migrates).
fn known_schema(version: u32, known: usize, what: &str) -> Result<(), StoreError> {
    if version == 0 {
        return Err(StoreError::invalid(format!(
            "{what} holds no penholder database (schema version 0)"
        )));
    }
    if version as usize > known {
        return Err(StoreError::invalid(format!(
            "{what} has schema version {version}, newer than this penholder knows (1 to \
             {known}); use a newer penholder"
        )));
    }
    Ok(())
}

/// Runs a PostgreSQL opening on a thread of its own: its connections are driven by runtimes
/// that must not be started from inside the caller's (a tokio runtime, in the server).
fn on_open_thread(
    open: impl FnOnce() -> Result<Store, StoreError> + Send + 'static,
) -> Result<Store, StoreError> {
    std::thread::Builder::new()
        .name("penholder-store-open".into())
        .spawn(open)
        .map_err(|e| StoreError::internal(format!("cannot start a store thread: {e}")))?
        .join()
        .map_err(|_| StoreError::internal("opening the PostgreSQL store panicked"))?
}

fn is_postgres_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

fn shut_down() -> StoreError {
    StoreError::Unavailable {
        detail: "the store is shutting down".into(),
    }
}

/// Walks the audit log from its first entry: each entry's hash must match its content and the
/// entry before it, sequence numbers must run without a gap, and every submission revision,
/// decision and version must match the entry that recorded it (and every such entry must still
/// have its record). The error names the first bad entry. Blocks: call it from a blocking
/// context (the CLI's `penholder audit verify`).
pub fn verify_audit(
    store: &Store,
    expected: Option<ExpectedHead>,
) -> Result<AuditReport, AuditError> {
    store
        .read(move |reader| Ok(audit::verify(reader.conn, expected.as_ref())))
        .wait()?
}

#[cfg(test)]
mod tests;
