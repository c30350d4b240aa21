//! A minimal HTTP/1.1 client: one keep-alive connection (hyper's low-level connection API, so
//! each simulated delegation holds exactly one socket, as a browser tab would), reconnecting
//! after an error. Loopback only: [`Target::parse`] refuses any other address, so a mistyped
//! URL cannot turn the load generator on another machine.

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;

/// A server on this machine's loopback interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    pub addr: SocketAddr,
}

impl Target {
    /// `http://127.0.0.1:PORT` (or `[::1]`); anything else is refused.
    pub fn parse(url: &str) -> anyhow::Result<Target> {
        let rest = url
            .strip_prefix("http://")
            .with_context(|| format!("{url:?} is not an http:// URL"))?;
        let authority = rest.split('/').next().unwrap_or_default();
        let addr: SocketAddr = authority
            .parse()
            .with_context(|| format!("{authority:?} is not an IP address and port"))?;
        if !addr.ip().is_loopback() {
            bail!("the load generator only talks to loopback addresses, not {addr}");
        }
        Ok(Target { addr })
    }
}

/// One response: its status and its whole body.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Bytes,
}

/// One keep-alive connection, opened on first use and again after a failure.
pub struct Connection {
    target: Target,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Connection {
    pub fn new(target: Target) -> Connection {
        Connection {
            target,
            sender: None,
        }
    }

    async fn connect(&mut self) -> anyhow::Result<()> {
        let stream = tokio::net::TcpStream::connect(self.target.addr)
            .await
            .with_context(|| format!("cannot connect to {}", self.target.addr))?;
        stream.set_nodelay(true)?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            // Ends when the server closes the socket or the sender is dropped.
            let _ = connection.await;
        });
        self.sender = Some(sender);
        Ok(())
    }

    /// Drops the connection (after a timeout: its answer may still come, on a socket no one
    /// reads).
    pub fn reset(&mut self) {
        self.sender = None;
    }

    /// Sends one request and reads the whole answer. A connection error drops the connection
    /// (the next request opens a new one) and is returned.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Bytes>,
    ) -> anyhow::Result<Answer> {
        let ready = match self.sender.as_mut() {
            Some(sender) => sender.ready().await.is_ok(),
            None => false,
        };
        if !ready {
            self.sender = None;
            self.connect().await?;
        }
        let Some(sender) = self.sender.as_mut() else {
            bail!("no connection");
        };
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(HOST, self.target.addr.to_string());
        if let Some(token) = token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        if body.is_some() {
            request = request.header(CONTENT_TYPE, "application/json");
        }
        let request = request.body(Full::new(body.unwrap_or_default()))?;
        let outcome = async {
            let response = sender.send_request(request).await?;
            let status = response.status().as_u16();
            let body = response.into_body().collect().await?.to_bytes();
            anyhow::Ok(Answer { status, body })
        }
        .await;
        if outcome.is_err() {
            self.sender = None;
        }
        outcome
    }

    /// Sends a request that must succeed with `expected`; its body otherwise explains why.
    pub async fn expect(
        &mut self,
        expected: u16,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Bytes>,
    ) -> anyhow::Result<Answer> {
        let answer = self.send(method.clone(), path, token, body).await?;
        if answer.status != expected {
            bail!(
                "{method} {path} answered {} (expected {expected}): {}",
                answer.status,
                String::from_utf8_lossy(&answer.body)
            );
        }
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_targets() {
        assert!(Target::parse("http://127.0.0.1:8080").is_ok());
        assert!(Target::parse("http://127.0.0.1:8080/v1").is_ok());
        assert!(Target::parse("http://[::1]:80").is_ok());
        assert!(Target::parse("http://10.0.0.1:8080").is_err());
        assert!(Target::parse("http://example.org:80").is_err());
        assert!(Target::parse("https://127.0.0.1:443").is_err());
    }
}
