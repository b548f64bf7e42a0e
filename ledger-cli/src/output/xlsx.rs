//! Excel workbooks for the reports people hand to customs: one generic sheet layout that every
//! report command fills in.
//!
//! Layout of a sheet: the title (bold); the book's header block as label / value rows; a blank
//! row; two heading rows, Chinese above English, bold with a border below, the panes frozen
//! under them; the data rows (an autofilter on the headings); a bold totals row; a blank row;
//! the footer lines; the signature block (填表人 / 审核人 / 企业盖章 / 日期).
//!
//! Printing: landscape A4, one page wide, the headings and the first column on every page,
//! the book, the title, when it was made and the log position in the page header, 第 N 页
//! 共 M 页 in the footer. One number format per column.
//!
//! Exactness: Excel stores numbers as f64. A decimal is written as a number only when its
//! shortest f64 text reads back as the same decimal; otherwise it is written as text, so no
//! figure is silently rounded. The number format shows the decimal's own places (money:
//! `#,##0.00`).
//!
//! The file is written beside its path under a temporary name, synced, then renamed over the
//! path: a failed write leaves no half-written workbook.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{anyhow, bail, Context, Result};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatBorder, Workbook, Worksheet};

/// Excel's limit on a worksheet name.
pub const MAX_SHEET_NAME_CHARS: usize = 31;
/// The widest a fitted column gets (in Excel's character units).
const MAX_COLUMN_WIDTH: f64 = 60.0;
const MIN_COLUMN_WIDTH: f64 = 6.0;

/// One worksheet of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// Worksheet name (at most 31 characters, none of `[]:*?/\`).
    pub name: String,
    /// First row, bold: e.g. "料件核销表 Self-verification report".
    pub title: String,
    /// The book's header block: ("账册号 Book", "E44038000001"), ("企业编码 Company", …), …
    pub header: Vec<(String, String)>,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    /// A bold totals row.
    pub totals: Vec<Vec<Cell>>,
    /// e.g. "Computed from log position 1234, head hash ab12…".
    pub footer: Vec<String>,
}

/// A column: its Chinese and English headings and what its cells hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub zh: String,
    pub en: String,
    pub kind: ColumnKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    /// A quantity or rate, shown with the decimal's own places.
    Decimal,
    /// CNY (or another currency): `#,##0.00`.
    Money,
    /// `YYYY-MM-DD` text written as an Excel date.
    Date,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Decimal(Decimal),
    Empty,
}

/// Writes `sheets` to `path` as one workbook (replacing a file already there).
pub fn write_workbook(path: &Path, sheets: &[Sheet]) -> Result<()> {
    write_atomically(path, &workbook_bytes(sheets)?)
}

/// The `.xlsx` file of `sheets`, as bytes (a download of the browser workspace).
pub fn workbook_bytes(sheets: &[Sheet]) -> Result<Vec<u8>> {
    if sheets.is_empty() {
        bail!("a workbook needs at least one sheet");
    }
    let mut workbook = Workbook::new();
    for sheet in sheets {
        check_sheet(sheet)?;
        let ws = workbook.add_worksheet();
        write_sheet(ws, sheet).with_context(|| format!("sheet {:?}", sheet.name))?;
    }
    workbook
        .save_to_buffer()
        .map_err(|e| anyhow!("cannot build the workbook: {e}"))
}

fn check_sheet(sheet: &Sheet) -> Result<()> {
    let n = sheet.name.chars().count();
    if n == 0 || n > MAX_SHEET_NAME_CHARS {
        bail!(
            "sheet name {:?} has {n} characters; Excel allows 1 to {MAX_SHEET_NAME_CHARS}",
            sheet.name
        );
    }
    let width = sheet.columns.len();
    for (i, row) in sheet.rows.iter().enumerate() {
        if row.len() > width {
            bail!(
                "sheet {:?}: data row {} has {} cells for {width} columns",
                sheet.name,
                i + 1,
                row.len()
            );
        }
    }
    for t in &sheet.totals {
        if t.len() > width {
            bail!(
                "sheet {:?}: the totals row has {} cells for {width} columns",
                sheet.name,
                t.len()
            );
        }
    }
    Ok(())
}

/// Row and column indexes as Excel numbers them, refusing what does not fit.
fn row_no(i: usize) -> Result<u32> {
    u32::try_from(i).map_err(|_| anyhow!("row {i} is past Excel's last row"))
}

fn col_no(i: usize) -> Result<u16> {
    u16::try_from(i).map_err(|_| anyhow!("column {i} is past Excel's last column"))
}

fn xl<T>(r: Result<T, rust_xlsxwriter::XlsxError>) -> Result<T> {
    r.map_err(|e| anyhow!("{e}"))
}

fn write_sheet(ws: &mut Worksheet, sheet: &Sheet) -> Result<()> {
    xl(ws.set_name(&sheet.name))?;
    let bold = Format::new().set_bold();
    let heading = Format::new().set_bold();
    let heading_last = Format::new()
        .set_bold()
        .set_border_bottom(FormatBorder::Thin);
    let mut widths: Vec<f64> = vec![0.0; sheet.columns.len().max(2)];
    let mut row = 0usize;

    xl(ws.write_string_with_format(0, 0, &sheet.title, &bold))?;
    row += 1;
    for (label, value) in &sheet.header {
        xl(ws.write_string(row_no(row)?, 0, label))?;
        xl(ws.write_string(row_no(row)?, 1, value))?;
        fit(&mut widths, 0, label);
        fit(&mut widths, 1, value);
        row += 1;
    }
    row += 1; // blank

    for (c, col) in sheet.columns.iter().enumerate() {
        xl(ws.write_string_with_format(row_no(row)?, col_no(c)?, &col.zh, &heading))?;
        xl(ws.write_string_with_format(row_no(row + 1)?, col_no(c)?, &col.en, &heading_last))?;
        fit(&mut widths, c, &col.zh);
        fit(&mut widths, c, &col.en);
    }
    row += 2;
    xl(ws.set_freeze_panes(row_no(row)?, 0))?;
    let first_heading = row - 2;

    let formats = column_formats(sheet);
    for cells in &sheet.rows {
        write_row(ws, row, &sheet.columns, &formats, cells, false, &mut widths)?;
        row += 1;
    }
    let last_data = row.saturating_sub(1).max(first_heading + 1);
    if !sheet.columns.is_empty() {
        xl(ws.autofilter(
            row_no(first_heading + 1)?,
            0,
            row_no(last_data)?,
            col_no(sheet.columns.len() - 1)?,
        ))?;
    }
    for totals in &sheet.totals {
        write_row(ws, row, &sheet.columns, &formats, totals, true, &mut widths)?;
        row += 1;
    }
    let mut footer = sheet.footer.clone();
    if has_inexact(sheet) {
        footer.push(INEXACT_NOTE.to_string());
    }
    if !footer.is_empty() {
        row += 1; // blank
        for line in &footer {
            xl(ws.write_string(row_no(row)?, 0, line))?;
            row += 1;
        }
    }
    // The signature block customs expects under a paper: who filled it in, who checked it,
    // the company's seal, the date.
    row += 1;
    for (c, label) in SIGNATURES.iter().enumerate() {
        let col = c * 2;
        xl(ws.write_string_with_format(row_no(row)?, col_no(col)?, *label, &bold))?;
        xl(ws.write_blank(
            row_no(row)?,
            col_no(col + 1)?,
            &Format::new().set_border_bottom(FormatBorder::Thin),
        ))?;
    }
    page_setup(ws, sheet, first_heading)?;
    for (c, w) in widths.iter().enumerate() {
        let w = (w + 2.0).clamp(MIN_COLUMN_WIDTH, MAX_COLUMN_WIDTH);
        xl(ws.set_column_width(col_no(c)?, w))?;
    }
    Ok(())
}

/// Said under a sheet where a figure has more significant digits than a spreadsheet number
/// holds (15): such a figure is written as exact text, never rounded.
pub const INEXACT_NOTE: &str = "注：有效数字超过15位的数量（电子表格数值只保留15位）以文本原样写出，未作舍入 Note: figures with more than 15 significant digits (more than a spreadsheet number holds) are written as exact text, not rounded.";

/// Whether a figure of the sheet cannot be a spreadsheet number without rounding.
fn has_inexact(sheet: &Sheet) -> bool {
    sheet
        .rows
        .iter()
        .chain(sheet.totals.iter())
        .flatten()
        .any(|c| matches!(c, Cell::Decimal(d) if exact_f64(*d).is_none()))
}

/// The labels of the signature block: prepared by, reviewed by, company seal, date.
pub const SIGNATURES: [&str; 4] = [
    "填表人 Prepared by",
    "审核人 Reviewed by",
    "企业盖章 Company seal",
    "日期 Date",
];

/// How the sheet prints: landscape, one page wide (as many pages down as it takes), the
/// headings and the first (item) column on every page, the book, the report, when it was
/// made and from which log position in the header, 第 N 页 共 M 页 in the footer.
fn page_setup(ws: &mut Worksheet, sheet: &Sheet, first_heading: usize) -> Result<()> {
    ws.set_landscape();
    ws.set_paper_size(9); // A4
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_center_horizontally(true);
    xl(ws.set_repeat_rows(row_no(first_heading)?, row_no(first_heading + 1)?))?;
    xl(ws.set_repeat_columns(0, 0))?;
    let book = sheet
        .header
        .iter()
        .map(|(_, v)| v.as_str())
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let made = chrono::Utc::now() + chrono::Duration::hours(8);
    let position = sheet
        .footer
        .iter()
        .find_map(|l| log_position(l))
        .map(|p| format!(" 日志位置 log {p}"))
        .unwrap_or_default();
    let header = format!(
        "&L{}&C&B{}&R制表 made {}{}",
        header_text(&book),
        header_text(&sheet.title),
        made.format("%Y-%m-%d %H:%M"),
        position
    );
    // Excel refuses a header over 255 characters: shorten the title part, never the position.
    let header = if header.chars().count() > 255 {
        format!(
            "&L{}&R制表 made {}{}",
            header_text(&book).chars().take(80).collect::<String>(),
            made.format("%Y-%m-%d %H:%M"),
            position
        )
    } else {
        header
    };
    ws.set_header(&header);
    ws.set_footer("&C第 &P 页 共 &N 页  Page &P of &N");
    Ok(())
}

/// `&` starts a code in a header: a literal one is doubled.
fn header_text(s: &str) -> String {
    s.replace('&', "&&")
}

/// The position in a footer line like "… log position 1234, head hash …".
fn log_position(line: &str) -> Option<String> {
    let i = line.find("position ")? + "position ".len();
    let digits: String = line[i..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    (!digits.is_empty()).then_some(digits)
}

/// One number format per column: money `#,##0.00`; a quantity column the most places any
/// of its exact figures has (so a column's figures line up and print alike).
fn column_formats(sheet: &Sheet) -> Vec<String> {
    sheet
        .columns
        .iter()
        .enumerate()
        .map(|(c, col)| {
            let places = sheet
                .rows
                .iter()
                .chain(sheet.totals.iter())
                .filter_map(|r| match r.get(c) {
                    Some(Cell::Decimal(d)) if exact_f64(*d).is_some() => {
                        Some(d.normalize().scale())
                    }
                    _ => None,
                })
                .max()
                .unwrap_or(0);
            match col.kind {
                ColumnKind::Money => "#,##0.00".to_string(),
                _ if places == 0 => "0".to_string(),
                _ => format!("0.{}", "0".repeat(places as usize)),
            }
        })
        .collect()
}

fn write_row(
    ws: &mut Worksheet,
    row: usize,
    columns: &[Column],
    formats: &[String],
    cells: &[Cell],
    bold: bool,
    widths: &mut [f64],
) -> Result<()> {
    let r = row_no(row)?;
    for (c, (cell, column)) in cells.iter().zip(columns).enumerate() {
        let cn = col_no(c)?;
        let base = if bold {
            Format::new().set_bold()
        } else {
            Format::new()
        };
        match cell {
            Cell::Empty => {
                if bold {
                    xl(ws.write_blank(r, cn, &base))?;
                }
            }
            Cell::Text(s) => {
                match (column.kind, parse_date(s)) {
                    (ColumnKind::Date, Some(d)) => {
                        let format = base.set_num_format("yyyy-mm-dd");
                        xl(ws.write_datetime_with_format(r, cn, &d, &format))?;
                    }
                    // A text that a spreadsheet would take for a formula (`=…`, `+…`, `-…`, `@…`:
                    // a list number typed by a clerk, say) keeps its quote prefix: shown and
                    // printed as written, never evaluated.
                    _ if s.starts_with(['=', '+', '-', '@']) => {
                        let literal = base.clone().set_quote_prefix();
                        xl(ws.write_string_with_format(r, cn, s, &literal))?;
                    }
                    _ => {
                        xl(ws.write_string_with_format(r, cn, s, &base))?;
                    }
                }
                fit(widths, c, s);
            }
            Cell::Decimal(d) => {
                let shown = match column.kind {
                    ColumnKind::Money => money_text(*d),
                    _ => d.to_string(),
                };
                match exact_f64(*d) {
                    Some(f) => {
                        let format = base.set_num_format(&formats[c]);
                        xl(ws.write_number_with_format(r, cn, f, &format))?;
                    }
                    // Not representable as an f64: text, so nothing is silently rounded.
                    None => {
                        let format = base.set_align(rust_xlsxwriter::FormatAlign::Right);
                        xl(ws.write_string_with_format(r, cn, d.to_string(), &format))?;
                    }
                }
                fit(widths, c, &shown);
            }
        }
    }
    Ok(())
}

fn parse_date(s: &str) -> Option<ExcelDateTime> {
    use chrono::Datelike;
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
    let year = u16::try_from(d.year()).ok()?;
    ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8).ok()
}

/// The f64 Excel will store for `d`, where it reads back as exactly `d`: the shortest text of
/// the f64 (Rust's `{}`) parsed as a decimal must equal `d`.
pub fn exact_f64(d: Decimal) -> Option<f64> {
    let f: f64 = d.to_string().parse().ok()?;
    if !f.is_finite() {
        return None;
    }
    let back = Decimal::from_str(&format!("{f}")).ok()?;
    (back == d).then_some(f)
}

/// A money amount as `#,##0.00` shows it (for the column width).
fn money_text(d: Decimal) -> String {
    let s = d.round_dp(2).abs().to_string();
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if d.is_sign_negative() && !d.is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}{grouped}.{frac:0<2}")
}

/// Widens column `c` to hold `s`.
fn fit(widths: &mut [f64], c: usize, s: &str) {
    if let Some(w) = widths.get_mut(c) {
        let need = s.lines().map(display_width).max().unwrap_or(0) as f64;
        if need > *w {
            *w = need;
        }
    }
}

/// Characters as Excel lays them out: a CJK (wide) character takes two columns.
pub fn display_width(s: &str) -> usize {
    s.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F      // Hangul Jamo
        | 0x2E80..=0x303E    // CJK radicals, punctuation
        | 0x3041..=0x33FF    // kana, CJK symbols
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xA000..=0xA4CF    // Yi
        | 0xAC00..=0xD7A3    // Hangul syllables
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0xFE30..=0xFE4F    // CJK compatibility forms
        | 0xFF00..=0xFF60    // full-width forms
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD) // CJK extensions B and on
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, and renames it over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let file_name = path
        .file_name()
        .ok_or_else(|| anyhow!("{} is not a file name", path.display()))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp: PathBuf = path.with_file_name(tmp_name);
    let written = (|| -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write {}", path.display()));
    }
    // The rename is durable once the directory is synced (best effort where that is possible).
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "xlsx_tests.rs"]
mod tests;
