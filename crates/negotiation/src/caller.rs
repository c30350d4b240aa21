//! Who is acting: a [`Caller`] (the person behind a token or a CLI command) and the [`Role`]
//! their credential says they may have. What the caller may do in a process also depends on
//! what their delegation is there; [`crate::access`] puts the two together.

use serde::{Deserialize, Serialize};

/// What a token allows its bearer to do (see [`crate::policy`] for the rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sets up processes and their delegations.
    Admin,
    /// The chairmanship: opens and closes rounds, decides, consolidates, uploads versions.
    Chair,
    /// Works for the chairmanship, with the same rights.
    Secretariat,
    /// Writes its own delegation's submissions.
    Delegate,
    /// Reads what its delegation may read; never writes.
    Observer,
    /// Reads redlines and blame (a working party); never writes.
    Reviewer,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Chair,
        Role::Secretariat,
        Role::Delegate,
        Role::Observer,
        Role::Reviewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Chair => "chair",
            Role::Secretariat => "secretariat",
            Role::Delegate => "delegate",
            Role::Observer => "observer",
            Role::Reviewer => "reviewer",
        }
    }

    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == name)
    }

    /// Roles whose every action is on behalf of a delegation, so their tokens must name one.
    pub fn needs_delegation(self) -> bool {
        matches!(self, Role::Delegate | Role::Observer)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The person acting in one request or command: who they are, what their credential says they
/// may be, and for which delegation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Caller {
    pub sub: String,
    pub role: Role,
    pub delegation: Option<String>,
}

impl Caller {
    /// The actor recorded in the audit log.
    pub fn actor(&self) -> penholder_store::Actor {
        penholder_store::Actor::new(
            self.sub.clone(),
            self.delegation.as_deref(),
            self.role.as_str(),
        )
    }
}
