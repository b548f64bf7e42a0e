//! Checks that an exported event continues a hash chain: shared by `import` and `restore_jsonl`.

use crate::codec::{encode, hash_of, Record};
use crate::error::StoreError;
use crate::event::{Hash, StoredEvent};
use crate::validate::{
    check_json, check_recorded_at, check_text, MAX_ACTOR_CHARS, MAX_KIND_CHARS, MAX_PAYLOAD_BYTES,
    MAX_STREAM_CHARS,
};

/// Checks `ev` is record `expect_seq`, links to `prev`, obeys the field rules and hashes to the
/// hash it claims. Returns that hash and the decoded record; errors are `ChainBroken` at the event's seq.
pub(crate) fn check_imported(
    ev: &StoredEvent,
    expect_seq: u64,
    prev: &Hash,
) -> Result<(Hash, Record), StoreError> {
    let seq = ev.global_seq;
    if seq != expect_seq {
        return Err(StoreError::chain(
            seq,
            format!("expected record {expect_seq} next but got record {seq}: records are missing, repeated or out of order"),
        ));
    }
    let fields = check_text("stream", &ev.stream, MAX_STREAM_CHARS)
        .and_then(|()| check_text("kind", &ev.kind, MAX_KIND_CHARS))
        .and_then(|()| check_text("actor", &ev.actor, MAX_ACTOR_CHARS))
        .and_then(|()| check_recorded_at(&ev.recorded_at))
        .and_then(|()| {
            if ev.payload.len() > MAX_PAYLOAD_BYTES {
                Err(format!(
                    "payload is {} bytes; the limit is {MAX_PAYLOAD_BYTES}",
                    ev.payload.len()
                ))
            } else {
                check_json(&ev.payload)
            }
        });
    fields.map_err(|w| StoreError::chain(seq, format!("the event breaks a field rule: {w}")))?;
    if ev.stream_seq == 0 {
        return Err(StoreError::chain(
            seq,
            "stream_seq is 0; streams count from 1",
        ));
    }
    let (record, claimed) = Record::from_stored(ev).map_err(|w| StoreError::chain(seq, w))?;
    if &record.prev_hash != prev {
        return Err(StoreError::chain(
            seq,
            format!(
                "prev_hash {} does not link to the previous record's hash {}",
                ev.prev_hash,
                hex::encode(prev)
            ),
        ));
    }
    let actual = hash_of(&encode(&record));
    if actual != claimed {
        return Err(StoreError::chain(
            seq,
            format!(
                "the event hashes to {} but says {}: it was altered after export",
                hex::encode(actual),
                ev.hash
            ),
        ));
    }
    Ok((actual, record))
}
