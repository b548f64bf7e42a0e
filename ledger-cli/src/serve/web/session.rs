//! Signing in and out of the workspace, sessions, the language chosen, and CSRF tokens.
//!
//! A session is a random id (32 bytes from the OS) → the user's name and the session's CSRF
//! token, kept in memory only and dropped after [`IDLE`] without use (or when the server
//! stops). The browser holds only the id, in an `HttpOnly; SameSite=Strict; Path=/` cookie
//! (`Secure` too when served over HTTPS: `--secure-cookies` or `X-Forwarded-Proto: https`). The
//! role is read from the store on every request, so the user's current role always applies.
//!
//! The sign-in form itself is protected with a double-submit token (a cookie and a hidden field
//! that must match), since there is no session yet to bind it to.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Form;
use maud::html;
use serde::Deserialize;

use super::i18n::t;
use super::layout::{self, Lang};
use super::Web;
use crate::serve::auth::{new_token, token_sha256, Caller};
use crate::serve::error::ApiError;
use crate::serve::state::read;

/// A session unused this long is gone.
pub const IDLE: Duration = Duration::from_secs(8 * 60 * 60);
/// Most sessions held at once; past that the oldest is dropped.
pub const MAX_SESSIONS: usize = 10_000;

const SESSION_COOKIE: &str = "bonded_session";
const PRE_COOKIE: &str = "bonded_pre";
pub const LANG_COOKIE: &str = "bonded_lang";

struct Entry {
    user: String,
    csrf: String,
    last_used: Instant,
}

/// The sessions of one server, in memory.
#[derive(Default)]
pub struct Sessions {
    inner: Mutex<HashMap<String, Entry>>,
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new session for `user`: (id, csrf token).
    pub fn open(&self, user: &str) -> Result<(String, String), ApiError> {
        let id = new_token().map_err(|e| ApiError::internal(format!("{e:#}")))?;
        let csrf = new_token().map_err(|e| ApiError::internal(format!("{e:#}")))?;
        let mut map = self.lock();
        let now = Instant::now();
        map.retain(|_, e| now.duration_since(e.last_used) < IDLE);
        if map.len() >= MAX_SESSIONS {
            if let Some(oldest) = map
                .iter()
                .min_by_key(|(_, e)| e.last_used)
                .map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
        }
        map.insert(
            id.clone(),
            Entry {
                user: user.to_string(),
                csrf: csrf.clone(),
                last_used: now,
            },
        );
        Ok((id, csrf))
    }

    /// The user and CSRF token of a live session, marking it used.
    fn touch(&self, id: &str) -> Option<(String, String)> {
        let mut map = self.lock();
        let now = Instant::now();
        let live = map
            .get(id)
            .is_some_and(|e| now.duration_since(e.last_used) < IDLE);
        if !live {
            map.remove(id);
            return None;
        }
        let e = map.get_mut(id)?;
        e.last_used = now;
        Some((e.user.clone(), e.csrf.clone()))
    }

    fn close(&self, id: &str) {
        self.lock().remove(id);
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
}

/// Whether the page was reached over HTTPS (by the flag, or as a TLS proxy says).
fn secure(headers: &HeaderMap) -> bool {
    super::SECURE_COOKIES.load(std::sync::atomic::Ordering::Relaxed)
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value with the attributes every cookie of ours has.
pub fn set_cookie(name: &str, value: &str, max_age_s: u64, headers: &HeaderMap) -> HeaderValue {
    let mut c = format!("{name}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_s}");
    if secure(headers) {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("bonded=; Max-Age=0"))
}

/// Compares two secrets in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The signed-in user of a request. A request without a live session is sent to sign in.
pub struct Signed {
    pub caller: Caller,
    pub csrf: String,
    pub lang: Lang,
    id: String,
}

impl Signed {
    /// The 403 page, unless `given` is this session's CSRF token.
    pub fn refuse_csrf(&self, given: Option<&str>) -> Option<Response> {
        match given {
            Some(g) if same(g.trim(), &self.csrf) => None,
            _ => Some(forbidden_csrf(self.lang)),
        }
    }

    /// A posted form of this session: the form when it reads and carries the session's
    /// cross-site token; else the 403 page (a form that does not read carries no token).
    pub fn form<F: WithCsrf>(
        &self,
        form: Result<Form<F>, FormRejection>,
    ) -> Result<F, Box<Response>> {
        let form = form.ok().map(|Form(f)| f);
        if let Some(refused) = self.refuse_csrf(form.as_ref().map(WithCsrf::csrf)) {
            return Err(Box::new(refused));
        }
        form.ok_or_else(|| Box::new(forbidden_csrf(self.lang)))
    }
}

/// A form that carries the session's cross-site token.
pub trait WithCsrf {
    fn csrf(&self) -> &str;
}

fn forbidden_csrf(lang: Lang) -> Response {
    layout::error_page(
        lang,
        &ApiError::new(StatusCode::FORBIDDEN, t(lang, "csrf_refused")),
    )
}

impl FromRequestParts<Web> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, web: &Web) -> Result<Self, Response> {
        let lang = Lang::of(parts);
        let to_sign_in = || super::see_other("/app/sign-in");
        let Some(id) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_sign_in());
        };
        let Some((user, csrf)) = web.sessions.touch(&id) else {
            return Err(to_sign_in());
        };
        // Another server on the same database may have changed the user's grant.
        if let Err(e) = crate::serve::state::catch_up(&web.app).await {
            return Err(layout::error_page(lang, &e));
        }
        let caller = {
            let shared = read(&web.app.shared);
            shared.ledger.users.get(&user).map(Caller::of)
        };
        let Some(caller) = caller else {
            web.sessions.close(&id);
            return Err(to_sign_in());
        };
        // Every page under /app/books/{account}/… is of that book: one not granted is the
        // page of a book the store does not hold, whichever the page.
        if let Some(account) = crate::serve::auth::book_in_path(parts.uri.path(), "/app/books/") {
            if let Err(e) = caller.require_book(&account) {
                return Err(layout::error_page(lang, &e));
            }
        }
        Ok(Signed {
            caller,
            csrf,
            lang,
            id,
        })
    }
}

impl FromRequestParts<Web> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &Web) -> Result<Self, Self::Rejection> {
        Ok(Lang::of(parts))
    }
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    csrf: String,
}

/// The sign-in form, with a fresh double-submit token.
pub async fn sign_in_page(
    State(web): State<Web>,
    lang: Lang,
    headers: HeaderMap,
) -> Result<Response, super::PageError> {
    sign_in_form(&web, lang, &headers, StatusCode::OK, None)
}

fn sign_in_form(
    web: &Web,
    lang: Lang,
    headers: &HeaderMap,
    status: StatusCode,
    problem: Option<&str>,
) -> Result<Response, super::PageError> {
    let pre = new_token().map_err(|e| super::PageError {
        lang,
        error: ApiError::internal(format!("{e:#}")),
    })?;
    let position = read(&web.app.shared).position.clone();
    let l = lang;
    let body = html! {
        section.sign-in {
            h1 { (t(l, "sign_in_title")) }
            p.hint { (t(l, "sign_in_hint")) }
            @if let Some(p) = problem { p.problem role="alert" { (p) } }
            form method="post" action="/app/sign-in" {
                input type="hidden" name="csrf" value=(pre);
                label for="token" { (t(l, "token")) }
                input #token type="password" name="token" autocomplete="off" required;
                button #sign-in type="submit" { (t(l, "sign_in")) }
            }
        }
    };
    let mut response = layout::page(
        l,
        None,
        &position,
        t(l, "sign_in_title"),
        "/app/sign-in",
        body,
    );
    *response.status_mut() = status;
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(PRE_COOKIE, &pre, 3600, headers),
    );
    Ok(response)
}

/// Checks the token, opens a session, sets its cookie, goes to Today.
pub async fn sign_in(
    State(web): State<Web>,
    lang: Lang,
    headers: HeaderMap,
    form: Result<Form<SignInForm>, FormRejection>,
) -> Result<Response, super::PageError> {
    let Ok(Form(form)) = form else {
        return Ok(forbidden_csrf(lang));
    };
    let pre_ok =
        cookie(&headers, PRE_COOKIE).is_some_and(|c| !c.is_empty() && same(&c, &form.csrf));
    if !pre_ok {
        return Ok(forbidden_csrf(lang));
    }
    let hash = token_sha256(&form.token);
    // A user added on another server of the same database signs in here too.
    crate::serve::state::catch_up(&web.app)
        .await
        .map_err(|error| super::PageError { lang, error })?;
    let user = {
        let shared = read(&web.app.shared);
        shared
            .ledger
            .users
            .by_token_sha256(&hash)
            .map(|u| u.name.clone())
    };
    let Some(user) = user else {
        return sign_in_form(
            &web,
            lang,
            &headers,
            StatusCode::UNAUTHORIZED,
            Some(t(lang, "token_unknown")),
        );
    };
    let (id, _) = web
        .sessions
        .open(&user)
        .map_err(|error| super::PageError { lang, error })?;
    let mut response = super::see_other("/app");
    let h = response.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, &id, IDLE.as_secs(), &headers),
    );
    h.append(header::SET_COOKIE, set_cookie(PRE_COOKIE, "", 0, &headers));
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

/// Ends the session and clears its cookie.
pub async fn sign_out(
    State(web): State<Web>,
    signed: Signed,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    let given = form.as_ref().ok().map(|Form(f)| f.csrf.as_str());
    if let Some(r) = signed.refuse_csrf(given) {
        return r;
    }
    web.sessions.close(&signed.id);
    let mut response = super::see_other("/app/sign-in");
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, &headers),
    );
    response
}

/// Remembers a language chosen with `?lang=` in a cookie, for the pages after.
pub async fn remember_lang(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let chosen = request
        .uri()
        .query()
        .and_then(Lang::from_query)
        .map(|l| (l, request.headers().clone()));
    let mut response = next.run(request).await;
    if let Some((l, headers)) = chosen {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(LANG_COOKIE, l.code(), 365 * 24 * 3600, &headers),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_sessions_open_touch_close() {
        let s = Sessions::default();
        let (id, csrf) = s.open("alice").expect("open");
        assert_eq!(id.len(), 64);
        assert_ne!(id, csrf);
        assert_eq!(s.touch(&id), Some(("alice".to_string(), csrf)));
        assert_eq!(s.touch("nope"), None);
        s.close(&id);
        assert_eq!(s.touch(&id), None);
    }

    #[test]
    fn web_cookies_are_read_from_every_header() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; bonded_lang=en"),
        );
        h.append(
            header::COOKIE,
            HeaderValue::from_static("bonded_session=xyz"),
        );
        assert_eq!(cookie(&h, "bonded_session").as_deref(), Some("xyz"));
        assert_eq!(cookie(&h, "bonded_lang").as_deref(), Some("en"));
        assert_eq!(cookie(&h, "b"), None);
        let set = set_cookie("bonded_session", "xyz", 10, &h);
        let text = set.to_str().expect("ascii");
        assert!(text.contains("HttpOnly; SameSite=Strict; Path=/"), "{text}");
        assert!(
            !text.contains("Secure"),
            "plain HTTP: a browser drops a Secure cookie"
        );
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        let set = set_cookie("bonded_session", "xyz", 10, &h);
        assert!(set.to_str().expect("ascii").ends_with("; Secure"));
    }

    #[test]
    fn web_secrets_compare_whole() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
    }
}
