//! A book: its balances as of a date (shortfalls marked, the capacity used against the cap), a
//! material's balance over time and history, the period's duty draft (filed by an admin through
//! the writer), the cycle report with the stocktake's differences, Order 182 exposure with its
//! grade, and the links to its downloads (`downloads`).
//!
//! Every figure comes from the call the JSON API makes for the same report.

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::Form;
use chrono::{Datelike, NaiveDate};
use ledger_core::events::commands::Command;
use ledger_core::model::ids::{BookNo, ItemNo};
use ledger_core::model::period::Period;
use ledger_core::model::refusal::InvalidValue;
use ledger_core::model::review::Role;
use ledger_core::model::trade_mode::GoodsKind;
use ledger_core::reports::exposure::Risk;
use ledger_core::state::ledger::{Book, Ledger};
use ledger_core::Refusal;
use maud::{html, Markup};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;

use super::charts;
use super::i18n::{risk_name, t, Lang};
use super::session::Signed;
use super::{render, see_other, submit, PageError, Web};
use crate::serve::error::ApiError;
use crate::serve::history::{self, ItemFilter};
use crate::serve::state::read;
use crate::serve::writer::Work;

/// History rows on an item's page (older ones a click away: each row is read from the log).
const HISTORY_ROWS: usize = 50;
/// Log records read at a time, newest first, while filling an item's history page.
const HISTORY_CHUNK: usize = 200;

fn bad(lang: Lang, message: String) -> PageError {
    PageError {
        lang,
        error: ApiError::bad(message),
    }
}

/// A query string, or 400 naming what is wrong with it.
pub(super) fn query<T>(lang: Lang, q: Result<Query<T>, QueryRejection>) -> Result<T, PageError> {
    q.map(|Query(t)| t)
        .map_err(|e| bad(lang, format!("the query string: {}", e.body_text())))
}

pub fn parse_date(
    lang: Lang,
    name: &str,
    text: Option<&str>,
) -> Result<Option<NaiveDate>, PageError> {
    text.filter(|t| !t.trim().is_empty())
        .map(|t| crate::input::parse_date(t).map_err(|e| bad(lang, format!("{name}: {e}"))))
        .transpose()
}

/// The book of a page's path and the `as_of` of its query (default: today in China).
pub(super) fn account_as_of(
    lang: Lang,
    text: &str,
    q: Result<Query<AsOfQuery>, QueryRejection>,
) -> Result<(BookNo, NaiveDate), PageError> {
    let account = account(lang, text)?;
    let q = query(lang, q)?;
    let as_of =
        parse_date(lang, "as_of", q.as_of.as_deref())?.unwrap_or_else(crate::today_shanghai);
    Ok((account, as_of))
}

pub(super) fn account(lang: Lang, text: &str) -> Result<BookNo, PageError> {
    text.parse()
        .map_err(|e: InvalidValue| bad(lang, format!("account: {e}")))
}

pub(super) fn refused(r: Refusal) -> ApiError {
    ApiError::from_refusal(&r)
}

pub(super) fn book<'a>(ledger: &'a Ledger, account: &BookNo) -> Result<&'a Book, ApiError> {
    ledger
        .book(account)
        .ok_or_else(|| refused(Refusal::UnknownBook(account.clone())))
}

/// The tabs of a book's pages; `on` is the one shown.
pub(super) fn tabs(l: Lang, account: &BookNo, on: &str) -> Markup {
    let tab = |key: &'static str, href: String| {
        html! { a class=(if key == on { "tab on" } else { "tab" }) href=(href) { (t(l, key)) } }
    };
    html! {
        nav.tabs {
            (tab("balances", format!("/app/books/{account}")))
            (tab("duty", format!("/app/books/{account}/duty")))
            (tab("cycle", format!("/app/books/{account}/cycle")))
            (tab("exposure", format!("/app/books/{account}/exposure")))
            (tab("lists", format!("/app/books/{account}/lists")))
        }
    }
}

pub(super) fn header_of(l: Lang, b: &Book) -> Markup {
    html! {
        h1 { (t(l, "book")) " " (b.header.account) }
        p.meta {
            (t(l, "company")) " " (b.header.company) " · "
            (t(l, "cycle_start")) " " (b.header.cycle_start) " · "
            (b.header.cycle_months) " " (t(l, "months")) " · "
            (t(l, "capacity")) " " (b.header.capacity_usd.normalize()) " USD"
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Balances
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct AsOfQuery {
    pub(super) as_of: Option<String>,
}

pub async fn balances(
    State(web): State<Web>,
    signed: Signed,
    Path(account_text): Path<String>,
    q: Result<Query<AsOfQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let (account, as_of) = account_as_of(signed.lang, &account_text, q)?;
    let here = format!("/app/books/{account}?as_of={as_of}");
    render(&web, signed, here, move |shared, _, signed| {
        let l = signed.lang;
        let b = book(&shared.ledger, &account)?;
        let report = ledger_core::state::balance::balances(&shared.ledger, &account, as_of)
            .map_err(refused)?;
        // Shortfalls: the materials the cycle's stocktake found short (over the tolerance).
        let short: std::collections::BTreeMap<ItemNo, Decimal> =
            ledger_core::reports::cycle::cycle_report(&shared.ledger, &account, None, None)
                .map(|r| {
                    r.materials
                        .iter()
                        .filter(|m| m.flag.as_deref() == Some("shortage"))
                        .filter_map(|m| m.difference.map(|d| (m.item, d)))
                        .collect()
                })
                .unwrap_or_default();
        let cycle = b.cycle_containing(as_of);
        let used = b.cap_used_usd.get(&cycle.number).copied().unwrap_or_default();
        let body = html! {
            (header_of(l, b))
            (tabs(l, &account, "balances"))
            form.inline #as-of-form method="get" action={ "/app/books/" (account) } {
                label for="as_of" { (t(l, "as_of")) }
                input #as_of .autosubmit type="date" name="as_of" value=(as_of);
                button type="submit" { (t(l, "show")) }
            }
            h2 { (t(l, "materials")) }
            table #balances {
                thead { tr {
                    th { (t(l, "item")) } th { (t(l, "name")) } th { (t(l, "unit")) }
                    th.num { (t(l, "opening")) } th.num { (t(l, "imported")) }
                    th.num { (t(l, "carried_in")) } th.num { (t(l, "consumed")) }
                    th.num { (t(l, "carried_out")) } th.num { (t(l, "domestic_sold")) }
                    th.num { (t(l, "re_exported")) } th.num { (t(l, "destroyed")) }
                    th.num { (t(l, "balance")) }
                } }
                tbody {
                    @for m in &report.materials {
                        @let shortfall = short.get(&m.item);
                        tr #{ "m-" (m.item) } class=[shortfall.map(|_| "shortfall")] {
                            td { a href={ "/app/books/" (account) "/items/" (m.item) } { (m.item) } }
                            td { (m.name) } td { (m.unit) }
                            td.num { (m.opening) } td.num { (m.imported) } td.num { (m.carried_in) }
                            td.num { (m.consumed) } td.num { (m.carried_out) }
                            td.num { (m.domestic_sold) } td.num { (m.re_exported) }
                            td.num { (m.destroyed) }
                            td.num.balance {
                                (m.balance)
                                @if let Some(d) = shortfall { br; small { (t(l, "shortage")) " " (d) } }
                            }
                        }
                    }
                }
            }
            @if !short.is_empty() { p.hint { (t(l, "shortfall_hint")) } }
            @if !report.scrap.is_empty() {
                h2 { (t(l, "scrap")) }
                table #scrap {
                    thead { tr { th { (t(l, "item")) } th { (t(l, "name")) } th { (t(l, "unit")) } th.num { (t(l, "balance")) } } }
                    tbody { @for s in &report.scrap { tr { td { (s.item) } td { (s.name) } td { (s.unit) } td.num { (s.balance) } } } }
                }
            }
            h2 { (t(l, "capacity_used")) }
            (charts::gauge("capacity-chart", &format!("{} {} ({} – {})", t(l, "capacity_caption"), cycle.number, cycle.start, cycle.end), used, b.header.capacity_usd))
            h2 { (t(l, "downloads")) }
            ul.downloads #downloads {
                li { a href={ "/app/books/" (account) "/download/balance.csv?as_of=" (as_of) } { (t(l, "dl_balance")) } }
                li { a href={ "/app/books/" (account) "/download/balance.xlsx?as_of=" (as_of) } { (t(l, "dl_balance_xlsx")) } }
                li { a href={ "/app/books/" (account) "/download/deadlines.ics" } { (t(l, "dl_deadlines")) } }
                li { a href={ "/app/books/" (account) "/download/duty.csv" } { (t(l, "dl_duty")) } }
                li { a href={ "/app/books/" (account) "/download/duty.xlsx" } { (t(l, "dl_duty_xlsx")) } }
                li { a href={ "/app/books/" (account) "/download/cycle.csv" } { (t(l, "dl_cycle")) } }
                li { a href={ "/app/books/" (account) "/download/cycle.xlsx" } { (t(l, "dl_cycle_xlsx")) } }
                li { a href={ "/app/books/" (account) "/download/ems121.xml" } { (t(l, "dl_ems121")) } }
                li { a href={ "/app/books/" (account) "/download/exposure.csv" } { (t(l, "dl_exposure")) } }
            }
        };
        Ok((format!("{} {account}", t(l, "book")), body))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// An item
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct ItemQuery {
    as_of: Option<String>,
    /// Only events before this log position (the next page of an item's history).
    before: Option<String>,
}

/// Month ends from the book's first cycle to `to` (and `to` itself), at most five years back.
fn month_ends(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let (mut y, mut m) = (from.year(), from.month());
    let earliest = to - chrono::Duration::days(5 * 366);
    while out.len() < 120 {
        let end = ledger_core::model::period::last_day_of_month(y, m);
        if end >= to {
            break;
        }
        if end >= earliest {
            out.push(end);
        }
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    out.push(to);
    out
}

/// What a history row is about, from its payload: the list line, date, mode, direction and
/// quantity where it has them.
fn summary(event: &Value) -> String {
    let inner = event
        .as_object()
        .and_then(|o| o.values().find(|v| v.is_object()))
        .unwrap_or(event);
    let scalar = |x: &Value| match x {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let pick = |v: &Value, k: &str| -> Option<String> {
        v.get(k).and_then(scalar).or_else(|| {
            v.get("line")
                .filter(|l| l.is_object())
                .and_then(|l| l.get(k))
                .and_then(scalar)
        })
    };
    ["ref", "line", "date", "mode", "dir", "qty", "reason"]
        .iter()
        .filter_map(|k| pick(inner, k).map(|v| format!("{k} {v}")))
        .collect::<Vec<_>>()
        .join(" · ")
}

pub async fn item(
    State(web): State<Web>,
    signed: Signed,
    Path((account_text, item_text)): Path<(String, String)>,
    q: Result<Query<ItemQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let lang = signed.lang;
    let account = account(lang, &account_text)?;
    let item: ItemNo = item_text
        .parse()
        .map_err(|e: InvalidValue| bad(lang, format!("item: {e}")))?;
    let q = query(lang, q)?;
    let as_of =
        parse_date(lang, "as_of", q.as_of.as_deref())?.unwrap_or_else(crate::today_shanghai);
    let before = match q.before.as_deref().filter(|a| !a.trim().is_empty()) {
        None => u64::MAX,
        Some(a) => a
            .trim()
            .parse::<u64>()
            .map_err(|_| bad(lang, format!("before: {a:?} is not a whole number")))?,
    };
    let here = format!("/app/books/{account}/items/{item}");
    render(&web, signed, here, move |shared, st, signed| {
        let l = signed.lang;
        let b = book(&shared.ledger, &account)?;
        let now = ledger_core::state::balance::material_balance(&shared.ledger, &account, item, as_of)
            .map_err(refused)?;
        let mut points = Vec::new();
        for d in month_ends(b.header.cycle_start, as_of) {
            let m = ledger_core::state::balance::material_balance(&shared.ledger, &account, item, d)
                .map_err(refused)?;
            points.push((d.format("%Y-%m").to_string(), m.balance));
        }
        let filter = ItemFilter { goods: Some(GoodsKind::M), item };
        // The positions that touch the material (the index), or, while the index is still
        // being built after a start, every position of the book.
        let seqs = match shared.history.item(account.as_str(), filter) {
            Some(seqs) => seqs,
            None => shared.history.stream(&read(&st.log), account.as_str())?,
        };
        // Newest first: the stream's positions read backwards a chunk at a time, each chunk
        // through the API's history code, until the page is full.
        let mut end = seqs.partition_point(|s| *s < before);
        let mut events: Vec<Value> = Vec::new();
        {
            let log = read(&st.log);
            while end > 0 && events.len() < HISTORY_ROWS {
                let start = end.saturating_sub(HISTORY_CHUNK);
                let (mut chunk, _) =
                    history::page(&log, &seqs[start..end], Some(filter), 0, HISTORY_CHUNK)?;
                chunk.reverse();
                events.extend(chunk);
                end = start;
            }
        }
        events.truncate(HISTORY_ROWS);
        let next = if events.len() == HISTORY_ROWS {
            events.last().and_then(|e| e["seq"].as_str()).map(str::to_string)
        } else {
            None
        };
        let body = html! {
            (tabs(l, &account, "balances"))
            h1 { (t(l, "material")) " " (item) " · " (now.name) }
            p.meta #item-balance { (t(l, "balance")) " " (as_of) ": " b { (now.balance) } " " (now.unit) }
            (charts::line("balance-chart", &format!("{} {} ({})", t(l, "balance_over_time"), item, now.unit), &points))
            h2 { (t(l, "history")) }
            table #history {
                thead { tr {
                    th { (t(l, "position")) } th { (t(l, "recorded_at")) } th { (t(l, "actor")) }
                    th { (t(l, "kind")) } th { (t(l, "what")) }
                } }
                tbody {
                    @for e in &events {
                        tr {
                            td.num { (e["seq"].as_str().unwrap_or("")) }
                            td { (e["recorded_at"].as_str().unwrap_or("")) }
                            td { (e["actor"].as_str().unwrap_or("")) }
                            td { (e["kind"].as_str().unwrap_or("")) }
                            td { (summary(&e["event"])) }
                        }
                    }
                }
            }
            @if let Some(n) = next {
                p { a href={ "/app/books/" (account) "/items/" (item) "?before=" (n) } { (t(l, "more")) } }
            }
        };
        Ok((format!("{} {item}", t(l, "material")), body))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Duty
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct DutyQuery {
    month: Option<String>,
}

/// The period a book's duty page opens on: the oldest declaration still to file, else the
/// current one.
pub(super) fn default_period(b: &Book) -> Period {
    let today = crate::today_shanghai();
    ledger_core::reports::deadlines::first_open_duty_period(b, today)
        .unwrap_or_else(|| Period::of(today, b.settings.duty_period))
}

/// The declaration of `period`: the filed one, or the draft assessed as of its due date.
pub(super) fn declaration(
    ledger: &Ledger,
    account: &BookNo,
    period: Period,
) -> Result<(ledger_core::model::declaration::Declaration, bool), ApiError> {
    let b = book(ledger, account)?;
    ledger_core::decide::check_duty_period(b, period).map_err(refused)?;
    match b.duty_filed.get(&period) {
        Some(d) => Ok((d.clone(), true)),
        None => Ok((
            ledger_core::reports::duty::assess(ledger, account, period, period.due())
                .map_err(refused)?,
            false,
        )),
    }
}

/// The periods of `period`'s year, of the book's kind (months, or quarters).
fn year_periods(period: Period) -> Vec<Period> {
    match period {
        Period::Month { year, .. } => (1..=12)
            .map(|month| Period::Month { year, month })
            .collect(),
        Period::Quarter { year, .. } => (1..=4)
            .map(|quarter| Period::Quarter { year, quarter })
            .collect(),
    }
}

fn period_label(p: Period) -> String {
    match p {
        Period::Month { month, .. } => format!("{month:02}"),
        Period::Quarter { quarter, .. } => format!("Q{quarter}"),
    }
}

pub async fn duty(
    State(web): State<Web>,
    signed: Signed,
    Path(account_text): Path<String>,
    q: Result<Query<DutyQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let lang = signed.lang;
    let account = account(lang, &account_text)?;
    let q = query(lang, q)?;
    let asked: Option<Period> = match q.month.as_deref().filter(|m| !m.trim().is_empty()) {
        None => None,
        Some(m) => Some(
            m.trim()
                .parse()
                .map_err(|e: InvalidValue| bad(lang, format!("month: {e}")))?,
        ),
    };
    let here = match asked {
        Some(p) => format!("/app/books/{account}/duty?month={p}"),
        None => format!("/app/books/{account}/duty"),
    };
    render(&web, signed, here, move |shared, _, signed| {
        let l = signed.lang;
        let b = book(&shared.ledger, &account)?;
        let period = asked.unwrap_or_else(|| default_period(b));
        let (d, filed) = declaration(&shared.ledger, &account, period)?;
        let year: Vec<(String, Decimal, bool)> = year_periods(period)
            .into_iter()
            .map(|p| match declaration(&shared.ledger, &account, p) {
                Ok((d, filed)) => (period_label(p), d.totals.total, !filed),
                Err(_) => (period_label(p), Decimal::ZERO, false),
            })
            .collect();
        let may_file = signed.caller.role == Role::Admin && !filed;
        let body = html! {
            (header_of(l, b))
            (tabs(l, &account, "duty"))
            form.inline method="get" action={ "/app/books/" (account) "/duty" } {
                label for="month" { (t(l, "period")) }
                input #month type="text" name="month" value=(period) size="8" pattern="[0-9]{4}-(Q[1-4]|[0-9]{2})";
                button type="submit" { (t(l, "show")) }
            }
            h2 #duty-status { (t(l, "duty_declaration")) " " (period) " · "
                @if filed { span.done { (t(l, "filed")) " " (d.filed) } } @else { span.draft { (t(l, "draft")) } } }
            p.meta { (t(l, "due")) " " (d.due) " · " (t(l, "interest_days")) " " (d.interest_days) " · " (t(l, "interest_pct")) " " (d.interest_pct) "%" }
            @if d.lines.is_empty() {
                p #no-duty-lines { (t(l, "no_domestic_sales")) }
            } @else {
                table #duty-lines {
                    thead { tr {
                        th { (t(l, "list_ref")) } th { (t(l, "date")) } th { (t(l, "item")) } th { "HS" }
                        th.num { (t(l, "qty")) } th.num { (t(l, "unit_value")) } th.num { (t(l, "value_cny")) }
                        th.num { (t(l, "tax_duty")) } th.num { (t(l, "tax_consumption")) } th.num { (t(l, "tax_vat")) }
                    } }
                    tbody {
                        @for x in &d.lines {
                            tr {
                                td { (x.ref_) "/" (x.line) } td { (x.date) }
                                td { (x.goods) " " (x.item) }
                                td { (x.hs) }
                                td.num { (x.qty) } td.num { (x.unit_value.round_dp(6).normalize()) " " (x.currency) }
                                td.num { (x.value_cny) } td.num { (x.duty) } td.num { (x.consumption_tax) } td.num { (x.vat) }
                            }
                        }
                    }
                }
            }
            table.totals #duty-totals {
                tr { th { (t(l, "value_cny")) } td.num { (d.totals.value_cny) } }
                tr { th { (t(l, "tax_duty")) } td.num { (d.totals.duty) } }
                tr { th { (t(l, "tax_consumption")) } td.num { (d.totals.consumption_tax) } }
                tr { th { (t(l, "tax_vat")) } td.num { (d.totals.vat) } }
                tr { th { (t(l, "interest")) } td.num { (d.totals.interest) } }
                tr.total { th { (t(l, "total")) } td.num #duty-total { (d.totals.total) } }
            }
            p.hint { (t(l, "fifty_yuan_hint")) }
            @if may_file {
                form.action #file-duty method="post" action={ "/app/books/" (account) "/duty/file" } {
                    input type="hidden" name="csrf" value=(signed.csrf);
                    input type="hidden" name="month" value=(period);
                    label for="file-date" { (t(l, "filed_on")) }
                    input #file-date type="date" name="date" value=(crate::today_shanghai()) required;
                    button #file-button type="submit" { (t(l, "file_declaration")) }
                }
            }
            h2 { (t(l, "duty_by_period")) " " (period.first_day().year()) }
            (charts::bars("duty-chart", &format!("{} (CNY) — {}", t(l, "duty_by_period"), t(l, "marked_draft")), &year))
        };
        Ok((format!("{} {period}", t(l, "duty")), body))
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct FileForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    month: String,
    #[serde(default)]
    date: String,
}

impl super::session::WithCsrf for FileForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// An admin files the period's declaration as of a date, through the writer.
pub async fn file_duty(
    State(web): State<Web>,
    signed: Signed,
    Path(account_text): Path<String>,
    form: Result<Form<FileForm>, FormRejection>,
) -> Result<Response, PageError> {
    let lang = signed.lang;
    let form = match signed.form(form) {
        Ok(form) => form,
        Err(refused) => return Ok(*refused),
    };
    signed
        .caller
        .require(&[Role::Admin], "file a duty declaration")
        .map_err(|error| PageError { lang, error })?;
    let account = account(lang, &account_text)?;
    let period: Period = form
        .month
        .trim()
        .parse()
        .map_err(|e: InvalidValue| bad(lang, format!("month: {e}")))?;
    let date = parse_date(lang, "date", Some(&form.date))?
        .ok_or_else(|| bad(lang, "date: give the day it was filed".into()))?;
    submit(
        &web,
        &signed.caller.name,
        Work::One(Box::new(Command::FileDuty {
            account: account.clone(),
            period,
            date,
        })),
    )
    .await
    .map_err(|error| PageError { lang, error })?;
    Ok(see_other(&format!(
        "/app/books/{account}/duty?month={period}"
    )))
}

// ---------------------------------------------------------------------------------------------
// Cycle and exposure
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct CycleQuery {
    cycle: Option<String>,
}

pub async fn cycle(
    State(web): State<Web>,
    signed: Signed,
    Path(account_text): Path<String>,
    q: Result<Query<CycleQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let lang = signed.lang;
    let account = account(lang, &account_text)?;
    let q = query(lang, q)?;
    let number = match q.cycle.as_deref().filter(|c| !c.trim().is_empty()) {
        None => None,
        Some(c) => Some(
            c.trim()
                .parse::<i64>()
                .map_err(|_| bad(lang, format!("cycle: {c:?} is not a whole number")))?,
        ),
    };
    let here = format!("/app/books/{account}/cycle");
    render(&web, signed, here, move |shared, _, signed| {
        let l = signed.lang;
        let b = book(&shared.ledger, &account)?;
        let r = ledger_core::reports::cycle::cycle_report(&shared.ledger, &account, number, None)
            .map_err(refused)?;
        let body = html! {
            (header_of(l, b))
            (tabs(l, &account, "cycle"))
            h2 { (t(l, "cycle")) " " (r.cycle) " · " (r.start) " – " (r.end) }
            p.meta {
                (t(l, "report_due")) " " (r.report_due) " · "
                (t(l, "stocktake_date")) " " (r.stocktake_date.map(|d| d.to_string()).unwrap_or_else(|| t(l, "none").into())) " · "
                (t(l, "tolerance")) " " (r.tolerance)
                @if let Some(c) = r.closed_on { " · " (t(l, "closed_on")) " " (c) }
            }
            table #cycle-materials {
                thead { tr {
                    th { (t(l, "item")) } th { (t(l, "name")) }
                    th.num { (t(l, "opening")) } th.num { (t(l, "imported")) } th.num { (t(l, "carried_in")) }
                    th.num { (t(l, "consumed")) } th.num { (t(l, "carried_out")) } th.num { (t(l, "domestic_sold")) }
                    th.num { (t(l, "re_exported")) } th.num { (t(l, "destroyed")) }
                    th.num { (t(l, "closing")) } th.num { (t(l, "stocktake")) } th.num { (t(l, "difference")) }
                } }
                tbody {
                    @for m in &r.materials {
                        tr class=[m.flag.as_deref()] {
                            td { (m.item) } td { (m.name) }
                            td.num { (m.opening) } td.num { (m.imported) } td.num { (m.carried_in) }
                            td.num { (m.consumed) } td.num { (m.carried_out) } td.num { (m.domestic_sold) }
                            td.num { (m.re_exported) } td.num { (m.destroyed) } td.num { (m.closing) }
                            td.num { (m.stocktake.map(|d| d.to_string()).unwrap_or_default()) }
                            td.num {
                                (m.difference.map(|d| d.to_string()).unwrap_or_default())
                                @if let Some(f) = &m.flag { " " small { (if f == "shortage" { t(l, "shortage") } else { t(l, "surplus") }) } }
                            }
                        }
                    }
                }
            }
            @if let Some(s) = &r.shortages {
                h2 { (t(l, "shortages_declaration")) }
                p #shortage-total { (t(l, "total")) " " (s.totals.total) " CNY" }
            }
            @if let Some(n) = &r.note { p.hint { (n) } }
            @if !r.carry_overs.is_empty() {
                h2 { (t(l, "carry_overs")) }
                table {
                    thead { tr { th { (t(l, "list_ref")) } th { (t(l, "date")) } th { (t(l, "item")) } th.num { (t(l, "qty")) } th { (t(l, "pairing")) } } }
                    tbody { @for c in &r.carry_overs { tr { td { (c.ref_) "/" (c.line) } td { (c.date) } td { (c.item) } td.num { (c.qty) } td { (c.pairing) } } } }
                }
            }
        };
        Ok((format!("{} {}", t(l, "cycle"), r.cycle), body))
    })
    .await
}

pub async fn exposure(
    State(web): State<Web>,
    signed: Signed,
    Path(account_text): Path<String>,
) -> Result<Response, PageError> {
    let lang = signed.lang;
    let account = account(lang, &account_text)?;
    let here = format!("/app/books/{account}/exposure");
    render(&web, signed, here, move |shared, _, signed| {
        let l = signed.lang;
        let b = book(&shared.ledger, &account)?;
        let r = ledger_core::reports::exposure::exposure(&shared.ledger, &account, None)
            .map_err(refused)?;
        let grade = r.lines.iter().map(|x| x.risk).max().unwrap_or(Risk::Low);
        let body = html! {
            (header_of(l, b))
            (tabs(l, &account, "exposure"))
            h2 { (t(l, "exposure_title")) }
            p.meta {
                (t(l, "grade")) " " b #grade class={ "risk-" (grade.as_str()) } { (risk_name(l, grade)) } " · "
                (t(l, "total")) " " (r.totals.value_cny) " CNY · "
                (t(l, "thresholds")) " " (r.risk_medium_pct) "% / " (r.risk_high_pct) "%"
                @if let Some(d) = r.date { " · " (t(l, "date")) " " (d) }
            }
            table #exposure {
                thead { tr {
                    th { (t(l, "product")) } th { (t(l, "material")) } th.num { (t(l, "orders")) }
                    th.num { (t(l, "produced")) } th.num { (t(l, "issued")) } th.num { (t(l, "declared_gross")) }
                    th.num { (t(l, "actual_gross")) } th.num { (t(l, "excess_pct")) } th.num { (t(l, "excess_qty")) }
                    th.num { (t(l, "value_cny")) } th { (t(l, "grade")) }
                } }
                tbody {
                    @for x in &r.lines {
                        tr class={ "risk-" (x.risk.as_str()) } {
                            td { (x.product) } td { (x.material) } td.num { (x.orders) }
                            td.num { (x.produced) } td.num { (x.issued) }
                            td.num { (x.declared_gross.map(|d| d.to_string()).unwrap_or_default()) }
                            td.num { (x.actual_gross) }
                            td.num { (x.excess_pct.map(|d| d.to_string()).unwrap_or_default()) }
                            td.num { (x.excess_qty) }
                            td.num { (x.value_cny.map(|d| d.to_string()).unwrap_or_default()) }
                            td { (risk_name(l, x.risk)) }
                        }
                    }
                }
            }
        };
        Ok((t(l, "exposure").to_string(), body))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_month_ends_run_to_the_day_asked() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        assert_eq!(
            month_ends(d("2025-01-01"), d("2025-03-15")),
            vec![d("2025-01-31"), d("2025-02-28"), d("2025-03-15")]
        );
        assert_eq!(
            month_ends(d("2025-01-01"), d("2025-01-31")),
            vec![d("2025-01-31")]
        );
    }

    #[test]
    fn web_history_rows_say_what_they_are_about() {
        let v = serde_json::json!({"movement_recorded": {"line": {"ref": "QD-1", "line": "2", "date": "2025-01-10", "qty": "5"}}});
        assert_eq!(summary(&v), "ref QD-1 · line 2 · date 2025-01-10 · qty 5");
    }
}
