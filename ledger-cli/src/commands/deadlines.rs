//! `bonded deadlines`: every obligation of a book as of a date (table, JSON, CSV, iCalendar).

use std::path::Path;

use anyhow::Result;
use ledger_core::model::ids::BookNo;
use ledger_core::reports::deadlines::deadlines as deadline_report;

use super::{date, parse, refusal};
use crate::cli::{DeadlinesArgs, Format};
use crate::output::deadlines::{deadlines_csv, deadlines_table};
use crate::output::ics::ics;
use crate::output::{audit_line, json_with_audit, with_audit_csv};
use crate::session;

pub fn deadlines(dir: &Path, actor: &str, args: &DeadlinesArgs, format: Format) -> Result<()> {
    let account: BookNo = parse("account", &args.account)?;
    let as_of = match &args.as_of {
        Some(d) => date("as-of", d)?,
        None => crate::today_shanghai(),
    };
    let more = |l: &ledger_core::Ledger| session::reads::deadlines(l, &account, as_of);
    let reads = session::reads::Reads::then(session::reads::cycle(), &more);
    let (s, report) = session::report_reading(dir, actor, reads, |l| report(l, &account, as_of))?;
    let report = report.map_err(refusal)?;
    let p = &s.position;
    match format {
        Format::Json => println!("{}", json_with_audit(&report, p)),
        Format::Csv => print!("{}", with_audit_csv(deadlines_csv(&report), p)),
        Format::Ics => print!("{}", ics(&report, p, chrono::Utc::now())),
        Format::Table | Format::Xlsx => print!("{}{}", deadlines_table(&report), audit_line(p)),
    }
    Ok(())
}

/// The deadlines report, the overdue months' duty assessed at once on the machine's cores
/// (each month's assessment is independent of the others: a book with a year of months not
/// declared takes a core's time divided by the cores). Threads that cannot be started leave
/// their months to be assessed in this one, as the core's `deadlines` does.
pub fn report(
    ledger: &ledger_core::Ledger,
    account: &BookNo,
    as_of: chrono::NaiveDate,
) -> Result<ledger_core::reports::deadlines::DeadlineReport, ledger_core::Refusal> {
    use ledger_core::reports::deadlines::{assess_on_due, deadlines_with, overdue_undeclared};
    use std::collections::BTreeMap;
    let Some(book) = ledger.book(account) else {
        return deadline_report(ledger, account, as_of);
    };
    let periods = overdue_undeclared(book, as_of);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_THREADS);
    if threads < 2 || periods.len() < 2 {
        return deadline_report(ledger, account, as_of);
    }
    let chunk = periods.len().div_ceil(threads);
    let assessed: BTreeMap<_, _> = std::thread::scope(|scope| {
        let started: Vec<_> = periods
            .chunks(chunk)
            .filter_map(|months| {
                std::thread::Builder::new()
                    .name("duty-assess".into())
                    .spawn_scoped(scope, move || {
                        months
                            .iter()
                            .map(|p| (*p, assess_on_due(ledger, account, *p)))
                            .collect::<Vec<_>>()
                    })
                    .ok()
            })
            .collect();
        started
            .into_iter()
            .filter_map(|h| h.join().ok())
            .flatten()
            .collect()
    });
    deadlines_with(ledger, account, as_of, &assessed)
}

/// At most this many threads assess one report's months.
const MAX_THREADS: usize = 4;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::workload_store;
    use ledger_core::reports::deadlines::{overdue_undeclared, ObligationKind, Status};

    /// Months of the workload recorded, none declared: the report with its months assessed on
    /// several threads is the core's, late fees and all.
    #[test]
    fn the_months_assessed_at_once_give_the_core_report() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let (mut session, mut workload) = workload_store(tmp.path());
        for _ in 0..5 {
            let month =
                crate::commands::load::tables_from_bytes(&workload.next_month().expect("a month"))
                    .expect("tables");
            crate::commands::load::load_tables(&mut session, month).expect("load");
        }
        let account = workload.header().expect("header").account;
        let as_of = chrono::NaiveDate::from_ymd_opt(2016, 6, 30).expect("date");
        let book = session.ledger.book(&account).expect("book");
        let overdue = overdue_undeclared(book, as_of);
        assert!(overdue.len() >= 3, "{overdue:?}");
        let at_once = report(&session.ledger, &account, as_of).expect("report");
        let one_by_one = deadline_report(&session.ledger, &account, as_of).expect("report");
        assert_eq!(at_once, one_by_one);
        let fees: Vec<_> = at_once
            .obligations
            .iter()
            .filter(|o| o.kind == ObligationKind::DomesticSalesDuty && o.status == Status::Overdue)
            .collect();
        assert_eq!(fees.len(), overdue.len());
        assert!(
            fees.iter()
                .any(|o| o.late_fee_cny > rust_decimal::Decimal::ZERO),
            "{fees:?}"
        );
    }
}
