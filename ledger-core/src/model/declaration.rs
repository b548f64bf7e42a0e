//! The domestic-sales declaration (内销征税申报) as customs reads it: its lines (each a
//! material or scrap item with its dutiable value and taxes), the taxes it computes, what is
//! levied after the fifty-yuan rule, and the totals with deferred interest. `reports::duty`
//! assesses one; a filed one is recorded whole in the `duty_filed` event.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::model::ids::{BookNo, Currency, HsCode, ItemNo};
use crate::model::money::ZERO_CENTS;
use crate::model::period::Period;
use crate::model::trade_mode::GoodsKind;

/// A tax total under CNY 50 is not levied (海关征收管理规定: 一票货物关税、进口环节增值税或者
/// 消费税税额在人民币50元以下的, 免征). Tested per tax type per declaration (DOMAIN.md default).
pub const FIFTY_YUAN: Decimal = Decimal::from_parts(50, 0, 0, false, 0);

/// Late payment: 0.05 % of the unpaid tax a day (滞纳金 万分之五).
pub const LATE_FEE_PER_DAY: Decimal = Decimal::from_parts(5, 0, 0, false, 4);

/// The three taxes of one line, each rounded half-up to 0.01 CNY, in customs' order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taxes {
    pub duty: Decimal,
    pub consumption_tax: Decimal,
    pub vat: Decimal,
}

impl Taxes {
    pub fn zero() -> Self {
        Taxes {
            duty: ZERO_CENTS,
            consumption_tax: ZERO_CENTS,
            vat: ZERO_CENTS,
        }
    }

    pub fn sum(&self) -> Decimal {
        self.duty + self.consumption_tax + self.vat
    }

    /// The sum of the three, or `None` where it would not fit a `Decimal`.
    pub fn checked_sum(&self) -> Option<Decimal> {
        self.duty
            .checked_add(self.consumption_tax)?
            .checked_add(self.vat)
    }

    /// Adds `other` tax by tax; `None` (and `self` unchanged) where a sum would not fit.
    pub(crate) fn checked_add(&mut self, other: &Taxes) -> Option<()> {
        let duty = self.duty.checked_add(other.duty)?;
        let consumption_tax = self.consumption_tax.checked_add(other.consumption_tax)?;
        let vat = self.vat.checked_add(other.vat)?;
        *self = Taxes {
            duty,
            consumption_tax,
            vat,
        };
        Some(())
    }

    /// Each tax, or 0 where it is under CNY 50 (the fifty-yuan rule).
    pub fn levied(&self) -> Taxes {
        let levy = |t: Decimal| if t < FIFTY_YUAN { ZERO_CENTS } else { t };
        Taxes {
            duty: levy(self.duty),
            consumption_tax: levy(self.consumption_tax),
            vat: levy(self.vat),
        }
    }

    /// Keeps only the tax types that `levied` kept.
    pub(crate) fn only_where(&self, levied: &Taxes) -> Taxes {
        let keep = |t: Decimal, l: Decimal| if l.is_zero() { ZERO_CENTS } else { t };
        Taxes {
            duty: keep(self.duty, levied.duty),
            consumption_tax: keep(self.consumption_tax, levied.consumption_tax),
            vat: keep(self.vat, levied.vat),
        }
    }
}

/// One line of a domestic-sales declaration: a material (or scrap) item, its quantity, its
/// dutiable value and taxes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DutyLine {
    #[serde(rename = "ref")]
    pub ref_: String,
    #[serde(with = "crate::model::json_num")]
    pub line: u32,
    pub date: NaiveDate,
    pub goods: GoodsKind,
    /// The finished item the line converts (折料), for finished goods sold.
    pub product: Option<ItemNo>,
    pub item: ItemNo,
    pub hs: HsCode,
    pub qty: Decimal,
    /// Customs value per unit in its currency, and the currency.
    pub unit_value: Decimal,
    pub currency: Currency,
    pub value_cny: Decimal,
    pub duty: Decimal,
    pub consumption_tax: Decimal,
    pub vat: Decimal,
    pub scrap: bool,
}

impl DutyLine {
    pub(crate) fn taxes(&self) -> Taxes {
        Taxes {
            duty: self.duty,
            consumption_tax: self.consumption_tax,
            vat: self.vat,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DutyTotals {
    pub value_cny: Decimal,
    pub duty: Decimal,
    pub consumption_tax: Decimal,
    pub vat: Decimal,
    pub interest: Decimal,
    pub total: Decimal,
}

/// A domestic-sales declaration assessed as of its filing date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Declaration {
    pub account: BookNo,
    pub period: Period,
    pub due: NaiveDate,
    pub filed: NaiveDate,
    /// Deferred interest runs from here (last write-off, or first import) to `filed`.
    pub interest_from: Option<NaiveDate>,
    #[serde(with = "crate::model::json_num")]
    pub interest_days: i64,
    pub interest_pct: Decimal,
    pub lines: Vec<DutyLine>,
    /// The taxes as the lines add up, before the fifty-yuan rule.
    pub computed: Taxes,
    pub totals: DutyTotals,
}

impl Declaration {
    /// The taxes levied (after the fifty-yuan rule).
    pub fn levied(&self) -> Taxes {
        Taxes {
            duty: self.totals.duty,
            consumption_tax: self.totals.consumption_tax,
            vat: self.totals.vat,
        }
    }
}
