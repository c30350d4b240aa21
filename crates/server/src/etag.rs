//! Entity tags and conditional requests, one helper for every endpoint that has them.
//!
//! A tag is computed from what the answer is a function of (a version's content hash, a
//! round's revision count, the format chosen…), never from the rendered bytes: answering
//! `If-None-Match` with 304 then costs a few store reads and a hash of a few hundred bytes,
//! and no rendering. Tags are strong: two answers with one tag have the same content (the
//! generation stamp printed in rendered files is the one thing left out, by design).
//! Representations differ by `Accept`, so every tagged answer says `Vary: Accept`.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// A strong entity tag, quoted as it goes on the wire (`"3f1c…"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntityTag(String);

impl EntityTag {
    /// The tag of an answer that is a function of `parts` alone (each part hashed with its
    /// length, so that `("ab", "c")` and `("a", "bc")` differ).
    pub fn of(parts: &[&[u8]]) -> EntityTag {
        let mut hasher = Sha256::new();
        for part in parts {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part);
        }
        let digest = hasher.finalize();
        // 128 bits: far more than enough to tell the versions of one resource apart.
        EntityTag(format!("\"{}\"", hex::encode(&digest[..16])))
    }

    /// A tag that is a revision counter (`"3"`), as submissions and decisions have.
    pub fn revision(number: u64) -> EntityTag {
        EntityTag(format!("\"{number}\""))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The tag's value between the quotes.
    fn opaque(&self) -> &str {
        self.0.trim_matches('"')
    }

    /// Whether a list of entity tags (an `If-None-Match` or `If-Match` value) names this tag,
    /// `*` included. Weak tags compare by their opaque part, as `If-None-Match` asks (RFC
    /// 9110 §13.1.2).
    pub fn listed_in(&self, list: &str) -> bool {
        list.split(',').map(str::trim).any(|candidate| {
            candidate == "*"
                || candidate.trim_start_matches("W/").trim_matches('"') == self.opaque()
        })
    }

    /// Whether the request's `If-None-Match` names this tag: the client holds the current
    /// answer, and a 304 is due.
    pub fn is_fresh_for(&self, headers: &HeaderMap) -> bool {
        headers
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .any(|list| self.listed_in(list))
    }

    /// 304 Not Modified with this tag.
    pub fn not_modified(&self) -> Response {
        self.attach(StatusCode::NOT_MODIFIED.into_response())
    }

    /// `response` with this tag and `Vary: Accept`.
    pub fn attach(&self, mut response: Response) -> Response {
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&self.0) {
            headers.insert(header::ETAG, value);
        }
        headers.insert(header::VARY, HeaderValue::from_static("accept"));
        response
    }

    /// The answer for a request with `headers`: 304 when the client holds it already, else
    /// what `answer` gives, tagged. `answer` (the rendering) runs only when needed.
    pub async fn answer<F, E>(self, headers: &HeaderMap, answer: F) -> Result<Response, E>
    where
        F: Future<Output = Result<Response, E>>,
    {
        if self.is_fresh_for(headers) {
            return Ok(self.not_modified());
        }
        Ok(self.attach(answer.await?))
    }
}

/// What a write's `If-Match` / `If-None-Match` ask of the resource's current revision, for
/// resources tagged by a revision counter ([`EntityTag::revision`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteCondition {
    /// No condition.
    Any,
    /// `If-Match: "N"`: the current revision must be N.
    Revision(u64),
    /// `If-Match: *`: something must exist.
    Exists,
    /// `If-None-Match: *`: nothing may exist yet.
    Absent,
}

impl WriteCondition {
    /// The condition a write's headers state. `what` names the resource in errors ("this
    /// decision"). A tag that no revision of it ever had fails the precondition (412), as
    /// RFC 9110 has it; a header that is not ASCII is a malformed request (400).
    pub fn of(headers: &HeaderMap, what: &str) -> Result<WriteCondition, crate::error::ApiError> {
        use crate::error::ApiError;
        let read = |name: header::HeaderName| -> Result<Option<String>, ApiError> {
            headers
                .get(&name)
                .map(|v| {
                    v.to_str().map(|s| s.trim().to_string()).map_err(|_| {
                        ApiError::BadRequest(format!("the {name} header is not ASCII"))
                    })
                })
                .transpose()
        };
        if let Some(value) = read(header::IF_MATCH)? {
            if value == "*" {
                return Ok(WriteCondition::Exists);
            }
            let tag = value.trim_start_matches("W/").trim_matches('"');
            return tag
                .parse::<u64>()
                .map(WriteCondition::Revision)
                .map_err(|_| {
                    ApiError::PreconditionFailed(format!(
                        "If-Match {value} is not an ETag of {what} (they look like \"3\": \
                         take it from the ETag header or the `sequence` field)"
                    ))
                });
        }
        if let Some(value) = read(header::IF_NONE_MATCH)? {
            if value == "*" {
                return Ok(WriteCondition::Absent);
            }
            return Err(ApiError::BadRequest(format!(
                "on a write, If-None-Match only takes * (only if {what} does not exist yet)"
            )));
        }
        Ok(WriteCondition::Any)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_functions_of_their_parts() {
        let tag = EntityTag::of(&[b"version", b"7"]);
        assert_eq!(tag, EntityTag::of(&[b"version", b"7"]));
        assert_ne!(tag, EntityTag::of(&[b"version", b"8"]));
        assert_ne!(EntityTag::of(&[b"ab", b"c"]), EntityTag::of(&[b"a", b"bc"]));
        assert!(tag.as_str().starts_with('"') && tag.as_str().ends_with('"'));
        assert_eq!(tag.as_str().len(), 34);
    }

    #[test]
    fn if_none_match_lists_are_read_as_rfc_9110_writes_them() {
        let tag = EntityTag::revision(3);
        assert!(tag.listed_in("\"3\""));
        assert!(tag.listed_in("W/\"3\""));
        assert!(tag.listed_in("\"1\", \"3\""));
        assert!(tag.listed_in("*"));
        assert!(!tag.listed_in("\"2\""));
        assert!(!tag.listed_in(""));
        let mut headers = HeaderMap::new();
        assert!(!tag.is_fresh_for(&headers));
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"3\""));
        assert!(tag.is_fresh_for(&headers));
    }

    #[test]
    fn write_conditions_read_if_match_and_if_none_match() {
        let condition = |name: &'static str, value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(name, HeaderValue::from_static(value));
            WriteCondition::of(&headers, "this decision")
        };
        assert_eq!(
            WriteCondition::of(&HeaderMap::new(), "it"),
            Ok(WriteCondition::Any)
        );
        assert_eq!(
            condition("if-match", "\"7\""),
            Ok(WriteCondition::Revision(7))
        );
        assert_eq!(
            condition("if-match", "W/\"7\""),
            Ok(WriteCondition::Revision(7))
        );
        assert_eq!(condition("if-match", "*"), Ok(WriteCondition::Exists));
        assert_eq!(condition("if-none-match", "*"), Ok(WriteCondition::Absent));
        assert_eq!(
            condition("if-match", "\"abc\"").map_err(|e| e.status().as_u16()),
            Err(412)
        );
        assert_eq!(
            condition("if-none-match", "\"1\"").map_err(|e| e.status().as_u16()),
            Err(400)
        );
    }

    #[test]
    fn a_304_carries_the_tag_and_vary() {
        let response = EntityTag::revision(5).not_modified();
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(response.headers()[header::ETAG], "\"5\"");
        assert_eq!(response.headers()[header::VARY], "accept");
    }
}
