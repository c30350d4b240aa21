//! The state of a text as the negotiation's participants change it: the chair sets each
//! paragraph's status (and reopens one), a delegation enters reservations in its own name and
//! withdraws them, the chair adopts the whole text once every paragraph is agreed and no
//! reservation stands; and a settled paragraph refuses amendments ([`refuse_settled`]).
//!
//! Nodes are named by id or by reference in the document's latest version: statuses and
//! reservations are kept by node id, so they follow the node into every later version.
//! Every write authorizes and checks inside its own transaction.

use crate::access::authorize;
use crate::caller::Caller;
use crate::document::Readable;
use crate::error::{Error, FieldProblem};
use crate::events::EventKind;
use crate::input::check_text;
use crate::policy::{Action, Phase};
use penholder_core::bracket::Bracket;
use penholder_core::negotiation::{Item, Participation};
use penholder_core::state::{
    Adoption, ParagraphStatus, Reservation, ReservationKind, StatusChange, TextState,
    describe_obstacles,
};
use penholder_core::{NodeId, References, Version};
use penholder_store::{Reader, VersionInfo, Writer};
use serde_json::json;

/// How many obstacles a refused adoption names before it counts the rest.
const OBSTACLES_SHOWN: usize = 12;

/// A version of a document with the state of its text, for a reader.
#[derive(Clone, Debug)]
pub struct StateOfText {
    pub readable: Readable,
    pub info: VersionInfo,
    pub version: Version,
    pub state: TextState,
    /// The brackets still open in that version.
    pub brackets: Vec<Bracket>,
}

/// The state of the text at version `number` (the latest when `None`): the statuses and
/// reservations in force are the current ones, on the nodes that version holds.
pub fn read(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    document: &str,
    number: Option<u32>,
) -> Result<StateOfText, Error> {
    let readable = Readable::read(r, caller, process, document)?;
    let number = number.unwrap_or(readable.document.latest_version);
    Ok(StateOfText {
        info: r.version_info(process, document, number)?,
        version: r.version(process, document, number)?,
        state: r.text_state(process, document)?,
        brackets: crate::bracket::of_version(r, process, document, number)?,
        readable,
    })
}

/// The current state of a document's text alone (for a version read elsewhere).
pub fn of_document(r: &Reader<'_>, process: &str, document: &str) -> Result<TextState, Error> {
    Ok(r.text_state(process, document)?)
}

/// The node `name` (an id or a reference) of the document's latest version; a node of another
/// document of the process, or of none, is refused naming what to send instead.
fn resolve_node(
    r: &Reader<'_>,
    process: &str,
    document: &str,
    name: &str,
    pointer: &str,
) -> Result<NodeId, Error> {
    let latest = r.latest_version(process, document)?;
    let references = References::of(&latest.document);
    if let Some(node) = references.resolve_id_or_reference(name.trim()) {
        return Ok(node);
    }
    let problem = |detail: String| {
        Error::invalid(vec![FieldProblem {
            pointer: pointer.into(),
            item: None,
            reference: Some(name.to_string()),
            detail,
        }])
    };
    if let Ok(id) = name.trim().parse::<NodeId>() {
        for other in r.documents(process)? {
            if other.slug != document
                && r.latest_version(process, &other.slug)?
                    .document
                    .find(id)
                    .is_some()
            {
                return Err(problem(format!(
                    "node {id} belongs to document {}, not {document}: send the reservation or \
                     status to that document's URL, or name a node of {document}",
                    other.slug
                )));
            }
        }
    }
    Err(problem(format!(
        "{name} is neither a node id nor a reference of version {} of {document} (GET the \
         version for its nodes and references)",
        latest.number
    )))
}

/// A note that may be left out (empty), but when given is plain text of a sensible length
/// (PostgreSQL refuses a NUL, and no note needs a control character).
fn check_optional_note(note: &str) -> Result<(), Error> {
    if note.trim().is_empty() {
        return Ok(());
    }
    check_text("/note", note, 2000)
}

/// Records the chair's status change of one paragraph, with a note saying why or where
/// ("ad ref., Reference Group"). Reopening an agreed paragraph is setting it `open` again.
#[allow(clippy::too_many_arguments)] // reason: the write's target, its two facts, who and when
pub fn set_status(
    w: &Writer<'_>,
    caller: &Caller,
    process: &str,
    document: &str,
    node: &str,
    status: ParagraphStatus,
    note: &str,
    now: i64,
) -> Result<StatusChange, Error> {
    let readable = Readable::read(w, caller, process, document)?;
    authorize(
        caller,
        &readable.delegations,
        None,
        Action::SetParagraphStatus,
        Phase::NoRound,
        None,
    )?;
    if status == ParagraphStatus::Adopted {
        return Err(Error::invalid_field(
            "/status",
            "a paragraph is not adopted on its own: every paragraph is adopted with the whole \
             text (POST …/adopt); set open, agreed_ad_ref or agreed",
        ));
    }
    check_text("/note", note, 2000)?;
    let node = resolve_node(w, process, document, node, "/node")?;
    let change = w.set_paragraph_status(
        process,
        document,
        node,
        status,
        note.trim(),
        &caller.actor(),
        now,
    )?;
    crate::events::text_event(
        w,
        process,
        EventKind::ParagraphStatusChanged,
        json!({"process": process, "document": document, "node": change.node.to_string(),
               "status": change.status, "version": change.version}),
        now,
    )?;
    Ok(change)
}

/// A reservation as a delegation enters it.
#[derive(Clone, Debug)]
pub struct ReservationRequest {
    /// A node id or a reference in the document's latest version.
    pub node: String,
    pub kind: ReservationKind,
    pub text: String,
    /// The delegation in whose name it is entered; the caller's own when `None`.
    pub delegation: Option<String>,
}

/// Records a delegation's reservation on a paragraph: only a delegate, in its own
/// delegation's name, and only a delegation that takes part in the process (an observer has
/// nothing to reserve).
pub fn enter_reservation(
    w: &Writer<'_>,
    caller: &Caller,
    process: &str,
    document: &str,
    request: &ReservationRequest,
    now: i64,
) -> Result<Reservation, Error> {
    let readable = Readable::read(w, caller, process, document)?;
    let delegation = request
        .delegation
        .clone()
        .or_else(|| caller.delegation.clone())
        .ok_or_else(|| {
            Error::invalid_field(
                "/delegation",
                "name the delegation entering the reservation (the token names none)",
            )
        })?;
    authorize(
        caller,
        &readable.delegations,
        Some(&delegation),
        Action::EnterReservation,
        Phase::NoRound,
        None,
    )?;
    if readable
        .delegations
        .iter()
        .any(|d| d.code == delegation && d.participation != Participation::Participant)
    {
        return Err(Error::Forbidden(format!(
            "{delegation} does not take part in this process as a participant: only \
             participating delegations enter reservations"
        )));
    }
    check_text("/text", &request.text, 4000)?;
    let node = resolve_node(w, process, document, &request.node, "/node")?;
    let reservation = w.enter_reservation(
        process,
        document,
        node,
        &delegation,
        request.kind,
        request.text.trim(),
        &caller.actor(),
        now,
    )?;
    reservation_event(
        w,
        process,
        document,
        EventKind::ReservationEntered,
        &reservation,
        now,
    )?;
    Ok(reservation)
}

/// A reservation's event: which, whose, of what kind, on which node (not its text).
fn reservation_event(
    w: &Writer<'_>,
    process: &str,
    document: &str,
    kind: EventKind,
    reservation: &Reservation,
    now: i64,
) -> Result<(), Error> {
    crate::events::text_event(
        w,
        process,
        kind,
        json!({"process": process, "document": document, "reservation": reservation.number,
               "delegation": reservation.delegation, "kind": reservation.kind,
               "node": reservation.node.to_string()}),
        now,
    )
}

/// Records the withdrawal of reservation `number` by the delegation that entered it.
pub fn withdraw_reservation(
    w: &Writer<'_>,
    caller: &Caller,
    process: &str,
    document: &str,
    number: u32,
    note: &str,
    now: i64,
) -> Result<Reservation, Error> {
    let readable = Readable::read(w, caller, process, document)?;
    let reservation = w.reservation(process, document, number)?;
    authorize(
        caller,
        &readable.delegations,
        Some(&reservation.delegation),
        Action::WithdrawReservation,
        Phase::NoRound,
        None,
    )?;
    check_optional_note(note)?;
    let withdrawn =
        w.withdraw_reservation(process, document, number, note.trim(), &caller.actor(), now)?;
    reservation_event(
        w,
        process,
        document,
        EventKind::ReservationWithdrawn,
        &withdrawn,
        now,
    )?;
    Ok(withdrawn)
}

/// Adopts the document's whole text at its latest version: refused while any paragraph is
/// not agreed or holds a reservation that was not withdrawn, naming them.
pub fn adopt(
    w: &Writer<'_>,
    caller: &Caller,
    process: &str,
    document: &str,
    note: &str,
    now: i64,
) -> Result<Adoption, Error> {
    let readable = Readable::read(w, caller, process, document)?;
    authorize(
        caller,
        &readable.delegations,
        None,
        Action::AdoptDocument,
        Phase::NoRound,
        None,
    )?;
    check_optional_note(note)?;
    let state = w.text_state(process, document)?;
    if let Some(adoption) = &state.adoption {
        return Err(Error::Conflict(format!(
            "document {document} was already adopted, at version {}",
            adoption.version
        )));
    }
    let latest = w.latest_version(process, document)?;
    let brackets = crate::bracket::of_version(w, process, document, latest.number)?;
    let obstacles = state.obstacles_to_adoption(&latest.document, &brackets);
    if !obstacles.is_empty() {
        return Err(Error::NotAgreed(format!(
            "nothing is agreed until everything is agreed: version {} of {document} cannot be \
             adopted while {} paragraph(s), reservation(s) or bracket(s) stand in the way \
             ({}). Agree each paragraph (PUT …/status/{{node}}), have each reservation \
             withdrawn, and resolve each bracket in a round first",
            latest.number,
            obstacles.len(),
            describe_obstacles(&obstacles, OBSTACLES_SHOWN)
        )));
    }
    let adoption = w.adopt_document(
        process,
        document,
        latest.number,
        note.trim(),
        &caller.actor(),
        now,
    )?;
    crate::events::text_event(
        w,
        process,
        EventKind::DocumentAdopted,
        json!({"process": process, "document": document, "version": adoption.version}),
        now,
    )?;
    Ok(adoption)
}

/// Refuses a submission whose amendments or deletions touch a settled paragraph (agreed ad
/// ref., agreed, adopted): the chair must reopen it first. Runs in the submission's write
/// transaction, so a status change that lands first is never bypassed; a text with no status
/// set costs it one query.
pub fn refuse_settled(
    w: &Writer<'_>,
    process: &str,
    round: u32,
    items: &[Item],
) -> Result<(), Error> {
    let touches = |item: &Item| matches!(item, Item::Amend { .. } | Item::Delete { .. });
    if !items.iter().any(touches) || !w.round_text_has_state(process, round)? {
        return Ok(());
    }
    let round_info = w.round(process, round)?;
    let state = w.text_state(process, &round_info.document)?;
    let base = w.version(process, &round_info.document, round_info.base_version)?;
    let statuses = state.statuses(&base.document);
    let references = References::of(&base.document);
    let mut problems = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Some(node) = item.node().filter(|_| touches(item)) else {
            continue;
        };
        let Some(status) = statuses.get(&node) else {
            continue;
        };
        if !status.status.is_closed_to_amendments() {
            continue;
        }
        let reference = references
            .reference(node)
            .map_or_else(|| node.to_string(), |r| r.0.clone());
        let how = match (&status.change, status.status) {
            (_, ParagraphStatus::Adopted) => "the text was adopted".to_string(),
            (Some(change), status) if !change.note.is_empty() => {
                format!("{} ({})", status.label(), change.note)
            }
            (_, status) => status.label().to_string(),
        };
        problems.push(FieldProblem {
            pointer: format!("/items/{index}/node"),
            item: Some(index),
            reference: Some(reference.clone()),
            detail: format!(
                "{reference} is {how}: it takes no amendment until the chair reopens it (sets \
                 its status to open); comment on it instead"
            ),
        });
    }
    if problems.is_empty() {
        return Ok(());
    }
    let mut detail = problems[0].detail.clone();
    if problems.len() > 1 {
        detail.push_str(&format!(
            " (and {} more items on settled paragraphs)",
            problems.len() - 1
        ));
    }
    Err(Error::Invalid { detail, problems })
}
