//! Token attacks against the real binary: every bad token gets 401 with `WWW-Authenticate`,
//! whatever is wrong with it; the accepted algorithm is the configured one, never the token's.
//! On SQLite only: tokens are verified before any request reaches the store, so the backend
//! changes nothing here (reliability_tokens.rs runs its outsider test on both).

mod server_support;

use penholder_server::{KeyAlgorithm, Minter, TokenScope};
use serde_json::{Value, json};
use server_support::*;

/// The Ed25519 key pair of RFC 8032's first test vector: public, so only for tests.
const ED25519_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n-----END PRIVATE KEY-----\n";
const ED25519_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n-----END PUBLIC KEY-----\n";

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

fn claims() -> Value {
    json!({
        "sub": "anna", "delegation": "HU", "role": "delegate",
        "exp": now() + 3600, "iat": now(), "nbf": now(),
        "iss": "penholder", "aud": "penholder"
    })
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().expect("object").remove(key);
    claims
}

fn hs256(secret: &str) -> Minter {
    Minter::hs256(secret.as_bytes(), TokenScope::default()).expect("secret")
}

/// `header.payload.signature` with the header and payload given as JSON.
fn assemble(header: &Value, payload: &Value, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        base64url(header.to_string().as_bytes()),
        base64url(payload.to_string().as_bytes())
    )
}

#[track_caller]
fn refused(server: &Server, token: &str, why: &str) -> String {
    let answer = request("GET", &server.url("/v1/processes"), Some(token), &[], None);
    assert_eq!(
        answer.status,
        401,
        "{why}: {}",
        String::from_utf8_lossy(&answer.bytes)
    );
    assert_eq!(
        answer.content_type.as_deref(),
        Some("application/problem+json")
    );
    let challenge = answer.www_authenticate.unwrap_or_default();
    assert!(
        challenge.starts_with("Bearer ") && challenge.contains("error=\"invalid_token\""),
        "{why}: {challenge}"
    );
    challenge
}

#[test]
fn hs256_tokens_that_must_be_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(dir.path().join("db.sqlite"));
    let good = hs256(SECRET);
    let valid = good.sign(&claims()).expect("sign");
    request("GET", &server.url("/v1/processes"), Some(&valid), &[], None).expect(200);
    // The CLI's tokens are accepted too.
    request(
        "GET",
        &server.url("/v1/processes"),
        Some(&token("observer", Some("HU"))),
        &[],
        None,
    )
    .expect(200);

    let parts: Vec<&str> = valid.split('.').collect();
    let forged = format!("{}.{}.{}", parts[0], parts[1], base64url(&[7u8; 32]));
    refused(&server, &forged, "forged signature");
    let tampered_payload = with(claims(), "role", json!("admin"));
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        base64url(tampered_payload.to_string().as_bytes()),
        parts[2]
    );
    refused(&server, &tampered, "tampered payload");
    let other = hs256("another-secret-that-is-long-enough-000");
    refused(
        &server,
        &other.sign(&claims()).unwrap(),
        "signed with another secret",
    );
    let expired = refused(
        &server,
        &good
            .sign(&with(
                with(claims(), "exp", json!(now() - 3600)),
                "iat",
                json!(now() - 7200),
            ))
            .unwrap(),
        "expired",
    );
    assert!(expired.contains("expired"), "{expired}");
    refused(
        &server,
        &good
            .sign(&with(claims(), "nbf", json!(now() + 3600)))
            .unwrap(),
        "nbf ahead",
    );
    refused(
        &server,
        &good
            .sign(&with(claims(), "iat", json!(now() + 3600)))
            .unwrap(),
        "iat ahead",
    );
    refused(
        &server,
        &good
            .sign(&with(claims(), "aud", json!("someone-else")))
            .unwrap(),
        "wrong aud",
    );
    refused(
        &server,
        &good.sign(&with(claims(), "iss", json!("evil"))).unwrap(),
        "wrong iss",
    );
    refused(
        &server,
        &good
            .sign(&with(claims(), "role", json!("superuser")))
            .unwrap(),
        "unknown role",
    );
    refused(
        &server,
        &good.sign(&without(claims(), "delegation")).unwrap(),
        "delegate without delegation",
    );
    refused(
        &server,
        &good
            .sign(&with(claims(), "exp", json!("tomorrow")))
            .unwrap(),
        "exp not a number",
    );
    for claim in ["sub", "role", "exp", "iat", "iss", "aud"] {
        refused(
            &server,
            &good.sign(&without(claims(), claim)).unwrap(),
            claim,
        );
    }
    let none = assemble(&json!({"alg": "none", "typ": "JWT"}), &claims(), "");
    refused(&server, &none, "alg none");
    let none_upper = assemble(&json!({"alg": "NONE", "typ": "JWT"}), &claims(), "");
    refused(&server, &none_upper, "alg NONE");
    // HS512 with the right secret is still refused: the algorithm is pinned.
    let hs512_header = json!({"alg": "HS512", "typ": "JWT"});
    let hs512 = assemble(&hs512_header, &claims(), parts[2]);
    refused(&server, &hs512, "HS512");
    for (value, why) in [
        ("Basic YWxhZGRpbjpvcGVuc2VzYW1l", "basic auth"),
        ("Bearer", "empty bearer"),
        ("Bearer a.b", "two parts"),
        ("Bearer ....", "dots"),
    ] {
        let answer = request(
            "GET",
            &server.url("/v1/processes"),
            None,
            &[("authorization", value)],
            None,
        );
        assert_eq!(answer.status, 401, "{why}");
        assert!(answer.www_authenticate.is_some(), "{why}");
    }
    request("GET", &server.url("/v1/processes"), None, &[], None).expect(401);
}

#[test]
fn eddsa_is_pinned_when_configured() {
    let dir = tempfile::tempdir().expect("tempdir");
    let public = dir.path().join("public.pem");
    let private = dir.path().join("private.pem");
    std::fs::write(&public, ED25519_PUBLIC).expect("write");
    std::fs::write(&private, ED25519_PRIVATE).expect("write");
    let server = Server::start_with(
        dir.path().join("db.sqlite"),
        &[
            ("PENHOLDER_JWT_ALGORITHM", "EdDSA"),
            ("PENHOLDER_JWT_PUBLIC_KEY", public.to_str().unwrap()),
        ],
    );
    // `penholder token` signs with the private key.
    let output = std::process::Command::new(binary())
        .args([
            "token",
            "--role",
            "chair",
            "--delegation",
            "HU",
            "--sub",
            "chair-hu",
        ])
        .env("PENHOLDER_JWT_ALGORITHM", "EdDSA")
        .env("PENHOLDER_JWT_PRIVATE_KEY", &private)
        .env_remove("PENHOLDER_JWT_SECRET")
        .output()
        .expect("token");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let token = String::from_utf8(output.stdout).unwrap().trim().to_string();
    request("GET", &server.url("/v1/processes"), Some(&token), &[], None).expect(200);

    let eddsa = Minter::private_key(
        KeyAlgorithm::EdDsa,
        ED25519_PRIVATE.as_bytes(),
        TokenScope::default(),
    )
    .expect("key");
    request(
        "GET",
        &server.url("/v1/processes"),
        Some(&eddsa.sign(&claims()).unwrap()),
        &[],
        None,
    )
    .expect(200);
    refused(
        &server,
        &eddsa.sign(&with(claims(), "aud", json!("x"))).unwrap(),
        "wrong aud",
    );
    // The classic confusion: HS256 keyed with the public key's bytes.
    let confused =
        Minter::hs256(ED25519_PUBLIC.as_bytes(), TokenScope::default()).expect("long enough");
    refused(
        &server,
        &confused.sign(&claims()).unwrap(),
        "HS256 with the public key",
    );
    refused(
        &server,
        &hs256(SECRET).sign(&claims()).unwrap(),
        "HS256 with a secret",
    );
    refused(
        &server,
        &assemble(&json!({"alg": "none"}), &claims(), ""),
        "alg none",
    );
}

#[test]
fn a_server_without_a_key_refuses_to_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("db.sqlite");
    let output = std::process::Command::new(binary())
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--db",
            db.to_str().unwrap(),
        ])
        .env_remove("PENHOLDER_JWT_SECRET")
        .env_remove("PENHOLDER_JWT_SECRET_FILE")
        .output()
        .expect("run");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("PENHOLDER_JWT_SECRET"));
    let short = std::process::Command::new(binary())
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--db",
            db.to_str().unwrap(),
        ])
        .env("PENHOLDER_JWT_SECRET", "short")
        .output()
        .expect("run");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 32"));
}
