//! What happens in a process, told as events (issue 17, item 5): each recorded by the use case
//! of the act in the act's own transaction (the store's outbox), read back in order by the
//! server's event stream and carried by webhooks to the URLs a chair subscribes.
//!
//! **An event never carries a sealed detail.** Its payload names the round, the document, the
//! version and times: what every member of the process may read whatever the round's phase. No
//! submission, no delegation's name as a submitter, no count of submissions: before a round
//! closes, submissions are sealed (`policy`: a delegation sees only its own and its group's),
//! and an event goes to every reader of the process at once.
//!
//! Events told by the clock (a round that opened or closed at its time, a deadline 24 hours
//! ahead) are found by [`tick`], which any number of servers may run: each such event has a
//! key the store records once.

use crate::access::authorize;
use crate::caller::Caller;
use crate::clock::rfc3339;
use crate::error::Error;
use crate::policy::{Action, Phase};
use crate::process::authorize_on;
use penholder_core::negotiation::RoundState;
use penholder_store::{
    Delivery, EventRecord, NewEvent, NewWebhook, Reader, RoundInfo, VersionInfo, Webhook, Writer,
};
use serde_json::json;

/// How long before a deadline the reminder is told.
pub const DEADLINE_NOTICE_MS: i64 = 24 * 3_600_000;

/// The kinds of event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    RoundOpened,
    /// The round's deadline is 24 hours ahead or less (told once per deadline: an extension
    /// tells it again for the new one).
    RoundDeadlineIn24Hours,
    RoundExtended,
    RoundClosed,
    /// The round's compilation is complete and may be read by its readers (it closed).
    CompilationReady,
    VersionPublished,
    ParagraphStatusChanged,
    ReservationEntered,
    ReservationWithdrawn,
    DocumentAdopted,
}

impl EventKind {
    pub const ALL: [EventKind; 10] = [
        EventKind::RoundOpened,
        EventKind::RoundDeadlineIn24Hours,
        EventKind::RoundExtended,
        EventKind::RoundClosed,
        EventKind::CompilationReady,
        EventKind::VersionPublished,
        EventKind::ParagraphStatusChanged,
        EventKind::ReservationEntered,
        EventKind::ReservationWithdrawn,
        EventKind::DocumentAdopted,
    ];

    /// The name on the wire (SSE `event:`, the webhook body's `type`).
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::RoundOpened => "round.opened",
            EventKind::RoundDeadlineIn24Hours => "round.deadline_in_24_hours",
            EventKind::RoundExtended => "round.extended",
            EventKind::RoundClosed => "round.closed",
            EventKind::CompilationReady => "compilation.ready",
            EventKind::VersionPublished => "version.published",
            EventKind::ParagraphStatusChanged => "paragraph.status_changed",
            EventKind::ReservationEntered => "reservation.entered",
            EventKind::ReservationWithdrawn => "reservation.withdrawn",
            EventKind::DocumentAdopted => "document.adopted",
        }
    }

    pub fn parse(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

fn round_payload(process: &str, round: &RoundInfo) -> serde_json::Value {
    json!({
        "process": process,
        "round": round.number,
        "label": round.label,
        "document": round.document,
        "base_version": round.base_version,
        "opens_at": rfc3339(round.opens_at),
        "closes_at": rfc3339(round.closes_at),
    })
}

fn once_key(process: &str, round: u32, what: &str) -> String {
    format!("{process}/rounds/{round}/{what}")
}

/// Records `kind` about `round` (once per key when `once` names one).
fn record_round_event(
    w: &Writer<'_>,
    process: &str,
    round: &RoundInfo,
    kind: EventKind,
    once: Option<String>,
    now: i64,
) -> Result<(), Error> {
    w.record_event(
        process,
        &NewEvent {
            kind: kind.as_str().into(),
            round: Some(round.number),
            payload: round_payload(process, round),
            once_key: once,
        },
        now,
    )?;
    Ok(())
}

/// The events of a round that opened (by hand).
pub(crate) fn round_opened(
    w: &Writer<'_>,
    process: &str,
    round: &RoundInfo,
    now: i64,
) -> Result<(), Error> {
    let key = once_key(process, round.number, "opened");
    record_round_event(w, process, round, EventKind::RoundOpened, Some(key), now)
}

/// The events of a round that closed (by hand or by its clock): closed, and its compilation
/// ready for its readers.
pub(crate) fn round_closed(
    w: &Writer<'_>,
    process: &str,
    round: &RoundInfo,
    now: i64,
) -> Result<(), Error> {
    let closed = once_key(process, round.number, "closed");
    record_round_event(w, process, round, EventKind::RoundClosed, Some(closed), now)?;
    let ready = once_key(process, round.number, "compilation_ready");
    record_round_event(
        w,
        process,
        round,
        EventKind::CompilationReady,
        Some(ready),
        now,
    )
}

/// The event of a deadline moved later.
pub(crate) fn round_extended(
    w: &Writer<'_>,
    process: &str,
    round: &RoundInfo,
    now: i64,
) -> Result<(), Error> {
    record_round_event(w, process, round, EventKind::RoundExtended, None, now)
}

/// The event of a version published (a consolidation, or a text uploaded).
pub(crate) fn version_published(
    w: &Writer<'_>,
    process: &str,
    version: &VersionInfo,
    now: i64,
) -> Result<(), Error> {
    w.record_event(
        process,
        &NewEvent {
            kind: EventKind::VersionPublished.as_str().into(),
            round: version.round,
            payload: json!({
                "process": process,
                "document": version.document,
                "version": version.number,
                "label": version.label,
                "round": version.round,
                "published_at": rfc3339(version.created_at),
            }),
            once_key: None,
        },
        now,
    )?;
    Ok(())
}

/// An event about a document's text (its state: statuses, reservations, adoption), whose
/// payload the caller gives (public facts of the text only).
pub(crate) fn text_event(
    w: &Writer<'_>,
    process: &str,
    kind: EventKind,
    payload: serde_json::Value,
    now: i64,
) -> Result<(), Error> {
    w.record_event(
        process,
        &NewEvent {
            kind: kind.as_str().into(),
            round: None,
            payload,
            once_key: None,
        },
        now,
    )?;
    Ok(())
}

/// An event the clock calls for at `now`, not yet recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueEvent {
    pub process: String,
    pub round: RoundInfo,
    pub kind: EventKind,
    pub once_key: String,
}

/// The events the clock calls for at `now` in every process, told by no server yet: a round
/// open by its clock, a deadline 24 hours ahead, a round closed by its clock. A read: most
/// ticks find nothing, and then nothing is written.
pub fn due(r: &Reader<'_>, now: i64) -> Result<Vec<DueEvent>, Error> {
    let mut due = Vec::new();
    let in_flight = r.rounds_in_flight()?;
    let told = &in_flight.told;
    for (process, round) in in_flight.rounds {
        let mut wanted = Vec::new();
        match round.state_at(now) {
            RoundState::Open => {
                wanted.push((EventKind::RoundOpened, "opened".to_string()));
                if round.closes_at - now <= DEADLINE_NOTICE_MS {
                    wanted.push((
                        EventKind::RoundDeadlineIn24Hours,
                        format!("deadline_in_24_hours/{}", round.closes_at),
                    ));
                }
            }
            RoundState::Closed => {
                wanted.push((EventKind::RoundClosed, "closed".to_string()));
            }
            RoundState::Planned | RoundState::Consolidated => {}
        }
        for (kind, what) in wanted {
            let key = once_key(&process, round.number, &what);
            if !told.contains(&key) {
                due.push(DueEvent {
                    process: process.clone(),
                    round: round.clone(),
                    kind,
                    once_key: key,
                });
            }
        }
    }
    Ok(due)
}

/// Records the events `due` found (those another server recorded meanwhile are skipped by
/// their keys). The number recorded here.
pub fn record_due(w: &Writer<'_>, due: &[DueEvent], now: i64) -> Result<usize, Error> {
    let mut recorded = 0;
    for event in due {
        if w.event_recorded(&event.once_key)? {
            continue;
        }
        match event.kind {
            EventKind::RoundClosed => round_closed(w, &event.process, &event.round, now)?,
            kind => record_round_event(
                w,
                &event.process,
                &event.round,
                kind,
                Some(event.once_key.clone()),
                now,
            )?,
        }
        recorded += 1;
    }
    Ok(recorded)
}

/// The events of the process after event `after`, oldest first (at most `limit`), for a
/// caller who may read the process's rounds.
pub fn read(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    after: u64,
    limit: u32,
) -> Result<Vec<EventRecord>, Error> {
    authorize_on(r, caller, process, Action::ReadEvents)?;
    Ok(r.events_after(process, after, limit)?)
}

/// Checks that the caller may read the process's events, without reading any.
pub fn may_read(r: &Reader<'_>, caller: &Caller, process: &str) -> Result<(), Error> {
    authorize_on(r, caller, process, Action::ReadEvents).map(|_| ())
}

/// A subscription as a chair asks for it.
#[derive(Clone, Debug)]
pub struct WebhookRequest {
    pub url: String,
    pub secret: String,
    /// Event kinds by name; empty: every kind.
    pub kinds: Vec<String>,
    /// Whether the server lets webhooks reach loopback, private and link-local addresses
    /// (`penholder serve --webhook-private-targets`); refused by default: a subscription must
    /// not make the server a way into its own network (server-side request forgery).
    pub private_targets: bool,
}

/// Why a webhook is not delivered to `address` when private targets are not allowed: the
/// address is not a public one (loopback, private, link-local…), `None` when it is.
pub fn non_public(address: std::net::IpAddr) -> Option<&'static str> {
    use std::net::IpAddr;
    match address {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            if v4.is_loopback() {
                Some("a loopback address")
            } else if v4.is_private() {
                Some("a private address")
            } else if v4.is_link_local() {
                Some("a link-local address")
            } else if a == 0 {
                Some("an address of this host's network (0.0.0.0/8)")
            } else if a == 100 && (64..128).contains(&b) {
                Some("a shared (carrier-grade NAT) address")
            } else if v4.is_broadcast() || v4.is_multicast() {
                Some("a broadcast or multicast address")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            // An IPv4 address written as IPv6 (::ffff:127.0.0.1, 64:ff9b::7f00:1) is that address.
            let segments = v6.segments();
            let embedded = v6.to_ipv4_mapped().or_else(|| {
                (segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0]).then(|| {
                    let octets = v6.octets();
                    std::net::Ipv4Addr::new(octets[12], octets[13], octets[14], octets[15])
                })
            });
            if let Some(v4) = embedded {
                non_public(IpAddr::V4(v4))
            } else if v6.is_loopback() || v6.is_unspecified() {
                Some("a loopback address")
            } else if segments[0] & 0xfe00 == 0xfc00 {
                Some("a private (unique local) address")
            } else if segments[0] & 0xffc0 == 0xfe80 {
                Some("a link-local address")
            } else if v6.is_multicast() {
                Some("a multicast address")
            } else {
                None
            }
        }
    }
}

/// Why a webhook is not delivered to `host` when private targets are not allowed, from the
/// name alone: an address that is not public, or a `localhost` name. Other names are checked
/// where they are resolved, before each delivery (the server).
pub fn non_public_host(host: &url::Host<&str>) -> Option<&'static str> {
    match host {
        url::Host::Ipv4(v4) => non_public(std::net::IpAddr::V4(*v4)),
        url::Host::Ipv6(v6) => non_public(std::net::IpAddr::V6(*v6)),
        url::Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            (name == "localhost" || name.ends_with(".localhost")).then_some("a loopback name")
        }
    }
}

/// The longest URL accepted.
const MAX_URL: usize = 2000;

impl WebhookRequest {
    /// Checks the URL (absolute http or https, with a host), the secret (16 to 256 visible
    /// characters: it keys the HMAC) and the kinds (known names, no repeats). A URL that is not
    /// an http(s) URL is a malformed request (400); the rest are invalid fields (422).
    pub fn check(&self) -> Result<(), Error> {
        let url = self.url.trim();
        let rest = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("https://"))
            .ok_or_else(|| {
                Error::Malformed(format!(
                    "url: {url:?} is not an absolute http:// or https:// URL; webhooks are \
                     delivered by HTTP POST"
                ))
            })?;
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        if host.is_empty() || host.contains('@') {
            return Err(Error::Malformed(
                "url: the URL must name a host (and no user or password: the signature is the \
                 credential)"
                    .into(),
            ));
        }
        if url.len() > MAX_URL || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::Malformed(format!(
                "url: the URL must be at most {MAX_URL} characters, without spaces"
            )));
        }
        // The WHATWG parser reads a host as a browser would: `0x7f.1` is 127.0.0.1.
        let parsed = url::Url::parse(url)
            .map_err(|error| Error::Malformed(format!("url: {url:?} is not a URL ({error})")))?;
        if !self.private_targets
            && let Some(host) = parsed.host()
            && let Some(why) = non_public_host(&host)
        {
            return Err(Error::Malformed(format!(
                "url: {host} is {why}: webhooks are not delivered to loopback, private or \
                 link-local addresses (a way into the server's own network) unless penholder \
                 is started with --webhook-private-targets; subscribe a public address"
            )));
        }
        let secret_chars = self.secret.chars().count();
        if !(16..=256).contains(&secret_chars)
            || self
                .secret
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(Error::invalid_field(
                "/secret",
                "the secret must be 16 to 256 characters without spaces (it keys the HMAC-SHA256 \
                 signature of every delivery)",
            ));
        }
        for (index, kind) in self.kinds.iter().enumerate() {
            if EventKind::parse(kind).is_none() {
                let known: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
                return Err(Error::invalid_field(
                    format!("/events/{index}"),
                    format!("unknown event type {kind:?}; known: {}", known.join(", ")),
                ));
            }
            if self.kinds[..index].contains(kind) {
                return Err(Error::invalid_field(
                    format!("/events/{index}"),
                    format!("event type {kind} is listed twice"),
                ));
            }
        }
        Ok(())
    }
}

/// Checks that the caller may manage the process's webhooks.
pub fn may_manage(r: &Reader<'_>, caller: &Caller, process: &str) -> Result<(), Error> {
    let delegations = r.delegations(process)?;
    authorize(
        caller,
        &delegations,
        None,
        Action::ManageWebhooks,
        Phase::NoRound,
        None,
    )
}

/// Subscribes a URL to the process's events (chair, secretariat or admin).
pub fn create_webhook(
    w: &Writer<'_>,
    caller: &Caller,
    process: &str,
    request: &WebhookRequest,
    now: i64,
) -> Result<Webhook, Error> {
    may_manage(w, caller, process)?;
    request.check()?;
    Ok(w.create_webhook(
        process,
        &NewWebhook {
            url: request.url.trim().to_string(),
            secret: request.secret.clone(),
            kinds: request.kinds.clone(),
        },
        &caller.sub,
        now,
    )?)
}

/// The process's subscriptions (their secrets are never read back).
pub fn list_webhooks(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
) -> Result<Vec<Webhook>, Error> {
    may_manage(r, caller, process)?;
    Ok(r.webhooks(process)?)
}

/// Ends a subscription.
pub fn delete_webhook(
    w: &Writer<'_>,
    caller: &Caller,
    process: &str,
    number: u32,
    now: i64,
) -> Result<Webhook, Error> {
    may_manage(w, caller, process)?;
    Ok(w.delete_webhook(process, number, now)?)
}

/// A subscription and its latest deliveries (newest first), each with its attempts.
pub fn deliveries(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    number: u32,
    limit: u32,
) -> Result<(Webhook, Vec<Delivery>), Error> {
    may_manage(r, caller, process)?;
    let webhook = r.webhook(process, number)?;
    Ok((webhook, r.webhook_deliveries(process, number, limit)?))
}

/// When attempt `attempt` (1 for the first) failed at `now`, when to try again: after
/// `base_ms` doubled for each attempt before, at most `cap_ms`; `None` after `max_attempts`.
pub fn retry_at(
    now: i64,
    attempt: u32,
    base_ms: i64,
    cap_ms: i64,
    max_attempts: u32,
) -> Option<i64> {
    if attempt >= max_attempts {
        return None;
    }
    // Not a shift: `1 << 63` is negative, and it brought the retry forward (found by
    // `retries_stay_between_the_base_and_the_cap`).
    let factor = 2_i64
        .checked_pow(attempt.saturating_sub(1))
        .unwrap_or(i64::MAX);
    Some(now + base_ms.saturating_mul(factor).min(cap_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(url: &str, secret: &str, kinds: &[&str]) -> WebhookRequest {
        WebhookRequest {
            url: url.into(),
            secret: secret.into(),
            kinds: kinds.iter().map(|k| k.to_string()).collect(),
            private_targets: true,
        }
    }

    #[test]
    fn private_targets_are_refused_unless_the_server_allows_them() {
        let secret = "0123456789abcdef";
        for url in [
            "http://127.0.0.1:8080/hook",
            "http://localhost/hook",
            "http://api.localhost./hook",
            "http://0x7f.1/hook",
            "http://2130706433/hook",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "https://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://0.0.0.0:80/",
            "http://100.64.0.1/",
            "http://[::1]:9/",
            "http://[::ffff:127.0.0.1]/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://[64:ff9b::a00:1]/",
        ] {
            let mut refused = request(url, secret, &[]);
            refused.private_targets = false;
            match refused.check() {
                Err(Error::Malformed(detail)) => assert!(
                    detail.contains("--webhook-private-targets"),
                    "{url}: {detail}"
                ),
                other => panic!("{url} accepted without private targets: {other:?}"),
            }
            assert!(
                request(url, secret, &[]).check().is_ok(),
                "{url} with private targets"
            );
        }
        for url in [
            "https://hooks.example.org/penholder",
            "http://93.184.215.14/",
            "http://[2001:db8::1]/",
            "http://172.32.0.1/",
        ] {
            let mut public = request(url, secret, &[]);
            public.private_targets = false;
            assert!(public.check().is_ok(), "{url}: {:?}", public.check());
        }
    }

    #[test]
    fn a_subscription_needs_an_http_url_a_long_secret_and_known_kinds() {
        let secret = "0123456789abcdef";
        assert!(
            request("http://127.0.0.1:8080/hook", secret, &[])
                .check()
                .is_ok()
        );
        assert!(
            request("https://example.org/h?x=1", secret, &["round.closed"])
                .check()
                .is_ok()
        );
        for (url, secret, kinds, pointer) in [
            ("ftp://example.org/", secret, &[][..], "/url"),
            ("file:///etc/passwd", secret, &[], "/url"),
            ("javascript:alert(1)", secret, &[], "/url"),
            ("http:///path", secret, &[], "/url"),
            ("http://user:pw@example.org/", secret, &[], "/url"),
            ("http://example.org/a b", secret, &[], "/url"),
            ("http://example.org/", "short", &[], "/secret"),
            (
                "http://example.org/",
                secret,
                &["round.reopened"],
                "/events/0",
            ),
            (
                "http://example.org/",
                secret,
                &["round.closed", "round.closed"],
                "/events/1",
            ),
        ] {
            match request(url, secret, kinds).check() {
                Err(Error::Invalid { problems, .. }) => {
                    assert_eq!(problems[0].pointer, pointer, "{url} {secret} {kinds:?}")
                }
                // Not an http(s) URL: 400 at the edge.
                Err(Error::Malformed(detail)) => {
                    assert_eq!(pointer, "/url", "{url}: {detail}");
                    assert!(detail.starts_with("url: "), "{detail}");
                }
                other => panic!("{url} {secret} {kinds:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn retries_back_off_exponentially_up_to_a_cap_and_then_stop() {
        let at: Vec<Option<i64>> = (1..=6).map(|a| retry_at(0, a, 1_000, 5_000, 6)).collect();
        assert_eq!(
            at,
            [
                Some(1_000),
                Some(2_000),
                Some(4_000),
                Some(5_000),
                Some(5_000),
                None
            ]
        );
        assert_eq!(retry_at(0, 200, 1_000, 60_000, 1_000), Some(60_000));
    }

    proptest::proptest! {
        /// Whatever a chair sends as a URL, the check answers (never panics), and what it
        /// accepts is an http(s) URL naming a host, without spaces or credentials.
        #[test]
        fn only_http_urls_with_a_host_pass(url in "\\PC{0,40}|(https?|ftp|file)://[a-z@:./ ]{0,20}") {
            let checked = request(&url, "0123456789abcdef", &[]).check();
            if checked.is_ok() {
                let trimmed = url.trim();
                let rest = trimmed.strip_prefix("http://").or_else(|| trimmed.strip_prefix("https://"));
                proptest::prop_assert!(rest.is_some(), "{url:?} accepted");
                let host = rest.unwrap_or("").split(['/', '?', '#']).next().unwrap_or("");
                proptest::prop_assert!(!host.is_empty() && !host.contains('@'), "{url:?}");
                proptest::prop_assert!(!trimmed.contains(char::is_whitespace), "{url:?}");
            }
        }

        /// Retries never come sooner than the base nor later than the cap, never sooner than
        /// the one before, and stop at the last attempt.
        #[test]
        fn retries_stay_between_the_base_and_the_cap(
            base in 1_i64..100_000,
            cap_factor in 1_i64..1_000,
            max_attempts in 1_u32..100,
        ) {
            let cap = base * cap_factor;
            let mut previous = 0;
            for attempt in 1..=max_attempts + 2 {
                match retry_at(0, attempt, base, cap, max_attempts) {
                    Some(at) => {
                        proptest::prop_assert!(attempt < max_attempts);
                        proptest::prop_assert!(at >= base && at <= cap && at >= previous);
                        previous = at;
                    }
                    None => proptest::prop_assert!(attempt >= max_attempts),
                }
            }
        }
    }

    #[test]
    fn every_kind_reads_back_from_its_name() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
        }
    }
}
