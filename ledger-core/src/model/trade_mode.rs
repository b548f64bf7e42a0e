//! Trade modes (监管方式) and what a verification-list line of each does to a book.
//!
//! The table is DOMAIN.md §2 and CONTRACT.md "Which balance column a movement moves":
//! the code, the direction and the kind of goods together decide the effect. A code belongs to
//! purchased (进料) or supplied (来料) books, or to both (destruction, outward processing).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::model::refusal::InvalidValue;

/// 进料 (the company buys the materials) or 来料 (a foreign party supplies them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookKind {
    Purchased,
    Supplied,
}

impl fmt::Display for BookKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BookKind::Purchased => "purchased (进料)",
            BookKind::Supplied => "supplied (来料)",
        })
    }
}

/// Import (I) or export (E) mark of a verification-list line. Destruction is `E`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Direction {
    I,
    E,
}

impl FromStr for Direction {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if one_of(t, &["I", "进", "进口"]) {
            Ok(Direction::I)
        } else if one_of(t, &["E", "出", "出口"]) {
            Ok(Direction::E)
        } else {
            Err(InvalidValue {
                what: "direction",
                value: s.to_string(),
                why: "the direction is I (import) or E (export)".into(),
            })
        }
    }
}

/// `value` is one of `names`, ASCII letters in either case (a load reads a few of these per
/// line: compared in place, not upper-cased into a new string first).
pub(crate) fn one_of(value: &str, names: &[&str]) -> bool {
    names.iter().any(|n| value.eq_ignore_ascii_case(n))
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::I => "I",
            Direction::E => "E",
        })
    }
}

/// Material (料件), finished product (成品) or scrap (边角料).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum GoodsKind {
    M,
    P,
    S,
}

impl FromStr for GoodsKind {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if one_of(t, &["M", "I", "料件"]) {
            Ok(GoodsKind::M)
        } else if one_of(t, &["P", "E", "成品"]) {
            Ok(GoodsKind::P)
        } else if one_of(t, &["S", "边角料"]) {
            Ok(GoodsKind::S)
        } else {
            Err(InvalidValue {
                what: "goods",
                value: s.to_string(),
                why: "goods are M (material), P (finished product) or S (scrap)".into(),
            })
        }
    }
}

impl GoodsKind {
    pub fn noun(self) -> &'static str {
        match self {
            GoodsKind::M => "material",
            GoodsKind::P => "finished item",
            GoodsKind::S => "scrap item",
        }
    }
}

impl fmt::Display for GoodsKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GoodsKind::M => "M",
            GoodsKind::P => "P",
            GoodsKind::S => "S",
        })
    }
}

/// Every trade mode the ledger knows, plus `OWP` (outward processing, no declaration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TradeMode {
    #[serde(rename = "0615")]
    M0615,
    #[serde(rename = "0214")]
    M0214,
    #[serde(rename = "0715")]
    M0715,
    #[serde(rename = "0654")]
    M0654,
    #[serde(rename = "0255")]
    M0255,
    #[serde(rename = "0657")]
    M0657,
    #[serde(rename = "0258")]
    M0258,
    #[serde(rename = "0644")]
    M0644,
    #[serde(rename = "0245")]
    M0245,
    #[serde(rename = "0664")]
    M0664,
    #[serde(rename = "0265")]
    M0265,
    #[serde(rename = "0700")]
    M0700,
    #[serde(rename = "0300")]
    M0300,
    #[serde(rename = "4600")]
    M4600,
    #[serde(rename = "4400")]
    M4400,
    #[serde(rename = "0844")]
    M0844,
    #[serde(rename = "0845")]
    M0845,
    #[serde(rename = "0864")]
    M0864,
    #[serde(rename = "0865")]
    M0865,
    #[serde(rename = "0200")]
    M0200,
    #[serde(rename = "0400")]
    M0400,
    #[serde(rename = "0642")]
    M0642,
    #[serde(rename = "0744")]
    M0744,
    #[serde(rename = "0345")]
    M0345,
    #[serde(rename = "OWP")]
    Owp,
}

const ALL_MODES: [(TradeMode, &str); 25] = [
    (TradeMode::M0615, "0615"),
    (TradeMode::M0214, "0214"),
    (TradeMode::M0715, "0715"),
    (TradeMode::M0654, "0654"),
    (TradeMode::M0255, "0255"),
    (TradeMode::M0657, "0657"),
    (TradeMode::M0258, "0258"),
    (TradeMode::M0644, "0644"),
    (TradeMode::M0245, "0245"),
    (TradeMode::M0664, "0664"),
    (TradeMode::M0265, "0265"),
    (TradeMode::M0700, "0700"),
    (TradeMode::M0300, "0300"),
    (TradeMode::M4600, "4600"),
    (TradeMode::M4400, "4400"),
    (TradeMode::M0844, "0844"),
    (TradeMode::M0845, "0845"),
    (TradeMode::M0864, "0864"),
    (TradeMode::M0865, "0865"),
    (TradeMode::M0200, "0200"),
    (TradeMode::M0400, "0400"),
    (TradeMode::M0642, "0642"),
    (TradeMode::M0744, "0744"),
    (TradeMode::M0345, "0345"),
    (TradeMode::Owp, "OWP"),
];

impl TradeMode {
    pub fn all() -> impl Iterator<Item = TradeMode> {
        ALL_MODES.iter().map(|(m, _)| *m)
    }

    pub fn code(self) -> &'static str {
        ALL_MODES
            .iter()
            .find(|(m, _)| *m == self)
            .map(|(_, c)| *c)
            .unwrap_or("????")
    }

    /// Which kind of book may use this code; `None`: both kinds.
    pub fn book_kind(self) -> Option<BookKind> {
        use TradeMode::*;
        match self {
            M0615 | M0715 | M0654 | M0657 | M0644 | M0664 | M0700 | M4600 | M0844 | M0864
            | M0642 | M0744 => Some(BookKind::Purchased),
            M0214 | M0255 | M0258 | M0245 | M0265 | M0300 | M4400 | M0845 | M0865 | M0345 => {
                Some(BookKind::Supplied)
            }
            M0200 | M0400 | Owp => None,
        }
    }

    /// What a line of this code, direction and goods does; `None` when the combination is not
    /// a movement customs knows (for example an export of materials under 0615).
    pub fn effect(self, dir: Direction, goods: GoodsKind) -> Option<MovementClass> {
        use Direction::{E, I};
        use GoodsKind::{M, P, S};
        use MovementClass as C;
        use TradeMode::*;
        Some(match (self, dir, goods) {
            (M0615 | M0214 | M0715, I, M) => C::Material(Column::Imported, Sign::Plus),
            (M0615 | M0214, E, P) => C::Finished(Column::Consumed, Sign::Plus),
            (M0654 | M0255, I, M) => C::Material(Column::CarriedIn, Sign::Plus),
            (M0654 | M0255, E, P) => C::Finished(Column::CarriedOut, Sign::Plus),
            (M0657 | M0258, E, M) => C::Material(Column::CarriedOut, Sign::Plus),
            (M0657 | M0258, I, M) => C::Material(Column::CarriedIn, Sign::Plus),
            (M0644 | M0245, I, M) => C::Material(Column::DomesticSold, Sign::Plus),
            (M0644 | M0245, I, P) => C::Finished(Column::DomesticSold, Sign::Plus),
            (M0664 | M0265, E, M) => C::Material(Column::ReExported, Sign::Plus),
            (M0700 | M0300, E, M) => C::Material(Column::ReExported, Sign::Plus),
            (M0700 | M0300, I, M) => C::Material(Column::Imported, Sign::Plus),
            (M4600 | M4400, I, P) => C::Finished(Column::Consumed, Sign::Minus),
            (M4600 | M4400, E, P) => C::Finished(Column::Consumed, Sign::Plus),
            (M0642 | M0744 | M0345, _, P) => C::Finished(Column::Consumed, Sign::Plus),
            (M0844 | M0845, I, S) => C::ScrapOut,
            (M0864 | M0865, E, S) => C::ScrapOut,
            (M0200, E, M) => C::Material(Column::Destroyed, Sign::Plus),
            (M0400, E, S) => C::ScrapOut,
            (Owp, E, M | P) => C::OutwardSent,
            (Owp, I, M | P) => C::OutwardReturned,
            _ => return None,
        })
    }

    /// Whether the line is a direct import whose CIF value counts against the capacity cap.
    pub fn counts_against_cap(self, dir: Direction, goods: GoodsKind) -> bool {
        matches!(
            (self, dir, goods),
            (
                TradeMode::M0615 | TradeMode::M0214 | TradeMode::M0715,
                Direction::I,
                GoodsKind::M
            )
        )
    }

    /// The combinations a line of this code may take, for error messages.
    pub fn allowed_combinations(self) -> Vec<String> {
        let mut out = Vec::new();
        for dir in [Direction::I, Direction::E] {
            for goods in [GoodsKind::M, GoodsKind::P, GoodsKind::S] {
                if self.effect(dir, goods).is_some() {
                    out.push(format!("dir {dir} goods {goods}"));
                }
            }
        }
        out
    }
}

impl FromStr for TradeMode {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        ALL_MODES
            .iter()
            .find(|(_, c)| c.eq_ignore_ascii_case(t))
            .map(|(m, _)| *m)
            .ok_or_else(|| InvalidValue {
                what: "trade mode",
                value: s.to_string(),
                why: "not a processing-trade mode this ledger knows (0615, 0214, 0715, 0654, \
                      0255, 0657, 0258, 0644, 0245, 0664, 0265, 0700, 0300, 4600, 4400, 0844, \
                      0845, 0864, 0865, 0200, 0400, 0642, 0744, 0345, OWP)"
                    .into(),
            })
    }
}

impl fmt::Display for TradeMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A balance column of a material (CONTRACT.md `balance`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    Opening,
    Imported,
    CarriedIn,
    Consumed,
    CarriedOut,
    DomesticSold,
    ReExported,
    Destroyed,
}

impl Column {
    /// +1 when the column adds to the balance, −1 when it takes away.
    pub fn adds(self) -> bool {
        matches!(self, Column::Opening | Column::Imported | Column::CarriedIn)
    }
    pub fn name(self) -> &'static str {
        match self {
            Column::Opening => "opening",
            Column::Imported => "imported",
            Column::CarriedIn => "carried_in",
            Column::Consumed => "consumed",
            Column::CarriedOut => "carried_out",
            Column::DomesticSold => "domestic_sold",
            Column::ReExported => "re_exported",
            Column::Destroyed => "destroyed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    Plus,
    Minus,
}

/// What one line does, before quantities are worked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovementClass {
    /// The line's quantity moves this column of the material itself.
    Material(Column, Sign),
    /// The line's finished quantity, converted to materials by the BOM, moves this column.
    Finished(Column, Sign),
    /// Scrap leaves the scrap stock (sale, re-export, destruction).
    ScrapOut,
    /// Goods go to a subcontractor and stay on the book.
    OutwardSent,
    OutwardReturned,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_parses_and_prints_back() {
        for m in TradeMode::all() {
            assert_eq!(m.code().parse::<TradeMode>().ok(), Some(m));
            assert!(!m.allowed_combinations().is_empty(), "{m} has no use");
        }
        assert!("0616".parse::<TradeMode>().is_err());
        assert_eq!("owp".parse::<TradeMode>().ok(), Some(TradeMode::Owp));
    }

    /// Each text parses to its value, or fails to parse where the value is `None`.
    fn reads_as<T: FromStr + PartialEq + std::fmt::Debug>(cases: &[(&str, Option<T>)]) {
        for (text, want) in cases {
            assert_eq!(text.parse::<T>().ok().as_ref(), want.as_ref(), "{text:?}");
        }
    }

    /// The spellings a CSV cell may use, with the case and spaces a spreadsheet leaves.
    #[test]
    fn direction_goods_and_incoterm_read_in_any_case() {
        use crate::model::customs_value::Incoterm;
        let directions = [
            ("I", Some(Direction::I)),
            (" i ", Some(Direction::I)),
            ("进口", Some(Direction::I)),
            ("进", Some(Direction::I)),
            ("e", Some(Direction::E)),
            ("出口", Some(Direction::E)),
            ("X", None),
            ("", None),
            ("ie", None),
        ];
        reads_as(&directions);
        let goods = [
            ("m", Some(GoodsKind::M)),
            ("I", Some(GoodsKind::M)),
            ("料件", Some(GoodsKind::M)),
            ("p", Some(GoodsKind::P)),
            ("E", Some(GoodsKind::P)),
            ("成品", Some(GoodsKind::P)),
            (" s", Some(GoodsKind::S)),
            ("边角料", Some(GoodsKind::S)),
            ("料", None),
            ("MP", None),
        ];
        reads_as(&goods);
        let incoterms = [
            ("cif", Some(Incoterm::CIF)),
            ("Fob", Some(Incoterm::FOB)),
            ("c&f", Some(Incoterm::CFR)),
            ("CNF", Some(Incoterm::CFR)),
            ("cfr ", Some(Incoterm::CFR)),
            ("exw", Some(Incoterm::EXW)),
            ("DDP", None),
            ("CI", None),
        ];
        reads_as(&incoterms);
        assert_eq!(" Owp ".parse::<TradeMode>().ok(), Some(TradeMode::Owp));
    }

    #[test]
    fn serde_uses_the_customs_code() {
        let json = serde_json::to_string(&TradeMode::M0615).expect("serialize");
        assert_eq!(json, "\"0615\"");
    }

    #[test]
    fn column_table_of_the_contract() {
        use Column::*;
        use Direction::{E, I};
        use GoodsKind::{M, P, S};
        use MovementClass as C;
        use TradeMode::*;
        let cases = [
            (M0615, I, M, Some(C::Material(Imported, Sign::Plus))),
            (M0214, I, M, Some(C::Material(Imported, Sign::Plus))),
            (M0715, I, M, Some(C::Material(Imported, Sign::Plus))),
            (M0700, I, M, Some(C::Material(Imported, Sign::Plus))),
            (M0300, I, M, Some(C::Material(Imported, Sign::Plus))),
            (M0654, I, M, Some(C::Material(CarriedIn, Sign::Plus))),
            (M0657, I, M, Some(C::Material(CarriedIn, Sign::Plus))),
            (M0615, E, P, Some(C::Finished(Consumed, Sign::Plus))),
            (M0642, E, P, Some(C::Finished(Consumed, Sign::Plus))),
            (M4600, E, P, Some(C::Finished(Consumed, Sign::Plus))),
            (M4400, I, P, Some(C::Finished(Consumed, Sign::Minus))),
            (M0654, E, P, Some(C::Finished(CarriedOut, Sign::Plus))),
            (M0258, E, M, Some(C::Material(CarriedOut, Sign::Plus))),
            (M0644, I, M, Some(C::Material(DomesticSold, Sign::Plus))),
            (M0245, I, P, Some(C::Finished(DomesticSold, Sign::Plus))),
            (M0664, E, M, Some(C::Material(ReExported, Sign::Plus))),
            (M0300, E, M, Some(C::Material(ReExported, Sign::Plus))),
            (M0200, E, M, Some(C::Material(Destroyed, Sign::Plus))),
            (M0400, E, S, Some(C::ScrapOut)),
            (M0844, I, S, Some(C::ScrapOut)),
            (M0865, E, S, Some(C::ScrapOut)),
            (Owp, E, M, Some(C::OutwardSent)),
            (Owp, I, M, Some(C::OutwardReturned)),
            (M0615, E, M, None),
            (M0644, E, M, None),
            (M0844, I, M, None),
            (M0200, E, S, None),
        ];
        for (mode, dir, goods, want) in cases {
            assert_eq!(mode.effect(dir, goods), want, "{mode} {dir} {goods}");
        }
    }

    #[test]
    fn codes_belong_to_one_kind_of_book() {
        assert_eq!(TradeMode::M0615.book_kind(), Some(BookKind::Purchased));
        assert_eq!(TradeMode::M0214.book_kind(), Some(BookKind::Supplied));
        assert_eq!(TradeMode::M0200.book_kind(), None);
    }
}
