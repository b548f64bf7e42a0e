//! The write-off declaration (报核, EMS121) of a cycle, from the cycle report: the head, the
//! lists customs booked in the cycle (by their BondInvtNo), and one row per book item.
//!
//! The rows and their columns are `writeoff`'s (materials with the balance identity, finished
//! items with what left the book); every material row's identity is checked again before
//! anything is written.
//!
//! A list of the cycle that customs has not booked (no BondInvtNo, or not yet deducted) is not
//! included: it is named in the warnings, for the user to settle before declaring.

use chrono::NaiveDateTime;

use crate::messages::ems121::{self, Ems121, EmsChgoffBsc, EmsChgoffInvtLt};
use crate::messages::lifecycle::ListStage;
use crate::messages::{Envelope, PocketInfo};
use crate::model::ids::BookNo;
use crate::model::refusal::Refusal;
use crate::model::trade_mode::Direction;
use crate::reports::cycle::cycle_report;
use crate::reports::writeoff::{self, RowsOf};
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
    let rows = writeoff::rows(&RowsOf {
        book: b,
        ems_no: &ems_no,
        count,
        start: report.start,
        end: report.end,
        stocktake_date: report.stocktake_date,
        materials: &report.materials,
    })
    .ok_or_else(|| Refusal::RuleBroken {
        column: "cycle",
        what: format!(
            "the write-off figures of cycle {} are too large to add up",
            report.cycle
        ),
    })?;
    let materials = rows.iter().filter(|r| r.typecd == "I").count();
    let finished = rows.len() - materials;
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
            chgoff_mtpck_total_cnt: u32::try_from(materials).ok(),
            chgoff_endprd_total_cnt: u32::try_from(finished).ok(),
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
