//! Outputs people open, rendered from the values of `penholder-core` and `penholder-diff`:
//! pure functions from a version, a compilation, a redline, a blame view or a round's
//! dispositions to the bytes of a file. No I/O, no clock: times, names and labels come in a
//! [`Context`].
//!
//! | module | what it writes |
//! |---|---|
//! | [`html`] | one self-contained page (inline CSS, no scripts, print-friendly) |
//! | [`markdown`] | Markdown with CriticMarkup (`{++ ++}`, `{-- --}`, `{~~ ~> ~~}`, `{>> <<}`) |
//! | [`docx`] | Word documents with real tracked changes (`w:ins`/`w:del` by delegation), comments, footnotes, numbering, a classification header |
//! | [`dispositions`] | the comment-resolution table of a round (CSV, XLSX) and "what happened to my proposals" (JSON, HTML) |
//! | [`akn`] | Akoma Ntoso 3.0 XML of a version |
//! | [`concordance`] | the numbering concordance of a document's versions (CSV, XLSX; HTML and Markdown in their modules) |
//! | [`synoptic`] | N versions of a document side by side, each cell's changes marked and attributed (DOCX, XLSX; HTML in its module) |
//!
//! [`Format`] names the formats the server offers (`?format=`), with their content types and
//! file extensions; [`Output`] says which formats each kind of output exists in.
//!
//! Architecture invariant: text from delegations is untrusted. Every renderer escapes it for its
//! format and replaces characters the format cannot carry (XML 1.0 forbids most control
//! characters), so no input makes a renderer panic or write a file its reader rejects.

pub mod akn;
pub mod captions;
pub mod concordance;
mod context;
pub mod dispositions;
pub mod docx;
mod docx_package;
pub mod html;
mod layout;
pub mod markdown;
pub mod reservations;
pub mod synoptic;
mod text;

pub use captions::Captions;
pub use context::{
    AuditSeal, Context, Dates, Justification, ParagraphMarks, Spoken, TextEvent, rfc3339,
};
pub use dispositions::{
    DelegationOutcomes, Disposition, DispositionKind, ProposalStatus, RoundRecord, RoundResult,
};
pub use layout::Label;

/// Why a file could not be written. Rendering HTML, Markdown, JSON and XML cannot fail; the
/// binary formats go through writers that report errors instead of panicking.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("could not write the Word document: {0}")]
    Docx(String),
    #[error("could not write the spreadsheet: {0}")]
    Xlsx(String),
    #[error("could not write the CSV table: {0}")]
    Csv(String),
    #[error("could not write JSON: {0}")]
    Json(String),
    #[error("{output} is not available as {format}; available: {available}")]
    Unsupported {
        output: &'static str,
        format: &'static str,
        available: String,
    },
}

/// A file format the server and the CLI offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    Json,
    Html,
    Markdown,
    Docx,
    Csv,
    Xlsx,
    Akn,
}

impl Format {
    pub const ALL: [Format; 7] = [
        Format::Json,
        Format::Html,
        Format::Markdown,
        Format::Docx,
        Format::Csv,
        Format::Xlsx,
        Format::Akn,
    ];

    /// The name used in `?format=` and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Html => "html",
            Format::Markdown => "md",
            Format::Docx => "docx",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Akn => "akn",
        }
    }

    /// Reads a format name, case-insensitively; `markdown` and `xml` are accepted as aliases.
    pub fn parse(name: &str) -> Option<Format> {
        let name = name.trim().to_ascii_lowercase();
        match name.as_str() {
            "markdown" => Some(Format::Markdown),
            "xml" | "akomantoso" => Some(Format::Akn),
            "htm" => Some(Format::Html),
            _ => Format::ALL.into_iter().find(|f| f.as_str() == name),
        }
    }

    /// The `Content-Type` to serve the format with.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Html => "text/html; charset=utf-8",
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            // The media type registered with IANA for Akoma Ntoso documents.
            Format::Akn => "application/akn+xml",
        }
    }

    /// The file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Html => "html",
            Format::Markdown => "md",
            Format::Docx => "docx",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Akn => "akn.xml",
        }
    }

    /// Whether the bytes are text (UTF-8) rather than a binary package.
    pub fn is_text(self) -> bool {
        !matches!(self, Format::Docx | Format::Xlsx)
    }

    /// `stem.ext` with the stem reduced to characters every file system and every
    /// `Content-Disposition` parser accepts (letters, digits, `-`, `_`, `.`).
    pub fn file_name(self, stem: &str) -> String {
        let mut safe: String = stem
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        while safe.contains("--") {
            safe = safe.replace("--", "-");
        }
        let safe = safe.trim_matches(|c| c == '-' || c == '.');
        let safe = if safe.is_empty() { "penholder" } else { safe };
        format!("{safe}.{}", self.extension())
    }

    /// A `Content-Disposition` header value offering the file under `stem`.
    pub fn content_disposition(self, stem: &str) -> String {
        let disposition = if self.is_text() && matches!(self, Format::Html | Format::Json) {
            "inline"
        } else {
            "attachment"
        };
        format!("{disposition}; filename=\"{}\"", self.file_name(stem))
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Format::parse(name).ok_or_else(|| {
            format!(
                "unknown format {name:?}; expected one of {}",
                Format::ALL.map(Format::as_str).join(", ")
            )
        })
    }
}

/// The kinds of output, each available in some formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Output {
    /// One version's clean text.
    Version,
    /// A round's compilation: every proposal, attributed.
    Compilation,
    /// The differences between two versions, attributed.
    Redline,
    /// One version with the provenance of every span.
    Blame,
    /// A round's disposition table.
    Dispositions,
    /// What happened to each delegation's proposals in a round.
    Outcomes,
    /// Every node's reference in each version of a document.
    Concordance,
    /// N versions of a document side by side, row by row.
    Synoptic,
}

impl Output {
    pub fn as_str(self) -> &'static str {
        match self {
            Output::Version => "a version",
            Output::Compilation => "a compilation",
            Output::Redline => "a redline",
            Output::Blame => "a blame view",
            Output::Dispositions => "the dispositions",
            Output::Outcomes => "the outcomes report",
            Output::Concordance => "a numbering concordance",
            Output::Synoptic => "a synoptic table",
        }
    }

    /// The formats this output is rendered in (JSON is the serde form of the value).
    pub fn formats(self) -> &'static [Format] {
        use Format::*;
        match self {
            Output::Version => &[Json, Html, Markdown, Docx, Akn],
            Output::Compilation | Output::Redline => &[Json, Html, Markdown, Docx],
            Output::Blame => &[Json, Html, Markdown],
            Output::Dispositions => &[Json, Html, Csv, Xlsx],
            Output::Outcomes => &[Json, Html],
            Output::Concordance => &[Json, Html, Markdown, Csv, Xlsx],
            Output::Synoptic => &[Json, Html, Docx, Xlsx],
        }
    }

    pub fn supports(self, format: Format) -> bool {
        self.formats().contains(&format)
    }

    /// `Ok` when the format is offered for this output, else the error to show.
    pub fn check(self, format: Format) -> Result<(), RenderError> {
        if self.supports(format) {
            Ok(())
        } else {
            Err(RenderError::Unsupported {
                output: self.as_str(),
                format: format.as_str(),
                available: self
                    .formats()
                    .iter()
                    .map(|f| f.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_round_trip_through_their_names() {
        for format in Format::ALL {
            assert_eq!(Format::parse(format.as_str()), Some(format));
            assert_eq!(format.as_str().parse::<Format>(), Ok(format));
        }
        assert_eq!(Format::parse(" Markdown "), Some(Format::Markdown));
        assert_eq!(Format::parse("XML"), Some(Format::Akn));
        assert!("pdf".parse::<Format>().unwrap_err().contains("docx"));
    }

    #[test]
    fn file_names_are_safe_in_headers() {
        assert_eq!(
            Format::Docx.file_name("budapest-7mc/declaration v2 \"x\""),
            "budapest-7mc-declaration-v2-x.docx"
        );
        assert_eq!(Format::Akn.file_name("../.."), "penholder.akn.xml");
        assert_eq!(
            Format::Csv.content_disposition("round 1"),
            "attachment; filename=\"round-1.csv\""
        );
        assert_eq!(
            Format::Html.content_disposition("v1"),
            "inline; filename=\"v1.html\""
        );
    }

    #[test]
    fn outputs_say_which_formats_they_offer() {
        assert!(Output::Version.supports(Format::Akn));
        assert!(!Output::Redline.supports(Format::Akn));
        let error = Output::Outcomes.check(Format::Docx).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the outcomes report is not available as docx; available: json, html"
        );
        for format in Format::ALL {
            assert!(!format.content_type().is_empty());
        }
    }
}
