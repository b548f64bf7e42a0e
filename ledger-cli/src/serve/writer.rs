//! The one writer: it owns the appends to the log.
//!
//! Requests arrive on a bounded channel, each with a oneshot for its answer. A round takes
//! every request waiting (up to [`MAX_ROUND_JOBS`]), decides each in order against the running
//! state (a refused request gets its refusals and the others go on), appends the events of all
//! accepted requests as one `EventLog::append` — one durable batch, one fsync — folds them into
//! the shared state and only then answers. While a round syncs, the next one queues: group
//! commit, so throughput grows with the number of clients.
//!
//! The writer decides against its own copy of the state (`working`): readers never see events
//! that are not durable. When a request is refused after some of its lines were folded into
//! `working`, or an append fails, `working` is rebuilt from the shared state and the round's
//! accepted events.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, RwLock};

use anyhow::{Context, Result};
use axum::http::StatusCode;
use ledger_core::decide::review::{decide_request_in_place, RequestOutcome, Submitted};
use ledger_core::events::commands::Command;
use ledger_core::events::event_json::decode_event;
use ledger_core::{decide, Decided, Ledger, SCHEMA_VERSION};
use ledger_store::{AppendRequest, EventLog, ExpectedVersion, NewEvent, StoreError};
use tokio::sync::{mpsc, oneshot};

use super::error::ApiError;
use super::state::{self, read, write, Shared};
use crate::session::store::Log;
use crate::session::{now_rfc3339, Position};

/// What `/health` says while the connection to the PostgreSQL store is lost.
pub const STORE_LOST: &str = "the connection to the PostgreSQL store is lost: writes fail \
     until the server connects again, which it tries at the next request that writes or reads \
     the log";

/// 503 for a request that met the store's connection lost: nothing of it was written (or, for
/// a commit cut off with the connection, it is found in the log when the server reads it
/// again, and a repeat is recognised).
fn store_lost(e: &StoreError) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        format!(
            "the connection to the PostgreSQL store was lost ({e}); the request is not known \
             to be recorded (if the connection went during its commit, it may have been): \
             retry it — the server connects again for the next request, and a repeat of the \
             same lines is recognised and not applied twice"
        ),
    )
}

/// Most requests decided in one round.
pub const MAX_ROUND_JOBS: usize = 256;
/// Most events appended in one round (a store batch takes up to 500,000).
pub const MAX_ROUND_EVENTS: usize = 100_000;
/// How often in a row a round may find that another server appended first (PostgreSQL) and
/// be decided again before its requests are answered 503 (retry). A round that lost the race
/// is decided again holding the log's head (`round_locked`), which cannot be overtaken: this
/// bound is a guard, not the way out.
pub const MAX_CONFLICTS: u32 = 32;

/// What a request asks of the writer.
#[derive(Clone)]
pub enum Work {
    /// The lines of a body: all or nothing, reviewable ones entering as pending.
    Lines(Vec<(u64, Command)>),
    /// One command (a review, a user, a book, its settings).
    One(Box<Command>),
    /// Nothing to decide: fold what other servers appended (PostgreSQL), so that a read
    /// answers from the log as it stands.
    Sync,
    /// A request on which deciding panics: how the tests stand in for a defect.
    #[cfg(test)]
    Panic,
}

impl Work {
    fn size(&self) -> usize {
        match self {
            Work::Lines(lines) => lines.len(),
            Work::One(_) => 1,
            Work::Sync => 0,
            #[cfg(test)]
            Work::Panic => 1,
        }
    }
}

/// A request for the writer: who makes it, what, and where the answer goes.
pub struct Job {
    pub by: String,
    pub work: Work,
    pub reply: oneshot::Sender<Result<Done, ApiError>>,
}

/// What the writer did with a request; the events are durable.
#[derive(Debug, Clone)]
pub struct Done {
    /// Events written for this request (0: it was all recorded before).
    pub events: u64,
    /// The kinds of those events, in order.
    pub kinds: Vec<&'static str>,
    pub submitted: Vec<Submitted>,
    /// The log's head after the round.
    pub position: Position,
}

/// Starts the writer thread.
pub fn spawn(
    log: Arc<RwLock<Log>>,
    shared: Arc<RwLock<Shared>>,
    working: Ledger,
    rx: mpsc::Receiver<Job>,
) -> Result<std::thread::JoinHandle<()>> {
    let multi = read(&log).is_shared();
    let writer = Writer {
        log,
        shared,
        working,
        multi,
        conflicts: 0,
        unshared: Vec::new(),
    };
    std::thread::Builder::new()
        .name("bonded-writer".into())
        .spawn(move || writer.run(rx))
        .context("cannot start the writer thread")
}

struct Writer {
    log: Arc<RwLock<Log>>,
    shared: Arc<RwLock<Shared>>,
    working: Ledger,
    /// Other servers append to the same log (PostgreSQL): each round first catches up, and
    /// appends only if the log is still where the round was decided.
    multi: bool,
    /// Rounds in a row that lost the race to another server.
    conflicts: u32,
    /// Records of other servers folded into `working` but not yet into the shared state (a
    /// locked round, while it decides): `working` is rebuilt from the shared state and these.
    unshared: Vec<(uuid::Uuid, ledger_core::Event)>,
}

/// A round decided: the events of its accepted requests (with their actors), and every
/// request decided.
type Round = (Vec<(String, Decided)>, Vec<Accepted>);

/// A request decided in the current round, waiting for the append: accepted (what it gave)
/// or, on a shared log, refused (answered only once the round is known to stand).
struct Accepted {
    reply: oneshot::Sender<Result<Done, ApiError>>,
    outcome: Result<(u64, Vec<&'static str>, Vec<Submitted>), ApiError>,
    /// The request itself, kept on a shared log to be decided again if another server
    /// appended first.
    again: Option<(String, Work)>,
}

impl Writer {
    fn run(mut self, mut rx: mpsc::Receiver<Job>) {
        let mut queue: VecDeque<Job> = VecDeque::new();
        loop {
            if queue.is_empty() {
                match rx.blocking_recv() {
                    Some(job) => queue.push_back(job),
                    None => return, // every sender is gone: the server stopped
                }
            }
            while queue.len() < MAX_ROUND_JOBS {
                match rx.try_recv() {
                    Ok(job) => queue.push_back(job),
                    Err(_) => break,
                }
            }
            // A panic anywhere in a round (a defect: every input is checked before it is
            // decided) must not end the writer, or every later write would fail while reads go
            // on: the round's requests get an error (their answer channels close), and the
            // state is rebuilt from the log, which holds only what was durably appended.
            let caught =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.round(&mut queue)));
            if caught.is_err() {
                self.reload();
                let mut shared = write(&self.shared);
                shared.panics += 1;
            }
        }
    }

    /// Folds what other servers appended since the state's position (a shared log), into the
    /// shared state and the working copy alike (they are equal between rounds).
    ///
    /// The records are read with the log's lock held and folded after it is released: a
    /// reader holds the state's lock while it reads the log (history, a list's lines), so
    /// holding both here, the other way round, could wait forever.
    fn sync(&mut self) -> Result<(), ApiError> {
        let fail = |e: &dyn std::fmt::Display| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "cannot read what other servers wrote to the log ({e}); nothing of this \
                     request was written: retry it"
                ),
            )
        };
        let from = read(&self.shared).position.seq + 1;
        let mut records = Vec::new();
        let mut failed: Option<(ApiError, Option<String>)> = None;
        {
            let mut log = write(&self.log);
            if let Err(e) = log.refresh() {
                let lost = e.is_connection_lost() || log.connection_lost();
                // The state's lock is never taken holding the log's (see above).
                drop(log);
                if lost {
                    write(&self.shared).store_lost = Some(format!("{STORE_LOST} ({e})"));
                    return Err(store_lost(&e));
                }
                return Err(fail(&e));
            }
            if log.head().seq < from {
                drop(log);
                // Connected (again): what /health says.
                write(&self.shared).store_lost = None;
                return Ok(());
            }
            for record in log.scan_replay(from) {
                let record = match record {
                    Ok(r) => r,
                    Err(e) => {
                        let fault = matches!(
                            e,
                            StoreError::Corrupt { .. } | StoreError::ChainBroken { .. }
                        )
                        .then(|| format!("the log failed a check: {e}"));
                        failed = Some((fail(&e), fault));
                        break;
                    }
                };
                match decode_event(record.payload()) {
                    Ok(event) => records.push((
                        record.global_seq,
                        record.stream().to_string(),
                        record.id,
                        record.hash_hex(),
                        event,
                    )),
                    Err(e) => {
                        let why = format!(
                            "event {} ({}) cannot be read by this version of bonded: {e}",
                            record.global_seq,
                            record.kind()
                        );
                        failed = Some((fail(&why), Some(why)));
                        break;
                    }
                }
            }
        }
        let mut shared = write(&self.shared);
        shared.store_lost = None;
        for (seq, stream, id, hash, event) in records {
            shared.fold(seq, &stream, id, &event);
            self.working.evolve(id, &event);
            shared.position = Position { seq, hash };
        }
        match failed {
            None => Ok(()),
            Some((error, fault)) => {
                if fault.is_some() {
                    shared.fault = fault;
                }
                Err(error)
            }
        }
    }

    /// Decides requests from the front of `queue` until it is empty or the round is full,
    /// appends what they gave as one batch, answers them.
    fn round(&mut self, queue: &mut VecDeque<Job>) {
        if self.multi && self.conflicts > 0 {
            return self.round_locked(queue);
        }
        if self.multi {
            if let Err(e) = self.sync() {
                // Nothing can be decided on a state behind the log: the queue is answered.
                self.rebuild_working(&[]);
                for job in queue.drain(..) {
                    let _ = job.reply.send(Err(e.clone()));
                }
                return;
            }
        }
        let (events, accepted) = self.decide_jobs(queue);
        self.commit(events, accepted, queue);
    }

    /// Decides requests from the front of `queue` against `working`, until the queue is empty
    /// or the round is full: the events of the accepted ones, and every request decided.
    fn decide_jobs(&mut self, queue: &mut VecDeque<Job>) -> Round {
        let mut events: Vec<(String, Decided)> = Vec::new();
        let mut accepted: Vec<Accepted> = Vec::new();
        while let Some(job) = queue.pop_front() {
            if job.reply.is_closed() {
                // The client gave up (its request timed out): nothing of it is decided.
                continue;
            }
            if !accepted.is_empty() && events.len() + job.work.size() > MAX_ROUND_EVENTS {
                queue.push_front(job);
                break;
            }
            let Job { by, work, reply } = job;
            let again = self.multi.then(|| (by.clone(), work.clone()));
            let before = self.working.event_count();
            let decided = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match work {
                Work::Lines(lines) => decide_request_in_place(&mut self.working, &by, lines)
                    .map_err(|r| ApiError::from_refusals(&r)),
                Work::One(command) => match decide(&self.working, &command) {
                    Ok(decided) => {
                        for d in &decided {
                            self.working.evolve(d.id, &d.event);
                        }
                        Ok(RequestOutcome {
                            events: decided,
                            submitted: Vec::new(),
                        })
                    }
                    Err(r) => Err(ApiError::from_refusal(&r)),
                },
                Work::Sync => Ok(RequestOutcome::default()),
                #[cfg(test)]
                Work::Panic => {
                    self.working = Ledger::new(); // half-changed state, as a defect may leave
                    panic!("a defect in deciding");
                }
            }));
            let result = match decided {
                Ok(result) => result,
                Err(_) => {
                    // The state may hold half of this request: start again from the durable
                    // state and the requests accepted before it in this round.
                    self.rebuild_working(&events);
                    let mut shared = write(&self.shared);
                    shared.panics += 1;
                    drop(shared);
                    let _ = reply.send(Err(ApiError::internal(
                        "the ledger failed on this request (an internal error); nothing of it \
                         was written, and the server goes on",
                    )));
                    continue;
                }
            };
            match result {
                Ok(outcome) => {
                    accepted.push(Accepted {
                        reply,
                        outcome: Ok((
                            outcome.events.len() as u64,
                            outcome.events.iter().map(|d| d.event.kind()).collect(),
                            outcome.submitted,
                        )),
                        again,
                    });
                    events.extend(outcome.events.into_iter().map(|d| (by.clone(), d)));
                }
                Err(e) => {
                    if self.working.event_count() != before {
                        // Part of the refused request was folded in: take it out again.
                        self.rebuild_working(&events);
                    }
                    if self.multi {
                        // Refused on this state: said only if the round stands (another
                        // server's records may change the answer).
                        accepted.push(Accepted {
                            reply,
                            outcome: Err(e),
                            again,
                        });
                    } else {
                        let _ = reply.send(Err(e));
                    }
                }
            }
        }
        (events, accepted)
    }

    /// A round after one lost the race (a shared log): decided and appended holding the log's
    /// head (`Log::append_decided`), so that it cannot be overtaken again: no server waits on
    /// another for ever. What other servers appended is folded into `working` first, under
    /// the same lock, and into the shared state once the log is released.
    fn round_locked(&mut self, queue: &mut VecDeque<Job>) {
        // This round cannot be overtaken: the count of races lost in a row starts again.
        self.conflicts = 0;
        let log = self.log.clone();
        let from = read(&self.shared).position.seq + 1;
        let mut folded: Vec<(u64, String, uuid::Uuid, String, ledger_core::Event)> = Vec::new();
        let mut problem: Option<(ApiError, Option<String>)> = None;
        let mut decided: Option<Round> = None;
        let outcome = write(&log).append_decided(from, |records| {
            for record in records {
                let record = match record {
                    Ok(r) => r,
                    Err(e) => {
                        let fault = matches!(
                            e,
                            StoreError::Corrupt { .. } | StoreError::ChainBroken { .. }
                        )
                        .then(|| format!("the log failed a check: {e}"));
                        problem = Some((unavailable(&e), fault));
                        return None;
                    }
                };
                match decode_event(record.payload()) {
                    Ok(event) => {
                        self.working.evolve(record.id, &event);
                        folded.push((
                            record.global_seq,
                            record.stream().to_string(),
                            record.id,
                            record.hash_hex(),
                            event,
                        ));
                    }
                    Err(e) => {
                        let why = format!(
                            "event {} ({}) cannot be read by this version of bonded: {e}",
                            record.global_seq,
                            record.kind()
                        );
                        problem = Some((unavailable(&why), Some(why)));
                        return None;
                    }
                }
            }
            self.unshared = folded
                .iter()
                .map(|(_, _, id, _, event)| (*id, event.clone()))
                .collect();
            let (events, accepted) = self.decide_jobs(queue);
            let request = if events.is_empty() {
                None
            } else {
                // Under the lock nothing can come between: no expected versions needed.
                match encode(&events) {
                    Ok(events) => Some(AppendRequest {
                        events,
                        expected: BTreeMap::new(),
                    }),
                    Err(e) => {
                        problem = Some((e, None));
                        None
                    }
                }
            };
            decided = Some((events, accepted));
            request
        });
        // The records other servers appended: into the shared state too (working has them).
        {
            let mut shared = write(&self.shared);
            for (seq, stream, id, hash, event) in &folded {
                shared.fold(*seq, stream, *id, event);
                shared.position = Position {
                    seq: *seq,
                    hash: hash.clone(),
                };
            }
            if let Some((_, Some(fault))) = &problem {
                shared.fault = Some(fault.clone());
            }
            self.unshared.clear();
        }
        let (events, accepted) = decided.unwrap_or_default();
        match (outcome, problem) {
            (Err(e), _) if e.is_connection_lost() || read(&self.log).connection_lost() => {
                write(&self.shared).store_lost = Some(format!("{STORE_LOST} ({e})"));
                self.rebuild_working(&[]);
                self.fail(accepted, store_lost(&e));
            }
            (Err(e), _) => {
                let error = ApiError::internal(format!(
                    "the store failed while writing ({e}); retry the request: a repeat of the \
                     same lines is recognised and not applied twice"
                ));
                self.fail(accepted, error);
                self.reload();
            }
            (Ok(_), Some((error, _))) => self.fail(accepted, error),
            (Ok(None), None) => {
                let position = read(&self.shared).position.clone();
                answer(accepted, &position);
            }
            (Ok(Some(outcome)), None) => self.committed(&events, &outcome, accepted),
        }
    }

    /// `working` := the shared (durable) state plus `events`.
    fn rebuild_working(&mut self, events: &[(String, Decided)]) {
        let mut w = read(&self.shared).ledger.clone();
        for (id, event) in &self.unshared {
            w.evolve(*id, event);
        }
        for (_, d) in events {
            w.evolve(d.id, &d.event);
        }
        self.working = w;
    }

    fn commit(
        &mut self,
        events: Vec<(String, Decided)>,
        accepted: Vec<Accepted>,
        queue: &mut VecDeque<Job>,
    ) {
        if events.is_empty() {
            let position = read(&self.shared).position.clone();
            answer(accepted, &position);
            return;
        }
        let request = match self.append_request(&events) {
            Ok(r) => r,
            Err(e) => return self.fail(accepted, e),
        };
        let decided_at = read(&self.shared).position.seq;
        let outcome = write(&self.log).append_at(decided_at, request);
        let outcome = match outcome {
            Ok(o) => o,
            Err(StoreError::HeadMoved { expected, actual }) => {
                // Another server appended first: nothing was written. The round goes back to
                // the front of the queue, to be decided again once the state has caught up.
                self.rebuild_working(&[]);
                self.conflicts += 1;
                write(&self.shared).redecided += 1;
                if self.conflicts > MAX_CONFLICTS {
                    self.conflicts = 0;
                    let error = ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        format!(
                            "other servers wrote to the log {MAX_CONFLICTS} times in a row while \
                             this request was decided (last at record {actual}, decided at \
                             {expected}); nothing of it was written: retry it (a repeat of the \
                             same lines is recognised and not applied twice)"
                        ),
                    );
                    return self.fail(accepted, error);
                }
                for a in accepted.into_iter().rev() {
                    match a.again {
                        Some((by, work)) => queue.push_front(Job {
                            by,
                            work,
                            reply: a.reply,
                        }),
                        None => {
                            let _ = a.reply.send(Err(ApiError::internal(
                                "the log moved on while this request was decided; nothing of it \
                                 was written: retry it",
                            )));
                        }
                    }
                }
                return;
            }
            Err(e) if e.is_connection_lost() || read(&self.log).connection_lost() => {
                // Nothing to read back now: the next round connects again and folds what
                // landed (this round's records too, should its commit have).
                write(&self.shared).store_lost = Some(format!("{STORE_LOST} ({e})"));
                self.rebuild_working(&[]);
                return self.fail(accepted, store_lost(&e));
            }
            Err(e) => {
                let refused = matches!(
                    e,
                    StoreError::WrongExpectedVersion { .. }
                        | StoreError::Invalid { .. }
                        | StoreError::IdConflict { .. }
                );
                let error = if refused {
                    let status = match e {
                        StoreError::WrongExpectedVersion { .. } => StatusCode::CONFLICT,
                        _ => StatusCode::INTERNAL_SERVER_ERROR,
                    };
                    ApiError::new(
                        status,
                        format!(
                            "the store refused the write; nothing of the request was written: {e}"
                        ),
                    )
                } else {
                    ApiError::internal(format!(
                        "the store failed while writing ({e}); retry the request: a repeat of the \
                         same lines is recognised and not applied twice"
                    ))
                };
                self.fail(accepted, error);
                if !refused {
                    // The records may have landed (a failed flush): the log is the truth.
                    self.reload();
                }
                return;
            }
        };
        self.committed(&events, &outcome, accepted);
    }

    /// A round's events are durable: folded into the shared state, then the requests answered.
    fn committed(
        &mut self,
        events: &[(String, Decided)],
        outcome: &ledger_store::AppendOutcome,
        accepted: Vec<Accepted>,
    ) {
        self.conflicts = 0;
        let count = events.len() as u64;
        let position = Position {
            seq: outcome.head.seq,
            hash: hex::encode(outcome.head.hash),
        };
        if outcome.appended == count {
            let mut shared = write(&self.shared);
            let first = outcome.head.seq + 1 - count;
            for (i, (_, d)) in events.iter().enumerate() {
                shared.fold(first + i as u64, d.event.stream(), d.id, &d.event);
            }
            shared.position = position.clone();
            shared.appends += 1;
        } else {
            // The store had some of these events already: the state and the log disagree.
            // Start again from the log, which is the truth.
            self.reload();
        }
        answer(accepted, &position);
    }

    /// One batch with an expected version per stream: the durable state's.
    fn append_request(&self, events: &[(String, Decided)]) -> Result<AppendRequest, ApiError> {
        let shared = read(&self.shared);
        let mut expected = BTreeMap::new();
        for (_, d) in events {
            let stream = d.event.stream();
            if !expected.contains_key(stream) {
                expected.insert(
                    stream.to_string(),
                    ExpectedVersion::Exact(shared.ledger.stream_version(stream)),
                );
            }
        }
        Ok(AppendRequest {
            events: encode(events)?,
            expected,
        })
    }

    /// Nothing of the round was written: every accepted request gets `error` (a refused one
    /// its own refusal).
    fn fail(&mut self, accepted: Vec<Accepted>, error: ApiError) {
        self.rebuild_working(&[]);
        for a in accepted {
            let _ = a.reply.send(match a.outcome {
                Ok(_) => Err(error.clone()),
                Err(refusal) => Err(refusal),
            });
        }
    }

    /// Rebuilds the shared and the working state from the log.
    fn reload(&mut self) {
        let loaded = state::load(&read(&self.log));
        {
            let mut shared = write(&self.shared);
            match loaded {
                Ok(mut fresh) => {
                    self.working = fresh.ledger.clone();
                    fresh.appends = shared.appends;
                    fresh.panics = shared.panics;
                    fresh.redecided = shared.redecided;
                    *shared = fresh;
                }
                Err(e) => {
                    shared.fault = Some(format!("the log cannot be read back: {e:#}"));
                    return;
                }
            }
        }
        super::history_index::build_in_background(self.log.clone(), self.shared.clone());
    }
}

/// The events of a round as the store takes them, each naming its actor.
fn encode(events: &[(String, Decided)]) -> Result<Vec<NewEvent>, ApiError> {
    let recorded_at = now_rfc3339();
    events
        .iter()
        .map(|(actor, d)| {
            Ok(NewEvent {
                id: d.id,
                stream: d.event.stream().to_string(),
                kind: d.event.kind().to_string(),
                schema_version: SCHEMA_VERSION,
                actor: actor.clone(),
                recorded_at: recorded_at.clone(),
                payload: ledger_store::Payload::serialize(&d.event, 1024)
                    .map_err(|e| ApiError::internal(format!("cannot encode an event: {e}")))?,
            })
        })
        .collect()
}

/// 503 for a log that could not be read: nothing of the request was written.
fn unavailable(e: &dyn std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        format!(
            "cannot read what other servers wrote to the log ({e}); nothing of this request was \
             written: retry it"
        ),
    )
}

fn answer(accepted: Vec<Accepted>, position: &Position) {
    for a in accepted {
        let _ = a.reply.send(match a.outcome {
            Ok((events, kinds, submitted)) => Ok(Done {
                events,
                kinds,
                submitted,
                position: position.clone(),
            }),
            Err(refusal) => Err(refusal),
        });
    }
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
