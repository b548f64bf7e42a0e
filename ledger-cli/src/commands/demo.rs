//! `bonded demo`: the demo book — the files of `examples/`, embedded in the binary — built in
//! the store (created if there is none) exactly as the README's tour builds it: the book opened
//! with the tour's `account open` flags, the files loaded as `bonded load` loads them (the same
//! parser, the same pipeline), then the year's filings with the tour's `duty file` and
//! `carry-over declare` flags. A tour-built store and a demo-built one hold the same book
//! (tests/tests/examples.rs). Running it again changes nothing: every line is recognised as
//! already recorded.

use std::path::Path;

use anyhow::{Context, Result};
use chrono::NaiveDate;

use crate::cli::{
    AccountOpen, CarryOverDeclareArgs, DemoArgs, DutyFileArgs, Format, KindArg, LevelArg,
};
use crate::commands::{admin, duty, load};
use crate::session;

/// The demo book: `examples/*.csv`, as committed (written by the example `write_demo_files`).
const FILES: [(&str, &str); 7] = [
    ("fx.csv", include_str!("../../../examples/fx.csv")),
    ("tariff.csv", include_str!("../../../examples/tariff.csv")),
    ("items.csv", include_str!("../../../examples/items.csv")),
    ("bom.csv", include_str!("../../../examples/bom.csv")),
    (
        "workorders.csv",
        include_str!("../../../examples/workorders.csv"),
    ),
    (
        "movements.csv",
        include_str!("../../../examples/movements.csv"),
    ),
    (
        "stocktake.csv",
        include_str!("../../../examples/stocktake.csv"),
    ),
];

const ACCOUNT: &str = "E44038000001";

/// `bonded account open` of the README's tour and examples/README.md.
fn account_open() -> AccountOpen {
    AccountOpen {
        account: ACCOUNT.to_string(),
        company: "4403960001".to_string(),
        kind: KindArg::Purchased,
        level: LevelArg::Item,
        capacity_usd: "6900000".to_string(),
        cycle_start: "2025-01-01".to_string(),
        cycle_months: 12,
        headings: Some(
            "3907,7318,7410,8471,8504,8517,8532,8533,8534,8536,8541,8542,8544".to_string(),
        ),
    }
}

/// The compliance team's year, as the README's tour files it: each month's domestic sales
/// (there are some in March, June, August, September, November and December) declared and
/// paid on the 10th of the next month — December's still open at the year's end — as
/// (`duty file --month`, `--date`).
const DUTY_FILED: [(&str, &str); 5] = [
    ("2025-03", "2025-04-10"),
    ("2025-06", "2025-07-10"),
    ("2025-08", "2025-09-10"),
    ("2025-09", "2025-10-10"),
    ("2025-11", "2025-12-10"),
];

/// Each month's carry-overs declared on the 20th of the next; November's and December's still
/// open at the year's end, as (`carry-over declare --month`, `--date`).
const CARRY_OVERS_DECLARED: [(&str, &str); 10] = [
    ("2025-01", "2025-02-20"),
    ("2025-02", "2025-03-20"),
    ("2025-03", "2025-04-20"),
    ("2025-04", "2025-05-20"),
    ("2025-05", "2025-06-20"),
    ("2025-06", "2025-07-20"),
    ("2025-07", "2025-08-20"),
    ("2025-08", "2025-09-20"),
    ("2025-09", "2025-10-20"),
    ("2025-10", "2025-11-20"),
];

/// The end of the demo's first cycle: what the demo's summary is as of.
const YEAR_END: &str = "2025-12-31";

pub fn run(dir: &Path, actor: &str, args: &DemoArgs, format: Format) -> Result<()> {
    let mut s = if dir.exists() {
        session::open(dir, actor)?
    } else {
        admin::create_store(dir, actor)?
    };
    let header = crate::input::rows::header_from_flags(&account_open())
        .map_err(|e| anyhow::anyhow!("the demo book's flags: {e}"))?;
    let account = header.account.clone();
    s.execute(ledger_core::events::commands::Command::OpenBook(header))?;
    let files: Vec<(String, Vec<u8>)> = FILES
        .iter()
        .map(|(name, text)| (name.to_string(), text.as_bytes().to_vec()))
        .collect();
    if let Some(out) = &args.write_csv {
        std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
        for (name, bytes) in &files {
            let path = out.join(name);
            std::fs::write(&path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    let tables = load::tables_from_bytes(&files)?;
    let reports = load::load_tables(&mut s, tables)?;
    for (month, date) in DUTY_FILED {
        s.execute(duty::file_command(&DutyFileArgs {
            account: ACCOUNT.to_string(),
            month: month.to_string(),
            date: date.to_string(),
        })?)?;
    }
    for (month, date) in CARRY_OVERS_DECLARED {
        s.execute(duty::carry_over_command(&CarryOverDeclareArgs {
            account: ACCOUNT.to_string(),
            month: month.to_string(),
            date: date.to_string(),
        })?)?;
    }
    let year_end: NaiveDate = YEAR_END.parse().context("the demo's year end")?;
    let report = ledger_core::state::balance::balances(&s.ledger, &account, year_end)
        .map_err(|r| anyhow::anyhow!("{r}"))?;
    if format == Format::Table {
        println!("bonded demo: an electronics maker's purchased-materials e-account {account}");
        for r in &reports {
            println!(
                "  loaded {:<16} {:>6} rows, {:>6} events recorded",
                r.file, r.rows, r.recorded
            );
        }
        println!();
    }
    crate::output::balance::print_balance(&report, format, &s.position);
    if format == Format::Table {
        let deadlines = ledger_core::reports::deadlines::deadlines(&s.ledger, &account, year_end)
            .map_err(|r| anyhow::anyhow!("{r}"))?;
        let pending: Vec<String> = deadlines
            .obligations
            .iter()
            .filter(|o| o.status != ledger_core::reports::deadlines::Status::Done)
            .map(|o| {
                format!(
                    "  {:<24} {:<8} due {}",
                    crate::output::deadlines::kind_name(o),
                    o.period,
                    o.due
                )
            })
            .collect();
        println!(
            "Still to do at the end of {year_end}:\n{}\n",
            pending.join("\n")
        );
        println!(
            "The store is at {}. Try:\n  bonded balance --account {a} --as-of 2025-06-30\n  bonded duty --account {a} --month 2025-12\n  bonded deadlines --account {a} --as-of 2025-12-31\n  bonded verify",
            dir.display(),
            a = account
        );
    }
    Ok(())
}
