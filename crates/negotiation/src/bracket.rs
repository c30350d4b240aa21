//! Brackets (issue 16, item 2): the open brackets a consolidation carried into a version, read
//! for every output of that version, and brought back into the compilation of the next round
//! on that version as carried-over proposals ([`with_carried`]). They are made by the
//! consolidation engine (`penholder_diff::consolidate`, from the deferred changes) and
//! published with the version (`consolidation::publish`); who may read them is who may read
//! the version.

use crate::error::Error;
use penholder_core::Document;
use penholder_core::bracket::{Bracket, BracketSpan};
use penholder_core::negotiation::{Anchor, Item, Submission};
use penholder_store::Reader;
use std::borrow::Cow;

/// The open brackets of version `number` of a document, in document order, for a caller
/// already allowed to read that version (`document::version`).
pub fn of_version(
    r: &Reader<'_>,
    process: &str,
    document: &str,
    number: u32,
) -> Result<Vec<Bracket>, Error> {
    Ok(r.version_brackets(process, document, number)?)
}

/// How a carried-over proposal is marked, in the justification of its item: every rendering
/// of the compilation shows it beside the supporter.
pub fn carried_mark(bracket: &Bracket, alternative: &str) -> String {
    format!(
        "Carried over from {} ({}, alternative {alternative})",
        bracket.origin.round, bracket.id
    )
}

/// The round's submissions with the proposals its base version left open added back: each
/// alternative of each open bracket becomes an item of each of its supporters (an amendment
/// of the node with the span in the alternative's wording, the node's deletion, or the new
/// node), marked as carried over, after the delegation's own items (a delegation that did not
/// submit gets a submission of revision 0 holding only those). The compilation then groups
/// them with this round's proposals as it groups any, and the chair resolves them by the same
/// decisions: accepting an alternative, rejecting (the base stands), rewording, or deferring
/// again (the bracket is carried once more). Borrowed as is when the base has no brackets.
pub fn with_carried<'s>(
    submissions: &'s [Submission],
    base: &Document,
    brackets: &[Bracket],
) -> Cow<'s, [Submission]> {
    if brackets.is_empty() {
        return Cow::Borrowed(submissions);
    }
    let mut all: Vec<Submission> = submissions.to_vec();
    for bracket in brackets {
        let Some(node) = base.find(bracket.node) else {
            continue;
        };
        if !bracket.fits(&node.text) {
            continue;
        }
        for alternative in &bracket.alternatives {
            let justification = Some(carried_mark(bracket, &alternative.id));
            let item = match (&bracket.span, &alternative.text) {
                (BracketSpan::Words { start, end }, text) => Item::Amend {
                    node: bracket.node,
                    text: format!(
                        "{}{}{}",
                        &node.text[..*start],
                        text.as_deref().unwrap_or_default(),
                        &node.text[*end..]
                    ),
                    justification,
                },
                (BracketSpan::Node, Some(text)) => Item::Amend {
                    node: bracket.node,
                    text: text.clone(),
                    justification,
                },
                (BracketSpan::Node, None) => Item::Delete {
                    node: bracket.node,
                    justification,
                },
                (BracketSpan::NewNode { after }, text) => Item::Insert {
                    at: if *after {
                        Anchor::After(bracket.node)
                    } else {
                        Anchor::Before(bracket.node)
                    },
                    node_kind: None,
                    text: text.clone().unwrap_or_default(),
                    justification,
                },
            };
            for supporter in &alternative.supporters {
                match all.iter_mut().find(|s| &s.delegation == supporter) {
                    Some(submission) => submission.items.push(item.clone()),
                    None => all.push(Submission {
                        delegation: supporter.clone(),
                        revision: 0,
                        submitted_at: 0,
                        items: vec![item.clone()],
                    }),
                }
            }
        }
    }
    Cow::Owned(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use penholder_core::bracket::{BracketAlternative, BracketOrigin};
    use penholder_core::{IdSource, Node, NodeKind};

    #[test]
    fn open_alternatives_come_back_as_their_supporters_items_marked_carried_over() {
        let mut ids = IdSource::new(1, 0);
        let node = Node::new(
            ids.next_id(),
            NodeKind::Operative,
            "Cut arrivals by 20 per cent.",
        );
        let id = node.id;
        let base = Document::new("D", vec![node]);
        let bracket = Bracket {
            id: "B1".into(),
            node: id,
            span: BracketSpan::Words { start: 16, end: 18 },
            base_text: "20".into(),
            alternatives: vec![
                BracketAlternative {
                    id: "a".into(),
                    text: Some("30".into()),
                    supporters: vec!["DE".into(), "FR".into()],
                },
                BracketAlternative {
                    id: "b".into(),
                    text: Some("40".into()),
                    supporters: vec!["PK".into()],
                },
            ],
            origin: BracketOrigin {
                round: "Round 1".into(),
                change: "c1".into(),
            },
        };
        let own = vec![Submission {
            delegation: "FR".into(),
            revision: 2,
            submitted_at: 5,
            items: vec![Item::Comment {
                node: None,
                text: "General".into(),
            }],
        }];
        assert!(matches!(with_carried(&own, &base, &[]), Cow::Borrowed(_)));
        let all = with_carried(&own, &base, std::slice::from_ref(&bracket));
        let fr = all.iter().find(|s| s.delegation == "FR").unwrap();
        assert_eq!(fr.revision, 2);
        assert_eq!(
            fr.items.len(),
            2,
            "its own item first, then the carried one"
        );
        assert_eq!(
            fr.items[1],
            Item::Amend {
                node: id,
                text: "Cut arrivals by 30 per cent.".into(),
                justification: Some("Carried over from Round 1 (B1, alternative a)".into()),
            }
        );
        let pk = all.iter().find(|s| s.delegation == "PK").unwrap();
        assert_eq!(pk.revision, 0);
        assert!(
            matches!(&pk.items[0], Item::Amend { text, .. } if text == "Cut arrivals by 40 per cent.")
        );
        assert_eq!(all.len(), 3);
    }
}
