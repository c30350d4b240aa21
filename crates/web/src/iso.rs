//! The ISO/IEC comment template's fields of a proposal in the delegation's forms: the type of
//! comment (general, technical, editorial, or left to penholder to infer) and the line or
//! paragraph it points to, with their strings in each language.

use crate::error::WebError;
use crate::i18n::Lang;
use maud::{Markup, html};
use penholder_core::negotiation::{IsoAnnotation, IsoCommentType};

/// The interface strings of the ISO fields, reached as `Messages::iso`.
#[derive(Debug)]
pub struct IsoMessages {
    pub type_label: &'static str,
    pub inferred: &'static str,
    pub general: &'static str,
    pub technical: &'static str,
    pub editorial: &'static str,
    pub locator_label: &'static str,
    pub locator_hint: &'static str,
    /// The chair's dispositions: the type column's heading.
    pub type_column: &'static str,
}

pub const ENGLISH: IsoMessages = IsoMessages {
    type_label: "Type",
    inferred: "inferred",
    general: "general (ge)",
    technical: "technical (te)",
    editorial: "editorial (ed)",
    locator_label: "Line or paragraph",
    locator_hint: "optional, e.g. l. 12–14 or Table 2",
    type_column: "Type",
};

pub const FRENCH: IsoMessages = IsoMessages {
    type_label: "Type",
    inferred: "déduit",
    general: "général (ge)",
    technical: "technique (te)",
    editorial: "rédactionnel (ed)",
    locator_label: "Ligne ou paragraphe",
    locator_hint: "facultatif, par ex. l. 12–14 ou Tableau 2",
    type_column: "Type",
};

/// The two fields inside a proposal form; `form` names the form (`amend`, `insert`…) so that
/// the ids are unique on the page.
pub fn fields(m: &IsoMessages, form: &str, node: &str) -> Markup {
    let type_id = format!("{form}-iso-type-{node}");
    let locator_id = format!("{form}-locator-{node}");
    let hint_id = format!("{form}-locator-hint-{node}");
    html! {
        div.iso {
            label for=(type_id) { (m.type_label) }
            select id=(type_id) name="iso_type" {
                option value="" selected { (m.inferred) }
                option value="ge" { (m.general) }
                option value="te" { (m.technical) }
                option value="ed" { (m.editorial) }
            }
            label for=(locator_id) { (m.locator_label) }
            input type="text" id=(locator_id) name="locator" maxlength=(IsoAnnotation::MAX_LOCATOR) aria-describedby=(hint_id);
            span.hint id=(hint_id) { (m.locator_hint) }
        }
    }
}

/// What the delegation gave with an item, in its list of proposals (nothing when it gave
/// nothing).
pub fn given(m: &IsoMessages, iso: &IsoAnnotation) -> Markup {
    let type_name = iso.iso_type.map(|kind| match kind {
        IsoCommentType::General => m.general,
        IsoCommentType::Technical => m.technical,
        IsoCommentType::Editorial => m.editorial,
    });
    html! {
        @if !iso.is_empty() {
            p.iso-given {
                @if let Some(name) = type_name { (m.type_label) ": " (name) }
                @if type_name.is_some() && iso.locator.is_some() { " \u{2014} " }
                @if let Some(locator) = &iso.locator { (m.locator_label) ": " (locator) }
            }
        }
    }
}

/// The annotation of a form's `iso_type` and `locator` (empty: not given). The use case checks
/// the locator's length as for the API.
pub fn annotation(iso_type: &str, locator: &str, lang: Lang) -> Result<IsoAnnotation, WebError> {
    let iso_type = match iso_type.trim() {
        "" => None,
        code => Some(IsoCommentType::parse(code).ok_or_else(|| {
            WebError::bad_request(
                format!("{code:?} is not a type of comment: choose general (ge), technical (te) or editorial (ed), or leave it inferred"),
                lang,
            )
        })?),
    };
    let locator = Some(locator.trim().to_string()).filter(|l| !l.is_empty());
    Ok(IsoAnnotation { iso_type, locator })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_s_fields_read_as_an_annotation() {
        let given = annotation("te", " l. 12 ", Lang::En).expect("valid");
        assert_eq!(given.iso_type, Some(IsoCommentType::Technical));
        assert_eq!(given.locator.as_deref(), Some("l. 12"));
        assert!(annotation("", "  ", Lang::En).expect("valid").is_empty());
        assert!(annotation("major", "", Lang::En).is_err());
    }

    #[test]
    fn every_field_has_its_label() {
        let markup = fields(&ENGLISH, "amend", "n1").into_string();
        assert!(
            markup.contains(r#"<label for="amend-iso-type-n1">"#),
            "{markup}"
        );
        assert!(
            markup.contains(r#"id="amend-iso-type-n1" name="iso_type""#),
            "{markup}"
        );
        assert!(
            markup.contains(r#"<label for="amend-locator-n1">"#),
            "{markup}"
        );
    }
}
