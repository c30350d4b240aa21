//! The consolidation engine of penholder: word-level diffs of every delegation's proposals
//! against the base version, attributed to delegations, coalesced, grouped into contested and
//! uncontested changes, merged, consolidated by the chairmanship's decisions into the next
//! version with provenance, compared across versions (redline, blame), and aligned with texts
//! revised elsewhere.
//!
//! Pure: no I/O, no clock. Every public value is in [`model`] and serialisable.
//!
//! The entry points (bodies arrive module by module):
//! - [`tokenize`]`(text) -> Vec<&str>`: lossless word/space/punctuation tokens.
//! - `compile(base: &Version, submissions: &[Submission]) -> Compilation`
//! - `compilation_text(&Compilation) -> String`: the UN-style bracketed view.
//! - `consolidate(base: &Version, base_blame: &Blame, compilation: &Compilation,
//!   decisions: &[Decision], options: &ConsolidateOptions, new_ids: &mut IdSource)
//!   -> Result<Consolidation, ConsolidateError>`
//! - `Blame::initial(&Document, version) -> Blame`; `blame_view(&Document, &Blame) -> BlameView`
//! - `redline(from: &Document, to: &Document, chain: &[Step]) -> Redline`
//! - `align(previous: &Document, revised: &Document, compilation: Option<&Compilation>)
//!   -> Alignment`

mod align;
mod blame;
mod compile;
mod consolidate;
mod hunk;
pub mod model;
mod redline;
mod text;
mod token;

pub use align::{adopt, align};
pub use blame::blame_view;
pub use compile::{compile, compile_document};
pub use consolidate::{consolidate, merged_document};
pub use hunk::{Hunk, apply_hunks, hunks};
pub use model::*;
pub use redline::redline;
pub use text::{TextOptions, compilation_text};
pub use token::{is_whitespace_token, tokenize};
