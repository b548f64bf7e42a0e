//! Today: for every book, what is overdue and what falls due in the next [`HORIZON_DAYS`] days
//! (`reports::deadlines`, with the late fees), and the items waiting for review.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use ledger_core::reports::deadlines::Status;
use ledger_core::state::reviews::pending_items;
use maud::html;
use serde::Deserialize;

use super::i18n::{class_name, obligation_name, t};
use super::session::Signed;
use super::{render, PageError, Web};
use crate::serve::error::ApiError;

/// Obligations due within this many days are shown.
pub const HORIZON_DAYS: i64 = 30;

#[derive(Debug, Deserialize)]
pub struct TodayQuery {
    as_of: Option<String>,
}

pub async fn page(
    State(web): State<Web>,
    signed: Signed,
    q: Result<Query<TodayQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let lang = signed.lang;
    let as_of_text = super::book::query(lang, q)?.as_of;
    let as_of = super::book::parse_date(lang, "as_of", as_of_text.as_deref())?
        .unwrap_or_else(crate::today_shanghai);
    render(&web, signed, "/app".into(), move |shared, _, signed| {
        let l = signed.lang;
        let mut rows = Vec::new();
        for account in signed.caller.visible_books(&shared.ledger) {
            let report = crate::commands::deadlines::report(&shared.ledger, account, as_of)
                .map_err(|r| ApiError::from_refusal(&r))?;
            for o in report.obligations {
                let soon = o.status == Status::Open && o.days_left <= HORIZON_DAYS;
                if o.status == Status::Overdue || soon {
                    rows.push((account.clone(), o));
                }
            }
        }
        rows.sort_by_key(|(_, o)| o.due);
        let mut pending = pending_items(&shared.ledger, None);
        pending.retain(|p| signed.caller.may_see(&p.account));
        let body = html! {
            h1 { (t(l, "today")) " " (as_of) }
            form.inline method="get" action="/app" {
                label for="as_of" { (t(l, "as_of")) }
                input #as_of type="date" name="as_of" value=(as_of);
                button type="submit" { (t(l, "show")) }
            }
            h2 { (t(l, "obligations")) }
            p.hint { (t(l, "obligations_hint")) }
            @if rows.is_empty() {
                p #no-obligations { (t(l, "nothing_due")) }
            } @else {
                table #obligations {
                    thead { tr {
                        th { (t(l, "book")) } th { (t(l, "obligation")) } th { (t(l, "period")) }
                        th { (t(l, "due")) } th { (t(l, "days_left")) } th { (t(l, "status")) }
                        th.num { (t(l, "late_fee_cny")) } th { (t(l, "note")) }
                    } }
                    tbody {
                        @for (account, o) in &rows {
                            tr class=(if o.status == Status::Overdue { "overdue" } else { "soon" }) {
                                td { a href={ "/app/books/" (account) } { (account) } }
                                td { (obligation_name(l, o.kind)) }
                                td { (o.period) }
                                td { (o.due) }
                                td.num { (o.days_left) }
                                td { (if o.status == Status::Overdue { t(l, "overdue") } else { t(l, "open") }) }
                                td.num { (o.late_fee_cny) }
                                td { (o.note.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
            h2 { (t(l, "waiting_review")) }
            @if pending.is_empty() {
                p #no-pending { (t(l, "nothing_pending")) }
            } @else {
                table #pending {
                    thead { tr {
                        th { (t(l, "book")) } th { (t(l, "class")) } th { (t(l, "what")) }
                        th { (t(l, "submitted_by")) }
                    } }
                    tbody {
                        @for p in &pending {
                            tr {
                                td { (p.account) }
                                td { (class_name(l, p.item.class())) }
                                td { a href={ "/app/review#r-" (p.id) } { (p.item.describe()) } }
                                td { (p.submitted_by) }
                            }
                        }
                    }
                }
            }
        };
        Ok((t(l, "today").to_string(), body))
    })
    .await
}
