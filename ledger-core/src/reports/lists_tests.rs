//! Lists and reconciliation: receipts move a list as the lifecycle says, a receipt for a book
//! not held changes nothing, a repeat is a no-op; each kind of difference is found in a
//! scenario built for it, and none where book and customs agree.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::decide::decide;
use crate::events::commands::{Command, ItemInput, MovementLine};
use crate::events::lists::ListExported;
use crate::messages::receipt::{
    BondInvtBsc, BondInvtDt, ClientResult, EmsPutrecDt, HdeApprResult, Inv201, Inv211, Message,
    Received,
};
use crate::messages::Envelope;
use crate::model::book::{BookHeader, Level};
use crate::model::ids::{Currency, ItemNo};
use crate::model::refusal::RefusalClass;
use crate::model::trade_mode::{BookKind, GoodsKind};

const BOOK: &str = "E44038000001";

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn at(s: &str) -> NaiveDateTime {
    d(s).and_hms_opt(10, 0, 0).expect("time")
}

fn bk() -> BookNo {
    BOOK.parse().expect("book")
}

fn run(state: &mut Ledger, c: Command) -> usize {
    let decided = decide(state, &c).unwrap_or_else(|r| panic!("refused: {r}\n{c:?}"));
    for x in &decided {
        state.evolve(x.id, &x.event);
    }
    decided.len()
}

fn book() -> Ledger {
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
    for n in [1, 7] {
        run(
            &mut s,
            Command::RegisterItem(ItemInput {
                account: bk(),
                goods: GoodsKind::M,
                item: ItemNo(n),
                hs: "8542399000".parse().expect("hs"),
                name: format!("material {n}"),
                unit: "个".parse().expect("unit"),
                spec: None,
                price: Some(dec!(1)),
                currency: Some(Currency::usd()),
                parts: vec![],
                legal: Default::default(),
            }),
        );
    }
    s
}

fn movement(ref_: &str, line: u32, date: &str, item: u32, qty: Decimal) -> MovementLine {
    MovementLine {
        ref_: ref_.into(),
        line,
        date: d(date),
        account: bk(),
        mode: TradeMode::M0615,
        dir: Direction::I,
        goods: GoodsKind::M,
        qty,
        item: Some(ItemNo(item)),
        part: None,
        unit_price: None,
        currency: None,
        incoterm: None,
        freight: None,
        insurance: None,
        bom_version: None,
        peer_account: None,
        subcontractor: None,
        list: None,
    }
}

fn export(state: &mut Ledger, ref_: &str, date: &str, declares: bool) {
    let try_no = state
        .book(&bk())
        .and_then(|b| b.lists.get(ref_))
        .map_or(0, |l| l.exports)
        + 1;
    run(
        state,
        Command::RecordListExport(ListExported {
            account: bk(),
            ref_: ref_.into(),
            try_no,
            file_name: format!("INV101-I-{ref_}-{try_no}.xml"),
            sha256: format!("{ref_}{try_no}"),
            date: d(date),
            declares,
            dcl_typecd: "1".into(),
            lines: 1,
        }),
    );
}

fn received(message_type: &str, id: &str, message: Message) -> Received {
    Received {
        message_type: message_type.into(),
        message_id: (!id.is_empty()).then(|| id.to_string()),
        sha256: format!("sha-of-{id}-{message_type}"),
        message,
    }
}

fn inv201(
    id: &str,
    ref_: Option<&str>,
    result: &str,
    when: &str,
    lines: Vec<BondInvtDt>,
) -> Received {
    received(
        "INV201",
        id,
        Message::Inv201(Inv201 {
            envelope: Envelope::default(),
            appr: HdeApprResult {
                manage_result: Some(result.into()),
                manage_date: Some(at(when)),
                business_id: Some(format!("QD520426I{:0>9}", id.len())),
                ..Default::default()
            },
            notes: if result == "3" {
                vec!["申报要素不全".into()]
            } else {
                vec![]
            },
            head: Some(BondInvtBsc {
                putrec_no: Some(BOOK.into()),
                etps_inner_invt_no: ref_.map(str::to_string),
                supv_modecd: Some("0615".into()),
                impexp_markcd: Some("I".into()),
                bond_invt_no: Some(format!("QD520426I{:0>9}", id.len())),
                ..Default::default()
            }),
            lines,
        }),
    )
}

fn receipt(state: &mut Ledger, r: Received, file: Option<&str>) -> usize {
    run(
        state,
        Command::RecordReceipt {
            received: Box::new(r),
            file_name: file.map(str::to_string),
        },
    )
}

fn kinds(
    state: &Ledger,
    as_of: &str,
    movements: &BTreeMap<String, Vec<MovementLine>>,
) -> Vec<(DifferenceKind, Option<String>)> {
    reconcile(state, &bk(), d(as_of), movements)
        .expect("reconcile")
        .differences
        .into_iter()
        .map(|x| (x.kind, x.ref_))
        .collect()
}

fn stage(state: &Ledger, ref_: &str) -> ListStage {
    state
        .book(&bk())
        .and_then(|b| b.lists.get(ref_))
        .expect("list")
        .stage
}

#[test]
fn receipts_move_a_list_forward_only() {
    let mut s = book();
    run(
        &mut s,
        Command::RecordMovement(movement("A", 1, "2026-03-01", 1, dec!(10))),
    );
    assert_eq!(stage(&s, "A"), ListStage::Recorded);
    export(&mut s, "A", "2026-03-02", true);
    assert_eq!(stage(&s, "A"), ListStage::Exported);
    // The client's result matched by its file name: a declared file → declared.
    let ok = received(
        "CommonResponeMessage",
        "",
        Message::ClientResult(ClientResult {
            seq_no: Some("202600000123456789".into()),
            deal_flag: Some("0".into()),
            ..Default::default()
        }),
    );
    assert_eq!(
        receipt(
            &mut s,
            ok.clone(),
            Some("Successed_INV101-I-A-1_20260302101010123")
        ),
        1
    );
    assert_eq!(stage(&s, "A"), ListStage::Declared);
    assert_eq!(
        s.book(&bk())
            .and_then(|b| b.lists.get("A"))
            .and_then(|l| l.customs().seq_no.clone())
            .as_deref(),
        Some("202600000123456789")
    );
    // The same file again: nothing to record.
    assert_eq!(
        receipt(&mut s, ok, Some("Successed_INV101-I-A-1_20260302101010123")),
        0
    );
    // Approved (5), then a late intake receipt (Y) does not move it back.
    receipt(
        &mut s,
        inv201("m5", Some("A"), "5", "2026-03-03", vec![]),
        None,
    );
    assert_eq!(stage(&s, "A"), ListStage::Approved);
    receipt(
        &mut s,
        inv201("mY", Some("A"), "Y", "2026-03-02", vec![]),
        None,
    );
    assert_eq!(stage(&s, "A"), ListStage::Approved);
    // Booked by INV211.
    let booked = received(
        "INV211",
        "m211",
        Message::Inv211(Inv211 {
            envelope: Envelope::default(),
            head: Some(BondInvtBsc {
                putrec_no: Some(BOOK.into()),
                etps_inner_invt_no: Some("A".into()),
                vrfded_markcd: Some("2".into()),
                formal_vrfded_time: Some(at("2026-03-04")),
                ..Default::default()
            }),
            items: vec![],
        }),
    );
    receipt(&mut s, booked, None);
    assert_eq!(stage(&s, "A"), ListStage::Deducted);
}

#[test]
fn a_receipt_for_a_book_not_held_changes_nothing() {
    let s = book();
    let mut r = inv201("x", Some("A"), "5", "2026-03-03", vec![]);
    if let Message::Inv201(m) = &mut r.message {
        m.head.as_mut().expect("head").putrec_no = Some("E99999999999".into());
    }
    let refused = decide(
        &s,
        &Command::RecordReceipt {
            received: Box::new(r),
            file_name: None,
        },
    )
    .expect_err("not our book");
    assert_eq!(refused.class(), RefusalClass::BadInput);
    assert!(refused.to_string().contains("E99999999999"), "{refused}");
}

#[test]
fn the_same_message_id_with_other_content_is_refused() {
    let mut s = book();
    run(
        &mut s,
        Command::RecordMovement(movement("A", 1, "2026-03-01", 1, dec!(10))),
    );
    receipt(
        &mut s,
        inv201("m1", Some("A"), "5", "2026-03-03", vec![]),
        None,
    );
    let mut other = inv201("m1", Some("A"), "3", "2026-03-03", vec![]);
    other.sha256 = "different".into();
    let refused = decide(
        &s,
        &Command::RecordReceipt {
            received: Box::new(other),
            file_name: None,
        },
    )
    .expect_err("conflict");
    assert_eq!(refused.class(), RefusalClass::Rule);
}

#[test]
fn each_kind_of_difference_is_found() {
    let mut s = book();
    let mut movements = BTreeMap::new();
    // not_sent: recorded 03-01, nothing sent; 9 days later.
    run(
        &mut s,
        Command::RecordMovement(movement("SENT-NOT", 1, "2026-03-01", 1, dec!(10))),
    );
    // returned_but_counted.
    run(
        &mut s,
        Command::RecordMovement(movement("RETURNED", 1, "2026-03-08", 1, dec!(10))),
    );
    receipt(
        &mut s,
        inv201("r3", Some("RETURNED"), "3", "2026-03-09", vec![]),
        None,
    );
    // not_booked: approved 03-01, 9 days later still not booked (book_days 7).
    run(
        &mut s,
        Command::RecordMovement(movement("APPROVED", 1, "2026-03-01", 1, dec!(10))),
    );
    receipt(
        &mut s,
        inv201("a5", Some("APPROVED"), "5", "2026-03-01", vec![]),
        None,
    );
    // item, quantity and mode mismatches.
    let mine = vec![
        movement("DIFF", 1, "2026-03-08", 1, dec!(10)),
        movement("DIFF", 2, "2026-03-08", 7, dec!(5)),
    ];
    for m in &mine {
        run(&mut s, Command::RecordMovement(m.clone()));
    }
    movements.insert("DIFF".to_string(), mine);
    let mut r = inv201(
        "d1",
        Some("DIFF"),
        "1",
        "2026-03-09",
        vec![
            BondInvtDt {
                gds_seqno: Some(1),
                putrec_seqno: Some(7),
                dcl_qty: Some(dec!(10)),
                ..Default::default()
            },
            BondInvtDt {
                gds_seqno: Some(2),
                putrec_seqno: Some(7),
                dcl_qty: Some(dec!(5.5)),
                ..Default::default()
            },
        ],
    );
    if let Message::Inv201(m) = &mut r.message {
        m.head.as_mut().expect("head").supv_modecd = Some("0715".into());
    }
    receipt(&mut s, r, None);
    // unknown_list: customs booked a list the book does not hold.
    receipt(
        &mut s,
        inv201("unknown", Some("NOT-OURS"), "1", "2026-03-09", vec![]),
        None,
    );
    // opening_mismatch: INV211 says item 1 opened the cycle with 999; the book with 0.
    let opening = received(
        "INV211",
        "o211",
        Message::Inv211(Inv211 {
            envelope: Envelope::default(),
            head: Some(BondInvtBsc {
                putrec_no: Some(BOOK.into()),
                etps_inner_invt_no: Some("DIFF".into()),
                vrfded_markcd: Some("2".into()),
                formal_vrfded_time: Some(at("2026-03-09")),
                ..Default::default()
            }),
            items: vec![EmsPutrecDt {
                gds_seqno: Some(1),
                vclr_prid_init_qty: Some(dec!(999)),
                ..Default::default()
            }],
        }),
    );
    receipt(&mut s, opening, None);
    let found = kinds(&s, "2026-03-10", &movements);
    let want = [
        (DifferenceKind::NotSent, Some("SENT-NOT".to_string())),
        (
            DifferenceKind::ReturnedButCounted,
            Some("RETURNED".to_string()),
        ),
        (DifferenceKind::NotBooked, Some("APPROVED".to_string())),
        (DifferenceKind::ItemMismatch, Some("DIFF".to_string())),
        (DifferenceKind::QuantityMismatch, Some("DIFF".to_string())),
        (DifferenceKind::ModeMismatch, Some("DIFF".to_string())),
        (DifferenceKind::UnknownList, Some("NOT-OURS".to_string())),
        (DifferenceKind::OpeningMismatch, None),
    ];
    for w in &want {
        assert!(found.contains(w), "{w:?} missing from {found:#?}");
    }
    assert_eq!(found.len(), want.len(), "{found:#?}");
    // Seven days after the approval it is not late yet (the book allows 7).
    let early = kinds(&s, "2026-03-08", &movements);
    assert!(
        !early.iter().any(|(k, _)| *k == DifferenceKind::NotBooked),
        "{early:?}"
    );
}

#[test]
fn book_and_customs_agreeing_give_no_difference() {
    let mut s = book();
    let mine = vec![movement("OK", 1, "2026-03-01", 1, dec!(10))];
    run(&mut s, Command::RecordMovement(mine[0].clone()));
    export(&mut s, "OK", "2026-03-01", true);
    receipt(
        &mut s,
        inv201(
            "ok1",
            Some("OK"),
            "1",
            "2026-03-02",
            vec![BondInvtDt {
                gds_seqno: Some(1),
                putrec_seqno: Some(1),
                dcl_qty: Some(dec!(10.000)),
                ..Default::default()
            }],
        ),
        None,
    );
    let movements = BTreeMap::from([("OK".to_string(), mine)]);
    assert_eq!(kinds(&s, "2026-12-31", &movements), vec![]);
    let report = list_report(&s, &bk(), Some(ListStage::Deducted)).expect("lists");
    assert_eq!(report.lists.len(), 1);
    assert_eq!(report.lists[0].status, ListStage::Deducted);
    assert!(list_report(&s, &bk(), Some(ListStage::Returned))
        .expect("lists")
        .lists
        .is_empty());
}

#[test]
fn deadlines_name_lists_late_once_the_book_uses_messages() {
    use crate::reports::deadlines::{deadlines, ObligationKind, Status};
    let mut s = book();
    run(
        &mut s,
        Command::RecordMovement(movement("LATE", 1, "2026-03-01", 1, dec!(10))),
    );
    let listed = |s: &Ledger| {
        deadlines(s, &bk(), d("2026-03-10"))
            .expect("deadlines")
            .obligations
            .into_iter()
            .filter(|o| {
                matches!(
                    o.kind,
                    ObligationKind::ListDeclaration | ObligationKind::ListBooking
                )
            })
            .map(|o| (o.kind, o.period, o.due, o.status))
            .collect::<Vec<_>>()
    };
    // A book that declares its lists elsewhere has no list obligations here, and its
    // deadlines do not read the lists: opened without them, the same deadlines.
    use crate::reports::deadlines::reads_lists;
    use crate::state::snapshot::{open_in_part, Part, Parts};
    let but_lists = Parts::NONE
        .with(Part::Stock)
        .with(Part::Kept)
        .with(Part::Imports);
    assert_eq!(listed(&s), vec![]);
    assert!(!reads_lists(&open_in_part(&s, Parts::NONE)));
    assert_eq!(listed(&open_in_part(&s, but_lists)), listed(&s));
    run(
        &mut s,
        Command::RecordMovement(movement("SENT", 1, "2026-03-01", 1, dec!(10))),
    );
    export(&mut s, "SENT", "2026-03-01", true);
    receipt(
        &mut s,
        inv201("s5", Some("SENT"), "5", "2026-03-02", vec![]),
        None,
    );
    // Once it exchanges them, its deadlines read the lists (and would miss them without).
    assert!(reads_lists(&open_in_part(&s, Parts::NONE)));
    assert_ne!(listed(&open_in_part(&s, but_lists)), listed(&s));
    assert_eq!(
        listed(&open_in_part(&s, but_lists.with(Part::Lists))),
        listed(&s)
    );
    assert_eq!(
        listed(&s),
        vec![
            (
                ObligationKind::ListDeclaration,
                "LATE".to_string(),
                d("2026-03-04"),
                Status::Overdue
            ),
            (
                ObligationKind::ListBooking,
                "SENT".to_string(),
                d("2026-03-09"),
                Status::Overdue
            ),
        ]
    );
}

/// A receipt customs sent in two parts (PocketInfo 1 of 2, 2 of 2; the same message id), loaded
/// second part first: both parts are recorded, their lines make the list's lines together, and
/// reconciliation finds the book and customs agree. A later receipt of one part replaces them.
#[test]
fn a_receipt_sent_in_parts_is_put_back_together() {
    let mut s = book();
    let mine = vec![
        movement("BIG", 1, "2026-03-08", 1, dec!(10)),
        movement("BIG", 2, "2026-03-08", 1, dec!(20)),
    ];
    for m in &mine {
        run(&mut s, Command::RecordMovement(m.clone()));
    }
    let movements = BTreeMap::from([("BIG".to_string(), mine)]);
    let part = |n: u32, line: u32, qty: Decimal, pocket: &str| {
        let mut r = inv201(
            "big",
            Some("BIG"),
            "1",
            "2026-03-09",
            vec![BondInvtDt {
                gds_seqno: Some(line),
                putrec_seqno: Some(1),
                dcl_qty: Some(qty),
                ..Default::default()
            }],
        );
        r.sha256 = format!("{pocket}-{n}");
        if let Message::Inv201(m) = &mut r.message {
            m.envelope.pocket = Some(crate::messages::PocketInfo {
                pocket_id: pocket.into(),
                total_pocket_qty: Some(2),
                cur_pocket_no: Some(n),
                is_unstructured: None,
            });
        }
        r
    };
    assert_eq!(receipt(&mut s, part(2, 2, dec!(20), "P-1"), None), 1);
    assert_eq!(receipt(&mut s, part(1, 1, dec!(10), "P-1"), None), 1);
    assert_eq!(
        receipt(&mut s, part(1, 1, dec!(10), "P-1"), None),
        0,
        "a part again is a repeat"
    );
    let lines = |s: &Ledger| -> Vec<(Option<u32>, Option<Decimal>)> {
        s.book(&bk())
            .and_then(|b| b.lists.get("BIG"))
            .map(|l| l.customs().lines.iter().map(|x| (x.line, x.qty)).collect())
            .unwrap_or_default()
    };
    assert_eq!(
        lines(&s),
        vec![(Some(1), Some(dec!(10))), (Some(2), Some(dec!(20)))]
    );
    assert!(
        kinds(&s, "2026-03-10", &movements).is_empty(),
        "book and customs agree"
    );
    // A new receipt (another pocket id) in one part of one line: it replaces them.
    let mut again = part(1, 1, dec!(10), "P-2");
    again.message_id = Some("big-2".into());
    if let Message::Inv201(m) = &mut again.message {
        m.envelope.pocket = None;
    }
    receipt(&mut s, again, None);
    assert_eq!(lines(&s), vec![(Some(1), Some(dec!(10)))]);
}
