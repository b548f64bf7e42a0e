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

mod parts;
pub(crate) mod wire;

pub use parts::{Part, Parts};

use crate::state::ledger::Ledger;

/// The version of the snapshot layout and of the state it holds. 2: written in parts; 3: the
/// stock, the import lots and the effects of lines kept whole in compact numbers
/// (`wire::dec_small`, days between dates), the list numbers with the line records; 4: the
/// stock a part of its own; 5: the corrections' counts and reasons with the line records; 6:
/// the lines kept whole in binary (`state::line_codec`); 7: customs' answers for the whole
/// book (write-offs, cycle openings) with the base; 8: the stock split on 1 January of the
/// year before its latest change, the changes before it in a part of their own
/// (`Part::History`); 9: the work orders a part of their own (`Part::WorkOrders`), out of the
/// base; 10: the import lots split as the stock, those before the split in a part of their
/// own (`Part::LotHistory`).
pub const FORMAT_VERSION: u32 = 10;

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
    #[error("a state opened without its {0} cannot be saved")]
    Incomplete(&'static str),
    #[error("the snapshot's {part} is of other books than its base")]
    OtherBooks { part: &'static str },
}

/// Writes `part` of the state into `sink` a megabyte at a time as it is made (never all held
/// beside the state); the number of bytes written. Only a whole state is written.
pub fn encode_part(
    ledger: &Ledger,
    part: Part,
    sink: &mut dyn std::io::Write,
) -> Result<u64, SnapshotError> {
    if let Some(missing) = ledger.missing().iter().next() {
        return Err(SnapshotError::Incomplete(missing.name()));
    }
    let mut w = wire::Writer::into_sink(sink);
    ledger.write_part(part, &mut w)?;
    w.finish()
}

/// The base of the state from `len` bytes of `source`, read as they are decoded: a state
/// missing every other part until [`decode_part`] adds it. The caller opens the source and
/// checks what it must (the store's checksum) once it is read through.
pub fn decode_base(source: &mut dyn std::io::Read, len: u64) -> Result<Ledger, SnapshotError> {
    let mut r = wire::Reader::new(source, len);
    let ledger = Ledger::read_base(&mut r)?;
    if !r.is_empty() {
        return Err(SnapshotError::Trailing);
    }
    Ok(ledger)
}

/// Adds `part` (not the base), read from `len` bytes of `source`, to a state decoded by
/// [`decode_base`].
pub fn decode_part(
    ledger: &mut Ledger,
    part: Part,
    source: &mut dyn std::io::Read,
    len: u64,
) -> Result<(), SnapshotError> {
    let mut r = wire::Reader::new(source, len);
    ledger.read_part(part, &mut r)?;
    if !r.is_empty() {
        return Err(SnapshotError::Trailing);
    }
    Ok(())
}

/// The whole state as one run of bytes: the format version, then each part as its id, its
/// length and its bytes (what the store's file holds, in one piece: tests and digests).
pub fn encode(ledger: &Ledger) -> Result<Vec<u8>, SnapshotError> {
    let mut out = FORMAT_VERSION.to_le_bytes().to_vec();
    for part in Part::ALL {
        let mut bytes = Vec::new();
        encode_part(ledger, part, &mut bytes)?;
        out.extend_from_slice(&part.id().to_le_bytes());
        out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        out.extend_from_slice(&bytes);
    }
    Ok(out)
}

/// The state `encode` saved; any other bytes are an error, never a panic.
pub fn decode(bytes: &[u8]) -> Result<Ledger, SnapshotError> {
    fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Result<&'a [u8], SnapshotError> {
        if bytes.len() < n {
            return Err(SnapshotError::Truncated);
        }
        let (head, rest) = bytes.split_at(n);
        *bytes = rest;
        Ok(head)
    }
    let mut rest = bytes;
    let mut word = [0u8; 4];
    word.copy_from_slice(take(&mut rest, 4)?);
    let found = u32::from_le_bytes(word);
    if found != FORMAT_VERSION {
        return Err(SnapshotError::Version {
            found,
            expected: FORMAT_VERSION,
        });
    }
    let mut ledger: Option<Ledger> = None;
    for part in Part::ALL {
        word.copy_from_slice(take(&mut rest, 4)?);
        if u32::from_le_bytes(word) != part.id() {
            return Err(SnapshotError::Invalid("the parts out of order"));
        }
        let mut long = [0u8; 8];
        long.copy_from_slice(take(&mut rest, 8)?);
        let len = u64::from_le_bytes(long);
        let mut body = take(
            &mut rest,
            usize::try_from(len).map_err(|_| SnapshotError::Truncated)?,
        )?;
        match ledger.as_mut() {
            None => ledger = Some(decode_base(&mut body, len)?),
            Some(l) => decode_part(l, part, &mut body, len)?,
        }
    }
    if !rest.is_empty() {
        return Err(SnapshotError::Trailing);
    }
    ledger.ok_or(SnapshotError::Truncated)
}

#[cfg(test)]
mod tests;

/// `state` saved part by part, then opened with only `parts` (and the base), as a read
/// command opens it.
#[cfg(test)]
pub(crate) fn open_in_part(state: &Ledger, parts: Parts) -> Ledger {
    let bytes = |part| {
        let mut out = Vec::new();
        encode_part(state, part, &mut out).expect("encode part");
        out
    };
    let base = bytes(Part::Base);
    let mut opened = decode_base(&mut &base[..], base.len() as u64).expect("base");
    for part in parts.to_read().iter().filter(|p| *p != Part::Base) {
        let b = bytes(part);
        decode_part(&mut opened, part, &mut &b[..], b.len() as u64).expect("part");
    }
    assert_eq!(opened.missing(), Parts::all().without(parts.to_read()));
    opened
}
