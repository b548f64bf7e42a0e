//! `Session::record_tables`: the files of one `bonded load`, decided and stored as a pipeline.
//!
//! Each file is one durable batch, all or nothing, recorded in order, and the load stops at
//! the first file that is not recorded whole. One thread decides (reading the rows as it goes),
//! a second stores (`EventLog::append_stream`: encoding, checks, hash chain, writes). A file's
//! durable commit waits for the disk; meanwhile the deciding thread already reads and decides
//! the next file and queues its events, and that file is committed only once the one before
//! it is known to be recorded. Should the one before fail, the next is abandoned (nothing of
//! it is written) and the state is rebuilt from the log.

use std::collections::HashMap;

use anyhow::Result;
use ledger_core::decide::LineRefusals;
use ledger_core::decide_all_in_place;
use ledger_store::{AppendOutcome, EventLog};

use crate::exit::bad_input;
use crate::input::{LineError, Table};
use crate::rows::RowCommands;
use crate::session::{
    cutoff_set, new_event, now_rfc3339, Incoming, Position, Session, ToStore, STREAM_QUEUE,
    STREAM_STEP,
};

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

/// A file decided whole and handed over with its commit, not yet known to be recorded.
struct Awaiting {
    errors: Vec<LineError>,
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
            let recorded_at = recorded_at.as_str();
            scope.spawn(move || store_files(log, rx, done_tx, actor, recorded_at));

            let mut awaiting: Option<Awaiting> = None;
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
                                    store_gone = tx.send(ToStore::Encoded(events)).is_err();
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
                if let Some(before) = awaiting.take() {
                    let outcome = done_rx.recv().unwrap_or_else(|_| Err(store_stopped()));
                    let recorded = outcome.is_ok();
                    results.push(FileResult {
                        errors: before.errors,
                        outcome: outcome.map(Ok),
                    });
                    if !recorded {
                        let _ = tx.send(ToStore::Abandon);
                        return;
                    }
                }
                let errors = rows.into_errors();
                if let Some(e) = failure {
                    let _ = tx.send(ToStore::Abandon);
                    results.push(FileResult {
                        errors,
                        outcome: Err(e),
                    });
                    return;
                }
                if !sending || store_gone {
                    let _ = tx.send(ToStore::Abandon);
                    let outcome = if store_gone {
                        // The storing side ended early: what it says is the error.
                        drop(tx);
                        Err(done_rx
                            .iter()
                            .find_map(|r| r.err())
                            .unwrap_or_else(store_stopped))
                    } else {
                        Ok(Err(refusals))
                    };
                    results.push(FileResult { errors, outcome });
                    return;
                }
                store_gone = tx.send(ToStore::Commit).is_err();
                if store_gone {
                    results.push(FileResult {
                        errors,
                        outcome: Err(store_stopped()),
                    });
                    return;
                }
                awaiting = Some(Awaiting { errors });
            }
            if let Some(last) = awaiting {
                let outcome = done_rx.recv().unwrap_or_else(|_| Err(store_stopped()));
                results.push(FileResult {
                    errors: last.errors,
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
/// file's result goes back in order.
fn store_files(
    log: &mut dyn EventLog,
    rx: std::sync::mpsc::Receiver<ToStore>,
    done: std::sync::mpsc::Sender<Result<AppendOutcome>>,
    actor: &str,
    recorded_at: &str,
) {
    let mut incoming = Incoming::new(rx, actor, recorded_at);
    loop {
        let expected = match incoming.next_begin.take() {
            Some(versions) => versions,
            None => match incoming.rx.recv() {
                Ok(ToStore::Begin(versions)) => versions,
                // Between files only a start is expected; anything else ends the work.
                Ok(_) | Err(_) => return,
            },
        };
        let stored = log.append_stream(&expected, &mut incoming);
        let stored = incoming.outcome(stored);
        if done.send(stored).is_err() {
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
    use ledger_store::{AppendRequest, NewEvent, StoreError};

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
                crate::load::tables_from_bytes(&workload.next_month().unwrap()).unwrap();
            month.sort_by_key(|t| crate::load::rank(t.kind));
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
            let (commands, errors) = crate::rows::commands(table);
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
        let head = piped.log.head();
        assert_eq!(piped.position.seq, head.seq);
        assert_eq!(piped.ledger.event_count(), head.seq);
        assert_eq!(piped.log.verify().unwrap().events, head.seq);
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
            let (commands, _) = crate::rows::commands(table);
            decide_all_in_place(&mut ahead, commands).unwrap();
        }
        let (commands, _) = crate::rows::commands(&tables[k]);
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
        assert_eq!(session.position.seq, head.seq);
        assert_eq!(session.ledger.event_count(), head.seq);
        assert_eq!(session.log.verify().unwrap().events, head.seq);
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
        assert_eq!(session.position.seq, head.seq);
        assert_eq!(session.ledger.event_count(), head.seq);
    }
}
