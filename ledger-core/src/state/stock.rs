//! A quantity that changes on business dates: a material's balance, a scrap stock, the goods
//! at a subcontractor. Movements are loaded late and out of order, so a change dated in the
//! past must be checked against every later day, not only today's total.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::model::trade_mode::Column;
use crate::state::snapshot::wire::{
    code_of, dec_small_in, from_code, varint_in, Reader, Writer, MAX_DEC_SMALL, MAX_VARINT,
};
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

    /// One column's figure.
    pub fn get(&self, column: Column) -> Decimal {
        match column {
            Column::Opening => self.opening,
            Column::Imported => self.imported,
            Column::CarriedIn => self.carried_in,
            Column::Consumed => self.consumed,
            Column::CarriedOut => self.carried_out,
            Column::DomesticSold => self.domestic_sold,
            Column::ReExported => self.re_exported,
            Column::Destroyed => self.destroyed,
        }
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
/// average. Still amortised constant time per entry. Never less than 32 entries (768 bytes) at
/// a time: grown by 8, a material's first hundred entries took a dozen reallocations, and in a
/// replay (every vector growing at once, none of its memory reused) the reallocations were a
/// quarter of the time spent adding to the stocks.
fn grow_gently<T>(v: &mut Vec<T>) {
    if v.len() == v.capacity() {
        v.reserve_exact((v.capacity() / 4).max(32));
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
    /// The changes in date order, each as the days since the one before and the quantity in
    /// as few bytes as it needs (`wire::dec_small`).
    pub(crate) fn write_snapshot(&self, w: &mut Writer) {
        w.len(self.changes.len());
        let mut before = NaiveDate::MIN;
        for (d, q) in &self.changes {
            w.date_after(before, *d);
            w.dec_small(*q);
            before = *d;
        }
        w.dec(self.total);
    }

    pub(crate) fn read_snapshot(r: &mut Reader<'_>) -> Result<Self, SnapshotError> {
        let n = r.len(3)?;
        let mut changes = Vec::with_capacity(n);
        let mut before = NaiveDate::MIN;
        for _ in 0..n {
            let d = r.date_after(before)?;
            changes.push((d, r.dec_small()?));
            before = d;
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

/// Entries in date order, each as the days since the one before, its column and its quantity
/// in as few bytes as it needs: 4–8 bytes, not 21.
fn write_entries<'a>(
    w: &mut Writer,
    n: usize,
    entries: impl Iterator<Item = &'a (NaiveDate, Column, Decimal)>,
) {
    w.len(n);
    let mut before = NaiveDate::MIN;
    for (d, c, q) in entries {
        w.date_after(before, *d);
        w.u8(code_of(&SNAPSHOT_COLUMNS, c));
        w.dec_small(*q);
        before = *d;
    }
}

/// What [`write_entries`] wrote.
fn read_entries(r: &mut Reader<'_>) -> Result<Vec<(NaiveDate, Column, Decimal)>, SnapshotError> {
    let n = r.len(4)?;
    let mut changes = Vec::with_capacity(n);
    let mut before = NaiveDate::MIN;
    for _ in 0..n {
        // Parsed in place: a decade of a busy material is tens of thousands of entries.
        let (days, c, q) = r.record(MAX_VARINT + 1 + MAX_DEC_SMALL, |b| {
            let (days, at) = varint_in(b)?;
            let code = *b.get(at).ok_or(SnapshotError::Truncated)?;
            let (q, used) = dec_small_in(b.get(at + 1..).unwrap_or_default())?;
            Ok(((days, code, q), at + 1 + used))
        })?;
        let d = if days == 0 {
            before
        } else {
            u64::try_from(days)
                .ok()
                .and_then(|days| before.checked_add_days(chrono::Days::new(days)))
                .ok_or(SnapshotError::Invalid("a date out of range"))?
        };
        let c = from_code(&SNAPSHOT_COLUMNS, c, "a column")?;
        changes.push((d, c, q));
        before = d;
    }
    Ok(changes)
}

impl MaterialStock {
    /// The day of the last change, if any.
    pub(crate) fn last_day(&self) -> Option<NaiveDate> {
        self.last.map(|(d, _)| d)
    }

    /// The changes before `split` summed per column, each sum (when not zero) one entry dated
    /// the day before `split`: what stands in for them in a stock read without its history.
    fn history_sums(&self, split: NaiveDate) -> Vec<(NaiveDate, Column, Decimal)> {
        let n = self.changes.partition_point(|(d, _, _)| *d < split);
        let mut sums = Columns::default();
        for (_, c, q) in &self.changes[..n] {
            sums.add(*c, *q);
        }
        let Some(eve) = split.pred_opt() else {
            return Vec::new();
        };
        SNAPSHOT_COLUMNS
            .iter()
            .map(|c| (eve, *c, sums.get(*c)))
            .filter(|(_, _, q)| !q.is_zero())
            .collect()
    }

    /// The material as `Part::Stock` keeps it with the book's stock split on `split`: the
    /// changes from `split` on, after one entry per column summing those before it.
    pub(crate) fn write_from(&self, w: &mut Writer, split: NaiveDate) {
        let n = self.changes.partition_point(|(d, _, _)| *d < split);
        let sums = self.history_sums(split);
        write_entries(
            w,
            sums.len() + self.changes.len() - n,
            sums.iter().chain(&self.changes[n..]),
        );
        self.write_tail(w);
    }

    /// The changes before `split` (`Part::History`).
    pub(crate) fn write_history(&self, w: &mut Writer, split: NaiveDate) {
        let n = self.changes.partition_point(|(d, _, _)| *d < split);
        write_entries(w, n, self.changes[..n].iter());
    }

    /// Puts the changes before `split`, read from `Part::History`, in place of their sums —
    /// which they must add up to, column by column, or the parts are not of one state.
    pub(crate) fn read_history(
        &mut self,
        r: &mut Reader<'_>,
        split: NaiveDate,
    ) -> Result<(), SnapshotError> {
        let mut history = read_entries(r)?;
        if history.last().is_some_and(|(d, _, _)| *d >= split) {
            return Err(SnapshotError::Invalid("a stock's history after its split"));
        }
        let n = self.changes.partition_point(|(d, _, _)| *d < split);
        let mut full = MaterialStock {
            changes: std::mem::take(&mut history),
            ..MaterialStock::default()
        };
        if full.history_sums(split) != self.changes[..n] {
            return Err(SnapshotError::Invalid(
                "a stock's history that does not add up to its sums",
            ));
        }
        full.changes.extend_from_slice(&self.changes[n..]);
        self.changes = full.changes;
        Ok(())
    }

    pub(crate) fn write_snapshot(&self, w: &mut Writer) {
        write_entries(w, self.changes.len(), self.changes.iter());
        self.write_tail(w);
    }

    /// The totals and the last entry's key.
    fn write_tail(&self, w: &mut Writer) {
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
        let changes = read_entries(r)?;
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
#[path = "stock_tests.rs"]
mod tests;
