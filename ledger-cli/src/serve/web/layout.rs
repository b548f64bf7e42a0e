//! The frame of every page: the bar at the top (the pages the user's role may use, the books,
//! who is signed in, the language switch, sign out), the page, and the audit footer — the log
//! position and head hash the figures come from, as every report of the command line ends.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ledger_core::model::review::Role;
use maud::{html, Markup, DOCTYPE};

pub use super::i18n::Lang;
use super::i18n::{role_name, t};
use crate::serve::auth::Caller;
use crate::serve::error::ApiError;
use crate::session::Position;

/// Who is signed in, for the top bar.
pub struct Nav<'a> {
    pub caller: &'a Caller,
    pub csrf: &'a str,
    pub books: Vec<String>,
}

/// Whether a role may record (clerks, reviewers, admins: never an auditor).
pub fn may_record(role: Role) -> bool {
    matches!(role, Role::Clerk | Role::Reviewer | Role::Admin)
}

/// `here` with `lang=` set to `to` (any earlier `lang=` dropped).
pub fn with_lang(here: &str, to: Lang) -> String {
    let (path, query) = here.split_once('?').unwrap_or((here, ""));
    let mut parts: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("lang="))
        .collect();
    let lang = format!("lang={}", to.code());
    parts.push(&lang);
    format!("{path}?{}", parts.join("&"))
}

/// A whole page as the response. `here`: the page's own path and query (the language switch
/// links back to it).
pub fn page(
    l: Lang,
    nav: Option<&Nav>,
    position: &Position,
    title: &str,
    here: &str,
    body: Markup,
) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang=(l.html_code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (t(l, "app_name")) }
                link rel="stylesheet" href="/app/static/style.css";
                script src="/app/static/app.js" defer {}
            }
            body {
                header.top {
                    a.brand href="/app" { (t(l, "app_name")) }
                    @if let Some(nav) = nav {
                        nav {
                            a #nav-today href="/app" { (t(l, "today")) }
                            @for b in &nav.books {
                                a.book href={ "/app/books/" (b) } { (t(l, "book")) " " (b) }
                            }
                            @if may_record(nav.caller.role) {
                                a #nav-record href="/app/record" { (t(l, "record")) }
                            }
                            a #nav-review href="/app/review" { (t(l, "review")) }
                        }
                    }
                    div.who {
                        @if let Some(nav) = nav {
                            span #who { (nav.caller.name) " · " (role_name(l, nav.caller.role)) }
                        }
                        span.lang {
                            @if l == Lang::Zh { b { "中文" } } @else { a #lang-zh href=(with_lang(here, Lang::Zh)) { "中文" } }
                            " | "
                            @if l == Lang::En { b { "English" } } @else { a #lang-en href=(with_lang(here, Lang::En)) { "English" } }
                        }
                        @if let Some(nav) = nav {
                            form.inline method="post" action="/app/sign-out" {
                                input type="hidden" name="csrf" value=(nav.csrf);
                                button #sign-out type="submit" { (t(l, "sign_out")) }
                            }
                        }
                    }
                }
                main { (body) }
                footer.audit #audit {
                    (t(l, "log_position")) " " span #log-position { (position.seq) }
                    " · " (t(l, "head_hash")) " " code #head-hash { (position.hash) }
                    " — " (t(l, "audit_hint"))
                }
            }
        }
    };
    html_response(StatusCode::OK, markup)
}

/// HTML with its content type.
pub fn html_response(status: StatusCode, markup: Markup) -> Response {
    let mut r = (status, markup.into_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

/// A page saying what went wrong, with every located line, and the way back.
pub fn error_page(l: Lang, error: &ApiError) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang=(l.html_code()) {
            head {
                meta charset="utf-8";
                title { (error.status.as_u16()) " · " (t(l, "app_name")) }
                link rel="stylesheet" href="/app/static/style.css";
            }
            body {
                main {
                    h1 { (t(l, "error")) " " (error.status.as_u16()) }
                    (problem(l, error))
                    (error_lines(l, &error.body.lines))
                    p { a href="/app" { (t(l, "back_to_today")) } }
                }
            }
        }
    };
    html_response(error.status, markup)
}

/// What went wrong, in the page's language: what kind of problem it is (by its status), then
/// the reason as the ledger gives it — on a Chinese page, labelled as the detail.
pub fn problem(l: Lang, error: &ApiError) -> Markup {
    let key = match error.status.as_u16() {
        400 => "err_400",
        401 => "err_401",
        403 => "err_403",
        404 => "err_404",
        409 => "err_409",
        413 => "err_413",
        415 => "err_415",
        422 => "err_422",
        503 => "err_503",
        _ => "err_other",
    };
    html! {
        p.problem #error role="alert" {
            strong #error-kind { (t(l, key)) }
            " "
            @if l == Lang::Zh { span.detail-label { (t(l, "detail")) } " " }
            span #error-detail { (error.body.error) }
        }
    }
}

/// The located lines of an error, as a table (line, column, why).
pub fn error_lines(l: Lang, lines: &[crate::serve::error::LineMessage]) -> Markup {
    html! {
        @if !lines.is_empty() {
            table.errors #error-lines {
                thead { tr { th { (t(l, "line")) } th { (t(l, "column")) } th { (t(l, "message")) } } }
                tbody {
                    @for e in lines {
                        tr data-line=(e.line) data-column=[e.column.as_deref()] {
                            td.num { (e.line) }
                            td { (e.column.as_deref().unwrap_or("")) }
                            td { (e.message) }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_language_links_keep_the_query() {
        assert_eq!(with_lang("/app", Lang::En), "/app?lang=en");
        assert_eq!(
            with_lang("/app/books/E1?as_of=2025-12-31&lang=zh", Lang::En),
            "/app/books/E1?as_of=2025-12-31&lang=en"
        );
    }
}
