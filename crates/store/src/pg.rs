//! The PostgreSQL backend's connections: [`PgConn`] (a `tokio_postgres` client driven, blocking,
//! by a single-threaded tokio runtime of its own, with its prepared statements) and
//! [`PgSession`] (a thread's connection that comes back by itself after PostgreSQL went away).
//!
//! This is what the blocking `postgres` crate does, with one thing more: statements whose
//! answer nothing waits for (a request's SAVEPOINT, the audit entry's INSERT, a submission's
//! INSERT) are held back and sent *pipelined* with the next statement, in one round trip
//! (`tokio_postgres` pipelines requests polled together). Over a network each round trip is
//! most of a write's cost: a submission takes one instead of four. Order is kept (they are sent
//! first), and their errors are reported by that next statement — which may belong to the next
//! request of the batch: each held-back statement is tagged with the request that wrote it
//! ([`PgConn::start_request`]), so that the runtime can tell whose error it was
//! ([`PgConn::take_failed_ahead`]). Such a runtime panics if driven from inside another
//! runtime; a `PgConn` is only ever used on the store's own std threads (and on a thread spawned
//! for [`crate::Store::open_postgres`]), never on the caller's.
//!
//! Errors: a lost connection (I/O, closed, SQLSTATE class 08 or 57 — the server shutting down or
//! restarting) is `Unavailable` and marks the connection broken, so the thread drops it and
//! connects anew at its next job (not before a short, growing backoff: requests meanwhile are
//! answered `Unavailable` at once). Lock timeouts, serialization failures and deadlocks are
//! `Unavailable` too (retryable), as are the other insufficient-resources errors (class 53);
//! a full disk (53100) is `Full`. Everything else is `Internal` with the server's message.

use crate::StoreError;
use crate::db::Value;
use crate::reader::SubmissionTarget;
use bytes::BytesMut;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};
use tokio_postgres::types::{IsNull, ToSql, Type};

impl ToSql for Value<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match *self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) if *ty == Type::INT4 => i32::try_from(v)?.to_sql(ty, out),
            Value::Int(v) if *ty == Type::INT2 => i16::try_from(v)?.to_sql(ty, out),
            Value::Int(v) => v.to_sql(ty, out),
            Value::Text(s) => s.to_sql(ty, out),
            Value::Bytes(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

/// A parameter kept for a statement sent later.
#[derive(Clone, Debug)]
pub(crate) enum OwnedValue {
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
    Null,
}

impl OwnedValue {
    fn of(value: &Value<'_>) -> OwnedValue {
        match *value {
            Value::Int(v) => OwnedValue::Int(v),
            Value::Text(s) => OwnedValue::Text(s.to_owned()),
            Value::Bytes(b) => OwnedValue::Bytes(b.to_vec()),
            Value::Null => OwnedValue::Null,
        }
    }

    fn value(&self) -> Value<'_> {
        match self {
            OwnedValue::Int(v) => Value::Int(*v),
            OwnedValue::Text(s) => Value::Text(s),
            OwnedValue::Bytes(b) => Value::Bytes(b),
            OwnedValue::Null => Value::Null,
        }
    }
}

/// A statement held back to go out with the next one.
enum Ahead {
    Simple(String),
    Execute(tokio_postgres::Statement, Vec<OwnedValue>),
}

/// A held-back statement and the request (of the write batch) that wrote it.
struct Held {
    request: u64,
    statement: Ahead,
}

type Sent<'a> = Pin<Box<dyn Future<Output = Result<(), tokio_postgres::Error>> + 'a>>;

/// `?1` → `$1`: the store's SQL is written with SQLite's numbered placeholders. (No query of
/// the store has a `?` inside a string literal.)
pub(crate) fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

/// One PostgreSQL connection with its cache of prepared statements.
pub(crate) struct PgConn {
    /// Drives the connection (a task on it) whenever a statement is waited for.
    runtime: tokio::runtime::Runtime,
    client: tokio_postgres::Client,
    statements: RefCell<HashMap<String, tokio_postgres::Statement>>,
    /// Statements to send ahead of the next one, in the same round trip.
    ahead: RefCell<Vec<Held>>,
    /// The request of the write batch now running (see [`PgConn::start_request`]).
    request: Cell<u64>,
    /// The first held-back statement that failed since the runtime last asked, with the
    /// request that wrote it and the error it got.
    failed_ahead: RefCell<Option<(u64, StoreError)>>,
    broken: Cell<bool>,
    /// The audit head (seq, entry hash) as this write transaction last appended it. Valid only
    /// while the transaction holds the chain head's lock (no one else can append): set by
    /// `audit::append`, forgotten when a transaction begins or ends and when a request rolls
    /// back to its savepoint. Saves a query per write.
    audit_head: Cell<Option<(i64, [u8; 32])>>,
    /// What the writer last read or wrote of submission targets, valid at one audit head.
    targets: TargetCache,
}

/// A submission's target as the write path needs it.
pub(crate) type Target = SubmissionTarget;

/// A target's key: the process, the round's number, the delegation's code.
pub(crate) type TargetKey = (String, u32, String);

/// The submission targets (round, delegation, latest revision) the writer connection last read
/// or wrote, so that a submission in a deadline rush costs no round trip to PostgreSQL at all:
/// its statements are all held back and go out with the batch's COMMIT.
///
/// Why it is exact: every write that changes what a target says (a round moved, a delegation
/// added, a revision stored) appends to the audit chain, and every writer of the database, on
/// every server, appends under the chain head's lock. So the cache is valid exactly while the
/// audit head is the one it was valid at: read under the lock at a batch's first submission, a
/// head that moved (another server wrote, or this one wrote something else) empties it. A
/// request rolled back to its savepoint, or a batch that did not commit, empties it too (what it
/// remembered may never have been stored). A miss reads the targets of every delegation of the
/// round at once (`Reader::round_targets`): with several servers the head moves between any two
/// batches, and a batch then still costs one round trip, not one per submission.
#[derive(Default)]
struct TargetCache {
    valid_at: Cell<Option<(i64, [u8; 32])>>,
    entries: RefCell<HashMap<TargetKey, Target>>,
}

/// Whether an error means the connection is gone (or going).
fn is_connection_loss(error: &tokio_postgres::Error) -> bool {
    if error.is_closed() {
        return true;
    }
    match error.code() {
        Some(code) => {
            let code = code.code();
            code.starts_with("08") || code.starts_with("57")
        }
        None => {
            // Not from the server: I/O, a broken protocol stream, a timeout. Parameter and
            // column conversions are programming errors, not connection losses.
            let text = error.to_string();
            !(text.starts_with("error serializing")
                || text.starts_with("error deserializing")
                || text.starts_with("invalid column")
                || text.starts_with("expected ")
                || text.starts_with("query returned"))
        }
    }
}

/// The store's error for a PostgreSQL error.
pub(crate) fn store_error(error: &tokio_postgres::Error) -> StoreError {
    if is_connection_loss(error) {
        return StoreError::Unavailable {
            detail: format!("PostgreSQL: {}", describe(error)),
        };
    }
    if let Some(code) = error.code()
        && let Some(mapped) = error_for_code(code.code(), || describe(error))
    {
        return mapped;
    }
    StoreError::internal(describe(error))
}

/// The store's error for a SQLSTATE that means something other than a fault of the server
/// (`None`: `Internal`). `describe` gives the server's text.
fn error_for_code(code: &str, describe: impl FnOnce() -> String) -> Option<StoreError> {
    // disk_full: as SQLite's SQLITE_FULL, the operator must free space (507, not 503).
    if code == "53100" {
        return Some(StoreError::Full {
            detail: format!("PostgreSQL: {}", describe()),
        });
    }
    if matches!(code, "40001" | "40P01" | "55P03") || code.starts_with("53") {
        return Some(StoreError::Unavailable {
            detail: format!("PostgreSQL is busy: {}", describe()),
        });
    }
    // character_not_in_repertoire: a text parameter with U+0000, which PostgreSQL's text
    // cannot hold (SQLite's can). The caller's value, not a fault of the server.
    if code == "22021" {
        return Some(StoreError::Invalid {
            detail: "a text contains the NUL character (U+0000), which cannot be stored"
                .to_string(),
        });
    }
    None
}

fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => {
            let mut text = format!("{} {}: {}", db.severity(), db.code().code(), db.message());
            if let Some(detail) = db.detail() {
                text.push_str(&format!(" ({detail})"));
            }
            text
        }
        None => match std::error::Error::source(error) {
            Some(source) => format!("{error}: {source}"),
            None => error.to_string(),
        },
    }
}

impl PgConn {
    fn connect(config: &tokio_postgres::Config) -> Result<PgConn, StoreError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                StoreError::internal(format!(
                    "cannot start a PostgreSQL connection's runtime: {e}"
                ))
            })?;
        let (client, connection) = runtime
            .block_on(config.connect(tokio_postgres::NoTls))
            .map_err(|e| StoreError::Unavailable {
                detail: format!("cannot connect to PostgreSQL: {}", describe(&e)),
            })?;
        runtime.spawn(async move {
            let _ = connection.await;
        });
        Ok(PgConn {
            runtime,
            client,
            statements: RefCell::new(HashMap::new()),
            ahead: RefCell::new(Vec::new()),
            request: Cell::new(0),
            failed_ahead: RefCell::new(None),
            broken: Cell::new(false),
            audit_head: Cell::new(None),
            targets: TargetCache::default(),
        })
    }

    fn fail(&self, error: tokio_postgres::Error) -> StoreError {
        if is_connection_loss(&error) || self.client.is_closed() {
            self.broken.set(true);
            let detail = format!("PostgreSQL: {}", describe(&error));
            return StoreError::Unavailable { detail };
        }
        store_error(&error)
    }

    pub(crate) fn audit_head(&self) -> Option<(i64, [u8; 32])> {
        self.audit_head.get()
    }

    pub(crate) fn set_audit_head(&self, head: Option<(i64, [u8; 32])>) {
        self.audit_head.set(head);
    }

    /// The cached target of `key` if the cache is valid at `head`; a cache valid at another
    /// head is emptied.
    pub(crate) fn cached_target(
        &self,
        key: &TargetKey,
        head: Option<(i64, [u8; 32])>,
    ) -> Option<Target> {
        let cache = &self.targets;
        if head.is_none() || cache.valid_at.get() != head {
            cache.entries.borrow_mut().clear();
            cache.valid_at.set(head);
            return None;
        }
        cache.entries.borrow().get(key).cloned()
    }

    /// Remembers `target` as read at `head` (see [`PgConn::cached_target`]).
    pub(crate) fn remember_target(
        &self,
        key: TargetKey,
        target: Target,
        head: Option<(i64, [u8; 32])>,
    ) {
        let cache = &self.targets;
        if head.is_none() || cache.valid_at.get() != head {
            cache.entries.borrow_mut().clear();
            cache.valid_at.set(head);
        }
        if head.is_some() {
            cache.entries.borrow_mut().insert(key, target);
        }
    }

    /// Records revision `revision` of `key` as stored by the audit entry that made `head`:
    /// the cache stays valid across its own write.
    pub(crate) fn advance_target(
        &self,
        key: &TargetKey,
        before: Option<(i64, [u8; 32])>,
        revision: u32,
        head: (i64, [u8; 32]),
    ) {
        let cache = &self.targets;
        if before.is_none() || cache.valid_at.get() != before {
            self.forget_targets();
            return;
        }
        let mut entries = cache.entries.borrow_mut();
        if let Some(SubmissionTarget {
            delegation: Some((_, latest)),
            ..
        }) = entries.get_mut(key)
        {
            *latest = revision;
        } else {
            entries.remove(key);
        }
        cache.valid_at.set(Some(head));
    }

    /// The audit head the target cache is valid at, if it holds anything.
    pub(crate) fn targets_valid_at(&self) -> Option<(i64, [u8; 32])> {
        self.targets
            .valid_at
            .get()
            .filter(|_| !self.targets.entries.borrow().is_empty())
    }

    /// Brings the target cache to `head` across entries another writer appended: `stored`, the
    /// revisions they stored (each target's latest moves to it), or `None` when they wrote
    /// something else, which empties the cache.
    pub(crate) fn catch_up_targets(
        &self,
        stored: Option<Vec<(TargetKey, u32)>>,
        head: (i64, [u8; 32]),
    ) {
        let cache = &self.targets;
        let mut entries = cache.entries.borrow_mut();
        match stored {
            None => entries.clear(),
            Some(stored) => {
                for (key, revision) in stored {
                    match entries.get_mut(&key) {
                        Some(SubmissionTarget {
                            delegation: Some((_, latest)),
                            ..
                        }) => *latest = (*latest).max(revision),
                        _ => {
                            entries.remove(&key);
                        }
                    }
                }
            }
        }
        cache.valid_at.set(Some(head));
    }

    /// Empties the target cache (a rollback: what it remembered may not be stored).
    pub(crate) fn forget_targets(&self) {
        self.targets.entries.borrow_mut().clear();
        self.targets.valid_at.set(None);
    }

    pub(crate) fn is_broken(&self) -> bool {
        self.broken.get() || self.client.is_closed()
    }

    fn statement(&self, sql: &str) -> Result<tokio_postgres::Statement, StoreError> {
        if let Some(statement) = self.statements.borrow().get(sql) {
            return Ok(statement.clone());
        }
        let prepared = self
            .runtime
            .block_on(self.client.prepare(&placeholders(sql)));
        let statement = prepared.map_err(|e| self.fail(e))?;
        self.statements
            .borrow_mut()
            .insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    /// Waits for `last`, sending the statements held back ahead of it in the same round trip;
    /// the first error of any of them is the answer.
    fn run<T>(
        &self,
        last: impl Future<Output = Result<T, tokio_postgres::Error>>,
    ) -> Result<T, StoreError> {
        let ahead = self.ahead.take();
        if ahead.is_empty() {
            return self.runtime.block_on(last).map_err(|e| self.fail(e));
        }
        let client = &self.client;
        let sent: Vec<Sent<'_>> = ahead
            .iter()
            .map(|held| -> Sent<'_> {
                match &held.statement {
                    Ahead::Simple(sql) => Box::pin(client.batch_execute(sql)),
                    Ahead::Execute(prepared, values) => Box::pin(async move {
                        let values: Vec<Value<'_>> = values.iter().map(OwnedValue::value).collect();
                        let params: Vec<&(dyn ToSql + Sync)> =
                            values.iter().map(|v| v as _).collect();
                        client.execute(prepared, &params).await.map(|_| ())
                    }),
                }
            })
            .collect();
        // Polled together: every request is written before any answer is awaited.
        let (before, result) = self.runtime.block_on(async {
            futures_util::future::join(futures_util::future::join_all(sent), last).await
        });
        for (held, outcome) in ahead.iter().zip(before) {
            if let Err(error) = outcome {
                let error = self.fail(error);
                self.failed_ahead
                    .borrow_mut()
                    .get_or_insert_with(|| (held.request, error.clone()));
                return Err(error);
            }
        }
        result.map_err(|e| self.fail(e))
    }

    /// Marks the start of the next request of a write batch: what it holds back is tagged
    /// with the number returned.
    pub(crate) fn start_request(&self) -> u64 {
        let request = self.request.get() + 1;
        self.request.set(request);
        request
    }

    /// The first held-back statement that failed since the last call, with the request that
    /// wrote it (see [`PgConn::start_request`]); the transaction is then aborted up to that
    /// request's savepoint.
    pub(crate) fn take_failed_ahead(&self) -> Option<(u64, StoreError)> {
        self.failed_ahead.take()
    }

    /// Whether statements are held back, waiting for the next one.
    pub(crate) fn holds_back(&self) -> bool {
        !self.ahead.borrow().is_empty()
    }

    pub(crate) fn query(
        &self,
        sql: &str,
        args: &[Value<'_>],
    ) -> Result<Vec<tokio_postgres::Row>, StoreError> {
        let statement = self.statement(sql)?;
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|v| v as _).collect();
        self.run(self.client.query(&statement, &params))
    }

    pub(crate) fn execute(&self, sql: &str, args: &[Value<'_>]) -> Result<u64, StoreError> {
        let statement = self.statement(sql)?;
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|v| v as _).collect();
        self.run(self.client.execute(&statement, &params))
    }

    /// Holds a statement back, to go out with the next one: for a statement whose answer (the
    /// number of rows) nothing needs. Its error comes back from that next one.
    pub(crate) fn execute_ahead(&self, sql: &str, args: &[Value<'_>]) -> Result<(), StoreError> {
        let statement = self.statement(sql)?;
        let values = args.iter().map(OwnedValue::of).collect();
        self.ahead.borrow_mut().push(Held {
            request: self.request.get(),
            statement: Ahead::Execute(statement, values),
        });
        Ok(())
    }

    pub(crate) fn batch(&self, sql: &str) -> Result<(), StoreError> {
        self.run(self.client.batch_execute(sql))
    }

    /// [`PgConn::batch`], held back to go out with the next statement.
    pub(crate) fn batch_ahead(&self, sql: &str) {
        self.ahead.borrow_mut().push(Held {
            request: self.request.get(),
            statement: Ahead::Simple(sql.to_owned()),
        });
    }
}

/// What a session's connection is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Writer,
    Reader,
}

/// A store thread's PostgreSQL connection, reconnected on demand.
pub(crate) struct PgSession {
    config: tokio_postgres::Config,
    role: Role,
    lock_timeout: Duration,
    conn: Option<PgConn>,
    backoff: Duration,
    retry_at: Option<Instant>,
}

const FIRST_BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

impl PgSession {
    /// Connects now; an error here means the store does not open.
    pub(crate) fn connect(
        config: tokio_postgres::Config,
        role: Role,
        lock_timeout: Duration,
    ) -> Result<PgSession, StoreError> {
        let mut session = PgSession {
            config,
            role,
            lock_timeout,
            conn: None,
            backoff: FIRST_BACKOFF,
            retry_at: None,
        };
        session.conn = Some(session.open()?);
        Ok(session)
    }

    fn open(&self) -> Result<PgConn, StoreError> {
        let conn = PgConn::connect(&self.config)?;
        // Durable commits whatever the server's default (it is `on` by default): a write is
        // acknowledged once its WAL record is flushed. Waits for the chain head's lock are
        // bounded like SQLite's busy timeout.
        let setup = match self.role {
            Role::Writer => format!(
                "SET synchronous_commit = on; SET lock_timeout = {}; \
                 SET application_name = 'penholder-store-writer'",
                self.lock_timeout.as_millis().max(1)
            ),
            Role::Reader => "SET default_transaction_read_only = on; \
                 SET application_name = 'penholder-store-reader'"
                .to_string(),
        };
        conn.batch(&setup)?;
        // A submission's body (13 KiB for 20 items) is compressed as it is stored: lz4 takes a
        // fraction of the writer's time that pglz, the default, does (+17 % submissions per
        // second in the rush, see BENCHMARKS.md). A server built without lz4, or older than 14,
        // refuses the setting and keeps pglz; nothing else changes (reading either is the same).
        if matches!(self.role, Role::Writer)
            && let Err(error) = conn.batch("SET default_toast_compression = lz4")
        {
            tracing::debug!(%error, "PostgreSQL without lz4: bodies are compressed with pglz");
        }
        Ok(conn)
    }

    /// The connection for the next job: the current one, or a new one if it was lost.
    pub(crate) fn conn(&mut self) -> Result<&PgConn, StoreError> {
        if self.conn.as_ref().is_some_and(PgConn::is_broken) {
            self.conn = None;
            tracing::warn!(role = ?self.role, "lost the PostgreSQL connection; reconnecting");
        }
        if self.conn.is_none() {
            if let Some(at) = self.retry_at
                && Instant::now() < at
            {
                return Err(StoreError::Unavailable {
                    detail: "PostgreSQL is unreachable; retrying shortly".into(),
                });
            }
            match self.open() {
                Ok(conn) => {
                    self.conn = Some(conn);
                    self.backoff = FIRST_BACKOFF;
                    self.retry_at = None;
                    tracing::info!(role = ?self.role, "reconnected to PostgreSQL");
                }
                Err(error) => {
                    self.retry_at = Some(Instant::now() + self.backoff);
                    self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
                    return Err(error);
                }
            }
        }
        self.conn
            .as_ref()
            .ok_or_else(|| StoreError::internal("no PostgreSQL connection"))
    }
}

/// The key of the transaction-scoped advisory lock that serializes every writer of a database
/// (all servers): the audit chain's head. (`pg_advisory_xact_lock` keys are per database.)
pub(crate) const CHAIN_HEAD_LOCK: i64 = 0x7065_6e68_6f6c_6400; // "penhold\0"
/// The most write requests in one PostgreSQL transaction. Each request that writes runs in a
/// subtransaction of its own; past 64 of them in one transaction PostgreSQL's per-backend
/// subtransaction cache overflows and every other session's snapshot checks slow down (the
/// `pg_subtrans` lookups). A batch of 64 already spreads one commit over 64 requests.
pub(crate) const MAX_BATCH: usize = 64;

/// The key that serializes migrations when several servers start at once.
pub(crate) const MIGRATION_LOCK: i64 = 0x7065_6e68_6f6c_6401;

#[cfg(test)]
mod tests {
    use super::error_for_code;
    use crate::StoreError;

    #[test]
    fn a_full_disk_is_full_and_other_shortages_are_unavailable() {
        let text = || "ERROR 53100: could not extend file".to_string();
        assert!(matches!(
            error_for_code("53100", text),
            Some(StoreError::Full { detail }) if detail.contains("could not extend file")
        ));
        for code in ["53200", "53300", "40001", "40P01", "55P03"] {
            assert!(
                matches!(
                    error_for_code(code, text),
                    Some(StoreError::Unavailable { .. })
                ),
                "{code}"
            );
        }
        assert!(error_for_code("23505", text).is_none());
    }
}
