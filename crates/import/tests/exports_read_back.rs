//! Every form penholder exports a document in reads back to the same tree: the rendered
//! Markdown of a version (`?format=md`, `penholder_render::markdown`) through the ordinary
//! Markdown importer (kinds, numbers, texts and nesting; it carries no ids), and the structured
//! Markdown, the JSON form and Akoma Ntoso through their importers (ids included).
//!
//! The rendered Markdown is a text for people: it writes each node's reference, number and
//! text, and nests by reference and heading level only. The documents generated here keep to
//! what it can say, which is what penholder's texts are: the parts of a level come after the
//! other nodes of that level (a part holds what follows its heading); a node's footnotes come
//! before its other children, its items before its actions and parts; the preamble is plain
//! and preambular paragraphs whose items carry no numbers (as the Akoma Ntoso export needs);
//! texts start with a word, not with something read as a number, have no spaces at either end,
//! and no line break in a heading; verbatim numbers are of the kinds people write (`4c.`,
//! `(2)`, `Article 7`).

mod common;

use penholder_core::{
    Document, IdSource, InlineMark, MarkKind, Node, NodeKind, References, Version,
};
use penholder_import::{
    export_structured, from_json, import_akn, import_any_markdown, import_structured, to_json,
};
use penholder_render::{AuditSeal, Context};
use proptest::prelude::*;

/// A node without its id: depth, kind, number, text, emphasis.
type Outline = (usize, NodeKind, Option<String>, String, Vec<InlineMark>);

/// The tree without ids: title, then every node in document order.
fn shape(document: &Document) -> (String, Vec<Outline>) {
    let nodes = document
        .walk()
        .iter()
        .map(|v| {
            (
                v.depth,
                v.node.kind,
                v.node.num.clone(),
                v.node.text.clone(),
                v.node.marks.clone(),
            )
        })
        .collect();
    (document.title.clone(), nodes)
}

fn references(document: &Document) -> Vec<String> {
    References::of(document)
        .in_order()
        .iter()
        .map(|(_, r)| r.0.clone())
        .collect()
}

/// The version's Markdown as the server renders it (`?format=md`): with the verbatim numbers.
fn rendered(document: &Document, audit: bool) -> String {
    let mut context = Context::new().classification("LIMITE").numbers_of(document);
    if audit {
        context.audit = Some(AuditSeal {
            seq: 12,
            hash: "ab12".into(),
            signature: None,
        });
    }
    let version = Version::new(
        3,
        "Rev. 2 after the Reference Group",
        None,
        document.clone(),
    );
    penholder_render::markdown::version(&version, &context)
}

#[test]
fn the_budapest_texts_read_back_from_their_rendered_markdown() {
    for file in [
        "fixtures/budapest/declaration.md",
        "fixtures/budapest/call-for-action.md",
    ] {
        let original = import_structured(&common::repository_file(file), &mut IdSource::new(1, 0))
            .expect("the fixture is in the structured form");
        let markdown = rendered(&original, true);
        let back = import_any_markdown(&markdown, &mut IdSource::new(2, 0)).unwrap();
        assert!(!back.structured);
        assert_eq!(shape(&back.document), shape(&original), "{file}");
        assert_eq!(references(&back.document), references(&original));
    }
}

#[test]
fn a_hand_edited_rendering_keeps_its_references_and_reads_new_paragraphs_as_text() {
    let markdown = "# Declaration\n\n*Version 2*\n\n---\n\n\
        **PP1** Recalling the Compacts;\n\n\
        A new recital without a reference;\n\n\
        **OP1** 1. Adopt the following¹:\n\n\
        **FN1** 1 A footnote.\n\n\
        **OP1.a** (a) prevent \\*irregular\\* migration;\n\n\
        (b) a new point;\n\n\
        ### Priority Goal 1\n\n\
        **PG1** Protect\n\n\
        **PG1.1** 1. Strengthen;\n";
    let document = import_any_markdown(markdown, &mut IdSource::new(1, 0))
        .unwrap()
        .document;
    assert_eq!(document.title, "Declaration");
    let outline: Vec<(usize, NodeKind, Option<&str>, &str)> = document
        .walk()
        .iter()
        .map(|v| {
            (
                v.depth,
                v.node.kind,
                v.node.num.as_deref(),
                v.node.text.as_str(),
            )
        })
        .collect();
    assert_eq!(
        outline,
        [
            (0, NodeKind::Preambular, None, "Recalling the Compacts;"),
            (
                0,
                NodeKind::Paragraph,
                None,
                "A new recital without a reference;"
            ),
            (0, NodeKind::Operative, None, "Adopt the following¹:"),
            (1, NodeKind::Footnote, None, "A footnote."),
            (1, NodeKind::Item, None, "prevent *irregular* migration;"),
            (1, NodeKind::Item, Some("(b)"), "a new point;"),
            (0, NodeKind::Goal, None, "Protect"),
            (1, NodeKind::Action, None, "Strengthen;"),
        ]
    );
}

/// Texts that start with a word (what follows a reference is never read as a number then),
/// with what Markdown and XML escape, line breaks and footnote markers inside.
fn text() -> impl Strategy<Value = String> {
    (
        prop::sample::select(FIRST_WORDS.to_vec()),
        prop_oneof![
            6 => "[a-zA-Zé0-9 ,.;:()\\[\\]'\"<>&*_#|{}~`\\\\+—-]{0,30}",
            1 => "( |\n|\n- |\n1\\. |\n# |  |[a-z]{1,4}|&amp;|&#32;|<p>|]]>|\\{\\+\\+|\\*\\*OP1\\*\\* ){0,6}",
        ],
    )
        .prop_map(|(word, tail)| format!("{word}{tail}").trim_end().to_string())
}

/// A heading's text: no line break.
fn heading_text() -> impl Strategy<Value = String> {
    text().prop_map(|t| t.replace('\n', " ").trim_end().to_string())
}

fn num() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![
        "[1-9][a-z]\\.",
        "\\([1-9][0-9]?\\)",
        "Article [1-9][0-9]?"
    ])
}

/// The words every generated text starts with.
const FIRST_WORDS: [&str; 5] = ["Recalling", "Adopt", "Strengthen", "Noting", "Welcome"];

/// Emphasis as negotiated texts carry it, on the first word ("**Priority 1:**" heads, a
/// preambular verb in italics), chosen by the text's length so that the generator stays as it
/// was: bold, italic, both or none.
fn first_word_marks(text: &str) -> Vec<InlineMark> {
    let Some(word) = FIRST_WORDS.iter().find(|w| text.starts_with(**w)) else {
        return Vec::new();
    };
    let kinds: &[MarkKind] = match text.len() % 4 {
        0 => &[MarkKind::Bold],
        1 => &[MarkKind::Italic],
        2 => &[MarkKind::Bold, MarkKind::Italic],
        _ => &[],
    };
    kinds
        .iter()
        .map(|kind| InlineMark::new(0..word.len(), *kind))
        .collect()
}

fn node(kind: NodeKind, num: Option<String>, text: String, children: Vec<Node>) -> Node {
    let marks = first_word_marks(&text);
    let mut node = Node::new(IdSource::new(0, 0).next_id(), kind, text).with_marks(marks);
    node.num = num;
    node.children = children;
    node
}

/// A text with footnotes whose markers it carries: `(text, footnotes)`.
fn with_footnotes(texts: BoxedStrategy<String>) -> impl Strategy<Value = (String, Vec<Node>)> {
    (texts, prop::collection::vec((text_plain(), text()), 0..3)).prop_map(|(mut text, notes)| {
        let mut footnotes = Vec::new();
        for (index, (after, note)) in notes.into_iter().enumerate() {
            text.push(['¹', '²', '³'][index]);
            text.push('x');
            text.push_str(&after);
            footnotes.push(node(NodeKind::Footnote, None, note, Vec::new()));
        }
        (text, footnotes)
    })
}

/// The words after a footnote marker.
fn text_plain() -> impl Strategy<Value = String> {
    "[a-z ,;]{0,10}[a-z]"
}

fn items(numbered: bool, depth: u32) -> BoxedStrategy<Vec<Node>> {
    let item = (
        if numbered {
            num().boxed()
        } else {
            Just(None).boxed()
        },
        with_footnotes(text().boxed()),
        if depth == 0 {
            Just(Vec::new()).boxed()
        } else {
            items(numbered, depth - 1)
        },
    )
        .prop_map(|(num, (text, mut children), items)| {
            children.extend(items);
            node(NodeKind::Item, num, text, children)
        });
    prop::collection::vec(item, 0..3).boxed()
}

fn with_items(kind: NodeKind, numbered: bool) -> impl Strategy<Value = Node> {
    (
        if numbered {
            num().boxed()
        } else {
            Just(None).boxed()
        },
        with_footnotes(text().boxed()),
        items(numbered, 2),
    )
        .prop_map(move |(num, (text, mut children), items)| {
            children.extend(items);
            node(kind, num, text, children)
        })
}

fn goal() -> impl Strategy<Value = Node> {
    (
        num(),
        with_footnotes(text().boxed()),
        items(true, 1),
        prop::collection::vec(with_items(NodeKind::Action, true), 0..3),
    )
        .prop_map(|(num, (text, mut children), items, actions)| {
            children.extend(items);
            children.extend(actions);
            node(NodeKind::Goal, num, text, children)
        })
}

fn leaf() -> BoxedStrategy<Node> {
    prop_oneof![
        3 => with_items(NodeKind::Operative, true),
        1 => goal(),
        1 => with_items(NodeKind::Paragraph, true),
        1 => with_items(NodeKind::Preambular, true),
    ]
    .boxed()
}

/// A part: its footnotes, items, other nodes, then the parts inside it.
fn part(depth: u32) -> BoxedStrategy<Node> {
    let inner = if depth == 0 {
        Just(Vec::new()).boxed()
    } else {
        prop::collection::vec(part(depth - 1), 0..2).boxed()
    };
    (
        num(),
        with_footnotes(heading_text().boxed()),
        items(true, 1),
        prop::collection::vec(leaf(), 0..3),
        inner,
    )
        .prop_map(|(num, (text, mut children), items, leaves, parts)| {
            children.extend(items);
            children.extend(leaves);
            children.extend(parts);
            node(NodeKind::Part, num, text, children)
        })
        .boxed()
}

fn document() -> impl Strategy<Value = Document> {
    let preamble = prop::collection::vec(
        prop_oneof![
            with_items(NodeKind::Paragraph, false),
            with_items(NodeKind::Preambular, false)
        ],
        0..4,
    );
    (
        "[A-Z][a-z]{1,8}( [a-z]{1,8}){0,4}",
        preamble,
        prop_oneof![with_items(NodeKind::Operative, true), goal()],
        prop::collection::vec(leaf(), 0..3),
        prop::collection::vec(part(1), 0..3),
        any::<u64>(),
    )
        .prop_map(|(title, preamble, first, leaves, parts, seed)| {
            let mut nodes = preamble;
            nodes.push(first);
            nodes.extend(leaves);
            nodes.extend(parts);
            let mut ids = IdSource::new(seed, 1_715_126_400_000);
            fn assign(nodes: &mut [Node], ids: &mut IdSource) {
                for node in nodes {
                    node.id = ids.next_id();
                    assign(&mut node.children, ids);
                }
            }
            assign(&mut nodes, &mut ids);
            Document::new(title, nodes)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The rendered Markdown gives back kinds, numbers, texts, nesting and so references; the
    /// structured Markdown, JSON and Akoma Ntoso give back the very same document, ids included.
    #[test]
    fn every_export_reads_back_to_the_same_tree(document in document(), audit in any::<bool>()) {
        let markdown = rendered(&document, audit);
        let back = import_any_markdown(&markdown, &mut IdSource::new(2, 0)).map(|i| i.document);
        prop_assert_eq!(back.as_ref().map(shape), Ok(shape(&document)), "{}", markdown);
        prop_assert_eq!(back.as_ref().map(references), Ok(references(&document)));

        let structured = export_structured(&document);
        let back = import_any_markdown(&structured, &mut IdSource::new(2, 0)).map(|i| i.document);
        prop_assert_eq!(back.as_ref(), Ok(&document), "{}", structured);

        let json = from_json(&to_json(&document));
        prop_assert_eq!(json.as_ref(), Ok(&document));

        let context = Context::new().classification("LIMITE");
        let xml = penholder_render::akn::document(&document, &context);
        let back = import_akn(&xml, &mut IdSource::new(3, 3)).map(|i| i.document);
        prop_assert_eq!(back.as_ref(), Ok(&document), "{}", xml);
    }
}
