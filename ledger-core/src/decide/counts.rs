//! Quantities the company counts or reports: an opening balance of a book taken over, a
//! stocktake, and a work order (materials issued, goods produced, scrap made).

use super::*;

pub(super) fn opening(state: &Ledger, input: &OpeningInput) -> Result<Vec<Decided>, Refusal> {
    let b = book(state, &input.account)?;
    require_item(b, GoodsKind::M, input.item)?;
    not_negative("qty", input.qty)?;
    check_in_life(b, input.date, || {
        format!("the opening balance of material {}", input.item)
    })?;
    check_not_written_off(b, input.date, || "the opening balance".to_string())?;
    if let Some(p) = input.unit_price {
        not_negative("unit_price", p)?;
    }
    let event = OpeningRecorded {
        account: input.account.clone(),
        date: input.date,
        item: input.item,
        qty: input.qty,
        unit_price: input.unit_price,
        currency: input.currency.clone(),
    };
    if let Some(existing) = b.openings.get(&(input.item, input.date)) {
        if existing == &event {
            return Ok(vec![]);
        }
        return Err(Refusal::MasterDataConflict {
            column: "qty",
            what: format!(
                "material {} already has an opening balance of {} on {}",
                input.item,
                existing.qty.normalize(),
                input.date
            ),
        });
    }
    Ok(one(state, Event::OpeningRecorded(event)))
}

pub(super) fn stocktake(state: &Ledger, input: &StocktakeInput) -> Result<Vec<Decided>, Refusal> {
    let b = book(state, &input.account)?;
    require_item(b, input.goods, input.item)?;
    not_negative("qty", input.qty)?;
    check_in_life(b, input.date, || {
        format!("the stocktake of {} {}", input.goods.noun(), input.item)
    })?;
    if b.stocktakes.get(&(input.date, input.goods, input.item)) == Some(&input.qty) {
        return Ok(vec![]);
    }
    // A different count for the same day and item is a recount: the later one stands.
    Ok(one(
        state,
        Event::StocktakeRecorded(StocktakeRecorded {
            account: input.account.clone(),
            date: input.date,
            goods: input.goods,
            item: input.item,
            qty: input.qty,
        }),
    ))
}

pub(super) fn work_order(state: &Ledger, input: &WorkOrderInput) -> Result<Vec<Decided>, Refusal> {
    let b = book(state, &input.account)?;
    if input.order.trim().is_empty() || input.order.chars().count() > 64 {
        return Err(Refusal::bad(
            "order",
            "the work order number has 1 to 64 characters",
        ));
    }
    require_item(b, GoodsKind::P, input.product).map_err(|_| Refusal::UnknownItem {
        account: input.account.clone(),
        goods: GoodsKind::P,
        item: input.product,
    })?;
    require_item(b, GoodsKind::M, input.material)?;
    positive("produced", input.produced)?;
    not_negative("issued", input.issued)?;
    match (input.scrap_item, input.scrap_qty) {
        (Some(item), Some(qty)) => {
            require_item(b, GoodsKind::S, item).map_err(|_| Refusal::UnknownItem {
                account: input.account.clone(),
                goods: GoodsKind::S,
                item,
            })?;
            positive("scrap_qty", qty)?;
        }
        (None, None) => {}
        (Some(_), None) => return Err(Refusal::bad("scrap_qty", "scrap_item needs scrap_qty")),
        (None, Some(_)) => return Err(Refusal::bad("scrap_item", "scrap_qty needs scrap_item")),
    }
    let event = WorkOrderRecorded {
        account: input.account.clone(),
        order: input.order.trim().to_string(),
        date: input.date,
        product: input.product,
        produced: input.produced,
        material: input.material,
        issued: input.issued,
        scrap_item: input.scrap_item,
        scrap_qty: input.scrap_qty,
    };
    if let Some(existing) = b.work_orders.get(&(event.order.clone(), input.material)) {
        if existing == &event {
            return Ok(vec![]);
        }
        return Err(Refusal::MasterDataConflict {
            column: "order",
            what: format!(
                "work order {} already records material {} with other figures",
                event.order, input.material
            ),
        });
    }
    if let Some(((_, _), other)) = b
        .work_orders
        .range((event.order.clone(), ItemNo(0))..)
        .find(|((o, _), _)| *o == event.order)
    {
        if other.product != event.product
            || other.produced != event.produced
            || other.date != event.date
        {
            return Err(Refusal::MasterDataConflict {
                column: "order",
                what: format!(
                    "work order {} was recorded as {} units of finished item {} on {}; every row of an order names the same product, quantity and date",
                    event.order,
                    other.produced.normalize(),
                    other.product,
                    other.date
                ),
            });
        }
    }
    Ok(one(state, Event::WorkOrderRecorded(event)))
}

/// The identical-goods price of a supplied book's material from a date (a `prices` row): what
/// values the materials of its finished-goods domestic sales (DOMAIN.md §8).
pub(super) fn set_price(state: &Ledger, input: &PriceInput) -> Result<Vec<Decided>, Refusal> {
    let b = book(state, &input.account)?;
    if b.header.kind != crate::model::trade_mode::BookKind::Supplied {
        return Err(Refusal::bad(
            "account",
            format!(
                "book {} is a purchased-materials book: its domestic sales are valued at their import prices; a prices file is for supplied-materials books",
                input.account
            ),
        ));
    }
    require_item(b, GoodsKind::M, input.item)?;
    positive("unit_price", input.unit_price)?;
    let wanted = (input.unit_price, input.currency.clone());
    if b.prices.get(&(input.item, input.date)) == Some(&wanted) {
        return Ok(vec![]);
    }
    Ok(one(
        state,
        Event::PriceSet(PriceSet {
            account: input.account.clone(),
            item: input.item,
            date: input.date,
            unit_price: input.unit_price,
            currency: input.currency.clone(),
        }),
    ))
}
