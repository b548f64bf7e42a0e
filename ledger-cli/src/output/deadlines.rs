//! The deadline report rendered: an aligned table and CSV (iCalendar: `ics.rs`).

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
    deadlines_table_in(r, crate::output::terminal_width())
}

/// The table fitted to `width` columns: the done-on date and the days left go first.
pub(crate) fn deadlines_table_in(r: &DeadlineReport, width: Option<usize>) -> String {
    let rows = r
        .obligations
        .iter()
        .map(|o| {
            vec![
                kind_word(o),
                o.period.clone(),
                o.due.to_string(),
                status_word(o.status).to_string(),
                if o.status == Status::Done {
                    String::new()
                } else {
                    o.days_left.to_string()
                },
                o.done_on.map(|d| d.to_string()).unwrap_or_default(),
                o.late_fee_cny.to_string(),
            ]
        })
        .collect();
    let t = crate::output::FitTable {
        header: vec![
            "obligation",
            "period",
            "due",
            "status",
            "days left",
            "done on",
            "late fee CNY",
        ],
        right: vec![false, false, false, false, true, false, true],
        rows,
        drop_order: &["done on", "days left", "late fee CNY"],
    }
    .render_in(width);
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
        "Book {} — obligations as of {}: {open} open, {overdue} overdue\n{t}",
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

#[cfg(test)]
mod tests {
    use super::*;
    use ledger_core::reports::deadlines::{Obligation, ObligationKind};

    /// Fitted to 60 columns, the table is no wider, and the columns left out are named.
    #[test]
    fn the_table_fits_a_narrow_terminal() {
        let r = DeadlineReport {
            account: "E44038000001".parse().expect("book"),
            as_of: "2025-12-31".parse().expect("date"),
            obligations: vec![Obligation {
                kind: ObligationKind::CarryOverDeclaration,
                period: "2025-11".into(),
                due: "2025-12-31".parse().expect("date"),
                status: Status::Overdue,
                late_fee_cny: rust_decimal::Decimal::new(12345, 2),
                days_left: -3,
                done_on: None,
                note: None,
            }],
        };
        let wide = deadlines_table_in(&r, None);
        assert!(
            wide.contains("late fee CNY") && wide.contains("123.45"),
            "{wide}"
        );
        let narrow = deadlines_table_in(&r, Some(60));
        let widest = narrow
            .lines()
            .filter(|l| l.starts_with(['│', '┌', '└', '╞', '├']))
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0);
        assert!(widest <= 60, "{widest}:\n{narrow}");
        assert!(
            narrow.contains("columns left out to fit 60 columns"),
            "{narrow}"
        );
        assert!(narrow.contains("carry_over_declaration"), "{narrow}");
    }
}
