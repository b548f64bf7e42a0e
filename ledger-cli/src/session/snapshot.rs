//! The saved state: an open reads the snapshot beside the log when it checks out against the
//! log, and replays only the events after it; otherwise it replays the whole log (as before)
//! and writes a fresh snapshot. The bytes are the core's (`ledger_core::state::snapshot`), the
//! file the store's (`ledger_store::snapshot`); what ties them to the log is checked here.
//!
//! The snapshot is written in parts (`Part`): a command that only reads says which parts it
//! needs (`open_state_for`), and when the snapshot is at the log's head only those are read —
//! a balance reads the stock, never ten years of line records. When events follow the
//! snapshot, every part is read (folding an event needs the whole state) and the snapshot is
//! saved anew, so that only the first command after a write pays for it; a `load` saves it
//! itself when it is done.
//!
//! A snapshot is used only when all of these hold, else it is ignored (never served) and
//! rebuilt: the file's magic, versions, length and SHA-256 check out; the core's format
//! version is this binary's; it was made from this store (the hash of the log's first record);
//! its position is within the log; the log's record at that position is intact (re-hashed,
//! chained to the one before) and has the snapshot's hash; the state decodes and has folded
//! exactly that many events. The replay of the tail then chains from that record, as any scan.
//!
//! A sled store keeps its snapshot in its own directory. A PostgreSQL store's is kept on the
//! machine that reads it, in a cache directory of its own (`cache_dir`): the snapshot is
//! derived data, so it stays out of the database, its WAL and its backups, and each machine
//! (each server of several) keeps its own, checked against the log like any other. Several
//! processes may share that directory: one writes at a time (the store's lock), the others
//! skip saving. `--as-recorded` always replays (the snapshot is of the whole log, not of a
//! day).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use ledger_core::state::snapshot::{self as core_snapshot, Part, Parts};
use ledger_core::Ledger;
use ledger_store::snapshot as file;
use ledger_store::{EventLog, Hash, PgLog};

use super::reads::Reads;
use super::store::Log;
use super::Position;

/// Events replayed past the snapshot (or from the start, without one) after which an open, or
/// a load, writes a new snapshot.
pub const SNAPSHOT_EVERY: u64 = 10_000;
/// Sets that number (0: never write one, except `bonded rebuild`).
pub const EVERY_ENV: &str = "BONDED_SNAPSHOT_EVERY";

static VERBOSE: AtomicBool = AtomicBool::new(false);

/// `--verbose`: say on standard error what happened to the snapshot.
pub fn set_verbose(on: bool) {
    VERBOSE.store(on, Ordering::Relaxed);
}

pub(crate) fn note(message: impl FnOnce() -> String) {
    if VERBOSE.load(Ordering::Relaxed) {
        eprintln!("bonded: {}", message());
    }
}

/// After how many events replayed a snapshot is written (0: never, automatically).
pub fn every() -> u64 {
    std::env::var(EVERY_ENV)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(SNAPSHOT_EVERY)
}

/// Where a PostgreSQL store's snapshot is kept on this machine (`cache_dir`).
pub const CACHE_ENV: &str = "BONDED_CACHE";

/// The directory whose snapshot an open may use, unless `--as-recorded`: the sled store's
/// own, or a PostgreSQL store's cache directory.
pub(crate) fn dir_of(log: &Log) -> Option<PathBuf> {
    if super::cutoff_set() {
        return None;
    }
    match log {
        Log::Sled(log) => Some(log.dir().to_path_buf()),
        Log::Pg(log) => cache_dir(log),
    }
}

/// A PostgreSQL store's cache directory: `pg-` and the store's `cache_key` (no password in
/// it) under `BONDED_CACHE`, else `$XDG_CACHE_HOME/bonded`, else `$HOME/.cache/bonded`;
/// made when missing, readable by its owner only (it holds the state of the books). None
/// with `BONDED_CACHE=off`, without any of the three, or when it cannot be made (noted):
/// every command then replays the log.
fn cache_dir(log: &PgLog) -> Option<PathBuf> {
    let root = match std::env::var_os(CACHE_ENV).filter(|v| !v.is_empty()) {
        Some(v) if v == "off" => return None,
        Some(v) => PathBuf::from(v),
        None => match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
            Some(xdg) => PathBuf::from(xdg).join("bonded"),
            None => PathBuf::from(std::env::var_os("HOME").filter(|v| !v.is_empty())?)
                .join(".cache")
                .join("bonded"),
        },
    };
    let dir = root.join(format!("pg-{}", log.cache_key()));
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    match builder.create(&dir) {
        Ok(()) => Some(dir),
        Err(e) => {
            note(|| {
                format!(
                    "no saved state: the cache directory {} cannot be made: {e}",
                    dir.display()
                )
            });
            None
        }
    }
}

/// What identifies a store: the hash of its first record (`None` while it is empty).
fn store_id(log: &(dyn EventLog + Sync)) -> Result<Option<Hash>> {
    match log.scan_replay(1).next() {
        None => Ok(None),
        Some(Ok(first)) => Ok(Some(first.hash)),
        Some(Err(e)) => Err(e.into()),
    }
}

/// The snapshot in `dir` decoded, when it checks out against `log` (module doc): the parts
/// `wanted` reads when it is at the log's head, else every part; `Ok(Err(why))` when there is none
/// or it does not check out; `Err` only when the log itself fails a check (exit 4).
pub(crate) fn usable(
    log: &(dyn EventLog + Sync),
    dir: &Path,
    wanted: Reads<'_>,
) -> Result<std::result::Result<(Ledger, Position), String>> {
    let mut snap = match file::open_snapshot(dir) {
        Ok(Some(snap)) => snap,
        Ok(None) => return Ok(Err("no snapshot".into())),
        Err(e) => return Ok(Err(e.to_string())),
    };
    let h = snap.header.clone();
    if h.payload_version != core_snapshot::FORMAT_VERSION {
        return Ok(Err(format!(
            "the snapshot's state format is {}, this version of bonded writes {}",
            h.payload_version,
            core_snapshot::FORMAT_VERSION
        )));
    }
    let head = log.head();
    if h.seq == 0 || h.seq > head.seq {
        return Ok(Err(format!(
            "the snapshot is at position {}, beyond the log's head {}",
            h.seq, head.seq
        )));
    }
    if store_id(log)? != Some(h.store_id) {
        return Ok(Err("the snapshot was made from another store".into()));
    }
    let at = match log.scan_replay(h.seq).next() {
        Some(Ok(record)) => record,
        Some(Err(e)) => return Err(e.into()),
        None => return Ok(Err(format!("the log has no record {}", h.seq))),
    };
    if at.hash != h.hash {
        return Ok(Err(format!(
            "the log's record {} is not the one the snapshot was made from",
            h.seq
        )));
    }
    // Events after it are folded into the state: that needs all of it.
    let wanted = if h.seq == head.seq {
        wanted
    } else {
        Parts::all().into()
    };
    let ledger = match read_parts(&mut snap, wanted) {
        Ok(ledger) => ledger,
        Err(why) => return Ok(Err(why)),
    };
    if ledger.event_count() != h.seq {
        return Ok(Err(format!(
            "the snapshot's state holds {} events, not {}",
            ledger.event_count(),
            h.seq
        )));
    }
    Ok(Ok((
        ledger,
        Position {
            seq: h.seq,
            hash: ledger_store::hash_hex(&h.hash),
        },
    )))
}

/// The base, the parts `wanted` reads, then those they say are needed too, each decoded as it
/// is read (never a part's bytes and the state whole in memory at once) and used only if its
/// checksum holds.
fn read_parts(
    snap: &mut file::SnapshotFile,
    wanted: Reads<'_>,
) -> std::result::Result<Ledger, String> {
    let mut read = |part: Part, ledger: Option<&mut Ledger>| {
        let mut stream = snap.part(part.id()).map_err(|e| e.to_string())?;
        let len = stream.len();
        let decoded = match ledger {
            None => core_snapshot::decode_base(&mut stream, len).map(Some),
            Some(l) => core_snapshot::decode_part(l, part, &mut stream, len).map(|()| None),
        };
        stream.finish().map_err(|e| e.to_string())?;
        decoded.map_err(|e| format!("its {}: {e}", part.name()))
    };
    let mut ledger = read(Part::Base, None)?.ok_or("the snapshot has no base")?;
    let first = wanted.parts.to_read();
    for part in first.iter().filter(|p| *p != Part::Base) {
        read(part, Some(&mut ledger))?;
    }
    let then = (wanted.then)(&ledger).to_read().without(first);
    for part in then.iter() {
        read(part, Some(&mut ledger))?;
    }
    Ok(ledger)
}

/// Writes the snapshot of `ledger`, the state of `log` up to `position`.
pub(crate) fn write(
    log: &(dyn EventLog + Sync),
    dir: &Path,
    ledger: &Ledger,
    position: &Position,
) -> Result<()> {
    let store_id = store_id(log)?.context("an empty store has no snapshot")?;
    let mut hash = [0u8; 32];
    hex::decode_to_slice(&position.hash, &mut hash).context("the position's hash")?;
    let header = file::SnapshotHeader {
        payload_version: core_snapshot::FORMAT_VERSION,
        store_id,
        seq: position.seq,
        hash,
    };
    // The state encoded straight into the file, part by part: never its whole encoding beside
    // it in memory.
    let ids: Vec<u32> = Part::ALL.iter().map(|p| p.id()).collect();
    let bytes = file::write_snapshot_parts(dir, &header, &ids, |id, sink| {
        let part = Part::from_id(id).ok_or_else(|| std::io::Error::other("an unknown part"))?;
        core_snapshot::encode_part(ledger, part, sink)
            .map(|_| ())
            .map_err(std::io::Error::other)
    })
    .context("writing the snapshot")?;
    note(|| {
        format!(
            "snapshot written at position {} ({bytes} bytes)",
            position.seq
        )
    });
    Ok(())
}

/// Writes the snapshot if `replayed` events were folded since the last one and that is at
/// least `every()`. A snapshot that cannot be written is only noted: it is an optimisation,
/// never a reason for a command to fail. Returns the position of the snapshot on disk.
pub(crate) fn write_if_due(
    log: &Log,
    ledger: &Ledger,
    position: &Position,
    on_disk: u64,
    force: bool,
) -> u64 {
    let Some(dir) = dir_of(log) else {
        return on_disk;
    };
    let every = every();
    let due =
        position.seq > 0 && every > 0 && (force || position.seq.saturating_sub(on_disk) >= every);
    if !due {
        return on_disk;
    }
    match write(log, &dir, ledger, position) {
        Ok(()) => position.seq,
        Err(e) => {
            note(|| format!("the snapshot was not written: {e:#}"));
            on_disk
        }
    }
}

/// The whole state of `log` for a command (`open_state_for` every part).
pub(crate) fn open_state(log: &Log) -> Result<(Ledger, Position, u64)> {
    open_state_for(log, Parts::all().into())
}

/// The state of `log` for a command that reads `parts`: the snapshot and the log's tail when
/// the snapshot checks out (only `parts` when nothing follows it), else a full replay (and a
/// fresh snapshot when due, or when one was there but not usable). Also the position of the
/// snapshot on disk afterwards (0: none).
pub(crate) fn open_state_for(log: &Log, reads: Reads<'_>) -> Result<(Ledger, Position, u64)> {
    let Some(dir) = dir_of(log) else {
        let (ledger, position) = super::replay_to(log)?;
        return Ok((ledger, position, 0));
    };
    match usable(log, &dir, reads)? {
        Ok((ledger, from)) => {
            let snap = from.seq;
            let (ledger, position) = super::replay_onto(log, ledger, from, |_| {})?;
            note(|| {
                let missing = ledger.missing();
                let read = if missing.is_empty() {
                    String::new()
                } else {
                    let names: Vec<&str> = Parts::all()
                        .without(missing)
                        .iter()
                        .map(Part::name)
                        .collect();
                    format!(" (read in part: {})", names.join(", "))
                };
                format!(
                    "snapshot at position {snap} used; {} events replayed after it{read}",
                    position.seq - snap
                )
            });
            // A command that reads in part had to read it all for the events after the
            // snapshot: saved now, so that the next one reads only what it needs.
            let behind = position.seq > snap && reads.parts.to_read() != Parts::all();
            let on_disk = write_if_due(log, &ledger, &position, snap, behind);
            Ok((ledger, position, on_disk))
        }
        Err(why) => {
            let present = why != "no snapshot";
            if present {
                note(|| format!("snapshot not used: {why}; replaying the whole log"));
            }
            let (ledger, position) = super::replay_to(log)?;
            let on_disk = write_if_due(log, &ledger, &position, 0, present);
            Ok((ledger, position, on_disk))
        }
    }
}
