//! Events against the real binary, on SQLite and PostgreSQL (issue 17, item 5): a round's life
//! told as events — opened and its deadline 24 hours ahead by the server's clock, closed and
//! its compilation ready by the chair's hand, the consolidated version published — read as a
//! server-sent event stream (resumed with `Last-Event-ID`) and as JSON, and POSTed to a webhook
//! receiver on a loopback port that checks each signature as a receiver would and answers 500
//! once (the delivery is tried again, and the log says so). A sealed submission's words never
//! appear in any event. On PostgreSQL, a second server on the same database streams what the
//! first recorded, and the clock's events are told once by the two.

mod server_support;

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use server_support::*;
use sha2::Sha256;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const P: &str = "/v1/processes/ev";
const SECRET: &str = "a-webhook-secret-of-some-length";
/// A delegation's words while the round is open: sealed from everyone else.
const SEALED_WORDS: &str = "Zanzibar-quokka-sealed";

/// What the receiver got: each request's headers (lower-case names) and body.
type Received = Arc<Mutex<Vec<(Vec<(String, String)>, Vec<u8>)>>>;

/// A webhook receiver on a loopback port: answers the first request 500, then 204.
fn receiver() -> (String, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let received: Received = Arc::default();
    let log = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let log = log.clone();
            std::thread::spawn(move || serve_one(stream, &log));
        }
    });
    (url, received)
}

fn serve_one(stream: TcpStream, log: &Received) {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    assert!(line.starts_with("POST /hook "), "{line}");
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap();
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map(|(_, v)| v.parse().unwrap())
        .expect("a content length");
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let first = {
        let mut log = log.lock().unwrap();
        log.push((headers, body));
        log.len() == 1
    };
    let status = if first {
        "500 Internal Server Error"
    } else {
        "204 No Content"
    };
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
}

/// Checks a delivery's signature as docs/events.md tells a receiver to.
fn verify(headers: &[(String, String)], body: &[u8]) -> bool {
    let Some((_, signature)) = headers.iter().find(|(n, _)| n == "penholder-signature") else {
        return false;
    };
    let mut t = None;
    let mut v1 = None;
    for part in signature.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = Some(value.to_string()),
            Some(("v1", value)) => v1 = Some(value.to_string()),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    let age = time::OffsetDateTime::now_utc().unix_timestamp() - t.parse::<i64>().unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    let expected = hex::encode(mac.finalize().into_bytes());
    age.abs() < 300 && expected == v1
}

/// An event stream opened on `path`: the events read, as (id, type, data).
struct Stream {
    reader: BufReader<TcpStream>,
}

impl Stream {
    fn open(server: &Server, token: &str, last_event_id: Option<u64>) -> Stream {
        let address = server.url("").trim_start_matches("http://").to_string();
        let mut stream = TcpStream::connect(&address).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let resume = last_event_id
            .map(|id| format!("Last-Event-ID: {id}\r\n"))
            .unwrap_or_default();
        write!(
            stream,
            "GET {P}/events HTTP/1.1\r\nHost: {address}\r\nAccept: text/event-stream\r\n\
             Authorization: Bearer {token}\r\n{resume}\r\n"
        )
        .unwrap();
        let mut reader = BufReader::new(stream);
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line.to_ascii_lowercase().starts_with("content-type:") {
                assert!(line.contains("text/event-stream"), "{line}");
            }
            if line.trim_end().is_empty() {
                break;
            }
        }
        Stream { reader }
    }

    /// The next event (keep-alive comments and chunk sizes skipped).
    fn next(&mut self) -> (u64, String, Value) {
        let (mut id, mut kind, mut data) = (None, None, None);
        // Keep-alive comments arrive while nothing happens: the socket's timeout alone would
        // wait for ever.
        let start = Instant::now();
        loop {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "no event within 20 s"
            );
            let mut line = String::new();
            assert!(
                self.reader.read_line(&mut line).expect("an event in time") > 0,
                "the stream ended"
            );
            let line = line.trim_end();
            if let Some(value) = line.strip_prefix("id: ").or(line.strip_prefix("id:")) {
                id = Some(value.trim().parse().unwrap());
            } else if let Some(value) = line.strip_prefix("event:") {
                kind = Some(value.trim().to_string());
            } else if let Some(value) = line.strip_prefix("data:") {
                data = Some(serde_json::from_str(value.trim()).unwrap());
            } else if line.is_empty()
                && let (Some(id), Some(kind), Some(data)) = (id, kind.clone(), data.clone())
            {
                return (id, kind, data);
            }
        }
    }
}

fn world(server: &Server) {
    post(
        server,
        "/v1/processes",
        &token("admin", None),
        &json!({"slug": "ev", "title": "Events", "delegations": [
            {"code": "HU", "name": "Hungary", "kind": "state", "function": "chair"},
            {"code": "FR", "name": "France", "kind": "state"},
            {"code": "DE", "name": "Germany", "kind": "state"}
        ]}),
    )
    .expect(201);
    post(
        server,
        &format!("{P}/documents"),
        &token("chair", Some("HU")),
        &json!({"slug": "declaration", "title": "Declaration", "source": {"format": "markdown",
                "text": "# Declaration\n\n1. First paragraph.\n\n2. Second paragraph.\n"}}),
    )
    .expect(201);
}

/// The process's events as JSON, as `token` reads them.
fn events_json(server: &Server, token: &str) -> Vec<Value> {
    get(server, &format!("{P}/events?limit=1000"), token)
        .expect(200)
        .json()["events"]
        .as_array()
        .unwrap()
        .clone()
}

fn kinds(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

/// Waits until `done` holds (or fails after 20 s, saying what was seen).
#[track_caller]
fn wait_for<T: std::fmt::Debug>(
    what: &str,
    mut probe: impl FnMut() -> T,
    done: impl Fn(&T) -> bool,
) -> T {
    let start = Instant::now();
    loop {
        let seen = probe();
        if done(&seen) {
            return seen;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{what}: still {seen:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

const FAST: &[(&str, &str)] = &[
    ("PENHOLDER_JWT_SECRET", server_support::SECRET),
    ("PENHOLDER_EVENTS_POLL", "0.05"),
    ("PENHOLDER_WEBHOOK_RETRY", "0.2"),
    // The receiver listens on a loopback port.
    ("PENHOLDER_WEBHOOK_PRIVATE_TARGETS", "true"),
];

#[test]
fn a_webhook_to_a_private_address_is_refused_unless_the_server_allows_it() {
    let db = TestDb::sqlite();
    let server = Server::start(&db);
    world(&server);
    let chair = token("chair", Some("HU"));
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost:9/hook",
        "http://0x7f.1:9/hook",
        "http://[::1]:9/hook",
        "http://10.0.0.8/hook",
        "http://169.254.169.254/latest/meta-data/",
        "gopher://127.0.0.1:70/",
    ] {
        let answer = post(
            &server,
            &format!("{P}/webhooks"),
            &chair,
            &json!({"url": url, "secret": SECRET}),
        )
        .expect(400);
        assert_eq!(
            answer.header("content-type"),
            Some("application/problem+json")
        );
        let detail = answer.json()["detail"].as_str().unwrap_or("").to_string();
        assert!(detail.starts_with("url: "), "{url}: {detail}");
    }
    assert!(
        get(&server, &format!("{P}/webhooks"), &chair)
            .expect(200)
            .json()
            .as_array()
            .is_some_and(Vec::is_empty),
        "nothing subscribed"
    );
}

both_backends!(a_rounds_life_reaches_the_stream_and_the_signed_webhooks);

fn a_rounds_life_reaches_the_stream_and_the_signed_webhooks(db: &TestDb) {
    let server = Server::start_with(db, FAST);
    world(&server);
    let chair = token("chair", Some("HU"));
    let fr = token("delegate", Some("FR"));
    let de = token("delegate", Some("DE"));
    let (url, received) = receiver();

    // Subscriptions: http(s) only (400), a secret long enough and known types (422).
    for (body, status) in [
        (json!({"url": "ftp://127.0.0.1/x", "secret": SECRET}), 400),
        (json!({"url": "file:///etc/passwd", "secret": SECRET}), 400),
        (json!({"url": url, "secret": "short"}), 422),
        (
            json!({"url": url, "secret": SECRET, "events": ["round.exploded"]}),
            422,
        ),
    ] {
        let answer = post(&server, &format!("{P}/webhooks"), &chair, &body).expect(status);
        assert!(
            answer.json()["detail"]
                .as_str()
                .is_some_and(|d| !d.is_empty())
        );
    }
    post(
        &server,
        &format!("{P}/webhooks"),
        &fr,
        &json!({"url": url, "secret": SECRET}),
    )
    .expect(403);
    assert_eq!(
        get(&server, &format!("{P}/webhooks"), &chair)
            .expect(200)
            .json(),
        json!([])
    );
    let hook = post(
        &server,
        &format!("{P}/webhooks"),
        &chair,
        &json!({"url": url, "secret": SECRET}),
    )
    .expect(201)
    .json();
    assert_eq!(hook["number"], 1);
    assert!(hook.get("secret").is_none(), "{hook}");

    // The stream, opened before anything happened; a non-member may not open one.
    let outsider = token("delegate", Some("XX"));
    let refused = request(
        "GET",
        &server.url(&format!("{P}/events")),
        Some(&outsider),
        &[("accept", "text/event-stream")],
        None,
    );
    assert_eq!(refused.status, 403);
    let mut live = Stream::open(&server, &de, None);

    // A round opened by its clock a minute ago, closing in an hour: the server's clock tells
    // both that it opened and that its deadline is within 24 hours.
    post(
        &server,
        &format!("{P}/rounds"),
        &chair,
        &json!({"document": "declaration", "label": "Written feedback",
                "opens_at": from_now(-60), "closes_at": from_now(3600)}),
    )
    .expect(201);
    put(
        &server,
        &format!("{P}/rounds/1/submissions/FR"),
        &fr,
        &json!({"items": [{"kind": "comment", "node": null, "text": format!("{SEALED_WORDS}: our view.")}]}),
    )
    .expect(201);
    let (first, opened, data) = live.next();
    let (_, deadline, _) = live.next();
    assert_eq!(
        [opened.as_str(), deadline.as_str()],
        ["round.opened", "round.deadline_in_24_hours"]
    );
    assert_eq!(data["data"]["round"], 1);
    assert_eq!(data["data"]["document"], "declaration");
    // While the round is open, no event says anything of the submission.
    let open_events = events_json(&server, &de);
    assert!(
        !serde_json::to_string(&open_events)
            .unwrap()
            .contains(SEALED_WORDS),
        "{open_events:?}"
    );

    let closing = Instant::now();
    post(&server, &format!("{P}/rounds/1/close"), &chair, &json!({})).expect(200);
    let (_, closed, _) = live.next();
    eprintln!(
        "{:?}: the close reached the stream {} ms after the chair sent it (poll 50 ms)",
        db.backend(),
        closing.elapsed().as_millis()
    );
    let (_, ready, _) = live.next();
    assert_eq!(
        [closed.as_str(), ready.as_str()],
        ["round.closed", "compilation.ready"]
    );
    post(
        &server,
        &format!("{P}/rounds/1/consolidate"),
        &chair,
        &json!({"label": "Rev. 1"}),
    )
    .expect(201);
    let (last, published, data) = live.next();
    assert_eq!(published, "version.published");
    assert_eq!(data["data"]["version"], 2);
    drop(live);

    // Resumed after the first event: the four after it, in order, the same ids.
    let mut resumed = Stream::open(&server, &de, Some(first));
    let again: Vec<(u64, String)> = (0..4)
        .map(|_| {
            let (id, kind, _) = resumed.next();
            (id, kind)
        })
        .collect();
    assert_eq!(again.last().unwrap().0, last);
    assert_eq!(
        again.iter().map(|(_, k)| k.as_str()).collect::<Vec<_>>(),
        [
            "round.deadline_in_24_hours",
            "round.closed",
            "compilation.ready",
            "version.published"
        ]
    );
    drop(resumed);
    let garbled = request(
        "GET",
        &server.url(&format!("{P}/events")),
        Some(&de),
        &[
            ("accept", "text/event-stream"),
            ("last-event-id", "yesterday"),
        ],
        None,
    );
    assert_eq!(garbled.status, 400);

    let all = events_json(&server, &chair);
    assert_eq!(
        kinds(&all),
        [
            "round.opened",
            "round.deadline_in_24_hours",
            "round.closed",
            "compilation.ready",
            "version.published"
        ]
    );
    // Never a sealed detail, even once published; and nothing of it in the webhooks either.
    assert!(!serde_json::to_string(&all).unwrap().contains(SEALED_WORDS));

    // Webhooks: five events, the first answered 500 and tried again: six requests, each
    // signed; the log says the first delivery took two attempts.
    let requests = wait_for(
        "six webhook requests",
        || received.lock().unwrap().len(),
        |n| *n >= 6,
    );
    assert_eq!(requests, 6);
    let received = received.lock().unwrap().clone();
    let mut delivered_kinds = Vec::new();
    for (headers, body) in &received {
        assert!(verify(headers, body), "a bad signature: {headers:?}");
        let mut forged = body.clone();
        forged.push(b' ');
        assert!(!verify(headers, &forged));
        let event: Value = serde_json::from_slice(body).unwrap();
        assert!(!String::from_utf8_lossy(body).contains(SEALED_WORDS));
        let header = headers
            .iter()
            .find(|(n, _)| n == "penholder-event")
            .unwrap();
        assert_eq!(header.1, event["type"]);
        delivered_kinds.push(event["type"].as_str().unwrap().to_string());
    }
    delivered_kinds.sort();
    delivered_kinds.dedup();
    assert_eq!(delivered_kinds.len(), 5, "{delivered_kinds:?}");
    let log = wait_for(
        "every delivery delivered",
        || {
            get(&server, &format!("{P}/webhooks/1/deliveries"), &chair)
                .expect(200)
                .json()
        },
        |log| {
            log["deliveries"]
                .as_array()
                .is_some_and(|d| d.len() == 5 && d.iter().all(|d| d["state"] == "delivered"))
        },
    );
    let retried: Vec<&Value> = log["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["attempts"] != 1)
        .collect();
    assert_eq!(retried.len(), 1, "{log}");
    assert_eq!(retried[0]["attempts"], 2);
    assert_eq!(retried[0]["log"][0]["status"], 500);
    assert_eq!(retried[0]["log"][1]["status"], 204);
    get(&server, &format!("{P}/webhooks/1/deliveries"), &fr).expect(403);
    get(&server, &format!("{P}/webhooks/9/deliveries"), &chair).expect(404);

    // Ended: no delivery of what follows.
    request(
        "DELETE",
        &server.url(&format!("{P}/webhooks/1")),
        Some(&chair),
        &[],
        None,
    )
    .expect(200);
    post(
        &server,
        &format!("{P}/rounds"),
        &chair,
        &json!({"document": "declaration", "label": "Second",
                "opens_at": from_now(3600), "closes_at": from_now(7200)}),
    )
    .expect(201);
    post(&server, &format!("{P}/rounds/2/open"), &chair, &json!({})).expect(200);
    let log = get(&server, &format!("{P}/webhooks/1/deliveries"), &chair)
        .expect(200)
        .json();
    assert_eq!(log["deliveries"].as_array().unwrap().len(), 5);
    assert!(log["webhook"]["deleted_at"].is_string());
    db.verify_audit("after the events");
}

/// Two servers on one PostgreSQL database: what one records, a stream on the other sends; the
/// clock's events are told once though both look for them.
#[test]
fn two_servers_share_the_outbox_and_tell_the_clocks_events_once() {
    let Some(db) = TestDb::postgres() else { return };
    let a = Server::start_with(&db, FAST);
    let b = Server::start_with(&db, FAST);
    world(&a);
    let chair = token("chair", Some("HU"));
    // Both servers run their delivery loops: each delivery is claimed by one of them.
    let (url, received) = receiver();
    post(
        &b,
        &format!("{P}/webhooks"),
        &chair,
        &json!({"url": url, "secret": SECRET}),
    )
    .expect(201);
    let mut on_b = Stream::open(&b, &token("delegate", Some("FR")), None);
    for n in 1..=3 {
        post(
            &a,
            &format!("{P}/rounds"),
            &chair,
            &json!({"document": "declaration", "label": format!("Round {n}"),
                    "opens_at": from_now(-60), "closes_at": from_now(3600)}),
        )
        .expect(201);
    }
    let mut seen = Vec::new();
    for _ in 0..6 {
        let (_, kind, data) = on_b.next();
        seen.push((kind, data["round"].as_u64().unwrap()));
    }
    post(&a, &format!("{P}/rounds/2/close"), &chair, &json!({})).expect(200);
    let (_, closed, data) = on_b.next();
    assert_eq!(
        (closed.as_str(), data["round"].as_u64()),
        ("round.closed", Some(2))
    );
    // Both servers looked many times meanwhile; each event is there once.
    std::thread::sleep(Duration::from_millis(500));
    let all = events_json(&b, &chair);
    let mut told: Vec<(String, u64)> = all
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_string(),
                e["round"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(told.len(), 8, "{told:?}");
    told.sort();
    told.dedup();
    assert_eq!(told.len(), 8, "an event told twice: {all:?}");
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 6);
    // Eight events, the first delivery answered 500 and tried again: nine requests, and no
    // more however long the two servers go on looking.
    wait_for(
        "nine webhook requests",
        || received.lock().unwrap().len(),
        |n| *n >= 9,
    );
    std::thread::sleep(Duration::from_millis(1000));
    let received = received.lock().unwrap().clone();
    let mut ids: Vec<u64> = received
        .iter()
        .map(|(headers, body)| {
            assert!(verify(headers, body));
            serde_json::from_slice::<Value>(body).unwrap()["id"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(ids.len(), 9, "{ids:?}");
    ids.sort();
    ids.dedup();
    assert_eq!(
        ids.len(),
        8,
        "an event delivered twice after a 2xx: {ids:?}"
    );
}
