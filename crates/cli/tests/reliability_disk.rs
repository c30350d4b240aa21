//! The disk under the database, against the real binary (issue 12, findings 4 and 7): a full
//! file system (the database and the server's log on a small tmpfs), a damaged database file
//! and a read-only one.
//!
//! Full disk: writes are refused with 507 problem+json that tells the operator what happened,
//! `/healthz` says the store is degraded, every other request is still answered although the
//! log cannot be written, and once space is freed writes resume and everything acknowledged
//! before is still there after a restart. Damaged or read-only file: the server refuses to
//! start, saying which file and what to do.
//!
//! The tmpfs tests need root (CI runs as root); elsewhere they are skipped with a message.
//! SQLite only: what is tested is SQLite's file on a file system (PostgreSQL's 53100
//! disk_full maps to the same error kind, tested in the store).

mod server_support;

use serde_json::{Value, json};
use server_support::*;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A tmpfs mounted on a temporary folder for one test, unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// `None` (said on standard error) where tmpfs cannot be mounted: not root, or no
    /// CAP_SYS_ADMIN in this container.
    fn mount(size: &str, test: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(Stdio::piped())
            .output();
        match mounted {
            Ok(output) if output.status.success() => Some(Tmpfs { dir }),
            // CI runs as root: there a test that cannot mount must fail, not pass unseen.
            Ok(output) if std::env::var_os("CI").is_some() => panic!(
                "{test}: cannot mount a tmpfs under CI: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ),
            Ok(output) => {
                eprintln!(
                    "!!! SKIPPED {test}: cannot mount a tmpfs (root needed): {}",
                    String::from_utf8_lossy(&output.stderr).trim()
                );
                None
            }
            Err(e) => {
                eprintln!("!!! SKIPPED {test}: cannot run mount: {e}");
                None
            }
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Remounts it read-only (root is not stopped by permission bits; a read-only mount
    /// stops everyone).
    fn remount_read_only(&self) {
        let status = Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(self.path())
            .status()
            .expect("run mount");
        assert!(status.success(), "remount read-only failed");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// Fills the file system holding `path` with one file, to the last byte it takes.
fn fill(path: &Path) {
    let mut file = std::fs::File::create(path).expect("create the filler");
    for chunk in [1 << 16, 4096, 512, 1] {
        let zeros = vec![0u8; chunk];
        while file.write_all(&zeros).is_ok() {}
    }
    let _ = file.sync_all();
}

const DELEGATIONS: [&str; 4] = ["FR", "DE", "IT", "ES"];

/// Process `p` with HU chairing, a note as document, round 1 open for an hour.
fn open_round(server: &Server) {
    let admin = token("admin", None);
    let chair = token("chair", Some("HU"));
    let mut delegations =
        vec![json!({"code": "HU", "name": "Hungary", "kind": "state", "function": "chair"})];
    delegations.extend(
        DELEGATIONS
            .iter()
            .map(|code| json!({"code": code, "name": code, "kind": "state"})),
    );
    post(
        server,
        "/v1/processes",
        &admin,
        &json!({"slug": "p", "title": "Budapest Process", "delegations": delegations}),
    )
    .expect(201);
    post(
        server,
        "/v1/processes/p/documents",
        &chair,
        &json!({"slug": "note", "title": "Note", "source": {"format": "markdown",
                "text": "# Note\n\n1. The Presidency invites comments.\n\n2. Delegations reply.\n"}}),
    )
    .expect(201);
    post(
        server,
        "/v1/processes/p/rounds",
        &chair,
        &json!({"document": "note", "label": "Comments",
                "opens_at": from_now(-60), "closes_at": from_now(3600)}),
    )
    .expect(201);
}

fn comment(text: &str) -> Value {
    json!({"items": [{"kind": "comment", "node": null, "text": text}]})
}

/// What a 201 acknowledged: (delegation, revision, receipt).
type Acknowledged = Vec<(String, u64, String)>;

fn submit(server: &Server, code: &str, text: &str) -> Answer {
    put(
        server,
        &format!("/v1/processes/p/rounds/1/submissions/{code}"),
        &token("delegate", Some(code)),
        &comment(text),
    )
}

fn note(acknowledged: &mut Acknowledged, code: &str, answer: &Answer) {
    let body = answer.json();
    acknowledged.push((
        code.to_string(),
        body["revision"].as_u64().expect("a revision"),
        body["receipt"].as_str().expect("a receipt").to_string(),
    ));
}

fn assert_problem(answer: &Answer, status: u16) -> Value {
    assert_eq!(
        answer.status,
        status,
        "{}",
        String::from_utf8_lossy(&answer.bytes)
    );
    assert_eq!(
        answer.content_type.as_deref(),
        Some("application/problem+json")
    );
    let problem = answer.json();
    assert_eq!(problem["status"], status, "{problem}");
    problem
}

#[test]
fn a_full_disk_refuses_writes_with_507_and_takes_nothing_else_down() {
    let test = "a_full_disk_refuses_writes_with_507_and_takes_nothing_else_down";
    let Some(fs) = Tmpfs::mount("8m", test) else {
        return;
    };
    let db = fs.path().join("penholder.sqlite");
    let log = fs.path().join("server.log");
    // Every request logs a line, so the log meets the full disk too.
    let env = [("PENHOLDER_JWT_SECRET", SECRET), ("PENHOLDER_LOG", "info")];
    let mut server = Server::start_logging_to(&db, &env, &log);
    open_round(&server);
    let mut acknowledged = Acknowledged::new();
    for (n, code) in DELEGATIONS.iter().enumerate() {
        let answer = submit(
            &server,
            code,
            &format!("Comment {n} before the disk fills."),
        );
        note(&mut acknowledged, code, &answer.expect(201));
    }

    let started = Instant::now();
    fill(&fs.path().join("filler"));
    // A submission bigger than the write-ahead log so far: it cannot fit in space the log
    // reuses after a checkpoint. (A small one may still be stored: then it is acknowledged,
    // and counted with the others.)
    let big = "A long comment that the full disk cannot take. ".repeat(6_000);
    let mut refused = None;
    for attempt in 0..20 {
        let code = DELEGATIONS[attempt % DELEGATIONS.len()];
        let answer = submit(&server, code, &big);
        if answer.status == 201 {
            note(&mut acknowledged, code, &answer);
            continue;
        }
        refused = Some(answer);
        break;
    }
    let refused = refused.expect("a write on a full disk is refused");
    let problem = assert_problem(&refused, 507);
    assert_eq!(
        problem["type"],
        "urn:penholder:problem:insufficient-storage"
    );
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("disk") && detail.contains("full") && detail.contains("free space"),
        "the 507 tells the operator what happened and what to do: {detail}"
    );

    // The store is degraded, and says so; reads and every other answer go on, although
    // not one more log line fits on the disk.
    let health = request("GET", &server.url("/healthz"), None, &[], None);
    let problem = assert_problem(&health, 503);
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("degraded") && detail.contains("full"),
        "{detail}"
    );
    let chair = token("chair", Some("HU"));
    for _ in 0..100 {
        let answer = request("GET", &server.url("/no/such/endpoint"), None, &[], None);
        assert_problem(&answer, 404);
    }
    get(&server, "/v1/processes/p/rounds/1/submissions", &chair).expect(200);
    assert_problem(&submit(&server, "FR", &big), 507);

    // Space again: writes resume by themselves, and the log says what it lost.
    std::fs::remove_file(fs.path().join("filler")).expect("free the space");
    let answer = submit(&server, "FR", &big);
    note(&mut acknowledged, "FR", &answer.expect(201));
    request("GET", &server.url("/healthz"), None, &[], None).expect(200);
    let logged = std::fs::read_to_string(&log).expect("read the log");
    assert!(
        logged.contains("log line(s) lost"),
        "the log says lines were lost:\n{logged}"
    );
    assert!(
        logged.contains("the store cannot write"),
        "the log says why writes failed:\n{logged}"
    );
    println!(
        "full disk: {} writes acknowledged, 507 while full, {:.1} s from filling to resuming",
        acknowledged.len(),
        started.elapsed().as_secs_f64()
    );

    // Nothing acknowledged is lost, across a kill -9 and a restart.
    server.restart();
    for (code, revision, receipt) in &acknowledged {
        let path = format!("/v1/processes/p/rounds/1/submissions/{code}/revisions/{revision}");
        let stored = get(&server, &path, &chair).expect(200).json();
        assert_eq!(
            stored["receipt"].as_str(),
            Some(receipt.as_str()),
            "{code} {revision}"
        );
    }
    server.kill();
    let (ok, out, err) = run(&["audit", "verify", "--db", db.to_str().expect("utf-8")]);
    assert!(ok, "audit verify after the full disk: {out}{err}");
}

/// Runs `penholder serve` on `db` expecting it to refuse: its exit status and standard error.
/// A server that starts instead is stopped, and the test fails.
fn refused_start(db: &Path) -> (std::process::ExitStatus, String) {
    let mut child = Command::new(binary())
        .args(["serve", "--addr", "127.0.0.1:0", "--db"])
        .arg(db)
        .env("PENHOLDER_JWT_SECRET", SECRET)
        .env("PENHOLDER_LOG", "warn")
        .env_remove("PENHOLDER_DB")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start penholder serve");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            let mut out = String::new();
            let _ = child
                .stdout
                .take()
                .expect("stdout")
                .read_to_string(&mut out);
            panic!(
                "penholder served {} instead of refusing it: {out}",
                db.display()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    let _ = child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err);
    (status, err)
}

/// A database made by the server, as one file: `penholder backup`'s copy, which has every
/// page in the file itself (none left in a write-ahead log, where damage to the file's copy
/// of a page would go unseen).
fn made_database(dir: &Path) -> PathBuf {
    let live = dir.join("live.sqlite");
    let mut server = Server::start(&live);
    open_round(&server);
    // Small submissions (no overflow pages), enough of them for some forty pages.
    for round in 0..40 {
        for code in DELEGATIONS {
            let text = format!("Comment {round} of {code}: {}", "words ".repeat(120));
            submit(&server, code, &text).expect(201);
        }
    }
    assert!(server.terminate(), "the server stops cleanly");
    let db = dir.join("penholder.sqlite");
    let (ok, out, err) = run(&[
        "backup",
        "--db",
        live.to_str().expect("utf-8"),
        "--to",
        db.to_str().expect("utf-8"),
    ]);
    assert!(ok, "penholder backup: {out}{err}");
    db
}

const PAGE: usize = 4096;

/// The pages of the schema's b-tree (page 1 and, if it is an interior page, its children):
/// damage there fails the open itself, which refused a damaged file even before the check.
fn schema_pages(file: &[u8]) -> Vec<usize> {
    let mut pages = vec![1];
    let header = &file[100..];
    if header[0] == 0x05 {
        let cells = u16::from_be_bytes([header[3], header[4]]) as usize;
        let right = u32::from_be_bytes([header[8], header[9], header[10], header[11]]);
        pages.push(right as usize);
        for cell in 0..cells {
            let at = u16::from_be_bytes([header[12 + 2 * cell], header[13 + 2 * cell]]) as usize;
            let child = u32::from_be_bytes([file[at], file[at + 1], file[at + 2], file[at + 3]]);
            pages.push(child as usize);
        }
    }
    pages
}

#[test]
fn a_damaged_database_is_refused_at_start() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let db = made_database(dir.path());
    let mut file = std::fs::read(&db).expect("read the database");
    assert_eq!(
        u16::from_be_bytes([file[16], file[17]]) as usize,
        PAGE,
        "page size"
    );
    let skip = schema_pages(&file);
    // 64 bytes flipped in the data's pages: in each of 32 pages, one byte of its b-tree page
    // header and one elsewhere in it. The open reads only the schema; the pages are read
    // only when asked for.
    let pages: Vec<usize> = (2..=file.len() / PAGE)
        .filter(|page| !skip.contains(page))
        .collect();
    assert!(pages.len() >= 32, "{} data pages", pages.len());
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = |bound: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % bound as u64) as usize
    };
    for page in pages.iter().step_by(pages.len() / 32).take(32) {
        let start = (page - 1) * PAGE;
        file[start + next(8)] ^= 0xFF;
        file[start + 8 + next(PAGE - 8)] ^= 0xFF;
    }
    std::fs::write(&db, &file).expect("write the damaged database");

    let (status, err) = refused_start(&db);
    assert!(!status.success(), "{status}");
    let shown = db.display().to_string();
    assert!(err.contains(&shown), "names the file: {err}");
    assert!(
        err.contains("damaged") && err.contains("penholder backup"),
        "says what to do: {err}"
    );
}

/// The file marked immutable (`chattr +i`), unmarked when dropped: the one way to make a
/// file read-only for root too, its folder staying writable (what `chmod 0444` does for
/// anyone else, and where SQLite opened the file read-only without a word).
struct Immutable(PathBuf);

impl Immutable {
    fn mark(path: &Path, test: &str) -> Option<Immutable> {
        let output = Command::new("chattr").arg("+i").arg(path).output();
        match output {
            Ok(output) if output.status.success() => Some(Immutable(path.to_path_buf())),
            // CI runs as root: there a test that cannot mark the file must fail, not pass
            // unseen.
            Ok(output) if std::env::var_os("CI").is_some() => panic!(
                "{test}: chattr +i failed under CI: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ),
            Ok(output) => {
                eprintln!(
                    "!!! SKIPPED {test}: chattr +i failed (root and a file system with \
                     attributes needed): {}",
                    String::from_utf8_lossy(&output.stderr).trim()
                );
                None
            }
            Err(e) => {
                eprintln!("!!! SKIPPED {test}: cannot run chattr: {e}");
                None
            }
        }
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

#[track_caller]
fn assert_refused_as_read_only(db: &Path) {
    let (status, err) = refused_start(db);
    assert!(!status.success(), "{status}");
    assert!(
        err.contains(&db.display().to_string()),
        "names the file: {err}"
    );
    assert!(
        err.contains("cannot be written") && err.contains("writable"),
        "says what to do: {err}"
    );
}

#[test]
fn a_read_only_database_file_is_refused_at_start() {
    let test = "a_read_only_database_file_is_refused_at_start";
    let dir = tempfile::tempdir().expect("a temporary folder");
    let db = made_database(dir.path());
    let Some(_immutable) = Immutable::mark(&db, test) else {
        return;
    };
    assert_refused_as_read_only(&db);
}

#[test]
fn a_database_on_a_read_only_mount_is_refused_at_start() {
    let test = "a_database_on_a_read_only_mount_is_refused_at_start";
    let Some(fs) = Tmpfs::mount("16m", test) else {
        return;
    };
    let db = made_database(fs.path());
    fs.remount_read_only();
    assert_refused_as_read_only(&db);
}
