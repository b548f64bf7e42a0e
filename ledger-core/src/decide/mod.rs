//! `decide`: a command against the state gives the events to record, or the reason customs
//! would refuse it. Pure: the same state and command always give the same answer, with the
//! same event ids, so a repeat is recognised wherever it comes from.
//!
//! This file dispatches a command to the room that decides it: `movement` (a list line, its
//! correction), `master_data` (book, items, unit consumption), `counts` (openings, stocktakes,
//! work orders), `filing` (duty, carry-over, write-off and annual declarations), `review`
//! (users and dual review); `checks` and `capacity` hold the rules a movement must pass, `ids`
//! how every event id is derived.
//!
//! **Layer rule:** `decide` is the top layer: it may use every other (a filing assesses the
//! report it files). Nothing below uses it.

mod capacity;
mod checks;
mod counts;
mod filing;
mod ids;
mod inputs;
mod lists;
mod master_data;
mod movement;
pub mod review;

pub use filing::check_duty_period;
pub use ids::movement_id;
pub(crate) use ids::{positional_id, ID_NAMESPACE};
pub use lists::ref_of_file_name;

use capacity::*;
use checks::*;
use counts::*;
use filing::*;
use ids::*;
use master_data::*;
use movement::*;

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
use crate::model::refusal::{not_negative, positive, Refusal};
use crate::model::trade_mode::{GoodsKind, MovementClass, Sign, TradeMode};
use crate::model::unit_consumption::UnitConsumption;
use crate::state::effects::{finished_effects, require_item};
use crate::state::ledger::{Book, Ledger};

pub use crate::state::effects::domestic_sale_effects;

/// An event with the id it is stored under.
#[derive(Debug, Clone, PartialEq)]
pub struct Decided {
    pub id: Uuid,
    pub event: Event,
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

/// A message setting's value against the customs code tables (the setting's own format is
/// checked where it is parsed).
fn check_message_codes(change: &crate::model::book::Setting) -> Result<(), Refusal> {
    use crate::messages::codes;
    let crate::model::book::Setting::Message { name, value } = change else {
        return Ok(());
    };
    let known = match name.as_str() {
        "country" => codes::is_country(value),
        "transport" => codes::in_table(codes::TRANSPORT_MODES, value),
        "duty_treatment" | "domestic_duty_treatment" => {
            codes::in_table(codes::DUTY_TREATMENTS, value)
        }
        _ => true,
    };
    if known {
        return Ok(());
    }
    Err(Refusal::bad(
        "setting",
        format!("{name}={value}: not a code of the customs table for {name}"),
    ))
}

/// Decides one command.
pub fn decide(state: &Ledger, command: &Command) -> Result<Vec<Decided>, Refusal> {
    inputs::check_inputs(command)?;
    match command {
        Command::OpenBook(header) => open_book(state, header),
        Command::ChangeSettings { account, changes } => {
            let b = book(state, account)?;
            let mut settings = b.settings.clone();
            let mut effective = Vec::new();
            for change in changes {
                check_message_codes(change)?;
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
            books,
        } => crate::decide::review::add_user(state, name, *role, token_sha256, books.as_deref()),
        Command::SetUserBooks { name, books } => {
            crate::decide::review::set_user_books(state, name, books.as_deref())
        }
        Command::SubmitForReview { submitted_by, item } => {
            crate::decide::review::submit(state, submitted_by, item)
        }
        Command::ApproveReview { id, by } => crate::decide::review::approve(state, *id, by),
        Command::RejectReview { id, by, reason } => {
            crate::decide::review::reject(state, *id, by, reason)
        }
        Command::RecordListExport(e) => lists::record_export(state, e),
        Command::RecordReceipt {
            received,
            file_name,
        } => lists::record_receipt(state, received, file_name.as_deref()),
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
        Command::SetPrice(input) => set_price(state, input),
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

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
