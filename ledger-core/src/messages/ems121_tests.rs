//! Tests of EMS121: the balance identity on the specification's example row, the written
//! document (envelope, rounding to 5 places), and reading it back.

use super::ems121::{
    check, check_identity, from_xml, to_xml, Ems121, EmsChgoffBsc, EmsChgoffDt, EmsChgoffInvtLt,
    IdentityError,
};
use super::Envelope;
use chrono::NaiveDate;
use rust_decimal_macros::dec;

/// The one material row of the specification's example: 3000 + 150000 + 0 − 141200.5 − 500
/// − 0 − 0 − 0 = 11299.5 should remain; 11250 were counted, 49.5 short.
fn example_row() -> EmsChgoffDt {
    EmsChgoffDt {
        ems_no: "E44038000001".into(),
        chgoff_tms_cnt: Some(1),
        typecd: "I".into(),
        seqno: Some(1),
        vclr_prid_init_qty: Some(dec!(3000)),
        imp_or_exp_total_qty: Some(dec!(150000)),
        dprcs_crdw_impexp_qty: Some(dec!(0)),
        csm_total_qty: Some(dec!(141200.5)),
        sdin_qty: Some(dec!(500)),
        reexp_qty: Some(dec!(0)),
        remain_mtpck_trfout_qty: Some(dec!(0)),
        mtpck_endprd_dstry_qty: Some(dec!(0)),
        shd_remain_qty: Some(dec!(11299.5)),
        actl_remain_qty: Some(dec!(11250)),
        dsml_qty: Some(dec!(-49.5)),
        ..Default::default()
    }
}

fn example() -> Ems121 {
    let time = NaiveDate::from_ymd_opt(2027, 1, 20).and_then(|d| d.and_hms_opt(10, 0, 0));
    Ems121 {
        envelope: Envelope {
            version: "1.0".into(),
            message_id: "BONDED-E44038000001-C1-1".into(),
            file_name: "EMS121-E44038000001-1-1.xml".into(),
            message_type: "EMS121".into(),
            send_time: time,
            ..Default::default()
        },
        head: EmsChgoffBsc {
            ems_no: "E44038000001".into(),
            chgoff_tms_cnt: Some(1),
            chgoff_typecd: "1".into(),
            chgoff_begin_time: NaiveDate::from_ymd_opt(2026, 1, 1),
            chgoff_due_time: NaiveDate::from_ymd_opt(2026, 12, 31),
            bizop_etps_sccd: "91441900MA4W0B0X1A".into(),
            bizop_etpsno: "44199600AB".into(),
            bizop_etps_nm: "东莞示例电子有限公司".into(),
            imp_invt_total_cnt: Some(48),
            exp_invt_total_cnt: Some(131),
            chgoff_mtpck_total_cnt: Some(1),
            chgoff_endprd_total_cnt: Some(0),
            chgoff_dcl_time: time,
            master_cuscd: "5204".into(),
            ..Default::default()
        },
        lists: vec![EmsChgoffInvtLt {
            ems_no: "E44038000001".into(),
            chgoff_tms_cnt: Some(1),
            bond_invt_no: "QD520426I000001234".into(),
            dcl_typecd: "1".into(),
        }],
        rows: vec![example_row()],
        attachments: Vec::new(),
    }
}

#[test]
fn the_example_row_satisfies_both_equations() {
    assert_eq!(check_identity(&example_row()), Ok(()));
    assert_eq!(check(&example()), Ok(()));
}

#[test]
fn a_wrong_closing_or_difference_is_named() {
    let mut row = example_row();
    row.shd_remain_qty = Some(dec!(11300));
    row.dsml_qty = Some(dec!(-50));
    let err = check_identity(&row).unwrap_err();
    assert_eq!(
        err.to_string(),
        "E44038000001 item 1 (I): shdRemainQty is 11300 but the balance identity gives 11299.5"
    );
    let mut row = example_row();
    row.dsml_qty = Some(dec!(49.5));
    assert!(matches!(
        check_identity(&row),
        Err(IdentityError::Off {
            element: "dsmlQty",
            ..
        })
    ));
    let mut row = example_row();
    row.actl_remain_qty = None;
    assert!(matches!(
        check_identity(&row),
        Err(IdentityError::Missing {
            element: "actlRemainQty",
            ..
        })
    ));
}

#[test]
fn every_flow_counts_with_its_sign() {
    // Adding the same amount to one flow moves the expected closing up or down by it.
    type Field = fn(&mut EmsChgoffDt) -> &mut Option<rust_decimal::Decimal>;
    let flows: [(Field, i8); 10] = [
        (|r| &mut r.vclr_prid_init_qty, 1),
        (|r| &mut r.imp_or_exp_total_qty, 1),
        (|r| &mut r.dprcs_crdw_impexp_qty, 1),
        (|r| &mut r.vrfadd_qty, 1),
        (|r| &mut r.csm_total_qty, -1),
        (|r| &mut r.sdin_qty, -1),
        (|r| &mut r.reexp_qty, -1),
        (|r| &mut r.remain_mtpck_trfout_qty, -1),
        (|r| &mut r.mtpck_endprd_dstry_qty, -1),
        (|r| &mut r.vrfred_qty, -1),
    ];
    for (i, (field, sign)) in flows.into_iter().enumerate() {
        let mut row = example_row();
        let slot = field(&mut row);
        *slot = Some(slot.unwrap_or_default() + dec!(7.25));
        let closing = dec!(11299.5) + dec!(7.25) * rust_decimal::Decimal::from(sign);
        row.shd_remain_qty = Some(closing);
        row.dsml_qty = Some(dec!(11250) - closing);
        assert_eq!(check_identity(&row), Ok(()), "flow {i}");
    }
}

#[test]
fn finished_goods_rows_check_only_the_difference() {
    let row = EmsChgoffDt {
        ems_no: "E44038000001".into(),
        typecd: "E".into(),
        seqno: Some(3),
        vclr_prid_init_qty: Some(dec!(0)),
        imp_or_exp_total_qty: Some(dec!(5000)),
        shd_remain_qty: Some(dec!(120)),
        actl_remain_qty: Some(dec!(118)),
        dsml_qty: Some(dec!(-2)),
        ..Default::default()
    };
    assert_eq!(check_identity(&row), Ok(()));
}

#[test]
fn the_document_has_the_envelope_and_rounds_to_five_places() {
    let mut doc = example();
    doc.rows[0].tgbl_loss_qty = Some(dec!(1.123456789));
    doc.rows[0].intgb_loss_qty = Some(dec!(0.000005));
    let xml = to_xml(&doc);
    let order = [
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
        "<Signature>",
        "<Object>",
        "<Package>",
        "<EnvelopInfo>",
        "<message_type>EMS121</message_type>",
        "<send_time>2027-01-20T10:00:00</send_time>",
        "<DataInfo>",
        "<PocketInfo>",
        "<total_pocket_qty>1</total_pocket_qty>",
        "<BussinessData>",
        "<EMS121>",
        "<EmsChgoffBsc>",
        "<chgoffBeginTime>2026-01-01</chgoffBeginTime>",
        "<chgoffDclTime>2027-01-20 10:00:00</chgoffDclTime>",
        "<EmsChgoffInvtLt>",
        "<bondInvtNo>QD520426I000001234</bondInvtNo>",
        "<EmsChgoffDt>",
        "<csmTotalQty>141200.5</csmTotalQty>",
        "<tgblLossQty>1.12346</tgblLossQty>",
        "<intgbLossQty>0.00001</intgbLossQty>",
        "<dsmlQty>-49.5</dsmlQty>",
    ];
    let mut from = 0;
    for needle in order {
        match xml[from..].find(needle) {
            Some(i) => from += i + needle.len(),
            None => panic!("{needle} missing or out of order in\n{xml}"),
        }
    }
    assert!(!xml.contains("xmlns"), "no namespace is written");
    assert!(
        !xml.contains("<rmk>"),
        "fields without a value are left out"
    );
    assert_eq!(to_xml(&doc), xml, "deterministic");
}

#[test]
fn the_written_document_reads_back() {
    let doc = example();
    let mut back = from_xml(to_xml(&doc).as_bytes()).unwrap();
    // The writer adds a single-part PocketInfo when none is given.
    assert_eq!(
        back.envelope.pocket.take().and_then(|p| p.total_pocket_qty),
        Some(1)
    );
    assert_eq!(back, doc);
    assert_eq!(check(&back), Ok(()));
}
