//! Tests of INV101: the example list of the specification (two material lines of an E-book
//! import), every field rule one by one against it, the file name, and round trips — the
//! example byte for byte, and random lists (proptest) through write → read.

use super::codes::{COUNTRIES, CURRENCIES, UNITS};
use super::inv101::{self, default_message_id, file_name, from_xml, to_xml, validate, Inv101};
use super::{FieldError, MessageError, PocketInfo, Problem};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

const EXAMPLE: &str = include_str!("testdata/inv101_example.xml");

fn example() -> Inv101 {
    match from_xml(EXAMPLE.as_bytes()) {
        Ok(doc) => doc,
        Err(e) => panic!("the example does not read: {e}"),
    }
}

#[test]
fn the_example_reads_validates_and_writes_back_byte_for_byte() {
    let doc = example();
    assert_eq!(validate(&doc), Ok(()));
    assert_eq!(doc.head.etps_inner_invt_no, "IMP20260042");
    assert_eq!(doc.head.bizop_etps_nm, "东莞示例电子有限公司");
    assert_eq!(doc.head.seq_no, None, "an empty element is no value");
    assert_eq!(doc.head.chg_tms_cnt, Some(0));
    assert_eq!(doc.lines.len(), 2);
    assert_eq!(doc.lines[0].dcl_uprc_amt.to_string(), "2.3500");
    assert_eq!(doc.lines[1].secd_lawf_qty, Some(dec!(36.5)));
    assert_eq!(doc.lines[1].putrec_seqno, Some(7));
    assert_eq!(doc.sys_id, "95");
    assert_eq!(doc.declares(), Some(false));
    let written = to_xml(&doc);
    assert_eq!(
        written, EXAMPLE,
        "the writer reproduces the example exactly"
    );
    assert_eq!(from_xml(written.as_bytes()), Ok(doc));
}

#[test]
fn writing_is_deterministic() {
    let doc = example();
    assert_eq!(to_xml(&doc), to_xml(&doc.clone()));
}

#[test]
fn file_name_and_message_id() {
    let doc = example();
    assert_eq!(file_name(&doc, 1), "INV101-I-IMP20260042-1.xml");
    assert_eq!(file_name(&doc, 1), doc.envelope.file_name);
    assert_eq!(default_message_id(&doc, 1), doc.envelope.message_id);
    assert_eq!(file_name(&doc, 3), "INV101-I-IMP20260042-3.xml");
}

#[test]
fn errors_name_list_line_and_element() {
    let mut doc = example();
    doc.lines[1].natcd.clear();
    let errors = validate(&doc).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        errors[0].to_string(),
        "IMP20260042 line 2: Natcd: no origin country"
    );
    let mut doc = example();
    doc.head.dcl_typecd = "9".into();
    let errors = validate(&doc).unwrap_err();
    assert_eq!(
        errors[0].to_string(),
        "IMP20260042: DclTypecd: \"9\" is not a code of the declaration type (1 new, 2 change, 3 delete) table"
    );
}

#[test]
fn every_failure_is_reported_not_only_the_first() {
    let mut doc = example();
    doc.head.putrec_no.clear();
    doc.lines[0].gdecd = "39074".into();
    doc.lines[1].cly_markcd = "9".into();
    let errors = validate(&doc).unwrap_err();
    let named: Vec<_> = errors.iter().map(|e| (e.element, e.line)).collect();
    assert_eq!(
        named,
        [
            ("PutrecNo", None),
            ("Gdecd", Some(1)),
            ("ClyMarkcd", Some(2))
        ]
    );
}

fn long(n: usize) -> String {
    "长".repeat(n)
}

/// Fills the nine related-declaration parties, valid, and sets `DclcusTypecd` 1.
fn related_declaration(d: &mut Inv101) {
    let h = &mut d.head;
    h.dclcus_typecd = Some("1".into());
    h.corr_entry_dcl_etps_sccd = None;
    h.corr_entry_dcl_etps_no = None;
    h.corr_entry_dcl_etps_nm = None;
    h.rlt_entry_bizop_etps_sccd = Some("91441900MA4W0B0X1A".into());
    h.rlt_entry_bizop_etpsno = Some("44199600AB".into());
    h.rlt_entry_bizop_etps_nm = Some("甲".into());
    h.rlt_entry_rvsngd_etps_sccd = Some("91441900MA4W0B0X1A".into());
    h.rlt_entry_rcvgd_etpsno = Some("44199600AB".into());
    h.rlt_entry_rcvgd_etps_nm = Some("乙".into());
    h.rlt_entry_dcl_etps_sccd = Some("91441900MA4W0C0Y2B".into());
    h.rlt_entry_dcl_etpsno = Some("4419980CD1".into());
    h.rlt_entry_dcl_etps_nm = Some("丙".into());
}

type Mutation = fn(&mut Inv101);

/// One rule: a change that breaks it, and the element (and line) the error must name.
struct Case {
    rule: &'static str,
    mutate: Mutation,
    element: &'static str,
    line: Option<u32>,
}

const fn head(rule: &'static str, element: &'static str, mutate: Mutation) -> Case {
    Case {
        rule,
        mutate,
        element,
        line: None,
    }
}

const fn line2(rule: &'static str, element: &'static str, mutate: Mutation) -> Case {
    Case {
        rule,
        mutate,
        element,
        line: Some(2),
    }
}

fn cases() -> Vec<Case> {
    vec![
        // The envelope and the message's own fields.
        head("version required", "version", |d| {
            d.envelope.version.clear()
        }),
        head("version ≤ 11", "version", |d| {
            d.envelope.version = "1.0.0.0.0.00".into()
        }),
        head("message_id required", "message_id", |d| {
            d.envelope.message_id.clear()
        }),
        head("message_id ≤ 128", "message_id", |d| {
            d.envelope.message_id = "M".repeat(129)
        }),
        head("file_name required", "file_name", |d| {
            d.envelope.file_name.clear()
        }),
        head("file_name ≤ 128", "file_name", |d| {
            d.envelope.file_name = "f".repeat(129)
        }),
        head("message_type INV101", "message_type", |d| {
            d.envelope.message_type = "INV201".into()
        }),
        head("sender_id ≤ 16", "sender_id", |d| {
            d.envelope.sender_id = "S".repeat(17)
        }),
        head("receiver_id ≤ 16", "receiver_id", |d| {
            d.envelope.receiver_id = "R".repeat(17)
        }),
        head("business_id ≤ 128", "business_id", |d| {
            d.envelope.business_id = Some("b".repeat(129))
        }),
        head("send_time required", "send_time", |d| {
            d.envelope.send_time = None
        }),
        head("no PocketInfo", "PocketInfo", |d| {
            d.envelope.pocket = Some(PocketInfo::default())
        }),
        head("SysId required", "SysId", |d| d.sys_id.clear()),
        head("SysId code", "SysId", |d| d.sys_id = "96".into()),
        head("OperCusRegCode required", "OperCusRegCode", |d| {
            d.oper_cus_reg_code.clear()
        }),
        head("OperCusRegCode 10", "OperCusRegCode", |d| {
            d.oper_cus_reg_code = "4419980CD".into()
        }),
        head("DelcareFlag required", "DelcareFlag", |d| {
            d.delcare_flag.clear()
        }),
        head("DelcareFlag 0/1", "DelcareFlag", |d| {
            d.delcare_flag = "2".into()
        }),
        // Head identifiers.
        head("SeqNo 18", "SeqNo", |d| {
            d.head.seq_no = Some("20260000012345678".into())
        }),
        head("SeqNo digits", "SeqNo", |d| {
            d.head.seq_no = Some("2026000001234567AB".into())
        }),
        head("BondInvtNo format", "BondInvtNo", |d| {
            d.head.bond_invt_no = Some("QD520426X000001234".into())
        }),
        head("PutrecNo required", "PutrecNo", |d| {
            d.head.putrec_no.clear()
        }),
        head("PutrecNo ≤ 64", "PutrecNo", |d| {
            d.head.putrec_no = "E".repeat(65)
        }),
        head("EtpsInnerInvtNo required", "EtpsInnerInvtNo", |d| {
            d.head.etps_inner_invt_no.clear()
        }),
        head("EtpsInnerInvtNo ≤ 64", "EtpsInnerInvtNo", |d| {
            d.head.etps_inner_invt_no = "I".repeat(65)
        }),
        head("EtpsInnerInvtNo charset", "EtpsInnerInvtNo", |d| {
            d.head.etps_inner_invt_no = "IMP_2026".into()
        }),
        head("DclTypecd required", "DclTypecd", |d| {
            d.head.dcl_typecd.clear()
        }),
        head("DclTypecd 1/2/3", "DclTypecd", |d| {
            d.head.dcl_typecd = "4".into()
        }),
        head("InvtType code", "InvtType", |d| {
            d.head.invt_type = Some("2".into())
        }),
        // Companies.
        head("BizopEtpsSccd required", "BizopEtpsSccd", |d| {
            d.head.bizop_etps_sccd.clear()
        }),
        head("BizopEtpsSccd 18", "BizopEtpsSccd", |d| {
            d.head.bizop_etps_sccd = "91441900MA4W0B0X1".into()
        }),
        head("BizopEtpsSccd charset", "BizopEtpsSccd", |d| {
            d.head.bizop_etps_sccd = "91441900ma4w0b0x1a".into()
        }),
        head("BizopEtpsno required", "BizopEtpsno", |d| {
            d.head.bizop_etpsno.clear()
        }),
        head("BizopEtpsno 10", "BizopEtpsno", |d| {
            d.head.bizop_etpsno = "44199600ABC".into()
        }),
        head("BizopEtpsNm required", "BizopEtpsNm", |d| {
            d.head.bizop_etps_nm.clear()
        }),
        head("BizopEtpsNm ≤ 512", "BizopEtpsNm", |d| {
            d.head.bizop_etps_nm = long(513)
        }),
        head("BizopEtpsNm no edge spaces", "BizopEtpsNm", |d| {
            d.head.bizop_etps_nm = " 东莞".into()
        }),
        head("BizopEtpsNm no control characters", "BizopEtpsNm", |d| {
            d.head.bizop_etps_nm = "东\u{1}莞".into()
        }),
        head("RvsngdEtpsSccd required", "RvsngdEtpsSccd", |d| {
            d.head.rvsngd_etps_sccd.clear()
        }),
        head("RvsngdEtpsSccd 18", "RvsngdEtpsSccd", |d| {
            d.head.rvsngd_etps_sccd = "9".into()
        }),
        head("RcvgdEtpsno required", "RcvgdEtpsno", |d| {
            d.head.rcvgd_etpsno.clear()
        }),
        head("RcvgdEtpsno 10", "RcvgdEtpsno", |d| {
            d.head.rcvgd_etpsno = "4419".into()
        }),
        head("RcvgdEtpsNm required", "RcvgdEtpsNm", |d| {
            d.head.rcvgd_etps_nm.clear()
        }),
        head("RcvgdEtpsNm ≤ 512", "RcvgdEtpsNm", |d| {
            d.head.rcvgd_etps_nm = long(513)
        }),
        head("DclEtpsSccd required", "DclEtpsSccd", |d| {
            d.head.dcl_etps_sccd.clear()
        }),
        head("DclEtpsSccd 18", "DclEtpsSccd", |d| {
            d.head.dcl_etps_sccd = "91441900MA4W0C0Y2BB".into()
        }),
        head("DclEtpsno required", "DclEtpsno", |d| {
            d.head.dcl_etpsno.clear()
        }),
        head("DclEtpsno 10", "DclEtpsno", |d| {
            d.head.dcl_etpsno = "4419980C".into()
        }),
        head("DclEtpsNm required", "DclEtpsNm", |d| {
            d.head.dcl_etps_nm.clear()
        }),
        head("DclEtpsNm ≤ 512", "DclEtpsNm", |d| {
            d.head.dcl_etps_nm = long(513)
        }),
        head("InputCreditCode required", "InputCreditCode", |d| {
            d.head.input_credit_code.clear()
        }),
        head("InputCreditCode 18", "InputCreditCode", |d| {
            d.head.input_credit_code = "X".into()
        }),
        head("InputCode required", "InputCode", |d| {
            d.head.input_code.clear()
        }),
        head("InputCode 10", "InputCode", |d| {
            d.head.input_code = "44-9980CD1".into()
        }),
        head("InputName required", "InputName", |d| {
            d.head.input_name.clear()
        }),
        head("InputName ≤ 255", "InputName", |d| {
            d.head.input_name = long(256)
        }),
        // Dates and marks.
        head("InputTime required", "InputTime", |d| {
            d.head.input_time.clear()
        }),
        head("InputTime yyyyMMdd", "InputTime", |d| {
            d.head.input_time = "2026-03-16".into()
        }),
        head("InputTime a real date", "InputTime", |d| {
            d.head.input_time = "20260230".into()
        }),
        head("InvtDclTime required", "InvtDclTime", |d| {
            d.head.invt_dcl_time.clear()
        }),
        head("InvtDclTime yyyyMMdd", "InvtDclTime", |d| {
            d.head.invt_dcl_time = "2026316".into()
        }),
        head("ImpexpMarkcd required", "ImpexpMarkcd", |d| {
            d.head.impexp_markcd.clear()
        }),
        head("ImpexpMarkcd I/E", "ImpexpMarkcd", |d| {
            d.head.impexp_markcd = "i".into()
        }),
        head("MtpckEndprdMarkcd required", "MtpckEndprdMarkcd", |d| {
            d.head.mtpck_endprd_markcd.clear()
        }),
        head("MtpckEndprdMarkcd I/E", "MtpckEndprdMarkcd", |d| {
            d.head.mtpck_endprd_markcd = "M".into()
        }),
        head("SupvModecd required", "SupvModecd", |d| {
            d.head.supv_modecd.clear()
        }),
        head("SupvModecd 4 digits", "SupvModecd", |d| {
            d.head.supv_modecd = "615".into()
        }),
        head("SupvModecd digits", "SupvModecd", |d| {
            d.head.supv_modecd = "06A5".into()
        }),
        head("TrspModecd required", "TrspModecd", |d| {
            d.head.trsp_modecd.clear()
        }),
        head("TrspModecd one digit", "TrspModecd", |d| {
            d.head.trsp_modecd = "44".into()
        }),
        head("ImpexpPortcd required", "ImpexpPortcd", |d| {
            d.head.impexp_portcd.clear()
        }),
        head("ImpexpPortcd 4 digits", "ImpexpPortcd", |d| {
            d.head.impexp_portcd = "53010".into()
        }),
        head("DclPlcCuscd required", "DclPlcCuscd", |d| {
            d.head.dcl_plc_cuscd.clear()
        }),
        head("DclPlcCuscd 4 digits", "DclPlcCuscd", |d| {
            d.head.dcl_plc_cuscd = "52O4".into()
        }),
        head("StshipTrsarvNatcd required", "StshipTrsarvNatcd", |d| {
            d.head.stship_trsarv_natcd.clear()
        }),
        head("StshipTrsarvNatcd code", "StshipTrsarvNatcd", |d| {
            d.head.stship_trsarv_natcd = "HKG".into()
        }),
        head("DclcusFlag required", "DclcusFlag", |d| {
            d.head.dclcus_flag.clear()
        }),
        head("DclcusFlag 1/2", "DclcusFlag", |d| {
            d.head.dclcus_flag = "0".into()
        }),
        head("GenDecFlag required", "GenDecFlag", |d| {
            d.head.gen_dec_flag.clear()
        }),
        head("GenDecFlag 1/2", "GenDecFlag", |d| {
            d.head.gen_dec_flag = "3".into()
        }),
        // Conditional fields.
        head("DecType when GenDecFlag 1", "DecType", |d| {
            d.head.dec_type = None
        }),
        head("DecType code", "DecType", |d| {
            d.head.dec_type = Some("9".into())
        }),
        head("DclcusTypecd when DclcusFlag 1", "DclcusTypecd", |d| {
            d.head.dclcus_typecd = None
        }),
        head("DclcusTypecd 1/2", "DclcusTypecd", |d| {
            d.head.dclcus_typecd = Some("3".into())
        }),
        head(
            "CorrEntryDclEtpsSccd when DclcusTypecd 2",
            "CorrEntryDclEtpsSccd",
            |d| d.head.corr_entry_dcl_etps_sccd = None,
        ),
        head("CorrEntryDclEtpsSccd 18", "CorrEntryDclEtpsSccd", |d| {
            d.head.corr_entry_dcl_etps_sccd = Some("9144".into())
        }),
        head(
            "CorrEntryDclEtpsNo when DclcusTypecd 2",
            "CorrEntryDclEtpsNo",
            |d| d.head.corr_entry_dcl_etps_no = None,
        ),
        head("CorrEntryDclEtpsNo 10", "CorrEntryDclEtpsNo", |d| {
            d.head.corr_entry_dcl_etps_no = Some("4419980CD12".into())
        }),
        head(
            "CorrEntryDclEtpsNm when DclcusTypecd 2",
            "CorrEntryDclEtpsNm",
            |d| d.head.corr_entry_dcl_etps_nm = None,
        ),
        head("CorrEntryDclEtpsNm ≤ 512", "CorrEntryDclEtpsNm", |d| {
            d.head.corr_entry_dcl_etps_nm = Some(long(513))
        }),
        head(
            "RltEntryBizopEtpsSccd when DclcusTypecd 1",
            "RltEntryBizopEtpsSccd",
            |d| {
                related_declaration(d);
                d.head.rlt_entry_bizop_etps_sccd = None
            },
        ),
        head(
            "RltEntryBizopEtpsno when DclcusTypecd 1",
            "RltEntryBizopEtpsno",
            |d| {
                related_declaration(d);
                d.head.rlt_entry_bizop_etpsno = None
            },
        ),
        head(
            "RltEntryBizopEtpsNm when DclcusTypecd 1",
            "RltEntryBizopEtpsNm",
            |d| {
                related_declaration(d);
                d.head.rlt_entry_bizop_etps_nm = None
            },
        ),
        head(
            "RltEntryRvsngdEtpsSccd when DclcusTypecd 1",
            "RltEntryRvsngdEtpsSccd",
            |d| {
                related_declaration(d);
                d.head.rlt_entry_rvsngd_etps_sccd = None
            },
        ),
        head(
            "RltEntryRcvgdEtpsno when DclcusTypecd 1",
            "RltEntryRcvgdEtpsno",
            |d| {
                related_declaration(d);
                d.head.rlt_entry_rcvgd_etpsno = None
            },
        ),
        head(
            "RltEntryRcvgdEtpsNm when DclcusTypecd 1",
            "RltEntryRcvgdEtpsNm",
            |d| {
                related_declaration(d);
                d.head.rlt_entry_rcvgd_etps_nm = None
            },
        ),
        head(
            "RltEntryDclEtpsSccd when DclcusTypecd 1",
            "RltEntryDclEtpsSccd",
            |d| {
                related_declaration(d);
                d.head.rlt_entry_dcl_etps_sccd = None
            },
        ),
        head(
            "RltEntryDclEtpsno when DclcusTypecd 1",
            "RltEntryDclEtpsno",
            |d| {
                related_declaration(d);
                d.head.rlt_entry_dcl_etpsno = None
            },
        ),
        head(
            "RltEntryDclEtpsNm when DclcusTypecd 1",
            "RltEntryDclEtpsNm",
            |d| {
                related_declaration(d);
                d.head.rlt_entry_dcl_etps_nm = None
            },
        ),
        head("RltEntryDclEtpsno 10", "RltEntryDclEtpsno", |d| {
            related_declaration(d);
            d.head.rlt_entry_dcl_etpsno = Some("X".into())
        }),
        head("ListType for 0654", "ListType", |d| {
            d.head.supv_modecd = "0654".into()
        }),
        head("ListType for 0258", "ListType", |d| {
            d.head.supv_modecd = "0258".into()
        }),
        head("ListType B for 0657", "ListType", |d| {
            d.head.supv_modecd = "0657".into();
            d.head.list_type = Some("A".into())
        }),
        head("ListType code", "ListType", |d| {
            d.head.list_type = Some("F".into())
        }),
        // Optional head fields.
        head("EntryNo 18 digits", "EntryNo", |d| {
            d.head.entry_no = Some("53012026".into())
        }),
        head("RltInvtNo format", "RltInvtNo", |d| {
            d.head.rlt_invt_no = Some("QD52".into())
        }),
        head("RltPutrecNo ≤ 64", "RltPutrecNo", |d| {
            d.head.rlt_putrec_no = Some("E".repeat(65))
        }),
        head("RltEntryNo 18 digits", "RltEntryNo", |d| {
            d.head.rlt_entry_no = Some("53012026000000000X".into())
        }),
        head("ApplyNo ≤ 64", "ApplyNo", |d| {
            d.head.apply_no = Some("A".repeat(65))
        }),
        head("IcCardNo ≤ 20", "IcCardNo", |d| {
            d.head.ic_card_no = Some("0".repeat(21))
        }),
        head("Rmk ≤ 4000", "Rmk", |d| {
            d.head.rmk = Some("r".repeat(4001))
        }),
        head("ListStat is customs'", "ListStat", |d| {
            d.head.status.list_stat = Some("1".into())
        }),
        head("VrfdedMarkcd is customs'", "VrfdedMarkcd", |d| {
            d.head.status.vrfded_markcd = Some("2".into())
        }),
        head("FormalVrfdedTime is customs'", "FormalVrfdedTime", |d| {
            d.head.status.formal_vrfded_time = Some("2026-03-16 10:00:00".into())
        }),
        // Lines.
        head("at least one line", "InvtListType", |d| d.lines.clear()),
        line2("line numbers unique", "GdsSeqno", |d| {
            d.lines[0].gds_seqno = 2
        }),
        Case {
            rule: "GdsSeqno from 1",
            mutate: |d| d.lines[1].gds_seqno = 0,
            element: "GdsSeqno",
            line: Some(0),
        },
        line2("EntryGdsSeqno from 1", "EntryGdsSeqno", |d| {
            d.lines[1].entry_gds_seqno = 0
        }),
        line2("PutrecSeqno on an E-book", "PutrecSeqno", |d| {
            d.lines[1].putrec_seqno = None
        }),
        line2("line SeqNo as the head's", "SeqNo", |d| {
            d.head.seq_no = Some("202600000123456789".into());
            d.lines[1].seq_no = Some("202600000123456788".into())
        }),
        line2("GdsMtno required", "GdsMtno", |d| {
            d.lines[1].gds_mtno.clear()
        }),
        line2("GdsMtno ≤ 32", "GdsMtno", |d| {
            d.lines[1].gds_mtno = "P".repeat(33)
        }),
        line2("Gdecd required", "Gdecd", |d| d.lines[1].gdecd.clear()),
        line2("Gdecd 10 digits", "Gdecd", |d| {
            d.lines[1].gdecd = "854239900".into()
        }),
        line2("GdsNm required", "GdsNm", |d| d.lines[1].gds_nm.clear()),
        line2("GdsNm ≤ 512", "GdsNm", |d| d.lines[1].gds_nm = long(513)),
        line2("GdsSpcfModelDesc required", "GdsSpcfModelDesc", |d| {
            d.lines[1].gds_spcf_model_desc.clear()
        }),
        line2("GdsSpcfModelDesc ≤ 255", "GdsSpcfModelDesc", |d| {
            d.lines[1].gds_spcf_model_desc = long(256)
        }),
        line2("DclUnitcd required", "DclUnitcd", |d| {
            d.lines[1].dcl_unitcd.clear()
        }),
        line2("DclUnitcd code", "DclUnitcd", |d| {
            d.lines[1].dcl_unitcd = "999".into()
        }),
        line2("DclQty > 0", "DclQty", |d| {
            d.lines[1].dcl_qty = Decimal::ZERO
        }),
        line2("DclQty not negative", "DclQty", |d| {
            d.lines[1].dcl_qty = dec!(-1)
        }),
        line2("DclQty ≤ 5 decimals", "DclQty", |d| {
            d.lines[1].dcl_qty = dec!(200000.000001)
        }),
        line2("DclQty ≤ 19 digits", "DclQty", |d| {
            d.lines[1].dcl_qty = dec!(123456789012345.12345)
        }),
        line2("LawfUnitcd required", "LawfUnitcd", |d| {
            d.lines[1].lawf_unitcd.clear()
        }),
        line2("LawfUnitcd code", "LawfUnitcd", |d| {
            d.lines[1].lawf_unitcd = "kg".into()
        }),
        line2("LawfQty > 0", "LawfQty", |d| {
            d.lines[1].lawf_qty = Decimal::ZERO
        }),
        line2("LawfQty ≤ 5 decimals", "LawfQty", |d| {
            d.lines[1].lawf_qty = dec!(200000.000000);
            d.lines[1].fst_sf_val = None
        }),
        line2("LawfQty = DclQty × FstSfVal", "LawfQty", |d| {
            d.lines[1].lawf_qty = dec!(199999)
        }),
        line2("SecdLawfUnitcd code", "SecdLawfUnitcd", |d| {
            d.lines[1].secd_lawf_unitcd = Some("35".into())
        }),
        line2("SecdLawfQty with its unit", "SecdLawfQty", |d| {
            d.lines[1].secd_lawf_qty = None
        }),
        line2("SecdLawfUnitcd with its quantity", "SecdLawfUnitcd", |d| {
            d.lines[1].secd_lawf_unitcd = None
        }),
        line2("SecdLawfQty > 0", "SecdLawfQty", |d| {
            d.lines[1].secd_lawf_qty = Some(Decimal::ZERO);
            d.lines[1].secd_sf_val = None
        }),
        line2("SecdLawfQty = DclQty × SecdSfVal", "SecdLawfQty", |d| {
            d.lines[1].secd_lawf_qty = Some(dec!(36.6))
        }),
        line2("WtSfVal > 0", "WtSfVal", |d| {
            d.lines[1].wt_sf_val = Some(Decimal::ZERO)
        }),
        line2("FstSfVal > 0", "FstSfVal", |d| {
            d.lines[1].fst_sf_val = Some(dec!(-1))
        }),
        line2("SecdSfVal > 0", "SecdSfVal", |d| {
            d.lines[1].secd_sf_val = Some(Decimal::ZERO)
        }),
        line2("DclCurrcd required", "DclCurrcd", |d| {
            d.lines[1].dcl_currcd.clear()
        }),
        line2("DclCurrcd numeric code", "DclCurrcd", |d| {
            d.lines[1].dcl_currcd = "USD".into()
        }),
        line2("DclCurrcd in the table", "DclCurrcd", |d| {
            d.lines[1].dcl_currcd = "840".into()
        }),
        line2("DclUprcAmt > 0", "DclUprcAmt", |d| {
            d.lines[1].dcl_uprc_amt = Decimal::ZERO
        }),
        line2("DclUprcAmt ≤ 4 decimals", "DclUprcAmt", |d| {
            d.lines[1].dcl_uprc_amt = dec!(0.18200)
        }),
        line2("DclTotalAmt > 0", "DclTotalAmt", |d| {
            d.lines[1].dcl_total_amt = Decimal::ZERO
        }),
        line2("DclTotalAmt ≤ 2 decimals", "DclTotalAmt", |d| {
            d.lines[1].dcl_total_amt = dec!(36400.000)
        }),
        line2("DclTotalAmt = DclQty × DclUprcAmt", "DclTotalAmt", |d| {
            d.lines[1].dcl_total_amt = dec!(36400.01)
        }),
        line2("UsdStatTotalAmt is customs'", "UsdStatTotalAmt", |d| {
            d.lines[1].usd_stat_total_amt = Some(dec!(1))
        }),
        line2("Natcd required", "Natcd", |d| d.lines[1].natcd.clear()),
        line2("Natcd code", "Natcd", |d| d.lines[1].natcd = "999".into()),
        line2("DestinationNatcd required", "DestinationNatcd", |d| {
            d.lines[1].destination_natcd.clear()
        }),
        line2("DestinationNatcd code", "DestinationNatcd", |d| {
            d.lines[1].destination_natcd = "CHN".into()
        }),
        line2("LvyrlfModecd required", "LvyrlfModecd", |d| {
            d.lines[1].lvyrlf_modecd.clear()
        }),
        line2("LvyrlfModecd 1–9", "LvyrlfModecd", |d| {
            d.lines[1].lvyrlf_modecd = "0".into()
        }),
        line2("LvyrlfModecd one digit", "LvyrlfModecd", |d| {
            d.lines[1].lvyrlf_modecd = "10".into()
        }),
        line2("ClyMarkcd required", "ClyMarkcd", |d| {
            d.lines[1].cly_markcd.clear()
        }),
        line2("ClyMarkcd 0/1", "ClyMarkcd", |d| {
            d.lines[1].cly_markcd = "2".into()
        }),
        line2("GrossWt > 0", "GrossWt", |d| {
            d.lines[1].gross_wt = Some(Decimal::ZERO)
        }),
        line2("GrossWt ≤ 5 decimals", "GrossWt", |d| {
            d.lines[1].gross_wt = Some(dec!(52.800001))
        }),
        line2("NetWt > 0", "NetWt", |d| {
            d.lines[1].net_wt = Some(dec!(-36.5))
        }),
        line2("UcnsVerno ≤ 8", "UcnsVerno", |d| {
            d.lines[1].ucns_verno = Some("123456789".into())
        }),
        line2("UseCd 0–3", "UseCd", |d| {
            d.lines[1].use_cd = Some("4".into())
        }),
        line2("ApplyTbSeqno from 1", "ApplyTbSeqno", |d| {
            d.lines[1].apply_tb_seqno = Some(0)
        }),
        line2("ModfMarkcd required", "ModfMarkcd", |d| {
            d.lines[1].modf_markcd.clear()
        }),
        line2("ModfMarkcd 0–3", "ModfMarkcd", |d| {
            d.lines[1].modf_markcd = "4".into()
        }),
        line2("Param1 1–4", "Param1", |d| {
            d.lines[1].param1 = Some("5".into())
        }),
        line2("Rmk ≤ 4000", "Rmk", |d| d.lines[1].rmk = Some(long(4001))),
    ]
}

#[test]
fn every_field_rule_names_its_element() {
    let base = example();
    assert_eq!(validate(&base), Ok(()));
    let mut failures = Vec::new();
    for case in cases() {
        let mut doc = base.clone();
        (case.mutate)(&mut doc);
        let errors = validate(&doc).err().unwrap_or_default();
        let hit = errors
            .iter()
            .any(|e| e.element == case.element && e.line == case.line);
        if !hit {
            let shown: Vec<String> = errors.iter().map(FieldError::to_string).collect();
            failures.push(format!(
                "{}: wanted {}, got {shown:?}",
                case.rule, case.element
            ));
        }
        // Every error names the list it belongs to.
        for e in &errors {
            assert_eq!(e.list, doc.head.etps_inner_invt_no, "{e}");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn valid_variants_pass() {
    // A draft with no declaration: DecType, DclcusTypecd and the parties are not needed.
    let mut d = example();
    d.head.dclcus_flag = "2".into();
    d.head.gen_dec_flag = "2".into();
    d.head.dec_type = None;
    d.head.dclcus_typecd = None;
    d.head.corr_entry_dcl_etps_sccd = None;
    d.head.corr_entry_dcl_etps_no = None;
    d.head.corr_entry_dcl_etps_nm = None;
    assert_eq!(validate(&d), Ok(()));
    // A related declaration with all nine parties.
    let mut d = example();
    related_declaration(&mut d);
    assert_eq!(validate(&d), Ok(()));
    // A deep-processing carry-over with its flow type, and a second import of a known list.
    let mut d = example();
    d.head.supv_modecd = "0654".into();
    d.head.list_type = Some("A".into());
    d.head.seq_no = Some("202600000123456789".into());
    d.head.bond_invt_no = Some("QD520426I000001234".into());
    d.lines[0].seq_no = Some("202600000123456789".into());
    assert_eq!(validate(&d), Ok(()));
    // A book that is not an E-book may leave the item out.
    let mut d = example();
    d.head.putrec_no = "C44038000001".into();
    d.lines[1].putrec_seqno = None;
    assert_eq!(validate(&d), Ok(()));
}

#[test]
fn problems_say_why() {
    let mut d = example();
    d.lines[1].dcl_uprc_amt = dec!(0.18200);
    let errors = validate(&d).unwrap_err();
    assert!(errors.iter().any(|e| e.problem
        == Problem::TooManyDecimals {
            value: "0.18200".into(),
            max: 4
        }));
    let mut d = example();
    d.head.bizop_etpsno = "4419".into();
    let errors = validate(&d).unwrap_err();
    assert_eq!(
        errors[0].to_string(),
        "IMP20260042: BizopEtpsno: \"4419\" has 4 characters; it must have exactly 10"
    );
}

fn replace_once(text: &str, from: &str, to: &str) -> Vec<u8> {
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1).into_bytes()
}

#[test]
fn reading_refuses_numbers_that_are_not_plain() {
    let bytes = replace_once(EXAMPLE, "<DclQty>12500</DclQty>", "<DclQty>1.25E4</DclQty>");
    let err = from_xml(&bytes).unwrap_err();
    assert_eq!(
        err.to_string(),
        "InvtListType 1: DclQty: \"1.25E4\" is not a plain decimal number such as 12.5"
    );
    let bytes = replace_once(EXAMPLE, "<DclQty>200000</DclQty>", "<DclQty></DclQty>");
    assert_eq!(
        from_xml(&bytes),
        Err(MessageError::Missing {
            record: Some("InvtListType 2".into()),
            element: "DclQty".into()
        })
    );
    let bytes = replace_once(
        EXAMPLE,
        "<GdsSeqno>2</GdsSeqno>",
        "<GdsSeqno>two</GdsSeqno>",
    );
    assert!(matches!(
        from_xml(&bytes),
        Err(MessageError::BadValue { .. })
    ));
}

#[test]
fn reading_ignores_namespaces_prefixes_and_unknown_elements() {
    let text = EXAMPLE
        .replace(
            "<Signature>",
            "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">",
        )
        .replace("<SysId>95</SysId>", "<x:SysId xmlns:x=\"urn:x\">95</x:SysId><Extra>1</Extra>")
        .replace("<Object>", "<SignedInfo></SignedInfo><SignatureValue/><KeyInfo/><Object>");
    assert_eq!(from_xml(text.as_bytes()), Ok(example()));
}

#[test]
fn a_company_file_with_pascal_or_camel_case_reads_alike() {
    let text = EXAMPLE.replace("EtpsInnerInvtNo>", "etpsInnerInvtNo>");
    assert_eq!(from_xml(text.as_bytes()), Ok(example()));
}

#[test]
fn a_second_head_is_refused() {
    let text = EXAMPLE.replace(
        "<InvtListType>",
        "<InvtHeadType></InvtHeadType><InvtListType>",
    );
    assert_eq!(
        from_xml(text.as_bytes()),
        Err(MessageError::Repeated {
            element: "InvtHeadType".into()
        })
    );
}

#[test]
fn text_with_markup_characters_and_line_ends_round_trips() {
    let mut d = example();
    d.head.rmk = Some("A&B <C> \"D\" 'E'\r\nF\tG".into());
    d.lines[0].gds_nm = "聚碳酸酯<粒子>&\"'".into();
    let written = to_xml(&d);
    assert!(written.contains("<Rmk>A&amp;B &lt;C&gt; \"D\" 'E'&#13;\nF\tG</Rmk>"));
    assert_eq!(from_xml(written.as_bytes()), Ok(d));
}

#[test]
fn the_module_reads_its_list_through_read_message_too() {
    let received = super::read_message(EXAMPLE.as_bytes()).unwrap();
    assert_eq!(received.message_type, "INV101");
    assert_eq!(received.message_id.as_deref(), Some("BONDED-IMP20260042-1"));
    assert_eq!(
        received.message,
        super::Message::Inv101(Box::new(example()))
    );
    assert_eq!(received.sha256.len(), 64);
}

// ---- random lists -------------------------------------------------------------------------

fn text_strategy() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9中文名称聚碳酸酯粒子<>&\"'|]{1,12}( [a-z中<&\"'>]{1,8}){0,3}"
}

fn decimal(mantissa: i64, scale: u32) -> Decimal {
    Decimal::new(mantissa, scale)
}

prop_compose! {
    /// A quantity ≥ 1 with 0–5 decimals.
    fn quantity()(whole in 1i64..10_000_000, scale in 0u32..=5, frac in 0i64..100_000) -> Decimal {
        let pow = 10i64.pow(scale);
        decimal(whole * pow + frac % pow, scale)
    }
}

prop_compose! {
    /// A unit price ≥ 0.01 with 2–4 decimals.
    fn price()(cents in 1i64..10_000_000, extra in 0i64..100, four in any::<bool>()) -> Decimal {
        if four { decimal(cents * 100 + extra, 4) } else { decimal(cents, 2) }
    }
}

prop_compose! {
    fn random_line()(
        qty in quantity(),
        price in price(),
        secd in proptest::option::of(1i64..100_000),
        name in text_strategy(),
        spec in text_strategy(),
        part in "[A-Z0-9-]{1,32}",
        unit in proptest::sample::select(UNITS.iter().map(|u| u.0).collect::<Vec<_>>()),
        country in proptest::sample::select(COUNTRIES.iter().map(|c| c.0).collect::<Vec<_>>()),
        currency in proptest::sample::select(CURRENCIES.iter().map(|c| c.1).collect::<Vec<_>>()),
        item in 1u32..100_000,
        rmk in proptest::option::of("[a-z<&中]{1,5}([\r\n]{1,2}[a-z中\"]{1,5}){0,2}"),
        net in proptest::option::of(quantity()),
    ) -> inv101::InvtLine {
        let mut line = example().lines[1].clone();
        line.gds_mtno = part;
        line.gds_nm = name;
        line.gds_spcf_model_desc = spec;
        line.putrec_seqno = Some(item);
        line.dcl_unitcd = unit.to_string();
        line.lawf_unitcd = unit.to_string();
        line.dcl_qty = qty;
        line.lawf_qty = qty;
        line.fst_sf_val = Some(Decimal::ONE);
        match secd {
            Some(factor) => {
                let factor = decimal(factor, 3);
                line.secd_lawf_unitcd = Some("035".into());
                line.secd_sf_val = Some(factor);
                line.secd_lawf_qty = Some(super::fields::round_half_up(qty * factor, 5));
            }
            None => {
                line.secd_lawf_unitcd = None;
                line.secd_sf_val = None;
                line.secd_lawf_qty = None;
            }
        }
        line.dcl_currcd = currency.to_string();
        line.dcl_uprc_amt = price;
        line.dcl_total_amt = super::fields::round_half_up(qty * price, 2);
        line.natcd = country.to_string();
        line.net_wt = net;
        line.gross_wt = None;
        line.rmk = rmk;
        line
    }
}

prop_compose! {
    fn random_list()(
        reference in "[A-Za-z0-9-]{1,64}",
        operator in text_strategy(),
        rmk in proptest::option::of(text_strategy()),
        lines in proptest::collection::vec(random_line(), 1..=20),
        declare in any::<bool>(),
    ) -> Inv101 {
        let mut d = example();
        d.head.etps_inner_invt_no = reference;
        d.head.bizop_etps_nm = operator;
        d.head.rmk = rmk;
        d.delcare_flag = if declare { "1" } else { "0" }.into();
        d.lines = lines;
        for (i, line) in d.lines.iter_mut().enumerate() {
            let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
            line.gds_seqno = n;
            line.entry_gds_seqno = n;
        }
        d.envelope.file_name = file_name(&d, 1);
        d.envelope.message_id = default_message_id(&d, 1);
        d
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_lists_are_valid_and_survive_write_then_read(list in random_list()) {
        prop_assert_eq!(validate(&list), Ok(()));
        let written = to_xml(&list);
        let read = from_xml(written.as_bytes());
        prop_assert_eq!(read.as_ref(), Ok(&list));
        // And the written form is a fixed point.
        prop_assert_eq!(to_xml(&list), written);
    }
}
