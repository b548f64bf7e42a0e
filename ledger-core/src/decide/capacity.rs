//! The capacity cap of the production-capacity certificate: imports valued in USD at the
//! month's rates, and the bonded value on hand.

use super::*;

pub(super) fn month_of(date: NaiveDate) -> String {
    format!("{:04}-{:02}", date.year(), date.month())
}

/// Converts `amount` of `currency` to USD at the month's rates (both via CNY). `Ok(None)` where
/// the figures would not fit a `Decimal`.
pub(super) fn to_usd(
    state: &Ledger,
    amount: Decimal,
    currency: &Currency,
    date: NaiveDate,
) -> Result<Option<Decimal>, Refusal> {
    if currency == &Currency::usd() {
        return Ok(Some(amount));
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
    let (from, usd) = (rate(currency)?, rate(&Currency::usd())?);
    Ok(amount
        .checked_mul(from)
        .and_then(|cny| cny.checked_div(usd)))
}

/// The bonded value on hand in USD on `date`: each material's balance at its average CIF price.
/// `None` where the figures would not fit a `Decimal`.
pub(super) fn outstanding_usd(b: &Book, date: NaiveDate) -> Option<Decimal> {
    let mut total = Decimal::ZERO;
    for (item, stock) in &b.materials {
        let Some(lots) = b.imports.get(item) else {
            continue;
        };
        let (qty, usd) = lots
            .iter()
            .try_fold((Decimal::ZERO, Decimal::ZERO), |(q, u), l| {
                Some((q.checked_add(l.qty)?, u.checked_add(l.cif_usd)?))
            })?;
        if qty > Decimal::ZERO {
            let held = stock.balance_at(date).max(Decimal::ZERO);
            // held × (usd / qty): the average first, so a large held × a large total cannot
            // overflow where the result itself fits.
            let value = usd.checked_div(qty)?.checked_mul(held)?;
            total = total.checked_add(value)?;
        }
    }
    Some(total)
}
