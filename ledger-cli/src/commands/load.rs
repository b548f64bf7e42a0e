//! `bonded load`: CSV files into the log. Each file is all-or-nothing: every bad line of it is
//! reported and nothing of it is written; a good file is one durable batch.

use std::path::Path;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{Format, LoadArgs};
use crate::exit::{bad_input, Exit, BAD_INPUT, REFUSED};
use crate::input::{self, FileKind, LineError, Table};
use crate::session::record_files::{FileResult, Progress};
use crate::session::{self, Session};

/// Rows from which a progress bar is worth showing.
const PROGRESS_FROM_ROWS: usize = 5_000;

/// The order files are applied in: what a line refers to is loaded before the line.
pub(crate) fn rank(kind: FileKind) -> u8 {
    match kind {
        FileKind::Interest => 0,
        FileKind::Fx => 1,
        FileKind::Tariff => 2,
        FileKind::Items => 3,
        FileKind::Bom => 4,
        FileKind::Openings | FileKind::Prices => 5,
        FileKind::Workorders => 6,
        FileKind::Movements => 7,
        FileKind::Corrections => 8,
        FileKind::Stocktake => 9,
    }
}

/// What loading one file did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileReport {
    pub file: String,
    pub kind: &'static str,
    pub rows: usize,
    pub recorded: u64,
    pub encoding: &'static str,
}

pub fn run(dir: &Path, actor: &str, args: &LoadArgs, format: Format) -> Result<()> {
    let forced = match &args.kind {
        None => None,
        Some(k) => Some(FileKind::parse(k).ok_or_else(|| {
            bad_input(format!(
                "--kind {k}: not a kind of file (items, bom, movements, corrections, openings, stocktake, workorders, fx, tariff, interest, prices)"
            ))
        })?),
    };
    let mut tables = Vec::new();
    let mut errors = Vec::new();
    for path in &args.files {
        match input::read_table(path, forced) {
            Ok(t) => tables.push(t),
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(line_errors(errors, BAD_INPUT));
    }
    let mut session = session::open(dir, actor)?;
    let reports = load_tables(&mut session, tables)?;
    print_reports(&reports, format);
    Ok(())
}

/// Loads the tables in dependency order, each as one batch; stops at the first file refused.
/// The files are decided and stored as a pipeline (`Session::record_tables`).
pub fn load_tables(session: &mut Session, mut tables: Vec<Table>) -> Result<Vec<FileReport>> {
    tables.sort_by_key(|t| rank(t.kind));
    let mut bar: Option<ProgressBar> = None;
    let results = session.record_tables(&tables, |p| match p {
        Progress::Start(n) => {
            if let Some(done) = bar.take() {
                done.finish_and_clear();
            }
            if let Some(table) = tables.get(n) {
                warn_ignored_columns(table);
                bar = Some(progress(table));
            }
        }
        Progress::Step(k) => {
            if let Some(bar) = &bar {
                bar.inc(k);
            }
        }
    })?;
    if let Some(done) = bar.take() {
        done.finish_and_clear();
    }
    let total = tables.len();
    let mut reports = Vec::new();
    for (i, (table, result)) in tables.iter().zip(results).enumerate() {
        match file_report(table, result) {
            Ok(r) => reports.push(r),
            Err(e) => {
                if !reports.is_empty() || i + 1 < total {
                    let done: Vec<String> = reports
                        .iter()
                        .map(|r: &FileReport| r.file.clone())
                        .collect();
                    eprintln!(
                        "bonded: {} was refused and nothing of it was written{}; later files were not loaded",
                        table.file,
                        if done.is_empty() {
                            String::new()
                        } else {
                            format!(" ({} were loaded before it)", done.join(", "))
                        }
                    );
                }
                return Err(e);
            }
        }
    }
    Ok(reports)
}

fn warn_ignored_columns(table: &Table) {
    for col in &table.ignored_columns {
        eprintln!(
            "{}: column {col:?} is not used by a {} file; ignored",
            table.file,
            table.kind.name()
        );
    }
}

/// The report of a file recorded; the error of one that was not (every bad line of it).
fn file_report(table: &Table, result: FileResult) -> Result<FileReport> {
    let FileResult {
        mut errors,
        outcome,
    } = result;
    let mut code = if errors.is_empty() {
        REFUSED
    } else {
        BAD_INPUT
    };
    match outcome? {
        Ok(outcome) if errors.is_empty() => Ok(FileReport {
            file: table.file.clone(),
            kind: table.kind.name(),
            rows: table.rows.len(),
            recorded: outcome.appended,
            encoding: match table.encoding {
                input::Encoding::Utf8 => "UTF-8",
                input::Encoding::Gb18030 => "GB18030",
            },
        }),
        decided => {
            for (line, r) in decided.err().unwrap_or_default() {
                code = code.min(crate::exit::code_of_refusal(&r));
                errors.push(LineError {
                    file: table.file.clone(),
                    line,
                    column: r.column().map(str::to_string),
                    message: r.to_string(),
                });
            }
            errors.sort_by_key(|e| e.line);
            input::cap_errors(&mut errors);
            Err(line_errors(errors, code))
        }
    }
}

fn progress(table: &Table) -> ProgressBar {
    if table.rows.len() < PROGRESS_FROM_ROWS {
        return ProgressBar::hidden();
    }
    // indicatif draws only when stderr is a terminal.
    let bar = ProgressBar::new(table.rows.len() as u64);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} rows ({eta})") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(table.file.clone());
    bar
}

fn line_errors(errors: Vec<LineError>, code: i32) -> anyhow::Error {
    let mut lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    let files: std::collections::BTreeSet<&str> = errors.iter().map(|e| e.file.as_str()).collect();
    lines.push(format!(
        "nothing of {} was written",
        files.into_iter().collect::<Vec<_>>().join(", ")
    ));
    Exit {
        code,
        message: lines.join("\n"),
    }
    .into()
}

fn print_reports(reports: &[FileReport], format: Format) {
    match format {
        Format::Json => {
            println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "files": reports.iter().map(|r| serde_json::json!({
                "file": r.file, "kind": r.kind, "rows": r.rows.to_string(), "recorded": r.recorded.to_string(), "encoding": r.encoding
            })).collect::<Vec<_>>() })).unwrap_or_default());
        }
        Format::Csv => {
            println!("file,kind,rows,recorded");
            for r in reports {
                println!(
                    "{},{},{},{}",
                    crate::output::csv_cell(&r.file),
                    r.kind,
                    r.rows,
                    r.recorded
                );
            }
        }
        Format::Table | Format::Ics | Format::Xlsx => {
            for r in reports {
                println!(
                    "{}: {} file ({}), {} rows, {} events recorded{}",
                    r.file,
                    r.kind,
                    r.encoding,
                    r.rows,
                    r.recorded,
                    if r.recorded == 0 && r.rows > 0 {
                        " (everything in it was already recorded; nothing applied twice)"
                    } else {
                        ""
                    }
                );
            }
        }
    }
}

/// Tables from in-memory files (the demo's).
pub fn tables_from_bytes(files: &[(String, Vec<u8>)]) -> Result<Vec<Table>> {
    let mut out = Vec::new();
    for (name, bytes) in files {
        let t =
            input::read_table_bytes(name, bytes, None).map_err(|e| line_errors(e, BAD_INPUT))?;
        out.push(t);
    }
    Ok(out)
}
