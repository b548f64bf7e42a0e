//! The limits of what the ledger accepts (DOMAIN.md §8): a quantity, price, amount, rate or
//! factor has at most 14 digits before the decimal point and 9 after; a business date lies
//! from 1990 to 2100. Anything beyond is a typo, not a business figure: refused as bad input at
//! the cell that holds it, so no figure the ledger keeps can overflow its arithmetic later.
//!
//! Arithmetic on recorded figures is still checked (`checked`): a product of two figures at
//! the limits (a quantity by a price by an exchange rate) can exceed what a `Decimal` holds.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::model::refusal::Refusal;

/// Digits before the decimal point.
pub const MAX_INTEGER_DIGITS: u32 = 14;
/// Digits after the decimal point (trailing zeros not counted).
pub const MAX_DECIMALS: u32 = 9;

/// 10^14: the first value with 15 digits before the point.
fn too_big() -> Decimal {
    Decimal::from(100_000_000_000_000i64)
}

/// The first business date the ledger accepts.
pub fn first_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(1990, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// The last business date the ledger accepts.
pub fn last_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2100, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// Refuses a number with more than 14 digits before the point or 9 after.
pub fn check_number(column: &'static str, v: Decimal) -> Result<(), Refusal> {
    if v.abs() >= too_big() {
        return Err(Refusal::bad(
            column,
            format!(
                "{column} {v} is too large: a quantity, price, amount or rate has at most \
                 {MAX_INTEGER_DIGITS} digits before the decimal point"
            ),
        ));
    }
    if v.normalize().scale() > MAX_DECIMALS {
        return Err(Refusal::bad(
            column,
            format!(
                "{column} {v} has too many decimals: at most {MAX_DECIMALS} digits after the \
                 decimal point"
            ),
        ));
    }
    Ok(())
}

/// Whether a computed quantity (a consumption: more decimals than an input may have) stays
/// under 10^14, so sums and products of it keep within a `Decimal`.
pub fn within_magnitude(v: Decimal) -> bool {
    v.abs() < too_big()
}

/// `check_number` for an optional cell.
pub fn check_optional(column: &'static str, v: Option<Decimal>) -> Result<(), Refusal> {
    v.map_or(Ok(()), |v| check_number(column, v))
}

/// Refuses a date before 1990 or after 2100: a typo, not a business date.
pub fn check_date(column: &'static str, d: NaiveDate) -> Result<(), Refusal> {
    if d < first_date() || d > last_date() {
        return Err(Refusal::bad(
            column,
            format!(
                "{column} {d} is not a business date this ledger can hold: dates run from {} to \
                 {} (is the year mistyped?)",
                first_date(),
                last_date()
            ),
        ));
    }
    Ok(())
}

/// Refuses a year outside 1990–2100.
pub fn check_year(column: &'static str, year: i32) -> Result<(), Refusal> {
    use chrono::Datelike;
    if year < first_date().year() || year > last_date().year() {
        return Err(Refusal::bad(
            column,
            format!(
                "{column} {year} is not a business year this ledger can hold: years run from {} \
                 to {}",
                first_date().year(),
                last_date().year()
            ),
        ));
    }
    Ok(())
}

/// Checked arithmetic on recorded figures: `None` where the result would not fit a `Decimal`
/// (or a division by zero), for the caller to turn into a refusal that names the line.
pub mod checked {
    use rust_decimal::Decimal;

    pub fn mul(a: Decimal, b: Decimal) -> Option<Decimal> {
        a.checked_mul(b)
    }
    pub fn add(a: Decimal, b: Decimal) -> Option<Decimal> {
        a.checked_add(b)
    }
    pub fn sub(a: Decimal, b: Decimal) -> Option<Decimal> {
        a.checked_sub(b)
    }
    pub fn div(a: Decimal, b: Decimal) -> Option<Decimal> {
        a.checked_div(b)
    }
    /// The sum of `values`, or `None` on overflow.
    pub fn sum(values: impl IntoIterator<Item = Decimal>) -> Option<Decimal> {
        values
            .into_iter()
            .try_fold(Decimal::ZERO, |acc, v| acc.checked_add(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use std::str::FromStr;

    /// Hand-made: 14 digits before the point and 9 after are in; one more of either is out.
    #[test]
    fn number_limits_table() {
        let cases = [
            ("99999999999999", true),                // 14 nines
            ("99999999999999.999999999", true),      // 14 + 9
            ("100000000000000", false),              // 15 digits
            ("9999999999999999999999999999", false), // 28 nines
            ("0.000000001", true),                   // 9 decimals
            ("0.0000000001", false),                 // 10 decimals
            ("1.5000000000000", true),               // trailing zeros do not count
            ("-99999999999999", true),
            ("-100000000000000", false),
        ];
        for (text, ok) in cases {
            let v = Decimal::from_str(text).expect("decimal");
            assert_eq!(check_number("qty", v).is_ok(), ok, "{text}");
        }
        let err = check_number("unit_price", dec!(100000000000000)).expect_err("refused");
        assert_eq!(err.column(), Some("unit_price"));
        assert_eq!(err.class(), crate::model::refusal::RefusalClass::BadInput);
    }

    #[test]
    fn date_limits_table() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        let cases = [
            (d(1989, 12, 31), false),
            (d(1990, 1, 1), true),
            (d(2024, 2, 29), true),
            (d(2100, 12, 31), true),
            (d(2101, 1, 1), false),
            (d(0, 1, 1), false),
            (d(9999, 12, 31), false),
        ];
        for (date, ok) in cases {
            assert_eq!(check_date("date", date).is_ok(), ok, "{date}");
        }
    }
}
