//! The participants' tokens: minted in-process with the server's own [`Minter`] and the key the
//! server is configured with, one per participant and role, as each would get it from the
//! process's administrator.

use super::http::Caller;
use anyhow::Context;
use penholder_server::{Minter, Role};

/// How long the replay's tokens live: long enough for any replay, short enough to be useless
/// later.
const TTL_SECONDS: i64 = 2 * 3600;

/// Mints the replay's tokens.
pub struct Tokens {
    minter: Minter,
}

fn now_seconds() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

impl Tokens {
    pub fn new(minter: Minter) -> Tokens {
        Tokens { minter }
    }

    fn caller(
        &self,
        name: String,
        sub: &str,
        role: Role,
        delegation: Option<&str>,
    ) -> anyhow::Result<Caller> {
        let token = self
            .minter
            .mint(sub, role, delegation, now_seconds(), TTL_SECONDS)
            .with_context(|| format!("cannot mint the token of {name}"))?;
        Ok(Caller { name, token })
    }

    /// The administrator who sets up the process.
    pub fn admin(&self) -> anyhow::Result<Caller> {
        self.caller("admin".into(), "replay-admin", Role::Admin, None)
    }

    /// The chairmanship, acting for its delegation (`TR`).
    pub fn chair(&self, delegation: &str) -> anyhow::Result<Caller> {
        self.caller(
            format!("chair ({delegation})"),
            &format!("chair-{}", delegation.to_ascii_lowercase()),
            Role::Chair,
            Some(delegation),
        )
    }

    /// A delegate writing its own delegation's feedback.
    pub fn delegate(&self, delegation: &str) -> anyhow::Result<Caller> {
        self.caller(
            format!("delegate {delegation}"),
            &format!("delegate-{}", delegation.to_ascii_lowercase()),
            Role::Delegate,
            Some(delegation),
        )
    }
}
