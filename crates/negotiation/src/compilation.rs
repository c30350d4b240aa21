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
use penholder_core::negotiation::RoundState;
use penholder_store::Reader;

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
