//! The audit log of a process, oldest first, page by page.

use super::{authorize, relation};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery};
use crate::openapi::Problems;
use crate::policy::{Action, Phase};
use crate::state::AppState;
use crate::wire::{AuditEntryView, AuditList, AuditQuery};
use axum::Json;
use axum::extract::State;

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
    let delegations = {
        let p = p.clone();
        state.read(move |r| r.delegations(&p)).await?
    };
    let relation = relation(&principal, &delegations, None);
    authorize(
        &principal,
        Action::ReadAudit,
        relation,
        Phase::NoRound,
        None,
    )?;
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let after = query.after.unwrap_or(0);
    let entries = state
        .read(move |r| r.audit_entries(Some(&p), after, limit))
        .await?;
    let next_after = (entries.len() == limit as usize)
        .then(|| entries.last().map(|e| e.seq))
        .flatten();
    Ok(Json(AuditList {
        entries: entries.iter().map(AuditEntryView::from).collect(),
        next_after,
    }))
}
