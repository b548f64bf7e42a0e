//! EMS121, the write-off declaration (报核) of an E-book cycle, and the balance identity its
//! item rows must satisfy.
//!
//! Known only in the data-centre shape: camelCase fields, wrapped as
//! `Signature/Object/Package/{EnvelopInfo, DataInfo/{PocketInfo, BussinessData/EMS121}}`.
//! The customs client's import wrapper for it has not been found, so `bonded` writes this
//! document as a report and leaves submission to the user.
//!
//! ```text
//! EMS121
//! ├─ EmsChgoffBsc          the head: book, write-off number, cycle, companies, counts
//! ├─ EmsChgoffInvtLt       one per verification list of the cycle (its BondInvtNo)
//! ├─ EmsChgoffDt           one per book item: the cycle's quantities
//! └─ EmsAdjaccAcmpFormDt   attachments
//! ```
//!
//! Each material row (`typecd` I) states the ledger's identity in customs' words:
//!
//! ```text
//! shdRemainQty = vclrPridInitQty + impOrExpTotalQty + dprcsCrdwImpexpQty
//!              − csmTotalQty − sdinQty − reexpQty − remainMtpckTrfoutQty − mtpckEndprdDstryQty
//!              + vrfaddQty − vrfredQty
//! dsmlQty      = actlRemainQty − shdRemainQty
//! ```
//!
//! [`check_identity`] asserts both (on finished-goods rows, which count exports the other
//! way, only the second). The same row and head types read customs' EMS221 result.

use super::fields::{self, round_half_up, At};
use super::xml::{self, Node, Writer};
use super::{read_envelope, write_envelope, write_pocket, Envelope, MessageError, Strictness};
use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use thiserror::Error;

/// One EMS121 document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ems121 {
    /// `message_type` EMS121; the `pocket` is written as `DataInfo/PocketInfo` (a single part
    /// when none is given).
    pub envelope: Envelope,
    pub head: EmsChgoffBsc,
    pub lists: Vec<EmsChgoffInvtLt>,
    pub rows: Vec<EmsChgoffDt>,
    pub attachments: Vec<EmsAdjaccAcmpFormDt>,
}

/// `EmsChgoffBsc`: the head of a write-off (EMS121) or customs' copy of it (EMS221).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EmsChgoffBsc {
    /// `emsNo` 账册编号.
    pub ems_no: String,
    /// `chgoffTmsCnt` 报核次数: the cycle number, from 1.
    pub chgoff_tms_cnt: Option<u32>,
    /// `chgoffTypecd` 报核类型: `1` normal · `2` supplementary · `3` customs disposal.
    pub chgoff_typecd: String,
    /// `chgoffBeginTime` 报核开始时间 (`yyyy-MM-dd`).
    pub chgoff_begin_time: Option<NaiveDate>,
    /// `chgoffDueTime` 报核截止时间 (`yyyy-MM-dd`).
    pub chgoff_due_time: Option<NaiveDate>,
    /// `bizopEtpsSccd` / `bizopEtpsno` / `bizopEtpsNm`: the operator.
    pub bizop_etps_sccd: String,
    pub bizop_etpsno: String,
    pub bizop_etps_nm: String,
    /// `rvsngdEtpsSccd` / `rcvgdEtpsno` / `rcvgdEtpsNm`: the processing company.
    pub rvsngd_etps_sccd: String,
    pub rcvgd_etpsno: String,
    pub rcvgd_etps_nm: String,
    /// `impInvtTotalCnt` / `expInvtTotalCnt`: import and export lists of the cycle.
    pub imp_invt_total_cnt: Option<u32>,
    pub exp_invt_total_cnt: Option<u32>,
    /// `chgoffMtpckTotalCnt` / `chgoffEndprdTotalCnt`: material and finished-goods rows.
    pub chgoff_mtpck_total_cnt: Option<u32>,
    pub chgoff_endprd_total_cnt: Option<u32>,
    /// `chgoffLfmtTotalCnt` / `chgoffImprTotalCnt`: scrap and defective rows.
    pub chgoff_lfmt_total_cnt: Option<u32>,
    pub chgoff_impr_total_cnt: Option<u32>,
    /// `impMtpckTotalAmt` / `expEndprdTotalAmt`: totals of the cycle's lists.
    pub imp_mtpck_total_amt: Option<Decimal>,
    pub exp_endprd_total_amt: Option<Decimal>,
    /// `inputTime` / `chgoffDclTime` (`yyyy-MM-dd HH:mm:ss`), passed by the caller.
    pub input_time: Option<NaiveDateTime>,
    pub chgoff_dcl_time: Option<NaiveDateTime>,
    /// `masterCuscd` 主管关区: 4 digits.
    pub master_cuscd: String,
    /// `rmk` 备注.
    pub rmk: Option<String>,
}

/// `EmsChgoffInvtLt`: one verification list included in the write-off.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EmsChgoffInvtLt {
    /// `emsNo`.
    pub ems_no: String,
    /// `chgoffTmsCnt`.
    pub chgoff_tms_cnt: Option<u32>,
    /// `bondInvtNo`: the list's 18-character customs number.
    pub bond_invt_no: String,
    /// `dclTypecd`: `1` include.
    pub dcl_typecd: String,
}

/// `EmsChgoffDt`: one book item's figures for the cycle, in the item's declared unit.
/// An empty quantity is `None` (no value; the identity counts it as zero).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EmsChgoffDt {
    /// `emsNo`.
    pub ems_no: String,
    /// `chgoffTmsCnt`.
    pub chgoff_tms_cnt: Option<u32>,
    /// `typecd`: `I` material · `E` finished goods.
    pub typecd: String,
    /// `seqno`: the book item number.
    pub seqno: Option<u32>,
    /// `vclrPridInitQty` 核销周期初始数量: the cycle's opening.
    pub vclr_prid_init_qty: Option<Decimal>,
    /// `impOrExpTotalQty` 进口或出口总数量.
    pub imp_or_exp_total_qty: Option<Decimal>,
    /// `dprcsCrdwImpexpQty` 深加工结转进出口数量.
    pub dprcs_crdw_impexp_qty: Option<Decimal>,
    /// `csmTotalQty` 消耗总数量.
    pub csm_total_qty: Option<Decimal>,
    /// `sdinQty` 内销数量.
    pub sdin_qty: Option<Decimal>,
    /// `reexpQty` 复出口数量.
    pub reexp_qty: Option<Decimal>,
    /// `remainMtpckTrfoutQty` 剩余料件转出数量.
    pub remain_mtpck_trfout_qty: Option<Decimal>,
    /// `mtpckEndprdDstryQty` 料件成品销毁数量.
    pub mtpck_endprd_dstry_qty: Option<Decimal>,
    /// `endprdRetnExchImpQty` / `endprdRetnExchExpQty` 成品退换进口/出口数量.
    pub endprd_retn_exch_imp_qty: Option<Decimal>,
    pub endprd_retn_exch_exp_qty: Option<Decimal>,
    /// `lfmtImprQty` / `lfmtImprTotalAmt` 边角料残次品数量/金额.
    pub lfmt_impr_qty: Option<Decimal>,
    pub lfmt_impr_total_amt: Option<Decimal>,
    /// `lfmtDstryQty` 边角料销毁数量.
    pub lfmt_dstry_qty: Option<Decimal>,
    /// `tgblLossQty` / `intgbLossQty` 有形/无形损耗数量.
    pub tgbl_loss_qty: Option<Decimal>,
    pub intgb_loss_qty: Option<Decimal>,
    /// `vrfaddQty` / `vrfredQty` 核增/核减数量: customs' adjustments (0 when declaring).
    pub vrfadd_qty: Option<Decimal>,
    pub vrfred_qty: Option<Decimal>,
    /// `shdRemainQty` 应剩余数量: the ledger's closing.
    pub shd_remain_qty: Option<Decimal>,
    /// `actlRemainQty` 实际剩余数量: the stocktake.
    pub actl_remain_qty: Option<Decimal>,
    /// `dsmlQty` 差异数量: stocktake − closing.
    pub dsml_qty: Option<Decimal>,
    /// `dsmlRate` 差异率.
    pub dsml_rate: Option<Decimal>,
    /// `dclcusInvtAvgUprcAmt` 报关清单平均单价.
    pub dclcus_invt_avg_uprc_amt: Option<Decimal>,
    /// `shdRemainTotalAmt`, `actlRemainTotalAmt`, `csmTotalAmt`, `sdinTotalAmt`, `dsmlAmt`.
    pub shd_remain_total_amt: Option<Decimal>,
    pub actl_remain_total_amt: Option<Decimal>,
    pub csm_total_amt: Option<Decimal>,
    pub sdin_total_amt: Option<Decimal>,
    pub dsml_amt: Option<Decimal>,
    /// `rmk`.
    pub rmk: Option<String>,
}

/// `EmsAdjaccAcmpFormDt`: an attached document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EmsAdjaccAcmpFormDt {
    /// `emsNo`.
    pub ems_no: String,
    /// `dcrTmsCnt`: the write-off number (customs names it differently here).
    pub dcr_tms_cnt: Option<u32>,
    /// `acmpFormSeqno`, from 1.
    pub acmp_form_seqno: Option<u32>,
    /// `acmpFormTypecd` (≤ 25), `acmpFormNo` (≤ 64), `fixdNo` (≤ 64), `acmpFormFileNm` (≤ 512).
    pub acmp_form_typecd: String,
    pub acmp_form_no: String,
    pub fixd_no: String,
    pub acmp_form_file_nm: String,
    pub rmk: Option<String>,
}

/// A row whose figures break the balance identity.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdentityError {
    #[error("{ems_no} item {seqno} ({typecd}): {element}: missing; the write-off needs it")]
    Missing {
        ems_no: String,
        seqno: String,
        typecd: String,
        element: &'static str,
    },
    #[error(
        "{ems_no} item {seqno} ({typecd}): {element} is {found} but the balance identity gives {expected}"
    )]
    Off {
        ems_no: String,
        seqno: String,
        typecd: String,
        element: &'static str,
        found: Decimal,
        expected: Decimal,
    },
    #[error("{ems_no} item {seqno} ({typecd}): the quantities are too large to add up")]
    Overflow {
        ems_no: String,
        seqno: String,
        typecd: String,
    },
}

/// Asserts the row's identities: for a material row (`typecd` I) that the closing
/// (`shdRemainQty`) is the opening plus what came in less what went out plus customs'
/// adjustments; for every row that the difference (`dsmlQty`) is the stocktake less the closing.
/// Empty flows count as zero; the closing and the stocktake must be present.
pub fn check_identity(row: &EmsChgoffDt) -> Result<(), IdentityError> {
    let seqno = row.seqno.map(|n| n.to_string()).unwrap_or_default();
    let missing = |element| IdentityError::Missing {
        ems_no: row.ems_no.clone(),
        seqno: seqno.clone(),
        typecd: row.typecd.clone(),
        element,
    };
    let off = |element, found, expected| IdentityError::Off {
        ems_no: row.ems_no.clone(),
        seqno: seqno.clone(),
        typecd: row.typecd.clone(),
        element,
        found,
        expected,
    };
    let overflow = || IdentityError::Overflow {
        ems_no: row.ems_no.clone(),
        seqno: seqno.clone(),
        typecd: row.typecd.clone(),
    };
    let shd = row.shd_remain_qty.ok_or_else(|| missing("shdRemainQty"))?;
    let actl = row
        .actl_remain_qty
        .ok_or_else(|| missing("actlRemainQty"))?;
    if row.typecd == "I" {
        let z = |q: Option<Decimal>| q.unwrap_or(Decimal::ZERO);
        let ins = [
            row.vclr_prid_init_qty,
            row.imp_or_exp_total_qty,
            row.dprcs_crdw_impexp_qty,
            row.vrfadd_qty,
        ];
        let outs = [
            row.csm_total_qty,
            row.sdin_qty,
            row.reexp_qty,
            row.remain_mtpck_trfout_qty,
            row.mtpck_endprd_dstry_qty,
            row.vrfred_qty,
        ];
        let mut expected = Decimal::ZERO;
        for q in ins {
            expected = expected.checked_add(z(q)).ok_or_else(overflow)?;
        }
        for q in outs {
            expected = expected.checked_sub(z(q)).ok_or_else(overflow)?;
        }
        if expected != shd {
            return Err(off("shdRemainQty", shd, expected));
        }
    }
    let dsml = row.dsml_qty.ok_or_else(|| missing("dsmlQty"))?;
    let expected = actl.checked_sub(shd).ok_or_else(overflow)?;
    if expected != dsml {
        return Err(off("dsmlQty", dsml, expected));
    }
    Ok(())
}

/// [`check_identity`] on every row; all failures are reported.
pub fn check(doc: &Ems121) -> Result<(), Vec<IdentityError>> {
    let errors: Vec<_> = doc
        .rows
        .iter()
        .filter_map(|r| check_identity(r).err())
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// A decimal as written in EMS121: at most 5 decimal places. The ledger keeps quantities
/// exact; the write-off file allows 5 places for quantities (and for other amounts), so a
/// value with more is rounded half-up (四舍五入) to 5 here, when writing, and nowhere else.
fn file_decimal(value: Decimal) -> String {
    round_half_up(value, 5).to_string()
}

fn num(value: Option<u32>) -> Option<String> {
    value.map(|n| n.to_string())
}

fn some(value: &str) -> Option<&str> {
    Some(value).filter(|v| !v.is_empty())
}

/// Writes the document, leaving out fields without a value. Run [`check`] first.
pub fn to_xml(doc: &Ems121) -> String {
    let mut w = Writer::new();
    w.open("Signature");
    w.open("Object");
    w.open("Package");
    write_envelope(&mut w, &doc.envelope);
    w.open("DataInfo");
    let single = super::PocketInfo {
        total_pocket_qty: Some(1),
        cur_pocket_no: Some(1),
        ..Default::default()
    };
    write_pocket(&mut w, doc.envelope.pocket.as_ref().unwrap_or(&single));
    w.open("BussinessData");
    w.open("EMS121");
    write_head(&mut w, &doc.head);
    for list in &doc.lists {
        w.open("EmsChgoffInvtLt");
        w.optional("emsNo", some(&list.ems_no));
        w.optional("chgoffTmsCnt", num(list.chgoff_tms_cnt).as_deref());
        w.optional("bondInvtNo", some(&list.bond_invt_no));
        w.optional("dclTypecd", some(&list.dcl_typecd));
        w.close();
    }
    for row in &doc.rows {
        write_row(&mut w, row);
    }
    for a in &doc.attachments {
        w.open("EmsAdjaccAcmpFormDt");
        w.optional("emsNo", some(&a.ems_no));
        w.optional("dcrTmsCnt", num(a.dcr_tms_cnt).as_deref());
        w.optional("acmpFormSeqno", num(a.acmp_form_seqno).as_deref());
        w.optional("acmpFormTypecd", some(&a.acmp_form_typecd));
        w.optional("acmpFormNo", some(&a.acmp_form_no));
        w.optional("fixdNo", some(&a.fixd_no));
        w.optional("acmpFormFileNm", some(&a.acmp_form_file_nm));
        w.optional("rmk", a.rmk.as_deref());
        w.close();
    }
    w.finish()
}

fn write_head(w: &mut Writer, h: &EmsChgoffBsc) {
    let date = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
    let time = |t: Option<NaiveDateTime>| t.map(fields::format_date_time);
    let amount = |a: Option<Decimal>| a.map(file_decimal);
    w.open("EmsChgoffBsc");
    w.optional("emsNo", some(&h.ems_no));
    w.optional("chgoffTmsCnt", num(h.chgoff_tms_cnt).as_deref());
    w.optional("chgoffTypecd", some(&h.chgoff_typecd));
    w.optional("chgoffBeginTime", date(h.chgoff_begin_time).as_deref());
    w.optional("chgoffDueTime", date(h.chgoff_due_time).as_deref());
    w.optional("bizopEtpsSccd", some(&h.bizop_etps_sccd));
    w.optional("bizopEtpsno", some(&h.bizop_etpsno));
    w.optional("bizopEtpsNm", some(&h.bizop_etps_nm));
    w.optional("rvsngdEtpsSccd", some(&h.rvsngd_etps_sccd));
    w.optional("rcvgdEtpsno", some(&h.rcvgd_etpsno));
    w.optional("rcvgdEtpsNm", some(&h.rcvgd_etps_nm));
    w.optional("impInvtTotalCnt", num(h.imp_invt_total_cnt).as_deref());
    w.optional("expInvtTotalCnt", num(h.exp_invt_total_cnt).as_deref());
    w.optional(
        "chgoffMtpckTotalCnt",
        num(h.chgoff_mtpck_total_cnt).as_deref(),
    );
    w.optional(
        "chgoffEndprdTotalCnt",
        num(h.chgoff_endprd_total_cnt).as_deref(),
    );
    w.optional(
        "chgoffLfmtTotalCnt",
        num(h.chgoff_lfmt_total_cnt).as_deref(),
    );
    w.optional(
        "chgoffImprTotalCnt",
        num(h.chgoff_impr_total_cnt).as_deref(),
    );
    w.optional("impMtpckTotalAmt", amount(h.imp_mtpck_total_amt).as_deref());
    w.optional(
        "expEndprdTotalAmt",
        amount(h.exp_endprd_total_amt).as_deref(),
    );
    w.optional("inputTime", time(h.input_time).as_deref());
    w.optional("chgoffDclTime", time(h.chgoff_dcl_time).as_deref());
    w.optional("masterCuscd", some(&h.master_cuscd));
    w.optional("rmk", h.rmk.as_deref());
    w.close();
}

/// The decimal fields of a row, element name and value, in writing order.
fn row_decimals(r: &EmsChgoffDt) -> [(&'static str, Option<Decimal>); 27] {
    [
        ("vclrPridInitQty", r.vclr_prid_init_qty),
        ("impOrExpTotalQty", r.imp_or_exp_total_qty),
        ("dprcsCrdwImpexpQty", r.dprcs_crdw_impexp_qty),
        ("csmTotalQty", r.csm_total_qty),
        ("sdinQty", r.sdin_qty),
        ("reexpQty", r.reexp_qty),
        ("remainMtpckTrfoutQty", r.remain_mtpck_trfout_qty),
        ("mtpckEndprdDstryQty", r.mtpck_endprd_dstry_qty),
        ("endprdRetnExchImpQty", r.endprd_retn_exch_imp_qty),
        ("endprdRetnExchExpQty", r.endprd_retn_exch_exp_qty),
        ("lfmtImprQty", r.lfmt_impr_qty),
        ("lfmtImprTotalAmt", r.lfmt_impr_total_amt),
        ("lfmtDstryQty", r.lfmt_dstry_qty),
        ("tgblLossQty", r.tgbl_loss_qty),
        ("intgbLossQty", r.intgb_loss_qty),
        ("vrfaddQty", r.vrfadd_qty),
        ("vrfredQty", r.vrfred_qty),
        ("shdRemainQty", r.shd_remain_qty),
        ("actlRemainQty", r.actl_remain_qty),
        ("dsmlQty", r.dsml_qty),
        ("dsmlRate", r.dsml_rate),
        ("dclcusInvtAvgUprcAmt", r.dclcus_invt_avg_uprc_amt),
        ("shdRemainTotalAmt", r.shd_remain_total_amt),
        ("actlRemainTotalAmt", r.actl_remain_total_amt),
        ("csmTotalAmt", r.csm_total_amt),
        ("sdinTotalAmt", r.sdin_total_amt),
        ("dsmlAmt", r.dsml_amt),
    ]
}

fn write_row(w: &mut Writer, r: &EmsChgoffDt) {
    w.open("EmsChgoffDt");
    w.optional("emsNo", some(&r.ems_no));
    w.optional("chgoffTmsCnt", num(r.chgoff_tms_cnt).as_deref());
    w.optional("typecd", some(&r.typecd));
    w.optional("seqno", num(r.seqno).as_deref());
    for (name, value) in row_decimals(r) {
        w.optional(name, value.map(file_decimal).as_deref());
    }
    w.optional("rmk", r.rmk.as_deref());
    w.close();
}

/// Reads an EMS121 document back (the report `bonded` wrote, or one from a platform).
pub fn from_xml(bytes: &[u8]) -> Result<Ems121, MessageError> {
    let root = xml::parse(bytes)?;
    let package = match root.name.as_str() {
        n if n.eq_ignore_ascii_case("Package") => &root,
        n if n.eq_ignore_ascii_case("Signature") => root
            .path(&["Object", "Package"])
            .ok_or_else(|| missing("Package"))?,
        _ => return Err(MessageError::NotAMessage { root: root.name }),
    };
    let envelope = read_envelope(package, Strictness::Lenient)?;
    let body = package
        .path(&["DataInfo", "BussinessData", "EMS121"])
        .ok_or_else(|| missing("EMS121"))?;
    let head = body
        .child("EmsChgoffBsc")
        .ok_or_else(|| missing("EmsChgoffBsc"))?;
    let lists = body
        .children_named("EmsChgoffInvtLt")
        .enumerate()
        .map(|(i, n)| {
            let at = At {
                record: Some(("EmsChgoffInvtLt", i + 1)),
            };
            Ok(EmsChgoffInvtLt {
                ems_no: fields::text_or_empty(n, "emsNo"),
                chgoff_tms_cnt: fields::whole(n, "chgoffTmsCnt", at)?,
                bond_invt_no: fields::text_or_empty(n, "bondInvtNo"),
                dcl_typecd: fields::text_or_empty(n, "dclTypecd"),
            })
        })
        .collect::<Result<Vec<_>, MessageError>>()?;
    let rows = body
        .children_named("EmsChgoffDt")
        .enumerate()
        .map(|(i, n)| read_row(n, i + 1))
        .collect::<Result<Vec<_>, _>>()?;
    let attachments = body
        .children_named("EmsAdjaccAcmpFormDt")
        .enumerate()
        .map(|(i, n)| {
            let at = At {
                record: Some(("EmsAdjaccAcmpFormDt", i + 1)),
            };
            Ok(EmsAdjaccAcmpFormDt {
                ems_no: fields::text_or_empty(n, "emsNo"),
                dcr_tms_cnt: fields::whole(n, "dcrTmsCnt", at)?,
                acmp_form_seqno: fields::whole(n, "acmpFormSeqno", at)?,
                acmp_form_typecd: fields::text_or_empty(n, "acmpFormTypecd"),
                acmp_form_no: fields::text_or_empty(n, "acmpFormNo"),
                fixd_no: fields::text_or_empty(n, "fixdNo"),
                acmp_form_file_nm: fields::text_or_empty(n, "acmpFormFileNm"),
                rmk: fields::text(n, "rmk"),
            })
        })
        .collect::<Result<Vec<_>, MessageError>>()?;
    Ok(Ems121 {
        envelope,
        head: read_head(head)?,
        lists,
        rows,
        attachments,
    })
}

fn missing(element: &str) -> MessageError {
    MessageError::Missing {
        record: None,
        element: element.to_string(),
    }
}

/// Reads an `EmsChgoffBsc` (EMS121, or customs' copy in EMS221).
pub(super) fn read_head(n: &Node) -> Result<EmsChgoffBsc, MessageError> {
    let at = At {
        record: Some(("EmsChgoffBsc", 1)),
    };
    let s = |name: &str| fields::text_or_empty(n, name);
    let count = |name: &str| fields::whole(n, name, at);
    Ok(EmsChgoffBsc {
        ems_no: s("emsNo"),
        chgoff_tms_cnt: count("chgoffTmsCnt")?,
        chgoff_typecd: s("chgoffTypecd"),
        chgoff_begin_time: fields::date_time(n, "chgoffBeginTime", at)?.map(|t| t.date()),
        chgoff_due_time: fields::date_time(n, "chgoffDueTime", at)?.map(|t| t.date()),
        bizop_etps_sccd: s("bizopEtpsSccd"),
        bizop_etpsno: s("bizopEtpsno"),
        bizop_etps_nm: s("bizopEtpsNm"),
        rvsngd_etps_sccd: s("rvsngdEtpsSccd"),
        rcvgd_etpsno: s("rcvgdEtpsno"),
        rcvgd_etps_nm: s("rcvgdEtpsNm"),
        imp_invt_total_cnt: count("impInvtTotalCnt")?,
        exp_invt_total_cnt: count("expInvtTotalCnt")?,
        chgoff_mtpck_total_cnt: count("chgoffMtpckTotalCnt")?,
        chgoff_endprd_total_cnt: count("chgoffEndprdTotalCnt")?,
        chgoff_lfmt_total_cnt: count("chgoffLfmtTotalCnt")?,
        chgoff_impr_total_cnt: count("chgoffImprTotalCnt")?,
        imp_mtpck_total_amt: fields::lenient_decimal(n, "impMtpckTotalAmt", at)?,
        exp_endprd_total_amt: fields::lenient_decimal(n, "expEndprdTotalAmt", at)?,
        input_time: fields::date_time(n, "inputTime", at)?,
        chgoff_dcl_time: fields::date_time(n, "chgoffDclTime", at)?,
        master_cuscd: s("masterCuscd"),
        rmk: fields::text(n, "rmk"),
    })
}

/// Reads an `EmsChgoffDt` row (EMS121, or customs' figures in EMS221).
pub(super) fn read_row(n: &Node, index: usize) -> Result<EmsChgoffDt, MessageError> {
    let at = At {
        record: Some(("EmsChgoffDt", index)),
    };
    let q = |name: &str| fields::lenient_decimal(n, name, at);
    Ok(EmsChgoffDt {
        ems_no: fields::text_or_empty(n, "emsNo"),
        chgoff_tms_cnt: fields::whole(n, "chgoffTmsCnt", at)?,
        typecd: fields::text_or_empty(n, "typecd"),
        seqno: fields::whole(n, "seqno", at)?,
        vclr_prid_init_qty: q("vclrPridInitQty")?,
        imp_or_exp_total_qty: q("impOrExpTotalQty")?,
        dprcs_crdw_impexp_qty: q("dprcsCrdwImpexpQty")?,
        csm_total_qty: q("csmTotalQty")?,
        sdin_qty: q("sdinQty")?,
        reexp_qty: q("reexpQty")?,
        remain_mtpck_trfout_qty: q("remainMtpckTrfoutQty")?,
        mtpck_endprd_dstry_qty: q("mtpckEndprdDstryQty")?,
        endprd_retn_exch_imp_qty: q("endprdRetnExchImpQty")?,
        endprd_retn_exch_exp_qty: q("endprdRetnExchExpQty")?,
        lfmt_impr_qty: q("lfmtImprQty")?,
        lfmt_impr_total_amt: q("lfmtImprTotalAmt")?,
        lfmt_dstry_qty: q("lfmtDstryQty")?,
        tgbl_loss_qty: q("tgblLossQty")?,
        intgb_loss_qty: q("intgbLossQty")?,
        vrfadd_qty: q("vrfaddQty")?,
        vrfred_qty: q("vrfredQty")?,
        shd_remain_qty: q("shdRemainQty")?,
        actl_remain_qty: q("actlRemainQty")?,
        dsml_qty: q("dsmlQty")?,
        dsml_rate: q("dsmlRate")?,
        dclcus_invt_avg_uprc_amt: q("dclcusInvtAvgUprcAmt")?,
        shd_remain_total_amt: q("shdRemainTotalAmt")?,
        actl_remain_total_amt: q("actlRemainTotalAmt")?,
        csm_total_amt: q("csmTotalAmt")?,
        sdin_total_amt: q("sdinTotalAmt")?,
        dsml_amt: q("dsmlAmt")?,
        rmk: fields::text(n, "rmk"),
    })
}
