//! Snapshots of the HTML and Markdown a reader gets for a realistic round: the zero draft, the
//! compilation of six delegations' feedback, the redline to Rev. 1 and its provenance, and the
//! dispositions. Review changes to the `.snap` files as you would review the page itself.

mod common;

use common::*;
use penholder_render::{dispositions, html, markdown};

/// The page without its style sheet (the same on every page), with a line break after each
/// block element so that a change to the page shows as a change to a few lines.
fn html_body(page: &str) -> String {
    let page = match (page.find("<style>"), page.find("</style>")) {
        (Some(start), Some(end)) => {
            format!("{}<style>…</style>{}", &page[..start], &page[end + 8..])
        }
        _ => page.to_string(),
    };
    let mut out = page;
    for tag in [
        "</p>",
        "</div>",
        "</li>",
        "</aside>",
        "</tr>",
        "</h2>",
        "<ul>",
        "<ol>",
        "</ul>",
        "</ol>",
        "<tbody>",
        "</thead>",
        "</section>",
        "</header>",
        "</table>",
    ] {
        out = out.replace(&format!("{tag}<"), &format!("{tag}\n<"));
    }
    out
}

#[test]
fn version_html() {
    let n = negotiation();
    insta::assert_snapshot!(html_body(&html::version(&n.v1, &context())));
}

#[test]
fn version_markdown() {
    let n = negotiation();
    insta::assert_snapshot!(markdown::version(&n.v1, &context()));
}

#[test]
fn compilation_html() {
    let n = negotiation();
    insta::assert_snapshot!(html_body(&html::compilation(&n.compilation, &context())));
}

#[test]
fn compilation_markdown() {
    let n = negotiation();
    insta::assert_snapshot!(markdown::compilation(&n.compilation, &context()));
}

#[test]
fn redline_html() {
    let n = negotiation();
    insta::assert_snapshot!(html_body(&html::redline(&n.redline, &context())));
}

#[test]
fn redline_markdown() {
    let n = negotiation();
    insta::assert_snapshot!(markdown::redline(&n.redline, &context()));
}

#[test]
fn blame_markdown() {
    let n = negotiation();
    insta::assert_snapshot!(markdown::blame(&n.blame, &context()));
}

#[test]
fn blame_html() {
    let n = negotiation();
    insta::assert_snapshot!(html_body(&html::blame(&n.blame, &context())));
}

#[test]
fn dispositions_csv() {
    let n = negotiation();
    let rows = dispositions::dispositions(&n.record(), &context());
    let csv = dispositions::csv(&rows).expect("csv");
    insta::assert_snapshot!(String::from_utf8(csv).expect("utf-8"));
}

#[test]
fn dispositions_html() {
    let n = negotiation();
    let rows = dispositions::dispositions(&n.record(), &context());
    insta::assert_snapshot!(html_body(&html::dispositions(&rows, &context())));
}

#[test]
fn outcomes_json() {
    let n = negotiation();
    let outcomes = dispositions::outcomes(&n.record(), &context());
    insta::assert_snapshot!(dispositions::outcomes_json(&outcomes).expect("json"));
}

#[test]
fn outcomes_html() {
    let n = negotiation();
    let outcomes = dispositions::outcomes(&n.record(), &context());
    insta::assert_snapshot!(html_body(&html::outcomes(&outcomes, &context())));
}

/// The workbook's first sheet holds, cell for cell, the table: a header row and one row per
/// proposal (read from the package's XML, as a spreadsheet application reads it).
#[test]
fn the_disposition_workbook_holds_the_table() {
    let n = negotiation();
    let rows = dispositions::dispositions(&n.record(), &context());
    let bytes = dispositions::xlsx(&rows, &context(), "Round 1").expect("xlsx");
    let mut wanted = vec![
        dispositions::COLUMNS
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>(),
    ];
    wanted.extend(dispositions::rows(&rows).into_iter().map(|r| r.to_vec()));
    assert_eq!(common::office::xlsx_cells(&bytes), wanted);
}

/// The Word redline's structure as Word reads it: per paragraph its style, list numbering and
/// tracked paragraph mark, then its runs, inserted (`+[author]`) and deleted (`-[author]`)
/// ones marked, footnote references and comment ranges. Change ids (from docx-rs's
/// process-wide counter) and dates are left out.
#[test]
fn docx_redline_structure() {
    let n = negotiation();
    let bytes =
        penholder_render::docx::redline_from(&n.redline, &n.v1.document, &context()).expect("docx");
    insta::assert_snapshot!(word_structure(&bytes));
}

#[test]
fn docx_compilation_structure() {
    let n = negotiation();
    let bytes = penholder_render::docx::compilation(&n.compilation, &context()).expect("docx");
    insta::assert_snapshot!(word_structure(&bytes));
}

fn word_structure(bytes: &[u8]) -> String {
    use common::office::{Element, XNode, parse};
    use std::fmt::Write;
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a docx package");
    let mut read = |name: &str| -> String {
        let mut text = String::new();
        if let Ok(mut file) = archive.by_name(name) {
            file.read_to_string(&mut text).expect("UTF-8");
        }
        text
    };
    let document = parse(&read("word/document.xml"));
    let footnotes = parse(&read("word/footnotes.xml"));
    let comments = parse(&read("word/comments.xml"));
    let header = parse(&read("word/header1.xml"));
    fn runs(element: &Element, state: &str, out: &mut String) {
        for child in &element.children {
            let XNode::Element(e) = child else { continue };
            match e.name.as_str() {
                "w:pPr" => {}
                "w:ins" => {
                    let state = format!("+[{}]", e.attribute("w:author").unwrap_or_default());
                    runs(e, &state, out);
                }
                "w:del" => {
                    let state = format!("-[{}]", e.attribute("w:author").unwrap_or_default());
                    runs(e, &state, out);
                }
                "w:t" | "w:delText" => {
                    let _ = write!(out, " {state}{:?}", e.text());
                }
                "w:footnoteReference" => {
                    let _ = write!(out, " {state}^{}", e.attribute("w:id").unwrap_or_default());
                }
                "w:commentRangeStart" => {
                    let _ = write!(out, " <c{}", e.attribute("w:id").unwrap_or_default());
                }
                "w:commentRangeEnd" => {
                    let _ = write!(out, " c{}>", e.attribute("w:id").unwrap_or_default());
                }
                "w:br" => out.push_str(" ⏎"),
                "w:i" => out.push_str(" /i/"),
                _ => runs(e, state, out),
            }
        }
    }
    let paragraph = |p: &Element, out: &mut String| {
        let properties = p.descendants("w:pPr");
        let style = properties
            .first()
            .and_then(|pr| {
                pr.descendants("w:pStyle")
                    .first()
                    .and_then(|s| s.attribute("w:val").map(str::to_string))
            })
            .unwrap_or_else(|| "-".into());
        let numbering = properties
            .first()
            .and_then(|pr| pr.descendants("w:numPr").first().copied())
            .map(|n| {
                format!(
                    " num {}/{}",
                    n.descendants("w:numId")
                        .first()
                        .and_then(|e| e.attribute("w:val"))
                        .unwrap_or("?"),
                    n.descendants("w:ilvl")
                        .first()
                        .and_then(|e| e.attribute("w:val"))
                        .unwrap_or("?")
                )
            })
            .unwrap_or_default();
        let mark = properties
            .first()
            .and_then(|pr| pr.descendants("w:rPr").first().copied())
            .map(|r| {
                let ins = r.descendants("w:ins");
                let del = r.descendants("w:del");
                match (ins.first(), del.first()) {
                    (Some(i), _) => format!(" ¶+[{}]", i.attribute("w:author").unwrap_or_default()),
                    (_, Some(d)) => format!(" ¶-[{}]", d.attribute("w:author").unwrap_or_default()),
                    _ => String::new(),
                }
            })
            .unwrap_or_default();
        let _ = write!(out, "{style}{numbering}{mark} |");
        runs(p, "", out);
        out.push('\n');
    };
    let mut out = String::from("header:");
    for p in header.descendants("w:p") {
        out.push(' ');
        out.push_str(&p.text());
    }
    out.push_str("\n\nbody:\n");
    for p in document
        .descendants("w:body")
        .first()
        .map(|b| b.descendants("w:p"))
        .unwrap_or_default()
    {
        paragraph(p, &mut out);
    }
    out.push_str("\nfootnotes:\n");
    for note in footnotes.descendants("w:footnote") {
        let _ = write!(out, "^{} ", note.attribute("w:id").unwrap_or_default());
        for p in note.descendants("w:p") {
            paragraph(p, &mut out);
        }
    }
    out.push_str("\ncomments:\n");
    for comment in comments.descendants("w:comment") {
        let mut text = String::new();
        runs(comment, "", &mut text);
        let _ = writeln!(
            out,
            "c{} [{}]{text}",
            comment.attribute("w:id").unwrap_or_default(),
            comment.attribute("w:author").unwrap_or_default(),
        );
    }
    out
}

/// Values no engine produces (a change without alternatives, byte ranges outside the text,
/// footnotes without markers, control characters) still render, in every format, without a
/// panic.
#[test]
fn malformed_values_render_without_panicking() {
    use penholder_diff::{Change, Scope};
    let n = negotiation();
    let mut compilation = n.compilation.clone();
    let node = compilation.nodes[2].node;
    compilation.nodes[2].changes.push(Change {
        id: "empty".into(),
        node,
        reference: "PP1".into(),
        scope: Scope::Words {
            start_token: 0,
            end_token: 1,
            start_byte: 0,
            end_byte: 3,
        },
        base_text: "Rec".into(),
        alternatives: Vec::new(),
        contested: false,
        marshalled: Vec::new(),
        families: Vec::new(),
    });
    compilation.nodes[2].changes.push(Change {
        id: "outside".into(),
        node,
        reference: "PP1".into(),
        scope: Scope::Words {
            start_token: 0,
            end_token: 1,
            start_byte: 5_000,
            end_byte: 9_000,
        },
        base_text: "\u{0}".into(),
        alternatives: n.compilation.nodes[2].changes[0].alternatives.clone(),
        contested: false,
        marshalled: Vec::new(),
        families: Vec::new(),
    });
    compilation.nodes[2].changes.push(Change {
        id: "node".into(),
        node,
        reference: "PP1".into(),
        scope: Scope::Node,
        base_text: String::new(),
        alternatives: Vec::new(),
        contested: false,
        marshalled: Vec::new(),
        families: Vec::new(),
    });
    let context = context();
    let _ = html::compilation(&compilation, &context);
    let _ = markdown::compilation(&compilation, &context);
    penholder_render::docx::compilation(&compilation, &context).expect("docx");
    let record = penholder_render::RoundRecord {
        round: "R",
        compilation: &compilation,
        submissions: &n.submissions,
        decisions: &n.decisions,
        result: None,
    };
    let rows = dispositions::dispositions(&record, &context);
    dispositions::csv(&rows).expect("csv");
    dispositions::xlsx(&rows, &context, "").expect("xlsx");
    let _ = html::outcomes(&dispositions::outcomes(&record, &context), &context);
}

/// A law in two versions, numbered as it writes itself: Art 21 (3) becomes (5) and is amended,
/// Art 22 is inserted before Art 23 (which keeps its number), Art 5 is repealed, the paragraphs
/// of Art 30 change places (one moved, its neighbour not), a `<tag>` in a number stays text.
fn law_redline() -> penholder_diff::Redline {
    use penholder_core::{Document, IdSource, Node, NodeKind};
    let mut ids = IdSource::new(21, 1_700_000_000_000);
    let mut next = |kind, num: &str, text: &str| Node {
        num: Some(num.to_string()),
        ..Node::new(ids.next_id(), kind, text)
    };
    let art5 = next(NodeKind::Part, "Art 5", "Repealed provision.");
    let art21 = next(NodeKind::Part, "Art 21", "Parties.");
    let p1 = next(NodeKind::Paragraph, "(1)", "Parties shall be free.");
    let p3 = next(NodeKind::Paragraph, "(3)", "Parties may be banned.");
    let art23 = next(NodeKind::Part, "Art 23", "European Union.");
    let art30 = next(NodeKind::Part, "Art 30 <b>", "Länder.");
    let a = next(NodeKind::Paragraph, "(1)", "First.");
    let b = next(NodeKind::Paragraph, "(2)", "Second.");
    let c = next(NodeKind::Paragraph, "(3)", "Third.");
    let art22 = next(NodeKind::Part, "Art 22", "Capital.");
    let from = Document::new(
        "Basic Law",
        vec![
            art5,
            art21.clone().with_children(vec![p1.clone(), p3.clone()]),
            art23.clone(),
            art30
                .clone()
                .with_children(vec![a.clone(), b.clone(), c.clone()]),
        ],
    );
    let renumbered = Node {
        num: Some("(5)".into()),
        text: "Parties may be banned by the Court.".into(),
        ..p3
    };
    let to = Document::new(
        "Basic Law",
        vec![
            art21.with_children(vec![p1, renumbered]),
            art22,
            art23,
            art30.with_children(vec![b, c, a]),
        ],
    );
    penholder_diff::redline(&from, &to, &[])
}

#[test]
fn a_redline_shows_written_numbers_renumberings_and_moves() {
    let red = law_redline();
    let markdown = markdown::redline(&red, &context());
    insta::assert_snapshot!(markdown);
    // The number as the version shows it, not only the derived reference.
    assert!(markdown.contains("## **S1** Art 21 Parties."), "{markdown}");
    assert!(markdown.contains("{~~(3)~>(5)~~}"), "{markdown}");
    assert!(
        markdown.contains("{>>renumbered (3) → (5)<<}"),
        "{markdown}"
    );
    assert!(markdown.contains("{--Art 5--}"), "{markdown}");
    let page = html_body(&html::redline(&red, &context()));
    assert!(page.contains("<span class=\"num\">Art 21</span>"), "{page}");
    assert!(
        page.contains("<span class=\"num\"><del>(3)</del> <ins>(5)</ins></span>"),
        "{page}"
    );
    assert!(page.contains("<p class=\"status\">Renumbered (3) → (5)</p>"));
    assert!(page.contains("<span class=\"num\">Art 30 &lt;b&gt;</span>"));
    assert!(!page.contains("Art 30 <b>"));
    // One move among Art 30's paragraphs; Art 23 kept its number and its place.
    assert_eq!(
        page.matches("<p class=\"status\">Moved").count(),
        1,
        "{page}"
    );
    assert!(!page.contains("Renumbered S"), "{page}");
}
