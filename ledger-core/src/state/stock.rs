//! A quantity that changes on business dates: a material's balance, a scrap stock, the goods
//! at a subcontractor. Movements are loaded late and out of order, so a change dated in the
//! past must be checked against every later day, not only today's total.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::model::trade_mode::Column;
use crate::state::snapshot::wire::{code_of, from_code, Reader, Writer};
use crate::state::snapshot::SnapshotError;

/// Net change per business date, with the running total kept for the common case of a change
/// dated on or after the last one (then "every later day" is just the total).
///
/// The changes are a vector sorted by date, one entry per date with a change, none zero: a
/// material of a busy book changes on most days of a decade, and a sorted vector keeps that
/// in 20 bytes a day where a tree map takes about 40. Changes come in date order almost
/// always, so adding one is a push; a change dated in the past is inserted in place.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DatedStock {
    changes: Vec<(NaiveDate, Decimal)>,
    total: Decimal,
}

impl DatedStock {
    pub fn add(&mut self, date: NaiveDate, delta: Decimal) {
        if delta.is_zero() {
            return;
        }
        self.total += delta;
        let n = self.changes.len();
        let at = match self.changes.last() {
            None => 0,
            Some((last, _)) if *last < date => n,
            Some((last, _)) if *last == date => n - 1,
            Some(_) => self.changes.partition_point(|(d, _)| *d < date),
        };
        match self.changes.get_mut(at) {
            Some((d, q)) if *d == date => {
                *q += delta;
                if q.is_zero() {
                    self.changes.remove(at);
                }
            }
            _ => self.changes.insert(at, (date, delta)),
        }
    }

    pub fn total(&self) -> Decimal {
        self.total
    }

    /// How many of the changes are dated on or before `date`.
    fn upto(&self, date: NaiveDate) -> usize {
        match self.changes.last() {
            Some((last, _)) if date >= *last => self.changes.len(),
            _ => self.changes.partition_point(|(d, _)| *d <= date),
        }
    }

    /// The quantity at the end of `date`.
    pub fn at(&self, date: NaiveDate) -> Decimal {
        let i = self.upto(date);
        let (before, after) = self.changes.split_at(i);
        // Sum the shorter side.
        if after.len() < before.len() {
            self.total - after.iter().map(|(_, v)| *v).sum::<Decimal>()
        } else {
            before.iter().map(|(_, v)| *v).sum()
        }
    }

    /// The least quantity held at the end of `date` or of any later day: how much may leave on
    /// `date` without any day going negative. Also returns the first day that sets the minimum.
    pub fn available_from(&self, date: NaiveDate) -> (Decimal, NaiveDate) {
        let i = self.upto(date);
        if i == self.changes.len() {
            return (self.total, date);
        }
        // The stock at the end of `date` (its own changes included), then every later day.
        let mut running = self.at(date);
        let mut min = (running, date);
        for (day, delta) in &self.changes[i..] {
            running += *delta;
            if running < min.0 {
                min = (running, *day);
            }
        }
        min
    }
}

/// The balance columns of one material (CONTRACT.md `balance`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Columns {
    pub opening: Decimal,
    pub imported: Decimal,
    pub carried_in: Decimal,
    pub consumed: Decimal,
    pub carried_out: Decimal,
    pub domestic_sold: Decimal,
    pub re_exported: Decimal,
    pub destroyed: Decimal,
}

impl Columns {
    pub fn add(&mut self, column: Column, qty: Decimal) {
        let slot = match column {
            Column::Opening => &mut self.opening,
            Column::Imported => &mut self.imported,
            Column::CarriedIn => &mut self.carried_in,
            Column::Consumed => &mut self.consumed,
            Column::CarriedOut => &mut self.carried_out,
            Column::DomesticSold => &mut self.domestic_sold,
            Column::ReExported => &mut self.re_exported,
            Column::Destroyed => &mut self.destroyed,
        };
        *slot += qty;
    }

    pub fn merge(&mut self, other: &Columns) {
        self.opening += other.opening;
        self.imported += other.imported;
        self.carried_in += other.carried_in;
        self.consumed += other.consumed;
        self.carried_out += other.carried_out;
        self.domestic_sold += other.domestic_sold;
        self.re_exported += other.re_exported;
        self.destroyed += other.destroyed;
    }

    /// The balance identity of DOMAIN.md §2.
    pub fn balance(&self) -> Decimal {
        self.opening + self.imported + self.carried_in
            - self.consumed
            - self.carried_out
            - self.domestic_sold
            - self.re_exported
            - self.destroyed
    }
}

/// Makes room for one more entry, a quarter more at a time rather than doubling: the stock
/// vectors of a busy book are most of its memory, and doubling leaves a third of it unused on
/// average. Still amortised constant time per entry.
fn grow_gently<T>(v: &mut Vec<T>) {
    if v.len() == v.capacity() {
        v.reserve_exact((v.capacity() / 4).max(8));
    }
}

/// Signed effect of `qty` in `column` on the balance.
pub fn balance_delta(column: Column, qty: Decimal) -> Decimal {
    if column.adds() {
        qty
    } else {
        -qty
    }
}

/// A material's columns per business date; its balance is their identity (DOMAIN.md §2), so
/// it is worked out from the same entries rather than kept twice.
///
/// One entry per (date, column) with a change, sorted, none zero (24 bytes each), and the
/// totals of every column: "as of" sums whichever side of the date is shorter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MaterialStock {
    changes: Vec<(NaiveDate, Column, Decimal)>,
    totals: Columns,
    /// The key of the last entry, kept beside the entries: three movements in four come
    /// after it (the log is in date order, near enough) and are appended without reading the
    /// entries at all — in a replay, reading the last of 2,000 materials' entries was a cache
    /// miss on most movements.
    last: Option<(NaiveDate, Column)>,
}

/// The stock a movement draws on: a material's balance or a plain dated stock.
#[derive(Debug, Clone, Copy)]
pub enum StockRef<'a> {
    Material(&'a MaterialStock),
    Dated(&'a DatedStock),
}

impl StockRef<'_> {
    /// The quantity at the end of `date`.
    pub fn at(&self, date: NaiveDate) -> Decimal {
        match self {
            StockRef::Material(m) => m.balance_at(date),
            StockRef::Dated(s) => s.at(date),
        }
    }

    /// See `DatedStock::available_from`.
    pub fn available_from(&self, date: NaiveDate) -> (Decimal, NaiveDate) {
        match self {
            StockRef::Material(m) => m.available_from(date),
            StockRef::Dated(s) => s.available_from(date),
        }
    }
}

impl MaterialStock {
    pub fn add(&mut self, date: NaiveDate, column: Column, qty: Decimal) {
        if qty.is_zero() {
            return;
        }
        self.totals.add(column, qty);
        let key = (date, column);
        let n = self.changes.len();
        let at = match self.last {
            None => 0,
            Some(last) if last < key => {
                grow_gently(&mut self.changes);
                self.changes.push((date, column, qty));
                self.last = Some(key);
                return;
            }
            Some((d, _)) if d == date => {
                // The last date's entries (one per column at most) are at the end: look there.
                let same_day = self.changes.iter().rev().take_while(|(d, _, _)| *d == date);
                let start = n - same_day.count();
                start + self.changes[start..].partition_point(|(_, c, _)| *c < column)
            }
            Some(_) => self.changes.partition_point(|(d, c, _)| (*d, *c) < key),
        };
        match self.changes.get_mut(at) {
            Some((d, c, q)) if (*d, *c) == key => {
                *q += qty;
                if q.is_zero() {
                    self.changes.remove(at);
                    self.last = self.changes.last().map(|(d, c, _)| (*d, *c));
                }
            }
            _ => {
                grow_gently(&mut self.changes);
                self.changes.insert(at, (date, column, qty));
                if at == n {
                    self.last = Some(key);
                }
            }
        }
    }

    /// How many entries are dated on or before `date`. The common case, a date on or after
    /// the last entry's, is read from the key kept beside the entries: checking a movement
    /// against the balance read the last entry of each material it consumes, a cache miss
    /// that was two thirds of `available_from`'s time in a load.
    fn upto(&self, date: NaiveDate) -> usize {
        match self.last {
            Some((last, _)) if date < last => self.changes.partition_point(|(d, _, _)| *d <= date),
            // On or after the last entry, or no entries at all.
            _ => self.changes.len(),
        }
    }

    /// The columns summed over every date up to and including `as_of`.
    pub fn columns_as_of(&self, as_of: NaiveDate) -> Columns {
        let i = self.upto(as_of);
        let (before, after) = self.changes.split_at(i);
        let mut sum = Columns::default();
        if after.len() < before.len() {
            sum = self.totals;
            for (_, column, qty) in after {
                sum.add(*column, -*qty);
            }
        } else {
            for (_, column, qty) in before {
                sum.add(*column, *qty);
            }
        }
        sum
    }

    /// The balance today (every change counted).
    pub fn balance_total(&self) -> Decimal {
        self.totals.balance()
    }

    /// The balance at the end of `date`.
    pub fn balance_at(&self, date: NaiveDate) -> Decimal {
        let i = self.upto(date);
        let (before, after) = self.changes.split_at(i);
        if after.len() < before.len() {
            self.totals.balance()
                - after
                    .iter()
                    .map(|(_, c, q)| balance_delta(*c, *q))
                    .sum::<Decimal>()
        } else {
            before.iter().map(|(_, c, q)| balance_delta(*c, *q)).sum()
        }
    }

    /// The least balance at the end of `date` or of any later day, and the first day that sets
    /// it (as `DatedStock::available_from`): how much may leave on `date` without any day going
    /// negative. A day's entries (one per column) count together.
    pub fn available_from(&self, date: NaiveDate) -> (Decimal, NaiveDate) {
        let i = self.upto(date);
        if i == self.changes.len() {
            return (self.totals.balance(), date);
        }
        let mut running = self.balance_at(date);
        let mut min = (running, date);
        let rest = &self.changes[i..];
        for (k, (day, column, qty)) in rest.iter().enumerate() {
            running += balance_delta(*column, *qty);
            let day_ends = rest.get(k + 1).map(|(next, _, _)| next) != Some(day);
            if day_ends && running < min.0 {
                min = (running, *day);
            }
        }
        min
    }

    /// The columns summed over the dates from `from` to `to`, inclusive.
    pub fn columns_between(&self, from: NaiveDate, to: NaiveDate) -> Columns {
        let mut sum = Columns::default();
        if from <= to {
            let start = self.changes.partition_point(|(d, _, _)| *d < from);
            let end = self.upto(to);
            for (_, column, qty) in self.changes.get(start..end).unwrap_or_default() {
                sum.add(*column, *qty);
            }
        }
        sum
    }
}

/// The columns in their snapshot codes' order.
const SNAPSHOT_COLUMNS: [Column; 8] = [
    Column::Opening,
    Column::Imported,
    Column::CarriedIn,
    Column::Consumed,
    Column::CarriedOut,
    Column::DomesticSold,
    Column::ReExported,
    Column::Destroyed,
];

impl DatedStock {
    pub(crate) fn write_snapshot(&self, w: &mut Writer) {
        w.len(self.changes.len());
        for (d, q) in &self.changes {
            w.date(*d);
            w.dec(*q);
        }
        w.dec(self.total);
    }

    pub(crate) fn read_snapshot(r: &mut Reader<'_>) -> Result<Self, SnapshotError> {
        let n = r.len(20)?;
        let mut changes = Vec::with_capacity(n);
        for _ in 0..n {
            changes.push((r.date()?, r.dec()?));
        }
        Ok(DatedStock {
            changes,
            total: r.dec()?,
        })
    }
}

impl Columns {
    fn write_snapshot(&self, w: &mut Writer) {
        for d in [
            self.opening,
            self.imported,
            self.carried_in,
            self.consumed,
            self.carried_out,
            self.domestic_sold,
            self.re_exported,
            self.destroyed,
        ] {
            w.dec(d);
        }
    }

    fn read_snapshot(r: &mut Reader<'_>) -> Result<Self, SnapshotError> {
        Ok(Columns {
            opening: r.dec()?,
            imported: r.dec()?,
            carried_in: r.dec()?,
            consumed: r.dec()?,
            carried_out: r.dec()?,
            domestic_sold: r.dec()?,
            re_exported: r.dec()?,
            destroyed: r.dec()?,
        })
    }
}

impl MaterialStock {
    pub(crate) fn write_snapshot(&self, w: &mut Writer) {
        w.len(self.changes.len());
        for (d, c, q) in &self.changes {
            w.date(*d);
            w.u8(code_of(&SNAPSHOT_COLUMNS, c));
            w.dec(*q);
        }
        self.totals.write_snapshot(w);
        match self.last {
            None => w.u8(0),
            Some((d, c)) => {
                w.u8(1);
                w.date(d);
                w.u8(code_of(&SNAPSHOT_COLUMNS, &c));
            }
        }
    }

    pub(crate) fn read_snapshot(r: &mut Reader<'_>) -> Result<Self, SnapshotError> {
        let n = r.len(21)?;
        let mut changes = Vec::with_capacity(n);
        for _ in 0..n {
            let d = r.date()?;
            let c = from_code(&SNAPSHOT_COLUMNS, r.u8()?, "a column")?;
            changes.push((d, c, r.dec()?));
        }
        let totals = Columns::read_snapshot(r)?;
        let last = match r.u8()? {
            0 => None,
            1 => {
                let d = r.date()?;
                Some((d, from_code(&SNAPSHOT_COLUMNS, r.u8()?, "a column")?))
            }
            _ => return Err(SnapshotError::Invalid("a stock's last entry mark")),
        };
        Ok(MaterialStock {
            changes,
            totals,
            last,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    /// Where two later days reach the same least stock, the first of them is the one named.
    #[test]
    fn available_names_the_first_day_of_the_least_stock() {
        let mut s = DatedStock::default();
        s.add(d("2025-01-10"), dec!(10));
        s.add(d("2025-02-10"), dec!(-5));
        s.add(d("2025-03-10"), dec!(5));
        s.add(d("2025-04-10"), dec!(-5));
        assert_eq!(
            s.available_from(d("2025-01-10")),
            (dec!(5), d("2025-02-10"))
        );
    }

    /// Changes added in and out of date order, on a day already held, cancelling: the stock at
    /// the end of each day, the least from a day on (and the first day it falls to), and the
    /// total. Days are of January 2025; the working is beside each case.
    #[test]
    fn dated_stock_table() {
        struct Case {
            adds: &'static [(u32, i64)],
            /// (day, stock at its end)
            at: &'static [(u32, i64)],
            /// (day, least from it on, the first day it is reached)
            least: &'static [(u32, i64, u32)],
            total: i64,
        }
        #[rustfmt::skip]
        let cases = [
            // In order: 10, +20 = 30, −5 = 25.
            Case { adds: &[(1, 10), (5, 20), (9, -5)],
                   at: &[(0, 0), (1, 10), (4, 10), (5, 30), (8, 30), (9, 25), (20, 25)],
                   least: &[(0, 0, 0), (1, 10, 1), (5, 25, 9), (10, 25, 10)], total: 25 },
            // Day 3 added last, two days back: 10, 17, 37, 32.
            Case { adds: &[(1, 10), (5, 20), (9, -5), (3, 7)],
                   at: &[(0, 0), (1, 10), (2, 10), (3, 17), (4, 17), (5, 37), (8, 37), (9, 32)],
                   least: &[(2, 10, 2), (3, 17, 3), (6, 32, 9)], total: 32 },
            // Day 1 added last, before every other day: 4, 14, 9.
            Case { adds: &[(2, 10), (3, -5), (1, 4)],
                   at: &[(0, 0), (1, 4), (2, 14), (3, 9)],
                   least: &[(1, 4, 1), (2, 9, 3)], total: 9 },
            // The last day again: 10 + 5 = 15 on day 1.
            Case { adds: &[(1, 10), (1, 5)],
                   at: &[(0, 0), (1, 15), (2, 15)], least: &[(0, 0, 0), (1, 15, 1)], total: 15 },
            // The last day again, cancelling: day 2 nets 0, so the stock never dips to 5.
            Case { adds: &[(1, 10), (2, -5), (2, 5)],
                   at: &[(1, 10), (2, 10), (3, 10)], least: &[(1, 10, 1)], total: 10 },
            // An earlier day again, cancelling: day 2 nets 0 (10, 10, 10, 11).
            Case { adds: &[(1, 10), (2, -5), (4, 1), (2, 5)],
                   at: &[(1, 10), (2, 10), (3, 10), (4, 11)], least: &[(1, 10, 1), (2, 10, 2)],
                   total: 11 },
            // An earlier day again, not cancelling: day 2 nets −2 (10, 8, 9).
            Case { adds: &[(1, 10), (2, -5), (4, 1), (2, 3)],
                   at: &[(1, 10), (2, 8), (3, 8), (4, 9)], least: &[(1, 8, 2), (3, 8, 3)],
                   total: 9 },
            // A change of 0 changes nothing.
            Case { adds: &[(1, 10), (2, 0), (1, 0)],
                   at: &[(1, 10), (2, 10)], least: &[(1, 10, 1)], total: 10 },
        ];
        let day = |n: u32| d("2025-01-01") + chrono::Days::new(n.into()) - chrono::Days::new(1);
        for (k, c) in cases.iter().enumerate() {
            let mut s = DatedStock::default();
            for (n, q) in c.adds {
                s.add(day(*n), Decimal::from(*q));
            }
            for (n, q) in c.at {
                assert_eq!(s.at(day(*n)), Decimal::from(*q), "case {k}: at day {n}");
            }
            for (n, q, first) in c.least {
                assert_eq!(
                    s.available_from(day(*n)),
                    (Decimal::from(*q), day(*first)),
                    "case {k}: least from day {n}"
                );
            }
            assert_eq!(s.total(), Decimal::from(c.total), "case {k}: total");
        }
    }

    /// Two columns merged add column by column (1..8 and 10..80: 11, 22, … 88).
    #[test]
    fn columns_merge_column_by_column() {
        let ones = |k: i64| Columns {
            opening: Decimal::from(k),
            imported: Decimal::from(2 * k),
            carried_in: Decimal::from(3 * k),
            consumed: Decimal::from(4 * k),
            carried_out: Decimal::from(5 * k),
            domestic_sold: Decimal::from(6 * k),
            re_exported: Decimal::from(7 * k),
            destroyed: Decimal::from(8 * k),
        };
        let mut a = ones(1);
        a.merge(&ones(10));
        assert_eq!(a, ones(11));
        // 11 + 22 + 33 − 44 − 55 − 66 − 77 − 88 = −264
        assert_eq!(a.balance(), dec!(-264));
    }

    /// A material's entries grow by a quarter of what they hold (at least 8), not double: the
    /// stock vectors are most of a busy book's memory (docs/PERFORMANCE.md).
    #[test]
    fn material_entries_grow_by_a_quarter() {
        let mut m = MaterialStock::default();
        let mut grown = 0;
        for n in 0..400u32 {
            let before = m.changes.capacity();
            let full = m.changes.len() == before;
            m.add(day(n), Column::Imported, Decimal::ONE);
            let after = m.changes.capacity();
            if full {
                assert_eq!(after, before + (before / 4).max(8), "entry {n}");
                grown += 1;
            } else {
                assert_eq!(after, before, "entry {n}: room was left");
            }
        }
        // 0 → 8 → 16 → 24 → 32 → 40 → 50 → 62 → 77 → 96 → 120 → 150 → 187 → 233 → 291 → 363
        // → 453: 16 growths for 400 entries.
        assert_eq!((grown, m.changes.capacity()), (16, 453));
    }

    /// A material's least balance from a day on: where two later days reach the same least,
    /// the first is named; a day's entries count together (a correction taking 5 off the
    /// imports before a consumption corrected by −8 on the same day is no dip of 5).
    #[test]
    fn material_least_balance_table() {
        /// (day, column, quantity) entries; the day asked; (the least, the first day of it)
        type Case = (&'static [(u32, Column, i64)], u32, (i64, u32));
        #[rustfmt::skip]
        let cases: [Case; 4] = [
            // 10, 5, 10, 5: the least, 5, first on day 2.
            (&[(1, Column::Imported, 10), (2, Column::Consumed, 5), (3, Column::Imported, 5),
               (4, Column::Consumed, 5)], 1, (5, 2)),
            // 10; day 2: −5 then +8 = 13; day 3: −2 = 11. The least from day 1 is day 1's 10.
            (&[(1, Column::Imported, 10), (2, Column::Imported, -5), (2, Column::Consumed, -8),
               (3, Column::Destroyed, 2)], 1, (10, 1)),
            // The same from day 2: 13 on day 2, 11 on day 3.
            (&[(1, Column::Imported, 10), (2, Column::Imported, -5), (2, Column::Consumed, -8),
               (3, Column::Destroyed, 2)], 2, (11, 3)),
            // After the last entry: the balance, on the day asked (10 − 3 = 7).
            (&[(1, Column::Opening, 10), (2, Column::ReExported, 3)], 5, (7, 5)),
        ];
        for (k, (adds, from, (least, first))) in cases.iter().enumerate() {
            let mut m = MaterialStock::default();
            for (n, c, q) in *adds {
                m.add(day(*n), *c, Decimal::from(*q));
            }
            assert_eq!(
                m.available_from(day(*from)),
                (Decimal::from(*least), day(*first)),
                "case {k}"
            );
        }
    }

    /// Each stock read back from its snapshot bytes is the stock written, and every byte is
    /// read: a dated stock, an empty one, a material's entries, and a material whose every
    /// entry was cancelled (no last entry: the other mark).
    #[test]
    fn stocks_read_back_from_their_snapshot() {
        use crate::state::snapshot::wire::{Reader, Writer};
        let mut dated = DatedStock::default();
        dated.add(d("2025-01-10"), dec!(100));
        dated.add(d("2025-02-10"), dec!(-30.5));
        let mut material = MaterialStock::default();
        material.add(d("2025-01-01"), Column::Opening, dec!(10));
        material.add(d("2025-01-02"), Column::Imported, dec!(100));
        material.add(d("2025-01-02"), Column::Consumed, dec!(2.5));
        material.add(d("2025-01-05"), Column::Destroyed, dec!(1));
        let mut emptied = MaterialStock::default();
        emptied.add(d("2025-01-03"), Column::Imported, dec!(5));
        emptied.add(d("2025-01-03"), Column::Imported, dec!(-5));
        assert_eq!((material.last.is_some(), emptied.last), (true, None));
        let mut w = Writer::default();
        dated.write_snapshot(&mut w);
        DatedStock::default().write_snapshot(&mut w);
        material.write_snapshot(&mut w);
        emptied.write_snapshot(&mut w);
        let bytes = w.buf;
        let mut source: &[u8] = &bytes;
        let mut r = Reader::new(&mut source, bytes.len() as u64);
        assert_eq!(DatedStock::read_snapshot(&mut r).expect("dated"), dated);
        assert_eq!(
            DatedStock::read_snapshot(&mut r).expect("empty"),
            DatedStock::default()
        );
        let back = MaterialStock::read_snapshot(&mut r).expect("material");
        assert_eq!(back, material);
        assert_eq!(back.columns_as_of(d("2025-01-02")).balance(), dec!(107.5));
        assert_eq!(
            MaterialStock::read_snapshot(&mut r).expect("emptied"),
            emptied
        );
        assert!(r.is_empty());
    }

    /// The stock a movement draws on answers as the stock it names: a material's balance (10
    /// opened, 4 consumed on the 5th) or a dated stock (7, then 2 out on the 6th).
    #[test]
    fn a_stock_ref_answers_as_its_stock() {
        let mut m = MaterialStock::default();
        m.add(d("2025-01-01"), Column::Opening, dec!(10));
        m.add(d("2025-01-05"), Column::Consumed, dec!(4));
        let mut s = DatedStock::default();
        s.add(d("2025-01-01"), dec!(7));
        s.add(d("2025-01-06"), dec!(-2));
        let (material, dated) = (StockRef::Material(&m), StockRef::Dated(&s));
        assert_eq!(material.at(d("2025-01-04")), dec!(10));
        assert_eq!(material.at(d("2025-01-05")), dec!(6));
        assert_eq!(
            material.available_from(d("2025-01-02")),
            (dec!(6), d("2025-01-05"))
        );
        assert_eq!(dated.at(d("2025-01-05")), dec!(7));
        assert_eq!(dated.at(d("2025-01-06")), dec!(5));
        assert_eq!(
            dated.available_from(d("2025-01-02")),
            (dec!(5), d("2025-01-06"))
        );
    }

    #[test]
    fn available_looks_at_every_later_day() {
        let mut s = DatedStock::default();
        s.add(d("2025-01-10"), dec!(100));
        s.add(d("2025-02-10"), dec!(-80));
        s.add(d("2025-03-10"), dec!(50));
        // On 2025-01-15 the stock is 100, but 2025-02-10 leaves only 20.
        assert_eq!(s.at(d("2025-01-15")), dec!(100));
        assert_eq!(
            s.available_from(d("2025-01-15")),
            (dec!(20), d("2025-02-10"))
        );
        // Before the first import nothing is available.
        assert_eq!(s.available_from(d("2025-01-01")).0, dec!(0));
        // After the last change: the total.
        assert_eq!(
            s.available_from(d("2025-04-01")),
            (dec!(70), d("2025-04-01"))
        );
        assert_eq!(s.at(d("2025-02-28")), dec!(20));
    }

    #[test]
    fn the_days_own_change_counts() {
        let mut s = DatedStock::default();
        s.add(d("2025-01-10"), dec!(100));
        s.add(d("2025-02-10"), dec!(-30));
        // On 2025-01-10 itself 100 arrived; 70 stays free for that day given February's 30.
        assert_eq!(
            s.available_from(d("2025-01-10")),
            (dec!(70), d("2025-02-10"))
        );
        s.add(d("2025-01-10"), dec!(-70));
        assert_eq!(
            s.available_from(d("2025-01-10")),
            (dec!(0), d("2025-02-10"))
        );
    }

    #[test]
    fn columns_keep_the_identity() {
        let mut m = MaterialStock::default();
        m.add(d("2025-01-01"), Column::Opening, dec!(10));
        m.add(d("2025-01-02"), Column::Imported, dec!(100));
        m.add(d("2025-01-03"), Column::Consumed, dec!(30.5));
        m.add(d("2025-01-04"), Column::Consumed, dec!(-0.5));
        m.add(d("2025-01-05"), Column::DomesticSold, dec!(5));
        let c = m.columns_as_of(d("2025-01-31"));
        assert_eq!(c.consumed, dec!(30.0));
        assert_eq!(c.balance(), dec!(75.0));
        assert_eq!(m.balance_total(), dec!(75.0));
        assert_eq!(m.columns_as_of(d("2025-01-02")).balance(), dec!(110));
    }

    /// The naive model: every change kept, every question answered by summing.
    fn model_at(changes: &[(u32, Column, i64)], day: u32) -> (Columns, Decimal) {
        let mut c = Columns::default();
        for (_, col, q) in changes.iter().filter(|(d, _, _)| *d <= day) {
            c.add(*col, Decimal::from(*q));
        }
        (c, c.balance())
    }

    fn day(n: u32) -> NaiveDate {
        d("2025-01-01") + chrono::Days::new(n.into())
    }

    const COLUMNS: [Column; 8] = [
        Column::Opening,
        Column::Imported,
        Column::CarriedIn,
        Column::Consumed,
        Column::CarriedOut,
        Column::DomesticSold,
        Column::ReExported,
        Column::Destroyed,
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Changes added in any order, cancelling or not, answer every question as the naive
        /// sums do.
        #[test]
        fn the_sorted_vectors_answer_as_the_naive_sums(
            raw in proptest::collection::vec((0u32..40, 0usize..8, -50i64..50), 0..80)
        ) {
            let changes: Vec<(u32, Column, i64)> =
                raw.iter().map(|(d, c, q)| (*d, COLUMNS[*c], *q)).collect();
            let mut m = MaterialStock::default();
            for (d, col, q) in &changes {
                m.add(day(*d), *col, Decimal::from(*q));
                // The key kept beside the entries is the last entry's, and they stay sorted.
                proptest::prop_assert_eq!(m.last, m.changes.last().map(|(d, c, _)| (*d, *c)));
                proptest::prop_assert!(m
                    .changes
                    .windows(2)
                    .all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1)));
            }
            for probe in 0..42 {
                let (cols, bal) = model_at(&changes, probe);
                proptest::prop_assert_eq!(m.columns_as_of(day(probe)), cols);
                proptest::prop_assert_eq!(m.balance_at(day(probe)), bal);
                // The least balance from `probe` on, over every later day.
                let least = (probe..42).map(|p| model_at(&changes, p).1).min().unwrap_or_default();
                proptest::prop_assert_eq!(m.available_from(day(probe)).0, least);
                // The first day, from `probe` on, that ends at the least.
                let first = (probe..42)
                    .find(|p| model_at(&changes, *p).1 == least)
                    .map_or(day(probe), day);
                proptest::prop_assert_eq!(m.available_from(day(probe)).1, first);
                for to in probe..42 {
                    let (upto, _) = model_at(&changes, to);
                    let (before, _) = if probe == 0 {
                        (Columns::default(), Decimal::ZERO)
                    } else {
                        model_at(&changes, probe - 1)
                    };
                    let mut between = upto;
                    for col in COLUMNS {
                        between.add(col, -column_of(&before, col));
                    }
                    proptest::prop_assert_eq!(m.columns_between(day(probe), day(to)), between);
                }
            }
            proptest::prop_assert!(m.changes.iter().all(|(_, _, q)| !q.is_zero()));
            proptest::prop_assert!(m.changes.windows(2).all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1)));
        }

        /// A dated stock, changes added in any order, answers as the naive sums do, and keeps
        /// one entry per day, sorted, none zero, with its total.
        #[test]
        fn the_dated_stock_answers_as_the_naive_sums(
            changes in proptest::collection::vec((0u32..30, -20i64..20), 0..60)
        ) {
            let mut s = DatedStock::default();
            for (d, q) in &changes {
                s.add(day(*d), Decimal::from(*q));
                proptest::prop_assert!(s.changes.windows(2).all(|w| w[0].0 < w[1].0));
                proptest::prop_assert!(s.changes.iter().all(|(_, q)| !q.is_zero()));
                proptest::prop_assert_eq!(s.total(), s.changes.iter().map(|(_, q)| *q).sum::<Decimal>());
            }
            let naive = |p: u32| -> Decimal {
                changes.iter().filter(|(d, _)| *d <= p).map(|(_, q)| Decimal::from(*q)).sum()
            };
            for probe in 0..32 {
                proptest::prop_assert_eq!(s.at(day(probe)), naive(probe));
                let least = (probe..32).map(naive).min().unwrap_or_default();
                let first = (probe..32).find(|p| naive(*p) == least).map_or(day(probe), day);
                proptest::prop_assert_eq!(s.available_from(day(probe)), (least, first));
            }
        }
    }

    fn column_of(c: &Columns, col: Column) -> Decimal {
        match col {
            Column::Opening => c.opening,
            Column::Imported => c.imported,
            Column::CarriedIn => c.carried_in,
            Column::Consumed => c.consumed,
            Column::CarriedOut => c.carried_out,
            Column::DomesticSold => c.domestic_sold,
            Column::ReExported => c.re_exported,
            Column::Destroyed => c.destroyed,
        }
    }
}
