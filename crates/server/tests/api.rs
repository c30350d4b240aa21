//! The API in process: a whole round, the rules of issue 4, errors, deadlines on a manual
//! clock, preconditions and idempotency.

mod common;

use axum::http::Method;
use common::*;
use penholder_server::Role;
use serde_json::{Value, json};

#[tokio::test]
async fn health_and_openapi() {
    let h = Harness::new();
    let health = h
        .raw(Method::GET, "/healthz", None, &[], Vec::new())
        .await
        .expect(200);
    assert_eq!(health.json()["status"], "ok");
    let openapi = h
        .raw(Method::GET, "/openapi.json", None, &[], Vec::new())
        .await
        .expect(200);
    let document = openapi.json();
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3."))
    );
    for path in [
        "/v1/processes",
        "/v1/processes/{p}/rounds/{r}/submissions/{d}",
        "/v1/processes/{p}/rounds/{r}/consolidate",
        "/v1/processes/{p}/documents/{d}/redline",
    ] {
        assert!(
            document["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(document["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn a_whole_round() {
    let h = Harness::new();
    world(&h).await;
    let chair = h.token(Role::Chair, Some("HU"));
    let fr = h.token(Role::Delegate, Some("FR"));
    let de = h.token(Role::Delegate, Some("DE"));

    // Sealed: DE sees neither FR's nor its own (it has none); FR sees the EU's (its group).
    h.get("/v1/processes/bp/rounds/1/submissions/FR", &de)
        .await
        .expect(403);
    h.get("/v1/processes/bp/rounds/1/submissions/EU", &fr)
        .await
        .expect(200);
    let listed = h
        .get("/v1/processes/bp/rounds/1/submissions", &fr)
        .await
        .expect(200)
        .json();
    let codes: Vec<&str> = listed["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["delegation"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["EU", "FR"]);
    assert_eq!(listed["sealed"], true);
    let all = h
        .get("/v1/processes/bp/rounds/1/submissions", &chair)
        .await
        .expect(200)
        .json();
    assert_eq!(all["submissions"].as_array().unwrap().len(), 2);
    h.get("/v1/processes/bp/rounds/1/compilation", &de)
        .await
        .expect(403);

    // DE submits, revises with If-Match; a stale If-Match is refused.
    let first = h
        .put(
            "/v1/processes/bp/rounds/1/submissions/DE",
            &de,
            json!({"items": [{"kind": "amend", "node": "OP2", "text": "Agree to meet again in 2027."}]}),
        )
        .await
        .expect(201);
    assert_eq!(first.header("etag").as_deref(), Some("\"1\""));
    let body =
        json!({"items": [{"kind": "delete", "node": "pp1", "justification": "Not needed."}]});
    let bytes = serde_json::to_vec(&body).unwrap();
    let second = h
        .raw(
            Method::PUT,
            "/v1/processes/bp/rounds/1/submissions/DE",
            Some(&de),
            &[("if-match", "\"1\"")],
            bytes.clone(),
        )
        .await
        .expect(201);
    let receipt = second.json();
    assert_eq!(receipt["revision"], 2);
    assert_eq!(
        receipt["receipt"],
        penholder_core::ContentHash::of(&bytes).to_hex(),
        "the receipt is the hash of the body as sent"
    );
    h.raw(
        Method::PUT,
        "/v1/processes/bp/rounds/1/submissions/DE",
        Some(&de),
        &[("if-match", "\"1\"")],
        bytes.clone(),
    )
    .await
    .expect(412);
    let revisions = h
        .get("/v1/processes/bp/rounds/1/submissions/DE/revisions", &de)
        .await
        .expect(200)
        .json();
    assert_eq!(revisions["revisions"].as_array().unwrap().len(), 2);
    let own = h
        .get("/v1/processes/bp/rounds/1/submissions/DE", &de)
        .await
        .expect(200);
    assert_eq!(
        own.json()["body"],
        body,
        "the body comes back as it was sent"
    );
    let first_back = h
        .get("/v1/processes/bp/rounds/1/submissions/DE/revisions/1", &de)
        .await
        .expect(200)
        .json();
    assert_eq!(first_back["items"][0]["kind"], "amend");

    // Before the deadline the chair extends it (a delegate may not); DE resubmits.
    h.clock.set(T0 + 10 * DAY - HOUR);
    h.post(
        "/v1/processes/bp/rounds/1/extend",
        &de,
        json!({"closes_at": rfc3339(T0 + 12 * DAY)}),
    )
    .await
    .expect(403);
    let extended = h
        .post(
            "/v1/processes/bp/rounds/1/extend",
            &chair,
            json!({"closes_at": rfc3339(T0 + 12 * DAY)}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(extended["state"], "open");
    assert_eq!(extended["events"][0]["action"], "extend");
    h.put(
        "/v1/processes/bp/rounds/1/submissions/DE",
        &de,
        body.clone(),
    )
    .await
    .expect(201);

    // The new deadline passes: late, 409 naming it; the round, now unsealed, never reopens.
    h.clock.set(T0 + 12 * DAY);
    let late = h
        .put(
            "/v1/processes/bp/rounds/1/submissions/DE",
            &de,
            body.clone(),
        )
        .await
        .expect(409);
    let detail = late.json()["detail"].as_str().unwrap().to_string();
    assert!(detail.contains(&rfc3339(T0 + 12 * DAY)), "{detail}");
    h.post(
        "/v1/processes/bp/rounds/1/extend",
        &chair,
        json!({"closes_at": rfc3339(T0 + 14 * DAY)}),
    )
    .await
    .expect(409);

    // Closed, everyone in the process reads everything.
    h.get("/v1/processes/bp/rounds/1/submissions/FR", &de)
        .await
        .expect(200);
    let compilation = h
        .get("/v1/processes/bp/rounds/1/compilation", &de)
        .await
        .expect(200)
        .json();
    assert_eq!(
        compilation["submissions"].as_array().unwrap().len(),
        3,
        "{compilation}"
    );
    let changes: Vec<Value> = compilation["compilation"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|n| n["changes"].as_array().unwrap().clone())
        .collect();
    // OP2: EU 2025 against DE's deletion? No: DE deleted PP1 and EU and DE differ on nothing
    // else; OP2 is amended by the EU alone.
    let op2 = changes
        .iter()
        .find(|c| c["reference"] == "OP2")
        .expect("a change on OP2");
    let pp2 = changes
        .iter()
        .find(|c| c["reference"] == "PP2")
        .expect("a change on PP2");
    let pp1 = changes
        .iter()
        .find(|c| c["reference"] == "PP1")
        .expect("a change on PP1");

    // Decisions: an unknown change is 422 naming it; delegates cannot decide.
    h.put(
        "/v1/processes/bp/rounds/1/decisions/nonexistent",
        &chair,
        json!({"decision": "accept"}),
    )
    .await
    .expect(422);
    h.put(
        &format!(
            "/v1/processes/bp/rounds/1/decisions/{}",
            pp2["id"].as_str().unwrap()
        ),
        &fr,
        json!({"decision": "accept"}),
    )
    .await
    .expect(403);
    for (change, decision) in [
        (pp2, json!({"decision": "accept"})),
        (op2, json!({"decision": "reject", "note": "2026 stays."})),
        (pp1, json!({"decision": "accept"})),
    ] {
        let path = format!(
            "/v1/processes/bp/rounds/1/decisions/{}",
            change["id"].as_str().unwrap()
        );
        h.put(&path, &chair, decision).await.expect(200);
    }
    let dispositions = h
        .get("/v1/processes/bp/rounds/1/dispositions", &chair)
        .await
        .expect(200)
        .json();
    assert!(dispositions["rows"].as_array().unwrap().len() >= 4);
    h.get("/v1/processes/bp/rounds/1/dispositions", &fr)
        .await
        .expect(403);

    // Consolidate: version 2, the round consolidated.
    let consolidation = h
        .post(
            "/v1/processes/bp/rounds/1/consolidate",
            &chair,
            json!({"label": "Rev. 1"}),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(consolidation["version"]["number"], 2);
    h.post(
        "/v1/processes/bp/rounds/1/consolidate",
        &chair,
        json!({"label": "again"}),
    )
    .await
    .expect(409);
    let round = h
        .get("/v1/processes/bp/rounds/1", &fr)
        .await
        .expect(200)
        .json();
    assert_eq!(round["state"], "consolidated");
    let v2 = h
        .get("/v1/processes/bp/documents/declaration/versions/2", &fr)
        .await
        .expect(200)
        .json();
    let texts: Vec<&str> = v2["document"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert!(texts.contains(&"Acknowledging the excellent cooperation among participating States,"));
    assert!(
        texts.contains(&"Agree to meet again in 2026."),
        "rejected: {texts:?}"
    );
    assert!(
        !texts.iter().any(|t| t.starts_with("Recalling")),
        "PP1 deleted: {texts:?}"
    );

    // Redline and blame carry the delegations.
    let redline = h
        .get(
            "/v1/processes/bp/documents/declaration/redline?from=1&to=2",
            &fr,
        )
        .await
        .expect(200)
        .json();
    assert_eq!(redline["attributed"], true);
    let text = redline.to_string();
    assert!(text.contains("\"FR\""), "FR's insertion attributed: {text}");
    assert!(text.contains("\"DE\""), "DE's deletion attributed");
    let blame = h
        .get(
            "/v1/processes/bp/documents/declaration/versions/2/blame",
            &fr,
        )
        .await
        .expect(200)
        .json();
    assert!(blame.to_string().contains("accepted"));
    // Dispositions are now published to the delegations.
    let published = h
        .get("/v1/processes/bp/rounds/1/dispositions", &fr)
        .await
        .expect(200)
        .json();
    assert!(
        published["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["status"] == "retained_verbatim" || r["status"] == "merged_with_others"),
        "{published}"
    );

    // The audit log holds every write, chained.
    let audit = h
        .get("/v1/processes/bp/audit", &chair)
        .await
        .expect(200)
        .json();
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "process.create",
        "document.create",
        "round.create",
        "submission.put",
        "round.extend",
        "submission.late",
        "decision.put",
        "version.publish",
    ] {
        assert!(actions.contains(&action), "{action} missing: {actions:?}");
    }
    h.get("/v1/processes/bp/audit", &fr).await.expect(403);
}

#[tokio::test]
async fn the_chair_uploads_a_revised_text_and_attribution_survives() {
    let h = Harness::new();
    world(&h).await;
    let chair = h.token(Role::Chair, Some("HU"));
    h.clock.set(T0 + 11 * DAY);
    // The chairmanship's revised text, written elsewhere: FR's wording taken, OP2 untouched.
    let revised = "WE, the Ministers,\n\n\
                   Recalling the Rabat Process and the Khartoum Process,\n\n\
                   Acknowledging the excellent cooperation among participating States,\n\n\
                   Commit to act on the following priorities:\n\n\
                   - preventing irregular migration;\n- protecting the rights of migrants;\n\n\
                   Agree to meet again in 2026.\n";
    let uploaded = h
        .post(
            "/v1/processes/bp/documents/declaration/versions",
            &chair,
            json!({"label": "Rev. 1 (Presidency text)", "round": 1,
                   "source": {"format": "markdown", "text": revised}}),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(uploaded["version"]["number"], 2);
    assert_eq!(uploaded["version"]["round"], 1);
    let fr = h.token(Role::Delegate, Some("FR"));
    let redline = h
        .get(
            "/v1/processes/bp/documents/declaration/redline?from=1&to=2",
            &fr,
        )
        .await
        .expect(200)
        .json();
    assert!(redline.to_string().contains("\"FR\""), "{redline}");
    let fr_upload = h
        .post(
            "/v1/processes/bp/documents/declaration/versions",
            &fr,
            json!({"label": "x", "source": {"format": "markdown", "text": revised}}),
        )
        .await;
    assert_eq!(fr_upload.status, 403);
}

#[tokio::test]
async fn limite_documents_are_for_members_only() {
    let h = Harness::new();
    world(&h).await;
    let outsider = h.token(Role::Delegate, Some("XX"));
    let reviewer_outside = h.token(Role::Reviewer, None);
    let member = h.token(Role::Observer, Some("SE"));
    for token in [&outsider, &reviewer_outside] {
        h.get("/v1/processes/bp/documents/declaration", token)
            .await
            .expect(403);
        h.get("/v1/processes/bp/documents/declaration/versions/1", token)
            .await
            .expect(403);
        h.get("/v1/processes/bp/documents/note/versions/1", token)
            .await
            .expect(200);
        // Not even its title is listed to them (issue 12, finding 8).
        let process = h.get("/v1/processes/bp", token).await.expect(200).json();
        let listed: Vec<&str> = process["documents"]
            .as_array()
            .expect("documents")
            .iter()
            .filter_map(|d| d["slug"].as_str())
            .collect();
        assert_eq!(listed, ["note"], "{process}");
    }
    h.get("/v1/processes/bp/documents/declaration/versions/1", &member)
        .await
        .expect(200);
    let process = h.get("/v1/processes/bp", &member).await.expect(200).json();
    assert_eq!(process["documents"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn errors_are_problem_documents() {
    let h = Harness::with_config(penholder_server::ServerConfig {
        body_limit: 4096,
        ..Default::default()
    });
    world(&h).await;
    let fr = h.token(Role::Delegate, Some("FR"));
    let path = "/v1/processes/bp/rounds/1/submissions/FR";

    // Malformed JSON: 400.
    let malformed = h
        .raw(Method::PUT, path, Some(&fr), &[], b"{\"items\": [".to_vec())
        .await
        .expect(400);
    assert_eq!(
        malformed.header("content-type").as_deref(),
        Some("application/problem+json")
    );
    let problem = malformed.json();
    assert_eq!(problem["status"], 400);
    assert_eq!(problem["instance"], path);
    assert!(
        problem["type"]
            .as_str()
            .unwrap()
            .starts_with("urn:penholder:problem:")
    );

    // Unknown reference: 422 naming the item and the reference.
    let unknown = h
        .put(
            path,
            &fr,
            json!({"items": [
                {"kind": "comment", "node": null, "text": "fine"},
                {"kind": "amend", "node": "OP9", "text": "x"}
            ]}),
        )
        .await
        .expect(422)
        .json();
    assert_eq!(unknown["errors"][0]["item"], 1);
    assert_eq!(unknown["errors"][0]["reference"], "OP9");
    assert_eq!(unknown["errors"][0]["pointer"], "/items/1/node");

    // Unknown field: refused, naming the item.
    let extra = h
        .put(
            path,
            &fr,
            json!({"items": [{"kind": "delete", "node": "OP2", "why": "x"}]}),
        )
        .await
        .expect(422)
        .json();
    assert_eq!(extra["errors"][0]["item"], 0);
    assert!(extra["detail"].as_str().unwrap().contains("unknown field"));
    h.put(path, &fr, json!({"items": [], "extra": true}))
        .await
        .expect(422);
    h.put(
        path,
        &fr,
        json!({"items": [{"kind": "rewrite", "node": "OP2"}]}),
    )
    .await
    .expect(422);

    // Too large: 413.
    let big = json!({"items": [{"kind": "comment", "node": null, "text": "x".repeat(5000)}]});
    h.put(path, &fr, big).await.expect(413);

    // Unknown resources and methods.
    h.get("/v1/processes/nope", &fr).await.expect(404);
    h.get("/v1/processes/bp/rounds/99", &fr).await.expect(404);
    h.get("/v1/processes/bp/rounds/abc", &fr).await.expect(404);
    h.get("/v1/nothing/here", &fr).await.expect(404);
    let wrong_method = h
        .call(Method::DELETE, "/v1/processes/bp", &fr, None)
        .await
        .expect(405);
    assert_eq!(wrong_method.json()["status"], 405);
    h.raw(
        Method::PUT,
        path,
        Some(&fr),
        &[("content-type", "text/plain")],
        b"hi".to_vec(),
    )
    .await
    .expect(415);

    // No token, a bad token: 401 with WWW-Authenticate.
    let missing = h
        .raw(Method::GET, "/v1/processes", None, &[], Vec::new())
        .await
        .expect(401);
    assert!(
        missing
            .header("www-authenticate")
            .unwrap()
            .contains("error=\"invalid_token\"")
    );
    let bad = h
        .raw(
            Method::GET,
            "/v1/processes",
            Some("not.a.jwt"),
            &[],
            Vec::new(),
        )
        .await
        .expect(401);
    assert!(
        bad.header("www-authenticate")
            .unwrap()
            .contains("error_description=")
    );
}

#[tokio::test]
async fn idempotency_keys_replay_and_refuse_reuse() {
    let h = Harness::new();
    world(&h).await;
    let fr = h.token(Role::Delegate, Some("FR"));
    let path = "/v1/processes/bp/rounds/1/submissions/FR";
    let body = serde_json::to_vec(&json!({"items": [{"kind": "delete", "node": "OP2"}]})).unwrap();
    let key = [("idempotency-key", "fr-2023-12-05-1")];
    let first = h
        .raw(Method::PUT, path, Some(&fr), &key, body.clone())
        .await
        .expect(201);
    let again = h
        .raw(Method::PUT, path, Some(&fr), &key, body.clone())
        .await
        .expect(201);
    assert_eq!(first.bytes, again.bytes);
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.header("etag"), first.header("etag"));
    let revisions = h
        .get(&format!("{path}/revisions"), &fr)
        .await
        .expect(200)
        .json();
    assert_eq!(
        revisions["revisions"].as_array().unwrap().len(),
        2,
        "stored once"
    );
    let other = serde_json::to_vec(&json!({"items": []})).unwrap();
    h.raw(Method::PUT, path, Some(&fr), &key, other)
        .await
        .expect(422);
}

#[tokio::test]
async fn group_members_see_the_group_and_observers_never_write() {
    let h = Harness::new();
    world(&h).await;
    let de = h.token(Role::Delegate, Some("DE"));
    let se = h.token(Role::Observer, Some("SE"));
    let reviewer = h.token(Role::Reviewer, Some("DE"));
    h.get("/v1/processes/bp/rounds/1/submissions/EU", &de)
        .await
        .expect(200);
    h.put(
        "/v1/processes/bp/rounds/1/submissions/EU",
        &de,
        json!({"items": []}),
    )
    .await
    .expect(403);
    h.put(
        "/v1/processes/bp/rounds/1/submissions/SE",
        &se,
        json!({"items": []}),
    )
    .await
    .expect(403);
    h.put(
        "/v1/processes/bp/rounds/1/submissions/DE",
        &reviewer,
        json!({"items": []}),
    )
    .await
    .expect(403);
    let admin = h.token(Role::Admin, None);
    h.post("/v1/processes", &de, process_body("other"))
        .await
        .expect(403);
    h.post("/v1/processes", &admin, process_body("other"))
        .await
        .expect(201);
    h.post("/v1/processes", &admin, process_body("other"))
        .await
        .expect(409);
}

#[tokio::test]
async fn other_formats_come_from_the_renderer() {
    let h = Harness::new();
    world(&h).await;
    let chair = h.token(Role::Chair, Some("HU"));
    let fr = h.token(Role::Delegate, Some("FR"));
    let version = "/v1/processes/bp/documents/declaration/versions/1";
    for (format, content_type) in [
        ("html", "text/html; charset=utf-8"),
        ("md", "text/markdown; charset=utf-8"),
        ("akn", "application/akn+xml"),
        (
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ] {
        let answer = h
            .get(&format!("{version}?format={format}"), &fr)
            .await
            .expect(200);
        assert_eq!(
            answer.header("content-type").as_deref(),
            Some(content_type),
            "{format}"
        );
        assert!(
            answer
                .header("content-disposition")
                .unwrap()
                .contains("bp-declaration-v1")
        );
        assert!(!answer.bytes.is_empty());
        // Files are never sniffed into something else; a page runs nothing (issue 12, 8).
        assert_eq!(
            answer.header("x-content-type-options").as_deref(),
            Some("nosniff")
        );
        let policy = answer.header("content-security-policy");
        assert_eq!(
            policy
                .as_deref()
                .map(|p| p.starts_with("default-src 'none'")),
            (format == "html").then_some(true),
            "{format}: {policy:?}"
        );
    }
    let problem = h
        .get(&format!("{version}?format=pdf"), &fr)
        .await
        .expect(406)
        .json();
    assert!(
        problem["detail"].as_str().unwrap().contains("docx"),
        "{problem}"
    );
    h.get(&format!("{version}?format=csv"), &fr)
        .await
        .expect(406);

    h.clock.set(T0 + 11 * DAY);
    let compilation = h
        .get("/v1/processes/bp/rounds/1/compilation?format=html", &chair)
        .await
        .expect(200);
    assert!(String::from_utf8_lossy(&compilation.bytes).contains("<html"));
    h.get("/v1/processes/bp/rounds/1/compilation?format=docx", &chair)
        .await
        .expect(200);
    h.post(
        "/v1/processes/bp/rounds/1/consolidate",
        &chair,
        json!({"label": "Rev. 1", "accept_uncontested": true}),
    )
    .await
    .expect(201);
    let csv = h
        .get("/v1/processes/bp/rounds/1/dispositions?format=csv", &chair)
        .await
        .expect(200);
    let table = String::from_utf8_lossy(&csv.bytes).to_string();
    // UTF-8 with a byte order mark, so that Excel reads it as UTF-8.
    assert!(
        table.starts_with("\u{feff}Id,MB,Line number,Clause/Subclause"),
        "{table}"
    );
    assert!(table.contains("France"), "{table}");
    h.get("/v1/processes/bp/rounds/1/dispositions?format=xlsx", &fr)
        .await
        .expect(200);
    let redline = h
        .get(
            "/v1/processes/bp/documents/declaration/redline?from=1&to=2&format=docx",
            &fr,
        )
        .await
        .expect(200);
    assert_eq!(&redline.bytes[..2], b"PK", "a DOCX is a zip package");
    h.get(
        "/v1/processes/bp/documents/declaration/versions/2/blame?format=html",
        &fr,
    )
    .await
    .expect(200);
    let outcomes = h
        .get("/v1/processes/bp/rounds/1/outcomes/FR", &fr)
        .await
        .expect(200)
        .json();
    assert_eq!(outcomes["delegation"], "FR");
    // FR's own two proposals, then the two of its group's (the EU's) that roll down to it.
    let ids: Vec<&str> = outcomes["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(ids.len(), 4, "{ids:?}");
    assert_eq!(
        ids.iter().filter(|id| id.starts_with("EU-")).count(),
        2,
        "{ids:?}"
    );
    h.get("/v1/processes/bp/rounds/1/outcomes/FR?format=html", &fr)
        .await
        .expect(200);
}

#[tokio::test]
async fn hostile_input_gets_a_4xx_never_a_5xx() {
    let h = Harness::new();
    world(&h).await;
    let fr = h.token(Role::Delegate, Some("FR"));
    let chair = h.token(Role::Chair, Some("HU"));
    let path = "/v1/processes/bp/rounds/1/submissions/FR";
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let many = json!({"items": (0..10_001).map(|_| json!({"kind": "comment", "node": null, "text": "x"})).collect::<Vec<_>>()});
    let bodies: Vec<Vec<u8>> = vec![
        b"{".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"{\"items\": 3}".to_vec(),
        b"{\"items\": [{\"kind\": \"amend\"}]}".to_vec(),
        b"{\"items\": [{\"kind\": \"amend\", \"node\": 7, \"text\": \"x\"}]}".to_vec(),
        format!("{{\"items\": {deep}}}").into_bytes(),
        vec![b'{', 0xff, 0xfe, b'}'],
        b"{\"items\": [{\"kind\": \"comment\", \"node\": null, \"text\": \"\\u0000\\ud800\"}]}".to_vec(),
        b"{\"items\": [{\"kind\": \"amend\", \"node\": \"../../etc/passwd\", \"text\": \"x\"}]}".to_vec(),
        b"{\"items\": [{\"kind\": \"amend\", \"node\": \"PP1'; DROP TABLE rounds;--\", \"text\": \"x\"}]}".to_vec(),
        b"{\"items\": [{\"kind\": \"insert\", \"after\": \"PP1\", \"before\": \"PP2\", \"text\": \"x\"}]}".to_vec(),
        b"{\"items\": [{\"kind\": \"insert\", \"after\": \"PP1\", \"text\": \"x\", \"node_kind\": \"chapter\"}]}".to_vec(),
        serde_json::to_vec(&many).unwrap(),
    ];
    for body in bodies {
        let answer = h.raw(Method::PUT, path, Some(&fr), &[], body.clone()).await;
        assert!(
            (400..500).contains(&answer.status.as_u16()),
            "{} for {:?}: {}",
            answer.status,
            String::from_utf8_lossy(&body[..body.len().min(80)]),
            String::from_utf8_lossy(&answer.bytes)
        );
        assert_eq!(
            answer.header("content-type").as_deref(),
            Some("application/problem+json")
        );
    }
    // Hidden characters are accepted, and flagged in the compilation.
    h.put(
        path,
        &fr,
        json!({"items": [{"kind": "amend", "node": "OP2", "text": "Agree to meet again in \u{202e}6202."}]}),
    )
    .await
    .expect(201);
    for path in [
        "/v1/processes/..%2F..%2Fetc/rounds/1",
        "/v1/processes/bp/rounds/4294967296",
        "/v1/processes/bp/rounds/-1/submissions/FR",
        "/v1/processes/bp/documents/declaration/versions/0",
        // `to` defaults to the latest version (issue 17); a redline without `from` is refused.
        "/v1/processes/bp/documents/declaration/redline?to=1",
        "/v1/processes/bp/documents/declaration/redline?from=1&to=99",
        "/v1/processes/bp/audit?limit=abc",
    ] {
        let answer = h.get(path, &chair).await;
        assert!(
            (400..500).contains(&answer.status.as_u16()),
            "{path}: {}",
            answer.status
        );
    }
    h.clock.set(T0 + 11 * DAY);
    let compilation = h
        .get("/v1/processes/bp/rounds/1/compilation", &chair)
        .await
        .expect(200);
    assert!(compilation.json().to_string().contains("hidden_characters"));
    h.raw(Method::GET, "/healthz", None, &[], Vec::new())
        .await
        .expect(200);
}

/// During an open round the JSON compilation may come from the live one kept for watchers, at
/// most two seconds (server time) behind; `Cache-Control: no-cache` always compiles the latest
/// revisions; every answer names the revisions it compiled and when they were read.
#[tokio::test]
async fn the_live_compilation_is_recent_and_exact_on_request() {
    let h = Harness::new();
    world(&h).await;
    let chair = h.token(Role::Chair, Some("HU"));
    let de = h.token(Role::Delegate, Some("DE"));
    let path = "/v1/processes/bp/rounds/1/compilation";
    let revisions = |view: &Value| -> Vec<String> {
        view["submissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| format!("{}{}", s["delegation"].as_str().unwrap(), s["revision"]))
            .collect()
    };
    let first = h.get(path, &chair).await.expect(200).json();
    assert_eq!(revisions(&first), ["EU1", "FR1"]);
    assert_eq!(first["compiled_at"], rfc3339(T0 + HOUR));

    h.put(
        "/v1/processes/bp/rounds/1/submissions/DE",
        &de,
        json!({"items": [{"kind": "delete", "node": "PP1"}]}),
    )
    .await
    .expect(201);
    // Within two seconds either answer may come; whichever does says what it holds.
    let recent = h.get(path, &chair).await.expect(200).json();
    let listed = revisions(&recent);
    assert!(
        listed == ["EU1", "FR1"] || listed == ["DE1", "EU1", "FR1"],
        "{listed:?}"
    );
    // (The compilation proper: the coalitions beside it list the EU's members, DE among them.)
    let mentions_de = recent["compilation"].to_string().contains("\"DE\"");
    assert_eq!(mentions_de, listed.contains(&"DE1".to_string()));

    let exact = h
        .raw(
            Method::GET,
            path,
            Some(&chair),
            &[("cache-control", "no-cache")],
            Vec::new(),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(revisions(&exact), ["DE1", "EU1", "FR1"]);

    // Another submission, then more than two seconds: the default answer is the latest.
    let fr = h.token(Role::Delegate, Some("FR"));
    h.put(
        "/v1/processes/bp/rounds/1/submissions/FR",
        &fr,
        json!({"items": [{"kind": "comment", "node": null, "text": "Withdrawn."}]}),
    )
    .await
    .expect(201);
    h.clock.set(T0 + HOUR + 2_001);
    let later = h.get(path, &chair).await.expect(200).json();
    assert_eq!(revisions(&later), ["DE1", "EU1", "FR2"]);
    // Compiled by this request, or by the watcher before the clock moved.
    let at = later["compiled_at"].as_str().unwrap().to_string();
    assert!(
        at == rfc3339(T0 + HOUR + 2_001) || at == rfc3339(T0 + HOUR),
        "{at}"
    );
}
