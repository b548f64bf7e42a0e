//! The per-item balance projection (CONTRACT.md `balance`): every column of the balance
//! identity for each material, as of a business date, and the scrap stocks.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::events::ItemRegistered;
use crate::model::ids::{BookNo, ItemNo};
use crate::model::refusal::Refusal;
use crate::model::trade_mode::GoodsKind;
use crate::state::ledger::{Book, Ledger};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BalanceReport {
    pub account: BookNo,
    pub as_of: NaiveDate,
    pub materials: Vec<MaterialBalance>,
    pub scrap: Vec<ScrapBalance>,
    /// Goods at subcontractors (outward processing): still on the book, held elsewhere.
    pub at_subcontractors: Vec<SubcontractorHolding>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MaterialBalance {
    pub item: ItemNo,
    pub name: String,
    pub unit: String,
    pub opening: Decimal,
    pub imported: Decimal,
    pub carried_in: Decimal,
    pub consumed: Decimal,
    pub carried_out: Decimal,
    pub domestic_sold: Decimal,
    pub re_exported: Decimal,
    pub destroyed: Decimal,
    pub balance: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScrapBalance {
    pub item: ItemNo,
    pub name: String,
    pub unit: String,
    pub balance: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubcontractorHolding {
    pub subcontractor: String,
    pub goods: GoodsKind,
    pub item: ItemNo,
    pub qty: Decimal,
}

/// Balances of every registered material and scrap item of `account` at the end of `as_of`.
/// Quantities are exact; trailing zeros are dropped (`12.50` shows as `12.5`).
pub fn balances(
    state: &Ledger,
    account: &BookNo,
    as_of: NaiveDate,
) -> Result<BalanceReport, Refusal> {
    let book = state
        .book(account)
        .ok_or_else(|| Refusal::UnknownBook(account.clone()))?;
    let materials = book
        .items
        .iter()
        .filter(|((goods, _), _)| *goods == GoodsKind::M)
        .map(|((_, item), reg)| material_line(book, *item, reg, as_of))
        .collect();
    let scrap = book
        .items
        .iter()
        .filter(|((goods, _), _)| *goods == GoodsKind::S)
        .map(|((_, item), reg)| ScrapBalance {
            item: *item,
            name: reg.name.clone(),
            unit: reg.unit.to_string(),
            balance: book
                .scrap
                .get(item)
                .map(|s| s.at(as_of))
                .unwrap_or_default()
                .normalize(),
        })
        .collect();
    let at_subcontractors = book
        .subcontractors
        .iter()
        .map(|((name, goods, item), stock)| SubcontractorHolding {
            subcontractor: name.clone(),
            goods: *goods,
            item: *item,
            qty: stock.at(as_of).normalize(),
        })
        .filter(|h| !h.qty.is_zero())
        .collect();
    Ok(BalanceReport {
        account: account.clone(),
        as_of,
        materials,
        scrap,
        at_subcontractors,
    })
}

/// The balance line of one material of `account` at the end of `as_of`: what `balances`
/// says of it, without working out the rest of the book.
pub fn material_balance(
    state: &Ledger,
    account: &BookNo,
    item: ItemNo,
    as_of: NaiveDate,
) -> Result<MaterialBalance, Refusal> {
    let book = state
        .book(account)
        .ok_or_else(|| Refusal::UnknownBook(account.clone()))?;
    let reg = book
        .item(GoodsKind::M, item)
        .ok_or_else(|| Refusal::UnknownItem {
            account: account.clone(),
            goods: GoodsKind::M,
            item,
        })?;
    Ok(material_line(book, item, reg, as_of))
}

fn material_line(
    book: &Book,
    item: ItemNo,
    reg: &ItemRegistered,
    as_of: NaiveDate,
) -> MaterialBalance {
    let c = book
        .materials
        .get(&item)
        .map(|m| m.columns_as_of(as_of))
        .unwrap_or_default();
    MaterialBalance {
        item,
        name: reg.name.clone(),
        unit: reg.unit.to_string(),
        opening: c.opening.normalize(),
        imported: c.imported.normalize(),
        carried_in: c.carried_in.normalize(),
        consumed: c.consumed.normalize(),
        carried_out: c.carried_out.normalize(),
        domestic_sold: c.domestic_sold.normalize(),
        re_exported: c.re_exported.normalize(),
        destroyed: c.destroyed.normalize(),
        balance: c.balance().normalize(),
    }
}

impl BalanceReport {
    /// The material line of `item`, if registered.
    pub fn material(&self, item: ItemNo) -> Option<&MaterialBalance> {
        self.materials.iter().find(|m| m.item == item)
    }
}
