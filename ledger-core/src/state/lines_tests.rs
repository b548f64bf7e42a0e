//! Tests of `lines`: the compact store of a book's movement lines.

use super::*;
use crate::model::ids::{BookNo, Currency};
use crate::state::finished::FinishedColumn;
use rust_decimal_macros::dec;

fn line(ref_: &str, n: u32, mode: TradeMode, dir: Direction, goods: GoodsKind) -> MovementLine {
    MovementLine {
        ref_: ref_.to_string(),
        line: n,
        date: "2025-03-10".parse().expect("date"),
        account: "E44038000001".parse::<BookNo>().expect("book"),
        mode,
        dir,
        goods,
        qty: dec!(10),
        item: Some(ItemNo(n)),
        part: None,
        unit_price: Some(dec!(2.5)),
        currency: Some(Currency::usd()),
        incoterm: None,
        freight: None,
        insurance: None,
        bom_version: None,
        peer_account: None,
        subcontractor: None,
        list: None,
    }
}

/// How many of the 4,096 buckets a 12-bit table indexes by the ids fall in.
fn buckets(ids: impl Iterator<Item = LineId>) -> usize {
    use std::hash::BuildHasher;
    let hasher = BuildHasherDefault::<LineIdHasher>::default();
    let used: std::collections::HashSet<u64> = ids.map(|id| hasher.hash_one(id) & 0xfff).collect();
    used.len()
}

#[test]
fn line_ids_spread_over_the_table_by_list_and_by_line() {
    // 4,096 keys thrown at random into 4,096 buckets fill about 2,590 of them.
    let by_list = buckets((0..4096).map(|r| LineId::new(r, 1)));
    let by_line = buckets((1..=4096).map(|l| LineId::new(7, l)));
    let both = buckets((0..64).flat_map(|r| (1..=64).map(move |l| LineId::new(r, l))));
    for (what, n) in [("list", by_list), ("line", by_line), ("both", both)] {
        assert!(
            n > 2_300,
            "ids varying by {what} fill only {n} of 4,096 buckets"
        );
    }
}

#[test]
fn an_index_entry_takes_12_bytes_and_ids_order_by_list_then_line() {
    assert_eq!(std::mem::size_of::<(LineId, u32)>(), 12);
    let mut ids = [
        LineId::new(2, 1),
        LineId::new(1, u32::MAX),
        LineId::new(1, 2),
        LineId::new(u32::MAX, 0),
    ];
    ids.sort();
    let pairs: Vec<(u32, u32)> = ids.iter().map(|id| (id.ref_id(), id.line())).collect();
    assert_eq!(pairs, [(1, 2), (1, u32::MAX), (2, 1), (u32::MAX, 0)]);
}

fn effect(target: Target, qty: Decimal) -> Effect {
    Effect { target, qty }
}

/// A recorded line as `decide` makes them: materials valued (25) and counted in cycle 3,
/// finished goods never valued.
fn recorded(l: MovementLine, effects: Vec<Effect>) -> RecordedLine {
    let valued = l.goods != GoodsKind::P;
    RecordedLine {
        event_id: Uuid::from_u128(u128::from(l.line) + 7),
        item: ItemNo(l.line),
        cif: valued.then_some(dec!(25)),
        cif_usd: valued.then_some(dec!(25)),
        cap_cycle: valued.then_some(3),
        effects,
        line: l,
    }
}

fn record(store: &mut LineStore, r: RecordedLine, awaiting: bool) {
    store.record(&r.line, LineFacts::of(&r), &r.effects, awaiting);
}

/// Every kind of effect comes back out of the arena exactly as it went in.
#[test]
fn effects_come_back_as_recorded() {
    let mut effects: Vec<Effect> = COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| {
            effect(
                Target::Material {
                    item: ItemNo(i as u32 + 1),
                    column: *c,
                },
                Decimal::new(-(i as i64) * 1001, 3),
            )
        })
        .collect();
    effects.push(effect(Target::Scrap { item: ItemNo(90) }, dec!(0.5)));
    for (i, g) in GOODS.iter().enumerate() {
        effects.push(effect(
            Target::Subcontractor {
                name: format!("Sub {i}"),
                goods: *g,
                item: ItemNo(i as u32),
            },
            dec!(7),
        ));
    }
    let mut store = LineStore::default();
    let l = line("QD1", 1, TradeMode::M0615, Direction::I, GoodsKind::M);
    record(&mut store, recorded(l.clone(), effects.clone()), false);
    let id = store.id_of("QD1", 1).expect("recorded");
    assert_eq!(store.effects(id), effects);
    assert!(store.whole("QD1", 1).is_none(), "an import is kept compact");
    let s = store.get("QD1", 1).expect("summary");
    assert_eq!(
        (s.event_id, s.date, s.item, s.cif_usd, s.cap_cycle),
        (
            Uuid::from_u128(8),
            l.date,
            ItemNo(1),
            Some(dec!(25)),
            Some(3)
        )
    );
    assert_eq!(store.key_of(id), ("QD1", 1));
}

/// A line loaded again is the same line; one differing in any field is a conflict; equal
/// quantities written differently (10 and 10.00) are the same.
#[test]
fn compare_tells_a_repeat_from_a_conflict() {
    let mut store = LineStore::default();
    let l = line("QD1", 1, TradeMode::M0615, Direction::I, GoodsKind::M);
    assert_eq!(store.compare(&l), None);
    record(&mut store, recorded(l.clone(), vec![]), false);
    assert_eq!(store.compare(&l), Some(true));
    let mut same = l.clone();
    same.qty = dec!(10.00);
    assert_eq!(store.compare(&same), Some(true));
    type Change = Box<dyn Fn(&mut MovementLine)>;
    let cases: Vec<(&str, Change)> = vec![
        ("qty", Box::new(|m| m.qty = dec!(10.01))),
        (
            "date",
            Box::new(|m| m.date = "2025-03-11".parse().expect("d")),
        ),
        ("price", Box::new(|m| m.unit_price = None)),
        ("currency", Box::new(|m| m.currency = Some(Currency::cny()))),
        ("mode", Box::new(|m| m.mode = TradeMode::M0214)),
        ("item", Box::new(|m| m.item = Some(ItemNo(2)))),
        (
            "subcontractor",
            Box::new(|m| m.subcontractor = Some("X".into())),
        ),
    ];
    for (what, change) in cases {
        let mut other = l.clone();
        change(&mut other);
        assert_eq!(store.compare(&other), Some(false), "{what}");
    }
    // Another line number of the same list is not recorded.
    let mut next = l.clone();
    next.line = 2;
    assert_eq!(store.compare(&next), None);
}

/// Sales, remaining-material carry-overs and lines awaiting unit consumption are kept whole;
/// deep-processing months are counted and forgotten when their last line is corrected.
#[test]
fn report_lines_are_kept_whole() {
    let mut store = LineStore::default();
    let sale = line("S", 1, TradeMode::M0644, Direction::I, GoodsKind::M);
    let rm = line("R", 1, TradeMode::M0657, Direction::E, GoodsKind::M);
    let deep = line("D", 1, TradeMode::M0654, Direction::E, GoodsKind::P);
    let deep2 = line("D", 2, TradeMode::M0255, Direction::I, GoodsKind::M);
    let waiting = line("W", 1, TradeMode::M0615, Direction::E, GoodsKind::P);
    for (l, awaiting) in [
        (&sale, false),
        (&rm, false),
        (&deep, false),
        (&deep2, false),
        (&waiting, true),
    ] {
        record(&mut store, recorded(l.clone(), vec![]), awaiting);
    }
    let mut whole: Vec<&str> = store.whole_lines().map(|r| r.line.ref_.as_str()).collect();
    whole.sort();
    assert_eq!(whole, vec!["R", "S", "W"]);
    let march = Period::of(deep.date, crate::model::book::DutyPeriod::Monthly);
    assert_eq!(
        store.deep_processing_months().collect::<Vec<_>>(),
        vec![march]
    );
    store.remove("D", 1);
    assert_eq!(
        store.deep_processing_months().count(),
        1,
        "D/2 is still there"
    );
    store.remove("D", 2);
    assert_eq!(store.deep_processing_months().count(), 0);
    // The waiting line takes its consumption and is packed.
    let consumed = vec![effect(
        Target::Material {
            item: ItemNo(5),
            column: Column::Consumed,
        },
        dec!(3.25),
    )];
    assert_eq!(
        store.add_effects("W", 1, &consumed, false),
        Some((ItemNo(1), Some(0)))
    );
    assert!(store.whole("W", 1).is_none());
    assert_eq!(store.compare(&waiting), Some(true));
    let id = store.id_of("W", 1).expect("still recorded");
    assert_eq!(store.effects(id), consumed);
    assert_eq!(store.len(), 3);
}

/// The model: every line whole in a map.
type Model = BTreeMap<(String, u32), (RecordedLine, bool)>;

#[derive(Debug, Clone)]
enum Op {
    Record {
        list: u8,
        n: u32,
        mode: u8,
        effects: u8,
        awaiting: bool,
    },
    Remove {
        list: u8,
        n: u32,
    },
    Consume {
        list: u8,
        n: u32,
    },
}

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    use proptest::prelude::*;
    prop_oneof![
        3 => (0u8..4, 1u32..6, 0u8..5, 0u8..5, any::<bool>()).prop_map(
            |(list, n, mode, effects, awaiting)| Op::Record { list, n, mode, effects, awaiting }
        ),
        1 => (0u8..4, 1u32..6).prop_map(|(list, n)| Op::Remove { list, n }),
        1 => (0u8..4, 1u32..6).prop_map(|(list, n)| Op::Consume { list, n }),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]

    /// Whatever is recorded, corrected and consumed, the store answers as the whole-line
    /// model does: same lines, same summaries, same effects, same repeats.
    #[test]
    fn the_compact_store_answers_as_whole_lines_would(ops in proptest::collection::vec(op(), 0..60)) {
        const MODES: [(TradeMode, Direction, GoodsKind); 5] = [
            (TradeMode::M0615, Direction::I, GoodsKind::M),
            (TradeMode::M0615, Direction::E, GoodsKind::P),
            (TradeMode::M0644, Direction::I, GoodsKind::M),
            (TradeMode::M0654, Direction::E, GoodsKind::P),
            (TradeMode::M0657, Direction::I, GoodsKind::M),
        ];
        let mut store = LineStore::default();
        let mut model = Model::new();
        for (step, op) in ops.into_iter().enumerate() {
            match op {
                Op::Record { list, n, mode, effects, awaiting } => {
                    let (m, d, g) = MODES[usize::from(mode)];
                    let mut l = line(&format!("L{list}"), n, m, d, g);
                    l.qty = Decimal::from(step as u64);
                    l.date = NaiveDate::from_ymd_opt(2025, 3, 1 + (step % 28) as u32)
                        .expect("a day of March");
                    let effects = (0..effects)
                        .map(|i| effect(
                            if i == 3 {
                                Target::Subcontractor { name: "S".into(), goods: g, item: ItemNo(u32::from(i)) }
                            } else {
                                Target::Material { item: ItemNo(u32::from(i)), column: COLUMNS[usize::from(i)] }
                            },
                            Decimal::new(step as i64, 2),
                        ))
                        .collect();
                    let mut r = recorded(l, effects);
                    if step % 3 == 0 {
                        r.cif_usd = None;
                        r.cap_cycle = None;
                    }
                    model.insert((r.line.ref_.clone(), n), (r.clone(), awaiting));
                    record(&mut store, r, awaiting);
                }
                Op::Remove { list, n } => {
                    let key = (format!("L{list}"), n);
                    let got = store.remove(&key.0, n).map(|s| s.event_id);
                    proptest::prop_assert_eq!(got, model.remove(&key).map(|(r, _)| r.event_id));
                }
                Op::Consume { list, n } => {
                    let key = (format!("L{list}"), n);
                    let extra = vec![effect(Target::Scrap { item: ItemNo(9) }, Decimal::from(n))];
                    let got = store.add_effects(&key.0, n, &extra, false).map(|(item, _)| item);
                    let want = model.get_mut(&key).map(|(r, awaiting)| {
                        r.effects.extend(extra.iter().cloned());
                        *awaiting = false;
                        r.item
                    });
                    proptest::prop_assert_eq!(got, want);
                }
            }
            proptest::prop_assert_eq!(store.len(), model.len());
            for ((ref_, n), (r, _)) in &model {
                let s = store.get(ref_, *n);
                proptest::prop_assert!(s.is_some());
                let s = s.expect("checked");
                proptest::prop_assert_eq!(
                    (s.event_id, s.date, s.item, s.cif_usd, s.cap_cycle),
                    (r.event_id, r.line.date, r.item, r.cif_usd, r.cap_cycle)
                );
                proptest::prop_assert_eq!(store.effects(s.id), r.effects.clone());
                proptest::prop_assert_eq!(store.compare(&r.line), Some(true));
            }
            let mut whole: Vec<(String, u32)> =
                store.whole_lines().map(|r| (r.line.ref_.clone(), r.line.line)).collect();
            whole.sort();
            let want: Vec<(String, u32)> = model
                .iter()
                .filter(|(_, (r, awaiting))| {
                    *awaiting || is_domestic_sale(&r.line) || is_remaining_carry_over(r.line.mode)
                })
                .map(|(k, _)| k.clone())
                .collect();
            proptest::prop_assert_eq!(whole, want);
            // The domestic sales of some days, a range read: the model's sales of those days,
            // in date order.
            let (from, to) = (
                NaiveDate::from_ymd_opt(2025, 3, 5).expect("date"),
                NaiveDate::from_ymd_opt(2025, 3, 20).expect("date"),
            );
            let sales: Vec<(NaiveDate, String, u32)> = store
                .domestic_sales(from, to)
                .map(|r| (r.line.date, r.line.ref_.clone(), r.line.line))
                .collect();
            proptest::prop_assert!(sales.windows(2).all(|w| w[0].0 <= w[1].0), "{:?}", sales);
            let mut sales = sales;
            sales.sort();
            let mut want_sales: Vec<(NaiveDate, String, u32)> = model
                .values()
                .filter(|(r, _)| {
                    is_domestic_sale(&r.line) && from <= r.line.date && r.line.date <= to
                })
                .map(|(r, _)| (r.line.date, r.line.ref_.clone(), r.line.line))
                .collect();
            want_sales.sort();
            proptest::prop_assert_eq!(sales, want_sales);
            let mut days: Vec<NaiveDate> = model
                .values()
                .filter(|(r, _)| is_domestic_sale(&r.line))
                .map(|(r, _)| r.line.date)
                .collect();
            days.sort();
            days.dedup();
            proptest::prop_assert_eq!(store.domestic_sale_dates(), days);
            let deep: std::collections::BTreeSet<Period> = model
                .values()
                .filter(|(r, _)| is_deep_processing(r.line.mode))
                .map(|(r, _)| Period::of(r.line.date, crate::model::book::DutyPeriod::Monthly))
                .collect();
            proptest::prop_assert_eq!(
                store.deep_processing_months().collect::<std::collections::BTreeSet<_>>(),
                deep
            );
            // The finished goods that left: the model's finished lines, summed.
            let mut finished: BTreeMap<(ItemNo, FinishedColumn), Decimal> = BTreeMap::new();
            for (r, _) in model.values() {
                if let Some(c) = FinishedColumn::of(&r.line) {
                    *finished.entry((r.item, c)).or_default() += r.line.qty;
                }
            }
            finished.retain(|_, q| !q.is_zero());
            let sums = store.finished().between(
                "2025-01-01".parse().expect("date"),
                "2025-12-31".parse().expect("date"),
            ).expect("fits");
            let mut got: BTreeMap<(ItemNo, FinishedColumn), Decimal> = BTreeMap::new();
            for (item, f) in &sums {
                for c in FinishedColumn::ALL {
                    if !f.get(c).is_zero() {
                        got.insert((*item, c), f.get(c));
                    }
                }
            }
            proptest::prop_assert_eq!(got, finished);
        }
    }
}

/// A finished-goods line that came with a value (no decision makes one today) is kept whole,
/// and its quantity still counts and is taken back with it.
#[test]
fn a_valued_finished_line_is_kept_whole_and_still_counts() {
    let mut store = LineStore::default();
    let l = line("X", 1, TradeMode::M0615, Direction::E, GoodsKind::P);
    let r = RecordedLine {
        cif: Some(dec!(25)),
        cif_usd: Some(dec!(25)),
        ..recorded(l.clone(), vec![])
    };
    record(&mut store, r, false);
    assert!(store.whole("X", 1).is_some());
    let year = |s: &LineStore| {
        s.finished()
            .between(l.date, l.date)
            .expect("fits")
            .get(&ItemNo(1))
            .map(|f| f.get(FinishedColumn::Exported))
    };
    assert_eq!(year(&store), Some(dec!(10)));
    assert_eq!(store.get("X", 1).and_then(|s| s.cif_usd), Some(dec!(25)));
    store.remove("X", 1);
    assert_eq!(year(&store), None);
}
