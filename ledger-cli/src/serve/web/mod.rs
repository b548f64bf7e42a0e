//! The browser workspace of `bonded serve`: server-rendered HTML pages at `/` and `/app/…`, in
//! Chinese (the default) and English, on the same state, users and roles as the JSON API.
//!
//! - Signing in ([`session`]): the user pastes the token `bonded user add` printed; the server
//!   keeps a random session id → user name in memory (expiring) and sets it as an `HttpOnly;
//!   SameSite=Strict` cookie. The token never appears in a URL or a page. Every state-changing
//!   form carries the session's CSRF token; a POST without it is refused (403).
//! - The pages read the shared state through the same core calls the API makes
//!   (`ledger_core::reports::…`, `state::balance`, `state::reviews::pending_items`); writes go
//!   through the writer, as the API's do ([`submit`]). The role decides which controls a page
//!   shows, and the handler checks it again: a hidden button is a convenience, never the guard.
//! - Every page carries the log's position and head hash (the audit footer of every report).
//! - No build step: HTML from `maud` templates compiled into the binary, one stylesheet and one
//!   small script served from the binary ([`assets`]), pictures as inline SVG drawn here
//!   ([`charts`]). The Content-Security-Policy allows nothing inline and nothing foreign.
//!
//! The pages: [`today`] (obligations of every book, items waiting), [`book`] (balances, an
//! item's history, duty, cycle, exposure, downloads), [`record`] (a CSV upload, checked before
//! anything is written), [`review`] (what an item would change; approve, reject).

mod assets;
pub mod bench;
mod book;
mod charts;
mod downloads;
mod i18n;
mod layout;
mod lists;
mod record;
mod review;
mod session;
mod today;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use super::error::ApiError;
use super::state::{read, AppState, Shared};
use super::writer::{Done, Job, Work};
pub use i18n::Lang;
use session::Sessions;

/// Set by `bonded serve --secure-cookies`: the session cookie is marked `Secure`.
static SECURE_COOKIES: AtomicBool = AtomicBool::new(false);

/// `--secure-cookies`: mark the session cookie `Secure` (the server is reached over HTTPS, e.g.
/// behind a TLS proxy). Without it the cookie is `Secure` only when the request says
/// `X-Forwarded-Proto: https`: a browser drops a `Secure` cookie set over plain HTTP, so marking
/// it on `http://127.0.0.1` would make signing in impossible.
pub fn set_secure_cookies(on: bool) {
    SECURE_COOKIES.store(on, Ordering::Relaxed);
}

/// What the web handlers share: the server's state and the sessions.
#[derive(Clone)]
pub(crate) struct Web {
    pub app: AppState,
    pub sessions: Arc<Sessions>,
}

/// The workspace's routes, to be merged into the API's router.
pub fn router(app: AppState) -> Router<AppState> {
    let web = Web {
        app,
        sessions: Arc::new(Sessions::default()),
    };
    Router::new()
        .route("/", get(|| async { Redirect::to("/app") }))
        .route("/app", get(today::page))
        .route("/app/", get(|| async { Redirect::to("/app") }))
        .route(
            "/app/sign-in",
            get(session::sign_in_page).post(session::sign_in),
        )
        .route("/app/sign-out", post(session::sign_out))
        .route("/app/books/{account}", get(book::balances))
        .route("/app/books/{account}/items/{item}", get(book::item))
        .route("/app/books/{account}/duty", get(book::duty))
        .route("/app/books/{account}/duty/file", post(book::file_duty))
        .route("/app/books/{account}/cycle", get(book::cycle))
        .route("/app/books/{account}/exposure", get(book::exposure))
        .route("/app/books/{account}/lists", get(lists::page))
        .route("/app/books/{account}/lists/export", post(lists::export))
        .route(
            "/app/books/{account}/download/{file}",
            get(downloads::download),
        )
        .route("/app/record", get(record::page).post(record::upload))
        .route("/app/review", get(review::page))
        .route("/app/review/{id}/approve", post(review::approve))
        .route("/app/review/{id}/reject", post(review::reject))
        .route("/app/static/{file}", get(assets::serve))
        .layer(axum::middleware::from_fn(session::remember_lang))
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(web)
}

/// The headers of every page: nothing inline, nothing foreign, no framing, no sniffing, no
/// referrer (a page's URL names books and items).
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             frame-ancestors 'none'; form-action 'self'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// A page that could not be made: its status and what to tell the user, located lines included
/// (rendered in the page's language by [`layout::error_page`]).
#[derive(Debug)]
pub(crate) struct PageError {
    pub lang: Lang,
    pub error: ApiError,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        layout::error_page(self.lang, &self.error)
    }
}

/// Runs a read against the durable state, off the async workers (as the API's reads do); a
/// store found damaged serves no figures.
pub(crate) async fn reading<T, F>(web: &Web, lang: Lang, f: F) -> Result<T, PageError>
where
    T: Send + 'static,
    F: FnOnce(&Shared, &AppState) -> Result<T, ApiError> + Send + 'static,
{
    let st = web.app.clone();
    let result = tokio::task::spawn_blocking(move || {
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
    .map_err(|e| ApiError::internal(format!("the read failed: {e}")))
    .and_then(|r| r);
    result.map_err(|error| PageError { lang, error })
}

/// Hands a command to the writer and waits until it is durable (or refused), as the API does.
pub(crate) async fn submit(web: &Web, by: &str, work: Work) -> Result<Done, ApiError> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    web.app
        .jobs
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

/// A `303 See Other` to `to`: after a form, the browser GETs the page that shows the result.
pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// A signed-in page: `make` reads the state and gives the title and the body; the frame (the
/// bar, the audit footer of the same state) is put around it. `here`: the page's path and query.
pub(crate) async fn render<F>(
    web: &Web,
    signed: session::Signed,
    here: String,
    make: F,
) -> Result<Response, PageError>
where
    F: FnOnce(&Shared, &AppState, &session::Signed) -> Result<(String, maud::Markup), ApiError>
        + Send
        + 'static,
{
    let lang = signed.lang;
    let (signed, position, books, title, body) = reading(web, lang, move |shared, st| {
        let (title, body) = make(shared, st, &signed)?;
        let books: Vec<String> = signed
            .caller
            .visible_books(&shared.ledger)
            .map(|b| b.to_string())
            .collect();
        Ok((signed, shared.position.clone(), books, title, body))
    })
    .await?;
    let nav = layout::Nav {
        caller: &signed.caller,
        csrf: &signed.csrf,
        books,
    };
    Ok(layout::page(
        lang,
        Some(&nav),
        &position,
        &title,
        &here,
        body,
    ))
}
