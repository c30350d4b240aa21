//! The PostgreSQL backend's connections: [`PgConn`] (a blocking `postgres::Client` with its
//! prepared statements) and [`PgSession`] (a thread's connection that comes back by itself after
//! PostgreSQL went away).
//!
//! The blocking client runs a small tokio runtime of its own and panics if called on a thread
//! of another runtime; it is only ever used on the store's own std threads (and on a thread
//! spawned for [`crate::Store::open_postgres`]), never on the caller's.
//!
//! Errors: a lost connection (I/O, closed, SQLSTATE class 08 or 57 — the server shutting down or
//! restarting) is `Unavailable` and marks the connection broken, so the thread drops it and
//! connects anew at its next job (not before a short, growing backoff: requests meanwhile are
//! answered `Unavailable` at once). Lock timeouts, serialization failures and deadlocks are
//! `Unavailable` too (retryable). Everything else is `Internal` with the server's message.

use crate::StoreError;
use crate::db::Value;
use bytes::BytesMut;
use postgres::types::{IsNull, ToSql, Type};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::time::{Duration, Instant};

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

    postgres::types::to_sql_checked!();
}

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
    client: RefCell<postgres::Client>,
    statements: RefCell<HashMap<String, postgres::Statement>>,
    broken: Cell<bool>,
    /// The audit head (seq, entry hash) as this write transaction last appended it. Valid only
    /// while the transaction holds the chain head's lock (no one else can append): set by
    /// `audit::append`, forgotten when a transaction begins or ends and when a request rolls
    /// back to its savepoint. Saves a query per write.
    audit_head: Cell<Option<(i64, [u8; 32])>>,
}

/// Whether an error means the connection is gone (or going).
fn is_connection_loss(error: &postgres::Error) -> bool {
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
pub(crate) fn store_error(error: &postgres::Error) -> StoreError {
    if is_connection_loss(error) {
        return StoreError::Unavailable {
            detail: format!("PostgreSQL: {}", describe(error)),
        };
    }
    if let Some(code) = error.code() {
        let code = code.code();
        if matches!(code, "40001" | "40P01" | "55P03") || code.starts_with("53") {
            return StoreError::Unavailable {
                detail: format!("PostgreSQL is busy: {}", describe(error)),
            };
        }
    }
    StoreError::internal(describe(error))
}

fn describe(error: &postgres::Error) -> String {
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
    fn new(client: postgres::Client) -> PgConn {
        PgConn {
            client: RefCell::new(client),
            statements: RefCell::new(HashMap::new()),
            broken: Cell::new(false),
            audit_head: Cell::new(None),
        }
    }

    fn fail(&self, error: postgres::Error) -> StoreError {
        if is_connection_loss(&error) || self.client.borrow().is_closed() {
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

    pub(crate) fn is_broken(&self) -> bool {
        self.broken.get() || self.client.borrow().is_closed()
    }

    fn statement(&self, sql: &str) -> Result<postgres::Statement, StoreError> {
        if let Some(statement) = self.statements.borrow().get(sql) {
            return Ok(statement.clone());
        }
        // Each call binds its result first: the client's borrow must end before `fail` looks
        // at the client again.
        let prepared = self.client.borrow_mut().prepare(&placeholders(sql));
        let statement = prepared.map_err(|e| self.fail(e))?;
        self.statements
            .borrow_mut()
            .insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    pub(crate) fn query(
        &self,
        sql: &str,
        args: &[Value<'_>],
    ) -> Result<Vec<postgres::Row>, StoreError> {
        let statement = self.statement(sql)?;
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|v| v as _).collect();
        let rows = self.client.borrow_mut().query(&statement, &params);
        rows.map_err(|e| self.fail(e))
    }

    pub(crate) fn execute(&self, sql: &str, args: &[Value<'_>]) -> Result<u64, StoreError> {
        let statement = self.statement(sql)?;
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|v| v as _).collect();
        let changed = self.client.borrow_mut().execute(&statement, &params);
        changed.map_err(|e| self.fail(e))
    }

    pub(crate) fn batch(&self, sql: &str) -> Result<(), StoreError> {
        let done = self.client.borrow_mut().batch_execute(sql);
        done.map_err(|e| self.fail(e))
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
    config: postgres::Config,
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
        config: postgres::Config,
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
        let client = self
            .config
            .connect(postgres::NoTls)
            .map_err(|e| StoreError::Unavailable {
                detail: format!("cannot connect to PostgreSQL: {}", describe(&e)),
            })?;
        let conn = PgConn::new(client);
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
