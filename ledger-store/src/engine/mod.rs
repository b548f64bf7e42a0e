//! The log's semantics (validation, idempotency, expected versions, chain checks) over any record backend.
//!
//! Here: the backend trait, the engine, and a batch appended or imported. `streaming`: an
//! append handed over one event at a time. `reading`: scans and `verify`, each record
//! re-hashed and chained as it is read.

mod reading;
mod streaming;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::marker::PhantomData;
use std::sync::OnceLock;

use uuid::Uuid;

use crate::chain::check_imported;
use crate::codec::{
    decode, encode, frame, open_value, open_value_ref, seal_record, unframe, Record, RecordRef,
};
use crate::error::StoreError;
use crate::event::{Hash, NewEvent, Payload, ReplayRecord, StoredEvent, GENESIS_HASH};
use crate::id_index::{IdIndex, PushError, MAX_RECORDS};
use crate::log::{AppendOutcome, AppendRequest, ExpectedVersion, Head, Streamed, VerifyReport};
use crate::validate::{
    check_payload_size, check_recorded_at, check_text, compact_payload_owned, MAX_ACTOR_CHARS,
    MAX_BATCH_EVENTS, MAX_BATCH_PAYLOAD_BYTES, MAX_KIND_CHARS, MAX_STREAM_CHARS,
};

/// Iterator over stored values `(global_seq, hash ++ canonical bytes)` in key order. The
/// bytes are sled's shared buffers, handed out without a copy (a scan reads a million).
pub(crate) type ValueIter<'a> =
    Box<dyn Iterator<Item = Result<(u64, sled::IVec), StoreError>> + 'a>;

/// Everything one append or import writes, applied atomically by the backend.
pub(crate) struct Commit {
    /// `(global_seq, id, stored value)` in order.
    pub records: Vec<(u64, Uuid, Vec<u8>)>,
    /// New versions of the streams this commit touches.
    pub versions: HashMap<String, u64>,
    pub head: Head,
}

/// What makes a streamed append's staged records part of the log, applied atomically.
pub(crate) struct StagedCommit {
    /// `(global_seq, id)` of every staged record, in order.
    pub ids: Vec<(u64, Uuid)>,
    /// New versions of the streams the append touches.
    pub versions: HashMap<String, u64>,
    pub head: Head,
}

/// Records of a streamed append handed to the backend at a time (`Backend::stage`): small
/// enough that the backend's work follows the producer closely, large enough to cost little.
pub(crate) const STAGE_RECORDS: usize = 256;

/// A failed commit; `applied` is true when the records did land but a later step (flush) failed.
pub(crate) struct CommitFailure {
    pub applied: bool,
    pub error: StoreError,
}

/// Where records live. Backends store and fetch bytes; the engine owns all rules.
pub(crate) trait Backend {
    /// The stored value of record `seq`, if present.
    fn get(&self, seq: u64) -> Result<Option<Vec<u8>>, StoreError>;
    /// Every stored value from `seq` on, in order, including any stray ones past the head.
    fn values_from(&self, seq: u64) -> ValueIter<'_>;
    /// The ids of the records up to `head`, in log order, as the backend keeps them.
    fn read_ids(&self, head: &Head) -> Result<IdIndex, StoreError>;
    /// Writes a commit atomically (and durably, for durable backends). Clears first whatever a
    /// streamed append left staged.
    fn commit(&mut self, commit: &Commit) -> Result<(), CommitFailure>;
    /// Writes records of a streamed append that is still arriving, past the head, where no
    /// reader looks: they are not part of the log until `commit_staged`. The records of one
    /// append follow each other from head + 1; a call whose first record is not the one after
    /// the last staged starts a new append, clearing first whatever an earlier one left.
    /// `get` reads staged records back (for the idempotency check within the append).
    fn stage(&mut self, records: &[(u64, Uuid, Vec<u8>)]) -> Result<(), StoreError>;
    /// Makes the staged records part of the log (their ids, the versions and the head),
    /// atomically and durably for durable backends.
    fn commit_staged(&mut self, commit: &StagedCommit) -> Result<(), CommitFailure>;
    /// Removes what a streamed append staged; best effort (what it cannot remove, the next
    /// `stage` or `commit` removes first, and a durable backend on its next open).
    fn abandon(&mut self);
}

/// The in-memory indexes kept beside a backend.
pub(crate) struct Engine<B> {
    pub backend: B,
    pub head: Head,
    /// Event id → global_seq, read from the backend the first time a write or `verify` needs
    /// it ([`Engine::ids`]): a command that only reads never does (its replay checks every
    /// record without it), and opens without reading a million ids first.
    ids: OnceLock<IdIndex>,
    /// Stream → number of events.
    pub versions: HashMap<String, u64>,
}

/// A validated new event with its compact payload.
struct Prepared {
    ev: NewEvent,
    payload: String,
}

impl<B: Backend> Engine<B> {
    /// An engine over `backend` at `head`; `ids`, when the caller has them, else read when
    /// first needed.
    pub fn new(
        backend: B,
        head: Head,
        ids: Option<IdIndex>,
        versions: HashMap<String, u64>,
    ) -> Self {
        Engine {
            backend,
            head,
            ids: ids.map(OnceLock::from).unwrap_or_default(),
            versions,
        }
    }

    /// The id index, read from the backend on first use and checked to hold one id per
    /// record up to the head.
    pub fn ids(&self) -> Result<&IdIndex, StoreError> {
        if let Some(ids) = self.ids.get() {
            return Ok(ids);
        }
        let read = self.backend.read_ids(&self.head)?;
        if read.len() as u64 != self.head.seq {
            return Err(StoreError::corrupt(
                self.head.seq.min(read.len() as u64 + 1),
                format!(
                    "the id index holds {} entries but the head says the log has {} records",
                    read.len(),
                    self.head.seq
                ),
            ));
        }
        Ok(self.ids.get_or_init(|| read))
    }

    /// Whether the id index has been read (a backend another process writes to extends it
    /// with what that process added, [`Engine::extend_ids`]; an index not read yet is read
    /// whole when first needed).
    pub fn ids_loaded(&self) -> bool {
        self.ids.get().is_some()
    }

    /// Adds to a read id index the ids of records another writer made part of the log, in
    /// order from the record after the last one it holds.
    pub fn extend_ids(
        &mut self,
        records: impl Iterator<Item = (u64, Uuid)>,
    ) -> Result<(), StoreError> {
        index_ids(&mut self.ids, records)
    }

    /// Whether an event with this id is stored.
    pub fn contains(&self, id: &Uuid) -> Result<bool, StoreError> {
        Ok(self.ids()?.contains(id))
    }

    pub fn stream_version(&self, stream: &str) -> u64 {
        self.versions.get(stream).copied().unwrap_or(0)
    }

    pub fn append(&mut self, req: AppendRequest) -> Result<AppendOutcome, StoreError> {
        let AppendRequest { events, expected } = req;
        check_batch_size(events.len(), "append")?;
        let mut total = 0usize;
        let mut prepared = Vec::with_capacity(events.len());
        for (i, mut ev) in events.into_iter().enumerate() {
            total = total.saturating_add(ev.payload.len());
            if total > MAX_BATCH_PAYLOAD_BYTES {
                return Err(StoreError::invalid(format!(
                    "the batch's payloads add up to more than {MAX_BATCH_PAYLOAD_BYTES} bytes (reached at event {}); split it into smaller batches",
                    i + 1
                )));
            }
            let payload = check_new_event(&mut ev).map_err(|w| {
                StoreError::invalid(format!("event {} of the batch (id {}): {w}", i + 1, ev.id))
            })?;
            prepared.push(Prepared { ev, payload });
        }

        // Idempotency: drop events already stored (or already earlier in this batch).
        let mut fresh: Vec<Prepared> = Vec::with_capacity(prepared.len());
        let mut in_batch: HashMap<Uuid, usize> = HashMap::new();
        let mut duplicates = 0u64;
        for p in prepared {
            if let Some(seq) = self.ids()?.get(&p.ev.id) {
                let stored = self.load(seq)?;
                if same_event(&stored, &p.ev, &p.payload) {
                    duplicates += 1;
                    continue;
                }
                return Err(StoreError::IdConflict { id: p.ev.id, seq });
            }
            if let Some((j, first)) = in_batch
                .get(&p.ev.id)
                .and_then(|&j| Some((j, fresh.get(j)?)))
            {
                if first.ev.stream == p.ev.stream
                    && first.ev.kind == p.ev.kind
                    && first.payload == p.payload
                {
                    duplicates += 1;
                    continue;
                }
                let seq = self.head.seq.saturating_add(j as u64 + 1);
                return Err(StoreError::IdConflict { id: p.ev.id, seq });
            }
            in_batch.insert(p.ev.id, fresh.len());
            fresh.push(p);
        }

        // A batch made only of already-stored events is a retry of a write that succeeded:
        // answer it like the first time, without re-checking versions that write itself moved.
        let is_pure_retry = fresh.is_empty() && duplicates > 0;
        if !is_pure_retry {
            for (stream, want) in &expected {
                if let ExpectedVersion::Exact(n) = want {
                    let actual = self.stream_version(stream);
                    if actual != *n {
                        return Err(StoreError::WrongExpectedVersion {
                            stream: stream.clone(),
                            expected: *n,
                            actual,
                        });
                    }
                }
            }
        }
        if fresh.is_empty() {
            return Ok(AppendOutcome {
                appended: 0,
                duplicates,
                head: self.head,
            });
        }

        let mut head = self.head;
        let mut versions: HashMap<String, u64> = HashMap::new();
        let mut records = Vec::with_capacity(fresh.len());
        for p in fresh {
            let stream_seq = versions
                .get(&p.ev.stream)
                .copied()
                .unwrap_or_else(|| self.stream_version(&p.ev.stream))
                + 1;
            records.push(seal(
                &mut head,
                stream_seq,
                &p.ev,
                &p.payload,
                &mut versions,
            )?);
        }
        let appended = records.len() as u64;
        self.commit(Commit {
            records,
            versions,
            head,
        })?;
        Ok(AppendOutcome {
            appended,
            duplicates,
            head,
        })
    }

    pub fn import(&mut self, events: Vec<StoredEvent>) -> Result<Head, StoreError> {
        check_batch_size(events.len(), "import")?;
        let mut head = self.head;
        let mut versions: HashMap<String, u64> = HashMap::new();
        let mut seen: HashSet<Uuid> = HashSet::new();
        let mut records = Vec::with_capacity(events.len());
        for ev in &events {
            let expect = head.seq.checked_add(1).ok_or_else(|| {
                StoreError::invalid("the log has reached the largest possible sequence number")
            })?;
            let (hash, record) = check_imported(ev, expect, &head.hash)?;
            let current = versions
                .get(&record.stream)
                .copied()
                .unwrap_or_else(|| self.stream_version(&record.stream));
            if record.stream_seq != current + 1 {
                return Err(StoreError::chain(
                    expect,
                    format!(
                        "stream {:?} is at version {current} so its next event must have stream_seq {}, but this one has {}",
                        record.stream,
                        current + 1,
                        record.stream_seq
                    ),
                ));
            }
            if let Some(other) = self.ids()?.get(&record.id) {
                return Err(StoreError::chain(
                    expect,
                    format!("event id {} is already used by record {other}", record.id),
                ));
            }
            if !seen.insert(record.id) {
                return Err(StoreError::chain(
                    expect,
                    format!(
                        "event id {} appears twice in the imported events",
                        record.id
                    ),
                ));
            }
            versions.insert(record.stream.clone(), record.stream_seq);
            records.push((expect, record.id, frame(&hash, &encode(&record))));
            head = Head { seq: expect, hash };
        }
        if records.is_empty() {
            return Ok(self.head);
        }
        self.commit(Commit {
            records,
            versions,
            head,
        })?;
        Ok(head)
    }

    fn commit(&mut self, commit: Commit) -> Result<(), StoreError> {
        check_room(&commit.head)?;
        let result = self.backend.commit(&commit);
        if applied(&result) {
            self.versions.extend(commit.versions);
            self.head = commit.head;
            index_ids(
                &mut self.ids,
                commit.records.iter().map(|(seq, id, _)| (*seq, *id)),
            )?;
        }
        result.map_err(|f| f.error)
    }
}

/// Refuses a commit that would take the log past what its id index can hold.
fn check_room(head: &Head) -> Result<(), StoreError> {
    if head.seq > MAX_RECORDS {
        return Err(PushError::Full.at(head.seq, Uuid::nil()));
    }
    Ok(())
}

/// Adds the ids of records just made part of the log to the index, in order; an index not
/// read yet reads them with the rest when it is.
fn index_ids(
    ids: &mut OnceLock<IdIndex>,
    records: impl Iterator<Item = (u64, Uuid)>,
) -> Result<(), StoreError> {
    let Some(ids) = ids.get_mut() else {
        return Ok(());
    };
    for (seq, id) in records {
        ids.push(id).map_err(|e| e.at(seq, id))?;
    }
    Ok(())
}

/// Whether a backend's commit landed (succeeded, or failed only after writing).
fn applied(result: &Result<(), CommitFailure>) -> bool {
    match result {
        Ok(()) => true,
        Err(f) => f.applied,
    }
}

/// Whether a new event is the very event `stored` (a retry): same stream, kind and payload.
fn same_event(stored: &Record, ev: &NewEvent, payload: &str) -> bool {
    stored.stream == ev.stream && stored.kind == ev.kind && stored.payload == payload
}

/// A streamed append's expectation for `stream`: the version named, or 0.
fn check_expected(
    expected: &HashMap<String, u64>,
    stream: &str,
    actual: u64,
) -> Result<(), StoreError> {
    let want = expected.get(stream).copied().unwrap_or(0);
    if actual != want {
        return Err(StoreError::WrongExpectedVersion {
            stream: stream.to_string(),
            expected: want,
            actual,
        });
    }
    Ok(())
}

/// Makes a checked event `ev` (its payload `payload`, compact) the record after `head`, at
/// `stream_seq` in its stream: encoded, hashed and chained into its stored value. Moves
/// `head` and the stream's version on. The event's strings are only read.
fn seal(
    head: &mut Head,
    stream_seq: u64,
    ev: &NewEvent,
    payload: &str,
    versions: &mut HashMap<String, u64>,
) -> Result<(u64, Uuid, Vec<u8>), StoreError> {
    let seq = head.seq.checked_add(1).ok_or_else(|| {
        StoreError::invalid("the log has reached the largest possible sequence number")
    })?;
    let (hash, value) = seal_record(&RecordRef {
        global_seq: seq,
        stream_seq,
        id: ev.id,
        stream: &ev.stream,
        kind: &ev.kind,
        schema_version: ev.schema_version,
        actor: &ev.actor,
        recorded_at: &ev.recorded_at,
        prev_hash: head.hash,
        payload,
    });
    match versions.get_mut(&ev.stream) {
        Some(version) => *version = stream_seq,
        None => {
            versions.insert(ev.stream.clone(), stream_seq);
        }
    }
    *head = Head { seq, hash };
    Ok((seq, ev.id, value))
}

fn check_batch_size(n: usize, what: &str) -> Result<(), StoreError> {
    if n > MAX_BATCH_EVENTS {
        return Err(StoreError::invalid(format!(
            "the {what} carries {n} events; the limit is {MAX_BATCH_EVENTS} per call, so split it"
        )));
    }
    Ok(())
}

/// Checks a new event's fields; takes its payload out and returns it in compact form.
fn check_new_event(ev: &mut NewEvent) -> Result<String, String> {
    check_text("stream", &ev.stream, MAX_STREAM_CHARS)?;
    check_text("kind", &ev.kind, MAX_KIND_CHARS)?;
    check_text("actor", &ev.actor, MAX_ACTOR_CHARS)?;
    check_recorded_at(&ev.recorded_at)?;
    match std::mem::take(&mut ev.payload).into_parts() {
        // serde_json's own output: one JSON document, compact, UTF-8.
        (bytes, true) => {
            check_payload_size(&bytes)?;
            String::from_utf8(bytes).map_err(|e| format!("payload is not UTF-8: {e}"))
        }
        (bytes, false) => compact_payload_owned(bytes),
    }
}
