//! Submissions: a delegation's feedback on a round, replaced whole by `PUT`, every revision kept.
//!
//! A `PUT` is checked in this order: the token, the policy (own delegation, round open at the
//! server's clock), the preconditions (`If-Match` / `If-None-Match` against the revision), the
//! body (each item's node resolved by id or by its reference in the round's base version), and
//! then one transaction stores the body exactly as received, the resolved items with their
//! hunks, and the audit entry. The receipt is the SHA-256 of the body.

use super::{authorize, relation};
use crate::auth::Principal;
use crate::clock::rfc3339;
use crate::error::{ApiError, FieldError};
use crate::extract::{ApiPath, Body, parse_json};
use crate::openapi::Problems;
use crate::policy::{self, Action, Phase, Relation, Verdict};
use crate::routes::rounds::round_scope;
use crate::state::{AppState, Reply};
use crate::wire::*;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use penholder_core::negotiation::{Anchor, Delegation, Item, Submission};
use penholder_core::{Document, NodeId, NodeKind, References};
use penholder_store::{StoreError, SubmissionRevision};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::{HashMap, HashSet};

/// The most items one submission may carry.
pub const MAX_ITEMS: usize = 10_000;

/// Bodies up to this size are resolved on the request's own worker (see `put_submission`).
const INLINE_RESOLVE_BYTES: usize = 64 * 1024;

/// A submission's items resolved to node ids, and the hunks of each amendment, computed once
/// when the submission is stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved {
    pub items: Vec<Item>,
    pub hunks: Vec<ItemHunks>,
}

/// How [`Resolved`] is kept beside the body as received. The body already holds every text,
/// so only what resolving added is stored: for each item, the node it names (the node of an
/// amendment, deletion or comment, the anchor of an insertion; `null` for a general comment),
/// and the hunks as arrays (`[item, node, [[start_word, end_word, start_token, end_token,
/// start_byte, end_byte, text], …]]`). Every revision is kept, so its size matters: about 40 %
/// of what the resolved items and named hunk fields took. Revisions stored that way
/// (`{"items": […], "hunks": […]}`) read the same.
#[derive(Deserialize)]
#[serde(untagged)]
enum Stored {
    Compact {
        nodes: Vec<Option<NodeId>>,
        hunks: Vec<ItemHunks>,
    },
    Whole {
        items: Vec<Item>,
        hunks: Vec<ItemHunks>,
    },
}

impl Resolved {
    /// The bytes kept beside the body (see [`Stored`]).
    pub fn to_stored(&self) -> Vec<u8> {
        #[derive(Serialize)]
        struct Compact<'a> {
            nodes: Vec<Option<NodeId>>,
            #[serde(serialize_with = "hunks_as_arrays")]
            hunks: &'a [ItemHunks],
        }
        let nodes = self
            .items
            .iter()
            .map(|item| match item {
                Item::Insert { at, .. } => Some(at.node()),
                other => other.node(),
            })
            .collect();
        serde_json::to_vec(&Compact {
            nodes,
            hunks: &self.hunks,
        })
        .unwrap_or_default()
    }

    /// Reads back what [`Resolved::to_stored`] kept beside `body`.
    pub fn decode(body: &[u8], stored: &[u8]) -> Result<Resolved, String> {
        let stored: Stored = serde_json::from_slice(stored).map_err(|e| e.to_string())?;
        match stored {
            Stored::Whole { items, hunks } => Ok(Resolved { items, hunks }),
            Stored::Compact { nodes, hunks } => {
                let wire = parse_items(body).map_err(|e| e.to_string())?;
                if wire.len() != nodes.len() {
                    return Err(format!(
                        "{} items in the body, {} resolved",
                        wire.len(),
                        nodes.len()
                    ));
                }
                let items = wire
                    .into_iter()
                    .zip(nodes)
                    .enumerate()
                    .map(|(index, (item, node))| {
                        with_node(item, node).ok_or_else(|| format!("item {index} has no node"))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Resolved { items, hunks })
            }
        }
    }

    pub fn from_stored(revision: &SubmissionRevision) -> Result<Resolved, StoreError> {
        Resolved::decode(&revision.items, &revision.hunks).map_err(|e| StoreError::Corrupt {
            detail: format!(
                "the resolved items of {}'s revision {} cannot be read: {e}",
                revision.delegation, revision.revision
            ),
        })
    }

    /// The engine's view of a stored revision.
    pub fn submission(revision: &SubmissionRevision) -> Result<Submission, StoreError> {
        Ok(Submission {
            delegation: revision.delegation.clone(),
            revision: revision.revision,
            submitted_at: revision.submitted_at,
            items: Resolved::from_stored(revision)?.items,
        })
    }
}

/// A wire item with the node it was resolved to (`None` for a general comment only).
fn with_node(item: WireItem, node: Option<NodeId>) -> Option<Item> {
    Some(match item {
        WireItem::Amend {
            text,
            justification,
            ..
        } => Item::Amend {
            node: node?,
            text,
            justification,
        },
        WireItem::Delete { justification, .. } => Item::Delete {
            node: node?,
            justification,
        },
        WireItem::Insert {
            after,
            text,
            node_kind,
            justification,
            ..
        } => Item::Insert {
            at: if after.is_some() {
                Anchor::After(node?)
            } else {
                Anchor::Before(node?)
            },
            node_kind: match node_kind {
                Some(name) => Some(NodeKind::parse(&name)?),
                None => None,
            },
            text,
            justification,
        },
        WireItem::Comment { node: named, text } => Item::Comment {
            node: match named {
                Some(_) => Some(node?),
                None => None,
            },
            text,
        },
    })
}

fn hunks_as_arrays<S: serde::Serializer>(hunks: &[ItemHunks], out: S) -> Result<S::Ok, S::Error> {
    out.collect_seq(hunks.iter().map(|item| {
        let hunks: Vec<_> = item
            .hunks
            .iter()
            .map(|h| {
                (
                    h.start_word,
                    h.end_word,
                    h.start_token,
                    h.end_token,
                    h.start_byte,
                    h.end_byte,
                    &h.text,
                )
            })
            .collect();
        (item.item, item.node, hunks)
    }))
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
pub fn parse_items(bytes: &[u8]) -> Result<Vec<WireItem>, ApiError> {
    let envelope: Envelope<'_> = parse_json(bytes, "/items")?;
    if envelope.items.len() > MAX_ITEMS {
        return Err(ApiError::invalid_field(
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
        match serde_json::from_str::<WireItem>(raw.get()) {
            Ok(item) => items.push(item),
            Err(error) => errors.push(FieldError {
                pointer: format!("/items/{index}"),
                item: Some(index),
                reference: None,
                detail: format!("item {index} is not a valid item: {error}"),
            }),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(summary(&errors), errors));
    }
    Ok(items)
}

fn summary(errors: &[FieldError]) -> String {
    match errors {
        [one] => one.detail.clone(),
        [first, ..] => format!("{} (and {} more problems)", first.detail, errors.len() - 1),
        [] => "the request is not valid".into(),
    }
}

/// Turns wire items into core items on `base`, with the hunks of every amendment; every
/// problem is reported, each with its item index and the reference at fault.
pub fn resolve(items: &[WireItem], base: &Document) -> Result<Resolved, ApiError> {
    resolve_on(items, base, &References::of(base))
}

/// [`resolve`] with the base's references already computed (the server keeps them).
pub fn resolve_on(
    items: &[WireItem],
    base: &Document,
    references: &References,
) -> Result<Resolved, ApiError> {
    let mut errors = Vec::new();
    let mut resolved = Vec::with_capacity(items.len());
    // (item, node, text) of every amendment, diffed against its base text at the end
    let mut amended: Vec<(usize, NodeId, &str)> = Vec::new();
    // node → index of the amendment or deletion already naming it
    let mut rewritten: HashMap<NodeId, usize> = HashMap::new();
    for (index, item) in items.iter().enumerate() {
        let mut fail = |field: &str, reference: Option<&str>, detail: String| {
            errors.push(FieldError {
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
        match item {
            WireItem::Amend {
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
                        amended.push((index, id, text.as_str()));
                        resolved.push(Item::Amend {
                            node: id,
                            text: text.clone(),
                            justification: justification.clone(),
                        });
                    }
                }
            }
            WireItem::Insert {
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
                        at,
                        node_kind,
                        text: text.clone(),
                        justification: justification.clone(),
                    });
                }
            }
            WireItem::Delete {
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
                            node: id,
                            justification: justification.clone(),
                        });
                    }
                }
            }
            WireItem::Comment { node: name, text } => {
                let id = match name {
                    Some(name) => node("node", name, &mut fail).map(Some),
                    None => Some(None),
                };
                let has_text = text_ok("text", text, &mut fail);
                if let (Some(node), true) = (id, has_text) {
                    resolved.push(Item::Comment {
                        node,
                        text: text.clone(),
                    });
                }
            }
        }
    }
    if errors.is_empty() {
        let texts = texts_of(base, amended.iter().map(|(_, id, _)| *id).collect());
        let hunks = amended
            .into_iter()
            .map(|(item, node, text)| ItemHunks {
                item,
                node,
                hunks: penholder_diff::hunks(texts.get(&node).copied().unwrap_or_default(), text),
            })
            .collect();
        Ok(Resolved {
            items: resolved,
            hunks,
        })
    } else {
        Err(ApiError::validation(summary(&errors), errors))
    }
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

/// What `If-Match` / `If-None-Match` ask of the current revision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Precondition {
    None,
    /// `If-Match: "n"`: the latest revision must be n.
    Revision(u32),
    /// `If-Match: *`: some revision must exist.
    Exists,
    /// `If-None-Match: *`: none may exist yet.
    Absent,
}

fn etag(revision: u32) -> String {
    format!("\"{revision}\"")
}

fn precondition(headers: &HeaderMap) -> Result<Precondition, ApiError> {
    let read = |name: header::HeaderName| -> Result<Option<String>, ApiError> {
        headers
            .get(&name)
            .map(|v| {
                v.to_str()
                    .map(|s| s.trim().to_string())
                    .map_err(|_| ApiError::BadRequest(format!("the {name} header is not ASCII")))
            })
            .transpose()
    };
    if let Some(value) = read(header::IF_MATCH)? {
        if value == "*" {
            return Ok(Precondition::Exists);
        }
        let tag = value.trim_start_matches("W/").trim_matches('"');
        return tag.parse::<u32>().map(Precondition::Revision).map_err(|_| {
            ApiError::PreconditionFailed(format!(
                "If-Match {value} is not an ETag of this submission (they look like \"3\")"
            ))
        });
    }
    if let Some(value) = read(header::IF_NONE_MATCH)? {
        if value == "*" {
            return Ok(Precondition::Absent);
        }
        return Err(ApiError::BadRequest(
            "on a PUT, If-None-Match only takes * (create only if there is no submission yet)"
                .into(),
        ));
    }
    Ok(Precondition::None)
}

fn target_exists(delegations: &[Delegation], p: &str, code: &str) -> Result<(), ApiError> {
    if delegations.iter().any(|d| d.code == code) {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!(
            "delegation {code} is not part of process {p}"
        )))
    }
}

#[utoipa::path(put, path = "/v1/processes/{p}/rounds/{r}/submissions/{d}", tag = "submissions",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           ("d" = String, Path, description = "The delegation's code"),
           ("If-Match" = Option<String>, Header, description = "The ETag of the revision this replaces, or *"),
           ("If-None-Match" = Option<String>, Header, description = "* to create only if there is none yet"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    request_body = SubmissionRequest,
    responses((status = 201, body = SubmissionReceipt,
               headers(("ETag" = String, description = "The new revision"))), Problems),
    security(("bearer" = [])))]
pub async fn put_submission(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r, code)): ApiPath<(String, u32, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Reply, ApiError> {
    let (round, delegations) = round_scope(&state, &principal, &p, r, Some(&code)).await?;
    target_exists(&delegations, &p, &code)?;
    let relation = relation(&principal, &delegations, Some(&code));
    let phase = Phase::from(round.state_at(state.now()));
    authorize(
        &principal,
        Action::PutSubmission,
        relation,
        phase,
        Some(&round),
    )?;
    let precondition = precondition(&headers)?;
    let items = parse_items(&body.bytes)?;
    // Versions never change: the base is read once per server, not once per submission.
    let base = state.base(&p, &round.document, round.base_version).await?;
    let count = items.len();
    // A usual submission (tens of items) resolves in about a tenth of a millisecond: handing
    // it to the blocking pool would cost more in thread switches than it saves. Large ones go
    // there so that they never hold up the other requests of this worker.
    let resolved = if body.bytes.len() <= INLINE_RESOLVE_BYTES {
        resolve_on(&items, &base.version.document, &base.references)?
    } else {
        super::blocking(move || resolve_on(&items, &base.version.document, &base.references))
            .await?
    };
    let engine = resolved.to_stored();
    let bytes = body.bytes.clone();
    let actor = principal.actor();
    state
        .commit(&principal, &body, move |w, now| {
            let current = w.latest_revision(&p, r, &code)?;
            let failed = match precondition {
                Precondition::None => false,
                Precondition::Revision(expected) => expected != current,
                Precondition::Exists => current == 0,
                Precondition::Absent => current != 0,
            };
            if failed {
                return Err(ApiError::PreconditionFailed(format!(
                    "the submission of {code} in round {r} is at revision {current} ({}); read it again and resend",
                    etag(current)
                )));
            }
            let stored =
                w.put_submission(&p, r, &code, &bytes, &engine, Some(current), &actor, now)?;
            Ok(Reply::json(
                StatusCode::CREATED,
                &SubmissionReceipt {
                    delegation: code.clone(),
                    revision: stored.revision,
                    receipt: stored.receipt.to_hex(),
                    submitted_at: rfc3339(stored.submitted_at),
                    items: count,
                },
            )?
            .with_etag(etag(stored.revision))
            .with_location(format!(
                "/v1/processes/{p}/rounds/{r}/submissions/{code}/revisions/{}",
                stored.revision
            )))
        })
        .await
}

fn summary_of(revision: &SubmissionRevision) -> RevisionSummary {
    RevisionSummary {
        delegation: revision.delegation.clone(),
        revision: revision.revision,
        receipt: revision.receipt.to_hex(),
        submitted_at: rfc3339(revision.submitted_at),
        submitted_by: revision.submitted_by.clone(),
    }
}

fn view_of(revision: SubmissionRevision) -> Result<Response, ApiError> {
    let resolved = Resolved::from_stored(&revision)?;
    let text = String::from_utf8(revision.items.clone())
        .map_err(|e| ApiError::Internal(format!("a stored body is not UTF-8: {e}")))?;
    let body = RawValue::from_string(text)
        .map_err(|e| ApiError::Internal(format!("a stored body is not JSON: {e}")))?;
    let view = SubmissionView {
        delegation: revision.delegation.clone(),
        revision: revision.revision,
        receipt: revision.receipt.to_hex(),
        submitted_at: rfc3339(revision.submitted_at),
        submitted_by: revision.submitted_by.clone(),
        body,
        items: resolved.items,
        hunks: resolved.hunks,
    };
    Ok(Reply::json(StatusCode::OK, &view)?
        .with_etag(etag(revision.revision))
        .into_response())
}

/// Checks the caller may read one delegation's submission in a round.
async fn readable_submission(
    state: &AppState,
    principal: &Principal,
    p: &str,
    r: u32,
    code: &str,
) -> Result<(), ApiError> {
    let (round, delegations) = round_scope(state, principal, p, r, Some(code)).await?;
    target_exists(&delegations, p, code)?;
    let relation = relation(principal, &delegations, Some(code));
    let phase = Phase::from(round.state_at(state.now()));
    authorize(
        principal,
        Action::ReadSubmission,
        relation,
        phase,
        Some(&round),
    )
}

#[utoipa::path(get, path = "/v1/processes/{p}/rounds/{r}/submissions/{d}", tag = "submissions",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           ("d" = String, Path, description = "The delegation's code")),
    responses((status = 200, body = SubmissionView,
               headers(("ETag" = String, description = "The revision"))), Problems),
    security(("bearer" = [])))]
pub async fn get_submission(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r, code)): ApiPath<(String, u32, String)>,
) -> Result<Response, ApiError> {
    readable_submission(&state, &principal, &p, r, &code).await?;
    let revision = state
        .read(move |reader| reader.submission(&p, r, &code))
        .await?;
    view_of(revision)
}

#[utoipa::path(get, path = "/v1/processes/{p}/rounds/{r}/submissions/{d}/revisions", tag = "submissions",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           ("d" = String, Path, description = "The delegation's code")),
    responses((status = 200, body = RevisionList), Problems),
    security(("bearer" = [])))]
pub async fn list_revisions(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r, code)): ApiPath<(String, u32, String)>,
) -> Result<axum::Json<RevisionList>, ApiError> {
    readable_submission(&state, &principal, &p, r, &code).await?;
    let delegation = code.clone();
    let history = state
        .read(move |reader| reader.submission_history(&p, r, &code))
        .await?;
    Ok(axum::Json(RevisionList {
        delegation,
        revisions: history.iter().map(summary_of).collect(),
    }))
}

#[utoipa::path(get, path = "/v1/processes/{p}/rounds/{r}/submissions/{d}/revisions/{n}", tag = "submissions",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           ("d" = String, Path, description = "The delegation's code"),
           ("n" = u32, Path, description = "The revision")),
    responses((status = 200, body = SubmissionView), Problems),
    security(("bearer" = [])))]
pub async fn get_revision(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r, code, n)): ApiPath<(String, u32, String, u32)>,
) -> Result<Response, ApiError> {
    readable_submission(&state, &principal, &p, r, &code).await?;
    let revision = state
        .read(move |reader| reader.submission_revision(&p, r, &code, n))
        .await?;
    view_of(revision)
}

#[utoipa::path(get, path = "/v1/processes/{p}/rounds/{r}/submissions", tag = "submissions",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number")),
    responses((status = 200, body = SubmissionList), Problems),
    security(("bearer" = [])))]
pub async fn list_submissions(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r)): ApiPath<(String, u32)>,
) -> Result<axum::Json<SubmissionList>, ApiError> {
    // The caller's row and the groups decide every submission's visibility (see `relation`).
    let (round, delegations) = round_scope(&state, &principal, &p, r, None).await?;
    let phase = Phase::from(round.state_at(state.now()));
    authorize(
        &principal,
        Action::ListSubmissions,
        relation(&principal, &delegations, None),
        phase,
        Some(&round),
    )?;
    let latest = state.read(move |reader| reader.submissions(&p, r)).await?;
    let visible = latest
        .iter()
        .filter(|s| {
            let relation = relation(&principal, &delegations, Some(&s.delegation));
            policy::decide(Action::ReadSubmission, principal.role, relation, phase)
                == Verdict::Allow
        })
        .map(summary_of)
        .collect();
    let sealed = policy::decide(
        Action::ReadSubmission,
        principal.role,
        Relation::OtherMember,
        phase,
    ) != Verdict::Allow;
    Ok(axum::Json(SubmissionList {
        round: r,
        submissions: visible,
        sealed,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use penholder_core::{IdSource, Node};

    #[test]
    fn stored_beside_the_body_only_what_resolving_added_and_both_forms_read_back() {
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
        let body = br#"{"items":[{"kind":"amend","node":"OP1","text":"Agree to meet again soon, in 2027.","justification":"Sooner."},{"kind":"comment","node":null,"text":"Fine."},{"kind":"insert","before":"OP1","node_kind":"preambular","text":"Noting,"},{"kind":"comment","node":"PP1","text":"Why?"},{"kind":"delete","node":"PP1"}]}"#;
        let items = parse_items(body).unwrap();
        let resolved = resolve(&items, &base).unwrap();
        assert_eq!(resolved.hunks[0].hunks.len(), 2, "{:?}", resolved.hunks);
        let stored = resolved.to_stored();
        let text = String::from_utf8(stored.clone()).unwrap();
        assert!(text.contains(r#""hunks":[[0,""#), "{text}");
        assert!(!text.contains("start_word"), "{text}");
        // Justifications and comments are in the body, not again here.
        assert!(!text.contains("Sooner") && !text.contains("Why?"), "{text}");
        assert_eq!(Resolved::decode(body, &stored).unwrap(), resolved);

        // What earlier versions stored: the resolved items whole, hunks with named fields.
        let whole = serde_json::json!({
            "items": resolved.items,
            "hunks": resolved.hunks.iter().map(|h| serde_json::json!({
                "item": h.item, "node": h.node, "hunks": h.hunks,
            })).collect::<Vec<_>>(),
        })
        .to_string();
        assert!(whole.contains("start_word") && whole.contains("Sooner"));
        assert_eq!(Resolved::decode(body, whole.as_bytes()).unwrap(), resolved);
        assert!(
            stored.len() * 2 < whole.len(),
            "{} against {}",
            stored.len(),
            whole.len()
        );

        // A body and a resolution that do not belong together are an error, not a guess.
        assert!(Resolved::decode(br#"{"items":[]}"#, &stored).is_err());
        assert!(Resolved::decode(body, b"[1,2]").is_err());
    }
}
