//! Delegations' feedback on a round as callers reach it: who may submit for whom, and which
//! submissions and revisions a caller may read (a delegation its own while the round is open;
//! everyone's once it is closed, to those the policy lets see them).
//!
//! Each read checks and reads on one snapshot, so what is authorized is what is read.

use crate::access::target_exists;
use crate::caller::Caller;
use crate::error::Error;
use crate::lifecycle::Scope;
use crate::policy::{Action, Phase, Relation};
use penholder_store::{Reader, RoundInfo, SubmissionRevision};

/// Checks that the caller may submit for delegation `code` in the round at `now`, and gives
/// the round (whose base the submission is read against).
///
/// The write itself ([`crate::submission::record`]) does not ask again: the store refuses it
/// in the same transaction unless the round is open, and a caller's standing changes only by
/// the chair replacing a delegation, which no deadline rush should pay for on every write (the
/// two reads would about halve SQLite's group-commit throughput).
pub fn may_submit(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    round: u32,
    code: &str,
    now: i64,
) -> Result<RoundInfo, Error> {
    let scope = Scope::read(r, caller, process, round, Some(code))?;
    target_exists(&scope.delegations, process, code)?;
    scope.authorize(caller, Action::PutSubmission, Some(code), now)?;
    Ok(scope.round)
}

/// The round, if the caller may read delegation `code`'s submission in it at `now`.
fn may_read(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    round: u32,
    code: &str,
    now: i64,
) -> Result<RoundInfo, Error> {
    let scope = Scope::read(r, caller, process, round, Some(code))?;
    target_exists(&scope.delegations, process, code)?;
    scope.authorize(caller, Action::ReadSubmission, Some(code), now)?;
    Ok(scope.round)
}

/// Delegation `code`'s latest revision in the round, and the round (whose base the revision's
/// hunks are against).
pub fn latest(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    round: u32,
    code: &str,
    now: i64,
) -> Result<(RoundInfo, SubmissionRevision), Error> {
    let info = may_read(r, caller, process, round, code, now)?;
    Ok((info, r.submission(process, round, code)?))
}

/// Revision `number` of delegation `code`'s submission, and the round.
pub fn revision(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    round: u32,
    code: &str,
    number: u32,
    now: i64,
) -> Result<(RoundInfo, SubmissionRevision), Error> {
    let info = may_read(r, caller, process, round, code, now)?;
    Ok((info, r.submission_revision(process, round, code, number)?))
}

/// Every revision of delegation `code`'s submission, oldest first.
pub fn history(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    round: u32,
    code: &str,
    now: i64,
) -> Result<Vec<SubmissionRevision>, Error> {
    may_read(r, caller, process, round, code, now)?;
    Ok(r.submission_history(process, round, code)?)
}

/// The submissions of a round the caller may see.
#[derive(Clone, Debug)]
pub struct Visible {
    /// The latest revision of each submission the caller may read.
    pub submissions: Vec<SubmissionRevision>,
    /// Whether other delegations' submissions are hidden from this caller now (the round is
    /// sealed to them until it closes).
    pub sealed: bool,
}

/// The latest submissions of the round, as far as the caller may read them.
pub fn list(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    round: u32,
    now: i64,
) -> Result<Visible, Error> {
    // The caller's row and the groups decide every submission's visibility (see `relation`).
    let scope = Scope::read(r, caller, process, round, None)?;
    scope.authorize(caller, Action::ListSubmissions, None, now)?;
    let phase = Phase::from(scope.round.state_at(now));
    let may_read =
        |relation| crate::access::allows(caller, Action::ReadSubmission, relation, phase);
    let submissions = r
        .submissions(process, round)?
        .into_iter()
        .filter(|s| {
            may_read(crate::access::relation(
                caller,
                &scope.delegations,
                Some(&s.delegation),
            ))
        })
        .collect();
    Ok(Visible {
        submissions,
        sealed: !may_read(Relation::OtherMember),
    })
}
