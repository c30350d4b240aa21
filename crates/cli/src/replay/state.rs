//! The state of the text and the coalitions in the replay (issue 16, items 4 and 6), as the
//! participants of the Budapest Process would play them:
//!
//! - in the Reference Group round (Istanbul, 7 May 2024) Poland enters a scrutiny reservation on
//!   a paragraph of the declaration; it is carried by node id into Rev. 2, and Poland lifts it
//!   during the Stockholm round;
//! - before the Stockholm round opens, the chair records the paragraphs agreed ad referendum at
//!   the Reference Group (three of Rev. 2 that no Stockholm submission amends);
//! - in the Stockholm round the EU's coordinated text (its revision 2, drafted in the Working
//!   Party) is agreed by its 27 members before the deadline, and Hungary dissociates from one
//!   of its items: the compilation shows "EU (27)" and "EU (except HU)";
//! - after the last round the chair tries to adopt the declaration, is refused while a
//!   paragraph is still open, agrees it, and adopts the text.
//!
//! The round flow calls in at three points ([`Replay::state_before_round`],
//! [`Replay::state_during_round`], [`Replay::adopt_declaration`]); every step is checked
//! against the server's answer and told in the replay's summary.

use super::Replay;
use super::fixtures::{RoundFixture, WireItem};
use super::http::{Caller, Method};
use anyhow::{Context, ensure};
use penholder_core::{Document, References};
use serde::Deserialize;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// The document whose state the replay plays.
const DOCUMENT: &str = "declaration";
/// The state that enters a scrutiny reservation in the Reference Group round.
const RESERVING: &str = "PL";
/// The EU member that dissociates from one of the EU's Stockholm items.
const DISSOCIATING: &str = "HU";
/// The node of the EU's Stockholm submission Hungary does not join (its wording on State
/// actors); the first proposed change when the fixture has none there.
const DISSOCIATED_NODE: &str = "PP12";

fn is_round(fixture: &RoundFixture, prefix: &str) -> bool {
    fixture.document == DOCUMENT && fixture.folder.starts_with(prefix)
}

#[derive(Deserialize)]
struct StatusView {
    version: u32,
    nodes: Vec<NodeStatusView>,
    reservations: Vec<ReservationView>,
}

#[derive(Deserialize)]
struct NodeStatusView {
    reference: String,
    status: String,
}

#[derive(Deserialize)]
struct ReservationView {
    number: u32,
    reference: Option<String>,
    delegation: String,
    mark: String,
    standing: bool,
}

#[derive(Deserialize)]
struct GroupView {
    group: String,
    members: Vec<String>,
    agreed: Vec<String>,
    dissociations: Vec<DissociationView>,
}

#[derive(Deserialize)]
struct DissociationView {
    item: u32,
    member: String,
}

#[derive(Deserialize)]
struct CoalitionsView {
    groups: Vec<GroupView>,
}

/// The nodes a round's submissions amend or delete (by reference in its base).
fn touched(items: impl IntoIterator<Item = WireItem>) -> BTreeSet<String> {
    items
        .into_iter()
        .filter_map(|item| match item {
            WireItem::Amend { node, .. } | WireItem::Delete { node, .. } => Some(node),
            _ => None,
        })
        .collect()
}

impl Replay {
    fn document_path(&self) -> String {
        format!("{}/documents/{DOCUMENT}", self.p())
    }

    fn text_status(&self) -> anyhow::Result<StatusView> {
        self.api
            .get_json(&format!("{}/status", self.document_path()), &self.chair)
    }

    fn set_status(&mut self, reference: &str, status: &str, note: &str) -> anyhow::Result<()> {
        let chair = self.chair.clone();
        self.api.expect(
            Method::Put,
            &format!("{}/status/{reference}", self.document_path()),
            Some(&chair),
            Some(&serde_json::to_vec(
                &json!({"status": status, "note": note}),
            )?),
            &[200],
        )?;
        Ok(())
    }

    /// Before the Stockholm round on the declaration opens: the paragraphs agreed ad ref. at
    /// the Reference Group, and the reservation entered there found carried into Rev. 2.
    pub(super) fn state_before_round(&mut self, fixture: &RoundFixture) -> anyhow::Result<()> {
        if !is_round(fixture, "3-") {
            return Ok(());
        }
        let number = *self.latest.get(DOCUMENT).context("no declaration")?;
        let base = self.version(DOCUMENT, number)?.document;
        let references = References::of(&base);
        let mut amended = BTreeSet::new();
        for send in &fixture.sends {
            amended.extend(touched(send.submission.to_wire(&base, &references)?.items));
        }
        // A status covers what stands under the paragraph: none of it may be amended.
        let untouched = |id: penholder_core::NodeId| {
            fn all(node: &penholder_core::Node, out: &mut Vec<penholder_core::NodeId>) {
                out.push(node.id);
                for child in &node.children {
                    all(child, out);
                }
            }
            let mut ids = Vec::new();
            if let Some(node) = base.find(id) {
                all(node, &mut ids);
            }
            ids.iter().all(|id| {
                references
                    .reference(*id)
                    .is_none_or(|r| !amended.contains(r.as_str()))
            })
        };
        let agreed: Vec<String> = references
            .in_order()
            .iter()
            .filter(|(id, r)| {
                r.as_str().starts_with("OP") && !r.as_str().contains('.') && untouched(*id)
            })
            .map(|(_, r)| r.as_str().to_string())
            .take(3)
            .collect();
        ensure!(
            !agreed.is_empty(),
            "no operative paragraph of Rev. 2 is left unamended by the Stockholm round"
        );
        for reference in &agreed {
            self.set_status(
                reference,
                "agreed_ad_ref",
                "ad ref., Reference Group, Istanbul, 7 May 2024",
            )?;
        }
        let chair = self.chair.name.clone();
        self.progress(format!(
            "{chair}: recorded {} of the declaration as agreed ad ref. at the Reference Group",
            agreed.join(", ")
        ));
        self.state_notes.push(format!(
            "Agreed ad ref. at the Reference Group (Istanbul, 7 May 2024): {} of Rev. 2",
            agreed.join(", ")
        ));
        // The reservation entered in the Reference Group round stands on Rev. 2.
        let status = self.text_status()?;
        let carried = status
            .reservations
            .iter()
            .find(|r| r.delegation == RESERVING && r.standing)
            .with_context(|| {
                format!("{RESERVING}'s reservation is not carried into version {number}")
            })?;
        ensure!(
            status.version == number && carried.reference.is_some(),
            "{RESERVING}'s reservation does not stand on a node of version {number}"
        );
        self.progress(format!(
            "{chair}: {} still stands on {} of Rev. 2",
            carried.mark,
            carried.reference.as_deref().unwrap_or("?")
        ));
        Ok(())
    }

    /// After a round's submissions, before it closes: in the Reference Group round Poland's
    /// scrutiny reservation; in the Stockholm round the EU's coordination (its members agree to
    /// its common text; Hungary dissociates from one item) and Poland's lifting of its
    /// reservation.
    pub(super) fn state_during_round(
        &mut self,
        fixture: &RoundFixture,
        round_path: &str,
        base: &Document,
        sent: &BTreeMap<String, (u32, Vec<WireItem>)>,
    ) -> anyhow::Result<()> {
        if is_round(fixture, "2-") {
            return self.enter_reservation(base, sent);
        }
        if !is_round(fixture, "3-") {
            return Ok(());
        }
        self.coordinate_eu(fixture, round_path, sent)?;
        self.lift_reservation()
    }

    /// Poland enters a scrutiny reservation on the first operative paragraph nobody proposes to
    /// delete in the Reference Group round (so that it survives into Rev. 2).
    fn enter_reservation(
        &mut self,
        base: &Document,
        sent: &BTreeMap<String, (u32, Vec<WireItem>)>,
    ) -> anyhow::Result<()> {
        let deleted: BTreeSet<String> = sent
            .values()
            .flat_map(|(_, items)| items.iter())
            .filter_map(|item| match item {
                WireItem::Delete { node, .. } => Some(node.clone()),
                _ => None,
            })
            .collect();
        let references = References::of(base);
        let node = references
            .in_order()
            .iter()
            .map(|(_, r)| r.as_str().to_string())
            .find(|r| r.starts_with("OP") && !r.contains('.') && !deleted.contains(r))
            .context("no operative paragraph to reserve")?;
        let delegate = self.delegate(RESERVING)?;
        let reply = self.api.expect(
            Method::Post,
            &format!("{}/reservations", self.document_path()),
            Some(&delegate),
            Some(&serde_json::to_vec(&json!({
                "node": node,
                "kind": "scrutiny",
                "text": "Parliamentary scrutiny of the commitments on return and readmission is pending in Warsaw.",
            }))?),
            &[201],
        )?;
        let reservation: ReservationView = reply.json()?;
        self.progress(format!(
            "{}: entered scrutiny reservation no. {} ({}) on {node} of Rev. 1",
            delegate.name, reservation.number, reservation.mark
        ));
        self.state_notes.push(format!(
            "{} on {node}: entered in the Reference Group round on Rev. 1",
            reservation.mark
        ));
        Ok(())
    }

    /// Poland lifts its reservation during the Stockholm round.
    fn lift_reservation(&mut self) -> anyhow::Result<()> {
        let status = self.text_status()?;
        let reservation = status
            .reservations
            .iter()
            .find(|r| r.delegation == RESERVING && r.standing)
            .context("no standing reservation to lift")?;
        let delegate = self.delegate(RESERVING)?;
        self.api.expect(
            Method::Post,
            &format!(
                "{}/reservations/{}/withdraw",
                self.document_path(),
                reservation.number
            ),
            Some(&delegate),
            Some(&serde_json::to_vec(
                &json!({"note": "Scrutiny completed: the Sejm's committee raised no objection."}),
            )?),
            &[200],
        )?;
        let (mark, on) = (
            reservation.mark.clone(),
            reservation.reference.clone().unwrap_or_default(),
        );
        self.progress(format!(
            "{}: lifted {mark} on {on} (Rev. 2) in the Stockholm round",
            delegate.name
        ));
        self.state_notes.push(format!(
            "{mark} on {on}: carried from round 2 into Rev. 2 by node id, lifted in round 3"
        ));
        Ok(())
    }

    /// The EU coordination step: the EU's common text (its last revision, drafted in the
    /// Working Party) is agreed by each member before the deadline; Hungary dissociates from
    /// one item. The coalitions view then says so.
    fn coordinate_eu(
        &mut self,
        fixture: &RoundFixture,
        round_path: &str,
        sent: &BTreeMap<String, (u32, Vec<WireItem>)>,
    ) -> anyhow::Result<()> {
        let Some((revision, items)) = sent.get("EU") else {
            return Ok(());
        };
        let item = items
            .iter()
            .position(|i| matches!(i, WireItem::Amend { node, .. } if node == DISSOCIATED_NODE))
            .or_else(|| {
                items
                    .iter()
                    .position(|i| !matches!(i, WireItem::Comment { .. }))
            })
            .context("the EU's submission proposes no change")?
            + 1;
        let chair = self.chair.clone();
        let before: CoalitionsView = self
            .api
            .get_json(&format!("{round_path}/coalitions"), &chair)?;
        let members = before
            .groups
            .iter()
            .find(|g| g.group == "EU")
            .map(|g| g.members.clone())
            .context("the process has no EU group")?;
        for member in &members {
            let delegate = self.delegate(member)?;
            self.api.expect(
                Method::Post,
                &format!("{round_path}/submissions/EU/agree"),
                Some(&delegate),
                Some(b"{}"),
                &[201],
            )?;
        }
        self.progress(format!(
            "EU coordination: {} members agreed to the EU's common text (revision {revision}) before the deadline",
            members.len()
        ));
        let hungary = self.delegate(DISSOCIATING)?;
        self.api.expect(
            Method::Post,
            &format!("{round_path}/submissions/EU/items/{item}/dissociate"),
            Some(&hungary),
            Some(&serde_json::to_vec(&json!({
                "note": "Hungary does not associate itself with this wording.",
            }))?),
            &[201],
        )?;
        self.progress(format!(
            "{}: dissociated from item {item} of the EU's submission",
            hungary.name
        ));
        let after: CoalitionsView = self
            .api
            .get_json(&format!("{round_path}/coalitions"), &chair)?;
        let eu = after
            .groups
            .iter()
            .find(|g| g.group == "EU")
            .context("the EU's position")?;
        ensure!(
            eu.agreed.len() == members.len()
                && eu
                    .dissociations
                    .iter()
                    .any(|d| d.member == DISSOCIATING && d.item as usize == item),
            "the coalitions view does not show the EU's coordination"
        );
        let reply = self.api.get(&format!("{round_path}/coalitions"), &chair)?;
        let stem = PathBuf::from("rounds")
            .join(&fixture.folder)
            .join(DOCUMENT)
            .join("coalitions");
        self.write_file(&stem, "json", &reply.body)?;
        self.record(
            &stem,
            vec!["json".into()],
            format!("coalitions of the Stockholm round: EU (27), EU (except {DISSOCIATING}) on EU-{item}"),
            false,
        );
        self.state_notes.push(format!(
            "EU coordination in round 3: {} members agreed to revision {revision} of the EU's text before the deadline; {DISSOCIATING} dissociated from EU-{item} (shown as \"EU (except {DISSOCIATING})\", the EU's other items as \"EU ({})\")",
            eu.agreed.len(),
            members.len()
        ));
        Ok(())
    }

    /// After the Stockholm round's dispositions: Hungary's outcomes roll the EU's items down to
    /// it, the one it dissociated from shown as such; Poland, which sent nothing of its own
    /// (the EU spoke for it), fetches its outcomes too: the EU's items via the EU, and its
    /// scrutiny reservation, carried from round 2 and lifted in this round.
    pub(super) fn state_in_outcomes(
        &mut self,
        fixture: &RoundFixture,
        round_path: &str,
        round: u32,
        folder: &std::path::Path,
    ) -> anyhow::Result<()> {
        if !is_round(fixture, "3-") {
            return Ok(());
        }
        let hungary = self.delegate(DISSOCIATING)?;
        let outcomes: serde_json::Value = self
            .api
            .get_json(&format!("{round_path}/outcomes/{DISSOCIATING}"), &hungary)?;
        let relations = |outcomes: &serde_json::Value, relation: &str| -> Vec<String> {
            outcomes["proposals"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["on_behalf"]["relation"] == relation)
                .filter_map(|p| p["id"].as_str().map(str::to_string))
                .collect()
        };
        let dissociated = relations(&outcomes, "dissociated");
        let via_eu = relations(&outcomes, "via_group");
        ensure!(
            dissociated.len() == 1 && !via_eu.is_empty(),
            "{DISSOCIATING}'s outcomes do not roll the EU's items down: dissociated \
             {dissociated:?}, via the EU {via_eu:?}"
        );
        self.outcomes(round_path, round, RESERVING, folder)?;
        let poland = self.delegate(RESERVING)?;
        let outcomes: serde_json::Value = self
            .api
            .get_json(&format!("{round_path}/outcomes/{RESERVING}"), &poland)?;
        let lifted = outcomes["reservations"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["standing"] == "withdrawn" && r["kind"] == "scrutiny")
            .with_context(|| {
                format!(
                    "{RESERVING}'s outcomes of round {round} do not list its lifted reservation"
                )
            })?;
        let on = lifted["reference"].as_str().unwrap_or_default().to_string();
        let via = relations(&outcomes, "via_group").len();
        ensure!(
            via > 0,
            "{RESERVING}'s outcomes hold none of the EU's items"
        );
        self.state_notes.push(format!(
            "Outcomes of round 3: {DISSOCIATING}'s show {} via the EU and {} dissociated; \
             {RESERVING}'s show {via} of the EU's items via the EU and its scrutiny \
             reservation on {on}, withdrawn",
            via_eu.len(),
            dissociated.join(", ")
        ));
        Ok(())
    }

    /// After the last round: the chair agrees every paragraph but one and tries to adopt the
    /// declaration (refused: a paragraph is still open), agrees the last one and adopts it.
    pub(super) fn adopt_declaration(&mut self) -> anyhow::Result<()> {
        let chair: Caller = self.chair.clone();
        let status = self.text_status()?;
        let open: Vec<String> = status
            .nodes
            .iter()
            .filter(|n| n.status != "agreed")
            .map(|n| n.reference.clone())
            .collect();
        let (last, rest) = open
            .split_last()
            .context("every paragraph is agreed already")?;
        for reference in rest {
            self.set_status(
                reference,
                "agreed",
                "Senior Officials Meeting, Stockholm, 27 June 2024",
            )?;
        }
        let adopt = format!("{}/adopt", self.document_path());
        let body = serde_json::to_vec(&json!({
            "note": "Adopted at the Ministerial Conference, Budapest, November 2024.",
        }))?;
        let refused = self
            .api
            .expect(Method::Post, &adopt, Some(&chair), Some(&body), &[409])?;
        ensure!(
            refused.is_problem() && refused.detail().contains(last.as_str()),
            "the refused adoption does not name {last}: {}",
            refused.detail()
        );
        self.progress(format!(
            "{}: adoption of the declaration refused while {last} is still open ({} others agreed)",
            chair.name,
            rest.len()
        ));
        self.set_status(last, "agreed", "Ministerial Conference, Budapest")?;
        self.api
            .expect(Method::Post, &adopt, Some(&chair), Some(&body), &[201])?;
        let version = status.version;
        self.progress(format!(
            "{}: adopted the declaration at version {version}",
            chair.name
        ));
        let reply = self
            .api
            .get(&format!("{}/status", self.document_path()), &chair)?;
        let stem = PathBuf::from(DOCUMENT).join("state");
        self.write_file(&stem, "json", &reply.body)?;
        let annex = format!("{}/reservations", self.document_path());
        let stem_annex = PathBuf::from(DOCUMENT).join("reservations");
        for format in ["json", "html"] {
            let reply = self.api.get(&format!("{annex}?format={format}"), &chair)?;
            self.write_file(&stem_annex, format, &reply.body)?;
        }
        self.record(
            &stem,
            vec!["json".into()],
            "state of the declaration: every paragraph adopted".into(),
            false,
        );
        self.record(
            &stem_annex,
            vec!["json".into(), "html".into()],
            "reservations annex of the declaration".into(),
            false,
        );
        self.state_notes.push(format!(
            "Adoption of the declaration: refused once ({last} still open), then adopted at version {version}"
        ));
        Ok(())
    }
}
