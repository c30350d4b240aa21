//! Processes and their delegations.

use super::{authorize, check_text, relation};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiPath, Body};
use crate::openapi::Problems;
use crate::policy::{Action, Phase, Relation};
use crate::state::{AppState, Reply};
use crate::wire::*;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use std::collections::HashSet;

#[utoipa::path(get, path = "/v1/processes", tag = "processes",
    responses((status = 200, body = Vec<ProcessSummary>), Problems),
    security(("bearer" = [])))]
pub async fn list_processes(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<ProcessSummary>>, ApiError> {
    authorize(
        &principal,
        Action::ListProcesses,
        Relation::NonMember,
        Phase::NoRound,
        None,
    )?;
    let processes = state.read(|r| r.processes()).await?;
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
    authorize(
        &principal,
        Action::CreateProcess,
        Relation::NonMember,
        Phase::NoRound,
        None,
    )?;
    let request: CreateProcessRequest = body.json()?;
    if !valid_slug(&request.slug) {
        return Err(ApiError::invalid_field(
            "/slug",
            "a process slug is 1 to 64 lower-case letters, digits, '-', '_' or '.', starting with a letter or digit",
        ));
    }
    check_text("/title", &request.title, 500)?;
    let mut seen = HashSet::new();
    let mut delegations = Vec::new();
    for (index, delegation) in request.delegations.into_iter().enumerate() {
        let pointer = format!("/delegations/{index}");
        let code = delegation.code.clone().unwrap_or_default();
        check_delegation(&pointer, &code, &delegation)?;
        if !seen.insert(code.clone()) {
            return Err(ApiError::invalid_field(
                format!("{pointer}/code"),
                format!("delegation {code} is listed twice"),
            ));
        }
        delegations.push(delegation.into_delegation(code));
    }
    let actor = principal.actor();
    let slug = request.slug.clone();
    let title = request.title;
    state
        .commit(&principal, &body, move |w, now| {
            let process = w.create_process(&slug, &title, &actor, now)?;
            for delegation in &delegations {
                w.add_delegation(&slug, delegation, &actor, now)?;
            }
            let view = ProcessView {
                slug: process.slug.clone(),
                title: process.title.clone(),
                created_at: crate::clock::rfc3339(process.created_at),
                created_by: process.created_by.clone(),
                delegations: delegations.iter().map(DelegationView::from).collect(),
                documents: Vec::new(),
                rounds: Vec::new(),
            };
            Ok(Reply::json(StatusCode::CREATED, &view)?
                .with_location(format!("/v1/processes/{slug}")))
        })
        .await
}

fn check_delegation(
    pointer: &str,
    code: &str,
    delegation: &DelegationRequest,
) -> Result<(), ApiError> {
    if !valid_code(code) {
        return Err(ApiError::invalid_field(
            format!("{pointer}/code"),
            "a delegation code is 1 to 32 letters, digits, '-' or '_' (HU, EU, ICMPD)",
        ));
    }
    check_text(&format!("{pointer}/name"), &delegation.name, 300)?;
    if delegation.kind != DelegationKindWire::Group && !delegation.members.is_empty() {
        return Err(ApiError::invalid_field(
            format!("{pointer}/members"),
            "only a group lists members",
        ));
    }
    for (index, member) in delegation.members.iter().enumerate() {
        if !valid_code(member) || member == code {
            return Err(ApiError::invalid_field(
                format!("{pointer}/members/{index}"),
                format!("{member:?} is not a delegation code other than the group's own"),
            ));
        }
    }
    Ok(())
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
    let (process, delegations, documents, rounds) = state
        .read(move |r| {
            Ok((
                r.process(&p)?,
                r.delegations(&p)?,
                r.documents(&p)?,
                r.rounds(&p)?,
            ))
        })
        .await?;
    let relation = relation(&principal, &delegations, None);
    authorize(
        &principal,
        Action::ReadProcess,
        relation,
        Phase::NoRound,
        None,
    )?;
    let now = state.now();
    // Rounds are listed to those who may read them; everyone sees the process's shape.
    let may_read_rounds = authorize(
        &principal,
        Action::ReadRound,
        relation,
        Phase::NoRound,
        None,
    )
    .is_ok();
    Ok(Json(ProcessView {
        slug: process.slug.clone(),
        title: process.title.clone(),
        created_at: crate::clock::rfc3339(process.created_at),
        created_by: process.created_by.clone(),
        delegations: delegations.iter().map(DelegationView::from).collect(),
        documents: documents.iter().map(DocumentSummary::from).collect(),
        rounds: if may_read_rounds {
            rounds.iter().map(|r| RoundView::of(r, now, &[])).collect()
        } else {
            Vec::new()
        },
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
    let delegations = state.read(move |r| r.delegations(&p)).await?;
    let relation = relation(&principal, &delegations, None);
    authorize(
        &principal,
        Action::ReadProcess,
        relation,
        Phase::NoRound,
        None,
    )?;
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
    let delegations = {
        let p = p.clone();
        state.read(move |r| r.delegations(&p)).await?
    };
    let relation = relation(&principal, &delegations, None);
    authorize(
        &principal,
        Action::PutDelegation,
        relation,
        Phase::NoRound,
        None,
    )?;
    let request: DelegationRequest = body.json()?;
    if let Some(given) = &request.code
        && given != &code
    {
        return Err(ApiError::invalid_field(
            "/code",
            format!("the body names delegation {given} but the path names {code}"),
        ));
    }
    check_delegation("", &code, &request)?;
    let delegation = request.into_delegation(code.clone());
    let actor = principal.actor();
    state
        .commit(&principal, &body, move |w, now| {
            w.add_delegation(&p, &delegation, &actor, now)?;
            Ok(
                Reply::json(StatusCode::CREATED, &DelegationView::from(&delegation))?
                    .with_location(format!("/v1/processes/{p}/delegations/{code}")),
            )
        })
        .await
}
