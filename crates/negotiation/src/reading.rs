//! What a reader asks of a redline beyond its two versions: only the changes of one
//! delegation (`?delegation=`), only the paragraphs where a delegation holds a reservation
//! (`?reservation=`), only what changed since the version they last marked as read
//! (`?since=read`, read marks kept per person: [`set_read_mark`]). Every filter value is
//! checked: an unknown one is refused naming it, never ignored.

use crate::Caller;
use crate::chain::RedlineOf;
use crate::document::Readable;
use crate::error::Error;
use penholder_core::NodeId;
pub use penholder_store::ReadMark;
use penholder_store::{Reader, Writer};
use std::collections::BTreeSet;

/// A redline as a reader asks for it (each field as the edge received it).
#[derive(Clone, Debug, Default)]
pub struct RedlineRequest<'a> {
    /// The source version; with `since`, left out (the read mark gives it).
    pub from: Option<u32>,
    /// The target version; left out: the latest.
    pub to: Option<u32>,
    /// `read`: from the caller's read mark.
    pub since: Option<&'a str>,
    /// Mark only this delegation's changes ([`crate::chain::whose`]).
    pub delegation: Option<&'a str>,
    /// Keep only the nodes where this delegation holds a standing reservation.
    pub reservation: Option<&'a str>,
}

/// The redline resolved: its versions, the redline to compute, and the state of the text the
/// target version shows (its paragraphs' statuses and reservations, its open brackets).
pub struct ResolvedRedline {
    pub from: u32,
    pub to: u32,
    pub of: RedlineOf,
    pub state: penholder_core::state::TextState,
    pub brackets: Vec<penholder_core::bracket::Bracket>,
}

/// Resolves a redline request for `caller` (who must be able to read the document).
pub fn redline(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    document: &str,
    request: &RedlineRequest<'_>,
) -> Result<(Readable, ResolvedRedline), Error> {
    // Reading comes first: a caller who may not read the text learns nothing of its marks.
    Readable::read(r, caller, process, document)?;
    let to = match request.to {
        Some(to) => to,
        None => r.latest_version(process, document)?.number,
    };
    let from = match (request.since.map(str::trim), request.from) {
        (Some("read"), None) => match r.read_mark(process, document, &caller.sub)? {
            Some(mark) => mark.version,
            None => {
                return Err(Error::Conflict(format!(
                    "you have not marked a version of {document:?} as read: PUT …/documents/{document}/read-mark {{\"version\": N}} first, or ask for ?from=N"
                )));
            }
        },
        (Some("read"), Some(_)) => {
            return Err(Error::Malformed(
                "?since=read starts from your read mark: leave ?from= out".into(),
            ));
        }
        (Some(other), _) => {
            return Err(Error::Malformed(format!(
                "unknown ?since={other:?}: the one value is `read` (from the version you last marked as read)"
            )));
        }
        (None, Some(from)) => from,
        (None, None) => {
            return Err(Error::Malformed(
                "a redline needs ?from=N (its source version) or ?since=read".into(),
            ));
        }
    };
    let (readable, mut of) =
        crate::document::redline_of(r, caller, process, document, from, to, request.delegation)?;
    if let Some(code) = request.reservation {
        of.nodes = Some(reserved_by(r, &readable, process, document, code)?);
    }
    let state = crate::state::of_document(r, process, document)?;
    let brackets = crate::bracket::of_version(r, process, document, to)?;
    Ok((
        readable,
        ResolvedRedline {
            from,
            to,
            of,
            state,
            brackets,
        },
    ))
}

/// The nodes of a document on which `code` holds a reservation that stands.
fn reserved_by(
    r: &Reader<'_>,
    readable: &Readable,
    process: &str,
    document: &str,
    code: &str,
) -> Result<BTreeSet<NodeId>, Error> {
    if !readable.delegations.iter().any(|d| d.code == code) {
        let known: Vec<&str> = readable
            .delegations
            .iter()
            .map(|d| d.code.as_str())
            .collect();
        return Err(Error::Malformed(format!(
            "unknown delegation {code:?} in ?reservation=: this process has {}",
            known.join(", ")
        )));
    }
    let state = crate::state::of_document(r, process, document)?;
    Ok(state
        .reservations
        .iter()
        .filter(|reservation| reservation.stands() && reservation.delegation == code)
        .map(|reservation| reservation.node)
        .collect())
}

/// Marks `version` of a document as read by the caller (who must be able to read it): their
/// next `?since=read` redline starts there.
pub fn set_read_mark(
    w: &Writer<'_>,
    caller: &Caller,
    process: &str,
    document: &str,
    version: u32,
    now: i64,
) -> Result<ReadMark, Error> {
    Readable::read(w, caller, process, document)?;
    Ok(w.set_read_mark(process, document, &caller.sub, version, now)?)
}

/// The caller's read mark in a document, if they set one.
pub fn read_mark(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    document: &str,
) -> Result<Option<ReadMark>, Error> {
    Readable::read(r, caller, process, document)?;
    Ok(r.read_mark(process, document, &caller.sub)?)
}
