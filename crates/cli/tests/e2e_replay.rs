//! End to end: the real `penholder` binary serves a temporary database on 127.0.0.1:0, and
//! `penholder replay` plays the whole Budapest negotiation through its HTTP API. Then, from the
//! files the replay wrote: the last version of each document equals the expected Rev. 3 of
//! `fixtures/budapest/expected/` exactly, and every item of every delegation's final submission
//! in every round appears in that round's dispositions (and no refused late attempt does); the
//! state of the text and the coalitions as the replay played them (`state_and_coalitions`). On
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

    // The seed's bold heads ("**Priority 1:**") are formatting in every output of Rev. 3 and
    // of the redline from the zero draft, never literal asterisks.
    let declaration = out.join("declaration");
    let read = |file: &str| {
        std::fs::read_to_string(declaration.join(file))
            .unwrap_or_else(|e| panic!("read {file}: {e}"))
    };
    for file in ["4-rev-3.html", "redline-zero-draft-to-rev-3.html"] {
        let html = read(file);
        assert!(
            html.contains("<strong>Priority 1:</strong> Prevent"),
            "{file}"
        );
        assert!(!html.contains("**"), "{file} shows literal asterisks");
    }
    // The chair's compilation shows the base wording with its emphasis too.
    let compilation = out
        .join("rounds")
        .join("1-zero-draft")
        .join("declaration")
        .join("compilation.html");
    let compilation = std::fs::read_to_string(&compilation).expect("round 1's compilation");
    assert!(compilation.contains("<strong>Priority 1:</strong>"));
    assert!(!compilation.contains("**Priority"), "literal asterisks");
    let akn = read("4-rev-3.akn.xml");
    assert!(
        akn.contains("<b>Priority 1:</b> Prevent"),
        "4-rev-3.akn.xml"
    );
    assert!(
        !akn.contains("**"),
        "4-rev-3.akn.xml shows literal asterisks"
    );
    for file in ["4-rev-3.md", "redline-zero-draft-to-rev-3.md"] {
        let markdown = read(file);
        assert!(markdown.contains("(a) **Priority 1:** Prevent"), "{file}");
        assert!(
            !markdown.contains("\\*"),
            "{file} escapes literal asterisks"
        );
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
        // The synoptic table: every version side by side, its rows the concordance's, its first
        // and last columns the zero draft's and Rev. 3's texts, a change attributed somewhere.
        let synoptic = read_json(&folder.join("synoptic.json"));
        assert_eq!(
            synoptic["columns"].as_array().expect("columns").len(),
            4,
            "{document}: four columns"
        );
        let table_rows = synoptic["rows"].as_array().expect("rows");
        let row_nodes: Vec<&Value> = table_rows.iter().map(|r| &r["node"]).collect();
        let concordance_nodes: Vec<&Value> = rows.iter().map(|r| &r["node"]).collect();
        assert_eq!(
            row_nodes, concordance_nodes,
            "{document}: rows as the concordance's"
        );
        let cell_text = |cell: &Value| -> String {
            cell["segments"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|s| s["kind"] != "delete")
                .map(|s| s["text"].as_str().unwrap_or_default())
                .collect()
        };
        for (column, file) in [(0, "1-zero-draft.json"), (3, "4-rev-3.json")] {
            let nodes = flatten_version(&read_json(&folder.join(file)));
            for (_, reference, _, text) in &nodes {
                let cell = table_rows
                    .iter()
                    .map(|r| &r["cells"][column])
                    .find(|c| c["reference"] == reference.as_str())
                    .unwrap_or_else(|| panic!("{document}: no synoptic cell for {reference}"));
                assert_eq!(&cell_text(cell), text, "{document} {file} {reference}");
            }
            let cells = table_rows
                .iter()
                .filter(|r| !r["cells"][column]["reference"].is_null())
                .count();
            assert_eq!(cells, nodes.len(), "{document} {file}: one cell per node");
        }
        let attributed = table_rows
            .iter()
            .flat_map(|r| r["cells"].as_array().into_iter().flatten())
            .flat_map(|c| c["segments"].as_array().into_iter().flatten())
            .any(|s| {
                s["kind"] != "equal" && s["attribution"].as_array().is_some_and(|a| !a.is_empty())
            });
        assert!(
            attributed,
            "{document}: the synoptic table attributes its changes"
        );
        for extension in ["html", "docx", "xlsx"] {
            assert!(folder.join(format!("synoptic.{extension}")).is_file());
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

    state_and_coalitions(&stdout, &out);
    word_round(&out);
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "the replay took {:?}",
        started.elapsed()
    );
}

/// The state of the text and the coalitions (issue 16, items 4 and 6), as the replay's summary
/// tells them and its files hold them: paragraphs agreed ad ref. at the Reference Group, a
/// scrutiny reservation carried from round 2 into Rev. 2 and lifted in round 3, the EU's
/// coordinated submission with Hungary dissociating, and the adoption refused once and then
/// done.
fn state_and_coalitions(stdout: &str, out: &Path) {
    let summary = stdout
        .split("State of the text and coalitions")
        .nth(1)
        .unwrap_or_else(|| panic!("no state summary in:\n{stdout}"));
    for told in [
        "Agreed ad ref. at the Reference Group (Istanbul, 7 May 2024)",
        "SR (PL) on OP1: entered in the Reference Group round on Rev. 1",
        "carried from round 2 into Rev. 2 by node id, lifted in round 3",
        "EU coordination in round 3: 27 members agreed to revision 2",
        "HU dissociated from EU-4",
        "EU (except HU)",
        "Adoption of the declaration: refused once",
        "then adopted at version 4",
        "Brackets acted on in round 2 (declaration): GR supported alternative",
        "SE proposed a new wording of alternative",
        "LV withdrew its support of alternative",
        "Brackets resolved by the chair's decisions in round 2 (declaration)",
        "carried over from Rev. 1 and closed by the chair's decision in round 2",
        "and EU-4 dissociated",
        "its scrutiny reservation on OP1, withdrawn",
    ] {
        assert!(
            summary.contains(told),
            "the summary does not tell {told:?}:\n{summary}"
        );
    }

    // The state at the end: every paragraph adopted, with the Reference Group's ad ref. in
    // its history; Poland's reservation entered on Rev. 1 (version 2), withdrawn since.
    let state = read_json(&out.join("declaration").join("state.json"));
    assert_eq!(state["adopted"]["version"], 4, "{}", state["adopted"]);
    let nodes = state["nodes"].as_array().expect("nodes");
    assert!(nodes.iter().all(|n| n["status"] == "adopted"));
    let ad_ref: Vec<&Value> = state["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter(|c| c["status"] == "agreed_ad_ref")
        .collect();
    assert_eq!(ad_ref.len(), 3, "three paragraphs agreed ad ref.");
    assert!(ad_ref.iter().all(|c| {
        c["version"] == 3
            && c["note"]
                .as_str()
                .is_some_and(|n| n.contains("Reference Group"))
    }));
    let reservations = state["reservations"].as_array().expect("reservations");
    assert_eq!(reservations.len(), 1);
    let reservation = &reservations[0];
    assert_eq!(
        (
            &reservation["delegation"],
            &reservation["kind"],
            &reservation["version"],
            &reservation["standing"]
        ),
        (
            &Value::from("PL"),
            &Value::from("scrutiny"),
            &Value::from(2),
            &Value::from(false)
        )
    );
    assert!(out.join("declaration").join("reservations.html").is_file());

    // The Stockholm compilation rolls the EU's support up; Hungary's outcomes roll it down,
    // less the item it dissociated from.
    let round = out
        .join("rounds")
        .join("3-stockholm-som")
        .join("declaration");
    let compilation = read_json(&round.join("compilation.json"));
    let coalitions = &compilation["coalitions"];
    let eu = coalitions["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g["group"] == "EU")
        .expect("the EU's position");
    assert_eq!(eu["agreed"].as_array().map(Vec::len), Some(27));
    assert_eq!(eu["dissociations"][0]["member"], "HU");
    let supporters = coalitions["supporters"].as_array().expect("supporters");
    let labelled = |label: &str| {
        supporters
            .iter()
            .filter(|s| s["label"] == label)
            .collect::<Vec<_>>()
    };
    let whole = labelled("EU (27)");
    let less_hungary = labelled("EU (except HU)");
    assert!(
        !whole.is_empty() && !less_hungary.is_empty(),
        "{supporters:?}"
    );
    let counts = |s: &Value, code: &str| {
        s["counted"]
            .as_array()
            .is_some_and(|c| c.iter().any(|d| d == code))
    };
    assert!(whole.iter().all(|s| counts(s, "HU") && counts(s, "DE")));
    assert!(
        less_hungary
            .iter()
            .all(|s| !counts(s, "HU") && counts(s, "DE"))
    );
    let html = std::fs::read_to_string(round.join("compilation.html")).expect("compilation.html");
    assert!(html.contains("EU (except HU)") && html.contains("EU (27)"));
    let outcomes = read_json(&round.join("outcomes").join("HU.json"));
    let ids: Vec<&str> = outcomes["proposals"]
        .as_array()
        .expect("proposals")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert!(ids.contains(&"HU-1") && ids.contains(&"EU-2"), "{ids:?}");
    // The item it dissociated from is shown as such, with its note; the others via the EU.
    let relation = |id: &str| {
        outcomes["proposals"]
            .as_array()
            .expect("proposals")
            .iter()
            .find(|p| p["id"] == id)
            .map(|p| p["on_behalf"]["relation"].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(relation("EU-4"), "dissociated", "HU dissociated from EU-4");
    assert_eq!(relation("EU-2"), "via_group");
    assert_eq!(relation("HU-1"), Value::Null, "HU's own proposal");
    let html = std::fs::read_to_string(round.join("outcomes").join("HU.html")).expect("HU.html");
    assert!(html.contains("via EU") && html.contains("dissociated from EU&#39;s item"));
    // Poland, which the EU spoke for in round 3, finds the EU's items and its reservation,
    // carried from round 2 and lifted in round 3.
    let poland = read_json(&round.join("outcomes").join("PL.json"));
    let lifted = &poland["reservations"][0];
    assert_eq!(
        (&lifted["kind"], &lifted["version"], &lifted["standing"]),
        (
            &Value::from("scrutiny"),
            &Value::from(2),
            &Value::from("withdrawn")
        ),
        "{poland}"
    );
    // Each row of the dispositions names its paragraph's status; the EU's name whom they
    // spoke for.
    let dispositions = read_json(&round.join("dispositions.json"));
    let rows = dispositions["rows"].as_array().expect("rows");
    assert!(rows.iter().any(|r| r["spoke_for"] == "EU (except HU)"));
    assert!(rows.iter().any(|r| r["spoke_for"] == "EU (27)"));
    assert!(
        rows.iter()
            .filter(|r| r["kind"] != "general" && r["kind"] != "insertion")
            .all(|r| r["paragraph_status"].is_string()),
        "a row on a paragraph without its status"
    );
    let csv = std::fs::read_to_string(round.join("dispositions.csv")).expect("dispositions.csv");
    assert!(csv.contains("Paragraph status,Reservations held,Spoke for"));
    assert!(csv.contains("EU (except HU)"));
    brackets_acted_on(out);
}

/// Round 2, on Rev. 1's brackets: a delegation supports a carried alternative, one proposes a
/// new wording of it, one withdraws its own support; the chair's decisions resolve the
/// brackets (Rev. 2 carries none) and the dispositions give each act a decision.
fn brackets_acted_on(out: &Path) {
    let round = out.join("rounds").join("2-reference-group");
    let declaration = read_json(&round.join("declaration").join("dispositions.json"))["rows"]
        .as_array()
        .expect("rows")
        .clone();
    let act = |rows: &[Value], code: &str, starts: &str| -> Value {
        rows.iter()
            .find(|r| {
                r["delegation"] == code
                    && r["proposed_change"]
                        .as_str()
                        .is_some_and(|p| p.starts_with(starts))
            })
            .cloned()
            .unwrap_or_else(|| panic!("no act of {code} ({starts}…) in {rows:?}"))
    };
    let support = act(&declaration, "GR", "support alternative");
    assert_eq!(support["status"], "reworded_by_chair", "{support}");
    assert!(
        support["reference"]
            .as_str()
            .is_some_and(|r| r.starts_with("bracket B")),
        "{support}"
    );
    let withdrawal = act(&declaration, "LV", "withdraw its support of alternative");
    assert_eq!(withdrawal["status"], "noted", "{withdrawal}");
    let amended = act(&declaration, "SE", "alternative ");
    assert!(
        amended["proposed_change"]
            .as_str()
            .is_some_and(|p| p.contains("the Russian Federation’s war of aggression")),
        "{amended}"
    );
    assert_eq!(amended["status"], "reworded_by_chair", "{amended}");
    // The chair's decisions resolved the brackets: Rev. 2 carries none of them.
    for document in ["declaration", "call-for-action"] {
        let rev2 = read_json(&out.join(document).join("3-rev-2.json"));
        assert_eq!(
            rev2["brackets"].as_array().map_or(0, Vec::len),
            0,
            "{document} Rev. 2 still carries a bracket"
        );
    }
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
