//! `decide`: a command against the state gives the events to record, or the reason customs
//! would refuse it. Pure: the same state and command always give the same answer, with the
//! same event ids, so a repeat is recognised wherever it comes from.

pub mod review;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::events::commands::*;
use crate::events::*;
use crate::model::book::{CapBasis, Level, UcTiming};
use crate::model::customs_value::cif_value;
use crate::model::ids::{BookNo, Currency, ItemNo};
use crate::model::period::Period;
use crate::model::refusal::Refusal;
use crate::model::trade_mode::{Direction, GoodsKind, MovementClass, Sign, TradeMode};
use crate::model::unit_consumption::UnitConsumption;
use crate::state::ledger::{Book, Ledger};

/// An event with the id it is stored under.
#[derive(Debug, Clone, PartialEq)]
pub struct Decided {
    pub id: Uuid,
    pub event: Event,
}

/// The namespace of every event id this ledger derives (UUID v5).
pub(crate) const ID_NAMESPACE: Uuid = Uuid::from_bytes([
    0x6b, 0x6f, 0x6e, 0x64, 0x65, 0x64, 0x2d, 0x6c, 0x65, 0x64, 0x67, 0x65, 0x72, 0x2d, 0x76, 0x31,
]);

/// The id of a movement: derived from the book, its `ref`+`line` and how often that line was
/// corrected, so the same line recorded twice gets the same id.
pub fn movement_id(account: &BookNo, ref_: &str, line: u32, generation: u32) -> Uuid {
    line_id("movement", account, ref_, line, generation)
}

fn correction_id(account: &BookNo, ref_: &str, line: u32, generation: u32) -> Uuid {
    line_id("correction", account, ref_, line, generation)
}

fn line_id(what: &str, account: &BookNo, ref_: &str, line: u32, generation: u32) -> Uuid {
    let (mut a, mut b) = ([0u8; 20], [0u8; 20]);
    name_id(&[
        what,
        account.as_str(),
        ref_,
        crate::model::digits::decimal(line.into(), &mut a),
        crate::model::digits::decimal(generation.into(), &mut b),
    ])
}

/// The id of any other event: its stream and its position in that stream.
pub(crate) fn positional_id(stream: &str, position: u64) -> Uuid {
    let mut p = [0u8; 20];
    name_id(&[
        "event",
        stream,
        crate::model::digits::decimal(position, &mut p),
    ])
}

/// The UUID v5, in the ids' namespace, of the name made of `parts` joined by U+001F: the same
/// as `Uuid::new_v5(&ID_NAMESPACE, parts.join("\u{1f}"))`, without building the name, and with
/// SHA-1 on the processor's SHA instructions where it has them (a load makes one per line).
pub(crate) fn name_id(parts: &[&str]) -> Uuid {
    use sha1::{Digest, Sha1};
    let mut sha = Sha1::new();
    sha.update(ID_NAMESPACE.as_bytes());
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            sha.update([0x1f]);
        }
        sha.update(part.as_bytes());
    }
    let digest = sha.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_sha1_bytes(bytes).into_uuid()
}

fn next_id(state: &Ledger, event: &Event) -> Uuid {
    positional_id(event.stream(), state.stream_version(event.stream()) + 1)
}

fn one(state: &Ledger, event: Event) -> Vec<Decided> {
    vec![Decided {
        id: next_id(state, &event),
        event,
    }]
}

fn book<'a>(state: &'a Ledger, account: &BookNo) -> Result<&'a Book, Refusal> {
    state
        .book(account)
        .ok_or_else(|| Refusal::UnknownBook(account.clone()))
}

fn require_item(book: &Book, goods: GoodsKind, item: ItemNo) -> Result<(), Refusal> {
    match book.item(goods, item) {
        Some(_) => Ok(()),
        None => Err(Refusal::UnknownItem {
            account: book.header.account.clone(),
            goods,
            item,
        }),
    }
}

fn positive(column: &'static str, v: Decimal) -> Result<(), Refusal> {
    if v <= Decimal::ZERO {
        return Err(Refusal::bad(
            column,
            format!("{column} must be above 0, not {v}"),
        ));
    }
    Ok(())
}

fn not_negative(column: &'static str, v: Decimal) -> Result<(), Refusal> {
    if v < Decimal::ZERO {
        return Err(Refusal::bad(
            column,
            format!("{column} must not be negative, not {v}"),
        ));
    }
    Ok(())
}

/// Decides one command.
pub fn decide(state: &Ledger, command: &Command) -> Result<Vec<Decided>, Refusal> {
    match command {
        Command::OpenBook(header) => open_book(state, header),
        Command::ChangeSettings { account, changes } => {
            let b = book(state, account)?;
            let mut settings = b.settings.clone();
            let mut effective = Vec::new();
            for change in changes {
                let before = settings.clone();
                settings.apply(change);
                if settings != before {
                    effective.push(change.clone());
                }
            }
            if effective.is_empty() {
                return Ok(vec![]);
            }
            Ok(one(
                state,
                Event::SettingsChanged(SettingsChanged {
                    account: account.clone(),
                    changes: effective,
                }),
            ))
        }
        Command::RegisterItem(input) => register_item(state, input),
        Command::DeclareUnitConsumption(input) => declare_uc(state, input),
        Command::ApplyPendingConsumption { account } => apply_pending(state, account),
        Command::RecordMovement(line) => {
            // A line under review is reserved until a reviewer approves or rejects it.
            crate::decide::review::check_not_reserved(state, line)?;
            record_movement(state, line)
        }
        Command::AddUser {
            name,
            role,
            token_sha256,
        } => crate::decide::review::add_user(state, name, *role, token_sha256),
        Command::SubmitForReview { submitted_by, item } => {
            crate::decide::review::submit(state, submitted_by, item)
        }
        Command::ApproveReview { id, by } => crate::decide::review::approve(state, *id, by),
        Command::RejectReview { id, by, reason } => {
            crate::decide::review::reject(state, *id, by, reason)
        }
        Command::CorrectMovement(input) => correct(state, input),
        Command::RecordOpening(input) => opening(state, input),
        Command::RecordStocktake(input) => stocktake(state, input),
        Command::RecordWorkOrder(input) => work_order(state, input),
        Command::SetFxRate(input) => {
            positive("cny_per_unit", input.cny_per_unit)?;
            let (y, m) = input.month;
            if !(1..=12).contains(&m) || !(1900..=9999).contains(&y) {
                return Err(Refusal::bad("month", format!("{y}-{m:02} is not a month")));
            }
            let month = format!("{y:04}-{m:02}");
            let key = (month.clone(), input.currency.clone());
            if state.reference.fx.get(&key) == Some(&input.cny_per_unit) {
                return Ok(vec![]);
            }
            Ok(one(
                state,
                Event::FxRateSet(FxRateSet {
                    month,
                    currency: input.currency.clone(),
                    cny_per_unit: input.cny_per_unit,
                }),
            ))
        }
        Command::SetTariff(input) => {
            let consumption_pct = input.consumption_pct.unwrap_or(Decimal::ZERO);
            for (col, v) in [
                ("duty_pct", input.duty_pct),
                ("vat_pct", input.vat_pct),
                ("consumption_pct", consumption_pct),
            ] {
                not_negative(col, v)?;
            }
            if consumption_pct >= Decimal::ONE_HUNDRED {
                return Err(Refusal::bad(
                    "consumption_pct",
                    "an ad-valorem consumption tax rate stays under 100%",
                ));
            }
            let same = state
                .reference
                .tariffs
                .get(&input.hs)
                .and_then(|t| t.get(&input.from))
                .is_some_and(|r| {
                    r.duty_pct == input.duty_pct
                        && r.vat_pct == input.vat_pct
                        && r.consumption_pct == consumption_pct
                });
            if same {
                return Ok(vec![]);
            }
            Ok(one(
                state,
                Event::TariffSet(TariffSet {
                    hs: input.hs.clone(),
                    from: input.from,
                    duty_pct: input.duty_pct,
                    vat_pct: input.vat_pct,
                    consumption_pct,
                }),
            ))
        }
        Command::FileDuty {
            account,
            period,
            date,
        } => file_duty(state, account, *period, *date),
        Command::CloseCycle { account, date } => close_cycle(state, account, *date),
        Command::DeclareAnnual {
            account,
            year,
            date,
        } => declare_annual(state, account, *year, *date),
        Command::RemoveBook { account, date } => {
            let b = book(state, account)?;
            match b.removed {
                Some(d) if d == *date => Ok(vec![]),
                Some(d) => Err(Refusal::DeclarationConflict {
                    what: format!("book {account} was already removed from the mode on {d}"),
                }),
                None => Ok(one(
                    state,
                    Event::BookRemoved(BookRemoved {
                        account: account.clone(),
                        date: *date,
                    }),
                )),
            }
        }
        Command::DeclareCarryOver {
            account,
            month,
            date,
        } => declare_carry_over(state, account, *month, *date),
        Command::SetInterestRate(input) => {
            not_negative("annual_pct", input.annual_pct)?;
            if state.reference.interest.get(&input.from) == Some(&input.annual_pct) {
                return Ok(vec![]);
            }
            Ok(one(
                state,
                Event::InterestRateSet(InterestRateSet {
                    from: input.from,
                    annual_pct: input.annual_pct,
                }),
            ))
        }
    }
}

/// `decide`, without the reservation of lines under review: for the approval of the very item
/// that holds the reservation.
pub(crate) fn decide_unreserved(
    state: &Ledger,
    command: &Command,
) -> Result<Vec<Decided>, Refusal> {
    match command {
        Command::RecordMovement(line) => record_movement(state, line),
        other => decide(state, other),
    }
}

/// The refusals of a file, each with the line number it was given.
pub type LineRefusals = Vec<(u64, Refusal)>;

/// A whole file accepted (its events, and the state they lead to), or its refusals.
pub type FileDecision = Result<(Vec<Decided>, Ledger), LineRefusals>;

/// Decides the commands of one file in order, each against the state the earlier ones left.
/// All or nothing: either every command is accepted (the events, and the state they lead to)
/// or the refusals of every line that was refused, with the line number it was given.
pub fn decide_all(state: &Ledger, commands: Vec<(u64, Command)>) -> FileDecision {
    let mut scratch = state.clone();
    decide_all_in_place(&mut scratch, commands).map(|events| (events, scratch))
}

/// `decide_all` on the state itself, without copying it (a copy of a large book costs more
/// than deciding a file). Accepted commands are folded into `state` as they are decided. On
/// `Err` the state holds the events of the accepted lines, which were not recorded: the
/// caller must throw it away (rebuild it from the log).
pub fn decide_all_in_place(
    state: &mut Ledger,
    commands: Vec<(u64, Command)>,
) -> Result<Vec<Decided>, LineRefusals> {
    let mut events = Vec::new();
    let mut refusals = Vec::new();
    for (line, command) in commands {
        match decide(state, &command) {
            Ok(decided) => {
                for d in &decided {
                    state.evolve(d.id, &d.event);
                }
                events.extend(decided);
            }
            Err(r) => refusals.push((line, r)),
        }
    }
    if refusals.is_empty() {
        Ok(events)
    } else {
        Err(refusals)
    }
}

/// The period must be of the book's kind (a month, or a quarter when the book pays quarterly).
fn check_period_kind(b: &Book, period: Period) -> Result<(), Refusal> {
    let quarterly = b.settings.duty_period == crate::model::book::DutyPeriod::Quarterly;
    if period.is_quarter() != quarterly {
        return Err(Refusal::bad(
            "month",
            format!(
                "book {} declares domestic sales {}; give the period as {}",
                b.header.account,
                if quarterly { "quarterly" } else { "monthly" },
                if quarterly { "YYYY-Qn" } else { "YYYY-MM" }
            ),
        ));
    }
    Ok(())
}

/// Checks a period asked about in a report, as `file_duty` does before recording.
pub fn check_duty_period(b: &Book, period: Period) -> Result<(), Refusal> {
    check_period_kind(b, period)
}

fn file_duty(
    state: &Ledger,
    account: &BookNo,
    period: Period,
    date: NaiveDate,
) -> Result<Vec<Decided>, Refusal> {
    let b = book(state, account)?;
    check_period_kind(b, period)?;
    if let Some(filed) = b.duty_filed.get(&period) {
        if filed.filed == date {
            return Ok(vec![]);
        }
        return Err(Refusal::DeclarationConflict {
            what: format!(
                "the domestic sales of {period} were already declared as filed on {}; a filed declaration is not filed again",
                filed.filed
            ),
        });
    }
    if date < period.first_day() {
        return Err(Refusal::bad(
            "date",
            format!("{period}'s declaration cannot be filed on {date}, before the period begins"),
        ));
    }
    let declaration = crate::reports::duty::assess(state, account, period, date)?;
    if declaration.lines.is_empty() {
        return Err(Refusal::bad(
            "month",
            format!("book {account} has no domestic sales in {period} to declare"),
        ));
    }
    Ok(one(state, Event::DutyFiled(DutyFiled { declaration })))
}

fn declare_carry_over(
    state: &Ledger,
    account: &BookNo,
    month: Period,
    date: NaiveDate,
) -> Result<Vec<Decided>, Refusal> {
    let b = book(state, account)?;
    if month.is_quarter() {
        return Err(Refusal::bad(
            "month",
            "carry-overs are declared per month (YYYY-MM)",
        ));
    }
    match b.carry_overs_declared.get(&month) {
        Some(d) if *d == date => return Ok(vec![]),
        Some(d) => {
            return Err(Refusal::DeclarationConflict {
                what: format!("the carry-overs of {month} were already declared on {d}"),
            })
        }
        None => {}
    }
    if !crate::reports::deadlines::carry_over_months(b).contains(&month) {
        return Err(Refusal::bad(
            "month",
            format!("book {account} has no deep-processing carry-overs in {month}"),
        ));
    }
    Ok(one(
        state,
        Event::CarryOverDeclared(CarryOverDeclared {
            account: account.clone(),
            month,
            date,
        }),
    ))
}

/// Refuses a change dated in a cycle already written off.
/// `what` names the thing refused (made only when it is: a load checks every line).
fn check_not_written_off(
    b: &Book,
    date: NaiveDate,
    what: impl FnOnce() -> String,
) -> Result<(), Refusal> {
    if let Some(until) = b.written_off_until() {
        if date <= until {
            return Err(Refusal::RuleBroken {
                column: "date",
                what: format!(
                    "{} is dated {date}, in a write-off cycle already closed (written off up to {until}); a closed cycle does not change — record it in the open cycle",
                    what()
                ),
            });
        }
    }
    Ok(())
}

fn close_cycle(state: &Ledger, account: &BookNo, date: NaiveDate) -> Result<Vec<Decided>, Refusal> {
    let b = book(state, account)?;
    let Some(cycle) = b.open_cycle() else {
        return Err(Refusal::bad("date", "every cycle of the book is closed"));
    };
    if date < cycle.end {
        return Err(Refusal::RuleBroken {
            column: "date",
            what: format!(
                "cycle {} runs to {}; it can be written off on or after that day, not on {date}",
                cycle.number, cycle.end
            ),
        });
    }
    let waiting: Vec<String> = b
        .awaiting
        .iter()
        .filter_map(|(r, l)| b.lines.whole(r, *l))
        .filter(|r| r.line.date <= cycle.end)
        .map(|r| format!("{}/{}", r.line.ref_, r.line.line))
        .collect();
    if !waiting.is_empty() {
        return Err(Refusal::RuleBroken {
            column: "date",
            what: format!(
                "cycle {} still has finished-goods lines waiting for their unit consumption ({}); declare it (a bom file) before the write-off",
                cycle.number,
                waiting.join(", ")
            ),
        });
    }
    let identity = crate::reports::cycle::identity(state, b, cycle.start, cycle.end);
    if identity.stocktake_date.is_none() {
        return Err(Refusal::RuleBroken {
            column: "date",
            what: format!(
                "cycle {} ({} to {}) has no stocktake; load the stocktake before the write-off",
                cycle.number, cycle.start, cycle.end
            ),
        });
    }
    let shortages = crate::reports::cycle::open_shortages(&identity.materials);
    if !shortages.is_empty() {
        let list: Vec<String> = shortages
            .iter()
            .map(|(item, d)| format!("material {item} short by {}", (-*d).normalize()))
            .collect();
        return Err(Refusal::RuleBroken {
            column: "date",
            what: format!(
                "cycle {} cannot be written off with unexplained shortages ({}); record them first as supplementary declarations (domestic sales, 0644/0245, dated in the cycle) — `bonded cycle report` values them",
                cycle.number,
                list.join("; ")
            ),
        });
    }
    let closing = identity
        .materials
        .iter()
        .map(|m| ClosingBalance {
            item: m.item,
            qty: m.closing,
        })
        .collect();
    Ok(one(
        state,
        Event::CycleClosed(CycleClosed {
            account: account.clone(),
            cycle: cycle.number,
            start: cycle.start,
            end: cycle.end,
            date,
            closing,
        }),
    ))
}

fn declare_annual(
    state: &Ledger,
    account: &BookNo,
    year: i32,
    date: NaiveDate,
) -> Result<Vec<Decided>, Refusal> {
    let b = book(state, account)?;
    let due_years: Vec<i32> = (1..=crate::reports::cycle::MAX_CYCLES)
        .map_while(|n| b.cycle(n).filter(|c| c.start.year() <= year))
        .flat_map(|c| crate::reports::cycle::annual_marks(&c))
        .map(|(y, _, _)| y)
        .collect();
    if !due_years.contains(&year) {
        return Err(Refusal::bad(
            "year",
            format!("book {account} owes no annual declaration for {year}: only a cycle longer than a year makes one, for each 12 months inside it"),
        ));
    }
    match b.annual_declared.get(&year) {
        Some(d) if *d == date => return Ok(vec![]),
        Some(d) => {
            return Err(Refusal::DeclarationConflict {
                what: format!("the annual declaration of {year} was already made on {d}"),
            })
        }
        None => {}
    }
    Ok(one(
        state,
        Event::AnnualDeclared(AnnualDeclared {
            account: account.clone(),
            year,
            date,
        }),
    ))
}

fn open_book(
    state: &Ledger,
    header: &crate::model::book::BookHeader,
) -> Result<Vec<Decided>, Refusal> {
    header.validate()?;
    if let Some(existing) = state.book(&header.account) {
        if &existing.header == header {
            return Ok(vec![]);
        }
        return Err(Refusal::BookExists(header.account.clone()));
    }
    Ok(one(
        state,
        Event::BookOpened(BookOpened {
            header: header.clone(),
        }),
    ))
}

fn register_item(state: &Ledger, input: &ItemInput) -> Result<Vec<Decided>, Refusal> {
    let b = book(state, &input.account)?;
    if input.name.trim().is_empty() {
        return Err(Refusal::bad("name", "the item needs a name (商品名称)"));
    }
    if input.name.chars().count() > 255 {
        return Err(Refusal::bad("name", "a name has at most 255 characters"));
    }
    if let Some(p) = input.price {
        not_negative("price", p)?;
    }
    if input.goods != GoodsKind::S && !b.header.headings.is_empty() {
        let heading = input.hs.heading();
        if !b.header.headings.contains(&heading) {
            return Err(Refusal::HeadingNotAllowed {
                account: input.account.clone(),
                hs: input.hs.to_string(),
                heading: heading.to_string(),
                allowed: b
                    .header
                    .headings
                    .iter()
                    .map(|h| h.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    if b.header.level == Level::Part && input.parts.len() > 1 {
        return Err(Refusal::bad(
            "parts",
            "book is kept at part-number level (料号级): an item takes at most one part number",
        ));
    }
    for part in &input.parts {
        if let Some((goods, item)) = b.parts.get(part) {
            if (*goods, *item) != (input.goods, input.item) {
                return Err(Refusal::MasterDataConflict {
                    column: "parts",
                    what: format!(
                        "part number {part} is already merged into {} {item}; a part posts to one item",
                        goods.noun()
                    ),
                });
            }
        }
    }
    let mut parts = input.parts.clone();
    if let Some(existing) = b.item(input.goods, input.item) {
        if existing.hs != input.hs || existing.unit != input.unit {
            return Err(Refusal::MasterDataConflict {
                column: "hs",
                what: format!(
                    "{} {} is registered as HS {} in {}; one item keeps one HS code and one unit",
                    input.goods.noun(),
                    input.item,
                    existing.hs,
                    existing.unit
                ),
            });
        }
        // Parts accumulate: a later file may merge more part numbers into the item.
        for p in &existing.parts {
            if !parts.contains(p) {
                parts.push(p.clone());
            }
        }
        parts.sort();
        let mut wanted = existing.clone();
        wanted.name = input.name.trim().to_string();
        wanted.spec = input.spec.clone();
        wanted.price = input.price.or(existing.price);
        wanted.currency = input.currency.clone().or(existing.currency.clone());
        wanted.parts = parts.clone();
        if &wanted == existing {
            return Ok(vec![]);
        }
        return Ok(one(state, Event::ItemRegistered(wanted)));
    }
    parts.sort();
    Ok(one(
        state,
        Event::ItemRegistered(ItemRegistered {
            account: input.account.clone(),
            goods: input.goods,
            item: input.item,
            hs: input.hs.clone(),
            name: input.name.trim().to_string(),
            unit: input.unit.clone(),
            spec: input.spec.clone(),
            price: input.price,
            currency: input.currency.clone(),
            parts,
        }),
    ))
}

fn declare_uc(state: &Ledger, input: &BomInput) -> Result<Vec<Decided>, Refusal> {
    let b = book(state, &input.account)?;
    require_item(b, GoodsKind::P, input.product).map_err(|_| Refusal::UnknownItem {
        account: input.account.clone(),
        goods: GoodsKind::P,
        item: input.product,
    })?;
    require_item(b, GoodsKind::M, input.material)?;
    let consumption = UnitConsumption::declare(
        input.net,
        input.tangible_loss_pct,
        input.intangible_loss_pct,
        input.bonded_pct,
    )?;
    let key = (input.product, input.version);
    if let Some(existing) = b.boms.get(&key).and_then(|m| m.get(&input.material)) {
        if existing == &consumption {
            return Ok(vec![]);
        }
    }
    if b.bom_used.contains(&key) {
        return Err(Refusal::MasterDataConflict {
            column: "version",
            what: format!(
                "version {} of finished item {}'s unit consumption is already used by recorded movements; declare a new version instead of changing it",
                input.version, input.product
            ),
        });
    }
    Ok(one(
        state,
        Event::UnitConsumptionDeclared(UnitConsumptionDeclared {
            account: input.account.clone(),
            product: input.product,
            material: input.material,
            version: input.version,
            consumption,
        }),
    ))
}

/// The effects of `qty` finished units of `product` under BOM `version`.
fn finished_effects(
    b: &Book,
    product: ItemNo,
    version: u32,
    qty: Decimal,
    column: crate::model::trade_mode::Column,
    sign: Sign,
) -> Option<Vec<Effect>> {
    let bom = b.boms.get(&(product, version))?;
    let s = if sign == Sign::Plus {
        Decimal::ONE
    } else {
        -Decimal::ONE
    };
    Some(
        bom.iter()
            .map(|(material, uc)| Effect {
                target: Target::Material {
                    item: *material,
                    column,
                },
                qty: uc.bonded_consumption(qty) * s,
            })
            .collect(),
    )
}

/// What selling `qty` of an item domestically takes off the book: the material itself, the
/// materials of a finished item's BOM `version`, or scrap. For quotes of sales not recorded.
pub fn domestic_sale_effects(
    b: &Book,
    goods: GoodsKind,
    item: ItemNo,
    version: u32,
    qty: Decimal,
) -> Result<Vec<Effect>, Refusal> {
    require_item(b, goods, item)?;
    positive("qty", qty)?;
    match goods {
        GoodsKind::M => Ok(vec![Effect {
            target: Target::Material {
                item,
                column: crate::model::trade_mode::Column::DomesticSold,
            },
            qty,
        }]),
        GoodsKind::P => finished_effects(
            b,
            item,
            version,
            qty,
            crate::model::trade_mode::Column::DomesticSold,
            Sign::Plus,
        )
        .ok_or_else(|| Refusal::UnitConsumptionNotDeclared {
            account: b.header.account.clone(),
            product: item,
            version,
        }),
        GoodsKind::S => Ok(vec![Effect {
            target: Target::Scrap { item },
            qty: -qty,
        }]),
    }
}

/// Refuses effects that would leave any stock negative on `date` or any later day.
fn check_not_negative(b: &Book, date: NaiveDate, effects: &[Effect]) -> Result<(), Refusal> {
    let mut net: BTreeMap<Target, Decimal> = BTreeMap::new();
    for e in effects {
        *net.entry(stock_key(&e.target)).or_default() += Book::stock_delta(e);
    }
    for (target, delta) in net {
        if delta >= Decimal::ZERO {
            continue;
        }
        let (available, when) = b
            .stock(&target)
            .map(|s| s.available_from(date))
            .unwrap_or((Decimal::ZERO, date));
        if available + delta < Decimal::ZERO {
            let (mut what, unit) = describe(b, &target);
            if when > date {
                // The movement's own day has enough; a later day, counting what movements
                // already recorded after it take, would not.
                what = format!(
                    "{what}, counting what the movements recorded after {date} already take,"
                );
            }
            return Err(Refusal::WouldGoNegative {
                what,
                unit,
                date: when.max(date),
                available: available.normalize(),
                requested: (-delta).normalize(),
            });
        }
    }
    Ok(())
}

/// Effects on different columns of one material share one balance: compare them together.
fn stock_key(t: &Target) -> Target {
    match t {
        Target::Material { item, .. } => Target::Material {
            item: *item,
            column: crate::model::trade_mode::Column::Opening,
        },
        other => other.clone(),
    }
}

fn describe(b: &Book, target: &Target) -> (String, String) {
    match target {
        Target::Material { item, .. } => {
            let name = b
                .item(GoodsKind::M, *item)
                .map(|i| format!(" ({})", i.name))
                .unwrap_or_default();
            (
                format!("the balance of material {item}{name}"),
                b.unit_of(GoodsKind::M, *item),
            )
        }
        Target::Scrap { item } => (
            format!("the scrap stock of scrap item {item}"),
            b.unit_of(GoodsKind::S, *item),
        ),
        Target::Subcontractor { name, goods, item } => (
            format!("what subcontractor {name} holds of {} {item}", goods.noun()),
            b.unit_of(*goods, *item),
        ),
    }
}

fn resolve_item(b: &Book, line: &MovementLine) -> Result<ItemNo, Refusal> {
    let by_part = match &line.part {
        Some(part) => match b.parts.get(part) {
            Some((goods, item)) if *goods == line.goods => Some(*item),
            _ => {
                return Err(Refusal::UnknownPart {
                    account: line.account.clone(),
                    goods: line.goods,
                    part: part.to_string(),
                })
            }
        },
        None => None,
    };
    let item = match (line.item, by_part) {
        (Some(given), Some(actual)) if given != actual => {
            return Err(Refusal::PartItemMismatch {
                goods: line.goods,
                part: line
                    .part
                    .as_ref()
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                actual,
                given,
            })
        }
        (Some(item), _) | (None, Some(item)) => item,
        (None, None) => {
            return Err(Refusal::bad(
                "item",
                "give the item number or the part number",
            ))
        }
    };
    require_item(b, line.goods, item)?;
    Ok(item)
}

fn month_of(date: NaiveDate) -> String {
    format!("{:04}-{:02}", date.year(), date.month())
}

/// Converts `amount` of `currency` to USD at the month's rates (both via CNY).
fn to_usd(
    state: &Ledger,
    amount: Decimal,
    currency: &Currency,
    date: NaiveDate,
) -> Result<Decimal, Refusal> {
    if currency == &Currency::usd() {
        return Ok(amount);
    }
    let month = month_of(date);
    let rate = |c: &Currency| {
        state
            .reference
            .fx_rate(&month, c)
            .ok_or_else(|| Refusal::NoExchangeRate {
                currency: c.to_string(),
                month: month.clone(),
            })
    };
    let cny = amount * rate(currency)?;
    Ok(cny / rate(&Currency::usd())?)
}

/// The bonded value on hand in USD on `date`: each material's balance at its average CIF price.
fn outstanding_usd(b: &Book, date: NaiveDate) -> Decimal {
    let mut total = Decimal::ZERO;
    for (item, stock) in &b.materials {
        let Some(lots) = b.imports.get(item) else {
            continue;
        };
        let (qty, usd) = lots
            .iter()
            .fold((Decimal::ZERO, Decimal::ZERO), |(q, u), l| {
                (q + l.qty, u + l.cif_usd)
            });
        if qty > Decimal::ZERO {
            total += stock.balance_at(date).max(Decimal::ZERO) * usd / qty;
        }
    }
    total
}

fn record_movement(state: &Ledger, line: &MovementLine) -> Result<Vec<Decided>, Refusal> {
    let b = book(state, &line.account)?;
    if let Some(kind) = line.mode.book_kind() {
        if kind != b.header.kind {
            return Err(Refusal::ModeOfOtherBookKind {
                account: line.account.clone(),
                mode: line.mode,
                kind: b.header.kind,
            });
        }
    }
    let class = line
        .mode
        .effect(line.dir, line.goods)
        .ok_or_else(|| Refusal::ModeCombination {
            mode: line.mode,
            what: format!("dir {} and goods {}", line.dir, line.goods),
            allowed: line.mode.allowed_combinations().join(" or "),
        })?;
    if line.ref_.trim().is_empty() || line.ref_.chars().count() > 64 {
        return Err(Refusal::bad(
            "ref",
            "the list number (ref) has 1 to 64 characters",
        ));
    }
    positive("qty", line.qty)?;
    for (col, v) in [
        ("unit_price", line.unit_price),
        ("freight", line.freight),
        ("insurance", line.insurance),
    ] {
        if let Some(v) = v {
            not_negative(col, v)?;
        }
    }
    let key = (line.ref_.clone(), line.line);
    if let Some(same) = b.lines.compare(line) {
        if same {
            return Ok(vec![]);
        }
        return Err(Refusal::RefLineConflict {
            account: line.account.clone(),
            ref_: line.ref_.clone(),
            line: line.line,
        });
    }
    let item = resolve_item(b, line)?;
    check_not_written_off(b, line.date, || format!("{}/{}", line.ref_, line.line))?;
    if matches!(line.mode, TradeMode::M0657 | TradeMode::M0258) {
        match &line.peer_account {
            None => return Err(Refusal::bad(
                "peer_account",
                "a remaining-material carry-over (0657/0258) names the other book (peer_account)",
            )),
            Some(p) if p == &line.account => {
                return Err(Refusal::bad(
                    "peer_account",
                    "a carry-over goes to another book, not to itself",
                ))
            }
            Some(_) => {}
        }
    }
    if let Some(removed) = b.removed {
        let brings_in = line.dir == Direction::I
            && matches!(
                class,
                MovementClass::Material(
                    crate::model::trade_mode::Column::Imported
                        | crate::model::trade_mode::Column::CarriedIn,
                    _
                )
            );
        if brings_in && line.date > removed {
            return Err(Refusal::RuleBroken {
                column: "date",
                what: format!(
                    "book {} left the company-based mode on {removed}: nothing more comes into it (carry the goods into a new book instead)",
                    line.account
                ),
            });
        }
    }

    let mut awaiting = false;
    let effects = match class {
        MovementClass::Material(column, sign) => vec![Effect {
            target: Target::Material { item, column },
            qty: if sign == Sign::Plus {
                line.qty
            } else {
                -line.qty
            },
        }],
        MovementClass::Finished(column, sign) => {
            let version = line.bom_version.unwrap_or(0);
            match finished_effects(b, item, version, line.qty, column, sign) {
                Some(effects) => effects,
                None if b.settings.uc_timing == UcTiming::BeforeReport => {
                    awaiting = true;
                    vec![]
                }
                None => {
                    return Err(Refusal::UnitConsumptionNotDeclared {
                        account: line.account.clone(),
                        product: item,
                        version,
                    })
                }
            }
        }
        MovementClass::ScrapOut => vec![Effect {
            target: Target::Scrap { item },
            qty: -line.qty,
        }],
        MovementClass::OutwardSent | MovementClass::OutwardReturned => {
            let name = line
                .subcontractor
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    Refusal::bad(
                        "subcontractor",
                        "outward processing (OWP) names the subcontractor",
                    )
                })?;
            let sent = class == MovementClass::OutwardSent;
            if sent && line.goods == GoodsKind::M {
                let held: Decimal = b
                    .subcontractors
                    .iter()
                    .filter(|((_, g, i), _)| *g == GoodsKind::M && *i == item)
                    .map(|(_, s)| s.at(line.date))
                    .sum();
                let on_book = b
                    .materials
                    .get(&item)
                    .map(|m| m.balance_at(line.date))
                    .unwrap_or_default();
                if held + line.qty > on_book {
                    return Err(Refusal::WouldGoNegative {
                        what: format!("the balance of material {item} left at the factory"),
                        unit: b.unit_of(GoodsKind::M, item),
                        date: line.date,
                        available: (on_book - held).max(Decimal::ZERO).normalize(),
                        requested: line.qty.normalize(),
                    });
                }
            }
            vec![Effect {
                target: Target::Subcontractor {
                    name: name.to_string(),
                    goods: line.goods,
                    item,
                },
                qty: if sent { line.qty } else { -line.qty },
            }]
        }
    };
    check_not_negative(b, line.date, &effects)?;

    let (mut cif, mut cif_usd) = (None, None);
    let against_cap = line.mode.counts_against_cap(line.dir, line.goods);
    // A carry-in declared with its price is valued too: it is the material's import price
    // for later domestic sales (DOMAIN.md §3), though it does not count against the cap.
    let priced_carry_in = class
        == MovementClass::Material(crate::model::trade_mode::Column::CarriedIn, Sign::Plus)
        && line.unit_price.is_some()
        && line.currency.is_some();
    if against_cap || priced_carry_in {
        let registered = b.item(GoodsKind::M, item);
        let price = line
            .unit_price
            .or(registered.and_then(|i| i.price))
            .ok_or_else(|| {
                Refusal::bad(
                    "unit_price",
                    "an import needs its unit price for the customs value (or register the item with a price)",
                )
            })?;
        let currency = line
            .currency
            .clone()
            .or(registered.and_then(|i| i.currency.clone()))
            .ok_or_else(|| Refusal::bad("currency", "an import needs the currency of its price"))?;
        let value = cif_value(
            line.incoterm.unwrap_or_default(),
            line.qty * price,
            line.freight,
            line.insurance,
        )?;
        let usd = to_usd(state, value, &currency, line.date)?;
        let cycle = b.cycle_containing(line.date);
        let used = match b.settings.cap_basis {
            _ if !against_cap => Decimal::ZERO,
            CapBasis::Cumulative => b
                .cap_used_usd
                .get(&cycle.number)
                .copied()
                .unwrap_or_default(),
            CapBasis::Outstanding => outstanding_usd(b, line.date),
        };
        if against_cap && used + usd > b.header.capacity_usd {
            return Err(Refusal::CapacityExceeded {
                cap_usd: b.header.capacity_usd.normalize(),
                used_usd: crate::model::money::round_cents(used).normalize(),
                line_usd: crate::model::money::round_cents(usd).normalize(),
                would_be_usd: crate::model::money::round_cents(used + usd).normalize(),
                cycle_start: cycle.start,
            });
        }
        cif = Some(value);
        cif_usd = Some(usd);
    }

    let generation = b.generations.get(&key).copied().unwrap_or(0);
    Ok(vec![Decided {
        id: movement_id(&line.account, &line.ref_, line.line, generation),
        event: Event::MovementRecorded(MovementRecorded {
            line: line.clone(),
            item,
            effects,
            awaiting_unit_consumption: awaiting,
            cif,
            cif_usd,
        }),
    }])
}

fn apply_pending(state: &Ledger, account: &BookNo) -> Result<Vec<Decided>, Refusal> {
    let b = book(state, account)?;
    if b.awaiting.is_empty() {
        return Ok(vec![]);
    }
    let mut scratch = state.clone();
    let mut out = Vec::new();
    for key in &b.awaiting {
        let Some(rec) = b.lines.whole(&key.0, key.1) else {
            continue;
        };
        let line = &rec.line;
        let Some(MovementClass::Finished(column, sign)) = line.mode.effect(line.dir, line.goods)
        else {
            continue;
        };
        let current = book(&scratch, account)?;
        let Some(effects) = finished_effects(
            current,
            rec.item,
            line.bom_version.unwrap_or(0),
            line.qty,
            column,
            sign,
        ) else {
            continue;
        };
        check_not_negative(current, line.date, &effects)?;
        let event = Event::ConsumptionApplied(ConsumptionApplied {
            account: account.clone(),
            ref_: key.0.clone(),
            line: key.1,
            date: line.date,
            effects,
        });
        let id = next_id(&scratch, &event);
        scratch.evolve(id, &event);
        out.push(Decided { id, event });
    }
    Ok(out)
}

fn correct(state: &Ledger, input: &CorrectionInput) -> Result<Vec<Decided>, Refusal> {
    let b = book(state, &input.account)?;
    if input.reason.trim().is_empty() {
        return Err(Refusal::bad("reason", "a correction says why (reason)"));
    }
    let key = (input.ref_.clone(), input.line);
    // The same correction again (same line, same reason) is a repeat of an input already
    // applied: nothing to do, whether or not the line was recorded anew since. A second
    // correction of a re-recorded line gives its own reason.
    if b.last_corrections.get(&key).map(String::as_str) == Some(input.reason.trim()) {
        return Ok(vec![]);
    }
    let Some(rec) = b.lines.get(&input.ref_, input.line) else {
        return Err(Refusal::NothingToCorrect {
            account: input.account.clone(),
            ref_: input.ref_.clone(),
            line: input.line,
        });
    };
    check_not_written_off(b, rec.date, || {
        format!("the correction of {}/{}", input.ref_, input.line)
    })?;
    let reversed: Vec<Effect> = b
        .lines
        .effects(rec.id)
        .into_iter()
        .map(|e| Effect {
            target: e.target,
            qty: -e.qty,
        })
        .collect();
    check_not_negative(b, rec.date, &reversed)?;
    let generation = b.generations.get(&key).copied().unwrap_or(0);
    Ok(vec![Decided {
        id: correction_id(&input.account, &input.ref_, input.line, generation),
        event: Event::MovementCorrected(MovementCorrected {
            account: input.account.clone(),
            ref_: input.ref_.clone(),
            line: input.line,
            reason: input.reason.trim().to_string(),
            corrects: rec.event_id,
            date: rec.date,
            reversed,
        }),
    }])
}

fn opening(state: &Ledger, input: &OpeningInput) -> Result<Vec<Decided>, Refusal> {
    let b = book(state, &input.account)?;
    require_item(b, GoodsKind::M, input.item)?;
    not_negative("qty", input.qty)?;
    check_not_written_off(b, input.date, || "the opening balance".to_string())?;
    if let Some(p) = input.unit_price {
        not_negative("unit_price", p)?;
    }
    let event = OpeningRecorded {
        account: input.account.clone(),
        date: input.date,
        item: input.item,
        qty: input.qty,
        unit_price: input.unit_price,
        currency: input.currency.clone(),
    };
    if let Some(existing) = b.openings.get(&(input.item, input.date)) {
        if existing == &event {
            return Ok(vec![]);
        }
        return Err(Refusal::MasterDataConflict {
            column: "qty",
            what: format!(
                "material {} already has an opening balance of {} on {}",
                input.item,
                existing.qty.normalize(),
                input.date
            ),
        });
    }
    Ok(one(state, Event::OpeningRecorded(event)))
}

fn stocktake(state: &Ledger, input: &StocktakeInput) -> Result<Vec<Decided>, Refusal> {
    let b = book(state, &input.account)?;
    require_item(b, input.goods, input.item)?;
    not_negative("qty", input.qty)?;
    if b.stocktakes.get(&(input.date, input.goods, input.item)) == Some(&input.qty) {
        return Ok(vec![]);
    }
    // A different count for the same day and item is a recount: the later one stands.
    Ok(one(
        state,
        Event::StocktakeRecorded(StocktakeRecorded {
            account: input.account.clone(),
            date: input.date,
            goods: input.goods,
            item: input.item,
            qty: input.qty,
        }),
    ))
}

fn work_order(state: &Ledger, input: &WorkOrderInput) -> Result<Vec<Decided>, Refusal> {
    let b = book(state, &input.account)?;
    if input.order.trim().is_empty() || input.order.chars().count() > 64 {
        return Err(Refusal::bad(
            "order",
            "the work order number has 1 to 64 characters",
        ));
    }
    require_item(b, GoodsKind::P, input.product).map_err(|_| Refusal::UnknownItem {
        account: input.account.clone(),
        goods: GoodsKind::P,
        item: input.product,
    })?;
    require_item(b, GoodsKind::M, input.material)?;
    positive("produced", input.produced)?;
    not_negative("issued", input.issued)?;
    match (input.scrap_item, input.scrap_qty) {
        (Some(item), Some(qty)) => {
            require_item(b, GoodsKind::S, item).map_err(|_| Refusal::UnknownItem {
                account: input.account.clone(),
                goods: GoodsKind::S,
                item,
            })?;
            positive("scrap_qty", qty)?;
        }
        (None, None) => {}
        (Some(_), None) => return Err(Refusal::bad("scrap_qty", "scrap_item needs scrap_qty")),
        (None, Some(_)) => return Err(Refusal::bad("scrap_item", "scrap_qty needs scrap_item")),
    }
    let event = WorkOrderRecorded {
        account: input.account.clone(),
        order: input.order.trim().to_string(),
        date: input.date,
        product: input.product,
        produced: input.produced,
        material: input.material,
        issued: input.issued,
        scrap_item: input.scrap_item,
        scrap_qty: input.scrap_qty,
    };
    if let Some(existing) = b.work_orders.get(&(event.order.clone(), input.material)) {
        if existing == &event {
            return Ok(vec![]);
        }
        return Err(Refusal::MasterDataConflict {
            column: "order",
            what: format!(
                "work order {} already records material {} with other figures",
                event.order, input.material
            ),
        });
    }
    if let Some(((_, _), other)) = b
        .work_orders
        .range((event.order.clone(), ItemNo(0))..)
        .find(|((o, _), _)| *o == event.order)
    {
        if other.product != event.product
            || other.produced != event.produced
            || other.date != event.date
        {
            return Err(Refusal::MasterDataConflict {
                column: "order",
                what: format!(
                    "work order {} was recorded as {} units of finished item {} on {}; every row of an order names the same product, quantity and date",
                    event.order,
                    other.produced.normalize(),
                    other.product,
                    other.date
                ),
            });
        }
    }
    Ok(one(state, Event::WorkOrderRecorded(event)))
}
#[cfg(test)]
#[path = "tests.rs"]
mod tests;
