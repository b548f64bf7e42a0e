//! The write-off declaration (报核, EMS121) of a cycle, from the cycle report: the head, the
//! lists customs booked in the cycle (by their BondInvtNo), and one row per material with the
//! balance identity in customs' columns.
//!
//! Customs' columns split what the ledger keeps together: `impOrExpTotalQty` is the imports
//! plus remaining-material carry-ins (0657/0258 I), `dprcsCrdwImpexpQty` the deep-processing
//! carry-ins (0654/0255 I); `csmTotalQty` the consumption plus what finished carry-outs
//! consumed (0654/0255 E), `remainMtpckTrfoutQty` the remaining-material carry-outs (0657/0258
//! E). That split is the specification's inferred default; with it the identity reads
//! `shdRemainQty = vclrPridInitQty + impOrExpTotalQty + dprcsCrdwImpexpQty − csmTotalQty −
//! sdinQty − reexpQty − remainMtpckTrfoutQty − mtpckEndprdDstryQty`, and it is checked on
//! every row before anything is written. Quantities are the item's declared unit.
//!
//! A list of the cycle that customs has not booked (no BondInvtNo, or not yet deducted) is not
//! included: it is named in the warnings, for the user to settle before declaring.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use rust_decimal::Decimal;

use crate::messages::ems121::{self, Ems121, EmsChgoffBsc, EmsChgoffDt, EmsChgoffInvtLt};
use crate::messages::lifecycle::ListStage;
use crate::messages::{Envelope, PocketInfo};
use crate::model::ids::{BookNo, ItemNo};
use crate::model::money::round_half_up;
use crate::model::refusal::Refusal;
use crate::model::trade_mode::{Direction, GoodsKind, TradeMode};
use crate::reports::cycle::cycle_report;
use crate::state::ledger::Ledger;

/// The declaration, and what the user should know before sending it.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteOff {
    pub document: Ems121,
    pub warnings: Vec<String>,
}

/// The EMS121 of cycle `n` (default: the oldest open one), made at `when`.
pub fn write_off(
    state: &Ledger,
    account: &BookNo,
    n: Option<i64>,
    when: NaiveDateTime,
) -> Result<WriteOff, Refusal> {
    let report = cycle_report(state, account, n, None)?;
    let b = state
        .book(account)
        .ok_or_else(|| Refusal::UnknownBook(account.clone()))?;
    let s = &b.settings.messages;
    let missing: Vec<&str> = [
        ("sccd", s.sccd.is_none()),
        ("company_name", s.company_name.is_none()),
        ("customs_office", s.customs_office.is_none()),
    ]
    .into_iter()
    .filter_map(|(k, m)| m.then_some(k))
    .collect();
    if !missing.is_empty() {
        return Err(Refusal::bad(
            "setting",
            format!(
                "the write-off declaration needs the book's {} — set with `bonded account set --account {account} {}`",
                missing.join(", "),
                missing.iter().map(|k| format!("{k}=…")).collect::<Vec<_>>().join(" ")
            ),
        ));
    }
    let mut warnings = Vec::new();
    if report.stocktake_date.is_none() {
        return Err(Refusal::RuleBroken {
            column: "cycle",
            what: format!(
                "cycle {} has no stocktake: the write-off declaration needs the counted quantities (actlRemainQty); load a stocktake file first",
                report.cycle
            ),
        });
    }
    let count = u32::try_from(report.cycle).unwrap_or(0);
    let ems_no = account.as_str().to_string();
    // Remaining-material carry-overs of the cycle, by item: kept whole by the book.
    let mut remaining_in: BTreeMap<ItemNo, Decimal> = BTreeMap::new();
    let mut remaining_out: BTreeMap<ItemNo, Decimal> = BTreeMap::new();
    for r in b.lines.whole_lines() {
        let l = &r.line;
        if l.date < report.start || l.date > report.end || l.goods != GoodsKind::M {
            continue;
        }
        if matches!(l.mode, TradeMode::M0657 | TradeMode::M0258) {
            let into = match l.dir {
                Direction::I => &mut remaining_in,
                Direction::E => &mut remaining_out,
            };
            *into.entry(r.item).or_default() += l.qty;
        }
    }
    let mut lists = Vec::new();
    let (mut imports, mut exports) = (0u32, 0u32);
    for l in b.lists.all() {
        if l.date < report.start || l.date > report.end || l.lines == 0 {
            continue;
        }
        match l.dir {
            Direction::I => imports += 1,
            Direction::E => exports += 1,
        }
        let booked = matches!(l.stage, ListStage::Deducted | ListStage::WrittenOff);
        match (&l.customs().bond_invt_no, booked) {
            (Some(no), true) => lists.push(EmsChgoffInvtLt {
                ems_no: ems_no.clone(),
                chgoff_tms_cnt: Some(count),
                bond_invt_no: no.clone(),
                dcl_typecd: "1".into(),
            }),
            _ => warnings.push(format!(
                "list {} ({}) is not booked by customs yet{}: it is not included",
                l.ref_,
                l.stage,
                l.customs()
                    .bond_invt_no
                    .as_ref()
                    .map(|n| format!(", customs number {n}"))
                    .unwrap_or_default()
            )),
        }
    }
    let zero = Decimal::ZERO;
    let mut rows = Vec::new();
    for m in &report.materials {
        let rem_in = remaining_in.get(&m.item).copied().unwrap_or(zero);
        let rem_out = remaining_out.get(&m.item).copied().unwrap_or(zero);
        let stocktake = m.stocktake.unwrap_or(zero);
        let difference = stocktake - m.closing;
        let row = EmsChgoffDt {
            ems_no: ems_no.clone(),
            chgoff_tms_cnt: Some(count),
            typecd: "I".into(),
            seqno: Some(m.item.0),
            vclr_prid_init_qty: Some(m.opening),
            imp_or_exp_total_qty: Some(m.imported + rem_in),
            dprcs_crdw_impexp_qty: Some(m.carried_in - rem_in),
            csm_total_qty: Some(m.consumed + (m.carried_out - rem_out)),
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
            dsml_rate: (!m.closing.is_zero())
                .then(|| round_half_up(difference * Decimal::ONE_HUNDRED / m.closing, 5)),
            ..EmsChgoffDt::default()
        };
        rows.push(row);
    }
    let document = Ems121 {
        envelope: Envelope {
            version: "1.0".into(),
            message_type: "EMS121".into(),
            message_id: format!("BONDED-{ems_no}-EMS121-{count}"),
            file_name: format!("EMS121-{ems_no}-{count}.xml"),
            send_time: Some(when),
            pocket: Some(PocketInfo {
                pocket_id: format!("EMS121-{ems_no}-{count}"),
                total_pocket_qty: Some(1),
                cur_pocket_no: Some(1),
                is_unstructured: None,
            }),
            ..Envelope::default()
        },
        head: EmsChgoffBsc {
            ems_no: ems_no.clone(),
            chgoff_tms_cnt: Some(count),
            chgoff_typecd: "1".into(),
            chgoff_begin_time: Some(report.start),
            chgoff_due_time: Some(report.end),
            bizop_etps_sccd: s.sccd.clone().unwrap_or_default(),
            bizop_etpsno: b.header.company.to_string(),
            bizop_etps_nm: s.company_name.clone().unwrap_or_default(),
            rvsngd_etps_sccd: s.sccd.clone().unwrap_or_default(),
            rcvgd_etpsno: b.header.company.to_string(),
            rcvgd_etps_nm: s.company_name.clone().unwrap_or_default(),
            imp_invt_total_cnt: Some(imports),
            exp_invt_total_cnt: Some(exports),
            chgoff_mtpck_total_cnt: Some(rows.len() as u32),
            chgoff_endprd_total_cnt: Some(0),
            chgoff_lfmt_total_cnt: Some(0),
            chgoff_impr_total_cnt: Some(0),
            input_time: Some(when),
            chgoff_dcl_time: Some(when),
            master_cuscd: s.customs_office.clone().unwrap_or_default(),
            rmk: Some(format!("bonded cycle {count}")),
            ..EmsChgoffBsc::default()
        },
        lists,
        rows,
        attachments: vec![],
    };
    if let Err(errors) = ems121::check(&document) {
        return Err(Refusal::RuleBroken {
            column: "cycle",
            what: format!(
                "the write-off rows do not balance: {}",
                errors
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        });
    }
    Ok(WriteOff { document, warnings })
}

#[cfg(test)]
#[path = "ems121_tests.rs"]
mod tests;
