//! Deadlines as an iCalendar file (RFC 5545) for the compliance team's calendar.

use super::deadlines::{kind_word, status_word};
use crate::session::Position;
use ledger_core::reports::deadlines::{DeadlineReport, Status};

/// The open and overdue obligations as an iCalendar file (RFC 5545): one all-day event per
/// obligation on its due date, with a reminder a week before.
pub(crate) fn ics(r: &DeadlineReport, p: &Position) -> String {
    let mut out = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bonded//deadlines//EN\r\nCALSCALE:GREGORIAN\r\n",
    );
    out.push_str(&format!(
        "X-BONDED-LOG-POSITION:{}\r\nX-BONDED-HEAD-HASH:{}\r\n",
        p.seq, p.hash
    ));
    let stamp = format!("{}T000000Z", r.as_of.format("%Y%m%d"));
    for o in r.obligations.iter().filter(|o| o.status != Status::Done) {
        let kind = kind_word(o);
        let title = match o.kind {
            ledger_core::reports::deadlines::ObligationKind::DomesticSalesDuty => {
                format!("Domestic-sales duty {} due (book {})", o.period, r.account)
            }
            ledger_core::reports::deadlines::ObligationKind::CarryOverDeclaration => {
                format!("Declare carry-overs of {} (book {})", o.period, r.account)
            }
            _ => format!("{kind} {} due (book {})", o.period, r.account),
        };
        let next = o.due.succ_opt().unwrap_or(o.due);
        out.push_str("BEGIN:VEVENT\r\n");
        out.push_str(&format!(
            "UID:{}-{}-{}@bonded\r\n",
            r.account, kind, o.period
        ));
        out.push_str(&format!("DTSTAMP:{stamp}\r\n"));
        out.push_str(&format!(
            "DTSTART;VALUE=DATE:{}\r\n",
            o.due.format("%Y%m%d")
        ));
        out.push_str(&format!("DTEND;VALUE=DATE:{}\r\n", next.format("%Y%m%d")));
        out.push_str(&format!("SUMMARY:{}\r\n", ics_text(&title)));
        out.push_str(&format!(
            "DESCRIPTION:{}\r\n",
            ics_text(&format!(
                "{kind} {} — status {} as of {}",
                o.period,
                status_word(o.status),
                r.as_of
            ))
        ));
        out.push_str("BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-P7D\r\n");
        out.push_str(&format!(
            "DESCRIPTION:{}\r\n",
            ics_text(&format!("In a week: {title}"))
        ));
        out.push_str("END:VALARM\r\nEND:VEVENT\r\n");
    }
    out.push_str("END:VCALENDAR\r\n");
    out
}

/// Escapes text for an iCalendar value.
pub(crate) fn ics_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}
