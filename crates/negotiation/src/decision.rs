//! The chairmanship's rulings: a decision checked against the compilation it is about, recorded
//! in the caller's write transaction.

use crate::caller::Caller;
use crate::error::{Error, FieldProblem};
use penholder_core::negotiation::{Decision, Ruling};
use penholder_diff::Compilation;
use penholder_store::{DecisionRecord, Writer};

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
pub fn check(compilation: &Compilation, decision: &Decision) -> Result<(), Error> {
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

/// Records a checked decision on round `round` (the store refuses it unless the round is
/// closed and not yet consolidated).
pub fn record(
    w: &Writer<'_>,
    caller: &Caller,
    process: &str,
    round: u32,
    decision: &Decision,
    now: i64,
) -> Result<DecisionRecord, Error> {
    Ok(w.record_decision(process, round, decision, &caller.actor(), now)?)
}
