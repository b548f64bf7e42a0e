//! `bonded load`: CSV files and customs XML messages into the log. Each file is all-or-nothing:
//! every bad line of it is reported and nothing of it is written; a good file is one durable
//! batch. XML files (recognised by content) come after the CSV files: INV101 lists (their lines
//! become movements, decided like a movements file's), then the client's results and customs'
//! receipts (`input::xml`).

use std::path::Path;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{Format, LoadArgs};
use crate::exit::{bad_input, Exit, BAD_INPUT, REFUSED};
use crate::input::xml::{looks_like_xml, read_message_bytes, MessageFile};
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
    /// What a message did, in words (empty for a CSV file).
    #[serde(skip)]
    pub note: String,
    /// What the file asked for that the ledger did not do, each naming its line: "FILE line N:
    /// freight ignored: …" (`input::notices`, as `bonded serve` answers them). Said on stderr
    /// and in the JSON output; nothing to fix.
    #[serde(skip)]
    pub notices: Vec<String>,
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
    let mut messages = Vec::new();
    let mut errors = Vec::new();
    for path in &args.files {
        match read_message_file(path) {
            Some(Ok(m)) => messages.push(m),
            Some(Err(e)) => errors.extend(e),
            None => match input::read_table(path, forced) {
                Ok(t) => tables.push(t),
                Err(e) => errors.extend(e),
            },
        }
    }
    if !errors.is_empty() {
        return Err(line_errors(errors, BAD_INPUT));
    }
    let mut session = session::open(dir, actor)?;
    let mut reports = load_tables(&mut session, tables)?;
    let later = !messages.is_empty();
    match load_messages(&mut session, messages) {
        Ok(r) => reports.extend(r),
        Err(e) => {
            if later && !reports.is_empty() {
                print_reports(&reports, format);
            }
            return Err(e);
        }
    }
    // Saved now, the state with what was loaded: the next read command then reads only the
    // parts it needs instead of the whole state and this load's events after it.
    session.snapshot_after_write();
    print_reports(&reports, format);
    Ok(())
}

/// A file that is an XML message (by its `.xml` name or its first character), read; `None`
/// for any other file (a CSV file).
fn read_message_file(path: &Path) -> Option<Result<MessageFile, Vec<LineError>>> {
    use std::io::Read;
    let file = path.display().to_string();
    let named_xml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xml"));
    let mut head = [0u8; 512];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    if !named_xml && !looks_like_xml(&head[..n]) {
        return None;
    }
    let mut bytes = Vec::new();
    let read = std::fs::File::open(path)
        .and_then(|f| f.take(input::MAX_FILE_BYTES + 1).read_to_end(&mut bytes));
    if let Err(e) = read {
        return Some(Err(vec![LineError::whole_file(
            file,
            format!("cannot read it: {e}"),
        )]));
    }
    Some(read_message_bytes(&file, &bytes))
}

/// Loads XML messages after the CSV files, lists before receipts (`MessageFile::rank`), each
/// all or nothing and one durable batch; stops at the first file refused. A receipt already
/// recorded changes nothing and says so.
pub fn load_messages(
    session: &mut Session,
    mut messages: Vec<MessageFile>,
) -> Result<Vec<FileReport>> {
    messages.sort_by_key(MessageFile::rank);
    let mut reports = Vec::new();
    for m in &messages {
        let commands = m
            .commands(&session.ledger)
            .map_err(|e| line_errors(e, BAD_INPUT))?;
        let rows = if m.is_list() { commands.len() } else { 1 };
        // What the receipt says about its list, from the events it is decided into.
        let said = if m.is_list() {
            None
        } else {
            commands.first().and_then(|(_, c)| {
                ledger_core::decide(&session.ledger, c)
                    .ok()?
                    .into_iter()
                    .find_map(|d| match d.event {
                        ledger_core::Event::ReceiptRecorded(r) => Some(r),
                        _ => None,
                    })
            })
        };
        let outcome = session.decide_and_record(commands, true, |_| {})?;
        match outcome {
            Ok(outcome) => {
                let note = match (&said, outcome.appended) {
                    (_, 0) if m.is_list() => String::new(),
                    (_, 0) => "already recorded; nothing applied twice".to_string(),
                    (Some(r), _) => receipt_note(r),
                    (None, _) => String::new(),
                };
                reports.push(FileReport {
                    file: m.file.clone(),
                    kind: m.kind(),
                    rows,
                    recorded: outcome.appended,
                    encoding: "XML",
                    note,
                    notices: Vec::new(),
                });
            }
            Err(refusals) => {
                let mut errors: Vec<LineError> = refusals
                    .iter()
                    .map(|(line, r)| LineError {
                        file: m.file.clone(),
                        line: *line,
                        column: r.column().map(str::to_string),
                        message: r.to_string(),
                    })
                    .collect();
                let code = refusals
                    .iter()
                    .map(|(_, r)| crate::exit::code_of_refusal(r))
                    .min()
                    .unwrap_or(BAD_INPUT);
                errors.sort_by_key(|e| e.line);
                input::cap_errors(&mut errors);
                if !reports.is_empty() {
                    let done: Vec<String> = reports.iter().map(|r| r.file.clone()).collect();
                    eprintln!(
                        "bonded: {} was refused and nothing of it was written ({} were loaded before it); later files were not loaded",
                        m.file,
                        done.join(", ")
                    );
                }
                return Err(line_errors(errors, code));
            }
        }
    }
    Ok(reports)
}

/// A receipt recorded, in words: the list it is about and where that list now stands.
fn receipt_note(r: &ledger_core::events::lists::ReceiptRecorded) -> String {
    let list = match &r.ref_ {
        Some(ref_) => format!("list {ref_}"),
        None => format!(
            "a list book {} does not hold ({})",
            r.account,
            r.bond_invt_no
                .as_deref()
                .or(r.seq_no.as_deref())
                .unwrap_or("no number")
        ),
    };
    let result = r
        .result
        .as_ref()
        .map(|c| format!(" result {c}"))
        .unwrap_or_default();
    match r.stage {
        Some(stage) => format!("{list}:{result} → {stage}"),
        None => format!("{list}:{result}"),
    }
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
            note: String::new(),
            notices: input::notices::notices(table)
                .iter()
                .map(|n| n.in_file(&table.file))
                .collect(),
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
    let notices: Vec<&String> = reports.iter().flat_map(|r| &r.notices).collect();
    for n in &notices {
        eprintln!("notice: {n}");
    }
    match format {
        Format::Json => {
            println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "files": reports.iter().map(|r| serde_json::json!({
                "file": r.file, "kind": r.kind, "rows": r.rows.to_string(), "recorded": r.recorded.to_string(), "encoding": r.encoding
            })).collect::<Vec<_>>(), "notices": notices })).unwrap_or_default());
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
                if r.encoding == "XML" {
                    println!(
                        "{}: {}, {} events recorded{}",
                        r.file,
                        r.kind,
                        r.recorded,
                        if r.note.is_empty() {
                            if r.recorded == 0 && r.rows > 0 {
                                " (everything in it was already recorded; nothing applied twice)"
                                    .to_string()
                            } else {
                                String::new()
                            }
                        } else {
                            format!(" ({})", r.note)
                        }
                    );
                    continue;
                }
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
