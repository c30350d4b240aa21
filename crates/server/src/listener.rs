//! The connection loop: accepts connections up to a limit, speaks HTTP/1.1 on each with a
//! deadline for every request head (which also closes idle keep-alive connections), and on
//! shutdown lets requests in flight finish for a grace period, then drops what is left.
//!
//! Why not `axum::serve`: it has no head timeout, no connection limit and no shutdown
//! deadline, so 200 idle or half-sent connections were held for ever, a small descriptor limit
//! left `/healthz` unanswered, and three half-sent requests kept a stopping server alive.

use crate::app::router;
use crate::error::ApiError;
use crate::state::{AppState, ConnectionLimits};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// How much of a request head hyper reads before it gives up with a bare 431: far above
/// [`ConnectionLimits::max_header_bytes`], so that an oversized head (a 1 MB token) reaches the
/// router and gets a problem document that says what is wrong.
const HEAD_READ_LIMIT: usize = 2 * 1024 * 1024;

/// Descriptors kept for everything but client connections: the database and its journal, the
/// log, PostgreSQL's pool, the listener itself.
const RESERVED_DESCRIPTORS: u64 = 64;

/// Serves `router(state)` on `listener` until `shutdown` resolves; requests in flight then get
/// the configured grace period to finish. The store flushes when its last handle drops, after
/// this returns.
pub async fn serve<F>(listener: TcpListener, state: AppState, shutdown: F) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let limits = effective_limits(&state.config().connections);
    // The clock's events and the webhooks' deliveries, for as long as this server serves.
    let background = crate::events::spawn(state.clone());
    let stopping = state.clone();
    let service = TowerToHyperService::new(router(state));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(HEAD_READ_LIMIT);
    let slots = std::sync::Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _peer)) => stream,
                    Err(error) => {
                        // Out of descriptors (EMFILE) or a connection reset before it was
                        // taken: wait a moment rather than spin, and go on.
                        tracing::warn!(%error, "cannot accept a connection");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                match slots.clone().try_acquire_owned() {
                    Ok(slot) => {
                        let connection = graceful.watch(
                            http.serve_connection(TokioIo::new(stream), service.clone()),
                        );
                        connections.spawn(async move {
                            if let Err(error) = connection.await {
                                tracing::debug!(%error, "connection closed");
                            }
                            drop(slot);
                        });
                    }
                    Err(_) => {
                        tracing::warn!(
                            limit = limits.max_connections,
                            "connection refused: every connection slot is taken"
                        );
                        connections.spawn(refuse_busy(stream));
                    }
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    stopping.stop();
    drop(background);
    tracing::info!(
        connections = graceful.count(),
        grace_s = limits.shutdown_grace.as_secs_f64(),
        "stopping: finishing the requests in flight"
    );
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            connections = connections.len(),
            "the shutdown grace period ended: dropping the connections left"
        );
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// The configured limits, with the connection limit lowered to what the process's descriptor
/// limit allows (after raising its soft limit to the hard one, as most servers do).
fn effective_limits(configured: &ConnectionLimits) -> ConnectionLimits {
    let mut limits = configured.clone();
    if let Some(descriptors) = descriptor_limit() {
        let room = descriptors.saturating_sub(RESERVED_DESCRIPTORS).max(1);
        let room = usize::try_from(room).unwrap_or(usize::MAX);
        if room < limits.max_connections {
            tracing::warn!(
                configured = limits.max_connections,
                allowed = room,
                descriptors,
                "fewer connections than configured: the file-descriptor limit is low"
            );
            limits.max_connections = room;
        }
    }
    limits.max_connections = limits.max_connections.max(1);
    limits
}

/// The soft limit on open descriptors, raised to the hard limit first.
#[cfg(unix)]
fn descriptor_limit() -> Option<u64> {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        let raised = rustix::process::Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            limit = raised;
        }
    }
    limit.current
}

#[cfg(not(unix))]
fn descriptor_limit() -> Option<u64> {
    None
}

/// Answers a connection beyond the limit with 503 and `Retry-After`, without reading its
/// request, and closes it.
async fn refuse_busy(mut stream: TcpStream) {
    let problem = ApiError::Unavailable(
        "the server is serving as many connections as it may; try again in a second".into(),
    )
    .problem();
    let Ok(body) = serde_json::to_vec(&problem) else {
        return;
    };
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/problem+json\r\n\
         retry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let answer = async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(&body).await?;
        stream.shutdown().await?;
        // Read what the client sent before closing, so that the kernel does not reset the
        // connection (and discard the answer) for unread data.
        let mut sink = [0u8; 4096];
        let mut read = 0;
        while read < 64 * 1024 {
            match stream.read(&mut sink).await? {
                0 => break,
                n => read += n,
            }
        }
        std::io::Result::Ok(())
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), answer).await;
}
