//! Typed access to a row's cells: decimals, dates and months as the contract writes them,
//! every bad value reported with its file, line and column.

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::table::Row;
use super::{push_error, LineError};

/// The most significant digits a decimal may have (what `rust_decimal` holds exactly).
pub const MAX_DECIMAL_DIGITS: usize = 28;

/// Typed field access that collects errors instead of stopping at the first.
pub struct Fields<'a> {
    file: &'a str,
    row: &'a Row,
    errors: &'a mut Vec<LineError>,
    added: usize,
}

impl<'a> Fields<'a> {
    pub fn new(file: &'a str, row: &'a Row, errors: &'a mut Vec<LineError>) -> Self {
        Fields {
            file,
            row,
            errors,
            added: 0,
        }
    }

    /// How many errors this row has had so far (through this `Fields`).
    pub fn error_count(&self) -> usize {
        self.added
    }

    /// A required cell; missing or empty → "is required".
    pub fn text(&mut self, col: &str) -> Option<String> {
        self.cell(col).map(str::to_string)
    }

    /// An optional cell; None when missing or empty.
    pub fn opt_text(&mut self, col: &str) -> Option<String> {
        self.opt_cell(col).map(str::to_string)
    }

    /// A required cell, read in place (for a value parsed from it: no copy of the text).
    pub fn cell(&mut self, col: &str) -> Option<&'a str> {
        let row: &'a Row = self.row;
        let value = row.get(col);
        if value.is_none() {
            self.error(col, "is required");
        }
        value
    }

    /// An optional cell, read in place; None when missing or empty.
    pub fn opt_cell(&self, col: &str) -> Option<&'a str> {
        let row: &'a Row = self.row;
        row.get(col)
    }

    /// A required plain decimal.
    pub fn decimal(&mut self, col: &str) -> Option<Decimal> {
        self.required(col, parse_decimal)
    }

    /// An optional plain decimal.
    pub fn opt_decimal(&mut self, col: &str) -> Option<Decimal> {
        self.optional(col, parse_decimal)
    }

    /// A required date: `YYYY-MM-DD`, `YYYY/M/D` or `YYYYMMDD`.
    pub fn date(&mut self, col: &str) -> Option<NaiveDate> {
        self.required(col, parse_date)
    }

    /// A required month as (year, month): `YYYY-MM`, `YYYY/MM` or `YYYYMM`.
    pub fn month(&mut self, col: &str) -> Option<(i32, u32)> {
        self.required(col, parse_month)
    }

    /// Reports a problem with a cell (the caller's own validation).
    pub fn error(&mut self, col: &str, message: impl Into<String>) {
        self.push(Some(col), message.into());
    }

    /// Reports a problem with the row as a whole.
    pub fn error_line(&mut self, message: impl Into<String>) {
        self.push(None, message.into());
    }

    fn push(&mut self, col: Option<&str>, message: String) {
        self.added += 1;
        push_error(
            self.errors,
            LineError {
                file: self.file.to_string(),
                line: self.row.line,
                column: col.map(str::to_string),
                message,
            },
        );
    }

    fn required<T>(&mut self, col: &str, parse: fn(&str) -> Result<T, String>) -> Option<T> {
        match self.row.get(col) {
            None => {
                self.error(col, "is required");
                None
            }
            Some(v) => self.parsed(col, v, parse),
        }
    }

    fn optional<T>(&mut self, col: &str, parse: fn(&str) -> Result<T, String>) -> Option<T> {
        let v = self.row.get(col)?;
        self.parsed(col, v, parse)
    }

    fn parsed<T>(
        &mut self,
        col: &str,
        value: &str,
        parse: fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        match parse(value) {
            Ok(v) => Some(v),
            Err(message) => {
                self.error(col, message);
                None
            }
        }
    }
}

/// A value quoted for a message: `"12,5"`; a long one is cut short.
pub(crate) fn quote(value: &str) -> String {
    const MAX_CHARS: usize = 40;
    if value.chars().count() > MAX_CHARS {
        let cut: String = value.chars().take(MAX_CHARS).collect();
        format!("{cut:?}…")
    } else {
        format!("{value:?}")
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A plain decimal: optional sign, digits, optionally `.` and digits; spaces around are
/// ignored. No thousands separators, exponents, currency signs or units.
pub fn parse_decimal(raw: &str) -> Result<Decimal, String> {
    let s = raw.trim();
    let not_decimal = || format!("{} is not a decimal number", quote(s));
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, f),
        None => (body, ""),
    };
    if !all_digits(int) || (body.contains('.') && !all_digits(frac)) {
        return Err(not_decimal());
    }
    let int = int.trim_start_matches('0');
    let significant = |frac: &str| {
        if int.is_empty() {
            frac.trim_start_matches('0').len()
        } else {
            int.len() + frac.len()
        }
    };
    let fits = |frac: &str| significant(frac) <= MAX_DECIMAL_DIGITS && frac.len() <= 28;
    // Trailing zeros of the fraction are dropped only when the value would not fit otherwise.
    let frac = if fits(frac) {
        frac
    } else {
        frac.trim_end_matches('0')
    };
    let too_many = || format!("{} has too many digits", quote(s));
    if !fits(frac) {
        return Err(too_many());
    }
    // The number rewritten plainly, on the stack (a load parses a few million): a sign, at
    // most 28 digits before the point and 28 after it, as `fits` has just checked.
    let mut buf = [0u8; 60];
    let mut n = 0;
    let parts: [&[u8]; 4] = [
        if negative { b"-" } else { b"" },
        if int.is_empty() { b"0" } else { int.as_bytes() },
        if frac.is_empty() { b"" } else { b"." },
        frac.as_bytes(),
    ];
    for part in parts {
        let to = buf.get_mut(n..n + part.len()).ok_or_else(too_many)?;
        to.copy_from_slice(part);
        n += part.len();
    }
    let text = std::str::from_utf8(&buf[..n]).map_err(|_| not_decimal())?;
    let mut d = Decimal::from_str_exact(text).map_err(|_| too_many())?;
    if d.is_zero() {
        d.set_sign_positive(true);
    }
    Ok(d)
}

fn number<T: FromStr>(s: &str, min_len: usize, max_len: usize) -> Option<T> {
    if s.len() < min_len || s.len() > max_len || !all_digits(s) {
        return None;
    }
    s.parse().ok()
}

/// Year, month, day from digit strings, each with its least length (years are 4 digits,
/// months and days at most 2).
fn ymd(y: (&str, usize), m: (&str, usize), d: (&str, usize)) -> Option<(i32, u32, u32)> {
    let (year, month) = ym(y, m)?;
    Some((year, month, number(d.0, d.1, 2)?))
}

fn ym(y: (&str, usize), m: (&str, usize)) -> Option<(i32, u32)> {
    Some((number(y.0, y.1, 4)?, number(m.0, m.1, 2)?))
}

/// A date: `YYYY-MM-DD`; also `YYYY/M/D`, `YYYY/MM/DD`, `YYYY-M-D` and `YYYYMMDD`.
pub fn parse_date(raw: &str) -> Result<NaiveDate, String> {
    let s = raw.trim();
    let parts: Option<(i32, u32, u32)> = if s.len() == 8 && all_digits(s) {
        ymd((&s[..4], 4), (&s[4..6], 2), (&s[6..], 2))
    } else {
        let sep = if s.contains('/') { '/' } else { '-' };
        let mut it = s.split(sep);
        match (it.next(), it.next(), it.next(), it.next()) {
            (Some(y), Some(m), Some(d), None) => ymd((y, 4), (m, 1), (d, 1)),
            _ => None,
        }
    };
    parts
        .and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
        .ok_or_else(|| format!("{} is not a date (YYYY-MM-DD)", quote(s)))
}

/// A month as (year, month): `YYYY-MM`; also `YYYY/MM`, `YYYY-M`, `YYYY/M` and `YYYYMM`.
pub fn parse_month(raw: &str) -> Result<(i32, u32), String> {
    let s = raw.trim();
    let parts: Option<(i32, u32)> = if s.len() == 6 && all_digits(s) {
        ym((&s[..4], 4), (&s[4..], 2))
    } else {
        let sep = if s.contains('/') { '/' } else { '-' };
        match s.split_once(sep) {
            Some((y, m)) => ym((y, 4), (m, 1)),
            None => None,
        }
    };
    parts
        .filter(|(_, m)| (1..=12).contains(m))
        .ok_or_else(|| format!("{} is not a month (YYYY-MM)", quote(s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str_exact(s).expect("test decimal")
    }

    #[test]
    fn decimals_good() {
        let cases: &[(&str, &str)] = &[
            ("0", "0"),
            ("12", "12"),
            ("12.5", "12.5"),
            ("12.50", "12.50"),
            ("  12.5 ", "12.5"),
            ("\u{3000}7\u{3000}", "7"),
            ("-3.25", "-3.25"),
            ("+3.25", "3.25"),
            ("-0", "0"),
            ("007.10", "7.10"),
            ("0.0000001", "0.0000001"),
            (
                "1234567890123456789012345678",
                "1234567890123456789012345678",
            ),
            (
                "0.1234567890123456789012345678",
                "0.1234567890123456789012345678",
            ),
            // The longest plain form: a sign, a zero, the point and 28 digits.
            (
                "-000.1234567890123456789012345678",
                "-0.1234567890123456789012345678",
            ),
            (
                "+123456789012345.6789012345678",
                "123456789012345.6789012345678",
            ),
            // Trailing zeros past what fits are dropped, not refused.
            ("1.00000000000000000000000000000", "1"),
        ];
        for (input, want) in cases {
            assert_eq!(parse_decimal(input), Ok(dec(want)), "{input:?}");
        }
        assert!(parse_decimal("-0").is_ok_and(|d| d.is_sign_positive()));
    }

    #[test]
    fn decimals_bad() {
        let cases: &[(&str, &str)] = &[
            ("12,5", r#""12,5" is not a decimal number"#),
            ("1,234.5", r#""1,234.5" is not a decimal number"#),
            ("1e5", r#""1e5" is not a decimal number"#),
            ("1.2E+05", r#""1.2E+05" is not a decimal number"#),
            ("¥12", r#""¥12" is not a decimal number"#),
            ("$12", r#""$12" is not a decimal number"#),
            ("12.5kg", r#""12.5kg" is not a decimal number"#),
            (" 12 5 ", r#""12 5" is not a decimal number"#),
            ("", r#""" is not a decimal number"#),
            ("-", r#""-" is not a decimal number"#),
            ("+-1", r#""+-1" is not a decimal number"#),
            (".5", r#"".5" is not a decimal number"#),
            ("5.", r#""5." is not a decimal number"#),
            ("1.2.3", r#""1.2.3" is not a decimal number"#),
            ("NaN", r#""NaN" is not a decimal number"#),
            ("１２", r#""１２" is not a decimal number"#),
            ("12%", r#""12%" is not a decimal number"#),
            (
                "12345678901234567890123456789",
                r#""12345678901234567890123456789" has too many digits"#,
            ),
            (
                "1.0000000000000000000000000001",
                r#""1.0000000000000000000000000001" has too many digits"#,
            ),
            (
                "0.00000000000000000000000000001",
                r#""0.00000000000000000000000000001" has too many digits"#,
            ),
        ];
        for (input, want) in cases {
            assert_eq!(parse_decimal(input), Err(want.to_string()), "{input:?}");
        }
    }

    #[test]
    fn dates() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("test date");
        let good: &[(&str, NaiveDate)] = &[
            ("2025-03-05", d(2025, 3, 5)),
            (" 2025-03-05 ", d(2025, 3, 5)),
            ("2025/3/5", d(2025, 3, 5)),
            ("2025/03/05", d(2025, 3, 5)),
            ("2025-3-5", d(2025, 3, 5)),
            ("20250305", d(2025, 3, 5)),
            ("2024-02-29", d(2024, 2, 29)),
            ("2025/12/31", d(2025, 12, 31)),
        ];
        for (input, want) in good {
            assert_eq!(parse_date(input), Ok(*want), "{input:?}");
        }
        let bad: &[(&str, &str)] = &[
            ("2025-02-30", r#""2025-02-30" is not a date (YYYY-MM-DD)"#),
            ("2025-02-29", r#""2025-02-29" is not a date (YYYY-MM-DD)"#),
            ("2025-13-01", r#""2025-13-01" is not a date (YYYY-MM-DD)"#),
            ("2025-00-10", r#""2025-00-10" is not a date (YYYY-MM-DD)"#),
            ("20250230", r#""20250230" is not a date (YYYY-MM-DD)"#),
            ("05/03/2025", r#""05/03/2025" is not a date (YYYY-MM-DD)"#),
            ("2025.03.05", r#""2025.03.05" is not a date (YYYY-MM-DD)"#),
            ("2025-03/05", r#""2025-03/05" is not a date (YYYY-MM-DD)"#),
            (
                "2025-03-05 10:00",
                r#""2025-03-05 10:00" is not a date (YYYY-MM-DD)"#,
            ),
            ("25-03-05", r#""25-03-05" is not a date (YYYY-MM-DD)"#),
            ("2025-003-05", r#""2025-003-05" is not a date (YYYY-MM-DD)"#),
            ("2025-03", r#""2025-03" is not a date (YYYY-MM-DD)"#),
            (
                "2025年3月5日",
                r#""2025年3月5日" is not a date (YYYY-MM-DD)"#,
            ),
            ("", r#""" is not a date (YYYY-MM-DD)"#),
        ];
        for (input, want) in bad {
            assert_eq!(parse_date(input), Err(want.to_string()), "{input:?}");
        }
    }

    #[test]
    fn months() {
        let good: &[(&str, (i32, u32))] = &[
            ("2025-03", (2025, 3)),
            ("2025/03", (2025, 3)),
            ("2025/3", (2025, 3)),
            ("202503", (2025, 3)),
            (" 2025-12 ", (2025, 12)),
        ];
        for (input, want) in good {
            assert_eq!(parse_month(input), Ok(*want), "{input:?}");
        }
        let bad: &[(&str, &str)] = &[
            ("2025-13", r#""2025-13" is not a month (YYYY-MM)"#),
            ("2025-00", r#""2025-00" is not a month (YYYY-MM)"#),
            ("202513", r#""202513" is not a month (YYYY-MM)"#),
            ("2025-03-01", r#""2025-03-01" is not a month (YYYY-MM)"#),
            ("03/2025", r#""03/2025" is not a month (YYYY-MM)"#),
            ("2025", r#""2025" is not a month (YYYY-MM)"#),
        ];
        for (input, want) in bad {
            assert_eq!(parse_month(input), Err(want.to_string()), "{input:?}");
        }
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("12,5"), r#""12,5""#);
        assert_eq!(quote("a\"b"), r#""a\"b""#);
        assert_eq!(quote(&"9".repeat(50)), format!("\"{}\"…", "9".repeat(40)));
    }

    #[test]
    fn fields_collect_errors() {
        let row = Row::new(
            17,
            &[
                ("qty", "12,5"),
                ("date", "2025-02-30"),
                ("ref", " R1 "),
                ("unit_price", "3.5"),
                ("month", "2025-04"),
            ],
        );
        let mut errors = Vec::new();
        let mut f = Fields::new("movements.csv", &row, &mut errors);
        assert_eq!(f.decimal("qty"), None);
        assert_eq!(f.date("date"), None);
        assert_eq!(f.text("ref").as_deref(), Some("R1"));
        assert_eq!(f.text("account"), None);
        assert_eq!(f.opt_text("part"), None);
        assert_eq!(f.opt_decimal("unit_price"), Some(dec("3.5")));
        assert_eq!(f.opt_decimal("freight"), None);
        assert_eq!(f.month("month"), Some((2025, 4)));
        f.error("dir", "must be I or E");
        f.error_line("give item or part");
        assert_eq!(f.error_count(), 5);
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                r#"movements.csv:17: qty: "12,5" is not a decimal number"#,
                r#"movements.csv:17: date: "2025-02-30" is not a date (YYYY-MM-DD)"#,
                "movements.csv:17: account: is required",
                "movements.csv:17: dir: must be I or E",
                "movements.csv:17: give item or part",
            ]
        );
    }
}
