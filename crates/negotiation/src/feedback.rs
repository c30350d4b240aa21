//! Delegations' feedback on a round as callers reach it: who may submit for whom, and which
//! submissions and revisions a caller may read (a delegation its own while the round is open;
//! everyone's once it is closed, to those the policy lets see them).
//!
//! Each read checks and reads on one snapshot, so what is authorized is what is read.

use crate::caller::Caller;
use crate::error::Error;
use crate::lifecycle::Scope;
use crate::policy::{Action, Phase, Relation};
use penholder_core::negotiation::{ItemByReference, Participation};
use penholder_store::{Reader, RoundInfo, SubmissionRevision, Writer};

/// What a caller may send for a delegation in a round: the round (whose base the submission is
/// read against), and whether the delegation takes part as an observer, which comments on the
/// text but proposes no change to it.
#[derive(Clone, Debug)]
pub struct Submitting {
    pub round: RoundInfo,
    pub delegation: String,
    pub comments_only: bool,
}

impl Submitting {
    /// Refuses items the delegation may not send: an observer's amendments, insertions and
    /// deletions (the first is named).
    pub fn admits(&self, items: &[ItemByReference]) -> Result<(), Error> {
        if !self.comments_only {
            return Ok(());
        }
        match items
            .iter()
            .position(|item| !matches!(item, ItemByReference::Comment { .. }))
        {
            None => Ok(()),
            Some(index) => Err(Error::Forbidden(format!(
                "{} takes part in this process as an observer: it may comment on the text, not propose changes to it (item {index} is not a comment)",
                self.delegation
            ))),
        }
    }
}

/// Checks that the caller may submit for delegation `code` in the round at `now`, and says what
/// the delegation may send ([`Submitting`]).
///
/// The write itself ([`crate::submission::record`]) does not ask again: the store refuses it
/// in the same transaction unless the round is open, and a caller's standing never shrinks
/// (delegations are added to a process, never rewritten): asking again would cost every write
/// of a deadline rush two reads (about half of SQLite's group-commit throughput) for nothing.
pub fn may_submit(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    round: u32,
    code: &str,
    now: i64,
) -> Result<Submitting, Error> {
    let scope = Scope::authorized(
        r,
        caller,
        process,
        round,
        Some(code),
        Action::PutSubmission,
        now,
    )?;
    let comments_only = scope
        .delegations
        .iter()
        .any(|d| d.code == code && d.participation == Participation::Observer);
    Ok(Submitting {
        round: scope.round,
        delegation: code.to_string(),
        comments_only,
    })
}

/// How long (ms) a granted [`may_submit`] is kept by [`KeptSubmitChecks`].
pub const SUBMIT_CHECK_KEPT_MS: i64 = 5_000;
/// The most granted checks kept at once (one per caller, round and delegation submitting).
const SUBMIT_CHECKS_KEPT: usize = 16_384;

/// Whose check, for which delegation, in which round: see [`KeptSubmitChecks::key`].
pub type SubmitKey = (Caller, String, u32, String);

/// The answers of [`may_submit`] that let a caller submit, kept a few seconds for the same
/// caller's next submission to the same delegation in the same round: in a deadline rush each
/// delegation sends again and again, and the check was one read transaction per submission (on
/// PostgreSQL three round trips, about as many as the write itself).
///
/// Sound because nothing such an answer rests on can be taken back unseen: the token is the
/// same (its claims are the key), a delegation's standing in a process never shrinks
/// (delegations are added, never rewritten: the store refuses updates), and the one thing that
/// does move — the round's state, closed or its deadline extended — is checked again by the
/// store in the write's own transaction, where a refusal is a late attempt like any other.
/// Refusals are never kept, so a caller refused now is asked again next time. An answer older
/// than [`SUBMIT_CHECK_KEPT_MS`] is read again.
#[derive(Default)]
pub struct KeptSubmitChecks {
    granted: std::sync::Mutex<std::collections::HashMap<SubmitKey, (i64, Submitting)>>,
}

/// Whether a check granted at `at` may still answer at `now`.
fn fresh(at: i64, now: i64) -> bool {
    (0..=SUBMIT_CHECK_KEPT_MS).contains(&(now - at))
}

impl KeptSubmitChecks {
    /// The key of `caller`'s check for delegation `code` in the round.
    pub fn key(caller: &Caller, process: &str, round: u32, code: &str) -> SubmitKey {
        (caller.clone(), process.to_string(), round, code.to_string())
    }

    /// The check granted under `key`, if it was granted at most [`SUBMIT_CHECK_KEPT_MS`]
    /// before `now`.
    pub fn granted(&self, key: &SubmitKey, now: i64) -> Option<Submitting> {
        match self.lock().get(key) {
            Some((at, submitting)) if fresh(*at, now) => Some(submitting.clone()),
            _ => None,
        }
    }

    /// Keeps a check [`may_submit`] granted at `now`.
    pub fn keep(&self, key: SubmitKey, now: i64, submitting: &Submitting) {
        let mut granted = self.lock();
        if granted.len() >= SUBMIT_CHECKS_KEPT {
            granted.retain(|_, (at, _)| fresh(*at, now));
            if granted.len() >= SUBMIT_CHECKS_KEPT {
                granted.clear();
            }
        }
        granted.insert(key, (now, submitting.clone()));
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<SubmitKey, (i64, Submitting)>> {
        self.granted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Records, in the audit log, a submission to delegation `code` refused because the round no
/// longer takes any (see `Writer::record_late_submission`); `false` if the round was not past
/// its submissions (a refusal for another reason is not a late attempt).
pub fn record_late(
    w: &Writer<'_>,
    caller: &Caller,
    process: &str,
    round: u32,
    code: &str,
    body: &[u8],
    now: i64,
) -> Result<bool, Error> {
    Ok(w.record_late_submission(process, round, code, body, &caller.actor(), now)?)
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
    let scope = Scope::authorized(
        r,
        caller,
        process,
        round,
        Some(code),
        Action::ReadSubmission,
        now,
    )?;
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
    let scope = Scope::authorized(
        r,
        caller,
        process,
        round,
        None,
        Action::ListSubmissions,
        now,
    )?;
    let phase = Phase::from(scope.round.state_at(now));
    let may_read = |target: &str| {
        crate::access::allows(
            caller,
            &scope.delegations,
            Some(target),
            Action::ReadSubmission,
            phase,
        )
    };
    let submissions = r
        .submissions(process, round)?
        .into_iter()
        .filter(|s| may_read(&s.delegation))
        .collect();
    // Sealed: another member's submission (none of the caller's groups') is hidden now.
    let sealed = crate::policy::decide(
        Action::ReadSubmission,
        crate::access::role_in(caller, &scope.delegations),
        Relation::OtherMember,
        phase,
    ) != crate::policy::Verdict::Allow;
    Ok(Visible {
        submissions,
        sealed,
    })
}

/// An attempt to submit after a round stopped taking submissions, refused and kept in the
/// audit log (`submission.late`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LateAttempt {
    pub delegation: String,
    pub at: i64,
    /// Who tried (the token's subject).
    pub by: String,
}

/// The attempts to submit to round `round` after it stopped taking submissions, oldest first,
/// read from the process's audit log: only for those who may read it (the chairmanship).
pub fn late_attempts(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    round: u32,
) -> Result<Vec<LateAttempt>, Error> {
    let prefix = format!("processes/{process}/rounds/{round}/submissions/");
    let mut attempts = Vec::new();
    let mut after = 0;
    loop {
        let (entries, next) =
            crate::audit::page(r, caller, process, after, crate::audit::MAX_PAGE)?;
        attempts.extend(entries.into_iter().filter_map(|entry| {
            let delegation = entry.subject.strip_prefix(&prefix)?;
            (entry.action == "submission.late" && !delegation.contains('/')).then(|| LateAttempt {
                delegation: delegation.to_string(),
                at: entry.at,
                by: entry.actor_sub,
            })
        }));
        match next {
            Some(seq) => after = seq,
            None => return Ok(attempts),
        }
    }
}

/// What the chairmanship sees of a round's feedback: the round, the process's delegations,
/// the latest revision of each submission the caller may read, and the late attempts (`None`
/// when the caller may not read the audit log they come from).
#[derive(Clone, Debug)]
pub struct RoundOverview {
    pub round: RoundInfo,
    pub delegations: Vec<penholder_core::negotiation::Delegation>,
    pub visible: Visible,
    pub late: Option<Vec<LateAttempt>>,
}

/// The overview of round `round` for the caller, read on one snapshot.
pub fn overview(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    round: u32,
    now: i64,
) -> Result<RoundOverview, Error> {
    let visible = list(r, caller, process, round, now)?;
    let (info, _) = crate::lifecycle::get(r, caller, process, round)?;
    let late = match late_attempts(r, caller, process, round) {
        Ok(late) => Some(late),
        Err(Error::Forbidden(_)) => None,
        Err(other) => return Err(other),
    };
    Ok(RoundOverview {
        round: info,
        delegations: r.delegations(process)?,
        visible,
        late,
    })
}
