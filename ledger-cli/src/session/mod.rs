//! A session on the store: open the log, replay it into the ledger state, append what
//! `decide` produced; `record_files` is the load's pipeline (decide and store on two threads).
//! The only place the CLI touches the disk's log; `store` says which log (sled or PostgreSQL).

pub mod record_files;
pub mod snapshot;
pub mod store;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};

use anyhow::{Context, Result};
use ledger_core::decide::LineRefusals;
use ledger_core::events::event_json::decode_event;
use ledger_core::{decide_all_in_place, Decided, Event, Ledger, SCHEMA_VERSION};
use ledger_store::{
    AppendOutcome, AppendRequest, EventLog, ExpectedVersion, NewEvent, Payload, ReplayRecord,
    SledLog, StoreError,
};

use crate::exit::{bad_input, Exit, INTEGRITY};

/// Commands decided between two calls of a progress callback.
const DECIDE_STEP: usize = 2_000;

pub struct Session {
    /// Where in the log `ledger` was computed from.
    pub position: Position,
    pub log: store::Log,
    pub ledger: Ledger,
    pub actor: String,
    /// The position of the snapshot on disk (0: none), so a long append can write a new one.
    pub snapshot_seq: u64,
}

/// Events recorded after this instant are left out of the replay (`--as-recorded`).
static RECORDED_CUTOFF: std::sync::OnceLock<chrono::DateTime<chrono::Utc>> =
    std::sync::OnceLock::new();

/// Limits every replay of this process to events recorded by the end of `day` in
/// Asia/Shanghai (UTC+8). For reports only: a session opened this way refuses to write.
pub fn set_recorded_cutoff(day: chrono::NaiveDate) -> Result<()> {
    let next = day.succ_opt().unwrap_or(day);
    let end_utc = next
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc() - chrono::Duration::hours(8))
        .ok_or_else(|| bad_input("--as-recorded: not a date"))?;
    let _ = RECORDED_CUTOFF.set(end_utc);
    Ok(())
}

pub(crate) fn cutoff_set() -> bool {
    RECORDED_CUTOFF.get().is_some()
}

fn recorded_by_cutoff(recorded_at: &str) -> bool {
    match RECORDED_CUTOFF.get() {
        None => true,
        Some(cutoff) => chrono::DateTime::parse_from_rfc3339(recorded_at)
            .map(|t| t.with_timezone(&chrono::Utc) < *cutoff)
            .unwrap_or(false),
    }
}

/// Opens the store at `dir`, checking its tail, and computes the state: from the snapshot and
/// the events after it when the snapshot checks out against the log, else by replaying every
/// event (`snapshot::open_state`).
pub fn open(dir: &Path, actor: &str) -> Result<Session> {
    open_reading(dir, actor, ledger_core::state::snapshot::Parts::all())
}

/// What a read command reads of the saved state (`open_reading`): the base (counts, users,
/// rates, items, BOMs, filings, reviews …) is always read.
pub mod reads {
    use chrono::NaiveDate;
    use ledger_core::model::ids::BookNo;
    use ledger_core::state::snapshot::{Part, Parts};
    use ledger_core::Ledger;

    /// What a command that only reads reads of the saved state: `parts`, then whatever `then`
    /// says once they are read (a part they show the command has no use for is left unread:
    /// the stock's history for a question about this year, the lists of a book that declares
    /// them elsewhere).
    #[derive(Clone, Copy)]
    pub struct Reads<'a> {
        pub parts: Parts,
        pub then: &'a dyn Fn(&Ledger) -> Parts,
    }

    impl<'a> Reads<'a> {
        /// `parts`, then what `then` says.
        pub fn then(parts: Parts, then: &'a dyn Fn(&Ledger) -> Parts) -> Reads<'a> {
            Reads { parts, then }
        }
    }

    fn nothing_more(_: &Ledger) -> Parts {
        Parts::NONE
    }

    impl From<Parts> for Reads<'static> {
        fn from(parts: Parts) -> Reads<'static> {
            Reads {
                parts,
                then: &nothing_more,
            }
        }
    }

    /// The stock's history when book `account`'s materials are asked of the end of `day` or
    /// later and `day` is before the stock's split (`Ledger::stock_history_needed`).
    pub fn history_for(ledger: &Ledger, account: &BookNo, day: NaiveDate) -> Parts {
        if ledger.stock_history_needed(account, day) {
            Parts::NONE.with(Part::History)
        } else {
            Parts::NONE
        }
    }

    /// `deadlines` as of `as_of`: the stock (its history when `as_of` is before its split),
    /// the lines kept whole, the lots with their history (the late fee of every month left
    /// undeclared is assessed, and the old months value their sales by the old imports: read
    /// at once rather than asked for after a first pass), and the lists only when a book
    /// exchanges its lists through the ledger (`reports::deadlines::reads_lists`): a book that
    /// declares them elsewhere owes nothing here for them, and its lists are most of the state
    /// a report could read.
    pub fn deadlines(ledger: &Ledger, account: &BookNo, as_of: NaiveDate) -> Parts {
        let lists = if ledger_core::reports::deadlines::reads_lists(ledger) {
            Parts::NONE.with(Part::Lists)
        } else {
            Parts::NONE
        };
        lists
            .with(Part::LotHistory)
            .union(history_for(ledger, account, as_of))
    }

    /// `pending`, `user list`: the base alone.
    pub fn base() -> Parts {
        Parts::NONE
    }

    /// `exposure`: the work orders and the import lots (excess consumption is valued at the
    /// average import price).
    pub fn exposure() -> Parts {
        Parts::NONE.with(Part::WorkOrders).with(Part::Imports)
    }

    /// `balance`: the stock by day (with `history_for` the day asked).
    pub fn balances() -> Parts {
        Parts::NONE.with(Part::Stock)
    }

    /// `duty`: the domestic sales (kept whole) and the import lots they are valued by.
    pub fn duty() -> Parts {
        Parts::NONE.with(Part::Kept).with(Part::Imports)
    }

    /// `cycle report`: the stock (with `history_for` the cycle's eve), the lines kept whole,
    /// the import lots (customs' write-off answer is in the base; the lists themselves are not
    /// read).
    pub fn cycle() -> Parts {
        Parts::NONE
            .with(Part::Stock)
            .with(Part::Kept)
            .with(Part::Imports)
    }

    /// The cycle's EMS121, `lists`: every part but the line records, which only a new
    /// recording is checked against (`reconcile` counts lines from them: it opens the
    /// whole state).
    pub fn reports() -> Parts {
        Parts::NONE
            .with(Part::Stock)
            .with(Part::History)
            .with(Part::LotHistory)
            .with(Part::Kept)
            .with(Part::Imports)
            .with(Part::Lists)
    }
}

/// Opens the store at `dir` for a command that only reads `parts` of the state: from the
/// snapshot, when it is at the log's head, only those parts are read (`snapshot::open_state_for`);
/// else as `open`. The session cannot record anything unless the state is whole.
pub fn open_reading<'a>(
    dir: &Path,
    actor: &str,
    reads: impl Into<reads::Reads<'a>>,
) -> Result<Session> {
    let log = open_store(dir)?;
    let (ledger, position, snapshot_seq) = snapshot::open_state_for(&log, reads.into())?;
    Ok(Session {
        position,
        log,
        ledger,
        actor: actor.to_string(),
        snapshot_seq,
    })
}

/// A report worked out by `report` on the state read as `reads` says. Read without the import
/// lots' history, the lots remember a question that reached before their split
/// (`Ledger::lot_history_asked`): the answer may lack those lots, so the state is read again
/// with them and the report worked out again — the first answer is never given.
pub fn report_reading<'a, T>(
    dir: &Path,
    actor: &str,
    reads: impl Into<reads::Reads<'a>>,
    report: impl Fn(&Ledger) -> T,
) -> Result<(Session, T)> {
    let reads = reads.into();
    let s = open_reading(dir, actor, reads)?;
    let first = report(&s.ledger);
    if !s.ledger.lot_history_asked() {
        return Ok((s, first));
    }
    snapshot::note(|| "the report reached import lots before their split: reading them".into());
    drop(s);
    let with = reads::Reads::then(
        reads
            .parts
            .with(ledger_core::state::snapshot::Part::LotHistory),
        reads.then,
    );
    let s = open_reading(dir, actor, with)?;
    let again = report(&s.ledger);
    Ok((s, again))
}

/// Opens the log of this process's store (`--store`, else the sled store in `dir`) without
/// replaying it, mapping "no store here" to a usage error.
pub fn open_store(dir: &Path) -> Result<store::Log> {
    store::open_at(&store::location(dir))
}

/// How long an open waits for a store held by another process (`--wait`, `BONDED_WAIT`).
static WAIT: std::sync::OnceLock<std::time::Duration> = std::sync::OnceLock::new();

/// Sets how long every open of this process waits for a store in use (`--wait SECS`).
pub fn set_wait(wait: std::time::Duration) {
    let _ = WAIT.set(wait);
}

/// The file `bonded serve` writes in the store while it runs: its process id, then its address.
pub const SERVE_FILE: &str = "serve.addr";

/// Who serves the store, read from [`SERVE_FILE`]: (pid, `http://addr`).
pub fn read_serve_file(dir: &Path) -> Option<(u32, String)> {
    let text = std::fs::read_to_string(dir.join(SERVE_FILE)).ok()?;
    let mut lines = text.lines();
    let pid = lines.next()?.trim().parse().ok()?;
    let url = lines.next()?.trim().to_string();
    Some((pid, url))
}

/// Opens the log only (no replay), mapping "no store here" to a usage error. A store held by
/// another process is waited for up to `--wait`; then the holder is named — when it is
/// `bonded serve`, with its address and the way to read meanwhile.
pub fn open_log(dir: &Path) -> Result<SledLog> {
    let wait = WAIT.get().copied().unwrap_or_default();
    let started = std::time::Instant::now();
    loop {
        match SledLog::open(dir) {
            Ok(log) => return Ok(log),
            Err(StoreError::InUse { .. }) if started.elapsed() < wait => {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Err(e @ StoreError::NotAStore { .. }) => {
                return Err(bad_input(format!(
                    "{e}; create one with `bonded init` (or point --data / BONDED_DATA at it)"
                )))
            }
            Err(StoreError::InUse { pid: Some(pid), .. })
                if read_serve_file(dir).is_some_and(|(p, _)| p == pid) =>
            {
                let url = read_serve_file(dir).map(|(_, u)| u).unwrap_or_default();
                return Err(Exit {
                    code: crate::exit::OTHER,
                    message: format!(
                        "the store at {} is in use by `bonded serve` (process {pid}) at {url}; its API answers meanwhile (GET {url}/books/ACCOUNT/balance, /duty, /deadlines, /cycle-report — GET {url}/openapi.json lists them all), or stop it (or wait for it: --wait SECS)",
                        dir.display()
                    ),
                }
                .into());
            }
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot open the store at {}", dir.display()))
            }
        }
    }
}

/// Folds every stored event into a fresh ledger. An event this version cannot read is an
/// integrity fault: the figures would be wrong without it.
pub fn replay(log: &(dyn EventLog + Sync)) -> Result<Ledger> {
    replay_to(log).map(|(ledger, _)| ledger)
}

/// Where in the log a state was computed from: the last event folded and its hash. Every
/// report ends with it, so an auditor can check the figures against `bonded verify`/`export`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Position {
    pub seq: u64,
    pub hash: String,
}

impl Position {
    /// The head of the log.
    pub(crate) fn at(head: &ledger_store::Head) -> Position {
        Position {
            seq: head.seq,
            hash: ledger_store::hash_hex(&head.hash),
        }
    }

    fn of(record: &ReplayRecord) -> Position {
        Position {
            seq: record.global_seq,
            hash: record.hash_hex(),
        }
    }
}

/// Events handed from the reading thread of a replay to the folding one at a time.
const REPLAY_CHUNK: usize = 512;
/// Chunks that may wait between the two threads.
const REPLAY_QUEUE: usize = 8;
/// The reading thread reads a chunk's events itself while at least this many chunks wait for
/// the folding one: enough that the folder never waits while the reader is busy with JSON.
const DECODE_BACKLOG: usize = 2;

/// Folds every stored event (up to `--as-recorded`), and says where it stopped.
///
/// Two threads share the work, in log order: one reads the records (each re-hashed and
/// chained by `scan`), the other folds them into the state. Reading the JSON of an event is
/// done by whichever is free: the reader reads a chunk's events itself while the folder has
/// a backlog, and hands chunks over as they are while the folder is keeping up. Either way
/// round, the work settles at an even split (reading and decoding on one side, decoding and
/// folding on the other) whichever is the heavier for the book at hand.
pub fn replay_to(log: &(dyn EventLog + Sync)) -> Result<(Ledger, Position)> {
    replay_with(log, |_| {})
}

/// `replay_to`, showing each record folded (in log order, on the reading thread) to
/// `on_record` as well: `bonded serve` indexes the streams' positions with it.
pub fn replay_with(
    log: &(dyn EventLog + Sync),
    on_record: impl FnMut(&ReplayRecord) + Send,
) -> Result<(Ledger, Position)> {
    let genesis = Position {
        seq: 0,
        hash: "0".repeat(64),
    };
    replay_onto(log, Ledger::new(), genesis, on_record)
}

/// Folds the events after `from` into `ledger`, the state up to `from` (a snapshot's, or an
/// empty one at position 0), the same way: the first record read is chained to the stored
/// record at `from`.
pub fn replay_onto(
    log: &(dyn EventLog + Sync),
    ledger: Ledger,
    from: Position,
    on_record: impl FnMut(&ReplayRecord) + Send,
) -> Result<(Ledger, Position)> {
    let start = from.seq + 1;
    let waiting = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk>(REPLAY_QUEUE);
        let (done_tx, done) = std::sync::mpsc::sync_channel::<Chunk>(REPLAY_QUEUE);
        let backlog = Backlog {
            tx,
            waiting: &waiting,
            done,
        };
        scope.spawn(move || read_chunks(log, start, &backlog, on_record));
        let mut ledger = ledger;
        let mut position = from;
        for chunk in rx {
            waiting.fetch_sub(1, Ordering::Relaxed);
            let folded = match chunk {
                Chunk::Failed(e) => return Err(e),
                Chunk::Read(events) => {
                    for stored in &events {
                        let event = decode_stored(stored)?;
                        fold(&mut ledger, stored.id, &event, log);
                    }
                    if let Some(last) = events.last() {
                        position = Position::of(last);
                    }
                    Chunk::Read(events)
                }
                Chunk::Decoded(events, last) => {
                    for (id, event) in &events {
                        fold(&mut ledger, *id, event, log);
                    }
                    position = last.clone();
                    Chunk::Decoded(events, last)
                }
            };
            // What the reader allocated goes back to it to be freed (see `Backlog::done`);
            // when it has stopped taking them, freed here.
            let _ = done_tx.try_send(folded);
        }
        Ok((ledger, position))
    })
}

/// Folds one event of a replay. A book's lines are reserved when it opens, for as many events
/// as its stream holds: the map is built once at its final size instead of growing by doubling
/// (which, at a million lines, holds the old and the new table at once: a third more memory at
/// the peak, and every line moved again).
fn fold(ledger: &mut Ledger, id: uuid::Uuid, event: &Event, log: &(dyn EventLog + Sync)) {
    ledger.evolve(id, event);
    if let Event::BookOpened(opened) = event {
        let account = &opened.header.account;
        // Never more than the log holds (the count open checked), whatever a version says.
        let events = log.stream_version(account.as_str()).min(log.head().seq);
        if let Some(book) = ledger.books.get_mut(account) {
            book.lines.reserve(
                usize::try_from(events)
                    .unwrap_or(0)
                    .saturating_sub(book.lines.len()),
            );
        }
    }
}

/// What the reading thread of a replay hands over, in log order.
enum Chunk {
    /// Records read and checked, their events still JSON.
    Read(Vec<ReplayRecord>),
    /// Events read from their JSON too, and the position of the last.
    Decoded(Vec<(uuid::Uuid, Event)>, Position),
    /// Reading stopped here.
    Failed(anyhow::Error),
}

/// The reading side's end of the queue, and how many chunks wait in it.
struct Backlog<'a> {
    tx: SyncSender<Chunk>,
    waiting: &'a AtomicUsize,
    /// Chunks folded, handed back to be freed by the thread that allocated them: the
    /// allocator takes a lock to free memory of another thread's arena, and with a record
    /// and its event freed across threads a million times the two threads waited on that
    /// lock (a quarter of a replay's time went to malloc and free).
    done: Receiver<Chunk>,
}

impl Backlog<'_> {
    /// Queues a chunk (waiting while the queue is full). False when the folding side has gone.
    fn send(&self, chunk: Chunk) -> bool {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        self.tx.send(chunk).is_ok()
    }

    /// Hands a chunk of records over; while the folding side has a backlog, reads their
    /// events first. False when the folding side has gone.
    fn hand_over(&self, chunk: Vec<ReplayRecord>) -> bool {
        while let Ok(folded) = self.done.try_recv() {
            drop(folded);
        }
        if chunk.is_empty() {
            return true;
        }
        if self.waiting.load(Ordering::Relaxed) < DECODE_BACKLOG {
            return self.send(Chunk::Read(chunk));
        }
        let last = chunk.last().map(Position::of).unwrap_or_default();
        let decoded = chunk
            .into_iter()
            .map(|stored| decode_stored(&stored).map(|event| (stored.id, event)))
            .collect::<Result<Vec<_>>>();
        self.send(match decoded {
            Ok(events) => Chunk::Decoded(events, last),
            Err(e) => Chunk::Failed(e),
        })
    }
}

/// The reading side of `replay_onto`: every record from `from` on, until the `--as-recorded`
/// cutoff, in chunks; stops early when the folding side has gone.
fn read_chunks(
    log: &(dyn EventLog + Sync),
    from: u64,
    queue: &Backlog,
    mut on_record: impl FnMut(&ReplayRecord),
) {
    let mut chunk = Vec::with_capacity(REPLAY_CHUNK);
    for stored in log.scan_replay(from) {
        match stored {
            Err(e) => {
                if queue.hand_over(std::mem::take(&mut chunk)) {
                    queue.send(Chunk::Failed(e.into()));
                }
                return;
            }
            Ok(stored) => {
                if !recorded_by_cutoff(stored.recorded_at()) {
                    // The log is in recording order: nothing after this was recorded earlier.
                    break;
                }
                on_record(&stored);
                chunk.push(stored);
                if chunk.len() == REPLAY_CHUNK {
                    let full = std::mem::replace(&mut chunk, Vec::with_capacity(REPLAY_CHUNK));
                    if !queue.hand_over(full) {
                        return;
                    }
                }
            }
        }
    }
    queue.hand_over(chunk);
}

/// The event a record holds; an event this version cannot read is an integrity fault.
fn decode_stored(stored: &ReplayRecord) -> Result<Event> {
    decode_event(stored.payload()).map_err(|e| {
        Exit {
            code: INTEGRITY,
            message: format!(
                "event {} ({}) cannot be read by this version of bonded: {e}",
                stored.global_seq,
                stored.kind()
            ),
        }
        .into()
    })
}

/// Now, as the envelope's recorded-at (the clock lives here, never in the core).
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Bytes reserved for an event's JSON: a movement line with its effects takes 600–900.
const PAYLOAD_CAPACITY: usize = 1_024;

/// Set when no actor was given and the OS names no user: events are recorded as "unknown".
static ACTOR_UNKNOWN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Says that the actor is the fallback "unknown" (no `--actor`, `BONDED_ACTOR`, `$USER`): the
/// first event recorded warns once on standard error.
pub fn set_actor_unknown() {
    ACTOR_UNKNOWN.store(true, Ordering::Relaxed);
}

fn warn_if_actor_unknown() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    if ACTOR_UNKNOWN.load(Ordering::Relaxed) {
        ONCE.call_once(|| {
            eprintln!(
                "bonded: warning: no actor known (no --actor, BONDED_ACTOR or $USER): events are recorded as made by \"unknown\""
            )
        });
    }
}

/// A decided event as the store takes it: its JSON encoded, the envelope filled in.
pub(crate) fn new_event(d: &Decided, actor: &str, recorded_at: &str) -> Result<NewEvent> {
    warn_if_actor_unknown();
    // Room for a whole movement line from the start, not grown by doubling from 128 bytes.
    let payload = Payload::serialize(&d.event, PAYLOAD_CAPACITY).context("encoding an event")?;
    Ok(NewEvent {
        id: d.id,
        stream: d.event.stream().to_string(),
        kind: d.event.kind().to_string(),
        schema_version: SCHEMA_VERSION,
        actor: actor.to_string(),
        recorded_at: recorded_at.to_string(),
        payload,
    })
}

/// Appends decided events as one durable batch, expecting every stream they touch to be at
/// the version it had when they were decided (`versions_before`: nobody else wrote in between).
pub fn append(
    log: &mut dyn EventLog,
    versions_before: &HashMap<String, u64>,
    decided: &[Decided],
    actor: &str,
) -> Result<AppendOutcome> {
    let recorded_at = now_rfc3339();
    let mut expected = BTreeMap::new();
    let mut events = Vec::with_capacity(decided.len());
    for d in decided {
        let event = new_event(d, actor, &recorded_at)?;
        let before = versions_before.get(&event.stream).copied().unwrap_or(0);
        expected
            .entry(event.stream.clone())
            .or_insert(ExpectedVersion::Exact(before));
        events.push(event);
    }
    let outcome = log.append(AppendRequest { events, expected })?;
    Ok(outcome)
}

impl Session {
    /// Decides `commands` in order against the session's own state — never a copy of it: at
    /// a million events the copy costs more than the file — and records the events as one
    /// durable batch. `on_step(n)` is called as each `n` more commands are decided (a progress
    /// bar). When nothing is written — a refusal, `write` false (the caller found other
    /// problems in the file), or a failed append — the state is rebuilt from the log, so it
    /// always matches what is stored.
    pub fn decide_and_record(
        &mut self,
        commands: Vec<(u64, ledger_core::events::commands::Command)>,
        write: bool,
        mut on_step: impl FnMut(u64),
    ) -> Result<Result<AppendOutcome, LineRefusals>> {
        if RECORDED_CUTOFF.get().is_some() {
            return Err(bad_input(
                "--as-recorded shows the store as it was; it cannot record anything",
            ));
        }
        if !self.ledger.is_whole() {
            // A read command's state: deciding on it would miss what it was opened without.
            self.rebuild()?;
        }
        let versions = self.ledger.stream_versions().clone();
        let mut decided = Vec::new();
        let mut refusals = Vec::new();
        let mut rest = commands.into_iter();
        loop {
            let step: Vec<_> = rest.by_ref().take(DECIDE_STEP).collect();
            if step.is_empty() {
                break;
            }
            let n = step.len() as u64;
            match decide_all_in_place(&mut self.ledger, step) {
                Ok(d) => decided.extend(d),
                Err(r) => refusals.extend(r),
            }
            on_step(n);
        }
        if !refusals.is_empty() || !write {
            self.rebuild()?;
            return Ok(Err(refusals));
        }
        let stored = append(&mut self.log, &versions, &decided, &self.actor);
        self.settle(Vec::new(), stored)
    }

    /// After a file was decided: refused (some `refusals`) or stored, or not. Whenever nothing
    /// was written the state is rebuilt from the log, so it matches what is stored.
    fn settle(
        &mut self,
        refusals: LineRefusals,
        stored: Result<AppendOutcome>,
    ) -> Result<Result<AppendOutcome, LineRefusals>> {
        if !refusals.is_empty() {
            self.rebuild()?;
            return Ok(Err(refusals));
        }
        match stored {
            Ok(outcome) => {
                self.position = Position::at(&outcome.head);
                Ok(Ok(outcome))
            }
            Err(e) => {
                // The state moved on but the log did not: bring it back to what is stored.
                if let Err(again) = self.rebuild() {
                    return Err(e.context(format!("and rebuilding the state failed: {again}")));
                }
                Err(e)
            }
        }
    }

    /// Rebuilds the state from the log (from its snapshot and tail when it checks out).
    pub(crate) fn rebuild(&mut self) -> Result<()> {
        (self.ledger, self.position, self.snapshot_seq) = snapshot::open_state(&self.log)?;
        Ok(())
    }

    /// Writes a snapshot if events were recorded since the last (after a load; not at all
    /// with `BONDED_SNAPSHOT_EVERY=0`). Never fails: a snapshot not written is only noted
    /// (`--verbose`).
    pub fn snapshot_after_write(&mut self) {
        let behind = self.position.seq > self.snapshot_seq;
        self.snapshot_seq = snapshot::write_if_due(
            &self.log,
            &self.ledger,
            &self.position,
            self.snapshot_seq,
            behind,
        );
    }

    /// Decides and records one command.
    pub fn execute(
        &mut self,
        command: ledger_core::events::commands::Command,
    ) -> Result<AppendOutcome> {
        match self.decide_and_record(vec![(0, command)], true, |_| {})? {
            Ok(outcome) => Ok(outcome),
            Err(refusals) => {
                let code = refusals
                    .iter()
                    .map(|(_, r)| crate::exit::code_of_refusal(r))
                    .min()
                    .unwrap_or(crate::exit::OTHER);
                let message = refusals
                    .iter()
                    .map(|(_, r)| r.to_string())
                    .collect::<Vec<_>>()
                    .join("\n");
                Err(Exit { code, message }.into())
            }
        }
    }
}
