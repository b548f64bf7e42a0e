//! The routes that record: movements and files of any kind into a book, all or nothing;
//! reviewable lines submitted for review instead (clerks, reviewers, admins).

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use ledger_core::events::commands::Command;
use ledger_core::model::ids::BookNo;
use ledger_core::model::review::Role;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::plumbing::{account, bytes, query, require_book, submit, LogRef};
use crate::input::FileKind;
use crate::serve::auth::Caller;
use crate::serve::body;
use crate::serve::error::{ApiError, ErrorBody};
use crate::serve::state::{read, AppState};
use crate::serve::writer::Work;

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

/// What a request asked for that the ledger did not do, though nothing is wrong with it (the
/// notices `bonded load` says on stderr): the line is recorded all the same.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticeLine {
    /// The line of the request (a CSV header is line 1; JSON lines count from 1).
    pub line: String,
    /// The column the notice is about.
    pub column: String,
    /// What kind of notice: `freight_ignored` (a CFR or CIF line's freight is left out of
    /// its customs value: its price already holds it).
    pub code: String,
    pub message: String,
    /// The notice itself, for the workspace to say it in the page's language.
    #[serde(skip)]
    pub kind: crate::input::notices::NoticeKind,
}

impl From<crate::input::notices::Notice> for NoticeLine {
    fn from(n: crate::input::notices::Notice) -> Self {
        NoticeLine {
            line: n.line.to_string(),
            column: n.kind.column().to_string(),
            code: n.kind.code().to_string(),
            message: n.kind.message().to_string(),
            kind: n.kind,
        }
    }
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
    /// What the request asked for that the ledger did not do, each naming its line: a CFR or
    /// CIF movement's freight (the notices `bonded load` prints). Nothing to fix.
    pub notices: Vec<NoticeLine>,
    pub log: LogRef,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KindQuery {
    /// The kind of file (items, bom, movements, corrections, openings, stocktake, workorders,
    /// fx, tariff, interest). A CSV body is recognised by its header without it; a JSON body
    /// needs it.
    #[param(inline, value_type = Option<FileKindName>)]
    pub kind: Option<String>,
}

/// A kind of file (docs/INTERFACE.md, "CSV files").
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)] // only the document names it; the handler parses the text
pub enum FileKindName {
    Items,
    Bom,
    Movements,
    Corrections,
    Openings,
    Stocktake,
    Workorders,
    Fx,
    Tariff,
    Interest,
}

/// One verification-list line as a JSON object (a line of JSON lines): the columns of a
/// movements file. Numbers are decimal strings.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // only the document names it; the body is read by `input::read_json_lines`
pub struct MovementLineBody {
    /// The company's internal list number.
    #[schema(min_length = 1)]
    pub r#ref: String,
    /// The line of the list.
    #[schema(pattern = r"^[1-9][0-9]{0,5}$")]
    pub line: String,
    #[schema(format = Date, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub date: String,
    #[schema(pattern = r"^[EBC][0-9A-Z]{11}$")]
    pub account: String,
    /// The trade mode (监管方式): 4 digits, or OWP for outward processing.
    #[schema(pattern = r"^([0-9]{4}|OWP)$")]
    pub mode: String,
    /// I (in) or E (out).
    #[schema(pattern = r"^[IE]$")]
    pub dir: String,
    /// M material, P finished product, S scrap.
    #[schema(pattern = r"^[MPS]$")]
    pub goods: String,
    #[schema(pattern = r"^[0-9]{1,14}(\.[0-9]{1,9})?$")]
    pub qty: String,
    /// The customs item number (give `item` or `part`).
    #[schema(pattern = r"^[1-9][0-9]{0,5}$")]
    pub item: Option<String>,
    /// A company part number merged into an item.
    pub part: Option<String>,
    #[schema(pattern = r"^[0-9]{1,14}(\.[0-9]{1,9})?$")]
    pub unit_price: Option<String>,
    #[schema(pattern = r"^[A-Z]{3}$")]
    pub currency: Option<String>,
    #[schema(pattern = r"^(CIF|FOB|CFR|EXW)$")]
    pub incoterm: Option<String>,
    #[schema(pattern = r"^[0-9]{1,14}(\.[0-9]{1,9})?$")]
    pub freight: Option<String>,
    #[schema(pattern = r"^[0-9]{1,14}(\.[0-9]{1,9})?$")]
    pub insurance: Option<String>,
    #[schema(pattern = r"^[0-9]{1,6}$")]
    pub bom_version: Option<String>,
    #[schema(pattern = r"^[EBC][0-9A-Z]{11}$")]
    pub peer_account: Option<String>,
    pub subcontractor: Option<String>,
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

/// Records a request's table (also the web workspace's uploads: the same checks and answer).
pub(in crate::serve) async fn record(
    st: &AppState,
    caller: &Caller,
    account: BookNo,
    (table, read_errors): (crate::input::Table, Vec<crate::input::LineError>),
) -> Result<Json<RecordReply>, ApiError> {
    // A book not granted is one the store does not hold, before anything else is said.
    caller.require_book(&account)?;
    // Exchange rates, tariff and interest rates apply to every book of the store: changing
    // them is the administrator's act, not a clerk's (a 0 % tariff would zero every book's
    // duty), and an administrator's granted every book (it changes other companies' duty).
    if matches!(
        table.kind,
        FileKind::Fx | FileKind::Tariff | FileKind::Interest
    ) {
        let what = format!(
            "load {} (reference data: it applies to every book of the store)",
            table.kind.name()
        );
        caller.require(&[Role::Admin], &what)?;
        caller.require_every_book(&what)?;
    }
    let notices = crate::input::notices::notices(&table);
    let (commands, cell_errors) = crate::input::rows::commands(&table);
    let errors = body::merge(read_errors, cell_errors);
    if !errors.is_empty() {
        return Err(ApiError::from_line_errors(errors));
    }
    let mut wrong_book = Vec::new();
    for (line, command) in &commands {
        if let Some(a) = account_of(command) {
            if a != &account {
                wrong_book.push(crate::serve::error::LineMessage {
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
        notices: notices.into_iter().map(NoticeLine::from).collect(),
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
    params(("account" = String, Path, description = "The book number", pattern = r"^[EBC][0-9A-Z]{11}$")),
    request_body(description = "A movements CSV file with its header row (text/csv), or JSON lines of movements, one object per line (application/x-ndjson)",
        content((String = "text/csv"), (MovementLineBody = "application/x-ndjson"))),
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
    params(("account" = String, Path, description = "The book number", pattern = r"^[EBC][0-9A-Z]{11}$"), KindQuery),
    request_body(description = "A CSV file with its header row (text/csv), or JSON lines of the kind named by ?kind=, one object per line keyed by the file's columns (application/x-ndjson)",
        content((String = "text/csv"), (Object = "application/x-ndjson"))),
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
