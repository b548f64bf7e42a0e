//! The state saved, so that an open reads only the log's tail: `encode` a `Ledger` into
//! bytes, `decode` them back. Pure: the store keeps the bytes (opaque to it) beside the log,
//! tied to the log position and head hash they were made from; the command line checks that
//! tie before using them (docs/ARCHITECTURE.md, "The snapshot").
//!
//! The layout (`wire`) is this crate's own: the state's large parts — stock entries, the
//! compact lines and their effects, the interned names, the lists, import lots — as fixed-size
//! binary records, read back without parsing text or hashing a name again; the small parts
//! (items, BOMs, filings, reviews …) as the log's JSON, whose types already round-trip exactly.
//! Every map is written in key order, so one state always gives the same bytes.
//!
//! **`FORMAT_VERSION` must change whenever the state's shape or this layout changes**: a
//! snapshot of another version is never decoded (the store's header says which version it
//! holds), it is rebuilt from the log. `tests::golden_digest` fails when the bytes of a fixed
//! ledger change, as a reminder.

pub(crate) mod wire;

use crate::state::ledger::Ledger;

/// The version of the snapshot layout and of the state it holds.
pub const FORMAT_VERSION: u32 = 1;

/// Why bytes are not a snapshot this version can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    #[error("snapshot format {found}, this version of bonded reads {expected}")]
    Version { found: u32, expected: u32 },
    #[error("the snapshot ends too early")]
    Truncated,
    #[error("the snapshot holds {0}")]
    Invalid(&'static str),
    #[error("the snapshot's JSON part: {0}")]
    Json(String),
    #[error("the snapshot has bytes after its end")]
    Trailing,
    #[error("the snapshot could not be read: {0}")]
    Read(String),
    #[error("the snapshot could not be written: {0}")]
    Write(String),
}

/// The state as snapshot bytes (the format version first).
pub fn encode(ledger: &Ledger) -> Result<Vec<u8>, SnapshotError> {
    let mut w = wire::Writer::default();
    w.u32(FORMAT_VERSION);
    ledger.write_snapshot(&mut w)?;
    Ok(w.buf)
}

/// The state as snapshot bytes, handed to `sink` a megabyte at a time as they are made (never
/// all held beside the state); the number of bytes written. The bytes are `encode`'s.
pub fn encode_into(ledger: &Ledger, sink: &mut dyn std::io::Write) -> Result<u64, SnapshotError> {
    let mut w = wire::Writer::into_sink(sink);
    w.u32(FORMAT_VERSION);
    ledger.write_snapshot(&mut w)?;
    w.finish()
}

/// The state `encode` saved; any other bytes are an error, never a panic.
pub fn decode(bytes: &[u8]) -> Result<Ledger, SnapshotError> {
    let mut source = bytes;
    decode_from(&mut source, bytes.len() as u64)
}

/// The state `encode` saved, read from `source` as it is decoded (the `len` bytes it holds are
/// never all in memory at once, beside the state they become). The caller opens the source and
/// checks what it must (the store's checksum) once it is read through.
pub fn decode_from(source: &mut dyn std::io::Read, len: u64) -> Result<Ledger, SnapshotError> {
    let mut r = wire::Reader::new(source, len);
    let found = r.u32()?;
    if found != FORMAT_VERSION {
        return Err(SnapshotError::Version {
            found,
            expected: FORMAT_VERSION,
        });
    }
    let ledger = Ledger::read_snapshot(&mut r)?;
    if !r.is_empty() {
        return Err(SnapshotError::Trailing);
    }
    Ok(ledger)
}

#[cfg(test)]
mod tests;
