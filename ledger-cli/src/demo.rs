//! `bonded demo`: builds the sample book of an electronics maker in the store (creating the
//! store if there is none), loads a year of its movements, and shows the balances. Running it
//! again changes nothing: every line is recognised as already recorded.

use std::path::Path;

use anyhow::{Context, Result};
use ledger_core::book::BookHeader;
use ledger_core::commands::Command;

use crate::cli::{DemoArgs, Format};
use crate::demo_data::{demo_files, demo_header, DEMO_ACCOUNT, DEMO_COMPANY};
use crate::session;

pub fn run(dir: &Path, actor: &str, args: &DemoArgs, format: Format) -> Result<()> {
    let mut s = if dir.exists() {
        session::open(dir, actor)?
    } else {
        crate::admin::create_store(dir, actor)?
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
    let tables = crate::load::tables_from_bytes(&files)?;
    let reports = crate::load::load_tables(&mut s, tables)?;
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
    crate::output::print_balance(&report, format);
    if format == Format::Table {
        println!(
            "The store is at {}. Try:\n  bonded balance --account {} --as-of 2025-06-30\n  bonded verify\n  bonded export --out events.jsonl",
            dir.display(),
            header.account
        );
    }
    Ok(())
}

fn year_end(h: &BookHeader) -> chrono::NaiveDate {
    ledger_core::book::cycle_of(h.cycle_start, h.cycle_months, h.cycle_start).end
}
