//! A book's verification lists with customs: each list's stage (recorded, exported, declared,
//! approved, booked …) and customs' numbers, a button that writes a list as the INV101 file
//! the declaration client imports (and records the export), where the book and customs'
//! receipts disagree, and the cycle's write-off declaration (EMS121) to download.
//!
//! The figures are the API's: `GET /books/{account}/lists` and `/reconcile`, `POST
//! /books/{account}/lists/{ref}/export`.

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Form;
use ledger_core::events::commands::Command;
use ledger_core::model::review::Role;
use maud::html;
use serde::Deserialize;

use super::book::{account, account_as_of, book, header_of, refused, tabs, AsOfQuery};
use super::i18n::{t, Lang};
use super::session::Signed;
use super::{reading, render, submit, PageError, Web};
use crate::commands::lists::now_shanghai;
use crate::serve::routes::messages::{list_export, reconciliation};
use crate::serve::writer::Work;

/// The stage of a list in the page's language.
fn stage_name(l: Lang, stage: &str) -> String {
    let key = match stage {
        "recorded" => "st_recorded",
        "exported" => "st_exported",
        "staged" => "st_staged",
        "declared" => "st_declared",
        "failed" => "st_failed",
        "received" => "st_received",
        "review" => "st_review",
        "returned" => "st_returned",
        "approved" => "st_approved",
        "pre_deducted" => "st_pre_deducted",
        "deducted" => "st_deducted",
        "deleted" => "st_deleted",
        "written_off" => "st_written_off",
        other => return other.to_string(),
    };
    t(l, key).to_string()
}

pub async fn page(
    State(web): State<Web>,
    signed: Signed,
    Path(account_text): Path<String>,
    q: Result<Query<AsOfQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let (account, as_of) = account_as_of(signed.lang, &account_text, q)?;
    let here = format!("/app/books/{account}/lists?as_of={as_of}");
    render(&web, signed, here, move |shared, st, signed| {
        let l = signed.lang;
        let b = book(&shared.ledger, &account)?;
        let lists = ledger_core::reports::lists::list_report(&shared.ledger, &account, None)
            .map_err(refused)?;
        let r = reconciliation(shared, st, &account, as_of)?;
        let may_export = signed.caller.role != Role::Auditor;
        let body = html! {
            (header_of(l, b))
            (tabs(l, &account, "lists"))
            h2 { (t(l, "lists")) }
            @if lists.lists.is_empty() {
                p #no-lists { (t(l, "no_lists")) }
            } @else {
                table #lists {
                    thead { tr {
                        th { (t(l, "list_ref")) } th { (t(l, "direction")) } th { (t(l, "mode")) }
                        th.num { (t(l, "lines")) } th { (t(l, "status")) }
                        th { (t(l, "seq_no")) } th { (t(l, "bond_invt_no")) } th { (t(l, "updated")) }
                        @if may_export { th { "INV101" } }
                    } }
                    tbody {
                        @for x in &lists.lists {
                            @let status = x.status.to_string();
                            tr data-ref=(x.ref_) data-status=(status) {
                                td { (x.ref_) } td { (x.dir) } td { (x.mode) }
                                td.num { (x.lines) }
                                td.status { (stage_name(l, &status)) }
                                td { (x.seq_no.as_deref().unwrap_or("")) }
                                td { (x.bond_invt_no.as_deref().unwrap_or("")) }
                                td { (x.updated.map(|d| d.to_string()).unwrap_or_default()) }
                                @if may_export {
                                    td {
                                        form.export method="post" action={ "/app/books/" (account) "/lists/export" } {
                                            input type="hidden" name="csrf" value=(signed.csrf);
                                            input type="hidden" name="ref" value=(x.ref_);
                                            button.export type="submit" { (t(l, "export_inv101")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                @if may_export { p.hint { (t(l, "export_hint")) } }
            }
            h2 { (t(l, "reconcile")) " " (as_of) }
            form.inline method="get" action={ "/app/books/" (account) "/lists" } {
                label for="as_of" { (t(l, "as_of")) }
                input #as_of type="date" name="as_of" value=(as_of);
                button type="submit" { (t(l, "show")) }
            }
            @if r.differences.is_empty() {
                p #reconcile-agree { (t(l, "reconcile_agree")) }
            } @else {
                table #reconcile {
                    thead { tr {
                        th { (t(l, "kind")) } th { (t(l, "list_ref")) } th.num { (t(l, "line")) }
                        th { (t(l, "item")) } th { (t(l, "book_says")) } th { (t(l, "customs_says")) }
                        th { (t(l, "note")) }
                    } }
                    tbody {
                        @for d in &r.differences {
                            tr data-kind=(d.kind.as_str()) {
                                td { (d.kind.as_str()) } td { (d.ref_.as_deref().unwrap_or("")) }
                                td.num { (d.line.map(|n| n.to_string()).unwrap_or_default()) }
                                td { (d.item.map(|i| i.to_string()).unwrap_or_default()) }
                                td { (d.book.as_deref().unwrap_or("")) }
                                td { (d.customs.as_deref().unwrap_or("")) }
                                td { (d.note) }
                            }
                        }
                    }
                }
            }
            h2 { (t(l, "downloads")) }
            ul.downloads #list-downloads {
                li { a href={ "/app/books/" (account) "/download/reconcile.xlsx?as_of=" (as_of) } { (t(l, "dl_reconcile")) } }
                li { a href={ "/app/books/" (account) "/download/ems121.xml" } { (t(l, "dl_ems121")) } }
            }
        };
        Ok((format!("{} {account}", t(l, "lists")), body))
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct ExportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default, rename = "ref")]
    ref_: String,
}

impl super::session::WithCsrf for ExportForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// A clerk, reviewer or admin writes a list as INV101: the file is the answer (a download), and
/// the list is recorded as exported, as `bonded lists export` does.
pub async fn export(
    State(web): State<Web>,
    signed: Signed,
    Path(account_text): Path<String>,
    form: Result<Form<ExportForm>, FormRejection>,
) -> Result<Response, PageError> {
    let lang = signed.lang;
    let form = match signed.form(form) {
        Ok(form) => form,
        Err(refused) => return Ok(*refused),
    };
    signed
        .caller
        .require(&[Role::Clerk, Role::Reviewer, Role::Admin], "export lists")
        .map_err(|error| PageError { lang, error })?;
    let account = account(lang, &account_text)?;
    let ref_ = form.ref_.trim().to_string();
    let now = now_shanghai();
    let (file, event) = reading(&web, lang, move |shared, st| {
        list_export(shared, st, &account, &ref_, now)
    })
    .await?;
    submit(
        &web,
        &signed.caller.name,
        Work::One(Box::new(Command::RecordListExport(event))),
    )
    .await
    .map_err(|error| PageError { lang, error })?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/xml".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file.file_name),
            ),
        ],
        file.bytes,
    )
        .into_response())
}
