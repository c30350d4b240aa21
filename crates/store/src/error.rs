//! The store's errors: what the caller did wrong (not found, conflict, invalid, wrong round
//! state), what the machine did wrong (unavailable, full, internal), and what someone did to the
//! file (corrupt). The server maps them to 404 / 409 / 422 / 503 / 507 / 500 in one place.

use penholder_core::negotiation::RoundState;

/// Everything a store method can fail with. No SQLite type appears here: a PostgreSQL store
/// would return the same variants.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The named thing does not exist (`process budapest-7mc`, `round 3 of budapest-7mc`…).
    #[error("{what} not found")]
    NotFound { what: String },
    /// The write contradicts what is stored: a duplicate slug, a stale revision (If-Match), an
    /// idempotency key reused for another request.
    #[error("{detail}")]
    Conflict { detail: String },
    /// The round is not in the state this write needs (a late submission, a decision on an
    /// open round). Carries the round's clock so the caller can tell the user the deadline.
    #[error(
        "round {round} is {} but this needs it {needed} (opens at {opens_at}, closes at {closes_at}, Unix ms)",
        state.as_str()
    )]
    WrongRoundState {
        round: u32,
        state: RoundState,
        needed: &'static str,
        opens_at: i64,
        closes_at: i64,
    },
    /// The caller handed in a value the store refuses to keep (a deadline before the opening,
    /// a tree with a duplicate node id).
    #[error("{detail}")]
    Invalid { detail: String },
    /// The store cannot take the request now (write queue full, database busy, shutting down).
    #[error("the store is unavailable: {detail}")]
    Unavailable { detail: String },
    /// The disk (or quota) holding the database is full (SQLite's `SQLITE_FULL`, PostgreSQL's
    /// SQLSTATE 53100): nothing of the write was stored, and writes succeed again once space is
    /// freed. Apart from `Unavailable` because only the operator can end it, not a retry.
    #[error("the database's disk is full: {detail}")]
    Full { detail: String },
    /// Stored data failed its own check (an object whose bytes do not match its hash).
    #[error("stored data is corrupt: {detail}")]
    Corrupt { detail: String },
    /// Anything else from the database or the file system.
    #[error("internal store error: {detail}")]
    Internal { detail: String },
}

impl StoreError {
    pub(crate) fn not_found(what: impl Into<String>) -> StoreError {
        StoreError::NotFound { what: what.into() }
    }

    pub(crate) fn conflict(detail: impl Into<String>) -> StoreError {
        StoreError::Conflict {
            detail: detail.into(),
        }
    }

    pub(crate) fn invalid(detail: impl Into<String>) -> StoreError {
        StoreError::Invalid {
            detail: detail.into(),
        }
    }

    pub(crate) fn internal(detail: impl Into<String>) -> StoreError {
        StoreError::Internal {
            detail: detail.into(),
        }
    }

    pub(crate) fn corrupt(detail: impl Into<String>) -> StoreError {
        StoreError::Corrupt {
            detail: detail.into(),
        }
    }
}

impl StoreError {
    /// The same error with `context` before its detail (which file, which step), kind kept.
    pub(crate) fn context(self, context: &str) -> StoreError {
        let with = |detail: String| format!("{context}: {detail}");
        match self {
            StoreError::Unavailable { detail } => StoreError::Unavailable {
                detail: with(detail),
            },
            StoreError::Full { detail } => StoreError::Full {
                detail: with(detail),
            },
            StoreError::Corrupt { detail } => StoreError::Corrupt {
                detail: with(detail),
            },
            StoreError::Internal { detail } => StoreError::Internal {
                detail: with(detail),
            },
            StoreError::Invalid { detail } => StoreError::Invalid {
                detail: with(detail),
            },
            other => other,
        }
    }

    /// What the writer's failure may tell anyone who asks `/healthz`: the kind of trouble,
    /// not the database's own text (which may name files) unless it is already shown to
    /// clients (`Unavailable`).
    pub(crate) fn public_reason(&self) -> String {
        match self {
            StoreError::Full { .. } => "the disk holding the database is full".to_string(),
            StoreError::Unavailable { detail } => detail.clone(),
            StoreError::Corrupt { .. } => {
                "the database is damaged; see the server's log".to_string()
            }
            _ => "the database could not be written; see the server's log".to_string(),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> StoreError {
        use rusqlite::ErrorCode;
        let rusqlite::Error::SqliteFailure(code, _) = &error else {
            return StoreError::internal(error.to_string());
        };
        let detail = error.to_string();
        match code.code {
            // A busy database is a transient condition the client may retry (503), not a bug.
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                StoreError::Unavailable { detail }
            }
            // ENOSPC (SQLite reports it as SQLITE_FULL): the operator must free space.
            ErrorCode::DiskFull => StoreError::Full { detail },
            // The file system failed or refuses writes (EIO, a read-only remount): nothing the
            // request did wrong, and nothing a bug of ours; the server says 503, not 500.
            ErrorCode::SystemIoFailure | ErrorCode::ReadOnly | ErrorCode::CannotOpen => {
                StoreError::Unavailable {
                    detail: format!("the database file cannot be read or written: {detail}"),
                }
            }
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => StoreError::Corrupt { detail },
            _ => StoreError::internal(detail),
        }
    }
}

/// Why [`crate::verify_audit`] failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    /// The chain or a record it vouches for does not check out; `seq` is the first audit entry
    /// at which it breaks (for a removed entry: the missing sequence number).
    #[error("audit log broken at entry {seq}: {problem}")]
    Tampered { seq: u64, problem: String },
    /// The chain checks out but does not hold a head published earlier (`SEQ:HASH` or `HASH`):
    /// its tail was cut, or it was rewritten.
    #[error("the audit log does not hold the published head {head}: {problem}")]
    Head { head: String, problem: String },
    /// The log could not be read at all.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for AuditError {
    fn from(error: rusqlite::Error) -> AuditError {
        AuditError::Store(error.into())
    }
}

#[cfg(test)]
mod tests {
    use super::StoreError;
    use rusqlite::ffi;

    fn sqlite(code: i32) -> StoreError {
        rusqlite::Error::SqliteFailure(ffi::Error::new(code), None).into()
    }

    #[test]
    fn sqlite_failures_of_the_machine_are_not_internal_errors() {
        assert!(matches!(sqlite(ffi::SQLITE_FULL), StoreError::Full { .. }));
        for code in [
            ffi::SQLITE_IOERR,
            ffi::SQLITE_IOERR_WRITE,
            ffi::SQLITE_IOERR_FSYNC,
            ffi::SQLITE_READONLY,
            ffi::SQLITE_CANTOPEN,
            ffi::SQLITE_BUSY,
        ] {
            assert!(
                matches!(sqlite(code), StoreError::Unavailable { .. }),
                "{code}"
            );
        }
        assert!(matches!(
            sqlite(ffi::SQLITE_CORRUPT),
            StoreError::Corrupt { .. }
        ));
        assert!(matches!(
            sqlite(ffi::SQLITE_NOTADB),
            StoreError::Corrupt { .. }
        ));
        assert!(matches!(
            sqlite(ffi::SQLITE_CONSTRAINT),
            StoreError::Internal { .. }
        ));
    }
}
