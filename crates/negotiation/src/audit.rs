//! A process's audit log as its readers page through it.

use crate::caller::Caller;
use crate::error::Error;
use crate::policy::Action;
use crate::process::authorize_on;
use penholder_store::{AuditEntry, Reader};

/// The most entries one page holds.
pub const MAX_PAGE: u32 = 1000;

/// A page of the process's audit log: up to `limit` entries (1 to [`MAX_PAGE`]) after
/// sequence number `after`, oldest first, and where the next page starts if there may be one.
pub fn page(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    after: u64,
    limit: u32,
) -> Result<(Vec<AuditEntry>, Option<u64>), Error> {
    authorize_on(r, caller, process, Action::ReadAudit)?;
    let limit = limit.clamp(1, MAX_PAGE);
    let entries = r.audit_entries(Some(process), after, limit)?;
    let next_after = (entries.len() == limit as usize)
        .then(|| entries.last().map(|e| e.seq))
        .flatten();
    Ok((entries, next_after))
}
