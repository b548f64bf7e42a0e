//! The routes of `bonded serve`. Every route is registered through `routes!` from its
//! `#[utoipa::path]` annotation, so the router and `/openapi.json` list the same routes
//! (`openapi.rs` tests it).
//!
//! Who may call what: recording — clerks, reviewers and admins (never an auditor); approving
//! and rejecting — reviewers (never their own submission);
//! users and books — admins; reading — every user. Reports are the JSON of the command line
//! (`--format json`), with the `log` key saying which log position they were computed from.
//!
//! The handlers live by what they do: `record` (movements, files), `reports` (every read of a
//! book, and verify), `messages` (customs messages recorded, the lists, a list exported as
//! INV101, the reconciliation with customs), `review` (pending, approve, reject), `admin` (users, books, settings);
//! `plumbing` holds what they share (limits, fallbacks, request parsing, the writer hand-off).
//! The two meta routes (health, this document) are here with the router.

mod admin;
pub(crate) mod messages;
mod plumbing;
pub(super) mod record;
mod reports;
mod review;
mod schemas;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::state::{read, AppState};
use super::MAX_BODY_BYTES;
use plumbing::LogRef;

// ---------------------------------------------------------------------------------------------
// The router
// ---------------------------------------------------------------------------------------------

/// The routes and the OpenAPI document made from the same annotations.
pub fn api() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(super::openapi::base())
        .routes(routes!(health))
        .routes(routes!(openapi_json))
        .routes(routes!(record::record_movements))
        .routes(routes!(record::record_file))
        .routes(routes!(reports::balance))
        .routes(routes!(reports::duty))
        .routes(routes!(reports::deadlines))
        .routes(routes!(reports::cycle_report))
        .routes(routes!(reports::exposure))
        .routes(routes!(reports::book_history))
        .routes(routes!(reports::verify))
        .routes(routes!(messages::record_message))
        .routes(routes!(messages::lists))
        .routes(routes!(messages::export_list))
        .routes(routes!(messages::reconcile))
        .routes(routes!(review::list_pending))
        .routes(routes!(review::approve))
        .routes(routes!(review::reject))
        .routes(routes!(admin::list_users, admin::add_user))
        .routes(routes!(admin::grant_books))
        .routes(routes!(admin::open_book))
        .routes(routes!(admin::change_settings))
        .split_for_parts()
}

/// The whole application: routes, limits, fallbacks, state.
pub fn app(state: AppState) -> axum::Router {
    let (router, doc) = api();
    let rendered = doc
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot render the document: {e}\"}}"));
    let _ = state.openapi.set(rendered);
    // The browser workspace (`/`, `/app/…`): HTML pages on the same state and roles.
    let router = router.merge(super::web::router(state.clone()));
    router
        .fallback(plumbing::no_route)
        .method_not_allowed_fallback(plumbing::no_method)
        .layer(axum::middleware::from_fn(plumbing::time_limit))
        .layer(axum::middleware::from_fn(plumbing::size_limit))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthReply {
    /// `ok`; `failing` when the log failed a check, the connection to the store is lost, or
    /// the writer stopped (then 503)
    pub status: String,
    /// Why it is failing, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
    /// Requests the ledger failed on since the start (each answered 500, nothing written; the
    /// writer went on).
    pub failed_requests: String,
    /// Events in the log.
    pub events: String,
    /// Durable appends (one disk sync each) since the server started: requests per append
    /// shows the group commit at work.
    pub appends: String,
    /// Rounds of requests decided again since the start because another server on the same
    /// database (PostgreSQL) appended first: nothing is written on a state behind the log.
    pub redecided: String,
    pub log: LogRef,
}

/// Whether the server is up, and the log's head. No token needed.
#[utoipa::path(get, path = "/health", tag = "meta",
    responses(
        (status = 200, description = "Serving", body = HealthReply),
        (status = 503, description = "The log failed a check, the connection to the store is lost, or the writer stopped: writes fail", body = HealthReply)))]
pub async fn health(State(st): State<AppState>) -> (StatusCode, Json<HealthReply>) {
    // A connection found lost by a read (the writer's own failures are in `store_lost`); not
    // waited for while a write holds the log.
    let lost_now = st
        .log
        .try_read()
        .map(|log| log.connection_lost())
        .unwrap_or(false);
    let shared = read(&st.shared);
    let fault = shared
        .fault
        .clone()
        .or_else(|| shared.store_lost.clone())
        .or_else(|| lost_now.then(|| crate::serve::writer::STORE_LOST.to_string()))
        .or_else(|| {
            st.jobs
                .is_closed()
                .then(|| "the writer stopped: nothing can be written until a restart".to_string())
        });
    let status = if fault.is_some() {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    (
        status,
        Json(HealthReply {
            status: if fault.is_some() { "failing" } else { "ok" }.into(),
            fault,
            failed_requests: shared.panics.to_string(),
            events: shared.ledger.event_count().to_string(),
            appends: shared.appends.to_string(),
            redecided: shared.redecided.to_string(),
            log: (&shared.position).into(),
        }),
    )
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
