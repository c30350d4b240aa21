//! Search across the documents of a process: the texts of every version the caller may read,
//! found by the store's own engine (see `penholder_store::SearchQuery` for the query language).
//!
//! Who may read what is decided here, as for reading a document: the caller must be allowed to
//! read the process, and only the documents whose classification the caller may read are
//! searched — a LIMITE text's words are not found by someone who may not open it.
//!
//! Proposals ([`search_with_proposals`]) are found once their round is consolidated (the store
//! indexes them only then), and each is checked again against the policy's sealing rule for the
//! caller (`Action::ReadSubmission` in its round's phase now): a sealed submission is never found
//! by another delegation, whatever the index holds.

use crate::access::{allows, read_action};
use crate::caller::Caller;
use crate::error::Error;
use crate::policy::{Action, Phase};
use crate::process::authorize_on;
use penholder_core::negotiation::Delegation;
use penholder_store::{ProposalHit, Reader, SearchHit, SearchQuery};
use std::collections::HashMap;

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
    let asked = Asked::check(r, caller, process, query, limit)?;
    asked.texts(r, process)
}

/// A search's question, checked: the caller may read the process, the query parses, the limit
/// is in bounds; and the documents whose texts the caller may read.
struct Asked {
    delegations: Vec<Delegation>,
    query: SearchQuery,
    limit: u32,
    readable: Vec<String>,
}

impl Asked {
    fn check(
        r: &Reader<'_>,
        caller: &Caller,
        process: &str,
        query: &str,
        limit: Option<u32>,
    ) -> Result<Asked, Error> {
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
        let readable = r
            .documents(process)?
            .into_iter()
            .filter(|d| allows(caller, &delegations, None, read_action(d), Phase::NoRound))
            .map(|d| d.slug)
            .collect();
        Ok(Asked {
            delegations,
            query,
            limit,
            readable,
        })
    }

    fn readable(&self) -> Vec<&str> {
        self.readable.iter().map(String::as_str).collect()
    }

    fn texts(&self, r: &Reader<'_>, process: &str) -> Result<Vec<SearchHit>, Error> {
        if self.readable.is_empty() {
            return Ok(Vec::new());
        }
        Ok(r.search(process, &self.readable(), &self.query, self.limit)?)
    }
}

/// What a search finds: texts of versions, and proposals of consolidated rounds.
#[derive(Clone, Debug, Default)]
pub struct Found {
    pub texts: Vec<SearchHit>,
    pub proposals: Vec<ProposalHit>,
}

/// [`search`], and the proposals (of consolidated rounds) on the documents the caller may
/// read whose submissions the caller may read at `now`, best first, at most `limit` of each.
pub fn search_with_proposals(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    query: &str,
    limit: Option<u32>,
    now: i64,
) -> Result<Found, Error> {
    let asked = Asked::check(r, caller, process, query, limit)?;
    let texts = asked.texts(r, process)?;
    if asked.readable.is_empty() {
        return Ok(Found {
            texts,
            proposals: Vec::new(),
        });
    }
    let mut phases: HashMap<u32, Phase> = HashMap::new();
    let mut proposals = Vec::new();
    for hit in r.search_proposals(process, &asked.readable(), &asked.query, asked.limit)? {
        let phase = match phases.get(&hit.round) {
            Some(phase) => *phase,
            None => {
                let phase = Phase::from(r.round(process, hit.round)?.state_at(now));
                phases.insert(hit.round, phase);
                phase
            }
        };
        if allows(
            caller,
            &asked.delegations,
            Some(&hit.delegation),
            Action::ReadSubmission,
            phase,
        ) {
            proposals.push(hit);
        }
    }
    Ok(Found { texts, proposals })
}
