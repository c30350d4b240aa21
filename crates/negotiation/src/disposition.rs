//! What became of every proposal of a round: the comment-resolution table (one
//! [`Disposition`] per item of every submission, 1-based) and each delegation's outcomes.
//!
//! One model serves every edge: the JSON of the API, the CSV/XLSX/HTML tables and the CLI's
//! export are all these rows. They follow the negotiation's state (issue 16): each row shows
//! its paragraph's status and the reservations standing on it, a coalition's row whom it spoke
//! for and its co-sponsors; a delegation's outcomes roll its groups' items down to it ("via
//! EU", or dissociated) with those it co-sponsored, and list its reservations.

use crate::access::{authorize, target_exists};
use crate::caller::Caller;
use crate::error::Error;
use crate::policy::Action;
use crate::round::{RoundMaterial, RoundResult};
use penholder_core::coalition::Coalitions;
use penholder_core::state::TextState;
use penholder_core::{Document, NodeId, References};
use penholder_diff::Compilation;
use penholder_render::dispositions::{
    self, OnBehalf, OutcomeReservation, ParagraphState, Relation, ReservationStanding, RoundRecord,
};
use penholder_render::{Context, DelegationOutcomes, Disposition};
use penholder_store::Reader;
use std::collections::BTreeMap;

/// A round read for its dispositions: its inputs and, once consolidated, what it produced,
/// from one snapshot.
#[derive(Clone, Debug)]
pub struct Review {
    pub material: RoundMaterial,
    pub result: Option<RoundResult>,
    /// The state of the round's document now: paragraph statuses, reservations, adoption.
    pub state: TextState,
}

impl Review {
    /// The round's dispositions as a whole, for callers who may read them at `now`.
    pub fn read(
        r: &Reader<'_>,
        caller: &Caller,
        process: &str,
        round: u32,
        now: i64,
    ) -> Result<Review, Error> {
        let material =
            RoundMaterial::read_for(r, caller, process, round, Action::ReadDispositions, now)?;
        Review::of(r, material)
    }

    /// The round as delegation `code` reads what became of its proposals, for callers who
    /// may read that delegation's outcomes at `now`.
    pub fn read_outcomes(
        r: &Reader<'_>,
        caller: &Caller,
        process: &str,
        round: u32,
        code: &str,
        now: i64,
    ) -> Result<Review, Error> {
        let material = RoundMaterial::load(r, process, round)?;
        target_exists(&material.delegations, process, code)?;
        authorize(
            caller,
            &material.delegations,
            Some(code),
            Action::ReadOutcomes,
            material.phase(now),
            Some(&material.round),
        )?;
        Review::of(r, material)
    }

    /// The round as its store's operator reads it, with no caller to authorize: the CLI's
    /// export of a database file.
    pub fn load(r: &Reader<'_>, process: &str, round: u32) -> Result<Review, Error> {
        Review::of(r, RoundMaterial::load(r, process, round)?)
    }

    fn of(r: &Reader<'_>, material: RoundMaterial) -> Result<Review, Error> {
        let result = material.result(r)?;
        let state = r.text_state(&material.process, &material.document.slug)?;
        Ok(Review {
            material,
            result,
            state,
        })
    }

    /// The rendering context, with `subtitle`, and the state of the text's paragraphs (those
    /// of the base version, and of the new version once consolidated) that the rows show.
    pub fn context(&self, now: i64, subtitle: String) -> Context {
        let context = self
            .material
            .context(now, subtitle)
            .state_of(&self.state, &self.material.base.document);
        match &self.result {
            Some(result) => context.state_of(&self.state, &result.document),
            None => context,
        }
    }

    fn with_record<T>(
        &self,
        compilation: &Compilation,
        f: impl FnOnce(&RoundRecord<'_>) -> T,
    ) -> T {
        let decisions = self.material.rulings();
        let record = RoundRecord {
            round: &self.material.round.label,
            compilation,
            submissions: &self.material.submissions,
            decisions: &decisions,
            result: self
                .result
                .as_ref()
                .map(|result| penholder_render::RoundResult {
                    applied: &result.applied,
                    kept: &[],
                    document: &result.document,
                }),
        };
        f(&record)
    }

    /// One row per item of every submission, given the round's compilation; a coalition's
    /// rows name whom they spoke for and their co-sponsors.
    pub fn dispositions(&self, compilation: &Compilation, context: &Context) -> Vec<Disposition> {
        let mut rows = self.with_record(compilation, |record| {
            dispositions::dispositions(record, context)
        });
        name_coalitions(&mut rows, &self.material.coalitions());
        rows
    }

    /// What became of every delegation's proposals, one report per delegation that made any.
    pub fn all_outcomes(
        &self,
        compilation: &Compilation,
        context: &Context,
    ) -> Vec<DelegationOutcomes> {
        let coalitions = self.material.coalitions();
        let mut all = self.with_record(compilation, |record| {
            dispositions::outcomes(record, context)
        });
        for outcome in &mut all {
            name_coalitions(&mut outcome.proposals, &coalitions);
        }
        all
    }

    /// What became of delegation `code`'s proposals (none, if it sent nothing), followed by
    /// those it is counted as supporting, each row under its proposer's code (`EU-3`) and
    /// saying why it is there: its groups' items (a group's support rolls down to its members,
    /// `via EU`), those of them it dissociated from (shown as dissociated: they do not speak
    /// for it), and the proposals it co-sponsored. Then its reservations on the round's text
    /// and the status of every paragraph those rows touch.
    pub fn outcomes(
        &self,
        compilation: &Compilation,
        context: &Context,
        code: &str,
    ) -> DelegationOutcomes {
        let all = self.all_outcomes(compilation, context);
        let mut own = all
            .iter()
            .find(|o| o.delegation == code)
            .cloned()
            .unwrap_or_else(|| DelegationOutcomes {
                round: self.material.round.label.clone(),
                delegation_name: context.name(code).to_string(),
                delegation: code.to_string(),
                proposals: Vec::new(),
                reservations: Vec::new(),
                paragraphs: Vec::new(),
            });
        let coalitions = self.material.coalitions();
        let items_of = |proposer: &str| {
            self.material
                .submissions
                .iter()
                .find(|s| s.delegation == proposer)
                .map_or(0, |s| s.items.len())
        };
        for (proposer, item, on_behalf) in rolled_down(&coalitions, code, items_of) {
            let row = all
                .iter()
                .filter(|o| o.delegation == proposer)
                .flat_map(|o| o.proposals.iter())
                .find(|row| row.item == item as usize);
            if let Some(row) = row {
                let mut row = row.clone();
                row.on_behalf = Some(on_behalf);
                own.proposals.push(row);
            }
        }
        let latest = self
            .result
            .as_ref()
            .map_or(&self.material.base.document, |r| &r.document);
        own.reservations =
            reservations_of(&self.state, code, self.material.round.base_version, latest);
        own.paragraphs = paragraphs_of(&own.proposals, &self.material.base.document);
        own
    }
}

/// Names, on each row of a group or of a co-sponsored item, whom it spoke for (`EU (except
/// HU)`, `FR, co-sponsored by NO`) and its co-sponsors.
pub fn name_coalitions(rows: &mut [Disposition], coalitions: &Coalitions) {
    for row in rows {
        let item = u32::try_from(row.item).unwrap_or(u32::MAX);
        if coalitions.speaks_for_others(&row.delegation, item) {
            row.spoke_for = coalitions.label(&row.delegation, item);
        }
        row.cosponsors = coalitions.cosponsors(&row.delegation, item);
    }
}

/// The items of others that count for `member` in its outcomes, in order: each item of each
/// of its groups' latest submissions (via the group, or dissociated with the member's note),
/// then each item it co-sponsored. `items_of` gives a delegation's item count in the round.
pub fn rolled_down(
    coalitions: &Coalitions,
    member: &str,
    items_of: impl Fn(&str) -> usize,
) -> Vec<(String, u32, OnBehalf)> {
    let mut out = Vec::new();
    for group in coalitions
        .groups
        .iter()
        .filter(|g| g.group != member && g.members.iter().any(|m| m == member))
    {
        if group.revision.is_none() {
            continue;
        }
        let dissociated: BTreeMap<u32, &str> = group
            .dissociations
            .iter()
            .filter(|d| d.member == member)
            .map(|d| (d.item, d.note.as_str()))
            .collect();
        let count = u32::try_from(items_of(&group.group)).unwrap_or(u32::MAX);
        for item in 1..=count {
            let on_behalf = match dissociated.get(&item) {
                Some(note) => OnBehalf {
                    relation: Relation::Dissociated,
                    proposer: group.group.clone(),
                    note: (*note).to_string(),
                },
                None => OnBehalf {
                    relation: Relation::ViaGroup,
                    proposer: group.group.clone(),
                    note: String::new(),
                },
            };
            out.push((group.group.clone(), item, on_behalf));
        }
    }
    for cosponsorship in coalitions
        .cosponsorships
        .iter()
        .filter(|c| c.cosponsors.iter().any(|d| d == member))
    {
        out.push((
            cosponsorship.proposer.clone(),
            cosponsorship.item,
            OnBehalf {
                relation: Relation::Cosponsored,
                proposer: cosponsorship.proposer.clone(),
                note: String::new(),
            },
        ));
    }
    out
}

/// `code`'s reservations on the document, seen from a round on `base_version`: entered on it
/// or later, carried from an earlier version, or withdrawn; by number. Each names its
/// paragraph in `latest` (the round's new version once consolidated, else its base).
pub fn reservations_of(
    state: &TextState,
    code: &str,
    base_version: u32,
    latest: &Document,
) -> Vec<OutcomeReservation> {
    let references = References::of(latest);
    let mut out: Vec<OutcomeReservation> = state
        .reservations
        .iter()
        .filter(|r| r.delegation == code)
        .map(|r| OutcomeReservation {
            number: r.number,
            reference: references
                .reference(r.node)
                .map_or_else(|| "(not in the text)".to_string(), |x| x.0.clone()),
            kind: r.kind.as_str().to_string(),
            mark: r.mark(),
            text: r.text.clone(),
            version: r.version,
            standing: match (&r.withdrawn, r.version < base_version) {
                (Some(_), _) => ReservationStanding::Withdrawn,
                (None, true) => ReservationStanding::Carried,
                (None, false) => ReservationStanding::Entered,
            },
            withdrawal_note: r
                .withdrawn
                .as_ref()
                .map(|w| w.note.clone())
                .unwrap_or_default(),
        })
        .collect();
    out.sort_by_key(|r| r.number);
    out
}

/// The status of each paragraph that `rows` touch (each once), in `base`'s order.
pub fn paragraphs_of(rows: &[Disposition], base: &Document) -> Vec<ParagraphState> {
    let references = References::of(base);
    let mut touched: BTreeMap<String, ParagraphState> = BTreeMap::new();
    for row in rows {
        if let Some(status) = &row.paragraph_status {
            touched
                .entry(row.reference.clone())
                .or_insert_with(|| ParagraphState {
                    reference: row.reference.clone(),
                    status: status.clone(),
                    reservations: row.reservations.clone(),
                });
        }
    }
    let order: Vec<NodeId> = base.walk().iter().map(|visit| visit.node.id).collect();
    let position = |reference: &str| {
        references
            .resolve_id_or_reference(reference)
            .and_then(|node| order.iter().position(|n| *n == node))
            .unwrap_or(usize::MAX)
    };
    // A bracket act's row names its bracket, not a paragraph: its paragraph is listed when
    // another row names it.
    let mut out: Vec<(usize, ParagraphState)> = touched
        .into_values()
        .map(|p| (position(&p.reference), p))
        .filter(|(at, _)| *at != usize::MAX)
        .collect();
    out.sort_by_key(|(at, _)| *at);
    out.into_iter().map(|(_, p)| p).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use penholder_core::coalition::{Cosponsorship, Dissociation, GroupPosition};
    use penholder_core::state::{Reservation, ReservationKind, Withdrawal};
    use penholder_core::{IdSource, Node, NodeKind};
    use penholder_render::{DispositionKind, ProposalStatus};

    fn coalitions() -> Coalitions {
        Coalitions {
            groups: vec![GroupPosition {
                group: "EU".into(),
                members: vec!["DE".into(), "FR".into()],
                revision: Some(1),
                agreed: vec!["DE".into(), "FR".into()],
                pending: Vec::new(),
                dissociations: vec![Dissociation {
                    item: 2,
                    member: "DE".into(),
                    note: "Not this wording.".into(),
                }],
            }],
            cosponsorships: vec![Cosponsorship {
                proposer: "FR".into(),
                item: 1,
                cosponsors: vec!["DE".into(), "NO".into()],
            }],
        }
    }

    fn row(delegation: &str, item: usize, reference: &str, status: Option<&str>) -> Disposition {
        Disposition {
            id: format!("{delegation}-{item}"),
            delegation: delegation.into(),
            delegation_name: delegation.into(),
            item,
            reference: reference.into(),
            kind: DispositionKind::Amendment,
            iso_type: penholder_core::negotiation::IsoCommentType::Technical,
            iso_type_given: false,
            locator: String::new(),
            item_kind: "amend".into(),
            comment: String::new(),
            proposed_change: String::new(),
            decision: String::new(),
            observations: String::new(),
            resulting_reference: String::new(),
            status: ProposalStatus::Pending,
            merged_with: Vec::new(),
            changes: Vec::new(),
            paragraph_status: status.map(str::to_string),
            reservations: Vec::new(),
            spoke_for: String::new(),
            cosponsors: Vec::new(),
            on_behalf: None,
        }
    }

    #[test]
    fn a_members_outcomes_roll_its_groups_items_down_and_add_what_it_co_sponsored() {
        let rolled = rolled_down(&coalitions(), "DE", |code| usize::from(code == "EU") * 3);
        let seen: Vec<(String, u32, Relation)> = rolled
            .iter()
            .map(|(proposer, item, b)| (proposer.clone(), *item, b.relation))
            .collect();
        assert_eq!(
            seen,
            [
                ("EU".to_string(), 1, Relation::ViaGroup),
                ("EU".to_string(), 2, Relation::Dissociated),
                ("EU".to_string(), 3, Relation::ViaGroup),
                ("FR".to_string(), 1, Relation::Cosponsored),
            ]
        );
        assert_eq!(rolled[1].2.note, "Not this wording.");
        assert_eq!(rolled[1].2.label(), "dissociated from EU's item");
        assert_eq!(rolled[0].2.label(), "via EU");
        // A group's own outcomes roll nothing down to it; a stranger to the EU gets only what
        // it co-sponsored.
        assert!(rolled_down(&coalitions(), "EU", |_| 3).is_empty());
        let norway = rolled_down(&coalitions(), "NO", |_| 3);
        assert_eq!(norway.len(), 1);
        assert_eq!(norway[0].2.relation, Relation::Cosponsored);
    }

    #[test]
    fn rows_name_whom_a_group_spoke_for_and_the_co_sponsors() {
        let mut rows = vec![
            row("EU", 1, "OP1", Some("open")),
            row("EU", 2, "OP2", Some("open")),
            row("FR", 1, "OP3", Some("open")),
            row("TR", 1, "OP3", Some("open")),
        ];
        name_coalitions(&mut rows, &coalitions());
        let named: Vec<(&str, &[String])> = rows
            .iter()
            .map(|r| (r.spoke_for.as_str(), r.cosponsors.as_slice()))
            .collect();
        let both = ["DE".to_string(), "NO".to_string()];
        assert_eq!(
            named,
            [
                ("EU (2)", &[][..]),
                ("EU (except DE)", &[][..]),
                ("FR, co-sponsored by DE, NO", &both[..]),
                ("", &[][..]),
            ]
        );
    }

    #[test]
    fn a_delegations_reservations_say_whether_entered_carried_or_withdrawn() {
        let mut ids = IdSource::new(1, 0);
        let first = Node::new(ids.next_id(), NodeKind::Operative, "First.");
        let second = Node::new(ids.next_id(), NodeKind::Operative, "Second.");
        let gone = ids.next_id();
        let (first_id, second_id) = (first.id, second.id);
        let document = Document::new("D", vec![first, second]);
        let reservation = |number, node, delegation: &str, version, withdrawn| Reservation {
            number,
            node,
            delegation: delegation.into(),
            kind: ReservationKind::Scrutiny,
            text: format!("reservation {number}"),
            version,
            entered_by: "d".into(),
            entered_at: 0,
            withdrawn,
        };
        let state = TextState {
            changes: Vec::new(),
            reservations: vec![
                reservation(1, first_id, "PL", 1, None),
                reservation(2, second_id, "PL", 2, None),
                reservation(
                    3,
                    gone,
                    "PL",
                    1,
                    Some(Withdrawal {
                        note: "Lifted.".into(),
                        withdrawn_by: "d".into(),
                        withdrawn_at: 1,
                    }),
                ),
                reservation(4, first_id, "HU", 2, None),
            ],
            adoption: None,
        };
        let mine = reservations_of(&state, "PL", 2, &document);
        let seen: Vec<(u32, &str, ReservationStanding)> = mine
            .iter()
            .map(|r| (r.number, r.reference.as_str(), r.standing))
            .collect();
        assert_eq!(
            seen,
            [
                (1, "OP1", ReservationStanding::Carried),
                (2, "OP2", ReservationStanding::Entered),
                (3, "(not in the text)", ReservationStanding::Withdrawn),
            ]
        );
        assert_eq!(mine[2].withdrawal_note, "Lifted.");
        assert_eq!(mine[0].mark, "SR (PL)");

        // The paragraphs its rows touch, each once, in the text's order; a general comment
        // and a bracket act name none.
        let mut rows = vec![
            row("PL", 1, "OP2", Some("agreed")),
            row("PL", 2, "general", None),
            row("EU", 1, "OP1", Some("open")),
            row("PL", 3, "OP2", Some("agreed")),
            row("PL", 4, "bracket B1", Some("open")),
        ];
        rows[2].reservations = vec!["SR (PL)".into()];
        let paragraphs = paragraphs_of(&rows, &document);
        assert_eq!(
            paragraphs,
            [
                ParagraphState {
                    reference: "OP1".into(),
                    status: "open".into(),
                    reservations: vec!["SR (PL)".into()],
                },
                ParagraphState {
                    reference: "OP2".into(),
                    status: "agreed".into(),
                    reservations: Vec::new(),
                },
            ]
        );
    }
}
