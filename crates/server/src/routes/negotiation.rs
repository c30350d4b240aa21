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
use crate::etag::{EntityTag, WriteCondition};
use crate::extract::{ApiPath, ApiQuery, Body};
use crate::formats;
use crate::live::{self, Freshness, compile};
use crate::openapi::Problems;
use crate::page::{PageQuery, json_page};
use crate::policy::Action;
use crate::state::{AppState, Reply};
use crate::wire::*;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use penholder_core::negotiation::Decision;
use penholder_negotiation::RoundMaterial;
use penholder_negotiation::compilation;
use penholder_negotiation::consolidation::{self, Inputs};
use penholder_negotiation::decision::{self, RulingKind};
use penholder_negotiation::disposition::Review;
use penholder_render::{self as render, DelegationOutcomes, Format, Output};

/// Compile a round's feedback: every change, its alternatives and their supporters
#[utoipa::path(get, path = "/v1/processes/{p}/rounds/{r}/compilation", tag = "negotiation",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           ("Cache-Control" = Option<String>, Header, description = "no-cache: compile the latest revisions, never a kept compilation up to 2 s old"),
           FormatQuery,
           ("Accept" = Option<String>, Header, description = "The media type wanted, when ?format= is absent: application/json, text/html, text/markdown or the Word media type"),
           ("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier answer: 304 when no revision was stored since")),
    responses((status = 200, description = "The compilation, in the format asked for", headers(("ETag" = String, description = "Strong; send it back as If-None-Match for a 304"), ("Vary" = String, description = "accept")),
               content((CompilationView = "application/json", example = json!({"round": 1, "base_version": 1, "compiled_at": "2026-03-20T17:00:01Z", "submissions": [{"delegation": "FR", "revision": 2}], "changes": 1, "contested": 0, "uncontested": 1, "compilation": {"document_title": "Budapest Declaration", "base_version": 1, "nodes": [], "general_comments": [], "general_flags": []}})),
                   (String = "text/html"),
                   (String = "text/markdown"),
                   ("application/vnd.openxmlformats-officedocument.wordprocessingml.document"))),
              (status = 304, description = "Not modified: no revision stored since the ETag sent"),
              Problems),
    security(("bearer" = [])))]
pub async fn get_compilation(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r)): ApiPath<(String, u32)>,
    ApiQuery(query): ApiQuery<FormatQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let format = formats::negotiate(query.format.as_deref(), &headers, Output::Compilation)?;
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
        // Stored revisions never change and only accumulate: the round's revision count names
        // the compilation. A client holding the one of the current count hears 304 before
        // anything is compiled or copied.
        if compilation_tag(&p, r, inputs.revisions).is_fresh_for(&headers) {
            return Ok(compilation_tag(&p, r, inputs.revisions).not_modified());
        }
        let snapshot = live::compilation_json(&state, &p, r, inputs, freshness).await?;
        let response = snapshot.json.clone().into_response();
        // Tagged with what it compiled, which may be up to 2 s behind the count just read.
        return Ok(compilation_tag(&p, r, snapshot.revisions).attach(response));
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
    // The rendered files also print the delegations' names and the decisions taken.
    let mut parts: Vec<Vec<u8>> = vec![
        b"compilation".to_vec(),
        p.as_bytes().to_vec(),
        r.to_be_bytes().to_vec(),
        format.as_str().as_bytes().to_vec(),
        format!("{:?}", material.delegations).into_bytes(),
    ];
    parts.extend(
        material
            .submissions
            .iter()
            .map(|s| format!("{}:{}", s.delegation, s.revision).into_bytes()),
    );
    parts.extend(
        material
            .decisions
            .iter()
            .map(|d| d.sequence.to_be_bytes().to_vec()),
    );
    // The coalitions' acts name the supporters ("EU (except HU)").
    parts.extend(
        material
            .acts
            .iter()
            .map(|a| a.sequence.to_be_bytes().to_vec()),
    );
    let tag = EntityTag::of(&parts.iter().map(Vec::as_slice).collect::<Vec<_>>());
    if tag.is_fresh_for(&headers) {
        return Ok(tag.not_modified());
    }
    let engine = state.clone();
    let stem = format!("{p}-round-{r}-compilation");
    let context = material.context(
        now,
        format!("Compilation of {} (round {r})", material.round.label),
    );
    let bytes = blocking(move || {
        let compilation = compile(&material, &engine, None);
        let context = penholder_negotiation::coalition::label_context(
            context,
            &compilation,
            &material.coalitions(),
        );
        Ok(match format {
            Format::Html => render::html::compilation(&compilation, &context).into_bytes(),
            Format::Markdown => render::markdown::compilation(&compilation, &context).into_bytes(),
            _ => render::docx::compilation(&compilation, &context).map_err(formats::failed)?,
        })
    })
    .await?;
    Ok(tag.attach(formats::file(format, bytes, &stem)))
}

/// The tag of round `r`'s JSON compilation when the round holds `revisions` revisions.
fn compilation_tag(p: &str, r: u32, revisions: u64) -> EntityTag {
    EntityTag::of(&[
        b"compilation",
        p.as_bytes(),
        &r.to_be_bytes(),
        b"json",
        &revisions.to_be_bytes(),
    ])
}

/// List the decisions in force in a round
#[utoipa::path(get, path = "/v1/processes/{p}/rounds/{r}/decisions", tag = "negotiation",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           PageQuery),
    responses((status = 200, description = "A page of the decisions in force; `next` (and the `Link` header) name the next page. Each decision's `sequence` is its ETag for If-Match",
               body = DecisionList,
               headers(("Link" = String, description = "`<…>; rel=\"next\"` when there are more")),
               example = json!({"round": 1, "decisions": [{"change": "c-3f1e2a", "decision": "accept", "alternative": "a1", "note": "Agreed at the meeting of 12 May", "decided_by": "chair-tr", "decided_at": "2026-05-12T10:04:00Z", "sequence": 4}]})),
              Problems),
    security(("bearer" = [])))]
pub async fn list_decisions(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r)): ApiPath<(String, u32)>,
    OriginalUri(uri): OriginalUri,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Response, ApiError> {
    page.limit()?;
    let now = state.now();
    let decisions = state
        .run(move |reader| decision::list(reader, &principal, &p, r, now))
        .await?;
    let page = page.page(decisions, uri.path(), |d| d.sequence.to_string())?;
    Ok(json_page(
        DecisionList {
            round: r,
            decisions: page.items.iter().map(DecisionView::from).collect(),
            next: page.next.clone(),
        },
        page.next.as_deref(),
    ))
}

/// Decide a change of a closed round's compilation (chair)
#[utoipa::path(put, path = "/v1/processes/{p}/rounds/{r}/decisions/{change}", tag = "negotiation",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           ("change" = String, Path, description = "The change's id in the compilation"),
           ("If-Match" = Option<String>, Header, description = "The ETag (`\"sequence\"`) of the decision in force this one replaces, or * (some decision must be in force); 412 when another was recorded meanwhile"),
           ("If-None-Match" = Option<String>, Header, description = "* : only if no decision is in force on the change yet"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    request_body = DecisionRequest,
    responses((status = 200, description = "The decision recorded, now in force",
               body = DecisionView,
               headers(("ETag" = String, description = "The decision's sequence number, for the next If-Match")),
               example = json!({"change": "c-3f1e2a", "decision": "accept", "alternative": "a1", "note": "Agreed at the meeting of 12 May", "decided_by": "chair-tr", "decided_at": "2026-05-12T10:04:00Z", "sequence": 4})),
              Problems),
    security(("bearer" = [])))]
pub async fn put_decision(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r, change)): ApiPath<(String, u32, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Reply, ApiError> {
    let material = read_for(&state, &principal, &p, r, Action::PutDecision).await?;
    let expected = match WriteCondition::of(&headers, "a decision")? {
        WriteCondition::Any => decision::Expected::Any,
        WriteCondition::Revision(sequence) => decision::Expected::Sequence(sequence),
        WriteCondition::Exists => decision::Expected::Exists,
        WriteCondition::Absent => decision::Expected::Absent,
    };
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
            let record = decision::record(w, &caller, &p, r, &decision, expected, now)?;
            Ok(Reply::json(StatusCode::OK, &DecisionView::from(&record))?
                .with_etag(EntityTag::revision(record.sequence).as_str().to_string()))
        })
        .await
}

/// Consolidate a closed round by its decisions into the next version (chair)
#[utoipa::path(post, path = "/v1/processes/{p}/rounds/{r}/consolidate", tag = "negotiation",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    request_body = ConsolidateRequest,
    responses((status = 201, description = "The next version, published, with the changes applied and those kept out", body = ConsolidationView,
               example = json!({"version": {"document": "declaration", "number": 2, "label": "Rev. 1 after written feedback", "parent": 1, "hash": "5f2b9c0e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c", "round": 1, "created_at": "2026-03-25T11:00:00Z", "created_by": "chair-tr", "audit_head": {"seq": 41, "hash": "3ad77bb40d7a3660a89ecaf32466ef97f5d3d585e0e1a7a2d1d3f0c8b6a4e2f1", "head": "41:3ad77bb40d7a3660a89ecaf32466ef97f5d3d585e0e1a7a2d1d3f0c8b6a4e2f1", "signature": null}}, "applied": [], "kept": []})),
              Problems),
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

/// The dispositions: what became of every proposal of a round
#[utoipa::path(get, path = "/v1/processes/{p}/rounds/{r}/dispositions", tag = "negotiation",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           DispositionsQuery,
           ("Accept" = Option<String>, Header, description = "The media type wanted, when ?format= is absent: application/json, text/html, text/csv or the Excel media type")),
    responses((status = 200, description = "What became of every item of every submission, in the format asked for",
               content((DispositionsView = "application/json", example = json!({"round": 1, "state": "consolidated", "rows": []})),
                   (String = "text/html"),
                   (String = "text/csv"),
                   ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
              Problems),
    security(("bearer" = [])))]
pub async fn get_dispositions(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r)): ApiPath<(String, u32)>,
    ApiQuery(query): ApiQuery<DispositionsQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let format = formats::negotiate(query.format.as_deref(), &headers, Output::Dispositions)?;
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

/// What happened to one delegation's proposals in a round
#[utoipa::path(get, path = "/v1/processes/{p}/rounds/{r}/outcomes/{d}", tag = "negotiation",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           ("d" = String, Path, description = "The delegation's code"),
           FormatQuery,
           ("Accept" = Option<String>, Header, description = "The media type wanted, when ?format= is absent: application/json or text/html")),
    responses((status = 200, description = "What became of each of the delegation's proposals",
               content((DelegationOutcomes = "application/json", example = json!({"round": "Written feedback on the zero draft", "delegation": "FR", "delegation_name": "France", "proposals": []})),
                   (String = "text/html"))),
              Problems),
    security(("bearer" = [])))]
pub async fn get_outcomes(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r, code)): ApiPath<(String, u32, String)>,
    ApiQuery(query): ApiQuery<FormatQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let format = formats::negotiate(query.format.as_deref(), &headers, Output::Outcomes)?;
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
