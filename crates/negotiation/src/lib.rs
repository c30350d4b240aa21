//! penholder's application layer: what a delegation, a chairmanship, a reviewer or an admin can
//! do, between the edges (HTTP in `penholder-server`, the `penholder` CLI, the web front) and
//! the pure crates below (core, diff, render) and the store.
//!
//! - [`caller`]: who is acting ([`Caller`], [`Role`]); [`policy`]: the whole authorization
//!   policy as data; [`access`]: the one place it is applied, from what the caller's delegation
//!   is in the process.
//! - [`feedback`]: who may submit for whom, and which submissions a caller may read.
//! - [`submission`]: a submission's items resolved against the round's base, with their hunks,
//!   and how that is kept beside the body.
//! - [`document`]: documents and versions: created from a source, read, blamed, redlined,
//!   and a revised text uploaded and aligned.
//! - [`lifecycle`]: a round created, opened, closed, extended, and read with what decides a
//!   caller's standing in it ([`lifecycle::Scope`]).
//! - [`round`]: a round read from one snapshot ([`RoundMaterial`]), its compilation's inputs and
//!   what it produced.
//! - [`compilation`]: who may read a round's compilation, and when a kept one may answer.
//! - [`decision`]: the chair's rulings checked and recorded; [`consolidation`]: the next version
//!   computed from them and published; [`disposition`]: what became of every proposal.
//! - [`chain`]: versions as a chain (provenance, applied changes), the attributed redline,
//!   narrowed to one delegation's changes ([`chain::RedlineOf`]).
//! - [`concordance`]: every node's reference in each version of a document.
//! - [`reading`]: a redline as a reader asks for it: filters, read marks.
//! - [`synoptic`]: chosen versions of a document side by side, each cell's changes attributed.
//! - [`process`]: processes and their delegations; [`input`]: the shape rules of what callers
//!   send (slugs, codes, labels, times).
//! - [`audit`]: the audit log, page by page.
//! - [`clock`]: the clock that decides deadlines.
//! - [`session`]: the web front's sign-in links and sessions.
//! - [`state`]: the state of a text: paragraph statuses set by the chair, delegations'
//!   reservations, the adoption of the whole text, and the amendments they refuse.
//! - [`bracket`]: the open brackets a consolidation carried into a version (deferred changes
//!   with their alternatives and supporters).
//!
//! Architecture invariant: no HTTP, no SQL, no terminal here. Errors are [`Error`]s that say
//! what to fix; each edge maps them to its own form (problem+json, an exit message).

pub mod access;
pub mod audit;
pub mod bracket;
pub mod caller;
pub mod chain;
pub mod clock;
pub mod coalition;
pub mod compilation;
pub mod concordance;
pub mod consolidation;
pub mod decision;
pub mod disposition;
pub mod document;
pub mod draft;
pub mod error;
pub mod events;
pub mod feedback;
pub mod input;
pub mod lifecycle;
pub mod policy;
pub mod process;
pub mod reading;
pub mod round;
pub mod search;
pub mod session;
pub mod state;
pub mod submission;
pub mod synoptic;
pub mod word;

pub use caller::{Caller, Role};
pub use error::{Error, FieldProblem};
pub use round::{CompilationKey, RoundMaterial, RoundResult};
pub use submission::{ItemHunks, Resolved};
