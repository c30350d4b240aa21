//! Processes and their delegations: each handler reads the request, makes one call to
//! [`penholder_negotiation::process`], and maps what it gives to the wire.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery, Body};
use crate::openapi::Problems;
use crate::state::{AppState, Reply};
use crate::wire::*;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use penholder_negotiation::policy::Action;
use penholder_negotiation::process::{self, NewProcess};

#[utoipa::path(get, path = "/v1/processes", tag = "processes",
    responses((status = 200, body = Vec<ProcessSummary>), Problems),
    security(("bearer" = [])))]
pub async fn list_processes(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<ProcessSummary>>, ApiError> {
    let processes = state.run(move |r| process::list(r, &principal)).await?;
    Ok(Json(processes.iter().map(ProcessSummary::from).collect()))
}

#[utoipa::path(post, path = "/v1/processes", tag = "processes",
    request_body = CreateProcessRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    responses((status = 201, body = ProcessView), Problems),
    security(("bearer" = [])))]
pub async fn create_process(
    State(state): State<AppState>,
    principal: Principal,
    body: Body,
) -> Result<Reply, ApiError> {
    // Who may create comes before what is sent: a refusal does not depend on the body.
    process::may_create_or_list(&principal, Action::CreateProcess)?;
    let request: CreateProcessRequest = body.json()?;
    let new = NewProcess {
        slug: request.slug,
        title: request.title,
        delegations: request
            .delegations
            .into_iter()
            .map(|d| {
                let code = d.code.clone().unwrap_or_default();
                d.into_delegation(code)
            })
            .collect(),
    };
    let caller = principal.clone();
    state
        .commit(&principal, &body, move |w, now| {
            let created = process::create(w, &caller, &new, now)?;
            let view = ProcessView {
                slug: created.slug.clone(),
                title: created.title.clone(),
                created_at: crate::clock::rfc3339(created.created_at),
                created_by: created.created_by.clone(),
                delegations: new.delegations.iter().map(DelegationView::from).collect(),
                documents: Vec::new(),
                rounds: Vec::new(),
            };
            Ok(Reply::json(StatusCode::CREATED, &view)?
                .with_location(format!("/v1/processes/{}", created.slug)))
        })
        .await
}

#[utoipa::path(get, path = "/v1/processes/{p}", tag = "processes",
    params(("p" = String, Path, description = "The process's slug")),
    responses((status = 200, body = ProcessView), Problems),
    security(("bearer" = [])))]
pub async fn get_process(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(p): ApiPath<String>,
) -> Result<Json<ProcessView>, ApiError> {
    let overview = state
        .run(move |r| process::overview(r, &principal, &p))
        .await?;
    let now = state.now();
    Ok(Json(ProcessView {
        slug: overview.process.slug.clone(),
        title: overview.process.title.clone(),
        created_at: crate::clock::rfc3339(overview.process.created_at),
        created_by: overview.process.created_by.clone(),
        delegations: overview
            .delegations
            .iter()
            .map(DelegationView::from)
            .collect(),
        documents: overview
            .documents
            .iter()
            .map(DocumentSummary::from)
            .collect(),
        rounds: overview
            .rounds
            .iter()
            .map(|r| RoundView::of(r, now, &[]))
            .collect(),
    }))
}

#[utoipa::path(get, path = "/v1/processes/{p}/delegations", tag = "processes",
    params(("p" = String, Path, description = "The process's slug")),
    responses((status = 200, body = Vec<DelegationView>), Problems),
    security(("bearer" = [])))]
pub async fn list_delegations(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(p): ApiPath<String>,
) -> Result<Json<Vec<DelegationView>>, ApiError> {
    let delegations = state
        .run(move |r| process::delegations(r, &principal, &p))
        .await?;
    Ok(Json(delegations.iter().map(DelegationView::from).collect()))
}

#[utoipa::path(put, path = "/v1/processes/{p}/delegations/{code}", tag = "processes",
    params(("p" = String, Path, description = "The process's slug"),
           ("code" = String, Path, description = "The delegation's code"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    request_body = DelegationRequest,
    responses((status = 201, body = DelegationView), Problems),
    security(("bearer" = [])))]
pub async fn put_delegation(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, code)): ApiPath<(String, String)>,
    body: Body,
) -> Result<Reply, ApiError> {
    // Refused callers hear so before anything about their body; the write checks again.
    {
        let (caller, p) = (principal.clone(), p.clone());
        state
            .run(move |r| process::authorize_on(r, &caller, &p, Action::PutDelegation))
            .await?;
    }
    let request: DelegationRequest = body.json()?;
    if let Some(given) = &request.code
        && given != &code
    {
        return Err(ApiError::invalid_field(
            "/code",
            format!("the body names delegation {given} but the path names {code}"),
        ));
    }
    let delegation = request.into_delegation(code.clone());
    let caller = principal.clone();
    state
        .commit(&principal, &body, move |w, now| {
            process::put_delegation(w, &caller, &p, &delegation, now)?;
            Ok(
                Reply::json(StatusCode::CREATED, &DelegationView::from(&delegation))?
                    .with_location(format!("/v1/processes/{p}/delegations/{code}")),
            )
        })
        .await
}

#[utoipa::path(get, path = "/v1/processes/{p}/search", tag = "processes",
    summary = "Search the texts of a process's documents",
    description = "Full text in the store's own engine (SQLite FTS5, PostgreSQL text search): \
        every version of every document the caller may read. Each text found once, best first, \
        with the versions that hold it and the node's reference in each.",
    params(("p" = String, Path, description = "The process's slug"), SearchParams),
    responses((status = 200, body = SearchResults), Problems),
    security(("bearer" = [])))]
pub async fn search(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(p): ApiPath<String>,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Json<SearchResults>, ApiError> {
    let query = params.q.clone();
    let hits = state
        .run(move |r| {
            penholder_negotiation::search::search(r, &principal, &p, &params.q, params.limit)
        })
        .await?;
    Ok(Json(SearchResults {
        query,
        hits: hits.into_iter().map(SearchHitView::from).collect(),
    }))
}
