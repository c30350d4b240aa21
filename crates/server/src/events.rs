//! The server's part of events (issue 17, item 5): the background work that tells what the
//! clock makes happen, and delivers webhooks, signed.
//!
//! Both loops are safe to run on every server of a shared PostgreSQL database: the clock's
//! events are recorded once by their keys (`penholder_negotiation::events`), and a delivery is
//! claimed for a lease inside the writer's transaction (`penholder_store`'s events module), so
//! it is attempted by one server at a time. Most turns find nothing due with one read and write
//! nothing.

use crate::state::AppState;
use crate::wire_events::EventView;
use hmac::{Hmac, Mac};
use penholder_negotiation::events::{self as use_case, retry_at};
use penholder_store::{AttemptOutcome, ClaimedDelivery};
use sha2::Sha256;
use std::time::{Duration, Instant};

/// How events are watched and webhooks delivered.
#[derive(Clone, Debug)]
pub struct EventsConfig {
    /// How often the event stream reads the outbox, the clock's events are looked for and due
    /// deliveries are claimed.
    pub poll: Duration,
    /// The event stream's keep-alive comment, so that proxies keep an idle stream open.
    pub keep_alive: Duration,
    /// The wait after a first failed delivery; doubled after each further failure…
    pub retry_base: Duration,
    /// …up to this.
    pub retry_cap: Duration,
    /// Attempts of one delivery before it is given up (`failed`).
    pub max_attempts: u32,
    /// How long a receiver may take to answer (then the attempt failed).
    pub delivery_timeout: Duration,
    /// How long a finished delivery (delivered, or given up) stays in a subscription's log
    /// before it is pruned with its attempts.
    pub delivery_retention: Duration,
    /// Whether webhooks may reach loopback, private and link-local addresses (refused by
    /// default: server-side request forgery).
    pub private_targets: bool,
}

impl Default for EventsConfig {
    fn default() -> Self {
        EventsConfig {
            poll: Duration::from_millis(500),
            keep_alive: Duration::from_secs(15),
            retry_base: Duration::from_secs(10),
            // 10 s, 20 s, 40 s … 1 h: eight attempts span about 21 minutes.
            retry_cap: Duration::from_secs(3600),
            max_attempts: 8,
            delivery_timeout: Duration::from_secs(10),
            delivery_retention: DEFAULT_DELIVERY_RETENTION,
            private_targets: false,
        }
    }
}

/// How long finished deliveries are kept by default: a month of logs to answer "did our
/// receiver get it?".
pub const DEFAULT_DELIVERY_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

/// How often a server prunes the finished deliveries older than the retention.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Deliveries claimed at once by one server.
const CLAIM_BATCH: u32 = 16;

/// The header that carries a delivery's signature.
pub const SIGNATURE_HEADER: &str = "Penholder-Signature";

/// The signature of a delivery: `t=<Unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`,
/// keyed with the subscription's secret. The time is signed with the body so that a captured
/// delivery cannot be replayed later as new (a receiver refuses an old `t`).
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// Starts the background loops on the current runtime; they stop when the handle is dropped.
pub fn spawn(state: AppState) -> Background {
    let clock = tokio::spawn(clock_loop(state.clone()));
    let deliveries = tokio::spawn(delivery_loop(state));
    Background {
        tasks: vec![clock, deliveries],
    }
}

/// The running loops; dropping it stops them.
pub struct Background {
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Background {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

async fn clock_loop(state: AppState) {
    let poll = state.config().events.poll;
    loop {
        if let Err(error) = tell_the_clocks_events(&state).await {
            tracing::warn!(%error, "cannot record the clock's events (will try again)");
        }
        tokio::time::sleep(poll).await;
    }
}

/// Records the events the clock calls for: read first, and write only when one is due.
async fn tell_the_clocks_events(state: &AppState) -> Result<(), crate::error::ApiError> {
    let now = state.now();
    let due = state.run(move |r| use_case::due(r, now)).await?;
    if due.is_empty() {
        return Ok(());
    }
    let recorded = state
        .store()
        .write(move |w| Ok(use_case::record_due(w, &due, now)))
        .await??;
    tracing::debug!(recorded, "the clock's events recorded");
    Ok(())
}

async fn delivery_loop(state: AppState) {
    let poll = state.config().events.poll;
    let mut pruned_at: Option<Instant> = None;
    loop {
        if pruned_at.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
            pruned_at = Some(Instant::now());
            match prune_deliveries(&state).await {
                Ok(0) => {}
                Ok(pruned) => tracing::info!(pruned, "finished webhook deliveries pruned"),
                Err(error) => tracing::warn!(%error, "cannot prune webhook deliveries"),
            }
        }
        match deliver_due(&state).await {
            // A full batch: there may be more due at once.
            Ok(claimed) if claimed == CLAIM_BATCH as usize => continue,
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "cannot deliver webhooks (will try again)"),
        }
        tokio::time::sleep(poll).await;
    }
}

/// Forgets the deliveries finished longer ago than the retention (several servers may do
/// it at once: deleting what is gone deletes nothing).
async fn prune_deliveries(state: &AppState) -> Result<u64, crate::error::ApiError> {
    let retention = state.config().events.delivery_retention.as_millis();
    let before = state
        .now()
        .saturating_sub(i64::try_from(retention).unwrap_or(i64::MAX));
    Ok(state
        .store()
        .write(move |w| w.prune_deliveries(before))
        .await?)
}

/// Claims the deliveries due now, attempts them (at once), records each outcome. The number
/// claimed.
async fn deliver_due(state: &AppState) -> Result<usize, crate::error::ApiError> {
    let now = state.now();
    let any_due = state.read(move |r| r.delivery_due(now)).await?;
    if !any_due {
        return Ok(0);
    }
    let config = state.config().events.clone();
    let lease_ms = (config.delivery_timeout.as_millis() as i64) * 3 + 1_000;
    let claimed = state
        .store()
        .write(move |w| w.claim_deliveries(now, lease_ms, CLAIM_BATCH))
        .await?;
    let count = claimed.len();
    let attempts = claimed.into_iter().map(|delivery| {
        let state = state.clone();
        let config = config.clone();
        async move {
            let timeout = config.delivery_timeout;
            let (id, attempt) = (delivery.id, delivery.attempt);
            let private_targets = config.private_targets;
            let sent = tokio::task::spawn_blocking(move || {
                attempt_delivery(&delivery, timeout, private_targets)
            })
            .await;
            let (status, error, duration_ms) = match sent {
                Ok(result) => result,
                Err(join) => (None, Some(format!("the attempt failed: {join}")), 0),
            };
            let now = state.now();
            let delivered = status.is_some_and(|s| (200..300).contains(&s));
            let outcome = AttemptOutcome {
                status,
                error,
                duration_ms,
                delivered,
                retry_at: if delivered {
                    None
                } else {
                    retry_at(
                        now,
                        attempt,
                        config.retry_base.as_millis() as i64,
                        config.retry_cap.as_millis() as i64,
                        config.max_attempts,
                    )
                },
            };
            let recorded = state
                .store()
                .write(move |w| w.finish_delivery(id, attempt, &outcome, now))
                .await;
            if let Err(error) = recorded {
                // The lease runs out and the delivery is tried again: at least once.
                tracing::warn!(%error, delivery = id, "cannot record a delivery's outcome");
            }
        }
    });
    futures_util::future::join_all(attempts).await;
    Ok(count)
}

/// One POST of a delivery: the receiver's status (if it answered), why it did not, and how
/// long it took. Blocking: run it on a blocking thread.
fn attempt_delivery(
    delivery: &ClaimedDelivery,
    timeout: Duration,
    private_targets: bool,
) -> (Option<u16>, Option<String>, u64) {
    if !private_targets && let Some(refusal) = private_target(&delivery.url) {
        return (None, Some(refusal), 0);
    }
    let body = match serde_json::to_vec(&EventView::from(&delivery.event)) {
        Ok(body) => body,
        Err(error) => {
            return (
                None,
                Some(format!("cannot serialize the event: {error}")),
                0,
            );
        }
    };
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        // The subscription names its receiver: no redirect elsewhere, no proxy from the
        // environment seeing the payloads.
        .max_redirects(0)
        .proxy(None)
        .timeout_global(Some(timeout))
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let started = Instant::now();
    let sent = agent
        .post(&delivery.url)
        .header("Content-Type", "application/json")
        .header("User-Agent", "penholder-webhooks")
        .header("Penholder-Event", &delivery.event.kind)
        .header("Penholder-Event-Id", delivery.event.id.to_string())
        .header(
            "Penholder-Delivery",
            format!("{}.{}", delivery.id, delivery.attempt),
        )
        .header(
            SIGNATURE_HEADER,
            signature(&delivery.secret, timestamp, &body),
        )
        .send(&body[..]);
    let duration_ms = started.elapsed().as_millis() as u64;
    match sent {
        Ok(response) => (Some(response.status().as_u16()), None, duration_ms),
        Err(error) => (None, Some(error.to_string()), duration_ms),
    }
}

/// Why the receiver at `url` is not to be reached when private targets are not allowed: its
/// host is, or resolves to, an address that is not public. The name was checked when it was
/// subscribed; its addresses are checked here, before each delivery, since a name may come to
/// point elsewhere.
fn private_target(url: &str) -> Option<String> {
    use std::net::ToSocketAddrs;
    let parsed = match url::Url::parse(url) {
        Ok(parsed) => parsed,
        Err(error) => return Some(format!("refused: {url:?} is not a URL ({error})")),
    };
    let host = parsed.host()?;
    if let Some(why) = use_case::non_public_host(&host) {
        return Some(format!(
            "refused: {host} is {why} (allowed with --webhook-private-targets)"
        ));
    }
    let port = parsed.port_or_known_default().unwrap_or(80);
    let name = parsed
        .host_str()?
        .trim_start_matches('[')
        .trim_end_matches(']');
    let addresses = match (name, port).to_socket_addrs() {
        Ok(addresses) => addresses,
        Err(error) => return Some(format!("cannot resolve {name}: {error}")),
    };
    addresses.into_iter().find_map(|address| {
        use_case::non_public(address.ip()).map(|why| {
            format!(
                "refused: {name} resolves to {}, {why} (allowed with --webhook-private-targets)",
                address.ip()
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use penholder_store::EventRecord;
    use std::io::Read;

    fn delivery_to(url: String) -> ClaimedDelivery {
        ClaimedDelivery {
            id: 1,
            attempt: 1,
            url,
            secret: "0123456789abcdef".into(),
            event: EventRecord {
                id: 7,
                process: "p".into(),
                kind: "round.closed".into(),
                round: Some(1),
                at: 0,
                payload: "{}".into(),
            },
        }
    }

    #[test]
    fn an_https_receiver_is_spoken_to_in_tls_and_a_failure_is_an_error_not_a_status() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let first_byte = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut first = [0u8; 1];
            stream.read_exact(&mut first).unwrap();
            first[0]
        });
        let (status, error, _) = attempt_delivery(
            &delivery_to(format!("https://127.0.0.1:{port}/hook")),
            Duration::from_secs(5),
            true,
        );
        // 0x16: a TLS handshake record (the ClientHello), not an HTTP request line.
        assert_eq!(first_byte.join().unwrap(), 0x16);
        assert_eq!(status, None);
        assert!(error.is_some_and(|e| !e.is_empty()));
    }

    #[test]
    fn a_private_receiver_is_not_spoken_to_unless_allowed() {
        // A listener that would see the connection: nothing may reach it.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        for url in [
            format!("http://127.0.0.1:{port}/hook"),
            format!("http://localhost:{port}/hook"),
            format!("http://[::ffff:127.0.0.1]:{port}/hook"),
        ] {
            let (status, error, _) =
                attempt_delivery(&delivery_to(url.clone()), Duration::from_secs(5), false);
            assert_eq!(status, None, "{url}");
            let error = error.unwrap_or_default();
            assert!(
                error.starts_with("refused: ") && error.contains("--webhook-private-targets"),
                "{url}: {error}"
            );
        }
        listener.set_nonblocking(true).unwrap();
        assert!(listener.accept().is_err(), "a refused delivery connected");
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_the_time_and_the_body() {
        // What a receiver computes: the HMAC of "<t>.<body>" with the secret.
        let signed = signature("Jefe", 1_700_000_000, b"{\"id\":1}");
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"1700000000.{\"id\":1}");
        let expected = hex::encode(mac.finalize().into_bytes());
        assert_eq!(signed, format!("t=1700000000,v1={expected}"));
        // A known vector: RFC 4231 test case 2 (key "Jefe").
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_ne!(signed, signature("Jefe", 1_700_000_001, b"{\"id\":1}"));
        assert_ne!(signed, signature("Jefe", 1_700_000_000, b"{\"id\":2}"));
    }
}
