//! The log's semantics (validation, idempotency, expected versions, chain checks) over any record backend.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use crate::chain::check_imported;
use crate::codec::{encode, frame, hash_of, open_value, Record};
use crate::error::StoreError;
use crate::event::{Hash, NewEvent, StoredEvent, GENESIS_HASH};
use crate::log::{AppendOutcome, AppendRequest, ExpectedVersion, Head, VerifyReport};
use crate::validate::{
    check_recorded_at, check_text, compact_payload, MAX_ACTOR_CHARS, MAX_BATCH_EVENTS,
    MAX_BATCH_PAYLOAD_BYTES, MAX_KIND_CHARS, MAX_STREAM_CHARS,
};

/// Iterator over stored values `(global_seq, hash ++ canonical bytes)` in key order.
pub(crate) type ValueIter<'a> = Box<dyn Iterator<Item = Result<(u64, Vec<u8>), StoreError>> + 'a>;

/// Everything one append or import writes, applied atomically by the backend.
pub(crate) struct Commit {
    /// `(global_seq, id, stored value)` in order.
    pub records: Vec<(u64, Uuid, Vec<u8>)>,
    /// New versions of the streams this commit touches.
    pub versions: HashMap<String, u64>,
    pub head: Head,
}

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
    /// Writes a commit atomically (and durably, for durable backends).
    fn commit(&mut self, commit: &Commit) -> Result<(), CommitFailure>;
}

/// The in-memory indexes kept beside a backend.
pub(crate) struct Engine<B> {
    pub backend: B,
    pub head: Head,
    /// Event id → global_seq.
    pub ids: HashMap<Uuid, u64>,
    /// Stream → number of events.
    pub versions: HashMap<String, u64>,
}

/// A validated new event with its compact payload.
struct Prepared {
    ev: NewEvent,
    payload: String,
}

impl<B: Backend> Engine<B> {
    pub fn new(
        backend: B,
        head: Head,
        ids: HashMap<Uuid, u64>,
        versions: HashMap<String, u64>,
    ) -> Self {
        Engine {
            backend,
            head,
            ids,
            versions,
        }
    }

    pub fn stream_version(&self, stream: &str) -> u64 {
        self.versions.get(stream).copied().unwrap_or(0)
    }

    pub fn append(&mut self, req: AppendRequest) -> Result<AppendOutcome, StoreError> {
        let AppendRequest { events, expected } = req;
        check_batch_size(events.len(), "append")?;
        let mut total = 0usize;
        let mut prepared = Vec::with_capacity(events.len());
        for (i, ev) in events.into_iter().enumerate() {
            total = total.saturating_add(ev.payload.len());
            if total > MAX_BATCH_PAYLOAD_BYTES {
                return Err(StoreError::invalid(format!(
                    "the batch's payloads add up to more than {MAX_BATCH_PAYLOAD_BYTES} bytes (reached at event {}); split it into smaller batches",
                    i + 1
                )));
            }
            let payload = check_new_event(&ev).map_err(|w| {
                StoreError::invalid(format!("event {} of the batch (id {}): {w}", i + 1, ev.id))
            })?;
            prepared.push(Prepared { ev, payload });
        }

        // Idempotency: drop events already stored (or already earlier in this batch).
        let mut fresh: Vec<Prepared> = Vec::with_capacity(prepared.len());
        let mut in_batch: HashMap<Uuid, usize> = HashMap::new();
        let mut duplicates = 0u64;
        for p in prepared {
            if let Some(&seq) = self.ids.get(&p.ev.id) {
                let stored = self.load(seq)?;
                if stored.stream == p.ev.stream
                    && stored.kind == p.ev.kind
                    && stored.payload == p.payload
                {
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
            let seq = head.seq.checked_add(1).ok_or_else(|| {
                StoreError::invalid("the log has reached the largest possible sequence number")
            })?;
            let stream_seq = versions
                .get(&p.ev.stream)
                .copied()
                .unwrap_or_else(|| self.stream_version(&p.ev.stream))
                + 1;
            let record = Record {
                global_seq: seq,
                stream_seq,
                id: p.ev.id,
                stream: p.ev.stream,
                kind: p.ev.kind,
                schema_version: p.ev.schema_version,
                actor: p.ev.actor,
                recorded_at: p.ev.recorded_at,
                prev_hash: head.hash,
                payload: p.payload,
            };
            let canonical = encode(&record);
            let hash = hash_of(&canonical);
            versions.insert(record.stream, stream_seq);
            records.push((seq, record.id, frame(&hash, &canonical)));
            head = Head { seq, hash };
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
            if let Some(other) = self.ids.get(&record.id) {
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
        let result = self.backend.commit(&commit);
        let applied = match &result {
            Ok(()) => true,
            Err(f) => f.applied,
        };
        if applied {
            for (seq, id, _) in &commit.records {
                self.ids.insert(*id, *seq);
            }
            self.versions.extend(commit.versions);
            self.head = commit.head;
        }
        result.map_err(|f| f.error)
    }

    /// Loads and checks one record.
    fn load(&self, seq: u64) -> Result<Record, StoreError> {
        let value = self.backend.get(seq)?.ok_or_else(|| {
            StoreError::corrupt(
                seq,
                "the record is missing although the id index points at it",
            )
        })?;
        Ok(open_value(seq, &value)?.1)
    }

    pub fn scan(
        &self,
        from: u64,
    ) -> Box<dyn Iterator<Item = Result<StoredEvent, StoreError>> + '_> {
        let from = from.max(1);
        if from > self.head.seq {
            return Box::new(std::iter::empty());
        }
        let prev = if from == 1 {
            Ok(GENESIS_HASH)
        } else {
            self.backend.get(from - 1).and_then(|v| match v {
                Some(v) => Ok(open_value(from - 1, &v)?.0),
                None => Err(StoreError::corrupt(from - 1, "the record is missing")),
            })
        };
        match prev {
            Err(e) => Box::new(std::iter::once(Err(e))),
            Ok(prev) => Box::new(Scan {
                values: self.backend.values_from(from),
                next: from,
                last: self.head.seq,
                prev,
                done: false,
            }),
        }
    }

    pub fn verify(&self) -> Result<VerifyReport, StoreError> {
        let head = self.head;
        let mut next = 1u64;
        let mut prev = GENESIS_HASH;
        let mut versions: HashMap<String, (u64, u64)> = HashMap::new(); // stream → (version, last seq)
        let mut seen: HashMap<Uuid, u64> = HashMap::new();
        for item in self.backend.values_from(1) {
            let (key, value) = item?;
            if key != next || next > head.seq {
                return Err(if next <= head.seq {
                    StoreError::corrupt(
                        next,
                        format!("the record is missing (the next stored record is {key})"),
                    )
                } else {
                    StoreError::corrupt(
                        key,
                        format!(
                            "a record is stored past the head (the head is record {})",
                            head.seq
                        ),
                    )
                });
            }
            let (hash, record) = open_value(key, &value)?;
            if record.prev_hash != prev {
                return Err(StoreError::corrupt(
                    key,
                    format!(
                        "prev_hash {} does not link to record {}'s hash {}",
                        hex::encode(record.prev_hash),
                        key - 1,
                        hex::encode(prev)
                    ),
                ));
            }
            let entry = versions.entry(record.stream.clone()).or_insert((0, 0));
            if record.stream_seq != entry.0 + 1 {
                return Err(StoreError::corrupt(
                    key,
                    format!(
                        "stream {:?} jumps from stream_seq {} to {}",
                        record.stream, entry.0, record.stream_seq
                    ),
                ));
            }
            *entry = (record.stream_seq, key);
            if let Some(other) = seen.insert(record.id, key) {
                return Err(StoreError::corrupt(
                    key,
                    format!("event id {} was already used by record {other}", record.id),
                ));
            }
            if self.ids.get(&record.id) != Some(&key) {
                return Err(StoreError::corrupt(
                    key,
                    format!(
                        "the id index does not map event id {} to this record",
                        record.id
                    ),
                ));
            }
            prev = hash;
            next += 1;
        }
        if next <= head.seq {
            return Err(StoreError::corrupt(next, "the record is missing"));
        }
        if prev != head.hash {
            return Err(StoreError::corrupt(
                head.seq,
                format!(
                    "the head says hash {} but the last record's hash is {}",
                    hex::encode(head.hash),
                    hex::encode(prev)
                ),
            ));
        }
        if self.ids.len() as u64 != head.seq {
            return Err(StoreError::corrupt(
                head.seq + 1,
                format!(
                    "the id index holds {} entries but the log has {} records",
                    self.ids.len(),
                    head.seq
                ),
            ));
        }
        let mut stale: Vec<(u64, String)> = Vec::new();
        for (stream, held) in &self.versions {
            let (actual, last) = versions.get(stream).copied().unwrap_or((0, 0));
            if *held != actual {
                stale.push((
                    last,
                    format!(
                        "stream {stream:?} is recorded at version {held} but holds {actual} events"
                    ),
                ));
            }
        }
        for (stream, (actual, last)) in &versions {
            if !self.versions.contains_key(stream) {
                stale.push((
                    *last,
                    format!("stream {stream:?} holds {actual} events but has no recorded version"),
                ));
            }
        }
        if let Some((seq, what)) = stale.into_iter().min() {
            return Err(StoreError::corrupt(seq, what));
        }
        Ok(VerifyReport {
            events: head.seq,
            head,
        })
    }
}

fn check_batch_size(n: usize, what: &str) -> Result<(), StoreError> {
    if n > MAX_BATCH_EVENTS {
        return Err(StoreError::invalid(format!(
            "the {what} carries {n} events; the limit is {MAX_BATCH_EVENTS} per call, so split it"
        )));
    }
    Ok(())
}

/// Checks a new event's fields; returns its compact payload.
fn check_new_event(ev: &NewEvent) -> Result<String, String> {
    check_text("stream", &ev.stream, MAX_STREAM_CHARS)?;
    check_text("kind", &ev.kind, MAX_KIND_CHARS)?;
    check_text("actor", &ev.actor, MAX_ACTOR_CHARS)?;
    check_recorded_at(&ev.recorded_at)?;
    compact_payload(&ev.payload)
}

/// Reads records in order, checking each one's position, hash and link before handing it out.
struct Scan<'a> {
    values: ValueIter<'a>,
    next: u64,
    last: u64,
    prev: Hash,
    done: bool,
}

impl Scan<'_> {
    fn step(&mut self) -> Option<Result<StoredEvent, StoreError>> {
        if self.next > self.last {
            return None;
        }
        let seq = self.next;
        let (key, value) = match self.values.next() {
            None => return Some(Err(StoreError::corrupt(seq, "the record is missing"))),
            Some(Err(e)) => return Some(Err(e)),
            Some(Ok(kv)) => kv,
        };
        if key != seq {
            return Some(Err(StoreError::corrupt(
                seq,
                format!("the record is missing (the next stored record is {key})"),
            )));
        }
        let (hash, record) = match open_value(seq, &value) {
            Ok(x) => x,
            Err(e) => return Some(Err(e)),
        };
        if record.prev_hash != self.prev {
            return Some(Err(StoreError::corrupt(
                seq,
                format!(
                    "prev_hash {} does not link to record {}'s hash {}",
                    hex::encode(record.prev_hash),
                    seq - 1,
                    hex::encode(self.prev)
                ),
            )));
        }
        self.prev = hash;
        self.next += 1;
        Some(Ok(record.into_stored(&hash)))
    }
}

impl Iterator for Scan<'_> {
    type Item = Result<StoredEvent, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.step();
        if !matches!(item, Some(Ok(_))) {
            self.done = true;
        }
        item
    }
}
