//! Documents and revised versions from every source format the API takes, against the real
//! binary: Akoma Ntoso in (a real UN text; penholder's own export read back with its ids), and
//! XML sent as Markdown refused with a problem document that says what to send instead;
//! Markdown's emphasis read into marks and written as each output's formatting.

mod server_support;

use serde_json::{Value, json};
use server_support::*;
use std::path::Path;

/// A file under shared/ beside the repository checkout; missing, the test fails loudly.
fn shared(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the tests need shared/ beside the repository checkout)",
            path.display()
        )
    })
}

fn nodes(version: &Value) -> Vec<Value> {
    fn walk(nodes: &[Value], out: &mut Vec<Value>) {
        for node in nodes {
            out.push(node.clone());
            walk(
                node["children"]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or(&[]),
                out,
            );
        }
    }
    let mut out = Vec::new();
    walk(
        version["document"]["nodes"]
            .as_array()
            .expect("a version's nodes"),
        &mut out,
    );
    out
}

both_backends!(akoma_ntoso_comes_in_and_our_own_export_goes_back_in_unchanged);

fn akoma_ntoso_comes_in_and_our_own_export_goes_back_in_unchanged(db: &TestDb) {
    let server = Server::start(db);
    let admin = token("admin", None);
    let chair = token("chair", Some("TR"));
    post(
        &server,
        "/v1/processes",
        &admin,
        &json!({"slug": "cnd", "title": "Commission on Narcotic Drugs",
                "delegations": [{"code": "TR", "name": "Türkiye", "kind": "state", "function": "chair"}]}),
    )
    .expect(201);
    let documents = "/v1/processes/cnd/documents";

    // A real draft resolution in Akoma Ntoso: its words, numbers and identifiers kept.
    let un = shared("realtexts/akn-examples-un/Bill_UN_2012_E-CN.7-2012-L.2.xml");
    post(
        &server,
        documents,
        &chair,
        &json!({"slug": "resolution", "title": "Draft resolution",
                "source": {"format": "akn", "text": un}}),
    )
    .expect(201);
    let version = get(
        &server,
        "/v1/processes/cnd/documents/resolution/versions/1",
        &chair,
    )
    .expect(200)
    .json();
    let all = nodes(&version);
    assert!(all.len() > 5, "{version}");
    assert!(
        all.iter().any(|n| n["external_id"]["eId"].is_string()),
        "the source's identifiers are kept: {version}"
    );
    let words: String = all
        .iter()
        .filter_map(|n| n["text"].as_str())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(words.contains("Commission on Narcotic Drugs"), "{words}");

    // Our own export of it, uploaded back as a revised text: the same tree, every id kept, so
    // the redline shows nothing changed.
    let exported = request(
        "GET",
        &server.url("/v1/processes/cnd/documents/resolution/versions/1?format=akn"),
        Some(&chair),
        &[],
        None,
    )
    .expect(200);
    let exported = String::from_utf8(exported.bytes).expect("UTF-8 XML");
    post(
        &server,
        "/v1/processes/cnd/documents/resolution/versions",
        &chair,
        &json!({"label": "Rev. 1", "source": {"format": "akn", "text": exported}}),
    )
    .expect(201);
    let redline = get(
        &server,
        "/v1/processes/cnd/documents/resolution/redline?from=1&to=2",
        &chair,
    )
    .expect(200)
    .json();
    let changed: Vec<&Value> = redline["redline"]["nodes"]
        .as_array()
        .expect("redline nodes")
        .iter()
        .filter(|n| n["status"] != "unchanged")
        .collect();
    assert!(changed.is_empty(), "nothing changed, yet: {changed:?}");

    // XML is not Markdown: refused, saying which format to send.
    let refused = post(
        &server,
        documents,
        &chair,
        &json!({"slug": "wrong", "title": "Sent as Markdown",
                "source": {"format": "markdown", "text": un}}),
    )
    .expect(422)
    .json();
    assert!(
        refused["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("akn"),
        "{refused}"
    );
    // Not Akoma Ntoso: refused, naming what was found.
    let refused = post(
        &server,
        documents,
        &chair,
        &json!({"slug": "html", "title": "A web page",
                "source": {"format": "akn", "text": "<html><body><p>Hello</p></body></html>"}}),
    )
    .expect(422)
    .json();
    assert!(
        refused["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("html"),
        "{refused}"
    );
    get(
        &server,
        "/v1/processes/cnd/documents/wrong/versions/1",
        &chair,
    )
    .expect(404);
}

both_backends!(emphasis_comes_in_as_marks_and_goes_out_as_formatting);

/// Markdown's `**bold**` and `*italic*` are read into the version's marks, not kept as text;
/// every output writes them as its own formatting; JSON whose marks do not fit their text is
/// refused, saying what to fix, and nothing is written.
fn emphasis_comes_in_as_marks_and_goes_out_as_formatting(db: &TestDb) {
    let server = Server::start(db);
    let admin = token("admin", None);
    let chair = token("chair", Some("TR"));
    post(
        &server,
        "/v1/processes",
        &admin,
        &json!({"slug": "bp", "title": "Budapest Process",
                "delegations": [{"code": "TR", "name": "Türkiye", "kind": "state", "function": "chair"}]}),
    )
    .expect(201);
    let documents = "/v1/processes/bp/documents";
    let markdown = "Adopt the priorities:\n\n- **Priority 1:** Prevent *irregular* migration;\n- 5 * 3 stays as written.\n";
    post(
        &server,
        documents,
        &chair,
        &json!({"slug": "declaration", "title": "Declaration",
                "source": {"format": "markdown", "text": markdown}}),
    )
    .expect(201);
    let base = "/v1/processes/bp/documents/declaration/versions/1";
    let version = get(&server, base, &chair).expect(200).json();
    let all = nodes(&version);
    let priority = all
        .iter()
        .find(|n| {
            n["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("Priority 1:"))
        })
        .unwrap_or_else(|| panic!("the first priority without asterisks: {version}"));
    assert_eq!(
        priority["marks"],
        json!([{"start": 0, "end": 11, "kind": "bold"}, {"start": 20, "end": 29, "kind": "italic"}]),
        "{priority}"
    );
    assert!(
        all.iter()
            .any(|n| n["text"] == "5 * 3 stays as written." && n.get("marks").is_none()),
        "a literal asterisk stays text: {version}"
    );

    let body = |format: &str| {
        let response = request(
            "GET",
            &server.url(&format!("{base}?format={format}")),
            Some(&chair),
            &[],
            None,
        )
        .expect(200);
        String::from_utf8(response.bytes).expect("UTF-8")
    };
    let html = body("html");
    assert!(
        html.contains("<strong>Priority 1:</strong> Prevent <em>irregular</em> migration;"),
        "{html}"
    );
    let akn = body("akn");
    assert!(
        akn.contains("<b>Priority 1:</b> Prevent <i>irregular</i> migration;"),
        "{akn}"
    );
    let md = body("md");
    assert!(
        md.contains("**Priority 1:** Prevent *irregular* migration;"),
        "{md}"
    );
    assert!(md.contains("5 \\* 3 stays as written."), "{md}");

    // The API's own Markdown, sent back as a revised text, is the same text: nothing changed.
    post(
        &server,
        "/v1/processes/bp/documents/declaration/versions",
        &chair,
        &json!({"label": "Rev. 1", "source": {"format": "markdown", "text": md}}),
    )
    .expect(201);
    let again = get(
        &server,
        "/v1/processes/bp/documents/declaration/versions/2",
        &chair,
    )
    .expect(200)
    .json();
    let marks = |version: &Value| -> Vec<Value> {
        nodes(version)
            .iter()
            .map(|n| json!([n["text"], n["marks"]]))
            .collect()
    };
    assert_eq!(marks(&again), marks(&version));

    // Marks beyond their text: refused with what to fix.
    let mut document = version["document"].clone();
    document["nodes"][0]["marks"] = json!([{"start": 0, "end": 999, "kind": "bold"}]);
    let refused = post(
        &server,
        documents,
        &chair,
        &json!({"slug": "misfit", "title": "Misfit",
                "source": {"format": "json", "text": document.to_string()}}),
    )
    .expect(422)
    .json();
    assert!(
        refused["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("marks within their node's text"),
        "{refused}"
    );
    get(
        &server,
        "/v1/processes/bp/documents/misfit/versions/1",
        &chair,
    )
    .expect(404);
}
