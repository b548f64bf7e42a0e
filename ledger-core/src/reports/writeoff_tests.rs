//! The write-off rows of finished goods, and customs' answer compared with the book's rows: a
//! table of cases, each with the differences and adjustments worked out by hand.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::decide::decide;
use crate::events::commands::{
    BomInput, Command, CorrectionInput, ItemInput, MovementLine, StocktakeInput,
};
use crate::model::book::{BookHeader, Level};
use crate::model::ids::{BookNo, Currency};
use crate::model::trade_mode::BookKind;
use crate::reports::cycle::cycle_report;
use crate::state::ledger::Ledger;

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

fn item(goods: GoodsKind, n: u32, hs: &str) -> Command {
    // Material 1 weighs 0.175 kg a piece: its first legal unit is the kilogram (035).
    let legal = match (goods, n) {
        (GoodsKind::M, 1) => crate::events::commands::LegalUnits {
            lawf_unit: Some("035".into()),
            lawf_factor: Some(dec!(0.175)),
            ..Default::default()
        },
        _ => Default::default(),
    };
    Command::RegisterItem(ItemInput {
        account: bk(),
        goods,
        item: ItemNo(n),
        hs: hs.parse().expect("hs"),
        name: format!("item {n}"),
        unit: "个".parse().expect("unit"),
        spec: None,
        price: Some(dec!(2)),
        currency: Some(Currency::usd()),
        parts: vec![],
        legal,
    })
}

fn line(
    ref_: &str,
    date: &str,
    mode: TradeMode,
    dir: Direction,
    goods: GoodsKind,
    n: u32,
    qty: Decimal,
) -> MovementLine {
    MovementLine {
        ref_: ref_.into(),
        line: 1,
        date: d(date),
        account: bk(),
        mode,
        dir,
        goods,
        qty,
        item: Some(ItemNo(n)),
        part: None,
        unit_price: None,
        currency: None,
        incoterm: None,
        freight: None,
        insurance: None,
        bom_version: None,
        peer_account: matches!(mode, TradeMode::M0654)
            .then(|| "E44038000009".parse().expect("peer")),
        subcontractor: None,
        list: None,
    }
}

/// Material 1; finished item 10 using 2 of it each. In 2026: 1,000 imported; 100 exported,
/// 30 carried out in deep processing, 5 returned; an export of 50 recorded and corrected away;
/// 2027: 40 more exported (the next cycle). Counted at the year's end: 7 finished, 618 material.
fn scenario() -> Ledger {
    use Direction::{E, I};
    use GoodsKind::{M, P};
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
    run(&mut s, item(M, 1, "3907400000"));
    run(&mut s, item(P, 10, "8471300000"));
    run(
        &mut s,
        Command::DeclareUnitConsumption(BomInput {
            account: bk(),
            product: ItemNo(10),
            material: ItemNo(1),
            version: 0,
            net: dec!(2),
            tangible_loss_pct: dec!(0),
            intangible_loss_pct: dec!(0),
            bonded_pct: dec!(100),
        }),
    );
    for l in [
        line("IMP", "2026-01-10", TradeMode::M0615, I, M, 1, dec!(1000)),
        line("EXP-1", "2026-03-01", TradeMode::M0615, E, P, 10, dec!(100)),
        line("EXP-2", "2026-04-01", TradeMode::M0615, E, P, 10, dec!(50)),
        line("DEEP", "2026-05-01", TradeMode::M0654, E, P, 10, dec!(30)),
        line("RET", "2026-06-01", TradeMode::M4600, I, P, 10, dec!(5)),
        line("EXP-3", "2027-02-01", TradeMode::M0615, E, P, 10, dec!(40)),
    ] {
        run(&mut s, Command::RecordMovement(l));
    }
    run(
        &mut s,
        Command::CorrectMovement(CorrectionInput {
            account: bk(),
            ref_: "EXP-2".into(),
            line: 1,
            reason: "keyed twice".into(),
        }),
    );
    for (goods, n, qty) in [(M, 1, dec!(618)), (P, 10, dec!(7))] {
        run(
            &mut s,
            Command::RecordStocktake(StocktakeInput {
                account: bk(),
                date: d("2026-12-31"),
                goods,
                item: ItemNo(n),
                qty,
            }),
        );
    }
    s
}

fn rows_of(s: &Ledger) -> Vec<EmsChgoffDt> {
    let report = cycle_report(s, &bk(), Some(1), None).expect("report");
    let book = s.book(&bk()).expect("book");
    rows(&RowsOf {
        book,
        ems_no: BOOK,
        count: 1,
        start: report.start,
        end: report.end,
        stocktake_date: report.stocktake_date,
        materials: &report.materials,
    })
    .expect("fits")
}

#[test]
fn a_finished_item_row_counts_the_cycles_lines_and_its_count() {
    let rows = rows_of(&scenario());
    let [material, finished] = &rows[..] else {
        panic!("one material row, one finished row: {rows:?}")
    };
    // Material: 1000 imported; consumed 2 × (100 − 5) = 190, carried out 2 × 30 = 60 (in
    // csmTotalQty by default). Closing 1000 − 190 − 60 = 750.
    assert_eq!(material.typecd, "I");
    assert_eq!(material.csm_total_qty, Some(dec!(250)));
    assert_eq!(material.shd_remain_qty, Some(dec!(750)));
    // Finished 10 in 2026: exported 100 (the corrected 50 and 2027's 40 not counted), 30
    // carried out, 5 returned; 7 counted, which is its expected remainder too.
    assert_eq!(finished.typecd, "E");
    assert_eq!(finished.seqno, Some(10));
    assert_eq!(finished.imp_or_exp_total_qty, Some(dec!(100)));
    assert_eq!(finished.dprcs_crdw_impexp_qty, Some(dec!(30)));
    assert_eq!(finished.endprd_retn_exch_imp_qty, Some(dec!(5)));
    assert_eq!(finished.endprd_retn_exch_exp_qty, Some(dec!(0)));
    assert_eq!(finished.sdin_qty, Some(dec!(0)));
    assert_eq!(
        (
            finished.shd_remain_qty,
            finished.actl_remain_qty,
            finished.dsml_qty
        ),
        (Some(dec!(7)), Some(dec!(7)), Some(dec!(0)))
    );
}

/// The cycle report gives a material's figures in its legal unit too: × 0.175 kg, exact.
#[test]
fn the_cycle_report_gives_the_legal_unit_figures() {
    let report = cycle_report(&scenario(), &bk(), Some(1), None).expect("report");
    let m = &report.materials[0];
    // Closing 750 pieces; counted 618 + 7 finished × 2 = 632; difference −118.
    assert_eq!(
        (m.closing, m.stocktake, m.difference),
        (dec!(750), Some(dec!(632)), Some(dec!(-118)))
    );
    let legal = m.legal.as_ref().expect("registered with a legal unit");
    assert_eq!(legal.unit, "035");
    assert_eq!(
        (
            legal.opening,
            legal.closing,
            legal.stocktake,
            legal.difference
        ),
        (dec!(0), dec!(131.25), Some(dec!(110.6)), Some(dec!(-20.65)))
    );
}

#[test]
fn the_next_cycle_has_only_its_own_finished_lines() {
    let s = scenario();
    let book = s.book(&bk()).expect("book");
    let next = book
        .lines
        .finished()
        .between(d("2027-01-01"), d("2027-12-31"))
        .expect("fits");
    assert_eq!(next[&ItemNo(10)].get(FinishedColumn::Exported), dec!(40));
}

/// The book's row for material 1 in the cases below: opening 3000, 150000 in, 141200.5
/// consumed, 500 sold at home, closing 11299.5, counted 11250.
fn ours() -> EmsChgoffDt {
    EmsChgoffDt {
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
        ..EmsChgoffDt::default()
    }
}

/// Customs' row saying exactly what the book says.
fn theirs() -> WriteOffRow {
    WriteOffRow {
        goods: "I".into(),
        item: Some(1),
        opening: Some(dec!(3000)),
        imported_or_exported: Some(dec!(150000)),
        deep_processing: Some(dec!(0)),
        consumed: Some(dec!(141200.5)),
        domestic_sold: Some(dec!(500)),
        re_exported: Some(dec!(0)),
        remaining_out: Some(dec!(0)),
        destroyed: Some(dec!(0)),
        added: Some(dec!(0)),
        reduced: Some(dec!(0)),
        expected_remaining: Some(dec!(11299.5)),
        counted: Some(dec!(11250)),
        difference: Some(dec!(-49.5)),
    }
}

type Diff = (
    &'static str,
    u32,
    &'static str,
    Option<Decimal>,
    Option<Decimal>,
);

#[test]
fn customs_answer_against_the_book_table() {
    #[allow(clippy::type_complexity)]
    let cases: Vec<(
        &str,
        Vec<WriteOffRow>,
        Vec<Diff>,
        Vec<(u32, Decimal, Decimal)>,
    )> = vec![
        ("agree", vec![theirs()], vec![], vec![]),
        (
            // Customs reduced the expected remainder by the shortage (核减 49.5): 11299.5 −
            // 49.5 = 11250. An adjustment, not a difference.
            "customs reduced the shortage",
            vec![WriteOffRow {
                reduced: Some(dec!(49.5)),
                expected_remaining: Some(dec!(11250)),
                difference: Some(dec!(0)),
                ..theirs()
            }],
            vec![],
            vec![(1, dec!(0), dec!(49.5))],
        ),
        (
            // Customs put 3000 of the imports under deep processing: the same 150000 in.
            "split differently, same sum",
            vec![WriteOffRow {
                imported_or_exported: Some(dec!(147000)),
                deep_processing: Some(dec!(3000)),
                ..theirs()
            }],
            vec![],
            vec![],
        ),
        (
            // Customs counts 141300.5 consumed (100 more) and so 11199.5 expected.
            "customs counts more consumption",
            vec![WriteOffRow {
                consumed: Some(dec!(141300.5)),
                expected_remaining: Some(dec!(11199.5)),
                ..theirs()
            }],
            vec![
                (
                    "I",
                    1,
                    "csmTotalQty + remainMtpckTrfoutQty",
                    Some(dec!(141200.5)),
                    Some(dec!(141300.5)),
                ),
                (
                    "I",
                    1,
                    "shdRemainQty (before customs' adjustments)",
                    Some(dec!(11299.5)),
                    Some(dec!(11199.5)),
                ),
            ],
            vec![],
        ),
        (
            // Empty elements read as 0: a missing re-export is no difference.
            "customs leaves zero columns out",
            vec![WriteOffRow {
                re_exported: None,
                destroyed: None,
                ..theirs()
            }],
            vec![],
            vec![],
        ),
        (
            // Customs has item 2 (200 expected) the book has no row for; and no row for item 1.
            "rows only one side has",
            vec![WriteOffRow {
                goods: "I".into(),
                item: Some(2),
                expected_remaining: Some(dec!(200)),
                ..WriteOffRow::default()
            }],
            vec![
                ("I", 1, "row", Some(dec!(11299.5)), None),
                ("I", 2, "row", None, Some(dec!(200))),
            ],
            vec![],
        ),
        ("customs sent no rows", vec![], vec![], vec![]),
    ];
    for (name, customs, want_diffs, want_adjustments) in cases {
        let (diffs, adjustments) = compare(&[ours()], &customs);
        let got: Vec<Diff> = diffs
            .iter()
            .map(|x| {
                (
                    if x.goods == "I" { "I" } else { "E" },
                    x.item,
                    // Leak-free comparison: map the column back to the expected literal.
                    want_diffs
                        .iter()
                        .map(|w| w.2)
                        .find(|c| *c == x.column)
                        .unwrap_or("unexpected column"),
                    x.book,
                    x.customs,
                )
            })
            .collect();
        let mut got_sorted = got.clone();
        got_sorted.sort_by_key(|g| (g.1, g.2));
        let mut want_sorted = want_diffs.clone();
        want_sorted.sort_by_key(|g| (g.1, g.2));
        assert_eq!(got_sorted, want_sorted, "{name}: {diffs:?}");
        let adj: Vec<(u32, Decimal, Decimal)> = adjustments
            .iter()
            .map(|a| (a.item, a.added, a.reduced))
            .collect();
        assert_eq!(adj, want_adjustments, "{name}");
    }
}
