//! The server's shared state and the two ways handlers reach the store: [`AppState::read`] and
//! [`AppState::commit`] (a write transaction that also honours `Idempotency-Key`).

use crate::auth::{Principal, Verifier};
use crate::clock::Clock;
use crate::error::ApiError;
use crate::extract::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use penholder_core::{IdSource, References, Version};
use penholder_negotiation::compilation::KeptCompilations;
use penholder_negotiation::feedback::{self, KeptSubmitChecks, Submitting};
use penholder_store::{Reader, Store, StoreError, Writer};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Settings of a running server.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The largest request body accepted, in bytes (413 beyond).
    pub body_limit: usize,
    /// The Ed25519 key that signs the audit head each published version carries (`None`: the
    /// head is published unsigned).
    pub audit_key: Option<Arc<crate::seal::AuditKey>>,
    /// How long a client may take to send a request's body once its headers have arrived
    /// (408 after): a stalled upload must not hold a connection for ever.
    pub body_timeout: Duration,
    /// The limits of the connection loop ([`crate::serve`]).
    pub connections: ConnectionLimits,
    /// The event stream's and the webhooks' timing (`crate::events`).
    pub events: crate::events::EventsConfig,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            body_limit: 2 * 1024 * 1024,
            audit_key: None,
            // A 2 MB upload at 1 Mbit/s takes 16 s.
            body_timeout: Duration::from_secs(30),
            connections: ConnectionLimits::default(),
            events: crate::events::EventsConfig::default(),
        }
    }
}

/// What one client may hold of the server: a slow or idle client is closed, and no number of
/// them can take the descriptors a healthy request needs.
#[derive(Clone, Debug)]
pub struct ConnectionLimits {
    /// How long a client may take to send a request's headers, counted from the moment the
    /// connection is ready for them: also how long an idle keep-alive connection stays open.
    pub header_timeout: Duration,
    /// Connections served at once; one more is answered 503 with `Retry-After` and closed.
    /// [`crate::serve`] lowers it to fit the process's file-descriptor limit.
    pub max_connections: usize,
    /// The largest request head (request line and headers) accepted, in bytes (431 beyond).
    pub max_header_bytes: usize,
    /// After a shutdown signal, how long requests in flight may take to finish before their
    /// connections are dropped.
    pub shutdown_grace: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_timeout: Duration::from_secs(10),
            // Every delegation's client may hold a keep-alive connection through a deadline
            // rush: at 512, half of a 1,000-delegation rush was refused (make bench). Each
            // idle connection costs a task and its buffers, a few KB.
            max_connections: 4096,
            max_header_bytes: 64 * 1024,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// What every handler shares: the store, the clock, the token verifier and the settings.
/// Cloning is cheap.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    clock: Arc<dyn Clock>,
    verifier: Verifier,
    config: ServerConfig,
    /// Seeds for fresh node ids: different for every request and every server start.
    next_seed: AtomicU64,
    /// The few most recent compilations, shared with the web front (see `crate::front`).
    compilations: Arc<KeptCompilations>,
    versions: VersionCache,
    /// The submission checks granted in the last seconds (see [`KeptSubmitChecks`]).
    submit_checks: KeptSubmitChecks,
    live: crate::live::LiveCompilations,
    /// Set when the server stops: event streams end (they would otherwise hold the shutdown
    /// for its whole grace period).
    stopping: tokio::sync::watch::Sender<bool>,
}

/// The few most recently read versions. A version never changes once published (the store's
/// history is append-only), and assembling a large one from its content-addressed objects is
/// the most expensive part of a submission (about 3 ms for 1,000 paragraphs, every hash
/// checked): during a deadline rush every `PUT` resolves its items against the same base.
#[derive(Default)]
struct VersionCache {
    entries: Mutex<std::collections::VecDeque<(VersionKey, Arc<Base>)>>,
}

/// A version as submissions are read against it: its tree and its references (`PP3`, `OP2.a`).
pub struct Base {
    pub version: Version,
    pub references: References,
}

type VersionKey = (String, String, u32);

const VERSIONS_KEPT: usize = 16;

impl AppState {
    pub fn new(
        store: Store,
        verifier: Verifier,
        clock: Arc<dyn Clock>,
        config: ServerConfig,
    ) -> AppState {
        use std::hash::{BuildHasher, Hasher};
        // RandomState is seeded from the operating system's randomness: ids minted after a
        // restart cannot repeat those minted before it.
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(clock.now_millis() as u64);
        AppState {
            inner: Arc::new(Inner {
                store,
                clock,
                verifier,
                config,
                next_seed: AtomicU64::new(hasher.finish()),
                compilations: Arc::new(KeptCompilations::default()),
                versions: VersionCache::default(),
                submit_checks: KeptSubmitChecks::default(),
                live: Default::default(),
                stopping: tokio::sync::watch::Sender::new(false),
            }),
        }
    }

    /// Whether the server is stopping, watched.
    pub fn stopping(&self) -> tokio::sync::watch::Receiver<bool> {
        self.inner.stopping.subscribe()
    }

    /// Says that the server is stopping (see [`AppState::stopping`]).
    pub fn stop(&self) {
        self.inner.stopping.send_replace(true);
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn now(&self) -> i64 {
        self.inner.clock.now_millis()
    }

    pub fn verifier(&self) -> &Verifier {
        &self.inner.verifier
    }

    /// The live compilations of the rounds being watched (see [`crate::live`]).
    pub fn live(&self) -> &crate::live::LiveCompilations {
        &self.inner.live
    }

    /// The key that signs published heads, if the server has one.
    pub fn audit_key(&self) -> Option<&crate::seal::AuditKey> {
        self.inner.config.audit_key.as_deref()
    }

    /// A version's published head, signed with the server's key if it has one.
    pub fn seal(&self, head: penholder_store::AuditHead) -> crate::seal::Seal {
        crate::seal::seal(self.audit_key(), head)
    }

    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// A source of fresh node ids stamped with the server's time.
    pub fn ids(&self) -> IdSource {
        let seed = self.inner.next_seed.fetch_add(1, Ordering::Relaxed);
        IdSource::new(seed, self.now().max(0) as u64)
    }

    /// The few most recent compilations (see [`KeptCompilations`]). Ask them from blocking
    /// code: compiling a large round takes a while.
    pub fn compilations(&self) -> &Arc<KeptCompilations> {
        &self.inner.compilations
    }

    /// Version `number` of a document and its references, read once and then kept (see
    /// [`VersionCache`]).
    pub async fn base(
        &self,
        process: &str,
        document: &str,
        number: u32,
    ) -> Result<Arc<Base>, ApiError> {
        let key: VersionKey = (process.to_string(), document.to_string(), number);
        let cache = &self.inner.versions;
        let lock = || cache.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, found)) = lock().iter().find(|(k, _)| *k == key) {
            return Ok(found.clone());
        }
        let (p, d) = (key.0.clone(), key.1.clone());
        let version = self.read(move |r| r.version(&p, &d, number)).await?;
        let references = References::of(&version.document);
        let version = Arc::new(Base {
            version,
            references,
        });
        let mut entries = lock();
        if !entries.iter().any(|(k, _)| *k == key) {
            entries.push_front((key, version.clone()));
            entries.truncate(VERSIONS_KEPT);
        }
        Ok(version)
    }

    /// Whether `caller` may submit for delegation `code` in the round now
    /// ([`feedback::may_submit`]), answered from a check granted in the last seconds when
    /// there is one (see [`KeptSubmitChecks`] for why that is sound).
    pub async fn may_submit(
        &self,
        caller: &Principal,
        process: &str,
        round: u32,
        code: &str,
    ) -> Result<Submitting, ApiError> {
        let now = self.now();
        let kept = &self.inner.submit_checks;
        let key = KeptSubmitChecks::key(caller, process, round, code);
        if let Some(submitting) = kept.granted(&key, now) {
            return Ok(submitting);
        }
        let submitting = {
            let (caller, p, code) = (caller.clone(), process.to_string(), code.to_string());
            self.run(move |reader| feedback::may_submit(reader, &caller, &p, round, &code, now))
                .await?
        };
        kept.keep(key, now, &submitting);
        Ok(submitting)
    }

    /// Runs `f` on a consistent snapshot of the store.
    pub async fn read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Reader<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        Ok(self.inner.store.read(f).await?)
    }

    /// Runs the use case `f` on a consistent snapshot of the store.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Reader<'_>) -> Result<T, penholder_negotiation::Error> + Send + 'static,
    {
        self.inner
            .store
            .read(move |r| Ok(f(r)))
            .await?
            .map_err(ApiError::from)
    }

    /// Runs `f` in one write transaction and answers with its reply. If `f` fails, nothing it
    /// wrote is kept. With an `Idempotency-Key`, the reply is stored in the same transaction;
    /// the same key and body again get the stored reply (nothing is written twice), the same key
    /// with another body gets 422.
    pub async fn commit<F>(
        &self,
        principal: &Principal,
        request: &Body,
        f: F,
    ) -> Result<Reply, ApiError>
    where
        F: FnOnce(&Writer<'_>, i64) -> Result<Reply, ApiError> + Send + 'static,
    {
        let now = self.now();
        let idempotency = request.idempotency_key.clone().map(|key| {
            (
                format!("{} {} {}", principal.sub, request.method, request.path),
                key,
                request.hash,
            )
        });
        // The handler's own error, carried out of the transaction (which must fail to roll
        // back) without squeezing it through StoreError.
        let refusal: Arc<Mutex<Option<ApiError>>> = Arc::new(Mutex::new(None));
        let slot = refusal.clone();
        let outcome = self
            .inner
            .store
            .write(move |w| {
                if let Some((scope, key, hash)) = &idempotency
                    && let Some(stored) = w.stored_response(scope, key)?
                {
                    return Ok(if stored.request_hash == *hash {
                        Reply::replayed(&stored.body, stored.status)
                    } else {
                        Err(ApiError::validation(
                            format!(
                                "the Idempotency-Key {key} was already used for a different request body"
                            ),
                            Vec::new(),
                        ))
                    });
                }
                match f(w, now) {
                    Ok(reply) => {
                        if let Some((scope, key, hash)) = &idempotency {
                            w.store_response(
                                scope,
                                key,
                                *hash,
                                reply.status.as_u16(),
                                &reply.envelope(),
                                now,
                            )?;
                        }
                        Ok(Ok(reply))
                    }
                    Err(error) => {
                        *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(error);
                        Err(StoreError::Invalid {
                            detail: REFUSED.into(),
                        })
                    }
                }
            })
            .await;
        let refused = refusal
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match (outcome, refused) {
            // The handler's own refusal, answered as the handler said.
            (Err(StoreError::Invalid { detail }), Some(error)) if detail == REFUSED => Err(error),
            // Otherwise the store's answer stands, even over what the handler saw: the store
            // may have learnt after the handler ran that its view was wrong (another request
            // of the batch failed under it, see the store's `runtime::undo_from`).
            (outcome, _) => outcome?,
        }
    }

    /// The shape of most writes: reads the request's JSON body, runs the use case `f` on it as
    /// the caller in one write transaction ([`AppState::commit`]), and answers `status` with the
    /// view `f` returns.
    pub async fn act<Request, View, F>(
        &self,
        principal: &Principal,
        body: &Body,
        status: StatusCode,
        f: F,
    ) -> Result<Reply, ApiError>
    where
        Request: serde::de::DeserializeOwned + Send + 'static,
        View: Serialize,
        F: FnOnce(&Writer<'_>, &Principal, Request, i64) -> Result<View, ApiError> + Send + 'static,
    {
        let request: Request = body.json()?;
        let caller = principal.clone();
        self.commit(principal, body, move |w, now| {
            Reply::json(status, &f(w, &caller, request, now)?)
        })
        .await
    }
}

/// The detail of the store error that carries a handler's refusal out of its transaction.
const REFUSED: &str = "refused by the handler";

/// A successful write's answer: status, JSON body, and the headers worth replaying.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Vec<u8>,
    pub etag: Option<String>,
    pub location: Option<String>,
    pub replayed: bool,
}

/// How a reply is kept under an idempotency key.
#[derive(Serialize, Deserialize)]
struct Envelope {
    status: u16,
    body: String,
    etag: Option<String>,
    location: Option<String>,
}

impl Reply {
    pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Result<Reply, ApiError> {
        let body = serde_json::to_vec(value)
            .map_err(|e| ApiError::Internal(format!("cannot serialise a reply: {e}")))?;
        Ok(Reply {
            status,
            body,
            etag: None,
            location: None,
            replayed: false,
        })
    }

    pub fn with_etag(mut self, etag: String) -> Reply {
        self.etag = Some(etag);
        self
    }

    pub fn with_location(mut self, location: String) -> Reply {
        self.location = Some(location);
        self
    }

    fn envelope(&self) -> Vec<u8> {
        serde_json::to_vec(&Envelope {
            status: self.status.as_u16(),
            body: String::from_utf8_lossy(&self.body).into_owned(),
            etag: self.etag.clone(),
            location: self.location.clone(),
        })
        .unwrap_or_default()
    }

    fn replayed(stored: &[u8], status: u16) -> Result<Reply, ApiError> {
        let envelope: Envelope = serde_json::from_slice(stored).map_err(|e| {
            ApiError::Internal(format!("a stored idempotent response is unreadable: {e}"))
        })?;
        Ok(Reply {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            body: envelope.body.into_bytes(),
            etag: envelope.etag,
            location: envelope.location,
            replayed: true,
        })
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(etag) = self.etag.and_then(|e| HeaderValue::from_str(&e).ok()) {
            headers.insert(header::ETAG, etag);
        }
        if let Some(location) = self.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            headers.insert(header::LOCATION, location);
        }
        if self.replayed {
            headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
        }
        response
    }
}
