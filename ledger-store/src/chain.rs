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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{hash_hex, GENESIS_HASH};

    /// Record `seq` of stream `s`, linked to `prev`, sealed with its own valid hash.
    fn sealed(seq: u64, stream_seq: u64, prev: Hash, payload: String) -> StoredEvent {
        let r = Record {
            global_seq: seq,
            stream_seq,
            id: uuid::Uuid::from_u128(u128::from(seq)),
            stream: "s".into(),
            kind: "k".into(),
            schema_version: 1,
            actor: "a".into(),
            recorded_at: "2024-05-01T10:00:00Z".into(),
            prev_hash: prev,
            payload,
        };
        let hash = hash_of(&encode(&r));
        r.into_stored(&hash)
    }

    #[track_caller]
    fn refused(ev: &StoredEvent, expect_seq: u64, prev: &Hash, says: &str) {
        let e = check_imported(ev, expect_seq, prev).expect_err("refused");
        let text = e.to_string();
        assert!(text.contains(says), "{text:?} lacks {says:?}");
        assert!(
            matches!(e, StoreError::ChainBroken { seq, .. } if seq == ev.global_seq),
            "{e:?}"
        );
    }

    /// Records 1 and 2 chained: accepted, each returning its own hash and record.
    #[test]
    fn a_chained_record_is_accepted_with_its_hash() {
        let one = sealed(1, 1, GENESIS_HASH, "{}".into());
        let (h1, r1) = check_imported(&one, 1, &GENESIS_HASH).expect("record 1");
        assert_eq!(hash_hex(&h1), one.hash);
        assert_eq!((r1.global_seq, r1.payload.as_str()), (1, "{}"));
        let two = sealed(2, 2, h1, "[1]".into());
        let (h2, r2) = check_imported(&two, 2, &h1).expect("record 2");
        assert_eq!(hash_hex(&h2), two.hash);
        assert_eq!((r2.global_seq, r2.prev_hash), (2, h1));
    }

    /// Every check refuses at the record's own position, saying what broke.
    #[test]
    fn each_broken_rule_is_refused_at_its_record() {
        let one = sealed(1, 1, GENESIS_HASH, "{}".into());
        refused(&one, 2, &GENESIS_HASH, "expected record 2 next");
        refused(
            &sealed(1, 0, GENESIS_HASH, "{}".into()),
            1,
            &GENESIS_HASH,
            "stream_seq is 0",
        );
        // Re-sealed with a valid hash of its own, but linked to another record.
        refused(&one, 1, &[7; 32], "does not link");
        let mut altered = one.clone();
        altered.payload = "[]".into();
        refused(&altered, 1, &GENESIS_HASH, "altered after export");
    }

    /// A payload of exactly the limit is imported; one byte more is not.
    #[test]
    fn a_payload_at_the_limit_is_imported_and_one_byte_more_is_not() {
        let at_limit = format!("\"{}\"", "x".repeat(MAX_PAYLOAD_BYTES - 2));
        assert_eq!(at_limit.len(), MAX_PAYLOAD_BYTES);
        let ev = sealed(1, 1, GENESIS_HASH, at_limit);
        check_imported(&ev, 1, &GENESIS_HASH).expect("at the limit");
        let over = format!("\"{}\"", "x".repeat(MAX_PAYLOAD_BYTES - 1));
        refused(
            &sealed(1, 1, GENESIS_HASH, over),
            1,
            &GENESIS_HASH,
            "the limit is",
        );
    }
}
