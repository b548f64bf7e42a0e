//! Record: a CSV file uploaded from the browser (multipart), recorded exactly as the API's
//! `POST /books/{account}/files` records it (a customs message file — INV101, the client's
//! result, a receipt — as `POST /books/{account}/messages` does) — the same reader, the same all-or-nothing decision
//! through the writer, the same `{error, lines:[{line, column, message}]}` when anything is
//! wrong (and then nothing is written). The page shows each problem against its row and column
//! in the file as uploaded; a line refused by a customs rule says why.

use axum::extract::{Multipart, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ledger_core::model::ids::BookNo;
use ledger_core::model::refusal::InvalidValue;
use ledger_core::model::review::Role;
use maud::{html, Markup};

use super::i18n::{notice_text, t, Lang};
use super::layout::{error_lines, problem};
use super::session::Signed;
use super::{render, PageError, Web};
use crate::input::FileKind;
use crate::serve::error::{ApiError, LineMessage};
use crate::serve::routes::messages::{record_message_file, MessageReply};
use crate::serve::routes::record::{record, RecordReply};

/// The kinds offered in the form (any CSV of the contract is read, recognised by its header).
const KINDS: [&str; 10] = [
    "movements",
    "items",
    "bom",
    "corrections",
    "openings",
    "stocktake",
    "workorders",
    "fx",
    "tariff",
    "interest",
];

fn form(l: Lang, signed: &Signed, books: &[String], chosen: Option<&str>) -> Markup {
    html! {
        form.upload #upload method="post" action="/app/record" enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(signed.csrf);
            label for="account" { (t(l, "book")) }
            select #account name="account" {
                @for b in books { option value=(b) selected[Some(b.as_str()) == chosen] { (b) } }
            }
            label for="kind" { (t(l, "kind")) }
            select #kind name="kind" {
                option value="" { (t(l, "kind_auto")) }
                @for k in KINDS { option value=(k) { (k) } }
            }
            label for="file" { (t(l, "csv_file")) }
            input #file type="file" name="file" accept=".csv,text/csv,.xml,application/xml,text/xml" required;
            button #upload-button type="submit" { (t(l, "upload")) }
        }
        p.hint { (t(l, "record_hint")) }
    }
}

pub async fn page(State(web): State<Web>, signed: Signed) -> Result<Response, PageError> {
    signed
        .caller
        .require(&[Role::Clerk, Role::Reviewer, Role::Admin], "record files")
        .map_err(|error| PageError {
            lang: signed.lang,
            error,
        })?;
    render(&web, signed, "/app/record".into(), |shared, _, signed| {
        let l = signed.lang;
        let books: Vec<String> = signed
            .caller
            .visible_books(&shared.ledger)
            .map(|b| b.to_string())
            .collect();
        let body = html! {
            h1 { (t(l, "record")) }
            (form(l, signed, &books, None))
        };
        Ok((t(l, "record").to_string(), body))
    })
    .await
}

/// The parts of the upload form.
#[derive(Default)]
struct Upload {
    csrf: Option<String>,
    account: String,
    kind: String,
    file_name: String,
    file: Vec<u8>,
}

async fn read_upload(mut m: Multipart) -> Result<Upload, ApiError> {
    let mut u = Upload::default();
    let bad = |e: axum::extract::multipart::MultipartError| {
        ApiError::new(e.status(), format!("the upload: {}", e.body_text()))
    };
    while let Some(field) = m.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "file" => {
                u.file_name = field.file_name().unwrap_or_default().to_string();
                u.file = field.bytes().await.map_err(bad)?.to_vec();
            }
            "csrf" => u.csrf = Some(field.text().await.map_err(bad)?),
            "account" => u.account = field.text().await.map_err(bad)?,
            "kind" => u.kind = field.text().await.map_err(bad)?,
            _ => {}
        }
    }
    Ok(u)
}

/// The uploaded file as text (UTF-8, or GB18030 as the reader accepts).
fn file_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

/// The file as a table, line numbers as the reader counts them (the header is line 1), each
/// cell an error names marked with its message; a problem with no column marks its line.
fn marked_file(text: &str, errors: &[LineMessage]) -> Markup {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows: Vec<(u64, Vec<String>)> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        if i >= 2000 {
            break;
        }
        let Ok(record) = record else { break };
        let line = record.position().map(|p| p.line()).unwrap_or(i as u64 + 1);
        rows.push((line, record.iter().map(str::to_string).collect()));
    }
    let norm = |s: &str| s.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
    let header: Vec<String> = rows
        .first()
        .map(|(_, h)| h.iter().map(|c| norm(c)).collect())
        .unwrap_or_default();
    let column_of = |c: &str| header.iter().position(|h| *h == norm(c));
    html! {
        table.file #file-view {
            @for (line, cells) in &rows {
                @let here: Vec<&LineMessage> = errors.iter().filter(|e| e.line == line.to_string()).collect();
                @let whole = here.iter().any(|e| e.column.as_deref().and_then(column_of).is_none());
                tr class=[if whole { Some("bad-line") } else if *line == 1 { Some("head") } else { None }] {
                    td.num { (line) }
                    @for (i, cell) in cells.iter().enumerate() {
                        @let bad: Vec<&str> = here.iter().filter(|e| e.column.as_deref().and_then(column_of) == Some(i)).map(|e| e.message.as_str()).collect();
                        @if bad.is_empty() {
                            td { (cell) }
                        } @else {
                            td.bad title=(bad.join("; ")) data-line=(line) data-column=(header.get(i).map(String::as_str).unwrap_or("")) {
                                (cell) div.why { (bad.join("; ")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub async fn upload(
    State(web): State<Web>,
    signed: Signed,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    let lang = signed.lang;
    let as_page = |error| PageError { lang, error };
    let Ok(multipart) = multipart else {
        return Ok(signed
            .refuse_csrf(None)
            .unwrap_or_else(|| StatusCode::FORBIDDEN.into_response()));
    };
    let upload = read_upload(multipart).await.map_err(as_page)?;
    if let Some(r) = signed.refuse_csrf(upload.csrf.as_deref()) {
        return Ok(r);
    }
    signed
        .caller
        .require(&[Role::Clerk, Role::Reviewer, Role::Admin], "record files")
        .map_err(as_page)?;
    let account: BookNo = upload
        .account
        .trim()
        .parse()
        .map_err(|e: InvalidValue| as_page(ApiError::bad(format!("account: {e}"))))?;
    let kind = match upload.kind.trim() {
        "" => None,
        k => Some(
            FileKind::parse(k)
                .ok_or_else(|| as_page(ApiError::bad(format!("kind={k}: not a kind of file"))))?,
        ),
    };
    let outcome = if is_xml(&upload.file) {
        record_message_file(
            &web.app,
            &signed.caller,
            account.clone(),
            &upload.file_name,
            &upload.file,
        )
        .await
        .map(Recorded::Message)
    } else {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv"));
        match crate::serve::body::table(&headers, &upload.file, kind) {
            Ok(table) => record(&web.app, &signed.caller, account.clone(), table)
                .await
                .map(|j| Recorded::File(j.0)),
            Err(e) => Err(e),
        }
    };
    let status = match &outcome {
        Ok(_) => StatusCode::OK,
        Err(e) => e.status,
    };
    let text = file_text(&upload.file);
    let file_name = upload.file_name.clone();
    let chosen = account.to_string();
    let mut response = render(
        &web,
        signed,
        "/app/record".into(),
        move |shared, _, signed| {
            let l = signed.lang;
            let books: Vec<String> = signed
                .caller
                .visible_books(&shared.ledger)
                .map(|b| b.to_string())
                .collect();
            let body = html! {
                h1 { (t(l, "record")) }
                @match &outcome {
                    Ok(Recorded::File(reply)) => (recorded(l, reply, &file_name)),
                    Ok(Recorded::Message(reply)) => (recorded_message(l, reply, &file_name)),
                    Err(e) => {
                        section.refused #refused {
                            h2 { (t(l, "nothing_written")) }
                            (problem(l, e))
                            (error_lines(l, &e.body.lines))
                            @if !text.trim().is_empty() && !is_xml(text.as_bytes()) {
                                h3 { (file_name) }
                                (marked_file(&text, &e.body.lines))
                            }
                        }
                    }
                }
                h2 { (t(l, "upload_again")) }
                (form(l, signed, &books, Some(&chosen)))
            };
            Ok((t(l, "record").to_string(), body))
        },
    )
    .await?;
    *response.status_mut() = status;
    Ok(response)
}

/// What an upload recorded: a CSV file's lines, or a customs message.
enum Recorded {
    File(RecordReply),
    Message(MessageReply),
}

/// Whether an upload is a message file (XML: `<` first, after a byte-order mark and blanks),
/// not a CSV file.
fn is_xml(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}

fn recorded_message(l: Lang, r: &MessageReply, file_name: &str) -> Markup {
    html! {
        section.recorded #recorded {
            h2 { (t(l, "recorded")) " " (file_name) }
            p { (t(l, "book")) " " (r.account) " · " (t(l, "message_kind")) " " span #message-kind { (r.kind) }
                @if let Some(list) = &r.ref_ { " · " (t(l, "list_ref")) " " (list) }
                @if let Some(status) = &r.status { " · " (t(l, "status")) " " span #message-status { (status) } }
                " · " (t(l, "events_written")) " " span #events-written { (r.events) } " · "
                (t(l, "log_position")) " " (r.log.position) }
            @if r.already_recorded { p.hint #already-recorded { (t(l, "already_recorded")) } }
        }
    }
}

fn recorded(l: Lang, r: &RecordReply, file_name: &str) -> Markup {
    html! {
        section.recorded #recorded {
            h2 { (t(l, "recorded")) " " (file_name) }
            p { (t(l, "book")) " " (r.account) " · " (t(l, "lines")) " " (r.lines) " · "
                (t(l, "events_written")) " " span #events-written { (r.events) } " · "
                (t(l, "log_position")) " " (r.log.position) }
            @if !r.pending.is_empty() {
                h3 { (t(l, "waiting_review")) }
                ul #recorded-pending {
                    @for p in &r.pending {
                        li { (t(l, "line")) " " (p.line) ": " a href={ "/app/review#r-" (p.id) } { (p.what) } }
                    }
                }
            }
            @if !r.notices.is_empty() {
                h3 { (t(l, "notices")) }
                ul #recorded-notices {
                    @for n in &r.notices {
                        li data-line=(n.line) data-column=(n.column) data-code=(n.code) {
                            (t(l, "line")) " " (n.line) ": " (notice_text(l, n.kind))
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
    use crate::input::notices::{Notice, NoticeKind};
    use crate::session::Position;

    fn reply(notices: &[u64]) -> RecordReply {
        RecordReply {
            account: "E44038000001".into(),
            lines: "3".into(),
            events: "3".into(),
            pending: Vec::new(),
            notices: notices
                .iter()
                .map(|&line| {
                    Notice {
                        line,
                        kind: NoticeKind::FreightIgnored,
                    }
                    .into()
                })
                .collect(),
            log: (&Position {
                seq: 9,
                hash: "ab".into(),
            })
                .into(),
        }
    }

    /// The page of a file recorded names each line whose freight was left out, in the page's
    /// language; a file without notices shows no list of them.
    #[test]
    fn web_a_recorded_files_notices_are_shown_in_the_pages_language() {
        let r = reply(&[2, 4]);
        let en = recorded(Lang::En, &r, "f.csv").into_string();
        assert!(en.contains("id=\"recorded-notices\""), "{en}");
        assert!(
            en.contains("Line 2: freight ignored: CFR/CIF prices include it"),
            "{en}"
        );
        assert!(
            en.contains("Line 4: freight ignored: CFR/CIF prices include it"),
            "{en}"
        );
        assert!(en.contains("data-code=\"freight_ignored\""), "{en}");
        let zh = recorded(Lang::Zh, &r, "f.csv").into_string();
        assert!(
            zh.contains("行 2: 运费未计入完税价格：CFR/CIF 价格已含运费"),
            "{zh}"
        );
        assert!(!zh.contains("freight ignored"), "{zh}");
        let none = recorded(Lang::En, &reply(&[]), "f.csv").into_string();
        assert!(!none.contains("recorded-notices"), "{none}");
    }
}
