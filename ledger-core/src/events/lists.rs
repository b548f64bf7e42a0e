//! The events of a verification list's life with customs (金关二期): the list written as an
//! INV101 file, and each receipt that came back (the client's import result, INV201 approval,
//! INV202 declaration generated, INV211 booking, EMS221 write-off result).
//!
//! A receipt is recorded whole enough to answer later questions without the file: the numbers
//! customs assigned, the stage it implies, and what customs booked (lines, items, openings),
//! with the SHA-256 of the raw file. It goes to the book's stream; its id derives from the book
//! and the message's type and id (or, for a client result, which has no id, its digest), so the
//! same file loaded again is recognised.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::messages::lifecycle::ListStage;
use crate::model::ids::BookNo;

/// A list written as an INV101 file for the customs client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListExported {
    pub account: BookNo,
    #[serde(rename = "ref")]
    pub ref_: String,
    /// 1 for the first file of the list, 2 for the next …
    #[serde(with = "crate::model::json_num")]
    pub try_no: u32,
    pub file_name: String,
    /// SHA-256 of the file written, lower-case hex.
    pub sha256: String,
    /// The day it was written (the list's entry date, InputTime).
    pub date: NaiveDate,
    /// `DelcareFlag` 1: the client declares it at once; 0: it stores it as a draft.
    pub declares: bool,
    /// `DclTypecd`: `1` new, `2` change, `3` delete.
    pub dcl_typecd: String,
    /// How many lines the file holds.
    #[serde(with = "crate::model::json_num")]
    pub lines: u32,
}

/// A message from the customs client or from customs, recorded against a list of the book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptRecorded {
    pub account: BookNo,
    /// The list it is about; `None` when the book holds no list customs names here (customs
    /// knows of a list the book does not: reconciliation reports it).
    #[serde(rename = "ref")]
    pub ref_: Option<String>,
    /// `INV201`, `INV202`, `INV211`, `EMS221`, or `CommonResponeMessage` (the client's result).
    pub message_type: String,
    pub message_id: Option<String>,
    /// SHA-256 of the raw file, lower-case hex.
    pub sha256: String,
    /// The file's name, where it was given (a client result is matched to its list by it).
    pub file_name: Option<String>,
    /// The stage of the list this receipt implies (it moves the list only forward).
    pub stage: Option<ListStage>,
    /// The result code: INV201/EMS221 `manageResult`, INV202 `manageResult`, client `DealFlag`.
    pub result: Option<String>,
    /// When customs processed it (manageDate, formalVrfdedTime, createDate …).
    pub at: Option<NaiveDateTime>,
    /// The pre-entry number (SeqNo / invtPreentNo).
    pub seq_no: Option<String>,
    /// Customs' list number (BondInvtNo, `QD…`).
    pub bond_invt_no: Option<String>,
    /// The customs declaration's number (entryNo) and pre-entry number (entrySeqNo).
    pub entry_no: Option<String>,
    pub entry_seq_no: Option<String>,
    /// The list's trade mode and direction as customs holds it (supvModecd, impexpMarkcd).
    pub mode: Option<String>,
    pub dir: Option<String>,
    /// Reasons and messages (CheckInfo notes, a refusal's reason).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The lines as customs holds them (INV201 `BondInvtDt`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<CustomsLine>,
    /// The book items the booked list touched (INV211 `EmsPutrecDt`), with their cycle opening.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<CustomsItem>,
    /// EMS221: the write-off number (the cycle) it answers.
    pub cycle: Option<u32>,
    /// EMS221: customs' figures of each book item (`EmsChgoffDt`), adjustments included.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub writeoff_rows: Vec<WriteOffRow>,
    /// One part of a receipt customs sent in several (PocketInfo `total_pocket_qty` > 1): the
    /// parts share `id`, and their lines make the receipt's lines together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pocket: Option<Pocket>,
}

/// Which part of a receipt sent in several this is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pocket {
    /// `pocket_id`, shared by every part.
    pub id: String,
    /// `cur_pocket_no`, from 1.
    pub part: u32,
    /// `total_pocket_qty`.
    pub parts: u32,
}

impl ReceiptRecorded {
    /// The key under which this receipt is recorded once (see `state::lists::receipt_key`);
    /// each part of a receipt sent in several is a receipt of its own.
    pub fn key(&self) -> (String, String) {
        receipt_key(
            &self.message_type,
            self.message_id.as_deref(),
            &self.sha256,
            self.pocket.as_ref().map(|p| p.part),
        )
    }
}

/// The key under which a receipt is recorded once: its message type and message id (or, for a
/// client result, which has none, its digest), and its part when customs sent it in several.
pub fn receipt_key(
    message_type: &str,
    message_id: Option<&str>,
    sha256: &str,
    part: Option<u32>,
) -> (String, String) {
    let id = message_id
        .filter(|id| !id.trim().is_empty())
        .unwrap_or(sha256);
    (
        message_type.to_string(),
        match part {
            Some(n) => format!("{id}#{n}"),
            None => id.to_string(),
        },
    )
}

/// One book item of customs' write-off result (EMS221 `EmsChgoffDt`), in customs' columns and
/// the item's declared unit. Customs' own figures, kept as they came: the cycle report
/// compares them with the book's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct WriteOffRow {
    /// `typecd`: `I` material, `E` finished goods.
    pub goods: String,
    /// `seqno`: the book item.
    pub item: Option<u32>,
    /// `vclrPridInitQty` 核销周期初始数量.
    pub opening: Option<Decimal>,
    /// `impOrExpTotalQty` 进口或出口总数量.
    pub imported_or_exported: Option<Decimal>,
    /// `dprcsCrdwImpexpQty` 深加工结转进出口数量.
    pub deep_processing: Option<Decimal>,
    /// `csmTotalQty` 消耗总数量.
    pub consumed: Option<Decimal>,
    /// `sdinQty` 内销数量.
    pub domestic_sold: Option<Decimal>,
    /// `reexpQty` 复出口数量.
    pub re_exported: Option<Decimal>,
    /// `remainMtpckTrfoutQty` 剩余料件转出数量.
    pub remaining_out: Option<Decimal>,
    /// `mtpckEndprdDstryQty` 料件成品销毁数量.
    pub destroyed: Option<Decimal>,
    /// `vrfaddQty` / `vrfredQty` 核增/核减: customs' adjustments.
    pub added: Option<Decimal>,
    pub reduced: Option<Decimal>,
    /// `shdRemainQty` 应剩余数量 (after customs' adjustments).
    pub expected_remaining: Option<Decimal>,
    /// `actlRemainQty` 实际剩余数量.
    pub counted: Option<Decimal>,
    /// `dsmlQty` 差异数量.
    pub difference: Option<Decimal>,
}

/// One list line as customs holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomsLine {
    /// The list line (GdsSeqno).
    pub line: Option<u32>,
    /// The book item (PutrecSeqno).
    pub item: Option<u32>,
    pub part: Option<String>,
    pub qty: Option<Decimal>,
    /// The declared unit's code (DclUnitcd).
    pub unit: Option<String>,
}

/// A book item a booked list touched (INV211 `EmsPutrecDt`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomsItem {
    /// The book item (gdsSeqno of the item record).
    pub item: Option<u32>,
    /// `I` material, `E` finished.
    pub goods: Option<String>,
    /// The list booked (invtNo) and its line (invtGNo).
    pub list: Option<String>,
    pub list_line: Option<u32>,
    /// The item's quantity at the start of the write-off cycle (vclrPridInitQty).
    pub opening: Option<Decimal>,
}
