//! `bonded demo`: builds the sample book of an electronics maker in the store (creating the
//! store if there is none), loads a year of its movements, and shows the balances. Running it
//! again changes nothing: every line is recognised as already recorded.

use std::path::Path;

use anyhow::{Context, Result};
use ledger_core::book::BookHeader;
use ledger_core::commands::Command;
use ledger_core::ids::BookNo;
use ledger_core::period::Period;

use crate::cli::{DemoArgs, Format};
use crate::demo_data::{demo_files, demo_header, DEMO_ACCOUNT, DEMO_COMPANY};
use crate::session;

pub fn run(dir: &Path, actor: &str, args: &DemoArgs, format: Format) -> Result<()> {
    let mut s = if dir.exists() {
        session::open(dir, actor)?
    } else {
        crate::commands::admin::create_store(dir, actor)?
    };
    let h = demo_header();
    let header = BookHeader {
        account: DEMO_ACCOUNT.parse().context("demo account")?,
        company: DEMO_COMPANY.parse().context("demo company")?,
        kind: ledger_core::trade_mode::BookKind::Purchased,
        level: ledger_core::book::Level::Item,
        capacity_usd: h.capacity_usd.parse().context("demo capacity")?,
        cycle_start: h.cycle_start.parse().context("demo cycle start")?,
        cycle_months: h.cycle_months,
        headings: h
            .headings
            .split(',')
            .map(|x| x.parse())
            .collect::<Result<Vec<_>, _>>()
            .context("demo headings")?,
    };
    s.execute(Command::OpenBook(header.clone()))?;
    let files: Vec<(String, Vec<u8>)> = demo_files()
        .into_iter()
        .map(|(name, text)| (name.to_string(), text.into_bytes()))
        .collect();
    if let Some(out) = &args.write_csv {
        std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
        for (name, bytes) in &files {
            let path = out.join(name);
            std::fs::write(&path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    let tables = crate::commands::load::tables_from_bytes(&files)?;
    let reports = crate::commands::load::load_tables(&mut s, tables)?;
    file_the_year(&mut s, &header.account)?;
    let report = ledger_core::balance::balances(&s.ledger, &header.account, year_end(&header))
        .map_err(|r| anyhow::anyhow!("{r}"))?;
    if format == Format::Table {
        println!(
            "bonded demo: an electronics maker's purchased-materials e-account {}",
            header.account
        );
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
        let deadlines =
            ledger_core::deadlines::deadlines(&s.ledger, &header.account, year_end(&header))
                .map_err(|r| anyhow::anyhow!("{r}"))?;
        let pending: Vec<String> = deadlines
            .obligations
            .iter()
            .filter(|o| o.status != ledger_core::deadlines::Status::Done)
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
            "Still to do at the end of {}:\n{}\n",
            year_end(&header),
            pending.join("\n")
        );
        println!(
            "The store is at {}. Try:\n  bonded balance --account {a} --as-of 2025-06-30\n  bonded duty --account {a} --month 2025-12\n  bonded deadlines --account {a} --as-of 2025-12-31\n  bonded verify",
            dir.display(),
            a = header.account
        );
    }
    Ok(())
}

/// The compliance team's year: each month's domestic sales declared and paid on the 10th of
/// the next month, each month's carry-overs declared on the 20th; December's sales and the
/// last two months' carry-overs are left open, to show what is still to do.
fn file_the_year(s: &mut session::Session, account: &BookNo) -> Result<()> {
    let book = s.ledger.book(account).context("the demo book")?;
    let duty_periods: std::collections::BTreeSet<Period> = ledger_core::duty::sale_dates(book)
        .into_iter()
        .map(|d| Period::of(d, book.settings.duty_period))
        .collect();
    let carry: Vec<Period> = ledger_core::deadlines::carry_over_months(book)
        .into_iter()
        .collect();
    let mut commands = Vec::new();
    for period in duty_periods.iter().rev().skip(1) {
        let date = period
            .last_day()
            .succ_opt()
            .map(|d| d + chrono::Days::new(9))
            .context("date")?;
        commands.push(Command::FileDuty {
            account: account.clone(),
            period: *period,
            date,
        });
    }
    for month in carry.iter().rev().skip(2) {
        let date = month
            .last_day()
            .succ_opt()
            .map(|d| d + chrono::Days::new(19))
            .context("date")?;
        commands.push(Command::DeclareCarryOver {
            account: account.clone(),
            month: *month,
            date,
        });
    }
    for c in commands {
        s.execute(c)?;
    }
    Ok(())
}

fn year_end(h: &BookHeader) -> chrono::NaiveDate {
    ledger_core::book::cycle_of(h.cycle_start, h.cycle_months, h.cycle_start).end
}
