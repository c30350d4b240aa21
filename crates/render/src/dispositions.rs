//! What became of every proposal of a round: the comment-resolution table (one row per
//! submission item, columns after the ISO comment template) as CSV and XLSX, and the report
//! "what happened to my proposals" per delegation, as JSON (HTML in [`crate::html`]).
//!
//! [`dispositions`] reads a [`RoundRecord`]: the round's compilation, the submissions it was
//! compiled from, the chairmanship's decisions and, once consolidated, the result (changes
//! applied and kept, the new version). Every item of every submission gets exactly one row,
//! including comments and items the compiler could not place.

use crate::RenderError;
use crate::context::Context;
use penholder_core::negotiation::{Anchor, Decision, IsoCommentType, Item, Ruling, Submission};
use penholder_core::state::ParagraphStatus;
use penholder_core::{Document, NodeId, References};
use penholder_diff::{
    AppliedChange, Change, Compilation, Consolidation, KeptChange, KeptReason, Origin, Scope,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Everything known about one round, as the server assembles it from the store.
#[derive(Clone, Copy, Debug)]
pub struct RoundRecord<'a> {
    /// The round's label (`Written feedback on the zero draft`).
    pub round: &'a str,
    pub compilation: &'a Compilation,
    /// The submissions the compilation was made from (the current revision of each).
    pub submissions: &'a [Submission],
    pub decisions: &'a [Decision],
    /// The consolidation, once the round is consolidated.
    pub result: Option<RoundResult<'a>>,
}

/// The consolidated result of a round.
#[derive(Clone, Copy, Debug)]
pub struct RoundResult<'a> {
    pub applied: &'a [AppliedChange],
    /// Changes left as they were, with the reason; may be empty when only the applied changes
    /// were kept: the reasons then come from the decisions.
    pub kept: &'a [KeptChange],
    /// The new version's document.
    pub document: &'a Document,
}

impl<'a> RoundResult<'a> {
    pub fn of(consolidation: &'a Consolidation) -> Self {
        RoundResult {
            applied: &consolidation.applied,
            kept: &consolidation.kept,
            document: &consolidation.document,
        }
    }
}

/// How the table classified an item before delegations could give an ISO type: the ISO comment
/// types for comments, and what an item does. Kept in the JSON for the clients that read it;
/// the printed type of comment is [`Disposition::iso_type`].
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DispositionKind {
    /// A comment on the text as a whole.
    General,
    /// A comment on a node.
    Technical,
    /// An amendment that changes only punctuation, letter case or spacing.
    Editorial,
    Amendment,
    Insertion,
    Deletion,
}

impl DispositionKind {
    /// The ISO type of comment inferred for an item that gives none: a comment on the text as
    /// a whole is general, an amendment that changes no word is editorial, anything else
    /// technical.
    pub fn inferred_iso_type(self) -> IsoCommentType {
        match self {
            DispositionKind::General => IsoCommentType::General,
            DispositionKind::Editorial => IsoCommentType::Editorial,
            DispositionKind::Technical
            | DispositionKind::Amendment
            | DispositionKind::Insertion
            | DispositionKind::Deletion => IsoCommentType::Technical,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DispositionKind::General => "general",
            DispositionKind::Technical => "technical",
            DispositionKind::Editorial => "editorial",
            DispositionKind::Amendment => "amendment",
            DispositionKind::Insertion => "insertion",
            DispositionKind::Deletion => "deletion",
        }
    }
}

/// What happened to one proposal.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    /// Every change it asked for is in the new text, and nothing else changed around it.
    RetainedVerbatim,
    /// Its changes are in, together with other delegations' changes to the same node (see
    /// [`Disposition::merged_with`]).
    MergedWithOthers,
    /// The chairmanship wrote its own wording for (part of) it.
    RewordedByChair,
    /// Some of its changes are in, others are not.
    PartlyRetained,
    /// None of its changes are in (rejected, another alternative chosen, or moot).
    NotRetained,
    /// The chairmanship put it off to a later round.
    Deferred,
    /// No decision yet.
    Pending,
    /// A comment: read, nothing to apply; or an amendment that changes nothing.
    Noted,
    /// The item names a node that is not in the round's base version.
    NotPlaced,
}

impl ProposalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalStatus::RetainedVerbatim => "retained verbatim",
            ProposalStatus::MergedWithOthers => "merged with others' proposals",
            ProposalStatus::RewordedByChair => "reworded by the chair",
            ProposalStatus::PartlyRetained => "partly retained",
            ProposalStatus::NotRetained => "not retained",
            ProposalStatus::Deferred => "deferred",
            ProposalStatus::Pending => "pending",
            ProposalStatus::Noted => "noted",
            ProposalStatus::NotPlaced => "not placed",
        }
    }
}

/// What became of one change of the compilation, for the alternative a delegation supports.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fate", rename_all = "snake_case")]
pub enum Fate {
    Accepted,
    /// Another alternative of the same change was accepted.
    OtherAlternative {
        alternative: String,
        delegations: Vec<String>,
    },
    Reworded {
        text: Option<String>,
    },
    Rejected,
    Deferred,
    Undecided,
    /// Moot: the node was deleted or rewritten as a whole by another decision.
    Superseded,
}

/// One change of the compilation behind a proposal, and its fate.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeFate {
    pub change: String,
    pub alternative: String,
    /// The base words (or node) the change is about.
    pub base_text: String,
    /// The delegation's wording for them (`None`: delete).
    pub proposed: Option<String>,
    /// Other delegations that proposed exactly the same.
    pub also_proposed_by: Vec<String>,
    pub fate: Fate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One row of the disposition table: one item of one delegation's submission.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disposition {
    /// `HU-3`: the delegation and the item's 1-based number in its submission.
    pub id: String,
    pub delegation: String,
    pub delegation_name: String,
    /// 1-based.
    pub item: usize,
    /// The node in the base version (`OP3`), `after OP2` for a new node, `general`.
    pub reference: String,
    pub kind: DispositionKind,
    /// The ISO type of comment: the delegation's when it gave one, inferred from `kind`
    /// otherwise (see `iso_type_given`).
    pub iso_type: IsoCommentType,
    /// Whether the delegation gave `iso_type` with the item (else it was inferred).
    pub iso_type_given: bool,
    /// Where in the text the item points, as the delegation gave it (`l. 12–14`, `Table 2`);
    /// empty when it gave none.
    pub locator: String,
    /// What the item is, in the submission's words: `amend`, `insert`, `delete`, `comment`,
    /// `support`, `amend_alternative`, `withdraw_alternative`.
    pub item_kind: String,
    /// The justification, or the comment's text.
    pub comment: String,
    /// The proposed change in short: `"strengthen" → "enhance"`, the new node's text, …
    pub proposed_change: String,
    /// The decision in words.
    pub decision: String,
    /// The chairmanship's notes on the decisions.
    pub observations: String,
    /// Where the text ended up in the new version (`OP4`), `deleted`, or empty.
    pub resulting_reference: String,
    pub status: ProposalStatus,
    /// For [`ProposalStatus::MergedWithOthers`]: whose changes were merged with it.
    pub merged_with: Vec<String>,
    pub changes: Vec<ChangeFate>,
    /// The status now of the paragraph the item is about (`open`, `agreed_ad_ref`, `agreed`,
    /// `adopted`); `None` for a general comment, a new paragraph, or a node not in the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paragraph_status: Option<String>,
    /// The reservations that stand on that paragraph now, as the text marks them: `SR (HU)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reservations: Vec<String>,
    /// For a group's item, whom it spoke for: `EU (27)`, `EU (except HU)`; empty when the
    /// delegation spoke for itself alone.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub spoke_for: String,
    /// The delegations that co-sponsored the item, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cosponsors: Vec<String>,
    /// In a delegation's outcomes, a row that is another delegation's item counted for it (or,
    /// dissociated, no longer): through its group, or its co-sponsorship. `None` for its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf: Option<OnBehalf>,
}

/// Why another delegation's item is in a delegation's outcomes (a coalition's roll-down).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnBehalf {
    pub relation: Relation,
    /// The delegation whose item it is (`EU`, or the proposer co-sponsored).
    pub proposer: String,
    /// The member's note, for a dissociation.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

impl OnBehalf {
    /// How the outcomes name it: `via EU`, `dissociated from EU's item`, `co-sponsored`.
    pub fn label(&self) -> String {
        match self.relation {
            Relation::ViaGroup => format!("via {}", self.proposer),
            Relation::Dissociated => format!("dissociated from {}'s item", self.proposer),
            Relation::Cosponsored => format!("co-sponsored ({}'s proposal)", self.proposer),
        }
    }
}

/// How a delegation stands to another's item in its outcomes.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Its group made the item on its behalf (support rolls down).
    ViaGroup,
    /// Its group made the item, and it dissociated from it: the item does not speak for it.
    Dissociated,
    /// It co-sponsored the item.
    Cosponsored,
}

/// Where one of a delegation's reservations on a round's text stands, seen from the round.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReservationStanding {
    /// Entered on the round's base version or later, and standing.
    Entered,
    /// Entered on an earlier version, and standing: carried into this one by node id.
    Carried,
    /// Withdrawn (lifted) by the delegation.
    Withdrawn,
}

impl ReservationStanding {
    pub fn as_str(self) -> &'static str {
        match self {
            ReservationStanding::Entered => "entered",
            ReservationStanding::Carried => "carried",
            ReservationStanding::Withdrawn => "withdrawn",
        }
    }
}

/// One of a delegation's reservations, in its outcomes.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeReservation {
    /// The reservation's number in the document.
    pub number: u32,
    /// The paragraph's reference in the round's latest text (`OP3`); `(not in the text)` when
    /// the node was deleted.
    pub reference: String,
    /// `scrutiny`, `general`, `parliamentary`, `linguistic`.
    pub kind: String,
    /// `SR (HU)`.
    pub mark: String,
    pub text: String,
    /// The document's version it was entered on.
    pub version: u32,
    pub standing: ReservationStanding,
    /// The withdrawal's note, once withdrawn.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub withdrawal_note: String,
}

/// The status of one paragraph a delegation's proposals touch, in its outcomes.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParagraphState {
    /// Its reference in the round's base version (`OP3`).
    pub reference: String,
    /// `open`, `agreed_ad_ref`, `agreed`, `adopted`.
    pub status: String,
    /// `SR (HU)` for each reservation standing on it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reservations: Vec<String>,
}

/// One delegation's proposals in one round, and what became of each.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegationOutcomes {
    pub round: String,
    pub delegation: String,
    pub delegation_name: String,
    pub proposals: Vec<Disposition>,
    /// The delegation's reservations on the round's text: entered, carried, withdrawn.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reservations: Vec<OutcomeReservation>,
    /// The status of each paragraph its proposals (own and rolled down) touch, in the base
    /// version's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paragraphs: Vec<ParagraphState>,
}

/// The column headings of the table, in order: the row's id, the ISO/IEC comment template's
/// columns in the template's order (MB is the delegation, Clause/Subclause the node's
/// reference, the delegation's locator goes under Line number or Paragraph/Figure/Table, see
/// [`locator_columns`]), then ours: the decision, where the text ended up, the item's kind, and
/// the state (the paragraph's status, the reservations held on it, whom a row spoke for).
pub const COLUMNS: [&str; 15] = [
    "Id",
    "MB",
    "Line number",
    "Clause/Subclause",
    "Paragraph/Figure/Table",
    "Type of comment",
    "Comments",
    "Proposed change",
    "Observations of the secretariat",
    "Decision",
    "Resulting reference",
    "Item",
    "Paragraph status",
    "Reservations held",
    "Spoke for",
];

/// The template's two locator columns (Line number, Paragraph/Figure/Table) for a locator: a
/// locator that starts with a digit or names a line (`12`, `l. 12–14`, `ll. 3-4`, `line 7`,
/// `ligne 7`) goes under Line number; any other (`Table 2`, `Figure 1`, `para. 3`) under
/// Paragraph/Figure/Table.
pub fn locator_columns(locator: &str) -> (&str, &str) {
    let lower = locator.trim_start().to_lowercase();
    let names_a_line = lower.starts_with(|c: char| c.is_ascii_digit())
        || ["l.", "ll.", "l ", "line", "ligne"]
            .iter()
            .any(|prefix| lower.starts_with(prefix));
    if names_a_line {
        (locator, "")
    } else {
        ("", locator)
    }
}

/// The cell of the template's Type of comment column: the code, marked when inferred.
pub fn iso_type_cell(disposition: &Disposition) -> String {
    if disposition.iso_type_given {
        disposition.iso_type.code().to_string()
    } else {
        format!("{} (inferred)", disposition.iso_type.code())
    }
}

/// Every item of every submission of the round, in order of delegation code and item number.
pub fn dispositions(record: &RoundRecord<'_>, context: &Context) -> Vec<Disposition> {
    let analysis = Analysis::new(*record);
    let mut submissions: Vec<&Submission> = record.submissions.iter().collect();
    submissions.sort_by(|a, b| a.delegation.cmp(&b.delegation));
    let mut rows = Vec::new();
    for submission in submissions {
        for (index, item) in submission.items.iter().enumerate() {
            rows.push(analysis.row(&submission.delegation, index, item, context));
        }
    }
    rows
}

/// The report per delegation: every delegation that submitted, with its proposals.
pub fn outcomes(record: &RoundRecord<'_>, context: &Context) -> Vec<DelegationOutcomes> {
    let mut by_delegation: BTreeMap<String, Vec<Disposition>> = BTreeMap::new();
    for row in dispositions(record, context) {
        by_delegation
            .entry(row.delegation.clone())
            .or_default()
            .push(row);
    }
    by_delegation
        .into_iter()
        .map(|(delegation, proposals)| DelegationOutcomes {
            round: record.round.to_string(),
            delegation_name: context.name(&delegation).to_string(),
            delegation,
            proposals,
            reservations: Vec::new(),
            paragraphs: Vec::new(),
        })
        .collect()
}

/// The outcomes report as pretty JSON.
pub fn outcomes_json(outcomes: &[DelegationOutcomes]) -> Result<String, RenderError> {
    serde_json::to_string_pretty(outcomes)
        .map(|mut text| {
            text.push('\n');
            text
        })
        .map_err(|e| RenderError::Json(e.to_string()))
}

/// The table's cells, one row per disposition, in [`COLUMNS`] order.
pub fn rows(dispositions: &[Disposition]) -> Vec<[String; 15]> {
    dispositions
        .iter()
        .map(|d| {
            let (line, paragraph) = locator_columns(&d.locator);
            [
                d.id.clone(),
                d.delegation_name.clone(),
                line.to_string(),
                d.reference.clone(),
                paragraph.to_string(),
                iso_type_cell(d),
                d.comment.clone(),
                d.proposed_change.clone(),
                d.observations.clone(),
                d.decision.clone(),
                d.resulting_reference.clone(),
                d.item_kind.clone(),
                paragraph_status_label(d.paragraph_status.as_deref()),
                d.reservations.join("; "),
                d.spoke_for.clone(),
            ]
        })
        .collect()
}

/// How a reader sees a paragraph status named in a row (`agreed_ad_ref` → `agreed ad ref.`).
fn paragraph_status_label(status: Option<&str>) -> String {
    status.map_or_else(String::new, |name| {
        ParagraphStatus::parse(name).map_or_else(|| name.to_string(), |s| s.label().to_string())
    })
}

/// The separator between a CSV table's cells.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Delimiter {
    /// `,` (RFC 4180), what Excel reads where the decimal separator is a point.
    #[default]
    Comma,
    /// `;`, what Excel reads where the decimal separator is a comma (most of Europe): it
    /// opens a comma-separated file as one column there.
    Semicolon,
}

impl Delimiter {
    /// Reads `comma`/`,` or `semicolon`/`;` (what `?delimiter=` takes).
    pub fn parse(name: &str) -> Option<Delimiter> {
        match name.trim().to_ascii_lowercase().as_str() {
            "comma" | "," => Some(Delimiter::Comma),
            "semicolon" | ";" => Some(Delimiter::Semicolon),
            _ => None,
        }
    }

    fn byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Semicolon => b';',
        }
    }
}

/// UTF-8's byte order mark: without it, Excel reads a CSV file in the machine's legacy code
/// page and shows `TÃ¼rkiye` for `Türkiye`.
pub const UTF8_BOM: &str = "\u{FEFF}";

/// The table as CSV (RFC 4180 quoting, comma-separated, UTF-8 with a byte order mark, header
/// row first).
pub fn csv(dispositions: &[Disposition]) -> Result<Vec<u8>, RenderError> {
    csv_with(dispositions, Delimiter::Comma)
}

/// [`csv`] with the cells separated by `delimiter`.
pub fn csv_with(
    dispositions: &[Disposition],
    delimiter: Delimiter,
) -> Result<Vec<u8>, RenderError> {
    let mut writer = ::csv::WriterBuilder::new()
        .delimiter(delimiter.byte())
        .from_writer(UTF8_BOM.as_bytes().to_vec());
    let error = |e: ::csv::Error| RenderError::Csv(e.to_string());
    writer.write_record(COLUMNS).map_err(error)?;
    for row in rows(dispositions) {
        // A cell starting with =, +, - or @ is a formula to a spreadsheet: a delegation's text
        // must never run as one, so such cells get a leading apostrophe (OWASP's advice).
        let row = row.map(|cell| defuse_formula(&cell));
        writer.write_record(&row).map_err(error)?;
    }
    writer
        .into_inner()
        .map_err(|e| RenderError::Csv(e.to_string()))
}

/// A cell a spreadsheet could run: one that starts as a formula, or in which a piece after a
/// separator some spreadsheet splits on (`,`, `;`, a tab, a line break) does, as in
/// `x;=cmd|' /C calc'!A0`. Such a cell gets a leading apostrophe.
pub(crate) fn defuse_formula(cell: &str) -> String {
    const STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];
    let runs = cell.starts_with(STARTS)
        || cell
            .split([',', ';', '\t', '\n', '\r'])
            .skip(1)
            .any(|piece| {
                piece
                    .trim_start_matches(' ')
                    .starts_with(['=', '+', '-', '@'])
            });
    if runs {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// The table as an Excel workbook: one sheet, a bold frozen header row, wrapped text, an
/// autofilter, columns sized for reading.
pub fn xlsx(
    dispositions: &[Disposition],
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
    let widths = [
        8.0, 14.0, 9.0, 10.0, 12.0, 9.0, 36.0, 36.0, 30.0, 28.0, 11.0, 12.0, 14.0, 16.0, 20.0,
    ];
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
    for (index, row) in rows(dispositions).iter().enumerate() {
        let line = u32::try_from(index + 1)
            .map_err(|_| RenderError::Xlsx("more rows than a sheet holds".into()))?;
        for (column, cell) in row.iter().enumerate() {
            // Excel cells hold at most 32,767 characters; longer text is cut with a mark.
            let cell = xlsx_cell(cell);
            sheet
                .write_string_with_format(line, column as u16, cell.as_ref(), &wrapped)
                .map_err(error)?;
        }
    }
    let last = u32::try_from(dispositions.len()).unwrap_or(u32::MAX);
    // Printed as the secretariat hands it out: landscape A4, every column on the page width
    // (as many pages down as it takes), the header row on every page, each row as tall as
    // its wrapped text (spreadsheet programs do not grow a row whose height the file omits).
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0).map_err(error)?;
    sheet.set_print_gridlines(true);
    sheet
        .set_row_height(0, row_height(&COLUMNS.map(str::to_string), &widths))
        .map_err(error)?;
    for (index, row) in rows(dispositions).iter().enumerate() {
        let line = u32::try_from(index + 1)
            .map_err(|_| RenderError::Xlsx("more rows than a sheet holds".into()))?;
        sheet
            .set_row_height(line, row_height(row, &widths))
            .map_err(error)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(error)?;
    let last_column = u16::try_from(COLUMNS.len() - 1).unwrap_or(u16::MAX);
    sheet.autofilter(0, 0, last, last_column).map_err(error)?;
    if let Some(classification) = &context.classification {
        // Excel's header codes start with `&`; a literal ampersand is doubled.
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

/// The height in points of a row whose cells wrap at the columns' widths: the tallest cell's
/// line count (a line break, or the text's length over the width in characters) at 15 points a
/// line, at most what Excel allows (409 points).
fn row_height(cells: &[String], widths: &[f64]) -> f64 {
    let lines = cells
        .iter()
        .zip(widths)
        .map(|(cell, width)| {
            // A column `width` characters wide holds a little less of proportional text.
            let per_line = (width * 1.1).floor().max(1.0) as usize;
            cell.split('\n')
                .map(|line| line.chars().count().div_ceil(per_line).max(1))
                .sum::<usize>()
        })
        .max()
        .unwrap_or(1);
    (lines as f64 * 15.0 + 3.0).min(409.0)
}

pub(crate) fn sheet_name(title: &str) -> String {
    // Excel forbids []:*?/\ in sheet names and allows 31 characters.
    let name: String = title
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') && !c.is_control())
        .take(31)
        .collect();
    let name = name.trim().trim_matches('\'').to_string();
    if name.is_empty() {
        "Dispositions".to_string()
    } else {
        name
    }
}

pub(crate) fn xlsx_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 32_767;
    let cleaned = crate::text::xml_text(cell);
    if cleaned.chars().count() <= MAX {
        return cleaned;
    }
    let mut cut: String = cleaned.chars().take(MAX - 1).collect();
    cut.push('…');
    std::borrow::Cow::Owned(cut)
}

/// Indexes over a round record, built once for all rows.
struct Analysis<'a> {
    record: RoundRecord<'a>,
    /// (delegation, item index) → the changes and alternatives it supports.
    supports: HashMap<(&'a str, usize), Vec<(&'a Change, usize)>>,
    decisions: HashMap<&'a str, &'a Decision>,
    applied: HashMap<&'a str, &'a AppliedChange>,
    kept: HashMap<&'a str, KeptReason>,
    references: HashMap<NodeId, &'a str>,
    new_references: Option<References>,
    /// Node id → the changes of the compilation on it.
    changes_on: HashMap<NodeId, Vec<&'a Change>>,
}

impl<'a> Analysis<'a> {
    fn new(record: RoundRecord<'a>) -> Self {
        let mut supports: HashMap<(&str, usize), Vec<(&Change, usize)>> = HashMap::new();
        let mut changes_on: HashMap<NodeId, Vec<&Change>> = HashMap::new();
        for change in record.compilation.changes() {
            changes_on.entry(change.node).or_default().push(change);
            for (index, alternative) in change.alternatives.iter().enumerate() {
                for support in &alternative.supporters {
                    let entry = supports
                        .entry((support.delegation.as_str(), support.item))
                        .or_default();
                    if !entry.iter().any(|(c, _)| c.id == change.id) {
                        entry.push((change, index));
                    }
                }
            }
        }
        let result = record.result;
        Analysis {
            record,
            supports,
            decisions: record
                .decisions
                .iter()
                .map(|d| (d.change.as_str(), d))
                .collect(),
            applied: result
                .map(|r| r.applied.iter().map(|a| (a.change.as_str(), a)).collect())
                .unwrap_or_default(),
            kept: result
                .map(|r| {
                    r.kept
                        .iter()
                        .map(|k| (k.change.as_str(), k.reason))
                        .collect()
                })
                .unwrap_or_default(),
            references: record
                .compilation
                .nodes
                .iter()
                .map(|n| (n.node, n.reference.as_str()))
                .collect(),
            new_references: result.map(|r| References::of(r.document)),
            changes_on,
        }
    }

    fn reference(&self, node: NodeId) -> String {
        self.references
            .get(&node)
            .map(|r| r.to_string())
            .unwrap_or_else(|| "unknown node".to_string())
    }

    /// The fate of `change` for the alternative at `index`.
    fn fate(&self, change: &Change, index: usize) -> Fate {
        let mine = &change.alternatives[index];
        let other = |id: &str| -> Fate {
            let delegations = change
                .alternative(id)
                .map(|a| a.delegations())
                .unwrap_or_default();
            Fate::OtherAlternative {
                alternative: id.to_string(),
                delegations,
            }
        };
        if self.record.result.is_some() {
            if let Some(applied) = self.applied.get(change.id.as_str()) {
                return match &applied.alternative {
                    Some(id) if *id == mine.id => Fate::Accepted,
                    Some(id) => other(id),
                    None => Fate::Reworded {
                        text: applied.text.clone(),
                    },
                };
            }
            if let Some(reason) = self.kept.get(change.id.as_str()) {
                return match reason {
                    KeptReason::Rejected => Fate::Rejected,
                    KeptReason::Deferred => Fate::Deferred,
                    KeptReason::Undecided => Fate::Undecided,
                    KeptReason::Superseded => Fate::Superseded,
                };
            }
            // Not applied, and no reason recorded (a store that keeps only the applied
            // changes): the decision says why, and an acceptance that did not apply was moot.
            return match self.decided_fate(change, mine) {
                Fate::Accepted | Fate::Reworded { .. } => Fate::Superseded,
                fate => fate,
            };
        }
        self.decided_fate(change, mine)
    }

    /// The fate a change's decision gives the alternative `mine`, before consolidation.
    fn decided_fate(&self, change: &Change, mine: &penholder_diff::Alternative) -> Fate {
        let other = |id: &str| -> Fate {
            Fate::OtherAlternative {
                alternative: id.to_string(),
                delegations: change
                    .alternative(id)
                    .map(|a| a.delegations())
                    .unwrap_or_default(),
            }
        };
        match self.decisions.get(change.id.as_str()).map(|d| &d.ruling) {
            Some(Ruling::Accept { alternative }) => match alternative {
                Some(id) if *id == mine.id => Fate::Accepted,
                Some(id) => other(id),
                None if !change.contested => Fate::Accepted,
                None => Fate::Undecided,
            },
            Some(Ruling::Reword { text }) => Fate::Reworded {
                text: Some(text.clone()),
            },
            Some(Ruling::Reject) => Fate::Rejected,
            Some(Ruling::Defer) => Fate::Deferred,
            Some(Ruling::Withdraw) | None => Fate::Undecided,
        }
    }

    /// Whether a change altered the text (applied, or accepted/reworded by decision).
    fn took_effect(&self, change: &Change) -> Option<Vec<String>> {
        if self.record.result.is_some() {
            return self
                .applied
                .get(change.id.as_str())
                .map(|a| match &a.origin {
                    Origin::Accepted { delegations, .. } => delegations.clone(),
                    Origin::Chair { .. } => vec!["Chair".to_string()],
                    Origin::Base { .. } => Vec::new(),
                });
        }
        match self.decisions.get(change.id.as_str()).map(|d| &d.ruling) {
            Some(Ruling::Accept { alternative }) => {
                let chosen = match alternative {
                    Some(id) => change.alternative(id),
                    None => change.alternatives.first(),
                };
                chosen.map(|a| a.delegations())
            }
            Some(Ruling::Reword { .. }) => Some(vec!["Chair".to_string()]),
            _ => None,
        }
    }

    fn row(
        &self,
        delegation: &'a str,
        index: usize,
        item: &'a Item,
        context: &Context,
    ) -> Disposition {
        let supported = self
            .supports
            .get(&(delegation, index))
            .cloned()
            .unwrap_or_default();
        let unplaced = self
            .record
            .compilation
            .unplaced
            .iter()
            .find(|u| u.delegation == delegation && u.item == index);
        let (kind, reference, comment) = match item {
            Item::Comment {
                iso: _,
                node: None,
                text,
            } => (
                DispositionKind::General,
                "general".to_string(),
                text.clone(),
            ),
            Item::Comment {
                iso: _,
                node: Some(node),
                text,
            } => (
                DispositionKind::Technical,
                self.reference(*node),
                text.clone(),
            ),
            Item::Amend {
                iso: _,
                node,
                text,
                justification,
            } => {
                let base = self
                    .record
                    .compilation
                    .node(*node)
                    .map(|n| n.base_text.as_str())
                    .unwrap_or_default();
                let kind = if editorial_only(base, text) {
                    DispositionKind::Editorial
                } else {
                    DispositionKind::Amendment
                };
                (
                    kind,
                    self.reference(*node),
                    justification.clone().unwrap_or_default(),
                )
            }
            Item::Insert {
                at, justification, ..
            } => {
                let reference = match at {
                    Anchor::After(node) => format!("after {}", self.reference(*node)),
                    Anchor::Before(node) => format!("before {}", self.reference(*node)),
                };
                (
                    DispositionKind::Insertion,
                    reference,
                    justification.clone().unwrap_or_default(),
                )
            }
            Item::Delete {
                iso: _,
                node,
                justification,
            } => (
                DispositionKind::Deletion,
                self.reference(*node),
                justification.clone().unwrap_or_default(),
            ),
            // Acts on an open bracket: what the delegation supports or proposes is the
            // bracket's alternative, an amendment; a withdrawal of support is noted.
            Item::Support {
                bracket,
                justification,
                ..
            }
            | Item::AmendAlternative {
                bracket,
                justification,
                ..
            } => (
                DispositionKind::Amendment,
                format!("bracket {bracket}"),
                justification.clone().unwrap_or_default(),
            ),
            Item::WithdrawAlternative {
                bracket,
                justification,
                ..
            } => (
                DispositionKind::Technical,
                format!("bracket {bracket}"),
                justification.clone().unwrap_or_default(),
            ),
        };

        // An amendment that is also an alternative of a node-level change (someone proposed
        // deleting the node) is decided word by word unless the node-level decision chose a
        // text for the whole node; a rejected deletion says nothing about its words.
        let has_word_level = supported.iter().any(|(c, _)| c.scope != Scope::Node);
        let relevant: Vec<(&Change, usize)> = supported
            .iter()
            .copied()
            .filter(|(change, alternative)| {
                change.scope != Scope::Node
                    || !has_word_level
                    || matches!(
                        self.fate(change, *alternative),
                        Fate::Accepted | Fate::OtherAlternative { .. }
                    )
            })
            .collect();
        let mut changes: Vec<ChangeFate> = relevant
            .iter()
            .map(|(change, alternative)| {
                let mine = &change.alternatives[*alternative];
                ChangeFate {
                    change: change.id.clone(),
                    alternative: mine.id.clone(),
                    base_text: change.base_text.clone(),
                    proposed: mine.text.clone(),
                    also_proposed_by: mine
                        .delegations()
                        .into_iter()
                        .filter(|d| d != delegation)
                        .collect(),
                    fate: self.fate(change, *alternative),
                    note: self
                        .decisions
                        .get(change.id.as_str())
                        .and_then(|d| d.note.clone()),
                }
            })
            .collect();
        changes.sort_by_key(|c| {
            relevant
                .iter()
                .find(|(change, _)| change.id == c.change)
                .map_or(0, |(change, _)| u8::from(change.scope != Scope::Node))
        });

        let proposed_change = proposed_change(item, &supported);
        let (status, merged_with) = if unplaced.is_some() {
            (ProposalStatus::NotPlaced, Vec::new())
        } else {
            self.status(delegation, item, &supported)
        };
        let decision = match (unplaced, status) {
            (Some(unplaced), _) => format!("not placed: {}", unplaced.reason),
            (None, ProposalStatus::Noted) if matches!(item, Item::Comment { .. }) => {
                "noted".to_string()
            }
            (None, ProposalStatus::Noted) => "no change to the text".to_string(),
            (None, _) => decision_text(&changes, status, &merged_with, context),
        };
        let mut notes: Vec<String> = Vec::new();
        for change in &changes {
            if let Some(note) = &change.note
                && !notes.contains(note)
            {
                notes.push(note.clone());
            }
        }
        let resulting_reference = self.resulting_reference(item, &supported);
        let paragraph = self.paragraph_of(item, &supported);
        let marks = paragraph.and_then(|node| context.paragraphs.get(&node));
        let given = item.iso();
        Disposition {
            id: format!("{delegation}-{}", index + 1),
            delegation: delegation.to_string(),
            delegation_name: context.name(delegation).to_string(),
            item: index + 1,
            reference,
            kind,
            iso_type: given.iso_type.unwrap_or_else(|| kind.inferred_iso_type()),
            iso_type_given: given.iso_type.is_some(),
            locator: given.locator.clone().unwrap_or_default(),
            item_kind: item_kind(item).to_string(),
            comment,
            proposed_change,
            decision,
            observations: notes.join("\n"),
            resulting_reference,
            status,
            merged_with,
            changes,
            paragraph_status: paragraph.map(|_| {
                marks
                    .map_or(ParagraphStatus::Open, |m| m.status)
                    .as_str()
                    .to_string()
            }),
            reservations: marks.map(|m| m.reservations.clone()).unwrap_or_default(),
            spoke_for: String::new(),
            cosponsors: Vec::new(),
            on_behalf: None,
        }
    }

    /// The paragraph of the base version an item is about, whose status its row shows: the
    /// node it amends, deletes or comments on, or the node of the bracket it acts on. `None`
    /// for a general comment, a new paragraph (it has no status before it exists) and a node
    /// the base version does not hold.
    fn paragraph_of(&self, item: &Item, supported: &[(&'a Change, usize)]) -> Option<NodeId> {
        let node = match item {
            Item::Amend { node, .. } | Item::Delete { node, .. } => Some(*node),
            Item::Comment { node, .. } => *node,
            Item::Insert { .. } => None,
            Item::Support { .. }
            | Item::AmendAlternative { .. }
            | Item::WithdrawAlternative { .. } => supported.first().map(|(change, _)| change.node),
        }?;
        self.references.contains_key(&node).then_some(node)
    }

    fn status(
        &self,
        delegation: &str,
        item: &Item,
        supported: &[(&'a Change, usize)],
    ) -> (ProposalStatus, Vec<String>) {
        if matches!(item, Item::Comment { .. }) || supported.is_empty() {
            return (ProposalStatus::Noted, Vec::new());
        }
        // An amendment of a node someone proposed to delete is also an alternative of the
        // node-level change; rejecting the deletion says nothing about its words, which are
        // decided change by change. Only accepting another node-level alternative decides it.
        let word_level: Vec<&(&Change, usize)> = supported
            .iter()
            .filter(|(change, _)| change.scope != Scope::Node)
            .collect();
        let node_level = supported.iter().find(|(c, _)| c.scope == Scope::Node);
        let mut fates: Vec<Fate> = Vec::new();
        if let Some((change, index)) = node_level {
            let fate = self.fate(change, *index);
            match (&fate, word_level.is_empty()) {
                (Fate::Accepted, _) | (_, true) => fates.push(fate),
                (Fate::OtherAlternative { .. }, false) => {
                    return (ProposalStatus::NotRetained, Vec::new());
                }
                _ => {}
            }
        }
        if !matches!(fates.first(), Some(Fate::Accepted)) {
            for (change, index) in &word_level {
                fates.push(self.fate(change, *index));
            }
        }
        let accepted = fates.iter().filter(|f| **f == Fate::Accepted).count();
        if fates.iter().any(|f| matches!(f, Fate::Reworded { .. })) {
            return (ProposalStatus::RewordedByChair, Vec::new());
        }
        if accepted == fates.len() && accepted > 0 {
            return self.retained(delegation, item, supported);
        }
        if accepted > 0 {
            return (ProposalStatus::PartlyRetained, Vec::new());
        }
        if fates.contains(&Fate::Deferred) {
            return (ProposalStatus::Deferred, Vec::new());
        }
        if fates.iter().all(|f| *f == Fate::Undecided) {
            return (ProposalStatus::Pending, Vec::new());
        }
        (ProposalStatus::NotRetained, Vec::new())
    }

    /// Retained: verbatim, or merged with the changes of others on the same node.
    fn retained(
        &self,
        delegation: &str,
        item: &Item,
        supported: &[(&'a Change, usize)],
    ) -> (ProposalStatus, Vec<String>) {
        let (node, proposed_text) = match item {
            Item::Amend { node, text, .. } => (*node, Some(text.as_str())),
            Item::Delete { node, .. } => (*node, None),
            Item::Insert { text, .. } => {
                // A new node is verbatim when its text is the delegation's.
                let verbatim = supported.iter().all(|(change, _)| {
                    self.applied
                        .get(change.id.as_str())
                        .and_then(|a| a.text.as_deref())
                        .is_none_or(|t| t.trim() == text.trim())
                });
                return if verbatim {
                    (ProposalStatus::RetainedVerbatim, Vec::new())
                } else {
                    (ProposalStatus::MergedWithOthers, Vec::new())
                };
            }
            Item::Comment { .. } | Item::WithdrawAlternative { .. } => {
                return (ProposalStatus::Noted, Vec::new());
            }
            // The alternative taken as it stood, or as the delegation reworded it.
            Item::Support { .. } => return (ProposalStatus::RetainedVerbatim, Vec::new()),
            Item::AmendAlternative { .. } => {
                return (ProposalStatus::MergedWithOthers, Vec::new());
            }
        };
        if let (Some(result), Some(text)) = (self.record.result, proposed_text)
            && result.document.find(node).is_some_and(|n| n.text == text)
        {
            return (ProposalStatus::RetainedVerbatim, Vec::new());
        }
        let mine: Vec<&str> = supported.iter().map(|(c, _)| c.id.as_str()).collect();
        let mut others: Vec<String> = Vec::new();
        for change in self.changes_on.get(&node).into_iter().flatten() {
            if mine.contains(&change.id.as_str())
                || matches!(
                    change.scope,
                    Scope::InsertAfter { .. } | Scope::InsertBefore { .. }
                )
            {
                continue;
            }
            for who in self.took_effect(change).unwrap_or_default() {
                if who != delegation && !others.contains(&who) {
                    others.push(who);
                }
            }
        }
        others.sort();
        if others.is_empty() {
            (ProposalStatus::RetainedVerbatim, others)
        } else {
            (ProposalStatus::MergedWithOthers, others)
        }
    }

    fn resulting_reference(&self, item: &Item, supported: &[(&'a Change, usize)]) -> String {
        let Some(references) = &self.new_references else {
            return String::new();
        };
        let of = |id: NodeId| -> Option<String> { references.reference(id).map(|r| r.0.clone()) };
        match item {
            Item::Comment { node: None, .. } => String::new(),
            Item::Comment {
                node: Some(node), ..
            }
            | Item::Amend { node, .. }
            | Item::Delete { node, .. } => of(*node).unwrap_or_else(|| "deleted".to_string()),
            Item::WithdrawAlternative { .. } => String::new(),
            Item::Insert { .. } | Item::Support { .. } | Item::AmendAlternative { .. } => supported
                .iter()
                .find_map(|(change, _)| {
                    self.applied
                        .get(change.id.as_str())
                        .and_then(|applied| of(applied.node))
                })
                .unwrap_or_else(|| "not inserted".to_string()),
        }
    }
}

/// Whether an amendment changes only punctuation, letter case or spacing.
/// The item's kind as the submission names it.
fn item_kind(item: &Item) -> &'static str {
    match item {
        Item::Amend { .. } => "amend",
        Item::Insert { .. } => "insert",
        Item::Delete { .. } => "delete",
        Item::Comment { .. } => "comment",
        Item::Support { .. } => "support",
        Item::AmendAlternative { .. } => "amend_alternative",
        Item::WithdrawAlternative { .. } => "withdraw_alternative",
    }
}

fn editorial_only(base: &str, proposed: &str) -> bool {
    let words = |text: &str| -> Vec<String> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| w.to_lowercase())
            .collect()
    };
    base != proposed && words(base) == words(proposed)
}

fn quoted(text: &str) -> String {
    format!("\u{201C}{}\u{201D}", text.trim())
}

/// The proposed change in short.
fn proposed_change(item: &Item, supported: &[(&Change, usize)]) -> String {
    match item {
        Item::Comment { .. } => String::new(),
        Item::Support {
            bracket,
            alternative,
            ..
        } => format!("support alternative {alternative} of bracket {bracket}"),
        Item::AmendAlternative {
            bracket,
            alternative,
            text,
            ..
        } => format!(
            "alternative {alternative} of bracket {bracket} \u{2192} {}",
            quoted(text)
        ),
        Item::WithdrawAlternative {
            bracket,
            alternative,
            ..
        } => format!("withdraw its support of alternative {alternative} of bracket {bracket}"),
        Item::Delete { .. } => "delete the paragraph".to_string(),
        Item::Insert { text, .. } => format!("insert: {text}"),
        Item::Amend { text, .. } => {
            let parts: Vec<String> = supported
                .iter()
                .filter(|(change, _)| change.scope != Scope::Node)
                .map(|(change, index)| {
                    let proposed = change.alternatives[*index].text.as_deref().unwrap_or("");
                    match (
                        change.base_text.trim().is_empty(),
                        proposed.trim().is_empty(),
                    ) {
                        (true, _) => format!("insert {}", quoted(proposed)),
                        (false, true) => format!("delete {}", quoted(&change.base_text)),
                        (false, false) => format!(
                            "{} \u{2192} {}",
                            quoted(&change.base_text),
                            quoted(proposed)
                        ),
                    }
                })
                .collect();
            if parts.is_empty() {
                text.clone()
            } else {
                parts.join("; ")
            }
        }
    }
}

fn fate_text(fate: &Fate, context: &Context) -> String {
    match fate {
        Fate::Accepted => "accepted".to_string(),
        Fate::OtherAlternative {
            alternative,
            delegations,
        } => format!(
            "not retained: alternative {alternative} ({}) accepted",
            context.names(delegations)
        ),
        Fate::Reworded { text: Some(text) } if !text.trim().is_empty() => {
            format!("accepted in the chair's wording: {}", quoted(text))
        }
        Fate::Reworded { .. } => "accepted in the chair's wording".to_string(),
        Fate::Rejected => "rejected".to_string(),
        Fate::Deferred => "deferred".to_string(),
        Fate::Undecided => "no decision".to_string(),
        Fate::Superseded => "superseded by a decision on the whole paragraph".to_string(),
    }
}

fn decision_text(
    changes: &[ChangeFate],
    status: ProposalStatus,
    merged_with: &[String],
    context: &Context,
) -> String {
    let texts: Vec<String> = changes
        .iter()
        .map(|c| fate_text(&c.fate, context))
        .collect();
    let mut summary = if texts.iter().all(|t| Some(t) == texts.first()) {
        texts.first().cloned().unwrap_or_default()
    } else {
        changes
            .iter()
            .zip(&texts)
            .map(|(change, text)| {
                if change.base_text.trim().is_empty() {
                    format!("insertion: {text}")
                } else {
                    format!("{}: {text}", quoted(&change.base_text))
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    if status == ProposalStatus::MergedWithOthers && !merged_with.is_empty() {
        summary.push_str(&format!(
            " (merged with proposals of {})",
            context.names(merged_with)
        ));
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_opens_in_european_excel() {
        let row = Disposition {
            id: "TR-1".into(),
            delegation: "TR".into(),
            delegation_name: "Türkiye".into(),
            item: 1,
            reference: "OP2".into(),
            kind: DispositionKind::Amendment,
            iso_type: IsoCommentType::Editorial,
            iso_type_given: true,
            locator: "l. 12–14".into(),
            item_kind: "amend".into(),
            comment: "Clearer; shorter".into(),
            proposed_change: "a, b".into(),
            decision: "accepted".into(),
            observations: String::new(),
            resulting_reference: "OP2".into(),
            status: ProposalStatus::RetainedVerbatim,
            merged_with: Vec::new(),
            changes: Vec::new(),
            paragraph_status: None,
            reservations: Vec::new(),
            spoke_for: String::new(),
            cosponsors: Vec::new(),
            on_behalf: None,
        };
        let comma =
            String::from_utf8(csv(std::slice::from_ref(&row)).expect("csv")).expect("utf-8");
        assert!(
            comma.starts_with(
                "\u{FEFF}Id,MB,Line number,Clause/Subclause,Paragraph/Figure/Table,Type of comment,Comments,Proposed change,Observations of the secretariat,Decision,Resulting reference,Item,Paragraph status,Reservations held,Spoke for\n"
            ),
            "{comma}"
        );
        assert!(
            comma.contains(
                "TR-1,Türkiye,l. 12–14,OP2,,ed,Clearer; shorter,\"a, b\",,accepted,OP2,amend,,,\n"
            ),
            "{comma}"
        );
        let semicolon = String::from_utf8(
            csv_with(std::slice::from_ref(&row), Delimiter::Semicolon).expect("csv"),
        )
        .expect("utf-8");
        assert!(
            semicolon.starts_with("\u{FEFF}Id;MB;Line number;Clause/Subclause;"),
            "{semicolon}"
        );
        assert!(
            semicolon.contains(
                "TR-1;Türkiye;l. 12–14;OP2;;ed;\"Clearer; shorter\";a, b;;accepted;OP2;amend;;;\n"
            ),
            "{semicolon}"
        );
        assert_eq!(Delimiter::parse(" Semicolon"), Some(Delimiter::Semicolon));
        assert_eq!(Delimiter::parse(","), Some(Delimiter::Comma));
        assert_eq!(Delimiter::parse("tab"), None);
    }

    #[test]
    fn a_locator_goes_under_line_number_or_paragraph_figure_table() {
        for line in ["12", "l. 12–14", "ll. 3-4", "Line 7", "ligne 7", " l 9"] {
            assert_eq!(locator_columns(line), (line, ""), "{line}");
        }
        for place in ["Table 2", "Figure 1", "para. 3", "footnote 4", "Annex"] {
            assert_eq!(locator_columns(place), ("", place), "{place}");
        }
        assert_eq!(locator_columns(""), ("", ""));
    }

    #[test]
    fn an_item_without_a_type_gets_the_one_inferred_before() {
        use DispositionKind::*;
        let inferred = [
            General, Technical, Editorial, Amendment, Insertion, Deletion,
        ]
        .map(|kind| kind.inferred_iso_type().code());
        assert_eq!(inferred, ["ge", "te", "ed", "te", "te", "te"]);
    }

    #[test]
    fn rows_grow_with_their_wrapped_text() {
        let widths = [10.0, 40.0];
        let short = row_height(&["a".into(), "b".into()], &widths);
        let long = row_height(&["a".into(), "word ".repeat(40)], &widths);
        let lines = row_height(&["a\nb\nc".into(), String::new()], &widths);
        assert_eq!(short, 18.0);
        assert_eq!(long, 5.0 * 15.0 + 3.0, "200 characters in 44 per line");
        assert_eq!(lines, 3.0 * 15.0 + 3.0);
        assert_eq!(row_height(&["x".repeat(100_000)], &widths), 409.0);
    }

    #[test]
    fn editorial_amendments_change_no_word() {
        assert!(editorial_only("States shall act.", "States shall act;"));
        assert!(editorial_only("states shall act", "States shall  act"));
        assert!(!editorial_only("States shall act.", "States should act."));
        assert!(!editorial_only("same", "same"));
    }

    #[test]
    fn cells_never_run_as_formulas() {
        assert_eq!(defuse_formula("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse_formula("-1"), "'-1");
        assert_eq!(defuse_formula("OP1"), "OP1");
        // Where a spreadsheet splits on `;` (issue 12, finding 8).
        assert_eq!(
            defuse_formula("x;=cmd|' /C calc'!A0"),
            "'x;=cmd|' /C calc'!A0"
        );
        assert_eq!(defuse_formula("a, @SUM(A1)"), "'a, @SUM(A1)");
        assert_eq!(
            defuse_formula("Replace \"strengthen\" by \"enhance\"; add a date"),
            "Replace \"strengthen\" by \"enhance\"; add a date"
        );
        assert_eq!(sheet_name("Round 1: [draft]"), "Round 1 draft");
        assert_eq!(sheet_name("///"), "Dispositions");
    }
}
