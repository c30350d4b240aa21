//! The architecture invariants of ARCHITECTURE.md that can be checked mechanically, checked:
//! which crate may depend on what, and what may appear in whose source. A failure names the
//! crate, the dependency or the file, and the rule it breaks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Each crate of `crates/` with the names of its normal (not dev) dependencies.
fn dependencies() -> BTreeMap<String, Vec<String>> {
    let mut crates = BTreeMap::new();
    for entry in std::fs::read_dir(workspace().join("crates")).expect("crates/") {
        let dir = entry.expect("an entry").path();
        let Ok(manifest) = std::fs::read_to_string(dir.join("Cargo.toml")) else {
            continue;
        };
        let mut in_dependencies = false;
        let mut names = Vec::new();
        for line in manifest.lines() {
            let line = line.trim();
            if line.starts_with('[') {
                in_dependencies = line == "[dependencies]";
                continue;
            }
            if in_dependencies && !line.is_empty() && !line.starts_with('#') {
                let name = line.split(['=', '.', ' ']).next().unwrap_or_default();
                names.push(name.trim().to_string());
            }
        }
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        crates.insert(name, names);
    }
    crates
}

/// Every `.rs` file under a crate's `src/`.
fn sources(krate: &str) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    let mut stack = vec![workspace().join("crates").join(krate).join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a source file");
                found.push((path, text));
            }
        }
    }
    found
}

const SQL: &[&str] = &[
    "rusqlite",
    "postgres",
    "tokio-postgres",
    "deadpool-postgres",
    "sqlx",
    "diesel",
];
const HTTP: &[&str] = &[
    "axum",
    "hyper",
    "tower",
    "tower-http",
    "jsonwebtoken",
    "ureq",
    "reqwest",
];
const IO: &[&str] = &[
    "tokio",
    "rusqlite",
    "postgres",
    "tokio-postgres",
    "ureq",
    "axum",
    "mimalloc",
];

#[test]
fn only_the_store_knows_a_database_driver() {
    // The load generator measures the raw SQLite commit ceiling beside penholder (a peer of
    // the benchmark, not part of the product); the PostgreSQL test harness creates databases.
    let allowed = ["store", "loadgen", "testpg"];
    for (krate, deps) in dependencies() {
        for dep in deps.iter().filter(|d| SQL.contains(&d.as_str())) {
            assert!(
                allowed.contains(&krate.as_str()),
                "crates/{krate} depends on {dep}: only crates/store speaks to a database"
            );
        }
    }
}

/// The store keeps typed values of the layers below it (core's items, diff's provenance and
/// applied changes) and defines their encoding once; it knows nothing above them.
#[test]
fn the_store_knows_only_core_and_diff_of_penholder() {
    let crates = dependencies();
    for dep in &crates["store"] {
        if let Some(name) = dep.strip_prefix("penholder-") {
            assert!(
                ["core", "diff"].contains(&name),
                "crates/store depends on {dep}: the store knows core and diff, nothing above"
            );
        }
    }
    for krate in ["core", "diff"] {
        assert!(
            !crates[krate].iter().any(|d| d == "penholder-store"),
            "crates/{krate} depends on the store: dependencies point one way"
        );
    }
}

#[test]
fn core_diff_render_and_import_are_pure() {
    let crates = dependencies();
    for krate in ["core", "diff", "render", "import", "negotiation"] {
        for dep in &crates[krate] {
            let pure_layer = krate != "negotiation";
            assert!(
                !(pure_layer && IO.contains(&dep.as_str())),
                "crates/{krate} depends on {dep}: core, diff, render and import do no I/O"
            );
            assert!(
                !HTTP.contains(&dep.as_str()),
                "crates/{krate} depends on {dep}: only the edges (server, cli) know HTTP"
            );
        }
    }
    for krate in ["core", "diff", "render", "import"] {
        for (path, text) in sources(krate) {
            for needle in [
                "std::fs",
                "std::net",
                "std::process",
                "SystemTime::now",
                "Instant::now",
            ] {
                assert!(
                    !text.contains(needle),
                    "{} uses {needle}: crates/{krate} is pure (no I/O, no clock)",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn neither_the_server_nor_the_application_layer_writes_sql() {
    for krate in ["server", "negotiation", "cli", "web"] {
        for (path, text) in sources(krate) {
            for needle in [
                "SELECT ",
                "INSERT INTO",
                "UPDATE ",
                "DELETE FROM",
                "rusqlite::",
            ] {
                assert!(
                    !text.contains(needle),
                    "{} contains {needle:?}: SQL stays in crates/store",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn the_edges_reach_the_use_cases_through_the_application_layer() {
    // The CLI and the other edges never reach into the server's routes or state.
    for krate in ["cli", "loadgen", "web"] {
        for (path, text) in sources(krate) {
            for needle in ["penholder_server::routes", "penholder_server::state::"] {
                assert!(
                    !text.contains(needle),
                    "{} uses {needle}: call penholder_negotiation instead",
                    path.display()
                );
            }
        }
    }
    let fuzz = workspace().join("fuzz/src");
    for entry in std::fs::read_dir(&fuzz).expect("fuzz/src") {
        let path = entry.expect("an entry").path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            !text.contains("penholder_server::routes"),
            "{} reaches into the server's routes",
            path.display()
        );
    }
}

#[test]
fn the_server_handlers_read_and_write_only_through_use_cases() {
    // A handler reads the request, makes one call to the application layer (`state.run` on a
    // snapshot, `state.commit` around a use case's write) and maps the answer: it never asks
    // the store itself, nor the policy, so the rules cannot differ between entry points.
    let routes = workspace().join("crates/server/src/routes");
    for entry in std::fs::read_dir(&routes).expect("crates/server/src/routes") {
        let path = entry.expect("an entry").path();
        let text = std::fs::read_to_string(&path).expect("a source file");
        for needle in [
            "state.read(",
            ".read(move",
            "authorize(",
            "relation(",
            "policy::decide",
            "w.put_",
            "w.create_",
            "w.publish_",
            "w.record_",
        ] {
            assert!(
                !text.contains(needle),
                "{} contains {needle:?}: call a use case of penholder_negotiation",
                path.display()
            );
        }
    }
}
