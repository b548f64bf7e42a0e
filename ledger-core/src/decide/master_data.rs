//! A book's master data: opening the book, registering its items (底账) and declaring unit
//! consumption (单耗).

use super::*;

pub(super) fn open_book(
    state: &Ledger,
    header: &crate::model::book::BookHeader,
) -> Result<Vec<Decided>, Refusal> {
    header.validate()?;
    if let Some(existing) = state.book(&header.account) {
        if &existing.header == header {
            return Ok(vec![]);
        }
        return Err(Refusal::BookExists(header.account.clone()));
    }
    Ok(one(
        state,
        Event::BookOpened(BookOpened {
            header: header.clone(),
        }),
    ))
}

pub(super) fn register_item(state: &Ledger, input: &ItemInput) -> Result<Vec<Decided>, Refusal> {
    let b = book(state, &input.account)?;
    if input.name.trim().is_empty() {
        return Err(Refusal::bad("name", "the item needs a name (商品名称)"));
    }
    if input.name.chars().count() > 255 {
        return Err(Refusal::bad("name", "a name has at most 255 characters"));
    }
    if let Some(p) = input.price {
        not_negative("price", p)?;
    }
    if input.goods != GoodsKind::S && !b.header.headings.is_empty() {
        let heading = input.hs.heading();
        if !b.header.headings.contains(&heading) {
            return Err(Refusal::HeadingNotAllowed {
                account: input.account.clone(),
                hs: input.hs.to_string(),
                heading: heading.to_string(),
                allowed: b
                    .header
                    .headings
                    .iter()
                    .map(|h| h.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    if b.header.level == Level::Part && input.parts.len() > 1 {
        return Err(Refusal::bad(
            "parts",
            "book is kept at part-number level (料号级): an item takes at most one part number",
        ));
    }
    for part in &input.parts {
        if let Some((goods, item)) = b.parts.get(part) {
            if (*goods, *item) != (input.goods, input.item) {
                return Err(Refusal::MasterDataConflict {
                    column: "parts",
                    what: format!(
                        "part number {part} is already merged into {} {item}; a part posts to one item",
                        goods.noun()
                    ),
                });
            }
        }
    }
    let mut parts = input.parts.clone();
    if let Some(existing) = b.item(input.goods, input.item) {
        if existing.hs != input.hs || existing.unit != input.unit {
            return Err(Refusal::MasterDataConflict {
                column: "hs",
                what: format!(
                    "{} {} is registered as HS {} in {}; one item keeps one HS code and one unit",
                    input.goods.noun(),
                    input.item,
                    existing.hs,
                    existing.unit
                ),
            });
        }
        // Parts accumulate: a later file may merge more part numbers into the item.
        for p in &existing.parts {
            if !parts.contains(p) {
                parts.push(p.clone());
            }
        }
        parts.sort();
        let mut wanted = existing.clone();
        wanted.name = input.name.trim().to_string();
        wanted.spec = input.spec.clone();
        wanted.price = input.price.or(existing.price);
        wanted.currency = input.currency.clone().or(existing.currency.clone());
        wanted.parts = parts.clone();
        wanted.legal = input.legal.or(&existing.legal);
        if &wanted == existing {
            return Ok(vec![]);
        }
        return Ok(one(state, Event::ItemRegistered(wanted)));
    }
    parts.sort();
    Ok(one(
        state,
        Event::ItemRegistered(ItemRegistered {
            account: input.account.clone(),
            goods: input.goods,
            item: input.item,
            hs: input.hs.clone(),
            name: input.name.trim().to_string(),
            unit: input.unit.clone(),
            spec: input.spec.clone(),
            price: input.price,
            currency: input.currency.clone(),
            parts,
            legal: input.legal.clone(),
        }),
    ))
}

pub(super) fn declare_uc(state: &Ledger, input: &BomInput) -> Result<Vec<Decided>, Refusal> {
    let b = book(state, &input.account)?;
    require_item(b, GoodsKind::P, input.product).map_err(|_| Refusal::UnknownItem {
        account: input.account.clone(),
        goods: GoodsKind::P,
        item: input.product,
    })?;
    require_item(b, GoodsKind::M, input.material)?;
    let consumption = UnitConsumption::declare(
        input.net,
        input.tangible_loss_pct,
        input.intangible_loss_pct,
        input.bonded_pct,
    )?;
    let key = (input.product, input.version);
    if let Some(existing) = b.boms.get(&key).and_then(|m| m.get(&input.material)) {
        if existing == &consumption {
            return Ok(vec![]);
        }
    }
    if b.bom_used.contains(&key) {
        return Err(Refusal::MasterDataConflict {
            column: "version",
            what: format!(
                "version {} of finished item {}'s unit consumption is already used by recorded movements; declare a new version instead of changing it",
                input.version, input.product
            ),
        });
    }
    Ok(one(
        state,
        Event::UnitConsumptionDeclared(UnitConsumptionDeclared {
            account: input.account.clone(),
            product: input.product,
            material: input.material,
            version: input.version,
            consumption,
        }),
    ))
}
