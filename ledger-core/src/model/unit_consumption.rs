//! Unit consumption (单耗): the customs BOM of a finished item.
//!
//! Gross consumption = net / (1 − (tangible% + intangible%) / 100), rounded half-up to 9
//! decimals, as 金关二期 computes it (DOMAIN.md §1). Bonded material consumed by N finished
//! units = N × gross × bonded% / 100, kept exact.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::model::money::round_half_up;
use crate::model::refusal::Refusal;

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// One declared line of a BOM version: how much of one material one finished unit uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitConsumption {
    pub net: Decimal,
    pub tangible_loss_pct: Decimal,
    pub intangible_loss_pct: Decimal,
    pub bonded_pct: Decimal,
    pub gross: Decimal,
}

impl UnitConsumption {
    /// Validates the declared figures and works out the gross consumption.
    pub fn declare(
        net: Decimal,
        tangible_loss_pct: Decimal,
        intangible_loss_pct: Decimal,
        bonded_pct: Decimal,
    ) -> Result<Self, Refusal> {
        if net <= Decimal::ZERO {
            return Err(Refusal::bad(
                "net",
                format!("net consumption must be above 0, not {net}"),
            ));
        }
        for (column, v) in [
            ("tangible_loss_pct", tangible_loss_pct),
            ("intangible_loss_pct", intangible_loss_pct),
        ] {
            if v < Decimal::ZERO || v >= HUNDRED {
                return Err(Refusal::bad(
                    column,
                    format!(
                        "a loss rate is a percentage from 0 up to (not including) 100, not {v}"
                    ),
                ));
            }
        }
        let loss = tangible_loss_pct + intangible_loss_pct;
        if loss >= HUNDRED {
            return Err(Refusal::bad(
                "tangible_loss_pct",
                format!("tangible + intangible loss is {loss}%, it must stay under 100%"),
            ));
        }
        if bonded_pct <= Decimal::ZERO || bonded_pct > HUNDRED {
            return Err(Refusal::bad(
                "bonded_pct",
                format!(
                    "the bonded share is a percentage above 0 and at most 100, not {bonded_pct}"
                ),
            ));
        }
        let gross = gross_consumption(net, tangible_loss_pct, intangible_loss_pct);
        // The gross is a quantity the ledger multiplies by finished quantities: it keeps to the
        // limits of every quantity (DOMAIN.md §8).
        crate::model::limits::check_number("net", gross).map_err(|_| {
            Refusal::bad(
                "net",
                format!(
                    "net {net} with {loss}% loss gives a gross consumption of {gross}, more than \
                     the 14 digits before the decimal point a quantity may have"
                ),
            )
        })?;
        Ok(UnitConsumption {
            net,
            tangible_loss_pct,
            intangible_loss_pct,
            bonded_pct,
            gross,
        })
    }

    /// `bonded_consumption`, or `None` where it would not fit a `Decimal`.
    pub fn checked_bonded_consumption(&self, finished_qty: Decimal) -> Option<Decimal> {
        // The bonded share as a fraction first (exact: at most 1), so a product that fits is
        // never refused for an intermediate that does not.
        finished_qty
            .checked_mul(self.gross)?
            .checked_mul(self.bonded_pct / HUNDRED)
    }

    /// Bonded material consumed by `finished_qty` units (exact, not rounded).
    pub fn bonded_consumption(&self, finished_qty: Decimal) -> Decimal {
        finished_qty * self.gross * self.bonded_pct / HUNDRED
    }
}

/// net / (1 − (tangible + intangible)/100), half-up to 9 decimals (金关二期's rule). The loss
/// is under 100 % (`declare` refuses more); a result beyond a `Decimal` is `Decimal::MAX`,
/// which `declare` then refuses as beyond the limits.
pub fn gross_consumption(net: Decimal, tangible_pct: Decimal, intangible_pct: Decimal) -> Decimal {
    let kept = Decimal::ONE - (tangible_pct + intangible_pct) / HUNDRED;
    net.checked_div(kept)
        .map(|g| round_half_up(g, 9))
        .unwrap_or(Decimal::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    /// Hand-computed: gross = net / (1 − loss/100), half-up to 9 places.
    #[test]
    fn gross_table() {
        let cases = [
            // 1 / (1 − 0) = 1
            (dec!(1), dec!(0), dec!(0), dec!(1.000000000)),
            // 1.0 / 0.98 = 1.020408163265… → 1.020408163
            (dec!(1.0), dec!(2), dec!(0), dec!(1.020408163)),
            // 0.5 / (1 − 0.03 − 0.02) = 0.5 / 0.95 = 0.526315789473… → 0.526315789
            (dec!(0.5), dec!(3), dec!(2), dec!(0.526315789)),
            // 2 / 0.75 = 2.666666666666… → 2.666666667 (half-up)
            (dec!(2), dec!(20), dec!(5), dec!(2.666666667)),
            // 0.0123 / 0.9 = 0.013666666666… → 0.013666667
            (dec!(0.0123), dec!(10), dec!(0), dec!(0.013666667)),
        ];
        for (net, t, i, want) in cases {
            assert_eq!(gross_consumption(net, t, i), want, "net {net} t {t} i {i}");
        }
    }

    #[test]
    fn consumption_uses_bonded_share() {
        let uc = UnitConsumption::declare(dec!(1.0), dec!(2), dec!(0), dec!(50)).expect("valid");
        // 100 units × 1.020408163 × 50 / 100 = 51.02040815
        assert_eq!(uc.bonded_consumption(dec!(100)), dec!(51.02040815));
    }

    #[test]
    fn impossible_declarations_are_refused() {
        assert!(UnitConsumption::declare(dec!(0), dec!(0), dec!(0), dec!(100)).is_err());
        assert!(UnitConsumption::declare(dec!(1), dec!(60), dec!(40), dec!(100)).is_err());
        assert!(UnitConsumption::declare(dec!(1), dec!(-1), dec!(0), dec!(100)).is_err());
        assert!(UnitConsumption::declare(dec!(1), dec!(0), dec!(0), dec!(0)).is_err());
        assert!(UnitConsumption::declare(dec!(1), dec!(0), dec!(0), dec!(101)).is_err());
    }
}
