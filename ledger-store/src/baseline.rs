//! The storage engine's own limit, for benchmarks: the very bytes the log stores, written to and
//! read from sled with nothing of the log on top (no validation, no hash chain, no id index,
//! no head). `bonded bench` compares the log's load and replay rates with these.
//!
//! Everything here opens sled exactly as the log does (same cache size, same mode), so the only
//! difference measured is the log's own work.

use std::path::{Path, PathBuf};

use crate::error::StoreError;
use crate::layout::{open_db, seq_key, PointScan, RECORD};
use crate::sled_log::SledOptions;

fn sled_err(dir: &Path, action: &str) -> impl Fn(sled::Error) -> StoreError {
    let what = format!("baseline: {action} in {}", dir.display());
    move |e| StoreError::sled(what.clone(), e)
}

/// Read access to the stored records of a (closed) log, as they are on disk.
pub struct StoredRecords {
    db: sled::Db,
    dir: PathBuf,
}

impl StoredRecords {
    /// Opens the log's directory; the log itself must not be open.
    pub fn open(dir: &Path, options: SledOptions) -> Result<Self, StoreError> {
        if !crate::layout::has_sled_files(dir) {
            return Err(StoreError::NotAStore {
                dir: dir.to_path_buf(),
            });
        }
        Ok(StoredRecords {
            db: open_db(dir, options.cache_bytes)?,
            dir: dir.to_path_buf(),
        })
    }

    /// The stored values of records `from..=to`, as `(global_seq, value)`. Read a key at a
    /// time as the log reads them, so that the pages read do not stay resident and count
    /// against the raw write's memory (see `layout::PointScan`).
    pub fn range(&self, from: u64, to: u64) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        PointScan::new(&self.db, &self.dir, from)
            .take_while(|item| item.as_ref().map_or(true, |(seq, _)| *seq <= to))
            .map(|item| item.map(|(seq, value)| (seq, value.to_vec())))
            .collect()
    }

    /// How many records there are and how many bytes their stored values take (the encoded
    /// bytes: hash and canonical record).
    pub fn encoded_size(&self) -> Result<(u64, u64), StoreError> {
        let (mut n, mut bytes) = (0u64, 0u64);
        for item in PointScan::new(&self.db, &self.dir, 1) {
            let (_, value) = item?;
            n += 1;
            bytes += value.len() as u64;
        }
        Ok((n, bytes))
    }
}

/// A bare sled database that takes records as the log would store them.
pub struct RawSink {
    db: sled::Db,
    dir: PathBuf,
    synced: crate::durable::StoreSync,
}

impl RawSink {
    /// Creates the database at `dir` (which must not exist or be empty).
    pub fn create(dir: &Path, options: SledOptions) -> Result<Self, StoreError> {
        if dir.exists() && std::fs::read_dir(dir).map_or(true, |mut d| d.next().is_some()) {
            return Err(StoreError::AlreadyExists {
                dir: dir.to_path_buf(),
            });
        }
        Ok(RawSink {
            db: open_db(dir, options.cache_bytes)?,
            dir: dir.to_path_buf(),
            synced: Default::default(),
        })
    }

    /// Writes `records` as one batch (`apply_batch`), flushes it and fsyncs the store's files,
    /// as the log does with an append: the engine's own limit for a durable commit.
    pub fn write_batch(&mut self, records: &[(u64, Vec<u8>)]) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for (seq, value) in records {
            batch.insert(&seq_key(RECORD, *seq)[..], value.as_slice());
        }
        self.db
            .apply_batch(batch)
            .map_err(sled_err(&self.dir, "writing a batch"))?;
        self.db
            .flush()
            .map(|_| ())
            .map_err(sled_err(&self.dir, "flushing"))?;
        self.synced.sync(&self.dir).map(|_| ())
    }
}

/// Reads every record of a raw database (or of a log) in order, touching every byte once;
/// returns how many records and bytes it read. sled's own range iterator: the engine's
/// fastest read (a read per key, as the log does, measures the same on this machine).
pub fn raw_scan(dir: &Path, options: SledOptions) -> Result<(u64, u64), StoreError> {
    if !crate::layout::has_sled_files(dir) {
        return Err(StoreError::NotAStore {
            dir: dir.to_path_buf(),
        });
    }
    let db = open_db(dir, options.cache_bytes)?;
    scan_records(&db, dir)
}

fn scan_records(db: &sled::Db, dir: &Path) -> Result<(u64, u64), StoreError> {
    let (mut n, mut bytes, mut check) = (0u64, 0u64, 0u8);
    for item in db.scan_prefix([RECORD]) {
        let (_, v) = item.map_err(sled_err(dir, "reading records"))?;
        n += 1;
        bytes += v.len() as u64;
        // Touch the bytes, as any reader must.
        check ^= v.iter().fold(0u8, |a, b| a ^ b);
    }
    std::hint::black_box(check);
    Ok((n, bytes))
}
