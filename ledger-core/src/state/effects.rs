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

/// The effects of `qty` finished units of `product` under BOM `version`: `Ok(None)` when that
/// version is not declared; refused when a consumption is beyond what the ledger can hold.
pub(crate) fn finished_effects(
    b: &Book,
    product: ItemNo,
    version: u32,
    qty: Decimal,
    column: Column,
    sign: Sign,
) -> Result<Option<Vec<Effect>>, Refusal> {
    let Some(bom) = b.boms.get(&(product, version)) else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(bom.len());
    for (material, uc) in bom {
        let consumed = uc
            .checked_bonded_consumption(qty)
            .filter(|c| crate::model::limits::within_magnitude(*c))
            .ok_or_else(|| {
                Refusal::bad(
                    "qty",
                    format!(
                        "{} of finished item {product} consume more of material {material} than \
                         the ledger can hold (gross {} per unit): a quantity has at most 14 \
                         digits before the decimal point",
                        qty.normalize(),
                        uc.gross.normalize()
                    ),
                )
            })?;
        out.push(Effect {
            target: Target::Material {
                item: *material,
                column,
            },
            qty: if sign == Sign::Plus {
                consumed
            } else {
                -consumed
            },
        });
    }
    Ok(Some(out))
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
        GoodsKind::P => finished_effects(b, item, version, qty, Column::DomesticSold, Sign::Plus)?
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
