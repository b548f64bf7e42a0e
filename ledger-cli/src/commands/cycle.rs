//! `bonded cycle report`, `cycle close`, `declare annual` and `account remove`: the write-off
//! (核销), the moment of truth for a bonded manufacturer.

use std::path::Path;

use anyhow::Result;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
use ledger_core::commands::Command;
use ledger_core::cycle::{annual_report, cycle_report, CarryOverLine, CycleReport, IdentityLine};
use ledger_core::ids::BookNo;
use ledger_core::refusal::InvalidValue;
use ledger_core::Refusal;

use crate::cli::{AccountRemove, CycleCloseArgs, CycleReportArgs, DeclareAnnualArgs, Format};
use crate::exit::{bad_input, code_of_refusal, Exit};
use crate::output::{audit_line, csv_cell, json_with_audit, with_audit_csv};
use crate::session::{self, Position};

fn refusal(r: Refusal) -> anyhow::Error {
    Exit {
        code: code_of_refusal(&r),
        message: r.to_string(),
    }
    .into()
}

fn account(value: &str) -> Result<BookNo> {
    value
        .parse()
        .map_err(|e: InvalidValue| bad_input(format!("--account: {e}")))
}

fn date(flag: &str, value: &str) -> Result<chrono::NaiveDate> {
    crate::input::parse_date(value).map_err(|e| bad_input(format!("--{flag}: {e}")))
}

pub fn report(dir: &Path, actor: &str, args: &CycleReportArgs, format: Format) -> Result<()> {
    let account = account(&args.account)?;
    let filed = args
        .filed
        .as_deref()
        .map(|f| date("filed", f))
        .transpose()?;
    let s = session::open(dir, actor)?;
    let r = cycle_report(&s.ledger, &account, args.cycle, filed).map_err(refusal)?;
    let p = &s.position;
    match format {
        Format::Json => println!("{}", json_with_audit(&r, p)),
        Format::Csv => print!("{}", with_audit_csv(identity_csv(&r.materials), p)),
        Format::Xlsx => {
            crate::output::report_sheets::write(&args.out, &s.ledger, &account, |book| {
                crate::output::report_sheets::cycle_sheets(book, &r, p)
            })?
        }
        Format::Table | Format::Ics => print!("{}", cycle_text(&r, p)),
    }
    Ok(())
}

pub fn close(dir: &Path, actor: &str, args: &CycleCloseArgs) -> Result<()> {
    let account = account(&args.account)?;
    let on = date("date", &args.date)?;
    let mut s = session::open(dir, actor)?;
    let cycle = s
        .ledger
        .book(&account)
        .and_then(|b| b.open_cycle())
        .map(|c| c.number);
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

pub fn annual(dir: &Path, actor: &str, args: &DeclareAnnualArgs, format: Format) -> Result<()> {
    let account = account(&args.account)?;
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
    match format {
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
            println!("{}", json_with_audit(&v, p));
        }
        Format::Csv => print!("{}", with_audit_csv(identity_csv(&r.materials), p)),
        Format::Xlsx => {
            crate::output::report_sheets::write(&args.out, &s.ledger, &account, |book| {
                crate::output::report_sheets::annual_sheets(book, args.year, &r, p)
            })?
        }
        Format::Table | Format::Ics => {
            println!(
                "Book {account} — annual declaration {}: the balance identity from {} to {}",
                args.year, r.from, r.to
            );
            print!("{}", identity_table(&r.materials));
            print!("{}", carry_over_text(&r.carry_overs));
            print!("{}", audit_line(p));
        }
    }
    Ok(())
}

pub fn remove(dir: &Path, actor: &str, args: &AccountRemove) -> Result<()> {
    let account = account(&args.account)?;
    let on = date("date", &args.date)?;
    let mut s = session::open(dir, actor)?;
    let outcome = s.execute(Command::RemoveBook {
        account: account.clone(),
        date: on,
    })?;
    if outcome.appended == 0 {
        println!("book {account} was already recorded as removed on {on}; nothing recorded");
    } else {
        println!(
            "book {account} left the company-based mode on {on}; cancel it by {} (carry what is left into a new book with 0657/0258)",
            on + chrono::Days::new(30)
        );
    }
    Ok(())
}

const IDENTITY_HEADER: &str = "item,name,unit,opening,imported,carried_in,consumed,carried_out,domestic_sold,re_exported,destroyed,closing,stocktake,difference,flag";

fn identity_csv(lines: &[IdentityLine]) -> String {
    let mut out = format!("{IDENTITY_HEADER}\n");
    for m in lines {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            m.item,
            csv_cell(&m.name),
            csv_cell(&m.unit),
            m.opening,
            m.imported,
            m.carried_in,
            m.consumed,
            m.carried_out,
            m.domestic_sold,
            m.re_exported,
            m.destroyed,
            m.closing,
            m.stocktake.map(|d| d.to_string()).unwrap_or_default(),
            m.difference.map(|d| d.to_string()).unwrap_or_default(),
            m.flag.clone().unwrap_or_default()
        ));
    }
    out
}

fn identity_table(lines: &[IdentityLine]) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(IDENTITY_HEADER.split(',').collect::<Vec<_>>());
    let right = |s: String| Cell::new(s).set_alignment(CellAlignment::Right);
    for m in lines {
        let flag = match m.flag.as_deref() {
            Some("shortage") => "SHORTAGE",
            Some("surplus") => "surplus",
            _ => "",
        };
        t.add_row(vec![
            Cell::new(m.item),
            Cell::new(&m.name),
            Cell::new(&m.unit),
            right(m.opening.to_string()),
            right(m.imported.to_string()),
            right(m.carried_in.to_string()),
            right(m.consumed.to_string()),
            right(m.carried_out.to_string()),
            right(m.domestic_sold.to_string()),
            right(m.re_exported.to_string()),
            right(m.destroyed.to_string()),
            right(m.closing.to_string()),
            right(
                m.stocktake
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "—".into()),
            ),
            right(
                m.difference
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "—".into()),
            ),
            Cell::new(flag),
        ]);
    }
    format!("{t}\n")
}

fn carry_over_text(lines: &[CarryOverLine]) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let mut out = String::from("Remaining-material carry-overs (余料结转):\n");
    for c in lines {
        out.push_str(&format!(
            "  {} {}/{} {} material {} qty {} {} {} — {}\n",
            c.date,
            c.ref_,
            c.line,
            if c.dir == ledger_core::trade_mode::Direction::E {
                "out"
            } else {
                "in"
            },
            c.item,
            c.qty,
            if c.dir == ledger_core::trade_mode::Direction::E {
                "to"
            } else {
                "from"
            },
            c.peer_account
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            c.pairing.replace('_', " ")
        ));
    }
    out
}

fn cycle_text(r: &CycleReport, p: &Position) -> String {
    let mut out = format!(
        "Book {} — self-verification report of cycle {} ({} to {}), report due {}{}\n",
        r.account,
        r.cycle,
        r.start,
        r.end,
        r.report_due,
        r.closed_on
            .map(|d| format!(", written off on {d}"))
            .unwrap_or_default()
    );
    out.push_str(&match r.stocktake_date {
        Some(d) => format!(
            "Stocktake of {d} (finished goods and goods at subcontractors converted into materials by their BOM); differences up to {} are shown, not flagged.\n",
            r.tolerance.normalize()
        ),
        None => "No stocktake in this cycle: load one before the write-off.\n".to_string(),
    });
    out.push_str(&identity_table(&r.materials));
    let flagged: Vec<&IdentityLine> = r.materials.iter().filter(|m| m.flag.is_some()).collect();
    for m in &flagged {
        let d = m.difference.unwrap_or_default();
        out.push_str(&format!(
            "  {} material {} ({}): {} {}\n",
            if d.is_sign_negative() {
                "SHORTAGE"
            } else {
                "surplus "
            },
            m.item,
            m.name,
            d.abs(),
            m.unit
        ));
    }
    if let Some(d) = &r.shortages {
        out.push_str(&format!(
            "Supplementary declaration (补充申报) the shortages call for, valued as domestic sales declared on {}: value {} CNY, duty {}, consumption tax {}, VAT {}, deferred interest {} — total {} CNY. Record them as domestic sales (0644/0245) dated in the cycle before the write-off.\n",
            d.filed, d.totals.value_cny, d.totals.duty, d.totals.consumption_tax, d.totals.vat, d.totals.interest, d.totals.total
        ));
    }
    if let Some(n) = &r.note {
        out.push_str(&format!("note: {n}\n"));
    }
    out.push_str(&carry_over_text(&r.carry_overs));
    out.push_str(&audit_line(p));
    out
}
