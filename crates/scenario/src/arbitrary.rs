//! Generated documents for property tests (the `proptest` feature): trees of the shapes
//! penholder's texts have, for the tests that write a document in one form and read it back
//! (the rendered Markdown, the structured forms, the Word file of a version).
//!
//! What the generated documents keep to, so that every export can say it: the parts of a level
//! come after the other nodes of that level (a part holds what follows its heading); a node's
//! footnotes come before its other children, its items before its actions and parts; the
//! preamble is plain and preambular paragraphs whose items carry no numbers (as the Akoma
//! Ntoso export needs); texts start with a word, not with something read as a number, have no
//! spaces at either end, and no line break in a heading; verbatim numbers are of the kinds
//! people write (`4c.`, `(2)`, `Article 7`); emphasis is on a text's first word, as negotiated
//! texts carry it ("**Priority 1:**" heads, a preambular verb in italics).

use penholder_core::{Document, IdSource, InlineMark, MarkKind, Node, NodeKind};
use proptest::prelude::*;

/// Any document of the shapes above, ids drawn from a generated seed.
pub fn document() -> impl Strategy<Value = Document> {
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

/// Texts that start with a word (what follows a reference is never read as a number then),
/// with what Markdown and XML escape, line breaks and footnote markers inside.
pub fn text() -> impl Strategy<Value = String> {
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

/// The emphasis of a text's first word, chosen by the text's length so that the emphasis does
/// not change which texts are drawn: bold, italic, both or none.
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
