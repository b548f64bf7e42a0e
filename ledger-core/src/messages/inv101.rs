//! INV101, the verification list (核注清单) a company drops into its customs client.
//!
//! A list is one head (`InvtHeadType`) and one or more lines (`InvtListType`), wrapped in the
//! client-import envelope ("shape A"):
//!
//! ```text
//! Signature / Object / Package / EnvelopInfo
//!                              / DataInfo / BussinessData / InvtMessage / InvtHeadType
//!                                                                       / InvtListType …
//!                                                                       / SysId
//!                                                                       / OperCusRegCode
//!                                                         / DelcareFlag   0 save, 1 declare
//! ```
//!
//! No namespace and no signature placeholders are written: the client signs on sending, and
//! files written that way were accepted. Element names are customs' own, misspellings included
//! (`EnvelopInfo`, `BussinessData`, `DelcareFlag`). Each struct field below names its element.
//!
//! [`to_xml`] is deterministic: the same value gives the same bytes (the envelope's
//! `send_time` is a field the caller sets). Decimals are written as their own digits, no
//! exponent, the scale kept (`2.3500` stays `2.3500`). Fields customs fills (S) are left out
//! unless the value holds them; the rules in [`validate`] refuse those before writing.
//!
//! [`from_xml`] reads such a file back — also a company's own files from its client's folders —
//! by local name, ignoring namespaces and unknown elements; an empty element is no value.

use super::fields::{self, At};
use super::xml::{self, Node, Writer};
use super::{read_envelope, write_envelope, Envelope, MessageError, Strictness};
use rust_decimal::Decimal;

pub use super::inv101_rules::validate;

/// One INV101 document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Inv101 {
    pub envelope: Envelope,
    /// `InvtHeadType`, exactly one.
    pub head: InvtHead,
    /// `InvtListType`, one per line.
    pub lines: Vec<InvtLine>,
    /// `SysId`: the customs subsystem owning the book; `95` for E-books.
    pub sys_id: String,
    /// `OperCusRegCode`: the 10-character customs code of the operator's IC card.
    pub oper_cus_reg_code: String,
    /// `DelcareFlag` (sic): `0` save as a draft (暂存), `1` declare (申报).
    pub delcare_flag: String,
}

impl Inv101 {
    /// Whether the file declares the list (`DelcareFlag` 1) rather than saving a draft (0).
    pub fn declares(&self) -> Option<bool> {
        match self.delcare_flag.as_str() {
            "1" => Some(true),
            "0" => Some(false),
            _ => None,
        }
    }
}

/// `InvtHeadType`: the list head. Required fields are `String` (empty = missing, which
/// [`validate`] refuses); optional, conditional and customs-filled ones are `Option`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InvtHead {
    /// `SeqNo` 预录入统一编号: empty on first import, then the 18 digits the client gave.
    pub seq_no: Option<String>,
    /// `BondInvtNo` 保税清单编号: customs' list number, stored from INV201.
    pub bond_invt_no: Option<String>,
    /// `ChgTmsCnt` 变更次数: `0` the first time.
    pub chg_tms_cnt: Option<u32>,
    /// `PutrecNo` 备案编号: the book.
    pub putrec_no: String,
    /// `EtpsInnerInvtNo` 企业内部清单编号: the company's list number (the ledger's `ref`).
    pub etps_inner_invt_no: String,
    /// `DclTypecd` 申报类型: `1` new · `2` change · `3` delete.
    pub dcl_typecd: String,
    /// `InvtType` 清单类型: `0` ordinary.
    pub invt_type: Option<String>,
    /// `BizopEtpsSccd` 经营企业社会信用代码 (18).
    pub bizop_etps_sccd: String,
    /// `BizopEtpsno` 经营企业编号 (10).
    pub bizop_etpsno: String,
    /// `BizopEtpsNm` 经营企业名称 (≤ 512).
    pub bizop_etps_nm: String,
    /// `RvsngdEtpsSccd` 收发货企业社会信用代码 (18) — customs' spelling.
    pub rvsngd_etps_sccd: String,
    /// `RcvgdEtpsno` 收发货企业编号 (10).
    pub rcvgd_etpsno: String,
    /// `RcvgdEtpsNm` 收发货企业名称 (≤ 512).
    pub rcvgd_etps_nm: String,
    /// `DclEtpsSccd` 申报企业社会信用代码 (18).
    pub dcl_etps_sccd: String,
    /// `DclEtpsno` 申报企业编号 (10).
    pub dcl_etpsno: String,
    /// `DclEtpsNm` 申报企业名称 (≤ 512).
    pub dcl_etps_nm: String,
    /// `InputCreditCode` 录入单位社会信用代码 (18).
    pub input_credit_code: String,
    /// `InputCode` 录入单位代码 (10).
    pub input_code: String,
    /// `InputName` 录入单位名称 (≤ 255).
    pub input_name: String,
    /// `InputTime` 录入日期, `yyyyMMdd`.
    pub input_time: String,
    /// `InvtDclTime` 清单申报时间, `yyyyMMdd`.
    pub invt_dcl_time: String,
    /// `ImpexpMarkcd` 进出口标记: `I` / `E`.
    pub impexp_markcd: String,
    /// `MtpckEndprdMarkcd` 料件成品标记: `I` materials / `E` finished goods.
    pub mtpck_endprd_markcd: String,
    /// `SupvModecd` 监管方式: 4 digits.
    pub supv_modecd: String,
    /// `TrspModecd` 运输方式: 1 digit.
    pub trsp_modecd: String,
    /// `ImpexpPortcd` 进出境关别: 4 digits.
    pub impexp_portcd: String,
    /// `DclPlcCuscd` 申报地关区: 4 digits.
    pub dcl_plc_cuscd: String,
    /// `StshipTrsarvNatcd` 起运/运抵国(地区): 3 digits.
    pub stship_trsarv_natcd: String,
    /// `DclcusFlag` 是否报关: `1` yes · `2` no.
    pub dclcus_flag: String,
    /// `GenDecFlag` 是否生成报关单: `1` yes · `2` no.
    pub gen_dec_flag: String,
    /// `DecType` 报关单类型: required when `GenDecFlag` is 1.
    pub dec_type: Option<String>,
    /// `DclcusTypecd` 报关类型: `1` 关联报关 · `2` 对应报关; required when `DclcusFlag` is 1.
    pub dclcus_typecd: Option<String>,
    /// `CorrEntryDclEtpsSccd` 对应报关单申报单位社会信用代码: when `DclcusTypecd` is 2.
    pub corr_entry_dcl_etps_sccd: Option<String>,
    /// `CorrEntryDclEtpsNo` (capital N, customs' spelling).
    pub corr_entry_dcl_etps_no: Option<String>,
    /// `CorrEntryDclEtpsNm`.
    pub corr_entry_dcl_etps_nm: Option<String>,
    /// `RltEntryBizopEtpsSccd` 关联报关单境内收发货人: when `DclcusTypecd` is 1.
    pub rlt_entry_bizop_etps_sccd: Option<String>,
    /// `RltEntryBizopEtpsno`.
    pub rlt_entry_bizop_etpsno: Option<String>,
    /// `RltEntryBizopEtpsNm`.
    pub rlt_entry_bizop_etps_nm: Option<String>,
    /// `RltEntryRvsngdEtpsSccd` 关联报关单生产销售单位: when `DclcusTypecd` is 1.
    pub rlt_entry_rvsngd_etps_sccd: Option<String>,
    /// `RltEntryRcvgdEtpsno`.
    pub rlt_entry_rcvgd_etpsno: Option<String>,
    /// `RltEntryRcvgdEtpsNm`.
    pub rlt_entry_rcvgd_etps_nm: Option<String>,
    /// `RltEntryDclEtpsSccd` 关联报关单申报单位: when `DclcusTypecd` is 1.
    pub rlt_entry_dcl_etps_sccd: Option<String>,
    /// `RltEntryDclEtpsno` (small n, customs' spelling).
    pub rlt_entry_dcl_etpsno: Option<String>,
    /// `RltEntryDclEtpsNm`.
    pub rlt_entry_dcl_etps_nm: Option<String>,
    /// `EntryNo` 对应报关单编号 (18), stored from receipts.
    pub entry_no: Option<String>,
    /// `ListType` 流转类型: carry-overs only (`A` deep processing, `B` remaining materials …).
    pub list_type: Option<String>,
    /// `RltInvtNo` 关联清单编号 (18): the other side's list, carry-overs.
    pub rlt_invt_no: Option<String>,
    /// `RltPutrecNo` 关联备案编号 (≤ 64): the other side's book, carry-overs.
    pub rlt_putrec_no: Option<String>,
    /// `RltEntryNo` 关联报关单编号 (18).
    pub rlt_entry_no: Option<String>,
    /// `ApplyNo` 申请编号 (≤ 64): the carry-over application.
    pub apply_no: Option<String>,
    /// `IcCardNo` 申报人IC卡号 (≤ 20).
    pub ic_card_no: Option<String>,
    /// `Rmk` 备注 (≤ 4000).
    pub rmk: Option<String>,
    /// Status fields customs fills; left empty when writing.
    pub status: InvtStatus,
}

/// The head's status fields (S): customs fills them, a company leaves them empty. Kept so a
/// file that carries them reads back whole.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InvtStatus {
    /// `ListStat` 清单状态 (receipts: `invtStucd`).
    pub list_stat: Option<String>,
    /// `InvtIochkptStucd` 清单进出卡口状态.
    pub invt_iochkpt_stucd: Option<String>,
    /// `PassportUsedTypeCd` 核放单生成标志 (receipts: `passportUsedTypecd`).
    pub passport_used_type_cd: Option<String>,
    /// `VrfdedMarkcd` 核扣标记.
    pub vrfded_markcd: Option<String>,
    /// `EntryStucd` 报关状态.
    pub entry_stucd: Option<String>,
    /// `NeedEntryModified`.
    pub need_entry_modified: Option<String>,
    /// `EntryDclTime`.
    pub entry_dcl_time: Option<String>,
    /// `PrevdTime` 预核扣时间.
    pub prevd_time: Option<String>,
    /// `FormalVrfdedTime` 正式核扣时间.
    pub formal_vrfded_time: Option<String>,
    /// `LevyBlAmt` 计征金额.
    pub levy_bl_amt: Option<String>,
}

impl InvtStatus {
    /// Element name and value of every status field, in writing order.
    pub fn entries(&self) -> [(&'static str, Option<&str>); 10] {
        [
            ("ListStat", self.list_stat.as_deref()),
            ("InvtIochkptStucd", self.invt_iochkpt_stucd.as_deref()),
            ("PassportUsedTypeCd", self.passport_used_type_cd.as_deref()),
            ("VrfdedMarkcd", self.vrfded_markcd.as_deref()),
            ("EntryStucd", self.entry_stucd.as_deref()),
            ("NeedEntryModified", self.need_entry_modified.as_deref()),
            ("EntryDclTime", self.entry_dcl_time.as_deref()),
            ("PrevdTime", self.prevd_time.as_deref()),
            ("FormalVrfdedTime", self.formal_vrfded_time.as_deref()),
            ("LevyBlAmt", self.levy_bl_amt.as_deref()),
        ]
    }
}

/// `InvtListType`: one line of the list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InvtLine {
    /// `SeqNo` 统一编号: as the head's.
    pub seq_no: Option<String>,
    /// `GdsSeqno` 商品序号: the line number, from 1 (the ledger's `line`).
    pub gds_seqno: u32,
    /// `EntryGdsSeqno` 报关单商品序号: the line on the generated declaration.
    pub entry_gds_seqno: u32,
    /// `PutrecSeqno` 备案序号: the book item; filled for E-books.
    pub putrec_seqno: Option<u32>,
    /// `GdsMtno` 商品料号 (≤ 32): the part.
    pub gds_mtno: String,
    /// `Gdecd` 商品编码: 10-digit HS code.
    pub gdecd: String,
    /// `GdsNm` 商品名称 (≤ 512).
    pub gds_nm: String,
    /// `GdsSpcfModelDesc` 规格型号 (≤ 255), elements separated by `|`.
    pub gds_spcf_model_desc: String,
    /// `DclUnitcd` 申报计量单位: 3-digit unit code.
    pub dcl_unitcd: String,
    /// `DclQty` 申报数量: > 0, ≤ 5 decimals.
    pub dcl_qty: Decimal,
    /// `LawfUnitcd` 法定计量单位.
    pub lawf_unitcd: String,
    /// `LawfQty` 法定数量: > 0, ≤ 5 decimals.
    pub lawf_qty: Decimal,
    /// `SecdLawfUnitcd` 第二法定计量单位, when the HS code has one.
    pub secd_lawf_unitcd: Option<String>,
    /// `SecdLawfQty` 第二法定数量: required with its unit.
    pub secd_lawf_qty: Option<Decimal>,
    /// `WtSfVal` 重量比例因子: declared unit → kg.
    pub wt_sf_val: Option<Decimal>,
    /// `FstSfVal` 第一比例因子: declared → first legal unit.
    pub fst_sf_val: Option<Decimal>,
    /// `SecdSfVal` 第二比例因子: declared → second legal unit.
    pub secd_sf_val: Option<Decimal>,
    /// `DclCurrcd` 申报币制: 3-digit numeric currency code.
    pub dcl_currcd: String,
    /// `DclUprcAmt` 企业申报单价: > 0, ≤ 4 decimals.
    pub dcl_uprc_amt: Decimal,
    /// `DclTotalAmt` 企业申报总价: > 0, ≤ 2 decimals.
    pub dcl_total_amt: Decimal,
    /// `UsdStatTotalAmt` 美元统计总金额: customs fills it.
    pub usd_stat_total_amt: Option<Decimal>,
    /// `Natcd` 原产国(地区).
    pub natcd: String,
    /// `DestinationNatcd` 最终目的国(地区).
    pub destination_natcd: String,
    /// `LvyrlfModecd` 征免方式: `1`–`9`.
    pub lvyrlf_modecd: String,
    /// `ClyMarkcd` 危化品标志: `0` / `1`.
    pub cly_markcd: String,
    /// `GrossWt` 毛重 (kg).
    pub gross_wt: Option<Decimal>,
    /// `NetWt` 净重 (kg).
    pub net_wt: Option<Decimal>,
    /// `UcnsVerno` 单耗版本号 (≤ 8).
    pub ucns_verno: Option<String>,
    /// `UseCd` 重点商品标识: `0`–`3`.
    pub use_cd: Option<String>,
    /// `ApplyTbSeqno` 申请表序号.
    pub apply_tb_seqno: Option<u32>,
    /// `ModfMarkcd` 修改标志: `0` unchanged · `1` changed · `2` deleted · `3` added.
    pub modf_markcd: String,
    /// `Param1` 来源标识: material source `1`–`4`.
    pub param1: Option<String>,
    /// `Rmk` 备注 (≤ 4000).
    pub rmk: Option<String>,
}

/// `INV101-<I|E>-<EtpsInnerInvtNo>-<try>.xml`, the name `bonded` gives the file.
pub fn file_name(list: &Inv101, try_no: u32) -> String {
    format!(
        "INV101-{}-{}-{}.xml",
        list.head.impexp_markcd, list.head.etps_inner_invt_no, try_no
    )
}

/// `BONDED-<EtpsInnerInvtNo>-<try>`, the default envelope `message_id`.
pub fn default_message_id(list: &Inv101, try_no: u32) -> String {
    format!("BONDED-{}-{}", list.head.etps_inner_invt_no, try_no)
}

fn dec(value: Decimal) -> String {
    // Decimal's Display never uses an exponent and keeps the value's own scale.
    value.to_string()
}

fn opt_dec(value: Option<Decimal>) -> Option<String> {
    value.map(dec)
}

fn opt_num(value: Option<u32>) -> Option<String> {
    value.map(|n| n.to_string())
}

/// Writes the client-import file. Validate first: this writes whatever the value holds.
pub fn to_xml(list: &Inv101) -> String {
    let mut w = Writer::new();
    w.open("Signature");
    w.open("Object");
    w.open("Package");
    write_envelope(&mut w, &list.envelope);
    w.open("DataInfo");
    w.open("BussinessData");
    w.open("InvtMessage");
    write_head(&mut w, &list.head);
    for line in &list.lines {
        write_line(&mut w, line);
    }
    w.field("SysId", &list.sys_id);
    w.field("OperCusRegCode", &list.oper_cus_reg_code);
    w.close();
    w.field("DelcareFlag", &list.delcare_flag);
    w.finish()
}

fn write_head(w: &mut Writer, h: &InvtHead) {
    w.open("InvtHeadType");
    w.field("SeqNo", h.seq_no.as_deref().unwrap_or_default());
    w.field("BondInvtNo", h.bond_invt_no.as_deref().unwrap_or_default());
    w.optional("ChgTmsCnt", opt_num(h.chg_tms_cnt).as_deref());
    w.field("PutrecNo", &h.putrec_no);
    w.field("EtpsInnerInvtNo", &h.etps_inner_invt_no);
    w.field("DclTypecd", &h.dcl_typecd);
    w.optional("InvtType", h.invt_type.as_deref());
    w.field("BizopEtpsSccd", &h.bizop_etps_sccd);
    w.field("BizopEtpsno", &h.bizop_etpsno);
    w.field("BizopEtpsNm", &h.bizop_etps_nm);
    w.field("RvsngdEtpsSccd", &h.rvsngd_etps_sccd);
    w.field("RcvgdEtpsno", &h.rcvgd_etpsno);
    w.field("RcvgdEtpsNm", &h.rcvgd_etps_nm);
    w.field("DclEtpsSccd", &h.dcl_etps_sccd);
    w.field("DclEtpsno", &h.dcl_etpsno);
    w.field("DclEtpsNm", &h.dcl_etps_nm);
    w.field("InputCreditCode", &h.input_credit_code);
    w.field("InputCode", &h.input_code);
    w.field("InputName", &h.input_name);
    w.field("InputTime", &h.input_time);
    w.field("InvtDclTime", &h.invt_dcl_time);
    w.field("ImpexpMarkcd", &h.impexp_markcd);
    w.field("MtpckEndprdMarkcd", &h.mtpck_endprd_markcd);
    w.field("SupvModecd", &h.supv_modecd);
    w.field("TrspModecd", &h.trsp_modecd);
    w.field("ImpexpPortcd", &h.impexp_portcd);
    w.field("DclPlcCuscd", &h.dcl_plc_cuscd);
    w.field("StshipTrsarvNatcd", &h.stship_trsarv_natcd);
    w.field("DclcusFlag", &h.dclcus_flag);
    w.field("GenDecFlag", &h.gen_dec_flag);
    w.optional("DecType", h.dec_type.as_deref());
    w.optional("DclcusTypecd", h.dclcus_typecd.as_deref());
    for (name, value) in related_parties(h) {
        w.optional(name, value);
    }
    w.optional("EntryNo", h.entry_no.as_deref());
    w.field("ListType", h.list_type.as_deref().unwrap_or_default());
    w.field("RltInvtNo", h.rlt_invt_no.as_deref().unwrap_or_default());
    w.field(
        "RltPutrecNo",
        h.rlt_putrec_no.as_deref().unwrap_or_default(),
    );
    w.optional("RltEntryNo", h.rlt_entry_no.as_deref());
    w.optional("ApplyNo", h.apply_no.as_deref());
    w.optional("IcCardNo", h.ic_card_no.as_deref());
    for (name, value) in h.status.entries() {
        w.optional(name, value);
    }
    w.field("Rmk", h.rmk.as_deref().unwrap_or_default());
    w.close();
}

/// The twelve conditional party fields of the head, in writing order.
pub(super) fn related_parties(h: &InvtHead) -> [(&'static str, Option<&str>); 12] {
    [
        (
            "CorrEntryDclEtpsSccd",
            h.corr_entry_dcl_etps_sccd.as_deref(),
        ),
        ("CorrEntryDclEtpsNo", h.corr_entry_dcl_etps_no.as_deref()),
        ("CorrEntryDclEtpsNm", h.corr_entry_dcl_etps_nm.as_deref()),
        (
            "RltEntryBizopEtpsSccd",
            h.rlt_entry_bizop_etps_sccd.as_deref(),
        ),
        ("RltEntryBizopEtpsno", h.rlt_entry_bizop_etpsno.as_deref()),
        ("RltEntryBizopEtpsNm", h.rlt_entry_bizop_etps_nm.as_deref()),
        (
            "RltEntryRvsngdEtpsSccd",
            h.rlt_entry_rvsngd_etps_sccd.as_deref(),
        ),
        ("RltEntryRcvgdEtpsno", h.rlt_entry_rcvgd_etpsno.as_deref()),
        ("RltEntryRcvgdEtpsNm", h.rlt_entry_rcvgd_etps_nm.as_deref()),
        ("RltEntryDclEtpsSccd", h.rlt_entry_dcl_etps_sccd.as_deref()),
        ("RltEntryDclEtpsno", h.rlt_entry_dcl_etpsno.as_deref()),
        ("RltEntryDclEtpsNm", h.rlt_entry_dcl_etps_nm.as_deref()),
    ]
}

fn write_line(w: &mut Writer, l: &InvtLine) {
    w.open("InvtListType");
    w.optional("SeqNo", l.seq_no.as_deref());
    w.field("GdsSeqno", &l.gds_seqno.to_string());
    w.field("EntryGdsSeqno", &l.entry_gds_seqno.to_string());
    w.optional("PutrecSeqno", opt_num(l.putrec_seqno).as_deref());
    w.field("GdsMtno", &l.gds_mtno);
    w.field("Gdecd", &l.gdecd);
    w.field("GdsNm", &l.gds_nm);
    w.field("GdsSpcfModelDesc", &l.gds_spcf_model_desc);
    w.field("DclUnitcd", &l.dcl_unitcd);
    w.field("DclQty", &dec(l.dcl_qty));
    w.field("LawfUnitcd", &l.lawf_unitcd);
    w.field("LawfQty", &dec(l.lawf_qty));
    w.optional("SecdLawfUnitcd", l.secd_lawf_unitcd.as_deref());
    w.optional("SecdLawfQty", opt_dec(l.secd_lawf_qty).as_deref());
    w.optional("WtSfVal", opt_dec(l.wt_sf_val).as_deref());
    w.optional("FstSfVal", opt_dec(l.fst_sf_val).as_deref());
    w.optional("SecdSfVal", opt_dec(l.secd_sf_val).as_deref());
    w.field("DclCurrcd", &l.dcl_currcd);
    w.field("DclUprcAmt", &dec(l.dcl_uprc_amt));
    w.field("DclTotalAmt", &dec(l.dcl_total_amt));
    w.optional("UsdStatTotalAmt", opt_dec(l.usd_stat_total_amt).as_deref());
    w.field("Natcd", &l.natcd);
    w.field("DestinationNatcd", &l.destination_natcd);
    w.field("LvyrlfModecd", &l.lvyrlf_modecd);
    w.field("ClyMarkcd", &l.cly_markcd);
    w.optional("GrossWt", opt_dec(l.gross_wt).as_deref());
    w.optional("NetWt", opt_dec(l.net_wt).as_deref());
    w.optional("UcnsVerno", l.ucns_verno.as_deref());
    w.optional("UseCd", l.use_cd.as_deref());
    w.optional("ApplyTbSeqno", opt_num(l.apply_tb_seqno).as_deref());
    w.field("ModfMarkcd", &l.modf_markcd);
    w.optional("Param1", l.param1.as_deref());
    w.field("Rmk", l.rmk.as_deref().unwrap_or_default());
    w.close();
}

/// Reads an INV101 file (this program's, or one a company's client wrote).
pub fn from_xml(bytes: &[u8]) -> Result<Inv101, MessageError> {
    let root = xml::parse(bytes)?;
    let package = if root.name.eq_ignore_ascii_case("Package") {
        &root
    } else if root.name.eq_ignore_ascii_case("Signature") {
        root.path(&["Object", "Package"])
            .ok_or_else(|| missing(None, "Package"))?
    } else {
        return Err(MessageError::NotAMessage { root: root.name });
    };
    from_package(package)
}

fn missing(record: Option<String>, element: &str) -> MessageError {
    MessageError::Missing {
        record,
        element: element.to_string(),
    }
}

/// Reads the list from its `Package` element (shared with [`super::receipt::read_message`]).
pub(super) fn from_package(package: &Node) -> Result<Inv101, MessageError> {
    let envelope = read_envelope(package, Strictness::Strict)?;
    let business = package
        .path(&["DataInfo", "BussinessData"])
        .ok_or_else(|| missing(None, "BussinessData"))?;
    let message = business
        .child("InvtMessage")
        .ok_or_else(|| missing(None, "InvtMessage"))?;
    let mut heads = message.children_named("InvtHeadType");
    let head = heads.next().ok_or_else(|| missing(None, "InvtHeadType"))?;
    if heads.next().is_some() {
        return Err(MessageError::Repeated {
            element: "InvtHeadType".into(),
        });
    }
    let lines = message
        .children_named("InvtListType")
        .enumerate()
        .map(|(i, node)| read_line(node, i + 1))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Inv101 {
        envelope,
        head: read_head(head)?,
        lines,
        sys_id: fields::text_or_empty(message, "SysId"),
        oper_cus_reg_code: fields::text_or_empty(message, "OperCusRegCode"),
        delcare_flag: fields::text_or_empty(business, "DelcareFlag"),
    })
}

fn read_head(n: &Node) -> Result<InvtHead, MessageError> {
    let t = |name: &str| fields::text(n, name);
    let s = |name: &str| fields::text_or_empty(n, name);
    let at = At {
        record: Some(("InvtHeadType", 1)),
    };
    Ok(InvtHead {
        seq_no: t("SeqNo"),
        bond_invt_no: t("BondInvtNo"),
        chg_tms_cnt: fields::whole(n, "ChgTmsCnt", at)?,
        putrec_no: s("PutrecNo"),
        etps_inner_invt_no: s("EtpsInnerInvtNo"),
        dcl_typecd: s("DclTypecd"),
        invt_type: t("InvtType"),
        bizop_etps_sccd: s("BizopEtpsSccd"),
        bizop_etpsno: s("BizopEtpsno"),
        bizop_etps_nm: s("BizopEtpsNm"),
        rvsngd_etps_sccd: s("RvsngdEtpsSccd"),
        rcvgd_etpsno: s("RcvgdEtpsno"),
        rcvgd_etps_nm: s("RcvgdEtpsNm"),
        dcl_etps_sccd: s("DclEtpsSccd"),
        dcl_etpsno: s("DclEtpsno"),
        dcl_etps_nm: s("DclEtpsNm"),
        input_credit_code: s("InputCreditCode"),
        input_code: s("InputCode"),
        input_name: s("InputName"),
        input_time: s("InputTime"),
        invt_dcl_time: s("InvtDclTime"),
        impexp_markcd: s("ImpexpMarkcd"),
        mtpck_endprd_markcd: s("MtpckEndprdMarkcd"),
        supv_modecd: s("SupvModecd"),
        trsp_modecd: s("TrspModecd"),
        impexp_portcd: s("ImpexpPortcd"),
        dcl_plc_cuscd: s("DclPlcCuscd"),
        stship_trsarv_natcd: s("StshipTrsarvNatcd"),
        dclcus_flag: s("DclcusFlag"),
        gen_dec_flag: s("GenDecFlag"),
        dec_type: t("DecType"),
        dclcus_typecd: t("DclcusTypecd"),
        corr_entry_dcl_etps_sccd: t("CorrEntryDclEtpsSccd"),
        corr_entry_dcl_etps_no: t("CorrEntryDclEtpsNo"),
        corr_entry_dcl_etps_nm: t("CorrEntryDclEtpsNm"),
        rlt_entry_bizop_etps_sccd: t("RltEntryBizopEtpsSccd"),
        rlt_entry_bizop_etpsno: t("RltEntryBizopEtpsno"),
        rlt_entry_bizop_etps_nm: t("RltEntryBizopEtpsNm"),
        rlt_entry_rvsngd_etps_sccd: t("RltEntryRvsngdEtpsSccd"),
        rlt_entry_rcvgd_etpsno: t("RltEntryRcvgdEtpsno"),
        rlt_entry_rcvgd_etps_nm: t("RltEntryRcvgdEtpsNm"),
        rlt_entry_dcl_etps_sccd: t("RltEntryDclEtpsSccd"),
        rlt_entry_dcl_etpsno: t("RltEntryDclEtpsno"),
        rlt_entry_dcl_etps_nm: t("RltEntryDclEtpsNm"),
        entry_no: t("EntryNo"),
        list_type: t("ListType"),
        rlt_invt_no: t("RltInvtNo"),
        rlt_putrec_no: t("RltPutrecNo"),
        rlt_entry_no: t("RltEntryNo"),
        apply_no: t("ApplyNo"),
        ic_card_no: t("IcCardNo"),
        rmk: t("Rmk"),
        status: InvtStatus {
            list_stat: t("ListStat"),
            invt_iochkpt_stucd: t("InvtIochkptStucd"),
            passport_used_type_cd: t("PassportUsedTypeCd"),
            vrfded_markcd: t("VrfdedMarkcd"),
            entry_stucd: t("EntryStucd"),
            need_entry_modified: t("NeedEntryModified"),
            entry_dcl_time: t("EntryDclTime"),
            prevd_time: t("PrevdTime"),
            formal_vrfded_time: t("FormalVrfdedTime"),
            levy_bl_amt: t("LevyBlAmt"),
        },
    })
}

fn read_line(n: &Node, index: usize) -> Result<InvtLine, MessageError> {
    let t = |name: &str| fields::text(n, name);
    let s = |name: &str| fields::text_or_empty(n, name);
    let at = At {
        record: Some(("InvtListType", index)),
    };
    let d = |name: &str| fields::plain_decimal(n, name, at);
    let r = |name: &str| fields::required_decimal(n, name, at);
    Ok(InvtLine {
        seq_no: t("SeqNo"),
        gds_seqno: fields::required_whole(n, "GdsSeqno", at)?,
        entry_gds_seqno: fields::required_whole(n, "EntryGdsSeqno", at)?,
        putrec_seqno: fields::whole(n, "PutrecSeqno", at)?,
        gds_mtno: s("GdsMtno"),
        gdecd: s("Gdecd"),
        gds_nm: s("GdsNm"),
        gds_spcf_model_desc: s("GdsSpcfModelDesc"),
        dcl_unitcd: s("DclUnitcd"),
        dcl_qty: r("DclQty")?,
        lawf_unitcd: s("LawfUnitcd"),
        lawf_qty: r("LawfQty")?,
        secd_lawf_unitcd: t("SecdLawfUnitcd"),
        secd_lawf_qty: d("SecdLawfQty")?,
        wt_sf_val: d("WtSfVal")?,
        fst_sf_val: d("FstSfVal")?,
        secd_sf_val: d("SecdSfVal")?,
        dcl_currcd: s("DclCurrcd"),
        dcl_uprc_amt: r("DclUprcAmt")?,
        dcl_total_amt: r("DclTotalAmt")?,
        usd_stat_total_amt: d("UsdStatTotalAmt")?,
        natcd: s("Natcd"),
        destination_natcd: s("DestinationNatcd"),
        lvyrlf_modecd: s("LvyrlfModecd"),
        cly_markcd: s("ClyMarkcd"),
        gross_wt: d("GrossWt")?,
        net_wt: d("NetWt")?,
        ucns_verno: t("UcnsVerno"),
        use_cd: t("UseCd"),
        apply_tb_seqno: fields::whole(n, "ApplyTbSeqno", at)?,
        modf_markcd: s("ModfMarkcd"),
        param1: t("Param1"),
        rmk: t("Rmk"),
    })
}
