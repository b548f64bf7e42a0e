//! Helpers for end-to-end tests: run the real `bonded` binary as a user would, against a
//! throw-away store in a temporary directory.
//!
//! - [`bonded_bin`]: the path of the `bonded` binary (built once if missing or stale).
//! - [`Store`]: a temporary directory with a store in `DIR/data`; [`Store::run`] runs
//!   `bonded --data DIR/data --actor tester …` with the temporary directory as working
//!   directory, so file names given to `load` are relative to it.
//! - [`book`]: a store with one purchased, item-level book [`ACCOUNT`] and a small fixture
//!   of exchange rates, items and unit consumption loaded (see [`ITEMS_CSV`], [`BOM_CSV`]).
//! - [`Balance`]: a parsed `balance --format json`, read as exact decimals.

pub mod http;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;
use std::sync::OnceLock;

pub use rust_decimal::Decimal;
pub use serde_json::Value;

/// The book every fixture opens.
pub const ACCOUNT: &str = "E44038000001";
/// Its company.
pub const COMPANY: &str = "4403960001";

/// Exchange rates: CNY per unit, for every month of 2025.
pub fn fx_csv() -> String {
    let mut s = String::from("month,currency,cny_per_unit\n");
    for m in 1..=12 {
        s.push_str(&format!("2025-{m:02},USD,7.1\n"));
    }
    s
}

/// Items of [`ACCOUNT`]:
/// - material 1 "Chip A" (8542, 个, 1.5 USD), merged parts `PA-1|PA-2`
/// - material 2 "Capacitor" (8532, 个, 0.1 USD)
/// - finished 1 "Board" (8471, 台), part `FG-1`: has a BOM
/// - finished 2 "Laptop" (8471, 台): no BOM
/// - scrap 1 "Chip scrap" (8542, 千克)
pub const ITEMS_CSV: &str = "\
account,goods,item,hs,name,unit,price,currency,parts
E44038000001,M,1,8542310000,Chip A,个,1.5,USD,PA-1|PA-2
E44038000001,M,2,8532240000,Capacitor,个,0.1,USD,
E44038000001,P,1,8471500000,Board,台,,,FG-1
E44038000001,P,2,8471300000,Laptop,台,,,
E44038000001,S,1,8542900000,Chip scrap,千克,,,
";

/// Unit consumption of finished 1 (version 0):
/// - material 1: net 2, tangible loss 2 % → gross 2 / 0.98 = 2.040816326530… → 2.040816327
///   (half-up, 9 dp)
/// - material 2: net 10, no loss → gross 10
pub const BOM_CSV: &str = "\
account,product,material,version,net,tangible_loss_pct
E44038000001,1,1,0,2,2
E44038000001,1,2,0,10,0
";

/// Gross unit consumption of material 1 per board (see [`BOM_CSV`]).
pub const GROSS_M1: &str = "2.040816327";

/// Where the `bonded` binary is: `BONDED_BIN` if set, else `bonded` in the target directory
/// of this test executable (`target/<profile>/deps/x` → `target/<profile>/bonded`). When that
/// binary is missing, or older than a source file of the crates it is built from, it is built
/// once with `cargo build -p ledger-cli --bin bonded` (same profile; `CARGO_TARGET_DIR` is
/// respected since cargo reads it).
pub fn bonded_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(locate_or_build).clone()
}

fn exe_name() -> String {
    format!("bonded{}", std::env::consts::EXE_SUFFIX)
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives inside the workspace")
        .to_path_buf()
}

/// `target/<profile>`: the nearest ancestor of the test executable that is a profile directory
/// (the parent of `deps`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let mut dir = exe.parent().map(Path::to_path_buf);
    while let Some(d) = dir {
        if d.file_name().is_some_and(|n| n == "deps") {
            return d.parent().expect("deps has a parent").to_path_buf();
        }
        if d.join(exe_name()).is_file() {
            return d;
        }
        dir = d.parent().map(Path::to_path_buf);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("debug")
}

/// Whether `bin` is missing or older than a source it was built from: cargo's dep-info file
/// next to it (`bonded.d`) lists exactly those sources.
fn is_stale(bin: &Path) -> bool {
    let Ok(built) = std::fs::metadata(bin).and_then(|m| m.modified()) else {
        return true;
    };
    let Ok(dep_info) = std::fs::read_to_string(bin.with_extension("d")) else {
        return false;
    };
    let first_rule = dep_info.lines().next().unwrap_or_default();
    let Some((_, sources)) = first_rule.split_once(": ") else {
        return false;
    };
    // Paths are separated by spaces; a space inside a path is written `\ `.
    let sources = sources.replace("\\ ", "\u{0}");
    sources
        .split_whitespace()
        .map(|p| PathBuf::from(p.replace('\u{0}', " ")))
        .any(|p| {
            std::fs::metadata(&p)
                .and_then(|m| m.modified())
                .map_or(true, |t| t > built)
        })
}

fn locate_or_build() -> PathBuf {
    if let Some(bin) = std::env::var_os("BONDED_BIN") {
        return PathBuf::from(bin);
    }
    let profile = profile_dir();
    let bin = profile.join(exe_name());
    if is_stale(&bin) {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(workspace_root()).args([
            "build",
            "-q",
            "-p",
            "ledger-cli",
            "--bin",
            "bonded",
        ]);
        if profile.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("run cargo build");
        assert!(
            status.success(),
            "cargo build -p ledger-cli --bin bonded failed"
        );
    }
    assert!(bin.is_file(), "no bonded binary at {}", bin.display());
    bin
}

/// What one run of `bonded` did.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// Asserts the exit code, showing the run's output when it differs.
    #[track_caller]
    pub fn expect(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "expected exit {code}, got {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn ok(&self) -> &Self {
        self.expect(0)
    }

    /// Asserts stderr contains `needle`.
    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}\n--- stderr\n{}",
            self.stderr
        );
        self
    }

    /// The stderr lines that start with `prefix` (for example `"movements.csv:"`).
    pub fn stderr_lines_starting(&self, prefix: &str) -> Vec<&str> {
        self.stderr
            .lines()
            .map(|l| l.strip_prefix("bonded: ").unwrap_or(l))
            .filter(|l| l.starts_with(prefix))
            .collect()
    }
}

/// A temporary directory holding a store at `DIR/data` and the test's input files.
pub struct Store {
    tmp: tempfile::TempDir,
    data: PathBuf,
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

impl Store {
    /// A temporary directory with no store yet.
    pub fn new() -> Store {
        Store::with_prefix("bonded-e2e-")
    }

    fn with_prefix(prefix: &str) -> Store {
        let tmp = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir()
            .expect("tempdir");
        let data = tmp.path().join("data");
        Store { tmp, data }
    }

    /// A temporary directory with an empty store (`bonded init`).
    pub fn init() -> Store {
        let s = Store::new();
        s.run(&["init"]).ok();
        s
    }

    /// The temporary directory (the working directory of every run).
    pub fn dir(&self) -> &Path {
        self.tmp.path()
    }

    /// The store directory passed as `--data`.
    pub fn data(&self) -> &Path {
        &self.data
    }

    /// `DIR/name`.
    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// Writes `contents` to `DIR/name` and returns the path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).expect("write fixture file");
        path
    }

    /// A bare command: the binary, run in `DIR`, with no `BONDED_*` variables inherited, and
    /// a PostgreSQL store's saved state kept in `DIR/cache` (`BONDED_CACHE`), never in the
    /// home directory of whoever runs the tests.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(bonded_bin());
        cmd.current_dir(self.tmp.path())
            .env_remove("BONDED_DATA")
            .env_remove("BONDED_ACTOR")
            .env_remove("BONDED_STORE")
            .env("BONDED_CACHE", self.tmp.path().join("cache"))
            .env("NO_COLOR", "1");
        cmd
    }

    /// Runs `bonded --data DIR/data --actor tester ARGS…`.
    pub fn run(&self, args: &[&str]) -> Outcome {
        let mut cmd = self.command();
        cmd.arg("--data")
            .arg(&self.data)
            .args(["--actor", "tester"])
            .args(args);
        run_command(cmd)
    }

    /// Runs with `--format json`, asserts exit 0 and parses stdout.
    #[track_caller]
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let out = self.run(&all);
        out.ok();
        serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", out.stdout))
    }

    /// Writes each `(name, contents)` and runs `bonded load` on them all, in the order given.
    pub fn load(&self, files: &[(&str, &str)]) -> Outcome {
        let mut args = vec!["load"];
        for (name, contents) in files {
            self.write(name, contents);
            args.push(name);
        }
        self.run(&args)
    }

    /// Like [`Store::load`], asserting exit 0.
    #[track_caller]
    pub fn load_ok(&self, files: &[(&str, &str)]) -> Outcome {
        let out = self.load(files);
        out.ok();
        out
    }

    /// `balance --account ACCOUNT --as-of DATE --format json`.
    #[track_caller]
    pub fn balance(&self, as_of: &str) -> Balance {
        Balance(self.json(&["balance", "--account", ACCOUNT, "--as-of", as_of]))
    }

    /// `export` to stdout, as lines.
    #[track_caller]
    pub fn export_lines(&self) -> Vec<String> {
        let out = self.run(&["export"]);
        out.ok();
        out.stdout.lines().map(str::to_string).collect()
    }

    /// Opens [`ACCOUNT`] (purchased, item level, cap 100000 USD, cycle 2025-01-01 × 12 months,
    /// headings 8542, 8471, 8532).
    #[track_caller]
    pub fn open_book(&self) {
        self.run(&[
            "account",
            "open",
            "--account",
            ACCOUNT,
            "--company",
            COMPANY,
            "--kind",
            "purchased",
            "--level",
            "item",
            "--capacity-usd",
            "100000",
            "--cycle-start",
            "2025-01-01",
            "--cycle-months",
            "12",
            "--headings",
            "8542,8471,8532",
        ])
        .ok();
    }
}

/// Runs a prepared command and captures its outcome.
pub fn run_command(mut cmd: Command) -> Outcome {
    let out = cmd.output().expect("run bonded");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A store with [`ACCOUNT`] open and [`fx_csv`], [`ITEMS_CSV`] and [`BOM_CSV`] loaded (the
/// files are in the store's directory as `fx.csv`, `items.csv`, `bom.csv`).
///
/// The store is built with the binary once per test process and copied for each caller (a
/// closed store is plain files), which keeps the suite fast.
pub fn book() -> Store {
    static TEMPLATE: OnceLock<Store> = OnceLock::new();
    let template = TEMPLATE.get_or_init(|| {
        // A static is never dropped, so its directory outlives the process: each process
        // names its template after itself and removes those of processes that have ended.
        remove_ended_templates();
        let s = Store::with_prefix(&format!("{TEMPLATE_PREFIX}{}-", std::process::id()));
        s.run(&["init"]).ok();
        s.open_book();
        s.load_ok(&[
            ("fx.csv", &fx_csv()),
            ("items.csv", ITEMS_CSV),
            ("bom.csv", BOM_CSV),
        ]);
        s
    });
    let s = Store::new();
    copy_dir(template.dir(), s.dir());
    s
}

/// [`book`] for a `static` of a test file (a template of its own): a static is never dropped,
/// so the directory is named after this process and removed by a later test process once this
/// one has ended.
pub fn book_kept() -> Store {
    let template = book();
    remove_ended_templates();
    let s = Store::with_prefix(&format!("{TEMPLATE_PREFIX}{}-", std::process::id()));
    copy_dir(template.dir(), s.dir());
    s
}

impl Store {
    /// A copy of this store's directory (store and files), for a test to change freely.
    pub fn copy(&self) -> Store {
        let s = Store::new();
        copy_dir(self.dir(), s.dir());
        s
    }
}

/// How the directory of a test process's `book()` template starts: then its process id.
const TEMPLATE_PREFIX: &str = "bonded-e2e-template-";

/// Removes the `book()` templates of test processes no longer running (Linux: `/proc/PID`).
fn remove_ended_templates() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let pid = name
            .to_str()
            .and_then(|n| n.strip_prefix(TEMPLATE_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        if let Some(pid) = pid {
            if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

/// Copies the files and folders of `from` into `to` (which exists).
fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from)
        .expect("read template dir")
        .flatten()
    {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy template file");
        }
    }
}

/// A movements file of `rows` imports (0615 I M) for [`ACCOUNT`] over the year, twenty lines
/// to a list: lists `{list}0`, `{list}1` …, materials 1 and 2 in turn, 1 to 7 units each.
pub fn imports_csv(list: &str, rows: usize) -> String {
    let mut s = String::from("ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency\n");
    for i in 0..rows {
        s.push_str(&format!(
            "{list}{},{},2025-{:02}-{:02},{ACCOUNT},0615,I,M,{},{},1.5,USD\n",
            i / 20,
            i % 20 + 1,
            i % 12 + 1,
            i % 28 + 1,
            i % 7 + 1,
            i % 2 + 1
        ));
    }
    s
}

/// A decimal from its text; panics on a typo in a test.
pub fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|e| panic!("{s:?} is not a decimal: {e}"))
}

/// A decimal from a JSON value that must be a decimal string (never a float).
#[track_caller]
pub fn json_dec(v: &Value) -> Decimal {
    match v {
        Value::String(s) => dec(s),
        other => panic!("expected a decimal string, got {other}"),
    }
}

/// A parsed `balance --format json`.
#[derive(Debug, Clone)]
pub struct Balance(pub Value);

impl Balance {
    fn entry(&self, list: &str, item: u32) -> &Value {
        self.0[list]
            .as_array()
            .unwrap_or_else(|| panic!("balance has no {list} list:\n{}", self.0))
            .iter()
            .find(|m| m["item"] == item || m["item"] == item.to_string().as_str())
            .unwrap_or_else(|| panic!("balance has no {list} item {item}:\n{:#}", self.0))
    }

    /// Column `column` of material `item`.
    #[track_caller]
    pub fn material(&self, item: u32, column: &str) -> Decimal {
        json_dec(&self.entry("materials", item)[column])
    }

    /// The balance of scrap item `item`.
    #[track_caller]
    pub fn scrap(&self, item: u32) -> Decimal {
        json_dec(&self.entry("scrap", item)["balance"])
    }

    /// Every column of material `item`, in the contract's order.
    pub fn columns(&self, item: u32) -> Vec<(&'static str, Decimal)> {
        MATERIAL_COLUMNS
            .iter()
            .map(|c| (*c, self.material(item, c)))
            .collect()
    }
}

/// The numeric columns of a material in `balance`.
pub const MATERIAL_COLUMNS: [&str; 9] = [
    "opening",
    "imported",
    "carried_in",
    "consumed",
    "carried_out",
    "domestic_sold",
    "re_exported",
    "destroyed",
    "balance",
];
