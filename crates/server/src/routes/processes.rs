//! Processes and their delegations: each handler reads the request, makes one call to
//! [`penholder_negotiation::process`], and maps what it gives to the wire.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery, Body};
use crate::openapi::Problems;
use crate::page::{PageQuery, json_page};
use crate::state::{AppState, Reply};
use crate::wire::*;
use axum::Json;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::Response;
use penholder_negotiation::policy::Action;
use penholder_negotiation::process::{self, NewProcess};

/// List the processes the caller may see
///
/// A page of them (see the `Link` header for the next).
#[utoipa::path(get, path = "/v1/processes", tag = "processes",
    params(PageQuery),
    responses((status = 200, description = "A page of the processes the caller may see; the next page's URL in the `Link` header",
               body = Vec<ProcessSummary>,
               headers(("Link" = String, description = "`<…>; rel=\"next\"` when there are more")),
               example = json!([{"slug": "budapest-7mc", "title": "Budapest Declaration, 7th Ministerial Conference", "created_at": "2026-03-02T09:00:00Z", "created_by": "admin"}])),
              Problems),
    security(("bearer" = [])))]
pub async fn list_processes(
    State(state): State<AppState>,
    principal: Principal,
    OriginalUri(uri): OriginalUri,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Response, ApiError> {
    page.limit()?;
    let processes = state.run(move |r| process::list(r, &principal)).await?;
    let page = page.page(processes, uri.path(), |p| p.slug.clone())?;
    Ok(json_page(
        page.items
            .iter()
            .map(ProcessSummary::from)
            .collect::<Vec<_>>(),
        page.next.as_deref(),
    ))
}

/// Create a process with its delegations (admin)
#[utoipa::path(post, path = "/v1/processes", tag = "processes",
    request_body = CreateProcessRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    responses((status = 201, description = "The process created", body = ProcessView,
               example = json!({"slug": "budapest-7mc", "title": "Budapest Declaration, 7th Ministerial Conference", "created_at": "2026-03-02T09:00:00Z", "created_by": "admin", "delegations": [{"code": "FR", "name": "France", "kind": "state", "participation": "participant", "function": null, "members": []}], "documents": [], "rounds": []})),
              Problems),
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

/// Read a process
#[utoipa::path(get, path = "/v1/processes/{p}", tag = "processes",
    params(("p" = String, Path, description = "The process's slug")),
    responses((status = 200, description = "The process, its delegations, documents and rounds", body = ProcessView,
               example = json!({"slug": "budapest-7mc", "title": "Budapest Declaration, 7th Ministerial Conference", "created_at": "2026-03-02T09:00:00Z", "created_by": "admin", "delegations": [{"code": "TR", "name": "Türkiye", "kind": "state", "participation": "participant", "function": "chair", "members": []}], "documents": [{"slug": "declaration", "title": "Budapest Declaration", "classification": null, "latest_version": 2, "created_at": "2026-03-02T09:05:00Z", "created_by": "chair-tr"}], "rounds": []})),
              Problems),
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

/// List a process's delegations
#[utoipa::path(get, path = "/v1/processes/{p}/delegations", tag = "processes",
    params(("p" = String, Path, description = "The process's slug"), PageQuery),
    responses((status = 200, description = "A page of the process's delegations; the next page's URL in the `Link` header",
               body = Vec<DelegationView>,
               headers(("Link" = String, description = "`<…>; rel=\"next\"` when there are more")),
               example = json!([{"code": "FR", "name": "France", "kind": "state", "participation": "participant", "function": null, "members": ["fr-delegate"]}])),
              Problems),
    security(("bearer" = [])))]
pub async fn list_delegations(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(p): ApiPath<String>,
    OriginalUri(uri): OriginalUri,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Response, ApiError> {
    page.limit()?;
    let delegations = state
        .run(move |r| process::delegations(r, &principal, &p))
        .await?;
    let page = page.page(delegations, uri.path(), |d| d.code.clone())?;
    Ok(json_page(
        page.items
            .iter()
            .map(DelegationView::from)
            .collect::<Vec<_>>(),
        page.next.as_deref(),
    ))
}

/// Add or update a delegation (admin)
#[utoipa::path(put, path = "/v1/processes/{p}/delegations/{code}", tag = "processes",
    params(("p" = String, Path, description = "The process's slug"),
           ("code" = String, Path, description = "The delegation's code"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    request_body = DelegationRequest,
    responses((status = 201, description = "The delegation as now stored", body = DelegationView,
               example = json!({"code": "FR", "name": "France", "kind": "state", "participation": "participant", "function": null, "members": ["fr-delegate"]})),
              Problems),
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
        with the versions that hold it and the node's reference in each. Proposals are found \
        once their round is consolidated, with their delegation, round and reference, and only \
        where the caller may read the submission.",
    params(("p" = String, Path, description = "The process's slug"), SearchParams),
    responses((status = 200, description = "The texts found, best first, each with the versions that hold it",
               body = SearchResults,
               example = json!({"query": "\"legal pathways\" migration", "hits": [{"document": "declaration", "node": "0193a1f2-7c4e-7d2a-9b1e-5f3c2d1a0b9e", "text": "We commit to legal pathways for migration.", "versions": [{"version": 1, "reference": "OP3"}, {"version": 2, "reference": "OP4"}]}], "proposals": [{"document": "declaration", "round": 1, "delegation": "SE", "revision": 1, "item": 2, "kind": "amend", "reference": "OP3", "text": "We commit to safe and legal pathways for migration."}]})),
              Problems),
    security(("bearer" = [])))]
pub async fn search(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(p): ApiPath<String>,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Json<SearchResults>, ApiError> {
    let query = params.q.clone();
    let now = state.now();
    let found = state
        .run(move |r| {
            penholder_negotiation::search::search_with_proposals(
                r,
                &principal,
                &p,
                &params.q,
                params.limit,
                now,
            )
        })
        .await?;
    Ok(Json(SearchResults {
        query,
        hits: found.texts.into_iter().map(SearchHitView::from).collect(),
        proposals: found
            .proposals
            .into_iter()
            .map(crate::wire_views::ProposalHitView::from)
            .collect(),
    }))
}
