//! Domain tests of users and dual review: *given* a book with stock and users, *when* a request
//! or a review command is decided, *then* the events, the balances, or the refusal.

use std::collections::HashSet;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use uuid::Uuid;

use super::*;
use crate::decide::{decide, Decided};
use crate::events::commands::{
    BomInput, Command, CorrectionInput, ItemInput, MovementLine, StocktakeInput,
};
use crate::events::Event;
use crate::model::book::{BookHeader, Level, Setting};
use crate::model::ids::{BookNo, Currency, ItemNo};
use crate::model::refusal::{Refusal, RefusalClass};
use crate::model::trade_mode::{BookKind, GoodsKind};
use crate::state::balance::balances;
use crate::state::ledger::Ledger;
use crate::state::reviews::pending_items;

const BOOK: &str = "E44038000001";
const CLERK: &str = "alice";
const REVIEWER: &str = "bob";
const REVIEWER2: &str = "carol";
const ADMIN: &str = "root";

fn d(s: &str) -> NaiveDate {
    s.parse().expect("test date")
}

fn bk() -> BookNo {
    BOOK.parse().expect("book number")
}

fn hash(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

fn item(goods: GoodsKind, n: u32, hs: &str) -> Command {
    Command::RegisterItem(ItemInput {
        account: bk(),
        goods,
        item: ItemNo(n),
        hs: hs.parse().expect("hs"),
        name: format!("item {n}"),
        unit: "PCS".parse().expect("unit"),
        spec: None,
        price: Some(dec!(2)),
        currency: Some(Currency::usd()),
        parts: vec![],
        legal: Default::default(),
    })
}

fn uc(product: u32, material: u32, version: u32, net: Decimal) -> Command {
    Command::DeclareUnitConsumption(BomInput {
        account: bk(),
        product: ItemNo(product),
        material: ItemNo(material),
        version,
        net,
        tangible_loss_pct: dec!(0),
        intangible_loss_pct: dec!(0),
        bonded_pct: dec!(100),
    })
}

fn line(ref_line: (&str, u32), date: &str, what: &str, item: u32, qty: Decimal) -> MovementLine {
    let parts: Vec<&str> = what.split(' ').collect();
    MovementLine {
        ref_: ref_line.0.into(),
        line: ref_line.1,
        date: d(date),
        account: bk(),
        mode: parts[0].parse().expect("mode"),
        dir: parts[1].parse().expect("dir"),
        goods: parts[2].parse().expect("goods"),
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

fn rec(l: MovementLine) -> Command {
    Command::RecordMovement(l)
}

fn user(name: &str, role: Role, n: u8) -> Command {
    Command::AddUser {
        name: name.into(),
        role,
        token_sha256: hash(n),
        books: None,
    }
}

fn apply(state: &mut Ledger, decided: &[Decided]) {
    for x in decided {
        state.evolve(x.id, &x.event);
    }
}

fn given(state: &mut Ledger, cmds: &[Command]) -> Vec<Decided> {
    let mut all = vec![];
    for (i, c) in cmds.iter().enumerate() {
        let decided =
            decide(state, c).unwrap_or_else(|r| panic!("given command {i} refused: {r}\n{c:?}"));
        apply(state, &decided);
        all.extend(decided);
    }
    all
}

/// A purchased book with material 1 (100 imported on 2025-01-10), finished item 1 with BOM
/// version 0 (2 of material 1), scrap item 1 (none in stock), and four users.
fn fixture() -> Ledger {
    fixture_with_events().0
}

fn fixture_with_events() -> (Ledger, Vec<Decided>) {
    let mut s = Ledger::new();
    let mut cmds = vec![Command::OpenBook(BookHeader {
        account: bk(),
        company: "4403123456".parse().expect("company"),
        kind: BookKind::Purchased,
        level: Level::Item,
        capacity_usd: dec!(1000000),
        cycle_start: d("2025-01-01"),
        cycle_months: 12,
        headings: vec![],
    })];
    cmds.push(item(GoodsKind::M, 1, "8542310000"));
    cmds.push(item(GoodsKind::M, 2, "8532240000"));
    cmds.push(item(GoodsKind::P, 1, "8471500000"));
    cmds.push(item(GoodsKind::S, 1, "8542900000"));
    cmds.push(uc(1, 1, 0, dec!(2)));
    cmds.push(rec(line(
        ("IMP", 1),
        "2025-01-10",
        "0615 I M",
        1,
        dec!(100),
    )));
    cmds.push(user(CLERK, Role::Clerk, 1));
    cmds.push(user(REVIEWER, Role::Reviewer, 2));
    cmds.push(user(REVIEWER2, Role::Reviewer, 3));
    cmds.push(user(ADMIN, Role::Admin, 4));
    let events = given(&mut s, &cmds);
    (s, events)
}

fn balance(state: &Ledger, item: u32) -> Decimal {
    balances(state, &bk(), d("2025-12-31"))
        .expect("book")
        .material(ItemNo(item))
        .map(|m| m.balance)
        .expect("material")
}

fn sale(ref_line: (&str, u32), qty: Decimal) -> Command {
    rec(line(ref_line, "2025-02-01", "0644 I M", 1, qty))
}

/// The clerk's request; it must be accepted.
fn request(state: &mut Ledger, by: &str, cmds: Vec<Command>) -> RequestOutcome {
    let lines = cmds
        .into_iter()
        .enumerate()
        .map(|(i, c)| (i as u64 + 2, c))
        .collect();
    let out = decide_request_in_place(state, by, lines)
        .unwrap_or_else(|r| panic!("request refused: {r:?}"));
    out
}

fn refused(state: &Ledger, cmd: Command) -> Refusal {
    match decide(state, &cmd) {
        Ok(e) => panic!("expected a refusal, got {e:#?}"),
        Err(r) => r,
    }
}

fn approve(id: Uuid, by: &str) -> Command {
    Command::ApproveReview { id, by: by.into() }
}

fn reject(id: Uuid, by: &str, reason: &str) -> Command {
    Command::RejectReview {
        id,
        by: by.into(),
        reason: reason.into(),
    }
}

fn says(r: &Refusal, parts: &[&str]) {
    let msg = r.to_string();
    for p in parts {
        assert!(msg.contains(p), "message lacks {p:?}: {msg}");
    }
}

#[test]
fn a_clerks_domestic_sale_waits_and_changes_nothing_until_a_reviewer_approves() {
    let mut s = fixture();
    let out = request(&mut s, CLERK, vec![sale(("DS", 1), dec!(30))]);
    assert_eq!(out.submitted.len(), 1);
    assert_eq!(out.submitted[0].class, Some(ReviewClass::DomesticSales));
    assert_eq!(out.submitted[0].line, 2);
    assert!(matches!(
        out.events.as_slice(),
        [Decided {
            event: Event::ReviewSubmitted(_),
            ..
        }]
    ));
    assert_eq!(balance(&s, 1), dec!(100), "pending changes no balance");
    let id = out.submitted[0].id;
    assert_eq!(pending_items(&s, Some(&bk())).len(), 1);

    let approved = given(&mut s, &[approve(id, REVIEWER)]);
    assert!(matches!(
        approved.as_slice(),
        [
            Decided {
                event: Event::ReviewApproved(_),
                ..
            },
            Decided {
                event: Event::MovementRecorded(_),
                ..
            }
        ]
    ));
    assert_eq!(balance(&s, 1), dec!(70));
    assert!(pending_items(&s, None).is_empty());
    // Approved again by the same reviewer (a retry): nothing more.
    assert!(decide(&s, &approve(id, REVIEWER))
        .expect("retry")
        .is_empty());
    // By another: it is closed.
    let r = refused(&s, approve(id, REVIEWER2));
    assert!(matches!(r, Refusal::Conflict { .. }));
    says(&r, &["already approved by bob"]);
}

#[test]
fn nobody_approves_their_own_and_only_reviewers_approve() {
    let mut s = fixture();
    // A reviewer's own submission (the core allows any user to submit).
    let sub = given(
        &mut s,
        &[Command::SubmitForReview {
            submitted_by: REVIEWER.into(),
            item: Reviewable::Movement(line(("DS", 1), "2025-02-01", "0644 I M", 1, dec!(5))),
        }],
    );
    let id = match &sub[0].event {
        Event::ReviewSubmitted(e) => e.id,
        other => panic!("{other:?}"),
    };
    assert_eq!(sub[0].id, id, "the review id is the event id");
    let r = refused(&s, approve(id, REVIEWER));
    assert!(matches!(r, Refusal::NotPermitted { .. }));
    assert_eq!(r.class(), RefusalClass::Rule);
    says(&r, &["nobody approves their own", "bob", "DS/1"]);
    let r = refused(&s, approve(id, CLERK));
    says(
        &r,
        &[
            "alice is a clerk",
            "only a user with the reviewer role approves",
        ],
    );
    let r = refused(&s, approve(id, ADMIN));
    says(&r, &["root is an admin"]);
    let r = refused(&s, approve(id, "mallory"));
    assert!(matches!(r, Refusal::UnknownUser(_)));
    given(&mut s, &[approve(id, REVIEWER2)]);
    assert_eq!(balance(&s, 1), dec!(95));
}

#[test]
fn an_approval_is_decided_against_the_book_as_it_stands_then() {
    let mut s = fixture();
    let out = request(&mut s, CLERK, vec![sale(("DS", 1), dec!(80))]);
    let id = out.submitted[0].id;
    // Meanwhile 50 are re-exported: 50 left, the sale of 80 no longer fits.
    given(
        &mut s,
        &[rec(line(("RX", 1), "2025-01-20", "0664 E M", 1, dec!(50)))],
    );
    let r = refused(&s, approve(id, REVIEWER));
    assert!(matches!(r, Refusal::ApprovalRefused { .. }));
    assert_eq!(r.class(), RefusalClass::Rule);
    assert_eq!(r.column(), Some("qty"));
    says(
        &r,
        &["cannot be approved", "would go negative", "stays pending"],
    );
    assert_eq!(pending_items(&s, None).len(), 1, "still pending");
    // Rejected, with a reason; the reservation of DS/1 is freed.
    given(
        &mut s,
        &[reject(id, REVIEWER, "the goods were re-exported")],
    );
    assert!(pending_items(&s, None).is_empty());
    let r = refused(&s, approve(id, REVIEWER2));
    says(
        &r,
        &["already rejected by bob (the goods were re-exported)"],
    );
    let again = request(&mut s, CLERK, vec![sale(("DS", 1), dec!(40))]);
    assert_eq!(again.submitted.len(), 1);
    assert_ne!(again.submitted[0].id, id, "a new review");
}

#[test]
fn a_submitted_line_reserves_its_ref_and_line() {
    let mut s = fixture();
    let out = request(&mut s, CLERK, vec![sale(("DS", 1), dec!(30))]);
    let id = out.submitted[0].id;
    // The identical repeat (a retried request) is a no-op.
    let repeat = request(&mut s, CLERK, vec![sale(("DS", 1), dec!(30))]);
    assert_eq!(repeat, RequestOutcome::default());
    // Other content under the same ref+line: refused, through review or directly.
    let r = decide_request(&s, CLERK, vec![(2, sale(("DS", 1), dec!(31)))]).expect_err("conflict");
    says(&r[0].1, &["DS/1 is already waiting for review", "alice"]);
    let direct = rec(line(("DS", 1), "2025-02-01", "0615 I M", 1, dec!(1)));
    let r = refused(&s, direct.clone());
    says(&r, &["DS/1 is waiting for review", &id.to_string()]);
    // Even the identical line recorded directly (by the command line, say) waits for the review.
    refused(&s, sale(("DS", 1), dec!(30)));
    given(&mut s, &[approve(id, REVIEWER)]);
    // Once approved the line is recorded: a retry of the request changes nothing.
    let retry = request(&mut s, CLERK, vec![sale(("DS", 1), dec!(30))]);
    assert_eq!(retry, RequestOutcome::default());
    assert_eq!(balance(&s, 1), dec!(70));
}

#[test]
fn a_request_is_all_or_nothing_and_mixes_direct_and_pending_lines() {
    let mut s = fixture();
    let before = s.event_count();
    let r = decide_request(
        &s,
        CLERK,
        vec![
            (
                2,
                rec(line(("IMP", 2), "2025-01-11", "0615 I M", 1, dec!(10))),
            ),
            (3, sale(("DS", 1), dec!(500))),
            (
                4,
                rec(line(("IMP", 3), "2025-01-11", "0615 I M", 9, dec!(1))),
            ),
        ],
    )
    .expect_err("refused");
    let lines: Vec<u64> = r.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, vec![3, 4], "every refused line, with its number");
    assert_eq!(s.event_count(), before);

    let out = request(
        &mut s,
        CLERK,
        vec![
            rec(line(("IMP", 2), "2025-01-11", "0615 I M", 1, dec!(10))),
            sale(("DS", 1), dec!(100)),
            rec(line(("DX", 1), "2025-03-01", "0200 E M", 1, dec!(5))),
        ],
    );
    assert_eq!(out.events.len(), 3);
    assert_eq!(
        out.submitted.iter().map(|x| x.line).collect::<Vec<_>>(),
        vec![3, 4]
    );
    assert_eq!(
        out.submitted[1].class,
        Some(ReviewClass::Destruction),
        "{}",
        out.submitted[1].what
    );
    assert_eq!(
        balance(&s, 1),
        dec!(110),
        "the import applied, the rest waits"
    );
}

#[test]
fn the_book_setting_says_what_is_reviewed() {
    let mut s = fixture();
    given(
        &mut s,
        &[Command::ChangeSettings {
            account: bk(),
            changes: vec![Setting::parse("review", "destruction,stocktakes").expect("setting")],
        }],
    );
    let out = request(
        &mut s,
        CLERK,
        vec![
            sale(("DS", 1), dec!(10)),
            rec(line(("DX", 1), "2025-03-01", "0200 E M", 1, dec!(5))),
        ],
    );
    assert_eq!(out.submitted.len(), 1);
    assert_eq!(out.submitted[0].line, 3);
    assert_eq!(balance(&s, 1), dec!(90));
    given(
        &mut s,
        &[Command::ChangeSettings {
            account: bk(),
            changes: vec![Setting::parse("review", "none").expect("setting")],
        }],
    );
    let out = request(&mut s, CLERK, vec![sale(("DS", 2), dec!(10))]);
    assert!(out.submitted.is_empty());
    assert_eq!(balance(&s, 1), dec!(80));
}

#[test]
fn review_setting_parses() {
    use ReviewClass::*;
    let all: std::collections::BTreeSet<ReviewClass> = ReviewClass::ALL.into_iter().collect();
    assert_eq!(ReviewClass::parse_list("all"), Ok(all));
    assert_eq!(ReviewClass::parse_list(" none "), Ok(Default::default()));
    assert_eq!(
        ReviewClass::parse_list("scrap_sales, corrections"),
        Ok([ScrapSales, Corrections].into_iter().collect())
    );
    let e = Setting::parse("review", "sales").expect_err("unknown class");
    says(&e, &["review=sales", "\"sales\" is not a class of review"]);
    assert!(Setting::parse("review", "").is_err());
}

#[test]
fn which_movements_are_reviewed() {
    use ReviewClass::*;
    let cases = [
        ("0644 I M", Some(DomesticSales)),
        ("0644 I P", Some(DomesticSales)),
        ("0245 I M", Some(DomesticSales)),
        ("0200 E M", Some(Destruction)),
        ("0400 E S", Some(Destruction)),
        ("0844 I S", Some(ScrapSales)),
        ("0845 I S", Some(ScrapSales)),
        ("0864 E S", Some(ScrapSales)),
        ("0865 E S", Some(ScrapSales)),
        ("0615 I M", None),
        ("0615 E P", None),
        ("0664 E M", None),
        ("0657 E M", None),
        ("OWP E M", None),
    ];
    for (what, want) in cases {
        let l = line(("X", 1), "2025-01-01", what, 1, dec!(1));
        assert_eq!(
            ReviewClass::of_movement(l.mode, l.dir, l.goods),
            want,
            "{what}"
        );
    }
}

#[test]
fn corrections_and_stocktakes_wait_for_review() {
    let mut s = fixture();
    let out = request(
        &mut s,
        CLERK,
        vec![
            Command::CorrectMovement(CorrectionInput {
                account: bk(),
                ref_: "IMP".into(),
                line: 1,
                reason: "wrong quantity".into(),
            }),
            Command::RecordStocktake(StocktakeInput {
                account: bk(),
                date: d("2025-12-31"),
                goods: GoodsKind::M,
                item: ItemNo(1),
                qty: dec!(99),
            }),
        ],
    );
    let classes: Vec<_> = out.submitted.iter().map(|x| x.class).collect();
    assert_eq!(
        classes,
        vec![
            Some(ReviewClass::Corrections),
            Some(ReviewClass::Stocktakes)
        ]
    );
    assert_eq!(balance(&s, 1), dec!(100));
    assert!(s.book(&bk()).expect("book").stocktakes.is_empty());
    // A correction of a line that does not exist could never be approved: refused now.
    let r = decide_request(
        &s,
        CLERK,
        vec![(
            2,
            Command::CorrectMovement(CorrectionInput {
                account: bk(),
                ref_: "NOPE".into(),
                line: 1,
                reason: "x".into(),
            }),
        )],
    )
    .expect_err("nothing to correct");
    assert!(matches!(r[0].1, Refusal::NothingToCorrect { .. }));
    let id = out.submitted[0].id;
    given(&mut s, &[approve(id, REVIEWER)]);
    assert_eq!(balance(&s, 1), dec!(0));
}

#[test]
fn a_change_of_unit_consumption_waits_but_a_new_version_does_not() {
    let mut s = fixture();
    // A new version 1, two materials in one request: a first declaration, applied.
    let out = request(
        &mut s,
        CLERK,
        vec![uc(1, 1, 1, dec!(3)), uc(1, 2, 1, dec!(1))],
    );
    assert!(out.submitted.is_empty(), "{:?}", out.submitted);
    assert_eq!(out.events.len(), 2);
    // Version 0 is declared: changing its material 1, or adding material 2, waits.
    let out = request(
        &mut s,
        CLERK,
        vec![uc(1, 1, 0, dec!(2.5)), uc(1, 2, 0, dec!(1))],
    );
    assert_eq!(out.submitted.len(), 2);
    assert!(out
        .submitted
        .iter()
        .all(|x| x.class == Some(ReviewClass::UnitConsumption)));
    // The same figures as declared: nothing to review.
    let out = request(&mut s, CLERK, vec![uc(1, 1, 1, dec!(3))]);
    assert_eq!(out, RequestOutcome::default());
    let book = s.book(&bk()).expect("book");
    let m1 = book.boms[&(ItemNo(1), 0)][&ItemNo(1)].net;
    assert_eq!(m1, dec!(2), "unchanged until approved");
    let ids: Vec<Uuid> = pending_items(&s, None).iter().map(|p| p.id).collect();
    given(&mut s, &[approve(ids[0], REVIEWER2)]);
    let m1 = s.book(&bk()).expect("book").boms[&(ItemNo(1), 0)][&ItemNo(1)].net;
    assert_eq!(m1, dec!(2.5));
}

#[test]
fn users_are_added_once() {
    let mut s = fixture();
    assert_eq!(s.users.len(), 4);
    assert_eq!(
        s.users.by_token_sha256(&hash(2)).map(|u| u.name.as_str()),
        Some(REVIEWER)
    );
    assert!(decide(&s, &user(CLERK, Role::Clerk, 1))
        .expect("repeat")
        .is_empty());
    let r = refused(&s, user(CLERK, Role::Admin, 1));
    assert!(matches!(r, Refusal::Conflict { .. }));
    says(&r, &["user alice already exists (role clerk)"]);
    let r = refused(&s, user("dave", Role::Clerk, 1));
    says(&r, &["already another user's"]);
    let r = refused(&s, user("da ve", Role::Clerk, 9));
    assert_eq!(r.class(), RefusalClass::BadInput);
    let r = refused(
        &s,
        Command::AddUser {
            name: "dave".into(),
            role: Role::Clerk,
            token_sha256: "ABC".into(),
            books: None,
        },
    );
    says(&r, &["64 lower-case hex"]);
    let added = given(&mut s, &[user("王芳", Role::Auditor, 9)]);
    assert_eq!(added[0].event.stream(), USERS_STREAM);
    assert_eq!("Reviewer".parse::<Role>(), Ok(Role::Reviewer));
    assert!("boss".parse::<Role>().is_err());
}

#[test]
fn a_request_by_an_unknown_user_is_refused_for_its_reviewable_lines() {
    let s = fixture();
    let r = decide_request(&s, "ghost", vec![(2, sale(("DS", 1), dec!(1)))]).expect_err("ghost");
    assert!(matches!(r[0].1, Refusal::UnknownUser(_)));
}

#[test]
fn unknown_reviews_and_empty_reasons_are_bad_input() {
    let s = fixture();
    let r = refused(&s, approve(Uuid::nil(), REVIEWER));
    assert!(matches!(r, Refusal::UnknownReview(_)));
    assert_eq!(r.class(), RefusalClass::BadInput);
    let mut s = s;
    let out = request(&mut s, CLERK, vec![sale(("DS", 1), dec!(1))]);
    let r = refused(&s, reject(out.submitted[0].id, REVIEWER, "  "));
    assert_eq!(r.column(), Some("reason"));
    let r = refused(&s, reject(out.submitted[0].id, CLERK, "no"));
    assert!(matches!(r, Refusal::NotPermitted { .. }));
}

#[test]
fn replay_rebuilds_users_and_reviews_and_ids_stay_unique() {
    let (mut s, mut all) = fixture_with_events();
    let out = request(
        &mut s,
        CLERK,
        vec![
            sale(("DS", 1), dec!(10)),
            Command::RecordStocktake(StocktakeInput {
                account: bk(),
                date: d("2025-12-31"),
                goods: GoodsKind::M,
                item: ItemNo(1),
                qty: dec!(90),
            }),
            sale(("DS", 2), dec!(1)),
        ],
    );
    all.extend(out.events.clone());
    let ids: Vec<Uuid> = out.submitted.iter().map(|x| x.id).collect();
    // A stocktake's event id is positional: approved first, its id must not collide with the
    // approval's or the next event's.
    all.extend(given(
        &mut s,
        &[
            approve(ids[1], REVIEWER),
            approve(ids[0], REVIEWER2),
            reject(ids[2], REVIEWER, "duplicate"),
            item(GoodsKind::M, 3, "8542310000"),
        ],
    ));
    let unique: HashSet<Uuid> = all.iter().map(|x| x.id).collect();
    assert_eq!(unique.len(), all.len(), "every event id is unique");
    let mut replayed = Ledger::new();
    for e in &all {
        replayed.evolve(e.id, &e.event);
    }
    assert_eq!(replayed.users.len(), s.users.len());
    assert_eq!(balance(&s, 1), dec!(90));
    assert_eq!(balance(&replayed, 1), balance(&s, 1));
    assert_eq!(replayed.event_count(), s.event_count());
    let b = replayed.book(&bk()).expect("book");
    assert!(b.review.pending.is_empty());
    assert_eq!(b.review.closed.len(), 3);
    assert_eq!(
        b.stocktakes
            .get(&(d("2025-12-31"), GoodsKind::M, ItemNo(1))),
        Some(&dec!(90))
    );
    // Events survive a JSON round trip, as the log stores them.
    for e in &all {
        let json = serde_json::to_string(&e.event).expect("encode");
        let back: Event = serde_json::from_str(&json).expect("decode");
        assert_eq!(back, e.event);
    }
}

/// Books kept apart: a user granted one book may see it alone; a grant names open books only,
/// at least one; a grant changed later replaces it; a user added before grants (no `books` in
/// its event) sees every book.
#[test]
fn users_are_granted_books() {
    let mut s = fixture();
    let other: BookNo = "E44038000002".parse().expect("book");
    let grant = |books: Vec<BookNo>| Command::AddUser {
        name: "dora".into(),
        role: Role::Clerk,
        token_sha256: hash(40),
        books: Some(books),
    };
    let r = refused(&s, grant(vec![other.clone()]));
    says(&r, &["E44038000002", "not open"]);
    let r = refused(&s, grant(vec![]));
    says(&r, &["at least one book"]);
    given(&mut s, &[grant(vec![bk(), bk()])]);
    let dora = s.users.get("dora").expect("dora");
    assert_eq!(dora.books, Some(vec![bk()]));
    assert!(dora.may_see(&bk()));
    assert!(!dora.may_see(&other));
    // The same grant again is a no-op; every book again is one event.
    let same = Command::SetUserBooks {
        name: "dora".into(),
        books: Some(vec![bk()]),
    };
    assert!(decide(&s, &same).expect("same").is_empty());
    let all = given(
        &mut s,
        &[Command::SetUserBooks {
            name: "dora".into(),
            books: None,
        }],
    );
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].event.kind(), "user_books_set");
    assert_eq!(all[0].event.stream(), USERS_STREAM);
    assert!(s.users.get("dora").expect("dora").may_see(&other));
    let r = refused(
        &s,
        Command::SetUserBooks {
            name: "nobody".into(),
            books: None,
        },
    );
    says(&r, &["nobody"]);
    // An event recorded before grants existed reads as every book.
    let old: Event = serde_json::from_str(
        r#"{"event":"user_added","name":"old","role":"clerk","token_sha256":"aa"}"#,
    )
    .expect("old event");
    let Event::UserAdded(e) = &old else {
        panic!("not a user_added: {old:?}")
    };
    assert_eq!(e.books, None);
    // And a user without a grant writes the same bytes as before.
    let json = serde_json::to_string(&old).expect("json");
    assert!(!json.contains("books"), "{json}");
}

fn tariff(duty: Decimal) -> Command {
    Command::SetTariff(crate::events::commands::TariffInput {
        hs: "8542310000".parse().expect("hs"),
        from: d("2025-01-01"),
        duty_pct: duty,
        vat_pct: dec!(13),
        consumption_pct: None,
    })
}

fn duty_rate(state: &Ledger) -> Option<Decimal> {
    let hs: crate::model::ids::HsCode = "8542310000".parse().expect("hs");
    state
        .reference
        .tariffs
        .get(&hs)
        .and_then(|by_date| by_date.range(..=d("2025-06-01")).next_back())
        .map(|(_, r)| r.duty_pct)
}

/// Reference data applies to every book: in a store where a book reviews, an administrator's
/// tariff waits for a reviewer like the sales whose duty it would change, held in the first
/// reviewing book's queue; a retry submits nothing more; approved, it applies.
#[test]
fn reference_data_waits_for_review_in_a_store_that_reviews() {
    let mut s = fixture();
    given(&mut s, &[tariff(dec!(5))]);
    let out = request(&mut s, ADMIN, vec![tariff(dec!(0))]);
    assert_eq!(out.submitted.len(), 1, "{out:?}");
    assert_eq!(out.submitted[0].class, None);
    assert!(
        out.submitted[0].what.contains("tariff of HS 8542310000")
            && out.submitted[0].what.contains("duty 0 %"),
        "{}",
        out.submitted[0].what
    );
    assert_eq!(duty_rate(&s), Some(dec!(5)), "pending changes no rate");
    let again = request(&mut s, ADMIN, vec![tariff(dec!(0))]);
    assert!(
        again.events.is_empty(),
        "a retry submits nothing: {again:?}"
    );
    let id = out.submitted[0].id;
    let r = refused(&s, approve(id, ADMIN));
    assert!(matches!(r, Refusal::NotPermitted { .. }), "{r}");
    given(&mut s, &[approve(id, REVIEWER)]);
    assert_eq!(duty_rate(&s), Some(dec!(0)));
    assert!(pending_items(&s, None).is_empty());
}

/// A store where no book reviews applies reference data at once.
#[test]
fn reference_data_applies_at_once_where_no_book_reviews() {
    let mut s = fixture();
    given(
        &mut s,
        &[Command::ChangeSettings {
            account: bk(),
            changes: vec![Setting::Review(Default::default())],
        }],
    );
    assert_eq!(reviewing_book(&s), None);
    let out = request(&mut s, ADMIN, vec![tariff(dec!(7))]);
    assert!(out.submitted.is_empty(), "{out:?}");
    assert_eq!(duty_rate(&s), Some(dec!(7)));
}
