//! penholder's web front: server-rendered pages with which a delegation reads its negotiations
//! and submits its feedback, mounted by the server at `/` ([`router`]).
//!
//! Every page works without JavaScript (forms and links); one small ES module
//! (`/assets/preview.js`) adds the word diff of an amendment while it is typed. Pages are maud
//! templates, which escape every interpolated value; the document's text is rendered by
//! `penholder_render`'s HTML views, as in the API's HTML pages. Nothing is loaded from
//! elsewhere.
//!
//! Like the API's handlers, a page reads its request, makes one call to a use case of
//! `penholder_negotiation` (which applies the authorization policy) and renders the answer:
//! the rules are the API's, not copies. Who is acting comes from a session ([`sign_in`]),
//! opened with a credential the server checks ([`Credentials`]): the same token claims as
//! the API's bearer tokens.
//!
//! - [`sign_in`]: sign-in (one-time link or pasted token), sessions, CSRF, sign-out.
//! - [`delegation`]: processes, rounds, the draft with a form per paragraph, submissions and
//!   the receipt, the preview of an amendment's hunks.
//! - [`chair`]: a round's overview, the compilation with a decision form beside each change,
//!   consolidation, a revised text uploaded, the dispositions.
//! - [`reviewer`]: a document's versions, a version, the redline between any two, and every
//!   file the API offers (HTML, Word, Markdown, Akoma Ntoso, CSV, XLSX).
//! - [`views`]: the redline filtered by delegation, reservation or "since I last read" (with
//!   the read mark), the synoptic table, the numbering concordance, a process's search.
//! - [`pages`]: the layout and the templates; [`i18n`]: the interface's languages.
//! - [`error`]: refusals as pages (or problem+json for the preview), with what to do.
//! - [`state`]: each paragraph's status, brackets and reservations beside the text; the forms
//!   that set a status, adopt, enter and withdraw reservations, act on brackets and coalitions.
//! - [`workbench`]: a delegation's draft (kept, emptied, submitted whole), a Word file
//!   uploaded and its items shown before they are sent, what happened to its proposals.
//! - [`iso`]: a proposal's ISO comment-template fields (type of comment, line or paragraph).

pub mod chair;
pub mod delegation;
pub mod error;
pub mod i18n;
pub mod iso;
pub mod pages;
pub mod reviewer;
pub mod sign_in;
pub mod state;
pub mod views;
pub mod workbench;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use penholder_negotiation::Caller;
use penholder_negotiation::compilation::KeptCompilations;
use penholder_store::Store;
use std::sync::Arc;

/// A credential the server has checked: who it names, and until when it is valid (Unix ms).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    pub caller: Caller,
    pub expires_at: i64,
}

/// The server's token checks, handed to the front (which knows no keys): the same checks as
/// the API's bearer tokens.
pub trait Credentials: Send + Sync + 'static {
    /// A bearer token, as the API would accept it at `now` (Unix ms).
    fn bearer(&self, token: &str, now: i64) -> Result<Checked, String>;
    /// A one-time sign-in link's token (`penholder token --link`), and the link's id.
    fn link(&self, token: &str, now: i64) -> Result<(Checked, String), String>;
}

/// What the front needs of the server: the store, the server's clock and its token checks.
#[derive(Clone)]
pub struct Front {
    pub store: Store,
    pub clock: Arc<dyn Fn() -> i64 + Send + Sync>,
    pub credentials: Arc<dyn Credentials>,
    /// The server's kept compilations: each part of the chair's compilation page and each
    /// decision reads the same compilation of a closed round, compiled once.
    pub compilations: Arc<KeptCompilations>,
}

impl Front {
    pub fn now(&self) -> i64 {
        (self.clock)()
    }
}

/// Every page of the front. Paths do not meet the API's (`/v1`, `/healthz`, `/openapi.json`).
pub fn router<S: Clone + Send + Sync + 'static>(front: Front) -> Router<S> {
    Router::new()
        .route("/", get(delegation::home))
        .route(
            "/sign-in",
            get(sign_in::sign_in_page).post(sign_in::sign_in_with_token),
        )
        .route(
            "/sign-in/link",
            get(sign_in::link_page).post(sign_in::sign_in_with_link),
        )
        .route("/sign-out", post(sign_in::sign_out))
        .route("/language", post(sign_in::choose_language))
        .route("/p/{p}", get(delegation::process_page))
        .route("/p/{p}/rounds/{r}", get(delegation::round_page))
        .route("/p/{p}/rounds/{r}/items", post(delegation::submit_item))
        .route(
            "/p/{p}/rounds/{r}/items/withdraw",
            post(delegation::withdraw_item),
        )
        .route("/p/{p}/rounds/{r}/receipt", get(delegation::receipt_page))
        .route("/p/{p}/rounds/{r}/preview", post(delegation::preview))
        .route("/p/{p}/rounds/{r}/overview", get(chair::overview_page))
        .route(
            "/p/{p}/rounds/{r}/compilation",
            get(chair::compilation_page),
        )
        .route(
            "/p/{p}/rounds/{r}/compilation/file/{format}",
            get(reviewer::compilation_file),
        )
        .route("/p/{p}/rounds/{r}/decisions", post(chair::decide))
        .route("/p/{p}/rounds/{r}/consolidate", post(chair::consolidate))
        .route(
            "/p/{p}/rounds/{r}/dispositions",
            get(chair::dispositions_page),
        )
        .route(
            "/p/{p}/rounds/{r}/dispositions/file/{format}",
            get(reviewer::dispositions_file),
        )
        .route("/p/{p}/d/{d}", get(reviewer::document_page))
        .route(
            "/p/{p}/d/{d}/upload",
            get(chair::upload_page).post(chair::upload),
        )
        .route("/p/{p}/d/{d}/v/{n}", get(reviewer::version_page))
        .route(
            "/p/{p}/d/{d}/v/{n}/file/{format}",
            get(reviewer::version_file),
        )
        .route("/p/{p}/d/{d}/redline", get(reviewer::redline_page))
        .route(
            "/p/{p}/d/{d}/redline/file/{format}",
            get(reviewer::redline_file),
        )
        .route("/p/{p}/d/{d}/state", get(state::state_page))
        .route("/p/{p}/d/{d}/status", post(state::set_status))
        .route("/p/{p}/d/{d}/adopt", post(state::adopt))
        .route("/p/{p}/d/{d}/reservations", post(state::enter_reservation))
        .route(
            "/p/{p}/d/{d}/reservations/withdraw",
            post(state::withdraw_reservation),
        )
        .route("/p/{p}/rounds/{r}/brackets", post(state::act_on_bracket))
        .route("/p/{p}/rounds/{r}/agree", post(state::agree))
        .route("/p/{p}/rounds/{r}/dissociate", post(state::dissociate))
        .route("/p/{p}/rounds/{r}/cosponsor", post(state::cosponsor))
        .route("/p/{p}/rounds/{r}/draft", post(workbench::keep))
        .route("/p/{p}/rounds/{r}/draft/remove", post(workbench::remove))
        .route(
            "/p/{p}/rounds/{r}/draft/submit",
            post(workbench::submit_draft),
        )
        .route(
            "/p/{p}/rounds/{r}/word",
            get(workbench::word_form).post(workbench::word_upload),
        )
        .route("/p/{p}/rounds/{r}/word/items", post(workbench::word_items))
        .route("/p/{p}/rounds/{r}/outcomes", get(workbench::outcomes_page))
        .route("/p/{p}/d/{d}/read-mark", post(views::mark_read))
        .route("/p/{p}/d/{d}/synoptic", get(views::synoptic_page))
        .route(
            "/p/{p}/d/{d}/synoptic/file/{format}",
            get(views::synoptic_file),
        )
        .route("/p/{p}/d/{d}/concordance", get(views::concordance_page))
        .route(
            "/p/{p}/d/{d}/concordance/file/{format}",
            get(views::concordance_file),
        )
        .route("/p/{p}/search", get(views::search_page))
        .route("/assets/web.css", get(stylesheet))
        .route("/assets/preview.js", get(preview_module))
        .with_state(front)
        // Pages and assets gzipped when the browser accepts it: the draft's HTML, with a form
        // per paragraph, is mostly repeated markup (190 KB of it for the Budapest declaration).
        .layer(tower_http::compression::CompressionLayer::new())
}

const WEB_CSS: &str = include_str!("../assets/web.css");
const PREVIEW_JS: &str = include_str!("../assets/preview.js");

async fn stylesheet() -> impl IntoResponse {
    // The document's own styles first (the same as the API's HTML pages), then the front's.
    let css = format!("{}\n{}", penholder_render::html::stylesheet(), WEB_CSS);
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/css")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        css,
    )
}

async fn preview_module() -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        PREVIEW_JS,
    )
}
