//! Declaration periods of consolidated domestic sales (集中内销) and their due dates.
//!
//! A month's domestic sales are declared and paid by the 15th of the next month, never across a
//! year end: December's by 31 December (GACC 2018 No.19 §II.1(4), seed 002). The quarterly
//! option (GACC 2020 No.78): by 15 April, 15 July, 15 October and 31 December.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::model::book::DutyPeriod;
use crate::model::refusal::InvalidValue;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Period {
    Month { year: i32, month: u32 },
    Quarter { year: i32, quarter: u32 },
}

impl Period {
    /// The period of `duty_period` that holds `date`.
    pub fn of(date: NaiveDate, kind: DutyPeriod) -> Period {
        match kind {
            DutyPeriod::Monthly => Period::Month {
                year: date.year(),
                month: date.month(),
            },
            DutyPeriod::Quarterly => Period::Quarter {
                year: date.year(),
                quarter: (date.month() - 1) / 3 + 1,
            },
        }
    }

    pub fn first_day(self) -> NaiveDate {
        let (y, m) = match self {
            Period::Month { year, month } => (year, month),
            Period::Quarter { year, quarter } => (year, (quarter - 1) * 3 + 1),
        };
        NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        let (y, m) = match self {
            Period::Month { year, month } => (year, month),
            Period::Quarter { year, quarter } => (year, quarter * 3),
        };
        last_day_of_month(y, m)
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        self.first_day() <= date && date <= self.last_day()
    }

    /// When the period's duty must be declared and paid.
    pub fn due(self) -> NaiveDate {
        let year = match self {
            Period::Month { year, .. } | Period::Quarter { year, .. } => year,
        };
        let end = self.last_day();
        if end.month() == 12 {
            // Never across a year end.
            return NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(end);
        }
        let next = end.succ_opt().unwrap_or(end);
        NaiveDate::from_ymd_opt(next.year(), next.month(), 15).unwrap_or(next)
    }

    pub fn is_quarter(self) -> bool {
        matches!(self, Period::Quarter { .. })
    }
}

/// The last day of a calendar month.
pub fn last_day_of_month(year: i32, month: u32) -> NaiveDate {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(ny, nm, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX)
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Month { year, month } => write!(f, "{year:04}-{month:02}"),
            Period::Quarter { year, quarter } => write!(f, "{year:04}-Q{quarter}"),
        }
    }
}

impl FromStr for Period {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || InvalidValue {
            what: "period",
            value: s.to_string(),
            why: "a period is a month YYYY-MM or a quarter YYYY-Qn".into(),
        };
        let t = s.trim().to_ascii_uppercase();
        let (y, rest) = t.split_once('-').ok_or_else(bad)?;
        let year: i32 = y.parse().map_err(|_| bad())?;
        if y.len() != 4 {
            return Err(bad());
        }
        if let Some(q) = rest.strip_prefix('Q') {
            let quarter: u32 = q.parse().map_err(|_| bad())?;
            if !(1..=4).contains(&quarter) {
                return Err(bad());
            }
            return Ok(Period::Quarter { year, quarter });
        }
        let month: u32 = rest.parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) || rest.len() != 2 {
            return Err(bad());
        }
        Ok(Period::Month { year, month })
    }
}

impl TryFrom<String> for Period {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    /// Due dates: the 15th of the next month; December by 31 December; quarters by 15 Apr,
    /// 15 Jul, 15 Oct and 31 Dec.
    #[test]
    fn due_dates() {
        let cases = [
            ("2025-01", "2025-02-15"),
            ("2025-02", "2025-03-15"),
            ("2025-11", "2025-12-15"),
            ("2025-12", "2025-12-31"),
            ("2024-02", "2024-03-15"),
            ("2025-Q1", "2025-04-15"),
            ("2025-Q2", "2025-07-15"),
            ("2025-Q3", "2025-10-15"),
            ("2025-Q4", "2025-12-31"),
        ];
        for (period, due) in cases {
            let p: Period = period.parse().expect("period");
            assert_eq!(p.due(), d(due), "{period}");
            assert_eq!(p.to_string(), period);
        }
    }

    #[test]
    fn periods_hold_their_days() {
        let q = Period::of(d("2025-08-31"), DutyPeriod::Quarterly);
        assert_eq!(q.to_string(), "2025-Q3");
        assert_eq!(
            (q.first_day(), q.last_day()),
            (d("2025-07-01"), d("2025-09-30"))
        );
        let m = Period::of(d("2024-02-29"), DutyPeriod::Monthly);
        assert_eq!(m.last_day(), d("2024-02-29"));
        assert!(m.contains(d("2024-02-01")) && !m.contains(d("2024-03-01")));
        for bad in ["2025-13", "2025-Q5", "25-01", "2025-1", "2025/01", ""] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
    }
}
