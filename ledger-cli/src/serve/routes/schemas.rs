//! The shapes of the report answers, for `/openapi.json` only: a client generator reads them,
//! Schemathesis checks every answer against them (tests/tests/openapi.rs). The handlers build
//! the JSON from the core's reports (the command line's `--format json`); these types are
//! never built. The keys every answer has are required; others may be added later (the
//! contract grows, it does not rename). Numbers are decimal strings, exact.

#![allow(dead_code)]

use utoipa::ToSchema;

use super::plumbing::LogRef;

/// One material's balance columns (docs/INTERFACE.md, "Which balance column a movement moves").
#[derive(ToSchema)]
pub struct BalanceMaterial {
    pub item: String,
    pub name: String,
    pub unit: String,
    pub opening: String,
    pub imported: String,
    pub carried_in: String,
    pub consumed: String,
    pub carried_out: String,
    pub domestic_sold: String,
    pub re_exported: String,
    pub destroyed: String,
    pub balance: String,
}

/// The scrap stock of a scrap item.
#[derive(ToSchema)]
pub struct ScrapBalanceEntry {
    pub item: String,
    pub balance: String,
}

/// `bonded balance --format json`.
#[derive(ToSchema)]
pub struct BalanceAnswer {
    pub account: String,
    #[schema(format = Date)]
    pub as_of: String,
    pub materials: Vec<BalanceMaterial>,
    pub scrap: Vec<ScrapBalanceEntry>,
    pub log: LogRef,
}

/// One line of a domestic-sales declaration (a finished-goods sale: one line per material).
#[derive(ToSchema)]
pub struct DutyLine {
    pub r#ref: String,
    pub line: String,
    pub item: String,
    pub qty: String,
    /// The dutiable value in CNY, half-up to 0.01.
    pub value_cny: String,
    pub duty: String,
    pub consumption_tax: String,
    pub vat: String,
}

/// What is levied: each tax is the sum of its lines, or 0 under CNY 50.
#[derive(ToSchema)]
pub struct DutyTotals {
    pub value_cny: String,
    pub duty: String,
    pub consumption_tax: String,
    pub vat: String,
    pub interest: String,
    pub total: String,
}

/// Filed, or a draft.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum DeclarationStatus {
    Filed,
    Draft,
}

/// `bonded duty --format json`: filed (`status: filed`, `filed` the day) or a draft
/// (`status: draft`, `filed: null`, assessed as of `assessed_as_of`).
#[derive(ToSchema)]
pub struct DutyAnswer {
    pub account: String,
    /// The month YYYY-MM or the quarter YYYY-Qn.
    pub period: String,
    #[schema(format = Date)]
    pub due: String,
    /// The day it was filed; null while it is a draft.
    #[schema(format = Date)]
    pub filed: Option<String>,
    pub status: DeclarationStatus,
    /// The day its figures were assessed as of.
    #[schema(format = Date)]
    pub assessed_as_of: String,
    pub lines: Vec<DutyLine>,
    pub totals: DutyTotals,
    pub log: LogRef,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ObligationKind {
    DomesticSalesDuty,
    CarryOverDeclaration,
    CycleReport,
    AnnualDeclaration,
    UnitConsumption,
    BookCancellation,
    ListDeclaration,
    ListBooking,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ObligationStatus {
    Open,
    Done,
    Overdue,
}

/// One obligation of a book.
#[derive(ToSchema)]
pub struct Obligation {
    pub kind: ObligationKind,
    pub period: String,
    #[schema(format = Date)]
    pub due: String,
    pub status: ObligationStatus,
    /// 0.05 % of the unpaid tax per day past due, per tax type; 0 under CNY 50.
    pub late_fee_cny: String,
}

/// `bonded deadlines --format json`.
#[derive(ToSchema)]
pub struct DeadlinesAnswer {
    pub account: String,
    #[schema(format = Date)]
    pub as_of: String,
    pub obligations: Vec<Obligation>,
    pub log: LogRef,
}

/// One material of the write-off report: the balance identity and the stocktake.
#[derive(ToSchema)]
pub struct CycleMaterial {
    pub item: String,
    pub opening: String,
    pub imported: String,
    pub carried_in: String,
    pub consumed: String,
    pub carried_out: String,
    pub domestic_sold: String,
    pub re_exported: String,
    pub destroyed: String,
    pub closing: String,
    /// The count; null when there was no stocktake.
    pub stocktake: Option<String>,
    /// stocktake − closing: negative is a shortage; null without a stocktake.
    pub difference: Option<String>,
}

/// `bonded cycle report --format json`.
#[derive(ToSchema)]
pub struct CycleAnswer {
    pub account: String,
    pub cycle: String,
    #[schema(format = Date)]
    pub start: String,
    /// The cycle's last day (inclusive).
    #[schema(format = Date)]
    pub end: String,
    #[schema(format = Date)]
    pub report_due: String,
    pub materials: Vec<CycleMaterial>,
    pub log: LogRef,
}

/// One (product, material) pair of work orders against the declared unit consumption.
#[derive(ToSchema)]
pub struct ExposureLine {
    pub product: String,
    pub material: String,
    pub produced: String,
    /// Null when no unit consumption is declared for the pair.
    pub declared_gross: Option<String>,
    pub actual_gross: String,
    pub excess_qty: String,
    /// Null when the excess cannot be valued.
    pub value_cny: Option<String>,
}

/// `bonded exposure --format json`.
#[derive(ToSchema)]
pub struct ExposureAnswer {
    pub account: String,
    pub lines: Vec<ExposureLine>,
    pub log: LogRef,
}

/// One event of a book's history.
#[derive(ToSchema)]
pub struct HistoryEvent {
    /// The global log position.
    pub seq: String,
    /// The position in the book's stream.
    pub stream_seq: String,
    #[schema(format = "uuid")]
    pub id: String,
    pub kind: String,
    /// Who recorded it.
    pub actor: String,
    #[schema(format = DateTime)]
    pub recorded_at: String,
    /// The event as the log holds it.
    pub event: serde_json::Value,
}

/// `GET /books/{account}/history`: one page.
#[derive(ToSchema)]
pub struct HistoryAnswer {
    pub account: String,
    /// The item asked for, or null.
    pub item: Option<String>,
    pub events: Vec<HistoryEvent>,
    /// Give it as `after` for the next page; null on the last.
    pub next_after: Option<String>,
}

/// An item waiting for review.
#[derive(ToSchema)]
pub struct PendingEntry {
    #[schema(format = "uuid")]
    pub id: String,
    pub account: String,
    pub submitted_by: String,
    /// domestic_sales, destruction, scrap_sales, corrections, stocktakes, unit_consumption
    /// (null for an item of no class).
    pub class: Option<String>,
    pub what: String,
}

/// `GET /pending`.
#[derive(ToSchema)]
pub struct PendingAnswer {
    pub pending: Vec<PendingEntry>,
}

/// `POST /books/{account}/settings`: KEY: VALUE strings (docs/INTERFACE.md, "Book
/// settings"); the keys of the customs messages too. At least one.
#[derive(ToSchema)]
#[schema(min_properties = 1)]
pub struct SettingsBody {
    #[schema(nullable = false)]
    pub duty_period: Option<DutyPeriodName>,
    /// Days after a cycle ends for its report, 1 to 365.
    #[schema(nullable = false, pattern = r"^[0-9]{1,3}$")]
    pub report_days: Option<String>,
    /// 1 to 120.
    #[schema(nullable = false, pattern = r"^[0-9]{1,3}$")]
    pub cycle_months: Option<String>,
    #[schema(nullable = false)]
    pub uc_timing: Option<UcTimingName>,
    #[schema(nullable = false)]
    pub writeoff_method: Option<WriteoffMethodName>,
    #[schema(nullable = false)]
    pub cap_basis: Option<CapBasisName>,
    #[schema(nullable = false, pattern = r"^[0-9]{1,14}(\.[0-9]{1,9})?$")]
    pub difference_tolerance: Option<String>,
    /// The classes reviewed, comma-separated, or `none`.
    #[schema(nullable = false)]
    pub review: Option<String>,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum DutyPeriodName {
    Monthly,
    Quarterly,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum UcTimingName {
    BeforeExport,
    BeforeReport,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum WriteoffMethodName {
    UnitConsumption,
    Actual,
    WorkOrder,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum CapBasisName {
    Cumulative,
    Outstanding,
}

/// A stage of a verification list's life with customs.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ListStage {
    Recorded,
    Exported,
    Staged,
    Declared,
    Failed,
    Received,
    Review,
    Returned,
    Approved,
    PreDeducted,
    Deducted,
    Deleted,
    WrittenOff,
}

/// One verification list of the book.
#[derive(ToSchema)]
pub struct ListRow {
    pub r#ref: String,
    /// `I` or `E`.
    pub dir: String,
    /// The trade mode, 4 digits (or `OWP`).
    pub mode: String,
    /// Lines the book counts under the list.
    pub lines: String,
    pub status: ListStage,
    /// The pre-entry number (SeqNo), once the client gave one.
    pub seq_no: Option<String>,
    /// Customs' list number (`QD…`), once customs gave one.
    pub bond_invt_no: Option<String>,
    /// The customs declaration's number.
    pub entry_no: Option<String>,
    #[schema(format = Date)]
    pub updated: Option<String>,
}

/// `bonded lists --format json`.
#[derive(ToSchema)]
pub struct ListsAnswer {
    pub account: String,
    pub lists: Vec<ListRow>,
    pub log: LogRef,
}

/// A kind of difference between the book and customs.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum DifferenceKind {
    NotSent,
    ReturnedButCounted,
    NotBooked,
    ItemMismatch,
    QuantityMismatch,
    ModeMismatch,
    UnknownList,
    OpeningMismatch,
}

/// One place where the book and customs disagree.
#[derive(ToSchema)]
pub struct Difference {
    pub kind: DifferenceKind,
    pub r#ref: Option<String>,
    pub line: Option<String>,
    pub item: Option<String>,
    /// What the book says.
    pub book: Option<String>,
    /// What customs says.
    pub customs: Option<String>,
    /// What is wrong and what to do.
    pub note: String,
}

/// `bonded reconcile --format json`: an empty `differences` means they agree.
#[derive(ToSchema)]
pub struct ReconcileAnswer {
    pub account: String,
    #[schema(format = Date)]
    pub as_of: String,
    pub differences: Vec<Difference>,
    pub log: LogRef,
}
