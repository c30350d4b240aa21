//! In-process test harness: the real router on an in-memory store, a manual clock, and tokens
//! minted with the test secret. No socket: requests go through `tower::ServiceExt::oneshot`.

#![allow(dead_code)] // reason: each test binary uses a different part of the harness

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use penholder_server::{
    AppState, Clock, ManualClock, Minter, Role, ServerConfig, TokenScope, Verifier, router,
};
use penholder_store::Store;
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceExt;

pub const SECRET: &[u8] = b"in-process-test-secret-of-32-bytes!!";

/// 2023-12-05T09:00:00Z: the Senior Officials Meeting in Istanbul.
pub const T0: i64 = 1_701_766_800_000;
pub const HOUR: i64 = 3_600_000;
pub const DAY: i64 = 24 * HOUR;

pub struct Harness {
    pub app: Router,
    /// The store behind the router, for what no request can do (writing as an earlier
    /// penholder did).
    pub store: Store,
    pub clock: ManualClock,
    pub minter: Minter,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// Panics with the body when the status is not the one expected.
    #[track_caller]
    pub fn expect(self, status: u16) -> Answer {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            String::from_utf8_lossy(&self.bytes)
        );
        self
    }
}

impl Harness {
    pub fn new() -> Harness {
        Harness::with_config(ServerConfig::default())
    }

    pub fn with_config(config: ServerConfig) -> Harness {
        let clock = ManualClock::new(T0 - DAY);
        let scope = TokenScope::default();
        let store = Store::open_in_memory().expect("in-memory store");
        let state = AppState::new(
            store.clone(),
            Verifier::hs256(SECRET, &scope).expect("secret"),
            Arc::new(clock.clone()),
            config,
        );
        Harness {
            store,
            app: router(state),
            clock,
            minter: Minter::hs256(SECRET, scope).expect("secret"),
        }
    }

    /// A token valid at the harness's clock for a day.
    pub fn token(&self, role: Role, delegation: Option<&str>) -> String {
        let now = self.clock.now_millis() / 1000;
        self.minter
            .mint(
                &format!("{}-{}", role.as_str(), delegation.unwrap_or("none")),
                role,
                delegation,
                now,
                86_400 * 365,
            )
            .expect("mint")
    }

    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if !body.is_empty()
            && !headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        {
            request = request.header("content-type", "application/json");
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Body::from(body)).expect("request");
        let response = self.app.clone().oneshot(request).await.expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body")
            .to_vec();
        Answer {
            status,
            headers,
            bytes,
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Answer {
        let bytes = body
            .map(|b| serde_json::to_vec(&b).expect("json"))
            .unwrap_or_default();
        self.raw(method, path, Some(token), &[], bytes).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::PUT, path, token, Some(body)).await
    }
}

pub fn id(n: u32) -> String {
    format!("0190a000-0000-7000-8000-{n:012}")
}

/// A small declaration: P1 (opening), PP1, PP2, OP1 with items OP1.a and OP1.b, OP2.
pub fn declaration_json() -> String {
    json!({
        "title": "Declaration",
        "nodes": [
            {"id": id(1), "kind": "paragraph", "text": "WE, the Ministers,"},
            {"id": id(2), "kind": "preambular", "text": "Recalling the Rabat Process and the Khartoum Process,"},
            {"id": id(3), "kind": "preambular", "text": "Acknowledging the good cooperation among participating States,"},
            {"id": id(4), "kind": "operative", "text": "Commit to act on the following priorities:", "children": [
                {"id": id(5), "kind": "item", "text": "preventing irregular migration;"},
                {"id": id(6), "kind": "item", "text": "protecting the rights of migrants;"}
            ]},
            {"id": id(7), "kind": "operative", "text": "Agree to meet again in 2026."}
        ]
    })
    .to_string()
}

/// The process of the tests: HU chairs, ICMPD is the secretariat, FR and DE are states and
/// members of the EU group, SE observes.
pub fn process_body(slug: &str) -> Value {
    json!({
        "slug": slug,
        "title": "Budapest Process",
        "delegations": [
            {"code": "HU", "name": "Hungary", "kind": "state", "function": "chair"},
            {"code": "ICMPD", "name": "ICMPD", "kind": "organisation", "participation": "secretariat"},
            {"code": "FR", "name": "France", "kind": "state"},
            {"code": "DE", "name": "Germany", "kind": "state"},
            {"code": "EU", "name": "European Union", "kind": "group", "members": ["FR", "DE"]},
            {"code": "SE", "name": "Sweden", "kind": "state", "participation": "observer"}
        ]
    })
}

pub fn rfc3339(millis: i64) -> String {
    penholder_server::clock::rfc3339(millis)
}

/// Sets up process `bp` with a LIMITE declaration, a public note, and round 1 on the
/// declaration (opens at T0, closes at T0 + 10 days), with submissions from FR and EU made
/// at T0 + 1 hour. Leaves the clock at T0 + 1 hour.
pub async fn world(h: &Harness) {
    world_of(h, process_body("bp")).await
}

/// [`world`] with another body for process `bp` (its slug must stay `bp`).
pub async fn world_of(h: &Harness, process: Value) {
    let admin = h.token(Role::Admin, None);
    h.post("/v1/processes", &admin, process).await.expect(201);
    let chair = h.token(Role::Chair, Some("HU"));
    h.post(
        "/v1/processes/bp/documents",
        &chair,
        json!({"slug": "declaration", "title": "Declaration", "classification": "LIMITE",
               "source": {"format": "json", "text": declaration_json()}}),
    )
    .await
    .expect(201);
    h.post(
        "/v1/processes/bp/documents",
        &chair,
        json!({"slug": "note", "title": "Cover note",
               "source": {"format": "markdown", "text": "# Cover note\n\nThe Presidency invites comments.\n"}}),
    )
    .await
    .expect(201);
    h.post(
        "/v1/processes/bp/rounds",
        &chair,
        json!({"document": "declaration", "label": "Written feedback on the zero draft",
               "opens_at": rfc3339(T0), "closes_at": rfc3339(T0 + 10 * DAY)}),
    )
    .await
    .expect(201);
    h.clock.set(T0 + HOUR);
    let fr = h.token(Role::Delegate, Some("FR"));
    h.put(
        "/v1/processes/bp/rounds/1/submissions/FR",
        &fr,
        json!({"items": [
            {"kind": "amend", "node": "PP2", "text": "Acknowledging the excellent cooperation among participating States,", "justification": "Stronger."},
            {"kind": "comment", "node": null, "text": "A good basis."}
        ]}),
    )
    .await
    .expect(201);
    let eu = h.token(Role::Delegate, Some("EU"));
    h.put(
        "/v1/processes/bp/rounds/1/submissions/EU",
        &eu,
        json!({"items": [
            {"kind": "amend", "node": "OP2", "text": "Agree to meet again in 2025."},
            {"kind": "insert", "after": "OP1.b", "text": "returning migrants in dignity;"}
        ]}),
    )
    .await
    .expect(201);
}
