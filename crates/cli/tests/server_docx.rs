//! A delegation's Word file as its submission, against the real binary on SQLite and
//! PostgreSQL: the delegate downloads the round's base version as DOCX, edits it in LibreOffice
//! with change recording on (`scripts/docx-edit.py`, through UNO), checks what penholder
//! understood with `?dry_run=true` (nothing stored), submits it and gets the receipt a JSON
//! submission gets. Also: a file edited without tracking, a file penholder did not write, and
//! hostile files (not a .docx, a zip bomb, XML entities), each refused with a problem document
//! and nothing stored.

mod server_support;

use serde_json::{Value, json};
use server_support::*;
use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const SUBMISSION: &str = "/v1/processes/budapest-7mc/rounds/1/submissions/AT";

/// A process with the Declaration as version 1 and an open round on it; the chair's token.
fn open_round(server: &Server) {
    let admin = token("admin", None);
    let chair = token("chair", Some("TR"));
    post(
        server,
        "/v1/processes",
        &admin,
        &json!({"slug": "budapest-7mc", "title": "Budapest Process",
        "delegations": [
            {"code": "TR", "name": "Türkiye", "kind": "state", "function": "chair"},
            {"code": "AT", "name": "Austria", "kind": "state"},
            {"code": "DE", "name": "Germany", "kind": "state"}
        ]}),
    )
    .expect(201);
    post(
        server,
        "/v1/processes/budapest-7mc/documents",
        &chair,
        &json!({"slug": "declaration", "title": "Ministerial Declaration",
                "label": "Zero draft", "source": {"format": "json", "text": fixture("declaration.json")}}),
    )
    .expect(201);
    post(
        server,
        "/v1/processes/budapest-7mc/rounds",
        &chair,
        &json!({"document": "declaration", "label": "Written feedback",
                "opens_at": from_now(3600), "closes_at": from_now(7200)}),
    )
    .expect(201);
    post(
        server,
        "/v1/processes/budapest-7mc/rounds/1/open",
        &chair,
        &json!({}),
    )
    .expect(200);
}

fn put_docx(server: &Server, path: &str, token: &str, bytes: &[u8]) -> Answer {
    request(
        "PUT",
        &server.url(path),
        Some(token),
        &[("content-type", DOCX)],
        Some(bytes),
    )
}

/// The id and text of every top-level node of version 1 (the Declaration's paragraphs).
fn texts(server: &Server, token: &str) -> Vec<(String, String)> {
    let v1 = get(
        server,
        "/v1/processes/budapest-7mc/documents/declaration/versions/1",
        token,
    )
    .expect(200)
    .json();
    v1["document"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| {
            (
                n["id"].as_str().unwrap_or("").to_string(),
                n["text"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn id_of(texts: &[(String, String)], start: &str) -> String {
    texts
        .iter()
        .find(|(_, t)| t.starts_with(start))
        .map(|(id, _)| id.clone())
        .unwrap_or_else(|| panic!("no node starts with {start}"))
}

fn text_of(texts: &[(String, String)], start: &str) -> String {
    texts
        .iter()
        .find(|(_, t)| t.starts_with(start))
        .map(|(_, t)| t.clone())
        .unwrap_or_else(|| panic!("no node starts with {start}"))
}

/// The package with `word/document.xml` changed by `edit`, `extra` parts added (or put in
/// place of the package's own), every other part as it was.
fn with_document(bytes: &[u8], edit: impl Fn(&str) -> String, extra: &[(&str, &str)]) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a package");
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).expect("entry");
        let name = entry.name().to_string();
        if extra.iter().any(|(replaced, _)| *replaced == name) {
            continue;
        }
        let mut content = Vec::new();
        entry.read_to_end(&mut content).expect("read");
        if name == "word/document.xml" {
            content = edit(&String::from_utf8(content).expect("utf-8")).into_bytes();
        }
        writer.start_file(name, options).expect("start");
        writer.write_all(&content).expect("write");
    }
    for (name, content) in extra {
        writer.start_file(*name, options).expect("start");
        writer.write_all(content.as_bytes()).expect("write");
    }
    writer.finish().expect("finish").into_inner()
}

/// `xml` with a comment range `id` around the run holding `words`.
fn comment_on(xml: &str, words: &str, id: u32) -> String {
    let at = xml.find(words).expect("the words");
    let run = xml[..at]
        .rfind("<w:r>")
        .or_else(|| xml[..at].rfind("<w:r "))
        .expect("a run");
    let end = at + xml[at..].find("</w:r>").expect("its end") + "</w:r>".len();
    format!(
        "{}<w:commentRangeStart w:id=\"{id}\"/>{}<w:commentRangeEnd w:id=\"{id}\"/><w:r><w:commentReference w:id=\"{id}\"/></w:r>{}",
        &xml[..run],
        &xml[run..end],
        &xml[end..]
    )
}

fn package(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in parts {
        writer.start_file(*name, options).expect("start");
        writer.write_all(content).expect("write");
    }
    writer.finish().expect("finish").into_inner()
}

fn items(answer: &Answer) -> Vec<Value> {
    answer.json()["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

both_backends!(
    a_docx_edited_with_tracked_changes_in_libreoffice_is_a_submission,
    a_docx_edited_without_tracking_or_not_written_by_penholder_is_understood,
    hostile_word_files_are_refused_and_nothing_is_stored,
    the_chair_uploads_a_revised_docx_as_the_next_version
);

fn uno_available() -> bool {
    let found = Command::new("/usr/bin/python3")
        .args(["-c", "import uno"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found && std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("LibreOffice's UNO is required on CI: install python3-uno");
    }
    if !found {
        eprintln!("SKIPPED: install libreoffice-writer-nogui and python3-uno to run this test");
    }
    found
}

fn a_docx_edited_with_tracked_changes_in_libreoffice_is_a_submission(db: &TestDb) {
    if !uno_available() {
        return;
    }
    let server = Server::start(db);
    open_round(&server);
    let at = token("delegate", Some("AT"));
    let base = texts(&server, &at);
    let docx = get(
        &server,
        "/v1/processes/budapest-7mc/documents/declaration/versions/1?format=docx",
        &at,
    )
    .expect(200)
    .bytes;

    // The delegate's edit, in LibreOffice with change recording on.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (input, output, edits) = (
        dir.path().join("v1.docx"),
        dir.path().join("at.docx"),
        dir.path().join("edits.json"),
    );
    std::fs::write(&input, &docx).expect("write");
    std::fs::write(
        &edits,
        r#"[{"op": "author", "name": "Austria"},
            {"op": "replace", "find": "timely initiative", "with": "valuable initiative"},
            {"op": "delete", "paragraph": "Gathered in Budapest"},
            {"op": "insert_after", "paragraph": "Affirming the need for a renewed political commitment",
             "text": "Stressing the importance of evidence-based policies;"}]"#,
    )
    .expect("write");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/docx-edit.py");
    let run = Command::new("timeout")
        .arg("180")
        .arg("/usr/bin/python3")
        .arg(script)
        .args([&input, &output, &edits])
        .output()
        .expect("the script");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let edited = std::fs::read(&output).expect("the edited file");

    let expected = json!([
        {"kind": "delete", "node": id_of(&base, "Gathered in Budapest")},
        {"kind": "amend", "node": id_of(&base, "Thanking"),
         "text": text_of(&base, "Thanking").replace("timely initiative", "valuable initiative")},
        {"kind": "insert", "after": id_of(&base, "Affirming the need"),
         "text": "Stressing the importance of evidence-based policies;"},
    ]);
    let dry = put_docx(&server, &format!("{SUBMISSION}?dry_run=true"), &at, &edited).expect(200);
    let with_flags: Vec<Value> = expected
        .as_array()
        .expect("items")
        .iter()
        .map(|item| {
            let mut item = item.clone();
            item["flags"] = json!(["tracked"]);
            item
        })
        .collect();
    assert_eq!(
        Value::Array(items(&dry)),
        Value::Array(with_flags),
        "exactly the intended items, word for word, each found in the tracked changes"
    );
    get(&server, SUBMISSION, &at).expect(404);

    let receipt = put_docx(&server, SUBMISSION, &at, &edited)
        .expect(201)
        .json();
    assert_eq!(receipt["revision"], 1);
    assert_eq!(receipt["items"], 3);
    assert_eq!(
        receipt["flags"],
        json!([["tracked"], ["tracked"], ["tracked"]])
    );
    let stored = get(&server, SUBMISSION, &at).expect(200).json();
    assert_eq!(stored["body"]["items"], expected);
    assert_eq!(stored["items"].as_array().map(Vec::len), Some(3));
    assert_eq!(stored["flags"], receipt["flags"], "the flags are kept");
}

fn a_docx_edited_without_tracking_or_not_written_by_penholder_is_understood(db: &TestDb) {
    let server = Server::start(db);
    open_round(&server);
    let at = token("delegate", Some("AT"));
    let base = texts(&server, &at);
    let docx = get(
        &server,
        "/v1/processes/budapest-7mc/documents/declaration/versions/1?format=docx",
        &at,
    )
    .expect(200)
    .bytes;

    // Words typed over without change tracking, and two comments added to the saved XML (as
    // Word writes them): one where the words changed (the amendment's justification), one on
    // an unchanged paragraph (a comment item).
    let comments = r#"<w:comments xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:comment w:id="90" w:author="Austria"><w:p><w:r><w:t>More accurate.</w:t></w:r></w:p></w:comment><w:comment w:id="91" w:author="Austria"><w:p><w:r><w:t>Which date?</w:t></w:r></w:p></w:comment></w:comments>"#;
    let untracked = with_document(
        &docx,
        |xml| {
            assert!(xml.contains("timely initiative"));
            let xml = comment_on(xml, "timely initiative", 90);
            let xml = comment_on(&xml, "in Budapest on", 91);
            xml.replacen("timely initiative", "valuable initiative", 1)
        },
        &[("word/comments.xml", comments)],
    );
    let dry = put_docx(
        &server,
        &format!("{SUBMISSION}?dry_run=true"),
        &at,
        &untracked,
    )
    .expect(200);
    assert_eq!(
        Value::Array(items(&dry)),
        json!([
            {"kind": "comment", "node": id_of(&base, "Gathered in Budapest"), "text": "Which date?", "flags": ["tracked"]},
            {"kind": "amend", "node": id_of(&base, "Thanking"),
             "text": text_of(&base, "Thanking").replace("timely initiative", "valuable initiative"),
             "justification": "More accurate.", "flags": ["untracked"]}
        ])
    );

    // A file written from scratch by another author with a tracked change: no ids, matched by
    // its words.
    let paragraph =
        |text: &str| format!("<w:p><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>");
    let thanking = text_of(&base, "Thanking");
    let (head, tail) = thanking.split_once("timely").expect("timely");
    let mut body = String::new();
    for (_, text) in base.iter().take(8) {
        if text.starts_with("Thanking") {
            body.push_str(&format!(
                "<w:p><w:r><w:t xml:space=\"preserve\">{head}</w:t></w:r><w:del w:id=\"1\" w:author=\"Someone\"><w:r><w:delText>timely</w:delText></w:r></w:del><w:ins w:id=\"2\" w:author=\"Someone\"><w:r><w:t>valuable</w:t></w:r></w:ins><w:r><w:t xml:space=\"preserve\">{tail}</w:t></w:r></w:p>"
            ));
        } else {
            body.push_str(&paragraph(&text.replace('&', "&amp;").replace('<', "&lt;")));
        }
    }
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    );
    let scratch = package(&[("word/document.xml", document.as_bytes())]);
    let dry = put_docx(
        &server,
        &format!("{SUBMISSION}?dry_run=true"),
        &at,
        &scratch,
    )
    .expect(200);
    let understood = items(&dry);
    assert_eq!(
        understood.first(),
        Some(&json!({"kind": "amend", "node": id_of(&base, "Thanking"),
                     "text": thanking.replace("timely", "valuable"),
                     "flags": ["tracked", "matched_by_text"]}))
    );
    // The paragraphs the file does not have are proposed for deletion, each matched by text.
    assert!(understood[1..].iter().all(|i| i["kind"] == "delete"
        && i["flags"] == json!(["untracked", "matched_by_text"])));
    get(&server, SUBMISSION, &at).expect(404);

    // Submitted, the untracked edit keeps its flag: in the receipt and in the stored revision.
    let receipt = put_docx(&server, SUBMISSION, &at, &untracked)
        .expect(201)
        .json();
    assert_eq!(receipt["flags"], json!([["tracked"], ["untracked"]]));
    let stored = get(&server, SUBMISSION, &at).expect(200).json();
    assert_eq!(stored["flags"], receipt["flags"]);
    assert!(
        stored["body"]["items"][1].get("flags").is_none(),
        "the body is the items' JSON"
    );
}

fn hostile_word_files_are_refused_and_nothing_is_stored(db: &TestDb) {
    let server = Server::start(db);
    open_round(&server);
    let at = token("delegate", Some("AT"));
    let bomb_document = format!(
        r#"<w:document xmlns:w="w"><w:body><w:p>{}</w:p></w:body></w:document>"#,
        " ".repeat(8 << 20)
    );
    let xxe = r#"<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><w:document xmlns:w="w"><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>"#;
    let deep = format!(
        r#"<w:document xmlns:w="w"><w:body>{}{}</w:body></w:document>"#,
        "<w:sdt>".repeat(10_000),
        "</w:sdt>".repeat(10_000)
    );
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            ".doc",
            vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0],
            "Word 97-2003",
        ),
        ("PDF", b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n".to_vec(), "PDF"),
        (
            "text",
            b"Dear chair, our amendments are below.\n".to_vec(),
            "not a .docx",
        ),
        (
            "zip bomb",
            package(&[("word/document.xml", bomb_document.as_bytes())]),
            "too large",
        ),
        (
            "XXE",
            package(&[("word/document.xml", xxe.as_bytes())]),
            "DOCTYPE",
        ),
        (
            "deep nesting",
            package(&[("word/document.xml", deep.as_bytes())]),
            "nested",
        ),
        (
            "missing parts",
            package(&[("xl/workbook.xml", b"<workbook/>")]),
            "word/document.xml",
        ),
    ];
    for (what, bytes, says) in cases {
        let answer = put_docx(&server, SUBMISSION, &at, &bytes);
        assert!(
            (400..500).contains(&answer.status),
            "{what}: {} {}",
            answer.status,
            String::from_utf8_lossy(&answer.bytes)
        );
        assert_eq!(
            answer.content_type.as_deref(),
            Some("application/problem+json"),
            "{what}"
        );
        let detail = answer.json()["detail"].as_str().unwrap_or("").to_string();
        assert!(detail.contains(says), "{what}: {detail}");
    }
    get(&server, SUBMISSION, &at).expect(404);
}

fn post_docx(server: &Server, path: &str, token: &str, bytes: &[u8]) -> Answer {
    request(
        "POST",
        &server.url(path),
        Some(token),
        &[("content-type", DOCX)],
        Some(bytes),
    )
}

/// The chair's revised text as a Word file: version 1's own DOCX with a word changed and a
/// paragraph added (tracking off) becomes version 2, every node keeping its id; a file with a
/// tracked change still pending is refused (422) with the change listed, and nothing stored.
fn the_chair_uploads_a_revised_docx_as_the_next_version(db: &TestDb) {
    let server = Server::start(db);
    open_round(&server);
    let chair = token("chair", Some("TR"));
    let base = texts(&server, &chair);
    let versions = "/v1/processes/budapest-7mc/documents/declaration/versions";
    let docx = get(&server, &format!("{versions}/1?format=docx"), &chair)
        .expect(200)
        .bytes;

    let pending = with_document(
        &docx,
        |xml| {
            xml.replacen(
                "timely initiative",
                "timely</w:t></w:r><w:ins w:id=\"7\" w:author=\"Austria\"><w:r><w:t xml:space=\"preserve\"> and valuable</w:t></w:r></w:ins><w:r><w:t xml:space=\"preserve\"> initiative",
                1,
            )
        },
        &[],
    );
    let refused = post_docx(
        &server,
        &format!("{versions}?label=Rev.%201"),
        &chair,
        &pending,
    );
    assert_eq!(
        refused.status,
        422,
        "{}",
        String::from_utf8_lossy(&refused.bytes)
    );
    assert_eq!(
        refused.content_type.as_deref(),
        Some("application/problem+json")
    );
    let detail = refused.json()["detail"].as_str().unwrap_or("").to_string();
    assert!(detail.contains("accept or reject them first"), "{detail}");
    assert!(
        detail.contains("insertion by Austria: “and valuable”"),
        "{detail}"
    );
    let without_label = post_docx(&server, versions, &chair, &docx);
    assert_eq!(without_label.status, 400);
    let document = get(
        &server,
        "/v1/processes/budapest-7mc/documents/declaration",
        &chair,
    )
    .expect(200)
    .json();
    assert_eq!(document["latest_version"], 1, "nothing stored");

    let revised = with_document(
        &docx,
        |xml| {
            let xml = xml.replacen("timely initiative", "valuable initiative", 1);
            let at = xml.find("in Budapest on").expect("the paragraph");
            let end = at + xml[at..].find("</w:p>").expect("its end") + "</w:p>".len();
            format!(
                "{}<w:p><w:r><w:t>Welcoming the chairmanship's new paragraph;</w:t></w:r></w:p>{}",
                &xml[..end],
                &xml[end..]
            )
        },
        &[],
    );
    let uploaded = post_docx(
        &server,
        &format!("{versions}?label=Rev.%201"),
        &chair,
        &revised,
    )
    .expect(201)
    .json();
    assert_eq!(uploaded["version"]["number"], 2);
    let v2 = get(&server, &format!("{versions}/2"), &chair)
        .expect(200)
        .json();
    let nodes = v2["document"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), base.len() + 1);
    let thanking = id_of(&base, "Thanking");
    let amended = nodes
        .iter()
        .find(|n| n["id"] == thanking.as_str())
        .expect("kept");
    assert_eq!(
        amended["text"].as_str(),
        Some(
            text_of(&base, "Thanking")
                .replace("timely initiative", "valuable initiative")
                .as_str()
        )
    );
    let gathered = nodes
        .iter()
        .position(|n| n["id"] == id_of(&base, "Gathered in Budapest").as_str())
        .expect("kept");
    assert_eq!(
        nodes[gathered + 1]["text"],
        "Welcoming the chairmanship's new paragraph;"
    );
    assert!(
        base.iter()
            .all(|(id, _)| nodes.iter().any(|n| n["id"] == id.as_str()))
    );

    // The document's symbol, set by the chair, is in the footer of its Word files; the
    // redline's subtitle names the versions by their labels.
    let symbol = "/v1/processes/budapest-7mc/documents/declaration/symbol";
    let at = token("delegate", Some("AT"));
    let refused = request(
        "PUT",
        &server.url(symbol),
        Some(&at),
        &[],
        Some(br#"{"symbol": "8056/24"}"#),
    );
    assert_eq!(refused.status, 403, "a delegate sets no symbol");
    let empty = request(
        "PUT",
        &server.url(symbol),
        Some(&chair),
        &[],
        Some(br#"{"symbol": " "}"#),
    );
    assert_eq!(empty.status, 422);
    let set = request(
        "PUT",
        &server.url(symbol),
        Some(&chair),
        &[],
        Some(br#"{"symbol": "8056/24"}"#),
    )
    .expect(200)
    .json();
    assert_eq!(set["symbol"], "8056/24");
    let redline = get(
        &server,
        "/v1/processes/budapest-7mc/documents/declaration/redline?from=1&to=2&format=docx",
        &chair,
    )
    .expect(200)
    .bytes;
    let (document_xml, footers) = parts_of(&redline);
    assert!(
        document_xml.contains("Zero draft \u{2192} Rev. 1"),
        "the subtitle"
    );
    assert!(footers.contains("8056/24"), "{footers}");
    assert!(footers.contains("Zero draft \u{2192} Rev. 1"), "{footers}");
    let version = get(&server, &format!("{versions}/2?format=docx"), &chair)
        .expect(200)
        .bytes;
    assert!(parts_of(&version).1.contains("8056/24"));
}

/// A package's `word/document.xml`, and its footers' XML together.
fn parts_of(bytes: &[u8]) -> (String, String) {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a package");
    let (mut document, mut footers) = (String::new(), String::new());
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).expect("entry");
        let name = entry.name().to_string();
        let mut text = String::new();
        entry.read_to_string(&mut text).unwrap_or_default();
        if name == "word/document.xml" {
            document = text;
        } else if name.starts_with("word/footer") {
            footers.push_str(&text);
        }
    }
    (document, footers)
}
