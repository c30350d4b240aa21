//! What a caller is in a process, and the one place where the policy is asked: every use case
//! that acts on a process or a round calls [`authorize`] (or a helper over it) before it reads
//! anything sealed or writes anything.

use crate::caller::{Caller, Role};
use crate::clock::rfc3339;
use crate::error::Error;
use crate::policy::{self, Action, Phase, Relation, Verdict};
use penholder_core::negotiation::{
    Delegation, DelegationKind, Function, Participation, RoundState,
};
use penholder_store::{DocumentInfo, RoundInfo};

/// The role the caller holds in a process: what their token says they may be, bounded by what
/// their delegation is there. Powers need both. A chair's token is the chair only for a
/// delegation the process lists with the function of chair or co-chair; a secretariat's token
/// only for the process's secretariat (or the chairing delegation's own staff). Anywhere else
/// either reads as an observer of its delegation does, and never writes. Membership through a
/// group grants no chair's powers: the group's function is the group's. A delegation listed as
/// a reviewing body makes any token of it a reviewer's.
pub fn role_in(caller: &Caller, delegations: &[Delegation]) -> Role {
    let own = caller
        .delegation
        .as_deref()
        .and_then(|code| delegations.iter().find(|d| d.code == code));
    let chairs =
        own.is_some_and(|d| matches!(d.function, Some(Function::Chair | Function::CoChair)));
    let reviews = own.is_some_and(|d| d.participation == Participation::Reviewer);
    match caller.role {
        Role::Admin => Role::Admin,
        // A reviewing body reads; whatever its staff's tokens say, it writes nothing.
        _ if reviews => Role::Reviewer,
        Role::Chair if !chairs => Role::Observer,
        Role::Secretariat
            if !(chairs || own.is_some_and(|d| d.participation == Participation::Secretariat)) =>
        {
            Role::Observer
        }
        role => role,
    }
}

/// Whether the caller's delegation takes part in the process: listed itself, or a member of a
/// group that is.
pub fn is_member(caller: &Caller, delegations: &[Delegation]) -> bool {
    let Some(code) = caller.delegation.as_deref() else {
        return false;
    };
    delegations.iter().any(|d| {
        d.code == code || (d.kind == DelegationKind::Group && d.members.iter().any(|m| m == code))
    })
}

/// The caller's relation to a target delegation (`None`: to the process as a whole).
pub fn relation(caller: &Caller, delegations: &[Delegation], target: Option<&str>) -> Relation {
    if !is_member(caller, delegations) {
        return Relation::NonMember;
    }
    let code = caller.delegation.as_deref().unwrap_or_default();
    match target {
        Some(target) if target == code => Relation::Own,
        Some(target)
            if delegations.iter().any(|d| {
                d.code == target
                    && d.kind == DelegationKind::Group
                    && d.members.iter().any(|m| m == code)
            }) =>
        {
            Relation::GroupMember
        }
        _ => Relation::OtherMember,
    }
}

/// Applies the policy to `action` by the caller on `target` (`None`: the process or round as
/// a whole), given the process's `delegations` (those concerning the caller and the target at
/// least), which decide both the caller's [`role_in`] the process and their [`relation`] to
/// the target; a wrong-state refusal names the round's clock.
pub fn authorize(
    caller: &Caller,
    delegations: &[Delegation],
    target: Option<&str>,
    action: Action,
    phase: Phase,
    round: Option<&RoundInfo>,
) -> Result<(), Error> {
    let role = role_in(caller, delegations);
    let relation = relation(caller, delegations, target);
    decide(caller, role, action, relation, phase, round)
}

/// Checks an action that concerns no process (listing them, creating one): the token's role
/// alone decides.
pub fn authorize_outside_processes(caller: &Caller, action: Action) -> Result<(), Error> {
    decide(
        caller,
        caller.role,
        action,
        Relation::NonMember,
        Phase::NoRound,
        None,
    )
}

fn decide(
    caller: &Caller,
    role: Role,
    action: Action,
    relation: Relation,
    phase: Phase,
    round: Option<&RoundInfo>,
) -> Result<(), Error> {
    match policy::decide(action, role, relation, phase) {
        Verdict::Allow => Ok(()),
        Verdict::Forbidden(reason) if role != caller.role => Err(Error::Forbidden(format!(
            "a {} token of {} may not {} here: {} is not the chair, co-chair or secretariat of this process, so the token reads as an observer's ({reason})",
            caller.role,
            caller.delegation.as_deref().unwrap_or("no delegation"),
            action.name(),
            caller.delegation.as_deref().unwrap_or("it"),
        ))),
        Verdict::Forbidden(reason) => Err(Error::Forbidden(format!(
            "{} may not {}: {reason}",
            caller.role,
            action.name()
        ))),
        Verdict::WrongState(reason) => Err(Error::WrongState(match round {
            Some(round) => format!(
                "{reason} (round {} is {}{}; it opens at {} and its deadline is {})",
                round.number,
                phase.as_str(),
                why_closed(round, phase),
                rfc3339(round.opens_at),
                rfc3339(round.closes_at)
            ),
            None => reason.to_string(),
        })),
    }
}

/// Why a closed round is closed: the chairmanship closed it (perhaps before its deadline), or
/// its deadline passed. A delegation refused after an early close must not read "the deadline
/// has passed".
fn why_closed(round: &RoundInfo, phase: Phase) -> &'static str {
    match (phase, round.recorded_state) {
        (Phase::Closed, RoundState::Closed) => ": the chairmanship closed it",
        (Phase::Closed, _) => ": its deadline has passed",
        _ => "",
    }
}

/// Whether the policy allows `action` on `target` (no explanation): for filtering lists.
pub fn allows(
    caller: &Caller,
    delegations: &[Delegation],
    target: Option<&str>,
    action: Action,
    phase: Phase,
) -> bool {
    let (role, relation) = (
        role_in(caller, delegations),
        relation(caller, delegations, target),
    );
    policy::decide(action, role, relation, phase) == Verdict::Allow
}

/// Whether a classification restricts reading to the process's members. Anything but no
/// classification or `PUBLIC` does: an unknown marking is treated as restricted, not open.
pub fn is_restricted(document: &DocumentInfo) -> bool {
    document
        .classification
        .as_deref()
        .is_some_and(|c| !c.trim().is_empty() && !c.trim().eq_ignore_ascii_case("public"))
}

/// The read action a document's classification calls for.
pub fn read_action(document: &DocumentInfo) -> Action {
    if is_restricted(document) {
        Action::ReadLimiteDocument
    } else {
        Action::ReadPublicDocument
    }
}

/// 404 unless `code` is a delegation of the process.
pub fn target_exists(delegations: &[Delegation], process: &str, code: &str) -> Result<(), Error> {
    if delegations.iter().any(|d| d.code == code) {
        Ok(())
    } else {
        Err(Error::NotFound(format!(
            "delegation {code} is not part of process {process}"
        )))
    }
}
