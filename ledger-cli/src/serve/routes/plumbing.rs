//! What every route of `bonded serve` shares: the fallbacks (404, 405 as `{error}` bodies),
//! the size and time limits (413, 503), reading a request's parts into located errors, the
//! `log` key of every report, and the two ways a handler gets work done — a read against the
//! durable state off the async workers (`reading`), a write through the writer (`submit`).

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use ledger_core::model::ids::BookNo;
use ledger_core::model::refusal::InvalidValue;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::serve::error::ApiError;
use crate::serve::state::{read, AppState, Shared};
use crate::serve::writer::{Done, Job, Work};
use crate::serve::{MAX_BODY_BYTES, REQUEST_TIMEOUT};
use crate::session::Position;

pub(super) async fn no_route(request: Request) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!(
            "no route {} {}: the routes are listed at /openapi.json",
            request.method(),
            request.uri().path()
        ),
    )
}

pub(super) async fn no_method(request: Request) -> ApiError {
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
pub(super) async fn size_limit(request: Request, next: Next) -> Response {
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
pub(super) async fn time_limit(request: Request, next: Next) -> Response {
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

pub(super) fn account(text: &str) -> Result<BookNo, ApiError> {
    text.parse()
        .map_err(|e: InvalidValue| ApiError::bad(format!("account: {e}")))
}

pub(super) fn date(name: &str, text: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    text.filter(|t| !t.trim().is_empty())
        .map(|t| crate::input::parse_date(t).map_err(|e| ApiError::bad(format!("{name}: {e}"))))
        .transpose()
}

pub(super) fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(t)| t)
        .map_err(|e| ApiError::bad(format!("the query string: {}", e.body_text())))
}

/// A JSON body: 415 without `Content-Type: application/json`, 400 for anything malformed —
/// also a field of the wrong type (axum says 422; in this API 422 is a customs refusal).
/// A JSON body (`Content-Type: application/json`, else 415) read as serde reads it, except
/// that an object naming a key twice is refused (400): readers disagree on which value wins,
/// and a setting or a role must not depend on that. A body of the wrong shape is 400.
pub(super) struct UniqueJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequest<S>
    for UniqueJson<T>
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "the body is JSON: send it with `Content-Type: application/json`",
            ));
        }
        let body = bytes(Bytes::from_request(req, state).await)?;
        let text = std::str::from_utf8(&body)
            .map_err(|_| ApiError::bad("the JSON body is not UTF-8 text"))?;
        let value = crate::input::json_unique::from_str(text)
            .map_err(|e| ApiError::bad(format!("the JSON body: {e}")))?;
        serde_json::from_value(value)
            .map(UniqueJson)
            .map_err(|e| ApiError::bad(format!("the JSON body: {e}")))
    }
}

pub(super) fn bytes(b: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
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

pub(super) fn with_log(mut value: Value, p: &Position) -> Value {
    crate::output::audit_json(&mut value, p);
    value
}

/// A report as the JSON answer, ending with the log position it was computed from.
pub(super) fn report_json<T: serde::Serialize>(
    report: &T,
    p: &Position,
) -> Result<Json<Value>, ApiError> {
    let value = serde_json::to_value(report)
        .map_err(|e| ApiError::internal(format!("cannot encode the report: {e}")))?;
    Ok(Json(with_log(value, p)))
}

/// Runs a read against the durable state, off the async workers.
pub(super) async fn reading<T, F>(st: &AppState, f: F) -> Result<T, ApiError>
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

pub(super) fn route_refusal(r: ledger_core::Refusal) -> ApiError {
    ApiError::from_refusal(&r)
}

pub(super) fn require_book(shared: &Shared, account: &BookNo) -> Result<(), ApiError> {
    match shared.ledger.book(account) {
        Some(_) => Ok(()),
        None => Err(route_refusal(ledger_core::Refusal::UnknownBook(
            account.clone(),
        ))),
    }
}

/// Hands work to the writer and waits until it is durable (or refused).
pub(super) async fn submit(st: &AppState, by: &str, work: Work) -> Result<Done, ApiError> {
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
