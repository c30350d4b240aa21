//! The compilation of every round of the Budapest negotiation (`fixtures/budapest/rounds/`,
//! described in `fixtures/budapest/README-rounds.md`): three rounds on each of the two
//! documents, on the real texts and the real feedback.
//!
//! Each round is compiled on its base version (round 1: the zero draft imported from its
//! structured Markdown, ids embedded; rounds 2 and 3: Rev. 1 and Rev. 2 as
//! `rounds/expected/<document>.json` gives them) from the final revision of every delegation's
//! submission. The UN-style compilation text with every node is snapshotted (it carries no ids),
//! and the counts are held to the README's table. On the real data, every item a delegation
//! sent must show in the compilation, and the compilation must not depend on the order the
//! submissions arrive in.

use penholder_core::negotiation::{Anchor, Item, Submission};
use penholder_core::{
    Document, IdSource, InlineMark, MarkKind, Node, NodeId, NodeKind, References, Version,
};
use penholder_diff::{Compilation, TextOptions, compilation_text, compile};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/budapest")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// The base versions.
// ---------------------------------------------------------------------------------------------

/// `rounds/expected/<document>.json`: the zero draft, Rev. 1, Rev. 2 and Rev. 3 as nested nodes
/// with derived references and no ids.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedFile {
    document: String,
    #[allow(dead_code)] // a note for people reading the file
    note: String,
    versions: Vec<ExpectedVersion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedVersion {
    number: u32,
    label: String,
    nodes: Vec<ExpectedNode>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedNode {
    #[serde(rename = "ref")]
    reference: String,
    kind: String,
    text: String,
    /// The stretches of the text in bold (`Priority 1:`), in order.
    #[serde(default)]
    bold: Vec<String>,
    #[serde(default)]
    children: Vec<ExpectedNode>,
}

fn expected_versions(document: &str) -> ExpectedFile {
    let path = fixtures().join(format!("rounds/expected/{document}.json"));
    let file: ExpectedFile = serde_json::from_str(&read(&path))
        .unwrap_or_else(|e| panic!("{} is not an expected-versions file: {e}", path.display()));
    assert_eq!(file.document, document, "{}", path.display());
    file
}

fn expected_node(expected: &ExpectedNode, ids: &mut IdSource) -> Node {
    let kind = NodeKind::parse(&expected.kind)
        .unwrap_or_else(|| panic!("{}: unknown kind {:?}", expected.reference, expected.kind));
    let marks = expected
        .bold
        .iter()
        .map(|phrase| {
            let start = expected
                .text
                .find(phrase.as_str())
                .expect("bold text in the text");
            InlineMark::new(start..start + phrase.len(), MarkKind::Bold)
        })
        .collect();
    let node = Node::new(ids.next_id(), kind, expected.text.as_str()).with_marks(marks);
    let children = expected
        .children
        .iter()
        .map(|c| expected_node(c, ids))
        .collect();
    node.with_children(children)
}

/// `(reference, kind, depth, text)` of every node in document order: what a version's text is,
/// ids aside.
/// A text and, after it, its bold stretches (`… [bold: Priority 1:]`), so that outlines compare
/// emphasis too.
fn with_bold<'a>(text: &str, bold: impl Iterator<Item = &'a str>) -> String {
    let bold: Vec<&str> = bold.collect();
    if bold.is_empty() {
        text.to_string()
    } else {
        format!("{text} [bold: {}]", bold.join(" | "))
    }
}

fn outline_of_document(document: &Document) -> Vec<(String, String, usize, String)> {
    let references = References::of(document);
    document
        .walk()
        .iter()
        .map(|visit| {
            (
                references
                    .reference(visit.node.id)
                    .map(|r| r.as_str().to_string())
                    .unwrap_or_default(),
                visit.node.kind.as_str().to_string(),
                visit.depth,
                with_bold(
                    &visit.node.text,
                    visit
                        .node
                        .marks
                        .iter()
                        .filter(|m| m.kind == MarkKind::Bold)
                        .map(|m| &visit.node.text[m.range()]),
                ),
            )
        })
        .collect()
}

fn outline_of_expected(nodes: &[ExpectedNode]) -> Vec<(String, String, usize, String)> {
    fn go(nodes: &[ExpectedNode], depth: usize, out: &mut Vec<(String, String, usize, String)>) {
        for node in nodes {
            out.push((
                node.reference.clone(),
                node.kind.clone(),
                depth,
                with_bold(&node.text, node.bold.iter().map(String::as_str)),
            ));
            go(&node.children, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    go(nodes, 0, &mut out);
    out
}

/// The version a round's feedback is about: version 1 is the zero draft imported from its
/// structured Markdown (the fixtures' ids kept); later ones are built from
/// `rounds/expected/`, with ids from a fixed [`IdSource`]. Either way the texts, kinds and
/// references must be those of `rounds/expected/`, so that the feedback's references mean what
/// the fixture author meant.
fn base_version(document: &str, number: u32) -> Version {
    let expected = expected_versions(document);
    let version = expected
        .versions
        .iter()
        .find(|v| v.number == number)
        .unwrap_or_else(|| panic!("{document}: no version {number} in rounds/expected"));
    let zero_path = fixtures().join(format!("{document}.md"));
    let zero = penholder_import::import_structured(
        &read(&zero_path),
        &mut IdSource::new(1, 1_700_000_000_000),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", zero_path.display()));
    let built = if number == 1 {
        zero
    } else {
        let mut ids = IdSource::new(2024 + u64::from(number), 1_709_251_200_000);
        Document::new(
            zero.title.clone(),
            version
                .nodes
                .iter()
                .map(|n| expected_node(n, &mut ids))
                .collect(),
        )
    };
    assert_eq!(
        outline_of_document(&built),
        outline_of_expected(&version.nodes),
        "{document} version {number}: the base differs from rounds/expected"
    );
    assert_eq!(built.duplicate_id(), None);
    Version::new(
        number,
        version.label.clone(),
        number.checked_sub(1).filter(|n| *n > 0),
        built,
    )
}

// ---------------------------------------------------------------------------------------------
// The submissions.
// ---------------------------------------------------------------------------------------------

/// A submission file: the API's wire format, except that an amendment may carry `edits` on
/// the base text instead of the full `text`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireSubmission {
    items: Vec<WireItem>,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum WireItem {
    Amend {
        node: String,
        #[serde(default)]
        text: Option<String>,
        #[serde(default)]
        edits: Vec<WireEdit>,
        #[serde(default)]
        justification: Option<String>,
        /// The ISO type and locator (issue 14), carried to the item.
        #[serde(flatten)]
        iso: penholder_core::negotiation::IsoAnnotation,
    },
    Insert {
        #[serde(default)]
        after: Option<String>,
        #[serde(default)]
        before: Option<String>,
        text: String,
        #[serde(default)]
        justification: Option<String>,
        /// The ISO type and locator (issue 14), carried to the item.
        #[serde(flatten)]
        iso: penholder_core::negotiation::IsoAnnotation,
    },
    Delete {
        node: String,
        #[serde(default)]
        justification: Option<String>,
        /// The ISO type and locator (issue 14), carried to the item.
        #[serde(flatten)]
        iso: penholder_core::negotiation::IsoAnnotation,
    },
    Comment {
        node: Option<String>,
        text: String,
        /// The ISO type and locator (issue 14), carried to the item.
        #[serde(flatten)]
        iso: penholder_core::negotiation::IsoAnnotation,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireEdit {
    find: String,
    replace: String,
}

/// A wire item with its references resolved in `base`, as the API stores it. An unknown
/// reference, an amendment with both or neither of `text` and `edits`, or a `find` that does
/// not occur exactly once in the base text is an error naming what is wrong.
fn resolve(item: WireItem, base: &Document) -> Result<Item, String> {
    let references = References::of(base);
    let node = |reference: &str| {
        references
            .resolve(reference)
            .ok_or_else(|| format!("no node {reference} in the base version"))
    };
    Ok(match item {
        WireItem::Amend {
            node: reference,
            text,
            edits,
            justification,
            iso,
        } => {
            let id = node(&reference)?;
            let text = match (text, edits.is_empty()) {
                (Some(text), true) => text,
                (None, false) => {
                    let base_text = &base
                        .find(id)
                        .ok_or_else(|| format!("{reference} resolves outside the document"))?
                        .text;
                    apply_edits(base_text, &edits).map_err(|e| format!("{reference}: {e}"))?
                }
                _ => return Err(format!("{reference}: an amendment needs text or edits")),
            };
            Item::Amend {
                iso,
                node: id,
                text,
                justification,
            }
        }
        WireItem::Insert {
            after,
            before,
            text,
            justification,
            iso,
        } => Item::Insert {
            iso,
            at: match (after, before) {
                (Some(after), None) => Anchor::After(node(&after)?),
                (None, Some(before)) => Anchor::Before(node(&before)?),
                _ => return Err("an insertion needs exactly one of after and before".into()),
            },
            node_kind: None,
            text,
            justification,
        },
        WireItem::Delete {
            node: reference,
            justification,
            iso,
        } => Item::Delete {
            iso,
            node: node(&reference)?,
            justification,
        },
        WireItem::Comment {
            node: reference,
            text,
            iso,
        } => Item::Comment {
            iso,
            node: reference.as_deref().map(node).transpose()?,
            text,
        },
    })
}

/// Applies the edits one after the other; each `find` occurs exactly once in the base text
/// (README-rounds.md), and an earlier edit must not have consumed it.
fn apply_edits(base: &str, edits: &[WireEdit]) -> Result<String, String> {
    let mut text = base.to_string();
    for edit in edits {
        let count = base.matches(edit.find.as_str()).count();
        if count != 1 {
            return Err(format!(
                "{:?} occurs {count} times in the base text, not once",
                edit.find
            ));
        }
        let at = text
            .find(edit.find.as_str())
            .ok_or_else(|| format!("{:?} was overwritten by an earlier edit", edit.find))?;
        text.replace_range(at..at + edit.find.len(), &edit.replace);
    }
    Ok(text)
}

/// The final revision of every delegation's on-time submission in `folder`: `CODE.revN.json`
/// with the highest N replaces `CODE.json`; `late/`, `round.json` and `decisions.json` are not
/// submissions. Sorted by delegation code; also returns how many submission files there were.
fn submissions(folder: &Path, base: &Document) -> (Vec<Submission>, usize) {
    let mut finals: BTreeMap<String, (u32, PathBuf)> = BTreeMap::new();
    let mut files = 0;
    let entries = std::fs::read_dir(folder)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", folder.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", folder.display()))
            .path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if path.is_dir() || name == "round.json" || name == "decisions.json" {
            continue;
        }
        let stem = name
            .strip_suffix(".json")
            .unwrap_or_else(|| panic!("{}: not a submission file", path.display()));
        let (code, revision) = match stem.split_once(".rev") {
            Some((code, n)) => (
                code,
                n.parse::<u32>()
                    .unwrap_or_else(|_| panic!("{}: bad revision number", path.display())),
            ),
            None => (stem, 1),
        };
        assert!(
            code.len() >= 2 && code.chars().all(|c| c.is_ascii_uppercase()),
            "{}: not a delegation code",
            path.display()
        );
        files += 1;
        let slot = finals
            .entry(code.to_string())
            .or_insert((revision, path.clone()));
        if revision > slot.0 {
            *slot = (revision, path);
        }
    }
    let submissions = finals
        .into_iter()
        .map(|(delegation, (revision, path))| {
            let wire: WireSubmission = serde_json::from_str(&read(&path))
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let items = wire
                .items
                .into_iter()
                .enumerate()
                .map(|(index, item)| {
                    resolve(item, base)
                        .unwrap_or_else(|e| panic!("{} item {index}: {e}", path.display()))
                })
                .collect();
            Submission {
                delegation,
                revision,
                submitted_at: 0,
                items,
            }
        })
        .collect();
    (submissions, files)
}

// ---------------------------------------------------------------------------------------------
// The rounds.
// ---------------------------------------------------------------------------------------------

/// One row of README-rounds.md's table of counts.
struct Counts {
    delegations: usize,
    files: usize,
    amend: usize,
    insert: usize,
    delete: usize,
    comment: usize,
    changes: usize,
    contested: usize,
}

fn check_round(folder: &str, document: &str, base_number: u32, counts: Counts) {
    let base = base_version(document, base_number);
    let path = fixtures().join("rounds").join(folder).join(document);
    let (submissions, files) = submissions(&path, &base.document);
    let round = format!("{folder}/{document}");

    let kinds = |wanted: fn(&Item) -> bool| {
        submissions
            .iter()
            .flat_map(|s| &s.items)
            .filter(|item| wanted(item))
            .count()
    };
    assert_eq!(
        (
            submissions.len(),
            files,
            kinds(|i| matches!(i, Item::Amend { .. })),
            kinds(|i| matches!(i, Item::Insert { .. })),
            kinds(|i| matches!(i, Item::Delete { .. })),
            kinds(|i| matches!(i, Item::Comment { .. })),
        ),
        (
            counts.delegations,
            counts.files,
            counts.amend,
            counts.insert,
            counts.delete,
            counts.comment
        ),
        "{round}: (delegations, files, amend, insert, delete, comment) differ from README-rounds.md"
    );

    let compilation = compile(&base, &submissions);
    assert_eq!(
        (compilation.changes_count(), compilation.contested_count()),
        (counts.changes, counts.contested),
        "{round}: (changes, contested) differ from README-rounds.md"
    );
    assert!(
        compilation.unplaced.is_empty(),
        "{round}: items not placed: {:?}",
        compilation.unplaced
    );
    assert_eq!(
        compilation.nodes.len(),
        base.document.node_count(),
        "{round}: one entry per node of the base"
    );
    every_item_shows(&round, &submissions, &compilation);

    let mut reversed = submissions.clone();
    reversed.reverse();
    assert!(
        compile(&base, &reversed) == compilation,
        "{round}: the compilation depends on the order of the submissions"
    );

    let text = compilation_text(&compilation, TextOptions { all_nodes: true });
    for visit in base.document.walk() {
        assert!(
            !text.contains(&visit.node.id.to_string()),
            "{round}: the compilation text shows node id {}",
            visit.node.id
        );
    }
    insta::assert_snapshot!(format!("{folder}__{document}"), text);
}

/// Every item of every submission is in the compilation: an amendment, insertion or deletion
/// as a supporter of an alternative, a comment as a comment (on its node or on the whole
/// text), or, failing that, as unplaced. And nothing is in it that no delegation sent.
fn every_item_shows(round: &str, submissions: &[Submission], compilation: &Compilation) {
    let supported: BTreeSet<(&str, usize)> = compilation
        .changes()
        .flat_map(|c| &c.alternatives)
        .flat_map(|a| &a.supporters)
        .map(|s| (s.delegation.as_str(), s.item))
        .collect();
    for node in &compilation.nodes {
        for comment in &node.comments {
            assert_eq!(
                comment.node,
                Some(node.node),
                "{round}: a comment of {} is listed under another node",
                comment.delegation
            );
        }
    }
    assert!(
        compilation
            .general_comments
            .iter()
            .all(|c| c.node.is_none()),
        "{round}: a comment on a node is listed as a comment on the whole text"
    );
    let commented: BTreeMap<(&str, usize), (Option<NodeId>, &str)> = compilation
        .nodes
        .iter()
        .flat_map(|n| &n.comments)
        .chain(&compilation.general_comments)
        .map(|c| ((c.delegation.as_str(), c.item), (c.node, c.text.as_str())))
        .collect();
    let unplaced: BTreeSet<(&str, usize)> = compilation
        .unplaced
        .iter()
        .map(|u| (u.delegation.as_str(), u.item))
        .collect();

    let mut sent = BTreeSet::new();
    for submission in submissions {
        for (index, item) in submission.items.iter().enumerate() {
            let key = (submission.delegation.as_str(), index);
            sent.insert(key);
            let shows = match item {
                Item::Comment { iso: _, node, text } => {
                    commented.get(&key) == Some(&(*node, text.as_str())) || unplaced.contains(&key)
                }
                _ => supported.contains(&key) || unplaced.contains(&key),
            };
            assert!(
                shows,
                "{round}: {key:?} ({item:?}) is not in the compilation"
            );
        }
    }
    for key in supported.iter().chain(commented.keys()).chain(&unplaced) {
        assert!(sent.contains(key), "{round}: {key:?} was never sent");
    }
}

#[test]
fn round_1_declaration() {
    let counts = Counts {
        delegations: 26,
        files: 27,
        amend: 37,
        insert: 7,
        delete: 3,
        comment: 22,
        changes: 26,
        contested: 5,
    };
    check_round("1-zero-draft", "declaration", 1, counts);
}

#[test]
fn round_1_call_for_action() {
    let counts = Counts {
        delegations: 23,
        files: 24,
        amend: 41,
        insert: 3,
        delete: 1,
        comment: 14,
        changes: 32,
        contested: 4,
    };
    check_round("1-zero-draft", "call-for-action", 1, counts);
}

#[test]
fn round_2_declaration() {
    let counts = Counts {
        delegations: 10,
        files: 11,
        amend: 9,
        insert: 1,
        delete: 1,
        comment: 7,
        changes: 7,
        contested: 2,
    };
    check_round("2-reference-group", "declaration", 2, counts);
}

#[test]
fn round_2_call_for_action() {
    let counts = Counts {
        delegations: 10,
        files: 11,
        amend: 6,
        insert: 2,
        delete: 1,
        comment: 6,
        changes: 5,
        contested: 3,
    };
    check_round("2-reference-group", "call-for-action", 2, counts);
}

#[test]
fn round_3_declaration() {
    let counts = Counts {
        delegations: 8,
        files: 9,
        amend: 9,
        insert: 1,
        delete: 1,
        comment: 7,
        changes: 10,
        contested: 2,
    };
    check_round("3-stockholm-som", "declaration", 3, counts);
}

#[test]
fn round_3_call_for_action() {
    let counts = Counts {
        delegations: 7,
        files: 8,
        amend: 6,
        insert: 1,
        delete: 1,
        comment: 6,
        changes: 6,
        contested: 2,
    };
    check_round("3-stockholm-som", "call-for-action", 3, counts);
}

/// The loader itself fails loudly on what would otherwise go missing quietly.
#[test]
fn wire_items_that_do_not_resolve_are_errors() {
    let base = base_version("declaration", 1);
    let item = |json: &str| -> WireItem { serde_json::from_str(json).expect("a wire item") };
    let error = resolve(
        item(r#"{"kind": "amend", "node": "PP99", "text": "x"}"#),
        &base.document,
    );
    assert_eq!(error, Err("no node PP99 in the base version".to_string()));
    assert!(
        resolve(
            item(r#"{"kind": "comment", "node": "OP42", "text": "x"}"#),
            &base.document
        )
        .is_err()
    );
    let twice = resolve(
        item(r#"{"kind": "amend", "node": "PP2", "edits": [{"find": "the", "replace": "a"}]}"#),
        &base.document,
    );
    assert!(matches!(twice, Err(e) if e.contains("not once")));
    let neither = resolve(item(r#"{"kind": "amend", "node": "PP2"}"#), &base.document);
    assert!(neither.is_err());
    let edited = resolve(
        item(
            r#"{"kind": "amend", "node": "PP2", "edits": [{"find": "substance preparations", "replace": "substantive preparations"}]}"#,
        ),
        &base.document,
    );
    assert!(
        matches!(edited, Ok(Item::Amend { text, .. }) if text.ends_with("for its administrative and substantive preparations;"))
    );
}
