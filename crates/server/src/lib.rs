//! penholder's HTTP API: the only crate that knows HTTP and JWT.
//!
//! [`router`] builds the API of `DESIGN.md` on an [`AppState`] (store, clock, token verifier,
//! settings); [`serve`] runs it on a listener: connections limited and timed out, a deadline on
//! shutdown. Every request walks the same path: the bearer token becomes a [`Principal`]; [`policy::decide`] — the whole
//! authorization policy, as data — judges the action; the body is validated (unknown fields
//! refused, nodes resolved by id or reference); the store writes in one transaction with its
//! audit entry. Every error is `application/problem+json`, mapped in [`error`].
//!
//! Only what the edges need is public (the router, the state, tokens, wire types and errors):
//! the handlers, caches and extractors are private, so the CLI and the fuzz targets call the
//! application layer (`penholder-negotiation`), never a route.
//!
//! Architecture invariant: no SQL here (the store's interface only), no HTTP below this crate.

mod app;
pub mod auth;
pub mod error;
mod etag;
mod events;
mod extract;
mod formats;
mod front;
mod listener;
mod live;
mod openapi;
mod page;
pub mod pieces;
mod routes;
pub mod seal;
mod state;
pub mod wire;
pub mod wire_brackets;
pub mod wire_coalition;
pub mod wire_events;
pub mod wire_state;
pub mod wire_views;

pub use app::router;
pub use auth::{KeyAlgorithm, Minter, Principal, Role, TokenScope, Verifier};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{ApiError, Problem};
pub use events::{EventsConfig, SIGNATURE_HEADER, signature};
pub use listener::serve;
pub use penholder_negotiation::{clock, policy};
pub use state::{AppState, ConnectionLimits, ServerConfig};
