//! The chairmanship uploads revised texts made elsewhere, as plain text: the Budapest
//! declaration's and call for action's Rev. 1 on the zero draft, then Rev. 2 on Rev. 1, each
//! written the way a word processor gives it (no kinds: paragraphs, `1.` before operative
//! paragraphs and actions, `(a)` before items, `Priority Goal 2` above a goal, footnotes at the
//! end). Kinds survive the upload, so every reference (`PP3`, `OP5`, `OP1.a`, `PG2.4`) is what
//! the chairmanship's own numbering says, as in the reference model
//! (`fixtures/budapest/rounds/expected/`). And the API's own `?format=md` uploads back as the
//! very version it renders, as do its Akoma Ntoso export and its JSON.

use penholder_core::negotiation::Delegation;
use penholder_core::{Document, IdSource, NodeKind, References, Version};
use penholder_negotiation::caller::{Caller, Role};
use penholder_negotiation::document::{self, DocumentPlan, Source};
use penholder_negotiation::process::{self, NewProcess};
use penholder_store::Store;
use serde::Deserialize;
use std::path::PathBuf;

const NOW: i64 = 1_715_126_400_000;

fn repository_file(relative: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A node of the reference model's versions.
#[derive(Deserialize)]
struct Expected {
    #[serde(rename = "ref")]
    reference: String,
    kind: NodeKind,
    text: String,
    #[serde(default)]
    children: Vec<Expected>,
}

#[derive(Deserialize)]
struct ExpectedVersion {
    label: String,
    nodes: Vec<Expected>,
}

#[derive(Deserialize)]
struct ExpectedDocument {
    versions: Vec<ExpectedVersion>,
}

/// The version's body as plain text: no kinds, numbers written out, `Priority Goal 2` above a
/// goal's title, footnotes at the end.
fn plain_text(title: &str, nodes: &[Expected]) -> String {
    fn go(nodes: &[Expected], out: &mut String, footnotes: &mut Vec<String>) {
        for node in nodes {
            let last = node.reference.rsplit('.').next().unwrap_or_default();
            match node.kind {
                NodeKind::Footnote => {
                    let number: u32 = node.reference[2..].parse().unwrap();
                    let marker = ['¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'][number as usize - 1];
                    footnotes.push(format!("{marker} {}", node.text));
                    continue;
                }
                NodeKind::Operative => out.push_str(&format!("{}. ", &node.reference[2..])),
                NodeKind::Goal => {
                    out.push_str(&format!("Priority Goal {}\n\n", &node.reference[2..]))
                }
                NodeKind::Action => out.push_str(&format!("{last}. ")),
                NodeKind::Item => out.push_str(&format!("({last}) ")),
                _ => {}
            }
            out.push_str(&node.text);
            out.push_str("\n\n");
            go(&node.children, out, footnotes);
        }
    }
    // The title first, as a word processor gives it: the upload does not take it for a node.
    let mut out = format!("{title}\n\n");
    let mut footnotes = Vec::new();
    go(nodes, &mut out, &mut footnotes);
    if !footnotes.is_empty() {
        out.push_str("______________\n\n");
    }
    for footnote in footnotes {
        out.push_str(&footnote);
        out.push_str("\n\n");
    }
    out
}

/// (reference, kind) of every node but footnotes (the plain text moves them to the end).
fn outline_of_expected(nodes: &[Expected]) -> Vec<(String, NodeKind)> {
    fn go(nodes: &[Expected], out: &mut Vec<(String, NodeKind)>) {
        for node in nodes {
            if node.kind != NodeKind::Footnote {
                out.push((node.reference.clone(), node.kind));
            }
            go(&node.children, out);
        }
    }
    let mut out = Vec::new();
    go(nodes, &mut out);
    out
}

fn outline(document: &Document) -> Vec<(String, NodeKind)> {
    let references = References::of(document);
    document
        .walk()
        .iter()
        .filter(|v| v.node.kind != NodeKind::Footnote)
        .map(|v| {
            let reference = references.reference(v.node.id).unwrap().0.clone();
            (reference, v.node.kind)
        })
        .collect()
}

fn chair() -> Caller {
    Caller {
        sub: "chair".into(),
        role: Role::Chair,
        delegation: Some("TR".into()),
    }
}

/// A store holding the Budapest process and `slug`'s zero draft, from its fixture.
fn budapest(slug: &'static str, title: &str) -> Store {
    let store = Store::open_in_memory().unwrap();
    let admin = Caller {
        sub: "admin".into(),
        role: Role::Admin,
        delegation: None,
    };
    let delegations: Vec<Delegation> =
        serde_json::from_str(&repository_file("fixtures/budapest/delegations.json")).unwrap();
    let new = NewProcess {
        slug: "budapest-7mc".into(),
        title: "Budapest Process".into(),
        delegations,
    };
    store
        .write(move |w| Ok(process::create(w, &admin, &new, NOW)))
        .wait()
        .unwrap()
        .unwrap();
    let plan = DocumentPlan {
        slug: slug.into(),
        title: title.into(),
        classification: Some("LIMITE".into()),
        label: None,
        source: Source::Markdown(repository_file(&format!("fixtures/budapest/{slug}.md"))),
    };
    let new_document = plan.prepare(&mut IdSource::new(1, NOW as u64)).unwrap();
    store
        .write(move |w| {
            Ok(document::create(
                w,
                &chair(),
                "budapest-7mc",
                &new_document,
                NOW,
            ))
        })
        .wait()
        .unwrap()
        .unwrap();
    store
}

/// Uploads `text` as the next version of `slug` at `now` and reads the version published.
fn upload(store: &Store, slug: &'static str, label: &str, source: Source, now: i64) -> Version {
    let basis = store
        .read(move |r| {
            Ok(document::upload_basis(
                r,
                &chair(),
                "budapest-7mc",
                slug,
                None,
                now,
            ))
        })
        .wait()
        .unwrap()
        .unwrap();
    let revised = source.import(&mut IdSource::new(9, now as u64)).unwrap();
    let upload = basis.align(label.to_string(), revised, None).unwrap();
    let published = store
        .write(move |w| Ok(basis.publish(w, &chair(), &upload, now)))
        .wait()
        .unwrap()
        .unwrap();
    store
        .read(move |r| r.version("budapest-7mc", slug, published.number))
        .wait()
        .unwrap()
}

#[test]
fn a_plain_text_revision_keeps_every_reference() {
    for (slug, title) in [
        (
            "declaration",
            "The Budapest Process Ministerial Declaration",
        ),
        (
            "call-for-action",
            "The Budapest Process Call for Action 2025-2030",
        ),
    ] {
        let store = budapest(slug, title);
        let expected: ExpectedDocument = serde_json::from_str(&repository_file(&format!(
            "fixtures/budapest/rounds/expected/{slug}.json"
        )))
        .unwrap();
        for (step, revision) in expected.versions[1..3].iter().enumerate() {
            // Rev. 2 as Markdown, its title a heading over the whole text.
            let text = match step {
                0 => plain_text(title, &revision.nodes),
                _ => format!("# {}", plain_text(title, &revision.nodes)),
            };
            // What the text says by itself: paragraphs, items, goals, a heading (`P1`…`P9`).
            let alone = Source::Markdown(text.clone())
                .import(&mut IdSource::new(5, 5))
                .unwrap();
            assert!(alone.walk().iter().all(|v| matches!(
                v.node.kind,
                NodeKind::Paragraph | NodeKind::Item | NodeKind::Goal | NodeKind::Part
            )));
            let now = NOW + 1_000 * (step as i64 + 1);
            let version = upload(&store, slug, &revision.label, Source::Markdown(text), now);
            assert_eq!(
                outline(&version.document),
                outline_of_expected(&revision.nodes),
                "{slug}: {}",
                revision.label
            );
            // Footnotes stay footnotes, and numbers written out in the plain text are not kept.
            let footnotes = version
                .document
                .count_by_kind()
                .get(&NodeKind::Footnote)
                .copied();
            assert_eq!(footnotes.unwrap_or(0), expected_footnotes(&revision.nodes));
            assert!(version.document.walk().iter().all(|v| v.node.num.is_none()));
        }
    }
}

fn expected_footnotes(nodes: &[Expected]) -> usize {
    nodes
        .iter()
        .map(|n| usize::from(n.kind == NodeKind::Footnote) + expected_footnotes(&n.children))
        .sum()
}

/// Uploading the API's own `?format=md` of a version gives back that very version: same
/// kinds, numbers, texts, nesting, and (every text being the same) the same ids.
#[test]
fn our_own_rendered_markdown_uploads_as_the_same_version() {
    for (slug, title) in [
        (
            "declaration",
            "The Budapest Process Ministerial Declaration",
        ),
        (
            "call-for-action",
            "The Budapest Process Call for Action 2025-2030",
        ),
    ] {
        let store = budapest(slug, title);
        let first = store
            .read(move |r| r.version("budapest-7mc", slug, 1))
            .wait()
            .unwrap();
        let context = penholder_render::Context::new()
            .classification("LIMITE")
            .numbers_of(&first.document);
        let markdown = penholder_render::markdown::version(&first, &context);
        let second = upload(
            &store,
            slug,
            "Rev. 1",
            Source::Markdown(markdown),
            NOW + 1_000,
        );
        assert_eq!(second.document, first.document, "{slug}");
        // And so does its Akoma Ntoso export (its `wId`s are the node ids).
        let xml = penholder_render::akn::version(&second, &context);
        let third = upload(&store, slug, "Rev. 2", Source::Akn(xml), NOW + 2_000);
        assert_eq!(third.document, first.document, "{slug}");
        // And the version as the API's JSON gives it.
        let view = serde_json::json!({
            "number": third.number,
            "label": third.label,
            "document": third.document,
            "references": [],
        });
        let fourth = upload(
            &store,
            slug,
            "Rev. 3",
            Source::Json(view.to_string()),
            NOW + 3_000,
        );
        assert_eq!(fourth.document, first.document, "{slug}");
    }
}
