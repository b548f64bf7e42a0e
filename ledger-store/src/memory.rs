//! `MemoryLog`: the in-memory backend, for tests and dry runs. Same rules as the sled store.

use std::collections::HashMap;

use crate::engine::{Backend, Commit, CommitFailure, Engine, ValueIter};
use crate::error::StoreError;
use crate::event::StoredEvent;
use crate::log::{AppendOutcome, AppendRequest, EventLog, Head, VerifyReport};

/// Stored values in a vector; index `seq - 1`.
#[derive(Default)]
pub(crate) struct MemoryBackend {
    values: Vec<Vec<u8>>,
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
                .map(|(i, v)| Ok((i as u64 + 1, v.clone()))),
        )
    }

    fn commit(&mut self, commit: &Commit) -> Result<(), CommitFailure> {
        for (seq, _, value) in &commit.records {
            if *seq != self.values.len() as u64 + 1 {
                return Err(CommitFailure {
                    applied: false,
                    error: StoreError::corrupt(*seq, "in-memory log out of step with its head"),
                });
            }
            self.values.push(value.clone());
        }
        Ok(())
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
                HashMap::new(),
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
    fn head(&self) -> Head {
        self.engine.head
    }
    fn stream_version(&self, stream: &str) -> u64 {
        self.engine.stream_version(stream)
    }
    fn contains(&self, id: &uuid::Uuid) -> bool {
        self.engine.ids.contains_key(id)
    }
    fn scan(&self, from: u64) -> Box<dyn Iterator<Item = Result<StoredEvent, StoreError>> + '_> {
        self.engine.scan(from)
    }
    fn import(&mut self, events: Vec<StoredEvent>) -> Result<Head, StoreError> {
        self.engine.import(events)
    }
    fn verify(&self) -> Result<VerifyReport, StoreError> {
        self.engine.verify()
    }
}
