//! JSON lines → table, for `bonded serve`: one JSON object per line (or a JSON array of
//! objects), keyed by the same column names as the CSV files (Chinese headings too). The rows
//! then go through the same typed cell parsing as a CSV file's, so a JSON line and a CSV row
//! give the same commands and the same messages.
//!
//! Values are strings; a whole number may be a JSON number. A decimal given as a JSON number
//! (`12.5`) is refused: a JSON number is a binary float to most programs, and customs
//! quantities are kept exactly — write `"12.5"`.

use serde_json::Value;

use super::aliases::resolve;
use super::decode::Encoding;
use super::fields::quote;
use super::kind::FileKind;
use super::table::{Row, Table};
use super::{push_error, LineError, MAX_RECORD_BYTES};

/// Why JSON lines were not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonLinesError {
    /// More than the rows allowed: this many.
    TooMany(usize),
    /// The body is not JSON at all (a JSON array that does not parse).
    Lines(Vec<LineError>),
}

/// Reads JSON lines (or a JSON array, whose elements count as lines 1, 2, …) as a table of
/// `kind`, with the problems of its fields (an unknown field, a decimal given as a JSON
/// number). The rows are read all the same, so their cells are checked too and every problem
/// of the body is reported at once; a line that is not a JSON object is an error and no row.
/// At most `max_rows` rows: past that, nothing is read.
pub fn read_json_lines(
    file: &str,
    text: &str,
    kind: FileKind,
    max_rows: usize,
) -> Result<(Table, Vec<LineError>), JsonLinesError> {
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    let err = |line: u64, column: Option<&str>, message: String| LineError {
        file: file.to_string(),
        line,
        column: column.map(str::to_string),
        message,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let records: Vec<(u64, Result<Value, String>)> = if text.trim_start().starts_with('[') {
        match super::json_unique::from_str(text).and_then(serde_json::from_value::<Vec<Value>>) {
            Ok(values) => values
                .into_iter()
                .enumerate()
                .map(|(i, v)| (i as u64 + 1, Ok(v)))
                .collect(),
            Err(e) => {
                return Err(JsonLinesError::Lines(vec![err(
                    e.line() as u64,
                    None,
                    format!("is not a JSON array of objects: {e}"),
                )]))
            }
        }
    } else {
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                let line = i as u64 + 1;
                if l.len() > MAX_RECORD_BYTES {
                    return (
                        line,
                        Err(format!(
                            "is {} bytes long; a line has at most {MAX_RECORD_BYTES} bytes",
                            l.len()
                        )),
                    );
                }
                (
                    line,
                    super::json_unique::from_str(l)
                        .map_err(|e| format!("is not a JSON object: {e}")),
                )
            })
            .collect()
    };
    if records.len() > max_rows {
        return Err(JsonLinesError::TooMany(records.len()));
    }
    for (line, record) in records {
        let object = match record {
            Ok(Value::Object(o)) => o,
            Ok(other) => {
                push_error(
                    &mut errors,
                    err(line, None, format!("is {other}, not a JSON object")),
                );
                continue;
            }
            Err(message) => {
                push_error(&mut errors, err(line, None, message));
                continue;
            }
        };
        let mut cells: Vec<(&'static str, String)> = Vec::new();
        for (key, value) in &object {
            let Some(column) = resolve(key, Some(kind)).and_then(|c| kind.column(c)) else {
                push_error(
                    &mut errors,
                    err(
                        line,
                        Some(key),
                        format!(
                            "is not a field of {} {kind} line (fields: {})",
                            kind.article(),
                            kind.required()
                                .iter()
                                .chain(kind.optional())
                                .copied()
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ),
                );
                continue;
            };
            if cells.iter().any(|(c, _)| *c == column) {
                push_error(
                    &mut errors,
                    err(line, Some(column), format!("is given twice (as {key:?})")),
                );
                continue;
            }
            let text = match value {
                Value::Null => continue,
                Value::String(s) => s.clone(),
                Value::Number(n) if n.is_i64() || n.is_u64() => n.to_string(),
                Value::Number(n) => {
                    push_error(
                        &mut errors,
                        err(
                            line,
                            Some(column),
                            format!(
                                "{n} is a JSON number; write decimals as strings (\"{n}\") so \
                                 they stay exact"
                            ),
                        ),
                    );
                    // Kept, so the rest of the line is checked as usual.
                    n.to_string()
                }
                other => {
                    push_error(
                        &mut errors,
                        err(
                            line,
                            Some(column),
                            format!("{} is not a text or a number", quote(&other.to_string())),
                        ),
                    );
                    continue;
                }
            };
            if text.contains(['\n', '\r']) {
                push_error(
                    &mut errors,
                    err(line, Some(column), "holds a line break".to_string()),
                );
                continue;
            }
            cells.push((column, text));
        }
        let pairs: Vec<(&str, &str)> = cells.iter().map(|(c, v)| (*c, v.as_str())).collect();
        rows.push(Row::new(line, &pairs));
    }
    let table = Table {
        file: file.to_string(),
        kind,
        rows,
        ignored_columns: Vec::new(),
        encoding: Encoding::Utf8,
    };
    Ok((table, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_arrays_give_rows_numbered_as_written() {
        let text = "{\"ref\":\"Q\",\"line\":1,\"qty\":\"2.5\"}\n\n{\"ref\":\"Q\",\"行号\":\"2\"}\n";
        let (t, e) = read_json_lines("req", text, FileKind::Movements, 10).expect("table");
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].line, 1);
        assert_eq!(t.rows[0].get("qty"), Some("2.5"));
        assert_eq!(t.rows[1].line, 3);
        assert_eq!(t.rows[1].get("line"), Some("2"));
        let (t, _) = read_json_lines(
            "req",
            "[{\"ref\":\"A\"},{\"ref\":\"B\"}]",
            FileKind::Movements,
            10,
        )
        .expect("array");
        assert_eq!(t.rows[1].line, 2);
        assert_eq!(t.rows[1].get("ref"), Some("B"));
    }

    #[test]
    fn bad_lines_are_located() {
        let text = "{\"ref\":\"Q\",\"qty\":2.5}\nnot json\n{\"qtyy\":\"1\"}\n[1]\n";
        let (t, e) = read_json_lines("req", text, FileKind::Movements, 10).expect("read");
        assert_eq!(
            t.rows.len(),
            2,
            "lines 1 and 3 are objects: their rows are read"
        );
        let shown: Vec<String> = e.iter().map(|e| e.to_string()).collect();
        assert!(
            shown[0].starts_with("req:1: qty: 2.5 is a JSON number"),
            "{shown:?}"
        );
        assert!(
            shown[1].starts_with("req:2: is not a JSON object"),
            "{shown:?}"
        );
        assert!(
            shown[2].starts_with("req:3: qtyy: is not a field of a movements line"),
            "{shown:?}"
        );
        assert!(
            shown[3].starts_with("req:4: is [1], not a JSON object"),
            "{shown:?}"
        );
        let e = read_json_lines("req", "{}\n{}\n{}\n", FileKind::Movements, 2).expect_err("many");
        assert_eq!(e, JsonLinesError::TooMany(3));
    }
}
