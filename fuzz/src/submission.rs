//! The submission target: a request body of `PUT …/submissions/{delegation}` as bytes, read the
//! way the server reads it, resolved on the Budapest declaration and call for action, compiled.
//!
//! Properties:
//! - reading never panics, and every failure is a 4xx problem (400 malformed, 422 wrong shape),
//!   never a 5xx;
//! - the server's two readings agree: the envelope with raw items parsed one by one (what the
//!   route does, so that an error names the item) and the whole body as `SubmissionRequest`;
//! - `resolve` never panics; a failure is a 422 naming items that exist; a success names only
//!   nodes of the base, amends or deletes each node once, carries no empty text, has one hunk
//!   list per amendment (the diff's own hunks) and compiles with nothing left unplaced.

use penholder_core::negotiation::{Item, Submission};
use penholder_core::{Document, NodeId};
use penholder_import::from_json;
use penholder_core::negotiation::ItemByReference as WireItem;
use penholder_negotiation::Resolved;
use penholder_negotiation::error::parse_json;
use penholder_negotiation::submission::{MAX_ITEMS, parse_items, resolve};
use penholder_server::ApiError;
use penholder_server::wire::SubmissionRequest;
use std::collections::HashSet;
use std::sync::LazyLock;

/// The base versions submissions are resolved on: the Budapest fixtures, whose references
/// (`PP3`, `OP2`, `PG1.4`) the seeds use.
static BASES: LazyLock<Vec<Document>> = LazyLock::new(|| {
    [
        include_str!("../../fixtures/budapest/declaration.json"),
        include_str!("../../fixtures/budapest/call-for-action.json"),
    ]
    .into_iter()
    .filter_map(|text| from_json(text).ok())
    .collect()
});

fn assert_client_error(error: &ApiError, what: &str) {
    let problem = error.problem();
    assert!(
        (400..500).contains(&problem.status),
        "{what} answered {} instead of a 4xx: {error:?}",
        problem.status
    );
    assert!(
        serde_json::to_vec(&problem).is_ok(),
        "{what}: the problem document does not serialise"
    );
}

/// The route's reading: the envelope, then each item, every bad item reported.
fn read_like_the_route(data: &[u8]) -> Result<Vec<WireItem>, ApiError> {
    Ok(parse_items(data)?)
}

/// Checks one request body (see the module docs).
pub fn check_submission(data: &[u8]) {
    let by_items = read_like_the_route(data);
    let whole = parse_json::<SubmissionRequest>(data, "").map_err(ApiError::from);
    let items = match (by_items, whole) {
        (Ok(items), Ok(request)) => {
            assert_eq!(
                items, request.items,
                "the two readings give different items"
            );
            items
        }
        (Err(a), Err(b)) => {
            assert_client_error(&a, "reading the items");
            assert_client_error(&b, "reading the body");
            return;
        }
        (Err(error), Ok(request)) if request.items.len() > MAX_ITEMS => {
            assert_client_error(&error, "reading too many items");
            return;
        }
        (a, b) => panic!("the two readings disagree: items {a:?}, body {b:?}"),
    };
    for base in BASES.iter() {
        match resolve(&items, base).map_err(ApiError::from) {
            Ok(resolved) => check_resolved(&items, base, &resolved),
            Err(error) => {
                assert_client_error(&error, "resolving");
                let problem = error.problem();
                assert_eq!(problem.status, 422, "resolving: {error:?}");
                assert!(!problem.errors.is_empty(), "a 422 naming no field");
                for field in &problem.errors {
                    if let Some(index) = field.item {
                        assert!(index < items.len(), "an error names item {index}");
                    }
                }
            }
        }
    }
}

fn check_resolved(items: &[WireItem], base: &Document, resolved: &Resolved) {
    assert_eq!(resolved.items.len(), items.len(), "an item was dropped");
    let in_base: HashSet<NodeId> = base.walk().iter().map(|v| v.node.id).collect();
    let mut rewritten = HashSet::new();
    let mut amendments = 0;
    for item in &resolved.items {
        if let Some(node) = item.node() {
            assert!(
                in_base.contains(&node),
                "an item names a node outside the base"
            );
        }
        match item {
            Item::Amend { node, text, .. } => {
                amendments += 1;
                assert!(rewritten.insert(*node), "a node amended or deleted twice");
                assert!(!text.trim().is_empty(), "an empty amendment accepted");
            }
            Item::Delete { node, .. } => {
                assert!(rewritten.insert(*node), "a node amended or deleted twice");
            }
            Item::Insert { text, .. }
            | Item::Comment { text, .. }
            | Item::AmendAlternative { text, .. } => {
                assert!(!text.trim().is_empty(), "an empty text accepted");
            }
            Item::Support { bracket, .. } | Item::WithdrawAlternative { bracket, .. } => {
                assert!(!bracket.trim().is_empty(), "an act on no bracket accepted");
            }
        }
    }
    let all_hunks = resolved.hunks(base);
    assert_eq!(all_hunks.len(), amendments, "hunks missing for an amendment");
    for hunks in &all_hunks {
        let (Some(Item::Amend { node, text, .. }), Some(found)) =
            (resolved.items.get(hunks.item), base.find(hunks.node))
        else {
            panic!("hunks for item {} which is not an amendment", hunks.item);
        };
        assert_eq!(*node, hunks.node, "hunks stored against another node");
        assert_eq!(hunks.hunks, penholder_diff::hunks(&found.text, text));
    }
    let submission = Submission {
        delegation: "HU".into(),
        revision: 1,
        submitted_at: 1_700_000_000_000,
        items: resolved.items.clone(),
    };
    let compilation = penholder_diff::compile_document(base, 1, &[submission]);
    assert!(
        compilation.unplaced.is_empty(),
        "a resolved item could not be placed: {:?}",
        compilation.unplaced
    );
    let _ = penholder_diff::compilation_text(&compilation, penholder_diff::TextOptions::default());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budapest_submissions_resolve() {
        // The seeds must reach `resolve`'s success path, or the fuzzer starts blind.
        let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/submission");
        let mut resolved = 0;
        for entry in std::fs::read_dir(seeds).into_iter().flatten().flatten() {
            let data = std::fs::read(entry.path()).unwrap_or_default();
            let Ok(items) = read_like_the_route(&data) else {
                continue;
            };
            resolved += BASES.iter().filter(|b| resolve(&items, b).is_ok()).count();
        }
        assert_eq!(BASES.len(), 2);
        assert!(resolved >= 50, "only {resolved} seeds resolve");
    }
}
