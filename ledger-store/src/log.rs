//! The `EventLog` trait every backend implements, and the request/outcome types around it.

use std::collections::{BTreeMap, HashMap};

use crate::error::StoreError;
use crate::event::{Hash, NewEvent, ReplayRecord, StoredEvent, GENESIS_HASH};

/// Optimistic-concurrency expectation for one stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedVersion {
    /// No check.
    Any,
    /// The stream must currently hold exactly this many events (`Exact(0)`: it must be empty).
    Exact(u64),
}

/// One atomic append: all events are written, or none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppendRequest {
    pub events: Vec<NewEvent>,
    /// Per-stream expectations; streams not named are `Any`.
    pub expected: BTreeMap<String, ExpectedVersion>,
}

impl AppendRequest {
    /// A request with no expected-version checks.
    pub fn new(events: Vec<NewEvent>) -> Self {
        AppendRequest {
            events,
            expected: BTreeMap::new(),
        }
    }

    /// Adds an expected-version check for `stream`.
    pub fn expect(mut self, stream: impl Into<String>, version: ExpectedVersion) -> Self {
        self.expected.insert(stream.into(), version);
        self
    }
}

/// What an append did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendOutcome {
    /// Events newly written.
    pub appended: u64,
    /// Events skipped because the very same event (same id, stream, kind, payload) was already stored.
    pub duplicates: u64,
    /// The head after the append.
    pub head: Head,
}

/// One item of a streamed append (`EventLog::append_stream`), in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Streamed {
    /// The next event of the append.
    Event(NewEvent),
    /// The producer's go-ahead: every event has been handed over; record them. An append whose
    /// items end without it is abandoned, and nothing of it is recorded.
    Commit,
}

/// The last record's position and hash; `seq` 0 and `GENESIS_HASH` when the log is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub seq: u64,
    pub hash: Hash,
}

impl Head {
    /// The head of an empty log.
    pub const EMPTY: Head = Head {
        seq: 0,
        hash: GENESIS_HASH,
    };
}

/// The result of a full `verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Records checked.
    pub events: u64,
    pub head: Head,
}

/// The append-only, hash-chained event log.
pub trait EventLog {
    /// Appends a batch atomically; see the crate docs for validation, idempotency and expected versions.
    fn append(&mut self, req: AppendRequest) -> Result<AppendOutcome, StoreError>;
    /// Appends events as they are produced, with the semantics of one `append` of them all:
    /// the same checks and limits (counted as the events arrive), idempotency by id (an event
    /// identical to a stored one, or to one earlier in the stream, is skipped and counted as a
    /// duplicate; a different event with a used id is an `IdConflict`), and an expected version
    /// for every stream the events touch: `expected[stream]`, 0 for a stream not named (a
    /// stream touched only by duplicates is checked at the end, unless every event was a
    /// duplicate: a retry). The events are recorded only when `Streamed::Commit` arrives, as
    /// one durable batch. If the items end without it, or any check fails, the append is
    /// abandoned: nothing of it is recorded, the head and versions are unchanged, and the error
    /// (`StoreError::Abandoned` when the items just ended) is returned. Items after
    /// `Streamed::Commit` are not read. The first fault in arrival order is the one reported.
    ///
    /// The backend may write the events ahead, past the head, while more arrive (the sled
    /// store does); that is what lets a producer on another thread overlap its work with the
    /// store's.
    fn append_stream(
        &mut self,
        expected: &HashMap<String, u64>,
        events: &mut dyn Iterator<Item = Streamed>,
    ) -> Result<AppendOutcome, StoreError>;
    /// The current head.
    fn head(&self) -> Head;
    /// How many events the stream holds (0 for an unknown stream).
    fn stream_version(&self, stream: &str) -> u64;
    /// Whether an event with this id is stored. The first call on an opened store reads its
    /// id index (and fails, naming the position, if the index is damaged).
    fn contains(&self, id: &uuid::Uuid) -> Result<bool, StoreError>;
    /// Every event from global_seq `from` (1-based) on, in order.
    fn scan(&self, from: u64) -> Box<dyn Iterator<Item = Result<StoredEvent, StoreError>> + '_>;
    /// `scan` as a replay reads it: the same records, checked the same way, each with only
    /// what a replay needs and without copying its fields out of the stored bytes.
    fn scan_replay(
        &self,
        from: u64,
    ) -> Box<dyn Iterator<Item = Result<ReplayRecord, StoreError>> + '_>;
    /// Append events exported from another store, keeping their ids, actors, times and hashes;
    /// checks each links to the head and hashes to what it says. Used by restore.
    fn import(&mut self, events: Vec<StoredEvent>) -> Result<Head, StoreError>;
    /// Check every record: decodes, seq gapless, prev_hash links, hash recomputes, stream_seq gapless.
    fn verify(&self) -> Result<VerifyReport, StoreError>;
}
