//! Every input format, read into one shape: a table of rows keyed by canonical column, of one
//! of the ten kinds of file of the contract, with every problem located by file, physical line
//! and column. CSV files (here and in `decode`, `aliases`, `kind`, `table`), JSON lines for
//! `bonded serve` (`json`); `fields` reads typed cells and `rows` turns rows into commands,
//! whatever format they came in.
//!
//! - [`read_table`] / [`read_table_bytes`]: size limit, decoding (UTF-8, with or without a
//!   byte-order mark, else GB18030), header mapping (English names and Chinese headings),
//!   kind detection, every record.
//! - [`Fields`]: typed access to a row's cells that collects errors instead of stopping.
//! - [`notices::notices`]: what a file asked for that the ledger does not do (a CFR/CIF line's
//!   freight), for `bonded load` and `bonded serve` alike.
//!
//! This module knows nothing of the ledger's rules: whether a command fits the book is for
//! `decide` to say.

mod aliases;
mod decode;
mod fields;
mod json;
pub mod json_unique;
mod kind;
pub mod notices;
pub mod rows;
mod table;
pub mod xml;

#[cfg(test)]
mod tests;

use std::fmt;
use std::io::Read;
use std::path::Path;

pub use decode::Encoding;
pub use fields::{parse_date, parse_decimal, Fields};
pub use json::{read_json_lines, JsonLinesError};
pub use kind::FileKind;
pub use table::{Row, Table};

/// The largest file read.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;
/// The longest record (one line, or several when a quoted cell holds line breaks).
pub const MAX_RECORD_BYTES: usize = 64 * 1024;
/// The most rows in one file.
pub const MAX_ROWS: usize = 1_000_000;
/// Errors past this many are counted, not kept; a last error says how many there were.
pub const MAX_ERRORS_REPORTED: usize = 1000;

/// One error, located. Display: `{file}:{line}: {column}: {message}`, or
/// `{file}:{line}: {message}` when no column, or `{file}: {message}` when line is 0
/// (whole-file problems).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub file: String,
    pub line: u64,
    pub column: Option<String>,
    pub message: String,
}

impl LineError {
    /// A problem with the whole file (line 0).
    pub fn whole_file(file: impl Into<String>, message: impl Into<String>) -> LineError {
        LineError {
            file: file.into(),
            line: 0,
            column: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, &self.column) {
            (0, _) => write!(f, "{}: {}", self.file, self.message),
            (line, None) => write!(f, "{}:{}: {}", self.file, line, self.message),
            (line, Some(column)) => {
                write!(f, "{}:{}: {}: {}", self.file, line, column, self.message)
            }
        }
    }
}

impl std::error::Error for LineError {}

const OVERFLOW_SUFFIX: &str = " are listed)";

fn overflow_message(count: usize) -> String {
    let noun = if count == 1 { "error" } else { "errors" };
    format!("{count} more {noun} not shown (only the first {MAX_ERRORS_REPORTED}{OVERFLOW_SUFFIX}")
}

/// The count of an overflow error made by [`push_error`] or [`cap_errors`].
fn overflow_count(e: &LineError) -> Option<usize> {
    if e.line != 0 || e.column.is_some() || !e.message.ends_with(OVERFLOW_SUFFIX) {
        return None;
    }
    e.message.split(' ').next()?.parse().ok()
}

/// Adds an error, keeping at most [`MAX_ERRORS_REPORTED`]: past that, one last error counts
/// the rest ("523 more errors not shown (only the first 1000 are listed)").
pub fn push_error(errors: &mut Vec<LineError>, error: LineError) {
    if errors.len() < MAX_ERRORS_REPORTED {
        errors.push(error);
        return;
    }
    if let Some(last) = errors.get_mut(MAX_ERRORS_REPORTED) {
        if let Some(n) = overflow_count(last) {
            last.message = overflow_message(n + 1);
            return;
        }
    }
    if errors.len() == MAX_ERRORS_REPORTED {
        errors.push(LineError::whole_file(error.file, overflow_message(1)));
    } else {
        // Errors were pushed past the cap by other means: recount them.
        errors.push(error);
        cap_errors(errors);
    }
}

/// Cuts a list of errors gathered without [`push_error`] to [`MAX_ERRORS_REPORTED`], with a
/// last error counting the rest.
pub fn cap_errors(errors: &mut Vec<LineError>) {
    if errors.len() <= MAX_ERRORS_REPORTED {
        return;
    }
    let dropped: Vec<LineError> = errors.drain(MAX_ERRORS_REPORTED..).collect();
    let count = dropped.iter().map(|e| overflow_count(e).unwrap_or(1)).sum();
    let file = dropped.first().map(|e| e.file.clone()).unwrap_or_default();
    errors.push(LineError::whole_file(file, overflow_message(count)));
}

/// Reads a whole file: size limit, decoding, header mapping, kind detection, every record.
/// `forced` names the kind (`--kind`); otherwise the header (and, between kinds with the
/// same columns, the file name) says which it is.
pub fn read_table(path: &Path, forced: Option<FileKind>) -> Result<Table, Vec<LineError>> {
    let file = path.display().to_string();
    let fail = |message: String| vec![LineError::whole_file(file.clone(), message)];
    let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot read it: {e}")))?;
    if meta.is_dir() {
        return Err(fail("is a directory, not a CSV file".into()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(fail(too_big(meta.len())));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| fail(format!("cannot read it: {e}")))?;
    read_named(&file, &stem_of(path), &bytes, forced)
}

/// Reads a file's bytes; `file` names it in errors (and its stem may say its kind).
pub fn read_table_bytes(
    file: &str,
    bytes: &[u8],
    forced: Option<FileKind>,
) -> Result<Table, Vec<LineError>> {
    read_named(file, &stem_of(Path::new(file)), bytes, forced)
}

fn read_named(
    file: &str,
    stem: &str,
    bytes: &[u8],
    forced: Option<FileKind>,
) -> Result<Table, Vec<LineError>> {
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > MAX_FILE_BYTES {
        return Err(vec![LineError::whole_file(file, too_big(size))]);
    }
    let (text, encoding) =
        decode::decode(bytes).map_err(|m| vec![LineError::whole_file(file, m)])?;
    table::parse(file, stem, &text, encoding, forced)
}

fn stem_of(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

fn too_big(size: u64) -> String {
    format!(
        "is {size} bytes; the limit is {MAX_FILE_BYTES} bytes ({} MiB): split it",
        MAX_FILE_BYTES / (1024 * 1024)
    )
}
