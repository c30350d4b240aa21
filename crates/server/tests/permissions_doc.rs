//! `docs/permissions.md` is the authorization matrix as written by
//! `policy::permissions_markdown`, from the same `policy::table` that `policy_matrix.rs` (in
//! process, every round state) and the CLI's `server_matrix.rs` (real binary) assert cell by
//! cell. This test fails when the committed file is stale; `PENHOLDER_BLESS=1 cargo test -p
//! penholder-server --test permissions_doc` rewrites it.

use penholder_server::Role;
use penholder_server::policy::{self, Action, Phase, Verdict};
use std::path::PathBuf;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/permissions.md")
}

#[test]
fn docs_permissions_md_is_generated_from_the_policy() {
    let generated = policy::permissions_markdown();
    let path = committed_path();
    if std::env::var_os("PENHOLDER_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write docs/permissions.md");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/permissions.md is stale: it must be exactly policy::permissions_markdown(). \
         Regenerate it with `PENHOLDER_BLESS=1 cargo test -p penholder-server --test permissions_doc` \
         and commit it."
    );
}

#[test]
fn every_cell_of_the_table_is_in_the_document() {
    // The document holds one table per action: a row per role, a column per relation × phase
    // that matters; each mark is the verdict of that cell.
    let markdown = policy::permissions_markdown();
    let cells = policy::table();
    for action in Action::ALL {
        let heading = format!("\n## {}\n", action.name());
        let start = markdown
            .find(&heading)
            .unwrap_or_else(|| panic!("no section for {action:?}"));
        let section = &markdown[start + heading.len()..];
        let section = &section[..section.find("\n## ").unwrap_or(section.len())];
        for (method, path) in action.endpoints() {
            assert!(
                section.contains(&format!("`{method} {path}`")),
                "{action:?}: {method} {path} is not listed"
            );
        }
        let header: Vec<&str> = section
            .lines()
            .find(|l| l.starts_with("| role |"))
            .expect("a header row")
            .split('|')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .skip(1)
            .collect();
        for role in Role::ALL {
            let row: Vec<&str> = section
                .lines()
                .find(|l| l.starts_with(&format!("| {role} |")))
                .unwrap_or_else(|| panic!("{action:?}: no row for {role}"))
                .split('|')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .skip(1)
                .collect();
            let expected: Vec<_> = cells
                .iter()
                .filter(|c| c.action == action && c.role == role)
                .collect();
            assert_eq!(row.len(), expected.len(), "{action:?} {role}");
            assert_eq!(header.len(), expected.len(), "{action:?}");
            for ((mark, column), cell) in row.iter().zip(&header).zip(expected) {
                let want = match cell.verdict {
                    Verdict::Allow => "allow",
                    Verdict::Forbidden(_) => "403",
                    Verdict::WrongState(_) => "409",
                };
                assert_eq!(*mark, want, "{action:?} {role} {column}");
                let label = if cell.phase == Phase::NoRound {
                    cell.relation.as_str().to_string()
                } else {
                    format!("{}, {}", cell.relation.as_str(), cell.phase.as_str())
                };
                assert_eq!(*column, label, "{action:?} {role}");
            }
        }
    }
}
