//! A small blocking HTTP client for the replay: loopback only, bearer tokens, and every answer
//! checked against the status the API promises, so that anything unexpected stops the replay
//! with the request, the caller and the server's `detail` in one line.

use anyhow::{Context, bail};
use serde::de::DeserializeOwned;
use std::net::IpAddr;
use std::time::Duration;

/// The largest response body read (a DOCX of a long redline stays far below).
const BODY_LIMIT: u64 = 256 * 1024 * 1024;

/// Who sends a request: a name for messages and the bearer token.
#[derive(Clone, Debug)]
pub struct Caller {
    /// `chair (TR)`, `delegate AT`: how messages name the caller.
    pub name: String,
    pub token: String,
}

/// The HTTP methods the API uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
        }
    }
}

/// A response, read whole.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json<T: DeserializeOwned>(&self) -> anyhow::Result<T> {
        serde_json::from_slice(&self.body).with_context(|| {
            format!(
                "the server's JSON answer is not as expected: {}",
                excerpt(&self.body)
            )
        })
    }

    /// The `detail` of a problem+json answer, or the start of the body.
    pub fn detail(&self) -> String {
        #[derive(serde::Deserialize)]
        struct Problem {
            detail: Option<String>,
            title: Option<String>,
        }
        match serde_json::from_slice::<Problem>(&self.body) {
            Ok(Problem {
                detail: Some(detail),
                ..
            }) => detail,
            Ok(Problem {
                title: Some(title), ..
            }) => title,
            _ => excerpt(&self.body),
        }
    }

    pub fn is_problem(&self) -> bool {
        self.content_type.starts_with("application/problem+json")
    }
}

fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(300) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None if text.is_empty() => "(empty body)".to_string(),
        None => text.to_string(),
    }
}

/// The API of one penholder server.
pub struct Api {
    base: String,
    agent: ureq::Agent,
}

/// `http://127.0.0.1:8080/` → `http://127.0.0.1:8080`, refusing anything but plain HTTP to a
/// loopback address: the replay mints tokens for every delegation and must not send them away.
pub fn loopback_base(url: &str) -> anyhow::Result<String> {
    let base = url.trim().trim_end_matches('/');
    let Some(authority) = base.strip_prefix("http://") else {
        bail!("--server {url:?}: expected http://127.0.0.1:PORT (plain HTTP on loopback)");
    };
    if authority.contains('/') || authority.contains('@') {
        bail!("--server {url:?}: expected only a host and port, no path or user");
    }
    let host = match authority.strip_prefix('[') {
        Some(rest) => rest.split_once(']').map(|(host, _)| host).unwrap_or(rest),
        None => authority.split(':').next().unwrap_or(authority),
    };
    let loopback = host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        bail!(
            "--server {url:?}: the replay talks to a server on this machine only (127.0.0.1, ::1 or localhost)"
        );
    }
    Ok(base.to_string())
}

impl Api {
    pub fn new(url: &str) -> anyhow::Result<Api> {
        let base = loopback_base(url)?;
        let config = ureq::Agent::config_builder()
            // Every status comes back as a reply: the replay checks it against the contract.
            .http_status_as_error(false)
            // Loopback only: a proxy from the environment must not see the tokens.
            .proxy(None)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(120)))
            .build();
        Ok(Api {
            base,
            agent: ureq::Agent::new_with_config(config),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// Sends one request with a body of `media_type` (JSON, a Word file) and reads the whole
    /// answer, whatever its status.
    pub fn send_as(
        &self,
        method: Method,
        path: &str,
        caller: Option<&Caller>,
        body: Option<&[u8]>,
        media_type: &str,
    ) -> anyhow::Result<Reply> {
        let url = format!("{}{path}", self.base);
        let authorization = caller.map(|c| format!("Bearer {}", c.token));
        let result = match method {
            Method::Get => {
                let mut request = self.agent.get(&url);
                if let Some(value) = &authorization {
                    request = request.header("Authorization", value);
                }
                request.call()
            }
            Method::Post | Method::Put => {
                let mut request = if method == Method::Post {
                    self.agent.post(&url)
                } else {
                    self.agent.put(&url)
                };
                if let Some(value) = &authorization {
                    request = request.header("Authorization", value);
                }
                match body {
                    Some(bytes) => request.header("Content-Type", media_type).send(bytes),
                    None => request.send_empty(),
                }
            }
        };
        let mut response = result.with_context(|| {
            format!(
                "{} {url}: no answer from the server (is it running?)",
                method.as_str()
            )
        })?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body = response
            .body_mut()
            .with_config()
            .limit(BODY_LIMIT)
            .read_to_vec()
            .with_context(|| format!("{} {url}: cannot read the answer", method.as_str()))?;
        Ok(Reply {
            status,
            content_type,
            body,
        })
    }

    /// Sends one request and fails, naming the request, the caller and the server's detail,
    /// unless the status is one of `expected`.
    pub fn expect(
        &self,
        method: Method,
        path: &str,
        caller: Option<&Caller>,
        body: Option<&[u8]>,
        expected: &[u16],
    ) -> anyhow::Result<Reply> {
        self.expect_as(method, path, caller, body, "application/json", expected)
    }

    /// [`Api::expect`] with a body of another media type (a Word file).
    pub fn expect_as(
        &self,
        method: Method,
        path: &str,
        caller: Option<&Caller>,
        body: Option<&[u8]>,
        media_type: &str,
        expected: &[u16],
    ) -> anyhow::Result<Reply> {
        let reply = self.send_as(method, path, caller, body, media_type)?;
        if !expected.contains(&reply.status) {
            bail!(
                "{} {path}{}: expected HTTP {}, got {} — {}",
                method.as_str(),
                caller
                    .map(|c| format!(" as {}", c.name))
                    .unwrap_or_default(),
                expected
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(" or "),
                reply.status,
                reply.detail()
            );
        }
        Ok(reply)
    }

    pub fn get(&self, path: &str, caller: &Caller) -> anyhow::Result<Reply> {
        self.expect(Method::Get, path, Some(caller), None, &[200])
    }

    pub fn get_json<T: DeserializeOwned>(&self, path: &str, caller: &Caller) -> anyhow::Result<T> {
        self.get(path, caller)?
            .json()
            .with_context(|| format!("GET {path}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_servers_are_accepted() {
        assert_eq!(
            loopback_base("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert!(loopback_base("http://localhost:1").is_ok());
        assert!(loopback_base("http://[::1]:8080").is_ok());
        assert!(loopback_base("http://127.1.2.3:9").is_ok());
        for refused in [
            "https://127.0.0.1:8080",
            "http://example.org",
            "http://10.0.0.1:80",
            "http://127.0.0.1:80/v1",
            "http://user@127.0.0.1",
            "127.0.0.1:8080",
        ] {
            assert!(loopback_base(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn problem_details_are_read_for_messages() {
        let reply = Reply {
            status: 409,
            content_type: "application/problem+json".into(),
            body: br#"{"type":"about:blank","title":"Conflict","status":409,"detail":"the round is closed"}"#.to_vec(),
        };
        assert!(reply.is_problem());
        assert_eq!(reply.detail(), "the round is closed");
        let long = Reply {
            status: 500,
            content_type: "text/plain".into(),
            body: "x".repeat(400).into_bytes(),
        };
        assert_eq!(long.detail().chars().count(), 301);
    }
}
