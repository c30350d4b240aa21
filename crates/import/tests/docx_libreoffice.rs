//! The ids penholder embeds in a version's DOCX survive LibreOffice: the file is opened through
//! LibreOffice's UNO API (`scripts/docx-edit.py`), edited with change recording on (words
//! replaced, a paragraph deleted, one inserted) and saved as .docx, then read back with
//! `penholder_import::docx`: every node's paragraph still carries its id, the version's number
//! and hash are still there, and the edits read as exactly what was done.
//!
//! On CI (`CI=true`) the test fails when LibreOffice or Debian's `python3-uno` is missing;
//! locally it is skipped with a message.

use penholder_core::{NodeKind, Version, objects_of};
use penholder_import::docx::{FOOTNOTE_REFERENCE, read_docx};
use std::path::Path;
use std::process::Command;

/// Debian's Python, which `python3-uno` installs into (a pyenv or venv Python lacks `uno`).
const PYTHON: &str = "/usr/bin/python3";

fn uno_available() -> bool {
    let found = Command::new(PYTHON)
        .args(["-c", "import uno"])
        .output()
        .is_ok_and(|o| o.status.success())
        && Command::new("soffice")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if !found && std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!(
            "LibreOffice's UNO is required on CI: install libreoffice-writer-nogui and python3-uno"
        );
    }
    if !found {
        eprintln!("SKIPPED: install libreoffice-writer-nogui and python3-uno to run this test");
    }
    found
}

fn budapest_version() -> Version {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/budapest/declaration.json");
    let text = std::fs::read_to_string(path).expect("the Budapest declaration");
    let document = penholder_import::from_json(&text).expect("a document");
    Version {
        number: 1,
        label: "Zero draft".into(),
        parent: None,
        hash: objects_of(&document).0,
        document,
    }
}

/// A node's text as its paragraph reads: footnote markers are footnote references.
fn as_read(text: &str) -> String {
    text.chars()
        .map(|c| {
            if "¹²³⁴⁵⁶⁷⁸⁹⁰".contains(c) {
                FOOTNOTE_REFERENCE
            } else {
                c
            }
        })
        .collect()
}

#[test]
fn node_ids_and_version_survive_a_tracked_edit_in_libreoffice() {
    if !uno_available() {
        return;
    }
    let version = budapest_version();
    let bytes = penholder_render::docx::version(&version, &penholder_render::Context::default())
        .expect("docx");

    // Penholder's own file first: one paragraph per node, carrying its id.
    let original = read_docx(&bytes).expect("reads");
    assert_eq!(original.version, Some(1));
    assert_eq!(original.version_hash, Some(version.hash.to_hex()));
    let nodes: Vec<_> = version
        .document
        .walk()
        .iter()
        .filter(|v| v.node.kind != NodeKind::Footnote)
        .map(|v| (v.node.id, as_read(&v.node.text)))
        .collect();
    let read: Vec<_> = original
        .paragraphs
        .iter()
        .filter_map(|p| p.node.map(|n| (n, p.after.clone())))
        .collect();
    assert_eq!(read, nodes);

    let dir = tempfile::tempdir().expect("a temporary directory");
    let input = dir.path().join("v1.docx");
    let output = dir.path().join("edited.docx");
    let edits = dir.path().join("edits.json");
    std::fs::write(&input, &bytes).expect("write");
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
        .arg(PYTHON)
        .arg(script)
        .args([&input, &output, &edits])
        .output()
        .expect("run the script");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    let edited = read_docx(&std::fs::read(&output).expect("the saved file")).expect("reads");
    assert_eq!(edited.version, Some(1), "the version property survives");
    assert_eq!(
        edited.version_hash,
        Some(version.hash.to_hex()),
        "the hash survives"
    );
    let ids: Vec<_> = edited.paragraphs.iter().filter_map(|p| p.node).collect();
    let expected: Vec<_> = nodes.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, expected, "every node's bookmark survives, in order");

    let of = |id| {
        edited
            .paragraphs
            .iter()
            .position(|p| p.node == Some(id))
            .expect("its paragraph")
    };
    let pp2 = &version.document.nodes[2];
    assert!(pp2.text.starts_with("Thanking"));
    let paragraph = &edited.paragraphs[of(pp2.id)];
    assert_eq!(paragraph.before, as_read(&pp2.text));
    assert_eq!(
        paragraph.after,
        as_read(&pp2.text.replace("timely initiative", "valuable initiative"))
    );
    assert!(paragraph.changes.iter().all(|c| c.author == "Austria"));

    let pp1 = &version.document.nodes[1];
    assert!(pp1.text.starts_with("Gathered"));
    assert!(edited.paragraphs[of(pp1.id)].deleted_whole());

    let pp4 = version
        .document
        .nodes
        .iter()
        .find(|n| n.text.starts_with("Affirming"))
        .expect("PP4");
    let new = &edited.paragraphs[of(pp4.id) + 1];
    assert_eq!(new.node, None);
    assert!(new.inserted_whole());
    assert_eq!(
        new.after,
        "Stressing the importance of evidence-based policies;"
    );
}
