//! Issue 12, finding 6, against the real binary on both backends: the audit head a published
//! version carries (its JSON, its Akoma Ntoso `<meta>`, its HTML and Markdown, its Word footer)
//! is signed by the server's Ed25519 key, and `penholder audit verify --expect-head` shows what
//! no check inside the database can: a tail cut together with its rows. Facts the probe changed
//! behind the log's back (a consolidated round set open again, with every trigger in place) are
//! named by `audit verify`, and verifying never writes the database file. The store's own tests
//! (crates/store/src/tests.rs, "issue 12, finding 6") cover every other fact on both backends.

mod server_support;

use serde_json::{Value, json};
use server_support::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs SQL as a tamperer with the database's owner rights would: SQLite with its triggers
/// dropped first, PostgreSQL with triggers off for the session.
fn tamper(db: &TestDb, sqlite: &str, postgres: &str) {
    let output = match db.backend() {
        Backend::Sqlite => Command::new("sqlite3").arg(db.arg()).arg(sqlite).output(),
        Backend::Postgres => Command::new("psql")
            .args(["-v", "ON_ERROR_STOP=1", "-q", "-d", db.arg(), "-c"])
            .arg(format!(
                "SET session_replication_role = replica; {postgres}"
            ))
            .output(),
    }
    .expect("run the database's own client (sqlite3 or psql)");
    assert!(
        output.status.success(),
        "tampering failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// An Ed25519 key pair made as the README says (`openssl genpkey`): (private, public) PEM files.
fn audit_keys(dir: &Path) -> (PathBuf, PathBuf) {
    let private = dir.join("audit-key.pem");
    let public = dir.join("audit-key.pub.pem");
    for args in [
        vec!["genpkey", "-algorithm", "ed25519", "-out"],
        vec!["pkey", "-pubout", "-in"],
    ] {
        let mut command = Command::new("openssl");
        command.args(&args);
        if args[0] == "genpkey" {
            command.arg(&private);
        } else {
            command.arg(&private).arg("-out").arg(&public);
        }
        let output = command.output().expect("run openssl");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    (private, public)
}

fn verify(db: &TestDb, extra: &[&str]) -> (bool, String) {
    let mut args = vec!["audit", "verify", "--db", db.arg()];
    args.extend_from_slice(extra);
    let (ok, out, err) = run(&args);
    (ok, format!("{out}{err}"))
}

/// A process with a first version, a round that FR answered and the chair closed and
/// consolidated (version 2), and a version the chair uploaded by hand (version 3, the last
/// write). Returns the three versions' audit heads as the API gave them.
fn negotiate(server: &Server) -> Vec<Value> {
    let admin = token("admin", None);
    let chair = token("chair", Some("HU"));
    post(
        server,
        "/v1/processes",
        &admin,
        &json!({"slug": "bp", "title": "Budapest Process", "delegations": [
            {"code": "HU", "name": "Hungary", "kind": "state", "function": "chair"},
            {"code": "FR", "name": "France", "kind": "state"}
        ]}),
    )
    .expect(201);
    post(
        server,
        "/v1/processes/bp/documents",
        &chair,
        &json!({"slug": "cfa", "title": "Call for Action",
                "source": {"format": "markdown", "text": "# Call for Action\n\n1. We act.\n\n2. We report.\n"}}),
    )
    .expect(201);
    post(
        server,
        "/v1/processes/bp/rounds",
        &chair,
        &json!({"document": "cfa", "label": "Feedback",
                "opens_at": from_now(-60), "closes_at": from_now(3600)}),
    )
    .expect(201);
    // The last paragraph's reference, as the text derives it.
    let first = get(server, "/v1/processes/bp/documents/cfa/versions/1", &chair)
        .expect(200)
        .json();
    let reference = first["references"]
        .as_array()
        .and_then(|r| r.last())
        .and_then(|r| r["reference"].as_str())
        .expect("a reference")
        .to_string();
    put(
        server,
        "/v1/processes/bp/rounds/1/submissions/FR",
        &token("delegate", Some("FR")),
        &json!({"items": [{"kind": "amend", "node": reference, "text": "We report yearly."}]}),
    )
    .expect(201);
    post(
        server,
        "/v1/processes/bp/rounds/1/close",
        &chair,
        &json!({}),
    )
    .expect(200);
    post(
        server,
        "/v1/processes/bp/rounds/1/consolidate",
        &chair,
        &json!({"label": "Rev. 1", "accept_uncontested": true}),
    )
    .expect(201);
    post(
        server,
        "/v1/processes/bp/documents/cfa/versions",
        &chair,
        &json!({"label": "Rev. 2", "source": {"format": "markdown",
                "text": "# Call for Action\n\n1. We act together, now.\n\n2. We report.\n"}}),
    )
    .expect(201);
    (1..=3)
        .map(|n| {
            get(
                server,
                &format!("/v1/processes/bp/documents/cfa/versions/{n}"),
                &chair,
            )
            .expect(200)
            .json()["audit_head"]
                .clone()
        })
        .collect()
}

both_backends!(a_published_head_is_signed_printed_in_every_format_and_finds_a_cut_tail);

fn a_published_head_is_signed_printed_in_every_format_and_finds_a_cut_tail(db: &TestDb) {
    let (private, public) = audit_keys(db.scratch());
    let private_arg = private.to_str().expect("a UTF-8 path");
    let mut server = Server::start_with(
        db,
        &[
            ("PENHOLDER_JWT_SECRET", SECRET),
            ("PENHOLDER_AUDIT_KEY", private_arg),
        ],
    );
    let heads = negotiate(&server);
    let seqs: Vec<u64> = heads
        .iter()
        .map(|h| h["seq"].as_u64().expect("seq"))
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "each version is published by a later entry: {heads:?}"
    );
    let last = &heads[2];
    let head = last["head"].as_str().expect("head").to_string();
    let hash = last["hash"].as_str().expect("hash").to_string();
    let signature = last["signature"]
        .as_str()
        .expect("a server with an audit key signs every head")
        .to_string();
    assert_eq!(head, format!("{}:{hash}", seqs[2]));

    // The head is printed in every file a version is published as.
    let chair = token("chair", Some("HU"));
    for format in ["akn", "html", "markdown"] {
        let file = get(
            &server,
            &format!("/v1/processes/bp/documents/cfa/versions/3?format={format}"),
            &chair,
        )
        .expect(200);
        let text = String::from_utf8(file.bytes).expect("UTF-8");
        assert!(text.contains(&hash), "{format}: no audit head in\n{text}");
        assert!(
            text.contains(&signature),
            "{format}: no signature in\n{text}"
        );
    }
    let docx = get(
        &server,
        "/v1/processes/bp/documents/cfa/versions/3?format=docx",
        &chair,
    )
    .expect(200)
    .bytes;
    let docx_file = db.scratch().join("v3.docx");
    std::fs::write(&docx_file, &docx).expect("write the .docx");
    let footers = Command::new("unzip")
        .arg("-p")
        .arg(&docx_file)
        .arg("word/footer*.xml")
        .output()
        .expect("run unzip");
    let footers = String::from_utf8_lossy(&footers.stdout);
    assert!(
        footers.contains(&hash),
        "the Word footer carries the head: {footers}"
    );
    assert!(server.terminate());

    // The published, signed head verifies against the untouched database…
    let public_arg = public.to_str().expect("a UTF-8 path");
    let signed = [
        "--expect-head",
        head.as_str(),
        "--head-signature",
        signature.as_str(),
        "--audit-public-key",
        public_arg,
    ];
    let (ok, out) = verify(db, &signed);
    assert!(ok, "{out}");
    assert!(out.contains("head signature ok"), "{out}");
    assert!(out.contains("the chain holds the published head"), "{out}");
    // …a forged signature, or a head signed for another entry, does not.
    let mut forged = signature.clone().into_bytes();
    forged[3] = if forged[3] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).expect("base64");
    let earlier = heads[1]["head"].as_str().expect("head");
    for (head, signature) in [
        (head.as_str(), forged.as_str()),
        (earlier, signature.as_str()),
    ] {
        let (ok, out) = verify(
            db,
            &[
                "--expect-head",
                head,
                "--head-signature",
                signature,
                "--audit-public-key",
                public_arg,
            ],
        );
        assert!(!ok, "a wrong signature passed: {out}");
        assert!(out.contains("signature does not verify"), "{out}");
    }

    // Verifying writes nothing to the file (SQLite: byte for byte).
    if db.backend() == Backend::Sqlite {
        let before = std::fs::read(db.arg()).expect("the database file");
        assert!(verify(db, &[]).0);
        assert_eq!(before, std::fs::read(db.arg()).expect("the database file"));
    }

    // The last version and its entry removed together: a sound, shorter chain, which only the
    // published head gives away.
    tamper(
        db,
        "DROP TRIGGER versions_no_delete; DROP TRIGGER audit_no_delete;
         DELETE FROM versions WHERE number = 3;
         DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit);",
        "DELETE FROM versions WHERE number = 3;
         DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit);",
    );
    let (ok, out) = verify(db, &[]);
    assert!(ok, "alone, a cut tail shows nothing: {out}");
    let (ok, out) = verify(db, &signed);
    assert!(!ok, "the cut tail went unnoticed: {out}");
    assert!(out.contains("tail was cut"), "{out}");
    // The head of version 2, published before the cut, still holds.
    let (ok, out) = verify(
        db,
        &["--expect-head", heads[1]["head"].as_str().expect("head")],
    );
    assert!(ok, "{out}");
}

both_backends!(a_consolidated_round_set_open_behind_the_logs_back_is_named);

fn a_consolidated_round_set_open_behind_the_logs_back_is_named(db: &TestDb) {
    let server = Server::start(db);
    negotiate(&server);
    drop(server);
    assert!(verify(db, &[]).0);
    // The triggers let a round's state change (the writer moves it): no trigger is dropped.
    let sql = "UPDATE rounds SET state = 'open'";
    let output = match db.backend() {
        Backend::Sqlite => Command::new("sqlite3").arg(db.arg()).arg(sql).output(),
        Backend::Postgres => Command::new("psql")
            .args(["-v", "ON_ERROR_STOP=1", "-q", "-d", db.arg(), "-c", sql])
            .output(),
    }
    .expect("run the database's client");
    assert!(output.status.success(), "{output:?}");
    let (ok, out) = verify(db, &[]);
    assert!(!ok, "a reopened round went unnoticed: {out}");
    assert!(
        out.contains("round 1 of bp is stored as") && out.contains("leave it consolidated"),
        "{out}"
    );
}
