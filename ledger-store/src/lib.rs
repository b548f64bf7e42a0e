//! The append-only, hash-chained event log of the bonded ledger.
//!
//! The store knows nothing of the domain: payloads are opaque JSON documents. Every record is
//! chained to the one before it by SHA-256 over a fixed binary encoding (module `codec`), so any change
//! to a stored record is detected by `scan`, `verify` and (for the last record) `SledLog::open`.
//!
//! Appends are atomic and validated before anything is written: field limits, JSON payloads,
//! expected stream versions and id idempotency (an id already stored with the same stream, kind
//! and payload is skipped and counted as a duplicate; with different content it is an
//! `IdConflict`). A batch made only of duplicates is a retry and succeeds without re-checking
//! expected versions. Payloads are stored in compact form (whitespace outside strings removed).
//!
//! `EventLog::append_stream` is the same append with the events handed over one by one, as a
//! producer (on another thread) makes them: each is checked and written ahead, past the head,
//! as it arrives, and all become part of the log only when the producer commits; without its
//! commit the append is abandoned and nothing of it is recorded.

pub mod baseline;
mod chain;
mod codec;
mod durable;
mod engine;
mod error;
mod event;
#[doc(hidden)]
pub mod fault;
mod id_index;
mod jsonl;
mod layout;
mod log;
mod memory;
mod pg_log;
#[doc(hidden)]
pub mod pg_testing;
mod sled_log;
pub mod snapshot;
mod validate;

#[cfg(test)]
#[path = "conformance_tests.rs"]
mod conformance;
#[cfg(test)]
mod sled_tests;

pub use error::StoreError;
pub use event::{hash_hex, Hash, NewEvent, Payload, ReplayRecord, StoredEvent, GENESIS_HASH};
pub use jsonl::{export_jsonl, restore_jsonl, MAX_EXPORT_LINE_BYTES, RESTORE_CHUNK_EVENTS};
pub use layout::DEFAULT_CACHE_BYTES;
pub use log::{
    AppendOutcome, AppendRequest, EventLog, ExpectedVersion, Head, Streamed, VerifyReport,
};
pub use memory::MemoryLog;
pub use pg_log::{PgHead, PgLog, PG_SCHEMA_VERSION};
pub use sled_log::{SledLog, SledOptions};
pub use validate::{
    MAX_ACTOR_CHARS, MAX_BATCH_EVENTS, MAX_BATCH_PAYLOAD_BYTES, MAX_KIND_CHARS, MAX_PAYLOAD_BYTES,
    MAX_RECORDED_AT_CHARS, MAX_STREAM_CHARS,
};
