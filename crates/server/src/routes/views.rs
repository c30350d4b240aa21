//! The reviewers' views of a document added with issue 17: the synoptic table of chosen
//! versions side by side, and the read marks behind the redline "since I last read".

use super::blocking;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery, Body};
use crate::formats;
use crate::openapi::Problems;
use crate::state::{AppState, Reply};
use crate::wire_views::*;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use penholder_render::{self as render, Format, Output};

/// Versions of a document side by side, row by row by node, each cell's changes against the column to its left marked and attributed
///
/// The zero draft | Rev. 1 | Rev. 2 | agreed table, or the EU's four columns (Commission
/// proposal | Parliament | Council | compromise) by naming the versions with `?labels=`. A
/// change between a version and its descendant is attributed to the delegations whose
/// accepted proposals made it; between unrelated versions (two texts uploaded side by side)
/// it is marked without attribution (the column's `attributed` says which).
#[utoipa::path(get, path = "/v1/processes/{p}/documents/{d}/synoptic", tag = "documents",
    params(("p" = String, Path, description = "The process's slug"),
           ("d" = String, Path, description = "The document's slug"),
           SynopticQuery,
           ("Accept" = Option<String>, Header, description = "The media type wanted, when ?format= is absent: application/json, text/html, the Word or the Excel media type")),
    responses((status = 200, description = "The versions side by side: one row per node, in the last column's order",
               content((SynopticView = "application/json", example = json!({"document_title": "Budapest Declaration", "columns": [{"version": 1, "label": "Commission proposal", "attributed": true}, {"version": 2, "label": "Council", "attributed": true}], "rows": [{"node": "0193a1f2-7c4e-7d2a-9b1e-5f3c2d1a0b9e", "kind": "operative", "depth": 0, "cells": [{"reference": "OP1", "status": "unchanged", "segments": [{"kind": "equal", "text": "Call on all States."}]}, {"reference": "OP1", "status": "changed", "segments": [{"kind": "equal", "text": "Call on all States"}, {"kind": "insert", "text": " without delay", "attribution": [{"origin": "accepted", "round": "Written feedback", "delegations": ["DE"]}]}, {"kind": "equal", "text": "."}]}]}]})),
                   (String = "text/html"),
                   ("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                   ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
              Problems),
    security(("bearer" = [])))]
pub async fn get_synoptic(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, d)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<SynopticQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let format = formats::negotiate(query.format.as_deref(), &headers, Output::Synoptic)?;
    let stem = format!("{p}-{d}-synoptic");
    let (readable, synoptic) = state
        .run(move |r| {
            penholder_negotiation::synoptic::synoptic(
                r,
                &principal,
                &p,
                &d,
                query.versions.as_deref(),
                query.labels.as_deref(),
            )
        })
        .await?;
    if format == Format::Json {
        return Ok(Json(SynopticView { synoptic }).into_response());
    }
    let context = readable.context(state.now());
    let bytes = blocking(move || {
        Ok(match format {
            Format::Html => render::html::synoptic(&synoptic, &context).into_bytes(),
            Format::Docx => render::synoptic::docx(&synoptic, &context).map_err(formats::failed)?,
            _ => render::synoptic::xlsx(&synoptic, &context).map_err(formats::failed)?,
        })
    })
    .await?;
    Ok(formats::file(format, bytes, &stem))
}

/// Mark a version of a document as read (for the redline `?since=read`)
///
/// Each person (the token's subject) has one read mark per document; marking again moves it.
/// Anyone who may read the document may mark their own reading.
#[utoipa::path(put, path = "/v1/processes/{p}/documents/{d}/read-mark", tag = "documents",
    params(("p" = String, Path, description = "The process's slug"),
           ("d" = String, Path, description = "The document's slug")),
    request_body = ReadMarkRequest,
    responses((status = 200, description = "The read mark as stored", body = ReadMarkView,
               example = json!({"version": 2, "marked_at": "2026-03-25T11:00:00Z", "since": "/v1/processes/budapest-7mc/documents/declaration/redline?since=read"})),
              Problems),
    security(("bearer" = [])))]
pub async fn put_read_mark(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, d)): ApiPath<(String, String)>,
    body: Body,
) -> Result<Reply, ApiError> {
    let request: ReadMarkRequest = body.json()?;
    let caller = principal.clone();
    state
        .commit(&principal, &body, move |w, now| {
            let mark = penholder_negotiation::reading::set_read_mark(
                w,
                &caller,
                &p,
                &d,
                request.version,
                now,
            )?;
            Reply::json(StatusCode::OK, &read_mark_view(&p, &d, mark))
        })
        .await
}

/// Read the version of a document the caller last marked as read
#[utoipa::path(get, path = "/v1/processes/{p}/documents/{d}/read-mark", tag = "documents",
    params(("p" = String, Path, description = "The process's slug"),
           ("d" = String, Path, description = "The document's slug")),
    responses((status = 200, description = "The caller's read mark", body = ReadMarkView,
               example = json!({"version": 2, "marked_at": "2026-03-25T11:00:00Z", "since": "/v1/processes/budapest-7mc/documents/declaration/redline?since=read"})),
              (status = 404, description = "The caller never marked a version of this document as read", content_type = "application/problem+json"),
              Problems),
    security(("bearer" = [])))]
pub async fn get_read_mark(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, d)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let (process, document) = (p.clone(), d.clone());
    let mark = state
        .run(move |r| {
            penholder_negotiation::reading::read_mark(r, &principal, &process, &document)
        })
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "you have not marked a version of {d:?} as read: PUT …/documents/{d}/read-mark {{\"version\": N}}"
            ))
        })?;
    Ok(Json(read_mark_view(&p, &d, mark)).into_response())
}

fn read_mark_view(
    p: &str,
    d: &str,
    mark: penholder_negotiation::reading::ReadMark,
) -> ReadMarkView {
    ReadMarkView {
        version: mark.version,
        marked_at: crate::clock::rfc3339(mark.marked_at),
        since: format!("/v1/processes/{p}/documents/{d}/redline?since=read"),
    }
}
