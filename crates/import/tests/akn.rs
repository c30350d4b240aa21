//! Akoma Ntoso documents in: every real AKN text under `shared/realtexts/` (UK Lawmaker, EU,
//! UN, Italian) imports without losing a word of its body, penholder's own export reads back
//! to the tree it was written from, and hostile XML is refused with an error, never a panic.
//!
//! The words of a source are counted here independently of the importer: all text of the
//! document element but its `<meta>` (preface, preamble, body, conclusions, amendments…),
//! words broken at every element boundary except those of inline elements, which flow into the
//! text around them (`<i>Urges</i>`, `<ref>Article 3</ref>;`).

mod common;

use common::{outline, shared, words};
use penholder_core::{Document, IdSource, NodeKind};
use penholder_import::{AknImport, ImportError, import_akn};
use quick_xml::events::Event;
use quick_xml::reader::Reader;
use std::collections::HashMap;

const TEXTS: [&str; 9] = [
    "realtexts/akn-examples-eu/32014L0092.akn.xml",
    "realtexts/akn-examples-eu/DIR-cmcxketrh00ca8x00qxqd29bn-en.xml",
    "realtexts/akn-examples-eu/akn4eu_JOIN-2022-19.xml",
    "realtexts/akn-examples-un/Bill_UN_2012_E-CN.7-2012-L.2.xml",
    "realtexts/it-copyright-law-akn/19410716_041U0633_VIGENZA_20211231.xml",
    "realtexts/it-copyright-law-akn/19410716_041U0633_VIGENZA_20241222.xml",
    "realtexts/uk-lawmaker-akn/Bail_and_Release_from_Custody_Scotland_Bill_as_amended_at_Stage_2.xml",
    "realtexts/uk-lawmaker-akn/Sentencing_Bill__Commons_Amendments.xml",
    "realtexts/uk-lawmaker-akn/Sustainable_Aviation_Fuel_Bill__Commons__AAC.xml",
];

/// Elements whose text flows into the text around them.
const INLINE: &[&str] = &[
    "i",
    "b",
    "u",
    "sup",
    "sub",
    "span",
    "inline",
    "ref",
    "mref",
    "rref",
    "date",
    "term",
    "def",
    "a",
    "abbr",
    "docTitle",
    "docNumber",
    "docStage",
    "docStatus",
    "docType",
    "docDate",
    "docProponent",
    "docIntroducer",
    "docketNumber",
    "docPurpose",
    "docCommittee",
    "docAuthority",
    "shortTitle",
    "session",
    "person",
    "organization",
    "role",
    "location",
    "entity",
    "quantity",
    "concept",
    "event",
    "omissis",
    "ins",
    "del",
    "affectedDocument",
    "noteRef",
    "placeholder",
    "legislature",
    "signature",
    "documentRef",
    "img",
    "outcome",
];

/// Inline elements that format text and may stand inside a word; other inline elements side by
/// side (`<docProponent>A</docProponent><docProponent>B</docProponent>`) are two words.
const FORMATTING: &[&str] = &["i", "b", "u", "sup", "sub", "span", "ins", "del", "a"];

fn is_naming(qualified: &str) -> bool {
    !qualified.contains(':') && INLINE.contains(&qualified) && !FORMATTING.contains(&qualified)
}

fn is_inline(qualified: &str) -> bool {
    // Elements of a profile's own namespace (`ukl:`, `leos:`) are text to penholder.
    qualified.contains(':') || INLINE.contains(&qualified)
}

/// The words of a source's body, footnote markers (superscript digits) left out.
fn source_words(xml: &str) -> Vec<String> {
    let mut reader = Reader::from_str(xml);
    let mut depth = 0usize;
    let mut meta_depth: Option<usize> = None;
    // A note's text is apart from the text it stands in, which flows on around it: one buffer
    // per open note, the body's at the bottom.
    let mut buffers = vec![String::new()];
    let mut notes = String::new();
    // Whether the last thing read closed a naming inline element.
    let mut after_naming = false;
    loop {
        let text = buffers
            .last_mut()
            .expect("the body's buffer is never popped");
        match reader.read_event().expect("the real texts are well-formed") {
            Event::Start(tag) => {
                depth += 1;
                let name = tag.name().as_ref().to_string();
                if after_naming && is_naming(&name) {
                    text.push(' ');
                }
                after_naming = false;
                if name == "meta" && meta_depth.is_none() {
                    meta_depth = Some(depth);
                }
                if name == "authorialNote" {
                    buffers.push(String::new());
                } else if !is_inline(&name) {
                    text.push(' ');
                }
            }
            Event::End(tag) => {
                after_naming = is_naming(tag.name().as_ref());
                if meta_depth == Some(depth) {
                    meta_depth = None;
                }
                depth -= 1;
                if tag.name().as_ref() == "authorialNote" {
                    if let Some(note) = buffers.pop() {
                        notes.push_str(&note);
                        notes.push(' ');
                    }
                } else if !is_inline(tag.name().as_ref()) {
                    text.push(' ');
                }
            }
            Event::Empty(tag) => {
                after_naming = is_naming(tag.name().as_ref());
                if !is_inline(tag.name().as_ref()) {
                    text.push(' ');
                }
            }
            Event::Text(t) if meta_depth.is_none() => {
                after_naming = false;
                text.push_str(&t.xml10_content());
            }
            Event::CData(t) if meta_depth.is_none() => text.push_str(&t),
            Event::GeneralRef(r) if meta_depth.is_none() => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => c,
                    _ => match &*r {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        _ => '\'',
                    },
                };
                text.push(c);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut all = words(&buffers.concat());
    all.extend(words(&notes));
    without_markers(all)
}

fn is_superscript_digit(c: char) -> bool {
    matches!(
        c,
        '\u{00B9}' | '\u{00B2}' | '\u{00B3}' | '\u{2070}' | '\u{2074}'..='\u{2079}'
    )
}

fn without_markers(words: Vec<String>) -> Vec<String> {
    words
        .into_iter()
        .map(|w| {
            w.chars()
                .filter(|c| !is_superscript_digit(*c))
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Every word of the tree: numbers, texts, footnotes, in document order.
fn imported_words(document: &Document) -> Vec<String> {
    let mut out = Vec::new();
    for visit in document.walk() {
        if let Some(num) = &visit.node.num {
            out.extend(words(num));
        }
        out.extend(words(&visit.node.text));
    }
    without_markers(out)
}

/// The words of `left` that `right` lacks, as a multiset.
fn missing(left: &[String], right: &[String]) -> Vec<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for word in right {
        *counts.entry(word).or_default() += 1;
    }
    let mut out = Vec::new();
    for word in left {
        match counts.get_mut(word.as_str()) {
            Some(n) if *n > 0 => *n -= 1,
            _ => out.push(word.clone()),
        }
    }
    out
}

fn import(path: &str) -> (String, AknImport) {
    let source = shared(path);
    let imported = import_akn(&source, &mut IdSource::new(1, 0))
        .unwrap_or_else(|error| panic!("{path}: {error}"));
    (source, imported)
}

#[test]
fn every_real_akn_text_imports_without_losing_a_word() {
    let mut report = Vec::new();
    for path in TEXTS {
        let (source, imported) = import(path);
        let expected = source_words(&source);
        let got = imported_words(&imported.document);
        let lost = missing(&expected, &got);
        let added = missing(&got, &expected);
        report.push(format!(
            "{path}: body words {}, imported words {}, lost {}, added {}, nodes {}",
            expected.len(),
            got.len(),
            lost.len(),
            added.len(),
            imported.document.node_count()
        ));
        assert!(
            lost.is_empty() && added.is_empty(),
            "{path}: lost {:?}…, added {:?}…",
            &lost[..lost.len().min(20)],
            &added[..added.len().min(20)]
        );
    }
    println!("{}", report.join("\n"));
}

#[test]
#[ignore = "prints outlines for a look by hand"]
fn print_outlines() {
    for path in TEXTS {
        let (_, imported) = import(path);
        println!("== {path}\n{:?}", imported.metadata);
        for line in outline(&imported.document, 8).iter().take(60) {
            println!("{line}");
        }
    }
}
