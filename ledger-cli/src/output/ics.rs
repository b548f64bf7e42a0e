//! Deadlines as an iCalendar file (RFC 5545) for the compliance team's calendar.

use super::deadlines::{kind_word, status_word};
use crate::session::Position;
use ledger_core::reports::deadlines::{DeadlineReport, Obligation, ObligationKind, Status};

/// The open and overdue obligations as an iCalendar file (RFC 5545): one all-day event per
/// obligation on its due date, with a reminder a week before.
///
/// - `DTSTAMP` is `made`, when the file was made (UTC).
/// - `SEQUENCE` is the log position the file was computed from: it grows with every change
///   to the store, so a calendar that imports a newer file takes its events as revisions of
///   the ones it has (same `UID`).
/// - Every content line is folded at 75 octets (§3.1).
pub(crate) fn ics(r: &DeadlineReport, p: &Position, made: chrono::DateTime<chrono::Utc>) -> String {
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        "PRODID:-//bonded//deadlines//EN".into(),
        "CALSCALE:GREGORIAN".into(),
        format!("X-BONDED-LOG-POSITION:{}", p.seq),
        format!("X-BONDED-HEAD-HASH:{}", p.hash),
    ];
    let stamp = made.format("%Y%m%dT%H%M%SZ").to_string();
    for o in r.obligations.iter().filter(|o| o.status != Status::Done) {
        let kind = kind_word(o);
        let title = title(o);
        let next = o.due.succ_opt().unwrap_or(o.due);
        lines.push("BEGIN:VEVENT".into());
        lines.push(format!("UID:{}-{}-{}@bonded", r.account, kind, o.period));
        lines.push(format!("DTSTAMP:{stamp}"));
        lines.push(format!("SEQUENCE:{}", p.seq));
        lines.push(format!("DTSTART;VALUE=DATE:{}", o.due.format("%Y%m%d")));
        lines.push(format!("DTEND;VALUE=DATE:{}", next.format("%Y%m%d")));
        lines.push(format!("SUMMARY:{}", ics_text(&title)));
        lines.push(format!(
            "DESCRIPTION:{}",
            ics_text(&format!(
                "账册 Book {} — {title}: due {}, status {} as of {}",
                r.account,
                o.due,
                status_word(o.status),
                r.as_of
            ))
        ));
        lines.push("BEGIN:VALARM".into());
        lines.push("ACTION:DISPLAY".into());
        lines.push("TRIGGER:-P7D".into());
        lines.push(format!(
            "DESCRIPTION:{}",
            ics_text(&format!("一周后到期 In a week: {title}"))
        ));
        lines.push("END:VALARM".into());
        lines.push("END:VEVENT".into());
    }
    lines.push("END:VCALENDAR".into());
    lines.iter().map(|l| fold(l)).collect()
}

/// An obligation's title in Chinese and English, with its period: no internal words.
fn title(o: &Obligation) -> String {
    let (zh, en) = match o.kind {
        ObligationKind::DomesticSalesDuty => ("内销征税申报", "Domestic-sales duty"),
        ObligationKind::CarryOverDeclaration => ("深加工结转申报", "Carry-over declaration"),
        ObligationKind::CycleReport => ("核销报核", "Write-off report"),
        ObligationKind::AnnualDeclaration => ("年度申报", "Annual declaration"),
        ObligationKind::UnitConsumption => ("单耗申报", "Unit-consumption declaration"),
        ObligationKind::BookCancellation => ("账册注销", "Book cancellation"),
        ObligationKind::ListDeclaration => ("核注清单申报", "Verification list to declare"),
        ObligationKind::ListBooking => ("核注清单记账", "Verification list to book"),
    };
    format!("{zh} {en} {}", o.period)
}

/// A content line folded as RFC 5545 §3.1 says: no line longer than 75 octets (UTF-8 bytes,
/// the CRLF not counted), a character never split, each continuation line starting with a
/// space; every line ends with CRLF.
pub(crate) fn fold(line: &str) -> String {
    const LIMIT: usize = 75;
    let mut out = String::with_capacity(line.len() + 8);
    let mut used = 0usize;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > LIMIT {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
    out
}

/// Escapes text for an iCalendar value.
pub(crate) fn ics_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folded_lines_are_at_most_75_octets_and_never_split_a_character() {
        let line = format!(
            "SUMMARY:{}",
            "内销征税申报 Domestic-sales duty 2025-11 ".repeat(6)
        );
        let folded = fold(&line);
        assert!(folded.ends_with("\r\n"));
        let parts: Vec<&str> = folded.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(parts.len() > 2, "{folded}");
        for (i, part) in parts.iter().enumerate() {
            assert!(
                part.len() <= 75,
                "line {i} is {} octets: {part:?}",
                part.len()
            );
            if i > 0 {
                assert!(part.starts_with(' '), "{part:?}");
            }
        }
        // Unfolding (remove CRLF + space) gives the line back.
        let unfolded: String = folded.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, line);
        assert_eq!(fold("SHORT"), "SHORT\r\n");
    }
}
