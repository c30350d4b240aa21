//! The wire format of events and webhooks (issue 17, item 5), with their OpenAPI schemas: an
//! event as the stream sends it and a webhook posts it, subscriptions, deliveries.

use crate::clock::rfc3339;
use penholder_store::{Attempt, Delivery, EventRecord, Webhook};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One event: the SSE `data:` of the stream, the body of a webhook delivery.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": 42, "type": "round.closed", "process": "budapest-7mc", "round": 1, "at": "2026-03-20T17:00:00.012Z", "data": {"process": "budapest-7mc", "round": 1, "label": "Written feedback on the zero draft", "document": "declaration", "base_version": 1, "opens_at": "2026-03-09T09:00:00Z", "closes_at": "2026-03-20T17:00:00Z"}}))]
pub struct EventView {
    /// Increasing within the process: the SSE `id:`, what `Last-Event-ID` and `?after=` take.
    pub id: u64,
    /// `round.opened`, `round.deadline_in_24_hours`, `round.extended`, `round.closed`,
    /// `compilation.ready`, `version.published`, `paragraph.status_changed`,
    /// `reservation.entered`, `reservation.withdrawn`, `document.adopted`.
    #[serde(rename = "type")]
    pub kind: String,
    pub process: String,
    pub round: Option<u32>,
    /// When it was recorded (RFC 3339).
    pub at: String,
    /// What it is about: round, document, version, times (never a sealed detail).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

impl From<&EventRecord> for EventView {
    fn from(event: &EventRecord) -> Self {
        EventView {
            id: event.id,
            kind: event.kind.clone(),
            process: event.process.clone(),
            round: event.round,
            at: rfc3339(event.at),
            data: serde_json::from_str(&event.payload).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// A page of a process's events (the JSON answer of `GET …/events`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct EventList {
    pub events: Vec<EventView>,
    /// The last event's id: pass it as `after` for the next page (absent when none).
    pub next_after: Option<u64>,
}

/// `GET …/events`: where to start.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// Events after this id (as `Last-Event-ID`, which wins when both are sent); 0 or absent:
    /// from the first.
    pub after: Option<u64>,
    /// At most this many events in a JSON page (1 to 1000; 100 when absent).
    pub limit: Option<u32>,
}

/// A new webhook subscription.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://hooks.example.org/penholder", "secret": "5f0c2a9e8b7d4c1f", "events": ["round.opened", "round.closed"]}))]
pub struct CreateWebhookRequest {
    /// Where deliveries are POSTed: an absolute `http://` or `https://` URL.
    pub url: String,
    /// 16 to 256 characters: the key of each delivery's HMAC-SHA256 signature. Never read back.
    pub secret: String,
    /// The event types delivered; absent or empty: every type.
    #[serde(default)]
    pub events: Vec<String>,
}

/// A webhook subscription (its secret is never shown).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"number": 1, "url": "https://hooks.example.org/penholder", "events": ["round.opened", "round.closed"], "created_by": "chair-tr", "created_at": "2026-03-02T10:00:00Z", "deleted_at": null}))]
pub struct WebhookView {
    pub number: u32,
    pub url: String,
    /// The event types delivered; empty: every type.
    pub events: Vec<String>,
    pub created_by: String,
    pub created_at: String,
    /// When the subscription ended, if it did.
    pub deleted_at: Option<String>,
}

impl From<&Webhook> for WebhookView {
    fn from(webhook: &Webhook) -> Self {
        WebhookView {
            number: webhook.number,
            url: webhook.url.clone(),
            events: webhook.kinds.clone(),
            created_by: webhook.created_by.clone(),
            created_at: rfc3339(webhook.created_at),
            deleted_at: webhook.deleted_at.map(rfc3339),
        }
    }
}

/// One attempt of a delivery.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AttemptView {
    pub attempt: u32,
    pub at: String,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    /// Why there was no answer (refused, timed out…).
    pub error: Option<String>,
    pub duration_ms: u64,
}

impl From<&Attempt> for AttemptView {
    fn from(attempt: &Attempt) -> Self {
        AttemptView {
            attempt: attempt.attempt,
            at: rfc3339(attempt.at),
            status: attempt.status,
            error: attempt.error.clone(),
            duration_ms: attempt.duration_ms,
        }
    }
}

/// One event's delivery to a subscription.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct DeliveryView {
    pub event: u64,
    #[serde(rename = "type")]
    pub kind: String,
    /// `pending` (to be tried at `next_attempt_at`), `delivered` or `failed` (given up).
    pub state: String,
    pub attempts: u32,
    pub next_attempt_at: Option<String>,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub delivered_at: Option<String>,
    pub log: Vec<AttemptView>,
}

impl From<&Delivery> for DeliveryView {
    fn from(delivery: &Delivery) -> Self {
        DeliveryView {
            event: delivery.event,
            kind: delivery.kind.clone(),
            state: delivery.state.clone(),
            attempts: delivery.attempts,
            next_attempt_at: delivery.next_at.map(rfc3339),
            last_status: delivery.last_status,
            last_error: delivery.last_error.clone(),
            delivered_at: delivery.delivered_at.map(rfc3339),
            log: delivery.attempt_log.iter().map(AttemptView::from).collect(),
        }
    }
}

/// A subscription's delivery log, newest event first.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"webhook": {"number": 1, "url": "https://hooks.example.org/penholder", "events": [], "created_by": "chair-tr", "created_at": "2026-03-02T10:00:00Z", "deleted_at": null}, "deliveries": [{"event": 42, "type": "round.closed", "state": "delivered", "attempts": 2, "next_attempt_at": null, "last_status": 204, "last_error": null, "delivered_at": "2026-03-20T17:00:10.402Z", "log": [{"attempt": 1, "at": "2026-03-20T17:00:00.398Z", "status": 500, "error": null, "duration_ms": 12}, {"attempt": 2, "at": "2026-03-20T17:00:10.402Z", "status": 204, "error": null, "duration_ms": 4}]}]}))]
pub struct DeliveryLog {
    pub webhook: WebhookView,
    pub deliveries: Vec<DeliveryView>,
}

/// `GET …/webhooks/{n}/deliveries`: how many.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesQuery {
    /// The latest this many deliveries (1 to 1000; 100 when absent).
    pub limit: Option<u32>,
}
