//! The customs value (CIF) of an import line, from its incoterm.
//!
//! FOB adds freight and insurance; CFR adds insurance; EXW adds all freight and insurance; CIF
//! is the price. Where insurance is not known it is (price + freight) × 3‰, rounded half-up to
//! 0.01 of the import's currency (DOMAIN.md §3, valuation rules of seed 003). FOB and EXW
//! without freight are refused: customs would have to estimate it.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::model::money::round_cents;
use crate::model::refusal::{InvalidValue, Refusal};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Incoterm {
    #[default]
    CIF,
    FOB,
    CFR,
    EXW,
}

impl FromStr for Incoterm {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        use crate::model::trade_mode::one_of;
        let t = s.trim();
        if one_of(t, &["CIF"]) {
            Ok(Incoterm::CIF)
        } else if one_of(t, &["FOB"]) {
            Ok(Incoterm::FOB)
        } else if one_of(t, &["CFR", "C&F", "CNF"]) {
            Ok(Incoterm::CFR)
        } else if one_of(t, &["EXW"]) {
            Ok(Incoterm::EXW)
        } else {
            Err(InvalidValue {
                what: "incoterm",
                value: s.to_string(),
                why: "the incoterm is CIF, FOB, CFR or EXW".into(),
            })
        }
    }
}

impl fmt::Display for Incoterm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

/// 3‰ of (price + freight), the insurance customs assumes when none is declared. `None` where
/// the sum would not fit a `Decimal`.
pub fn assumed_insurance(price: Decimal, freight: Decimal) -> Option<Decimal> {
    Some(round_cents(
        price.checked_add(freight)? * Decimal::new(3, 3),
    ))
}

/// Declared insurance, or 3‰ where it is unknown or not incurred: empty or 0 (DOMAIN.md §3,
/// GACC Order 213).
fn insurance_or_assumed(
    insurance: Option<Decimal>,
    price: Decimal,
    freight: Decimal,
) -> Option<Decimal> {
    match insurance {
        Some(i) if !i.is_zero() => Some(i),
        _ => assumed_insurance(price, freight),
    }
}

/// Whether a line's `freight` is left out of its customs value: a CFR or CIF price (CIF when
/// no incoterm is given) already holds the freight, so a freight other than 0 given with it is
/// ignored, and the loader says so with a notice naming the line (DOMAIN.md §3).
pub fn freight_ignored(incoterm: Incoterm, freight: Option<Decimal>) -> bool {
    matches!(incoterm, Incoterm::CIF | Incoterm::CFR) && freight.is_some_and(|f| !f.is_zero())
}

/// CIF of a line whose goods cost `price` (the line total) under `incoterm`, in the line's
/// currency. `freight` and `insurance` are the line's totals where declared. A CFR or CIF
/// price already holds the freight: a `freight` given with it is ignored (DOMAIN.md §3; the
/// loader's notice: [`freight_ignored`]). `Ok(None)` where the sum would not fit a `Decimal`.
pub fn cif_value(
    incoterm: Incoterm,
    price: Decimal,
    freight: Option<Decimal>,
    insurance: Option<Decimal>,
) -> Result<Option<Decimal>, Refusal> {
    match incoterm {
        Incoterm::CIF => Ok(Some(price)),
        Incoterm::CFR => {
            // The CFR price already holds the freight: insurance is 3‰ of it.
            Ok(insurance_or_assumed(insurance, price, Decimal::ZERO)
                .and_then(|i| price.checked_add(i)))
        }
        Incoterm::FOB | Incoterm::EXW => {
            let freight = freight.ok_or_else(|| {
                Refusal::bad(
                    "freight",
                    format!(
                        "an {incoterm} import needs its freight to make the customs value (CIF); \
                         give the freight column"
                    ),
                )
            })?;
            Ok(insurance_or_assumed(insurance, price, freight)
                .and_then(|i| price.checked_add(freight)?.checked_add(i)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    /// Hand-computed CIF values.
    #[test]
    fn cif_table() {
        let cases = [
            // CIF: the price itself.
            (Incoterm::CIF, dec!(1000), None, None, dec!(1000)),
            // FOB 1000 + freight 50 + insurance given 2 = 1052
            (
                Incoterm::FOB,
                dec!(1000),
                Some(dec!(50)),
                Some(dec!(2)),
                dec!(1052),
            ),
            // FOB 1000 + 50 + (1050 × 0.003 = 3.15) = 1053.15
            (
                Incoterm::FOB,
                dec!(1000),
                Some(dec!(50)),
                None,
                dec!(1053.15),
            ),
            // CFR 1000 + (1000 × 0.003 = 3.00) = 1003
            (Incoterm::CFR, dec!(1000), None, None, dec!(1003.00)),
            // EXW 333.33 + 10 + (343.33 × 0.003 = 1.02999 → 1.03) = 344.36
            (
                Incoterm::EXW,
                dec!(333.33),
                Some(dec!(10)),
                None,
                dec!(344.36),
            ),
            // FOB 1.5 + 0 + (1.5 × 0.003 = 0.0045 → 0.00) = 1.5
            (Incoterm::FOB, dec!(1.5), Some(dec!(0)), None, dec!(1.50)),
            // FOB 500 + 1 + (501 × 0.003 = 1.503 → 1.50) = 502.50
            (Incoterm::FOB, dec!(500), Some(dec!(1)), None, dec!(502.50)),
        ];
        for (term, price, freight, insurance, want) in cases {
            let got = cif_value(term, price, freight, insurance)
                .expect("valued")
                .expect("fits");
            assert_eq!(got, want, "{term} {price} {freight:?} {insurance:?}");
        }
    }

    /// An incoterm is written as its code, and read back from it (C&F and CNF are CFR).
    #[test]
    fn incoterms_read_and_written() {
        for (text, term, written) in [
            ("CIF", Incoterm::CIF, "CIF"),
            ("fob", Incoterm::FOB, "FOB"),
            ("C&F", Incoterm::CFR, "CFR"),
            ("CNF", Incoterm::CFR, "CFR"),
            (" EXW ", Incoterm::EXW, "EXW"),
        ] {
            let got: Incoterm = text.parse().expect("an incoterm");
            assert_eq!(
                (got, got.to_string()),
                (term, written.to_string()),
                "{text}"
            );
        }
        assert!("DDP".parse::<Incoterm>().is_err());
    }

    #[test]
    fn freight_is_ignored_only_in_a_cfr_or_cif_price() {
        let cases = [
            (Incoterm::CIF, Some(dec!(50)), true),
            (Incoterm::CFR, Some(dec!(0.01)), true),
            (Incoterm::CIF, Some(dec!(0)), false),
            (Incoterm::CFR, None, false),
            (Incoterm::FOB, Some(dec!(50)), false),
            (Incoterm::EXW, Some(dec!(50)), false),
        ];
        for (term, freight, want) in cases {
            assert_eq!(freight_ignored(term, freight), want, "{term} {freight:?}");
        }
    }

    #[test]
    fn fob_and_exw_need_freight() {
        for term in [Incoterm::FOB, Incoterm::EXW] {
            let err = cif_value(term, dec!(100), None, None).expect_err("refused");
            assert_eq!(err.column(), Some("freight"));
        }
    }
}

/// CIF against an oracle in whole cents: the assumed insurance is (price + freight) × 3 / 1000
/// half-up to the cent; declared insurance (not 0) is used as given.
#[cfg(test)]
mod oracle {
    use super::*;
    use proptest::prelude::*;

    fn cents(c: i128) -> Decimal {
        Decimal::from_i128_with_scale(c, 2)
    }

    fn assumed(base: i128) -> i128 {
        (2 * base * 3 + 1_000) / 2_000
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn cif_matches_the_whole_cent_oracle(
            price in 0i128..10_000_000_000_000_000,
            freight in 0i128..1_000_000_000_000,
            insurance in prop_oneof![Just(None), Just(Some(0i128)), (1i128..1_000_000_000).prop_map(Some)],
            term in prop_oneof![Just(Incoterm::CIF), Just(Incoterm::CFR), Just(Incoterm::FOB), Just(Incoterm::EXW)],
        ) {
            let declared = insurance.filter(|i| *i != 0);
            let want = match term {
                Incoterm::CIF => price,
                // The freight is in a CFR price: insurance on the price alone.
                Incoterm::CFR => price + declared.unwrap_or_else(|| assumed(price)),
                Incoterm::FOB | Incoterm::EXW => {
                    price + freight + declared.unwrap_or_else(|| assumed(price + freight))
                }
            };
            let got = cif_value(term, cents(price), Some(cents(freight)), insurance.map(cents))
                .expect("valued")
                .expect("fits");
            prop_assert_eq!(got, cents(want), "{} {} {} {:?}", term, price, freight, insurance);
        }
    }
}
