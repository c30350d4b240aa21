//! A reviewer's pages (and everyone's who reads a document): a document's versions, one
//! version's text, the redline between any two versions with the legend of who asked for each
//! change, and the files the API offers, under the session: a version in HTML, Word, Markdown
//! and Akoma Ntoso, a redline in HTML, Word and Markdown, a compilation in HTML, Word and
//! Markdown, a round's dispositions in CSV, XLSX and HTML.
//!
//! The text on the pages and in the files is `penholder_render`'s (its document views), read
//! through the same use cases as the API's (`document::view`, `version`, `redline_of`), so a
//! reviewer reads exactly what the API would give the same person.

use crate::Front;
use crate::error::{WebError, refused};
use crate::i18n::Lang;
use crate::pages::{Chrome, layout, moment};
use crate::sign_in::Visitor;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{PreEscaped, html};
use penholder_negotiation::disposition::Review;
use penholder_negotiation::policy::Action;
use penholder_negotiation::{Error, RoundMaterial, document};
use penholder_render::html::node_blocks;
use penholder_render::{Format, html as render_html};

/// A file to download, named as the API names it.
fn file(format: Format, bytes: Vec<u8>, stem: &str) -> Response {
    let disposition = HeaderValue::from_str(&format.content_disposition(stem))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

/// `format` from the path, if it is one of `allowed`.
fn format_of(name: &str, allowed: &[Format], lang: Lang) -> Result<Format, WebError> {
    Format::parse(name)
        .filter(|f| allowed.contains(f))
        .ok_or_else(|| {
            let names: Vec<&str> = allowed.iter().map(|f| f.as_str()).collect();
            WebError::new(
                StatusCode::NOT_FOUND,
                format!(
                    "{name:?} is not a format of this file: use {}",
                    names.join(", ")
                ),
                lang,
            )
        })
}

fn failed(lang: Lang) -> impl Fn(penholder_render::RenderError) -> Response {
    move |error| WebError::from_use_case(Error::Fault(error.to_string()), lang).into_response()
}

/// A document: its versions with their files, and the choice of a redline.
pub async fn document_page(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, d)): Path<(String, String)>,
) -> Result<Response, Response> {
    let session = visitor.signed_in()?;
    let lang = visitor.lang;
    let m = lang.messages();
    let (caller, slug, doc) = (session.caller.clone(), p.clone(), d.clone());
    let (readable, versions) = front
        .run(move |r| document::view(r, &caller, &slug, &doc))
        .await
        .map_err(refused(lang))?;
    let info = &readable.document;
    let path = format!("/p/{p}/d/{d}");
    let chrome = Chrome {
        lang,
        session: Some(session),
        path: &path,
    };
    let latest = versions.last().map_or(1, |v| v.number);
    let first = versions.first().map_or(1, |v| v.number);
    Ok(layout(
        &chrome,
        &info.title,
        html! {
            nav aria-label="Breadcrumb" { a href="/" { (m.processes) } " › " a href={ "/p/" (p) } { (p) } }
            h1 { (info.title) @if let Some(c) = &info.classification { " " span.classification-tag { (c) } } }
            section aria-labelledby="versions" {
                h2 id="versions" { (m.versions) }
                table {
                    thead { tr { th scope="col" { (m.version) } th scope="col" { (m.published) } th scope="col" { (m.downloads) } } }
                    tbody {
                        @for v in &versions {
                            tr {
                                th scope="row" { a href={ (path) "/v/" (v.number) } { (v.number) ". " (v.label) } }
                                td { (moment(v.created_at)) }
                                td {
                                    @for (i, (format, name)) in VERSION_FILES.iter().enumerate() {
                                        @if i > 0 { " · " }
                                        a href={ (path) "/v/" (v.number) "/file/" (format.as_str()) } { (name) span.visually-hidden { " " (m.version) " " (v.number) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if versions.len() > 1 {
                section.card aria-labelledby="redline" {
                    h2 id="redline" { (m.redline_between) }
                    form method="get" action={ (path) "/redline" } {
                        label for="from" { (m.from_version) }
                        select id="from" name="from" {
                            @for v in &versions { option value=(v.number) selected[v.number == first] { (v.number) ". " (v.label) } }
                        }
                        label for="to" { (m.to_version) }
                        select id="to" name="to" {
                            @for v in &versions { option value=(v.number) selected[v.number == latest] { (v.number) ". " (v.label) } }
                        }
                        button type="submit" { (m.show_redline) }
                    }
                }
            }
            (crate::views::document_links(&p, &d, lang))
            p { a href={ (path) "/upload" } { (m.upload) } " · " a href={ (path) "/state" } { (m.text_state.state_of_text) } }
        },
    )
    .into_response())
}

const VERSION_FILES: [(Format, &str); 4] = [
    (Format::Html, "HTML"),
    (Format::Docx, "Word"),
    (Format::Markdown, "Markdown"),
    (Format::Akn, "Akoma Ntoso"),
];

const REDLINE_FILES: [(Format, &str); 3] = [
    (Format::Html, "HTML"),
    (Format::Docx, "Word"),
    (Format::Markdown, "Markdown"),
];

/// One version's text.
pub async fn version_page(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, d, n)): Path<(String, String, u32)>,
) -> Result<Response, Response> {
    let session = visitor.signed_in()?;
    let lang = visitor.lang;
    let m = lang.messages();
    let (caller, slug, doc, now) = (session.caller.clone(), p.clone(), d.clone(), front.now());
    let (readable, info, version) = front
        .run(move |r| document::version(r, &caller, &slug, &doc, n))
        .await
        .map_err(refused(lang))?;
    let marks =
        crate::state::marks_of_version(&front, &session.caller, &p, &d, n, &version.document, lang)
            .await?;
    let mut context = marks.decorate(readable.version_context(&info, now));
    context.captions = m.captions;
    let blocks = node_blocks(&version.document, &context);
    let path = format!("/p/{p}/d/{d}/v/{n}");
    let chrome = Chrome {
        lang,
        session: Some(session),
        path: &path,
    };
    let title = format!(
        "{} \u{2014} {} {n}: {}",
        readable.document.title, m.version, info.label
    );
    Ok(layout(
        &chrome,
        &title,
        html! {
            nav aria-label="Breadcrumb" { a href="/" { (m.processes) } " › " a href={ "/p/" (p) } { (p) } " › " a href={ "/p/" (p) "/d/" (d) } { (readable.document.title) } }
            h1 { (title) }
            p.downloads { (m.downloads) ": "
                @for (i, (format, name)) in VERSION_FILES.iter().enumerate() {
                    @if i > 0 { " · " }
                    a href={ (path) "/file/" (format.as_str()) } { (name) }
                }
            }
            p { a href={ "/p/" (p) "/d/" (d) "/state" } { (m.text_state.state_of_text) } }
            (marks.legend(m))
            (crate::views::version_tools(&p, &d, n, &session.csrf, lang))
            div.text lang=(context.language) {
                @for block in &blocks {
                    div.paragraph dir="auto" { (PreEscaped(&block.html)) }
                    (marks.beside(m, block.node, &block.reference))
                }
            }
        },
    )
    .into_response())
}

/// A version as a file.
pub async fn version_file(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, d, n, name)): Path<(String, String, u32, String)>,
) -> Result<Response, Response> {
    let session = visitor.signed_in()?;
    let lang = visitor.lang;
    let format = format_of(&name, &VERSION_FILES.map(|(f, _)| f), lang)
        .map_err(IntoResponse::into_response)?;
    let (caller, slug, doc, now) = (session.caller.clone(), p.clone(), d.clone(), front.now());
    let (readable, info, version) = front
        .run(move |r| document::version(r, &caller, &slug, &doc, n))
        .await
        .map_err(refused(lang))?;
    let context = readable.version_context(&info, now);
    let bytes = match format {
        Format::Html => render_html::version(&version, &context).into_bytes(),
        Format::Markdown => penholder_render::markdown::version(&version, &context).into_bytes(),
        Format::Akn => penholder_render::akn::version(&version, &context).into_bytes(),
        _ => penholder_render::docx::version(&version, &context).map_err(failed(lang))?,
    };
    Ok(file(format, bytes, &format!("{p}-{d}-v{n}")))
}

/// The redline between two versions, every change attributed, with the legend; filtered by
/// delegation, reservation or "since I last read" ([`crate::views`]).
pub async fn redline_page(
    front: State<Front>,
    visitor: Visitor,
    path: Path<(String, String)>,
    filter: Query<crate::views::RedlineFilter>,
) -> Result<Response, Response> {
    crate::views::redline_page(front, visitor, path, filter).await
}

/// A redline as a file, filtered as its page was ([`crate::views`]).
pub async fn redline_file(
    front: State<Front>,
    visitor: Visitor,
    path: Path<(String, String, String)>,
    filter: Query<crate::views::RedlineFilter>,
) -> Result<Response, Response> {
    crate::views::redline_file(front, visitor, path, filter).await
}

/// A round's compilation as a file.
pub async fn compilation_file(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, number, name)): Path<(String, u32, String)>,
) -> Result<Response, Response> {
    let session = visitor.signed_in()?;
    let lang = visitor.lang;
    let format = format_of(&name, &REDLINE_FILES.map(|(f, _)| f), lang)
        .map_err(IntoResponse::into_response)?;
    let (caller, slug, now) = (session.caller.clone(), p.clone(), front.now());
    let kept = front.compilations.clone();
    let bytes = front
        .run(move |r| {
            let material =
                RoundMaterial::read_for(r, &caller, &slug, number, Action::ReadCompilation, now)?;
            let compilation = kept.of(&material, None);
            let context = material.context(
                now,
                format!("Compilation of {} (round {number})", material.round.label),
            );
            Ok(match format {
                Format::Html => render_html::compilation(&compilation, &context).into_bytes(),
                Format::Markdown => {
                    penholder_render::markdown::compilation(&compilation, &context).into_bytes()
                }
                _ => penholder_render::docx::compilation(&compilation, &context)
                    .map_err(|e| Error::Fault(e.to_string()))?,
            })
        })
        .await
        .map_err(refused(lang))?;
    Ok(file(
        format,
        bytes,
        &format!("{p}-round-{number}-compilation"),
    ))
}

/// A round's dispositions as a file.
pub async fn dispositions_file(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, number, name)): Path<(String, u32, String)>,
) -> Result<Response, Response> {
    let session = visitor.signed_in()?;
    let lang = visitor.lang;
    let format = format_of(&name, &[Format::Csv, Format::Xlsx, Format::Html], lang)
        .map_err(IntoResponse::into_response)?;
    let (caller, slug, now) = (session.caller.clone(), p.clone(), front.now());
    let kept = front.compilations.clone();
    let bytes = front
        .run(move |r| {
            let review = Review::read(r, &caller, &slug, number, now)?;
            let context = review.context(
                now,
                format!(
                    "Dispositions of {} (round {number})",
                    review.material.round.label
                ),
            );
            let compilation = kept.of(&review.material, None);
            let rows = review.dispositions(&compilation, &context);
            let fault = |e: penholder_render::RenderError| Error::Fault(e.to_string());
            Ok(match format {
                Format::Html => render_html::dispositions(&rows, &context).into_bytes(),
                Format::Csv => penholder_render::dispositions::csv_with(
                    &rows,
                    penholder_render::dispositions::Delimiter::Comma,
                )
                .map_err(fault)?,
                _ => penholder_render::dispositions::xlsx(
                    &rows,
                    &context,
                    &format!("Round {number}"),
                )
                .map_err(fault)?,
            })
        })
        .await
        .map_err(refused(lang))?;
    Ok(file(
        format,
        bytes,
        &format!("{p}-round-{number}-dispositions"),
    ))
}
