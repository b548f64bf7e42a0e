//! The write-off declaration's rows against the cycle report: customs' columns hold the same
//! identity, split as the module says; a list not booked is a warning, not a row.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::decide::decide;
use crate::events::commands::{Command, ItemInput, MovementLine, StocktakeInput};
use crate::messages::ems121::{from_xml, to_xml};
use crate::messages::receipt::{BondInvtBsc, HdeApprResult, Inv201, Message, Received};
use crate::model::book::{BookHeader, Level, Setting};
use crate::model::ids::Currency;
use crate::model::ids::ItemNo;
use crate::model::trade_mode::{BookKind, GoodsKind, TradeMode};

const BOOK: &str = "E44038000001";

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn bk() -> BookNo {
    BOOK.parse().expect("book")
}

fn run(state: &mut Ledger, c: Command) {
    let decided = decide(state, &c).unwrap_or_else(|r| panic!("refused: {r}\n{c:?}"));
    for x in decided {
        state.evolve(x.id, &x.event);
    }
}

fn mv(ref_: &str, date: &str, mode: TradeMode, dir: Direction, qty: Decimal) -> MovementLine {
    MovementLine {
        ref_: ref_.into(),
        line: 1,
        date: d(date),
        account: bk(),
        mode,
        dir,
        goods: GoodsKind::M,
        qty,
        item: Some(ItemNo(1)),
        part: None,
        unit_price: None,
        currency: None,
        incoterm: None,
        freight: None,
        insurance: None,
        bom_version: None,
        peer_account: matches!(mode, TradeMode::M0657)
            .then(|| "E44038000009".parse().expect("peer")),
        subcontractor: None,
        list: None,
    }
}

fn scenario() -> Ledger {
    let mut s = Ledger::new();
    run(
        &mut s,
        Command::OpenBook(BookHeader {
            account: bk(),
            company: "44199600AB".parse().expect("company"),
            kind: BookKind::Purchased,
            level: Level::Item,
            capacity_usd: dec!(100000000),
            cycle_start: d("2026-01-01"),
            cycle_months: 12,
            headings: vec![],
        }),
    );
    run(
        &mut s,
        Command::RegisterItem(ItemInput {
            account: bk(),
            goods: GoodsKind::M,
            item: ItemNo(1),
            hs: "3907400000".parse().expect("hs"),
            name: "pellets".into(),
            unit: "千克".parse().expect("unit"),
            spec: None,
            price: Some(dec!(2)),
            currency: Some(Currency::usd()),
            parts: vec![],
            legal: Default::default(),
        }),
    );
    run(
        &mut s,
        Command::ChangeSettings {
            account: bk(),
            changes: [
                ("sccd", "91441900MA4W0B0X1A"),
                ("company_name", "东莞示例电子有限公司"),
                ("customs_office", "5204"),
            ]
            .iter()
            .map(|(k, v)| Setting::parse(k, v).expect("setting"))
            .collect(),
        },
    );
    for m in [
        mv(
            "IMP-1",
            "2026-02-01",
            TradeMode::M0615,
            Direction::I,
            dec!(150000),
        ),
        mv(
            "REM-IN",
            "2026-02-02",
            TradeMode::M0657,
            Direction::I,
            dec!(3000),
        ),
        mv(
            "RE-EXP",
            "2026-05-01",
            TradeMode::M0664,
            Direction::E,
            dec!(1000),
        ),
        mv(
            "DESTROY",
            "2026-06-01",
            TradeMode::M0200,
            Direction::E,
            dec!(250.5),
        ),
        mv(
            "REM-OUT",
            "2026-12-01",
            TradeMode::M0657,
            Direction::E,
            dec!(700),
        ),
    ] {
        run(&mut s, Command::RecordMovement(m));
    }
    run(
        &mut s,
        Command::RecordStocktake(StocktakeInput {
            account: bk(),
            date: d("2026-12-31"),
            goods: GoodsKind::M,
            item: ItemNo(1),
            qty: dec!(151000),
        }),
    );
    // IMP-1 is booked by customs (approved and deducted, INV201 1); the others are not.
    run(
        &mut s,
        Command::RecordReceipt {
            received: Box::new(Received {
                message_type: "INV201".into(),
                message_id: Some("m1".into()),
                sha256: "x".into(),
                message: Message::Inv201(Inv201 {
                    appr: HdeApprResult {
                        manage_result: Some("1".into()),
                        business_id: Some("QD520426I000001234".into()),
                        ..Default::default()
                    },
                    head: Some(BondInvtBsc {
                        putrec_no: Some(BOOK.into()),
                        etps_inner_invt_no: Some("IMP-1".into()),
                        bond_invt_no: Some("QD520426I000001234".into()),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
            }),
            file_name: None,
        },
    );
    s
}

#[test]
fn the_rows_hold_the_cycle_report_identity() {
    let s = scenario();
    let when = d("2027-01-20").and_hms_opt(10, 0, 0).expect("time");
    let w = write_off(&s, &bk(), Some(1), when).expect("write-off");
    let report = cycle_report(&s, &bk(), Some(1), None).expect("report");
    let m = &report.materials[0];
    let [row] = &w.document.rows[..] else {
        panic!("one material row: {:?}", w.document.rows)
    };
    // Opening 0; imported 150000 + remaining carry-in 3000; re-exported 1000; destroyed
    // 250.5; remaining carry-out 700. Closing 0 + 153000 − 1000 − 250.5 − 700 = 151049.5;
    // counted 151000: a shortage of 49.5.
    assert_eq!(row.vclr_prid_init_qty, Some(m.opening));
    assert_eq!(row.imp_or_exp_total_qty, Some(dec!(153000)));
    assert_eq!(row.dprcs_crdw_impexp_qty, Some(dec!(0)));
    assert_eq!(row.remain_mtpck_trfout_qty, Some(dec!(700)));
    assert_eq!(row.csm_total_qty, Some(dec!(0)));
    assert_eq!(row.reexp_qty, Some(m.re_exported));
    assert_eq!(row.mtpck_endprd_dstry_qty, Some(m.destroyed));
    assert_eq!(
        (row.shd_remain_qty, m.closing),
        (Some(dec!(151049.5)), dec!(151049.5))
    );
    assert_eq!(
        (row.actl_remain_qty, m.stocktake),
        (Some(dec!(151000)), Some(dec!(151000)))
    );
    assert_eq!(
        (row.dsml_qty, m.difference),
        (Some(dec!(-49.5)), Some(dec!(-49.5)))
    );
    // The split adds up to the ledger's own columns.
    assert_eq!(
        row.imp_or_exp_total_qty.unwrap_or_default()
            + row.dprcs_crdw_impexp_qty.unwrap_or_default(),
        m.imported + m.carried_in
    );
    assert_eq!(
        row.csm_total_qty.unwrap_or_default() + row.remain_mtpck_trfout_qty.unwrap_or_default(),
        m.consumed + m.carried_out
    );
    // Only the booked list is declared; the rest are named.
    assert_eq!(w.document.lists.len(), 1);
    assert_eq!(w.document.lists[0].bond_invt_no, "QD520426I000001234");
    assert_eq!(w.warnings.len(), 4, "{:?}", w.warnings);
    assert!(
        w.warnings.iter().any(|x| x.contains("REM-OUT")),
        "{:?}",
        w.warnings
    );
    assert_eq!(
        (
            w.document.head.imp_invt_total_cnt,
            w.document.head.exp_invt_total_cnt
        ),
        (Some(2), Some(3))
    );
    // Written and read back, the same document.
    let xml = to_xml(&w.document);
    assert!(
        xml.contains("<EMS121>") && xml.contains("<dsmlQty>-49.5</dsmlQty>"),
        "{xml}"
    );
    assert_eq!(from_xml(xml.as_bytes()).expect("reads"), w.document);
}

#[test]
fn a_write_off_without_the_company_settings_names_them() {
    // A book without message settings.
    let mut bare = Ledger::new();
    run(
        &mut bare,
        Command::OpenBook(BookHeader {
            account: bk(),
            company: "44199600AB".parse().expect("company"),
            kind: BookKind::Purchased,
            level: Level::Item,
            capacity_usd: dec!(1000),
            cycle_start: d("2026-01-01"),
            cycle_months: 12,
            headings: vec![],
        }),
    );
    let when = d("2027-01-20").and_hms_opt(10, 0, 0).expect("time");
    let refused = write_off(&bare, &bk(), Some(1), when).expect_err("no settings");
    let said = refused.to_string();
    assert!(
        said.contains("sccd") && said.contains("company_name") && said.contains("customs_office"),
        "{said}"
    );
}

/// Customs' answer to the write-off (EMS221) shows on the cycle's report.
#[test]
fn the_write_off_result_shows_on_the_cycle_report() {
    use crate::messages::receipt::Ems221;
    let mut s = scenario();
    assert_eq!(
        cycle_report(&s, &bk(), Some(1), None)
            .expect("report")
            .customs_result,
        None
    );
    run(
        &mut s,
        Command::RecordReceipt {
            received: Box::new(Received {
                message_type: "EMS221".into(),
                message_id: Some("w1".into()),
                sha256: "w".into(),
                message: Message::Ems221(Ems221 {
                    appr: HdeApprResult {
                        manage_result: Some("2".into()),
                        tms_cnt: Some(1),
                        business_id: Some(BOOK.into()),
                        manage_date: d("2027-02-01").and_hms_opt(9, 0, 0),
                        ..Default::default()
                    },
                    ..Default::default()
                }),
            }),
            file_name: None,
        },
    );
    let r = cycle_report(&s, &bk(), Some(1), None).expect("report");
    let customs = r.customs_result.expect("customs answered");
    assert_eq!(customs.result.as_deref(), Some("2"));
    assert_eq!(customs.date, Some(d("2027-02-01")));
    assert!(customs.meaning.contains("approved"), "{}", customs.meaning);
}

/// Customs' per-item figures (the EMS221 of the specification's example, for a book whose
/// cycle went otherwise) are compared with the book's row, column by column in customs' terms,
/// and its 核减 of 49.5 is listed as an adjustment.
#[test]
fn customs_figures_are_compared_with_the_books_rows() {
    let mut s = scenario();
    let received = crate::messages::receipt::read_message(include_bytes!(
        "../messages/testdata/ems221_approved.xml"
    ))
    .expect("reads");
    run(
        &mut s,
        Command::RecordReceipt {
            received: Box::new(received),
            file_name: None,
        },
    );
    let r = cycle_report(&s, &bk(), Some(1), None).expect("report");
    let customs = r.customs_result.expect("customs answered");
    assert_eq!(customs.rows, 1);
    let got: Vec<(&str, Option<Decimal>, Option<Decimal>)> = customs
        .differences
        .iter()
        .map(|x| (x.column.as_str(), x.book, x.customs))
        .collect();
    // The book: opening 0, 150000 + 3000 in, 700 carried out, 1000 re-exported, 250.5
    // destroyed, closing 151049.5, counted 151000. Customs: opening 3000, 150000 in,
    // 141200.5 consumed, 500 sold, expected 11250 after its 49.5 核减 (11299.5 before),
    // counted 11250.
    assert_eq!(
        got,
        vec![
            ("vclrPridInitQty", Some(dec!(0)), Some(dec!(3000))),
            (
                "impOrExpTotalQty + dprcsCrdwImpexpQty",
                Some(dec!(153000)),
                Some(dec!(150000))
            ),
            (
                "csmTotalQty + remainMtpckTrfoutQty",
                Some(dec!(700)),
                Some(dec!(141200.5))
            ),
            ("sdinQty", Some(dec!(0)), Some(dec!(500))),
            ("reexpQty", Some(dec!(1000)), Some(dec!(0))),
            ("mtpckEndprdDstryQty", Some(dec!(250.5)), Some(dec!(0))),
            (
                "shdRemainQty (before customs' adjustments)",
                Some(dec!(151049.5)),
                Some(dec!(11299.5))
            ),
            ("actlRemainQty", Some(dec!(151000)), Some(dec!(11250))),
        ]
    );
    assert_eq!(customs.adjustments.len(), 1);
    assert_eq!(customs.adjustments[0].reduced, dec!(49.5));
}

/// Receipts of a write-off arrive out of order: a late "received" does not undo "approved";
/// after a return, the next round's receipts count.
#[test]
fn the_write_off_result_never_goes_backwards() {
    use crate::messages::receipt::Ems221;
    let mut s = scenario();
    let receive = |s: &mut Ledger, id: &str, code: &str| {
        run(
            s,
            Command::RecordReceipt {
                received: Box::new(Received {
                    message_type: "EMS221".into(),
                    message_id: Some(id.into()),
                    sha256: id.into(),
                    message: Message::Ems221(Ems221 {
                        appr: HdeApprResult {
                            manage_result: Some(code.into()),
                            tms_cnt: Some(1),
                            business_id: Some(BOOK.into()),
                            ..Default::default()
                        },
                        ..Default::default()
                    }),
                }),
                file_name: None,
            },
        );
        cycle_report(s, &bk(), Some(1), None)
            .expect("report")
            .customs_result
            .and_then(|c| c.result)
    };
    assert_eq!(receive(&mut s, "a", "3").as_deref(), Some("3"), "returned");
    assert_eq!(
        receive(&mut s, "b", "Y").as_deref(),
        Some("Y"),
        "declared again"
    );
    assert_eq!(receive(&mut s, "c", "2").as_deref(), Some("2"), "approved");
    assert_eq!(
        receive(&mut s, "d", "Y").as_deref(),
        Some("2"),
        "a late intake receipt"
    );
}
