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
