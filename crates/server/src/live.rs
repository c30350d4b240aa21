//! The live compilation of a round that someone is watching.
//!
//! During a deadline rush the compilation's inputs change with every submission (thousands a
//! second), and compiling a large round afresh (4,000 amendments: reading 200 submissions,
//! compiling, writing 8 MB of JSON) costs about a tenth of a second of CPU, which a request
//! cannot wait for on a machine busy storing submissions. So the first `GET` of a round's JSON
//! compilation starts a watcher: while the round is open and someone read its compilation in
//! the last [`WATCH_FOR_MS`], the watcher recompiles it whenever it changed, at most every
//! [`REFRESH_EVERY`], and keeps the serialized answer. A `GET` then gets:
//! - the kept answer when it is exact (no revision stored since; the round's revision count,
//!   one index scan, tells);
//! - the kept answer when the round is open and the answer was taken at most
//!   [`MAX_STALENESS_MS`](penholder_negotiation::compilation::MAX_STALENESS_MS)
//!   ago, unless the request says `Cache-Control: no-cache`: the answer names every revision it
//!   compiled and when it was taken (`compiled_at`), and the next one is on its way;
//! - otherwise a fresh compilation, computed once however many requests wait for it.
//!
//! Decisions and consolidation never read a kept answer: they compile the exact inputs.

use crate::error::ApiError;
use crate::pieces::JsonPieces;
use crate::routes::blocking;
use crate::state::AppState;
use crate::wire::{CompilationView, SubmissionRef};
use penholder_core::negotiation::RoundState;
use penholder_diff::Compilation;
use penholder_negotiation::RoundMaterial;
use penholder_negotiation::compilation::{self, Inputs};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

pub use penholder_negotiation::compilation::Freshness;
/// How often a watcher looks for new submissions (a recompilation of a large round costs about
/// a tenth of a second of one core: at most a tenth of a core, during a rush, per watched round).
pub const REFRESH_EVERY: Duration = Duration::from_secs(1);
/// How long (ms) a round stays watched after its compilation was last read.
pub const WATCH_FOR_MS: i64 = 60_000;
/// The most rounds watched at once (each keeps one serialized compilation).
const ROUNDS_KEPT: usize = 8;

/// The round's compilation, kept by the state for the next request on the same inputs, on at
/// most `threads` threads (`None`: all the cores that pay). Background work takes one, leaving
/// the other cores to the requests.
pub fn compile(
    material: &RoundMaterial,
    state: &AppState,
    threads: Option<usize>,
) -> Arc<Compilation> {
    state.compilations().of(material, threads)
}

/// The JSON view of a round's compilation, from inputs read at `taken_at`.
fn compilation_view(
    material: &RoundMaterial,
    state: &AppState,
    taken_at: i64,
    threads: Option<usize>,
) -> CompilationView {
    let compilation = compile(material, state, threads);
    CompilationView {
        round: material.round.number,
        base_version: material.base.number,
        compiled_at: crate::clock::rfc3339(taken_at),
        submissions: material
            .submissions
            .iter()
            .map(|s| SubmissionRef {
                delegation: s.delegation.clone(),
                revision: s.revision,
            })
            .collect(),
        changes: compilation.changes_count(),
        contested: compilation.contested_count(),
        uncontested: compilation.uncontested_count(),
        coalitions: {
            let coalitions = material.coalitions();
            let labels =
                penholder_negotiation::coalition::support_labels(&compilation, &coalitions);
            crate::wire_coalition::CoalitionsView::new(&coalitions, &labels)
        },
        compilation,
    }
}

/// A serialized compilation and what it was computed from.
pub struct Snapshot {
    /// The round's revision count when its inputs were read.
    pub revisions: u64,
    /// Server time (ms) when its inputs were read.
    pub taken_at: i64,
    /// The JSON answer (a `CompilationView`).
    pub json: JsonPieces,
}

#[derive(Default)]
struct Watched {
    latest: Mutex<Option<Arc<Snapshot>>>,
    /// Server time (ms) of the last read.
    last_read: AtomicI64,
    watching: AtomicBool,
    /// One compilation at a time per round: the others wait for it and take its result.
    computing: tokio::sync::Mutex<()>,
}

impl Watched {
    fn latest(&self) -> Option<Arc<Snapshot>> {
        self.latest
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A round: its process's slug and its number.
type RoundKey = (String, u32);

/// The watched rounds of a server, most recently read first.
#[derive(Default)]
pub struct LiveCompilations {
    rounds: Mutex<Vec<(RoundKey, Arc<Watched>)>>,
}

impl LiveCompilations {
    fn watched(&self, process: &str, round: u32) -> Arc<Watched> {
        let mut rounds = self.rounds.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(at) = rounds
            .iter()
            .position(|((p, r), _)| p == process && *r == round)
        {
            let entry = rounds.remove(at);
            let watched = entry.1.clone();
            rounds.insert(0, entry);
            return watched;
        }
        let watched = Arc::new(Watched::default());
        rounds.insert(0, ((process.to_string(), round), watched.clone()));
        rounds.truncate(ROUNDS_KEPT);
        watched
    }

    fn forget(&self, process: &str, round: u32, watched: &Arc<Watched>) {
        let mut rounds = self.rounds.lock().unwrap_or_else(PoisonError::into_inner);
        rounds.retain(|((p, r), w)| !(p == process && *r == round && Arc::ptr_eq(w, watched)));
    }
}

/// The JSON compilation of round `r` of process `p`, whose inputs stand at `inputs` now (the
/// caller has been authorized), served by the application layer's freshness rules.
pub async fn compilation_json(
    app: &AppState,
    p: &str,
    r: u32,
    inputs: Inputs,
    freshness: Freshness,
) -> Result<Arc<Snapshot>, ApiError> {
    let Inputs { state, revisions } = inputs;
    let watched = app.live().watched(p, r);
    let now = app.now();
    watched.last_read.store(now, Ordering::Relaxed);
    if state == RoundState::Open && !watched.watching.swap(true, Ordering::AcqRel) {
        tokio::spawn(watch(app.clone(), p.to_string(), r, watched.clone()));
    }
    let acceptable = |snapshot: &Snapshot| {
        compilation::serves(
            snapshot.revisions,
            snapshot.taken_at,
            inputs,
            freshness,
            now,
        )
    };
    if let Some(snapshot) = watched.latest()
        && acceptable(&snapshot)
    {
        return Ok(snapshot);
    }
    let _turn = watched.computing.lock().await;
    // Whoever held the turn may have computed what this request needs.
    if let Some(snapshot) = watched.latest()
        && snapshot.revisions >= revisions
    {
        return Ok(snapshot);
    }
    // Someone is waiting: all the cores that pay.
    refresh(app, p, r, &watched, None).await
}

/// Compiles the round from its latest revisions and keeps the answer.
async fn refresh(
    app: &AppState,
    p: &str,
    r: u32,
    watched: &Watched,
    threads: Option<usize>,
) -> Result<Arc<Snapshot>, ApiError> {
    // Taken before the read, so that an answer's age is never understated.
    let taken_at = app.now();
    let material = load_live(app, p, r).await?;
    let revisions = material.generation();
    // About 2 KB of JSON per item (8.1 MB for 4,000 amendments): each run of nodes is written
    // into a buffer of its share of that size, not one doubled a dozen times (each a fresh
    // allocation the kernel zeroes, and a copy), which cost as much as the compilation itself.
    let hint = watched
        .latest()
        .map(|l| l.json.len() + l.json.len() / 8)
        .unwrap_or_else(|| {
            let items: usize = material.submissions.iter().map(|s| s.items.len()).sum();
            64 * 1024 + items * 2_304
        });
    let engine = app.clone();
    let json = blocking(move || {
        let view = compilation_view(&material, &engine, taken_at, threads);
        let out = view
            .to_json(threads, hint)
            .map_err(|e| ApiError::Internal(format!("cannot serialise a compilation: {e}")))?;
        Ok(out)
    })
    .await?;
    let snapshot = Arc::new(Snapshot {
        revisions,
        taken_at,
        json,
    });
    let mut latest = watched
        .latest
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if latest.as_ref().is_none_or(|l| l.revisions <= revisions) {
        *latest = Some(snapshot.clone());
    }
    Ok(snapshot)
}

/// The round's material, its base version from the server's kept ones (`AppState::base`).
async fn load_live(app: &AppState, p: &str, r: u32) -> Result<RoundMaterial, ApiError> {
    let q = p.to_string();
    let round = app.read(move |reader| reader.round(&q, r)).await?;
    let base = app.base(p, &round.document, round.base_version).await?;
    let q = p.to_string();
    app.read(move |reader| {
        RoundMaterial::load_with_base(reader, &q, r, Some((&round.document, base.version.clone())))
    })
    .await
}

/// Keeps a watched round's compilation at most [`REFRESH_EVERY`] behind its submissions, while
/// the round is open and someone reads it.
async fn watch(app: AppState, p: String, r: u32, watched: Arc<Watched>) {
    loop {
        tokio::time::sleep(REFRESH_EVERY).await;
        let idle = app.now() - watched.last_read.load(Ordering::Relaxed) > WATCH_FOR_MS;
        let q = p.clone();
        let current = app
            .read(move |reader| {
                Ok((
                    reader.round(&q, r)?,
                    reader.compilation_inputs_count(&q, r)?,
                ))
            })
            .await;
        let open =
            matches!(&current, Ok((round, _)) if round.state_at(app.now()) == RoundState::Open);
        if idle || !open {
            watched.watching.store(false, Ordering::Release);
            if idle {
                app.live().forget(&p, r, &watched);
            }
            return;
        }
        let Ok((_, revisions)) = current else {
            continue;
        };
        if watched
            .latest()
            .is_some_and(|latest| latest.revisions >= revisions)
        {
            continue;
        }
        let _turn = watched.computing.lock().await;
        // In the background: one thread, the other cores stay with the submissions.
        if let Err(error) = refresh(&app, &p, r, &watched, Some(1)).await {
            tracing::warn!(process = %p, round = r, %error, "the live compilation could not be refreshed");
        }
    }
}
