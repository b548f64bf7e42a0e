//! The routes of `bonded serve`. Every route is registered through `routes!` from its
//! `#[utoipa::path]` annotation, so the router and `/openapi.json` list the same routes
//! (`openapi.rs` tests it).
//!
//! Who may call what: recording — clerks, reviewers and admins (never an auditor); approving
//! and rejecting — reviewers (never their own submission);
//! users and books — admins; reading — every user. Reports are the JSON of the command line
//! (`--format json`), with the `log` key saying which log position they were computed from.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use ledger_core::access::{pending_items, Role};
use ledger_core::book::Setting;
use ledger_core::commands::Command;
use ledger_core::ids::{BookNo, ItemNo};
use ledger_core::refusal::InvalidValue;
use ledger_core::trade_mode::GoodsKind;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{new_token, token_sha256, Caller};
use super::body;
use super::error::{ApiError, ErrorBody};
use super::history::{self, ItemFilter};
use super::state::{read, AppState, Shared};
use super::writer::{Done, Job, Work};
use super::{MAX_BODY_BYTES, REQUEST_TIMEOUT};
use crate::input::FileKind;
use crate::session::Position;

// ---------------------------------------------------------------------------------------------
// The router
// ---------------------------------------------------------------------------------------------

/// The routes and the OpenAPI document made from the same annotations.
pub fn api() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(super::openapi::base())
        .routes(routes!(health))
        .routes(routes!(openapi_json))
        .routes(routes!(record_movements))
        .routes(routes!(record_file))
        .routes(routes!(balance))
        .routes(routes!(duty))
        .routes(routes!(deadlines))
        .routes(routes!(cycle_report))
        .routes(routes!(exposure))
        .routes(routes!(book_history))
        .routes(routes!(verify))
        .routes(routes!(list_pending))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(list_users, add_user))
        .routes(routes!(open_book))
        .routes(routes!(change_settings))
        .split_for_parts()
}

/// The whole application: routes, limits, fallbacks, state.
pub fn app(state: AppState) -> axum::Router {
    let (router, doc) = api();
    let rendered = doc
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot render the document: {e}\"}}"));
    let _ = state.openapi.set(rendered);
    router
        .fallback(no_route)
        .method_not_allowed_fallback(no_method)
        .layer(axum::middleware::from_fn(time_limit))
        .layer(axum::middleware::from_fn(size_limit))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

async fn no_route(request: Request) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!(
            "no route {} {}: the routes are listed at /openapi.json",
            request.method(),
            request.uri().path()
        ),
    )
}

async fn no_method(request: Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "{} is not a method of {}: see /openapi.json",
            request.method(),
            request.uri().path()
        ),
    )
}

/// 413 at once for a body whose declared length is over [`MAX_BODY_BYTES`], before it is
/// read; a body without a declared length is cut off at the limit as it is read.
async fn size_limit(request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match declared {
        Some(n) if n > MAX_BODY_BYTES as u64 => body_too_large().into_response(),
        _ => next.run(request).await,
    }
}

fn body_too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "the request body is over {} MiB: split it",
            MAX_BODY_BYTES / (1024 * 1024)
        ),
    )
}

/// 503 past [`REQUEST_TIMEOUT`]. A write that timed out while waiting for the writer is not
/// decided at all; one the writer had already taken may still be recorded — a retry of the
/// same lines is recognised, so retrying is safe.
async fn time_limit(request: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the request took more than {} s; it may or may not have been recorded — retry \
                 it (a repeat of the same lines is recognised and not applied twice)",
                REQUEST_TIMEOUT.as_secs()
            ),
        )
        .into_response(),
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn account(text: &str) -> Result<BookNo, ApiError> {
    text.parse()
        .map_err(|e: InvalidValue| ApiError::bad(format!("account: {e}")))
}

fn date(name: &str, text: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    text.filter(|t| !t.trim().is_empty())
        .map(|t| crate::input::parse_date(t).map_err(|e| ApiError::bad(format!("{name}: {e}"))))
        .transpose()
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(t)| t)
        .map_err(|e| ApiError::bad(format!("the query string: {}", e.body_text())))
}

fn json_body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(t)| t)
        .map_err(|e| ApiError::new(e.status(), format!("the JSON body: {}", e.body_text())))
}

fn bytes(b: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    b.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            body_too_large()
        } else {
            ApiError::new(e.status(), format!("the request body: {}", e.body_text()))
        }
    })
}

/// Where a report comes from, as the command line's JSON says it (`log`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LogRef {
    /// The global position of the last event the figures include.
    pub position: String,
    /// Its hash: `bonded verify` and `bonded export` show the same.
    pub head_hash: String,
}

impl From<&Position> for LogRef {
    fn from(p: &Position) -> Self {
        LogRef {
            position: p.seq.to_string(),
            head_hash: p.hash.clone(),
        }
    }
}

fn with_log(mut value: Value, p: &Position) -> Value {
    crate::output::audit_json(&mut value, p);
    value
}

/// A report as the JSON answer, ending with the log position it was computed from.
fn report_json<T: serde::Serialize>(report: &T, p: &Position) -> Result<Json<Value>, ApiError> {
    let value = serde_json::to_value(report)
        .map_err(|e| ApiError::internal(format!("cannot encode the report: {e}")))?;
    Ok(Json(with_log(value, p)))
}

/// Runs a read against the durable state, off the async workers.
async fn reading<T, F>(st: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Shared, &AppState) -> Result<T, ApiError> + Send + 'static,
{
    let st = st.clone();
    tokio::task::spawn_blocking(move || {
        let shared = read(&st.shared);
        if let Some(fault) = &shared.fault {
            return Err(ApiError::internal(format!(
                "{fault}; no figures are served from this store: stop the server and run \
                 `bonded verify`"
            )));
        }
        f(&shared, &st)
    })
    .await
    .map_err(|e| ApiError::internal(format!("the read failed: {e}")))?
}

fn route_refusal(r: ledger_core::Refusal) -> ApiError {
    ApiError::from_refusal(&r)
}

fn require_book(shared: &Shared, account: &BookNo) -> Result<(), ApiError> {
    match shared.ledger.book(account) {
        Some(_) => Ok(()),
        None => Err(route_refusal(ledger_core::Refusal::UnknownBook(
            account.clone(),
        ))),
    }
}

/// Hands work to the writer and waits until it is durable (or refused).
async fn submit(st: &AppState, by: &str, work: Work) -> Result<Done, ApiError> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    st.jobs
        .send(Job {
            by: by.to_string(),
            work,
            reply,
        })
        .await
        .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the server is stopping"))?;
    answer
        .await
        .map_err(|_| ApiError::internal("the writer stopped before answering"))?
}

// ---------------------------------------------------------------------------------------------
// Meta
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthReply {
    /// `ok`
    pub status: String,
    /// Events in the log.
    pub events: String,
    /// Durable appends (one disk sync each) since the server started: requests per append
    /// shows the group commit at work.
    pub appends: String,
    pub log: LogRef,
}

/// Whether the server is up, and the log's head. No token needed.
#[utoipa::path(get, path = "/health", tag = "meta",
    responses((status = 200, description = "The server is up", body = HealthReply)))]
pub async fn health(State(st): State<AppState>) -> Json<HealthReply> {
    let shared = read(&st.shared);
    Json(HealthReply {
        status: "ok".into(),
        events: shared.ledger.event_count().to_string(),
        appends: shared.appends.to_string(),
        log: (&shared.position).into(),
    })
}

/// This document. No token needed.
#[utoipa::path(get, path = "/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", body = Object)))]
pub async fn openapi_json(State(st): State<AppState>) -> Response {
    let doc = st.openapi.get().cloned().unwrap_or_else(|| "{}".into());
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        doc,
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Recording
// ---------------------------------------------------------------------------------------------

/// A line that waits for review.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PendingLine {
    /// The line of the request.
    pub line: String,
    /// The review id: `POST /pending/{id}/approve`.
    pub id: String,
    /// domestic_sales, destruction, scrap_sales, corrections, stocktakes, unit_consumption.
    pub class: Option<String>,
    pub what: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordReply {
    pub account: String,
    /// Lines in the request.
    pub lines: String,
    /// Events written (0: everything in it was recorded before; nothing applied twice).
    pub events: String,
    /// The lines that wait for a reviewer (those of this request, also when it is a retry).
    pub pending: Vec<PendingLine>,
    pub log: LogRef,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct KindQuery {
    /// The kind of file (items, bom, movements, corrections, openings, stocktake, workorders,
    /// fx, tariff, interest). A CSV body is recognised by its header without it; a JSON body
    /// needs it.
    pub kind: Option<String>,
}

/// The book a command is about, if it names one.
fn account_of(command: &Command) -> Option<&BookNo> {
    match command {
        Command::RegisterItem(i) => Some(&i.account),
        Command::DeclareUnitConsumption(b) => Some(&b.account),
        Command::ApplyPendingConsumption { account } => Some(account),
        Command::RecordMovement(l) => Some(&l.account),
        Command::CorrectMovement(c) => Some(&c.account),
        Command::RecordOpening(o) => Some(&o.account),
        Command::RecordStocktake(s) => Some(&s.account),
        Command::RecordWorkOrder(w) => Some(&w.account),
        _ => None,
    }
}

async fn record(
    st: &AppState,
    caller: &Caller,
    account: BookNo,
    (table, read_errors): (crate::input::Table, Vec<crate::input::LineError>),
) -> Result<Json<RecordReply>, ApiError> {
    let (commands, cell_errors) = crate::input::rows::commands(&table);
    let errors = body::merge(read_errors, cell_errors);
    if !errors.is_empty() {
        return Err(ApiError::from_line_errors(errors));
    }
    let mut wrong_book = Vec::new();
    for (line, command) in &commands {
        if let Some(a) = account_of(command) {
            if a != &account {
                wrong_book.push(super::error::LineMessage {
                    line: line.to_string(),
                    column: Some("account".into()),
                    message: format!(
                        "is book {a}; this request is for book {account} (POST it to /books/{a}/…)"
                    ),
                });
            }
        }
    }
    if !wrong_book.is_empty() {
        return Err(ApiError::lines(StatusCode::BAD_REQUEST, wrong_book));
    }
    require_book(&read(&st.shared), &account)?;
    let lines = commands.iter().filter(|(l, _)| *l > 0).count();
    let movement_keys: Vec<(u64, (String, u32))> = commands
        .iter()
        .filter_map(|(l, c)| match c {
            Command::RecordMovement(m) => Some((*l, (m.ref_.clone(), m.line))),
            _ => None,
        })
        .collect();
    let done = submit(st, &caller.name, Work::Lines(commands)).await?;
    let mut pending: Vec<PendingLine> = done
        .submitted
        .iter()
        .map(|s| PendingLine {
            line: s.line.to_string(),
            id: s.id.to_string(),
            class: s.class.map(|c| c.name().to_string()),
            what: s.what.clone(),
        })
        .collect();
    // A retry submits nothing new: name the reviews its lines are waiting for all the same.
    {
        let shared = read(&st.shared);
        if let Some(book) = shared.ledger.book(&account) {
            for (line, key) in &movement_keys {
                if let Some(p) = book.review.reserving(key) {
                    if !pending.iter().any(|x| x.id == p.id.to_string()) {
                        pending.push(PendingLine {
                            line: line.to_string(),
                            id: p.id.to_string(),
                            class: p.item.class().map(|c| c.name().to_string()),
                            what: p.item.describe(),
                        });
                    }
                }
            }
        }
    }
    pending.sort_by_key(|p| p.line.parse::<u64>().unwrap_or(0));
    Ok(Json(RecordReply {
        account: account.to_string(),
        lines: lines.to_string(),
        events: done.events.to_string(),
        pending,
        log: (&done.position).into(),
    }))
}

/// Record verification-list lines (movements). The body is a movements CSV file (with its
/// header row; `Content-Type: text/csv`) or JSON lines, one object per line with the same
/// column names (`Content-Type: application/x-ndjson`). All or nothing: if any line is
/// refused, nothing of the request is written. Domestic sales, destruction and scrap sales
/// (the book's `review` setting) wait for a reviewer. A retry of the same `ref`+`line` is
/// recognised and not recorded twice.
#[utoipa::path(post, path = "/books/{account}/movements", tag = "record",
    params(("account" = String, Path, description = "The book number")),
    request_body(description = "A movements CSV file, or JSON lines of movements",
        content(("text/csv"), ("application/x-ndjson"))),
    responses(
        (status = 200, description = "Recorded (or waiting for review); durable", body = RecordReply),
        (status = 400, description = "Bad input: every bad line, with its field", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "An auditor (auditors only read)", body = ErrorBody),
        (status = 404, description = "No such book", body = ErrorBody),
        (status = 413, description = "Over 8 MiB or 20,000 lines", body = ErrorBody),
        (status = 415, description = "Neither CSV nor JSON", body = ErrorBody),
        (status = 422, description = "Refused by a customs rule", body = ErrorBody),
        (status = 503, description = "Took over 30 s", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn record_movements(
    caller: Caller,
    State(st): State<AppState>,
    Path(account_text): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<RecordReply>, ApiError> {
    caller.require(
        &[Role::Clerk, Role::Reviewer, Role::Admin],
        "record movements",
    )?;
    let account = account(&account_text)?;
    let body = bytes(body)?;
    let table = body::table(&headers, &body, Some(FileKind::Movements))?;
    record(&st, &caller, account, table).await
}

/// Record a CSV file of any kind of CONTRACT.md (items, bom, movements, corrections, openings,
/// stocktake, workorders, fx, tariff, interest), as `bonded load` does with one file; or JSON
/// lines of a kind named by `?kind=`. Corrections, stocktakes and changes of declared unit
/// consumption wait for a reviewer.
#[utoipa::path(post, path = "/books/{account}/files", tag = "record",
    params(("account" = String, Path, description = "The book number"), KindQuery),
    request_body(description = "A CSV file of the contract, or JSON lines of the kind named by ?kind=",
        content(("text/csv"), ("application/x-ndjson"))),
    responses(
        (status = 200, description = "Recorded (or waiting for review); durable", body = RecordReply),
        (status = 400, description = "Bad input: every bad line, with its field", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "An auditor (auditors only read)", body = ErrorBody),
        (status = 404, description = "No such book", body = ErrorBody),
        (status = 413, description = "Over 8 MiB or 20,000 lines", body = ErrorBody),
        (status = 415, description = "Neither CSV nor JSON", body = ErrorBody),
        (status = 422, description = "Refused by a customs rule", body = ErrorBody),
        (status = 503, description = "Took over 30 s", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn record_file(
    caller: Caller,
    State(st): State<AppState>,
    Path(account_text): Path<String>,
    q: Result<Query<KindQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<RecordReply>, ApiError> {
    caller.require(&[Role::Clerk, Role::Reviewer, Role::Admin], "record files")?;
    let account = account(&account_text)?;
    let q = query(q)?;
    let kind = match q.kind.as_deref().filter(|k| !k.trim().is_empty()) {
        None => None,
        Some(k) => Some(FileKind::parse(k).ok_or_else(|| {
            ApiError::bad(format!(
                "kind={k}: not a kind of file (items, bom, movements, corrections, openings, \
                 stocktake, workorders, fx, tariff, interest)"
            ))
        })?),
    };
    let body = bytes(body)?;
    let table = body::table(&headers, &body, kind)?;
    record(&st, &caller, account, table).await
}

// ---------------------------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
pub struct AsOfQuery {
    /// Business date YYYY-MM-DD (default: today in Asia/Shanghai).
    pub as_of: Option<String>,
}

/// Per-item balances at the end of a business date: the JSON of `bonded balance`.
#[utoipa::path(get, path = "/books/{account}/balance", tag = "reports",
    params(("account" = String, Path, description = "The book number"), AsOfQuery),
    responses(
        (status = 200, description = "CONTRACT.md `balance`, with `log`", body = Object),
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
        let report = ledger_core::balance::balances(&shared.ledger, &account, as_of)
            .map_err(route_refusal)?;
        report_json(&report, &shared.position)
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DutyQuery {
    /// The month YYYY-MM (YYYY-Qn for a book that pays quarterly).
    pub month: Option<String>,
    /// Assess as of this filing date (default: the due date; a filed declaration shows as filed).
    pub filed: Option<String>,
}

/// A month's domestic-sales duty declaration: the JSON of `bonded duty`.
#[utoipa::path(get, path = "/books/{account}/duty", tag = "reports",
    params(("account" = String, Path, description = "The book number"), DutyQuery),
    responses(
        (status = 200, description = "CONTRACT.md `duty`, with `status` and `log`", body = Object),
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
    let period: ledger_core::period::Period = month
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
                ledger_core::duty::assess(&shared.ledger, &account, period, f)
                    .map_err(route_refusal)?,
                false,
            ),
            (None, None) => (
                ledger_core::duty::assess(&shared.ledger, &account, period, period.due())
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
    params(("account" = String, Path, description = "The book number"), AsOfQuery),
    responses(
        (status = 200, description = "CONTRACT.md `deadlines`, with `log`", body = Object),
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
        let report = ledger_core::deadlines::deadlines(&shared.ledger, &account, as_of)
            .map_err(route_refusal)?;
        report_json(&report, &shared.position)
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CycleQuery {
    /// The cycle number (default: the oldest cycle not yet closed).
    pub cycle: Option<String>,
    /// Value shortages as if declared on this day (default: the report's due date).
    pub filed: Option<String>,
}

/// The self-verification (write-off) report of a cycle: the JSON of `bonded cycle report`.
#[utoipa::path(get, path = "/books/{account}/cycle-report", tag = "reports",
    params(("account" = String, Path, description = "The book number"), CycleQuery),
    responses(
        (status = 200, description = "CONTRACT.md `cycle report`, with `log`", body = Object),
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
        let report = ledger_core::cycle::cycle_report(&shared.ledger, &account, cycle, filed)
            .map_err(route_refusal)?;
        report_json(&report, &shared.position)
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ExposureQuery {
    /// Value the excess as of this day (default: the latest work-order date).
    pub date: Option<String>,
}

/// Order 182 exposure: the JSON of `bonded exposure`.
#[utoipa::path(get, path = "/books/{account}/exposure", tag = "reports",
    params(("account" = String, Path, description = "The book number"), ExposureQuery),
    responses(
        (status = 200, description = "CONTRACT.md `exposure`, with `log`", body = Object),
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
        let report =
            ledger_core::exposure::exposure(&shared.ledger, &account, on).map_err(route_refusal)?;
        let value = crate::output::exposure::report_json(&report);
        Ok(Json(with_log(value, &shared.position)))
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct HistoryQuery {
    /// Only events about this item number (it names it, or moves its stock).
    pub item: Option<String>,
    /// With `item`: M, P or S (default: any).
    pub goods: Option<String>,
    /// Events per page (default 100, at most 1000).
    pub limit: Option<String>,
    /// Only events after this log position (the `next_after` of the page before).
    pub after: Option<String>,
}

/// Who recorded what in a book, and when: the book's events from the log, each with its actor,
/// recorded-at and payload, oldest first.
#[utoipa::path(get, path = "/books/{account}/history", tag = "reports",
    params(("account" = String, Path, description = "The book number"), HistoryQuery),
    responses(
        (status = 200, description = "`{account, events: [{seq, stream_seq, id, kind, actor, recorded_at, event}], next_after}`", body = Object),
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
    let filter = match q.item.as_deref().filter(|t| !t.trim().is_empty()) {
        None => None,
        Some(item) => Some(ItemFilter {
            item: item
                .parse::<ItemNo>()
                .map_err(|e: InvalidValue| ApiError::bad(format!("item: {e}")))?,
            goods: q
                .goods
                .as_deref()
                .filter(|g| !g.trim().is_empty())
                .map(|g| {
                    g.parse::<GoodsKind>()
                        .map_err(|e: InvalidValue| ApiError::bad(format!("goods: {e}")))
                })
                .transpose()?,
        }),
    };
    reading(&st, move |shared, st| {
        require_book(shared, &account)?;
        let seqs = shared
            .stream_seqs
            .get(account.as_str())
            .cloned()
            .unwrap_or_default();
        let log = read(&st.log);
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
                super::state::write(&st2.shared).fault = Some(message.clone());
                Err(ApiError::internal(message))
            }
        }
    })
    .await
    .map_err(|e| ApiError::internal(format!("verify failed: {e}")))?
}

// ---------------------------------------------------------------------------------------------
// Review
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
pub struct PendingQuery {
    /// Only this book's items (default: every book's).
    pub account: Option<String>,
}

/// The items waiting for review, oldest first per book.
#[utoipa::path(get, path = "/pending", tag = "review",
    params(PendingQuery),
    responses(
        (status = 200, description = "`{pending: [{id, account, submitted_by, class, what, item}]}`", body = Object),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 404, description = "No such book", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_pending(
    _caller: Caller,
    State(st): State<AppState>,
    q: Result<Query<PendingQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let q = query(q)?;
    let account = q
        .account
        .as_deref()
        .filter(|a| !a.trim().is_empty())
        .map(account)
        .transpose()?;
    reading(&st, move |shared, _| {
        if let Some(a) = &account {
            require_book(shared, a)?;
        }
        let list: Vec<Value> = pending_items(&shared.ledger, account.as_ref())
            .into_iter()
            .map(crate::commands::review::pending_json)
            .collect();
        Ok(Json(serde_json::json!({ "pending": list })))
    })
    .await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewReply {
    pub id: String,
    /// approved or rejected
    pub status: String,
    /// Events written: the approval and what the item gave (0: a repeat).
    pub events: String,
    pub kinds: Vec<String>,
    pub log: LogRef,
}

fn review_id(text: &str) -> Result<uuid::Uuid, ApiError> {
    text.trim()
        .parse()
        .map_err(|_| ApiError::bad(format!("{text:?} is not a review id (see GET /pending)")))
}

/// Approve an item waiting for review: it is decided against the book as it stands now and
/// takes effect. Reviewers only, and never one's own submission.
#[utoipa::path(post, path = "/pending/{id}/approve", tag = "review",
    params(("id" = String, Path, description = "The review id")),
    responses(
        (status = 200, description = "Approved and recorded; durable", body = ReviewReply),
        (status = 400, description = "Not a review id", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Not a reviewer, or one's own submission", body = ErrorBody),
        (status = 404, description = "No such review", body = ErrorBody),
        (status = 409, description = "Already approved or rejected by someone else", body = ErrorBody),
        (status = 422, description = "The book no longer allows it (it stays pending)", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn approve(
    caller: Caller,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ReviewReply>, ApiError> {
    caller.require(&[Role::Reviewer], "approve")?;
    let id = review_id(&id)?;
    let done = submit(
        &st,
        &caller.name,
        Work::One(Box::new(Command::ApproveReview {
            id,
            by: caller.name.clone(),
        })),
    )
    .await?;
    Ok(Json(ReviewReply {
        id: id.to_string(),
        status: "approved".into(),
        events: done.events.to_string(),
        kinds: done.kinds.iter().map(|k| k.to_string()).collect(),
        log: (&done.position).into(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RejectBody {
    /// Why it is rejected.
    pub reason: String,
}

/// Reject an item waiting for review, with the reason; its `ref`+`line` is free again.
#[utoipa::path(post, path = "/pending/{id}/reject", tag = "review",
    params(("id" = String, Path, description = "The review id")),
    request_body(content = RejectBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Rejected; durable", body = ReviewReply),
        (status = 400, description = "Not a review id, or no reason", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Not a reviewer", body = ErrorBody),
        (status = 404, description = "No such review", body = ErrorBody),
        (status = 409, description = "Already approved or rejected", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reject(
    caller: Caller,
    State(st): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<RejectBody>, JsonRejection>,
) -> Result<Json<ReviewReply>, ApiError> {
    caller.require(&[Role::Reviewer], "reject")?;
    let id = review_id(&id)?;
    let body = json_body(body)?;
    let done = submit(
        &st,
        &caller.name,
        Work::One(Box::new(Command::RejectReview {
            id,
            by: caller.name.clone(),
            reason: body.reason,
        })),
    )
    .await?;
    Ok(Json(ReviewReply {
        id: id.to_string(),
        status: "rejected".into(),
        events: done.events.to_string(),
        kinds: done.kinds.iter().map(|k| k.to_string()).collect(),
        log: (&done.position).into(),
    }))
}

// ---------------------------------------------------------------------------------------------
// Users and books (admins)
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct UserEntry {
    pub name: String,
    pub role: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsersReply {
    pub users: Vec<UserEntry>,
}

/// The users and their roles (admins and auditors).
#[utoipa::path(get, path = "/users", tag = "admin",
    responses(
        (status = 200, description = "Every user", body = UsersReply),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Not an admin or auditor", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_users(
    caller: Caller,
    State(st): State<AppState>,
) -> Result<Json<UsersReply>, ApiError> {
    caller.require(&[Role::Admin, Role::Auditor], "list users")?;
    let shared = read(&st.shared);
    Ok(Json(UsersReply {
        users: shared
            .ledger
            .users
            .iter()
            .map(|u| UserEntry {
                name: u.name.clone(),
                role: u.role.name().into(),
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUser {
    pub name: String,
    /// clerk, reviewer, auditor or admin
    pub role: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NewUserReply {
    pub name: String,
    pub role: String,
    /// The bearer token, shown only now: the store keeps its SHA-256.
    pub token: String,
}

/// Add a user (admins); the answer holds its token, shown only this once.
#[utoipa::path(post, path = "/users", tag = "admin",
    request_body(content = NewUser, content_type = "application/json"),
    responses(
        (status = 201, description = "Added; durable", body = NewUserReply),
        (status = 400, description = "A bad name or role", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 409, description = "The name is taken", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_user(
    caller: Caller,
    State(st): State<AppState>,
    body: Result<Json<NewUser>, JsonRejection>,
) -> Result<(StatusCode, Json<NewUserReply>), ApiError> {
    caller.require(&[Role::Admin], "add users")?;
    let body = json_body(body)?;
    let role: Role = body
        .role
        .parse()
        .map_err(|e: InvalidValue| ApiError::bad(format!("role: {e}")))?;
    let token = new_token().map_err(|e| ApiError::internal(format!("{e:#}")))?;
    let name = body.name.trim().to_string();
    submit(
        &st,
        &caller.name,
        Work::One(Box::new(Command::AddUser {
            name: name.clone(),
            role,
            token_sha256: token_sha256(&token),
        })),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(NewUserReply {
            name,
            role: role.name().into(),
            token,
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewBook {
    /// Book number (E…, B… or C…, 12 characters).
    pub account: String,
    /// The company's 10-character customs code.
    pub company: String,
    /// purchased or supplied
    pub kind: String,
    /// part or item
    pub level: String,
    /// The capacity cap in USD, a decimal string.
    pub capacity_usd: String,
    /// First day of the first write-off cycle.
    pub cycle_start: String,
    pub cycle_months: u32,
    /// Allowed 4-digit HS headings.
    #[serde(default)]
    pub headings: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BookReply {
    pub account: String,
    /// Events written (0: it was already so).
    pub events: String,
    pub log: LogRef,
}

/// Open a book (admins), as `bonded account open`.
#[utoipa::path(post, path = "/books", tag = "admin",
    request_body(content = NewBook, content_type = "application/json"),
    responses(
        (status = 200, description = "Opened (or already open as given); durable", body = BookReply),
        (status = 400, description = "A bad field", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 422, description = "Already open otherwise", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn open_book(
    caller: Caller,
    State(st): State<AppState>,
    body: Result<Json<NewBook>, JsonRejection>,
) -> Result<Json<BookReply>, ApiError> {
    caller.require(&[Role::Admin], "open books")?;
    let b = json_body(body)?;
    let kind = match b.kind.trim() {
        "purchased" => crate::cli::KindArg::Purchased,
        "supplied" => crate::cli::KindArg::Supplied,
        other => {
            return Err(ApiError::bad(format!(
                "kind: {other:?} is not purchased or supplied"
            )))
        }
    };
    let level = match b.level.trim() {
        "part" => crate::cli::LevelArg::Part,
        "item" => crate::cli::LevelArg::Item,
        other => {
            return Err(ApiError::bad(format!(
                "level: {other:?} is not part or item"
            )))
        }
    };
    let flags = crate::cli::AccountOpen {
        account: b.account,
        company: b.company,
        kind,
        level,
        capacity_usd: b.capacity_usd,
        cycle_start: b.cycle_start,
        cycle_months: b.cycle_months,
        headings: Some(b.headings.join(",")).filter(|h| !h.is_empty()),
    };
    let header = crate::input::rows::header_from_flags(&flags).map_err(ApiError::bad)?;
    let account = header.account.clone();
    let done = submit(
        &st,
        &caller.name,
        Work::One(Box::new(Command::OpenBook(header))),
    )
    .await?;
    Ok(Json(BookReply {
        account: account.to_string(),
        events: done.events.to_string(),
        log: (&done.position).into(),
    }))
}

/// Change a book's settings (admins), as `bonded account set`: a JSON object of KEY: VALUE
/// strings, e.g. `{"review": "domestic_sales,destruction"}` or `{"review": "none"}`.
#[utoipa::path(post, path = "/books/{account}/settings", tag = "admin",
    params(("account" = String, Path, description = "The book number")),
    request_body(content = Object, content_type = "application/json"),
    responses(
        (status = 200, description = "Changed (or already so); durable", body = BookReply),
        (status = 400, description = "A bad setting", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such book", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn change_settings(
    caller: Caller,
    State(st): State<AppState>,
    Path(account_text): Path<String>,
    body: Result<Json<serde_json::Map<String, Value>>, JsonRejection>,
) -> Result<Json<BookReply>, ApiError> {
    caller.require(&[Role::Admin], "change settings")?;
    let account = account(&account_text)?;
    let body = json_body(body)?;
    if body.is_empty() {
        return Err(ApiError::bad(
            "give at least one setting, as {\"KEY\": \"VALUE\"}",
        ));
    }
    let mut changes = Vec::new();
    for (key, value) in &body {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            other => {
                return Err(ApiError::bad(format!(
                    "{key}: {other} is not a text; settings are strings"
                )))
            }
        };
        changes.push(Setting::parse(key, &text).map_err(|r| ApiError::bad(r.to_string()))?);
    }
    let done = submit(
        &st,
        &caller.name,
        Work::One(Box::new(Command::ChangeSettings {
            account: account.clone(),
            changes,
        })),
    )
    .await?;
    Ok(Json(BookReply {
        account: account.to_string(),
        events: done.events.to_string(),
        log: (&done.position).into(),
    }))
}
