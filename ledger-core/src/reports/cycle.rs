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
    let cycle = match n {
        Some(n) => book.cycle(n).ok_or_else(|| {
            Refusal::bad(
                "cycle",
                format!("book {account} has no cycle {n} (cycles count from 1)"),
            )
        })?,
        None => book
            .open_cycle()
            .ok_or_else(|| Refusal::bad("cycle", "every cycle of the book is closed"))?,
    };
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
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    /// A book counted on 2026-12-31: 10 of material 1 on the shelf, 5 finished items (2 of
    /// material 1 each, version 0: 10), and 20 of material 1 at a subcontractor since June
    /// (sent 20, none back) — 40 in materials. Material 2 went to the subcontractor and came
    /// back: 0 held, nothing added.
    #[test]
    fn a_stocktake_in_materials_converts_finished_goods_and_adds_the_subcontractors() {
        use crate::decide::decide;
        use crate::events::commands::{BomInput, Command, ItemInput, MovementLine, StocktakeInput};
        use crate::model::book::{BookHeader, Level};
        use crate::model::trade_mode::BookKind;
        use rust_decimal_macros::dec;
        let mut s = Ledger::new();
        let mut run = |c: Command| {
            for x in decide(&s, &c).unwrap_or_else(|r| panic!("refused: {r}\n{c:?}")) {
                s.evolve(x.id, &x.event);
            }
        };
        let bk: crate::model::ids::BookNo = "E44038000001".parse().expect("book");
        run(Command::OpenBook(BookHeader {
            account: bk.clone(),
            company: "4403960001".parse().expect("company"),
            kind: BookKind::Purchased,
            level: Level::Item,
            capacity_usd: dec!(100000000),
            cycle_start: d("2026-01-01"),
            cycle_months: 12,
            headings: vec![],
        }));
        for (goods, n, hs) in [
            (GoodsKind::M, 1, "3907400000"),
            (GoodsKind::M, 2, "3907400000"),
            (GoodsKind::P, 1, "8471500000"),
        ] {
            run(Command::RegisterItem(ItemInput {
                account: bk.clone(),
                goods,
                item: ItemNo(n),
                hs: hs.parse().expect("hs"),
                name: format!("{goods} {n}"),
                unit: "个".parse().expect("unit"),
                spec: None,
                price: None,
                currency: None,
                parts: vec![],
                legal: Default::default(),
            }));
        }
        run(Command::DeclareUnitConsumption(BomInput {
            account: bk.clone(),
            product: ItemNo(1),
            material: ItemNo(1),
            version: 0,
            net: dec!(2),
            tangible_loss_pct: dec!(0),
            intangible_loss_pct: dec!(0),
            bonded_pct: dec!(100),
        }));
        let line = |r: &str, date: &str, what: &str, item: u32, qty| {
            let w: Vec<&str> = what.split(' ').collect();
            MovementLine {
                ref_: r.into(),
                line: 1,
                date: d(date),
                account: bk.clone(),
                mode: w[0].parse().expect("mode"),
                dir: w[1].parse().expect("dir"),
                goods: w[2].parse().expect("goods"),
                qty,
                item: Some(ItemNo(item)),
                part: None,
                unit_price: Some(dec!(1)),
                currency: Some(crate::model::ids::Currency::cny()),
                incoterm: None,
                freight: None,
                insurance: None,
                bom_version: None,
                peer_account: matches!(w[0], "0654" | "0657")
                    .then(|| "E44038000009".parse().expect("peer")),
                subcontractor: w[0].eq("OWP").then(|| "东莞外发厂".to_string()),
                list: None,
            }
        };
        for month in [2, 8] {
            run(Command::SetFxRate(crate::events::commands::FxInput {
                month: (2026, month),
                currency: crate::model::ids::Currency::usd(),
                cny_per_unit: dec!(7),
            }));
        }
        for l in [
            line("I1", "2026-02-01", "0615 I M", 1, dec!(100)),
            line("I2", "2026-02-01", "0615 I M", 2, dec!(100)),
            line("O1", "2026-06-01", "OWP E M", 1, dec!(20)),
            line("O2", "2026-06-01", "OWP E M", 2, dec!(30)),
            line("O3", "2026-07-01", "OWP I M", 2, dec!(30)),
            line("X1", "2026-08-01", "0615 E P", 1, dec!(5)),
            line("S1", "2026-08-02", "0644 I M", 1, dec!(3)),
            line("C1", "2026-08-03", "0654 I M", 2, dec!(7)),
            line("C2", "2026-08-04", "0657 E M", 2, dec!(4)),
            line("R1", "2026-08-05", "0664 E M", 2, dec!(5)),
            line("D1", "2026-08-06", "0200 E M", 2, dec!(1)),
        ] {
            run(Command::RecordMovement(l));
        }
        // Material 2 taken over with 50 on the cycle's first day: an opening within the cycle.
        run(Command::RecordOpening(
            crate::events::commands::OpeningInput {
                account: bk.clone(),
                date: d("2026-01-01"),
                item: ItemNo(2),
                qty: dec!(50),
                unit_price: Some(dec!(1)),
                currency: Some(crate::model::ids::Currency::usd()),
            },
        ));
        for (goods, item, qty) in [(GoodsKind::M, 1, dec!(10)), (GoodsKind::P, 1, dec!(5))] {
            run(Command::RecordStocktake(StocktakeInput {
                account: bk.clone(),
                date: d("2026-12-31"),
                goods,
                item: ItemNo(item),
                qty,
            }));
        }
        let book = s.book(&bk).expect("book");
        let counted = stocktake_in_materials(book, d("2026-12-31")).expect("fits");
        assert_eq!(counted.get(&ItemNo(1)).copied(), Some(dec!(40)));
        assert_eq!(
            counted.get(&ItemNo(2)).copied().unwrap_or_default(),
            dec!(0)
        );
        assert!(default_bom(book, ItemNo(1)).is_some_and(|b| b.contains_key(&ItemNo(1))));
        // The count of the cycle is the one dated in it; a half year holds none.
        assert_eq!(
            stocktake_day(book, d("2026-01-01"), d("2026-12-31")),
            Some(d("2026-12-31"))
        );
        assert_eq!(stocktake_day(book, d("2026-01-01"), d("2026-06-30")), None);
        assert_eq!(stocktake_day(book, d("2027-01-01"), d("2027-12-31")), None);
        // The cycle's identity, every column: material 1: 100 imported − 5 boards × 2
        // consumed − 3 sold = 87 (counted 40); material 2: 50 taken over + 100 imported + 7
        // carried in − 4 carried out − 5 re-exported − 1 destroyed = 147 (outward processing
        // moves nothing).
        let r = identity(&s, book, d("2026-01-01"), d("2026-12-31")).expect("identity");
        let columns = |m: &IdentityLine| {
            [
                m.opening,
                m.imported,
                m.carried_in,
                m.consumed,
                m.carried_out,
                m.domestic_sold,
                m.re_exported,
                m.destroyed,
                m.closing,
            ]
        };
        let got: Vec<(ItemNo, [Decimal; 9], Option<Decimal>)> = r
            .materials
            .iter()
            .map(|m| (m.item, columns(m), m.stocktake))
            .collect();
        #[rustfmt::skip]
        let want = [
            (ItemNo(1), [0, 100, 0, 10, 0, 3, 0, 0, 87].map(Decimal::from), Some(dec!(40))),
            (ItemNo(2), [50, 100, 7, 0, 4, 0, 5, 1, 147].map(Decimal::from), Some(dec!(0))),
        ];
        assert_eq!(got, want);
        // Both short of the count, beyond the book's tolerance.
        let flags: Vec<(Option<Decimal>, Option<&str>)> = r
            .materials
            .iter()
            .map(|m| (m.difference, m.flag.as_deref()))
            .collect();
        assert_eq!(
            flags,
            [
                (Some(dec!(-47)), Some("shortage")),
                (Some(dec!(-147)), Some("shortage"))
            ]
        );
    }

    /// Every EMS221 result customs sends, in the words the report says it with.
    #[test]
    fn writeoff_results_in_words() {
        let cases = [
            (Some("Y"), "received by customs"),
            (Some("Z"), "refused at intake"),
            (Some("B"), "passed to an officer"),
            (Some("A"), "passed to an officer"),
            (Some("5"), "accounting passed"),
            (Some("6"), "accounting returned"),
            (Some("7"), "differences confirmed"),
            (
                Some("2"),
                "write-off approved: close the cycle (bonded cycle close)",
            ),
            (Some("3"), "write-off returned: the cycle stays open"),
            (Some("9"), "a result this version does not know"),
            (None, "a result this version does not know"),
        ];
        for (code, words) in cases {
            assert_eq!(writeoff_meaning(code), words, "{code:?}");
        }
    }

    #[test]
    fn spans_of_months() {
        let cases = [
            ("2025-01-01", 12, "2025-12-31"),
            ("2024-03-01", 24, "2026-02-28"),
            ("2025-01-31", 1, "2025-02-27"),
            ("2024-02-29", 12, "2025-02-27"),
        ];
        for (start, months, end) in cases {
            assert_eq!(span_end(d(start), months), d(end), "{start} + {months}");
        }
    }

    /// 30 days after each 12 months inside a cycle longer than a year; none for a year or less.
    #[test]
    fn annual_marks_table() {
        let c = |start: &str, months: u32| Cycle {
            number: 1,
            start: d(start),
            end: span_end(d(start), months),
        };
        assert_eq!(
            annual_marks(&c("2024-01-01", 24)),
            vec![(2024, d("2024-12-31"), d("2025-01-30"))]
        );
        assert_eq!(
            annual_marks(&c("2024-03-01", 36)),
            vec![
                (2025, d("2025-02-28"), d("2025-03-30")),
                (2026, d("2026-02-28"), d("2026-03-30"))
            ]
        );
        assert!(annual_marks(&c("2025-01-01", 12)).is_empty());
        assert_eq!(
            annual_marks(&c("2025-01-01", 18)),
            vec![(2025, d("2025-12-31"), d("2026-01-30"))]
        );
    }

    #[test]
    fn a_closed_cycle_keeps_its_days_and_the_next_follows_it() {
        use crate::events::commands::Command;
        use crate::model::book::{BookHeader, Level};
        use crate::model::trade_mode::BookKind;
        let mut state = Ledger::new();
        let header = BookHeader {
            account: "E44038000001".parse().expect("book"),
            company: "4403960001".parse().expect("company"),
            kind: BookKind::Purchased,
            level: Level::Item,
            capacity_usd: Decimal::ONE_HUNDRED,
            cycle_start: d("2025-01-01"),
            cycle_months: 12,
            headings: vec![],
        };
        for e in crate::decide(&state, &Command::OpenBook(header.clone())).expect("open") {
            state.evolve(e.id, &e.event);
        }
        let account = header.account.clone();
        // The book shortens its cycles to 6 months after the first was closed at 12.
        let closed = crate::events::Event::CycleClosed(crate::events::CycleClosed {
            account: account.clone(),
            cycle: 1,
            start: d("2025-01-01"),
            end: d("2025-12-31"),
            date: d("2026-01-20"),
            closing: vec![],
        });
        state.evolve(uuid::Uuid::nil(), &closed);
        let change = Command::ChangeSettings {
            account: account.clone(),
            changes: vec![crate::model::book::Setting::CycleMonths(6)],
        };
        for e in crate::decide(&state, &change).expect("settings") {
            state.evolve(e.id, &e.event);
        }
        let book = state.book(&account).expect("book");
        let c1 = book.cycle(1).expect("cycle 1");
        let c2 = book.cycle(2).expect("cycle 2");
        assert_eq!((c1.start, c1.end), (d("2025-01-01"), d("2025-12-31")));
        assert_eq!((c2.start, c2.end), (d("2026-01-01"), d("2026-06-30")));
        assert_eq!(book.open_cycle().map(|c| c.number), Some(2));
        assert_eq!(book.cycle_containing(d("2026-07-01")).number, 3);
        assert_eq!(book.written_off_until(), Some(d("2025-12-31")));
        assert_eq!(book.last_writeoff, Some(d("2026-01-20")));
        // Every day of twelve years lands in the cycle `cycle(n)` describes: the one walk
        // agrees with building each cycle from the start.
        let mut day = d("2024-06-01");
        while day <= d("2036-06-01") {
            let got = book.cycle_containing(day);
            if day >= d("2025-01-01") {
                let want = (1..=MAX_CYCLES)
                    .filter_map(|n| book.cycle(n))
                    .find(|c| day <= c.end)
                    .expect("a cycle");
                assert_eq!(got, want, "{day}");
                assert!(got.start <= day && day <= got.end, "{day}");
            } else {
                assert!(got.number <= 0, "{day} is before the first cycle");
            }
            day = day.succ_opt().expect("day");
        }
    }
}
