//! The one seam between the store's logic and its two databases: [`Conn`], a borrowed
//! connection of either backend, with four calls (`query_opt`, `query_all`, `execute`,
//! `batch`), backend-neutral parameters ([`Value`], built with [`args!`]) and rows ([`Row`]).
//!
//! Every query of the reader, the writer and the audit log is written once, in the SQL both
//! databases speak (`?1`-style placeholders are rewritten to `$1` for PostgreSQL, once per
//! prepared statement); the few places where the dialects differ ask [`Conn::is_postgres`].
//! A closed set of two backends, so an enum: static dispatch, no generic parameter on
//! `Reader`/`Writer`, nothing new for callers to name.

use crate::StoreError;
use crate::pg::PgConn;

/// A connection inside the current transaction (a read snapshot or the writer's batch).
#[derive(Clone, Copy)]
pub(crate) enum Conn<'a> {
    Sqlite(&'a rusqlite::Connection),
    Postgres(&'a PgConn),
}

/// A query parameter of either backend.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Value<'a> {
    Int(i64),
    Text(&'a str),
    Bytes(&'a [u8]),
    Null,
}

impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<u32> for Value<'_> {
    fn from(v: u32) -> Self {
        Value::Int(i64::from(v))
    }
}
impl From<u16> for Value<'_> {
    fn from(v: u16) -> Self {
        Value::Int(i64::from(v))
    }
}
impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Text(v)
    }
}
impl<'a> From<&'a String> for Value<'a> {
    fn from(v: &'a String) -> Self {
        Value::Text(v)
    }
}
impl<'a> From<&'a [u8]> for Value<'a> {
    fn from(v: &'a [u8]) -> Self {
        Value::Bytes(v)
    }
}
impl<'a> From<&'a Vec<u8>> for Value<'a> {
    fn from(v: &'a Vec<u8>) -> Self {
        Value::Bytes(v)
    }
}
impl<'a, T: Into<Value<'a>>> From<Option<T>> for Value<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// `args![a, b, c]`: a slice of [`Value`]s.
macro_rules! args {
    ($($value:expr),* $(,)?) => {
        &[$($crate::db::Value::from($value)),*][..]
    };
}
pub(crate) use args;

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match *self {
            Value::Int(v) => ValueRef::Integer(v),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Bytes(b) => ValueRef::Blob(b),
            Value::Null => ValueRef::Null,
        }))
    }
}

/// One row of a result, of either backend.
pub(crate) enum Row<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Postgres(&'r tokio_postgres::Row),
}

fn column_error(index: usize, error: impl std::fmt::Display) -> StoreError {
    StoreError::internal(format!("column {index}: {error}"))
}

impl Row<'_> {
    pub fn opt_int(&self, index: usize) -> Result<Option<i64>, StoreError> {
        match self {
            Row::Sqlite(row) => Ok(row.get(index)?),
            Row::Postgres(row) => row.try_get(index).map_err(|e| column_error(index, e)),
        }
    }

    pub fn int(&self, index: usize) -> Result<i64, StoreError> {
        self.opt_int(index)?
            .ok_or_else(|| StoreError::corrupt(format!("column {index} is NULL")))
    }

    pub fn opt_u32(&self, index: usize) -> Result<Option<u32>, StoreError> {
        self.opt_int(index)?
            .map(|v| {
                u32::try_from(v)
                    .map_err(|_| StoreError::corrupt(format!("column {index}: {v} out of range")))
            })
            .transpose()
    }

    pub fn u32(&self, index: usize) -> Result<u32, StoreError> {
        self.opt_u32(index)?
            .ok_or_else(|| StoreError::corrupt(format!("column {index} is NULL")))
    }

    pub fn u16(&self, index: usize) -> Result<u16, StoreError> {
        let v = self.int(index)?;
        u16::try_from(v)
            .map_err(|_| StoreError::corrupt(format!("column {index}: {v} out of range")))
    }

    pub fn opt_text(&self, index: usize) -> Result<Option<String>, StoreError> {
        match self {
            Row::Sqlite(row) => Ok(row.get(index)?),
            Row::Postgres(row) => row.try_get(index).map_err(|e| column_error(index, e)),
        }
    }

    pub fn text(&self, index: usize) -> Result<String, StoreError> {
        self.opt_text(index)?
            .ok_or_else(|| StoreError::corrupt(format!("column {index} is NULL")))
    }

    pub fn opt_bytes(&self, index: usize) -> Result<Option<Vec<u8>>, StoreError> {
        match self {
            Row::Sqlite(row) => Ok(row.get(index)?),
            Row::Postgres(row) => row.try_get(index).map_err(|e| column_error(index, e)),
        }
    }

    pub fn bytes(&self, index: usize) -> Result<Vec<u8>, StoreError> {
        self.opt_bytes(index)?
            .ok_or_else(|| StoreError::corrupt(format!("column {index} is NULL")))
    }

    /// A boolean expression (`x IS NOT NULL`): an integer on SQLite, a boolean on PostgreSQL.
    pub fn boolean(&self, index: usize) -> Result<bool, StoreError> {
        match self {
            Row::Sqlite(row) => Ok(row.get::<_, i64>(index)? != 0),
            Row::Postgres(row) => row.try_get(index).map_err(|e| column_error(index, e)),
        }
    }
}

impl<'a> Conn<'a> {
    /// The SQLite connection, for tests of what only SQLite has (pragmas).
    #[cfg(test)]
    pub fn sqlite(&self) -> &'a rusqlite::Connection {
        match self {
            Conn::Sqlite(conn) => conn,
            Conn::Postgres(_) => panic!("not a SQLite store"),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Conn::Postgres(_))
    }

    /// The rows of a query, each turned into a value by `f`.
    pub fn query_all<T>(
        &self,
        sql: &str,
        args: &[Value<'_>],
        mut f: impl FnMut(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        match self {
            Conn::Sqlite(conn) => {
                let mut statement = conn.prepare_cached(sql)?;
                let mut rows = statement.query(rusqlite::params_from_iter(args.iter()))?;
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    out.push(f(&Row::Sqlite(row))?);
                }
                Ok(out)
            }
            Conn::Postgres(conn) => conn
                .query(sql, args)?
                .iter()
                .map(|row| f(&Row::Postgres(row)))
                .collect(),
        }
    }

    /// The first row of a query, if any.
    pub fn query_opt<T>(
        &self,
        sql: &str,
        args: &[Value<'_>],
        f: impl FnOnce(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        match self {
            Conn::Sqlite(conn) => {
                let mut statement = conn.prepare_cached(sql)?;
                let mut rows = statement.query(rusqlite::params_from_iter(args.iter()))?;
                match rows.next()? {
                    Some(row) => Ok(Some(f(&Row::Sqlite(row))?)),
                    None => Ok(None),
                }
            }
            Conn::Postgres(conn) => match conn.query(sql, args)?.first() {
                Some(row) => Ok(Some(f(&Row::Postgres(row))?)),
                None => Ok(None),
            },
        }
    }

    /// The only row of a query that always returns one (an aggregate).
    pub fn query_one<T>(
        &self,
        sql: &str,
        args: &[Value<'_>],
        f: impl FnOnce(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.query_opt(sql, args, f)?
            .ok_or_else(|| StoreError::internal("a query that returns one row returned none"))
    }

    /// Runs one statement; the number of rows it changed.
    pub fn execute(&self, sql: &str, args: &[Value<'_>]) -> Result<u64, StoreError> {
        match self {
            Conn::Sqlite(conn) => Ok(conn
                .prepare_cached(sql)?
                .execute(rusqlite::params_from_iter(args.iter()))?
                as u64),
            Conn::Postgres(conn) => conn.execute(sql, args),
        }
    }

    /// The audit head this write transaction last appended (PostgreSQL only; SQLite reads the
    /// head in-process, for nothing).
    pub fn cached_audit_head(&self) -> Option<(i64, [u8; 32])> {
        match self {
            Conn::Sqlite(_) => None,
            Conn::Postgres(conn) => conn.audit_head(),
        }
    }

    pub fn cache_audit_head(&self, seq: i64, hash: [u8; 32]) {
        if let Conn::Postgres(conn) = self {
            conn.set_audit_head(Some((seq, hash)));
        }
    }

    pub fn forget_audit_head(&self) {
        if let Conn::Postgres(conn) = self {
            conn.set_audit_head(None);
        }
    }

    /// Forgets everything the write connection remembers of the transaction (the audit head,
    /// the submission targets): after a rollback, some of it may never have been stored.
    pub fn forget_written(&self) {
        if let Conn::Postgres(conn) = self {
            conn.set_audit_head(None);
            conn.forget_targets();
        }
    }

    /// [`Conn::execute`] for a statement whose answer nothing needs: on PostgreSQL it is held
    /// back and sent with the next statement, in the same round trip (its error, if any, is
    /// that statement's); on SQLite it runs at once.
    pub fn execute_ahead(&self, sql: &str, args: &[Value<'_>]) -> Result<(), StoreError> {
        match self {
            Conn::Sqlite(_) => self.execute(sql, args).map(|_| ()),
            Conn::Postgres(conn) => conn.execute_ahead(sql, args),
        }
    }

    /// Marks the start of the next request of a write batch (PostgreSQL: what it holds back is
    /// tagged with the number returned; SQLite holds nothing back).
    pub fn start_request(&self) -> u64 {
        match self {
            Conn::Sqlite(_) => 0,
            Conn::Postgres(conn) => conn.start_request(),
        }
    }

    /// The first held-back statement that failed since the last call, with the request that
    /// held it back (always `None` on SQLite, which holds nothing back).
    pub fn take_failed_ahead(&self) -> Option<(u64, StoreError)> {
        match self {
            Conn::Sqlite(_) => None,
            Conn::Postgres(conn) => conn.take_failed_ahead(),
        }
    }

    /// Whether statements are held back, waiting to go out with the next one.
    pub fn holds_back(&self) -> bool {
        match self {
            Conn::Sqlite(_) => false,
            Conn::Postgres(conn) => conn.holds_back(),
        }
    }

    /// [`Conn::batch`], held back on PostgreSQL like [`Conn::execute_ahead`].
    pub fn batch_ahead(&self, sql: &str) -> Result<(), StoreError> {
        match self {
            Conn::Sqlite(_) => self.batch(sql),
            Conn::Postgres(conn) => {
                conn.batch_ahead(sql);
                Ok(())
            }
        }
    }

    /// Runs statements without parameters (transaction control, migrations, raw SQL in tests).
    pub fn batch(&self, sql: &str) -> Result<(), StoreError> {
        match self {
            Conn::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
            Conn::Postgres(conn) => conn.batch(sql),
        }
    }
}
