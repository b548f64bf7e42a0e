//! All rendering: reports as people read them (aligned tables, Excel workbooks, an iCalendar
//! file) and as programs read them (JSON with decimal strings, CSV), one module per report.
//! Here: the audit footer every report carries (the log position and head hash it came from)
//! and the CSV cell quoting they share.

pub mod balance;
pub mod cycle;
pub mod deadlines;
pub mod duty;
pub mod exposure;
pub mod ics;
pub mod lists;
pub mod report_sheets;
pub mod xlsx;

use std::path::Path;

use crate::cli::Format;
use crate::session::Position;

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

/// The same, as the last line of a CSV report: a comment, `# log_position,N,head_hash,H` —
/// not a data row (a reader that skips `#` lines reads the data alone).
pub fn audit_csv_row(p: &Position) -> String {
    format!("# log_position,{},head_hash,{}\n", p.seq, p.hash)
}

/// Appends the audit comment to a CSV text.
pub fn with_audit_csv(csv: String, p: &Position) -> String {
    let mut out = csv;
    out.push_str(&audit_csv_row(p));
    out
}

/// The UTF-8 byte-order mark Excel needs to read a CSV file as UTF-8 (not the ANSI page).
pub const BOM: &str = "\u{feff}";

/// A report's text to standard output, or to `--out FILE` (then "wrote FILE" is said). A CSV
/// file starts with a byte-order mark, so Excel reads its Chinese; standard output has none.
pub fn emit(text: &str, format: Format, out: Option<&Path>) -> anyhow::Result<()> {
    use anyhow::Context;
    match out {
        None => {
            match (format, terminal_width()) {
                (Format::Table, Some(width)) => print!("{}", wrap_lines(text, width)),
                _ => print!("{text}"),
            }
            Ok(())
        }
        Some(path) => {
            let mut bytes = Vec::with_capacity(text.len() + 3);
            if format == Format::Csv {
                bytes.extend_from_slice(BOM.as_bytes());
            }
            bytes.extend_from_slice(text.as_bytes());
            std::fs::write(path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            println!("wrote {}", path.display());
            Ok(())
        }
    }
}

/// A report as pretty JSON with the `log` key.
pub fn json_with_audit<T: serde::Serialize>(report: &T, p: &Position) -> String {
    let mut v = serde_json::to_value(report).unwrap_or_default();
    audit_json(&mut v, p);
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

/// Quotes a CSV cell when it needs it.
pub fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The width tables must fit: `COLUMNS` when set, else the terminal's when standard output is
/// one; None (no limit) when writing to a pipe or a file.
pub fn terminal_width() -> Option<usize> {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
    {
        return Some(n);
    }
    comfy_table::Table::new().width().map(usize::from)
}

/// A table for people that fits the terminal: all its columns when they fit; else the least
/// important are left out (in `drop_order`, least important first) until it fits, and a line
/// under the table names them; if it is still too wide, long cells wrap. `right` says which
/// columns are figures (aligned right).
pub(crate) struct FitTable<'a> {
    pub header: Vec<&'a str>,
    pub right: Vec<bool>,
    pub rows: Vec<Vec<String>>,
    pub drop_order: &'a [&'a str],
}

impl FitTable<'_> {
    pub fn render(self) -> String {
        self.render_in(terminal_width())
    }

    pub fn render_in(self, width: Option<usize>) -> String {
        let mut shown: Vec<usize> = (0..self.header.len()).collect();
        let mut dropped: Vec<&str> = Vec::new();
        let mut drops = self.drop_order.iter();
        loop {
            let text = self.build(&shown, None);
            let Some(width) = width else {
                return format!("{text}\n");
            };
            if max_width(&text) <= width {
                return format!("{text}\n{}", dropped_note(&dropped, width));
            }
            let next = drops
                .by_ref()
                .find_map(|name| self.header.iter().position(|h| h == name))
                .filter(|i| shown.contains(i));
            match next {
                Some(i) => {
                    shown.retain(|c| *c != i);
                    dropped.push(self.header[i]);
                }
                None => {
                    let text = self.build(&shown, Some(width));
                    return format!("{text}\n{}", dropped_note(&dropped, width));
                }
            }
        }
    }

    fn build(&self, shown: &[usize], wrap_at: Option<usize>) -> String {
        use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, ContentArrangement};
        let mut t = comfy_table::Table::new();
        t.load_preset(UTF8_FULL_CONDENSED);
        if let Some(w) = wrap_at {
            t.set_content_arrangement(ContentArrangement::Dynamic);
            t.set_width(u16::try_from(w).unwrap_or(u16::MAX));
        }
        t.set_header(shown.iter().map(|&i| self.header[i]).collect::<Vec<_>>());
        for row in &self.rows {
            t.add_row(
                shown
                    .iter()
                    .map(|&i| {
                        let cell = Cell::new(row.get(i).map(String::as_str).unwrap_or(""));
                        if self.right.get(i).copied().unwrap_or(false) {
                            cell.set_alignment(CellAlignment::Right)
                        } else {
                            cell
                        }
                    })
                    .collect::<Vec<_>>(),
            );
        }
        t.to_string()
    }
}

fn max_width(text: &str) -> usize {
    text.lines().map(xlsx::display_width).max().unwrap_or(0)
}

fn dropped_note(dropped: &[&str], width: usize) -> String {
    if dropped.is_empty() {
        return String::new();
    }
    format!(
        "columns left out to fit {width} columns: {} (a wider terminal, COLUMNS=…, or --format csv shows them)\n",
        dropped.join(", ")
    )
}

/// A decimal for a table: exact, without trailing zeros (`12.50000000` → `12.5`).
pub fn qty(d: rust_decimal::Decimal) -> String {
    d.normalize().to_string()
}

/// Text lines longer than `width` wrapped at spaces (a word longer than the width stays whole);
/// continuation lines are indented by two spaces.
pub fn wrap_lines(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let body = line.strip_suffix('\n').unwrap_or(line);
        if xlsx::display_width(body) <= width {
            out.push_str(line);
            continue;
        }
        let mut current = String::new();
        for word in body.split(' ') {
            let candidate = if current.is_empty() {
                word.to_string()
            } else {
                format!("{current} {word}")
            };
            if xlsx::display_width(&candidate) > width && !current.trim().is_empty() {
                out.push_str(current.trim_end());
                out.push('\n');
                current = format!("  {word}");
            } else {
                current = candidate;
            }
        }
        out.push_str(current.trim_end());
        out.push('\n');
    }
    out
}
