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
