//! Review: the items waiting, each with what approving it would change — worked out by the core
//! on a copy of the state (the approval decided against a clone, its events folded in, the
//! balances and the period's duty compared) — and, for a reviewer who did not submit it, the
//! approve and reject forms. The writer refuses a submitter's own approval whatever the page
//! shows.

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::Form;
use chrono::NaiveDate;
use ledger_core::events::commands::Command;
use ledger_core::events::review::Reviewable;
use ledger_core::model::period::Period;
use ledger_core::model::review::{ReviewClass, Role};
use ledger_core::state::reviews::{pending_items, Pending};
use ledger_core::Ledger;
use maud::{html, Markup};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::book::query;
use super::i18n::{class_name, t, Lang};
use super::session::Signed;
use super::{render, see_other, submit, PageError, Web};
use crate::serve::error::ApiError;
use crate::serve::state::read;
use crate::serve::writer::Work;

/// One material whose balance the item changes, on the item's date.
pub struct Change {
    pub item: String,
    pub name: String,
    pub unit: String,
    pub before: Decimal,
    pub after: Decimal,
}

/// What approving an item would do.
pub struct Impact {
    pub date: Option<NaiveDate>,
    pub changes: Vec<Change>,
    /// A domestic sale: the period, its duty total before and after.
    pub duty: Option<(Period, Decimal, Decimal)>,
    /// Why it would be refused now, or why it could not be worked out.
    pub note: Option<String>,
}

fn date_of(item: &Reviewable) -> Option<NaiveDate> {
    match item {
        Reviewable::Movement(l) => Some(l.date),
        Reviewable::Stocktake(s) => Some(s.date),
        Reviewable::Correction(_)
        | Reviewable::UnitConsumption(_)
        | Reviewable::Settings { .. }
        | Reviewable::Reference { .. } => None,
    }
}

/// Approves `p` on a copy of the state (as a reviewer who did not submit it) and compares.
pub fn impact(ledger: &Ledger, p: &Pending) -> Impact {
    let date = date_of(&p.item);
    let mut out = Impact {
        date,
        changes: Vec::new(),
        duty: None,
        note: None,
    };
    let Some(reviewer) = ledger
        .users
        .iter()
        .find(|u| u.role == Role::Reviewer && u.name != p.submitted_by)
    else {
        out.note = Some("no reviewer other than the submitter: nobody can approve it".into());
        return out;
    };
    let approve = Command::ApproveReview {
        id: p.id,
        by: reviewer.name.clone(),
    };
    let decided = match ledger_core::decide(ledger, &approve) {
        Ok(d) => d,
        Err(r) => {
            out.note = Some(r.to_string());
            return out;
        }
    };
    let mut after = ledger.clone();
    for d in &decided {
        after.evolve(d.id, &d.event);
    }
    let on = date.unwrap_or_else(crate::today_shanghai);
    let account = &p.account;
    let (Ok(b0), Ok(b1)) = (
        ledger_core::state::balance::balances(ledger, account, on),
        ledger_core::state::balance::balances(&after, account, on),
    ) else {
        return out;
    };
    for (m0, m1) in b0.materials.iter().zip(&b1.materials) {
        if m0.item == m1.item && m0.balance != m1.balance {
            out.changes.push(Change {
                item: m0.item.to_string(),
                name: m0.name.clone(),
                unit: m0.unit.clone(),
                before: m0.balance,
                after: m1.balance,
            });
        }
    }
    let sale = matches!(
        p.item.class(),
        Some(ReviewClass::DomesticSales | ReviewClass::ScrapSales)
    );
    if let (true, Some(d), Some(book)) = (sale, date, ledger.book(account)) {
        let period = Period::of(d, book.settings.duty_period);
        if book.duty_filed.contains_key(&period) {
            out.note = Some(format!("the duty of {period} is filed already"));
        } else {
            let total = |l: &Ledger| {
                ledger_core::reports::duty::assess(l, account, period, period.due())
                    .map(|d| d.totals.total)
            };
            match (total(ledger), total(&after)) {
                (Ok(x), Ok(y)) => out.duty = Some((period, x, y)),
                (_, Err(r)) | (Err(r), _) => out.note = Some(r.to_string()),
            }
        }
    }
    out
}

fn impact_markup(l: Lang, i: &Impact) -> Markup {
    html! {
        div.impact {
            @if !i.changes.is_empty() {
                table.changes {
                    thead { tr {
                        th { (t(l, "material")) } th { (t(l, "name")) }
                        th.num { (t(l, "balance_before")) " " (i.date.map(|d| d.to_string()).unwrap_or_default()) }
                        th.num { (t(l, "balance_after")) }
                    } }
                    tbody {
                        @for c in &i.changes {
                            tr { td { (c.item) } td { (c.name) } td.num { (c.before) " " (c.unit) } td.num.after { (c.after) " " (c.unit) } }
                        }
                    }
                }
            } @else {
                p { (t(l, "no_balance_change")) }
            }
            @if let Some((period, before, after)) = &i.duty {
                p.duty-change { (t(l, "duty_of")) " " (period) ": " (before) " → " b { (after) } " CNY (+" (after - before) ")" }
            }
            @if let Some(n) = &i.note { p.hint { (n) } }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct Flash {
    done: Option<String>,
}

pub async fn page(
    State(web): State<Web>,
    signed: Signed,
    q: Result<Query<Flash>, QueryRejection>,
) -> Result<Response, PageError> {
    let flash = query(signed.lang, q)?.done;
    render(&web, signed, "/app/review".into(), move |shared, _, signed| {
        let l = signed.lang;
        let me = &signed.caller;
        let mut pending = pending_items(&shared.ledger, None);
        pending.retain(|p| me.may_see(&p.account));
        let body = html! {
            h1 { (t(l, "review")) }
            @match flash.as_deref() {
                Some("approved") => p.flash #flash { (t(l, "approved_flash")) },
                Some("rejected") => p.flash #flash { (t(l, "rejected_flash")) },
                _ => {},
            }
            @if pending.is_empty() {
                p #no-pending { (t(l, "nothing_pending")) }
            }
            @for p in &pending {
                @let own = p.submitted_by == me.name;
                section.pending id={ "r-" (p.id) } data-id=(p.id) {
                    h2 { (class_name(l, p.item.class())) " · " (p.account) }
                    p.what { (p.item.describe()) }
                    p.meta { (t(l, "submitted_by")) " " (p.submitted_by) " · " (t(l, "review_id")) " " code { (p.id) } }
                    (impact_markup(l, &impact(&shared.ledger, p)))
                    @if me.role == Role::Reviewer && !own {
                        div.actions {
                            form.inline method="post" action={ "/app/review/" (p.id) "/approve" } {
                                input type="hidden" name="csrf" value=(signed.csrf);
                                button.approve type="submit" { (t(l, "approve")) }
                            }
                            form.inline method="post" action={ "/app/review/" (p.id) "/reject" } {
                                input type="hidden" name="csrf" value=(signed.csrf);
                                label { (t(l, "reason")) " " input type="text" name="reason" required maxlength="500"; }
                                button.reject type="submit" { (t(l, "reject")) }
                            }
                        }
                    } @else if own {
                        p.hint.no-approve { (t(l, "own_submission")) }
                    } @else {
                        p.hint.no-approve { (t(l, "reviewers_approve")) }
                    }
                }
            }
        };
        Ok((t(l, "review").to_string(), body))
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

impl super::session::WithCsrf for ReviewForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

fn review_id(lang: Lang, text: &str) -> Result<uuid::Uuid, PageError> {
    text.trim().parse().map_err(|_| PageError {
        lang,
        error: ApiError::bad(format!("{text:?} is not a review id")),
    })
}

async fn close(
    web: Web,
    signed: Signed,
    id: String,
    form: Result<Form<ReviewForm>, FormRejection>,
    approve: bool,
) -> Result<Response, PageError> {
    let lang = signed.lang;
    let reason = match signed.form(form) {
        Ok(form) => form.reason,
        Err(refused) => return Ok(*refused),
    };
    let as_page = |error| PageError { lang, error };
    signed
        .caller
        .require(
            &[Role::Reviewer],
            if approve { "approve" } else { "reject" },
        )
        .map_err(as_page)?;
    let id = review_id(lang, &id)?;
    signed
        .caller
        .require_review(&read(&web.app.shared).ledger, &id)
        .map_err(as_page)?;
    let by = signed.caller.name.clone();
    let command = if approve {
        Command::ApproveReview { id, by }
    } else {
        Command::RejectReview { id, by, reason }
    };
    submit(&web, &signed.caller.name, Work::One(Box::new(command)))
        .await
        .map_err(as_page)?;
    Ok(see_other(if approve {
        "/app/review?done=approved"
    } else {
        "/app/review?done=rejected"
    }))
}

pub async fn approve(
    State(web): State<Web>,
    signed: Signed,
    Path(id): Path<String>,
    form: Result<Form<ReviewForm>, FormRejection>,
) -> Result<Response, PageError> {
    close(web, signed, id, form, true).await
}

pub async fn reject(
    State(web): State<Web>,
    signed: Signed,
    Path(id): Path<String>,
    form: Result<Form<ReviewForm>, FormRejection>,
) -> Result<Response, PageError> {
    close(web, signed, id, form, false).await
}
