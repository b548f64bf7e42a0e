//! `MemoryLog`: the in-memory backend, for tests and dry runs. Same rules as the sled store.

use std::collections::HashMap;

use uuid::Uuid;

use crate::codec::open_value_ref;
use crate::engine::{Backend, Commit, CommitFailure, Engine, StagedCommit, ValueIter};
use crate::error::StoreError;
use crate::event::{ReplayRecord, StoredEvent};
use crate::id_index::IdIndex;
use crate::log::{AppendOutcome, AppendRequest, EventLog, Head, Streamed, VerifyReport};

/// Stored values in a vector; index `seq - 1`. Past `committed` come the records of a
/// streamed append still arriving (or abandoned and not yet removed).
#[derive(Default)]
pub(crate) struct MemoryBackend {
    values: Vec<Vec<u8>>,
    /// How many values are part of the log.
    committed: usize,
}

impl MemoryBackend {
    fn out_of_step(seq: u64) -> StoreError {
        StoreError::corrupt(seq, "in-memory log out of step with its head")
    }
}

impl Backend for MemoryBackend {
    fn get(&self, seq: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let index = match usize::try_from(seq) {
            Ok(s) if s >= 1 => s - 1,
            _ => return Ok(None),
        };
        Ok(self.values.get(index).cloned())
    }

    fn values_from(&self, seq: u64) -> ValueIter<'_> {
        let skip = usize::try_from(seq.saturating_sub(1)).unwrap_or(usize::MAX);
        Box::new(
            self.values
                .iter()
                .enumerate()
                .skip(skip)
                .map(|(i, v)| Ok((i as u64 + 1, sled::IVec::from(v.as_slice())))),
        )
    }

    fn read_ids(&self, head: &Head) -> Result<IdIndex, StoreError> {
        // The engine of a memory log is always given its index; this reads the records.
        let mut ids = IdIndex::default();
        for (i, value) in self.values.iter().take(self.committed).enumerate() {
            let seq = i as u64 + 1;
            if seq > head.seq {
                break;
            }
            let (_, record) = open_value_ref(seq, value)?;
            ids.push(record.id).map_err(|e| e.at(seq, record.id))?;
        }
        Ok(ids)
    }

    fn commit(&mut self, commit: &Commit) -> Result<(), CommitFailure> {
        self.abandon();
        for (seq, _, value) in &commit.records {
            if *seq != self.values.len() as u64 + 1 {
                self.abandon();
                return Err(CommitFailure {
                    applied: false,
                    error: Self::out_of_step(*seq),
                });
            }
            self.values.push(value.clone());
        }
        self.committed = self.values.len();
        Ok(())
    }

    fn stage(&mut self, records: &[(u64, Uuid, Vec<u8>)]) -> Result<(), StoreError> {
        if records.first().map(|r| r.0) == Some(self.committed as u64 + 1) {
            // A new append: whatever an earlier one left goes first.
            self.abandon();
        }
        for (seq, _, value) in records {
            if *seq != self.values.len() as u64 + 1 {
                return Err(Self::out_of_step(*seq));
            }
            self.values.push(value.clone());
        }
        Ok(())
    }

    fn commit_staged(&mut self, commit: &StagedCommit) -> Result<(), CommitFailure> {
        let first = commit.ids.first().map_or(0, |r| r.0);
        if first != self.committed as u64 + 1 || commit.head.seq != self.values.len() as u64 {
            return Err(CommitFailure {
                applied: false,
                error: Self::out_of_step(first),
            });
        }
        self.committed = self.values.len();
        Ok(())
    }

    fn abandon(&mut self) {
        self.values.truncate(self.committed);
    }
}

/// An event log held in memory; lost when dropped.
pub struct MemoryLog {
    engine: Engine<MemoryBackend>,
}

impl MemoryLog {
    /// An empty log.
    pub fn new() -> Self {
        MemoryLog {
            engine: Engine::new(
                MemoryBackend::default(),
                Head::EMPTY,
                Some(IdIndex::default()),
                HashMap::new(),
            ),
        }
    }
}

impl Default for MemoryLog {
    fn default() -> Self {
        Self::new()
    }
}

impl EventLog for MemoryLog {
    fn append(&mut self, req: AppendRequest) -> Result<AppendOutcome, StoreError> {
        self.engine.append(req)
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
        self.engine.contains(id)
    }
    fn scan(&self, from: u64) -> Box<dyn Iterator<Item = Result<StoredEvent, StoreError>> + '_> {
        self.engine.scan(from)
    }
    fn scan_replay(
        &self,
        from: u64,
    ) -> Box<dyn Iterator<Item = Result<ReplayRecord, StoreError>> + '_> {
        self.engine.scan_as(from)
    }
    fn import(&mut self, events: Vec<StoredEvent>) -> Result<Head, StoreError> {
        self.engine.import(events)
    }
    fn verify(&self) -> Result<VerifyReport, StoreError> {
        self.engine.verify()
    }
}
