//! The shape rules of what callers send, shared by every use case: slugs, delegation codes,
//! labels and times. Each refusal names the field (a JSON pointer) and says what would do.

use crate::clock::parse_rfc3339;
use crate::error::Error;

/// Process and document slugs: `budapest-7mc` — lower-case letters, digits, `-`, `_`, `.`,
/// starting with a letter or a digit, at most 64.
pub fn valid_slug(slug: &str) -> bool {
    let mut chars = slug.chars();
    slug.len() <= 64
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c))
}

/// Delegation codes: `HU`, `EU`, `ICMPD`, `UN-OHCHR` — letters, digits, `-`, `_`, at most 32.
pub fn valid_code(code: &str) -> bool {
    let mut chars = code.chars();
    code.len() <= 32
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Invalid unless `text` is not blank and at most `max` characters long.
pub fn check_text(pointer: &str, text: &str, max: usize) -> Result<(), Error> {
    if text.trim().is_empty() {
        return Err(Error::invalid_field(
            pointer,
            format!("{pointer} must not be empty"),
        ));
    }
    // A NUL cannot be stored by every backend (PostgreSQL's text refuses it) and no label
    // needs a control character: refused alike everywhere.
    if text.chars().any(|c| c.is_control() && c != '\t') {
        return Err(Error::invalid_field(
            pointer,
            format!("{pointer} holds a control character (a NUL, a line break…): send plain text"),
        ));
    }
    if text.chars().count() > max {
        return Err(Error::invalid_field(
            pointer,
            format!("{pointer} is longer than {max} characters"),
        ));
    }
    Ok(())
}

/// An RFC 3339 time, in Unix milliseconds.
pub fn time_field(pointer: &str, text: &str) -> Result<i64, Error> {
    parse_rfc3339(text).ok_or_else(|| {
        Error::invalid_field(
            pointer,
            format!("{text:?} is not an RFC 3339 time such as 2024-06-27T12:00:00Z"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_codes() {
        assert!(valid_slug("budapest-7mc"));
        assert!(valid_slug("v1.2_draft"));
        assert!(!valid_slug("-leading"));
        assert!(!valid_slug("Upper"));
        assert!(!valid_slug(&"a".repeat(65)));
        assert!(!valid_slug("../etc"));
        assert!(!valid_slug("Budapest"));
        assert!(!valid_slug(""));
        assert!(valid_code("HU"));
        assert!(!valid_code("HU'; DROP TABLE"));
        assert!(!valid_code(""));
        assert!(valid_code("UN-OHCHR"));
        assert!(!valid_code("_X"));
        assert!(!valid_code("a b"));
    }

    #[test]
    fn labels_and_times() {
        assert!(check_text("/label", "Rev. 1", 10).is_ok());
        assert!(check_text("/label", "  ", 10).is_err());
        assert!(check_text("/label", "éééééééééééé", 10).is_err());
        assert!(check_text("/label", "Rev.\u{0} 1", 10).is_err());
        assert!(check_text("/label", "Rev.\n1", 10).is_err());
        assert!(time_field("/at", "2024-06-27T12:00:00Z").is_ok());
        assert!(time_field("/at", "tomorrow").is_err());
    }
}
