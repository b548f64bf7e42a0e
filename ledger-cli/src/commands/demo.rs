//! `bonded demo`: the demo book — the files of `examples/`, embedded in the binary — built in
//! the store (created if there is none) exactly as the README's tour builds it: the book opened
//! with the tour's `account open` flags, the files loaded as `bonded load` loads them (the same
//! parser, the same pipeline), then the year's filings with the tour's `duty file` and
//! `carry-over declare` flags. A tour-built store and a demo-built one hold the same book
//! (tests/tests/examples.rs). Running it again changes nothing: every line is recognised as
//! already recorded.
//!
//! Then the round trip with the customs declaration client, on a second, small book of the same
//! company (`examples/customs/`: the demo book's 773 lists were declared outside the ledger; a
//! book that exchanges messages through it owes a declaration of every list): its message
//! settings, two lists exported as INV101, the client's results and customs' receipts loaded
//! as `bonded load` loads XML files — one list approved and booked, one returned — and the
//! lists and the reconciliation that finds the returned one.

use std::path::Path;

use anyhow::{Context, Result};
use chrono::NaiveDate;

use crate::cli::{
    AccountOpen, CarryOverDeclareArgs, DemoArgs, DutyFileArgs, Format, KindArg, LevelArg,
};
use crate::commands::{admin, duty, lists, load};
use crate::input::xml::read_message_bytes;
use crate::session;
use ledger_core::events::commands::Command;
use ledger_core::model::book::Setting;
use ledger_store::EventLog;

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

/// The book of the customs round trip: its files (`examples/customs/`).
const CUSTOMS_ACCOUNT: &str = "E44038000002";
const CUSTOMS_FILES: [(&str, &str); 2] = [
    (
        "customs/items.csv",
        include_str!("../../../examples/customs/items.csv"),
    ),
    (
        "customs/movements.csv",
        include_str!("../../../examples/customs/movements.csv"),
    ),
];
/// What came back from the client and customs (`examples/customs/receipts/`).
const RECEIPTS: [(&str, &str); 5] = [
    (
        "Successed_INV101-I-IMP2025120001-1_20251215093012345.xml",
        include_str!("../../../examples/customs/receipts/Successed_INV101-I-IMP2025120001-1_20251215093012345.xml"),
    ),
    (
        "Successed_INV101-I-IMP2025120002-1_20251216093544871.xml",
        include_str!("../../../examples/customs/receipts/Successed_INV101-I-IMP2025120002-1_20251216093544871.xml"),
    ),
    (
        "CUS0000E0100002025121510054100000001.INV201.xml",
        include_str!("../../../examples/customs/receipts/CUS0000E0100002025121510054100000001.INV201.xml"),
    ),
    (
        "CUS0000E0100002025121608002000000002.INV211.xml",
        include_str!("../../../examples/customs/receipts/CUS0000E0100002025121608002000000002.INV211.xml"),
    ),
    (
        "CUS0000E0100002025121614221800000003.INV201.xml",
        include_str!("../../../examples/customs/receipts/CUS0000E0100002025121614221800000003.INV201.xml"),
    ),
];
/// The lists the demo exports.
const CUSTOMS_LISTS: [&str; 2] = ["IMP2025120001", "IMP2025120002"];

/// `bonded account open` of the customs book (README's tour).
fn customs_open() -> AccountOpen {
    AccountOpen {
        account: CUSTOMS_ACCOUNT.to_string(),
        company: "4403960001".to_string(),
        kind: KindArg::Purchased,
        level: LevelArg::Item,
        capacity_usd: "1000000".to_string(),
        cycle_start: "2025-01-01".to_string(),
        cycle_months: 12,
        headings: Some("8532,8542".to_string()),
    }
}

/// `bonded account set` of the customs book: what the lists need that the ledger does not
/// otherwise know (README's tour; the declarant is the company itself).
pub const CUSTOMS_SETTINGS: [&str; 4] = [
    "sccd=91441900MA4W0D0Z3C",
    "company_name=东莞示例网络设备有限公司",
    "customs_office=5204",
    "declare_flag=1",
];

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
    s.execute(Command::OpenBook(header))?;
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
    customs_round_trip(&mut s, args, format)
}

/// The round trip with the declaration client on the customs book (see the module).
fn customs_round_trip(s: &mut session::Session, args: &DemoArgs, format: Format) -> Result<()> {
    let header = crate::input::rows::header_from_flags(&customs_open())
        .map_err(|e| anyhow::anyhow!("the customs book's flags: {e}"))?;
    let account = header.account.clone();
    s.execute(Command::OpenBook(header))?;
    let mut changes = Vec::new();
    for kv in CUSTOMS_SETTINGS {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        changes.push(Setting::parse(k, v).map_err(|r| anyhow::anyhow!("{r}"))?);
    }
    s.execute(Command::ChangeSettings {
        account: account.clone(),
        changes,
    })?;
    let files: Vec<(String, Vec<u8>)> = CUSTOMS_FILES
        .iter()
        .map(|(name, text)| (name.to_string(), text.as_bytes().to_vec()))
        .collect();
    let outbox = args.write_csv.as_ref().map(|d| d.join("OutBox"));
    if let Some(dir) = &args.write_csv {
        std::fs::create_dir_all(dir.join("customs"))
            .with_context(|| format!("cannot create {}", dir.display()))?;
        for (name, bytes) in &files {
            std::fs::write(dir.join(name), bytes)
                .with_context(|| format!("cannot write {name}"))?;
        }
    }
    let mut reports = load::load_tables(s, load::tables_from_bytes(&files)?)?;
    // The lists go out: each exported once (a second demo run finds them exported).
    let mut exported = Vec::new();
    for ref_ in CUSTOMS_LISTS {
        let done = s
            .ledger
            .book(&account)
            .and_then(|b| b.lists.get(ref_))
            .is_some_and(|l| l.exports > 0);
        if done {
            continue;
        }
        let book = s
            .ledger
            .book(&account)
            .ok_or_else(|| anyhow::anyhow!("book {account} is not open"))?;
        let lines = lists::counted_lines(s.log.scan(1), book, |r| r == ref_)?
            .remove(ref_)
            .unwrap_or_default();
        let (file, event) =
            lists::build_export(&s.ledger, &account, ref_, &lines, lists::now_shanghai())?;
        if let Some(dir) = &outbox {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            std::fs::write(dir.join(&file.file_name), &file.bytes)
                .with_context(|| format!("cannot write {}", file.file_name))?;
        }
        s.execute(Command::RecordListExport(event))?;
        exported.push(format!("{} ({} lines)", file.file_name, file.lines));
    }
    // What came back, loaded as `bonded load` loads XML files.
    let mut messages = Vec::new();
    for (name, text) in RECEIPTS {
        messages.push(
            read_message_bytes(name, text.as_bytes())
                .map_err(|e| anyhow::anyhow!("the demo's receipt {name}: {e:?}"))?,
        );
    }
    reports.extend(load::load_messages(s, messages)?);
    let lists = ledger_core::reports::lists::list_report(&s.ledger, &account, None)
        .map_err(|r| anyhow::anyhow!("{r}"))?;
    let book = s
        .ledger
        .book(&account)
        .ok_or_else(|| anyhow::anyhow!("book {account} is not open"))?;
    let movements = lists::reconcile_lines(s.log.scan(1), book)?;
    let year_end: NaiveDate = YEAR_END.parse().context("the demo's year end")?;
    let reconciliation =
        ledger_core::reports::lists::reconcile(&s.ledger, &account, year_end, &movements)
            .map_err(|r| anyhow::anyhow!("{r}"))?;
    if format == Format::Table {
        println!(
            "\nThe round trip with the customs declaration client, on book {account} (examples/customs/):"
        );
        for f in &exported {
            println!("  exported {f}");
        }
        for r in &reports {
            println!(
                "  loaded {} ({}): {} events recorded{}",
                r.file,
                r.kind,
                r.recorded,
                if r.note.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", r.note)
                }
            );
        }
        println!("\n$ bonded lists --account {account}");
        print!("{}", crate::output::lists::lists_text(&lists, &s.position));
        println!("\n$ bonded reconcile --account {account} --as-of {YEAR_END}");
        print!(
            "{}",
            crate::output::lists::reconciliation_text(&reconciliation, &s.position)
        );
    }
    Ok(())
}
