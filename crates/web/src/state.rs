//! The state of the text in the browser (issue 16): each paragraph's status, its open brackets
//! with every alternative labelled by its proposers, and the reservations held on it, shown
//! wherever the draft is read (the delegation's round, the chair's compilation, the reviewer's
//! version); and the forms that change that state:
//!
//! - a text's state page (`/p/{p}/d/{d}/state`): the chair sets a paragraph's status with a
//!   note (and reopens it) and adopts the whole text; a delegation enters a reservation on a
//!   paragraph and withdraws its own;
//! - on a round's draft, a delegation supports an alternative of a bracket, proposes a new
//!   wording of one or withdraws its own support: submission items (`support`,
//!   `amend_alternative`, `withdraw_alternative`) sent through the same path as the other
//!   proposals (`delegation::resubmit`);
//! - on a round's page, a member of a group agrees to the group's common text or dissociates
//!   from one of its items, and any delegation co-sponsors another's proposal once it is
//!   published.
//!
//! Every write is one call to a use case of `penholder_negotiation::state` or `coalition`,
//! which applies the policy: a refusal is the API's detail, shown as a page. Status is never
//! shown by colour alone: each badge has a shape and words, and a legend says what they mean.

use crate::Front;
use crate::error::{WebError, refused};
use crate::i18n::{Lang, Messages};
use crate::pages::{Chrome, layout, moment};
use crate::sign_in::Visitor;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, PreEscaped, html};
use penholder_core::bracket::Bracket;
use penholder_core::coalition::CoalitionAct;
use penholder_core::negotiation::{Delegation, DelegationKind, Item, ItemByReference, RoundState};
use penholder_core::state::{NodeStatus, ParagraphStatus, Reservation, ReservationKind, TextState};
use penholder_core::{Document, NodeId, References};
use penholder_negotiation::document::Readable;
use penholder_negotiation::state::{self as text_state, ReservationRequest};
use penholder_negotiation::{Caller, Error, Role, bracket, coalition, feedback, lifecycle};
use penholder_render::html::node_blocks;
use penholder_store::SubmissionRevision;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The words of this module's pages, in one language (reached as `Messages::text_state`).
pub struct StateMessages {
    pub status: &'static str,
    pub status_of: &'static str,
    pub open: &'static str,
    pub agreed_ad_ref: &'static str,
    pub agreed: &'static str,
    pub adopted: &'static str,
    pub legend: &'static str,
    pub legend_open: &'static str,
    pub legend_agreed_ad_ref: &'static str,
    pub legend_agreed: &'static str,
    pub legend_adopted: &'static str,
    pub legend_reservation: &'static str,
    pub legend_bracket: &'static str,
    pub all_open: &'static str,
    pub state_of_text: &'static str,
    pub state_intro: &'static str,
    pub reservations_on: &'static str,
    pub reservation_by: &'static str,
    /// How a kind of reservation is named: `{}` is the kind.
    pub reservation_of_kind: &'static str,
    pub scrutiny: &'static str,
    pub general: &'static str,
    pub parliamentary: &'static str,
    pub linguistic: &'static str,
    pub bracket: &'static str,
    pub open_since: &'static str,
    pub wording_of_version: &'static str,
    pub alternative: &'static str,
    pub deletion: &'static str,
    pub proposed_by: &'static str,
    pub act_on_bracket: &'static str,
    pub act: &'static str,
    pub support: &'static str,
    pub amend_alternative: &'static str,
    pub withdraw_support: &'static str,
    pub new_wording: &'static str,
    pub new_wording_hint: &'static str,
    pub send_act: &'static str,
    pub set_status: &'static str,
    pub new_status: &'static str,
    pub status_note: &'static str,
    pub status_note_hint: &'static str,
    pub record_status: &'static str,
    pub adopt: &'static str,
    pub adopt_intro: &'static str,
    pub adopt_note: &'static str,
    pub adopt_button: &'static str,
    pub adopted_at: &'static str,
    pub adopt_refused_hint: &'static str,
    pub enter_reservation: &'static str,
    pub reservation_kind: &'static str,
    pub reservation_text: &'static str,
    pub enter_button: &'static str,
    pub withdraw_reservation: &'static str,
    pub withdrawal_note: &'static str,
    pub coalitions: &'static str,
    pub group_items: &'static str,
    pub no_group_items: &'static str,
    pub agree_text: &'static str,
    pub dissociate: &'static str,
    pub dissociation_note: &'static str,
    pub dissociated: &'static str,
    pub cosponsor: &'static str,
    pub cosponsor_intro: &'static str,
    pub cosponsor_note: &'static str,
    pub item: &'static str,
    pub recorded: &'static str,
    pub recorded_intro: &'static str,
    pub back: &'static str,
    pub note_optional: &'static str,
}

pub const ENGLISH: StateMessages = StateMessages {
    status: "Status",
    status_of: "Status of",
    open: "Open",
    agreed_ad_ref: "Agreed ad referendum",
    agreed: "Agreed",
    adopted: "Adopted",
    legend: "Paragraph status, brackets and reservations",
    legend_open: "under negotiation: takes amendments",
    legend_agreed_ad_ref: "agreed at working level, subject to confirmation: takes no amendment until the chair reopens it",
    legend_agreed: "agreed: takes no amendment until the chair reopens it",
    legend_adopted: "the whole text was adopted",
    legend_reservation: "a delegation's reservation (SR scrutiny, GR general, PR parliamentary, LR linguistic) stands until it withdraws it",
    legend_bracket: "[wording of this version] / [alternative (proposers)]: a change left open at the last consolidation; the first wording stands until the chair resolves it",
    all_open: "Every paragraph is open: no status was set and no reservation entered.",
    state_of_text: "State of the text",
    state_intro: "Each paragraph's status, the reservations held on it and its open brackets, in the latest version.",
    reservations_on: "Reservations on",
    reservation_by: "by",
    reservation_of_kind: "{} reservation",
    scrutiny: "scrutiny",
    general: "general",
    parliamentary: "parliamentary",
    linguistic: "linguistic",
    bracket: "Bracket",
    open_since: "open since",
    wording_of_version: "wording of this version",
    alternative: "Alternative",
    deletion: "delete the paragraph",
    proposed_by: "proposed by",
    act_on_bracket: "Act on bracket",
    act: "What you propose",
    support: "Support this alternative",
    amend_alternative: "Propose a new wording of this alternative",
    withdraw_support: "Withdraw your support of this alternative",
    new_wording: "New wording (only to propose one)",
    new_wording_hint: "The words of the bracketed span only, not the whole paragraph.",
    send_act: "Send",
    set_status: "Set the status of",
    new_status: "New status",
    status_note: "Note",
    status_note_hint: "Why or where, e.g. \u{201c}Reference Group, 7 May 2024\u{201d}. Setting \u{201c}Open\u{201d} reopens the paragraph.",
    record_status: "Record the status of",
    adopt: "Adoption of the whole text",
    adopt_intro: "Nothing is agreed until everything is agreed: the text is adopted once every paragraph is agreed and every reservation withdrawn.",
    adopt_note: "Note on the adoption",
    adopt_button: "Adopt the whole text",
    adopted_at: "Adopted at version",
    adopt_refused_hint: "On the \u{201c}State of the text\u{201d} page, set each paragraph named to \u{201c}Agreed\u{201d} and ask each delegation named to withdraw its reservation; then adopt again.",
    enter_reservation: "Enter a reservation on",
    reservation_kind: "Kind of reservation",
    reservation_text: "Text of the reservation",
    enter_button: "Enter the reservation on",
    withdraw_reservation: "Withdraw reservation",
    withdrawal_note: "Note on the withdrawal",
    coalitions: "Groups and co-sponsoring",
    group_items: "Items of your group",
    no_group_items: "Your group has sent no submission in this round yet.",
    agree_text: "Agree to the group's common text",
    dissociate: "Dissociate from item",
    dissociation_note: "Why you dissociate (shown beside the group's item)",
    dissociated: "dissociated",
    cosponsor: "Co-sponsor item",
    cosponsor_intro: "Published proposals of other delegations: co-sponsor one without retyping it.",
    cosponsor_note: "Note",
    item: "Item",
    recorded: "Recorded",
    recorded_intro: "Your act is recorded in the audit log:",
    back: "Back",
    note_optional: "(optional)",
};

pub const FRENCH: StateMessages = StateMessages {
    status: "Statut",
    status_of: "Statut de",
    open: "Ouvert",
    agreed_ad_ref: "Agréé ad referendum",
    agreed: "Agréé",
    adopted: "Adopté",
    legend: "Statut des paragraphes, crochets et réserves",
    legend_open: "en négociation\u{a0}: accepte des amendements",
    legend_agreed_ad_ref: "agréé au niveau technique, sous réserve de confirmation\u{a0}: n\u{2019}accepte plus d\u{2019}amendement tant que la présidence ne le rouvre pas",
    legend_agreed: "agréé\u{a0}: n\u{2019}accepte plus d\u{2019}amendement tant que la présidence ne le rouvre pas",
    legend_adopted: "le texte entier a été adopté",
    legend_reservation: "réserve d\u{2019}une délégation (SR examen, GR générale, PR parlementaire, LR linguistique), maintenue jusqu\u{2019}à son retrait",
    legend_bracket: "[libellé de cette version] / [variante (auteurs)]\u{a0}: une modification laissée ouverte à la dernière consolidation\u{a0}; le premier libellé vaut tant que la présidence ne l\u{2019}a pas tranchée",
    all_open: "Tous les paragraphes sont ouverts\u{a0}: aucun statut fixé, aucune réserve.",
    state_of_text: "État du texte",
    state_intro: "Le statut de chaque paragraphe, les réserves dont il fait l\u{2019}objet et ses crochets ouverts, dans la dernière version.",
    reservations_on: "Réserves sur",
    reservation_by: "de",
    reservation_of_kind: "réserve {}",
    scrutiny: "d\u{2019}examen",
    general: "générale",
    parliamentary: "parlementaire",
    linguistic: "linguistique",
    bracket: "Crochet",
    open_since: "ouvert depuis",
    wording_of_version: "libellé de cette version",
    alternative: "Variante",
    deletion: "supprimer le paragraphe",
    proposed_by: "proposée par",
    act_on_bracket: "Agir sur le crochet",
    act: "Ce que vous proposez",
    support: "Soutenir cette variante",
    amend_alternative: "Proposer un nouveau libellé de cette variante",
    withdraw_support: "Retirer votre soutien à cette variante",
    new_wording: "Nouveau libellé (seulement pour en proposer un)",
    new_wording_hint: "Les seuls mots entre crochets, pas le paragraphe entier.",
    send_act: "Envoyer",
    set_status: "Fixer le statut de",
    new_status: "Nouveau statut",
    status_note: "Note",
    status_note_hint: "Pourquoi ou où, p. ex. «\u{a0}Groupe de référence, 7 mai 2024\u{a0}». «\u{a0}Ouvert\u{a0}» rouvre le paragraphe.",
    record_status: "Enregistrer le statut de",
    adopt: "Adoption du texte entier",
    adopt_intro: "Rien n\u{2019}est agréé tant que tout n\u{2019}est pas agréé\u{a0}: le texte est adopté quand chaque paragraphe est agréé et chaque réserve retirée.",
    adopt_note: "Note sur l\u{2019}adoption",
    adopt_button: "Adopter le texte entier",
    adopted_at: "Adopté à la version",
    adopt_refused_hint: "Sur la page «\u{a0}État du texte\u{a0}», passez chaque paragraphe cité à «\u{a0}Agréé\u{a0}» et demandez à chaque délégation citée de retirer sa réserve\u{a0}; puis adoptez à nouveau.",
    enter_reservation: "Émettre une réserve sur",
    reservation_kind: "Type de réserve",
    reservation_text: "Texte de la réserve",
    enter_button: "Émettre la réserve sur",
    withdraw_reservation: "Retirer la réserve",
    withdrawal_note: "Note sur le retrait",
    coalitions: "Groupes et coparrainage",
    group_items: "Éléments de votre groupe",
    no_group_items: "Votre groupe n\u{2019}a encore rien soumis dans ce tour.",
    agree_text: "Approuver le texte commun du groupe",
    dissociate: "Se dissocier de l\u{2019}élément",
    dissociation_note: "Pourquoi vous vous dissociez (affiché à côté de l\u{2019}élément du groupe)",
    dissociated: "dissocié",
    cosponsor: "Coparrainer l\u{2019}élément",
    cosponsor_intro: "Propositions publiées d\u{2019}autres délégations\u{a0}: coparrainez-en une sans la recopier.",
    cosponsor_note: "Note",
    item: "Élément",
    recorded: "Enregistré",
    recorded_intro: "Votre acte est enregistré dans le journal d\u{2019}audit\u{a0}:",
    back: "Retour",
    note_optional: "(facultatif)",
};

fn status_words(s: &StateMessages, status: ParagraphStatus) -> &'static str {
    match status {
        ParagraphStatus::Open => s.open,
        ParagraphStatus::AgreedAdRef => s.agreed_ad_ref,
        ParagraphStatus::Agreed => s.agreed,
        ParagraphStatus::Adopted => s.adopted,
    }
}

/// A shape for each status, so that the badge never speaks by its colour alone.
fn status_shape(status: ParagraphStatus) -> &'static str {
    match status {
        ParagraphStatus::Open => "\u{25cb}",
        ParagraphStatus::AgreedAdRef => "\u{25d0}",
        ParagraphStatus::Agreed => "\u{25cf}",
        ParagraphStatus::Adopted => "\u{2714}",
    }
}

fn kind_words(s: &StateMessages, kind: ReservationKind) -> &'static str {
    match kind {
        ReservationKind::Scrutiny => s.scrutiny,
        ReservationKind::General => s.general,
        ReservationKind::Parliamentary => s.parliamentary,
        ReservationKind::Linguistic => s.linguistic,
    }
}

/// What a page shows beside each paragraph of one version: the status in force, the
/// reservations that stand, the open brackets.
pub struct Marks {
    statuses: BTreeMap<NodeId, NodeStatus>,
    reservations: BTreeMap<NodeId, Vec<Reservation>>,
    brackets: Vec<Bracket>,
    nodes: BTreeMap<String, NodeId>,
    names: BTreeMap<String, String>,
    /// Whether any status was ever set, or a reservation entered (else every paragraph is
    /// open, and saying so once is enough).
    any_state: bool,
}

impl Marks {
    pub fn of(
        state: &TextState,
        brackets: Vec<Bracket>,
        document: &Document,
        delegations: &[Delegation],
    ) -> Marks {
        let reservations = state
            .standing_reservations(document)
            .into_iter()
            .map(|(node, list)| (node, list.into_iter().cloned().collect()))
            .collect::<BTreeMap<NodeId, Vec<Reservation>>>();
        Marks {
            statuses: state.statuses(document),
            any_state: !state.changes.is_empty()
                || !reservations.is_empty()
                || state.adoption.is_some(),
            reservations,
            brackets,
            nodes: References::of(document)
                .in_order()
                .iter()
                .map(|(node, reference)| (reference.0.clone(), *node))
                .collect(),
            names: delegations
                .iter()
                .map(|d| (d.code.clone(), d.name.clone()))
                .collect(),
        }
    }

    /// The rendering context with the version's open brackets, so that render's HTML of each
    /// paragraph prints them in its text (`[20] / [30 (DE, FR)]`).
    pub fn decorate(&self, context: penholder_render::Context) -> penholder_render::Context {
        context.brackets_of(&self.brackets)
    }

    fn name(&self, code: &str) -> String {
        match self.names.get(code) {
            Some(name) if name != code => format!("{name} ({code})"),
            _ => code.to_string(),
        }
    }

    fn names(&self, codes: &[String]) -> String {
        codes
            .iter()
            .map(|c| self.name(c))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// What the marks mean, once above the text.
    pub fn legend(&self, m: &Messages) -> Markup {
        let s = m.text_state;
        html! {
            section.state-legend-box aria-labelledby="state-legend" {
                h2 id="state-legend" { (s.legend) }
                @if !self.any_state && self.brackets.is_empty() {
                    p { (s.all_open) }
                }
                dl.state-legend {
                    @for status in ParagraphStatus::ALL {
                        dt { (badge(s, status)) }
                        dd { (match status {
                            ParagraphStatus::Open => s.legend_open,
                            ParagraphStatus::AgreedAdRef => s.legend_agreed_ad_ref,
                            ParagraphStatus::Agreed => s.legend_agreed,
                            ParagraphStatus::Adopted => s.legend_adopted,
                        }) }
                    }
                    dt { span.reservation-mark { "SR, GR, PR, LR" } }
                    dd { (s.legend_reservation) }
                    @if !self.brackets.is_empty() {
                        dt { span.bracket { "[ ] / [ ]" } }
                        dd { (s.legend_bracket) }
                    }
                }
            }
        }
    }

    /// The paragraph `reference`'s marks (for pages that know paragraphs by reference).
    pub fn beside_reference(&self, m: &Messages, reference: &str) -> Markup {
        match self.nodes.get(reference) {
            Some(node) => self.beside(m, *node, reference),
            None => html! {},
        }
    }

    /// The status of paragraph `node` (when any state was set), its reservations and its
    /// brackets, as text.
    pub fn beside(&self, m: &Messages, node: NodeId, reference: &str) -> Markup {
        let s = m.text_state;
        let status = self.statuses.get(&node);
        let reservations = self.reservations.get(&node);
        let brackets: Vec<&Bracket> = self.brackets.iter().filter(|b| b.node == node).collect();
        if !self.any_state && brackets.is_empty() {
            return html! {};
        }
        html! {
            div.para-state {
                @if self.any_state {
                    @if let Some(status) = status {
                        p.status-line {
                            span.visually-hidden { (s.status_of) " " (reference) ": " }
                            (badge(s, status.status))
                            @if let Some(change) = status.change.as_ref().filter(|c| !c.note.is_empty() && !status.inherited) {
                                " " span.status-note dir="auto" { "\u{2014} " (change.note) }
                            }
                        }
                    }
                }
                @if let Some(list) = reservations {
                    ul.reservation-list aria-label={ (s.reservations_on) " " (reference) } {
                        @for r in list {
                            li {
                                span.reservation-mark { (r.mark()) } " "
                                (reservation_words(s, r)) " " (s.reservation_by) " " (self.name(&r.delegation))
                                @if !r.text.is_empty() { ": " q dir="auto" { (r.text) } }
                            }
                        }
                    }
                }
                @for bracket in &brackets {
                    (self.bracket_list(s, bracket))
                }
            }
        }
    }

    fn bracket_list(&self, s: &StateMessages, bracket: &Bracket) -> Markup {
        html! {
            div.bracket-box {
                p { strong { (s.bracket) " " (bracket.id) } " (" (s.open_since) " " (bracket.origin.round) ")" }
                ul {
                    @if !bracket.base_text.trim().is_empty() {
                        li { (s.wording_of_version) ": " q dir="auto" { (bracket.base_text.trim()) } }
                    }
                    @for alternative in &bracket.alternatives {
                        li {
                            (s.alternative) " " (alternative.id) ": "
                            @match &alternative.text {
                                Some(text) => { q dir="auto" { (text.trim()) } }
                                None => { em { (s.deletion) } }
                            }
                            " \u{2014} " (s.proposed_by) " " (self.names(&alternative.supporters))
                        }
                    }
                }
            }
        }
    }
}

fn reservation_words(s: &StateMessages, r: &Reservation) -> String {
    s.reservation_of_kind.replace("{}", kind_words(s, r.kind))
}

fn badge(s: &StateMessages, status: ParagraphStatus) -> Markup {
    html! {
        span class={ "status-badge status-badge-" (status.as_str()) } {
            span aria-hidden="true" { (status_shape(status)) } " " (status_words(s, status))
        }
    }
}

/// What a round's draft adds to the delegation's page: the marks of its base version, the
/// delegation's forms on brackets, and its groups' items and others' published proposals.
pub struct RoundExtras {
    pub marks: Marks,
    /// The caller's delegation, when it has one.
    delegation: Option<String>,
    /// Submissions the caller may read, other than its own.
    others: Vec<SubmissionRevision>,
    /// The groups the caller's delegation belongs to.
    groups: Vec<String>,
    /// The coalition acts recorded in the round (when the caller may read them).
    acts: Vec<CoalitionAct>,
    state: RoundState,
    document: String,
}

impl RoundExtras {
    /// Reads what the round's page shows of the state of its base version, for `caller`.
    pub async fn load(
        front: &Front,
        caller: &Caller,
        p: &str,
        number: u32,
        base: &Document,
        lang: Lang,
    ) -> Result<RoundExtras, Response> {
        let (caller, slug, now) = (caller.clone(), p.to_string(), front.now());
        let delegation = caller.delegation.clone();
        let read = front
            .run(move |r| {
                let (round, _) = lifecycle::get(r, &caller, &slug, number)?;
                let readable = Readable::read(r, &caller, &slug, &round.document)?;
                let state = text_state::of_document(r, &slug, &round.document)?;
                let brackets = bracket::of_version(r, &slug, &round.document, round.base_version)?;
                // Others' submissions and the acts on them, as far as the caller may read them
                // now (sealed while the round is open, but a group's items to its members).
                // A caller the policy keeps from them sees the draft without them.
                let (others, acts) = match &caller.delegation {
                    Some(own) => match (
                        feedback::list(r, &caller, &slug, number, now),
                        coalition::own_acts(r, &caller, &slug, number, now),
                    ) {
                        (Ok(visible), Ok(acts)) => (
                            visible
                                .submissions
                                .into_iter()
                                .filter(|s| &s.delegation != own)
                                .collect(),
                            acts,
                        ),
                        (Err(Error::Forbidden(_)), _) | (_, Err(Error::Forbidden(_))) => {
                            (Vec::new(), Vec::new())
                        }
                        (Err(error), _) | (_, Err(error)) => return Err(error),
                    },
                    None => (Vec::new(), Vec::new()),
                };
                Ok((round, readable, state, brackets, others, acts))
            })
            .await
            .map_err(refused(lang))?;
        let (round, readable, state, brackets, others, acts) = read;
        let groups = readable
            .delegations
            .iter()
            .filter(|d| {
                d.kind == DelegationKind::Group
                    && delegation
                        .as_ref()
                        .is_some_and(|own| d.members.contains(own))
            })
            .map(|d| d.code.clone())
            .collect();
        Ok(RoundExtras {
            marks: Marks::of(&state, brackets, base, &readable.delegations),
            delegation,
            others,
            groups,
            acts,
            state: round.state_at(front.now()),
            document: round.document,
        })
    }

    /// A link to the text's state page.
    pub fn state_link(&self, m: &Messages, p: &str) -> Markup {
        html! { p { a href={ "/p/" (p) "/d/" (self.document) "/state" } { (m.text_state.state_of_text) } } }
    }

    /// Beside paragraph `node` of the draft: its marks, and the delegation's forms on each of
    /// its brackets while it may submit.
    #[allow(clippy::too_many_arguments)] // reason: the round, the paragraph, and the session's
    pub fn beside(
        &self,
        m: &Messages,
        p: &str,
        number: u32,
        node: NodeId,
        reference: &str,
        may_submit: bool,
        csrf: &str,
    ) -> Markup {
        let s = m.text_state;
        html! {
            (self.marks.beside(m, node, reference))
            @if may_submit {
                @for b in self.marks.brackets.iter().filter(|b| b.node == node) {
                    details.propose.bracket-acts {
                        summary { (s.act_on_bracket) " " (b.id) " (" (reference) ")" }
                        form method="post" action={ "/p/" (p) "/rounds/" (number) "/brackets" } {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="bracket" value=(b.id);
                            label for={ "alt-" (b.id) } { (s.alternative) }
                            select id={ "alt-" (b.id) } name="alternative" {
                                @for a in &b.alternatives {
                                    option value=(a.id) { (a.id) ": " (a.text.as_deref().unwrap_or(s.deletion)) " (" (a.supporters.join(", ")) ")" }
                                }
                            }
                            label for={ "act-" (b.id) } { (s.act) }
                            select id={ "act-" (b.id) } name="act" {
                                option value="support" { (s.support) }
                                option value="amend_alternative" { (s.amend_alternative) }
                                option value="withdraw_alternative" { (s.withdraw_support) }
                            }
                            label for={ "alt-text-" (b.id) } { (s.new_wording) }
                            p.hint id={ "alt-hint-" (b.id) } { (s.new_wording_hint) }
                            textarea id={ "alt-text-" (b.id) } name="text" rows="2" dir="auto" aria-describedby={ "alt-hint-" (b.id) } {}
                            label for={ "alt-why-" (b.id) } { (m.justification) }
                            textarea id={ "alt-why-" (b.id) } name="justification" rows="2" dir="auto" {}
                            button type="submit" { (s.send_act) span.visually-hidden { " " (s.bracket) " " (b.id) } }
                        }
                    }
                }
            }
        }
    }

    /// The delegation's groups' items (agree, dissociate) and the others' published proposals
    /// (co-sponsor); nothing for a caller without a delegation, or with nothing to act on.
    pub fn coalitions(&self, m: &Messages, p: &str, number: u32, csrf: &str) -> Markup {
        let s = m.text_state;
        let Some(own) = &self.delegation else {
            return html! {};
        };
        let acting = matches!(self.state, RoundState::Open | RoundState::Closed);
        let group_submissions: Vec<(&String, Option<&SubmissionRevision>)> = self
            .groups
            .iter()
            .map(|g| (g, self.others.iter().find(|s| &s.delegation == g)))
            .collect();
        let published: Vec<&SubmissionRevision> = if self.state == RoundState::Closed {
            self.others
                .iter()
                .filter(|s| !self.groups.contains(&s.delegation))
                .collect()
        } else {
            Vec::new()
        };
        if group_submissions.is_empty() && published.is_empty() {
            return html! {};
        }
        let action = |what: &str| format!("/p/{p}/rounds/{number}/{what}");
        html! {
            section #coalitions aria-labelledby="coalitions-title" {
                h2 id="coalitions-title" { (s.coalitions) }
                @for (group, submission) in &group_submissions {
                    h3 { (s.group_items) ": " (self.marks.name(group)) }
                    @match submission {
                        None => { p { (s.no_group_items) } }
                        Some(submission) => {
                            @if self.state == RoundState::Open {
                                form.inline method="post" action=(action("agree")) {
                                    input type="hidden" name="csrf" value=(csrf);
                                    input type="hidden" name="group" value=(group);
                                    button type="submit" { (s.agree_text) " (" (group) ")" }
                                }
                            }
                            ol.items {
                                @for (index, item) in submission.items.iter().enumerate() {
                                    @let n = index + 1;
                                    li {
                                        (item_line(m, &self.marks, item))
                                        @if self.acted(own, group, n, "dissociate") {
                                            " " strong.act-done { "(" (s.dissociated) ")" }
                                        } @else if acting {
                                            form.act method="post" action=(action("dissociate")) {
                                                input type="hidden" name="csrf" value=(csrf);
                                                input type="hidden" name="group" value=(group);
                                                input type="hidden" name="item" value=(n);
                                                label for={ "dis-" (group) "-" (n) } { (s.dissociation_note) }
                                                input id={ "dis-" (group) "-" (n) } name="note" type="text" dir="auto" required maxlength="2000";
                                                button type="submit" { (s.dissociate) " " (n) span.visually-hidden { " (" (group) ")" } }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                @if !published.is_empty() {
                    p { (s.cosponsor_intro) }
                    @for submission in &published {
                        h3 { (self.marks.name(&submission.delegation)) }
                        ol.items {
                            @for (index, item) in submission.items.iter().enumerate() {
                                @let n = index + 1;
                                li {
                                    (item_line(m, &self.marks, item))
                                    @if !matches!(item, Item::Comment { .. }) && !self.acted(own, &submission.delegation, n, "cosponsor") {
                                        form.act method="post" action=(action("cosponsor")) {
                                            input type="hidden" name="csrf" value=(csrf);
                                            input type="hidden" name="proposer" value=(submission.delegation);
                                            input type="hidden" name="item" value=(n);
                                            label for={ "co-" (submission.delegation) "-" (n) } { (s.cosponsor_note) " " (s.note_optional) }
                                            input id={ "co-" (submission.delegation) "-" (n) } name="note" type="text" dir="auto" maxlength="2000";
                                            button type="submit" { (s.cosponsor) " " (n) span.visually-hidden { " (" (submission.delegation) ")" } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    fn acted(&self, own: &str, proposer: &str, item: usize, kind: &str) -> bool {
        self.acts.iter().any(|a| {
            a.delegation == own
                && a.proposer == proposer
                && a.item == u32::try_from(item).ok()
                && a.kind.as_str() == kind
        })
    }
}

/// One item of a submission, in words: its kind, its paragraph and its text.
fn item_line(m: &Messages, marks: &Marks, item: &Item) -> Markup {
    let reference = item.node().and_then(|node| {
        marks
            .nodes
            .iter()
            .find(|(_, id)| **id == node)
            .map(|(r, _)| r.clone())
    });
    let (kind, text) = match item {
        Item::Amend { text, .. } => (m.kind_amend, Some(text.as_str())),
        Item::Insert { text, .. } => (m.kind_insert, Some(text.as_str())),
        Item::Delete { .. } => (m.kind_delete, None),
        Item::Comment { text, .. } => (m.kind_comment, Some(text.as_str())),
        Item::Support { .. } => (m.text_state.support, None),
        Item::AmendAlternative { text, .. } => {
            (m.text_state.amend_alternative, Some(text.as_str()))
        }
        Item::WithdrawAlternative { .. } => (m.text_state.withdraw_support, None),
    };
    html! {
        strong { (kind) } @if let Some(r) = reference { " \u{2014} " (r) }
        @if let Some(text) = text { ": " q dir="auto" { (text) } }
    }
}

#[derive(Deserialize)]
pub struct BracketForm {
    csrf: String,
    bracket: String,
    alternative: String,
    act: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    justification: String,
}

/// The delegation's submission with `form`'s act on a bracket: it replaces the delegation's
/// earlier act on the same alternative (one position per alternative).
fn with_bracket_act(
    current: &[Item],
    form: &BracketForm,
    lang: Lang,
) -> Result<Vec<ItemByReference>, WebError> {
    let justification = Some(form.justification.trim().to_string()).filter(|j| !j.is_empty());
    let (bracket, alternative) = (form.bracket.trim(), form.alternative.trim());
    if bracket.is_empty() || alternative.is_empty() {
        return Err(WebError::bad_request(
            "name the bracket and the alternative you act on (B1, a)",
            lang,
        ));
    }
    let added = match form.act.as_str() {
        "support" => ItemByReference::Support {
            iso: Default::default(),
            bracket: bracket.into(),
            alternative: alternative.into(),
            justification,
        },
        "amend_alternative" => {
            let text = form
                .text
                .trim_end_matches(['\r', '\n'])
                .replace("\r\n", "\n");
            if text.trim().is_empty() {
                return Err(WebError::bad_request(
                    "the new wording is empty: write the words of the bracketed span, then send",
                    lang,
                ));
            }
            ItemByReference::AmendAlternative {
                iso: Default::default(),
                bracket: bracket.into(),
                alternative: alternative.into(),
                text,
                justification,
            }
        }
        "withdraw_alternative" => ItemByReference::WithdrawAlternative {
            iso: Default::default(),
            bracket: bracket.into(),
            alternative: alternative.into(),
            justification,
        },
        other => {
            return Err(WebError::bad_request(
                format!(
                    "{other:?} is no act on a bracket; use support, amend_alternative or \
                     withdraw_alternative"
                ),
                lang,
            ));
        }
    };
    let mut items: Vec<ItemByReference> = current
        .iter()
        .filter(|item| item.bracket_act() != Some((bracket, alternative)))
        .map(crate::delegation::by_id)
        .collect();
    items.push(added);
    Ok(items)
}

/// An act on a bracket from the draft's form, sent as a submission item.
pub async fn act_on_bracket(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, number)): Path<(String, u32)>,
    Form(form): Form<BracketForm>,
) -> Result<Response, Response> {
    visitor.check_csrf(&form.csrf)?;
    let lang = visitor.lang;
    crate::delegation::resubmit(&front, &visitor, p, number, move |current| {
        with_bracket_act(current, &form, lang)
    })
    .await
    .map_err(IntoResponse::into_response)
}

#[derive(Deserialize)]
pub struct GroupForm {
    csrf: String,
    group: String,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize)]
pub struct ItemActForm {
    csrf: String,
    /// The group (for a dissociation) or the proposer (for a co-sponsoring).
    #[serde(alias = "group", alias = "proposer")]
    target: String,
    item: u32,
    #[serde(default)]
    note: String,
}

/// A member agrees to its group's common text.
pub async fn agree(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, number)): Path<(String, u32)>,
    Form(form): Form<GroupForm>,
) -> Result<Response, Response> {
    let session = visitor.check_csrf(&form.csrf)?;
    let (caller, slug, now) = (session.caller.clone(), p.clone(), front.now());
    let act = front
        .commit(move |w| coalition::agree(w, &caller, &slug, number, &form.group, &form.note, now))
        .await
        .map_err(refused(visitor.lang))?;
    Ok(recorded_page(&visitor, &p, number, &act))
}

/// A member dissociates from one of its group's items.
pub async fn dissociate(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, number)): Path<(String, u32)>,
    Form(form): Form<ItemActForm>,
) -> Result<Response, Response> {
    let session = visitor.check_csrf(&form.csrf)?;
    let (caller, slug, now) = (session.caller.clone(), p.clone(), front.now());
    let act = front
        .commit(move |w| {
            coalition::dissociate(
                w,
                &caller,
                &slug,
                number,
                &form.target,
                form.item,
                &form.note,
                now,
            )
        })
        .await
        .map_err(refused(visitor.lang))?;
    Ok(recorded_page(&visitor, &p, number, &act))
}

/// A delegation co-sponsors another's published proposal.
pub async fn cosponsor(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, number)): Path<(String, u32)>,
    Form(form): Form<ItemActForm>,
) -> Result<Response, Response> {
    let session = visitor.check_csrf(&form.csrf)?;
    let (caller, slug, now) = (session.caller.clone(), p.clone(), front.now());
    let act = front
        .commit(move |w| {
            coalition::cosponsor(
                w,
                &caller,
                &slug,
                number,
                &form.target,
                form.item,
                &form.note,
                now,
            )
        })
        .await
        .map_err(refused(visitor.lang))?;
    Ok(recorded_page(&visitor, &p, number, &act))
}

/// The confirmation of a coalition act, with the way back to the round.
fn recorded_page(visitor: &Visitor, p: &str, number: u32, act: &CoalitionAct) -> Response {
    let lang = visitor.lang;
    let m = lang.messages();
    let s = m.text_state;
    let what = match act.kind.as_str() {
        "agree" => s.agree_text,
        "dissociate" => s.dissociate,
        _ => s.cosponsor,
    };
    let path = format!("/p/{p}/rounds/{number}");
    let chrome = Chrome {
        lang,
        session: visitor.session.as_ref(),
        path: &path,
    };
    layout(
        &chrome,
        s.recorded,
        html! {
            h1 { (s.recorded) }
            p role="status" {
                (s.recorded_intro) " " (what)
                @if let Some(item) = act.item { " " (item) } " (" (act.proposer) ", " (m.revision) " " (act.revision) ")"
                " \u{2014} " (act.delegation) ", " (moment(act.at))
            }
            @if !act.note.is_empty() { p { q dir="auto" { (act.note) } } }
            p { a href=(path) { (m.back_to_round) } }
        },
    )
    .into_response()
}

/// The state of a text: every paragraph of its latest version with its status, reservations
/// and brackets, and the forms of whoever may change them.
pub async fn state_page(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, d)): Path<(String, String)>,
) -> Result<Response, Response> {
    let session = visitor.signed_in()?;
    let lang = visitor.lang;
    let m = lang.messages();
    let s = m.text_state;
    let (caller, slug, doc, now) = (session.caller.clone(), p.clone(), d.clone(), front.now());
    let (read, brackets) = front
        .run(move |r| {
            let read = text_state::read(r, &caller, &slug, &doc, None)?;
            let brackets = bracket::of_version(r, &slug, &doc, read.info.number)?;
            Ok((read, brackets))
        })
        .await
        .map_err(refused(lang))?;
    let document = &read.version.document;
    let marks = Marks::of(&read.state, brackets, document, &read.readable.delegations);
    let mut context = marks.decorate(read.readable.context(now));
    context.captions = m.captions;
    let blocks = node_blocks(document, &context);
    let role = session.caller.role;
    let chairs = matches!(role, Role::Chair | Role::Secretariat);
    let own = session
        .caller
        .delegation
        .clone()
        .filter(|_| role == Role::Delegate);
    let path = format!("/p/{p}/d/{d}/state");
    let chrome = Chrome {
        lang,
        session: Some(session),
        path: &path,
    };
    let title = format!(
        "{} \u{2014} {}",
        s.state_of_text, read.readable.document.title
    );
    let csrf = &session.csrf;
    let adopted = read.state.adoption.is_some();
    Ok(layout(
        &chrome,
        &title,
        html! {
            nav aria-label="Breadcrumb" { a href="/" { (m.processes) } " › " a href={ "/p/" (p) } { (p) } " › " a href={ "/p/" (p) "/d/" (d) } { (read.readable.document.title) } }
            h1 { (title) }
            p { (s.state_intro) " " a href={ "/p/" (p) "/d/" (d) "/v/" (read.info.number) } { (m.version) " " (read.info.number) ": " (read.info.label) } }
            @if let Some(adoption) = &read.state.adoption {
                p.adopted role="status" { (badge(s, ParagraphStatus::Adopted)) " " (s.adopted_at) " " (adoption.version) ", " (moment(adoption.adopted_at))
                    @if !adoption.note.is_empty() { " \u{2014} " q dir="auto" { (adoption.note) } } }
            }
            @if chairs && !adopted {
                section.card aria-labelledby="adopt" {
                    h2 id="adopt" { (s.adopt) }
                    p { (s.adopt_intro) }
                    form method="post" action={ "/p/" (p) "/d/" (d) "/adopt" } {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="adopt-note" { (s.adopt_note) " " (s.note_optional) }
                        input id="adopt-note" name="note" type="text" dir="auto" maxlength="2000";
                        button type="submit" { (s.adopt_button) }
                    }
                }
            }
            (marks.legend(m))
            div.text lang=(context.language) {
                @for block in &blocks {
                    div.state-paragraph id={ "n-" (block.node) } {
                        div.paragraph dir="auto" { (PreEscaped(&block.html)) }
                        (marks.beside(m, block.node, &block.reference))
                        @if chairs && !adopted {
                            (status_form(m, &p, &d, block.node, &block.reference, marks.statuses.get(&block.node), csrf))
                        }
                        @if let Some(own) = &own {
                            (reservation_forms(m, &p, &d, block.node, &block.reference, own, marks.reservations.get(&block.node), csrf))
                        }
                    }
                }
            }
        },
    )
    .into_response())
}

fn status_form(
    m: &Messages,
    p: &str,
    d: &str,
    node: NodeId,
    reference: &str,
    current: Option<&NodeStatus>,
    csrf: &str,
) -> Markup {
    let s = m.text_state;
    let current = current.map_or(ParagraphStatus::Open, |c| c.status);
    html! {
        details.propose.status-form {
            summary { (s.set_status) " " (reference) }
            form method="post" action={ "/p/" (p) "/d/" (d) "/status" } {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="node" value=(node);
                label for={ "status-" (node) } { (s.new_status) }
                select id={ "status-" (node) } name="status" {
                    @for status in [ParagraphStatus::Open, ParagraphStatus::AgreedAdRef, ParagraphStatus::Agreed] {
                        option value=(status.as_str()) selected[status == current] { (status_words(s, status)) }
                    }
                }
                label for={ "status-note-" (node) } { (s.status_note) }
                p.hint id={ "status-hint-" (node) } { (s.status_note_hint) }
                input id={ "status-note-" (node) } name="note" type="text" dir="auto" required maxlength="2000" aria-describedby={ "status-hint-" (node) };
                button type="submit" { (s.record_status) " " (reference) }
            }
        }
    }
}

#[allow(clippy::too_many_arguments)] // reason: the paragraph, whose forms, and the session's token
fn reservation_forms(
    m: &Messages,
    p: &str,
    d: &str,
    node: NodeId,
    reference: &str,
    own: &str,
    standing: Option<&Vec<Reservation>>,
    csrf: &str,
) -> Markup {
    let s = m.text_state;
    html! {
        @for r in standing.into_iter().flatten().filter(|r| r.delegation == own) {
            form.act method="post" action={ "/p/" (p) "/d/" (d) "/reservations/withdraw" } {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="number" value=(r.number);
                label for={ "withdraw-note-" (r.number) } { (s.withdrawal_note) " " (s.note_optional) }
                input id={ "withdraw-note-" (r.number) } name="note" type="text" dir="auto" maxlength="2000";
                button type="submit" { (s.withdraw_reservation) " " (r.mark()) span.visually-hidden { " " (reference) } }
            }
        }
        details.propose.reservation-form {
            summary { (s.enter_reservation) " " (reference) }
            form method="post" action={ "/p/" (p) "/d/" (d) "/reservations" } {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="node" value=(node);
                label for={ "kind-" (node) } { (s.reservation_kind) }
                select id={ "kind-" (node) } name="kind" {
                    @for kind in ReservationKind::ALL {
                        option value=(kind.as_str()) { (kind.mark()) " \u{2014} " (kind_words(s, kind)) }
                    }
                }
                label for={ "reservation-" (node) } { (s.reservation_text) }
                textarea id={ "reservation-" (node) } name="text" rows="2" dir="auto" required {}
                button type="submit" { (s.enter_button) " " (reference) }
            }
        }
    }
}

fn back_to_state(p: &str, d: &str, node: Option<&str>) -> Response {
    let anchor = node.map_or(String::new(), |n| format!("#n-{n}"));
    Redirect::to(&format!("/p/{p}/d/{d}/state{anchor}")).into_response()
}

#[derive(Deserialize)]
pub struct StatusForm {
    csrf: String,
    node: String,
    status: String,
    #[serde(default)]
    note: String,
}

/// The chair sets a paragraph's status (reopens it with `open`).
pub async fn set_status(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, d)): Path<(String, String)>,
    Form(form): Form<StatusForm>,
) -> Result<Response, Response> {
    let session = visitor.check_csrf(&form.csrf)?;
    let lang = visitor.lang;
    let status = ParagraphStatus::parse(form.status.trim()).ok_or_else(|| {
        WebError::bad_request(
            format!(
                "{:?} is no paragraph status: choose open, agreed_ad_ref or agreed",
                form.status
            ),
            lang,
        )
        .into_response()
    })?;
    let (caller, slug, doc, now) = (session.caller.clone(), p.clone(), d.clone(), front.now());
    let node = form.node.clone();
    let change = front
        .commit(move |w| {
            text_state::set_status(w, &caller, &slug, &doc, &node, status, &form.note, now)
        })
        .await
        .map_err(refused(lang))?;
    Ok(back_to_state(&p, &d, Some(&change.node.to_string())))
}

#[derive(Deserialize)]
pub struct AdoptForm {
    csrf: String,
    #[serde(default)]
    note: String,
}

/// The chair adopts the whole text (refused, saying what stands in the way, until it may be).
pub async fn adopt(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, d)): Path<(String, String)>,
    Form(form): Form<AdoptForm>,
) -> Result<Response, Response> {
    let session = visitor.check_csrf(&form.csrf)?;
    let (caller, slug, doc, now) = (session.caller.clone(), p.clone(), d.clone(), front.now());
    let lang = visitor.lang;
    let adopted = front
        .commit(move |w| text_state::adopt(w, &caller, &slug, &doc, &form.note, now))
        .await;
    if let Err(error) = adopted {
        // What stands in the way, then what to do about it on these pages.
        let standing = matches!(error, Error::NotAgreed(_));
        let mut refusal = WebError::from_use_case(error, lang);
        if standing {
            refusal.detail = format!(
                "{} \u{2014} {}",
                refusal.detail,
                lang.messages().text_state.adopt_refused_hint
            );
        }
        return Err(refusal.into_response());
    }
    Ok(back_to_state(&p, &d, None))
}

#[derive(Deserialize)]
pub struct ReservationForm {
    csrf: String,
    node: String,
    kind: String,
    #[serde(default)]
    text: String,
}

/// A delegation enters a reservation on a paragraph, in its own name.
pub async fn enter_reservation(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, d)): Path<(String, String)>,
    Form(form): Form<ReservationForm>,
) -> Result<Response, Response> {
    let session = visitor.check_csrf(&form.csrf)?;
    let lang = visitor.lang;
    let kind = ReservationKind::parse(form.kind.trim()).ok_or_else(|| {
        WebError::bad_request(
            format!(
                "{:?} is no kind of reservation: choose scrutiny, general, parliamentary or \
                 linguistic",
                form.kind
            ),
            lang,
        )
        .into_response()
    })?;
    let request = ReservationRequest {
        node: form.node,
        kind,
        text: form.text,
        delegation: None,
    };
    let (caller, slug, doc, now) = (session.caller.clone(), p.clone(), d.clone(), front.now());
    let reservation = front
        .commit(move |w| text_state::enter_reservation(w, &caller, &slug, &doc, &request, now))
        .await
        .map_err(refused(lang))?;
    Ok(back_to_state(&p, &d, Some(&reservation.node.to_string())))
}

#[derive(Deserialize)]
pub struct WithdrawReservationForm {
    csrf: String,
    number: u32,
    #[serde(default)]
    note: String,
}

/// A delegation withdraws its own reservation.
pub async fn withdraw_reservation(
    State(front): State<Front>,
    visitor: Visitor,
    Path((p, d)): Path<(String, String)>,
    Form(form): Form<WithdrawReservationForm>,
) -> Result<Response, Response> {
    let session = visitor.check_csrf(&form.csrf)?;
    let (caller, slug, doc, now) = (session.caller.clone(), p.clone(), d.clone(), front.now());
    let withdrawn = front
        .commit(move |w| {
            text_state::withdraw_reservation(w, &caller, &slug, &doc, form.number, &form.note, now)
        })
        .await
        .map_err(refused(visitor.lang))?;
    Ok(back_to_state(&p, &d, Some(&withdrawn.node.to_string())))
}

/// The marks of a version's paragraphs for a page that has already read the version (the
/// reviewer's, the chair's compilation): the state and brackets read for `caller`.
pub async fn marks_of_version(
    front: &Front,
    caller: &Caller,
    p: &str,
    d: &str,
    number: u32,
    document: &Document,
    lang: Lang,
) -> Result<Marks, Response> {
    let (caller, slug, doc) = (caller.clone(), p.to_string(), d.to_string());
    let (readable, state, brackets) = front
        .run(move |r| {
            let readable = Readable::read(r, &caller, &slug, &doc)?;
            let state = text_state::of_document(r, &slug, &doc)?;
            let brackets = bracket::of_version(r, &slug, &doc, number)?;
            Ok((readable, state, brackets))
        })
        .await
        .map_err(refused(lang))?;
    Ok(Marks::of(&state, brackets, document, &readable.delegations))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;
    use penholder_core::bracket::{BracketAlternative, BracketOrigin, BracketSpan};
    use penholder_core::state::StatusChange;
    use penholder_core::{IdSource, Node, NodeKind};

    fn world() -> (Document, NodeId, NodeId, Vec<Delegation>) {
        let mut ids = IdSource::new(7, 1_700_000_000_000);
        let (op1, op2) = (ids.next_id(), ids.next_id());
        let document = Document::new(
            "Declaration",
            vec![
                Node::new(
                    op1,
                    NodeKind::Operative,
                    "Reduce arrivals by at least 20 per cent.",
                ),
                Node::new(op2, NodeKind::Operative, "Cooperate on return."),
            ],
        );
        let delegations = ["HU", "FR", "DE", "PK"]
            .iter()
            .map(|code| Delegation {
                code: (*code).into(),
                name: format!("Name of {code}"),
                kind: DelegationKind::State,
                participation: penholder_core::negotiation::Participation::Participant,
                function: None,
                members: Vec::new(),
            })
            .collect();
        (document, op1, op2, delegations)
    }

    fn state(op1: NodeId, op2: NodeId) -> TextState {
        TextState {
            changes: vec![StatusChange {
                node: op1,
                status: ParagraphStatus::AgreedAdRef,
                note: "Reference <Group>".into(),
                version: 1,
                set_by: "chair".into(),
                set_at: 1,
                sequence: 1,
            }],
            reservations: vec![Reservation {
                number: 1,
                node: op2,
                delegation: "HU".into(),
                kind: ReservationKind::Scrutiny,
                text: "Pending the capital's view.".into(),
                version: 1,
                entered_by: "hu".into(),
                entered_at: 2,
                withdrawn: None,
            }],
            adoption: None,
        }
    }

    fn bracket(op1: NodeId) -> Bracket {
        Bracket {
            id: "B1".into(),
            node: op1,
            span: BracketSpan::Words { start: 28, end: 30 },
            base_text: "20".into(),
            alternatives: vec![
                BracketAlternative {
                    id: "a".into(),
                    text: Some("30".into()),
                    supporters: vec!["DE".into(), "FR".into()],
                },
                BracketAlternative {
                    id: "b".into(),
                    text: None,
                    supporters: vec!["PK".into()],
                },
            ],
            origin: BracketOrigin {
                round: "Written feedback".into(),
                change: "c1".into(),
            },
        }
    }

    #[test]
    fn a_paragraph_shows_its_status_in_words_its_reservations_and_its_brackets() {
        let (document, op1, op2, delegations) = world();
        let marks = Marks::of(
            &state(op1, op2),
            vec![bracket(op1)],
            &document,
            &delegations,
        );
        let m = Lang::En.messages();
        let first = marks.beside(m, op1, "OP1").into_string();
        let second = marks.beside_reference(m, "OP2").into_string();
        insta::assert_snapshot!("state_beside_op1", first);
        insta::assert_snapshot!("state_beside_op2", second);
        assert!(first.contains("Agreed ad referendum"), "{first}");
        assert!(
            first.contains("Reference &lt;Group&gt;"),
            "escaped: {first}"
        );
        assert!(
            first.contains("Name of DE (DE), Name of FR (FR)"),
            "{first}"
        );
        assert!(
            second.contains("SR (HU)") && second.contains("scrutiny"),
            "{second}"
        );
        // The bracket shows in render's own HTML of the paragraph, with its proposers.
        let context = marks.decorate(penholder_render::Context::new());
        let blocks = node_blocks(&document, &context);
        assert!(
            blocks[0]
                .html
                .contains("[20] / [30 (DE, FR)] / [delete (PK)]"),
            "{}",
            blocks[0].html
        );
        // In French.
        let french = marks.beside(Lang::Fr.messages(), op1, "OP1").into_string();
        assert!(
            french.contains("Agréé ad referendum") && french.contains("Statut de OP1"),
            "{french}"
        );
    }

    #[test]
    fn a_text_without_state_shows_nothing_beside_its_paragraphs_but_says_so_once() {
        let (document, op1, _, delegations) = world();
        let marks = Marks::of(&TextState::default(), Vec::new(), &document, &delegations);
        let m = Lang::En.messages();
        assert_eq!(marks.beside(m, op1, "OP1").into_string(), "");
        assert!(marks.legend(m).into_string().contains(ENGLISH.all_open));
    }

    fn form(act: &str, alternative: &str, text: &str) -> BracketForm {
        BracketForm {
            csrf: String::new(),
            bracket: "B1".into(),
            alternative: alternative.into(),
            act: act.into(),
            text: text.into(),
            justification: String::new(),
        }
    }

    #[test]
    fn an_act_on_a_bracket_replaces_the_earlier_act_on_the_same_alternative() {
        let (_, op1, _, _) = world();
        let current = vec![
            Item::Support {
                iso: Default::default(),
                bracket: "B1".into(),
                alternative: "a".into(),
                justification: None,
            },
            Item::Comment {
                iso: Default::default(),
                node: Some(op1),
                text: "note".into(),
            },
        ];
        let items = with_bracket_act(
            &current,
            &form("amend_alternative", "a", "35\r\n"),
            Lang::En,
        )
        .expect("accepted");
        assert_eq!(items.len(), 2);
        assert_eq!(
            items[1],
            ItemByReference::AmendAlternative {
                iso: Default::default(),
                bracket: "B1".into(),
                alternative: "a".into(),
                text: "35".into(),
                justification: None,
            }
        );
        let items = with_bracket_act(&current, &form("support", "b", ""), Lang::En).expect("ok");
        assert_eq!(items.len(), 3, "another alternative's act adds up");
    }

    #[test]
    fn unknown_acts_and_empty_wordings_are_refused_with_what_to_do() {
        let empty =
            with_bracket_act(&[], &form("amend_alternative", "a", " "), Lang::En).unwrap_err();
        assert_eq!(empty.status, StatusCode::BAD_REQUEST);
        assert!(
            empty.detail.contains("new wording is empty"),
            "{}",
            empty.detail
        );
        let unknown = with_bracket_act(&[], &form("veto", "a", ""), Lang::En).unwrap_err();
        assert!(
            unknown
                .detail
                .contains("support, amend_alternative or withdraw_alternative")
        );
        let unnamed = with_bracket_act(&[], &form("support", " ", ""), Lang::En).unwrap_err();
        assert!(
            unnamed.detail.contains("name the bracket"),
            "{}",
            unnamed.detail
        );
    }
}
