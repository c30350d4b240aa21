//! Synoptic documents: N texts of one document side by side, one row per node (matched by its
//! stable id), each cell's changes against the column before it marked and attributed, as
//! JSON (the serde form of [`Synoptic`]), HTML ([`crate::html::synoptic`]), Word (a table on
//! landscape pages, [`docx`]) and Excel ([`xlsx`]).
//!
//! The columns are versions chosen by the caller, each with a label: `zero draft | Rev. 1 |
//! Rev. 2 | agreed`, or the EU's four columns (`Commission proposal | Parliament | Council |
//! compromise`) as the same table with the texts named. The value is computed by the
//! application layer from the attributed redline between each pair of neighbouring columns
//! (`penholder_diff::redline`); this module only writes it.
//!
//! How a change shows: in HTML `<ins>`/`<del>` with the delegations behind it in a superscript;
//! in Word and Excel (where a tracked change inside a comparison table would make no sense:
//! accepting it would rewrite the column) inserted words bold and underlined, deleted words
//! struck through, each followed by the codes of the delegations behind it in brackets.

use crate::RenderError;
use crate::context::Context;
use crate::dispositions::{sheet_name, xlsx_cell};
use penholder_core::{NodeId, NodeKind};
use penholder_diff::{NodeStatus, Segment, SegmentKind};
use serde::{Deserialize, Serialize};

/// N texts of one document side by side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Synoptic {
    pub document_title: String,
    /// The columns, left to right.
    pub columns: Vec<SynopticColumn>,
    /// One row per node that is in any column: in the last column's order, a node it does not
    /// hold after the node it followed where it was last present.
    pub rows: Vec<SynopticRow>,
}

/// One column: a version and the name the table gives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SynopticColumn {
    /// The version's number.
    pub version: u32,
    /// The column's heading: the label asked for, else the version's own label.
    pub label: String,
    /// Whether the changes against the previous column are attributed: true when the previous
    /// column's version is an ancestor of this one (the consolidations between them say who
    /// asked for each change); always true for the first column, which shows no change.
    pub attributed: bool,
}

/// One node across the columns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SynopticRow {
    pub node: NodeId,
    pub kind: NodeKind,
    /// Nesting depth where the node was last present.
    pub depth: usize,
    /// One cell per column; `None` where the column's version does not hold the node and the
    /// previous one did not either.
    pub cells: Vec<Option<SynopticCell>>,
}

/// A node in one column, with its changes against the previous column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SynopticCell {
    /// The node's reference in this column's version (`None`: deleted in this column).
    pub reference: Option<String>,
    /// Against the previous column: unchanged, changed, inserted (new here), deleted (in the
    /// previous column, not here: the cell shows the deleted text struck out), moved. The first
    /// column is unchanged throughout.
    pub status: NodeStatus,
    /// Equal + Insert give this column's text; Equal + Delete the previous column's.
    pub segments: Vec<Segment>,
}

impl SynopticCell {
    /// This column's text (the inserted and unchanged words).
    pub fn text(&self) -> String {
        self.segments
            .iter()
            .filter(|s| s.kind != SegmentKind::Delete)
            .map(|s| s.text.as_str())
            .collect()
    }

    /// Whether any words changed against the previous column.
    pub fn has_changes(&self) -> bool {
        self.segments.iter().any(|s| s.kind != SegmentKind::Equal)
    }
}

impl Synoptic {
    /// The column headings: `v1 Zero draft`, or the label alone when it was given.
    pub fn headings(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.label.clone()).collect()
    }
}

/// What a cell says about a node's place: `PP3`, `PP3 (new)`, `(deleted)`.
pub(crate) fn cell_heading(cell: &SynopticCell) -> String {
    let reference = cell.reference.as_deref().unwrap_or("");
    match cell.status {
        NodeStatus::Inserted => format!("{reference} (new)"),
        NodeStatus::Deleted => "(deleted)".to_string(),
        NodeStatus::Moved => format!("{reference} (moved)"),
        NodeStatus::Changed | NodeStatus::Unchanged => reference.to_string(),
    }
}

/// The codes of the delegations behind a change, as the tables print them: `[DE EU]`; the
/// chair's own wording as `[Chair]`; nothing for text of unknown origin.
pub(crate) fn codes_label(segment: &Segment, context: &Context) -> String {
    let codes = context.origin_codes(&segment.attribution);
    if codes.is_empty() {
        String::new()
    } else {
        format!(" [{}]", codes.join(" "))
    }
}

/// The synoptic table as a Word document: landscape A4, one column per text, a header row,
/// one row per node.
pub fn docx(synoptic: &Synoptic, context: &Context) -> Result<Vec<u8>, RenderError> {
    use docx_rs::{
        AlignmentType, Docx, PageMargin, PageOrientationType, Paragraph, Run, RunFonts, Shading,
        Table, TableCell, TableRow, WidthType,
    };
    let clean = crate::docx::clean;
    let title = context.title_or(&synoptic.document_title).to_string();
    let subtitle = context
        .subtitle
        .clone()
        .unwrap_or_else(|| format!("Synoptic table: {}", synoptic.headings().join(" | ")));
    // A4 landscape in twentieths of a point, 2 cm margins: 16838 − 2 × 1134 wide for text.
    let text_width = 16838 - 2 * 1134;
    let columns = synoptic.columns.len().max(1);
    let cell_width = text_width / columns;
    let header_cells = synoptic
        .columns
        .iter()
        .map(|column| {
            TableCell::new()
                .width(cell_width, WidthType::Dxa)
                .shading(Shading::new().fill("D9E1F2"))
                .add_paragraph(
                    Paragraph::new().add_run(Run::new().add_text(clean(&column.label)).bold()),
                )
        })
        .collect();
    let mut rows = vec![TableRow::new(header_cells)];
    for row in &synoptic.rows {
        let cells = row
            .cells
            .iter()
            .map(|cell| {
                let table_cell = TableCell::new().width(cell_width, WidthType::Dxa);
                let Some(cell) = cell else {
                    return table_cell.add_paragraph(Paragraph::new());
                };
                let heading = Paragraph::new().add_run(
                    Run::new()
                        .add_text(clean(&cell_heading(cell)))
                        .bold()
                        .size(18),
                );
                let mut text = Paragraph::new();
                for segment in &cell.segments {
                    if segment.text.is_empty() {
                        continue;
                    }
                    text = match segment.kind {
                        SegmentKind::Equal => {
                            text.add_run(Run::new().add_text(clean(&segment.text)))
                        }
                        SegmentKind::Insert => text.add_run(
                            Run::new()
                                .add_text(clean(&segment.text))
                                .bold()
                                .underline("single")
                                .color("1F4E9E"),
                        ),
                        SegmentKind::Delete => text.add_run(
                            Run::new()
                                .add_text(clean(&segment.text))
                                .strike()
                                .color("B00020"),
                        ),
                    };
                    let codes = codes_label(segment, context);
                    if !codes.is_empty() {
                        text = text.add_run(Run::new().add_text(clean(&codes)).size(16).italic());
                    }
                }
                table_cell.add_paragraph(heading).add_paragraph(text)
            })
            .collect();
        rows.push(TableRow::new(cells));
    }
    let mut docx = Docx::new()
        .page_size(16838, 11906)
        .page_orient(PageOrientationType::Landscape)
        .page_margin(
            PageMargin::new()
                .top(1134)
                .bottom(1134)
                .left(1134)
                .right(1134),
        )
        .default_fonts(
            RunFonts::new()
                .ascii("Times New Roman")
                .hi_ansi("Times New Roman")
                .cs("Times New Roman")
                .east_asia("Times New Roman"),
        )
        .default_size(20);
    if let Some(classification) = &context.classification {
        docx = docx.header(
            docx_rs::Header::new().add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Right)
                    .add_run(Run::new().add_text(clean(classification)).bold()),
            ),
        );
    }
    if let Some(at) = context.generated_at {
        let date = crate::context::rfc3339(at);
        docx = docx.created_at(&date).updated_at(&date);
    }
    docx = docx
        .add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(Run::new().add_text(clean(&title)).bold().size(28)),
        )
        .add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(Run::new().add_text(clean(&subtitle)).italic()),
        )
        .add_paragraph(Paragraph::new().add_run(Run::new().add_text(
            "Inserted words are bold and underlined, deleted words struck through, each against \
             the column to its left; the codes in brackets name the delegations behind a change.",
        ).size(16)))
        .add_table(
            Table::new(rows)
                .set_grid(vec![cell_width; columns])
                .width(text_width, WidthType::Dxa),
        );
    let mut bytes = std::io::Cursor::new(Vec::new());
    docx.build()
        .pack(&mut bytes)
        .map_err(|e| RenderError::Docx(e.to_string()))?;
    let facts = crate::docx_package::Facts {
        title: &title,
        creator: &context.chair,
        language: &context.language,
    };
    crate::docx::deflate(&bytes.into_inner(), &facts)
}

/// The synoptic table as an Excel workbook: one sheet, a frozen header row of column labels,
/// one row per node; each cell its reference on a line, then its text with the changes against
/// the column to its left formatted (rich text) and attributed.
pub fn xlsx(synoptic: &Synoptic, context: &Context) -> Result<Vec<u8>, RenderError> {
    use rust_xlsxwriter::{Format, FormatAlign, FormatUnderline, Workbook};
    let error = |e: rust_xlsxwriter::XlsxError| RenderError::Xlsx(e.to_string());
    let mut workbook = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color(0xD9E1F2);
    let wrapped = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let plain = Format::new();
    let reference = Format::new().set_bold();
    let inserted = Format::new()
        .set_bold()
        .set_underline(FormatUnderline::Single)
        .set_font_color(0x1F4E9E);
    let deleted = Format::new()
        .set_font_strikethrough()
        .set_font_color(0xB00020);
    let codes = Format::new().set_italic().set_font_size(8);
    let sheet = workbook.add_worksheet();
    sheet
        .set_name(sheet_name(&format!("Synoptic {}", synoptic.document_title)))
        .map_err(error)?;
    for (column, heading) in synoptic.headings().iter().enumerate() {
        let column = u16::try_from(column)
            .map_err(|_| RenderError::Xlsx("more columns than a sheet has".into()))?;
        sheet.set_column_width(column, 60.0).map_err(error)?;
        sheet
            .write_string_with_format(0, column, xlsx_cell(heading).as_ref(), &header)
            .map_err(error)?;
    }
    for (index, row) in synoptic.rows.iter().enumerate() {
        let line = u32::try_from(index + 1)
            .map_err(|_| RenderError::Xlsx("more rows than a sheet holds".into()))?;
        for (column, cell) in row.cells.iter().enumerate() {
            let Some(cell) = cell else { continue };
            let column = column as u16;
            // Each piece's text is owned here so that the rich string can borrow it.
            let mut pieces: Vec<(&Format, String)> = vec![(&reference, cell_heading(cell))];
            let mut first = true;
            for segment in &cell.segments {
                let text = xlsx_cell(&segment.text).into_owned();
                if text.is_empty() {
                    continue;
                }
                let text = if first { format!("\n{text}") } else { text };
                first = false;
                let format = match segment.kind {
                    SegmentKind::Equal => &plain,
                    SegmentKind::Insert => &inserted,
                    SegmentKind::Delete => &deleted,
                };
                pieces.push((format, text));
                let label = codes_label(segment, context);
                if !label.is_empty() {
                    pieces.push((&codes, label));
                }
            }
            pieces.retain(|(_, text)| !text.is_empty());
            if pieces.len() == 1 {
                sheet
                    .write_string_with_format(line, column, pieces[0].1.as_str(), &wrapped)
                    .map_err(error)?;
            } else {
                let rich: Vec<(&Format, &str)> =
                    pieces.iter().map(|(f, t)| (*f, t.as_str())).collect();
                sheet
                    .write_rich_string_with_format(line, column, &rich, &wrapped)
                    .map_err(error)?;
            }
        }
    }
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0).map_err(error)?;
    sheet.set_freeze_panes(1, 0).map_err(error)?;
    if let Some(classification) = &context.classification {
        sheet.set_header(format!(
            "&R{}",
            classification
                .replace('&', "&&")
                .chars()
                .take(200)
                .collect::<String>()
        ));
    }
    workbook.save_to_buffer().map_err(error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use penholder_core::IdSource;
    use penholder_diff::Origin;
    use std::io::Read;

    fn segment(kind: SegmentKind, text: &str, by: &[&str]) -> Segment {
        Segment {
            kind,
            text: text.into(),
            attribution: if by.is_empty() {
                Vec::new()
            } else {
                vec![Origin::Accepted {
                    round: "Written feedback".into(),
                    delegations: by.iter().map(|c| c.to_string()).collect(),
                }]
            },
        }
    }

    /// Commission proposal | Council: OP1 amended by DE and SE, OP2 new (UK), OP3 deleted.
    fn four_column_case() -> Synoptic {
        let mut ids = IdSource::new(3, 0);
        let [a, b, c] = [(); 3].map(|_| ids.next_id());
        let cell = |reference: Option<&str>, status, segments| {
            Some(SynopticCell {
                reference: reference.map(str::to_owned),
                status,
                segments,
            })
        };
        let equal = |text: &str| segment(SegmentKind::Equal, text, &[]);
        Synoptic {
            document_title: "Call for Action <draft>".into(),
            columns: vec![
                SynopticColumn {
                    version: 1,
                    label: "Commission proposal".into(),
                    attributed: true,
                },
                SynopticColumn {
                    version: 2,
                    label: "Council".into(),
                    attributed: true,
                },
            ],
            rows: vec![
                SynopticRow {
                    node: a,
                    kind: NodeKind::Operative,
                    depth: 0,
                    cells: vec![
                        cell(
                            Some("OP1"),
                            NodeStatus::Unchanged,
                            vec![equal("Strengthen cooperation.")],
                        ),
                        cell(
                            Some("OP1"),
                            NodeStatus::Changed,
                            vec![
                                segment(SegmentKind::Delete, "Strengthen", &["DE", "SE"]),
                                segment(SegmentKind::Insert, "Further strengthen", &["DE", "SE"]),
                                equal(" cooperation."),
                            ],
                        ),
                    ],
                },
                SynopticRow {
                    node: b,
                    kind: NodeKind::Operative,
                    depth: 0,
                    cells: vec![
                        None,
                        cell(
                            Some("OP2"),
                            NodeStatus::Inserted,
                            vec![segment(
                                SegmentKind::Insert,
                                "Cooperate on returns & <readmission>.",
                                &["UK"],
                            )],
                        ),
                    ],
                },
                SynopticRow {
                    node: c,
                    kind: NodeKind::Operative,
                    depth: 0,
                    cells: vec![
                        cell(
                            Some("OP2"),
                            NodeStatus::Unchanged,
                            vec![equal("Note the report.")],
                        ),
                        cell(
                            None,
                            NodeStatus::Deleted,
                            vec![segment(SegmentKind::Delete, "Note the report.", &["FR"])],
                        ),
                    ],
                },
            ],
        }
    }

    fn entry(bytes: &[u8], name: &str) -> String {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut text = String::new();
        archive
            .by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    #[test]
    fn html_sets_the_columns_side_by_side_with_attributed_changes() {
        let context = Context::new().classification("LIMITE");
        let html = crate::html::synoptic(&four_column_case(), &context);
        let body = &html[html.find("<main>").unwrap()..];
        insta::assert_snapshot!(body);
    }

    #[test]
    fn word_writes_a_landscape_table_with_marked_and_attributed_changes() {
        let bytes = docx(
            &four_column_case(),
            &Context::new().classification("LIMITE"),
        )
        .unwrap();
        let xml = entry(&bytes, "word/document.xml");
        assert!(xml.contains("w:orient=\"landscape\""), "{xml}");
        assert!(xml.contains("<w:tbl>"));
        assert_eq!(
            xml.matches("<w:tr>").count() + xml.matches("<w:tr ").count(),
            4,
            "a header and three rows"
        );
        assert!(xml.contains("Further strengthen") && xml.contains(" [DE SE]"));
        assert!(xml.contains("<w:strike"), "deletions struck through");
        assert!(xml.contains("&lt;readmission&gt;"), "escaped");
        assert!(xml.contains("(deleted)") && xml.contains("OP2 (new)"));
    }

    #[test]
    fn excel_writes_one_row_per_node_with_rich_text_marks() {
        let bytes = xlsx(&four_column_case(), &Context::new()).unwrap();
        let strings = entry(&bytes, "xl/sharedStrings.xml");
        for needle in [
            "Commission proposal",
            "Council",
            "Further strengthen",
            " [DE SE]",
            " [UK]",
            "(deleted)",
        ] {
            assert!(strings.contains(needle), "{needle}: {strings}");
        }
        let sheet = entry(&bytes, "xl/worksheets/sheet1.xml");
        assert!(
            sheet.contains("<pane") && sheet.contains("r=\"4\""),
            "a frozen header and rows 2 to 4"
        );
    }
}
