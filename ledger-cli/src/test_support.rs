//! What the tests of several modules share: a store holding the benchmark workload's book and
//! master data, and what a log holds.

use std::path::Path;

use ledger_core::events::commands::Command;
use ledger_store::EventLog;

use crate::bench::generator::Workload;
use crate::session::Session;

/// A new store at `dir` with the workload's book opened and its master data loaded, and the
/// workload, to take its months from (`Workload::next_month`).
pub fn workload_store(dir: &Path) -> (Session, Workload) {
    let mut workload = Workload::new(150_000, 7);
    let mut session = crate::commands::admin::create_store(dir, "test").unwrap();
    session
        .execute(Command::OpenBook(workload.header().unwrap()))
        .unwrap();
    let master = crate::commands::load::tables_from_bytes(&workload.master()).unwrap();
    crate::commands::load::load_tables(&mut session, master).unwrap();
    (session, workload)
}

/// What a log holds, but for the recording time (and so the hashes).
pub fn contents(log: &dyn EventLog) -> Vec<(u64, uuid::Uuid, String, u64, String, String)> {
    log.scan(1)
        .map(|e| {
            let e = e.unwrap();
            (
                e.global_seq,
                e.id,
                e.stream,
                e.stream_seq,
                e.kind,
                e.payload,
            )
        })
        .collect()
}

/// A new store at `dir` with book E44038000001 open (purchased materials, item level, cycles
/// of twelve months from 2025-01-01, a cap of 1,000,000 USD) and `files` loaded (CSV tables,
/// named as `bonded load` would read them).
pub fn store_with_a_book(dir: &Path, files: &[(&str, &[u8])]) -> Session {
    let mut s = crate::commands::admin::create_store(dir, "tester").unwrap();
    s.execute(Command::OpenBook(ledger_core::model::book::BookHeader {
        account: "E44038000001".parse().unwrap(),
        company: "4403960001".parse().unwrap(),
        kind: ledger_core::model::trade_mode::BookKind::Purchased,
        level: ledger_core::model::book::Level::Item,
        capacity_usd: rust_decimal::Decimal::from(1_000_000),
        cycle_start: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
        cycle_months: 12,
        headings: vec![],
    }))
    .unwrap();
    let tables: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(name, bytes)| (name.to_string(), bytes.to_vec()))
        .collect();
    let tables = crate::commands::load::tables_from_bytes(&tables).unwrap();
    crate::commands::load::load_tables(&mut s, tables).unwrap();
    s
}
