//! The chairmanship's pages: a round's overview (who submitted and when, who has not, who tried
//! after the deadline), the compilation paragraph by paragraph with a decision form beside
//! each change (accept an alternative, reject, reword, defer, with a note), consolidation into
//! the next version, a revised text uploaded as the next version, and the dispositions.
//!
//! Every form works without JavaScript and carries the session's CSRF token. Each handler makes
//! the calls the API's handler for the same act makes (`RoundMaterial::read_for`,
//! `decision::check` and `record`, `consolidation::consolidate` and `publish`,
//! `document::upload_basis` and `publish`), so the policy and the checks are the API's. A
//! decision form names the decision in force it replaces, as `If-Match` does: a decision taken
//! meanwhile by someone else is not overwritten unseen (412).

use crate::Front;
use crate::error::{WebError, refused};
use crate::i18n::{Lang, Messages};
use crate::pages::{Chrome, layout, moment, state_name};
use crate::sign_in::Visitor;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, PreEscaped, html};
use penholder_core::IdSource;
use penholder_core::negotiation::{Decision, Ruling};
use penholder_diff::{Change, Compilation};
use penholder_negotiation::compilation::KeptCompilations;
use penholder_negotiation::consolidation::{self, Inputs};
use penholder_negotiation::decision::{self, Expected, RulingKind};
use penholder_negotiation::disposition::Review;
use penholder_negotiation::document::{self, Source};
use penholder_negotiation::feedback::{self, RoundOverview};
use penholder_negotiation::policy::Action;
use penholder_negotiation::{Error, RoundMaterial, input};
use penholder_render::html::{CompilationView, compilation_view_of};
use penholder_render::{Disposition, Spoken};
use penholder_store::DecisionRecord;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The screen-reader words of the interface's language, for render's attributed marks.
pub fn spoken(m: &Messages) -> Spoken {
    Spoken {
        inserted_by: m.inserted_by.to_string(),
        deleted_by: m.deleted_by.to_string(),
    }
}

/// A fresh source of node ids for what a page creates (a consolidation, an upload): UUID v7
/// from the clock and a random seed, as the server's own are.
fn ids(now: i64) -> Result<IdSource, WebError> {
    let mut seed = [0u8; 8];
    getrandom::fill(&mut seed).map_err(|e| {
        WebError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("no random source: {e}"),
            Lang::En,
        )
    })?;
    Ok(IdSource::new(
        u64::from_le_bytes(seed),
        u64::try_from(now).unwrap_or(0),
    ))
}

/// The links between a round's pages (the delegation's round page, and the chairmanship's).
pub fn round_links(m: &Messages, p: &str, number: u32) -> Markup {
    html! {
        nav.round-links aria-label=(m.round) {
            ul {
                li { a href={ "/p/" (p) "/rounds/" (number) } { (m.draft) } }
                li { a href={ "/p/" (p) "/rounds/" (number) "/overview" } { (m.overview) } }
                li { a href={ "/p/" (p) "/rounds/" (number) "/compilation" } { (m.compilation) } }
                li { a href={ "/p/" (p) "/rounds/" (number) "/dispositions" } { (m.dispositions) } }
            }
        }
    }
}

/// The overview of a round's feedback.
pub async fn overview_page(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, number)): Path<(String, u32)>,
) -> Result<Response, Response> {
    let session = visitor.signed_in()?;
    let lang = visitor.lang;
    let m = lang.messages();
    let (caller, slug, now) = (session.caller.clone(), p.clone(), front.now());
    let overview: RoundOverview = front
        .run(move |r| feedback::overview(r, &caller, &slug, number, now))
        .await
        .map_err(refused(lang))?;
    let submitted: BTreeMap<&str, _> = overview
        .visible
        .submissions
        .iter()
        .map(|s| (s.delegation.as_str(), s))
        .collect();
    let names: BTreeMap<&str, &str> = overview
        .delegations
        .iter()
        .map(|d| (d.code.as_str(), d.name.as_str()))
        .collect();
    let missing: Vec<_> = overview
        .delegations
        .iter()
        .filter(|d| !submitted.contains_key(d.code.as_str()))
        .collect();
    let round = &overview.round;
    let path = format!("/p/{p}/rounds/{number}/overview");
    let chrome = Chrome {
        lang,
        session: Some(session),
        path: &path,
    };
    let title = format!("{} {}. {}", m.overview_of, round.number, round.label);
    Ok(layout(
        &chrome,
        &title,
        html! {
            nav aria-label="Breadcrumb" { a href="/" { (m.processes) } " › " a href={ "/p/" (p) } { (p) } }
            h1 { (title) }
            (round_links(m, &p, number))
            dl.facts {
                dt { (m.base_version) } dd { (round.document) " v" (round.base_version) }
                dt { (m.deadline) } dd { (moment(round.closes_at)) }
                dt { (m.state) } dd { (state_name(m, round.state_at(now))) }
            }
            section aria-labelledby="submitted" {
                h2 id="submitted" { (m.submissions) " (" (submitted.len()) ")" }
                @if overview.visible.sealed { p.note { (m.sealed_note) } }
                @if !submitted.is_empty() {
                    table {
                        thead { tr { th scope="col" { (m.delegation) } th scope="col" { (m.revision) } th scope="col" { (m.last_received) } th scope="col" { (m.items) } } }
                        tbody {
                            @for (code, s) in &submitted {
                                tr {
                                    th scope="row" { (names.get(code).copied().unwrap_or(code)) " " span.muted { "(" (code) ")" } }
                                    td { (s.revision) }
                                    td { (moment(s.submitted_at)) }
                                    td { (s.items.len()) }
                                }
                            }
                        }
                    }
                }
            }
            @if !overview.visible.sealed {
                section aria-labelledby="missing" {
                    h2 id="missing" { (m.not_submitted) " (" (missing.len()) ")" }
                    @if missing.is_empty() { p { (m.everyone_submitted) } } @else {
                        p.codes { @for (i, d) in missing.iter().enumerate() { @if i > 0 { ", " } (d.name) " (" (d.code) ")" } }
                    }
                }
            }
            section aria-labelledby="late" {
                h2 id="late" { (m.late_attempts) }
                @match &overview.late {
                    None => p { (m.late_hidden) },
                    Some(late) if late.is_empty() => p { (m.no_late_attempts) },
                    Some(late) => table {
                        thead { tr { th scope="col" { (m.delegation) } th scope="col" { (m.tried_at) } th scope="col" { (m.by_whom) } } }
                        tbody {
                            @for attempt in late {
                                tr {
                                    th scope="row" { (names.get(attempt.delegation.as_str()).copied().unwrap_or(&attempt.delegation)) " (" (attempt.delegation) ")" }
                                    td { (moment(attempt.at)) }
                                    td { (attempt.by) }
                                }
                            }
                        }
                    },
                }
            }
        },
    )
    .into_response())
}

/// What the compilation page shows, computed on the reader's thread.
struct CompiledRound {
    parts: Vec<std::ops::Range<usize>>,
    shown: usize,
    material: RoundMaterial,
    compilation: Arc<Compilation>,
    view: CompilationView,
}

/// At most this many blocks, or this many changes, on one part of the compilation page: a round
/// of 4,000 amendments compiles into some 14,000 changes, whose forms on one page (24 MB of HTML)
/// no browser shows in a second.
const PART_BLOCKS: usize = 20;
const PART_CHANGES: usize = 60;

/// The blocks of each part of the compilation page, as index ranges.
fn parts(view: &CompilationView) -> Vec<std::ops::Range<usize>> {
    let mut parts = Vec::new();
    let (mut start, mut changes) = (0, 0);
    for (index, block) in view.blocks.iter().enumerate() {
        if index > start && (index - start >= PART_BLOCKS || changes >= PART_CHANGES) {
            parts.push(start..index);
            (start, changes) = (index, 0);
        }
        changes += block.changes.len();
    }
    parts.push(start..view.blocks.len());
    parts
}

#[derive(Deserialize)]
pub struct PartQuery {
    /// The part to show (from 1).
    #[serde(default)]
    part: Option<usize>,
    /// Show the part that holds this change.
    #[serde(default)]
    change: Option<String>,
}

/// The index of the part `query` asks for (the first when it names none).
fn shown_part(
    outline: &CompilationView,
    parts: &[std::ops::Range<usize>],
    query: &PartQuery,
) -> Result<usize, String> {
    match (&query.change, query.part) {
        (Some(change), _) => Ok(parts
            .iter()
            .position(|range| {
                outline.blocks[range.clone()]
                    .iter()
                    .any(|b| b.changes.contains(change))
            })
            .unwrap_or(0)),
        (None, Some(part)) if (1..=parts.len()).contains(&part) => Ok(part - 1),
        (None, Some(part)) => Err(format!(
            "the compilation has parts 1 to {}, not {part}",
            parts.len()
        )),
        (None, None) => Ok(0),
    }
}

/// The compilation, part by part, with a decision form beside each change while the round is
/// closed.
pub async fn compilation_page(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, number)): Path<(String, u32)>,
    Query(query): Query<PartQuery>,
) -> Result<Response, Response> {
    let session = visitor.signed_in()?;
    let lang = visitor.lang;
    let m = lang.messages();
    let (caller, slug, now) = (session.caller.clone(), p.clone(), front.now());
    let kept = front.compilations.clone();
    let compiled = front
        .run(move |r| {
            let material =
                RoundMaterial::read_for(r, &caller, &slug, number, Action::ReadCompilation, now)?;
            let query = query;
            let compilation = kept.of(&material, None);
            let mut context = material.context(now, String::new());
            context.spoken = Some(spoken(m));
            context.captions = m.captions;
            // The outline first (references and changes, no HTML), then the part asked for.
            let outline = compilation_view_of(&compilation, &context, Some(0..0));
            let parts = parts(&outline);
            let shown = shown_part(&outline, &parts, &query).map_err(Error::NotFound)?;
            let view = compilation_view_of(&compilation, &context, Some(parts[shown].clone()));
            Ok(CompiledRound {
                parts,
                shown,
                material,
                compilation,
                view,
            })
        })
        .await
        .map_err(refused(lang))?;
    let CompiledRound {
        parts,
        shown,
        material,
        compilation,
        view,
    } = compiled;
    let changes: BTreeMap<&str, &Change> = compilation
        .changes()
        .map(|change| (change.id.as_str(), change))
        .collect();
    let in_force: BTreeMap<&str, &DecisionRecord> = material
        .decisions
        .iter()
        .filter(|d| d.decision.ruling.decides())
        .map(|d| (d.decision.change.as_str(), d))
        .collect();
    let context = material.context(now, String::new());
    let marks = crate::state::marks_of_version(
        &front,
        &session.caller,
        &p,
        &material.round.document,
        material.round.base_version,
        &material.base.document,
        lang,
    )
    .await?;
    let state = material.round.state_at(now);
    let may_decide = state == penholder_core::negotiation::RoundState::Closed;
    let path = format!("/p/{p}/rounds/{number}/compilation");
    let chrome = Chrome {
        lang,
        session: Some(session),
        path: &path,
    };
    let round = &material.round;
    let title = format!("{} {}. {}", m.compilation_of, round.number, round.label);
    let range = parts[shown].clone();
    let span = |range: &std::ops::Range<usize>| {
        let first = view
            .blocks
            .get(range.start)
            .map_or("", |b| b.reference.as_str());
        let last = view
            .blocks
            .get(range.end.saturating_sub(1))
            .map_or("", |b| b.reference.as_str());
        format!("{first} \u{2013} {last}")
    };
    let part_nav = |at: &str| {
        html! {
            @if parts.len() > 1 {
                nav.parts aria-label=(m.part) {
                    p { strong { (m.part) " " (shown + 1) " " (m.of_parts) " " (parts.len()) ": " (span(&range)) } }
                    @if shown > 0 { a rel="prev" href={ (path) "?part=" (shown) } { (m.previous_part) } " " }
                    @if shown + 1 < parts.len() { a rel="next" href={ (path) "?part=" (shown + 2) } { (m.next_part) } }
                    form.inline method="get" action=(path) {
                        label.inline-label for={ "part-" (at) } { (m.go_to_part) }
                        " "
                        select id={ "part-" (at) } name="part" {
                            @for (index, part) in parts.iter().enumerate() {
                                option value=(index + 1) selected[index == shown] { (index + 1) ". " (span(part)) }
                            }
                        }
                        " "
                        button type="submit" { (m.show_part) }
                    }
                }
            }
        }
    };
    let decide = Decide {
        m,
        action: format!("/p/{p}/rounds/{number}/decisions"),
        csrf: &session.csrf,
        context: &context,
        may_decide,
    };
    Ok(layout(
        &chrome,
        &title,
        html! {
            nav aria-label="Breadcrumb" { a href="/" { (m.processes) } " › " a href={ "/p/" (p) } { (p) } }
            h1 { (title) }
            (round_links(m, &p, number))
            p { (m.compilation_intro) " " (view.subtitle) "." }
            p.downloads { (m.downloads) ": "
                a href={ "/p/" (p) "/rounds/" (number) "/compilation/file/html" } { "HTML" } " · "
                a href={ "/p/" (p) "/rounds/" (number) "/compilation/file/docx" } { "Word" } " · "
                a href={ "/p/" (p) "/rounds/" (number) "/compilation/file/md" } { "Markdown" }
            }
            @if !may_decide { p.note { (m.decisions_when) " " (m.state) ": " (state_name(m, state)) "." } }
            @if !view.legend.is_empty() {
                section.legend-box aria-labelledby="legend" { h2 id="legend" { (m.legend) } (PreEscaped(&view.legend)) }
            }
            (marks.legend(m))
            (part_nav("top"))
            div.compilation lang=(context.language) {
                @if shown == 0 { (PreEscaped(&view.general)) }
                @for block in &view.blocks[range.clone()] {
                    div.compiled dir="auto" { (PreEscaped(&block.html)) }
                    (marks.beside_reference(m, &block.reference))
                    @for id in &block.changes {
                        @if let Some(change) = changes.get(id.as_str()) {
                            (decide.form(change, in_force.get(id.as_str()).copied()))
                        }
                    }
                }
                @if shown + 1 == parts.len() { (PreEscaped(&view.unplaced)) }
            }
            (part_nav("bottom"))
            @if may_decide {
                section.card aria-labelledby="consolidate" {
                    h2 id="consolidate" { (m.consolidate) }
                    p { (m.consolidate_intro) }
                    form method="post" action={ "/p/" (p) "/rounds/" (number) "/consolidate" } {
                        input type="hidden" name="csrf" value=(session.csrf);
                        label for="version-label" { (m.new_version_label) }
                        input id="version-label" name="label" type="text" required maxlength="300" value={ "Rev. after " (round.label) };
                        p { input id="accept-uncontested" type="checkbox" name="accept_uncontested" value="true"; " " label for="accept-uncontested" { (m.accept_uncontested) } }
                        button type="submit" { (m.consolidate) }
                    }
                }
            }
        },
    )
    .into_response())
}

/// What each decision form shares.
struct Decide<'a> {
    m: &'a Messages,
    action: String,
    csrf: &'a str,
    context: &'a penholder_render::Context,
    may_decide: bool,
}

impl Decide<'_> {
    /// The decision in force on `change`, and the form that decides it.
    fn form(&self, change: &Change, in_force: Option<&DecisionRecord>) -> Markup {
        let m = self.m;
        let id = &change.id;
        let alternatives: Vec<_> = change.choices().into_iter().flatten().collect();
        // The form starts from the decision in force, so that "record" keeps it unless changed.
        let current = in_force.map(|record| match &record.decision.ruling {
            Ruling::Accept {
                alternative: Some(alternative),
            } => format!("accept:{alternative}"),
            Ruling::Accept { alternative: None } => alternatives
                .first()
                .map_or_else(|| "accept".into(), |a| format!("accept:{}", a.id)),
            Ruling::Reject => "reject".into(),
            Ruling::Defer => "defer".into(),
            Ruling::Reword { .. } | Ruling::Withdraw => "reword".into(),
        });
        html! {
            div.decision id={ "decide-" (id) } {
                p.in-force {
                    strong { (m.in_force) " (" (id) ", " (change.reference) "): " }
                    @match in_force {
                        None => (m.undecided),
                        Some(record) => {
                            (ruling_words(m, &record.decision.ruling))
                            @if let Some(note) = &record.decision.note { " \u{2014} " q dir="auto" { (note) } }
                            " \u{2014} " (record.decided_by) ", " (moment(record.decided_at))
                        }
                    }
                }
                @if self.may_decide {
                    form.decide method="post" action=(self.action) {
                        input type="hidden" name="csrf" value=(self.csrf);
                        input type="hidden" name="change" value=(id);
                        input type="hidden" name="in_force" value=(in_force.map_or(String::new(), |r| r.sequence.to_string()));
                        label for={ "d-" (id) } { (m.decide_change) " " (id) }
                        select id={ "d-" (id) } name="decision" {
                            @if alternatives.len() == 1 && !change.contested {
                                option value={ "accept:" (alternatives[0].id) } selected[current == Some(format!("accept:{}", alternatives[0].id))] { (m.accept) }
                            } @else {
                                @for alternative in &alternatives {
                                    @let value = format!("accept:{}", alternative.id);
                                    option value=(value) selected[current.as_ref() == Some(&value)] { (m.accept_alternative) " " (alternative.id) " (" (self.context.names(&alternative.delegations())) ")" }
                                }
                            }
                            @for (value, words) in [("reject", m.reject), ("defer", m.defer), ("reword", m.reword)] {
                                option value=(value) selected[current.as_deref() == Some(value)] { (words) }
                            }
                        }
                        label for={ "t-" (id) } { (m.reword_text) }
                        textarea id={ "t-" (id) } name="text" rows="2" dir="auto" {
                            @if let Some(Ruling::Reword { text }) = in_force.map(|r| &r.decision.ruling) { (text) }
                        }
                        label for={ "n-" (id) } { (m.note) }
                        input id={ "n-" (id) } name="note" type="text" dir="auto";
                        button type="submit" { (m.record_decision) " " (id) }
                    }
                }
            }
        }
    }
}

fn ruling_words(m: &Messages, ruling: &Ruling) -> String {
    match ruling {
        Ruling::Accept {
            alternative: Some(alternative),
        } => format!("{} {alternative}", m.accept_alternative),
        Ruling::Accept { alternative: None } => m.accept.to_string(),
        Ruling::Reject => m.reject.to_string(),
        Ruling::Defer => m.defer.to_string(),
        Ruling::Reword { text } => format!("{}: \u{201C}{text}\u{201D}", m.reword),
        Ruling::Withdraw => m.undecided.to_string(),
    }
}

#[derive(Deserialize)]
pub struct DecisionForm {
    csrf: String,
    change: String,
    /// `accept:ALTERNATIVE`, `accept`, `reject`, `defer` or `reword`.
    decision: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    note: String,
    /// The sequence of the decision in force the page showed; empty: none was.
    #[serde(default)]
    in_force: String,
}

/// A decision form read into the decision it asks for, and the decision it replaces.
fn read_decision(form: &DecisionForm, lang: Lang) -> Result<(Decision, Expected), WebError> {
    let (kind, alternative) = match form.decision.split_once(':') {
        Some(("accept", alternative)) => (RulingKind::Accept, Some(alternative.to_string())),
        None if form.decision == "accept" => (RulingKind::Accept, None),
        None if form.decision == "reject" => (RulingKind::Reject, None),
        None if form.decision == "defer" => (RulingKind::Defer, None),
        None if form.decision == "reword" => (RulingKind::Reword, None),
        _ => {
            return Err(WebError::bad_request(
                format!(
                    "{:?} is not a decision: choose accept, reject, defer or reword",
                    form.decision
                ),
                lang,
            ));
        }
    };
    let text = form.text.trim();
    if kind != RulingKind::Reword && !text.is_empty() {
        return Err(WebError::bad_request(
            "a wording was written but the decision is not a reword: choose reword, or empty the wording",
            lang,
        ));
    }
    let text = (kind == RulingKind::Reword).then(|| text.replace("\r\n", "\n"));
    let ruling =
        decision::ruling(kind, alternative, text).map_err(|e| WebError::from_use_case(e, lang))?;
    let note = form.note.trim();
    let expected = match form.in_force.trim() {
        "" => Expected::Absent,
        sequence => Expected::Sequence(sequence.parse().map_err(|_| {
            WebError::bad_request(
                format!("{sequence:?} is not a decision's sequence: reload the page"),
                lang,
            )
        })?),
    };
    Ok((
        Decision {
            change: form.change.clone(),
            ruling,
            note: (!note.is_empty()).then(|| note.to_string()),
        },
        expected,
    ))
}

/// Records a decision, then back to the change in the compilation.
pub async fn decide(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, number)): Path<(String, u32)>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, Response> {
    let session = visitor.check_csrf(&form.csrf)?;
    let lang = visitor.lang;
    let (decision, expected) = read_decision(&form, lang).map_err(IntoResponse::into_response)?;
    let (caller, slug, now) = (session.caller.clone(), p.clone(), front.now());
    let checked = decision.clone();
    let kept = front.compilations.clone();
    front
        .run(move |r| {
            let material =
                RoundMaterial::read_for(r, &caller, &slug, number, Action::PutDecision, now)?;
            decision::check(&kept.of(&material, None), &checked)
        })
        .await
        .map_err(refused(lang))?;
    let (caller, slug, change) = (session.caller.clone(), p.clone(), decision.change.clone());
    front
        .commit(move |w| decision::record(w, &caller, &slug, number, &decision, expected, now))
        .await
        .map_err(refused(lang))?;
    Ok(Redirect::to(&format!(
        "/p/{p}/rounds/{number}/compilation?change={change}#decide-{change}"
    ))
    .into_response())
}

#[derive(Deserialize)]
pub struct ConsolidateForm {
    csrf: String,
    label: String,
    #[serde(default)]
    accept_uncontested: Option<String>,
}

/// Consolidates the round by its decisions and publishes the next version; then its redline.
pub async fn consolidate(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, number)): Path<(String, u32)>,
    Form(form): Form<ConsolidateForm>,
) -> Result<Response, Response> {
    let session = visitor.check_csrf(&form.csrf)?;
    let lang = visitor.lang;
    let label = form.label.trim().to_string();
    input::check_text("/label", &label, 300).map_err(refused(lang))?;
    let accept_uncontested = form.accept_uncontested.is_some();
    let (caller, slug, now) = (session.caller.clone(), p.clone(), front.now());
    let mut ids = ids(now).map_err(IntoResponse::into_response)?;
    let kept = front.compilations.clone();
    let (inputs, result, document, base) = front
        .run(move |r| {
            let material =
                RoundMaterial::read_for(r, &caller, &slug, number, Action::Consolidate, now)?;
            let compilation = kept.of(&material, None);
            let result =
                consolidation::consolidate(&material, &compilation, accept_uncontested, &mut ids)?;
            Ok((
                Inputs::of(&material),
                result,
                material.round.document.clone(),
                material.round.base_version,
            ))
        })
        .await
        .map_err(refused(lang))?;
    let caller = session.caller.clone();
    let version = front
        .commit(move |w| consolidation::publish(w, &caller, &inputs, label, &result, now))
        .await
        .map_err(refused(lang))?;
    Ok(Redirect::to(&format!(
        "/p/{p}/d/{document}/redline?from={base}&to={}",
        version.number
    ))
    .into_response())
}

/// The form that uploads a revised text of a document.
pub async fn upload_page(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, d)): Path<(String, String)>,
) -> Result<Response, Response> {
    let session = visitor.signed_in()?;
    let lang = visitor.lang;
    let m = lang.messages();
    let (caller, slug, doc, now) = (session.caller.clone(), p.clone(), d.clone(), front.now());
    let current = front
        .run(move |r| document::may_upload(r, &caller, &slug, &doc, None, now))
        .await
        .map_err(refused(lang))?;
    let path = format!("/p/{p}/d/{d}/upload");
    let chrome = Chrome {
        lang,
        session: Some(session),
        path: &path,
    };
    Ok(layout(
        &chrome,
        m.upload,
        html! {
            nav aria-label="Breadcrumb" { a href="/" { (m.processes) } " › " a href={ "/p/" (p) } { (p) } " › " a href={ "/p/" (p) "/d/" (d) } { (current.document.title) } }
            h1 { (m.upload) }
            p { (m.upload_intro) " " (m.version) " " (current.document.latest_version) " \u{2192} " (current.document.latest_version + 1) "." }
            form.card method="post" action=(path) {
                input type="hidden" name="csrf" value=(session.csrf);
                label for="upload-label" { (m.new_version_label) }
                input id="upload-label" name="label" type="text" required maxlength="300";
                label for="upload-text" { (m.upload_text) }
                p.hint id="upload-hint" { (m.upload_text_hint) }
                textarea id="upload-text" name="text" rows="16" dir="auto" required aria-describedby="upload-hint" {}
                button type="submit" { (m.upload_button) }
            }
        },
    )
    .into_response())
}

#[derive(Deserialize)]
pub struct UploadForm {
    csrf: String,
    label: String,
    text: String,
}

/// Publishes an uploaded Markdown text as the document's next version; then its redline.
pub async fn upload(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, d)): Path<(String, String)>,
    Form(form): Form<UploadForm>,
) -> Result<Response, Response> {
    let session = visitor.check_csrf(&form.csrf)?;
    let lang = visitor.lang;
    if form.text.trim().is_empty() {
        return Err(
            WebError::bad_request("the revised text is empty: paste the whole text", lang)
                .into_response(),
        );
    }
    let (caller, slug, doc, now) = (session.caller.clone(), p.clone(), d.clone(), front.now());
    let mut ids = ids(now).map_err(IntoResponse::into_response)?;
    let source = Source::Markdown(form.text.replace("\r\n", "\n"));
    let label = form.label.trim().to_string();
    let kept = front.compilations.clone();
    let (basis, upload) = front
        .run(move |r| {
            document::may_upload(r, &caller, &slug, &doc, None, now)?;
            let basis = document::upload_basis(r, &caller, &slug, &doc, None, now)?;
            let revised = source.import(&mut ids)?;
            let compilation = basis.round.as_ref().map(|m| kept.of(m, None));
            let upload = basis.align(label, revised, compilation.as_deref())?;
            Ok((basis, upload))
        })
        .await
        .map_err(refused(lang))?;
    let caller = session.caller.clone();
    let from = basis.latest;
    let version = front
        .commit(move |w| basis.publish(w, &caller, &upload, now))
        .await
        .map_err(refused(lang))?;
    Ok(Redirect::to(&format!(
        "/p/{p}/d/{d}/redline?from={from}&to={}",
        version.number
    ))
    .into_response())
}

/// The dispositions of a round's proposals, with their downloads.
pub async fn dispositions_page(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, number)): Path<(String, u32)>,
) -> Result<Response, Response> {
    let session = visitor.signed_in()?;
    let lang = visitor.lang;
    let m = lang.messages();
    let (caller, slug, now) = (session.caller.clone(), p.clone(), front.now());
    let kept = front.compilations.clone();
    let (label, rows) = front
        .run(move |r| {
            let (review, rows) = dispositions_of(r, &kept, &caller, &slug, number, now)?;
            Ok((review.material.round.label.clone(), rows))
        })
        .await
        .map_err(refused(lang))?;
    let path = format!("/p/{p}/rounds/{number}/dispositions");
    let chrome = Chrome {
        lang,
        session: Some(session),
        path: &path,
    };
    let title = format!("{} {number}. {label}", m.dispositions_of);
    Ok(layout(
        &chrome,
        &title,
        html! {
            nav aria-label="Breadcrumb" { a href="/" { (m.processes) } " › " a href={ "/p/" (p) } { (p) } }
            h1 { (title) }
            (round_links(m, &p, number))
            p.downloads { (m.downloads) ": "
                a href={ (path) "/file/csv" } { "CSV" } " · "
                a href={ (path) "/file/xlsx" } { "XLSX" } " · "
                a href={ (path) "/file/html" } { "HTML" }
            }
            table.dispositions {
                thead { tr {
                    th scope="col" { (m.delegation) }
                    th scope="col" { (m.reference_short) }
                    th scope="col" { (m.iso.type_column) }
                    th scope="col" { (m.proposal) }
                    th scope="col" { (m.decision) }
                    th scope="col" { (m.outcome) }
                } }
                tbody {
                    @for row in &rows {
                        tr {
                            th scope="row" { (row.delegation_name) " (" (row.delegation) ")" }
                            td { (row.reference) @if !row.locator.is_empty() { br; small { (row.locator) } } }
                            td.iso-type { (penholder_render::dispositions::iso_type_cell(row)) }
                            td dir="auto" { (row.proposed_change) @if !row.comment.is_empty() { br; em { (row.comment) } } }
                            td { (row.decision) }
                            td dir="auto" { (row.observations) }
                        }
                    }
                }
            }
        },
    )
    .into_response())
}

/// The round's review and its dispositions, as the API computes them.
fn dispositions_of(
    r: &penholder_store::Reader<'_>,
    kept: &KeptCompilations,
    caller: &penholder_negotiation::Caller,
    p: &str,
    number: u32,
    now: i64,
) -> Result<(Review, Vec<Disposition>), Error> {
    let review = Review::read(r, caller, p, number, now)?;
    let context = review.context(now, String::new());
    let compilation = kept.of(&review.material, None);
    let rows = review.dispositions(&compilation, &context);
    Ok((review, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(decision: &str, text: &str, in_force: &str) -> DecisionForm {
        DecisionForm {
            csrf: String::new(),
            change: "c-1".into(),
            decision: decision.into(),
            text: text.into(),
            note: "  agreed at the meeting ".into(),
            in_force: in_force.into(),
        }
    }

    fn view_of(changes: &[usize]) -> CompilationView {
        CompilationView {
            subtitle: String::new(),
            legend: String::new(),
            toc: String::new(),
            general: String::new(),
            blocks: changes
                .iter()
                .enumerate()
                .map(|(i, n)| penholder_render::html::CompiledBlock {
                    reference: format!("P{i}"),
                    html: String::new(),
                    changes: (0..*n).map(|c| format!("c{i}-{c}")).collect(),
                })
                .collect(),
            unplaced: String::new(),
        }
    }

    #[test]
    fn the_compilation_is_cut_into_parts_of_few_blocks_and_changes() {
        assert_eq!(parts(&view_of(&[1; 50])), vec![0..20, 20..40, 40..50]);
        assert_eq!(parts(&view_of(&[200, 200, 1])), vec![0..1, 1..2, 2..3]);
        assert_eq!(parts(&view_of(&[30, 29, 1, 5])), vec![0..3, 3..4]);
        assert_eq!(parts(&view_of(&[])), vec![0..0]);
    }

    #[test]
    fn a_decision_form_reads_into_the_api_s_ruling() {
        let (decision, expected) = read_decision(&form("accept:a2", "", ""), Lang::En).unwrap();
        assert_eq!(
            decision.ruling,
            Ruling::Accept {
                alternative: Some("a2".into())
            }
        );
        assert_eq!(decision.note.as_deref(), Some("agreed at the meeting"));
        assert_eq!(expected, Expected::Absent);
        let (decision, expected) =
            read_decision(&form("reword", "Our words\r\n", "7"), Lang::En).unwrap();
        assert_eq!(
            decision.ruling,
            Ruling::Reword {
                text: "Our words".into()
            }
        );
        assert_eq!(expected, Expected::Sequence(7));
        let (decision, _) = read_decision(&form("defer", "", ""), Lang::Fr).unwrap();
        assert_eq!(decision.ruling, Ruling::Defer);
    }

    #[test]
    fn a_decision_form_that_makes_no_sense_is_refused_with_what_to_do() {
        let wording = read_decision(&form("reject", "some words", ""), Lang::En).unwrap_err();
        assert_eq!(wording.status, StatusCode::BAD_REQUEST);
        assert!(
            wording.detail.contains("choose reword"),
            "{}",
            wording.detail
        );
        let empty = read_decision(&form("reword", "  ", ""), Lang::En).unwrap_err();
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        let unknown = read_decision(&form("veto", "", ""), Lang::En).unwrap_err();
        assert!(unknown.detail.contains("accept, reject, defer or reword"));
        let stale = read_decision(&form("reject", "", "x"), Lang::En).unwrap_err();
        assert!(stale.detail.contains("reload"), "{}", stale.detail);
    }
}
