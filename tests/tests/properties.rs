//! Properties of the ledger and its log together, on random sequences of commands:
//!
//! - the in-memory and the sled log, given the same accepted commands, hold the very same
//!   events (ids, envelopes, payloads, hashes), and the sled log still does after reopening;
//! - the state built incrementally (each command decided and folded as it comes) equals the
//!   one rebuilt from scratch by replaying either log;
//! - after every accepted command, every material obeys the balance identity of DOMAIN.md §2
//!   (opening + imported + carried in − consumed − carried out − domestic sold − re-exported −
//!   destroyed = balance) on every date asked, and no stock is negative on any day;
//! - a refused command writes nothing;
//! - the balance equals the stock worked out in the test from the accepted lines alone (each
//!   line's signed quantity, a finished-goods line's times the gross unit consumption), on every
//!   date asked: the report's `balance` is the identity of its own columns, so checking the
//!   identity alone could not fail.
//!
//! The dates run over two years from 2024-01-01, the leap day 2024-02-29 among them; the
//! quantities from 0.1 to a billion with nine decimals, and the largest a cell holds (14 digits
//! before the point, 9 after).
//!
//! These run the library (`ledger-core` deciding, `ledger-store` storing), not the binary.

use chrono::NaiveDate;
use ledger_core::events::commands::{
    BomInput, Command, CorrectionInput, FxInput, ItemInput, MovementLine, WorkOrderInput,
};
use ledger_core::events::event_json::decode_event;
use ledger_core::model::book::{BookHeader, Level};
use ledger_core::model::ids::{BookNo, ItemNo};
use ledger_core::model::refusal::Refusal;
use ledger_core::model::trade_mode::{BookKind, GoodsKind};
use ledger_core::state::balance::balances;
use ledger_core::{decide, Decided, Ledger, SCHEMA_VERSION};
use ledger_store::{
    AppendRequest, EventLog, ExpectedVersion, MemoryLog, NewEvent, SledLog, StoredEvent,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

const ACCOUNT: &str = "E44038000001";
/// Materials 1–3 (3 is in no BOM); finished item 1 uses 1 and 2; scrap item 1.
const MATERIALS: [u32; 3] = [1, 2, 3];

fn day(n: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).expect("date") + chrono::Days::new(n.into())
}

/// Days from 2024-01-01 to 2025-12-31.
const DAYS: u32 = 731;
/// 2024-02-29.
const LEAP_DAY: u32 = 59;

/// Gross unit consumption of finished item 1, per material: 2 / (1 − 2 %) = 2.0408163265…
/// → 2.040816327 (half-up to 9 places); 0.5 with no loss. Material 3 is in no BOM.
fn gross(material: u32) -> Decimal {
    match material {
        1 => Decimal::new(2_040_816_327, 9),
        2 => Decimal::new(5, 1),
        _ => Decimal::ZERO,
    }
}

fn book() -> BookNo {
    ACCOUNT.parse().expect("book number")
}

/// The book, its rates, items and BOM.
fn setup() -> Vec<Command> {
    let mut cmds = vec![Command::OpenBook(BookHeader {
        account: book(),
        company: "4403960001".parse().expect("company"),
        kind: BookKind::Purchased,
        level: Level::Item,
        capacity_usd: Decimal::new(99_999_999_999_999, 0),
        cycle_start: day(0),
        cycle_months: 24,
        headings: vec![],
    })];
    for year in [2024, 2025] {
        for month in 1..=12 {
            cmds.push(Command::SetFxRate(FxInput {
                month: (year, month),
                currency: "USD".parse().expect("currency"),
                cny_per_unit: Decimal::new(71, 1),
            }));
        }
    }
    let item = |goods: GoodsKind, n: u32, hs: &str, price: Option<Decimal>| {
        Command::RegisterItem(ItemInput {
            account: book(),
            goods,
            item: ItemNo(n),
            hs: hs.parse().expect("hs"),
            name: format!("{goods} {n}"),
            unit: "个".parse().expect("unit"),
            spec: None,
            price,
            currency: price.map(|_| "USD".parse().expect("currency")),
            parts: vec![],
            legal: Default::default(),
        })
    };
    for m in MATERIALS {
        cmds.push(item(
            GoodsKind::M,
            m,
            "8542319000",
            Some(Decimal::new(15, 1)),
        ));
    }
    cmds.push(item(GoodsKind::P, 1, "8471500000", None));
    cmds.push(item(GoodsKind::S, 1, "8548000090", None));
    for (material, net, loss) in [
        (1, Decimal::TWO, Decimal::TWO),
        (2, Decimal::new(5, 1), Decimal::ZERO),
    ] {
        cmds.push(Command::DeclareUnitConsumption(BomInput {
            account: book(),
            product: ItemNo(1),
            material: ItemNo(material),
            version: 0,
            net,
            tangible_loss_pct: loss,
            intangible_loss_pct: Decimal::ZERO,
            bonded_pct: Decimal::ONE_HUNDRED,
        }));
    }
    cmds
}

#[derive(Debug, Clone)]
enum Op {
    /// A movement line: what (mode, dir, goods), the item index, the quantity, the day.
    Line {
        what: usize,
        item: usize,
        qty: Decimal,
        day: u32,
    },
    /// A work order that leaves scrap.
    WorkOrder { tenths: i64, day: u32 },
    /// Correct the `pick`-th line still recorded.
    Correct { pick: usize },
}

/// The movement kinds the sequences use: (mode, dir, goods).
const KINDS: [(&str, &str, &str); 10] = [
    ("0615", "I", "M"), // import
    ("0615", "I", "M"), // (imports are the most common line)
    ("0615", "E", "P"), // export of finished goods
    ("0664", "E", "M"), // re-export
    ("0644", "I", "M"), // domestic sale of a material
    ("0644", "I", "P"), // domestic sale of finished goods
    ("4600", "I", "P"), // finished goods returned
    ("0654", "I", "M"), // carried in
    ("0200", "E", "M"), // destroyed
    ("0844", "I", "S"), // scrap sold
];

/// A quantity: mostly tenths up to 500; some with nine decimals up to a billion (their
/// products with a gross consumption still fit a `Decimal` exactly); rarely the largest a cell
/// holds, 99999999999999.999999999 (refused by the capacity or the balance, never an overflow).
fn qty() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        6 => (1i64..=5_000).prop_map(|tenths| Decimal::new(tenths, 1)),
        2 => (1i64..=1_000_000_000_000_000_000).prop_map(|n| Decimal::new(n, 9)),
        1 => Just(limit_qty()),
    ]
}

/// The largest quantity a cell holds: 14 digits before the point, 9 after.
fn limit_qty() -> Decimal {
    Decimal::from_i128_with_scale(99_999_999_999_999_999_999_999, 9)
}

/// A day of the two years, the leap day often.
fn a_day() -> impl Strategy<Value = u32> {
    prop_oneof![5 => 0u32..DAYS, 1 => Just(LEAP_DAY)]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..KINDS.len(), 0usize..3, qty(), a_day())
            .prop_map(|(what, item, qty, day)| Op::Line { what, item, qty, day }),
        1 => (1i64..=500, a_day()).prop_map(|(tenths, day)| Op::WorkOrder { tenths, day }),
        1 => (0usize..64).prop_map(|pick| Op::Correct { pick }),
    ]
}

/// The command of an op; `None` when there is nothing to correct yet.
fn command(state: &Ledger, n: usize, op: &Op) -> Option<Command> {
    Some(match *op {
        Op::Line {
            what,
            item,
            qty,
            day: d,
        } => {
            let (mode, dir, goods) = KINDS[what];
            let goods: GoodsKind = goods.parse().expect("goods");
            let item = match goods {
                GoodsKind::M => MATERIALS[item],
                _ => 1,
            };
            Command::RecordMovement(MovementLine {
                ref_: format!("R{n}"),
                line: 1,
                date: day(d),
                account: book(),
                mode: mode.parse().expect("mode"),
                dir: dir.parse().expect("dir"),
                goods,
                qty,
                item: Some(ItemNo(item)),
                part: None,
                unit_price: (goods == GoodsKind::S).then(|| Decimal::new(3, 0)),
                currency: (goods == GoodsKind::S).then(|| "CNY".parse().expect("currency")),
                incoterm: None,
                freight: None,
                insurance: None,
                bom_version: None,
                peer_account: None,
                subcontractor: None,
                list: None,
            })
        }
        Op::WorkOrder { tenths, day: d } => Command::RecordWorkOrder(WorkOrderInput {
            account: book(),
            order: format!("WO{n}"),
            date: day(d),
            product: ItemNo(1),
            produced: Decimal::TEN,
            material: ItemNo(1),
            issued: Decimal::new(205, 1),
            scrap_item: Some(ItemNo(1)),
            scrap_qty: Some(Decimal::new(tenths, 1)),
        }),
        Op::Correct { pick } => {
            let b = state.book(&book())?;
            let mut open: Vec<(&str, u32)> = b.lines.keys().collect();
            if open.is_empty() {
                return None;
            }
            open.sort();
            let (r, l) = open[pick % open.len()];
            Command::CorrectMovement(CorrectionInput {
                account: book(),
                ref_: r.to_string(),
                line: l,
                reason: format!("correction {n}"),
            })
        }
    })
}

/// The decided events as the CLI appends them, with a fixed actor and time so that both logs
/// get the very same bytes.
fn request(state: &Ledger, decided: &[Decided]) -> AppendRequest {
    let mut req = AppendRequest::new(
        decided
            .iter()
            .map(|d| NewEvent {
                id: d.id,
                stream: d.event.stream().to_string(),
                kind: d.event.kind().to_string(),
                schema_version: SCHEMA_VERSION,
                actor: "prop".into(),
                recorded_at: "2025-06-01T00:00:00.000Z".into(),
                payload: ledger_store::Payload::serialize(&d.event, 1024).expect("encode event"),
            })
            .collect(),
    );
    for d in decided {
        let stream = d.event.stream();
        req = req.expect(stream, ExpectedVersion::Exact(state.stream_version(stream)));
    }
    req
}

/// Every event of a log, in order.
fn events(log: &dyn EventLog) -> Vec<StoredEvent> {
    log.scan(1)
        .collect::<Result<Vec<_>, _>>()
        .expect("the log reads back")
}

/// The state rebuilt from a log, as a command rebuilds it.
fn replayed(log: &dyn EventLog) -> Ledger {
    let mut ledger = Ledger::new();
    for stored in events(log) {
        let event = decode_event(&stored.payload).expect("decode event");
        ledger.evolve(stored.id, &event);
    }
    ledger
}

/// The balance identity and non-negative stocks, for every material on every date asked; and
/// the balance is the stock worked out from the lines.
fn check_books(
    state: &Ledger,
    changes: &Changes,
    dates: &[NaiveDate],
) -> Result<(), TestCaseError> {
    let b = state.book(&book()).expect("the book is open");
    for (item, stock) in &b.materials {
        let (least, when) = stock.available_from(day(0));
        prop_assert!(least >= Decimal::ZERO, "material {item}: {least} on {when}");
    }
    for (item, stock) in &b.scrap {
        let (least, when) = stock.available_from(day(0));
        prop_assert!(least >= Decimal::ZERO, "scrap {item}: {least} on {when}");
    }
    for date in dates {
        let report = balances(state, &book(), *date).expect("balances");
        for m in &report.materials {
            let identity = m.opening + m.imported + m.carried_in
                - m.consumed
                - m.carried_out
                - m.domestic_sold
                - m.re_exported
                - m.destroyed;
            let from_lines = stock_from_changes(changes, m.item.0, *date);
            prop_assert_eq!(
                identity,
                from_lines,
                "material {} on {}: the columns' identity",
                m.item,
                date
            );
            prop_assert_eq!(
                m.balance,
                from_lines,
                "material {} on {}: the balance",
                m.item,
                date
            );
            prop_assert!(
                m.balance >= Decimal::ZERO,
                "material {} on {}",
                m.item,
                date
            );
            let stock = &b.materials[&m.item];
            prop_assert_eq!(m.balance, stock.balance_at(*date).normalize());
        }
    }
    Ok(())
}

/// What an accepted line does to the stock of each material, worked out from the line alone:
/// imports and carry-ins add, re-exports, domestic sales and destructions take away; a
/// finished-goods export or sale takes its quantity times each material's gross unit
/// consumption, a return (4600) puts it back; a scrap sale moves no material.
fn stock_changes(l: &MovementLine) -> Vec<(u32, Decimal)> {
    let kind = (l.mode.to_string(), l.dir.to_string(), l.goods.to_string());
    let item = l.item.map_or(0, |i| i.0);
    let by_gross = |sign: Decimal| vec![(1, sign * l.qty * gross(1)), (2, sign * l.qty * gross(2))];
    match (kind.0.as_str(), kind.1.as_str(), kind.2.as_str()) {
        ("0615", "I", "M") | ("0654", "I", "M") => vec![(item, l.qty)],
        ("0664", "E", "M") | ("0644", "I", "M") | ("0200", "E", "M") => vec![(item, -l.qty)],
        ("0615", "E", "P") | ("0644", "I", "P") => by_gross(Decimal::NEGATIVE_ONE),
        ("4600", "I", "P") => by_gross(Decimal::ONE),
        _ => vec![],
    }
}

/// Each accepted line's stock changes: (ref, line, date, material, change).
type Changes = Vec<(String, u32, NaiveDate, u32, Decimal)>;

/// The balance the changes give `item` at the end of `date`.
fn stock_from_changes(changes: &Changes, item: u32, date: NaiveDate) -> Decimal {
    changes
        .iter()
        .filter(|c| c.3 == item && c.2 <= date)
        .map(|c| c.4)
        .sum()
}

/// Both logs, the state the commands build, and the stock worked out from the lines.
struct World {
    memory: MemoryLog,
    sled: SledLog,
    state: Ledger,
    changes: Changes,
}

impl World {
    /// Decides a command and, accepted, appends its events to both logs and folds them.
    fn record(&mut self, cmd: &Command, dates: &[NaiveDate]) -> Result<(), TestCaseError> {
        let head = self.sled.head();
        match decide(&self.state, cmd) {
            Ok(decided) => {
                let req = request(&self.state, &decided);
                let a = self.memory.append(req.clone()).expect("memory append");
                let b = self.sled.append(req).expect("sled append");
                prop_assert_eq!(a, b);
                for d in &decided {
                    self.state.evolve(d.id, &d.event);
                }
                match cmd {
                    Command::RecordMovement(l) => {
                        for (item, change) in stock_changes(l) {
                            self.changes
                                .push((l.ref_.clone(), l.line, l.date, item, change));
                        }
                    }
                    Command::CorrectMovement(c) => {
                        self.changes.retain(|x| !(x.0 == c.ref_ && x.1 == c.line));
                    }
                    _ => {}
                }
                check_books(&self.state, &self.changes, dates)
            }
            Err(refusal) => {
                // The balance and the capacity may stop these lines; the largest quantity a
                // cell holds may also be too large once multiplied out (bad input at its cell).
                // A refusal writes nothing.
                let at_limit = matches!(cmd, Command::RecordMovement(l) if l.qty == limit_qty());
                prop_assert!(
                    matches!(
                        refusal,
                        Refusal::WouldGoNegative { .. } | Refusal::CapacityExceeded { .. }
                    ) || (at_limit && refusal.column() == Some("qty")),
                    "unexpected refusal {:?} of {:?}",
                    refusal,
                    cmd
                );
                prop_assert_eq!(self.sled.head(), head, "a refused command wrote");
                Ok(())
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn both_logs_agree_and_replay_gives_the_incremental_state(
        ops in prop::collection::vec(op(), 1..30)
    ) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("store");
        let mut w = World {
            memory: MemoryLog::new(),
            sled: SledLog::create(&dir).expect("create the sled log"),
            state: Ledger::new(),
            changes: Vec::new(),
        };
        let mut dates = vec![day(0), day(LEAP_DAY), day(DAYS - 1)];
        for op in &ops {
            if let Op::Line { day: d, .. } | Op::WorkOrder { day: d, .. } = op {
                dates.push(day(*d));
            }
        }
        for cmd in setup() {
            let decided = decide(&w.state, &cmd).map_err(|r| TestCaseError::fail(format!("fixture refused: {r}")))?;
            let req = request(&w.state, &decided);
            w.memory.append(req.clone()).expect("memory append");
            w.sled.append(req).expect("sled append");
            for d in &decided {
                w.state.evolve(d.id, &d.event);
            }
        }
        for (n, op) in ops.iter().enumerate() {
            if let Some(cmd) = command(&w.state, n, op) {
                w.record(&cmd, &dates)?;
            }
        }
        let World { memory, sled, state, changes } = w;

        // The same events, byte for byte, in both logs; and in the sled log once reopened.
        let stored = events(&sled);
        prop_assert_eq!(&stored, &events(&memory));
        prop_assert_eq!(sled.head(), memory.head());
        prop_assert_eq!(sled.verify().expect("verify").events, state.event_count());
        drop(sled);
        let reopened = SledLog::open(&dir).expect("reopen");
        prop_assert_eq!(&events(&reopened), &stored);

        // Rebuilt from scratch, from either log: the state built incrementally.
        for rebuilt in [replayed(&reopened), replayed(&memory)] {
            prop_assert_eq!(rebuilt.event_count(), state.event_count());
            prop_assert_eq!(rebuilt.stream_versions(), state.stream_versions());
            for date in &dates {
                prop_assert_eq!(
                    balances(&rebuilt, &book(), *date).expect("balances"),
                    balances(&state, &book(), *date).expect("balances")
                );
            }
            check_books(&rebuilt, &changes, &dates)?;
        }
    }
}
