//! Every obligation a book has, with its due date and its state as of a business date
//! (DOMAIN.md §4; CONTRACT.md `deadlines`).
//!
//! As of a date means as the book stood that day: sales dated later have not happened yet, and a
//! declaration filed later has not been filed yet.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::model::declaration::Declaration;
use crate::model::ids::BookNo;
use crate::model::money::ZERO_CENTS;
use crate::model::period::{last_day_of_month, Period};
use crate::model::refusal::Refusal;
use crate::reports::duty::{assess, late_fee, sale_dates};
use crate::state::ledger::{Book, Ledger};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObligationKind {
    DomesticSalesDuty,
    CarryOverDeclaration,
    CycleReport,
    AnnualDeclaration,
    UnitConsumption,
    BookCancellation,
    /// A verification list recorded but not yet declared to customs (period: its `ref`; due
    /// `send_days` after its date). Listed only while not done.
    ListDeclaration,
    /// A list customs approved but has not booked (period: its `ref`; due `book_days` after
    /// the approval). Listed only while not done.
    ListBooking,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    Done,
    Overdue,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Obligation {
    pub kind: ObligationKind,
    pub period: String,
    pub due: NaiveDate,
    pub status: Status,
    /// Late-payment surcharge: 0.05 % of the unpaid tax a day past the due date, per tax type,
    /// a fee under CNY 50 not collected. For a declaration filed late, up to its filing day.
    pub late_fee_cny: Decimal,
    /// Days from `as_of` to the due date; negative once past it.
    #[serde(with = "crate::model::json_num")]
    pub days_left: i64,
    /// When it was done, if it was.
    pub done_on: Option<NaiveDate>,
    /// Why a figure could not be worked out, if one could not.
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeadlineReport {
    pub account: BookNo,
    pub as_of: NaiveDate,
    pub obligations: Vec<Obligation>,
}

/// The months with deep-processing carry-overs (0654/0255, in or out).
pub fn carry_over_months(book: &Book) -> BTreeSet<Period> {
    book.lines.deep_processing_months().collect()
}

/// The lists not yet declared, and those approved but not booked: open or overdue only (a
/// book of many lists would otherwise list every list it ever declared). Only for a book that
/// exchanges messages with customs through the ledger, for the lists dated from the first it
/// exchanged (`Lists::in_use_since`): lists declared elsewhere owe nothing here.
fn list_obligations(book: &Book, as_of: NaiveDate, out: &mut Vec<Obligation>) {
    use crate::messages::lifecycle::ListStage;
    if book.lists.in_use_since.is_none() {
        // No list is tracked (`Lists::tracked`): nothing to look through.
        return;
    }
    let s = &book.settings.messages;
    for l in book.lists.all() {
        if l.lines == 0 || l.date > as_of || !book.lists.tracked(&l) {
            continue;
        }
        let declared = l.customs().declared_on.is_some()
            || (l.stage.rank() >= ListStage::Declared.rank() && l.stage != ListStage::Failed);
        let mut push = |kind, due: NaiveDate| {
            let status = status_of(None, due, as_of);
            out.push(Obligation {
                kind,
                period: l.ref_.to_string(),
                due,
                status,
                late_fee_cny: ZERO_CENTS,
                days_left: (due - as_of).num_days(),
                done_on: None,
                note: Some(format!("list {} is {}", l.ref_, l.stage)),
            });
        };
        if !declared {
            push(
                ObligationKind::ListDeclaration,
                l.date + chrono::Days::new(u64::from(s.send_days)),
            );
        } else if let Some(approved) = l.customs().approved_on {
            if matches!(l.stage, ListStage::Approved | ListStage::PreDeducted) {
                push(
                    ObligationKind::ListBooking,
                    approved + chrono::Days::new(u64::from(s.book_days)),
                );
            }
        }
    }
}

fn status_of(done_on: Option<NaiveDate>, due: NaiveDate, as_of: NaiveDate) -> Status {
    match done_on {
        Some(_) => Status::Done,
        None if as_of > due => Status::Overdue,
        None => Status::Open,
    }
}

/// The periods with a domestic sale dated on or before `as_of`, in order.
fn duty_periods(book: &Book, as_of: NaiveDate) -> BTreeSet<Period> {
    sale_dates(book)
        .into_iter()
        .filter(|d| *d <= as_of)
        .map(|d| Period::of(d, book.settings.duty_period))
        .collect()
}

/// The declaration of `period` filed on or before `as_of`.
fn filed_by(book: &Book, period: Period, as_of: NaiveDate) -> Option<&Declaration> {
    book.duty_filed.get(&period).filter(|f| f.filed <= as_of)
}

/// The earliest period whose domestic-sales duty is not declared by `as_of` (the first open
/// duty obligation of [`deadlines`]), found without assessing any period.
pub fn first_open_duty_period(book: &Book, as_of: NaiveDate) -> Option<Period> {
    duty_periods(book, as_of)
        .into_iter()
        .find(|p| filed_by(book, *p, as_of).is_none())
}

/// The periods whose late fee needs their duty assessed on the due date: not declared by
/// `as_of`, and overdue. Each is independent of the others, so a caller may assess them at
/// once (on several threads) and hand them to [`deadlines_with`].
pub fn overdue_undeclared(book: &Book, as_of: NaiveDate) -> Vec<Period> {
    duty_periods(book, as_of)
        .into_iter()
        .filter(|p| filed_by(book, *p, as_of).is_none() && as_of > p.due())
        .collect()
}

/// A period's duty assessed on its due date, as [`deadlines`] needs it for the late fee.
pub fn assess_on_due(
    state: &Ledger,
    account: &BookNo,
    period: Period,
) -> Result<Declaration, Refusal> {
    assess(state, account, period, period.due())
}

/// Whether the deadlines of `state` read its verification lists. Only a list a book exchanges
/// through the ledger owes anything here (`Lists::tracked`), and a book exchanges none until
/// its first list is exported or answered (`Lists::in_use_since`, which the state's base
/// holds): a state read in parts leaves the lists unread while no book does.
pub fn reads_lists(state: &Ledger) -> bool {
    state.books.values().any(|b| b.lists.in_use_since.is_some())
}

/// Every obligation of the book as of `as_of`.
pub fn deadlines(
    state: &Ledger,
    account: &BookNo,
    as_of: NaiveDate,
) -> Result<DeadlineReport, Refusal> {
    deadlines_with(state, account, as_of, &BTreeMap::new())
}

/// [`deadlines`], with the assessments of some overdue periods already made
/// ([`assess_on_due`]); the others are assessed here.
pub fn deadlines_with(
    state: &Ledger,
    account: &BookNo,
    as_of: NaiveDate,
    assessed: &BTreeMap<Period, Result<Declaration, Refusal>>,
) -> Result<DeadlineReport, Refusal> {
    let book = state
        .book(account)
        .ok_or_else(|| Refusal::UnknownBook(account.clone()))?;
    let mut out = Vec::new();

    // Domestic-sales duty: one obligation per period with a sale dated on or before as_of.
    for period in duty_periods(book, as_of) {
        let due = period.due();
        let filed = filed_by(book, period, as_of);
        let done_on = filed.map(|f| f.filed);
        let status = status_of(done_on, due, as_of);
        let (late_fee_cny, note) = match (filed, status) {
            // Filed: the frozen figures, late by the days between due and filing.
            (Some(f), _) => fee_or_note(late_fee(&f.levied(), (f.filed - due).num_days())),
            // Unpaid past the due date: the tax that was due on the due date.
            (None, Status::Overdue) => {
                let fresh;
                let d = match assessed.get(&period) {
                    Some(given) => given,
                    None => {
                        fresh = assess_on_due(state, account, period);
                        &fresh
                    }
                };
                match d {
                    Ok(d) => fee_or_note(late_fee(&d.levied(), (as_of - due).num_days())),
                    Err(r) => (ZERO_CENTS, Some(format!("late fee not worked out: {r}"))),
                }
            }
            (None, _) => (ZERO_CENTS, None),
        };
        out.push(Obligation {
            kind: ObligationKind::DomesticSalesDuty,
            period: period.to_string(),
            due,
            status,
            late_fee_cny,
            days_left: (due - as_of).num_days(),
            done_on,
            note,
        });
    }

    // Deep-processing carry-overs: declared by the last day of the next month.
    for month in carry_over_months(book) {
        if month.first_day() > as_of {
            continue;
        }
        let next = month.last_day().succ_opt().unwrap_or(month.last_day());
        let due = last_day_of_month(
            chrono::Datelike::year(&next),
            chrono::Datelike::month(&next),
        );
        let done_on = book
            .carry_overs_declared
            .get(&month)
            .copied()
            .filter(|d| *d <= as_of);
        out.push(Obligation {
            kind: ObligationKind::CarryOverDeclaration,
            period: month.to_string(),
            due,
            status: status_of(done_on, due, as_of),
            late_fee_cny: ZERO_CENTS,
            days_left: (due - as_of).num_days(),
            done_on,
            note: None,
        });
    }

    cycle_obligations(book, as_of, &mut out);
    list_obligations(book, as_of, &mut out);

    out.sort_by(|a, b| (a.due, a.kind, &a.period).cmp(&(b.due, b.kind, &b.period)));
    Ok(DeadlineReport {
        account: account.clone(),
        as_of,
        obligations: out,
    })
}

fn plain(
    kind: ObligationKind,
    period: String,
    due: NaiveDate,
    done_on: Option<NaiveDate>,
    as_of: NaiveDate,
) -> Obligation {
    Obligation {
        kind,
        period,
        due,
        status: status_of(done_on, due, as_of),
        late_fee_cny: ZERO_CENTS,
        days_left: (due - as_of).num_days(),
        done_on,
        note: None,
    }
}

/// Cycle reports (due `report_days` after each cycle's end, done when it is closed), unit
/// consumption declared before the report (with `uc_timing=before_report`), annual declarations
/// (30 days after each 12 months of a longer cycle), and the book's cancellation (30 days after
/// its removal from the mode, done once nothing is left on it).
fn cycle_obligations(book: &Book, as_of: NaiveDate, out: &mut Vec<Obligation>) {
    let report_days = chrono::Days::new(u64::from(book.settings.report_days));
    for n in 1..=crate::reports::cycle::MAX_CYCLES {
        let Some(cycle) = book.cycle(n) else { break };
        if cycle.start > as_of {
            break;
        }
        let due = cycle.end + report_days;
        let closed_on = book.closed.get(&n).map(|c| c.date).filter(|d| *d <= as_of);
        out.push(plain(
            ObligationKind::CycleReport,
            n.to_string(),
            due,
            closed_on,
            as_of,
        ));
        if book.settings.uc_timing == crate::model::book::UcTiming::BeforeReport {
            // Declared with the report at the latest: done once every finished item exported
            // in the cycle has its unit consumption (no line of the cycle waits for one).
            let waiting = book
                .awaiting
                .iter()
                .filter_map(|(r, l)| book.lines.whole(r, *l))
                .filter(|r| cycle.start <= r.line.date && r.line.date <= cycle.end)
                .count();
            let done_on = if waiting == 0 {
                closed_on.or(Some(as_of.min(due)))
            } else {
                closed_on
            };
            let mut o = plain(
                ObligationKind::UnitConsumption,
                n.to_string(),
                due,
                done_on,
                as_of,
            );
            if waiting > 0 {
                o.note = Some(format!(
                    "{waiting} finished-goods lines wait for their unit consumption"
                ));
            }
            out.push(o);
        }
        for (year, mark, due) in crate::reports::cycle::annual_marks(&cycle) {
            if mark > as_of {
                break;
            }
            let done_on = book
                .annual_declared
                .get(&year)
                .copied()
                .filter(|d| *d <= as_of);
            out.push(plain(
                ObligationKind::AnnualDeclaration,
                year.to_string(),
                due,
                done_on,
                as_of,
            ));
        }
    }
    if let Some(removed) = book.removed.filter(|d| *d <= as_of) {
        let due = removed + chrono::Days::new(30);
        let empty = book
            .materials
            .values()
            .all(|m| m.balance_at(as_of).is_zero())
            && book.scrap.values().all(|s| s.at(as_of).is_zero());
        let done_on = empty.then_some(as_of.min(due));
        let mut o = plain(
            ObligationKind::BookCancellation,
            removed.to_string(),
            due,
            done_on,
            as_of,
        );
        if !empty {
            o.note = Some("goods are still on the book: carry them into a new book (0657/0258), sell them domestically, re-export or destroy them".into());
        }
        out.push(o);
    }
}

/// A late fee, or a note where its figures are too large to compute.
fn fee_or_note(fee: Option<Decimal>) -> (Decimal, Option<String>) {
    match fee {
        Some(f) => (f, None),
        None => (
            ZERO_CENTS,
            Some("late fee not worked out: the unpaid tax is too large to compute".into()),
        ),
    }
}
