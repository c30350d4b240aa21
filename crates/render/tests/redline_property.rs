//! For any two versions, the Word redline turns into the target when every tracked change is
//! accepted and into the source when every one is rejected — read from the document's XML with
//! Word's rules (a deleted paragraph mark joins a paragraph to the next). Every renderer takes
//! any input without panicking.

mod common;

use common::office::{Element, XNode, parse, without_markers};
use penholder_core::{Document, Edit, IdSource, Node, NodeKind, Position, Version};
use penholder_render::{Context, akn, docx, html, markdown};
use proptest::prelude::*;
use std::io::Read;

#[derive(Clone, Copy, PartialEq)]
enum View {
    Accepted,
    Rejected,
}

/// The paragraphs of a Word document's body as Word shows them with every change accepted or
/// rejected (footnote references and empty paragraphs left out).
fn word_paragraphs(bytes: &[u8], view: View) -> Vec<String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a docx package");
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")
        .expect("the main part")
        .read_to_string(&mut xml)
        .expect("UTF-8");
    let document = parse(&xml);
    let body = document.descendants("w:body");
    let body = body.first().expect("a body");
    let mut paragraphs = Vec::new();
    let mut carried = String::new();
    for child in &body.children {
        let XNode::Element(paragraph) = child else {
            continue;
        };
        if paragraph.name != "w:p" {
            continue;
        }
        let mark = paragraph
            .descendants("w:pPr")
            .first()
            .and_then(|p| p.descendants("w:rPr").first().copied())
            .map(|r| {
                (
                    !r.descendants("w:ins").is_empty(),
                    !r.descendants("w:del").is_empty(),
                )
            })
            .unwrap_or((false, false));
        let mut text = std::mem::take(&mut carried);
        collect(paragraph, view, false, false, &mut text);
        // The paragraph mark goes away when this view drops it: join with the next paragraph.
        let mark_dropped = match view {
            View::Accepted => mark.1,
            View::Rejected => mark.0,
        };
        if mark_dropped {
            carried = text;
        } else {
            paragraphs.push(text);
        }
    }
    if !carried.is_empty() {
        paragraphs.push(carried);
    }
    paragraphs
        .into_iter()
        .map(|p| without_markers(&p).trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

fn collect(element: &Element, view: View, inserted: bool, deleted: bool, out: &mut String) {
    for child in &element.children {
        let XNode::Element(e) = child else { continue };
        match e.name.as_str() {
            "w:pPr" | "w:rPr" => {}
            // The reference before each paragraph (`PP1 `) is a label, not the text.
            "w:r"
                if e.descendants("w:rStyle").iter().any(|style| {
                    style.attribute("w:val") == Some(penholder_render::docx::REFERENCE_STYLE)
                }) => {}
            "w:ins" => collect(e, view, true, deleted, out),
            "w:del" => collect(e, view, inserted, true, out),
            "w:t" | "w:delText" => {
                let shown = match view {
                    View::Accepted => !deleted,
                    View::Rejected => !inserted,
                };
                if shown {
                    out.push_str(&e.text());
                }
            }
            "w:br" => {
                let shown = match view {
                    View::Accepted => !deleted,
                    View::Rejected => !inserted,
                };
                if shown {
                    out.push('\n');
                }
            }
            _ => collect(e, view, inserted, deleted, out),
        }
    }
}

fn expected(document: &Document) -> Vec<String> {
    let mut out = vec![document.title.clone(), "Redline".to_string()];
    for visit in document.walk() {
        if visit.node.kind == NodeKind::Footnote {
            continue;
        }
        // A number the text writes opens its paragraph, then a tab.
        let numbered = match &visit.node.num {
            Some(num) => format!("{num}\t{}", visit.node.text),
            None => visit.node.text.clone(),
        };
        let text = without_markers(&numbered).trim().to_string();
        if !text.is_empty() {
            out.push(text);
        }
    }
    out.retain(|p| !p.trim().is_empty());
    out
}

const WORDS: [&str; 10] = [
    "States",
    "shall",
    "cooperate",
    "on",
    "return",
    "<and>",
    "&",
    "readmission",
    "migrants²",
    "\u{202E}hidden",
];

/// Numbers as texts write them (`<` and `&` escaped in the XML).
const NUMS: [&str; 5] = ["Art 1", "Art 2", "(3)", "(5)", "4c. <&>"];

fn num() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop::sample::select(&NUMS[..]).prop_map(str::to_string))
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(&WORDS[..]), 1..7).prop_map(|w| w.join(" "))
}

#[derive(Clone, Debug)]
enum Shape {
    Preambular(String),
    Operative(String, Vec<String>),
    Goal(String, Vec<String>),
    Opening(String, Option<String>),
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        text().prop_map(Shape::Preambular),
        (text(), prop::collection::vec(text(), 0..3)).prop_map(|(t, i)| Shape::Operative(t, i)),
        (text(), prop::collection::vec(text(), 1..3)).prop_map(|(t, a)| Shape::Goal(t, a)),
        (text(), prop::option::of(text())).prop_map(|(t, f)| Shape::Opening(t, f)),
    ]
}

fn build(shapes: &[(Shape, Option<String>)], ids: &mut IdSource) -> Document {
    let nodes = shapes
        .iter()
        .map(|(shape, num)| Node {
            num: num.clone(),
            ..build_one(shape, ids)
        })
        .collect();
    Document::new("Draft", nodes)
}

fn build_one(shape: &Shape, ids: &mut IdSource) -> Node {
    let mut node = |kind, text: &str| Node::new(ids.next_id(), kind, text);
    match shape {
        Shape::Preambular(t) => node(NodeKind::Preambular, t),
        Shape::Operative(t, items) => {
            let children = items.iter().map(|i| node(NodeKind::Item, i)).collect();
            node(NodeKind::Operative, t).with_children(children)
        }
        Shape::Goal(t, actions) => {
            let children = actions.iter().map(|a| node(NodeKind::Action, a)).collect();
            node(NodeKind::Goal, t).with_children(children)
        }
        Shape::Opening(t, footnote) => {
            let children = footnote
                .iter()
                .map(|f| node(NodeKind::Footnote, f))
                .collect();
            let text = if footnote.is_some() {
                format!("{t}¹")
            } else {
                t.clone()
            };
            node(NodeKind::Paragraph, &text).with_children(children)
        }
    }
}

#[derive(Clone, Debug)]
enum Change {
    Replace(usize, String),
    Delete(usize),
    InsertAfter(usize, String),
    InsertFirst(String),
    Move(usize, usize),
    /// A new written number (or none) for a node.
    Renumber(usize, Option<String>),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        (0..40usize, text()).prop_map(|(n, t)| Change::Replace(n, t)),
        (0..40usize).prop_map(Change::Delete),
        (0..40usize, text()).prop_map(|(n, t)| Change::InsertAfter(n, t)),
        text().prop_map(Change::InsertFirst),
        (0..40usize, 0..40usize).prop_map(|(n, m)| Change::Move(n, m)),
        (0..40usize, num()).prop_map(|(n, num)| Change::Renumber(n, num)),
    ]
}

fn edit(document: &Document, change: &Change, ids: &mut IdSource) -> Document {
    let walk = document.walk();
    let pick = |n: usize| walk.get(n % walk.len().max(1)).map(|v| v.node);
    if let Change::Renumber(n, num) = change {
        let mut renumbered = document.clone();
        if let Some(id) = pick(*n)
            .filter(|node| node.kind != NodeKind::Footnote)
            .map(|node| node.id)
            && let Some(node) = renumbered.find_mut(id)
        {
            node.num = num.clone();
        }
        return renumbered;
    }
    let edit =
        match change {
            Change::Replace(n, t) => pick(*n).map(|node| Edit::ReplaceText {
                node: node.id,
                text: t.clone(),
            }),
            Change::Delete(n) => pick(*n).map(|node| Edit::Delete { node: node.id }),
            Change::InsertAfter(n, t) => pick(*n)
                .filter(|node| node.kind != NodeKind::Footnote)
                .map(|node| Edit::Insert {
                    node: Node::new(ids.next_id(), node.kind, t.as_str()),
                    at: Position::After(node.id),
                }),
            Change::Move(n, m) => match (pick(*n), pick(*m)) {
                (Some(node), Some(to))
                    if node.kind != NodeKind::Footnote && to.kind != NodeKind::Footnote =>
                {
                    Some(Edit::Move {
                        node: node.id,
                        to: Position::After(to.id),
                    })
                }
                _ => None,
            },
            Change::Renumber(..) => None,
            Change::InsertFirst(t) => document.nodes.first().map(|first| Edit::Insert {
                node: Node::new(ids.next_id(), NodeKind::Preambular, t.as_str()),
                at: Position::Before(first.id),
            }),
        };
    edit.and_then(|e| document.apply(&e).ok())
        .unwrap_or_else(|| document.clone())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn word_redlines_accept_to_the_target_and_reject_to_the_source(
        shapes in prop::collection::vec((shape(), num()), 1..7),
        changes in prop::collection::vec(change(), 0..7),
    ) {
        let mut ids = IdSource::new(3, 1_700_000_000_000);
        let from = build(&shapes, &mut ids);
        let mut to = from.clone();
        for change in &changes {
            to = edit(&to, change, &mut ids);
        }
        let redline = penholder_diff::redline(&from, &to, &[]);
        let context = Context::new().classification("LIMITE");
        let bytes = docx::redline_from(&redline, &from, &context).expect("docx");
        // XML cannot carry every character; the file shows U+FFFD instead, never fails.
        prop_assert_eq!(word_paragraphs(&bytes, View::Accepted), expected(&to));
        prop_assert_eq!(word_paragraphs(&bytes, View::Rejected), expected(&from));

        // Every other renderer takes the same values without panicking.
        let version = Version::new(2, "Rev", Some(1), to.clone());
        let _ = html::redline(&redline, &context);
        let _ = markdown::redline(&redline, &context);
        let _ = html::version(&version, &context);
        let _ = markdown::version(&version, &context);
        let _ = akn::version(&version, &context);
        docx::version(&version, &context).expect("docx");
    }
}
