//! Reading and writing single values: decimals, whole numbers and dates as customs writes them.
//!
//! Quantities and amounts are decimal strings: never floats, never exponent notation, no
//! thousands separators. A file the company writes must follow that exactly, so the strict
//! reader refuses `1e3`, `1,000` and `+5`. Receipts come from customs' own systems, which are
//! written in Java and may print a zero as `0E-8`; the lenient reader takes that too.
//!
//! Receipt times are `yyyy-MM-dd HH:mm:ss` in China time with no offset. They are not checked
//! against the schema's date patterns, which reject every real receipt (they admit years
//! written with the digits 1–9 only); a `T` separator, fractions of a second or a bare date are
//! accepted as well.

use super::xml::Node;
use super::MessageError;
use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::{Decimal, RoundingStrategy};
use std::str::FromStr;

/// Where a value sits, for error messages: the record (`InvtListType 2`) and the element.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    pub record: Option<(&'a str, usize)>,
}

impl At<'_> {
    pub const HEAD: At<'static> = At { record: None };

    pub fn record(&self) -> Option<String> {
        self.record.map(|(name, n)| format!("{name} {n}"))
    }

    fn error(&self, element: &str, value: &str, expected: &'static str) -> MessageError {
        MessageError::BadValue {
            record: self.record(),
            element: element.to_string(),
            value: value.to_string(),
            expected,
        }
    }
}

/// Whether `text` is a plain decimal: optional minus, digits, optional point and digits.
pub fn is_plain_decimal(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && match frac {
            None => true,
            Some(f) => !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()),
        }
}

/// A plain decimal, keeping its scale (`2.3500` stays four places).
pub fn parse_plain_decimal(text: &str) -> Option<Decimal> {
    if !is_plain_decimal(text) {
        return None;
    }
    Decimal::from_str(text).ok()
}

/// A decimal from a receipt: plain, or in the exponent form Java prints (`0E-8`, `1.5E+3`).
pub fn parse_lenient_decimal(text: &str) -> Option<Decimal> {
    parse_plain_decimal(text).or_else(|| {
        let valid = text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'));
        if valid {
            Decimal::from_scientific(text).ok()
        } else {
            None
        }
    })
}

/// Text of a child, `None` when missing or empty.
pub fn text(node: &Node, element: &str) -> Option<String> {
    node.text_of(element).map(str::to_string)
}

/// Text of a child, empty when missing: for fields a validator checks afterwards.
pub fn text_or_empty(node: &Node, element: &str) -> String {
    node.text_of(element).unwrap_or_default().to_string()
}

/// A strict decimal (company files); empty is `None`.
pub fn plain_decimal(node: &Node, element: &str, at: At) -> Result<Option<Decimal>, MessageError> {
    match node.text_of(element) {
        None => Ok(None),
        Some(t) => parse_plain_decimal(t)
            .map(Some)
            .ok_or_else(|| at.error(element, t, "a plain decimal number such as 12.5")),
    }
}

/// A strict decimal that must be there.
pub fn required_decimal(node: &Node, element: &str, at: At) -> Result<Decimal, MessageError> {
    plain_decimal(node, element, at)?.ok_or_else(|| MessageError::Missing {
        record: at.record(),
        element: element.to_string(),
    })
}

/// A receipt decimal; empty is `None`, never zero.
pub fn lenient_decimal(
    node: &Node,
    element: &str,
    at: At,
) -> Result<Option<Decimal>, MessageError> {
    match node.text_of(element) {
        None => Ok(None),
        Some(t) => parse_lenient_decimal(t)
            .map(Some)
            .ok_or_else(|| at.error(element, t, "a decimal number")),
    }
}

/// A whole number ≥ 0; empty is `None`.
pub fn whole(node: &Node, element: &str, at: At) -> Result<Option<u32>, MessageError> {
    match node.text_of(element) {
        None => Ok(None),
        Some(t) if t.bytes().all(|b| b.is_ascii_digit()) => t
            .parse::<u32>()
            .map(Some)
            .map_err(|_| at.error(element, t, "a whole number below 4294967296")),
        Some(t) => Err(at.error(element, t, "a whole number")),
    }
}

/// A whole number that must be there.
pub fn required_whole(node: &Node, element: &str, at: At) -> Result<u32, MessageError> {
    whole(node, element, at)?.ok_or_else(|| MessageError::Missing {
        record: at.record(),
        element: element.to_string(),
    })
}

const DATE_TIME_FORMATS: [&str; 4] = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
];

/// A receipt time (`yyyy-MM-dd HH:mm:ss`, or a bare date read as midnight).
pub fn parse_date_time(text: &str) -> Option<NaiveDateTime> {
    DATE_TIME_FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
}

/// A receipt time; empty is `None`.
pub fn date_time(
    node: &Node,
    element: &str,
    at: At,
) -> Result<Option<NaiveDateTime>, MessageError> {
    match node.text_of(element) {
        None => Ok(None),
        Some(t) => parse_date_time(t)
            .map(Some)
            .ok_or_else(|| at.error(element, t, "a time as yyyy-MM-dd HH:mm:ss")),
    }
}

/// Half-up (四舍五入) to `dp` places; the value keeps at most `dp` places afterwards.
pub fn round_half_up(value: Decimal, dp: u32) -> Decimal {
    value.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// Number of digits a decimal is written with (integer part and fraction, sign excluded).
pub fn digit_count(value: Decimal) -> usize {
    let text = value.abs().to_string();
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    // A leading "0." does not count as a digit of the integer part.
    if value.abs() < Decimal::ONE && text.starts_with('0') {
        digits - 1
    } else {
        digits
    }
}

/// `yyyy-MM-ddTHH:mm:ss`, the envelope's `send_time`.
pub fn format_send_time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// `yyyy-MM-dd HH:mm:ss`, the data-centre time format.
pub fn format_date_time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_decimals_keep_their_scale_and_refuse_other_forms() {
        assert_eq!(
            parse_plain_decimal("2.3500").map(|d| d.to_string()),
            Some("2.3500".into())
        );
        assert_eq!(
            parse_plain_decimal("-49.5").map(|d| d.to_string()),
            Some("-49.5".into())
        );
        for bad in [
            "1e3", "1,000", "+5", ".5", "5.", "", "1_000", " 1", "0x10", "--1",
        ] {
            assert_eq!(parse_plain_decimal(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn receipts_may_print_exponents() {
        assert_eq!(parse_lenient_decimal("0E-8"), Some(Decimal::ZERO));
        assert_eq!(
            parse_lenient_decimal("1.5E+3").map(|d| d.normalize().to_string()),
            Some("1500".into())
        );
        assert_eq!(parse_lenient_decimal("abc"), None);
    }

    #[test]
    fn receipt_times_in_several_spellings() {
        let want = NaiveDate::from_ymd_opt(2026, 3, 16).and_then(|d| d.and_hms_opt(10, 5, 41));
        assert_eq!(parse_date_time("2026-03-16 10:05:41"), want);
        assert_eq!(parse_date_time("2026-03-16T10:05:41"), want);
        assert_eq!(parse_date_time("2026-03-16 10:05:41.000"), want);
        assert_eq!(
            parse_date_time("2026-03-16").map(|t| t.date()),
            want.map(|t| t.date())
        );
        assert_eq!(parse_date_time("16/03/2026"), None);
    }

    #[test]
    fn digit_counts() {
        assert_eq!(digit_count(Decimal::new(12_345, 2)), 5);
        assert_eq!(digit_count(Decimal::new(5, 1)), 1);
        assert_eq!(digit_count(Decimal::new(-495, 1)), 3);
    }
}
