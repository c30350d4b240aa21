//! Reading a round's compilation: who may, and how fresh an answer must be.
//!
//! A server may keep a compilation it computed (see the server's live compilations): during a
//! deadline rush the inputs change thousands of times a second and a large round takes a
//! tenth of a second to compile. The rules of when a kept answer may be served live here, so
//! every edge and every instance serves by the same ones; the round's revision count, read from
//! the database, tells any instance whether a kept answer is exact.

use crate::caller::Caller;
use crate::error::Error;
use crate::lifecycle::Scope;
use crate::policy::Action;
use crate::round::{CompilationKey, RoundMaterial};
use penholder_core::negotiation::RoundState;
use penholder_diff::Compilation;
use penholder_store::Reader;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

/// How old (ms) a kept compilation of an open round may be and still be served.
pub const MAX_STALENESS_MS: i64 = 2_000;

/// What the caller asks of the answer's freshness.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// A kept answer of an open round up to [`MAX_STALENESS_MS`] old will do.
    Recent,
    /// Only an answer compiled from the latest revisions (HTTP's `Cache-Control: no-cache`).
    Exact,
}

/// Where a round's inputs stand, as a reader of its compilation needs to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inputs {
    /// The round's state at the time of reading.
    pub state: RoundState,
    /// How many submission revisions and coalition acts the round holds (grows with every
    /// submission and every agreement, dissociation or co-sponsorship).
    pub revisions: u64,
}

/// Checks that the caller may read the round's compilation at `now`, and where its inputs
/// stand (two index reads: cheap enough for every request).
pub fn inputs(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    round: u32,
    now: i64,
) -> Result<Inputs, Error> {
    let scope = Scope::authorized(
        r,
        caller,
        process,
        round,
        None,
        Action::ReadCompilation,
        now,
    )?;
    Ok(Inputs {
        state: scope.round.state_at(now),
        revisions: r.compilation_inputs_count(process, round)?,
    })
}

/// Whether a kept answer compiled from `kept_revisions` revisions, taken at `taken_at`, may
/// answer a reader who found `inputs` at `now`: exact, or (an open round, a caller who accepts
/// it) at most [`MAX_STALENESS_MS`] behind. The answer names the revisions it compiled and
/// when, so a reader always knows what it got.
pub fn serves(
    kept_revisions: u64,
    taken_at: i64,
    inputs: Inputs,
    freshness: Freshness,
    now: i64,
) -> bool {
    kept_revisions == inputs.revisions
        || (freshness == Freshness::Recent
            && inputs.state == RoundState::Open
            && kept_revisions < inputs.revisions
            && now - taken_at <= MAX_STALENESS_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_answer_serves_when_exact_or_recent_on_an_open_round() {
        let open = Inputs {
            state: RoundState::Open,
            revisions: 10,
        };
        let closed = Inputs {
            state: RoundState::Closed,
            ..open
        };
        assert!(serves(10, 0, closed, Freshness::Exact, 60_000), "exact");
        assert!(serves(9, 1_000, open, Freshness::Recent, 2_500), "recent");
        assert!(!serves(9, 0, open, Freshness::Recent, 2_500), "too old");
        assert!(!serves(9, 1_000, open, Freshness::Exact, 1_001), "no-cache");
        assert!(
            !serves(9, 1_000, closed, Freshness::Recent, 1_001),
            "closed"
        );
        assert!(!serves(11, 1_000, open, Freshness::Recent, 1_001), "ahead?");
    }
}

/// The few most recent compilations, by their exact inputs ([`CompilationKey`]), shared by every
/// edge of one server: the chair reads a compilation part by part, then decides on its changes
/// one by one, and each page and each decision needs the same compilation. A key names every
/// submission's revision, and stored revisions never change, so a kept compilation never goes
/// stale; a round with a new revision has a new key.
pub struct KeptCompilations {
    entries: Mutex<VecDeque<(CompilationKey, Arc<Compilation>)>>,
    capacity: usize,
}

impl KeptCompilations {
    /// Keeps at most `capacity` compilations (a large round's takes some 20 MB).
    pub fn new(capacity: usize) -> KeptCompilations {
        KeptCompilations {
            entries: Mutex::new(VecDeque::with_capacity(capacity)),
            capacity,
        }
    }

    /// The round's compilation: the kept one if its inputs are the same, otherwise compiled on
    /// at most `threads` threads (`None`: all the cores that pay) and kept.
    pub fn of(&self, material: &RoundMaterial, threads: Option<usize>) -> Arc<Compilation> {
        self.kept_or(material.compilation_key(), || material.compile(threads))
    }

    /// The compilation kept under `key`, or the one `compile` computes, then kept. Compiled
    /// outside the lock: two readers of one new round may both compile it (to the same result),
    /// but no reader of another round waits for it.
    pub fn kept_or(
        &self,
        key: CompilationKey,
        compile: impl FnOnce() -> Compilation,
    ) -> Arc<Compilation> {
        let lock = || self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, found)) = lock().iter().find(|(k, _)| *k == key) {
            return found.clone();
        }
        let compiled = Arc::new(compile());
        let evicted: Vec<_> = {
            let mut entries = lock();
            if entries.iter().any(|(k, _)| *k == key) {
                Vec::new()
            } else {
                // A round's revisions only accumulate: its earlier compilations are superseded
                // (a deadline rush's live compilation would otherwise fill every place, each a
                // large round's, for the next request to free).
                let (superseded, mut kept): (VecDeque<_>, VecDeque<_>) =
                    std::mem::take(&mut *entries)
                        .into_iter()
                        .partition(|(k, _)| k.process == key.process && k.round == key.round);
                kept.push_front((key, compiled.clone()));
                let keep = kept.len().min(self.capacity);
                let mut evicted: Vec<_> = kept.drain(keep..).collect();
                evicted.extend(superseded);
                *entries = kept;
                evicted
            }
        };
        drop_aside(evicted);
        compiled
    }
}

/// Drops what was evicted on a thread of its own: freeing a large round's compilation (millions
/// of small allocations, some 20 MB) took 10–15 ms, which the request that evicted it paid,
/// after a deadline rush whose live compilations filled the kept ones.
fn drop_aside<T: Send + 'static>(evicted: Vec<T>) {
    if evicted.is_empty() {
        return;
    }
    // Should the system refuse a thread, the closure, and what it holds, is dropped here.
    let _ = std::thread::Builder::new()
        .name("penholder-drop".into())
        .spawn(move || drop(evicted));
}

impl Default for KeptCompilations {
    fn default() -> KeptCompilations {
        KeptCompilations::new(8)
    }
}

#[cfg(test)]
mod kept_tests {
    use super::*;

    /// Round `round` of process bp compiled with HU's revision `revision`.
    fn key(round: u32, revision: u32) -> CompilationKey {
        CompilationKey {
            process: "bp".into(),
            round,
            base_version: 1,
            revisions: vec![("HU".into(), revision)],
        }
    }

    fn empty() -> Compilation {
        penholder_diff::compile_document(&penholder_core::Document::new("T", Vec::new()), 1, &[])
    }

    #[test]
    fn a_rounds_new_compilation_supersedes_its_earlier_ones_and_no_other_rounds() {
        let kept = KeptCompilations::new(8);
        let first = kept.kept_or(key(1, 1), empty);
        let other = kept.kept_or(key(2, 1), empty);
        kept.kept_or(key(1, 2), empty);
        assert!(
            !Arc::ptr_eq(&first, &kept.kept_or(key(1, 1), empty)),
            "superseded by the round's next revision"
        );
        assert!(
            Arc::ptr_eq(&other, &kept.kept_or(key(2, 1), empty)),
            "another round's is kept"
        );
    }

    #[test]
    fn a_compilation_is_kept_under_its_inputs_and_a_new_revision_is_compiled_anew() {
        let kept = KeptCompilations::new(2);
        let mut computed = 0;
        let mut compile = |kept: &KeptCompilations, revision| {
            kept.kept_or(key(1, revision), || {
                computed += 1;
                empty()
            })
        };
        let first = compile(&kept, 1);
        let again = compile(&kept, 1);
        assert!(Arc::ptr_eq(&first, &again));
        compile(&kept, 2);
        compile(&kept, 3);
        let evicted = compile(&kept, 1);
        assert!(
            !Arc::ptr_eq(&first, &evicted),
            "at most two kept: the oldest went"
        );
        assert_eq!(computed, 4, "each new revision is a new compilation");
    }
}
