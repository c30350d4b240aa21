//! The reviewers' views of issue 17 in the front: the redline filtered by a delegation (or a
//! group), by the paragraphs a delegation holds a reservation on, or since the version the
//! reader last marked as read (with the button that marks it); the synoptic table of chosen
//! versions side by side; the numbering concordance; and the search of a process's texts.
//! Each with the files the API offers for it.
//!
//! Every page reads through the use cases the API's routes call (`reading::redline`,
//! `synoptic::synoptic`, `concordance::concordance`, `search::search_with_proposals`,
//! `reading::set_read_mark`), so who may read what, and which filter values are refused and
//! why, are the API's rules; the tables are `penholder_render`'s views.

use crate::Front;
use crate::chair::spoken;
use crate::error::{WebError, refused};
use crate::i18n::Lang;
use crate::pages::{Chrome, layout, moment};
use crate::sign_in::Visitor;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, PreEscaped, html};
use penholder_negotiation::reading::{self, RedlineRequest};
use penholder_negotiation::{Error, concordance, search, synoptic};
use penholder_render::html::{anchor_id, redline_view, synoptic_view};
use penholder_render::{Format, Output, html as render_html};
use serde::Deserialize;

/// The interface's words for these views, in one language (reached as `Messages::views`).
pub struct ViewsMessages {
    pub views_of_document: &'static str,
    pub filters: &'static str,
    pub changes_of: &'static str,
    pub every_delegation: &'static str,
    pub reserved_by: &'static str,
    pub no_reservation_filter: &'static str,
    pub last_read_option: &'static str,
    pub apply: &'static str,
    pub the_changes_of: &'static str,
    pub reserved_paragraphs_of: &'static str,
    pub since_last_read: &'static str,
    pub mark_read: &'static str,
    pub marked_read: &'static str,
    pub never_marked: &'static str,
    pub no_mark_yet: &'static str,
    pub synoptic: &'static str,
    pub synoptic_intro: &'static str,
    pub column_heading: &'static str,
    pub show_side_by_side: &'static str,
    pub choose_a_version: &'static str,
    pub bar_in_heading: &'static str,
    pub concordance: &'static str,
    pub concordance_intro: &'static str,
    pub search: &'static str,
    pub search_label: &'static str,
    pub search_hint: &'static str,
    pub texts_found: &'static str,
    pub proposals_found: &'static str,
    pub nothing_found: &'static str,
    pub found_in: &'static str,
    pub node: &'static str,
    pub round: &'static str,
}

pub const ENGLISH: ViewsMessages = ViewsMessages {
    views_of_document: "Views of this document",
    filters: "Choose the redline",
    changes_of: "Changes proposed or supported by",
    every_delegation: "every delegation",
    reserved_by: "Only the paragraphs where this delegation holds a reservation",
    no_reservation_filter: "every paragraph",
    last_read_option: "the version I last marked as read",
    apply: "Show",
    the_changes_of: "the changes of",
    reserved_paragraphs_of: "the paragraphs reserved by",
    since_last_read: "What changed since I last read",
    mark_read: "Mark version {n} as read",
    marked_read: "You last marked as read version",
    never_marked: "You have not marked a version of this document as read yet.",
    no_mark_yet: "You have not marked a version of this document as read yet: open a version (or a redline) and use its button “Mark version … as read”; then this redline shows what changed since.",
    synoptic: "Synoptic table",
    synoptic_intro: "Choose the versions to show side by side, row by row; give a column a heading of your own if you like (“Commission proposal”, “Council”).",
    column_heading: "Column heading",
    show_side_by_side: "Show side by side",
    choose_a_version: "choose at least one version to show side by side",
    bar_in_heading: "a column heading cannot contain “|”: remove it",
    concordance: "Numbering concordance",
    concordance_intro: "Each paragraph's reference in each version; a dash: not in that version.",
    search: "Search",
    search_label: "Search the texts of this process",
    search_hint: "Words that must all appear, or \"an exact phrase\" in quotes.",
    texts_found: "Texts",
    proposals_found: "Proposals of consolidated rounds",
    nothing_found: "Nothing found.",
    found_in: "In",
    node: "node",
    round: "round",
};

pub const FRENCH: ViewsMessages = ViewsMessages {
    views_of_document: "Vues de ce document",
    filters: "Choisir la version révisée",
    changes_of: "Modifications proposées ou soutenues par",
    every_delegation: "toutes les délégations",
    reserved_by: "Seulement les paragraphes où cette délégation maintient une réserve",
    no_reservation_filter: "tous les paragraphes",
    last_read_option: "la dernière version que j'ai marquée comme lue",
    apply: "Afficher",
    the_changes_of: "les modifications de",
    reserved_paragraphs_of: "les paragraphes réservés par",
    since_last_read: "Ce qui a changé depuis ma dernière lecture",
    mark_read: "Marquer la version {n} comme lue",
    marked_read: "Vous avez marqué comme lue la version",
    never_marked: "Vous n'avez encore marqué aucune version de ce document comme lue.",
    no_mark_yet: "Vous n'avez encore marqué aucune version de ce document comme lue : ouvrez une version (ou une comparaison) et utilisez son bouton « Marquer la version … comme lue » ; cette comparaison montrera ensuite ce qui a changé depuis.",
    synoptic: "Tableau synoptique",
    synoptic_intro: "Choisissez les versions à afficher côte à côte, ligne par ligne ; donnez si vous le souhaitez un titre à une colonne (« Proposition de la Commission », « Conseil »).",
    column_heading: "Titre de la colonne",
    show_side_by_side: "Afficher côte à côte",
    choose_a_version: "choisissez au moins une version à afficher côte à côte",
    bar_in_heading: "un titre de colonne ne peut pas contenir « | » : retirez-le",
    concordance: "Concordance des numérotations",
    concordance_intro: "La référence de chaque paragraphe dans chaque version ; un tiret : absent de cette version.",
    search: "Rechercher",
    search_label: "Rechercher dans les textes de ce processus",
    search_hint: "Des mots qui doivent tous figurer, ou « une expression exacte » entre guillemets droits (\").",
    texts_found: "Textes",
    proposals_found: "Propositions des tours consolidés",
    nothing_found: "Aucun résultat.",
    found_in: "Dans",
    node: "nœud",
    round: "tour",
};

fn failed(error: penholder_render::RenderError) -> Error {
    Error::Fault(error.to_string())
}

/// A query parameter's value, percent-encoded (RFC 3986 unreserved characters kept).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

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

/// The formats the API offers for `output`, with the names people know them by.
fn files_of(output: Output) -> Vec<(Format, &'static str)> {
    output
        .formats()
        .iter()
        .map(|format| {
            let name = match format {
                Format::Json => "JSON",
                Format::Html => "HTML",
                Format::Markdown => "Markdown",
                Format::Docx => "Word",
                Format::Csv => "CSV",
                Format::Xlsx => "Excel",
                Format::Akn => "Akoma Ntoso",
            };
            (*format, name)
        })
        .collect()
}

/// `name` from a file's path, if the API offers `output` in it.
fn format_of(name: &str, output: Output, lang: Lang) -> Result<Format, WebError> {
    Format::parse(name)
        .filter(|f| output.formats().contains(f))
        .ok_or_else(|| {
            let names: Vec<&str> = output.formats().iter().map(|f| f.as_str()).collect();
            WebError::new(
                StatusCode::NOT_FOUND,
                format!(
                    "{name:?} is not a format of {}: use {}",
                    output.as_str(),
                    names.join(", ")
                ),
                lang,
            )
        })
}

fn downloads(m: &crate::i18n::Messages, output: Output, base: &str, query: &str) -> Markup {
    html! {
        p.downloads { (m.downloads) ": "
            @for (i, (format, name)) in files_of(output).into_iter().enumerate() {
                @if i > 0 { " · " }
                a href={ (base) "/file/" (format.as_str()) @if !query.is_empty() { "?" (query) } } { (name) }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Links from the other pages (hooks).

/// The views of a document, linked from its page.
pub fn document_links(p: &str, d: &str, lang: Lang) -> Markup {
    let v = &lang.messages().views;
    let base = format!("/p/{p}/d/{d}");
    html! {
        nav.views-links aria-label=(v.views_of_document) {
            ul {
                li { a href={ (base) "/synoptic" } { (v.synoptic) } }
                li { a href={ (base) "/concordance" } { (v.concordance) } }
                li { a href={ (base) "/redline?since=read" } { (v.since_last_read) } }
            }
        }
    }
}

/// Under a version's text: mark it as read, and the views of its document.
pub fn version_tools(p: &str, d: &str, n: u32, csrf: &str, lang: Lang) -> Markup {
    let base = format!("/p/{p}/d/{d}");
    html! {
        div.views-tools {
            (mark_read_form(p, d, n, csrf, &format!("{base}/v/{n}"), lang))
            (document_links(p, d, lang))
        }
    }
}

fn mark_read_form(p: &str, d: &str, n: u32, csrf: &str, back: &str, lang: Lang) -> Markup {
    let v = &lang.messages().views;
    html! {
        form.mark-read method="post" action={ "/p/" (p) "/d/" (d) "/read-mark" } {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="version" value=(n);
            input type="hidden" name="back" value=(back);
            button type="submit" { (v.mark_read.replace("{n}", &n.to_string())) }
        }
    }
}

/// The search box of a process's page.
pub fn search_box(p: &str, lang: Lang, query: &str) -> Markup {
    let v = &lang.messages().views;
    html! {
        form.search-box role="search" method="get" action={ "/p/" (p) "/search" } {
            label for="search-q" { (v.search_label) }
            p.hint id="search-hint" { (v.search_hint) }
            input type="search" id="search-q" name="q" value=(query) aria-describedby="search-hint";
            button type="submit" { (v.search) }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The filtered redline.

/// A redline as the page's form (or a link) asks for it; every field as sent, an empty one
/// meaning "not chosen".
#[derive(Clone, Debug, Default, Deserialize)]
pub struct RedlineFilter {
    from: Option<String>,
    to: Option<String>,
    since: Option<String>,
    delegation: Option<String>,
    reservation: Option<String>,
}

/// [`RedlineFilter`] read: the version numbers parsed, `from=read` understood as `since=read`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Filter {
    from: Option<u32>,
    to: Option<u32>,
    since: Option<String>,
    delegation: Option<String>,
    reservation: Option<String>,
}

fn chosen(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

fn version_number(name: &str, value: Option<String>) -> Result<Option<u32>, String> {
    value
        .map(|v| {
            v.parse::<u32>().map_err(|_| {
                format!("{name}={v:?} is not a version number: choose a version in the list")
            })
        })
        .transpose()
}

impl RedlineFilter {
    fn read(&self) -> Result<Filter, String> {
        let mut since = chosen(&self.since);
        let mut from = chosen(&self.from);
        // The form offers "the version I last read" among the versions to compare from.
        if from.as_deref() == Some("read") {
            since = Some("read".into());
            from = None;
        }
        Ok(Filter {
            from: version_number("from", from)?,
            to: version_number("to", chosen(&self.to))?,
            since,
            delegation: chosen(&self.delegation),
            reservation: chosen(&self.reservation),
        })
    }
}

impl Filter {
    /// The query of this redline's page and files.
    fn query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(since) = &self.since {
            parts.push(format!("since={}", encode(since)));
        }
        if let Some(from) = self.from {
            parts.push(format!("from={from}"));
        }
        if let Some(to) = self.to {
            parts.push(format!("to={to}"));
        }
        if let Some(code) = &self.delegation {
            parts.push(format!("delegation={}", encode(code)));
        }
        if let Some(code) = &self.reservation {
            parts.push(format!("reservation={}", encode(code)));
        }
        parts.join("&")
    }

    /// The line under the redline's title, as the API's files say it.
    fn subtitle(&self, mut subtitle: String) -> String {
        if let Some(code) = &self.delegation {
            subtitle.push_str(&format!(": the changes of {code}"));
        }
        if let Some(code) = &self.reservation {
            subtitle.push_str(&format!(
                ": the paragraphs where {code} holds a reservation"
            ));
        }
        subtitle
    }
}

/// What the redline's page shows, read on one snapshot.
struct RedlinePage {
    title: String,
    subtitle: String,
    view: render_html::View,
    language: String,
    from: u32,
    to: u32,
    versions: Vec<(u32, String)>,
    delegations: Vec<(String, String)>,
    mark: Option<reading::ReadMark>,
}

/// Reads the redline `filter` asks for, refusing a "since I last read" without a read mark
/// in the front's words.
fn resolve(
    r: &penholder_store::Reader<'_>,
    caller: &penholder_negotiation::Caller,
    p: &str,
    d: &str,
    filter: &Filter,
    lang: Lang,
) -> Result<
    (
        penholder_negotiation::document::Readable,
        reading::ResolvedRedline,
    ),
    Error,
> {
    if filter.since.as_deref() == Some("read")
        && filter.from.is_none()
        && reading::read_mark(r, caller, p, d)?.is_none()
    {
        return Err(Error::Conflict(
            lang.messages().views.no_mark_yet.to_string(),
        ));
    }
    let request = RedlineRequest {
        from: filter.from,
        to: filter.to,
        since: filter.since.as_deref(),
        delegation: filter.delegation.as_deref(),
        reservation: filter.reservation.as_deref(),
    };
    reading::redline(r, caller, p, d, &request)
}

/// The redline between two versions (or since the version last read), filtered as asked,
/// with the form that chooses it, the read mark, and the files.
pub async fn redline_page(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, d)): Path<(String, String)>,
    Query(asked): Query<RedlineFilter>,
) -> Result<Response, Response> {
    let session = visitor.signed_in()?;
    let lang = visitor.lang;
    let m = lang.messages();
    let v = &m.views;
    let filter = asked
        .read()
        .map_err(|detail| WebError::bad_request(detail, lang).into_response())?;
    let (caller, slug, doc, now) = (session.caller.clone(), p.clone(), d.clone(), front.now());
    let asked_for = filter.clone();
    let page = front
        .run(move |r| {
            let (readable, resolved) = resolve(r, &caller, &slug, &doc, &asked_for, lang)?;
            let mut context = readable.redline_context(resolved.from, resolved.to, now);
            context.spoken = Some(spoken(m));
            context.captions = m.captions;
            let redline = resolved.of.redline();
            let view = redline_view(&redline, &context);
            let versions = r
                .versions(&slug, &doc)?
                .into_iter()
                .map(|v| (v.number, v.label))
                .collect();
            Ok(RedlinePage {
                title: readable.document.title.clone(),
                subtitle: context.subtitle.clone().unwrap_or_default(),
                view,
                language: context.language.clone(),
                from: resolved.from,
                to: resolved.to,
                versions,
                delegations: readable
                    .delegations
                    .iter()
                    .map(|d| (d.code.clone(), d.name.clone()))
                    .collect(),
                mark: reading::read_mark(r, &caller, &slug, &doc)?,
            })
        })
        .await
        .map_err(refused(lang))?;
    let query = filter.query();
    let path = format!("/p/{p}/d/{d}/redline?{query}");
    let chrome = Chrome {
        lang,
        session: Some(session),
        path: &path,
    };
    let mut heading = format!("{} \u{2014} {}: {}", page.title, m.redline, page.subtitle);
    if let Some(code) = &filter.delegation {
        heading.push_str(&format!(", {} {code}", v.the_changes_of));
    }
    if let Some(code) = &filter.reservation {
        heading.push_str(&format!(", {} {code}", v.reserved_paragraphs_of));
    }
    let since_read = filter.since.is_some();
    let base = format!("/p/{p}/d/{d}/redline");
    Ok(layout(
        &chrome,
        &heading,
        html! {
            nav aria-label="Breadcrumb" { a href="/" { (m.processes) } " › " a href={ "/p/" (p) } { (p) } " › " a href={ "/p/" (p) "/d/" (d) } { (page.title) } }
            h1 { (heading) }
            p { (page.view.subtitle) }
            section.card.redline-filters aria-labelledby="filters" {
                h2 id="filters" { (v.filters) }
                form method="get" action=(base) {
                    div.field {
                        label for="from" { (m.from_version) }
                        select id="from" name="from" {
                            @if page.mark.is_some() {
                                option value="read" selected[since_read] { (v.last_read_option) }
                            }
                            @for (number, label) in &page.versions {
                                option value=(number) selected[!since_read && *number == page.from] { (number) ". " (label) }
                            }
                        }
                    }
                    div.field {
                        label for="to" { (m.to_version) }
                        select id="to" name="to" {
                            @for (number, label) in &page.versions {
                                option value=(number) selected[*number == page.to] { (number) ". " (label) }
                            }
                        }
                    }
                    div.field {
                        label for="delegation" { (v.changes_of) }
                        select id="delegation" name="delegation" {
                            option value="" { (v.every_delegation) }
                            @for (code, name) in &page.delegations {
                                option value=(code) selected[filter.delegation.as_deref() == Some(code.as_str())] { (code) " \u{2014} " (name) }
                            }
                        }
                    }
                    div.field {
                        label for="reservation" { (v.reserved_by) }
                        select id="reservation" name="reservation" {
                            option value="" { (v.no_reservation_filter) }
                            @for (code, name) in &page.delegations {
                                option value=(code) selected[filter.reservation.as_deref() == Some(code.as_str())] { (code) " \u{2014} " (name) }
                            }
                        }
                    }
                    button type="submit" { (v.apply) }
                }
            }
            div.read-mark {
                p.read-status {
                    @match &page.mark {
                        Some(mark) => { (v.marked_read) " " strong { (mark.version) } " (" (moment(mark.marked_at)) ")." }
                        None => { (v.never_marked) }
                    }
                }
                (mark_read_form(&p, &d, page.to, &session.csrf, &path, lang))
            }
            (downloads(m, Output::Redline, &base, &query))
            @if page.view.legend.is_empty() { p { (m.no_changes) } } @else {
                section.legend-box aria-labelledby="legend" { h2 id="legend" { (m.legend) } (PreEscaped(&page.view.legend)) }
            }
            div.text.redline lang=(page.language) dir="auto" { (PreEscaped(&page.view.body)) }
        },
    )
    .into_response())
}

/// The filtered redline as a file, in every format the API offers for a redline.
pub async fn redline_file(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, d, name)): Path<(String, String, String)>,
    Query(asked): Query<RedlineFilter>,
) -> Result<Response, Response> {
    let session = visitor.signed_in()?;
    let lang = visitor.lang;
    let format = format_of(&name, Output::Redline, lang).map_err(IntoResponse::into_response)?;
    let filter = asked
        .read()
        .map_err(|detail| WebError::bad_request(detail, lang).into_response())?;
    let (caller, slug, doc, now) = (session.caller.clone(), p.clone(), d.clone(), front.now());
    let asked_for = filter.clone();
    let (from, to, bytes) = front
        .run(move |r| {
            let (readable, resolved) = resolve(r, &caller, &slug, &doc, &asked_for, lang)?;
            let (from, to) = (resolved.from, resolved.to);
            let mut context = readable.redline_context(from, to, now);
            context.subtitle = Some(asked_for.subtitle(context.subtitle.unwrap_or_default()));
            let attributed = resolved.of.chain.attributed;
            let source = resolved.of.chain.source.document.clone();
            let redline = resolved.of.redline();
            let bytes = match format {
                Format::Json => serde_json::to_vec_pretty(&serde_json::json!({
                    "from": from,
                    "to": to,
                    "attributed": attributed,
                    "delegation": asked_for.delegation,
                    "reservation": asked_for.reservation,
                    "since": asked_for.since,
                    "redline": redline,
                }))
                .map_err(|e| Error::Fault(e.to_string()))?,
                Format::Html => render_html::redline(&redline, &context).into_bytes(),
                Format::Markdown => {
                    penholder_render::markdown::redline(&redline, &context).into_bytes()
                }
                _ => penholder_render::docx::redline_from(&redline, &source, &context)
                    .map_err(failed)?,
            };
            Ok((from, to, bytes))
        })
        .await
        .map_err(refused(lang))?;
    let mut stem = format!("{p}-{d}-v{from}-v{to}-redline");
    if let Some(code) = &filter.delegation {
        stem.push_str(&format!("-{code}"));
    }
    if let Some(code) = &filter.reservation {
        stem.push_str(&format!("-reserved-{code}"));
    }
    Ok(file(format, bytes, &stem))
}

#[derive(Deserialize)]
pub struct ReadMarkForm {
    csrf: String,
    version: String,
    back: Option<String>,
}

/// Marks a version as read by the person signed in, then back to the page they were on.
pub async fn mark_read(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, d)): Path<(String, String)>,
    Form(form): Form<ReadMarkForm>,
) -> Result<Response, Response> {
    let session = visitor.check_csrf(&form.csrf)?;
    let lang = visitor.lang;
    let version: u32 = form.version.trim().parse().map_err(|_| {
        WebError::bad_request(
            format!(
                "{:?} is not a version number: use the button under a version or a redline",
                form.version
            ),
            lang,
        )
        .into_response()
    })?;
    let (caller, slug, doc, now) = (session.caller.clone(), p.clone(), d.clone(), front.now());
    front
        .commit(move |w| reading::set_read_mark(w, &caller, &slug, &doc, version, now))
        .await
        .map_err(refused(lang))?;
    // Back only to a page of this document (never elsewhere: the field comes from a form).
    let home = format!("/p/{p}/d/{d}");
    let back = form
        .back
        .filter(|b| {
            (b == &home || b.starts_with(&format!("{home}/")) || b.starts_with(&format!("{home}?")))
                && !b.contains("//")
                && !b.contains('\\')
        })
        .unwrap_or(home);
    Ok(Redirect::to(&back).into_response())
}

// ---------------------------------------------------------------------------------------------
// The synoptic table.

/// The columns as the form asks for them: `version=N` for each version chosen (in the order
/// sent), `label-N` a heading of one's own for version N; `chosen` says the form was sent.
fn columns_asked(
    pairs: &[(String, String)],
    lang: Lang,
) -> Result<(Option<String>, Option<String>), String> {
    let v = &lang.messages().views;
    let versions: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "version")
        .map(|(_, value)| value.trim())
        .collect();
    // The files' links say it as the API does.
    let listed = pairs.iter().find(|(k, _)| k == "versions");
    let labels_listed = pairs.iter().find(|(k, _)| k == "labels");
    if versions.is_empty() {
        if pairs.iter().any(|(k, _)| k == "chosen") {
            return Err(v.choose_a_version.to_string());
        }
        return Ok((
            listed.map(|(_, v)| v.clone()),
            labels_listed.map(|(_, v)| v.clone()),
        ));
    }
    let mut labels = Vec::new();
    for version in &versions {
        let label = pairs
            .iter()
            .find(|(k, _)| *k == format!("label-{version}"))
            .map_or("", |(_, value)| value.trim());
        if label.contains(synoptic::LABEL_SEPARATOR) {
            return Err(v.bar_in_heading.to_string());
        }
        labels.push(label);
    }
    let separator = synoptic::LABEL_SEPARATOR.to_string();
    let labels = labels
        .iter()
        .any(|l| !l.is_empty())
        .then(|| labels.join(separator.as_str()));
    Ok((Some(versions.join(",")), labels))
}

/// Versions of a document side by side: the form that chooses them, the table, the files.
pub async fn synoptic_page(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, d)): Path<(String, String)>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, Response> {
    let session = visitor.signed_in()?;
    let lang = visitor.lang;
    let m = lang.messages();
    let v = &m.views;
    let (versions, labels) = columns_asked(&pairs, lang)
        .map_err(|detail| WebError::bad_request(detail, lang).into_response())?;
    let (caller, slug, doc, now) = (session.caller.clone(), p.clone(), d.clone(), front.now());
    let (asked_versions, asked_labels) = (versions.clone(), labels.clone());
    let (title, view, columns, all_versions, language) = front
        .run(move |r| {
            let (readable, table) = synoptic::synoptic(
                r,
                &caller,
                &slug,
                &doc,
                asked_versions.as_deref(),
                asked_labels.as_deref(),
            )?;
            let mut context = readable.context(now);
            context.spoken = Some(spoken(m));
            context.captions = m.captions;
            let view = synoptic_view(&table, &context);
            let columns: Vec<(u32, String)> = table
                .columns
                .iter()
                .map(|c| (c.version, c.label.clone()))
                .collect();
            let all: Vec<(u32, String)> = r
                .versions(&slug, &doc)?
                .into_iter()
                .map(|v| (v.number, v.label))
                .collect();
            Ok((
                readable.document.title.clone(),
                view,
                columns,
                all,
                context.language.clone(),
            ))
        })
        .await
        .map_err(refused(lang))?;
    let shown: Vec<u32> = columns.iter().map(|(n, _)| *n).collect();
    let mut query = Vec::new();
    if let Some(versions) = &versions {
        query.push(format!("versions={}", encode(versions)));
    }
    if let Some(labels) = &labels {
        query.push(format!("labels={}", encode(labels)));
    }
    let query = query.join("&");
    let base = format!("/p/{p}/d/{d}/synoptic");
    let path = if query.is_empty() {
        base.clone()
    } else {
        format!("{base}?{query}")
    };
    let chrome = Chrome {
        lang,
        session: Some(session),
        path: &path,
    };
    let heading = format!("{title} \u{2014} {}", v.synoptic);
    let heading_of = |number: u32| {
        columns
            .iter()
            .find(|(n, _)| *n == number)
            .map(|(_, label)| label.clone())
    };
    Ok(layout(
        &chrome,
        &heading,
        html! {
            nav aria-label="Breadcrumb" { a href="/" { (m.processes) } " › " a href={ "/p/" (p) } { (p) } " › " a href={ "/p/" (p) "/d/" (d) } { (title) } }
            h1 { (heading) }
            p { (view.subtitle) }
            section.card.synoptic-choice aria-labelledby="choose-columns" {
                h2 id="choose-columns" { (m.versions) }
                p.hint { (v.synoptic_intro) }
                form method="get" action=(base) {
                    input type="hidden" name="chosen" value="1";
                    table {
                        thead { tr { th scope="col" { (m.version) } th scope="col" { (v.column_heading) } } }
                        tbody {
                            @for (number, label) in &all_versions {
                                tr {
                                    td {
                                        input type="checkbox" id={ "version-" (number) } name="version" value=(number) checked[shown.contains(number)];
                                        " "
                                        label for={ "version-" (number) } { (number) ". " (label) }
                                    }
                                    td {
                                        input type="text" id={ "label-" (number) } name={ "label-" (number) } aria-label={ (v.column_heading) ", " (m.version) " " (number) }
                                            value=(heading_of(*number).filter(|h| h != label).unwrap_or_default());
                                    }
                                }
                            }
                        }
                    }
                    button type="submit" { (v.show_side_by_side) }
                }
            }
            (downloads(m, Output::Synoptic, &base, &query))
            @if !view.legend.is_empty() {
                section.legend-box aria-labelledby="legend" { h2 id="legend" { (m.legend) } (PreEscaped(&view.legend)) }
            }
            div.synoptic-scroll lang=(language) dir="auto" tabindex="0" role="region" aria-label=(v.synoptic) { (PreEscaped(&view.body)) }
        },
    )
    .into_response())
}

#[derive(Deserialize)]
pub struct SynopticFileQuery {
    versions: Option<String>,
    labels: Option<String>,
}

/// The synoptic table as a file (HTML, Word in landscape, Excel, JSON).
pub async fn synoptic_file(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, d, name)): Path<(String, String, String)>,
    Query(query): Query<SynopticFileQuery>,
) -> Result<Response, Response> {
    let session = visitor.signed_in()?;
    let lang = visitor.lang;
    let format = format_of(&name, Output::Synoptic, lang).map_err(IntoResponse::into_response)?;
    let (caller, slug, doc, now) = (session.caller.clone(), p.clone(), d.clone(), front.now());
    let bytes = front
        .run(move |r| {
            let (readable, table) = synoptic::synoptic(
                r,
                &caller,
                &slug,
                &doc,
                query.versions.as_deref(),
                query.labels.as_deref(),
            )?;
            let context = readable.context(now);
            Ok(match format {
                Format::Json => {
                    serde_json::to_vec_pretty(&table).map_err(|e| Error::Fault(e.to_string()))?
                }
                Format::Html => render_html::synoptic(&table, &context).into_bytes(),
                Format::Docx => {
                    penholder_render::synoptic::docx(&table, &context).map_err(failed)?
                }
                _ => penholder_render::synoptic::xlsx(&table, &context).map_err(failed)?,
            })
        })
        .await
        .map_err(refused(lang))?;
    Ok(file(format, bytes, &format!("{p}-{d}-synoptic")))
}

// ---------------------------------------------------------------------------------------------
// The numbering concordance.

/// Every node's reference in each version, each linked to the paragraph on its version's page.
pub async fn concordance_page(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, d)): Path<(String, String)>,
) -> Result<Response, Response> {
    let session = visitor.signed_in()?;
    let lang = visitor.lang;
    let m = lang.messages();
    let v = &m.views;
    let (caller, slug, doc) = (session.caller.clone(), p.clone(), d.clone());
    let (readable, table) = front
        .run(move |r| concordance::concordance(r, &caller, &slug, &doc))
        .await
        .map_err(refused(lang))?;
    let title = readable.document.title.clone();
    let base = format!("/p/{p}/d/{d}/concordance");
    let chrome = Chrome {
        lang,
        session: Some(session),
        path: &base,
    };
    let heading = format!("{title} \u{2014} {}", v.concordance);
    Ok(layout(
        &chrome,
        &heading,
        html! {
            nav aria-label="Breadcrumb" { a href="/" { (m.processes) } " › " a href={ "/p/" (p) } { (p) } " › " a href={ "/p/" (p) "/d/" (d) } { (title) } }
            h1 { (heading) }
            p { (v.concordance_intro) }
            (downloads(m, Output::Concordance, &base, ""))
            div.concordance-scroll tabindex="0" role="region" aria-label=(v.concordance) {
                table.concordance {
                    thead { tr { @for heading in table.headings() { th scope="col" { (heading) } } } }
                    tbody {
                        @for row in &table.rows {
                            tr {
                                @for (version, reference) in table.versions.iter().zip(&row.references) {
                                    td {
                                        @match reference {
                                            Some(reference) => {
                                                a href={ "/p/" (p) "/d/" (d) "/v/" (version.number) "#" (anchor_id(reference)) } { (reference) }
                                            }
                                            None => {
                                                span title=(format!("{} v{}", m.version, version.number)) { (penholder_render::concordance::ABSENT) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response())
}

/// The concordance as a file (HTML, Markdown, CSV, Excel, JSON).
pub async fn concordance_file(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, d, name)): Path<(String, String, String)>,
) -> Result<Response, Response> {
    let session = visitor.signed_in()?;
    let lang = visitor.lang;
    let format =
        format_of(&name, Output::Concordance, lang).map_err(IntoResponse::into_response)?;
    let (caller, slug, doc, now) = (session.caller.clone(), p.clone(), d.clone(), front.now());
    let bytes = front
        .run(move |r| {
            let (readable, table) = concordance::concordance(r, &caller, &slug, &doc)?;
            let context = readable.context(now);
            Ok(match format {
                Format::Json => {
                    serde_json::to_vec_pretty(&table).map_err(|e| Error::Fault(e.to_string()))?
                }
                Format::Html => render_html::concordance(&table, &context).into_bytes(),
                Format::Markdown => {
                    penholder_render::markdown::concordance(&table, &context).into_bytes()
                }
                Format::Csv => penholder_render::concordance::csv(&table).map_err(failed)?,
                _ => penholder_render::concordance::xlsx(&table, &context).map_err(failed)?,
            })
        })
        .await
        .map_err(refused(lang))?;
    Ok(file(format, bytes, &format!("{p}-{d}-concordance")))
}

// ---------------------------------------------------------------------------------------------
// Search.

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

/// The texts (and published proposals) of a process that match a query, each linked to the
/// paragraph on its version's page. A query the engine cannot take is said on the page.
pub async fn search_page(
    State(front): State<Front>,
    visitor: Visitor,
    Path(p): Path<String>,
    Query(query): Query<SearchQuery>,
) -> Result<Response, Response> {
    let session = visitor.signed_in()?;
    let lang = visitor.lang;
    let m = lang.messages();
    let v = &m.views;
    let q = query.q.unwrap_or_default().trim().to_string();
    let (caller, slug, now, asked) = (session.caller.clone(), p.clone(), front.now(), q.clone());
    let found = if q.is_empty() {
        Ok(search::Found::default())
    } else {
        front
            .run(move |r| search::search_with_proposals(r, &caller, &slug, &asked, None, now))
            .await
    };
    let (found, problem) = match found {
        Ok(found) => (found, None),
        // The words typed are the visitor's: what is wrong with them is said beside the box.
        Err(Error::Malformed(detail)) => (search::Found::default(), Some(detail)),
        Err(error) => return Err(refused(lang)(error)),
    };
    let path = format!("/p/{p}/search?q={}", encode(&q));
    let chrome = Chrome {
        lang,
        session: Some(session),
        path: &path,
    };
    let heading = if q.is_empty() {
        v.search.to_string()
    } else {
        format!("{} \u{2014} \u{201c}{q}\u{201d}", v.search)
    };
    let page = layout(
        &chrome,
        &heading,
        html! {
            nav aria-label="Breadcrumb" { a href="/" { (m.processes) } " › " a href={ "/p/" (p) } { (p) } }
            h1 { (heading) }
            (search_box(&p, lang, &q))
            @if let Some(problem) = &problem {
                p.problem role="alert" { (problem) }
            } @else if !q.is_empty() {
                section aria-labelledby="texts-found" {
                    h2 id="texts-found" { (v.texts_found) " (" (found.texts.len()) ")" }
                    @if found.texts.is_empty() { p { (v.nothing_found) } }
                    ol.search-results {
                        @for hit in &found.texts {
                            li {
                                p.found-text dir="auto" { (hit.text) }
                                p.found-where {
                                    (hit.document) ", " (v.node) " " code { (hit.node.to_string()) } ". " (v.found_in) ": "
                                    @for (i, occurrence) in hit.versions.iter().enumerate() {
                                        @if i > 0 { " · " }
                                        a href={ "/p/" (p) "/d/" (hit.document) "/v/" (occurrence.version) "#" (anchor_id(&occurrence.reference)) } {
                                            (m.version) " " (occurrence.version) ", " (occurrence.reference)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                @if !found.proposals.is_empty() {
                    section aria-labelledby="proposals-found" {
                        h2 id="proposals-found" { (v.proposals_found) " (" (found.proposals.len()) ")" }
                        ol.search-results {
                            @for hit in &found.proposals {
                                li {
                                    p.found-text dir="auto" { (hit.text) }
                                    p.found-where {
                                        strong { (hit.delegation) } ", "
                                        a href={ "/p/" (p) "/rounds/" (hit.round) } { (v.round) " " (hit.round) }
                                        ", " (hit.document) " " (hit.reference) " (" (hit.kind) ")"
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    );
    let status = if problem.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok((status, page).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(pairs: &[(&str, &str)]) -> RedlineFilter {
        let get = |key: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_string())
        };
        RedlineFilter {
            from: get("from"),
            to: get("to"),
            since: get("since"),
            delegation: get("delegation"),
            reservation: get("reservation"),
        }
    }

    #[test]
    fn a_redline_form_is_read_with_empty_fields_as_not_chosen() {
        let filter = asked(&[
            ("from", "1"),
            ("to", "3"),
            ("delegation", "FR"),
            ("reservation", ""),
        ])
        .read()
        .unwrap();
        assert_eq!(
            filter,
            Filter {
                from: Some(1),
                to: Some(3),
                delegation: Some("FR".into()),
                ..Filter::default()
            }
        );
        assert_eq!(filter.query(), "from=1&to=3&delegation=FR");
        // "The version I last read" among the versions to compare from.
        let since = asked(&[("from", "read"), ("to", "2")]).read().unwrap();
        assert_eq!((since.from, since.since.as_deref()), (None, Some("read")));
        assert_eq!(since.query(), "since=read&to=2");
        let wrong = asked(&[("from", "two")]).read().unwrap_err();
        assert!(wrong.contains("\"two\" is not a version number"), "{wrong}");
    }

    #[test]
    fn filter_values_are_percent_encoded_in_links() {
        let filter = Filter {
            delegation: Some("A&B=C".into()),
            reservation: Some("é".into()),
            ..Filter::default()
        };
        assert_eq!(filter.query(), "delegation=A%26B%3DC&reservation=%C3%A9");
        assert_eq!(
            filter.subtitle("v1 to v2".into()),
            "v1 to v2: the changes of A&B=C: the paragraphs where é holds a reservation"
        );
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn synoptic_columns_come_from_the_boxes_ticked_and_their_headings() {
        let asked = pairs(&[
            ("chosen", "1"),
            ("version", "1"),
            ("label-1", "Commission proposal"),
            ("label-2", "ignored: not ticked"),
            ("version", "3"),
            ("label-3", " "),
        ]);
        assert_eq!(
            columns_asked(&asked, Lang::En).unwrap(),
            (
                Some("1,3".to_string()),
                Some("Commission proposal|".to_string())
            )
        );
        // No heading of one's own: the versions' labels.
        let plain = pairs(&[("chosen", "1"), ("version", "2")]);
        assert_eq!(
            columns_asked(&plain, Lang::En).unwrap(),
            (Some("2".to_string()), None)
        );
        // Nothing sent: every version; the form sent with nothing ticked: a message.
        assert_eq!(columns_asked(&[], Lang::En).unwrap(), (None, None));
        assert_eq!(
            columns_asked(&pairs(&[("chosen", "1")]), Lang::Fr).unwrap_err(),
            FRENCH.choose_a_version
        );
        let bar = pairs(&[("version", "1"), ("label-1", "A|B")]);
        assert_eq!(
            columns_asked(&bar, Lang::En).unwrap_err(),
            ENGLISH.bar_in_heading
        );
        // The files' links, as the API says it.
        let listed = pairs(&[("versions", "1,2"), ("labels", "A|B")]);
        assert_eq!(
            columns_asked(&listed, Lang::En).unwrap(),
            (Some("1,2".to_string()), Some("A|B".to_string()))
        );
    }

    #[test]
    fn the_search_box_and_the_links_escape_what_they_are_given() {
        let page = search_box("p<1>", Lang::Fr, "\"x\" <script>").into_string();
        assert!(
            page.contains("value=\"&quot;x&quot; &lt;script&gt;\""),
            "{page}"
        );
        assert!(page.contains("role=\"search\""));
        assert!(page.contains(FRENCH.search_label));
        let links = document_links("p", "d", Lang::En).into_string();
        assert!(links.contains("href=\"/p/p/d/d/synoptic\""), "{links}");
        assert!(links.contains("href=\"/p/p/d/d/redline?since=read\""));
    }
}
