//! Request extractors that fail with problem+json instead of axum's plain-text rejections:
//! the caller ([`Principal`]), path and query parameters, and request bodies ([`Body`]) with
//! their size limit, media type, idempotency key and receipt hash.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use penholder_core::ContentHash;
use serde::de::DeserializeOwned;

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
            ApiError::Unauthorized("no bearer token: send Authorization: Bearer <token>".into())
        })?;
        let text = header
            .to_str()
            .map_err(|_| ApiError::Unauthorized("the Authorization header is not ASCII".into()))?;
        let (scheme, token) = text.split_once(' ').unwrap_or((text, ""));
        if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
            return Err(ApiError::Unauthorized(
                "the Authorization header must be `Bearer <token>`".into(),
            ));
        }
        let principal = state
            .verifier()
            .verify(token.trim(), state.now().div_euclid(1000))
            .map_err(|e| ApiError::Unauthorized(e.0))?;
        // Into the request's log line (the span the trace layer opened for it).
        let span = tracing::Span::current();
        span.record("delegation", principal.delegation.as_deref().unwrap_or("-"));
        span.record("sub", principal.sub.as_str());
        Ok(principal)
    }
}

/// Path parameters; a value that does not parse (a round number `abc`) names no resource: 404.
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|e| ApiError::NotFound(format!("no such resource: {}", e.body_text())))
    }
}

/// Query parameters; malformed ones are a 400 saying which.
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| ApiError::BadRequest(format!("invalid query: {}", e.body_text())))
    }
}

/// A request body, read whole within the configured limit, with what writes need to know
/// about it.
#[derive(Clone, Debug)]
pub struct Body {
    pub bytes: Bytes,
    /// SHA-256 of the bytes: a submission's receipt, an idempotent request's fingerprint.
    pub hash: ContentHash,
    pub idempotency_key: Option<String>,
    pub method: Method,
    pub path: String,
    /// The body is a Word file (its media type is DOCX's): the routes that take one read it,
    /// the others refuse it as they refuse any body that is not their JSON.
    pub docx: bool,
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 255)
        .ok_or_else(|| {
            ApiError::BadRequest(
                "the Idempotency-Key header must be 1 to 255 visible ASCII characters".into(),
            )
        })?;
    Ok(Some(key.trim_matches('"').to_string()))
}

impl FromRequest<AppState> for Body {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let mut docx = false;
        if let Some(content_type) = request.headers().get(header::CONTENT_TYPE) {
            let media = content_type
                .to_str()
                .unwrap_or("")
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            docx = media == penholder_negotiation::word::DOCX_MEDIA_TYPE;
            if media != "application/json" && !media.ends_with("+json") && !docx {
                return Err(ApiError::UnsupportedMediaType(format!(
                    "the request body must be application/json, not {media}"
                )));
            }
        }
        let idempotency_key = idempotency_key(request.headers())?;
        let method = request.method().clone();
        let path = request.uri().path().to_string();
        let limit = state.config().body_limit;
        let deadline = state.config().body_timeout;
        let bytes = tokio::time::timeout(deadline, Bytes::from_request(request, state))
            .await
            .map_err(|_elapsed| {
                ApiError::RequestTimeout(format!(
                    "the request body did not arrive within {} s of its headers; send it whole, \
                     or in smaller parts",
                    deadline.as_secs_f64()
                ))
            })?
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge { limit }
                } else {
                    ApiError::BadRequest(format!(
                        "the request body could not be read: {}",
                        rejection.body_text()
                    ))
                }
            })?;
        Ok(Body {
            hash: ContentHash::of(&bytes),
            bytes,
            idempotency_key,
            method,
            path,
            docx,
        })
    }
}

impl Body {
    /// The body as `T`: 400 when it is not JSON at all, 422 when it is JSON of the wrong shape
    /// (a missing or unknown field, a wrong type), naming the place.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        if self.docx {
            return Err(ApiError::UnsupportedMediaType(
                "this request takes application/json; a .docx is read only as a delegation's submission (PUT …/rounds/{r}/submissions/{d}) or a chair's revised text (POST …/documents/{d}/versions?label=…)".into(),
            ));
        }
        parse_json(&self.bytes, "")
    }
}

/// Parses JSON, telling malformed text (400) from a wrong shape (422): the application
/// layer's reading, mapped to HTTP.
pub fn parse_json<'de, T: serde::Deserialize<'de>>(
    bytes: &'de [u8],
    pointer: &str,
) -> Result<T, ApiError> {
    Ok(penholder_negotiation::error::parse_json(bytes, pointer)?)
}
