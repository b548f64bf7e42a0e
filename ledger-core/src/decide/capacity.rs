//! The capacity cap of the production-capacity certificate: imports valued in USD at the
//! month's rates, and the bonded value on hand.

use super::*;

pub(super) fn month_of(date: NaiveDate) -> String {
    format!("{:04}-{:02}", date.year(), date.month())
}

/// Converts `amount` of `currency` to USD at the month's rates (both via CNY).
pub(super) fn to_usd(
    state: &Ledger,
    amount: Decimal,
    currency: &Currency,
    date: NaiveDate,
) -> Result<Decimal, Refusal> {
    if currency == &Currency::usd() {
        return Ok(amount);
    }
    let month = month_of(date);
    let rate = |c: &Currency| {
        state
            .reference
            .fx_rate(&month, c)
            .ok_or_else(|| Refusal::NoExchangeRate {
                currency: c.to_string(),
                month: month.clone(),
            })
    };
    let cny = amount * rate(currency)?;
    Ok(cny / rate(&Currency::usd())?)
}

/// The bonded value on hand in USD on `date`: each material's balance at its average CIF price.
pub(super) fn outstanding_usd(b: &Book, date: NaiveDate) -> Decimal {
    let mut total = Decimal::ZERO;
    for (item, stock) in &b.materials {
        let Some(lots) = b.imports.get(item) else {
            continue;
        };
        let (qty, usd) = lots
            .iter()
            .fold((Decimal::ZERO, Decimal::ZERO), |(q, u), l| {
                (q + l.qty, u + l.cif_usd)
            });
        if qty > Decimal::ZERO {
            total += stock.balance_at(date).max(Decimal::ZERO) * usd / qty;
        }
    }
    total
}
