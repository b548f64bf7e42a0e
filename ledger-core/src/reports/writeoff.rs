//! A write-off cycle in customs' columns (EMS121 `EmsChgoffDt`): one row per material with the
//! balance identity, one per finished item with what left the book; and customs' answer
//! (EMS221) compared with those rows.
//!
//! Customs' columns split what the ledger keeps together: `impOrExpTotalQty` is the imports
//! plus remaining-material carry-ins (0657/0258 I), `dprcsCrdwImpexpQty` the deep-processing
//! carry-ins (0654/0255 I); `csmTotalQty` the consumption plus what finished carry-outs
//! consumed (0654/0255 E), `remainMtpckTrfoutQty` the remaining-material carry-outs (0657/0258
//! E). That split is the specification's inferred default; with it the identity reads
//! `shdRemainQty = vclrPridInitQty + impOrExpTotalQty + dprcsCrdwImpexpQty − csmTotalQty −
//! sdinQty − reexpQty − remainMtpckTrfoutQty − mtpckEndprdDstryQty`. Quantities are in the
//! item's declared unit.
//!
//! Finished rows: the book keeps its balances in materials and records no production, so a
//! finished item has no opening and no expected remainder of its own: its expected remainder
//! (`shdRemainQty`) is what the stocktake counted of it, whose materials are already in the
//! material rows' counted quantities. Its movements are the cycle's finished-goods lines:
//! exported (0615/0214 E, and 0642/0744/0345), carried out (0654/0255 E), sold at home
//! (0644/0245 I), returned and exchanged (4600/4400 I and E).
//!
//! The comparison with customs' answer adds what the split keeps apart (so a different split
//! on customs' side is not a difference) and takes customs' own adjustments (核增 `vrfaddQty`,
//! 核减 `vrfredQty`) out of its expected remainder before comparing: the adjustments are
//! listed on their own.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::events::lists::WriteOffRow;
use crate::messages::ems121::EmsChgoffDt;
use crate::model::ids::ItemNo;
use crate::model::money::round_half_up;
use crate::model::trade_mode::{Direction, GoodsKind, TradeMode};
use crate::reports::cycle::IdentityLine;
use crate::state::finished::FinishedColumn;
use crate::state::ledger::Book;

/// What the rows are of: the book, the write-off number, the cycle's days and stocktake.
pub struct RowsOf<'a> {
    pub book: &'a Book,
    pub ems_no: &'a str,
    pub count: u32,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub stocktake_date: Option<NaiveDate>,
    pub materials: &'a [IdentityLine],
}

/// The cycle's rows in customs' columns: materials (`I`), then finished items (`E`) with any
/// movement in the cycle or counted at its stocktake. `None` when a sum would not fit a
/// `Decimal` (quantities are limited at the border, so only a book of absurd size gets here).
pub fn rows(of: &RowsOf) -> Option<Vec<EmsChgoffDt>> {
    let zero = Decimal::ZERO;
    // Remaining-material carry-overs of the cycle, by item: kept whole by the book.
    let mut remaining_in: BTreeMap<ItemNo, Decimal> = BTreeMap::new();
    let mut remaining_out: BTreeMap<ItemNo, Decimal> = BTreeMap::new();
    for r in of.book.lines.whole_lines() {
        let l = &r.line;
        if l.date < of.start || l.date > of.end || l.goods != GoodsKind::M {
            continue;
        }
        if matches!(l.mode, TradeMode::M0657 | TradeMode::M0258) {
            let into = match l.dir {
                Direction::I => &mut remaining_in,
                Direction::E => &mut remaining_out,
            };
            let sum = into.entry(r.item).or_default();
            *sum = sum.checked_add(l.qty)?;
        }
    }
    let mut rows = Vec::new();
    for m in of.materials {
        let rem_in = remaining_in.get(&m.item).copied().unwrap_or(zero);
        let rem_out = remaining_out.get(&m.item).copied().unwrap_or(zero);
        let stocktake = m.stocktake.unwrap_or(zero);
        let difference = stocktake.checked_sub(m.closing)?;
        rows.push(EmsChgoffDt {
            ems_no: of.ems_no.to_string(),
            chgoff_tms_cnt: Some(of.count),
            typecd: "I".into(),
            seqno: Some(m.item.0),
            vclr_prid_init_qty: Some(m.opening),
            imp_or_exp_total_qty: Some(m.imported.checked_add(rem_in)?),
            dprcs_crdw_impexp_qty: Some(m.carried_in.checked_sub(rem_in)?),
            csm_total_qty: Some(
                m.consumed
                    .checked_add(m.carried_out.checked_sub(rem_out)?)?,
            ),
            sdin_qty: Some(m.domestic_sold),
            reexp_qty: Some(m.re_exported),
            remain_mtpck_trfout_qty: Some(rem_out),
            mtpck_endprd_dstry_qty: Some(m.destroyed),
            vrfadd_qty: Some(zero),
            vrfred_qty: Some(zero),
            shd_remain_qty: Some(m.closing),
            actl_remain_qty: Some(stocktake),
            dsml_qty: Some(difference),
            // difference / closing × 100, half-up to the file's 5 places (an inferred rule);
            // none where closing is 0.
            dsml_rate: match m.closing.is_zero() {
                true => None,
                false => Some(round_half_up(
                    difference
                        .checked_mul(Decimal::ONE_HUNDRED)?
                        .checked_div(m.closing)?,
                    5,
                )),
            },
            ..EmsChgoffDt::default()
        });
    }
    let moved = of.book.lines.finished().between(of.start, of.end)?;
    let mut counted: BTreeMap<ItemNo, Decimal> = BTreeMap::new();
    if let Some(day) = of.stocktake_date {
        for ((date, goods, item), qty) in &of.book.stocktakes {
            if *date == day && *goods == GoodsKind::P {
                counted.insert(*item, *qty);
            }
        }
    }
    let finished: std::collections::BTreeSet<ItemNo> =
        moved.keys().chain(counted.keys()).copied().collect();
    for item in finished {
        let f = moved.get(&item).copied().unwrap_or_default();
        let count = counted.get(&item).copied().unwrap_or(zero);
        let exported = f
            .get(FinishedColumn::Exported)
            .checked_add(f.get(FinishedColumn::OtherOut))?;
        rows.push(EmsChgoffDt {
            ems_no: of.ems_no.to_string(),
            chgoff_tms_cnt: Some(of.count),
            typecd: "E".into(),
            seqno: Some(item.0),
            vclr_prid_init_qty: Some(zero),
            imp_or_exp_total_qty: Some(exported),
            dprcs_crdw_impexp_qty: Some(f.get(FinishedColumn::DeepProcessing)),
            sdin_qty: Some(f.get(FinishedColumn::DomesticSold)),
            mtpck_endprd_dstry_qty: Some(zero),
            endprd_retn_exch_imp_qty: Some(f.get(FinishedColumn::ReturnedIn)),
            endprd_retn_exch_exp_qty: Some(f.get(FinishedColumn::ExchangedOut)),
            vrfadd_qty: Some(zero),
            vrfred_qty: Some(zero),
            shd_remain_qty: Some(count),
            actl_remain_qty: Some(count),
            dsml_qty: Some(zero),
            ..EmsChgoffDt::default()
        });
    }
    Some(rows)
}

/// A figure where customs' write-off result and the book disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteOffDifference {
    /// `I` material, `E` finished goods.
    pub goods: String,
    pub item: u32,
    /// Customs' element(s), e.g. `csmTotalQty + remainMtpckTrfoutQty`; `row` when one side has
    /// no row for the item.
    pub column: String,
    pub book: Option<Decimal>,
    pub customs: Option<Decimal>,
}

/// Customs' own adjustment of an item (核增 / 核减).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteOffAdjustment {
    pub goods: String,
    pub item: u32,
    /// `vrfaddQty`: what customs added to the expected remainder.
    pub added: Decimal,
    /// `vrfredQty`: what customs took off it.
    pub reduced: Decimal,
}

/// The figures compared, in customs' terms: (label, the book's, customs').
fn figures(
    book: &EmsChgoffDt,
    customs: &WriteOffRow,
) -> Option<Vec<(&'static str, Decimal, Decimal)>> {
    let z = |q: Option<Decimal>| q.unwrap_or(Decimal::ZERO);
    let sum = |a: Option<Decimal>, b: Option<Decimal>| z(a).checked_add(z(b));
    let before_adjustments = z(customs.expected_remaining)
        .checked_sub(z(customs.added))?
        .checked_add(z(customs.reduced))?;
    Some(vec![
        (
            "vclrPridInitQty",
            z(book.vclr_prid_init_qty),
            z(customs.opening),
        ),
        (
            "impOrExpTotalQty + dprcsCrdwImpexpQty",
            sum(book.imp_or_exp_total_qty, book.dprcs_crdw_impexp_qty)?,
            sum(customs.imported_or_exported, customs.deep_processing)?,
        ),
        (
            "csmTotalQty + remainMtpckTrfoutQty",
            sum(book.csm_total_qty, book.remain_mtpck_trfout_qty)?,
            sum(customs.consumed, customs.remaining_out)?,
        ),
        ("sdinQty", z(book.sdin_qty), z(customs.domestic_sold)),
        ("reexpQty", z(book.reexp_qty), z(customs.re_exported)),
        (
            "mtpckEndprdDstryQty",
            z(book.mtpck_endprd_dstry_qty),
            z(customs.destroyed),
        ),
        (
            "shdRemainQty (before customs' adjustments)",
            z(book.shd_remain_qty),
            before_adjustments,
        ),
        ("actlRemainQty", z(book.actl_remain_qty), z(customs.counted)),
    ])
}

/// Where customs' rows (EMS221) and the book's rows disagree, and customs' adjustments. An
/// item only one side has is a difference when the other side's figures are not all zero.
pub fn compare(
    book: &[EmsChgoffDt],
    customs: &[WriteOffRow],
) -> (Vec<WriteOffDifference>, Vec<WriteOffAdjustment>) {
    let key = |goods: &str, item: Option<u32>| (goods.to_string(), item.unwrap_or(0));
    let ours: BTreeMap<(String, u32), &EmsChgoffDt> =
        book.iter().map(|r| (key(&r.typecd, r.seqno), r)).collect();
    let theirs: BTreeMap<(String, u32), &WriteOffRow> =
        customs.iter().map(|r| (key(&r.goods, r.item), r)).collect();
    let mut differences = Vec::new();
    let mut adjustments = Vec::new();
    let diff = |(goods, item): &(String, u32), column: &str, book, customs| WriteOffDifference {
        goods: goods.clone(),
        item: *item,
        column: column.to_string(),
        book,
        customs,
    };
    for (k, c) in &theirs {
        let (added, reduced) = (
            c.added.unwrap_or(Decimal::ZERO),
            c.reduced.unwrap_or(Decimal::ZERO),
        );
        if !added.is_zero() || !reduced.is_zero() {
            adjustments.push(WriteOffAdjustment {
                goods: k.0.clone(),
                item: k.1,
                added,
                reduced,
            });
        }
        let Some(b) = ours.get(k) else {
            let empty = EmsChgoffDt::default();
            let nonzero = figures(&empty, c)
                .map(|f| f.iter().any(|(_, _, theirs)| !theirs.is_zero()))
                .unwrap_or(true);
            if nonzero {
                differences.push(diff(k, "row", None, c.expected_remaining));
            }
            continue;
        };
        match figures(b, c) {
            Some(f) => differences.extend(
                f.into_iter()
                    .filter(|(_, ours, theirs)| ours != theirs)
                    .map(|(column, ours, theirs)| diff(k, column, Some(ours), Some(theirs))),
            ),
            None => differences.push(diff(k, "row (figures too large to compare)", None, None)),
        }
    }
    if !customs.is_empty() {
        for (k, b) in &ours {
            if theirs.contains_key(k) {
                continue;
            }
            let nonzero = figures(b, &WriteOffRow::default())
                .map(|f| f.iter().any(|(_, ours, _)| !ours.is_zero()))
                .unwrap_or(true);
            if nonzero {
                differences.push(diff(k, "row", b.shd_remain_qty, None));
            }
        }
    }
    (differences, adjustments)
}

#[cfg(test)]
#[path = "writeoff_tests.rs"]
mod tests;
