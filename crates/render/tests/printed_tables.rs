//! The dispositions workbook as the secretariat prints it: landscape, every column on the
//! page's width, the header row on every page, rows as tall as their wrapped text. Read from
//! the workbook's XML, and printed through LibreOffice Calc to PDF whose text (`pdftotext`)
//! must hold every row, on page 3 and after too.

mod common;

use common::office::{convert, parse, soffice_available};
use common::*;
use penholder_render::dispositions;
use std::process::Command;

fn part(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an xlsx package");
    let mut text = String::new();
    archive
        .by_name(name)
        .expect("the part")
        .read_to_string(&mut text)
        .expect("UTF-8");
    text
}

/// A round's table long enough to fill several pages: the test negotiation's rows, many times
/// over, each with a justification of a few lines.
fn many_rows() -> Vec<penholder_render::Disposition> {
    let n = negotiation();
    let rows = dispositions::dispositions(&n.record(), &context());
    let mut out = Vec::new();
    for copy in 0..12 {
        for row in &rows {
            let mut row = row.clone();
            row.id = format!("{}-x{copy}", row.id);
            row.comment = format!(
                "{} {}",
                row.comment,
                "The delegation explains its proposal at some length, as delegations do. "
                    .repeat(3)
            );
            out.push(row);
        }
    }
    out
}

#[test]
fn the_workbook_is_set_up_for_printing() {
    let rows = many_rows();
    let bytes = dispositions::xlsx(&rows, &context(), "Round 1").expect("xlsx");
    let sheet = parse(&part(&bytes, "xl/worksheets/sheet1.xml"));
    let setup = sheet.descendants("pageSetup");
    let setup = setup.first().expect("a page setup");
    assert_eq!(setup.attribute("orientation"), Some("landscape"));
    assert_eq!(
        setup.attribute("fitToHeight"),
        Some("0"),
        "as many pages down as needed"
    );
    assert_eq!(setup.attribute("paperSize"), Some("9"), "A4");
    assert!(
        sheet
            .descendants("pageSetUpPr")
            .iter()
            .any(|p| p.attribute("fitToPage") == Some("1")),
        "fitted to the page width"
    );
    let workbook = parse(&part(&bytes, "xl/workbook.xml"));
    let titles: Vec<String> = workbook
        .descendants("definedName")
        .iter()
        .filter(|d| d.attribute("name") == Some("_xlnm.Print_Titles"))
        .map(|d| d.text())
        .collect();
    assert_eq!(titles, ["'Round 1'!$1:$1"], "the header row repeated");
    let heights: Vec<f64> = sheet
        .descendants("row")
        .iter()
        .map(|r| {
            assert_eq!(r.attribute("customHeight"), Some("1"), "every row sized");
            r.attribute("ht")
                .and_then(|h| h.parse().ok())
                .expect("a height")
        })
        .collect();
    assert_eq!(heights.len(), rows.len() + 1);
    assert!(
        heights[1..].iter().all(|h| *h >= 48.0),
        "rows with three lines of justification are at least three lines tall: {heights:?}"
    );
}

/// Whether `pdftotext` (poppler-utils) can be used: required on CI, else the test is skipped.
fn pdftotext_available() -> bool {
    if Command::new("pdftotext").arg("-v").output().is_ok() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("pdftotext is required on CI: install Debian package poppler-utils");
    }
    eprintln!("SKIPPED: pdftotext not found; install poppler-utils");
    false
}

#[test]
fn libreoffice_prints_every_row_readably() {
    if !soffice_available() || !pdftotext_available() {
        return;
    }
    let rows = many_rows();
    let bytes = dispositions::xlsx(&rows, &context(), "Round 1").expect("xlsx");
    let out = convert(&[("dispositions.xlsx", &bytes)], "pdf", "pdf");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let pdf = dir.path().join("dispositions.pdf");
    std::fs::write(&pdf, &out["dispositions.xlsx"]).expect("write the PDF");
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("run pdftotext");
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert!(pages.len() >= 3, "{} pages:\n{text}", pages.len());
    for (number, page) in pages.iter().enumerate() {
        assert!(
            page.contains("Clause/") && page.contains("Proposed change"),
            "page {} repeats the header row:\n{page}",
            number + 1
        );
        // Every column fits the width: the last columns' headings are on every page.
        assert!(
            page.contains("Resulting") && page.lines().any(|line| line.trim() == "Item"),
            "page {} is cut:\n{page}",
            number + 1
        );
    }
    for row in &rows {
        assert!(
            text.contains(&row.id),
            "row {} is not in the printout:\n{text}",
            row.id
        );
    }
    let info = Command::new("pdfinfo")
        .arg(&pdf)
        .output()
        .expect("run pdfinfo");
    let info = String::from_utf8_lossy(&info.stdout).to_string();
    let size = info
        .lines()
        .find_map(|l| l.strip_prefix("Page size:"))
        .expect("a page size");
    let numbers: Vec<f64> = size
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(numbers[0] > numbers[1], "landscape: {size}");
}
