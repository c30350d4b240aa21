//! The versions of a document as a chain: each version's provenance (blame) and the changes
//! applied to reach it, and the chain between two versions that an attributed redline walks.
//! (The store defines how they are kept: `penholder_store`'s codec.)

use penholder_core::negotiation::Delegation;
use penholder_core::{NodeId, Version};
use penholder_diff::{AppliedChange, Blame, Redline, Step};
use penholder_store::{Reader, StoreError};

/// The provenance of a version: as stored, or all from the version itself when none was
/// stored (a first version, or one uploaded without attribution).
pub fn blame_of(
    reader: &Reader<'_>,
    process: &str,
    document: &str,
    version: &Version,
) -> Result<Blame, StoreError> {
    Ok(reader
        .version_provenance(process, document, version.number)?
        .unwrap_or_else(|| Blame::initial(&version.document, version.number)))
}

/// The changes applied to reach a version (empty for a first version).
pub fn applied_of(
    reader: &Reader<'_>,
    process: &str,
    document: &str,
    number: u32,
) -> Result<Vec<AppliedChange>, StoreError> {
    Ok(reader
        .version_changes(process, document, number)?
        .unwrap_or_default())
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

    /// The justifications of the changes applied along the chain, as a redline's comments
    /// show them: (round label, node, delegation, text), where the node is the one the change
    /// made (the new node of an insertion). Each consolidated round is compiled again from its
    /// stored submissions to know which proposal an applied change came from.
    pub fn justifications(
        &self,
        reader: &Reader<'_>,
        process: &str,
        document: &str,
    ) -> Result<Vec<(String, NodeId, String, String)>, StoreError> {
        let mut out = Vec::new();
        for link in &self.links {
            let info = reader.version_info(process, document, link.version.number)?;
            let Some(round) = info.round else { continue };
            if !link
                .applied
                .iter()
                .any(|applied| applied.alternative.is_some())
            {
                continue;
            }
            let compilation =
                crate::round::RoundMaterial::load(reader, process, round)?.compile(None);
            for applied in &link.applied {
                let Some(alternative) = &applied.alternative else {
                    continue;
                };
                let Some(change) = compilation.changes().find(|c| c.id == applied.change) else {
                    continue;
                };
                let Some(alternative) = change.alternatives.iter().find(|a| &a.id == alternative)
                else {
                    continue;
                };
                for support in &alternative.supporters {
                    if let Some(text) = &support.justification {
                        out.push((
                            link.label.clone(),
                            applied.node,
                            support.delegation.clone(),
                            text.clone(),
                        ));
                    }
                }
            }
        }
        Ok(out)
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

/// A redline to compute: the chain between two versions and whose changes it marks.
pub struct RedlineOf {
    pub chain: VersionChain,
    /// `None`: every change; else the codes whose changes are marked (see [`whose`]).
    pub only: Option<Vec<String>>,
    /// `None`: every node; else only these nodes are kept (the paragraphs where a delegation
    /// holds a reservation, `reading::redline`), the rest left out.
    pub nodes: Option<std::collections::BTreeSet<penholder_core::NodeId>>,
}

impl RedlineOf {
    /// The redline, narrowed to the changes of [`RedlineOf::only`] when it is set
    /// (`penholder_diff::only_by`).
    pub fn redline(&self) -> Redline {
        let redline = self.chain.redline();
        let mut redline = match &self.only {
            Some(codes) => penholder_diff::only_by(redline, codes),
            None => redline,
        };
        if let Some(nodes) = &self.nodes {
            redline.nodes.retain(|node| nodes.contains(&node.node));
        }
        redline
    }
}

/// The codes whose changes count as proposed or supported by `code`: its own; for a group,
/// its members' (a member's proposal is part of the group's position); for a member, its
/// groups' (a group proposes for its members: support rolls down). `None` when the process
/// has no such delegation.
pub fn whose(delegations: &[Delegation], code: &str) -> Option<Vec<String>> {
    let own = delegations.iter().find(|d| d.code == code)?;
    let mut codes = vec![own.code.clone()];
    codes.extend(own.members.iter().cloned());
    codes.extend(
        delegations
            .iter()
            .filter(|d| d.members.iter().any(|m| m == code))
            .map(|d| d.code.clone()),
    );
    codes.sort();
    codes.dedup();
    Some(codes)
}
