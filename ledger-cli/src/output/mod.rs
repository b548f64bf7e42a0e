//! Reports as people read them (aligned tables) and as programs read them (JSON with decimal
//! strings, CSV).

pub mod report_sheets;
pub mod xlsx;

use std::path::Path;

use anyhow::Result;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
use ledger_core::balance::{balances, BalanceReport};
use ledger_core::ids::BookNo;
use ledger_core::refusal::InvalidValue;

use crate::cli::{BalanceArgs, Format};
use crate::exit::{bad_input, Exit};
use crate::session::{self, Position};

/// The last line of every report for people: where in the log its figures come from.
pub fn audit_line(p: &Position) -> String {
    format!(
        "Computed from log position {}, head hash {} — `bonded verify` checks the log; `bonded export` shows it.\n",
        p.seq, p.hash
    )
}

/// The same, as the `log` key of a JSON report.
pub fn audit_json(value: &mut serde_json::Value, p: &Position) {
    if let Some(o) = value.as_object_mut() {
        o.insert(
            "log".into(),
            serde_json::json!({"position": p.seq.to_string(), "head_hash": p.hash}),
        );
    }
}

/// The same, as the last row of a CSV report: `log_position,N,head_hash,H`, padded with empty
/// cells to the width of the report's header so the file stays rectangular.
pub fn audit_csv_row(p: &Position, width: usize) -> String {
    let mut cells = vec![
        "log_position".to_string(),
        p.seq.to_string(),
        "head_hash".to_string(),
        p.hash.clone(),
    ];
    while cells.len() < width {
        cells.push(String::new());
    }
    format!("{}\n", cells.join(","))
}

/// Appends the audit row to a CSV text, as wide as its first line.
pub fn with_audit_csv(csv: String, p: &Position) -> String {
    let width = csv
        .lines()
        .next()
        .map(|h| h.split(',').count())
        .unwrap_or(4);
    let mut out = csv;
    out.push_str(&audit_csv_row(p, width));
    out
}

/// A report as pretty JSON with the `log` key.
pub fn json_with_audit<T: serde::Serialize>(report: &T, p: &Position) -> String {
    let mut v = serde_json::to_value(report).unwrap_or_default();
    audit_json(&mut v, p);
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

pub fn balance(dir: &Path, actor: &str, args: &BalanceArgs, format: Format) -> Result<()> {
    let account: BookNo = args
        .account
        .parse()
        .map_err(|e: InvalidValue| bad_input(format!("--account: {e}")))?;
    let as_of = match &args.as_of {
        Some(d) => crate::input::parse_date(d).map_err(|e| bad_input(format!("--as-of: {e}")))?,
        None => crate::today_shanghai(),
    };
    let s = session::open(dir, actor)?;
    let report = balances(&s.ledger, &account, as_of).map_err(|r| Exit {
        code: crate::exit::code_of_refusal(&r),
        message: r.to_string(),
    })?;
    if format == Format::Xlsx {
        return crate::output::report_sheets::write(&args.out, &s.ledger, &account, |book| {
            crate::output::report_sheets::balance_sheets(book, &report, &s.position)
        });
    }
    print_balance(&report, format, &s.position);
    Ok(())
}

pub fn print_balance(report: &BalanceReport, format: Format, p: &Position) {
    match format {
        Format::Json => println!("{}", json_with_audit(report, p)),
        Format::Csv => print!("{}", with_audit_csv(balance_csv(report), p)),
        Format::Table | Format::Ics | Format::Xlsx => {
            print!("{}{}", balance_table(report), audit_line(p))
        }
    }
}

const MATERIAL_COLUMNS: [&str; 9] = [
    "opening",
    "imported",
    "carried_in",
    "consumed",
    "carried_out",
    "domestic_sold",
    "re_exported",
    "destroyed",
    "balance",
];

fn material_values(m: &ledger_core::balance::MaterialBalance) -> [String; 9] {
    [
        m.opening,
        m.imported,
        m.carried_in,
        m.consumed,
        m.carried_out,
        m.domestic_sold,
        m.re_exported,
        m.destroyed,
        m.balance,
    ]
    .map(|d| d.to_string())
}

/// Quotes a CSV cell when it needs it.
pub fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub fn balance_csv(report: &BalanceReport) -> String {
    let mut out = format!("goods,item,name,unit,{}\n", MATERIAL_COLUMNS.join(","));
    for m in &report.materials {
        out.push_str(&format!(
            "M,{},{},{},{}\n",
            m.item,
            csv_cell(&m.name),
            csv_cell(&m.unit),
            material_values(m).join(",")
        ));
    }
    for s in &report.scrap {
        out.push_str(&format!(
            "S,{},{},{},,,,,,,,,{}\n",
            s.item,
            csv_cell(&s.name),
            csv_cell(&s.unit),
            s.balance
        ));
    }
    out
}

pub fn balance_table(report: &BalanceReport) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    let mut header = vec!["item", "name", "unit"];
    header.extend(MATERIAL_COLUMNS);
    t.set_header(header);
    for m in &report.materials {
        let mut row = vec![Cell::new(m.item), Cell::new(&m.name), Cell::new(&m.unit)];
        row.extend(
            material_values(m)
                .into_iter()
                .map(|v| Cell::new(v).set_alignment(CellAlignment::Right)),
        );
        t.add_row(row);
    }
    for (i, col) in t.column_iter_mut().enumerate() {
        if i >= 3 {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    let mut out = format!(
        "Book {} — material balances at the end of {}\n{t}\n",
        report.account, report.as_of
    );
    if !report.scrap.is_empty() {
        let mut s = Table::new();
        s.load_preset(UTF8_FULL_CONDENSED);
        s.set_header(vec!["scrap item", "name", "unit", "balance"]);
        for x in &report.scrap {
            s.add_row(vec![
                Cell::new(x.item),
                Cell::new(&x.name),
                Cell::new(&x.unit),
                Cell::new(x.balance).set_alignment(CellAlignment::Right),
            ]);
        }
        out.push_str(&format!("Scrap stock (边角料)\n{s}\n"));
    }
    if !report.at_subcontractors.is_empty() {
        let mut s = Table::new();
        s.load_preset(UTF8_FULL_CONDENSED);
        s.set_header(vec!["subcontractor", "goods", "item", "qty"]);
        for h in &report.at_subcontractors {
            s.add_row(vec![
                Cell::new(&h.subcontractor),
                Cell::new(h.goods),
                Cell::new(h.item),
                Cell::new(h.qty).set_alignment(CellAlignment::Right),
            ]);
        }
        out.push_str(&format!(
            "Held at subcontractors (外发加工, still on the book)\n{s}\n"
        ));
    }
    out
}
