//! The wire format of brackets (issue 16, item 2): the open brackets a version carries, with
//! their OpenAPI schemas. Kept beside `wire.rs` so that every answer that shows a version
//! shares one description.

use penholder_core::bracket::{Bracket, BracketSpan};
use penholder_core::{Document, NodeId, References};
use serde::Serialize;
use utoipa::ToSchema;

/// One alternative left open, with the delegations behind it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct BracketAlternativeView {
    /// The alternative's id in the change it came from (`a`, `b`, …).
    pub id: String,
    /// The proposed text; absent for the node's deletion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Delegation codes, sorted.
    pub supporters: Vec<String>,
    /// `[at least 30 (DE, FR)]`.
    pub label: String,
}

/// An open bracket on a node of a version: the span of its text still open and the
/// alternatives proposed for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"id": "B1", "node": "0190c1d2-0000-7000-8000-000000000004",
    "reference": "OP2", "span": "words", "start": 27, "end": 29, "base_text": "20",
    "label": "[20] / [30 (DE, FR)] / [40 (PK)]",
    "alternatives": [{"id": "a", "text": "30", "supporters": ["DE", "FR"], "label": "[30 (DE, FR)]"},
                     {"id": "b", "text": "40", "supporters": ["PK"], "label": "[40 (PK)]"}],
    "round": "Round 1", "change": "3f2a9c01d4e5"}))]
pub struct BracketView {
    /// `B1`, `B2`, … in document order.
    pub id: String,
    #[schema(value_type = String, format = Uuid)]
    pub node: NodeId,
    /// The node's reference in this version.
    pub reference: String,
    /// `words` (bytes `start..end` of the node's text), `node` (the whole node), `new_after`
    /// or `new_before` (a new node proposed beside it).
    pub span: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<usize>,
    /// The version's wording of the span, which stands until the bracket is resolved.
    pub base_text: String,
    /// The bracket as a compilation text prints it.
    pub label: String,
    pub alternatives: Vec<BracketAlternativeView>,
    /// The label of the round whose consolidation left it open.
    pub round: String,
    /// The change of that round's compilation it comes from.
    pub change: String,
}

impl BracketView {
    pub fn list(brackets: &[Bracket], document: &Document) -> Vec<BracketView> {
        let references = References::of(document);
        brackets
            .iter()
            .map(|bracket| {
                let (span, start, end) = match bracket.span {
                    BracketSpan::Words { start, end } => ("words", Some(start), Some(end)),
                    BracketSpan::Node => ("node", None, None),
                    BracketSpan::NewNode { after: true } => ("new_after", None, None),
                    BracketSpan::NewNode { after: false } => ("new_before", None, None),
                };
                BracketView {
                    id: bracket.id.clone(),
                    node: bracket.node,
                    reference: references
                        .reference(bracket.node)
                        .map(|r| r.0.clone())
                        .unwrap_or_default(),
                    span: span.into(),
                    start,
                    end,
                    base_text: bracket.base_text.clone(),
                    label: bracket.label(),
                    alternatives: bracket
                        .alternatives
                        .iter()
                        .map(|a| BracketAlternativeView {
                            id: a.id.clone(),
                            text: a.text.clone(),
                            supporters: a.supporters.clone(),
                            label: a.label(),
                        })
                        .collect(),
                    round: bracket.origin.round.clone(),
                    change: bracket.origin.change.clone(),
                }
            })
            .collect()
    }
}
