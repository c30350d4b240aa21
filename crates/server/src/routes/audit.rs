//! The audit log of a process, oldest first, page by page.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery};
use crate::openapi::Problems;
use crate::state::AppState;
use crate::wire::{AuditEntryView, AuditList, AuditQuery};
use axum::Json;
use axum::extract::State;
use penholder_negotiation::audit;

#[utoipa::path(get, path = "/v1/processes/{p}/audit", tag = "audit",
    params(("p" = String, Path, description = "The process's slug"), AuditQuery),
    responses((status = 200, body = AuditList), Problems),
    security(("bearer" = [])))]
pub async fn get_audit(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(p): ApiPath<String>,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<AuditList>, ApiError> {
    let entries_after = query.after.unwrap_or(0);
    let limit = query.limit.unwrap_or(100);
    let (entries, next_after) = state
        .run(move |r| audit::page(r, &principal, &p, entries_after, limit))
        .await?;
    Ok(Json(AuditList {
        entries: entries.iter().map(AuditEntryView::from).collect(),
        next_after,
    }))
}
