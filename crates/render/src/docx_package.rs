//! The finishing touches on the Word package `docx-rs` writes, for what its API cannot set: the
//! core properties a file manager and Word's "Info" pane show (title, creator, language), the
//! language of the text (`w:lang`, so that spelling and hyphenation use the right
//! dictionary), the Normal style marked as the default paragraph style, and no numbering
//! definition that no paragraph uses (docx-rs always writes a list of its own, id 1).
//!
//! Each touch edits the part's XML exactly where docx-rs writes the element it changes; when
//! the anchor is not there (another docx-rs version writing differently), rendering fails
//! with an error that says which part, rather than write a file that silently lacks it.

use crate::RenderError;
use crate::text::escape;

/// What the touches write.
pub(crate) struct Facts<'a> {
    pub title: &'a str,
    pub creator: &'a str,
    /// A BCP 47 tag (`en`, `fr-BE`).
    pub language: &'a str,
}

/// The part named `name` with its touches applied; other parts unchanged.
pub(crate) fn touch(name: &str, xml: String, facts: &Facts<'_>) -> Result<String, RenderError> {
    match name {
        "docProps/core.xml" => core_properties(xml, facts),
        "word/styles.xml" => styles(xml, facts),
        "word/numbering.xml" => without_default_list(xml),
        _ => Ok(xml),
    }
}

fn replace_once(xml: &str, part: &str, anchor: &str, by: &str) -> Result<String, RenderError> {
    if !xml.contains(anchor) {
        return Err(RenderError::Docx(format!(
            "{part} does not hold {anchor:?} where docx-rs writes it"
        )));
    }
    Ok(xml.replacen(anchor, by, 1))
}

/// Title, creator (also the last to modify it) and language.
fn core_properties(xml: String, facts: &Facts<'_>) -> Result<String, RenderError> {
    let creator = escape(facts.creator);
    let xml = replace_once(
        &xml,
        "docProps/core.xml",
        "<dc:creator>unknown</dc:creator>",
        &format!(
            "<dc:title>{}</dc:title><dc:creator>{creator}</dc:creator><dc:language>{}</dc:language>",
            escape(facts.title),
            escape(facts.language)
        ),
    )?;
    replace_once(
        &xml,
        "docProps/core.xml",
        "<cp:lastModifiedBy>unknown</cp:lastModifiedBy>",
        &format!("<cp:lastModifiedBy>{creator}</cp:lastModifiedBy>"),
    )
}

/// `w:lang` in the default run properties (last in `w:rPr`, as the schema orders it) and
/// `w:default="1"` on the Normal style.
fn styles(xml: String, facts: &Facts<'_>) -> Result<String, RenderError> {
    let language = escape(facts.language);
    let xml = replace_once(
        &xml,
        "word/styles.xml",
        "</w:rPr></w:rPrDefault>",
        &format!(
            "<w:lang w:val=\"{language}\" w:eastAsia=\"{language}\" w:bidi=\"{language}\" /></w:rPr></w:rPrDefault>"
        ),
    )?;
    replace_once(
        &xml,
        "word/styles.xml",
        "<w:style w:type=\"paragraph\" w:styleId=\"Normal\">",
        "<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\">",
    )
}

/// Numbering without docx-rs's own list (abstract numbering 1 and its instance 1), which no
/// paragraph of ours uses.
fn without_default_list(xml: String) -> Result<String, RenderError> {
    let xml = cut_element(
        &xml,
        "<w:abstractNum w:abstractNumId=\"1\">",
        "</w:abstractNum>",
    )?;
    cut_element(&xml, "<w:num w:numId=\"1\">", "</w:num>")
}

fn cut_element(xml: &str, start: &str, end: &str) -> Result<String, RenderError> {
    let Some(from) = xml.find(start) else {
        return Err(RenderError::Docx(format!(
            "word/numbering.xml does not hold {start:?} where docx-rs writes it"
        )));
    };
    let Some(length) = xml[from..].find(end) else {
        return Err(RenderError::Docx(format!(
            "word/numbering.xml does not close {start:?}"
        )));
    };
    let mut out = String::with_capacity(xml.len());
    out.push_str(&xml[..from]);
    out.push_str(&xml[from + length + end.len()..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FACTS: Facts<'static> = Facts {
        title: "A & B",
        creator: "Chair",
        language: "en",
    };

    #[test]
    fn core_properties_name_the_title_creator_and_language() {
        let xml = "<cp:coreProperties><dc:creator>unknown</dc:creator><cp:lastModifiedBy>unknown</cp:lastModifiedBy></cp:coreProperties>";
        let touched = touch("docProps/core.xml", xml.to_string(), &FACTS).expect("touched");
        assert_eq!(
            touched,
            "<cp:coreProperties><dc:title>A &amp; B</dc:title><dc:creator>Chair</dc:creator><dc:language>en</dc:language><cp:lastModifiedBy>Chair</cp:lastModifiedBy></cp:coreProperties>"
        );
    }

    #[test]
    fn only_docx_rs_default_list_goes() {
        let xml = "<w:numbering><w:abstractNum w:abstractNumId=\"1\"><w:lvl /></w:abstractNum><w:abstractNum w:abstractNumId=\"10\"><w:lvl /></w:abstractNum><w:num w:numId=\"1\"><w:abstractNumId w:val=\"1\" /></w:num><w:num w:numId=\"10\"><w:abstractNumId w:val=\"10\" /></w:num></w:numbering>";
        let touched = touch("word/numbering.xml", xml.to_string(), &FACTS).expect("touched");
        assert_eq!(
            touched,
            "<w:numbering><w:abstractNum w:abstractNumId=\"10\"><w:lvl /></w:abstractNum><w:num w:numId=\"10\"><w:abstractNumId w:val=\"10\" /></w:num></w:numbering>"
        );
    }

    #[test]
    fn a_missing_anchor_is_an_error_not_a_silent_file() {
        let error = touch("word/styles.xml", "<w:styles/>".to_string(), &FACTS).unwrap_err();
        assert!(error.to_string().contains("word/styles.xml"), "{error}");
        assert_eq!(
            touch("word/document.xml", "<x/>".to_string(), &FACTS).expect("untouched"),
            "<x/>"
        );
    }
}
