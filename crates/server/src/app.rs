//! The router: [`router`] builds the whole API on an [`AppState`] (tests call it without a
//! socket; `crate::listener` serves it on a socket).

use crate::error::{ApiError, ProblemReport, problem_response};
use crate::extract::RequestLog;
use crate::routes::{audit, documents, negotiation, processes, rounds, submissions};
use crate::state::AppState;
use crate::wire::Health;
use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use std::time::Instant;
use tower_http::catch_panic::CatchPanicLayer;

/// The whole API on `state`.
pub fn router(state: AppState) -> Router {
    let limit = state.config().body_limit;
    let v1 = Router::new()
        .route(
            "/processes",
            get(processes::list_processes).post(processes::create_process),
        )
        .route("/processes/{p}", get(processes::get_process))
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
        .route("/processes/{p}/audit", get(audit::get_audit));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(openapi))
        .nest("/v1", v1)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(state.clone(), limit_headers))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn_with_state(state.clone(), log_requests))
        // Outermost too: a panic in the logging layer itself (a log writer that fails) must
        // cost that request a 500, never the connection an empty reply.
        .layer(CatchPanicLayer::custom(panic_response))
        .with_state(state)
}

#[utoipa::path(get, path = "/healthz", tag = "processes",
    responses((status = 200, body = Health), (status = 503, body = crate::error::Problem)))]
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

/// One log line per request (method, path, status, latency, caller), `instance` filled into
/// problem documents, and the hidden detail of server faults logged.
async fn log_requests(
    State(_state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let log = RequestLog::default();
    request.extensions_mut().insert(log.clone());
    let mut response = next.run(request).await;
    if let Some(report) = response.extensions_mut().remove::<ProblemReport>() {
        if let Some(internal) = &report.internal {
            tracing::error!(%method, %path, error = %internal, "server fault");
        }
        let mut problem = report.problem;
        problem.instance = Some(path.clone());
        let headers = response.headers().clone();
        response = problem_response(&problem);
        for (name, value) in headers.iter() {
            if name != header::CONTENT_LENGTH {
                response.headers_mut().insert(name.clone(), value.clone());
            }
        }
    }
    let caller = log.caller.get();
    tracing::info!(
        %method,
        %path,
        status = response.status().as_u16(),
        latency_ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1e3,
        delegation = caller.and_then(|c| c.delegation.as_deref()).unwrap_or("-"),
        sub = caller.map(|c| c.sub.as_str()).unwrap_or("-"),
        "request"
    );
    response
}
