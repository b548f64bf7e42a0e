//! The blocks customs' receipts are made of, keeping only what the ledger uses: the numbers
//! customs assigned, the result codes and times, and per line what must be compared with the
//! ledger's movement (item, part, quantity, unit).
//!
//! Receipts use the data-centre spelling (camelCase: `etpsInnerInvtNo`); elements are matched
//! without regard to case, so `passportUsedTypecd` and `PassportUsedTypeCd` both read. Empty
//! elements are `None`, never zero. Times are `yyyy-MM-dd HH:mm:ss` (China time).

use super::fields::{self, At};
use super::xml::Node;
use super::MessageError;
use chrono::NaiveDateTime;
use rust_decimal::Decimal;

/// `HdeApprResult`: the processing result shared by INV201, EMS221 and other receipts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HdeApprResult {
    /// `etpsPreentNo`: for INV201 the list's SeqNo (pre-entry number).
    pub etps_preent_no: Option<String>,
    /// `businessId`: for INV201 the BondInvtNo; for EMS221 the book.
    pub business_id: Option<String>,
    /// `tmsCnt`: change count (INV201) or write-off number (EMS221).
    pub tms_cnt: Option<u32>,
    /// `typecd`: business type (seen `1`; meaning unknown).
    pub typecd: Option<String>,
    /// `manageResult`: the result code (INV201: Y Z 2 3 5 4 1; EMS221: Y Z B 5 6 A 7 2 3).
    pub manage_result: Option<String>,
    /// `manageDate`: when customs processed it.
    pub manage_date: Option<NaiveDateTime>,
    /// `rmk`.
    pub rmk: Option<String>,
}

/// `BondInvtBsc`: the list head as customs holds it (INV201, INV211).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BondInvtBsc {
    /// `bondInvtNo`: customs' list number (18).
    pub bond_invt_no: Option<String>,
    /// `chgTmsCnt`.
    pub chg_tms_cnt: Option<u32>,
    /// `invtPreentNo`: the pre-entry number (INV101 `SeqNo`).
    pub invt_preent_no: Option<String>,
    /// `putrecNo`: the book.
    pub putrec_no: Option<String>,
    /// `etpsInnerInvtNo`: the company's list number (the ledger's `ref`).
    pub etps_inner_invt_no: Option<String>,
    /// `impexpMarkcd`: `I` / `E`.
    pub impexp_markcd: Option<String>,
    /// `mtpckEndprdMarkcd`: `I` / `E`.
    pub mtpck_endprd_markcd: Option<String>,
    /// `supvModecd`: the trade mode.
    pub supv_modecd: Option<String>,
    /// `dclTypecd`: `1` new · `2` change · `3` delete.
    pub dcl_typecd: Option<String>,
    /// `bondInvtTypecd` (INV101 `InvtType`).
    pub bond_invt_typecd: Option<String>,
    /// `invtDclTime`.
    pub invt_dcl_time: Option<NaiveDateTime>,
    /// `entryNo`: the customs declaration number (18).
    pub entry_no: Option<String>,
    /// `entryDclTime`.
    pub entry_dcl_time: Option<NaiveDateTime>,
    /// `rltInvtNo` / `rltPutrecNo` / `rltEntryNo`: the other side of a carry-over.
    pub rlt_invt_no: Option<String>,
    pub rlt_putrec_no: Option<String>,
    pub rlt_entry_no: Option<String>,
    /// `dclcusFlag` / `dclcusTypecd`.
    pub dclcus_flag: Option<String>,
    pub dclcus_typecd: Option<String>,
    /// `prevdTime`: when customs pre-deducted the book.
    pub prevd_time: Option<NaiveDateTime>,
    /// `formalVrfdedTime`: when customs booked the list.
    pub formal_vrfded_time: Option<NaiveDateTime>,
    /// `invtStucd` 清单状态 (INV101 `ListStat`): `1` declared · `0` approved · `2` returned ·
    /// `3` deleted.
    pub invt_stucd: Option<String>,
    /// `vrfdedMarkcd` 核扣标记: `0` not deducted · `1` pre-deducted · `2` deducted · `3`
    /// written off.
    pub vrfded_markcd: Option<String>,
    /// `vrfdedModecd` 核扣方式: `D`, `F`, `N`, `NF`, `E`.
    pub vrfded_modecd: Option<String>,
    /// `duCode` 核算代码, kept verbatim.
    pub du_code: Option<String>,
    /// `entryStucd`: `0` declaration not released · `1` released.
    pub entry_stucd: Option<String>,
    /// `passportUsedTypecd` (INV101 `PassportUsedTypeCd`).
    pub passport_used_typecd: Option<String>,
    /// `needEntryModified`: `1` = list changed, declaration not yet.
    pub need_entry_modified: Option<String>,
    /// `rmk`.
    pub rmk: Option<String>,
}

/// `BondInvtDt`: one list line as customs holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BondInvtDt {
    /// `gdsSeqno`: the list line (the ledger's `line`).
    pub gds_seqno: Option<u32>,
    /// `putrecSeqno`: the book item.
    pub putrec_seqno: Option<u32>,
    /// `entryGdsSeqno`: the line on the declaration.
    pub entry_gds_seqno: Option<u32>,
    /// `gdsMtno`: the part.
    pub gds_mtno: Option<String>,
    /// `gdecd`: HS code.
    pub gdecd: Option<String>,
    /// `gdsNm`.
    pub gds_nm: Option<String>,
    /// `dclUnitcd` / `dclQty`: compared with the ledger's movement.
    pub dcl_unitcd: Option<String>,
    pub dcl_qty: Option<Decimal>,
    /// `lawfUnitcd` / `lawfQty`.
    pub lawf_unitcd: Option<String>,
    pub lawf_qty: Option<Decimal>,
    /// `dclCurrcd` / `dclTotalAmt`.
    pub dcl_currcd: Option<String>,
    pub dcl_total_amt: Option<Decimal>,
    /// `modfMarkcd`.
    pub modf_markcd: Option<String>,
}

/// `InvApprResult` (INV202): the customs declaration generated from the list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InvApprResult {
    /// `invPreentNo`: the list's SeqNo.
    pub inv_preent_no: Option<String>,
    /// `businessId`: the list's BondInvtNo.
    pub business_id: Option<String>,
    /// `entrySeqNo`: the declaration's 18-character pre-entry number.
    pub entry_seq_no: Option<String>,
    /// `manageResult`: `1` generated · `2` generation failed.
    pub manage_result: Option<String>,
    /// `createDate`.
    pub create_date: Option<NaiveDateTime>,
    /// `reason`: why generation failed.
    pub reason: Option<String>,
}

/// `EmsPutrecDt` (INV211, E-books): a book item the booked list touched. It tells which list
/// line hit which item and the item's cycle opening; it carries no running balance.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EmsPutrecDt {
    /// `emsNo`: the book.
    pub ems_no: Option<String>,
    /// `chgTmsCnt`: the book's change count.
    pub chg_tms_cnt: Option<u32>,
    /// `gdsSeqno`: the **book item** number, not the list line.
    pub gds_seqno: Option<u32>,
    /// `mtpckEndprdTypecd`: `I` material · `E` finished (`R` scrap on the item master).
    pub mtpck_endprd_typecd: Option<String>,
    /// `gdsMtno`, `gdecd`, `gdsNm`: the item's part, HS code, name.
    pub gds_mtno: Option<String>,
    pub gdecd: Option<String>,
    pub gds_nm: Option<String>,
    /// `dclUnitcd`, `lawfUnitcd`, `secdLawfUnitcd`: the item's units.
    pub dcl_unitcd: Option<String>,
    pub lawf_unitcd: Option<String>,
    pub secd_lawf_unitcd: Option<String>,
    /// `dclUprcAmt`, `dclCurrcd`: registered price and currency.
    pub dcl_uprc_amt: Option<Decimal>,
    pub dcl_currcd: Option<String>,
    /// `dclQty`: the registered quantity, not a balance.
    pub dcl_qty: Option<Decimal>,
    /// `lvyrlfModecd`, `modfMarkcd`.
    pub lvyrlf_modecd: Option<String>,
    pub modf_markcd: Option<String>,
    /// `etpsExeMarkcd` / `cusmExeMarkcd`: enforcement flags (customs: `1` normal, `4`–`6`
    /// suspended).
    pub etps_exe_markcd: Option<String>,
    pub cusm_exe_markcd: Option<String>,
    /// `apprMaxSurpQty`: approved maximum remaining quantity.
    pub appr_max_surp_qty: Option<Decimal>,
    /// `vclrPridInitQty`: the item's quantity at the start of the cycle (the ledger's opening).
    pub vclr_prid_init_qty: Option<Decimal>,
    /// `invtNo`: the BondInvtNo booked.
    pub invt_no: Option<String>,
    /// `invtGNo`: the list line (`GdsSeqno`) that touched this item.
    pub invt_g_no: Option<u32>,
    /// `rmk`.
    pub rmk: Option<String>,
}

fn at(record: &'static str, index: usize) -> At<'static> {
    At {
        record: Some((record, index)),
    }
}

pub(super) fn read_appr(n: &Node) -> Result<HdeApprResult, MessageError> {
    let at = at("HdeApprResult", 1);
    Ok(HdeApprResult {
        etps_preent_no: fields::text(n, "etpsPreentNo"),
        business_id: fields::text(n, "businessId"),
        tms_cnt: fields::whole(n, "tmsCnt", at)?,
        typecd: fields::text(n, "typecd"),
        manage_result: fields::text(n, "manageResult"),
        manage_date: fields::date_time(n, "manageDate", at)?,
        rmk: fields::text(n, "rmk"),
    })
}

/// The `note` of each `CheckInfo`, in order; empty notes are skipped.
pub(super) fn read_notes(parent: &Node) -> Vec<String> {
    parent
        .children_named("CheckInfo")
        .filter_map(|c| fields::text(c, "note"))
        .collect()
}

pub(super) fn read_bsc(n: &Node) -> Result<BondInvtBsc, MessageError> {
    let at = at("BondInvtBsc", 1);
    let t = |name: &str| fields::text(n, name);
    let time = |name: &str| fields::date_time(n, name, at);
    Ok(BondInvtBsc {
        bond_invt_no: t("bondInvtNo"),
        chg_tms_cnt: fields::whole(n, "chgTmsCnt", at)?,
        invt_preent_no: t("invtPreentNo"),
        putrec_no: t("putrecNo"),
        etps_inner_invt_no: t("etpsInnerInvtNo"),
        impexp_markcd: t("impexpMarkcd"),
        mtpck_endprd_markcd: t("mtpckEndprdMarkcd"),
        supv_modecd: t("supvModecd"),
        dcl_typecd: t("dclTypecd"),
        bond_invt_typecd: t("bondInvtTypecd"),
        invt_dcl_time: time("invtDclTime")?,
        entry_no: t("entryNo"),
        entry_dcl_time: time("entryDclTime")?,
        rlt_invt_no: t("rltInvtNo"),
        rlt_putrec_no: t("rltPutrecNo"),
        rlt_entry_no: t("rltEntryNo"),
        dclcus_flag: t("dclcusFlag"),
        dclcus_typecd: t("dclcusTypecd"),
        prevd_time: time("prevdTime")?,
        formal_vrfded_time: time("formalVrfdedTime")?,
        invt_stucd: t("invtStucd"),
        vrfded_markcd: t("vrfdedMarkcd"),
        vrfded_modecd: t("vrfdedModecd"),
        du_code: t("duCode"),
        entry_stucd: t("entryStucd"),
        passport_used_typecd: t("passportUsedTypecd"),
        need_entry_modified: t("needEntryModified"),
        rmk: t("rmk"),
    })
}

pub(super) fn read_dt(n: &Node, index: usize) -> Result<BondInvtDt, MessageError> {
    let at = at("BondInvtDt", index);
    let t = |name: &str| fields::text(n, name);
    let q = |name: &str| fields::lenient_decimal(n, name, at);
    Ok(BondInvtDt {
        gds_seqno: fields::whole(n, "gdsSeqno", at)?,
        putrec_seqno: fields::whole(n, "putrecSeqno", at)?,
        entry_gds_seqno: fields::whole(n, "entryGdsSeqno", at)?,
        gds_mtno: t("gdsMtno"),
        gdecd: t("gdecd"),
        gds_nm: t("gdsNm"),
        dcl_unitcd: t("dclUnitcd"),
        dcl_qty: q("dclQty")?,
        lawf_unitcd: t("lawfUnitcd"),
        lawf_qty: q("lawfQty")?,
        dcl_currcd: t("dclCurrcd"),
        dcl_total_amt: q("dclTotalAmt")?,
        modf_markcd: t("modfMarkcd"),
    })
}

pub(super) fn read_inv_appr(n: &Node) -> Result<InvApprResult, MessageError> {
    let at = at("InvApprResult", 1);
    Ok(InvApprResult {
        inv_preent_no: fields::text(n, "invPreentNo"),
        business_id: fields::text(n, "businessId"),
        entry_seq_no: fields::text(n, "entrySeqNo"),
        manage_result: fields::text(n, "manageResult"),
        create_date: fields::date_time(n, "createDate", at)?,
        reason: fields::text(n, "reason"),
    })
}

pub(super) fn read_putrec(n: &Node, index: usize) -> Result<EmsPutrecDt, MessageError> {
    let at = at("EmsPutrecDt", index);
    let t = |name: &str| fields::text(n, name);
    let q = |name: &str| fields::lenient_decimal(n, name, at);
    Ok(EmsPutrecDt {
        ems_no: t("emsNo"),
        chg_tms_cnt: fields::whole(n, "chgTmsCnt", at)?,
        gds_seqno: fields::whole(n, "gdsSeqno", at)?,
        mtpck_endprd_typecd: t("mtpckEndprdTypecd"),
        gds_mtno: t("gdsMtno"),
        gdecd: t("gdecd"),
        gds_nm: t("gdsNm"),
        dcl_unitcd: t("dclUnitcd"),
        lawf_unitcd: t("lawfUnitcd"),
        secd_lawf_unitcd: t("secdLawfUnitcd"),
        dcl_uprc_amt: q("dclUprcAmt")?,
        dcl_currcd: t("dclCurrcd"),
        dcl_qty: q("dclQty")?,
        lvyrlf_modecd: t("lvyrlfModecd"),
        modf_markcd: t("modfMarkcd"),
        etps_exe_markcd: t("etpsExeMarkcd"),
        cusm_exe_markcd: t("cusmExeMarkcd"),
        appr_max_surp_qty: q("apprMaxSurpQty")?,
        vclr_prid_init_qty: q("vclrPridInitQty")?,
        invt_no: t("invtNo"),
        invt_g_no: fields::whole(n, "invtGNo", at)?,
        rmk: t("rmk"),
    })
}
