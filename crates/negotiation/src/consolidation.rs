//! Consolidating a round: the decisions applied to its base give the next version with the
//! provenance of every span ([`consolidate`], pure and CPU-heavy: run it off the writer), then
//! [`publish`] records it in one write transaction, provided the round's inputs are still the
//! ones consolidated.

use crate::caller::Caller;
use crate::error::{Error, FieldProblem};
use crate::lifecycle::Scope;
use crate::policy::Action;
use crate::round::RoundMaterial;
use penholder_core::IdSource;
use penholder_diff::{Compilation, ConsolidateError, ConsolidateOptions, Consolidation};
use penholder_store::{NewVersion, VersionInfo, Writer};

/// What a consolidation was computed from: the decisions and the submission revisions. A
/// decision or a submission recorded meanwhile would otherwise be silently left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inputs {
    process: String,
    round: u32,
    document: String,
    decisions: Vec<u64>,
    submissions: Vec<(String, u32)>,
}

impl Inputs {
    pub fn of(material: &RoundMaterial) -> Inputs {
        Inputs {
            process: material.process.clone(),
            round: material.round.number,
            document: material.round.document.clone(),
            decisions: material.decisions.iter().map(|d| d.sequence).collect(),
            submissions: material
                .submissions
                .iter()
                .map(|s| (s.delegation.clone(), s.revision))
                .collect(),
        }
    }

    /// Whether the round's decisions and submissions are still these.
    fn still_current(&self, w: &Writer<'_>) -> Result<bool, Error> {
        let decisions: Vec<u64> = w
            .decisions(&self.process, self.round)?
            .iter()
            .map(|d| d.sequence)
            .collect();
        let submissions: Vec<(String, u32)> = w
            .submissions(&self.process, self.round)?
            .iter()
            .map(|s| (s.delegation.clone(), s.revision))
            .collect();
        Ok(decisions == self.decisions && submissions == self.submissions)
    }
}

/// Applies the round's decisions to its base (pure).
pub fn consolidate(
    material: &RoundMaterial,
    compilation: &Compilation,
    accept_uncontested: bool,
    ids: &mut IdSource,
) -> Result<Consolidation, Error> {
    let options = ConsolidateOptions {
        round: material.round.label.clone(),
        accept_uncontested,
    };
    penholder_diff::consolidate(
        &material.base,
        &material.base_blame,
        compilation,
        &crate::bracket::holding_open(material.rulings(), compilation),
        &options,
        ids,
    )
    .map_err(refusal)
}

/// Publishes a consolidation as the next version of the round's document, in the caller's
/// write transaction, if the caller may still consolidate it, and unless the round's inputs changed since `inputs` were read (the
/// round, its document and what it held).
pub fn publish(
    w: &Writer<'_>,
    caller: &Caller,
    inputs: &Inputs,
    label: String,
    consolidation: &Consolidation,
    now: i64,
) -> Result<VersionInfo, Error> {
    Scope::authorized(
        w,
        caller,
        &inputs.process,
        inputs.round,
        None,
        Action::Consolidate,
        now,
    )?;
    if !inputs.still_current(w)? {
        return Err(Error::Conflict(
            "the round's decisions or submissions changed during the consolidation; send it again"
                .into(),
        ));
    }
    let new = NewVersion {
        label,
        tree: consolidation.document.clone(),
        round: Some(inputs.round),
        provenance: Some(consolidation.blame.clone()),
        changes: Some(consolidation.applied.clone()),
    };
    // The deferred changes stay open in the new version as brackets, published with it.
    let published = w.publish_version_with_brackets(
        &inputs.process,
        &inputs.document,
        &new,
        &consolidation.brackets,
        &caller.actor(),
        now,
    )?;
    crate::events::version_published(w, &inputs.process, &published, now)?;
    Ok(published)
}

/// The engine's refusal, said for the chair: decisions that cannot be applied are the
/// caller's to fix; the engine refusing its own result is a fault, and nothing is published.
fn refusal(error: ConsolidateError) -> Error {
    let reference = match &error {
        ConsolidateError::UnknownChange { change }
        | ConsolidateError::AlternativeRequired { change }
        | ConsolidateError::DuplicateDecision { change }
        | ConsolidateError::UnknownAlternative { change, .. } => Some(change.clone()),
        ConsolidateError::ConflictingDecisions { second, .. } => Some(second.clone()),
        _ => None,
    };
    match error {
        ConsolidateError::SilentDeletion(_) => Error::Fault(format!(
            "the consolidated version was not published: {error}"
        )),
        ConsolidateError::StaleCompilation { .. } | ConsolidateError::BlameMismatch { .. } => {
            Error::Fault(format!("consolidation inputs disagree: {error}"))
        }
        other => Error::Invalid {
            detail: match &reference {
                // Every refusal names one decision: taking it back is always a way out.
                Some(change) => format!(
                    "the decisions cannot be applied: {other}; change that decision, or withdraw \
                     it (PUT …/decisions/{change} with {{\"decision\": \"withdraw\"}})"
                ),
                None => format!("the decisions cannot be applied: {other}"),
            },
            problems: vec![FieldProblem {
                pointer: "/decisions".into(),
                item: None,
                reference,
                detail: other.to_string(),
            }],
        },
    }
}
