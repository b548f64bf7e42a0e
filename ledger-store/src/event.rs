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
    pub payload: Vec<u8>,
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
