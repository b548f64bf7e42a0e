//! The routes of administration (admins; auditors may list users): users and their tokens,
//! opening a book, changing its settings.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use ledger_core::events::commands::Command;
use ledger_core::events::review::Reviewable;
use ledger_core::model::book::Setting;
use ledger_core::model::ids::BookNo;
use ledger_core::model::refusal::InvalidValue;
use ledger_core::model::review::Role;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::plumbing::{account, require_book, submit, LogRef, UniqueJson};
use crate::serve::auth::{new_token, token_sha256, Caller};
use crate::serve::error::{ApiError, ErrorBody};
use crate::serve::state::{read, AppState};
use crate::serve::writer::Work;

#[derive(Debug, Serialize, ToSchema)]
pub struct UserEntry {
    pub name: String,
    #[schema(value_type = RoleName)]
    pub role: String,
    /// The books the user is granted; absent: every book of the store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub books: Option<Vec<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsersReply {
    pub users: Vec<UserEntry>,
}

/// The users, their roles and their books (admins and auditors). A caller granted some books
/// only sees the users whose books are all among its own.
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
            .filter(|u| match &u.books {
                None => !caller.restricted(),
                Some(books) => books.iter().all(|b| caller.may_see(b)),
            })
            .map(|u| UserEntry {
                name: u.name.clone(),
                role: u.role.name().into(),
                books: u
                    .books
                    .as_ref()
                    .map(|b| b.iter().map(|b| b.to_string()).collect()),
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUser {
    /// The user's name, recorded on every event it makes: letters, digits, `.`, `_`, `-`, `@`.
    #[schema(pattern = r"^[A-Za-z0-9._@-]{1,64}$")]
    pub name: String,
    /// What the user may do: record (clerk), approve (reviewer), read (auditor), manage (admin).
    #[schema(value_type = RoleName)]
    pub role: String,
    /// The books the user may see and write (book numbers); absent: every book of the store.
    /// An admin granted some books only must name books, among its own.
    #[serde(default)]
    #[schema(inline, value_type = Option<Vec<String>>)]
    pub books: Option<Vec<String>>,
}

/// A role of `bonded serve`.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)] // only the document names it; the handler parses the text
pub enum RoleName {
    Clerk,
    Reviewer,
    Auditor,
    Admin,
}

/// The kind of book: 进料 purchased or 来料 supplied materials.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum BookKind {
    Purchased,
    Supplied,
}

/// The level of a book: 料号级 part-number level or 项号级 item level.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum BookLevel {
    Part,
    Item,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NewUserReply {
    pub name: String,
    #[schema(value_type = RoleName)]
    pub role: String,
    /// The books granted; absent: every book of the store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub books: Option<Vec<String>>,
    /// The bearer token, shown only now: the store keeps its SHA-256.
    pub token: String,
}

/// Add a user (admins); the answer holds its token, shown only this once.
#[utoipa::path(post, path = "/users", tag = "admin",
    request_body(content = NewUser, content_type = "application/json"),
    responses(
        (status = 201, description = "Added; durable", body = NewUserReply),
        (status = 400, description = "A bad name, role or book; a book not open (or not the caller's)", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 409, description = "The name is taken", body = ErrorBody),
        (status = 413, description = "The body is over 8 MiB", body = ErrorBody),
        (status = 415, description = "The body is not application/json", body = ErrorBody),
        (status = 503, description = "Took over 30 s, or the server is stopping", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_user(
    caller: Caller,
    State(st): State<AppState>,
    body: UniqueJson<NewUser>,
) -> Result<(StatusCode, Json<NewUserReply>), ApiError> {
    caller.require(&[Role::Admin], "add users")?;
    let body = body.0;
    let role: Role = body
        .role
        .parse()
        .map_err(|e: InvalidValue| ApiError::bad(format!("role: {e}")))?;
    let books = grant(&caller, body.books.as_deref())?;
    let token = new_token().map_err(|e| ApiError::internal(format!("{e:#}")))?;
    let name = body.name.trim().to_string();
    submit(
        &st,
        &caller.name,
        Work::One(Box::new(Command::AddUser {
            name: name.clone(),
            role,
            token_sha256: token_sha256(&token),
            books: books.clone(),
        })),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(NewUserReply {
            name,
            role: role.name().into(),
            books: books.map(|b| b.iter().map(|b| b.to_string()).collect()),
            token,
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BooksGrant {
    /// The books the user may see and write from now on (book numbers): exactly these, so a
    /// book left out is revoked. An admin granted some books only names books among its own.
    #[serde(default)]
    #[schema(inline, value_type = Option<Vec<String>>)]
    pub books: Option<Vec<String>>,
    /// `true` instead of `books`: every book of the store (an admin granted every book only).
    #[serde(default)]
    pub all: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GrantReply {
    pub name: String,
    /// The books granted now; absent: every book of the store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub books: Option<Vec<String>>,
    /// Events written (0: the user was granted exactly these already).
    pub events: String,
    pub log: LogRef,
}

/// Grant a user books, or revoke them (admins), as `bonded user grant`: the user is granted
/// exactly the books given (`{"books": ["E…"]}`), or every book (`{"all": true}`), recorded
/// in the log as the command line records it.
#[utoipa::path(put, path = "/users/{name}/books", tag = "admin",
    params(("name" = String, Path, description = "The user's name", pattern = r"^[A-Za-z0-9._@-]{1,64}$")),
    request_body(content = BooksGrant, content_type = "application/json"),
    responses(
        (status = 200, description = "Granted (or already so); durable", body = GrantReply),
        (status = 400, description = "Neither or both of books and all; a bad book; a book not open (or not the caller's)", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Not an admin; an admin granted some books only granting every book", body = ErrorBody),
        (status = 404, description = "No such user (or one whose books are not all the caller's)", body = ErrorBody),
        (status = 413, description = "The body is over 8 MiB", body = ErrorBody),
        (status = 415, description = "The body is not application/json", body = ErrorBody),
        (status = 503, description = "Took over 30 s, the store could not be reached, or the server is stopping", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn grant_books(
    caller: Caller,
    State(st): State<AppState>,
    Path(name): Path<String>,
    body: UniqueJson<BooksGrant>,
) -> Result<Json<GrantReply>, ApiError> {
    caller.require(&[Role::Admin], "grant books")?;
    let name = name.trim().to_string();
    // A user the caller could not list (`GET /users`) is one the store does not hold.
    let visible = read(&st.shared)
        .ledger
        .users
        .get(&name)
        .is_some_and(|u| match &u.books {
            None => !caller.restricted(),
            Some(books) => books.iter().all(|b| caller.may_see(b)),
        });
    if !visible {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            ledger_core::Refusal::UnknownUser(name).to_string(),
        ));
    }
    let body = body.0;
    let books = match (body.books, body.all) {
        (Some(_), true) => {
            return Err(ApiError::bad(
                "give either books (the books granted) or all: true (every book), not both",
            ))
        }
        (None, false) => {
            return Err(ApiError::bad(
                "give books: [\"E…\"] (exactly the books granted; the others are revoked) or all: true (every book)",
            ))
        }
        (books, _) => books,
    };
    if books.as_ref().is_some_and(Vec::is_empty) {
        return Err(ApiError::bad(
            "books names at least one book: a user is granted one book or more (or every book, with all: true)",
        ));
    }
    let books = grant(&caller, books.as_deref())?;
    let done = submit(
        &st,
        &caller.name,
        Work::One(Box::new(Command::SetUserBooks {
            name: name.clone(),
            books: books.clone(),
        })),
    )
    .await?;
    Ok(Json(GrantReply {
        name,
        books: books.map(|b| b.iter().map(|b| b.to_string()).collect()),
        events: done.events.to_string(),
        log: (&done.position).into(),
    }))
}

/// The books of a new user's grant, read: an admin granted some books only grants among its
/// own (a book beyond them reads as one the store does not hold), and never every book.
fn grant(caller: &Caller, books: Option<&[String]>) -> Result<Option<Vec<BookNo>>, ApiError> {
    let Some(books) = books else {
        caller.require_every_book("add a user granted every book (name its books)")?;
        return Ok(None);
    };
    let mut out = Vec::with_capacity(books.len());
    for text in books {
        let b: BookNo = text
            .trim()
            .parse()
            .map_err(|e: InvalidValue| ApiError::bad(format!("books: {e}")))?;
        if !caller.may_see(&b) {
            // The core's words for a book the store does not hold.
            return Err(ApiError::from_refusal(&ledger_core::Refusal::BadValue {
                column: "books",
                message: format!(
                    "book {b} is not open in this store, so it cannot be granted (open it \
                     first with `bonded account open`, or check the number)"
                ),
            }));
        }
        out.push(b);
    }
    Ok(Some(out))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewBook {
    /// Book number (E…, B… or C…, 12 characters).
    #[schema(pattern = r"^[EBC][0-9A-Z]{11}$")]
    pub account: String,
    /// The company's 10-character customs code.
    #[schema(pattern = r"^[0-9A-Z]{10}$")]
    pub company: String,
    #[schema(value_type = BookKind)]
    pub kind: String,
    #[schema(value_type = BookLevel)]
    pub level: String,
    /// The capacity cap in USD, a decimal string.
    #[schema(pattern = r"^[0-9]{1,14}(\.[0-9]{1,9})?$")]
    pub capacity_usd: String,
    /// First day of the first write-off cycle (a first of a month).
    #[schema(format = Date, pattern = r"^[0-9]{4}-[0-9]{2}-01$")]
    pub cycle_start: String,
    /// The write-off cycle's length in months.
    #[schema(minimum = 1, maximum = 120)]
    pub cycle_months: u32,
    /// Allowed 4-digit HS headings.
    #[serde(default)]
    #[schema(inline, value_type = Vec<String>)]
    pub headings: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BookReply {
    pub account: String,
    /// Events written (0: it was already so).
    pub events: String,
    pub log: LogRef,
    /// Set when the change waits for a reviewer (a change that turns review off): what waits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending: Option<String>,
}

/// Open a book (admins), as `bonded account open`.
#[utoipa::path(post, path = "/books", tag = "admin",
    request_body(content = NewBook, content_type = "application/json"),
    responses(
        (status = 200, description = "Opened (or already open as given); durable", body = BookReply),
        (status = 400, description = "A bad field", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Not an admin, or an admin granted some books only", body = ErrorBody),
        (status = 422, description = "Already open otherwise", body = ErrorBody),
        (status = 413, description = "The body is over 8 MiB", body = ErrorBody),
        (status = 415, description = "The body is not application/json", body = ErrorBody),
        (status = 503, description = "Took over 30 s, or the server is stopping", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn open_book(
    caller: Caller,
    State(st): State<AppState>,
    body: UniqueJson<NewBook>,
) -> Result<Json<BookReply>, ApiError> {
    caller.require(&[Role::Admin], "open books")?;
    caller.require_every_book("open books")?;
    let b = body.0;
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
        pending: None,
    }))
}

/// Change a book's settings (admins), as `bonded account set`: a JSON object of KEY: VALUE
/// strings, e.g. `{"review": "domestic_sales,destruction"}` or `{"review": "none"}`.
#[utoipa::path(post, path = "/books/{account}/settings", tag = "admin",
    params(("account" = String, Path, description = "The book number", pattern = r"^[EBC][0-9A-Z]{11}$")),
    request_body(content = super::schemas::SettingsBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Changed (or already so); durable", body = BookReply),
        (status = 400, description = "A bad setting", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such book", body = ErrorBody),
        (status = 413, description = "The body is over 8 MiB", body = ErrorBody),
        (status = 415, description = "The body is not application/json", body = ErrorBody),
        (status = 503, description = "Took over 30 s, or the server is stopping", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn change_settings(
    caller: Caller,
    State(st): State<AppState>,
    Path(account_text): Path<String>,
    body: UniqueJson<serde_json::Map<String, Value>>,
) -> Result<Json<BookReply>, ApiError> {
    caller.require(&[Role::Admin], "change settings")?;
    let account = account(&account_text)?;
    let body = body.0;
    if body.is_empty() {
        return Err(ApiError::bad(
            "give at least one setting, as {\"KEY\": \"VALUE\"}",
        ));
    }
    let mut changes = Vec::new();
    for (key, value) in &body {
        let text = match value {
            Value::String(s) => s.clone(),
            other => {
                return Err(ApiError::bad(format!(
                    "{key}: {other} is not a text; settings are strings"
                )))
            }
        };
        changes.push(Setting::parse(key, &text).map_err(|r| ApiError::bad(r.to_string()))?);
    }
    // Turning review off lets the next risky movement through unreviewed: that change is
    // itself reviewed, like the movements it would let through.
    let reviewed_now = {
        let shared = read(&st.shared);
        require_book(&shared, &account)?;
        shared
            .ledger
            .book(&account)
            .map(|b| b.settings.review.clone())
            .unwrap_or_default()
    };
    let held = Reviewable::turns_review_off(&changes, &reviewed_now);
    let command = if held {
        Command::SubmitForReview {
            submitted_by: caller.name.clone(),
            item: Reviewable::Settings {
                account: account.clone(),
                changes,
            },
        }
    } else {
        Command::ChangeSettings {
            account: account.clone(),
            changes,
        }
    };
    let done = submit(&st, &caller.name, Work::One(Box::new(command))).await?;
    Ok(Json(BookReply {
        account: account.to_string(),
        events: done.events.to_string(),
        log: (&done.position).into(),
        pending: held.then(|| {
            "the change turns review off: it waits for a reviewer's approval (GET /pending)"
                .to_string()
        }),
    }))
}
