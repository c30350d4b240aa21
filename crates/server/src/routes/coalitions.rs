//! Coalitions in a round: a group member's agreement to the group's common text and its
//! dissociation from one of the group's items, a delegation's co-sponsoring of another's
//! proposal, and what they add up to.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiPath, Body};
use crate::openapi::Problems;
use crate::state::{AppState, Reply};
use crate::wire_coalition::*;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use penholder_negotiation::coalition;

/// The coalitions of a round: each group's common text and who agreed to it or dissociated from its items, and every co-sponsorship
#[utoipa::path(get, path = "/v1/processes/{p}/rounds/{r}/coalitions", tag = "coalitions",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number")),
    responses((status = 200, description = "Each group's position and every co-sponsorship that holds (read as the compilation is: the chair at any time, the delegations once the round has closed)", body = CoalitionsView,
               example = json!({"groups": [{"group": "EU", "members": ["AT", "DE", "HU"], "revision": 2, "agreed": ["AT", "DE"], "pending": ["HU"], "dissociations": [{"item": 1, "member": "HU", "note": "Hungary does not join this wording."}]}], "cosponsorships": [{"proposer": "FR", "item": 2, "cosponsors": ["NO"]}]})),
              Problems),
    security(("bearer" = [])))]
pub async fn get_coalitions(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r)): ApiPath<(String, u32)>,
) -> Result<Json<CoalitionsView>, ApiError> {
    let now = state.now();
    let coalitions = state
        .run(move |reader| coalition::read(reader, &principal, &p, r, now))
        .await?;
    Ok(Json(CoalitionsView::new(&coalitions, &[])))
}

/// Agree to a group's common text (a member of the group, before the deadline)
#[utoipa::path(post, path = "/v1/processes/{p}/rounds/{r}/submissions/{d}/agree", tag = "coalitions",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           ("d" = String, Path, description = "The group's code (`EU`)"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    request_body = ActRequest,
    responses((status = 201, description = "The agreement recorded, to the group's latest revision as it stands (a redrafted text needs it again)", body = CoalitionActView,
               example = json!({"kind": "agree", "delegation": "AT", "proposer": "EU", "revision": 2, "note": "", "by": "at-1", "at": "2026-03-20T10:00:00Z", "sequence": 3})),
              Problems),
    security(("bearer" = [])))]
pub async fn agree(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r, d)): ApiPath<(String, u32, String)>,
    body: Body,
) -> Result<Reply, ApiError> {
    state
        .act(
            &principal,
            &body,
            StatusCode::CREATED,
            move |w, caller, request: ActRequest, now| {
                let note = request.note.unwrap_or_default();
                Ok(CoalitionActView::from(&coalition::agree(
                    w, caller, &p, r, &d, &note, now,
                )?))
            },
        )
        .await
}

/// Dissociate from one of a group's items (a member of the group, with a note)
#[utoipa::path(post, path = "/v1/processes/{p}/rounds/{r}/submissions/{d}/items/{n}/dissociate", tag = "coalitions",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           ("d" = String, Path, description = "The group's code (`EU`)"),
           ("n" = u32, Path, description = "The item's number in the group's latest submission, from 1 (as in the dispositions: `EU-3`)"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    request_body = ActRequest,
    responses((status = 201, description = "The dissociation recorded: the compilation shows the item as the group's except this member's, and the member's outcomes leave it out", body = CoalitionActView,
               example = json!({"kind": "dissociate", "delegation": "HU", "proposer": "EU", "revision": 2, "item": 1, "note": "Hungary does not join this wording.", "by": "hu-1", "at": "2026-03-20T10:00:00Z", "sequence": 4})),
              Problems),
    security(("bearer" = [])))]
pub async fn dissociate(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r, d, n)): ApiPath<(String, u32, String, u32)>,
    body: Body,
) -> Result<Reply, ApiError> {
    state
        .act(
            &principal,
            &body,
            StatusCode::CREATED,
            move |w, caller, request: ActRequest, now| {
                let note = request.note.unwrap_or_default();
                Ok(CoalitionActView::from(&coalition::dissociate(
                    w, caller, &p, r, &d, n, &note, now,
                )?))
            },
        )
        .await
}

/// Co-sponsor another delegation's proposal without retyping it (once the round has closed)
#[utoipa::path(post, path = "/v1/processes/{p}/rounds/{r}/submissions/{d}/items/{n}/cosponsor", tag = "coalitions",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           ("d" = String, Path, description = "The proposer's code"),
           ("n" = u32, Path, description = "The item's number in the proposer's latest submission, from 1 (as in the dispositions: `FR-2`)"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    request_body = ActRequest,
    responses((status = 201, description = "The co-sponsorship recorded: the compilation lists the co-sponsor beside the proposal, and the co-sponsor's outcomes include it", body = CoalitionActView,
               example = json!({"kind": "cosponsor", "delegation": "NO", "proposer": "FR", "revision": 1, "item": 2, "note": "", "by": "no-1", "at": "2026-03-21T09:00:00Z", "sequence": 5})),
              Problems),
    security(("bearer" = [])))]
pub async fn cosponsor(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r, d, n)): ApiPath<(String, u32, String, u32)>,
    body: Body,
) -> Result<Reply, ApiError> {
    state
        .act(
            &principal,
            &body,
            StatusCode::CREATED,
            move |w, caller, request: ActRequest, now| {
                let note = request.note.unwrap_or_default();
                Ok(CoalitionActView::from(&coalition::cosponsor(
                    w, caller, &p, r, &d, n, &note, now,
                )?))
            },
        )
        .await
}
