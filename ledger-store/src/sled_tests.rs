//! Tests only the sled backend needs: reopening, locking, open-time checks and injected corruption.

use std::path::{Path, PathBuf};

use crate::conformance::{all, batch, ev, fill, id};
use crate::{fault, EventLog, SledLog, StoreError};

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
    assert!(log.contains(&id(6)));
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
}

#[test]
fn flip_byte_is_caught() {
    check_fault(|d| fault::flip_byte(d, 3).unwrap(), 3, false);
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
