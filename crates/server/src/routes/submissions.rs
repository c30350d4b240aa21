//! Submissions: a delegation's feedback on a round, replaced whole by `PUT`, every revision kept.
//!
//! A `PUT` is checked in this order: the token, the policy (own delegation, round open at the
//! server's clock), the preconditions (`If-Match` / `If-None-Match` against the revision), the
//! body (each item's node resolved by id or by its reference in the round's base version), and
//! then one transaction stores the body exactly as received, the resolved items, and the audit
//! entry. The receipt is the SHA-256 of the body.

use crate::auth::Principal;
use crate::clock::rfc3339;
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery, Body};
use crate::openapi::Problems;
use crate::page::{PageQuery, json_page};
use crate::state::{AppState, Reply};
use crate::wire::*;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use penholder_core::Document;
use penholder_negotiation::feedback;
use penholder_negotiation::submission::{self, Expected, NewSubmission, parse_items, resolve_on};
use penholder_negotiation::word;
use penholder_store::SubmissionRevision;
use serde_json::value::RawValue;

/// Bodies up to this size are resolved on the request's own worker (see `put_submission`).
const INLINE_RESOLVE_BYTES: usize = 64 * 1024;

fn etag(revision: u32) -> String {
    format!("\"{revision}\"")
}

/// What `If-Match` / `If-None-Match` ask of the current revision.
fn precondition(headers: &HeaderMap) -> Result<Expected, ApiError> {
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
            return Ok(Expected::Exists);
        }
        let tag = value.trim_start_matches("W/").trim_matches('"');
        return tag.parse::<u32>().map(Expected::Revision).map_err(|_| {
            ApiError::PreconditionFailed(format!(
                "If-Match {value} is not an ETag of this submission (they look like \"3\")"
            ))
        });
    }
    if let Some(value) = read(header::IF_NONE_MATCH)? {
        if value == "*" {
            return Ok(Expected::Absent);
        }
        return Err(ApiError::BadRequest(
            "on a PUT, If-None-Match only takes * (create only if there is no submission yet)"
                .into(),
        ));
    }
    Ok(Expected::Any)
}

/// Submit (or replace) a delegation's feedback on an open round
///
/// The whole submission each time; every revision is kept. The receipt is the SHA-256 of the
/// body as received.
#[utoipa::path(put, path = "/v1/processes/{p}/rounds/{r}/submissions/{d}", tag = "submissions",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           ("d" = String, Path, description = "The delegation's code"),
           ("If-Match" = Option<String>, Header, description = "The ETag of the revision this replaces, or *"),
           ("If-None-Match" = Option<String>, Header, description = "* to create only if there is none yet"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes"),
           SubmissionQuery),
    request_body(
        description = "The items as JSON, or the round's base version as DOCX edited in Word or LibreOffice with change tracking on (docs/word.md)",
        content(
            (SubmissionRequest = "application/json"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))),
    responses((status = 201, description = "The submission stored, with its receipt", body = SubmissionReceipt,
               headers(("ETag" = String, description = "The new revision")),
               example = json!({"delegation": "FR", "revision": 2, "receipt": "9c1e5d0f3b2a47c8e6d1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9", "submitted_at": "2026-03-18T16:42:07Z", "items": 1})),
              (status = 200, body = UnderstoodSubmission, description = "With ?dry_run=true: the items understood, nothing stored",
               example = json!({"dry_run": true, "items": [{"kind": "amend", "node": "OP3", "text": "We commit to further strengthen cooperation.", "flags": ["tracked"]}], "resolved": 1})),
              Problems),
    security(("bearer" = [])))]
pub async fn put_submission(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r, code)): ApiPath<(String, u32, String)>,
    ApiQuery(query): ApiQuery<SubmissionQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Reply, ApiError> {
    let attempt = (
        principal.clone(),
        p.clone(),
        code.clone(),
        body.bytes.clone(),
    );
    let dry_run = query.dry_run.unwrap_or(false);
    let answer = submit(state.clone(), principal, p, r, code, headers, body, dry_run).await;
    if let Err(ApiError::WrongState(_)) = &answer {
        // Refused because the round takes no more submissions (or not yet): a late attempt is
        // kept in the audit log for the chairmanship to see.
        let (caller, p, code, bytes) = attempt;
        let now = state.now();
        let noted = state
            .store()
            .write(move |w| Ok(feedback::record_late(w, &caller, &p, r, &code, &bytes, now)))
            .await;
        if let Err(error) | Ok(Err(penholder_negotiation::Error::Store(error))) = &noted {
            tracing::warn!(%error, "a late submission could not be recorded in the audit log");
        }
    }
    answer
}

#[allow(clippy::too_many_arguments)] // reason: the request's parts, each extracted once by the handler
async fn submit(
    state: AppState,
    principal: Principal,
    p: String,
    r: u32,
    code: String,
    headers: HeaderMap,
    body: Body,
    dry_run: bool,
) -> Result<Reply, ApiError> {
    let submitting = state.may_submit(&principal, &p, r, &code).await?;
    let precondition = precondition(&headers)?;
    let round = submitting.round.clone();
    // Versions never change: the base is read once per server, not once per submission.
    let base = state.base(&p, &round.document, round.base_version).await?;
    // A Word file is understood as items, then submitted as the JSON body of those items.
    let (json_body, understood) = if body.docx {
        let (bytes, base) = (body.bytes.clone(), base.clone());
        let understood =
            super::blocking(move || Ok(word::understand(&bytes, &base.version)?)).await?;
        (axum::body::Bytes::from(understood.body()), Some(understood))
    } else {
        (body.bytes.clone(), None)
    };
    let items = parse_items(&json_body)?;
    submitting.admits(&items)?;
    if dry_run {
        let understood = understood.unwrap_or_else(|| word::WordSubmission {
            items: items
                .iter()
                .map(|item| word::UnderstoodItem {
                    item: item.clone(),
                    flags: Vec::new(),
                })
                .collect(),
        });
        let resolved = resolve_on(&items, &base.references)?;
        return Reply::json(
            StatusCode::OK,
            &UnderstoodSubmission {
                dry_run: true,
                items: serde_json::to_value(&understood.items)
                    .map_err(|e| ApiError::Internal(e.to_string()))?,
                resolved: resolved.items.len(),
            },
        );
    }
    let count = items.len();
    // A usual submission (tens of items) resolves in about a tenth of a millisecond: handing
    // it to the blocking pool would cost more in thread switches than it saves. Large ones go
    // there so that they never hold up the other requests of this worker.
    let resolved = if json_body.len() <= INLINE_RESOLVE_BYTES {
        resolve_on(&items, &base.references)?
    } else {
        super::blocking(move || Ok(resolve_on(&items, &base.references)?)).await?
    };
    let bytes = json_body;
    let flags = understood.map(|u| u.flags()).unwrap_or_default();
    let caller = principal.clone();
    state
        .commit(&principal, &body, move |w, now| {
            let submission = NewSubmission {
                process: &p,
                round: r,
                delegation: &code,
                body: &bytes,
                resolved: &resolved,
                flags: &flags,
                expected: precondition,
            };
            let stored = submission::record(w, &caller, &submission, now)?;
            Ok(Reply::json(
                StatusCode::CREATED,
                &SubmissionReceipt {
                    delegation: code.clone(),
                    revision: stored.revision,
                    receipt: stored.receipt.to_hex(),
                    submitted_at: rfc3339(stored.submitted_at),
                    items: count,
                    flags: flags.clone(),
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

/// A revision as the API shows it; the hunks of its amendments against the round's base
/// `base` are computed here (the store keeps none, see `BENCHMARKS.md`, "Stored hunks").
fn view_of(revision: SubmissionRevision, base: &Document) -> Result<Response, ApiError> {
    let hunks = submission::hunks_of(&revision.items, base);
    let text = String::from_utf8(revision.body.clone())
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
        items: revision.items.clone(),
        hunks,
        flags: revision.flags.clone(),
    };
    Ok(Reply::json(StatusCode::OK, &view)?
        .with_etag(etag(revision.revision))
        .into_response())
}

/// Read a delegation's latest submission
#[utoipa::path(get, path = "/v1/processes/{p}/rounds/{r}/submissions/{d}", tag = "submissions",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           ("d" = String, Path, description = "The delegation's code")),
    responses((status = 200, description = "The latest revision: the body as received, its items resolved and their word hunks", body = SubmissionView,
               headers(("ETag" = String, description = "The revision")),
               example = json!({"delegation": "FR", "revision": 2, "receipt": "9c1e5d0f3b2a47c8e6d1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9", "submitted_at": "2026-03-18T16:42:07Z", "submitted_by": "fr-delegate", "body": {"items": [{"kind": "amend", "node": "OP3", "text": "Call on all States to ratify the Convention without delay.", "justification": "Stronger wording"}]}, "items": [], "hunks": []})), Problems),
    security(("bearer" = [])))]
pub async fn get_submission(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r, code)): ApiPath<(String, u32, String)>,
) -> Result<Response, ApiError> {
    let now = state.now();
    let (round, revision) = {
        let p = p.clone();
        state
            .run(move |reader| feedback::latest(reader, &principal, &p, r, &code, now))
            .await?
    };
    let base = state.base(&p, &round.document, round.base_version).await?;
    view_of(revision, &base.version.document)
}

/// List every revision of a delegation's submission
#[utoipa::path(get, path = "/v1/processes/{p}/rounds/{r}/submissions/{d}/revisions", tag = "submissions",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           ("d" = String, Path, description = "The delegation's code"),
           PageQuery),
    responses((status = 200, description = "A page of the revisions, oldest first; `next` (and the `Link` header) name the next page",
               body = RevisionList,
               headers(("Link" = String, description = "`<…>; rel=\"next\"` when there are more")),
               example = json!({"delegation": "FR", "revisions": [{"delegation": "FR", "revision": 2, "receipt": "9c1e5d0f3b2a47c8e6d1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9", "submitted_at": "2026-03-18T16:42:07Z", "submitted_by": "fr-delegate"}]})),
              Problems),
    security(("bearer" = [])))]
pub async fn list_revisions(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r, code)): ApiPath<(String, u32, String)>,
    OriginalUri(uri): OriginalUri,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Response, ApiError> {
    page.limit()?;
    let (delegation, now) = (code.clone(), state.now());
    let history = state
        .run(move |reader| feedback::history(reader, &principal, &p, r, &code, now))
        .await?;
    let page = page.page(history, uri.path(), |h| h.revision.to_string())?;
    Ok(json_page(
        RevisionList {
            delegation,
            revisions: page.items.iter().map(summary_of).collect(),
            next: page.next.clone(),
        },
        page.next.as_deref(),
    ))
}

/// Read one revision of a delegation's submission
#[utoipa::path(get, path = "/v1/processes/{p}/rounds/{r}/submissions/{d}/revisions/{n}", tag = "submissions",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           ("d" = String, Path, description = "The delegation's code"),
           ("n" = u32, Path, description = "The revision")),
    responses((status = 200, description = "That revision, as the latest is shown", body = SubmissionView,
               headers(("ETag" = String, description = "The revision")),
               example = json!({"delegation": "FR", "revision": 2, "receipt": "9c1e5d0f3b2a47c8e6d1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9", "submitted_at": "2026-03-18T16:42:07Z", "submitted_by": "fr-delegate", "body": {"items": [{"kind": "amend", "node": "OP3", "text": "Call on all States to ratify the Convention without delay.", "justification": "Stronger wording"}]}, "items": [], "hunks": []})), Problems),
    security(("bearer" = [])))]
pub async fn get_revision(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r, code, n)): ApiPath<(String, u32, String, u32)>,
) -> Result<Response, ApiError> {
    let now = state.now();
    let (round, revision) = {
        let p = p.clone();
        state
            .run(move |reader| feedback::revision(reader, &principal, &p, r, &code, n, now))
            .await?
    };
    let base = state.base(&p, &round.document, round.base_version).await?;
    view_of(revision, &base.version.document)
}

/// List a round's submissions the caller may see
#[utoipa::path(get, path = "/v1/processes/{p}/rounds/{r}/submissions", tag = "submissions",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           PageQuery),
    responses((status = 200, description = "A page of the latest revision of each submission the caller may see; `next` (and the `Link` header) name the next page",
               body = SubmissionList,
               headers(("Link" = String, description = "`<…>; rel=\"next\"` when there are more")),
               example = json!({"round": 1, "submissions": [{"delegation": "FR", "revision": 2, "receipt": "9c1e5d0f3b2a47c8e6d1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9", "submitted_at": "2026-03-18T16:42:07Z", "submitted_by": "fr-delegate"}], "sealed": false})),
              Problems),
    security(("bearer" = [])))]
pub async fn list_submissions(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r)): ApiPath<(String, u32)>,
    OriginalUri(uri): OriginalUri,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Response, ApiError> {
    page.limit()?;
    let now = state.now();
    let visible = state
        .run(move |reader| feedback::list(reader, &principal, &p, r, now))
        .await?;
    let sealed = visible.sealed;
    let page = page.page(visible.submissions, uri.path(), |s| s.delegation.clone())?;
    Ok(json_page(
        SubmissionList {
            round: r,
            submissions: page.items.iter().map(summary_of).collect(),
            sealed,
            next: page.next.clone(),
        },
        page.next.as_deref(),
    ))
}
