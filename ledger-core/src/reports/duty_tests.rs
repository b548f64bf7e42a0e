//! Hand-computed cases for the duty engine. The arithmetic is in a comment beside each row.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::decide::decide;
use crate::events::commands::*;
use crate::model::book::{BookHeader, Level};
use crate::model::customs_value::Incoterm;
use crate::model::trade_mode::{BookKind, Direction, GoodsKind, TradeMode};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn rates(duty: Decimal, vat: Decimal, ct: Decimal) -> TariffRates {
    TariffRates {
        duty_pct: duty,
        vat_pct: vat,
        consumption_pct: ct,
    }
}

#[test]
fn taxes_per_line() {
    let cases = [
        // 10000 × 5% = 500.00; VAT (10000 + 500) × 13% = 1365.00
        (
            dec!(10000),
            rates(dec!(5), dec!(13), dec!(0)),
            (dec!(500.00), dec!(0), dec!(1365.00)),
        ),
        // 1234.56 × 8% = 98.7648 → 98.76; VAT 1333.32 × 13% = 173.3316 → 173.33
        (
            dec!(1234.56),
            rates(dec!(8), dec!(13), dec!(0)),
            (dec!(98.76), dec!(0), dec!(173.33)),
        ),
        // consumption tax: duty 1000 × 10% = 100; CT (1000 + 100) / 0.9 × 0.1 = 122.2222… → 122.22;
        // VAT (1000 + 100 + 122.22) × 13% = 158.8886 → 158.89
        (
            dec!(1000),
            rates(dec!(10), dec!(13), dec!(10)),
            (dec!(100.00), dec!(122.22), dec!(158.89)),
        ),
        // half-up at the midpoint: 100.10 × 5% = 5.005 → 5.01; VAT 105.11 × 13% = 13.6643 → 13.66
        (
            dec!(100.10),
            rates(dec!(5), dec!(13), dec!(0)),
            (dec!(5.01), dec!(0), dec!(13.66)),
        ),
        // 9% VAT, no duty: 200 × 9% = 18.00
        (
            dec!(200),
            rates(dec!(0), dec!(9), dec!(0)),
            (dec!(0), dec!(0), dec!(18.00)),
        ),
        // Sensitive to the order of rounding (the contract: VAT on value + *rounded* duty):
        // duty 13.08 × 5% = 0.654 → 0.65; VAT (13.08 + 0.65) × 13% = 1.7849 → 1.78.
        // Taxing the unrounded duty gives (13.08 + 0.654) × 13% = 1.78542 → 1.79: wrong.
        (
            dec!(13.08),
            rates(dec!(5), dec!(13), dec!(0)),
            (dec!(0.65), dec!(0), dec!(1.78)),
        ),
        // The same with a consumption tax of 10 %: duty 0.65; CT (13.08 + 0.65) / 0.9 × 0.1
        // = 1.52555… → 1.53; VAT (13.08 + 0.65 + 1.53) × 13% = 1.9838 → 1.98 (unrounded
        // duty and CT: (13.08 + 0.654 + 1.526) × 13% = 1.9838 → 1.98 too; the case above is
        // the one that tells them apart).
        (
            dec!(13.08),
            rates(dec!(5), dec!(13), dec!(10)),
            (dec!(0.65), dec!(1.53), dec!(1.98)),
        ),
    ];
    for (value, r, (duty, ct, vat)) in cases {
        let t = taxes_on(value, &r).expect("fits");
        assert_eq!(
            (t.duty, t.consumption_tax, t.vat),
            (duty, ct, vat),
            "value {value}"
        );
    }
}

#[test]
fn fifty_yuan_rule_per_tax_type() {
    let t = Taxes {
        duty: dec!(49.99),
        consumption_tax: dec!(0),
        vat: dec!(50.00),
    };
    // 49.99 is under 50: not levied; 50.00 is not under 50: levied.
    assert_eq!(
        t.levied(),
        Taxes {
            duty: dec!(0),
            consumption_tax: dec!(0),
            vat: dec!(50.00)
        }
    );
}

#[test]
fn deferred_interest_table() {
    let cases = [
        // 10000 × 366 days (2024 is a leap year) × 0.35% / 360 = 35.5833… → 35.58
        (
            dec!(10000),
            (d("2025-01-01") - d("2024-01-01")).num_days(),
            dec!(0.35),
            dec!(35.58),
        ),
        // February 2024 has 29 days: 1365 × 29 × 0.35% / 360 = 0.38485… → 0.38
        (
            dec!(1365),
            (d("2024-03-01") - d("2024-02-01")).num_days(),
            dec!(0.35),
            dec!(0.38),
        ),
        // 2025 is not: 1365 × 28 × 0.35% / 360 = 0.3715833… → 0.37
        (
            dec!(1365),
            (d("2025-03-01") - d("2025-02-01")).num_days(),
            dec!(0.35),
            dec!(0.37),
        ),
        // no days, no interest
        (dec!(1365), 0, dec!(0.35), dec!(0)),
        // Another rate: 10000 × 30 × 1.5% / 360 = 12.50
        (dec!(10000), 30, dec!(1.5), dec!(12.50)),
        // 1365 × 31 × 0.8% / 360 = 338.52 / 360 = 0.94033… → 0.94
        (dec!(1365), 31, dec!(0.8), dec!(0.94)),
        // across a year end with a leap day: 2023-12-01 to 2024-03-01 = 31 + 31 + 29 = 91
        // days; 5000 × 91 × 2.25% / 360 = 10237.5 / 360 = 28.4375 → 28.44
        (
            dec!(5000),
            (d("2024-03-01") - d("2023-12-01")).num_days(),
            dec!(2.25),
            dec!(28.44),
        ),
    ];
    for (tax, days, pct, want) in cases {
        assert_eq!(
            deferred_interest(tax, days, pct),
            Some(want),
            "{tax} {days}"
        );
    }
}

#[test]
fn late_fee_table() {
    let unpaid = Taxes {
        duty: dec!(500),
        consumption_tax: dec!(0),
        vat: dec!(1365),
    };
    let cases = [
        // 10 days: duty 500 × 0.05% × 10 = 2.50 (< 50, not collected); VAT 1365 × 0.005 = 6.825 → 6.83 (< 50)
        (10, dec!(0)),
        // 100 days: duty 25.00 (< 50); VAT 1365 × 0.05 = 68.25 → collected
        (100, dec!(68.25)),
        // 200 days: duty 50.00 (collected); VAT 136.50
        (200, dec!(186.50)),
        (0, dec!(0)),
    ];
    for (days, want) in cases {
        assert_eq!(late_fee(&unpaid, days), Some(want), "{days} days");
    }
}

const BOOK: &str = "E44038000001";

fn book() -> crate::model::ids::BookNo {
    BOOK.parse().expect("book")
}

fn run(state: &mut Ledger, cmd: Command) {
    for d in decide(state, &cmd).expect("accepted") {
        state.evolve(d.id, &d.event);
    }
}

fn line(
    ref_: &str,
    date: &str,
    mode: TradeMode,
    dir: Direction,
    goods: GoodsKind,
    item: u32,
    qty: Decimal,
) -> MovementLine {
    MovementLine {
        ref_: ref_.into(),
        line: 1,
        date: d(date),
        account: book(),
        mode,
        dir,
        goods,
        qty,
        item: Some(crate::model::ids::ItemNo(item)),
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

/// An import of material 1 (0615), `qty` at `price` USD CIF.
fn usd_import(ref_: &str, date: &str, qty: Decimal, price: Decimal) -> MovementLine {
    let mut l = line(
        ref_,
        date,
        TradeMode::M0615,
        Direction::I,
        GoodsKind::M,
        1,
        qty,
    );
    l.unit_price = Some(price);
    l.currency = Some("USD".parse().expect("usd"));
    l
}

/// A purchased book with material 1 (HS 8542319000, duty 5%, VAT 13%), finished item 1 using
/// 2 of it (no loss), scrap item 1 (HS 7404000000, duty 0, VAT 13%), USD at 7.1 in March and
/// 7.2 in April 2025, interest 0.35% from 2015-10-24, and two imports in March:
/// 100 units CIF 2.00 USD (= 200.00) and 300 units FOB 3.00 USD with freight 10.00 and no
/// insurance (900 + 10 + (910 × 3‰ = 2.73) = 912.73).
fn fixture() -> Ledger {
    let mut s = Ledger::new();
    run(
        &mut s,
        Command::OpenBook(BookHeader {
            account: book(),
            company: "4403960001".parse().expect("company"),
            kind: BookKind::Purchased,
            level: Level::Item,
            capacity_usd: dec!(1000000),
            cycle_start: d("2025-01-01"),
            cycle_months: 12,
            headings: vec![],
        }),
    );
    for (month, rate) in [((2025, 3), dec!(7.1)), ((2025, 4), dec!(7.2))] {
        run(
            &mut s,
            Command::SetFxRate(FxInput {
                month,
                currency: "USD".parse().expect("usd"),
                cny_per_unit: rate,
            }),
        );
    }
    run(
        &mut s,
        Command::SetInterestRate(InterestInput {
            from: d("2015-10-24"),
            annual_pct: dec!(0.35),
        }),
    );
    for (hs, duty) in [("8542319000", dec!(5)), ("7404000000", dec!(0))] {
        run(
            &mut s,
            Command::SetTariff(TariffInput {
                hs: hs.parse().expect("hs"),
                from: d("2025-01-01"),
                duty_pct: duty,
                vat_pct: dec!(13),
                consumption_pct: None,
            }),
        );
    }
    for (goods, hs) in [
        (GoodsKind::M, "8542319000"),
        (GoodsKind::P, "8471500000"),
        (GoodsKind::S, "7404000000"),
    ] {
        run(
            &mut s,
            Command::RegisterItem(ItemInput {
                account: book(),
                goods,
                item: crate::model::ids::ItemNo(1),
                hs: hs.parse().expect("hs"),
                name: format!("{goods} one"),
                unit: "个".parse().expect("unit"),
                spec: None,
                price: None,
                currency: None,
                parts: vec![],
                legal: Default::default(),
            }),
        );
    }
    run(
        &mut s,
        Command::DeclareUnitConsumption(BomInput {
            account: book(),
            product: crate::model::ids::ItemNo(1),
            material: crate::model::ids::ItemNo(1),
            version: 0,
            net: dec!(2),
            tangible_loss_pct: dec!(0),
            intangible_loss_pct: dec!(0),
            bonded_pct: dec!(100),
        }),
    );
    run(
        &mut s,
        Command::RecordMovement(usd_import("IMP-1", "2025-03-01", dec!(100), dec!(2))),
    );
    let mut b = line(
        "IMP-2",
        "2025-03-05",
        TradeMode::M0615,
        Direction::I,
        GoodsKind::M,
        1,
        dec!(300),
    );
    b.unit_price = Some(dec!(3));
    b.currency = Some("USD".parse().expect("usd"));
    b.incoterm = Some(Incoterm::FOB);
    b.freight = Some(dec!(10));
    run(&mut s, Command::RecordMovement(b));
    s
}

#[test]
fn weighted_average_import_price_at_the_filing_months_rate() {
    let mut s = fixture();
    run(
        &mut s,
        Command::RecordMovement(line(
            "DS-1",
            "2025-03-20",
            TradeMode::M0644,
            Direction::I,
            GoodsKind::M,
            1,
            dec!(50),
        )),
    );
    let dec_ = assess(
        &s,
        &book(),
        "2025-03".parse().expect("period"),
        d("2025-04-10"),
    )
    .expect("assessed");
    assert_eq!(dec_.due, d("2025-04-15"));
    assert_eq!(dec_.lines.len(), 1);
    let l = &dec_.lines[0];
    // average = (200.00 + 912.73) / 400 = 2.781825 USD; April's rate 7.2:
    // 50 × 2.781825 × 7.2 = 1001.457 → 1001.46 CNY
    assert_eq!(l.unit_value, dec!(2.781825));
    assert_eq!(l.value_cny, dec!(1001.46));
    // duty 1001.46 × 5% = 50.073 → 50.07; VAT (1001.46 + 50.07) × 13% = 136.6989 → 136.70
    assert_eq!((l.duty, l.vat), (dec!(50.07), dec!(136.70)));
    // interest from the first import (2025-03-01) to filing (2025-04-10): 40 days;
    // (50.07 + 136.70) × 40 × 0.35% / 360 = 0.07263… → 0.07
    assert_eq!(dec_.interest_days, 40);
    assert_eq!(dec_.totals.interest, dec!(0.07));
    assert_eq!(dec_.totals.total, dec!(186.84));
}

#[test]
fn the_average_import_price_is_of_the_sales_cycle_or_the_latest_earlier_one_with_imports() {
    // Cycles of 12 months from 2025-01-01. Cycle 1 has the fixture's two March imports
    // (400 units for 1112.73 USD: 2.781825 each); cycle 2 one import on 2026-02-10 of 10
    // units at 5.00 USD CIF.
    let mut s = fixture();
    run(
        &mut s,
        Command::RecordMovement(usd_import("IMP-3", "2026-02-10", dec!(10), dec!(5))),
    );
    let ledger_book = s.book(&book()).expect("book");
    let cases = [
        // (sale date, expected unit value in USD, why)
        (
            "2025-03-01",
            dec!(2),
            "cycle 1, only the first import made by then",
        ),
        (
            "2025-12-31",
            dec!(2.781825),
            "cycle 1's last day: both March imports",
        ),
        (
            "2026-01-01",
            dec!(2.781825),
            "cycle 2 before its import: cycle 1's",
        ),
        (
            "2026-02-09",
            dec!(2.781825),
            "the day before cycle 2's import: cycle 1's",
        ),
        ("2026-02-10", dec!(5), "cycle 2 from its import on"),
        (
            "2027-06-30",
            dec!(5),
            "cycle 3 has none: cycle 2's, the latest earlier",
        ),
    ];
    for (date, want, why) in cases {
        let (_, unit, currency) = crate::reports::duty::average_import_price(
            &s,
            ledger_book,
            crate::model::ids::ItemNo(1),
            d(date),
            d("2025-04-10"),
        )
        .unwrap_or_else(|r| panic!("{date}: {r}"));
        assert_eq!((unit, currency.as_str()), (want, "USD"), "{date}: {why}");
    }
    // Before the first cycle there is no import and no opening price to fall back on.
    let none = crate::reports::duty::average_import_price(
        &s,
        ledger_book,
        crate::model::ids::ItemNo(1),
        d("2024-12-31"),
        d("2025-04-10"),
    );
    assert!(
        matches!(none, Err(Refusal::NoImportPrice { .. })),
        "{none:?}"
    );
}

/// A file of earlier dates loaded after a later one: the import lots are kept in date order
/// and each sale averages the lots of its own cycle up to its day, whatever the order they
/// were recorded in.
#[test]
fn imports_recorded_out_of_date_order_are_averaged_by_date() {
    let mut s = fixture();
    run(
        &mut s,
        Command::RecordMovement(usd_import("IMP-3", "2026-02-10", dec!(10), dec!(5))),
    );
    // Recorded last, dated first: 100 units CIF 1.00 USD.
    run(
        &mut s,
        Command::RecordMovement(usd_import("IMP-0", "2025-02-01", dec!(100), dec!(1))),
    );
    let ledger_book = s.book(&book()).expect("book");
    let dates: Vec<NaiveDate> = ledger_book.imports[&crate::model::ids::ItemNo(1)]
        .iter()
        .map(|l| l.date)
        .collect();
    assert_eq!(
        dates,
        vec![
            d("2025-02-01"),
            d("2025-03-01"),
            d("2025-03-05"),
            d("2026-02-10")
        ]
    );
    let cases = [
        // (sale date, expected unit value in USD, worked out by hand)
        (
            "2025-01-31",
            None,
            "before every import of cycle 1, and no earlier cycle",
        ),
        ("2025-02-01", Some(dec!(1)), "IMP-0 alone: 100 / 100"),
        (
            "2025-03-01",
            Some(dec!(1.5)),
            "IMP-0 and IMP-1: (100 + 200) / 200",
        ),
        (
            "2025-12-31",
            Some(dec!(2.42546)),
            "all of cycle 1: (100 + 200 + 912.73) / 500",
        ),
        (
            "2026-01-01",
            Some(dec!(2.42546)),
            "cycle 2 before its import: cycle 1's",
        ),
        ("2026-02-10", Some(dec!(5)), "cycle 2's own import"),
    ];
    for (date, want, why) in cases {
        let got = crate::reports::duty::average_import_price(
            &s,
            ledger_book,
            crate::model::ids::ItemNo(1),
            d(date),
            d("2025-04-10"),
        )
        .ok()
        .map(|(_, unit, _)| unit);
        assert_eq!(got, want, "{date}: {why}");
    }
}

#[test]
fn finished_goods_convert_to_materials_and_scrap_has_no_interest() {
    let mut s = fixture();
    // 10 finished units sold: 10 × 2 = 20 of material 1.
    run(
        &mut s,
        Command::RecordMovement(line(
            "DS-2",
            "2025-03-21",
            TradeMode::M0644,
            Direction::I,
            GoodsKind::P,
            1,
            dec!(10),
        )),
    );
    // Scrap: produced by a work order, then sold at 15.5 CNY a unit.
    run(
        &mut s,
        Command::RecordWorkOrder(WorkOrderInput {
            account: book(),
            order: "WO-1".into(),
            date: d("2025-03-10"),
            product: crate::model::ids::ItemNo(1),
            produced: dec!(10),
            material: crate::model::ids::ItemNo(1),
            issued: dec!(20),
            scrap_item: Some(crate::model::ids::ItemNo(1)),
            scrap_qty: dec!(40).into(),
        }),
    );
    let mut scrap = line(
        "SC-1",
        "2025-03-22",
        TradeMode::M0844,
        Direction::I,
        GoodsKind::S,
        1,
        dec!(40),
    );
    scrap.unit_price = Some(dec!(15.5));
    run(&mut s, Command::RecordMovement(scrap));
    let dec_ = assess(
        &s,
        &book(),
        "2025-03".parse().expect("period"),
        d("2025-04-10"),
    )
    .expect("assessed");
    assert_eq!(dec_.lines.len(), 2);
    let fg = &dec_.lines[0];
    // 20 × 2.781825 × 7.2 = 400.5828 → 400.58; duty 20.029 → 20.03; VAT 420.61 × 13% = 54.6793 → 54.68
    assert_eq!(
        (fg.product, fg.qty, fg.value_cny, fg.duty, fg.vat),
        (
            Some(crate::model::ids::ItemNo(1)),
            dec!(20),
            dec!(400.58),
            dec!(20.03),
            dec!(54.68)
        )
    );
    let sc = &dec_.lines[1];
    // 40 × 15.5 = 620.00 CNY; no duty; VAT 80.60
    assert_eq!(
        (sc.scrap, sc.value_cny, sc.duty, sc.vat),
        (true, dec!(620.00), dec!(0.00), dec!(80.60))
    );
    // Totals: duty 20.03 < 50 → not levied; VAT 54.68 + 80.60 = 135.28 levied.
    assert_eq!((dec_.totals.duty, dec_.totals.vat), (dec!(0), dec!(135.28)));
    // Interest only on the non-scrap VAT: 54.68 × 40 × 0.35% / 360 = 0.02126… → 0.02
    assert_eq!(dec_.totals.interest, dec!(0.02));
    assert_eq!(dec_.totals.total, dec!(135.30));
}

#[test]
fn a_line_without_a_tariff_rate_is_refused_naming_the_code() {
    let mut s = fixture();
    // Material 2's HS code has no tariff loaded.
    run(
        &mut s,
        Command::RegisterItem(ItemInput {
            account: book(),
            goods: GoodsKind::M,
            item: crate::model::ids::ItemNo(2),
            hs: "8542399000".parse().expect("hs"),
            name: "M two".into(),
            unit: "个".parse().expect("unit"),
            spec: None,
            price: Some(dec!(1)),
            currency: Some("USD".parse().expect("usd")),
            parts: vec![],
            legal: Default::default(),
        }),
    );
    run(
        &mut s,
        Command::RecordMovement(line(
            "IMP-3",
            "2025-03-02",
            TradeMode::M0615,
            Direction::I,
            GoodsKind::M,
            2,
            dec!(10),
        )),
    );
    run(
        &mut s,
        Command::RecordMovement(line(
            "DS-1",
            "2025-03-20",
            TradeMode::M0644,
            Direction::I,
            GoodsKind::M,
            2,
            dec!(5),
        )),
    );
    let r = assess(
        &s,
        &book(),
        "2025-03".parse().expect("period"),
        d("2025-04-10"),
    )
    .expect_err("refused");
    assert!(
        matches!(&r, Refusal::NoTariff { hs, .. } if hs == "8542399000"),
        "{r}"
    );
    assert!(r.to_string().contains("8542399000"), "{r}");
}

fn sale(s: &mut Ledger, ref_: &str, date: &str, qty: Decimal) {
    run(
        s,
        Command::RecordMovement(line(
            ref_,
            date,
            TradeMode::M0644,
            Direction::I,
            GoodsKind::M,
            1,
            qty,
        )),
    );
}

fn march() -> crate::model::period::Period {
    "2025-03".parse().expect("period")
}

fn obligation<'a>(
    r: &'a crate::reports::deadlines::DeadlineReport,
    period: &str,
) -> &'a crate::reports::deadlines::Obligation {
    r.obligations
        .iter()
        .find(|o| o.period == period)
        .expect("obligation")
}

#[test]
fn filing_freezes_the_figures() {
    let mut s = fixture();
    sale(&mut s, "DS-1", "2025-03-20", dec!(50));
    let filed_cmd = Command::FileDuty {
        account: book(),
        period: march(),
        date: d("2025-04-10"),
    };
    run(&mut s, filed_cmd.clone());
    // A later tariff change (duty 10 % from 2025-04-01) changes a fresh assessment …
    run(
        &mut s,
        Command::SetTariff(TariffInput {
            hs: "8542319000".parse().expect("hs"),
            from: d("2025-04-01"),
            duty_pct: dec!(10),
            vat_pct: dec!(13),
            consumption_pct: None,
        }),
    );
    let fresh = assess(&s, &book(), march(), d("2025-04-10")).expect("assessed");
    // 1001.46 × 10 % = 100.146 → 100.15
    assert_eq!(fresh.totals.duty, dec!(100.15));
    // … but not the declaration as filed.
    let frozen = &s.book(&book()).expect("book").duty_filed[&march()];
    assert_eq!(
        (frozen.totals.duty, frozen.totals.total),
        (dec!(50.07), dec!(186.84))
    );
    // Filing the same again is a repeat; filing on another day is refused.
    assert!(decide(&s, &filed_cmd).expect("repeat").is_empty());
    let other = Command::FileDuty {
        account: book(),
        period: march(),
        date: d("2025-04-11"),
    };
    assert_eq!(
        decide(&s, &other).expect_err("refused").class(),
        crate::model::refusal::RefusalClass::Rule
    );
    let r = crate::reports::deadlines::deadlines(&s, &book(), d("2025-05-01")).expect("deadlines");
    let o = obligation(&r, "2025-03");
    assert_eq!(
        (o.status, o.late_fee_cny, o.done_on),
        (
            crate::reports::deadlines::Status::Done,
            dec!(0),
            Some(d("2025-04-10"))
        )
    );
}

/// The first open duty period (the workspace's duty page opens on it) is the first
/// domestic-sales obligation of the deadlines not done, found without assessing.
#[test]
fn the_first_open_duty_period_is_the_deadlines_first_not_done() {
    use crate::reports::deadlines::{deadlines, first_open_duty_period, ObligationKind, Status};
    let mut s = fixture();
    sale(&mut s, "DS-1", "2025-03-20", dec!(50));
    sale(&mut s, "DS-2", "2025-04-02", dec!(10));
    let first_open = |s: &Ledger, on: &str| {
        let report = deadlines(s, &book(), d(on)).expect("deadlines");
        let from_deadlines = report
            .obligations
            .iter()
            .find(|o| o.kind == ObligationKind::DomesticSalesDuty && o.status != Status::Done)
            .map(|o| o.period.clone());
        let quick = first_open_duty_period(s.book(&book()).expect("book"), d(on));
        assert_eq!(quick.map(|p| p.to_string()), from_deadlines, "on {on}");
        quick.map(|p| p.to_string())
    };
    assert_eq!(first_open(&s, "2025-03-19"), None, "no sale yet");
    assert_eq!(first_open(&s, "2025-03-25").as_deref(), Some("2025-03"));
    assert_eq!(first_open(&s, "2025-05-01").as_deref(), Some("2025-03"));
    run(
        &mut s,
        Command::FileDuty {
            account: book(),
            period: march(),
            date: d("2025-04-10"),
        },
    );
    assert_eq!(
        first_open(&s, "2025-04-09").as_deref(),
        Some("2025-03"),
        "filed later"
    );
    assert_eq!(first_open(&s, "2025-05-01").as_deref(), Some("2025-04"));
}

#[test]
fn deadlines_open_then_overdue_with_late_fees() {
    let mut s = fixture();
    sale(&mut s, "DS-1", "2025-03-20", dec!(300));
    use crate::reports::deadlines::{deadlines, Status};
    // Before the sale, no duty is due (the cycle's report is, later).
    let before = deadlines(&s, &book(), d("2025-03-19")).expect("report");
    assert!(before
        .obligations
        .iter()
        .all(|o| o.kind != crate::reports::deadlines::ObligationKind::DomesticSalesDuty));
    let r = deadlines(&s, &book(), d("2025-04-01")).expect("report");
    let o = obligation(&r, "2025-03");
    assert_eq!(
        (o.due, o.status, o.days_left, o.late_fee_cny),
        (d("2025-04-15"), Status::Open, 14, dec!(0))
    );
    // 200 days late (2025-04-15 + 200 = 2025-11-01). The tax due on 2025-04-15:
    // value 300 × 2.781825 × 7.2 = 6008.742 → 6008.74; duty 5 % = 300.437 → 300.44;
    // VAT (6008.74 + 300.44) × 13 % = 820.1934 → 820.19.
    // Fees: duty 300.44 × 0.05 % × 200 = 30.04 (< 50, not collected); VAT 820.19 × 0.05 % × 200 = 82.019 → 82.02.
    let r = deadlines(&s, &book(), d("2025-11-01")).expect("report");
    let o = obligation(&r, "2025-03");
    assert_eq!(
        (o.status, o.days_left, o.late_fee_cny),
        (Status::Overdue, -200, dec!(82.02))
    );
    // Filed that day (November's rate also 7.2): done, with the fee of the days it was late.
    run(
        &mut s,
        Command::SetFxRate(FxInput {
            month: (2025, 11),
            currency: "USD".parse().expect("usd"),
            cny_per_unit: dec!(7.2),
        }),
    );
    run(
        &mut s,
        Command::FileDuty {
            account: book(),
            period: march(),
            date: d("2025-11-01"),
        },
    );
    let r = deadlines(&s, &book(), d("2025-12-01")).expect("report");
    let o = obligation(&r, "2025-03");
    assert_eq!((o.status, o.late_fee_cny), (Status::Done, dec!(82.02)));
    // As of a day before the filing, it was still overdue.
    assert_eq!(
        obligation(
            &deadlines(&s, &book(), d("2025-10-31")).expect("report"),
            "2025-03"
        )
        .status,
        Status::Overdue
    );
}

#[test]
fn december_and_quarterly_deadlines() {
    use crate::model::book::{DutyPeriod, Setting};
    let mut s = fixture();
    sale(&mut s, "DS-12", "2025-12-10", dec!(1));
    let r = crate::reports::deadlines::deadlines(&s, &book(), d("2025-12-15")).expect("report");
    // December's sales never cross the year end: due 31 December.
    assert_eq!(obligation(&r, "2025-12").due, d("2025-12-31"));

    let mut q = fixture();
    run(
        &mut q,
        Command::ChangeSettings {
            account: book(),
            changes: vec![Setting::DutyPeriod(DutyPeriod::Quarterly)],
        },
    );
    sale(&mut q, "DS-1", "2025-03-20", dec!(1));
    sale(&mut q, "DS-2", "2025-08-02", dec!(1));
    let r = crate::reports::deadlines::deadlines(&q, &book(), d("2025-08-31")).expect("report");
    assert_eq!(obligation(&r, "2025-Q1").due, d("2025-04-15"));
    assert_eq!(obligation(&r, "2025-Q3").due, d("2025-10-15"));
    // A monthly period on a quarterly book is bad input.
    let monthly = Command::FileDuty {
        account: book(),
        period: march(),
        date: d("2025-04-10"),
    };
    assert_eq!(
        decide(&q, &monthly).expect_err("refused").class(),
        crate::model::refusal::RefusalClass::BadInput
    );
}

#[test]
fn a_quote_values_a_sale_without_recording_it() {
    let s = fixture();
    let q = quote(
        &s,
        &book(),
        GoodsKind::M,
        crate::model::ids::ItemNo(1),
        dec!(50),
        0,
        d("2025-04-10"),
        None,
    )
    .expect("quote");
    // As in the declaration above: 1001.46 CNY, duty 50.07, VAT 136.70, interest 0.07.
    assert_eq!(
        (q.totals.value_cny, q.totals.total),
        (dec!(1001.46), dec!(186.84))
    );
    assert_eq!(
        s.book(&book()).expect("book").materials[&crate::model::ids::ItemNo(1)].balance_total(),
        dec!(400)
    );
    // Finished goods: 10 units → 20 of material 1.
    let fg = quote(
        &s,
        &book(),
        GoodsKind::P,
        crate::model::ids::ItemNo(1),
        dec!(10),
        0,
        d("2025-04-10"),
        None,
    )
    .expect("quote");
    assert_eq!((fg.lines.len(), fg.lines[0].qty), (1, dec!(20)));
}

// ---------------------------------------------------------------------------------------------
// The arithmetic against an oracle in whole cents (i128): every figure exact, each rounding
// half-up written out as integer division, so a mistake in the order of rounding, a rate or a
// divisor in the engine shows as a different cent.
// ---------------------------------------------------------------------------------------------

/// `num / den` half-up, for non-negative `num` and positive `den`.
fn div_half_up(num: i128, den: i128) -> i128 {
    (2 * num + den) / (2 * den)
}

fn cents(c: i128) -> Decimal {
    Decimal::from_i128_with_scale(c, 2)
}

/// Rates given in hundredths of a percent (1300 = 13 %).
fn rates_bp(duty: i128, vat: i128, ct: i128) -> TariffRates {
    let pct = |bp: i128| Decimal::from_i128_with_scale(bp, 2);
    rates(pct(duty), pct(vat), pct(ct))
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

    /// duty = V × d; CT = (V + duty) × c / (1 − c); VAT = (V + duty + CT) × v; each rounded
    /// half-up to the cent before the next is computed, on values up to 10^12 yuan.
    #[test]
    fn taxes_match_the_whole_cent_oracle(
        value in 0i128..100_000_000_000_000,
        duty_bp in 0i128..=10_000,
        vat_bp in 0i128..=2_000,
        ct_bp in proptest::prop_oneof![3 => proptest::strategy::Just(0i128), 1 => 1i128..=5_000],
    ) {
        let duty = div_half_up(value * duty_bp, 10_000);
        let ct = div_half_up((value + duty) * ct_bp, 10_000 - ct_bp);
        let vat = div_half_up((value + duty + ct) * vat_bp, 10_000);
        let got = taxes_on(cents(value), &rates_bp(duty_bp, vat_bp, ct_bp)).expect("fits");
        proptest::prop_assert_eq!(
            (got.duty, got.consumption_tax, got.vat),
            (cents(duty), cents(ct), cents(vat))
        );
        // Every tax is written as an amount of money, with two decimals.
        proptest::prop_assert_eq!(
            (got.duty.scale(), got.consumption_tax.scale(), got.vat.scale()),
            (2, 2, 2)
        );
    }

    /// interest = tax × days × rate / 360, half-up to the cent; nothing for no days.
    #[test]
    fn deferred_interest_matches_the_whole_cent_oracle(
        tax in 0i128..10_000_000_000_000,
        days in -5i64..=800,
        rate_bp in 1i128..=2_000,
    ) {
        let want = if days <= 0 {
            0
        } else {
            div_half_up(tax * i128::from(days) * rate_bp, 100 * 100 * 360)
        };
        let got = deferred_interest(cents(tax), days, Decimal::from_i128_with_scale(rate_bp, 2))
            .expect("fits");
        proptest::prop_assert_eq!(got, cents(want));
        proptest::prop_assert_eq!(got.scale(), 2);
    }

    /// The late fee: 0.05 % a day of each unpaid tax, each half-up to the cent, those of 50 yuan
    /// or more summed.
    #[test]
    fn late_fee_matches_the_whole_cent_oracle(
        duty in 0i128..100_000_000,
        ct in 0i128..100_000_000,
        vat in 0i128..100_000_000,
        days in -5i64..=400,
    ) {
        let fee = |t: i128| div_half_up(t * 5 * i128::from(days), 10_000);
        let want: i128 = if days <= 0 {
            0
        } else {
            [duty, ct, vat].into_iter().map(fee).filter(|f| *f >= 5_000).sum()
        };
        let unpaid = Taxes { duty: cents(duty), consumption_tax: cents(ct), vat: cents(vat) };
        proptest::prop_assert_eq!(late_fee(&unpaid, days), Some(cents(want)));
    }

    /// The fifty-yuan rule: each tax under 50.00 is not levied, each of 50.00 or more is.
    #[test]
    fn fifty_yuan_rule_per_tax(duty in 0i128..20_000, ct in 0i128..20_000, vat in 0i128..20_000) {
        let levy = |t: i128| if t < 5_000 { 0 } else { t };
        let t = Taxes { duty: cents(duty), consumption_tax: cents(ct), vat: cents(vat) };
        let l = t.levied();
        proptest::prop_assert_eq!(
            (l.duty, l.consumption_tax, l.vat),
            (cents(levy(duty)), cents(levy(ct)), cents(levy(vat)))
        );
    }
}

/// The month's sales are the domestic sales dated in it: not another month's sale, not an
/// import or an export of the month.
#[test]
fn sales_in_takes_the_domestic_sales_of_the_period_only() {
    let mut s = fixture();
    for (ref_, date, mode, dir, goods, qty) in [
        (
            "DS-MAR",
            "2025-03-20",
            TradeMode::M0644,
            Direction::I,
            GoodsKind::M,
            dec!(5),
        ),
        (
            "DS-APR",
            "2025-04-02",
            TradeMode::M0644,
            Direction::I,
            GoodsKind::M,
            dec!(7),
        ),
        (
            "RE-MAR",
            "2025-03-21",
            TradeMode::M0664,
            Direction::E,
            GoodsKind::M,
            dec!(3),
        ),
    ] {
        run(
            &mut s,
            Command::RecordMovement(line(ref_, date, mode, dir, goods, 1, qty)),
        );
    }
    let b = s.book(&book()).expect("book");
    let refs = |p: &str| -> Vec<String> {
        sales_in(b, p.parse().expect("period"))
            .iter()
            .map(|r| r.line.ref_.clone())
            .collect()
    };
    assert_eq!(refs("2025-03"), ["DS-MAR"]);
    assert_eq!(refs("2025-04"), ["DS-APR"]);
    assert!(refs("2025-05").is_empty());
}

/// An item imported in several currencies is averaged in CNY, each lot at the filing month's
/// rate (DOMAIN.md §8): April 2025, USD 7.2 and EUR 7.8. The fixture's 400 units for
/// 1112.73 USD = 8011.656 CNY, and 100 units for 200.00 EUR = 1560.00 CNY:
/// (8011.656 + 1560) / 500 = 19.143312 CNY a unit, given in CNY.
#[test]
fn several_currencies_are_averaged_in_cny() {
    let mut s = fixture();
    for (month, rate) in [((2025, 3), dec!(7.7)), ((2025, 4), dec!(7.8))] {
        run(
            &mut s,
            Command::SetFxRate(FxInput {
                month,
                currency: "EUR".parse().expect("eur"),
                cny_per_unit: rate,
            }),
        );
    }
    let mut eur = usd_import("IMP-EUR", "2025-03-10", dec!(100), dec!(2));
    eur.currency = Some("EUR".parse().expect("eur"));
    run(&mut s, Command::RecordMovement(eur));
    let (cny, unit, currency) = crate::reports::duty::average_import_price(
        &s,
        s.book(&book()).expect("book"),
        crate::model::ids::ItemNo(1),
        d("2025-03-31"),
        d("2025-04-10"),
    )
    .expect("averaged");
    assert_eq!(
        (cny, unit, currency.as_str()),
        (dec!(19.143312), dec!(19.143312), "CNY")
    );
}

/// The interest rate is the one loaded and in force on the filing date, not 0.35 %: with
/// 1.5 % from 2025-04-01 (and 3 % only from the day after filing), March's sale filed on
/// 2025-04-10 pays (50.07 + 136.70) × 40 × 1.5 % / 360 = 0.3112833… → 0.31 (0.35 % gives 0.07).
#[test]
fn the_interest_rate_in_force_on_the_filing_date_applies() {
    let mut s = fixture();
    for (from, pct) in [("2025-04-01", dec!(1.5)), ("2025-04-11", dec!(3))] {
        run(
            &mut s,
            Command::SetInterestRate(InterestInput {
                from: d(from),
                annual_pct: pct,
            }),
        );
    }
    run(
        &mut s,
        Command::RecordMovement(line(
            "DS-1",
            "2025-03-20",
            TradeMode::M0644,
            Direction::I,
            GoodsKind::M,
            1,
            dec!(50),
        )),
    );
    let filed = assess(
        &s,
        &book(),
        "2025-03".parse().expect("period"),
        d("2025-04-10"),
    )
    .expect("assessed");
    assert_eq!(filed.interest_pct, dec!(1.5));
    assert_eq!(filed.interest_days, 40);
    assert_eq!(filed.totals.interest, dec!(0.31));
    // Filed a day later, the 3 % applies: 186.77 × 41 × 3 % / 360 = 0.6381… → 0.64.
    let later = assess(
        &s,
        &book(),
        "2025-03".parse().expect("period"),
        d("2025-04-11"),
    )
    .expect("assessed");
    assert_eq!(
        (later.interest_pct, later.totals.interest),
        (dec!(3), dec!(0.64))
    );
}

/// The month key of the exchange rates, written digit by digit, is `format!`'s.
#[test]
fn month_keys_are_year_dash_month() {
    for (y, m, want) in [
        (2025, 3, "2025-03"),
        (2025, 12, "2025-12"),
        (1999, 1, "1999-01"),
        (0, 7, "0000-07"),
        (9999, 10, "9999-10"),
        (10000, 1, "10000-01"),
        (-1, 2, "-001-02"),
    ] {
        let date = NaiveDate::from_ymd_opt(y, m, 1).expect("date");
        assert_eq!(super::month_key(date), want, "{y}-{m}");
        assert_eq!(super::month_key(date), format!("{y:04}-{m:02}"));
    }
}
