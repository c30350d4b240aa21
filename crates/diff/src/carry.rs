//! Brackets carried forward: the changes the chairmanship deferred at consolidation become
//! open brackets on their nodes of the next version (`penholder_core::bracket`), each
//! alternative with exactly the delegations that proposed it.
//!
//! The next version keeps the base wording of a deferred change's span; the other changes
//! applied to the same node move that span, so its place in the new text is found again from
//! the word-level changes applied before it. A deferred change whose node was deleted, or
//! rewritten as a whole by another decision, has nothing left to hold open and is not carried.

use crate::model::{AppliedChange, Change, Compilation, Scope};
use penholder_core::bracket::{
    Bracket, BracketAlternative, BracketOrigin, BracketSpan, number_brackets,
};
use penholder_core::{Document, NodeId};
use std::collections::{HashMap, HashSet};

/// The brackets of the next version (`document`) for the `deferred` changes of `compilation`,
/// given what was `applied`, numbered in document order.
pub(crate) fn carried_brackets(
    round: &str,
    compilation: &Compilation,
    deferred: &HashSet<&str>,
    document: &Document,
    applied: &[AppliedChange],
) -> Vec<Bracket> {
    let rewritten: HashSet<NodeId> = applied
        .iter()
        .filter(|a| a.scope == Scope::Node)
        .map(|a| a.node)
        .collect();
    let mut brackets = Vec::new();
    for change in compilation
        .changes()
        .filter(|c| deferred.contains(c.id.as_str()))
    {
        if let Some(bracket) = carry(round, change, document, applied, &rewritten) {
            brackets.push(bracket);
        }
    }
    let order: HashMap<NodeId, usize> = document
        .walk()
        .into_iter()
        .enumerate()
        .map(|(index, visit)| (visit.node.id, index))
        .collect();
    brackets.sort_by_key(|b| {
        let at = match b.span {
            BracketSpan::Words { start, .. } => start,
            BracketSpan::Node => 0,
            BracketSpan::NewNode { after } => {
                if after {
                    usize::MAX
                } else {
                    0
                }
            }
        };
        (order.get(&b.node).copied().unwrap_or(usize::MAX), at)
    });
    number_brackets(&mut brackets);
    brackets
}

fn carry(
    round: &str,
    change: &Change,
    document: &Document,
    applied: &[AppliedChange],
    rewritten: &HashSet<NodeId>,
) -> Option<Bracket> {
    let (node, span, base_text) = match change.scope {
        Scope::Words {
            start_byte,
            end_byte,
            ..
        } => {
            if rewritten.contains(&change.node) {
                return None;
            }
            let text = &document.find(change.node)?.text;
            // Word-level changes applied before the span move it by what they added or removed.
            let shift: isize = applied
                .iter()
                .filter(|a| a.node == change.node)
                .filter_map(|a| match a.scope {
                    Scope::Words {
                        start_byte: s,
                        end_byte: e,
                        ..
                    } if e <= start_byte && (s, e) != (start_byte, end_byte) => Some(
                        a.text.as_deref().unwrap_or_default().len() as isize - (e - s) as isize,
                    ),
                    _ => None,
                })
                .sum();
            let start = start_byte.checked_add_signed(shift)?;
            let end = start + (end_byte - start_byte);
            let span_text = text.get(start..end)?;
            if span_text != change.base_text {
                return None;
            }
            (
                change.node,
                BracketSpan::Words { start, end },
                change.base_text.clone(),
            )
        }
        Scope::Node => {
            let found = document.find(change.node)?;
            (change.node, BracketSpan::Node, found.text.clone())
        }
        Scope::InsertAfter { anchor, .. } => {
            document.find(anchor)?;
            (anchor, BracketSpan::NewNode { after: true }, String::new())
        }
        Scope::InsertBefore { anchor, .. } => {
            document.find(anchor)?;
            (anchor, BracketSpan::NewNode { after: false }, String::new())
        }
    };
    Some(Bracket {
        id: String::new(),
        node,
        span,
        base_text,
        alternatives: change
            .alternatives
            .iter()
            .map(|alternative| BracketAlternative {
                id: alternative.id.clone(),
                text: alternative.text.clone(),
                supporters: {
                    let mut codes = alternative.delegations();
                    codes.sort();
                    codes.dedup();
                    codes
                },
            })
            .collect(),
        origin: BracketOrigin {
            round: round.to_string(),
            change: change.id.clone(),
        },
    })
}
