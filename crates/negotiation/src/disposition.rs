//! What became of every proposal of a round: the comment-resolution table (one
//! [`Disposition`] per item of every submission, 1-based) and each delegation's outcomes.
//!
//! One model serves every edge: the JSON of the API, the CSV/XLSX/HTML tables and the CLI's
//! export are all these rows.

use crate::access::{authorize, target_exists};
use crate::caller::Caller;
use crate::error::Error;
use crate::policy::Action;
use crate::round::{RoundMaterial, RoundResult};
use penholder_diff::Compilation;
use penholder_render::dispositions::{self, RoundRecord};
use penholder_render::{Context, DelegationOutcomes, Disposition};
use penholder_store::Reader;

/// A round read for its dispositions: its inputs and, once consolidated, what it produced,
/// from one snapshot.
#[derive(Clone, Debug)]
pub struct Review {
    pub material: RoundMaterial,
    pub result: Option<RoundResult>,
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
        Ok(Review { material, result })
    }

    /// The rendering context, with `subtitle`.
    pub fn context(&self, now: i64, subtitle: String) -> Context {
        self.material.context(now, subtitle)
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

    /// One row per item of every submission, given the round's compilation.
    pub fn dispositions(&self, compilation: &Compilation, context: &Context) -> Vec<Disposition> {
        self.with_record(compilation, |record| {
            dispositions::dispositions(record, context)
        })
    }

    /// What became of every delegation's proposals, one report per delegation that made any.
    pub fn all_outcomes(
        &self,
        compilation: &Compilation,
        context: &Context,
    ) -> Vec<DelegationOutcomes> {
        self.with_record(compilation, |record| {
            dispositions::outcomes(record, context)
        })
    }

    /// What became of delegation `code`'s proposals (none, if it sent nothing), followed by
    /// those it is counted as supporting: its groups' items it did not dissociate from (a
    /// group's support rolls down to its members) and the proposals it co-sponsored, each row
    /// under its proposer's code (`EU-3`).
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
            });
        let items_of = |proposer: &str| {
            self.material
                .submissions
                .iter()
                .find(|s| s.delegation == proposer)
                .map_or(0, |s| s.items.len())
        };
        let supported = self.material.coalitions().supported_by(code, items_of);
        for (proposer, item) in supported {
            let row = all
                .iter()
                .filter(|o| o.delegation == proposer)
                .flat_map(|o| o.proposals.iter())
                .find(|row| row.item == item as usize);
            if let Some(row) = row {
                own.proposals.push(row.clone());
            }
        }
        own
    }
}
