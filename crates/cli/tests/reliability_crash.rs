//! Crash safety of the real binary: `kill -9` at random moments while delegations submit and
//! resubmit concurrently, and while the chairmanship consolidates.
//!
//! Submissions: one writer thread per delegation, each with its own token, PUTs revision after
//! revision (`If-Match` on the revision it knows, an `Idempotency-Key` per attempt); the server
//! is killed at a seeded random moment, each writer keeps the request that got no answer and
//! sends it again, same key and body, after the restart. Afterwards:
//! - every revision that got a 201 is there, body byte for byte (and its receipt is the SHA-256
//!   of what was sent);
//! - every revision stored beyond them is exactly the one request per writer still unanswered
//!   at the last kill (complete, not half of it), and revisions are numbered without gaps;
//! - after every kill, `penholder audit verify` (SQLite `PRAGMA integrity_check` and
//!   `foreign_key_check`, then the audit chain and every record it vouches for) passes.
//!
//! Consolidation: identical rounds on identical documents; the first is consolidated
//! undisturbed (the reference text and timing), each other one is killed at a random moment
//! within that timing. After the restart either the new version is there whole (its text is the
//! reference's, it renders, its redline and dispositions answer) or not at all (the round is
//! still closed, the document has one version, and consolidating again gives the reference).
//!
//! Both run on SQLite and on PostgreSQL (`name::sqlite`, `name::postgres`): on PostgreSQL the
//! server dies, not the database server, so its connections are cut off mid-transaction.
//!
//! Settings (environment): `PENHOLDER_CRASH_KILLS` (kills during submissions, default 5),
//! `PENHOLDER_CRASH_CONSOLIDATIONS` (killed consolidations, default 3),
//! `PENHOLDER_CRASH_WRITERS` (default 4), `PENHOLDER_CRASH_SEED` (default: from the clock; it is
//! printed, so a failure can be replayed). `make test-crash` runs the short form, `make soak`
//! the long one.

mod server_support;

use serde_json::{Value, json};
use server_support::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// SplitMix64: small, seedable, good enough to pick moments and texts.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn seed() -> u64 {
    setting(
        "PENHOLDER_CRASH_SEED",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1),
    )
}

/// An answer, or the transport error of a request that got none (the server died).
struct Reply {
    status: u16,
    bytes: Vec<u8>,
    replayed: bool,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// One request that may fail without an answer (unlike `server_support::request`).
fn attempt(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    token: &str,
    headers: &[(&str, String)],
    body: Option<&[u8]>,
) -> Result<Reply, String> {
    let mut builder = ureq::http::Request::builder()
        .method(method)
        .uri(url)
        .header("authorization", format!("Bearer {token}"));
    for (name, value) in headers {
        builder = builder.header(*name, value.as_str());
    }
    let response = match body {
        Some(bytes) => agent.run(
            builder
                .header("content-type", "application/json")
                .body(bytes.to_vec())
                .map_err(|e| e.to_string())?,
        ),
        None => agent.run(builder.body(()).map_err(|e| e.to_string())?),
    };
    let mut response = response.map_err(|e| e.to_string())?;
    let replayed = response
        .headers()
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true");
    let bytes = response
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_vec()
        .map_err(|e| e.to_string())?;
    Ok(Reply {
        status: response.status().as_u16(),
        bytes,
        replayed,
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// `penholder audit verify` on a database no server holds; panics with its output on failure.
#[track_caller]
fn verify_database(db: &TestDb, when: &str) {
    db.verify_audit(when);
}

/// The references of a version that submissions may name.
fn references(server: &Server, process: &str, document: &str, token: &str) -> Vec<String> {
    let version = get(
        server,
        &format!("/v1/processes/{process}/documents/{document}/versions/1"),
        token,
    )
    .expect(200)
    .json();
    version["references"]
        .as_array()
        .expect("references")
        .iter()
        .filter_map(|r| r["reference"].as_str().map(str::to_owned))
        .filter(|r| r.starts_with("PG") || r.starts_with("OP") || r.starts_with('P'))
        .collect()
}

/// A submission body: a few items on the base's references, texts varied by the RNG (some
/// long, some not ASCII), so that bodies differ from one attempt to the next.
fn body(rng: &mut Rng, references: &[String], delegation: &str, attempt: u64) -> Vec<u8> {
    let count = 1 + rng.below(6);
    let mut items = Vec::new();
    for index in 0..count {
        let reference = rng.pick(references).clone();
        let padding = "négociation ".repeat(rng.below(4) as usize * 400);
        items.push(match rng.below(4) {
            0 => json!({"kind": "delete", "node": reference,
                        "justification": format!("{delegation} attempt {attempt}")}),
            1 => json!({"kind": "comment", "node": reference,
                        "text": format!("{delegation} attempt {attempt} item {index}: {padding}✓")}),
            _ => json!({"kind": "amend", "node": reference,
                        "text": format!("Text of {delegation}, attempt {attempt}, item {index} — {padding}end.")}),
        });
    }
    // Only one item per node may amend or delete it: keep the first of each.
    let mut seen = std::collections::HashSet::new();
    items.retain(|item| item["kind"] == "comment" || seen.insert(item["node"].to_string()));
    serde_json::to_vec(&json!({ "items": items })).expect("json")
}

/// What one writer knows of its delegation's submission.
#[derive(Default)]
struct Ledger {
    /// Revisions acknowledged with a 201, and the body sent for each.
    acknowledged: BTreeMap<u32, Vec<u8>>,
    /// The request that got no answer (sent again, same key and body, after the restart).
    pending: Option<Pending>,
    /// The latest revision this writer knows of.
    known: u32,
    attempts: u64,
    replays_after_crash: u64,
    problems: Vec<String>,
}

#[derive(Clone)]
struct Pending {
    key: String,
    body: Vec<u8>,
    /// The revision it replaces (0: the first).
    replaces: u32,
}

/// One delegation's writer: its token, its submission's path, its RNG and its ledger.
struct Writer {
    delegation: String,
    token: String,
    path: String,
    rng: Rng,
    ledger: Ledger,
}

/// One epoch of one writer: PUT after PUT until the server dies (or `deadline` passes).
fn write_until_killed(
    writer: &mut Writer,
    base: &str,
    references: &[String],
    deadline: Instant,
    tried: &AtomicU64,
) {
    let Writer {
        delegation,
        token,
        path,
        rng,
        ledger,
    } = writer;
    let (delegation, token, path) = (delegation.as_str(), token.as_str(), path.as_str());
    let agent = agent();
    while Instant::now() < deadline {
        let (request, retry) = match ledger.pending.take() {
            Some(pending) => (pending, true),
            None => {
                ledger.attempts += 1;
                let body = body(rng, references, delegation, ledger.attempts);
                (
                    Pending {
                        key: format!("{delegation}-{}-{}", ledger.attempts, rng.next()),
                        body,
                        replaces: ledger.known,
                    },
                    false,
                )
            }
        };
        let precondition = if request.replaces == 0 {
            ("if-none-match", "*".to_string())
        } else {
            ("if-match", format!("\"{}\"", request.replaces))
        };
        let headers = [precondition, ("idempotency-key", request.key.clone())];
        tried.fetch_add(1, Ordering::Relaxed);
        match attempt(
            &agent,
            "PUT",
            &format!("{base}{path}"),
            token,
            &headers,
            Some(&request.body),
        ) {
            Err(_) => {
                // No answer: the server is gone. The same request goes again after the restart.
                ledger.pending = Some(request);
                return;
            }
            Ok(reply) if reply.status == 201 => {
                let receipt = reply.json();
                let Some(revision) = receipt["revision"].as_u64().map(|r| r as u32) else {
                    ledger
                        .problems
                        .push(format!("{delegation}: a 201 without a revision: {receipt}"));
                    return;
                };
                if receipt["receipt"] != sha256_hex(&request.body) {
                    ledger.problems.push(format!(
                        "{delegation} revision {revision}: the receipt is not the SHA-256 of the body sent"
                    ));
                }
                if revision != request.replaces + 1 {
                    ledger.problems.push(format!(
                        "{delegation}: revision {revision} acknowledged for a PUT replacing {}",
                        request.replaces
                    ));
                }
                if let Some(earlier) = ledger.acknowledged.get(&revision)
                    && *earlier != request.body
                {
                    ledger.problems.push(format!(
                        "{delegation}: revision {revision} acknowledged twice for different bodies"
                    ));
                }
                if retry && reply.replayed {
                    ledger.replays_after_crash += 1;
                }
                ledger.acknowledged.insert(revision, request.body);
                ledger.known = revision;
            }
            Ok(reply) => {
                ledger.problems.push(format!(
                    "{delegation}: PUT answered {} (retry: {retry}): {}",
                    reply.status,
                    String::from_utf8_lossy(&reply.bytes)
                ));
                return;
            }
        }
    }
}

fn delegation_codes(writers: u64) -> Vec<String> {
    (0..writers).map(|i| format!("D{i:02}")).collect()
}

fn process_with(server: &Server, codes: &[String]) {
    let mut delegations =
        vec![json!({"code": "HU", "name": "Hungary", "kind": "state", "function": "chair"})];
    delegations.extend(
        codes
            .iter()
            .map(|c| json!({"code": c, "name": format!("Delegation {c}"), "kind": "state"})),
    );
    post(
        server,
        "/v1/processes",
        &token("admin", None),
        &json!({"slug": "bp", "title": "Budapest Process", "delegations": delegations}),
    )
    .expect(201);
}

fn document_and_round(server: &Server, slug: &str) -> u32 {
    let chair = token("chair", Some("HU"));
    post(
        server,
        "/v1/processes/bp/documents",
        &chair,
        &json!({"slug": slug, "title": "Call for Action",
                "source": {"format": "json", "text": fixture("call-for-action.json")}}),
    )
    .expect(201);
    post(
        server,
        "/v1/processes/bp/rounds",
        &chair,
        &json!({"document": slug, "label": "Feedback",
                "opens_at": from_now(-60), "closes_at": from_now(4 * 3600)}),
    )
    .expect(201)
    .json()["number"]
        .as_u64()
        .expect("round number") as u32
}

both_backends!(
    acknowledged_submissions_survive_kill_9_and_nothing_else_is_half_there,
    a_consolidation_killed_midway_is_whole_or_absent
);

fn acknowledged_submissions_survive_kill_9_and_nothing_else_is_half_there(db: &TestDb) {
    let seed = seed();
    let kills = setting("PENHOLDER_CRASH_KILLS", 5);
    let writers = setting("PENHOLDER_CRASH_WRITERS", 4).max(1);
    eprintln!(
        "crash harness (submissions): seed {seed}, {kills} kills, {writers} writers \
         (replay with PENHOLDER_CRASH_SEED={seed})"
    );
    let mut rng = Rng(seed);
    let mut server = Server::start(db);
    let codes = delegation_codes(writers);
    process_with(&server, &codes);
    let round = document_and_round(&server, "cfa");
    let chair = token("chair", Some("HU"));
    let references = Arc::new(references(&server, "bp", "cfa", &chair));
    let mut writers: Vec<Writer> = codes
        .iter()
        .map(|code| Writer {
            delegation: code.clone(),
            token: token("delegate", Some(code)),
            path: format!("/v1/processes/bp/rounds/{round}/submissions/{code}"),
            rng: Rng(rng.next()),
            ledger: Ledger::default(),
        })
        .collect();
    let tried = Arc::new(AtomicU64::new(0));
    let started = Instant::now();

    for kill in 0..kills {
        let base = server.base.clone();
        let deadline = Instant::now() + Duration::from_secs(30);
        let handles: Vec<_> = std::mem::take(&mut writers)
            .into_iter()
            .map(|mut writer| {
                let (base, references, tried) = (base.clone(), references.clone(), tried.clone());
                std::thread::spawn(move || {
                    write_until_killed(&mut writer, &base, &references, deadline, &tried);
                    writer
                })
            })
            .collect();
        // A random moment: early ones catch requests in their first steps, late ones in the
        // middle of a stream of writes.
        std::thread::sleep(Duration::from_millis(20 + rng.below(600)));
        server.kill();
        for handle in handles {
            writers.push(handle.join().expect("writer thread"));
        }
        let problems: Vec<&String> = writers.iter().flat_map(|w| &w.ledger.problems).collect();
        assert!(
            problems.is_empty(),
            "seed {seed}, kill {kill}: {problems:#?}"
        );
        verify_database(db, &format!("after kill {} (seed {seed})", kill + 1));
        server.restart();
    }

    // The last requests without an answer are not sent again: they must be there whole or not
    // at all.
    let mut revisions_checked = 0;
    let mut unanswered_stored = 0;
    for writer in &writers {
        let (code, ledger, path) = (&writer.delegation, &writer.ledger, &writer.path);
        // Every revision on one page (lists come in pages of 100 by default).
        let history = get(&server, &format!("{path}/revisions?limit=1000"), &chair)
            .expect(200)
            .json();
        assert!(
            history["next"].is_null(),
            "seed {seed}: more than 1,000 revisions"
        );
        let stored: Vec<u32> = history["revisions"]
            .as_array()
            .expect("revisions")
            .iter()
            .filter_map(|r| r["revision"].as_u64().map(|n| n as u32))
            .collect();
        let expected_numbers: Vec<u32> = (1..=stored.len() as u32).collect();
        assert_eq!(
            stored, expected_numbers,
            "seed {seed}: {code}'s revisions have gaps"
        );
        for (revision, sent) in &ledger.acknowledged {
            assert!(
                stored.contains(revision),
                "seed {seed}: {code}'s acknowledged revision {revision} is lost"
            );
            let answer = get(&server, &format!("{path}/revisions/{revision}"), &chair).expect(200);
            let view = answer.json();
            assert_eq!(
                view["receipt"],
                sha256_hex(sent),
                "seed {seed}: {code} revision {revision}'s receipt"
            );
            assert!(
                contains(&answer.bytes, sent),
                "seed {seed}: {code} revision {revision} is not byte-identical to what was sent"
            );
            revisions_checked += 1;
        }
        for revision in stored
            .iter()
            .filter(|n| !ledger.acknowledged.contains_key(n))
        {
            let pending = ledger.pending.as_ref().unwrap_or_else(|| {
                panic!(
                    "seed {seed}: {code}'s revision {revision} was never sent or never acknowledged"
                )
            });
            assert_eq!(
                *revision,
                pending.replaces + 1,
                "seed {seed}: {code} has an unacknowledged revision {revision} that is not the last request"
            );
            let answer = get(&server, &format!("{path}/revisions/{revision}"), &chair).expect(200);
            assert_eq!(answer.json()["receipt"], sha256_hex(&pending.body));
            assert!(
                contains(&answer.bytes, &pending.body),
                "seed {seed}: {code}'s unanswered revision {revision} is stored, but not whole"
            );
            unanswered_stored += 1;
            revisions_checked += 1;
        }
    }
    server.kill();
    verify_database(db, &format!("at the end (seed {seed})"));

    let ledgers: Vec<&Ledger> = writers.iter().map(|w| &w.ledger).collect();
    let acknowledged: usize = ledgers.iter().map(|l| l.acknowledged.len()).sum();
    let replays: u64 = ledgers.iter().map(|l| l.replays_after_crash).sum();
    let unanswered = ledgers.iter().filter(|l| l.pending.is_some()).count();
    eprintln!(
        "crash harness (submissions): seed {seed}: {kills} kill -9 survived in {:.1} s; \
         {} PUTs tried, {acknowledged} acknowledged and all present byte for byte; \
         {replays} resent after a crash were replayed by their Idempotency-Key; \
         {unanswered} unanswered at the last kill, {unanswered_stored} of them stored whole; \
         {revisions_checked} revisions checked; audit verify passed {} times",
        started.elapsed().as_secs_f64(),
        tried.load(Ordering::Relaxed),
        kills + 1
    );
    assert!(acknowledged > 0, "no submission was acknowledged at all");
}

/// The node texts of a version, in document order (ids aside: new nodes get fresh ones).
fn texts(version: &Value) -> Vec<String> {
    fn walk(nodes: &[Value], out: &mut Vec<String>) {
        for node in nodes {
            out.push(format!(
                "{} {}",
                node["kind"].as_str().unwrap_or_default(),
                node["text"].as_str().unwrap_or_default()
            ));
            walk(
                node["children"]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or(&[]),
                out,
            );
        }
    }
    let mut out = Vec::new();
    walk(
        version["document"]["nodes"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[]),
        &mut out,
    );
    out
}

fn version_count(server: &Server, slug: &str, chair: &str) -> usize {
    get(server, &format!("/v1/processes/bp/documents/{slug}"), chair)
        .expect(200)
        .json()["versions"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0)
}

/// Checks that version 2 of `slug` is there whole: its text is the reference's, it renders,
/// its redline from version 1 and the round's dispositions answer, and the audit log holds its
/// publication with its hash.
fn assert_whole(server: &Server, slug: &str, round: u32, reference: &[String], seed: u64) {
    let chair = token("chair", Some("HU"));
    let documents = format!("/v1/processes/bp/documents/{slug}");
    let version = get(server, &format!("{documents}/versions/2"), &chair)
        .expect(200)
        .json();
    assert_eq!(
        texts(&version),
        reference,
        "seed {seed}: {slug} version 2 differs from the reference consolidation"
    );
    for path in [
        format!("{documents}/versions/2?format=md"),
        format!("{documents}/versions/2/blame"),
        format!("{documents}/redline?from=1&to=2"),
        format!("/v1/processes/bp/rounds/{round}/dispositions"),
    ] {
        get(server, &path, &chair).expect(200);
    }
    let round_view = get(server, &format!("/v1/processes/bp/rounds/{round}"), &chair)
        .expect(200)
        .json();
    assert_eq!(round_view["state"], "consolidated", "seed {seed}: {slug}");
    let subject = format!("processes/bp/documents/{slug}/versions/2");
    let audit = all_audit(server);
    let publications: Vec<&Value> = audit
        .iter()
        .filter(|e| e["action"] == "version.publish" && e["subject"] == subject.as_str())
        .collect();
    assert_eq!(
        publications.len(),
        1,
        "seed {seed}: {subject} published once"
    );
    assert_eq!(publications[0]["payload_hash"], version["hash"]);
}

fn all_audit(server: &Server) -> Vec<Value> {
    let admin = token("admin", None);
    let mut entries = Vec::new();
    let mut after = 0u64;
    loop {
        let page = get(
            server,
            &format!("/v1/processes/bp/audit?limit=1000&after={after}"),
            &admin,
        )
        .expect(200)
        .json();
        entries.extend(page["entries"].as_array().cloned().unwrap_or_default());
        match page["next_after"].as_u64() {
            Some(next) => after = next,
            None => return entries,
        }
    }
}

fn a_consolidation_killed_midway_is_whole_or_absent(db: &TestDb) {
    let seed = seed();
    let trials = setting("PENHOLDER_CRASH_CONSOLIDATIONS", 3);
    eprintln!(
        "crash harness (consolidation): seed {seed}, {trials} killed consolidations \
         (replay with PENHOLDER_CRASH_SEED={seed})"
    );
    let mut rng = Rng(seed ^ 0xC0FF_EE00);
    let mut server = Server::start(db);
    let codes = delegation_codes(6);
    process_with(&server, &codes);
    let chair = token("chair", Some("HU"));
    // The same round on identical documents: the same submissions from every delegation.
    let slugs: Vec<String> = (0..=trials).map(|i| format!("cfa{i}")).collect();
    let rounds: Vec<u32> = slugs
        .iter()
        .map(|slug| document_and_round(&server, slug))
        .collect();
    let references = references(&server, "bp", "cfa0", &chair);
    let mut body_rng = Rng(seed);
    let bodies: Vec<Vec<u8>> = codes
        .iter()
        .map(|code| body(&mut body_rng, &references, code, 1))
        .collect();
    for (slug, round) in slugs.iter().zip(&rounds) {
        for (code, body) in codes.iter().zip(&bodies) {
            let answer = request(
                "PUT",
                &server.url(&format!(
                    "/v1/processes/bp/rounds/{round}/submissions/{code}"
                )),
                Some(&token("delegate", Some(code))),
                &[],
                Some(body),
            );
            assert_eq!(
                answer.status,
                201,
                "{slug} {code}: {}",
                String::from_utf8_lossy(&answer.bytes)
            );
        }
        post(
            &server,
            &format!("/v1/processes/bp/rounds/{round}/close"),
            &chair,
            &json!({}),
        )
        .expect(200);
    }
    let consolidate_body =
        serde_json::to_vec(&json!({"label": "Rev. 1", "accept_uncontested": true})).expect("json");

    // The reference: undisturbed, timed.
    let clock = Instant::now();
    let reference_view = request(
        "POST",
        &server.url(&format!(
            "/v1/processes/bp/rounds/{}/consolidate",
            rounds[0]
        )),
        Some(&chair),
        &[],
        Some(&consolidate_body),
    )
    .expect(201)
    .json();
    let window = clock.elapsed();
    assert!(
        reference_view["applied"]
            .as_array()
            .is_some_and(|a| !a.is_empty()),
        "the reference consolidation applies changes: {reference_view}"
    );
    let reference = texts(
        &get(
            &server,
            "/v1/processes/bp/documents/cfa0/versions/2",
            &chair,
        )
        .expect(200)
        .json(),
    );
    assert_whole(&server, "cfa0", rounds[0], &reference, seed);

    let (mut published, mut absent, mut answered) = (0, 0, 0);
    let mut tried = 1u64;
    for (slug, round) in slugs.iter().zip(&rounds).skip(1) {
        let url = server.url(&format!("/v1/processes/bp/rounds/{round}/consolidate"));
        let key = format!("consolidate-{slug}-{seed}");
        let (chair_token, body) = (chair.clone(), consolidate_body.clone());
        let worker = std::thread::spawn(move || {
            attempt(
                &agent(),
                "POST",
                &url,
                &chair_token,
                &[("idempotency-key", key)],
                Some(&body),
            )
        });
        tried += 1;
        // Anywhere from before the request arrives to twice the reference's duration: some kills
        // land before the commit, some after the answer, a few between the two.
        let micros = window.as_micros() as u64;
        std::thread::sleep(Duration::from_micros(rng.below(2 * micros + 1)));
        server.kill();
        let outcome = worker.join().expect("consolidation thread");
        verify_database(
            db,
            &format!("after killing the consolidation of {slug} (seed {seed})"),
        );
        server.restart();
        let acknowledged = matches!(&outcome, Ok(reply) if reply.status == 201);
        if let Ok(reply) = &outcome {
            assert!(
                reply.status == 201,
                "seed {seed}: {slug}: consolidate answered {}: {}",
                reply.status,
                String::from_utf8_lossy(&reply.bytes)
            );
            answered += 1;
        }
        match version_count(&server, slug, &chair) {
            2 => {
                published += 1;
                assert_whole(&server, slug, *round, &reference, seed);
            }
            1 => {
                assert!(
                    !acknowledged,
                    "seed {seed}: {slug}: an acknowledged consolidation is lost"
                );
                absent += 1;
                let state = get(&server, &format!("/v1/processes/bp/rounds/{round}"), &chair)
                    .expect(200)
                    .json()["state"]
                    .clone();
                assert_eq!(
                    state, "closed",
                    "seed {seed}: {slug}: not consolidated, so still closed"
                );
                tried += 1;
                request(
                    "POST",
                    &server.url(&format!("/v1/processes/bp/rounds/{round}/consolidate")),
                    Some(&chair),
                    &[],
                    Some(&consolidate_body),
                )
                .expect(201);
                assert_whole(&server, slug, *round, &reference, seed);
            }
            other => panic!("seed {seed}: {slug} has {other} versions"),
        }
    }
    server.kill();
    verify_database(db, &format!("at the end (seed {seed})"));
    eprintln!(
        "crash harness (consolidation): seed {seed}: {trials} kill -9 during POST consolidate \
         survived (reference took {} ms); {answered} answered before the kill, {published} found \
         published whole after the restart ({} of them unanswered), {absent} absent and consolidated again; {tried} \
         consolidations tried; audit verify passed {} times",
        window.as_millis(),
        published - answered,
        trials + 1
    );
}
