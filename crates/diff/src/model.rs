//! The public values of the consolidation engine: compilations, changes, alternatives,
//! provenance (blame), consolidations, redlines and alignments.
//!
//! Renderers and the server consume these types; their names and field names are a contract.
//! All of them serialise with serde (snake_case tags). Byte offsets always index the UTF-8 text
//! of the node they belong to and always fall on token (hence character) boundaries.

use penholder_core::{Document, InlineMark, NodeId, NodeKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------------------------
// Compilation: every proposal of a round, per node of the base version.
// ---------------------------------------------------------------------------------------------

/// All feedback of one round on one base version, per node, coalesced and grouped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compilation {
    pub document_title: String,
    /// The number of the version the round's feedback is about.
    pub base_version: u32,
    /// One entry per node of the base version, in document order (also nodes nobody touched).
    pub nodes: Vec<NodeCompilation>,
    /// Comments on the text as a whole (`Item::Comment` without a node).
    pub general_comments: Vec<Comment>,
    /// Warnings about general comments (see [`NodeCompilation::flags`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub general_flags: Vec<Flag>,
    /// Items that could not be placed (e.g. naming a node absent from the base version), so that
    /// nothing a delegation sent disappears silently.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unplaced: Vec<Unplaced>,
}

/// The feedback on one node of the base version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeCompilation {
    pub node: NodeId,
    /// The node's derived reference in the base version (`OP3`, `PG1.4`).
    pub reference: String,
    pub kind: NodeKind,
    /// Nesting depth in the base version (0 for top-level nodes), for indenting views.
    pub depth: usize,
    pub base_text: String,
    /// The emphasis of the base text (bold, italic: `penholder_core::marks`), for the views
    /// that show the base wording; the changes' texts carry none (a proposal is plain text).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub base_marks: Vec<InlineMark>,
    /// The base text with every uncontested word-level change applied; contested spans keep
    /// the base wording. `None` when an uncontested proposal deletes the node.
    pub merged_text: Option<String>,
    /// Every change proposed on this node, in order: the node-level change (deletion against
    /// amendments) first, then word-level changes by position, then insertions of new nodes
    /// before it and after it.
    pub changes: Vec<Change>,
    pub comments: Vec<Comment>,
    /// Warnings about proposals on this node (hidden characters); they are accepted, not
    /// rejected, but the chairmanship should look at them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<Flag>,
}

/// One change proposed by one or more delegations: a span (or node) and its alternatives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Stable and content-derived: the first 12 hex digits of a SHA-256 over the node id and
    /// the scope. The same submissions on the same base give the same ids.
    pub id: String,
    /// The base node the change is about (for an insertion: the anchor).
    pub node: NodeId,
    /// `reference` of that node in the base version, for display.
    pub reference: String,
    pub scope: Scope,
    /// The base words replaced ("" for a pure insertion of words or of a node; the node's whole
    /// text for a node-level change).
    pub base_text: String,
    /// At least one. Ordered by number of supporters (most first), then by text; ids `a`, `b`…
    pub alternatives: Vec<Alternative>,
    /// True when there are two or more different alternatives.
    pub contested: bool,
    /// The alternatives' ids in the order a parliament marshals amendments: a deletion first,
    /// then the widest (most base words replaced), then by tabling order (see the `family`
    /// module). Empty for an uncontested change (one alternative, nothing to order).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marshalled: Vec<String>,
    /// Alternatives that differ only by case, punctuation, spacing, numerals in words or
    /// digits, or a spelling variant, grouped (see the `family` module), in the marshalled
    /// order: the choices the chair really has. Empty when no two alternatives are variants.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub families: Vec<Family>,
}

/// Alternatives of one change that say the same words (see the `family` module).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Family {
    /// The ids of its alternatives (its variants), in the marshalled order.
    pub variants: Vec<String>,
    /// Every delegation behind any of its variants, sorted, each once.
    pub delegations: Vec<String>,
}

/// What part of the base a change is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum Scope {
    /// Base tokens `start_token..end_token` (bytes `start_byte..end_byte`) of the node's text.
    /// An empty range is an insertion of words at that point.
    Words {
        start_token: usize,
        end_token: usize,
        start_byte: usize,
        end_byte: usize,
    },
    /// The whole node: proposals to delete it, against full amended texts.
    Node,
    /// A new node right after `anchor` (as its next sibling). `ordinal` is 1 for a delegation's
    /// first new node at that place, 2 for its second, and so on.
    InsertAfter { anchor: NodeId, ordinal: u32 },
    /// A new node right before `anchor`, which has no previous sibling (an insertion before a
    /// node that has one is compiled as an insertion after that sibling).
    InsertBefore { anchor: NodeId, ordinal: u32 },
}

/// One wording proposed for a change, with everyone who proposed exactly it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alternative {
    /// `a`, `b`, … in the change's order (`z`, then `aa`).
    pub id: String,
    /// The proposed text of the change's span, of the node (node-level), or of the new node
    /// (insertions). `None`: delete the node.
    pub text: Option<String>,
    /// For insertions: the kind of the new node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<NodeKind>,
    /// Sorted by delegation code, then item index.
    pub supporters: Vec<Support>,
}

/// One delegation's support for an alternative, and the item it came from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Support {
    pub delegation: String,
    /// The index of the item in the delegation's submission.
    pub item: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
}

/// A delegation's comment, on a node or (`node: None`) on the whole text.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Comment {
    pub delegation: String,
    pub node: Option<NodeId>,
    pub item: usize,
    pub text: String,
}

/// An item the compiler could not attach to the base version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unplaced {
    pub delegation: String,
    pub item: usize,
    pub reason: String,
}

/// A warning about a proposal.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Flag {
    pub delegation: String,
    pub item: usize,
    pub kind: FlagKind,
    /// The offending characters as `U+202E`, each once, in order of first appearance.
    pub characters: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    /// Bidirectional embedding/override/isolate controls (U+202A–U+202E, U+2066–U+2069) or
    /// zero-width and direction marks (U+200B–U+200F, U+FEFF): they can hide or reorder text.
    HiddenCharacters,
}

impl Compilation {
    /// Every change of the compilation, in document order.
    pub fn changes(&self) -> impl Iterator<Item = &Change> {
        self.nodes.iter().flat_map(|n| n.changes.iter())
    }

    pub fn change(&self, id: &str) -> Option<&Change> {
        self.changes().find(|c| c.id == id)
    }

    pub fn changes_count(&self) -> usize {
        self.changes().count()
    }

    pub fn contested_count(&self) -> usize {
        self.changes().filter(|c| c.contested).count()
    }

    pub fn uncontested_count(&self) -> usize {
        self.changes().filter(|c| !c.contested).count()
    }

    pub fn node(&self, id: NodeId) -> Option<&NodeCompilation> {
        self.nodes.iter().find(|n| n.node == id)
    }
}

impl Change {
    pub fn alternative(&self, id: &str) -> Option<&Alternative> {
        self.alternatives.iter().find(|a| a.id == id)
    }

    /// The alternatives in the marshalled order (the list's own order when there is none).
    pub fn marshalled_alternatives(&self) -> Vec<&Alternative> {
        if self.marshalled.len() != self.alternatives.len() {
            return self.alternatives.iter().collect();
        }
        self.marshalled
            .iter()
            .filter_map(|id| self.alternative(id))
            .collect()
    }

    /// The choices the chair has: the alternatives in the marshalled order, variants of one
    /// family together (in the order of the family's first variant), one alternative per
    /// choice when no two are variants.
    pub fn choices(&self) -> Vec<Vec<&Alternative>> {
        if self.families.is_empty() {
            return self
                .marshalled_alternatives()
                .into_iter()
                .map(|a| vec![a])
                .collect();
        }
        self.families
            .iter()
            .map(|f| {
                f.variants
                    .iter()
                    .filter_map(|id| self.alternative(id))
                    .collect()
            })
            .collect()
    }

    /// The family an alternative belongs to, when the change has families.
    pub fn family_of(&self, alternative: &str) -> Option<&Family> {
        self.families
            .iter()
            .find(|f| f.variants.iter().any(|v| v == alternative))
    }

    /// Every delegation behind any alternative, sorted, each once.
    pub fn delegations(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .alternatives
            .iter()
            .flat_map(|a| a.supporters.iter().map(|s| s.delegation.clone()))
            .collect();
        all.sort();
        all.dedup();
        all
    }
}

impl Alternative {
    /// The delegations behind this alternative, sorted, each once.
    pub fn delegations(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .supporters
            .iter()
            .map(|s| s.delegation.clone())
            .collect();
        all.dedup();
        all
    }
}

// ---------------------------------------------------------------------------------------------
// Provenance.
// ---------------------------------------------------------------------------------------------

/// Where a span of text comes from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "origin", rename_all = "snake_case")]
pub enum Origin {
    /// Text present since version `version` (the first version of the document, or a version
    /// uploaded without attribution).
    Base { version: u32 },
    /// Text of a change accepted in round `round`, proposed by `delegations` (sorted).
    Accepted {
        round: String,
        delegations: Vec<String>,
    },
    /// The chairmanship's own wording, written when consolidating round `round`.
    Chair { round: String },
}

/// A span of a node's text and its origin: bytes `start..end`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub origin: Origin,
}

/// The provenance of every byte of one version: per node, spans that tile its text exactly
/// (sorted, contiguous, non-empty, neighbours with different origins). A node with empty text
/// has no spans.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Blame {
    pub nodes: BTreeMap<NodeId, Vec<Span>>,
}

/// One version's text with provenance, node by node, for display.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlameView {
    pub document_title: String,
    pub nodes: Vec<NodeBlame>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeBlame {
    pub node: NodeId,
    pub reference: String,
    pub kind: NodeKind,
    pub depth: usize,
    pub spans: Vec<BlameSpan>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlameSpan {
    pub text: String,
    pub origin: Origin,
}

// ---------------------------------------------------------------------------------------------
// Consolidation: decisions applied to the base version.
// ---------------------------------------------------------------------------------------------

/// How to consolidate a round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsolidateOptions {
    /// The round's label, recorded in provenance (`Origin::Accepted { round, .. }`).
    pub round: String,
    /// Apply uncontested changes that have no decision (as if accepted). Off: a change without a
    /// decision keeps the base text.
    #[serde(default)]
    pub accept_uncontested: bool,
}

/// The next version's document, its provenance, and what happened to every change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consolidation {
    pub document: Document,
    pub blame: Blame,
    /// Changes that altered the text, in document order of the base.
    pub applied: Vec<AppliedChange>,
    /// Changes that left the base text as it was, and why.
    pub kept: Vec<KeptChange>,
    /// The deferred changes, carried into the next version as open brackets on their nodes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub brackets: Vec<penholder_core::bracket::Bracket>,
}

/// A change that altered the text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedChange {
    /// The change's id in the compilation.
    pub change: String,
    /// The node it changed: the base node, or for an insertion the new node.
    pub node: NodeId,
    /// The change's scope in the base version (byte ranges index the base node's text).
    pub scope: Scope,
    /// The alternative accepted (`None` for the chairmanship's own wording).
    pub alternative: Option<String>,
    /// The base text replaced (see [`Change::base_text`]).
    pub base_text: String,
    /// What replaced it; `None` when the node was deleted.
    pub text: Option<String>,
    /// Who the new text is attributed to.
    pub origin: Origin,
}

/// A change that left the base as it was.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptChange {
    pub change: String,
    pub reason: KeptReason,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeptReason {
    Rejected,
    Deferred,
    /// No decision (and not applied as uncontested).
    Undecided,
    /// Moot: its node was deleted or rewritten as a whole by another decision.
    Superseded,
}

/// Why decisions cannot be applied. A contested change is never an error; these are mistakes in
/// the decisions, each naming what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum ConsolidateError {
    #[error("change {change} is not in this compilation")]
    UnknownChange { change: String },
    #[error("change {change} has no alternative {alternative}")]
    UnknownAlternative { change: String, alternative: String },
    #[error("change {change} is contested: say which alternative is accepted")]
    AlternativeRequired { change: String },
    #[error("change {change} has more than one decision")]
    DuplicateDecision { change: String },
    #[error("decisions on {first} and {second} both rewrite node {node}")]
    ConflictingDecisions {
        node: NodeId,
        first: String,
        second: String,
    },
    #[error(
        "the compilation is of version {compilation}, not of the base version {base}, or its text differs"
    )]
    StaleCompilation { compilation: u32, base: u32 },
    #[error("the provenance given for the base version does not match its text at node {node}")]
    BlameMismatch { node: NodeId },
    /// The engine's own result failed the publication check: a bug, never the caller's fault.
    #[error("refused to publish: {0}")]
    SilentDeletion(crate::publication::SilentDeletion),
}

// ---------------------------------------------------------------------------------------------
// Redline.
// ---------------------------------------------------------------------------------------------

/// One consolidation step between two versions, as the redline needs it: the version it
/// produced, that version's provenance, and the changes applied to get there.
#[derive(Clone, Copy, Debug)]
pub struct Step<'a> {
    /// The label of the round consolidated (or of the upload) in this step.
    pub round: &'a str,
    /// The document of the version this step produced.
    pub document: &'a Document,
    pub blame: &'a Blame,
    pub applied: &'a [AppliedChange],
}

/// Word-level differences between two versions, each attributed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redline {
    pub document_title: String,
    /// Nodes of the target in document order, with deleted nodes where they stood.
    pub nodes: Vec<NodeRedline>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeRedline {
    pub node: NodeId,
    pub kind: NodeKind,
    /// Depth in the target (in the source for deleted nodes).
    pub depth: usize,
    /// Reference in the source version (`None` for an inserted node).
    pub reference_from: Option<String>,
    /// Reference in the target version (`None` for a deleted node).
    pub reference_to: Option<String>,
    /// The number as the source version writes it (`Art 21`, `(3)`: `penholder_core::Node::num`);
    /// `None` for derived numbering (the reference gives it) and for an inserted node.
    /// (Absent from the JSON when `None`, as `renumbered` when false: a redline of a text
    /// without written numbers, or without renumberings, reads as before these facts.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_from: Option<String>,
    /// The number as the target version writes it; `None` for derived numbering and for a
    /// deleted node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_to: Option<String>,
    /// What happened to the node as a whole. A node both moved and reworded is `Moved` (its
    /// segments show the rewording: [`NodeRedline::text_changed`]); a renumbering is reported
    /// apart, in `renumbered`, since a node may be changed, moved and renumbered at once.
    pub status: NodeStatus,
    /// Whether the node's own number changed, for a node in both versions: its written number
    /// (`(3)` → `(5)`), or when neither version writes one, the last part of its derived
    /// reference (`OP3` → `OP4`, `OP1.a` → `OP1.b`; not `OP1.a` → `OP2.a`, where only its
    /// parent was renumbered; never for parts and plain paragraphs, whose `S`/`P` references
    /// count through the whole document and number nothing the text shows).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub renumbered: bool,
    /// Equal + Insert segments give the target text; Equal + Delete give the source text.
    pub segments: Vec<Segment>,
    /// The emphasis of the source text (byte ranges of the text Equal + Delete segments give;
    /// `penholder_core::marks`), for showing deleted words as they were; absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marks_from: Vec<penholder_core::InlineMark>,
    /// The emphasis of the target text (byte ranges of the text Equal + Insert segments give):
    /// kept and inserted words are shown with it; absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marks_to: Vec<penholder_core::InlineMark>,
}

impl NodeRedline {
    /// Whether the node's text differs between the two versions (whatever its status).
    pub fn text_changed(&self) -> bool {
        self.segments.iter().any(|s| s.kind != SegmentKind::Equal)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeStatus {
    Unchanged,
    /// Same place, text changed.
    Changed,
    Inserted,
    Deleted,
    /// In a different place: under another parent, or out of order among the siblings it
    /// keeps (not when only its parent moved, nor when siblings were inserted or deleted
    /// around it); its text may also have changed (see the segments).
    Moved,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub kind: SegmentKind,
    pub text: String,
    /// For insertions and deletions: who caused it, through the chain of versions (empty when
    /// unknown, always empty for `Equal`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attribution: Vec<Origin>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentKind {
    Equal,
    Insert,
    Delete,
}

// ---------------------------------------------------------------------------------------------
// Alignment of a revised text made elsewhere.
// ---------------------------------------------------------------------------------------------

/// How a revised text (fresh ids) maps onto the previous version, and which proposals its
/// changes fulfil.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alignment {
    /// The revised document with previous ids restored for every matched node (fresh ids kept
    /// for new nodes).
    pub document: Document,
    /// One entry per node of the revised document, in its document order.
    pub nodes: Vec<NodeAlignment>,
    /// Previous nodes with no counterpart in the revised text.
    pub removed: Vec<NodeId>,
    /// Changes of the compilation the revision carries out, wholly or in part.
    pub fulfilled: Vec<Fulfilment>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeAlignment {
    /// The node's id in `Alignment::document` (a previous id when matched).
    pub node: NodeId,
    /// The previous node(s) it comes from: none (new), one, or several (merged paragraphs).
    pub previous: Vec<NodeId>,
    pub how: Match,
    /// Share of the words kept from the previous text(s), in percent (0–100).
    pub similarity: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Match {
    /// Same text (possibly renumbered or moved).
    Identical,
    /// Same node, text edited.
    Edited,
    /// One part of a previous node split in several; the first part keeps the id.
    SplitFrom,
    /// Several previous nodes joined into this one (it keeps the first one's id).
    MergedFrom,
    /// Nothing similar before: a new node.
    New,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fulfilment {
    pub change: String,
    pub alternative: String,
    pub degree: Degree,
    /// The delegations behind the alternative.
    pub delegations: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Degree {
    /// The revised text carries the alternative word for word.
    Exactly,
    /// The revised text carries part of the alternative's words.
    InPart,
}
