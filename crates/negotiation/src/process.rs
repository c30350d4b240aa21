//! Processes and their delegations: listing, creating, reading a process's shape, adding or
//! replacing a delegation.
//!
//! Writes check the caller inside the transaction that writes, so that what is authorized is
//! what the database holds when the write lands.

use crate::access::{allows, authorize};
use crate::caller::Caller;
use crate::error::Error;
use crate::input::{check_text, valid_code, valid_slug};
use crate::policy::{Action, Phase};
use penholder_core::negotiation::{Delegation, DelegationKind};
use penholder_store::{DocumentInfo, ProcessInfo, Reader, RoundInfo, Writer};
use std::collections::HashSet;

/// Checks `action` on process `process` (no round involved) and gives the process's
/// delegations, which decided it.
pub fn authorize_on(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    action: Action,
) -> Result<Vec<Delegation>, Error> {
    let delegations = r.delegations(process)?;
    authorize(caller, &delegations, None, action, Phase::NoRound, None)?;
    Ok(delegations)
}

/// Every process (a host may run many).
pub fn list(r: &Reader<'_>, caller: &Caller) -> Result<Vec<ProcessInfo>, Error> {
    may_create_or_list(caller, Action::ListProcesses)?;
    Ok(r.processes()?)
}

/// Checks an action that concerns no process yet (listing, creating).
pub fn may_create_or_list(caller: &Caller, action: Action) -> Result<(), Error> {
    crate::access::authorize_outside_processes(caller, action)
}

/// A new process and its first delegations.
#[derive(Clone, Debug)]
pub struct NewProcess {
    pub slug: String,
    pub title: String,
    pub delegations: Vec<Delegation>,
}

impl NewProcess {
    /// Every rule of a new process: its slug, its title, each delegation, no code twice.
    pub fn check(&self) -> Result<(), Error> {
        if !valid_slug(&self.slug) {
            return Err(Error::invalid_field(
                "/slug",
                "a process slug is 1 to 64 lower-case letters, digits, '-', '_' or '.', starting with a letter or digit",
            ));
        }
        check_text("/title", &self.title, 500)?;
        let mut seen = HashSet::new();
        for (index, delegation) in self.delegations.iter().enumerate() {
            let pointer = format!("/delegations/{index}");
            check_delegation(&pointer, delegation)?;
            if !seen.insert(delegation.code.as_str()) {
                return Err(Error::invalid_field(
                    format!("{pointer}/code"),
                    format!("delegation {} is listed twice", delegation.code),
                ));
            }
        }
        Ok(())
    }
}

/// Creates a process with its delegations, in one transaction.
pub fn create(
    w: &Writer<'_>,
    caller: &Caller,
    new: &NewProcess,
    now: i64,
) -> Result<ProcessInfo, Error> {
    may_create_or_list(caller, Action::CreateProcess)?;
    new.check()?;
    let actor = caller.actor();
    let process = w.create_process(&new.slug, &new.title, &actor, now)?;
    for delegation in &new.delegations {
        w.add_delegation(&new.slug, delegation, &actor, now)?;
    }
    Ok(process)
}

/// The rules of one delegation, at `pointer` in the request.
pub fn check_delegation(pointer: &str, delegation: &Delegation) -> Result<(), Error> {
    if !valid_code(&delegation.code) {
        return Err(Error::invalid_field(
            format!("{pointer}/code"),
            "a delegation code is 1 to 32 letters, digits, '-' or '_' (HU, EU, ICMPD)",
        ));
    }
    check_text(&format!("{pointer}/name"), &delegation.name, 300)?;
    if delegation.kind != DelegationKind::Group && !delegation.members.is_empty() {
        return Err(Error::invalid_field(
            format!("{pointer}/members"),
            "only a group lists members",
        ));
    }
    for (index, member) in delegation.members.iter().enumerate() {
        if !valid_code(member) || *member == delegation.code {
            return Err(Error::invalid_field(
                format!("{pointer}/members/{index}"),
                format!("{member:?} is not a delegation code other than the group's own"),
            ));
        }
    }
    Ok(())
}

/// A process as a caller sees it: everyone its shape, the documents and rounds only those who
/// may read them.
#[derive(Clone, Debug)]
pub struct Overview {
    pub process: ProcessInfo,
    pub delegations: Vec<Delegation>,
    pub documents: Vec<DocumentInfo>,
    /// Empty for a caller who may not read rounds.
    pub rounds: Vec<RoundInfo>,
}

pub fn overview(r: &Reader<'_>, caller: &Caller, process: &str) -> Result<Overview, Error> {
    let info = r.process(process)?;
    let delegations = authorize_on(r, caller, process, Action::ReadProcess)?;
    let may_read_rounds = allows(
        caller,
        &delegations,
        None,
        Action::ReadRound,
        Phase::NoRound,
    );
    // A LIMITE document's very title is for those who may read it.
    let documents = r
        .documents(process)?
        .into_iter()
        .filter(|d| {
            allows(
                caller,
                &delegations,
                None,
                crate::access::read_action(d),
                Phase::NoRound,
            )
        })
        .collect();
    Ok(Overview {
        process: info,
        documents,
        rounds: if may_read_rounds {
            r.rounds(process)?
        } else {
            Vec::new()
        },
        delegations,
    })
}

/// The process's delegations.
pub fn delegations(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
) -> Result<Vec<Delegation>, Error> {
    authorize_on(r, caller, process, Action::ReadProcess)
}

/// Adds a delegation to a process (one with its code already there is a conflict: what a
/// delegation is in a process is never rewritten).
pub fn put_delegation(
    w: &Writer<'_>,
    caller: &Caller,
    process: &str,
    delegation: &Delegation,
    now: i64,
) -> Result<(), Error> {
    authorize_on(w, caller, process, Action::PutDelegation)?;
    check_delegation("", delegation)?;
    w.add_delegation(process, delegation, &caller.actor(), now)?;
    Ok(())
}
