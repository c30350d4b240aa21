//! The chairmanship's side of a round: the compilation of all feedback, decisions on its
//! changes, the consolidation into the next version, and the dispositions (what became of every
//! proposal).
//!
//! The compilation is computed on demand from the round's base version and the latest revision
//! of every submission (with the node ids resolved when each was stored); the same inputs give
//! the same change ids, so decisions recorded against one reading hold for the next.

use super::{applied_of, authorize, blocking, check_text, relation};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery, Body};
use crate::formats;
use crate::live::Freshness;
use crate::openapi::Problems;
use crate::policy::{Action, Phase};
use crate::state::{AppState, Reply};
use crate::wire::*;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use penholder_core::negotiation::{Decision, Ruling};
use penholder_diff::{AppliedChange, Compilation, Scope};
use penholder_negotiation::consolidation::{self, Inputs};
use penholder_negotiation::decision;
use penholder_render::{self as render, Context, Format, Output};
use penholder_store::DecisionRecord;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

pub use penholder_negotiation::RoundMaterial;

/// The round's compilation, kept by the state for the next request on the same inputs, on at
/// most `threads` threads (`None`: all the cores that pay). Background work takes one, leaving
/// the other cores to the requests.
pub fn compile(
    material: &RoundMaterial,
    state: &AppState,
    threads: Option<usize>,
) -> Arc<Compilation> {
    state.compilation(material.compilation_key(), || material.compile(threads))
}

pub async fn load_round(state: &AppState, p: &str, r: u32) -> Result<RoundMaterial, ApiError> {
    let p = p.to_string();
    state
        .read(move |reader| RoundMaterial::load(reader, &p, r))
        .await
}

/// The JSON view of a round's compilation, from inputs read at `taken_at`.
pub fn compilation_view(
    material: &RoundMaterial,
    state: &AppState,
    taken_at: i64,
    threads: Option<usize>,
) -> CompilationView {
    let compilation = compile(material, state, threads);
    CompilationView {
        round: material.round.number,
        base_version: material.base.number,
        compiled_at: crate::clock::rfc3339(taken_at),
        submissions: material
            .submissions
            .iter()
            .map(|s| SubmissionRef {
                delegation: s.delegation.clone(),
                revision: s.revision,
            })
            .collect(),
        changes: compilation.changes_count(),
        contested: compilation.contested_count(),
        uncontested: compilation.uncontested_count(),
        compilation,
    }
}

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
        let codes: Vec<String> = principal.delegation.iter().cloned().collect();
        let q = p.clone();
        let (round, delegations, revisions) = state
            .read(move |reader| {
                let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
                Ok((
                    reader.round(&q, r)?,
                    reader.delegations_concerning(&q, &codes)?,
                    reader.revision_count(&q, r)?,
                ))
            })
            .await?;
        let now = state.now();
        let round_state = round.state_at(now);
        authorize(
            &principal,
            Action::ReadCompilation,
            relation(&principal, &delegations, None),
            Phase::from(round_state),
            Some(&round),
        )?;
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
        let snapshot =
            crate::live::compilation_json(&state, &p, r, revisions, round_state, freshness).await?;
        let mut response = (StatusCode::OK, snapshot.json.clone()).into_response();
        response.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        );
        return Ok(response);
    }
    let material = load_round(&state, &p, r).await?;
    let engine = state.clone();
    let now = state.now();
    material.authorize(&principal, Action::ReadCompilation, now)?;
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
    let (round, delegations, decisions) = state
        .read(move |reader| {
            Ok((
                reader.round(&p, r)?,
                reader.delegations(&p)?,
                reader.decisions(&p, r)?,
            ))
        })
        .await?;
    let relation = relation(&principal, &delegations, None);
    let phase = Phase::from(round.state_at(state.now()));
    authorize(
        &principal,
        Action::ReadDecisions,
        relation,
        phase,
        Some(&round),
    )?;
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
    let material = load_round(&state, &p, r).await?;
    let engine = state.clone();
    material.authorize(&principal, Action::PutDecision, state.now())?;
    let request: DecisionRequest = body.json()?;
    let ruling = match request.decision {
        RulingWire::Accept => Ruling::Accept {
            alternative: request.alternative.clone(),
        },
        RulingWire::Reject => Ruling::Reject,
        RulingWire::Defer => Ruling::Defer,
        RulingWire::Reword => {
            let text = request.text.clone().unwrap_or_default();
            if text.trim().is_empty() {
                return Err(ApiError::invalid_field(
                    "/text",
                    "a reword decision carries the chairmanship's text",
                ));
            }
            Ruling::Reword { text }
        }
    };
    if request.alternative.is_some() && request.decision != RulingWire::Accept {
        return Err(ApiError::invalid_field(
            "/alternative",
            "only an accept decision names an alternative",
        ));
    }
    if request.text.is_some() && request.decision != RulingWire::Reword {
        return Err(ApiError::invalid_field(
            "/text",
            "only a reword decision carries text",
        ));
    }
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
    let material = load_round(&state, &p, r).await?;
    let engine = state.clone();
    material.authorize(&principal, Action::Consolidate, state.now())?;
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
    state
        .commit(&principal, &body, move |w, now| {
            let version =
                consolidation::publish(w, &caller, &inputs, request.label, &consolidation, now)?;
            Ok(Reply::json(
                StatusCode::CREATED,
                &ConsolidationView {
                    version: VersionSummary::from(&version),
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

fn ruling_label(ruling: Option<&Ruling>, alternative: &str) -> &'static str {
    match ruling {
        None => "pending",
        Some(Ruling::Accept {
            alternative: Some(accepted),
        }) if accepted != alternative => "accepted_other_alternative",
        Some(Ruling::Accept { .. }) => "accepted",
        Some(Ruling::Reject) => "rejected",
        Some(Ruling::Reword { .. }) => "reworded",
        Some(Ruling::Defer) => "deferred",
    }
}

/// The comment-resolution matrix: one row per delegation per change it supports, and one per
/// comment.
pub fn disposition_rows(
    compilation: &Compilation,
    decisions: &[DecisionRecord],
    applied: Option<&HashSet<String>>,
) -> Vec<DispositionRow> {
    let rulings: HashMap<&str, &Decision> = decisions
        .iter()
        .map(|d| (d.decision.change.as_str(), &d.decision))
        .collect();
    let mut rows = Vec::new();
    for node in &compilation.nodes {
        for change in &node.changes {
            let decision = rulings.get(change.id.as_str());
            // An uncontested change without a ruling that consolidation applied (the
            // `accept_uncontested` option) was accepted, not left pending.
            let accepted_uncontested =
                decision.is_none() && applied.is_some_and(|set| set.contains(&change.id));
            for alternative in &change.alternatives {
                let label = if accepted_uncontested {
                    "accepted"
                } else {
                    ruling_label(decision.map(|d| &d.ruling), &alternative.id)
                };
                let kind = match (&change.scope, &alternative.text) {
                    (Scope::InsertAfter { .. } | Scope::InsertBefore { .. }, _) => "insert",
                    (_, None) => "delete",
                    _ => "amend",
                };
                for support in &alternative.supporters {
                    rows.push(DispositionRow {
                        delegation: support.delegation.clone(),
                        item: support.item,
                        reference: change.reference.clone(),
                        kind: kind.into(),
                        change: Some(change.id.clone()),
                        alternative: Some(alternative.id.clone()),
                        base_text: change.base_text.clone(),
                        proposal: alternative.text.clone(),
                        justification: support.justification.clone(),
                        decision: label.into(),
                        note: decision.and_then(|d| d.note.clone()),
                        applied: applied.map(|set| {
                            set.contains(&change.id) && label != "accepted_other_alternative"
                        }),
                    });
                }
            }
        }
        for comment in &node.comments {
            rows.push(comment_row(comment, &node.reference, &node.base_text));
        }
    }
    for comment in &compilation.general_comments {
        rows.push(comment_row(comment, "general", ""));
    }
    rows.sort_by(|a, b| {
        (&a.delegation, a.item, &a.change).cmp(&(&b.delegation, b.item, &b.change))
    });
    rows
}

fn comment_row(
    comment: &penholder_diff::Comment,
    reference: &str,
    base_text: &str,
) -> DispositionRow {
    DispositionRow {
        delegation: comment.delegation.clone(),
        item: comment.item,
        reference: reference.to_string(),
        kind: "comment".into(),
        change: None,
        alternative: None,
        base_text: base_text.to_string(),
        proposal: Some(comment.text.clone()),
        justification: None,
        decision: "noted".into(),
        note: None,
        applied: None,
    }
}

#[utoipa::path(get, path = "/v1/processes/{p}/rounds/{r}/dispositions", tag = "negotiation",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           FormatQuery),
    responses((status = 200, body = DispositionsView), Problems),
    security(("bearer" = [])))]
pub async fn get_dispositions(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r)): ApiPath<(String, u32)>,
    ApiQuery(query): ApiQuery<FormatQuery>,
) -> Result<Response, ApiError> {
    let format = formats::requested(query.format.as_deref(), Output::Dispositions)?;
    let material = load_round(&state, &p, r).await?;
    let engine = state.clone();
    let now = state.now();
    material.authorize(&principal, Action::ReadDispositions, now)?;
    let result = consolidated(&state, &p, r, &material, material.phase(now)).await?;
    let state_now = material.round.state_at(now);
    let stem = format!("{p}-round-{r}-dispositions");
    let context = material.context(
        now,
        format!("Dispositions of {} (round {r})", material.round.label),
    );
    if format == Format::Json {
        let applied = result.as_ref().map(|(applied, _)| {
            applied
                .iter()
                .map(|a| a.change.clone())
                .collect::<HashSet<_>>()
        });
        let rows = blocking(move || {
            let compilation = compile(&material, &engine, None);
            Ok(disposition_rows(
                &compilation,
                &material.decisions,
                applied.as_ref(),
            ))
        })
        .await?;
        return Ok(Json(DispositionsView {
            round: r,
            state: state_now.into(),
            rows,
        })
        .into_response());
    }
    let bytes = blocking(move || {
        let rows = render_rows(&engine, &material, result.as_ref(), &context);
        Ok(match format {
            Format::Html => render::html::dispositions(&rows, &context).into_bytes(),
            Format::Csv => render::dispositions::csv(&rows).map_err(formats::failed)?,
            _ => render::dispositions::xlsx(&rows, &context, &format!("Round {r}"))
                .map_err(formats::failed)?,
        })
    })
    .await?;
    Ok(formats::file(format, bytes, &stem))
}

/// The consolidation of a round, once consolidated: the changes applied and the new text.
async fn consolidated(
    state: &AppState,
    p: &str,
    r: u32,
    material: &RoundMaterial,
    phase: Phase,
) -> Result<Option<(Vec<AppliedChange>, penholder_core::Document)>, ApiError> {
    if phase != Phase::Consolidated {
        return Ok(None);
    }
    let (p, document) = (p.to_string(), material.round.document.clone());
    state
        .read(move |reader| {
            let versions = reader.versions(&p, &document)?;
            match versions.iter().find(|v| v.round == Some(r)) {
                Some(version) => Ok(Some((
                    applied_of(reader, &p, &document, version.number)?,
                    reader.version(&p, &document, version.number)?.document,
                ))),
                None => Ok(None),
            }
        })
        .await
}

/// The renderer's rows: one per item of every submission.
fn render_rows(
    engine: &AppState,
    material: &RoundMaterial,
    result: Option<&(Vec<AppliedChange>, penholder_core::Document)>,
    context: &Context,
) -> Vec<render::Disposition> {
    let compilation = compile(material, engine, None);
    let decisions: Vec<Decision> = material
        .decisions
        .iter()
        .map(|d| d.decision.clone())
        .collect();
    let record = render::RoundRecord {
        round: &material.round.label,
        compilation: &compilation,
        submissions: &material.submissions,
        decisions: &decisions,
        result: result.map(|(applied, document)| render::RoundResult {
            applied,
            kept: &[],
            document,
        }),
    };
    render::dispositions::dispositions(&record, context)
}

#[utoipa::path(get, path = "/v1/processes/{p}/rounds/{r}/outcomes/{d}", tag = "negotiation",
    params(("p" = String, Path, description = "The process's slug"),
           ("r" = u32, Path, description = "The round's number"),
           ("d" = String, Path, description = "The delegation's code"),
           FormatQuery),
    responses((status = 200, description = "What became of each of the delegation's proposals",
               body = Object), Problems),
    security(("bearer" = [])))]
pub async fn get_outcomes(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, r, code)): ApiPath<(String, u32, String)>,
    ApiQuery(query): ApiQuery<FormatQuery>,
) -> Result<Response, ApiError> {
    let format = formats::requested(query.format.as_deref(), Output::Outcomes)?;
    let material = load_round(&state, &p, r).await?;
    let engine = state.clone();
    if !material.delegations.iter().any(|d| d.code == code) {
        return Err(ApiError::NotFound(format!(
            "delegation {code} is not part of process {p}"
        )));
    }
    let relation = relation(&principal, &material.delegations, Some(&code));
    let now = state.now();
    let phase = material.phase(now);
    authorize(
        &principal,
        Action::ReadOutcomes,
        relation,
        phase,
        Some(&material.round),
    )?;
    let result = consolidated(&state, &p, r, &material, phase).await?;
    let stem = format!("{p}-round-{r}-outcomes-{code}");
    let context = material.context(
        now,
        format!(
            "What became of {code}'s proposals in {}",
            material.round.label
        ),
    );
    let bytes = blocking(move || {
        let compilation = compile(&material, &engine, None);
        let decisions: Vec<Decision> = material
            .decisions
            .iter()
            .map(|d| d.decision.clone())
            .collect();
        let record = render::RoundRecord {
            round: &material.round.label,
            compilation: &compilation,
            submissions: &material.submissions,
            decisions: &decisions,
            result: result
                .as_ref()
                .map(|(applied, document)| render::RoundResult {
                    applied,
                    kept: &[],
                    document,
                }),
        };
        let mut outcomes = render::dispositions::outcomes(&record, &context);
        outcomes.retain(|o| o.delegation == code);
        if outcomes.is_empty() {
            outcomes.push(render::DelegationOutcomes {
                round: material.round.label.clone(),
                delegation_name: context.name(&code).to_string(),
                delegation: code.clone(),
                proposals: Vec::new(),
            });
        }
        Ok(match format {
            Format::Html => render::html::outcomes(&outcomes, &context).into_bytes(),
            _ => serde_json::to_vec(&outcomes[0]).map_err(|e| ApiError::Internal(e.to_string()))?,
        })
    })
    .await?;
    if format == Format::Json {
        let mut response = (StatusCode::OK, bytes).into_response();
        response.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        );
        return Ok(response);
    }
    Ok(formats::file(format, bytes, &stem))
}
