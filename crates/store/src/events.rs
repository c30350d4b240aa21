//! What happened, as events, and the webhooks that carry them out (issue 17, item 5).
//!
//! The outbox (`events`) is written by the use case in the transaction of the act it tells
//! of, so an event is never lost and never told of an act that was rolled back; it is
//! append-only. An event that must be told once whoever notices it first (a round that opened
//! or closed by the clock, a deadline 24 hours ahead) carries a `once_key`: unique, so that of
//! several servers sharing a database the first insert wins and the others insert nothing.
//!
//! Webhooks are per process; each event, when recorded, becomes one delivery per subscription
//! that wants its kind. A delivery is claimed for a lease inside the writer's transaction
//! (on PostgreSQL under the writers' advisory lock), so two servers never hold it at once;
//! each attempt is kept in an append-only log. Subscriptions and deliveries are the state of a
//! machine, not history: they change.

use crate::db::{Row, args};
use crate::reader::{Reader, raw_round_from, round_row};
use crate::{RoundInfo, StoreError, Writer};
use std::collections::HashSet;

/// An event as it is stored: its id orders the process's events (`Last-Event-ID`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRecord {
    pub id: u64,
    pub process: String,
    pub kind: String,
    pub round: Option<u32>,
    pub at: i64,
    /// A small JSON object (never a sealed detail: the use cases decide what goes in).
    pub payload: String,
}

/// The rounds not consolidated, each with its process's slug, and the `once_key`s of the
/// events told about them ([`Reader::rounds_in_flight`]).
#[derive(Clone, Debug, Default)]
pub struct RoundsInFlight {
    pub rounds: Vec<(String, RoundInfo)>,
    pub told: HashSet<String>,
}

/// An event to record.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub kind: String,
    pub round: Option<u32>,
    pub payload: serde_json::Value,
    /// When set, the event is recorded only if no event of the same key was (see the module
    /// doc); `None` records it always.
    pub once_key: Option<String>,
}

/// A webhook subscription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Webhook {
    /// 1, 2, 3… within the process.
    pub number: u32,
    pub url: String,
    /// The kinds of event delivered; empty means every kind.
    pub kinds: Vec<String>,
    pub created_by: String,
    pub created_at: i64,
    pub deleted_at: Option<i64>,
}

/// A new subscription.
#[derive(Clone, Debug)]
pub struct NewWebhook {
    pub url: String,
    pub secret: String,
    pub kinds: Vec<String>,
}

/// Where a delivery stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub id: u64,
    pub event: u64,
    pub kind: String,
    /// `pending`, `delivered` or `failed` (no more attempts).
    pub state: String,
    pub attempts: u32,
    /// When the next attempt is due (pending only).
    pub next_at: Option<i64>,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
    pub attempt_log: Vec<Attempt>,
}

/// One attempt of a delivery, as logged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub attempt: u32,
    pub at: i64,
    /// The receiver's HTTP status, if it answered.
    pub status: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: u64,
}

/// A delivery claimed for one attempt: what to send where, signed with what.
#[derive(Clone, Debug)]
pub struct ClaimedDelivery {
    pub id: u64,
    /// The number of this attempt (1 for the first).
    pub attempt: u32,
    pub url: String,
    pub secret: String,
    pub event: EventRecord,
}

/// The outcome of one attempt.
#[derive(Clone, Debug)]
pub struct AttemptOutcome {
    pub status: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: u64,
    /// Delivered: a 2xx answer.
    pub delivered: bool,
    /// When to try again if not delivered; `None`: give up (the delivery has failed).
    pub retry_at: Option<i64>,
}

fn event_of(row: &Row<'_>) -> Result<EventRecord, StoreError> {
    Ok(EventRecord {
        id: row.int(0)?.max(0) as u64,
        process: row.text(1)?,
        kind: row.text(2)?,
        round: row.opt_u32(3)?,
        at: row.int(4)?,
        payload: row.text(5)?,
    })
}

const SELECT_EVENT: &str = "SELECT e.id, p.slug, e.kind, e.round, e.at, e.payload
     FROM events e JOIN processes p ON p.id = e.process_id";

/// Kinds kept as `,a,b,` so that one `LIKE` finds a subscription wanting a kind.
fn kinds_text(kinds: &[String]) -> String {
    if kinds.is_empty() {
        String::new()
    } else {
        format!(",{},", kinds.join(","))
    }
}

fn kinds_of(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect()
}

fn webhook_of(row: &Row<'_>) -> Result<Webhook, StoreError> {
    Ok(Webhook {
        number: row.u32(0)?,
        url: row.text(1)?,
        kinds: kinds_of(&row.text(2)?),
        created_by: row.text(3)?,
        created_at: row.int(4)?,
        deleted_at: row.opt_int(5)?,
    })
}

impl Reader<'_> {
    /// The process's events after `after` (an event id), oldest first, at most `limit`.
    pub fn events_after(
        &self,
        process: &str,
        after: u64,
        limit: u32,
    ) -> Result<Vec<EventRecord>, StoreError> {
        let process_id = self.process_id(process)?;
        self.conn.query_all(
            &format!("{SELECT_EVENT} WHERE e.process_id = ?1 AND e.id > ?2 ORDER BY e.id LIMIT ?3"),
            args![process_id, after as i64, limit],
            event_of,
        )
    }

    /// Whether any delivery is due at `now` (and not claimed): one indexed read, so that a
    /// server's delivery loop writes only when there is something to deliver.
    pub fn delivery_due(&self, now: i64) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_opt(
                "SELECT id FROM webhook_deliveries
                 WHERE state = 'pending' AND next_at <= ?1 AND claimed_until <= ?1 LIMIT 1",
                args![now],
                |row| row.int(0),
            )?
            .is_some())
    }

    /// Every round not consolidated, of every process (with its process's slug), and the
    /// `once_key`s of the events told about them: two queries, however many rounds, for the
    /// clock's look at what is due.
    pub fn rounds_in_flight(&self) -> Result<RoundsInFlight, StoreError> {
        let rounds = self.conn.query_all(
            "SELECT r.id, r.document_id, r.number, d.slug, r.base_version, r.label, r.opens_at,
                    r.closes_at, r.state, r.created_at, r.created_by, p.slug
             FROM rounds r JOIN documents d ON d.id = r.document_id
             JOIN processes p ON p.id = r.process_id
             WHERE r.state <> 'consolidated' ORDER BY p.slug, r.number",
            args![],
            |row| Ok((row.text(11)?, round_row(raw_round_from(row, 0)?)?.info)),
        )?;
        let told = self.conn.query_all(
            "SELECT e.once_key FROM rounds r
             JOIN events e ON e.process_id = r.process_id AND e.round = r.number
             WHERE r.state <> 'consolidated' AND e.once_key IS NOT NULL",
            args![],
            |row| row.text(0),
        )?;
        Ok(RoundsInFlight {
            rounds,
            told: told.into_iter().collect(),
        })
    }

    /// Whether an event of this `once_key` was recorded.
    pub fn event_recorded(&self, once_key: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_opt(
                "SELECT id FROM events WHERE once_key = ?1",
                args![once_key],
                |row| row.int(0),
            )?
            .is_some())
    }

    /// The process's webhook subscriptions (deleted ones included, with their time).
    pub fn webhooks(&self, process: &str) -> Result<Vec<Webhook>, StoreError> {
        let process_id = self.process_id(process)?;
        self.conn.query_all(
            "SELECT number, url, kinds, created_by, created_at, deleted_at FROM webhooks
             WHERE process_id = ?1 ORDER BY number",
            args![process_id],
            webhook_of,
        )
    }

    fn webhook_id(&self, process: &str, number: u32) -> Result<(i64, Webhook), StoreError> {
        let process_id = self.process_id(process)?;
        self.conn
            .query_opt(
                "SELECT number, url, kinds, created_by, created_at, deleted_at, id FROM webhooks
                 WHERE process_id = ?1 AND number = ?2",
                args![process_id, number],
                |row| Ok((row.int(6)?, webhook_of(row)?)),
            )?
            .ok_or_else(|| StoreError::not_found(format!("webhook {number} of process {process}")))
    }

    /// A subscription.
    pub fn webhook(&self, process: &str, number: u32) -> Result<Webhook, StoreError> {
        Ok(self.webhook_id(process, number)?.1)
    }

    /// A subscription's deliveries, newest event first, at most `limit`, with every attempt.
    pub fn webhook_deliveries(
        &self,
        process: &str,
        number: u32,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        let (webhook_id, _) = self.webhook_id(process, number)?;
        let mut deliveries = self.conn.query_all(
            "SELECT d.id, d.event_id, e.kind, d.state, d.attempts, d.next_at, d.last_status,
                    d.last_error, d.delivered_at
             FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
             WHERE d.webhook_id = ?1 ORDER BY d.event_id DESC LIMIT ?2",
            args![webhook_id, limit],
            |row| {
                let state = row.text(3)?;
                Ok(Delivery {
                    id: row.int(0)?.max(0) as u64,
                    event: row.int(1)?.max(0) as u64,
                    kind: row.text(2)?,
                    next_at: (state == "pending").then(|| row.int(5)).transpose()?,
                    state,
                    attempts: row.u32(4)?,
                    last_status: row.opt_u32(6)?.map(|s| s as u16),
                    last_error: row.opt_text(7)?,
                    delivered_at: row.opt_int(8)?,
                    attempt_log: Vec::new(),
                })
            },
        )?;
        for delivery in &mut deliveries {
            delivery.attempt_log = self.conn.query_all(
                "SELECT attempt, at, status, error, duration_ms FROM webhook_attempts
                 WHERE delivery_id = ?1 ORDER BY attempt",
                args![delivery.id as i64],
                |row| {
                    Ok(Attempt {
                        attempt: row.u32(0)?,
                        at: row.int(1)?,
                        status: row.opt_u32(2)?.map(|s| s as u16),
                        error: row.opt_text(3)?,
                        duration_ms: row.int(4)?.max(0) as u64,
                    })
                },
            )?;
        }
        Ok(deliveries)
    }
}

impl Writer<'_> {
    /// Records an event of the process, and a delivery of it for every live subscription that
    /// wants its kind. `None` when its `once_key` was already recorded (nothing written).
    pub fn record_event(
        &self,
        process: &str,
        event: &NewEvent,
        now: i64,
    ) -> Result<Option<u64>, StoreError> {
        let process_id = self.process_id(process)?;
        let payload = event.payload.to_string();
        let id = self.reader.conn.query_opt(
            "INSERT INTO events (process_id, kind, round, at, payload, once_key)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (once_key) DO NOTHING RETURNING id",
            args![
                process_id,
                &event.kind,
                event.round,
                now,
                &payload,
                event.once_key.as_deref()
            ],
            |row| row.int(0),
        )?;
        let Some(id) = id else { return Ok(None) };
        self.reader.conn.execute(
            "INSERT INTO webhook_deliveries (webhook_id, event_id, state, attempts, next_at,
                                             claimed_until)
             SELECT id, ?1, 'pending', 0, ?2, 0 FROM webhooks
             WHERE process_id = ?3 AND deleted_at IS NULL
               AND (kinds = '' OR kinds LIKE '%,' || ?4 || ',%')",
            args![id, now, process_id, &event.kind],
        )?;
        Ok(Some(id.max(0) as u64))
    }

    /// Creates a subscription, numbered after the process's last one.
    pub fn create_webhook(
        &self,
        process: &str,
        webhook: &NewWebhook,
        created_by: &str,
        now: i64,
    ) -> Result<Webhook, StoreError> {
        let process_id = self.process_id(process)?;
        let number: u32 = self.reader.conn.query_one(
            "SELECT COALESCE(MAX(number), 0) + 1 FROM webhooks WHERE process_id = ?1",
            args![process_id],
            |row| row.u32(0),
        )?;
        let kinds = kinds_text(&webhook.kinds);
        self.reader.conn.execute(
            "INSERT INTO webhooks (process_id, number, url, secret, kinds, created_by, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            args![
                process_id,
                number,
                &webhook.url,
                &webhook.secret,
                &kinds,
                created_by,
                now
            ],
        )?;
        Ok(Webhook {
            number,
            url: webhook.url.clone(),
            kinds: webhook.kinds.clone(),
            created_by: created_by.to_string(),
            created_at: now,
            deleted_at: None,
        })
    }

    /// Ends a subscription: no new deliveries, and its pending ones are dropped (failed).
    pub fn delete_webhook(
        &self,
        process: &str,
        number: u32,
        now: i64,
    ) -> Result<Webhook, StoreError> {
        let (id, mut webhook) = self.webhook_id(process, number)?;
        if webhook.deleted_at.is_none() {
            self.reader.conn.execute(
                "UPDATE webhooks SET deleted_at = ?1 WHERE id = ?2",
                args![now, id],
            )?;
            self.reader.conn.execute(
                "UPDATE webhook_deliveries SET state = 'failed',
                        last_error = 'the subscription was deleted'
                 WHERE webhook_id = ?1 AND state = 'pending'",
                args![id],
            )?;
            webhook.deleted_at = Some(now);
        }
        Ok(webhook)
    }

    /// Forgets the deliveries that finished (delivered, or given up) before `before`, with
    /// their attempts, and says how many. The events stay: they are the event stream's
    /// history (`Last-Event-ID`), and a subscription's log keeps its recent deliveries. A
    /// delivery still pending is never pruned, however old (its attempts stay append-only:
    /// see `DELIVERY_PRUNING_MIGRATION`).
    pub fn prune_deliveries(&self, before: i64) -> Result<u64, StoreError> {
        let conn = self.reader.conn;
        conn.execute(
            "DELETE FROM webhook_attempts WHERE delivery_id IN (
                 SELECT id FROM webhook_deliveries WHERE state <> 'pending' AND next_at < ?1)",
            args![before],
        )?;
        conn.execute(
            "DELETE FROM webhook_deliveries WHERE state <> 'pending' AND next_at < ?1",
            args![before],
        )
    }

    /// Claims up to `limit` deliveries due at `now` for `lease_ms`: each is counted as an
    /// attempt now, and no other claim takes it before the lease ends (a server that dies
    /// mid-attempt leaves it to be tried again after the lease).
    pub fn claim_deliveries(
        &self,
        now: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        let due = self.reader.conn.query_all(
            "SELECT d.id, d.attempts, w.url, w.secret, e.id, p.slug, e.kind, e.round, e.at,
                    e.payload
             FROM webhook_deliveries d
             JOIN webhooks w ON w.id = d.webhook_id
             JOIN events e ON e.id = d.event_id
             JOIN processes p ON p.id = e.process_id
             WHERE d.state = 'pending' AND d.next_at <= ?1 AND d.claimed_until <= ?1
             ORDER BY d.next_at, d.id LIMIT ?2",
            args![now, limit],
            |row| {
                Ok(ClaimedDelivery {
                    id: row.int(0)?.max(0) as u64,
                    attempt: row.u32(1)? + 1,
                    url: row.text(2)?,
                    secret: row.text(3)?,
                    event: EventRecord {
                        id: row.int(4)?.max(0) as u64,
                        process: row.text(5)?,
                        kind: row.text(6)?,
                        round: row.opt_u32(7)?,
                        at: row.int(8)?,
                        payload: row.text(9)?,
                    },
                })
            },
        )?;
        for claimed in &due {
            self.reader.conn.execute(
                "UPDATE webhook_deliveries SET attempts = ?1, claimed_until = ?2 WHERE id = ?3",
                args![claimed.attempt, now + lease_ms, claimed.id as i64],
            )?;
        }
        Ok(due)
    }

    /// Logs the outcome of attempt `attempt` of a delivery and sets what comes next. An
    /// outcome for an attempt that is no longer the delivery's latest (its lease ran out and
    /// another server claimed it again) is logged and changes nothing else.
    pub fn finish_delivery(
        &self,
        delivery: u64,
        attempt: u32,
        outcome: &AttemptOutcome,
        now: i64,
    ) -> Result<(), StoreError> {
        let conn = self.reader.conn;
        conn.execute(
            "INSERT INTO webhook_attempts (delivery_id, attempt, at, status, error, duration_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (delivery_id, attempt) DO NOTHING",
            args![
                delivery as i64,
                attempt,
                now,
                outcome.status,
                outcome.error.as_deref(),
                outcome.duration_ms as i64
            ],
        )?;
        let (state, next_at, delivered_at) = match (outcome.delivered, outcome.retry_at) {
            (true, _) => ("delivered", now, Some(now)),
            (false, Some(at)) => ("pending", at, None),
            (false, None) => ("failed", now, None),
        };
        conn.execute(
            "UPDATE webhook_deliveries
             SET state = ?1, next_at = ?2, delivered_at = ?3, last_status = ?4, last_error = ?5,
                 claimed_until = 0
             WHERE id = ?6 AND attempts = ?7 AND state = 'pending'",
            args![
                state,
                next_at,
                delivered_at,
                outcome.status,
                outcome.error.as_deref(),
                delivery as i64,
                attempt
            ],
        )?;
        Ok(())
    }
}
