//! The HTTP API's conventions against the real binary: `/openapi.json` valid OpenAPI 3.1 (a
//! real validator, PyPI's `openapi-spec-validator`, which `.ci/run` installs), the `Accept`
//! header and `?format=`, strong ETags and 304 on versions, redlines and compilations,
//! `If-Match` on decisions, pagination of lists, request ids, and the offline documentation
//! at `/docs/`. On both backends wherever the store answers.

mod server_support;

use serde_json::{Value, json};
use server_support::*;

const P: &str = "/v1/processes/bp";
const DOCUMENT: &str = "/v1/processes/bp/documents/call-for-action";
const ROUND: &str = "/v1/processes/bp/rounds/1";

/// The participants' tokens.
struct People {
    admin: String,
    chair: String,
    secretariat: String,
    de: String,
    fr: String,
    reviewer: String,
}

impl People {
    fn new() -> People {
        People {
            admin: token("admin", None),
            chair: token("chair", Some("TR")),
            secretariat: token("secretariat", Some("ICMPD")),
            de: token("delegate", Some("DE")),
            fr: token("delegate", Some("FR")),
            reviewer: token("reviewer", Some("EMWP")),
        }
    }
}

/// A process `bp` with the Call for Action (version 1) and round 1 on it, open, in which DE
/// and FR each proposed a different wording of PG1.1 (a contested change).
fn open_round(server: &Server, people: &People) {
    post(
        server,
        "/v1/processes",
        &people.admin,
        &json!({"slug": "bp", "title": "Budapest Process",
                "delegations": [
                    {"code": "TR", "name": "Türkiye", "kind": "state", "function": "chair"},
                    {"code": "ICMPD", "name": "ICMPD", "kind": "organisation", "participation": "secretariat"},
                    {"code": "DE", "name": "Germany", "kind": "state"},
                    {"code": "FR", "name": "France", "kind": "state"},
                    {"code": "EMWP", "name": "EU Working Party", "kind": "organisation", "participation": "observer"}
                ]}),
    )
    .expect(201);
    post(
        server,
        &format!("{P}/documents"),
        &people.secretariat,
        &json!({"slug": "call-for-action", "title": "Call for Action 2025-2030",
                "label": "Zero draft",
                "source": {"format": "json", "text": fixture("call-for-action.json")}}),
    )
    .expect(201);
    post(
        server,
        &format!("{P}/rounds"),
        &people.chair,
        &json!({"document": "call-for-action", "label": "Written feedback",
                "opens_at": from_now(3600), "closes_at": from_now(7200)}),
    )
    .expect(201);
    post(server, &format!("{ROUND}/open"), &people.chair, &json!({})).expect(200);
    submit(server, "DE", &people.de, "Further strengthen");
    submit(server, "FR", &people.fr, "Enhance");
}

/// The delegation's amendment of PG1.1, its first word replaced by `opening`.
fn submit(server: &Server, code: &str, token: &str, opening: &str) -> Answer {
    let v1 = get(server, &format!("{DOCUMENT}/versions/1"), token)
        .expect(200)
        .json();
    let pg11 = text_of(&v1, "PG1.1");
    let text = pg11.replacen("Strengthen", opening, 1);
    assert_ne!(text, pg11, "PG1.1 starts with Strengthen");
    put(
        server,
        &format!("{ROUND}/submissions/{code}"),
        token,
        &json!({"items": [{"kind": "amend", "node": "PG1.1", "text": text}]}),
    )
    .expect(201)
}

fn text_of(version: &Value, reference: &str) -> String {
    let id = version["references"]
        .as_array()
        .expect("references")
        .iter()
        .find(|r| r["reference"] == reference)
        .and_then(|r| r["node"].as_str())
        .unwrap_or_else(|| panic!("no {reference}"))
        .to_string();
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
    find(version["document"]["nodes"].as_array().expect("nodes"), &id).expect("the node")
}

/// The round closed and version 2 consolidated from it (the chair accepts DE's wording).
fn consolidate(server: &Server, people: &People) {
    post(server, &format!("{ROUND}/close"), &people.chair, &json!({})).expect(200);
    let change = contested_change(server, &people.chair);
    let alternative = alternative_of(&change, "DE");
    put(
        server,
        &format!("{ROUND}/decisions/{}", change["id"].as_str().expect("id")),
        &people.chair,
        &json!({"decision": "accept", "alternative": alternative}),
    )
    .expect(200);
    post(
        server,
        &format!("{ROUND}/consolidate"),
        &people.chair,
        &json!({"label": "Rev. 1"}),
    )
    .expect(201);
}

fn contested_change(server: &Server, chair: &str) -> Value {
    let compilation = get(server, &format!("{ROUND}/compilation"), chair)
        .expect(200)
        .json();
    compilation["compilation"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .flat_map(|n| n["changes"].as_array().cloned().unwrap_or_default())
        .find(|c| c["contested"] == true)
        .expect("DE and FR contest PG1.1")
}

fn alternative_of(change: &Value, delegation: &str) -> String {
    change["alternatives"]
        .as_array()
        .expect("alternatives")
        .iter()
        .find(|a| {
            a["supporters"]
                .as_array()
                .expect("supporters")
                .iter()
                .any(|s| s == delegation || s["delegation"] == delegation)
        })
        .and_then(|a| a["id"].as_str())
        .unwrap_or_else(|| panic!("{delegation}'s alternative in {change}"))
        .to_string()
}

fn with_headers(server: &Server, path: &str, token: &str, headers: &[(&str, &str)]) -> Answer {
    request("GET", &server.url(path), Some(token), headers, None)
}

#[track_caller]
fn assert_problem(answer: &Answer, status: u16, detail_has: &str) {
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
    let detail = answer.json()["detail"].as_str().unwrap_or("").to_string();
    assert!(
        detail.contains(detail_has),
        "detail {detail:?} should say {detail_has:?}"
    );
}

// ---- /openapi.json and /docs ---------------------------------------------------------------

/// The document does not depend on the store: SQLite alone.
#[test]
fn the_openapi_document_is_valid_openapi_3_1_with_summaries_examples_and_media_types() {
    let db = TestDb::sqlite();
    let server = Server::start(&db);
    let answer = request("GET", &server.url("/openapi.json"), None, &[], None).expect(200);
    let document = answer.json();
    assert_eq!(document["openapi"], "3.1.0");

    // A real validator of the OpenAPI 3.1 schema (and its JSON Schema dialect).
    let file = db.scratch().join("openapi.json");
    std::fs::write(&file, &answer.bytes).expect("write the document");
    let output = std::process::Command::new("python3")
        .args(["-m", "openapi_spec_validator", "--schema", "3.1.0"])
        .arg(&file)
        .output()
        .expect("python3 runs (`.ci/run` installs openapi-spec-validator)");
    assert!(
        output.status.success(),
        "openapi-spec-validator refuses /openapi.json:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );

    // Every operation: a summary, a description on every response, an example of an answer.
    let mut operations = 0;
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            operations += 1;
            let name = format!("{} {path}", method.to_uppercase());
            let summary = operation["summary"].as_str().unwrap_or("");
            assert!(!summary.trim().is_empty(), "{name} has no summary");
            let responses = operation["responses"].as_object().expect("responses");
            for (status, response) in responses {
                assert!(
                    response["description"]
                        .as_str()
                        .is_some_and(|d| !d.is_empty()),
                    "{name} {status} has no description"
                );
            }
            let has_example = responses.iter().any(|(status, response)| {
                status.starts_with('2')
                    && response["content"].as_object().is_some_and(|content| {
                        content.values().any(|media| {
                            media.get("example").is_some() || media.get("examples").is_some()
                        })
                    })
            });
            assert!(has_example, "{name} has no example of its answer");
        }
    }
    assert!(operations >= 30, "{operations} operations");

    // `format` is an enum of the formats, and each endpoint lists the media types it gives.
    let format = document["components"]["schemas"]["FormatName"]["enum"]
        .as_array()
        .expect("FormatName is an enum");
    let names: Vec<&str> = format.iter().filter_map(Value::as_str).collect();
    assert_eq!(names, ["json", "html", "md", "docx", "csv", "xlsx", "akn"]);
    let version = &document["paths"]["/v1/processes/{p}/documents/{d}/versions/{n}"]["get"];
    let parameter = version["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == "format")
        .expect("a format parameter");
    assert!(
        parameter
            .to_string()
            .contains("#/components/schemas/FormatName"),
        "{parameter}"
    );
    let media_types = |path: &str| -> Vec<String> {
        let mut types: Vec<String> = document["paths"][path]["get"]["responses"]["200"]["content"]
            .as_object()
            .unwrap_or_else(|| panic!("{path} has content"))
            .keys()
            .cloned()
            .collect();
        types.sort();
        types
    };
    let docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    assert_eq!(
        media_types("/v1/processes/{p}/documents/{d}/versions/{n}"),
        [
            "application/akn+xml",
            "application/json",
            docx,
            "text/html",
            "text/markdown"
        ]
    );
    assert_eq!(
        media_types("/v1/processes/{p}/rounds/{r}/dispositions"),
        ["application/json", xlsx, "text/csv", "text/html"]
    );
    assert_eq!(
        media_types("/v1/processes/{p}/rounds/{r}/compilation"),
        ["application/json", docx, "text/html", "text/markdown"]
    );
}

/// Static files compiled into the binary: SQLite alone.
#[test]
fn the_interactive_documentation_is_served_from_the_binary() {
    let db = TestDb::sqlite();
    let server = Server::start(&db);
    let page = request("GET", &server.url("/docs/"), None, &[], None).expect(200);
    assert!(
        page.content_type
            .as_deref()
            .unwrap_or("")
            .starts_with("text/html"),
        "{:?}",
        page.content_type
    );
    let html = String::from_utf8_lossy(&page.bytes).to_string();
    assert!(html.contains("swagger-ui"), "{html}");
    // Nothing from elsewhere: every script and style the page names is served here.
    for line in html.lines() {
        for attribute in ["src=\"", "href=\""] {
            if let Some((_, rest)) = line.split_once(attribute) {
                let target = rest.split('"').next().unwrap_or("");
                assert!(
                    !target.starts_with("http") && !target.starts_with("//"),
                    "/docs/ loads {target} from elsewhere"
                );
                let local = format!("/docs/{}", target.trim_start_matches("./"));
                request("GET", &server.url(&local), None, &[], None).expect(200);
            }
        }
    }
    let initializer = request(
        "GET",
        &server.url("/docs/swagger-initializer.js"),
        None,
        &[],
        None,
    )
    .expect(200);
    assert!(
        String::from_utf8_lossy(&initializer.bytes).contains("/openapi.json"),
        "the UI reads the server's own document"
    );
}

// ---- Accept and ?format= -----------------------------------------------------------------------

both_backends!(accept_and_format_choose_the_representation);

fn accept_and_format_choose_the_representation(db: &TestDb) {
    let server = Server::start(db);
    let people = People::new();
    open_round(&server, &people);
    let version = format!("{DOCUMENT}/versions/1");
    let media = |accept: &str| {
        with_headers(&server, &version, &people.reviewer, &[("accept", accept)])
            .expect(200)
            .content_type
            .expect("a content type")
    };
    assert_eq!(media("text/html"), "text/html; charset=utf-8");
    assert_eq!(media("application/akn+xml"), "application/akn+xml");
    assert_eq!(
        media("text/markdown;q=0.9, text/html;q=0.5"),
        "text/markdown; charset=utf-8"
    );
    assert_eq!(media("*/*"), "application/json");
    assert_eq!(
        media("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
        "text/html; charset=utf-8",
        "a browser gets the page"
    );
    // The query parameter wins over the header.
    let markdown = with_headers(
        &server,
        &format!("{version}?format=md"),
        &people.reviewer,
        &[("accept", "text/html")],
    )
    .expect(200);
    assert_eq!(
        markdown.content_type.as_deref(),
        Some("text/markdown; charset=utf-8")
    );
    // Nothing offered matches: 406 naming what is.
    let refused = with_headers(
        &server,
        &version,
        &people.reviewer,
        &[("accept", "image/png")],
    );
    assert_problem(&refused, 406, "text/html");
    let refused = with_headers(
        &server,
        &format!("{version}?format=xlsx"),
        &people.reviewer,
        &[],
    );
    assert_problem(&refused, 406, "json");
    // The same function behind every endpoint with formats.
    let compilation = with_headers(
        &server,
        &format!("{ROUND}/compilation"),
        &people.chair,
        &[("accept", "text/html")],
    )
    .expect(200);
    assert_eq!(
        compilation.content_type.as_deref(),
        Some("text/html; charset=utf-8")
    );
    post(
        &server,
        &format!("{ROUND}/close"),
        &people.chair,
        &json!({}),
    )
    .expect(200);
    let dispositions = with_headers(
        &server,
        &format!("{ROUND}/dispositions"),
        &people.chair,
        &[("accept", "text/csv")],
    )
    .expect(200);
    assert_eq!(
        dispositions.content_type.as_deref(),
        Some("text/csv; charset=utf-8")
    );
}

// ---- ETags -----------------------------------------------------------------------------------

both_backends!(versions_redlines_and_compilations_answer_304_to_a_current_etag);

fn versions_redlines_and_compilations_answer_304_to_a_current_etag(db: &TestDb) {
    let server = Server::start(db);
    let people = People::new();
    open_round(&server, &people);

    // The live compilation: tagged by what it compiled; a new revision, a new tag.
    let compilation = format!("{ROUND}/compilation");
    let exact = [("cache-control", "no-cache")];
    let first = with_headers(&server, &compilation, &people.chair, &exact).expect(200);
    let tag = first.etag.clone().expect("an ETag");
    assert!(!tag.starts_with("W/"), "strong: {tag}");
    assert_eq!(first.header("vary"), Some("accept"));
    let again = with_headers(
        &server,
        &compilation,
        &people.chair,
        &[("if-none-match", tag.as_str())],
    )
    .expect(304);
    assert!(again.bytes.is_empty());
    assert_eq!(again.etag.as_deref(), Some(tag.as_str()));
    submit(&server, "FR", &people.fr, "Greatly enhance");
    let changed = with_headers(
        &server,
        &compilation,
        &people.chair,
        &[
            ("if-none-match", tag.as_str()),
            ("cache-control", "no-cache"),
        ],
    )
    .expect(200);
    let new_tag = changed.etag.clone().expect("an ETag");
    assert_ne!(new_tag, tag, "a new revision is a new compilation");
    // Its rendered forms have tags of their own.
    let html = with_headers(
        &server,
        &compilation,
        &people.chair,
        &[("accept", "text/html")],
    )
    .expect(200);
    let html_tag = html.etag.clone().expect("an ETag");
    assert_ne!(html_tag, new_tag);
    with_headers(
        &server,
        &compilation,
        &people.chair,
        &[
            ("accept", "text/html"),
            ("if-none-match", html_tag.as_str()),
        ],
    )
    .expect(304);

    consolidate(&server, &people);

    // Versions: one tag per version and format; a list of tags, or a weak one, matches too.
    let v1 = format!("{DOCUMENT}/versions/1");
    let json_tag = get(&server, &v1, &people.reviewer)
        .expect(200)
        .etag
        .expect("an ETag");
    let html_tag = with_headers(&server, &v1, &people.reviewer, &[("accept", "text/html")])
        .expect(200)
        .etag
        .expect("an ETag");
    let v2_tag = get(&server, &format!("{DOCUMENT}/versions/2"), &people.reviewer)
        .expect(200)
        .etag
        .expect("an ETag");
    assert_ne!(json_tag, html_tag);
    assert_ne!(json_tag, v2_tag);
    let listed = format!("\"nope\", W/{json_tag}");
    with_headers(
        &server,
        &v1,
        &people.reviewer,
        &[("if-none-match", listed.as_str())],
    )
    .expect(304);
    with_headers(
        &server,
        &v1,
        &people.reviewer,
        &[("if-none-match", html_tag.as_str())],
    )
    .expect(200);
    // Redlines.
    let redline = format!("{DOCUMENT}/redline?from=1&to=2");
    let answer = get(&server, &redline, &people.reviewer).expect(200);
    let tag = answer.etag.expect("an ETag");
    with_headers(
        &server,
        &redline,
        &people.reviewer,
        &[("if-none-match", tag.as_str())],
    )
    .expect(304);
    let docx = with_headers(
        &server,
        &format!("{redline}&format=docx"),
        &people.reviewer,
        &[("if-none-match", tag.as_str())],
    )
    .expect(200);
    assert_ne!(docx.etag.as_deref(), Some(tag.as_str()));
}

// ---- If-Match on decisions --------------------------------------------------------------------

both_backends!(a_decision_sent_with_a_stale_if_match_is_refused_with_412);

fn a_decision_sent_with_a_stale_if_match_is_refused_with_412(db: &TestDb) {
    let server = Server::start(db);
    let people = People::new();
    open_round(&server, &people);
    post(
        &server,
        &format!("{ROUND}/close"),
        &people.chair,
        &json!({}),
    )
    .expect(200);
    let change = contested_change(&server, &people.chair);
    let path = format!("{ROUND}/decisions/{}", change["id"].as_str().expect("id"));
    let decide = |body: Value, headers: &[(&str, &str)]| {
        let bytes = serde_json::to_vec(&body).expect("json");
        request(
            "PUT",
            &server.url(&path),
            Some(&people.chair),
            headers,
            Some(&bytes),
        )
    };
    let accept_de = json!({"decision": "accept", "alternative": alternative_of(&change, "DE")});
    let accept_fr = json!({"decision": "accept", "alternative": alternative_of(&change, "FR")});

    // Only if nothing is decided yet: the first decision.
    let first = decide(accept_de.clone(), &[("if-none-match", "*")]).expect(200);
    let first_tag = first.etag.clone().expect("an ETag");
    assert_eq!(first_tag, format!("\"{}\"", first.json()["sequence"]));
    assert_problem(
        &decide(accept_fr.clone(), &[("if-none-match", "*")]),
        412,
        "decided meanwhile",
    );
    // Two members of the chairmanship read the same decision; the first to write wins.
    let second = decide(
        json!({"decision": "defer"}),
        &[("if-match", first_tag.as_str())],
    )
    .expect(200);
    let second_tag = second.etag.clone().expect("an ETag");
    assert_ne!(second_tag, first_tag);
    let stale = decide(accept_fr.clone(), &[("if-match", first_tag.as_str())]);
    assert_problem(&stale, 412, &second_tag);
    assert_problem(
        &decide(accept_fr.clone(), &[("if-match", "\"not-a-tag\"")]),
        412,
        "If-Match",
    );
    // Nothing of the refused writes was stored: the deferral is in force.
    let decisions = get(&server, &format!("{ROUND}/decisions"), &people.chair)
        .expect(200)
        .json();
    let in_force = decisions["decisions"].as_array().expect("decisions");
    assert_eq!(in_force.len(), 1);
    assert_eq!(in_force[0]["decision"], "defer");
    assert_eq!(format!("\"{}\"", in_force[0]["sequence"]), second_tag);
    // Without a condition, as before.
    decide(accept_fr, &[]).expect(200);
}

// ---- pagination ----------------------------------------------------------------------------

/// Every page of a list, following `Link: <…>; rel="next"` from `first`; the body's `next`
/// (where the body is an object) says the same.
fn walk(
    server: &Server,
    first: &str,
    token: &str,
    items: impl Fn(&Value) -> Vec<Value>,
) -> Vec<Vec<Value>> {
    let mut pages = Vec::new();
    let mut next = Some(first.to_string());
    while let Some(path) = next.take() {
        let answer = get(server, &path, token).expect(200);
        let body = answer.json();
        let link = answer.header("link").map(|link| {
            let (url, relation) = link.split_once(';').expect("<url>; rel");
            assert_eq!(relation.trim(), "rel=\"next\"");
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        });
        if body.is_object() {
            assert_eq!(body["next"].as_str().map(str::to_string), link, "{body}");
        }
        pages.push(items(&body));
        next = link;
        assert!(pages.len() < 50, "the pages never end");
    }
    pages
}

both_backends!(every_list_comes_in_pages_linked_by_cursors);

fn every_list_comes_in_pages_linked_by_cursors(db: &TestDb) {
    let server = Server::start(db);
    let people = People::new();
    open_round(&server, &people);
    for n in 2..=5 {
        post(
            &server,
            "/v1/processes",
            &people.admin,
            &json!({"slug": format!("p{n}"), "title": format!("Process {n}"), "delegations": []}),
        )
        .expect(201);
    }
    submit(&server, "FR", &people.fr, "Greatly enhance");
    submit(&server, "FR", &people.fr, "Vastly enhance");

    let array = |body: &Value| body.as_array().expect("an array").clone();
    let field = |name: &'static str| move |body: &Value| body[name].as_array().expect(name).clone();

    // Processes, two by two: 5 = 2 + 2 + 1, each once, in order.
    let pages = walk(&server, "/v1/processes?limit=2", &people.admin, array);
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
    let slug = |p: &Value| p["slug"].as_str().expect("a slug").to_string();
    let slugs: Vec<String> = pages.iter().flatten().map(slug).collect();
    let all = get(&server, "/v1/processes", &people.admin).expect(200);
    assert_eq!(all.header("link"), None, "one page by default");
    let every: Vec<String> = all
        .json()
        .as_array()
        .expect("processes")
        .iter()
        .map(slug)
        .collect();
    assert_eq!(slugs, every);
    assert_eq!(slugs.len(), 5);

    // Revisions (FR has three), delegations, submissions, versions, decisions, audit.
    let revisions = walk(
        &server,
        &format!("{ROUND}/submissions/FR/revisions?limit=1"),
        &people.fr,
        field("revisions"),
    );
    let numbers: Vec<u64> = revisions
        .iter()
        .flatten()
        .filter_map(|r| r["revision"].as_u64())
        .collect();
    assert_eq!(numbers, [1, 2, 3]);
    let delegations = walk(
        &server,
        &format!("{P}/delegations?limit=2"),
        &people.chair,
        array,
    );
    assert_eq!(delegations.iter().flatten().count(), 5);
    assert_eq!(delegations.len(), 3);
    let submissions = walk(
        &server,
        &format!("{ROUND}/submissions?limit=1"),
        &people.chair,
        field("submissions"),
    );
    assert_eq!(submissions.len(), 2, "DE's and FR's");
    let rounds = walk(
        &server,
        &format!("{P}/rounds?limit=1"),
        &people.chair,
        array,
    );
    assert_eq!(rounds.len(), 1);
    let audit = walk(
        &server,
        &format!("{P}/audit?limit=3"),
        &people.admin,
        field("entries"),
    );
    let seqs: Vec<u64> = audit
        .iter()
        .flatten()
        .filter_map(|e| e["seq"].as_u64())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    let whole = get(&server, &format!("{P}/audit?limit=1000"), &people.admin)
        .expect(200)
        .json();
    assert_eq!(
        whole["entries"].as_array().expect("entries").len(),
        seqs.len()
    );
    consolidate(&server, &people);
    let versions = walk(
        &server,
        &format!("{DOCUMENT}?limit=1"),
        &people.reviewer,
        field("versions"),
    );
    assert_eq!(versions.len(), 2);
    let decisions = walk(
        &server,
        &format!("{ROUND}/decisions?limit=1"),
        &people.chair,
        field("decisions"),
    );
    assert_eq!(decisions.iter().flatten().count(), 1);

    // Invalid values are a 400 that says what to send.
    for query in ["limit=0", "limit=1001", "limit=-1", "limit=ten"] {
        let answer = get(&server, &format!("/v1/processes?{query}"), &people.admin);
        assert_eq!(answer.status, 400, "{query}");
        assert_eq!(
            answer.content_type.as_deref(),
            Some("application/problem+json")
        );
    }
    assert_problem(
        &get(&server, "/v1/processes?cursor=bm9wZQ", &people.admin),
        400,
        "cursor",
    );
    assert_problem(
        &get(&server, &format!("{P}/audit?cursor=%2A%2A"), &people.admin),
        400,
        "cursor",
    );
}

// ---- request ids ---------------------------------------------------------------------------

/// Request ids never reach the store: SQLite alone.
#[test]
fn every_answer_and_its_log_line_carry_a_request_id() {
    let db = TestDb::sqlite();
    let log = db.scratch().join("server.log");
    let env = [("PENHOLDER_JWT_SECRET", SECRET), ("PENHOLDER_LOG", "info")];
    let mut server = Server::start_logging_to(&db, &env, &log);
    let health = |headers: &[(&str, &str)]| {
        request("GET", &server.url("/healthz"), None, headers, None).expect(200)
    };
    let made = health(&[])
        .header("x-request-id")
        .expect("an id")
        .to_string();
    assert_eq!(made.len(), 36, "a UUID: {made}");
    assert_ne!(
        health(&[]).header("x-request-id"),
        Some(made.as_str()),
        "one per request"
    );
    // A client's own id is kept when it is sane, replaced when it is not.
    assert_eq!(
        health(&[("x-request-id", "trace-42.a:b_c")]).header("x-request-id"),
        Some("trace-42.a:b_c")
    );
    let long = "x".repeat(129);
    for insane in ["two words", "<script>", long.as_str()] {
        let answer = health(&[("x-request-id", insane)]);
        let id = answer.header("x-request-id").expect("an id");
        assert_ne!(id, insane);
        assert_eq!(id.len(), 36);
    }
    // Problem documents repeat it.
    let missing = request(
        "GET",
        &server.url("/v1/nowhere"),
        None,
        &[("x-request-id", "find-me-123")],
        None,
    )
    .expect(404);
    assert_eq!(missing.header("x-request-id"), Some("find-me-123"));
    assert_eq!(missing.json()["request_id"], "find-me-123");
    assert_eq!(missing.json()["instance"], "/v1/nowhere");
    // And the log line of the request, with the caller once the token is checked.
    let admin = token("admin", None);
    request(
        "GET",
        &server.url("/v1/processes"),
        Some(&admin),
        &[("x-request-id", "logged-456")],
        None,
    )
    .expect(200);
    assert!(server.terminate(), "a clean shutdown");
    let lines = std::fs::read_to_string(&log).expect("the log");
    let line = lines
        .lines()
        .find(|l| l.contains("logged-456") && l.contains("status=200"))
        .unwrap_or_else(|| panic!("no log line of the request in:\n{lines}"));
    assert!(line.contains("sub=\"admin-none\""), "{line}");
    assert!(line.contains("path=/v1/processes"), "{line}");
    assert!(
        lines
            .lines()
            .any(|l| l.contains("find-me-123") && l.contains("status=404"))
    );
}
