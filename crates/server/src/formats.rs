//! Content negotiation (`?format=` or `Accept`) and the answer in the chosen format: JSON is
//! the API's own; the other formats (HTML, Markdown, DOCX with tracked changes, CSV, XLSX,
//! Akoma Ntoso) come from penholder-render and are served as files.

use crate::error::ApiError;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use penholder_render::{Format, Output, RenderError};

/// The format of the answer, chosen once for every endpoint with formats: `?format=` when
/// given (it wins over the header, so that a link can name a format whatever the browser
/// sends), else the `Accept` header's best match among the formats this output offers
/// (q-values, `type/*` and `*/*` honoured; ties go to the output's own order, JSON first),
/// else JSON. 406 listing the offered formats when nothing offered is acceptable.
pub fn negotiate(
    format: Option<&str>,
    headers: &HeaderMap,
    output: Output,
) -> Result<Format, ApiError> {
    if format.is_some() {
        return requested(format, output);
    }
    let accept: Vec<&str> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    if accept.iter().all(|value| value.trim().is_empty()) {
        return Ok(Format::Json);
    }
    let ranges = media_ranges(&accept.join(","));
    if ranges.is_empty() {
        // Nothing readable in the header: as if it were absent (RFC 9110 §12.5.1 lets a
        // server disregard a header it cannot parse).
        return Ok(Format::Json);
    }
    let mut best: Option<(Format, u16)> = None;
    for &candidate in output.formats() {
        let quality = quality_of(&ranges, candidate);
        if quality > 0 && best.is_none_or(|(_, q)| quality > q) {
            best = Some((candidate, quality));
        }
    }
    best.map(|(format, _)| format).ok_or_else(|| {
        ApiError::NotAcceptable(format!(
            "nothing in Accept: {} is offered for {}; it is offered as {} (send one of them in \
             Accept, or ?format=)",
            accept.join(", "),
            output.as_str(),
            output
                .formats()
                .iter()
                .map(|f| media_type(*f))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

/// The media type (without parameters) a format is served as.
pub fn media_type(format: Format) -> &'static str {
    let full = format.content_type();
    full.split(';').next().unwrap_or(full)
}

/// Other names clients use for a format's media type.
fn aliases(format: Format) -> &'static [&'static str] {
    match format {
        Format::Akn => &["application/xml", "text/xml"],
        Format::Markdown => &["text/x-markdown"],
        _ => &[],
    }
}

/// One media range of an `Accept` header: `type/subtype` lowercased and its quality in
/// thousandths (`q=0.5` is 500).
#[derive(Clone, Debug, PartialEq, Eq)]
struct MediaRange {
    kind: String,
    subtype: String,
    quality: u16,
}

/// The media ranges of an `Accept` header; malformed ones are skipped.
fn media_ranges(accept: &str) -> Vec<MediaRange> {
    accept
        .split(',')
        .filter_map(|element| {
            let mut parts = element.split(';');
            let (kind, subtype) = parts.next()?.trim().split_once('/')?;
            let (kind, subtype) = (kind.trim(), subtype.trim());
            if kind.is_empty() || subtype.is_empty() || (kind == "*" && subtype != "*") {
                return None;
            }
            let mut quality = 1000;
            for parameter in parts {
                if let Some((name, value)) = parameter.split_once('=')
                    && name.trim().eq_ignore_ascii_case("q")
                {
                    quality = parse_quality(value.trim())?;
                }
            }
            Some(MediaRange {
                kind: kind.to_ascii_lowercase(),
                subtype: subtype.to_ascii_lowercase(),
                quality,
            })
        })
        .collect()
}

/// A q-value (`0`, `0.5`, `1.000`) in thousandths; `None` when it is not one.
fn parse_quality(value: &str) -> Option<u16> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// The quality the client gives `format`: that of the most specific range matching it
/// (an exact type over `type/*` over `*/*`); 0 when none does.
fn quality_of(ranges: &[MediaRange], format: Format) -> u16 {
    let names = std::iter::once(media_type(format)).chain(aliases(format).iter().copied());
    let mut best: Option<(u8, u16)> = None;
    for name in names {
        let Some((kind, subtype)) = name.split_once('/') else {
            continue;
        };
        for range in ranges {
            let specificity = if range.kind == kind && range.subtype == subtype {
                3
            } else if range.kind == kind && range.subtype == "*" {
                2
            } else if range.kind == "*" {
                1
            } else {
                continue;
            };
            if best.is_none_or(|(s, q)| specificity > s || (specificity == s && range.quality > q))
            {
                best = Some((specificity, range.quality));
            }
        }
    }
    best.map_or(0, |(_, quality)| quality)
}

/// The format named by `?format=` (JSON when none), if this output offers it; 406 listing the
/// offered formats otherwise.
fn requested(format: Option<&str>, output: Output) -> Result<Format, ApiError> {
    let offered = || {
        output
            .formats()
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(name) = format else {
        return Ok(Format::Json);
    };
    let format = Format::parse(name).ok_or_else(|| {
        ApiError::NotAcceptable(format!(
            "unknown format {name:?}; {} is offered as {}",
            output.as_str(),
            offered()
        ))
    })?;
    output
        .check(format)
        .map_err(|e| ApiError::NotAcceptable(e.to_string()))?;
    Ok(format)
}

/// A rendered file: its content type and a `Content-Disposition` naming it after `stem`.
pub fn file(format: Format, bytes: Vec<u8>, stem: &str) -> Response {
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(value) = HeaderValue::from_str(&format.content_disposition(stem)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if format == Format::Html {
        // The pages are self-contained: their own inline style, no script, no fetch. Should a
        // delegation's text ever slip past the escaping, the browser still runs nothing.
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            ),
        );
    }
    response
}

/// A renderer that could not write its file: a fault of the server, not of the request.
pub fn failed(error: RenderError) -> ApiError {
    ApiError::Internal(format!("rendering failed: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_checked_against_the_output() {
        assert_eq!(requested(None, Output::Version), Ok(Format::Json));
        assert_eq!(requested(Some("DOCX"), Output::Redline), Ok(Format::Docx));
        assert!(matches!(
            requested(Some("akn"), Output::Redline),
            Err(ApiError::NotAcceptable(_))
        ));
        assert!(matches!(
            requested(Some("pdf"), Output::Version),
            Err(ApiError::NotAcceptable(_))
        ));
    }

    fn accepting(accept: &str, output: Output) -> Result<Format, ApiError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_str(accept).expect("ascii"),
        );
        negotiate(None, &headers, output)
    }

    #[test]
    fn accept_picks_the_best_offered_format() {
        let cases = [
            ("text/html", Output::Version, Format::Html),
            ("*/*", Output::Version, Format::Json),
            ("", Output::Version, Format::Json),
            // A browser's header: HTML and XHTML first, anything else at 0.8.
            (
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                Output::Redline,
                Format::Html,
            ),
            (
                "text/markdown;q=0.4, text/html;q=0.5",
                Output::Blame,
                Format::Html,
            ),
            ("text/*", Output::Dispositions, Format::Html),
            ("text/csv", Output::Dispositions, Format::Csv),
            ("application/akn+xml", Output::Version, Format::Akn),
            ("application/xml", Output::Version, Format::Akn),
            (
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                Output::Compilation,
                Format::Docx,
            ),
            // A range refused outright (q=0) loses even to the wildcard.
            (
                "application/json;q=0, */*;q=0.1",
                Output::Outcomes,
                Format::Html,
            ),
            // Unreadable ranges are skipped; a header with none is no preference.
            ("text/html;q=2", Output::Version, Format::Json),
            ("garbage", Output::Version, Format::Json),
        ];
        for (accept, output, expected) in cases {
            assert_eq!(accepting(accept, output), Ok(expected), "Accept: {accept}");
        }
    }

    #[test]
    fn accept_with_nothing_offered_is_406_naming_what_is() {
        let Err(ApiError::NotAcceptable(detail)) = accepting("image/png", Output::Outcomes) else {
            panic!("image/png is not offered");
        };
        assert!(detail.contains("text/html"), "{detail}");
        // Refusing JSON and naming nothing else leaves nothing.
        assert!(matches!(
            accepting("application/json;q=0", Output::Outcomes),
            Err(ApiError::NotAcceptable(_))
        ));
    }

    #[test]
    fn the_query_parameter_wins_over_accept() {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static("text/html"));
        assert_eq!(
            negotiate(Some("md"), &headers, Output::Version),
            Ok(Format::Markdown)
        );
        assert!(matches!(
            negotiate(Some("csv"), &headers, Output::Version),
            Err(ApiError::NotAcceptable(_))
        ));
    }

    #[test]
    fn q_values_parse_as_rfc_9110_writes_them() {
        assert_eq!(parse_quality("0"), Some(0));
        assert_eq!(parse_quality("0.5"), Some(500));
        assert_eq!(parse_quality("0.125"), Some(125));
        assert_eq!(parse_quality("1.000"), Some(1000));
        assert_eq!(parse_quality("1.5"), None);
        assert_eq!(parse_quality("0.1234"), None);
        assert_eq!(parse_quality("-1"), None);
    }
}
