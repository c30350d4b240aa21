//! End to end: the real `penholder` binary serves a temporary database on 127.0.0.1:0, and
//! `penholder replay` plays the whole Budapest negotiation through its HTTP API. Then, from the
//! files the replay wrote: the last version of each document equals the expected Rev. 3 of
//! `fixtures/budapest/expected/` exactly, and every item of every delegation's final submission
//! in every round appears in that round's dispositions (and no refused late attempt does). On
//! SQLite and on PostgreSQL.

mod server_support;

use serde_json::Value;
use server_support::{TestDb, both_backends};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SECRET: &str = "e2e-replay-secret-0123456789abcdef0123456789";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/budapest")
}

/// The server process, stopped when the test ends, however it ends.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(database: &str) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_penholder"))
        .args(["serve", "--addr", "127.0.0.1:0", "--log", "warn", "--db"])
        .arg(database)
        .env("PENHOLDER_JWT_SECRET", SECRET)
        .env_remove("PENHOLDER_JWT_SECRET_FILE")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start penholder serve");
    let stdout = child.stdout.take().expect("the server's standard output");
    // The first line says where the server listens: `penholder listening on http://…`.
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the server's first line");
    let url = line
        .trim()
        .strip_prefix("penholder listening on ")
        .unwrap_or_else(|| panic!("unexpected first line from the server: {line:?}"))
        .to_string();
    Server { child, url }
}

fn read_json(path: &Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

/// Nodes in document order as (depth, reference, kind, text).
type Flat = Vec<(usize, String, String, String)>;

/// The expected form: nested `{ref, kind, text, children}`.
fn flatten_expected(nodes: &Value, depth: usize, out: &mut Flat) {
    for node in nodes.as_array().expect("a node list") {
        let field = |name: &str| node[name].as_str().unwrap_or_default().to_string();
        out.push((depth, field("ref"), field("kind"), field("text")));
        if let Some(children) = node.get("children") {
            flatten_expected(children, depth + 1, out);
        }
    }
}

/// The API's version JSON: the tree under `document` (ids, kinds, texts) and `references`
/// (id → derived reference).
fn flatten_version(version: &Value) -> Flat {
    let references: BTreeMap<&str, &str> = version["references"]
        .as_array()
        .expect("references")
        .iter()
        .map(|r| {
            (
                r["node"].as_str().unwrap_or_default(),
                r["reference"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    fn go(nodes: &Value, depth: usize, references: &BTreeMap<&str, &str>, out: &mut Flat) {
        for node in nodes.as_array().expect("a node list") {
            let id = node["id"].as_str().unwrap_or_default();
            out.push((
                depth,
                references.get(id).copied().unwrap_or("?").to_string(),
                node["kind"].as_str().unwrap_or_default().to_string(),
                node["text"].as_str().unwrap_or_default().to_string(),
            ));
            if let Some(children) = node.get("children") {
                go(children, depth + 1, references, out);
            }
        }
    }
    let mut out = Vec::new();
    go(&version["document"]["nodes"], 0, &references, &mut out);
    out
}

/// `DE.json` → (`DE`, 1), `DE.rev2.json` → (`DE`, 2).
fn submission_file(name: &str) -> Option<(String, u32)> {
    let stem = name.strip_suffix(".json")?;
    match stem.split_once(".rev") {
        Some((code, n)) => Some((code.to_string(), n.parse().ok()?)),
        None if stem.chars().all(|c| c.is_ascii_uppercase()) => Some((stem.to_string(), 1)),
        None => None,
    }
}

/// The number of items of each delegation's final revision in one round folder.
fn final_items(round: &Path) -> BTreeMap<String, usize> {
    let mut finals: BTreeMap<String, (u32, usize)> = BTreeMap::new();
    for entry in std::fs::read_dir(round).expect("list the round") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let Some((code, revision)) = submission_file(name) else {
            continue;
        };
        let items = read_json(&path)["items"].as_array().map_or(0, Vec::len);
        let slot = finals.entry(code).or_insert((0, 0));
        if revision > slot.0 {
            *slot = (revision, items);
        }
    }
    finals
        .into_iter()
        .map(|(code, (_, items))| (code, items))
        .collect()
}

both_backends!(the_budapest_negotiation_replayed_ends_with_the_expected_texts);

fn the_budapest_negotiation_replayed_ends_with_the_expected_texts(db: &TestDb) {
    replay_on(db.arg(), db.scratch());
}

/// The replay through a server on `database` (a file or a PostgreSQL URL), then every check.
fn replay_on(database: &str, scratch: &Path) {
    let started = Instant::now();
    let server = start_server(database);
    let out = scratch.join("out");

    let replay = Command::new(env!("CARGO_BIN_EXE_penholder"))
        .arg("replay")
        .args(["--server", &server.url])
        .arg("--fixtures")
        .arg(fixtures())
        .arg("--out")
        .arg(&out)
        .env("PENHOLDER_JWT_SECRET", SECRET)
        .env_remove("PENHOLDER_JWT_SECRET_FILE")
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run penholder replay");
    let stdout = String::from_utf8_lossy(&replay.stdout);
    assert!(
        replay.status.success(),
        "penholder replay failed ({}):\n{}\n{}",
        replay.status,
        stdout
            .lines()
            .rev()
            .take(15)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n"),
        String::from_utf8_lossy(&replay.stderr)
    );
    assert!(stdout.contains("Summary per round"), "{stdout}");

    // The final texts, as the API served them, equal the expected Rev. 3 exactly.
    for document in ["declaration", "call-for-action"] {
        let version = read_json(&out.join(document).join("4-rev-3.json"));
        let actual = flatten_version(&version);
        let expected_file = fixtures().join("expected").join(format!("{document}.json"));
        let mut expected = Vec::new();
        flatten_expected(&read_json(&expected_file)["nodes"], 0, &mut expected);
        assert_eq!(actual.len(), expected.len(), "{document}: number of nodes");
        for (got, want) in actual.iter().zip(&expected) {
            assert_eq!(got, want, "{document} Rev. 3 at {}", want.1);
        }
    }

    // The numbering concordance and the redline narrowed to DE's changes (with its group's,
    // the EU's), as the replay wrote them.
    let mut marked = 0;
    for document in ["declaration", "call-for-action"] {
        let folder = out.join(document);
        let concordance = read_json(&folder.join("concordance.json"));
        let versions = concordance["versions"].as_array().expect("versions");
        assert_eq!(versions.len(), 4, "{document}: four versions");
        let rows = concordance["rows"].as_array().expect("rows");
        for (column, file) in [(0, "1-zero-draft.json"), (3, "4-rev-3.json")] {
            let version = read_json(&folder.join(file));
            for reference in version["references"].as_array().expect("references") {
                let row = rows
                    .iter()
                    .find(|r| r["node"] == reference["node"])
                    .unwrap_or_else(|| panic!("{document}: no row for {reference}"));
                assert_eq!(
                    row["references"][column], reference["reference"],
                    "{document} {file}"
                );
            }
        }
        for extension in ["html", "md", "csv", "xlsx"] {
            assert!(folder.join(format!("concordance.{extension}")).is_file());
        }
        let filtered = read_json(&folder.join("redline-zero-draft-to-rev-3-DE.json"));
        assert_eq!(filtered["delegation"], "DE");
        let rev3 = flatten_version(&read_json(&folder.join("4-rev-3.json")));
        let mut kept = Vec::new();
        for node in filtered["redline"]["nodes"].as_array().expect("nodes") {
            let mut target = String::new();
            for segment in node["segments"].as_array().expect("segments") {
                if segment["kind"] != "equal" {
                    marked += 1;
                    let theirs = segment["attribution"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|o| o["delegations"].as_array())
                        .flatten()
                        .any(|code| code == "DE" || code == "EU");
                    assert!(theirs, "{document}: a change not DE's is marked: {segment}");
                }
                if segment["kind"] != "delete" {
                    target.push_str(segment["text"].as_str().unwrap_or_default());
                }
            }
            if node["status"] != "deleted" {
                kept.push(target);
            }
        }
        let texts: Vec<&String> = rev3.iter().map(|node| &node.3).collect();
        assert_eq!(
            kept.len(),
            texts.len(),
            "{document}: the filtered redline's nodes"
        );
        for (got, want) in kept.iter().zip(texts) {
            assert_eq!(
                got, want,
                "{document}: the filtered redline gives Rev. 3's text"
            );
        }
        for extension in ["html", "md", "docx"] {
            assert!(
                folder
                    .join(format!("redline-zero-draft-to-rev-3-DE.{extension}"))
                    .is_file()
            );
        }
    }
    assert!(marked > 0, "DE's changes are marked in its redline");

    // Every proposal of every round is in its dispositions; refused late attempts are not.
    let rounds = fixtures().join("rounds");
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&rounds)
        .expect("list the rounds")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(|c: char| c.is_ascii_digit()))
        })
        .collect();
    folders.sort();
    let mut checked = 0;
    for folder in &folders {
        for document in ["declaration", "call-for-action"] {
            let round = folder.join(document);
            let name = folder
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let dispositions = read_json(
                &out.join("rounds")
                    .join(name)
                    .join(document)
                    .join("dispositions.json"),
            );
            let rows = dispositions["rows"].as_array().expect("rows");
            for (code, items) in final_items(&round) {
                for item in 1..=items {
                    assert!(
                        rows.iter().any(|row| row["delegation"] == code.as_str()
                            && row["item"].as_u64() == Some(item as u64)),
                        "{name}/{document}: item {item} of {code} is not in the dispositions"
                    );
                    checked += 1;
                }
            }
            let late = read_json(&round.join("round.json"));
            for attempt in late["late"].as_array().into_iter().flatten() {
                let code = attempt["delegation"].as_str().unwrap_or_default();
                assert!(
                    !rows.iter().any(|row| row["delegation"] == code),
                    "{name}/{document}: the refused late attempt of {code} is in the dispositions"
                );
            }
        }
    }
    // 69 + 59 + 18 + 15 + 18 + 14 items in the six rounds (README-rounds.md).
    assert_eq!(checked, 193);
    word_round(&out);
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "the replay took {:?}",
        started.elapsed()
    );
}

/// The Word round (`crates/cli/src/replay/word.rs`): Austria's file edited in LibreOffice with
/// change tracking on is understood as exactly its three edits, each flagged tracked, and
/// submitted so; the chair's revised Word file becomes version 2 of `declaration-word`, every
/// node of version 1 keeping its id, with the two changes it carries out attributed to Austria.
fn word_round(out: &Path) {
    const GATHERED: &str = "018f557f-f400-7310-9b35-09a0b4cb1de3";
    const THANKING: &str = "018f557f-f400-708b-8194-d2958c968416";
    const AFFIRMING: &str = "018f557f-f400-7910-8da9-f7e1716c33fa";
    let word = out.join("word");
    let v1 = read_json(&out.join("declaration-word").join("1-zero-draft.json"));
    let text_of = |version: &Value, id: &str| -> String {
        fn find<'a>(nodes: &'a Value, id: &str) -> Option<&'a Value> {
            nodes.as_array()?.iter().find_map(|n| {
                (n["id"] == id)
                    .then_some(n)
                    .or_else(|| find(&n["children"], id))
            })
        }
        find(&version["document"]["nodes"], id)
            .and_then(|n| n["text"].as_str())
            .unwrap_or_else(|| panic!("no node {id}"))
            .to_string()
    };
    let thanking = text_of(&v1, THANKING).replace("timely initiative", "valuable initiative");
    let inserted = "Stressing the importance of evidence-based migration policies;";
    let dry_run = read_json(&word.join("at-dry-run.json"));
    assert_eq!(
        dry_run["items"],
        serde_json::json!([
            {"kind": "delete", "node": GATHERED, "flags": ["tracked"]},
            {"kind": "amend", "node": THANKING, "text": thanking, "flags": ["tracked"]},
            {"kind": "insert", "after": AFFIRMING, "text": inserted, "flags": ["tracked"]},
        ]),
        "the items understood from Austria's Word file"
    );
    let receipt = read_json(&word.join("at-receipt.json"));
    assert_eq!(receipt["items"], 3);
    assert_eq!(
        receipt["flags"],
        serde_json::json!([["tracked"], ["tracked"], ["tracked"]])
    );

    let upload = read_json(&word.join("rev1-upload.json"));
    assert_eq!(upload["version"]["number"], 2);
    assert!(
        upload["version"]["round"].as_u64().is_some(),
        "it consolidates the round"
    );
    let v2 = read_json(&out.join("declaration-word").join("2-rev-1.json"));
    assert_eq!(text_of(&v2, THANKING), thanking);
    assert_eq!(
        text_of(&v2, GATHERED),
        text_of(&v1, GATHERED),
        "the chair kept it"
    );
    let top = v2["document"]["nodes"].as_array().expect("nodes");
    let after = top.iter().position(|n| n["id"] == AFFIRMING).expect("kept");
    assert_eq!(top[after + 1]["text"], inserted);
    let (ids_before, ids_after) = (ids(&v1["document"]["nodes"]), ids(&v2["document"]["nodes"]));
    assert!(
        ids_before.iter().all(|id| ids_after.contains(id)),
        "every id kept"
    );
    assert_eq!(ids_after.len(), ids_before.len() + 1);
    let fulfilled = upload["alignment"]["fulfilled"]
        .as_array()
        .expect("fulfilled");
    assert_eq!(fulfilled.len(), 2, "{fulfilled:?}");
}

fn ids(nodes: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for node in nodes.as_array().into_iter().flatten() {
        out.push(node["id"].as_str().unwrap_or_default().to_string());
        out.extend(ids(&node["children"]));
    }
    out
}
