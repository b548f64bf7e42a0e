//! Filing what customs is owed: the month's domestic-sales duty declaration, the month's
//! carry-over declaration, the write-off of a cycle (报核) and the annual declaration of a
//! cycle longer than a year.

use super::*;

/// The period must be of the book's kind (a month, or a quarter when the book pays quarterly).
pub(super) fn check_period_kind(b: &Book, period: Period) -> Result<(), Refusal> {
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

pub(super) fn file_duty(
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

pub(super) fn declare_carry_over(
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

/// Refuses a movement, opening or stocktake dated outside the book's life (DOMAIN.md §8):
/// before its first cycle starts (the balance the book took over is an opening on that day),
/// or after the book left the company-based mode.
pub(super) fn check_in_life(
    b: &Book,
    date: NaiveDate,
    what: impl Fn() -> String,
) -> Result<(), Refusal> {
    let start = b.header.cycle_start;
    if date < start {
        return Err(Refusal::RuleBroken {
            column: "date",
            what: format!(
                "{} is dated {date}, before book {}'s first write-off cycle starts on {start}; the book holds nothing before then — record the balance as an opening instead (an openings file dated {start})",
                what(),
                b.header.account
            ),
        });
    }
    if let Some(removed) = b.removed {
        if date > removed {
            return Err(Refusal::RuleBroken {
                column: "date",
                what: format!(
                    "{} is dated {date}, after book {} left the company-based mode on {removed}; nothing more is recorded in it (carry the goods into a new book instead)",
                    what(),
                    b.header.account
                ),
            });
        }
    }
    Ok(())
}

/// Refuses a change dated in a cycle already written off.
/// `what` names the thing refused (made only when it is: a load checks every line).
pub(super) fn check_not_written_off(
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

pub(super) fn close_cycle(
    state: &Ledger,
    account: &BookNo,
    date: NaiveDate,
) -> Result<Vec<Decided>, Refusal> {
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
    let identity = crate::reports::cycle::identity(state, b, cycle.start, cycle.end)?;
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

pub(super) fn declare_annual(
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
