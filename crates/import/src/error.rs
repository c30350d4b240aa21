//! The one error type of every importer: where (a 1-based line) and what was expected there.

use penholder_core::NodeId;

/// Why a text could not be imported. Every variant names the line (1-based) where the importer
/// stopped and what it expected to find there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("line {line}: expected {expected}, found `{found}`")]
    Unexpected {
        line: usize,
        expected: String,
        found: String,
    },
    #[error("line {line}: expected {expected}, but the text ends here")]
    UnexpectedEnd { line: usize, expected: String },
    #[error(
        "line {line}: node id {id} is already used at line {first_line}; expected an id not used elsewhere in the document"
    )]
    DuplicateId {
        line: usize,
        id: NodeId,
        first_line: usize,
    },
    #[error(
        "line {line}: footnote {marker} is not referenced; expected a paragraph whose text carries the marker {marker}"
    )]
    FootnoteWithoutMarker { line: usize, marker: String },
    #[error("line {line}, column {column}: expected well-formed XML: {message}")]
    Xml {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("line {line}, column {column}: expected a document in JSON form: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
}

impl ImportError {
    /// The 1-based line the error points at.
    pub fn line(&self) -> usize {
        match self {
            ImportError::Unexpected { line, .. }
            | ImportError::UnexpectedEnd { line, .. }
            | ImportError::DuplicateId { line, .. }
            | ImportError::FootnoteWithoutMarker { line, .. }
            | ImportError::Xml { line, .. }
            | ImportError::Json { line, .. } => *line,
        }
    }

    pub(crate) fn unexpected(line: usize, expected: impl Into<String>, found: &str) -> Self {
        ImportError::Unexpected {
            line,
            expected: expected.into(),
            found: excerpt(found),
        }
    }

    pub(crate) fn end(line: usize, expected: impl Into<String>) -> Self {
        ImportError::UnexpectedEnd {
            line,
            expected: expected.into(),
        }
    }
}

/// At most 60 characters of a line, cut on a character boundary, so that an error message stays
/// one readable line whatever the input.
fn excerpt(text: &str) -> String {
    const LIMIT: usize = 60;
    let trimmed = text.trim();
    let mut out: String = trimmed.chars().take(LIMIT).collect();
    if trimmed.chars().count() > LIMIT {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_on_a_character_boundary() {
        let line = "é".repeat(100);
        let ImportError::Unexpected { found, .. } = ImportError::unexpected(3, "x", &line) else {
            panic!("wrong variant")
        };
        assert_eq!(found.chars().count(), 61);
        assert_eq!(ImportError::unexpected(3, "x", &line).line(), 3);
    }
}
