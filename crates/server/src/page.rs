//! Pagination, one scheme for every list: `?limit=&cursor=`, the next page's URL in a
//! `Link: <…>; rel="next"` header and, where the list's body is an object, in its `next`
//! field; no next page, no link. A cursor names the last item of the page before (opaque
//! to clients: base64url of the item's key), so that a page never repeats or skips an
//! item because others were added after it.

use crate::error::ApiError;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use utoipa::IntoParams;

/// Items per page when the request does not say.
pub const DEFAULT_LIMIT: usize = 100;
/// The most items a page holds.
pub const MAX_LIMIT: usize = 1000;

/// The page a request asks for.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// At most this many items (1 to 1000; 100 when absent).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
    /// Where to go on: the `cursor` of the previous page's `next` link (absent: from the
    /// start).
    pub cursor: Option<String>,
}

/// One page of a list, and the URL of the next one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The next page's URL (path and query), when there are more items.
    pub next: Option<String>,
}

impl PageQuery {
    /// The page size asked for: 400 outside 1..=[`MAX_LIMIT`].
    pub fn limit(&self) -> Result<usize, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(limit) if (1..=MAX_LIMIT as u64).contains(&limit) => Ok(limit as usize),
            Some(limit) => Err(ApiError::BadRequest(format!(
                "limit={limit} is out of range: ask for 1 to {MAX_LIMIT} items (default \
                 {DEFAULT_LIMIT})"
            ))),
        }
    }

    /// The key the cursor names, if any: 400 when it is not one this server made.
    pub fn after(&self) -> Result<Option<String>, ApiError> {
        let Some(cursor) = &self.cursor else {
            return Ok(None);
        };
        URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .map(Some)
            .ok_or_else(|| malformed_cursor(cursor))
    }

    /// The page of `items` (in the list's order) after the cursor, whose keys `key` gives,
    /// for the list at `path` (the next link's base). 400 when the cursor names no item.
    pub fn page<T>(
        &self,
        items: Vec<T>,
        path: &str,
        key: impl Fn(&T) -> String,
    ) -> Result<Page<T>, ApiError> {
        let limit = self.limit()?;
        let start = match self.after()? {
            None => 0,
            Some(after) => {
                items
                    .iter()
                    .position(|item| key(item) == after)
                    .ok_or_else(|| malformed_cursor(self.cursor.as_deref().unwrap_or_default()))?
                    + 1
            }
        };
        let more = items.len() > start + limit;
        let items: Vec<T> = items.into_iter().skip(start).take(limit).collect();
        let next = match items.last() {
            Some(last) if more => Some(next_link(path, limit, &key(last))),
            _ => None,
        };
        Ok(Page { items, next })
    }
}

/// The URL of the page after the item with key `last`.
pub fn next_link(path: &str, limit: usize, last: &str) -> String {
    format!(
        "{path}?limit={limit}&cursor={}",
        URL_SAFE_NO_PAD.encode(last.as_bytes())
    )
}

fn malformed_cursor(cursor: &str) -> ApiError {
    ApiError::BadRequest(format!(
        "cursor={cursor} names no item of this list: pass the cursor of a `next` link as \
         given, or none to start from the beginning"
    ))
}

/// `response` with the `Link: <next>; rel="next"` header when there is a next page.
pub fn linked(mut response: Response, next: Option<&str>) -> Response {
    if let Some(next) = next
        && let Ok(value) = HeaderValue::from_str(&format!("<{next}>; rel=\"next\""))
    {
        response.headers_mut().insert(header::LINK, value);
    }
    response
}

/// A JSON list answer with its `Link` header.
pub fn json_page<B: serde::Serialize>(body: B, next: Option<&str>) -> Response {
    linked(axum::Json(body).into_response(), next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(limit: Option<u64>, cursor: Option<&str>) -> PageQuery {
        PageQuery {
            limit,
            cursor: cursor.map(str::to_string),
        }
    }

    #[test]
    fn pages_walk_a_list_without_gaps_or_repeats() {
        let items: Vec<u32> = (1..=7).collect();
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..10 {
            let page = query(Some(3), cursor.as_deref())
                .page(items.clone(), "/v1/x", u32::to_string)
                .expect("a page");
            assert!(page.items.len() <= 3);
            seen.extend(page.items);
            match page.next {
                Some(next) => {
                    assert!(next.starts_with("/v1/x?limit=3&cursor="), "{next}");
                    cursor = Some(next.rsplit_once("cursor=").expect("a cursor").1.into());
                }
                None => break,
            }
        }
        assert_eq!(seen, items);
    }

    #[test]
    fn the_default_page_holds_a_hundred_and_says_when_there_is_no_more() {
        let page = PageQuery::default()
            .page((0..100).collect::<Vec<u32>>(), "/v1/x", u32::to_string)
            .expect("a page");
        assert_eq!(page.items.len(), 100);
        assert_eq!(page.next, None, "exactly one page: no next link");
    }

    #[test]
    fn bad_limits_and_cursors_are_400_saying_what_to_send() {
        for limit in [0, 1001, u64::MAX] {
            let error = query(Some(limit), None)
                .page(vec![1u32], "/v1/x", u32::to_string)
                .expect_err("out of range");
            assert_eq!(error.status().as_u16(), 400);
            assert!(error.to_string().contains("1 to 1000"), "{error}");
        }
        for cursor in ["***", "OTk"] {
            let error = query(None, Some(cursor))
                .page(vec![1u32], "/v1/x", u32::to_string)
                .expect_err("no such item");
            assert_eq!(error.status().as_u16(), 400, "{cursor}");
        }
    }
}
