//! Stable node ids: UUID v7, generated from values the caller provides (no clock here).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// The stable identity of a node across every version of its document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(pub Uuid);

impl NodeId {
    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl FromStr for NodeId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(NodeId)
    }
}

/// Hands out fresh UUID v7 node ids.
///
/// The time part comes from `unix_millis`, which the caller sets (the server from its clock,
/// tests and fixtures from a constant); the random part is a counter mixed through SHA-256 with a
/// seed, so a given (seed, millis) sequence is reproducible and ids from different seeds do not
/// collide in practice.
#[derive(Clone, Debug)]
pub struct IdSource {
    seed: u64,
    unix_millis: u64,
    counter: u64,
}

impl IdSource {
    /// A source whose ids all carry the timestamp `unix_millis`, randomised by `seed`.
    pub fn new(seed: u64, unix_millis: u64) -> Self {
        IdSource {
            seed,
            unix_millis,
            counter: 0,
        }
    }

    /// Moves the time part forward (ids stay ordered by creation when time does).
    pub fn set_time(&mut self, unix_millis: u64) {
        self.unix_millis = unix_millis;
    }

    pub fn next_id(&mut self) -> NodeId {
        use sha2::{Digest, Sha256};
        self.counter += 1;
        let mut hasher = Sha256::new();
        hasher.update(self.seed.to_le_bytes());
        hasher.update(self.counter.to_le_bytes());
        let digest = hasher.finalize();
        let mut random = [0u8; 10];
        random.copy_from_slice(&digest[..10]);
        NodeId(uuid::Builder::from_unix_timestamp_millis(self.unix_millis, &random).into_uuid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_v7_distinct_and_reproducible() {
        let mut a = IdSource::new(7, 1_700_000_000_000);
        let mut b = IdSource::new(7, 1_700_000_000_000);
        let first = a.next_id();
        assert_eq!(first.0.get_version_num(), 7);
        assert_eq!(first, b.next_id());
        assert_ne!(a.next_id(), first);
        assert_eq!(first.to_string().parse::<NodeId>().unwrap(), first);
    }
}
