//! The web front (`penholder_web`) on this server's state: its store, its clock and its token
//! checks, so that a page acts for exactly the caller an API request with the same token would.

use crate::state::AppState;
use penholder_web::{Checked, Credentials, Front};
use std::sync::Arc;

/// The front's view of `state`.
pub fn front(state: &AppState) -> Front {
    let clock = state.clone();
    Front {
        store: state.store().clone(),
        clock: Arc::new(move || clock.now()),
        credentials: Arc::new(ServerCredentials(state.clone())),
    }
}

struct ServerCredentials(AppState);

impl Credentials for ServerCredentials {
    fn bearer(&self, token: &str, now: i64) -> Result<Checked, String> {
        let (caller, expires) = self
            .0
            .verifier()
            .verify_until(token, now.div_euclid(1000))
            .map_err(|e| e.0)?;
        Ok(Checked {
            caller,
            expires_at: expires.saturating_mul(1000),
        })
    }

    fn link(&self, token: &str, now: i64) -> Result<(Checked, String), String> {
        let (caller, expires, link) = self
            .0
            .verifier()
            .verify_link(token, now.div_euclid(1000))
            .map_err(|e| e.0)?;
        Ok((
            Checked {
                caller,
                expires_at: expires.saturating_mul(1000),
            },
            link,
        ))
    }
}
