//! A book's files, as the command line writes them: CSV and workbooks (`--format csv|xlsx`) of
//! the balances, the duty declaration, the cycle report and the reconciliation with customs,
//! the deadlines as a calendar (`.ics`), Order 182 exposure, and the cycle's write-off
//! declaration (EMS121). Each carries the log position it was computed from.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::book::AsOfQuery;
use super::book::{account_as_of, book, declaration, default_period, refused};
use super::session::Signed;
use super::{reading, PageError, Web};
use crate::output::report_sheets::{balance_sheets, cycle_sheets, duty_sheets};
use crate::output::xlsx::{workbook_bytes, Sheet};
use crate::serve::error::ApiError;
use crate::serve::routes::messages::reconciliation;

/// Every file a book offers, for the "no such download" answer.
const FILES: &str = "balance.csv, balance.xlsx, deadlines.ics, duty.csv, duty.xlsx, cycle.csv, \
                     cycle.xlsx, exposure.csv, reconcile.xlsx, ems121.xml";

const CSV: &str = "text/csv; charset=utf-8";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn workbook(sheets: &[Sheet]) -> Result<Vec<u8>, ApiError> {
    workbook_bytes(sheets)
        .map_err(|e| ApiError::internal(format!("cannot build the workbook: {e:#}")))
}

/// One of the book's files (`file` names it: see [`FILES`]), as an attachment.
pub async fn download(
    State(web): State<Web>,
    signed: Signed,
    Path((account_text, file)): Path<(String, String)>,
    q: Result<Query<AsOfQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let lang = signed.lang;
    let (account, as_of) = account_as_of(lang, &account_text, q)?;
    // The book number has been read as one, and the file's name is one of FILES once the read
    // succeeds: the attachment's name is a valid header value.
    let filename = format!("attachment; filename=\"{account}-{file}\"");
    let (body, content_type) = reading(&web, lang, move |shared, st| {
        let p = &shared.position;
        let ledger = &shared.ledger;
        let b = book(ledger, &account)?;
        let text = |s: String| s.into_bytes();
        Ok(match file.as_str() {
            "balance.csv" | "balance.xlsx" => {
                let r = ledger_core::state::balance::balances(ledger, &account, as_of)
                    .map_err(refused)?;
                match file.ends_with(".csv") {
                    true => (
                        text(crate::output::with_audit_csv(
                            crate::output::balance::balance_csv(&r),
                            p,
                        )),
                        CSV,
                    ),
                    false => (workbook(&balance_sheets(b, &r, p))?, XLSX),
                }
            }
            "deadlines.ics" => {
                let r =
                    crate::commands::deadlines::report(ledger, &account, as_of).map_err(refused)?;
                (
                    text(crate::output::ics::ics(&r, p, chrono::Utc::now())),
                    "text/calendar; charset=utf-8",
                )
            }
            "duty.csv" | "duty.xlsx" => {
                let (d, _) = declaration(ledger, &account, default_period(b))?;
                match file.ends_with(".csv") {
                    true => (
                        text(crate::output::with_audit_csv(
                            crate::output::duty::declaration_csv(&d),
                            p,
                        )),
                        CSV,
                    ),
                    false => (workbook(&duty_sheets(b, &d, p))?, XLSX),
                }
            }
            "cycle.csv" | "cycle.xlsx" => {
                let r = ledger_core::reports::cycle::cycle_report(ledger, &account, None, None)
                    .map_err(refused)?;
                match file.ends_with(".csv") {
                    true => (
                        text(crate::output::with_audit_csv(
                            crate::output::cycle::identity_csv(&r.materials),
                            p,
                        )),
                        CSV,
                    ),
                    false => (workbook(&cycle_sheets(b, &r, p))?, XLSX),
                }
            }
            "exposure.csv" => {
                let r = ledger_core::reports::exposure::exposure(ledger, &account, None)
                    .map_err(refused)?;
                (
                    text(crate::output::with_audit_csv(
                        crate::output::exposure::report_csv(&r),
                        p,
                    )),
                    CSV,
                )
            }
            "reconcile.xlsx" => {
                let r = reconciliation(shared, st, &account, as_of)?;
                (
                    workbook(&crate::output::lists::reconcile_sheets(b, &r, p))?,
                    XLSX,
                )
            }
            "ems121.xml" => {
                let w = ledger_core::reports::ems121::write_off(
                    ledger,
                    &account,
                    None,
                    crate::commands::lists::now_shanghai(),
                )
                .map_err(refused)?;
                (
                    text(ledger_core::messages::ems121::to_xml(&w.document)),
                    "application/xml",
                )
            }
            other => {
                return Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    format!("no download {other:?}: {FILES}"),
                ))
            }
        })
    })
    .await?;
    let mut r = body.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let disposition =
        HeaderValue::from_str(&filename).unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    r.headers_mut()
        .insert(header::CONTENT_DISPOSITION, disposition);
    Ok(r)
}
