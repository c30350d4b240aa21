//! The audit log of a process, oldest first, page by page.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery};
use crate::openapi::Problems;
use crate::page::{PageQuery, json_page, next_link};
use crate::state::AppState;
use crate::wire::{AuditEntryView, AuditList, AuditQuery};
use axum::extract::{OriginalUri, State};
use axum::response::Response;
use penholder_negotiation::audit;

/// Read a process's audit log, a page at a time
///
/// Oldest first; every entry hash-chained to the one before.
#[utoipa::path(get, path = "/v1/processes/{p}/audit", tag = "audit",
    params(("p" = String, Path, description = "The process's slug"), AuditQuery),
    responses((status = 200, description = "A page of the audit log; `next` (and the `Link` header) name the next page",
               body = AuditList,
               headers(("Link" = String, description = "`<…>; rel=\"next\"` when there may be more")),
               example = json!({"entries": [{"seq": 12, "at": "2026-03-18T16:42:07Z", "actor_sub": "fr-delegate", "actor_delegation": "FR", "actor_role": "delegate", "action": "submission.put", "subject": "budapest-7mc/1/FR", "payload_hash": "9c1e5d0f3b2a47c8e6d1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9", "detail": {"revision": 2}, "prev_hash": "2b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfe", "entry_hash": "3ad77bb40d7a3660a89ecaf32466ef97f5d3d585e0e1a7a2d1d3f0c8b6a4e2f1"}], "next_after": 12, "next": "/v1/processes/budapest-7mc/audit?limit=1&cursor=MTI"})),
              Problems),
    security(("bearer" = [])))]
pub async fn get_audit(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(p): ApiPath<String>,
    OriginalUri(uri): OriginalUri,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Response, ApiError> {
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    };
    let limit = page.limit()?;
    // The cursor names the last entry read: its sequence number.
    let entries_after = match page.after()? {
        Some(seq) => seq.parse::<u64>().map_err(|_| {
            ApiError::BadRequest(
                "cursor names no entry of this log: pass the cursor of a `next` link as given"
                    .into(),
            )
        })?,
        None => query.after.unwrap_or(0),
    };
    let (entries, next_after) = state
        .run(move |r| audit::page(r, &principal, &p, entries_after, limit as u32))
        .await?;
    let next = next_after.map(|seq| next_link(uri.path(), limit, &seq.to_string()));
    Ok(json_page(
        AuditList {
            entries: entries.iter().map(AuditEntryView::from).collect(),
            next_after,
            next: next.clone(),
        },
        next.as_deref(),
    ))
}
