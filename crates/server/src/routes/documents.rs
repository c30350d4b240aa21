//! Documents and their versions: creation from a source text, reading, blame, redlines, and
//! the chairmanship's upload of a text revised elsewhere.

use super::blocking;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery, Body};
use crate::formats;
use crate::live;
use crate::openapi::Problems;
use crate::policy::Action;
use crate::state::{AppState, Reply};
use crate::wire::*;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use penholder_core::References;
use penholder_negotiation::document::{self, DocumentPlan, Source};
use penholder_negotiation::process::authorize_on;
use penholder_render::{self as render, Format, Output};

/// The application layer's reading of a source as the request gives it.
fn source_of(source: SourceRequest) -> Source {
    match source.format {
        SourceFormat::Markdown | SourceFormat::Text => Source::Markdown(source.text),
        SourceFormat::Json => Source::Json(source.text),
        SourceFormat::Akn => Source::Akn(source.text),
        SourceFormat::CouncilNote => Source::CouncilNote {
            text: source.text,
            part: source.part.map(|part| match part {
                CouncilPart::Declaration => document::CouncilPart::Declaration,
                CouncilPart::CallForAction => document::CouncilPart::CallForAction,
            }),
        },
    }
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
    {
        let (caller, p) = (principal.clone(), p.clone());
        state
            .run(move |r| authorize_on(r, &caller, &p, Action::CreateDocument))
            .await?;
    }
    let request: CreateDocumentRequest = body.json()?;
    let plan = DocumentPlan {
        slug: request.slug,
        title: request.title,
        classification: request.classification,
        label: request.label,
        source: source_of(request.source),
    };
    let mut ids = state.ids();
    let new = blocking(move || Ok(plan.prepare(&mut ids)?)).await?;
    let nodes = new.tree.node_count();
    let caller = principal.clone();
    // The closure runs on the store's writer; it signs the new version's head with this.
    let key = state.config().audit_key.clone();
    state
        .commit(&principal, &body, move |w, now| {
            let (document, version) = document::create(w, &caller, &p, &new, now)?;
            Ok(Reply::json(
                StatusCode::CREATED,
                &CreatedDocument {
                    document: DocumentSummary::from(&document),
                    version: VersionSummary::new(&version, key.as_deref()),
                    nodes,
                },
            )?
            .with_location(format!("/v1/processes/{p}/documents/{}", document.slug)))
        })
        .await
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
    let (readable, versions) = state
        .run(move |r| document::view(r, &principal, &p, &d))
        .await?;
    Ok(Json(DocumentView {
        document: DocumentSummary::from(&readable.document),
        versions: versions
            .iter()
            .map(|v| VersionSummary::new(v, state.audit_key()))
            .collect(),
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
    let (readable, info, version) = {
        let (p, d) = (p.clone(), d.clone());
        state
            .run(move |r| document::version(r, &principal, &p, &d, n))
            .await?
    };
    let seal = state.seal(info.published);
    if format != Format::Json {
        let context = readable
            .context(state.now())
            .subtitle(format!("Version {n}: {}", info.label))
            .numbers_of(&version.document)
            .audit(seal.for_render());
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
    let mut view = VersionView::new(&info, version.document, references, &seal);
    view.concordance = Some(format!("/v1/processes/{p}/documents/{d}/concordance"));
    Ok(Json(view).into_response())
}

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
    let (readable, version, blame) = {
        let (p, d) = (p.clone(), d.clone());
        state
            .run(move |r| document::blame(r, &principal, &p, &d, n))
            .await?
    };
    let context = readable
        .context(state.now())
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
    let (from, to) = (query.from, query.to);
    let delegation = query.delegation;
    let stem = match &delegation {
        Some(code) => format!("{p}-{d}-v{from}-v{to}-redline-{code}"),
        None => format!("{p}-{d}-v{from}-v{to}-redline"),
    };
    let subtitle = match &delegation {
        Some(code) => format!("Version {from} → version {to}: the changes of {code}"),
        None => format!("Version {from} → version {to}"),
    };
    let (readable, of) = {
        let delegation = delegation.clone();
        state
            .run(move |r| {
                document::redline_of(r, &principal, &p, &d, from, to, delegation.as_deref())
            })
            .await?
    };
    let attributed = of.chain.attributed;
    // Word shows a moved paragraph at both places; it needs the source to place the old one.
    let source_document = (format == Format::Docx).then(|| of.chain.source.document.clone());
    let redline = blocking(move || Ok(of.redline())).await?;
    if format != Format::Json {
        let context = readable.context(state.now()).subtitle(subtitle);
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
        delegation,
        redline,
    })
    .into_response())
}

#[utoipa::path(get, path = "/v1/processes/{p}/documents/{d}/concordance", tag = "documents",
    params(("p" = String, Path, description = "The process's slug"),
           ("d" = String, Path, description = "The document's slug"),
           FormatQuery),
    responses((status = 200, body = ConcordanceView,
               description = "Every node's reference in each version (json, html, md, csv, xlsx)"),
              Problems),
    security(("bearer" = [])))]
pub async fn get_concordance(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, d)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<FormatQuery>,
) -> Result<Response, ApiError> {
    let format = formats::requested(query.format.as_deref(), Output::Concordance)?;
    let stem = format!("{p}-{d}-concordance");
    let (readable, concordance) = state
        .run(move |r| penholder_negotiation::concordance::concordance(r, &principal, &p, &d))
        .await?;
    if format == Format::Json {
        return Ok(Json(ConcordanceView { concordance }).into_response());
    }
    let context = readable.context(state.now());
    let bytes = blocking(move || {
        Ok(match format {
            Format::Html => render::html::concordance(&concordance, &context).into_bytes(),
            Format::Markdown => render::markdown::concordance(&concordance, &context).into_bytes(),
            Format::Csv => render::concordance::csv(&concordance).map_err(formats::failed)?,
            _ => render::concordance::xlsx(&concordance, &context).map_err(formats::failed)?,
        })
    })
    .await?;
    Ok(formats::file(format, bytes, &stem))
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
    // Refused callers hear so before anything about their body; publishing checks again.
    let now = state.now();
    {
        let (caller, p, d) = (principal.clone(), p.clone(), d.clone());
        state
            .run(move |r| document::may_upload(r, &caller, &p, &d, None, now).map(drop))
            .await?;
    }
    let request: UploadVersionRequest = body.json()?;
    let basis = {
        let (caller, p, d, round) = (principal.clone(), p.clone(), d.clone(), request.round);
        state
            .run(move |r| document::upload_basis(r, &caller, &p, &d, round, now))
            .await?
    };
    let mut ids = state.ids();
    let source = source_of(request.source);
    let label = request.label;
    let engine = state.clone();
    let (basis, upload) = blocking(move || {
        let revised = source.import(&mut ids)?;
        let compilation = basis
            .round
            .as_ref()
            .map(|m| live::compile(m, &engine, None));
        let upload = basis.align(label, revised, compilation.as_deref())?;
        Ok((basis, upload))
    })
    .await?;
    let caller = principal.clone();
    // The closure runs on the store's writer; it signs the new version's head with this.
    let key = state.config().audit_key.clone();
    state
        .commit(&principal, &body, move |w, now| {
            let version = basis.publish(w, &caller, &upload, now)?;
            Ok(Reply::json(
                StatusCode::CREATED,
                &UploadedVersion {
                    version: VersionSummary::new(&version, key.as_deref()),
                    alignment: upload.alignment,
                },
            )?
            .with_location(format!(
                "/v1/processes/{p}/documents/{d}/versions/{}",
                version.number
            )))
        })
        .await
}
