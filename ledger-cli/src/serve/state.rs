//! What the request handlers share: the state as of the last durable append, the log (for
//! history and verify), the writer's queue.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};

use anyhow::Result;
use ledger_core::{Event, Ledger};
use ledger_store::{EventLog, SledLog};

use super::writer::Job;
use crate::session::Position;

/// The state readers see. Only the writer changes it, after an append returned (durable).
pub struct Shared {
    pub ledger: Ledger,
    /// The last event folded in.
    pub position: Position,
    /// Each stream's global sequence numbers, ascending: the index of `history`.
    pub stream_seqs: HashMap<String, Vec<u64>>,
    /// Set when `verify` found the log damaged: from then on no figures are served.
    pub fault: Option<String>,
    /// Durable appends (rounds of the writer) since the server started.
    pub appends: u64,
    /// Requests on which the ledger failed (a defect, contained: the writer went on).
    pub panics: u64,
}

impl Shared {
    /// Folds one stored event in (replay, and the writer after an append).
    pub fn fold(&mut self, seq: u64, stream: &str, id: uuid::Uuid, event: &Event) {
        self.ledger.evolve(id, event);
        self.stream_seqs
            .entry(stream.to_string())
            .or_default()
            .push(seq);
    }
}

#[derive(Clone)]
pub struct AppState {
    pub shared: Arc<RwLock<Shared>>,
    pub log: Arc<RwLock<SledLog>>,
    pub jobs: tokio::sync::mpsc::Sender<Job>,
    /// `/openapi.json`, rendered once the router is built.
    pub openapi: Arc<OnceLock<String>>,
}

/// The state at start, as every command computes it: from the store's snapshot and the log's
/// tail when the snapshot checks out (`session::snapshot`), else a replay of the whole log
/// (two threads, the reader checking each record). Each stream's positions are indexed on the
/// way; the records the snapshot covers are only read for that index (each re-hashed and
/// chained, as every read of the log), not decoded nor folded.
/// An event this version cannot read is an integrity fault, as in every command.
pub fn load(log: &SledLog) -> Result<Shared> {
    let mut stream_seqs: HashMap<String, Vec<u64>> = HashMap::new();
    let mut index = |record: &ledger_store::ReplayRecord| match stream_seqs.get_mut(record.stream())
    {
        Some(seqs) => seqs.push(record.global_seq),
        None => {
            stream_seqs.insert(record.stream().to_string(), vec![record.global_seq]);
        }
    };
    let saved = match crate::session::snapshot::usable(log, log.dir())? {
        Ok(saved) => Some(saved),
        Err(why) => {
            crate::session::snapshot::note(|| format!("snapshot not used: {why}"));
            None
        }
    };
    let (ledger, position) = match saved {
        Some((ledger, from)) => {
            for record in log
                .scan_replay(1)
                .take(usize::try_from(from.seq).unwrap_or(usize::MAX))
            {
                index(&record?);
            }
            let snap = from.seq;
            let (ledger, position) = crate::session::replay_onto(log, ledger, from, index)?;
            crate::session::snapshot::note(|| {
                format!(
                    "snapshot at position {snap} used; {} events replayed after it",
                    position.seq - snap
                )
            });
            (ledger, position)
        }
        None => crate::session::replay_with(log, index)?,
    };
    Ok(Shared {
        ledger,
        position,
        stream_seqs,
        fault: None,
        panics: 0,
        appends: 0,
    })
}

/// A read lock; a lock poisoned by a panic elsewhere still holds a consistent state (only the
/// writer writes, and it folds whole rounds).
pub fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|p| p.into_inner())
}

pub fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|p| p.into_inner())
}
