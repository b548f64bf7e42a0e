//! The balance report rendered: an aligned table, CSV, JSON with the log position.

use super::{audit_line, csv_cell, json_with_audit, with_audit_csv};
use crate::cli::Format;
use crate::session::Position;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
use ledger_core::state::balance::BalanceReport;

pub fn print_balance(report: &BalanceReport, format: Format, p: &Position) {
    print!("{}", balance_output(report, format, p));
}

/// The report as `format` says (json, csv, or the table).
pub fn balance_output(report: &BalanceReport, format: Format, p: &Position) -> String {
    match format {
        Format::Json => format!("{}\n", json_with_audit(report, p)),
        Format::Csv => with_audit_csv(balance_csv(report), p),
        Format::Table | Format::Ics | Format::Xlsx => {
            format!("{}{}", balance_table(report), audit_line(p))
        }
    }
}

pub(crate) const MATERIAL_COLUMNS: [&str; 9] = [
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

pub(crate) fn material_values(m: &ledger_core::state::balance::MaterialBalance) -> [String; 9] {
    material_quantities(m).map(|d| d.to_string())
}

fn material_quantities(
    m: &ledger_core::state::balance::MaterialBalance,
) -> [rust_decimal::Decimal; 9] {
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

/// The columns a narrow terminal leaves out first (the item and its balance stay).
const BALANCE_DROP_ORDER: [&str; 10] = [
    "opening",
    "carried_in",
    "carried_out",
    "re_exported",
    "destroyed",
    "domestic_sold",
    "unit",
    "imported",
    "consumed",
    "name",
];

pub fn balance_table(report: &BalanceReport) -> String {
    let mut header = vec!["item", "name", "unit"];
    header.extend(MATERIAL_COLUMNS);
    let right = (0..header.len()).map(|i| i >= 3).collect();
    let rows = report
        .materials
        .iter()
        .map(|m| {
            let mut row = vec![m.item.to_string(), m.name.clone(), m.unit.clone()];
            row.extend(material_quantities(m).map(crate::output::qty));
            row
        })
        .collect();
    let t = crate::output::FitTable {
        header,
        right,
        rows,
        drop_order: &BALANCE_DROP_ORDER,
    }
    .render();
    let mut out = format!(
        "Book {} — material balances at the end of {}\n{t}",
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
                Cell::new(crate::output::qty(x.balance)).set_alignment(CellAlignment::Right),
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
                Cell::new(crate::output::qty(h.qty)).set_alignment(CellAlignment::Right),
            ]);
        }
        out.push_str(&format!(
            "Held at subcontractors (外发加工, still on the book)\n{s}\n"
        ));
    }
    out
}
