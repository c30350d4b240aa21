//! A large JSON answer held in pieces and sent one after the other, never copied into one
//! buffer: the compilation of a large round is megabytes, written on every core into one
//! buffer per run of nodes; joining them would cost a second buffer of that size in fresh
//! pages (which a virtual machine may take a millisecond per megabyte to hand over) and a copy.

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use http_body::{Body, Frame, SizeHint};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A JSON document in pieces, in order.
#[derive(Clone, Debug, Default)]
pub struct JsonPieces {
    pieces: Vec<Bytes>,
    len: usize,
}

impl From<Vec<Bytes>> for JsonPieces {
    fn from(pieces: Vec<Bytes>) -> Self {
        let len = pieces.iter().map(Bytes::len).sum();
        JsonPieces { pieces, len }
    }
}

impl JsonPieces {
    /// The document's length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The whole document in one buffer (tests).
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len);
        for piece in &self.pieces {
            out.extend_from_slice(piece);
        }
        out
    }
}

/// `application/json`, its exact length announced (`Content-Length`), the pieces written as
/// they are (each a reference-counted share of the kept answer, not a copy).
impl IntoResponse for JsonPieces {
    fn into_response(self) -> Response {
        let body = PiecesBody {
            pieces: self.pieces.into(),
        };
        let mut response = Response::new(axum::body::Body::new(body));
        response.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        );
        response
    }
}

struct PiecesBody {
    pieces: VecDeque<Bytes>,
}

impl Body for PiecesBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.pieces.pop_front().map(|piece| Ok(Frame::data(piece))))
    }

    fn is_end_stream(&self) -> bool {
        self.pieces.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.pieces.iter().map(|p| p.len() as u64).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn the_pieces_are_sent_in_order_with_their_exact_length() {
        let pieces = JsonPieces::from(vec![
            Bytes::from_static(b"{\"a\":["),
            Bytes::new(),
            Bytes::from_static(b"1,2"),
            Bytes::from_static(b"]}"),
        ]);
        assert_eq!(pieces.len(), 11);
        let response = pieces.clone().into_response();
        assert_eq!(response.headers()["content-type"], "application/json");
        assert_eq!(response.body().size_hint().exact(), Some(11));
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        assert_eq!(&body[..], b"{\"a\":[1,2]}");
        assert_eq!(&body[..], &pieces.to_vec()[..]);
    }
}
