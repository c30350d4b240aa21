//! A round as the engine sees it: its base version, the latest revision of every submission and
//! the decisions, read from one snapshot ([`RoundMaterial::load`]); the policy applied to it;
//! the compilation's inputs; and, once consolidated, what it produced.

use crate::access::authorize;
use crate::caller::Caller;
use crate::chain::{applied_of, blame_of};
use crate::error::Error;
use crate::policy::{Action, Phase};
use crate::submission::submission_of;
use penholder_core::Version;
use penholder_core::coalition::{CoalitionAct, Coalitions};
use penholder_core::negotiation::{Decision, Delegation, Submission};
use penholder_diff::{AppliedChange, Blame, Compilation};
use penholder_render::Context;
use penholder_store::{DecisionRecord, DocumentInfo, Reader, RoundInfo, StoreError, VersionInfo};

/// Everything about a round the engine needs, read from one snapshot.
#[derive(Clone, Debug)]
pub struct RoundMaterial {
    pub process: String,
    pub round: RoundInfo,
    /// The document the round is about.
    pub document: DocumentInfo,
    pub delegations: Vec<Delegation>,
    pub base: Version,
    pub base_blame: Blame,
    pub submissions: Vec<Submission>,
    pub decisions: Vec<DecisionRecord>,
    /// Coalitions' acts in the round (agreements, dissociations, co-sponsorships).
    pub acts: Vec<CoalitionAct>,
    /// The open brackets of the base version: their proposals come back in the compilation
    /// (`bracket::with_carried`).
    pub base_brackets: Vec<penholder_core::bracket::Bracket>,
}

/// What a compilation is a pure function of: the round (hence its base version) and the
/// revision of every submission. Stored revisions never change, so a compilation kept under
/// its key never goes stale.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CompilationKey {
    pub process: String,
    pub round: u32,
    pub base_version: u32,
    pub revisions: Vec<(String, u32)>,
}

/// What a consolidated round produced: the version and the changes applied.
#[derive(Clone, Debug)]
pub struct RoundResult {
    pub version: VersionInfo,
    pub document: penholder_core::Document,
    pub applied: Vec<AppliedChange>,
}

impl RoundMaterial {
    /// Reads round `number` of `process` and all its inputs.
    pub fn load(
        reader: &Reader<'_>,
        process: &str,
        number: u32,
    ) -> Result<RoundMaterial, StoreError> {
        RoundMaterial::load_with_base(reader, process, number, None)
    }

    /// [`RoundMaterial::load`] with a version the caller keeps: `(document, version)`, taken as
    /// the round's base when it is (versions never change, so one kept is as good as one read
    /// now, and reassembling a large text from its objects costs ~5 ms per 1,000 paragraphs).
    pub fn load_with_base(
        reader: &Reader<'_>,
        process: &str,
        number: u32,
        kept: Option<(&str, Version)>,
    ) -> Result<RoundMaterial, StoreError> {
        let round = reader.round(process, number)?;
        let base = match kept {
            Some((document, version))
                if document == round.document && version.number == round.base_version =>
            {
                version
            }
            _ => reader.version(process, &round.document, round.base_version)?,
        };
        let base_blame = blame_of(reader, process, &round.document, &base)?;
        let submissions = reader
            .submissions(process, number)?
            .into_iter()
            .map(submission_of)
            .collect();
        // Only the brackets still open: agreeing a paragraph settles its brackets.
        let carried = reader.version_brackets(process, &round.document, base.number)?;
        let base_brackets = if carried.is_empty() {
            carried
        } else {
            reader
                .text_state(process, &round.document)?
                .open_brackets(&base.document, carried)
        };
        Ok(RoundMaterial {
            base_brackets,
            process: process.to_string(),
            document: reader.document(process, &round.document)?,
            delegations: reader.delegations(process)?,
            decisions: reader.decisions(process, number)?,
            acts: reader.coalition_acts(process, number)?,
            round,
            base,
            base_blame,
            submissions,
        })
    }

    /// Reads the round for `action` by `caller` at `now`: refused unless the policy allows it
    /// on the round as a whole.
    pub fn read_for(
        reader: &Reader<'_>,
        caller: &Caller,
        process: &str,
        number: u32,
        action: Action,
        now: i64,
    ) -> Result<RoundMaterial, Error> {
        let material = RoundMaterial::load(reader, process, number)?;
        material.authorize(caller, action, now)?;
        Ok(material)
    }

    /// Where the round stands at `now`.
    pub fn phase(&self, now: i64) -> Phase {
        Phase::from(self.round.state_at(now))
    }

    /// Applies the policy to `action` on this round as a whole by `caller`, at `now`.
    pub fn authorize(&self, caller: &Caller, action: Action, now: i64) -> Result<(), Error> {
        authorize(
            caller,
            &self.delegations,
            None,
            action,
            self.phase(now),
            Some(&self.round),
        )
    }

    /// The key its compilation is kept under.
    pub fn compilation_key(&self) -> CompilationKey {
        CompilationKey {
            process: self.process.clone(),
            round: self.round.number,
            base_version: self.base.number,
            revisions: self
                .submissions
                .iter()
                .map(|s| (s.delegation.clone(), s.revision))
                .collect(),
        }
    }

    /// What the round's coalitions add up to (groups' positions, co-sponsorships).
    pub fn coalitions(&self) -> Coalitions {
        Coalitions::of(&self.delegations, &self.submissions, &self.acts)
    }

    /// The generation of the compilation's inputs this material holds: its submission
    /// revisions plus its coalition acts (`Reader::compilation_inputs_count` on the database).
    pub fn generation(&self) -> u64 {
        self.submissions
            .iter()
            .map(|s| u64::from(s.revision))
            .sum::<u64>()
            + self.acts.len() as u64
    }

    /// Compiles the round on at most `threads` threads (`None`: all the cores that pay).
    pub fn compile(&self, threads: Option<usize>) -> Compilation {
        penholder_diff::compile_with_threads(
            &self.base.document,
            self.base.number,
            &crate::bracket::with_carried(
                &self.submissions,
                &self.base.document,
                &self.base_brackets,
            ),
            threads,
        )
    }

    /// The decisions as the engine takes them.
    pub fn rulings(&self) -> Vec<Decision> {
        self.decisions.iter().map(|d| d.decision.clone()).collect()
    }

    /// Once consolidated: the version the round produced and the changes applied to reach it.
    pub fn result(&self, reader: &Reader<'_>) -> Result<Option<RoundResult>, StoreError> {
        let document = &self.round.document;
        let versions = reader.versions(&self.process, document)?;
        let Some(version) = versions
            .into_iter()
            .find(|v| v.round == Some(self.round.number))
        else {
            return Ok(None);
        };
        Ok(Some(RoundResult {
            applied: applied_of(reader, &self.process, document, version.number)?,
            document: reader
                .version(&self.process, document, version.number)?
                .document,
            version,
        }))
    }

    /// The rendering context: titles, names, when each delegation submitted.
    pub fn context(&self, now: i64, subtitle: String) -> Context {
        // What no submission dates (the chair's flags) is dated by the round's opening, never
        // by `now`.
        let mut context = context_of(&self.document, &self.delegations, now)
            .subtitle(subtitle)
            .numbers_of(&self.base.document)
            .fallback_date(self.round.opens_at);
        for submission in &self.submissions {
            context = context.submitted(submission.delegation.clone(), submission.submitted_at);
        }
        context
    }
}

/// What every rendering of a document needs: its title, classification and the names of the
/// process's delegations.
pub fn context_of(document: &DocumentInfo, delegations: &[Delegation], now: i64) -> Context {
    Context::new()
        .title(document.title.clone())
        .classification(document.classification.clone().unwrap_or_default())
        .delegations_from(delegations)
        .generated_at(now)
}
