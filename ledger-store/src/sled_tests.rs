//! Tests only the sled backend needs: reopening, locking, open-time checks and injected corruption.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::baseline::StoredRecords;
use crate::conformance::{all, batch, ev, fill, id, mixed_events, state, stream, versions};
use crate::layout::{key_seq, open_db, seq_key, DEFAULT_CACHE_BYTES, ID, RECORD, STAGED_KEY};
use crate::{fault, EventLog, NewEvent, SledLog, SledOptions, StoreError, Streamed};

fn store_with(n: u128) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    let mut log = SledLog::create(&dir).unwrap();
    fill(&mut log, 1, n);
    (tmp, dir)
}

fn corrupt_seq(err: &StoreError) -> u64 {
    match err {
        StoreError::Corrupt { seq, .. } => *seq,
        other => panic!("expected Corrupt, got {other}"),
    }
}

#[test]
fn reopen_keeps_everything_and_idempotency() {
    let (_tmp, dir) = store_with(6);
    let (head, events) = {
        let log = SledLog::open(&dir).unwrap();
        (log.head(), all(&log))
    };
    let mut log = SledLog::open(&dir).unwrap();
    assert_eq!(log.head(), head);
    assert_eq!(all(&log), events);
    assert_eq!(log.stream_version("A"), 3);
    assert!(log.contains(&id(6)).expect("ids"));
    let out = log
        .append(batch(vec![ev(6, "A", r#"{"n":6}"#), ev(7, "B", "{}")]))
        .unwrap();
    assert_eq!((out.appended, out.duplicates, out.head.seq), (1, 1, 7));
    let err = log.append(batch(vec![ev(6, "A", "{}")])).unwrap_err();
    assert!(
        matches!(err, StoreError::IdConflict { seq: 6, .. }),
        "{err}"
    );
    drop(log);
    let log = SledLog::open(&dir).unwrap();
    assert_eq!(log.verify().unwrap().events, 7);
    assert_eq!(log.stream_version("B"), 4);
}

#[test]
fn second_open_is_refused_with_owner_pid() {
    let (_tmp, dir) = store_with(1);
    let _first = SledLog::open(&dir).unwrap();
    let err = SledLog::open(&dir).err().unwrap();
    match &err {
        StoreError::InUse { pid, .. } => assert_eq!(*pid, Some(std::process::id())),
        other => panic!("expected InUse, got {other}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("is in use by process {}", std::process::id())),
        "{msg}"
    );
    assert!(msg.contains(&dir.display().to_string()), "{msg}");
}

#[test]
fn create_and_open_refuse_the_wrong_directory() {
    let (tmp, dir) = store_with(1);
    let err = SledLog::create(&dir).err().unwrap();
    assert!(matches!(err, StoreError::AlreadyExists { .. }), "{err}");

    let other = tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("notes.txt"), "hi").unwrap();
    assert!(matches!(
        SledLog::create(&other),
        Err(StoreError::AlreadyExists { .. })
    ));
    assert!(matches!(
        SledLog::open(&other),
        Err(StoreError::NotAStore { .. })
    ));

    let missing = tmp.path().join("missing");
    let err = SledLog::open(&missing).err().unwrap();
    assert!(matches!(err, StoreError::NotAStore { .. }), "{err}");
    assert!(!missing.exists(), "open must not create a store");

    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert!(matches!(
        SledLog::open(&empty),
        Err(StoreError::NotAStore { .. })
    ));
    let log = SledLog::create(&empty).unwrap();
    assert_eq!(log.head().seq, 0);
}

/// Damages a 5-record store with `hurt`, then checks open/verify/scan report `want` as the first bad record.
fn check_fault(hurt: impl FnOnce(&Path), want: u64, open_fails: bool) {
    let (_tmp, dir) = store_with(5);
    hurt(&dir);
    let opened = SledLog::open(&dir);
    assert_eq!(
        opened.is_err(),
        open_fails,
        "open result: {:?}",
        opened.as_ref().err()
    );
    if let Err(e) = &opened {
        assert!(e.is_integrity(), "{e}");
    }
    drop(opened);
    let log = SledLog::open_unchecked(&dir).unwrap();
    let err = log.verify().unwrap_err();
    assert!(err.is_integrity());
    assert_eq!(corrupt_seq(&err), want, "{err}");
    // No read path serves a bad record: the scan stops with an error at or before it.
    let scanned: Vec<_> = log.scan(1).collect();
    let bad = scanned.iter().position(|r| r.is_err()).unwrap();
    assert!((bad as u64) < want, "scan served record {want}");
    assert_eq!(scanned.len(), bad + 1);
    // Nor does the replay's scan: it stops at the same record with the same error.
    let replayed: Vec<_> = log.scan_replay(1).collect();
    assert_eq!(replayed.len(), scanned.len());
    let (Some(Err(a)), Some(Err(b))) = (scanned.last(), replayed.last()) else {
        panic!("both scans end in an error");
    };
    assert_eq!(a.to_string(), b.to_string());
}

/// A store whose id-index entry (records 1..=5 share one) is cut short behind its back.
fn cut_id_index(dir: &Path) {
    let db = open_db(dir, DEFAULT_CACHE_BYTES).unwrap();
    let key = seq_key(ID, 1);
    let entry = db.get(key).unwrap().unwrap();
    db.insert(key, &entry[..16 * 3]).unwrap();
    db.flush().unwrap();
}

#[test]
fn a_damaged_id_index_is_caught_by_verify_and_stops_writes_but_not_reads() {
    let (_tmp, dir) = store_with(5);
    cut_id_index(&dir);
    // The index is read when first needed, not at open: a reader's replay checks every
    // record without it and serves nothing it has not checked.
    let mut log = SledLog::open(&dir).unwrap();
    assert_eq!(log.scan_replay(1).filter(|r| r.is_ok()).count(), 5);
    let err = log.verify().unwrap_err();
    assert!(err.is_integrity(), "{err}");
    assert_eq!(corrupt_seq(&err), 4, "{err}");
    assert!(err.to_string().contains("id index"), "{err}");
    let err = log.contains(&id(1)).unwrap_err();
    assert_eq!(corrupt_seq(&err), 4, "{err}");
    let err = log
        .append(batch(vec![ev(6, "S-1", "{\"n\":6}")]))
        .unwrap_err();
    assert!(err.is_integrity(), "{err}");
    assert_eq!(log.head().seq, 5, "nothing was written");
}

/// One id of the index altered in place (its count still right, the id used nowhere else):
/// verify finds the record whose id the index no longer maps, at its position.
#[test]
fn an_altered_id_in_the_index_is_caught_by_verify_at_its_record() {
    let (_tmp, dir) = store_with(5);
    {
        let db = open_db(&dir, DEFAULT_CACHE_BYTES).unwrap();
        let key = seq_key(ID, 1);
        let mut entry = db.get(key).unwrap().unwrap().to_vec();
        // Record 3's id: bytes 32..48 of the entry of records 1….
        entry[40] ^= 0xff;
        db.insert(key, entry).unwrap();
        db.flush().unwrap();
    }
    let log = SledLog::open(&dir).unwrap();
    let err = log.verify().unwrap_err();
    assert!(err.is_integrity(), "{err}");
    assert_eq!(corrupt_seq(&err), 3, "{err}");
    assert!(err.to_string().contains("does not map"), "{err}");
}

#[test]
fn the_id_index_is_read_once_and_kept_in_step_with_appends() {
    let (_tmp, dir) = store_with(5);
    let mut log = SledLog::open(&dir).unwrap();
    // An append before the index is read: the index, read afterwards, holds it.
    fill(&mut log, 6, 2);
    assert!(log.contains(&id(7)).unwrap());
    assert!(log.contains(&id(1)).unwrap());
    // And one after: added to the index in memory.
    fill(&mut log, 8, 1);
    assert!(log.contains(&id(8)).unwrap());
    assert!(!log.contains(&id(9)).unwrap());
    log.verify().unwrap();
}

#[test]
fn sleds_file_lock_is_seen_by_a_lock_of_our_own_and_fault_hooks_wait_for_its_release() {
    // What `fault::close` relies on: while sled holds the store, a lock on its file fails.
    let (_tmp, dir) = store_with(5);
    let db = open_db(&dir, DEFAULT_CACHE_BYTES).unwrap();
    let file = std::fs::File::open(dir.join("db")).unwrap();
    assert!(file.try_lock().is_err(), "sled's lock was not seen");
    drop(file);
    drop(db);
    // A hook returns only once the lock is free: another process could open the store now.
    fault::flip_byte(&dir, 2).unwrap();
    let file = std::fs::File::open(dir.join("db")).unwrap();
    assert!(
        file.try_lock().is_ok(),
        "the hook returned with the store still locked"
    );
}

#[test]
fn flip_byte_is_caught() {
    check_fault(|d| fault::flip_byte(d, 3).unwrap(), 3, false);
}

/// A record re-sealed with a valid hash of its own but a wrong prev_hash: verify, scan and
/// the replay's scan refuse it at that record (`check_fault`), and an import of it too.
#[test]
fn a_record_resealed_with_a_wrong_prev_hash_is_caught() {
    check_fault(|d| fault::reseal_with_wrong_prev(d, 3).unwrap(), 3, false);
    // Its own hash is valid: only the link is wrong.
    let (_tmp, dir) = store_with(5);
    fault::reseal_with_wrong_prev(&dir, 3).unwrap();
    let db = open_db(&dir, DEFAULT_CACHE_BYTES).unwrap();
    let value = db.get(seq_key(RECORD, 3)).unwrap().unwrap();
    // It decodes and its hash is valid for its bytes (open_value checks both): only the link
    // to record 2 is wrong.
    let (_, rec) = crate::codec::open_value(3, &value).unwrap();
    assert_eq!(rec.prev_hash, [0x5a; 32]);
    drop(db);
}

/// Restore/import: the same re-sealed record in an export is refused as a broken chain.
#[test]
fn an_import_with_a_resealed_wrong_prev_hash_is_refused() {
    let (_tmp, dir) = store_with(5);
    let log = SledLog::open(&dir).unwrap();
    let mut events: Vec<_> = log.scan(1).map(|r| r.unwrap()).collect();
    drop(log);
    let (mut rec, _) = crate::codec::Record::from_stored(&events[2]).unwrap();
    rec.prev_hash = [0x5a; 32];
    let (hash, _) = crate::codec::seal_record(&rec.as_ref());
    events[2] = rec.into_stored(&hash);
    let tmp = tempfile::tempdir().unwrap();
    let mut fresh = SledLog::create(&tmp.path().join("copy")).unwrap();
    let err = fresh.import(events).unwrap_err();
    assert!(err.is_integrity(), "{err}");
    assert_eq!(err.seq(), Some(3), "{err}");
}

#[test]
fn flip_byte_of_head_fails_open() {
    check_fault(|d| fault::flip_byte(d, 5).unwrap(), 5, true);
}

#[test]
fn delete_record_is_caught() {
    check_fault(|d| fault::delete_record(d, 2).unwrap(), 2, false);
}

#[test]
fn swap_records_is_caught() {
    check_fault(|d| fault::swap_records(d, 2, 4).unwrap(), 2, false);
}

#[test]
fn truncate_is_caught() {
    check_fault(|d| fault::truncate_to(d, 3).unwrap(), 4, true);
}

#[test]
fn fault_hooks_report_instead_of_panicking() {
    let (tmp, dir) = store_with(2);
    assert!(fault::flip_byte(&dir, 9).is_err());
    assert!(fault::delete_record(&dir, 0).is_err());
    assert!(fault::swap_records(&dir, 1, 9).is_err());
    assert!(fault::truncate_to(&tmp.path().join("nowhere"), 1).is_err());
    let _open = SledLog::open(&dir).unwrap();
    assert!(matches!(
        fault::flip_byte(&dir, 1),
        Err(StoreError::InUse { .. })
    ));
}

#[test]
fn scan_from_middle_checks_the_link_before_it() {
    let (_tmp, dir) = store_with(5);
    fault::flip_byte(&dir, 2).unwrap();
    let log = SledLog::open(&dir).unwrap();
    let err = log.scan(3).next().unwrap().unwrap_err();
    assert_eq!(corrupt_seq(&err), 2, "{err}");
    assert_eq!(log.scan(4).count(), 2);
}

/// A scan from the middle whose record before is gone names that record, not the one it starts
/// at nor any other.
#[test]
fn scan_from_middle_names_the_missing_record_before_it() {
    let (_tmp, dir) = store_with(5);
    fault::delete_record(&dir, 3).unwrap();
    let log = SledLog::open(&dir).unwrap();
    let err = log.scan(4).next().unwrap().unwrap_err();
    assert_eq!(corrupt_seq(&err), 3, "{err}");
    assert!(err.to_string().contains("missing"), "{err}");
}

// ---- Streamed appends: what an append that did not finish leaves, and how it goes ----

/// Writes records and (optionally) the staged-append marker straight into a closed store, as a
/// streamed append that stopped before its commit would have left them.
fn write_behind_the_back(dir: &Path, records: &[(u64, Vec<u8>)], marker: Option<u64>) {
    let db = open_db(dir, DEFAULT_CACHE_BYTES).unwrap();
    let mut batch = sled::Batch::default();
    if let Some(first) = marker {
        batch.insert(STAGED_KEY, &first.to_be_bytes()[..]);
    }
    for (seq, value) in records {
        batch.insert(&seq_key(RECORD, *seq)[..], value.as_slice());
    }
    db.apply_batch(batch).unwrap();
    db.flush().unwrap();
}

/// The record positions stored past `head`, and the marker, read straight from a closed store.
fn past_the_head(dir: &Path, head: u64) -> (Vec<u64>, Option<u64>) {
    let db = open_db(dir, DEFAULT_CACHE_BYTES).unwrap();
    let seqs = db
        .range(seq_key(RECORD, head + 1)..=seq_key(RECORD, u64::MAX))
        .map(|item| key_seq(&item.unwrap().0).unwrap())
        .collect();
    let marker = db
        .get(STAGED_KEY)
        .unwrap()
        .map(|v| u64::from_be_bytes(v.as_ref().try_into().unwrap()));
    (seqs, marker)
}

/// Records 6..=8 as a store of 8 made like `store_with(5)`'s would hold them: they continue
/// its chain.
fn next_three_records() -> Vec<(u64, Vec<u8>)> {
    let (_tmp, dir) = store_with(8);
    StoredRecords::open(&dir, SledOptions::default())
        .unwrap()
        .range(6, 8)
        .unwrap()
}

/// Runs a streamed append of `n` events from id 100 whose producer panics after them (no
/// commit, no abandon: what a crash leaves, as far as this process is concerned).
fn interrupted_stream(log: &mut SledLog, n: u128) {
    let mut i = 100u128;
    let mut items = std::iter::from_fn(|| {
        if i == 100 + n {
            panic!("the producer stops here (test)");
        }
        i += 1;
        Some(Streamed::Event(ev(i, "S", &format!("{{\"i\":{i}}}"))))
    });
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        log.append_stream(&HashMap::new(), &mut items)
    }));
    assert!(result.is_err(), "the producer should have panicked");
}

#[test]
fn an_append_interrupted_mid_stream_is_removed_on_open() {
    let (_tmp, dir) = store_with(5);
    let (head, events) = {
        let mut log = SledLog::open(&dir).unwrap();
        interrupted_stream(&mut log, 700);
        (log.head(), all(&log))
    };
    assert_eq!(head.seq, 5);
    // Its records are on disk past the head, with the marker naming the first.
    let (staged, marker) = past_the_head(&dir, 5);
    assert!(staged.len() >= 512, "{} staged", staged.len());
    assert_eq!((staged[0], marker), (6, Some(6)));

    let mut log = SledLog::open(&dir).unwrap();
    assert_eq!(log.head(), head);
    assert_eq!(all(&log), events);
    assert_eq!(log.verify().unwrap().events, 5);
    assert_eq!(log.stream_version("S"), 0);
    assert!(!log.contains(&id(101)).expect("ids"));
    let out = stream(&mut log, &HashMap::new(), vec![ev(101, "S", "{}")], true).unwrap();
    assert_eq!(out.head.seq, 6);
    drop(log);
    assert_eq!(past_the_head(&dir, 6), (vec![], None));
    assert_eq!(SledLog::open(&dir).unwrap().verify().unwrap().events, 6);
}

#[test]
fn what_an_interrupted_stream_left_goes_before_the_next_append() {
    let (_tmp, dir) = store_with(5);
    let mut log = SledLog::open(&dir).unwrap();
    interrupted_stream(&mut log, 700);
    // A plain append next: the leftover records are removed first, not left past its head.
    let out = log
        .append(batch(vec![ev(6, "A", "{}"), ev(7, "B", "{}")]))
        .unwrap();
    assert_eq!(out.head.seq, 7);
    assert_eq!(log.verify().unwrap().events, 7);
    // A shorter streamed append next.
    interrupted_stream(&mut log, 600);
    let expected = versions_of(&log);
    let out = stream(&mut log, &expected, vec![ev(8, "A", "{}")], true).unwrap();
    assert_eq!(out.head.seq, 8);
    assert_eq!(log.verify().unwrap().events, 8);
    drop(log);
    assert_eq!(past_the_head(&dir, 8), (vec![], None));
    let log = SledLog::open(&dir).unwrap();
    assert_eq!(log.verify().unwrap().events, 8);
    assert_eq!((log.stream_version("A"), log.stream_version("B")), (4, 4));
}

fn versions_of(log: &SledLog) -> HashMap<String, u64> {
    ["A", "B"]
        .into_iter()
        .map(|s| (s.to_string(), log.stream_version(s)))
        .collect()
}

#[test]
fn staged_records_with_their_marker_are_removed_by_either_open() {
    let records = next_three_records();
    for checked in [true, false] {
        let (_tmp, dir) = store_with(5);
        write_behind_the_back(&dir, &records, Some(6));
        let log = if checked {
            SledLog::open(&dir).unwrap()
        } else {
            SledLog::open_unchecked(&dir).unwrap()
        };
        assert_eq!(log.head().seq, 5);
        assert_eq!(log.verify().unwrap().events, 5);
        assert_eq!(all(&log).len(), 5);
        assert!(!log.contains(&id(6)).expect("ids"));
        drop(log);
        assert_eq!(past_the_head(&dir, 5), (vec![], None));
    }
}

#[test]
fn records_past_the_head_without_their_marker_are_still_damage() {
    let records = next_three_records();
    // No marker, or one that names another record than the one after the head.
    for marker in [None, Some(7), Some(5)] {
        let (_tmp, dir) = store_with(5);
        write_behind_the_back(&dir, &records, marker);
        let err = SledLog::open(&dir).err().unwrap();
        assert!(err.is_integrity(), "{err}");
        assert_eq!(corrupt_seq(&err), 6, "{err}");
        let log = SledLog::open_unchecked(&dir).unwrap();
        let err = log.verify().unwrap_err();
        assert_eq!(corrupt_seq(&err), 6, "{err}");
        assert!(err.to_string().contains("past the head"), "{err}");
        drop(log);
        // Nothing was removed.
        assert_eq!(past_the_head(&dir, 5), (vec![6, 7, 8], marker));
    }
}

#[test]
fn a_streamed_append_survives_reopening() {
    let (_tmp, dir) = store_with(5);
    let events: Vec<_> = (10..1_000u128)
        .map(|i| ev(i, "S", &format!("{{\"i\":{i}}}")))
        .collect();
    let (head, stored) = {
        let mut log = SledLog::open(&dir).unwrap();
        let out = stream(&mut log, &HashMap::new(), events.clone(), true).unwrap();
        assert_eq!((out.appended, out.head.seq), (990, 995));
        (log.head(), all(&log))
    };
    assert_eq!(past_the_head(&dir, 995), (vec![], None));
    let mut log = SledLog::open(&dir).unwrap();
    assert_eq!(log.head(), head);
    assert_eq!(all(&log), stored);
    assert_eq!(log.verify().unwrap().events, 995);
    assert_eq!(log.stream_version("S"), 990);
    // Idempotency survived: the same append again is a retry.
    let out = stream(&mut log, &HashMap::new(), events, true).unwrap();
    assert_eq!((out.appended, out.duplicates, out.head), (0, 990, head));
}

/// `SledLog::append_stream_returning` (the load pipeline's, not the trait's) records what
/// `append_stream` records, and hands every event back once done with it — stored ones and
/// repeats alike — in arrival order, whole.
#[test]
fn stream_hands_every_event_back() {
    let (_plain_tmp, plain_dir) = store_with(5);
    let (_returning_tmp, returning_dir) = store_with(5);
    let mut plain = SledLog::open(&plain_dir).unwrap();
    let mut returning = SledLog::open(&returning_dir).unwrap();
    let events = mixed_events(10, 700);
    let expected = versions(&[("A", 2), ("B", 3)]);
    let want = stream(&mut plain, &expected, events.clone(), true).unwrap();
    let mut spent: Vec<NewEvent> = Vec::new();
    let mut items = events
        .clone()
        .into_iter()
        .map(Streamed::Event)
        .chain([Streamed::Commit]);
    let got = returning
        .append_stream_returning(&expected, &mut items, &mut |ev| spent.push(ev))
        .unwrap();
    assert_eq!(got, want);
    assert_eq!(state(&returning), state(&plain));
    assert_eq!(spent.len(), events.len(), "every event, repeats included");
    for (back, sent) in spent.iter().zip(&events) {
        assert_eq!(
            (
                back.id,
                &back.stream,
                &back.kind,
                &back.actor,
                &back.recorded_at
            ),
            (
                sent.id,
                &sent.stream,
                &sent.kind,
                &sent.actor,
                &sent.recorded_at
            )
        );
        let compact: serde_json::Value = serde_json::from_slice(back.payload.as_bytes()).unwrap();
        let original: serde_json::Value = serde_json::from_slice(sent.payload.as_bytes()).unwrap();
        assert_eq!(compact, original, "event {}", sent.id);
    }
}
