//! What the request handlers share: the state as of the last durable append, the log (for
//! history and verify), the writer's queue.

use std::sync::{Arc, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};

use anyhow::Result;
use ledger_core::{Event, Ledger};
use ledger_store::PgHead;

use super::error::ApiError;
use super::history_index::HistoryIndex;
use super::writer::{Job, Work};
use crate::session::store::Log;
use crate::session::Position;

/// The state readers see. Only the writer changes it, after an append returned (durable).
pub struct Shared {
    pub ledger: Ledger,
    /// The last event folded in.
    pub position: Position,
    /// Where each book's and each item's events are in the log: the index of `history`.
    pub history: HistoryIndex,
    /// Set when `verify` found the log damaged: from then on no figures are served.
    pub fault: Option<String>,
    /// Durable appends (rounds of the writer) since the server started.
    pub appends: u64,
    /// Requests on which the ledger failed (a defect, contained: the writer went on).
    pub panics: u64,
    /// Rounds that found another server had appended first (PostgreSQL), and were decided
    /// again on the state caught up.
    pub redecided: u64,
    /// Set while the connection to the PostgreSQL store is lost (a write or a read of it
    /// failed so): what `/health` says; cleared when the writer has connected again.
    pub store_lost: Option<String>,
}

impl Shared {
    /// Folds one stored event in (replay, and the writer after an append).
    pub fn fold(&mut self, seq: u64, stream: &str, id: uuid::Uuid, event: &Event) {
        self.ledger.evolve(id, event);
        self.history.fold(seq, stream, event);
    }
}

#[derive(Clone)]
pub struct AppState {
    pub shared: Arc<RwLock<Shared>>,
    pub log: Arc<RwLock<Log>>,
    /// On PostgreSQL, where other servers append too: a connection that reads the log's
    /// head, so a request knows whether the state is behind the log.
    pub head: Option<Arc<PgHead>>,
    pub jobs: tokio::sync::mpsc::Sender<Job>,
    /// `/openapi.json`, rendered once the router is built.
    pub openapi: Arc<OnceLock<String>>,
}

/// The state at start, as every command computes it: from the store's snapshot and the log's
/// tail when the snapshot checks out (`session::snapshot`), else a replay of the whole log
/// (two threads, the reader checking each record). The history index of what was loaded is
/// built afterwards, by a thread of its own (`history_index::build_in_background`).
/// An event this version cannot read is an integrity fault, as in every command.
pub fn load(log: &Log) -> Result<Shared> {
    let saved = match crate::session::snapshot::dir_of(log) {
        None => None,
        Some(dir) => match crate::session::snapshot::usable(
            log,
            &dir,
            ledger_core::state::snapshot::Parts::all().into(),
        )? {
            Ok(saved) => Some(saved),
            Err(why) => {
                crate::session::snapshot::note(|| format!("snapshot not used: {why}"));
                None
            }
        },
    };
    let (ledger, position) = match saved {
        Some((ledger, from)) => {
            let snap = from.seq;
            let (ledger, position) = crate::session::replay_onto(log, ledger, from, |_| {})?;
            crate::session::snapshot::note(|| {
                format!(
                    "snapshot at position {snap} used; {} events replayed after it",
                    position.seq - snap
                )
            });
            (ledger, position)
        }
        None => crate::session::replay_with(log, |_| {})?,
    };
    Ok(Shared {
        ledger,
        history: HistoryIndex::pending(position.seq),
        position,
        fault: None,
        panics: 0,
        appends: 0,
        redecided: 0,
        store_lost: None,
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

/// Brings the state up to the log's head before a request is answered or decided: on
/// PostgreSQL other servers append to the same log. A cheap check (the head row) and, when
/// the log moved on, the writer folds what was appended since (it alone changes the state).
/// Nothing to do on the sled store, which this server alone writes.
pub async fn catch_up(st: &AppState) -> Result<(), ApiError> {
    let Some(head) = st.head.clone() else {
        return Ok(());
    };
    let seq = tokio::task::spawn_blocking(move || head.seq())
        .await
        .map_err(|e| ApiError::internal(format!("reading the log's head failed: {e}")))?
        .map_err(|e| {
            ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "cannot read where the log stands in the database ({e}); nothing was \
                     answered or written: retry when the database is reachable"
                ),
            )
        })?;
    if seq <= read(&st.shared).position.seq {
        return Ok(());
    }
    let (reply, answer) = tokio::sync::oneshot::channel();
    st.jobs
        .send(Job {
            by: String::new(),
            work: Work::Sync,
            reply,
        })
        .await
        .map_err(|_| {
            ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "the server is stopping",
            )
        })?;
    answer
        .await
        .map_err(|_| ApiError::internal("the writer stopped before catching up with the log"))?
        .map(|_| ())
}
