//! Request bodies → tables: CSV (any file of CONTRACT.md, the same reader as `bonded load`) or
//! JSON lines (objects keyed by the same columns). `Content-Type` decides, and must be given:
//! a body without one, or `text/plain`, is refused (415) rather than guessed at. A CSV body is
//! UTF-8 unless its type says `charset=gb18030` (or `gbk`, `gb2312`): a UTF-8 body with a bad
//! byte is refused, never read as GB18030 and stored garbled.

use axum::http::{header, HeaderMap, StatusCode};

use super::error::ApiError;
use super::MAX_REQUEST_LINES;
use crate::input::{self, FileKind, JsonLinesError, LineError, Table};

/// The name that stands for the body in messages.
const BODY_NAME: &str = "request";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Json,
}

fn format_of(headers: &HeaderMap) -> Result<Format, ApiError> {
    let essence = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
    match essence.as_deref() {
        Some("text/csv" | "application/csv") => Ok(Format::Csv),
        Some(
            "application/json"
            | "application/x-ndjson"
            | "application/ndjson"
            | "application/jsonl"
            | "application/x-jsonlines"
            | "application/jsonlines",
        ) => Ok(Format::Json),
        None => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the request has no Content-Type: send text/csv (a CSV file with its header row) or \
             application/x-ndjson (one JSON object per line)",
        )),
        Some(other) => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "Content-Type {other} is not one this API reads: send text/csv (a CSV file with \
                 its header row) or application/x-ndjson (one JSON object per line)"
            ),
        )),
    }
}

/// Whether the body's type says it is GB18030 (GBK and GB2312 are subsets of it).
fn declares_gb18030(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').skip(1).any(|p| {
                let p = p.trim().to_ascii_lowercase();
                matches!(
                    p.strip_prefix("charset="),
                    Some("gb18030" | "gbk" | "gb2312" | "\"gb18030\"" | "\"gbk\"" | "\"gb2312\"")
                )
            })
        })
}

/// The body as a table, with the problems of JSON fields found on the way (the rows are still
/// checked, so every problem of the body is reported at once). `kind`: the kind the route or
/// `?kind=` names; a CSV body without one is recognised by its header, as `bonded load` does.
pub fn table(
    headers: &HeaderMap,
    body: &[u8],
    kind: Option<FileKind>,
) -> Result<(Table, Vec<LineError>), ApiError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ApiError::bad(
            "the request has no body: send a CSV file with its header row, or JSON lines",
        ));
    }
    let (table, errors) = match format_of(headers)? {
        Format::Csv => {
            let utf8;
            let body = if declares_gb18030(headers) {
                let (text, _, _) = encoding_rs::GB18030.decode(body);
                utf8 = text.into_owned().into_bytes();
                &utf8[..]
            } else {
                let text = body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(body);
                if let Err(e) = std::str::from_utf8(text) {
                    return Err(ApiError::bad(format!(
                        "the body is not UTF-8 (a bad byte at offset {}): send UTF-8, or say \
                         `Content-Type: text/csv; charset=gb18030` for a GB18030 file",
                        e.valid_up_to()
                    )));
                }
                body
            };
            (
                input::read_table_bytes(BODY_NAME, body, kind)
                    .map_err(ApiError::from_line_errors)?,
                Vec::new(),
            )
        }
        Format::Json => {
            let kind = kind.ok_or_else(|| {
                ApiError::bad(
                    "a JSON body says which kind of lines it holds with ?kind= (items, bom, \
                     movements, corrections, openings, stocktake, workorders, fx, tariff, \
                     interest)",
                )
            })?;
            let text = std::str::from_utf8(body)
                .map_err(|_| ApiError::bad("a JSON body is UTF-8 text; this one is not"))?;
            input::read_json_lines(BODY_NAME, text, kind, MAX_REQUEST_LINES).map_err(
                |e| match e {
                    JsonLinesError::TooMany(n) => too_many(n),
                    JsonLinesError::Lines(errors) => ApiError::from_line_errors(errors),
                },
            )?
        }
    };
    if table.rows.len() > MAX_REQUEST_LINES {
        return Err(too_many(table.rows.len()));
    }
    Ok((table, errors))
}

/// The problems of a body: those found reading it, then those of its cells, by line; a cell
/// already reported (a JSON field of the wrong type) is not reported again as missing.
pub fn merge(mut first: Vec<LineError>, cells: Vec<LineError>) -> Vec<LineError> {
    let seen: std::collections::HashSet<(u64, Option<String>)> =
        first.iter().map(|e| (e.line, e.column.clone())).collect();
    first.extend(
        cells
            .into_iter()
            .filter(|e| !seen.contains(&(e.line, e.column.clone()))),
    );
    first.sort_by_key(|e| e.line);
    input::cap_errors(&mut first);
    first
}

fn too_many(n: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the request has {n} lines; a request takes at most {MAX_REQUEST_LINES}: split it"),
    )
}
