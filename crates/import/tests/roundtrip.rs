//! Properties: the structured form gives back every document exactly, and no input, however
//! odd, makes an importer panic.

use penholder_core::{Document, IdSource, InlineMark, MarkKind, Node, NodeKind, normalize_marks};
use penholder_import::{
    export_structured, from_json, import_akn, import_any_markdown, import_council_note,
    import_markdown, import_structured, to_json,
};
use proptest::prelude::*;

/// Texts mixing what Markdown and the structured form treat specially with anything at all.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z0-9 ,.;:()*_#>|\\[\\]^§¹²-]{0,40}",
        2 => "(<!-- penholder (document|item|part) -->|-->|\n|\r\n| |  |- |# |> |1\\. |\\[\\^1\\]: |[a-z]{1,5}){0,8}",
        1 => any::<String>(),
    ]
}

fn kind() -> impl Strategy<Value = NodeKind> {
    prop::sample::select(NodeKind::ALL.to_vec())
}

/// A node without an id yet (ids are handed out afterwards, so that they are unique).
fn node() -> impl Strategy<Value = Node> {
    let leaf = (kind(), prop::option::of(text()), text()).prop_map(|(kind, num, text)| Node {
        id: IdSource::new(0, 0).next_id(),
        kind,
        num,
        text,
        external_id: None,
        marks: Vec::new(),
        children: Vec::new(),
    });
    leaf.prop_recursive(4, 40, 5, |inner| {
        (
            kind(),
            prop::option::of(text()),
            text(),
            prop::collection::vec(inner, 0..5),
        )
            .prop_map(|(kind, num, text, children)| Node {
                id: IdSource::new(0, 0).next_id(),
                kind,
                num,
                text,
                external_id: None,
                marks: Vec::new(),
                children,
            })
    })
}

/// Up to two marks on character boundaries of `text`, chosen by `seed`.
fn arbitrary_marks(text: &str, seed: u128) -> Vec<InlineMark> {
    let boundaries: Vec<usize> = (0..=text.len())
        .filter(|&i| text.is_char_boundary(i))
        .collect();
    let pick = |shift: u32| boundaries[((seed >> shift) % boundaries.len() as u128) as usize];
    let marks = (0..(seed % 3) as u32)
        .map(|n| {
            let (a, b) = (pick(8 + 16 * n), pick(16 + 16 * n));
            let kind = if (seed >> (40 + n)) & 1 == 0 {
                MarkKind::Bold
            } else {
                MarkKind::Italic
            };
            InlineMark::new(a.min(b)..a.max(b), kind)
        })
        .collect();
    normalize_marks(marks)
}

fn document() -> impl Strategy<Value = Document> {
    (
        text(),
        prop::collection::vec(node(), 0..6),
        any::<u64>(),
        0u64..4_000_000_000_000,
    )
        .prop_map(|(title, mut nodes, seed, millis)| {
            let mut ids = IdSource::new(seed, millis);
            fn assign(nodes: &mut [Node], ids: &mut IdSource) {
                for node in nodes {
                    node.id = ids.next_id();
                    // Emphasis anywhere (inside words, over spaces and line breaks), drawn
                    // from the id, so that the structured form's fallback is exercised too.
                    node.marks = arbitrary_marks(&node.text, node.id.0.as_u128());
                    assign(&mut node.children, ids);
                }
            }
            assign(&mut nodes, &mut ids);
            Document::new(title, nodes)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn export_then_import_is_the_identity(document in document()) {
        let text = export_structured(&document);
        let back = import_structured(&text, &mut IdSource::new(1, 0));
        prop_assert_eq!(back.as_ref(), Ok(&document), "{}", text);
        let any = import_any_markdown(&text, &mut IdSource::new(1, 0)).map(|i| i.document);
        prop_assert_eq!(any.as_ref(), Ok(&document));
        let json = from_json(&to_json(&document));
        prop_assert_eq!(json.as_ref(), Ok(&document));
    }

    #[test]
    fn export_is_stable(document in document()) {
        let text = export_structured(&document);
        let back = import_structured(&text, &mut IdSource::new(1, 0)).unwrap();
        prop_assert_eq!(export_structured(&back), text);
    }

    #[test]
    fn no_string_makes_an_importer_panic(input in text(), more in any::<String>()) {
        for candidate in [input.as_str(), more.as_str()] {
            let mut ids = IdSource::new(2, 0);
            let _ = import_structured(candidate, &mut ids);
            let _ = import_markdown(candidate, &mut ids);
            let _ = import_council_note(candidate, &mut ids);
            let _ = from_json(candidate);
            let _ = import_akn(candidate, &mut ids);
            let header = format!("<!-- penholder document format=1 -->\n# T\n{candidate}");
            let _ = import_structured(&header, &mut ids);
        }
    }

    #[test]
    fn lines_of_markup_never_make_an_importer_panic(
        lines in prop::collection::vec(
            "(<!-- penholder (item|part|document)( level=[0-9]| num=\"[^\"]{0,3}\"| id=[0-9a-f-]{0,36}| text=\"x)* -->|# x|---|```|- a|  \\* b|\\(1\\) c|10\\. d|    a\\) e|\\[\\^1\\]: f|: g|> h|\\| i|<div>|Article 3|§ 4 x|-|  - |\t\\[\\^2\\]:|\\{:toc\\}|\\{: \\.c\\}|# T \\{:\\.no_toc\\}|\\[Article 3bis\\]|Article 8 bis|§ 2 ter|<\\?xml ?\\?>|<!DOCTYPE x \\[|\\]>|<akomaNtoso>|</x>|<x>|Priority Goal [0-9]|[¹²] n| |[A-Za-z ]{0,12}[.;:]?|\\*\\*(P|PP|OP|PG|FN|S|A|I)[0-9](\\.[0-9a-c])*\\*\\*( (\\([a-c]\\)|[0-9]\\.|–|[0-9]|\\\\\\[\\^1\\\\\\]))?( x\\\\?)?|## \\*\\*S[0-9]\\*\\* t|### Priority Goal [0-9]|\\*\\*LIMITE\\*\\*|# T|\\*V\\*|Audit head 1:a|&#32;x\\\\)",
            0..40,
        )
    ) {
        let text = lines.join("\n");
        let mut ids = IdSource::new(3, 0);
        let _ = import_structured(&text, &mut ids);
        if let Ok(imported) = import_markdown(&text, &mut ids) {
            let again = import_structured(&export_structured(&imported.document), &mut ids);
            prop_assert_eq!(again.as_ref(), Ok(&imported.document));
        }
        let _ = import_council_note(&text, &mut ids);
        let council = format!("X Declaration\n\n{text}\n\nPlan\n\nPriority Goal 1\n\n{text}");
        let _ = import_council_note(&council, &mut ids);
    }
}

/// Inputs that once were, or could be, trouble: cut UTF-8 boundaries, lone markers, deep
/// levels, escapes gone wrong.
#[test]
fn nasty_inputs_give_errors_or_documents_never_panics() {
    let nasty = [
        "",
        "\u{feff}",
        "\r",
        "\r\n\r\n",
        "<!--",
        "<!-- penholder",
        "<!-- penholder -->",
        "<!-- penholder document format=1 -->",
        "<!-- penholder document format=1 title=\"\\u00 -->",
        "<!-- penholder document format=1 title=\"\\ud800\" -->",
        "<!-- penholder document format=1 -->\n# T\n<!-- penholder item level=99999999999999999999 -->",
        "<!-- penholder document format=1 -->\n# T\n<!-- penholder item = -->",
        "<!-- penholder document format=1 -->\n# T\n<!-- penholder item num=\"é -->",
        "<!-- penholder document format=1 -->\n# T\n<!-- penholder item id=é -->",
        "<!-- penholder document format=1 -->\n# T\n<!-- penholder itém -->",
        "# \u{0}",
        "§",
        "§§ 1",
        "(",
        "()",
        "(é)",
        "1.",
        "¹",
        "¹ ",
        "[^",
        "[^]:",
        "[^é]: x",
        "```",
        "~~~~\n~~~",
        "---",
        "---\n---",
        "Article",
        "Article é",
        "Art. 1.",
        "X Declaration\n\nPlan\n\nPriority Goal 1",
        "X Declaration\n\n¹ note\n\nPlan\n\nPriority Goal 1\n\nT",
        "X Declaration\n\nWE¹\n\n¹ n\n\nPlan\n\nPriority Goal 1\n\nTitle\n\n1. a\n\n2. b\n\nPriority Goal 99999999999999999999999",
        "\u{2028}\u{2029}\u{85}",
        "\t\t- a\n\t- b\n- c",
        "    a)\n  b)\nc)",
        "-",
        "\u{2014}",
        "{:",
        "{:}",
        "{:toc}",
        "* TOC\n{:toc}",
        "# {:}",
        "[Article",
        "[Article 3",
        "[Article 3bis",
        "Article 3 bis",
        "Article 3-",
        "§ 3 ",
        "§ 3 bis",
        "<",
        "<?",
        "<?xml",
        "<!DOCTYPE",
        "<!doctype é",
        "<!DOCTYPE x [",
        "<!DOCTYPE x [ ]",
        "<!-- x -->",
        "<é>",
        "<x></x>",
        "---\nk:\n---\nT",
        "---\nk: |\n---\nT",
        "---\nk:\n  - \n-\n---\nT",
        "[^1]:\n\n  \n\t",
    ];
    for input in nasty {
        let mut ids = IdSource::new(4, 0);
        let _ = import_structured(input, &mut ids);
        if let Ok(imported) = import_markdown(input, &mut ids) {
            let text = export_structured(&imported.document);
            assert_eq!(
                import_structured(&text, &mut ids).as_ref(),
                Ok(&imported.document),
                "{input:?}"
            );
        }
        let _ = import_council_note(input, &mut ids);
        let _ = from_json(input);
    }
}
