//! The OpenAPI description of the API, generated from the handlers' annotations (utoipa) and
//! served at `/openapi.json`, and the interactive documentation of it at `/docs` (Swagger UI,
//! whose files are compiled into the binary: nothing is fetched from elsewhere, at build or
//! at run time).

use crate::error::Problem;
use crate::routes;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi};

/// The problem+json answers every endpoint may give.
#[derive(IntoResponses)]
#[allow(dead_code)] // reason: only its schema is used, in the OpenAPI document
pub enum Problems {
    /// Malformed JSON, query or header.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// Missing or invalid bearer token.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// Valid token without the right.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// No such resource.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// A format that is not offered.
    #[response(status = 406, content_type = "application/problem+json")]
    NotAcceptable(Problem),
    /// Wrong round state, or a conflict with what is stored.
    #[response(status = 409, content_type = "application/problem+json")]
    Conflict(Problem),
    /// If-Match does not match the current revision.
    #[response(status = 412, content_type = "application/problem+json")]
    PreconditionFailed(Problem),
    /// Body over the limit.
    #[response(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Problem),
    /// A body that is not JSON.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
    /// Valid JSON that does not fit: unknown node or reference, unknown field, unknown change.
    #[response(status = 422, content_type = "application/problem+json")]
    Unprocessable(Problem),
    /// The store is busy; retry.
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(Problem),
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "penholder",
        description = "Negotiate a text among many delegations, round after round: submissions, compilation, decisions, consolidation, redlines with attribution.\n\nConventions (docs/api.md): lists take `?limit=` (1 to 1000, default 100) and `?cursor=`, and name their next page in a `Link: <…>; rel=\"next\"` header (and in the body's `next` where the body is an object); answers with formats follow `?format=`, else the `Accept` header (406 when nothing offered matches); versions, redlines and compilations carry strong ETags and answer `If-None-Match` with 304; decisions take `If-Match` (412 when stale); every answer carries `x-request-id` (kept from the request when sane), which problem documents repeat as `request_id`. Interactive documentation: /docs/."
    ),
    paths(
        crate::app::healthz,
        routes::processes::list_processes,
        routes::processes::create_process,
        routes::processes::get_process,
        routes::processes::list_delegations,
        routes::processes::put_delegation,
        routes::processes::search,
        routes::documents::create_document,
        routes::documents::get_document,
        routes::documents::get_version,
        routes::documents::get_blame,
        routes::documents::get_redline,
        routes::documents::get_concordance,
        routes::views::get_synoptic,
        routes::views::put_read_mark,
        routes::views::get_read_mark,
        routes::documents::upload_version,
        routes::rounds::create_round,
        routes::rounds::list_rounds,
        routes::rounds::get_round,
        routes::rounds::open_round,
        routes::rounds::close_round,
        routes::rounds::extend_round,
        routes::submissions::put_submission,
        routes::submissions::list_submissions,
        routes::submissions::get_submission,
        routes::submissions::list_revisions,
        routes::submissions::get_revision,
        routes::negotiation::get_compilation,
        routes::negotiation::list_decisions,
        routes::negotiation::put_decision,
        routes::negotiation::consolidate,
        routes::negotiation::get_dispositions,
        routes::negotiation::get_outcomes,
        routes::audit::get_audit,
        routes::state::get_status,
        routes::state::put_status,
        routes::state::post_reservation,
        routes::state::get_reservations,
        routes::state::withdraw_reservation,
        routes::state::adopt,
        routes::coalitions::get_coalitions,
        routes::coalitions::agree,
        routes::coalitions::dissociate,
        routes::coalitions::cosponsor,
        routes::events::get_events,
        routes::events::create_webhook,
        routes::events::list_webhooks,
        routes::events::delete_webhook,
        routes::events::get_deliveries,
        routes::documents::put_symbol,
    ),
    components(schemas(crate::wire::WireItem, crate::error::FieldError, crate::wire::FormatName)),
    modifiers(&BearerAuth),
    tags(
        (name = "processes", description = "Processes and delegations"),
        (name = "documents", description = "Documents, versions, redlines, blame"),
        (name = "rounds", description = "Rounds and deadlines"),
        (name = "submissions", description = "Delegations' feedback"),
        (name = "negotiation", description = "Compilation, decisions, consolidation, dispositions"),
        (name = "audit", description = "The hash-chained audit log"),
        (name = "state", description = "Paragraph status, reservations, adoption"),
        (name = "coalitions", description = "Groups that act for their members, dissociations, co-sponsors"),
        (name = "events", description = "Events (a server-sent event stream) and signed webhooks"),
    )
)]
pub struct ApiDoc;

/// The OpenAPI document as JSON.
pub fn document() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".into())
}

/// Swagger UI at `/docs/`, reading the document at `/openapi.json` (served by the router
/// itself, so the UI does not serve a copy of its own). Its files come from
/// `utoipa-swagger-ui`'s `vendored` zip, built into the binary.
pub fn interactive_docs<S: Clone + Send + Sync + 'static>() -> axum::Router<S> {
    utoipa_swagger_ui::SwaggerUi::new("/docs")
        .config(utoipa_swagger_ui::Config::from("/openapi.json"))
        .into()
}
