//! Hostile input against the real binary, beyond the in-process hostile test of
//! `crates/server/tests/api.rs` (which feeds a dozen bad submission bodies to the router):
//! here every write endpoint gets its valid body mutated systematically — truncated at many
//! points, every field removed, every value replaced by every wrong type, an unknown field added
//! to every object, keys duplicated, NUL and lone surrogates and invalid UTF-8 put in strings,
//! values nested 100,000 deep — plus 100,000 items, a 5 MB paragraph against the default body
//! limit, deeply nested Markdown, path traversal and SQL in slugs, codes, references and query
//! strings, hidden characters (bidi controls, zero-width) that must be accepted and flagged,
//! duplicate `Idempotency-Key`s sent concurrently, malformed HTTP on a raw socket, and a few
//! thousand concurrent requests.
//!
//! Every answer must be a success or a 4xx `application/problem+json` whose `status` is the
//! status; never a 5xx. Unknown fields and duplicate keys must be refused, never ignored.
//! Afterwards the server answers `/healthz`, stops cleanly on SIGTERM, and `penholder audit
//! verify` passes. `PENHOLDER_HOSTILE_CONCURRENT` sets the number of concurrent requests
//! (default 3,000; `make soak` sends 20,000). On SQLite and on PostgreSQL.

mod server_support;

use serde_json::{Value, json};
use server_support::*;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Counts every request and collects what went wrong.
#[derive(Default)]
struct Tally {
    tried: u64,
    by_status: BTreeMap<u16, u64>,
    failures: Vec<String>,
}

impl Tally {
    /// A success, or a 4xx problem document; `refuse`: only a 4xx will do.
    fn check(&mut self, what: &str, answer: &Answer, refuse: bool) {
        self.tried += 1;
        *self.by_status.entry(answer.status).or_default() += 1;
        let body =
            || String::from_utf8_lossy(&answer.bytes[..answer.bytes.len().min(300)]).to_string();
        match answer.status {
            200..=299 if !refuse => {}
            400..=499 => {
                if answer.content_type.as_deref() != Some("application/problem+json") {
                    self.failures.push(format!(
                        "{what}: {} without problem+json ({:?}): {}",
                        answer.status,
                        answer.content_type,
                        body()
                    ));
                } else if answer.json()["status"] != answer.status {
                    self.failures.push(format!(
                        "{what}: problem status differs from {}: {}",
                        answer.status,
                        body()
                    ));
                }
            }
            status => self.failures.push(format!(
                "{what}: {status}{}: {}",
                if refuse { " (must be refused)" } else { "" },
                body()
            )),
        }
    }

    fn assert_clean(&self, phase: &str) {
        assert!(
            self.failures.is_empty(),
            "{phase}: {} of {} requests answered wrongly:\n{}",
            self.failures.len(),
            self.tried,
            self.failures.join("\n")
        );
    }
}

/// The process `bp`: HU chairs; FR and DE are in, with the EU as their group. `cfa` has round 1
/// open; `decl` has round 2, closed, with submissions carrying hidden characters; `note` is
/// for uploads and new rounds.
struct World {
    admin: String,
    chair: String,
    fr: String,
    de: String,
    /// A change of round 2's compilation.
    change: String,
}

const HIDDEN: [char; 15] = [
    '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{200E}', '\u{200F}', '\u{FEFF}',
];

fn references_of(server: &Server, document: &str, token: &str) -> Vec<String> {
    get(
        server,
        &format!("/v1/processes/bp/documents/{document}/versions/1"),
        token,
    )
    .expect(200)
    .json()["references"]
        .as_array()
        .expect("references")
        .iter()
        .filter_map(|r| r["reference"].as_str().map(str::to_owned))
        .collect()
}

fn world(server: &Server) -> World {
    let admin = token("admin", None);
    let chair = token("chair", Some("HU"));
    let fr = token("delegate", Some("FR"));
    let de = token("delegate", Some("DE"));
    post(
        server,
        "/v1/processes",
        &admin,
        &json!({"slug": "bp", "title": "Budapest Process", "delegations": [
            {"code": "HU", "name": "Hungary", "kind": "state", "function": "chair"},
            {"code": "FR", "name": "France", "kind": "state"},
            {"code": "DE", "name": "Germany", "kind": "state"},
            {"code": "EU", "name": "European Union", "kind": "group", "members": ["FR", "DE"]}
        ]}),
    )
    .expect(201);
    for (slug, source) in [
        (
            "cfa",
            json!({"format": "json", "text": fixture("call-for-action.json")}),
        ),
        (
            "decl",
            json!({"format": "json", "text": fixture("declaration.json")}),
        ),
        (
            "note",
            json!({"format": "markdown", "text": "# Note\n\n1. The Presidency invites comments.\n"}),
        ),
    ] {
        post(
            server,
            "/v1/processes/bp/documents",
            &chair,
            &json!({"slug": slug, "title": slug, "source": source}),
        )
        .expect(201);
    }
    for document in ["cfa", "decl"] {
        post(
            server,
            "/v1/processes/bp/rounds",
            &chair,
            &json!({"document": document, "label": "Feedback",
                    "opens_at": from_now(-60), "closes_at": from_now(6 * 3600)}),
        )
        .expect(201);
    }
    // Hidden characters: accepted, and flagged in the compilation, every one of them.
    let references = references_of(server, "decl", &chair);
    let paragraphs: Vec<&String> = references
        .iter()
        .filter(|r| r.starts_with("OP") || r.starts_with("PP"))
        .collect();
    assert!(paragraphs.len() >= 4, "{references:?}");
    let bidi: String = HIDDEN[..9].iter().collect();
    let zero_width: String = HIDDEN[9..].iter().collect();
    put(
        server,
        "/v1/processes/bp/rounds/2/submissions/FR",
        &fr,
        &json!({"items": [
            {"kind": "amend", "node": paragraphs[0], "text": format!("Agree to meet again in {bidi}6202.")},
            {"kind": "insert", "after": paragraphs[1], "text": "A new paragraph\u{2067} with an isolate."},
            {"kind": "comment", "node": null, "text": "Reversed \u{202E}txet\u{202C}."}
        ]}),
    )
    .expect(201);
    put(
        server,
        "/v1/processes/bp/rounds/2/submissions/DE",
        &de,
        &json!({"items": [
            {"kind": "amend", "node": paragraphs[2], "text": format!("Invisible{zero_width}words.")},
            {"kind": "delete", "node": paragraphs[3]}
        ]}),
    )
    .expect(201);
    post(
        server,
        "/v1/processes/bp/rounds/2/close",
        &chair,
        &json!({}),
    )
    .expect(200);
    let compilation = get(server, "/v1/processes/bp/rounds/2/compilation", &chair)
        .expect(200)
        .json();
    let flagged: Vec<String> = compilation["compilation"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .flat_map(|n| n["flags"].as_array().cloned().unwrap_or_default())
        .flat_map(|f| f["characters"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c.as_str().map(str::to_owned))
        .collect();
    for c in HIDDEN {
        let name = format!("U+{:04X}", c as u32);
        assert!(
            flagged.contains(&name),
            "{name} is not flagged in the compilation: {flagged:?}"
        );
    }
    let change = compilation["compilation"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .flat_map(|n| n["changes"].as_array().cloned().unwrap_or_default())
        .find_map(|c| c["id"].as_str().map(str::to_owned))
        .expect("a change");
    World {
        admin,
        chair,
        fr,
        de,
        change,
    }
}

// ---- mutations of valid bodies --------------------------------------------------------------

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

/// Every place in a JSON value but the root, parents before children.
fn places(value: &Value) -> Vec<Vec<Step>> {
    fn walk(value: &Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    at.push(Step::Key(key.clone()));
                    out.push(at.clone());
                    walk(child, at, out);
                    at.pop();
                }
            }
            Value::Array(items) => {
                for (index, child) in items.iter().enumerate() {
                    at.push(Step::Index(index));
                    out.push(at.clone());
                    walk(child, at, out);
                    at.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut Vec::new(), &mut out);
    out
}

fn at_mut<'v>(value: &'v mut Value, place: &[Step]) -> Option<&'v mut Value> {
    place.iter().try_fold(value, |v, step| match step {
        Step::Key(key) => v.get_mut(key.as_str()),
        Step::Index(index) => v.get_mut(*index),
    })
}

fn describe(place: &[Step]) -> String {
    place
        .iter()
        .map(|s| match s {
            Step::Key(k) => format!("/{k}"),
            Step::Index(i) => format!("/{i}"),
        })
        .collect()
}

/// A mutated body: raw bytes, what was done, and whether it must be refused.
struct Mutant {
    bytes: Vec<u8>,
    what: String,
    refuse: bool,
}

fn mutants(valid: &Value) -> Vec<Mutant> {
    let text = serde_json::to_string(valid).expect("json");
    let mut out = Vec::new();
    let mut push = |bytes: Vec<u8>, what: String, refuse: bool| {
        out.push(Mutant {
            bytes,
            what,
            refuse,
        })
    };
    // Truncated: at a dozen points, and one byte short.
    let len = text.len();
    let mut cuts: Vec<usize> = (1..12).map(|i| i * len / 12).collect();
    cuts.push(len - 1);
    cuts.dedup();
    for cut in cuts {
        if let Some(prefix) = text.get(..cut) {
            push(
                prefix.as_bytes().to_vec(),
                format!("truncated at {cut}"),
                true,
            );
        }
    }
    // Not an object at all.
    for other in ["null", "[]", "0", "\"text\"", "true", "{}", "[{}]"] {
        push(
            other.as_bytes().to_vec(),
            format!("body {other}"),
            other == "[{}]",
        );
    }
    for place in places(valid) {
        // Every field removed (a valid body may do without an optional one).
        if let Some(Step::Key(key)) = place.last() {
            let mut copy = valid.clone();
            if let Some(Value::Object(parent)) = at_mut(&mut copy, &place[..place.len() - 1]) {
                parent.remove(key);
                push(
                    serde_json::to_vec(&copy).expect("json"),
                    format!("without {}", describe(&place)),
                    false,
                );
            }
        }
        // Every value replaced by every type.
        for wrong in [
            json!(null),
            json!(true),
            json!(-1),
            json!(4_294_967_296u64),
            json!(1.5),
            json!("text"),
            json!([]),
            json!({}),
            json!([["nested"]]),
            json!("\u{0}NUL\u{0}"),
        ] {
            let mut copy = valid.clone();
            if let Some(slot) = at_mut(&mut copy, &place) {
                *slot = wrong.clone();
                push(
                    serde_json::to_vec(&copy).expect("json"),
                    format!("{} = {wrong}", describe(&place)),
                    false,
                );
            }
        }
    }
    // An unknown field in every object: refused.
    let mut objects = vec![Vec::new()];
    objects.extend(
        places(valid)
            .into_iter()
            .filter(|p| matches!(at_mut(&mut valid.clone(), p), Some(Value::Object(_)))),
    );
    for place in objects {
        let mut copy = valid.clone();
        if let Some(Value::Object(map)) = at_mut(&mut copy, &place) {
            map.insert("unexpected".into(), json!("ignored?"));
            push(
                serde_json::to_vec(&copy).expect("json"),
                format!("unknown field in {}", describe(&place)),
                true,
            );
        }
    }
    // The first key twice, even with the same value: refused (parsers differ on which wins).
    if let Value::Object(map) = valid
        && let Some((key, first)) = map.iter().next()
    {
        let rest = &text[1..];
        push(
            format!("{{\"{key}\": {first},{rest}").into_bytes(),
            format!("duplicate key {key}"),
            true,
        );
    }
    // Text-level damage inside strings: a raw NUL, a raw newline, a lone surrogate, invalid
    // UTF-8, an invalid escape.
    if let Some(quote) = text.find(":\"").map(|i| i + 2) {
        for (insert, what) in [
            (&b"\x00"[..], "raw NUL in a string"),
            (&b"\x1f"[..], "raw control character in a string"),
            (&b"\\ud800"[..], "lone surrogate"),
            (&b"\\udc00\\ud800"[..], "reversed surrogates"),
            (&b"\xff\xfe"[..], "invalid UTF-8 in a string"),
            (&b"\xc0\xaf"[..], "overlong UTF-8"),
            (&b"\\x41"[..], "invalid escape"),
        ] {
            let mut bytes = text.as_bytes()[..quote].to_vec();
            bytes.extend_from_slice(insert);
            bytes.extend_from_slice(&text.as_bytes()[quote..]);
            // A lone surrogate escape is still JSON to some parsers; it may be refused or not.
            push(bytes, what.to_string(), !what.contains("surrogate"));
        }
    }
    // The first value nested 100,000 arrays deep.
    if let Some(colon) = text.find(':') {
        let depth = 100_000;
        let mut bytes = text.as_bytes()[..=colon].to_vec();
        bytes.extend(std::iter::repeat_n(b'[', depth));
        bytes.extend(std::iter::repeat_n(b']', depth));
        let after = text[colon + 1..]
            .find([',', '}'])
            .map(|i| colon + 1 + i)
            .unwrap_or(text.len());
        bytes.extend_from_slice(&text.as_bytes()[after..]);
        push(bytes, "nested 100,000 deep".into(), true);
    }
    // Numbers no integer holds.
    push(
        text.replacen(":", ": 1e400, \"x\":", 1).into_bytes(),
        "1e400".into(),
        true,
    );
    out
}

/// One write endpoint with a valid body.
struct Endpoint {
    method: &'static str,
    path: String,
    token: String,
    body: Value,
}

fn endpoints(w: &World) -> Vec<Endpoint> {
    let r1 = "/v1/processes/bp/rounds/1".to_string();
    let r2 = "/v1/processes/bp/rounds/2".to_string();
    let endpoint = |method, path: String, token: &str, body: Value| Endpoint {
        method,
        path,
        token: token.to_string(),
        body,
    };
    vec![
        endpoint(
            "POST",
            "/v1/processes".into(),
            &w.admin,
            json!({"slug": "fz", "title": "Fuzzed", "delegations": [
                {"code": "AA", "name": "A", "kind": "state", "participation": "participant",
                 "function": "chair", "members": []}]}),
        ),
        endpoint(
            "PUT",
            "/v1/processes/bp/delegations/NL".into(),
            &w.admin,
            json!({"code": "NL", "name": "Netherlands", "kind": "state", "participation": "observer", "members": []}),
        ),
        endpoint(
            "POST",
            "/v1/processes/bp/documents".into(),
            &w.chair,
            json!({"slug": "annex", "title": "Annex", "classification": "LIMITE", "label": "Zero draft",
                   "source": {"format": "markdown", "text": "# Annex\n\n1. First.\n\n2. Second.\n"}}),
        ),
        endpoint(
            "POST",
            "/v1/processes/bp/documents/note/versions".into(),
            &w.chair,
            json!({"label": "Rev", "source": {"format": "markdown", "text": "# Note\n\n1. Revised.\n"}}),
        ),
        endpoint(
            "POST",
            "/v1/processes/bp/rounds".into(),
            &w.chair,
            json!({"document": "note", "base_version": 1, "label": "Second",
                   "opens_at": from_now(86_400), "closes_at": from_now(2 * 86_400)}),
        ),
        endpoint(
            "POST",
            format!("{r1}/extend"),
            &w.chair,
            json!({"closes_at": from_now(8 * 3600)}),
        ),
        endpoint(
            "PUT",
            format!("{r1}/submissions/FR"),
            &w.fr,
            json!({"items": [
                {"kind": "amend", "node": "PG1.1", "text": "Strengthen cooperation.", "justification": "Clearer."},
                {"kind": "insert", "after": "PG1.2", "text": "A new action.", "node_kind": "action"},
                {"kind": "delete", "node": "PG1.5"},
                {"kind": "comment", "node": null, "text": "Overall fine."},
                {"kind": "comment", "node": "PG1.3", "text": "Why?"}
            ]}),
        ),
        endpoint(
            "PUT",
            format!("{r2}/decisions/{}", w.change),
            &w.chair,
            json!({"decision": "reword", "text": "The chair's wording.", "note": "As agreed."}),
        ),
        endpoint(
            "PUT",
            format!("{r2}/decisions/{}", w.change),
            &w.chair,
            json!({"decision": "accept", "alternative": "a", "note": "Agreed."}),
        ),
        // Last: once it succeeds, round 2 is consolidated and decisions are 409.
        endpoint(
            "POST",
            format!("{r2}/consolidate"),
            &w.chair,
            json!({"label": "Rev. 1", "accept_uncontested": true}),
        ),
    ]
}

fn send(server: &Server, method: &str, path: &str, token: &str, body: &[u8]) -> Answer {
    request(method, &server.url(path), Some(token), &[], Some(body))
}

both_backends!(hostile_input_against_the_binary);

fn hostile_input_against_the_binary(db: &TestDb) {
    let mut server = Server::start(db);
    let clock = std::time::Instant::now();
    let w = world(&server);
    let mut tally = Tally::default();

    // 1. Every write endpoint, its valid body mutated every way.
    for endpoint in endpoints(&w) {
        for mutant in mutants(&endpoint.body) {
            let answer = send(
                &server,
                endpoint.method,
                &endpoint.path,
                &endpoint.token,
                &mutant.bytes,
            );
            tally.check(
                &format!("{} {}: {}", endpoint.method, endpoint.path, mutant.what),
                &answer,
                mutant.refuse,
            );
        }
        // Bodies of other media types, and none at all.
        let valid = serde_json::to_vec(&endpoint.body).expect("json");
        for content_type in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/xml",
        ] {
            let answer = request(
                endpoint.method,
                &server.url(&endpoint.path),
                Some(&endpoint.token),
                &[("content-type", content_type)],
                Some(&valid),
            );
            tally.check(
                &format!("{} {} as {content_type}", endpoint.method, endpoint.path),
                &answer,
                true,
            );
        }
        let empty = request(
            endpoint.method,
            &server.url(&endpoint.path),
            Some(&endpoint.token),
            &[],
            None,
        );
        tally.check(
            &format!("{} {} without a body", endpoint.method, endpoint.path),
            &empty,
            true,
        );
    }
    // Open and close take no body: one with fields is refused, not ignored.
    let planned = post(
        &server,
        "/v1/processes/bp/rounds",
        &w.chair,
        &json!({"document": "cfa", "label": "Later", "opens_at": from_now(3 * 86_400), "closes_at": from_now(4 * 86_400)}),
    )
    .expect(201)
    .json()["number"]
        .clone();
    for action in ["open", "close"] {
        for body in [
            &b"{\"closes_at\": \"2030-01-01T00:00:00Z\"}"[..],
            b"{\"force\": true}",
            b"[1]",
            b"{",
        ] {
            let answer = send(
                &server,
                "POST",
                &format!("/v1/processes/bp/rounds/{planned}/{action}"),
                &w.chair,
                body,
            );
            tally.check(
                &format!("POST {action} with {}", String::from_utf8_lossy(body)),
                &answer,
                true,
            );
        }
    }
    tally.assert_clean("mutated bodies");
    eprintln!(
        "hostile input: mutated bodies done at {:.1} s",
        clock.elapsed().as_secs_f64()
    );
    let mutated = tally.tried;

    // 2. Sizes and shapes: 100,000 items, a 5 MB paragraph (default limit 2 MiB: 413), deep
    // Markdown, a document of 50,000 paragraphs.
    let round = "/v1/processes/bp/rounds/1/submissions/DE";
    // Both sent on a raw socket: over the limit, the server may answer 413 as soon as it sees
    // the length, before the body is through, and close; a client that insists on writing
    // first sees a reset (ureq did, on a loaded CI machine).
    let address = server.base.trim_start_matches("http://").to_string();
    let raw_put = |body: &[u8]| {
        let head = format!(
            "PUT {round} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            w.de,
            body.len()
        );
        raw_answer(&address, &[head.as_bytes(), body].concat())
    };
    let many = json!({"items": (0..100_000).map(|i| json!({"kind": "comment", "node": null, "text": format!("c{i}")})).collect::<Vec<_>>()});
    let many = serde_json::to_vec(&many).expect("json");
    assert!(
        many.len() > 2 * 1024 * 1024,
        "100,000 items are over the default limit"
    );
    let (status, problem) = raw_put(&many);
    tally.tried += 1;
    assert_eq!(status, Some(413), "100,000 items: {problem}");
    assert!(problem.contains("application/problem+json"), "{problem}");
    *tally.by_status.entry(413).or_default() += 1;
    let paragraph = "The participating States ".repeat(5 * 1024 * 1024 / 25 + 1);
    let huge = serde_json::to_vec(
        &json!({"items": [{"kind": "amend", "node": "PG1.1", "text": paragraph}]}),
    )
    .expect("json");
    let (status, problem) = raw_put(&huge);
    tally.tried += 1;
    assert_eq!(
        status,
        Some(413),
        "a 5 MB paragraph against the default limit: {problem}"
    );
    assert!(problem.contains("application/problem+json"), "{problem}");
    *tally.by_status.entry(413).or_default() += 1;
    let just_under = json!({"items": [{"kind": "amend", "node": "PG1.1", "text": "Cooperation, ".repeat(150_000)}]});
    let answer = send(
        &server,
        "PUT",
        round,
        &w.de,
        &serde_json::to_vec(&just_under).expect("json"),
    );
    tally.check("a 1.9 MB paragraph", &answer, false);
    for (name, text) in [
        (
            "blockquotes 50,000 deep",
            format!("{} deep\n", ">".repeat(50_000)),
        ),
        (
            "lists 1,000 deep",
            (0..1_000)
                .map(|i| format!("{}- item\n", "  ".repeat(i)))
                .collect::<String>(),
        ),
        (
            "emphasis 100,000 deep",
            format!("# T\n\n{}x{}\n", "*".repeat(100_000), "*".repeat(100_000)),
        ),
        (
            "brackets 100,000 deep",
            format!("# T\n\n{}x{}\n", "[".repeat(100_000), "](u)".repeat(10)),
        ),
        (
            "50,000 paragraphs",
            (0..50_000)
                .map(|i| format!("{}. Paragraph {i}.\n\n", i + 1))
                .collect::<String>(),
        ),
        (
            "headings 7 deep and more",
            "####### seven\n\n######## eight\n".to_string(),
        ),
        ("NUL bytes", "# T\n\n1. A\u{0}B\u{0}\n".to_string()),
        ("only whitespace", " \n\t\n".to_string()),
    ] {
        for format in ["markdown", "text"] {
            let body = json!({"slug": format!("deep-{}", tally.tried), "title": name,
                              "source": {"format": format, "text": text}});
            let answer = send(
                &server,
                "POST",
                "/v1/processes/bp/documents",
                &w.chair,
                &serde_json::to_vec(&body).expect("json"),
            );
            tally.check(&format!("{format} source: {name}"), &answer, false);
        }
    }
    for (format, text) in [
        (
            "json",
            format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
        ),
        ("json", "{\"title\": \"t\", \"nodes\": 7}".to_string()),
        ("council_note", "\u{0}".repeat(1000)),
        ("docx", "PK\u{3}\u{4}".to_string()),
    ] {
        let body = json!({"slug": format!("odd-{}", tally.tried), "title": "odd",
                          "source": {"format": format, "text": text}});
        let answer = send(
            &server,
            "POST",
            "/v1/processes/bp/documents",
            &w.chair,
            &serde_json::to_vec(&body).expect("json"),
        );
        tally.check(&format!("{format} source, odd"), &answer, false);
    }
    tally.assert_clean("sizes and shapes");
    eprintln!(
        "hostile input: sizes and shapes done at {:.1} s",
        clock.elapsed().as_secs_f64()
    );

    // 3. Path traversal and SQL: in slugs, codes, references, path segments, query strings.
    let before = get(&server, "/v1/processes/bp", &w.admin).expect(200).bytes;
    let nasty = [
        "../../etc/passwd",
        "..",
        ".",
        "a/b",
        "a%2Fb",
        "bp'; DROP TABLE processes;--",
        "bp' OR '1'='1",
        "bp\" OR \"1\"=\"1",
        "1; DELETE FROM audit",
        "bp\u{0}x",
        "bp\n",
        " bp",
        "BP",
        "ЖЖЖ",
        "\u{202E}pb",
        "",
        "%00",
        "${jndi:ldap://x}",
        "<script>alert(1)</script>",
    ];
    let long = "x".repeat(10_000);
    for slug in nasty.iter().copied().chain([long.as_str()]) {
        let body = json!({"slug": slug, "title": "Injected"});
        let answer = send(
            &server,
            "POST",
            "/v1/processes",
            &w.admin,
            &serde_json::to_vec(&body).expect("json"),
        );
        tally.check(&format!("process slug {slug:?}"), &answer, false);
        let document =
            json!({"slug": slug, "title": "t", "source": {"format": "text", "text": "Text.\n"}});
        let answer = send(
            &server,
            "POST",
            "/v1/processes/bp/documents",
            &w.chair,
            &serde_json::to_vec(&document).expect("json"),
        );
        tally.check(&format!("document slug {slug:?}"), &answer, false);
        let round = json!({"document": slug, "label": "x", "opens_at": from_now(100), "closes_at": from_now(200)});
        let answer = send(
            &server,
            "POST",
            "/v1/processes/bp/rounds",
            &w.chair,
            &serde_json::to_vec(&round).expect("json"),
        );
        tally.check(&format!("round document {slug:?}"), &answer, false);
        let delegation = json!({"code": slug, "name": slug, "kind": "state"});
        let process = json!({"slug": "p-with-odd-code", "title": "t", "delegations": [delegation]});
        let answer = send(
            &server,
            "POST",
            "/v1/processes",
            &w.admin,
            &serde_json::to_vec(&process).expect("json"),
        );
        tally.check(&format!("delegation code {slug:?}"), &answer, false);
        for item in [
            json!({"kind": "amend", "node": slug, "text": "x"}),
            json!({"kind": "delete", "node": slug}),
            json!({"kind": "insert", "after": slug, "text": "x"}),
            json!({"kind": "comment", "node": slug, "text": "x"}),
        ] {
            let body = json!({"items": [item]});
            let answer = send(
                &server,
                "PUT",
                "/v1/processes/bp/rounds/1/submissions/DE",
                &w.de,
                &serde_json::to_vec(&body).expect("json"),
            );
            tally.check(&format!("reference {slug:?}"), &answer, true);
        }
    }
    let paths = [
        "/v1/processes/..%2F..%2Fetc%2Fpasswd",
        "/v1/processes/%2e%2e/bp",
        "/v1/processes/bp/documents/..%2Fcfa",
        "/v1/processes/bp/documents/cfa/versions/..%2F1",
        "/v1/processes/bp%27%20OR%201=1--/rounds",
        "/v1/processes/bp/rounds/1%20OR%201=1",
        "/v1/processes/bp/rounds/1;DROP%20TABLE%20rounds/submissions",
        "/v1/processes/bp/rounds/1/submissions/FR%27--",
        "/v1/processes/bp/rounds/1/submissions/%2e%2e%2fHU",
        "/v1/processes/bp/rounds/1/outcomes/..%2F..%2F",
        "/v1/processes/bp/rounds/99999999999999999999",
        "/v1/processes/bp/rounds/-1",
        "/v1/processes/bp/rounds/0x1",
        "/v1/processes/bp/documents/cfa/versions/4294967296",
        "/v1/processes/bp/documents/cfa/redline?from=1&to=1%20OR%201=1",
        "/v1/processes/bp/documents/cfa/redline?from=-1&to=1",
        "/v1/processes/bp/documents/cfa/redline?from=1&from=2&to=1",
        "/v1/processes/bp/documents/cfa/versions/1?format=..%2F..%2Fetc",
        "/v1/processes/bp/documents/cfa/versions/1?format=%00",
        "/v1/processes/bp/audit?after=0;DROP",
        "/v1/processes/bp/audit?limit=99999999999999999999",
        "/v1/processes/bp/audit?after=-5",
        "/v1/processes/%00",
        "/v1/processes/%FF%FE",
        "/v1/processes/%C0%AF",
        "/v1/processes/bp/documents/%E2%80%AEcfa",
        "/v1/../v1/processes",
        "//v1/processes",
        "/v1/processes/bp/rounds/1/submissions/FR/revisions/1/../../../HU",
    ];
    for path in paths {
        for (method, body) in [
            ("GET", None),
            ("PUT", Some(&b"{\"items\": []}"[..])),
            ("DELETE", None),
        ] {
            let answer = request(method, &server.url(path), Some(&w.chair), &[], body);
            tally.check(&format!("{method} {path}"), &answer, false);
        }
    }
    let after = get(&server, "/v1/processes/bp", &w.admin).expect(200).bytes;
    assert_eq!(before, after, "process bp changed under injection attempts");
    tally.assert_clean("traversal and injection");
    eprintln!(
        "hostile input: injection done at {:.1} s",
        clock.elapsed().as_secs_f64()
    );

    // 4. Idempotency keys: the same key and body sent at once by 16 threads is stored once;
    // the same key with different bodies at once is stored once, the rest refused.
    let path = "/v1/processes/bp/rounds/1/submissions/FR";
    let revisions = |server: &Server| {
        get(server, &format!("{path}/revisions"), &w.fr)
            .expect(200)
            .json()["revisions"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0)
    };
    let start = revisions(&server);
    let same =
        serde_json::to_vec(&json!({"items": [{"kind": "comment", "node": null, "text": "Once."}]}))
            .expect("json");
    let answers = concurrently(16, |_| {
        request(
            "PUT",
            &server.url(path),
            Some(&w.fr),
            &[("idempotency-key", "fr-once")],
            Some(&same),
        )
    });
    let receipts: Vec<Value> = answers
        .iter()
        .map(|a| a.json()["revision"].clone())
        .collect();
    for answer in &answers {
        tally.check(
            "same Idempotency-Key, same body, concurrently",
            answer,
            false,
        );
        assert_eq!(
            answer.status,
            201,
            "{}",
            String::from_utf8_lossy(&answer.bytes)
        );
    }
    assert!(receipts.windows(2).all(|r| r[0] == r[1]), "{receipts:?}");
    assert_eq!(revisions(&server), start + 1, "stored once");
    let answers = concurrently(16, |i| {
        let body = serde_json::to_vec(
            &json!({"items": [{"kind": "comment", "node": null, "text": format!("Body {i}.")}]}),
        )
        .expect("json");
        request(
            "PUT",
            &server.url(path),
            Some(&w.fr),
            &[("idempotency-key", "fr-race")],
            Some(&body),
        )
    });
    let stored = answers.iter().filter(|a| a.status == 201).count();
    for answer in &answers {
        tally.check(
            "same Idempotency-Key, different bodies, concurrently",
            answer,
            false,
        );
    }
    assert_eq!(stored, 1, "exactly one of the different bodies is stored");
    assert_eq!(revisions(&server), start + 2);
    // The same key by another delegation, or on another path, is another request.
    let de_body = serde_json::to_vec(&json!({"items": []})).expect("json");
    request(
        "PUT",
        &server.url("/v1/processes/bp/rounds/1/submissions/DE"),
        Some(&w.de),
        &[("idempotency-key", "fr-once")],
        Some(&de_body),
    )
    .expect(201);
    for key in ["", " ", &"k".repeat(256), "tab\there"] {
        let answer = request(
            "PUT",
            &server.url(path),
            Some(&w.fr),
            &[("idempotency-key", key)],
            Some(&same),
        );
        tally.check(&format!("Idempotency-Key {key:?}"), &answer, false);
    }
    tally.assert_clean("idempotency keys");

    // 5. Malformed HTTP on a raw socket: a 4xx or a closed connection, never a 5xx.
    let raw_requests: Vec<(&str, Vec<u8>)> = vec![
        ("invalid UTF-8 in the path", b"GET /v1/processes/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n".to_vec()),
        ("NUL in a header", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n".to_vec()),
        ("space in the path", b"GET /v1/processes /bp HTTP/1.1\r\nHost: x\r\n\r\n".to_vec()),
        ("conflicting lengths", b"PUT /v1/processes/bp/rounds/1/submissions/FR HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}{}{}{".to_vec()),
        ("negative length", b"POST /v1/processes HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n".to_vec()),
        ("bad chunk", b"POST /v1/processes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n".to_vec()),
        ("length and chunked", b"POST /v1/processes HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".to_vec()),
        ("short body", b"POST /v1/processes HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nContent-Type: application/json\r\n\r\n{\"slug\":".to_vec()),
        ("a 100 KB header", [b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ".to_vec(), vec![b'a'; 100_000], b"\r\n\r\n".to_vec()].concat()),
        ("1,000 headers", [b"GET /healthz HTTP/1.1\r\nHost: x\r\n".to_vec(), (0..1000).flat_map(|i| format!("X-{i}: v\r\n").into_bytes()).collect(), b"\r\n".to_vec()].concat()),
        ("HTTP/0.9", b"GET /\r\n\r\n".to_vec()),
        ("HTTP/3.0", b"GET /healthz HTTP/3.0\r\nHost: x\r\n\r\n".to_vec()),
        ("no method", b" / HTTP/1.1\r\n\r\n".to_vec()),
        ("binary", (0..=255u8).collect()),
        ("a bearer of invalid UTF-8", b"GET /v1/processes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\xfe.\xff.\xff\r\n\r\n".to_vec()),
    ];
    for (what, bytes) in raw_requests {
        tally.tried += 1;
        if let Some(status) = raw(&address, &bytes) {
            *tally.by_status.entry(status).or_default() += 1;
            if !(200..500).contains(&status) {
                tally.failures.push(format!("raw {what}: {status}"));
            }
        }
        request("GET", &server.url("/healthz"), None, &[], None).expect(200);
    }
    tally.assert_clean("raw HTTP");

    // 6. Thousands of concurrent requests, reads, writes and garbage mixed.
    let total: usize = std::env::var("PENHOLDER_HOSTILE_CONCURRENT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3_000);
    let threads = 64;
    let shared = Arc::new(Mutex::new(Tally::default()));
    let started = std::time::Instant::now();
    std::thread::scope(|scope| {
        for thread in 0..threads {
            let (shared, server, w) = (shared.clone(), &server, &w);
            scope.spawn(move || {
                let mut local = Tally::default();
                for i in (thread..total).step_by(threads) {
                    let (what, answer) = mixed(server, w, i);
                    local.check(&what, &answer, false);
                }
                let mut tally = shared.lock().expect("tally");
                tally.tried += local.tried;
                for (status, count) in local.by_status {
                    *tally.by_status.entry(status).or_default() += count;
                }
                tally.failures.extend(local.failures);
            });
        }
    });
    let concurrent = Arc::try_unwrap(shared)
        .ok()
        .expect("one owner")
        .into_inner()
        .expect("tally");
    concurrent.assert_clean("concurrent requests");
    let concurrent_seconds = started.elapsed().as_secs_f64();
    tally.tried += concurrent.tried;
    for (status, count) in concurrent.by_status {
        *tally.by_status.entry(status).or_default() += count;
    }

    // Still here, still sound.
    let health = request("GET", &server.url("/healthz"), None, &[], None).expect(200);
    assert_eq!(health.json()["status"], "ok");
    assert!(
        server.terminate(),
        "the server stops cleanly on SIGTERM after all this"
    );
    db.verify_audit("after the hostile input");
    eprintln!(
        "hostile input ({:?}): {} requests tried ({mutated} mutated bodies, {total} concurrent from \
         {threads} threads in {concurrent_seconds:.1} s), by status {:?}; no 5xx; /healthz answered; \
         audit verify passed",
        db.backend(),
        tally.tried,
        tally.by_status
    );
}

/// Runs `f(i)` for i in 0..n on n threads started together.
fn concurrently<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let barrier = std::sync::Barrier::new(n);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let (barrier, f) = (&barrier, &f);
                scope.spawn(move || {
                    barrier.wait();
                    f(i)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    })
}

/// One request of the concurrent mix.
fn mixed(server: &Server, w: &World, i: usize) -> (String, Answer) {
    let garbage: &[u8] = b"{\"items\": [{\"kind\": ";
    let (method, path, token, body): (&str, String, Option<&str>, Option<Vec<u8>>) = match i % 10 {
        0 => ("GET", "/healthz".into(), None, None),
        1 => ("GET", "/v1/processes".into(), Some(&w.fr), None),
        2 => ("GET", "/v1/processes/bp/rounds/1".into(), Some(&w.de), None),
        3 => ("GET", "/v1/processes/bp/rounds/2/compilation".into(), Some(&w.chair), None),
        4 => (
            "PUT",
            "/v1/processes/bp/rounds/1/submissions/FR".into(),
            Some(&w.fr),
            Some(serde_json::to_vec(&json!({"items": [{"kind": "amend", "node": "PG1.1", "text": format!("Version {i}.")}]})).expect("json")),
        ),
        5 => ("PUT", "/v1/processes/bp/rounds/1/submissions/DE".into(), Some(&w.de), Some(garbage.to_vec())),
        6 => ("GET", "/v1/processes/bp".into(), Some("not.a.token"), None),
        7 => ("PUT", "/v1/processes/bp/rounds/1/submissions/DE".into(), Some(&w.fr), Some(b"{\"items\": []}".to_vec())),
        8 => ("GET", format!("/v1/processes/bp/rounds/{}", i % 7 + 10), Some(&w.chair), None),
        _ => ("GET", "/v1/processes/bp/documents/cfa/versions/1".into(), Some(&w.de), None),
    };
    let answer = request(method, &server.url(&path), token, &[], body.as_deref());
    (format!("concurrent {method} {path}"), answer)
}

/// Sends raw bytes; the status of the answer, or None when the server closed the connection.
fn raw(address: &str, bytes: &[u8]) -> Option<u16> {
    raw_answer(address, bytes).0
}

/// Sends raw bytes (stopping at the first failed write) and reads what comes back: the status
/// and the whole answer as text.
fn raw_answer(address: &str, bytes: &[u8]) -> (Option<u16>, String) {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    // The server may close before reading everything: a failed write is an answer too.
    for chunk in bytes.chunks(64 * 1024) {
        if stream.write_all(chunk).is_err() {
            break;
        }
    }
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).to_string();
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| text.strip_prefix("HTTP/1.0 "))
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok());
    (status, text)
}
