//! The routes that read a book: balance, duty, deadlines, cycle report, exposure, history (the
//! JSON of the command line's reports), and `verify` of the whole log. Every user may read.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use ledger_core::model::ids::ItemNo;
use ledger_core::model::refusal::InvalidValue;
use ledger_core::model::trade_mode::GoodsKind;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::plumbing::{
    account, date, query, reading, report_json, require_book, route_refusal, with_log,
};
use crate::serve::auth::Caller;
use crate::serve::error::{ApiError, ErrorBody};
use crate::serve::history::{self, ItemFilter};
use crate::serve::state::{read, AppState};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfQuery {
    /// Business date YYYY-MM-DD (also YYYY/M/D, YYYYMMDD; default: today in Asia/Shanghai).
    #[param(
        pattern = r"^\s*([0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}|[0-9]{8})?\s*$"
    )]
    pub as_of: Option<String>,
}

/// Per-item balances at the end of a business date: the JSON of `bonded balance`.
#[utoipa::path(get, path = "/books/{account}/balance", tag = "reports",
    params(("account" = String, Path, description = "The book number", pattern = r"^[EBC][0-9A-Z]{11}$"), AsOfQuery),
    responses(
        (status = 200, description = "The balances (`bonded balance --format json`), with `log`", body = super::schemas::BalanceAnswer),
        (status = 400, description = "A bad date", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 404, description = "No such book", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn balance(
    _caller: Caller,
    State(st): State<AppState>,
    Path(account_text): Path<String>,
    q: Result<Query<AsOfQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let account = account(&account_text)?;
    let q = query(q)?;
    let as_of = date("as_of", q.as_of.as_deref())?.unwrap_or_else(crate::today_shanghai);
    reading(&st, move |shared, _| {
        let report = ledger_core::state::balance::balances(&shared.ledger, &account, as_of)
            .map_err(route_refusal)?;
        report_json(&report, &shared.position)
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DutyQuery {
    /// The month YYYY-MM (YYYY-Qn for a book that pays quarterly).
    #[param(
        required = true,
        pattern = r"^\s*[0-9]{4}-(0[1-9]|1[0-2]|[Qq][1-4])\s*$"
    )]
    pub month: Option<String>,
    /// Assess as of this filing date (default: the due date; a filed declaration shows as filed).
    #[param(
        pattern = r"^\s*([0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}|[0-9]{8})?\s*$"
    )]
    pub filed: Option<String>,
}

/// A month's domestic-sales duty declaration: the JSON of `bonded duty`.
#[utoipa::path(get, path = "/books/{account}/duty", tag = "reports",
    params(("account" = String, Path, description = "The book number", pattern = r"^[EBC][0-9A-Z]{11}$"), DutyQuery),
    responses(
        (status = 200, description = "The declaration (`bonded duty --format json`), with `status` and `log`", body = super::schemas::DutyAnswer),
        (status = 400, description = "A bad month or date", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 404, description = "No such book", body = ErrorBody),
        (status = 422, description = "Cannot be assessed (no tariff, no rate)", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn duty(
    _caller: Caller,
    State(st): State<AppState>,
    Path(account_text): Path<String>,
    q: Result<Query<DutyQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let account = account(&account_text)?;
    let q = query(q)?;
    let month = q
        .month
        .ok_or_else(|| ApiError::bad("month: give the month, ?month=YYYY-MM"))?;
    let period: ledger_core::model::period::Period = month
        .parse()
        .map_err(|e: InvalidValue| ApiError::bad(format!("month: {e}")))?;
    let filed = date("filed", q.filed.as_deref())?;
    reading(&st, move |shared, _| {
        let book = shared
            .ledger
            .book(&account)
            .ok_or_else(|| route_refusal(ledger_core::Refusal::UnknownBook(account.clone())))?;
        ledger_core::decide::check_duty_period(book, period).map_err(route_refusal)?;
        let (declaration, is_filed) = match (filed, book.duty_filed.get(&period)) {
            (None, Some(d)) => (d.clone(), true),
            (Some(f), _) => (
                ledger_core::reports::duty::assess(&shared.ledger, &account, period, f)
                    .map_err(route_refusal)?,
                false,
            ),
            (None, None) => (
                ledger_core::reports::duty::assess(&shared.ledger, &account, period, period.due())
                    .map_err(route_refusal)?,
                false,
            ),
        };
        let value = crate::output::duty::declaration_json(&declaration, is_filed);
        Ok(Json(with_log(value, &shared.position)))
    })
    .await
}

/// Every obligation with its due date and state: the JSON of `bonded deadlines`.
#[utoipa::path(get, path = "/books/{account}/deadlines", tag = "reports",
    params(("account" = String, Path, description = "The book number", pattern = r"^[EBC][0-9A-Z]{11}$"), AsOfQuery),
    responses(
        (status = 200, description = "The obligations (`bonded deadlines --format json`), with `log`", body = super::schemas::DeadlinesAnswer),
        (status = 400, description = "A bad date", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 404, description = "No such book", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn deadlines(
    _caller: Caller,
    State(st): State<AppState>,
    Path(account_text): Path<String>,
    q: Result<Query<AsOfQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let account = account(&account_text)?;
    let q = query(q)?;
    let as_of = date("as_of", q.as_of.as_deref())?.unwrap_or_else(crate::today_shanghai);
    reading(&st, move |shared, _| {
        let report = crate::commands::deadlines::report(&shared.ledger, &account, as_of)
            .map_err(route_refusal)?;
        report_json(&report, &shared.position)
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CycleQuery {
    /// The cycle number (default: the oldest cycle not yet closed).
    #[param(pattern = r"^\s*([0-9]{1,6})?\s*$")]
    pub cycle: Option<String>,
    /// Value shortages as if declared on this day (default: the report's due date).
    #[param(
        pattern = r"^\s*([0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}|[0-9]{8})?\s*$"
    )]
    pub filed: Option<String>,
}

/// The self-verification (write-off) report of a cycle: the JSON of `bonded cycle report`.
#[utoipa::path(get, path = "/books/{account}/cycle-report", tag = "reports",
    params(("account" = String, Path, description = "The book number", pattern = r"^[EBC][0-9A-Z]{11}$"), CycleQuery),
    responses(
        (status = 200, description = "The write-off report (`bonded cycle report --format json`), with `log`", body = super::schemas::CycleAnswer),
        (status = 400, description = "A bad cycle or date", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 404, description = "No such book", body = ErrorBody),
        (status = 422, description = "Cannot be valued", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn cycle_report(
    _caller: Caller,
    State(st): State<AppState>,
    Path(account_text): Path<String>,
    q: Result<Query<CycleQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let account = account(&account_text)?;
    let q = query(q)?;
    let cycle = match q.cycle.as_deref().filter(|c| !c.trim().is_empty()) {
        None => None,
        Some(c) => Some(
            c.trim()
                .parse::<i64>()
                .map_err(|_| ApiError::bad(format!("cycle: {c:?} is not a whole number")))?,
        ),
    };
    let filed = date("filed", q.filed.as_deref())?;
    reading(&st, move |shared, _| {
        let report =
            ledger_core::reports::cycle::cycle_report(&shared.ledger, &account, cycle, filed)
                .map_err(route_refusal)?;
        report_json(&report, &shared.position)
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExposureQuery {
    /// Value the excess as of this day (default: the latest work-order date).
    #[param(
        pattern = r"^\s*([0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}|[0-9]{8})?\s*$"
    )]
    pub date: Option<String>,
}

/// Order 182 exposure: the JSON of `bonded exposure`.
#[utoipa::path(get, path = "/books/{account}/exposure", tag = "reports",
    params(("account" = String, Path, description = "The book number", pattern = r"^[EBC][0-9A-Z]{11}$"), ExposureQuery),
    responses(
        (status = 200, description = "The exposure (`bonded exposure --format json`), with `log`", body = super::schemas::ExposureAnswer),
        (status = 400, description = "A bad date", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 404, description = "No such book", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn exposure(
    _caller: Caller,
    State(st): State<AppState>,
    Path(account_text): Path<String>,
    q: Result<Query<ExposureQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let account = account(&account_text)?;
    let q = query(q)?;
    let on = date("date", q.date.as_deref())?;
    reading(&st, move |shared, _| {
        let report = ledger_core::reports::exposure::exposure(&shared.ledger, &account, on)
            .map_err(route_refusal)?;
        let value = crate::output::exposure::report_json(&report);
        Ok(Json(with_log(value, &shared.position)))
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Only events about this item number (it names it, or moves its stock), 1 to 999999.
    #[param(pattern = r"^\s*([1-9][0-9]{0,5})?\s*$")]
    pub item: Option<String>,
    /// With `item`: M (material), P (finished) or S (scrap) (default: any).
    #[param(pattern = r"^\s*([MPSIEmpsie]|料件|成品|边角料)?\s*$")]
    pub goods: Option<String>,
    /// Events per page (default 100, at most 1000).
    #[param(pattern = r"^\s*([1-9][0-9]{0,2}|1000)?\s*$")]
    pub limit: Option<String>,
    /// Only events after this log position (the `next_after` of the page before).
    #[param(pattern = r"^\s*([0-9]{1,18})?\s*$")]
    pub after: Option<String>,
}

/// Who recorded what in a book, and when: the book's events from the log, each with its actor,
/// recorded-at and payload, oldest first.
#[utoipa::path(get, path = "/books/{account}/history", tag = "reports",
    params(("account" = String, Path, description = "The book number", pattern = r"^[EBC][0-9A-Z]{11}$"), HistoryQuery),
    responses(
        (status = 200, description = "A page of the book's events", body = super::schemas::HistoryAnswer),
        (status = 400, description = "A bad parameter", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 404, description = "No such book", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn book_history(
    _caller: Caller,
    State(st): State<AppState>,
    Path(account_text): Path<String>,
    q: Result<Query<HistoryQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let account = account(&account_text)?;
    let q = query(q)?;
    let whole = |name: &str, v: Option<&str>| -> Result<Option<u64>, ApiError> {
        v.filter(|t| !t.trim().is_empty())
            .map(|t| {
                t.trim()
                    .parse::<u64>()
                    .map_err(|_| ApiError::bad(format!("{name}: {t:?} is not a whole number")))
            })
            .transpose()
    };
    let limit = whole("limit", q.limit.as_deref())?
        .map(|l| l as usize)
        .unwrap_or(history::DEFAULT_LIMIT);
    if limit == 0 || limit > history::MAX_LIMIT {
        return Err(ApiError::bad(format!(
            "limit: from 1 to {}, not {limit}",
            history::MAX_LIMIT
        )));
    }
    let after = whole("after", q.after.as_deref())?.unwrap_or(0);
    // `goods` is checked even without `item` (where it narrows nothing): a bad value is 400.
    let goods = q
        .goods
        .as_deref()
        .filter(|g| !g.trim().is_empty())
        .map(|g| {
            g.parse::<GoodsKind>()
                .map_err(|e: InvalidValue| ApiError::bad(format!("goods: {e}")))
        })
        .transpose()?;
    let filter = match q.item.as_deref().filter(|t| !t.trim().is_empty()) {
        None => None,
        Some(item) => Some(ItemFilter {
            item: item
                .parse::<ItemNo>()
                .map_err(|e: InvalidValue| ApiError::bad(format!("item: {e}")))?,
            goods,
        }),
    };
    reading(&st, move |shared, st| {
        require_book(shared, &account)?;
        // An item's history reads the positions that touch it (the index, once built after a
        // start), else every position of the book; the page filters either way.
        let log = read(&st.log);
        let seqs = match filter.and_then(|f| shared.history.item(account.as_str(), f)) {
            Some(seqs) => seqs,
            None => shared.history.stream(&log, account.as_str())?,
        };
        let (events, next) = history::page(&log, &seqs, filter, after, limit)?;
        Ok(Json(serde_json::json!({
            "account": account.to_string(),
            "item": filter.map(|f| f.item.to_string()),
            "events": events,
            "next_after": next.map(|n| n.to_string()),
        })))
    })
    .await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyReply {
    pub ok: bool,
    pub events: String,
    pub head_seq: String,
    pub head_hash: String,
}

/// Check every record and the hash chain, as `bonded verify` does. A failure is 500, and from
/// then on the server serves no figures.
#[utoipa::path(get, path = "/verify", tag = "reports",
    responses(
        (status = 200, description = "Every record checks; the chain is intact", body = VerifyReply),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 500, description = "The log is damaged: the first bad record", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn verify(
    _caller: Caller,
    State(st): State<AppState>,
) -> Result<Json<VerifyReply>, ApiError> {
    let st2 = st.clone();
    tokio::task::spawn_blocking(move || {
        let result = {
            let log = read(&st2.log);
            ledger_store::EventLog::verify(&*log)
        };
        match result {
            Ok(report) => Ok(Json(VerifyReply {
                ok: true,
                events: report.events.to_string(),
                head_seq: report.head.seq.to_string(),
                head_hash: hex::encode(report.head.hash),
            })),
            Err(e) => {
                let message = format!("verify failed: {e}");
                crate::serve::state::write(&st2.shared).fault = Some(message.clone());
                Err(ApiError::internal(message))
            }
        }
    })
    .await
    .map_err(|e| ApiError::internal(format!("verify failed: {e}")))?
}
