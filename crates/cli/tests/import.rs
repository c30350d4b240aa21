//! `penholder import`, run as the real binary on the real seed and texts.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn penholder(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_penholder"))
        .args(args)
        .output()
        .expect("the penholder binary runs")
}

/// A file under shared/ beside the repository checkout; missing, the test fails loudly.
fn shared(relative: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .join(relative);
    assert!(
        path.exists(),
        "{} is missing: the tests need shared/ beside the repository checkout",
        path.display()
    );
    path
}

fn repository(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

fn text(output: &[u8]) -> String {
    String::from_utf8_lossy(output).into_owned()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_seed_imports_and_gives_the_committed_fixtures() {
    let out = tempfile::tempdir().unwrap();
    let seed = shared("seed/budapest-process-8056-24.txt");
    let output = penholder(&[
        "import",
        "--from",
        "council-note",
        seed.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
        "--id-seed",
        "805624",
        "--id-time",
        "1715126400000",
    ]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    for expected in [
        "Read Council note 8056/24 NOTE LIMITE (Brussels, 8 May 2024)",
        "document \"The Budapest Process Ministerial Declaration\": 46 nodes",
        "paragraph 1, preambular 22, operative 7, item 11, footnote 5",
        "document \"The Budapest Process Call for Action 2025-2030\": 33 nodes",
        "goal 5, action 28",
        " P1 FN1 PP1 ",
        " OP2.f OP3 ",
        " PG5.5",
        "declaration.md",
        "call-for-action.json",
        "note.json",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in\n{stdout}"
        );
    }
    for name in [
        "declaration.md",
        "declaration.json",
        "call-for-action.md",
        "call-for-action.json",
        "note.json",
    ] {
        assert_eq!(
            read(&out.path().join(name)),
            read(&repository(&format!("fixtures/budapest/{name}"))),
            "{name} differs from fixtures/budapest/{name}"
        );
    }
}

#[test]
fn a_structured_file_imports_with_its_ids() {
    let out = tempfile::tempdir().unwrap();
    let fixture = repository("fixtures/budapest/declaration.md");
    let output = penholder(&[
        "import",
        "--from",
        "markdown",
        fixture.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("structured Markdown (ids kept)"));
    assert_eq!(
        read(&out.path().join("declaration.json")),
        read(&repository("fixtures/budapest/declaration.json"))
    );
    assert_eq!(read(&out.path().join("declaration.md")), read(&fixture));
}

#[test]
fn the_basic_law_imports_as_markdown() {
    let out = tempfile::tempdir().unwrap();
    let law = shared("realtexts/de-grundgesetz-versions/02_GG_after_Art93_amendment_2012-08-06.md");
    let output = penholder(&[
        "import",
        "--from",
        "markdown",
        law.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        stdout.contains("front matter (kept aside): Title, jurabk"),
        "{stdout}"
    );
    assert!(stdout.contains("document \"Grundgesetz für die Bundesrepublik Deutschland\""));
    assert!(
        stdout.contains("more"),
        "a long document lists the first references only"
    );
    let stem = "02_GG_after_Art93_amendment_2012-08-06";
    let markdown = read(&out.path().join(format!("{stem}.md")));
    assert!(markdown.starts_with("<!-- penholder document format=1 -->\n"));
    assert!(markdown.contains("num=\"4c.\""));
    assert!(out.path().join(format!("{stem}.json")).exists());
}

#[test]
fn without_out_nothing_is_written() {
    let law = shared("realtexts/oasis-csaf-comment-resolution/01_csaf-v2.0_CSD01_2021-08-05.md");
    let output = penholder(&["import", "--from", "markdown", law.to_str().unwrap()]);
    assert!(output.status.success());
    assert!(text(&output.stdout).contains("nothing written (pass --out DIR"));
}

#[test]
fn a_file_that_is_not_a_council_note_fails_with_the_line_and_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("note.txt");
    std::fs::write(
        &file,
        "The Declaration\n\nWE, the Ministers;\n\nPlan\n\nPriority Goal 2\n",
    )
    .unwrap();
    let output = penholder(&["import", "--from", "council-note", file.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("is not a Council note"), "{stderr}");
    assert!(
        stderr.contains("line 3") || stderr.contains("line 7"),
        "{stderr}"
    );
    assert!(stderr.contains("expected"), "{stderr}");
}

#[test]
fn the_file_being_imported_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("draft.md");
    std::fs::write(&file, "# Draft\n\n1. First point.\n").unwrap();
    let output = penholder(&[
        "import",
        "--from",
        "markdown",
        file.to_str().unwrap(),
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("would overwrite"));
    assert_eq!(read(&file), "# Draft\n\n1. First point.\n");
}

#[test]
fn a_missing_file_is_named() {
    let output = penholder(&["import", "--from", "markdown", "/nonexistent/draft.md"]);
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("cannot read /nonexistent/draft.md"));
}
