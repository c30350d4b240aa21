//! Synoptic tables against the real binary on both backends: chosen versions of a document
//! side by side (`GET …/synoptic?versions=&labels=&format=`), each cell's changes against the
//! column to its left attributed to the delegations behind them; the EU's four-column layout
//! as the same table with named texts; JSON, HTML, Word (a landscape table) and Excel; bad
//! version numbers, labels and parameters refused as 400 problem documents naming them.

mod server_support;

use serde_json::{Value, json};
use server_support::*;
use std::io::Read;

const P: &str = "/v1/processes/synoptic";

/// The codes behind a cell's segments of `kind`, and their text.
fn changes(cell: &Value, kind: &str) -> (String, Vec<String>) {
    let mut text = String::new();
    let mut codes = Vec::new();
    for segment in cell["segments"].as_array().expect("segments") {
        if segment["kind"] != kind {
            continue;
        }
        text.push_str(segment["text"].as_str().unwrap());
        for origin in segment["attribution"].as_array().into_iter().flatten() {
            for code in origin["delegations"].as_array().into_iter().flatten() {
                codes.push(code.as_str().unwrap().to_string());
            }
        }
    }
    codes.sort();
    codes.dedup();
    (text, codes)
}

fn zip_entry(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a package");
    let mut entry = archive.by_name(name).expect("the entry");
    let mut text = String::new();
    entry.read_to_string(&mut text).expect("UTF-8");
    text
}

both_backends!(synoptic_tables_over_http);

fn synoptic_tables_over_http(db: &TestDb) {
    let server = Server::start(db);
    let admin = token("admin", None);
    let chair = token("chair", Some("TR"));
    let de = token("delegate", Some("DE"));
    let se = token("delegate", Some("SE"));
    let uk = token("delegate", Some("UK"));
    let reviewer = token("reviewer", Some("EMWP"));
    post(
        &server,
        "/v1/processes",
        &admin,
        &json!({"slug": "synoptic", "title": "Synoptic",
                "delegations": [
                    {"code": "TR", "name": "Türkiye", "kind": "state", "function": "chair"},
                    {"code": "DE", "name": "Germany", "kind": "state"},
                    {"code": "SE", "name": "Sweden", "kind": "state"},
                    {"code": "UK", "name": "United Kingdom", "kind": "state"},
                    {"code": "EU", "name": "European Union", "kind": "group", "members": ["DE", "SE"]},
                    {"code": "EMWP", "name": "EU Working Party", "kind": "organisation", "participation": "observer"}
                ]}),
    )
    .expect(201);
    post(
        &server,
        &format!("{P}/documents"),
        &chair,
        &json!({"slug": "cfa", "title": "Call for Action", "label": "Zero draft",
                "source": {"format": "json", "text": fixture("call-for-action.json")}}),
    )
    .expect(201);
    let v1 = get(&server, &format!("{P}/documents/cfa/versions/1"), &de)
        .expect(200)
        .json();
    let node_at = |version: &Value, reference: &str| -> String {
        version["references"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["reference"] == reference)
            .and_then(|r| r["node"].as_str())
            .unwrap_or_else(|| panic!("no {reference}"))
            .to_string()
    };
    fn text_of(nodes: &[Value], id: &str) -> Option<String> {
        nodes.iter().find_map(|n| {
            if n["id"] == id {
                n["text"].as_str().map(str::to_owned)
            } else {
                text_of(
                    n["children"].as_array().map(Vec::as_slice).unwrap_or(&[]),
                    id,
                )
            }
        })
    }
    let pg11 = node_at(&v1, "PG1.1");
    let pg12 = node_at(&v1, "PG1.2");
    let original = text_of(v1["document"]["nodes"].as_array().unwrap(), &pg11).unwrap();
    let further = original.replacen("Strengthen", "Further strengthen", 1);

    // Round 1: DE and SE amend PG1.1 alike, the UK adds an action → Rev. 1.
    let round = |number: u32, submissions: &[(&str, &String, Value)]| {
        post(
            &server,
            &format!("{P}/rounds"),
            &chair,
            &json!({"document": "cfa", "label": format!("Written feedback {number}"),
                    "opens_at": from_now(3600), "closes_at": from_now(7200)}),
        )
        .expect(201);
        post(
            &server,
            &format!("{P}/rounds/{number}/open"),
            &chair,
            &json!({}),
        )
        .expect(200);
        for (code, token, items) in submissions {
            put(
                &server,
                &format!("{P}/rounds/{number}/submissions/{code}"),
                token,
                &json!({ "items": items }),
            )
            .expect(201);
        }
        post(
            &server,
            &format!("{P}/rounds/{number}/close"),
            &chair,
            &json!({}),
        )
        .expect(200);
        post(
            &server,
            &format!("{P}/rounds/{number}/consolidate"),
            &chair,
            &json!({"label": format!("Rev. {number}"), "accept_uncontested": true}),
        )
        .expect(201);
    };
    let amend = json!([{"kind": "amend", "node": "PG1.1", "text": further}]);
    round(
        1,
        &[
            ("DE", &de, amend.clone()),
            ("SE", &se, amend),
            (
                "UK",
                &uk,
                json!([{"kind": "insert", "after": "PG1.2", "text": "Cooperate on the return of persons with no right to stay."}]),
            ),
        ],
    );
    let v2 = get(&server, &format!("{P}/documents/cfa/versions/2"), &de)
        .expect(200)
        .json();
    let new_node = node_at(&v2, "PG1.3");
    // Round 2: DE asks to delete PG1.2 → Rev. 2.
    round(
        2,
        &[("DE", &de, json!([{"kind": "delete", "node": "PG1.2"}]))],
    );

    let synoptic = |query: &str| {
        get(
            &server,
            &format!("{P}/documents/cfa/synoptic{query}"),
            &reviewer,
        )
    };
    // Every version by default, each column headed by its version's label.
    let table = synoptic("").expect(200).json();
    let labels: Vec<&str> = table["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["Zero draft", "Rev. 1", "Rev. 2"]);
    let row = |table: &Value, id: &str| -> Vec<Value> {
        table["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["node"] == id)
            .unwrap_or_else(|| panic!("no row for {id}"))["cells"]
            .as_array()
            .unwrap()
            .clone()
    };
    let amended = row(&table, &pg11);
    assert_eq!(amended[0]["status"], "unchanged");
    assert_eq!(changes(&amended[0], "equal").0, original);
    assert_eq!(amended[1]["status"], "changed");
    let (inserted, codes) = changes(&amended[1], "insert");
    assert!(inserted.contains("Further"), "{inserted:?}");
    assert_eq!(codes, ["DE", "SE"], "the amendment's proposers");
    assert_eq!(amended[2]["status"], "unchanged");
    let added = row(&table, &new_node);
    assert_eq!(added[0], Value::Null, "not in the zero draft");
    assert_eq!(
        (added[1]["status"].as_str(), added[1]["reference"].as_str()),
        (Some("inserted"), Some("PG1.3"))
    );
    assert_eq!(changes(&added[1], "insert").1, ["UK"]);
    assert_eq!(added[2]["reference"], "PG1.2", "renumbered once PG1.2 went");
    let deleted = row(&table, &pg12);
    assert_eq!(deleted[2]["status"], "deleted");
    assert_eq!(deleted[2]["reference"], Value::Null);
    assert_eq!(changes(&deleted[2], "delete").1, ["DE"]);

    // The EU's layout: texts named, any versions in any order; a pair that is not a version
    // and its descendant is marked but not attributed.
    let named = synoptic("?versions=1,3,2&labels=Commission%20proposal%7CCouncil%7C")
        .expect(200)
        .json();
    let columns: Vec<(u64, &str, bool)> = named["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["version"].as_u64().unwrap(),
                c["label"].as_str().unwrap(),
                c["attributed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        columns,
        [
            (1, "Commission proposal", true),
            (3, "Council", true),
            (2, "Rev. 1", false)
        ]
    );
    let back = row(&named, &pg12);
    assert_eq!(back[2]["status"], "inserted", "v3 → v2 brings PG1.2 back");
    assert!(changes(&back[2], "insert").1.is_empty(), "unattributed");

    // The files.
    let html =
        String::from_utf8(synoptic("?format=html&labels=A%7CB%7CC").expect(200).bytes).unwrap();
    assert!(html.contains("<table class=\"synoptic\">"), "{html}");
    assert!(html.contains("<th scope=\"col\">B<br>"), "{html}");
    assert!(
        html.contains("<ins title=") && html.contains("Further"),
        "{html}"
    );
    assert!(html.contains("<sup class=\"by\""), "{html}");
    let word = synoptic("?format=docx").expect(200);
    assert_eq!(
        word.content_type.as_deref(),
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    );
    let xml = zip_entry(&word.bytes, "word/document.xml");
    assert!(xml.contains("w:orient=\"landscape\""), "landscape pages");
    assert!(xml.contains("<w:tbl>"), "a table");
    assert!(
        xml.contains("Further") && xml.contains("[DE SE]"),
        "attributed"
    );
    let excel = synoptic("?format=xlsx").expect(200);
    let strings = zip_entry(&excel.bytes, "xl/sharedStrings.xml");
    assert!(
        strings.contains("Rev. 2") && strings.contains("[UK]"),
        "{strings}"
    );
    synoptic("?format=md").expect(406);

    // Bad versions, labels, parameters: 400 problem documents naming them.
    for (query, named) in [
        ("?versions=1,9", "9"),
        ("?versions=1,x", "\"x\""),
        ("?versions=1,2&labels=a%7Cb%7Cc", "3 labels for 2 columns"),
        ("?version=1", "version"),
    ] {
        let refused = synoptic(query).expect(400);
        assert_eq!(
            refused.content_type.as_deref(),
            Some("application/problem+json")
        );
        let detail = refused.json()["detail"].as_str().unwrap().to_string();
        assert!(detail.contains(named), "{query}: {detail}");
    }
}
