//! Search across the documents of a process: the texts of every version the caller may read,
//! found by the store's own engine (see `penholder_store::SearchQuery` for the query language).
//!
//! Who may read what is decided here, as for reading a document: the caller must be allowed to
//! read the process, and only the documents whose classification the caller may read are
//! searched — a LIMITE text's words are not found by someone who may not open it.

use crate::access::{allows, read_action};
use crate::caller::Caller;
use crate::error::Error;
use crate::policy::{Action, Phase};
use crate::process::authorize_on;
use penholder_store::{Reader, SearchHit, SearchQuery};

/// How many texts a search gives by default, and at most.
pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// The texts of the documents of `process` the caller may read that match `query`, best first.
pub fn search(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    query: &str,
    limit: Option<u32>,
) -> Result<Vec<SearchHit>, Error> {
    let delegations = authorize_on(r, caller, process, Action::ReadProcess)?;
    let query =
        SearchQuery::parse(query).map_err(|detail| Error::Malformed(format!("q: {detail}")))?;
    let limit = match limit.unwrap_or(DEFAULT_LIMIT) {
        0 => return Err(Error::Malformed("limit: at least 1".into())),
        n if n > MAX_LIMIT => {
            return Err(Error::Malformed(format!("limit: at most {MAX_LIMIT}")));
        }
        n => n,
    };
    let documents = r.documents(process)?;
    let readable: Vec<&str> = documents
        .iter()
        .filter(|d| allows(caller, &delegations, None, read_action(d), Phase::NoRound))
        .map(|d| d.slug.as_str())
        .collect();
    if readable.is_empty() {
        return Ok(Vec::new());
    }
    Ok(r.search(process, &readable, &query, limit)?)
}
