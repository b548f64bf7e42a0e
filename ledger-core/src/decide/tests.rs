//! Domain tests of `decide` + `evolve`, in the event-sourcing style: *given* the commands (or
//! events) that built a state, *when* one more command is decided, *then* the events it gives,
//! the balances they lead to, or the refusal with its class and figures.
//!
//! 1. Helpers: given / when / then, balances.
//! 2. Fixtures: a purchased and a supplied book, their items, a BOM, fx rates, stock.
//! 3. The column table of CONTRACT.md: one row per trade-mode combination.
//! 4. Balances that would go negative (materials, back-dated lines, scrap).
//! 5. Unit consumption: before export, before report, pending consumption.
//! 6. Customs value: the capacity cap, exchange rates, incoterms.
//! 7. Master data and books: headings, kinds of book, unknown combinations, items, parts.
//! 8. `ref` + `line`: repeats, conflicts, corrections.
//! 9. Files: `decide_all` is all-or-nothing and idempotent.
//! 10. BOM versions.
//! 11. Properties: no accepted sequence goes negative; replay gives the same ledger.
//!

use chrono::NaiveDate;
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::{decide, decide_all, movement_id, Decided};
use crate::events::commands::{
    BomInput, Command, CorrectionInput, FxInput, InterestInput, ItemInput, MovementLine,
    OpeningInput, StocktakeInput, TariffInput, WorkOrderInput,
};
use crate::events::{Effect, Event, Target};
use crate::model::book::{BookHeader, Level, Setting, UcTiming};
use crate::model::customs_value::Incoterm;
use crate::model::ids::{BookNo, Currency, ItemNo};
use crate::model::refusal::{Refusal, RefusalClass};
use crate::model::trade_mode::Column::{self, *};
use crate::model::trade_mode::Direction::{self, E, I};
use crate::model::trade_mode::GoodsKind::{self, M, P, S};
use crate::model::trade_mode::{BookKind, TradeMode};
use crate::state::balance::{balances, MaterialBalance};
use crate::state::ledger::Ledger;

// ---------------------------------------------------------------------------------------------
// 1. Helpers
// ---------------------------------------------------------------------------------------------

fn d(s: &str) -> NaiveDate {
    s.parse().expect("test date")
}

fn bk(s: &str) -> BookNo {
    s.parse().expect("test book number")
}

fn cur(s: &str) -> Currency {
    s.parse().expect("test currency")
}

/// Folds decided events into the state.
fn apply(state: &mut Ledger, decided: &[Decided]) {
    for x in decided {
        state.evolve(x.id, &x.event);
    }
}

/// Given: decides and folds each command in turn; any refusal is a broken fixture.
fn given(cmds: &[Command]) -> Ledger {
    given_with_events(cmds).0
}

/// Given, keeping the events (for replay).
fn given_with_events(cmds: &[Command]) -> (Ledger, Vec<Decided>) {
    let mut state = Ledger::new();
    let mut events = vec![];
    for (i, c) in cmds.iter().enumerate() {
        let decided =
            decide(&state, c).unwrap_or_else(|r| panic!("given command {i} refused: {r}\n{c:?}"));
        apply(&mut state, &decided);
        events.extend(decided);
    }
    (state, events)
}

/// More givens on top of a state.
fn and_given(mut state: Ledger, cmds: &[Command]) -> Ledger {
    for (i, c) in cmds.iter().enumerate() {
        let decided =
            decide(&state, c).unwrap_or_else(|r| panic!("given command {i} refused: {r}\n{c:?}"));
        apply(&mut state, &decided);
    }
    state
}

/// When a command is decided, it is accepted: the decided events.
fn when(state: &Ledger, cmd: &Command) -> Vec<Decided> {
    decide(state, cmd).unwrap_or_else(|r| panic!("refused: {r}\n{cmd:?}"))
}

/// When a command is decided, then these events (ids dropped).
fn then_events(state: &Ledger, cmd: &Command) -> Vec<Event> {
    when(state, cmd).into_iter().map(|x| x.event).collect()
}

/// When a command is decided, then it is refused.
fn then_refused(state: &Ledger, cmd: &Command) -> Refusal {
    match decide(state, cmd) {
        Ok(events) => panic!("expected a refusal, got {events:#?}\nfor {cmd:?}"),
        Err(r) => r,
    }
}

/// The state after the command (which must be accepted).
fn after(state: &Ledger, cmd: &Command) -> Ledger {
    let mut next = state.clone();
    apply(&mut next, &when(state, cmd));
    next
}

fn balance_of(state: &Ledger, account: &str, item: u32, date: &str) -> MaterialBalance {
    balances(state, &bk(account), d(date))
        .expect("book exists")
        .material(ItemNo(item))
        .cloned()
        .unwrap_or_else(|| panic!("material {item} registered"))
}

fn scrap_of(state: &Ledger, account: &str, item: u32, date: &str) -> Decimal {
    balances(state, &bk(account), d(date))
        .expect("book exists")
        .scrap
        .iter()
        .find(|s| s.item == ItemNo(item))
        .map(|s| s.balance)
        .unwrap_or_else(|| panic!("scrap item {item} registered"))
}

fn held_by(state: &Ledger, account: &str, goods: GoodsKind, item: u32, date: &str) -> Decimal {
    balances(state, &bk(account), d(date))
        .expect("book exists")
        .at_subcontractors
        .iter()
        .filter(|h| h.subcontractor == SUBCONTRACTOR && h.goods == goods && h.item == ItemNo(item))
        .map(|h| h.qty)
        .sum()
}

/// The only event of a decision, which must be a movement.
fn recorded(decided: &[Decided]) -> &crate::events::MovementRecorded {
    match decided {
        [Decided {
            event: Event::MovementRecorded(m),
            ..
        }] => m,
        other => panic!("expected one movement_recorded, got {other:#?}"),
    }
}

fn assert_class(r: &Refusal, class: RefusalClass) {
    assert_eq!(r.class(), class, "class of: {r}");
}

fn assert_says(r: &Refusal, parts: &[&str]) {
    let msg = r.to_string();
    for p in parts {
        assert!(msg.contains(p), "message lacks {p:?}: {msg}");
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Fixtures
// ---------------------------------------------------------------------------------------------

const PURCHASED: &str = "E44038000001";
const SUPPLIED: &str = "B44038000002";
/// IC chip, heading 8542, parts IC-A and IC-B merged into it.
const M1: u32 = 1;
/// Memory chip, heading 8542.
const M2: u32 = 2;
/// Notebook computer, heading 8471: BOM version 0 over M1 and M2.
const FG: u32 = 101;
/// A second finished item with no BOM declared.
const FG_NO_BOM: u32 = 102;
/// Copper scrap.
const SCRAP: u32 = 201;
const SUBCONTRACTOR: &str = "Dongguan Plating Co";
const CAP_USD: Decimal = dec!(100000);

fn header(account: &str, kind: BookKind, cap: Decimal) -> BookHeader {
    BookHeader {
        account: bk(account),
        company: "4403123456".parse().expect("company code"),
        kind,
        level: Level::Item,
        capacity_usd: cap,
        cycle_start: d("2025-01-01"),
        cycle_months: 12,
        headings: ["8542", "8471", "7404"]
            .iter()
            .map(|h| h.parse().expect("heading"))
            .collect(),
    }
}

fn item_input(account: &str, goods: GoodsKind, item: u32, hs: &str, name: &str) -> ItemInput {
    ItemInput {
        account: bk(account),
        goods,
        item: ItemNo(item),
        hs: hs.parse().expect("hs"),
        name: name.into(),
        unit: "PCS".parse().expect("unit"),
        spec: None,
        price: None,
        currency: None,
        parts: vec![],
        legal: Default::default(),
    }
}

fn register(account: &str, goods: GoodsKind, item: u32, hs: &str, name: &str) -> Command {
    Command::RegisterItem(item_input(account, goods, item, hs, name))
}

/// A material at 2 USD registered price (so imports need no price column), with parts.
fn material(account: &str, item: u32, hs: &str, name: &str, parts: &[&str]) -> Command {
    Command::RegisterItem(ItemInput {
        price: Some(dec!(2)),
        currency: Some(Currency::usd()),
        parts: parts.iter().map(|p| p.parse().expect("part")).collect(),
        ..item_input(account, M, item, hs, name)
    })
}

fn bom(account: &str, product: u32, material: u32, version: u32, net: Decimal) -> BomInput {
    BomInput {
        account: bk(account),
        product: ItemNo(product),
        material: ItemNo(material),
        version,
        net,
        tangible_loss_pct: dec!(0),
        intangible_loss_pct: dec!(0),
        bonded_pct: dec!(100),
    }
}

fn fx(year: i32, month: u32, currency: &str, rate: Decimal) -> Command {
    Command::SetFxRate(FxInput {
        month: (year, month),
        currency: cur(currency),
        cny_per_unit: rate,
    })
}

/// Master data of one book: items, BOM version 0 of FG.
fn book_setup(account: &str, kind: BookKind, cap: Decimal) -> Vec<Command> {
    vec![
        Command::OpenBook(header(account, kind, cap)),
        material(account, M1, "8542319000", "IC chip", &["IC-A", "IC-B"]),
        material(account, M2, "8542329000", "memory chip", &["MEM-1"]),
        register(account, P, FG, "8471300000", "notebook computer"),
        register(account, P, FG_NO_BOM, "8471410000", "desktop computer"),
        register(account, S, SCRAP, "7404000090", "copper scrap"),
        // net 2, tangible 2 %: gross = 2 / 0.98 = 2.0408163265… → 2.040816327, all bonded.
        Command::DeclareUnitConsumption(BomInput {
            tangible_loss_pct: dec!(2),
            ..bom(account, FG, M1, 0, dec!(2))
        }),
        // net 0.5, no loss, half of it bonded: 0.25 bonded per finished unit.
        Command::DeclareUnitConsumption(BomInput {
            bonded_pct: dec!(50),
            ..bom(account, FG, M2, 0, dec!(0.5))
        }),
    ]
}

/// Both books and the 2025 exchange rates: USD 7.0 and EUR 7.7 CNY (so 1 EUR = 1.1 USD).
fn setup_with_cap(cap: Decimal) -> Vec<Command> {
    let mut cmds = book_setup(PURCHASED, BookKind::Purchased, cap);
    cmds.extend(book_setup(SUPPLIED, BookKind::Supplied, cap));
    for month in 1..=12 {
        cmds.push(fx(2025, month, "USD", dec!(7.0)));
        cmds.push(fx(2025, month, "EUR", dec!(7.7)));
    }
    cmds
}

fn setup() -> Vec<Command> {
    setup_with_cap(CAP_USD)
}

/// A verification-list line with every optional column empty. `reference` is `REF` (line 1)
/// or `REF/LINE`; `what` is `MODE DIR GOODS`, e.g. `"0615 I M"`.
fn mv(
    account: &str,
    reference: &str,
    date: &str,
    what: &str,
    item: u32,
    qty: Decimal,
) -> MovementLine {
    let (ref_, line) = match reference.split_once('/') {
        Some((r, l)) => (r, l.parse().expect("line number")),
        None => (reference, 1),
    };
    let [mode, dir, goods]: [&str; 3] = what
        .split(' ')
        .collect::<Vec<_>>()
        .try_into()
        .expect("MODE DIR GOODS");
    MovementLine {
        ref_: ref_.into(),
        line,
        date: d(date),
        account: bk(account),
        mode: mode.parse().expect("mode"),
        dir: dir.parse().expect("dir"),
        goods: goods.parse().expect("goods"),
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

/// An identical-goods price of 2 USD for a supplied book's material, from `date`.
fn price(account: &str, item: u32, date: &str) -> Command {
    Command::SetPrice(crate::events::commands::PriceInput {
        account: bk(account),
        item: ItemNo(item),
        date: d(date),
        unit_price: dec!(2),
        currency: Currency::usd(),
    })
}

fn rec(l: MovementLine) -> Command {
    Command::RecordMovement(l)
}

/// A line of the purchased book, as a command.
fn purchased(reference: &str, date: &str, what: &str, item: u32, qty: Decimal) -> Command {
    rec(mv(PURCHASED, reference, date, what, item, qty))
}

/// 0615 import of a material into the purchased book, at the registered 2 USD.
fn import(reference: &str, date: &str, item: u32, qty: Decimal) -> Command {
    purchased(reference, date, "0615 I M", item, qty)
}

/// 0664 re-export of a material from the purchased book: the plainest way out.
fn re_export(ref_: &str, date: &str, item: u32, qty: Decimal) -> Command {
    purchased(ref_, date, "0664 E M", item, qty)
}

/// 0615 export of FG (BOM version 0) from the purchased book.
fn export_fg(ref_: &str, date: &str, qty: Decimal) -> Command {
    purchased(ref_, date, "0615 E P", FG, qty)
}

fn correction(account: &str, ref_: &str, line: u32) -> Command {
    Command::CorrectMovement(CorrectionInput {
        account: bk(account),
        ref_: ref_.into(),
        line,
        reason: "wrong quantity keyed".into(),
    })
}

fn work_order(account: &str, date: &str, scrap: Decimal) -> Command {
    Command::RecordWorkOrder(WorkOrderInput {
        account: bk(account),
        order: "WO-1".into(),
        date: d(date),
        product: ItemNo(FG),
        produced: dec!(10),
        material: ItemNo(M1),
        issued: dec!(21),
        scrap_item: Some(ItemNo(SCRAP)),
        scrap_qty: Some(scrap),
    })
}

/// Each book holds, from January: 1000 of M1 and of M2 (5 Jan), 100 scrap (6 Jan), and has
/// sent 100 of M1 to the subcontractor (7 Jan).
fn stocked() -> Vec<Command> {
    let mut cmds = setup();
    for (account, mode) in [(PURCHASED, "0615"), (SUPPLIED, "0214")] {
        for item in [M1, M2] {
            cmds.push(rec(mv(
                account,
                &format!("IMP-0105/{item}"),
                "2025-01-05",
                &format!("{mode} I M"),
                item,
                dec!(1000),
            )));
        }
        cmds.push(work_order(account, "2025-01-06", dec!(100)));
        cmds.push(rec(MovementLine {
            subcontractor: Some(SUBCONTRACTOR.into()),
            ..mv(account, "OWP-0107", "2025-01-07", "OWP E M", M1, dec!(100))
        }));
    }
    cmds
}

#[test]
fn the_fixture_holds_what_it_says() {
    let state = given(&stocked());
    for account in [PURCHASED, SUPPLIED] {
        for item in [M1, M2] {
            let b = balance_of(&state, account, item, "2025-01-31");
            assert_eq!(
                (b.imported, b.balance),
                (dec!(1000), dec!(1000)),
                "{account} {item}"
            );
        }
        assert_eq!(scrap_of(&state, account, SCRAP, "2025-01-31"), dec!(100));
        assert_eq!(held_by(&state, account, M, M1, "2025-01-31"), dec!(100));
    }
    let fg = &state.book(&bk(PURCHASED)).expect("book").boms[&(ItemNo(FG), 0)];
    assert_eq!(fg[&ItemNo(M1)].gross, dec!(2.040816327));
    assert_eq!(fg[&ItemNo(M2)].gross, dec!(0.5));
}

// ---------------------------------------------------------------------------------------------
// 3. The column table (CONTRACT.md "Which balance column a movement moves")
// ---------------------------------------------------------------------------------------------

/// One trade-mode combination: the line, and what it must change (everything not named stays).
struct Row {
    account: &'static str,
    mode: &'static str,
    dir: Direction,
    goods: GoodsKind,
    item: u32,
    qty: Decimal,
    /// (material, column, change of that column).
    columns: Vec<(u32, Column, Decimal)>,
    /// Change of the balance of M1 and M2.
    balance: [Decimal; 2],
    scrap: Decimal,
    held: Decimal,
}

fn row(
    account: &'static str,
    mode: &'static str,
    dir: Direction,
    goods: GoodsKind,
    item: u32,
    qty: Decimal,
) -> Row {
    Row {
        account,
        mode,
        dir,
        goods,
        item,
        qty,
        columns: vec![],
        balance: [dec!(0), dec!(0)],
        scrap: dec!(0),
        held: dec!(0),
    }
}

impl Row {
    fn moves(mut self, material: u32, column: Column, change: Decimal) -> Self {
        self.columns.push((material, column, change));
        self
    }
    fn balance(mut self, m1: Decimal, m2: Decimal) -> Self {
        self.balance = [m1, m2];
        self
    }
    fn scrap(mut self, change: Decimal) -> Self {
        self.scrap = change;
        self
    }
    fn held(mut self, change: Decimal) -> Self {
        self.held = change;
        self
    }
}

/// Finished-goods rows move 10 FG, i.e. per material:
///   M1: 10 × 2.040816327 × 100% = 20.40816327
///   M2: 10 × 0.5 × 50% = 2.5
fn column_table() -> Vec<Row> {
    let fg_m1 = dec!(20.40816327);
    let fg_m2 = dec!(2.5);
    let mut rows = vec![];
    for (acct, kind) in [(PURCHASED, "purchased"), (SUPPLIED, "supplied")] {
        let p = kind == "purchased";
        let code = |purchased: &'static str, supplied: &'static str| {
            if p {
                purchased
            } else {
                supplied
            }
        };
        rows.extend([
            // imported: 0615/0214 I M, +10
            row(acct, code("0615", "0214"), I, M, M1, dec!(10))
                .moves(M1, Imported, dec!(10))
                .balance(dec!(10), dec!(0)),
            // consumed: 0615/0214 E P, 10 FG
            row(acct, code("0615", "0214"), E, P, FG, dec!(10))
                .moves(M1, Consumed, fg_m1)
                .moves(M2, Consumed, fg_m2)
                .balance(-fg_m1, -fg_m2),
            // imported: 0700/0300 I M (replacement), +10
            row(acct, code("0700", "0300"), I, M, M1, dec!(10))
                .moves(M1, Imported, dec!(10))
                .balance(dec!(10), dec!(0)),
            // re_exported: 0700/0300 E M (return), 10
            row(acct, code("0700", "0300"), E, M, M1, dec!(10))
                .moves(M1, ReExported, dec!(10))
                .balance(dec!(-10), dec!(0)),
            // carried_in: 0654/0255 I M (deep processing), +4 of M2
            row(acct, code("0654", "0255"), I, M, M2, dec!(4))
                .moves(M2, CarriedIn, dec!(4))
                .balance(dec!(0), dec!(4)),
            // carried_out: 0654/0255 E P, 10 FG
            row(acct, code("0654", "0255"), E, P, FG, dec!(10))
                .moves(M1, CarriedOut, fg_m1)
                .moves(M2, CarriedOut, fg_m2)
                .balance(-fg_m1, -fg_m2),
            // carried_in: 0657/0258 I M (remaining material into the new book), +7.5
            row(acct, code("0657", "0258"), I, M, M1, dec!(7.5))
                .moves(M1, CarriedIn, dec!(7.5))
                .balance(dec!(7.5), dec!(0)),
            // carried_out: 0657/0258 E M (out of the old book), 7.5
            row(acct, code("0657", "0258"), E, M, M1, dec!(7.5))
                .moves(M1, CarriedOut, dec!(7.5))
                .balance(dec!(-7.5), dec!(0)),
            // domestic_sold: 0644/0245 I M, 3
            row(acct, code("0644", "0245"), I, M, M1, dec!(3))
                .moves(M1, DomesticSold, dec!(3))
                .balance(dec!(-3), dec!(0)),
            // domestic_sold: 0644/0245 I P (converted to materials), 10 FG
            row(acct, code("0644", "0245"), I, P, FG, dec!(10))
                .moves(M1, DomesticSold, fg_m1)
                .moves(M2, DomesticSold, fg_m2)
                .balance(-fg_m1, -fg_m2),
            // re_exported: 0664/0265 E M, 6 of M2
            row(acct, code("0664", "0265"), E, M, M2, dec!(6))
                .moves(M2, ReExported, dec!(6))
                .balance(dec!(0), dec!(-6)),
            // consumed: 4600/4400 I P (finished goods returned): consumption comes back
            row(acct, code("4600", "4400"), I, P, FG, dec!(10))
                .moves(M1, Consumed, -fg_m1)
                .moves(M2, Consumed, -fg_m2)
                .balance(fg_m1, fg_m2),
            // consumed: 4600/4400 E P (replacement sent out)
            row(acct, code("4600", "4400"), E, P, FG, dec!(10))
                .moves(M1, Consumed, fg_m1)
                .moves(M2, Consumed, fg_m2)
                .balance(-fg_m1, -fg_m2),
            // consumed: 0744/0345 E P (finished goods to another regime)
            row(acct, code("0744", "0345"), E, P, FG, dec!(10))
                .moves(M1, Consumed, fg_m1)
                .moves(M2, Consumed, fg_m2)
                .balance(-fg_m1, -fg_m2),
            // scrap only: 0844/0845 I S (scrap domestic sale), 5 of 100
            row(acct, code("0844", "0845"), I, S, SCRAP, dec!(5)).scrap(dec!(-5)),
            // scrap only: 0864/0865 E S (scrap re-export), 5
            row(acct, code("0864", "0865"), E, S, SCRAP, dec!(5)).scrap(dec!(-5)),
            // destroyed: 0200 E M (both kinds of book), 2.25
            row(acct, "0200", E, M, M1, dec!(2.25))
                .moves(M1, Destroyed, dec!(2.25))
                .balance(dec!(-2.25), dec!(0)),
            // scrap only: 0400 E S (scrap destroyed), 5
            row(acct, "0400", E, S, SCRAP, dec!(5)).scrap(dec!(-5)),
            // outward processing: the goods stay on the book; only the subcontractor's holding
            row(acct, "OWP", E, M, M1, dec!(10)).held(dec!(10)),
            row(acct, "OWP", I, M, M1, dec!(10)).held(dec!(-10)),
            row(acct, "OWP", E, P, FG, dec!(3)).held(dec!(3)),
        ]);
        if p {
            rows.extend([
                // imported: 0715 I M (non-matching purchase), +10
                row(acct, "0715", I, M, M1, dec!(10))
                    .moves(M1, Imported, dec!(10))
                    .balance(dec!(10), dec!(0)),
                // consumed: 0642 E P (以产顶进), 10 FG
                row(acct, "0642", E, P, FG, dec!(10))
                    .moves(M1, Consumed, fg_m1)
                    .moves(M2, Consumed, fg_m2)
                    .balance(-fg_m1, -fg_m2),
            ]);
        }
    }
    rows
}

fn columns_of(b: &MaterialBalance) -> [Decimal; 7] {
    [
        b.imported,
        b.carried_in,
        b.consumed,
        b.carried_out,
        b.domestic_sold,
        b.re_exported,
        b.destroyed,
    ]
}

fn column_index(c: Column) -> usize {
    match c {
        Imported => 0,
        CarriedIn => 1,
        Consumed => 2,
        CarriedOut => 3,
        DomesticSold => 4,
        ReExported => 5,
        Destroyed => 6,
        Opening => panic!("no movement moves the opening"),
    }
}

#[test]
fn every_trade_mode_combination_moves_its_columns() {
    // The supplied book's finished-goods sale (0245 P) is valued from its prices.
    let base = and_given(
        given(&stocked()),
        &[
            price(SUPPLIED, M1, "2025-01-01"),
            price(SUPPLIED, M2, "2025-01-01"),
        ],
    );
    let rows = column_table();
    assert_eq!(rows.len(), 2 * 21 + 2);
    for r in rows {
        let what = format!("{} {} {} {}", r.account, r.mode, r.dir, r.goods);
        let mut l = mv(
            r.account,
            "ROW",
            "2025-03-01",
            &format!("{} {} {}", r.mode, r.dir, r.goods),
            r.item,
            r.qty,
        );
        if r.mode == "OWP" {
            l.subcontractor = Some(SUBCONTRACTOR.into());
        }
        if r.mode == "0245" && r.goods == M {
            // A supplied book's materials sale carries the price of identical goods.
            l.unit_price = Some(dec!(2));
            l.currency = Some(Currency::usd());
        }
        if matches!(r.mode, "0657" | "0258") {
            // A remaining-material carry-over names the other book.
            l.peer_account = Some(bk("E44038000009"));
        }
        let decided = decide(&base, &rec(l)).unwrap_or_else(|e| panic!("{what}: refused: {e}"));
        let m = recorded(&decided);
        assert!(!m.awaiting_unit_consumption, "{what}");
        let next = {
            let mut s = base.clone();
            apply(&mut s, &decided);
            s
        };
        for (k, material) in [M1, M2].into_iter().enumerate() {
            let before = balance_of(&base, r.account, material, "2025-03-31");
            let now = balance_of(&next, r.account, material, "2025-03-31");
            let mut want = [dec!(0); 7];
            for (mat, col, change) in &r.columns {
                if *mat == material {
                    want[column_index(*col)] += *change;
                }
            }
            let got: Vec<Decimal> = columns_of(&now)
                .iter()
                .zip(columns_of(&before))
                .map(|(a, b)| a - b)
                .collect();
            assert_eq!(got, want.to_vec(), "{what}: columns of material {material}");
            assert_eq!(
                now.balance - before.balance,
                r.balance[k],
                "{what}: balance of {material}"
            );
            assert_eq!(now.opening, before.opening, "{what}");
            // The day before is untouched: the line acts on its own date.
            assert_eq!(
                balance_of(&next, r.account, material, "2025-02-28"),
                balance_of(&base, r.account, material, "2025-02-28"),
                "{what}"
            );
        }
        let scrap = scrap_of(&next, r.account, SCRAP, "2025-03-31")
            - scrap_of(&base, r.account, SCRAP, "2025-03-31");
        assert_eq!(scrap, r.scrap, "{what}: scrap stock");
        let held = held_by(&next, r.account, r.goods, r.item, "2025-03-31")
            - held_by(&base, r.account, r.goods, r.item, "2025-03-31");
        assert_eq!(held, r.held, "{what}: held by the subcontractor");
    }
}

#[test]
fn every_code_of_the_table_is_covered() {
    let rows = column_table();
    for mode in TradeMode::all() {
        assert!(
            rows.iter().any(|r| r.mode == mode.code()),
            "{mode} has no row in the column table"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Balances that would go negative
// ---------------------------------------------------------------------------------------------

#[test]
fn export_beyond_the_balance_is_refused_with_item_available_and_requested() {
    // Given 20 of M1 and plenty of M2, when 10 FG need 20.40816327 of M1: refused.
    let state = given(&setup());
    let state = and_given(
        state,
        &[
            import("IMP-1", "2025-02-01", M1, dec!(20)),
            import("IMP-2", "2025-02-01", M2, dec!(100)),
        ],
    );
    let r = then_refused(&state, &export_fg("EXP-1", "2025-03-01", dec!(10)));
    assert_class(&r, RefusalClass::Rule);
    assert_eq!(r.column(), Some("qty"));
    match &r {
        Refusal::WouldGoNegative {
            what,
            date,
            available,
            requested,
            ..
        } => {
            assert!(what.contains("material 1"), "{what}");
            assert_eq!(*date, d("2025-03-01"));
            assert_eq!(*available, dec!(20));
            assert_eq!(*requested, dec!(20.40816327));
        }
        other => panic!("expected WouldGoNegative, got {other:?}"),
    }
    assert_says(
        &r,
        &[
            "material 1 (IC chip)",
            "2025-03-01",
            "20 PCS available",
            "20.40816327 PCS requested",
        ],
    );

    // 9.8 FG would need 9.8 × 2.040816327 = 20.0000000046: still 0.0000000046 short.
    let r = then_refused(&state, &export_fg("EXP-1", "2025-03-01", dec!(9.8)));
    assert!(
        matches!(r, Refusal::WouldGoNegative { requested, .. } if requested == dec!(20.0000000046))
    );
    // 9.79 FG need 9.79 × 2.040816327 = 19.97959184133: fits.
    let ok = when(&state, &export_fg("EXP-1", "2025-03-01", dec!(9.79)));
    assert_eq!(
        recorded(&ok).effects[0],
        Effect {
            target: Target::Material {
                item: ItemNo(M1),
                column: Consumed
            },
            qty: dec!(19.97959184133), // 9.79 × 2.040816327
        }
    );
}

#[test]
fn back_dated_export_refused_because_a_later_day_would_go_negative() {
    // 100 in on 10 Jan, 80 out on 10 Mar; then 30 out dated 1 Feb. On 1 Feb 100 are there,
    // but 10 Mar would be left with −10: 20 is all that may leave.
    let state = given(&setup());
    let state = and_given(
        state,
        &[
            import("IMP-1", "2025-01-10", M1, dec!(100)),
            re_export("REX-1", "2025-03-10", M1, dec!(80)),
        ],
    );
    assert_eq!(
        balance_of(&state, PURCHASED, M1, "2025-02-01").balance,
        dec!(100)
    );
    let r = then_refused(&state, &re_export("REX-2", "2025-02-01", M1, dec!(30)));
    assert_class(&r, RefusalClass::Rule);
    match &r {
        Refusal::WouldGoNegative {
            date,
            available,
            requested,
            ..
        } => {
            assert_eq!(
                (*date, *available, *requested),
                (d("2025-03-10"), dec!(20), dec!(30))
            );
        }
        other => panic!("expected WouldGoNegative, got {other:?}"),
    }
    assert_says(
        &r,
        &[
            "material 1",
            "2025-03-10",
            "20 PCS available",
            "30 PCS requested",
        ],
    );
    // 20 is fine, and leaves 0 on 10 Mar.
    let state = after(&state, &re_export("REX-2", "2025-02-01", M1, dec!(20)));
    assert_eq!(
        balance_of(&state, PURCHASED, M1, "2025-03-10").balance,
        dec!(0)
    );
    assert_eq!(
        balance_of(&state, PURCHASED, M1, "2025-02-01").balance,
        dec!(80)
    );
}

#[test]
fn export_before_the_first_import_is_refused() {
    let state = and_given(
        given(&setup()),
        &[import("IMP-1", "2025-02-01", M1, dec!(100))],
    );
    let r = then_refused(&state, &re_export("REX-1", "2025-01-31", M1, dec!(1)));
    assert!(
        matches!(r, Refusal::WouldGoNegative { available, .. } if available == dec!(0)),
        "{r:?}"
    );
}

#[test]
fn scrap_cannot_go_negative() {
    let state = given(&stocked());
    // 100 scrap from the work order of 6 Jan.
    let sale = |qty| purchased("SCR-1", "2025-03-01", "0844 I S", SCRAP, qty);
    let r = then_refused(&state, &sale(dec!(100.5)));
    assert_class(&r, RefusalClass::Rule);
    match &r {
        Refusal::WouldGoNegative {
            what,
            available,
            requested,
            ..
        } => {
            assert!(what.contains("scrap item 201"), "{what}");
            assert_eq!((*available, *requested), (dec!(100), dec!(100.5)));
        }
        other => panic!("expected WouldGoNegative, got {other:?}"),
    }
    let state = after(&state, &sale(dec!(100)));
    assert_eq!(scrap_of(&state, PURCHASED, SCRAP, "2025-03-01"), dec!(0));
    // Scrap moves never touch the materials.
    assert_eq!(
        balance_of(&state, PURCHASED, M1, "2025-03-01").balance,
        dec!(1000)
    );
    // Scrap dated before the work order that produced it: none yet.
    let early = purchased("SCR-2", "2025-01-05", "0400 E S", SCRAP, dec!(1));
    let r = then_refused(&given(&stocked()), &early);
    assert!(
        matches!(r, Refusal::WouldGoNegative { available, .. } if available == dec!(0)),
        "{r:?}"
    );
}

#[test]
fn outward_processing_cannot_send_more_than_the_factory_holds() {
    // 1000 on the book, 100 already at the subcontractor: 900 may still go.
    let state = given(&stocked());
    let send = |qty| {
        rec(MovementLine {
            subcontractor: Some(SUBCONTRACTOR.into()),
            ..mv(PURCHASED, "OWP-2", "2025-03-01", "OWP E M", M1, qty)
        })
    };
    let r = then_refused(&state, &send(dec!(900.001)));
    assert_class(&r, RefusalClass::Rule);
    assert!(
        matches!(r, Refusal::WouldGoNegative { available, .. } if available == dec!(900)),
        "{r:?}"
    );
    when(&state, &send(dec!(900)));
    // More back than was sent: refused; and the subcontractor must be named.
    let back = rec(MovementLine {
        subcontractor: Some(SUBCONTRACTOR.into()),
        ..mv(PURCHASED, "OWP-3", "2025-03-01", "OWP I M", M1, dec!(101))
    });
    assert_class(&then_refused(&state, &back), RefusalClass::Rule);
    let anonymous = purchased("OWP-4", "2025-03-01", "OWP E M", M1, dec!(1));
    assert_class(&then_refused(&state, &anonymous), RefusalClass::BadInput);
}

/// The stock at the end of a day counts that day's own changes: an export on the day of an
/// import is accepted even when later days have movements.
#[test]
fn same_day_import_then_export_is_accepted_when_a_later_day_has_movements() {
    // 100 in on 10 Jan, 10 more on 1 Feb. On 10 Jan 100 are there and never fewer after.
    let state = and_given(
        given(&setup()),
        &[
            import("IMP-1", "2025-01-10", M1, dec!(100)),
            import("IMP-2", "2025-02-01", M1, dec!(10)),
        ],
    );
    // Today: refused with "0 PCS available" on 2025-01-10.
    let state = after(&state, &re_export("REX-1", "2025-01-10", M1, dec!(30)));
    assert_eq!(
        balance_of(&state, PURCHASED, M1, "2025-01-10").balance,
        dec!(70)
    );
    assert_eq!(
        balance_of(&state, PURCHASED, M1, "2025-02-01").balance,
        dec!(80)
    );
}

// ---------------------------------------------------------------------------------------------
// 5. Unit consumption
// ---------------------------------------------------------------------------------------------

#[test]
fn export_without_declared_unit_consumption_is_refused_before_export() {
    let state = given(&stocked());
    let export = purchased("EXP-1", "2025-03-01", "0615 E P", FG_NO_BOM, dec!(1));
    let r = then_refused(&state, &export);
    assert_class(&r, RefusalClass::Rule);
    assert_eq!(
        r,
        Refusal::UnitConsumptionNotDeclared {
            account: bk(PURCHASED),
            product: ItemNo(FG_NO_BOM),
            version: 0,
        }
    );
    assert_says(&r, &["finished item 102", "version 0", "before export"]);
    // A version that is not declared, of a product that has another one.
    let v1 = rec(MovementLine {
        bom_version: Some(1),
        ..mv(PURCHASED, "EXP-2", "2025-03-01", "0615 E P", FG, dec!(1))
    });
    assert!(matches!(
        then_refused(&state, &v1),
        Refusal::UnitConsumptionNotDeclared { version: 1, .. }
    ));
}

fn before_report() -> Command {
    Command::ChangeSettings {
        account: bk(PURCHASED),
        changes: vec![Setting::UcTiming(UcTiming::BeforeReport)],
    }
}

fn export_no_bom(ref_: &str, qty: Decimal) -> Command {
    purchased(ref_, "2025-03-01", "0615 E P", FG_NO_BOM, qty)
}

#[test]
fn before_report_accepts_the_export_and_awaits_its_unit_consumption() {
    let state = and_given(given(&stocked()), &[before_report()]);
    let decided = when(&state, &export_no_bom("EXP-1", dec!(10)));
    let m = recorded(&decided);
    assert!(m.awaiting_unit_consumption);
    assert!(m.effects.is_empty());
    let mut state = state;
    apply(&mut state, &decided);
    assert_eq!(
        balance_of(&state, PURCHASED, M1, "2025-03-31").consumed,
        dec!(0)
    );
    // Nothing declared yet: nothing to apply.
    let apply_cmd = Command::ApplyPendingConsumption {
        account: bk(PURCHASED),
    };
    assert!(then_events(&state, &apply_cmd).is_empty());
    assert!(state
        .book(&bk(PURCHASED))
        .expect("book")
        .awaiting
        .contains(&("EXP-1".to_string(), 1)));
}

/// Given the awaiting export and its BOM declared, `ApplyPendingConsumption` applies it on the
/// export's date.
#[test]
fn pending_consumption_is_applied_once_declared() {
    let mut state = and_given(
        given(&stocked()),
        &[
            before_report(),
            export_no_bom("EXP-1", dec!(10)),
            Command::DeclareUnitConsumption(BomInput {
                account: bk(PURCHASED),
                product: ItemNo(FG_NO_BOM),
                material: ItemNo(M1),
                version: 0,
                net: dec!(1.5),
                tangible_loss_pct: dec!(0),
                intangible_loss_pct: dec!(0),
                bonded_pct: dec!(100),
            }),
        ],
    );
    assert_eq!(
        balance_of(&state, PURCHASED, M1, "2025-03-31").consumed,
        dec!(0)
    );

    let apply_cmd = Command::ApplyPendingConsumption {
        account: bk(PURCHASED),
    };
    let decided = when(&state, &apply_cmd);
    match &decided[..] {
        [Decided {
            event: Event::ConsumptionApplied(c),
            ..
        }] => {
            assert_eq!(
                (c.ref_.as_str(), c.line, c.date),
                ("EXP-1", 1, d("2025-03-01"))
            );
            // 10 × 1.5 = 15
            assert_eq!(
                c.effects,
                vec![Effect {
                    target: Target::Material {
                        item: ItemNo(M1),
                        column: Consumed
                    },
                    qty: dec!(15)
                }]
            );
        }
        other => panic!("expected one consumption_applied, got {other:#?}"),
    }
    apply(&mut state, &decided);
    let b = balance_of(&state, PURCHASED, M1, "2025-03-31");
    assert_eq!((b.consumed, b.balance), (dec!(15), dec!(985)));
    assert_eq!(
        balance_of(&state, PURCHASED, M1, "2025-02-28").consumed,
        dec!(0)
    );
    // Applied once: a second request finds nothing waiting.
    assert!(then_events(&state, &apply_cmd).is_empty());
    // A correction now reverses the applied consumption too.
    let state = after(&state, &correction(PURCHASED, "EXP-1", 1));
    assert_eq!(
        balance_of(&state, PURCHASED, M1, "2025-03-31").consumed,
        dec!(0)
    );
}

/// With `uc_timing=before_report` an export waits for its unit consumption without fixing the
/// BOM version, so the declaration it waits for is accepted and then applied.
#[test]
fn unit_consumption_declared_after_an_awaiting_export_is_applied() {
    let state = and_given(
        given(&stocked()),
        &[before_report(), export_no_bom("EXP-1", dec!(10))],
    );
    let declare = Command::DeclareUnitConsumption(bom(PURCHASED, FG_NO_BOM, M1, 0, dec!(1.5)));
    // Today: MasterDataConflict "version 0 … is already used by recorded movements".
    let state = after(&state, &declare);
    assert_eq!(
        balance_of(&state, PURCHASED, M1, "2025-03-31").consumed,
        dec!(0)
    );
    let state = after(
        &state,
        &Command::ApplyPendingConsumption {
            account: bk(PURCHASED),
        },
    );
    assert_eq!(
        balance_of(&state, PURCHASED, M1, "2025-03-31").consumed,
        dec!(15)
    );
}

// ---------------------------------------------------------------------------------------------
// 6. Customs value: the capacity cap, exchange rates, incoterms
// ---------------------------------------------------------------------------------------------

fn priced(
    ref_: &str,
    date: &str,
    item: u32,
    qty: Decimal,
    price: Decimal,
    currency: &str,
) -> Command {
    rec(MovementLine {
        unit_price: Some(price),
        currency: Some(cur(currency)),
        ..mv(PURCHASED, ref_, date, "0615 I M", item, qty)
    })
}

#[test]
fn capacity_cap_bounds_cumulative_cif_with_eur_converted_via_cny() {
    // Cap 100 000 USD. 25 000 × 2 USD = 50 000 USD; 10 000 × 4 EUR = 40 000 EUR
    // = 308 000 CNY (× 7.7) = 44 000 USD (÷ 7.0). Used: 94 000 USD.
    let state = and_given(
        given(&setup()),
        &[
            import("IMP-1", "2025-02-01", M1, dec!(25000)),
            priced("IMP-2", "2025-03-01", M2, dec!(10000), dec!(4), "EUR"),
        ],
    );
    let b = state.book(&bk(PURCHASED)).expect("book");
    assert_eq!(b.cap_used_usd[&1], dec!(94000));
    assert_eq!(
        b.lines.get("IMP-2", 1).and_then(|l| l.cif_usd),
        Some(dec!(44000))
    );

    // 6 000.01 USD more: 100 000.01 > 100 000.
    let over = priced("IMP-3", "2025-04-01", M1, dec!(1), dec!(6000.01), "USD");
    let r = then_refused(&state, &over);
    assert_class(&r, RefusalClass::Rule);
    assert_eq!(
        r,
        Refusal::CapacityExceeded {
            cap_usd: dec!(100000),
            used_usd: dec!(94000),
            line_usd: dec!(6000.01),
            would_be_usd: dec!(100000.01),
            cycle_start: d("2025-01-01"),
        }
    );
    assert_says(
        &r,
        &[
            "100000.01 USD",
            "100000 USD",
            "94000 USD",
            "6000.01 USD",
            "2025-01-01",
        ],
    );

    // Exactly at the cap is accepted; then not one cent more.
    let state = after(
        &state,
        &priced("IMP-3", "2025-04-01", M1, dec!(1), dec!(6000), "USD"),
    );
    let cent = priced("IMP-4", "2025-04-02", M1, dec!(1), dec!(0.01), "USD");
    assert!(matches!(
        then_refused(&state, &cent),
        Refusal::CapacityExceeded { .. }
    ));
    // A carry-in is no direct import: it does not count.
    when(
        &state,
        &purchased("CIN-1", "2025-04-02", "0654 I M", M1, dec!(1000)),
    );
    // The next cycle starts again from 0.
    let next_cycle = rec(MovementLine {
        unit_price: Some(dec!(50000)),
        ..mv(PURCHASED, "IMP-6", "2026-01-05", "0615 I M", M1, dec!(1))
    });
    assert_eq!(
        recorded(&when(&state, &next_cycle)).cif_usd,
        Some(dec!(50000))
    );
}

#[test]
fn correcting_an_import_gives_its_cap_back() {
    let state = and_given(
        given(&setup()),
        &[import("IMP-1", "2025-02-01", M1, dec!(50000))],
    );
    assert!(matches!(
        then_refused(&state, &import("IMP-2", "2025-02-01", M2, dec!(1))),
        Refusal::CapacityExceeded { .. }
    ));
    let state = after(&state, &correction(PURCHASED, "IMP-1", 1));
    assert_eq!(
        state.book(&bk(PURCHASED)).expect("book").cap_used_usd[&1],
        dec!(0)
    );
    when(&state, &import("IMP-2", "2025-02-01", M2, dec!(1)));
}

#[test]
fn import_without_an_exchange_rate_is_refused() {
    let state = given(&setup());
    let r = then_refused(
        &state,
        &priced("IMP-1", "2026-02-10", M1, dec!(1), dec!(4), "EUR"),
    );
    // Missing reference data is bad input (exit 2), naming what to load (DOMAIN.md §8).
    assert_class(&r, RefusalClass::BadInput);
    assert_eq!(
        r,
        Refusal::NoExchangeRate {
            currency: "EUR".into(),
            month: "2026-02".into()
        }
    );
    assert_says(&r, &["EUR", "2026-02"]);
    // A CNY price needs the USD rate of the month to reach USD.
    let r = then_refused(
        &state,
        &priced("IMP-1", "2026-02-10", M1, dec!(1), dec!(4), "CNY"),
    );
    assert_eq!(
        r,
        Refusal::NoExchangeRate {
            currency: "USD".into(),
            month: "2026-02".into()
        }
    );
    // A USD price needs none.
    when(
        &state,
        &priced("IMP-1", "2026-02-10", M1, dec!(1), dec!(4), "USD"),
    );
}

#[test]
fn fob_import_needs_its_freight() {
    let state = given(&setup());
    let fob = |freight: Option<Decimal>| {
        rec(MovementLine {
            incoterm: Some(Incoterm::FOB),
            freight,
            ..mv(PURCHASED, "IMP-1", "2025-02-01", "0615 I M", M1, dec!(500))
        })
    };
    let r = then_refused(&state, &fob(None));
    assert_class(&r, RefusalClass::BadInput);
    assert_eq!(r.column(), Some("freight"));
    // 500 × 2 = 1000 + freight 50 + insurance (1050 × 3‰ = 3.15) = 1053.15 USD.
    let m = when(&state, &fob(Some(dec!(50))));
    assert_eq!(
        (recorded(&m).cif, recorded(&m).cif_usd),
        (Some(dec!(1053.15)), Some(dec!(1053.15)))
    );
}

#[test]
fn an_import_without_any_price_is_bad_input() {
    let state = and_given(
        given(&setup()),
        &[register(PURCHASED, M, 3, "8542390000", "unpriced chip")],
    );
    let r = then_refused(&state, &import("IMP-1", "2025-02-01", 3, dec!(1)));
    assert_class(&r, RefusalClass::BadInput);
    assert_eq!(r.column(), Some("unit_price"));
}

// ---------------------------------------------------------------------------------------------
// 7. Master data and books
// ---------------------------------------------------------------------------------------------

#[test]
fn hs_heading_outside_the_book_is_refused() {
    let state = given(&setup());
    let r = then_refused(
        &state,
        &register(PURCHASED, M, 3, "3926909090", "plastic part"),
    );
    assert_class(&r, RefusalClass::Rule);
    assert_eq!(r.column(), Some("hs"));
    assert_says(&r, &["3926909090", "heading 3926", "8542, 8471, 7404"]);
    // Finished goods too; scrap is what falls out, whatever its heading.
    assert!(matches!(
        then_refused(&state, &register(PURCHASED, P, 103, "8517130000", "phone")),
        Refusal::HeadingNotAllowed { .. }
    ));
    when(
        &state,
        &register(PURCHASED, S, 202, "3915900000", "plastic scrap"),
    );
}

#[test]
fn trade_mode_of_the_other_kind_of_book_is_bad_input() {
    let state = given(&stocked());
    let r = then_refused(
        &state,
        &purchased("X", "2025-03-01", "0214 I M", M1, dec!(1)),
    );
    assert_class(&r, RefusalClass::BadInput);
    assert_eq!(
        r,
        Refusal::ModeOfOtherBookKind {
            account: bk(PURCHASED),
            mode: TradeMode::M0214,
            kind: BookKind::Purchased
        }
    );
    assert_says(&r, &["0214", "supplied", PURCHASED, "purchased"]);
    let r = then_refused(
        &state,
        &rec(mv(SUPPLIED, "X", "2025-03-01", "0615 I M", M1, dec!(1))),
    );
    assert!(
        matches!(
            r,
            Refusal::ModeOfOtherBookKind {
                kind: BookKind::Supplied,
                ..
            }
        ),
        "{r:?}"
    );
}

#[test]
fn a_combination_customs_does_not_know_is_bad_input() {
    let state = given(&stocked());
    // Exporting materials under 0615, importing scrap under 0615, selling materials as scrap.
    for (mode, dir, goods, item) in [
        ("0615", E, M, M1),
        ("0615", I, S, SCRAP),
        ("0844", I, M, M1),
        ("0200", E, S, SCRAP),
    ] {
        let r = then_refused(
            &state,
            &purchased(
                "X",
                "2025-03-01",
                &format!("{mode} {dir} {goods}"),
                item,
                dec!(1),
            ),
        );
        assert_class(&r, RefusalClass::BadInput);
        assert!(
            matches!(r, Refusal::ModeCombination { .. }),
            "{mode} {dir} {goods}: {r:?}"
        );
        assert_says(&r, &[mode, &format!("dir {dir} and goods {goods}")]);
    }
    let r = then_refused(
        &state,
        &purchased("X", "2025-03-01", "0615 E M", M1, dec!(1)),
    );
    assert_says(&r, &["dir I goods M or dir E goods P"]);
}

#[test]
fn unknown_book_item_and_part_are_bad_input() {
    let state = given(&stocked());
    let r = then_refused(
        &state,
        &rec(mv(
            "E44038009999",
            "X",
            "2025-03-01",
            "0615 I M",
            M1,
            dec!(1),
        )),
    );
    assert_eq!(
        (r.class(), r.column()),
        (RefusalClass::BadInput, Some("account"))
    );

    let r = then_refused(&state, &import("X", "2025-03-01", 999, dec!(1)));
    assert_class(&r, RefusalClass::BadInput);
    assert_eq!(
        r,
        Refusal::UnknownItem {
            account: bk(PURCHASED),
            goods: M,
            item: ItemNo(999)
        }
    );
    assert_says(&r, &["material 999", PURCHASED]);
    // FG is a finished item, not a material.
    assert!(matches!(
        then_refused(&state, &import("X", "2025-03-01", FG, dec!(1))),
        Refusal::UnknownItem { .. }
    ));

    let by_part = |part: &str, mode: &str, goods| {
        rec(MovementLine {
            item: None,
            part: Some(part.parse().expect("part")),
            ..mv(
                PURCHASED,
                "X",
                "2025-03-01",
                &format!("{mode} I {goods}"),
                M1,
                dec!(1),
            )
        })
    };
    let r = then_refused(&state, &by_part("IC-Z", "0615", M));
    assert_class(&r, RefusalClass::BadInput);
    assert_eq!(r.column(), Some("part"));
    assert_says(&r, &["IC-Z"]);
    // A part of a material is not a part of a finished item.
    let r = then_refused(&state, &by_part("IC-A", "4600", P));
    assert!(matches!(r, Refusal::UnknownPart { .. }), "{r:?}");
    // Neither item nor part.
    let r = then_refused(
        &state,
        &rec(MovementLine {
            item: None,
            ..mv(PURCHASED, "X", "2025-03-01", "0615 I M", M1, dec!(1))
        }),
    );
    assert_eq!(
        (r.class(), r.column()),
        (RefusalClass::BadInput, Some("item"))
    );
}

#[test]
fn a_movement_by_part_posts_to_the_item_it_is_merged_into() {
    let state = given(&stocked());
    let by_part = |ref_: &str, part: &str, item: Option<u32>| {
        rec(MovementLine {
            item: item.map(ItemNo),
            part: Some(part.parse().expect("part")),
            ..mv(PURCHASED, ref_, "2025-03-01", "0615 I M", M1, dec!(7))
        })
    };
    let decided = when(&state, &by_part("P-1", "IC-B", None));
    assert_eq!(recorded(&decided).item, ItemNo(M1));
    let mut state = state;
    apply(&mut state, &decided);
    let state = after(&state, &by_part("P-2", "IC-A", Some(M1)));
    assert_eq!(
        balance_of(&state, PURCHASED, M1, "2025-03-31").imported,
        dec!(1014)
    );
    // Part and item that disagree.
    let r = then_refused(&state, &by_part("P-3", "MEM-1", Some(M1)));
    assert_class(&r, RefusalClass::BadInput);
    assert!(
        matches!(
            r,
            Refusal::PartItemMismatch {
                actual: ItemNo(2),
                given: ItemNo(1),
                ..
            }
        ),
        "{r:?}"
    );
}

#[test]
fn a_part_merges_into_one_item_only() {
    let state = given(&setup());
    let cmd = material(PURCHASED, 3, "8542390000", "another chip", &["IC-A"]);
    let r = then_refused(&state, &cmd);
    assert!(
        matches!(
            r,
            Refusal::MasterDataConflict {
                column: "parts",
                ..
            }
        ),
        "{r:?}"
    );
    // More parts may be merged into the same item later; a repeat changes nothing.
    let state = after(
        &state,
        &material(PURCHASED, M1, "8542319000", "IC chip", &["IC-C"]),
    );
    let parts = &state.book(&bk(PURCHASED)).expect("book").items[&(M, ItemNo(M1))].parts;
    assert_eq!(parts.len(), 3);
    assert!(then_events(
        &state,
        &material(PURCHASED, M1, "8542319000", "IC chip", &["IC-C"])
    )
    .is_empty());
}

// ---------------------------------------------------------------------------------------------
// 8. `ref` + `line`: repeats, conflicts, corrections
// ---------------------------------------------------------------------------------------------

#[test]
fn the_same_ref_and_line_with_the_same_content_gives_no_events() {
    let state = and_given(
        given(&stocked()),
        &[re_export("REX-1", "2025-03-01", M1, dec!(10))],
    );
    assert!(then_events(&state, &re_export("REX-1", "2025-03-01", M1, dec!(10))).is_empty());
    assert_eq!(
        balance_of(&state, PURCHASED, M1, "2025-03-31").re_exported,
        dec!(10)
    );
}

#[test]
fn the_same_ref_and_line_with_other_content_is_a_conflict() {
    let state = and_given(
        given(&stocked()),
        &[re_export("REX-1", "2025-03-01", M1, dec!(10))],
    );
    for other in [
        re_export("REX-1", "2025-03-01", M1, dec!(11)),
        re_export("REX-1", "2025-03-02", M1, dec!(10)),
        re_export("REX-1", "2025-03-01", M2, dec!(10)),
    ] {
        let r = then_refused(&state, &other);
        assert_class(&r, RefusalClass::Rule);
        assert_eq!(
            r,
            Refusal::RefLineConflict {
                account: bk(PURCHASED),
                ref_: "REX-1".into(),
                line: 1
            }
        );
        assert_says(&r, &["REX-1/1", "correct it first"]);
    }
    // Another line of the same list is another movement.
    when(
        &state,
        &purchased("REX-1/2", "2025-03-01", "0664 E M", M1, dec!(11)),
    );
}

#[test]
fn a_correction_reverses_the_effects_and_frees_the_ref_and_line() {
    let base = given(&stocked());
    let first = when(&base, &re_export("REX-1", "2025-03-01", M1, dec!(10)));
    let first_id = first[0].id;
    assert_eq!(first_id, movement_id(&bk(PURCHASED), "REX-1", 1, 0));
    let mut state = base.clone();
    apply(&mut state, &first);

    let corrected = when(&state, &correction(PURCHASED, "REX-1", 1));
    match &corrected[..] {
        [Decided {
            event: Event::MovementCorrected(c),
            ..
        }] => {
            assert_eq!(c.corrects, first_id);
            assert_eq!(c.date, d("2025-03-01"));
            assert_eq!(c.reason, "wrong quantity keyed");
            assert_eq!(
                c.reversed,
                vec![Effect {
                    target: Target::Material {
                        item: ItemNo(M1),
                        column: ReExported
                    },
                    qty: dec!(-10)
                }]
            );
        }
        other => panic!("expected one movement_corrected, got {other:#?}"),
    }
    apply(&mut state, &corrected);
    assert_eq!(
        balance_of(&state, PURCHASED, M1, "2025-03-31"),
        balance_of(&base, PURCHASED, M1, "2025-03-31")
    );

    // Re-recorded with the right content: accepted, under a new event id.
    let again = when(&state, &re_export("REX-1", "2025-03-01", M1, dec!(12)));
    assert_ne!(again[0].id, first_id);
    assert_eq!(again[0].id, movement_id(&bk(PURCHASED), "REX-1", 1, 1));
    apply(&mut state, &again);
    assert_eq!(
        balance_of(&state, PURCHASED, M1, "2025-03-31").re_exported,
        dec!(12)
    );
    // The same correction again (same reason) is a repeat of the first: nothing to do.
    assert!(when(&state, &correction(PURCHASED, "REX-1", 1)).is_empty());
    // A second correction of the re-recorded line says its own reason, and has its own id.
    let second = Command::CorrectMovement(CorrectionInput {
        account: bk(PURCHASED),
        ref_: "REX-1".into(),
        line: 1,
        reason: "customs asked for the original quantity".into(),
    });
    assert_ne!(when(&state, &second)[0].id, corrected[0].id);
}

#[test]
fn a_correction_that_would_make_a_later_day_negative_is_refused() {
    // 100 in on 10 Jan, 60 out on 1 Feb: taking the import back leaves 1 Feb at −60.
    let state = and_given(
        given(&setup()),
        &[
            import("IMP-1", "2025-01-10", M1, dec!(100)),
            re_export("REX-1", "2025-02-01", M1, dec!(60)),
        ],
    );
    let r = then_refused(&state, &correction(PURCHASED, "IMP-1", 1));
    assert_class(&r, RefusalClass::Rule);
    assert!(
        matches!(&r, Refusal::WouldGoNegative { what, requested, .. }
            if what.contains("material 1") && *requested == dec!(100)),
        "{r:?}"
    );
    // The re-export can be taken back first, then the import.
    let state = and_given(
        state,
        &[
            correction(PURCHASED, "REX-1", 1),
            correction(PURCHASED, "IMP-1", 1),
        ],
    );
    assert_eq!(
        balance_of(&state, PURCHASED, M1, "2025-12-31").balance,
        dec!(0)
    );
}

#[test]
fn correcting_what_was_never_recorded_is_bad_input() {
    let state = given(&stocked());
    let r = then_refused(&state, &correction(PURCHASED, "NOPE", 1));
    assert_class(&r, RefusalClass::BadInput);
    assert_says(&r, &["NOPE/1", "never recorded"]);
    // A correction says why.
    let blank = Command::CorrectMovement(CorrectionInput {
        account: bk(PURCHASED),
        ref_: "IMP-0105".into(),
        line: 1,
        reason: "  ".into(),
    });
    let r = then_refused(&state, &blank);
    assert_eq!(
        (r.class(), r.column()),
        (RefusalClass::BadInput, Some("reason"))
    );
}

/// A correction is checked from its own date with that day's changes included: a harmless
/// correction is accepted.
#[test]
fn correction_is_accepted_when_no_day_would_go_negative() {
    // 100 and 50 in on 10 Jan, 60 out on 1 Feb.
    let state = and_given(
        given(&setup()),
        &[
            purchased("IMP-1", "2025-01-10", "0615 I M", M1, dec!(100)),
            purchased("IMP-1/2", "2025-01-10", "0615 I M", M1, dec!(50)),
            re_export("REX-1", "2025-02-01", M1, dec!(60)),
        ],
    );
    // Taking the 100 back would leave 1 Feb at −10: refused, and the message should say that
    // 90 may leave, short on 1 Feb. Today it says "0 PCS available" on 2025-01-10.
    let r = then_refused(&state, &correction(PURCHASED, "IMP-1", 1));
    let figures = match r {
        Refusal::WouldGoNegative {
            date, available, ..
        } => (date, available),
        other => panic!("expected WouldGoNegative, got {other:?}"),
    };
    // Taking the 50 back leaves 100 on 10 Jan and 40 on 1 Feb: fine. Today it is refused
    // with "0 PCS available" on 2025-01-10.
    let state = after(&state, &correction(PURCHASED, "IMP-1", 2));
    assert_eq!(
        balance_of(&state, PURCHASED, M1, "2025-02-01").balance,
        dec!(40)
    );
    assert_eq!(figures, (d("2025-02-01"), dec!(90)));
}

// ---------------------------------------------------------------------------------------------
// 9. Files: `decide_all`
// ---------------------------------------------------------------------------------------------

fn numbered(cmds: Vec<Command>) -> Vec<(u64, Command)> {
    // Line 1 is the header of a CSV file: data starts on line 2.
    cmds.into_iter()
        .enumerate()
        .map(|(i, c)| (i as u64 + 2, c))
        .collect()
}

/// A file of every kind of command that writes.
fn a_busy_file() -> Vec<Command> {
    let mut cmds = stocked();
    cmds.extend([
        Command::ChangeSettings {
            account: bk(PURCHASED),
            changes: vec![Setting::ReportDays(45)],
        },
        Command::RecordOpening(OpeningInput {
            account: bk(PURCHASED),
            date: d("2025-01-01"),
            item: ItemNo(M2),
            qty: dec!(5),
            unit_price: Some(dec!(1.9)),
            currency: Some(Currency::usd()),
        }),
        Command::SetTariff(TariffInput {
            hs: "8542319000".parse().expect("hs"),
            from: d("2025-01-01"),
            duty_pct: dec!(0),
            vat_pct: dec!(13),
            consumption_pct: None,
        }),
        Command::SetInterestRate(InterestInput {
            from: d("2015-10-24"),
            annual_pct: dec!(0.35),
        }),
        export_fg("EXP-1", "2025-02-01", dec!(10)),
        purchased("DS-1", "2025-02-03", "0644 I M", M2, dec!(3)),
        Command::RecordStocktake(StocktakeInput {
            account: bk(PURCHASED),
            date: d("2025-12-31"),
            goods: M,
            item: ItemNo(M1),
            qty: dec!(979),
        }),
        Command::ApplyPendingConsumption {
            account: bk(PURCHASED),
        },
    ]);
    cmds
}

#[test]
fn deciding_the_same_file_twice_gives_no_events_the_second_time() {
    let file = numbered(a_busy_file());
    let (events, state) = decide_all(&Ledger::new(), file.clone()).expect("first load");
    assert!(events.len() > 40);
    let mut replayed = Ledger::new();
    apply(&mut replayed, &events);
    assert_eq!(replayed.event_count(), state.event_count());
    let (again, state2) = decide_all(&state, file).expect("second load");
    assert!(again.is_empty(), "{again:#?}");
    assert_eq!(state2.event_count(), state.event_count());
}

/// "A repeat of the same input is recognised and not applied twice": the same correction (same
/// line, same reason) loaded again records nothing.
#[test]
fn loading_a_corrections_file_twice_is_recognised() {
    let state = and_given(
        given(&stocked()),
        &[re_export("REX-1", "2025-03-01", M1, dec!(10))],
    );
    let file = numbered(vec![correction(PURCHASED, "REX-1", 1)]);
    let (_, state) = decide_all(&state, file.clone()).expect("first load");
    let (again, _) = decide_all(&state, file).expect("the repeat is recognised");
    assert!(again.is_empty());
}

#[test]
fn decide_all_reports_every_refused_line_and_returns_no_events() {
    let state = given(&setup());
    let file = numbered(vec![
        import("IMP-1", "2025-02-01", M1, dec!(10)), // line 2: fine
        import("IMP-2", "2025-02-01", 999, dec!(1)), // line 3: unknown item
        re_export("REX-1", "2025-02-02", M1, dec!(10.5)), // line 4: 10 available
        import("IMP-3", "2025-02-03", M2, dec!(10)), // line 5: fine
        purchased("X", "2025-02-03", "0214 I M", M1, dec!(1)), // line 6: other book kind
        re_export("REX-2", "2025-02-04", M1, dec!(10)), // line 7: fine (line 4 was not applied)
    ]);
    let refusals = decide_all(&state, file).expect_err("refused");
    let lines: Vec<(u64, RefusalClass)> = refusals.iter().map(|(n, r)| (*n, r.class())).collect();
    assert_eq!(
        lines,
        vec![
            (3, RefusalClass::BadInput),
            (4, RefusalClass::Rule),
            (6, RefusalClass::BadInput)
        ]
    );
    assert!(
        matches!(refusals[1].1, Refusal::WouldGoNegative { available, requested, .. }
        if available == dec!(10) && requested == dec!(10.5))
    );
    // A file whose lines depend on each other is decided in order.
    let ok = numbered(vec![
        import("IMP-1", "2025-02-01", M1, dec!(10)),
        re_export("REX-1", "2025-02-02", M1, dec!(10)),
    ]);
    let (events, next) = decide_all(&state, ok).expect("accepted");
    assert_eq!(events.len(), 2);
    assert_eq!(
        balance_of(&next, PURCHASED, M1, "2025-02-02").balance,
        dec!(0)
    );
}

// ---------------------------------------------------------------------------------------------
// 10. BOM versions
// ---------------------------------------------------------------------------------------------

#[test]
fn a_used_bom_version_cannot_change() {
    let state = and_given(
        given(&stocked()),
        &[export_fg("EXP-1", "2025-03-01", dec!(10))],
    );
    // The same declaration again is a repeat.
    let same = Command::DeclareUnitConsumption(BomInput {
        tangible_loss_pct: dec!(2),
        ..bom(PURCHASED, FG, M1, 0, dec!(2))
    });
    assert!(then_events(&state, &same).is_empty());
    // Other figures for the used version: refused.
    let changed = Command::DeclareUnitConsumption(bom(PURCHASED, FG, M1, 0, dec!(3)));
    let r = then_refused(&state, &changed);
    assert_class(&r, RefusalClass::Rule);
    assert_eq!(r.column(), Some("version"));
    assert_says(&r, &["version 0", "finished item 101", "new version"]);
    // Nor may a material be added to it.
    let added = Command::DeclareUnitConsumption(bom(PURCHASED, FG, 3, 0, dec!(1)));
    let state3 = and_given(
        state.clone(),
        &[material(PURCHASED, 3, "8542390000", "third chip", &[])],
    );
    assert!(matches!(
        then_refused(&state3, &added),
        Refusal::MasterDataConflict { .. }
    ));
    // The other book's version 0 is its own.
    when(
        &state,
        &Command::DeclareUnitConsumption(bom(SUPPLIED, FG, M1, 0, dec!(3))),
    );
}

#[test]
fn an_unused_bom_version_may_be_redeclared() {
    let state = and_given(
        given(&stocked()),
        &[Command::DeclareUnitConsumption(bom(
            PURCHASED,
            FG,
            M1,
            1,
            dec!(1),
        ))],
    );
    let redeclared = then_events(
        &state,
        &Command::DeclareUnitConsumption(bom(PURCHASED, FG, M1, 1, dec!(1.5))),
    );
    assert!(
        matches!(&redeclared[..], [Event::UnitConsumptionDeclared(u)]
            if u.consumption.gross == dec!(1.5))
    );
    let state = and_given(
        state,
        &[Command::DeclareUnitConsumption(bom(
            PURCHASED,
            FG,
            M1,
            1,
            dec!(1.5),
        ))],
    );
    // An export under version 1 uses the redeclared figure, and only version 1's materials:
    // 10 × 1.5 = 15 of M1, nothing of M2.
    let v1 = rec(MovementLine {
        bom_version: Some(1),
        ..mv(PURCHASED, "EXP-1", "2025-03-01", "0615 E P", FG, dec!(10))
    });
    let state = after(&state, &v1);
    assert_eq!(
        balance_of(&state, PURCHASED, M1, "2025-03-31").consumed,
        dec!(15)
    );
    assert_eq!(
        balance_of(&state, PURCHASED, M2, "2025-03-31").consumed,
        dec!(0)
    );
    // Now version 1 is used; version 0, still unused in this book, may change.
    assert!(matches!(
        then_refused(
            &state,
            &Command::DeclareUnitConsumption(bom(PURCHASED, FG, M1, 1, dec!(1)))
        ),
        Refusal::MasterDataConflict { .. }
    ));
    when(
        &state,
        &Command::DeclareUnitConsumption(bom(PURCHASED, FG, M1, 0, dec!(2.5))),
    );
}

// ---------------------------------------------------------------------------------------------
// 11. Properties
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Op {
    /// 0615 import of `tenths` tenths of a unit of material `m` (0: M1, 1: M2) on day `day` of 2025.
    Import { day: u32, m: usize, tenths: i64 },
    /// 0615 export of `tenths` tenths of a finished unit of FG.
    Export { day: u32, tenths: i64 },
    /// 0664 re-export of a material.
    ReExport { day: u32, m: usize, tenths: i64 },
    /// Correct the `pick`-th line still recorded.
    Correct { pick: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u32..365, 0usize..2, 1i64..=20_000)
            .prop_map(|(day, m, tenths)| Op::Import { day, m, tenths }),
        3 => (0u32..365, 1i64..=1_000).prop_map(|(day, tenths)| Op::Export { day, tenths }),
        2 => (0u32..365, 0usize..2, 1i64..=5_000)
            .prop_map(|(day, m, tenths)| Op::ReExport { day, m, tenths }),
        1 => (0usize..64).prop_map(|pick| Op::Correct { pick }),
    ]
}

fn day(n: u32) -> String {
    (d("2025-01-01") + chrono::Days::new(n.into())).to_string()
}

/// Every material's balance on every date, and the identity of its columns.
fn check_balances(state: &Ledger, dates: &[String]) -> Result<(), TestCaseError> {
    let b = state.book(&bk(PURCHASED)).expect("book");
    for m in [M1, M2] {
        let stock = &b.materials[&ItemNo(m)];
        let (least, when) = stock.available_from(d("2024-12-31"));
        prop_assert!(
            least >= Decimal::ZERO,
            "material {} at {} on {}",
            m,
            least,
            when
        );
        for date in dates {
            let r = balance_of(state, PURCHASED, m, date);
            prop_assert!(
                r.balance >= Decimal::ZERO,
                "material {} on {}: {}",
                m,
                date,
                r.balance
            );
            let identity = r.opening + r.imported + r.carried_in
                - r.consumed
                - r.carried_out
                - r.domestic_sold
                - r.re_exported
                - r.destroyed;
            prop_assert_eq!(identity, r.balance);
            prop_assert_eq!(r.balance, stock.balance_at(d(date)));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn accepted_sequences_never_go_negative_and_replay_to_the_same_balances(
        ops in prop::collection::vec(op(), 1..40)
    ) {
        let (start, setup_events) = given_with_events(&setup_with_cap(dec!(1000000000)));
        let mut state = start.clone();
        let mut accepted: Vec<Decided> = vec![];
        let mut commands: Vec<Command> = vec![];
        let mut dates: Vec<String> = vec!["2025-12-31".into()];
        for (n, op) in ops.iter().enumerate() {
            let r = format!("R{n}");
            let cmd = match *op {
                Op::Import { day: dd, m, tenths } => {
                    dates.push(day(dd));
                    import(&r, &day(dd), [M1, M2][m], Decimal::new(tenths, 1))
                }
                Op::Export { day: dd, tenths } => {
                    dates.push(day(dd));
                    export_fg(&r, &day(dd), Decimal::new(tenths, 1))
                }
                Op::ReExport { day: dd, m, tenths } => {
                    dates.push(day(dd));
                    re_export(&r, &day(dd), [M1, M2][m], Decimal::new(tenths, 1))
                }
                Op::Correct { pick } => {
                    let book = state.book(&bk(PURCHASED)).expect("book");
                    let mut open: Vec<(&str, u32)> = book.lines.keys().collect();
                    if open.is_empty() {
                        continue;
                    }
                    open.sort();
                    let (r, l) = open[pick % open.len()];
                    correction(PURCHASED, r, l)
                }
            };
            match decide(&state, &cmd) {
                Ok(decided) => {
                    apply(&mut state, &decided);
                    accepted.extend(decided);
                    commands.push(cmd);
                }
                // The only thing that may stop these lines is the balance.
                Err(refusal) => prop_assert!(
                    matches!(refusal, Refusal::WouldGoNegative { .. }),
                    "unexpected refusal {:?}", refusal
                ),
            }
            check_balances(&state, &dates)?;
        }

        // Replaying every event (the fixture's, then the accepted ones) into a fresh ledger
        // gives the same balances.
        let mut replayed = Ledger::new();
        apply(&mut replayed, &setup_events);
        apply(&mut replayed, &accepted);
        for date in &dates {
            prop_assert_eq!(
                balances(&replayed, &bk(PURCHASED), d(date)).expect("book"),
                balances(&state, &bk(PURCHASED), d(date)).expect("book")
            );
        }
        prop_assert_eq!(replayed.event_count(), state.event_count());

        // Deciding the accepted commands again from the start gives the same events and ids.
        let (again, _) = decide_all(&start, numbered(commands))
            .map_err(|r| TestCaseError::fail(format!("{r:?}")))?;
        prop_assert_eq!(again, accepted);
    }
}

/// Event ids are derived without building their names; they must stay exactly the ids the
/// names gave (stores written before hold them: a repeat of a line is recognised by its id).
mod derived_ids {
    use super::super::*;

    fn by_name(name: &str) -> Uuid {
        Uuid::new_v5(&ID_NAMESPACE, name.as_bytes())
    }

    #[test]
    fn ids_are_the_uuid_v5_of_their_names() {
        let book: BookNo = "E44038000001".parse().expect("book");
        let cases = [
            ("QD2025000001", 1u32, 0u32),
            ("QD-API-1", 3, 2),
            ("进口 清单 7", 20, 0),
            ("", 0, 4_294_967_295),
        ];
        for (ref_, line, generation) in cases {
            assert_eq!(
                movement_id(&book, ref_, line, generation),
                by_name(&format!(
                    "movement\u{1f}{book}\u{1f}{ref_}\u{1f}{line}\u{1f}{generation}"
                ))
            );
            assert_eq!(
                correction_id(&book, ref_, line, generation),
                by_name(&format!(
                    "correction\u{1f}{book}\u{1f}{ref_}\u{1f}{line}\u{1f}{generation}"
                ))
            );
        }
        for (stream, position) in [("E44038000001", 1u64), ("reference", u64::MAX), ("", 0)] {
            assert_eq!(
                positional_id(stream, position),
                by_name(&format!("event\u{1f}{stream}\u{1f}{position}"))
            );
        }
        // A known answer, from Python's uuid.uuid5 over the same namespace and name, so a
        // change of both sides would show.
        assert_eq!(
            movement_id(&book, "QD1", 1, 0).to_string(),
            "a9ac146f-699f-5707-bd75-98f0ab88ba0e"
        );
    }

    proptest::proptest! {
        #[test]
        fn any_line_gets_the_id_of_its_name(
            ref_ in "\\PC{0,30}",
            line in proptest::prelude::any::<u32>(),
            generation in proptest::prelude::any::<u32>(),
        ) {
            let book: BookNo = "C51234567890".parse().expect("book");
            proptest::prop_assert_eq!(
                movement_id(&book, &ref_, line, generation),
                by_name(&format!("movement\u{1f}{book}\u{1f}{ref_}\u{1f}{line}\u{1f}{generation}"))
            );
        }
    }
}

#[test]
fn line_zero_is_not_a_line() {
    let s = given(&[
        Command::OpenBook(header("E44038000001", BookKind::Purchased, CAP_USD)),
        material("E44038000001", 1, "8542399000", "chip", &[]),
    ]);
    let line = MovementLine {
        ref_: "QD-0".into(),
        line: 0,
        date: d("2025-03-01"),
        account: bk("E44038000001"),
        mode: TradeMode::M0615,
        dir: I,
        goods: M,
        qty: dec!(5),
        item: Some(ItemNo(1)),
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
    };
    let refused = decide(&s, &Command::RecordMovement(line)).expect_err("line 0");
    assert_eq!(refused.class(), RefusalClass::BadInput);
    assert_eq!(refused.column(), Some("line"));
}

// ---------------------------------------------------------------------------------------------
// 12. DOMAIN.md §8: limits, dates outside a book's life, supplied prices, user names
// ---------------------------------------------------------------------------------------------

fn big(s: &str) -> Decimal {
    s.parse().expect("test decimal")
}

const NINES_28: &str = "9999999999999999999999999999";

fn month_of(date: &str) -> crate::model::period::Period {
    crate::model::period::Period::of(d(date), crate::model::book::DutyPeriod::Monthly)
}

/// The three inputs that panicked ("Multiplication overflowed"), and the stored
/// values that broke every later report: each is bad input naming its field.
#[test]
fn figures_beyond_the_limits_are_bad_input_naming_the_field() {
    let state = given(&stocked());
    let cases: Vec<(Command, &str)> = vec![
        // qty and unit_price of 28 nines
        (
            priced(
                "BIG-1",
                "2025-02-01",
                M1,
                big(NINES_28),
                big(NINES_28),
                "USD",
            ),
            "qty",
        ),
        // qty 9999999999999 (13 digits: fine) × price 9999999999999999 (16 digits: not)
        (
            priced(
                "BIG-2",
                "2025-02-01",
                M1,
                big("9999999999999"),
                big("9999999999999999"),
                "USD",
            ),
            "unit_price",
        ),
        // an export's qty of 28 nines
        (export_fg("BIG-3", "2025-02-01", big(NINES_28)), "qty"),
        // an fx rate of 28 nines
        (fx(2025, 3, "USD", big(NINES_28)), "cny_per_unit"),
        // an opening of 28 nines
        (
            Command::RecordOpening(OpeningInput {
                account: bk(PURCHASED),
                date: d("2025-01-01"),
                item: ItemNo(M1),
                qty: big(NINES_28),
                unit_price: None,
                currency: None,
            }),
            "qty",
        ),
        // a scrap sale with a huge price
        (
            rec(MovementLine {
                unit_price: Some(big("100000000000000")),
                currency: Some(Currency::cny()),
                ..mv(PURCHASED, "SCR-1", "2025-02-01", "0844 I S", SCRAP, dec!(1))
            }),
            "unit_price",
        ),
        // ten decimals
        (
            import("DEC-1", "2025-02-01", M1, big("1.0000000001")),
            "qty",
        ),
    ];
    for (cmd, column) in cases {
        let r = then_refused(&state, &cmd);
        assert_class(&r, RefusalClass::BadInput);
        assert_eq!(r.column(), Some(column), "{r}");
        assert_says(&r, &[column]);
    }
}

/// Figures at the limits that multiply beyond a `Decimal` (a price × a rate × a quantity) are
/// refused naming the line, in decide and in every report; nothing panics.
#[test]
fn figures_at_the_limits_overflow_into_a_refusal_not_a_panic() {
    let max = big("99999999999999.999999999");
    let state = given(&setup());
    // An opening at the limits with a price at the limits, a USD rate at the limits.
    let state = and_given(
        state,
        &[
            Command::RecordOpening(OpeningInput {
                account: bk(PURCHASED),
                date: d("2025-01-01"),
                item: ItemNo(M1),
                qty: max,
                unit_price: Some(max),
                currency: Some(Currency::usd()),
            }),
            fx(2025, 4, "USD", max),
            fx(2025, 4, "EUR", dec!(10)),
            Command::SetTariff(TariffInput {
                hs: "8542319000".parse().expect("hs"),
                from: d("2025-01-01"),
                duty_pct: max,
                vat_pct: max,
                consumption_pct: None,
            }),
            purchased("DS-1", "2025-03-10", "0644 I M", M1, max),
        ],
    );
    let r = crate::reports::duty::assess(
        &state,
        &bk(PURCHASED),
        month_of("2025-03-01"),
        d("2025-04-15"),
    )
    .expect_err("too large");
    assert_class(&r, RefusalClass::BadInput);
    assert_says(&r, &["DS-1/1", "too large"]);
    // The deadlines of the month do not panic either: the late fee is a note.
    crate::reports::deadlines::deadlines(&state, &bk(PURCHASED), d("2025-06-30"))
        .expect("deadlines");
    // An import whose CIF × the month's rate is beyond a Decimal: refused, naming the line.
    let r = then_refused(&state, &priced("IMP-9", "2025-04-02", M1, max, max, "EUR"));
    assert_class(&r, RefusalClass::BadInput);
}

/// DOMAIN.md §8: 0000-01-01 and 9999-12-31 are typos, bad input in every command.
#[test]
fn dates_before_1990_or_after_2100_are_bad_input() {
    let state = given(&stocked());
    for date in ["0000-01-01", "9999-12-31", "1989-12-31", "2101-01-01"] {
        let when = |c: Command| {
            let r = then_refused(&state, &c);
            assert_class(&r, RefusalClass::BadInput);
            r
        };
        let r = when(import("D-1", date, M1, dec!(1)));
        assert_eq!(r.column(), Some("date"));
        assert_says(&r, &[date, "1990-01-01", "2100-12-31"]);
        when(Command::RecordStocktake(StocktakeInput {
            account: bk(PURCHASED),
            date: d(date),
            goods: M,
            item: ItemNo(M1),
            qty: dec!(1),
        }));
        when(Command::SetTariff(TariffInput {
            hs: "8542319000".parse().expect("hs"),
            from: d(date),
            duty_pct: dec!(0),
            vat_pct: dec!(13),
            consumption_pct: None,
        }));
        when(Command::SetInterestRate(InterestInput {
            from: d(date),
            annual_pct: dec!(1),
        }));
        when(Command::CloseCycle {
            account: bk(PURCHASED),
            date: d(date),
        });
        let mut h = header("E44038000077", BookKind::Purchased, CAP_USD);
        h.cycle_start = d(date);
        when(Command::OpenBook(h));
    }
    // 1990-01-01 and 2100-12-31 themselves are dates (a cycle start on the first is fine).
    let mut h = header("E44038000077", BookKind::Purchased, CAP_USD);
    h.cycle_start = d("1990-01-01");
    when(&state, &Command::OpenBook(h));
}

#[test]
fn a_cycle_starts_on_the_first_of_a_month() {
    let mut h = header("E44038000077", BookKind::Purchased, CAP_USD);
    h.cycle_start = d("2025-01-15");
    let r = then_refused(&Ledger::new(), &Command::OpenBook(h));
    assert_class(&r, RefusalClass::BadInput);
    assert_eq!(r.column(), Some("cycle-start"));
    assert_says(&r, &["2025-01-15", "first of a month", "2025-01-01"]);
}

/// A line dated before the book's first cycle used to be accepted and moved the deferred
/// interest start back (the March: 103 days became 406). Now a customs refusal.
#[test]
fn movements_openings_and_stocktakes_before_the_first_cycle_are_refused() {
    let state = and_given(
        given(&setup()),
        &[
            import("IMP-1", "2025-01-05", M1, dec!(100)),
            Command::SetTariff(TariffInput {
                hs: "8542319000".parse().expect("hs"),
                from: d("2025-01-01"),
                duty_pct: dec!(10),
                vat_pct: dec!(13),
                consumption_pct: None,
            }),
            Command::SetInterestRate(InterestInput {
                from: d("2015-10-24"),
                annual_pct: dec!(0.35),
            }),
            purchased("DS-1", "2025-03-10", "0644 I M", M1, dec!(10)),
        ],
    );
    for cmd in [
        import("OLD-1", "2024-03-07", M1, dec!(5)),
        Command::RecordOpening(OpeningInput {
            account: bk(PURCHASED),
            date: d("2024-12-31"),
            item: ItemNo(M1),
            qty: dec!(5),
            unit_price: None,
            currency: None,
        }),
        Command::RecordStocktake(StocktakeInput {
            account: bk(PURCHASED),
            date: d("2024-12-31"),
            goods: M,
            item: ItemNo(M1),
            qty: dec!(5),
        }),
    ] {
        let r = then_refused(&state, &cmd);
        assert_class(&r, RefusalClass::Rule);
        assert_says(
            &r,
            &["2025-01-01", "record the balance as an opening instead"],
        );
    }
    // An opening on the first cycle's start is the way in.
    when(
        &state,
        &Command::RecordOpening(OpeningInput {
            account: bk(PURCHASED),
            date: d("2025-01-01"),
            item: ItemNo(M2),
            qty: dec!(5),
            unit_price: None,
            currency: None,
        }),
    );
    // Deferred interest runs from the first import: 2025-01-05 to 2025-04-15 is
    // 26 (rest of Jan) + 28 + 31 + 15 = 100 days (with the 2024 line: 404).
    let decl = crate::reports::duty::assess(
        &state,
        &bk(PURCHASED),
        month_of("2025-03-01"),
        d("2025-04-15"),
    )
    .expect("assessed");
    assert_eq!(decl.interest_from, Some(d("2025-01-05")));
    assert_eq!(decl.interest_days, 100);
}

#[test]
fn nothing_is_recorded_after_the_book_left_the_mode() {
    let state = and_given(
        given(&stocked()),
        &[Command::RemoveBook {
            account: bk(PURCHASED),
            date: d("2025-06-30"),
        }],
    );
    when(&state, &re_export("RX-1", "2025-06-30", M1, dec!(1)));
    for cmd in [
        re_export("RX-2", "2025-07-01", M1, dec!(1)),
        import("IM-2", "2025-07-01", M1, dec!(1)),
        Command::RecordStocktake(StocktakeInput {
            account: bk(PURCHASED),
            date: d("2025-07-01"),
            goods: M,
            item: ItemNo(M1),
            qty: dec!(5),
        }),
    ] {
        let r = then_refused(&state, &cmd);
        assert_class(&r, RefusalClass::Rule);
        assert_says(&r, &["2025-06-30", "left the company-based mode"]);
    }
}

#[test]
fn a_supplied_materials_sale_without_its_price_is_bad_input() {
    let state = given(&stocked());
    let r = then_refused(
        &state,
        &rec(mv(SUPPLIED, "DS-1", "2025-03-01", "0245 I M", M1, dec!(1))),
    );
    assert_class(&r, RefusalClass::BadInput);
    assert_eq!(r.column(), Some("unit_price"));
    assert_says(&r, &["DS-1/1", "identical goods"]);
}

/// 0245 P: each material valued from the book's prices, the latest dated on or before the
/// sale. By hand (USD 7.0): 10 FG consume 20.40816327 of M1 and 2.5 of M2.
///   M1 at the 2025-02-01 price 3 USD (the 2025-04-01 one is later): 20.40816327 × 3 × 7
///      = 428.57142867 → 428.57
///   M2 at the 2025-01-01 price 2 USD: 2.5 × 2 × 7 = 35.00
#[test]
fn a_supplied_finished_goods_sale_is_valued_from_the_prices() {
    let state = given(&stocked());
    let r = then_refused(
        &state,
        &rec(mv(SUPPLIED, "DS-P", "2025-03-01", "0245 I P", FG, dec!(10))),
    );
    assert_class(&r, RefusalClass::BadInput);
    assert_says(&r, &["material 1", "prices"]);
    let price_at = |item, date: &str, p| {
        Command::SetPrice(crate::events::commands::PriceInput {
            account: bk(SUPPLIED),
            item: ItemNo(item),
            date: d(date),
            unit_price: p,
            currency: Currency::usd(),
        })
    };
    let state = and_given(
        state,
        &[
            price_at(M1, "2025-01-01", dec!(2)),
            price_at(M1, "2025-02-01", dec!(3)),
            price_at(M1, "2025-04-01", dec!(9)),
            price_at(M2, "2025-01-01", dec!(2)),
            Command::SetTariff(TariffInput {
                hs: "8542319000".parse().expect("hs"),
                from: d("2025-01-01"),
                duty_pct: dec!(0),
                vat_pct: dec!(13),
                consumption_pct: None,
            }),
            Command::SetTariff(TariffInput {
                hs: "8542329000".parse().expect("hs"),
                from: d("2025-01-01"),
                duty_pct: dec!(0),
                vat_pct: dec!(13),
                consumption_pct: None,
            }),
            rec(mv(SUPPLIED, "DS-P", "2025-03-01", "0245 I P", FG, dec!(10))),
        ],
    );
    let decl = crate::reports::duty::assess(
        &state,
        &bk(SUPPLIED),
        month_of("2025-03-01"),
        d("2025-03-20"),
    )
    .expect("assessed");
    let values: Vec<(ItemNo, Decimal)> = decl.lines.iter().map(|l| (l.item, l.value_cny)).collect();
    assert_eq!(
        values,
        vec![(ItemNo(M1), dec!(428.57)), (ItemNo(M2), dec!(35.00))]
    );
    // A materials line (0245 M) is valued at its own price, whatever the prices file says:
    // 4 × 5 USD × 7 = 140.00 (the file's 3 USD would give 84.00).
    let mut m = mv(SUPPLIED, "DS-M", "2025-03-02", "0245 I M", M1, dec!(4));
    m.unit_price = Some(dec!(5));
    m.currency = Some(Currency::usd());
    let state = and_given(state, &[rec(m)]);
    let decl = crate::reports::duty::assess(
        &state,
        &bk(SUPPLIED),
        month_of("2025-03-01"),
        d("2025-03-20"),
    )
    .expect("assessed");
    let own: Vec<Decimal> = decl
        .lines
        .iter()
        .filter(|l| l.ref_ == "DS-M")
        .map(|l| l.value_cny)
        .collect();
    assert_eq!(own, vec![dec!(140.00)]);
    // A price is for a supplied book only.
    let r = then_refused(
        &state,
        &Command::SetPrice(crate::events::commands::PriceInput {
            account: bk(PURCHASED),
            item: ItemNo(M1),
            date: d("2025-01-01"),
            unit_price: dec!(1),
            currency: Currency::usd(),
        }),
    );
    assert_class(&r, RefusalClass::BadInput);
}

/// DOMAIN.md §8: a finished-goods domestic sale needs its unit consumption even when the book
/// lets exports wait for the report.
#[test]
fn a_finished_goods_domestic_sale_never_waits_for_unit_consumption() {
    let state = and_given(given(&stocked()), &[before_report()]);
    let r = then_refused(
        &state,
        &purchased("DS-1", "2025-03-01", "0644 I P", FG_NO_BOM, dec!(1)),
    );
    assert_class(&r, RefusalClass::Rule);
    assert!(
        matches!(r, Refusal::UnitConsumptionNotDeclared { product, .. } if product == ItemNo(FG_NO_BOM))
    );
    assert_says(&r, &["102"]);
}

/// 0400 destroys scrap: the scrap stock moves, no material column does.
#[test]
fn scrap_destruction_moves_scrap_only() {
    let state = given(&stocked());
    let before = balance_of(&state, PURCHASED, M1, "2025-03-31");
    let next = after(
        &state,
        &purchased("DX-1", "2025-03-01", "0400 E S", SCRAP, dec!(7)),
    );
    assert_eq!(balance_of(&next, PURCHASED, M1, "2025-03-31"), before);
    assert_eq!(
        scrap_of(&state, PURCHASED, SCRAP, "2025-03-31")
            - scrap_of(&next, PURCHASED, SCRAP, "2025-03-31"),
        dec!(7)
    );
}

/// Insurance 0 is "not incurred": 3‰ like an empty one; a CFR/CIF freight is ignored.
/// By hand, 100 × 2 USD = 200:
///   FOB, freight 10, insurance 0: 200 + 10 + (210 × 0.003 = 0.63) = 210.63
///   FOB, freight 10, empty:       the same, 210.63
///   CFR, freight 10 (ignored), insurance 0: 200 + (200 × 0.003 = 0.60) = 200.60
///   CIF, freight 10 (ignored): 200
#[test]
fn insurance_zero_is_assumed_and_cfr_cif_freight_is_ignored() {
    let state = given(&stocked());
    let cases = [
        (Incoterm::FOB, Some(dec!(10)), Some(dec!(0)), dec!(210.63)),
        (Incoterm::FOB, Some(dec!(10)), None, dec!(210.63)),
        (Incoterm::CFR, Some(dec!(10)), Some(dec!(0)), dec!(200.60)),
        (Incoterm::CIF, Some(dec!(10)), None, dec!(200)),
    ];
    for (term, freight, insurance, want) in cases {
        let decided = when(
            &state,
            &rec(MovementLine {
                incoterm: Some(term),
                freight,
                insurance,
                ..mv(PURCHASED, "INS-1", "2025-02-01", "0615 I M", M1, dec!(100))
            }),
        );
        assert_eq!(
            recorded(&decided).cif,
            Some(want),
            "{term} {freight:?} {insurance:?}"
        );
    }
    // FOB and EXW without freight: bad input.
    for term in [Incoterm::FOB, Incoterm::EXW] {
        let r = then_refused(
            &state,
            &rec(MovementLine {
                incoterm: Some(term),
                ..mv(PURCHASED, "INS-2", "2025-02-01", "0615 I M", M1, dec!(100))
            }),
        );
        assert_class(&r, RefusalClass::BadInput);
        assert_eq!(r.column(), Some("freight"));
    }
}

/// An item imported in USD and EUR: each import's CIF at the filing month's rate of its own
/// currency, the weighted average in CNY. By hand, April rates USD 7.1, EUR 7.8:
///   100 @ 2 USD = 200 USD × 7.1 = 1420 CNY; 100 @ 2 EUR = 200 EUR × 7.8 = 1560 CNY
///   average (1420 + 1560) / 200 = 14.9 CNY; a sale of 10: 149.00 CNY.
#[test]
fn several_currencies_are_averaged_in_cny_at_the_filing_months_rates() {
    let state = and_given(
        given(&setup()),
        &[
            priced("IMP-U", "2025-02-01", M1, dec!(100), dec!(2), "USD"),
            priced("IMP-E", "2025-02-02", M1, dec!(100), dec!(2), "EUR"),
            fx(2025, 4, "USD", dec!(7.1)),
            fx(2025, 4, "EUR", dec!(7.8)),
            Command::SetTariff(TariffInput {
                hs: "8542319000".parse().expect("hs"),
                from: d("2025-01-01"),
                duty_pct: dec!(0),
                vat_pct: dec!(13),
                consumption_pct: None,
            }),
            purchased("DS-1", "2025-03-10", "0644 I M", M1, dec!(10)),
        ],
    );
    let decl = crate::reports::duty::assess(
        &state,
        &bk(PURCHASED),
        month_of("2025-03-01"),
        d("2025-04-15"),
    )
    .expect("assessed");
    assert_eq!(decl.lines[0].value_cny, dec!(149.00));
    assert_eq!(decl.lines[0].currency, Currency::cny());
}

#[test]
fn a_missing_tariff_is_bad_input() {
    let state = and_given(
        given(&stocked()),
        &[purchased("DS-1", "2025-03-10", "0644 I M", M1, dec!(10))],
    );
    let r = crate::reports::duty::assess(
        &state,
        &bk(PURCHASED),
        month_of("2025-03-01"),
        d("2025-04-15"),
    )
    .expect_err("no tariff");
    assert_class(&r, RefusalClass::BadInput);
    assert_says(&r, &["8542319000", "tariff"]);
}

/// Names that differ only by case or full-width letters are one user (NFKC + case folding).
#[test]
fn user_names_are_compared_after_nfkc_and_case_folding() {
    use crate::model::review::Role;
    let add = |name: &str, token: char| Command::AddUser {
        name: name.into(),
        role: Role::Reviewer,
        token_sha256: token.to_string().repeat(64),
        books: None,
    };
    let state = given(&[add("Reviewer1", 'a')]);
    for other in [
        "reviewer1",
        "REVIEWER1",
        "\u{ff52}eviewer1",
        "\u{ff32}\u{ff45}viewer1",
    ] {
        let r = then_refused(&state, &add(other, 'b'));
        assert_says(&r, &["Reviewer1", "reads the same"]);
    }
    when(&state, &add("Reviewer2", 'b'));
    assert_eq!(
        crate::state::reviews::folded_name("\u{ff52}eviewer1"),
        crate::state::reviews::folded_name("Reviewer1")
    );
}

/// proptest strategies: a decimal within the limits (up to 14 + 9 digits), dates across years
/// with leap days.
fn limit_decimal() -> impl Strategy<Value = Decimal> {
    (0u32..=9, any::<u128>(), any::<bool>()).prop_map(|(scale, raw, near_top)| {
        let top = 10u128.pow(14 + scale);
        let m = if near_top {
            top - 1 - raw % 1000
        } else {
            raw % top
        };
        let m = i128::try_from(m).unwrap_or(0);
        Decimal::from_i128_with_scale(m.max(1), scale)
    })
}

fn any_date() -> impl Strategy<Value = NaiveDate> {
    prop_oneof![
        Just(d("2024-02-29")),
        Just(d("2025-01-01")),
        Just(d("2025-12-31")),
        Just(d("2026-01-01")),
        (0i64..1200).prop_map(|n| d("2025-01-01") + chrono::Days::new(n as u64)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Random figures up to the limits through every report: refusals, never a panic.
    #[test]
    fn figures_up_to_the_limits_never_panic_any_report(
        qty in limit_decimal(),
        price in limit_decimal(),
        rate in limit_decimal(),
        pct in limit_decimal(),
        sale in limit_decimal(),
        scrap_price in limit_decimal(),
        date in any_date(),
        sale_date in any_date(),
    ) {
        let mut state = given(&stocked());
        let month = |dt: NaiveDate| (chrono::Datelike::year(&dt), chrono::Datelike::month(&dt));
        let cmds = [
            Command::RecordOpening(OpeningInput {
                account: bk(PURCHASED), date: d("2025-01-01"), item: ItemNo(M1), qty,
                unit_price: Some(price), currency: Some(cur("EUR")),
            }),
            Command::SetFxRate(FxInput { month: month(sale_date), currency: cur("EUR"), cny_per_unit: rate }),
            Command::SetFxRate(FxInput { month: month(sale_date), currency: Currency::cny(), cny_per_unit: dec!(1) }),
            Command::SetTariff(TariffInput {
                hs: "8542319000".parse().expect("hs"), from: d("2024-01-01"),
                duty_pct: pct, vat_pct: pct, consumption_pct: None,
            }),
            Command::SetTariff(TariffInput {
                hs: "7404000090".parse().expect("hs"), from: d("2024-01-01"),
                duty_pct: pct, vat_pct: pct, consumption_pct: None,
            }),
            priced("IMP-P", &date.to_string(), M1, qty, price, "EUR"),
            purchased("DS-1", &sale_date.to_string(), "0644 I M", M1, sale),
            purchased("DS-2", &sale_date.to_string(), "0644 I P", FG, sale),
            rec(MovementLine {
                unit_price: Some(scrap_price), currency: Some(cur("EUR")),
                ..mv(PURCHASED, "SCR-1", &sale_date.to_string(), "0844 I S", SCRAP, dec!(1))
            }),
            Command::RecordStocktake(StocktakeInput {
                account: bk(PURCHASED), date: d("2025-12-31"), goods: P, item: ItemNo(FG), qty: sale,
            }),
            Command::RecordWorkOrder(WorkOrderInput {
                account: bk(PURCHASED), order: "WO-9".into(), date: sale_date, product: ItemNo(FG),
                produced: dec!(0.000000001), material: ItemNo(M1), issued: dec!(0),
                scrap_item: None, scrap_qty: None,
            }),
        ];
        for c in &cmds {
            if let Ok(ev) = decide(&state, c) {
                apply(&mut state, &ev);
            }
        }
        let account = bk(PURCHASED);
        let period = month_of(&sale_date.to_string());
        let _ = crate::reports::duty::assess(&state, &account, period, period.due());
        let _ = crate::reports::deadlines::deadlines(&state, &account, d("2027-06-30"));
        let _ = crate::reports::cycle::cycle_report(&state, &account, Some(1), None);
        let _ = crate::reports::exposure::exposure(&state, &account, None);
        let _ = balances(&state, &account, sale_date);
        let _ = decide(&state, &Command::FileDuty { account: account.clone(), period, date: period.due() });
        let _ = decide(&state, &Command::CloseCycle { account: account.clone(), date: d("2025-12-31") });
    }
}

#[path = "snapshot_tests.rs"]
mod snapshot_tests;
