//! The handlers, one module per resource. Every handler follows the same walk: authenticate
//! (the [`Principal`](crate::auth::Principal) extractor), read the request into the
//! application layer's values, make one call to a use case of `penholder_negotiation` (which
//! authorizes and reads or writes), and map what it gives to the wire. A write asks the use
//! case's authorization first on a snapshot, so that a refused caller hears so before anything
//! about their body; the write asks again in its transaction.

pub mod audit;
pub mod coalitions;
pub mod documents;
pub mod events;
pub mod negotiation;
pub mod processes;
pub mod rounds;
pub mod state;
pub mod submissions;
pub mod views;

use crate::error::ApiError;

/// Runs CPU-heavy engine work (compile, consolidate, redline, align) off the async workers.
pub async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(format!("engine task failed: {e}")))?
}

pub use penholder_negotiation::input::check_text;
