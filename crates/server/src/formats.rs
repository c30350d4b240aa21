//! `?format=`: JSON is the API's own; the other formats (HTML, Markdown, DOCX with tracked
//! changes, CSV, XLSX, Akoma Ntoso) come from penholder-render and are served as files.

use crate::error::ApiError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use penholder_render::{Format, Output, RenderError};

/// The format asked for (JSON when none), if this output offers it; 406 listing the offered
/// formats otherwise.
pub fn requested(format: Option<&str>, output: Output) -> Result<Format, ApiError> {
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
}
