//! Tests of `stock`: dated stocks, a material's entries, the columns.

use super::*;
use rust_decimal_macros::dec;

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

/// Where two later days reach the same least stock, the first of them is the one named.
#[test]
fn available_names_the_first_day_of_the_least_stock() {
    let mut s = DatedStock::default();
    s.add(d("2025-01-10"), dec!(10));
    s.add(d("2025-02-10"), dec!(-5));
    s.add(d("2025-03-10"), dec!(5));
    s.add(d("2025-04-10"), dec!(-5));
    assert_eq!(
        s.available_from(d("2025-01-10")),
        (dec!(5), d("2025-02-10"))
    );
}

/// Changes added in and out of date order, on a day already held, cancelling: the stock at
/// the end of each day, the least from a day on (and the first day it falls to), and the
/// total. Days are of January 2025; the working is beside each case.
#[test]
fn dated_stock_table() {
    struct Case {
        adds: &'static [(u32, i64)],
        /// (day, stock at its end)
        at: &'static [(u32, i64)],
        /// (day, least from it on, the first day it is reached)
        least: &'static [(u32, i64, u32)],
        total: i64,
    }
    #[rustfmt::skip]
    let cases = [
        // In order: 10, +20 = 30, −5 = 25.
        Case { adds: &[(1, 10), (5, 20), (9, -5)],
               at: &[(0, 0), (1, 10), (4, 10), (5, 30), (8, 30), (9, 25), (20, 25)],
               least: &[(0, 0, 0), (1, 10, 1), (5, 25, 9), (10, 25, 10)], total: 25 },
        // Day 3 added last, two days back: 10, 17, 37, 32.
        Case { adds: &[(1, 10), (5, 20), (9, -5), (3, 7)],
               at: &[(0, 0), (1, 10), (2, 10), (3, 17), (4, 17), (5, 37), (8, 37), (9, 32)],
               least: &[(2, 10, 2), (3, 17, 3), (6, 32, 9)], total: 32 },
        // Day 1 added last, before every other day: 4, 14, 9.
        Case { adds: &[(2, 10), (3, -5), (1, 4)],
               at: &[(0, 0), (1, 4), (2, 14), (3, 9)],
               least: &[(1, 4, 1), (2, 9, 3)], total: 9 },
        // The last day again: 10 + 5 = 15 on day 1.
        Case { adds: &[(1, 10), (1, 5)],
               at: &[(0, 0), (1, 15), (2, 15)], least: &[(0, 0, 0), (1, 15, 1)], total: 15 },
        // The last day again, cancelling: day 2 nets 0, so the stock never dips to 5.
        Case { adds: &[(1, 10), (2, -5), (2, 5)],
               at: &[(1, 10), (2, 10), (3, 10)], least: &[(1, 10, 1)], total: 10 },
        // An earlier day again, cancelling: day 2 nets 0 (10, 10, 10, 11).
        Case { adds: &[(1, 10), (2, -5), (4, 1), (2, 5)],
               at: &[(1, 10), (2, 10), (3, 10), (4, 11)], least: &[(1, 10, 1), (2, 10, 2)],
               total: 11 },
        // An earlier day again, not cancelling: day 2 nets −2 (10, 8, 9).
        Case { adds: &[(1, 10), (2, -5), (4, 1), (2, 3)],
               at: &[(1, 10), (2, 8), (3, 8), (4, 9)], least: &[(1, 8, 2), (3, 8, 3)],
               total: 9 },
        // A change of 0 changes nothing.
        Case { adds: &[(1, 10), (2, 0), (1, 0)],
               at: &[(1, 10), (2, 10)], least: &[(1, 10, 1)], total: 10 },
    ];
    let day = |n: u32| d("2025-01-01") + chrono::Days::new(n.into()) - chrono::Days::new(1);
    for (k, c) in cases.iter().enumerate() {
        let mut s = DatedStock::default();
        for (n, q) in c.adds {
            s.add(day(*n), Decimal::from(*q));
        }
        for (n, q) in c.at {
            assert_eq!(s.at(day(*n)), Decimal::from(*q), "case {k}: at day {n}");
        }
        for (n, q, first) in c.least {
            assert_eq!(
                s.available_from(day(*n)),
                (Decimal::from(*q), day(*first)),
                "case {k}: least from day {n}"
            );
        }
        assert_eq!(s.total(), Decimal::from(c.total), "case {k}: total");
    }
}

/// Two columns merged add column by column (1..8 and 10..80: 11, 22, … 88).
#[test]
fn columns_merge_column_by_column() {
    let ones = |k: i64| Columns {
        opening: Decimal::from(k),
        imported: Decimal::from(2 * k),
        carried_in: Decimal::from(3 * k),
        consumed: Decimal::from(4 * k),
        carried_out: Decimal::from(5 * k),
        domestic_sold: Decimal::from(6 * k),
        re_exported: Decimal::from(7 * k),
        destroyed: Decimal::from(8 * k),
    };
    let mut a = ones(1);
    a.merge(&ones(10));
    assert_eq!(a, ones(11));
    // 11 + 22 + 33 − 44 − 55 − 66 − 77 − 88 = −264
    assert_eq!(a.balance(), dec!(-264));
}

/// A material's entries grow by a quarter of what they hold (at least 32), not double: the
/// stock vectors are most of a busy book's memory (docs/PERFORMANCE.md).
#[test]
fn material_entries_grow_by_a_quarter() {
    let mut m = MaterialStock::default();
    let mut grown = 0;
    for n in 0..400u32 {
        let before = m.changes.capacity();
        let full = m.changes.len() == before;
        m.add(day(n), Column::Imported, Decimal::ONE);
        let after = m.changes.capacity();
        if full {
            assert_eq!(after, before + (before / 4).max(32), "entry {n}");
            grown += 1;
        } else {
            assert_eq!(after, before, "entry {n}: room was left");
        }
    }
    // 0 → 32 → 64 → 96 → 128 → 160 → 200 → 250 → 312 → 390 → 487: 10 growths for 400
    // entries.
    assert_eq!((grown, m.changes.capacity()), (10, 487));
}

/// A material's least balance from a day on: where two later days reach the same least,
/// the first is named; a day's entries count together (a correction taking 5 off the
/// imports before a consumption corrected by −8 on the same day is no dip of 5).
#[test]
fn material_least_balance_table() {
    /// (day, column, quantity) entries; the day asked; (the least, the first day of it)
    type Case = (&'static [(u32, Column, i64)], u32, (i64, u32));
    #[rustfmt::skip]
    let cases: [Case; 4] = [
        // 10, 5, 10, 5: the least, 5, first on day 2.
        (&[(1, Column::Imported, 10), (2, Column::Consumed, 5), (3, Column::Imported, 5),
           (4, Column::Consumed, 5)], 1, (5, 2)),
        // 10; day 2: −5 then +8 = 13; day 3: −2 = 11. The least from day 1 is day 1's 10.
        (&[(1, Column::Imported, 10), (2, Column::Imported, -5), (2, Column::Consumed, -8),
           (3, Column::Destroyed, 2)], 1, (10, 1)),
        // The same from day 2: 13 on day 2, 11 on day 3.
        (&[(1, Column::Imported, 10), (2, Column::Imported, -5), (2, Column::Consumed, -8),
           (3, Column::Destroyed, 2)], 2, (11, 3)),
        // After the last entry: the balance, on the day asked (10 − 3 = 7).
        (&[(1, Column::Opening, 10), (2, Column::ReExported, 3)], 5, (7, 5)),
    ];
    for (k, (adds, from, (least, first))) in cases.iter().enumerate() {
        let mut m = MaterialStock::default();
        for (n, c, q) in *adds {
            m.add(day(*n), *c, Decimal::from(*q));
        }
        assert_eq!(
            m.available_from(day(*from)),
            (Decimal::from(*least), day(*first)),
            "case {k}"
        );
    }
}

/// Each stock read back from its snapshot bytes is the stock written, and every byte is
/// read: a dated stock, an empty one, a material's entries, and a material whose every
/// entry was cancelled (no last entry: the other mark).
#[test]
fn stocks_read_back_from_their_snapshot() {
    use crate::state::snapshot::wire::{Reader, Writer};
    let mut dated = DatedStock::default();
    dated.add(d("2025-01-10"), dec!(100));
    dated.add(d("2025-02-10"), dec!(-30.5));
    let mut material = MaterialStock::default();
    material.add(d("2025-01-01"), Column::Opening, dec!(10));
    material.add(d("2025-01-02"), Column::Imported, dec!(100));
    material.add(d("2025-01-02"), Column::Consumed, dec!(2.5));
    material.add(d("2025-01-05"), Column::Destroyed, dec!(1));
    let mut emptied = MaterialStock::default();
    emptied.add(d("2025-01-03"), Column::Imported, dec!(5));
    emptied.add(d("2025-01-03"), Column::Imported, dec!(-5));
    assert_eq!((material.last.is_some(), emptied.last), (true, None));
    let mut w = Writer::default();
    dated.write_snapshot(&mut w);
    DatedStock::default().write_snapshot(&mut w);
    material.write_snapshot(&mut w);
    emptied.write_snapshot(&mut w);
    let bytes = w.buf;
    let mut source: &[u8] = &bytes;
    let mut r = Reader::new(&mut source, bytes.len() as u64);
    assert_eq!(DatedStock::read_snapshot(&mut r).expect("dated"), dated);
    assert_eq!(
        DatedStock::read_snapshot(&mut r).expect("empty"),
        DatedStock::default()
    );
    let back = MaterialStock::read_snapshot(&mut r).expect("material");
    assert_eq!(back, material);
    assert_eq!(back.columns_as_of(d("2025-01-02")).balance(), dec!(107.5));
    assert_eq!(
        MaterialStock::read_snapshot(&mut r).expect("emptied"),
        emptied
    );
    assert!(r.is_empty());
}

/// A material written split (`write_from`, `write_history`): read without its history it
/// answers exactly from the split's eve on (a change on the split's own day included), and
/// with its history put back it is the material again.
#[test]
fn a_material_split_reads_back_exact_from_the_eve_and_whole_with_its_history() {
    use crate::state::snapshot::wire::{Reader, Writer};
    let mut material = MaterialStock::default();
    material.add(d("2024-03-01"), Column::Imported, dec!(100));
    material.add(d("2025-12-31"), Column::Consumed, dec!(30));
    material.add(d("2026-01-01"), Column::Imported, dec!(7));
    material.add(d("2026-01-01"), Column::Consumed, dec!(2));
    material.add(d("2026-05-01"), Column::ReExported, dec!(1));
    let split = d("2026-01-01");
    let mut w = Writer::default();
    material.write_from(&mut w, split);
    material.write_history(&mut w, split);
    let bytes = w.buf;
    let mut source: &[u8] = &bytes;
    let mut r = Reader::new(&mut source, bytes.len() as u64);
    let mut recent = MaterialStock::read_snapshot(&mut r).expect("recent");
    // The two sums on the eve, then the three changes from the split on.
    assert_eq!(recent.changes.len(), 5);
    for day in ["2025-12-31", "2026-01-01", "2026-03-01", "2026-12-31"] {
        assert_eq!(
            recent.columns_as_of(d(day)),
            material.columns_as_of(d(day)),
            "{day}"
        );
    }
    assert_eq!(
        recent.columns_between(split, d("2026-12-31")),
        material.columns_between(split, d("2026-12-31"))
    );
    assert_ne!(
        recent.columns_as_of(d("2024-12-31")),
        material.columns_as_of(d("2024-12-31"))
    );
    recent.read_history(&mut r, split).expect("history");
    assert_eq!(recent, material);
    assert!(r.is_empty());
}

/// The stock a movement draws on answers as the stock it names: a material's balance (10
/// opened, 4 consumed on the 5th) or a dated stock (7, then 2 out on the 6th).
#[test]
fn a_stock_ref_answers_as_its_stock() {
    let mut m = MaterialStock::default();
    m.add(d("2025-01-01"), Column::Opening, dec!(10));
    m.add(d("2025-01-05"), Column::Consumed, dec!(4));
    let mut s = DatedStock::default();
    s.add(d("2025-01-01"), dec!(7));
    s.add(d("2025-01-06"), dec!(-2));
    let (material, dated) = (StockRef::Material(&m), StockRef::Dated(&s));
    assert_eq!(material.at(d("2025-01-04")), dec!(10));
    assert_eq!(material.at(d("2025-01-05")), dec!(6));
    assert_eq!(
        material.available_from(d("2025-01-02")),
        (dec!(6), d("2025-01-05"))
    );
    assert_eq!(dated.at(d("2025-01-05")), dec!(7));
    assert_eq!(dated.at(d("2025-01-06")), dec!(5));
    assert_eq!(
        dated.available_from(d("2025-01-02")),
        (dec!(5), d("2025-01-06"))
    );
}

#[test]
fn available_looks_at_every_later_day() {
    let mut s = DatedStock::default();
    s.add(d("2025-01-10"), dec!(100));
    s.add(d("2025-02-10"), dec!(-80));
    s.add(d("2025-03-10"), dec!(50));
    // On 2025-01-15 the stock is 100, but 2025-02-10 leaves only 20.
    assert_eq!(s.at(d("2025-01-15")), dec!(100));
    assert_eq!(
        s.available_from(d("2025-01-15")),
        (dec!(20), d("2025-02-10"))
    );
    // Before the first import nothing is available.
    assert_eq!(s.available_from(d("2025-01-01")).0, dec!(0));
    // After the last change: the total.
    assert_eq!(
        s.available_from(d("2025-04-01")),
        (dec!(70), d("2025-04-01"))
    );
    assert_eq!(s.at(d("2025-02-28")), dec!(20));
}

#[test]
fn the_days_own_change_counts() {
    let mut s = DatedStock::default();
    s.add(d("2025-01-10"), dec!(100));
    s.add(d("2025-02-10"), dec!(-30));
    // On 2025-01-10 itself 100 arrived; 70 stays free for that day given February's 30.
    assert_eq!(
        s.available_from(d("2025-01-10")),
        (dec!(70), d("2025-02-10"))
    );
    s.add(d("2025-01-10"), dec!(-70));
    assert_eq!(
        s.available_from(d("2025-01-10")),
        (dec!(0), d("2025-02-10"))
    );
}

#[test]
fn columns_keep_the_identity() {
    let mut m = MaterialStock::default();
    m.add(d("2025-01-01"), Column::Opening, dec!(10));
    m.add(d("2025-01-02"), Column::Imported, dec!(100));
    m.add(d("2025-01-03"), Column::Consumed, dec!(30.5));
    m.add(d("2025-01-04"), Column::Consumed, dec!(-0.5));
    m.add(d("2025-01-05"), Column::DomesticSold, dec!(5));
    let c = m.columns_as_of(d("2025-01-31"));
    assert_eq!(c.consumed, dec!(30.0));
    assert_eq!(c.balance(), dec!(75.0));
    assert_eq!(m.balance_total(), dec!(75.0));
    assert_eq!(m.columns_as_of(d("2025-01-02")).balance(), dec!(110));
}

/// The naive model: every change kept, every question answered by summing.
fn model_at(changes: &[(u32, Column, i64)], day: u32) -> (Columns, Decimal) {
    let mut c = Columns::default();
    for (_, col, q) in changes.iter().filter(|(d, _, _)| *d <= day) {
        c.add(*col, Decimal::from(*q));
    }
    (c, c.balance())
}

fn day(n: u32) -> NaiveDate {
    d("2025-01-01") + chrono::Days::new(n.into())
}

const COLUMNS: [Column; 8] = [
    Column::Opening,
    Column::Imported,
    Column::CarriedIn,
    Column::Consumed,
    Column::CarriedOut,
    Column::DomesticSold,
    Column::ReExported,
    Column::Destroyed,
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Changes added in any order, cancelling or not, answer every question as the naive
    /// sums do.
    #[test]
    fn the_sorted_vectors_answer_as_the_naive_sums(
        raw in proptest::collection::vec((0u32..40, 0usize..8, -50i64..50), 0..80)
    ) {
        let changes: Vec<(u32, Column, i64)> =
            raw.iter().map(|(d, c, q)| (*d, COLUMNS[*c], *q)).collect();
        let mut m = MaterialStock::default();
        for (d, col, q) in &changes {
            m.add(day(*d), *col, Decimal::from(*q));
            // The key kept beside the entries is the last entry's, and they stay sorted.
            proptest::prop_assert_eq!(m.last, m.changes.last().map(|(d, c, _)| (*d, *c)));
            proptest::prop_assert!(m
                .changes
                .windows(2)
                .all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1)));
        }
        for probe in 0..42 {
            let (cols, bal) = model_at(&changes, probe);
            proptest::prop_assert_eq!(m.columns_as_of(day(probe)), cols);
            proptest::prop_assert_eq!(m.balance_at(day(probe)), bal);
            // The least balance from `probe` on, over every later day.
            let least = (probe..42).map(|p| model_at(&changes, p).1).min().unwrap_or_default();
            proptest::prop_assert_eq!(m.available_from(day(probe)).0, least);
            // The first day, from `probe` on, that ends at the least.
            let first = (probe..42)
                .find(|p| model_at(&changes, *p).1 == least)
                .map_or(day(probe), day);
            proptest::prop_assert_eq!(m.available_from(day(probe)).1, first);
            for to in probe..42 {
                let (upto, _) = model_at(&changes, to);
                let (before, _) = if probe == 0 {
                    (Columns::default(), Decimal::ZERO)
                } else {
                    model_at(&changes, probe - 1)
                };
                let mut between = upto;
                for col in COLUMNS {
                    between.add(col, -column_of(&before, col));
                }
                proptest::prop_assert_eq!(m.columns_between(day(probe), day(to)), between);
            }
        }
        proptest::prop_assert!(m.changes.iter().all(|(_, _, q)| !q.is_zero()));
        proptest::prop_assert!(m.changes.windows(2).all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1)));
    }

    /// A dated stock, changes added in any order, answers as the naive sums do, and keeps
    /// one entry per day, sorted, none zero, with its total.
    #[test]
    fn the_dated_stock_answers_as_the_naive_sums(
        changes in proptest::collection::vec((0u32..30, -20i64..20), 0..60)
    ) {
        let mut s = DatedStock::default();
        for (d, q) in &changes {
            s.add(day(*d), Decimal::from(*q));
            proptest::prop_assert!(s.changes.windows(2).all(|w| w[0].0 < w[1].0));
            proptest::prop_assert!(s.changes.iter().all(|(_, q)| !q.is_zero()));
            proptest::prop_assert_eq!(s.total(), s.changes.iter().map(|(_, q)| *q).sum::<Decimal>());
        }
        let naive = |p: u32| -> Decimal {
            changes.iter().filter(|(d, _)| *d <= p).map(|(_, q)| Decimal::from(*q)).sum()
        };
        for probe in 0..32 {
            proptest::prop_assert_eq!(s.at(day(probe)), naive(probe));
            let least = (probe..32).map(naive).min().unwrap_or_default();
            let first = (probe..32).find(|p| naive(*p) == least).map_or(day(probe), day);
            proptest::prop_assert_eq!(s.available_from(day(probe)), (least, first));
        }
    }
}

fn column_of(c: &Columns, col: Column) -> Decimal {
    match col {
        Column::Opening => c.opening,
        Column::Imported => c.imported,
        Column::CarriedIn => c.carried_in,
        Column::Consumed => c.consumed,
        Column::CarriedOut => c.carried_out,
        Column::DomesticSold => c.domestic_sold,
        Column::ReExported => c.re_exported,
        Column::Destroyed => c.destroyed,
    }
}
