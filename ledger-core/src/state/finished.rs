//! What left the book as finished goods, per finished item and month.
//!
//! The book's balances are kept in materials: a finished-goods line moves the materials its
//! unit consumption names, and the line itself is not kept whole (see `lines`). The write-off
//! declaration (EMS121) also has a row per finished item, with how many were exported, carried
//! over, sold at home and returned in the cycle. Those sums are kept here, per calendar month
//! (a write-off cycle is whole months: it starts on the first of a month), and taken back when
//! a line is corrected.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::events::commands::MovementLine;
use crate::model::ids::ItemNo;
use crate::model::trade_mode::{Direction, GoodsKind, TradeMode};

/// The customs column (EMS121 `EmsChgoffDt`, `typecd` E) a finished-goods line counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FinishedColumn {
    /// Exported (0615/0214 E): `impOrExpTotalQty`.
    Exported = 1,
    /// Carried out in deep processing (0654/0255 E): `dprcsCrdwImpexpQty`.
    DeepProcessing = 2,
    /// Sold at home (0644/0245 I): `sdinQty`.
    DomesticSold = 3,
    /// Returned for exchange, back in (4600/4400 I): `endprdRetnExchImpQty`.
    ReturnedIn = 4,
    /// Exchanged, out again (4600/4400 E): `endprdRetnExchExpQty`.
    ExchangedOut = 5,
    /// Delivered otherwise (0642 products replacing imports, 0744/0345 exempt finished goods):
    /// counted with the exports in `impOrExpTotalQty` (the specification's default).
    OtherOut = 6,
}

impl FinishedColumn {
    pub const ALL: [FinishedColumn; 6] = [
        FinishedColumn::Exported,
        FinishedColumn::DeepProcessing,
        FinishedColumn::DomesticSold,
        FinishedColumn::ReturnedIn,
        FinishedColumn::ExchangedOut,
        FinishedColumn::OtherOut,
    ];

    /// The column of a line, if it is a finished-goods line that customs counts.
    pub fn of(line: &MovementLine) -> Option<FinishedColumn> {
        use TradeMode::*;
        if line.goods != GoodsKind::P {
            return None;
        }
        Some(match (line.mode, line.dir) {
            (M0615 | M0214, Direction::E) => FinishedColumn::Exported,
            (M0654 | M0255, Direction::E) => FinishedColumn::DeepProcessing,
            (M0644 | M0245, Direction::I) => FinishedColumn::DomesticSold,
            (M4600 | M4400, Direction::I) => FinishedColumn::ReturnedIn,
            (M4600 | M4400, Direction::E) => FinishedColumn::ExchangedOut,
            (M0642 | M0744 | M0345, _) => FinishedColumn::OtherOut,
            _ => return None,
        })
    }

    /// The small number a packed line keeps (1–6; 0 is "none").
    pub(crate) fn code(self) -> u8 {
        self as u8
    }

    pub(crate) fn from_code(code: u8) -> Option<FinishedColumn> {
        FinishedColumn::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// The quantities of one finished item in one month (or summed over a cycle), by column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FinishedFigures([Decimal; 6]);

impl FinishedFigures {
    pub fn get(&self, column: FinishedColumn) -> Decimal {
        self.0[usize::from(column.code() - 1)]
    }

    /// Adds `qty` (negative to take it back); `false` when the sum would not fit a `Decimal`.
    fn add(&mut self, column: FinishedColumn, qty: Decimal) -> bool {
        let slot = &mut self.0[usize::from(column.code() - 1)];
        match slot.checked_add(qty) {
            Some(sum) => {
                *slot = sum;
                true
            }
            None => false,
        }
    }

    fn plus(&mut self, other: &FinishedFigures) -> bool {
        FinishedColumn::ALL
            .into_iter()
            .all(|c| self.add(c, other.get(c)))
    }

    pub fn is_zero(&self) -> bool {
        self.0.iter().all(Decimal::is_zero)
    }
}

/// Every finished item's figures, per month (keyed by the month's first day).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FinishedMonths {
    months: BTreeMap<(ItemNo, NaiveDate), FinishedFigures>,
}

fn month_of(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

impl FinishedMonths {
    /// Counts (or, with a negative `qty`, takes back) a line of `item` on `date`.
    pub(crate) fn add(
        &mut self,
        item: ItemNo,
        date: NaiveDate,
        column: FinishedColumn,
        qty: Decimal,
    ) {
        let key = (item, month_of(date));
        let figures = self.months.entry(key).or_default();
        // Quantities are at most 14 digits (a limit checked at the border), so a month's sum
        // fits; a sum that would not is left as it was rather than wrapped.
        figures.add(column, qty);
        if figures.is_zero() {
            self.months.remove(&key);
        }
    }

    /// The sums of each finished item over the whole months from `from` to `to` (a cycle);
    /// `None` when a sum would not fit a `Decimal`.
    pub fn between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Option<BTreeMap<ItemNo, FinishedFigures>> {
        let (from, to) = (month_of(from), month_of(to));
        let mut out: BTreeMap<ItemNo, FinishedFigures> = BTreeMap::new();
        for ((item, month), figures) in &self.months {
            if *month >= from && *month <= to && !out.entry(*item).or_default().plus(figures) {
                return None;
            }
        }
        Some(out)
    }
}

impl FinishedMonths {
    pub(crate) fn write_snapshot(&self, w: &mut crate::state::snapshot::wire::Writer) {
        w.len(self.months.len());
        for ((item, month), figures) in &self.months {
            w.u32(item.0);
            w.date(*month);
            // Most of the six are zero: two bytes each.
            for d in figures.0 {
                w.dec_small(d);
            }
        }
    }

    pub(crate) fn read_snapshot(
        r: &mut crate::state::snapshot::wire::Reader<'_>,
    ) -> Result<Self, crate::state::snapshot::SnapshotError> {
        let n = r.len(4 + 4 + 6 * 2)?;
        let mut months = BTreeMap::new();
        for _ in 0..n {
            let key = (ItemNo(r.u32()?), r.date()?);
            let mut figures = [Decimal::ZERO; 6];
            for d in &mut figures {
                *d = r.dec_small()?;
            }
            months.insert(key, FinishedFigures(figures));
        }
        Ok(FinishedMonths { months })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn months_add_up_over_a_cycle_and_a_correction_takes_back() {
        let mut m = FinishedMonths::default();
        m.add(
            ItemNo(1),
            d("2025-01-31"),
            FinishedColumn::Exported,
            dec!(10),
        );
        m.add(
            ItemNo(1),
            d("2025-02-01"),
            FinishedColumn::Exported,
            dec!(2.5),
        );
        m.add(
            ItemNo(1),
            d("2025-02-03"),
            FinishedColumn::ReturnedIn,
            dec!(1),
        );
        m.add(
            ItemNo(2),
            d("2026-01-01"),
            FinishedColumn::Exported,
            dec!(7),
        );
        m.add(
            ItemNo(1),
            d("2025-01-31"),
            FinishedColumn::Exported,
            dec!(-10),
        );
        let cycle = m.between(d("2025-01-01"), d("2025-12-31")).expect("fits");
        assert_eq!(cycle.len(), 1, "item 2 is in the next cycle");
        let f = cycle[&ItemNo(1)];
        assert_eq!(f.get(FinishedColumn::Exported), dec!(2.5));
        assert_eq!(f.get(FinishedColumn::ReturnedIn), dec!(1));
        assert_eq!(f.get(FinishedColumn::DeepProcessing), dec!(0));
    }

    /// The column of each finished-goods mode and direction (MESSAGES.md §5.3, `typecd` E);
    /// materials and scrap never count here.
    #[test]
    fn the_column_of_each_mode() {
        use Direction::{E, I};
        use FinishedColumn::*;
        use GoodsKind::{M, P, S};
        use TradeMode::*;
        let cases = [
            (M0615, E, P, Some(Exported)),
            (M0214, E, P, Some(Exported)),
            (M0654, E, P, Some(DeepProcessing)),
            (M0255, E, P, Some(DeepProcessing)),
            (M0644, I, P, Some(DomesticSold)),
            (M0245, I, P, Some(DomesticSold)),
            (M4600, I, P, Some(ReturnedIn)),
            (M4400, I, P, Some(ReturnedIn)),
            (M4600, E, P, Some(ExchangedOut)),
            (M4400, E, P, Some(ExchangedOut)),
            (M0642, E, P, Some(OtherOut)),
            (M0744, E, P, Some(OtherOut)),
            (M0345, E, P, Some(OtherOut)),
            (M0615, I, M, None),
            (M0615, E, M, None),
            (M0644, I, M, None),
            (M0844, I, S, None),
            (M0654, I, P, None),
        ];
        for (mode, dir, goods, want) in cases {
            let line = MovementLine {
                ref_: "L".into(),
                line: 1,
                date: d("2026-03-01"),
                account: "E44038000001".parse().expect("book"),
                mode,
                dir,
                goods,
                qty: dec!(1),
                item: Some(ItemNo(1)),
                part: None,
                unit_price: None,
                currency: None,
                incoterm: None,
                freight: None,
                insurance: None,
                bom_version: None,
                peer_account: None,
                subcontractor: None,
                list: None,
            };
            assert_eq!(FinishedColumn::of(&line), want, "{mode} {dir} {goods}");
        }
    }

    #[test]
    fn every_column_has_its_own_code() {
        for c in FinishedColumn::ALL {
            assert_eq!(FinishedColumn::from_code(c.code()), Some(c));
        }
        assert_eq!(FinishedColumn::from_code(0), None);
        assert_eq!(FinishedColumn::from_code(7), None);
    }
}
