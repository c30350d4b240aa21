//! A whole round against the real binary: an admin sets up the Budapest Process, the
//! chairmanship loads the Declaration (LIMITE) and the Call for Action, opens a round, several
//! delegations submit with their own tokens, the chair compiles, decides, consolidates; the
//! reviewers read the redline and the blame with every change attributed. Then the database is
//! checked (`audit verify`) and copied while the server runs (`backup`). On SQLite and on
//! PostgreSQL (the backup, SQLite's online backup of its file, on SQLite only).

mod server_support;

use serde_json::{Value, json};
use server_support::*;

fn changes_of(compilation: &Value) -> Vec<Value> {
    compilation["compilation"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .flat_map(|n| n["changes"].as_array().cloned().unwrap_or_default())
        .collect()
}

fn node_text(version: &Value, reference: &str) -> String {
    let references = version["references"].as_array().expect("references");
    let id = references
        .iter()
        .find(|r| r["reference"] == reference)
        .and_then(|r| r["node"].as_str())
        .unwrap_or_else(|| panic!("no {reference}"));
    fn find(nodes: &[Value], id: &str) -> Option<String> {
        nodes.iter().find_map(|n| {
            if n["id"] == id {
                n["text"].as_str().map(str::to_owned)
            } else {
                find(
                    n["children"].as_array().map(Vec::as_slice).unwrap_or(&[]),
                    id,
                )
            }
        })
    }
    find(version["document"]["nodes"].as_array().expect("nodes"), id).expect("node")
}

both_backends!(a_round_of_the_budapest_process_over_http);

fn a_round_of_the_budapest_process_over_http(db: &TestDb) {
    let server = Server::start(db);
    let admin = token("admin", None);
    let chair = token("chair", Some("TR"));
    let secretariat = token("secretariat", Some("ICMPD"));
    let de = token("delegate", Some("DE"));
    let fr = token("delegate", Some("FR"));
    let se = token("delegate", Some("SE"));
    let uk = token("delegate", Some("UK"));
    let eu = token("delegate", Some("EU"));
    let reviewer = token("reviewer", Some("EMWP"));
    let outsider = token("delegate", Some("US"));

    let health = request("GET", &server.url("/healthz"), None, &[], None).expect(200);
    assert_eq!(health.json()["status"], "ok");
    let openapi = request("GET", &server.url("/openapi.json"), None, &[], None).expect(200);
    assert!(openapi.json()["paths"]["/v1/processes/{p}/rounds/{r}/compilation"].is_object());

    // The admin sets up the process; delegations come with it and one more by PUT.
    post(
        &server,
        "/v1/processes",
        &de,
        &json!({"slug": "budapest-7mc", "title": "x"}),
    )
    .expect(403);
    post(
        &server,
        "/v1/processes",
        &admin,
        &json!({"slug": "budapest-7mc", "title": "Budapest Process, 7th Ministerial Conference",
                "delegations": [
                    {"code": "TR", "name": "Türkiye", "kind": "state", "function": "chair"},
                    {"code": "HU", "name": "Hungary", "kind": "state", "function": "co_chair"},
                    {"code": "ICMPD", "name": "ICMPD", "kind": "organisation", "participation": "secretariat"},
                    {"code": "DE", "name": "Germany", "kind": "state"},
                    {"code": "FR", "name": "France", "kind": "state"},
                    {"code": "SE", "name": "Sweden", "kind": "state"},
                    {"code": "EU", "name": "European Union", "kind": "group", "members": ["DE", "FR", "SE"]},
                    {"code": "EMWP", "name": "EU Working Party", "kind": "organisation", "participation": "observer"}
                ]}),
    )
    .expect(201);
    put(
        &server,
        "/v1/processes/budapest-7mc/delegations/UK",
        &admin,
        &json!({"name": "United Kingdom", "kind": "state"}),
    )
    .expect(201);

    // The chairmanship loads both texts; the Declaration is LIMITE.
    for (slug, title, file, classification) in [
        (
            "declaration",
            "Ministerial Declaration",
            "declaration.json",
            Some("LIMITE"),
        ),
        (
            "call-for-action",
            "Call for Action 2025-2030",
            "call-for-action.json",
            None,
        ),
    ] {
        post(
            &server,
            "/v1/processes/budapest-7mc/documents",
            &secretariat,
            &json!({"slug": slug, "title": title, "classification": classification,
                    "label": "Zero draft", "source": {"format": "json", "text": fixture(file)}}),
        )
        .expect(201);
    }
    get(
        &server,
        "/v1/processes/budapest-7mc/documents/declaration/versions/1",
        &outsider,
    )
    .expect(403);
    get(
        &server,
        "/v1/processes/budapest-7mc/documents/call-for-action/versions/1",
        &outsider,
    )
    .expect(200);
    let v1 = get(
        &server,
        "/v1/processes/budapest-7mc/documents/call-for-action/versions/1",
        &de,
    )
    .expect(200)
    .json();
    let pg11 = node_text(&v1, "PG1.1");
    let pg12 = node_text(&v1, "PG1.2");

    // A round on the Call for Action, opened by the chair now, closing in an hour.
    let round = post(
        &server,
        "/v1/processes/budapest-7mc/rounds",
        &chair,
        &json!({"document": "call-for-action", "label": "Written feedback, December 2023",
                "opens_at": from_now(3600), "closes_at": from_now(7200)}),
    )
    .expect(201)
    .json();
    assert_eq!(round["number"], 1);
    assert_eq!(round["state"], "planned");
    put(
        &server,
        "/v1/processes/budapest-7mc/rounds/1/submissions/DE",
        &de,
        &json!({"items": []}),
    )
    .expect(409);
    post(
        &server,
        "/v1/processes/budapest-7mc/rounds/1/open",
        &de,
        &json!({}),
    )
    .expect(403);
    post(
        &server,
        "/v1/processes/budapest-7mc/rounds/1/open",
        &chair,
        &json!({}),
    )
    .expect(200);

    // Delegations submit, each with its own token: DE and SE agree on PG1.1, FR differs
    // (contested), the UK adds an action, the EU comments; DE cannot write for FR.
    let further = pg11.replacen("Strengthen", "Further strengthen", 1);
    let enhance = pg11.replacen("Strengthen", "Enhance", 1);
    let submissions = [
        (
            "DE",
            &de,
            json!({"items": [{"kind": "amend", "node": "PG1.1", "text": further, "justification": "Continuity."}]}),
        ),
        (
            "SE",
            &se,
            json!({"items": [{"kind": "amend", "node": "pg1.1", "text": further}]}),
        ),
        (
            "FR",
            &fr,
            json!({"items": [{"kind": "amend", "node": "PG1.1", "text": enhance}]}),
        ),
        (
            "UK",
            &uk,
            json!({"items": [{"kind": "insert", "after": "PG1.2", "text": "Cooperate on the return of persons with no right to stay.", "justification": "Returns matter."}]}),
        ),
        (
            "EU",
            &eu,
            json!({"items": [{"kind": "comment", "node": null, "text": "The EU supports the draft."}]}),
        ),
    ];
    for (code, token, body) in &submissions {
        let receipt = put(
            &server,
            &format!("/v1/processes/budapest-7mc/rounds/1/submissions/{code}"),
            token,
            body,
        )
        .expect(201);
        assert_eq!(receipt.etag.as_deref(), Some("\"1\""));
        assert_eq!(receipt.json()["revision"], 1);
    }
    put(
        &server,
        "/v1/processes/budapest-7mc/rounds/1/submissions/FR",
        &de,
        &json!({"items": []}),
    )
    .expect(403);
    put(
        &server,
        "/v1/processes/budapest-7mc/rounds/1/submissions/FR",
        &fr,
        &json!({"items": [{"kind": "amend", "node": "PG9.9", "text": "x"}]}),
    )
    .expect(422);
    // Sealed until the close; the EU's members see the EU's.
    get(
        &server,
        "/v1/processes/budapest-7mc/rounds/1/submissions/FR",
        &de,
    )
    .expect(403);
    get(
        &server,
        "/v1/processes/budapest-7mc/rounds/1/submissions/EU",
        &de,
    )
    .expect(200);
    get(
        &server,
        "/v1/processes/budapest-7mc/rounds/1/compilation",
        &de,
    )
    .expect(403);

    post(
        &server,
        "/v1/processes/budapest-7mc/rounds/1/close",
        &chair,
        &json!({}),
    )
    .expect(200);
    put(
        &server,
        "/v1/processes/budapest-7mc/rounds/1/submissions/DE",
        &de,
        &json!({"items": []}),
    )
    .expect(409);

    // The compilation: PG1.1 contested between DE+SE and FR; the UK's insertion uncontested.
    let compilation = get(
        &server,
        "/v1/processes/budapest-7mc/rounds/1/compilation",
        &secretariat,
    )
    .expect(200)
    .json();
    assert_eq!(compilation["submissions"].as_array().unwrap().len(), 5);
    let changes = changes_of(&compilation);
    let pg11_change = changes
        .iter()
        .find(|c| c["reference"] == "PG1.1" && c["contested"] == true)
        .expect("a contested change on PG1.1");
    let majority = pg11_change["alternatives"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["supporters"].as_array().unwrap().len() == 2)
        .expect("DE and SE together");
    let insertion = changes
        .iter()
        .find(|c| c["scope"]["scope"] == "insert_after")
        .expect("the UK's insertion");

    // Decisions, then the consolidation into version 2.
    let decide = |change: &Value, body: Value| {
        put(
            &server,
            &format!(
                "/v1/processes/budapest-7mc/rounds/1/decisions/{}",
                change["id"].as_str().unwrap()
            ),
            &chair,
            &body,
        )
    };
    decide(pg11_change, json!({"decision": "accept"})).expect(422);
    decide(
        pg11_change,
        json!({"decision": "accept", "alternative": "z"}),
    )
    .expect(422);
    decide(
        pg11_change,
        json!({"decision": "accept", "alternative": majority["id"]}),
    )
    .expect(200);
    decide(
        insertion,
        json!({"decision": "accept", "note": "Welcomed."}),
    )
    .expect(200);
    let consolidation = post(
        &server,
        "/v1/processes/budapest-7mc/rounds/1/consolidate",
        &chair,
        &json!({"label": "Rev. 1 after written feedback"}),
    )
    .expect(201)
    .json();
    assert_eq!(consolidation["version"]["number"], 2);
    let v2 = get(
        &server,
        "/v1/processes/budapest-7mc/documents/call-for-action/versions/2",
        &uk,
    )
    .expect(200)
    .json();
    assert_eq!(node_text(&v2, "PG1.1"), further);
    assert_eq!(node_text(&v2, "PG1.2"), pg12);
    assert_eq!(
        node_text(&v2, "PG1.3"),
        "Cooperate on the return of persons with no right to stay."
    );

    // Reviewers read the redline and the blame, every change attributed.
    let redline = get(
        &server,
        "/v1/processes/budapest-7mc/documents/call-for-action/redline?from=1&to=2",
        &reviewer,
    )
    .expect(200)
    .json();
    assert_eq!(redline["attributed"], true);
    let segments: Vec<Value> = redline["redline"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|n| n["segments"].as_array().cloned().unwrap_or_default())
        .filter(|s| s["kind"] == "insert")
        .collect();
    let attributed = |text: &str, delegations: &[&str]| {
        segments.iter().any(|s| {
            s["text"].as_str().unwrap_or_default().contains(text)
                && s["attribution"]
                    .as_array()
                    .unwrap_or(&Vec::new())
                    .iter()
                    .any(|o| o["delegations"] == json!(delegations))
        })
    };
    assert!(attributed("Further", &["DE", "SE"]), "{segments:?}");
    assert!(attributed("return of persons", &["UK"]), "{segments:?}");
    let blame = get(
        &server,
        "/v1/processes/budapest-7mc/documents/call-for-action/versions/2/blame",
        &reviewer,
    )
    .expect(200)
    .json();
    assert!(blame.to_string().contains("\"UK\""));
    let dispositions = get(
        &server,
        "/v1/processes/budapest-7mc/rounds/1/dispositions",
        &fr,
    )
    .expect(200)
    .json();
    let fr_row = dispositions["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["delegation"] == "FR")
        .expect("FR's row");
    assert_eq!(fr_row["status"], "not_retained", "{fr_row}");
    assert_eq!(
        fr_row["changes"][0]["fate"]["fate"], "other_alternative",
        "{fr_row}"
    );

    // The record: the audit log verifies, and a backup taken while serving verifies too.
    let audit = get(&server, "/v1/processes/budapest-7mc/audit", &chair)
        .expect(200)
        .json();
    assert!(audit["entries"].as_array().unwrap().len() >= 15);
    let mut databases = vec![db.arg().to_string()];
    // `penholder backup` is SQLite's online backup of its file; PostgreSQL has pg_dump.
    if db.backend() == Backend::Sqlite {
        let backup = db.scratch().join("backup.sqlite");
        let backup = backup.to_str().unwrap();
        let (ok, out, err) = run(&["backup", "--db", db.arg(), "--to", backup]);
        assert!(ok, "{out}{err}");
        databases.push(backup.to_string());
    }
    for database in &databases {
        let (ok, out, err) = run(&["audit", "verify", "--db", database]);
        assert!(ok, "{out}{err}");
        assert!(out.contains("audit log ok"), "{out}");
    }
}
