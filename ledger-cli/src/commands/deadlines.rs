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
    let s = session::open(dir, actor)?;
    let report = deadline_report(&s.ledger, &account, as_of).map_err(refusal)?;
    let p = &s.position;
    match format {
        Format::Json => println!("{}", json_with_audit(&report, p)),
        Format::Csv => print!("{}", with_audit_csv(deadlines_csv(&report), p)),
        Format::Ics => print!("{}", ics(&report, p, chrono::Utc::now())),
        Format::Table | Format::Xlsx => print!("{}{}", deadlines_table(&report), audit_line(p)),
    }
    Ok(())
}
