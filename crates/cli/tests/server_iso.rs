//! The ISO/IEC comment template's columns against the real binary on both backends: items
//! submitted with a type of comment (`iso_type`: ge/te/ed) and a locator read back in the
//! dispositions as JSON, CSV (comma and semicolon) and XLSX, in the template's column order;
//! an item without them gets the inferred type, marked so; an unknown type or an overlong
//! locator is a 422 problem document naming what to fix, and nothing is stored.

mod server_support;

use serde_json::{Value, json};
use server_support::*;

const P: &str = "/v1/processes/iso";

/// The template's columns (after our `Id`) and ours, as every table format heads them.
const HEADER: [&str; 15] = [
    "Id",
    "MB",
    "Line number",
    "Clause/Subclause",
    "Paragraph/Figure/Table",
    "Type of comment",
    "Comments",
    "Proposed change",
    "Observations of the secretariat",
    "Decision",
    "Resulting reference",
    "Item",
    "Paragraph status",
    "Reservations held",
    "Spoke for",
];

/// The cells of the first sheet of an XLSX workbook, row by row, as a spreadsheet reads them.
fn workbook_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut workbook =
        calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an XLSX workbook");
    let sheet = workbook.sheet_names()[0].clone();
    let range = workbook.worksheet_range(&sheet).expect("the first sheet");
    range
        .rows()
        .map(|row| row.iter().map(|cell| cell.to_string()).collect())
        .collect()
}

both_backends!(iso_types_and_locators_reach_every_dispositions_format);

fn iso_types_and_locators_reach_every_dispositions_format(db: &TestDb) {
    let server = Server::start(db);
    let admin = token("admin", None);
    let chair = token("chair", Some("TR"));
    let hu = token("delegate", Some("HU"));
    let fr = token("delegate", Some("FR"));
    post(
        &server,
        "/v1/processes",
        &admin,
        &json!({"slug": "iso", "title": "ISO columns",
        "delegations": [
            {"code": "TR", "name": "Türkiye", "kind": "state", "function": "chair"},
            {"code": "HU", "name": "Hungary", "kind": "state"},
            {"code": "FR", "name": "France", "kind": "state"}
        ]}),
    )
    .expect(201);
    post(
        &server,
        &format!("{P}/documents"),
        &chair,
        &json!({"slug": "decl", "title": "Declaration", "label": "Zero draft",
                "source": {"format": "json", "text": fixture("declaration.json")}}),
    )
    .expect(201);
    post(
        &server,
        &format!("{P}/rounds"),
        &chair,
        &json!({"document": "decl", "label": "Written comments",
                "opens_at": from_now(3600), "closes_at": from_now(7200)}),
    )
    .expect(201);
    post(&server, &format!("{P}/rounds/1/open"), &chair, &json!({})).expect(200);

    // A bad type of comment and an overlong locator: 422 like every invalid item (the API's
    // validation problem), naming what to fix; nothing stored.
    let submission = |code: &str| format!("{P}/rounds/1/submissions/{code}");
    let refused = put(
        &server,
        &submission("HU"),
        &hu,
        &json!({"items": [{"kind": "comment", "node": "PP1", "text": "Why?", "iso_type": "major"}]}),
    )
    .expect(422);
    assert_eq!(
        refused.content_type.as_deref(),
        Some("application/problem+json")
    );
    let detail = refused.json()["detail"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        detail.contains("major") && detail.contains("`ge`, `te`, `ed`"),
        "the detail names the allowed values: {detail}"
    );
    let refused = put(
        &server,
        &submission("HU"),
        &hu,
        &json!({"items": [{"kind": "delete", "node": "PP1", "locator": "l. ".repeat(40)}]}),
    )
    .expect(422);
    let body = refused.json().to_string();
    assert!(
        body.contains("locator") && body.contains("100 characters"),
        "{body}"
    );
    get(&server, &submission("HU"), &hu).expect(404);

    put(
        &server,
        &submission("HU"),
        &hu,
        &json!({"items": [
            {"kind": "amend", "node": "OP1", "text": "Agree to meet again, in 2027.",
             "justification": "A date.", "iso_type": "ed", "locator": "l. 2–3"},
            {"kind": "comment", "node": "PP1", "text": "See the table.",
             "iso_type": "ge", "locator": "Table 2"},
            {"kind": "comment", "node": null, "text": "Fine overall."}
        ]}),
    )
    .expect(201);
    put(
        &server,
        &submission("FR"),
        &fr,
        &json!({"items": [{"kind": "delete", "node": "PP2", "justification": "Redundant.",
                           "iso_type": "te"}]}),
    )
    .expect(201);
    // The submission reads back with what the delegation gave.
    let stored = get(&server, &submission("HU"), &hu).expect(200).json();
    let items = stored["items"].as_array().expect("items");
    assert_eq!(items[0]["iso_type"], "ed", "{stored}");
    assert_eq!(items[0]["locator"], "l. 2–3", "{stored}");
    assert!(items[2].get("iso_type").is_none(), "{stored}");
    post(&server, &format!("{P}/rounds/1/close"), &chair, &json!({})).expect(200);

    // JSON: the given type, or the inferred one and that it was inferred; the locator.
    let dispositions = get(&server, &format!("{P}/rounds/1/dispositions"), &chair)
        .expect(200)
        .json();
    let rows = dispositions["rows"].as_array().expect("rows");
    let row = |id: &str| -> &Value {
        rows.iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("no row {id}: {dispositions}"))
    };
    for (id, iso_type, given, locator, item_kind) in [
        ("FR-1", "te", true, "", "delete"),
        ("HU-1", "ed", true, "l. 2–3", "amend"),
        ("HU-2", "ge", true, "Table 2", "comment"),
        ("HU-3", "ge", false, "", "comment"),
    ] {
        let row = row(id);
        assert_eq!(row["iso_type"], iso_type, "{row}");
        assert_eq!(row["iso_type_given"], given, "{row}");
        assert_eq!(row["locator"], locator, "{row}");
        assert_eq!(row["item_kind"], item_kind, "{row}");
    }

    // The same rows in every table format, the template's columns in its order.
    let wanted: Vec<Vec<&str>> = vec![
        HEADER.to_vec(),
        vec!["FR-1", "France", "", "PP2", "", "te", "Redundant."],
        vec!["HU-1", "Hungary", "l. 2–3", "OP1", "", "ed", "A date."],
        vec![
            "HU-2",
            "Hungary",
            "",
            "PP1",
            "Table 2",
            "ge",
            "See the table.",
        ],
        vec![
            "HU-3",
            "Hungary",
            "",
            "general",
            "",
            "ge (inferred)",
            "Fine overall.",
        ],
    ];
    let check = |format: &str, table: Vec<Vec<String>>| {
        assert_eq!(table.len(), wanted.len(), "{format}: {table:?}");
        for (got, want) in table.iter().zip(&wanted) {
            assert_eq!(got.len(), HEADER.len(), "{format}: {got:?}");
            assert_eq!(&got[..want.len()], want.as_slice(), "{format}");
        }
        let item_kinds: Vec<&str> = table[1..].iter().map(|r| r[11].as_str()).collect();
        assert_eq!(
            item_kinds,
            ["delete", "amend", "comment", "comment"],
            "{format}"
        );
    };
    for (query, separator) in [("format=csv", ','), ("format=csv&delimiter=semicolon", ';')] {
        let csv = get(
            &server,
            &format!("{P}/rounds/1/dispositions?{query}"),
            &chair,
        )
        .expect(200);
        let text = String::from_utf8(csv.bytes).expect("UTF-8");
        let text = text.strip_prefix('\u{FEFF}').expect("a byte order mark");
        let table: Vec<Vec<String>> = parse_csv(text, separator);
        check(query, table);
    }
    let xlsx = get(
        &server,
        &format!("{P}/rounds/1/dispositions?format=xlsx"),
        &chair,
    )
    .expect(200);
    check("xlsx", workbook_rows(&xlsx.bytes));
    db.verify_audit("after the ISO submissions");
}

/// RFC 4180 cells (quoted cells may hold the separator, quotes doubled, line breaks).
fn parse_csv(text: &str, separator: char) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, c) if c == separator => row.push(std::mem::take(&mut cell)),
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') => {}
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}
