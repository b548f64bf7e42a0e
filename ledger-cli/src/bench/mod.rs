//! `bonded bench`: how fast the ledger is on a decade of a large factory, against the storage
//! engine's own limit on this machine.
//!
//! One run, at `--events N` (default 1,000,000):
//!
//! 1. **load** — the generated workload ([`generator`]) through the real load path: CSV files
//!    read and parsed, rows decided against the state, events appended with their hash chain
//!    as one durable batch per file (`load::load_tables`, what `bonded load` runs).
//! 2. **raw write** — the very records the load stored, written straight into a bare sled
//!    database in the same batch sizes (one `apply_batch` and flush each): the engine's limit.
//! 3. **replay** — the store opened as every command opens it and every projection rebuilt
//!    from the log (`session::replay`: each record read, re-hashed, decoded and folded).
//! 4. **raw scan** — the same records read back from the bare database.
//! 5. **queries** on the rebuilt state: one material's balance as of a date (random items,
//!    random dates), a monthly duty report (`duty::assess`), and the cycle report
//!    (`cycle::cycle_report` of the last cycle, which ends with a stocktake).
//!
//! 6. **cold commands** ([`cold`]): `balance`, `duty`, `deadlines`, `cycle report` and a
//!    month's `load`, each a new `bonded` process timed with its peak memory, replaying the
//!    whole log and then from the snapshot (`bonded rebuild`, timed too).
//!
//! Each phase runs in a fresh process (this binary, with `BONDED_BENCH_PHASE` set), as a
//! command would: its time and its peak resident memory are its own. It also reports the
//! bytes on disk per event against the encoded bytes. `--format json` prints the figures.

mod cold;
pub mod generator;
mod measure;
mod postgres;
mod table;
use table::table;

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
use ledger_core::events::commands::Command;
use ledger_core::model::ids::{BookNo, ItemNo};
use ledger_core::model::period::Period;
use ledger_core::Ledger;
use ledger_store::baseline::{raw_scan, RawSink, StoredRecords};
use ledger_store::{EventLog, SledLog, SledOptions};
use serde::Serialize;

use crate::cli::{BenchArgs, Format};
use generator::Workload;
use measure::{mib, ms, percentile, rate};

/// sled's page cache for every store of the run, set explicitly (the CLI's default).
pub const CACHE_BYTES: u64 = ledger_store::DEFAULT_CACHE_BYTES;

/// How many balance queries are timed.
const BALANCE_QUERIES: usize = 2_000;

/// The targets of the issue, on a 2-core machine at 1,000,000 events.
pub mod targets {
    /// The workload the targets are set for.
    pub const EVENTS: u64 = 1_000_000;
    /// Load rate at least this share of the raw sled write rate.
    pub const LOAD_RATIO: f64 = 0.70;
    /// Replay rate at least this share of the raw sled scan rate.
    pub const REPLAY_RATIO: f64 = 0.50;
    /// Balance query p99, milliseconds.
    pub const BALANCE_P99_MS: f64 = 1.0;
    /// Duty report and cycle report, milliseconds.
    pub const REPORT_MS: f64 = 1_000.0;
    /// Peak resident memory, MiB.
    pub const PEAK_MIB: f64 = 512.0;
    /// A cold read command from the snapshot: at most this share of the full replay's time.
    pub const COLD_READ_SHARE: f64 = 0.10;
    /// A cold read command's peak resident memory, MiB.
    pub const COLD_READ_MIB: f64 = 128.0;
    /// Bytes on disk per encoded byte.
    pub const DISK_RATIO: f64 = 3.0;
}

/// Every figure of one run.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    pub events: u64,
    pub batches: usize,
    pub largest_batch: u64,
    pub sled_cache_bytes: u64,
    pub load_secs: f64,
    pub load_events_per_sec: f64,
    pub raw_write_secs: f64,
    pub raw_write_records_per_sec: f64,
    pub load_ratio: f64,
    pub open_secs: f64,
    pub replay_secs: f64,
    pub replay_events_per_sec: f64,
    pub raw_scan_secs: f64,
    pub raw_scan_records_per_sec: f64,
    pub replay_ratio: f64,
    pub verify_secs: f64,
    pub balance_queries: usize,
    pub balance_p50_ms: f64,
    pub balance_p99_ms: f64,
    pub balance_max_ms: f64,
    pub duty_reports: usize,
    pub duty_report_median_ms: f64,
    pub duty_report_max_ms: f64,
    pub duty_lines_per_report: f64,
    pub cycle_report_ms: f64,
    pub cycle_report_is: &'static str,
    pub peak_load_bytes: Option<u64>,
    pub peak_replay_bytes: Option<u64>,
    /// The raw write's peak: what sled itself takes to write the records.
    pub peak_raw_write_bytes: Option<u64>,
    pub disk_bytes: u64,
    pub encoded_bytes: u64,
    pub disk_bytes_per_event: f64,
    pub encoded_bytes_per_event: f64,
    pub disk_ratio: f64,
    pub raw_disk_bytes: u64,
    /// Rounds run; the times above are their medians.
    pub rounds: u32,
    /// Each round's load, raw write, replay (open included) and raw scan, seconds.
    pub load_secs_each: Vec<f64>,
    pub raw_write_secs_each: Vec<f64>,
    pub replay_secs_each: Vec<f64>,
    pub raw_scan_secs_each: Vec<f64>,
    /// New processes per command, without and with the snapshot.
    pub cold: cold::Cold,
}

/// Set in the environment of a child process of the benchmark: which phase it runs.
const PHASE: &str = "BONDED_BENCH_PHASE";
/// Set with it: the directory of the run.
const ROOT: &str = "BONDED_BENCH_ROOT";

pub fn run(args: &BenchArgs, format: Format) -> Result<()> {
    if crate::session::store::on_postgres() {
        return postgres::run(args, format);
    }
    if let (Some(phase), Some(root)) = (std::env::var_os(PHASE), std::env::var_os(ROOT)) {
        let root = Path::new(&root);
        let json = match phase.to_str() {
            Some("load") => serde_json::to_string(&load_phase(root, args.events, args.seed)?)?,
            Some("raw") => serde_json::to_string(&raw_write_phase(root)?)?,
            Some("replay") => {
                serde_json::to_string(&replay_and_query(root, args.events, args.seed)?)?
            }
            Some("scan") => serde_json::to_string(&raw_scan_phase(root)?)?,
            _ => bail!("{PHASE}: not a phase of the benchmark"),
        };
        println!("{json}");
        return Ok(());
    }
    let (root, temporary) = match &args.dir {
        Some(dir) => {
            if dir.exists()
                && std::fs::read_dir(dir)
                    .with_context(|| format!("cannot read {}", dir.display()))?
                    .next()
                    .is_some()
            {
                return Err(crate::exit::bad_input(format!(
                    "--dir {}: the directory is not empty; the benchmark writes its stores into an empty (or new) one",
                    dir.display()
                )));
            }
            (dir.clone(), false)
        }
        None => (
            std::env::temp_dir().join(format!("bonded-bench-{}", std::process::id())),
            true,
        ),
    };
    std::fs::create_dir_all(&root).with_context(|| format!("cannot create {}", root.display()))?;
    let result = measure_all(&root, args.events, args.seed, args.rounds);
    if temporary {
        let _ = std::fs::remove_dir_all(&root);
    }
    let figures = result?;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&figures)?),
        _ => print!("{}", table(&figures)),
    }
    Ok(())
}

fn say(what: &str) {
    eprintln!("bench: {what}");
}

fn options() -> SledOptions {
    SledOptions {
        cache_bytes: CACHE_BYTES,
    }
}

/// Runs one phase in a fresh process (this binary, `bench`, with [`PHASE`] set), so that its
/// time and peak memory are its own; returns what it printed.
fn phase<T: serde::de::DeserializeOwned>(
    name: &str,
    root: &Path,
    events: u64,
    seed: u64,
) -> Result<T> {
    let child = std::process::Command::new(
        std::env::current_exe().context("finding the bonded binary to run a phase")?,
    )
    .args([
        "bench",
        "--events",
        &events.to_string(),
        "--seed",
        &seed.to_string(),
    ])
    .env(PHASE, name)
    .env(ROOT, root)
    .stderr(std::process::Stdio::inherit())
    .output()
    .with_context(|| format!("running the {name} phase"))?;
    if !child.status.success() {
        bail!("the {name} phase failed ({})", child.status);
    }
    serde_json::from_slice(&child.stdout).with_context(|| format!("reading the {name} figures"))
}

/// Runs every phase in `root`, each in its own process, and gathers the figures. With more
/// than one round, the load and the raw write take turns `rounds` times (each into fresh
/// stores), then the replay and the raw scan: the rates compared are the medians, so that a
/// slow moment of the machine's disk or processor does not decide a ratio. Peak memory is
/// the highest of any round.
pub fn measure_all(root: &Path, events: u64, seed: u64, rounds: u32) -> Result<Figures> {
    let rounds = rounds.max(1);
    let mut loads: Vec<f64> = Vec::new();
    let mut raws: Vec<f64> = Vec::new();
    let (mut peak_load, mut peak_raw_write) = (None, None);
    let mut written = None;
    for round in 1..=rounds {
        let of = if rounds > 1 {
            format!(" (round {round} of {rounds})")
        } else {
            String::new()
        };
        for store in ["ledger", "raw"] {
            let dir = root.join(store);
            if dir.exists() {
                std::fs::remove_dir_all(&dir)
                    .with_context(|| format!("removing {} for the next round", dir.display()))?;
            }
        }
        say(&format!(
            "loading about {events} events through the load path into {}{of}",
            root.join("ledger").display()
        ));
        let l: Loaded = phase("load", root, events, seed)?;
        let disk_bytes = measure::disk_usage(&root.join("ledger"));
        say(&format!(
            "writing the same records straight into sled, in the same batches{of}"
        ));
        let w: RawWritten = phase("raw", root, events, seed)?;
        let raw_disk_bytes = measure::disk_usage(&root.join("raw"));
        loads.push(l.load_secs);
        raws.push(w.raw_write_secs);
        peak_load = peak_load.max(l.peak_load_bytes);
        peak_raw_write = peak_raw_write.max(w.peak_raw_write_bytes);
        written = Some((l, w, disk_bytes, raw_disk_bytes));
    }
    let Some((l, w, disk_bytes, raw_disk_bytes)) = written else {
        bail!("no round of the benchmark ran");
    };
    let mut replays: Vec<Replayed> = Vec::new();
    let mut scans: Vec<f64> = Vec::new();
    let mut scanned = 0u64;
    for round in 1..=rounds {
        let of = if rounds > 1 {
            format!(" (round {round} of {rounds})")
        } else {
            String::new()
        };
        say(&format!("replaying the log and timing queries{of}"));
        replays.push(phase("replay", root, events, seed)?);
        say(&format!("scanning the same records straight from sled{of}"));
        let scan: RawScanned = phase("scan", root, events, seed)?;
        scanned = scan.records;
        scans.push(scan.raw_scan_secs);
    }
    let cold = cold::measure(root, events, seed)?;
    let peak_replay_bytes = replays.iter().filter_map(|r| r.peak_replay_bytes).max();
    // The round whose replay took the median time gives the replay's and the queries' figures.
    replays.sort_by(|a, b| (a.open_secs + a.replay_secs).total_cmp(&(b.open_secs + b.replay_secs)));
    let replay_each: Vec<f64> = replays
        .iter()
        .map(|r| r.open_secs + r.replay_secs)
        .collect();
    let Some(r) = replays.get(replays.len() / 2).cloned() else {
        bail!("no round of the benchmark replayed");
    };
    let scan = RawScanned {
        records: scanned,
        raw_scan_secs: median(&scans),
    };
    let l = Loaded {
        load_secs: median(&loads),
        peak_load_bytes: peak_load,
        ..l
    };
    let w = RawWritten {
        raw_write_secs: median(&raws),
        peak_raw_write_bytes: peak_raw_write,
        ..w
    };

    let stored = l.events;
    if w.records != stored || r.events != stored || scan.records != stored {
        bail!(
            "the phases disagree: {stored} events loaded, {} written raw, {} replayed, {} scanned",
            w.records,
            r.events,
            scan.records
        );
    }
    let load_rate = rate(stored, Duration::from_secs_f64(l.load_secs));
    let raw_write_rate = rate(stored, Duration::from_secs_f64(w.raw_write_secs));
    let replay_rate = rate(stored, Duration::from_secs_f64(r.open_secs + r.replay_secs));
    let raw_scan_rate = rate(stored, Duration::from_secs_f64(scan.raw_scan_secs));
    Ok(Figures {
        events: stored,
        batches: l.batches.len(),
        largest_batch: l.batches.iter().copied().max().unwrap_or(0),
        sled_cache_bytes: CACHE_BYTES,
        load_secs: l.load_secs,
        load_events_per_sec: load_rate,
        raw_write_secs: w.raw_write_secs,
        raw_write_records_per_sec: raw_write_rate,
        load_ratio: ratio(load_rate, raw_write_rate),
        open_secs: r.open_secs,
        replay_secs: r.replay_secs,
        replay_events_per_sec: replay_rate,
        raw_scan_secs: scan.raw_scan_secs,
        raw_scan_records_per_sec: raw_scan_rate,
        replay_ratio: ratio(replay_rate, raw_scan_rate),
        verify_secs: r.verify_secs,
        balance_queries: r.balance_queries,
        balance_p50_ms: r.balance_p50_ms,
        balance_p99_ms: r.balance_p99_ms,
        balance_max_ms: r.balance_max_ms,
        duty_reports: r.duty_reports,
        duty_report_median_ms: r.duty_report_median_ms,
        duty_report_max_ms: r.duty_report_max_ms,
        duty_lines_per_report: r.duty_lines_per_report,
        cycle_report_ms: r.cycle_report_ms,
        cycle_report_is: CYCLE_REPORT_IS,
        peak_load_bytes: l.peak_load_bytes,
        peak_replay_bytes,
        peak_raw_write_bytes: w.peak_raw_write_bytes,
        disk_bytes,
        encoded_bytes: w.encoded_bytes,
        disk_bytes_per_event: disk_bytes as f64 / stored.max(1) as f64,
        encoded_bytes_per_event: w.encoded_bytes as f64 / stored.max(1) as f64,
        disk_ratio: ratio(disk_bytes as f64, w.encoded_bytes as f64),
        raw_disk_bytes,
        rounds,
        load_secs_each: loads,
        raw_write_secs_each: raws,
        replay_secs_each: replay_each,
        raw_scan_secs_each: scans,
        cold,
    })
}

/// The middle value (the mean of the two middle ones for an even count); 0 for none.
fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// What the load process measured.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
struct Loaded {
    events: u64,
    /// The events of each durable batch, in order.
    batches: Vec<u64>,
    load_secs: f64,
    peak_load_bytes: Option<u64>,
}

/// Phase 1: the generated workload through the real load path, month by month, into
/// `root/ledger`. Generating the files is not timed; reading, deciding and appending them is.
fn load_phase(root: &Path, events: u64, seed: u64) -> Result<Loaded> {
    let ledger_dir = root.join("ledger");
    let mut workload = Workload::new(events, seed);
    let header = workload.header().context("the workload's book header")?;
    measure::reset_peak_memory();
    let mut batches: Vec<u64> = Vec::new();
    let mut load = Duration::ZERO;
    let t = Instant::now();
    let mut session = crate::commands::admin::create_store(&ledger_dir, "bench")?;
    session.execute(Command::OpenBook(header))?;
    load += t.elapsed();
    batches.extend([1, 1]);
    let mut files = Some(workload.master());
    let mut month = 0u32;
    while let Some(set) = files.take() {
        let t = Instant::now();
        let tables = crate::commands::load::tables_from_bytes(&set)?;
        let reports = crate::commands::load::load_tables(&mut session, tables)?;
        load += t.elapsed();
        drop(set);
        batches.extend(reports.iter().map(|r| r.recorded).filter(|n| *n > 0));
        files = workload.next_month();
        month += 1;
        if month.is_multiple_of(12) {
            say(&format!(
                "  {} events after {} months, {:.1} s",
                session.log.head().seq,
                month - 1,
                load.as_secs_f64()
            ));
        }
    }
    let stored = session.log.head().seq;
    let peak = measure::peak_memory();
    drop(session);
    let in_batches: u64 = batches.iter().sum();
    if in_batches != stored {
        bail!("the load reported {in_batches} events in its batches but the log holds {stored}");
    }
    std::fs::write(root.join("batches.json"), serde_json::to_vec(&batches)?)
        .context("writing the batch sizes")?;
    Ok(Loaded {
        events: stored,
        batches,
        load_secs: load.as_secs_f64(),
        peak_load_bytes: peak,
    })
}

/// What the raw write process measured.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
struct RawWritten {
    records: u64,
    encoded_bytes: u64,
    raw_write_secs: f64,
    peak_raw_write_bytes: Option<u64>,
}

/// Phase 2: the records the load stored, written straight into a bare sled at `root/raw` in
/// the same batches (one `apply_batch` and flush each). Reading them from the log is not timed.
fn raw_write_phase(root: &Path) -> Result<RawWritten> {
    let batches: Vec<u64> = serde_json::from_slice(
        &std::fs::read(root.join("batches.json")).context("reading the batch sizes")?,
    )?;
    let source = StoredRecords::open(&root.join("ledger"), options())?;
    let (records, encoded_bytes) = source.encoded_size()?;
    measure::reset_peak_memory();
    let mut sink = RawSink::create(&root.join("raw"), options())?;
    let mut raw_write = Duration::ZERO;
    let mut next = 1u64;
    for n in &batches {
        let chunk = source.range(next, next + n - 1)?;
        let t = Instant::now();
        sink.write_batch(&chunk)?;
        raw_write += t.elapsed();
        next += n;
    }
    let peak = measure::peak_memory();
    Ok(RawWritten {
        records,
        encoded_bytes,
        raw_write_secs: raw_write.as_secs_f64(),
        peak_raw_write_bytes: peak,
    })
}

/// What the raw scan process measured.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
struct RawScanned {
    records: u64,
    raw_scan_secs: f64,
}

/// Phase 4: the same records read straight from the bare sled (opening it included, as the
/// replay's figure includes opening the log), its files read once first, as the replay's are.
fn raw_scan_phase(root: &Path) -> Result<RawScanned> {
    let raw_dir = root.join("raw");
    measure::read_through(&raw_dir)
        .with_context(|| format!("reading {} before the scan", raw_dir.display()))?;
    let t = Instant::now();
    let (records, _) = raw_scan(&raw_dir, options())?;
    Ok(RawScanned {
        records,
        raw_scan_secs: t.elapsed().as_secs_f64(),
    })
}

/// What the replay process measured.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
struct Replayed {
    events: u64,
    open_secs: f64,
    replay_secs: f64,
    peak_replay_bytes: Option<u64>,
    verify_secs: f64,
    balance_queries: usize,
    balance_p50_ms: f64,
    balance_p99_ms: f64,
    balance_max_ms: f64,
    duty_reports: usize,
    duty_report_median_ms: f64,
    duty_report_max_ms: f64,
    duty_lines_per_report: f64,
    cycle_report_ms: f64,
}

/// The replay process: opens the log as every command does and rebuilds every projection
/// (timed, with the peak memory it took), then times the queries on the rebuilt state. The
/// store's files are read once first (untimed), as the raw scan's are: both read from memory.
fn replay_and_query(root: &Path, events: u64, seed: u64) -> Result<Replayed> {
    let ledger_dir = root.join("ledger");
    let workload = Workload::new(events, seed);
    let account: BookNo = generator::ACCOUNT
        .parse()
        .map_err(|e| anyhow::anyhow!("the workload's account: {e}"))?;
    measure::read_through(&ledger_dir)
        .with_context(|| format!("reading {} before the replay", ledger_dir.display()))?;
    measure::reset_peak_memory();
    let t = Instant::now();
    let log = SledLog::open_with(&ledger_dir, options())?;
    let open = t.elapsed();
    let t = Instant::now();
    let ledger = crate::session::replay(&log)?;
    let replay = t.elapsed();
    let peak = measure::peak_memory();

    let t = Instant::now();
    log.verify()?;
    let verify = t.elapsed();
    drop(log);

    let mut rng = generator::Rng::new(seed ^ 0xbe7c);
    let shape = workload.shape;
    let days = (shape.end() - shape.start()).num_days().max(0) as u64;
    let mut times = Vec::with_capacity(BALANCE_QUERIES);
    for _ in 0..BALANCE_QUERIES {
        let item = ItemNo(rng.range(1, u64::from(shape.materials)) as u32);
        let date = shape.start() + chrono::Days::new(rng.range(0, days));
        let t = Instant::now();
        let line = balance_query(&ledger, &account, item, date)?;
        times.push(t.elapsed());
        std::hint::black_box(line);
    }
    times.sort();

    let mut duty_times = Vec::new();
    let mut duty_lines = 0usize;
    for k in shape.months.saturating_sub(12)..shape.months {
        let (year, month) = shape.month(k);
        let period = Period::Month { year, month };
        let t = Instant::now();
        let report = monthly_duty_report(&ledger, &account, period)?;
        duty_times.push(t.elapsed());
        duty_lines += report.lines.len();
    }
    duty_times.sort();

    let t = Instant::now();
    let cycle = cycle_report(&ledger, &account, shape.end())?;
    let cycle_time = t.elapsed();
    std::hint::black_box(cycle);

    Ok(Replayed {
        events: ledger.event_count(),
        open_secs: open.as_secs_f64(),
        replay_secs: replay.as_secs_f64(),
        peak_replay_bytes: peak,
        verify_secs: verify.as_secs_f64(),
        balance_queries: times.len(),
        balance_p50_ms: ms(percentile(&times, 50.0)),
        balance_p99_ms: ms(percentile(&times, 99.0)),
        balance_max_ms: ms(times.last().copied().unwrap_or_default()),
        duty_reports: duty_times.len(),
        duty_report_median_ms: ms(percentile(&duty_times, 50.0)),
        duty_report_max_ms: ms(duty_times.last().copied().unwrap_or_default()),
        duty_lines_per_report: duty_lines as f64 / duty_times.len().max(1) as f64,
        cycle_report_ms: ms(cycle_time),
    })
}

/// The monthly duty report of `period`, assessed on its due date (`bonded duty --month`).
fn monthly_duty_report(
    ledger: &Ledger,
    account: &BookNo,
    period: Period,
) -> Result<ledger_core::reports::duty::Declaration> {
    ledger_core::reports::duty::assess(ledger, account, period, period.due())
        .map_err(|r| anyhow::anyhow!("duty report for {period}: {r}"))
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}

/// One material's balance line as of a date: the query `bonded balance` answers per item.
fn balance_query(
    ledger: &Ledger,
    account: &BookNo,
    item: ItemNo,
    as_of: NaiveDate,
) -> Result<ledger_core::state::balance::MaterialBalance> {
    ledger_core::state::balance::material_balance(ledger, account, item, as_of)
        .map_err(|r| anyhow::anyhow!("balance of material {item}: {r}"))
}

/// What "cycle report" times.
pub const CYCLE_REPORT_IS: &str =
    "the write-off cycle report of the last cycle (ledger_core::reports::cycle::cycle_report)";

/// The self-verification report of the cycle that ends on `cycle_end` (`bonded cycle report`):
/// the balance identity of every material over the cycle, compared with the stocktake taken at
/// its end, shortages valued as domestic sales.
pub fn cycle_report(
    ledger: &Ledger,
    account: &BookNo,
    cycle_end: NaiveDate,
) -> Result<ledger_core::reports::cycle::CycleReport> {
    let book = ledger
        .book(account)
        .ok_or_else(|| anyhow::anyhow!("cycle report: book {account} is not open"))?;
    let n = ledger_core::model::book::cycle_of(
        book.header.cycle_start,
        book.settings.cycle_months,
        cycle_end,
    )
    .number;
    ledger_core::reports::cycle::cycle_report(ledger, account, Some(n), None)
        .map_err(|r| anyhow::anyhow!("cycle report: {r}"))
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
