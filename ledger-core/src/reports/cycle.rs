//! Write-off cycles (核销周期) and the self-verification report (自核): per material, the
//! balance identity of DOMAIN.md §2 over a span of days, the stocktake it is compared with, the
//! differences, what shortages cost, and the remaining-material carry-overs with their pairs.
//!
//! A cycle runs from its start for `cycle_months`; a closed cycle keeps the days it was closed
//! with, and the next starts the day after it ends (CONTRACT.md `cycle report`).

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::model::book::Cycle;
use crate::model::ids::{BookNo, Currency, ItemNo};
use crate::model::money::round_cents;
use crate::model::period::Period;
use crate::model::refusal::Refusal;
use crate::model::trade_mode::{BookKind, Direction, GoodsKind, TradeMode};
use crate::reports::duty::{
    average_import_price, declaration, rates_on, taxes_on, Declaration, DutyLine,
};
use crate::reports::writeoff::{self, RowsOf, WriteOffAdjustment, WriteOffDifference};
use crate::state::ledger::{Book, Ledger};
use crate::state::stock::Columns;

/// The most cycles a book is walked through (a century of monthly cycles).
pub const MAX_CYCLES: i64 = 1200;

/// The day `months` after `date`, less one: the last day of a span of months.
pub fn span_end(start: NaiveDate, months: u32) -> NaiveDate {
    start
        .checked_add_months(Months::new(months))
        .and_then(|d| d.pred_opt())
        .unwrap_or(start)
}

impl Book {
    /// Cycle `n` (1 = the one starting at the book's cycle start). Closed cycles keep their
    /// recorded days; open ones run `cycle_months` from the day after the previous one.
    pub fn cycle(&self, n: i64) -> Option<Cycle> {
        if !(1..=MAX_CYCLES).contains(&n) {
            return None;
        }
        let mut start = self.header.cycle_start;
        for k in 1..=n {
            let end = match self.closed.get(&k) {
                Some(c) => c.end,
                None => span_end(start, self.settings.cycle_months),
            };
            if k == n {
                return Some(Cycle {
                    number: k,
                    start,
                    end,
                });
            }
            start = end.succ_opt()?;
        }
        None
    }

    /// The cycle holding `date`; dates before the first cycle fall in cycles 0, −1, … of the
    /// book's cycle length.
    pub fn cycle_containing(&self, date: NaiveDate) -> Cycle {
        if date < self.header.cycle_start {
            return crate::model::book::cycle_of(
                self.header.cycle_start,
                self.settings.cycle_months,
                date,
            );
        }
        // One walk over the cycles (as `cycle(n)` builds each), not `cycle(1)`, `cycle(2)`, …
        // each from the start: every import asks this, a decade of cycles deep.
        let mut start = self.header.cycle_start;
        for number in 1..=MAX_CYCLES {
            let end = match self.closed.get(&number) {
                Some(c) => c.end,
                None => span_end(start, self.settings.cycle_months),
            };
            if date <= end {
                return Cycle { number, start, end };
            }
            match end.succ_opt() {
                Some(next) => start = next,
                None => break,
            }
        }
        crate::model::book::cycle_of(self.header.cycle_start, self.settings.cycle_months, date)
    }

    /// The oldest cycle not yet closed.
    pub fn open_cycle(&self) -> Option<Cycle> {
        let n = (1..=MAX_CYCLES).find(|n| !self.closed.contains_key(n))?;
        self.cycle(n)
    }

    /// The last day of the last closed cycle: nothing dated on or before it may change.
    pub fn written_off_until(&self) -> Option<NaiveDate> {
        self.closed.values().map(|c| c.end).max()
    }
}

/// One material's line of the self-verification report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentityLine {
    pub item: ItemNo,
    pub name: String,
    pub unit: String,
    pub opening: Decimal,
    pub imported: Decimal,
    pub carried_in: Decimal,
    pub consumed: Decimal,
    pub carried_out: Decimal,
    pub domestic_sold: Decimal,
    pub re_exported: Decimal,
    pub destroyed: Decimal,
    pub closing: Decimal,
    /// What the stocktake found, finished goods and goods at subcontractors converted into
    /// materials by their BOM; `None` without a stocktake.
    pub stocktake: Option<Decimal>,
    /// stocktake − closing: negative is a shortage (短少), positive a surplus (溢余).
    pub difference: Option<Decimal>,
    /// `shortage` or `surplus` where the difference is over the book's tolerance.
    pub flag: Option<String>,
    /// The same in the item's first legal unit, where it is registered with one and its factor
    /// (`lawf_unit`, `lawf_factor`): each figure × the factor, exact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal: Option<LegalFigures>,
}

/// A material's cycle in its first legal unit (法定计量单位): declared quantity × `lawf_factor`
/// (MESSAGES.md §6), kept exact; the write-off message itself is in the declared unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalFigures {
    /// The legal unit's 3-digit code (e.g. `035` kg).
    pub unit: String,
    pub factor: Decimal,
    pub opening: Decimal,
    pub closing: Decimal,
    pub stocktake: Option<Decimal>,
    pub difference: Option<Decimal>,
}

impl LegalFigures {
    /// `None` without a legal unit and factor, or when a figure would not fit a `Decimal`.
    fn of(
        legal: &crate::events::commands::LegalUnits,
        opening: Decimal,
        closing: Decimal,
        stocktake: Option<Decimal>,
        difference: Option<Decimal>,
    ) -> Option<LegalFigures> {
        let (unit, factor) = (legal.lawf_unit.clone()?, legal.lawf_factor?);
        let times = |q: Decimal| q.checked_mul(factor).map(|v| v.normalize());
        let maybe = |q: Option<Decimal>| match q {
            Some(q) => times(q).map(Some),
            None => Some(None),
        };
        Some(LegalFigures {
            unit,
            factor: factor.normalize(),
            opening: times(opening)?,
            closing: times(closing)?,
            stocktake: maybe(stocktake)?,
            difference: maybe(difference)?,
        })
    }
}

/// A remaining-material carry-over line (0657/0258) and whether the other book shows its pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarryOverLine {
    #[serde(rename = "ref")]
    pub ref_: String,
    #[serde(with = "crate::model::json_num")]
    pub line: u32,
    pub date: NaiveDate,
    pub dir: Direction,
    pub item: ItemNo,
    pub qty: Decimal,
    pub peer_account: Option<BookNo>,
    /// `matched`, `unmatched` (the peer book shows no line of the same day and quantity), or
    /// `peer_not_in_store`.
    pub pairing: String,
}

/// The identity over a span of days, with the stocktake and carry-overs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentityReport {
    pub account: BookNo,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub stocktake_date: Option<NaiveDate>,
    pub tolerance: Decimal,
    pub materials: Vec<IdentityLine>,
    pub carry_overs: Vec<CarryOverLine>,
}

/// The self-verification report of a cycle (CONTRACT.md `cycle report`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CycleReport {
    pub account: BookNo,
    #[serde(with = "crate::model::json_num")]
    pub cycle: i64,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub report_due: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub stocktake_date: Option<NaiveDate>,
    pub tolerance: Decimal,
    pub materials: Vec<IdentityLine>,
    pub carry_overs: Vec<CarryOverLine>,
    /// The supplementary declaration (补充申报) the shortages call for: each shortage as a
    /// domestic sale, with its duty, taxes and deferred interest.
    pub shortages: Option<Declaration>,
    /// Why the shortages could not be valued, if they could not.
    pub note: Option<String>,
    /// What customs answered the write-off declaration (EMS221), when it did: the result code
    /// (`2` approved, `3` returned, `Y` received, …) and the day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customs_result: Option<CustomsWriteOff>,
}

/// Customs' answer to a cycle's write-off declaration (EMS221).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomsWriteOff {
    /// EMS221 `manageResult`: `Y` received, `Z` refused at intake, `B`/`A` passed to an
    /// officer, `5`/`6` accounting passed/returned, `7` differences confirmed, `2` approved,
    /// `3` returned.
    pub result: Option<String>,
    pub date: Option<NaiveDate>,
    /// In words.
    pub meaning: String,
    /// How many item rows customs' answer carried (its per-item figures, `EmsChgoffDt`).
    #[serde(default)]
    pub rows: usize,
    /// Where customs' figures and the book's differ (empty: they agree, or customs sent none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<WriteOffDifference>,
    /// Customs' own adjustments (核增 / 核减) of items.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adjustments: Vec<WriteOffAdjustment>,
}

fn writeoff_meaning(code: Option<&str>) -> &'static str {
    match code {
        Some("Y") => "received by customs",
        Some("Z") => "refused at intake",
        Some("B") | Some("A") => "passed to an officer",
        Some("5") => "accounting passed",
        Some("6") => "accounting returned",
        Some("7") => "differences confirmed",
        Some("2") => "write-off approved: close the cycle (bonded cycle close)",
        Some("3") => "write-off returned: the cycle stays open",
        _ => "a result this version does not know",
    }
}

/// The stocktake counted on `date`, in materials: material lines as counted; finished lines
/// converted by their BOM (version 0, or the lowest declared); goods at subcontractors that day
/// added, converted the same way.
/// `None` where the figures would not fit a `Decimal`.
pub fn stocktake_in_materials(book: &Book, date: NaiveDate) -> Option<BTreeMap<ItemNo, Decimal>> {
    let mut out: BTreeMap<ItemNo, Decimal> = BTreeMap::new();
    fn put(out: &mut BTreeMap<ItemNo, Decimal>, item: ItemNo, qty: Decimal) -> Option<()> {
        let e = out.entry(item).or_default();
        *e = e.checked_add(qty)?;
        Some(())
    }
    let add = |goods: GoodsKind,
               item: ItemNo,
               qty: Decimal,
               out: &mut BTreeMap<ItemNo, Decimal>|
     -> Option<()> {
        match goods {
            GoodsKind::M => put(out, item, qty)?,
            GoodsKind::P => {
                if let Some(bom) = default_bom(book, item) {
                    for (material, uc) in bom {
                        put(out, *material, uc.checked_bonded_consumption(qty)?)?;
                    }
                }
            }
            GoodsKind::S => {}
        }
        Some(())
    };
    for ((d, goods, item), qty) in &book.stocktakes {
        if *d == date {
            add(*goods, *item, *qty, &mut out)?;
        }
    }
    for ((_, goods, item), stock) in &book.subcontractors {
        let held = stock.at(date);
        if held > Decimal::ZERO {
            add(*goods, *item, held, &mut out)?;
        }
    }
    Some(out)
}

/// The BOM a finished item is converted by when no version is named: version 0, or the lowest.
pub fn default_bom(
    book: &Book,
    product: ItemNo,
) -> Option<&BTreeMap<ItemNo, crate::model::unit_consumption::UnitConsumption>> {
    book.boms
        .range((product, 0)..=(product, u32::MAX))
        .next()
        .map(|(_, bom)| bom)
}

/// The latest stocktake day within `from..=to`.
pub fn stocktake_day(book: &Book, from: NaiveDate, to: NaiveDate) -> Option<NaiveDate> {
    book.stocktakes
        .keys()
        .map(|(d, _, _)| *d)
        .filter(|d| from <= *d && *d <= to)
        .max()
}

/// The balance identity of every material over `from..=to`.
pub fn identity(
    state: &Ledger,
    book: &Book,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<IdentityReport, Refusal> {
    let day_before = from.pred_opt().unwrap_or(from);
    let stock_day = stocktake_day(book, from, to);
    let counted = match stock_day {
        Some(d) => Some(stocktake_in_materials(book, d).ok_or_else(|| {
            Refusal::bad(
                "qty",
                format!(
                    "the stocktake of {d} of book {}, converted into materials, is too large to \
                     compute; check its quantities",
                    book.header.account
                ),
            )
        })?),
        None => None,
    };
    let tolerance = book.settings.difference_tolerance;
    let mut materials = Vec::new();
    for ((goods, item), reg) in &book.items {
        if *goods != GoodsKind::M {
            continue;
        }
        let stock = book.materials.get(item);
        let before = stock
            .map(|m| m.columns_as_of(day_before).balance())
            .unwrap_or_default();
        let c: Columns = stock
            .map(|m| m.columns_between(from, to))
            .unwrap_or_default();
        let opening = before + c.opening;
        let closing = opening + c.imported + c.carried_in
            - c.consumed
            - c.carried_out
            - c.domestic_sold
            - c.re_exported
            - c.destroyed;
        let stocktake = counted
            .as_ref()
            .map(|m| m.get(item).copied().unwrap_or_default());
        let difference = stocktake.map(|s| s - closing);
        let flag = difference.and_then(|d| {
            if d.abs() <= tolerance {
                None
            } else if d < Decimal::ZERO {
                Some("shortage".to_string())
            } else {
                Some("surplus".to_string())
            }
        });
        materials.push(IdentityLine {
            item: *item,
            name: reg.name.clone(),
            unit: reg.unit.to_string(),
            opening: opening.normalize(),
            imported: c.imported.normalize(),
            carried_in: c.carried_in.normalize(),
            consumed: c.consumed.normalize(),
            carried_out: c.carried_out.normalize(),
            domestic_sold: c.domestic_sold.normalize(),
            re_exported: c.re_exported.normalize(),
            destroyed: c.destroyed.normalize(),
            closing: closing.normalize(),
            stocktake: stocktake.map(|s| s.normalize()),
            difference: difference.map(|d| d.normalize()),
            flag,
            legal: LegalFigures::of(&reg.legal, opening, closing, stocktake, difference),
        });
    }
    Ok(IdentityReport {
        account: book.header.account.clone(),
        from,
        to,
        stocktake_date: stock_day,
        tolerance,
        materials,
        carry_overs: carry_overs(state, book, from, to),
    })
}

/// The 0657/0258 lines of `from..=to`, each paired with a line of the peer book that names this
/// book, falls on the same day, goes the other way and carries the same quantity.
pub fn carry_overs(
    state: &Ledger,
    book: &Book,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<CarryOverLine> {
    let is_rm = |m: TradeMode| matches!(m, TradeMode::M0657 | TradeMode::M0258);
    let mut lines: Vec<CarryOverLine> = book
        .lines
        .whole_lines()
        .filter(|r| is_rm(r.line.mode) && from <= r.line.date && r.line.date <= to)
        .map(|r| {
            let pairing = match r.line.peer_account.as_ref().and_then(|p| state.book(p)) {
                None => "peer_not_in_store",
                Some(peer) => {
                    let found = peer.lines.whole_lines().any(|p| {
                        is_rm(p.line.mode)
                            && p.line.dir != r.line.dir
                            && p.line.date == r.line.date
                            && p.line.qty == r.line.qty
                            && p.line.peer_account.as_ref() == Some(&book.header.account)
                    });
                    if found {
                        "matched"
                    } else {
                        "unmatched"
                    }
                }
            };
            CarryOverLine {
                ref_: r.line.ref_.clone(),
                line: r.line.line,
                date: r.line.date,
                dir: r.line.dir,
                item: r.item,
                qty: r.line.qty.normalize(),
                peer_account: r.line.peer_account.clone(),
                pairing: pairing.to_string(),
            }
        })
        .collect();
    lines.sort_by(|a, b| (a.date, &a.ref_, a.line).cmp(&(b.date, &b.ref_, b.line)));
    lines
}

/// The day whose stock the cycle report of cycle `n` (None: the open one) starts from — the
/// eve of the cycle — when the book and the cycle exist. From it on the report reads the
/// materials' columns (`Ledger::stock_history_needed`).
pub fn reads_stock_from(state: &Ledger, account: &BookNo, n: Option<i64>) -> Option<NaiveDate> {
    let book = state.book(account)?;
    chosen(book, account, n).ok()?.start.pred_opt()
}

/// Cycle `n` of the book, or its open cycle.
fn chosen(book: &Book, account: &BookNo, n: Option<i64>) -> Result<Cycle, Refusal> {
    Ok(match n {
        Some(n) => book.cycle(n).ok_or_else(|| {
            Refusal::bad(
                "cycle",
                format!("book {account} has no cycle {n} (cycles count from 1)"),
            )
        })?,
        None => book
            .open_cycle()
            .ok_or_else(|| Refusal::bad("cycle", "every cycle of the book is closed"))?,
    })
}

/// The self-verification report of cycle `n` (default: the oldest not closed). Shortages are
/// valued as domestic sales declared on `assess_on` (default: the report's due date).
pub fn cycle_report(
    state: &Ledger,
    account: &BookNo,
    n: Option<i64>,
    assess_on: Option<NaiveDate>,
) -> Result<CycleReport, Refusal> {
    let book = state
        .book(account)
        .ok_or_else(|| Refusal::UnknownBook(account.clone()))?;
    let cycle = chosen(book, account, n)?;
    let report_due = cycle.end + chrono::Days::new(u64::from(book.settings.report_days));
    let identity = identity(state, book, cycle.start, cycle.end)?;
    let on = assess_on.unwrap_or(report_due);
    let (shortages, note) = match shortage_declaration(state, book, &identity, cycle.end, on) {
        Ok(d) => (d, None),
        Err(r) => (
            None,
            Some(format!("the shortages could not be valued: {r}")),
        ),
    };
    let customs_result = customs_answer(book, account, &cycle, &identity);
    Ok(CycleReport {
        account: account.clone(),
        cycle: cycle.number,
        start: cycle.start,
        end: cycle.end,
        report_due,
        closed_on: book.closed.get(&cycle.number).map(|c| c.date),
        stocktake_date: identity.stocktake_date,
        tolerance: identity.tolerance,
        materials: identity.materials,
        carry_overs: identity.carry_overs,
        shortages,
        note,
        customs_result,
    })
}

/// Customs' answer (EMS221) to the cycle's write-off declaration, its figures compared with the
/// book's rows in customs' columns.
fn customs_answer(
    book: &Book,
    account: &BookNo,
    cycle: &Cycle,
    identity: &IdentityReport,
) -> Option<CustomsWriteOff> {
    let count = u32::try_from(cycle.number).ok()?;
    let answer = book.lists.writeoffs.get(&count)?;
    let mut result = CustomsWriteOff {
        meaning: writeoff_meaning(answer.result.as_deref()).to_string(),
        result: answer.result.clone(),
        date: answer.date,
        rows: answer.rows.len(),
        differences: Vec::new(),
        adjustments: Vec::new(),
    };
    if !answer.rows.is_empty() {
        let ours = writeoff::rows(&RowsOf {
            book,
            ems_no: account.as_str(),
            count,
            start: cycle.start,
            end: cycle.end,
            stocktake_date: identity.stocktake_date,
            materials: &identity.materials,
        });
        match ours {
            Some(ours) => {
                (result.differences, result.adjustments) = writeoff::compare(&ours, &answer.rows)
            }
            None => result
                .meaning
                .push_str(" (the book's figures are too large to compare)"),
        }
    }
    Some(result)
}

/// Each flagged shortage as a domestic sale dated `as_of_sale`, declared on `filed`.
fn shortage_declaration(
    state: &Ledger,
    book: &Book,
    identity: &IdentityReport,
    as_of_sale: NaiveDate,
    filed: NaiveDate,
) -> Result<Option<Declaration>, Refusal> {
    let mut lines = Vec::new();
    for (i, m) in identity.materials.iter().enumerate() {
        if m.flag.as_deref() != Some("shortage") {
            continue;
        }
        let Some(diff) = m.difference else { continue };
        let qty = -diff;
        let (unit_cny, unit_value, currency) = match book.header.kind {
            BookKind::Purchased => average_import_price(state, book, m.item, as_of_sale, filed)?,
            // 来料: valued at the item's registered price (identical goods) where there is one.
            BookKind::Supplied => {
                let reg = book.item(GoodsKind::M, m.item);
                let price = reg.and_then(|r| r.price).ok_or(Refusal::NoImportPrice {
                    account: book.header.account.clone(),
                    item: m.item,
                    date: as_of_sale,
                })?;
                let currency = reg
                    .and_then(|r| r.currency.clone())
                    .unwrap_or_else(Currency::usd);
                let month = format!(
                    "{}",
                    Period::of(filed, crate::model::book::DutyPeriod::Monthly)
                );
                let rate = state.reference.fx_rate(&month, &currency).ok_or_else(|| {
                    Refusal::NoExchangeRate {
                        currency: currency.to_string(),
                        month,
                    }
                })?;
                let unit_cny = price.checked_mul(rate).ok_or_else(|| {
                    Refusal::bad(
                        "price",
                        format!("the price {price} {currency} of material {} is too large to convert to CNY", m.item),
                    )
                })?;
                (unit_cny, price, currency)
            }
        };
        let reg = book
            .item(GoodsKind::M, m.item)
            .ok_or_else(|| Refusal::UnknownItem {
                account: book.header.account.clone(),
                goods: GoodsKind::M,
                item: m.item,
            })?;
        let too_big = || {
            Refusal::bad(
                "qty",
                format!(
                    "the shortage of material {} ({} at {unit_cny} CNY) is too large to value",
                    m.item,
                    qty.normalize()
                ),
            )
        };
        let value_cny = round_cents(qty.checked_mul(unit_cny).ok_or_else(too_big)?);
        let taxes = taxes_on(value_cny, &rates_on(state, &reg.hs, filed)?).ok_or_else(too_big)?;
        lines.push(DutyLine {
            ref_: "SHORTAGE".into(),
            line: u32::try_from(i + 1).unwrap_or(u32::MAX),
            date: as_of_sale,
            goods: GoodsKind::M,
            product: None,
            item: m.item,
            hs: reg.hs.clone(),
            qty,
            unit_value: unit_value.normalize(),
            currency,
            value_cny,
            duty: taxes.duty,
            consumption_tax: taxes.consumption_tax,
            vat: taxes.vat,
            scrap: false,
        });
    }
    if lines.is_empty() {
        return Ok(None);
    }
    let period = Period::of(as_of_sale, crate::model::book::DutyPeriod::Monthly);
    declaration(state, book, period, filed, lines).map(Some)
}

/// The identity for calendar year `year` (the annual declaration of a cycle longer than a year).
pub fn annual_report(
    state: &Ledger,
    account: &BookNo,
    year: i32,
) -> Result<IdentityReport, Refusal> {
    let book = state
        .book(account)
        .ok_or_else(|| Refusal::UnknownBook(account.clone()))?;
    let from = NaiveDate::from_ymd_opt(year, 1, 1)
        .ok_or_else(|| Refusal::bad("year", format!("{year} is not a year")))?;
    let to = NaiveDate::from_ymd_opt(year, 12, 31)
        .ok_or_else(|| Refusal::bad("year", format!("{year} is not a year")))?;
    identity(state, book, from, to)
}

/// The 12-month marks inside a cycle longer than a year: (the year the mark falls in, the mark,
/// the declaration's due date 30 days later).
pub fn annual_marks(cycle: &Cycle) -> Vec<(i32, NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    for k in 1..=(MAX_CYCLES as u32) {
        let mark = span_end(cycle.start, 12 * k);
        if mark >= cycle.end {
            break;
        }
        out.push((
            chrono::Datelike::year(&mark),
            mark,
            mark + chrono::Days::new(30),
        ));
    }
    out
}

/// Shortages over the tolerance in `report`, for the refusal to close.
pub fn open_shortages(materials: &[IdentityLine]) -> Vec<(ItemNo, Decimal)> {
    materials
        .iter()
        .filter(|m| m.flag.as_deref() == Some("shortage"))
        .filter_map(|m| m.difference.map(|d| (m.item, d)))
        .collect()
}

#[cfg(test)]
#[path = "cycle_tests.rs"]
mod tests;
