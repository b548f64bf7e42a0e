//! Where each book's events, and each item's, sit in the log: the index of the histories.
//! Per book (stream), the positions of its events; per book and item, the positions of the
//! events that touch the item (`history::touched`). An item's history reads those records
//! and no others: its cost grows with the item's own history, not with the book's.
//!
//! The events a server folds after it started are indexed as they are folded. Those it
//! loaded at start (from a snapshot, which never decoded them, or a replay) are indexed
//! (`older`) by a thread of its own once the server is up, reading the log a chunk at a time,
//! so the start waits for nothing more than the state. Until that part is in, a book's
//! positions are found by reading the log's records (what every start did before), and an
//! item's history is read from its book's positions, filtered — the same answers, slower.
//! A record that cannot be read back while the index is built is a damaged log: the server
//! then serves no figures, as when `verify` fails.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use ledger_core::events::event_json::decode_event;
use ledger_core::model::ids::ItemNo;
use ledger_core::model::trade_mode::GoodsKind;
use ledger_core::Event;
use ledger_store::EventLog;

use super::error::ApiError;
use super::history::{self, ItemFilter};
use super::state::{read, write, Shared};
use crate::session::store::Log;

/// Records read under one hold of the log's read lock while the older part is built: the
/// writer waits at most this long for its turn.
const BUILD_CHUNK: usize = 20_000;

/// Per stream (book): its positions, and per item the positions of the events touching it;
/// each ascending.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Positions {
    streams: HashMap<String, Vec<u64>>,
    items: HashMap<String, HashMap<(GoodsKind, ItemNo), Vec<u64>>>,
}

impl Positions {
    pub fn add(&mut self, seq: u64, stream: &str, event: &Event) {
        match self.streams.get_mut(stream) {
            Some(seqs) => seqs.push(seq),
            None => {
                self.streams.insert(stream.to_string(), vec![seq]);
            }
        }
        let touched = history::touched(event);
        if touched.is_empty() {
            return;
        }
        let items = match self.items.get_mut(stream) {
            Some(items) => items,
            None => self.items.entry(stream.to_string()).or_default(),
        };
        for key in touched {
            items.entry(key).or_default().push(seq);
        }
    }

    fn stream(&self, stream: &str) -> &[u64] {
        self.streams
            .get(stream)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The positions touching `filter` in `stream` (every kind of goods when it names none).
    fn of(&self, stream: &str, filter: ItemFilter) -> Vec<u64> {
        let Some(items) = self.items.get(stream) else {
            return Vec::new();
        };
        match filter.goods {
            Some(goods) => items
                .get(&(goods, filter.item))
                .cloned()
                .unwrap_or_default(),
            None => {
                let mut all: Vec<u64> = [GoodsKind::M, GoodsKind::P, GoodsKind::S]
                    .iter()
                    .filter_map(|g| items.get(&(*g, filter.item)))
                    .flatten()
                    .copied()
                    .collect();
                all.sort_unstable();
                all.dedup();
                all
            }
        }
    }
}

/// The index of a served state: the events up to `base` in `older` (once built), the events
/// folded since in `newer`.
#[derive(Debug, Clone, Default)]
pub struct HistoryIndex {
    base: u64,
    older: Option<Arc<Positions>>,
    newer: Positions,
}

impl HistoryIndex {
    /// For a state loaded up to `base` (from a snapshot and the log's tail, or a replay: the
    /// load reads the records for the state, not for this index): the events up to it are
    /// still to read, by [`build_in_background`].
    pub fn pending(base: u64) -> Self {
        HistoryIndex {
            base,
            older: (base == 0).then(Arc::default),
            newer: Positions::default(),
        }
    }

    pub fn fold(&mut self, seq: u64, stream: &str, event: &Event) {
        self.newer.add(seq, stream, event);
    }

    /// The position up to which the older part is still to be built, if it is.
    pub fn missing(&self) -> Option<u64> {
        self.older.is_none().then_some(self.base)
    }

    /// The positions of `stream`'s events, ascending. While the part loaded at start is
    /// still being indexed, that part is found by reading the log's records up to it.
    pub fn stream(&self, log: &Log, stream: &str) -> Result<Vec<u64>, ApiError> {
        let mut all = match &self.older {
            Some(older) => older.stream(stream).to_vec(),
            None => stream_by_reading(log, stream, self.base)?,
        };
        all.extend_from_slice(self.newer.stream(stream));
        Ok(all)
    }

    /// The positions of `stream`'s events touching `filter`, ascending; `None` while the
    /// part loaded at start is still being indexed.
    pub fn item(&self, stream: &str, filter: ItemFilter) -> Option<Vec<u64>> {
        let older = self.older.as_ref()?;
        let mut all = older.of(stream, filter);
        all.extend(self.newer.of(stream, filter));
        Some(all)
    }
}

/// The positions of `stream`'s records from 1 to `upto`, read from the log.
fn stream_by_reading(log: &Log, stream: &str, upto: u64) -> Result<Vec<u64>, ApiError> {
    let mut out = Vec::new();
    let take = usize::try_from(upto).unwrap_or(usize::MAX);
    for record in log.scan_replay(1).take(take) {
        let record = record.map_err(|e| {
            ApiError::internal(format!("cannot read the log for the book's history: {e}"))
        })?;
        if record.stream() == stream {
            out.push(record.global_seq);
        }
    }
    Ok(out)
}

/// Why the older part could not be built.
#[derive(Debug)]
struct BuildError {
    /// The connection to the database was lost (PostgreSQL): try again later.
    lost: bool,
    message: String,
}

/// Reads the log's events from 1 to `base` and indexes them, a chunk at a time (the log's
/// read lock is let go between chunks, so appends go on).
fn build_older(log: &RwLock<Log>, base: u64) -> Result<Positions, BuildError> {
    let damaged = |message: String| BuildError {
        lost: false,
        message,
    };
    let mut positions = Positions::default();
    let mut next = 1u64;
    while next <= base {
        let log = read(log);
        let take = usize::try_from(base - next + 1)
            .unwrap_or(usize::MAX)
            .min(BUILD_CHUNK);
        let mut read_any = false;
        for record in log.scan_replay(next).take(take) {
            let record = record.map_err(|e| BuildError {
                lost: e.is_connection_lost() || log.connection_lost(),
                message: format!("cannot read record {next}: {e}"),
            })?;
            let event = decode_event(record.payload()).map_err(|e| {
                damaged(format!("record {} cannot be read: {e}", record.global_seq))
            })?;
            positions.add(record.global_seq, record.stream(), &event);
            next = record.global_seq + 1;
            read_any = true;
        }
        if !read_any {
            return Err(damaged(format!("the log ends before position {next}")));
        }
    }
    Ok(positions)
}

/// Attempts at building the older part when the database connection is lost meanwhile, and
/// the wait between them.
const BUILD_ATTEMPTS: u32 = 5;
const BUILD_RETRY: std::time::Duration = std::time::Duration::from_secs(5);

/// Builds the older part of the served state's index in a thread of its own (unless it is
/// there); installs it unless the state was replaced meanwhile (a reload builds its own).
/// A log that cannot be read back is a fault: no figures are served from then on. A lost
/// database connection is not: the build is tried again (the histories are read the slow
/// way meanwhile).
pub fn build_in_background(log: Arc<RwLock<Log>>, shared: Arc<RwLock<Shared>>) {
    let Some(base) = read(&shared).history.missing() else {
        return;
    };
    let spawned = std::thread::Builder::new()
        .name("history-index".into())
        .spawn(move || {
            for attempt in 1..=BUILD_ATTEMPTS {
                let built = build_older(&log, base);
                let mut shared = write(&shared);
                if shared.history.missing() != Some(base) {
                    return;
                }
                match built {
                    Ok(older) => {
                        shared.history.older = Some(Arc::new(older));
                        return;
                    }
                    Err(e) if e.lost => {
                        drop(shared);
                        eprintln!(
                            "bonded serve: the history index waits for the database ({}); attempt {attempt} of {BUILD_ATTEMPTS}",
                            e.message
                        );
                        std::thread::sleep(BUILD_RETRY);
                        // Only the connection made again: the writer alone catches up.
                        let _ = write(&log).reconnect_if_lost();
                    }
                    Err(e) => {
                        shared.fault = Some(format!(
                            "the log cannot be read back while its history is indexed: {}",
                            e.message
                        ));
                        return;
                    }
                }
            }
        });
    if let Err(e) = spawned {
        eprintln!("bonded serve: cannot start the thread indexing the histories: {e}");
    }
}

/// The index of the whole log, built here and now (tests, and a state that must be complete).
#[cfg(test)]
pub fn built(log: &RwLock<Log>, base: u64) -> HistoryIndex {
    HistoryIndex {
        base,
        older: Some(Arc::new(
            build_older(log, base).expect("the log reads back"),
        )),
        newer: Positions::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(goods: Option<GoodsKind>, item: u32) -> ItemFilter {
        ItemFilter {
            goods,
            item: ItemNo(item),
        }
    }

    fn opening(item: u32) -> Event {
        Event::OpeningRecorded(ledger_core::events::OpeningRecorded {
            account: "E44038000001".parse().expect("a book number"),
            date: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("a date"),
            item: ItemNo(item),
            qty: rust_decimal::Decimal::from(5),
            unit_price: None,
            currency: None,
        })
    }

    #[test]
    fn an_index_from_a_snapshot_answers_only_once_its_older_part_is_in() {
        let mut index = HistoryIndex::pending(10);
        index.fold(11, "E1", &opening(7));
        assert_eq!(index.missing(), Some(10));
        assert_eq!(index.item("E1", filter(Some(GoodsKind::M), 7)), None);
        let mut older = Positions::default();
        older.add(3, "E1", &opening(7));
        older.add(4, "E2", &opening(7));
        index.older = Some(Arc::new(older));
        assert_eq!(index.missing(), None);
        assert_eq!(
            index.item("E1", filter(Some(GoodsKind::M), 7)),
            Some(vec![3, 11])
        );
        assert_eq!(index.item("E1", filter(None, 7)), Some(vec![3, 11]));
        assert_eq!(
            index.item("E1", filter(Some(GoodsKind::P), 7)),
            Some(vec![])
        );
        assert_eq!(index.item("E2", filter(None, 7)), Some(vec![4]));
        assert_eq!(index.item("E3", filter(None, 7)), Some(vec![]));
    }

    #[test]
    fn an_index_of_an_empty_log_answers_at_once() {
        let mut index = HistoryIndex::pending(0);
        index.fold(1, "E1", &opening(2));
        assert_eq!(index.missing(), None);
        assert_eq!(index.item("E1", filter(None, 2)), Some(vec![1]));
    }
}

#[cfg(test)]
mod store_tests {
    use super::*;
    use crate::serve::state::read;

    /// A store with one book, materials 1 and 2, imports of both and a sale of 1, a
    /// correction of an import of 2.
    fn store(dir: &std::path::Path) {
        crate::test_support::store_with_a_book(
            dir,
            &[
                (
                    "items.csv",
                    b"account,goods,item,hs,name,unit,price,currency\n\
                      E44038000001,M,1,8542310000,Chip,PCS,1,USD\n\
                      E44038000001,M,2,8542310000,Board,PCS,1,USD\n",
                ),
                (
                    "movements.csv",
                    b"ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency\n\
                      A,1,2025-01-05,E44038000001,0615,I,M,500,1,1.5,USD\n\
                      A,2,2025-01-05,E44038000001,0615,I,M,800,2,0.1,USD\n\
                      B,1,2025-02-05,E44038000001,0615,I,M,100,2,0.1,USD\n\
                      C,1,2025-02-10,E44038000001,0644,I,M,20,1,,\n",
                ),
            ],
        );
    }

    /// The index built from the log names, for every item and kind of goods, exactly the
    /// positions whose events `history::touches` (what the slow path reads and filters).
    #[test]
    fn the_built_index_holds_what_the_history_filter_finds() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("data");
        store(&dir);
        let log = crate::session::open_store(&dir).expect("open");
        let head = log.head().seq;
        let all: Vec<(u64, String, Event)> = log
            .scan(1)
            .map(|r| {
                let r = r.expect("record");
                let event = decode_event(&r.payload).expect("event");
                (r.global_seq, r.stream, event)
            })
            .collect();
        let log = RwLock::new(log);
        let index = built(&log, head);
        let mut checked = 0;
        for item in [1, 2, 3] {
            for goods in [None, Some(GoodsKind::M), Some(GoodsKind::P)] {
                let f = ItemFilter {
                    goods,
                    item: ItemNo(item),
                };
                let expected: Vec<u64> = all
                    .iter()
                    .filter(|(_, stream, e)| stream == "E44038000001" && history::touches(e, f))
                    .map(|(seq, _, _)| *seq)
                    .collect();
                assert_eq!(index.item("E44038000001", f), Some(expected.clone()));
                checked += expected.len();
            }
        }
        // A book's positions: those of its stream, from the index or, while it is being
        // built, read from the log.
        let book: Vec<u64> = all
            .iter()
            .filter(|(_, stream, _)| stream == "E44038000001")
            .map(|(seq, _, _)| *seq)
            .collect();
        assert!(book.len() >= 6, "{book:?}");
        let guard = read(&log);
        assert_eq!(index.stream(&guard, "E44038000001").expect("stream"), book);
        let pending = HistoryIndex::pending(head);
        assert_eq!(pending.stream(&guard, "E44038000001").expect("read"), book);
        assert_eq!(
            pending.item(
                "E44038000001",
                ItemFilter {
                    goods: None,
                    item: ItemNo(1)
                }
            ),
            None
        );
        drop(guard);
        // Items 1 and 2 each registered, imported (and 1 sold): something was compared.
        assert!(checked >= 10, "{checked}");
        // A log shorter than the index asks for is an error, not a hang or a panic.
        assert!(build_older(&log, head + 5).is_err());
    }

    /// Built in the background, the older part comes in by itself; a record that does not
    /// read back (damaged after the state was loaded) makes the server serve no figures.
    #[test]
    fn built_in_the_background_installed_or_a_fault() {
        let wait_for = |shared: &Arc<RwLock<Shared>>, done: &dyn Fn(&Shared) -> bool| {
            for _ in 0..200 {
                if done(&read(shared)) {
                    return true;
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            false
        };
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("data");
        store(&dir);
        let loaded = {
            let log = crate::session::open_store(&dir).expect("open");
            crate::serve::state::load(&log).expect("load")
        };
        let head = loaded.position.seq;
        assert_eq!(loaded.history.missing(), Some(head));
        let ledger = loaded.ledger.clone();

        let log = Arc::new(RwLock::new(crate::session::open_store(&dir).expect("open")));
        let shared = Arc::new(RwLock::new(loaded));
        build_in_background(log.clone(), shared.clone());
        assert!(wait_for(&shared, &|s| s.history.missing().is_none()));
        let f = ItemFilter {
            goods: Some(GoodsKind::M),
            item: ItemNo(2),
        };
        assert!(read(&shared)
            .history
            .item("E44038000001", f)
            .is_some_and(|p| p.len() >= 3));
        assert_eq!(read(&shared).fault, None);
        drop(log);

        // Record 3 damaged: the state (loaded before) is served until the index reads it.
        ledger_store::fault::flip_byte(&dir, 3).expect("flip");
        let log = Arc::new(RwLock::new(crate::session::open_store(&dir).expect("open")));
        assert!(
            crate::serve::state::load(&read(&log)).is_err(),
            "a replay reads record 3 and fails"
        );
        let shared = Arc::new(RwLock::new(Shared {
            ledger,
            history: HistoryIndex::pending(head),
            position: crate::session::Position {
                seq: head,
                hash: String::new(),
            },
            fault: None,
            store_lost: None,
            panics: 0,
            appends: 0,
            redecided: 0,
        }));
        build_in_background(log, shared.clone());
        assert!(wait_for(&shared, &|s| s.fault.is_some()));
        let fault = read(&shared).fault.clone().unwrap_or_default();
        assert!(fault.contains("record 3"), "{fault}");
        assert_eq!(read(&shared).history.missing(), Some(head));
    }
}
