//! `bonded cycle report`, `cycle close` and `declare annual`: the write-off (核销), the moment
//! of truth for a bonded manufacturer (rendered by `output::cycle`).

use super::{date, parse, refusal};
use crate::output::cycle::{carry_over_text, cycle_text, identity_csv, identity_table};
use std::path::Path;

use anyhow::Result;
use ledger_core::events::commands::Command;
use ledger_core::model::ids::BookNo;
use ledger_core::reports::cycle::{annual_report, cycle_report};

use crate::cli::{CycleCloseArgs, CycleReportArgs, DeclareAnnualArgs, Format};
use crate::output::{audit_line, json_with_audit, with_audit_csv};
use crate::session::{self};

pub fn report(dir: &Path, actor: &str, args: &CycleReportArgs, format: Format) -> Result<()> {
    let account: BookNo = parse("account", &args.account)?;
    let filed = args
        .filed
        .as_deref()
        .map(|f| date("filed", f))
        .transpose()?;
    let history = |l: &ledger_core::Ledger| {
        ledger_core::reports::cycle::reads_stock_from(l, &account, args.cycle)
            .map_or(ledger_core::state::snapshot::Parts::NONE, |eve| {
                session::reads::history_for(l, &account, eve)
            })
    };
    let reads = session::reads::Reads::then(session::reads::cycle(), &history);
    let (s, r) = session::report_reading(dir, actor, reads, |l| {
        cycle_report(l, &account, args.cycle, filed)
    })?;
    let r = r.map_err(refusal)?;
    let p = &s.position;
    let text = match format {
        Format::Json => format!("{}\n", json_with_audit(&r, p)),
        Format::Csv => with_audit_csv(identity_csv(&r.materials), p),
        Format::Xlsx => {
            return crate::output::report_sheets::write(&args.out, &s.ledger, &account, |book| {
                crate::output::report_sheets::cycle_sheets(book, &r, p)
            })
        }
        Format::Table | Format::Ics => cycle_text(&r, p),
    };
    crate::output::emit(&text, format, args.out.as_deref())
}

pub fn close(dir: &Path, actor: &str, args: &CycleCloseArgs) -> Result<()> {
    let account: BookNo = parse("account", &args.account)?;
    let mut s = session::open(dir, actor)?;
    let cycle = s
        .ledger
        .book(&account)
        .and_then(|b| b.open_cycle())
        .map(|c| c.number);
    let on = match &args.date {
        Some(d) => date("date", d)?,
        None => approved_on(&s.ledger, &account, cycle)?,
    };
    let outcome = s.execute(Command::CloseCycle {
        account: account.clone(),
        date: on,
    })?;
    let book = s.ledger.book(&account);
    let next = book.and_then(|b| b.open_cycle());
    if outcome.appended == 0 {
        println!("nothing recorded");
    } else {
        println!(
            "cycle {} of book {account} written off on {on}; deferred interest now runs from {on}{}",
            cycle.map(|c| c.to_string()).unwrap_or_default(),
            next.map(|c| format!("; cycle {} runs {} to {}", c.number, c.start, c.end))
                .unwrap_or_default()
        );
    }
    Ok(())
}

/// The day customs approved the open cycle's write-off (EMS221 result `2`), for `cycle close`
/// without `--date`.
fn approved_on(
    ledger: &ledger_core::Ledger,
    account: &BookNo,
    cycle: Option<i64>,
) -> Result<chrono::NaiveDate> {
    let answer = cycle
        .and_then(|n| u32::try_from(n).ok())
        .and_then(|n| ledger.book(account)?.lists.writeoffs.get(&n).cloned());
    match answer {
        Some(a) if a.result.as_deref() == Some("2") => a.date.ok_or_else(|| {
            crate::exit::bad_input(
                "customs' approval of the write-off (EMS221) carries no date: give --date YYYY-MM-DD",
            )
        }),
        Some(a) => Err(crate::exit::bad_input(format!(
            "customs has not approved the write-off of cycle {} yet (its latest answer: {}): give --date YYYY-MM-DD to close it anyway",
            cycle.unwrap_or_default(),
            a.result.as_deref().unwrap_or("no result code")
        ))),
        None => Err(crate::exit::bad_input(format!(
            "no --date, and no write-off result from customs (EMS221) for cycle {} is loaded: give --date YYYY-MM-DD",
            cycle.map(|c| c.to_string()).unwrap_or_else(|| "—".into())
        ))),
    }
}

pub fn annual(dir: &Path, actor: &str, args: &DeclareAnnualArgs, format: Format) -> Result<()> {
    let account: BookNo = parse("account", &args.account)?;
    let mut s = session::open(dir, actor)?;
    if let Some(d) = &args.record {
        let on = date("record", d)?;
        s.execute(Command::DeclareAnnual {
            account: account.clone(),
            year: args.year,
            date: on,
        })?;
    }
    let r = annual_report(&s.ledger, &account, args.year).map_err(refusal)?;
    let p = &s.position;
    let text = match format {
        Format::Json => {
            let mut v = serde_json::to_value(&r).unwrap_or_default();
            if let Some(o) = v.as_object_mut() {
                o.insert("year".into(), serde_json::json!(args.year.to_string()));
                let declared = s
                    .ledger
                    .book(&account)
                    .and_then(|b| b.annual_declared.get(&args.year));
                o.insert(
                    "declared_on".into(),
                    serde_json::json!(declared.map(|d| d.to_string())),
                );
            }
            format!("{}\n", json_with_audit(&v, p))
        }
        Format::Csv => with_audit_csv(identity_csv(&r.materials), p),
        Format::Xlsx => {
            return crate::output::report_sheets::write(&args.out, &s.ledger, &account, |book| {
                crate::output::report_sheets::annual_sheets(book, args.year, &r, p)
            })
        }
        Format::Table | Format::Ics => format!(
            "Book {account} — annual declaration {}: the balance identity from {} to {}\n{}{}{}",
            args.year,
            r.from,
            r.to,
            identity_table(&r.materials),
            carry_over_text(&r.carry_overs),
            audit_line(p)
        ),
    };
    crate::output::emit(&text, format, args.out.as_deref())
}
