//! Property: penholder's own Akoma Ntoso export reads back to the tree it was written from,
//! ids, kinds, numbers, texts and footnotes included, for any document the export can carry.
//!
//! The export fixes some things a tree could otherwise vary, so the documents generated here
//! keep to them: the preamble is the leading plain and preambular paragraphs (their items
//! carry no numbers, as a `blockList` has none); a node's footnotes come before its other
//! children (they are written inside its text); items come before the other children of a
//! part or goal (they are written as its list); the title is not empty; the body is not empty.

use penholder_core::{Document, IdSource, Node, NodeKind};
use penholder_import::import_akn;
use proptest::prelude::*;

/// Texts with what XML escapes, line breaks and runs of spaces, but no control characters (the
/// export writes U+FFFD for them), no carriage return (XML reads it as a line break) and no
/// superscript digits (they are footnote markers).
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-zA-Zé0-9 ,.;:()\\[\\]'\"<>&—-]{0,30}",
        1 => "( |\n|  |[a-z]{1,4}|&amp;|<p>|]]>){0,6}",
    ]
}

fn num() -> impl Strategy<Value = Option<String>> {
    // Never one the export derives from the reference (`1.`, `(a)`, `Priority Goal 1`).
    prop::option::of("No [0-9]{1,2}[a-z]?")
}

fn node(kind: NodeKind, num: Option<String>, text: String, children: Vec<Node>) -> Node {
    let mut node = Node::new(IdSource::new(0, 0).next_id(), kind, text);
    node.num = num;
    node.children = children;
    node
}

/// Footnotes of a node with the markers they go with, added to its text: `(text, footnotes)`.
fn with_footnotes() -> impl Strategy<Value = (String, Vec<Node>)> {
    (
        text(),
        prop::collection::vec((text(), text(), any::<bool>()), 0..3),
    )
        .prop_map(|(mut text, notes)| {
            let mut footnotes = Vec::new();
            for (index, (after, note, marked)) in notes.into_iter().enumerate() {
                // A marked note's marker stands in the text, followed by more text so that two
                // markers never touch; an unmarked one has none (the export puts it at the end).
                if marked {
                    text.push(['¹', '²', '³'][index]);
                    text.push('x');
                    text.push_str(&after);
                }
                footnotes.push(node(NodeKind::Footnote, None, note, Vec::new()));
            }
            (text, footnotes)
        })
}

fn items(numbered: bool, depth: u32) -> BoxedStrategy<Vec<Node>> {
    let item = (
        if numbered {
            num().boxed()
        } else {
            Just(None).boxed()
        },
        with_footnotes(),
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
        with_footnotes(),
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
        with_footnotes(),
        items(true, 1),
        prop::collection::vec(with_items(NodeKind::Action, true), 0..3),
    )
        .prop_map(|(num, (text, mut children), items, actions)| {
            children.extend(items);
            children.extend(actions);
            node(NodeKind::Goal, num, text, children)
        })
}

fn body_node(depth: u32) -> BoxedStrategy<Node> {
    let leaf = prop_oneof![
        3 => with_items(NodeKind::Operative, true),
        1 => goal(),
        1 => with_items(NodeKind::Paragraph, true),
        1 => with_items(NodeKind::Preambular, true),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    let part = (
        num(),
        with_footnotes(),
        items(true, 1),
        prop::collection::vec(body_node(depth - 1), 0..3),
    )
        .prop_map(|(num, (text, mut children), items, others)| {
            children.extend(items);
            children.extend(others);
            node(NodeKind::Part, num, text, children)
        });
    prop_oneof![3 => leaf, 1 => part].boxed()
}

fn document() -> impl Strategy<Value = Document> {
    let preamble = prop::collection::vec(
        prop_oneof![
            with_items(NodeKind::Paragraph, false),
            with_items(NodeKind::Preambular, false)
        ],
        0..4,
    );
    let first = prop_oneof![
        with_items(NodeKind::Operative, true),
        goal(),
        body_node(2).prop_filter("a part", |n| n.kind == NodeKind::Part),
    ];
    (
        "[A-Z][a-z]{1,8}( [a-z]{1,8}){0,4}",
        preamble,
        first,
        prop::collection::vec(body_node(2), 0..5),
        any::<u64>(),
    )
        .prop_map(|(title, preamble, first, rest, seed)| {
            let mut nodes = preamble;
            nodes.push(first);
            nodes.extend(rest);
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

    #[test]
    fn our_own_export_reads_back_to_the_same_tree(document in document()) {
        let context = penholder_render::Context::new().classification("LIMITE");
        let xml = penholder_render::akn::document(&document, &context);
        let back = import_akn(&xml, &mut IdSource::new(3, 3));
        prop_assert_eq!(back.map(|b| b.document), Ok(document), "{}", xml);
    }
}

/// A soup of Akoma Ntoso elements, nested and closed in any order the XML allows.
fn element_soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(vec![
            "article", "chapter", "paragraph", "point", "list", "intro", "content", "p", "num",
            "heading", "wrapUp", "recital", "recitals", "preamble", "preface", "blockList", "item",
            "authorialNote", "quotedStructure", "mod", "hcontainer", "tblock", "block", "i",
            "docTitle", "meta", "table", "tr", "td", "container", "mainBody", "formula",
        ])
        .prop_map(|name| (Some(name), String::new())),
        2 => "[a-z ¹]{0,8}|&amp;|\n".prop_map(|text| (None, text)),
    ];
    let pieces = prop::collection::vec(
        (
            piece,
            any::<bool>(),
            "(eId=\"[a-z_]{0,6}\"|wId=\"[0-9a-f-]{0,6}\"|wId=\"018f557f-f400-72dd-a0ce-2d3890b49a4[0-3]\"|marker=\"[0-9*]{0,2}\"|name=\"priorityGoal\")?",
        ),
        0..60,
    );
    // Half of them claim to be penholder's export, whose wIds are node ids.
    (pieces, any::<bool>()).prop_map(|(pieces, penholder)| {
        let mut out = String::from(
            r#"<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0"><bill>"#,
        );
        if penholder {
            out.push_str(r##"<meta><identification source="#penholder"/></meta>"##);
        }
        out.push_str("<body>");
        let mut open: Vec<&str> = Vec::new();
        for ((name, text), close, attribute) in pieces {
            match name {
                Some(_) if close && !open.is_empty() => {
                    if let Some(last) = open.pop() {
                        out.push_str(&format!("</{last}>"));
                    }
                }
                Some(name) => {
                    out.push_str(&format!("<{name} {attribute}>"));
                    open.push(name);
                }
                None => out.push_str(&text),
            }
        }
        while let Some(last) = open.pop() {
            out.push_str(&format!("</{last}>"));
        }
        out.push_str("</body></bill></akomaNtoso>");
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever the elements, the importer gives a document or an error, never a panic; a
    /// document it gives is within the depth bound, uses each id once and survives the
    /// structured form, external ids included.
    #[test]
    fn any_element_soup_imports_or_is_refused(xml in element_soup()) {
        if let Ok(imported) = import_akn(&xml, &mut IdSource::new(5, 5)) {
            let document = imported.document;
            prop_assert!(document.walk().iter().all(|v| v.depth < penholder_import::MAX_DEPTH));
            prop_assert_eq!(document.duplicate_id(), None);
            let text = penholder_import::export_structured(&document);
            let back = penholder_import::import_structured(&text, &mut IdSource::new(1, 1));
            prop_assert_eq!(back, Ok(document), "{}", xml);
        }
    }
}
