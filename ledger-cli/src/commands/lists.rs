//! The book's verification lists with customs (金关二期): `bonded lists` (each list and its
//! stage), `lists export` (a list as the INV101 file the customs client imports, recorded as
//! exported), `bonded reconcile` (where the book and customs' receipts disagree) and
//! `cycle report --format ems121` (the write-off declaration message). The rules and the
//! message formats are `ledger-core`'s; here the movements are read back from the log, files
//! are written, and the results shown.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{NaiveDate, NaiveDateTime};
use ledger_core::events::commands::{Command, MovementLine};
use ledger_core::events::event_json::decode_event;
use ledger_core::events::lists::ListExported;
use ledger_core::messages::lifecycle::ListStage;
use ledger_core::messages::{ems121, inv101, sha256_hex};
use ledger_core::model::ids::BookNo;
use ledger_core::reports::inv101::{export, ExportInput};
use ledger_core::reports::lists::{list_report, reconcile as reconcile_report};
use ledger_core::state::ledger::Book;
use ledger_core::{Event, Ledger, Refusal};
use ledger_store::{EventLog, StoreError, StoredEvent};

use super::{date, parse, refusal};
use crate::cli::{CycleReportArgs, Format, ListsAction, ListsArgs, ListsExportArgs, ReconcileArgs};
use crate::exit::{bad_input, Exit, BAD_INPUT};
use crate::session;

/// Now in Asia/Shanghai, to the second (China keeps UTC+8 all year).
pub fn now_shanghai() -> NaiveDateTime {
    let now = (chrono::Utc::now() + chrono::Duration::hours(8)).naive_utc();
    now.with_nanosecond_zero()
}

trait WholeSeconds {
    fn with_nanosecond_zero(self) -> Self;
}

impl WholeSeconds for NaiveDateTime {
    fn with_nanosecond_zero(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(0).unwrap_or(self)
    }
}

/// The movement lines the book counts under the lists `wanted` accepts, in line order, read
/// from the book's `movement_recorded` events among `records`. A line recorded and later
/// corrected away no longer counts: the book's line store names the event of each line it
/// counts now, and only that event's line is taken.
pub(crate) fn counted_lines(
    records: impl Iterator<Item = Result<StoredEvent, StoreError>>,
    book: &Book,
    wanted: impl Fn(&str) -> bool,
) -> Result<BTreeMap<String, Vec<MovementLine>>> {
    let account = book.header.account.as_str();
    let mut out: BTreeMap<String, Vec<MovementLine>> = BTreeMap::new();
    for stored in records {
        let stored = stored?;
        if stored.stream != account || stored.kind != "movement_recorded" {
            continue;
        }
        let event = decode_event(&stored.payload).map_err(|e| Exit {
            code: crate::exit::INTEGRITY,
            message: format!(
                "event {} (movement_recorded) cannot be read by this version of bonded: {e}",
                stored.global_seq
            ),
        })?;
        let Event::MovementRecorded(m) = event else {
            continue;
        };
        if !wanted(&m.line.ref_) {
            continue;
        }
        let current = book
            .lines
            .get(&m.line.ref_, m.line.line)
            .is_some_and(|s| s.event_id == stored.id);
        if current {
            out.entry(m.line.ref_.clone()).or_default().push(m.line);
        }
    }
    for lines in out.values_mut() {
        lines.sort_by_key(|l| l.line);
    }
    Ok(out)
}

/// The lines of every list of the book for which customs sent lines: what `reconcile`
/// compares them with.
pub(crate) fn reconcile_lines(
    records: impl Iterator<Item = Result<StoredEvent, StoreError>>,
    book: &Book,
) -> Result<BTreeMap<String, Vec<MovementLine>>> {
    counted_lines(records, book, |ref_| {
        book.lists
            .get(ref_)
            .is_some_and(|l| !l.customs().lines.is_empty())
    })
}

fn book_of<'a>(ledger: &'a Ledger, account: &BookNo) -> Result<&'a Book> {
    ledger
        .book(account)
        .ok_or_else(|| refusal(Refusal::UnknownBook(account.clone())))
}

/// `--status S`: a stage name.
pub(crate) fn stage(text: &str) -> Result<ListStage, String> {
    ListStage::parse(text.trim()).ok_or_else(|| {
        format!(
            "{text:?} is not a list stage ({})",
            ListStage::ALL
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

pub fn run(dir: &Path, actor: &str, args: &ListsArgs, format: Format) -> Result<()> {
    if let Some(ListsAction::Export(e)) = &args.action {
        return export_list(dir, actor, e);
    }
    let account: BookNo = parse("account", args.account.as_deref().unwrap_or_default())?;
    let status = args
        .status
        .as_deref()
        .map(|s| stage(s).map_err(|e| bad_input(format!("--status: {e}"))))
        .transpose()?;
    let s = session::open_reading(dir, actor, session::reads::reports())?;
    let report = list_report(&s.ledger, &account, status).map_err(refusal)?;
    crate::output::lists::print_lists(&report, format, &s.position);
    Ok(())
}

/// What an export wrote, and where.
pub struct Exported {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub try_no: u32,
    pub lines: u32,
}

/// The INV101 of list `ref_` as of `now`, and the event that records it; or every problem
/// (exit 2), each naming the element and where to set its value.
pub(crate) fn build_export(
    ledger: &Ledger,
    account: &BookNo,
    ref_: &str,
    lines: &[MovementLine],
    now: NaiveDateTime,
) -> Result<(Exported, ListExported), Exit> {
    let book = ledger.book(account).ok_or_else(|| Exit {
        code: crate::exit::code_of_refusal(&Refusal::UnknownBook(account.clone())),
        message: Refusal::UnknownBook(account.clone()).to_string(),
    })?;
    let list = book.lists.get(ref_).ok_or_else(|| Exit {
        code: BAD_INPUT,
        message: format!(
            "book {account} holds no list {ref_:?}: no movement with this ref is recorded (`bonded lists --account {account}` shows its lists)"
        ),
    })?;
    let try_no = list.exports + 1;
    let doc = export(
        book,
        &ExportInput {
            ref_,
            lines,
            today: now.date(),
            send_time: now,
            try_no,
        },
    )
    .map_err(|problems| {
        let mut text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        text.push(format!(
            "list {ref_} was not exported: no file was written and nothing was recorded"
        ));
        Exit {
            code: BAD_INPUT,
            message: text.join("\n"),
        }
    })?;
    let bytes = inv101::to_xml(&doc).into_bytes();
    let file_name = inv101::file_name(&doc, try_no);
    let count = u32::try_from(doc.lines.len()).unwrap_or(u32::MAX);
    let event = ListExported {
        account: account.clone(),
        ref_: ref_.to_string(),
        try_no,
        file_name: file_name.clone(),
        sha256: sha256_hex(&bytes),
        date: now.date(),
        declares: book.settings.messages.declare_flag == "1",
        dcl_typecd: doc.head.dcl_typecd.clone(),
        lines: count,
    };
    Ok((
        Exported {
            file_name,
            bytes,
            try_no,
            lines: count,
        },
        event,
    ))
}

fn export_list(dir: &Path, actor: &str, args: &ListsExportArgs) -> Result<()> {
    let account: BookNo = parse("account", &args.account)?;
    if session::cutoff_set() {
        return Err(bad_input(
            "--as-recorded shows the store as it was; an export is recorded, so it cannot be made from a past state",
        ));
    }
    let mut s = session::open(dir, actor)?;
    let book = book_of(&s.ledger, &account)?;
    let lines = counted_lines(s.log.scan(1), book, |r| r == args.ref_)?
        .remove(&args.ref_)
        .unwrap_or_default();
    let (file, event) = build_export(&s.ledger, &account, &args.ref_, &lines, now_shanghai())?;
    let target: Option<PathBuf> = args.out.as_ref().map(|out| {
        if out.is_dir() {
            out.join(&file.file_name)
        } else {
            out.clone()
        }
    });
    match &target {
        Some(path) => std::fs::write(path, &file.bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            out.write_all(&file.bytes)?;
            out.flush()?;
        }
    }
    if let Err(e) = s.execute(Command::RecordListExport(event)) {
        if let Some(path) = &target {
            let _ = std::fs::remove_file(path);
        }
        return Err(e.context(format!(
            "list {} was not recorded as exported, so no file was kept",
            args.ref_
        )));
    }
    let said = format!(
        "list {} exported: {} lines, try {}{}; `bonded lists --account {account}` shows it as exported",
        args.ref_,
        file.lines,
        file.try_no,
        target
            .as_ref()
            .map(|p| format!(", written to {}", p.display()))
            .unwrap_or_default()
    );
    if target.is_some() {
        println!("{said}");
    } else {
        eprintln!("{said}");
    }
    Ok(())
}

pub fn reconcile(dir: &Path, actor: &str, args: &ReconcileArgs, format: Format) -> Result<()> {
    let account: BookNo = parse("account", &args.account)?;
    let as_of: NaiveDate = match &args.as_of {
        Some(d) => date("as-of", d)?,
        None => crate::today_shanghai(),
    };
    // The whole state: the lines are counted from their records (`counted_lines`).
    let s = session::open(dir, actor)?;
    let book = book_of(&s.ledger, &account)?;
    let movements = reconcile_lines(s.log.scan(1), book)?;
    let r = reconcile_report(&s.ledger, &account, as_of, &movements).map_err(refusal)?;
    if format == Format::Xlsx {
        return crate::output::report_sheets::write(&args.out, &s.ledger, &account, |book| {
            crate::output::lists::reconcile_sheets(book, &r, &s.position)
        });
    }
    crate::output::lists::print_reconciliation(&r, format, &s.position);
    Ok(())
}

/// `cycle report --format ems121`: the write-off declaration message of the cycle, to `--out`
/// or standard output; the lists it leaves out, and why, on standard error.
pub fn cycle_ems121(dir: &Path, actor: &str, args: &CycleReportArgs) -> Result<()> {
    let account: BookNo = parse("account", &args.account)?;
    let s = session::open_reading(dir, actor, session::reads::reports())?;
    let w =
        ledger_core::reports::ems121::write_off(&s.ledger, &account, args.cycle, now_shanghai())
            .map_err(refusal)?;
    let xml = ems121::to_xml(&w.document);
    for warning in &w.warnings {
        eprintln!("warning: {warning}");
    }
    match &args.out {
        Some(path) => {
            std::fs::write(path, xml.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?;
            println!(
                "wrote {} (the write-off declaration EMS121 of cycle {} of book {account}{})",
                path.display(),
                w.document
                    .head
                    .chgoff_tms_cnt
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
                if w.warnings.is_empty() {
                    String::new()
                } else {
                    format!("; {} warnings above", w.warnings.len())
                }
            );
        }
        None => print!("{xml}"),
    }
    Ok(())
}
