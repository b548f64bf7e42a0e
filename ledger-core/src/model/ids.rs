//! Validated identifiers of the customs world: book numbers, item numbers, part numbers,
//! HS codes, units, currencies. Each parses from the text a clerk types and refuses anything
//! customs would not accept, so the rest of the core never sees a malformed value.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::model::refusal::InvalidValue;

fn invalid(what: &'static str, value: &str, why: impl Into<String>) -> InvalidValue {
    InvalidValue {
        what,
        value: value.to_string(),
        why: why.into(),
    }
}

/// A book: an e-account (`E…`) or a manual (`B…` supplied, `C…` purchased). 12 characters,
/// upper-case letters and digits, as 金关二期 issues them.
///
/// Kept inline (12 bytes, no allocation): every movement line of a book carries its number.
/// Read from JSON without an allocation too (`from_text`).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BookNo([u8; 12]);

impl<'de> Deserialize<'de> for BookNo {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_text(d, "a book number")
    }
}

/// Reads a value from the text of a JSON string by its `FromStr`, borrowing the text where
/// the JSON allows: no `String` per field, as `try_from = "String"` makes (a replay reads a
/// book number and a currency on each of a million lines).
fn from_text<'de, D, T>(d: D, what: &'static str) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    struct Text<T>(&'static str, std::marker::PhantomData<T>);
    impl<T: FromStr> serde::de::Visitor<'_> for Text<T>
    where
        T::Err: fmt::Display,
    {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{}, as a string", self.0)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
            v.parse().map_err(E::custom)
        }
    }
    d.deserialize_str(Text(what, std::marker::PhantomData))
}

/// `text`, trimmed, upper-cased into `N` bytes if it is `N` ASCII bytes each passing `ok`
/// (upper-cased); else `None`.
fn upper_ascii<const N: usize>(text: &str, ok: impl Fn(u8) -> bool) -> Option<[u8; N]> {
    let b = text.trim().as_bytes();
    if b.len() != N {
        return None;
    }
    let mut out = [0u8; N];
    for (o, c) in out.iter_mut().zip(b) {
        *o = c.to_ascii_uppercase();
        if !ok(*o) {
            return None;
        }
    }
    Some(out)
}

impl BookNo {
    pub fn as_str(&self) -> &str {
        // Only ASCII letters and digits get in (`from_str`), so this is always UTF-8.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl FromStr for BookNo {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let Some(bytes) = upper_ascii::<12>(s, |c| c.is_ascii_alphanumeric()) else {
            return Err(invalid(
                "book number",
                s,
                "a book number has 12 letters and digits, like E44038000001",
            ));
        };
        if !matches!(bytes[0], b'E' | b'B' | b'C') {
            return Err(invalid(
                "book number",
                s,
                "a book number starts with E (e-account), B or C (manual)",
            ));
        }
        Ok(BookNo(bytes))
    }
}

/// The customs item number (备案序号) of a material, finished or scrap item in a book.
/// In JSON it is a decimal string like every number of the contract ("12"); a bare number is
/// read too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ItemNo(pub u32);

impl Serialize for ItemNo {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; 20];
        s.serialize_str(crate::model::digits::decimal(self.0.into(), &mut buf))
    }
}

impl<'de> Deserialize<'de> for ItemNo {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A visitor, not an untagged enum: that would buffer the value and build an error
        // message for every string before reading it as one (a replay reads millions).
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = ItemNo;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an item number, as a decimal string or a whole number")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ItemNo, E> {
                u32::try_from(v)
                    .map(ItemNo)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ItemNo, E> {
                u32::try_from(v)
                    .map(ItemNo)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(v), &self))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ItemNo, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_any(Visitor)
    }
}

pub const MAX_ITEM_NO: u32 = 999_999;

impl FromStr for ItemNo {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        match t.parse::<u32>() {
            Ok(n) if (1..=MAX_ITEM_NO).contains(&n) => Ok(ItemNo(n)),
            _ => Err(invalid(
                "item number",
                s,
                "an item number (备案序号) is a whole number from 1 to 999999",
            )),
        }
    }
}

/// A company part number (料号) from the ERP, merged into a customs item.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PartNo(String);

impl PartNo {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for PartNo {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.is_empty() || t.chars().count() > 64 || t.chars().any(|c| c.is_control() || c == '|') {
            return Err(invalid(
                "part number",
                s,
                "a part number has 1 to 64 characters and no '|' or control characters",
            ));
        }
        Ok(PartNo(t.to_string()))
    }
}

/// A 10-digit HS code (商品编码) as 金关二期 declares it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HsCode(String);

impl HsCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The 4-digit heading the production-capacity certificate lists.
    pub fn heading(&self) -> Heading {
        Heading(self.0[..4].to_string())
    }
    /// Whether this code falls under `prefix` (a heading or any longer prefix of digits).
    pub fn starts_with(&self, prefix: &str) -> bool {
        self.0.starts_with(prefix)
    }
}

impl FromStr for HsCode {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t: String = s.trim().chars().filter(|c| *c != '.').collect();
        if t.len() != 10 || !t.chars().all(|c| c.is_ascii_digit()) {
            return Err(invalid(
                "HS code",
                s,
                "an HS code (商品编码) has exactly 10 digits",
            ));
        }
        Ok(HsCode(t))
    }
}

/// A 4-digit HS heading: the scope of a book's production-capacity certificate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Heading(String);

impl Heading {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Heading {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.len() != 4 || !t.chars().all(|c| c.is_ascii_digit()) {
            return Err(invalid(
                "HS heading",
                s,
                "an HS heading has exactly 4 digits, like 8542",
            ));
        }
        Ok(Heading(t.to_string()))
    }
}

/// A unit of measure as declared (千克, 个, PCS …): free text, short, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Unit(String);

impl Unit {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Unit {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.is_empty() || t.chars().count() > 16 || t.chars().any(char::is_control) {
            return Err(invalid("unit", s, "a unit has 1 to 16 characters"));
        }
        Ok(Unit(t.to_string()))
    }
}

/// An ISO 4217 currency code (USD, EUR, JPY, HKD, CNY …), kept inline (3 bytes).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_text(d, "a currency")
    }
}

impl Currency {
    pub fn as_str(&self) -> &str {
        // Only ASCII capitals get in (`from_str`), so this is always UTF-8.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
    pub fn usd() -> Self {
        Currency(*b"USD")
    }
    pub fn cny() -> Self {
        Currency(*b"CNY")
    }
    pub fn is_cny(&self) -> bool {
        &self.0 == b"CNY"
    }
}

impl FromStr for Currency {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match upper_ascii::<3>(s, |c| c.is_ascii_uppercase()) {
            Some(bytes) => Ok(Currency(bytes)),
            None => Err(invalid(
                "currency",
                s,
                "a currency is a 3-letter ISO code like USD, EUR, JPY or CNY",
            )),
        }
    }
}

/// The company's customs registration code (海关编码): 10 letters and digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CompanyCode(String);

impl FromStr for CompanyCode {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_uppercase();
        if t.len() != 10 || !t.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(invalid(
                "company code",
                s,
                "a company customs code has 10 letters and digits",
            ));
        }
        Ok(CompanyCode(t))
    }
}

macro_rules! string_newtype_glue {
    ($($t:ident),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl TryFrom<String> for $t {
            type Error = InvalidValue;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }
    )*};
}
string_newtype_glue!(PartNo, HsCode, Heading, Unit, CompanyCode);

/// The same glue for the identifiers kept inline as ASCII bytes.
macro_rules! inline_newtype_glue {
    ($($t:ident),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($t)).field(&self.as_str()).finish()
            }
        }
        impl TryFrom<String> for $t {
            type Error = InvalidValue;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.as_str().to_string()
            }
        }
        /// As its text, written straight from the inline bytes.
        impl Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    )*};
}
inline_newtype_glue!(BookNo, Currency);

impl fmt::Display for ItemNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written straight from their bytes or digits, identifiers are the same JSON text as
    /// before: a string each.
    #[test]
    fn identifiers_in_json() {
        let book: BookNo = "e44038000001".parse().expect("book");
        let usd: Currency = "usd".parse().expect("currency");
        assert_eq!(
            serde_json::to_string(&book).expect("json"),
            r#""E44038000001""#
        );
        assert_eq!(serde_json::to_string(&usd).expect("json"), r#""USD""#);
        for n in [0u32, 7, 1_234, u32::MAX] {
            assert_eq!(
                serde_json::to_string(&ItemNo(n)).expect("json"),
                format!("\"{n}\"")
            );
        }
        let back: BookNo = serde_json::from_str(r#""E44038000001""#).expect("read back");
        assert_eq!(back, book);
    }

    /// Read from JSON as from the text a clerk types, escaped or not; anything else refused
    /// with the reason.
    #[test]
    fn book_numbers_and_currencies_from_json() {
        let book: BookNo = "E44038000001".parse().expect("book");
        for json in [
            r#""e44038000001""#,
            r#""\u004544038000001""#,
            r#"" E44038000001""#,
        ] {
            let read: BookNo = serde_json::from_str(json).expect(json);
            assert_eq!(read, book, "{json}");
        }
        let usd: Currency = serde_json::from_str(r#""usd""#).expect("usd");
        assert_eq!(usd, Currency::usd());
        let err = serde_json::from_str::<BookNo>(r#""X44038000001""#).expect_err("refused");
        assert!(err.to_string().contains("starts with E"), "{err}");
        let err = serde_json::from_str::<Currency>("840").expect_err("refused");
        assert!(err.to_string().contains("a currency, as a string"), "{err}");
        assert!(serde_json::from_str::<BookNo>("null").is_err());
    }

    #[test]
    fn book_numbers() {
        let cases = [
            ("E44038000001", Some("E44038000001")),
            ("e44038000001", Some("E44038000001")),
            (" C51234567890 ", Some("C51234567890")),
            ("B51234567890", Some("B51234567890")),
            ("X44038000001", None),
            ("E4403800000", None),
            ("E4403800000-", None),
            ("E44038000千", None), // 12 bytes, not 12 letters and digits
            ("", None),
        ];
        for (input, want) in cases {
            let got = input.parse::<BookNo>().ok().map(|b| b.to_string());
            assert_eq!(got.as_deref(), want, "{input:?}");
        }
    }

    #[test]
    fn hs_codes_and_headings() {
        let hs: HsCode = "8542.3190.00".parse().expect("dotted HS code");
        assert_eq!(hs.as_str(), "8542319000");
        assert_eq!(hs.heading().as_str(), "8542");
        assert!("854231900".parse::<HsCode>().is_err());
        assert!("85423190001".parse::<HsCode>().is_err());
        assert!("85A2319000".parse::<HsCode>().is_err());
        assert!("854".parse::<Heading>().is_err());
    }

    #[test]
    fn item_numbers_are_strings_in_json() {
        assert_eq!(serde_json::to_string(&ItemNo(12)).expect("json"), "\"12\"");
        assert_eq!(
            serde_json::from_str::<ItemNo>("\"12\"").ok(),
            Some(ItemNo(12))
        );
        assert_eq!(serde_json::from_str::<ItemNo>("12").ok(), Some(ItemNo(12)));
        assert!(serde_json::from_str::<ItemNo>("\"0\"").is_err());
    }

    #[test]
    fn items_currencies_units() {
        assert_eq!("0012".parse::<ItemNo>().ok(), Some(ItemNo(12)));
        assert!("0".parse::<ItemNo>().is_err());
        assert!("1.5".parse::<ItemNo>().is_err());
        assert_eq!("usd".parse::<Currency>().ok(), Some(Currency::usd()));
        assert!("US".parse::<Currency>().is_err());
        for bad in ["US1", "u$d", "美元", "USDD", ""] {
            assert!(bad.parse::<Currency>().is_err(), "{bad:?}");
        }
        assert_eq!(" eur ".parse::<Currency>().ok(), "EUR".parse().ok());
        assert!("千克".parse::<Unit>().is_ok());
        assert!("".parse::<Unit>().is_err());
        assert!("A|B".parse::<PartNo>().is_err());
    }
}
