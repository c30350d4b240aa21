//! Rounds: creation, reading, opening, closing, and deadline extensions — one call each to
//! [`penholder_negotiation::lifecycle`].

use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery, Body};
use crate::openapi::Problems;
use crate::page::{PageQuery, json_page};
use crate::policy::Action;
use crate::state::{AppState, Reply};
use crate::wire::*;
use axum::Json;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::Response;
use penholder_negotiation::input::time_field;
use penholder_negotiation::lifecycle::{self, Move, RoundPlan};
use penholder_negotiation::process::authorize_on;

/// Plan a round of feedback on a version of a document (chair)
#[utoipa::path(post, path = "/v1/processes/{p}/rounds", tag = "rounds",
    params(("p" = String, Path, description = "The process's slug"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    request_body = CreateRoundRequest,
    responses((status = 201, description = "The round created", body = RoundView,
               example = json!({"number": 1, "document": "declaration", "base_version": 1, "label": "Written feedback on the zero draft", "opens_at": "2026-03-09T09:00:00Z", "closes_at": "2026-03-20T17:00:00Z", "state": "planned", "created_at": "2026-03-02T10:00:00Z", "created_by": "chair-tr", "events": []})), Problems),
    security(("bearer" = [])))]
pub async fn create_round(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(p): ApiPath<String>,
    body: Body,
) -> Result<Reply, ApiError> {
    {
        let (caller, p) = (principal.clone(), p.clone());
        state
            .run(move |r| authorize_on(r, &caller, &p, Action::CreateRound))
            .await?;
    }
    let request: CreateRoundRequest = body.json()?;
    let plan = RoundPlan {
        opens_at: time_field("/opens_at", &request.opens_at)?,
        closes_at: time_field("/closes_at", &request.closes_at)?,
        document: request.document,
        base_version: request.base_version,
        label: request.label,
    };
    let caller = principal.clone();
    state
        .commit(&principal, &body, move |w, now| {
            let round = lifecycle::create(w, &caller, &p, &plan, now)?;
            Ok(
                Reply::json(StatusCode::CREATED, &RoundView::of(&round, now, &[]))?
                    .with_location(format!("/v1/processes/{p}/rounds/{}", round.number)),
            )
        })
        .await
}

/// List a process's rounds
#[utoipa::path(get, path = "/v1/processes/{p}/rounds", tag = "rounds",
    params(("p" = String, Path, description = "The process's slug"), PageQuery),
    responses((status = 200, description = "A page of the process's rounds, oldest first; the next page's URL in the `Link` header",
               body = Vec<RoundView>,
               headers(("Link" = String, description = "`<…>; rel=\"next\"` when there are more")),
               example = json!([{"number": 1, "document": "declaration", "base_version": 1, "label": "Written feedback on the zero draft", "opens_at": "2026-03-09T09:00:00Z", "closes_at": "2026-03-20T17:00:00Z", "state": "open", "created_at": "2026-03-02T10:00:00Z", "created_by": "chair-tr", "events": []}])),
              Problems),
    security(("bearer" = [])))]
pub async fn list_rounds(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(p): ApiPath<String>,
    OriginalUri(uri): OriginalUri,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Response, ApiError> {
    page.limit()?;
    let rounds = state
        .run(move |r| lifecycle::list(r, &principal, &p))
        .await?;
    let now = state.now();
    let page = page.page(rounds, uri.path(), |r| r.number.to_string())?;
    Ok(json_page(
        page.items
            .iter()
            .map(|r| RoundView::of(r, now, &[]))
            .collect::<Vec<_>>(),
        page.next.as_deref(),
    ))
}

/// Read a round
#[utoipa::path(get, path = "/v1/processes/{p}/rounds/{r}", tag = "rounds",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number")),
    responses((status = 200, description = "The round, its state now and the events of its life", body = RoundView,
               example = json!({"number": 1, "document": "declaration", "base_version": 1, "label": "Written feedback on the zero draft", "opens_at": "2026-03-09T09:00:00Z", "closes_at": "2026-03-20T17:00:00Z", "state": "open", "created_at": "2026-03-02T10:00:00Z", "created_by": "chair-tr", "events": []})), Problems),
    security(("bearer" = [])))]
pub async fn get_round(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r)): ApiPath<(String, u32)>,
) -> Result<Json<RoundView>, ApiError> {
    let (round, events) = state
        .run(move |reader| lifecycle::get(reader, &principal, &p, r))
        .await?;
    Ok(Json(RoundView::of(&round, state.now(), &events)))
}

/// The body of `open` and `close`: nothing, or an empty object. A field there (a deadline
/// meant for `extend`, say) would otherwise be silently ignored.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NoFields {}

async fn move_round(
    state: AppState,
    principal: Principal,
    p: String,
    r: u32,
    body: Body,
    action: Action,
) -> Result<Reply, ApiError> {
    let now = state.now();
    {
        let (caller, p) = (principal.clone(), p.clone());
        state
            .run(move |reader| lifecycle::may_move(reader, &caller, &p, r, action, now))
            .await?;
    }
    let step = match action {
        Action::OpenRound | Action::CloseRound => {
            if !body.bytes.iter().all(u8::is_ascii_whitespace) {
                let _: NoFields = body.json()?;
            }
            if action == Action::OpenRound {
                Move::Open
            } else {
                Move::Close
            }
        }
        _ => {
            let request: ExtendRequest = body.json()?;
            // Later than the current deadline: checked where the move is made.
            let closes_at = time_field("/closes_at", &request.closes_at)?;
            Move::Extend(closes_at)
        }
    };
    let caller = principal.clone();
    state
        .commit(&principal, &body, move |w, now| {
            let (round, events) = lifecycle::make_move(w, &caller, &p, r, step, now)?;
            Reply::json(StatusCode::OK, &RoundView::of(&round, now, &events))
        })
        .await
}

/// Open a planned round now (chair)
#[utoipa::path(post, path = "/v1/processes/{p}/rounds/{r}/open", tag = "rounds",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    responses((status = 200, description = "The round, now open", body = RoundView,
               example = json!({"number": 1, "document": "declaration", "base_version": 1, "label": "Written feedback on the zero draft", "opens_at": "2026-03-09T09:00:00Z", "closes_at": "2026-03-20T17:00:00Z", "state": "open", "created_at": "2026-03-02T10:00:00Z", "created_by": "chair-tr", "events": []})), Problems),
    security(("bearer" = [])))]
pub async fn open_round(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r)): ApiPath<(String, u32)>,
    body: Body,
) -> Result<Reply, ApiError> {
    move_round(state, principal, p, r, body, Action::OpenRound).await
}

/// Close an open round now (chair)
#[utoipa::path(post, path = "/v1/processes/{p}/rounds/{r}/close", tag = "rounds",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    responses((status = 200, description = "The round, now closed", body = RoundView,
               example = json!({"number": 1, "document": "declaration", "base_version": 1, "label": "Written feedback on the zero draft", "opens_at": "2026-03-09T09:00:00Z", "closes_at": "2026-03-20T17:00:00Z", "state": "closed", "created_at": "2026-03-02T10:00:00Z", "created_by": "chair-tr", "events": []})), Problems),
    security(("bearer" = [])))]
pub async fn close_round(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r)): ApiPath<(String, u32)>,
    body: Body,
) -> Result<Reply, ApiError> {
    move_round(state, principal, p, r, body, Action::CloseRound).await
}

/// Move an open round's deadline (chair)
#[utoipa::path(post, path = "/v1/processes/{p}/rounds/{r}/extend", tag = "rounds",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    request_body = ExtendRequest,
    responses((status = 200, description = "The round with its new deadline", body = RoundView,
               example = json!({"number": 1, "document": "declaration", "base_version": 1, "label": "Written feedback on the zero draft", "opens_at": "2026-03-09T09:00:00Z", "closes_at": "2026-03-20T17:00:00Z", "state": "open", "created_at": "2026-03-02T10:00:00Z", "created_by": "chair-tr", "events": []})), Problems),
    security(("bearer" = [])))]
pub async fn extend_round(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r)): ApiPath<(String, u32)>,
    body: Body,
) -> Result<Reply, ApiError> {
    move_round(state, principal, p, r, body, Action::ExtendDeadline).await
}
