//! The command line of `bonded`, as CONTRACT.md defines it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "bonded",
    version,
    about = "The bonded ledger of a processing-trade manufacturer: every bonded unit, accounted for customs.",
    long_about = None
)]
pub struct Cli {
    /// The store directory.
    #[arg(
        long,
        global = true,
        env = "BONDED_DATA",
        default_value = "./bonded-data"
    )]
    pub data: PathBuf,
    /// Who is acting, recorded on every event (default: the OS user).
    #[arg(long, global = true, env = "BONDED_ACTOR")]
    pub actor: Option<String>,
    /// Reports only: the store as it stood at the end of this day (Asia/Shanghai) — events
    /// recorded later are left out, so a report can be re-run as it was then.
    #[arg(long = "as-recorded", global = true, env = "BONDED_AS_RECORDED")]
    pub as_recorded: Option<String>,
    /// Output for people (table) or programs (json, csv).
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
    /// An iCalendar file (deadlines only).
    Ics,
    /// An Excel workbook written to --out (cycle report, declare annual, duty, balance).
    Xlsx,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create an empty store (refuses to touch an existing one).
    Init,
    /// Open a book or change its settings.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Load CSV files; the header row says which kind each is. Each file is all-or-nothing.
    Load(LoadArgs),
    /// Per-item balances of a book.
    Balance(BalanceArgs),
    /// The domestic-sales duty declaration of a month (or quarter); `duty file` records it as
    /// filed and paid; `duty quote` prices a sale before it is agreed.
    Duty(DutyArgs),
    /// Every obligation with its due date and state.
    Deadlines(DeadlinesArgs),
    /// The write-off cycle: the self-verification report, and the close.
    #[command(subcommand)]
    Cycle(CycleCommand),
    /// Declarations: the annual declaration of a cycle longer than a year.
    #[command(subcommand)]
    Declare(DeclareCommand),
    /// Record that a month's deep-processing carry-overs were declared.
    #[command(name = "carry-over", subcommand)]
    CarryOver(CarryOverCommand),
    /// Order 182 exposure: declared against actual unit consumption (work orders), the
    /// excess material valued and graded.
    Exposure(ExposureArgs),
    /// Check every record and the hash chain; exit 4 on any fault.
    Verify,
    /// Write every event as JSON lines, hashes included.
    Export(ExportArgs),
    /// Build a new store from an export, checking the chain as it goes.
    Restore(RestoreArgs),
    /// Build a realistic sample book in the store and show what the ledger does.
    Demo(DemoArgs),
    /// Users of `bonded serve`: add one (its token is printed once), list them.
    #[command(subcommand)]
    User(UserCommand),
    /// The items waiting for dual review (domestic sales, destruction, scrap sales,
    /// corrections, stocktakes, changes of unit consumption recorded through `bonded serve`).
    Pending(PendingArgs),
    /// Approve an item waiting for review, as a reviewer of the store (not the submitter).
    Approve(ApproveArgs),
    /// Reject an item waiting for review, with the reason.
    Reject(RejectArgs),
    /// The multi-user HTTP API: clerks record, reviewers approve, auditors read.
    Serve(ServeArgs),
    /// Load run of `bonded serve` on loopback: requests/s and latency at 1, 4, 16 clients.
    #[command(name = "bench-serve")]
    BenchServe(BenchServeArgs),
    /// How long the web workspace's pages take on the demo store (docs/PERFORMANCE.md).
    #[command(name = "bench-web")]
    BenchWeb(BenchWebArgs),
    /// Measure load, replay and queries on a generated decade of a large factory, against
    /// the storage engine's own limit (see docs/PERFORMANCE.md).
    Bench(BenchArgs),
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user; prints its bearer token once (only the token's SHA-256 is stored).
    Add(UserAddArgs),
    /// List the users and their roles.
    List,
}

#[derive(Args, Debug)]
pub struct UserAddArgs {
    /// The user's name, recorded on every event it makes (letters, digits, . _ - @).
    #[arg(long)]
    pub name: String,
    /// clerk (records), reviewer (approves), auditor (reads), admin (manages users and books).
    #[arg(long)]
    pub role: String,
}

#[derive(Args, Debug)]
pub struct PendingArgs {
    /// Only this book's items (default: every book's).
    #[arg(long)]
    pub account: Option<String>,
}

#[derive(Args, Debug)]
pub struct ApproveArgs {
    /// The review id (from `bonded pending`).
    pub id: String,
    /// The reviewer approving: a user of the store with the reviewer role, not the submitter.
    #[arg(long = "as", value_name = "NAME")]
    pub as_user: String,
}

#[derive(Args, Debug)]
pub struct RejectArgs {
    /// The review id (from `bonded pending`).
    pub id: String,
    /// The reviewer rejecting: a user of the store with the reviewer role.
    #[arg(long = "as", value_name = "NAME")]
    pub as_user: String,
    /// Why it is rejected.
    #[arg(long)]
    pub reason: String,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The address to listen on; port 0 picks a free port (the first line printed says which).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Mark the web workspace's session cookie `Secure`: set it when browsers reach the server
    /// over HTTPS (a TLS proxy in front). Over plain HTTP a browser drops a `Secure` cookie;
    /// without the flag the cookie is `Secure` only when a request says `X-Forwarded-Proto: https`.
    #[arg(long)]
    pub secure_cookies: bool,
}

#[derive(Args, Debug)]
pub struct BenchWebArgs {
    /// GETs of each page.
    #[arg(long, default_value_t = 200)]
    pub requests: u32,
}

#[derive(Args, Debug)]
pub struct BenchServeArgs {
    /// Numbers of concurrent clients to measure, comma-separated.
    #[arg(long, default_value = "1,4,16")]
    pub clients: String,
    /// Requests per concurrency level, shared among its clients.
    #[arg(long, default_value_t = 2000)]
    pub requests: u32,
    /// Movement lines per request.
    #[arg(long, default_value_t = 1)]
    pub lines: u32,
}

#[derive(Subcommand, Debug)]
pub enum AccountCommand {
    /// Open a book (e-account or manual).
    Open(AccountOpen),
    /// Change a book's settings: KEY=VALUE … (duty_period, report_days, cycle_months,
    /// uc_timing, writeoff_method, cap_basis, difference_tolerance, risk_medium_pct,
    /// risk_high_pct, review).
    Set(AccountSet),
    /// The book leaves the company-based mode on a day; it must be cancelled within 30 days.
    Remove(AccountRemove),
}

#[derive(Args, Debug)]
pub struct AccountRemove {
    #[arg(long)]
    pub account: String,
    #[arg(long)]
    pub date: String,
}

#[derive(Args, Debug)]
pub struct AccountOpen {
    /// Book number (E…, B… or C…, 12 characters).
    #[arg(long)]
    pub account: String,
    /// The company's 10-character customs code.
    #[arg(long)]
    pub company: String,
    #[arg(long, value_enum)]
    pub kind: KindArg,
    #[arg(long, value_enum)]
    pub level: LevelArg,
    /// Capacity cap: the cycle's maximum CIF imports, in USD.
    #[arg(long = "capacity-usd")]
    pub capacity_usd: String,
    /// First day of the first write-off cycle (YYYY-MM-DD).
    #[arg(long = "cycle-start")]
    pub cycle_start: String,
    /// Write-off cycle length in months.
    #[arg(long = "cycle-months")]
    pub cycle_months: u32,
    /// Allowed 4-digit HS headings, comma-separated (8542,8471).
    #[arg(long)]
    pub headings: Option<String>,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub enum KindArg {
    Purchased,
    Supplied,
}

impl From<KindArg> for ledger_core::model::trade_mode::BookKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Purchased => Self::Purchased,
            KindArg::Supplied => Self::Supplied,
        }
    }
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub enum LevelArg {
    Part,
    Item,
}

impl From<LevelArg> for ledger_core::model::book::Level {
    fn from(k: LevelArg) -> Self {
        match k {
            LevelArg::Part => Self::Part,
            LevelArg::Item => Self::Item,
        }
    }
}

#[derive(Args, Debug)]
pub struct AccountSet {
    #[arg(long)]
    pub account: String,
    /// KEY=VALUE settings.
    #[arg(required = true, value_name = "KEY=VALUE")]
    pub settings: Vec<String>,
}

#[derive(Args, Debug)]
pub struct LoadArgs {
    /// CSV files (items, bom, movements, corrections, openings, stocktake, workorders, fx,
    /// tariff, interest). Applied in that dependency order, whatever order they are given in.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The kind of every file, where the header alone cannot tell (openings and stocktake
    /// have the same required columns).
    #[arg(long)]
    pub kind: Option<String>,
}

#[derive(Args, Debug)]
pub struct BalanceArgs {
    #[arg(long)]
    pub account: String,
    /// Business date (YYYY-MM-DD); default: today in Asia/Shanghai.
    #[arg(long = "as-of")]
    pub as_of: Option<String>,
    /// With --format xlsx: the workbook to write.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// An export (JSON lines) written by `bonded export`.
    pub file: PathBuf,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Also write the demo's CSV files into this folder.
    #[arg(long = "write-csv")]
    pub write_csv: Option<PathBuf>,
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct DutyArgs {
    #[command(subcommand)]
    pub action: Option<DutyAction>,
    #[arg(long, required = true)]
    pub account: Option<String>,
    /// The month (YYYY-MM), or the quarter (YYYY-Qn) for a book that pays quarterly.
    #[arg(long, required = true)]
    pub month: Option<String>,
    /// Assess as of this filing date (default: the due date; a filed declaration shows as filed).
    #[arg(long)]
    pub filed: Option<String>,
    /// With --format xlsx: the workbook to write.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum DutyAction {
    /// Record that the month's (or quarter's) declaration was filed and paid that day; its
    /// figures are frozen as assessed that day.
    File(DutyFileArgs),
    /// What a domestic sale would cost if declared on a day; records nothing.
    Quote(DutyQuoteArgs),
}

#[derive(Args, Debug)]
pub struct DutyFileArgs {
    #[arg(long)]
    pub account: String,
    #[arg(long)]
    pub month: String,
    #[arg(long)]
    pub date: String,
}

#[derive(Args, Debug)]
pub struct DutyQuoteArgs {
    #[arg(long)]
    pub account: String,
    /// The item number (备案序号).
    #[arg(long)]
    pub item: String,
    #[arg(long)]
    pub qty: String,
    /// M (material), P (finished goods, converted by its BOM) or S (scrap).
    #[arg(long, default_value = "M")]
    pub goods: String,
    /// The BOM version of a finished item.
    #[arg(long = "bom-version", default_value_t = 0)]
    pub bom_version: u32,
    /// The day it would be declared (default: today in Asia/Shanghai).
    #[arg(long)]
    pub date: Option<String>,
    /// The price per unit where the book has none to average: a supplied-materials book
    /// (price of identical goods) or scrap (the sale price).
    #[arg(long = "unit-price")]
    pub unit_price: Option<String>,
    /// The currency of --unit-price (default CNY).
    #[arg(long)]
    pub currency: Option<String>,
}

#[derive(Args, Debug)]
pub struct DeadlinesArgs {
    #[arg(long)]
    pub account: String,
    /// The business date to judge the deadlines on (default: today in Asia/Shanghai).
    #[arg(long = "as-of")]
    pub as_of: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum CarryOverCommand {
    /// Record that a month's deep-processing carry-overs (0654/0255) were declared on a day.
    Declare(CarryOverDeclareArgs),
}

#[derive(Args, Debug)]
pub struct CarryOverDeclareArgs {
    #[arg(long)]
    pub account: String,
    #[arg(long)]
    pub month: String,
    #[arg(long)]
    pub date: String,
}

#[derive(Args, Debug)]
pub struct ExposureArgs {
    #[arg(long)]
    pub account: String,
    /// Value the excess as of this day (YYYY-MM-DD; default: the latest work-order date).
    #[arg(long)]
    pub date: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum CycleCommand {
    /// The self-verification (write-off) report of a cycle: per material, the balance identity,
    /// the stocktake and the difference, the shortages' duty, the carry-overs.
    Report(CycleReportArgs),
    /// Write off the oldest open cycle on a day.
    Close(CycleCloseArgs),
}

#[derive(Args, Debug)]
pub struct CycleReportArgs {
    #[arg(long)]
    pub account: String,
    /// The cycle number (default: the oldest cycle not yet closed).
    #[arg(long)]
    pub cycle: Option<i64>,
    /// Value shortages as if declared on this day (default: the report's due date).
    #[arg(long)]
    pub filed: Option<String>,
    /// With --format xlsx: the workbook to write.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CycleCloseArgs {
    #[arg(long)]
    pub account: String,
    /// The write-off date: the next cycle's deferred interest runs from it.
    #[arg(long)]
    pub date: String,
}

#[derive(Subcommand, Debug)]
pub enum DeclareCommand {
    /// The balance identity of a calendar year, for a cycle longer than a year.
    Annual(DeclareAnnualArgs),
}

#[derive(Args, Debug)]
pub struct DeclareAnnualArgs {
    #[arg(long)]
    pub account: String,
    #[arg(long)]
    pub year: i32,
    /// Record that the declaration was made on this day.
    #[arg(long)]
    pub record: Option<String>,
    /// With --format xlsx: the workbook to write.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// About how many events to generate and load.
    #[arg(long, default_value_t = 1_000_000)]
    pub events: u64,
    /// Where to put the stores (an empty or new directory; kept afterwards). Default: a
    /// temporary directory, removed at the end.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Seed of the generated workload.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Runs of the load against the raw write, and of the replay against the raw scan, taking
    /// turns; the figures compared are the medians (a machine whose disk or processor is
    /// shared varies by a third from one run to the next).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=9))]
    pub rounds: u32,
}
