//! The canonical record encoding and its hash: the one definition both backends, scan, verify and import use.
//!
//! Canonical bytes (all integers big-endian, every string as a u32 length then UTF-8 bytes):
//!
//! ```text
//! "BLR1" | global_seq u64 | stream_seq u64 | id [16] | stream | kind | schema_version u32
//!        | actor | recorded_at | prev_hash [32] | payload (verbatim JSON bytes)
//! ```
//!
//! `hash = SHA-256(canonical bytes)`. A stored value is `hash [32] ++ canonical bytes`.

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::StoreError;
use crate::event::{hash_hex, Hash, StoredEvent};

/// Leading tag of every canonical encoding; changes if the layout ever changes.
const FORMAT_TAG: &[u8; 4] = b"BLR1";

/// One record's envelope, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub global_seq: u64,
    pub stream_seq: u64,
    pub id: Uuid,
    pub stream: String,
    pub kind: String,
    pub schema_version: u32,
    pub actor: String,
    pub recorded_at: String,
    pub prev_hash: Hash,
    /// Raw JSON text, stored verbatim.
    pub payload: String,
}

/// The canonical bytes of a record (everything but its own hash).
pub(crate) fn encode(r: &Record) -> Vec<u8> {
    let r = r.as_ref();
    let mut out = Vec::with_capacity(encoded_len(&r));
    encode_into(&mut out, &r);
    out
}

/// A record's stored value (`hash [32] ++ canonical bytes`, as `frame` makes it) and its hash,
/// built in one buffer: no copy of the canonical bytes. The fields are borrowed: the caller's
/// strings stay the caller's.
pub(crate) fn seal_record(r: &RecordRef<'_>) -> (Hash, Vec<u8>) {
    let mut out = Vec::with_capacity(32 + encoded_len(r));
    out.extend_from_slice(&[0u8; 32]);
    encode_into(&mut out, r);
    let hash = hash_of(&out[32..]);
    out[..32].copy_from_slice(&hash);
    (hash, out)
}

/// About how long a record's canonical bytes are (a little more: the fixed fields rounded up).
fn encoded_len(r: &RecordRef<'_>) -> usize {
    120 + r.stream.len() + r.kind.len() + r.actor.len() + r.recorded_at.len() + r.payload.len()
}

fn encode_into(out: &mut Vec<u8>, r: &RecordRef<'_>) {
    out.extend_from_slice(FORMAT_TAG);
    out.extend_from_slice(&r.global_seq.to_be_bytes());
    out.extend_from_slice(&r.stream_seq.to_be_bytes());
    out.extend_from_slice(r.id.as_bytes());
    put_str(out, r.stream);
    put_str(out, r.kind);
    out.extend_from_slice(&r.schema_version.to_be_bytes());
    put_str(out, r.actor);
    put_str(out, r.recorded_at);
    out.extend_from_slice(&r.prev_hash);
    put_str(out, r.payload);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    // Field limits keep every string far below u32::MAX; saturate rather than wrap just in case,
    // which makes decoding fail loudly instead of silently misreading.
    let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// One record's envelope, read in place: every string borrowed from the stored bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RecordRef<'a> {
    pub global_seq: u64,
    pub stream_seq: u64,
    pub id: Uuid,
    pub stream: &'a str,
    pub kind: &'a str,
    pub schema_version: u32,
    pub actor: &'a str,
    pub recorded_at: &'a str,
    pub prev_hash: Hash,
    pub payload: &'a str,
}

impl Record {
    /// The record's fields, borrowed.
    pub fn as_ref(&self) -> RecordRef<'_> {
        RecordRef {
            global_seq: self.global_seq,
            stream_seq: self.stream_seq,
            id: self.id,
            stream: &self.stream,
            kind: &self.kind,
            schema_version: self.schema_version,
            actor: &self.actor,
            recorded_at: &self.recorded_at,
            prev_hash: self.prev_hash,
            payload: &self.payload,
        }
    }
}

impl RecordRef<'_> {
    pub fn to_owned(self) -> Record {
        Record {
            global_seq: self.global_seq,
            stream_seq: self.stream_seq,
            id: self.id,
            stream: self.stream.to_owned(),
            kind: self.kind.to_owned(),
            schema_version: self.schema_version,
            actor: self.actor.to_owned(),
            recorded_at: self.recorded_at.to_owned(),
            prev_hash: self.prev_hash,
            payload: self.payload.to_owned(),
        }
    }
}

/// Decodes canonical bytes; the error says which field could not be read.
pub(crate) fn decode(bytes: &[u8]) -> Result<Record, String> {
    decode_ref(bytes).map(RecordRef::to_owned)
}

/// Decodes canonical bytes in place, copying nothing.
pub(crate) fn decode_ref(bytes: &[u8]) -> Result<RecordRef<'_>, String> {
    let mut rd = Reader { bytes, pos: 0 };
    let tag = rd.take(4, "format tag")?;
    if tag != FORMAT_TAG {
        return Err(format!(
            "unknown record format tag {:?} (expected {:?})",
            String::from_utf8_lossy(tag),
            String::from_utf8_lossy(FORMAT_TAG)
        ));
    }
    let global_seq = rd.u64("global_seq")?;
    let stream_seq = rd.u64("stream_seq")?;
    let id = Uuid::from_bytes(rd.array::<16>("id")?);
    let stream = rd.str("stream")?;
    let kind = rd.str("kind")?;
    let schema_version = u32::from_be_bytes(rd.array::<4>("schema_version")?);
    let actor = rd.str("actor")?;
    let recorded_at = rd.str("recorded_at")?;
    let prev_hash = rd.array::<32>("prev_hash")?;
    let payload = rd.str("payload")?;
    if rd.pos != bytes.len() {
        return Err(format!(
            "{} unexpected trailing bytes after the payload",
            bytes.len() - rd.pos
        ));
    }
    Ok(RecordRef {
        global_seq,
        stream_seq,
        id,
        stream,
        kind,
        schema_version,
        actor,
        recorded_at,
        prev_hash,
        payload,
    })
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, field: &str) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len())
            .ok_or_else(|| {
                format!(
                    "truncated while reading {field}: needs {n} bytes at offset {}, only {} left",
                    self.pos,
                    self.bytes.len().saturating_sub(self.pos)
                )
            })?;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self, field: &str) -> Result<[u8; N], String> {
        let slice = self.take(N, field)?;
        let mut out = [0u8; N];
        out.copy_from_slice(slice);
        Ok(out)
    }

    fn u64(&mut self, field: &str) -> Result<u64, String> {
        Ok(u64::from_be_bytes(self.array::<8>(field)?))
    }

    fn str(&mut self, field: &str) -> Result<&'a str, String> {
        let len = u32::from_be_bytes(self.array::<4>(field)?) as usize;
        let raw = self.take(len, field)?;
        std::str::from_utf8(raw).map_err(|e| format!("{field} is not valid UTF-8: {e}"))
    }
}

/// SHA-256 of canonical bytes.
pub(crate) fn hash_of(canonical: &[u8]) -> Hash {
    Sha256::digest(canonical).into()
}

/// The stored value of a record: its hash followed by its canonical bytes.
pub(crate) fn frame(hash: &Hash, canonical: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 + canonical.len());
    out.extend_from_slice(hash);
    out.extend_from_slice(canonical);
    out
}

/// Splits a stored value into the hash it claims and its canonical bytes.
/// The stream and stream position of a stored value (`hash ++ canonical bytes`), read from
/// its fixed header alone: what a backend that indexes the streams needs of a record the
/// engine has just sealed, without decoding (and checking) the whole record again.
pub(crate) fn stream_of(value: &[u8]) -> Result<(&str, u64), String> {
    let canonical = value.get(32..).ok_or_else(|| {
        format!(
            "stored value is {} bytes, shorter than its 32-byte hash",
            value.len()
        )
    })?;
    let mut rd = Reader {
        bytes: canonical,
        pos: 0,
    };
    if rd.take(4, "format tag")? != FORMAT_TAG {
        return Err("unknown record format tag".to_string());
    }
    rd.take(8, "global_seq")?;
    let stream_seq = rd.u64("stream_seq")?;
    rd.take(16, "id")?;
    Ok((rd.str("stream")?, stream_seq))
}

pub(crate) fn unframe(value: &[u8]) -> Result<(Hash, &[u8]), String> {
    if value.len() < 32 {
        return Err(format!(
            "stored value is {} bytes, shorter than its 32-byte hash",
            value.len()
        ));
    }
    let (head, rest) = value.split_at(32);
    let mut hash = [0u8; 32];
    hash.copy_from_slice(head);
    Ok((hash, rest))
}

/// Reads the stored value at global position `seq`: it must decode, its hash must recompute and
/// it must say it is record `seq`. Errors are `Corrupt` at `seq`. The only way records are read.
pub(crate) fn open_value(seq: u64, value: &[u8]) -> Result<(Hash, Record), StoreError> {
    open_value_ref(seq, value).map(|(hash, record)| (hash, record.to_owned()))
}

/// `open_value`, reading the record in place.
pub(crate) fn open_value_ref(seq: u64, value: &[u8]) -> Result<(Hash, RecordRef<'_>), StoreError> {
    let (claimed, canonical) = unframe(value).map_err(|w| StoreError::corrupt(seq, w))?;
    let record = decode_ref(canonical)
        .map_err(|w| StoreError::corrupt(seq, format!("record bytes do not decode: {w}")))?;
    let actual = hash_of(canonical);
    if actual != claimed {
        return Err(StoreError::corrupt(
            seq,
            format!(
                "the record's hash does not recompute (stored {}, computed {}): its bytes were altered",
                hex::encode(claimed),
                hex::encode(actual)
            ),
        ));
    }
    if record.global_seq != seq {
        return Err(StoreError::corrupt(
            seq,
            format!(
                "the record stored at position {seq} says it is record {}: records were moved or swapped",
                record.global_seq
            ),
        ));
    }
    Ok((claimed, record))
}

impl Record {
    /// The public form of this record, moving its fields (no copy of the payload).
    pub(crate) fn into_stored(self, hash: &Hash) -> StoredEvent {
        StoredEvent {
            global_seq: self.global_seq,
            stream_seq: self.stream_seq,
            id: self.id,
            stream: self.stream,
            kind: self.kind,
            schema_version: self.schema_version,
            actor: self.actor,
            recorded_at: self.recorded_at,
            payload: self.payload,
            prev_hash: hash_hex(&self.prev_hash),
            hash: hash_hex(hash),
        }
    }

    /// Rebuilds a record from its public form; returns it with the hash it claims.
    pub(crate) fn from_stored(ev: &StoredEvent) -> Result<(Record, Hash), String> {
        let prev_hash = parse_hash(&ev.prev_hash, "prev_hash")?;
        let hash = parse_hash(&ev.hash, "hash")?;
        Ok((
            Record {
                global_seq: ev.global_seq,
                stream_seq: ev.stream_seq,
                id: ev.id,
                stream: ev.stream.clone(),
                kind: ev.kind.clone(),
                schema_version: ev.schema_version,
                actor: ev.actor.clone(),
                recorded_at: ev.recorded_at.clone(),
                prev_hash,
                payload: ev.payload.clone(),
            },
            hash,
        ))
    }
}

/// Parses 64 hex digits into a hash.
pub(crate) fn parse_hash(text: &str, field: &str) -> Result<Hash, String> {
    let bytes =
        hex::decode(text).map_err(|e| format!("{field} {text:?} is not hexadecimal: {e}"))?;
    <Hash>::try_from(bytes.as_slice()).map_err(|_| {
        format!(
            "{field} {text:?} is {} bytes long, a hash is 32 bytes (64 hex digits)",
            bytes.len()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Record {
        Record {
            global_seq: 7,
            stream_seq: 3,
            id: Uuid::from_bytes([9; 16]),
            stream: "E44038000001".into(),
            kind: "MovementRecorded".into(),
            schema_version: 2,
            actor: "clerk@example".into(),
            recorded_at: "2024-05-01T10:00:00Z".into(),
            prev_hash: [1; 32],
            payload: r#"{"qty":"1.50","note":"ü"}"#.into(),
        }
    }

    #[test]
    fn round_trips_and_is_deterministic() {
        let r = sample();
        let a = encode(&r);
        assert_eq!(a, encode(&r));
        assert_eq!(decode(&a).unwrap(), r);
        let h = hash_of(&a);
        let (h2, r2) = open_value(7, &frame(&h, &a)).unwrap();
        assert_eq!((h2, r2), (h, r));
    }

    #[test]
    fn seal_record_is_frame_of_encode() {
        let r = sample();
        let canonical = encode(&r);
        let hash = hash_of(&canonical);
        assert_eq!(seal_record(&r.as_ref()), (hash, frame(&hash, &canonical)));
    }

    #[test]
    fn stream_of_reads_the_stream_and_its_position_from_the_header() {
        let r = sample();
        let (_, value) = seal_record(&r.as_ref());
        assert_eq!(stream_of(&value).unwrap(), ("E44038000001", 3));
        // Cut inside the stream's bytes, or inside the hash: an error, never a guess.
        for cut in [10, 32 + 4 + 8 + 8 + 16 + 4 + 5] {
            assert!(stream_of(&value[..cut]).is_err(), "cut at {cut}");
        }
        let mut other = value.clone();
        other[32] = b'X';
        assert!(stream_of(&other).is_err());
    }

    #[test]
    fn rejects_truncated_and_trailing_bytes() {
        let a = encode(&sample());
        for cut in [0, 3, 10, a.len() - 1] {
            assert!(decode(&a[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = a.clone();
        longer.push(0);
        assert!(decode(&longer).unwrap_err().contains("trailing"));
    }

    #[test]
    fn open_value_names_the_problem() {
        let a = encode(&sample());
        let h = hash_of(&a);
        let mut v = frame(&h, &a);
        let last = v.len() - 1;
        v[last] ^= 1;
        let e = open_value(7, &v).unwrap_err();
        assert!(matches!(e, StoreError::Corrupt { seq: 7, .. }), "{e}");
        let e = open_value(8, &frame(&h, &a)).unwrap_err();
        assert!(e.to_string().contains("says it is record 7"), "{e}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// Arbitrary stored bytes are read or refused as corrupt, never a panic.
        #[test]
        fn any_stored_bytes_are_read_or_refused(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let _ = decode(&bytes);
            if let Err(e) = open_value(3, &bytes) {
                let corrupt_at_3 = matches!(e, StoreError::Corrupt { seq: 3, .. });
                proptest::prop_assert!(corrupt_at_3, "{}", e);
            }
        }

        /// A good record with one byte changed (or cut short) is refused, never misread.
        #[test]
        fn a_damaged_record_is_refused(at in 0usize..1_000, byte in proptest::prelude::any::<u8>(), cut in proptest::prelude::any::<bool>()) {
            let a = encode(&sample());
            let mut v = frame(&hash_of(&a), &a);
            let i = at % v.len();
            if cut {
                v.truncate(i);
            } else if v[i] == byte {
                return Ok(());
            } else {
                v[i] = byte;
            }
            proptest::prop_assert!(open_value(7, &v).is_err());
        }
    }
}
