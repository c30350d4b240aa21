//! Every proposal of a round appears in its compilation in every format: its wording (or the
//! deletion it asks for) attributed to its delegation in HTML, Markdown and Word, and its row
//! in the CSV and XLSX disposition tables. Checked on the realistic round (Word through
//! LibreOffice as well) and on generated rounds (Word read from its XML).

mod common;

use common::office::{Element, Odt, View, convert, parse, soffice_available, xlsx_cells};
use common::*;
use penholder_core::negotiation::{Anchor, Item, Submission};
use penholder_core::{Document, IdSource, Node, NodeKind, Version};
use penholder_diff::{Compilation, compile};
use penholder_render::{Context, RoundRecord, dispositions, docx, html, markdown};
use proptest::prelude::*;
use std::io::Read;

/// What one item must show: its delegation, and the texts it proposes (or comments).
struct Expected {
    delegation: String,
    id: String,
    /// Wording proposed (alternative texts, comment texts), as written.
    texts: Vec<String>,
    /// It asks to delete words or a whole node.
    deletes: bool,
}

fn expectations(compilation: &Compilation, submissions: &[Submission]) -> Vec<Expected> {
    let mut out = Vec::new();
    for submission in submissions {
        for (index, item) in submission.items.iter().enumerate() {
            let mut texts = Vec::new();
            let mut deletes = false;
            if let Item::Comment { text, .. } = item {
                texts.push(text.clone());
            }
            for change in compilation.changes() {
                for alternative in &change.alternatives {
                    if !alternative
                        .supporters
                        .iter()
                        .any(|s| s.delegation == submission.delegation && s.item == index)
                    {
                        continue;
                    }
                    match alternative.text.as_deref() {
                        None => deletes = true,
                        Some(t) if t.trim().is_empty() => deletes = true,
                        Some(t) => texts.push(t.to_string()),
                    }
                }
            }
            out.push(Expected {
                delegation: submission.delegation.clone(),
                id: format!("{}-{}", submission.delegation, index + 1),
                texts,
                deletes,
            });
        }
    }
    out
}

fn html_text(page: &str) -> String {
    page.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && chars
                .peek()
                .is_some_and(|n| n.is_ascii_punctuation() || *n == '\n')
        {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out.replace("&#32;", " ")
}

/// `(author, text)` of every `w:ins` and `w:del` of a Word document, and its comments.
struct WordXml {
    insertions: Vec<(String, String)>,
    deletions: Vec<(String, String)>,
    comments: Vec<(String, String)>,
}

fn word_xml(bytes: &[u8]) -> WordXml {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a docx package");
    let mut part = |name: &str| -> Option<String> {
        let mut file = archive.by_name(name).ok()?;
        let mut text = String::new();
        file.read_to_string(&mut text).ok()?;
        Some(text)
    };
    let document = parse(&part("word/document.xml").expect("the main part"));
    let text_of = |element: &Element, tag: &str| -> String {
        element
            .descendants(tag)
            .iter()
            .map(|t| t.text())
            .collect::<String>()
    };
    let pairs = |tag: &str, text_tag: &str| -> Vec<(String, String)> {
        document
            .descendants(tag)
            .iter()
            .map(|e| {
                (
                    e.attribute("w:author").unwrap_or_default().to_string(),
                    text_of(e, text_tag),
                )
            })
            .collect()
    };
    let comments = part("word/comments.xml")
        .map(|xml| {
            parse(&xml)
                .descendants("w:comment")
                .iter()
                .map(|c| {
                    (
                        c.attribute("w:author").unwrap_or_default().to_string(),
                        c.descendants("w:p")
                            .iter()
                            .map(|p| text_of(p, "w:t"))
                            .collect::<Vec<_>>()
                            .join("\n"),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    WordXml {
        insertions: pairs("w:ins", "w:t"),
        deletions: pairs("w:del", "w:delText"),
        comments,
    }
}

/// Checks every format of one round's compilation and dispositions.
fn check_every_format(version: &Version, submissions: &[Submission], context: &Context) {
    let compilation = compile(version, submissions);
    let expected = expectations(&compilation, submissions);
    let page = html_text(&html::compilation(&compilation, context));
    let md = markdown_text(&markdown::compilation(&compilation, context));
    let word = word_xml(&docx::compilation(&compilation, context).expect("docx"));
    let record = RoundRecord {
        round: "Round",
        compilation: &compilation,
        submissions,
        decisions: &[],
        result: None,
    };
    let rows = dispositions::dispositions(&record, context);
    let csv = String::from_utf8(dispositions::csv(&rows).expect("csv")).expect("utf-8");
    let sheet = xlsx_cells(&dispositions::xlsx(&rows, context, "Round").expect("xlsx"));

    for item in &expected {
        let name = context.name(&item.delegation).to_string();
        for text in &item.texts {
            assert!(
                page.contains(text.as_str()),
                "HTML lacks {:?} of {}",
                text,
                item.id
            );
            assert!(
                md.contains(text.as_str()),
                "Markdown lacks {:?} of {}",
                text,
                item.id
            );
            // A joint proposal's change is authored by its first proposer; every other
            // supporter is named in its comment (docs/word.md).
            let named = |author: &str| {
                author.contains(&name) || word.comments.iter().any(|(_, c)| c.contains(&name))
            };
            let in_word = word
                .insertions
                .iter()
                .chain(&word.comments)
                .any(|(author, t)| named(author) && t.contains(text.as_str()));
            assert!(in_word, "Word lacks {:?} by {name} ({})", text, item.id);
        }
        assert!(page.contains(&name), "HTML does not name {name}");
        assert!(md.contains(&name), "Markdown does not name {name}");
        if item.deletes {
            let in_word = word
                .deletions
                .iter()
                .any(|(author, _)| author.contains(&name))
                || word.comments.iter().any(|(author, t)| {
                    (author.contains(&name) || t.contains(&name)) && t.contains("delete")
                });
            assert!(
                in_word,
                "Word lacks the deletion asked by {name} ({})",
                item.id
            );
        }
        assert!(
            csv.lines()
                .any(|line| line.starts_with(&format!("{},", item.id))),
            "CSV lacks {}",
            item.id
        );
        assert!(
            sheet.iter().any(|row| row.first() == Some(&item.id)),
            "XLSX lacks {}",
            item.id
        );
    }
    assert_eq!(rows.len(), expected.len(), "one row per item");
}

#[test]
fn every_proposal_of_the_round_is_in_every_format() {
    let n = negotiation();
    check_every_format(&n.v1, &n.submissions, &context());
}

#[test]
fn every_proposal_reaches_libreoffice() {
    if !soffice_available() {
        return;
    }
    let n = negotiation();
    let context = context();
    let bytes = docx::compilation(&n.compilation, &context).expect("docx");
    let out = convert(&[("every.docx", &bytes)], "fodt", "fodt");
    let odt = Odt::parse(&out["every.docx"]);
    let insertions = odt.tracked("insertion");
    let deletions = odt.tracked("deletion");
    let comments = odt.comments();
    for item in expectations(&n.compilation, &n.submissions) {
        let name = context.name(&item.delegation).to_string();
        for text in &item.texts {
            // By its author, or (a joint proposal's other supporters) named in a comment on it.
            assert!(
                insertions
                    .iter()
                    .chain(&comments)
                    .any(|(author, t)| author.contains(&name) && t.contains(text.as_str()))
                    || comments
                        .iter()
                        .any(|(_, t)| t.contains(&name) && t.contains(text.as_str())),
                "LibreOffice shows no {text:?} by {name}"
            );
        }
        if item.deletes {
            assert!(
                deletions.iter().any(|(author, _)| author.contains(&name))
                    || comments.iter().any(|(author, t)| {
                        (author.contains(&name) || t.contains(&name)) && t.contains("delete")
                    }),
                "LibreOffice shows no deletion by {name}"
            );
        }
    }
    assert!(!odt.paragraphs(View::Rejected).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Generated rounds.
// ---------------------------------------------------------------------------------------------

const WORDS: [&str; 12] = [
    "States",
    "shall",
    "cooperate",
    "on",
    "return",
    "and",
    "readmission",
    "<b>",
    "&",
    "*all*",
    "{++x++}",
    "migrants¹",
];

fn sentence() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(&WORDS[..]), 2..8).prop_map(|w| w.join(" ") + ".")
}

#[derive(Clone, Debug)]
enum Proposal {
    Amend(usize, String),
    Insert(usize, String),
    Delete(usize),
    Comment(Option<usize>, String),
}

fn proposal() -> impl Strategy<Value = Proposal> {
    prop_oneof![
        (0..4usize, sentence()).prop_map(|(n, t)| Proposal::Amend(n, t)),
        (0..4usize, sentence()).prop_map(|(n, t)| Proposal::Insert(n, t)),
        (0..4usize).prop_map(Proposal::Delete),
        (prop::option::of(0..4usize), sentence()).prop_map(|(n, t)| Proposal::Comment(n, t)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_generated_proposal_is_in_every_format(
        texts in prop::collection::vec(sentence(), 4),
        delegations in prop::collection::vec(prop::collection::vec(proposal(), 1..4), 1..5),
    ) {
        let mut ids = IdSource::new(9, 1_700_000_000_000);
        let nodes: Vec<Node> = texts
            .iter()
            .map(|t| Node::new(ids.next_id(), NodeKind::Operative, t.as_str()))
            .collect();
        let keys: Vec<_> = nodes.iter().map(|n| n.id).collect();
        let version = Version::new(1, "Draft", None, Document::new("Draft", nodes));
        let codes = ["AT", "DE", "FR", "HU", "TR"];
        let submissions: Vec<Submission> = delegations
            .iter()
            .enumerate()
            .map(|(d, proposals)| Submission {
                delegation: codes[d].to_string(),
                revision: 1,
                submitted_at: 1_700_000_000_000,
                items: proposals
                    .iter()
                    .map(|p| match p {
                        Proposal::Amend(n, t) => Item::Amend { iso: Default::default(),
                            node: keys[*n],
                            text: t.clone(),
                            justification: Some(format!("Because {t}")),
                        },
                        Proposal::Insert(n, t) => Item::Insert { iso: Default::default(),
                            at: Anchor::After(keys[*n]),
                            node_kind: None,
                            text: t.clone(),
                            justification: None,
                        },
                        Proposal::Delete(n) => Item::Delete { iso: Default::default(), node: keys[*n], justification: None },
                        Proposal::Comment(n, t) => Item::Comment { iso: Default::default(), node: n.map(|n| keys[n]), text: t.clone() },
                    })
                    .collect(),
            })
            .collect();
        let mut context = Context::new();
        for (code, name) in codes.iter().zip(["Austria", "Germany", "France", "Hungary", "Türkiye"]) {
            context = context.delegation(*code, name);
        }
        check_every_format(&version, &submissions, &context);
    }
}
