//! A material's imports that value its later domestic sales (`reports::duty`
//! `average_import_price`): the lots in date order, and their dates kept apart as well, so a
//! search by date reads four bytes a lot (a decade's dates of one material fit in a few cache
//! lines) instead of a whole lot each.

use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::model::ids::Currency;
use crate::state::lines::LineId;

/// One import that values later domestic sales: its date, quantity and CIF value.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportLot {
    pub line: LineId,
    pub date: NaiveDate,
    pub qty: Decimal,
    pub cif: Decimal,
    pub currency: Currency,
    pub cif_usd: Decimal,
}

/// One material's lots, in date order (those of one day in the order recorded); reads as a
/// slice of them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportLots {
    lots: Vec<ImportLot>,
    /// `lots[i].date`, for every `i`.
    dates: Vec<NaiveDate>,
    /// Only in a state read without the lots' history (`Part::LotHistory`): the lots here are
    /// those from `split` on, and a question reaching before it is remembered (`asked`).
    before: Option<Before>,
}

/// What a material's lots read without their history know of it.
#[derive(Debug, Default)]
struct Before {
    split: NaiveDate,
    /// The date of the latest lot before the split.
    latest: Option<NaiveDate>,
    /// A question was asked whose answer needs the lots before the split.
    asked: AtomicBool,
}

impl Clone for Before {
    fn clone(&self) -> Self {
        Before {
            split: self.split,
            latest: self.latest,
            asked: AtomicBool::new(self.asked.load(Ordering::Relaxed)),
        }
    }
}

impl PartialEq for Before {
    fn eq(&self, other: &Self) -> bool {
        (self.split, self.latest) == (other.split, other.latest)
    }
}

impl ImportLots {
    /// The lots given, put in date order (a stable sort: one day's stay in the order given).
    pub fn from_lots(mut lots: Vec<ImportLot>) -> Self {
        lots.sort_by_key(|l| l.date);
        let dates = lots.iter().map(|l| l.date).collect();
        ImportLots {
            lots,
            dates,
            before: None,
        }
    }

    /// The lots from `split` on, read without those before it, the latest of which is dated
    /// `latest`.
    pub(crate) fn from_split(
        lots: Vec<ImportLot>,
        split: NaiveDate,
        latest: Option<NaiveDate>,
    ) -> Self {
        ImportLots {
            before: Some(Before {
                split,
                latest,
                asked: AtomicBool::new(false),
            }),
            ..ImportLots::from_lots(lots)
        }
    }

    /// The lots before `split`, and those from `split` on.
    pub(crate) fn split_at(&self, split: NaiveDate) -> (&[ImportLot], &[ImportLot]) {
        self.lots
            .split_at(self.dates.partition_point(|d| *d < split))
    }

    /// Puts `history`, the lots before `split`, in front of the lots read without them: the
    /// same split, and ending on the latest date the lots knew of.
    pub(crate) fn put_history(
        &mut self,
        split: NaiveDate,
        history: Vec<ImportLot>,
    ) -> Result<(), &'static str> {
        let Some(before) = self.before.take() else {
            return Err("a lots' history for lots read whole");
        };
        if split != before.split
            || history.iter().any(|l| l.date >= before.split)
            || history.last().map(|l| l.date) != before.latest
        {
            return Err("a lots' history that is not the one the lots were split from");
        }
        // Both in date order, every one of the history before every one here: one run.
        let mut dates: Vec<NaiveDate> = Vec::with_capacity(history.len() + self.dates.len());
        dates.extend(history.iter().map(|l| l.date));
        dates.append(&mut self.dates);
        let mut lots = history;
        lots.append(&mut self.lots);
        *self = ImportLots {
            lots,
            dates,
            before: None,
        };
        Ok(())
    }

    /// Whether a question was asked of these lots that needs the lots before their split.
    pub fn history_asked(&self) -> bool {
        self.before
            .as_ref()
            .is_some_and(|b| b.asked.load(Ordering::Relaxed))
    }

    /// Remembers that a question about `day` needs the history, when it is before the split
    /// and there are lots before it.
    fn reaches(&self, day: NaiveDate) {
        if let Some(b) = &self.before {
            if day < b.split && b.latest.is_some() {
                b.asked.store(true, Ordering::Relaxed);
            }
        }
    }

    /// Adds a lot in its place: after every lot dated on or before it (a file of earlier
    /// dates loaded late goes where its dates say).
    pub fn insert(&mut self, lot: ImportLot) {
        // Imports come in date order nearly always: then the lot goes last, without a search.
        let at = match self.dates.last() {
            Some(last) if *last > lot.date => self.dates.partition_point(|d| *d <= lot.date),
            _ => self.dates.len(),
        };
        self.dates.insert(at, lot.date);
        self.lots.insert(at, lot);
    }

    /// Takes out the lot of `line` (a corrected import).
    pub fn remove_line(&mut self, line: LineId) {
        let mut i = 0;
        while i < self.lots.len() {
            if self.lots[i].line == line {
                self.lots.remove(i);
                self.dates.remove(i);
            } else {
                i += 1;
            }
        }
    }

    /// The lots dated from `from` to `to`, both included. (Read without their history, the
    /// lots from the split on: a span that starts before it is remembered as asked.)
    pub fn dated(&self, from: NaiveDate, to: NaiveDate) -> &[ImportLot] {
        if from <= to {
            self.reaches(from);
        }
        let first = self.dates.partition_point(|d| *d < from);
        let end = self.dates.partition_point(|d| *d <= to).max(first);
        self.lots.get(first..end).unwrap_or_default()
    }

    /// The date of the latest lot dated before `date`. (Read without their history, known
    /// for any date from the split on: the latest lot before the split is kept.)
    pub fn latest_before(&self, date: NaiveDate) -> Option<NaiveDate> {
        let before = self.dates.partition_point(|d| *d < date);
        let here = before
            .checked_sub(1)
            .and_then(|i| self.dates.get(i))
            .copied();
        match &self.before {
            Some(b) if here.is_none() => {
                self.reaches(date);
                b.latest
            }
            _ => here,
        }
    }
}

impl Deref for ImportLots {
    type Target = [ImportLot];

    fn deref(&self) -> &[ImportLot] {
        &self.lots
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lot(line: u32, date: &str) -> ImportLot {
        ImportLot {
            line: LineId::from_parts(1, line),
            date: date.parse().expect("date"),
            qty: Decimal::ONE,
            cif: Decimal::ONE,
            currency: Currency::usd(),
            cif_usd: Decimal::ONE,
        }
    }

    fn lines(lots: &[ImportLot]) -> Vec<u32> {
        lots.iter().map(|l| l.line.parts().1).collect()
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    /// Lots read from a split on: a question reaching before it is remembered, one from the
    /// split on (a lot on the split's day included) is not; the history put back must be the
    /// one they were split from.
    #[test]
    fn lots_read_from_a_split_remember_questions_before_it() {
        let all = ImportLots::from_lots(vec![
            lot(1, "2024-05-01"),
            lot(2, "2025-03-01"),
            lot(3, "2026-01-01"),
            lot(4, "2026-02-01"),
        ]);
        let split = d("2026-01-01");
        let (before, from) = all.split_at(split);
        assert_eq!((lines(before), lines(from)), (vec![1, 2], vec![3, 4]));
        let recent = || ImportLots::from_split(from.to_vec(), split, Some(d("2025-03-01")));
        let lots = recent();
        assert_eq!(lines(lots.dated(split, d("2026-12-31"))), vec![3, 4]);
        assert_eq!(lots.latest_before(d("2026-01-02")), Some(split));
        // Before the first lot kept, the latest before the split is known.
        assert_eq!(lots.latest_before(split), Some(d("2025-03-01")));
        assert!(!lots.history_asked());
        let _ = lots.dated(d("2025-01-01"), d("2025-12-31"));
        assert!(lots.history_asked());
        let asked = recent();
        let _ = asked.latest_before(d("2025-06-01"));
        assert!(asked.history_asked());
        // An empty span, or no lot before the split at all: nothing to ask.
        let none = ImportLots::from_split(from.to_vec(), split, None);
        let _ = none.dated(d("2025-01-01"), d("2025-12-31"));
        let _ = recent().dated(d("2026-06-01"), d("2025-01-01"));
        assert!(!none.history_asked());
        // The history back: only the one they were split from.
        for (why, at, history) in [
            ("another split", d("2026-02-01"), before.to_vec()),
            ("ends on another day", split, before[..1].to_vec()),
            (
                "a lot from the split on",
                split,
                vec![lot(1, "2024-05-01"), lot(2, "2026-01-01")],
            ),
        ] {
            assert!(recent().put_history(at, history).is_err(), "{why}");
        }
        let mut whole = recent();
        whole
            .put_history(split, before.to_vec())
            .expect("its history");
        assert_eq!(whole, all);
        assert_eq!(whole.dates, all.dates);
        assert!(whole.put_history(split, Vec::new()).is_err(), "read twice");
    }

    #[test]
    fn lots_stay_in_date_order_and_ranges_are_by_date() {
        let mut lots = ImportLots::default();
        for (line, date) in [
            (1, "2025-03-01"),
            (2, "2025-05-01"),
            (3, "2025-02-01"),
            (4, "2025-03-01"),
            (5, "2025-01-15"),
        ] {
            lots.insert(lot(line, date));
        }
        // By date; the two of 03-01 in the order recorded.
        assert_eq!(lines(&lots), vec![5, 3, 1, 4, 2]);
        assert_eq!(lots.dates, lots.iter().map(|l| l.date).collect::<Vec<_>>());
        let cases = [
            // (from, to, lines, why)
            ("2025-01-01", "2025-12-31", vec![5, 3, 1, 4, 2], "all"),
            (
                "2025-03-01",
                "2025-03-01",
                vec![1, 4],
                "one day, both ends included",
            ),
            ("2025-02-02", "2025-02-28", vec![], "a span with none"),
            (
                "2025-02-01",
                "2025-03-01",
                vec![3, 1, 4],
                "from one lot's day to another's",
            ),
            ("2025-06-01", "2025-01-01", vec![], "an empty span"),
        ];
        for (from, to, want, why) in cases {
            assert_eq!(lines(lots.dated(d(from), d(to))), want, "{why}");
        }
        assert_eq!(lots.latest_before(d("2025-03-01")), Some(d("2025-02-01")));
        assert_eq!(lots.latest_before(d("2025-03-02")), Some(d("2025-03-01")));
        assert_eq!(lots.latest_before(d("2025-01-15")), None);
        lots.remove_line(LineId::from_parts(1, 1));
        assert_eq!(lines(&lots), vec![5, 3, 4, 2]);
        assert_eq!(lots.dates.len(), 4);
        let again = ImportLots::from_lots(lots.iter().rev().cloned().collect());
        assert_eq!(lines(&again), vec![5, 3, 4, 2]);
        assert_eq!(again, lots);
    }
}
