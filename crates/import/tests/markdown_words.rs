//! Property: whatever blocks a generated Markdown document is made of, the importer keeps every
//! word of it, in order. The generator knows which characters are markup (heading `#`s, bullets,
//! fences are kept), so the expected words come from the generator, not from a second parser.

mod common;

use common::tree_words;
use penholder_core::IdSource;
use penholder_import::import_markdown;
use proptest::prelude::*;

/// A word that may stand anywhere but at the start of a line.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-zA-Zäöüß]{1,8}",
        1 => "[0-9]{1,4}[.,;:]?",
        1 => prop::sample::select(vec![
            "-", "*", "#", "1.", "(a)", "§", "[bracketed", "text]", "**bold**", "¹", "->", "|", ">",
        ]).prop_map(str::to_string),
    ]
}

/// A word that can open a line without being read as markup.
fn first_word() -> impl Strategy<Value = String> {
    "[a-zA-Zäöü]{2,8}[,;]?"
}

fn line() -> impl Strategy<Value = Vec<String>> {
    (first_word(), prop::collection::vec(word(), 0..8)).prop_map(|(first, rest)| {
        let mut words = vec![first];
        words.extend(rest);
        words
    })
}

/// A block: its source lines and the words it contributes, in order.
#[derive(Clone, Debug)]
struct Block {
    source: String,
    words: Vec<String>,
}

/// The words as the imported text shows them: `**bold**` is emphasis (a mark over `bold`), its
/// asterisks markup, outside code.
fn shown(words: Vec<String>) -> Vec<String> {
    words
        .into_iter()
        .map(|word| match word.as_str() {
            "**bold**" => "bold".to_string(),
            _ => word,
        })
        .collect()
}

fn paragraph() -> impl Strategy<Value = Block> {
    prop::collection::vec(line(), 1..4).prop_map(|lines| Block {
        source: lines
            .iter()
            .map(|l| l.join(" "))
            .collect::<Vec<_>>()
            .join("\n"),
        words: shown(lines.concat()),
    })
}

fn heading() -> impl Strategy<Value = Block> {
    (1usize..=6, prop::collection::vec(word(), 0..6)).prop_map(|(level, words)| Block {
        source: format!("{} {}", "#".repeat(level), words.join(" ")),
        words: shown(words),
    })
}

fn numbered() -> impl Strategy<Value = Block> {
    let marker = prop::sample::select(vec![
        "1.", "2.", "4c.", "(1)", "(2)", "(a)", "a)", "b)", "iv.", "§ 3", "A.",
    ]);
    (
        marker,
        prop::sample::select(vec![0usize, 4]),
        line(),
        prop::collection::vec(line(), 0..2),
    )
        .prop_map(|(marker, indent, first, more)| {
            let pad = " ".repeat(indent);
            let mut source = format!("{pad}{marker} {}", first.join(" "));
            for line in &more {
                source.push_str(&format!("\n{pad}    {}", line.join(" ")));
            }
            let mut words: Vec<String> = marker.split(' ').map(str::to_string).collect();
            words.extend(first);
            words.extend(more.concat());
            Block {
                source,
                words: shown(words),
            }
        })
}

fn bullets() -> impl Strategy<Value = Block> {
    let item = (
        prop::sample::select(vec!['-', '*', '+']),
        prop::sample::select(vec![0usize, 2, 4]),
        line(),
    );
    prop::collection::vec(item, 1..5).prop_map(|items| {
        let mut lines = Vec::new();
        let mut words = Vec::new();
        for (bullet, indent, line) in items {
            lines.push(format!("{}{bullet} {}", " ".repeat(indent), line.join(" ")));
            words.extend(line);
        }
        Block {
            source: lines.join("\n"),
            words: shown(words),
        }
    })
}

fn fenced() -> impl Strategy<Value = Block> {
    prop::collection::vec(prop::collection::vec(word(), 0..5), 0..4).prop_map(|lines| {
        let body: Vec<String> = lines.iter().map(|l| l.join(" ")).collect();
        let source = format!("```\n{}\n```", body.join("\n"));
        let mut words = vec!["```".to_string()];
        words.extend(lines.concat());
        words.push("```".to_string());
        Block { source, words }
    })
}

fn thematic_break() -> impl Strategy<Value = Block> {
    prop::sample::select(vec!["---", "***", "___", "- - -"]).prop_map(|rule| Block {
        source: rule.to_string(),
        words: Vec::new(),
    })
}

/// A dash alone, as statutes mark a repealed article: text, not an empty bullet.
fn repealed_mark() -> impl Strategy<Value = Block> {
    prop::sample::select(vec!["-", "–", "—"]).prop_map(|mark| Block {
        source: mark.to_string(),
        words: vec![mark.to_string()],
    })
}

/// A kramdown attribute list on its own line: markup, no words.
fn attribute_list() -> impl Strategy<Value = Block> {
    prop::sample::select(vec![
        "{:.no_toc}",
        "{: #id .class}",
        "{:toc}",
        "{:ref: .note}",
    ])
    .prop_map(|list| Block {
        source: list.to_string(),
        words: Vec::new(),
    })
}

fn block() -> impl Strategy<Value = Block> {
    prop_oneof![
        4 => paragraph(),
        2 => heading(),
        3 => numbered(),
        3 => bullets(),
        1 => fenced(),
        1 => thematic_break(),
        1 => repealed_mark(),
        1 => attribute_list(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_word_is_lost(blocks in prop::collection::vec(block(), 1..12)) {
        let source: Vec<&str> = blocks.iter().map(|b| b.source.as_str()).collect();
        let source = source.join("\n\n");
        let expected: Vec<String> = blocks.iter().flat_map(|b| b.words.clone()).collect();
        match import_markdown(&source, &mut IdSource::new(1, 0)) {
            Ok(imported) => {
                let (body, footnotes) = tree_words(&imported.document);
                prop_assert!(footnotes.is_empty());
                prop_assert_eq!(body, expected, "{}", source);
                // Every `**bold**` outside code is a bold mark over exactly `bold`.
                let outside_code = blocks
                    .iter()
                    .filter(|b| !b.source.starts_with("```"))
                    .flat_map(|b| b.source.split_whitespace())
                    .filter(|w| *w == "**bold**")
                    .count();
                let marked: Vec<&str> = imported
                    .document
                    .walk()
                    .into_iter()
                    .flat_map(|v| v.node.marks.iter().map(|m| &v.node.text[m.range()]))
                    .collect();
                prop_assert_eq!(marked, vec!["bold"; outside_code], "{}", source);
            }
            // Only a document of thematic breaks has nothing to import.
            Err(_) => prop_assert!(expected.is_empty(), "{}", source),
        }
    }
}
