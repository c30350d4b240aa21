//! The web front against the real binary, spoken to as a browser does (forms, cookies, no
//! JavaScript): a one-time sign-in link signs in once, its token is no API bearer token, a
//! pasted token signs in, every form is refused without its CSRF token, a delegate's
//! proposals from the draft's forms are the same submission the API shows (with receipts and
//! revisions), a closed round refuses them, and signing out ends the session in the database.
//! On SQLite and PostgreSQL.
//!
//! `a_delegate_walks_a_round_in_chromium` runs `web-tests/delegation.mjs` (playwright-core in
//! Debian's Chromium, axe-core) against a server prepared the same way: SQLite only, since what
//! it tests is the pages, which do not depend on the backend (the HTTP test above covers both).

mod server_support;

use serde_json::json;
use server_support::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

const PROCESS: &str = "budapest-7mc";

/// A browser without JavaScript: cookies kept, redirects not followed (their targets are
/// checked).
struct Browser {
    agent: ureq::Agent,
    cookies: BTreeMap<String, String>,
}

struct Page {
    status: u16,
    location: Option<String>,
    content_type: String,
    body: String,
}

fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

impl Browser {
    fn new() -> Browser {
        Browser {
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .timeout_global(Some(Duration::from_secs(60)))
                .build()
                .into(),
            cookies: BTreeMap::new(),
        }
    }

    fn send(&mut self, method: &str, url: &str, form: Option<&[(&str, &str)]>) -> Page {
        let mut builder = ureq::http::Request::builder().method(method).uri(url);
        if !self.cookies.is_empty() {
            let line: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            builder = builder.header("cookie", line.join("; "));
        }
        let response = match form {
            Some(fields) => {
                let body: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                    .collect();
                builder = builder.header("content-type", "application/x-www-form-urlencoded");
                self.agent
                    .run(builder.body(body.join("&").into_bytes()).expect("request"))
            }
            None => self.agent.run(builder.body(()).expect("request")),
        };
        let mut response = response.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().expect("ascii cookie");
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').expect("name=value");
            if name == "penholder_session" {
                assert!(
                    attributes.contains("HttpOnly") && attributes.contains("SameSite=Strict"),
                    "the session cookie must be HttpOnly and SameSite=Strict: {text}"
                );
            }
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (location, content_type) = (header("location"), header("content-type"));
        Page {
            status: response.status().as_u16(),
            location,
            content_type: content_type.unwrap_or_default(),
            body: response.body_mut().read_to_string().expect("a text body"),
        }
    }

    fn get(&mut self, url: &str) -> Page {
        self.send("GET", url, None)
    }

    fn post(&mut self, url: &str, form: &[(&str, &str)]) -> Page {
        self.send("POST", url, Some(form))
    }
}

/// The value of the first hidden field `name` of a page.
fn field(body: &str, name: &str) -> String {
    let needle = format!("name=\"{name}\" value=\"");
    let start = body
        .find(&needle)
        .unwrap_or_else(|| panic!("no field {name} in {body}"))
        + needle.len();
    let end = body[start..].find('"').expect("closing quote") + start;
    body[start..end].replace("&amp;", "&")
}

/// The node id of reference `reference` in a document version as the API shows it.
fn node_of(server: &Server, token: &str, reference: &str) -> String {
    let version = get(
        server,
        &format!("/v1/processes/{PROCESS}/documents/declaration/versions/1"),
        token,
    )
    .expect(200)
    .json();
    version["references"]
        .as_array()
        .expect("references")
        .iter()
        .find(|r| r["reference"] == reference)
        .and_then(|r| r["node"].as_str())
        .unwrap_or_else(|| panic!("no {reference}"))
        .to_string()
}

/// The Budapest process with its Declaration and an open round 1, set up through the API.
fn prepare(server: &Server) {
    let admin = token("admin", None);
    let chair = token("chair", Some("TR"));
    post(
        server,
        "/v1/processes",
        &admin,
        &json!({"slug": PROCESS, "title": "Budapest Process, 7th Ministerial Conference",
        "delegations": [
            {"code": "TR", "name": "Türkiye", "kind": "state", "function": "chair"},
            {"code": "DE", "name": "Germany", "kind": "state"},
            {"code": "FR", "name": "France", "kind": "state"}
        ]}),
    )
    .expect(201);
    post(
        server,
        &format!("/v1/processes/{PROCESS}/documents"),
        &chair,
        &json!({"slug": "declaration", "title": "Ministerial Declaration",
                "classification": "LIMITE", "label": "Zero draft",
                "source": {"format": "json", "text": fixture("declaration.json")}}),
    )
    .expect(201);
    post(
        server,
        &format!("/v1/processes/{PROCESS}/rounds"),
        &chair,
        &json!({"document": "declaration", "label": "Written feedback",
                "opens_at": from_now(3600), "closes_at": from_now(7200)}),
    )
    .expect(201);
    post(
        server,
        &format!("/v1/processes/{PROCESS}/rounds/1/open"),
        &chair,
        &json!({}),
    )
    .expect(200);
}

/// `penholder token --link` for the server.
fn sign_in_link(server: &Server, role: &str, delegation: Option<&str>) -> String {
    let base = server.url("");
    let base = base.trim_end_matches('/');
    let mut args = vec!["token", "--role", role, "--sub", "anna", "--ttl", "15m"];
    if let Some(code) = delegation {
        args.extend(["--delegation", code]);
    }
    args.extend(["--link", base]);
    let output = std::process::Command::new(binary())
        .args(&args)
        .env("PENHOLDER_JWT_SECRET", SECRET)
        .output()
        .expect("penholder token --link");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let link = String::from_utf8(output.stdout)
        .expect("utf-8")
        .trim()
        .to_string();
    assert!(
        link.starts_with(&format!("{base}/sign-in/link?token=")),
        "{link}"
    );
    link
}

both_backends!(a_delegate_signs_in_once_and_submits_through_the_forms);

fn a_delegate_signs_in_once_and_submits_through_the_forms(db: &TestDb) {
    let server = Server::start(db);
    prepare(&server);
    let round = server.url(&format!("/p/{PROCESS}/rounds/1"));
    let de = token("delegate", Some("DE"));

    // Signed out, every page asks to sign in.
    let mut browser = Browser::new();
    let page = browser.get(&round);
    assert_eq!(page.status, 303);
    assert_eq!(page.location.as_deref(), Some("/sign-in"));

    // The link's token is not an API token.
    let link = sign_in_link(&server, "delegate", Some("DE"));
    let link_token = link.split("token=").nth(1).expect("token").to_string();
    get(&server, &format!("/v1/processes/{PROCESS}"), &link_token).expect(401);

    // Opening the link uses nothing (a link previewer may fetch it); its button signs in once.
    let page = browser.get(&link);
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"));
    let csrf = field(&page.body, "csrf");
    let refused = browser.post(
        &server.url("/sign-in/link"),
        &[("csrf", "forged"), ("token", &link_token)],
    );
    assert_eq!(refused.status, 403, "{}", refused.body);
    let signed_in = browser.post(
        &server.url("/sign-in/link"),
        &[("csrf", &csrf), ("token", &link_token)],
    );
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    assert_eq!(signed_in.location.as_deref(), Some("/"));
    assert!(browser.cookies.contains_key("penholder_session"));

    // A second browser cannot use the link again.
    let mut other = Browser::new();
    let page = other.get(&link);
    let csrf_other = field(&page.body, "csrf");
    let again = other.post(
        &server.url("/sign-in/link"),
        &[("csrf", &csrf_other), ("token", &link_token)],
    );
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(again.body.contains("already used"), "{}", again.body);

    // The process and the round with its deadline; the draft with a form per paragraph.
    let page = browser.get(&server.url(&format!("/p/{PROCESS}")));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Written feedback"), "{}", page.body);
    let page = browser.get(&round);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("OP1"));
    assert!(page.body.contains("dir=\"auto\""));
    let csrf = field(&page.body, "csrf");
    let op1 = node_of(&server, &de, "OP1");
    let pp2 = node_of(&server, &de, "PP2");

    // A form without the session's CSRF token is refused, and nothing is stored.
    let forged = browser.post(
        &server.url(&format!("/p/{PROCESS}/rounds/1/items")),
        &[
            ("csrf", "not-the-token"),
            ("action", "delete"),
            ("node", &op1),
        ],
    );
    assert_eq!(forged.status, 403, "{}", forged.body);
    get(
        &server,
        &format!("/v1/processes/{PROCESS}/rounds/1/submissions/DE"),
        &de,
    )
    .expect(404);

    // The preview of an amendment: its word hunks.
    let preview = browser.post(
        &server.url(&format!("/p/{PROCESS}/rounds/1/preview")),
        &[("csrf", &csrf), ("node", &op1), ("text", "Adopt swiftly")],
    );
    assert_eq!(preview.status, 200, "{}", preview.body);
    let hunks: serde_json::Value = serde_json::from_str(&preview.body).expect("json");
    assert!(!hunks["hunks"].as_array().expect("hunks").is_empty());
    let bad_preview = browser.post(
        &server.url(&format!("/p/{PROCESS}/rounds/1/preview")),
        &[("csrf", &csrf), ("node", "PP99"), ("text", "x")],
    );
    assert_eq!(bad_preview.status, 400);
    assert!(
        bad_preview
            .content_type
            .starts_with("application/problem+json")
    );

    // An amendment in place, then a comment: two revisions of one submission, each with a
    // receipt; the API shows exactly these items.
    let amended = "Adopt the attached Action Plan without delay.";
    let sent = browser.post(
        &server.url(&format!("/p/{PROCESS}/rounds/1/items")),
        &[
            ("csrf", &csrf),
            ("action", "amend"),
            ("node", &op1),
            ("text", amended),
            ("justification", "Urgency."),
        ],
    );
    assert_eq!(sent.status, 303, "{}", sent.body);
    let receipt = browser.get(&server.url(&format!("/p/{PROCESS}/rounds/1/receipt")));
    assert_eq!(receipt.status, 200);
    let api = get(
        &server,
        &format!("/v1/processes/{PROCESS}/rounds/1/submissions/DE"),
        &de,
    )
    .expect(200)
    .json();
    assert_eq!(api["revision"], 1);
    assert!(
        receipt
            .body
            .contains(api["receipt"].as_str().expect("receipt")),
        "the receipt page shows the API's receipt"
    );
    let empty = browser.post(
        &server.url(&format!("/p/{PROCESS}/rounds/1/items")),
        &[
            ("csrf", &csrf),
            ("action", "comment"),
            ("node", &pp2),
            ("text", "  "),
        ],
    );
    assert_eq!(empty.status, 400);
    assert!(empty.body.contains("empty"), "{}", empty.body);
    let sent = browser.post(
        &server.url(&format!("/p/{PROCESS}/rounds/1/items")),
        &[
            ("csrf", &csrf),
            ("action", "comment"),
            ("node", &pp2),
            ("text", "We support PP2 <as it stands>."),
        ],
    );
    assert_eq!(sent.status, 303, "{}", sent.body);
    let api = get(
        &server,
        &format!("/v1/processes/{PROCESS}/rounds/1/submissions/DE"),
        &de,
    )
    .expect(200)
    .json();
    assert_eq!(api["revision"], 2);
    let items = api["body"]["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{api}");
    assert_eq!(items[0]["kind"], "amend");
    assert_eq!(items[0]["text"], amended);
    assert_eq!(items[0]["justification"], "Urgency.");
    assert_eq!(items[1]["kind"], "comment");
    // What a delegation wrote is escaped on the page.
    let page = browser.get(&round);
    assert!(page.body.contains("We support PP2 &lt;as it stands&gt;."));

    // Withdrawing the comment is revision 3.
    let withdrawn = browser.post(
        &server.url(&format!("/p/{PROCESS}/rounds/1/items/withdraw")),
        &[("csrf", &csrf), ("index", "1"), ("revision", "2")],
    );
    assert_eq!(withdrawn.status, 303, "{}", withdrawn.body);
    let api = get(
        &server,
        &format!("/v1/processes/{PROCESS}/rounds/1/submissions/DE"),
        &de,
    )
    .expect(200)
    .json();
    assert_eq!(api["revision"], 3);
    assert_eq!(api["body"]["items"].as_array().expect("items").len(), 1);

    // A pasted chair token signs in too, and the chair submits for no delegation.
    let mut chair_browser = Browser::new();
    let page = chair_browser.get(&server.url("/sign-in"));
    let sign_in_csrf = field(&page.body, "csrf");
    let chair = token("chair", Some("TR"));
    let bad = chair_browser.post(
        &server.url("/sign-in"),
        &[("csrf", &sign_in_csrf), ("token", "not.a.token")],
    );
    assert_eq!(bad.status, 401, "{}", bad.body);
    let ok = chair_browser.post(
        &server.url("/sign-in"),
        &[("csrf", &sign_in_csrf), ("token", &chair)],
    );
    assert_eq!(ok.status, 303, "{}", ok.body);
    let page = chair_browser.get(&round);
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("Submit the amendment"));

    // After the deadline (closed by the chair), a proposal is refused and nothing changes.
    post(
        &server,
        &format!("/v1/processes/{PROCESS}/rounds/1/close"),
        &chair,
        &json!({}),
    )
    .expect(200);
    let late = browser.post(
        &server.url(&format!("/p/{PROCESS}/rounds/1/items")),
        &[("csrf", &csrf), ("action", "delete"), ("node", &pp2)],
    );
    assert_eq!(late.status, 409, "{}", late.body);
    let api = get(
        &server,
        &format!("/v1/processes/{PROCESS}/rounds/1/submissions/DE"),
        &de,
    )
    .expect(200)
    .json();
    assert_eq!(api["revision"], 3);

    // Signing out ends the session in the database: the old cookie no longer works.
    let kept = browser.cookies.clone();
    let out = browser.post(&server.url("/sign-out"), &[("csrf", &csrf)]);
    assert_eq!(out.status, 303);
    browser.cookies = kept;
    let page = browser.get(&round);
    assert_eq!(page.status, 303);
    assert_eq!(page.location.as_deref(), Some("/sign-in"));

    // French from the browser's language.
    let page = Browser::new().send("GET", &server.url("/sign-in"), None);
    assert!(page.body.contains("lang=\"en\""));
    let mut french = Browser::new();
    french.cookies.insert("penholder_lang".into(), "fr".into());
    let page = french.get(&server.url("/sign-in"));
    assert!(page.body.contains("Se connecter"), "{}", page.body);
}

#[test]
fn a_delegate_walks_a_round_in_chromium() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let tests = workspace.join("web-tests");
    if !Path::new(&chromium).exists() || !tests.join("node_modules/playwright-core").exists() {
        assert!(
            !in_ci,
            "CI must run the browser tests: .ci/run installs chromium and runs npm ci in web-tests/"
        );
        eprintln!(
            "SKIPPED a_delegate_walks_a_round_in_chromium: needs {chromium} and `npm ci` in web-tests/ (as .ci/run does)"
        );
        return;
    }
    let db = TestDb::sqlite();
    let server = Server::start(&db);
    prepare(&server);
    let link = sign_in_link(&server, "delegate", Some("DE"));
    let shots = workspace.join("target/web-screenshots");
    let base = server.url("");
    let output = std::process::Command::new("node")
        .arg(tests.join("delegation.mjs"))
        .current_dir(&tests)
        .env("PENHOLDER_URL", base.trim_end_matches('/'))
        .env("PENHOLDER_LINK", &link)
        .env("PENHOLDER_ROUND_PATH", format!("/p/{PROCESS}/rounds/1"))
        .env("PENHOLDER_SHOTS", &shots)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node");
    assert!(
        output.status.success(),
        "the browser test failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // The script's measurements (the round page's size and load time).
    print!("{}", String::from_utf8_lossy(&output.stdout));
}

/// `prepare`, then Germany and France propose clashing amendments of OP1 (and Germany a
/// comment on PP2), the chair closes the round and France tries to submit once more, late.
fn prepare_closed_round(server: &Server) {
    prepare(server);
    let submissions = format!("/v1/processes/{PROCESS}/rounds/1/submissions");
    put(
        server,
        &format!("{submissions}/DE"),
        &token("delegate", Some("DE")),
        &json!({"items": [
            {"kind": "amend", "node": "OP1", "text": "Adopt the attached Action Plan swiftly.", "justification": "Urgency."},
            {"kind": "comment", "node": "PP2", "text": "We support PP2."}
        ]}),
    )
    .expect(201);
    put(
        server,
        &format!("{submissions}/FR"),
        &token("delegate", Some("FR")),
        &json!({"items": [
            {"kind": "amend", "node": "OP1", "text": "Adopt the attached Action Plan with care.", "justification": "Prudence."}
        ]}),
    )
    .expect(201);
    post(
        server,
        &format!("/v1/processes/{PROCESS}/rounds/1/close"),
        &token("chair", Some("TR")),
        &json!({}),
    )
    .expect(200);
    put(
        server,
        &format!("{submissions}/FR"),
        &token("delegate", Some("FR")),
        &json!({"items": [{"kind": "comment", "node": "PP2", "text": "Too late."}]}),
    )
    .expect(409);
}

/// Signs `browser` in with a fresh one-time link for `role`.
fn sign_in_as(browser: &mut Browser, server: &Server, role: &str, delegation: Option<&str>) {
    let link = sign_in_link(server, role, delegation);
    let page = browser.get(&link);
    let csrf = field(&page.body, "csrf");
    let token = link.split("token=").nth(1).expect("token").to_string();
    let signed_in = browser.post(
        &server.url("/sign-in/link"),
        &[("csrf", &csrf), ("token", &token)],
    );
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
}

/// A file downloaded with the browser's cookies: status, content type and bytes.
fn download(browser: &Browser, url: &str) -> (u16, String, Vec<u8>) {
    let line: Vec<String> = browser
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let request = ureq::http::Request::builder()
        .uri(url)
        .header("cookie", line.join("; "))
        .body(())
        .expect("request");
    let mut response = browser.agent.run(request).expect("download");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let bytes = response.body_mut().read_to_vec().expect("bytes");
    (response.status().as_u16(), content_type, bytes)
}

both_backends!(the_chair_decides_and_consolidates_and_a_reviewer_reads_through_the_forms);

fn the_chair_decides_and_consolidates_and_a_reviewer_reads_through_the_forms(db: &TestDb) {
    let server = Server::start(db);
    prepare_closed_round(&server);
    let chair_token = token("chair", Some("TR"));
    let mut chair = Browser::new();
    sign_in_as(&mut chair, &server, "chair", Some("TR"));

    // The overview: who submitted, who did not, who tried after the deadline.
    let page = chair.get(&server.url(&format!("/p/{PROCESS}/rounds/1/overview")));
    assert_eq!(page.status, 200, "{}", page.body);
    let late = page
        .body
        .split("Attempts after the deadline")
        .nth(1)
        .expect("the late attempts' section");
    assert!(late.contains("France (FR)"), "{late}");
    assert!(!late.contains("Germany"), "{late}");
    let missing = page
        .body
        .split("Delegations that have not submitted")
        .nth(1)
        .expect("the missing delegations");
    assert!(missing.contains("Türkiye (TR)"), "{missing}");

    // The compilation: the clashing amendments side by side, a decision form per change,
    // the attributions spoken to screen readers.
    let compiled = get(
        &server,
        &format!("/v1/processes/{PROCESS}/rounds/1/compilation"),
        &chair_token,
    )
    .expect(200)
    .json();
    let changes: Vec<&serde_json::Value> = compiled["compilation"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .flat_map(|n| n["changes"].as_array().expect("changes"))
        .collect();
    let contested = changes
        .iter()
        .find(|c| c["contested"] == true)
        .unwrap_or_else(|| panic!("no contested change in {compiled}"));
    let change = contested["id"].as_str().expect("id").to_string();
    let french = contested["alternatives"]
        .as_array()
        .expect("alternatives")
        .iter()
        .find(|a| a["supporters"][0]["delegation"] == "FR")
        .and_then(|a| a["id"].as_str())
        .expect("France's alternative")
        .to_string();
    let page = chair.get(&server.url(&format!("/p/{PROCESS}/rounds/1/compilation")));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("Part 1 of"),
        "the compilation comes in parts"
    );
    let missing = chair.get(&server.url(&format!("/p/{PROCESS}/rounds/1/compilation?part=999")));
    assert_eq!(missing.status, 404, "{}", missing.body);
    // The part that holds the change.
    let page = chair.get(&server.url(&format!(
        "/p/{PROCESS}/rounds/1/compilation?change={change}"
    )));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(&format!("id=\"decide-{change}\"")),
        "no decision form for {change}"
    );
    assert!(
        page.body.contains("inserted, proposed by France"),
        "no spoken attribution"
    );
    let csrf = field(&page.body, "csrf");
    let decisions = server.url(&format!("/p/{PROCESS}/rounds/1/decisions"));
    let accept = format!("accept:{french}");
    let forged = chair.post(
        &decisions,
        &[
            ("csrf", "forged"),
            ("change", &change),
            ("decision", &accept),
        ],
    );
    assert_eq!(forged.status, 403, "{}", forged.body);
    let veto = chair.post(
        &decisions,
        &[("csrf", &csrf), ("change", &change), ("decision", "veto")],
    );
    assert_eq!(veto.status, 400, "{}", veto.body);
    assert!(veto.body.contains("accept, reject, defer or reword"));
    let unknown = chair.post(
        &decisions,
        &[
            ("csrf", &csrf),
            ("change", "c-nope"),
            ("decision", "reject"),
        ],
    );
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    let decided = chair.post(
        &decisions,
        &[
            ("csrf", &csrf),
            ("change", &change),
            ("decision", &accept),
            ("note", "Agreed at the meeting"),
            ("in_force", ""),
        ],
    );
    assert_eq!(decided.status, 303, "{}", decided.body);
    assert_eq!(
        decided.location.as_deref(),
        Some(format!("/p/{PROCESS}/rounds/1/compilation?change={change}#decide-{change}").as_str())
    );
    let listed = get(
        &server,
        &format!("/v1/processes/{PROCESS}/rounds/1/decisions"),
        &chair_token,
    )
    .expect(200)
    .json();
    let recorded = &listed["decisions"][0];
    assert_eq!(recorded["change"], change.as_str(), "{listed}");
    assert_eq!(recorded["alternative"], french.as_str());
    assert_eq!(recorded["note"], "Agreed at the meeting");
    // A form shown before that decision cannot overwrite it unseen.
    let stale = chair.post(
        &decisions,
        &[
            ("csrf", &csrf),
            ("change", &change),
            ("decision", "reject"),
            ("in_force", ""),
        ],
    );
    assert_eq!(stale.status, 412, "{}", stale.body);
    let page = chair.get(&server.url(&format!(
        "/p/{PROCESS}/rounds/1/compilation?change={change}"
    )));
    assert!(page.body.contains("Agreed at the meeting"));

    // A delegate decides nothing, whatever the form says.
    let mut delegate = Browser::new();
    sign_in_as(&mut delegate, &server, "delegate", Some("DE"));
    let page = delegate.get(&server.url(&format!("/p/{PROCESS}/rounds/1")));
    let delegate_csrf = field(&page.body, "csrf");
    let refused = delegate.post(
        &decisions,
        &[
            ("csrf", &delegate_csrf),
            ("change", &change),
            ("decision", "reject"),
        ],
    );
    assert_eq!(refused.status, 403, "{}", refused.body);

    // Consolidation publishes version 2 and shows its redline.
    let consolidated = chair.post(
        &server.url(&format!("/p/{PROCESS}/rounds/1/consolidate")),
        &[
            ("csrf", &csrf),
            ("label", "Rev. 1"),
            ("accept_uncontested", "true"),
        ],
    );
    assert_eq!(consolidated.status, 303, "{}", consolidated.body);
    assert_eq!(
        consolidated.location.as_deref(),
        Some(format!("/p/{PROCESS}/d/declaration/redline?from=1&to=2").as_str())
    );
    let version = get(
        &server,
        &format!("/v1/processes/{PROCESS}/documents/declaration/versions/2?format=md"),
        &chair_token,
    )
    .expect(200);
    let markdown = String::from_utf8(version.bytes).expect("utf-8");
    assert!(markdown.contains("with care"), "{markdown}");
    let again = chair.post(
        &server.url(&format!("/p/{PROCESS}/rounds/1/consolidate")),
        &[("csrf", &csrf), ("label", "Rev. 1 again")],
    );
    assert_eq!(again.status, 409, "{}", again.body);

    // The dispositions, on the page and as files.
    let page = chair.get(&server.url(&format!("/p/{PROCESS}/rounds/1/dispositions")));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Germany (DE)"));
    let (status, content_type, bytes) = download(
        &chair,
        &server.url(&format!("/p/{PROCESS}/rounds/1/dispositions/file/xlsx")),
    );
    assert_eq!(status, 200);
    assert!(content_type.contains("spreadsheetml"), "{content_type}");
    assert!(bytes.starts_with(b"PK"));

    // A revised text uploaded as Markdown becomes version 3.
    let page = chair.get(&server.url(&format!("/p/{PROCESS}/d/declaration/upload")));
    assert_eq!(page.status, 200, "{}", page.body);
    let revised = markdown.replace("with care", "with great care");
    let uploaded = chair.post(
        &server.url(&format!("/p/{PROCESS}/d/declaration/upload")),
        &[
            ("csrf", &csrf),
            ("label", "Rev. 2 (chair's text)"),
            ("text", &revised),
        ],
    );
    assert_eq!(uploaded.status, 303, "{}", uploaded.body);
    assert_eq!(
        uploaded.location.as_deref(),
        Some(format!("/p/{PROCESS}/d/declaration/redline?from=2&to=3").as_str())
    );
    let empty = chair.post(
        &server.url(&format!("/p/{PROCESS}/d/declaration/upload")),
        &[("csrf", &csrf), ("label", "Empty"), ("text", "  ")],
    );
    assert_eq!(empty.status, 400, "{}", empty.body);

    // A reviewer: the versions, the redline with its legend, every file.
    let mut reviewer = Browser::new();
    sign_in_as(&mut reviewer, &server, "reviewer", Some("DE"));
    let page = reviewer.get(&server.url(&format!("/p/{PROCESS}/d/declaration")));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("Rev. 2 (chair&#39;s text)")
            || page.body.contains("Rev. 2 (chair's text)")
    );
    let page =
        reviewer.get(&server.url(&format!("/p/{PROCESS}/d/declaration/redline?from=1&to=3")));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Who asked for each change"));
    assert!(page.body.contains("France"), "the legend names France");
    assert!(page.body.contains("inserted, proposed by"), "{}", page.body);
    let page = reviewer.get(&server.url(&format!("/p/{PROCESS}/d/declaration/v/2")));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("with care"));
    for (path, media, starts) in [
        (
            "/d/declaration/v/2/file/html",
            "text/html",
            &b"<!DOCTYPE"[..],
        ),
        ("/d/declaration/v/2/file/docx", "wordprocessingml", b"PK"),
        ("/d/declaration/v/2/file/md", "text/markdown", b""),
        (
            "/d/declaration/v/2/file/akn",
            "application/akn+xml",
            b"<?xml",
        ),
        (
            "/d/declaration/redline/file/docx?from=1&to=3",
            "wordprocessingml",
            b"PK",
        ),
        (
            "/d/declaration/redline/file/md?from=1&to=3",
            "text/markdown",
            b"",
        ),
        ("/rounds/1/dispositions/file/csv", "text/csv", b""),
        ("/rounds/1/compilation/file/docx", "wordprocessingml", b"PK"),
    ] {
        let (status, content_type, bytes) =
            download(&reviewer, &server.url(&format!("/p/{PROCESS}{path}")));
        assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&bytes));
        assert!(content_type.contains(media), "{path}: {content_type}");
        assert!(bytes.starts_with(starts) && !bytes.is_empty(), "{path}");
    }
    let (status, _, _) = download(
        &reviewer,
        &server.url(&format!("/p/{PROCESS}/d/declaration/v/2/file/xlsx")),
    );
    assert_eq!(status, 404, "a version is no spreadsheet");
    // A reviewer decides nothing and uploads nothing.
    let page = reviewer.get(&server.url(&format!("/p/{PROCESS}/d/declaration/upload")));
    assert_eq!(page.status, 403, "{}", page.body);
}

/// Where the browser scenarios are, if this machine can run them (`None`: skipped outside CI,
/// said on stderr; a failure in CI, which must run them).
fn browser_scenarios(test: &str) -> Option<(std::path::PathBuf, String)> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let tests = workspace.join("web-tests");
    if !Path::new(&chromium).exists() || !tests.join("node_modules/playwright-core").exists() {
        assert!(
            !in_ci,
            "CI must run the browser tests: .ci/run installs chromium and runs npm ci in web-tests/"
        );
        eprintln!("SKIPPED {test}: needs {chromium} and `npm ci` in web-tests/ (as .ci/run does)");
        return None;
    }
    Some((workspace, chromium))
}

/// Runs `web-tests/{script}` against `server` with a sign-in link; its output on success.
fn run_scenario(
    workspace: &Path,
    chromium: &str,
    server: &Server,
    script: &str,
    link: &str,
) -> String {
    let tests = workspace.join("web-tests");
    let base = server.url("");
    let output = std::process::Command::new("node")
        .arg(tests.join(script))
        .current_dir(&tests)
        .env("PENHOLDER_URL", base.trim_end_matches('/'))
        .env("PENHOLDER_LINK", link)
        .env("PENHOLDER_PROCESS", PROCESS)
        .env("PENHOLDER_SHOTS", workspace.join("target/web-screenshots"))
        .env("CHROMIUM", chromium)
        .output()
        .expect("node");
    assert!(
        output.status.success(),
        "{script} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_chair_and_a_reviewer_walk_a_round_in_chromium() {
    let Some((workspace, chromium)) =
        browser_scenarios("the_chair_and_a_reviewer_walk_a_round_in_chromium")
    else {
        return;
    };
    let db = TestDb::sqlite();
    let server = Server::start(&db);
    prepare_closed_round(&server);
    let chair = sign_in_link(&server, "chair", Some("TR"));
    print!(
        "{}",
        run_scenario(&workspace, &chromium, &server, "chair.mjs", &chair)
    );
    let reviewer = sign_in_link(&server, "reviewer", Some("DE"));
    print!(
        "{}",
        run_scenario(&workspace, &chromium, &server, "reviewer.mjs", &reviewer)
    );
}

/// The first pages a person opens transfer under 100 KB: the sign-in link's and a delegate's
/// draft with a form per paragraph (190 KB of HTML for the Budapest declaration, gzipped on the
/// way). Measured by `web-tests/speed.mjs` in Chromium, which `make bench` also runs.
#[test]
fn the_first_pages_transfer_under_100_kb() {
    let Some((workspace, chromium)) = browser_scenarios("the_first_pages_transfer_under_100_kb")
    else {
        return;
    };
    let db = TestDb::sqlite();
    let server = Server::start(&db);
    prepare(&server);
    let link = sign_in_link(&server, "delegate", Some("DE"));
    let tests = workspace.join("web-tests");
    let base = server.url("");
    let output = std::process::Command::new("node")
        .arg(tests.join("speed.mjs"))
        .current_dir(&tests)
        .env("PENHOLDER_URL", base.trim_end_matches('/'))
        .env("PENHOLDER_LINK", &link)
        .env("PENHOLDER_DRAFT_PATH", format!("/p/{PROCESS}/rounds/1"))
        .env("PENHOLDER_MAX_FIRST_PAGE_BYTES", "100000")
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "speed.mjs failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    print!("{stdout}");
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("BENCH "))
        .expect("a BENCH line");
    let figures: serde_json::Value = serde_json::from_str(line).expect("json");
    let draft = figures["draft_bytes"].as_u64().expect("the draft's bytes");
    assert!(draft > 1000 && draft < 100_000, "{figures}");
    assert!(figures["sign_in_bytes"].as_u64().expect("bytes") < 100_000);
}

/// The state of the text's world for `web-tests/state.mjs`: a group (the EU: DE, FR, HU), a
/// bracket carried from round 1 into version 2 (DE and FR for 30, PK for 40, deferred), round 2
/// open on version 2 with the EU's submission, and every paragraph agreed but the bracketed one
/// (so that adoption waits on that one alone).
fn prepare_state_world(server: &Server) {
    let admin = token("admin", None);
    let chair = token("chair", Some("TR"));
    post(
        server,
        "/v1/processes",
        &admin,
        &json!({"slug": PROCESS, "title": "Budapest Process, 7th Ministerial Conference",
        "delegations": [
            {"code": "TR", "name": "Türkiye", "kind": "state", "function": "chair"},
            {"code": "DE", "name": "Germany", "kind": "state"},
            {"code": "FR", "name": "France", "kind": "state"},
            {"code": "HU", "name": "Hungary", "kind": "state"},
            {"code": "PK", "name": "Pakistan", "kind": "state"},
            {"code": "EU", "name": "European Union", "kind": "group", "members": ["DE", "FR", "HU"]}
        ]}),
    )
    .expect(201);
    let p = format!("/v1/processes/{PROCESS}");
    post(
        server,
        &format!("{p}/documents"),
        &chair,
        &json!({"slug": "declaration", "title": "Ministerial Declaration", "source": {"format": "markdown",
            "text": "# Ministerial Declaration\n\n1. Reduce irregular arrivals by at least 20 per cent.\n\n2. Cooperate on return.\n\n3. Strengthen legal pathways.\n"}}),
    )
    .expect(201);
    post(
        server,
        &format!("{p}/rounds"),
        &chair,
        &json!({"document": "declaration", "label": "Written feedback on the zero draft",
                "opens_at": from_now(-60), "closes_at": from_now(3600)}),
    )
    .expect(201);
    let v1 = get(
        server,
        &format!("{p}/documents/declaration/versions/1"),
        &chair,
    )
    .expect(200)
    .json();
    // Nodes named by id: they keep it into version 2.
    fn node_with(nodes: &serde_json::Value, needle: &str) -> Option<String> {
        nodes.as_array()?.iter().find_map(|n| {
            if n["text"].as_str().is_some_and(|t| t.contains(needle)) {
                n["id"].as_str().map(str::to_string)
            } else {
                node_with(&n["children"], needle)
            }
        })
    }
    let [reduce, cooperate, pathways] = ["Reduce irregular", "Cooperate on", "Strengthen legal"]
        .map(|needle| {
            node_with(&v1["document"]["nodes"], needle).unwrap_or_else(|| panic!("{needle}: {v1}"))
        });
    for (code, figure) in [("FR", "30"), ("DE", "30"), ("PK", "40")] {
        put(
            server,
            &format!("{p}/rounds/1/submissions/{code}"),
            &token("delegate", Some(code)),
            &json!({"items": [{"kind": "amend", "node": reduce,
                "text": format!("Reduce irregular arrivals by at least {figure} per cent.")}]}),
        )
        .expect(201);
    }
    post(server, &format!("{p}/rounds/1/close"), &chair, &json!({})).expect(200);
    let compilation = get(server, &format!("{p}/rounds/1/compilation"), &chair)
        .expect(200)
        .json();
    let change = compilation["compilation"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .flat_map(|n| n["changes"].as_array().cloned().unwrap_or_default())
        .find(|c| c["contested"] == true)
        .expect("a contested change");
    put(
        server,
        &format!(
            "{p}/rounds/1/decisions/{}",
            change["id"].as_str().expect("id")
        ),
        &chair,
        &json!({"decision": "defer", "note": "Back to the Reference Group."}),
    )
    .expect(200);
    post(
        server,
        &format!("{p}/rounds/1/consolidate"),
        &chair,
        &json!({"label": "Rev. 1"}),
    )
    .expect(201);
    post(
        server,
        &format!("{p}/rounds"),
        &chair,
        &json!({"document": "declaration", "base_version": 2, "label": "Written feedback on Rev. 1",
                "opens_at": from_now(-60), "closes_at": from_now(3600)}),
    )
    .expect(201);
    put(
        server,
        &format!("{p}/rounds/2/submissions/EU"),
        &token("delegate", Some("EU")),
        &json!({"items": [
            {"kind": "amend", "node": cooperate, "text": "Cooperate closely on return.", "justification": "EU common position."},
            {"kind": "comment", "node": pathways, "text": "The EU supports legal pathways."}
        ]}),
    )
    .expect(201);
    // Every node agreed but the bracketed paragraph, which is open (its own status, whatever
    // a heading above it says).
    fn every_node(nodes: &serde_json::Value, out: &mut Vec<String>) {
        for node in nodes.as_array().into_iter().flatten() {
            out.push(node["id"].as_str().expect("id").to_string());
            every_node(&node["children"], out);
        }
    }
    let v2 = get(
        server,
        &format!("{p}/documents/declaration/versions/2"),
        &chair,
    )
    .expect(200)
    .json();
    let mut nodes = Vec::new();
    every_node(&v2["document"]["nodes"], &mut nodes);
    assert!(nodes.len() >= 3 && nodes.contains(&reduce), "{v2}");
    for node in nodes {
        let (status, note) = if node == reduce {
            ("open", "Still under negotiation")
        } else {
            ("agreed", "Senior Officials Meeting")
        };
        put(
            server,
            &format!("{p}/documents/declaration/status/{node}"),
            &chair,
            &json!({"status": status, "note": note}),
        )
        .expect(200);
    }
}

/// `web-tests/state.mjs`: the chair marks a paragraph agreed ad ref., a delegation's amendment
/// to it is refused saying why, the delegation acts on a bracket, enters and withdraws a
/// reservation and dissociates from its group's item, and the chair's adoption is refused and
/// then succeeds; every page checked by axe-core.
#[test]
fn the_state_of_the_text_is_read_and_changed_in_chromium() {
    let Some((workspace, chromium)) =
        browser_scenarios("the_state_of_the_text_is_read_and_changed_in_chromium")
    else {
        return;
    };
    let db = TestDb::sqlite();
    let server = Server::start(&db);
    prepare_state_world(&server);
    let chair = sign_in_link(&server, "chair", Some("TR"));
    let delegate = sign_in_link(&server, "delegate", Some("HU"));
    let tests = workspace.join("web-tests");
    let base = server.url("");
    let output = std::process::Command::new("node")
        .arg(tests.join("state.mjs"))
        .current_dir(&tests)
        .env("PENHOLDER_URL", base.trim_end_matches('/'))
        .env("PENHOLDER_LINK", &chair)
        .env("PENHOLDER_DELEGATE_LINK", &delegate)
        .env("PENHOLDER_PROCESS", PROCESS)
        .env("PENHOLDER_SHOTS", workspace.join("target/web-screenshots"))
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node");
    assert!(
        output.status.success(),
        "state.mjs failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    print!("{}", String::from_utf8_lossy(&output.stdout));
    // What the browser did is what the API holds.
    let chair_token = token("chair", Some("TR"));
    let p = format!("/v1/processes/{PROCESS}");
    let status = get(
        &server,
        &format!("{p}/documents/declaration/status"),
        &chair_token,
    )
    .expect(200)
    .json();
    let nodes = status["nodes"].as_array().expect("nodes");
    assert!(nodes.iter().all(|n| n["status"] == "adopted"), "{status}");
    let reservations = status["reservations"].as_array().expect("reservations");
    assert!(
        reservations
            .iter()
            .any(|r| r["delegation"] == "HU" && r["standing"] == false),
        "{status}"
    );
    let coalitions = get(&server, &format!("{p}/rounds/2/coalitions"), &chair_token)
        .expect(200)
        .json();
    assert!(coalitions.to_string().contains("HU"), "{coalitions}");
    let submission = get(
        &server,
        &format!("{p}/rounds/2/submissions/HU"),
        &chair_token,
    )
    .expect(200)
    .json();
    assert!(
        submission.to_string().contains("support"),
        "the act on the bracket is HU's submission item: {submission}"
    );
}

both_backends!(the_state_forms_refuse_what_the_api_refuses);

/// The state page's forms without a browser's help, on both backends: a delegation sees the
/// statuses and the bracket, may not set a status, enters a reservation (a meaningless kind or
/// an unknown paragraph refused saying what to send) that another delegation may not withdraw;
/// the chair's adoption is refused naming the open paragraph and what to do on these pages.
fn the_state_forms_refuse_what_the_api_refuses(db: &TestDb) {
    let server = Server::start(db);
    prepare_state_world(&server);
    let state = server.url(&format!("/p/{PROCESS}/d/declaration/state"));
    let mut hungary = Browser::new();
    sign_in_as(&mut hungary, &server, "delegate", Some("HU"));
    let page = hungary.get(&state);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("[20] / [30 (DE, FR)] / [40 (PK)]"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Still under negotiation"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("Adopt the whole text"),
        "a delegate adopts nothing"
    );
    let csrf = field(&page.body, "csrf");
    let status = server.url(&format!("/p/{PROCESS}/d/declaration/status"));
    let refused = hungary.post(
        &status,
        &[
            ("csrf", &csrf),
            ("node", "P1"),
            ("status", "agreed"),
            ("note", "x"),
        ],
    );
    assert_eq!(refused.status, 403, "{}", refused.body);
    let forged = hungary.post(
        &status,
        &[
            ("csrf", "forged"),
            ("node", "P1"),
            ("status", "agreed"),
            ("note", "x"),
        ],
    );
    assert_eq!(forged.status, 403, "{}", forged.body);
    let reservations = server.url(&format!("/p/{PROCESS}/d/declaration/reservations"));
    let veto = hungary.post(
        &reservations,
        &[
            ("csrf", &csrf),
            ("node", "P3"),
            ("kind", "veto"),
            ("text", "No."),
        ],
    );
    assert_eq!(veto.status, 400, "{}", veto.body);
    assert!(
        veto.body
            .contains("scrutiny, general, parliamentary or linguistic")
    );
    let nowhere = hungary.post(
        &reservations,
        &[
            ("csrf", &csrf),
            ("node", "P99"),
            ("kind", "scrutiny"),
            ("text", "No."),
        ],
    );
    assert_eq!(nowhere.status, 422, "{}", nowhere.body);
    let entered = hungary.post(
        &reservations,
        &[
            ("csrf", &csrf),
            ("node", "P3"),
            ("kind", "parliamentary"),
            ("text", "Pending the Országgyűlés."),
        ],
    );
    assert_eq!(entered.status, 303, "{}", entered.body);
    let listed = get(
        &server,
        &format!("/v1/processes/{PROCESS}/documents/declaration/reservations"),
        &token("chair", Some("TR")),
    )
    .expect(200);
    assert!(
        String::from_utf8_lossy(&listed.bytes).contains("Pending the Országgyűlés."),
        "the API lists the reservation entered through the form"
    );
    let page = hungary.get(&state);
    assert!(page.body.contains("PR (HU)"), "{}", page.body);
    // Another delegation withdraws none of Hungary's reservations.
    let mut france = Browser::new();
    sign_in_as(&mut france, &server, "delegate", Some("FR"));
    let french_csrf = field(&france.get(&state).body, "csrf");
    let withdrawn = france.post(
        &server.url(&format!("/p/{PROCESS}/d/declaration/reservations/withdraw")),
        &[("csrf", &french_csrf), ("number", "1")],
    );
    assert_eq!(withdrawn.status, 403, "{}", withdrawn.body);
    // The chair's adoption is refused while P1 is open and Hungary's reservation stands.
    let mut chair = Browser::new();
    sign_in_as(&mut chair, &server, "chair", Some("TR"));
    let page = chair.get(&state);
    let chair_csrf = field(&page.body, "csrf");
    let adopt = chair.post(
        &server.url(&format!("/p/{PROCESS}/d/declaration/adopt")),
        &[("csrf", &chair_csrf)],
    );
    assert_eq!(adopt.status, 409, "{}", adopt.body);
    assert!(adopt.body.contains("P1 is open"), "{}", adopt.body);
    assert!(adopt.body.contains("reservation"), "{}", adopt.body);
    assert!(adopt.body.contains("State of the text"), "{}", adopt.body);
    let one = chair.post(
        &status,
        &[
            ("csrf", &chair_csrf),
            ("node", "P1"),
            ("status", "adopted"),
            ("note", "x"),
        ],
    );
    assert_eq!(one.status, 422, "{}", one.body);
}

// ---- The delegation's workbench: drafts, a Word file from the browser, outcomes ----------------

/// The Word fixture's document: the Declaration's zero draft from its structured form (ids
/// kept) with the title of its JSON form: the very version `fixtures/docx/` was edited from
/// (`scripts/make-docx-fixtures.py`), so that the file's version hash matches.
fn prepare_word_round(server: &Server) {
    let admin = token("admin", None);
    let chair = token("chair", Some("TR"));
    post(
        server,
        "/v1/processes",
        &admin,
        &json!({"slug": PROCESS, "title": "Budapest Process, 7th Ministerial Conference",
        "delegations": [
            {"code": "TR", "name": "Türkiye", "kind": "state", "function": "chair"},
            {"code": "AT", "name": "Austria", "kind": "state"},
            {"code": "FR", "name": "France", "kind": "state"}
        ]}),
    )
    .expect(201);
    let title: serde_json::Value =
        serde_json::from_str(&fixture("declaration.json")).expect("json");
    post(
        server,
        &format!("/v1/processes/{PROCESS}/documents"),
        &chair,
        &json!({"slug": "declaration", "title": title["title"],
                "classification": "LIMITE", "label": "Zero draft",
                "source": {"format": "markdown", "text": fixture("declaration.md")}}),
    )
    .expect(201);
    post(
        server,
        &format!("/v1/processes/{PROCESS}/rounds"),
        &chair,
        &json!({"document": "declaration", "label": "Written feedback",
                "opens_at": from_now(3600), "closes_at": from_now(7200)}),
    )
    .expect(201);
    post(
        server,
        &format!("/v1/processes/{PROCESS}/rounds/1/open"),
        &chair,
        &json!({}),
    )
    .expect(200);
}

fn word_fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/docx")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A hidden field's value with the page's escapes undone.
fn field_text(body: &str, name: &str) -> String {
    field(body, name)
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
}

impl Browser {
    /// Signs in with a fresh one-time link; the session's CSRF token.
    fn sign_in(&mut self, server: &Server, role: &str, delegation: Option<&str>) -> String {
        let link = sign_in_link(server, role, delegation);
        let token = link.split("token=").nth(1).expect("token").to_string();
        let page = self.get(&link);
        let csrf = field(&page.body, "csrf");
        let signed_in = self.post(
            &server.url("/sign-in/link"),
            &[("csrf", &csrf), ("token", &token)],
        );
        assert_eq!(signed_in.status, 303, "{}", signed_in.body);
        let page = self.get(&server.url("/"));
        field(&page.body, "csrf")
    }

    /// A multipart form with one file, as a browser sends a file input.
    fn upload(&mut self, url: &str, fields: &[(&str, &str)], file: &[u8]) -> Page {
        let boundary = "penholder-test-boundary-7d1a";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"feedback.docx\"\r\nContent-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let line: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let request = ureq::http::Request::builder()
            .method("POST")
            .uri(url)
            .header("cookie", line.join("; "))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .expect("request");
        let mut response = self.agent.run(request).expect("the upload");
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        Page {
            status: response.status().as_u16(),
            location,
            content_type,
            body: response.body_mut().read_to_string().expect("a text body"),
        }
    }
}

both_backends!(a_delegation_keeps_a_draft_sends_a_word_file_and_reads_its_outcomes);

fn a_delegation_keeps_a_draft_sends_a_word_file_and_reads_its_outcomes(db: &TestDb) {
    let mut server = Server::start(db);
    prepare_word_round(&server);
    let at = token("delegate", Some("AT"));
    let chair = token("chair", Some("TR"));
    let round = server.url(&format!("/p/{PROCESS}/rounds/1"));
    let submission = format!("/v1/processes/{PROCESS}/rounds/1/submissions/AT");
    let op1 = node_of(&server, &at, "OP1");
    let pp2 = node_of(&server, &at, "PP2");
    let mut browser = Browser::new();
    let csrf = browser.sign_in(&server, "delegate", Some("AT"));

    // Each paragraph form has its second button; two proposals kept as a draft, none sent.
    let page = browser.get(&round);
    assert!(page.body.contains("Keep as draft"), "{}", page.body);
    assert!(page.body.contains("keeps no draft"), "{}", page.body);
    let draft_text = "Adopt the attached Action Plan, kept in a draft.";
    let kept = browser.post(
        &format!("{round}/draft"),
        &[
            ("csrf", &csrf),
            ("action", "amend"),
            ("node", &op1),
            ("text", draft_text),
            ("justification", "Clarity."),
        ],
    );
    assert_eq!(kept.status, 303, "{}", kept.body);
    assert_eq!(
        kept.location.as_deref(),
        Some(format!("/p/{PROCESS}/rounds/1#draft").as_str())
    );
    let kept = browser.post(
        &format!("{round}/draft"),
        &[
            ("csrf", &csrf),
            ("action", "comment"),
            ("node", &pp2),
            ("text", "A draft comment <on PP2>."),
        ],
    );
    assert_eq!(kept.status, 303, "{}", kept.body);
    let forged = browser.post(
        &format!("{round}/draft"),
        &[("csrf", "forged"), ("action", "delete"), ("node", &pp2)],
    );
    assert_eq!(forged.status, 403);
    let bad = browser.post(
        &format!("{round}/draft"),
        &[("csrf", &csrf), ("action", "delete"), ("node", "PP99")],
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("PP99"), "{}", bad.body);
    get(&server, &submission, &at).expect(404);
    let page = browser.get(&round);
    assert!(page.body.contains(draft_text), "{}", page.body);
    assert!(page.body.contains("A draft comment &lt;on PP2&gt;."));
    // Nobody else sees it: not the chair's compilation, not the audit log.
    let compilation = get(
        &server,
        &format!("/v1/processes/{PROCESS}/rounds/1/compilation"),
        &chair,
    );
    assert!(!String::from_utf8_lossy(&compilation.bytes).contains("kept in a draft"));
    let audit = get(
        &server,
        &format!("/v1/processes/{PROCESS}/audit"),
        &token("admin", None),
    )
    .expect(200);
    assert!(!String::from_utf8_lossy(&audit.bytes).contains("kept in a draft"));

    // Removing from a draft that changed since the page was read is refused; then it works.
    let change: i64 = field(&page.body, "change").parse().expect("a change");
    let stale = browser.post(
        &format!("{round}/draft/remove"),
        &[
            ("csrf", &csrf),
            ("index", "0"),
            ("change", &(change - 1).to_string()),
        ],
    );
    assert_eq!(stale.status, 412, "{}", stale.body);
    let removed = browser.post(
        &format!("{round}/draft/remove"),
        &[
            ("csrf", &csrf),
            ("index", "1"),
            ("change", &change.to_string()),
        ],
    );
    assert_eq!(removed.status, 303, "{}", removed.body);

    // The draft survives a restart of the server and a new session.
    server.restart();
    let round = server.url(&format!("/p/{PROCESS}/rounds/1"));
    let mut browser = Browser::new();
    let csrf = browser.sign_in(&server, "delegate", Some("AT"));
    let page = browser.get(&round);
    assert!(page.body.contains(draft_text), "{}", page.body);
    assert!(!page.body.contains("A draft comment"), "{}", page.body);

    // Submitted whole: one revision, the draft gone.
    let change = field(&page.body, "change");
    let sent = browser.post(
        &format!("{round}/draft/submit"),
        &[("csrf", &csrf), ("change", &change), ("revision", "0")],
    );
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(
        sent.location.as_deref(),
        Some(format!("/p/{PROCESS}/rounds/1/receipt").as_str())
    );
    let api = get(&server, &submission, &at).expect(200).json();
    assert_eq!(api["revision"], 1);
    let items = api["body"]["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{api}");
    assert_eq!(items[0]["text"], draft_text);
    assert_eq!(items[0]["justification"], "Clarity.");
    let page = browser.get(&round);
    assert!(page.body.contains("keeps no draft"), "{}", page.body);
    let again = browser.post(
        &format!("{round}/draft/submit"),
        &[("csrf", &csrf), ("change", &change), ("revision", "1")],
    );
    assert_eq!(again.status, 404, "{}", again.body);

    // A Word file with tracked changes: the items understood shown, nothing stored yet.
    let page = browser.get(&format!("{round}/word"));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains(&format!("/p/{PROCESS}/d/declaration/v/1/file/docx")),
        "{}",
        page.body
    );
    let docx = word_fixture("declaration-at-tracked.docx");
    let forged = browser.upload(&format!("{round}/word"), &[("csrf", "forged")], &docx);
    assert_eq!(forged.status, 403, "{}", forged.body);
    let not_word = browser.upload(
        &format!("{round}/word"),
        &[("csrf", &csrf)],
        b"This is a text file renamed .docx",
    );
    assert!(
        (400..500).contains(&not_word.status),
        "{} {}",
        not_word.status,
        not_word.body
    );
    assert!(
        not_word.body.contains("role=\"alert\""),
        "{}",
        not_word.body
    );
    let understood = browser.upload(&format!("{round}/word"), &[("csrf", &csrf)], &docx);
    assert_eq!(understood.status, 200, "{}", understood.body);
    assert!(
        understood.body.contains("valuable initiative"),
        "{}",
        understood.body
    );
    assert!(
        understood.body.contains("tracked change"),
        "{}",
        understood.body
    );
    assert_eq!(
        get(&server, &submission, &at).expect(200).json()["revision"],
        1
    );
    let items = field_text(&understood.body, "items");
    let shown: serde_json::Value = serde_json::from_str(&items).expect("the items as JSON");
    let count = shown.as_array().expect("items").len();
    assert!(count >= 3, "{shown}");
    let sent = browser.post(
        &format!("{round}/word/items"),
        &[
            ("csrf", &csrf),
            ("items", &items),
            ("revision", "1"),
            ("to", "submission"),
        ],
    );
    assert_eq!(sent.status, 303, "{}", sent.body);
    let api = get(&server, &submission, &at).expect(200).json();
    assert_eq!(api["revision"], 2);
    assert_eq!(
        api["body"]["items"].as_array().expect("items").len(),
        1 + count,
        "the file's items added to the submission: {api}"
    );
    // The same page sent again names revision 1: refused, nothing changes.
    let stale = browser.post(
        &format!("{round}/word/items"),
        &[
            ("csrf", &csrf),
            ("items", &items),
            ("revision", "1"),
            ("to", "submission"),
        ],
    );
    assert_eq!(stale.status, 412, "{}", stale.body);

    // After the deadline no draft is kept.
    post(
        &server,
        &format!("/v1/processes/{PROCESS}/rounds/1/close"),
        &chair,
        &json!({}),
    )
    .expect(200);
    let late = browser.post(
        &format!("{round}/draft"),
        &[("csrf", &csrf), ("action", "delete"), ("node", &pp2)],
    );
    assert_eq!(late.status, 409, "{}", late.body);

    // The chair accepts every change and consolidates: what happened to the proposals.
    let compiled = get(
        &server,
        &format!("/v1/processes/{PROCESS}/rounds/1/compilation"),
        &chair,
    )
    .expect(200)
    .json();
    let changes: Vec<String> = compiled["compilation"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .flat_map(|n| n["changes"].as_array().cloned().unwrap_or_default())
        .map(|c| c["id"].as_str().expect("id").to_string())
        .collect();
    assert!(!changes.is_empty(), "{compiled}");
    for change in &changes {
        put(
            &server,
            &format!("/v1/processes/{PROCESS}/rounds/1/decisions/{change}"),
            &chair,
            &json!({"decision": "accept", "note": "Agreed by all."}),
        )
        .expect(200);
    }
    post(
        &server,
        &format!("/v1/processes/{PROCESS}/rounds/1/consolidate"),
        &chair,
        &json!({"label": "Rev. 1"}),
    )
    .expect(201);
    let page = browser.get(&server.url(&format!("/p/{PROCESS}")));
    assert!(
        page.body
            .contains(&format!("/p/{PROCESS}/rounds/1/outcomes")),
        "{}",
        page.body
    );
    let outcomes = browser.get(&format!("{round}/outcomes"));
    assert_eq!(outcomes.status, 200, "{}", outcomes.body);
    assert!(outcomes.body.contains("AT-1"), "{}", outcomes.body);
    assert!(
        outcomes.body.contains("retained verbatim"),
        "{}",
        outcomes.body
    );
    assert!(
        outcomes.body.contains("Agreed by all."),
        "{}",
        outcomes.body
    );
    // Another delegation's outcomes: the page follows the API's rule, whatever it is.
    let other = browser.get(&format!("{round}/outcomes?delegation=FR"));
    let api = get(
        &server,
        &format!("/v1/processes/{PROCESS}/rounds/1/outcomes/FR"),
        &at,
    );
    assert_eq!(other.status, api.status, "{}", other.body);
    let unknown = browser.get(&format!("{round}/outcomes?delegation=XX"));
    assert_eq!(unknown.status, 404, "{}", unknown.body);
}

#[test]
fn a_delegation_works_with_drafts_word_files_and_outcomes_in_chromium() {
    let Some((workspace, chromium)) =
        browser_scenarios("a_delegation_works_with_drafts_word_files_and_outcomes_in_chromium")
    else {
        return;
    };
    let db = TestDb::sqlite();
    let server = Server::start(&db);
    prepare_word_round(&server);
    let tests = workspace.join("web-tests");
    let base = server.url("");
    let output = std::process::Command::new("node")
        .arg(tests.join("workbench.mjs"))
        .current_dir(&tests)
        .env("PENHOLDER_URL", base.trim_end_matches('/'))
        .env(
            "PENHOLDER_LINK",
            sign_in_link(&server, "delegate", Some("AT")),
        )
        .env(
            "PENHOLDER_LINK_AGAIN",
            sign_in_link(&server, "delegate", Some("AT")),
        )
        .env("PENHOLDER_CHAIR_TOKEN", token("chair", Some("TR")))
        .env(
            "PENHOLDER_DOCX",
            workspace.join("fixtures/docx/declaration-at-tracked.docx"),
        )
        .env("PENHOLDER_PROCESS", PROCESS)
        .env("PENHOLDER_SHOTS", workspace.join("target/web-screenshots"))
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node");
    assert!(
        output.status.success(),
        "workbench.mjs failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    print!("{}", String::from_utf8_lossy(&output.stdout));
}

/// `prepare`, then Germany amends OP1 and France PP2 (no clash), the round closes and is
/// consolidated into version 2 with both accepted, and France reserves OP1 in it: a redline
/// with two delegations' changes to filter, a reservation, two versions side by side.
fn prepare_views(server: &Server) {
    prepare(server);
    let submissions = format!("/v1/processes/{PROCESS}/rounds/1/submissions");
    put(
        server,
        &format!("{submissions}/DE"),
        &token("delegate", Some("DE")),
        &json!({"items": [{"kind": "amend", "node": "OP1", "text": "Adopt the attached Action Plan swiftly."}]}),
    )
    .expect(201);
    put(
        server,
        &format!("{submissions}/FR"),
        &token("delegate", Some("FR")),
        &json!({"items": [{"kind": "amend", "node": "PP2", "text": "Gathered in Budapest on 27 June 2024 at the 7th Ministerial Conference of the Budapest Process, at the invitation of Hungary;"}]}),
    )
    .expect(201);
    let chair = token("chair", Some("TR"));
    post(
        server,
        &format!("/v1/processes/{PROCESS}/rounds/1/close"),
        &chair,
        &json!({}),
    )
    .expect(200);
    post(
        server,
        &format!("/v1/processes/{PROCESS}/rounds/1/consolidate"),
        &chair,
        &json!({"label": "Rev. 1", "accept_uncontested": true}),
    )
    .expect(201);
    post(
        server,
        &format!("/v1/processes/{PROCESS}/documents/declaration/reservations"),
        &token("delegate", Some("FR")),
        &json!({"node": "OP1", "kind": "scrutiny", "text": "Pending scrutiny in Paris."}),
    )
    .expect(201);
}

both_backends!(a_reviewer_filters_compares_and_searches_through_the_forms);

fn a_reviewer_filters_compares_and_searches_through_the_forms(db: &TestDb) {
    let server = Server::start(db);
    prepare_views(&server);
    let mut reviewer = Browser::new();
    sign_in_as(&mut reviewer, &server, "reviewer", Some("DE"));
    let doc = format!("/p/{PROCESS}/d/declaration");

    // The redline of Germany's changes alone: France's amendment reads as plain text.
    let all = reviewer.get(&server.url(&format!("{doc}/redline?from=1&to=2")));
    assert_eq!(all.status, 200, "{}", all.body);
    assert!(all.body.contains("swiftly") && all.body.contains("27 June"));
    let de = reviewer.get(&server.url(&format!(
        "{doc}/redline?from=1&to=2&delegation=DE&reservation="
    )));
    assert_eq!(de.status, 200, "{}", de.body);
    let legend = de.body.split("id=\"legend\"").nth(1).expect("a legend");
    assert!(
        legend.contains("Germany") && !legend.contains("France"),
        "{legend}"
    );
    assert!(
        de.body.contains("<option value=\"DE\" selected>"),
        "the filter is kept"
    );
    assert!(
        de.body
            .contains("/redline/file/docx?from=1&amp;to=2&amp;delegation=DE"),
        "the files are filtered alike"
    );
    // Only the paragraphs France reserved: OP1, where Germany's change is.
    let reserved = reviewer.get(&server.url(&format!("{doc}/redline?from=1&to=2&reservation=FR")));
    assert_eq!(reserved.status, 200, "{}", reserved.body);
    assert!(reserved.body.contains("swiftly") && !reserved.body.contains("27 June"));
    // An unknown filter value is a clear 400, naming it.
    for (query, named) in [
        ("from=1&to=2&delegation=XX", "XX"),
        ("from=1&to=2&reservation=ZZ", "ZZ"),
        ("from=one&to=2", "one"),
        ("from=1&to=9", "9"),
    ] {
        let page = reviewer.get(&server.url(&format!("{doc}/redline?{query}")));
        assert!(
            (400..500).contains(&page.status),
            "{query}: {} {}",
            page.status,
            page.body
        );
        assert!(page.body.contains(named), "{query}: {}", page.body);
        assert!(page.body.contains("role=\"alert\""));
    }

    // Every format the API offers for a redline, filtered.
    for (format, media) in [
        ("html", "text/html"),
        ("md", "text/markdown"),
        ("docx", "wordprocessingml"),
        ("json", "application/json"),
    ] {
        let (status, content_type, bytes) = download(
            &reviewer,
            &server.url(&format!(
                "{doc}/redline/file/{format}?from=1&to=2&delegation=DE"
            )),
        );
        assert_eq!(status, 200, "{format}: {}", String::from_utf8_lossy(&bytes));
        assert!(content_type.contains(media), "{format}: {content_type}");
        if format == "json" {
            let redline: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
            assert_eq!(redline["delegation"], "DE");
            assert_eq!(redline["from"], 1);
        }
    }

    // Since I last read: nothing marked yet, then version 1 marked (CSRF needed).
    let never = reviewer.get(&server.url(&format!("{doc}/redline?since=read")));
    assert_eq!(never.status, 409, "{}", never.body);
    assert!(never.body.contains("Mark version"), "{}", never.body);
    let v1 = reviewer.get(&server.url(&format!("{doc}/v/1")));
    let csrf = field(&v1.body, "csrf");
    let forged = reviewer.post(
        &server.url(&format!("{doc}/read-mark")),
        &[("csrf", "forged"), ("version", "1")],
    );
    assert_eq!(forged.status, 403);
    let marked = reviewer.post(
        &server.url(&format!("{doc}/read-mark")),
        &[
            ("csrf", &csrf),
            ("version", "1"),
            ("back", "https://evil.example/"),
        ],
    );
    assert_eq!(marked.status, 303, "{}", marked.body);
    assert_eq!(
        marked.location.as_deref(),
        Some(doc.as_str()),
        "never elsewhere"
    );
    let since = reviewer.get(&server.url(&format!("{doc}/redline?since=read")));
    assert_eq!(since.status, 200, "{}", since.body);
    assert!(since.body.contains("<option value=\"read\" selected>"));
    assert!(
        since.body.contains("swiftly"),
        "what changed since version 1"
    );
    let unknown = reviewer.post(
        &server.url(&format!("{doc}/read-mark")),
        &[("csrf", &csrf), ("version", "7")],
    );
    assert!((400..500).contains(&unknown.status), "{}", unknown.body);

    // The synoptic table of both versions, the first under a heading of its own.
    let synoptic = reviewer.get(&server.url(&format!(
        "{doc}/synoptic?chosen=1&version=1&label-1=Commission+proposal&version=2"
    )));
    assert_eq!(synoptic.status, 200, "{}", synoptic.body);
    assert!(synoptic.body.contains("<table class=\"synoptic\">"));
    assert!(synoptic.body.contains("Commission proposal"));
    assert!(synoptic.body.contains("Rev. 1"));
    let none = reviewer.get(&server.url(&format!("{doc}/synoptic?chosen=1")));
    assert_eq!(none.status, 400, "{}", none.body);
    for format in ["html", "docx", "xlsx", "json"] {
        let (status, _, bytes) = download(
            &reviewer,
            &server.url(&format!(
                "{doc}/synoptic/file/{format}?versions=1%2C2&labels=Commission%20proposal%7C"
            )),
        );
        assert_eq!(status, 200, "{format}: {}", String::from_utf8_lossy(&bytes));
        assert!(bytes.len() > 100, "{format}");
    }

    // The concordance, each reference linked to its paragraph.
    let concordance = reviewer.get(&server.url(&format!("{doc}/concordance")));
    assert_eq!(concordance.status, 200, "{}", concordance.body);
    assert!(
        concordance
            .body
            .contains(&format!("href=\"{doc}/v/2#ref-OP1\"")),
        "{}",
        concordance.body
    );
    for format in ["html", "md", "csv", "xlsx", "json"] {
        let (status, _, _) = download(
            &reviewer,
            &server.url(&format!("{doc}/concordance/file/{format}")),
        );
        assert_eq!(status, 200, "{format}");
    }
    let (status, _, _) = download(
        &reviewer,
        &server.url(&format!("{doc}/concordance/file/akn")),
    );
    assert_eq!(status, 404, "no Akoma Ntoso concordance");

    // Search: the box on the process's page, results linked to the paragraph.
    let process = reviewer.get(&server.url(&format!("/p/{PROCESS}")));
    assert!(process.body.contains("role=\"search\""));
    let found = reviewer.get(&server.url(&format!("/p/{PROCESS}/search?q=swiftly")));
    assert_eq!(found.status, 200, "{}", found.body);
    assert!(
        found.body.contains(&format!("href=\"{doc}/v/2#ref-OP1\"")),
        "{}",
        found.body
    );
    // A query the engine cannot take is said beside the box.
    let wordless = reviewer.get(&server.url(&format!("/p/{PROCESS}/search?q=%2B%2B%2B")));
    assert_eq!(wordless.status, 400, "{}", wordless.body);
    assert!(
        wordless.body.contains("at least one word"),
        "{}",
        wordless.body
    );
    assert!(wordless.body.contains("role=\"search\""));
    // Someone outside the process, who may not open the LIMITE declaration, finds nothing
    // of it (the use case's rule: refused, or nothing found).
    let mut outsider = Browser::new();
    sign_in_as(&mut outsider, &server, "delegate", Some("XX"));
    let refused = outsider.get(&server.url(&format!("/p/{PROCESS}/search?q=swiftly")));
    assert!(
        (400..500).contains(&refused.status) || refused.body.contains("Texts (0)"),
        "{}",
        refused.body
    );
    assert!(!refused.body.contains("#ref-OP1"), "{}", refused.body);
    assert!(
        !refused.body.contains("Action Plan swiftly"),
        "{}",
        refused.body
    );
}

#[test]
fn a_reviewer_filters_marks_compares_and_searches_in_chromium() {
    let Some((workspace, chromium)) =
        browser_scenarios("a_reviewer_filters_marks_compares_and_searches_in_chromium")
    else {
        return;
    };
    let db = TestDb::sqlite();
    let server = Server::start(&db);
    prepare_views(&server);
    let reviewer = sign_in_link(&server, "reviewer", Some("DE"));
    print!(
        "{}",
        run_scenario(&workspace, &chromium, &server, "views.mjs", &reviewer)
    );
}
