//! Snapshots of the compilation of every merge case in `fixtures/merge/`: the UN-style text
//! view (read it to review a change in behaviour) and the full JSON.

mod common;

use penholder_diff::*;
use std::path::Path;

#[test]
fn compilations_of_the_merge_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/merge");
    let cases = common::merge_cases(&root);
    assert!(cases.len() >= 4);
    for case in cases {
        let compilation = compile(&case.version, &case.submissions);
        insta::assert_snapshot!(
            format!("{}__text", case.name),
            compilation_text(&compilation, TextOptions { all_nodes: true })
        );
        insta::assert_json_snapshot!(format!("{}__json", case.name), compilation);
    }
}
