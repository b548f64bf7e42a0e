//! `bonded exposure`: the Order 182 exposure of a book, from declared against actual unit
//! consumption (the figures are `ledger_core::reports::exposure`'s, rendered by `output::exposure`).

use crate::output::exposure::{report_csv, report_json, report_table};
use std::path::Path;

use anyhow::Result;
use ledger_core::model::ids::BookNo;
use ledger_core::model::refusal::InvalidValue;
use ledger_core::reports::exposure::exposure;

use crate::cli::{ExposureArgs, Format};
use crate::exit::{bad_input, code_of_refusal, Exit};
use crate::session;

pub fn run(dir: &Path, actor: &str, args: &ExposureArgs, format: Format) -> Result<()> {
    let account: BookNo = args
        .account
        .parse()
        .map_err(|e: InvalidValue| bad_input(format!("--account: {e}")))?;
    let date = match &args.date {
        Some(d) => {
            Some(crate::input::parse_date(d).map_err(|e| bad_input(format!("--date: {e}")))?)
        }
        None => None,
    };
    let (s, report) = session::report_reading(dir, actor, session::reads::exposure(), |l| {
        exposure(l, &account, date)
    })?;
    let report = report.map_err(|r| Exit {
        code: code_of_refusal(&r),
        message: r.to_string(),
    })?;
    let p = &s.position;
    match format {
        Format::Json => println!(
            "{}",
            crate::output::json_with_audit(&report_json(&report), p)
        ),
        Format::Csv => print!("{}", crate::output::with_audit_csv(report_csv(&report), p)),
        Format::Table | Format::Ics | Format::Xlsx => {
            print!("{}{}", report_table(&report), crate::output::audit_line(p))
        }
    }
    Ok(())
}
