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
        default_value = "./bonded-data",
        help_heading = "Global options"
    )]
    pub data: PathBuf,
    /// The store on PostgreSQL instead of the sled store in --data:
    /// postgres://user:password@host/database (docs/OPERATIONS.md).
    #[arg(long, global = true, env = "BONDED_STORE")]
    pub store: Option<String>,
    /// Who is acting, recorded on every event (default: the OS user).
    #[arg(
        long,
        global = true,
        env = "BONDED_ACTOR",
        help_heading = "Global options"
    )]
    pub actor: Option<String>,
    /// Reports only: the store as it stood at the end of this day (Asia/Shanghai) — events
    /// recorded later are left out, so a report can be re-run as it was then.
    #[arg(
        long = "as-recorded",
        global = true,
        env = "BONDED_AS_RECORDED",
        help_heading = "Global options"
    )]
    pub as_recorded: Option<String>,
    /// A store in use by another process (`bonded serve`, a load): retry opening it for up to
    /// this many seconds before giving up (default: give up at once).
    #[arg(
        long,
        global = true,
        env = "BONDED_WAIT",
        value_name = "SECS",
        help_heading = "Global options"
    )]
    pub wait: Option<u64>,
    /// Say on standard error whether the saved state (snapshot) was used, and why not.
    #[arg(
        long,
        global = true,
        env = "BONDED_VERBOSE",
        help_heading = "Global options"
    )]
    pub verbose: bool,
    /// Output for people (table) or programs (json, csv).
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t = FormatFlag::Table,
        help_heading = "Global options"
    )]
    pub format: FormatFlag,
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
    /// An Excel workbook written to --out (cycle report, declare annual, duty, balance,
    /// reconcile).
    Xlsx,
}

/// `--format` as given: a report's format, or a customs message that only one command writes.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatFlag {
    Table,
    Json,
    Csv,
    /// An iCalendar file (deadlines only).
    Ics,
    /// An Excel workbook written to --out (cycle report, declare annual, duty, balance,
    /// reconcile).
    Xlsx,
    /// The write-off declaration message EMS121 (cycle report only), to --out or stdout.
    Ems121,
}

impl FormatFlag {
    /// The report format (`ems121` is checked for and handled before any report is made).
    pub fn report(self) -> Format {
        match self {
            FormatFlag::Table | FormatFlag::Ems121 => Format::Table,
            FormatFlag::Json => Format::Json,
            FormatFlag::Csv => Format::Csv,
            FormatFlag::Ics => Format::Ics,
            FormatFlag::Xlsx => Format::Xlsx,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create an empty store (refuses to touch an existing one).
    #[command(after_help = "Example:\n  bonded --data /srv/bonded init")]
    Init,
    /// Open a book or change its settings.
    #[command(
        subcommand,
        after_help = "Examples:\n  bonded account open --account E44038000001 --company 4403960001 --kind purchased --level item --capacity-usd 6900000 --cycle-start 2025-01-01 --cycle-months 12 --headings 8542,8471\n  bonded account set --account E44038000001 duty_period=quarterly"
    )]
    Account(AccountCommand),
    /// Load CSV files; the header row says which kind each is. Each file is all-or-nothing.
    #[command(
        after_help = "Examples:\n  bonded load items.csv bom.csv movements-2025-03.csv\n  bonded load --kind stocktake count-2025-12-31.csv"
    )]
    Load(LoadArgs),
    /// Per-item balances of a book.
    #[command(
        after_help = "Examples:\n  bonded balance --account E44038000001 --as-of 2025-06-30\n  bonded balance --account E44038000001 --format xlsx --out balance.xlsx"
    )]
    Balance(BalanceArgs),
    /// The domestic-sales duty declaration of a month (or quarter); `duty file` records it as
    /// filed and paid; `duty quote` prices a sale before it is agreed.
    #[command(
        after_help = "Examples:\n  bonded duty --account E44038000001 --month 2025-11\n  bonded duty file --account E44038000001 --month 2025-11 --date 2025-12-10\n  bonded duty quote --account E44038000001 --item 1 --qty 200 --date 2025-12-01"
    )]
    Duty(DutyArgs),
    /// Every obligation with its due date and state.
    #[command(
        after_help = "Examples:\n  bonded deadlines --account E44038000001 --as-of 2025-12-31\n  bonded deadlines --account E44038000001 --format ics > deadlines.ics"
    )]
    Deadlines(DeadlinesArgs),
    /// The write-off cycle: the self-verification report, and the close.
    #[command(
        subcommand,
        after_help = "Examples:\n  bonded cycle report --account E44038000001 --format xlsx --out cycle-1.xlsx\n  bonded cycle close --account E44038000001 --date 2026-01-20"
    )]
    Cycle(CycleCommand),
    /// Declarations: the annual declaration of a cycle longer than a year.
    #[command(
        subcommand,
        after_help = "Example:\n  bonded declare annual --account E44038000001 --year 2025"
    )]
    Declare(DeclareCommand),
    /// Record that a month's deep-processing carry-overs were declared.
    #[command(
        name = "carry-over",
        subcommand,
        after_help = "Example:\n  bonded carry-over declare --account E44038000001 --month 2025-11 --date 2025-12-20"
    )]
    CarryOver(CarryOverCommand),
    /// Order 182 exposure: declared against actual unit consumption (work orders), the
    /// excess material valued and graded.
    #[command(after_help = "Example:\n  bonded exposure --account E44038000001 --format json")]
    Exposure(ExposureArgs),
    /// The book's verification lists and where each stands with customs; `lists export`
    /// writes one as the INV101 file the customs client imports.
    #[command(
        after_help = "Examples:\n  bonded lists --account E44038000001 --status returned\n  bonded lists export --account E44038000001 --ref IMP20260042 --out /client/OutBox"
    )]
    Lists(ListsArgs),
    /// Where the book and customs' receipts disagree (an empty list: they agree).
    #[command(
        after_help = "Example:\n  bonded reconcile --account E44038000001 --as-of 2026-03-31 --format json"
    )]
    Reconcile(ReconcileArgs),
    /// Check every record and the hash chain; exit 4 on any fault.
    #[command(
        after_help = "Example:\n  bonded --data /srv/bonded verify; echo \"exit $?\"   # 4: damaged"
    )]
    Verify,
    /// Throw the saved state (snapshot) away and write a fresh one from a full replay of the
    /// log; prints its position and head hash. Every command keeps the snapshot by itself: this
    /// is for after a restore, or to be sure.
    #[command(after_help = "Example:\n  bonded --data /srv/bonded rebuild")]
    Rebuild,
    /// Write every event as JSON lines, hashes included.
    #[command(after_help = "Example:\n  bonded export --out events.jsonl")]
    Export(ExportArgs),
    /// Build a new store from an export, checking the chain as it goes.
    #[command(after_help = "Example:\n  bonded --data /srv/restored restore events.jsonl")]
    Restore(RestoreArgs),
    /// Copy a store to a new one, between sled and PostgreSQL either way, checking the chain
    /// as it goes (an export and restore without the file); refuses a destination not empty.
    #[command(
        after_help = "Example:\n  bonded copy --from ./bonded-data --to postgres://bonded:secret@db.example/bonded"
    )]
    Copy(CopyArgs),
    /// Build a realistic sample book in the store and show what the ledger does.
    #[command(after_help = "Example:\n  bonded --data /tmp/demo demo --write-csv /tmp/demo-csv")]
    Demo(DemoArgs),
    /// Users of `bonded serve`: add one (its token is printed once), list them.
    #[command(
        subcommand,
        after_help = "Examples:\n  bonded user add --name alice --role clerk\n  bonded user list"
    )]
    User(UserCommand),
    /// The items waiting for dual review (domestic sales, destruction, scrap sales,
    /// corrections, stocktakes, changes of unit consumption recorded through `bonded serve`).
    #[command(after_help = "Example:\n  bonded pending --account E44038000001")]
    Pending(PendingArgs),
    /// Approve an item waiting for review, as a reviewer of the store (not the submitter).
    #[command(after_help = "Example:\n  bonded approve 6f1c0d2e-… --as bob")]
    Approve(ApproveArgs),
    /// Reject an item waiting for review, with the reason.
    #[command(
        after_help = "Example:\n  bonded reject 6f1c0d2e-… --as bob --reason \"wrong price\""
    )]
    Reject(RejectArgs),
    /// The multi-user HTTP API: clerks record, reviewers approve, auditors read.
    #[command(after_help = "Example:\n  bonded --data /srv/bonded serve --listen 127.0.0.1:8080")]
    Serve(ServeArgs),
    /// Load run of `bonded serve` on loopback: requests/s and latency at 1, 4, 16 clients.
    #[command(name = "bench-serve")]
    #[command(after_help = "Example:\n  bonded bench-serve --clients 1,4 --requests 500")]
    BenchServe(BenchServeArgs),
    /// Shell completions: `bonded completions bash > ~/.local/share/bash-completion/completions/bonded`.
    #[command(
        after_help = "Examples:\n  bonded completions bash > ~/.local/share/bash-completion/completions/bonded\n  bonded completions zsh > ~/.zfunc/_bonded\n  bonded completions fish > ~/.config/fish/completions/bonded.fish"
    )]
    Completions(CompletionsArgs),
    /// The manual page (roff), from the same definitions as --help.
    #[command(
        after_help = "Examples:\n  bonded man | man -l -\n  bonded man --out /usr/local/share/man/man1/bonded.1"
    )]
    Man(ManArgs),
    /// How long the web workspace's pages take on the demo store (docs/PERFORMANCE.md).
    #[command(
        name = "bench-web",
        after_help = "Example:\n  bonded bench-web --requests 200"
    )]
    BenchWeb(BenchWebArgs),
    /// Measure load, replay and queries on a generated decade of a large factory, against
    /// the storage engine's own limit (see docs/PERFORMANCE.md). With --store postgres://…,
    /// load and replay on PostgreSQL against its raw COPY and ordered scan, in databases it
    /// creates on that server and drops.
    #[command(
        after_help = "Examples:\n  bonded bench --events 100000\n  BONDED_STORE=postgres://bonded@%2Ftmp%2Fpg/postgres bonded bench --events 100000"
    )]
    Bench(BenchArgs),
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write the page to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user; prints its bearer token once (only the token's SHA-256 is stored).
    Add(UserAddArgs),
    /// List the users, their roles and their books.
    List,
    /// Grant a user exactly these books from now on (`--books E…,E…`), or every book (`--all`).
    Grant(UserGrantArgs),
}

#[derive(Args, Debug)]
pub struct UserGrantArgs {
    /// The user's name.
    #[arg(long)]
    pub name: String,
    /// The books the user may see and write from now on, comma-separated (E…,E…).
    #[arg(long, conflicts_with = "all", required_unless_present = "all")]
    pub books: Option<String>,
    /// Every book of the store, as for a user added without --books.
    #[arg(long)]
    pub all: bool,
}

#[derive(Args, Debug)]
pub struct UserAddArgs {
    /// The user's name, recorded on every event it makes (letters, digits, . _ - @).
    #[arg(long)]
    pub name: String,
    /// clerk (records), reviewer (approves), auditor (reads), admin (manages users and books).
    #[arg(long)]
    pub role: String,
    /// The books the user may see and write, comma-separated (E…,E…); without it, every book
    /// of the store. Another book is, to this user, one the store does not hold (404).
    #[arg(long)]
    pub books: Option<String>,
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
    /// The approving reviewer's own token (as printed by `bonded user add`); the approval is
    /// recorded in that user's name. Not the submitter's.
    #[arg(
        long,
        env = "BONDED_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,
    /// The reviewer's name, checked against the token (optional).
    #[arg(long = "as", value_name = "NAME")]
    pub as_user: Option<String>,
}

#[derive(Args, Debug)]
pub struct RejectArgs {
    /// The review id (from `bonded pending`).
    pub id: String,
    /// The rejecting reviewer's own token; the rejection is recorded in that user's name.
    #[arg(
        long,
        env = "BONDED_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,
    /// The reviewer's name, checked against the token (optional).
    #[arg(long = "as", value_name = "NAME")]
    pub as_user: Option<String>,
    /// Why it is rejected.
    #[arg(long)]
    pub reason: String,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The address to listen on; port 0 picks a free port (the first line printed says which).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Connections held at once; one more is answered 503 and closed.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub max_connections: u64,
    /// Seconds a client may take to send a request head, or keep a connection idle.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub idle_timeout: u64,
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
    /// Measure on this existing sled store instead of the demo's (e.g. the ledger store `bonded
    /// bench --dir D` keeps, at a million events): its book E44038000001 is shown, and a
    /// reviewer named bench-web-… is added to it to sign in.
    #[arg(long, value_name = "DIR")]
    pub on: Option<PathBuf>,
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
    /// Servers started on the store, the clients shared among them in turn (more than one
    /// needs a PostgreSQL store: --store, an empty database).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=8))]
    pub servers: u32,
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
    /// The book number (E…, B… or C…, 12 characters), e.g. E44038000001.
    #[arg(long)]
    pub account: String,
    /// The day the book leaves the mode (YYYY-MM-DD).
    #[arg(long)]
    pub date: String,
}

#[derive(Args, Debug)]
pub struct AccountOpen {
    /// Book number (E…, B… or C…, 12 characters).
    /// The book number (E…, B… or C…, 12 characters), e.g. E44038000001.
    #[arg(long)]
    pub account: String,
    /// The company's 10-character customs code.
    #[arg(long)]
    pub company: String,
    /// What the book holds: purchased (进料) or supplied (来料) materials.
    #[arg(long, value_enum)]
    pub kind: KindArg,
    /// How movements name goods: by company part number (料号级) or customs item (项号级).
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
    /// The book number (E…, B… or C…, 12 characters), e.g. E44038000001.
    #[arg(long)]
    pub account: String,
    /// KEY=VALUE settings, e.g. duty_period=quarterly report_days=60 (docs/INTERFACE.md,
    /// "Book settings").
    #[arg(required = true, value_name = "KEY=VALUE")]
    pub settings: Vec<String>,
}

#[derive(Args, Debug)]
pub struct LoadArgs {
    /// CSV files (items, bom, movements, corrections, openings, stocktake, workorders, fx,
    /// tariff, interest), and customs XML messages (INV101 lists, the client's results,
    /// INV201/202/211 and EMS221 receipts), recognised by content. Applied in that dependency
    /// order (CSV first, then lists, then receipts), whatever order they are given in.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The kind of every file, where the header alone cannot tell (openings and stocktake
    /// have the same required columns).
    #[arg(long)]
    pub kind: Option<String>,
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ListsArgs {
    #[command(subcommand)]
    pub action: Option<ListsAction>,
    /// The book (its number, e.g. E44038000001).
    #[arg(long, required = true)]
    pub account: Option<String>,
    /// Only the lists at this stage (recorded, exported, staged, declared, failed, received,
    /// review, returned, approved, pre_deducted, deducted, deleted, written_off).
    #[arg(long)]
    pub status: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum ListsAction {
    /// Write a list as an INV101 file for the customs client (and record that it was).
    Export(ListsExportArgs),
}

#[derive(Args, Debug)]
pub struct ListsExportArgs {
    /// The book (its number, e.g. E44038000001).
    #[arg(long)]
    pub account: String,
    /// The list: the movements' `ref` (企业内部清单编号).
    #[arg(long = "ref")]
    pub ref_: String,
    /// A file to write, or a folder (e.g. the client's OutBox) to write
    /// INV101-<I|E>-<ref>-<try>.xml into. Default: standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ReconcileArgs {
    /// The book (its number, e.g. E44038000001).
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
pub struct BalanceArgs {
    /// The book number (E…, B… or C…, 12 characters), e.g. E44038000001.
    #[arg(long)]
    pub account: String,
    /// Business date (YYYY-MM-DD); default: today in Asia/Shanghai.
    #[arg(long = "as-of")]
    pub as_of: Option<String>,
    /// Write the report to this file instead of standard output (the workbook of --format
    /// xlsx; a CSV file starts with a byte-order mark for Excel).
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
pub struct CopyArgs {
    /// The store to copy: a sled store's directory or a postgres:// URL.
    #[arg(long)]
    pub from: String,
    /// The new store: a directory that does not exist or is empty, or a postgres:// URL of
    /// a database without a store.
    #[arg(long)]
    pub to: String,
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
    /// The book number (E…, B… or C…, 12 characters), e.g. E44038000001.
    #[arg(long, required = true)]
    pub account: Option<String>,
    /// The month (YYYY-MM), or the quarter (YYYY-Qn) for a book that pays quarterly.
    #[arg(long, required = true)]
    pub month: Option<String>,
    /// Assess as of this filing date (default: the due date; a filed declaration shows as filed).
    #[arg(long)]
    pub filed: Option<String>,
    /// Write the report to this file instead of standard output (the workbook of --format
    /// xlsx; a CSV file starts with a byte-order mark for Excel).
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
    /// The book number (E…, B… or C…, 12 characters), e.g. E44038000001.
    #[arg(long)]
    pub account: String,
    /// The month (YYYY-MM), or the quarter (YYYY-Qn) for a book that pays quarterly.
    #[arg(long)]
    pub month: String,
    /// The day it was filed and paid (YYYY-MM-DD).
    #[arg(long)]
    pub date: String,
}

#[derive(Args, Debug)]
pub struct DutyQuoteArgs {
    /// The book number (E…, B… or C…, 12 characters), e.g. E44038000001.
    #[arg(long)]
    pub account: String,
    /// The item number (备案序号).
    #[arg(long)]
    pub item: String,
    /// The quantity sold, in the item's declared unit (a plain decimal).
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
    /// The book number (E…, B… or C…, 12 characters), e.g. E44038000001.
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
    /// The book number (E…, B… or C…, 12 characters), e.g. E44038000001.
    #[arg(long)]
    pub account: String,
    /// The month of the carry-overs (YYYY-MM).
    #[arg(long)]
    pub month: String,
    /// The day they were declared (YYYY-MM-DD).
    #[arg(long)]
    pub date: String,
}

#[derive(Args, Debug)]
pub struct ExposureArgs {
    /// The book number (E…, B… or C…, 12 characters), e.g. E44038000001.
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
    /// The book number (E…, B… or C…, 12 characters), e.g. E44038000001.
    #[arg(long)]
    pub account: String,
    /// The cycle number (default: the oldest cycle not yet closed).
    #[arg(long)]
    pub cycle: Option<i64>,
    /// Value shortages as if declared on this day (default: the report's due date).
    #[arg(long)]
    pub filed: Option<String>,
    /// Write the report to this file instead of standard output (the workbook of --format
    /// xlsx, the message of --format ems121; a CSV file starts with a byte-order mark for Excel).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CycleCloseArgs {
    /// The book number (E…, B… or C…, 12 characters), e.g. E44038000001.
    #[arg(long)]
    pub account: String,
    /// The write-off date: the next cycle's deferred interest runs from it. Default: the day
    /// customs approved the write-off (its EMS221 receipt with result 2, once loaded).
    #[arg(long)]
    pub date: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum DeclareCommand {
    /// The balance identity of a calendar year, for a cycle longer than a year.
    Annual(DeclareAnnualArgs),
}

#[derive(Args, Debug)]
pub struct DeclareAnnualArgs {
    /// The book number (E…, B… or C…, 12 characters), e.g. E44038000001.
    #[arg(long)]
    pub account: String,
    /// The calendar year declared (YYYY).
    #[arg(long)]
    pub year: i32,
    /// Record that the declaration was made on this day.
    #[arg(long)]
    pub record: Option<String>,
    /// Write the report to this file instead of standard output (the workbook of --format
    /// xlsx; a CSV file starts with a byte-order mark for Excel).
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
