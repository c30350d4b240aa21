//! The chairmanship's rulings: a decision's shape checked ([`ruling`]), checked against the
//! compilation it is about ([`check`]), recorded in the caller's write transaction
//! ([`record`]), and listed ([`list`]). A chair takes a decision back by recording a
//! withdrawal (`Ruling::Withdraw`), so no decision can leave a round without a way out.

use crate::caller::Caller;
use crate::error::{Error, FieldProblem};
use crate::lifecycle::Scope;
use crate::policy::Action;
use penholder_core::negotiation::{Decision, Ruling};
use penholder_diff::Compilation;
use penholder_store::{DecisionRecord, Reader, Writer};

/// What a chair decides about a change, before its details are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RulingKind {
    Accept,
    Reject,
    Defer,
    Reword,
    Withdraw,
}

/// A ruling from its kind and the fields that come with it: an accept may name an alternative,
/// a reword carries the chairmanship's text, nothing else carries either.
pub fn ruling(
    kind: RulingKind,
    alternative: Option<String>,
    text: Option<String>,
) -> Result<Ruling, Error> {
    if alternative.is_some() && kind != RulingKind::Accept {
        return Err(Error::invalid_field(
            "/alternative",
            "only an accept decision names an alternative",
        ));
    }
    if text.is_some() && kind != RulingKind::Reword {
        return Err(Error::invalid_field(
            "/text",
            "only a reword decision carries text",
        ));
    }
    Ok(match kind {
        RulingKind::Accept => Ruling::Accept { alternative },
        RulingKind::Reject => Ruling::Reject,
        RulingKind::Defer => Ruling::Defer,
        RulingKind::Withdraw => Ruling::Withdraw,
        RulingKind::Reword => match text {
            Some(text) if !text.trim().is_empty() => Ruling::Reword { text },
            _ => {
                return Err(Error::invalid_field(
                    "/text",
                    "a reword decision carries the chairmanship's text",
                ));
            }
        },
    })
}

/// The decisions recorded on a round, in the order they were taken.
pub fn list(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    round: u32,
    now: i64,
) -> Result<Vec<DecisionRecord>, Error> {
    Scope::authorized(r, caller, process, round, None, Action::ReadDecisions, now)?;
    Ok(r.decisions(process, round)?)
}

fn change_problem(change: &str, detail: String) -> Error {
    Error::invalid(vec![FieldProblem {
        pointer: "/change".into(),
        item: None,
        reference: Some(change.to_string()),
        detail,
    }])
}

/// Checks a decision against the compilation: the change exists, the alternative named exists,
/// a contested change's acceptance names one.
///
/// A withdrawal is not checked against the compilation: it is how a chair takes back a
/// decision on a change the compilation no longer has (one compiled by an earlier penholder,
/// say), which must never block the round's consolidation.
pub fn check(compilation: &Compilation, decision: &Decision) -> Result<(), Error> {
    if !decision.ruling.decides() {
        return Ok(());
    }
    let change = compilation.change(&decision.change).ok_or_else(|| {
        change_problem(
            &decision.change,
            format!(
                "change {} is not in this round's compilation (read the compilation for the change ids)",
                decision.change
            ),
        )
    })?;
    match &decision.ruling {
        Ruling::Accept {
            alternative: Some(alternative),
        } if change.alternative(alternative).is_none() => Err(Error::Invalid {
            detail: format!(
                "change {} has no alternative {alternative} (it has {})",
                change.id,
                change
                    .alternatives
                    .iter()
                    .map(|a| a.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            problems: vec![FieldProblem {
                pointer: "/alternative".into(),
                item: None,
                reference: Some(alternative.clone()),
                detail: format!("no alternative {alternative} in change {}", change.id),
            }],
        }),
        Ruling::Accept { alternative: None } if change.contested => Err(Error::invalid_field(
            "/alternative",
            format!(
                "change {} is contested: name the alternative accepted",
                change.id
            ),
        )),
        _ => Ok(()),
    }
}

/// What a chair expects of the decision in force on a change before replacing it (HTTP's
/// `If-Match` / `If-None-Match`): two members of a chairmanship deciding the same change at
/// once do not overwrite each other unseen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    /// Whatever is there.
    Any,
    /// The decision in force must be the one recorded with this sequence number.
    Sequence(u64),
    /// Some decision must be in force.
    Exists,
    /// None may be in force yet.
    Absent,
}

/// Records a checked decision on round `round`, if the caller may decide there now (asked
/// again inside the transaction; the store also refuses it unless the round is closed and not
/// yet consolidated) and the decision in force is the one `expected`.
pub fn record(
    w: &Writer<'_>,
    caller: &Caller,
    process: &str,
    round: u32,
    decision: &Decision,
    expected: Expected,
    now: i64,
) -> Result<DecisionRecord, Error> {
    Scope::authorized(w, caller, process, round, None, Action::PutDecision, now)?;
    // Read only when something depends on it (one query more in the writer's transaction).
    let in_force = if expected == Expected::Any && decision.ruling.decides() {
        None
    } else {
        w.decisions(process, round)?
            .into_iter()
            .find(|d| d.decision.change == decision.change)
            .map(|d| d.sequence)
    };
    let holds = match expected {
        Expected::Any => true,
        Expected::Sequence(sequence) => in_force == Some(sequence),
        Expected::Exists => in_force.is_some(),
        Expected::Absent => in_force.is_none(),
    };
    if !holds {
        let now_in_force = match in_force {
            Some(sequence) => format!("the decision in force is now \"{sequence}\""),
            None => "no decision is in force".to_string(),
        };
        return Err(Error::PreconditionFailed(format!(
            "change {} was decided meanwhile: {now_in_force}; GET the round's decisions, \
             look again, and send the one you replace as If-Match",
            decision.change
        )));
    }
    if !decision.ruling.decides() && in_force.is_none() {
        return Err(Error::NotFound(format!(
            "change {} has no decision to withdraw in round {round} (GET the round's decisions \
             for those recorded)",
            decision.change
        )));
    }
    Ok(w.record_decision(process, round, decision, &caller.actor(), now)?)
}
