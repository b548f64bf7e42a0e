//! What a movement takes off (or puts on) a book's stocks: the material itself, the materials
//! of a finished item's unit consumption, or scrap. Used by `decide` when it records a
//! movement and by the duty quote for a sale not recorded.

use rust_decimal::Decimal;

use crate::events::{Effect, Target};
use crate::model::ids::ItemNo;
use crate::model::refusal::{positive, Refusal};
use crate::model::trade_mode::{Column, GoodsKind, Sign};
use crate::state::ledger::Book;

pub(crate) fn require_item(book: &Book, goods: GoodsKind, item: ItemNo) -> Result<(), Refusal> {
    match book.item(goods, item) {
        Some(_) => Ok(()),
        None => Err(Refusal::UnknownItem {
            account: book.header.account.clone(),
            goods,
            item,
        }),
    }
}

/// The effects of `qty` finished units of `product` under BOM `version`.
pub(crate) fn finished_effects(
    b: &Book,
    product: ItemNo,
    version: u32,
    qty: Decimal,
    column: Column,
    sign: Sign,
) -> Option<Vec<Effect>> {
    let bom = b.boms.get(&(product, version))?;
    let s = if sign == Sign::Plus {
        Decimal::ONE
    } else {
        -Decimal::ONE
    };
    Some(
        bom.iter()
            .map(|(material, uc)| Effect {
                target: Target::Material {
                    item: *material,
                    column,
                },
                qty: uc.bonded_consumption(qty) * s,
            })
            .collect(),
    )
}

/// What selling `qty` of an item domestically takes off the book: the material itself, the
/// materials of a finished item's BOM `version`, or scrap. For quotes of sales not recorded.
pub fn domestic_sale_effects(
    b: &Book,
    goods: GoodsKind,
    item: ItemNo,
    version: u32,
    qty: Decimal,
) -> Result<Vec<Effect>, Refusal> {
    require_item(b, goods, item)?;
    positive("qty", qty)?;
    match goods {
        GoodsKind::M => Ok(vec![Effect {
            target: Target::Material {
                item,
                column: Column::DomesticSold,
            },
            qty,
        }]),
        GoodsKind::P => finished_effects(b, item, version, qty, Column::DomesticSold, Sign::Plus)
            .ok_or_else(|| Refusal::UnitConsumptionNotDeclared {
                account: b.header.account.clone(),
                product: item,
                version,
            }),
        GoodsKind::S => Ok(vec![Effect {
            target: Target::Scrap { item },
            qty: -qty,
        }]),
    }
}
