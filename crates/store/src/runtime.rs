//! The threads behind a [`crate::Store`]: one writer that group-commits, a few readers.
//!
//! SQLite allows one writer at a time and a durable commit costs an fsync, so a single writer
//! thread owns the only read-write connection. It takes every write request queued while the
//! previous fsync was running and runs them as ONE transaction, each request inside its own
//! SAVEPOINT: a request that fails (or panics) is rolled back to its savepoint and answered with
//! its error, the others go on. Then one COMMIT, one fsync, and only then is every request of
//! the batch answered. Under load, batches grow by themselves; alone, a request commits at once.
//!
//! Readers each own a `query_only` connection and run each request in its own read
//! transaction: one consistent WAL snapshot, never blocked by the writer.
//!
//! PostgreSQL runs on the same threads, with the same batches: a batch is one transaction
//! (`BEGIN`, then the chain head's lock, then a SAVEPOINT per request, then one COMMIT, which
//! with `synchronous_commit=on` returns once the WAL is flushed), of at most `pg::MAX_BATCH`
//! (64) requests, so that its subtransactions stay within PostgreSQL's per-backend cache. Taking the chain head's lock
//! (`pg_advisory_xact_lock`, held to the end of the transaction) first, before reading any
//! state, serializes every writer of the database across all servers, just as SQLite's single
//! writer does: each batch reads the true audit head (no fork of the chain), and the
//! check-then-act of every request stays atomic against other servers too — a submission
//! cannot race its round's close (it sees the round closed, or the close waits for it), and two
//! consolidations of one round cannot both pass the `closed` check (the second sees
//! `consolidated` and is refused). The writer's transactions are READ COMMITTED, so every
//! statement after the lock sees everything committed before it was granted. Readers run each
//! request in a `REPEATABLE READ, READ ONLY` transaction: one snapshot for the whole closure.
//!
//! A lost PostgreSQL connection answers the requests it was serving with `Unavailable` (a
//! batch whose COMMIT failed answers every request of it so: none is acknowledged), and the
//! thread connects again at a later job (see `pg::PgSession`).

use crate::StoreError;
use crate::db::Conn;
use crate::pending::Completer;
use crate::pg::{CHAIN_HEAD_LOCK, PgConn, PgSession};
use crate::reader::Reader;
use crate::writer::Writer;
use rusqlite::Connection;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex, PoisonError};

thread_local! {
    static STORE_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether the current thread is one of a store's own threads.
pub(crate) fn on_store_thread() -> bool {
    STORE_THREAD.with(|flag| flag.get())
}

fn mark_store_thread() {
    STORE_THREAD.with(|flag| flag.set(true));
}

/// A write request: runs once inside its savepoint, then learns whether the batch committed.
pub(crate) trait WriteJob: Send {
    /// Runs the request; `Ok` if it succeeded (its changes stay in the batch), else (a copy
    /// of) its error.
    fn run(&mut self, writer: &Writer<'_>) -> Result<(), StoreError>;
    /// Records a failure that happened around the request (a panic, a failed savepoint).
    fn fail(&mut self, error: StoreError);
    /// Answers the caller, given how the batch's COMMIT went.
    fn finish(self: Box<Self>, commit: Result<(), &StoreError>);
}

/// A read request, run on a reader connection inside a read transaction; handed the error
/// instead when no snapshot could be had (the database is unreachable).
pub(crate) type ReadJob = Box<dyn FnOnce(Result<&Reader<'_>, StoreError>) + Send>;

/// A store thread's connection.
pub(crate) enum Backend {
    Sqlite(Connection),
    Postgres(Box<PgSession>),
}

pub(crate) enum Job {
    Write(Box<dyn WriteJob>),
    /// A read for a store without reader connections (in memory): run between batches, so it
    /// never sees a batch that might still roll back.
    Read(ReadJob),
}

pub(crate) struct Request<T, F> {
    pub function: Option<F>,
    pub result: Option<Result<T, StoreError>>,
    pub completer: Option<Completer<T>>,
}

impl<T, F> WriteJob for Request<T, F>
where
    T: Send + 'static,
    F: FnOnce(&Writer<'_>) -> Result<T, StoreError> + Send + 'static,
{
    fn run(&mut self, writer: &Writer<'_>) -> Result<(), StoreError> {
        match self.function.take() {
            Some(function) => {
                let result = function(writer);
                let outcome = result.as_ref().map(|_| ()).map_err(Clone::clone);
                self.result = Some(result);
                outcome
            }
            None => Err(StoreError::internal("a write request ran twice")),
        }
    }

    fn fail(&mut self, error: StoreError) {
        self.result = Some(Err(error));
    }

    fn finish(mut self: Box<Self>, commit: Result<(), &StoreError>) {
        let answer = match (self.result.take(), commit) {
            (Some(Err(own)), _) => Err(own),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (_, Err(batch)) => Err(batch.clone()),
            (None, Ok(())) => Err(StoreError::internal("a write request was never run")),
        };
        if let Some(completer) = self.completer.take() {
            completer.complete(answer);
        }
    }
}

/// Counters for tests, benchmarks and metrics, and the writer's last outcome for `/healthz`.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub batches: AtomicU64,
    pub writes: AtomicU64,
    pub failed_batches: AtomicU64,
    /// Why writes are failing (a full disk, an I/O error, a lost database), said so that
    /// anyone may read it; `None` once a write has been stored again. Reads may well succeed
    /// meanwhile, so a read alone cannot tell a health check that the store is degraded.
    pub failing: Mutex<Option<String>>,
}

/// What one batch says about the store's ability to write.
enum Outcome {
    /// Something was stored: writes work.
    Stored,
    /// Nothing was written, and nothing went wrong with the storage (every request refused
    /// for reasons of its own, say): no news.
    Nothing,
    /// The batch, or a request of it, failed for the storage's sake.
    Failed(StoreError),
}

impl Counters {
    fn record(&self, outcome: Outcome) {
        let mut failing = self.failing.lock().unwrap_or_else(PoisonError::into_inner);
        match outcome {
            Outcome::Stored => {
                if failing.take().is_some() {
                    tracing::warn!("the store writes again");
                }
            }
            Outcome::Nothing => {}
            Outcome::Failed(error) => {
                // Once per episode: under load every batch fails alike.
                if failing.is_none() {
                    tracing::error!(%error, "the store cannot write; requests are refused until it can");
                }
                *failing = Some(error.public_reason());
            }
        }
    }
}

pub(crate) fn run_writer(
    mut backend: Backend,
    jobs: Receiver<Job>,
    max_batch: usize,
    counters: Arc<Counters>,
) {
    mark_store_thread();
    let mut reads = Vec::new();
    while let Ok(first) = jobs.recv() {
        let mut writes = Vec::new();
        match first {
            Job::Write(write) => writes.push(write),
            Job::Read(read) => reads.push(read),
        }
        while writes.len() < max_batch {
            match jobs.try_recv() {
                Ok(Job::Write(write)) => writes.push(write),
                Ok(Job::Read(read)) => reads.push(read),
                Err(_) => break,
            }
        }
        if !writes.is_empty() {
            counters
                .writes
                .fetch_add(writes.len() as u64, Ordering::Relaxed);
            counters.batches.fetch_add(1, Ordering::Relaxed);
            let committed = match &mut backend {
                Backend::Sqlite(conn) => {
                    let conn = Conn::Sqlite(conn);
                    let began = conn.batch("BEGIN IMMEDIATE");
                    commit_batch(conn, began, writes, &counters)
                }
                Backend::Postgres(session) => match begin_postgres(session, &write_begin()) {
                    Ok(conn) => commit_batch(Conn::Postgres(conn), Ok(()), writes, &counters),
                    Err(error) => {
                        counters.record(Outcome::Failed(error.clone()));
                        for write in writes {
                            write.finish(Err(&error));
                        }
                        false
                    }
                },
            };
            if !committed {
                counters.failed_batches.fetch_add(1, Ordering::Relaxed);
            }
        }
        for read in reads.drain(..) {
            run_read(&mut backend, read);
        }
    }
}

/// How often the checkpointer copies the log's committed pages into the database.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// Copies committed pages from the write-ahead log into the database file, every
/// [`CHECKPOINT_EVERY`], until `stop` is closed. A passive checkpoint waits for no one: the
/// writer goes on appending and readers go on reading while it runs, so the writer's group
/// commits are never held up by the copy and its sync (under a deadline rush the log grows by
/// tens of megabytes a second; the writer's own automatic checkpoints took a tenth of its time).
pub(crate) fn run_checkpointer(conn: Connection, stop: Receiver<()>) {
    mark_store_thread();
    // Said once when checkpoints start failing and once when they work again: on a full or
    // read-only disk, a line every 100 ms would only fill the log (and the disk) further.
    let mut failing = false;
    while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(CHECKPOINT_EVERY)
    {
        match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            Err(error) if !failing => {
                failing = true;
                tracing::warn!(%error, "passive checkpoints fail; the writer's own will take over (said once)");
            }
            Err(_) => {}
            Ok(()) if failing => {
                failing = false;
                tracing::info!("passive checkpoints work again");
            }
            Ok(()) => {}
        }
    }
}

/// How a PostgreSQL write batch begins: its transaction, then the chain head's lock, before
/// anything is read. See the module doc for why this serializes every writer of the database,
/// on every server.
fn write_begin() -> String {
    format!("BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock({CHAIN_HEAD_LOCK})")
}

/// Begins a transaction on a PostgreSQL session. If the connection turns out to be lost (the
/// server restarted since the last job), nothing of the job has run yet: connect again and
/// begin once more, so the first request after PostgreSQL is back is served, not refused.
fn begin_postgres<'s>(session: &'s mut PgSession, begin: &str) -> Result<&'s PgConn, StoreError> {
    let first = {
        let conn = session.conn()?;
        conn.set_audit_head(None);
        match Conn::Postgres(conn).batch(begin) {
            Ok(()) => None,
            Err(error) => Some((error, conn.is_broken())),
        }
    };
    match first {
        None => session.conn(),
        Some((error, false)) => {
            // A lock timeout, say: end the aborted transaction, report the error.
            let _ = Conn::Postgres(session.conn()?).batch("ROLLBACK");
            Err(error)
        }
        Some((_, true)) => {
            let conn = session.conn()?;
            let db = Conn::Postgres(conn);
            if let Err(error) = db.batch(begin) {
                if !conn.is_broken() {
                    let _ = db.batch("ROLLBACK");
                }
                return Err(error);
            }
            Ok(conn)
        }
    }
}

/// Whether a transaction is still open (SQLite rolls back by itself on I/O errors).
fn in_transaction(conn: Conn<'_>) -> bool {
    match conn {
        Conn::Sqlite(conn) => !conn.is_autocommit(),
        Conn::Postgres(conn) => !conn.is_broken(),
    }
}

/// Runs one batch as one transaction; `false` if the whole batch failed. What it says about
/// the storage is recorded in `counters` before any request is answered, so that a client
/// that asks `/healthz` right after its answer learns what that answer learnt.
fn commit_batch(
    conn: Conn<'_>,
    began: Result<(), StoreError>,
    writes: Vec<Box<dyn WriteJob>>,
    counters: &Counters,
) -> bool {
    let mut done: Vec<Done> = Vec::with_capacity(writes.len());
    let mut batch_error = began.err();
    let mut pending = writes.into_iter();
    let mut release_first = false;
    // A request refused for a full disk while the batch goes on (the statement alone was
    // rolled back): the batch may commit, but the storage is not fine.
    let mut full = None;
    if batch_error.is_none() {
        for mut write in pending.by_ref() {
            let request = conn.start_request();
            let result = run_in_savepoint(conn, write.as_mut(), &mut release_first);
            let stored = matches!(result, Ok(Ok(())));
            done.push(Done {
                write,
                request,
                stored,
            });
            // What an earlier request held back failed, and this one's first statement
            // reported it (PostgreSQL): whatever this request saw says nothing about itself.
            if let Some((owner, error)) = conn.take_failed_ahead()
                && owner != request
            {
                if matches!(error, StoreError::Full { .. }) {
                    full = Some(error.clone());
                }
                if let Err(error) = undo_from(conn, owner, error, &mut done) {
                    batch_error = Some(error);
                    break;
                }
                continue;
            }
            match result {
                Ok(Err(error @ StoreError::Full { .. })) => full = Some(error),
                Ok(_) => {}
                Err(error) => {
                    batch_error = Some(error);
                    break;
                }
            }
        }
        // The last request's held-back statements go out before COMMIT, so that one of them
        // failing is that request's error, not the whole batch's.
        if batch_error.is_none()
            && conn.holds_back()
            && let Err(error) = conn.batch("RELEASE request")
        {
            batch_error = match conn.take_failed_ahead() {
                Some((owner, error)) => {
                    if matches!(error, StoreError::Full { .. }) {
                        full = Some(error.clone());
                    }
                    undo_from(conn, owner, error, &mut done).err()
                }
                None => Some(error),
            };
        }
    }
    let outcome = match batch_error {
        None => conn.batch("COMMIT"),
        Some(error) => Err(error),
    };
    // The next batch reads the head afresh (another server may append meantime); what the
    // writer remembers of submission targets stays valid only if this batch was stored.
    conn.forget_audit_head();
    if outcome.is_err() {
        conn.forget_written();
    }
    if outcome.is_err() && in_transaction(conn) {
        // Nothing of a failed batch may survive; if even ROLLBACK fails, the connection is
        // unusable and the next BEGIN will fail and report it (or, on PostgreSQL, the lost
        // connection is replaced).
        let _ = conn.batch("ROLLBACK");
    }
    // A failure reported by the ROLLBACK of a failed batch concerns nothing that was kept.
    let _ = conn.take_failed_ahead();
    let stored = done.iter().any(|d| d.stored);
    counters.record(match (&outcome, full) {
        (Err(error), _) => Outcome::Failed(error.clone()),
        (Ok(()), Some(error)) => Outcome::Failed(error),
        (Ok(()), None) if stored => Outcome::Stored,
        (Ok(()), None) => Outcome::Nothing,
    });
    let commit = outcome.as_ref().map(|_| ());
    for write in done.into_iter().map(|d| d.write).chain(pending) {
        write.finish(commit);
    }
    outcome.is_ok()
}

/// A request of a batch that has run, with the number its held-back statements carry.
struct Done {
    write: Box<dyn WriteJob>,
    request: u64,
    stored: bool,
}

/// A statement held back by request `owner` failed with `error` (PostgreSQL), after later
/// requests had already run behind it: every statement after the failed one was refused, so the
/// transaction is rolled back to `owner`'s savepoint (the last one created before the failure)
/// and the batch goes on without them. `owner` is answered with its error; each later request
/// that had succeeded with `Unavailable`: nothing of it was stored, and sending it again is
/// safe. (Once a request's checks have passed, what it holds back does not fail for reasons of
/// its own in practice: this path is for the rare exception, kept exact.)
fn undo_from(
    conn: Conn<'_>,
    owner: u64,
    error: StoreError,
    done: &mut [Done],
) -> Result<(), StoreError> {
    conn.forget_written();
    conn.batch("ROLLBACK TO request")?;
    for request in done.iter_mut().filter(|d| d.request >= owner) {
        let own = request.request == owner;
        if own {
            request.write.fail(error.clone());
        } else {
            request.write.fail(StoreError::Unavailable {
                detail: "another write stored in the same transaction failed, so nothing of \
                         this one was stored; send it again"
                    .into(),
            });
        }
        request.stored = false;
    }
    Ok(())
}

/// Runs one request inside a savepoint: the request's own outcome, or `Err` when the batch
/// itself is broken.
///
/// The previous request's savepoint is released together with this one's creation (one round
/// trip to PostgreSQL instead of two); the last one is left to COMMIT, which ends them all.
fn run_in_savepoint(
    conn: Conn<'_>,
    write: &mut dyn WriteJob,
    release_first: &mut bool,
) -> Result<Result<(), StoreError>, StoreError> {
    // On PostgreSQL the savepoint goes out with the request's first statement.
    if *release_first {
        conn.batch_ahead("RELEASE request; SAVEPOINT request")?;
    } else {
        conn.batch_ahead("SAVEPOINT request")?;
        *release_first = true;
    }
    let writer = Writer {
        reader: Reader { conn },
    };
    let outcome = match catch_unwind(AssertUnwindSafe(|| write.run(&writer))) {
        Ok(outcome) => outcome,
        Err(_) => {
            let error = StoreError::internal("the write request panicked; nothing was stored");
            write.fail(error.clone());
            Err(error)
        }
    };
    if let Conn::Sqlite(sqlite) = conn
        && sqlite.is_autocommit()
    {
        // SQLite rolled back the whole transaction by itself (disk full, I/O error): the
        // batch's earlier requests are gone too. The request's error says which (a full disk
        // is a 507 the operator must act on, not a generic fault).
        let error = match outcome {
            Err(
                error @ (StoreError::Full { .. }
                | StoreError::Unavailable { .. }
                | StoreError::Corrupt { .. }),
            ) => error,
            _ => StoreError::internal(
                "the database rolled back the transaction (I/O error or disk full)",
            ),
        };
        write.fail(error.clone());
        return Err(error);
    }
    if outcome.is_err() {
        // What the request appended to the audit log is gone: the head is read afresh.
        conn.forget_written();
        conn.batch("ROLLBACK TO request")?;
    }
    Ok(outcome)
}

/// Runs a read request in a read transaction, so all its queries see one snapshot.
pub(crate) fn run_read(backend: &mut Backend, read: ReadJob) {
    match backend {
        Backend::Sqlite(conn) => {
            let conn: &Connection = conn;
            let began = conn.execute_batch("BEGIN DEFERRED").is_ok();
            // A panicking read drops its completer, which answers the caller with an error.
            let _ = catch_unwind(AssertUnwindSafe(|| {
                read(Ok(&Reader {
                    conn: Conn::Sqlite(conn),
                }))
            }));
            if began && !conn.is_autocommit() && conn.execute_batch("COMMIT").is_err() {
                let _ = conn.execute_batch("ROLLBACK");
            }
        }
        Backend::Postgres(session) => {
            let conn =
                match begin_postgres(session, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY") {
                    Ok(conn) => conn,
                    Err(error) => return read(Err(error)),
                };
            let db = Conn::Postgres(conn);
            let _ = catch_unwind(AssertUnwindSafe(|| read(Ok(&Reader { conn: db }))));
            // Read only: nothing to keep; ROLLBACK also ends a transaction a failed query
            // aborted.
            let _ = db.batch("ROLLBACK");
        }
    }
}

pub(crate) fn run_reader(mut backend: Backend, jobs: Arc<Mutex<Receiver<ReadJob>>>) {
    mark_store_thread();
    loop {
        let next = {
            let receiver = jobs.lock().unwrap_or_else(PoisonError::into_inner);
            receiver.recv()
        };
        match next {
            Ok(read) => run_read(&mut backend, read),
            Err(_) => return,
        }
    }
}
