//! The handlers, one module per resource. Every handler follows the same walk: authenticate
//! (the [`Principal`] extractor), read what the decision needs, ask [`policy::decide`], validate
//! the body, then read or write through the store.

pub mod audit;
pub mod documents;
pub mod negotiation;
pub mod processes;
pub mod rounds;
pub mod submissions;

use crate::error::ApiError;

pub use penholder_negotiation::access::{authorize, read_action, relation, target_exists};
pub use penholder_negotiation::chain::{VersionChain, applied_of, blame_of};

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

/// 422 unless `text` is a non-empty single-line-ish label of at most `max` characters.
pub fn check_text(pointer: &str, text: &str, max: usize) -> Result<(), ApiError> {
    if text.trim().is_empty() {
        return Err(ApiError::invalid_field(
            pointer,
            format!("{pointer} must not be empty"),
        ));
    }
    if text.chars().count() > max {
        return Err(ApiError::invalid_field(
            pointer,
            format!("{pointer} is longer than {max} characters"),
        ));
    }
    Ok(())
}
