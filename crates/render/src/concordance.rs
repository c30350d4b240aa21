//! The numbering concordance of a document: for every node, its reference in each version
//! ("zero draft PP12 = Rev. 1 PP13 = Rev. 2 PP14"), as a table in CSV and XLSX here, in HTML
//! ([`crate::html::concordance`]) and Markdown ([`crate::markdown::concordance`]), and as JSON
//! (the serde form of [`Concordance`]).
//!
//! The value is computed by the application layer from the document's versions (node ids
//! survive every version, references are derived from position); this module only writes it.

use crate::RenderError;
use crate::context::Context;
use crate::dispositions::{defuse_formula, sheet_name, xlsx_cell};
use penholder_core::{NodeId, NodeKind};
use serde::{Deserialize, Serialize};

/// Every node of every version of a document, and its reference in each version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concordance {
    pub document_title: String,
    /// The columns: the document's versions, oldest first.
    pub versions: Vec<ConcordanceVersion>,
    /// One row per node that is in any version: in the latest version's order, with nodes
    /// it no longer holds after the node they followed when last present.
    pub rows: Vec<ConcordanceRow>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConcordanceVersion {
    pub number: u32,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConcordanceRow {
    pub node: NodeId,
    pub kind: NodeKind,
    /// The node's reference in each version, in the order of `versions`; `None` where the
    /// version does not hold the node.
    pub references: Vec<Option<String>>,
}

impl Concordance {
    /// The column headings: `v1 Zero draft`, `v2 Rev. 1`…
    pub fn headings(&self) -> Vec<String> {
        self.versions
            .iter()
            .map(|v| format!("v{} {}", v.number, v.label))
            .collect()
    }
}

/// What an absent node shows in a cell.
pub const ABSENT: &str = "—";

/// The table's rows as text cells (absent nodes as [`ABSENT`]).
pub fn cells(concordance: &Concordance) -> impl Iterator<Item = Vec<&str>> {
    concordance.rows.iter().map(|row| {
        row.references
            .iter()
            .map(|r| r.as_deref().unwrap_or(ABSENT))
            .collect()
    })
}

/// The concordance as CSV (RFC 4180, UTF-8): a header row of versions, one row per node.
pub fn csv(concordance: &Concordance) -> Result<Vec<u8>, RenderError> {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    let error = |e: ::csv::Error| RenderError::Csv(e.to_string());
    // Version labels are the chairmanship's text: never a formula to a spreadsheet.
    let headings: Vec<String> = concordance
        .headings()
        .iter()
        .map(|h| defuse_formula(h))
        .collect();
    writer.write_record(&headings).map_err(error)?;
    for row in cells(concordance) {
        writer.write_record(&row).map_err(error)?;
    }
    writer
        .into_inner()
        .map_err(|e| RenderError::Csv(e.to_string()))
}

/// The concordance as an Excel workbook: one sheet, a bold frozen header row.
pub fn xlsx(concordance: &Concordance, context: &Context) -> Result<Vec<u8>, RenderError> {
    use rust_xlsxwriter::{Format, Workbook};
    let error = |e: rust_xlsxwriter::XlsxError| RenderError::Xlsx(e.to_string());
    let mut workbook = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color(0xD9E1F2);
    let sheet = workbook.add_worksheet();
    sheet
        .set_name(sheet_name(&format!(
            "Concordance {}",
            concordance.document_title
        )))
        .map_err(error)?;
    for (column, heading) in concordance.headings().iter().enumerate() {
        let column = u16::try_from(column)
            .map_err(|_| RenderError::Xlsx("more versions than a sheet has columns".into()))?;
        sheet.set_column_width(column, 18.0).map_err(error)?;
        sheet
            .write_string_with_format(0, column, xlsx_cell(heading).as_ref(), &header)
            .map_err(error)?;
    }
    for (index, row) in cells(concordance).enumerate() {
        let line = u32::try_from(index + 1)
            .map_err(|_| RenderError::Xlsx("more rows than a sheet holds".into()))?;
        for (column, cell) in row.iter().enumerate() {
            sheet
                .write_string(line, column as u16, *cell)
                .map_err(error)?;
        }
    }
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
