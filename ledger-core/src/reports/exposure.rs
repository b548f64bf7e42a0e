//! Exposure under Customs Order 182 (DOMAIN.md §6, seed `004`): where the declared gross unit
//! consumption is higher than the actual one, the excess bonded material is the contravening
//! goods, `finished qty × (declared gross − actual gross)`, and its value for penalty purposes
//! is dutiable value + duty + import taxes.
//!
//! Actual consumption comes from work orders: for a (product, material), the material issued
//! by every order that issued it, divided by what those orders produced. The excess is kept
//! exact: `produced × (declared − issued / produced)` is `produced × declared − issued`, so no
//! division (and no rounding) stands between the work orders and the figure. Only the actual
//! gross shown to people is rounded, half-up to 9 decimals like the declared one.
//!
//! The excess is valued like a domestic sale of the material declared on the valuation date
//! (the duty engine: weighted-average import price, the tariff and exchange rates of that day).
//! A line that cannot be valued keeps its quantity and says why; the report never fails for it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::model::ids::{BookNo, ItemNo};
use crate::model::money::{round_cents, round_half_up, ZERO_CENTS};
use crate::model::refusal::Refusal;
use crate::model::trade_mode::{BookKind, GoodsKind};
use crate::model::unit_consumption::UnitConsumption;
use crate::reports::duty::{average_import_price, rates_on, taxes_on, Taxes};
use crate::state::ledger::{Book, Ledger};

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// Decimal places of a gross unit consumption as 金关二期 writes it.
pub const GROSS_DP: u32 = 9;

/// Risk grade of a line (DOMAIN.md §7: low / medium / high).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    Low,
    Medium,
    High,
}

impl Risk {
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
        }
    }
}

/// The grade of a relative excess of `excess_pct` % against the book's thresholds: below
/// `medium_pct` low, below `high_pct` medium, else high. No excess is always low.
pub fn grade(excess_pct: Decimal, medium_pct: Decimal, high_pct: Decimal) -> Risk {
    if excess_pct <= Decimal::ZERO {
        Risk::Low
    } else if excess_pct >= high_pct {
        Risk::High
    } else if excess_pct >= medium_pct {
        Risk::Medium
    } else {
        Risk::Low
    }
}

/// What the work orders say about one material of one product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actual {
    /// Σ the produced quantity of the orders that issued the material.
    pub produced: Decimal,
    /// Σ issued.
    pub issued: Decimal,
}

/// The Order 182 figures of one (product, material), exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Excess {
    /// issued ÷ produced, unrounded (to `Decimal`'s 28 significant digits).
    pub actual_gross: Decimal,
    /// produced × (declared − actual) where positive, else 0; exact.
    pub excess_qty: Decimal,
    /// (declared − actual) / declared × 100; negative when more was used than declared.
    pub excess_pct: Decimal,
}

/// Order 182 arithmetic for one line. `produced` is above 0 (work orders refuse less).
/// `None` where the figures would not fit a `Decimal`.
pub fn excess(declared_gross: Decimal, actual: Actual) -> Option<Excess> {
    let declared_total = actual.produced.checked_mul(declared_gross)?;
    // produced × (declared − issued/produced) = produced × declared − issued: exact.
    let over = declared_total.checked_sub(actual.issued)?;
    let actual_gross = if actual.produced.is_zero() {
        Decimal::ZERO
    } else {
        actual.issued / actual.produced
    };
    let excess_pct = if declared_total.is_zero() {
        Decimal::ZERO
    } else {
        over.checked_div(declared_total)?.checked_mul(HUNDRED)?
    };
    Some(Excess {
        actual_gross,
        excess_qty: over.max(Decimal::ZERO),
        excess_pct,
    })
}

/// The value of the contravening goods (Order 182): dutiable value + duty + import taxes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Valuation {
    /// The material's customs value per unit in CNY (weighted-average CIF × that day's rate).
    pub unit_value_cny: Decimal,
    /// qty × unit value, half-up to 0.01 CNY.
    pub dutiable_value_cny: Decimal,
    pub duty: Decimal,
    pub consumption_tax: Decimal,
    pub vat: Decimal,
    /// dutiable value + duty + consumption tax + VAT.
    pub value_cny: Decimal,
}

/// Values `qty` of a material at `unit_cny` with `rates`' taxes (each half-up to 0.01 CNY).
/// `None` where the figures would not fit a `Decimal`.
pub fn valuation(
    qty: Decimal,
    unit_cny: Decimal,
    taxes: impl Fn(Decimal) -> Option<Taxes>,
) -> Option<Valuation> {
    let dutiable = round_cents(qty.checked_mul(unit_cny)?);
    let t = taxes(dutiable)?;
    Some(Valuation {
        unit_value_cny: unit_cny,
        dutiable_value_cny: dutiable,
        duty: t.duty,
        consumption_tax: t.consumption_tax,
        vat: t.vat,
        value_cny: dutiable.checked_add(t.checked_sum()?)?,
    })
}

/// One (product, material) line of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExposureLine {
    pub product: ItemNo,
    pub material: ItemNo,
    /// How many work orders issued the material for the product.
    #[serde(serialize_with = "crate::model::json_num::serialize")]
    pub orders: u64,
    pub produced: Decimal,
    pub issued: Decimal,
    /// The BOM version whose gross consumption is compared (0, or the lowest declared).
    #[serde(serialize_with = "optional_num")]
    pub bom_version: Option<u32>,
    /// The BOM's gross consumption; `None` where the product's BOM has no such material.
    pub declared_gross: Option<Decimal>,
    /// issued ÷ produced, half-up to 9 decimals for display (the excess uses it unrounded).
    pub actual_gross: Decimal,
    /// (declared − actual) / declared × 100, half-up to 2 decimals; `None` without a BOM.
    pub excess_pct: Option<Decimal>,
    /// produced × (declared − actual) where positive, else 0; exact.
    pub excess_qty: Decimal,
    pub unit: String,
    /// The valuation where it could be made.
    pub valuation: Option<Valuation>,
    /// dutiable value + duty + taxes (0.00 without an excess); `None` where the excess could
    /// not be valued.
    pub value_cny: Option<Decimal>,
    pub risk: Risk,
    /// Why a figure is missing, or what to know about it.
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExposureTotals {
    /// Σ value_cny of the lines that could be valued.
    pub value_cny: Decimal,
    /// Lines with an excess that could not be valued (their value is not in the total).
    #[serde(serialize_with = "crate::model::json_num::serialize")]
    pub unvalued_lines: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExposureReport {
    pub account: BookNo,
    /// The day the excess is valued on (rates, fx, average price); `None` with no work orders.
    pub date: Option<NaiveDate>,
    /// The book's grading thresholds, in percent.
    pub risk_medium_pct: Decimal,
    pub risk_high_pct: Decimal,
    pub lines: Vec<ExposureLine>,
    pub totals: ExposureTotals,
}

/// A whole number as a decimal string, or null (the contract's numbers are strings).
fn optional_num<S: serde::Serializer>(v: &Option<u32>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(n) => s.collect_str(n),
        None => s.serialize_none(),
    }
}

/// The BOM version a product's exposure is measured against: 0, or the lowest declared.
fn bom_of(book: &Book, product: ItemNo) -> Option<(u32, &BTreeMap<ItemNo, UnitConsumption>)> {
    if let Some(bom) = book.boms.get(&(product, 0)) {
        return Some((0, bom));
    }
    book.boms
        .range((product, 0)..=(product, u32::MAX))
        .next()
        .map(|((_, v), bom)| (*v, bom))
}

/// Σ produced and Σ issued per (product, material), over every work order of the book.
pub fn actuals(book: &Book) -> BTreeMap<(ItemNo, ItemNo), (u64, Actual)> {
    let mut out: BTreeMap<(ItemNo, ItemNo), (u64, Actual)> = BTreeMap::new();
    // One row per (order, material); each row repeats its order's product and produced
    // quantity, so each row adds its order's output exactly once to its material's line.
    // A row that issued 0 still counts: the order says none was used.
    for wo in book.work_orders.values() {
        let entry = out.entry((wo.product, wo.material)).or_insert((
            0,
            Actual {
                produced: Decimal::ZERO,
                issued: Decimal::ZERO,
            },
        ));
        entry.0 += 1;
        entry.1.produced += wo.produced;
        entry.1.issued += wo.issued;
    }
    out
}

/// The Order 182 exposure of a book, the excess valued as of `date` (default: the latest
/// work-order date).
pub fn exposure(
    state: &Ledger,
    account: &BookNo,
    date: Option<NaiveDate>,
) -> Result<ExposureReport, Refusal> {
    let book = state
        .book(account)
        .ok_or_else(|| Refusal::UnknownBook(account.clone()))?;
    let date = date.or_else(|| book.work_orders.values().map(|w| w.date).max());
    let medium = book.settings.risk_medium_pct;
    let high = book.settings.risk_high_pct;
    let mut lines = Vec::new();
    for ((product, material), (orders, actual)) in actuals(book) {
        let bom = bom_of(book, product);
        let uc = bom.and_then(|(_, b)| b.get(&material));
        let mut notes: Vec<String> = Vec::new();
        let unit = book.unit_of(GoodsKind::M, material);
        let Some(uc) = uc else {
            notes.push(match bom {
                Some((v, _)) => format!(
                    "BOM version {v} of finished item {product} declares no material {material}: nothing to compare"
                ),
                None => format!(
                    "no unit consumption declared for finished item {product}: nothing to compare"
                ),
            });
            lines.push(ExposureLine {
                product,
                material,
                orders,
                produced: actual.produced,
                issued: actual.issued,
                bom_version: bom.map(|(v, _)| v),
                declared_gross: None,
                actual_gross: shown_gross(actual),
                excess_pct: None,
                excess_qty: Decimal::ZERO,
                unit,
                valuation: None,
                value_cny: None,
                risk: Risk::Low,
                note: Some(notes.join("; ")),
            });
            continue;
        };
        let Some(x) = excess(uc.gross, actual) else {
            return Err(Refusal::bad(
                "produced",
                format!(
                    "the work orders of finished item {product} (material {material}) add up to \
                     figures too large to compute: {} produced, {} issued",
                    actual.produced.normalize(),
                    actual.issued.normalize()
                ),
            ));
        };
        if uc.bonded_pct != HUNDRED {
            notes.push(format!(
                "the BOM's bonded share is {}%: the issues are compared with the whole gross consumption",
                uc.bonded_pct.normalize()
            ));
        }
        let valued = if x.excess_qty.is_zero() {
            None
        } else {
            match value_excess(state, book, material, x.excess_qty, date) {
                Ok(v) => Some(v),
                Err(why) => {
                    notes.push(format!("not valued: {why}"));
                    None
                }
            }
        };
        lines.push(ExposureLine {
            product,
            material,
            orders,
            produced: actual.produced,
            issued: actual.issued,
            bom_version: bom.map(|(v, _)| v),
            declared_gross: Some(uc.gross),
            actual_gross: shown_gross(actual),
            excess_pct: Some(round_half_up(x.excess_pct, 2)),
            excess_qty: x.excess_qty.normalize(),
            unit,
            // No excess, nothing contravening: its value is nil, not unknown.
            value_cny: match &valued {
                Some(v) => Some(v.value_cny),
                None if x.excess_qty.is_zero() => Some(ZERO_CENTS),
                None => None,
            },
            valuation: valued,
            risk: grade(x.excess_pct, medium, high),
            note: (!notes.is_empty()).then(|| notes.join("; ")),
        });
    }
    let value_cny = lines
        .iter()
        .filter_map(|l| l.value_cny)
        .try_fold(ZERO_CENTS, |a, b| a.checked_add(b))
        .ok_or_else(|| {
            Refusal::bad(
                "issued",
                format!(
                    "the exposure of book {account} adds up to more than the ledger can compute"
                ),
            )
        })?;
    let unvalued_lines = lines
        .iter()
        .filter(|l| !l.excess_qty.is_zero() && l.value_cny.is_none())
        .count() as u64;
    Ok(ExposureReport {
        account: account.clone(),
        date,
        risk_medium_pct: medium,
        risk_high_pct: high,
        lines,
        totals: ExposureTotals {
            value_cny,
            unvalued_lines,
        },
    })
}

fn shown_gross(actual: Actual) -> Decimal {
    if actual.produced.is_zero() {
        return Decimal::ZERO;
    }
    let mut g = round_half_up(actual.issued / actual.produced, GROSS_DP);
    g.rescale(GROSS_DP);
    g
}

/// The excess valued like a domestic sale of the material declared on `date`.
fn value_excess(
    state: &Ledger,
    book: &Book,
    material: ItemNo,
    qty: Decimal,
    date: Option<NaiveDate>,
) -> Result<Valuation, String> {
    let date = date.ok_or("no valuation date")?;
    if book.header.kind == BookKind::Supplied {
        return Err(
            "a supplied-materials (来料) book is valued at the price of identical goods, which the ledger does not hold"
                .to_string(),
        );
    }
    let registered = book
        .item(GoodsKind::M, material)
        .ok_or_else(|| format!("material {material} is not registered"))?;
    let (unit_cny, _, _) =
        average_import_price(state, book, material, date, date).map_err(|r| r.to_string())?;
    let rates = rates_on(state, &registered.hs, date).map_err(|r| r.to_string())?;
    valuation(qty, unit_cny, |v| taxes_on(v, &rates))
        .ok_or_else(|| "the excess is too large to value".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::ledger::TariffRates;
    use rust_decimal_macros::dec;

    fn actual(produced: Decimal, issued: Decimal) -> Actual {
        Actual { produced, issued }
    }

    /// Hand-computed Order 182 figures: (declared gross, produced, issued) →
    /// (actual gross unrounded, excess qty, relative excess %).
    #[test]
    fn excess_table() {
        let cases = [
            // The published case (seed 004): declared 1.087, actual 1.025, 147,200 produced.
            // issued = 147,200 × 1.025 = 150,880.
            // excess = 147,200 × 1.087 − 150,880 = 160,006.4 − 150,880 = 9,126.4
            //        = 147,200 × (1.087 − 1.025) = 147,200 × 0.062.
            // relative = 0.062 / 1.087 × 100 = 5.70377184912…%
            (
                dec!(1.087),
                dec!(147200),
                dec!(150880),
                dec!(1.025),
                dec!(9126.4),
                dec!(5.70),
            ),
            // Used exactly as declared: 100 × 2 − 200 = 0.
            (dec!(2), dec!(100), dec!(200), dec!(2), dec!(0), dec!(0.00)),
            // Used more than declared: 100 × 2 − 250 = −50 → no excess; (−50/200) × 100 = −25.
            (
                dec!(2),
                dec!(100),
                dec!(250),
                dec!(2.5),
                dec!(0),
                dec!(-25.00),
            ),
            // A 9-dp gross: 3 × 2.040816327 = 6.122448981; issued 6 → excess 0.122448981;
            // actual 6 / 3 = 2; relative 0.122448981 / 6.122448981 × 100 = 2.0000000225… → 2.00
            // (the 9-dp rounding of the declared gross leaves it just above 2: medium).
            (
                dec!(2.040816327),
                dec!(3),
                dec!(6),
                dec!(2),
                dec!(0.122448981),
                dec!(2.00),
            ),
            // Issued 0: all the declared consumption is excess, 10 × 0.5 = 5; 100 %.
            (
                dec!(0.5),
                dec!(10),
                dec!(0),
                dec!(0),
                dec!(5.0),
                dec!(100.00),
            ),
        ];
        for (declared, produced, issued, want_actual, want_qty, want_pct) in cases {
            let x = excess(declared, actual(produced, issued)).expect("fits");
            assert_eq!(x.actual_gross, want_actual, "actual, declared {declared}");
            assert_eq!(x.excess_qty, want_qty, "excess, declared {declared}");
            assert_eq!(
                round_half_up(x.excess_pct, 2),
                want_pct,
                "pct, declared {declared}"
            );
        }
    }

    /// The excess stays exact where issued ÷ produced does not terminate: 1 issued over 3
    /// produced against a declared 0.4: 3 × 0.4 − 1 = 0.2 exactly (not 0.2000…01).
    #[test]
    fn excess_is_exact_when_actual_is_a_repeating_fraction() {
        let x = excess(dec!(0.4), actual(dec!(3), dec!(1))).expect("fits");
        assert_eq!(x.excess_qty, dec!(0.2));
        let shown = shown_gross(actual(dec!(3), dec!(1)));
        // 1 / 3 = 0.333333333333… → 0.333333333 (half-up, 9 dp); 2/3 → …667.
        assert_eq!(shown.to_string(), "0.333333333");
        assert_eq!(
            shown_gross(actual(dec!(3), dec!(2))).to_string(),
            "0.666666667"
        );
    }

    /// Grading with the defaults (2 %, 5 %): each threshold belongs to the grade above it.
    #[test]
    fn grading_at_the_thresholds() {
        let (m, h) = (dec!(2), dec!(5));
        let cases = [
            (dec!(-10), Risk::Low),
            (dec!(0), Risk::Low),
            (dec!(1.999999), Risk::Low),
            (dec!(2), Risk::Medium),
            (dec!(4.999999), Risk::Medium),
            (dec!(5), Risk::High),
            (dec!(5.7037718491), Risk::High),
            (dec!(100), Risk::High),
        ];
        for (pct, want) in cases {
            assert_eq!(grade(pct, m, h), want, "{pct}%");
        }
        // Other thresholds: 1 % and 3 %.
        assert_eq!(grade(dec!(0.99), dec!(1), dec!(3)), Risk::Low);
        assert_eq!(grade(dec!(1), dec!(1), dec!(3)), Risk::Medium);
        assert_eq!(grade(dec!(3), dec!(1), dec!(3)), Risk::High);
        // The 9-dp case of `excess_table`: 2.0000000225…% is medium, not low.
        let x = excess(dec!(2.040816327), actual(dec!(3), dec!(6))).expect("fits");
        assert_eq!(grade(x.excess_pct, m, h), Risk::Medium);
    }

    /// Order 182's value: dutiable value + duty + taxes, each tax half-up to 0.01 CNY.
    #[test]
    fn published_case_valued() {
        // 9,126.4 kg at CNY 20.5 a kg: 187,091.20; duty 5 % = 9,354.56;
        // VAT 13 % × (187,091.20 + 9,354.56) = 13 % × 196,445.76 = 25,537.9488 → 25,537.95;
        // value = 187,091.20 + 9,354.56 + 0 + 25,537.95 = 221,983.71.
        let rates = TariffRates {
            duty_pct: dec!(5),
            vat_pct: dec!(13),
            consumption_pct: dec!(0),
        };
        let x = excess(dec!(1.087), actual(dec!(147200), dec!(150880))).expect("fits");
        let v = valuation(x.excess_qty, dec!(20.5), |d| taxes_on(d, &rates)).expect("fits");
        assert_eq!(v.dutiable_value_cny, dec!(187091.20));
        assert_eq!(v.duty, dec!(9354.56));
        assert_eq!(v.consumption_tax, dec!(0.00));
        assert_eq!(v.vat, dec!(25537.95));
        assert_eq!(v.value_cny, dec!(221983.71));
        assert_eq!(grade(x.excess_pct, dec!(2), dec!(5)), Risk::High);
    }
}
