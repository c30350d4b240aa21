//! The handlers, one module per resource. Every handler follows the same walk: authenticate
//! (the [`Principal`] extractor), read what the decision needs, ask [`policy::decide`], validate
//! the body, then read or write through the store.

pub mod audit;
pub mod documents;
pub mod negotiation;
pub mod processes;
pub mod rounds;
pub mod submissions;

use crate::auth::Principal;
use crate::clock::rfc3339;
use crate::error::ApiError;
use crate::policy::{self, Action, Phase, Relation, Verdict};
use penholder_core::Version;
use penholder_core::negotiation::{Delegation, DelegationKind};
use penholder_diff::{AppliedChange, Blame, Redline, Step};
use penholder_store::{DocumentInfo, Reader, RoundInfo, StoreError};

/// Whether the caller's delegation takes part in the process: listed itself, or a member of a
/// group that is.
pub fn is_member(principal: &Principal, delegations: &[Delegation]) -> bool {
    let Some(code) = principal.delegation.as_deref() else {
        return false;
    };
    delegations.iter().any(|d| {
        d.code == code || (d.kind == DelegationKind::Group && d.members.iter().any(|m| m == code))
    })
}

/// The caller's relation to a target delegation (`None`: to the process as a whole).
pub fn relation(
    principal: &Principal,
    delegations: &[Delegation],
    target: Option<&str>,
) -> Relation {
    if !is_member(principal, delegations) {
        return Relation::NonMember;
    }
    let code = principal.delegation.as_deref().unwrap_or_default();
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
    principal: &Principal,
    action: Action,
    relation: Relation,
    phase: Phase,
    round: Option<&RoundInfo>,
) -> Result<(), ApiError> {
    match policy::decide(action, principal.role, relation, phase) {
        Verdict::Allow => Ok(()),
        Verdict::Forbidden(reason) => Err(ApiError::Forbidden(format!(
            "{} may not {}: {reason}",
            principal.role,
            action.name()
        ))),
        Verdict::WrongState(reason) => Err(ApiError::WrongState(match round {
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

fn corrupt(what: &str, error: serde_json::Error) -> StoreError {
    StoreError::Corrupt {
        detail: format!("{what} cannot be read: {error}"),
    }
}

/// The provenance of a version: as stored, or all from the version itself when none was
/// stored (a first version, or one uploaded without attribution).
pub fn blame_of(
    reader: &Reader<'_>,
    process: &str,
    document: &str,
    version: &Version,
) -> Result<Blame, StoreError> {
    match reader.version_provenance(process, document, version.number)? {
        Some(bytes) => {
            serde_json::from_slice(&bytes).map_err(|e| corrupt("a version's provenance", e))
        }
        None => Ok(Blame::initial(&version.document, version.number)),
    }
}

/// The changes applied to reach a version (empty for a first version).
pub fn applied_of(
    reader: &Reader<'_>,
    process: &str,
    document: &str,
    number: u32,
) -> Result<Vec<AppliedChange>, StoreError> {
    match reader.version_changes(process, document, number)? {
        Some(bytes) => {
            serde_json::from_slice(&bytes).map_err(|e| corrupt("a version's changes", e))
        }
        None => Ok(Vec::new()),
    }
}

/// One version on the chain between two versions, with what the redline needs of it.
pub struct ChainLink {
    /// The round that produced the version (or the version's own label for an upload).
    pub label: String,
    pub version: Version,
    pub blame: Blame,
    pub applied: Vec<AppliedChange>,
}

/// Two versions of a document and the chain of versions between them, as a redline from one
/// to the other needs it (the API's `GET …/redline` and `penholder export redline` share it).
pub struct VersionChain {
    pub source: Version,
    pub target: Version,
    /// Every version after `source` up to `target`, oldest first; empty when `source` is not
    /// an ancestor of `target` (the redline is then exact but unattributed).
    pub links: Vec<ChainLink>,
    /// Whether `source` is an ancestor of (or equal to) `target`.
    pub attributed: bool,
}

impl VersionChain {
    pub fn load(
        reader: &Reader<'_>,
        process: &str,
        document: &str,
        from: u32,
        to: u32,
    ) -> Result<VersionChain, StoreError> {
        let versions = reader.versions(process, document)?;
        let source = reader.version(process, document, from)?;
        let target = reader.version(process, document, to)?;
        // Walk parents from `to` back to `from`.
        let mut numbers = Vec::new();
        let mut at = to;
        let mut attributed = true;
        while at != from {
            numbers.push(at);
            match versions
                .iter()
                .find(|v| v.number == at)
                .and_then(|v| v.parent)
            {
                Some(parent) => at = parent,
                None => {
                    attributed = false;
                    break;
                }
            }
        }
        numbers.reverse();
        let mut links = Vec::new();
        if attributed {
            for number in numbers {
                let info = versions
                    .iter()
                    .find(|v| v.number == number)
                    .ok_or_else(|| StoreError::Corrupt {
                        detail: format!("version {number} vanished from its chain"),
                    })?;
                let version = reader.version(process, document, number)?;
                let label = match info.round {
                    Some(round) => reader.round(process, round)?.label,
                    None => info.label.clone(),
                };
                links.push(ChainLink {
                    label,
                    blame: blame_of(reader, process, document, &version)?,
                    applied: applied_of(reader, process, document, number)?,
                    version,
                });
            }
        }
        Ok(VersionChain {
            source,
            target,
            links,
            attributed,
        })
    }

    /// The word-level redline from source to target, attributed through the chain.
    pub fn redline(&self) -> Redline {
        let steps: Vec<Step<'_>> = self
            .links
            .iter()
            .map(|link| Step {
                round: &link.label,
                document: &link.version.document,
                blame: &link.blame,
                applied: &link.applied,
            })
            .collect();
        penholder_diff::redline(&self.source.document, &self.target.document, &steps)
    }
}

/// Runs CPU-heavy engine work (compile, consolidate, redline, align) off the async workers.
pub async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(format!("engine task failed: {e}")))?
}

/// 422 unless `text` is a non-empty single-line-ish label of at most `max` characters.
pub fn check_text(pointer: &str, text: &str, max: usize) -> Result<(), ApiError> {
    if text.trim().is_empty() {
        return Err(ApiError::invalid_field(
            pointer,
            format!("{pointer} must not be empty"),
        ));
    }
    if text.chars().count() > max {
        return Err(ApiError::invalid_field(
            pointer,
            format!("{pointer} is longer than {max} characters"),
        ));
    }
    Ok(())
}
