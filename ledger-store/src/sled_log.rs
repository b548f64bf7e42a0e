//! `SledLog`: the durable backend on one sled tree; every append is one atomic, flushed batch.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use uuid::Uuid;

use crate::codec::open_value;
use crate::durable::StoreSync;
use crate::engine::{Backend, Commit, CommitFailure, Engine, StagedCommit, ValueIter};
use crate::error::StoreError;
use crate::event::{NewEvent, ReplayRecord, StoredEvent};
use crate::id_index::IdIndex;
use crate::layout::{
    decode_head, encode_head, has_sled_files, key_seq, open_db, seq_key, version_key, write_owner,
    PointScan, DEFAULT_CACHE_BYTES, HEAD_KEY, ID, IDS_PER_ENTRY, MARKER, MARKER_KEY, RECORD,
    STAGED_KEY, VERSION,
};
use crate::log::{AppendOutcome, AppendRequest, EventLog, Head, Streamed, VerifyReport};

/// Tuning for a sled store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SledOptions {
    /// sled page-cache size in bytes; default 16 MiB.
    pub cache_bytes: u64,
}

impl Default for SledOptions {
    fn default() -> Self {
        SledOptions {
            cache_bytes: DEFAULT_CACHE_BYTES,
        }
    }
}

pub(crate) struct SledBackend {
    db: sled::Db,
    dir: PathBuf,
    /// The first and last record a streamed append has staged past the head (with the
    /// `STAGED_KEY` marker), while it arrives or until what an abandoned one left is removed.
    staged: Option<(u64, u64)>,
    /// What this process has synced of the store's files (`durable`).
    synced: StoreSync,
}

impl SledBackend {
    fn new(db: sled::Db, dir: &Path) -> Self {
        SledBackend {
            db,
            synced: StoreSync::default(),
            dir: dir.to_path_buf(),
            staged: None,
        }
    }

    fn what(&self, action: &str) -> String {
        format!("{action} in the store at {}", self.dir.display())
    }

    /// Removes the records a streamed append staged, and the marker, in one batch.
    fn clear_staged(&mut self) -> Result<(), StoreError> {
        let Some((first, last)) = self.staged else {
            return Ok(());
        };
        let mut batch = sled::Batch::default();
        for seq in first..=last {
            batch.remove(&seq_key(RECORD, seq)[..]);
        }
        batch.remove(STAGED_KEY);
        self.db.apply_batch(batch).map_err(|e| {
            StoreError::sled(
                self.what(&format!(
                    "removing records {first}..={last} of an abandoned append"
                )),
                e,
            )
        })?;
        self.staged = None;
        Ok(())
    }

    /// Applies and flushes the batch that moves the head.
    fn apply_and_flush(
        &mut self,
        batch: sled::Batch,
        first: u64,
        head: &Head,
    ) -> Result<(), CommitFailure> {
        self.db.apply_batch(batch).map_err(|e| CommitFailure {
            applied: false,
            error: StoreError::sled(
                self.what(&format!("writing records {first}..={}", head.seq)),
                e,
            ),
        })?;
        self.db.flush().map(|_| ()).map_err(|e| CommitFailure {
            applied: true,
            error: StoreError::sled(
                self.what(&format!(
                    "flushing records {first}..={} to disk (they may not survive a crash)",
                    head.seq
                )),
                e,
            ),
        })?;
        self.synced
            .sync(&self.dir)
            .map(|_| ())
            .map_err(|error| CommitFailure {
                applied: true,
                error,
            })
    }
}

/// Adds to `batch` the id-index entries of records in order: one entry per run of
/// `IDS_PER_ENTRY` consecutive records, not one per record; then the versions and the head.
fn insert_index_and_head<T>(
    batch: &mut sled::Batch,
    records: &[T],
    seq_and_id: impl Fn(&T) -> (u64, Uuid),
    versions: &HashMap<String, u64>,
    head: &Head,
) {
    for run in records.chunks(IDS_PER_ENTRY) {
        if let Some(first) = run.first() {
            let ids: Vec<u8> = run
                .iter()
                .flat_map(|r| *seq_and_id(r).1.as_bytes())
                .collect();
            batch.insert(&seq_key(ID, seq_and_id(first).0)[..], ids);
        }
    }
    for (stream, version) in versions {
        batch.insert(version_key(stream), &version.to_be_bytes()[..]);
    }
    batch.insert(HEAD_KEY, &encode_head(head)[..]);
}

impl Backend for SledBackend {
    fn get(&self, seq: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.db
            .get(seq_key(RECORD, seq))
            .map(|v| v.map(|v| v.to_vec()))
            .map_err(|e| StoreError::sled(self.what(&format!("reading record {seq}")), e))
    }

    fn values_from(&self, seq: u64) -> ValueIter<'_> {
        Box::new(PointScan::new(&self.db, &self.dir, seq))
    }

    fn read_ids(&self, head: &Head) -> Result<IdIndex, StoreError> {
        // Sized for the records the head names (the engine checks the count), within reason:
        // a damaged head must not make the store reserve the impossible.
        let mut ids = IdIndex::with_capacity(usize::try_from(head.seq).unwrap_or(0).min(1 << 24));
        // Each entry holds the ids of a run of records from its key's position on; the runs
        // follow each other without gap or overlap.
        let mut next = 1u64;
        for item in self.db.scan_prefix([ID]) {
            let (k, v) =
                item.map_err(|e| StoreError::sled(self.what("reading the id index"), e))?;
            let first = key_seq(&k)
                .ok_or_else(|| StoreError::corrupt(0, "an id index key has the wrong length"))?;
            if first != next {
                return Err(StoreError::corrupt(
                    first.min(next),
                    format!(
                        "the id index jumps to record {first} where record {next} was expected"
                    ),
                ));
            }
            if v.is_empty() || v.len() % 16 != 0 {
                return Err(StoreError::corrupt(
                    first,
                    format!(
                        "the id index entry is {} bytes, not a multiple of 16",
                        v.len()
                    ),
                ));
            }
            for chunk in v.chunks_exact(16) {
                let mut id = [0u8; 16];
                id.copy_from_slice(chunk);
                let id = Uuid::from_bytes(id);
                ids.push(id).map_err(|e| e.at(next, id))?;
                next += 1;
            }
        }
        Ok(ids)
    }

    fn commit(&mut self, commit: &Commit) -> Result<(), CommitFailure> {
        self.clear_staged().map_err(|error| CommitFailure {
            applied: false,
            error,
        })?;
        let mut batch = sled::Batch::default();
        for (seq, _, value) in &commit.records {
            batch.insert(&seq_key(RECORD, *seq)[..], value.as_slice());
        }
        insert_index_and_head(
            &mut batch,
            &commit.records,
            |(seq, id, _)| (*seq, *id),
            &commit.versions,
            &commit.head,
        );
        let first = commit.records.first().map_or(0, |r| r.0);
        self.apply_and_flush(batch, first, &commit.head)
    }

    fn stage(&mut self, records: &[(u64, Uuid, Vec<u8>)]) -> Result<(), StoreError> {
        let (Some(first), Some(last)) = (records.first(), records.last()) else {
            return Ok(());
        };
        let mut batch = sled::Batch::default();
        let staged = match self.staged {
            Some((from, to)) if to.checked_add(1) == Some(first.0) => (from, last.0),
            _ => {
                // A new append: whatever an earlier one left goes first. The marker goes in
                // the same atomic batch as the first records, so no staged record is ever on
                // disk without it: open removes them as an unfinished append.
                self.clear_staged()?;
                batch.insert(STAGED_KEY, &first.0.to_be_bytes()[..]);
                (first.0, last.0)
            }
        };
        for (seq, _, value) in records {
            batch.insert(&seq_key(RECORD, *seq)[..], value.as_slice());
        }
        self.db.apply_batch(batch).map_err(|e| {
            StoreError::sled(
                self.what(&format!(
                    "writing records {}..={} ahead of their commit",
                    first.0, last.0
                )),
                e,
            )
        })?;
        self.staged = Some(staged);
        Ok(())
    }

    fn commit_staged(&mut self, commit: &StagedCommit) -> Result<(), CommitFailure> {
        let first = commit.ids.first().map_or(0, |r| r.0);
        if self.staged != Some((first, commit.head.seq)) {
            return Err(CommitFailure {
                applied: false,
                error: StoreError::invalid(format!(
                    "the records staged ({:?}) are not the append's {first}..={}; nothing of it was written",
                    self.staged, commit.head.seq
                )),
            });
        }
        // Test-only (`fault::STALL_ENV`, unset outside the crash test): stop here, with the
        // records staged and not committed, for the test to kill the process.
        crate::fault::stall_if_asked(&self.db, first, commit.head.seq);
        // The commit point: the head moves and the marker goes, in one atomic batch.
        let mut batch = sled::Batch::default();
        insert_index_and_head(
            &mut batch,
            &commit.ids,
            |(seq, id)| (*seq, *id),
            &commit.versions,
            &commit.head,
        );
        batch.remove(STAGED_KEY);
        let result = self.apply_and_flush(batch, first, &commit.head);
        if result.as_ref().map_or_else(|f| f.applied, |()| true) {
            self.staged = None;
        }
        result
    }

    fn abandon(&mut self) {
        // Best effort: what stays is removed by the next stage or commit, or by the next open.
        let _ = self.clear_staged();
    }
}

/// Removes what a streamed append left when the process stopped before its commit: the
/// records past the head, when the marker says an append was staging from the record after
/// the head. Without the marker (or with one naming another record), records past the head
/// are left for the checks to report: nothing but an unfinished append may put them there.
fn remove_unfinished_append(
    db: &sled::Db,
    head: &Head,
    ctx: &impl Fn(&str) -> String,
) -> Result<(), StoreError> {
    let marker = db
        .get(STAGED_KEY)
        .map_err(|e| StoreError::sled(ctx("reading the staged-append marker"), e))?;
    let Some(marker) = marker else {
        return Ok(());
    };
    let first = <[u8; 8]>::try_from(marker.as_ref())
        .ok()
        .map(u64::from_be_bytes);
    let Some(first) = first.filter(|f| Some(*f) == head.seq.checked_add(1)) else {
        return Ok(());
    };
    let what = ctx("removing the records of an append that did not finish");
    let mut batch = sled::Batch::default();
    for item in db.range(seq_key(RECORD, first)..=seq_key(RECORD, u64::MAX)) {
        let (k, _) = item.map_err(|e| StoreError::sled(what.clone(), e))?;
        batch.remove(k);
    }
    batch.remove(STAGED_KEY);
    db.apply_batch(batch)
        .map_err(|e| StoreError::sled(what.clone(), e))?;
    db.flush().map_err(|e| StoreError::sled(what, e))?;
    Ok(())
}

/// The durable event log in a directory, on sled.
pub struct SledLog {
    engine: Engine<SledBackend>,
}

impl SledLog {
    /// Creates a new, empty store; refuses if `dir` exists and is not empty.
    pub fn create(dir: &Path) -> Result<Self, StoreError> {
        Self::create_with(dir, SledOptions::default())
    }

    /// `create` with explicit options.
    pub fn create_with(dir: &Path, options: SledOptions) -> Result<Self, StoreError> {
        if dir.exists() {
            let mut entries = std::fs::read_dir(dir).map_err(|e| {
                StoreError::io(
                    format!(
                        "cannot create a store at {}: listing the directory",
                        dir.display()
                    ),
                    e,
                )
            })?;
            if entries.next().is_some() {
                return Err(StoreError::AlreadyExists {
                    dir: dir.to_path_buf(),
                });
            }
        }
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::io(
                format!("cannot create the store directory {}", dir.display()),
                e,
            )
        })?;
        let db = open_db(dir, options.cache_bytes)?;
        let mut batch = sled::Batch::default();
        batch.insert(MARKER_KEY, MARKER);
        batch.insert(HEAD_KEY, &encode_head(&Head::EMPTY)[..]);
        let what = format!("initialising the new store at {}", dir.display());
        db.apply_batch(batch)
            .map_err(|e| StoreError::sled(what.clone(), e))?;
        db.flush().map_err(|e| StoreError::sled(what, e))?;
        StoreSync::default().sync(dir)?;
        write_owner(dir);
        Ok(SledLog {
            engine: Engine::new(
                SledBackend::new(db, dir),
                Head::EMPTY,
                Some(IdIndex::default()),
                HashMap::new(),
            ),
        })
    }

    /// Opens an existing store and checks its tail (head record, id index count).
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        Self::open_with(dir, SledOptions::default())
    }

    /// `open` with explicit options.
    pub fn open_with(dir: &Path, options: SledOptions) -> Result<Self, StoreError> {
        let log = Self::open_unchecked_with(dir, options)?;
        log.check_tail()?;
        Ok(log)
    }

    /// Opens an existing store without checking its tail, so that `verify` can report on a
    /// damaged one. Appending to a store that fails `verify` is not safe.
    pub fn open_unchecked(dir: &Path) -> Result<Self, StoreError> {
        Self::open_unchecked_with(dir, SledOptions::default())
    }

    /// `open_unchecked` with explicit options.
    pub fn open_unchecked_with(dir: &Path, options: SledOptions) -> Result<Self, StoreError> {
        StoreError::guard(
            || format!("opening the store at {}", dir.display()),
            || Self::open_unguarded(dir, options),
        )
    }

    fn open_unguarded(dir: &Path, options: SledOptions) -> Result<Self, StoreError> {
        if !dir.is_dir() || !has_sled_files(dir) {
            return Err(StoreError::NotAStore {
                dir: dir.to_path_buf(),
            });
        }
        let db = open_db(dir, options.cache_bytes)?;
        let ctx = |action: &str| format!("{action} in the store at {}", dir.display());
        let marker = db
            .get(MARKER_KEY)
            .map_err(|e| StoreError::sled(ctx("reading the format marker"), e))?;
        match marker {
            Some(m) if m.as_ref() == MARKER => {}
            Some(m) => {
                return Err(StoreError::invalid(format!(
                    "the store at {} has format {:?}; this program reads {:?}",
                    dir.display(),
                    String::from_utf8_lossy(&m),
                    String::from_utf8_lossy(MARKER)
                )))
            }
            None => {
                return Err(StoreError::NotAStore {
                    dir: dir.to_path_buf(),
                })
            }
        }
        let head_bytes = db
            .get(HEAD_KEY)
            .map_err(|e| StoreError::sled(ctx("reading the head"), e))?
            .ok_or_else(|| StoreError::corrupt(0, "the head entry is missing"))?;
        let head = decode_head(&head_bytes).ok_or_else(|| {
            StoreError::corrupt(
                0,
                format!("the head entry is {} bytes, not 40", head_bytes.len()),
            )
        })?;

        remove_unfinished_append(&db, &head, &ctx)?;

        let mut versions: HashMap<String, u64> = HashMap::new();
        for item in db.scan_prefix([VERSION]) {
            let (k, v) = item.map_err(|e| StoreError::sled(ctx("reading stream versions"), e))?;
            let stream = String::from_utf8(k[1..].to_vec())
                .map_err(|_| StoreError::corrupt(0, "a stream-version key is not UTF-8"))?;
            let version: [u8; 8] = v.as_ref().try_into().map_err(|_| {
                StoreError::corrupt(
                    0,
                    format!("the version entry of stream {stream:?} is not 8 bytes"),
                )
            })?;
            versions.insert(stream, u64::from_be_bytes(version));
        }
        write_owner(dir);
        Ok(SledLog {
            engine: Engine::new(SledBackend::new(db, dir), head, None, versions),
        })
    }

    /// `EventLog::append_stream`, handing each event back to `spent` as soon as the store is
    /// done with it (made into its record, or found to be a repeat), in arrival order, its
    /// payload in compact form. Not a log operation but a producer's: a producer on another
    /// thread sends the events home to be freed there, since an allocator frees memory into the
    /// thread arena it came from, under that arena's lock, which the producer takes for its own
    /// allocations meanwhile (`bonded load`'s pipeline).
    pub fn append_stream_returning(
        &mut self,
        expected: &HashMap<String, u64>,
        events: &mut dyn Iterator<Item = Streamed>,
        spent: &mut dyn FnMut(NewEvent),
    ) -> Result<AppendOutcome, StoreError> {
        self.engine.append_stream(expected, events, spent)
    }

    /// The directory the store lives in.
    pub fn dir(&self) -> &Path {
        &self.engine.backend.dir
    }

    /// Cheap open-time check of the chain's tail.
    fn check_tail(&self) -> Result<(), StoreError> {
        let head = self.engine.head;
        let backend = &self.engine.backend;
        if head.seq > 0 {
            let value = backend
                .get(head.seq)?
                .ok_or_else(|| StoreError::corrupt(head.seq, "the head record is missing"))?;
            let (hash, _) = open_value(head.seq, &value)?;
            if hash != head.hash {
                return Err(StoreError::corrupt(
                    head.seq,
                    format!(
                        "the head says hash {} but the head record's hash is {}",
                        hex::encode(head.hash),
                        hex::encode(hash)
                    ),
                ));
            }
        }
        if let Some(item) = backend.values_from(head.seq.saturating_add(1)).next() {
            let (seq, _) = item?;
            return Err(StoreError::corrupt(
                seq,
                format!(
                    "a record is stored past the head (the head is record {})",
                    head.seq
                ),
            ));
        }
        Ok(())
    }
}

impl EventLog for SledLog {
    fn append(&mut self, req: AppendRequest) -> Result<AppendOutcome, StoreError> {
        let engine = &mut self.engine;
        StoreError::guard(|| "appending".into(), || engine.append(req))
    }
    fn append_stream(
        &mut self,
        expected: &HashMap<String, u64>,
        events: &mut dyn Iterator<Item = Streamed>,
    ) -> Result<AppendOutcome, StoreError> {
        self.engine.append_stream(expected, events, &mut drop)
    }
    fn head(&self) -> Head {
        self.engine.head
    }
    fn stream_version(&self, stream: &str) -> u64 {
        self.engine.stream_version(stream)
    }
    fn contains(&self, id: &Uuid) -> Result<bool, StoreError> {
        StoreError::guard(
            || "looking up an event id".into(),
            || self.engine.contains(id),
        )
    }
    fn scan(&self, from: u64) -> Box<dyn Iterator<Item = Result<StoredEvent, StoreError>> + '_> {
        Box::new(Guarded::new(self.engine.scan(from)))
    }
    fn scan_replay(
        &self,
        from: u64,
    ) -> Box<dyn Iterator<Item = Result<ReplayRecord, StoreError>> + '_> {
        Box::new(Guarded::new(self.engine.scan_as(from)))
    }
    fn import(&mut self, events: Vec<StoredEvent>) -> Result<Head, StoreError> {
        let engine = &mut self.engine;
        StoreError::guard(|| "importing records".into(), || engine.import(events))
    }
    fn verify(&self) -> Result<VerifyReport, StoreError> {
        StoreError::guard(|| "verifying the log".into(), || self.engine.verify())
    }
}

/// A scan whose every step is guarded against a panic inside sled: the first one ends the scan
/// with an integrity error.
struct Guarded<I> {
    inner: I,
    done: bool,
}

impl<I> Guarded<I> {
    fn new(inner: I) -> Self {
        Guarded { inner, done: false }
    }
}

impl<T, I: Iterator<Item = Result<T, StoreError>>> Iterator for Guarded<I> {
    type Item = Result<T, StoreError>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let inner = &mut self.inner;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.next())) {
            Ok(item) => item,
            Err(_) => {
                self.done = true;
                Some(Err(StoreError::EngineCorrupt {
                    what: "reading the log".into(),
                    offset: None,
                }))
            }
        }
    }
}
