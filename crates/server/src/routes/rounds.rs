//! Rounds: creation, reading, opening, closing, and deadline extensions.

use super::{authorize, check_text, relation};
use crate::auth::Principal;
use crate::clock::parse_rfc3339;
use crate::error::ApiError;
use crate::extract::{ApiPath, Body};
use crate::openapi::Problems;
use crate::policy::{Action, Phase};
use crate::state::{AppState, Reply};
use crate::wire::*;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use penholder_core::negotiation::Delegation;
use penholder_store::{NewRound, RoundInfo};

fn time_field(pointer: &str, text: &str) -> Result<i64, ApiError> {
    parse_rfc3339(text).ok_or_else(|| {
        ApiError::invalid_field(
            pointer,
            format!("{text:?} is not an RFC 3339 time such as 2024-06-27T12:00:00Z"),
        )
    })
}

#[utoipa::path(post, path = "/v1/processes/{p}/rounds", tag = "rounds",
    params(("p" = String, Path, description = "The process's slug"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    request_body = CreateRoundRequest,
    responses((status = 201, body = RoundView), Problems),
    security(("bearer" = [])))]
pub async fn create_round(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(p): ApiPath<String>,
    body: Body,
) -> Result<Reply, ApiError> {
    let delegations = {
        let p = p.clone();
        state.read(move |r| r.delegations(&p)).await?
    };
    let relation = relation(&principal, &delegations, None);
    authorize(
        &principal,
        Action::CreateRound,
        relation,
        Phase::NoRound,
        None,
    )?;
    let request: CreateRoundRequest = body.json()?;
    check_text("/label", &request.label, 300)?;
    let opens_at = time_field("/opens_at", &request.opens_at)?;
    let closes_at = time_field("/closes_at", &request.closes_at)?;
    if closes_at <= opens_at {
        return Err(ApiError::invalid_field(
            "/closes_at",
            "a round must close after it opens",
        ));
    }
    let actor = principal.actor();
    state
        .commit(&principal, &body, move |w, now| {
            let base_version = match request.base_version {
                Some(number) => number,
                None => w.document(&p, &request.document)?.latest_version,
            };
            let round = w.create_round(
                &p,
                &NewRound {
                    document: request.document.clone(),
                    base_version,
                    label: request.label.clone(),
                    opens_at,
                    closes_at,
                },
                &actor,
                now,
            )?;
            Ok(
                Reply::json(StatusCode::CREATED, &RoundView::of(&round, now, &[]))?
                    .with_location(format!("/v1/processes/{p}/rounds/{}", round.number)),
            )
        })
        .await
}

#[utoipa::path(get, path = "/v1/processes/{p}/rounds", tag = "rounds",
    params(("p" = String, Path, description = "The process's slug")),
    responses((status = 200, body = Vec<RoundView>), Problems),
    security(("bearer" = [])))]
pub async fn list_rounds(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(p): ApiPath<String>,
) -> Result<Json<Vec<RoundView>>, ApiError> {
    let (delegations, rounds) = state
        .read(move |r| Ok((r.delegations(&p)?, r.rounds(&p)?)))
        .await?;
    let relation = relation(&principal, &delegations, None);
    authorize(
        &principal,
        Action::ReadRound,
        relation,
        Phase::NoRound,
        None,
    )?;
    let now = state.now();
    Ok(Json(
        rounds.iter().map(|r| RoundView::of(r, now, &[])).collect(),
    ))
}

/// Reads a round and the delegations deciding the caller's relation to it and to `target`:
/// the caller's, the target's and every group (see `Reader::delegations_concerning`).
pub async fn round_scope(
    state: &AppState,
    principal: &Principal,
    p: &str,
    r: u32,
    target: Option<&str>,
) -> Result<(RoundInfo, Vec<Delegation>), ApiError> {
    let p = p.to_string();
    let codes: Vec<String> = principal
        .delegation
        .iter()
        .map(String::as_str)
        .chain(target)
        .map(str::to_owned)
        .collect();
    state
        .read(move |reader| {
            let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
            Ok((
                reader.round(&p, r)?,
                reader.delegations_concerning(&p, &codes)?,
            ))
        })
        .await
}

#[utoipa::path(get, path = "/v1/processes/{p}/rounds/{r}", tag = "rounds",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number")),
    responses((status = 200, body = RoundView), Problems),
    security(("bearer" = [])))]
pub async fn get_round(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r)): ApiPath<(String, u32)>,
) -> Result<Json<RoundView>, ApiError> {
    let (round, delegations, events) = state
        .read(move |reader| {
            Ok((
                reader.round(&p, r)?,
                reader.delegations(&p)?,
                reader.round_events(&p, r)?,
            ))
        })
        .await?;
    let relation = relation(&principal, &delegations, None);
    authorize(
        &principal,
        Action::ReadRound,
        relation,
        Phase::NoRound,
        None,
    )?;
    Ok(Json(RoundView::of(&round, state.now(), &events)))
}

/// The body of `open` and `close`: nothing, or an empty object. A field there (a deadline
/// meant for `extend`, say) would otherwise be silently ignored.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NoFields {}

/// The move a round endpoint makes.
#[derive(Clone, Copy)]
enum Move {
    Open,
    Close,
    Extend(i64),
}

async fn move_round(
    state: AppState,
    principal: Principal,
    p: String,
    r: u32,
    body: Body,
    action: Action,
) -> Result<Reply, ApiError> {
    let (round, delegations) = round_scope(&state, &principal, &p, r, None).await?;
    let relation = relation(&principal, &delegations, None);
    let phase = Phase::from(round.state_at(state.now()));
    authorize(&principal, action, relation, phase, Some(&round))?;
    if matches!(action, Action::OpenRound | Action::CloseRound)
        && !body.bytes.iter().all(u8::is_ascii_whitespace)
    {
        let _: NoFields = body.json()?;
    }
    let step = match action {
        Action::OpenRound => Move::Open,
        Action::CloseRound => Move::Close,
        _ => {
            let request: ExtendRequest = body.json()?;
            let closes_at = time_field("/closes_at", &request.closes_at)?;
            if closes_at <= round.closes_at {
                return Err(ApiError::invalid_field(
                    "/closes_at",
                    format!(
                        "the new deadline must be later than the current one, {}",
                        crate::clock::rfc3339(round.closes_at)
                    ),
                ));
            }
            Move::Extend(closes_at)
        }
    };
    let actor = principal.actor();
    state
        .commit(&principal, &body, move |w, now| {
            let round = match step {
                Move::Open => w.open_round(&p, r, &actor, now)?,
                Move::Close => w.close_round(&p, r, &actor, now)?,
                Move::Extend(closes_at) => w.extend_deadline(&p, r, closes_at, &actor, now)?,
            };
            let events = w.round_events(&p, r)?;
            Reply::json(StatusCode::OK, &RoundView::of(&round, now, &events))
        })
        .await
}

#[utoipa::path(post, path = "/v1/processes/{p}/rounds/{r}/open", tag = "rounds",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    responses((status = 200, body = RoundView), Problems),
    security(("bearer" = [])))]
pub async fn open_round(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r)): ApiPath<(String, u32)>,
    body: Body,
) -> Result<Reply, ApiError> {
    move_round(state, principal, p, r, body, Action::OpenRound).await
}

#[utoipa::path(post, path = "/v1/processes/{p}/rounds/{r}/close", tag = "rounds",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    responses((status = 200, body = RoundView), Problems),
    security(("bearer" = [])))]
pub async fn close_round(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r)): ApiPath<(String, u32)>,
    body: Body,
) -> Result<Reply, ApiError> {
    move_round(state, principal, p, r, body, Action::CloseRound).await
}

#[utoipa::path(post, path = "/v1/processes/{p}/rounds/{r}/extend", tag = "rounds",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    request_body = ExtendRequest,
    responses((status = 200, body = RoundView), Problems),
    security(("bearer" = [])))]
pub async fn extend_round(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r)): ApiPath<(String, u32)>,
    body: Body,
) -> Result<Reply, ApiError> {
    move_round(state, principal, p, r, body, Action::ExtendDeadline).await
}
