//! The events of the log: facts, in the past tense, each carrying everything needed to replay
//! it without looking anything up (the effects a movement had are stored with it, so a later
//! change of a BOM or a rate never rewrites history).
//!
//! Book events go to the stream named by the book number; reference data (exchange rates,
//! tariffs, interest rates) to the stream `reference`; users to the stream `users`.
//!
//! Beside them: `commands` (what a user asks for, the input of `decide`), `review` (the events
//! and inputs of dual review) and `event_json` (the fast reader of a stored movement's JSON).
//!
//! **Layer rule:** `events` uses `model` only.

pub mod commands;
pub mod event_json;
pub mod lists;
pub mod review;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::events::commands::{LegalUnits, MovementLine};
use crate::model::book::{BookHeader, Setting};
use crate::model::ids::{BookNo, Currency, HsCode, ItemNo, PartNo, Unit};
use crate::model::trade_mode::{Column, GoodsKind};
use crate::model::unit_consumption::UnitConsumption;

/// Bumped when an event's shape changes in a way old readers cannot read.
pub const SCHEMA_VERSION: u32 = 1;

/// The stream of exchange rates, tariffs and interest rates.
pub const REFERENCE_STREAM: &str = "reference";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    BookOpened(BookOpened),
    SettingsChanged(SettingsChanged),
    ItemRegistered(ItemRegistered),
    UnitConsumptionDeclared(UnitConsumptionDeclared),
    MovementRecorded(MovementRecorded),
    ConsumptionApplied(ConsumptionApplied),
    MovementCorrected(MovementCorrected),
    OpeningRecorded(OpeningRecorded),
    StocktakeRecorded(StocktakeRecorded),
    WorkOrderRecorded(WorkOrderRecorded),
    FxRateSet(FxRateSet),
    TariffSet(TariffSet),
    InterestRateSet(InterestRateSet),
    DutyFiled(DutyFiled),
    CarryOverDeclared(CarryOverDeclared),
    CycleClosed(CycleClosed),
    AnnualDeclared(AnnualDeclared),
    BookRemoved(BookRemoved),
    /// The identical-goods price of a supplied book's material from a date (DOMAIN.md §8).
    PriceSet(PriceSet),
    /// Users and dual review (access.rs): users go to the stream `users`, reviews to the
    /// book's stream.
    UserAdded(crate::events::review::UserAdded),
    /// A user's books granted anew, in the stream `users`.
    UserBooksSet(crate::events::review::UserBooksSet),
    ReviewSubmitted(crate::events::review::ReviewSubmitted),
    ReviewApproved(crate::events::review::ReviewApproved),
    ReviewRejected(crate::events::review::ReviewRejected),
    /// The customs messages of a list (events/lists.rs), in the book's stream.
    ListExported(lists::ListExported),
    ReceiptRecorded(lists::ReceiptRecorded),
}

impl Event {
    /// The book the event belongs to; `None` for reference data.
    pub fn account(&self) -> Option<&BookNo> {
        use Event::*;
        match self {
            BookOpened(e) => Some(&e.header.account),
            SettingsChanged(e) => Some(&e.account),
            ItemRegistered(e) => Some(&e.account),
            UnitConsumptionDeclared(e) => Some(&e.account),
            MovementRecorded(e) => Some(&e.line.account),
            ConsumptionApplied(e) => Some(&e.account),
            MovementCorrected(e) => Some(&e.account),
            OpeningRecorded(e) => Some(&e.account),
            StocktakeRecorded(e) => Some(&e.account),
            WorkOrderRecorded(e) => Some(&e.account),
            DutyFiled(e) => Some(&e.declaration.account),
            CarryOverDeclared(e) => Some(&e.account),
            CycleClosed(e) => Some(&e.account),
            AnnualDeclared(e) => Some(&e.account),
            BookRemoved(e) => Some(&e.account),
            PriceSet(e) => Some(&e.account),
            ReviewSubmitted(e) => Some(&e.account),
            ReviewApproved(e) => Some(&e.account),
            ReviewRejected(e) => Some(&e.account),
            ListExported(e) => Some(&e.account),
            ReceiptRecorded(e) => Some(&e.account),
            FxRateSet(_) | TariffSet(_) | InterestRateSet(_) | UserAdded(_) | UserBooksSet(_) => {
                None
            }
        }
    }

    /// The stream the event is stored in.
    pub fn stream(&self) -> &str {
        if let Event::UserAdded(_) | Event::UserBooksSet(_) = self {
            return crate::events::review::USERS_STREAM;
        }
        self.account()
            .map(BookNo::as_str)
            .unwrap_or(REFERENCE_STREAM)
    }

    /// The event's type name, as stored in the envelope.
    pub fn kind(&self) -> &'static str {
        use Event::*;
        match self {
            BookOpened(_) => "book_opened",
            SettingsChanged(_) => "settings_changed",
            ItemRegistered(_) => "item_registered",
            UnitConsumptionDeclared(_) => "unit_consumption_declared",
            MovementRecorded(_) => "movement_recorded",
            ConsumptionApplied(_) => "consumption_applied",
            MovementCorrected(_) => "movement_corrected",
            OpeningRecorded(_) => "opening_recorded",
            StocktakeRecorded(_) => "stocktake_recorded",
            WorkOrderRecorded(_) => "work_order_recorded",
            FxRateSet(_) => "fx_rate_set",
            TariffSet(_) => "tariff_set",
            InterestRateSet(_) => "interest_rate_set",
            DutyFiled(_) => "duty_filed",
            CarryOverDeclared(_) => "carry_over_declared",
            CycleClosed(_) => "cycle_closed",
            AnnualDeclared(_) => "annual_declared",
            BookRemoved(_) => "book_removed",
            PriceSet(_) => "price_set",
            UserAdded(_) => "user_added",
            UserBooksSet(_) => "user_books_set",
            ReviewSubmitted(_) => "review_submitted",
            ReviewApproved(_) => "review_approved",
            ReviewRejected(_) => "review_rejected",
            ListExported(_) => "list_exported",
            ReceiptRecorded(_) => "receipt_recorded",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BookOpened {
    pub header: BookHeader,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsChanged {
    pub account: BookNo,
    pub changes: Vec<Setting>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemRegistered {
    pub account: BookNo,
    pub goods: GoodsKind,
    pub item: ItemNo,
    pub hs: HsCode,
    pub name: String,
    pub unit: Unit,
    pub spec: Option<String>,
    pub price: Option<Decimal>,
    pub currency: Option<Currency>,
    pub parts: Vec<PartNo>,
    /// Declared and legal units, factors, origin (absent in events recorded before them).
    #[serde(default, skip_serializing_if = "LegalUnits::is_empty")]
    pub legal: LegalUnits,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitConsumptionDeclared {
    pub account: BookNo,
    pub product: ItemNo,
    pub material: ItemNo,
    pub version: u32,
    pub consumption: UnitConsumption,
}

/// Where a quantity lands.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "on", rename_all = "snake_case")]
pub enum Target {
    /// A balance column of a material item.
    Material { item: ItemNo, column: Column },
    /// The scrap stock of a scrap item.
    Scrap { item: ItemNo },
    /// Goods held by a subcontractor (outward processing); still on the book.
    Subcontractor {
        name: String,
        goods: GoodsKind,
        item: ItemNo,
    },
}

/// One quantity a movement moved, on its date. For a material column, a positive quantity
/// grows that column (a finished-goods return is a negative `consumed`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Effect {
    pub target: Target,
    pub qty: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MovementRecorded {
    /// The verification-list line as given.
    pub line: MovementLine,
    /// The customs item the line resolved to (from `item` or `part`).
    pub item: ItemNo,
    /// What the line did; empty while its unit consumption awaits declaration.
    pub effects: Vec<Effect>,
    /// Finished goods whose unit consumption is declared later (`uc_timing=before_report`).
    pub awaiting_unit_consumption: bool,
    /// CIF value of an import in the line's currency, and in USD for the capacity cap.
    pub cif: Option<Decimal>,
    pub cif_usd: Option<Decimal>,
}

/// The unit consumption of an earlier finished-goods line, declared after it, now applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsumptionApplied {
    pub account: BookNo,
    #[serde(rename = "ref")]
    pub ref_: String,
    pub line: u32,
    pub date: NaiveDate,
    pub effects: Vec<Effect>,
}

/// A movement reversed; its `ref`+`line` may be recorded again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MovementCorrected {
    pub account: BookNo,
    #[serde(rename = "ref")]
    pub ref_: String,
    pub line: u32,
    pub reason: String,
    /// The event id of the movement this reverses.
    pub corrects: uuid::Uuid,
    pub date: NaiveDate,
    /// The effects taken back (the movement's effects, negated).
    pub reversed: Vec<Effect>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpeningRecorded {
    pub account: BookNo,
    pub date: NaiveDate,
    pub item: ItemNo,
    pub qty: Decimal,
    pub unit_price: Option<Decimal>,
    pub currency: Option<Currency>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StocktakeRecorded {
    pub account: BookNo,
    pub date: NaiveDate,
    pub goods: GoodsKind,
    pub item: ItemNo,
    pub qty: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkOrderRecorded {
    pub account: BookNo,
    pub order: String,
    pub date: NaiveDate,
    pub product: ItemNo,
    pub produced: Decimal,
    pub material: ItemNo,
    pub issued: Decimal,
    pub scrap_item: Option<ItemNo>,
    pub scrap_qty: Option<Decimal>,
}

/// The price of identical or similar goods of a supplied book's material, from `date` on: what
/// values the materials of a finished-goods domestic sale (0245 P) dated on or after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceSet {
    pub account: BookNo,
    pub item: ItemNo,
    pub date: NaiveDate,
    pub unit_price: Decimal,
    pub currency: Currency,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FxRateSet {
    /// `YYYY-MM`.
    pub month: String,
    pub currency: Currency,
    pub cny_per_unit: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TariffSet {
    pub hs: HsCode,
    pub from: NaiveDate,
    pub duty_pct: Decimal,
    pub vat_pct: Decimal,
    pub consumption_pct: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterestRateSet {
    pub from: NaiveDate,
    pub annual_pct: Decimal,
}

/// A domestic-sales declaration filed and paid, with its figures frozen as they were assessed
/// that day: a later change of rates does not change it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DutyFiled {
    pub declaration: crate::model::declaration::Declaration,
}

/// A month's deep-processing carry-overs declared to customs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarryOverDeclared {
    pub account: BookNo,
    pub month: crate::model::period::Period,
    pub date: NaiveDate,
}

/// A write-off cycle closed (核销): its days, the write-off date (the new start of deferred
/// interest) and the closing balances that open the next cycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CycleClosed {
    pub account: BookNo,
    #[serde(with = "crate::model::json_num")]
    pub cycle: i64,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub date: NaiveDate,
    pub closing: Vec<ClosingBalance>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClosingBalance {
    pub item: ItemNo,
    pub qty: Decimal,
}

/// The annual declaration of a cycle longer than a year, made for a calendar year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnualDeclared {
    pub account: BookNo,
    pub year: i32,
    pub date: NaiveDate,
}

/// The book removed from the company-based mode on `date`: it must be cancelled within 30 days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BookRemoved {
    pub account: BookNo,
    pub date: NaiveDate,
}
