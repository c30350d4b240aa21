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
        compilations: state.compilations().clone(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{TokenScope, Verifier};
    use crate::clock::ManualClock;
    use crate::state::ServerConfig;
    use penholder_store::Store;

    #[test]
    fn the_front_and_the_api_keep_one_set_of_compilations() {
        let state = AppState::new(
            Store::open_in_memory().expect("store"),
            Verifier::hs256(&[7u8; 32], &TokenScope::default()).expect("secret"),
            Arc::new(ManualClock::new(0)),
            ServerConfig::default(),
        );
        assert!(Arc::ptr_eq(
            &front(&state).compilations,
            state.compilations()
        ));
    }
}
