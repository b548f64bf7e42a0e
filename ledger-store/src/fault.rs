//! Test hooks that damage a closed sled store on purpose, so tests can check corruption is caught.
//!
//! Each function opens the store's sled database directly (the store must not be open elsewhere),
//! changes it behind the log's back, and flushes. None of them panics.
//!
//! And one fault a running store injects into itself, for the crash test: [`STALL_ENV`] stops a
//! streamed append with its records staged past the head, before its commit, so that a kill
//! lands mid-write for certain (nothing happens while the variable is unset).

use std::path::Path;

use crate::error::StoreError;
use crate::layout::{
    decode_head, key_seq, open_db, seq_key, DEFAULT_CACHE_BYTES, HEAD_KEY, ID, RECORD,
};

fn db(dir: &Path) -> Result<sled::Db, StoreError> {
    if !crate::layout::has_sled_files(dir) {
        return Err(StoreError::NotAStore {
            dir: dir.to_path_buf(),
        });
    }
    open_db(dir, DEFAULT_CACHE_BYTES)
}

fn sled_err(dir: &Path, action: &str) -> impl Fn(sled::Error) -> StoreError {
    let what = format!("fault injection: {action} in {}", dir.display());
    move |e| StoreError::sled(what.clone(), e)
}

fn record(db: &sled::Db, dir: &Path, seq: u64) -> Result<Vec<u8>, StoreError> {
    db.get(seq_key(RECORD, seq))
        .map_err(sled_err(dir, "reading a record"))?
        .map(|v| v.to_vec())
        .ok_or_else(|| {
            StoreError::invalid(format!(
                "fault injection: record {seq} does not exist in {}",
                dir.display()
            ))
        })
}

/// Flushes and closes the database, and returns only once sled has let go of the file lock:
/// its background flusher holds it a moment after the last handle is dropped, and a `bonded`
/// started by a test in that moment would find the store "in use" (by whichever process last
/// wrote the owner file).
fn close(db: sled::Db, dir: &Path) -> Result<(), StoreError> {
    db.flush().map_err(sled_err(dir, "flushing"))?;
    drop(db);
    let file = dir.join("db");
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(5) {
        // A lock of our own on the file succeeds only once sled's is gone (flock locks are per
        // open file, even within one process); dropping the file releases it again.
        match std::fs::File::open(&file).map(|f| f.try_lock()) {
            Ok(Ok(())) | Err(_) => return Ok(()),
            Ok(Err(_)) => std::thread::sleep(std::time::Duration::from_millis(5)),
        }
    }
    Ok(())
}

/// Alters one byte (the last, inside the payload) of record `seq`'s stored bytes.
pub fn flip_byte(dir: &Path, seq: u64) -> Result<(), StoreError> {
    let db = db(dir)?;
    let mut value = record(&db, dir, seq)?;
    if let Some(last) = value.last_mut() {
        *last ^= 0x01;
    }
    db.insert(seq_key(RECORD, seq), value)
        .map_err(sled_err(dir, "rewriting a record"))?;
    close(db, dir)
}

/// Re-seals record `seq` with a wrong `prev_hash` (all `0x5a`) and a hash that is valid for
/// its new bytes: the record checks out on its own, only the chain link to `seq - 1` is broken.
pub fn reseal_with_wrong_prev(dir: &Path, seq: u64) -> Result<(), StoreError> {
    let db = db(dir)?;
    let value = record(&db, dir, seq)?;
    let (_, mut rec) = crate::codec::open_value(seq, &value)?;
    rec.prev_hash = [0x5a; 32];
    // `seal_record` gives the stored value (hash ++ canonical bytes) with its valid hash.
    let (_, value) = crate::codec::seal_record(&rec.as_ref());
    db.insert(seq_key(RECORD, seq), value)
        .map_err(sled_err(dir, "rewriting a record"))?;
    close(db, dir)
}

/// Deletes record `seq` (its id index entry stays).
pub fn delete_record(dir: &Path, seq: u64) -> Result<(), StoreError> {
    let db = db(dir)?;
    record(&db, dir, seq)?;
    db.remove(seq_key(RECORD, seq))
        .map_err(sled_err(dir, "deleting a record"))?;
    close(db, dir)
}

/// Swaps the stored bytes of records `a` and `b`.
pub fn swap_records(dir: &Path, a: u64, b: u64) -> Result<(), StoreError> {
    let db = db(dir)?;
    let va = record(&db, dir, a)?;
    let vb = record(&db, dir, b)?;
    let mut batch = sled::Batch::default();
    batch.insert(&seq_key(RECORD, a)[..], vb);
    batch.insert(&seq_key(RECORD, b)[..], va);
    db.apply_batch(batch)
        .map_err(sled_err(dir, "swapping records"))?;
    close(db, dir)
}

/// Deletes every record (and id index entry) after `seq`, leaving the head entry as it was.
pub fn truncate_to(dir: &Path, seq: u64) -> Result<(), StoreError> {
    let db = db(dir)?;
    let mut batch = sled::Batch::default();
    let start = seq_key(RECORD, seq.saturating_add(1));
    for item in db.range(start..=seq_key(RECORD, u64::MAX)) {
        let (k, _) = item.map_err(sled_err(dir, "listing records"))?;
        batch.remove(k);
    }
    // An id-index entry holds the ids of a run of records from its key's position on.
    for item in db.range(seq_key(ID, 0)..=seq_key(ID, u64::MAX)) {
        let (k, v) = item.map_err(sled_err(dir, "listing the id index"))?;
        let Some(first) = key_seq(&k) else { continue };
        if first > seq {
            batch.remove(k);
        } else {
            let keep = usize::try_from(seq - first + 1)
                .unwrap_or(usize::MAX)
                .saturating_mul(16);
            if keep < v.len() {
                batch.insert(k, &v[..keep]);
            }
        }
    }
    db.apply_batch(batch)
        .map_err(sled_err(dir, "truncating records"))?;
    close(db, dir)
}

/// The records stored past the head, read without changing anything: what an append that was
/// writing (staging records before its commit) leaves when its process is killed. 0 when the
/// process was killed before writing anything or after its commit. The next open removes them.
pub fn records_past_head(dir: &Path) -> Result<u64, StoreError> {
    let db = db(dir)?;
    let head = db
        .get(HEAD_KEY)
        .map_err(sled_err(dir, "reading the head"))?
        .and_then(|v| decode_head(&v))
        .map_or(0, |h| h.seq);
    let mut n = 0u64;
    for item in db.range(seq_key(RECORD, head.saturating_add(1))..=seq_key(RECORD, u64::MAX)) {
        item.map_err(sled_err(dir, "listing records"))?;
        n += 1;
    }
    close(db, dir)?;
    Ok(n)
}

/// Test-only (tests/tests/crash.rs): the environment variable that stops a sled store's
/// streamed append between staging its records past the head and its commit, so that a test
/// can kill the process there for certain. `staged` stops the first streamed append of the
/// process, `staged:N` the N-th (a load of several files: the files before it committed).
/// Unset — as it always is outside the tests — nothing happens and nothing is read but this
/// variable, once per process; any other value is ignored. Not for users: a stalled `bonded
/// load` waits [`STALL_LIMIT`] and then commits as usual.
pub const STALL_ENV: &str = "BONDED_FAULT_STALL";
/// How a stalled process's line on stderr begins; a test waits for it and then kills.
pub const STALL_MARKER: &str = "bonded: test fault BONDED_FAULT_STALL:";
/// How long a stalled append waits for its kill before it goes on and commits.
pub const STALL_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// The streamed append [`STALL_ENV`] names (1 for the first), read once per process.
fn stall_at() -> Option<u64> {
    static AT: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    *AT.get_or_init(|| {
        let value = std::env::var(STALL_ENV).ok()?;
        match value.trim() {
            "staged" => Some(1),
            v => v
                .strip_prefix("staged:")
                .and_then(|n| n.parse::<u64>().ok())
                .filter(|n| *n > 0),
        }
    })
}

/// Called by the sled store with records `first..=last` staged past the head, just before
/// their commit. Under [`STALL_ENV`], for the append it names: the staged records flushed to
/// the store's file (as sled's own flusher would within half a second), a line beginning
/// [`STALL_MARKER`] on stderr, and a wait for the kill. Otherwise nothing.
pub(crate) fn stall_if_asked(db: &sled::Db, first: u64, last: u64) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static STAGED_APPENDS: AtomicU64 = AtomicU64::new(0);
    let Some(at) = stall_at() else {
        return;
    };
    if STAGED_APPENDS.fetch_add(1, Ordering::Relaxed) + 1 != at {
        return;
    }
    // Best effort: the test reads what is on disk once the process is killed.
    let _ = db.flush();
    eprintln!(
        "{STALL_MARKER} records {first}..={last} are staged past the head and not committed; \
         process {} waits here to be killed (then commits after {} s)",
        std::process::id(),
        STALL_LIMIT.as_secs()
    );
    std::thread::sleep(STALL_LIMIT);
}
