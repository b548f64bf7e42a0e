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

/// Quotes a CSV cell when it needs it.
pub fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
