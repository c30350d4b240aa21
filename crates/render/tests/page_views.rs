//! The views a page of its own lays out (the web front's compilation and redline pages) are the
//! parts of render's own pages, and the words said to screen readers before each attributed
//! change appear only when a context asks for them.

mod common;

use common::*;
use penholder_render::{Spoken, html};

fn spoken() -> Spoken {
    Spoken {
        inserted_by: "inséré, proposé par".into(),
        deleted_by: "supprimé, proposé par".into(),
    }
}

#[test]
fn the_compilation_view_is_the_compilation_page_in_blocks() {
    let negotiation = negotiation();
    let context = context();
    let page = html::compilation(&negotiation.compilation, &context);
    let view = html::compilation_view(&negotiation.compilation, &context);
    let mut body = view.general.clone();
    for block in &view.blocks {
        body.push_str(&block.html);
    }
    body.push_str(&view.unplaced);
    assert!(page.contains(&body), "the page holds the blocks in order");
    assert!(page.contains(&view.legend) && !view.legend.is_empty());
    // Every change of the compilation is in exactly one block, and shown in it.
    let mut listed: Vec<&str> = view
        .blocks
        .iter()
        .flat_map(|b| b.changes.iter().map(String::as_str))
        .collect();
    listed.sort_unstable();
    let shown = listed.len();
    listed.dedup();
    assert_eq!(listed.len(), shown, "a change in two blocks");
    let mut changes: Vec<&str> = negotiation
        .compilation
        .changes()
        .map(|c| c.id.as_str())
        .collect();
    changes.sort_unstable();
    changes.dedup();
    assert_eq!(listed, changes);
    assert!(!page.contains("visually-hidden"), "files say nothing more");
}

#[test]
fn screen_readers_hear_who_proposed_each_change_when_asked() {
    let negotiation = negotiation();
    let mut context = context();
    let silent = html::redline_view(&negotiation.redline, &context);
    assert!(!silent.body.contains("visually-hidden"));
    assert!(html::redline(&negotiation.redline, &context).contains(&silent.body));
    context.spoken = Some(spoken());
    let view = html::redline_view(&negotiation.redline, &context);
    assert!(
        view.body
            .contains("<span class=\"visually-hidden\">inséré, proposé par "),
        "{}",
        view.body
    );
    assert!(
        view.body
            .contains("<span class=\"visually-hidden\">supprimé, proposé par ")
    );
    let compilation = html::compilation_view(&negotiation.compilation, &context);
    assert!(
        compilation.blocks.iter().any(|b| b
            .html
            .contains("<span class=\"visually-hidden\">inséré, proposé par ")),
        "the compilation's insertions are spoken too"
    );
}

#[test]
fn a_part_of_the_compilation_view_writes_only_its_blocks() {
    let negotiation = negotiation();
    let context = context();
    let whole = html::compilation_view(&negotiation.compilation, &context);
    assert!(whole.blocks.len() > 3);
    let part = html::compilation_view_of(&negotiation.compilation, &context, Some(1..3));
    assert_eq!(part.blocks.len(), whole.blocks.len());
    for (index, (block, full)) in part.blocks.iter().zip(&whole.blocks).enumerate() {
        assert_eq!(block.reference, full.reference);
        assert_eq!(block.changes, full.changes);
        if (1..3).contains(&index) {
            assert_eq!(block.html, full.html);
        } else {
            assert!(block.html.is_empty(), "block {index} written");
        }
    }
    assert_eq!(part.legend, whole.legend);
}
