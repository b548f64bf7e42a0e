//! The deadline report rendered: an aligned table and CSV (iCalendar: `ics.rs`).

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
use ledger_core::reports::deadlines::{DeadlineReport, Status};

pub(crate) fn status_word(s: Status) -> &'static str {
    match s {
        Status::Open => "open",
        Status::Done => "done",
        Status::Overdue => "OVERDUE",
    }
}

pub fn kind_name(o: &ledger_core::reports::deadlines::Obligation) -> String {
    kind_word(o)
}

pub(crate) fn kind_word(o: &ledger_core::reports::deadlines::Obligation) -> String {
    serde_json::to_value(o.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub(crate) fn deadlines_table(r: &DeadlineReport) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "obligation",
        "period",
        "due",
        "status",
        "days left",
        "done on",
        "late fee CNY",
    ]);
    for o in &r.obligations {
        t.add_row(vec![
            Cell::new(kind_word(o)),
            Cell::new(&o.period),
            Cell::new(o.due),
            Cell::new(status_word(o.status)),
            Cell::new(if o.status == Status::Done {
                String::new()
            } else {
                o.days_left.to_string()
            })
            .set_alignment(CellAlignment::Right),
            Cell::new(o.done_on.map(|d| d.to_string()).unwrap_or_default()),
            Cell::new(o.late_fee_cny).set_alignment(CellAlignment::Right),
        ]);
    }
    let open = r
        .obligations
        .iter()
        .filter(|o| o.status == Status::Open)
        .count();
    let overdue = r
        .obligations
        .iter()
        .filter(|o| o.status == Status::Overdue)
        .count();
    let mut out = format!(
        "Book {} — obligations as of {}: {open} open, {overdue} overdue\n{t}\n",
        r.account, r.as_of
    );
    for o in r.obligations.iter().filter(|o| o.note.is_some()) {
        out.push_str(&format!(
            "note ({} {}): {}\n",
            kind_word(o),
            o.period,
            o.note.as_deref().unwrap_or("")
        ));
    }
    out
}

pub(crate) fn deadlines_csv(r: &DeadlineReport) -> String {
    let mut out = String::from("kind,period,due,status,days_left,done_on,late_fee_cny\n");
    for o in &r.obligations {
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            kind_word(o),
            o.period,
            o.due,
            status_word(o.status).to_ascii_lowercase(),
            o.days_left,
            o.done_on.map(|d| d.to_string()).unwrap_or_default(),
            o.late_fee_cny
        ));
    }
    out
}
