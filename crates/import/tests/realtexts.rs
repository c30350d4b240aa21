//! Real documents as people wrote them (the German Basic Law in three versions, the OASIS CSAF
//! standard before and after public review and its comment-resolution log): each imports
//! without losing a word.
//!
//! The source side drops only the markup the importer documents as markup (see
//! `docs/markdown-format.md`, "Ordinary documents"): front matter, heading `#`s, setext
//! underlines and thematic breaks, bullet and definition markers, the `:` after a footnote label,
//! kramdown attribute lists and the `* TOC` placeholder they mark.

mod common;

use common::{shared, tree_words, words};
use penholder_core::{IdSource, NodeKind};
use penholder_import::{export_structured, import_markdown, import_structured};

const TEXTS: [&str; 6] = [
    "realtexts/de-grundgesetz-versions/01_GG_before_Art93_amendment_2012-07.md",
    "realtexts/de-grundgesetz-versions/02_GG_after_Art93_amendment_2012-08-06.md",
    "realtexts/de-grundgesetz-versions/03_GG_update_2018-11-08.md",
    "realtexts/oasis-csaf-comment-resolution/01_csaf-v2.0_CSD01_2021-08-05.md",
    "realtexts/oasis-csaf-comment-resolution/02_csaf-v2.0_CS01_2021-10-27.md",
    "realtexts/oasis-csaf-comment-resolution/comment_resolution_log_from_csd01_public_review.md",
];

/// The words of a Markdown source without its markup.
fn source_words(source: &str) -> Vec<String> {
    let source = source.replace("\r\n", "\n");
    let mut lines: Vec<&str> = source.split('\n').collect();
    let front_matter_end = (lines.first() == Some(&"---"))
        .then(|| {
            lines
                .iter()
                .skip(1)
                .position(|l| matches!(*l, "---" | "..."))
        })
        .flatten();
    if let Some(end) = front_matter_end {
        lines.drain(..end + 2);
    }
    let mut out = Vec::new();
    let mut fence: Option<String> = None;
    // Whether the line before can be underlined: text, not a blank line or an ATX heading.
    let mut previous_is_text = false;
    for (index, line) in lines.iter().enumerate() {
        let line = *line;
        let text = line.trim();
        let hashes = text.len() - text.trim_start_matches('#').len();
        let is_heading = (1..=6).contains(&hashes) && text[hashes..].starts_with([' ', '\t']);
        let after_text = std::mem::replace(&mut previous_is_text, !text.is_empty() && !is_heading);
        if let Some(open) = &fence {
            if text.starts_with(open.as_str()) && text.chars().all(|c| open.starts_with(c)) {
                fence = None;
            }
            out.extend(words(line));
            continue;
        }
        let ticks = text.len() - text.trim_start_matches(['`']).len();
        let tildes = text.len() - text.trim_start_matches(['~']).len();
        if ticks >= 3 || tildes >= 3 {
            fence = Some(text[..ticks.max(tildes)].to_string());
            out.extend(words(line));
            continue;
        }
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        // A line of `=` or `-` underlines the line above it (setext); three or more of `-`, `*`
        // or `_` are a thematic break anywhere. A lone `-` after a blank line or a heading is
        // text (the Basic Law's repealed articles).
        let underline = after_text
            && !compact.is_empty()
            && (compact.chars().all(|c| c == '=') || compact.chars().all(|c| c == '-'));
        let is_rule = underline
            || (compact.len() >= 3
                && ['-', '*', '_']
                    .iter()
                    .any(|&m| compact.chars().all(|c| c == m)));
        if is_rule {
            continue;
        }
        // kramdown attribute lists (`{:.no_toc}`), and the `* TOC` list that `{:toc}` marks.
        if text.starts_with("{:") && text.ends_with('}') && !text.starts_with("{::") {
            continue;
        }
        let next = lines.get(index + 1).map_or("", |l| l.trim());
        if next == "{:toc}" {
            continue;
        }
        let mut text = text;
        if is_heading {
            text = &text[hashes..];
        }
        for marker in ["- ", "* ", "+ ", "• ", ": "] {
            if let Some(rest) = text.strip_prefix(marker) {
                text = rest;
                break;
            }
        }
        out.extend(words(text));
    }
    out
}

fn first_difference(left: &[String], right: &[String]) -> String {
    let at = left
        .iter()
        .zip(right)
        .position(|(a, b)| a != b)
        .unwrap_or(left.len().min(right.len()));
    let around = |side: &[String]| side[at.saturating_sub(8)..(at + 8).min(side.len())].join(" ");
    format!(
        "first difference at word {at}:\n  tree:   {}\n  source: {}",
        around(left),
        around(right)
    )
}

/// The words without the characters that may be emphasis delimiters (`*`, `_`: the source's
/// `_Version 2.0_.` is the tree's `Version 2.0.` in italics), and the words that were only
/// delimiters left out; taken off both sides alike.
fn without_delimiters(words: Vec<String>) -> Vec<String> {
    words
        .into_iter()
        .map(|word| word.replace(['*', '_'], ""))
        .filter(|word| !word.is_empty())
        .collect()
}

#[test]
fn every_real_text_imports_without_losing_a_word() {
    for path in TEXTS {
        let source = shared(path);
        let imported = import_markdown(&source, &mut IdSource::new(1, 0))
            .unwrap_or_else(|error| panic!("{path}: {error}"));
        let (tree, footnotes) = tree_words(&imported.document);
        assert!(footnotes.is_empty(), "{path} has no footnotes");
        let expected = source_words(&source);
        // Emphasis is read into marks (`**[csaf-v2.0]**` is the bold word `[csaf-v2.0]`): the
        // delimiters at a word's ends are compared on neither side.
        let (tree, expected) = (without_delimiters(tree), without_delimiters(expected));
        assert!(
            tree == expected,
            "{path}: {} words in the tree, {} in the source; {}",
            tree.len(),
            expected.len(),
            first_difference(&tree, &expected)
        );
    }
}

#[test]
fn every_real_text_survives_the_structured_form() {
    for path in TEXTS {
        let imported = import_markdown(&shared(path), &mut IdSource::new(1, 0)).unwrap();
        let text = export_structured(&imported.document);
        let back = import_structured(&text, &mut IdSource::new(9, 9)).unwrap();
        assert!(back == imported.document, "{path}");
    }
}

#[test]
fn the_basic_law_reads_as_articles_paragraphs_and_points() {
    let imported = import_markdown(&shared(TEXTS[1]), &mut IdSource::new(1, 0)).unwrap();
    let document = &imported.document;
    assert_eq!(
        document.title,
        "Grundgesetz für die Bundesrepublik Deutschland"
    );
    assert_eq!(
        imported
            .front_matter
            .as_ref()
            .and_then(|f| f.field("jurabk")),
        Some("GG")
    );
    let article = |num: &str| {
        document
            .walk()
            .into_iter()
            .find(|v| v.node.kind == NodeKind::Part && v.node.num.as_deref() == Some(num))
            .unwrap_or_else(|| panic!("no {num}"))
            .node
    };
    // Art 1: three numbered paragraphs.
    let nums: Vec<_> = article("Art 1")
        .children
        .iter()
        .map(|c| c.num.as_deref())
        .collect();
    assert_eq!(nums, [Some("(1)"), Some("(2)"), Some("(3)")]);
    // Art 93 (1): the points 1. … 5., with 4c. added by the 2012 amendment.
    let art93 = article("Art 93");
    let points: Vec<_> = art93.children[0]
        .children
        .iter()
        .filter_map(|c| c.num.as_deref())
        .collect();
    assert_eq!(
        points,
        ["1.", "2.", "2a.", "3.", "4.", "4a.", "4b.", "4c.", "5."]
    );
    assert!(
        art93.children[0]
            .children
            .iter()
            .all(|c| c.kind == NodeKind::Item)
    );
    // Art 73 (1) 10.: the lettered points under it, and `sowie …` after them inside (1).
    let art73 = article("Art 73");
    let first = &art73.children[0];
    let ten = first
        .children
        .iter()
        .find(|c| c.num.as_deref() == Some("10."))
        .unwrap();
    let letters: Vec<_> = ten
        .children
        .iter()
        .filter_map(|c| c.num.as_deref())
        .collect();
    assert_eq!(letters, ["a)", "b)", "c)"]);
    assert!(
        first
            .children
            .iter()
            .any(|c| c.num.is_none() && c.text.starts_with("sowie"))
    );
}

#[test]
fn the_basic_law_amendment_of_2012_is_one_new_point() {
    let before = import_markdown(&shared(TEXTS[0]), &mut IdSource::new(1, 0)).unwrap();
    let after = import_markdown(&shared(TEXTS[1]), &mut IdSource::new(1, 0)).unwrap();
    let texts = |d: &penholder_core::Document| -> Vec<(Option<String>, String)> {
        d.walk()
            .iter()
            .map(|v| (v.node.num.clone(), v.node.text.clone()))
            .collect()
    };
    let (old, new) = (texts(&before.document), texts(&after.document));
    assert_eq!(new.len(), old.len() + 1);
    let added: Vec<_> = new.iter().filter(|n| !old.contains(n)).collect();
    let removed: Vec<_> = old.iter().filter(|o| !new.contains(o)).collect();
    // The new point 4c. and the changed "Zuletzt geändert durch" definition.
    assert_eq!(added.len(), 2, "{added:?}");
    assert_eq!(removed.len(), 1, "{removed:?}");
    assert!(added.iter().any(|(num, _)| num.as_deref() == Some("4c.")));
}

/// The Basic Law of 2012 marks the repealed Art 49, 59a and 142a with a `-` alone; it is their
/// text, not an empty bullet (the 2018 version writes `(weggefallen)` in the heading instead).
#[test]
fn the_repealed_articles_of_the_basic_law_keep_their_dash() {
    for path in &TEXTS[..2] {
        let imported = import_markdown(&shared(path), &mut IdSource::new(1, 0)).unwrap();
        for num in ["Art 49", "Art 59a", "Art 142a"] {
            let article = imported
                .document
                .walk()
                .into_iter()
                .find(|v| v.node.kind == NodeKind::Part && v.node.num.as_deref() == Some(num))
                .unwrap_or_else(|| panic!("{path}: no {num}"))
                .node;
            let children: Vec<_> = article
                .children
                .iter()
                .map(|c| (c.kind, c.num.as_deref(), c.text.as_str()))
                .collect();
            assert_eq!(
                children,
                [(NodeKind::Paragraph, None, "-")],
                "{path}: {num}"
            );
        }
    }
}

#[test]
fn the_front_matter_of_the_basic_law_keeps_every_key() {
    let imported = import_markdown(&shared(TEXTS[2]), &mut IdSource::new(1, 0)).unwrap();
    let front = imported.front_matter.expect("front matter");
    let keys: Vec<&str> = front.fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["Title", "jurabk", "layout", "origslug", "slug"]);
    assert_eq!(front.field("layout"), Some("default"));
    assert_eq!(front.field("origslug"), Some("gg"));
}

/// Every Akoma Ntoso file of the shared texts, sent as Markdown, is refused with a message that
/// names the format to send it with, instead of becoming one paragraph of raw XML.
#[test]
fn akoma_ntoso_sent_as_markdown_is_refused_naming_the_format() {
    let akn = [
        "realtexts/akn-examples-eu/32014L0092.akn.xml",
        "realtexts/akn-examples-eu/DIR-cmcxketrh00ca8x00qxqd29bn-en.xml",
        "realtexts/akn-examples-eu/akn4eu_JOIN-2022-19.xml",
        "realtexts/akn-examples-un/Bill_UN_2012_E-CN.7-2012-L.2.xml",
        "realtexts/it-copyright-law-akn/19410716_041U0633_VIGENZA_20211231.xml",
        "realtexts/uk-lawmaker-akn/Bail_and_Release_from_Custody_Scotland_Bill_as_amended_at_Stage_2.xml",
        "realtexts/uk-lawmaker-akn/Sentencing_Bill__Commons_Amendments.xml",
    ];
    for path in akn {
        let error = import_markdown(&shared(path), &mut IdSource::new(1, 0))
            .expect_err(path)
            .to_string();
        assert!(
            error.contains("this looks like Akoma Ntoso XML: send it with format \"akn\""),
            "{path}: {error}"
        );
    }
}
