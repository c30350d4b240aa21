//! A delegation's draft in a round: proposals it keeps before submitting them, seen by its
//! own people only, and submitted all at once as one revision of its submission.
//!
//! A draft follows the rules of submitting (`feedback::may_submit`, checked inside each
//! write's transaction): only those who may submit for the delegation, only while the round
//! takes submissions, only items the delegation may send and that resolve on the round's base.
//! It is kept in the store (`Writer::put_draft`), so it survives a restart and a new session,
//! but it is no act of the negotiation: not audited, not in events, compilations or exports.
//! Submitting it ([`submit`]) records the submission through `submission::record` and deletes
//! the draft in the same transaction, so a draft is never half submitted.
//!
//! Within a draft, and when a draft is added to what the delegation already submitted, a
//! paragraph has one proposal for its text: an amendment or a deletion replaces the earlier
//! amendment or deletion of the same paragraph ([`with_added`]); insertions and comments add up.

use crate::caller::Caller;
use crate::error::Error;
use crate::feedback::{self, Submitting};
use crate::submission::{self, NewSubmission};
use penholder_core::negotiation::{ItemByReference, ItemFlag};
use penholder_core::{NodeId, References};
use penholder_store::{Reader, StoredRevision, Writer};
use serde::{Deserialize, Serialize};

/// How many items a draft holds at most (a submission's own limit applies when it is sent).
pub const MAX_DRAFT_ITEMS: usize = 500;

/// One proposal kept in a draft: the item as the delegation would send it, and how it was
/// found in a Word file (empty for one written in a form).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftItem {
    pub item: ItemByReference,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<ItemFlag>,
}

impl DraftItem {
    pub fn new(item: ItemByReference) -> DraftItem {
        DraftItem {
            item,
            flags: Vec::new(),
        }
    }
}

/// Whose draft, in which round.
#[derive(Clone, Copy, Debug)]
pub struct DraftOf<'a> {
    pub process: &'a str,
    pub round: u32,
    pub delegation: &'a str,
}

/// A delegation's draft as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    pub items: Vec<DraftItem>,
    /// Grows with every change: what a removal or a submission names, as `If-Match` names a
    /// revision, so that nobody removes or submits items of a draft they did not see.
    pub change: i64,
    pub updated_at: i64,
    pub updated_by: String,
}

/// The stored form of a draft's items: versioned, so that a later form can still read it.
#[derive(Serialize, Deserialize)]
struct Stored {
    format: u32,
    items: Vec<DraftItem>,
}

const FORMAT: u32 = 1;

fn encode(items: &[DraftItem]) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(&Stored {
        format: FORMAT,
        items: items.to_vec(),
    })
    .map_err(|e| Error::Fault(format!("a draft could not be encoded: {e}")))
}

fn decode(bytes: &[u8]) -> Result<Vec<DraftItem>, Error> {
    let stored: Stored = serde_json::from_slice(bytes)
        .map_err(|e| Error::Fault(format!("a stored draft cannot be read: {e}")))?;
    if stored.format != FORMAT {
        return Err(Error::Fault(format!(
            "a stored draft has format {}, which this penholder does not read",
            stored.format
        )));
    }
    Ok(stored.items)
}

/// Delegation `code`'s draft in the round (`None` if it keeps none), for callers who may
/// submit for it now: after the deadline nobody reads a draft any more, as nobody could send it.
pub fn read(
    r: &Reader<'_>,
    caller: &Caller,
    of: DraftOf<'_>,
    now: i64,
) -> Result<Option<Draft>, Error> {
    feedback::may_submit(r, caller, of.process, of.round, of.delegation, now)?;
    read_unchecked(r, of)
}

fn read_unchecked(r: &Reader<'_>, of: DraftOf<'_>) -> Result<Option<Draft>, Error> {
    r.draft(of.process, of.round, of.delegation)?
        .map(|stored| {
            Ok(Draft {
                items: decode(&stored.items)?,
                change: stored.change,
                updated_at: stored.updated_at,
                updated_by: stored.updated_by,
            })
        })
        .transpose()
}

/// The round's base references, once the caller may submit for `code` now.
pub fn submitting_on(
    r: &Reader<'_>,
    caller: &Caller,
    of: DraftOf<'_>,
    now: i64,
) -> Result<(Submitting, References), Error> {
    let submitting = feedback::may_submit(r, caller, of.process, of.round, of.delegation, now)?;
    let base = r.version(
        of.process,
        &submitting.round.document,
        submitting.round.base_version,
    )?;
    Ok((submitting, References::of(&base.document)))
}

/// The node whose text `item` rewrites (an amendment or a deletion), on the base.
fn rewrites(item: &ItemByReference, references: &References) -> Option<NodeId> {
    match item {
        ItemByReference::Amend { node, .. } | ItemByReference::Delete { node, .. } => {
            references.resolve_id_or_reference(node)
        }
        _ => None,
    }
}

/// `items` with `added` after them: each added amendment or deletion replaces the earlier
/// amendment or deletion of the same paragraph (named by id or reference on the base).
pub fn with_added(
    items: Vec<DraftItem>,
    added: Vec<DraftItem>,
    references: &References,
) -> Vec<DraftItem> {
    let mut out = items;
    for new in added {
        if let Some(node) = rewrites(&new.item, references) {
            out.retain(|kept| rewrites(&kept.item, references) != Some(node));
        }
        out.push(new);
    }
    out
}

/// Checks that a draft's items may be sent by the delegation and resolve on the base.
fn check_items(
    submitting: &Submitting,
    items: &[DraftItem],
    references: &References,
) -> Result<(), Error> {
    if items.len() > MAX_DRAFT_ITEMS {
        return Err(Error::invalid_field(
            "/items",
            format!(
                "a draft holds at most {MAX_DRAFT_ITEMS} items: submit it or remove some first"
            ),
        ));
    }
    let plain: Vec<ItemByReference> = items.iter().map(|i| i.item.clone()).collect();
    submitting.admits(&plain)?;
    submission::resolve_on(&plain, references)?;
    Ok(())
}

/// Adds `added` to delegation `code`'s draft (creating it), in the caller's write
/// transaction; the draft as it now is.
pub fn keep(
    w: &Writer<'_>,
    caller: &Caller,
    of: DraftOf<'_>,
    added: Vec<DraftItem>,
    now: i64,
) -> Result<Draft, Error> {
    if added.is_empty() {
        return Err(Error::invalid_field(
            "/items",
            "there is nothing to keep: write a proposal first",
        ));
    }
    let (submitting, references) = submitting_on(w, caller, of, now)?;
    let current = read_unchecked(w, of)?.map_or_else(Vec::new, |d| d.items);
    let items = with_added(current, added, &references);
    check_items(&submitting, &items, &references)?;
    let stored = w.put_draft(
        of.process,
        of.round,
        of.delegation,
        &encode(&items)?,
        &caller.actor(),
        now,
    )?;
    Ok(Draft {
        items,
        change: stored.change,
        updated_at: stored.updated_at,
        updated_by: stored.updated_by,
    })
}

/// Checks that the draft is the one the caller saw (`seen`: its [`Draft::change`]).
fn the_draft_seen(draft: Option<Draft>, seen: i64) -> Result<Draft, Error> {
    match draft {
        Some(draft) if draft.change == seen => Ok(draft),
        Some(_) => Err(Error::PreconditionFailed(
            "the draft changed since you read it (someone of your delegation kept or removed an item): reload the page and try again".into(),
        )),
        None => Err(Error::NotFound(
            "your delegation keeps no draft in this round (it was submitted or emptied meanwhile): reload the page".into(),
        )),
    }
}

/// Removes item `index` (0-based) of the draft at change `seen`; an emptied draft is
/// deleted. The draft as it now is (`None` once empty).
pub fn remove(
    w: &Writer<'_>,
    caller: &Caller,
    of: DraftOf<'_>,
    (index, seen): (usize, i64),
    now: i64,
) -> Result<Option<Draft>, Error> {
    let (process, round, code) = (of.process, of.round, of.delegation);
    feedback::may_submit(w, caller, process, round, code, now)?;
    let mut draft = the_draft_seen(read_unchecked(w, of)?, seen)?;
    if index >= draft.items.len() {
        return Err(Error::NotFound(format!(
            "the draft has {} items; there is no item {}",
            draft.items.len(),
            index + 1
        )));
    }
    draft.items.remove(index);
    if draft.items.is_empty() {
        w.delete_draft(process, round, code)?;
        return Ok(None);
    }
    let stored = w.put_draft(
        process,
        round,
        code,
        &encode(&draft.items)?,
        &caller.actor(),
        now,
    )?;
    draft.change = stored.change;
    draft.updated_at = stored.updated_at;
    draft.updated_by = stored.updated_by;
    Ok(Some(draft))
}

/// Records `submission` (built from the delegation's submission and its draft at change
/// `seen`) and deletes the draft, in one transaction: either both happen or neither.
pub fn submit(
    w: &Writer<'_>,
    caller: &Caller,
    submission: &NewSubmission<'_>,
    seen: i64,
    now: i64,
) -> Result<StoredRevision, Error> {
    let (process, round, code) = (submission.process, submission.round, submission.delegation);
    let of = DraftOf {
        process,
        round,
        delegation: code,
    };
    the_draft_seen(read_unchecked(w, of)?, seen)?;
    let stored = submission::record(w, caller, submission, now)?;
    w.delete_draft(process, round, code)?;
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use super::*;
    use penholder_core::{Document, IdSource, Node, NodeKind};

    fn base() -> Document {
        let mut ids = IdSource::new(1, 1_700_000_000_000);
        Document::new(
            "T",
            vec![
                Node::new(ids.next_id(), NodeKind::Operative, "Agree to meet."),
                Node::new(ids.next_id(), NodeKind::Operative, "Agree to part."),
            ],
        )
    }

    fn amend(node: &str, text: &str) -> DraftItem {
        DraftItem::new(ItemByReference::Amend {
            iso: Default::default(),
            node: node.into(),
            text: text.into(),
            justification: None,
        })
    }

    #[test]
    fn a_paragraphs_new_amendment_replaces_its_earlier_one_named_by_id_or_reference() {
        let document = base();
        let references = References::of(&document);
        let first_id = document.nodes[0].id.to_string();
        let comment = DraftItem::new(ItemByReference::Comment {
            iso: Default::default(),
            node: Some("OP1".into()),
            text: "why".into(),
        });
        let kept = vec![
            amend(&first_id, "Agree to meet soon."),
            comment.clone(),
            amend("OP2", "Agree to part later."),
        ];
        let items = with_added(kept, vec![amend("OP1", "Agree to meet now.")], &references);
        assert_eq!(
            items,
            vec![
                comment,
                amend("OP2", "Agree to part later."),
                amend("OP1", "Agree to meet now.")
            ]
        );
        let deleted = with_added(
            items,
            vec![DraftItem::new(ItemByReference::Delete {
                iso: Default::default(),
                node: document.nodes[1].id.to_string(),
                justification: None,
            })],
            &references,
        );
        assert_eq!(deleted.len(), 3);
        assert!(matches!(deleted[2].item, ItemByReference::Delete { .. }));
    }

    #[test]
    fn a_draft_reads_back_as_stored_with_its_flags_and_refuses_an_unknown_format() {
        let items = vec![DraftItem {
            item: ItemByReference::Comment {
                iso: Default::default(),
                node: None,
                text: "général".into(),
            },
            flags: vec![ItemFlag::Tracked, ItemFlag::MatchedByText],
        }];
        assert_eq!(decode(&encode(&items).unwrap()).unwrap(), items);
        let later = br#"{"format":2,"items":[]}"#;
        assert!(matches!(decode(later), Err(Error::Fault(_))));
    }

    #[test]
    fn only_the_draft_that_was_seen_is_changed() {
        let draft = Draft {
            items: vec![amend("OP1", "x")],
            change: 5,
            updated_at: 5,
            updated_by: "anna".into(),
        };
        assert!(the_draft_seen(Some(draft.clone()), 5).is_ok());
        assert!(matches!(
            the_draft_seen(Some(draft), 6),
            Err(Error::PreconditionFailed(_))
        ));
        assert!(matches!(the_draft_seen(None, 5), Err(Error::NotFound(_))));
    }
}
