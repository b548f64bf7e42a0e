//! `bonded bench --store postgres://…`: the same benchmark on PostgreSQL, against the
//! database's own limit for the same bytes.
//!
//! One run, at `--events N`, on the server the URL names:
//!
//! 1. **load** — the generated workload through the real load path into a `PgLog` (what
//!    `bonded --store URL load` runs: one transaction per durable batch, the head row locked).
//! 2. **raw COPY** — the very records the load stored (`hash ++ canonical bytes`), copied with
//!    `COPY … FROM STDIN BINARY` into a bare table `raw_records (seq bigint PRIMARY KEY,
//!    value bytea)` in the same batch sizes, each COPY its own committed transaction
//!    (`synchronous_commit = on`, as the log's): the database's limit for a durable write.
//!    Beside it, **raw INSERT**: the same records inserted into a second bare table
//!    `raw_inserted` (same columns) with one multi-row `INSERT … SELECT * FROM unnest($1, $2)`
//!    per batch, prepared once, each batch its own committed transaction.
//! 3. **replay** — `PgLog::open` and every projection rebuilt from the log (`session::replay`).
//! 4. **raw scan** — `SELECT seq, value FROM raw_records ORDER BY seq`, every row read.
//!
//! Before each of 3 and 4 the table is read once, untimed, so both read from the server's
//! caches. The queries of the sled benchmark are left out: they run on the rebuilt state in
//! memory, the same whichever store it was replayed from.
//!
//! Each phase runs in its own process (this binary, with [`PHASE`] set), so its peak memory is
//! its own: the client's memory — the server's is not counted. The log and the raw table each
//! live in a database the benchmark creates (`bonded_bench_<pid>_<stamp>_ledger`, `…_raw`) and
//! drops at the end, failure or not. A role that may not create databases gets schemas of
//! those names in the URL's database instead, dropped the same way.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
use ledger_store::{EventLog, PgLog};
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::error::SqlState;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::Type;
use postgres::{Client, NoTls};
use serde::{Deserialize, Serialize};

use super::measure::{self, mib, rate};
use super::{median, ratio, say, targets, Loaded};
use crate::cli::{BenchArgs, Format};
use crate::session::store::{location, redact, Location};

/// Set in a phase process's environment: which phase it runs.
const PHASE: &str = "BONDED_BENCH_PG_PHASE";
/// Set with it: the directory for the batch sizes (`batches.json`).
const ROOT: &str = "BONDED_BENCH_PG_ROOT";
/// Set with it: the URL of the log's place and of the raw table's.
const LEDGER_URL: &str = "BONDED_BENCH_PG_LEDGER";
const RAW_URL: &str = "BONDED_BENCH_PG_RAW";

/// The bare table of the raw phases.
const RAW_TABLE: &str = "raw_records";
/// The bare table the raw INSERT writes (the same columns).
const RAW_INSERT_TABLE: &str = "raw_inserted";

#[path = "postgres_table.rs"]
mod table;
use table::table;

/// Every figure of one run on PostgreSQL. The names are the sled benchmark's where they mean
/// the same (`raw_write_*` is the raw COPY).
#[derive(Debug, Clone, Serialize)]
pub struct PgFigures {
    pub store: &'static str,
    /// The server, without the password.
    pub server: String,
    pub server_version: String,
    /// `databases` or `schemas`: what the benchmark created for its phases.
    pub places_are: &'static str,
    /// The databases (or schemas) it created, and dropped at the end.
    pub places: Vec<String>,
    pub events: u64,
    pub batches: usize,
    pub largest_batch: u64,
    pub load_secs: f64,
    pub load_events_per_sec: f64,
    pub raw_write_secs: f64,
    pub raw_write_records_per_sec: f64,
    pub load_ratio: f64,
    /// The same records and batches with a multi-row INSERT, one transaction per batch.
    pub raw_insert_secs: f64,
    pub raw_insert_records_per_sec: f64,
    pub load_insert_ratio: f64,
    pub open_secs: f64,
    pub replay_secs: f64,
    pub replay_events_per_sec: f64,
    pub raw_scan_secs: f64,
    pub raw_scan_records_per_sec: f64,
    pub replay_ratio: f64,
    pub verify_secs: f64,
    pub peak_load_bytes: Option<u64>,
    pub peak_replay_bytes: Option<u64>,
    pub peak_raw_write_bytes: Option<u64>,
    pub peak_raw_scan_bytes: Option<u64>,
    /// The log's tables with their indexes and TOAST (`pg_total_relation_size`).
    pub disk_bytes: u64,
    pub encoded_bytes: u64,
    pub disk_bytes_per_event: f64,
    pub encoded_bytes_per_event: f64,
    pub disk_ratio: f64,
    /// The raw table, the same way.
    pub raw_disk_bytes: u64,
    pub rounds: u32,
    pub load_secs_each: Vec<f64>,
    pub raw_write_secs_each: Vec<f64>,
    pub raw_insert_secs_each: Vec<f64>,
    pub replay_secs_each: Vec<f64>,
    pub raw_scan_secs_each: Vec<f64>,
}

/// `bonded bench` with `--store postgres://…`: a phase, when this process is one, else the
/// whole run.
pub fn run(args: &BenchArgs, format: Format) -> Result<()> {
    if let Some(phase) = std::env::var_os(PHASE) {
        let json = match phase.to_str() {
            Some("load") => serde_json::to_string(&load(args)?)?,
            Some("raw") => serde_json::to_string(&raw_copy_phase()?)?,
            Some("replay") => serde_json::to_string(&replay_phase()?)?,
            Some("scan") => serde_json::to_string(&raw_scan_phase()?)?,
            _ => bail!("{PHASE}: not a phase of the PostgreSQL benchmark"),
        };
        println!("{json}");
        return Ok(());
    }
    if let Some(dir) = &args.dir {
        return Err(crate::exit::bad_input(format!(
            "--dir {}: with --store the benchmark's stores are databases it creates and drops; \
             --dir is for the sled benchmark",
            dir.display()
        )));
    }
    let Location::Postgres(url) = location(Path::new(".")) else {
        bail!("the PostgreSQL benchmark was started without a postgres:// store");
    };
    let mut places = Places::new(&url)?;
    let root = std::env::temp_dir().join(format!("bonded-bench-pg-{}", std::process::id()));
    std::fs::create_dir_all(&root).with_context(|| format!("cannot create {}", root.display()))?;
    let result = measure_all(&mut places, &root, args.events, args.seed, args.rounds);
    let dropped = places.drop_all();
    let _ = std::fs::remove_dir_all(&root);
    let figures = result?;
    dropped?;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&figures)?),
        _ => print!("{}", table(&figures)),
    }
    Ok(())
}

/// The load phase's process: the sled benchmark's load, on the log `BONDED_STORE` names.
fn load(args: &BenchArgs) -> Result<Loaded> {
    let root = env_path(ROOT)?;
    super::load_phase(&root, args.events, args.seed)
}

fn env(name: &str) -> Result<String> {
    std::env::var(name).with_context(|| format!("{name} is not set for this benchmark phase"))
}

fn env_path(name: &str) -> Result<std::path::PathBuf> {
    env(name).map(std::path::PathBuf::from)
}

/// The databases (or schemas) of one run, made and dropped through the user's URL.
struct Places {
    url: String,
    admin: Client,
    server: String,
    version: String,
    /// `None` until the first place is made: then whether the role may create databases.
    databases: Option<bool>,
    prefix: String,
    made: Vec<String>,
    /// Every place made (and dropped) during the run, for the report.
    ever: Vec<String>,
}

impl Places {
    fn new(url: &str) -> Result<Places> {
        let server = redact(url);
        let mut admin = Client::connect(url, NoTls).with_context(|| {
            format!("connecting to {server} to create the benchmark's databases")
        })?;
        let version = admin
            .query_one("SHOW server_version", &[])
            .with_context(|| format!("reading the server version of {server}"))?
            .get(0);
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() % 100_000_000)
            .unwrap_or(0);
        Ok(Places {
            url: url.to_string(),
            admin,
            server,
            version,
            databases: None,
            prefix: format!("bonded_bench_{}_{stamp}", std::process::id()),
            made: Vec::new(),
            ever: Vec::new(),
        })
    }

    /// Makes a fresh place named `<prefix>_<what>` (dropping one of that name first) and
    /// returns the URL of it: a database if the role may create them, else a schema.
    fn fresh(&mut self, what: &str) -> Result<String> {
        let name = format!("{}_{what}", self.prefix);
        self.drop_place(&name)?;
        if self.databases != Some(false) {
            match self.admin.batch_execute(&format!("CREATE DATABASE {name}")) {
                Ok(()) => {
                    self.databases = Some(true);
                    self.note(&name);
                    return Ok(database_url(&self.url, &name));
                }
                Err(e)
                    if self.databases.is_none()
                        && e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE) =>
                {
                    say(&format!(
                        "the role may not create databases on {}: using schemas in its database",
                        self.server
                    ));
                    self.databases = Some(false);
                }
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("creating the database {name} on {}", self.server)
                    })
                }
            }
        }
        self.admin
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .with_context(|| format!("creating the schema {name} on {}", self.server))?;
        self.note(&name);
        Ok(schema_url(&self.url, &name))
    }

    fn note(&mut self, name: &str) {
        self.made.push(name.to_string());
        if !self.ever.iter().any(|n| n == name) {
            self.ever.push(name.to_string());
        }
    }

    fn drop_place(&mut self, name: &str) -> Result<()> {
        if !self.made.iter().any(|n| n == name) {
            return Ok(());
        }
        if self.databases == Some(true) {
            // FORCE (PostgreSQL 13+) ends a phase's connection that outlived its process.
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            if self.admin.batch_execute(&sql).is_err() {
                self.admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
                    .with_context(|| format!("dropping the database {name} on {}", self.server))?;
            }
        } else {
            self.admin
                .batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
                .with_context(|| format!("dropping the schema {name} on {}", self.server))?;
        }
        self.made.retain(|n| n != name);
        Ok(())
    }

    /// Drops every place still there; the first failure is returned after trying them all.
    fn drop_all(&mut self) -> Result<()> {
        let mut first = Ok(());
        for name in self.made.clone() {
            if let Err(e) = self.drop_place(&name) {
                say(&format!("{e:#}"));
                if first.is_ok() {
                    first = Err(e);
                }
            }
        }
        first
    }

    fn kind(&self) -> &'static str {
        if self.databases == Some(false) {
            "schemas"
        } else {
            "databases"
        }
    }
}

/// The user's URL without its `?` parameters `drop` (the benchmark sets its own).
fn split_params(url: &str, drop: &[&str]) -> (String, Vec<String>) {
    let (head, query) = url.split_once('?').unwrap_or((url, ""));
    let params = query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| !drop.iter().any(|d| p.split('=').next() == Some(*d)))
        .map(str::to_string)
        .collect();
    (head.to_string(), params)
}

fn join(head: String, params: &[String]) -> String {
    if params.is_empty() {
        head
    } else {
        format!("{head}?{}", params.join("&"))
    }
}

/// `url` naming the database `db` (its schema the default one: a `search_path` in the user's
/// `options` would name a schema the new database does not have).
fn database_url(url: &str, db: &str) -> String {
    let (head, params) = split_params(url, &["options", "dbname"]);
    let head = match head.split_once("://") {
        Some((scheme, rest)) => {
            let authority = rest.split_once('/').map_or(rest, |(a, _)| a);
            format!("{scheme}://{authority}/{db}")
        }
        None => head,
    };
    join(head, &params)
}

/// `url` with its connections' `search_path` set to `schema`.
fn schema_url(url: &str, schema: &str) -> String {
    let (head, mut params) = split_params(url, &["options"]);
    params.push(format!("options=-csearch_path%3D{schema}"));
    join(head, &params)
}

/// Runs one phase in a fresh process (this binary, `bench`, with [`PHASE`] set, the log's
/// place as its store); returns what it printed.
fn phase<T: serde::de::DeserializeOwned>(
    name: &str,
    root: &Path,
    urls: (&str, &str),
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
    .env("BONDED_STORE", urls.0)
    .env(PHASE, name)
    .env(ROOT, root)
    .env(LEDGER_URL, urls.0)
    .env(RAW_URL, urls.1)
    .stderr(std::process::Stdio::inherit())
    .output()
    .with_context(|| format!("running the PostgreSQL {name} phase"))?;
    if !child.status.success() {
        bail!("the PostgreSQL {name} phase failed ({})", child.status);
    }
    serde_json::from_slice(&child.stdout)
        .with_context(|| format!("reading the figures of the PostgreSQL {name} phase"))
}

fn measure_all(
    places: &mut Places,
    root: &Path,
    events: u64,
    seed: u64,
    rounds: u32,
) -> Result<PgFigures> {
    let rounds = rounds.max(1);
    let (mut loads, mut raws, mut inserts) = (Vec::new(), Vec::new(), Vec::new());
    let (mut peak_load, mut peak_raw_write) = (None, None);
    let mut written = None;
    for round in 1..=rounds {
        let of = round_of(round, rounds);
        let ledger = places.fresh("ledger")?;
        let raw = places.fresh("raw")?;
        say(&format!(
            "loading about {events} events through the load path into {} {}_ledger on {}{of}",
            places.kind(),
            places.prefix,
            places.server
        ));
        let l: Loaded = phase("load", root, (&ledger, &raw), events, seed)?;
        say(&format!(
            "copying the same records into a bare table with COPY, and with INSERT into another, in the same batches{of}"
        ));
        let w: RawCopied = phase("raw", root, (&ledger, &raw), events, seed)?;
        loads.push(l.load_secs);
        raws.push(w.raw_write_secs);
        inserts.push(w.raw_insert_secs);
        peak_load = peak_load.max(l.peak_load_bytes);
        peak_raw_write = peak_raw_write.max(w.peak_raw_write_bytes);
        written = Some((l, w, ledger, raw));
    }
    let Some((l, w, ledger, raw)) = written else {
        bail!("no round of the benchmark ran");
    };
    let disk_bytes = relation_bytes(&ledger, None)?;
    let raw_disk_bytes = relation_bytes(&raw, Some(RAW_TABLE))?;

    let mut replays: Vec<PgReplayed> = Vec::new();
    let mut scans: Vec<PgScanned> = Vec::new();
    for round in 1..=rounds {
        let of = round_of(round, rounds);
        say(&format!("replaying the log from PostgreSQL{of}"));
        replays.push(phase("replay", root, (&ledger, &raw), events, seed)?);
        say(&format!(
            "scanning the bare table in order (SELECT … ORDER BY seq){of}"
        ));
        scans.push(phase("scan", root, (&ledger, &raw), events, seed)?);
    }
    let peak_replay_bytes = replays.iter().filter_map(|r| r.peak_replay_bytes).max();
    let peak_raw_scan_bytes = scans.iter().filter_map(|s| s.peak_raw_scan_bytes).max();
    replays.sort_by(|a, b| (a.open_secs + a.replay_secs).total_cmp(&(b.open_secs + b.replay_secs)));
    let replay_each: Vec<f64> = replays
        .iter()
        .map(|r| r.open_secs + r.replay_secs)
        .collect();
    let Some(r) = replays.get(replays.len() / 2).cloned() else {
        bail!("no round of the benchmark replayed");
    };
    let scan_each: Vec<f64> = scans.iter().map(|s| s.raw_scan_secs).collect();
    let scanned = scans.last().map_or(0, |s| s.records);

    let stored = l.events;
    if w.records != stored || r.events != stored || scanned != stored {
        bail!(
            "the phases disagree: {stored} events loaded, {} copied raw, {} replayed, {scanned} scanned",
            w.records,
            r.events
        );
    }
    let load_secs = median(&loads);
    let raw_write_secs = median(&raws);
    let raw_insert_secs = median(&inserts);
    let raw_insert_rate = rate(stored, Duration::from_secs_f64(raw_insert_secs));
    let raw_scan_secs = median(&scan_each);
    let load_rate = rate(stored, Duration::from_secs_f64(load_secs));
    let raw_write_rate = rate(stored, Duration::from_secs_f64(raw_write_secs));
    let replay_rate = rate(stored, Duration::from_secs_f64(r.open_secs + r.replay_secs));
    let raw_scan_rate = rate(stored, Duration::from_secs_f64(raw_scan_secs));
    Ok(PgFigures {
        store: "PostgreSQL",
        server: places.server.clone(),
        server_version: places.version.clone(),
        places_are: places.kind(),
        places: places.ever.clone(),
        events: stored,
        batches: l.batches.len(),
        largest_batch: l.batches.iter().copied().max().unwrap_or(0),
        load_secs,
        load_events_per_sec: load_rate,
        raw_write_secs,
        raw_write_records_per_sec: raw_write_rate,
        load_ratio: ratio(load_rate, raw_write_rate),
        raw_insert_secs,
        raw_insert_records_per_sec: raw_insert_rate,
        load_insert_ratio: ratio(load_rate, raw_insert_rate),
        open_secs: r.open_secs,
        replay_secs: r.replay_secs,
        replay_events_per_sec: replay_rate,
        raw_scan_secs,
        raw_scan_records_per_sec: raw_scan_rate,
        replay_ratio: ratio(replay_rate, raw_scan_rate),
        verify_secs: r.verify_secs,
        peak_load_bytes: peak_load,
        peak_replay_bytes,
        peak_raw_write_bytes: peak_raw_write,
        peak_raw_scan_bytes,
        disk_bytes,
        encoded_bytes: w.encoded_bytes,
        disk_bytes_per_event: disk_bytes as f64 / stored.max(1) as f64,
        encoded_bytes_per_event: w.encoded_bytes as f64 / stored.max(1) as f64,
        disk_ratio: ratio(disk_bytes as f64, w.encoded_bytes as f64),
        raw_disk_bytes,
        rounds,
        load_secs_each: loads,
        raw_write_secs_each: raws,
        raw_insert_secs_each: inserts,
        replay_secs_each: replay_each,
        raw_scan_secs_each: scan_each,
    })
}

fn round_of(round: u32, rounds: u32) -> String {
    if rounds > 1 {
        format!(" (round {round} of {rounds})")
    } else {
        String::new()
    }
}

fn connect(url: &str, what: &str) -> Result<Client> {
    Client::connect(url, NoTls).with_context(|| format!("connecting to {} {what}", redact(url)))
}

/// The bytes the tables of the place `url` names take (or the one table `only`), indexes and
/// TOAST included.
fn relation_bytes(url: &str, only: Option<&str>) -> Result<u64> {
    let mut client = connect(url, "to measure its tables")?;
    let row = client
        .query_one(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relkind = 'r' \
             AND ($1::text IS NULL OR c.relname = $1)",
            &[&only],
        )
        .with_context(|| format!("measuring the tables of {}", redact(url)))?;
    Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0))
}

/// Reads every value of `table` once, untimed, so that the timed read that follows finds it
/// in the server's caches (the sled benchmark's `read_through`).
fn warm(client: &mut Client, table: &str, url: &str) -> Result<()> {
    client
        .query_one(
            &format!("SELECT coalesce(sum(octet_length(value)), 0)::bigint FROM {table}"),
            &[],
        )
        .with_context(|| format!("reading {table} of {} before the timed read", redact(url)))?;
    Ok(())
}

/// What the raw COPY process measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RawCopied {
    records: u64,
    encoded_bytes: u64,
    raw_write_secs: f64,
    raw_insert_secs: f64,
    peak_raw_write_bytes: Option<u64>,
}

/// Phase 2: the records of the log's `events` table, copied with binary COPY into a bare
/// `raw_records` table in the raw place, in the load's batch sizes, each COPY committed on its
/// own; and the same batches inserted into `raw_inserted` ([`insert_batch`]), timed apart.
/// Reading them from the log is not timed.
fn raw_copy_phase() -> Result<RawCopied> {
    let root = env_path(ROOT)?;
    let (ledger_url, raw_url) = (env(LEDGER_URL)?, env(RAW_URL)?);
    let batches: Vec<u64> = serde_json::from_slice(
        &std::fs::read(root.join("batches.json")).context("reading the batch sizes")?,
    )
    .context("reading the batch sizes")?;
    let mut source = connect(&ledger_url, "to read the log's records")?;
    let row = source
        .query_one(
            "SELECT count(*), coalesce(sum(octet_length(value)), 0)::bigint FROM events",
            &[],
        )
        .with_context(|| format!("counting the records of {}", redact(&ledger_url)))?;
    let records = u64::try_from(row.get::<_, i64>(0)).unwrap_or(0);
    let encoded_bytes = u64::try_from(row.get::<_, i64>(1)).unwrap_or(0);
    measure::reset_peak_memory();
    let mut sink = connect(&raw_url, "to write the raw table")?;
    sink.batch_execute(&format!(
        "SET synchronous_commit = on; \
         CREATE TABLE {RAW_TABLE} (seq bigint PRIMARY KEY, value bytea NOT NULL); \
         CREATE TABLE {RAW_INSERT_TABLE} (seq bigint PRIMARY KEY, value bytea NOT NULL)"
    ))
    .with_context(|| {
        format!(
            "creating {RAW_TABLE} and {RAW_INSERT_TABLE} in {}",
            redact(&raw_url)
        )
    })?;
    let insert = prepare_insert(&mut sink)
        .with_context(|| format!("preparing the INSERT into {RAW_INSERT_TABLE}"))?;
    let mut raw_write = Duration::ZERO;
    let mut raw_insert = Duration::ZERO;
    let mut next = 1i64;
    for n in &batches {
        let n = i64::try_from(*n).context("a batch size beyond bigint")?;
        let last = next + n - 1;
        let rows = source
            .query(
                "SELECT global_seq, value FROM events WHERE global_seq BETWEEN $1 AND $2 \
                 ORDER BY global_seq",
                &[&next, &last],
            )
            .with_context(|| format!("reading records {next}..={last} of the log"))?;
        let chunk: Vec<(i64, Vec<u8>)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        drop(rows);
        if chunk.len() as i64 != n {
            bail!(
                "the log holds {} records in {next}..={last}, not {n}",
                chunk.len()
            );
        }
        let t = Instant::now();
        copy_batch(&mut sink, &chunk)
            .with_context(|| format!("copying records {next}..={last} into {RAW_TABLE}"))?;
        raw_write += t.elapsed();
        let t = Instant::now();
        insert_batch(&mut sink, &insert, &chunk).with_context(|| {
            format!("inserting records {next}..={last} into {RAW_INSERT_TABLE}")
        })?;
        raw_insert += t.elapsed();
        next = last + 1;
    }
    let peak = measure::peak_memory();
    Ok(RawCopied {
        records,
        encoded_bytes,
        raw_write_secs: raw_write.as_secs_f64(),
        raw_insert_secs: raw_insert.as_secs_f64(),
        peak_raw_write_bytes: peak,
    })
}

/// One batch: one `COPY … FROM STDIN BINARY`, its own transaction, committed when it returns.
fn copy_batch(sink: &mut Client, chunk: &[(i64, Vec<u8>)]) -> Result<(), postgres::Error> {
    let writer = sink.copy_in(&format!("COPY {RAW_TABLE} (seq, value) FROM STDIN BINARY"))?;
    let mut writer = BinaryCopyInWriter::new(writer, &[Type::INT8, Type::BYTEA]);
    for (seq, value) in chunk {
        writer.write(&[seq, value])?;
    }
    writer.finish()?;
    Ok(())
}

/// The raw INSERT's statement: every row of a batch in one multi-row INSERT (two arrays
/// unnested: one statement whatever the batch's size, where `VALUES` lists stop at 65,535
/// parameters).
fn prepare_insert(sink: &mut Client) -> Result<postgres::Statement, postgres::Error> {
    sink.prepare(&format!(
        "INSERT INTO {RAW_INSERT_TABLE} (seq, value) SELECT * FROM unnest($1::bigint[], $2::bytea[])"
    ))
}

/// One batch: one multi-row INSERT in its own transaction, committed when it returns.
fn insert_batch(
    sink: &mut Client,
    insert: &postgres::Statement,
    chunk: &[(i64, Vec<u8>)],
) -> Result<(), postgres::Error> {
    let seqs: Vec<i64> = chunk.iter().map(|(seq, _)| *seq).collect();
    let values: Vec<&[u8]> = chunk.iter().map(|(_, value)| value.as_slice()).collect();
    let mut txn = sink.transaction()?;
    txn.execute(insert, &[&seqs, &values])?;
    txn.commit()
}

/// What the replay process measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PgReplayed {
    events: u64,
    open_secs: f64,
    replay_secs: f64,
    verify_secs: f64,
    peak_replay_bytes: Option<u64>,
}

/// Phase 3: the log opened as every command opens it (`PgLog::open`: tail checked, ids read)
/// and every projection rebuilt; then the whole chain verified (timed apart).
fn replay_phase() -> Result<PgReplayed> {
    let url = env(LEDGER_URL)?;
    warm(&mut connect(&url, "to read the log")?, "events", &url)?;
    measure::reset_peak_memory();
    let t = Instant::now();
    let log = PgLog::open(&url).with_context(|| format!("opening the log in {}", redact(&url)))?;
    let open = t.elapsed();
    let t = Instant::now();
    let ledger = crate::session::replay(&log)?;
    let replay = t.elapsed();
    let peak = measure::peak_memory();
    let t = Instant::now();
    log.verify()
        .with_context(|| format!("verifying the log in {}", redact(&url)))?;
    let verify = t.elapsed();
    Ok(PgReplayed {
        events: ledger.event_count(),
        open_secs: open.as_secs_f64(),
        replay_secs: replay.as_secs_f64(),
        verify_secs: verify.as_secs_f64(),
        peak_replay_bytes: peak,
    })
}

/// What the raw scan process measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PgScanned {
    records: u64,
    raw_scan_secs: f64,
    peak_raw_scan_bytes: Option<u64>,
}

/// Phase 4: every row of the bare table read in order, streamed (connecting included, as the
/// replay's figure includes opening the log), every byte touched.
fn raw_scan_phase() -> Result<PgScanned> {
    let url = env(RAW_URL)?;
    warm(
        &mut connect(&url, "to read the raw table")?,
        RAW_TABLE,
        &url,
    )?;
    measure::reset_peak_memory();
    let t = Instant::now();
    let mut client = connect(&url, "to scan the raw table")?;
    let what = || format!("scanning {RAW_TABLE} of {}", redact(&url));
    let mut rows = client
        .query_raw(
            &format!("SELECT seq, value FROM {RAW_TABLE} ORDER BY seq"),
            std::iter::empty::<i64>(),
        )
        .with_context(what)?;
    let (mut n, mut check, mut previous) = (0u64, 0u8, 0i64);
    while let Some(row) = rows.next().with_context(what)? {
        let seq: i64 = row.get(0);
        if seq <= previous {
            return Err(anyhow!("{}: record {seq} came after {previous}", what()));
        }
        previous = seq;
        let value: &[u8] = row.get(1);
        n += 1;
        check ^= value.iter().fold(0u8, |a, b| a ^ b);
    }
    std::hint::black_box(check);
    let elapsed = t.elapsed();
    Ok(PgScanned {
        records: n,
        raw_scan_secs: elapsed.as_secs_f64(),
        peak_raw_scan_bytes: measure::peak_memory(),
    })
}

#[cfg(test)]
#[path = "postgres_tests.rs"]
mod tests;
