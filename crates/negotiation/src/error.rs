//! Every way a use case can refuse or fail, said so that the edge (HTTP, CLI, web) can show the
//! person what to fix. The server maps each variant to one status and problem type.

use penholder_store::StoreError;

/// One thing wrong in a request: where (a JSON pointer), which item and which reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    /// A JSON pointer into the request (`/items/3/node`).
    pub pointer: String,
    /// The index of the item at fault, when the problem is about an item.
    pub item: Option<usize>,
    /// The reference or id that could not be resolved, when that is the fault.
    pub reference: Option<String>,
    pub detail: String,
}

/// A use case's refusal or failure.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The request cannot be read at all (malformed JSON, an empty body).
    #[error("{0}")]
    Malformed(String),
    /// The caller may not do this here, whatever the time.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// The request clashes with what is recorded (a stale read, a duplicate).
    #[error("{0}")]
    Conflict(String),
    /// Allowed, but not while the round is where it is (the detail names its clock).
    #[error("{0}")]
    WrongState(String),
    /// The whole text cannot be adopted yet: a paragraph is not agreed or a reservation stands
    /// (the detail names them). Not the round's state but the text's, so a kind of its own.
    #[error("{0}")]
    NotAgreed(String),
    /// A precondition on the recorded revision did not hold (`If-Match`).
    #[error("{0}")]
    PreconditionFailed(String),
    /// The request is well-formed but not valid; every problem is listed.
    #[error("{detail}")]
    Invalid {
        detail: String,
        problems: Vec<FieldProblem>,
    },
    /// A fault of penholder itself (the engine refused its own result): not the caller's to
    /// fix; the edge logs the detail and shows none of it.
    #[error("{0}")]
    Fault(String),
    /// The store refused or failed (its own status: not found, conflict, unavailable…).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Error {
    /// Invalid, about one field.
    pub fn invalid_field(pointer: impl Into<String>, detail: impl Into<String>) -> Error {
        let detail = detail.into();
        Error::Invalid {
            detail: detail.clone(),
            problems: vec![FieldProblem {
                pointer: pointer.into(),
                item: None,
                reference: None,
                detail,
            }],
        }
    }

    /// Invalid, with every problem found; the detail sums them up.
    pub fn invalid(problems: Vec<FieldProblem>) -> Error {
        let detail = match problems.as_slice() {
            [one] => one.detail.clone(),
            [first, ..] => format!(
                "{} (and {} more problems)",
                first.detail,
                problems.len() - 1
            ),
            [] => "the request is not valid".into(),
        };
        Error::Invalid { detail, problems }
    }
}

/// Parses JSON, telling malformed text ([`Error::Malformed`]) from a wrong shape
/// ([`Error::Invalid`] at `pointer`).
pub fn parse_json<'de, T: serde::Deserialize<'de>>(
    bytes: &'de [u8],
    pointer: &str,
) -> Result<T, Error> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::Malformed(
            "the request body is empty; expected JSON".into(),
        ));
    }
    serde_json::from_slice(bytes).map_err(|error| {
        use serde_json::error::Category;
        match error.classify() {
            Category::Data => Error::invalid_field(
                if pointer.is_empty() { "/" } else { pointer },
                format!("the JSON does not fit: {error}"),
            ),
            Category::Syntax | Category::Eof | Category::Io => {
                Error::Malformed(format!("the request body is not valid JSON: {error}"))
            }
        }
    })
}
