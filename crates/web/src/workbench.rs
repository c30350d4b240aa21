//! A delegation's workbench around a round's draft: the proposals it keeps as a draft before
//! submitting them all at once, a Word file with tracked changes uploaded from the browser
//! (the items understood shown before anything is sent), and, after the round, what happened
//! to its proposals.
//!
//! Each page makes the use cases' calls, as the delegation's pages do: the draft is
//! `negotiation::draft` (the policy of submitting, checked inside each write), the Word file is
//! `negotiation::word::understand` (the API's `?dry_run=true`), a submission goes through
//! `submission::parse_items`, `resolve` and `record` with the revision the page showed (as
//! `If-Match` would), and the outcomes are `disposition::Review::read_outcomes` with render's
//! outcomes model, laid out here field by field (fields the model gains are shown too, under
//! "More").
//!
//! A submission made from here adds to what the delegation already submitted, with the
//! paragraph rule of the draft's forms (`draft::with_added`): an amendment or a deletion
//! replaces the earlier one of the same paragraph, insertions and comments add up.

use crate::Front;
use crate::delegation::{ItemForm, by_id, note_late_attempt, with_proposal};
use crate::error::{WebError, refused};
use crate::i18n::{Lang, Messages};
use crate::pages::{Chrome, layout, moment};
use crate::sign_in::Visitor;
use axum::Form;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use penholder_core::References;
use penholder_core::negotiation::{ItemByReference, ItemFlag, RoundState};
use penholder_negotiation::disposition::Review;
use penholder_negotiation::draft::{self, Draft, DraftItem, DraftOf};
use penholder_negotiation::session::Session;
use penholder_negotiation::submission::{self, Expected, NewSubmission};
use penholder_negotiation::{Caller, Error, document, feedback, word};
use penholder_render::{DelegationOutcomes, Disposition, ProposalStatus};
use penholder_store::Reader;
use serde::Deserialize;
use serde_json::Value;

/// The workbench's words, one catalogue per language (reached as `Messages::workbench`).
pub struct WorkbenchMessages {
    pub keep_as_draft: &'static str,
    pub draft: &'static str,
    pub draft_intro: &'static str,
    pub draft_empty: &'static str,
    pub draft_changed: &'static str,
    pub remove: &'static str,
    pub submit_draft: &'static str,
    pub word_title: &'static str,
    pub word_intro: &'static str,
    pub download_docx: &'static str,
    pub word_file: &'static str,
    pub word_file_hint: &'static str,
    pub read_file: &'static str,
    pub word_refused: &'static str,
    pub understood: &'static str,
    pub understood_intro: &'static str,
    pub understood_none: &'static str,
    pub flag_tracked: &'static str,
    pub flag_untracked: &'static str,
    pub flag_matched_by_text: &'static str,
    pub submit_understood: &'static str,
    pub draft_understood: &'static str,
    pub whole_text: &'static str,
    pub after: &'static str,
    pub outcomes_title: &'static str,
    pub outcomes_of: &'static str,
    pub outcomes_none: &'static str,
    pub outcomes_wait: &'static str,
    pub column_proposal: &'static str,
    pub column_reference: &'static str,
    pub column_proposed: &'static str,
    pub column_what_happened: &'static str,
    pub column_note: &'static str,
    pub column_now: &'static str,
    pub merged_with: &'static str,
    pub more: &'static str,
    pub status_retained_verbatim: &'static str,
    pub status_merged_with_others: &'static str,
    pub status_reworded_by_chair: &'static str,
    pub status_partly_retained: &'static str,
    pub status_not_retained: &'static str,
    pub status_deferred: &'static str,
    pub status_pending: &'static str,
    pub status_noted: &'static str,
    pub status_not_placed: &'static str,
}

pub const ENGLISH: WorkbenchMessages = WorkbenchMessages {
    keep_as_draft: "Keep as draft",
    draft: "Your delegation's draft",
    draft_intro: "Proposals kept here are not submitted yet, and only your delegation sees them. Submit them all at once: they are added to your submission as one new revision.",
    draft_empty: "Your delegation keeps no draft in this round. Use \u{201c}Keep as draft\u{201d} on a paragraph's form, or send a Word file.",
    draft_changed: "Last changed",
    remove: "Remove",
    submit_draft: "Submit the draft",
    word_title: "Send a Word file",
    word_intro: "Download the base version as a Word file, edit it in Word or LibreOffice with change tracking on, then upload it here. You see what penholder understood before anything is sent.",
    download_docx: "Download the base version as a Word file",
    word_file: "Your edited Word file",
    word_file_hint: "A .docx made from penholder's Word file of this round's base version, up to 2 MB.",
    read_file: "Read the file",
    word_refused: "The file cannot be used",
    understood: "What penholder understood",
    understood_intro: "Nothing is sent yet. Check each proposal, then submit them or keep them in your draft.",
    understood_none: "The file proposes no change to the base version.",
    flag_tracked: "tracked change",
    flag_untracked: "edited without change tracking",
    flag_matched_by_text: "paragraph matched by its text",
    submit_understood: "Submit these proposals",
    draft_understood: "Keep them in the draft",
    whole_text: "whole text",
    after: "after",
    outcomes_title: "What happened to our proposals",
    outcomes_of: "What happened to the proposals of",
    outcomes_none: "This delegation made no proposal in this round.",
    outcomes_wait: "The chairmanship has not decided on this round yet: each proposal shows \u{201c}pending\u{201d} until it does.",
    column_proposal: "Proposal",
    column_reference: "Paragraph",
    column_proposed: "Proposed",
    column_what_happened: "What happened",
    column_note: "Chair's note",
    column_now: "Now",
    merged_with: "with",
    more: "More",
    status_retained_verbatim: "retained verbatim",
    status_merged_with_others: "merged with others' proposals",
    status_reworded_by_chair: "reworded by the chair",
    status_partly_retained: "partly retained",
    status_not_retained: "not retained",
    status_deferred: "deferred",
    status_pending: "pending",
    status_noted: "noted",
    status_not_placed: "not placed",
};

pub const FRENCH: WorkbenchMessages = WorkbenchMessages {
    keep_as_draft: "Garder au brouillon",
    draft: "Le brouillon de votre délégation",
    draft_intro: "Les propositions gardées ici ne sont pas encore soumises, et seule votre délégation les voit. Soumettez-les toutes à la fois\u{a0}: elles s'ajoutent à votre contribution en une nouvelle révision.",
    draft_empty: "Votre délégation n'a pas de brouillon dans ce cycle. Utilisez «\u{a0}Garder au brouillon\u{a0}» sur le formulaire d'un paragraphe, ou envoyez un fichier Word.",
    draft_changed: "Dernière modification",
    remove: "Retirer",
    submit_draft: "Soumettre le brouillon",
    word_title: "Envoyer un fichier Word",
    word_intro: "Téléchargez la version de base en fichier Word, modifiez-la dans Word ou LibreOffice avec le suivi des modifications activé, puis déposez-la ici. Vous voyez ce que penholder a compris avant tout envoi.",
    download_docx: "Télécharger la version de base en fichier Word",
    word_file: "Votre fichier Word modifié",
    word_file_hint: "Un .docx fait à partir du fichier Word de penholder pour la version de base de ce cycle, 2 Mo au plus.",
    read_file: "Lire le fichier",
    word_refused: "Le fichier ne peut pas être utilisé",
    understood: "Ce que penholder a compris",
    understood_intro: "Rien n'est encore envoyé. Vérifiez chaque proposition, puis soumettez-les ou gardez-les au brouillon.",
    understood_none: "Le fichier ne propose aucune modification de la version de base.",
    flag_tracked: "modification suivie",
    flag_untracked: "modifié sans suivi des modifications",
    flag_matched_by_text: "paragraphe retrouvé par son texte",
    submit_understood: "Soumettre ces propositions",
    draft_understood: "Les garder au brouillon",
    whole_text: "texte entier",
    after: "après",
    outcomes_title: "Ce que sont devenues nos propositions",
    outcomes_of: "Ce que sont devenues les propositions de",
    outcomes_none: "Cette délégation n'a fait aucune proposition dans ce cycle.",
    outcomes_wait: "La présidence n'a pas encore décidé sur ce cycle\u{a0}: chaque proposition reste «\u{a0}en attente\u{a0}» jusque-là.",
    column_proposal: "Proposition",
    column_reference: "Paragraphe",
    column_proposed: "Proposé",
    column_what_happened: "Ce qu'elle est devenue",
    column_note: "Note de la présidence",
    column_now: "Désormais",
    merged_with: "avec",
    more: "Plus",
    status_retained_verbatim: "retenue telle quelle",
    status_merged_with_others: "fusionnée avec d'autres propositions",
    status_reworded_by_chair: "reformulée par la présidence",
    status_partly_retained: "retenue en partie",
    status_not_retained: "non retenue",
    status_deferred: "reportée",
    status_pending: "en attente",
    status_noted: "prise en note",
    status_not_placed: "non placée",
};

impl WorkbenchMessages {
    pub fn status(&self, status: ProposalStatus) -> &'static str {
        match status {
            ProposalStatus::RetainedVerbatim => self.status_retained_verbatim,
            ProposalStatus::MergedWithOthers => self.status_merged_with_others,
            ProposalStatus::RewordedByChair => self.status_reworded_by_chair,
            ProposalStatus::PartlyRetained => self.status_partly_retained,
            ProposalStatus::NotRetained => self.status_not_retained,
            ProposalStatus::Deferred => self.status_deferred,
            ProposalStatus::Pending => self.status_pending,
            ProposalStatus::Noted => self.status_noted,
            ProposalStatus::NotPlaced => self.status_not_placed,
        }
    }

    pub fn flag(&self, flag: ItemFlag) -> &'static str {
        match flag {
            ItemFlag::Tracked => self.flag_tracked,
            ItemFlag::Untracked => self.flag_untracked,
            ItemFlag::MatchedByText => self.flag_matched_by_text,
        }
    }
}

/// The delegation the caller acts for, or a refusal saying how to get one.
fn delegation_of(session: &Session, lang: Lang) -> Result<String, WebError> {
    session.caller.delegation.clone().ok_or_else(|| {
        WebError::new(
            StatusCode::FORBIDDEN,
            format!(
                "a {} acts for no delegation: sign in with a delegate's link or token",
                session.caller.role
            ),
            lang,
        )
    })
}

/// The delegation's draft for the round page: `None` when it keeps none, or when the caller
/// may not submit for it now (after the deadline a draft can no longer be sent, so it is not
/// shown).
pub(crate) fn draft_for_round_page(
    r: &Reader<'_>,
    caller: &Caller,
    of: DraftOf<'_>,
    now: i64,
) -> Result<Option<Draft>, Error> {
    match draft::read(r, caller, of, now) {
        Ok(draft) => Ok(draft),
        Err(Error::Forbidden(_) | Error::WrongState(_) | Error::NotFound(_)) => Ok(None),
        Err(other) => Err(other),
    }
}

/// The second button of a paragraph's form: the same proposal, kept in the draft.
pub(crate) fn keep_button(m: &Messages, p: &str, number: u32) -> Markup {
    html! {
        button.secondary type="submit" formaction={ "/p/" (p) "/rounds/" (number) "/draft" } { (m.workbench.keep_as_draft) }
    }
}

/// The round page's links to the workbench's pages: the Word upload while the delegation may
/// submit, the outcomes once the round is closed.
pub(crate) fn round_links(
    m: &Messages,
    p: &str,
    number: u32,
    state: RoundState,
    may_submit: bool,
) -> Markup {
    let w = &m.workbench;
    html! {
        @if may_submit || matches!(state, RoundState::Closed | RoundState::Consolidated) {
            ul.workbench-links {
                @if may_submit {
                    li { a href={ "/p/" (p) "/rounds/" (number) "/word" } { (w.word_title) } }
                }
                @if matches!(state, RoundState::Closed | RoundState::Consolidated) {
                    li { a href={ "/p/" (p) "/rounds/" (number) "/outcomes" } { (w.outcomes_title) } }
                }
            }
        }
    }
}

/// A link to the delegation's outcomes in a round of the process page, once it is closed.
pub(crate) fn outcomes_link(m: &Messages, p: &str, number: u32, state: RoundState) -> Markup {
    html! {
        @if matches!(state, RoundState::Closed | RoundState::Consolidated) {
            " \u{b7} " a href={ "/p/" (p) "/rounds/" (number) "/outcomes" } { (m.workbench.outcomes_title) }
        }
    }
}

/// How an item names its node, as the page shows it: the reference on the base, or the name
/// as sent when it names none.
fn reference_of(name: &str, references: &References) -> String {
    references
        .resolve_id_or_reference(name)
        .and_then(|id| references.reference(id))
        .map_or_else(|| name.to_string(), ToString::to_string)
}

/// One proposal as a delegate reads it: its kind, paragraph, text and justification.
fn proposal(m: &Messages, item: &DraftItem, references: &References) -> Markup {
    let w = &m.workbench;
    let after = matches!(&item.item, ItemByReference::Insert { after: Some(_), .. });
    let (kind, node, text, why) = match &item.item {
        ItemByReference::Amend {
            node,
            text,
            justification,
            ..
        } => (
            m.kind_amend,
            Some(node.as_str()),
            text.as_str(),
            justification,
        ),
        ItemByReference::Insert {
            after,
            before,
            text,
            justification,
            ..
        } => (
            m.kind_insert,
            after.as_deref().or(before.as_deref()),
            text.as_str(),
            justification,
        ),
        ItemByReference::Delete {
            node,
            justification,
            ..
        } => (m.kind_delete, Some(node.as_str()), "", justification),
        ItemByReference::Comment { node, text, .. } => {
            (m.kind_comment, node.as_deref(), text.as_str(), &None)
        }
        ItemByReference::Support { justification, .. }
        | ItemByReference::WithdrawAlternative { justification, .. } => {
            (m.kind_comment, None, "", justification)
        }
        ItemByReference::AmendAlternative {
            text,
            justification,
            ..
        } => (m.kind_amend, None, text.as_str(), justification),
    };
    html! {
        strong { (kind) }
        " \u{2014} "
        @match node {
            Some(name) => { @if after { (w.after) " " } (reference_of(name, references)) }
            None => { (w.whole_text) }
        }
        @if !item.flags.is_empty() {
            " "
            @for flag in &item.flags { span.flag { (w.flag(*flag)) } " " }
        }
        @if !text.is_empty() { p.item-text dir="auto" { (text) } }
        @if let Some(why) = why { p.why dir="auto" { (m.justification) ": " (why) } }
    }
}

/// The draft on the round page: its items with a remove button each, and the button that
/// submits it all (naming the draft's change and the submission's revision the page showed).
pub(crate) fn draft_section(
    m: &Messages,
    p: &str,
    number: u32,
    draft: Option<&Draft>,
    references: &References,
    shown_revision: Option<u32>,
    csrf: &str,
) -> Markup {
    let w = &m.workbench;
    html! {
        section.draft aria-labelledby="draft" {
            h2 id="draft" { (w.draft) }
            @match draft {
                None => { p { (w.draft_empty) } }
                Some(draft) => {
                    p.hint { (w.draft_intro) }
                    p.muted { (w.draft_changed) " " (moment(draft.updated_at)) " (" (draft.updated_by) ")" }
                    ol.items {
                        @for (index, item) in draft.items.iter().enumerate() {
                            li {
                                (proposal(m, item, references))
                                form.inline method="post" action={ "/p/" (p) "/rounds/" (number) "/draft/remove" } {
                                    input type="hidden" name="csrf" value=(csrf);
                                    input type="hidden" name="index" value=(index);
                                    input type="hidden" name="change" value=(draft.change);
                                    button type="submit" { (w.remove) span.visually-hidden { " " (index + 1) } }
                                }
                            }
                        }
                    }
                    form method="post" action={ "/p/" (p) "/rounds/" (number) "/draft/submit" } {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="change" value=(draft.change);
                        input type="hidden" name="revision" value=(shown_revision.unwrap_or(0));
                        button type="submit" { (w.submit_draft) }
                    }
                }
            }
        }
    }
}

/// A paragraph's proposal, kept in the draft instead of submitted.
pub async fn keep(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, number)): Path<(String, u32)>,
    Form(form): Form<ItemForm>,
) -> Result<Response, Response> {
    let session = visitor.check_csrf(&form.csrf)?;
    let lang = visitor.lang;
    let code = delegation_of(session, lang).map_err(IntoResponse::into_response)?;
    let added: Vec<DraftItem> = with_proposal(&[], &form, lang)
        .map_err(IntoResponse::into_response)?
        .into_iter()
        .map(DraftItem::new)
        .collect();
    keep_items(&front, session.caller.clone(), p, number, code, added, lang).await
}

async fn keep_items(
    front: &Front,
    caller: Caller,
    p: String,
    number: u32,
    code: String,
    added: Vec<DraftItem>,
    lang: Lang,
) -> Result<Response, Response> {
    let (slug, now) = (p.clone(), front.now());
    front
        .commit(move |w| {
            let of = DraftOf {
                process: &slug,
                round: number,
                delegation: &code,
            };
            draft::keep(w, &caller, of, added, now)
        })
        .await
        .map_err(refused(lang))?;
    Ok(Redirect::to(&format!("/p/{p}/rounds/{number}#draft")).into_response())
}

#[derive(Deserialize)]
pub struct RemoveForm {
    csrf: String,
    index: usize,
    change: i64,
}

/// Removes one item of the draft.
pub async fn remove(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, number)): Path<(String, u32)>,
    Form(form): Form<RemoveForm>,
) -> Result<Response, Response> {
    let session = visitor.check_csrf(&form.csrf)?;
    let lang = visitor.lang;
    let code = delegation_of(session, lang).map_err(IntoResponse::into_response)?;
    let (caller, slug, now) = (session.caller.clone(), p.clone(), front.now());
    front
        .commit(move |w| {
            let of = DraftOf {
                process: &slug,
                round: number,
                delegation: &code,
            };
            draft::remove(w, &caller, of, (form.index, form.change), now)
        })
        .await
        .map_err(refused(lang))?;
    Ok(Redirect::to(&format!("/p/{p}/rounds/{number}#draft")).into_response())
}

#[derive(Deserialize)]
pub struct SubmitDraftForm {
    csrf: String,
    change: i64,
    /// The submission's revision the page showed (0: none yet).
    revision: u32,
}

/// Submits the whole draft as one new revision of the delegation's submission.
pub async fn submit_draft(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, number)): Path<(String, u32)>,
    Form(form): Form<SubmitDraftForm>,
) -> Result<Response, Response> {
    let session = visitor.check_csrf(&form.csrf)?;
    let lang = visitor.lang;
    let code = delegation_of(session, lang).map_err(IntoResponse::into_response)?;
    let caller = session.caller.clone();
    let (reading, slug, reading_code, now) = (caller.clone(), p.clone(), code.clone(), front.now());
    let kept = front
        .run(move |r| {
            let of = DraftOf {
                process: &slug,
                round: number,
                delegation: &reading_code,
            };
            draft::read(r, &reading, of, now)
        })
        .await;
    let draft = match kept {
        Ok(Some(draft)) => draft,
        Ok(None) => {
            return Err(WebError::new(
                StatusCode::NOT_FOUND,
                "your delegation keeps no draft in this round (it was submitted or emptied meanwhile): reload the page",
                lang,
            )
            .into_response());
        }
        Err(error) => return Err(late_or(&front, &caller, &p, number, &code, error, lang).await),
    };
    let sending = Sending {
        p,
        number,
        code,
        added: draft.items,
        shown_revision: form.revision,
        draft_change: Some(form.change),
    };
    send(&front, caller, sending, lang).await
}

/// A refusal; when the round no longer takes submissions, the attempt is kept in the audit
/// log for the chairmanship, as the API and the paragraph forms do.
async fn late_or(
    front: &Front,
    caller: &Caller,
    p: &str,
    number: u32,
    code: &str,
    error: Error,
    lang: Lang,
) -> Response {
    if matches!(error, Error::WrongState(_)) {
        note_late_attempt(front, caller, p, number, code).await;
    }
    WebError::from_use_case(error, lang).into_response()
}

/// Proposals to add to the delegation's submission in one new revision.
struct Sending {
    p: String,
    number: u32,
    code: String,
    added: Vec<DraftItem>,
    /// The submission's revision the page showed (0: none).
    shown_revision: u32,
    /// The draft's change, when what is sent is the draft (then deleted with the write).
    draft_change: Option<i64>,
}

/// Adds `sending.added` to the delegation's latest submission and records it as a new
/// revision, through the submission use cases; on success, the receipt.
async fn send(
    front: &Front,
    caller: Caller,
    sending: Sending,
    lang: Lang,
) -> Result<Response, Response> {
    let Sending {
        p,
        number,
        code,
        added,
        shown_revision,
        draft_change,
    } = sending;
    let now = front.now();
    let (reading, slug, reading_code) = (caller.clone(), p.clone(), code.clone());
    let prepared = front
        .run(move |r| {
            let of = DraftOf {
                process: &slug,
                round: number,
                delegation: &reading_code,
            };
            let (submitting, references) = draft::submitting_on(r, &reading, of, now)?;
            let current = match feedback::latest(r, &reading, &slug, number, &reading_code, now) {
                Ok((_, revision)) => revision
                    .items
                    .iter()
                    .enumerate()
                    .map(|(index, item)| DraftItem {
                        item: by_id(item),
                        flags: revision.flags.get(index).cloned().unwrap_or_default(),
                    })
                    .collect(),
                Err(Error::NotFound(_))
                | Err(Error::Store(penholder_store::StoreError::NotFound { .. })) => Vec::new(),
                Err(other) => return Err(other),
            };
            let items = draft::with_added(current, added, &references);
            let plain: Vec<&ItemByReference> = items.iter().map(|i| &i.item).collect();
            let body = serde_json::to_vec(&serde_json::json!({ "items": plain }))
                .map_err(|e| Error::Fault(e.to_string()))?;
            // From here on exactly the API's path for a PUT of this body.
            let parsed = submission::parse_items(&body)?;
            submitting.admits(&parsed)?;
            let resolved = submission::resolve_on(&parsed, &references)?;
            let flags: Vec<Vec<ItemFlag>> = items.into_iter().map(|i| i.flags).collect();
            Ok((body, resolved, flags))
        })
        .await;
    let (body, resolved, flags) = match prepared {
        Ok(prepared) => prepared,
        Err(error) => return Err(late_or(front, &caller, &p, number, &code, error, lang).await),
    };
    let expected = match shown_revision {
        0 => Expected::Absent,
        shown => Expected::Revision(shown),
    };
    let (writing, slug, writing_code) = (caller.clone(), p.clone(), code.clone());
    let stored = front
        .commit(move |w| {
            let new = NewSubmission {
                process: &slug,
                round: number,
                delegation: &writing_code,
                body: &body,
                resolved: &resolved,
                flags: &flags,
                expected,
            };
            match draft_change {
                Some(seen) => draft::submit(w, &writing, &new, seen, now),
                None => submission::record(w, &writing, &new, now),
            }
        })
        .await;
    match stored {
        Ok(_) => Ok(Redirect::to(&format!("/p/{p}/rounds/{number}/receipt")).into_response()),
        Err(error) => Err(late_or(front, &caller, &p, number, &code, error, lang).await),
    }
}

/// What the Word page shows: the round's base, and the delegation's latest revision.
struct WordBase {
    label: String,
    document: String,
    base_version: u32,
    revision: u32,
}

fn word_base(
    r: &Reader<'_>,
    caller: &Caller,
    p: &str,
    number: u32,
    code: &str,
    now: i64,
) -> Result<(WordBase, penholder_core::Version), Error> {
    let submitting = feedback::may_submit(r, caller, p, number, code, now)?;
    let round = submitting.round;
    let (_, _, base) = document::version(r, caller, p, &round.document, round.base_version)?;
    let revision = match feedback::latest(r, caller, p, number, code, now) {
        Ok((_, revision)) => revision.revision,
        Err(Error::NotFound(_))
        | Err(Error::Store(penholder_store::StoreError::NotFound { .. })) => 0,
        Err(other) => return Err(other),
    };
    Ok((
        WordBase {
            label: format!("{}. {}", round.number, round.label),
            document: round.document,
            base_version: round.base_version,
            revision,
        },
        base,
    ))
}

/// The Word page: the base version's DOCX to download, the upload form, and (after an
/// upload) the items understood or the file's problem.
fn word_page(
    chrome: &Chrome<'_>,
    p: &str,
    number: u32,
    base: &WordBase,
    csrf: &str,
    result: Option<Result<(&[DraftItem], &References), &str>>,
) -> Markup {
    let m = chrome.lang.messages();
    let w = &m.workbench;
    let round_path = format!("/p/{p}/rounds/{number}");
    let title = format!("{} \u{2014} {} {}", w.word_title, m.round, base.label);
    layout(
        chrome,
        &title,
        html! {
            nav aria-label="Breadcrumb" { a href="/" { (m.processes) } " › " a href={ "/p/" (p) } { (p) } " › " a href=(round_path) { (m.round) " " (base.label) } }
            h1 { (w.word_title) }
            p { (w.word_intro) }
            p { a.download href={ "/p/" (p) "/d/" (base.document) "/v/" (base.base_version) "/file/docx" } { (w.download_docx) " (" (base.document) " v" (base.base_version) ")" } }
            @if let Some(Err(problem)) = &result {
                div.problem role="alert" {
                    h2 { (w.word_refused) }
                    p dir="auto" { (problem) }
                }
            }
            form.card method="post" action={ (round_path) "/word" } enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(csrf);
                label for="word-file" { (w.word_file) }
                p.hint id="word-file-hint" { (w.word_file_hint) }
                input id="word-file" name="file" type="file" required aria-describedby="word-file-hint"
                    accept=".docx,application/vnd.openxmlformats-officedocument.wordprocessingml.document";
                button type="submit" { (w.read_file) }
            }
            @if let Some(Ok((items, references))) = &result {
                section.understood aria-labelledby="understood" {
                    h2 id="understood" tabindex="-1" { (w.understood) }
                    @if items.is_empty() {
                        p role="status" { (w.understood_none) }
                    } @else {
                        p role="status" { (w.understood_intro) }
                        ol.items {
                            @for item in items.iter() { li { (proposal(m, item, references)) } }
                        }
                        @let encoded = serde_json::to_string(items).unwrap_or_default();
                        div.actions {
                            form method="post" action={ (round_path) "/word/items" } {
                                input type="hidden" name="csrf" value=(csrf);
                                input type="hidden" name="items" value=(encoded);
                                input type="hidden" name="revision" value=(base.revision);
                                input type="hidden" name="to" value="submission";
                                button type="submit" { (w.submit_understood) }
                            }
                            form method="post" action={ (round_path) "/word/items" } {
                                input type="hidden" name="csrf" value=(csrf);
                                input type="hidden" name="items" value=(encoded);
                                input type="hidden" name="revision" value=(base.revision);
                                input type="hidden" name="to" value="draft";
                                button.secondary type="submit" { (w.draft_understood) }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The Word page before an upload.
pub async fn word_form(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, number)): Path<(String, u32)>,
) -> Result<Response, Response> {
    let session = visitor.signed_in()?;
    let lang = visitor.lang;
    let code = delegation_of(session, lang).map_err(IntoResponse::into_response)?;
    let (caller, slug, now) = (session.caller.clone(), p.clone(), front.now());
    let (base, _) = front
        .run(move |r| word_base(r, &caller, &slug, number, &code, now))
        .await
        .map_err(refused(lang))?;
    let path = format!("/p/{p}/rounds/{number}/word");
    let chrome = Chrome {
        lang,
        session: Some(session),
        path: &path,
    };
    Ok(word_page(&chrome, &p, number, &base, &session.csrf, None).into_response())
}

/// A Word file uploaded: read as the API's dry run reads it, and shown; nothing is stored.
pub async fn word_upload(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, number)): Path<(String, u32)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, Response> {
    let lang = visitor.lang;
    let session = visitor.signed_in()?;
    let mut multipart = multipart.map_err(|rejection| {
        WebError::bad_request(
            format!(
                "the upload is not a file form ({rejection}): choose a .docx file and send the form"
            ),
            lang,
        )
        .into_response()
    })?;
    let unreadable = |error: axum::extract::multipart::MultipartError| {
        WebError::new(
            error.status(),
            format!("the upload could not be read ({error}): send a .docx of at most 2 MB"),
            lang,
        )
        .into_response()
    };
    let (mut csrf, mut file) = (None, None);
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("csrf") => csrf = Some(field.text().await.map_err(unreadable)?),
            Some("file") => file = Some(field.bytes().await.map_err(unreadable)?),
            _ => {}
        }
    }
    visitor.check_csrf(csrf.as_deref().unwrap_or_default())?;
    let code = delegation_of(session, lang).map_err(IntoResponse::into_response)?;
    let (caller, slug, now) = (session.caller.clone(), p.clone(), front.now());
    let bytes = file.unwrap_or_default().to_vec();
    let read = front
        .run(move |r| {
            let (base, version) = word_base(r, &caller, &slug, number, &code, now)?;
            let understood = if bytes.is_empty() {
                Err(Error::Malformed(
                    "no file was sent: choose your edited .docx, then read it".into(),
                ))
            } else {
                word::understand(&bytes, &version)
            };
            Ok((base, References::of(&version.document), understood))
        })
        .await
        .map_err(refused(lang))?;
    let (base, references, understood) = read;
    let path = format!("/p/{p}/rounds/{number}/word");
    let chrome = Chrome {
        lang,
        session: Some(session),
        path: &path,
    };
    match understood {
        Ok(understood) => {
            let items: Vec<DraftItem> = understood
                .items
                .into_iter()
                .map(|i| DraftItem {
                    item: i.item,
                    flags: i.flags,
                })
                .collect();
            let page = word_page(
                &chrome,
                &p,
                number,
                &base,
                &session.csrf,
                Some(Ok((&items, &references))),
            );
            Ok(page.into_response())
        }
        Err(error) => {
            // The file's problem in words, on the page that takes another file.
            let refusal = WebError::from_use_case(error, lang);
            let page = word_page(
                &chrome,
                &p,
                number,
                &base,
                &session.csrf,
                Some(Err(&refusal.detail)),
            );
            Ok((refusal.status, page).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct UnderstoodForm {
    csrf: String,
    /// The items the page showed, as JSON (`[{"item": …, "flags": […]}]`). They are checked
    /// again as any submission is; their flags are the delegation's own account of its file
    /// (as its file was), which it could as well have made otherwise.
    items: String,
    revision: u32,
    /// `submission` or `draft`.
    to: String,
}

/// The items understood from a Word file, submitted or kept in the draft.
pub async fn word_items(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, number)): Path<(String, u32)>,
    Form(form): Form<UnderstoodForm>,
) -> Result<Response, Response> {
    let session = visitor.check_csrf(&form.csrf)?;
    let lang = visitor.lang;
    let code = delegation_of(session, lang).map_err(IntoResponse::into_response)?;
    let items: Vec<DraftItem> = serde_json::from_str(&form.items).map_err(|e| {
        WebError::bad_request(
            format!(
                "the proposals sent are not those the page showed ({e}): upload the file again"
            ),
            lang,
        )
        .into_response()
    })?;
    if items.is_empty() {
        return Err(WebError::bad_request(
            "the file proposed nothing, so there is nothing to send",
            lang,
        )
        .into_response());
    }
    let caller = session.caller.clone();
    match form.to.as_str() {
        "draft" => keep_items(&front, caller, p, number, code, items, lang).await,
        "submission" => {
            let sending = Sending {
                p,
                number,
                code,
                added: items,
                shown_revision: form.revision,
                draft_change: None,
            };
            send(&front, caller, sending, lang).await
        }
        other => Err(WebError::bad_request(
            format!("{other:?} is neither submission nor draft"),
            lang,
        )
        .into_response()),
    }
}

#[derive(Deserialize)]
pub struct OutcomesQuery {
    /// Another delegation's outcomes, for those the policy lets read them (the chairmanship).
    delegation: Option<String>,
}

/// What happened to the delegation's proposals in a round.
pub async fn outcomes_page(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, number)): Path<(String, u32)>,
    Query(query): Query<OutcomesQuery>,
) -> Result<Response, Response> {
    let session = visitor.signed_in()?;
    let lang = visitor.lang;
    let m = lang.messages();
    let code = match query
        .delegation
        .or_else(|| session.caller.delegation.clone())
    {
        Some(code) => code,
        None => {
            return Err(WebError::bad_request(
                "your role acts for no delegation: name one with ?delegation=CODE",
                lang,
            )
            .into_response());
        }
    };
    let (caller, slug, now, reading_code) =
        (session.caller.clone(), p.clone(), front.now(), code.clone());
    let kept = front.compilations.clone();
    let (outcomes, decided) = front
        .run(move |r| {
            let review = Review::read_outcomes(r, &caller, &slug, number, &reading_code, now)?;
            let context = review.context(now, String::new());
            let compilation = kept.of(&review.material, None);
            let decided = review.result.is_some() || !review.material.rulings().is_empty();
            Ok((
                review.outcomes(&compilation, &context, &reading_code),
                decided,
            ))
        })
        .await
        .map_err(refused(lang))?;
    let path = format!("/p/{p}/rounds/{number}/outcomes");
    let chrome = Chrome {
        lang,
        session: Some(session),
        path: &path,
    };
    let title = format!(
        "{} {} ({})",
        m.workbench.outcomes_of, outcomes.delegation_name, outcomes.delegation
    );
    Ok(layout(
        &chrome,
        &title,
        html! {
            nav aria-label="Breadcrumb" { a href="/" { (m.processes) } " › " a href={ "/p/" (p) } { (p) } " › " a href={ "/p/" (p) "/rounds/" (number) } { (m.round) " " (number) } }
            h1 { (title) }
            p.muted { (outcomes.round) }
            @if !decided { p role="status" { (m.workbench.outcomes_wait) } }
            (outcomes_table(m, &outcomes))
        },
    )
    .into_response())
}

/// The fields of a proposal's row that the table shows in its columns; any other field of
/// the model (what it gains later) is listed under "More".
const SHOWN: [&str; 14] = [
    "id",
    "delegation",
    "delegation_name",
    "item",
    "reference",
    "kind",
    "comment",
    "proposed_change",
    "decision",
    "observations",
    "resulting_reference",
    "status",
    "merged_with",
    "changes",
];

/// The outcomes model laid out: a table of the proposals, then whatever else the report holds.
fn outcomes_table(m: &Messages, outcomes: &DelegationOutcomes) -> Markup {
    let w = &m.workbench;
    let report = serde_json::to_value(outcomes).unwrap_or(Value::Null);
    let extra: Vec<(&String, &Value)> = report
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, value)| {
            !matches!(
                key.as_str(),
                "round" | "delegation" | "delegation_name" | "proposals"
            ) && !is_empty(value)
        })
        .collect();
    html! {
        @if outcomes.proposals.is_empty() {
            p { (w.outcomes_none) }
        } @else {
            table.outcomes {
                thead { tr {
                    th scope="col" { (w.column_proposal) }
                    th scope="col" { (w.column_reference) }
                    th scope="col" { (w.column_proposed) }
                    th scope="col" { (w.column_what_happened) }
                    th scope="col" { (w.column_note) }
                    th scope="col" { (w.column_now) }
                } }
                tbody {
                    @for row in &outcomes.proposals { (outcome_row(m, row)) }
                }
            }
        }
        @for (key, value) in extra {
            section.outcomes-more {
                h2 { (words_of(key)) }
                (generic(value))
            }
        }
    }
}

fn outcome_row(m: &Messages, row: &Disposition) -> Markup {
    let w = &m.workbench;
    let fields = serde_json::to_value(row).unwrap_or(Value::Null);
    let more: Vec<(&String, &Value)> = fields
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, value)| !SHOWN.contains(&key.as_str()) && !is_empty(value))
        .collect();
    let proposed = if row.proposed_change.is_empty() {
        &row.comment
    } else {
        &row.proposed_change
    };
    html! {
        tr class={ "status-" (status_class(row.status)) } {
            th scope="row" { (row.id) }
            td { (row.reference) }
            td dir="auto" {
                (proposed)
                @if !row.proposed_change.is_empty() && !row.comment.is_empty() { br; em { (row.comment) } }
            }
            td {
                strong { (w.status(row.status)) }
                @if !row.merged_with.is_empty() { " (" (w.merged_with) " " (row.merged_with.join(", ")) ")" }
                @if !row.decision.is_empty() { br; span dir="auto" { (row.decision) } }
                @if !more.is_empty() {
                    details.more {
                        summary { (w.more) span.visually-hidden { " " (row.id) } }
                        dl {
                            @for (key, value) in &more { dt { (words_of(key)) } dd { (generic(value)) } }
                        }
                    }
                }
            }
            td dir="auto" { (row.observations) }
            td { (row.resulting_reference) }
        }
    }
}

fn status_class(status: ProposalStatus) -> &'static str {
    match status {
        ProposalStatus::RetainedVerbatim | ProposalStatus::MergedWithOthers => "retained",
        ProposalStatus::RewordedByChair | ProposalStatus::PartlyRetained => "partly",
        ProposalStatus::NotRetained | ProposalStatus::NotPlaced => "not-retained",
        ProposalStatus::Deferred | ProposalStatus::Pending | ProposalStatus::Noted => "open",
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Bool(_) | Value::Number(_) => false,
    }
}

/// A field's name as words: `co_sponsored_by` → "Co sponsored by".
fn words_of(key: &str) -> String {
    let spaced = key.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Any value of the model, as nested lists (escaped by maud).
fn generic(value: &Value) -> Markup {
    html! {
        @match value {
            Value::Null => {}
            Value::Bool(b) => { (b) }
            Value::Number(n) => { (n.to_string()) }
            Value::String(s) => { span dir="auto" { (s) } }
            Value::Array(items) => {
                ul.generic { @for item in items { li { (generic(item)) } } }
            }
            Value::Object(fields) => {
                dl.generic {
                    @for (key, field) in fields {
                        @if !is_empty(field) { dt { (words_of(key)) } dd { (generic(field)) } }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_the_model_gains_are_shown_as_words_and_nested_lists() {
        assert_eq!(words_of("co_sponsored_by"), "Co sponsored by");
        let value =
            serde_json::json!({"reservations": [{"kind": "scrutiny", "note": "<b>"}], "empty": []});
        let html = generic(&value).into_string();
        assert!(html.contains("<dt>Reservations</dt>"), "{html}");
        assert!(
            html.contains("<dt>Kind</dt><dd><span dir=\"auto\">scrutiny</span></dd>"),
            "{html}"
        );
        assert!(html.contains("&lt;b&gt;"), "escaped: {html}");
        assert!(!html.contains("Empty"), "empty fields are left out: {html}");
    }

    #[test]
    fn every_status_and_flag_has_words_in_each_language() {
        for lang in Lang::ALL {
            let w = &lang.messages().workbench;
            let statuses = [
                ProposalStatus::RetainedVerbatim,
                ProposalStatus::MergedWithOthers,
                ProposalStatus::RewordedByChair,
                ProposalStatus::PartlyRetained,
                ProposalStatus::NotRetained,
                ProposalStatus::Deferred,
                ProposalStatus::Pending,
                ProposalStatus::Noted,
                ProposalStatus::NotPlaced,
            ];
            let words: std::collections::BTreeSet<&str> =
                statuses.iter().map(|s| w.status(*s)).collect();
            assert_eq!(words.len(), statuses.len(), "{lang:?}: statuses told apart");
            for flag in ItemFlag::ALL {
                assert!(!w.flag(flag).is_empty());
            }
        }
        assert_eq!(
            ENGLISH.status(ProposalStatus::MergedWithOthers),
            ProposalStatus::MergedWithOthers.as_str(),
            "English says what the model says"
        );
    }

    #[test]
    fn the_draft_lists_each_item_with_its_flags_and_remove_form_then_the_submit_form() {
        let mut ids = penholder_core::IdSource::new(1, 1_700_000_000_000);
        let document = penholder_core::Document::new(
            "T",
            vec![penholder_core::Node::new(
                ids.next_id(),
                penholder_core::NodeKind::Operative,
                "Agree.",
            )],
        );
        let references = References::of(&document);
        let draft = Draft {
            items: vec![
                DraftItem {
                    item: ItemByReference::Amend {
                        iso: Default::default(),
                        node: document.nodes[0].id.to_string(),
                        text: "Agree <now>.".into(),
                        justification: Some("Sooner.".into()),
                    },
                    flags: vec![ItemFlag::Tracked],
                },
                DraftItem::new(ItemByReference::Comment {
                    iso: Default::default(),
                    node: None,
                    text: "Fine overall.".into(),
                }),
            ],
            change: 1_700_000_000_123,
            updated_at: 1_700_000_000_000,
            updated_by: "anna".into(),
        };
        let html = draft_section(
            Lang::En.messages(),
            "bp",
            2,
            Some(&draft),
            &references,
            Some(3),
            "CSRF",
        )
        .into_string();
        insta::assert_snapshot!(html);
        let empty = draft_section(
            Lang::Fr.messages(),
            "bp",
            2,
            None,
            &references,
            None,
            "CSRF",
        );
        assert!(empty.into_string().contains("n'a pas de brouillon"));
    }

    #[test]
    fn a_word_items_reference_is_the_bases_and_an_unknown_name_is_shown_as_sent() {
        let mut ids = penholder_core::IdSource::new(1, 1_700_000_000_000);
        let document = penholder_core::Document::new(
            "T",
            vec![penholder_core::Node::new(
                ids.next_id(),
                penholder_core::NodeKind::Operative,
                "Agree.",
            )],
        );
        let references = References::of(&document);
        assert_eq!(
            reference_of(&document.nodes[0].id.to_string(), &references),
            "OP1"
        );
        assert_eq!(reference_of("XX9", &references), "XX9");
    }
}
