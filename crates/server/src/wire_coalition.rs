//! The wire format of coalitions (issue 16, item 4): a member's agreement to its group's
//! common text, its dissociation from one of the group's items, a co-sponsorship, and what
//! they add up to in a round (also carried by the JSON compilation, as `coalitions`).

use crate::clock::rfc3339;
use penholder_core::coalition::{
    CoalitionAct, Coalitions, Cosponsorship, Dissociation, GroupPosition,
};
use penholder_negotiation::coalition::SupportLabel;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST …/agree`, `…/dissociate`, `…/cosponsor`: a note (a dissociation requires one).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActRequest {
    #[serde(default)]
    pub note: Option<String>,
}

/// One act as recorded.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CoalitionActView {
    /// `agree`, `dissociate` or `cosponsor`.
    pub kind: String,
    /// The delegation that acts (the member, the co-sponsor).
    pub delegation: String,
    /// The delegation whose submission it is about (the group, the proposer).
    pub proposer: String,
    /// The proposer's revision it was taken on.
    pub revision: u32,
    /// The item's 1-based number (absent for an agreement, which is to the whole text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<u32>,
    pub note: String,
    pub by: String,
    pub at: String,
    pub sequence: u64,
}

impl From<&CoalitionAct> for CoalitionActView {
    fn from(act: &CoalitionAct) -> Self {
        CoalitionActView {
            kind: act.kind.as_str().to_string(),
            delegation: act.delegation.clone(),
            proposer: act.proposer.clone(),
            revision: act.revision,
            item: act.item,
            note: act.note.clone(),
            by: act.by.clone(),
            at: rfc3339(act.at),
            sequence: act.sequence,
        }
    }
}

/// A group's position in a round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct GroupPositionView {
    pub group: String,
    pub members: Vec<String>,
    /// The group's latest revision (its common text); absent before it submits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<u32>,
    /// Members who agreed to that revision.
    pub agreed: Vec<String>,
    /// Members who have not (yet).
    pub pending: Vec<String>,
    pub dissociations: Vec<DissociationView>,
}

/// A member's standing dissociation from one of its group's items.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct DissociationView {
    pub item: u32,
    pub member: String,
    pub note: String,
}

/// The co-sponsors of one item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct CosponsorshipView {
    pub proposer: String,
    pub item: u32,
    pub cosponsors: Vec<String>,
}

/// How an alternative of the compilation names its supporters, coalitions included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct SupportLabelView {
    pub change: String,
    pub alternative: String,
    /// `EU (27)`, `EU (except HU)`, `FR, co-sponsored by DE`; supporters separated by `; `.
    pub label: String,
    /// Every delegation counted as supporting it (a group's members rolled up), sorted.
    pub counted: Vec<String>,
}

/// What the coalitions of a round add up to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct CoalitionsView {
    pub groups: Vec<GroupPositionView>,
    pub cosponsorships: Vec<CosponsorshipView>,
    /// The compilation's alternatives that a group or a co-sponsor supports (in the JSON
    /// compilation; empty in `GET …/coalitions`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub supporters: Vec<SupportLabelView>,
}

impl CoalitionsView {
    pub fn new(coalitions: &Coalitions, labels: &[SupportLabel]) -> CoalitionsView {
        CoalitionsView {
            groups: coalitions.groups.iter().map(group).collect(),
            cosponsorships: coalitions
                .cosponsorships
                .iter()
                .map(cosponsorship)
                .collect(),
            supporters: labels
                .iter()
                .map(|l| SupportLabelView {
                    change: l.change.clone(),
                    alternative: l.alternative.clone(),
                    label: l.label.clone(),
                    counted: l.counted.clone(),
                })
                .collect(),
        }
    }

    /// Nothing to show: no group in the process and no co-sponsorship.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty() && self.cosponsorships.is_empty() && self.supporters.is_empty()
    }
}

fn group(g: &GroupPosition) -> GroupPositionView {
    GroupPositionView {
        group: g.group.clone(),
        members: g.members.clone(),
        revision: g.revision,
        agreed: g.agreed.clone(),
        pending: g.pending.clone(),
        dissociations: g.dissociations.iter().map(dissociation).collect(),
    }
}

fn dissociation(d: &Dissociation) -> DissociationView {
    DissociationView {
        item: d.item,
        member: d.member.clone(),
        note: d.note.clone(),
    }
}

fn cosponsorship(c: &Cosponsorship) -> CosponsorshipView {
    CosponsorshipView {
        proposer: c.proposer.clone(),
        item: c.item,
        cosponsors: c.cosponsors.clone(),
    }
}
