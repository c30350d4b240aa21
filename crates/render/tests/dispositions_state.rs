//! Snapshots of the dispositions and outcomes when the negotiation's state is known (issue 16,
//! items 3 to 5): a paragraph agreed ad ref., reservations standing and withdrawn, a group's
//! row that spoke for its members but one, a co-sponsored proposal, and a member's outcomes
//! with its group's items rolled down and its reservations. Review changes to the `.snap`
//! files as you would review the table itself.

mod common;

use common::*;
use penholder_core::state::{
    ParagraphStatus, Reservation, ReservationKind, StatusChange, TextState, Withdrawal,
};
use penholder_render::dispositions::{
    self, OnBehalf, OutcomeReservation, ParagraphState, Relation, ReservationStanding,
};
use penholder_render::{Context, DelegationOutcomes, Disposition, html};

/// The round's text state: OP3 agreed ad ref. at the Reference Group; DE's scrutiny
/// reservation standing on OP2, its linguistic one on PP1 withdrawn.
fn state() -> TextState {
    let (_, ids) = zero_draft();
    let reservation = |number, node, kind, text: &str, withdrawn| Reservation {
        number,
        node,
        delegation: "DE".into(),
        kind,
        text: text.into(),
        version: 1,
        entered_by: "de-delegate".into(),
        entered_at: FIRST_SUBMISSION,
        withdrawn,
    };
    TextState {
        changes: vec![StatusChange {
            node: ids.op3,
            status: ParagraphStatus::AgreedAdRef,
            note: "Reference Group, 7 May 2024".into(),
            version: 1,
            set_by: "chair".into(),
            set_at: CONSOLIDATED,
            sequence: 1,
        }],
        reservations: vec![
            reservation(
                1,
                ids.op2,
                ReservationKind::Scrutiny,
                "The Bundestag examines the commitments.",
                None,
            ),
            reservation(
                2,
                ids.pp1,
                ReservationKind::Linguistic,
                "The German version is checked.",
                Some(Withdrawal {
                    note: "Checked.".into(),
                    withdrawn_by: "de-delegate".into(),
                    withdrawn_at: CONSOLIDATED,
                }),
            ),
        ],
        adoption: None,
    }
}

fn stated_context() -> Context {
    let n = negotiation();
    context().state_of(&state(), &n.v1.document)
}

/// The rows as the application layer hands them out: the round's rows with the coalitions
/// named (FR's first item spoken for the EU but HU, AT's co-sponsored by DE).
fn rows() -> Vec<Disposition> {
    let n = negotiation();
    let mut rows = dispositions::dispositions(&n.record(), &stated_context());
    for row in &mut rows {
        match row.id.as_str() {
            "FR-1" => row.spoke_for = "EU (except HU)".into(),
            "AT-1" => {
                row.spoke_for = "AT, co-sponsored by DE".into();
                row.cosponsors = vec!["DE".into()];
            }
            _ => {}
        }
    }
    rows
}

#[test]
fn every_row_names_its_paragraphs_status_and_reservations() {
    let rows = rows();
    let on = |reference: &str| {
        rows.iter()
            .filter(|r| r.reference == reference)
            .collect::<Vec<_>>()
    };
    assert!(!on("OP3").is_empty() && !on("OP2").is_empty());
    for row in on("OP3") {
        assert_eq!(row.paragraph_status.as_deref(), Some("agreed_ad_ref"));
        assert!(row.reservations.is_empty());
    }
    for row in on("OP2") {
        assert_eq!(row.paragraph_status.as_deref(), Some("open"));
        assert_eq!(row.reservations, ["SR (DE)"], "only the standing one");
    }
    for row in rows.iter().filter(|r| r.reference == "general") {
        assert_eq!(
            row.paragraph_status, None,
            "a general comment has no paragraph"
        );
    }
}

#[test]
fn dispositions_csv_with_state() {
    let csv = dispositions::csv(&rows()).expect("csv");
    insta::assert_snapshot!(String::from_utf8(csv).expect("utf-8"));
}

#[test]
fn dispositions_html_with_state() {
    let page = html::dispositions(&rows(), &stated_context());
    let table = page
        .split("<table class=\"dispositions\">")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .expect("the table");
    insta::assert_snapshot!(table.replace("</tr>", "</tr>\n"));
}

/// DE's outcomes: its own proposals, FR's first item via the EU, another dissociated, AT's
/// co-sponsored; its two reservations; where the paragraphs stand.
fn outcomes_of_germany() -> DelegationOutcomes {
    let rows = rows();
    let mut proposals: Vec<Disposition> = rows
        .iter()
        .filter(|r| r.delegation == "DE")
        .cloned()
        .collect();
    let mut behalf = |id: &str, relation, proposer: &str, note: &str| {
        let mut row = rows
            .iter()
            .find(|r| r.id == id)
            .cloned()
            .unwrap_or_else(|| panic!("no row {id}"));
        row.on_behalf = Some(OnBehalf {
            relation,
            proposer: proposer.into(),
            note: note.into(),
        });
        proposals.push(row);
    };
    behalf("FR-1", Relation::ViaGroup, "FR", "");
    behalf(
        "FR-2",
        Relation::Dissociated,
        "FR",
        "Germany keeps the base wording.",
    );
    behalf("AT-1", Relation::Cosponsored, "AT", "");
    DelegationOutcomes {
        round: ROUND.into(),
        delegation: "DE".into(),
        delegation_name: "Germany".into(),
        proposals,
        reservations: vec![
            OutcomeReservation {
                number: 1,
                reference: "OP2".into(),
                kind: "scrutiny".into(),
                mark: "SR (DE)".into(),
                text: "The Bundestag examines the commitments.".into(),
                version: 1,
                standing: ReservationStanding::Entered,
                withdrawal_note: String::new(),
            },
            OutcomeReservation {
                number: 2,
                reference: "PP1".into(),
                kind: "linguistic".into(),
                mark: "LR (DE)".into(),
                text: "The German version is checked.".into(),
                version: 1,
                standing: ReservationStanding::Withdrawn,
                withdrawal_note: "Checked.".into(),
            },
        ],
        paragraphs: vec![
            ParagraphState {
                reference: "OP2".into(),
                status: "open".into(),
                reservations: vec!["SR (DE)".into()],
            },
            ParagraphState {
                reference: "OP3".into(),
                status: "agreed_ad_ref".into(),
                reservations: Vec::new(),
            },
        ],
    }
}

#[test]
fn outcomes_html_with_state() {
    let page = html::outcomes(&[outcomes_of_germany()], &stated_context());
    let section = page
        .split("<section class=\"outcomes\"")
        .nth(1)
        .and_then(|rest| rest.split("</section>").next())
        .expect("the section");
    insta::assert_snapshot!(
        section
            .replace("</tr>", "</tr>\n")
            .replace("</h3>", "</h3>\n")
    );
}

#[test]
fn outcomes_json_with_state() {
    let json = dispositions::outcomes_json(&[outcomes_of_germany()]).expect("json");
    let back: Vec<DelegationOutcomes> = serde_json::from_str(&json).expect("read back");
    assert_eq!(back, [outcomes_of_germany()], "the JSON model reads back");
    let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(
        value[0]["proposals"]
            .as_array()
            .expect("proposals")
            .iter()
            .filter_map(|p| p["on_behalf"]["relation"].as_str())
            .collect::<Vec<_>>(),
        ["via_group", "dissociated", "cosponsored"]
    );
    assert_eq!(value[0]["reservations"][1]["standing"], "withdrawn");
}
