//! Documents and their versions: creation from a source text, reading, blame, redlines, and
//! the chairmanship's upload of a text revised elsewhere.

use super::{VersionChain, authorize, blame_of, blocking, check_text, read_action, relation};
use crate::auth::Principal;
use crate::error::{ApiError, FieldError};
use crate::extract::{ApiPath, ApiQuery, Body};
use crate::formats;
use crate::openapi::Problems;
use crate::policy::{Action, Phase};
use crate::routes::negotiation::{RoundMaterial, load_round};
use crate::state::{AppState, Reply};
use crate::wire::*;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use penholder_core::negotiation::Delegation;
use penholder_core::{Document, IdSource, References};
use penholder_render::{self as render, Format, Output};
use penholder_store::{DocumentInfo, NewDocument, NewVersion};

/// Reads a source text into a document tree; 422 naming the line when it cannot.
pub fn import_source(source: &SourceRequest, ids: &mut IdSource) -> Result<Document, ApiError> {
    let imported = match source.format {
        SourceFormat::Markdown | SourceFormat::Text => {
            penholder_import::import_any_markdown(&source.text, ids).map(|m| m.document)
        }
        SourceFormat::Json => penholder_import::from_json(&source.text),
        SourceFormat::CouncilNote => {
            let part = source.part.ok_or_else(|| {
                ApiError::invalid_field(
                    "/source/part",
                    "a council note carries two texts: say which with part (declaration or call_for_action)",
                )
            })?;
            penholder_import::import_council_note(&source.text, ids).map(|note| match part {
                CouncilPart::Declaration => note.declaration,
                CouncilPart::CallForAction => note.call_for_action,
            })
        }
    };
    let document = imported.map_err(|error| {
        ApiError::validation(
            format!("the source text cannot be read: {error}"),
            vec![FieldError {
                pointer: "/source/text".into(),
                item: None,
                reference: None,
                detail: error.to_string(),
            }],
        )
    })?;
    if document.nodes.is_empty() {
        return Err(ApiError::invalid_field(
            "/source/text",
            "the source text holds no paragraphs",
        ));
    }
    if let Some(id) = document.duplicate_id() {
        return Err(ApiError::invalid_field(
            "/source/text",
            format!("node id {id} is used twice"),
        ));
    }
    Ok(document)
}

#[utoipa::path(post, path = "/v1/processes/{p}/documents", tag = "documents",
    params(("p" = String, Path, description = "The process's slug"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    request_body = CreateDocumentRequest,
    responses((status = 201, body = CreatedDocument), Problems),
    security(("bearer" = [])))]
pub async fn create_document(
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
        Action::CreateDocument,
        relation,
        Phase::NoRound,
        None,
    )?;
    let request: CreateDocumentRequest = body.json()?;
    if !valid_slug(&request.slug) {
        return Err(ApiError::invalid_field(
            "/slug",
            "a document slug is 1 to 64 lower-case letters, digits, '-', '_' or '.'",
        ));
    }
    check_text("/title", &request.title, 500)?;
    if let Some(classification) = &request.classification {
        check_text("/classification", classification, 64)?;
    }
    let label = request.label.clone().unwrap_or_else(|| "Zero draft".into());
    check_text("/label", &label, 300)?;
    let mut ids = state.ids();
    let source = request.source.clone();
    let mut tree = blocking(move || import_source(&source, &mut ids)).await?;
    tree.title = request.title.clone();
    let nodes = tree.node_count();
    let new = NewDocument {
        slug: request.slug.clone(),
        title: request.title,
        classification: request.classification,
        label,
        tree,
    };
    let actor = principal.actor();
    state
        .commit(&principal, &body, move |w, now| {
            let (document, version) = w.create_document(&p, &new, &actor, now)?;
            Ok(Reply::json(
                StatusCode::CREATED,
                &CreatedDocument {
                    document: DocumentSummary::from(&document),
                    version: VersionSummary::from(&version),
                    nodes,
                },
            )?
            .with_location(format!("/v1/processes/{p}/documents/{}", document.slug)))
        })
        .await
}

/// Reads a document's record and the process's delegations, and checks the caller may read
/// the document.
async fn readable(
    state: &AppState,
    principal: &Principal,
    p: &str,
    d: &str,
) -> Result<(DocumentInfo, Vec<Delegation>), ApiError> {
    let (p, d) = (p.to_string(), d.to_string());
    let (document, delegations) = state
        .read(move |r| Ok((r.document(&p, &d)?, r.delegations(&p)?)))
        .await?;
    let relation = relation(principal, &delegations, None);
    authorize(
        principal,
        read_action(&document),
        relation,
        Phase::NoRound,
        None,
    )?;
    Ok((document, delegations))
}

#[utoipa::path(get, path = "/v1/processes/{p}/documents/{d}", tag = "documents",
    params(("p" = String, Path, description = "The process's slug"),
           ("d" = String, Path, description = "The document's slug")),
    responses((status = 200, body = DocumentView), Problems),
    security(("bearer" = [])))]
pub async fn get_document(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, d)): ApiPath<(String, String)>,
) -> Result<Json<DocumentView>, ApiError> {
    let (document, _) = readable(&state, &principal, &p, &d).await?;
    let versions = state.read(move |r| r.versions(&p, &d)).await?;
    Ok(Json(DocumentView {
        document: DocumentSummary::from(&document),
        versions: versions.iter().map(VersionSummary::from).collect(),
    }))
}

#[utoipa::path(get, path = "/v1/processes/{p}/documents/{d}/versions/{n}", tag = "documents",
    params(("p" = String, Path, description = "The process's slug"),
           ("d" = String, Path, description = "The document's slug"),
           ("n" = u32, Path, description = "The version's number"),
           FormatQuery),
    responses((status = 200, body = VersionView), Problems),
    security(("bearer" = [])))]
pub async fn get_version(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, d, n)): ApiPath<(String, String, u32)>,
    ApiQuery(query): ApiQuery<FormatQuery>,
) -> Result<Response, ApiError> {
    let format = formats::requested(query.format.as_deref(), Output::Version)?;
    let (document, delegations) = readable(&state, &principal, &p, &d).await?;
    let (info, version) = {
        let (p, d) = (p.clone(), d.clone());
        state
            .read(move |r| Ok((r.version_info(&p, &d, n)?, r.version(&p, &d, n)?)))
            .await?
    };
    if format != Format::Json {
        let context = context_of(&document, &delegations, state.now())
            .subtitle(format!("Version {n}: {}", info.label))
            .numbers_of(&version.document);
        let bytes = blocking(move || {
            Ok(match format {
                Format::Html => render::html::version(&version, &context).into_bytes(),
                Format::Markdown => render::markdown::version(&version, &context).into_bytes(),
                Format::Akn => render::akn::version(&version, &context).into_bytes(),
                _ => render::docx::version(&version, &context).map_err(formats::failed)?,
            })
        })
        .await?;
        return Ok(formats::file(format, bytes, &format!("{p}-{d}-v{n}")));
    }
    let references = References::of(&version.document)
        .in_order()
        .iter()
        .map(|(node, reference)| NodeReference {
            node: *node,
            reference: reference.0.clone(),
        })
        .collect();
    Ok(Json(VersionView::new(&info, version.document, references)).into_response())
}

pub use penholder_negotiation::round::context_of;

#[utoipa::path(get, path = "/v1/processes/{p}/documents/{d}/versions/{n}/blame", tag = "documents",
    params(("p" = String, Path, description = "The process's slug"),
           ("d" = String, Path, description = "The document's slug"),
           ("n" = u32, Path, description = "The version's number"),
           FormatQuery),
    responses((status = 200, body = BlameResponse), Problems),
    security(("bearer" = [])))]
pub async fn get_blame(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, d, n)): ApiPath<(String, String, u32)>,
    ApiQuery(query): ApiQuery<FormatQuery>,
) -> Result<Response, ApiError> {
    let format = formats::requested(query.format.as_deref(), Output::Blame)?;
    let (document, delegations) = readable(&state, &principal, &p, &d).await?;
    let (version, blame) = {
        let (p, d) = (p.clone(), d.clone());
        state
            .read(move |r| {
                let version = r.version(&p, &d, n)?;
                let blame = blame_of(r, &p, &d, &version)?;
                Ok((version, blame))
            })
            .await?
    };
    let context = context_of(&document, &delegations, state.now())
        .subtitle(format!("Version {n}: where every word comes from"))
        .numbers_of(&version.document);
    let view = blocking(move || Ok(penholder_diff::blame_view(&version.document, &blame))).await?;
    match format {
        Format::Html => Ok(formats::file(
            format,
            render::html::blame(&view, &context).into_bytes(),
            &format!("{p}-{d}-v{n}-blame"),
        )),
        Format::Markdown => Ok(formats::file(
            format,
            render::markdown::blame(&view, &context).into_bytes(),
            &format!("{p}-{d}-v{n}-blame"),
        )),
        _ => Ok(Json(BlameResponse {
            version: n,
            blame: view,
        })
        .into_response()),
    }
}

#[utoipa::path(get, path = "/v1/processes/{p}/documents/{d}/redline", tag = "documents",
    params(("p" = String, Path, description = "The process's slug"),
           ("d" = String, Path, description = "The document's slug"),
           RedlineQuery),
    responses((status = 200, body = RedlineView), Problems),
    security(("bearer" = [])))]
pub async fn get_redline(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, d)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<RedlineQuery>,
) -> Result<Response, ApiError> {
    let format = formats::requested(query.format.as_deref(), Output::Redline)?;
    let (document, delegations) = readable(&state, &principal, &p, &d).await?;
    let (from, to) = (query.from, query.to);
    let stem = format!("{p}-{d}-v{from}-v{to}-redline");
    let chain = state
        .read(move |r| VersionChain::load(r, &p, &d, from, to))
        .await?;
    let attributed = chain.attributed;
    // Word shows a moved paragraph at both places; it needs the source to place the old one.
    let source_document = (format == Format::Docx).then(|| chain.source.document.clone());
    let redline = blocking(move || Ok(chain.redline())).await?;
    if format != Format::Json {
        let context = context_of(&document, &delegations, state.now())
            .subtitle(format!("Version {from} → version {to}"));
        let bytes = blocking(move || {
            Ok(match format {
                Format::Html => render::html::redline(&redline, &context).into_bytes(),
                Format::Markdown => render::markdown::redline(&redline, &context).into_bytes(),
                _ => match &source_document {
                    Some(source) => render::docx::redline_from(&redline, source, &context),
                    None => render::docx::redline(&redline, &context),
                }
                .map_err(formats::failed)?,
            })
        })
        .await?;
        return Ok(formats::file(format, bytes, &stem));
    }
    Ok(Json(RedlineView {
        from,
        to,
        attributed,
        redline,
    })
    .into_response())
}

#[utoipa::path(post, path = "/v1/processes/{p}/documents/{d}/versions", tag = "documents",
    params(("p" = String, Path, description = "The process's slug"),
           ("d" = String, Path, description = "The document's slug"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    request_body = UploadVersionRequest,
    responses((status = 201, body = UploadedVersion), Problems),
    security(("bearer" = [])))]
pub async fn upload_version(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, d)): ApiPath<(String, String)>,
    body: Body,
) -> Result<Reply, ApiError> {
    let (document, delegations) = {
        let (p, d) = (p.clone(), d.clone());
        state
            .read(move |r| Ok((r.document(&p, &d)?, r.delegations(&p)?)))
            .await?
    };
    let relation = relation(&principal, &delegations, None);
    // Reading comes first: a caller who may not read the text learns nothing more here.
    authorize(
        &principal,
        read_action(&document),
        relation,
        Phase::NoRound,
        None,
    )?;
    authorize(
        &principal,
        Action::UploadVersion,
        relation,
        Phase::NoRound,
        None,
    )?;
    let request: UploadVersionRequest = body.json()?;
    let now = state.now();
    let material: Option<RoundMaterial> = match request.round {
        Some(round) => {
            let material = load_round(&state, &p, round).await?;
            if material.round.document != d {
                return Err(ApiError::invalid_field(
                    "/round",
                    format!(
                        "round {round} is about document {}, not {d}",
                        material.round.document
                    ),
                ));
            }
            let phase = Phase::from(material.round.state_at(now));
            authorize(
                &principal,
                Action::Consolidate,
                relation,
                phase,
                Some(&material.round),
            )?;
            Some(material)
        }
        None => None,
    };
    check_text("/label", &request.label, 300)?;
    let mut ids = state.ids();
    let (previous, previous_blame) = match &material {
        Some(material) => (material.base.clone(), material.base_blame.clone()),
        None => {
            let (p, d) = (p.clone(), d.clone());
            state
                .read(move |r| {
                    let latest = r.latest_version(&p, &d)?;
                    let blame = blame_of(r, &p, &d, &latest)?;
                    Ok((latest, blame))
                })
                .await?
        }
    };
    let source = request.source.clone();
    let label = request.label.clone();
    let round_number = request.round;
    let engine = state.clone();
    let (alignment, consolidation) = blocking(move || {
        let mut revised = import_source(&source, &mut ids)?;
        revised.title = previous.document.title.clone();
        let compilation = material
            .as_ref()
            .map(|m| super::negotiation::compile(m, &engine, None));
        let origin_label = material
            .as_ref()
            .map(|m| m.round.label.clone())
            .unwrap_or_else(|| label.clone());
        let alignment = penholder_diff::align(&previous.document, &revised, compilation.as_deref());
        let consolidation = penholder_diff::adopt(
            &previous,
            &previous_blame,
            &alignment,
            compilation.as_deref(),
            &origin_label,
        );
        Ok((alignment, consolidation))
    })
    .await?;
    let new = NewVersion {
        label: request.label,
        tree: consolidation.document,
        round: round_number,
        provenance: Some(consolidation.blame),
        changes: Some(consolidation.applied),
    };
    let expected_latest = document.latest_version;
    let actor = principal.actor();
    state
        .commit(&principal, &body, move |w, now| {
            if round_number.is_none() && w.document(&p, &d)?.latest_version != expected_latest {
                return Err(ApiError::Conflict(format!(
                    "document {d} got a new version while this upload was being aligned; send it again"
                )));
            }
            let version = w.publish_version(&p, &d, &new, &actor, now)?;
            Ok(Reply::json(
                StatusCode::CREATED,
                &UploadedVersion {
                    version: VersionSummary::from(&version),
                    alignment,
                },
            )?
            .with_location(format!(
                "/v1/processes/{p}/documents/{d}/versions/{}",
                version.number
            )))
        })
        .await
}
