//! Tests of receipt reading: every fixture (samples written for these tests from the
//! specification, not any company's real messages), encodings, namespaces, unknown and empty
//! elements, recognition by content, and the list stage each receipt implies.

use super::lifecycle::{advance, implied_stage, stage_of_status, ListStage};
use super::receipt::{read_message, BondInvtBsc, Message, Received};
use super::{ems121, MessageError};
use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

/// The sample messages, compiled in: the core reads no file, not even in its tests.
const FIXTURES: &[(&str, &[u8])] = &[
    (
        "client_result_failed.xml",
        include_bytes!("testdata/client_result_failed.xml"),
    ),
    (
        "client_result_ok.xml",
        include_bytes!("testdata/client_result_ok.xml"),
    ),
    (
        "ems221_approved.xml",
        include_bytes!("testdata/ems221_approved.xml"),
    ),
    (
        "inv101_example.xml",
        include_bytes!("testdata/inv101_example.xml"),
    ),
    (
        "inv201_1_deducted.xml",
        include_bytes!("testdata/inv201_1_deducted.xml"),
    ),
    (
        "inv201_2_review.xml",
        include_bytes!("testdata/inv201_2_review.xml"),
    ),
    (
        "inv201_3_returned.xml",
        include_bytes!("testdata/inv201_3_returned.xml"),
    ),
    (
        "inv201_4_pre_deducted.xml",
        include_bytes!("testdata/inv201_4_pre_deducted.xml"),
    ),
    (
        "inv201_4_unknown_elements.xml",
        include_bytes!("testdata/inv201_4_unknown_elements.xml"),
    ),
    (
        "inv201_5_approved.xml",
        include_bytes!("testdata/inv201_5_approved.xml"),
    ),
    (
        "inv201_5_gb2312.xml",
        include_bytes!("testdata/inv201_5_gb2312.xml"),
    ),
    (
        "inv201_Y_prefixed_namespace.xml",
        include_bytes!("testdata/inv201_Y_prefixed_namespace.xml"),
    ),
    (
        "inv201_Y_received.xml",
        include_bytes!("testdata/inv201_Y_received.xml"),
    ),
    (
        "inv201_Z_refused.xml",
        include_bytes!("testdata/inv201_Z_refused.xml"),
    ),
    (
        "inv202_failed.xml",
        include_bytes!("testdata/inv202_failed.xml"),
    ),
    (
        "inv202_generated.xml",
        include_bytes!("testdata/inv202_generated.xml"),
    ),
    (
        "inv211_ebook.xml",
        include_bytes!("testdata/inv211_ebook.xml"),
    ),
];

fn fixture(name: &str) -> Vec<u8> {
    match FIXTURES.iter().find(|(n, _)| *n == name) {
        Some((_, bytes)) => bytes.to_vec(),
        None => panic!("no sample message {name} in testdata/"),
    }
}

fn read(name: &str) -> Received {
    match read_message(&fixture(name)) {
        Ok(r) => r,
        Err(e) => panic!("{name}: {e}"),
    }
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> Option<NaiveDateTime> {
    NaiveDate::from_ymd_opt(y, m, d).and_then(|d| d.and_hms_opt(h, min, s))
}

/// Every fixture: the type it is recognised as, and the stage it implies (a client result
/// answering a declared file).
#[test]
fn every_fixture_is_recognised_and_implies_its_stage() {
    use ListStage::*;
    let table: [(&str, &str, Option<ListStage>); 17] = [
        (
            "client_result_ok.xml",
            "CommonResponeMessage",
            Some(Declared),
        ),
        (
            "client_result_failed.xml",
            "CommonResponeMessage",
            Some(Failed),
        ),
        ("inv201_Y_received.xml", "INV201", Some(Received)),
        ("inv201_Z_refused.xml", "INV201", Some(Failed)),
        ("inv201_2_review.xml", "INV201", Some(Review)),
        ("inv201_3_returned.xml", "INV201", Some(Returned)),
        ("inv201_5_approved.xml", "INV201", Some(Approved)),
        ("inv201_4_pre_deducted.xml", "INV201", Some(PreDeducted)),
        ("inv201_1_deducted.xml", "INV201", Some(Deducted)),
        ("inv201_5_gb2312.xml", "INV201", Some(Approved)),
        ("inv201_Y_prefixed_namespace.xml", "INV201", Some(Received)),
        ("inv201_4_unknown_elements.xml", "INV201", Some(PreDeducted)),
        ("inv202_generated.xml", "INV202", None),
        ("inv202_failed.xml", "INV202", None),
        ("inv211_ebook.xml", "INV211", Some(Deducted)),
        ("ems221_approved.xml", "EMS221", None),
        ("inv101_example.xml", "INV101", None),
    ];
    for (name, message_type, stage) in table {
        let r = read(name);
        assert_eq!(r.message_type, message_type, "{name}");
        assert_eq!(implied_stage(&r.message, Some(true)), stage, "{name}");
        assert_eq!(r.sha256, super::sha256_hex(&fixture(name)), "{name}");
        if message_type != "CommonResponeMessage" {
            assert!(r.message_id.is_some(), "{name}");
        }
    }
}

#[test]
fn client_results() {
    let r = read("client_result_ok.xml");
    assert_eq!(r.message_id, None);
    let Message::ClientResult(ok) = r.message else {
        panic!("not a client result")
    };
    assert!(ok.imported());
    assert_eq!(ok.seq_no.as_deref(), Some("202600000123456789"));
    assert_eq!(ok.etps_preent_no.as_deref(), Some("IMP20260042"));
    assert_eq!(ok.check_info.as_deref(), Some("导入成功"));
    let msg = Message::ClientResult(ok);
    assert_eq!(implied_stage(&msg, Some(false)), Some(ListStage::Staged));
    assert_eq!(implied_stage(&msg, Some(true)), Some(ListStage::Declared));
    assert_eq!(implied_stage(&msg, None), None);

    let Message::ClientResult(failed) = read("client_result_failed.xml").message else {
        panic!("not a client result")
    };
    assert!(!failed.imported());
    assert_eq!(failed.seq_no, None, "an empty SeqNo is no value");
    assert_eq!(failed.deal_flag.as_deref(), Some("1"));
    let msg = Message::ClientResult(failed);
    assert_eq!(implied_stage(&msg, Some(false)), Some(ListStage::Failed));
}

#[test]
fn inv201_fields() {
    let r = read("inv201_3_returned.xml");
    assert_eq!(
        r.message_id.as_deref(),
        Some("CUS0000E0100002026031610054100000000004")
    );
    let Message::Inv201(m) = r.message else {
        panic!("not INV201")
    };
    assert_eq!(m.envelope.sender_id, "CUS0000");
    assert_eq!(m.envelope.send_time, at(2026, 3, 16, 10, 5, 41));
    let pocket = m.envelope.pocket.as_ref().expect("PocketInfo");
    assert_eq!(pocket.total_pocket_qty, Some(1));
    assert_eq!(pocket.is_unstructured, None);
    assert_eq!(m.appr.manage_result.as_deref(), Some("3"));
    assert_eq!(m.appr.manage_date, at(2026, 3, 16, 10, 5, 41));
    assert_eq!(m.appr.etps_preent_no.as_deref(), Some("202600000123456789"));
    assert_eq!(m.appr.business_id.as_deref(), Some("QD520426I000001234"));
    assert_eq!(m.appr.tms_cnt, Some(0));
    assert_eq!(m.appr.rmk, None);
    assert_eq!(m.notes, ["退单：第2项原产国与合同不符", "请修改后重新申报"]);
    let head = m.head.expect("BondInvtBsc");
    assert_eq!(head.bond_invt_no.as_deref(), Some("QD520426I000001234"));
    assert_eq!(head.invt_preent_no.as_deref(), Some("202600000123456789"));
    assert_eq!(head.etps_inner_invt_no.as_deref(), Some("IMP20260042"));
    assert_eq!(head.putrec_no.as_deref(), Some("E44038000001"));
    assert_eq!(head.invt_dcl_time, at(2026, 3, 16, 9, 41, 7));
    assert_eq!(head.invt_stucd.as_deref(), Some("2"));
    assert_eq!(head.du_code.as_deref(), Some("IG"));
    assert_eq!(head.bond_invt_typecd.as_deref(), Some("0"));
    // Empty elements are no value, never zero or a default time.
    assert_eq!(head.entry_no, None);
    assert_eq!(head.entry_dcl_time, None);
    assert_eq!(head.prevd_time, None);
    assert_eq!(head.formal_vrfded_time, None);
    assert_eq!(m.lines.len(), 2);
    assert_eq!(m.lines[1].gds_seqno, Some(2));
    assert_eq!(m.lines[1].putrec_seqno, Some(7));
    assert_eq!(m.lines[1].gds_mtno.as_deref(), Some("IC-MCU-4410"));
    assert_eq!(m.lines[1].dcl_qty, Some(dec!(200000)));
    assert_eq!(m.lines[1].dcl_unitcd.as_deref(), Some("007"));
    assert_eq!(
        m.lines[0].dcl_total_amt.map(|d| d.to_string()),
        Some("29375.00".into())
    );
}

#[test]
fn inv201_deducted_carries_its_times() {
    let Message::Inv201(m) = read("inv201_1_deducted.xml").message else {
        panic!("not INV201")
    };
    let head = m.head.expect("head");
    assert_eq!(head.prevd_time, at(2026, 3, 16, 10, 5, 40));
    assert_eq!(head.formal_vrfded_time, at(2026, 3, 17, 8, 0, 12));
    assert_eq!(head.vrfded_markcd.as_deref(), Some("2"));
    assert!(m.notes.is_empty());
}

#[test]
fn inv202_generated_and_failed() {
    let r = read("inv202_generated.xml");
    assert_eq!(r.message_type, "INV202");
    let Message::Inv202(m) = r.message else {
        panic!("not INV202")
    };
    assert_eq!(
        m.envelope.business_id.as_deref(),
        Some("QD520426I000001234")
    );
    assert_eq!(m.envelope.pocket, None);
    assert_eq!(m.result.manage_result.as_deref(), Some("1"));
    assert_eq!(m.result.entry_seq_no.as_deref(), Some("E20260001234567890"));
    assert_eq!(
        m.result.inv_preent_no.as_deref(),
        Some("202600000123456789")
    );
    assert_eq!(m.result.create_date, at(2026, 3, 16, 10, 6, 2));
    assert_eq!(m.result.reason, None);
    let Message::Inv202(m) = read("inv202_failed.xml").message else {
        panic!("not INV202")
    };
    assert_eq!(m.result.manage_result.as_deref(), Some("2"));
    assert_eq!(m.result.entry_seq_no, None);
    assert_eq!(
        m.result.reason.as_deref(),
        Some("生成报关单失败：申报单位未备案")
    );
}

#[test]
fn inv211_for_an_e_book() {
    let Message::Inv211(m) = read("inv211_ebook.xml").message else {
        panic!("not INV211")
    };
    let head = m.head.as_ref().expect("head");
    assert_eq!(head.vrfded_markcd.as_deref(), Some("2"));
    assert_eq!(head.formal_vrfded_time, at(2026, 3, 17, 8, 0, 12));
    assert_eq!(m.items.len(), 2);
    let item = &m.items[1];
    assert_eq!(item.ems_no.as_deref(), Some("E44038000001"));
    assert_eq!(item.gds_seqno, Some(7));
    assert_eq!(item.invt_no.as_deref(), Some("QD520426I000001234"));
    assert_eq!(item.invt_g_no, Some(2));
    assert_eq!(item.mtpck_endprd_typecd.as_deref(), Some("I"));
    assert_eq!(item.dcl_qty, Some(dec!(5000000)));
    assert_eq!(
        item.dcl_uprc_amt.map(|d| d.to_string()),
        Some("2.3500".into())
    );
    assert_eq!(item.cusm_exe_markcd.as_deref(), Some("1"));
    assert_eq!(item.appr_max_surp_qty, None, "empty is no value");
    // customs' Java prints a zero opening as 0E-8: a value, zero.
    assert_eq!(item.vclr_prid_init_qty, Some(Decimal::ZERO));
    assert_eq!(m.items[0].vclr_prid_init_qty, Some(dec!(3000)));
}

#[test]
fn ems221_result_with_customs_figures() {
    let Message::Ems221(m) = read("ems221_approved.xml").message else {
        panic!("not EMS221")
    };
    assert_eq!(m.appr.manage_result.as_deref(), Some("2"));
    assert_eq!(m.appr.tms_cnt, Some(1));
    assert_eq!(m.appr.etps_preent_no, None);
    assert_eq!(m.appr.manage_date, at(2027, 2, 10, 15, 30, 0));
    assert_eq!(m.notes, ["报核通过"]);
    let head = m.head.expect("head");
    assert_eq!(head.ems_no, "E44038000001");
    assert_eq!(head.chgoff_begin_time, NaiveDate::from_ymd_opt(2026, 1, 1));
    assert_eq!(head.chgoff_due_time, NaiveDate::from_ymd_opt(2026, 12, 31));
    assert_eq!(head.exp_invt_total_cnt, Some(131));
    let row = &m.rows[0];
    assert_eq!(row.seqno, Some(1));
    assert_eq!(row.vrfred_qty, Some(dec!(49.5)));
    assert_eq!(row.dsml_rate, None);
    assert_eq!(ems121::check_identity(row), Ok(()));
}

#[test]
fn gb2312_fixture_reads_its_chinese() {
    let bytes = fixture("inv201_5_gb2312.xml");
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the fixture is not UTF-8"
    );
    let Message::Inv201(m) = read("inv201_5_gb2312.xml").message else {
        panic!("not INV201")
    };
    assert_eq!(m.notes, ["审核通过（未核扣）"]);
    let head = m.head.expect("head");
    assert_eq!(head.etps_inner_invt_no.as_deref(), Some("IMP20260042"));
    assert_eq!(m.lines[0].gds_nm.as_deref(), Some("聚碳酸酯粒子"));
}

/// The same receipt in UTF-8 and re-encoded by encoding_rs as GBK, GB2312 and GB18030 reads
/// to the same value.
#[test]
fn declared_chinese_encodings_are_honoured() {
    let utf8 = String::from_utf8(fixture("inv201_3_returned.xml")).unwrap();
    let want = read("inv201_3_returned.xml").message;
    for (label, encoding) in [
        ("GB2312", encoding_rs::GBK),
        ("gbk", encoding_rs::GBK),
        ("GB18030", encoding_rs::GB18030),
    ] {
        let text = utf8.replacen("encoding=\"UTF-8\"", &format!("encoding=\"{label}\""), 1);
        let (bytes, _, unmappable) = encoding.encode(&text);
        assert!(!unmappable, "{label}");
        assert_ne!(
            bytes.as_ref(),
            text.as_bytes(),
            "{label}: really re-encoded"
        );
        let got = read_message(&bytes).unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(got.message, want, "{label}");
    }
}

#[test]
fn a_bad_byte_is_an_error_not_a_guess() {
    // A GB2312 file that claims to be UTF-8 is refused, not re-decoded.
    let gb = fixture("inv201_5_gb2312.xml");
    let lying = String::from_utf8_lossy(&gb[..60]).replace("GB2312", "UTF-8");
    let mut bytes = lying.into_bytes();
    bytes.extend_from_slice(&gb[60..]);
    assert!(matches!(
        read_message(&bytes),
        Err(MessageError::BadUtf8 { .. })
    ));
    // A stray byte in a UTF-8 file.
    let mut bytes = fixture("inv201_Y_received.xml");
    let at = bytes.len() - 40;
    bytes[at] = 0xFF;
    assert_eq!(
        read_message(&bytes),
        Err(MessageError::BadUtf8 { offset: at })
    );
    // No declaration means UTF-8, checked all the same.
    assert!(matches!(
        read_message(
            b"<CommonResponeMessage><CheckInfo>\xB5\xBC</CheckInfo></CommonResponeMessage>"
        ),
        Err(MessageError::BadUtf8 { .. })
    ));
    // Bytes that are not GBK under a GBK declaration.
    let bad = b"<?xml version=\"1.0\" encoding=\"GBK\"?><CommonResponeMessage><CheckInfo>\x81\x20</CheckInfo></CommonResponeMessage>";
    assert_eq!(
        read_message(bad),
        Err(MessageError::BadEncoding {
            encoding: "GBK".into()
        })
    );
    let unknown = b"<?xml version=\"1.0\" encoding=\"x-klingon\"?><a/>";
    assert_eq!(
        read_message(unknown),
        Err(MessageError::UnknownEncoding {
            label: "x-klingon".into()
        })
    );
}

#[test]
fn a_utf8_byte_order_mark_is_accepted() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(fixture("client_result_ok.xml"));
    assert_eq!(
        read_message(&bytes).map(|r| r.message),
        Ok(read("client_result_ok.xml").message)
    );
}

fn body_of(message: Message) -> Message {
    match message {
        Message::Inv201(mut m) => {
            m.envelope = Default::default();
            Message::Inv201(m)
        }
        other => other,
    }
}

#[test]
fn namespaces_are_ignored() {
    // Default namespace on Package (every shape-B fixture) and a prefixed one under a
    // Signature wrapper read to the same business content.
    let plain = body_of(read("inv201_Y_received.xml").message);
    let prefixed = read("inv201_Y_prefixed_namespace.xml");
    assert_eq!(prefixed.message_type, "INV201");
    assert_eq!(body_of(prefixed.message), plain);
}

#[test]
fn unknown_elements_are_ignored() {
    let plain = body_of(read("inv201_4_pre_deducted.xml").message);
    let extended = body_of(read("inv201_4_unknown_elements.xml").message);
    assert_eq!(extended, plain);
}

#[test]
fn both_casings_of_customs_spellings_read() {
    let text = String::from_utf8(fixture("inv201_5_approved.xml")).unwrap();
    for spelling in ["passportUsedTypecd", "PassportUsedTypeCd"] {
        let t = text.replace(
            "<passportUsedTypecd></passportUsedTypecd>",
            &format!("<{spelling}>2</{spelling}>"),
        );
        let Message::Inv201(m) = read_message(t.as_bytes()).unwrap().message else {
            panic!("not INV201")
        };
        assert_eq!(
            m.head.unwrap().passport_used_typecd.as_deref(),
            Some("2"),
            "{spelling}"
        );
    }
}

#[test]
fn recognised_by_content_not_by_name() {
    let text = String::from_utf8(fixture("inv201_Y_received.xml")).unwrap();
    // Without message_type the business element decides.
    let t = text.replace(
        "<message_type>INV201</message_type>",
        "<message_type></message_type>",
    );
    assert_eq!(read_message(t.as_bytes()).unwrap().message_type, "INV201");
    // An envelope that contradicts the content is refused.
    let t = text.replace(
        "<message_type>INV201</message_type>",
        "<message_type>INV211</message_type>",
    );
    assert_eq!(
        read_message(t.as_bytes()),
        Err(MessageError::TypeMismatch {
            declared: "INV211".into(),
            found: "INV201".into()
        })
    );
    // A message this program does not read.
    let t = text.replace("INV201>", "INV999>").replace(
        "<message_type>INV201</message_type>",
        "<message_type>INV999</message_type>",
    );
    assert_eq!(
        read_message(t.as_bytes()),
        Err(MessageError::UnknownMessage {
            message_type: "INV999".into()
        })
    );
    // A known type whose business element is missing.
    let t = text.replace("<INV201>", "<X>").replace("</INV201>", "</X>");
    assert!(matches!(
        read_message(t.as_bytes()),
        Err(MessageError::Missing { .. })
    ));
    assert_eq!(
        read_message(b"<html><body/></html>"),
        Err(MessageError::NotAMessage {
            root: "html".into()
        })
    );
    let err = read_message(b"<?xml version=\"1.0\"?>\n<Package>\n<EnvelopInfo>\n</Package>");
    assert!(
        matches!(err, Err(MessageError::Xml { line: 4, .. })),
        "{err:?}"
    );
    assert!(matches!(read_message(b""), Err(MessageError::Xml { .. })));
}

#[test]
fn bad_values_name_their_record_and_element() {
    let text = String::from_utf8(fixture("inv201_Y_received.xml")).unwrap();
    let t = text.replacen("<dclQty>200000</dclQty>", "<dclQty>20万</dclQty>", 1);
    let err = read_message(t.as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "BondInvtDt 2: dclQty: \"20万\" is not a decimal number"
    );
    let t = text.replacen(
        "<manageDate>2026-03-16 10:05:41</manageDate>",
        "<manageDate>16.03.2026</manageDate>",
        1,
    );
    let err = read_message(t.as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "HdeApprResult 1: manageDate: \"16.03.2026\" is not a time as yyyy-MM-dd HH:mm:ss"
    );
    // A receipt time the schema's patterns would reject (year with a 0) is read.
    let t = text.replacen("2026-03-16 10:05:41", "2030-03-16 19:05:41", 1);
    assert!(read_message(t.as_bytes()).is_ok());
}

#[test]
fn the_same_bytes_give_the_same_key() {
    let a = read("inv201_Y_received.xml");
    let b = read("inv201_Y_received.xml");
    assert_eq!(
        (&a.message_type, &a.message_id, &a.sha256),
        (&b.message_type, &b.message_id, &b.sha256)
    );
    let c = read("inv201_2_review.xml");
    assert_ne!(a.sha256, c.sha256);
    assert_ne!(a.message_id, c.message_id);
}

#[test]
fn status_fields_imply_deleted_and_written_off() {
    use ListStage::*;
    let with = |stucd: &str, vrfded: &str| BondInvtBsc {
        invt_stucd: Some(stucd.to_string()).filter(|s| !s.is_empty()),
        vrfded_markcd: Some(vrfded.to_string()).filter(|s| !s.is_empty()),
        ..Default::default()
    };
    let table = [
        ("3", "0", Some(Deleted)),
        ("3", "2", Some(Deleted)),
        ("0", "3", Some(WrittenOff)),
        ("0", "2", Some(Deducted)),
        ("0", "1", Some(PreDeducted)),
        ("0", "0", Some(Approved)),
        ("2", "0", Some(Returned)),
        ("1", "0", None),
        ("", "", None),
    ];
    for (stucd, vrfded, want) in table {
        assert_eq!(
            stage_of_status(&with(stucd, vrfded)),
            want,
            "{stucd}/{vrfded}"
        );
    }
    // Through INV211: deleted and written off.
    let text = String::from_utf8(fixture("inv211_ebook.xml")).unwrap();
    let deleted = text.replace("<invtStucd>0</invtStucd>", "<invtStucd>3</invtStucd>");
    let m = read_message(deleted.as_bytes()).unwrap().message;
    assert_eq!(implied_stage(&m, None), Some(Deleted));
    let written_off = text.replace(
        "<vrfdedMarkcd>2</vrfdedMarkcd>",
        "<vrfdedMarkcd>3</vrfdedMarkcd>",
    );
    let m = read_message(written_off.as_bytes()).unwrap().message;
    assert_eq!(implied_stage(&m, None), Some(WrittenOff));
}

/// Receipts applied in order, as a list would see them; late ones do not move it back.
#[test]
fn lifecycle_in_order_and_out_of_order() {
    use ListStage::*;
    let stage = |name: &str| implied_stage(&read(name).message, Some(true));
    let mut s = Exported;
    for (name, want) in [
        ("client_result_ok.xml", Declared),
        ("inv201_Y_received.xml", Received),
        ("inv201_2_review.xml", Review),
        ("inv201_5_approved.xml", Approved),
        ("inv201_4_pre_deducted.xml", PreDeducted),
        ("inv211_ebook.xml", Deducted),
        // Late arrivals: an intake receipt, a review, an approval.
        ("inv201_Y_received.xml", Deducted),
        ("inv201_2_review.xml", Deducted),
        ("inv201_5_approved.xml", Deducted),
        ("inv201_Z_refused.xml", Deducted),
        ("inv202_generated.xml", Deducted),
    ] {
        if let Some(implied) = stage(name) {
            s = advance(s, implied);
        }
        assert_eq!(s, want, "after {name}");
    }
    // A returned list is declared again on re-export, then moves on.
    let mut s = Declared;
    for (name, want) in [
        ("inv201_Y_received.xml", Received),
        ("inv201_3_returned.xml", Returned),
        ("inv201_Y_received.xml", Returned),
        ("client_result_ok.xml", Declared),
        ("inv201_1_deducted.xml", Deducted),
    ] {
        if let Some(implied) = stage(name) {
            s = advance(s, implied);
        }
        assert_eq!(s, want, "after {name}");
    }
    // A file the client refused is failed; fixed and exported again, it is declared.
    let mut s = Exported;
    s = advance(s, stage("client_result_failed.xml").unwrap());
    assert_eq!(s, Failed);
    s = advance(s, Exported);
    assert_eq!(s, Exported);
    s = advance(s, stage("client_result_ok.xml").unwrap());
    assert_eq!(s, Declared);
}
