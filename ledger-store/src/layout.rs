//! The sled store's on-disk layout: key prefixes, the format marker, and opening sled with its lock.
//!
//! One sled tree (the default one) holds everything, so each append is one atomic batch:
//!
//! | key                         | value                                   |
//! |-----------------------------|-----------------------------------------|
//! | `b'e'` + global_seq u64 BE  | hash [32] ++ canonical bytes (`codec`)  |
//! | `b'i'` + global_seq u64 BE  | the event ids of the records from that  |
//! |                             | one on, 16 bytes each (up to 1,024)     |
//! | `b'v'` + stream (UTF-8)     | stream version u64 BE                   |
//! | `b'h'`                      | head: seq u64 BE ++ hash [32]           |
//! | `b'm'`                      | format marker `MARKER`                  |
//! | `b's'`                      | present only while a streamed append is |
//! |                             | staging: its first record's global_seq  |
//! |                             | u64 BE (the head's seq + 1)             |
//!
//! The head is the commit point: a record past it is not part of the log. A streamed append
//! writes its records past the head as they arrive (the `b's'` marker in the same batch as the
//! first ones), then one batch with the id-index entries, the versions and the new head that
//! also removes the marker, then a flush. Open removes the records past the head when the
//! marker names the record after the head (an append that did not finish); records past the
//! head without it are damage, reported by the checks.

use std::path::{Path, PathBuf};

use crate::error::StoreError;
use crate::log::Head;

pub(crate) const RECORD: u8 = b'e';
pub(crate) const ID: u8 = b'i';
pub(crate) const VERSION: u8 = b'v';
pub(crate) const HEAD_KEY: &[u8] = b"h";
/// Most event ids one id-index entry holds: an append writes one entry per run of this many
/// records, so the index costs the engine one insert per 1,024 events instead of one per event.
pub(crate) const IDS_PER_ENTRY: usize = 1_024;
pub(crate) const MARKER_KEY: &[u8] = b"m";
/// Present while a streamed append stages records past the head: the first one's seq.
pub(crate) const STAGED_KEY: &[u8] = b"s";
/// Written at create; open refuses a sled database without it.
pub(crate) const MARKER: &[u8] = b"bonded-ledger-store/1";
/// File the owning process writes its pid to, so a refused open can say who holds the store.
pub(crate) const OWNER_FILE: &str = "owner.pid";
/// Default sled page-cache size.
pub const DEFAULT_CACHE_BYTES: u64 = 16 * 1024 * 1024;

pub(crate) fn seq_key(prefix: u8, seq: u64) -> [u8; 9] {
    let mut k = [prefix; 9];
    k[1..].copy_from_slice(&seq.to_be_bytes());
    k
}

/// The seq of a 9-byte `prefix + u64` key.
pub(crate) fn key_seq(key: &[u8]) -> Option<u64> {
    let tail: [u8; 8] = key.get(1..)?.try_into().ok()?;
    Some(u64::from_be_bytes(tail))
}

pub(crate) fn version_key(stream: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + stream.len());
    k.push(VERSION);
    k.extend_from_slice(stream.as_bytes());
    k
}

pub(crate) fn encode_head(head: &Head) -> [u8; 40] {
    let mut v = [0u8; 40];
    v[..8].copy_from_slice(&head.seq.to_be_bytes());
    v[8..].copy_from_slice(&head.hash);
    v
}

pub(crate) fn decode_head(value: &[u8]) -> Option<Head> {
    let seq: [u8; 8] = value.get(..8)?.try_into().ok()?;
    let hash: [u8; 32] = value.get(8..)?.try_into().ok()?;
    Some(Head {
        seq: u64::from_be_bytes(seq),
        hash,
    })
}

/// Whether `dir` looks like a sled database (checked before opening, since opening creates one).
pub(crate) fn has_sled_files(dir: &Path) -> bool {
    dir.join("db").is_file() && dir.join("conf").is_file()
}

/// How long an open waits for a handle of this same process to finish letting go of the store
/// (sled's background flusher holds the file lock a moment after the last handle is dropped).
const OWN_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(1);
const OWN_LOCK_STEP: std::time::Duration = std::time::Duration::from_millis(10);

/// Opens sled at `dir`, turning a lock failure into `InUse` with the owner's pid when known.
/// A lock held by another process fails at once; one held by this process (a handle still being
/// released) is waited for, a bounded time.
pub(crate) fn open_db(dir: &Path, cache_bytes: u64) -> Result<sled::Db, StoreError> {
    let started = std::time::Instant::now();
    let result = loop {
        let attempt = sled::Config::new()
            .path(dir)
            .cache_capacity(cache_bytes)
            .mode(sled::Mode::HighThroughput)
            .open();
        match &attempt {
            Err(sled::Error::Io(e))
                if is_lock_failure(e)
                    && read_owner(dir) == Some(std::process::id())
                    && started.elapsed() < OWN_LOCK_WAIT =>
            {
                std::thread::sleep(OWN_LOCK_STEP);
            }
            _ => break attempt,
        }
    };
    match result {
        Ok(db) => Ok(db),
        Err(sled::Error::Io(e)) if is_lock_failure(&e) => Err(StoreError::InUse {
            dir: dir.to_path_buf(),
            pid: read_owner(dir),
        }),
        Err(e) => Err(StoreError::sled(
            format!("opening the store at {}", dir.display()),
            e,
        )),
    }
}

fn is_lock_failure(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::WouldBlock || e.to_string().to_lowercase().contains("lock")
}

fn read_owner(dir: &Path) -> Option<u32> {
    std::fs::read_to_string(dir.join(OWNER_FILE))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Records this process as the store's owner; best effort (a failure only loses the pid in messages).
pub(crate) fn write_owner(dir: &Path) {
    let _ = std::fs::write(owner_path(dir), format!("{}\n", std::process::id()));
}

fn owner_path(dir: &Path) -> PathBuf {
    dir.join(OWNER_FILE)
}

/// The records from a position on, in key order, read one key at a time.
///
/// Not sled's range iterator, for memory: sled 0.34 counts a page against its cache only
/// once 64 accesses have queued in the page's shard (of 256), and an iterator touches each
/// leaf page (up to 16 records) once, so a scan leaves up to ~16,000 pages resident and
/// uncounted — about 130 MB of a million 900-byte records, whatever the cache size. A read
/// per key touches a leaf once per record it holds, so its shard counts and evicts it
/// sooner: the same scan then holds about 20 MB, at the same speed (docs/PERFORMANCE.md).
///
/// Where a key is missing (a deleted record; the end of the log) one range read finds the
/// next stored key, so a damaged log yields exactly what the range iterator would.
pub(crate) struct PointScan<'a> {
    db: &'a sled::Db,
    dir: &'a Path,
    /// The key to read next; `None` once the records are exhausted or a read failed.
    next: Option<u64>,
}

impl<'a> PointScan<'a> {
    /// The records of `db` (a store at `dir`) from `seq` on.
    pub fn new(db: &'a sled::Db, dir: &'a Path, seq: u64) -> Self {
        PointScan {
            db,
            dir,
            next: Some(seq),
        }
    }

    fn read(&mut self, seq: u64) -> Result<Option<(u64, sled::IVec)>, StoreError> {
        let db = self.db;
        let what = || format!("reading records in the store at {}", self.dir.display());
        if let Some(v) = db
            .get(seq_key(RECORD, seq))
            .map_err(|e| StoreError::sled(what(), e))?
        {
            return Ok(Some((seq, v)));
        }
        let end = seq_key(RECORD, u64::MAX);
        let Some((k, v)) = db
            .range(seq_key(RECORD, seq)..=end)
            .next()
            .transpose()
            .map_err(|e| StoreError::sled(what(), e))?
        else {
            return Ok(None);
        };
        let found = key_seq(&k).ok_or_else(|| {
            StoreError::corrupt(
                0,
                format!("a record key has the wrong length ({} bytes)", k.len()),
            )
        })?;
        Ok(Some((found, v)))
    }
}

impl Iterator for PointScan<'_> {
    type Item = Result<(u64, sled::IVec), StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        let seq = self.next.take()?;
        match self.read(seq) {
            Ok(Some((found, value))) => {
                self.next = found.checked_add(1);
                Some(Ok((found, value)))
            }
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}
