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
            print!("{text}");
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
