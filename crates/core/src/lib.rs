//! The draft model of penholder: pure data and rules, no I/O, no clock, no SQL.
//!
//! A [`Document`] is a tree of [`Node`]s (parts, headings, preambular and operative paragraphs,
//! list items, priority goals and their actions, footnotes). Every node carries a stable
//! [`NodeId`] (a UUID v7) that survives edits, moves and renumbering. Human references such as
//! `PP3`, `OP2.a`, `PG1.4` or `FN2` are *derived* from position by [`References`], never stored.
//!
//! A [`Version`] is an immutable snapshot of a document with a number, label, parent and a
//! content hash. [`ObjectStore`] stores trees content-addressed, like git stores trees: a version
//! that changes one paragraph of a thousand adds that paragraph and its ancestors, nothing else.
//!
//! [`Edit`]s (replace text, insert, delete, move) produce a new tree from an old one, each one
//! validated. The negotiation itself — processes, delegations, rounds, submissions, decisions —
//! is described by the types of [`negotiation`].
//!
//! Architecture invariant: this crate knows nothing of HTTP, SQL, files or time. Callers hand it
//! ids (through an [`IdSource`]) and timestamps as plain values.

pub mod bracket;
pub mod coalition;
mod edit;
mod id;
mod kinds;
pub mod marks;
pub mod negotiation;
mod reference;
pub mod state;
mod tree;
mod version;

pub use edit::{Edit, EditError, Position};
pub use id::{IdSource, NodeId};
pub use kinds::{carry_kinds, is_generic};
pub use marks::{
    Emphasis, InlineMark, MarkError, MarkKind, check_marks, emphasis_runs, normalize_marks,
    splice_marks, write_markdown_emphasis,
};
pub use reference::{LATIN_ORDINALS, Reference, References, latin_ordinal};
pub use tree::{Document, ExternalId, Node, NodeKind, Visit};
pub use version::{
    AssembleError, ContentHash, ObjectStore, StoredNode, Version, assemble, hash_of, objects_of,
};
