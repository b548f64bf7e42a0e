//! `bonded duty`, `duty file`, `duty quote`, `deadlines` and `carry-over declare`: the monthly
//! domestic-sales declaration and every date the compliance team must meet.

use std::path::Path;

use anyhow::Result;
use chrono::NaiveDate;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
use ledger_core::commands::Command;
use ledger_core::deadlines::{deadlines as deadline_report, DeadlineReport, Status};
use ledger_core::duty::{assess, quote, Declaration};
use ledger_core::ids::{BookNo, Currency, ItemNo};
use ledger_core::period::Period;
use ledger_core::refusal::InvalidValue;
use ledger_core::trade_mode::GoodsKind;
use ledger_core::Refusal;

use crate::cli::{
    CarryOverDeclareArgs, DeadlinesArgs, DutyAction, DutyArgs, DutyFileArgs, DutyQuoteArgs, Format,
};
use crate::exit::{bad_input, code_of_refusal, Exit};
use crate::output::{audit_json, audit_line, csv_cell, json_with_audit, with_audit_csv};
use crate::session::{self, Position};

fn refusal(r: Refusal) -> anyhow::Error {
    Exit {
        code: code_of_refusal(&r),
        message: r.to_string(),
    }
    .into()
}

fn parse<T: std::str::FromStr<Err = InvalidValue>>(flag: &str, value: &str) -> Result<T> {
    value
        .parse()
        .map_err(|e: InvalidValue| bad_input(format!("--{flag}: {e}")))
}

fn date(flag: &str, value: &str) -> Result<NaiveDate> {
    crate::input::parse_date(value).map_err(|e| bad_input(format!("--{flag}: {e}")))
}

pub fn run(dir: &Path, actor: &str, args: &DutyArgs, format: Format) -> Result<()> {
    match &args.action {
        Some(DutyAction::File(f)) => return file(dir, actor, f, format),
        Some(DutyAction::Quote(q)) => return quote_cmd(dir, actor, q, format),
        None => {}
    }
    let (Some(account), Some(month)) = (&args.account, &args.month) else {
        return Err(bad_input("duty needs --account and --month"));
    };
    let account: BookNo = parse("account", account)?;
    let period: Period = parse("month", month)?;
    let s = session::open(dir, actor)?;
    let book = s
        .ledger
        .book(&account)
        .ok_or_else(|| refusal(Refusal::UnknownBook(account.clone())))?;
    ledger_core::decide::check_duty_period(book, period).map_err(refusal)?;
    let filed = book.duty_filed.get(&period);
    let (declaration, is_filed) = match (&args.filed, filed) {
        // The declaration as filed: its figures are frozen.
        (None, Some(d)) => (d.clone(), true),
        (Some(f), _) => (
            assess(&s.ledger, &account, period, date("filed", f)?).map_err(refusal)?,
            false,
        ),
        (None, None) => (
            assess(&s.ledger, &account, period, period.due()).map_err(refusal)?,
            false,
        ),
    };
    if format == Format::Xlsx {
        return crate::output::report_sheets::write(&args.out, &s.ledger, &account, |book| {
            crate::output::report_sheets::duty_sheets(book, &declaration, &s.position)
        });
    }
    print_declaration(
        &declaration,
        is_filed,
        format,
        crate::today_shanghai(),
        &s.position,
    );
    Ok(())
}

fn file(dir: &Path, actor: &str, args: &DutyFileArgs, format: Format) -> Result<()> {
    let account: BookNo = parse("account", &args.account)?;
    let period: Period = parse("month", &args.month)?;
    let on = date("date", &args.date)?;
    let mut s = session::open(dir, actor)?;
    let outcome = s.execute(Command::FileDuty {
        account: account.clone(),
        period,
        date: on,
    })?;
    let filed = s
        .ledger
        .book(&account)
        .and_then(|b| b.duty_filed.get(&period))
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("the filed declaration of {period} is not in the book"))?;
    if format == Format::Table {
        if outcome.appended == 0 {
            println!("{period} was already recorded as filed on {on}; nothing recorded");
        } else {
            println!("recorded: the domestic sales of {period} were declared and paid on {on}");
        }
    }
    print_declaration(&filed, true, format, crate::today_shanghai(), &s.position);
    Ok(())
}

fn quote_cmd(dir: &Path, actor: &str, args: &DutyQuoteArgs, format: Format) -> Result<()> {
    let account: BookNo = parse("account", &args.account)?;
    let item: ItemNo = parse("item", &args.item)?;
    let goods: GoodsKind = parse("goods", &args.goods)?;
    let qty =
        crate::input::parse_decimal(&args.qty).map_err(|e| bad_input(format!("--qty: {e}")))?;
    let on = match &args.date {
        Some(d) => date("date", d)?,
        None => crate::today_shanghai(),
    };
    let price = match &args.unit_price {
        None => None,
        Some(p) => {
            let p = crate::input::parse_decimal(p)
                .map_err(|e| bad_input(format!("--unit-price: {e}")))?;
            let c: Currency = match &args.currency {
                Some(c) => parse("currency", c)?,
                None => Currency::cny(),
            };
            Some((p, c))
        }
    };
    let s = session::open(dir, actor)?;
    let q = quote(
        &s.ledger,
        &account,
        goods,
        item,
        qty,
        args.bom_version,
        on,
        price,
    )
    .map_err(refusal)?;
    match format {
        Format::Json => {
            let mut v = declaration_json(&q, false);
            audit_json(&mut v, &s.position);
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default())
        }
        Format::Csv => print!("{}", with_audit_csv(declaration_csv(&q), &s.position)),
        Format::Table | Format::Ics | Format::Xlsx => {
            println!(
                "Quote — book {account}: domestic sale of {qty} of {} {item} declared on {on} (recorded nowhere)",
                goods.noun()
            );
            print!("{}", lines_table(&q));
            print!("{}", totals_text(&q));
            println!(
                "Declared alone. In the month's declaration the fifty-yuan rule applies to the month's totals."
            );
            print!("{}", audit_line(&s.position));
        }
    }
    Ok(())
}

pub fn declare_carry_over(dir: &Path, actor: &str, args: &CarryOverDeclareArgs) -> Result<()> {
    let account: BookNo = parse("account", &args.account)?;
    let month: Period = parse("month", &args.month)?;
    let on = date("date", &args.date)?;
    let mut s = session::open(dir, actor)?;
    let outcome = s.execute(Command::DeclareCarryOver {
        account,
        month,
        date: on,
    })?;
    if outcome.appended == 0 {
        println!("the carry-overs of {month} were already recorded as declared on {on}; nothing recorded");
    } else {
        println!("recorded: the carry-overs of {month} were declared on {on}");
    }
    Ok(())
}

/// The contract's keys (account, period, due, filed, lines, totals) and a few more.
pub(crate) fn declaration_json(d: &Declaration, is_filed: bool) -> serde_json::Value {
    let mut v = serde_json::to_value(d).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "status".into(),
            serde_json::json!(if is_filed { "filed" } else { "draft" }),
        );
    }
    v
}

fn print_declaration(
    d: &Declaration,
    is_filed: bool,
    format: Format,
    today: NaiveDate,
    p: &Position,
) {
    match format {
        Format::Json => {
            let mut v = declaration_json(d, is_filed);
            audit_json(&mut v, p);
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default())
        }
        Format::Csv => print!("{}", with_audit_csv(declaration_csv(d), p)),
        Format::Table | Format::Ics | Format::Xlsx => {
            let days = (d.due - today).num_days();
            let when = if is_filed {
                format!("FILED on {}", d.filed)
            } else if days >= 0 {
                format!("{days} days left (today {today})")
            } else {
                format!(
                    "{} days past due (today {today}), not recorded as filed",
                    -days
                )
            };
            println!(
                "Book {} — domestic sales of {}: due {} — {}",
                d.account, d.period, d.due, when
            );
            println!(
                "assessed as of {} (rates, exchange rates and interest of that day)",
                d.filed
            );
            if d.lines.is_empty() {
                println!("no domestic sales in {}", d.period);
            } else {
                print!("{}", lines_table(d));
                print!("{}", totals_text(d));
            }
            print!("{}", audit_line(p));
        }
    }
}

fn lines_table(d: &Declaration) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "ref",
        "line",
        "date",
        "from",
        "item",
        "HS",
        "qty",
        "unit value",
        "value CNY",
        "duty",
        "cons. tax",
        "VAT",
    ]);
    let right = |s: String| Cell::new(s).set_alignment(CellAlignment::Right);
    for l in &d.lines {
        let from = match (l.scrap, l.product) {
            (true, _) => "scrap".to_string(),
            (false, Some(p)) => format!("finished {p}"),
            (false, None) => "material".to_string(),
        };
        t.add_row(vec![
            Cell::new(&l.ref_),
            Cell::new(l.line),
            Cell::new(l.date),
            Cell::new(from),
            Cell::new(l.item),
            Cell::new(&l.hs),
            right(l.qty.to_string()),
            right(format!(
                "{} {}",
                l.unit_value.round_dp(6).normalize(),
                l.currency
            )),
            right(l.value_cny.to_string()),
            right(l.duty.to_string()),
            right(l.consumption_tax.to_string()),
            right(l.vat.to_string()),
        ]);
    }
    let c = &d.computed;
    t.add_row(vec![
        Cell::new("total"),
        Cell::new(""),
        Cell::new(""),
        Cell::new(""),
        Cell::new(""),
        Cell::new(""),
        Cell::new(""),
        Cell::new(""),
        right(d.totals.value_cny.to_string()),
        right(c.duty.to_string()),
        right(c.consumption_tax.to_string()),
        right(c.vat.to_string()),
    ]);
    format!("{t}\n")
}

fn totals_text(d: &Declaration) -> String {
    let levy = |name: &str, computed: rust_decimal::Decimal, levied: rust_decimal::Decimal| {
        if levied.is_zero() && !computed.is_zero() {
            format!(
                "  {name:<16} {:>14}  (sum {computed} is under CNY 50: not levied)\n",
                "0.00"
            )
        } else {
            format!("  {name:<16} {levied:>14}\n")
        }
    };
    let mut out = String::from("Levied\n");
    out.push_str(&levy("duty", d.computed.duty, d.totals.duty));
    out.push_str(&levy(
        "consumption tax",
        d.computed.consumption_tax,
        d.totals.consumption_tax,
    ));
    out.push_str(&levy("VAT", d.computed.vat, d.totals.vat));
    let from = d
        .interest_from
        .map(|f| f.to_string())
        .unwrap_or_else(|| "—".into());
    out.push_str(&format!(
        "  {:<16} {:>14}  (deferred interest from {from}, {} days at {} % a year / 360; not on scrap)\n",
        "interest", d.totals.interest, d.interest_days, d.interest_pct.normalize()
    ));
    out.push_str(&format!("  {:<16} {:>14}\n", "TOTAL CNY", d.totals.total));
    out
}

fn declaration_csv(d: &Declaration) -> String {
    let mut out = String::from("ref,line,date,goods,product,item,hs,qty,unit_value,currency,value_cny,duty,consumption_tax,vat,scrap\n");
    for l in &d.lines {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            csv_cell(&l.ref_),
            l.line,
            l.date,
            l.goods,
            l.product.map(|p| p.to_string()).unwrap_or_default(),
            l.item,
            l.hs,
            l.qty,
            l.unit_value,
            l.currency,
            l.value_cny,
            l.duty,
            l.consumption_tax,
            l.vat,
            l.scrap
        ));
    }
    let t = &d.totals;
    out.push_str(&format!(
        "TOTAL,,,,,,,,,,{},{},{},{},\ninterest,,,,,,,,,,{},,,,\ntotal_cny,,,,,,,,,,{},,,,\n",
        t.value_cny, t.duty, t.consumption_tax, t.vat, t.interest, t.total
    ));
    out
}

pub fn deadlines(dir: &Path, actor: &str, args: &DeadlinesArgs, format: Format) -> Result<()> {
    let account: BookNo = parse("account", &args.account)?;
    let as_of = match &args.as_of {
        Some(d) => date("as-of", d)?,
        None => crate::today_shanghai(),
    };
    let s = session::open(dir, actor)?;
    let report = deadline_report(&s.ledger, &account, as_of).map_err(refusal)?;
    let p = &s.position;
    match format {
        Format::Json => println!("{}", json_with_audit(&report, p)),
        Format::Csv => print!("{}", with_audit_csv(deadlines_csv(&report), p)),
        Format::Ics => print!("{}", ics(&report, p)),
        Format::Table | Format::Xlsx => print!("{}{}", deadlines_table(&report), audit_line(p)),
    }
    Ok(())
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Open => "open",
        Status::Done => "done",
        Status::Overdue => "OVERDUE",
    }
}

pub fn kind_name(o: &ledger_core::deadlines::Obligation) -> String {
    kind_word(o)
}

fn kind_word(o: &ledger_core::deadlines::Obligation) -> String {
    serde_json::to_value(o.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn deadlines_table(r: &DeadlineReport) -> String {
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

fn deadlines_csv(r: &DeadlineReport) -> String {
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

/// The open and overdue obligations as an iCalendar file (RFC 5545): one all-day event per
/// obligation on its due date, with a reminder a week before.
fn ics(r: &DeadlineReport, p: &Position) -> String {
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
            ledger_core::deadlines::ObligationKind::DomesticSalesDuty => {
                format!("Domestic-sales duty {} due (book {})", o.period, r.account)
            }
            ledger_core::deadlines::ObligationKind::CarryOverDeclaration => {
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
fn ics_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}
