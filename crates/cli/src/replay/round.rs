//! One round on one document, phase by phase, as its participants play it: the chair opens it;
//! every delegation sends its feedback with its own token; the chair closes it and a late
//! delegation is refused; the chair reads the compilation, records the decisions and
//! consolidates into the next version; the dispositions and each delegation's report follow.
//! Every answer is checked against what was sent.

use super::fixtures::{self, FixtureRuling, RoundFixture, WireItem, long_date};
use super::http::Method;
use super::summary::{self, RoundSummary};
use super::{Replay, rfc3339, sha256_hex, version_title, views};
use anyhow::{Context, ensure};
use penholder_core::{Document, References};
use std::collections::BTreeMap;
use std::path::PathBuf;
use time::OffsetDateTime;

/// A round under way.
pub(super) struct Round<'a> {
    fixture: &'a RoundFixture,
    /// The round's number in the process.
    number: u32,
    /// `/v1/processes/{p}/rounds/{r}`.
    path: String,
    base_number: u32,
    base: Document,
    references: References,
    /// `rounds/<folder>/<document>` under `--out`.
    folder: PathBuf,
    /// Each delegation's last revision and its items, as sent.
    sent: BTreeMap<String, (u32, Vec<WireItem>)>,
    summary: RoundSummary,
}

impl Round<'_> {
    fn document(&self) -> &str {
        &self.fixture.document
    }
}

impl Replay {
    /// Plays one round from its opening to its dispositions.
    pub(super) fn round(&mut self, fixture: &RoundFixture) -> anyhow::Result<()> {
        let mut round = self.open_round(fixture)?;
        self.submit(&mut round)?;
        self.bracket_acts(fixture, &round.path, round.base_number, &mut round.sent)?;
        self.state_during_round(fixture, &round.path, &round.base, &round.sent)?;
        self.close(&mut round)?;
        let compilation = self.compile(&mut round)?;
        self.decide(&mut round, &compilation)?;
        self.resolve_carried(fixture, &round.path)?;
        self.consolidate(&mut round)?;
        self.brackets_resolved(fixture, &round.path, round.base_number + 1)?;
        self.dispositions(&round)?;
        self.state_in_outcomes(fixture, &round.path, round.number, &round.folder)?;
        self.progress(format!(
            "round {} ({}/{}): {}",
            round.number,
            fixture.folder,
            round.document(),
            round.summary.describe()
        ));
        self.summaries.push(round.summary);
        Ok(())
    }

    /// The chair opens the round now, for as long as the historical window lasted.
    fn open_round<'a>(&mut self, fixture: &'a RoundFixture) -> anyhow::Result<Round<'a>> {
        let document = fixture.document.as_str();
        let base_number = *self
            .latest
            .get(document)
            .with_context(|| format!("{}: no document {document}", fixture.path.display()))?;
        let base = self.version(document, base_number)?;
        let chair = self.chair.clone();
        let now = OffsetDateTime::now_utc();
        let body = serde_json::json!({
            "document": document,
            "base_version": base_number,
            "label": fixture.label,
            "opens_at": rfc3339(now)?,
            "closes_at": rfc3339(now + fixture.window())?,
        });
        let mut view: views::RoundView = self
            .api
            .expect(
                Method::Post,
                &format!("{}/rounds", self.p()),
                Some(&chair),
                Some(&serde_json::to_vec(&body)?),
                &[201],
            )?
            .json()?;
        let path = format!("{}/rounds/{}", self.p(), view.number);
        // A server whose clock is a little behind ours sees the round as planned: open it.
        if view.state == "planned" {
            view = self
                .api
                .expect(
                    Method::Post,
                    &format!("{path}/open"),
                    Some(&chair),
                    None,
                    &[200],
                )?
                .json()?;
        }
        ensure!(
            view.state == "open" && view.base_version == base_number,
            "round {} is {} on version {} after opening; expected open on version {base_number}",
            view.number,
            view.state,
            view.base_version
        );
        self.progress(format!(
            "{}: opened round {} ({}/{document}) on {document} {}: {:?}; historically {} to {}",
            chair.name,
            view.number,
            fixture.folder,
            version_title(base_number),
            fixture.label,
            long_date(fixture.opens_at),
            long_date(fixture.closes_at),
        ));
        Ok(Round {
            fixture,
            number: view.number,
            path,
            base_number,
            references: References::of(&base.document),
            base: base.document,
            folder: PathBuf::from("rounds").join(&fixture.folder).join(document),
            sent: BTreeMap::new(),
            summary: RoundSummary {
                folder: fixture.folder.clone(),
                document: document.to_string(),
                ..RoundSummary::default()
            },
        })
    }

    /// Every delegation sends its feedback with its own token, revisions after all first
    /// submissions; each receipt must name the revision and hash exactly what was sent.
    fn submit(&mut self, round: &mut Round<'_>) -> anyhow::Result<()> {
        for send in &round.fixture.sends {
            let wire = send
                .submission
                .to_wire(&round.base, &round.references)
                .with_context(|| format!("{}", send.file.display()))?;
            let body = serde_json::to_vec_pretty(&wire)?;
            let delegate = self.delegate(&send.delegation)?;
            let receipt: views::SubmissionReceipt = self
                .api
                .expect(
                    Method::Put,
                    &format!("{}/submissions/{}", round.path, send.delegation),
                    Some(&delegate),
                    Some(&body),
                    &[201],
                )?
                .json()?;
            ensure!(
                receipt.delegation == send.delegation && receipt.revision == send.revision,
                "{}: the server recorded {} revision {}, expected {} revision {}",
                send.file.display(),
                receipt.delegation,
                receipt.revision,
                send.delegation,
                send.revision
            );
            ensure!(
                receipt.receipt == sha256_hex(&body),
                "{}: the receipt {} is not the SHA-256 of what was sent",
                send.file.display(),
                receipt.receipt
            );
            self.progress(format!(
                "{}: {} revision {} of its feedback ({} items, {}), receipt {}",
                delegate.name,
                if send.revision == 1 { "sent" } else { "resent" },
                send.revision,
                wire.items.len(),
                send.file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                receipt.receipt.get(..12).unwrap_or(&receipt.receipt)
            ));
            round.summary.files += 1;
            round
                .sent
                .insert(send.delegation.clone(), (send.revision, wire.items));
        }
        round.summary.submissions = round.sent.len();
        for (_, items) in round.sent.values() {
            for item in items {
                *round
                    .summary
                    .items
                    .entry(summary::item_kind(item))
                    .or_insert(0) += 1;
            }
        }
        Ok(())
    }

    /// The chair closes the round; each late attempt after it is refused with 409 and a
    /// problem document, and leaves the submission list as it was.
    fn close(&mut self, round: &mut Round<'_>) -> anyhow::Result<()> {
        let chair = self.chair.clone();
        let closed: views::RoundView = self
            .api
            .expect(
                Method::Post,
                &format!("{}/close", round.path),
                Some(&chair),
                None,
                &[200],
            )?
            .json()?;
        ensure!(
            closed.state == "closed",
            "round {} is {} after the chair closed it",
            round.number,
            closed.state
        );
        self.progress(format!(
            "{}: closed round {} (historical deadline {})",
            chair.name,
            round.number,
            long_date(round.fixture.closes_at)
        ));
        let submissions = format!("{}/submissions", round.path);
        let listed: views::SubmissionList = self.api.get_json(&submissions, &chair)?;
        for late in &round.fixture.late {
            let wire = late
                .submission
                .to_wire(&round.base, &round.references)
                .with_context(|| format!("{}", late.file.display()))?;
            let delegate = self.delegate(&late.delegation)?;
            let reply = self.api.expect(
                Method::Put,
                &format!("{submissions}/{}", late.delegation),
                Some(&delegate),
                Some(&serde_json::to_vec_pretty(&wire)?),
                &[409],
            )?;
            ensure!(
                reply.is_problem(),
                "the refusal of {}'s late submission is not application/problem+json but {:?}",
                late.delegation,
                reply.content_type
            );
            let after: views::SubmissionList = self.api.get_json(&submissions, &chair)?;
            ensure!(
                after.submissions == listed.submissions,
                "the refused late submission of {} changed the submission list",
                late.delegation
            );
            round.summary.late_refused += 1;
            self.progress(format!(
                "{}: late attempt (historically {}) refused with 409: {}",
                delegate.name,
                long_date(late.at),
                reply.detail()
            ));
        }
        Ok(())
    }

    /// The chair reads the compilation, which must cover exactly the last revisions sent.
    fn compile(&mut self, round: &mut Round<'_>) -> anyhow::Result<views::CompilationView> {
        let chair = self.chair.clone();
        let path = format!("{}/compilation", round.path);
        let compilation: views::CompilationView = self.api.get_json(&path, &chair)?;
        let compiled: BTreeMap<String, u32> = compilation
            .submissions
            .iter()
            .map(|s| (s.delegation.clone(), s.revision))
            .collect();
        let expected: BTreeMap<String, u32> = round
            .sent
            .iter()
            .map(|(code, (revision, _))| (code.clone(), *revision))
            .collect();
        ensure!(
            compiled == expected,
            "round {}: the compilation covers {compiled:?}, expected the last revisions {expected:?}",
            round.number
        );
        round.summary.count_changes(&compilation.compilation);
        self.fetch_all(
            &path,
            &chair,
            &["html", "docx", "md"],
            &round.folder.join("compilation"),
            &format!(
                "compilation of round {} ({}/{})",
                round.number,
                round.fixture.folder,
                round.document()
            ),
        )?;
        let s = &round.summary;
        self.progress(format!(
            "{}: read the compilation: {} changes, {} coalesced, {} uncontested, {} contested",
            chair.name, s.changes, s.coalesced, s.uncontested, s.contested
        ));
        Ok(compilation)
    }

    /// The chair records the fixture decisions in file order; the last on a change wins.
    fn decide(
        &mut self,
        round: &mut Round<'_>,
        compilation: &views::CompilationView,
    ) -> anyhow::Result<()> {
        let chair = self.chair.clone();
        let mut rulings: BTreeMap<String, FixtureRuling> = BTreeMap::new();
        for decision in &round.fixture.decisions.decisions {
            let resolved =
                fixtures::resolve_decision(decision, &compilation.compilation, &round.references)
                    .with_context(|| {
                    format!("{}", round.fixture.path.join("decisions.json").display())
                })?;
            let body = resolved.body(decision.note.as_deref());
            self.api.expect(
                Method::Put,
                &format!("{}/decisions/{}", round.path, resolved.change),
                Some(&chair),
                Some(&serde_json::to_vec(&body)?),
                &[200, 201],
            )?;
            rulings.insert(resolved.change.clone(), decision.decision);
            self.progress(format!(
                "{}: {} change {} on {} (alternative {} of {})",
                chair.name,
                decision.decision.as_str(),
                resolved.change,
                decision.node,
                resolved.alternative,
                decision.by
            ));
        }
        for ruling in rulings.values() {
            *round.summary.decisions.entry(*ruling).or_insert(0) += 1;
        }
        Ok(())
    }

    /// The chair consolidates the round into the next version, which is then fetched in every
    /// format.
    fn consolidate(&mut self, round: &mut Round<'_>) -> anyhow::Result<()> {
        let chair = self.chair.clone();
        let next = round.base_number + 1;
        // "Rev. 1, after: Written feedback on … (deadline 31 December 2023)": the historical
        // deadline, unless the round's label already names the day.
        let deadline = long_date(round.fixture.closes_at);
        let mut label = format!("{}, after: {}", version_title(next), round.fixture.label);
        if !round.fixture.label.contains(&deadline) {
            label.push_str(&format!(" (deadline {deadline})"));
        }
        let body = serde_json::json!({
            "label": label,
            "accept_uncontested": round.fixture.decisions.accept_uncontested,
        });
        let consolidation: views::ConsolidationView = self
            .api
            .expect(
                Method::Post,
                &format!("{}/consolidate", round.path),
                Some(&chair),
                Some(&serde_json::to_vec(&body)?),
                &[201],
            )?
            .json()?;
        ensure!(
            consolidation.version.number == next,
            "round {} consolidated into version {}, expected {next}",
            round.number,
            consolidation.version.number
        );
        let s = &mut round.summary;
        s.applied = consolidation.applied.len();
        s.kept = consolidation.kept.len();
        s.result_label = version_title(next);
        s.result_version = next;
        let document = round.fixture.document.clone();
        self.latest.insert(document.clone(), next);
        self.progress(format!(
            "{}: consolidated round {} into {document} v{next} {:?}: {} changes applied, {} kept",
            chair.name, round.number, consolidation.version.label, s.applied, s.kept
        ));
        self.version_files(&document, next)?;
        self.brackets_carried(&document, next)?;
        Ok(())
    }

    /// The dispositions hold every item of every last revision and nothing of the refused late
    /// attempts, and no proposal is left neither decided nor applied; then each delegation
    /// fetches its own report.
    fn dispositions(&mut self, round: &Round<'_>) -> anyhow::Result<()> {
        let chair = self.chair.clone();
        let path = format!("{}/dispositions", round.path);
        let dispositions: views::DispositionsView = self.api.get_json(&path, &chair)?;
        for (code, (_, items)) in &round.sent {
            for index in 0..items.len() {
                ensure!(
                    dispositions
                        .rows
                        .iter()
                        .any(|row| row.delegation == *code && row.item == index + 1),
                    "round {}: item {index} of {code} is missing from the dispositions",
                    round.number
                );
            }
        }
        for late in &round.fixture.late {
            ensure!(
                !dispositions
                    .rows
                    .iter()
                    .any(|row| row.delegation == late.delegation),
                "round {}: the refused late submission of {} appears in the dispositions",
                round.number,
                late.delegation
            );
        }
        // After consolidation every proposal is settled: a change applied without a ruling
        // (accepted as uncontested) is retained; a `pending` row would be a lost proposal.
        let undecided = dispositions
            .rows
            .iter()
            .filter(|row| row.status == "pending")
            .count();
        ensure!(
            undecided == 0,
            "round {}: {undecided} proposals were neither decided nor applied",
            round.number
        );
        self.fetch_all(
            &path,
            &chair,
            &["csv", "xlsx"],
            &round.folder.join("dispositions"),
            &format!(
                "dispositions of round {} ({} rows, every proposal present)",
                round.number,
                dispositions.rows.len()
            ),
        )?;
        for code in round.sent.keys() {
            self.outcomes(&round.path, round.number, code, &round.folder)?;
        }
        Ok(())
    }
}
