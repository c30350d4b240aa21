//! What a caller is in a process, and the one place where the policy is asked: every use case
//! that acts on a process or a round calls [`authorize`] (or a helper over it) before it reads
//! anything sealed or writes anything.

use crate::caller::Caller;
use crate::clock::rfc3339;
use crate::error::Error;
use crate::policy::{self, Action, Phase, Relation, Verdict};
use penholder_core::negotiation::{Delegation, DelegationKind};
use penholder_store::{DocumentInfo, RoundInfo};

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

/// Applies the policy; a wrong-state refusal names the round's clock.
pub fn authorize(
    caller: &Caller,
    action: Action,
    relation: Relation,
    phase: Phase,
    round: Option<&RoundInfo>,
) -> Result<(), Error> {
    match policy::decide(action, caller.role, relation, phase) {
        Verdict::Allow => Ok(()),
        Verdict::Forbidden(reason) => Err(Error::Forbidden(format!(
            "{} may not {}: {reason}",
            caller.role,
            action.name()
        ))),
        Verdict::WrongState(reason) => Err(Error::WrongState(match round {
            Some(round) => format!(
                "{reason} (round {} is {}; it opens at {} and its deadline is {})",
                round.number,
                phase.as_str(),
                rfc3339(round.opens_at),
                rfc3339(round.closes_at)
            ),
            None => reason.to_string(),
        })),
    }
}

/// Whether the policy allows `action` (no explanation): for filtering lists.
pub fn allows(caller: &Caller, action: Action, relation: Relation, phase: Phase) -> bool {
    policy::decide(action, caller.role, relation, phase) == Verdict::Allow
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
