//! The book header (账册表头) and its settings: what the company declared when the book was
//! opened, and the choices CONTRACT.md lets it change with `account set`.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::model::ids::{BookNo, CompanyCode, Heading};
use crate::model::message_settings::{self, MessageSettings, MESSAGE_KEYS};
use crate::model::refusal::Refusal;
use crate::model::trade_mode::BookKind;

/// 料号级 (part-number level) or 项号级 (item level, with merging).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Part,
    Item,
}

pub const MAX_CYCLE_MONTHS: u32 = 120;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookHeader {
    pub account: BookNo,
    pub company: CompanyCode,
    pub kind: BookKind,
    pub level: Level,
    /// The capacity cap: maximum CIF import value of a cycle, in USD.
    pub capacity_usd: Decimal,
    pub cycle_start: NaiveDate,
    pub cycle_months: u32,
    /// Allowed 4-digit HS headings; empty: no restriction recorded.
    pub headings: Vec<Heading>,
}

impl BookHeader {
    pub fn validate(&self) -> Result<(), Refusal> {
        if self.capacity_usd <= Decimal::ZERO {
            return Err(Refusal::bad(
                "capacity-usd",
                format!(
                    "the capacity cap must be above 0 USD, not {}",
                    self.capacity_usd
                ),
            ));
        }
        if self.cycle_months == 0 || self.cycle_months > MAX_CYCLE_MONTHS {
            return Err(Refusal::bad(
                "cycle-months",
                format!(
                    "a write-off cycle lasts 1 to {MAX_CYCLE_MONTHS} months, not {}",
                    self.cycle_months
                ),
            ));
        }
        Ok(())
    }
}

/// A setting of `bonded account set KEY=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "key", content = "value", rename_all = "snake_case")]
pub enum Setting {
    DutyPeriod(DutyPeriod),
    ReportDays(u32),
    CycleMonths(u32),
    UcTiming(UcTiming),
    WriteoffMethod(WriteoffMethod),
    CapBasis(CapBasis),
    DifferenceTolerance(Decimal),
    /// Order 182 exposure: a relative excess of unit consumption (%) from which a line is
    /// graded `medium`.
    RiskMediumPct(Decimal),
    /// … and from which it is graded `high`.
    RiskHighPct(Decimal),
    /// Which movements recorded through `bonded serve` wait for a second user's approval.
    Review(std::collections::BTreeSet<crate::model::review::ReviewClass>),
    /// A setting of the customs messages (`model::message_settings`): its key and value.
    Message {
        name: String,
        value: String,
    },
}

impl Setting {
    /// Parses `KEY=VALUE` as typed on the command line.
    pub fn parse(key: &str, value: &str) -> Result<Setting, Refusal> {
        let v = value.trim();
        let bad = |why: &str| Refusal::bad("setting", format!("{key}={value}: {why}"));
        let number = |max: u32| -> Result<u32, Refusal> {
            match v.parse::<u32>() {
                Ok(n) if n >= 1 && n <= max => Ok(n),
                _ => Err(bad(&format!("expected a whole number from 1 to {max}"))),
            }
        };
        Ok(match key.trim() {
            "duty_period" => Setting::DutyPeriod(match v {
                "monthly" => DutyPeriod::Monthly,
                "quarterly" => DutyPeriod::Quarterly,
                _ => return Err(bad("expected monthly or quarterly")),
            }),
            "report_days" => Setting::ReportDays(number(365)?),
            "cycle_months" => Setting::CycleMonths(number(MAX_CYCLE_MONTHS)?),
            "uc_timing" => Setting::UcTiming(match v {
                "before_export" => UcTiming::BeforeExport,
                "before_report" => UcTiming::BeforeReport,
                _ => return Err(bad("expected before_export or before_report")),
            }),
            "writeoff_method" => Setting::WriteoffMethod(match v {
                "unit_consumption" => WriteoffMethod::UnitConsumption,
                "actual" => WriteoffMethod::Actual,
                "work_order" => WriteoffMethod::WorkOrder,
                _ => return Err(bad("expected unit_consumption, actual or work_order")),
            }),
            "cap_basis" => Setting::CapBasis(match v {
                "cumulative" => CapBasis::Cumulative,
                "outstanding" => CapBasis::Outstanding,
                _ => return Err(bad("expected cumulative or outstanding")),
            }),
            "difference_tolerance" => match Decimal::from_str(v) {
                Ok(d) if d >= Decimal::ZERO => Setting::DifferenceTolerance(d),
                _ => return Err(bad("expected a decimal number of units, 0 or more")),
            },
            "risk_medium_pct" | "risk_high_pct" => match Decimal::from_str(v) {
                Ok(d) if d >= Decimal::ZERO && d <= Decimal::ONE_HUNDRED => {
                    if key.trim() == "risk_medium_pct" {
                        Setting::RiskMediumPct(d)
                    } else {
                        Setting::RiskHighPct(d)
                    }
                }
                _ => return Err(bad("expected a percentage from 0 to 100")),
            },
            "review" => Setting::Review(
                crate::model::review::ReviewClass::parse_list(v).map_err(|e| bad(&e))?,
            ),
            k if MESSAGE_KEYS.contains(&k) => Setting::Message {
                name: k.to_string(),
                value: message_settings::check(k, v).map_err(|e| bad(&e))?,
            },
            _ => {
                return Err(Refusal::bad(
                    "setting",
                    format!(
                        "{key} is not a book setting (duty_period, report_days, cycle_months, \
                         uc_timing, writeoff_method, cap_basis, difference_tolerance, \
                         risk_medium_pct, risk_high_pct, review; for the customs messages: {})",
                        MESSAGE_KEYS.join(", ")
                    ),
                ))
            }
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DutyPeriod {
    #[default]
    Monthly,
    Quarterly,
}

/// When unit consumption must be declared (金二 header field 单耗申报环节).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum UcTiming {
    #[default]
    BeforeExport,
    BeforeReport,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum WriteoffMethod {
    #[default]
    UnitConsumption,
    Actual,
    WorkOrder,
}

/// What the capacity cap bounds (DOMAIN.md §1, a default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CapBasis {
    /// The cycle's cumulative CIF imports, in USD.
    #[default]
    Cumulative,
    /// The bonded value on hand, in USD.
    Outstanding,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookSettings {
    pub duty_period: DutyPeriod,
    pub report_days: u32,
    pub cycle_months: u32,
    pub uc_timing: UcTiming,
    pub writeoff_method: WriteoffMethod,
    pub cap_basis: CapBasis,
    pub difference_tolerance: Decimal,
    /// Order 182 exposure grading thresholds, in percent of the declared gross consumption.
    pub risk_medium_pct: Decimal,
    pub risk_high_pct: Decimal,
    /// The classes of movement under dual review (access.rs); default: all.
    pub review: std::collections::BTreeSet<crate::model::review::ReviewClass>,
    /// Who the company and its declarant are, and the defaults of a list's head.
    pub messages: MessageSettings,
}

impl BookSettings {
    pub fn defaults(cycle_months: u32) -> Self {
        BookSettings {
            duty_period: DutyPeriod::Monthly,
            report_days: 30,
            cycle_months,
            uc_timing: UcTiming::BeforeExport,
            writeoff_method: WriteoffMethod::UnitConsumption,
            cap_basis: CapBasis::Cumulative,
            difference_tolerance: Decimal::new(1, 2),
            risk_medium_pct: Decimal::from(2),
            risk_high_pct: Decimal::from(5),
            review: crate::model::review::ReviewClass::ALL.into_iter().collect(),
            messages: MessageSettings::default(),
        }
    }

    pub fn apply(&mut self, s: &Setting) {
        match s {
            Setting::DutyPeriod(v) => self.duty_period = *v,
            Setting::ReportDays(v) => self.report_days = *v,
            Setting::CycleMonths(v) => self.cycle_months = *v,
            Setting::UcTiming(v) => self.uc_timing = *v,
            Setting::WriteoffMethod(v) => self.writeoff_method = *v,
            Setting::CapBasis(v) => self.cap_basis = *v,
            Setting::DifferenceTolerance(v) => self.difference_tolerance = *v,
            Setting::RiskMediumPct(v) => self.risk_medium_pct = *v,
            Setting::RiskHighPct(v) => self.risk_high_pct = *v,
            Setting::Review(v) => self.review = v.clone(),
            Setting::Message { name, value } => self.messages.apply(name, value),
        }
    }
}

/// A write-off cycle: number (1 = the one starting at the book's cycle start) and its days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cycle {
    pub number: i64,
    pub start: NaiveDate,
    /// The cycle's last day, inclusive.
    pub end: NaiveDate,
}

impl fmt::Display for Cycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cycle {} ({} to {})", self.number, self.start, self.end)
    }
}

/// The cycle that holds `date`, counting fixed-length cycles from `start`. Dates before the
/// start fall in cycle 0, −1, … of the same length.
pub fn cycle_of(start: NaiveDate, months: u32, date: NaiveDate) -> Cycle {
    let months = months.max(1) as i64;
    let diff = (date.year() as i64 - start.year() as i64) * 12 + date.month() as i64
        - start.month() as i64
        - i64::from(date.day() < start.day());
    let index = diff.div_euclid(months);
    let cycle_start = shift_months(start, index * months);
    let next = shift_months(start, (index + 1) * months);
    let end = next.pred_opt().unwrap_or(next);
    Cycle {
        number: index + 1,
        start: cycle_start,
        end,
    }
}

fn shift_months(date: NaiveDate, months: i64) -> NaiveDate {
    let m = Months::new(months.unsigned_abs().min(u32::MAX as u64) as u32);
    let shifted = if months >= 0 {
        date.checked_add_months(m)
    } else {
        date.checked_sub_months(m)
    };
    shifted.unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn cycle_table() {
        let cases = [
            (
                "2025-01-01",
                12,
                "2025-01-01",
                1,
                "2025-01-01",
                "2025-12-31",
            ),
            (
                "2025-01-01",
                12,
                "2025-12-31",
                1,
                "2025-01-01",
                "2025-12-31",
            ),
            (
                "2025-01-01",
                12,
                "2026-01-01",
                2,
                "2026-01-01",
                "2026-12-31",
            ),
            (
                "2025-01-01",
                12,
                "2024-12-31",
                0,
                "2024-01-01",
                "2024-12-31",
            ),
            ("2025-04-15", 6, "2025-10-14", 1, "2025-04-15", "2025-10-14"),
            ("2025-04-15", 6, "2025-10-15", 2, "2025-10-15", "2026-04-14"),
            (
                "2024-03-01",
                24,
                "2026-02-28",
                1,
                "2024-03-01",
                "2026-02-28",
            ),
        ];
        for (start, months, date, number, cs, ce) in cases {
            let c = cycle_of(d(start), months, d(date));
            assert_eq!(
                (c.number, c.start, c.end),
                (number, d(cs), d(ce)),
                "{start} {months} {date}"
            );
        }
    }

    #[test]
    fn settings_parse() {
        assert_eq!(
            Setting::parse("duty_period", "quarterly").ok(),
            Some(Setting::DutyPeriod(DutyPeriod::Quarterly))
        );
        assert!(Setting::parse("duty_period", "weekly").is_err());
        assert!(Setting::parse("colour", "red").is_err());
        assert_eq!(
            Setting::parse("difference_tolerance", "0.5").ok(),
            Some(Setting::DifferenceTolerance(Decimal::new(5, 1)))
        );
        assert!(Setting::parse("report_days", "0").is_err());
        assert_eq!(
            Setting::parse("risk_medium_pct", "2.5").ok(),
            Some(Setting::RiskMediumPct(Decimal::new(25, 1)))
        );
        assert_eq!(
            Setting::parse("risk_high_pct", "10").ok(),
            Some(Setting::RiskHighPct(Decimal::from(10)))
        );
        assert!(Setting::parse("risk_high_pct", "-1").is_err());
        assert!(Setting::parse("risk_medium_pct", "101").is_err());
    }
}
