//! A round's life: created on a version of a document, opened, closed, its deadline extended;
//! and the round as a caller reads it.
//!
//! Each move checks the caller and the round's phase inside the transaction that makes it, so
//! a chair's close and a second chair's extend cannot both act on the same open round.

use crate::access::authorize;
use crate::caller::Caller;
use crate::clock::rfc3339;
use crate::error::Error;
use crate::input::check_text;
use crate::policy::{Action, Phase};
use crate::process::authorize_on;
use penholder_core::negotiation::Delegation;
use penholder_store::{NewRound, Reader, RoundEvent, RoundInfo, Writer};

/// A round and the delegations that decide the caller's relation to it and to a target
/// delegation: the caller's, the target's and every group (see
/// `Reader::delegations_concerning`).
#[derive(Clone, Debug)]
pub struct Scope {
    pub round: RoundInfo,
    pub delegations: Vec<Delegation>,
}

impl Scope {
    pub fn read(
        r: &Reader<'_>,
        caller: &Caller,
        process: &str,
        round: u32,
        target: Option<&str>,
    ) -> Result<Scope, Error> {
        let codes: Vec<&str> = caller
            .delegation
            .as_deref()
            .into_iter()
            .chain(target)
            .collect();
        let (round, delegations) = r.round_with_delegations(process, round, &codes)?;
        Ok(Scope { round, delegations })
    }

    /// The scope, read for `action` by the caller on `target` (`None`: the round as a whole) at
    /// `now`: 404 unless the target is a delegation of the process, else the policy's verdict.
    pub fn authorized(
        r: &Reader<'_>,
        caller: &Caller,
        process: &str,
        round: u32,
        target: Option<&str>,
        action: Action,
        now: i64,
    ) -> Result<Scope, Error> {
        let scope = Scope::read(r, caller, process, round, target)?;
        if let Some(code) = target {
            crate::access::target_exists(&scope.delegations, process, code)?;
        }
        scope.authorize(caller, action, target, now)?;
        Ok(scope)
    }

    /// Checks `action` by the caller on `target` (`None`: on the round as a whole) at `now`.
    pub fn authorize(
        &self,
        caller: &Caller,
        action: Action,
        target: Option<&str>,
        now: i64,
    ) -> Result<(), Error> {
        let phase = Phase::from(self.round.state_at(now));
        authorize(
            caller,
            &self.delegations,
            target,
            action,
            phase,
            Some(&self.round),
        )
    }
}

/// A new round: on `base_version` of `document` (its latest when `None`).
#[derive(Clone, Debug)]
pub struct RoundPlan {
    pub document: String,
    pub base_version: Option<u32>,
    pub label: String,
    pub opens_at: i64,
    pub closes_at: i64,
}

impl RoundPlan {
    pub fn check(&self) -> Result<(), Error> {
        check_text("/label", &self.label, 300)?;
        if self.closes_at <= self.opens_at {
            return Err(Error::invalid_field(
                "/closes_at",
                "a round must close after it opens",
            ));
        }
        Ok(())
    }
}

/// Creates a round of the process.
pub fn create(
    w: &Writer<'_>,
    caller: &Caller,
    process: &str,
    plan: &RoundPlan,
    now: i64,
) -> Result<RoundInfo, Error> {
    authorize_on(w, caller, process, Action::CreateRound)?;
    plan.check()?;
    let base_version = match plan.base_version {
        Some(number) => number,
        None => w.document(process, &plan.document)?.latest_version,
    };
    Ok(w.create_round(
        process,
        &NewRound {
            document: plan.document.clone(),
            base_version,
            label: plan.label.clone(),
            opens_at: plan.opens_at,
            closes_at: plan.closes_at,
        },
        &caller.actor(),
        now,
    )?)
}

/// The process's rounds.
pub fn list(r: &Reader<'_>, caller: &Caller, process: &str) -> Result<Vec<RoundInfo>, Error> {
    authorize_on(r, caller, process, Action::ReadRound)?;
    Ok(r.rounds(process)?)
}

/// A round and what happened to it (opened, closed, extended).
pub fn get(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    round: u32,
) -> Result<(RoundInfo, Vec<RoundEvent>), Error> {
    let info = r.round(process, round)?;
    authorize_on(r, caller, process, Action::ReadRound)?;
    Ok((info, r.round_events(process, round)?))
}

/// What a chair does to a round's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    Open,
    Close,
    /// To a later deadline (Unix milliseconds).
    Extend(i64),
}

impl Move {
    pub fn action(self) -> Action {
        match self {
            Move::Open => Action::OpenRound,
            Move::Close => Action::CloseRound,
            Move::Extend(_) => Action::ExtendDeadline,
        }
    }
}

/// Checks that the caller may make moves of `action`'s kind on the round now, without making
/// one: an edge asks it before reading the request's body.
pub fn may_move(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    round: u32,
    action: Action,
    now: i64,
) -> Result<RoundInfo, Error> {
    Ok(Scope::authorized(r, caller, process, round, None, action, now)?.round)
}

/// Makes the move; the round as it now is and its events.
pub fn make_move(
    w: &Writer<'_>,
    caller: &Caller,
    process: &str,
    round: u32,
    step: Move,
    now: i64,
) -> Result<(RoundInfo, Vec<RoundEvent>), Error> {
    let current = may_move(w, caller, process, round, step.action(), now)?;
    let actor = caller.actor();
    let moved = match step {
        Move::Open => {
            let opened = w.open_round(process, round, &actor, now)?;
            crate::events::round_opened(w, process, &opened, now)?;
            opened
        }
        Move::Close => {
            let closed = w.close_round(process, round, &actor, now)?;
            crate::events::round_closed(w, process, &closed, now)?;
            closed
        }
        Move::Extend(closes_at) => {
            if closes_at <= current.closes_at {
                return Err(Error::invalid_field(
                    "/closes_at",
                    format!(
                        "the new deadline must be later than the current one, {}",
                        rfc3339(current.closes_at)
                    ),
                ));
            }
            let extended = w.extend_deadline(process, round, closes_at, &actor, now)?;
            crate::events::round_extended(w, process, &extended, now)?;
            extended
        }
    };
    Ok((moved, w.round_events(process, round)?))
}
