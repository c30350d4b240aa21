//! The router: [`router`] builds the whole API on an [`AppState`] (tests call it without a
//! socket; `crate::listener` serves it on a socket).

use crate::error::{ApiError, ProblemReport, problem_response};
use crate::routes::{audit, documents, negotiation, processes, rounds, submissions};
use crate::state::AppState;
use crate::wire::Health;
use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use tower_http::LatencyUnit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// The header that names a request in the log, in the answer and in its problem document.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// The longest request id kept from a client.
const REQUEST_ID_MAX: usize = 128;

/// The whole API on `state`.
pub fn router(state: AppState) -> Router {
    let limit = state.config().body_limit;
    let v1 = Router::new()
        .route(
            "/processes",
            get(processes::list_processes).post(processes::create_process),
        )
        .route("/processes/{p}", get(processes::get_process))
        .route("/processes/{p}/search", get(processes::search))
        .route(
            "/processes/{p}/delegations",
            get(processes::list_delegations),
        )
        .route(
            "/processes/{p}/delegations/{code}",
            put(processes::put_delegation),
        )
        .route("/processes/{p}/documents", post(documents::create_document))
        .route("/processes/{p}/documents/{d}", get(documents::get_document))
        .route(
            "/processes/{p}/documents/{d}/versions",
            post(documents::upload_version),
        )
        .route(
            "/processes/{p}/documents/{d}/versions/{n}",
            get(documents::get_version),
        )
        .route(
            "/processes/{p}/documents/{d}/versions/{n}/blame",
            get(documents::get_blame),
        )
        .route(
            "/processes/{p}/documents/{d}/redline",
            get(documents::get_redline),
        )
        .route(
            "/processes/{p}/documents/{d}/concordance",
            get(documents::get_concordance),
        )
        .route(
            "/processes/{p}/documents/{d}/synoptic",
            get(crate::routes::views::get_synoptic),
        )
        .route(
            "/processes/{p}/documents/{d}/read-mark",
            get(crate::routes::views::get_read_mark).put(crate::routes::views::put_read_mark),
        )
        .route(
            "/processes/{p}/documents/{d}/symbol",
            put(documents::put_symbol),
        )
        .route(
            "/processes/{p}/rounds",
            get(rounds::list_rounds).post(rounds::create_round),
        )
        .route("/processes/{p}/rounds/{r}", get(rounds::get_round))
        .route("/processes/{p}/rounds/{r}/open", post(rounds::open_round))
        .route("/processes/{p}/rounds/{r}/close", post(rounds::close_round))
        .route(
            "/processes/{p}/rounds/{r}/extend",
            post(rounds::extend_round),
        )
        .route(
            "/processes/{p}/rounds/{r}/submissions",
            get(submissions::list_submissions),
        )
        .route(
            "/processes/{p}/rounds/{r}/submissions/{d}",
            get(submissions::get_submission).put(submissions::put_submission),
        )
        .route(
            "/processes/{p}/rounds/{r}/submissions/{d}/revisions",
            get(submissions::list_revisions),
        )
        .route(
            "/processes/{p}/rounds/{r}/submissions/{d}/revisions/{n}",
            get(submissions::get_revision),
        )
        .route(
            "/processes/{p}/rounds/{r}/compilation",
            get(negotiation::get_compilation),
        )
        .route(
            "/processes/{p}/rounds/{r}/decisions",
            get(negotiation::list_decisions),
        )
        .route(
            "/processes/{p}/rounds/{r}/decisions/{change}",
            put(negotiation::put_decision),
        )
        .route(
            "/processes/{p}/rounds/{r}/consolidate",
            post(negotiation::consolidate),
        )
        .route(
            "/processes/{p}/rounds/{r}/dispositions",
            get(negotiation::get_dispositions),
        )
        .route(
            "/processes/{p}/rounds/{r}/outcomes/{d}",
            get(negotiation::get_outcomes),
        )
        .route("/processes/{p}/audit", get(audit::get_audit))
        .route(
            "/processes/{p}/documents/{d}/status",
            get(crate::routes::state::get_status),
        )
        .route(
            "/processes/{p}/documents/{d}/status/{node}",
            put(crate::routes::state::put_status),
        )
        .route(
            "/processes/{p}/documents/{d}/reservations",
            get(crate::routes::state::get_reservations)
                .post(crate::routes::state::post_reservation),
        )
        .route(
            "/processes/{p}/documents/{d}/reservations/{n}/withdraw",
            post(crate::routes::state::withdraw_reservation),
        )
        .route(
            "/processes/{p}/documents/{d}/adopt",
            post(crate::routes::state::adopt),
        )
        .route(
            "/processes/{p}/rounds/{r}/coalitions",
            get(crate::routes::coalitions::get_coalitions),
        )
        .route(
            "/processes/{p}/rounds/{r}/submissions/{d}/agree",
            post(crate::routes::coalitions::agree),
        )
        .route(
            "/processes/{p}/rounds/{r}/submissions/{d}/items/{n}/dissociate",
            post(crate::routes::coalitions::dissociate),
        )
        .route(
            "/processes/{p}/rounds/{r}/submissions/{d}/items/{n}/cosponsor",
            post(crate::routes::coalitions::cosponsor),
        )
        .route(
            "/processes/{p}/events",
            get(crate::routes::events::get_events),
        )
        .route(
            "/processes/{p}/webhooks",
            get(crate::routes::events::list_webhooks).post(crate::routes::events::create_webhook),
        )
        .route(
            "/processes/{p}/webhooks/{n}",
            axum::routing::delete(crate::routes::events::delete_webhook),
        )
        .route(
            "/processes/{p}/webhooks/{n}/deliveries",
            get(crate::routes::events::get_deliveries),
        );
    Router::new()
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(openapi))
        .merge(crate::openapi::interactive_docs())
        .nest("/v1", v1)
        .merge(penholder_web::router(crate::front::front(&state)))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(state.clone(), limit_headers))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn(complete_problems))
        // One log line per request, in a span that names it (method, path, request id; the
        // caller once the token is checked: see the `Principal` extractor).
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(LatencyUnit::Micros),
                )
                // 5xx are logged with their hidden detail by `complete_problems`.
                .on_failure(()),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(middleware::from_fn(drop_unusable_request_id))
        // Outermost too: a panic in the logging layer itself (a log writer that fails) must
        // cost that request a 500, never the connection an empty reply.
        .layer(CatchPanicLayer::custom(panic_response))
        .with_state(state)
}

/// Whether a client's request id is kept: short, and of characters that need no escaping in
/// a log line or a header (a UUID, a ULID, a trace id…).
fn usable_request_id(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= REQUEST_ID_MAX
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Drops a client's `x-request-id` that cannot be kept, so that a fresh one is made for it.
async fn drop_unusable_request_id(mut request: Request, next: Next) -> Response {
    let values = request.headers().get_all(&REQUEST_ID);
    let mut given = values.iter();
    let unusable = match (given.next(), given.next()) {
        (Some(value), None) => !usable_request_id(value),
        (None, _) => false,
        // Two ids for one request: neither is the request's.
        (Some(_), Some(_)) => true,
    };
    if unusable {
        request.headers_mut().remove(&REQUEST_ID);
    }
    next.run(request).await
}

/// The request's id as the request-id layer set it.
fn request_id_of(request: &Request) -> &str {
    request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
}

/// The span of one request; `delegation` and `sub` are recorded once the token is checked.
fn request_span(request: &Request) -> tracing::Span {
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %request_id_of(request),
        delegation = tracing::field::Empty,
        sub = tracing::field::Empty,
    )
}

/// Whether the server can read and write its store
#[utoipa::path(get, path = "/healthz", tag = "processes",
    responses((status = 200, description = "Healthy: the store answers and the last write was stored", body = Health,
               example = json!({"status": "ok"})),
              (status = 503, description = "Unhealthy, and why (the store does not answer, or writes fail)",
               body = crate::error::Problem, content_type = "application/problem+json",
               example = json!({"type": "urn:penholder:problem:unavailable", "title": "Temporarily unavailable", "status": 503, "detail": "degraded: reads are served but writes fail (disk full); healthy again once a write is stored", "instance": "/healthz", "request_id": "0190a5e2-7c1d-7b3e-9f4a-2d6c8e0b1a35"}))))]
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    // A read through the store: healthy means able to answer, not merely listening.
    state.read(|r| r.processes().map(|_| ())).await?;
    // Reads may well work while writes fail (a full disk, a read-only remount): then the
    // server is not healthy either, and says why.
    if let Some(reason) = state.store().degraded() {
        return Err(ApiError::Unavailable(format!(
            "degraded: reads are served but writes fail ({reason}); healthy again once a write \
             is stored"
        )));
    }
    Ok(Json(Health {
        status: "ok".into(),
    }))
}

async fn openapi() -> Response {
    let mut response = crate::openapi::document().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

async fn not_found(request: Request) -> ApiError {
    ApiError::NotFound(format!("no endpoint at {}", request.uri().path()))
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::MethodNotAllowed {
        method: method.to_string(),
    }
}

/// Refuses a request head larger than the configured limit with a problem document. (The
/// connection loop reads heads well beyond the limit, so that a 1 MB token gets this answer
/// and not hyper's bare 431.)
async fn limit_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limit = state.config().connections.max_header_bytes;
    let size = head_size(&request);
    if size > limit {
        return ApiError::HeadersTooLarge { size, limit }.into_response();
    }
    next.run(request).await
}

/// The bytes of a request's head as it came on the wire: request line and header lines.
fn head_size(request: &Request) -> usize {
    // Method, target, " HTTP/1.1" and CRLF; the target as sent (no allocation per request).
    let target = request
        .uri()
        .path_and_query()
        .map_or(1, |target| target.as_str().len());
    let line = request.method().as_str().len() + target + 11;
    request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum::<usize>()
        + line
}

fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::Internal("a handler panicked".into()).into_response()
}

/// Fills `instance` (the path) and `request_id` into problem documents, and logs the hidden
/// detail of server faults (in the request's span, so with its id).
async fn complete_problems(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let request_id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut response = next.run(request).await;
    if let Some(report) = response.extensions_mut().remove::<ProblemReport>() {
        if let Some(internal) = &report.internal {
            tracing::error!(error = %internal, "server fault");
        }
        let mut problem = report.problem;
        problem.instance = Some(path);
        problem.request_id = request_id;
        let headers = response.headers().clone();
        response = problem_response(&problem);
        for (name, value) in headers.iter() {
            if name != header::CONTENT_LENGTH {
                response.headers_mut().insert(name.clone(), value.clone());
            }
        }
    }
    response
}
