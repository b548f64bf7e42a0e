//! `bonded lists` (each verification list and where it stands with customs) and
//! `bonded reconcile` (where the book and customs disagree): table, CSV, JSON, workbook.

use ledger_core::reports::lists::{ListReport, Reconciliation};
use ledger_core::state::ledger::Book;

use crate::cli::Format;
use crate::output::xlsx::{Cell, Column, ColumnKind, Sheet};
use crate::output::{audit_line, csv_cell, json_with_audit, with_audit_csv};
use crate::session::Position;

fn opt(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

/// Columns padded to the widest cell, two spaces apart (CJK characters count double).
fn aligned(rows: &[Vec<String>]) -> String {
    let width = |s: &str| crate::output::xlsx::display_width(s);
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| width(c))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            line.push_str(c);
            if i + 1 < r.len() {
                line.push_str(&" ".repeat(widths[i].saturating_sub(width(c)) + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn list_rows(r: &ListReport) -> Vec<Vec<String>> {
    r.lists
        .iter()
        .map(|l| {
            vec![
                l.ref_.clone(),
                l.dir.to_string(),
                l.mode.to_string(),
                l.lines.to_string(),
                l.status.to_string(),
                opt(&l.seq_no).to_string(),
                opt(&l.bond_invt_no).to_string(),
                opt(&l.entry_no).to_string(),
                l.updated.map(|d| d.to_string()).unwrap_or_default(),
            ]
        })
        .collect()
}

const LIST_HEADER: [&str; 9] = [
    "ref",
    "dir",
    "mode",
    "lines",
    "status",
    "seq_no",
    "bond_invt_no",
    "entry_no",
    "updated",
];

pub fn lists_text(r: &ListReport, p: &Position) -> String {
    let mut out = format!("Verification lists of book {}\n\n", r.account);
    if r.lists.is_empty() {
        out.push_str("No list.\n");
    } else {
        let mut rows = vec![LIST_HEADER.iter().map(|s| s.to_string()).collect()];
        rows.extend(list_rows(r));
        out.push_str(&aligned(&rows));
    }
    out.push('\n');
    out.push_str(&audit_line(p));
    out
}

pub fn print_lists(r: &ListReport, format: Format, p: &Position) {
    match format {
        Format::Json => println!("{}", json_with_audit(r, p)),
        Format::Csv => {
            let mut csv = LIST_HEADER.join(",");
            csv.push('\n');
            for row in list_rows(r) {
                let cells: Vec<String> = row.iter().map(|c| csv_cell(c)).collect();
                csv.push_str(&cells.join(","));
                csv.push('\n');
            }
            print!("{}", with_audit_csv(csv, p));
        }
        Format::Table | Format::Ics | Format::Xlsx => print!("{}", lists_text(r, p)),
    }
}

const DIFF_HEADER: [&str; 7] = ["kind", "ref", "line", "item", "book", "customs", "note"];

fn diff_rows(r: &Reconciliation) -> Vec<Vec<String>> {
    r.differences
        .iter()
        .map(|d| {
            vec![
                d.kind.as_str().to_string(),
                opt(&d.ref_).to_string(),
                d.line.map(|l| l.to_string()).unwrap_or_default(),
                d.item.map(|i| i.to_string()).unwrap_or_default(),
                opt(&d.book).to_string(),
                opt(&d.customs).to_string(),
                d.note.clone(),
            ]
        })
        .collect()
}

pub fn reconciliation_text(r: &Reconciliation, p: &Position) -> String {
    let mut out = format!(
        "Book {} against customs' receipts, as of {}\n\n",
        r.account, r.as_of
    );
    if r.differences.is_empty() {
        out.push_str("No difference: the book and customs agree.\n");
    } else {
        let mut rows = vec![DIFF_HEADER[..6].iter().map(|s| s.to_string()).collect()];
        let all = diff_rows(r);
        rows.extend(all.iter().map(|d| d[..6].to_vec()));
        out.push_str(&aligned(&rows));
        out.push('\n');
        for d in &r.differences {
            out.push_str(&format!(
                "- {}{}: {}\n",
                d.kind.as_str(),
                d.ref_.as_ref().map(|r| format!(" {r}")).unwrap_or_default(),
                d.note
            ));
        }
        let n = r.differences.len();
        out.push_str(&format!(
            "\n{n} {}.\n",
            if n == 1 { "difference" } else { "differences" }
        ));
    }
    out.push('\n');
    out.push_str(&audit_line(p));
    out
}

pub fn print_reconciliation(r: &Reconciliation, format: Format, p: &Position) {
    match format {
        Format::Json => println!("{}", json_with_audit(r, p)),
        Format::Csv => {
            let mut csv = DIFF_HEADER.join(",");
            csv.push('\n');
            for row in diff_rows(r) {
                let cells: Vec<String> = row.iter().map(|c| csv_cell(c)).collect();
                csv.push_str(&cells.join(","));
                csv.push('\n');
            }
            print!("{}", with_audit_csv(csv, p));
        }
        Format::Table | Format::Ics | Format::Xlsx => print!("{}", reconciliation_text(r, p)),
    }
}

pub fn reconcile_sheets(book: &Book, r: &Reconciliation, p: &Position) -> Vec<Sheet> {
    let mut header = crate::output::report_sheets::book_header(book);
    header.push(("截至 As of".into(), r.as_of.to_string()));
    let col = |zh: &str, en: &str| Column {
        zh: zh.into(),
        en: en.into(),
        kind: ColumnKind::Text,
    };
    let rows = diff_rows(r)
        .into_iter()
        .map(|row| row.into_iter().map(Cell::Text).collect())
        .collect();
    let mut footer = crate::output::report_sheets::footer(p);
    if r.differences.is_empty() {
        footer.insert(
            0,
            "无差异 No difference: the book and customs agree.".into(),
        );
    }
    vec![Sheet {
        name: "核对 Reconciliation".into(),
        title: "账册与海关核对 Book against customs".into(),
        header,
        columns: vec![
            col("差异类型", "Kind"),
            col("清单编号", "Ref"),
            col("商品序号", "Line"),
            col("备案序号", "Item"),
            col("账册", "Book"),
            col("海关", "Customs"),
            col("说明", "Note"),
        ],
        rows,
        totals: Vec::new(),
        footer,
    }]
}
