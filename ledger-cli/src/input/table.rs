//! Text → table: the header row mapped to canonical columns, the kind of file detected,
//! every record read with its physical line.

use std::collections::HashMap;

use super::aliases::resolve;
use super::decode::Encoding;
use super::fields::quote;
use super::kind::static_column;
use super::kind::{all_names, is_known_column, FileKind};
use super::{push_error, LineError, MAX_RECORD_BYTES, MAX_ROWS};

/// A whole file, read and checked: every row has its cells by canonical column.
#[derive(Debug, Clone)]
pub struct Table {
    /// The file's name as the user gave it; errors name it.
    pub file: String,
    pub kind: FileKind,
    pub rows: Vec<Row>,
    /// Headings that are no column of this kind, as written in the file.
    pub ignored_columns: Vec<String>,
    /// The encoding the file was in.
    pub encoding: Encoding,
}

/// One record of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The physical line where the record starts (the header is line 1).
    pub line: u64,
    text: String,
    cells: Vec<(&'static str, usize, usize)>,
}

impl Row {
    /// A row from (column, value) pairs (JSON lines, and tests of code that consumes rows).
    /// Values are trimmed, empty ones and names that are no column of any kind are left out.
    pub fn new(line: u64, cells: &[(&str, &str)]) -> Row {
        let mut row = Row {
            line,
            text: String::new(),
            cells: Vec::new(),
        };
        for (column, value) in cells {
            if let Some(column) = static_column(column) {
                row.push(column, value);
            }
        }
        row
    }

    fn push(&mut self, column: &'static str, value: &str) {
        let value = value.trim();
        if !value.is_empty() {
            let start = self.text.len();
            self.text.push_str(value);
            self.cells.push((column, start, self.text.len()));
        }
    }

    /// The cell of a canonical column, trimmed; None when the column is absent or the cell
    /// empty.
    pub fn get(&self, column: &str) -> Option<&str> {
        self.cells
            .iter()
            .find(|(c, _, _)| *c == column)
            .and_then(|&(_, start, end)| self.text.get(start..end))
    }

    /// The row's non-empty cells, in the file's column order.
    #[cfg(test)]
    pub fn cells(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        self.cells
            .iter()
            .filter_map(|&(c, start, end)| Some((c, self.text.get(start..end)?)))
    }
}

/// Reads decoded text. `stem` is the lower-cased file stem, for kind detection.
pub(crate) fn parse(
    file: &str,
    stem: &str,
    text: &str,
    encoding: Encoding,
    forced: Option<FileKind>,
) -> Result<Table, Vec<LineError>> {
    let mut errors = Vec::new();
    let err = |line: u64, column: Option<&str>, message: String| LineError {
        file: file.to_string(),
        line,
        column: column.map(str::to_string),
        message,
    };

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut lines = Lines::new(text);

    // The header row.
    match reader.read_record(&mut record) {
        Ok(true) => {}
        Ok(false) => return Err(vec![err(0, None, "is empty: it has no header row".into())]),
        Err(e) => return Err(vec![err(lines.at(e.position()), None, csv_message(&e))]),
    }
    let header_line = lines.at(record.position());
    if record_bytes(&record) > MAX_RECORD_BYTES {
        return Err(vec![err(header_line, None, too_long(&record))]);
    }
    let headings: Vec<String> = record.iter().map(|h| h.trim().to_string()).collect();
    let kind = match forced {
        Some(k) => k,
        None => detect(&headings, stem).map_err(|m| vec![err(header_line, None, m)])?,
    };

    // Heading → column of this kind.
    let columns: Vec<Option<&'static str>> = headings
        .iter()
        .map(|h| resolve(h, Some(kind)).and_then(|c| kind.column(c)))
        .collect();
    let ignored_columns: Vec<String> = headings
        .iter()
        .zip(&columns)
        .filter(|(h, c)| c.is_none() && !h.is_empty())
        .map(|(h, _)| h.clone())
        .collect();
    let mut seen: HashMap<&str, Vec<&str>> = HashMap::new();
    for (h, c) in headings.iter().zip(&columns) {
        if let Some(c) = c {
            seen.entry(c).or_default().push(h);
        }
    }
    let mut duplicated: Vec<(&str, &Vec<&str>)> = seen
        .iter()
        .filter(|(_, hs)| hs.len() > 1)
        .map(|(c, hs)| (*c, hs))
        .collect();
    duplicated.sort_by_key(|(c, _)| columns.iter().position(|x| *x == Some(*c)));
    for (c, hs) in duplicated {
        let as_written: Vec<String> = hs.iter().map(|h| quote(h)).collect();
        push_error(
            &mut errors,
            err(
                header_line,
                None,
                format!(
                    "column \"{c}\" appears {} times in the header (as {})",
                    hs.len(),
                    as_written.join(", ")
                ),
            ),
        );
    }
    for c in kind.required() {
        if !seen.contains_key(c) {
            push_error(
                &mut errors,
                err(
                    header_line,
                    None,
                    format!(
                        "column \"{c}\" is missing ({} {} file needs {})",
                        kind.article(),
                        kind,
                        kind.required().join(", ")
                    ),
                ),
            );
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    // The records.
    let width = headings.len();
    let mut rows = Vec::new();
    let mut seen_rows = 0usize;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let fatal = matches!(e.kind(), csv::ErrorKind::Io(_));
                push_error(
                    &mut errors,
                    err(lines.at(e.position()), None, csv_message(&e)),
                );
                if fatal {
                    break;
                }
                continue;
            }
        }
        let line = lines.at(record.position());
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue; // a line of commas only, as spreadsheets write below the data
        }
        if seen_rows == MAX_ROWS {
            push_error(
                &mut errors,
                err(
                    line,
                    None,
                    format!("the file has more than {MAX_ROWS} rows; split it"),
                ),
            );
            break;
        }
        seen_rows += 1;
        if record_bytes(&record) > MAX_RECORD_BYTES {
            push_error(&mut errors, err(line, None, too_long(&record)));
            continue;
        }
        if record.len() > width && record.iter().skip(width).any(|c| !c.trim().is_empty()) {
            push_error(
                &mut errors,
                err(
                    line,
                    None,
                    format!(
                        "has {} cells but the header has {width} columns",
                        record.len()
                    ),
                ),
            );
            continue;
        }
        let mut row = Row {
            line,
            text: String::with_capacity(record.as_slice().len()),
            cells: Vec::with_capacity(width),
        };
        for (cell, column) in record.iter().zip(&columns) {
            if let Some(column) = column {
                row.push(column, cell);
            }
        }
        rows.push(row);
    }
    let table = Table {
        file: file.to_string(),
        kind,
        rows,
        ignored_columns,
        encoding,
    };
    if !errors.is_empty() {
        // A row the reader could not take (too many cells, too long) must not hide the other
        // rows' errors: the rows it could take are checked too, and all are listed in line order.
        let (_, more) = super::rows::commands(&table);
        let overflow = errors.len() > super::MAX_ERRORS_REPORTED;
        if !overflow {
            let mut all = errors;
            all.extend(more);
            all.sort_by_key(|e| e.line);
            let mut capped = Vec::new();
            for e in all {
                push_error(&mut capped, e);
            }
            return Err(capped);
        }
        return Err(errors);
    }
    Ok(table)
}

/// Which kind a header is; the error is the message for the header line.
pub(crate) fn detect(headings: &[String], stem: &str) -> Result<FileKind, String> {
    // Per kind: the kind's columns the header has, and whether every heading that names a
    // column of some kind names one of this kind.
    let fit = |k: FileKind| {
        let mapped: Vec<&'static str> = headings
            .iter()
            .filter_map(|h| resolve(h, Some(k)))
            .filter(|c| is_known_column(c))
            .collect();
        let present: Vec<&str> = k
            .required()
            .iter()
            .copied()
            .filter(|c| mapped.contains(c))
            .collect();
        let exact = mapped.iter().all(|c| k.column(c).is_some());
        (present, exact)
    };
    let fits: Vec<(FileKind, Vec<&str>, bool)> = FileKind::ALL
        .into_iter()
        .map(|k| {
            let (present, exact) = fit(k);
            (k, present, exact)
        })
        .collect();
    let mut candidates: Vec<FileKind> = fits
        .iter()
        .filter(|(k, present, _)| present.len() == k.required().len())
        .map(|(k, _, _)| *k)
        .collect();
    if candidates.len() > 1 {
        let exact: Vec<FileKind> = candidates
            .iter()
            .copied()
            .filter(|k| fits.iter().any(|(f, _, e)| f == k && *e))
            .collect();
        if !exact.is_empty() {
            candidates = exact;
        }
    }
    if candidates.len() > 1 {
        let named: Vec<FileKind> = candidates
            .iter()
            .copied()
            .filter(|k| k.named_in(stem))
            .collect();
        if named.len() == 1 {
            candidates = named;
        }
    }
    match candidates.as_slice() {
        [k] => Ok(*k),
        [] => {
            let closest = fits
                .iter()
                .filter(|(_, present, _)| !present.is_empty())
                .max_by_key(|(k, present, _)| {
                    (
                        present.len(),
                        std::cmp::Reverse(k.required().len()),
                        // the first kind of ALL wins a tie
                        std::cmp::Reverse(FileKind::ALL.iter().position(|x| x == k)),
                    )
                });
            Err(match closest {
                Some((k, present, _)) => {
                    let missing: Vec<&str> = k
                        .required()
                        .iter()
                        .copied()
                        .filter(|c| !present.contains(c))
                        .collect();
                    format!(
                        "not a known file: the header lacks {} for {} {} file; the kinds are {}",
                        missing.join(", "),
                        k.article(),
                        k,
                        all_names()
                    )
                }
                None => format!(
                    "not a known file: the header has no required column of any kind; \
                     the kinds are {}",
                    all_names()
                ),
            })
        }
        several => {
            let names: Vec<&str> = several.iter().map(|k| k.name()).collect();
            let fits = match names.as_slice() {
                [a, b] => format!("both {a} and {b}"),
                [init @ .., last] => format!("{} and {last}", init.join(", ")),
                [] => String::new(),
            };
            Err(format!(
                "the header fits {fits}; name the kind with --kind or in the file name"
            ))
        }
    }
}

/// Physical line numbers from byte offsets. The csv crate's own `Position::line()` does not
/// count blank lines skipped just before a record, and its byte offset points at them; so
/// the record starts at the first byte after the offset that is no line break, and its line
/// is one more than the line breaks before that (`\n`, `\r\n`, or a lone `\r`).
struct Lines<'t> {
    bytes: &'t [u8],
    pos: usize,
    line: u64,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Self {
        Lines {
            bytes: text.as_bytes(),
            pos: 0,
            line: 1,
        }
    }

    fn at(&mut self, position: Option<&csv::Position>) -> u64 {
        let Some(position) = position else {
            return 0;
        };
        let len = self.bytes.len();
        let mut start = usize::try_from(position.byte()).map_or(len, |b| b.min(len));
        while matches!(self.bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start < self.pos {
            self.pos = 0;
            self.line = 1;
        }
        for i in self.pos..start {
            let brk = match self.bytes[i] {
                b'\n' => true,
                b'\r' => self.bytes.get(i + 1) != Some(&b'\n'),
                _ => false,
            };
            if brk {
                self.line += 1;
            }
        }
        self.pos = start;
        self.line
    }
}

fn csv_message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Io(io) => format!("cannot read it: {io}"),
        _ => format!("is not valid CSV: {e}"),
    }
}

/// The bytes of a record's cells and the commas between them.
fn record_bytes(record: &csv::StringRecord) -> usize {
    record.as_slice().len() + record.len().saturating_sub(1)
}

fn too_long(record: &csv::StringRecord) -> String {
    format!(
        "the line is {} bytes long; the limit is {MAX_RECORD_BYTES} bytes",
        record_bytes(record)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record_lines(text: &str) -> Vec<(String, u64)> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut lines = Lines::new(text);
        let mut record = csv::StringRecord::new();
        let mut out = Vec::new();
        while reader.read_record(&mut record).unwrap_or(false) {
            out.push((
                record.iter().collect::<Vec<_>>().join("|"),
                lines.at(record.position()),
            ));
        }
        out
    }

    #[test]
    fn physical_lines() {
        let cases: &[(&str, &[(&str, u64)])] = &[
            ("a\nb\n", &[("a", 1), ("b", 2)]),
            ("a\nb", &[("a", 1), ("b", 2)]),
            (
                "\n\nh1,h2\na,b\n\n\nc,\"d\ne\"\n\r\n\r\nf,g\r\n  \nz\n",
                &[
                    ("h1|h2", 3),
                    ("a|b", 4),
                    ("c|d\ne", 7),
                    ("f|g", 11),
                    ("  ", 12),
                    ("z", 13),
                ],
            ),
            ("a\r\n\r\nb\r\n", &[("a", 1), ("b", 3)]),
            ("a\rb\r\rc\r", &[("a", 1), ("b", 2), ("c", 4)]),
            (
                "\"x\r\n\r\ny\",1\r\n\"\n\",2\n",
                &[("x\r\n\r\ny|1", 1), ("\n|2", 4)],
            ),
        ];
        for (text, want) in cases {
            let want: Vec<(String, u64)> = want.iter().map(|(r, l)| (r.to_string(), *l)).collect();
            assert_eq!(record_lines(text), want, "{text:?}");
        }
    }
}
