//! Why the ledger says no. Two classes, matching the contract's exit codes: bad input (2: the
//! line cannot be understood or names something that does not exist) and a customs rule
//! (3: the line is understood, and customs would not accept it). Every message says what,
//! where and why in words a customs clerk understands.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use thiserror::Error;

use crate::model::ids::{BookNo, ItemNo};
use crate::model::trade_mode::{BookKind, GoodsKind, TradeMode};

/// A value that does not parse as the thing it should be.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{value:?} is not a valid {what}: {why}")]
pub struct InvalidValue {
    pub what: &'static str,
    pub value: String,
    pub why: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalClass {
    /// Exit code 2.
    BadInput,
    /// Exit code 3.
    Rule,
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum Refusal {
    // ---- bad input ----
    #[error("{0}")]
    Invalid(InvalidValue),
    #[error("{message}")]
    BadValue {
        column: &'static str,
        message: String,
    },
    #[error("book {0} is not open in this store (open it with `bonded account open`)")]
    UnknownBook(BookNo),
    #[error("book {0} is already open")]
    BookExists(BookNo),
    #[error("{} {item} is not registered in book {account}", goods.noun())]
    UnknownItem {
        account: BookNo,
        goods: GoodsKind,
        item: ItemNo,
    },
    #[error("part number {part} is not merged into any {} of book {account}", goods.noun())]
    UnknownPart {
        account: BookNo,
        goods: GoodsKind,
        part: String,
    },
    #[error("part number {part} belongs to {} {actual}, not to {} {given}", goods.noun(), goods.noun())]
    PartItemMismatch {
        goods: GoodsKind,
        part: String,
        actual: ItemNo,
        given: ItemNo,
    },
    #[error("trade mode {mode} is for {} books; book {account} is {kind}", mode.book_kind().map(|k| k.to_string()).unwrap_or_default())]
    ModeOfOtherBookKind {
        account: BookNo,
        mode: TradeMode,
        kind: BookKind,
    },
    #[error("trade mode {mode} has no line with {what}; it takes {allowed}")]
    ModeCombination {
        mode: TradeMode,
        what: String,
        allowed: String,
    },
    #[error("{ref_}/{line} is not recorded in book {account} (never recorded, or already corrected), so there is nothing to correct")]
    NothingToCorrect {
        account: BookNo,
        ref_: String,
        line: u32,
    },

    // ---- customs rules ----
    #[error("{what} would go negative on {date}: {available} {unit} available, {requested} {unit} requested")]
    WouldGoNegative {
        what: String,
        unit: String,
        date: NaiveDate,
        available: Decimal,
        requested: Decimal,
    },
    #[error("unit consumption of finished item {product} version {version} is not declared; book {account} declares it before export, so declare it (a bom file) before this movement")]
    UnitConsumptionNotDeclared {
        account: BookNo,
        product: ItemNo,
        version: u32,
    },
    #[error("import would take the cycle's CIF imports to {would_be_usd} USD, over the capacity cap of {cap_usd} USD (already {used_usd} USD in the cycle starting {cycle_start}, this line {line_usd} USD)")]
    CapacityExceeded {
        cap_usd: Decimal,
        used_usd: Decimal,
        line_usd: Decimal,
        would_be_usd: Decimal,
        cycle_start: NaiveDate,
    },
    #[error("no exchange rate for {currency} in {month}: load an fx file with that month first")]
    NoExchangeRate { currency: String, month: String },
    #[error("HS code {hs} (heading {heading}) is outside the headings book {account} may use ({allowed})")]
    HeadingNotAllowed {
        account: BookNo,
        hs: String,
        heading: String,
        allowed: String,
    },
    #[error("{ref_}/{line} is already recorded in book {account} with other content; correct it first (a corrections file) to record it again")]
    RefLineConflict {
        account: BookNo,
        ref_: String,
        line: u32,
    },
    #[error("{what}")]
    MasterDataConflict { column: &'static str, what: String },
    #[error(
        "no tariff rate for HS code {hs} in force on {date}: load a tariff file with that code"
    )]
    NoTariff { hs: String, date: NaiveDate },
    #[error("material {item} of book {account} has no import price to value a sale on {date}: no import in this or an earlier cycle, and no opening price")]
    NoImportPrice {
        account: BookNo,
        item: ItemNo,
        date: NaiveDate,
    },
    #[error("{what}")]
    DeclarationConflict { what: String },
    #[error("{what}")]
    RuleBroken { column: &'static str, what: String },

    // ---- users and dual review (access.rs) ----
    #[error("user {0:?} is not in this store (add it with `bonded user add`)")]
    UnknownUser(String),
    #[error("no review {0} was ever submitted in this store (see `bonded pending`)")]
    UnknownReview(uuid::Uuid),
    /// The acting user may not do this (a role that does not approve, one's own submission).
    #[error("{what}")]
    NotPermitted { what: String },
    /// The review was already approved or rejected, or the user already exists otherwise.
    #[error("{what}")]
    Conflict { column: &'static str, what: String },
    /// The item under review, decided against the book as it stands now, is refused.
    #[error("review {id} cannot be approved as the book stands now: {reason}; it stays pending (a reviewer may reject it)")]
    ApprovalRefused {
        id: uuid::Uuid,
        reason: Box<Refusal>,
    },
}

impl Refusal {
    pub fn class(&self) -> RefusalClass {
        use Refusal::*;
        match self {
            Invalid(_)
            | BadValue { .. }
            | UnknownBook(_)
            | BookExists(_)
            | UnknownItem { .. }
            | UnknownPart { .. }
            | PartItemMismatch { .. }
            | ModeOfOtherBookKind { .. }
            | ModeCombination { .. }
            | NothingToCorrect { .. }
            | UnknownUser(_)
            | UnknownReview(_)
            // Missing reference data is something to load, not a customs refusal (DOMAIN §8).
            | NoExchangeRate { .. }
            | NoTariff { .. } => RefusalClass::BadInput,
            ApprovalRefused { reason, .. } => reason.class(),
            WouldGoNegative { .. }
            | UnitConsumptionNotDeclared { .. }
            | CapacityExceeded { .. }
            | HeadingNotAllowed { .. }
            | RefLineConflict { .. }
            | MasterDataConflict { .. }
            | NoImportPrice { .. }
            | DeclarationConflict { .. }
            | RuleBroken { .. }
            | NotPermitted { .. }
            | Conflict { .. } => RefusalClass::Rule,
        }
    }

    /// The input column the refusal is about, for `file:line: column: message`.
    pub fn column(&self) -> Option<&'static str> {
        use Refusal::*;
        Some(match self {
            Invalid(v) => match v.what {
                "book number" => "account",
                "item number" => "item",
                "part number" => "part",
                "HS code" => "hs",
                "trade mode" => "mode",
                "currency" => "currency",
                "unit" => "unit",
                "direction" => "dir",
                "goods" => "goods",
                _ => return None,
            },
            BadValue { column, .. }
            | MasterDataConflict { column, .. }
            | RuleBroken { column, .. } => column,
            UnknownBook(_) | BookExists(_) => "account",
            UnknownItem { .. } | PartItemMismatch { .. } => "item",
            UnknownPart { .. } => "part",
            ModeOfOtherBookKind { .. } | ModeCombination { .. } => "mode",
            WouldGoNegative { .. } | CapacityExceeded { .. } => "qty",
            UnitConsumptionNotDeclared { .. } => "bom_version",
            NoExchangeRate { .. } => "currency",
            NoTariff { .. } => "hs",
            NoImportPrice { .. } => "unit_price",
            DeclarationConflict { .. } => "date",
            HeadingNotAllowed { .. } => "hs",
            RefLineConflict { .. } | NothingToCorrect { .. } => "ref",
            UnknownUser(_) | NotPermitted { .. } => "user",
            UnknownReview(_) => "id",
            Conflict { column, .. } => column,
            ApprovalRefused { reason, .. } => return reason.column(),
        })
    }

    pub fn bad(column: &'static str, message: impl Into<String>) -> Self {
        Refusal::BadValue {
            column,
            message: message.into(),
        }
    }
}

impl From<InvalidValue> for Refusal {
    fn from(v: InvalidValue) -> Self {
        Refusal::Invalid(v)
    }
}

pub(crate) fn positive(column: &'static str, v: Decimal) -> Result<(), Refusal> {
    if v <= Decimal::ZERO {
        return Err(Refusal::bad(
            column,
            format!("{column} must be above 0, not {v}"),
        ));
    }
    Ok(())
}

pub(crate) fn not_negative(column: &'static str, v: Decimal) -> Result<(), Refusal> {
    if v < Decimal::ZERO {
        return Err(Refusal::bad(
            column,
            format!("{column} must not be negative, not {v}"),
        ));
    }
    Ok(())
}
