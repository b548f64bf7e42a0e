//! A verification list's messages recorded: the INV101 file written for the customs client,
//! and each receipt that came back, matched to its book and list.
//!
//! A receipt names its book (`putrecNo`, `emsNo`) or only the list's numbers (SeqNo,
//! BondInvtNo), or — the client's import result — nothing but its file name, which repeats the
//! name of the INV101 file it answers. A receipt for a book this store does not hold is bad
//! input and changes nothing; a receipt for a list the book does not hold is recorded
//! (reconciliation reports it); the same receipt again changes nothing.

use super::*;
use crate::events::lists::{
    CustomsItem, CustomsLine, ListExported, Pocket, ReceiptRecorded, WriteOffRow,
};
use crate::messages::lifecycle::implied_stage;
use crate::messages::receipt::{Message, Received};
use crate::state::lists::receipt_key;

pub(super) fn record_export(state: &Ledger, e: &ListExported) -> Result<Vec<Decided>, Refusal> {
    let b = book(state, &e.account)?;
    let Some(list) = b.lists.get(&e.ref_) else {
        return Err(Refusal::bad(
            "ref",
            format!("book {} holds no list {:?}", e.account, e.ref_),
        ));
    };
    if e.try_no != list.exports + 1 {
        return Err(Refusal::Conflict {
            column: "ref",
            what: format!(
                "list {} was exported {} times: the next file is try {}, not {}",
                e.ref_,
                list.exports,
                list.exports + 1,
                e.try_no
            ),
        });
    }
    Ok(one(state, Event::ListExported(e.clone())))
}

/// The `ref` an INV101 file name or a client result's file name carries:
/// `[Successed_|Failed_]INV101-<I|E>-<ref>-<try>[.xml][_<timestamp>…]`.
pub fn ref_of_file_name(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let base = base
        .strip_prefix("Successed_")
        .or_else(|| base.strip_prefix("Failed_"))
        .unwrap_or(base);
    let rest = base.strip_prefix("INV101-")?;
    let rest = rest
        .get(2..)
        .filter(|_| rest.starts_with("I-") || rest.starts_with("E-"))?;
    // What follows the try number: the extension, the client's `_timestamp`.
    let end = rest.find(['_', '.']).unwrap_or(rest.len());
    let stem = &rest[..end];
    let (ref_, try_no) = stem.rsplit_once('-')?;
    (!ref_.is_empty() && !try_no.is_empty() && try_no.bytes().all(|b| b.is_ascii_digit()))
        .then(|| ref_.to_string())
}

/// What a receipt says about its list, whichever kind it is.
struct Said {
    book: Option<String>,
    ref_: Option<String>,
    seq_no: Option<String>,
    bond_invt_no: Option<String>,
    entry_no: Option<String>,
    entry_seq_no: Option<String>,
    result: Option<String>,
    at: Option<chrono::NaiveDateTime>,
    mode: Option<String>,
    dir: Option<String>,
    notes: Vec<String>,
    lines: Vec<CustomsLine>,
    items: Vec<CustomsItem>,
    cycle: Option<u32>,
    writeoff_rows: Vec<WriteOffRow>,
}

fn said(message: &Message) -> Said {
    let mut s = Said {
        book: None,
        ref_: None,
        seq_no: None,
        bond_invt_no: None,
        entry_no: None,
        entry_seq_no: None,
        result: None,
        at: None,
        mode: None,
        dir: None,
        notes: Vec::new(),
        lines: Vec::new(),
        items: Vec::new(),
        cycle: None,
        writeoff_rows: Vec::new(),
    };
    let head = |s: &mut Said, h: &crate::messages::receipt::BondInvtBsc| {
        s.book = h.putrec_no.clone();
        s.ref_ = h.etps_inner_invt_no.clone();
        s.seq_no = h.invt_preent_no.clone().or(s.seq_no.take());
        s.bond_invt_no = h.bond_invt_no.clone().or(s.bond_invt_no.take());
        s.entry_no = h.entry_no.clone();
        s.mode = h.supv_modecd.clone();
        s.dir = h.impexp_markcd.clone();
        s.at = s.at.or(h.formal_vrfded_time).or(h.prevd_time);
    };
    match message {
        Message::ClientResult(r) => {
            s.seq_no = r.seq_no.clone();
            s.result = r.deal_flag.clone();
            s.notes.extend(r.check_info.clone());
        }
        Message::Inv201(m) => {
            s.seq_no = m.appr.etps_preent_no.clone();
            s.bond_invt_no = m.appr.business_id.clone();
            s.result = m.appr.manage_result.clone();
            s.at = m.appr.manage_date;
            s.notes = m.notes.clone();
            if let Some(h) = &m.head {
                head(&mut s, h);
            }
            s.lines = m
                .lines
                .iter()
                .map(|l| CustomsLine {
                    line: l.gds_seqno,
                    item: l.putrec_seqno,
                    part: l.gds_mtno.clone(),
                    qty: l.dcl_qty,
                    unit: l.dcl_unitcd.clone(),
                })
                .collect();
        }
        Message::Inv202(m) => {
            s.seq_no = m.result.inv_preent_no.clone();
            s.bond_invt_no = m.result.business_id.clone();
            s.entry_seq_no = m.result.entry_seq_no.clone();
            s.result = m.result.manage_result.clone();
            s.at = m.result.create_date;
            s.notes.extend(m.result.reason.clone());
        }
        Message::Inv211(m) => {
            if let Some(h) = &m.head {
                head(&mut s, h);
            }
            if s.book.is_none() {
                s.book = m.items.iter().find_map(|i| i.ems_no.clone());
            }
            s.items = m
                .items
                .iter()
                .map(|i| CustomsItem {
                    item: i.gds_seqno,
                    goods: i.mtpck_endprd_typecd.clone(),
                    list: i.invt_no.clone(),
                    list_line: i.invt_g_no,
                    opening: i.vclr_prid_init_qty,
                })
                .collect();
        }
        Message::Ems221(m) => {
            s.book = m
                .head
                .as_ref()
                .map(|h| h.ems_no.clone())
                .filter(|b| !b.is_empty())
                .or_else(|| m.appr.business_id.clone());
            s.result = m.appr.manage_result.clone();
            s.at = m.appr.manage_date;
            s.notes = m.notes.clone();
            s.cycle = m.appr.tms_cnt;
            s.writeoff_rows = m
                .rows
                .iter()
                .map(|r| WriteOffRow {
                    goods: r.typecd.clone(),
                    item: r.seqno,
                    opening: r.vclr_prid_init_qty,
                    imported_or_exported: r.imp_or_exp_total_qty,
                    deep_processing: r.dprcs_crdw_impexp_qty,
                    consumed: r.csm_total_qty,
                    domestic_sold: r.sdin_qty,
                    re_exported: r.reexp_qty,
                    remaining_out: r.remain_mtpck_trfout_qty,
                    destroyed: r.mtpck_endprd_dstry_qty,
                    added: r.vrfadd_qty,
                    reduced: r.vrfred_qty,
                    expected_remaining: r.shd_remain_qty,
                    counted: r.actl_remain_qty,
                    difference: r.dsml_qty,
                })
                .collect();
        }
        Message::Inv101(_) => {}
    }
    s
}

pub(super) fn record_receipt(
    state: &Ledger,
    received: &Received,
    file_name: Option<&str>,
) -> Result<Vec<Decided>, Refusal> {
    if let Message::Inv101(_) = received.message {
        return Err(Refusal::bad(
            "file",
            "a verification list (INV101) is recorded as movements, not as a receipt",
        ));
    }
    let mut s = said(&received.message);
    if s.ref_.is_none() {
        if let Message::ClientResult(_) = received.message {
            s.ref_ = file_name.and_then(ref_of_file_name);
        }
    }
    // The book: named by the receipt, or the one holding the list it names.
    let account: BookNo = match s.book.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
        Some(named) => {
            let account: BookNo = named.parse().map_err(|_| {
                Refusal::bad(
                    "file",
                    format!("the {} names book {named:?}, which is not a book number", received.message_type),
                )
            })?;
            if state.book(&account).is_none() {
                return Err(Refusal::bad(
                    "file",
                    format!(
                        "the {} is for book {account}, which this store does not hold; nothing was recorded",
                        received.message_type
                    ),
                ));
            }
            account
        }
        None => state
            .books
            .iter()
            .find(|(_, b)| {
                s.ref_.as_deref().is_some_and(|r| b.lists.get(r).is_some())
                    || b.lists
                        .find_by_numbers(s.bond_invt_no.as_deref(), s.seq_no.as_deref())
                        .is_some()
            })
            .map(|(a, _)| a.clone())
            .ok_or_else(|| {
                Refusal::bad(
                    "file",
                    format!(
                        "the {} names no book, and no list of this store has {}; nothing was recorded",
                        received.message_type,
                        describe_numbers(&s, file_name)
                    ),
                )
            })?,
    };
    let b = book(state, &account)?;
    // A receipt customs sent in several parts: each part is recorded, and their lines join.
    let pocket = received
        .message
        .envelope()
        .and_then(|e| e.pocket.as_ref())
        .and_then(|p| match (p.cur_pocket_no, p.total_pocket_qty) {
            (Some(part), Some(parts)) if parts > 1 && !p.pocket_id.trim().is_empty() => {
                Some(Pocket {
                    id: p.pocket_id.trim().to_string(),
                    part,
                    parts,
                })
            }
            _ => None,
        });
    let key = receipt_key(
        &received.message_type,
        received.message_id.as_deref(),
        &received.sha256,
        pocket.as_ref().map(|p| p.part),
    );
    if let Some(digest) = b.lists.receipt(&key) {
        if *digest == received.sha256 {
            return Ok(vec![]);
        }
        return Err(Refusal::Conflict {
            column: "file",
            what: format!(
                "a {} with message id {:?} is already recorded for book {account} with other content",
                received.message_type, key.1
            ),
        });
    }
    // The list: by its ref, else by the numbers customs assigned.
    let list = s.ref_.as_deref().and_then(|r| b.lists.get(r)).or_else(|| {
        b.lists
            .find_by_numbers(s.bond_invt_no.as_deref(), s.seq_no.as_deref())
    });
    let ref_ = list.map(|l| l.ref_.to_string()).or(s.ref_.clone());
    let known = list.is_some();
    let declares = list.and_then(|l| l.customs().declares);
    let event = ReceiptRecorded {
        account: account.clone(),
        ref_: if known { ref_ } else { s.ref_.clone() },
        message_type: received.message_type.clone(),
        message_id: received.message_id.clone(),
        sha256: received.sha256.clone(),
        file_name: file_name.map(str::to_string),
        stage: implied_stage(&received.message, declares),
        result: s.result,
        at: s.at,
        seq_no: s.seq_no,
        bond_invt_no: s.bond_invt_no,
        entry_no: s.entry_no,
        entry_seq_no: s.entry_seq_no,
        mode: s.mode,
        dir: s.dir,
        notes: s.notes,
        lines: s.lines,
        items: s.items,
        cycle: s.cycle,
        writeoff_rows: s.writeoff_rows,
        pocket,
    };
    let event = Event::ReceiptRecorded(event);
    let id = ids::receipt_id(&account, &key.0, &key.1);
    Ok(vec![Decided { id, event }])
}

fn describe_numbers(s: &Said, file_name: Option<&str>) -> String {
    let mut parts = Vec::new();
    if let Some(r) = &s.ref_ {
        parts.push(format!("the list number {r}"));
    }
    if let Some(n) = &s.seq_no {
        parts.push(format!("the pre-entry number (SeqNo) {n}"));
    }
    if let Some(n) = &s.bond_invt_no {
        parts.push(format!("the customs list number {n}"));
    }
    if parts.is_empty() {
        return match file_name {
            Some(f) => format!("a list matching the file name {f:?}"),
            None => "any number that names a list".into(),
        };
    }
    parts.join(" or ")
}

#[cfg(test)]
mod tests {
    use super::ref_of_file_name;

    #[test]
    fn the_ref_of_a_file_name() {
        let cases = [
            ("INV101-I-IMP20260042-1.xml", Some("IMP20260042")),
            (
                "Successed_INV101-I-IMP20260042-1_20260316093012345",
                Some("IMP20260042"),
            ),
            ("Failed_INV101-E-EXP-7-2.xml_202603160930", Some("EXP-7")),
            ("/in/InBox/Successed_INV101-E-A-B-C-12_2026", Some("A-B-C")),
            ("INV101-X-IMP-1.xml", None),
            ("receipt.xml", None),
            ("INV101-I--1.xml", None),
            ("INV101-I-IMP-x.xml", None),
        ];
        for (name, want) in cases {
            assert_eq!(ref_of_file_name(name).as_deref(), want, "{name}");
        }
    }
}
