//! Web sessions: a person signs in to the web front once (with a one-time link an admin minted,
//! or by pasting a bearer token) and then acts as the caller that credential named, through a
//! session cookie, until the session expires or they sign out.
//!
//! The session keeps the claims of the credential (subject, role, delegation), so every page
//! is authorized by the same policy, from the same identity, as the API. The cookie itself is
//! random and never stored: the store keeps its SHA-256, handed in by the edge (which also
//! draws the cookie and the CSRF token), so a copy of the database cannot sign anyone in.
//! Sessions live in the database, so that every server sharing it honours them.

use crate::caller::{Caller, Role};
use crate::error::Error;
use penholder_store::{Reader, WebSession, Writer};

/// How long a session lasts at most (it never outlives the credential it was opened with).
pub const SESSION_LIFETIME_MS: i64 = 8 * 3600 * 1000;

/// A session as a page sees it: who acts, and the token each of its forms must carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub caller: Caller,
    pub csrf: String,
    pub expires_at: i64,
}

/// Marks the one-time sign-in link `link_id` (valid until `link_expires_at`) used. A link is
/// used once, whichever server of a shared database sees it first: a second use is refused.
pub fn use_link(
    w: &Writer<'_>,
    link_id: &str,
    link_expires_at: i64,
    now: i64,
) -> Result<(), Error> {
    if link_id.trim().is_empty() {
        return Err(Error::Forbidden(
            "this sign-in link has no id (jti): ask for a new link made by `penholder token --link`"
                .into(),
        ));
    }
    if w.use_sign_in_link(link_id, link_expires_at, now)? {
        Ok(())
    } else {
        Err(Error::Conflict(
            "this sign-in link was already used: a link signs in once; ask for a new one".into(),
        ))
    }
}

/// Opens a session for `caller` under the cookie hashed to `id_hash`, ending at the sooner of
/// the credential's expiry and [`SESSION_LIFETIME_MS`] from `now`.
pub fn open(
    w: &Writer<'_>,
    caller: &Caller,
    id_hash: &[u8],
    csrf: &str,
    credential_expires_at: i64,
    now: i64,
) -> Result<Session, Error> {
    let expires_at = credential_expires_at.min(now.saturating_add(SESSION_LIFETIME_MS));
    if expires_at <= now {
        return Err(Error::Forbidden(
            "this credential has expired: ask for a new sign-in link or token".into(),
        ));
    }
    let stored = WebSession {
        subject: caller.sub.clone(),
        role: caller.role.as_str().to_string(),
        delegation: caller.delegation.clone(),
        csrf: csrf.to_string(),
        created_at: now,
        expires_at,
    };
    w.open_web_session(id_hash, &stored, now)?;
    Ok(Session {
        caller: caller.clone(),
        csrf: csrf.to_string(),
        expires_at,
    })
}

/// The session under the cookie hashed to `id_hash`, if it is open at `now`.
pub fn find(r: &Reader<'_>, id_hash: &[u8], now: i64) -> Result<Option<Session>, Error> {
    let Some(stored) = r.web_session(id_hash, now)? else {
        return Ok(None);
    };
    // A role this build does not know (a database shared with a newer server) signs no one in.
    let Some(role) = Role::parse(&stored.role) else {
        return Ok(None);
    };
    Ok(Some(Session {
        caller: Caller {
            sub: stored.subject,
            role,
            delegation: stored.delegation,
        },
        csrf: stored.csrf,
        expires_at: stored.expires_at,
    }))
}

/// Ends the session under the cookie hashed to `id_hash` (signing out); ending one that is
/// already gone is not an error.
pub fn close(w: &Writer<'_>, id_hash: &[u8]) -> Result<(), Error> {
    Ok(w.close_web_session(id_hash)?)
}
