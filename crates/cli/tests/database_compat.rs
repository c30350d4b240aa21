//! A database written by an earlier penholder opens and reads the same today: for each folder of
//! `fixtures/databases/`, a copy of its database is verified (`audit verify`) and exported again
//! with today's binary, and every export equals, byte for byte, what the penholder that wrote
//! the database exported from it (see `fixtures/databases/README.md`).

mod server_support;

use server_support::run;
use std::path::{Path, PathBuf};

fn databases() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/databases")
}

/// The export arguments that give each golden file of a folder, from its name.
fn export_args(name: &str) -> Option<Vec<String>> {
    let stem = name.strip_suffix(".json")?;
    let owned = |parts: &[&str]| parts.iter().map(|p| p.to_string()).collect();
    if let Some(rest) = stem.strip_prefix("round-") {
        let (round, what) = rest.split_once('-')?;
        return Some(owned(&[what, "-r", round]));
    }
    if let Some((document, range)) = stem.split_once("-redline-") {
        let (from, to) = range.split_once('-')?;
        return Some(owned(&[
            "redline", "-d", document, "--from", from, "--to", to,
        ]));
    }
    let (document, version) = stem.rsplit_once("-v")?;
    Some(owned(&["version", "-d", document, "-n", version]))
}

#[test]
fn databases_written_by_earlier_penholders_read_the_same() {
    let mut folders: Vec<PathBuf> = std::fs::read_dir(databases())
        .expect("fixtures/databases")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.join("penholder.db").exists())
        .collect();
    folders.sort();
    assert!(!folders.is_empty(), "no database fixture found");
    let mut compared = 0;
    for folder in folders {
        let scratch = tempfile::tempdir().expect("a temporary folder");
        let db = scratch.path().join("penholder.db");
        std::fs::copy(folder.join("penholder.db"), &db).expect("copy the database");
        let db_arg = db.to_str().expect("a UTF-8 path").to_string();
        let (ok, out, err) = run(&["audit", "verify", "--db", &db_arg]);
        assert!(ok, "{}: audit verify failed: {out}{err}", folder.display());
        let mut goldens: Vec<PathBuf> = std::fs::read_dir(&folder)
            .expect("the folder")
            .map(|e| e.expect("an entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        goldens.sort();
        for golden in goldens {
            let name = golden.file_name().unwrap().to_string_lossy().to_string();
            let args = export_args(&name).unwrap_or_else(|| panic!("{name}: not an export name"));
            let written = scratch.path().join(&name);
            let mut command = vec![
                "export".to_string(),
                "--db".into(),
                db_arg.clone(),
                "-p".into(),
                "budapest-7mc".into(),
                "-f".into(),
                "json".into(),
                "-o".into(),
                written.to_str().expect("a UTF-8 path").into(),
            ];
            command.extend(args);
            let command: Vec<&str> = command.iter().map(String::as_str).collect();
            let (ok, out, err) = run(&command);
            assert!(ok, "{}/{name}: export failed: {out}{err}", folder.display());
            let expected = std::fs::read(&golden).expect("the golden file");
            let actual = std::fs::read(&written).expect("the export");
            assert!(
                expected == actual || same_but_for_later_additions(&expected, &actual),
                "{}/{name}: today's export differs from the one made when the database was written",
                folder.display()
            );
            compared += 1;
        }
    }
    assert!(compared >= 16, "only {compared} exports compared");
}

/// Whether two JSON exports are the same once the fields added to the format since the
/// golden file was written are taken out of today's: a change's `marshalled` order and its
/// `families` of near-identical alternatives (issue 17); a disposition's ISO type of comment
/// (given or inferred), locator and item kind (issue 14). Everything else must still match.
fn same_but_for_later_additions(expected: &[u8], actual: &[u8]) -> bool {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                map.remove("marshalled");
                map.remove("families");
                // The ISO columns a delegation may give (issue 14), and the state of the text
                // beside each row (issue 16): fields added to the dispositions since.
                for later in [
                    "iso_type",
                    "iso_type_given",
                    "locator",
                    "item_kind",
                    "paragraph_status",
                    "reservations",
                    "spoke_for",
                    "cosponsors",
                    "on_behalf",
                    "paragraphs",
                ] {
                    map.remove(later);
                }
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let (Ok(expected), Ok(mut actual)) = (
        serde_json::from_slice::<serde_json::Value>(expected),
        serde_json::from_slice::<serde_json::Value>(actual),
    ) else {
        return false;
    };
    strip(&mut actual);
    expected == actual
}
