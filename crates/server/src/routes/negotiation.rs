//! The chairmanship's side of a round: the compilation of all feedback, decisions on its
//! changes, the consolidation into the next version, and the dispositions (what became of every
//! proposal).
//!
//! The compilation is computed on demand from the round's base version and the latest revision
//! of every submission (with the node ids resolved when each was stored); the same inputs give
//! the same change ids, so decisions recorded against one reading hold for the next.

use super::{blocking, check_text};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery, Body};
use crate::formats;
use crate::live::{self, Freshness, compile};
use crate::openapi::Problems;
use crate::policy::Action;
use crate::state::{AppState, Reply};
use crate::wire::*;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use penholder_core::negotiation::Decision;
use penholder_negotiation::RoundMaterial;
use penholder_negotiation::compilation;
use penholder_negotiation::consolidation::{self, Inputs};
use penholder_negotiation::decision::{self, RulingKind};
use penholder_negotiation::disposition::Review;
use penholder_render::{self as render, DelegationOutcomes, Format, Output};

#[utoipa::path(get, path = "/v1/processes/{p}/rounds/{r}/compilation", tag = "negotiation",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           ("Cache-Control" = Option<String>, Header, description = "no-cache: compile the latest revisions, never a kept compilation up to 2 s old"),
           FormatQuery),
    responses((status = 200, body = CompilationView), Problems),
    security(("bearer" = [])))]
pub async fn get_compilation(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r)): ApiPath<(String, u32)>,
    ApiQuery(query): ApiQuery<FormatQuery>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let format = formats::requested(query.format.as_deref(), Output::Compilation)?;
    if format == Format::Json {
        // The live path (see `crate::live`): a check of the caller and of the round's revision
        // count, then a kept or fresh serialized compilation.
        let now = state.now();
        let inputs = {
            let p = p.clone();
            state
                .run(move |reader| compilation::inputs(reader, &principal, &p, r, now))
                .await?
        };
        let no_cache = headers
            .get_all(axum::http::header::CACHE_CONTROL)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|d| d.trim().eq_ignore_ascii_case("no-cache"));
        let freshness = if no_cache {
            Freshness::Exact
        } else {
            Freshness::Recent
        };
        let snapshot = live::compilation_json(&state, &p, r, inputs, freshness).await?;
        let mut response = (StatusCode::OK, snapshot.json.clone()).into_response();
        response.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        );
        return Ok(response);
    }
    let now = state.now();
    let material = {
        let p = p.clone();
        state
            .run(move |reader| {
                RoundMaterial::read_for(reader, &principal, &p, r, Action::ReadCompilation, now)
            })
            .await?
    };
    let engine = state.clone();
    let stem = format!("{p}-round-{r}-compilation");
    let context = material.context(
        now,
        format!("Compilation of {} (round {r})", material.round.label),
    );
    let bytes = blocking(move || {
        let compilation = compile(&material, &engine, None);
        Ok(match format {
            Format::Html => render::html::compilation(&compilation, &context).into_bytes(),
            Format::Markdown => render::markdown::compilation(&compilation, &context).into_bytes(),
            _ => render::docx::compilation(&compilation, &context).map_err(formats::failed)?,
        })
    })
    .await?;
    Ok(formats::file(format, bytes, &stem))
}

#[utoipa::path(get, path = "/v1/processes/{p}/rounds/{r}/decisions", tag = "negotiation",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number")),
    responses((status = 200, body = DecisionList), Problems),
    security(("bearer" = [])))]
pub async fn list_decisions(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r)): ApiPath<(String, u32)>,
) -> Result<Json<DecisionList>, ApiError> {
    let now = state.now();
    let decisions = state
        .run(move |reader| decision::list(reader, &principal, &p, r, now))
        .await?;
    Ok(Json(DecisionList {
        round: r,
        decisions: decisions.iter().map(DecisionView::from).collect(),
    }))
}

#[utoipa::path(put, path = "/v1/processes/{p}/rounds/{r}/decisions/{change}", tag = "negotiation",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           ("change" = String, Path, description = "The change's id in the compilation"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    request_body = DecisionRequest,
    responses((status = 200, body = DecisionView), Problems),
    security(("bearer" = [])))]
pub async fn put_decision(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r, change)): ApiPath<(String, u32, String)>,
    body: Body,
) -> Result<Reply, ApiError> {
    let material = read_for(&state, &principal, &p, r, Action::PutDecision).await?;
    let engine = state.clone();
    let request: DecisionRequest = body.json()?;
    let kind = match request.decision {
        RulingWire::Accept => RulingKind::Accept,
        RulingWire::Reject => RulingKind::Reject,
        RulingWire::Defer => RulingKind::Defer,
        RulingWire::Reword => RulingKind::Reword,
        RulingWire::Withdraw => RulingKind::Withdraw,
    };
    let ruling = decision::ruling(kind, request.alternative, request.text)?;
    let decision = Decision {
        change,
        ruling,
        note: request.note,
    };
    let checked = decision.clone();
    blocking(move || {
        Ok(decision::check(
            &compile(&material, &engine, None),
            &checked,
        )?)
    })
    .await?;
    let caller = principal.clone();
    state
        .commit(&principal, &body, move |w, now| {
            let record = decision::record(w, &caller, &p, r, &decision, now)?;
            Reply::json(StatusCode::OK, &DecisionView::from(&record))
        })
        .await
}

#[utoipa::path(post, path = "/v1/processes/{p}/rounds/{r}/consolidate", tag = "negotiation",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    request_body = ConsolidateRequest,
    responses((status = 201, body = ConsolidationView), Problems),
    security(("bearer" = [])))]
pub async fn consolidate(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r)): ApiPath<(String, u32)>,
    body: Body,
) -> Result<Reply, ApiError> {
    let material = read_for(&state, &principal, &p, r, Action::Consolidate).await?;
    let engine = state.clone();
    let request: ConsolidateRequest = body.json()?;
    check_text("/label", &request.label, 300)?;
    let mut ids = state.ids();
    let inputs = Inputs::of(&material);
    let document = material.round.document.clone();
    let accept_uncontested = request.accept_uncontested;
    let consolidation = blocking(move || {
        let compilation = compile(&material, &engine, None);
        Ok(consolidation::consolidate(
            &material,
            &compilation,
            accept_uncontested,
            &mut ids,
        )?)
    })
    .await?;
    let caller = principal.clone();
    // The closure runs on the store's writer; it signs the new version's head with this.
    let key = state.config().audit_key.clone();
    state
        .commit(&principal, &body, move |w, now| {
            let version =
                consolidation::publish(w, &caller, &inputs, request.label, &consolidation, now)?;
            Ok(Reply::json(
                StatusCode::CREATED,
                &ConsolidationView {
                    version: VersionSummary::new(&version, key.as_deref()),
                    applied: consolidation.applied,
                    kept: consolidation.kept,
                },
            )?
            .with_location(format!(
                "/v1/processes/{p}/documents/{document}/versions/{}",
                version.number
            )))
        })
        .await
}

#[utoipa::path(get, path = "/v1/processes/{p}/rounds/{r}/dispositions", tag = "negotiation",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           DispositionsQuery),
    responses((status = 200, body = DispositionsView), Problems),
    security(("bearer" = [])))]
pub async fn get_dispositions(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r)): ApiPath<(String, u32)>,
    ApiQuery(query): ApiQuery<DispositionsQuery>,
) -> Result<Response, ApiError> {
    let format = formats::requested(query.format.as_deref(), Output::Dispositions)?;
    let delimiter = match query.delimiter.as_deref() {
        None => render::dispositions::Delimiter::Comma,
        Some(name) => render::dispositions::Delimiter::parse(name).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "unknown delimiter {name:?}: use delimiter=comma or delimiter=semicolon"
            ))
        })?,
    };
    if query.delimiter.is_some() && format != Format::Csv {
        return Err(ApiError::BadRequest(
            "delimiter applies to format=csv only".to_string(),
        ));
    }
    let now = state.now();
    let review = {
        let p = p.clone();
        state
            .run(move |reader| Review::read(reader, &principal, &p, r, now))
            .await?
    };
    let engine = state.clone();
    let stem = format!("{p}-round-{r}-dispositions");
    let round_state = review.material.round.state_at(now);
    let bytes = blocking(move || {
        let context = review.context(
            now,
            format!(
                "Dispositions of {} (round {r})",
                review.material.round.label
            ),
        );
        let compilation = live::compile(&review.material, &engine, None);
        let rows = review.dispositions(&compilation, &context);
        Ok(match format {
            Format::Json => serde_json::to_vec(&DispositionsView {
                round: r,
                state: round_state.into(),
                rows,
            })
            .map_err(|e| ApiError::Internal(e.to_string()))?,
            Format::Html => render::html::dispositions(&rows, &context).into_bytes(),
            Format::Csv => {
                render::dispositions::csv_with(&rows, delimiter).map_err(formats::failed)?
            }
            _ => render::dispositions::xlsx(&rows, &context, &format!("Round {r}"))
                .map_err(formats::failed)?,
        })
    })
    .await?;
    if format == Format::Json {
        return Ok(json_response(bytes));
    }
    Ok(formats::file(format, bytes, &stem))
}

#[utoipa::path(get, path = "/v1/processes/{p}/rounds/{r}/outcomes/{d}", tag = "negotiation",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           ("d" = String, Path, description = "The delegation's code"),
           FormatQuery),
    responses((status = 200, description = "What became of each of the delegation's proposals",
               body = DelegationOutcomes), Problems),
    security(("bearer" = [])))]
pub async fn get_outcomes(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r, code)): ApiPath<(String, u32, String)>,
    ApiQuery(query): ApiQuery<FormatQuery>,
) -> Result<Response, ApiError> {
    let format = formats::requested(query.format.as_deref(), Output::Outcomes)?;
    let now = state.now();
    let review = {
        let (p, code) = (p.clone(), code.clone());
        state
            .run(move |reader| Review::read_outcomes(reader, &principal, &p, r, &code, now))
            .await?
    };
    let engine = state.clone();
    let stem = format!("{p}-round-{r}-outcomes-{code}");
    let bytes = blocking(move || {
        let context = review.context(
            now,
            format!(
                "What became of {code}'s proposals in {}",
                review.material.round.label
            ),
        );
        let compilation = live::compile(&review.material, &engine, None);
        let outcomes = review.outcomes(&compilation, &context, &code);
        Ok(match format {
            Format::Html => render::html::outcomes(&[outcomes], &context).into_bytes(),
            _ => serde_json::to_vec(&outcomes).map_err(|e| ApiError::Internal(e.to_string()))?,
        })
    })
    .await?;
    if format == Format::Json {
        return Ok(json_response(bytes));
    }
    Ok(formats::file(format, bytes, &stem))
}

/// A JSON body serialized off the async workers.
fn json_response(bytes: Vec<u8>) -> Response {
    let mut response = (StatusCode::OK, bytes).into_response();
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    response
}

/// The round's material for `action` by the caller, now.
async fn read_for(
    state: &AppState,
    principal: &Principal,
    p: &str,
    r: u32,
    action: Action,
) -> Result<RoundMaterial, ApiError> {
    let (caller, p, now) = (principal.clone(), p.to_string(), state.now());
    state
        .run(move |reader| RoundMaterial::read_for(reader, &caller, &p, r, action, now))
        .await
}
