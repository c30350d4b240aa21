//! Events and webhooks (issue 17, item 5): the process's events as a server-sent event stream
//! (or a JSON page), and the webhook subscriptions with their delivery logs — one call each to
//! [`penholder_negotiation::events`]. The background work (the clock's events, deliveries) is
//! in `crate::events`.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery, Body};
use crate::openapi::Problems;
use crate::state::{AppState, Reply};
use crate::wire_events::*;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use penholder_negotiation::events::{self, WebhookRequest};
use std::collections::VecDeque;
use std::convert::Infallible;

/// A JSON page's size when `limit` is absent, and its bounds.
const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;
/// Events read from the outbox at a time by a stream.
const STREAM_BATCH: u32 = 200;

fn limit_of(limit: Option<u32>) -> Result<u32, ApiError> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {MAX_LIMIT}, not {n}"
        ))),
    }
}

/// Where to start: `Last-Event-ID` (what a reconnecting `EventSource` sends), else `?after=`.
fn start_after(headers: &HeaderMap, query: &EventsQuery) -> Result<u64, ApiError> {
    match headers.get("last-event-id") {
        Some(value) => value
            .to_str()
            .ok()
            .map(str::trim)
            .and_then(|v| {
                if v.is_empty() {
                    Some(0)
                } else {
                    v.parse().ok()
                }
            })
            .ok_or_else(|| {
                ApiError::BadRequest(
                    "Last-Event-ID must be the id of an event (a whole number), as the stream \
                     sent it"
                        .into(),
                )
            }),
        None => Ok(query.after.unwrap_or(0)),
    }
}

fn wants_stream(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("text/event-stream"))
}

/// Read a process's events: a live stream, or a page
///
/// With `Accept: text/event-stream`, a server-sent event stream: each event as `id:` (its
/// number), `event:` (its type) and `data:` (the event as JSON), from the one after
/// `Last-Event-ID` (or `?after=`), then live as they are recorded, with a keep-alive comment
/// when idle. Otherwise a JSON page of the events after `?after=`. Events never carry a sealed
/// detail (no submission before its round closes). Webhooks receive the same JSON.
#[utoipa::path(get, path = "/v1/processes/{p}/events", tag = "events",
    params(("p" = String, Path, description = "The process's slug"),
           ("Last-Event-ID" = Option<String>, Header, description = "Resume after this event (what a reconnecting EventSource sends)"),
           EventsQuery),
    responses((status = 200, description = "The events: a `text/event-stream`, or a JSON page (oldest first; `next_after` for the next)",
               content(
                   (EventList = "application/json",
                    example = json!({"events": [{"id": 41, "type": "round.opened", "process": "budapest-7mc", "round": 1, "at": "2026-03-09T09:00:00.004Z", "data": {"process": "budapest-7mc", "round": 1, "label": "Written feedback on the zero draft", "document": "declaration", "base_version": 1, "opens_at": "2026-03-09T09:00:00Z", "closes_at": "2026-03-20T17:00:00Z"}}], "next_after": 41})),
                   (String = "text/event-stream",
                    example = json!("id: 41\nevent: round.opened\ndata: {\"id\":41,\"type\":\"round.opened\",\"process\":\"budapest-7mc\",\"round\":1,\"at\":\"2026-03-09T09:00:00.004Z\",\"data\":{\"round\":1}}\n\n"))
               )),
              Problems),
    security(("bearer" = [])))]
pub async fn get_events(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(p): ApiPath<String>,
    ApiQuery(query): ApiQuery<EventsQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let after = start_after(&headers, &query)?;
    let limit = limit_of(query.limit)?;
    if !wants_stream(&headers) {
        let found = state
            .run(move |r| events::read(r, &principal, &p, after, limit))
            .await?;
        let events: Vec<EventView> = found.iter().map(EventView::from).collect();
        let next_after = events.last().map(|e| e.id);
        return Ok(Json(EventList { events, next_after }).into_response());
    }
    {
        let (caller, p) = (principal.clone(), p.clone());
        state.run(move |r| events::may_read(r, &caller, &p)).await?;
    }
    let keep_alive = state.config().events.keep_alive;
    let stream = futures_util::stream::unfold(
        Follow {
            state,
            caller: principal,
            process: p,
            after,
            ready: VecDeque::new(),
        },
        Follow::next,
    );
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(keep_alive))
        .into_response())
}

/// A stream following a process's outbox. It reads with the caller's rights at every turn, so
/// a caller who loses them (a delegation leaves the process) stops receiving.
struct Follow {
    state: AppState,
    caller: Principal,
    process: String,
    after: u64,
    ready: VecDeque<EventView>,
}

impl Follow {
    async fn next(mut self) -> Option<(Result<Event, Infallible>, Follow)> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                let data = serde_json::to_string(&event).ok()?;
                let sent = Event::default()
                    .id(event.id.to_string())
                    .event(&event.kind)
                    .data(data);
                return Some((Ok(sent), self));
            }
            let (caller, process, after) = (self.caller.clone(), self.process.clone(), self.after);
            match self
                .state
                .run(move |r| events::read(r, &caller, &process, after, STREAM_BATCH))
                .await
            {
                Ok(found) if !found.is_empty() => {
                    self.after = found.last().map_or(self.after, |e| e.id);
                    self.ready.extend(found.iter().map(EventView::from));
                }
                Ok(_) => {
                    let mut stopping = self.state.stopping();
                    if *stopping.borrow() {
                        return None;
                    }
                    tokio::select! {
                        () = tokio::time::sleep(self.state.config().events.poll) => {}
                        _ = stopping.changed() => return None,
                    }
                }
                // Refused now, or the store failing: the stream ends, and the client's
                // reconnection (with Last-Event-ID) hears why.
                Err(error) => {
                    tracing::info!(%error, "an event stream ends");
                    return None;
                }
            }
        }
    }
}

/// Subscribe a URL to the process's events (chair, secretariat or admin)
///
/// Each event of a requested type is POSTed to the URL as the JSON of an event, signed:
/// `Penholder-Signature: t=<Unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the
/// secret>` (docs/events.md shows how to check it). A delivery not answered 2xx is tried again
/// with exponential backoff, and given up after the last attempt; its log is at
/// `…/webhooks/{n}/deliveries`.
#[utoipa::path(post, path = "/v1/processes/{p}/webhooks", tag = "events",
    params(("p" = String, Path, description = "The process's slug"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe writes")),
    request_body = CreateWebhookRequest,
    responses((status = 201, description = "The subscription", body = WebhookView,
               example = json!({"number": 1, "url": "https://hooks.example.org/penholder", "events": ["round.opened", "round.closed"], "created_by": "chair-tr", "created_at": "2026-03-02T10:00:00Z", "deleted_at": null})),
              Problems),
    security(("bearer" = [])))]
pub async fn create_webhook(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(p): ApiPath<String>,
    body: Body,
) -> Result<Reply, ApiError> {
    {
        let (caller, p) = (principal.clone(), p.clone());
        state
            .run(move |r| events::may_manage(r, &caller, &p))
            .await?;
    }
    let request: CreateWebhookRequest = body.json()?;
    let request = WebhookRequest {
        url: request.url,
        secret: request.secret,
        kinds: request.events,
        private_targets: state.config().events.private_targets,
    };
    request.check()?;
    let caller = principal.clone();
    state
        .commit(&principal, &body, move |w, now| {
            let webhook = events::create_webhook(w, &caller, &p, &request, now)?;
            Ok(
                Reply::json(StatusCode::CREATED, &WebhookView::from(&webhook))?
                    .with_location(format!("/v1/processes/{p}/webhooks/{}", webhook.number)),
            )
        })
        .await
}

/// List the process's webhook subscriptions (chair, secretariat or admin)
#[utoipa::path(get, path = "/v1/processes/{p}/webhooks", tag = "events",
    params(("p" = String, Path, description = "The process's slug")),
    responses((status = 200, description = "Every subscription, ended ones included (secrets are never shown)",
               body = Vec<WebhookView>,
               example = json!([{"number": 1, "url": "https://hooks.example.org/penholder", "events": [], "created_by": "chair-tr", "created_at": "2026-03-02T10:00:00Z", "deleted_at": null}])),
              Problems),
    security(("bearer" = [])))]
pub async fn list_webhooks(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(p): ApiPath<String>,
) -> Result<Json<Vec<WebhookView>>, ApiError> {
    let webhooks = state
        .run(move |r| events::list_webhooks(r, &principal, &p))
        .await?;
    Ok(Json(webhooks.iter().map(WebhookView::from).collect()))
}

/// End a webhook subscription (chair, secretariat or admin)
///
/// No new deliveries; those pending are given up. The subscription and its log stay readable.
#[utoipa::path(delete, path = "/v1/processes/{p}/webhooks/{n}", tag = "events",
    params(("p" = String, Path, description = "The process's slug"),
           ("n" = u32, Path, description = "The subscription's number")),
    responses((status = 200, description = "The subscription, ended", body = WebhookView,
               example = json!({"number": 1, "url": "https://hooks.example.org/penholder", "events": [], "created_by": "chair-tr", "created_at": "2026-03-02T10:00:00Z", "deleted_at": "2026-03-21T08:00:00Z"})),
              Problems),
    security(("bearer" = [])))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, n)): ApiPath<(String, u32)>,
    body: Body,
) -> Result<Reply, ApiError> {
    let caller = principal.clone();
    state
        .commit(&principal, &body, move |w, now| {
            let webhook = events::delete_webhook(w, &caller, &p, n, now)?;
            Reply::json(StatusCode::OK, &WebhookView::from(&webhook))
        })
        .await
}

/// Read a webhook's delivery log (chair, secretariat or admin)
///
/// The latest deliveries, newest event first: state (`pending`, `delivered`, `failed`), the
/// attempts made and when the next is due, and every attempt's status or error.
#[utoipa::path(get, path = "/v1/processes/{p}/webhooks/{n}/deliveries", tag = "events",
    params(("p" = String, Path, description = "The process's slug"),
           ("n" = u32, Path, description = "The subscription's number"),
           DeliveriesQuery),
    responses((status = 200, description = "The subscription and its latest deliveries", body = DeliveryLog,
               example = json!({"webhook": {"number": 1, "url": "https://hooks.example.org/penholder", "events": [], "created_by": "chair-tr", "created_at": "2026-03-02T10:00:00Z", "deleted_at": null}, "deliveries": [{"event": 42, "type": "round.closed", "state": "delivered", "attempts": 2, "next_attempt_at": null, "last_status": 204, "last_error": null, "delivered_at": "2026-03-20T17:00:10.402Z", "log": [{"attempt": 1, "at": "2026-03-20T17:00:00.398Z", "status": 500, "error": null, "duration_ms": 12}, {"attempt": 2, "at": "2026-03-20T17:00:10.402Z", "status": 204, "error": null, "duration_ms": 4}]}]})),
              Problems),
    security(("bearer" = [])))]
pub async fn get_deliveries(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((p, n)): ApiPath<(String, u32)>,
    ApiQuery(query): ApiQuery<DeliveriesQuery>,
) -> Result<Json<DeliveryLog>, ApiError> {
    let limit = limit_of(query.limit)?;
    let (webhook, deliveries) = state
        .run(move |r| events::deliveries(r, &principal, &p, n, limit))
        .await?;
    Ok(Json(DeliveryLog {
        webhook: WebhookView::from(&webhook),
        deliveries: deliveries.iter().map(DeliveryView::from).collect(),
    }))
}
