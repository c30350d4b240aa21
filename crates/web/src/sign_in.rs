//! Signing in and out, the session cookie and the CSRF checks of every form.
//!
//! A person signs in once: with a one-time link an admin made (`penholder token --link`), or by
//! pasting a bearer token. The server checks the credential exactly as the API checks a bearer
//! token ([`crate::Credentials`]) and opens a session ([`penholder_negotiation::session`]):
//! the cookie is 32 random bytes (HttpOnly, SameSite=Strict, Path=/, Secure when the request
//! came through TLS), and the database keeps only its SHA-256. A link is used inside the same
//! transaction that opens the session, so it signs in once even across servers sharing a
//! database.
//!
//! CSRF: every form of a session carries the session's random token in a hidden field, checked
//! before anything else is read; the sign-in forms, which come before any session, carry a
//! random token that must equal a cookie set with the form (double submit). SameSite=Strict
//! already keeps other sites' requests from carrying the cookie; the token also covers browsers
//! that ignore it.

use crate::error::WebError;
use crate::i18n::Lang;
use crate::{Front, pages};
use axum::Form;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use penholder_negotiation::session::{self, Session};
use penholder_negotiation::{Caller, Error};
use penholder_store::{StoreError, Writer};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex, PoisonError};

/// The session cookie.
pub const SESSION_COOKIE: &str = "penholder_session";
/// The double-submit cookie of the sign-in forms.
pub const SIGN_IN_COOKIE: &str = "penholder_sign_in";
/// The interface language chosen with the switch.
pub const LANG_COOKIE: &str = "penholder_lang";

/// Who is asking, as far as the front can tell before the handler runs.
pub struct Visitor {
    pub lang: Lang,
    pub session: Option<Session>,
    /// The SHA-256 of the session cookie sent, if any.
    pub cookie_hash: Option<[u8; 32]>,
    /// The request came through TLS (a proxy says so with `X-Forwarded-Proto: https`): cookies
    /// are then marked Secure.
    pub secure: bool,
    pub cookies: Vec<(String, String)>,
}

impl Visitor {
    /// The signed-in caller, or a redirect to the sign-in page.
    pub fn signed_in(&self) -> Result<&Session, Refusal> {
        self.session.as_ref().ok_or(Refusal::NotSignedIn)
    }

    /// Checks a form's CSRF token against the session's.
    pub fn check_csrf(&self, sent: &str) -> Result<&Session, Refusal> {
        let session = self.signed_in()?;
        if same(sent, &session.csrf) {
            Ok(session)
        } else {
            Err(Refusal::StaleForm(self.lang))
        }
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn cookie_attributes(&self) -> &'static str {
        if self.secure {
            "; Path=/; HttpOnly; SameSite=Strict; Secure"
        } else {
            "; Path=/; HttpOnly; SameSite=Strict"
        }
    }
}

/// Why a request of a session was not even read.
#[derive(Debug)]
pub enum Refusal {
    /// No session: to the sign-in page.
    NotSignedIn,
    /// A form without the session's CSRF token.
    StaleForm(Lang),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::NotSignedIn => Redirect::to("/sign-in").into_response(),
            Refusal::StaleForm(lang) => WebError::new(
                StatusCode::FORBIDDEN,
                "this form is stale or did not come from penholder's own page (its CSRF token \
                 does not match your session): reload the page and send it again",
                lang,
            )
            .into_response(),
        }
    }
}

impl From<Refusal> for Response {
    fn from(refusal: Refusal) -> Response {
        refusal.into_response()
    }
}

/// Compares two secrets in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn parse_cookies(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            Some((name.trim().to_string(), value.trim().to_string()))
        })
        .collect()
}

fn hash_of(cookie: &str) -> [u8; 32] {
    Sha256::digest(cookie.as_bytes()).into()
}

/// 32 random bytes, base64url: a session id or a CSRF token.
pub fn random_token() -> Result<String, StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Internal {
        detail: format!("the operating system gave no random bytes: {e}"),
    })?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

impl FromRequestParts<Front> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, front: &Front) -> Result<Self, Self::Rejection> {
        let cookies = parse_cookies(&parts.headers);
        let chosen = cookies
            .iter()
            .find(|(n, _)| n == LANG_COOKIE)
            .and_then(|(_, v)| Lang::parse(v));
        let lang = chosen.unwrap_or_else(|| {
            Lang::from_accept_language(
                parts
                    .headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default(),
            )
        });
        let secure = parts
            .headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"));
        let cookie_hash = cookies
            .iter()
            .find(|(n, _)| n == SESSION_COOKIE)
            .map(|(_, v)| hash_of(v));
        let session = match cookie_hash {
            None => None,
            Some(hash) => {
                let now = front.now();
                front
                    .store
                    .read(move |r| Ok(session::find(r, &hash, now)))
                    .await
                    .map_err(|e| WebError::from_store(e, lang).into_response())?
                    .map_err(|e| WebError::from_use_case(e, lang).into_response())?
            }
        };
        Ok(Visitor {
            lang,
            session,
            cookie_hash,
            secure,
            cookies,
        })
    }
}

impl Front {
    /// Runs the use case `f` in one write transaction; if it refuses, nothing it wrote is kept.
    pub async fn commit<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Writer<'_>) -> Result<T, Error> + Send + 'static,
    {
        const REFUSED: &str = "refused by the web front's use case";
        let refusal: Arc<Mutex<Option<Error>>> = Arc::new(Mutex::new(None));
        let slot = refusal.clone();
        let outcome = self
            .store
            .write(move |w| match f(w) {
                Ok(value) => Ok(value),
                Err(Error::Store(error)) => Err(error),
                Err(error) => {
                    *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(error);
                    Err(StoreError::Invalid {
                        detail: REFUSED.into(),
                    })
                }
            })
            .await;
        let refused = refusal
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match (outcome, refused) {
            (Ok(value), _) => Ok(value),
            (Err(StoreError::Invalid { detail }), Some(error)) if detail == REFUSED => Err(error),
            (Err(error), _) => Err(Error::Store(error)),
        }
    }

    /// Runs the use case `f` on a snapshot.
    pub async fn run<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&penholder_store::Reader<'_>) -> Result<T, Error> + Send + 'static,
    {
        self.store.read(move |r| Ok(f(r))).await?
    }
}

/// The sign-in page: paste a token. Sets the double-submit cookie its form must match.
pub async fn sign_in_page(visitor: Visitor) -> Result<Response, WebError> {
    if visitor.session.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    let token = random_token().map_err(|e| WebError::from_store(e, visitor.lang))?;
    let page = pages::sign_in_page(visitor.lang, &token);
    Ok(with_sign_in_cookie(&visitor, &token, page.into_response()))
}

fn with_sign_in_cookie(visitor: &Visitor, token: &str, mut response: Response) -> Response {
    let cookie = format!(
        "{SIGN_IN_COOKIE}={token}{}; Max-Age=3600",
        visitor.cookie_attributes()
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize)]
pub struct TokenForm {
    csrf: String,
    token: String,
}

/// Exchanges a pasted bearer token for a session.
pub async fn sign_in_with_token(
    State(front): State<Front>,
    visitor: Visitor,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    check_sign_in_csrf(&visitor, &form.csrf)?;
    let now = front.now();
    let token = form.token.trim();
    if token.is_empty() {
        return Err(WebError::bad_request(
            "paste the access token you were given in the field, then sign in",
            visitor.lang,
        ));
    }
    let checked = front
        .credentials
        .bearer(token, now)
        .map_err(|why| refused_credential(&why, visitor.lang))?;
    open_session(&front, &visitor, checked.caller, checked.expires_at, None).await
}

fn check_sign_in_csrf(visitor: &Visitor, sent: &str) -> Result<(), WebError> {
    match visitor.cookie(SIGN_IN_COOKIE) {
        Some(expected) if same(expected, sent) => Ok(()),
        _ => Err(WebError::new(
            StatusCode::FORBIDDEN,
            "this sign-in form is stale or did not come from penholder's own page: open the \
             sign-in page (or your link) again and send it from there",
            visitor.lang,
        )),
    }
}

fn refused_credential(why: &str, lang: Lang) -> WebError {
    WebError::new(
        StatusCode::UNAUTHORIZED,
        format!("this credential does not sign in: {why}. Ask your administrator for a new one"),
        lang,
    )
}

#[derive(Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    token: String,
}

/// The page a sign-in link opens: one button, so that a link previewer that merely fetches
/// the link does not use it up.
pub async fn link_page(
    visitor: Visitor,
    Query(query): Query<LinkQuery>,
) -> Result<Response, WebError> {
    if query.token.is_empty() {
        return Err(WebError::bad_request(
            "this sign-in link has no token: open the whole link you were sent",
            visitor.lang,
        ));
    }
    let csrf = random_token().map_err(|e| WebError::from_store(e, visitor.lang))?;
    let page = pages::link_page(visitor.lang, &csrf, &query.token);
    Ok(with_sign_in_cookie(&visitor, &csrf, page.into_response()))
}

/// Uses a one-time sign-in link and opens a session, in one transaction.
pub async fn sign_in_with_link(
    State(front): State<Front>,
    visitor: Visitor,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    check_sign_in_csrf(&visitor, &form.csrf)?;
    let now = front.now();
    let (checked, link_id) = front
        .credentials
        .link(form.token.trim(), now)
        .map_err(|why| refused_credential(&why, visitor.lang))?;
    // The link bounds when it may be used, not how long the session it opens lasts (a link
    // valid for minutes opens a working day's session).
    open_session(
        &front,
        &visitor,
        checked.caller,
        i64::MAX,
        Some((link_id, checked.expires_at)),
    )
    .await
}

async fn open_session(
    front: &Front,
    visitor: &Visitor,
    caller: Caller,
    credential_expires_at: i64,
    link: Option<(String, i64)>,
) -> Result<Response, WebError> {
    let lang = visitor.lang;
    let cookie = random_token().map_err(|e| WebError::from_store(e, lang))?;
    let csrf = random_token().map_err(|e| WebError::from_store(e, lang))?;
    let hash = hash_of(&cookie);
    let now = front.now();
    let opened = front
        .commit(move |w| {
            if let Some((link_id, link_expires_at)) = &link {
                session::use_link(w, link_id, *link_expires_at, now)?;
            }
            session::open(w, &caller, &hash, &csrf, credential_expires_at, now)
        })
        .await
        .map_err(|e| WebError::from_use_case(e, lang))?;
    let max_age = ((opened.expires_at - now) / 1000).max(1);
    let mut response = Redirect::to("/").into_response();
    let set = [
        format!(
            "{SESSION_COOKIE}={cookie}{}; Max-Age={max_age}",
            visitor.cookie_attributes()
        ),
        // The double-submit cookie has served.
        format!(
            "{SIGN_IN_COOKIE}={}; Max-Age=0",
            visitor.cookie_attributes()
        ),
    ];
    for cookie in set {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// Ends the session (in the database, so the cookie is worthless even if kept).
pub async fn sign_out(
    State(front): State<Front>,
    visitor: Visitor,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Response> {
    visitor.check_csrf(&form.csrf)?;
    if let Some(hash) = visitor.cookie_hash {
        front
            .commit(move |w| session::close(w, &hash))
            .await
            .map_err(|e| WebError::from_use_case(e, visitor.lang).into_response())?;
    }
    let mut response = Redirect::to("/sign-in").into_response();
    let cookie = format!(
        "{SESSION_COOKIE}={}; Max-Age=0",
        visitor.cookie_attributes()
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct LanguageForm {
    lang: String,
    #[serde(default)]
    back: String,
}

/// The language switch: remembered in a cookie (no session needed: the sign-in page has the
/// switch too). Changing a language changes nothing stored, so it needs no CSRF token.
pub async fn choose_language(
    visitor: Visitor,
    Form(form): Form<LanguageForm>,
) -> Result<Response, WebError> {
    let lang = Lang::parse(&form.lang).ok_or_else(|| {
        WebError::bad_request(
            format!(
                "{:?} is not a language of this interface; choose en or fr",
                form.lang
            ),
            visitor.lang,
        )
    })?;
    // Only a path of this site: never an open redirect.
    let back = if form.back.starts_with('/') && !form.back.starts_with("//") {
        form.back
    } else {
        "/".to_string()
    };
    let mut response = Redirect::to(&back).into_response();
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Strict; Max-Age=31536000{}",
        lang.tag(),
        if visitor.secure { "; Secure" } else { "" }
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_equal_only_when_equal() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
        assert!(!same("", "a"));
    }

    #[test]
    fn cookies_are_read_from_every_cookie_header() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("a=1; b = 2"));
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("penholder_lang=fr"),
        );
        let cookies = parse_cookies(&headers);
        assert_eq!(
            cookies,
            vec![
                ("a".to_string(), "1".to_string()),
                ("b".to_string(), "2".to_string()),
                ("penholder_lang".to_string(), "fr".to_string())
            ]
        );
    }

    #[test]
    fn random_tokens_differ() {
        let a = random_token().expect("random");
        let b = random_token().expect("random");
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
    }
}
