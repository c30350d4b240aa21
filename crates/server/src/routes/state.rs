//! The state of a text: paragraph statuses set by the chair, delegations' reservations and
//! their withdrawal, the adoption of the whole text, and the reservations annex.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery, Body};
use crate::formats;
use crate::openapi::Problems;
use crate::state::{AppState, Reply};
use crate::wire_state::*;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use penholder_core::References;
use penholder_negotiation::state::{self as text_state, ReservationRequest as NewReservation};
use penholder_render::{self as render, Format};

/// Read each paragraph's status and the reservations on a version
#[utoipa::path(get, path = "/v1/processes/{p}/documents/{d}/status", tag = "state",
    params(("p" = String, Path, description = "The process's slug"),
           ("d" = String, Path, description = "The document's slug"),
           StateQuery),
    responses((status = 200, description = "Each node's status, the reservations that stand, the obstacles to adoption", body = TextStateView,
               example = json!({"version": 2, "nodes": [{"node": "0193a1f2-7c4e-7d2a-9b1e-5f3c2d1a0b9e", "reference": "OP3", "status": "agreed_ad_ref", "note": "Reference Group, 7 May 2024", "inherited": false, "reservations": [1]}], "reservations": [{"number": 1, "node": "0193a1f2-7c4e-7d2a-9b1e-5f3c2d1a0b9e", "reference": "OP3", "delegation": "FR", "kind": "scrutiny", "mark": "SR (FR)", "text": "Parliamentary scrutiny pending.", "version": 2, "entered_by": "fr-1", "entered_at": "2026-03-20T10:00:00Z", "standing": true}], "obstacles": ["OP3 holds a scrutiny reservation of FR"]})),
              Problems),
    security(("bearer" = [])))]
pub async fn get_status(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, d)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<StateQuery>,
) -> Result<Json<TextStateView>, ApiError> {
    let read = state
        .run(move |r| text_state::read(r, &principal, &p, &d, query.version))
        .await?;
    Ok(Json(TextStateView::new(
        &read.state,
        read.info.number,
        &read.version.document,
        &read.brackets,
        true,
    )))
}

/// Set a paragraph's status (chair)
#[utoipa::path(put, path = "/v1/processes/{p}/documents/{d}/status/{node}", tag = "state",
    params(("p" = String, Path, description = "The process's slug"),
           ("d" = String, Path, description = "The document's slug"),
           ("node" = String, Path, description = "A node id, or its reference in the latest version"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    request_body = StatusRequest,
    responses((status = 200, description = "The status change recorded", body = StatusChangeView,
               example = json!({"node": "0193a1f2-7c4e-7d2a-9b1e-5f3c2d1a0b9e", "reference": "OP3", "status": "agreed_ad_ref", "note": "Reference Group, 7 May 2024", "version": 2, "set_by": "chair-hu", "set_at": "2026-05-07T16:00:00Z", "sequence": 41})),
              Problems),
    security(("bearer" = [])))]
pub async fn put_status(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, d, node)): ApiPath<(String, String, String)>,
    body: Body,
) -> Result<Reply, ApiError> {
    state
        .act(
            &principal,
            &body,
            StatusCode::OK,
            move |w, caller, request: StatusRequest, now| {
                let status = request.status.into();
                let change =
                    text_state::set_status(w, caller, &p, &d, &node, status, &request.note, now)?;
                Ok(StatusChangeView::new(&change, None))
            },
        )
        .await
}

/// Enter a reservation on a paragraph (a delegation, in its own name)
#[utoipa::path(post, path = "/v1/processes/{p}/documents/{d}/reservations", tag = "state",
    params(("p" = String, Path, description = "The process's slug"),
           ("d" = String, Path, description = "The document's slug"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    request_body = ReservationRequest,
    responses((status = 201, description = "The reservation entered", body = ReservationView,
               example = json!({"number": 1, "node": "0193a1f2-7c4e-7d2a-9b1e-5f3c2d1a0b9e", "reference": "OP3", "delegation": "FR", "kind": "scrutiny", "mark": "SR (FR)", "text": "Parliamentary scrutiny pending.", "version": 2, "entered_by": "fr-1", "entered_at": "2026-03-20T10:00:00Z", "standing": true})),
              Problems),
    security(("bearer" = [])))]
pub async fn post_reservation(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, d)): ApiPath<(String, String)>,
    body: Body,
) -> Result<Reply, ApiError> {
    let request: ReservationRequest = body.json()?;
    let new = NewReservation {
        node: request.node,
        kind: request.kind.into(),
        text: request.text,
        delegation: request.delegation,
    };
    let caller = principal.clone();
    state
        .commit(&principal, &body, move |w, now| {
            let reservation = text_state::enter_reservation(w, &caller, &p, &d, &new, now)?;
            Ok(Reply::json(
                StatusCode::CREATED,
                &ReservationView::new(&reservation, None),
            )?
            .with_location(format!(
                "/v1/processes/{p}/documents/{d}/reservations/{}",
                reservation.number
            )))
        })
        .await
}

/// Withdraw a reservation (the delegation that entered it)
#[utoipa::path(post, path = "/v1/processes/{p}/documents/{d}/reservations/{n}/withdraw", tag = "state",
    params(("p" = String, Path, description = "The process's slug"),
           ("d" = String, Path, description = "The document's slug"),
           ("n" = u32, Path, description = "The reservation's number"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    request_body = NoteRequest,
    responses((status = 200, description = "The reservation, now withdrawn", body = ReservationView,
               example = json!({"number": 1, "node": "0193a1f2-7c4e-7d2a-9b1e-5f3c2d1a0b9e", "reference": "OP3", "delegation": "FR", "kind": "scrutiny", "mark": "SR (FR)", "text": "Parliamentary scrutiny pending.", "version": 2, "entered_by": "fr-1", "entered_at": "2026-03-20T10:00:00Z", "standing": true})),
              Problems),
    security(("bearer" = [])))]
pub async fn withdraw_reservation(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, d, n)): ApiPath<(String, String, u32)>,
    body: Body,
) -> Result<Reply, ApiError> {
    state
        .act(
            &principal,
            &body,
            StatusCode::OK,
            move |w, caller, request: NoteRequest, now| {
                let note = request.note.unwrap_or_default();
                let reservation =
                    text_state::withdraw_reservation(w, caller, &p, &d, n, &note, now)?;
                Ok(ReservationView::new(&reservation, None))
            },
        )
        .await
}

/// Adopt the whole text (chair): refused while a paragraph is not agreed or a reservation stands
#[utoipa::path(post, path = "/v1/processes/{p}/documents/{d}/adopt", tag = "state",
    params(("p" = String, Path, description = "The process's slug"),
           ("d" = String, Path, description = "The document's slug"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    request_body = NoteRequest,
    responses((status = 201, description = "The text adopted", body = AdoptionView,
               example = json!({"version": 3, "note": "Adopted by the Ministerial Conference.", "adopted_by": "chair-hu", "adopted_at": "2026-06-12T11:00:00Z"})),
              Problems),
    security(("bearer" = [])))]
pub async fn adopt(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, d)): ApiPath<(String, String)>,
    body: Body,
) -> Result<Reply, ApiError> {
    state
        .act(
            &principal,
            &body,
            StatusCode::CREATED,
            move |w, caller, request: NoteRequest, now| {
                let note = request.note.unwrap_or_default();
                let adoption = text_state::adopt(w, caller, &p, &d, &note, now)?;
                Ok(AdoptionView::from(&adoption))
            },
        )
        .await
}

/// The reservations annex of a version
#[utoipa::path(get, path = "/v1/processes/{p}/documents/{d}/reservations", tag = "state",
    params(("p" = String, Path, description = "The process's slug"),
           ("d" = String, Path, description = "The document's slug"),
           StateQuery),
    responses((status = 200, description = "Every reservation on the version's nodes, standing or withdrawn (JSON, HTML, CSV or XLSX with ?format=)", body = ReservationsView,
               example = json!({"version": 2, "reservations": [{"number": 1, "node": "0193a1f2-7c4e-7d2a-9b1e-5f3c2d1a0b9e", "reference": "OP3", "delegation": "FR", "kind": "scrutiny", "mark": "SR (FR)", "text": "Parliamentary scrutiny pending.", "version": 2, "entered_by": "fr-1", "entered_at": "2026-03-20T10:00:00Z", "standing": true}]})),
              Problems),
    security(("bearer" = [])))]
pub async fn get_reservations(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, d)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<StateQuery>,
) -> Result<Response, ApiError> {
    let format = match query.format.as_deref() {
        None | Some("json") => Format::Json,
        Some("html") => Format::Html,
        Some("csv") => Format::Csv,
        Some("xlsx") => Format::Xlsx,
        Some(other) => {
            return Err(ApiError::NotAcceptable(format!(
                "unknown format {other:?}; the reservations annex is offered as json, html, csv, \
                 xlsx"
            )));
        }
    };
    let read = {
        let (p, d) = (p.clone(), d.clone());
        state
            .run(move |r| text_state::read(r, &principal, &p, &d, query.version))
            .await?
    };
    let references = References::of(&read.version.document);
    let number = read.info.number;
    if format != Format::Json {
        let context = read.readable.context(state.now()).subtitle(format!(
            "Reservations on version {number}: {}",
            read.info.label
        ));
        let lines: Vec<render::html::AnnexLine<'_>> = read
            .state
            .reservations
            .iter()
            .filter(|r| read.version.document.find(r.node).is_some())
            .map(|reservation| render::html::AnnexLine {
                reference: references.reference(reservation.node).map(|r| r.0.clone()),
                reservation,
            })
            .collect();
        let bytes = match format {
            Format::Csv => render::reservations::csv(&lines, &context).map_err(formats::failed)?,
            Format::Xlsx => render::reservations::xlsx(&lines, &context, "Reservations")
                .map_err(formats::failed)?,
            _ => render::html::reservations_annex(&lines, &context).into_bytes(),
        };
        return Ok(formats::file(
            format,
            bytes,
            &format!("{p}-{d}-v{number}-reservations"),
        ));
    }
    Ok(Json(ReservationsView {
        version: number,
        reservations: read
            .state
            .reservations
            .iter()
            .filter(|r| read.version.document.find(r.node).is_some())
            .map(|r| ReservationView::new(r, Some(&references)))
            .collect(),
    })
    .into_response())
}
