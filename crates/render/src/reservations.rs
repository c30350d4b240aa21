//! The reservations annex as a table a secretariat hands out: CSV (UTF-8 with a byte order
//! mark, cells that a spreadsheet would run defused) and an Excel workbook, the same rows as
//! the HTML annex (`html::reservations_annex`): standing reservations first, then withdrawn
//! ones, each by number.

use crate::RenderError;
use crate::context::{Context, date_only};
use crate::dispositions::{UTF8_BOM, defuse_formula, sheet_name, xlsx_cell};
use crate::html::AnnexLine;

/// The annex's columns.
pub const COLUMNS: [&str; 8] = [
    "No.",
    "Paragraph",
    "Delegation",
    "Kind",
    "Reservation",
    "Entered",
    "Status",
    "Withdrawal note",
];

/// The annex's rows, in the order every format lists them.
pub fn rows(lines: &[AnnexLine<'_>], context: &Context) -> Vec<[String; 8]> {
    let mut ordered: Vec<&AnnexLine<'_>> = lines.iter().collect();
    ordered.sort_by_key(|line| (!line.reservation.stands(), line.reservation.number));
    ordered
        .into_iter()
        .map(|line| {
            let reservation = line.reservation;
            let name = context
                .delegations
                .get(&reservation.delegation)
                .map_or(reservation.delegation.as_str(), String::as_str);
            let (status, note) = match &reservation.withdrawn {
                Some(withdrawal) => (
                    format!("withdrawn {}", date_only(withdrawal.withdrawn_at)),
                    withdrawal.note.clone(),
                ),
                None => ("standing".to_string(), String::new()),
            };
            [
                reservation.number.to_string(),
                line.reference
                    .clone()
                    .unwrap_or_else(|| "(not in this version)".to_string()),
                format!("{name} ({})", reservation.delegation),
                format!(
                    "{} ({})",
                    reservation.kind.as_str(),
                    reservation.kind.mark()
                ),
                reservation.text.clone(),
                format!(
                    "{} (version {})",
                    date_only(reservation.entered_at),
                    reservation.version
                ),
                status,
                note,
            ]
        })
        .collect()
}

/// The annex as CSV: RFC 4180 quoting, commas, UTF-8 with a byte order mark, header first.
pub fn csv(lines: &[AnnexLine<'_>], context: &Context) -> Result<Vec<u8>, RenderError> {
    let mut writer = ::csv::WriterBuilder::new().from_writer(UTF8_BOM.as_bytes().to_vec());
    let error = |e: ::csv::Error| RenderError::Csv(e.to_string());
    writer.write_record(COLUMNS).map_err(error)?;
    for row in rows(lines, context) {
        writer
            .write_record(row.iter().map(|cell| defuse_formula(cell)))
            .map_err(error)?;
    }
    writer
        .into_inner()
        .map_err(|e| RenderError::Csv(e.to_string()))
}

/// The annex as an Excel workbook: one sheet, a bold frozen header row, wrapped text, an
/// autofilter.
pub fn xlsx(
    lines: &[AnnexLine<'_>],
    context: &Context,
    sheet_title: &str,
) -> Result<Vec<u8>, RenderError> {
    use rust_xlsxwriter::{Format, FormatAlign, Workbook};
    let error = |e: rust_xlsxwriter::XlsxError| RenderError::Xlsx(e.to_string());
    let mut workbook = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_background_color(0xD9E1F2);
    let wrapped = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name(sheet_title)).map_err(error)?;
    let widths = [6.0, 12.0, 22.0, 16.0, 48.0, 20.0, 20.0, 36.0];
    for (column, width) in widths.iter().enumerate() {
        sheet
            .set_column_width(column as u16, *width)
            .map_err(error)?;
    }
    for (column, title) in COLUMNS.iter().enumerate() {
        sheet
            .write_string_with_format(0, column as u16, *title, &header)
            .map_err(error)?;
    }
    let rows = rows(lines, context);
    for (index, row) in rows.iter().enumerate() {
        let line = u32::try_from(index + 1)
            .map_err(|_| RenderError::Xlsx("more rows than a sheet holds".into()))?;
        for (column, cell) in row.iter().enumerate() {
            sheet
                .write_string_with_format(line, column as u16, xlsx_cell(cell).as_ref(), &wrapped)
                .map_err(error)?;
        }
    }
    sheet.set_landscape();
    sheet.set_repeat_rows(0, 0).map_err(error)?;
    sheet.set_freeze_panes(1, 0).map_err(error)?;
    let last = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    sheet.autofilter(0, 0, last, 7).map_err(error)?;
    workbook.save_to_buffer().map_err(error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use penholder_core::IdSource;
    use penholder_core::state::{Reservation, ReservationKind, Withdrawal};

    fn reservation(number: u32, withdrawn: bool, text: &str) -> Reservation {
        Reservation {
            number,
            node: IdSource::new(7, 0).next_id(),
            delegation: "HU".into(),
            kind: ReservationKind::Scrutiny,
            text: text.into(),
            version: 2,
            entered_by: "hu-1".into(),
            entered_at: 1_715_000_000_000,
            withdrawn: withdrawn.then(|| Withdrawal {
                note: "Scrutiny completed.".into(),
                withdrawn_by: "hu-1".into(),
                withdrawn_at: 1_716_000_000_000,
            }),
        }
    }

    #[test]
    fn the_annex_lists_standing_reservations_first_and_defuses_formulas() {
        let withdrawn = reservation(1, true, "Pending.");
        let standing = reservation(2, false, "=HYPERLINK(\"x\")");
        let lines = [
            AnnexLine {
                reference: Some("OP3".into()),
                reservation: &withdrawn,
            },
            AnnexLine {
                reference: None,
                reservation: &standing,
            },
        ];
        let context = Context::new().delegation("HU", "Hungary");
        let bytes = csv(&lines, &context).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with(UTF8_BOM));
        let body: Vec<&str> = text.trim_start_matches(UTF8_BOM).lines().collect();
        assert_eq!(
            body[0],
            "No.,Paragraph,Delegation,Kind,Reservation,Entered,Status,Withdrawal note"
        );
        assert!(
            body[1].starts_with("2,(not in this version),Hungary (HU),scrutiny (SR),\"'=HYPERLINK"),
            "{}",
            body[1]
        );
        assert!(body[2].starts_with("1,OP3,Hungary (HU),scrutiny (SR),Pending.,2024-05-06 (version 2),withdrawn 2024-05-18,Scrutiny completed."), "{}", body[2]);
        let workbook = xlsx(&lines, &context, "Reservations").unwrap();
        assert_eq!(&workbook[..2], b"PK", "a zip package");
    }
}
