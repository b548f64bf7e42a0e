//! The event shapes: what a caller hands in (`NewEvent`) and what the log hands back (`StoredEvent`).

use serde::{Deserialize, Serialize};

/// A SHA-256 digest: the hash of one record's canonical bytes.
pub type Hash = [u8; 32];

/// The `prev_hash` of record 1.
pub const GENESIS_HASH: Hash = [0u8; 32];

/// An event the caller wants appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// Client-chosen id; the idempotency key.
    pub id: uuid::Uuid,
    /// The stream the event belongs to, e.g. a book number; 1..=64 chars, no control chars.
    pub stream: String,
    /// The event type name, e.g. "MovementRecorded"; 1..=64 chars, no control chars.
    pub kind: String,
    pub schema_version: u32,
    /// Who acted; 1..=128 chars, no control chars.
    pub actor: String,
    /// RFC 3339 timestamp chosen by the caller (the store has no clock).
    pub recorded_at: String,
    /// One JSON document, at most `MAX_PAYLOAD_BYTES`. It is stored in compact form
    /// (whitespace outside strings removed) so that every exported record is one line.
    pub payload: Payload,
}

/// An event's payload: JSON bytes as a caller gives them (`From<Vec<u8>>`: the store reads
/// them to check they are one JSON document, and stores them compact), or as serde_json wrote
/// them from a value (`Payload::serialize`): valid and compact JSON by construction, so the
/// store does not read them back — on a large load that is a JSON parse per event saved.
/// The bytes cannot be changed once made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Payload {
    bytes: Vec<u8>,
    /// Written by serde_json (`serialize`).
    written: bool,
}

impl Payload {
    /// `value` as serde_json writes it, in a buffer of `capacity` bytes to start with.
    pub fn serialize<T: Serialize + ?Sized>(
        value: &T,
        capacity: usize,
    ) -> Result<Payload, serde_json::Error> {
        let mut bytes = Vec::with_capacity(capacity);
        serde_json::to_writer(&mut bytes, value)?;
        Ok(Payload {
            bytes,
            written: true,
        })
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The bytes, and whether serde_json wrote them.
    pub(crate) fn into_parts(self) -> (Vec<u8>, bool) {
        (self.bytes, self.written)
    }
}

impl From<Vec<u8>> for Payload {
    fn from(bytes: Vec<u8>) -> Self {
        Payload {
            bytes,
            written: false,
        }
    }
}

impl From<&str> for Payload {
    fn from(text: &str) -> Self {
        Payload::from(text.as_bytes().to_vec())
    }
}

/// Lower-case hex of a hash: 64 characters.
pub fn hash_hex(hash: &Hash) -> String {
    let mut out = [0u8; 64];
    // 64 bytes for 32: the only way `encode_to_slice` can fail is a wrong-sized buffer.
    let _ = hex::encode_to_slice(hash, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// A record as a replay reads it (`EventLog::scan_replay`): checked as `scan` checks every
/// record (position, hash, link to the one before), with the text fields a replay needs copied
/// into one string (found to be UTF-8 once, when the record was read; the stored bytes are
/// let go at once) — a replay reads a million of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayRecord {
    pub global_seq: u64,
    pub id: uuid::Uuid,
    /// This record's hash.
    pub hash: Hash,
    /// The stream, the kind, the recorded-at and the payload, one after the other.
    text: String,
    kind_at: usize,
    recorded_at_at: usize,
    payload_at: usize,
}

impl ReplayRecord {
    /// The stream the event belongs to.
    pub fn stream(&self) -> &str {
        self.text.get(..self.kind_at).unwrap_or_default()
    }

    /// The event type name.
    pub fn kind(&self) -> &str {
        self.text
            .get(self.kind_at..self.recorded_at_at)
            .unwrap_or_default()
    }

    /// When the event was recorded (RFC 3339).
    pub fn recorded_at(&self) -> &str {
        self.text
            .get(self.recorded_at_at..self.payload_at)
            .unwrap_or_default()
    }

    /// The payload: JSON text, exactly as stored.
    pub fn payload(&self) -> &str {
        self.text.get(self.payload_at..).unwrap_or_default()
    }

    /// Lower-case hex of this record's hash.
    pub fn hash_hex(&self) -> String {
        hash_hex(&self.hash)
    }

    /// The record `record` (checked), its text fields copied out of the stored bytes.
    pub(crate) fn of(hash: &Hash, record: &crate::codec::RecordRef<'_>) -> Self {
        let fields = [
            record.stream,
            record.kind,
            record.recorded_at,
            record.payload,
        ];
        let mut text = String::with_capacity(fields.iter().map(|f| f.len()).sum());
        let mut ends = [0usize; 4];
        for (field, end) in fields.iter().zip(ends.iter_mut()) {
            text.push_str(field);
            *end = text.len();
        }
        let [kind_at, recorded_at_at, payload_at, _] = ends;
        ReplayRecord {
            global_seq: record.global_seq,
            id: record.id,
            hash: *hash,
            text,
            kind_at,
            recorded_at_at,
            payload_at,
        }
    }
}

/// An event as stored: the caller's fields plus its positions and hash-chain links.
///
/// Serialized as one JSON object; `payload` is embedded as JSON, not as a quoted string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredEvent {
    /// 1, 2, 3 … gapless over the whole log.
    pub global_seq: u64,
    /// 1, 2, 3 … gapless within the stream.
    pub stream_seq: u64,
    pub id: uuid::Uuid,
    pub stream: String,
    pub kind: String,
    pub schema_version: u32,
    pub actor: String,
    pub recorded_at: String,
    /// The payload: raw JSON text, exactly the stored bytes.
    #[serde(with = "raw_json")]
    pub payload: String,
    /// Lower-case hex of the previous record's hash (all zeros for record 1).
    pub prev_hash: String,
    /// Lower-case hex of this record's hash.
    pub hash: String,
}

/// Serializes a `String` holding JSON text as embedded JSON, and reads embedded JSON back verbatim.
mod raw_json {
    use serde::de::Error as _;
    use serde::ser::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::value::RawValue;

    pub fn serialize<S: Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
        let raw: &RawValue = serde_json::from_str(text)
            .map_err(|e| S::Error::custom(format!("the payload is not valid JSON: {e}")))?;
        raw.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)
            .map_err(|e| D::Error::custom(format!("the payload is not embedded JSON: {e}")))?;
        Ok(raw.get().to_string())
    }
}
