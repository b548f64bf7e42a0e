//! Errors of the API: `{error, lines: [{line, column, message}]}` with the status that says
//! what kind of failure it is.
//!
//! | status | when |
//! | --- | --- |
//! | 400 | bad input: a malformed value, a missing column, an unknown item or trade mode |
//! | 401 | no token, or a token no user has |
//! | 403 | the caller's role may not do this, or it is their own submission |
//! | 404 | no such book, review or route |
//! | 409 | the review is already closed, the user exists, the log moved under the writer |
//! | 413 | the body is over 8 MiB or has more than 20,000 lines |
//! | 415 | the body is neither CSV nor JSON |
//! | 422 | understood, and refused by a customs rule (a balance would go negative, …) |
//! | 500 | the store failed (a disk error, an integrity fault) |
//! | 503 | the request took over 30 s, or the server is stopping |

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ledger_core::{Refusal, RefusalClass};
use serde::Serialize;
use utoipa::ToSchema;

use crate::input::LineError;

/// One located problem of a request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct LineMessage {
    /// The physical line of the body (a CSV header is line 1; JSON lines count from 1), as a
    /// decimal string; "0" for the request as a whole.
    pub line: String,
    /// The column (field) the problem is about, when it is about one.
    pub column: Option<String>,
    pub message: String,
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, in a sentence.
    pub error: String,
    /// Every bad line, when the body had some (nothing of the request was written).
    pub lines: Vec<LineMessage>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    pub fn new(status: StatusCode, error: impl Into<String>) -> Self {
        ApiError {
            status,
            body: ErrorBody {
                error: error.into(),
                lines: Vec::new(),
            },
        }
    }

    pub fn bad(error: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, error)
    }

    pub fn internal(error: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, error)
    }

    pub fn unauthorized(error: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, error)
    }

    pub fn forbidden(error: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, error)
    }

    /// Problems of a request body, located; nothing of it was written.
    pub fn lines(status: StatusCode, lines: Vec<LineMessage>) -> Self {
        let n = lines.iter().filter(|l| l.line != "0").count();
        let error = match (n, lines.first()) {
            (0, Some(first)) => format!("{}; nothing of the request was written", first.message),
            (1, _) => "1 line of the request was refused; nothing of it was written".to_string(),
            _ => format!("{n} lines of the request were refused; nothing of it was written"),
        };
        ApiError {
            status,
            body: ErrorBody { error, lines },
        }
    }

    /// The parse errors of a body (`request:17: qty: …`), as 400.
    pub fn from_line_errors(errors: Vec<LineError>) -> Self {
        let lines = errors
            .into_iter()
            .map(|e| LineMessage {
                line: e.line.to_string(),
                column: e.column,
                message: e
                    .message
                    .replace("with --kind or in the file name", "with ?kind="),
            })
            .collect();
        Self::lines(StatusCode::BAD_REQUEST, lines)
    }

    /// The refusals of a request's lines: 400 if any line is bad input, else 422.
    pub fn from_refusals(refusals: &[(u64, Refusal)]) -> Self {
        let status = if refusals
            .iter()
            .any(|(_, r)| r.class() == RefusalClass::BadInput)
        {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        let lines = refusals
            .iter()
            .map(|(line, r)| LineMessage {
                line: line.to_string(),
                column: r.column().map(str::to_string),
                message: r.to_string(),
            })
            .collect();
        Self::lines(status, lines)
    }

    /// A refusal of a single command (a review, a user, a book).
    pub fn from_refusal(r: &Refusal) -> Self {
        Self::new(status_of(r), r.to_string())
    }
}

/// The status of a refusal of a route's own command.
pub fn status_of(r: &Refusal) -> StatusCode {
    match r {
        Refusal::UnknownBook(_) | Refusal::UnknownReview(_) => StatusCode::NOT_FOUND,
        Refusal::Conflict { .. } => StatusCode::CONFLICT,
        Refusal::NotPermitted { .. } => StatusCode::FORBIDDEN,
        other => match other.class() {
            RefusalClass::BadInput => StatusCode::BAD_REQUEST,
            RefusalClass::Rule => StatusCode::UNPROCESSABLE_ENTITY,
        },
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"bonded\""),
            );
        }
        response
    }
}
