//! Slow and idle clients against the real binary (issue 12, finding 5), on loopback, with
//! bounded connection counts and durations: half-sent heads, half-sent bodies and idle
//! keep-alive connections are closed by their deadlines; connections beyond the limit (or the
//! descriptor limit) get 503 with `Retry-After`, never a hang; `/healthz` keeps answering; a
//! stopping server does not wait on half-sent requests beyond its grace period; a 1 MB token
//! gets a 431 problem document.
//!
//! The server runs with short deadlines (1 s for heads, 1.5 s for bodies, 2 s of grace) so that
//! the suite takes seconds; the defaults are 10 s, 30 s and 10 s.

mod server_support;

use server_support::*;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const SHORT_DEADLINES: [(&str, &str); 4] = [
    ("PENHOLDER_JWT_SECRET", SECRET),
    ("PENHOLDER_HEADER_TIMEOUT", "1"),
    ("PENHOLDER_BODY_TIMEOUT", "1.5"),
    ("PENHOLDER_SHUTDOWN_GRACE", "2"),
];

fn connect(server: &Server) -> TcpStream {
    let address = server.base.trim_start_matches("http://");
    let stream = TcpStream::connect(address).expect("connect to the server");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a read timeout");
    stream
}

/// What the server sent until it closed the connection, and how long that took; `None` when
/// it was still open after `patience`.
fn until_closed(stream: &mut TcpStream, patience: Duration) -> Option<(Vec<u8>, Duration)> {
    let started = Instant::now();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let left = patience.checked_sub(started.elapsed())?;
        stream
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .expect("a read timeout");
        match stream.read(&mut buffer) {
            Ok(0) => return Some((received, started.elapsed())),
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(error) if error.kind() == ErrorKind::ConnectionReset => {
                return Some((received, started.elapsed()));
            }
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return None;
            }
            Err(error) => panic!("reading from the server: {error}"),
        }
    }
}

fn status_of(response: &[u8]) -> Option<u16> {
    let text = std::str::from_utf8(response.get(..12)?).ok()?;
    text.strip_prefix("HTTP/1.1 ")?.parse().ok()
}

fn header_of<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    let head = response.split("\r\n\r\n").next()?;
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// A `/healthz` on a fresh connection: its status, or `None` when no answer came within 2 s.
fn health(server: &Server) -> Option<u16> {
    let mut stream = connect(server);
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: penholder\r\nConnection: close\r\n\r\n")
        .ok()?;
    let (response, _) = until_closed(&mut stream, Duration::from_secs(2))?;
    status_of(&response)
}

/// A request whose head stops in the middle of a header line.
fn half_sent_head(server: &Server) -> TcpStream {
    let mut stream = connect(server);
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: penholder\r\nX-Slow: ")
        .expect("send part of a head");
    stream
}

/// A submission whose headers are complete and whose body stops after its first byte.
fn half_sent_body(server: &Server, token: &str) -> TcpStream {
    let mut stream = connect(server);
    let head = format!(
        "PUT /v1/processes/slow/rounds/1/submissions/FR HTTP/1.1\r\nHost: penholder\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Content-Length: 1000\r\n\r\n{{"
    );
    stream.write_all(head.as_bytes()).expect("send a head");
    stream
}

#[test]
fn half_sent_heads_half_sent_bodies_and_idle_connections_are_closed_by_their_deadlines() {
    let db = TestDb::sqlite();
    let server = Server::start_with(&db, &SHORT_DEADLINES);
    let token = token("delegate", Some("FR"));
    let mut heads = Vec::new();
    let mut bodies = Vec::new();
    let mut idle = Vec::new();
    for _ in 0..70 {
        heads.push(half_sent_head(&server));
        bodies.push(half_sent_body(&server, &token));
    }
    for _ in 0..60 {
        let mut stream = connect(&server);
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: penholder\r\n\r\n")
            .expect("send a request");
        let mut first = [0u8; 12];
        stream.read_exact(&mut first).expect("an answer");
        assert_eq!(status_of(&first), Some(200));
        idle.push(stream);
    }
    // 200 slow connections are held, and a healthy client is still served.
    assert_eq!(
        health(&server),
        Some(200),
        "/healthz beside 200 slow clients"
    );

    for mut stream in heads {
        let (_, after) = until_closed(&mut stream, Duration::from_secs(5))
            .expect("a half-sent head is closed within its deadline");
        assert!(after <= Duration::from_secs(3), "closed after {after:?}");
    }
    for mut stream in bodies {
        let (response, _) = until_closed(&mut stream, Duration::from_secs(5))
            .expect("a half-sent body is closed within its deadline");
        let response = String::from_utf8_lossy(&response).to_string();
        assert_eq!(
            status_of(response.as_bytes()),
            Some(408),
            "a stalled body is told why: {response}"
        );
        assert_eq!(
            header_of(&response, "content-type"),
            Some("application/problem+json")
        );
        assert!(
            response.contains("did not arrive within 1.5 s"),
            "{response}"
        );
    }
    for mut stream in idle {
        // Draining the rest of the first answer, then the close.
        until_closed(&mut stream, Duration::from_secs(5))
            .expect("an idle keep-alive connection is closed");
    }
    assert_eq!(health(&server), Some(200));
}

#[test]
fn connections_beyond_the_descriptor_limit_are_refused_with_503_and_the_server_recovers() {
    let db = TestDb::sqlite();
    // 200 descriptors: after the 64 the server keeps for itself, 136 connections. The head
    // deadline is long enough that none of the 150 held connections expires before the last
    // is opened, even on a machine busy with other tests (at 1 s, none was refused there).
    let server = Server::start_under(
        &["prlimit", "--nofile=200:200", "--"],
        &db,
        &[
            ("PENHOLDER_JWT_SECRET", SECRET),
            ("PENHOLDER_HEADER_TIMEOUT", "4"),
        ],
    );
    let mut held = Vec::new();
    for _ in 0..150 {
        held.push(half_sent_head(&server));
    }
    // A monitor is answered, never left hanging: 503 while the slots are taken…
    assert!(
        matches!(health(&server), Some(200 | 503)),
        "/healthz must be answered while the slots are held"
    );
    // Whatever is beyond the limit is answered at once, with a reason and when to come back.
    let mut refused = 0;
    // Each connection is either answered 503 at once or closed empty by the head deadline.
    for stream in &mut held {
        let Some((response, _)) = until_closed(stream, Duration::from_secs(8)) else {
            panic!("a held connection was neither refused nor closed by its deadline");
        };
        if response.is_empty() {
            continue;
        }
        let response = String::from_utf8_lossy(&response).to_string();
        assert_eq!(status_of(response.as_bytes()), Some(503), "{response}");
        assert_eq!(header_of(&response, "retry-after"), Some("1"));
        assert_eq!(
            header_of(&response, "content-type"),
            Some("application/problem+json")
        );
        refused += 1;
    }
    assert!(
        refused >= 14,
        "only {refused} of 150 refused at a limit of 136"
    );
    // …and 200 once the slow clients have been closed by their deadline (all were, above).
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(health(&server), Some(200));
    drop(held);
}

#[test]
fn a_stopping_server_does_not_wait_on_half_sent_requests_beyond_its_grace() {
    let db = TestDb::sqlite();
    let mut server = Server::start_with(
        &db,
        &[
            ("PENHOLDER_JWT_SECRET", SECRET),
            // Deadlines longer than the grace period: the grace period must end it.
            ("PENHOLDER_HEADER_TIMEOUT", "60"),
            ("PENHOLDER_BODY_TIMEOUT", "60"),
            ("PENHOLDER_SHUTDOWN_GRACE", "1"),
        ],
    );
    let token = token("delegate", Some("FR"));
    let mut held: Vec<TcpStream> = (0..3).map(|_| half_sent_body(&server, &token)).collect();
    for _ in 0..3 {
        held.push(half_sent_head(&server));
    }
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    assert!(server.terminate(), "the server exits cleanly on SIGTERM");
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(4),
        "stopping took {took:?} with a grace period of 1 s"
    );
    drop(held);
}

#[test]
fn a_megabyte_token_gets_a_431_problem_document() {
    let db = TestDb::sqlite();
    let server = Server::start(&db);
    let mut stream = connect(&server);
    let head = format!(
        "GET /v1/processes HTTP/1.1\r\nHost: penholder\r\nConnection: close\r\n\
         Authorization: Bearer {}\r\n\r\n",
        "a".repeat(1 << 20)
    );
    stream.write_all(head.as_bytes()).expect("send the head");
    let (response, _) =
        until_closed(&mut stream, Duration::from_secs(10)).expect("an answer, then the close");
    let response = String::from_utf8_lossy(&response).to_string();
    assert_eq!(status_of(response.as_bytes()), Some(431), "{response}");
    assert_eq!(
        header_of(&response, "content-type"),
        Some("application/problem+json")
    );
    assert!(
        response.contains("more than the limit of 65536"),
        "the detail says what to fix: {response}"
    );
    assert_eq!(health(&server), Some(200));
}
