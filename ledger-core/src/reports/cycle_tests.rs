use super::*;

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

/// A book counted on 2026-12-31: 10 of material 1 on the shelf, 5 finished items (2 of
/// material 1 each, version 0: 10), and 20 of material 1 at a subcontractor since June
/// (sent 20, none back) — 40 in materials. Material 2 went to the subcontractor and came
/// back: 0 held, nothing added. Both materials' HS (3907400000) pays 10% duty and 13% VAT.
fn counted_book() -> (Ledger, crate::model::ids::BookNo) {
    use crate::decide::decide;
    use crate::events::commands::{BomInput, Command, ItemInput, MovementLine, StocktakeInput};
    use crate::model::book::{BookHeader, Level};
    use crate::model::trade_mode::BookKind;
    use rust_decimal_macros::dec;
    let mut s = Ledger::new();
    let mut run = |c: Command| {
        for x in decide(&s, &c).unwrap_or_else(|r| panic!("refused: {r}\n{c:?}")) {
            s.evolve(x.id, &x.event);
        }
    };
    let bk: crate::model::ids::BookNo = "E44038000001".parse().expect("book");
    run(Command::OpenBook(BookHeader {
        account: bk.clone(),
        company: "4403960001".parse().expect("company"),
        kind: BookKind::Purchased,
        level: Level::Item,
        capacity_usd: dec!(100000000),
        cycle_start: d("2026-01-01"),
        cycle_months: 12,
        headings: vec![],
    }));
    for (goods, n, hs) in [
        (GoodsKind::M, 1, "3907400000"),
        (GoodsKind::M, 2, "3907400000"),
        (GoodsKind::P, 1, "8471500000"),
    ] {
        run(Command::RegisterItem(ItemInput {
            account: bk.clone(),
            goods,
            item: ItemNo(n),
            hs: hs.parse().expect("hs"),
            name: format!("{goods} {n}"),
            unit: "个".parse().expect("unit"),
            spec: None,
            price: None,
            currency: None,
            parts: vec![],
            legal: Default::default(),
        }));
    }
    run(Command::DeclareUnitConsumption(BomInput {
        account: bk.clone(),
        product: ItemNo(1),
        material: ItemNo(1),
        version: 0,
        net: dec!(2),
        tangible_loss_pct: dec!(0),
        intangible_loss_pct: dec!(0),
        bonded_pct: dec!(100),
    }));
    let line = |r: &str, date: &str, what: &str, item: u32, qty| {
        let w: Vec<&str> = what.split(' ').collect();
        MovementLine {
            ref_: r.into(),
            line: 1,
            date: d(date),
            account: bk.clone(),
            mode: w[0].parse().expect("mode"),
            dir: w[1].parse().expect("dir"),
            goods: w[2].parse().expect("goods"),
            qty,
            item: Some(ItemNo(item)),
            part: None,
            unit_price: Some(dec!(1)),
            currency: Some(crate::model::ids::Currency::cny()),
            incoterm: None,
            freight: None,
            insurance: None,
            bom_version: None,
            peer_account: matches!(w[0], "0654" | "0657")
                .then(|| "E44038000009".parse().expect("peer")),
            subcontractor: w[0].eq("OWP").then(|| "东莞外发厂".to_string()),
            list: None,
        }
    };
    for month in [2, 8] {
        run(Command::SetFxRate(crate::events::commands::FxInput {
            month: (2026, month),
            currency: crate::model::ids::Currency::usd(),
            cny_per_unit: dec!(7),
        }));
    }
    for l in [
        line("I1", "2026-02-01", "0615 I M", 1, dec!(100)),
        line("I2", "2026-02-01", "0615 I M", 2, dec!(100)),
        line("O1", "2026-06-01", "OWP E M", 1, dec!(20)),
        line("O2", "2026-06-01", "OWP E M", 2, dec!(30)),
        line("O3", "2026-07-01", "OWP I M", 2, dec!(30)),
        line("X1", "2026-08-01", "0615 E P", 1, dec!(5)),
        line("S1", "2026-08-02", "0644 I M", 1, dec!(3)),
        line("C1", "2026-08-03", "0654 I M", 2, dec!(7)),
        line("C2", "2026-08-04", "0657 E M", 2, dec!(4)),
        line("R1", "2026-08-05", "0664 E M", 2, dec!(5)),
        line("D1", "2026-08-06", "0200 E M", 2, dec!(1)),
    ] {
        run(Command::RecordMovement(l));
    }
    // Material 2 taken over with 50 on the cycle's first day: an opening within the cycle.
    run(Command::RecordOpening(
        crate::events::commands::OpeningInput {
            account: bk.clone(),
            date: d("2026-01-01"),
            item: ItemNo(2),
            qty: dec!(50),
            unit_price: Some(dec!(1)),
            currency: Some(crate::model::ids::Currency::usd()),
        },
    ));
    for (goods, item, qty) in [(GoodsKind::M, 1, dec!(10)), (GoodsKind::P, 1, dec!(5))] {
        run(Command::RecordStocktake(StocktakeInput {
            account: bk.clone(),
            date: d("2026-12-31"),
            goods,
            item: ItemNo(item),
            qty,
        }));
    }
    run(Command::SetTariff(crate::events::commands::TariffInput {
        hs: "3907400000".parse().expect("hs"),
        from: d("2026-01-01"),
        duty_pct: dec!(10),
        vat_pct: dec!(13),
        consumption_pct: None,
    }));
    (s, bk)
}

#[test]
fn a_stocktake_in_materials_converts_finished_goods_and_adds_the_subcontractors() {
    use rust_decimal_macros::dec;
    let (s, bk) = counted_book();
    let book = s.book(&bk).expect("book");
    let counted = stocktake_in_materials(book, d("2026-12-31")).expect("fits");
    assert_eq!(counted.get(&ItemNo(1)).copied(), Some(dec!(40)));
    assert_eq!(
        counted.get(&ItemNo(2)).copied().unwrap_or_default(),
        dec!(0)
    );
    assert!(default_bom(book, ItemNo(1)).is_some_and(|b| b.contains_key(&ItemNo(1))));
    // The count of the cycle is the one dated in it; a half year holds none.
    assert_eq!(
        stocktake_day(book, d("2026-01-01"), d("2026-12-31")),
        Some(d("2026-12-31"))
    );
    assert_eq!(stocktake_day(book, d("2026-01-01"), d("2026-06-30")), None);
    assert_eq!(stocktake_day(book, d("2027-01-01"), d("2027-12-31")), None);
    // The cycle's identity, every column: material 1: 100 imported − 5 boards × 2
    // consumed − 3 sold = 87 (counted 40); material 2: 50 taken over + 100 imported + 7
    // carried in − 4 carried out − 5 re-exported − 1 destroyed = 147 (outward processing
    // moves nothing).
    let r = identity(&s, book, d("2026-01-01"), d("2026-12-31")).expect("identity");
    let columns = |m: &IdentityLine| {
        [
            m.opening,
            m.imported,
            m.carried_in,
            m.consumed,
            m.carried_out,
            m.domestic_sold,
            m.re_exported,
            m.destroyed,
            m.closing,
        ]
    };
    let got: Vec<(ItemNo, [Decimal; 9], Option<Decimal>)> = r
        .materials
        .iter()
        .map(|m| (m.item, columns(m), m.stocktake))
        .collect();
    #[rustfmt::skip]
    let want = [
        (ItemNo(1), [0, 100, 0, 10, 0, 3, 0, 0, 87].map(Decimal::from), Some(dec!(40))),
        (ItemNo(2), [50, 100, 7, 0, 4, 0, 5, 1, 147].map(Decimal::from), Some(dec!(0))),
    ];
    assert_eq!(got, want);
    // Both short of the count, beyond the book's tolerance.
    let flags: Vec<(Option<Decimal>, Option<&str>)> = r
        .materials
        .iter()
        .map(|m| (m.difference, m.flag.as_deref()))
        .collect();
    assert_eq!(
        flags,
        [
            (Some(dec!(-47)), Some("shortage")),
            (Some(dec!(-147)), Some("shortage"))
        ]
    );
}

/// Every EMS221 result customs sends, in the words the report says it with.
#[test]
fn writeoff_results_in_words() {
    let cases = [
        (Some("Y"), "received by customs"),
        (Some("Z"), "refused at intake"),
        (Some("B"), "passed to an officer"),
        (Some("A"), "passed to an officer"),
        (Some("5"), "accounting passed"),
        (Some("6"), "accounting returned"),
        (Some("7"), "differences confirmed"),
        (
            Some("2"),
            "write-off approved: close the cycle (bonded cycle close)",
        ),
        (Some("3"), "write-off returned: the cycle stays open"),
        (Some("9"), "a result this version does not know"),
        (None, "a result this version does not know"),
    ];
    for (code, words) in cases {
        assert_eq!(writeoff_meaning(code), words, "{code:?}");
    }
}

#[test]
fn spans_of_months() {
    let cases = [
        ("2025-01-01", 12, "2025-12-31"),
        ("2024-03-01", 24, "2026-02-28"),
        ("2025-01-31", 1, "2025-02-27"),
        ("2024-02-29", 12, "2025-02-27"),
    ];
    for (start, months, end) in cases {
        assert_eq!(span_end(d(start), months), d(end), "{start} + {months}");
    }
}

/// 30 days after each 12 months inside a cycle longer than a year; none for a year or less.
#[test]
fn annual_marks_table() {
    let c = |start: &str, months: u32| Cycle {
        number: 1,
        start: d(start),
        end: span_end(d(start), months),
    };
    assert_eq!(
        annual_marks(&c("2024-01-01", 24)),
        vec![(2024, d("2024-12-31"), d("2025-01-30"))]
    );
    assert_eq!(
        annual_marks(&c("2024-03-01", 36)),
        vec![
            (2025, d("2025-02-28"), d("2025-03-30")),
            (2026, d("2026-02-28"), d("2026-03-30"))
        ]
    );
    assert!(annual_marks(&c("2025-01-01", 12)).is_empty());
    assert_eq!(
        annual_marks(&c("2025-01-01", 18)),
        vec![(2025, d("2025-12-31"), d("2026-01-30"))]
    );
}

#[test]
fn a_closed_cycle_keeps_its_days_and_the_next_follows_it() {
    use crate::events::commands::Command;
    use crate::model::book::{BookHeader, Level};
    use crate::model::trade_mode::BookKind;
    let mut state = Ledger::new();
    let header = BookHeader {
        account: "E44038000001".parse().expect("book"),
        company: "4403960001".parse().expect("company"),
        kind: BookKind::Purchased,
        level: Level::Item,
        capacity_usd: Decimal::ONE_HUNDRED,
        cycle_start: d("2025-01-01"),
        cycle_months: 12,
        headings: vec![],
    };
    for e in crate::decide(&state, &Command::OpenBook(header.clone())).expect("open") {
        state.evolve(e.id, &e.event);
    }
    let account = header.account.clone();
    // The book shortens its cycles to 6 months after the first was closed at 12.
    let closed = crate::events::Event::CycleClosed(crate::events::CycleClosed {
        account: account.clone(),
        cycle: 1,
        start: d("2025-01-01"),
        end: d("2025-12-31"),
        date: d("2026-01-20"),
        closing: vec![],
    });
    state.evolve(uuid::Uuid::nil(), &closed);
    let change = Command::ChangeSettings {
        account: account.clone(),
        changes: vec![crate::model::book::Setting::CycleMonths(6)],
    };
    for e in crate::decide(&state, &change).expect("settings") {
        state.evolve(e.id, &e.event);
    }
    let book = state.book(&account).expect("book");
    let c1 = book.cycle(1).expect("cycle 1");
    let c2 = book.cycle(2).expect("cycle 2");
    assert_eq!((c1.start, c1.end), (d("2025-01-01"), d("2025-12-31")));
    assert_eq!((c2.start, c2.end), (d("2026-01-01"), d("2026-06-30")));
    assert_eq!(book.open_cycle().map(|c| c.number), Some(2));
    assert_eq!(book.cycle_containing(d("2026-07-01")).number, 3);
    assert_eq!(book.written_off_until(), Some(d("2025-12-31")));
    assert_eq!(book.last_writeoff, Some(d("2026-01-20")));
    // Every day of twelve years lands in the cycle `cycle(n)` describes: the one walk
    // agrees with building each cycle from the start.
    let mut day = d("2024-06-01");
    while day <= d("2036-06-01") {
        let got = book.cycle_containing(day);
        if day >= d("2025-01-01") {
            let want = (1..=MAX_CYCLES)
                .filter_map(|n| book.cycle(n))
                .find(|c| day <= c.end)
                .expect("a cycle");
            assert_eq!(got, want, "{day}");
            assert!(got.start <= day && day <= got.end, "{day}");
        } else {
            assert!(got.number <= 0, "{day} is before the first cycle");
        }
        day = day.succ_opt().expect("day");
    }
}

/// The shortages of a cycle as domestic sales: 47 of material 1 and 147 of material 2 short of
/// the count, each at its import price (1 CNY), duty 10%, VAT 13% on value and duty.
/// Material 1: 47.00, duty 4.70, VAT 51.70 × 13% = 6.721 → 6.72. Material 2: 147.00, duty
/// 14.70, VAT 161.70 × 13% = 21.021 → 21.02. A line is numbered by the material's place in
/// the report, so a surplus before it leaves its number unused.
#[test]
fn shortages_are_declared_as_domestic_sales() {
    use rust_decimal_macros::dec;
    let (s, bk) = counted_book();
    let book = s.book(&bk).expect("book");
    let r = identity(&s, book, d("2026-01-01"), d("2026-12-31")).expect("identity");
    let lines = |r: &IdentityReport| {
        let dec_ = shortage_declaration(&s, book, r, d("2026-12-31"), d("2027-01-30"))
            .expect("valued")
            .expect("a declaration");
        dec_.lines
            .iter()
            .map(|l| {
                (
                    l.ref_.clone(),
                    l.line,
                    l.date,
                    l.item,
                    l.qty,
                    l.unit_value,
                    l.value_cny,
                    l.duty,
                    l.vat,
                )
            })
            .collect::<Vec<_>>()
    };
    let shortage = |line: u32, item: u32, qty, value, duty, vat| {
        let date = d("2026-12-31");
        (
            "SHORTAGE".to_string(),
            line,
            date,
            ItemNo(item),
            qty,
            dec!(1),
            value,
            duty,
            vat,
        )
    };
    assert_eq!(
        lines(&r),
        [
            shortage(1, 1, dec!(47), dec!(47.00), dec!(4.70), dec!(6.72)),
            shortage(2, 2, dec!(147), dec!(147.00), dec!(14.70), dec!(21.02)),
        ]
    );
    assert_eq!(
        open_shortages(&r.materials),
        [(ItemNo(1), dec!(-47)), (ItemNo(2), dec!(-147))]
    );
    // Material 1 a surplus of 5 instead: only material 2 is declared, still line 2.
    let mut surplus = r.clone();
    surplus.materials[0].difference = Some(dec!(5));
    surplus.materials[0].flag = Some("surplus".into());
    assert_eq!(
        lines(&surplus),
        [shortage(
            2,
            2,
            dec!(147),
            dec!(147.00),
            dec!(14.70),
            dec!(21.02)
        )]
    );
    assert_eq!(
        open_shortages(&surplus.materials),
        [(ItemNo(2), dec!(-147))]
    );
    // Nothing short: no declaration, nothing to refuse a close for.
    let mut none = surplus.clone();
    none.materials[1].difference = Some(dec!(0));
    none.materials[1].flag = None;
    assert_eq!(
        shortage_declaration(&s, book, &none, d("2026-12-31"), d("2027-01-30")),
        Ok(None)
    );
    assert!(open_shortages(&none.materials).is_empty());
}

/// Each remaining-material carry-over of March 2026 paired (or not) with the peer book's line:
/// the same day, the other way, the same quantity, naming this book, itself a carry-over.
/// Book A (…001) and B (…002) are in the store; …009 is not.
#[test]
fn carry_overs_are_paired_with_the_peer_books_line() {
    use crate::decide::decide;
    use crate::events::commands::{Command, ItemInput, MovementLine};
    use crate::model::book::{BookHeader, Level};
    use crate::model::ids::BookNo;
    use crate::model::trade_mode::BookKind;
    use rust_decimal_macros::dec;
    let mut s = Ledger::new();
    let mut run = |c: Command| {
        for x in decide(&s, &c).unwrap_or_else(|r| panic!("refused: {r}\n{c:?}")) {
            s.evolve(x.id, &x.event);
        }
    };
    let a: BookNo = "E44038000001".parse().expect("book");
    let b: BookNo = "E44038000002".parse().expect("book");
    let c: BookNo = "E44038000009".parse().expect("book");
    for bk in [&a, &b] {
        run(Command::OpenBook(BookHeader {
            account: bk.clone(),
            company: "4403960001".parse().expect("company"),
            kind: BookKind::Purchased,
            level: Level::Item,
            capacity_usd: dec!(100000000),
            cycle_start: d("2026-01-01"),
            cycle_months: 12,
            headings: vec![],
        }));
        run(Command::RegisterItem(ItemInput {
            account: bk.clone(),
            goods: GoodsKind::M,
            item: ItemNo(1),
            hs: "3907400000".parse().expect("hs"),
            name: "M 1".into(),
            unit: "个".parse().expect("unit"),
            spec: None,
            price: None,
            currency: None,
            parts: vec![],
            legal: Default::default(),
        }));
    }
    for month in [2, 3, 4] {
        run(Command::SetFxRate(crate::events::commands::FxInput {
            month: (2026, month),
            currency: Currency::usd(),
            cny_per_unit: dec!(7),
        }));
    }
    let line = |bk: &BookNo, r: &str, date: &str, what: &str, qty, peer: Option<&BookNo>| {
        let w: Vec<&str> = what.split(' ').collect();
        MovementLine {
            ref_: r.into(),
            line: 1,
            date: d(date),
            account: bk.clone(),
            mode: w[0].parse().expect("mode"),
            dir: w[1].parse().expect("dir"),
            goods: GoodsKind::M,
            qty,
            item: Some(ItemNo(1)),
            part: None,
            unit_price: Some(rust_decimal::Decimal::ONE),
            currency: Some(Currency::cny()),
            incoterm: None,
            freight: None,
            insurance: None,
            bom_version: None,
            peer_account: peer.cloned(),
            subcontractor: None,
            list: None,
        }
    };
    #[rustfmt::skip]
    let lines = [
        line(&a, "A-IMP", "2026-02-01", "0615 I", dec!(500), None),
        line(&b, "B-IMP", "2026-02-01", "0615 I", dec!(500), None),
        // Outside the span, either side of it.
        line(&a, "A-EARLY", "2026-02-28", "0657 E", dec!(2), Some(&b)),
        line(&a, "A-LATE", "2026-04-01", "0657 E", dec!(3), Some(&b)),
        // A domestic sale, kept whole too, is no carry-over.
        line(&a, "A-SALE", "2026-03-05", "0644 I", dec!(1), None),
        // Paired: on the span's first day.
        line(&a, "A-1", "2026-03-01", "0657 E", dec!(10), Some(&b)),
        line(&b, "B-1", "2026-03-01", "0657 I", dec!(10), Some(&a)),
        // B's line a day later.
        line(&a, "A-2", "2026-03-10", "0657 E", dec!(11), Some(&b)),
        line(&b, "B-2", "2026-03-11", "0657 I", dec!(11), Some(&a)),
        // B's line of another quantity.
        line(&a, "A-3", "2026-03-12", "0657 E", dec!(12), Some(&b)),
        line(&b, "B-3", "2026-03-12", "0657 I", dec!(13), Some(&a)),
        // B's line the same way.
        line(&a, "A-4", "2026-03-14", "0657 E", dec!(14), Some(&b)),
        line(&b, "B-4", "2026-03-14", "0657 E", dec!(14), Some(&a)),
        // B's line naming another book.
        line(&a, "A-5", "2026-03-15", "0657 E", dec!(15), Some(&b)),
        line(&b, "B-5", "2026-03-15", "0657 I", dec!(15), Some(&c)),
        // B's line is a domestic sale naming A, not a carry-over.
        line(&a, "A-6", "2026-03-16", "0657 E", dec!(16), Some(&b)),
        line(&b, "B-6", "2026-03-16", "0644 I", dec!(16), Some(&a)),
        // The peer book is not in the store.
        line(&a, "A-7", "2026-03-17", "0657 E", dec!(17), Some(&c)),
        // Paired, carried in, on the span's last day.
        line(&a, "A-8", "2026-03-31", "0657 I", dec!(18), Some(&b)),
        line(&b, "B-8", "2026-03-31", "0657 E", dec!(18), Some(&a)),
    ];
    for l in lines {
        run(Command::RecordMovement(l));
    }
    let book = s.book(&a).expect("book");
    let got: Vec<(String, NaiveDate, Direction, rust_decimal::Decimal, String)> =
        carry_overs(&s, book, d("2026-03-01"), d("2026-03-31"))
            .into_iter()
            .map(|l| (l.ref_, l.date, l.dir, l.qty, l.pairing))
            .collect();
    let want = |r: &str, date: &str, dir: Direction, qty, pairing: &str| {
        (r.to_string(), d(date), dir, qty, pairing.to_string())
    };
    use Direction::{E, I};
    assert_eq!(
        got,
        [
            want("A-1", "2026-03-01", E, dec!(10), "matched"),
            want("A-2", "2026-03-10", E, dec!(11), "unmatched"),
            want("A-3", "2026-03-12", E, dec!(12), "unmatched"),
            want("A-4", "2026-03-14", E, dec!(14), "unmatched"),
            want("A-5", "2026-03-15", E, dec!(15), "unmatched"),
            want("A-6", "2026-03-16", E, dec!(16), "unmatched"),
            want("A-7", "2026-03-17", E, dec!(17), "peer_not_in_store"),
            want("A-8", "2026-03-31", I, dec!(18), "matched"),
        ]
    );
    // The identity of March carries the same lines.
    let r = identity(&s, book, d("2026-03-01"), d("2026-03-31")).expect("identity");
    assert_eq!(r.carry_overs.len(), 8);
}

/// The cycle report is due `report_days` (30) after the cycle ends: 2026-12-31 + 30 days =
/// 2027-01-30, and its shortages are valued as declared that day.
#[test]
fn the_cycle_report_is_due_report_days_after_the_cycle() {
    let (s, bk) = counted_book();
    let r = cycle_report(&s, &bk, Some(1), None).expect("report");
    assert_eq!(
        (r.start, r.end, r.report_due),
        (d("2026-01-01"), d("2026-12-31"), d("2027-01-30"))
    );
    assert_eq!(r.shortages.map(|x| x.filed), Some(d("2027-01-30")));
    assert_eq!(r.note, None);
}
