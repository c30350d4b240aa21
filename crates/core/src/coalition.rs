//! Coalitions as data: a group (the EU, G77) speaks for its members, and any delegation may
//! back another's proposal without retyping it. Three acts of a delegation, each referring to
//! one item of a submission of the round:
//!
//! - **agree**: a member of a group records its agreement with the group's common text (the
//!   group's latest submission revision) before the round's deadline: the coordination step;
//! - **dissociate**: a member of a group says one of the group's items does not speak for it
//!   (the compilation then shows "EU (except HU)");
//! - **cosponsor**: a delegation co-sponsors another delegation's item.
//!
//! From the acts and the round's latest submissions this module derives who counts as
//! supporting each item (rolled up: the group's members, less those who dissociated, plus the
//! co-sponsors) and how a compilation labels it ("EU (27)"). Pure: the store hands the acts in.
//!
//! An act names an item by its 1-based number in the proposer's submission (as the
//! dispositions do: `EU-3`) and keeps a fingerprint of the item as it stood: a dissociation or
//! a co-sponsorship holds while the proposer's latest revision carries the same item at that
//! number; an agreement holds only for the revision it names (a changed common text needs
//! the members' agreement again).

use crate::ContentHash;
use crate::negotiation::{Delegation, DelegationKind, Item, Submission};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What a delegation does about another's submission.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActKind {
    /// A group member agrees to the group's common text (its latest revision).
    Agree,
    /// A group member dissociates from one of the group's items.
    Dissociate,
    /// A delegation co-sponsors another delegation's item.
    Cosponsor,
}

impl ActKind {
    pub const ALL: [ActKind; 3] = [ActKind::Agree, ActKind::Dissociate, ActKind::Cosponsor];

    /// The name used in JSON, in the store and in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            ActKind::Agree => "agree",
            ActKind::Dissociate => "dissociate",
            ActKind::Cosponsor => "cosponsor",
        }
    }

    pub fn parse(name: &str) -> Option<ActKind> {
        ActKind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// One recorded act of a delegation about another's submission in a round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoalitionAct {
    /// The act's number in the store (its order).
    pub sequence: u64,
    pub kind: ActKind,
    /// The delegation that acts (the member, the co-sponsor).
    pub delegation: String,
    /// The delegation whose submission the act is about (the group, the proposer).
    pub proposer: String,
    /// The proposer's revision the act was taken on.
    pub revision: u32,
    /// The item's 1-based number in that revision; `None` for an agreement (the whole text).
    pub item: Option<u32>,
    /// [`fingerprint`] of the item as it stood (of the whole item list for an agreement).
    pub fingerprint: String,
    pub note: String,
    /// The token subject that recorded it.
    pub by: String,
    pub at: i64,
}

/// A stable fingerprint of an item (hex SHA-256 of its JSON).
pub fn fingerprint(item: &Item) -> String {
    ContentHash::of(&serde_json::to_vec(item).unwrap_or_default()).to_hex()
}

/// The fingerprint of a whole submission's items (what an agreement agrees to).
pub fn fingerprint_all(items: &[Item]) -> String {
    ContentHash::of(&serde_json::to_vec(items).unwrap_or_default()).to_hex()
}

/// A group's position in a round: its common text and who stands where on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupPosition {
    pub group: String,
    pub members: Vec<String>,
    /// The group's latest revision in the round (`None`: it has not submitted).
    pub revision: Option<u32>,
    /// Members whose agreement names that revision, sorted.
    pub agreed: Vec<String>,
    /// Members who have not agreed to it (yet), sorted.
    pub pending: Vec<String>,
    /// Standing dissociations from its items, by item then member.
    pub dissociations: Vec<Dissociation>,
}

/// A member's standing dissociation from one of its group's items.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Dissociation {
    /// 1-based.
    pub item: u32,
    pub member: String,
    pub note: String,
}

/// The co-sponsors of one item.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Cosponsorship {
    pub proposer: String,
    /// 1-based.
    pub item: u32,
    /// Sorted, each once.
    pub cosponsors: Vec<String>,
}

/// The coalitions of a round: every group's position and every co-sponsorship that holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coalitions {
    pub groups: Vec<GroupPosition>,
    pub cosponsorships: Vec<Cosponsorship>,
}

impl Coalitions {
    /// Derives the coalitions from the process's delegations, the round's latest submissions
    /// and the acts recorded in the round (any order).
    pub fn of(
        delegations: &[Delegation],
        submissions: &[Submission],
        acts: &[CoalitionAct],
    ) -> Coalitions {
        let latest = |code: &str| submissions.iter().find(|s| s.delegation == code);
        let holds = |act: &CoalitionAct| -> bool {
            let Some(submission) = latest(&act.proposer) else {
                return false;
            };
            match act.item {
                None => {
                    act.revision == submission.revision
                        && act.fingerprint == fingerprint_all(&submission.items)
                }
                Some(number) => item_at(submission, number)
                    .is_some_and(|item| fingerprint(item) == act.fingerprint),
            }
        };
        let standing: Vec<&CoalitionAct> = acts.iter().filter(|a| holds(a)).collect();
        let groups = delegations
            .iter()
            .filter(|d| d.kind == DelegationKind::Group)
            .map(|group| {
                let is_member = |code: &str| group.members.iter().any(|m| m == code);
                let agreed: BTreeSet<String> = standing
                    .iter()
                    .filter(|a| {
                        a.kind == ActKind::Agree
                            && a.proposer == group.code
                            && is_member(&a.delegation)
                    })
                    .map(|a| a.delegation.clone())
                    .collect();
                let mut pending: Vec<String> = group
                    .members
                    .iter()
                    .filter(|m| !agreed.contains(*m))
                    .cloned()
                    .collect();
                pending.sort();
                pending.dedup();
                let mut dissociations: Vec<Dissociation> = Vec::new();
                for act in standing.iter().filter(|a| {
                    a.kind == ActKind::Dissociate
                        && a.proposer == group.code
                        && is_member(&a.delegation)
                }) {
                    let item = act.item.unwrap_or_default();
                    if !dissociations
                        .iter()
                        .any(|d| d.item == item && d.member == act.delegation)
                    {
                        dissociations.push(Dissociation {
                            item,
                            member: act.delegation.clone(),
                            note: act.note.clone(),
                        });
                    }
                }
                dissociations.sort();
                GroupPosition {
                    group: group.code.clone(),
                    members: group.members.clone(),
                    revision: latest(&group.code).map(|s| s.revision),
                    agreed: agreed.into_iter().collect(),
                    pending,
                    dissociations,
                }
            })
            .collect();
        let mut cosponsorships: Vec<Cosponsorship> = Vec::new();
        for act in standing.iter().filter(|a| a.kind == ActKind::Cosponsor) {
            let item = act.item.unwrap_or_default();
            match cosponsorships
                .iter_mut()
                .find(|c| c.proposer == act.proposer && c.item == item)
            {
                Some(found) => found.cosponsors.push(act.delegation.clone()),
                None => cosponsorships.push(Cosponsorship {
                    proposer: act.proposer.clone(),
                    item,
                    cosponsors: vec![act.delegation.clone()],
                }),
            }
        }
        for c in &mut cosponsorships {
            c.cosponsors.sort();
            c.cosponsors.dedup();
        }
        cosponsorships.sort();
        Coalitions {
            groups,
            cosponsorships,
        }
    }

    fn group(&self, code: &str) -> Option<&GroupPosition> {
        self.groups.iter().find(|g| g.group == code)
    }

    /// The members of group `group` who dissociated from its item `item` (1-based), sorted.
    pub fn dissociated(&self, group: &str, item: u32) -> Vec<String> {
        self.group(group)
            .map(|g| {
                g.dissociations
                    .iter()
                    .filter(|d| d.item == item)
                    .map(|d| d.member.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The co-sponsors of `proposer`'s item `item` (1-based), sorted.
    pub fn cosponsors(&self, proposer: &str, item: u32) -> Vec<String> {
        self.cosponsorships
            .iter()
            .find(|c| c.proposer == proposer && c.item == item)
            .map(|c| c.cosponsors.clone())
            .unwrap_or_default()
    }

    /// Every delegation counted as supporting `proposer`'s item `item` (1-based), sorted: the
    /// proposer; for a group, its members less those who dissociated from the item (support
    /// rolls up); its co-sponsors.
    pub fn counted(&self, proposer: &str, item: u32) -> Vec<String> {
        let mut all: BTreeSet<String> = BTreeSet::new();
        all.insert(proposer.to_string());
        if let Some(group) = self.group(proposer) {
            let out = self.dissociated(proposer, item);
            all.extend(group.members.iter().filter(|m| !out.contains(m)).cloned());
        }
        all.extend(self.cosponsors(proposer, item));
        all.into_iter().collect()
    }

    /// How a compilation names the supporters of `proposer`'s item `item` (1-based): `FR`;
    /// a group with its members counted, `EU (27)`, or those who dissociated, `EU (except
    /// HU)`; followed by its co-sponsors, `FR, co-sponsored by DE, IT`.
    pub fn label(&self, proposer: &str, item: u32) -> String {
        let mut label = match self.group(proposer) {
            Some(group) => {
                let out = self.dissociated(proposer, item);
                if out.is_empty() {
                    format!("{proposer} ({})", group.members.len())
                } else {
                    format!("{proposer} (except {})", out.join(", "))
                }
            }
            None => proposer.to_string(),
        };
        let cosponsors = self.cosponsors(proposer, item);
        if !cosponsors.is_empty() {
            label.push_str(&format!(", co-sponsored by {}", cosponsors.join(", ")));
        }
        label
    }

    /// Whether `proposer`'s item `item` has a label other than the proposer's plain code.
    pub fn speaks_for_others(&self, proposer: &str, item: u32) -> bool {
        self.group(proposer).is_some() || !self.cosponsors(proposer, item).is_empty()
    }

    /// The items of group submissions that delegation `member` is counted as supporting:
    /// `(group, item)` for each item of each of its groups' latest submissions it did not
    /// dissociate from (support rolls down), and `(proposer, item)` for each item it
    /// co-sponsors. `items_of` gives a delegation's item count in the round.
    pub fn supported_by(
        &self,
        member: &str,
        items_of: impl Fn(&str) -> usize,
    ) -> Vec<(String, u32)> {
        let mut out = Vec::new();
        for group in self.groups.iter().filter(|g| {
            g.group != member && g.members.iter().any(|m| m == member) && g.revision.is_some()
        }) {
            let count = u32::try_from(items_of(&group.group)).unwrap_or(u32::MAX);
            for item in 1..=count {
                if !self
                    .dissociated(&group.group, item)
                    .iter()
                    .any(|m| m == member)
                {
                    out.push((group.group.clone(), item));
                }
            }
        }
        for c in &self.cosponsorships {
            if c.cosponsors.iter().any(|d| d == member) {
                out.push((c.proposer.clone(), c.item));
            }
        }
        out
    }
}

/// Item `number` (1-based) of a submission.
pub fn item_at(submission: &Submission, number: u32) -> Option<&Item> {
    let index = usize::try_from(number).ok()?.checked_sub(1)?;
    submission.items.get(index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NodeId;
    use crate::negotiation::Participation;
    use proptest::prelude::*;

    fn delegation(code: &str, members: &[&str]) -> Delegation {
        Delegation {
            code: code.into(),
            name: code.into(),
            kind: if members.is_empty() {
                DelegationKind::State
            } else {
                DelegationKind::Group
            },
            participation: Participation::Participant,
            function: None,
            members: members.iter().map(|m| m.to_string()).collect(),
        }
    }

    fn comment(text: &str) -> Item {
        Item::Comment {
            iso: Default::default(),
            node: Some(NodeId(uuid::Uuid::from_u128(1))),
            text: text.into(),
        }
    }

    fn submission(code: &str, revision: u32, items: Vec<Item>) -> Submission {
        Submission {
            delegation: code.into(),
            revision,
            submitted_at: 0,
            items,
        }
    }

    fn act(
        kind: ActKind,
        who: &str,
        proposer: &str,
        s: &Submission,
        item: Option<u32>,
    ) -> CoalitionAct {
        CoalitionAct {
            sequence: 0,
            kind,
            delegation: who.into(),
            proposer: proposer.into(),
            revision: s.revision,
            item,
            fingerprint: match item {
                Some(n) => fingerprint(item_at(s, n).expect("item")),
                None => fingerprint_all(&s.items),
            },
            note: String::new(),
            by: "t".into(),
            at: 0,
        }
    }

    fn setting() -> (Vec<Delegation>, Submission, Submission) {
        let delegations = vec![
            delegation("EU", &["AT", "DE", "HU"]),
            delegation("AT", &[]),
            delegation("DE", &[]),
            delegation("HU", &[]),
            delegation("FR", &[]),
            delegation("NO", &[]),
        ];
        let eu = submission("EU", 1, vec![comment("one"), comment("two")]);
        let fr = submission("FR", 1, vec![comment("fr")]);
        (delegations, eu, fr)
    }

    #[test]
    fn a_group_rolls_up_its_members_and_names_who_dissociated() {
        let (delegations, eu, fr) = setting();
        let acts = vec![act(ActKind::Dissociate, "HU", "EU", &eu, Some(2))];
        let c = Coalitions::of(&delegations, &[eu, fr], &acts);
        assert_eq!(c.label("EU", 1), "EU (3)");
        assert_eq!(c.label("EU", 2), "EU (except HU)");
        assert_eq!(c.counted("EU", 1), ["AT", "DE", "EU", "HU"]);
        assert_eq!(c.counted("EU", 2), ["AT", "DE", "EU"]);
        assert_eq!(c.label("FR", 1), "FR");
        assert!(!c.speaks_for_others("FR", 1));
    }

    #[test]
    fn co_sponsors_are_listed_and_counted() {
        let (delegations, eu, fr) = setting();
        let acts = vec![
            act(ActKind::Cosponsor, "NO", "FR", &fr, Some(1)),
            act(ActKind::Cosponsor, "DE", "FR", &fr, Some(1)),
            act(ActKind::Cosponsor, "DE", "FR", &fr, Some(1)),
        ];
        let c = Coalitions::of(&delegations, &[eu, fr], &acts);
        assert_eq!(c.label("FR", 1), "FR, co-sponsored by DE, NO");
        assert_eq!(c.counted("FR", 1), ["DE", "FR", "NO"]);
        assert_eq!(c.supported_by("NO", |_| 1), [("FR".to_string(), 1)]);
    }

    #[test]
    fn support_rolls_down_to_members_except_where_they_dissociated() {
        let (delegations, eu, fr) = setting();
        let acts = vec![act(ActKind::Dissociate, "HU", "EU", &eu, Some(1))];
        let c = Coalitions::of(&delegations, &[eu, fr], &acts);
        assert_eq!(c.supported_by("HU", |_| 2), [("EU".to_string(), 2)]);
        assert_eq!(
            c.supported_by("AT", |_| 2),
            [("EU".to_string(), 1), ("EU".to_string(), 2)]
        );
        assert!(c.supported_by("FR", |_| 2).is_empty());
    }

    #[test]
    fn an_agreement_holds_for_the_common_text_it_names_only() {
        let (delegations, eu, fr) = setting();
        let acts = vec![
            act(ActKind::Agree, "AT", "EU", &eu, None),
            act(ActKind::Agree, "DE", "EU", &eu, None),
        ];
        let c = Coalitions::of(&delegations, &[eu.clone(), fr.clone()], &acts);
        assert_eq!(c.groups[0].agreed, ["AT", "DE"]);
        assert_eq!(c.groups[0].pending, ["HU"]);
        // The group redrafts: the agreements no longer hold, a dissociation from an item it
        // kept still does.
        let mut redrafted = submission("EU", 2, vec![comment("one"), comment("two, again")]);
        let mut acts = acts;
        acts.push(act(ActKind::Dissociate, "HU", "EU", &eu, Some(1)));
        acts.push(act(ActKind::Dissociate, "DE", "EU", &eu, Some(2)));
        let c = Coalitions::of(&delegations, &[redrafted.clone(), fr.clone()], &acts);
        assert!(c.groups[0].agreed.is_empty());
        assert_eq!(c.label("EU", 1), "EU (except HU)");
        assert_eq!(
            c.label("EU", 2),
            "EU (3)",
            "item 2 changed: DE's dissociation lapsed"
        );
        redrafted.items.clear();
        let c = Coalitions::of(&delegations, &[redrafted, fr], &acts);
        assert!(c.groups[0].dissociations.is_empty());
    }

    #[test]
    fn a_non_member_dissociating_or_agreeing_changes_nothing() {
        let (delegations, eu, fr) = setting();
        let acts = vec![
            act(ActKind::Dissociate, "FR", "EU", &eu, Some(1)),
            act(ActKind::Agree, "FR", "EU", &eu, None),
        ];
        let c = Coalitions::of(&delegations, &[eu, fr], &acts);
        assert_eq!(c.label("EU", 1), "EU (3)");
        assert!(c.groups[0].agreed.is_empty());
    }

    proptest! {
        /// Whatever members dissociate, the counted supporters are the proposer and exactly
        /// the members who did not, and the label names exactly those who did.
        #[test]
        fn counted_and_label_follow_the_dissociations(out in proptest::collection::btree_set(0usize..3, 0..=3)) {
            let (delegations, eu, fr) = setting();
            let members = ["AT", "DE", "HU"];
            let acts: Vec<CoalitionAct> = out
                .iter()
                .map(|&i| act(ActKind::Dissociate, members[i], "EU", &eu, Some(1)))
                .collect();
            let c = Coalitions::of(&delegations, &[eu, fr], &acts);
            let counted = c.counted("EU", 1);
            for (i, member) in members.iter().enumerate() {
                prop_assert_eq!(counted.contains(&member.to_string()), !out.contains(&i));
            }
            prop_assert!(counted.contains(&"EU".to_string()));
            let label = c.label("EU", 1);
            if out.is_empty() {
                prop_assert_eq!(label, "EU (3)");
            } else {
                let named: Vec<&str> = out.iter().map(|&i| members[i]).collect();
                prop_assert_eq!(label, format!("EU (except {})", named.join(", ")));
            }
        }
    }
}
