//! Tests of `xlsx`: workbooks read back as the zip archives they are.

use super::*;
use std::io::Read;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal")
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

fn col(zh: &str, en: &str, kind: ColumnKind) -> Column {
    Column {
        zh: zh.into(),
        en: en.into(),
        kind,
    }
}

fn header() -> Vec<(String, String)> {
    vec![
        ("账册号 Book".into(), "E44038000001".into()),
        ("企业编码 Company".into(), "4403960001".into()),
    ]
}

fn sheets() -> Vec<Sheet> {
    vec![
        Sheet {
            name: "核销 Verification".into(),
            title: "料件核销表 Self-verification report".into(),
            header: header(),
            columns: vec![
                col("备案序号", "Item", ColumnKind::Text),
                col("日期", "Date", ColumnKind::Date),
                col("数量", "Quantity", ColumnKind::Decimal),
                col("完税价格", "Value CNY", ColumnKind::Money),
            ],
            rows: vec![
                vec![
                    text("1"),
                    text("2025-03-03"),
                    Cell::Decimal(dec("9126.4")),
                    Cell::Decimal(dec("187091.20")),
                ],
                vec![
                    text("2"),
                    Cell::Empty,
                    // 20 significant digits: no f64 holds it, so it goes out as text.
                    Cell::Decimal(dec("0.12345678901234567891")),
                    Cell::Decimal(dec("1234567.89")),
                ],
            ],
            totals: vec![vec![
                text("合计 Total"),
                Cell::Empty,
                Cell::Empty,
                Cell::Decimal(dec("1421659.09")),
            ]],
            footer: vec!["Computed from log position 1234, head hash ab12cd34".into()],
        },
        Sheet {
            name: "Exposure".into(),
            title: "第182号令 Order 182 exposure".into(),
            header: header(),
            columns: vec![
                col("成品", "Product", ColumnKind::Text),
                col("超耗数量", "Excess qty", ColumnKind::Decimal),
            ],
            rows: vec![vec![text("1"), Cell::Decimal(dec("1.020408163"))]],
            totals: Vec::new(),
            footer: vec![],
        },
    ]
}

fn part(path: &Path, name: &str) -> String {
    let f = File::open(path).expect("open xlsx");
    let mut zip = zip::ZipArchive::new(f).expect("an xlsx is a zip archive");
    let mut s = String::new();
    zip.by_name(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .read_to_string(&mut s)
        .expect("utf-8 part");
    s
}

#[test]
fn a_two_sheet_workbook_is_a_valid_xlsx_with_our_figures() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("report.xlsx");
    write_workbook(&path, &sheets()).expect("written");

    let strings = part(&path, "xl/sharedStrings.xml");
    // A figure no spreadsheet number holds goes out as exact text, and the sheet says so.
    assert!(strings.contains("0.12345678901234567891"), "{strings}");
    assert_eq!(
        strings.matches("15 significant digits").count(),
        1,
        "one note, on the sheet that needs it"
    );
    for s in [
        "料件核销表 Self-verification report",
        "账册号 Book",
        "E44038000001",
        "备案序号",
        "Item",
        "完税价格",
        "Value CNY",
        "合计 Total",
        "Computed from log position 1234, head hash ab12cd34",
        "第182号令 Order 182 exposure",
        "超耗数量",
        "Excess qty",
        // Not exact as an f64: kept as text.
        "0.12345678901234567891",
    ] {
        assert!(strings.contains(s), "shared strings lack {s:?}:\n{strings}");
    }
    let sheet1 = part(&path, "xl/worksheets/sheet1.xml");
    // Money and quantities are numbers.
    for v in ["<v>187091.2</v>", "<v>1234567.89</v>", "<v>9126.4</v>"] {
        assert!(sheet1.contains(v), "sheet1 lacks {v}:\n{sheet1}");
    }
    // Panes frozen under the two heading rows: title, 2 header rows, blank, 2 headings.
    assert!(
        sheet1.contains(r#"ySplit="6""#) && sheet1.contains(r#"state="frozen""#),
        "{sheet1}"
    );
    let sheet2 = part(&path, "xl/worksheets/sheet2.xml");
    assert!(sheet2.contains("<v>1.020408163</v>"), "{sheet2}");
    let styles = part(&path, "xl/styles.xml");
    assert!(styles.contains("#,##0.00"), "{styles}");
    assert!(styles.contains("0.000000000"), "9 places shown: {styles}");
    let book = part(&path, "xl/workbook.xml");
    assert!(
        book.contains("核销 Verification") && book.contains("Exposure"),
        "{book}"
    );
    // Nothing left beside it.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("report.xlsx")]);
}

/// A list number a clerk typed as `=SUM(A1)` or `+86…` is text in the workbook, with the
/// quote prefix that keeps a spreadsheet from evaluating it.
#[test]
fn text_that_looks_like_a_formula_stays_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("refs.xlsx");
    let mut book = sheets();
    let width = book[0].columns.len();
    for (i, r) in ["=SUM(A1:A9)", "+8613800000000", "-QD1", "@cmd", "QD-1"]
        .iter()
        .enumerate()
    {
        let mut row = vec![Cell::Empty; width];
        row[0] = text(r);
        book[0].rows.insert(i, row);
    }
    write_workbook(&path, &book).expect("written");
    let sheet = part(&path, "xl/worksheets/sheet1.xml");
    assert!(!sheet.contains("<f>"), "no formula: {sheet}");
    let strings = part(&path, "xl/sharedStrings.xml");
    for r in ["=SUM(A1:A9)", "+8613800000000", "-QD1", "@cmd"] {
        assert!(strings.contains(r), "{r} kept as written");
    }
    let styles = part(&path, "xl/styles.xml");
    assert!(styles.contains(r#"quotePrefix="1""#), "{styles}");
}

#[test]
fn a_failed_write_leaves_no_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.xlsx");
    let mut bad = sheets();
    bad[0].name = "a name much longer than thirty-one characters".into();
    assert!(write_workbook(&path, &bad).is_err());
    let mut bad = sheets();
    bad[1].rows[0].push(Cell::Empty);
    bad[1].rows[0].push(Cell::Empty);
    assert!(write_workbook(&path, &bad).is_err());
    assert!(write_workbook(&path, &[]).is_err());
    // Into a folder that does not exist: an error, and no temporary file anywhere.
    let nowhere = dir.path().join("missing").join("x.xlsx");
    assert!(write_workbook(&nowhere, &sheets()).is_err());
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
}

#[test]
fn decimals_go_out_as_numbers_only_when_exact() {
    let cases = [
        ("0.1", true),
        ("187091.20", true),
        ("1.020408163", true),
        ("9126.4", true),
        ("-42", true),
        ("0.12345678901234567891", false),
        ("12345678901234567.89", false),
        ("79228162514264337593543950335", false),
    ];
    for (s, exact) in cases {
        assert_eq!(exact_f64(dec(s)).is_some(), exact, "{s}");
    }
}

#[test]
fn widths_count_cjk_double_and_money_grouped() {
    assert_eq!(display_width("Item"), 4);
    assert_eq!(display_width("备案序号"), 8);
    assert_eq!(display_width("合计 Total"), 10);
    assert_eq!(money_text(dec("1234567.8")), "1,234,567.80");
    assert_eq!(money_text(dec("-0.5")), "-0.50");
    assert_eq!(money_text(dec("100")), "100.00");
}

/// One number format per column: the most places of its figures; money `#,##0.00`.
#[test]
fn a_column_has_one_number_format() {
    let sheet = Sheet {
        name: "s".into(),
        title: "t".into(),
        header: vec![],
        columns: vec![
            col("数量", "Qty", ColumnKind::Decimal),
            col("金额", "Amount", ColumnKind::Money),
            col("件", "Count", ColumnKind::Decimal),
        ],
        rows: vec![
            vec![
                Cell::Decimal(dec("1.5")),
                Cell::Decimal(dec("1")),
                Cell::Decimal(dec("3")),
            ],
            vec![
                Cell::Decimal(dec("1.020408163")),
                Cell::Decimal(dec("2.5")),
                Cell::Decimal(dec("150880.000")),
            ],
        ],
        totals: Vec::new(),
        footer: vec![],
    };
    assert_eq!(column_formats(&sheet), ["0.000000000", "#,##0.00", "0"]);
}

/// Every sheet prints as customs reads it: landscape, one page wide, the headings and the
/// item column on every page, the book, when and from which log position in the header,
/// page N of M in the footer, an autofilter on the headings, the signature block.
#[test]
fn every_sheet_prints_landscape_one_page_wide_with_titles_header_footer_and_signatures() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("r.xlsx");
    let mut sheets = sheets();
    sheets[0]
        .footer
        .push("Computed from log position 1234, head hash ab12.".into());
    write_workbook(&path, &sheets).expect("write");
    let workbook = part(&path, "xl/workbook.xml");
    for (n, _) in sheets.iter().enumerate() {
        let xml = part(&path, &format!("xl/worksheets/sheet{}.xml", n + 1));
        assert!(
            xml.contains(r#"<pageSetup paperSize="9" orientation="landscape" fitToHeight="0""#)
                || (xml.contains(r#"orientation="landscape""#)
                    && xml.contains(r#"fitToHeight="0""#)),
            "sheet {n}: {xml}"
        );
        assert!(
            xml.contains(r#"<pageSetUpPr fitToPage="1"/>"#),
            "sheet {n}: fit to page"
        );
        assert!(
            xml.contains(r#"<printOptions horizontalCentered="1"/>"#),
            "sheet {n}"
        );
        assert!(xml.contains("<headerFooter>"), "sheet {n}");
        assert!(
            xml.contains("第 &amp;P 页 共 &amp;N 页"),
            "sheet {n}: page numbers"
        );
        assert!(xml.contains("制表 made "), "sheet {n}: when it was made");
        assert!(
            xml.contains("E44038000001"),
            "sheet {n}: the book in the header"
        );
        assert!(xml.contains("<autoFilter ref=\"A"), "sheet {n}: autofilter");
        // The headings are rows 7-8 of the test sheets (title, 4 header rows, blank).
        assert!(workbook.contains("_xlnm.Print_Titles"), "print titles");
    }
    assert!(
        workbook.contains("!$A:$A,"),
        "the item column repeats: {workbook}"
    );
    let first = part(&path, "xl/worksheets/sheet1.xml");
    assert!(
        first.contains("日志位置 log 1234"),
        "the log position in the header"
    );
    let strings = part(&path, "xl/sharedStrings.xml");
    for label in SIGNATURES {
        assert!(strings.contains(label), "no {label}");
    }
}
