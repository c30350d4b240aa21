//! A delegation's submission: its items read from the body as sent, resolved against the
//! round's base version (nodes named by id or by reference), and recorded with the body as
//! received; the word hunks of its amendments, computed when someone reads them.

use crate::caller::Caller;
use crate::error::{Error, FieldProblem, parse_json};
use penholder_core::negotiation::{
    Anchor, IsoAnnotation, Item, ItemByReference, ItemFlag, Submission,
};
use penholder_core::{Document, NodeId, NodeKind, References};
use penholder_store::{Latest, StoredRevision, SubmissionRevision, Writer};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::{HashMap, HashSet};

/// The hunks of one amendment: item `item` of the submission, on node `node`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemHunks {
    pub item: usize,
    pub node: NodeId,
    pub hunks: Vec<penholder_diff::Hunk>,
}

/// The most items one submission may carry.
pub const MAX_ITEMS: usize = 10_000;

/// A submission's items resolved to node ids against the round's base version. The store
/// keeps them beside the body as received (`penholder_store`'s codec says how).
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved {
    pub items: Vec<Item>,
}

impl Resolved {
    /// The word hunks of every amendment against its text in `base` (the round's base
    /// version). Not stored: the compilation diffs the amendments itself, and the hunks of one
    /// submission take about a tenth of a millisecond (see `BENCHMARKS.md`, "Stored hunks").
    pub fn hunks(&self, base: &Document) -> Vec<ItemHunks> {
        hunks_of(&self.items, base)
    }
}

/// The word hunks of every amendment of `items` against its text in `base`.
pub fn hunks_of(items: &[Item], base: &Document) -> Vec<ItemHunks> {
    let amended: Vec<(usize, NodeId, &str)> = items
        .iter()
        .enumerate()
        .filter_map(|(index, item)| match item {
            Item::Amend { node, text, .. } => Some((index, *node, text.as_str())),
            _ => None,
        })
        .collect();
    let texts = texts_of(base, amended.iter().map(|(_, id, _)| *id).collect());
    amended
        .into_iter()
        .map(|(item, node, text)| ItemHunks {
            item,
            node,
            hunks: penholder_diff::hunks(texts.get(&node).copied().unwrap_or_default(), text),
        })
        .collect()
}

/// The engine's view of a stored revision.
pub fn submission_of(revision: SubmissionRevision) -> Submission {
    Submission {
        delegation: revision.delegation,
        revision: revision.revision,
        submitted_at: revision.submitted_at,
        items: revision.items,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope<'a> {
    #[serde(borrow)]
    items: Vec<&'a RawValue>,
}

/// Reads a submission's body: the envelope, then the items one by one, so that an error names
/// the item's index (every bad item is reported). Public for the fuzz target, which reads
/// bodies exactly as this route does.
pub fn parse_items(bytes: &[u8]) -> Result<Vec<ItemByReference>, Error> {
    let envelope: Envelope<'_> = parse_json(bytes, "/items")?;
    if envelope.items.len() > MAX_ITEMS {
        return Err(Error::invalid_field(
            "/items",
            format!(
                "a submission holds at most {MAX_ITEMS} items; this one has {}",
                envelope.items.len()
            ),
        ));
    }
    let mut items = Vec::with_capacity(envelope.items.len());
    let mut errors = Vec::new();
    for (index, raw) in envelope.items.iter().enumerate() {
        match serde_json::from_str::<ItemByReference>(raw.get()) {
            Ok(item) => items.push(item),
            Err(error) => errors.push(FieldProblem {
                pointer: format!("/items/{index}"),
                item: Some(index),
                reference: None,
                detail: format!("item {index} is not a valid item: {error}"),
            }),
        }
    }
    if !errors.is_empty() {
        return Err(Error::invalid(errors));
    }
    Ok(items)
}

/// Refuses a locator that is blank, longer than [`IsoAnnotation::MAX_LOCATOR`] characters or
/// holds a line break (a place in the text, printed in one cell of the comment template).
fn locator_ok(index: usize, iso: &IsoAnnotation, fail: &mut dyn FnMut(&str, Option<&str>, String)) {
    let Some(locator) = &iso.locator else {
        return;
    };
    let max = IsoAnnotation::MAX_LOCATOR;
    if locator.trim().is_empty() {
        fail(
            "locator",
            None,
            format!(
                "item {index}: the locator is empty: give the line or paragraph (`l. 12–14`, `Table 2`) or leave it out"
            ),
        );
    } else if locator.chars().count() > max {
        fail(
            "locator",
            None,
            format!(
                "item {index}: the locator holds more than {max} characters: name the line or paragraph only and put the rest in the justification"
            ),
        );
    } else if locator.chars().any(char::is_control) {
        fail(
            "locator",
            None,
            format!(
                "item {index}: the locator holds a line break or control character: write it on one line"
            ),
        );
    }
}

/// Turns wire items into core items on `base`; every problem is reported, each with its item
/// index and the reference at fault.
pub fn resolve(items: &[ItemByReference], base: &Document) -> Result<Resolved, Error> {
    resolve_on(items, &References::of(base))
}

/// [`resolve`] with the base's references already computed (the server keeps them).
pub fn resolve_on(items: &[ItemByReference], references: &References) -> Result<Resolved, Error> {
    let mut errors = Vec::new();
    let mut resolved = Vec::with_capacity(items.len());
    // node → index of the amendment or deletion already naming it
    let mut rewritten: HashMap<NodeId, usize> = HashMap::new();
    for (index, item) in items.iter().enumerate() {
        let mut fail = |field: &str, reference: Option<&str>, detail: String| {
            errors.push(FieldProblem {
                pointer: format!("/items/{index}/{field}"),
                item: Some(index),
                reference: reference.map(str::to_owned),
                detail,
            });
        };
        let node = |field: &str, name: &str, fail: &mut dyn FnMut(&str, Option<&str>, String)| {
            let found = references.resolve_id_or_reference(name);
            if found.is_none() {
                fail(
                    field,
                    Some(name),
                    format!(
                        "item {index}: {name:?} names no node of the round's base version (use a reference such as PP3 or OP2.a, or a node id)"
                    ),
                );
            }
            found
        };
        let text_ok =
            |field: &str, text: &str, fail: &mut dyn FnMut(&str, Option<&str>, String)| {
                if text.trim().is_empty() {
                    fail(field, None, format!("item {index}: the {field} is empty"));
                    false
                } else {
                    true
                }
            };
        locator_ok(index, item.iso(), &mut fail);
        match item {
            ItemByReference::Amend {
                iso,
                node: name,
                text,
                justification,
            } => {
                let id = node("node", name, &mut fail);
                let has_text = text_ok("text", text, &mut fail);
                if let Some(id) = id {
                    if let Some(first) = rewritten.insert(id, index) {
                        fail(
                            "node",
                            Some(name),
                            format!(
                                "item {index}: {name} is already amended or deleted by item {first}; send one proposal per node"
                            ),
                        );
                    } else if has_text {
                        resolved.push(Item::Amend {
                            iso: iso.clone(),
                            node: id,
                            text: text.clone(),
                            justification: justification.clone(),
                        });
                    }
                }
            }
            ItemByReference::Insert {
                iso,
                after,
                before,
                text,
                node_kind,
                justification,
            } => {
                let anchor = match (after, before) {
                    (Some(name), None) => node("after", name, &mut fail).map(Anchor::After),
                    (None, Some(name)) => node("before", name, &mut fail).map(Anchor::Before),
                    _ => {
                        fail(
                            "after",
                            None,
                            format!("item {index}: an insert names exactly one of after or before"),
                        );
                        None
                    }
                };
                let kind = match node_kind {
                    None => Some(None),
                    Some(name) => match NodeKind::parse(name) {
                        Some(kind) => Some(Some(kind)),
                        None => {
                            fail(
                                "node_kind",
                                None,
                                format!(
                                    "item {index}: {name:?} is not a node kind (paragraph, preambular, operative, item, goal, action, part, footnote)"
                                ),
                            );
                            None
                        }
                    },
                };
                let has_text = text_ok("text", text, &mut fail);
                if let (Some(at), Some(node_kind), true) = (anchor, kind, has_text) {
                    resolved.push(Item::Insert {
                        iso: iso.clone(),
                        at,
                        node_kind,
                        text: text.clone(),
                        justification: justification.clone(),
                    });
                }
            }
            ItemByReference::Delete {
                iso,
                node: name,
                justification,
            } => {
                if let Some(id) = node("node", name, &mut fail) {
                    if let Some(first) = rewritten.insert(id, index) {
                        fail(
                            "node",
                            Some(name),
                            format!(
                                "item {index}: {name} is already amended or deleted by item {first}; send one proposal per node"
                            ),
                        );
                    } else {
                        resolved.push(Item::Delete {
                            iso: iso.clone(),
                            node: id,
                            justification: justification.clone(),
                        });
                    }
                }
            }
            ItemByReference::Comment {
                iso,
                node: name,
                text,
            } => {
                let id = match name {
                    Some(name) => node("node", name, &mut fail).map(Some),
                    None => Some(None),
                };
                let has_text = text_ok("text", text, &mut fail);
                if let (Some(node), true) = (id, has_text) {
                    resolved.push(Item::Comment {
                        iso: iso.clone(),
                        node,
                        text: text.clone(),
                    });
                }
            }
            // Acts on an open bracket: their shape here; the bracket, its alternative and
            // (for a withdrawal) the delegation's own support are checked against the base's
            // brackets when the submission is recorded (`bracket::refuse_unfit_acts`).
            ItemByReference::Support {
                iso,
                bracket,
                alternative,
                justification,
            } => {
                if bracket_named(bracket, alternative, &mut fail) {
                    resolved.push(Item::Support {
                        iso: iso.clone(),
                        bracket: bracket.trim().to_string(),
                        alternative: alternative.trim().to_string(),
                        justification: justification.clone(),
                    });
                }
            }
            ItemByReference::AmendAlternative {
                iso,
                bracket,
                alternative,
                text,
                justification,
            } => {
                let named = bracket_named(bracket, alternative, &mut fail);
                let has_text = text_ok("text", text, &mut fail);
                if named && has_text {
                    resolved.push(Item::AmendAlternative {
                        iso: iso.clone(),
                        bracket: bracket.trim().to_string(),
                        alternative: alternative.trim().to_string(),
                        text: text.clone(),
                        justification: justification.clone(),
                    });
                }
            }
            ItemByReference::WithdrawAlternative {
                iso,
                bracket,
                alternative,
                justification,
            } => {
                if bracket_named(bracket, alternative, &mut fail) {
                    resolved.push(Item::WithdrawAlternative {
                        iso: iso.clone(),
                        bracket: bracket.trim().to_string(),
                        alternative: alternative.trim().to_string(),
                        justification: justification.clone(),
                    });
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(Resolved { items: resolved })
    } else {
        Err(Error::invalid(errors))
    }
}

/// Whether an act on a bracket names one (`B1`) and an alternative (`a`) at all.
fn bracket_named(
    bracket: &str,
    alternative: &str,
    fail: &mut dyn FnMut(&str, Option<&str>, String),
) -> bool {
    let mut ok = true;
    if bracket.trim().is_empty() {
        fail(
            "bracket",
            None,
            "name the open bracket of the round's base version (B1, B2, …, as its JSON lists them)"
                .to_string(),
        );
        ok = false;
    }
    if alternative.trim().is_empty() {
        fail(
            "alternative",
            None,
            "name the bracket's alternative (a, b, …, as its JSON lists them)".to_string(),
        );
        ok = false;
    }
    ok
}

/// The texts of the `wanted` nodes, in one walk of the tree that stops when all are found.
fn texts_of(base: &Document, wanted: HashSet<NodeId>) -> HashMap<NodeId, &str> {
    let mut found = HashMap::with_capacity(wanted.len());
    let mut stack: Vec<&penholder_core::Node> = base.nodes.iter().rev().collect();
    while found.len() < wanted.len()
        && let Some(node) = stack.pop()
    {
        if wanted.contains(&node.id) {
            found.insert(node.id, node.text.as_str());
        }
        stack.extend(node.children.iter().rev());
    }
    found
}

/// What a writer expects of the submission's latest revision before replacing it (HTTP's
/// `If-Match` / `If-None-Match`): optimistic concurrency between two people of one delegation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    /// Whatever is there.
    Any,
    /// The latest revision must be this one.
    Revision(u32),
    /// Some revision must exist.
    Exists,
    /// None may exist yet.
    Absent,
}

/// A submission to record: the body exactly as received and what resolving it found.
pub struct NewSubmission<'a> {
    pub process: &'a str,
    pub round: u32,
    pub delegation: &'a str,
    pub body: &'a [u8],
    pub resolved: &'a Resolved,
    /// How each item was found in the Word file it came from (`flags[i]` for item i); empty
    /// for a JSON body. Kept with the revision.
    pub flags: &'a [Vec<ItemFlag>],
    pub expected: Expected,
}

/// Records a new revision of a delegation's submission, in the caller's write transaction:
/// checks what the writer expected of the latest revision, then stores the body and its
/// resolution with the audit entry. The round must be open at `now` (the store checks it in the
/// same transaction, so a submission racing the close cannot slip in).
pub fn record(
    w: &Writer<'_>,
    caller: &Caller,
    submission: &NewSubmission<'_>,
    now: i64,
) -> Result<StoredRevision, Error> {
    let NewSubmission {
        process,
        round,
        delegation,
        ..
    } = *submission;
    let precondition = |current: u32| {
        let failed = match submission.expected {
            Expected::Any => false,
            Expected::Revision(expected) => expected != current,
            Expected::Exists => current == 0,
            Expected::Absent => current != 0,
        };
        if failed {
            return Err(Error::PreconditionFailed(format!(
                "the submission of {delegation} in round {round} is at revision {current} (\"{current}\"); read it again and resend"
            )));
        }
        Ok(())
    };
    // Inside the transaction, once the round is known open and the revision expected: a
    // paragraph agreed a moment before this write is not amended.
    let checks = |latest: Latest| {
        precondition(latest.revision)?;
        // Nothing ever agreed on this text: no paragraph is closed to amendments, and
        // nothing more need be read to know it.
        if latest.text_has_state {
            crate::state::refuse_settled(w, process, round, &submission.resolved.items)?;
        }
        crate::bracket::refuse_unfit_acts(w, process, round, delegation, &submission.resolved.items)
    };
    w.put_submission_checked(
        process,
        round,
        delegation,
        submission.body,
        &submission.resolved.items,
        submission.flags,
        checks,
        &caller.actor(),
        now,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use penholder_core::{IdSource, Node};

    #[test]
    fn items_resolve_and_the_hunks_of_each_amendment_are_against_its_base_text() {
        let mut ids = IdSource::new(1, 1_700_000_000_000);
        let base = Document::new(
            "T",
            vec![
                Node::new(
                    ids.next_id(),
                    NodeKind::Operative,
                    "Agree to meet again in 2025.",
                ),
                Node::new(ids.next_id(), NodeKind::Preambular, "Recalling the past,"),
            ],
        );
        let body = br#"{"items":[{"kind":"amend","node":"OP1","text":"Agree to meet again soon, in 2027.","justification":"Sooner."},{"kind":"comment","node":null,"text":"Fine."},{"kind":"insert","before":"OP1","node_kind":"preambular","text":"Noting,"},{"kind":"comment","node":"PP1","text":"Why?"},{"kind":"amend","node":"PP1","text":"Recalling the future,"}]}"#;
        let items = parse_items(body).unwrap();
        let resolved = resolve(&items, &base).unwrap();
        assert_eq!(resolved.items.len(), 5);
        let hunks = resolved.hunks(&base);
        assert_eq!(
            hunks.iter().map(|h| (h.item, h.node)).collect::<Vec<_>>(),
            [(0, base.nodes[0].id), (4, base.nodes[1].id)]
        );
        assert_eq!(hunks[0].hunks.len(), 2, "{hunks:?}");
        assert_eq!(
            penholder_diff::apply_hunks(&base.nodes[1].text, &hunks[1].hunks),
            "Recalling the future,"
        );
    }

    #[test]
    fn an_item_keeps_its_iso_annotation_and_a_bad_locator_is_refused_with_its_pointer() {
        use penholder_core::negotiation::IsoCommentType;
        let mut ids = IdSource::new(1, 1_700_000_000_000);
        let base = Document::new(
            "T",
            vec![Node::new(
                ids.next_id(),
                NodeKind::Operative,
                "Agree to meet again in 2025.",
            )],
        );
        let body = br#"{"items":[{"kind":"delete","node":"OP1","iso_type":"te","locator":"l. 3"},{"kind":"comment","node":null,"text":"Fine."}]}"#;
        let resolved = resolve(&parse_items(body).unwrap(), &base).unwrap();
        assert_eq!(
            resolved.items[0].iso(),
            &IsoAnnotation {
                iso_type: Some(IsoCommentType::Technical),
                locator: Some("l. 3".into()),
            }
        );
        assert!(resolved.items[1].iso().is_empty());
        for (locator, says) in [
            ("  ", "empty"),
            (&"x".repeat(101)[..], "more than 100 characters"),
            ("l. 3\nl. 4", "line break"),
        ] {
            let items = vec![ItemByReference::Comment {
                iso: IsoAnnotation {
                    iso_type: None,
                    locator: Some(locator.to_string()),
                },
                node: None,
                text: "Fine.".into(),
            }];
            match resolve(&items, &base) {
                Err(Error::Invalid { problems, .. }) => {
                    assert_eq!(problems[0].pointer, "/items/0/locator");
                    assert!(problems[0].detail.contains(says), "{:?}", problems[0]);
                }
                other => panic!("{locator:?}: {other:?}"),
            }
        }
        let refused =
            parse_items(br#"{"items":[{"kind":"delete","node":"OP1","iso_type":"major"}]}"#)
                .unwrap_err();
        assert!(
            format!("{refused:?}").contains("`ge`, `te`, `ed`"),
            "{refused:?}"
        );
    }
}
