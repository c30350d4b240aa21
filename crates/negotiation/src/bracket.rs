//! Brackets (issue 16, item 2): the open brackets a consolidation carried into a version, read
//! for every output of that version, and brought back into the compilation of the next round
//! on that version as carried-over proposals ([`with_carried`]). They are made by the
//! consolidation engine (`penholder_diff::consolidate`, from the deferred changes) and
//! published with the version (`consolidation::publish`); who may read them is who may read
//! the version.

use crate::error::{Error, FieldProblem};
use penholder_core::Document;
use penholder_core::bracket::{Bracket, BracketSpan};
use penholder_core::negotiation::{Anchor, Decision, Item, Ruling, Submission};
use penholder_store::{Reader, Writer};
use std::borrow::Cow;

/// The open brackets of version `number` of a document, in document order, for a caller
/// already allowed to read that version (`document::version`): those the consolidation carried
/// into it, less those on a paragraph the chair has since agreed or adopted. The version's
/// wording stands while a bracket is open; agreeing the paragraph agrees that wording, which
/// settles its brackets (so an adopted text never shows one).
pub fn of_version(
    r: &Reader<'_>,
    process: &str,
    document: &str,
    number: u32,
) -> Result<Vec<Bracket>, Error> {
    let brackets = r.version_brackets(process, document, number)?;
    if brackets.is_empty() {
        return Ok(brackets);
    }
    let text = r.version(process, document, number)?;
    Ok(r.text_state(process, document)?
        .open_brackets(&text.document, brackets))
}

/// Refuses a submission whose acts on brackets do not fit the open brackets of the round's
/// base version: a bracket it does not have, an alternative the bracket does not have (422,
/// naming what there is), or a withdrawal of support the delegation never gave (403: a
/// delegation withdraws only its own). Runs in the submission's write transaction; a
/// submission without such acts costs nothing.
pub fn refuse_unfit_acts(
    w: &Writer<'_>,
    process: &str,
    round: u32,
    delegation: &str,
    items: &[Item],
) -> Result<(), Error> {
    if !items.iter().any(|item| item.bracket_act().is_some()) {
        return Ok(());
    }
    let info = w.round(process, round)?;
    let brackets = of_version(w, process, &info.document, info.base_version)?;
    let open: Vec<&str> = brackets.iter().map(|b| b.id.as_str()).collect();
    let mut problems = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Some((name, alternative)) = item.bracket_act() else {
            continue;
        };
        let problem = |field: &str, detail: String| FieldProblem {
            pointer: format!("/items/{index}/{field}"),
            item: Some(index),
            reference: Some(name.to_string()),
            detail,
        };
        let Some(bracket) = brackets.iter().find(|b| b.id == name) else {
            problems.push(problem(
                "bracket",
                format!(
                    "item {index}: bracket {name} is not open in version {} (the round's base); {}",
                    info.base_version,
                    if open.is_empty() {
                        "it has no open brackets: propose an amendment instead".to_string()
                    } else {
                        format!("its open brackets are {}", open.join(", "))
                    }
                ),
            ));
            continue;
        };
        let Some(chosen) = bracket.alternative(alternative) else {
            let ids: Vec<&str> = bracket.alternatives.iter().map(|a| a.id.as_str()).collect();
            problems.push(problem(
                "alternative",
                format!(
                    "item {index}: bracket {name} has no alternative {alternative:?}; its \
                     alternatives are {} ({})",
                    ids.join(", "),
                    bracket.label()
                ),
            ));
            continue;
        };
        if matches!(item, Item::WithdrawAlternative { .. })
            && !chosen.supporters.iter().any(|s| s == delegation)
        {
            return Err(Error::Forbidden(format!(
                "item {index}: {delegation} does not support alternative {alternative} of \
                 bracket {name} (its supporters: {}); a delegation withdraws only its own \
                 support. Nothing was recorded: remove the item and send the submission again",
                chosen.supporters.join(", ")
            )));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    let mut detail = problems[0].detail.clone();
    if problems.len() > 1 {
        detail.push_str(&format!(
            " (and {} more acts on brackets)",
            problems.len() - 1
        ));
    }
    Err(Error::Invalid { detail, problems })
}

/// The chair's rulings, with every change that holds a carried-over proposal and has no
/// ruling deferred: a bracket stays open until the chair decides it (it is carried into the
/// next version again), never applied unasked as an uncontested change nor dropped.
pub fn holding_open(
    mut rulings: Vec<Decision>,
    compilation: &penholder_diff::Compilation,
) -> Vec<Decision> {
    let decided: std::collections::HashSet<String> = rulings
        .iter()
        .filter(|d| d.ruling.decides())
        .map(|d| d.change.clone())
        .collect();
    let open: Vec<Decision> = compilation
        .changes()
        .filter(|change| !decided.contains(&change.id))
        .filter(|change| {
            change
                .alternatives
                .iter()
                .flat_map(|a| &a.supporters)
                .any(is_carried_over)
        })
        .map(|change| Decision {
            change: change.id.clone(),
            ruling: Ruling::Defer,
            note: Some("Still open: carried over and not decided".into()),
        })
        .collect();
    rulings.extend(open);
    rulings
}

/// How a carried-over proposal's justification begins.
pub const CARRIED_OVER: &str = "Carried over from ";

/// How a carried-over proposal is marked, in the justification of its item: every rendering
/// of the compilation shows it beside the supporter.
pub fn carried_mark(bracket: &Bracket, alternative: &str) -> String {
    format!(
        "{CARRIED_OVER}{} ({}, alternative {alternative})",
        bracket.origin.round, bracket.id
    )
}

/// Whether a supporter of a compiled alternative stands behind it only because the proposal
/// was carried over from an earlier round (not by an item of its own in this round).
pub fn is_carried_over(support: &penholder_diff::Support) -> bool {
    support
        .justification
        .as_deref()
        .is_some_and(|j| j.starts_with(CARRIED_OVER))
}

/// The round's submissions with the proposals its base version left open added back, and
/// the delegations' acts on them read as ordinary items:
///
/// - each alternative of each open bracket becomes an item of each of its supporters (an
///   amendment of the node with the span in the alternative's wording, the node's deletion,
///   or the new node), marked as carried over, after the delegation's own items (a delegation
///   that did not submit gets a submission of revision 0 holding only those);
/// - `support` becomes, in its place, the delegation's item for that alternative (so that the
///   compilation counts it among the alternative's supporters);
/// - `amend_alternative` becomes the same item with the delegation's wording (a new
///   alternative beside the others);
/// - `withdraw_alternative` takes the delegation off the alternative's carried supporters
///   and stands as a comment on the node saying so.
///
/// The compilation then groups them with this round's proposals as it groups any, and the
/// chair resolves them by the same decisions: accepting an alternative, rejecting (the base
/// stands), rewording, or deferring again (the bracket is carried once more). Acts on a
/// bracket the base does not have are left as they are (the compilation lists them as
/// unplaced; recording refuses them, see [`refuse_unfit_acts`]). Borrowed as is when the base
/// has no brackets.
pub fn with_carried<'s>(
    submissions: &'s [Submission],
    base: &Document,
    brackets: &[Bracket],
) -> Cow<'s, [Submission]> {
    if brackets.is_empty() {
        return Cow::Borrowed(submissions);
    }
    let fitting: Vec<&Bracket> = brackets
        .iter()
        .filter(|b| base.find(b.node).is_some_and(|n| b.fits(&n.text)))
        .collect();
    let find = |name: &str, alternative: &str| {
        fitting
            .iter()
            .find(|b| b.id == name)
            .and_then(|b| b.alternative(alternative).map(|a| (*b, a)))
    };
    let mut all: Vec<Submission> = submissions.to_vec();
    // Who withdrew which support: (delegation, bracket, alternative).
    let mut withdrawn: Vec<(String, String, String)> = Vec::new();
    for submission in &mut all {
        for item in &mut submission.items {
            let rewritten = match &*item {
                Item::Support {
                    iso: _,
                    bracket,
                    alternative,
                    justification,
                } => find(bracket, alternative).map(|(b, a)| {
                    let mark = format!("Supports alternative {} of {}", a.id, b.id);
                    item_for(b, base, a.text.as_deref(), joined(mark, justification))
                }),
                Item::AmendAlternative {
                    iso: _,
                    bracket,
                    alternative,
                    text,
                    justification,
                } => find(bracket, alternative).map(|(b, a)| {
                    let mark = format!("Amends alternative {} of {}", a.id, b.id);
                    item_for(b, base, Some(text), joined(mark, justification))
                }),
                Item::WithdrawAlternative {
                    iso: _,
                    bracket,
                    alternative,
                    justification,
                } => find(bracket, alternative).map(|(b, a)| {
                    withdrawn.push((submission.delegation.clone(), b.id.clone(), a.id.clone()));
                    let mark = format!("Withdraws its support of alternative {} of {}", a.id, b.id);
                    Item::Comment {
                        iso: Default::default(),
                        node: Some(b.node),
                        text: joined(mark, justification).unwrap_or_default(),
                    }
                }),
                _ => None,
            };
            if let Some(rewritten) = rewritten {
                *item = rewritten;
            }
        }
    }
    for bracket in fitting {
        for alternative in &bracket.alternatives {
            let item = item_for(
                bracket,
                base,
                alternative.text.as_deref(),
                Some(carried_mark(bracket, &alternative.id)),
            );
            for supporter in &alternative.supporters {
                let took_back = withdrawn.iter().any(|(who, b, a)| {
                    who == supporter && *b == bracket.id && *a == alternative.id
                });
                if took_back {
                    continue;
                }
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

fn joined(mark: String, justification: &Option<String>) -> Option<String> {
    Some(match justification {
        Some(text) if !text.trim().is_empty() => format!("{mark}: {text}"),
        _ => mark,
    })
}

/// The item that proposes `text` for the bracket's span (`None`: delete the node).
fn item_for(
    bracket: &Bracket,
    base: &Document,
    text: Option<&str>,
    justification: Option<String>,
) -> Item {
    let node_text = base
        .find(bracket.node)
        .map(|n| n.text.as_str())
        .unwrap_or_default();
    match (&bracket.span, text) {
        (BracketSpan::Words { start, end }, text) => Item::Amend {
            iso: Default::default(),
            node: bracket.node,
            text: format!(
                "{}{}{}",
                &node_text[..*start],
                text.unwrap_or_default(),
                &node_text[*end..]
            ),
            justification,
        },
        (BracketSpan::Node, Some(text)) => Item::Amend {
            iso: Default::default(),
            node: bracket.node,
            text: text.to_string(),
            justification,
        },
        (BracketSpan::Node, None) => Item::Delete {
            iso: Default::default(),
            node: bracket.node,
            justification,
        },
        (BracketSpan::NewNode { after }, text) => Item::Insert {
            iso: Default::default(),
            at: if *after {
                Anchor::After(bracket.node)
            } else {
                Anchor::Before(bracket.node)
            },
            node_kind: None,
            text: text.unwrap_or_default().to_string(),
            justification,
        },
    }
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
                iso: Default::default(),
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
                iso: Default::default(),
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

    #[test]
    fn an_undecided_carried_change_stays_open_and_a_decided_one_is_the_chair_s() {
        let mut ids = IdSource::new(1, 0);
        let node = Node::new(
            ids.next_id(),
            NodeKind::Operative,
            "Cut arrivals by 20 per cent.",
        );
        let id = node.id;
        let base =
            penholder_core::Version::new(2, "Rev. 1", Some(1), Document::new("D", vec![node]));
        let bracket = Bracket {
            id: "B1".into(),
            node: id,
            span: BracketSpan::Words { start: 16, end: 18 },
            base_text: "20".into(),
            alternatives: vec![penholder_core::bracket::BracketAlternative {
                id: "a".into(),
                text: Some("30".into()),
                supporters: vec!["FR".into()],
            }],
            origin: penholder_core::bracket::BracketOrigin {
                round: "Round 1".into(),
                change: "c1".into(),
            },
        };
        let own = vec![Submission {
            delegation: "DE".into(),
            revision: 1,
            submitted_at: 1,
            items: vec![Item::Amend {
                iso: Default::default(),
                node: id,
                text: "Cut all arrivals by 20 per cent.".into(),
                justification: None,
            }],
        }];
        let submissions = with_carried(&own, &base.document, std::slice::from_ref(&bracket));
        let compilation = penholder_diff::compile(&base, &submissions);
        let carried = compilation
            .changes()
            .find(|c| {
                c.alternatives
                    .iter()
                    .flat_map(|a| &a.supporters)
                    .any(is_carried_over)
            })
            .expect("the carried change");
        let fresh = compilation
            .changes()
            .find(|c| c.id != carried.id)
            .expect("DE's own change");
        let rulings = holding_open(Vec::new(), &compilation);
        assert_eq!(
            rulings.len(),
            1,
            "only the carried change is held open: {rulings:?}"
        );
        assert_eq!(rulings[0].change, carried.id);
        assert_eq!(rulings[0].ruling, Ruling::Defer);
        assert_ne!(rulings[0].change, fresh.id);
        // Decided by the chair: nothing is added.
        let accept = Decision {
            change: carried.id.clone(),
            ruling: Ruling::Accept {
                alternative: Some("a".into()),
            },
            note: None,
        };
        assert_eq!(
            holding_open(vec![accept.clone()], &compilation),
            vec![accept]
        );
    }
}
