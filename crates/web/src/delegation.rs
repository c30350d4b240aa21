//! A delegation's pages: its negotiations, a process's documents and rounds with their
//! deadlines, a round's draft with a form per paragraph (amend in place, insert after, delete,
//! comment, each with a justification), the receipt, and the preview of an amendment's word
//! hunks for `/assets/preview.js`.
//!
//! A proposal sent from a paragraph's form is added to the delegation's submission and the
//! whole submission is sent again, through the same use cases as `PUT …/submissions/{d}`
//! (`feedback::may_submit`, `submission::parse_items`, `resolve`, `record`): each proposal is
//! a new revision with its receipt, which is how a delegation resubmits before the deadline.
//! The revision it replaces is named (as `If-Match` would), so two people of one delegation
//! never overwrite each other's proposals unseen.

use crate::Front;
use crate::error::WebError;
use crate::i18n::{Lang, Messages};
use crate::pages::{Chrome, layout, moment, state_name};
use crate::sign_in::Visitor;
use axum::Form;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, PreEscaped, html};
use penholder_core::negotiation::{Anchor, Item, ItemByReference, RoundState};
use penholder_core::{NodeId, Version};
use penholder_negotiation::process::Overview;
use penholder_negotiation::submission::{self, Expected, NewSubmission};
use penholder_negotiation::{Caller, Error, document, feedback, lifecycle, process};
use penholder_render::html::{NodeBlock, node_blocks};
use penholder_store::{ProcessInfo, RoundInfo, SubmissionRevision};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub(crate) fn use_case(lang: Lang) -> impl Fn(Error) -> WebError {
    move |error| WebError::from_use_case(error, lang)
}

/// The start page: the negotiations the caller may read.
pub async fn home(State(front): State<Front>, visitor: Visitor) -> Result<Response, Response> {
    let session = visitor.signed_in()?;
    let lang = visitor.lang;
    let m = lang.messages();
    let caller = session.caller.clone();
    let processes: Vec<ProcessInfo> = front
        .run(move |r| process::list(r, &caller))
        .await
        .map_err(|e| use_case(lang)(e).into_response())?;
    let chrome = Chrome {
        lang,
        session: Some(session),
        path: "/",
    };
    Ok(layout(
        &chrome,
        m.processes,
        html! {
            h1 { (m.processes) }
            @if processes.is_empty() {
                p { (m.no_processes) }
            } @else {
                ul.list {
                    @for p in &processes {
                        li { a href={ "/p/" (p.slug) } { (p.title) } " " span.muted { "(" (p.slug) ")" } }
                    }
                }
            }
        },
    )
    .into_response())
}

/// A process: its documents and its rounds with their deadlines.
pub async fn process_page(
    State(front): State<Front>,
    visitor: Visitor,
    Path(p): Path<String>,
) -> Result<Response, Response> {
    let session = visitor.signed_in()?;
    let lang = visitor.lang;
    let m = lang.messages();
    let caller = session.caller.clone();
    let slug = p.clone();
    let overview: Overview = front
        .run(move |r| process::overview(r, &caller, &slug))
        .await
        .map_err(|e| use_case(lang)(e).into_response())?;
    let now = front.now();
    let path = format!("/p/{p}");
    let chrome = Chrome {
        lang,
        session: Some(session),
        path: &path,
    };
    Ok(layout(
        &chrome,
        &overview.process.title,
        html! {
            nav aria-label="Breadcrumb" { a href="/" { (m.processes) } }
            h1 { (overview.process.title) }
            (crate::views::search_box(&p, lang, ""))
            h2 { (m.documents) }
            ul.list {
                @for d in &overview.documents {
                    li {
                        a href={ "/p/" (p) "/d/" (d.slug) } { (d.title) }
                        @if let Some(c) = &d.classification { " " span.classification-tag { (c) } }
                        " \u{2014} " (m.version) " " (d.latest_version)
                    }
                }
            }
            @if !overview.rounds.is_empty() {
                h2 { (m.rounds) }
                table {
                    thead { tr { th scope="col" { (m.round) } th scope="col" { (m.base_version) } th scope="col" { (m.opens) } th scope="col" { (m.deadline) } th scope="col" { (m.state) } } }
                    tbody {
                        @for round in &overview.rounds {
                            tr {
                                td { a href={ "/p/" (p) "/rounds/" (round.number) } { (round.number) ". " (round.label) } (crate::workbench::outcomes_link(m, &p, round.number, round.state_at(now))) }
                                td { (round.document) " v" (round.base_version) }
                                td { (moment(round.opens_at)) }
                                td { (moment(round.closes_at)) }
                                td { (state_name(m, round.state_at(now))) }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response())
}

/// What a round's page shows, read on one snapshot.
struct RoundView {
    round: RoundInfo,
    base: Version,
    context: penholder_render::Context,
    /// The delegation's latest revision, if the caller has a delegation and it submitted.
    submission: Option<SubmissionRevision>,
    /// The caller may submit now (for its own delegation).
    may_submit: bool,
    /// The delegation's draft (`workbench`), while it may submit.
    draft: Option<penholder_negotiation::draft::Draft>,
}

fn read_round(
    r: &penholder_store::Reader<'_>,
    caller: &Caller,
    p: &str,
    number: u32,
    now: i64,
) -> Result<RoundView, Error> {
    let (round, _events) = lifecycle::get(r, caller, p, number)?;
    let (readable, _info, base) =
        document::version(r, caller, p, &round.document, round.base_version)?;
    let (submission, may_submit) = match &caller.delegation {
        Some(code) => {
            let submission = match feedback::latest(r, caller, p, number, code, now) {
                Ok((_, revision)) => Some(revision),
                Err(Error::NotFound(_)) | Err(Error::Forbidden(_)) | Err(Error::WrongState(_)) => {
                    None
                }
                Err(Error::Store(penholder_store::StoreError::NotFound { .. })) => None,
                Err(other) => return Err(other),
            };
            let may = feedback::may_submit(r, caller, p, number, code, now).is_ok();
            (submission, may)
        }
        None => (None, false),
    };
    let draft = match (&caller.delegation, may_submit) {
        (Some(code), true) => crate::workbench::draft_for_round_page(
            r,
            caller,
            penholder_negotiation::draft::DraftOf {
                process: p,
                round: number,
                delegation: code,
            },
            now,
        )?,
        _ => None,
    };
    Ok(RoundView {
        round,
        base,
        context: readable.context(now),
        submission,
        may_submit,
        draft,
    })
}

/// A round: its deadline, the delegation's submission, and the draft with a form per paragraph.
pub async fn round_page(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, number)): Path<(String, u32)>,
) -> Result<Response, Response> {
    let session = visitor.signed_in()?;
    let lang = visitor.lang;
    let m = lang.messages();
    let caller = session.caller.clone();
    let now = front.now();
    let slug = p.clone();
    let view = front
        .run(move |r| read_round(r, &caller, &slug, number, now))
        .await
        .map_err(|e| use_case(lang)(e).into_response())?;
    let extras = crate::state::RoundExtras::load(
        &front,
        &session.caller,
        &p,
        number,
        &view.base.document,
        lang,
    )
    .await?;
    let blocks = node_blocks(
        &view.base.document,
        &extras.marks.decorate(view.context.clone()),
    );
    let references: BTreeMap<NodeId, String> = blocks
        .iter()
        .map(|b| (b.node, b.reference.clone()))
        .collect();
    let path = format!("/p/{p}/rounds/{number}");
    let chrome = Chrome {
        lang,
        session: Some(session),
        path: &path,
    };
    let state = view.round.state_at(now);
    let title = format!("{} {}. {}", m.round, view.round.number, view.round.label);
    Ok(layout(
        &chrome,
        &title,
        html! {
            nav aria-label="Breadcrumb" { a href="/" { (m.processes) } " › " a href={ "/p/" (p) } { (p) } }
            h1 { (title) }
            (crate::chair::round_links(m, &p, number))
            dl.facts {
                dt { (m.base_version) } dd { (view.base.document.title) " v" (view.round.base_version) }
                dt { (m.deadline) } dd { (moment(view.round.closes_at)) }
                dt { (m.state) } dd { (state_name(m, state)) }
            }
            @if session.caller.delegation.is_some() {
                section aria-labelledby="mine" {
                    h2 id="mine" { (m.your_proposals) }
                    (submission_summary(m, &p, number, view.submission.as_ref(), &references, view.may_submit, &session.csrf))
                    (crate::workbench::round_links(m, &p, number, state, view.may_submit))
                }
                @if view.may_submit {
                    (crate::workbench::draft_section(m, &p, number, view.draft.as_ref(), &penholder_core::References::of(&view.base.document), view.submission.as_ref().map(|s| s.revision), &session.csrf))
                }
            }
            @if !view.may_submit {
                p.note { @if state == RoundState::Open && session.caller.delegation.is_none() { (m.read_only_note) } @else { (m.round_closed_note) } }
            }
            (extras.coalitions(m, &p, number, &session.csrf))
            section aria-labelledby="negotiated-text" {
                h2 id="negotiated-text" { (m.draft) }
                (extras.state_link(m, &p))
                (extras.marks.legend(m))
                @for block in &blocks {
                    (paragraph(m, &p, number, block, &view.context.language, view.may_submit, &session.csrf))
                    (extras.beside(m, &p, number, block.node, &block.reference, view.may_submit, &session.csrf))
                }
            }
            @if view.may_submit {
                script type="module" src="/assets/preview.js" {}
            }
        },
    )
    .into_response())
}

fn kind_name(m: &Messages, item: &Item) -> &'static str {
    match item {
        Item::Amend { .. } => m.kind_amend,
        Item::Insert { .. } => m.kind_insert,
        Item::Delete { .. } => m.kind_delete,
        Item::Comment { .. } => m.kind_comment,
        // Acts on an open bracket (sent through the API): a proposal, or a note of withdrawal.
        Item::Support { .. } | Item::AmendAlternative { .. } => m.kind_amend,
        Item::WithdrawAlternative { .. } => m.kind_comment,
    }
}

fn item_text(item: &Item) -> &str {
    match item {
        Item::Amend { text, .. }
        | Item::Insert { text, .. }
        | Item::Comment { text, .. }
        | Item::AmendAlternative { text, .. } => text,
        Item::Delete { .. } | Item::Support { .. } | Item::WithdrawAlternative { .. } => "",
    }
}

fn submission_summary(
    m: &Messages,
    p: &str,
    number: u32,
    submission: Option<&SubmissionRevision>,
    references: &BTreeMap<NodeId, String>,
    may_submit: bool,
    csrf: &str,
) -> Markup {
    let Some(revision) = submission else {
        return html! { p { (m.no_proposals) } };
    };
    html! {
        p {
            (m.revision) " " (revision.revision) " \u{2014} " (m.received_at) " " (moment(revision.submitted_at))
            " \u{2014} " a href={ "/p/" (p) "/rounds/" (number) "/receipt" } { (m.receipt) }
        }
        ol.items {
            @for (index, item) in revision.items.iter().enumerate() {
                li {
                    strong { (kind_name(m, item)) }
                    @if let Some(node) = item.node() { " \u{2014} " (references.get(&node).map_or("?", String::as_str)) }
                    @let text = item_text(item);
                    @if !text.is_empty() { p.item-text dir="auto" { (text) } }
                    @if let Some(why) = item.justification() { p.why dir="auto" { (m.justification) ": " (why) } }
                    (crate::iso::given(&m.iso, item.iso()))
                    @if may_submit {
                        form.inline method="post" action={ "/p/" (p) "/rounds/" (number) "/items/withdraw" } {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="index" value=(index);
                            input type="hidden" name="revision" value=(revision.revision);
                            button type="submit" { (m.withdraw) span.visually-hidden { " " (kind_name(m, item)) " " (index + 1) } }
                        }
                    }
                }
            }
        }
    }
}

/// One paragraph of the draft, rendered by `penholder_render`, and its proposal forms.
fn paragraph(
    m: &Messages,
    p: &str,
    number: u32,
    block: &NodeBlock,
    // The text's own language, which the interface's may not be.
    text_language: &str,
    may_submit: bool,
    csrf: &str,
) -> Markup {
    let action = format!("/p/{p}/rounds/{number}/items");
    let id = block.node.to_string();
    let reference = &block.reference;
    html! {
        div.paragraph dir="auto" lang=(text_language) { (PreEscaped(&block.html)) }
        @if may_submit {
            details.propose {
                summary { (m.propose) " " (reference) }
                div.forms {
                    form.amend method="post" action=(action) data-preview={ "/p/" (p) "/rounds/" (number) "/preview" } {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="action" value="amend";
                        input type="hidden" name="node" value=(id);
                        label for={ "amend-" (id) } { (m.proposed_text) " " (reference) }
                        p.hint id={ "amend-hint-" (id) } { (m.amend_help) }
                        textarea id={ "amend-" (id) } name="text" rows="5" dir="auto" required aria-describedby={ "amend-hint-" (id) } data-base=(block.text) { (block.text) }
                        div.preview hidden aria-live="polite" {
                            p.preview-title { (m.preview) " " span.hint { (m.preview_help) } }
                            p.preview-text dir="auto" {}
                        }
                        label for={ "amend-why-" (id) } { (m.justification) }
                        textarea id={ "amend-why-" (id) } name="justification" rows="2" dir="auto" {}
                        (crate::iso::fields(&m.iso, "amend", &id))
                        button type="submit" { (m.submit_amendment) }
                        (crate::workbench::keep_button(m, p, number))
                    }
                    form method="post" action=(action) {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="action" value="insert";
                        input type="hidden" name="node" value=(id);
                        label for={ "insert-" (id) } { (m.new_paragraph_text) " " (reference) }
                        p.hint { (m.insert_help) }
                        textarea id={ "insert-" (id) } name="text" rows="3" dir="auto" required {}
                        label for={ "insert-why-" (id) } { (m.justification) }
                        textarea id={ "insert-why-" (id) } name="justification" rows="2" dir="auto" {}
                        (crate::iso::fields(&m.iso, "insert", &id))
                        button type="submit" { (m.submit_insertion) }
                        (crate::workbench::keep_button(m, p, number))
                    }
                    form method="post" action=(action) {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="action" value="delete";
                        input type="hidden" name="node" value=(id);
                        p.hint { (m.delete_help) }
                        label for={ "delete-why-" (id) } { (m.justification) }
                        textarea id={ "delete-why-" (id) } name="justification" rows="2" dir="auto" {}
                        (crate::iso::fields(&m.iso, "delete", &id))
                        button type="submit" { (m.submit_deletion) " " (reference) }
                        (crate::workbench::keep_button(m, p, number))
                    }
                    form method="post" action=(action) {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="action" value="comment";
                        input type="hidden" name="node" value=(id);
                        label for={ "comment-" (id) } { (m.comment_text) " " (reference) }
                        textarea id={ "comment-" (id) } name="text" rows="3" dir="auto" required {}
                        (crate::iso::fields(&m.iso, "comment", &id))
                        button type="submit" { (m.submit_comment) }
                        (crate::workbench::keep_button(m, p, number))
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct ItemForm {
    pub(crate) csrf: String,
    action: String,
    node: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    justification: String,
    /// The ISO type of comment (`ge`, `te`, `ed`; empty: inferred).
    #[serde(default)]
    iso_type: String,
    /// The line or paragraph the proposal points to (empty: none).
    #[serde(default)]
    locator: String,
}

/// An item the delegation sends again, with nodes named by id.
pub(crate) fn by_id(item: &Item) -> ItemByReference {
    match item.clone() {
        Item::Amend {
            iso,
            node,
            text,
            justification,
        } => ItemByReference::Amend {
            iso,
            node: node.to_string(),
            text,
            justification,
        },
        Item::Insert {
            iso,
            at,
            node_kind,
            text,
            justification,
        } => {
            let (after, before) = match at {
                Anchor::After(id) => (Some(id.to_string()), None),
                Anchor::Before(id) => (None, Some(id.to_string())),
            };
            ItemByReference::Insert {
                iso,
                after,
                before,
                text,
                node_kind: node_kind.map(|k| k.as_str().to_string()),
                justification,
            }
        }
        Item::Delete {
            iso,
            node,
            justification,
        } => ItemByReference::Delete {
            iso,
            node: node.to_string(),
            justification,
        },
        Item::Comment { iso, node, text } => ItemByReference::Comment {
            iso,
            node: node.map(|id| id.to_string()),
            text,
        },
        Item::Support {
            iso,
            bracket,
            alternative,
            justification,
        } => ItemByReference::Support {
            iso,
            bracket,
            alternative,
            justification,
        },
        Item::AmendAlternative {
            iso,
            bracket,
            alternative,
            text,
            justification,
        } => ItemByReference::AmendAlternative {
            iso,
            bracket,
            alternative,
            text,
            justification,
        },
        Item::WithdrawAlternative {
            iso,
            bracket,
            alternative,
            justification,
        } => ItemByReference::WithdrawAlternative {
            iso,
            bracket,
            alternative,
            justification,
        },
    }
}

/// The delegation's submission with `form`'s proposal added: an amendment or a deletion
/// replaces the delegation's earlier amendment or deletion of the same paragraph (one
/// proposal per paragraph's text); insertions and comments add up.
pub(crate) fn with_proposal(
    current: &[Item],
    form: &ItemForm,
    lang: Lang,
) -> Result<Vec<ItemByReference>, WebError> {
    let justification = Some(form.justification.trim().to_string()).filter(|j| !j.is_empty());
    let node: Option<NodeId> = form.node.parse::<NodeId>().ok();
    let replaces_text = matches!(form.action.as_str(), "amend" | "delete");
    let mut items: Vec<ItemByReference> = current
        .iter()
        .filter(|item| {
            !(replaces_text
                && matches!(item, Item::Amend { .. } | Item::Delete { .. })
                && item.node() == node
                && node.is_some())
        })
        .map(by_id)
        .collect();
    let text = form
        .text
        .trim_end_matches(['\r', '\n'])
        .replace("\r\n", "\n");
    let needs_text = |what: &str| {
        if text.trim().is_empty() {
            Err(WebError::bad_request(
                format!("the {what} is empty: write its text, then submit"),
                lang,
            ))
        } else {
            Ok(())
        }
    };
    let iso = crate::iso::annotation(&form.iso_type, &form.locator, lang)?;
    let added = match form.action.as_str() {
        "amend" => {
            needs_text("proposed text")?;
            ItemByReference::Amend {
                iso,
                node: form.node.clone(),
                text,
                justification,
            }
        }
        "insert" => {
            needs_text("new paragraph")?;
            ItemByReference::Insert {
                iso,
                after: Some(form.node.clone()),
                before: None,
                text,
                node_kind: None,
                justification,
            }
        }
        "delete" => ItemByReference::Delete {
            iso,
            node: form.node.clone(),
            justification,
        },
        "comment" => {
            needs_text("comment")?;
            ItemByReference::Comment {
                iso,
                node: Some(form.node.clone()),
                text,
            }
        }
        other => {
            return Err(WebError::bad_request(
                format!("{other:?} is not a proposal; use amend, insert, delete or comment"),
                lang,
            ));
        }
    };
    items.push(added);
    Ok(items)
}

#[derive(Serialize)]
struct Body<'a> {
    items: &'a [ItemByReference],
}

/// Sends the delegation's whole submission again with `change` applied to its latest items,
/// through the submission use cases; on success, the receipt page.
pub(crate) async fn resubmit(
    front: &Front,
    visitor: &Visitor,
    p: String,
    number: u32,
    change: impl FnOnce(&[Item]) -> Result<Vec<ItemByReference>, WebError> + Send + 'static,
) -> Result<Response, WebError> {
    let lang = visitor.lang;
    let session = visitor
        .session
        .as_ref()
        .ok_or_else(|| WebError::new(StatusCode::UNAUTHORIZED, "sign in first", lang))?;
    let caller = session.caller.clone();
    let code = caller.delegation.clone().ok_or_else(|| {
        WebError::new(
            StatusCode::FORBIDDEN,
            format!(
                "a {} submits for no delegation: sign in with a delegate's link or token",
                caller.role
            ),
            lang,
        )
    })?;
    let now = front.now();
    // What the delegation has sent so far, and the base its items are read against.
    let (reading_caller, slug, reading_code) = (caller.clone(), p.clone(), code.clone());
    let found = front
        .run(move |r| {
            let submitting =
                feedback::may_submit(r, &reading_caller, &slug, number, &reading_code, now)?;
            let (_, _, base) = document::version(
                r,
                &reading_caller,
                &slug,
                &submitting.round.document,
                submitting.round.base_version,
            )?;
            let current =
                match feedback::latest(r, &reading_caller, &slug, number, &reading_code, now) {
                    Ok((_, revision)) => Some(revision),
                    Err(Error::NotFound(_))
                    | Err(Error::Store(penholder_store::StoreError::NotFound { .. })) => None,
                    Err(other) => return Err(other),
                };
            Ok((submitting, base, current))
        })
        .await
        .map_err(use_case(lang));
    let (submitting, base, current) = match found {
        Ok(found) => found,
        Err(refused) => {
            if refused.status == StatusCode::CONFLICT {
                note_late_attempt(front, &caller, &p, number, &code).await;
            }
            return Err(refused);
        }
    };
    let current_items = current.as_ref().map_or(&[][..], |c| c.items.as_slice());
    let items = change(current_items)?;
    let body = serde_json::to_vec(&Body { items: &items })
        .map_err(|e| WebError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), lang))?;
    // From here on exactly the API's path for a PUT of this body.
    let parsed = submission::parse_items(&body).map_err(use_case(lang))?;
    submitting.admits(&parsed).map_err(use_case(lang))?;
    let resolved = submission::resolve(&parsed, &base.document).map_err(use_case(lang))?;
    let expected = current
        .as_ref()
        .map_or(Expected::Absent, |c| Expected::Revision(c.revision));
    let (writing_caller, slug, writing_code) = (caller.clone(), p.clone(), code.clone());
    let stored = front
        .commit(move |w| {
            let new = NewSubmission {
                process: &slug,
                round: number,
                delegation: &writing_code,
                body: &body,
                resolved: &resolved,
                flags: &[],
                expected,
            };
            submission::record(w, &writing_caller, &new, now)
        })
        .await;
    match stored {
        Ok(_) => Ok(Redirect::to(&format!("/p/{p}/rounds/{number}/receipt")).into_response()),
        Err(Error::WrongState(detail)) => {
            note_late_attempt(front, &caller, &p, number, &code).await;
            Err(WebError::from_use_case(Error::WrongState(detail), lang))
        }
        Err(other) => Err(WebError::from_use_case(other, lang)),
    }
}

/// A submission refused because the round takes no more is kept in the audit log for the
/// chairmanship, as the API does.
pub(crate) async fn note_late_attempt(
    front: &Front,
    caller: &Caller,
    p: &str,
    number: u32,
    code: &str,
) {
    let (caller, p, code, now) = (caller.clone(), p.to_string(), code.to_string(), front.now());
    let noted = front
        .commit(move |w| feedback::record_late(w, &caller, &p, number, &code, b"{}", now))
        .await;
    if let Err(error) = noted {
        tracing::warn!(%error, "a late submission could not be recorded in the audit log");
    }
}

/// A proposal from a paragraph's form.
pub async fn submit_item(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, number)): Path<(String, u32)>,
    Form(form): Form<ItemForm>,
) -> Result<Response, Response> {
    visitor.check_csrf(&form.csrf)?;
    let lang = visitor.lang;
    resubmit(&front, &visitor, p, number, move |current| {
        with_proposal(current, &form, lang)
    })
    .await
    .map_err(IntoResponse::into_response)
}

#[derive(Deserialize)]
pub struct WithdrawForm {
    csrf: String,
    index: usize,
    /// The revision the page showed: withdrawing from another one would remove another item.
    revision: u32,
}

/// Withdraws one proposal (the submission is sent again without it).
pub async fn withdraw_item(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, number)): Path<(String, u32)>,
    Form(form): Form<WithdrawForm>,
) -> Result<Response, Response> {
    visitor.check_csrf(&form.csrf)?;
    let lang = visitor.lang;
    let (index, shown) = (form.index, form.revision);
    resubmit(&front, &visitor, p, number, move |current| {
        if index >= current.len() {
            return Err(WebError::new(
                StatusCode::CONFLICT,
                format!("the submission changed since revision {shown} was shown: reload the page"),
                lang,
            ));
        }
        Ok(current
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != index)
            .map(|(_, item)| by_id(item))
            .collect())
    })
    .await
    .map_err(IntoResponse::into_response)
}

/// The receipt of the delegation's latest revision.
pub async fn receipt_page(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, number)): Path<(String, u32)>,
) -> Result<Response, Response> {
    let session = visitor.signed_in()?;
    let lang = visitor.lang;
    let m = lang.messages();
    let caller = session.caller.clone();
    let Some(code) = caller.delegation.clone() else {
        return Err(WebError::new(
            StatusCode::NOT_FOUND,
            "a receipt is a delegation's: your role submits for none",
            lang,
        )
        .into_response());
    };
    let now = front.now();
    let slug = p.clone();
    let (round, revision) = front
        .run(move |r| feedback::latest(r, &caller, &slug, number, &code, now))
        .await
        .map_err(|e| use_case(lang)(e).into_response())?;
    let path = format!("/p/{p}/rounds/{number}/receipt");
    let chrome = Chrome {
        lang,
        session: Some(session),
        path: &path,
    };
    Ok(layout(
        &chrome,
        m.receipt,
        html! {
            h1 { (m.receipt) }
            p role="status" { (m.receipt_intro) }
            dl.facts {
                dt { (m.round) } dd { (round.number) ". " (round.label) }
                dt { (m.revision) } dd { (revision.revision) }
                dt { (m.received_at) } dd { (moment(revision.submitted_at)) }
                dt { (m.receipt_hash) } dd { code.receipt { (revision.receipt.to_hex()) } }
                dt { (m.items) } dd { (revision.items.len()) }
            }
            p { a href={ "/p/" (p) "/rounds/" (number) } { (m.back_to_round) } }
        },
    )
    .into_response())
}

#[derive(Deserialize)]
pub struct PreviewForm {
    csrf: String,
    node: String,
    text: String,
}

#[derive(Serialize)]
struct PreviewHunk {
    start_byte: usize,
    end_byte: usize,
    text: String,
}

#[derive(Serialize)]
struct Preview {
    base: String,
    hunks: Vec<PreviewHunk>,
}

/// The word hunks of a proposed text against the paragraph in the round's base, computed by
/// the same use case that shows a submission's hunks.
pub async fn preview(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, number)): Path<(String, u32)>,
    Form(form): Form<PreviewForm>,
) -> Result<Response, Response> {
    let lang = visitor.lang;
    let session = visitor.check_csrf(&form.csrf).map_err(|_| {
        WebError::new(
            StatusCode::FORBIDDEN,
            "the CSRF token does not match your session: reload the page",
            lang,
        )
        .as_json()
        .into_response()
    })?;
    let node: NodeId = form.node.parse::<NodeId>().map_err(|_| {
        WebError::bad_request(format!("{:?} is not a node id", form.node), lang)
            .as_json()
            .into_response()
    })?;
    let caller = session.caller.clone();
    let text = form.text;
    let preview = front
        .run(move |r| {
            let (round, _) = lifecycle::get(r, &caller, &p, number)?;
            let (_, _, base) =
                document::version(r, &caller, &p, &round.document, round.base_version)?;
            let Some(found) = base.document.find(node) else {
                return Err(Error::NotFound(format!(
                    "node {node} is not in the round's base version"
                )));
            };
            let base_text = found.text.clone();
            let amendment = Item::Amend {
                iso: Default::default(),
                node,
                text,
                justification: None,
            };
            let hunks = submission::hunks_of(std::slice::from_ref(&amendment), &base.document)
                .into_iter()
                .flat_map(|item| item.hunks)
                .map(|h| PreviewHunk {
                    start_byte: h.start_byte,
                    end_byte: h.end_byte,
                    text: h.text,
                })
                .collect();
            Ok(Preview {
                base: base_text,
                hunks,
            })
        })
        .await
        .map_err(|e| use_case(lang)(e).as_json().into_response())?;
    Ok(Json(preview).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> NodeId {
        format!("018f557f-f400-72dd-a0ce-{n:012x}")
            .parse()
            .expect("an id")
    }

    fn form(action: &str, node: NodeId, text: &str) -> ItemForm {
        ItemForm {
            csrf: String::new(),
            action: action.into(),
            node: node.to_string(),
            text: text.into(),
            justification: " ".into(),
            iso_type: String::new(),
            locator: String::new(),
        }
    }

    fn amend(node: NodeId, text: &str) -> Item {
        Item::Amend {
            iso: Default::default(),
            node,
            text: text.into(),
            justification: None,
        }
    }

    #[test]
    fn an_amendment_or_deletion_replaces_the_same_paragraphs_earlier_one() {
        let current = vec![
            amend(id(1), "first"),
            amend(id(2), "other"),
            Item::Comment {
                iso: Default::default(),
                node: Some(id(1)),
                text: "note".into(),
            },
        ];
        let items = with_proposal(&current, &form("amend", id(1), "second\r\n"), Lang::En)
            .expect("accepted");
        assert_eq!(items.len(), 3);
        assert_eq!(
            items[2],
            ItemByReference::Amend {
                iso: Default::default(),
                node: id(1).to_string(),
                text: "second".into(),
                justification: None,
            }
        );
        assert!(
            matches!(&items[0], ItemByReference::Amend { node, .. } if *node == id(2).to_string())
        );
        let items =
            with_proposal(&current, &form("delete", id(2), ""), Lang::En).expect("accepted");
        assert_eq!(items.len(), 3);
        assert!(matches!(items[2], ItemByReference::Delete { .. }));
    }

    #[test]
    fn a_proposal_keeps_its_iso_type_and_locator_and_earlier_ones_keep_theirs() {
        use penholder_core::negotiation::{IsoAnnotation, IsoCommentType};
        let earlier = IsoAnnotation {
            iso_type: Some(IsoCommentType::General),
            locator: Some("Table 2".into()),
        };
        let current = vec![Item::Comment {
            iso: earlier.clone(),
            node: Some(id(2)),
            text: "c".into(),
        }];
        let mut amend = form("amend", id(1), "Agreed.");
        amend.iso_type = "ed".into();
        amend.locator = "l. 3".into();
        let items = with_proposal(&current, &amend, Lang::En).expect("ok");
        assert_eq!(
            items[0].iso(),
            &earlier,
            "a resubmission keeps what was given"
        );
        assert_eq!(
            items[1].iso(),
            &IsoAnnotation {
                iso_type: Some(IsoCommentType::Editorial),
                locator: Some("l. 3".into()),
            }
        );
        amend.iso_type = "xx".into();
        assert!(with_proposal(&current, &amend, Lang::En).is_err());
    }

    #[test]
    fn insertions_and_comments_add_up() {
        let current = vec![Item::Insert {
            iso: Default::default(),
            at: Anchor::After(id(1)),
            node_kind: None,
            text: "new".into(),
            justification: Some("why".into()),
        }];
        let items = with_proposal(&current, &form("insert", id(1), "newer"), Lang::En).expect("ok");
        assert_eq!(items.len(), 2);
        assert_eq!(
            items[0],
            ItemByReference::Insert {
                iso: Default::default(),
                after: Some(id(1).to_string()),
                before: None,
                text: "new".into(),
                node_kind: None,
                justification: Some("why".into()),
            }
        );
        let items = with_proposal(&current, &form("comment", id(1), "c"), Lang::Fr).expect("ok");
        assert_eq!(items.len(), 2);
    }

    #[test]
    fn empty_texts_and_unknown_actions_are_refused_with_what_to_do() {
        let empty = with_proposal(&[], &form("amend", id(1), "  \n"), Lang::En).unwrap_err();
        assert_eq!(empty.status, StatusCode::BAD_REQUEST);
        assert!(empty.detail.contains("empty"), "{}", empty.detail);
        let unknown = with_proposal(&[], &form("merge", id(1), "x"), Lang::En).unwrap_err();
        assert!(unknown.detail.contains("amend, insert, delete or comment"));
    }
}
