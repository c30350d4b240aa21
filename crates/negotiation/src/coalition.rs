//! Coalitions as callers reach them (issue 16, item 4): a member of a group agrees to the
//! group's common text before the deadline (the EU coordination step) or dissociates from one
//! of its items; any delegation co-sponsors another's proposal without retyping it; and what
//! they add up to in a round (`penholder_core::coalition::Coalitions`), which the compilation
//! shows beside each alternative ("EU (27)", "EU (except HU)", "FR, co-sponsored by DE") and
//! each member's outcomes roll down.
//!
//! Who may act for a group: the group's own delegates (a token of the group's delegation)
//! write its submission, as any delegation's; a member's delegates never do (403 saying what
//! they may do instead). Every act is in the caller's own delegation's name, authorized and
//! checked inside its write transaction.

use crate::caller::Caller;
use crate::error::Error;
use crate::input::check_text;
use crate::lifecycle::Scope;
use crate::policy::Action;
use crate::submission::submission_of;
use penholder_core::coalition::{self, ActKind, CoalitionAct, Coalitions};
use penholder_core::negotiation::{Item, Submission};
use penholder_diff::Compilation;
use penholder_store::{NewCoalitionAct, Reader, StoreError, Writer};

/// The supporters of one alternative of a compilation as coalitions make them: a label that
/// names groups and co-sponsors, and every delegation counted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupportLabel {
    pub change: String,
    pub alternative: String,
    /// `EU (27), FR, co-sponsored by DE`.
    pub label: String,
    /// Every delegation counted as supporting it (groups' members rolled up), sorted.
    pub counted: Vec<String>,
}

/// The labels of every alternative that a group or a co-sponsor supports (the others are
/// named by their proposers' codes alone), in the compilation's order.
pub fn support_labels(compilation: &Compilation, coalitions: &Coalitions) -> Vec<SupportLabel> {
    let mut out = Vec::new();
    for change in compilation.changes() {
        for alternative in &change.alternatives {
            let number = |item: usize| u32::try_from(item + 1).unwrap_or(u32::MAX);
            if !alternative
                .supporters
                .iter()
                .any(|s| coalitions.speaks_for_others(&s.delegation, number(s.item)))
            {
                continue;
            }
            let mut labels: Vec<String> = Vec::new();
            let mut named: Vec<&str> = Vec::new();
            let mut counted: Vec<String> = Vec::new();
            for support in &alternative.supporters {
                counted.extend(coalitions.counted(&support.delegation, number(support.item)));
                if named.contains(&support.delegation.as_str()) {
                    continue;
                }
                named.push(&support.delegation);
                labels.push(coalitions.label(&support.delegation, number(support.item)));
            }
            counted.sort();
            counted.dedup();
            out.push(SupportLabel {
                change: change.id.clone(),
                alternative: alternative.id.clone(),
                label: labels.join("; "),
                counted,
            });
        }
    }
    out
}

/// The rendering context with the coalition labels of a compilation's alternatives, so that
/// the HTML, Markdown and Word compilations name "EU (27)" as the JSON does.
pub fn label_context(
    context: penholder_render::Context,
    compilation: &Compilation,
    coalitions: &Coalitions,
) -> penholder_render::Context {
    support_labels(compilation, coalitions)
        .into_iter()
        .fold(context, |context, l| {
            context.support_label(l.change, l.alternative, l.label)
        })
}

/// The coalitions of a round, for a caller who may read its compilation.
pub fn read(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    round: u32,
    now: i64,
) -> Result<Coalitions, Error> {
    Scope::authorized(
        r,
        caller,
        process,
        round,
        None,
        Action::ReadCompilation,
        now,
    )?;
    let submissions: Vec<Submission> = r
        .submissions(process, round)?
        .into_iter()
        .map(submission_of)
        .collect();
    Ok(Coalitions::of(
        &r.delegations(process)?,
        &submissions,
        &r.coalition_acts(process, round)?,
    ))
}

/// The acts the caller's own delegation recorded in a round (its agreements, dissociations and
/// co-sponsorships), for a caller who may list the round's submissions: what it did is its
/// own to see, even while the compilation is sealed to it. Empty for a caller without a
/// delegation.
pub fn own_acts(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    round: u32,
    now: i64,
) -> Result<Vec<CoalitionAct>, Error> {
    Scope::authorized(
        r,
        caller,
        process,
        round,
        None,
        Action::ListSubmissions,
        now,
    )?;
    let Some(own) = &caller.delegation else {
        return Ok(Vec::new());
    };
    Ok(r.coalition_acts(process, round)?
        .into_iter()
        .filter(|act| &act.delegation == own)
        .collect())
}

/// Records the caller's delegation's agreement to group `group`'s common text: its latest
/// submission in the round, as it stands now. A redrafted text needs the members' agreement
/// again.
pub fn agree(
    w: &Writer<'_>,
    caller: &Caller,
    process: &str,
    round: u32,
    group: &str,
    note: &str,
    now: i64,
) -> Result<CoalitionAct, Error> {
    let member = acting(
        w,
        caller,
        process,
        round,
        group,
        Action::AgreeGroupText,
        now,
    )?;
    check_note(note)?;
    let submission = proposals_of(w, process, round, group)?;
    let fingerprint = coalition::fingerprint_all(&submission.items);
    refuse_repeated(
        w,
        process,
        round,
        ActKind::Agree,
        &member,
        group,
        None,
        &fingerprint,
    )?;
    record(
        w,
        caller,
        process,
        round,
        ActKind::Agree,
        &member,
        &submission,
        None,
        &fingerprint,
        note,
        now,
    )
}

/// Records the caller's delegation's dissociation from item `item` (1-based) of group
/// `group`'s latest submission.
#[allow(clippy::too_many_arguments)] // reason: the act's target, item and note, who and when
pub fn dissociate(
    w: &Writer<'_>,
    caller: &Caller,
    process: &str,
    round: u32,
    group: &str,
    item: u32,
    note: &str,
    now: i64,
) -> Result<CoalitionAct, Error> {
    let member = acting(
        w,
        caller,
        process,
        round,
        group,
        Action::DissociateFromItem,
        now,
    )?;
    check_text("/note", note, 2000).map_err(|_| {
        Error::invalid_field(
            "/note",
            "a dissociation says why, in a note of 1 to 2,000 characters (it is shown beside \
             the group's item)",
        )
    })?;
    let submission = proposals_of(w, process, round, group)?;
    let fingerprint = coalition::fingerprint(item_of(&submission, item, round)?);
    refuse_repeated(
        w,
        process,
        round,
        ActKind::Dissociate,
        &member,
        group,
        Some(item),
        &fingerprint,
    )?;
    record(
        w,
        caller,
        process,
        round,
        ActKind::Dissociate,
        &member,
        &submission,
        Some(item),
        &fingerprint,
        note,
        now,
    )
}

/// Records the caller's delegation's co-sponsoring of item `item` (1-based) of delegation
/// `proposer`'s latest submission: a proposed change (an amendment, insertion or deletion).
#[allow(clippy::too_many_arguments)] // reason: the act's target, item and note, who and when
pub fn cosponsor(
    w: &Writer<'_>,
    caller: &Caller,
    process: &str,
    round: u32,
    proposer: &str,
    item: u32,
    note: &str,
    now: i64,
) -> Result<CoalitionAct, Error> {
    let sponsor = acting(
        w,
        caller,
        process,
        round,
        proposer,
        Action::CosponsorProposal,
        now,
    )?;
    check_note(note)?;
    let submission = proposals_of(w, process, round, proposer)?;
    let found = item_of(&submission, item, round)?;
    if matches!(found, Item::Comment { .. }) {
        return Err(Error::invalid_field(
            "/item",
            format!(
                "item {item} of {proposer}'s submission is a comment, not a proposed change: \
                 co-sponsor an amendment, insertion or deletion (GET …/submissions/{proposer} \
                 for its items)"
            ),
        ));
    }
    let fingerprint = coalition::fingerprint(found);
    refuse_repeated(
        w,
        process,
        round,
        ActKind::Cosponsor,
        &sponsor,
        proposer,
        Some(item),
        &fingerprint,
    )?;
    record(
        w,
        caller,
        process,
        round,
        ActKind::Cosponsor,
        &sponsor,
        &submission,
        Some(item),
        &fingerprint,
        note,
        now,
    )
}

/// The caller's delegation, once the policy allows `action` on `target`'s submission.
fn acting(
    w: &Writer<'_>,
    caller: &Caller,
    process: &str,
    round: u32,
    target: &str,
    action: Action,
    now: i64,
) -> Result<String, Error> {
    let scope = Scope::read(w, caller, process, round, Some(target))?;
    crate::access::target_exists(&scope.delegations, process, target)?;
    // Authorized as a group member, the target is a group that lists the caller: a target
    // that is no group (or not the caller's) is refused by the policy, saying what to do.
    scope.authorize(caller, action, Some(target), now)?;
    caller
        .delegation
        .clone()
        .ok_or_else(|| Error::Forbidden("the token names no delegation to act for".into()))
}

/// `code`'s latest submission in the round; 404 saying so when it has none.
fn proposals_of(
    r: &Reader<'_>,
    process: &str,
    round: u32,
    code: &str,
) -> Result<Submission, Error> {
    match r.submission(process, round, code) {
        Ok(revision) => Ok(submission_of(revision)),
        Err(StoreError::NotFound { .. }) => Err(Error::NotFound(format!(
            "{code} has sent no submission in round {round}: there is no item of it to act on"
        ))),
        Err(other) => Err(other.into()),
    }
}

fn item_of(submission: &Submission, item: u32, round: u32) -> Result<&Item, Error> {
    coalition::item_at(submission, item).ok_or_else(|| {
        Error::NotFound(format!(
            "{}'s submission in round {round} (revision {}) has {} item(s): there is no item \
             {item}. Items are numbered from 1, as in the dispositions ({}-1); GET \
             …/submissions/{} for them",
            submission.delegation,
            submission.revision,
            submission.items.len(),
            submission.delegation,
            submission.delegation
        ))
    })
}

fn check_note(note: &str) -> Result<(), Error> {
    if note.trim().is_empty() {
        return Ok(());
    }
    check_text("/note", note, 2000)
}

/// 409 when the same act on the same item, as it stands, is already recorded.
#[allow(clippy::too_many_arguments)] // reason: every fact that makes two acts the same
fn refuse_repeated(
    r: &Reader<'_>,
    process: &str,
    round: u32,
    kind: ActKind,
    delegation: &str,
    proposer: &str,
    item: Option<u32>,
    fingerprint: &str,
) -> Result<(), Error> {
    let repeated = r.coalition_acts(process, round)?.into_iter().any(|a| {
        a.kind == kind
            && a.delegation == delegation
            && a.proposer == proposer
            && a.item == item
            && a.fingerprint == fingerprint
    });
    if repeated {
        let what = match item {
            Some(item) => format!("{proposer}'s item {item}"),
            None => format!("{proposer}'s common text"),
        };
        return Err(Error::Conflict(format!(
            "{delegation}'s {} of {what}, as it stands, is already recorded",
            kind.as_str()
        )));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)] // reason: one fact per argument, as recorded
fn record(
    w: &Writer<'_>,
    caller: &Caller,
    process: &str,
    round: u32,
    kind: ActKind,
    delegation: &str,
    submission: &Submission,
    item: Option<u32>,
    fingerprint: &str,
    note: &str,
    now: i64,
) -> Result<CoalitionAct, Error> {
    Ok(w.record_coalition_act(
        process,
        round,
        &NewCoalitionAct {
            kind,
            delegation,
            proposer: &submission.delegation,
            revision: submission.revision,
            item,
            fingerprint,
            note: note.trim(),
        },
        &caller.actor(),
        now,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use penholder_core::NodeId;
    use penholder_core::coalition::{CoalitionAct, fingerprint};
    use penholder_core::negotiation::{Delegation, DelegationKind, Participation};
    use penholder_diff::{Alternative, Change, NodeCompilation, Scope, Support};

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

    fn support(delegation: &str, item: usize) -> Support {
        Support {
            delegation: delegation.into(),
            item,
            justification: None,
        }
    }

    fn alternative(id: &str, supporters: Vec<Support>) -> Alternative {
        Alternative {
            id: id.into(),
            text: Some(id.into()),
            kind: None,
            supporters,
        }
    }

    #[test]
    fn alternatives_backed_by_a_group_or_a_co_sponsor_are_labelled_and_counted() {
        let node: NodeId = "0193a1f2-7c4e-7d2a-9b1e-5f3c2d1a0b9e"
            .parse()
            .expect("an id");
        let amend = |text: &str| Item::Amend {
            iso: Default::default(),
            node,
            text: text.into(),
            justification: None,
        };
        let submissions = vec![
            Submission {
                delegation: "EU".into(),
                revision: 1,
                submitted_at: 0,
                items: vec![amend("eu")],
            },
            Submission {
                delegation: "FR".into(),
                revision: 1,
                submitted_at: 0,
                items: vec![amend("fr")],
            },
            Submission {
                delegation: "TR".into(),
                revision: 1,
                submitted_at: 0,
                items: vec![amend("tr")],
            },
        ];
        let act = |kind, who: &str, proposer: &str, text: &str| CoalitionAct {
            sequence: 0,
            kind,
            delegation: who.into(),
            proposer: proposer.into(),
            revision: 1,
            item: Some(1),
            fingerprint: fingerprint(&amend(text)),
            note: String::new(),
            by: "t".into(),
            at: 0,
        };
        let coalitions = Coalitions::of(
            &[
                delegation("EU", &["AT", "HU"]),
                delegation("AT", &[]),
                delegation("HU", &[]),
                delegation("FR", &[]),
                delegation("NO", &[]),
                delegation("TR", &[]),
            ],
            &submissions,
            &[
                act(ActKind::Dissociate, "HU", "EU", "eu"),
                act(ActKind::Cosponsor, "NO", "FR", "fr"),
            ],
        );
        let compilation = Compilation {
            document_title: "T".into(),
            base_version: 1,
            nodes: vec![NodeCompilation {
                node,
                reference: "OP1".into(),
                kind: penholder_core::NodeKind::Operative,
                depth: 0,
                base_text: "base".into(),
                base_marks: vec![],
                merged_text: Some("base".into()),
                changes: vec![Change {
                    id: "c1".into(),
                    node,
                    reference: "OP1".into(),
                    scope: Scope::Node,
                    base_text: "base".into(),
                    alternatives: vec![
                        alternative("a", vec![support("EU", 0), support("FR", 0)]),
                        alternative("b", vec![support("TR", 0)]),
                    ],
                    contested: true,
                    marshalled: Vec::new(),
                    families: Vec::new(),
                }],
                comments: Vec::new(),
                flags: Vec::new(),
            }],
            general_comments: Vec::new(),
            general_flags: Vec::new(),
            unplaced: Vec::new(),
        };
        let labels = support_labels(&compilation, &coalitions);
        assert_eq!(labels.len(), 1, "TR's alternative speaks for TR alone");
        assert_eq!(labels[0].label, "EU (except HU); FR, co-sponsored by NO");
        assert_eq!(labels[0].counted, ["AT", "EU", "FR", "NO"]);
        let context = label_context(penholder_render::Context::new(), &compilation, &coalitions);
        assert_eq!(
            context
                .support_labels_of(&compilation.nodes[0].changes)
                .collect::<Vec<_>>(),
            [("c1", "a", "EU (except HU); FR, co-sponsored by NO")]
        );
    }
}
