//! Token attacks that `server_tokens.rs` leaves out, against the real binary:
//! - interoperability with a real client library: tokens minted by PyJWT with the right key are
//!   accepted (HS256, RS256, EdDSA), and PyJWT verifies the tokens `penholder token` mints;
//! - RS256 configured: HS256 keyed with the public key (PEM, trimmed PEM, DER), another RSA
//!   key, other RSA-family algorithms in the header, `none`, and the HS256 secret are refused;
//! - a well-signed token whose delegation is not in the process is refused (403), and nothing
//!   it tried is stored.
//!
//! The last runs on SQLite and on PostgreSQL (its codes, NUL and zero-width space included, reach
//! the store's lookups). The others are about the keys and algorithms the server verifies tokens
//! with, decided before any request reaches the store: they run on SQLite only.
//!
//! PyJWT (with `cryptography`) is a test dependency installed by `.ci/run`
//! (`pip install "PyJWT[crypto]==2.15.1"`); the RSA key pair is made by `cryptography` too,
//! fresh for each run.

mod server_support;

use penholder_server::{Minter, TokenScope};
use serde_json::{Value, json};
use server_support::*;
use std::process::Command;

/// The Ed25519 key pair of RFC 8032's first test vector (the same as `server_tokens.rs`).
const ED25519_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n-----END PRIVATE KEY-----\n";
const ED25519_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n-----END PUBLIC KEY-----\n";

const PYJWT_HINT: &str = "this test needs Python 3 with PyJWT and cryptography: pip install \"PyJWT[crypto]==2.15.1\" (.ci/run does)";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

fn claims(role: &str, delegation: Option<&str>) -> Value {
    let mut claims = json!({
        "sub": format!("{role}-pyjwt"), "role": role,
        "exp": now() + 3600, "iat": now(), "nbf": now(),
        "iss": "penholder", "aud": "penholder",
        // Claims penholder does not use are ignored, as RFC 7519 asks.
        "jti": "c0ffee", "scope": "negotiation"
    });
    if let Some(code) = delegation {
        claims["delegation"] = json!(code);
    }
    claims
}

/// Runs a short Python program with PyJWT; `env` passes its inputs.
fn python(program: &str, env: &[(&str, &str)]) -> Result<String, String> {
    let mut command = Command::new("python3");
    command.args(["-c", program]);
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command
        .output()
        .map_err(|e| format!("python3: {e}; {PYJWT_HINT}"))?;
    if !output.status.success() {
        return Err(format!(
            "{}\n{PYJWT_HINT}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// A token minted by PyJWT: `key` is the HS256 secret or a PEM private key.
#[track_caller]
fn pyjwt(algorithm: &str, key: &str, claims: &Value) -> String {
    const MINT: &str = "import json, os, sys, jwt\n\
        key = os.environ['KEY']\n\
        alg = os.environ['ALG']\n\
        sys.stdout.write(jwt.encode(json.loads(os.environ['CLAIMS']), None if alg == 'none' else key, algorithm=alg, headers={'kid': 'test-key'}))\n";
    python(
        MINT,
        &[
            ("KEY", key),
            ("ALG", algorithm),
            ("CLAIMS", &claims.to_string()),
        ],
    )
    .unwrap_or_else(|e| panic!("PyJWT could not mint a {algorithm} token: {e}"))
}

/// A fresh RSA key pair (PKCS#8 private, SubjectPublicKeyInfo public), made by `cryptography`.
fn rsa_pair() -> (String, String) {
    const GENERATE: &str = "import sys\n\
        from cryptography.hazmat.primitives.asymmetric import rsa\n\
        from cryptography.hazmat.primitives import serialization as s\n\
        k = rsa.generate_private_key(public_exponent=65537, key_size=2048)\n\
        sys.stdout.write(k.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()).decode())\n\
        sys.stdout.write('\\n')\n\
        sys.stdout.write(k.public_key().public_bytes(s.Encoding.PEM, s.PublicFormat.SubjectPublicKeyInfo).decode())\n";
    let both = python(GENERATE, &[]).unwrap_or_else(|e| panic!("RSA key generation: {e}"));
    let split = both
        .find("-----BEGIN PUBLIC KEY-----")
        .expect("a public key");
    (
        both[..split].trim().to_string() + "\n",
        both[split..].trim().to_string() + "\n",
    )
}

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

fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in text.bytes() {
        let Some(value) = ALPHABET.iter().position(|&a| a == byte) else {
            continue;
        };
        buffer = (buffer << 6) | value as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

#[track_caller]
fn accepted(server: &Server, token: &str, why: &str) {
    let answer = request("GET", &server.url("/v1/processes"), Some(token), &[], None);
    assert_eq!(
        answer.status,
        200,
        "{why}: {}",
        String::from_utf8_lossy(&answer.bytes)
    );
}

#[track_caller]
fn refused(server: &Server, token: &str, why: &str) {
    let answer = request("GET", &server.url("/v1/processes"), Some(token), &[], None);
    assert_eq!(
        answer.status,
        401,
        "{why} was not refused: {}",
        String::from_utf8_lossy(&answer.bytes)
    );
    assert_eq!(
        answer.content_type.as_deref(),
        Some("application/problem+json"),
        "{why}"
    );
    assert!(
        answer
            .www_authenticate
            .as_deref()
            .is_some_and(|c| c.contains("error=\"invalid_token\"")),
        "{why}: {:?}",
        answer.www_authenticate
    );
}

#[test]
fn pyjwt_hs256_tokens_interoperate_both_ways() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(dir.path().join("db.sqlite"));
    // PyJWT's tokens, with a `kid` header and claims penholder does not use, are accepted.
    for (role, delegation) in [
        ("admin", None),
        ("delegate", Some("HU")),
        ("reviewer", None),
    ] {
        accepted(
            &server,
            &pyjwt("HS256", SECRET, &claims(role, delegation)),
            role,
        );
    }
    // The server knows who the PyJWT token names: an admin's may create a process, a
    // delegate's may not.
    let admin = pyjwt("HS256", SECRET, &claims("admin", None));
    post(
        &server,
        "/v1/processes",
        &admin,
        &json!({"slug": "bp", "title": "Budapest Process"}),
    )
    .expect(201);
    let delegate = pyjwt("HS256", SECRET, &claims("delegate", Some("HU")));
    post(
        &server,
        "/v1/processes",
        &delegate,
        &json!({"slug": "bp2", "title": "x"}),
    )
    .expect(403);
    // And what PyJWT gets wrong on purpose is refused.
    let mut wrong_audience = claims("admin", None);
    wrong_audience["aud"] = json!("another-service");
    refused(
        &server,
        &pyjwt("HS256", SECRET, &wrong_audience),
        "PyJWT, wrong aud",
    );
    let mut expired = claims("admin", None);
    expired["exp"] = json!(now() - 600);
    expired["iat"] = json!(now() - 4000);
    expired["nbf"] = json!(now() - 4000);
    refused(&server, &pyjwt("HS256", SECRET, &expired), "PyJWT, expired");
    refused(
        &server,
        &pyjwt(
            "HS256",
            "another-secret-that-is-long-enough-000",
            &claims("admin", None),
        ),
        "PyJWT, another secret",
    );
    refused(
        &server,
        &pyjwt("none", "", &claims("admin", None)),
        "PyJWT, alg none",
    );
    refused(
        &server,
        &pyjwt("HS512", SECRET, &claims("admin", None)),
        "PyJWT, HS512 with the right secret",
    );
    // The other way: PyJWT verifies what `penholder token` mints, audience and issuer included.
    const VERIFY: &str = "import json, os, sys, jwt\n\
        claims = jwt.decode(os.environ['TOKEN'], os.environ['KEY'], algorithms=['HS256'], audience='penholder', issuer='penholder', options={'require': ['exp', 'iat', 'sub']})\n\
        sys.stdout.write(json.dumps(claims))\n";
    let minted = token("chair", Some("HU"));
    let decoded: Value = serde_json::from_str(
        &python(VERIFY, &[("TOKEN", &minted), ("KEY", SECRET)])
            .unwrap_or_else(|e| panic!("PyJWT refused penholder's token: {e}")),
    )
    .expect("claims");
    assert_eq!(decoded["role"], "chair");
    assert_eq!(decoded["delegation"], "HU");
}

#[test]
fn rs256_is_pinned_when_configured() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (private, public) = rsa_pair();
    let (public_path, private_path) = (dir.path().join("rsa.pub.pem"), dir.path().join("rsa.pem"));
    std::fs::write(&public_path, &public).expect("write");
    std::fs::write(&private_path, &private).expect("write");
    let server = Server::start_with(
        dir.path().join("db.sqlite"),
        &[
            ("PENHOLDER_JWT_ALGORITHM", "RS256"),
            (
                "PENHOLDER_JWT_PUBLIC_KEY",
                public_path.to_str().expect("utf-8"),
            ),
        ],
    );
    // The right key: `penholder token`, penholder's Minter and PyJWT all get in.
    let output = Command::new(binary())
        .args(["token", "--role", "admin", "--sub", "admin-rs256"])
        .env("PENHOLDER_JWT_ALGORITHM", "RS256")
        .env("PENHOLDER_JWT_PRIVATE_KEY", &private_path)
        .env_remove("PENHOLDER_JWT_SECRET")
        .output()
        .expect("penholder token");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    accepted(
        &server,
        String::from_utf8_lossy(&output.stdout).trim(),
        "penholder token, RS256",
    );
    let minter = Minter::private_key(
        penholder_server::KeyAlgorithm::Rs256,
        private.as_bytes(),
        TokenScope::default(),
    )
    .expect("RSA key");
    let good = minter.sign(&claims("admin", None)).expect("sign");
    accepted(&server, &good, "Minter, RS256");
    accepted(
        &server,
        &pyjwt("RS256", &private, &claims("delegate", Some("HU"))),
        "PyJWT, RS256",
    );

    // Key confusion: HS256 keyed with the public key, in every form a server might hold it.
    let der = base64_decode(
        &public
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<String>(),
    );
    for (form, key) in [
        ("the public key PEM", public.as_bytes().to_vec()),
        (
            "the trimmed public key PEM",
            public.trim().as_bytes().to_vec(),
        ),
        ("the public key DER", der),
    ] {
        let confused = Minter::hs256(&key, TokenScope::default()).expect("long enough");
        refused(
            &server,
            &confused.sign(&claims("admin", None)).expect("sign"),
            &format!("HS256 keyed with {form}"),
        );
    }
    // The same signature under another algorithm's name is refused: the algorithm is pinned.
    let parts: Vec<&str> = good.split('.').collect();
    for algorithm in ["RS384", "RS512", "PS256", "HS256", "none", "rs256"] {
        let header = json!({"alg": algorithm, "typ": "JWT"});
        let forged = format!(
            "{}.{}.{}",
            base64url(header.to_string().as_bytes()),
            parts[1],
            parts[2]
        );
        refused(&server, &forged, &format!("header alg {algorithm}"));
    }
    refused(
        &server,
        &format!("{}.{}.", parts[0], parts[1]),
        "RS256 without a signature",
    );
    let (other_private, _) = rsa_pair();
    refused(
        &server,
        &pyjwt("RS256", &other_private, &claims("admin", None)),
        "another RSA key",
    );
    refused(
        &server,
        &pyjwt("HS256", SECRET, &claims("admin", None)),
        "an HS256 secret while RS256 is configured",
    );
    refused(
        &server,
        &pyjwt("EdDSA", ED25519_PRIVATE, &claims("admin", None)),
        "an Ed25519 key while RS256 is configured",
    );
}

#[test]
fn pyjwt_eddsa_tokens_are_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let public = dir.path().join("ed25519.pub.pem");
    std::fs::write(&public, ED25519_PUBLIC).expect("write");
    let server = Server::start_with(
        dir.path().join("db.sqlite"),
        &[
            ("PENHOLDER_JWT_ALGORITHM", "EdDSA"),
            ("PENHOLDER_JWT_PUBLIC_KEY", public.to_str().expect("utf-8")),
        ],
    );
    accepted(
        &server,
        &pyjwt("EdDSA", ED25519_PRIVATE, &claims("observer", Some("HU"))),
        "PyJWT, EdDSA",
    );
    let mut wrong_issuer = claims("admin", None);
    wrong_issuer["iss"] = json!("someone-else");
    refused(
        &server,
        &pyjwt("EdDSA", ED25519_PRIVATE, &wrong_issuer),
        "PyJWT, EdDSA, wrong iss",
    );
}

/// A process with HU (chair) and PK, a document and an open round.
fn world(server: &Server) {
    let admin = token("admin", None);
    post(
        server,
        "/v1/processes",
        &admin,
        &json!({"slug": "bp", "title": "Budapest Process", "delegations": [
            {"code": "HU", "name": "Hungary", "kind": "state", "function": "chair"},
            {"code": "PK", "name": "Pakistan", "kind": "state"},
            {"code": "EU", "name": "European Union", "kind": "group", "members": ["FR"]}
        ]}),
    )
    .expect(201);
    post(
        server,
        "/v1/processes",
        &admin,
        &json!({"slug": "rabat", "title": "Rabat Process", "delegations": [
            {"code": "MA", "name": "Morocco", "kind": "state", "function": "chair"},
            {"code": "SN", "name": "Senegal", "kind": "state"}
        ]}),
    )
    .expect(201);
    let chair = token("chair", Some("HU"));
    post(
        server,
        "/v1/processes/bp/documents",
        &chair,
        &json!({"slug": "cfa", "title": "Call for Action", "classification": "LIMITE",
                "source": {"format": "json", "text": fixture("call-for-action.json")}}),
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
}

fn audit_length(server: &Server) -> usize {
    get(
        server,
        "/v1/processes/bp/audit?limit=1000",
        &token("admin", None),
    )
    .expect(200)
    .json()["entries"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0)
}

both_backends!(a_delegation_not_in_the_process_is_refused);

fn a_delegation_not_in_the_process_is_refused(db: &TestDb) {
    let server = Server::start(db);
    world(&server);
    let before = audit_length(&server);
    let round = "/v1/processes/bp/rounds/1";
    let body =
        json!({"items": [{"kind": "comment", "node": null, "text": "We were never invited."}]});
    // Well-signed tokens, valid roles, but delegations the process does not list: a made-up
    // one, one of another process, a case variant of a member, a member's name with padding,
    // and FR, a member of the EU only through the group (it may read, never write for PK).
    for code in ["XX", "SN", "hu", "eu"] {
        let outsider = token("delegate", Some(code));
        let answer = put(
            &server,
            &format!("{round}/submissions/{code}"),
            &outsider,
            &body,
        );
        assert!(
            matches!(answer.status, 403 | 404),
            "{code:?} writing its own submission: {} {}",
            answer.status,
            String::from_utf8_lossy(&answer.bytes)
        );
        put(
            &server,
            &format!("{round}/submissions/PK"),
            &outsider,
            &body,
        )
        .expect(403);
        get(&server, "/v1/processes/bp/documents/cfa", &outsider).expect(403);
        get(&server, round, &outsider).expect(403);
        get(&server, &format!("{round}/submissions"), &outsider).expect(403);
        get(&server, &format!("{round}/submissions/PK"), &outsider).expect(403);
        // The chair of another process is no chair here.
        let foreign_chair = token("chair", Some(code));
        post(
            &server,
            &format!("{round}/close"),
            &foreign_chair,
            &json!({}),
        )
        .expect(403);
        get(&server, "/v1/processes/bp/audit", &foreign_chair).expect(403);
    }
    // Codes `penholder token` would never mint, signed with the right key all the same: a
    // member's code padded, or with a zero-width space inside. Refused as tokens (401) or as
    // outsiders (403), never taken for PK or HU.
    let minter = Minter::hs256(SECRET.as_bytes(), TokenScope::default()).expect("secret");
    for code in ["HU ", " PK", "P\u{200b}K", "PK\u{0}", "HU/../PK"] {
        for role in ["delegate", "chair"] {
            let odd = minter.sign(&claims(role, Some(code))).expect("sign");
            for (method, path, payload) in [
                ("PUT", format!("{round}/submissions/PK"), Some(&body)),
                ("POST", format!("{round}/close"), Some(&json!({}))),
                ("GET", "/v1/processes/bp/documents/cfa".to_string(), None),
                ("GET", format!("{round}/submissions/PK"), None),
            ] {
                let bytes = payload.map(|b| serde_json::to_vec(b).expect("json"));
                let answer = request(
                    method,
                    &server.url(&path),
                    Some(&odd),
                    &[],
                    bytes.as_deref(),
                );
                assert!(
                    matches!(answer.status, 401 | 403),
                    "{role} of {code:?}: {method} {path}: {} {}",
                    answer.status,
                    String::from_utf8_lossy(&answer.bytes)
                );
            }
        }
    }
    let fr = token("delegate", Some("FR"));
    get(&server, "/v1/processes/bp/documents/cfa", &fr).expect(200);
    put(&server, &format!("{round}/submissions/PK"), &fr, &body).expect(403);
    // Nothing was stored, and nothing was logged as done.
    let chair = token("chair", Some("HU"));
    let submissions = get(&server, &format!("{round}/submissions"), &chair)
        .expect(200)
        .json();
    assert_eq!(
        submissions["submissions"].as_array().map(Vec::len),
        Some(0),
        "{submissions}"
    );
    assert_eq!(audit_length(&server), before);
    // A member still gets in, so the refusals above were about membership.
    put(
        &server,
        &format!("{round}/submissions/PK"),
        &token("delegate", Some("PK")),
        &body,
    )
    .expect(201);
    db.verify_audit("after the refusals");
}
