//! `Session::record_tables`: the files of one `bonded load`, decided and stored as a pipeline.
//!
//! Each file is one durable batch, all or nothing, recorded in order, and the load stops at
//! the first file that is not recorded whole. One thread decides (reading the rows as it goes),
//! a second stores (`SledLog::append_stream_returning`: encoding, checks, hash chain, writes;
//! each stored event sent back to be freed by the thread that made it). A file's
//! durable commit waits for the disk; meanwhile the deciding thread already reads and decides
//! the next file and queues its events, and that file is committed only once the one before
//! it is known to be recorded. Should the one before fail, the next is abandoned (nothing of
//! it is written) and the state is rebuilt from the log.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, SyncSender};

use anyhow::Result;
use ledger_core::decide::LineRefusals;
use ledger_core::decide_all_in_place;
use ledger_store::{AppendOutcome, EventLog, NewEvent, Streamed};

use super::store::Log;

use crate::exit::bad_input;
use crate::input::rows::RowCommands;
use crate::input::{LineError, Table};
use crate::session::{cutoff_set, new_event, now_rfc3339, Position, Session};

/// Commands decided between two hand-overs to the storing thread. Far below a file's size
/// (a month's movements are one to a few thousand lines; handed over whole, nothing would
/// overlap), large enough that a hand-over costs little.
const STREAM_STEP: usize = 128;

/// Steps that may wait for the storing thread: enough to ride out a slow step of either side,
/// few enough that memory stays bounded.
const STREAM_QUEUE: usize = 16;
/// Batches of stored events that may wait to go home to the deciding thread (see
/// `store_files`; a megabyte at most); past that the storing thread frees them itself, as
/// while the deciding side waits for a commit.
const SPENT_QUEUE: usize = 8;

/// What the deciding thread hands the storing one, in order.
enum ToStore {
    /// A file starts: the stream versions its events expect.
    Begin(HashMap<String, u64>),
    /// The events of one step of decided commands, encoded.
    Events(Vec<NewEvent>),
    /// Every command of the file was accepted and every event handed over: record them.
    Commit,
    /// The file ends and must not be recorded.
    Abandon,
}

/// The storing side's view of the channel for one file: its events, then `Streamed::Commit`
/// if it comes. Ends without it at `Abandon`, or when the deciding side hangs up.
struct Incoming {
    rx: Receiver<ToStore>,
    events: std::vec::IntoIter<NewEvent>,
    /// The start of the next file, met where this one should have ended (never, by the
    /// protocol): this one is then left unrecorded and the next can still begin.
    next_begin: Option<HashMap<String, u64>>,
}

impl Iterator for Incoming {
    type Item = Streamed;

    fn next(&mut self) -> Option<Streamed> {
        loop {
            if let Some(event) = self.events.next() {
                return Some(Streamed::Event(event));
            }
            match self.rx.recv() {
                Ok(ToStore::Events(events)) => self.events = events.into_iter(),
                Ok(ToStore::Commit) => return Some(Streamed::Commit),
                Ok(ToStore::Abandon) | Err(_) => return None,
                Ok(ToStore::Begin(versions)) => {
                    self.next_begin = Some(versions);
                    return None;
                }
            }
        }
    }
}

/// What became of one file.
pub struct FileResult {
    /// The bad cells of its rows (then nothing of it is written).
    pub errors: Vec<LineError>,
    /// Recorded, refused (`Ok(Err)`: nothing written), or the store failed.
    pub outcome: Result<Result<AppendOutcome, LineRefusals>>,
}

impl FileResult {
    fn recorded(&self) -> bool {
        self.errors.is_empty() && matches!(self.outcome, Ok(Ok(_)))
    }
}

/// What the deciding side tells its caller as it goes.
pub enum Progress {
    /// Deciding file `n` (of the slice given) starts.
    Start(usize),
    /// `k` more commands of the file started last are decided.
    Step(u64),
}

impl Session {
    /// Decides and records `tables` in order, each as one durable batch, pipelined (see the
    /// module). Returns what became of each file tried, in order: every one but the last was
    /// recorded; the last was too unless the load stopped at it. When a file was not recorded,
    /// the state is rebuilt from the log before this returns, so it matches what is stored.
    pub fn record_tables(
        &mut self,
        tables: &[Table],
        mut progress: impl FnMut(Progress),
    ) -> Result<Vec<FileResult>> {
        if cutoff_set() {
            return Err(bad_input(
                "--as-recorded shows the store as it was; it cannot record anything",
            ));
        }
        let recorded_at = now_rfc3339();
        let (log, ledger, actor) = (&mut self.log, &mut self.ledger, self.actor.as_str());
        let mut results: Vec<FileResult> = Vec::new();
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<ToStore>(STREAM_QUEUE);
            let (done_tx, done_rx) = std::sync::mpsc::channel::<Result<AppendOutcome>>();
            let (spent_tx, spent_rx) = std::sync::mpsc::sync_channel::<Vec<NewEvent>>(SPENT_QUEUE);
            let recorded_at = recorded_at.as_str();
            scope.spawn(move || store_files(log, rx, done_tx, spent_tx));

            // A file handed over with its commit, not yet known to be recorded.
            let mut awaiting = false;
            for (n, table) in tables.iter().enumerate() {
                progress(Progress::Start(n));
                let versions: HashMap<String, u64> = ledger.stream_versions().clone();
                let mut store_gone = tx.send(ToStore::Begin(versions)).is_err();
                let mut rows = RowCommands::new(table);
                let mut refusals = Vec::new();
                let mut sending = true;
                // An event that would not encode: the file is not recorded.
                let mut failure: Option<anyhow::Error> = None;
                loop {
                    let step: Vec<_> = rows.by_ref().take(STREAM_STEP).collect();
                    if step.is_empty() {
                        break;
                    }
                    if !rows.clean() {
                        // A row that does not read: nothing of the file is written.
                        sending = false;
                    }
                    let k = step.len() as u64;
                    match decide_all_in_place(ledger, step) {
                        Ok(decided) if sending && !store_gone => {
                            // Encoded here: the storing side is the slower of the two.
                            let encoded: Result<Vec<_>> = decided
                                .iter()
                                .map(|d| new_event(d, actor, recorded_at))
                                .collect();
                            match encoded {
                                Ok(events) => {
                                    // Events stored since the last step, freed where made.
                                    while let Ok(spent) = spent_rx.try_recv() {
                                        drop(spent);
                                    }
                                    store_gone = tx.send(ToStore::Events(events)).is_err();
                                }
                                Err(e) => {
                                    failure = Some(e);
                                    break;
                                }
                            }
                        }
                        Ok(_) => {}
                        Err(r) => {
                            sending = false;
                            refusals.extend(r);
                        }
                    }
                    progress(Progress::Step(k));
                }
                // The file before must be recorded before this one may be.
                if std::mem::take(&mut awaiting) {
                    let outcome = done_rx.recv().unwrap_or_else(|_| Err(store_stopped()));
                    let recorded = outcome.is_ok();
                    results.push(FileResult {
                        errors: Vec::new(),
                        outcome: outcome.map(Ok),
                    });
                    if !recorded {
                        let _ = tx.send(ToStore::Abandon);
                        return;
                    }
                }
                // Rows that do not read may also be the last ones, after the last step.
                sending &= rows.clean();
                if failure.is_none() && sending && !store_gone {
                    store_gone = tx.send(ToStore::Commit).is_err();
                    if !store_gone {
                        awaiting = true;
                        continue;
                    }
                }
                // This file is not recorded, and the load stops at it.
                let _ = tx.send(ToStore::Abandon);
                let outcome = match failure {
                    Some(e) => Err(e),
                    None if store_gone => {
                        // The storing side ended early: what it says is the error.
                        drop(tx);
                        Err(done_rx
                            .iter()
                            .find_map(|r| r.err())
                            .unwrap_or_else(store_stopped))
                    }
                    None => Ok(Err(refusals)),
                };
                results.push(FileResult {
                    errors: rows.into_errors(),
                    outcome,
                });
                return;
            }
            if awaiting {
                let outcome = done_rx.recv().unwrap_or_else(|_| Err(store_stopped()));
                results.push(FileResult {
                    errors: Vec::new(),
                    outcome: outcome.map(Ok),
                });
            }
            // Dropping `tx` ends the storing thread; the scope joins it.
        });
        let all_recorded = results.iter().all(FileResult::recorded);
        if all_recorded {
            if let Some(Ok(Ok(outcome))) = results.last().map(|r| &r.outcome) {
                self.position = Position::at(&outcome.head);
            }
        } else if let Err(again) = self.rebuild() {
            // The state moved on but the log did not, and it cannot be brought back.
            return Err(again.context("rebuilding the state after a file was not recorded"));
        }
        Ok(results)
    }
}

/// The storing thread: one streamed append per file, until the deciding side hangs up. Each
/// file's result goes back in order, and the events it stored go back to be freed by the
/// thread that made them (`spent`, a step at a time): freeing them here took glibc's lock on
/// the deciding thread's arena while that thread was allocating from it.
fn store_files(
    log: &mut Log,
    rx: Receiver<ToStore>,
    done: std::sync::mpsc::Sender<Result<AppendOutcome>>,
    spent: SyncSender<Vec<NewEvent>>,
) {
    let mut incoming = Incoming {
        rx,
        events: Vec::new().into_iter(),
        next_begin: None,
    };
    loop {
        let expected = match incoming.next_begin.take() {
            Some(versions) => versions,
            None => match incoming.rx.recv() {
                Ok(ToStore::Begin(versions)) => versions,
                // Between files only a start is expected; anything else ends the work.
                Ok(_) | Err(_) => return,
            },
        };
        incoming.events = Vec::new().into_iter();
        let mut batch = Vec::with_capacity(STREAM_STEP);
        let stored = match log {
            Log::Sled(log) => log.append_stream_returning(&expected, &mut incoming, &mut |event| {
                batch.push(event);
                if batch.len() == STREAM_STEP {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(STREAM_STEP));
                    // A full queue or a deciding side gone: freed here instead.
                    let _ = spent.try_send(full);
                }
            }),
            // PostgreSQL's log has no returning variant: the events are freed here.
            Log::Pg(log) => log.append_stream(&expected, &mut incoming),
        };
        let _ = spent.try_send(batch);
        if done.send(stored.map_err(anyhow::Error::from)).is_err() {
            return;
        }
    }
}

fn store_stopped() -> anyhow::Error {
    anyhow::anyhow!(
        "the thread storing the files' events stopped unexpectedly; the file was not recorded"
    )
}

#[cfg(test)]
mod tests {
    use ledger_store::{AppendRequest, EventLog, NewEvent, StoreError};

    use super::*;
    use crate::input::FileKind;
    use crate::test_support::{contents, workload_store};

    /// A store holding the benchmark workload's book and master data, and the tables of its
    /// first `months` months (in load order).
    fn months(dir: &std::path::Path, months: usize) -> (Session, Vec<Table>) {
        let (session, mut workload) = workload_store(dir);
        let mut tables = Vec::new();
        for _ in 0..months {
            let mut month =
                crate::commands::load::tables_from_bytes(&workload.next_month().unwrap()).unwrap();
            month.sort_by_key(|t| crate::commands::load::rank(t.kind));
            tables.extend(month);
        }
        (session, tables)
    }

    fn recorded(results: &[FileResult]) -> Vec<u64> {
        results
            .iter()
            .map(|r| match &r.outcome {
                Ok(Ok(o)) => o.appended,
                _ => u64::MAX,
            })
            .collect()
    }

    /// The first month's movements file (over a thousand lines), of a store holding the
    /// workload's book and master data.
    fn first_movements(dir: &std::path::Path) -> (Session, Table) {
        let (session, mut workload) = workload_store(dir);
        let month =
            crate::commands::load::tables_from_bytes(&workload.next_month().unwrap()).unwrap();
        let movements = month
            .into_iter()
            .find(|t| t.kind == FileKind::Movements)
            .unwrap();
        assert!(movements.rows.len() >= 1_000, "{}", movements.rows.len());
        (session, movements)
    }

    #[test]
    fn a_file_stored_while_decided_records_what_one_append_would() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut streamed, table) = first_movements(&tmp.path().join("a"));
        let (mut appended, _) = first_movements(&tmp.path().join("b"));

        let results = streamed
            .record_tables(std::slice::from_ref(&table), |_| {})
            .unwrap();
        let outcome = match &results[..] {
            [FileResult {
                outcome: Ok(Ok(o)), ..
            }] => o.clone(),
            _ => panic!("one file, recorded"),
        };
        let (commands, _) = crate::input::rows::commands(&table);
        let versions = appended.ledger.stream_versions().clone();
        let decided = decide_all_in_place(&mut appended.ledger, commands).unwrap();
        let want = crate::session::append(&mut appended.log, &versions, &decided, "test").unwrap();

        assert_eq!((outcome.appended, outcome.duplicates), (want.appended, 0));
        assert_eq!(outcome.head.seq, want.head.seq);
        assert_eq!(contents(&streamed.log), contents(&appended.log));
        assert_eq!(streamed.position.seq, outcome.head.seq);
        assert_eq!(streamed.log.verify().unwrap().events, outcome.head.seq);
        assert_eq!(streamed.ledger.event_count(), outcome.head.seq);
    }

    #[test]
    fn a_store_failing_mid_file_stops_it_and_the_state_follows_the_log() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut session, table) = first_movements(&tmp.path().join("store"));
        // One of the file's events, three quarters in: another event already holds its id (in
        // a stream of its own, so nothing else notices), so the store refuses the file there.
        let (commands, _) = crate::input::rows::commands(&table);
        let decided = decide_all_in_place(&mut session.ledger.clone(), commands).unwrap();
        let mut other = new_event(&decided[decided.len() * 3 / 4], "test", &now_rfc3339()).unwrap();
        other.stream = "elsewhere".into();
        session.log.append(AppendRequest::new(vec![other])).unwrap();
        let head = session.log.head();

        let results = session
            .record_tables(std::slice::from_ref(&table), |_| {})
            .unwrap();
        assert_eq!(results.len(), 1);
        let err = results[0].outcome.as_ref().unwrap_err();
        assert!(
            matches!(
                err.downcast_ref::<StoreError>(),
                Some(StoreError::IdConflict { .. })
            ),
            "{err:#}"
        );
        // Nothing of the file was recorded, and the state was rebuilt from the log.
        assert_eq!(session.log.head(), head);
        assert_state_is_the_log(&session);
    }

    /// The session's state and position are those of its whole log, which verifies.
    #[track_caller]
    fn assert_state_is_the_log(session: &Session) {
        let head = session.log.head();
        assert_eq!(session.position.seq, head.seq);
        assert_eq!(session.ledger.event_count(), head.seq);
        assert_eq!(session.log.verify().unwrap().events, head.seq);
    }

    #[test]
    fn pipelined_files_record_what_one_file_at_a_time_would() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut piped, tables) = months(&tmp.path().join("a"), 2);
        let (mut single, _) = months(&tmp.path().join("b"), 0);
        assert!(tables.len() >= 3, "{} files", tables.len());

        let mut started = Vec::new();
        let results = piped
            .record_tables(&tables, |p| {
                if let Progress::Start(n) = p {
                    started.push(n);
                }
            })
            .unwrap();
        assert_eq!(started, (0..tables.len()).collect::<Vec<_>>());
        assert_eq!(results.len(), tables.len());
        assert!(results.iter().all(FileResult::recorded));

        let mut want = Vec::new();
        for table in &tables {
            let (commands, errors) = crate::input::rows::commands(table);
            assert!(errors.is_empty());
            let outcome = single
                .decide_and_record(commands, true, |_| {})
                .unwrap()
                .unwrap();
            want.push(outcome.appended);
        }
        assert_eq!(recorded(&results), want);
        assert!(want.iter().sum::<u64>() > 2_000);
        assert_eq!(contents(&piped.log), contents(&single.log));
        assert_state_is_the_log(&piped);
    }

    #[test]
    fn a_file_the_store_refuses_stops_the_load_and_the_one_decided_after_it_is_not_recorded() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut session, tables) = months(&tmp.path().join("store"), 3);
        // A later movements file's events, decided ahead on a copy: another event already holds
        // the id of one of them, so the store refuses that file at its commit while the next
        // file is being decided.
        let k = (1..tables.len())
            .find(|&i| tables[i].kind == FileKind::Movements)
            .unwrap();
        assert!(tables.len() > k + 1, "a file follows the poisoned one");
        let mut ahead = session.ledger.clone();
        for table in &tables[..k] {
            let (commands, _) = crate::input::rows::commands(table);
            decide_all_in_place(&mut ahead, commands).unwrap();
        }
        let (commands, _) = crate::input::rows::commands(&tables[k]);
        let decided = decide_all_in_place(&mut ahead, commands).unwrap();
        let d = &decided[decided.len() / 2];
        let other = NewEvent {
            id: d.id,
            stream: "elsewhere".into(),
            kind: d.event.kind().to_string(),
            schema_version: 1,
            actor: "test".into(),
            recorded_at: now_rfc3339(),
            payload: ledger_store::Payload::serialize(&d.event, 1024).unwrap(),
        };
        session.log.append(AppendRequest::new(vec![other])).unwrap();
        let before = session.log.head();

        let results = session.record_tables(&tables, |_| {}).unwrap();
        assert_eq!(results.len(), k + 1, "the load stops at the poisoned file");
        assert!(results[..k].iter().all(FileResult::recorded));
        let err = results[k].outcome.as_ref().unwrap_err();
        assert!(
            matches!(
                err.downcast_ref::<StoreError>(),
                Some(StoreError::IdConflict { .. })
            ),
            "{err:#}"
        );
        // Only the files before it are in the log; the state was rebuilt to match it.
        let head = session.log.head();
        assert_eq!(
            head.seq,
            before.seq + recorded(&results[..k]).iter().sum::<u64>()
        );
        assert_state_is_the_log(&session);
    }

    #[test]
    fn unreadable_rows_after_the_last_step_keep_the_file_out() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut session, mut tables) = months(&tmp.path().join("store"), 1);
        let movements = tables
            .iter_mut()
            .find(|t| t.kind == FileKind::Movements)
            .unwrap();
        // Every row from the third step on does not read: the steps that read are handed over
        // before the bad rows are met, and the end of the rows comes with no step left.
        let from = 2 * STREAM_STEP;
        assert!(movements.rows.len() > from + 10);
        for row in &mut movements.rows[from..] {
            *row = crate::input::Row::new(row.line, &[("qty", "not a number")]);
        }
        let file = movements.file.clone();
        let before = session.log.head();

        let results = session.record_tables(&tables, |_| {}).unwrap();
        let last = results.last().unwrap();
        assert!(!last.recorded());
        assert!(!last.errors.is_empty());
        let stopped_at = &tables[results.len() - 1].file;
        assert_eq!(stopped_at, &file);
        let recorded: u64 = recorded(&results[..results.len() - 1]).iter().sum();
        assert_eq!(
            session.log.head().seq,
            before.seq + recorded,
            "nothing of {file}"
        );
        assert_eq!(session.ledger.event_count(), session.log.head().seq);
    }

    #[test]
    fn a_file_with_an_unreadable_row_is_not_recorded_and_the_load_stops_there() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut session, mut tables) = months(&tmp.path().join("store"), 2);
        // A row in the middle of the second file that does not read.
        let second = &mut tables[1];
        let mid = second.rows.len() / 2;
        let bad_line = second.rows[mid].line;
        second.rows[mid] = crate::input::Row::new(bad_line, &[("qty", "not a number")]);
        let before = session.log.head();

        let results = session.record_tables(&tables, |_| {}).unwrap();
        assert_eq!(results.len(), 2);
        assert!(results[0].recorded());
        assert!(!results[1].recorded());
        assert!(
            results[1].errors.iter().any(|e| e.line == bad_line),
            "{:?}",
            results[1].errors
        );
        assert!(matches!(results[1].outcome, Ok(Err(_))));
        let head = session.log.head();
        assert_eq!(head.seq, before.seq + recorded(&results[..1])[0]);
        assert_state_is_the_log(&session);
    }
}
