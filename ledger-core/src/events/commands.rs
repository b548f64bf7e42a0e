//! Commands: what a user asks the ledger to record. `decide` turns each into events or a
//! refusal. Inputs arrive already parsed into validated types; whether they fit the book is
//! `decide`'s question.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::model::book::{BookHeader, Setting};
use crate::model::customs_value::Incoterm;
use crate::model::ids::{BookNo, Currency, HsCode, ItemNo, PartNo, Unit};
use crate::model::trade_mode::{Direction, GoodsKind, TradeMode};

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    OpenBook(BookHeader),
    ChangeSettings {
        account: BookNo,
        changes: Vec<Setting>,
    },
    RegisterItem(ItemInput),
    DeclareUnitConsumption(BomInput),
    /// Apply declared unit consumption to finished-goods lines that were waiting for it.
    ApplyPendingConsumption {
        account: BookNo,
    },
    RecordMovement(MovementLine),
    CorrectMovement(CorrectionInput),
    RecordOpening(OpeningInput),
    RecordStocktake(StocktakeInput),
    RecordWorkOrder(WorkOrderInput),
    SetFxRate(FxInput),
    SetTariff(TariffInput),
    SetInterestRate(InterestInput),
    /// The identical-goods price of a supplied book's material, from a date (a `prices` file).
    SetPrice(PriceInput),
    /// Record that a period's domestic-sales declaration was filed and paid on `date`.
    FileDuty {
        account: BookNo,
        period: crate::model::period::Period,
        date: NaiveDate,
    },
    /// Write off the oldest open cycle on `date`.
    CloseCycle {
        account: BookNo,
        date: NaiveDate,
    },
    /// Record the annual declaration of calendar year `year` as made on `date`.
    DeclareAnnual {
        account: BookNo,
        year: i32,
        date: NaiveDate,
    },
    /// The book leaves the company-based mode on `date`.
    RemoveBook {
        account: BookNo,
        date: NaiveDate,
    },
    /// Record that a month's deep-processing carry-overs were declared on `date`.
    DeclareCarryOver {
        account: BookNo,
        month: crate::model::period::Period,
        date: NaiveDate,
    },
    /// Add a user of `bonded serve`; only the SHA-256 of the token is kept (access.rs).
    AddUser {
        name: String,
        role: crate::model::review::Role,
        token_sha256: String,
        /// The books the user may see and write (`None`: every book).
        books: Option<Vec<BookNo>>,
    },
    /// Grant a user exactly these books from now on (`None`: every book).
    SetUserBooks {
        name: String,
        books: Option<Vec<BookNo>>,
    },
    /// Put an item under dual review: it takes effect only once another user approves it.
    SubmitForReview {
        submitted_by: String,
        item: crate::events::review::Reviewable,
    },
    /// A reviewer approves a pending item: it is decided against the book as it stands now.
    ApproveReview {
        id: uuid::Uuid,
        by: String,
    },
    RejectReview {
        id: uuid::Uuid,
        by: String,
        reason: String,
    },
    /// Record that a list was written as an INV101 file.
    RecordListExport(crate::events::lists::ListExported),
    /// Record a receipt (or the client's import result); `file_name` matches a client result
    /// to the list it answers.
    RecordReceipt {
        received: Box<crate::messages::receipt::Received>,
        file_name: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ItemInput {
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
    /// Declared and legal units and factors, origin: what the customs messages need.
    pub legal: LegalUnits,
}

/// An item's units as customs declares them (MESSAGES: declared unit code, first and second
/// legal unit with their conversion factors, weight factor) and its usual country of origin.
/// All optional: the ledger keeps balances in the declared unit and needs none of them; the
/// verification-list export refuses a list whose item lacks one it must fill.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LegalUnits {
    /// Declared unit, 3-digit code (DclUnitcd); when absent, looked up from the unit's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_code: Option<String>,
    /// First legal unit, 3-digit code (LawfUnitcd).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lawf_unit: Option<String>,
    /// Declared unit → first legal unit (FstSfVal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lawf_factor: Option<Decimal>,
    /// Second legal unit, 3-digit code (SecdLawfUnitcd).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secd_lawf_unit: Option<String>,
    /// Declared unit → second legal unit (SecdSfVal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secd_factor: Option<Decimal>,
    /// Declared unit → kg (WtSfVal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wt_factor: Option<Decimal>,
    /// Country of origin, 3-digit customs code (Natcd).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

impl LegalUnits {
    pub fn is_empty(&self) -> bool {
        *self == LegalUnits::default()
    }

    /// Each field of `self`, or where it is absent, of `earlier` (a re-registered item keeps
    /// what it was registered with unless the new row says otherwise).
    pub fn or(&self, earlier: &LegalUnits) -> LegalUnits {
        LegalUnits {
            unit_code: self.unit_code.clone().or_else(|| earlier.unit_code.clone()),
            lawf_unit: self.lawf_unit.clone().or_else(|| earlier.lawf_unit.clone()),
            lawf_factor: self.lawf_factor.or(earlier.lawf_factor),
            secd_lawf_unit: self
                .secd_lawf_unit
                .clone()
                .or_else(|| earlier.secd_lawf_unit.clone()),
            secd_factor: self.secd_factor.or(earlier.secd_factor),
            wt_factor: self.wt_factor.or(earlier.wt_factor),
            origin: self.origin.clone().or_else(|| earlier.origin.clone()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BomInput {
    pub account: BookNo,
    pub product: ItemNo,
    pub material: ItemNo,
    pub version: u32,
    pub net: Decimal,
    pub tangible_loss_pct: Decimal,
    pub intangible_loss_pct: Decimal,
    pub bonded_pct: Decimal,
}

/// A verification-list line key: the company's internal list number and the line.
pub type LineKey = (String, u32);

/// One verification-list line (核注清单表体), as the company declared it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MovementLine {
    #[serde(rename = "ref")]
    pub ref_: String,
    pub line: u32,
    pub date: NaiveDate,
    pub account: BookNo,
    pub mode: TradeMode,
    pub dir: Direction,
    pub goods: GoodsKind,
    pub qty: Decimal,
    pub item: Option<ItemNo>,
    pub part: Option<PartNo>,
    pub unit_price: Option<Decimal>,
    pub currency: Option<Currency>,
    pub incoterm: Option<Incoterm>,
    pub freight: Option<Decimal>,
    pub insurance: Option<Decimal>,
    pub bom_version: Option<u32>,
    pub peer_account: Option<BookNo>,
    pub subcontractor: Option<String>,
    /// What the verification list carries beyond the balances: country, port, transport,
    /// legal quantities, weights. Absent on most lines (and on every line recorded before
    /// these columns existed); boxed so a line without them stays small.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<Box<ListFields>>,
}

/// The optional columns of a movement that only the customs messages read (the head and line
/// fields of a verification list the ledger does not otherwise need). Each absent one falls
/// back to the book's setting (country, port, transport) or is computed from the item
/// (legal quantities = qty × the item's factor; net weight = qty × its weight factor).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct ListFields {
    /// Country shipped from (imports) or to (exports), 3-digit customs code (StshipTrsarvNatcd).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Customs office at the border, 4 digits (ImpexpPortcd).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<String>,
    /// Transport mode, 1 digit (TrspModecd).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<String>,
    /// First legal quantity (LawfQty), when not qty × the item's factor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lawf_qty: Option<Decimal>,
    /// Second legal quantity (SecdLawfQty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secd_lawf_qty: Option<Decimal>,
    /// Gross weight, kg (GrossWt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gross_wt: Option<Decimal>,
    /// Net weight, kg (NetWt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_wt: Option<Decimal>,
}

impl ListFields {
    /// `None` when every field is empty, so an empty set of columns stores nothing.
    pub fn boxed(self) -> Option<Box<ListFields>> {
        (self != ListFields::default()).then(|| Box::new(self))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorrectionInput {
    pub account: BookNo,
    #[serde(rename = "ref")]
    pub ref_: String,
    pub line: u32,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OpeningInput {
    pub account: BookNo,
    pub date: NaiveDate,
    pub item: ItemNo,
    pub qty: Decimal,
    pub unit_price: Option<Decimal>,
    pub currency: Option<Currency>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StocktakeInput {
    pub account: BookNo,
    pub date: NaiveDate,
    pub goods: GoodsKind,
    pub item: ItemNo,
    pub qty: Decimal,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkOrderInput {
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FxInput {
    /// (year, month)
    pub month: (i32, u32),
    pub currency: Currency,
    pub cny_per_unit: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TariffInput {
    pub hs: HsCode,
    pub from: NaiveDate,
    pub duty_pct: Decimal,
    pub vat_pct: Decimal,
    pub consumption_pct: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterestInput {
    pub from: NaiveDate,
    pub annual_pct: Decimal,
}

/// A row of a `prices` file: the price of identical or similar goods of a supplied book's
/// material from `date` on (DOMAIN.md §8).
#[derive(Debug, Clone, PartialEq)]
pub struct PriceInput {
    pub account: BookNo,
    pub item: ItemNo,
    pub date: NaiveDate,
    pub unit_price: Decimal,
    pub currency: Currency,
}
