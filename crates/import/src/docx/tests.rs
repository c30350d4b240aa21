use super::*;
use std::io::Write;

const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

/// A package of the given parts (name, text), deflated.
fn package(parts: &[(&str, &str)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in parts {
        writer.start_file(*name, options).expect("start");
        writer.write_all(text.as_bytes()).expect("write");
    }
    writer.finish().expect("finish").into_inner()
}

fn body(paragraphs: &str) -> String {
    format!(r#"<?xml version="1.0"?><w:document {W}><w:body>{paragraphs}</w:body></w:document>"#)
}

const NODE: &str = "0190c1e2a3b47c5d8e9f00112233aabb";

#[test]
fn a_tracked_edit_reads_as_before_and_after_with_its_node_comments_and_version() {
    let document = body(&format!(
        r#"<w:p><w:bookmarkStart w:id="0" w:name="ph_{NODE}"/><w:r><w:t xml:space="preserve">Welcoming the </w:t></w:r><w:del w:id="1" w:author="Austria" w:date="2024-01-05T10:00:00Z"><w:r><w:delText>first</w:delText></w:r></w:del><w:ins w:id="2" w:author="Austria"><w:r><w:t>revised</w:t></w:r></w:ins><w:commentRangeStart w:id="7"/><w:r><w:t xml:space="preserve"> text &amp; more</w:t></w:r><w:commentRangeEnd w:id="7"/><w:bookmarkEnd w:id="0"/></w:p>
        <w:p><w:pPr><w:rPr><w:ins w:id="3" w:author="Austria"/></w:rPr></w:pPr><w:ins w:id="4" w:author="Austria"><w:r><w:t>A new one.</w:t></w:r></w:ins></w:p>"#
    ));
    let comments = format!(
        r#"<w:comments {W}><w:comment w:id="7" w:author="Austria" w:date="2024-01-05T10:00:00Z"><w:p><w:r><w:t>Clearer.</w:t></w:r></w:p><w:p><w:r><w:t>Second line.</w:t></w:r></w:p></w:comment></w:comments>"#
    );
    let custom = r#"<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="PenholderVersion"><vt:lpwstr>3</vt:lpwstr></property><property fmtid="x" pid="3" name="PenholderVersionHash"><vt:lpwstr>ab12</vt:lpwstr></property></Properties>"#;
    let file = read_docx(&package(&[
        ("word/document.xml", &document),
        ("word/comments.xml", &comments),
        ("docProps/custom.xml", custom),
    ]))
    .expect("reads");
    assert_eq!(file.version, Some(3));
    assert_eq!(file.version_hash.as_deref(), Some("ab12"));
    assert_eq!(file.paragraphs.len(), 2);
    let first = &file.paragraphs[0];
    assert_eq!(first.node, node_of_bookmark(&format!("ph_{NODE}")));
    assert!(first.node.is_some());
    assert_eq!(first.before, "Welcoming the first text & more");
    assert_eq!(first.after, "Welcoming the revised text & more");
    assert_eq!(first.comments, vec![0]);
    assert_eq!(file.comments[0].text, "Clearer.\nSecond line.");
    assert_eq!(
        first
            .changes
            .iter()
            .map(|c| (c.kind, c.author.as_str(), c.text.as_str()))
            .collect::<Vec<_>>(),
        vec![
            (ChangeKind::Deletion, "Austria", "first"),
            (ChangeKind::Insertion, "Austria", "revised")
        ]
    );
    let second = &file.paragraphs[1];
    assert!(second.inserted_whole() && second.mark_inserted && second.node.is_none());
    assert_eq!(file.pending_changes().count(), 4);
}

#[test]
fn bold_and_italic_runs_are_read_as_marks_on_both_sides() {
    let document = body(
        r#"<w:p><w:pPr><w:rPr><w:b/></w:rPr></w:pPr><w:r><w:rPr><w:b/><w:bCs/></w:rPr><w:t xml:space="preserve">Priority 1: </w:t></w:r><w:r><w:t xml:space="preserve">Prevent </w:t></w:r><w:del w:id="1" w:author="A"><w:r><w:rPr><w:i/></w:rPr><w:delText>old</w:delText></w:r></w:del><w:ins w:id="2" w:author="A"><w:r><w:rPr><w:i w:val="true"/><w:b w:val="0"/></w:rPr><w:t>new</w:t></w:r></w:ins><w:r><w:t xml:space="preserve"> text</w:t></w:r></w:p>"#,
    );
    let file = read_docx(&package(&[("word/document.xml", &document)])).expect("reads");
    let paragraph = &file.paragraphs[0];
    let shown = |text: &str, marks: &[InlineMark]| -> Vec<(String, MarkKind)> {
        marks
            .iter()
            .map(|m| (text[m.range()].to_string(), m.kind))
            .collect()
    };
    assert_eq!(paragraph.before, "Priority 1: Prevent old text");
    assert_eq!(
        shown(&paragraph.before, &paragraph.marks_before),
        vec![
            ("Priority 1: ".to_string(), MarkKind::Bold),
            ("old".to_string(), MarkKind::Italic)
        ]
    );
    assert_eq!(
        shown(&paragraph.after, &paragraph.marks_after),
        vec![
            ("Priority 1: ".to_string(), MarkKind::Bold),
            ("new".to_string(), MarkKind::Italic)
        ]
    );
}

#[test]
fn a_paragraph_deleted_whole_and_a_bookmark_before_its_paragraph() {
    let document = body(&format!(
        r#"<w:bookmarkStart w:id="0" w:name="ph_{NODE}"/><w:p><w:pPr><w:rPr><w:del w:id="3" w:author="A"/></w:rPr></w:pPr><w:del w:id="2" w:author="A"><w:r><w:delText>Gone.</w:delText></w:r></w:del></w:p><w:bookmarkEnd w:id="0"/>"#
    ));
    let file = read_docx(&package(&[("word/document.xml", &document)])).expect("reads");
    assert!(file.paragraphs[0].deleted_whole());
    assert!(file.paragraphs[0].node.is_some());
    assert_eq!(file.version, None);
}

#[test]
fn moves_are_read_as_moves() {
    let document = body(
        r#"<w:p><w:moveFrom w:id="1" w:author="B"><w:r><w:t>Moved.</w:t></w:r></w:moveFrom></w:p><w:p><w:moveTo w:id="2" w:author="B"><w:r><w:t>Moved.</w:t></w:r></w:moveTo></w:p>"#,
    );
    let file = read_docx(&package(&[("word/document.xml", &document)])).expect("reads");
    assert_eq!(file.paragraphs[0].before, "Moved.");
    assert_eq!(file.paragraphs[0].after, "");
    assert_eq!(file.paragraphs[0].changes[0].kind, ChangeKind::MovedFrom);
    assert_eq!(file.paragraphs[1].changes[0].kind, ChangeKind::MovedTo);
}

#[test]
fn files_that_are_not_docx_are_named() {
    let cases: [(&[u8], &str); 5] = [
        (
            &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0],
            "Word 97-2003",
        ),
        (b"%PDF-1.7\n", "PDF"),
        (b"Just some text renamed .docx\n", "plain text"),
        (b"", "empty"),
        (b"PK\x03\x04garbage", "damaged"),
    ];
    for (bytes, expected) in cases {
        let error = read_docx(bytes).expect_err("refused").to_string();
        assert!(error.contains(expected), "{error}");
    }
    let no_document = package(&[("xl/workbook.xml", "<workbook/>")]);
    assert!(matches!(
        read_docx(&no_document),
        Err(DocxError::MissingPart { .. })
    ));
}

#[test]
fn entities_and_doctypes_are_refused_never_resolved() {
    let xxe = r#"<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><w:document xmlns:w="w"><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>"#;
    let error = read_docx(&package(&[("word/document.xml", xxe)])).expect_err("refused");
    assert!(error.to_string().contains("DOCTYPE"), "{error}");
    let undeclared = body("<w:p><w:r><w:t>&x;</w:t></w:r></w:p>");
    let error = read_docx(&package(&[("word/document.xml", &undeclared)])).expect_err("refused");
    assert!(error.to_string().contains("&x;"), "{error}");
}

#[test]
fn deep_nesting_is_bounded() {
    let deep = format!(
        "{}{}",
        "<w:sdt>".repeat(100_000),
        "</w:sdt>".repeat(100_000)
    );
    let error = read_docx(&package(&[("word/document.xml", &body(&deep))])).expect_err("refused");
    assert!(error.to_string().contains("nested at most"), "{error}");
}

#[test]
fn zip_bombs_are_refused_by_size_entries_and_ratio() {
    // 5 MB of spaces deflate to about 5 kB: a ratio of a thousand.
    let bomb = body(&format!("<w:p>{}</w:p>", " ".repeat(5 << 20)));
    let error = read_docx(&package(&[("word/document.xml", &bomb)])).expect_err("refused");
    assert!(matches!(error, DocxError::TooLarge { .. }), "{error}");

    let small = Limits {
        entries: 3,
        ..Limits::default()
    };
    let many = package(&[("a", ""), ("b", ""), ("c", ""), ("d", "")]);
    assert!(matches!(
        read_docx_within(&many, small),
        Err(DocxError::TooLarge { .. })
    ));
    let tiny = Limits {
        compressed_bytes: 10,
        ..Limits::default()
    };
    assert!(matches!(
        read_docx_within(&many, tiny),
        Err(DocxError::TooLarge { .. })
    ));
}

#[test]
fn bookmarks_that_are_not_node_ids_are_ignored() {
    assert!(node_of_bookmark("_GoBack").is_none());
    assert!(node_of_bookmark("ph_123").is_none());
    assert!(node_of_bookmark(&format!("ph_{NODE}")).is_some());
}

/// The reference penholder writes before each paragraph (`OP1 `, in its own character style)
/// is a label, not text: an edit of the paragraph reads without it, tracked or not.
#[test]
fn the_reference_before_a_paragraph_is_not_its_text() {
    let document = body(&format!(
        r#"<w:p><w:bookmarkStart w:id="0" w:name="ph_{NODE}"/><w:r><w:rPr><w:rStyle w:val="NodeReference"/></w:rPr><w:t xml:space="preserve">OP1 </w:t></w:r><w:r><w:t xml:space="preserve">We </w:t></w:r><w:ins w:id="1" w:author="A"><w:r><w:t xml:space="preserve">firmly </w:t></w:r></w:ins><w:r><w:t>agree.</w:t></w:r></w:p>
        <w:p><w:pPr><w:rPr><w:rStyle w:val="NodeReference"/></w:rPr></w:pPr><w:r><w:t>Its mark is styled, its text is not.</w:t></w:r></w:p>"#
    ));
    let file = read_docx(&package(&[("word/document.xml", &document)])).expect("reads");
    assert_eq!(file.paragraphs[0].before, "We agree.");
    assert_eq!(file.paragraphs[0].after, "We firmly agree.");
    assert_eq!(
        file.paragraphs[1].after,
        "Its mark is styled, its text is not."
    );
}
