//! Every error the API returns, and the one place where each becomes an HTTP response:
//! `application/problem+json` (RFC 9457) with `type`, `title`, `status`, `detail`, `instance`
//! and, for validation errors, an `errors` array naming the item and the reference at fault.
//!
//! Server faults (5xx) are logged with their details and shown to the client without them.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use penholder_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// One thing wrong in a request body: which item (by index) and which reference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// A JSON pointer into the request body (`/items/3/node`).
    pub pointer: String,
    /// The index of the item at fault, when the error is about an item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<usize>,
    /// The reference or id that could not be resolved, when that is the fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub detail: String,
}

/// A problem details document (RFC 9457).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The request path the problem is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The request's id (its `x-request-id`), to quote when reporting the problem: the
    /// server's log line of the request carries it too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// Every way a request can fail.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{method} is not allowed here")]
    MethodNotAllowed { method: String },
    #[error("{0}")]
    NotAcceptable(String),
    #[error("{0}")]
    Conflict(String),
    /// The round is not in the state the request needs (late submission, decision on an open
    /// round); the detail carries the deadline.
    #[error("{0}")]
    WrongState(String),
    /// The text cannot be adopted while a paragraph is not agreed or a reservation stands.
    #[error("{0}")]
    NotAgreed(String),
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("the request body is larger than the limit of {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The client did not finish sending its request in time (a slow or stalled body).
    #[error("{0}")]
    RequestTimeout(String),
    #[error(
        "the request's headers are {size} bytes, more than the limit of {limit}; a bearer token \
         is a few hundred bytes"
    )]
    HeadersTooLarge { size: usize, limit: usize },
    #[error("{detail}")]
    Validation {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("{0}")]
    Unavailable(String),
    /// The database's disk is full: nothing was stored, and only the operator can end it
    /// (507 Insufficient Storage, RFC 4918), so it is not a 503 that invites retries.
    #[error("{0}")]
    InsufficientStorage(String),
    /// A fault of the server: the text is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn validation(detail: impl Into<String>, errors: Vec<FieldError>) -> ApiError {
        ApiError::Validation {
            detail: detail.into(),
            errors,
        }
    }

    /// 422 about one field.
    pub fn invalid_field(pointer: impl Into<String>, detail: impl Into<String>) -> ApiError {
        let detail = detail.into();
        ApiError::validation(
            detail.clone(),
            vec![FieldError {
                pointer: pointer.into(),
                item: None,
                reference: None,
                detail,
            }],
        )
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            ApiError::Conflict(_) | ApiError::WrongState(_) | ApiError::NotAgreed(_) => {
                StatusCode::CONFLICT
            }
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::HeadersTooLarge { .. } => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::InsufficientStorage(_) => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn slug(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "malformed-request",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not-found",
            ApiError::MethodNotAllowed { .. } => "method-not-allowed",
            ApiError::NotAcceptable(_) => "not-acceptable",
            ApiError::Conflict(_) => "conflict",
            ApiError::WrongState(_) => "wrong-round-state",
            ApiError::NotAgreed(_) => "text-not-agreed",
            ApiError::PreconditionFailed(_) => "precondition-failed",
            ApiError::PayloadTooLarge { .. } => "payload-too-large",
            ApiError::UnsupportedMediaType(_) => "unsupported-media-type",
            ApiError::RequestTimeout(_) => "request-timeout",
            ApiError::HeadersTooLarge { .. } => "headers-too-large",
            ApiError::Validation { .. } => "validation",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::InsufficientStorage(_) => "insufficient-storage",
            ApiError::Internal(_) => "internal",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "The request is malformed",
            ApiError::Unauthorized(_) => "A valid bearer token is required",
            ApiError::Forbidden(_) => "Not allowed for this caller",
            ApiError::NotFound(_) => "Not found",
            ApiError::MethodNotAllowed { .. } => "Method not allowed",
            ApiError::NotAcceptable(_) => "Format not available",
            ApiError::Conflict(_) => "Conflict with the stored state",
            ApiError::WrongState(_) => "Not possible in the round's current state",
            ApiError::NotAgreed(_) => "The text is not agreed yet",
            ApiError::PreconditionFailed(_) => "Precondition failed",
            ApiError::PayloadTooLarge { .. } => "Request body too large",
            ApiError::UnsupportedMediaType(_) => "Unsupported media type",
            ApiError::RequestTimeout(_) => "The request did not arrive in time",
            ApiError::HeadersTooLarge { .. } => "Request headers too large",
            ApiError::Validation { .. } => "The request is not valid",
            ApiError::Unavailable(_) => "Temporarily unavailable",
            ApiError::InsufficientStorage(_) => "The server's storage is full",
            ApiError::Internal(_) => "Internal server error",
        }
    }

    /// The problem document for this error (without `instance`, which the middleware adds).
    pub fn problem(&self) -> Problem {
        let detail = match self {
            // Nothing of a server fault reaches the client.
            ApiError::Internal(_) => {
                "the server could not complete the request; it has been logged".to_string()
            }
            other => other.to_string(),
        };
        Problem {
            kind: format!("urn:penholder:problem:{}", self.slug()),
            title: self.title().to_string(),
            status: self.status().as_u16(),
            detail,
            instance: None,
            request_id: None,
            errors: match self {
                ApiError::Validation { errors, .. } => errors.clone(),
                _ => Vec::new(),
            },
        }
    }
}

/// Carried in the response's extensions so the request middleware can add `instance` and log
/// the detail of server faults.
#[derive(Clone, Debug)]
pub struct ProblemReport {
    pub problem: Problem,
    /// The logged-only detail of a 5xx.
    pub internal: Option<String>,
}

/// The problem+json response for a problem document.
pub fn problem_response(problem: &Problem) -> Response {
    let body = serde_json::to_vec(problem).unwrap_or_else(|_| b"{}".to_vec());
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

/// Quotes a text for an HTTP auth-param (no quotes, backslashes or control characters).
fn auth_param(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() && *c != '"' && *c != '\\' && c.is_ascii())
        .collect()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = self.problem();
        let mut response = problem_response(&problem);
        match &self {
            ApiError::Unauthorized(description) => {
                let value = format!(
                    "Bearer realm=\"penholder\", error=\"invalid_token\", error_description=\"{}\"",
                    auth_param(description)
                );
                if let Ok(value) = HeaderValue::from_str(&value) {
                    response
                        .headers_mut()
                        .insert(header::WWW_AUTHENTICATE, value);
                }
            }
            ApiError::Unavailable(_) => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            _ => {}
        }
        response.extensions_mut().insert(ProblemReport {
            problem,
            internal: match &self {
                ApiError::Internal(detail) => Some(detail.clone()),
                _ => None,
            },
        });
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::NotFound { what } => ApiError::NotFound(format!("{what} not found")),
            StoreError::Conflict { detail } => ApiError::Conflict(detail),
            StoreError::WrongRoundState {
                round,
                state,
                needed,
                opens_at,
                closes_at,
            } => ApiError::WrongState(format!(
                "round {round} is {} but this needs it {needed} (it opens at {} and its deadline is {})",
                state.as_str(),
                crate::clock::rfc3339(opens_at),
                crate::clock::rfc3339(closes_at),
            )),
            StoreError::Invalid { detail } => ApiError::validation(detail, Vec::new()),
            StoreError::Unavailable { detail } => ApiError::Unavailable(detail),
            // The store's detail may name files: the operator finds it in the log (the
            // writer logs the first failure of each episode).
            StoreError::Full { .. } => ApiError::InsufficientStorage(
                "the disk holding the database is full, so nothing of this request was stored; \
                 the server's operator must free space on it. Writes resume by themselves once \
                 there is space: retrying then (with the same Idempotency-Key) is safe"
                    .into(),
            ),
            StoreError::Corrupt { detail } => {
                ApiError::Internal(format!("corrupt store: {detail}"))
            }
            StoreError::Internal { detail } => ApiError::Internal(detail),
        }
    }
}

/// The one mapping of the application layer's refusals to HTTP.
impl From<penholder_negotiation::Error> for ApiError {
    fn from(error: penholder_negotiation::Error) -> ApiError {
        use penholder_negotiation::Error;
        match error {
            Error::Malformed(detail) => ApiError::BadRequest(detail),
            Error::Forbidden(detail) => ApiError::Forbidden(detail),
            Error::NotFound(detail) => ApiError::NotFound(detail),
            Error::Conflict(detail) => ApiError::Conflict(detail),
            Error::WrongState(detail) => ApiError::WrongState(detail),
            Error::NotAgreed(detail) => ApiError::NotAgreed(detail),
            Error::PreconditionFailed(detail) => ApiError::PreconditionFailed(detail),
            Error::Invalid { detail, problems } => ApiError::validation(
                detail,
                problems
                    .into_iter()
                    .map(|p| FieldError {
                        pointer: p.pointer,
                        item: p.item,
                        reference: p.reference,
                        detail: p.detail,
                    })
                    .collect(),
            ),
            Error::Fault(detail) => ApiError::Internal(detail),
            Error::Store(error) => error.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_fault_shows_nothing_of_its_cause() {
        let error = ApiError::Internal("disk /var/lib/secret failed".into());
        let problem = error.problem();
        assert_eq!(problem.status, 500);
        assert!(!problem.detail.contains("secret"));
    }

    #[test]
    fn a_full_disk_is_507_and_says_what_to_do() {
        let error = ApiError::from(StoreError::Full {
            detail: "/var/lib/penholder/db: database or disk is full".into(),
        });
        let problem = error.problem();
        assert_eq!(problem.status, 507);
        assert_eq!(problem.kind, "urn:penholder:problem:insufficient-storage");
        assert!(problem.detail.contains("free space"), "{}", problem.detail);
        assert!(!problem.detail.contains("/var/lib"), "{}", problem.detail);
    }

    #[test]
    fn unauthorized_carries_www_authenticate() {
        let response = ApiError::Unauthorized("the \"token\" has expired".into()).into_response();
        let header = response.headers()[header::WWW_AUTHENTICATE]
            .to_str()
            .expect("ascii");
        assert_eq!(
            header,
            "Bearer realm=\"penholder\", error=\"invalid_token\", error_description=\"the token has expired\""
        );
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
    }
}
