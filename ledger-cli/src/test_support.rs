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
