//! The server's commands as a user meets them: `--help` documents every setting and its
//! environment variable; `token` refuses what it cannot mint; `audit verify` detects tampering.

mod server_support;

use server_support::*;

#[test]
fn serve_help_documents_every_setting_with_its_environment_variable() {
    let (ok, out, err) = run(&["serve", "--help"]);
    assert!(ok, "{err}");
    for variable in [
        "PENHOLDER_DB",
        "PENHOLDER_ADDR",
        "PENHOLDER_BODY_LIMIT",
        "PENHOLDER_JWT_SECRET",
        "PENHOLDER_JWT_SECRET_FILE",
        "PENHOLDER_JWT_ALGORITHM",
        "PENHOLDER_JWT_PUBLIC_KEY",
        "PENHOLDER_JWT_ISSUER",
        "PENHOLDER_JWT_AUDIENCE",
        "PENHOLDER_LOG",
    ] {
        assert!(
            out.contains(variable),
            "{variable} missing from serve --help:\n{out}"
        );
    }
    assert!(!out.contains(SECRET), "secrets are never shown");
}

#[test]
fn token_refuses_unknown_roles_and_missing_delegations() {
    let secret = format!("--jwt-secret={SECRET}");
    let (ok, _, err) = run(&["token", "--role", "emperor", "--sub", "x", &secret]);
    assert!(!ok && err.contains("unknown role"), "{err}");
    let (ok, _, err) = run(&["token", "--role", "delegate", "--sub", "x", &secret]);
    assert!(!ok && err.contains("--delegation"), "{err}");
    let (ok, _, err) = run(&[
        "token", "--role", "admin", "--sub", "x", "--ttl", "5y", &secret,
    ]);
    assert!(!ok && err.contains("duration"), "{err}");
    let (ok, out, _) = run(&[
        "token", "--role", "admin", "--sub", "x", "--ttl", "30m", &secret,
    ]);
    assert!(ok);
    assert_eq!(out.trim().split('.').count(), 3, "a JWT: {out}");
}

#[test]
fn audit_verify_passes_on_a_served_database_and_fails_on_a_missing_one() {
    // Tampering itself (changed, removed, reordered entries) is detected by penholder-store's
    // own tests; here the command's exit status is what matters. SQLite only: a missing file
    // and `penholder backup` (SQLite's online backup of its file, which never overwrites one)
    // have no PostgreSQL counterpart; `audit verify` on PostgreSQL runs in the suites of
    // server_support's `both_backends!`.
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("db.sqlite");
    let mut server = Server::start(&db);
    let admin = token("admin", None);
    post(
        &server,
        "/v1/processes",
        &admin,
        &serde_json::json!({"slug": "bp", "title": "Budapest Process"}),
    )
    .expect(201);
    assert!(server.terminate());
    let (ok, out, err) = run(&["audit", "verify", "--db", db.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("1 entries") || out.contains("entries"),
        "{out}"
    );
    let missing = dir.path().join("missing.sqlite");
    let (ok, _, err) = run(&["audit", "verify", "--db", missing.to_str().unwrap()]);
    assert!(!ok && err.contains("does not exist"), "{err}");
    let backup = dir.path().join("copy.sqlite");
    let (ok, _, _) = run(&[
        "backup",
        "--db",
        db.to_str().unwrap(),
        "--to",
        backup.to_str().unwrap(),
    ]);
    assert!(ok);
    let (ok, _, err) = run(&[
        "backup",
        "--db",
        db.to_str().unwrap(),
        "--to",
        backup.to_str().unwrap(),
    ]);
    assert!(!ok, "a backup never overwrites a file: {err}");
}
