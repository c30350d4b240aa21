//! The clock of a running penholder: deadlines, token lifetimes and audit times all come from one [`Clock`],
//! so that tests can move time by hand instead of sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Now, in Unix milliseconds.
pub trait Clock: Send + Sync + 'static {
    fn now_millis(&self) -> i64;
}

/// The machine's clock; what the binary uses.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> i64 {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
    }
}

/// A clock that stands still until told to move; share it (it is an `Arc` inside) between the
/// test and the server's state.
#[derive(Clone, Debug, Default)]
pub struct ManualClock {
    now: Arc<AtomicI64>,
}

impl ManualClock {
    pub fn new(now_millis: i64) -> Self {
        ManualClock {
            now: Arc::new(AtomicI64::new(now_millis)),
        }
    }

    pub fn set(&self, now_millis: i64) {
        self.now.store(now_millis, Ordering::SeqCst);
    }

    pub fn advance(&self, millis: i64) {
        self.now.fetch_add(millis, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_millis(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }
}

/// Unix milliseconds as RFC 3339 (`2024-06-27T12:00:00Z`, with milliseconds when there are any).
/// A value outside what RFC 3339 can express (only a corrupted record holds one) is shown as
/// the number itself rather than failing the response.
pub fn rfc3339(millis: i64) -> String {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .ok()
        .and_then(|at| at.format(&Rfc3339).ok())
        .unwrap_or_else(|| millis.to_string())
}

/// An RFC 3339 time as Unix milliseconds.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    use time::format_description::well_known::Rfc3339;
    let at = time::OffsetDateTime::parse(text, &Rfc3339).ok()?;
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_through_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        let at = parse_rfc3339("2024-06-27T12:00:00.250Z").expect("valid");
        assert_eq!(rfc3339(at), "2024-06-27T12:00:00.25Z");
        assert_eq!(
            parse_rfc3339("2024-06-27T14:00:00+02:00"),
            parse_rfc3339("2024-06-27T12:00:00Z")
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(rfc3339(i64::MAX), i64::MAX.to_string());
    }

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(10);
        let shared = clock.clone();
        shared.advance(5);
        assert_eq!(clock.now_millis(), 15);
        clock.set(3);
        assert_eq!(shared.now_millis(), 3);
    }
}
