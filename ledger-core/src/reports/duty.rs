//! Duty on domestic sales (内销征税): the customs value of each line, its duty, consumption tax
//! and VAT, the fifty-yuan rule, deferred-tax interest, and late-payment surcharges
//! (DOMAIN.md §3; CONTRACT.md `duty`).
//!
//! Rounding is customs': each line's dutiable value is rounded once, half-up to 0.01 CNY, then
//! its duty, its consumption tax (on value + rounded duty) and its VAT (on value + both), each
//! half-up to 0.01 CNY. Nothing else is rounded before a total.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::events::Target;
use crate::model::ids::{BookNo, Currency, HsCode, ItemNo};
use crate::model::money::{round_cents, ZERO_CENTS};
use crate::model::period::Period;
use crate::model::refusal::Refusal;
use crate::model::trade_mode::{BookKind, Column, Direction, GoodsKind, TradeMode};
use crate::state::ledger::{Book, ImportLots, Ledger, RecordedLine, TariffRates};

pub use crate::model::declaration::{
    Declaration, DutyLine, DutyTotals, Taxes, FIFTY_YUAN, LATE_FEE_PER_DAY,
};

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// duty = value × duty%; consumption tax (ad valorem) = (value + duty) / (1 − ct%) × ct%;
/// VAT = (value + duty + consumption tax) × VAT%. Each half-up to 0.01 CNY, in that order,
/// each on the rounded amounts before it.
/// `None` where a figure would not fit a `Decimal` (a value far beyond any real declaration).
pub fn taxes_on(value_cny: Decimal, rates: &TariffRates) -> Option<Taxes> {
    let duty = round_cents(value_cny.checked_mul(rates.duty_pct)? / HUNDRED);
    let ct_rate = rates.consumption_pct / HUNDRED;
    let consumption_tax = if ct_rate.is_zero() {
        ZERO_CENTS
    } else {
        round_cents(
            value_cny
                .checked_add(duty)?
                .checked_div(Decimal::ONE - ct_rate)?
                .checked_mul(ct_rate)?,
        )
    };
    let vat = round_cents(
        value_cny
            .checked_add(duty)?
            .checked_add(consumption_tax)?
            .checked_mul(rates.vat_pct)?
            / HUNDRED,
    );
    Some(Taxes {
        duty,
        consumption_tax,
        vat,
    })
}

/// The refusal for a line whose figures are too large to compute: names the line and the
/// column to look at.
pub(crate) fn too_large(
    l: &crate::events::commands::MovementLine,
    column: &'static str,
) -> Refusal {
    Refusal::bad(
        column,
        format!(
            "{}/{} of book {}: its figures (quantity × price × exchange rate and the taxes on \
             them) are too large to compute; check {column} — a quantity, price or rate has at \
             most 14 digits before the decimal point",
            l.ref_, l.line, l.account
        ),
    )
}

/// Deferred-tax interest (缓税利息) = tax × days × annual rate / 360, half-up to 0.01 CNY
/// (GACC Announcements 2009 No.13 and No.14).
/// `None` where the figures would not fit a `Decimal`.
pub fn deferred_interest(tax: Decimal, days: i64, annual_pct: Decimal) -> Option<Decimal> {
    if days <= 0 {
        return Some(ZERO_CENTS);
    }
    Some(round_cents(
        tax.checked_mul(Decimal::from(days))?
            .checked_mul(annual_pct)?
            / HUNDRED
            / Decimal::from(360),
    ))
}

/// Late-payment surcharge per tax type: 0.05 % a day of the unpaid tax, each half-up to
/// 0.01 CNY; a surcharge under CNY 50 is not collected.
/// `None` where the figures would not fit a `Decimal`.
pub fn late_fee(unpaid: &Taxes, days_late: i64) -> Option<Decimal> {
    if days_late <= 0 {
        return Some(ZERO_CENTS);
    }
    let mut total = ZERO_CENTS;
    for t in [unpaid.duty, unpaid.consumption_tax, unpaid.vat] {
        let fee = round_cents(
            t.checked_mul(LATE_FEE_PER_DAY)?
                .checked_mul(Decimal::from(days_late))?,
        );
        if fee >= FIFTY_YUAN {
            total = total.checked_add(fee)?;
        }
    }
    Some(total)
}

/// The domestic-sale lines of `period`, in date, ref and line order.
pub fn sales_in(book: &Book, period: Period) -> Vec<&RecordedLine> {
    let mut lines: Vec<&RecordedLine> = book
        .lines
        .domestic_sales(period.first_day(), period.last_day())
        .collect();
    lines.sort_by(|a, b| {
        (a.line.date, &a.line.ref_, a.line.line).cmp(&(b.line.date, &b.line.ref_, b.line.line))
    });
    lines
}

/// Every date with a domestic sale (for the deadlines).
pub fn sale_dates(book: &Book) -> Vec<NaiveDate> {
    book.lines.domestic_sale_dates()
}

/// "YYYY-MM", the key of a month's exchange rates. Written digit by digit: a duty report
/// looks a rate up for every sale it values, and `format!` was a fifth of that work.
fn month_key(date: NaiveDate) -> String {
    let (year, month) = (date.year(), date.month());
    if !(0..=9999).contains(&year) {
        return format!("{year:04}-{month:02}");
    }
    let digit = |n: u32| char::from(b'0' + (n % 10) as u8);
    let y = year.unsigned_abs();
    let mut key = String::with_capacity(7);
    for d in [y / 1000, y / 100, y / 10, y, 0, month / 10, month] {
        key.push(digit(d));
    }
    key.replace_range(4..5, "-");
    key
}

fn fx(state: &Ledger, currency: &Currency, on: NaiveDate) -> Result<Decimal, Refusal> {
    if currency.is_cny() {
        return Ok(Decimal::ONE);
    }
    let key = (month_key(on), currency.clone());
    match state.reference.fx.get(&key) {
        Some(rate) => Ok(*rate),
        None => Err(Refusal::NoExchangeRate {
            currency: currency.to_string(),
            month: key.0,
        }),
    }
}

/// The tariff rates in force on `on` for `hs`.
pub fn rates_on(state: &Ledger, hs: &HsCode, on: NaiveDate) -> Result<TariffRates, Refusal> {
    state
        .reference
        .tariffs
        .get(hs)
        .and_then(|by_date| by_date.range(..=on).next_back())
        .map(|(_, r)| r.clone())
        .ok_or_else(|| Refusal::NoTariff {
            hs: hs.to_string(),
            date: on,
        })
}

/// The deferred-interest annual rate in force on `on` (0 when none is loaded).
pub fn interest_rate_on(state: &Ledger, on: NaiveDate) -> Decimal {
    state
        .reference
        .interest
        .range(..=on)
        .next_back()
        .map(|(_, r)| *r)
        .unwrap_or_default()
}

/// A material's customs value per unit in CNY at `filed`'s month rates: the weighted-average
/// CIF unit price of the item's imports in the sale's write-off cycle dated on or before the
/// sale; where that cycle has none, of the latest earlier cycle that has; else the book's
/// opening price (DOMAIN.md §3, a default).
/// Returns (unit value in CNY, unit value in the import currency, that currency).
pub fn average_import_price(
    state: &Ledger,
    book: &Book,
    item: ItemNo,
    sale_date: NaiveDate,
    filed: NaiveDate,
) -> Result<(Decimal, Decimal, Currency), Refusal> {
    // Cycles follow each other in date order, so a cycle's lots are those dated within it,
    // and the latest earlier cycle with lots is the one holding the latest lot before the
    // current cycle. The lots are kept in date order (`ImportLots`): each is a range found by
    // bisection of their dates, not a walk over a decade's lots.
    let current = book.cycle_containing(sale_date);
    let no_lots = ImportLots::default();
    let lots = book.imports.get(&item).unwrap_or(&no_lots);
    let in_current = lots.dated(current.start, sale_date.min(current.end));
    let chosen = if in_current.is_empty() {
        match lots.latest_before(current.start) {
            Some(latest_earlier) => {
                let earlier = book.cycle_containing(latest_earlier);
                lots.dated(earlier.start, earlier.end)
            }
            None => &[],
        }
    } else {
        in_current
    };
    if let Some(first) = chosen.first() {
        let mut qty = Decimal::ZERO;
        let mut cny = Decimal::ZERO;
        let mut native = Decimal::ZERO;
        let currency = first.currency.clone();
        let one_currency = chosen.iter().all(|l| l.currency == currency);
        let overflow = || {
            Refusal::bad(
                "unit_price",
                format!(
                    "the imports of material {item} of book {} are too large to average (a \
                     quantity, price or rate has at most 14 digits before the decimal point)",
                    book.header.account
                ),
            )
        };
        // Each currency's rate looked up once (the lots of a cycle are nearly always in one).
        let mut rates: Vec<(&Currency, Decimal)> = Vec::with_capacity(1);
        for lot in chosen {
            let rate = match rates.iter().find(|(c, _)| **c == lot.currency) {
                Some((_, rate)) => *rate,
                None => {
                    let rate = fx(state, &lot.currency, filed)?;
                    rates.push((&lot.currency, rate));
                    rate
                }
            };
            qty = qty.checked_add(lot.qty).ok_or_else(overflow)?;
            cny = lot
                .cif
                .checked_mul(rate)
                .and_then(|c| cny.checked_add(c))
                .ok_or_else(overflow)?;
            native = native.checked_add(lot.cif).ok_or_else(overflow)?;
        }
        if qty > Decimal::ZERO {
            let (unit_native, cur) = if one_currency {
                (native / qty, currency)
            } else {
                (cny / qty, Currency::cny())
            };
            return Ok((cny / qty, unit_native, cur));
        }
    }
    // No import to average: the opening price of a book taken over mid-life.
    let opening = book
        .openings
        .range((item, NaiveDate::MIN)..=(item, sale_date))
        .rev()
        .find_map(|(_, o)| Some((o.unit_price?, o.currency.clone()?)));
    match opening {
        Some((price, currency)) => {
            let unit_cny = price
                .checked_mul(fx(state, &currency, filed)?)
                .ok_or_else(|| {
                    Refusal::bad(
                        "unit_price",
                        format!(
                            "the opening price {price} {currency} of material {item} is too large to convert to CNY"
                        ),
                    )
                })?;
            Ok((unit_cny, price, currency))
        }
        None => Err(Refusal::NoImportPrice {
            account: book.header.account.clone(),
            item,
            date: sale_date,
        }),
    }
}

/// Assesses the domestic sales of `period` as of `filed` (rates, fx and interest as of that
/// day).
pub fn assess(
    state: &Ledger,
    account: &BookNo,
    period: Period,
    filed: NaiveDate,
) -> Result<Declaration, Refusal> {
    let book = state
        .book(account)
        .ok_or_else(|| Refusal::UnknownBook(account.clone()))?;
    let mut lines = Vec::new();
    for rec in sales_in(book, period) {
        lines.extend(value_sale(state, book, rec, filed)?);
    }
    declaration(state, book, period, filed, lines)
}

/// The duty lines of one recorded domestic sale.
pub fn value_sale(
    state: &Ledger,
    book: &Book,
    rec: &RecordedLine,
    filed: NaiveDate,
) -> Result<Vec<DutyLine>, Refusal> {
    let l = &rec.line;
    if l.goods == GoodsKind::S {
        // Scrap: the domestic sale price, CNY unless the line says otherwise.
        let price = l.unit_price.ok_or_else(|| {
            Refusal::bad(
                "unit_price",
                format!(
                    "{}/{}: a scrap sale needs its domestic sale price (unit_price)",
                    l.ref_, l.line
                ),
            )
        })?;
        let currency = l.currency.clone().unwrap_or_else(Currency::cny);
        let unit_cny = price
            .checked_mul(fx(state, &currency, filed)?)
            .ok_or_else(|| too_large(l, "unit_price"))?;
        return Ok(vec![duty_line(
            state,
            book,
            rec,
            rec.item,
            GoodsKind::S,
            l.qty,
            unit_cny,
            price,
            currency,
            filed,
        )?]);
    }
    // Materials sold (or the materials a finished item converts to): the effects the line had.
    let mut out = Vec::new();
    for effect in &rec.effects {
        let Target::Material {
            item,
            column: Column::DomesticSold,
        } = effect.target
        else {
            continue;
        };
        let (unit_cny, unit_native, currency) = match book.header.kind {
            BookKind::Purchased => average_import_price(state, book, item, l.date, filed)?,
            BookKind::Supplied if l.goods == GoodsKind::P => {
                // 来料, finished goods: each material at the identical-goods price in force on
                // the sale's date (the book's `prices`, DOMAIN.md §8).
                let (price, currency) = book.price_on(item, l.date).cloned().ok_or_else(|| {
                    Refusal::bad(
                        "item",
                        format!(
                            "{}/{}: material {item} has no identical-goods price dated on or before {}; load a prices file for it",
                            l.ref_, l.line, l.date
                        ),
                    )
                })?;
                let rate = fx(state, &currency, filed)?;
                let unit_cny = price
                    .checked_mul(rate)
                    .ok_or_else(|| too_large(l, "unit_price"))?;
                (unit_cny, price, currency)
            }
            BookKind::Supplied => {
                // 来料: the price of identical or similar goods, which the line must give.
                let price = l.unit_price.ok_or_else(|| {
                    Refusal::bad(
                        "unit_price",
                        format!(
                            "{}/{}: a domestic sale from a supplied-materials book needs the price of identical goods (unit_price and currency)",
                            l.ref_, l.line
                        ),
                    )
                })?;
                let currency = l.currency.clone().ok_or_else(|| {
                    Refusal::bad(
                        "currency",
                        format!("{}/{}: give the currency of unit_price", l.ref_, l.line),
                    )
                })?;
                let unit_cny = price
                    .checked_mul(fx(state, &currency, filed)?)
                    .ok_or_else(|| too_large(l, "unit_price"))?;
                (unit_cny, price, currency)
            }
        };
        out.push(duty_line(
            state,
            book,
            rec,
            item,
            GoodsKind::M,
            effect.qty,
            unit_cny,
            unit_native,
            currency,
            filed,
        )?);
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn duty_line(
    state: &Ledger,
    book: &Book,
    rec: &RecordedLine,
    item: ItemNo,
    goods: GoodsKind,
    qty: Decimal,
    unit_cny: Decimal,
    unit_value: Decimal,
    currency: Currency,
    filed: NaiveDate,
) -> Result<DutyLine, Refusal> {
    let registered = book.item(goods, item).ok_or_else(|| Refusal::UnknownItem {
        account: book.header.account.clone(),
        goods,
        item,
    })?;
    let rates = rates_on(state, &registered.hs, filed)?;
    // The dutiable value: qty × unit value × rate, rounded once, half-up to 0.01 CNY.
    let value_cny = round_cents(
        qty.checked_mul(unit_cny)
            .ok_or_else(|| too_large(&rec.line, "qty"))?,
    );
    let taxes = taxes_on(value_cny, &rates).ok_or_else(|| too_large(&rec.line, "qty"))?;
    Ok(DutyLine {
        ref_: rec.line.ref_.clone(),
        line: rec.line.line,
        date: rec.line.date,
        goods: rec.line.goods,
        product: (rec.line.goods == GoodsKind::P).then_some(rec.item),
        item,
        hs: registered.hs.clone(),
        qty: qty.normalize(),
        unit_value: unit_value.normalize(),
        currency,
        value_cny,
        duty: taxes.duty,
        consumption_tax: taxes.consumption_tax,
        vat: taxes.vat,
        scrap: goods == GoodsKind::S,
    })
}

/// When deferred interest starts for a book: its last write-off date, or its first import.
pub fn interest_start(book: &Book) -> Option<NaiveDate> {
    book.last_writeoff.or(book.first_import)
}

/// Puts lines together: totals, the fifty-yuan rule, deferred interest on the levied taxes of
/// the non-scrap lines.
pub fn declaration(
    state: &Ledger,
    book: &Book,
    period: Period,
    filed: NaiveDate,
    lines: Vec<DutyLine>,
) -> Result<Declaration, Refusal> {
    let too_big = || {
        Refusal::bad(
            "qty",
            format!(
                "the domestic sales of book {} in {period} add up to more than the ledger can \
                 compute; check the quantities and prices of its lines",
                book.header.account
            ),
        )
    };
    let mut computed = Taxes::zero();
    let mut non_scrap = Taxes::zero();
    let mut value = ZERO_CENTS;
    for l in &lines {
        computed.checked_add(&l.taxes()).ok_or_else(too_big)?;
        if !l.scrap {
            non_scrap.checked_add(&l.taxes()).ok_or_else(too_big)?;
        }
        value = value.checked_add(l.value_cny).ok_or_else(too_big)?;
    }
    let levied = computed.levied();
    let interest_from = interest_start(book);
    let interest_days = interest_from
        .map(|d| (filed - d).num_days())
        .unwrap_or(0)
        .max(0);
    let interest_pct = interest_rate_on(state, filed);
    // Scrap carries no deferred interest; a tax not levied carries none either.
    let taxed = non_scrap
        .only_where(&levied)
        .checked_sum()
        .ok_or_else(too_big)?;
    let interest = deferred_interest(taxed, interest_days, interest_pct).ok_or_else(too_big)?;
    let total = levied
        .checked_sum()
        .and_then(|t| t.checked_add(interest))
        .ok_or_else(too_big)?;
    Ok(Declaration {
        account: book.header.account.clone(),
        period,
        due: period.due(),
        filed,
        interest_from,
        interest_days,
        interest_pct,
        lines,
        computed,
        totals: DutyTotals {
            value_cny: value,
            duty: levied.duty,
            consumption_tax: levied.consumption_tax,
            vat: levied.vat,
            interest,
            total,
        },
    })
}

#[cfg(test)]
#[path = "duty_tests.rs"]
mod tests;

/// What a domestic sale of `qty` of an item would cost if declared on `date`, alone: written
/// nowhere. `price` is required for a supplied-materials book and for scrap (the price of
/// identical goods; the scrap's sale price).
#[allow(clippy::too_many_arguments)]
pub fn quote(
    state: &Ledger,
    account: &BookNo,
    goods: GoodsKind,
    item: ItemNo,
    qty: Decimal,
    bom_version: u32,
    date: NaiveDate,
    price: Option<(Decimal, Currency)>,
) -> Result<Declaration, Refusal> {
    let book = state
        .book(account)
        .ok_or_else(|| Refusal::UnknownBook(account.clone()))?;
    let effects =
        crate::state::effects::domestic_sale_effects(book, goods, item, bom_version, qty)?;
    let mode = match (book.header.kind, goods) {
        (BookKind::Purchased, GoodsKind::S) => TradeMode::M0844,
        (BookKind::Supplied, GoodsKind::S) => TradeMode::M0845,
        (BookKind::Purchased, _) => TradeMode::M0644,
        (BookKind::Supplied, _) => TradeMode::M0245,
    };
    let (unit_price, currency) = match price {
        Some((p, c)) => (Some(p), Some(c)),
        None => (None, None),
    };
    let rec = RecordedLine {
        event_id: uuid::Uuid::nil(),
        line: crate::events::commands::MovementLine {
            ref_: "QUOTE".into(),
            line: 1,
            date,
            account: account.clone(),
            mode,
            dir: Direction::I,
            goods,
            qty,
            item: Some(item),
            part: None,
            unit_price,
            currency,
            incoterm: None,
            freight: None,
            insurance: None,
            bom_version: Some(bom_version),
            peer_account: None,
            subcontractor: None,
            list: None,
        },
        item,
        effects,
        cif: None,
        cif_usd: None,
        cap_cycle: None,
    };
    let lines = value_sale(state, book, &rec, date)?;
    let period = Period::of(date, book.settings.duty_period);
    declaration(state, book, period, date, lines)
}
