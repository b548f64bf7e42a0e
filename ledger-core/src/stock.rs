//! A quantity that changes on business dates: a material's balance, a scrap stock, the goods
//! at a subcontractor. Movements are loaded late and out of order, so a change dated in the
//! past must be checked against every later day, not only today's total.

use std::collections::BTreeMap;
use std::ops::Bound;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::trade_mode::Column;

/// Net change per business date, with the running total kept for the common case of a change
/// dated on or after the last one (then "every later day" is just the total).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DatedStock {
    by_date: BTreeMap<NaiveDate, Decimal>,
    total: Decimal,
}

impl DatedStock {
    pub fn add(&mut self, date: NaiveDate, delta: Decimal) {
        if delta.is_zero() {
            return;
        }
        let slot = self.by_date.entry(date).or_default();
        *slot += delta;
        if slot.is_zero() {
            self.by_date.remove(&date);
        }
        self.total += delta;
    }

    pub fn total(&self) -> Decimal {
        self.total
    }

    /// The quantity at the end of `date`.
    pub fn at(&self, date: NaiveDate) -> Decimal {
        match self.by_date.keys().next_back() {
            Some(last) if date >= *last => self.total,
            _ => self.by_date.range(..=date).map(|(_, v)| *v).sum(),
        }
    }

    /// The least quantity held at the end of `date` or of any later day: how much may leave on
    /// `date` without any day going negative. Also returns the first day that sets the minimum.
    pub fn available_from(&self, date: NaiveDate) -> (Decimal, NaiveDate) {
        match self.by_date.keys().next_back() {
            None => return (self.total, date),
            Some(last) if date >= *last => return (self.total, date),
            _ => {}
        }
        // The stock at the end of `date` (its own changes included), then every later day.
        let mut running: Decimal = self.by_date.range(..=date).map(|(_, v)| *v).sum();
        let mut min = (running, date);
        for (day, delta) in self
            .by_date
            .range((Bound::Excluded(date), Bound::Unbounded))
        {
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

/// Signed effect of `qty` in `column` on the balance.
pub fn balance_delta(column: Column, qty: Decimal) -> Decimal {
    if column.adds() {
        qty
    } else {
        -qty
    }
}

/// A material's columns per business date, and its balance as a dated stock.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MaterialStock {
    by_date: BTreeMap<NaiveDate, Columns>,
    pub balance: DatedStock,
}

impl MaterialStock {
    pub fn add(&mut self, date: NaiveDate, column: Column, qty: Decimal) {
        self.by_date.entry(date).or_default().add(column, qty);
        self.balance.add(date, balance_delta(column, qty));
    }

    /// The columns summed over every date up to and including `as_of`.
    pub fn columns_as_of(&self, as_of: NaiveDate) -> Columns {
        let mut sum = Columns::default();
        for (_, c) in self.by_date.range(..=as_of) {
            sum.merge(c);
        }
        sum
    }

    /// The columns summed over the dates from `from` to `to`, inclusive.
    pub fn columns_between(&self, from: NaiveDate, to: NaiveDate) -> Columns {
        let mut sum = Columns::default();
        if from <= to {
            for (_, c) in self.by_date.range(from..=to) {
                sum.merge(c);
            }
        }
        sum
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
        assert_eq!(m.balance.total(), dec!(75.0));
        assert_eq!(m.columns_as_of(d("2025-01-02")).balance(), dec!(110));
    }
}
