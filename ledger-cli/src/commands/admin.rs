//! Store administration: `init`, `verify`, `export`, `restore`.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};
use ledger_core::events::commands::{Command, InterestInput};
use ledger_store::{EventLog, StoreError};

use crate::cli::Format;
use crate::exit::{bad_input, Exit, INTEGRITY};
use crate::session;
use crate::session::store;

/// The deferred-interest rate every store starts with: the PBOC demand-deposit rate, 0.35 % a
/// year since 2015-10-24 (GACC Announcements 2009 No.13/14; CONTRACT.md `interest`).
fn initial_interest() -> Command {
    Command::SetInterestRate(InterestInput {
        from: chrono::NaiveDate::from_ymd_opt(2015, 10, 24).unwrap_or_default(),
        annual_pct: rust_decimal::Decimal::new(35, 2),
    })
}

pub fn create_store(dir: &Path, actor: &str) -> Result<session::Session> {
    let log = store::create_at(&store::location(dir))?;
    let mut s = session::Session {
        position: session::Position::default(),
        log,
        ledger: ledger_core::Ledger::new(),
        actor: actor.to_string(),
        snapshot_seq: 0,
    };
    s.execute(initial_interest())?;
    Ok(s)
}

pub fn init(dir: &Path, actor: &str) -> Result<()> {
    let s = create_store(dir, actor)?;
    println!("created an empty store at {}", s.log.describe());
    Ok(())
}

/// `bonded rebuild`: the snapshot thrown away, the whole log replayed (every record checked),
/// a fresh snapshot written; its position and head hash printed.
pub fn rebuild(dir: &Path, format: Format) -> Result<()> {
    if session::cutoff_set() {
        return Err(bad_input(
            "--as-recorded shows the store as it was; `rebuild` saves the state of the whole log",
        ));
    }
    let log = session::open_store(dir)?;
    let Some(snapshot_dir) = session::snapshot::dir_of(&log) else {
        return Err(bad_input(format!(
            "a PostgreSQL store's snapshot is kept in a cache directory on this machine, and \
             there is none: {}=off, or no {0}, XDG_CACHE_HOME or HOME to put it in, or it \
             cannot be made (--verbose says why)",
            session::snapshot::CACHE_ENV
        )));
    };
    ledger_store::snapshot::remove_snapshot(&snapshot_dir).context("removing the old snapshot")?;
    let (ledger, position) = session::replay_to(&log)?;
    if position.seq == 0 {
        println!("the store is empty: no snapshot written");
        return Ok(());
    }
    session::snapshot::write(&log, &snapshot_dir, &ledger, &position)?;
    match format {
        Format::Json => println!(
            "{}",
            serde_json::json!({"snapshot": true, "position": position.seq.to_string(), "head_hash": position.hash})
        ),
        _ => println!(
            "snapshot written: position {} {}",
            position.seq, position.hash
        ),
    }
    Ok(())
}

pub fn verify(dir: &Path, format: Format) -> Result<()> {
    let log = session::open_store(dir)?;
    let report = log.verify().map_err(|e| Exit {
        code: if e.is_integrity() {
            INTEGRITY
        } else {
            crate::exit::OTHER
        },
        message: format!("verify failed: {e}"),
    })?;
    // Every record must also be readable by this version of the domain.
    session::replay(&log)?;
    let hash = hex_of(&report.head.hash);
    match format {
        Format::Json => println!(
            "{}",
            serde_json::json!({"ok": true, "events": report.events.to_string(), "head_seq": report.head.seq.to_string(), "head_hash": hash})
        ),
        Format::Csv => println!(
            "ok,events,head_seq,head_hash\ntrue,{},{},{hash}",
            report.events, report.head.seq
        ),
        Format::Table | Format::Ics | Format::Xlsx => println!(
            "ok: {} events, hash chain intact; head {} {hash}",
            report.events, report.head.seq
        ),
    }
    Ok(())
}

pub fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn export(dir: &Path, args: &crate::cli::ExportArgs) -> Result<()> {
    let log = session::open_store(dir)?;
    let count = match &args.out {
        Some(path) => {
            let file =
                File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
            let mut w = BufWriter::new(file);
            let n = ledger_store::export_jsonl(&log, &mut w)?;
            w.flush()
                .with_context(|| format!("cannot write {}", path.display()))?;
            w.get_ref()
                .sync_all()
                .with_context(|| format!("cannot sync {}", path.display()))?;
            n
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = BufWriter::new(stdout.lock());
            let n = ledger_store::export_jsonl(&log, &mut w)?;
            w.flush().context("cannot write to standard output")?;
            n
        }
    };
    eprintln!("exported {count} events");
    Ok(())
}

pub fn restore(dir: &Path, file: &Path) -> Result<()> {
    let f = File::open(file).map_err(|e| bad_input(format!("{}: {e}", file.display())))?;
    // A failed restore removes the store it made, so the retry is not refused as "exists" —
    // only when it made the directory (one given to it is left as it was, files and all).
    let created_dir = !dir.exists();
    let result = restore_into(dir, f, file);
    if result.is_err() && created_dir && dir.exists() {
        let _ = std::fs::remove_dir_all(dir);
    }
    result
}

fn restore_into(dir: &Path, f: File, file: &Path) -> Result<()> {
    let mut log = store::create_at(&store::location(dir))
        .map_err(|e| e.context("restore builds a new store"))?;
    let head = ledger_store::restore_jsonl(&mut BufReader::new(f), &mut log).map_err(|e| Exit {
        code: if is_integrity_deep(&e) {
            INTEGRITY
        } else {
            crate::exit::OTHER
        },
        message: format!("{}: {e}", file.display()),
    })?;
    let ledger = session::replay(&log)?;
    println!(
        "restored {} events ({} books) into {}; head {} {}",
        head.seq,
        ledger.books.len(),
        log.describe(),
        head.seq,
        hex_of(&head.hash)
    );
    Ok(())
}

pub(crate) fn is_integrity_deep(e: &StoreError) -> bool {
    match e {
        StoreError::Restore { source, .. } => is_integrity_deep(source),
        other => other.is_integrity(),
    }
}
