//! Refusals, mapped once: a use case's [`penholder_negotiation::Error`] becomes a 4xx page that
//! says what to do (a browser shows it), or an `application/problem+json` document for the
//! preview endpoint, which a script reads. Faults of penholder itself are logged and shown
//! without their detail.

use crate::i18n::Lang;
use crate::pages;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use penholder_negotiation::Error;
use penholder_store::StoreError;

/// A request the front refuses (or could not serve), with the language to say it in.
#[derive(Debug)]
pub struct WebError {
    pub status: StatusCode,
    pub detail: String,
    pub lang: Lang,
    /// Answer as problem+json (for scripts) rather than a page.
    pub json: bool,
}

/// A use case's refusal as the page that says it, in the reader's language: for handlers that
/// answer `Result<Response, Response>`.
pub(crate) fn refused(lang: Lang) -> impl Fn(Error) -> Response {
    move |error| WebError::from_use_case(error, lang).into_response()
}

impl WebError {
    pub fn new(status: StatusCode, detail: impl Into<String>, lang: Lang) -> WebError {
        WebError {
            status,
            detail: detail.into(),
            lang,
            json: false,
        }
    }

    pub fn bad_request(detail: impl Into<String>, lang: Lang) -> WebError {
        WebError::new(StatusCode::BAD_REQUEST, detail, lang)
    }

    pub fn as_json(mut self) -> WebError {
        self.json = true;
        self
    }

    /// A use case's refusal.
    pub fn from_use_case(error: Error, lang: Lang) -> WebError {
        let (status, detail) = match error {
            Error::Malformed(detail) => (StatusCode::BAD_REQUEST, detail),
            Error::Forbidden(detail) => (StatusCode::FORBIDDEN, detail),
            Error::NotFound(detail) => (StatusCode::NOT_FOUND, detail),
            Error::Conflict(detail) => (StatusCode::CONFLICT, detail),
            Error::WrongState(detail) | Error::NotAgreed(detail) => (StatusCode::CONFLICT, detail),
            Error::PreconditionFailed(detail) => (StatusCode::PRECONDITION_FAILED, detail),
            Error::Invalid { detail, problems } => {
                let mut text = detail;
                for problem in problems {
                    if !text.contains(&problem.detail) {
                        text.push_str(&format!("; {}: {}", problem.pointer, problem.detail));
                    }
                }
                (StatusCode::UNPROCESSABLE_ENTITY, text)
            }
            Error::Fault(detail) => {
                tracing::error!(%detail, "a fault of penholder served by the web front");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "penholder failed to do this; the operator finds the cause in its log".into(),
                )
            }
            Error::Store(error) => return WebError::from_store(error, lang),
        };
        WebError::new(status, detail, lang)
    }

    pub fn from_store(error: StoreError, lang: Lang) -> WebError {
        let (status, detail) = match error {
            StoreError::NotFound { what } => (StatusCode::NOT_FOUND, format!("{what} not found")),
            StoreError::Conflict { detail } => (StatusCode::CONFLICT, detail),
            StoreError::WrongRoundState {
                round,
                state,
                needed,
                ..
            } => (
                StatusCode::CONFLICT,
                format!(
                    "round {round} is {} but this needs it {needed}",
                    state.as_str()
                ),
            ),
            StoreError::Invalid { detail } => (StatusCode::UNPROCESSABLE_ENTITY, detail),
            StoreError::Unavailable { .. } => (
                StatusCode::SERVICE_UNAVAILABLE,
                "the database is unavailable for a moment; try again shortly".into(),
            ),
            StoreError::Full { .. } => (
                StatusCode::INSUFFICIENT_STORAGE,
                "the server's disk is full, so nothing was stored; the operator must free space"
                    .into(),
            ),
            StoreError::Corrupt { detail } | StoreError::Internal { detail } => {
                tracing::error!(%detail, "a store fault served by the web front");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "penholder failed to do this; the operator finds the cause in its log".into(),
                )
            }
        };
        WebError::new(status, detail, lang)
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if self.json {
            let body = serde_json::json!({
                "type": "about:blank",
                "title": self.status.canonical_reason().unwrap_or("Error"),
                "status": self.status.as_u16(),
                "detail": self.detail,
            });
            let mut response = (self.status, body.to_string()).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/problem+json"),
            );
            return response;
        }
        let page = pages::error_page(self.lang, self.status, &self.detail);
        (self.status, page).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_keep_their_detail_and_faults_hide_theirs() {
        let refused = WebError::from_use_case(Error::Forbidden("not yours".into()), Lang::En);
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(refused.detail, "not yours");
        let fault = WebError::from_use_case(Error::Fault("secret path /x".into()), Lang::En);
        assert_eq!(fault.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!fault.detail.contains("/x"), "{}", fault.detail);
        let late = WebError::from_use_case(Error::WrongState("closed".into()), Lang::Fr);
        assert_eq!(late.status, StatusCode::CONFLICT);
    }
}
