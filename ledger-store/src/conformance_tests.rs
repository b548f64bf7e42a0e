//! One behaviour suite run against every backend (memory, sled and PostgreSQL), so both obey the same rules.

use std::collections::{BTreeMap, HashMap};

use uuid::Uuid;

use crate::{
    export_jsonl, restore_jsonl, AppendOutcome, AppendRequest, EventLog, ExpectedVersion,
    MemoryLog, NewEvent, SledLog, StoreError, StoredEvent, Streamed, MAX_BATCH_EVENTS,
    MAX_BATCH_PAYLOAD_BYTES, MAX_PAYLOAD_BYTES,
};

/// A log plus whatever must outlive it (the sled tempdir). The log drops first.
pub(crate) struct Harness {
    pub log: Box<dyn EventLog>,
    _dir: Option<tempfile::TempDir>,
}

pub(crate) fn memory() -> Harness {
    Harness {
        log: Box::new(MemoryLog::new()),
        _dir: None,
    }
}

pub(crate) fn sled() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let log = SledLog::create(&dir.path().join("store")).unwrap();
    Harness {
        log: Box::new(log),
        _dir: Some(dir),
    }
}

pub(crate) fn postgres() -> Harness {
    let log = crate::PgLog::create(&crate::pg_testing::fresh_url()).unwrap();
    Harness {
        log: Box::new(log),
        _dir: None,
    }
}

pub(crate) fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub(crate) fn ev(n: u128, stream: &str, payload: &str) -> NewEvent {
    NewEvent {
        id: id(n),
        stream: stream.to_string(),
        kind: "MovementRecorded".to_string(),
        schema_version: 1,
        actor: "clerk".to_string(),
        recorded_at: "2024-05-01T10:00:00Z".to_string(),
        payload: payload.into(),
    }
}

pub(crate) fn batch(events: Vec<NewEvent>) -> AppendRequest {
    AppendRequest::new(events)
}

pub(crate) fn all(log: &dyn EventLog) -> Vec<StoredEvent> {
    log.scan(1).collect::<Result<Vec<_>, _>>().unwrap()
}

/// Appends `n` events numbered from `start`, alternating between streams A and B.
pub(crate) fn fill(log: &mut dyn EventLog, start: u128, n: u128) {
    let events = (start..start + n)
        .map(|i| {
            ev(
                i,
                if i % 2 == 0 { "A" } else { "B" },
                &format!("{{\"n\":{i}}}"),
            )
        })
        .collect();
    log.append(batch(events)).unwrap();
}

fn gapless_global_seq(make: fn() -> Harness) {
    let mut h = make();
    let out = h.log.append(batch(vec![])).unwrap();
    assert_eq!((out.appended, out.duplicates, out.head.seq), (0, 0, 0));
    fill(&mut *h.log, 1, 3);
    let out = h
        .log
        .append(batch(vec![ev(10, "C", "1"), ev(11, "C", "[]")]))
        .unwrap();
    assert_eq!((out.appended, out.head.seq), (2, 5));
    assert_eq!(h.log.head(), out.head);
    let seqs: Vec<u64> = all(&*h.log).iter().map(|e| e.global_seq).collect();
    assert_eq!(seqs, vec![1, 2, 3, 4, 5]);
    assert!(h.log.contains(&id(11)).expect("ids"));
    assert!(!h.log.contains(&id(12)).expect("ids"));
}

fn per_stream_seq(make: fn() -> Harness) {
    let mut h = make();
    h.log
        .append(batch(vec![
            ev(1, "A", "{}"),
            ev(2, "B", "{}"),
            ev(3, "A", "{}"),
        ]))
        .unwrap();
    h.log.append(batch(vec![ev(4, "A", "{}")])).unwrap();
    let got: Vec<(String, u64)> = all(&*h.log)
        .into_iter()
        .map(|e| (e.stream, e.stream_seq))
        .collect();
    let want = [("A", 1), ("B", 1), ("A", 2), ("A", 3)].map(|(s, n)| (s.to_string(), n));
    assert_eq!(got, want.to_vec());
    assert_eq!(h.log.stream_version("A"), 3);
    assert_eq!(h.log.stream_version("B"), 1);
    assert_eq!(h.log.stream_version("nope"), 0);
}

fn expected_version(make: fn() -> Harness) {
    let mut h = make();
    let req = batch(vec![ev(1, "A", "{}")]).expect("A", ExpectedVersion::Exact(0));
    h.log.append(req).unwrap();
    let req = batch(vec![ev(2, "A", "{}")])
        .expect("A", ExpectedVersion::Exact(1))
        .expect("B", ExpectedVersion::Any);
    h.log.append(req).unwrap();
    let head = h.log.head();
    let req =
        batch(vec![ev(3, "B", "{}"), ev(4, "A", "{}")]).expect("A", ExpectedVersion::Exact(1));
    let err = h.log.append(req).unwrap_err();
    match &err {
        StoreError::WrongExpectedVersion {
            stream,
            expected,
            actual,
        } => assert_eq!((stream.as_str(), *expected, *actual), ("A", 1, 2)),
        other => panic!("unexpected {other}"),
    }
    assert!(
        err.to_string()
            .contains("nothing of this batch was written"),
        "{err}"
    );
    assert_eq!(h.log.head(), head);
    assert!(!h.log.contains(&id(3)).expect("ids"));
    assert_eq!(h.log.stream_version("B"), 0);
    // An empty batch still checks its expectations.
    let req = batch(vec![]).expect("B", ExpectedVersion::Exact(5));
    assert!(matches!(
        h.log.append(req),
        Err(StoreError::WrongExpectedVersion { .. })
    ));
}

fn duplicate_same_content_skipped(make: fn() -> Harness) {
    let mut h = make();
    h.log
        .append(batch(vec![ev(1, "A", r#"{"q": 1}"#)]))
        .unwrap();
    // Same id, stream, kind and payload (whitespace aside): skipped; also twice within one batch.
    let out = h
        .log
        .append(batch(vec![
            ev(1, "A", r#"{"q":1}"#),
            ev(2, "A", "{}"),
            ev(2, "A", "{ }"),
        ]))
        .unwrap();
    assert_eq!((out.appended, out.duplicates, out.head.seq), (1, 2, 2));
    // A pure retry succeeds even though its expectation is now stale.
    let req = batch(vec![ev(2, "A", "{}")]).expect("A", ExpectedVersion::Exact(1));
    let out = h.log.append(req).unwrap();
    assert_eq!((out.appended, out.duplicates, out.head.seq), (0, 1, 2));
    assert_eq!(all(&*h.log).len(), 2);
}

fn duplicate_different_content_rejected(make: fn() -> Harness) {
    let mut h = make();
    h.log.append(batch(vec![ev(1, "A", "{}")])).unwrap();
    let head = h.log.head();
    let err = h
        .log
        .append(batch(vec![ev(2, "A", "{}"), ev(1, "A", r#"{"x":1}"#)]))
        .unwrap_err();
    assert!(
        matches!(err, StoreError::IdConflict { id: i, seq: 1 } if i == id(1)),
        "{err}"
    );
    let mut other_stream = ev(1, "B", "{}");
    other_stream.kind = "Other".into();
    let err = h.log.append(batch(vec![other_stream])).unwrap_err();
    assert!(
        matches!(err, StoreError::IdConflict { seq: 1, .. }),
        "{err}"
    );
    // Within one batch.
    let err = h
        .log
        .append(batch(vec![
            ev(3, "A", "{}"),
            ev(4, "A", "{}"),
            ev(3, "B", "{}"),
        ]))
        .unwrap_err();
    assert!(
        matches!(err, StoreError::IdConflict { seq: 2, .. }),
        "{err}"
    );
    assert_eq!(h.log.head(), head);
    for n in [2, 3, 4] {
        assert!(!h.log.contains(&id(n)).expect("ids"));
    }
}

fn invalid_input_rejected(make: fn() -> Harness) {
    let mut h = make();
    h.log.append(batch(vec![ev(1, "A", "{}")])).unwrap();
    let head = h.log.head();
    let big = format!("\"{}\"", "x".repeat(MAX_PAYLOAD_BYTES));
    let mut bad_stream = ev(5, "A", "{}");
    bad_stream.stream = "a\tb".into();
    let mut bad_time = ev(5, "A", "{}");
    bad_time.recorded_at = "yesterday".into();
    let mut long_actor = ev(5, "A", "{}");
    long_actor.actor = "x".repeat(129);
    let mut empty_kind = ev(5, "A", "{}");
    empty_kind.kind = String::new();
    for bad in [
        ev(5, "A", "{not json"),
        ev(5, "A", ""),
        ev(5, "A", &big),
        bad_stream,
        bad_time,
        long_actor,
        empty_kind,
    ] {
        let err = h
            .log
            .append(batch(vec![ev(4, "A", "{}"), bad]))
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid { .. }), "{err}");
        assert!(err.to_string().contains("event 2 of the batch"), "{err}");
        assert!(!err.is_integrity());
    }
    assert_eq!(h.log.head(), head);
    assert!(!h.log.contains(&id(4)).expect("ids"));
    let at_limit = format!("\"{}\"", "x".repeat(MAX_PAYLOAD_BYTES - 2));
    h.log.append(batch(vec![ev(6, "A", &at_limit)])).unwrap();
}

fn batch_limit(make: fn() -> Harness) {
    let mut h = make();
    let one = ev(1, "A", "{}");
    let events = vec![one; MAX_BATCH_EVENTS + 1];
    let err = h.log.append(batch(events)).unwrap_err();
    assert!(err.to_string().contains("limit is 500000"), "{err}");
    assert_eq!(h.log.head().seq, 0);
}

fn payload_stored_compact(make: fn() -> Harness) {
    let mut h = make();
    h.log
        .append(batch(vec![ev(
            1,
            "A",
            "{\n  \"note\": \"two  spaces\",\n  \"n\": 1.50\n}\n",
        )]))
        .unwrap();
    assert_eq!(
        all(&*h.log)[0].payload,
        r#"{"note":"two  spaces","n":1.50}"#
    );
}

fn scan_from_middle(make: fn() -> Harness) {
    let mut h = make();
    fill(&mut *h.log, 1, 10);
    let from4: Vec<u64> = h.log.scan(4).map(|e| e.unwrap().global_seq).collect();
    assert_eq!(from4, (4..=10).collect::<Vec<_>>());
    assert_eq!(h.log.scan(10).count(), 1);
    assert_eq!(h.log.scan(11).count(), 0);
    assert_eq!(h.log.scan(0).count(), 10);
    let e7 = h.log.scan(7).next().unwrap().unwrap();
    assert_eq!(e7, all(&*h.log)[6]);
}

/// The replay's scan hands out the records `scan` does, from any position, with the same
/// fields; hashes in hex as `scan` writes them.
fn replay_scan_agrees_with_scan(make: fn() -> Harness) {
    let mut h = make();
    fill(&mut *h.log, 1, 6);
    h.log
        .append(batch(vec![ev(
            50,
            "B2",
            r#"{"note":"中文 \"引号\"","n":1.50}"#,
        )]))
        .unwrap();
    for from in [0, 1, 4, 7, 8] {
        let scanned: Vec<StoredEvent> = h.log.scan(from).map(|e| e.unwrap()).collect();
        let replayed: Vec<crate::ReplayRecord> =
            h.log.scan_replay(from).map(|e| e.unwrap()).collect();
        assert_eq!(scanned.len(), replayed.len(), "from {from}");
        for (s, r) in scanned.iter().zip(&replayed) {
            assert_eq!(r.global_seq, s.global_seq);
            assert_eq!(r.id, s.id);
            assert_eq!(r.stream(), s.stream);
            assert_eq!(r.kind(), s.kind);
            assert_eq!(r.recorded_at(), s.recorded_at);
            assert_eq!(r.payload(), s.payload);
            assert_eq!(r.hash_hex(), s.hash);
        }
    }
    assert_eq!(
        h.log.scan_replay(7).next().unwrap().unwrap().payload(),
        r#"{"note":"中文 \"引号\"","n":1.50}"#
    );
}

fn hash_chain_links(make: fn() -> Harness) {
    let mut h = make();
    fill(&mut *h.log, 1, 3);
    fill(&mut *h.log, 10, 2);
    let events = all(&*h.log);
    assert_eq!(events[0].prev_hash, "0".repeat(64));
    for pair in events.windows(2) {
        assert_eq!(pair[1].prev_hash, pair[0].hash);
        assert_ne!(pair[1].hash, pair[0].hash);
    }
    assert_eq!(events[4].hash, hex::encode(h.log.head().hash));
}

fn export_restore_roundtrip(make: fn() -> Harness) {
    let mut h = make();
    fill(&mut *h.log, 1, 25);
    h.log
        .append(batch(vec![ev(
            100,
            "reference",
            r#"{"text":"line\nbreak é"}"#,
        )]))
        .unwrap();
    let mut out = Vec::new();
    assert_eq!(export_jsonl(&*h.log, &mut out).unwrap(), 26);
    let text = String::from_utf8(out.clone()).unwrap();
    assert_eq!(text.lines().count(), 26);
    assert!(
        text.lines()
            .next()
            .unwrap()
            .contains(r#""payload":{"n":1}"#),
        "{text}"
    );

    let mut fresh = make();
    let head = restore_jsonl(&mut out.as_slice(), &mut *fresh.log).unwrap();
    assert_eq!(head, h.log.head());
    assert_eq!(fresh.log.head(), h.log.head());
    assert_eq!(all(&*fresh.log), all(&*h.log));
    assert_eq!(fresh.log.stream_version("A"), h.log.stream_version("A"));
    assert!(fresh.log.contains(&id(100)).expect("ids"));
    assert_eq!(fresh.log.verify().unwrap().events, 26);
    let mut again = Vec::new();
    export_jsonl(&*fresh.log, &mut again).unwrap();
    assert_eq!(again, out);
    // The restored log keeps working, and idempotency survived.
    let out2 = fresh
        .log
        .append(batch(vec![ev(5, "B", r#"{"n":5}"#), ev(200, "A", "{}")]))
        .unwrap();
    assert_eq!((out2.appended, out2.duplicates, out2.head.seq), (1, 1, 27));
}

fn restore_tampered_line_fails(make: fn() -> Harness) {
    let mut h = make();
    fill(&mut *h.log, 1, 5);
    let mut out = Vec::new();
    export_jsonl(&*h.log, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();

    let tampered: String = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i == 2 {
                l.replace("\"actor\":\"clerk\"", "\"actor\":\"mallory\"")
            } else {
                l.to_string()
            }
        })
        .map(|l| l + "\n")
        .collect();
    let mut fresh = make();
    let err = restore_jsonl(&mut tampered.as_bytes(), &mut *fresh.log).unwrap_err();
    assert!(matches!(err, StoreError::Restore { line: 3, .. }), "{err}");
    assert!(err.to_string().contains("line 3"), "{err}");
    assert!(err.is_integrity());

    let dropped = format!("{}\n{}\n{}\n", lines[0], lines[1], lines[3]);
    let mut fresh = make();
    let err = restore_jsonl(&mut dropped.as_bytes(), &mut *fresh.log).unwrap_err();
    assert!(matches!(err, StoreError::Restore { line: 3, .. }), "{err}");
    assert!(err.is_integrity());

    let garbage = format!("{}\n\n{{oops\n", lines[0]);
    let mut fresh = make();
    let err = restore_jsonl(&mut garbage.as_bytes(), &mut *fresh.log).unwrap_err();
    assert!(matches!(err, StoreError::Restore { line: 3, .. }), "{err}");
    assert!(!err.is_integrity());
}

fn import_checks_chain(make: fn() -> Harness) {
    let mut h = make();
    fill(&mut *h.log, 1, 4);
    let events = all(&*h.log);
    let mut fresh = make();
    // Not starting at record 1.
    let err = fresh.log.import(events[1..].to_vec()).unwrap_err();
    assert!(
        matches!(err, StoreError::ChainBroken { seq: 2, .. }),
        "{err}"
    );
    // Altered hash.
    let mut bad = events.clone();
    bad[1].hash = "ab".repeat(32);
    let err = fresh.log.import(bad).unwrap_err();
    assert!(
        matches!(err, StoreError::ChainBroken { seq: 2, .. }),
        "{err}"
    );
    assert!(err.is_integrity());
    assert_eq!(fresh.log.head().seq, 0);
    // In two halves is fine; importing the same again is not.
    fresh.log.import(events[..2].to_vec()).unwrap();
    fresh.log.import(events[2..].to_vec()).unwrap();
    assert_eq!(fresh.log.head(), h.log.head());
    let err = fresh.log.import(events[3..].to_vec()).unwrap_err();
    assert!(matches!(err, StoreError::ChainBroken { .. }), "{err}");
}

fn verify_ok(make: fn() -> Harness) {
    let mut h = make();
    let empty = h.log.verify().unwrap();
    assert_eq!((empty.events, empty.head), (0, crate::Head::EMPTY));
    fill(&mut *h.log, 1, 7);
    let report = h.log.verify().unwrap();
    assert_eq!(report.events, 7);
    assert_eq!(report.head, h.log.head());
}

/// Streams `events` into `log` as one append, with `Streamed::Commit` at the end when `commit`.
pub(crate) fn stream(
    log: &mut dyn EventLog,
    expected: &HashMap<String, u64>,
    events: Vec<NewEvent>,
    commit: bool,
) -> Result<AppendOutcome, StoreError> {
    let end = commit.then_some(Streamed::Commit);
    let mut items = events.into_iter().map(Streamed::Event).chain(end);
    log.append_stream(expected, &mut items)
}

pub(crate) fn versions(pairs: &[(&str, u64)]) -> HashMap<String, u64> {
    pairs.iter().map(|(s, v)| (s.to_string(), *v)).collect()
}

/// Many events over three streams (more than one backend stage), with retries of stored
/// events and of events earlier in the same append among them.
pub(crate) fn mixed_events(from: u128, n: u128) -> Vec<NewEvent> {
    let mut events = Vec::new();
    for i in from..from + n {
        let stream = ["A", "B", "C"][(i % 3) as usize];
        events.push(ev(
            i,
            stream,
            &format!(
                "{{\"n\":{i}, \"pad\":\"{}\"}}",
                "p".repeat((i % 40) as usize)
            ),
        ));
        if i % 97 == 0 {
            // A retry of an event stored before this append (ids 1..=5 are), and of one
            // earlier in it.
            events.push(ev(3, "B", r#"{"n":3}"#));
            events.push(events[events.len() - 2].clone());
        }
    }
    events
}

/// What a log holds, everything a reader can see.
pub(crate) fn state(log: &dyn EventLog) -> (crate::Head, Vec<StoredEvent>, [u64; 4]) {
    (
        log.head(),
        all(log),
        ["A", "B", "C", "D"].map(|s| log.stream_version(s)),
    )
}

fn stream_equals_append(make: fn() -> Harness) {
    let mut appended = make();
    let mut streamed = make();
    fill(&mut *appended.log, 1, 5);
    fill(&mut *streamed.log, 1, 5);
    let events = mixed_events(10, 700);
    let expected: BTreeMap<String, ExpectedVersion> = [("A", 2), ("B", 3), ("C", 0)]
        .into_iter()
        .map(|(s, v)| (s.to_string(), ExpectedVersion::Exact(v)))
        .collect();
    let want = appended
        .log
        .append(AppendRequest {
            events: events.clone(),
            expected,
        })
        .unwrap();
    let got = stream(
        &mut *streamed.log,
        &versions(&[("A", 2), ("B", 3)]),
        events,
        true,
    )
    .unwrap();
    assert_eq!(got, want);
    assert_eq!((got.appended, got.duplicates), (700, 14));
    assert_eq!(state(&*streamed.log), state(&*appended.log));
    assert_eq!(
        streamed.log.verify().unwrap(),
        appended.log.verify().unwrap()
    );
    // Both go on alike.
    fill(&mut *appended.log, 1_000, 3);
    fill(&mut *streamed.log, 1_000, 3);
    assert_eq!(streamed.log.head(), appended.log.head());
    // An empty append, and a retry of stored events only, change nothing.
    let out = stream(&mut *streamed.log, &HashMap::new(), vec![], true).unwrap();
    assert_eq!(
        (out.appended, out.duplicates, out.head),
        (0, 0, appended.log.head())
    );
    let out = stream(
        &mut *streamed.log,
        &HashMap::new(),
        mixed_events(10, 3),
        true,
    )
    .unwrap();
    assert_eq!((out.appended, out.duplicates), (0, 3));
    assert_eq!(state(&*streamed.log), state(&*appended.log));
}

fn stream_abandoned_leaves_the_log_as_before(make: fn() -> Harness) {
    let mut h = make();
    fill(&mut *h.log, 1, 5);
    let before = state(&*h.log);
    let expected = versions(&[("A", 2), ("B", 3)]);
    // The producer stops without committing: after many events, after none.
    for events in [mixed_events(10, 700), vec![]] {
        let err = stream(&mut *h.log, &expected, events, false).unwrap_err();
        assert!(matches!(err, StoreError::Abandoned), "{err}");
        assert!(
            err.to_string().contains("nothing of it was recorded"),
            "{err}"
        );
        assert!(!err.is_integrity());
        assert_eq!(state(&*h.log), before);
        assert!(!h.log.contains(&id(10)).expect("ids"));
        assert_eq!(h.log.verify().unwrap().events, 5);
    }
    // A fault late in the stream (after several stages) abandons it too.
    let mut events = mixed_events(10, 700);
    events.push(ev(12, "A", r#"{"other":true}"#));
    let err = stream(&mut *h.log, &expected, events, true).unwrap_err();
    assert!(
        matches!(err, StoreError::IdConflict { seq: 8, .. }),
        "{err}"
    );
    assert_eq!(state(&*h.log), before);
    assert_eq!(h.log.verify().unwrap().events, 5);
    // The next append gets the next position; the abandoned events can be appended later.
    let out = h.log.append(batch(vec![ev(10, "D", "{}")])).unwrap();
    assert_eq!((out.appended, out.head.seq), (1, 6));
    let out = stream(
        &mut *h.log,
        &versions(&[("A", 2), ("B", 3)]),
        mixed_events(11, 300),
        true,
    )
    .unwrap();
    assert_eq!((out.appended, out.head.seq), (300, 306));
    assert_eq!(h.log.verify().unwrap().events, 306);
    let seqs: Vec<u64> = all(&*h.log).iter().map(|e| e.global_seq).collect();
    assert_eq!(seqs, (1..=306).collect::<Vec<_>>());
}

fn stream_expected_version(make: fn() -> Harness) {
    let mut h = make();
    fill(&mut *h.log, 1, 3); // A: 1, B: 2
    let before = state(&*h.log);
    // A stream not named is expected empty.
    let err = stream(
        &mut *h.log,
        &versions(&[("B", 2)]),
        vec![ev(10, "B", "{}"), ev(11, "A", "{}")],
        true,
    )
    .unwrap_err();
    match &err {
        StoreError::WrongExpectedVersion {
            stream,
            expected,
            actual,
        } => assert_eq!((stream.as_str(), *expected, *actual), ("A", 0, 1)),
        other => panic!("unexpected {other}"),
    }
    assert!(
        err.to_string()
            .contains("nothing of this batch was written"),
        "{err}"
    );
    assert_eq!(state(&*h.log), before);
    // A stale version.
    let err = stream(
        &mut *h.log,
        &versions(&[("A", 1), ("B", 1)]),
        vec![ev(10, "B", "{}")],
        true,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::WrongExpectedVersion {
                expected: 1,
                actual: 2,
                ..
            }
        ),
        "{err}"
    );
    // A stream touched only by a retry is checked too, unless the whole append is a retry.
    let err = stream(
        &mut *h.log,
        &versions(&[("A", 1)]),
        vec![ev(1, "B", r#"{"n":1}"#), ev(10, "A", "{}")],
        true,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::WrongExpectedVersion {
                expected: 0,
                actual: 2,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(state(&*h.log), before);
    let out = stream(
        &mut *h.log,
        &HashMap::new(),
        vec![ev(1, "B", r#"{"n":1}"#)],
        true,
    )
    .unwrap();
    assert_eq!((out.appended, out.duplicates, out.head), (0, 1, before.0));
    // Right versions: written, each stream's seqs continuing.
    let out = stream(
        &mut *h.log,
        &versions(&[("A", 1), ("B", 2)]),
        vec![ev(10, "B", "{}"), ev(11, "A", "{}"), ev(12, "C", "{}")],
        true,
    )
    .unwrap();
    assert_eq!((out.appended, out.head.seq), (3, 6));
    assert_eq!(["A", "B", "C"].map(|s| h.log.stream_version(s)), [2, 3, 1]);
}

fn stream_duplicates_and_conflicts(make: fn() -> Harness) {
    let mut h = make();
    h.log
        .append(batch(vec![ev(1, "A", r#"{"q": 1}"#)]))
        .unwrap();
    // Same id, stream, kind and payload (whitespace aside): skipped; also twice within one append.
    let out = stream(
        &mut *h.log,
        &versions(&[("A", 1)]),
        vec![
            ev(1, "A", r#"{"q":1}"#),
            ev(2, "A", "{}"),
            ev(2, "A", "{ }"),
        ],
        true,
    )
    .unwrap();
    assert_eq!((out.appended, out.duplicates, out.head.seq), (1, 2, 2));
    let head = h.log.head();
    // A different event with a stored id.
    let err = stream(
        &mut *h.log,
        &versions(&[("A", 2)]),
        vec![ev(3, "A", "{}"), ev(1, "A", r#"{"x":1}"#)],
        true,
    )
    .unwrap_err();
    assert!(
        matches!(err, StoreError::IdConflict { id: i, seq: 1 } if i == id(1)),
        "{err}"
    );
    let mut other_kind = ev(2, "A", "{}");
    other_kind.kind = "Other".into();
    let err = stream(&mut *h.log, &versions(&[("A", 2)]), vec![other_kind], true).unwrap_err();
    assert!(
        matches!(err, StoreError::IdConflict { seq: 2, .. }),
        "{err}"
    );
    // With an id used earlier in the same append, even many records earlier.
    let mut events: Vec<NewEvent> = (10..400).map(|i| ev(i, "A", "{}")).collect();
    events.push(ev(10, "B", "{}"));
    let err = stream(&mut *h.log, &versions(&[("A", 2)]), events, true).unwrap_err();
    assert!(
        matches!(err, StoreError::IdConflict { seq: 3, .. }),
        "{err}"
    );
    assert_eq!(h.log.head(), head);
    for n in [3, 10, 11] {
        assert!(!h.log.contains(&id(n)).expect("ids"));
    }
    assert_eq!(h.log.verify().unwrap().events, 2);
}

fn stream_limits(make: fn() -> Harness) {
    let mut h = make();
    h.log.append(batch(vec![ev(1, "A", "{}")])).unwrap();
    let head = h.log.head();
    let big = format!("\"{}\"", "x".repeat(MAX_PAYLOAD_BYTES));
    let mut bad_time = ev(5, "A", "{}");
    bad_time.recorded_at = "yesterday".into();
    for bad in [ev(5, "A", "{not json"), ev(5, "A", &big), bad_time] {
        let err = stream(
            &mut *h.log,
            &versions(&[("A", 1)]),
            vec![ev(4, "A", "{}"), bad],
            true,
        )
        .unwrap_err();
        assert!(matches!(err, StoreError::Invalid { .. }), "{err}");
        assert!(err.to_string().contains("event 2 of the batch"), "{err}");
    }
    // Too many events: counted as they arrive (retries too), refused at the first too many.
    let mut n = 0usize;
    let mut items = std::iter::from_fn(|| {
        n += 1;
        Some(if n <= MAX_BATCH_EVENTS + 1 {
            Streamed::Event(ev(2, "A", "{}"))
        } else {
            Streamed::Commit
        })
    });
    let err = h
        .log
        .append_stream(&versions(&[("A", 1)]), &mut items)
        .unwrap_err();
    assert!(err.to_string().contains("limit is 500000"), "{err}");
    assert_eq!(h.log.head(), head);
    assert!(!h.log.contains(&id(2)).expect("ids") && !h.log.contains(&id(4)).expect("ids"));
    assert_eq!(h.log.verify().unwrap().events, 1);
}

macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod memory_backend {
            $( #[test] fn $name() { super::$name(super::memory); } )*
        }
        mod sled_backend {
            $( #[test] fn $name() { super::$name(super::sled); } )*
        }
        mod postgres_backend {
            $( #[test] fn $name() { super::$name(super::postgres); } )*
        }
    };
}

suite!(
    gapless_global_seq,
    per_stream_seq,
    expected_version,
    duplicate_same_content_skipped,
    duplicate_different_content_rejected,
    invalid_input_rejected,
    batch_limit,
    payload_stored_compact,
    scan_from_middle,
    replay_scan_agrees_with_scan,
    hash_chain_links,
    export_restore_roundtrip,
    restore_tampered_line_fails,
    import_checks_chain,
    verify_ok,
    stream_equals_append,
    stream_abandoned_leaves_the_log_as_before,
    stream_expected_version,
    stream_duplicates_and_conflicts,
    stream_limits,
);

/// The payload limit of a streamed append, counted as the events arrive. One backend is
/// enough (the rule is the engine's, which both share): 4,097 payloads of 64 KiB are checked.
#[test]
fn stream_payload_limit() {
    let mut log = MemoryLog::new();
    // Too many payload bytes, counted as they arrive.
    let payload = format!("\"{}\"", "x".repeat(MAX_PAYLOAD_BYTES - 2));
    let over = MAX_BATCH_PAYLOAD_BYTES / MAX_PAYLOAD_BYTES + 1;
    let mut n = 0usize;
    let mut items = std::iter::from_fn(|| {
        n += 1;
        Some(if n <= over {
            Streamed::Event(ev(3, "A", &payload))
        } else {
            Streamed::Commit
        })
    });
    let err = log.append_stream(&HashMap::new(), &mut items).unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("reached at event {over}")),
        "{err}"
    );
    assert_eq!(log.head().seq, 0);
}

#[test]
fn expected_map_type_is_public() {
    let mut expected = BTreeMap::new();
    expected.insert("A".to_string(), ExpectedVersion::Exact(0));
    let req = AppendRequest {
        events: vec![ev(1, "A", "{}")],
        expected,
    };
    let mut log = MemoryLog::new();
    assert_eq!(log.append(req).unwrap().appended, 1);
}
