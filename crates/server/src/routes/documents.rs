//! Documents and their versions: creation from a source text, reading, blame, redlines, and
//! the chairmanship's upload of a text revised elsewhere.

use super::blocking;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::etag::EntityTag;
use crate::extract::{ApiPath, ApiQuery, Body};
use crate::formats;
use crate::live;
use crate::openapi::Problems;
use crate::page::{PageQuery, json_page};
use crate::policy::Action;
use crate::state::{AppState, Reply};
use crate::wire::*;
use axum::Json;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode};
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

/// Create a document from a source text (its version 1)
#[utoipa::path(post, path = "/v1/processes/{p}/documents", tag = "documents",
    params(("p" = String, Path, description = "The process's slug"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    request_body = CreateDocumentRequest,
    responses((status = 201, description = "The document and its version 1", body = CreatedDocument,
               example = json!({"document": {"slug": "declaration", "title": "Budapest Declaration", "classification": null, "latest_version": 2, "created_at": "2026-03-02T09:05:00Z", "created_by": "chair-tr"}, "version": {"document": "declaration", "number": 1, "label": "Rev. 1 after written feedback", "parent": null, "hash": "5f2b9c0e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c", "round": null, "created_at": "2026-03-25T11:00:00Z", "created_by": "chair-tr", "audit_head": {"seq": 41, "hash": "3ad77bb40d7a3660a89ecaf32466ef97f5d3d585e0e1a7a2d1d3f0c8b6a4e2f1", "head": "41:3ad77bb40d7a3660a89ecaf32466ef97f5d3d585e0e1a7a2d1d3f0c8b6a4e2f1", "signature": null}}, "nodes": 42})),
              Problems),
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
    if let Some(symbol) = &request.symbol {
        document::check_symbol(symbol)?;
    }
    let symbol = request.symbol;
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
            let (document, version) =
                document::create_with_symbol(w, &caller, &p, &new, symbol.as_deref(), now)?;
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

/// Read a document and list its versions
#[utoipa::path(get, path = "/v1/processes/{p}/documents/{d}", tag = "documents",
    params(("p" = String, Path, description = "The process's slug"),
           ("d" = String, Path, description = "The document's slug"),
           PageQuery),
    responses((status = 200, description = "The document and a page of its versions, oldest first; `next` (and the `Link` header) name the next page",
               body = DocumentView,
               headers(("Link" = String, description = "`<…>; rel=\"next\"` when there are more versions")),
               example = json!({"slug": "declaration", "title": "Budapest Declaration", "classification": null, "latest_version": 2, "created_at": "2026-03-02T09:05:00Z", "created_by": "chair-tr", "versions": [{"document": "declaration", "number": 2, "label": "Rev. 1 after written feedback", "parent": 1, "hash": "5f2b9c0e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c", "round": 1, "created_at": "2026-03-25T11:00:00Z", "created_by": "chair-tr", "audit_head": {"seq": 41, "hash": "3ad77bb40d7a3660a89ecaf32466ef97f5d3d585e0e1a7a2d1d3f0c8b6a4e2f1", "head": "41:3ad77bb40d7a3660a89ecaf32466ef97f5d3d585e0e1a7a2d1d3f0c8b6a4e2f1", "signature": null}}]})),
              Problems),
    security(("bearer" = [])))]
pub async fn get_document(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, d)): ApiPath<(String, String)>,
    OriginalUri(uri): OriginalUri,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Response, ApiError> {
    page.limit()?;
    let (readable, versions) = state
        .run(move |r| document::view(r, &principal, &p, &d))
        .await?;
    let page = page.page(versions, uri.path(), |v| v.number.to_string())?;
    Ok(json_page(
        DocumentView {
            document: DocumentSummary::from(&readable.document),
            versions: page
                .items
                .iter()
                .map(|v| VersionSummary::new(v, state.audit_key()))
                .collect(),
            next: page.next.clone(),
        },
        page.next.as_deref(),
    ))
}

/// Read a version, in JSON or as a file (HTML, Markdown, Word, Akoma Ntoso)
#[utoipa::path(get, path = "/v1/processes/{p}/documents/{d}/versions/{n}", tag = "documents",
    params(("p" = String, Path, description = "The process's slug"),
           ("d" = String, Path, description = "The document's slug"),
           ("n" = u32, Path, description = "The version's number"),
           FormatQuery,
           ("Accept" = Option<String>, Header, description = "The media type wanted, when ?format= is absent: application/json, text/html, text/markdown, the Word media type or application/akn+xml (q-values honoured)"),
           ("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier answer: 304 when it is still current")),
    responses((status = 200, description = "The version's text, in the format asked for", headers(("ETag" = String, description = "Strong; send it back as If-None-Match for a 304"), ("Vary" = String, description = "accept")),
               content((VersionView = "application/json", example = json!({"number": 2, "label": "Rev. 1 after written feedback", "parent": 1, "hash": "5f2b9c0e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c", "round": 1, "created_at": "2026-03-25T11:00:00Z", "created_by": "chair-tr", "document": {"title": "Budapest Declaration", "nodes": [{"id": "0190a5e2-7c1d-7b3e-9f4a-2d6c8e0b1a35", "kind": "operative", "text": "Call on all States to ratify the Convention without delay.", "children": []}]}, "references": [{"node": "0190a5e2-7c1d-7b3e-9f4a-2d6c8e0b1a35", "reference": "OP1"}], "audit_head": {"seq": 41, "hash": "3ad77bb40d7a3660a89ecaf32466ef97f5d3d585e0e1a7a2d1d3f0c8b6a4e2f1", "head": "41:3ad77bb40d7a3660a89ecaf32466ef97f5d3d585e0e1a7a2d1d3f0c8b6a4e2f1", "signature": null}})),
                   (String = "text/html"),
                   (String = "text/markdown"),
                   ("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                   (String = "application/akn+xml"))),
              (status = 304, description = "Not modified: the ETag sent is current"),
              Problems),
    security(("bearer" = [])))]
pub async fn get_version(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, d, n)): ApiPath<(String, String, u32)>,
    ApiQuery(query): ApiQuery<FormatQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let format = formats::negotiate(query.format.as_deref(), &headers, Output::Version)?;
    let document::ShownVersion {
        readable,
        info,
        version,
        state: text_state,
        brackets,
    } = {
        let (p, d) = (p.clone(), d.clone());
        state
            .run(move |r| document::shown_version(r, &principal, &p, &d, n))
            .await?
    };
    let seal = state.seal(info.published);
    // A version's text never changes: its hash, its seal, the delegations' names printed in it
    // and the state of its paragraphs (statuses and reservations, which do change) decide the
    // answer.
    let tag = EntityTag::of(&[
        b"version",
        p.as_bytes(),
        d.as_bytes(),
        &n.to_be_bytes(),
        info.hash.to_hex().as_bytes(),
        format.as_str().as_bytes(),
        format!("{seal:?}").as_bytes(),
        format!("{:?}", readable.delegations).as_bytes(),
        format!("{text_state:?}").as_bytes(),
    ]);
    tag.answer(&headers, async move {
        if format != Format::Json {
            let context = readable
                .version_context(&info, state.now())
                .numbers_of(&version.document)
                .state_of(&text_state, &version.document)
                .events_of(&published(&readable), &text_state, n)
                .brackets_of(&brackets)
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
        let state_view = crate::wire_state::TextStateView::new(
            &text_state,
            n,
            &version.document,
            &brackets,
            false,
        );
        let mut view = VersionView::new(&info, version.document, references, &seal);
        view.state = Some(state_view);
        view.brackets = crate::wire_brackets::BracketView::list(&brackets, &view.document);
        view.concordance = Some(format!("/v1/processes/{p}/documents/{d}/concordance"));
        Ok(Json(view).into_response())
    })
    .await
}

/// Every version of the document as the life of its text lists it: number, label, when.
fn published(readable: &document::Readable) -> Vec<(u32, String, i64)> {
    readable
        .history
        .iter()
        .flat_map(|history| &history.versions)
        .map(|v| (v.number, v.label.clone(), v.created_at))
        .collect()
}

/// Show where every word of a version comes from
#[utoipa::path(get, path = "/v1/processes/{p}/documents/{d}/versions/{n}/blame", tag = "documents",
    params(("p" = String, Path, description = "The process's slug"),
           ("d" = String, Path, description = "The document's slug"),
           ("n" = u32, Path, description = "The version's number"),
           FormatQuery,
           ("Accept" = Option<String>, Header, description = "The media type wanted, when ?format= is absent: application/json, text/html or text/markdown"),
           ("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier answer: 304 when it is still current")),
    responses((status = 200, description = "Where every word of the version comes from",
               headers(("ETag" = String, description = "Strong; send it back as If-None-Match for a 304"), ("Vary" = String, description = "accept")),
               content((BlameResponse = "application/json", example = json!({"version": 2, "blame": {"document_title": "Budapest Declaration", "nodes": []}})),
                   (String = "text/html"),
                   (String = "text/markdown"))),
              (status = 304, description = "Not modified: the ETag sent is current"),
              Problems),
    security(("bearer" = [])))]
pub async fn get_blame(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, d, n)): ApiPath<(String, String, u32)>,
    ApiQuery(query): ApiQuery<FormatQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let format = formats::negotiate(query.format.as_deref(), &headers, Output::Blame)?;
    let (readable, version, blame) = {
        let (p, d) = (p.clone(), d.clone());
        state
            .run(move |r| document::blame(r, &principal, &p, &d, n))
            .await?
    };
    // A version and its provenance never change.
    let tag = EntityTag::of(&[
        b"blame",
        p.as_bytes(),
        d.as_bytes(),
        &n.to_be_bytes(),
        version.hash.to_hex().as_bytes(),
        format.as_str().as_bytes(),
        format!("{:?}", readable.delegations).as_bytes(),
    ]);
    if tag.is_fresh_for(&headers) {
        return Ok(tag.not_modified());
    }
    let context = readable
        .context(state.now())
        .subtitle(format!("Version {n}: where every word comes from"))
        .numbers_of(&version.document);
    let view = blocking(move || Ok(penholder_diff::blame_view(&version.document, &blame))).await?;
    Ok(tag.attach(match format {
        Format::Html => formats::file(
            format,
            render::html::blame(&view, &context).into_bytes(),
            &format!("{p}-{d}-v{n}-blame"),
        ),
        Format::Markdown => formats::file(
            format,
            render::markdown::blame(&view, &context).into_bytes(),
            &format!("{p}-{d}-v{n}-blame"),
        ),
        _ => Json(BlameResponse {
            version: n,
            blame: view,
        })
        .into_response(),
    }))
}

/// Redline two versions, with who proposed each change
#[utoipa::path(get, path = "/v1/processes/{p}/documents/{d}/redline", tag = "documents",
    params(("p" = String, Path, description = "The process's slug"),
           ("d" = String, Path, description = "The document's slug"),
           RedlineQuery,
           ("Accept" = Option<String>, Header, description = "The media type wanted, when ?format= is absent: application/json, text/html, text/markdown or the Word media type"),
           ("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier answer: 304 when it is still current")),
    responses((status = 200, description = "The changes from one version to another, each attributed to the delegations that proposed it", headers(("ETag" = String, description = "Strong; send it back as If-None-Match for a 304"), ("Vary" = String, description = "accept")),
               content((RedlineView = "application/json", example = json!({"from": 1, "to": 2, "attributed": true, "redline": {"document_title": "Budapest Declaration", "nodes": []}})),
                   (String = "text/html"),
                   (String = "text/markdown"),
                   ("application/vnd.openxmlformats-officedocument.wordprocessingml.document"))),
              (status = 304, description = "Not modified: the ETag sent is current"),
              Problems),
    security(("bearer" = [])))]
pub async fn get_redline(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, d)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<RedlineQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let format = formats::negotiate(query.format.as_deref(), &headers, Output::Redline)?;
    let delegation = query.delegation.clone();
    let reservation = query.reservation.clone();
    let since = query.since.clone();
    let (readable, resolved) = {
        let (p, d) = (p.clone(), d.clone());
        state
            .run(move |r| {
                let request = penholder_negotiation::reading::RedlineRequest {
                    from: query.from,
                    to: query.to,
                    since: query.since.as_deref(),
                    delegation: query.delegation.as_deref(),
                    reservation: query.reservation.as_deref(),
                };
                penholder_negotiation::reading::redline(r, &principal, &p, &d, &request)
            })
            .await?
    };
    let (from, to, of) = (resolved.from, resolved.to, resolved.of);
    let (text_state, brackets) = (resolved.state, resolved.brackets);
    let mut stem = format!("{p}-{d}-v{from}-v{to}-redline");
    if let Some(code) = &delegation {
        stem.push_str(&format!("-{code}"));
    }
    if let Some(code) = &reservation {
        stem.push_str(&format!("-reserved-{code}"));
    }
    // Versions never change: the two versions' texts and those between them (the chain that
    // attributes each change) and the filter decide the redline; the tag is known before it
    // is computed.
    let mut parts: Vec<Vec<u8>> = vec![
        b"redline".to_vec(),
        p.into_bytes(),
        d.into_bytes(),
        format.as_str().as_bytes().to_vec(),
        format!("{:?}", readable.delegations).into_bytes(),
        format!("{:?}", of.only).into_bytes(),
        format!("{:?}", of.nodes).into_bytes(),
        of.chain.source.hash.to_hex().into_bytes(),
        of.chain.target.hash.to_hex().into_bytes(),
        // Statuses and reservations change after publication; the brackets are the target's.
        format!("{text_state:?}").into_bytes(),
    ];
    parts.extend(
        of.chain
            .links
            .iter()
            .map(|link| link.version.hash.to_hex().into_bytes()),
    );
    let tag = EntityTag::of(&parts.iter().map(Vec::as_slice).collect::<Vec<_>>());
    tag.answer(&headers, async move {
        let attributed = of.chain.attributed;
        // Word shows a moved paragraph at both places; it needs the source to place the old one.
        let source_document = (format == Format::Docx).then(|| of.chain.source.document.clone());
        let target = of.chain.target.document.clone();
        let redline = blocking(move || Ok(of.redline())).await?;
        if format != Format::Json {
            let mut context = readable
                .redline_context(from, to, state.now())
                .state_of(&text_state, &target)
                .brackets_of(&brackets);
            if let Some(code) = &delegation {
                let subtitle = context.subtitle.take().unwrap_or_default();
                context = context.subtitle(format!("{subtitle}: the changes of {code}"));
            }
            if let Some(code) = &reservation {
                let subtitle = context.subtitle.take().unwrap_or_default();
                context = context.subtitle(format!(
                    "{subtitle}: the paragraphs where {code} holds a reservation"
                ));
            }
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
            reservation,
            since,
            redline,
            state: text_state.has_any().then(|| {
                crate::wire_state::TextStateView::new(&text_state, to, &target, &brackets, false)
            }),
            brackets: crate::wire_brackets::BracketView::list(&brackets, &target),
        })
        .into_response())
    })
    .await
}

/// Every node's reference in each version of a document (the numbering concordance)
#[utoipa::path(get, path = "/v1/processes/{p}/documents/{d}/concordance", tag = "documents",
    params(("p" = String, Path, description = "The process's slug"),
           ("d" = String, Path, description = "The document's slug"),
           FormatQuery,
           ("Accept" = Option<String>, Header, description = "The media type wanted, when ?format= is absent: application/json, text/html, text/markdown, text/csv or the Excel media type")),
    responses((status = 200, description = "Every node's reference in each version, rows in the latest version's order",
               content((ConcordanceView = "application/json", example = json!({"document_title": "Budapest Declaration", "versions": [{"number": 1, "label": "Zero draft"}, {"number": 2, "label": "Rev. 1"}], "rows": [{"node": "0193a1f2-7c4e-7d2a-9b1e-5f3c2d1a0b9e", "kind": "preambular", "references": ["PP12", "PP12 bis"]}]})),
                   (String = "text/html"),
                   (String = "text/markdown"),
                   (String = "text/csv"),
                   ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
              Problems),
    security(("bearer" = [])))]
pub async fn get_concordance(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, d)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<FormatQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let format = formats::negotiate(query.format.as_deref(), &headers, Output::Concordance)?;
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

/// Upload a text revised elsewhere as the next version (chair)
#[utoipa::path(post, path = "/v1/processes/{p}/documents/{d}/versions", tag = "documents",
    params(("p" = String, Path, description = "The process's slug"),
           ("d" = String, Path, description = "The document's slug"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes"),
           UploadVersionQuery),
    request_body(
        description = "The label and the revised text as JSON, or the revised text as a .docx (label and round in the query; tracked changes accepted or rejected first; docs/word.md)",
        content(
            (UploadVersionRequest = "application/json"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))),
    responses((status = 201, description = "The new version, and how its text was matched to the previous one", body = UploadedVersion,
               example = json!({"version": {"document": "declaration", "number": 2, "label": "Rev. 1 after written feedback", "parent": 1, "hash": "5f2b9c0e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c", "round": null, "created_at": "2026-03-25T11:00:00Z", "created_by": "chair-tr", "audit_head": {"seq": 41, "hash": "3ad77bb40d7a3660a89ecaf32466ef97f5d3d585e0e1a7a2d1d3f0c8b6a4e2f1", "head": "41:3ad77bb40d7a3660a89ecaf32466ef97f5d3d585e0e1a7a2d1d3f0c8b6a4e2f1", "signature": null}}, "alignment": {"document": {"title": "Budapest Declaration", "nodes": []}, "nodes": [], "removed": [], "fulfilled": []}})),
              Problems),
    security(("bearer" = [])))]
pub async fn upload_version(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, d)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<UploadVersionQuery>,
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
    // A Word file says its label and round in the query; its text is read against the basis.
    let (label, round, source) = if body.docx {
        let label = query.label.ok_or_else(|| {
            ApiError::BadRequest(
                "a .docx upload names the new version's label in the query: ?label=Rev.%201".into(),
            )
        })?;
        (label, query.round, None)
    } else {
        let request: UploadVersionRequest = body.json()?;
        (
            request.label,
            request.round,
            Some(source_of(request.source)),
        )
    };
    let basis = {
        let (caller, p, d) = (principal.clone(), p.clone(), d.clone());
        state
            .run(move |r| document::upload_basis(r, &caller, &p, &d, round, now))
            .await?
    };
    let mut ids = state.ids();
    let engine = state.clone();
    let docx = body.bytes.clone();
    let (basis, upload) = blocking(move || {
        let revised = match source {
            Some(source) => source.import(&mut ids)?,
            None => basis.revised_docx(&docx, &mut ids)?,
        };
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

/// Set the document's symbol (chair, secretariat)
///
/// The symbol (`8056/24`) is printed in the footer of the document's Word files. Every setting
/// is kept (and audited); the latest is in force.
#[utoipa::path(put, path = "/v1/processes/{p}/documents/{d}/symbol", tag = "documents",
    params(("p" = String, Path, description = "The process's slug"),
           ("d" = String, Path, description = "The document's slug"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    request_body(content = SymbolRequest, example = json!({"symbol": "8056/24"})),
    responses((status = 200, description = "The symbol in force", body = SymbolView,
               example = json!({"document": "declaration", "symbol": "8056/24"})),
              Problems),
    security(("bearer" = [])))]
pub async fn put_symbol(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, d)): ApiPath<(String, String)>,
    body: Body,
) -> Result<Reply, ApiError> {
    state
        .act(
            &principal,
            &body,
            StatusCode::OK,
            move |w, caller, request: SymbolRequest, now| {
                let symbol = document::set_symbol(w, caller, &p, &d, &request.symbol, now)?;
                Ok(SymbolView {
                    document: d.clone(),
                    symbol,
                })
            },
        )
        .await
}
