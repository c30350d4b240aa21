//! Brackets as data: a contested change the chairmanship left open at consolidation, carried
//! into the next version as bracketed alternatives on its node, each labelled with the
//! delegations that proposed it (`[at least 30 (FR, DE)] / [at least 40 (PK)]`).
//!
//! A bracket belongs to the version it was carried into: the version's text keeps the base
//! wording of the span (nothing undecided enters the text), and the bracket says which span of
//! that text is open and what was proposed for it, by whom, in which round. Pure: the
//! consolidation engine makes brackets, the store keeps them with their version, the renderers
//! print them.

use crate::NodeId;
use serde::{Deserialize, Serialize};

/// What part of its node a bracket holds open.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BracketSpan {
    /// Bytes `start..end` of the node's text in the bracket's version (an empty range: words
    /// proposed for insertion at that point).
    Words { start: usize, end: usize },
    /// The whole node: full amended texts, or its deletion (an alternative without text).
    Node,
    /// A new node proposed right after (`after: true`) or before the bracket's node.
    NewNode { after: bool },
}

/// One wording left open, and who stands behind it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BracketAlternative {
    /// The alternative's id in the change it came from (`a`, `b`, …).
    pub id: String,
    /// The proposed text of the span; `None`: delete the node.
    pub text: Option<String>,
    /// Delegation codes, sorted, each once.
    pub supporters: Vec<String>,
}

/// Where a bracket comes from: the round whose consolidation left it open, and the change of
/// that round's compilation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BracketOrigin {
    /// The round's label.
    pub round: String,
    /// The change's id in that round's compilation.
    pub change: String,
}

/// An open bracket on a node of a version.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Bracket {
    /// `B1`, `B2`, … in document order within its version.
    pub id: String,
    pub node: NodeId,
    pub span: BracketSpan,
    /// The version's text of the span (the base the alternatives would replace); empty for an
    /// insertion point or a new node.
    pub base_text: String,
    /// At least one; in the order of the change they came from.
    pub alternatives: Vec<BracketAlternative>,
    pub origin: BracketOrigin,
}

impl BracketAlternative {
    /// `[at least 30 (FR, DE)]`; a deletion reads `[delete (PK)]`.
    pub fn label(&self) -> String {
        let text = match &self.text {
            Some(text) => text.trim(),
            None => "delete",
        };
        if self.supporters.is_empty() {
            format!("[{text}]")
        } else {
            format!("[{text} ({})]", self.supporters.join(", "))
        }
    }
}

impl Bracket {
    /// The bracketed choice as a compilation text prints it: the base wording first when the
    /// span has one (it is what stands if no alternative is taken), then every alternative with
    /// its proposers: `[at least 20] / [at least 30 (FR, DE)] / [at least 40 (PK)]`.
    pub fn label(&self) -> String {
        let base = self.base_text.trim();
        let mut options: Vec<String> = Vec::with_capacity(self.alternatives.len() + 1);
        if !base.is_empty() {
            options.push(format!("[{base}]"));
        }
        options.extend(self.alternatives.iter().map(BracketAlternative::label));
        options.join(" / ")
    }

    /// The alternative of that id.
    pub fn alternative(&self, id: &str) -> Option<&BracketAlternative> {
        self.alternatives.iter().find(|a| a.id == id)
    }

    /// Every delegation behind one of the alternatives, sorted, each once.
    pub fn supporters(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .alternatives
            .iter()
            .flat_map(|a| a.supporters.iter().cloned())
            .collect();
        all.sort();
        all.dedup();
        all
    }

    /// Whether the bracket fits `text`, the node's text in its version: a word span must lie
    /// on character boundaries and hold exactly the base text.
    pub fn fits(&self, text: &str) -> bool {
        match self.span {
            BracketSpan::Words { start, end } => {
                start <= end && text.get(start..end) == Some(self.base_text.as_str())
            }
            BracketSpan::Node => text == self.base_text,
            BracketSpan::NewNode { .. } => self.base_text.is_empty(),
        }
    }

    /// The node's text with the open span shown as its bracketed choice (for a word span; a
    /// whole node's bracket replaces the text; a new node's bracket leaves it unchanged and is
    /// printed beside the node). `None` if the bracket does not fit `text`.
    pub fn apply_label(&self, text: &str) -> Option<String> {
        if !self.fits(text) {
            return None;
        }
        Some(match self.span {
            BracketSpan::Words { start, end } => {
                let before = &text[..start];
                let after = &text[end..];
                // Keep the spacing the span had, so that the brackets do not glue to the words
                // around them.
                let span = &text[start..end];
                let lead = if span.starts_with(char::is_whitespace)
                    || self.alternatives.iter().any(|a| {
                        a.text
                            .as_deref()
                            .is_some_and(|t| t.starts_with(char::is_whitespace))
                    }) {
                    " "
                } else {
                    ""
                };
                let trail = if span.ends_with(char::is_whitespace) {
                    " "
                } else {
                    ""
                };
                format!("{before}{lead}{}{trail}{after}", self.label())
            }
            BracketSpan::Node => self.label(),
            BracketSpan::NewNode { .. } => text.to_string(),
        })
    }
}

/// Numbers brackets `B1`, `B2`, … in the order given (document order, by the caller).
pub fn number_brackets(brackets: &mut [Bracket]) {
    for (index, bracket) in brackets.iter_mut().enumerate() {
        bracket.id = format!("B{}", index + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bracket(text: &str, start: usize, end: usize) -> Bracket {
        Bracket {
            id: "B1".into(),
            node: NodeId(uuid::Uuid::from_u128(1)),
            span: BracketSpan::Words { start, end },
            base_text: text[start..end].to_string(),
            alternatives: vec![
                BracketAlternative {
                    id: "a".into(),
                    text: Some("at least 30".into()),
                    supporters: vec!["DE".into(), "FR".into()],
                },
                BracketAlternative {
                    id: "b".into(),
                    text: Some("at least 40".into()),
                    supporters: vec!["PK".into()],
                },
            ],
            origin: BracketOrigin {
                round: "Round 1".into(),
                change: "c1".into(),
            },
        }
    }

    #[test]
    fn a_bracket_reads_as_a_compilation_text_writes_it() {
        let text = "Reduce emissions by at least 20 per cent.";
        let start = text.find("at least 20").unwrap();
        let b = bracket(text, start, start + "at least 20".len());
        assert_eq!(
            b.label(),
            "[at least 20] / [at least 30 (DE, FR)] / [at least 40 (PK)]"
        );
        assert_eq!(
            b.apply_label(text).unwrap(),
            "Reduce emissions by [at least 20] / [at least 30 (DE, FR)] / [at least 40 (PK)] \
             per cent."
        );
        assert_eq!(b.supporters(), vec!["DE", "FR", "PK"]);
    }

    #[test]
    fn a_bracket_that_does_not_fit_its_text_is_not_printed() {
        let text = "Reduce emissions by at least 20 per cent.";
        let b = bracket(text, 20, 31);
        assert!(b.fits(text));
        assert_eq!(
            b.apply_label("Another text entirely, longer than that."),
            None
        );
        let outside = Bracket {
            span: BracketSpan::Words { start: 40, end: 90 },
            ..b
        };
        assert_eq!(outside.apply_label(text), None);
    }

    #[test]
    fn a_deletion_and_a_new_node_are_labelled() {
        let deletion = BracketAlternative {
            id: "b".into(),
            text: None,
            supporters: vec!["PK".into()],
        };
        assert_eq!(deletion.label(), "[delete (PK)]");
        let mut list = vec![
            bracket("abc", 0, 1),
            Bracket {
                span: BracketSpan::NewNode { after: true },
                base_text: String::new(),
                ..bracket("abc", 0, 1)
            },
        ];
        number_brackets(&mut list);
        assert_eq!(list[1].id, "B2");
        assert_eq!(list[1].apply_label("abc").as_deref(), Some("abc"));
    }
}
