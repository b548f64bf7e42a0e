//! The routes of dual review: what waits, approve, reject (reviewers, never their own
//! submission).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use ledger_core::events::commands::Command;
use ledger_core::model::review::Role;
use ledger_core::state::reviews::pending_items;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::plumbing::{account, query, reading, require_book, submit, LogRef, UniqueJson};
use crate::serve::auth::Caller;
use crate::serve::error::{ApiError, ErrorBody};
use crate::serve::state::{read, AppState};
use crate::serve::writer::Work;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PendingQuery {
    /// Only this book's items (default: every book's).
    #[param(pattern = r"^\s*([EBCebc][0-9A-Za-z]{11})?\s*$")]
    pub account: Option<String>,
}

/// The items waiting for review, oldest first per book: of the books the caller is granted.
#[utoipa::path(get, path = "/pending", tag = "review",
    params(PendingQuery),
    responses(
        (status = 200, description = "The items waiting, oldest first per book", body = super::schemas::PendingAnswer),
        (status = 400, description = "Not a book number", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 404, description = "No such book", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_pending(
    caller: Caller,
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
            caller.require_book(a)?;
            require_book(shared, a)?;
        }
        let list: Vec<Value> = pending_items(&shared.ledger, account.as_ref())
            .into_iter()
            .filter(|p| caller.may_see(&p.account))
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
    params(("id" = String, Path, description = "The review id (from GET /pending)", format = "uuid", pattern = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
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
    caller.require_review(&read(&st.shared).ledger, &id)?;
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
    #[schema(min_length = 1)]
    pub reason: String,
}

/// Reject an item waiting for review, with the reason; its `ref`+`line` is free again.
#[utoipa::path(post, path = "/pending/{id}/reject", tag = "review",
    params(("id" = String, Path, description = "The review id (from GET /pending)", format = "uuid", pattern = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    request_body(content = RejectBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Rejected; durable", body = ReviewReply),
        (status = 400, description = "Not a review id, or no reason", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Not a reviewer", body = ErrorBody),
        (status = 404, description = "No such review", body = ErrorBody),
        (status = 409, description = "Already approved or rejected", body = ErrorBody),
        (status = 413, description = "The body is over 8 MiB", body = ErrorBody),
        (status = 415, description = "The body is not application/json", body = ErrorBody),
        (status = 503, description = "Took over 30 s, or the server is stopping", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reject(
    caller: Caller,
    State(st): State<AppState>,
    Path(id): Path<String>,
    body: UniqueJson<RejectBody>,
) -> Result<Json<ReviewReply>, ApiError> {
    caller.require(&[Role::Reviewer], "reject")?;
    let id = review_id(&id)?;
    caller.require_review(&read(&st.shared).ledger, &id)?;
    let body = body.0;
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
