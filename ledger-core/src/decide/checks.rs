//! What a movement is checked against before it is recorded: the item it names, and the
//! balance of every stock it moves, which may never fall below zero on any day.

use super::*;

/// Refuses effects that would leave any stock negative on `date` or any later day.
pub(super) fn check_not_negative(
    b: &Book,
    date: NaiveDate,
    effects: &[Effect],
) -> Result<(), Refusal> {
    let mut net: BTreeMap<Target, Decimal> = BTreeMap::new();
    for e in effects {
        *net.entry(stock_key(&e.target)).or_default() += Book::stock_delta(e);
    }
    for (target, delta) in net {
        if delta >= Decimal::ZERO {
            continue;
        }
        let (available, when) = b
            .stock(&target)
            .map(|s| s.available_from(date))
            .unwrap_or((Decimal::ZERO, date));
        if available + delta < Decimal::ZERO {
            let (mut what, unit) = describe(b, &target);
            if when > date {
                // The movement's own day has enough; a later day, counting what movements
                // already recorded after it take, would not.
                what = format!(
                    "{what}, counting what the movements recorded after {date} already take,"
                );
            }
            return Err(Refusal::WouldGoNegative {
                what,
                unit,
                date: when.max(date),
                available: available.normalize(),
                requested: (-delta).normalize(),
            });
        }
    }
    Ok(())
}

/// Effects on different columns of one material share one balance: compare them together.
pub(super) fn stock_key(t: &Target) -> Target {
    match t {
        Target::Material { item, .. } => Target::Material {
            item: *item,
            column: crate::model::trade_mode::Column::Opening,
        },
        other => other.clone(),
    }
}

pub(super) fn describe(b: &Book, target: &Target) -> (String, String) {
    match target {
        Target::Material { item, .. } => {
            let name = b
                .item(GoodsKind::M, *item)
                .map(|i| format!(" ({})", i.name))
                .unwrap_or_default();
            (
                format!("the balance of material {item}{name}"),
                b.unit_of(GoodsKind::M, *item),
            )
        }
        Target::Scrap { item } => (
            format!("the scrap stock of scrap item {item}"),
            b.unit_of(GoodsKind::S, *item),
        ),
        Target::Subcontractor { name, goods, item } => (
            format!("what subcontractor {name} holds of {} {item}", goods.noun()),
            b.unit_of(*goods, *item),
        ),
    }
}

pub(super) fn resolve_item(b: &Book, line: &MovementLine) -> Result<ItemNo, Refusal> {
    let by_part = match &line.part {
        Some(part) => match b.parts.get(part) {
            Some((goods, item)) if *goods == line.goods => Some(*item),
            _ => {
                return Err(Refusal::UnknownPart {
                    account: line.account.clone(),
                    goods: line.goods,
                    part: part.to_string(),
                })
            }
        },
        None => None,
    };
    let item = match (line.item, by_part) {
        (Some(given), Some(actual)) if given != actual => {
            return Err(Refusal::PartItemMismatch {
                goods: line.goods,
                part: line
                    .part
                    .as_ref()
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                actual,
                given,
            })
        }
        (Some(item), _) | (None, Some(item)) => item,
        (None, None) => {
            return Err(Refusal::bad(
                "item",
                "give the item number or the part number",
            ))
        }
    };
    require_item(b, line.goods, item)?;
    Ok(item)
}
