//! The consolidation engine of penholder: word-level diffs of every delegation's proposals
//! against the base version, attributed to delegations, coalesced, grouped into contested and
//! uncontested changes, merged, consolidated by the chairmanship's decisions into the next
//! version with provenance, compared across versions (redline, blame), and aligned with texts
//! revised elsewhere.
//!
//! Architecture invariant: pure. No I/O, no clock, no threads; the same inputs give the same
//! outputs, byte for byte (change ids included). Every public value is in [`model`] and
//! serialisable; a contested change is data, never an error.
//!
//! The entry points:
//! - [`tokenize`]`(text) -> Vec<&str>`: lossless tokens (UAX #29 words, spaces, punctuation,
//!   footnote markers), with an exact ASCII fast path.
//! - [`hunks`]`(base, proposal) -> Vec<Hunk>` and [`apply_hunks`]: one proposal's word diff.
//! - [`compile`]`(base: &Version, submissions: &[Submission]) -> Compilation` (and
//!   [`compile_document`] for a bare document): every change of a round with its
//!   alternatives, supporters, contested flag, merged texts, comments and flags. The rules for
//!   coalescing and grouping (including touching changes) are in the `compile` module docs;
//!   near-identical alternatives grouped into families and the marshalled order of
//!   alternatives in the [`family`] module docs.
//! - [`compilation_text`]`(&Compilation, TextOptions) -> String`: the UN-style bracketed view.
//! - [`consolidate`]`(base, base_blame, compilation, decisions, options, new_ids)
//!   -> Result<Consolidation, ConsolidateError>`: the next version, its [`Blame`] and what
//!   became of each change; [`merged_document`] previews the merged texts.
//! - [`Blame::initial`]`(&Document, version)`, [`Blame::check`], [`blame_view`].
//! - [`redline`]`(from, to, chain: &[Step]) -> Redline`: between any two versions, attributed
//!   through the steps between them; [`only_by`]`(redline, delegations)` narrows it to the
//!   changes some delegations proposed or supported.
//! - [`check_publication`]`(base, step) -> Result<Redline, SilentDeletion>`: nothing deleted
//!   without showing in the redline and without an applied change behind it; [`consolidate`]
//!   runs it on every version it makes.
//! - [`align`]`(previous, revised, Option<&Compilation>) -> Alignment` and [`adopt`]: a text
//!   revised elsewhere, with ids restored, proposals it fulfils, and provenance.

mod align;
mod blame;
mod carry;
mod compile;
mod consolidate;
pub mod family;
pub mod filter;
mod hunk;
mod marks;
pub mod model;
mod publication;
mod redline;
mod text;
mod token;

pub use align::{adopt, align};
pub use blame::blame_view;
pub use compile::{compile, compile_document, compile_with_threads};
pub use consolidate::{consolidate, merged_document};
pub use family::{families, family_key, marshal};
pub use filter::only_by;
pub use hunk::{Hunk, apply_hunks, hunks};
pub use marks::carry_marks;
pub use model::*;
pub use publication::{SilentDeletion, check_publication};
pub use redline::redline;
pub use text::{TextOptions, compilation_text};
pub use token::{is_whitespace_token, tokenize};
