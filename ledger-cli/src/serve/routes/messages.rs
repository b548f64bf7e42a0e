//! The routes of a book's verification lists with customs: a message file recorded (an INV101
//! list, the client's result, a customs receipt — as `bonded load` does with an XML file), the
//! lists and their stage, a list exported as INV101 (recorded as exported: a write, through the
//! writer), and the reconciliation of the book with customs' receipts.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ledger_core::events::commands::Command;
use ledger_core::model::review::Role;
use ledger_core::Event;
use ledger_store::{EventLog, StoredEvent};

use crate::session::store::Log;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::plumbing::{
    account, bytes, date, query, reading, report_json, require_book, route_refusal, submit, LogRef,
};
use crate::commands::lists::{
    build_export, counted_lines, now_shanghai, reconcile_lines, stage, Exported,
};
use crate::input::xml::read_message_bytes;
use crate::serve::auth::Caller;
use crate::serve::error::{ApiError, ErrorBody};
use crate::serve::state::{read, AppState, Shared};
use crate::serve::writer::Work;
use ledger_core::events::lists::ListExported;
use ledger_core::model::ids::BookNo;
use ledger_core::reports::lists::Reconciliation;

/// The records of the book's stream, read from the log one position at a time.
fn book_records<'a>(
    log: &'a Log,
    seqs: &'a [u64],
) -> impl Iterator<Item = Result<StoredEvent, ledger_store::StoreError>> + 'a {
    seqs.iter().filter_map(move |&seq| log.scan(seq).next())
}

fn internal(e: anyhow::Error) -> ApiError {
    ApiError::internal(format!(
        "cannot read the book's movements from the log: {e:#}"
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageReply {
    pub account: String,
    /// `INV101 list`, `client result`, `INV201 receipt`, `INV202 receipt`, `INV211 receipt`,
    /// `EMS221 receipt`.
    pub kind: String,
    /// The list it is about, when the book holds it.
    #[serde(rename = "ref")]
    pub ref_: Option<String>,
    /// The list's stage after it (a receipt implying an earlier stage leaves it as it was).
    pub status: Option<String>,
    /// Events written (0: the message was recorded before; nothing applied twice).
    pub events: String,
    pub already_recorded: bool,
    pub log: LogRef,
}

fn is_xml(headers: &HeaderMap) -> Result<(), ApiError> {
    let essence = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
    match essence.as_deref() {
        None | Some("application/xml" | "text/xml" | "application/octet-stream" | "") => Ok(()),
        Some(other) => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Content-Type {other}: a message file is sent as application/xml or text/xml"),
        )),
    }
}

/// Record a customs message file: an INV101 verification list (its lines are recorded as
/// movements, all or nothing, like a movements file), the declaration client's import result
/// (`CommonResponeMessage`, matched to its list by `?file_name=`, the name the client gave it),
/// or a customs receipt (INV201, INV202, INV211, EMS221), recognised by content in the encoding
/// it declares (UTF-8, GB2312/GBK/GB18030). The same message again changes nothing.
#[utoipa::path(post, path = "/books/{account}/messages", tag = "record",
    params(("account" = String, Path, description = "The book number"), FileNameQuery),
    request_body(description = "The message file, as the client or customs wrote it",
        content(("application/xml"), ("text/xml"))),
    responses(
        (status = 200, description = "Recorded (or recorded before); durable", body = MessageReply),
        (status = 400, description = "Not a message bonded reads, a list that does not read as movements, a message for another book", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "An auditor (auditors only read)", body = ErrorBody),
        (status = 404, description = "No such book", body = ErrorBody),
        (status = 413, description = "Over 8 MiB", body = ErrorBody),
        (status = 415, description = "Not XML", body = ErrorBody),
        (status = 422, description = "Refused by a customs rule", body = ErrorBody),
        (status = 503, description = "Took over 30 s", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn record_message(
    caller: Caller,
    State(st): State<AppState>,
    Path(account_text): Path<String>,
    q: Result<axum::extract::Query<FileNameQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<MessageReply>, ApiError> {
    caller.require(
        &[Role::Clerk, Role::Reviewer, Role::Admin],
        "record customs messages",
    )?;
    let account = account(&account_text)?;
    let q = query(q)?;
    is_xml(&headers)?;
    let body = bytes(body)?;
    let name = q
        .file_name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "request".to_string());
    record_message_file(&st, &caller, account, &name, &body)
        .await
        .map(Json)
}

/// Records a message file (`name` as the client named it) for `account`, as `POST
/// /books/{account}/messages` does: also the browser workspace's upload of an XML file.
pub(crate) async fn record_message_file(
    st: &AppState,
    caller: &Caller,
    account: BookNo,
    name: &str,
    body: &[u8],
) -> Result<MessageReply, ApiError> {
    // The workspace's upload names the book in its form, not its path: checked here too.
    caller.require_book(&account)?;
    let message = read_message_bytes(name, body).map_err(ApiError::from_line_errors)?;
    let (commands, said) = {
        let shared = read(&st.shared);
        require_book(&shared, &account)?;
        // A message is read, and a receipt matched to its book, among the books the caller may
        // see: to a user granted some books only, another company's book is one the store does
        // not hold.
        let view = caller.restricted().then(|| {
            let mut view = ledger_core::Ledger::new();
            view.books = shared
                .ledger
                .books
                .iter()
                .filter(|(a, _)| caller.may_see(a))
                .map(|(a, b)| (a.clone(), b.clone()))
                .collect();
            view
        });
        let commands = message
            .commands(view.as_ref().unwrap_or(&shared.ledger))
            .map_err(ApiError::from_line_errors)?;
        let mut said = None;
        for (line, c) in &commands {
            let book = match c {
                Command::RecordMovement(m) => Some(m.account.clone()),
                Command::RecordReceipt { .. } if view.is_some() => {
                    let view = view.as_ref().unwrap_or(&shared.ledger);
                    match ledger_core::decide(view, c) {
                        Err(r) => return Err(ApiError::from_refusals(&[(*line, r)])),
                        Ok(decided) => decided.into_iter().find_map(|d| match d.event {
                            Event::ReceiptRecorded(r) => {
                                let book = r.account.clone();
                                said = Some(r);
                                Some(book)
                            }
                            _ => None,
                        }),
                    }
                }
                Command::RecordReceipt { .. } => match ledger_core::decide(&shared.ledger, c) {
                    // Refused: the writer says why.
                    Err(_) => None,
                    Ok(decided) => decided.into_iter().find_map(|d| match d.event {
                        Event::ReceiptRecorded(r) => {
                            let book = r.account.clone();
                            said = Some(r);
                            Some(book)
                        }
                        _ => None,
                    }),
                },
                _ => None,
            };
            if let Some(book) = book.filter(|b| b != &account) {
                return Err(ApiError::bad(format!(
                    "the message is for book {book}; this request is for book {account} (POST it to /books/{book}/messages)"
                )));
            }
        }
        (commands, said)
    };
    let done = submit(st, &caller.name, Work::Lines(commands)).await?;
    let ref_ = said.as_ref().and_then(|r| r.ref_.clone());
    let status = {
        let shared = read(&st.shared);
        ref_.as_deref()
            .or(match &message.received.message {
                ledger_core::messages::Message::Inv101(d) => {
                    Some(d.head.etps_inner_invt_no.as_str())
                }
                _ => None,
            })
            .and_then(|r| shared.ledger.book(&account)?.lists.get(r))
            .map(|l| l.stage.to_string())
    };
    Ok(MessageReply {
        account: account.to_string(),
        kind: message.kind().to_string(),
        ref_,
        status,
        events: done.events.to_string(),
        already_recorded: done.events == 0,
        log: (&done.position).into(),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileNameQuery {
    /// The file's name: a client result (`Successed_INV101-…`) is matched to its list by it.
    pub file_name: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatusQuery {
    /// Only the lists at this stage (recorded, exported, staged, declared, failed, received,
    /// review, returned, approved, pre_deducted, deducted, deleted, written_off).
    #[param(
        pattern = r"^\s*(recorded|exported|staged|declared|failed|received|review|returned|approved|pre_deducted|deducted|deleted|written_off)?\s*$"
    )]
    pub status: Option<String>,
}

/// The book's verification lists and their stage with customs: the JSON of `bonded lists`.
#[utoipa::path(get, path = "/books/{account}/lists", tag = "reports",
    params(("account" = String, Path, description = "The book number"), StatusQuery),
    responses(
        (status = 200, description = "The lists (`bonded lists --format json`), with `log`", body = super::schemas::ListsAnswer),
        (status = 400, description = "A bad stage", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 404, description = "No such book", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn lists(
    _caller: Caller,
    State(st): State<AppState>,
    Path(account_text): Path<String>,
    q: Result<axum::extract::Query<StatusQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let account = account(&account_text)?;
    let q = query(q)?;
    let status = q
        .status
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| stage(s).map_err(|e| ApiError::bad(format!("status: {e}"))))
        .transpose()?;
    reading(&st, move |shared, _| {
        let report = ledger_core::reports::lists::list_report(&shared.ledger, &account, status)
            .map_err(route_refusal)?;
        report_json(&report, &shared.position)
    })
    .await
}

/// Write a list as the INV101 file the customs declaration client imports, and record that it
/// was written (the list shows `exported`; the next export is the next try). The answer is the
/// file itself, its name in `Content-Disposition`. A value the list needs and the book does not
/// have: 400 naming every element and where to set it; nothing recorded.
#[utoipa::path(post, path = "/books/{account}/lists/{ref}/export", tag = "record",
    params(("account" = String, Path, description = "The book number"),
        ("ref" = String, Path, description = "The list: the movements' ref")),
    responses(
        (status = 200, description = "The INV101 file (application/xml); recorded as exported", content_type = "application/xml", body = String),
        (status = 400, description = "No such list, or values missing: each element and where to set it", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "An auditor (auditors only read)", body = ErrorBody),
        (status = 404, description = "No such book", body = ErrorBody),
        (status = 409, description = "Exported by another request at the same time: retry", body = ErrorBody),
        (status = 503, description = "Took over 30 s", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn export_list(
    caller: Caller,
    State(st): State<AppState>,
    Path((account_text, ref_)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Clerk, Role::Reviewer, Role::Admin], "export lists")?;
    let account = account(&account_text)?;
    let now = now_shanghai();
    let (file, event) = reading(&st, move |shared, st| {
        list_export(shared, st, &account, &ref_, now)
    })
    .await?;
    submit(
        &st,
        &caller.name,
        Work::One(Box::new(Command::RecordListExport(event))),
    )
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/xml".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file.file_name),
            ),
        ],
        file.bytes,
    )
        .into_response())
}

/// Where the book and customs' receipts disagree: the JSON of `bonded reconcile` (an empty
/// `differences`: they agree).
#[utoipa::path(get, path = "/books/{account}/reconcile", tag = "reports",
    params(("account" = String, Path, description = "The book number"), super::reports::AsOfQuery),
    responses(
        (status = 200, description = "The differences (`bonded reconcile --format json`), with `log`", body = super::schemas::ReconcileAnswer),
        (status = 400, description = "A bad date", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 404, description = "No such book", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reconcile(
    _caller: Caller,
    State(st): State<AppState>,
    Path(account_text): Path<String>,
    q: Result<axum::extract::Query<super::reports::AsOfQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let account = account(&account_text)?;
    let q = query(q)?;
    let as_of = date("as_of", q.as_of.as_deref())?.unwrap_or_else(crate::today_shanghai);
    reading(&st, move |shared, st| {
        let r = reconciliation(shared, st, &account, as_of)?;
        report_json(&r, &shared.position)
    })
    .await
}

/// The book, and the log positions of its events (its movements are read back from there).
fn book_and_positions<'a>(
    shared: &'a Shared,
    log: &Log,
    account: &BookNo,
) -> Result<(&'a ledger_core::state::ledger::Book, Vec<u64>), ApiError> {
    require_book(shared, account)?;
    let book = shared
        .ledger
        .book(account)
        .ok_or_else(|| route_refusal(ledger_core::Refusal::UnknownBook(account.clone())))?;
    let seqs = shared.history.stream(log, account.as_str())?;
    Ok((book, seqs))
}

/// The INV101 of list `ref_` as the book holds it now, and the event recording its export; the
/// file is not recorded as exported until the event is written.
pub(crate) fn list_export(
    shared: &Shared,
    st: &AppState,
    account: &BookNo,
    ref_: &str,
    now: chrono::NaiveDateTime,
) -> Result<(Exported, ListExported), ApiError> {
    let log = read(&st.log);
    let (book, seqs) = book_and_positions(shared, &log, account)?;
    let lines = counted_lines(book_records(&log, &seqs), book, |r| r == ref_)
        .map_err(internal)?
        .remove(ref_)
        .unwrap_or_default();
    build_export(&shared.ledger, account, ref_, &lines, now).map_err(|e| {
        let status = match e.code {
            crate::exit::BAD_INPUT => StatusCode::BAD_REQUEST,
            crate::exit::REFUSED => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::NOT_FOUND,
        };
        ApiError::new(status, e.message)
    })
}

/// Where the book and customs' receipts disagree as of `as_of`.
pub(crate) fn reconciliation(
    shared: &Shared,
    st: &AppState,
    account: &BookNo,
    as_of: chrono::NaiveDate,
) -> Result<Reconciliation, ApiError> {
    let log = read(&st.log);
    let (book, seqs) = book_and_positions(shared, &log, account)?;
    let movements = reconcile_lines(book_records(&log, &seqs), book).map_err(internal)?;
    ledger_core::reports::lists::reconcile(&shared.ledger, account, as_of, &movements)
        .map_err(route_refusal)
}
