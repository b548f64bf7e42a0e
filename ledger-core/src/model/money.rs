//! Rounding, done only where customs rounds.
//!
//! Customs rounds amounts half-up (四舍五入): a dutiable value, each tax and the 3‰ insurance to
//! 0.01, and gross unit consumption to 9 decimals as 金关二期 computes it. Everything else is
//! kept exact; quantities are never rounded in storage.

use rust_decimal::{Decimal, RoundingStrategy};

/// Half-up to `dp` decimal places. For the non-negative amounts customs works with, "away from
/// zero at the midpoint" is exactly 四舍五入.
pub fn round_half_up(value: Decimal, dp: u32) -> Decimal {
    value.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// Half-up to 0.01 (fen): the rule for every CNY amount and the 3‰ insurance. The result
/// always carries two decimals (`693.00`, not `693.0`), as an amount of money is written.
pub fn round_cents(value: Decimal) -> Decimal {
    let mut v = round_half_up(value, 2);
    v.rescale(2);
    v
}

/// Zero, written as an amount of money (`0.00`).
pub const ZERO_CENTS: Decimal = Decimal::from_parts(0, 0, 0, false, 2);

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn half_up_table() {
        let cases = [
            (dec!(0.005), 2, dec!(0.01)),
            (dec!(0.004999), 2, dec!(0.00)),
            (dec!(12.345), 2, dec!(12.35)),
            (dec!(12.3449), 2, dec!(12.34)),
            (dec!(2.5), 0, dec!(3)),
            (dec!(1.0000000005), 9, dec!(1.000000001)),
            (dec!(1.00000000049), 9, dec!(1.000000000)),
        ];
        for (value, dp, want) in cases {
            assert_eq!(round_half_up(value, dp), want, "{value} to {dp}");
        }
    }
}
