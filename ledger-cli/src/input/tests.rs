//! Tests of reading whole files.

use super::*;
use rust_decimal::Decimal;

const MOVEMENTS_HEADER: &str = "ref,line,date,account,mode,dir,goods,qty,item,part,unit_price,\
currency,incoterm,freight,insurance,bom_version,peer_account,subcontractor";

/// The contract's header of each kind (required columns, then optional).
const CONTRACT_HEADERS: &[(FileKind, &str)] = &[
    (
        FileKind::Items,
        "account,goods,item,hs,name,unit,spec,price,currency,parts",
    ),
    (
        FileKind::Bom,
        "account,product,material,version,net,tangible_loss_pct,intangible_loss_pct,bonded_pct",
    ),
    (FileKind::Movements, MOVEMENTS_HEADER),
    (FileKind::Corrections, "ref,line,account,reason"),
    (
        FileKind::Openings,
        "account,date,item,qty,unit_price,currency",
    ),
    (FileKind::Stocktake, "account,date,item,qty,goods"),
    (
        FileKind::Workorders,
        "account,order,date,product,produced,material,issued,scrap_item,scrap_qty",
    ),
    (FileKind::Fx, "month,currency,cny_per_unit"),
    (FileKind::Tariff, "hs,from,duty_pct,vat_pct,consumption_pct"),
    (FileKind::Interest, "from,annual_pct"),
];

fn read(file: &str, text: &str) -> Result<Table, Vec<LineError>> {
    read_table_bytes(file, text.as_bytes(), None)
}

fn read_ok(file: &str, text: &str) -> Table {
    match read(file, text) {
        Ok(t) => t,
        Err(errors) => panic!("{file}: {}", shown(&errors).join("\n")),
    }
}

fn read_err(file: &str, text: &str) -> Vec<String> {
    match read(file, text) {
        Ok(t) => panic!("{file} was read as {}", t.kind),
        Err(errors) => shown(&errors),
    }
}

fn shown(errors: &[LineError]) -> Vec<String> {
    errors.iter().map(ToString::to_string).collect()
}

fn dec(s: &str) -> Decimal {
    parse_decimal(s).expect("test decimal")
}

#[test]
fn line_error_display() {
    let cases: &[(LineError, &str)] = &[
        (
            LineError {
                file: "movements.csv".into(),
                line: 17,
                column: Some("qty".into()),
                message: r#""12,5" is not a decimal number"#.into(),
            },
            r#"movements.csv:17: qty: "12,5" is not a decimal number"#,
        ),
        (
            LineError {
                file: "movements.csv".into(),
                line: 3,
                column: None,
                message: "has 9 cells but the header has 8 columns".into(),
            },
            "movements.csv:3: has 9 cells but the header has 8 columns",
        ),
        (
            LineError::whole_file("a.csv", "is neither UTF-8 nor GB18030 text"),
            "a.csv: is neither UTF-8 nor GB18030 text",
        ),
    ];
    for (e, want) in cases {
        assert_eq!(e.to_string(), *want);
    }
}

#[test]
fn utf8_with_and_without_bom() {
    let body = "ref,line,date,account,mode,dir,goods,qty\nR1,1,2025-03-05,E1,0615,I,M,12.5\n";
    for bytes in [
        body.as_bytes().to_vec(),
        [b"\xEF\xBB\xBF", body.as_bytes()].concat(),
    ] {
        let t = read_table_bytes("in.csv", &bytes, None).expect("reads");
        assert_eq!(t.kind, FileKind::Movements);
        assert_eq!(t.encoding, Encoding::Utf8);
        assert_eq!(t.rows.len(), 1);
        let row = &t.rows[0];
        assert_eq!(row.line, 2);
        assert_eq!(row.get("ref"), Some("R1"));
        assert_eq!(row.get("qty"), Some("12.5"));
        assert_eq!(row.get("part"), None);
    }
}

#[test]
fn gb18030_with_chinese_headings() {
    let text = "清单编号,行号,申报日期,账册号,监管方式,进出口标志,料件成品标志,申报数量,料号,\
申报单价,币制,承揽企业,备注\r\n\
QD001,1,2025/3/5,E2301,0615,I,M, 12.5 ,P-100,3.20,USD,,进口料件\r\n\
QD001,2,20250306,E2301,OWP,E,M,4,P-101,,,苏州精密加工有限公司,外发\r\n";
    let (bytes, _, had_errors) = encoding_rs::GB18030.encode(text);
    assert!(!had_errors);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the test needs non-UTF-8 bytes"
    );
    let t = read_table_bytes("清单.csv", &bytes, None).expect("reads");
    assert_eq!(t.kind, FileKind::Movements);
    assert_eq!(t.encoding, Encoding::Gb18030);
    assert_eq!(t.ignored_columns, ["备注"]);
    assert_eq!(t.rows.len(), 2);

    let mut errors = Vec::new();
    let mut f = Fields::new(&t.file, &t.rows[0], &mut errors);
    assert_eq!(f.text("ref").as_deref(), Some("QD001"));
    assert_eq!(f.text("account").as_deref(), Some("E2301"));
    assert_eq!(f.date("date"), chrono::NaiveDate::from_ymd_opt(2025, 3, 5));
    assert_eq!(f.decimal("qty"), Some(dec("12.5")));
    assert_eq!(f.opt_decimal("unit_price"), Some(dec("3.20")));
    assert_eq!(f.opt_text("currency").as_deref(), Some("USD"));
    assert_eq!(f.opt_text("part").as_deref(), Some("P-100"));
    assert_eq!(f.opt_text("subcontractor"), None);

    let mut f = Fields::new(&t.file, &t.rows[1], &mut errors);
    assert_eq!(f.date("date"), chrono::NaiveDate::from_ymd_opt(2025, 3, 6));
    assert_eq!(f.text("mode").as_deref(), Some("OWP"));
    assert_eq!(
        f.opt_text("subcontractor").as_deref(),
        Some("苏州精密加工有限公司")
    );
    assert_eq!(f.opt_decimal("unit_price"), None);
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn every_kind_detected_from_its_contract_header() {
    for (kind, header) in CONTRACT_HEADERS {
        // A neutral file name: the header alone must say the kind, except for the two kinds
        // whose required columns are the same, which the optional columns here tell apart.
        let t = read_ok("data.csv", &format!("{header}\n"));
        assert_eq!(t.kind, *kind, "{header}");
        assert!(t.ignored_columns.is_empty());
        assert!(t.rows.is_empty());
        // Required columns alone, named by the file.
        let required = kind.required().join(",");
        let t = read_ok(&format!("{}.csv", kind.name()), &format!("{required}\n"));
        assert_eq!(t.kind, *kind, "{required}");
        // Reversed order, upper case, and named as any kind: forced.
        let mut cols: Vec<String> = header.split(',').map(str::to_uppercase).collect();
        cols.reverse();
        let forced = read_table_bytes(
            "x.csv",
            format!("{}\n", cols.join(",")).as_bytes(),
            Some(*kind),
        )
        .expect("forced");
        assert_eq!(forced.kind, *kind);
    }
}

#[test]
fn every_kind_has_a_chinese_header() {
    let headers: &[(FileKind, &str)] = &[
        (FileKind::Items, "账册号,料件成品标志,备案序号,商品编码,商品名称,计量单位,规格型号,申报单价,币制,归并料号"),
        (FileKind::Bom, "账册号,成品序号,料件序号,单耗版本号,净耗,有形损耗率(%),无形损耗率(%),保税料件比例"),
        (FileKind::Movements, "清单编号,商品序号,申报日期,手册号,监管方式,进出口,货物类型,数量,项号,商品料号,单价,币种,成交方式,运费,保险费,单耗版本,关联账册号,外发加工企业"),
        (FileKind::Corrections, "企业内部编号,行号,账册号,更正原因"),
        (FileKind::Workorders, "账册号,工单号,日期,成品序号,完工数量,料件序号,领用数量,边角料序号,边角料数量"),
        (FileKind::Fx, "月份,币制,折算汇率"),
        (FileKind::Tariff, "商品编码,生效日期,关税税率,增值税率,消费税率"),
        (FileKind::Interest, "起始日期,年利率"),
    ];
    for (kind, header) in headers {
        let t = read_ok("data.csv", &format!("{header}\n"));
        assert_eq!(t.kind, *kind, "{header}");
        assert!(
            t.ignored_columns.is_empty(),
            "{header}: {:?}",
            t.ignored_columns
        );
    }
    // 申报单价 is the item's price in an items file, the line's unit price elsewhere.
    let t = read_ok("items.csv", "账册号,料件成品标志,备案序号,商品编码,商品名称,计量单位,申报单价\nE1,M,1,85423900,芯片,个,1.5\n");
    assert_eq!(t.rows[0].get("price"), Some("1.5"));
    let t = read_ok(
        "o.csv",
        "账册号,日期,备案序号,数量,申报单价,币制\nE1,2025-01-01,1,10,2.5,USD\n",
    );
    assert_eq!(t.kind, FileKind::Openings);
    assert_eq!(t.rows[0].get("unit_price"), Some("2.5"));
}

#[test]
fn openings_and_stocktake_by_file_name() {
    let body = "account,date,item,qty\nE1,2025-01-01,1,100\n";
    let cases: &[(&str, Option<FileKind>)] = &[
        ("openings.csv", Some(FileKind::Openings)),
        ("dir/Openings-2025.CSV", Some(FileKind::Openings)),
        ("stocktake-2025.csv", Some(FileKind::Stocktake)),
        ("2025年盘点.csv", Some(FileKind::Stocktake)),
        ("期初余额.csv", Some(FileKind::Openings)),
        ("data.csv", None),
        ("openings-vs-stocktake.csv", None),
        // The directory does not name the kind, only the file's own name.
        ("stocktake/data.csv", None),
    ];
    for (file, want) in cases {
        match want {
            Some(kind) => assert_eq!(read_ok(file, body).kind, *kind, "{file}"),
            None => assert_eq!(
                read_err(file, body),
                [format!(
                    "{file}:1: the header fits both openings and stocktake; \
                     name the kind with --kind or in the file name"
                )]
            ),
        }
    }
    // An optional column settles it whatever the name.
    assert_eq!(
        read_ok("data.csv", "account,date,item,qty,goods\n").kind,
        FileKind::Stocktake
    );
    assert_eq!(
        read_ok("stocktake.csv", "account,date,item,qty,unit_price\n").kind,
        FileKind::Openings
    );
    // And --kind does.
    let t =
        read_table_bytes("data.csv", body.as_bytes(), Some(FileKind::Stocktake)).expect("forced");
    assert_eq!(t.kind, FileKind::Stocktake);
    assert_eq!(t.rows[0].get("qty"), Some("100"));
}

#[test]
fn unknown_columns_ignored_and_listed() {
    let t = read_ok(
        "m.csv",
        "备注,ref,line,date,account,mode,dir,goods,qty,spec,,Remarks\n\
         x,R1,1,2025-01-01,E1,0615,I,M,1,big,,y\n",
    );
    assert_eq!(t.kind, FileKind::Movements);
    assert_eq!(t.ignored_columns, ["备注", "spec", "Remarks"]);
    assert_eq!(t.rows[0].get("spec"), None);
    assert_eq!(t.rows[0].get("备注"), None);
    let cells: Vec<(&str, &str)> = t.rows[0].cells().collect();
    assert_eq!(cells.first(), Some(&("ref", "R1")));
    assert_eq!(cells.len(), 8);
}

#[test]
fn header_errors() {
    let cases: &[(&str, &str, Option<FileKind>, &[&str])] = &[
        (
            "m.csv",
            "ref,line,date,account,mode,dir,goods,qty,数量\n",
            None,
            &[r#"m.csv:1: column "qty" appears 2 times in the header (as "qty", "数量")"#],
        ),
        (
            "m.csv",
            "ref,line,date,account,mode,dir,goods,qty\n",
            Some(FileKind::Items),
            &[
                r#"m.csv:1: column "item" is missing (an items file needs account, goods, item, hs, name, unit)"#,
                r#"m.csv:1: column "hs" is missing (an items file needs account, goods, item, hs, name, unit)"#,
                r#"m.csv:1: column "name" is missing (an items file needs account, goods, item, hs, name, unit)"#,
                r#"m.csv:1: column "unit" is missing (an items file needs account, goods, item, hs, name, unit)"#,
            ],
        ),
        (
            "m.csv",
            "ref,line,date,account,mode,dir,goods\n",
            Some(FileKind::Movements),
            &[
                r#"m.csv:1: column "qty" is missing (a movements file needs ref, line, date, account, mode, dir, goods, qty)"#,
            ],
        ),
        (
            "m.csv",
            "ref,line,account,mode,dir,goods\n",
            None,
            &[
                "m.csv:1: not a known file: the header lacks date, qty for a movements file; \
               the kinds are items, bom, movements, corrections, openings, stocktake, \
               workorders, fx, tariff, interest, prices",
            ],
        ),
        (
            "x.csv",
            "a,b,备注\n1,2,3\n",
            None,
            &[
                "x.csv:1: not a known file: the header has no required column of any kind; \
               the kinds are items, bom, movements, corrections, openings, stocktake, \
               workorders, fx, tariff, interest, prices",
            ],
        ),
        (
            "x.csv",
            "",
            None,
            &["x.csv: is empty: it has no header row"],
        ),
        (
            "x.csv",
            "\n\n",
            None,
            &["x.csv: is empty: it has no header row"],
        ),
    ];
    for (file, text, forced, want) in cases {
        let errors = read_table_bytes(file, text.as_bytes(), *forced).expect_err(text);
        assert_eq!(shown(&errors), *want, "{text}");
    }
}

#[test]
fn header_after_blank_lines_keeps_its_physical_line() {
    let errors = read_table_bytes(
        "c.csv",
        b"\n\r\nref,line,ref\n",
        Some(FileKind::Corrections),
    )
    .expect_err("bad header");
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors.iter().all(|e| e.line == 3), "{errors:?}");
    let t = read_ok("c.csv", "\n\nref,line,account,reason\n\nR1,1,E1,x\n");
    assert_eq!(t.rows[0].line, 5);
}

#[test]
fn physical_line_numbers() {
    let text = "ref,line,account,reason\n\
                R1,1,E1,typo\n\
                \n\
                R1,2,E1,\"two\nlines\"\n\
                R1,3,E1,\"three\r\nlines\r\nhere\"\n\
                ,,,\n\
                R1,4,E1,last\n";
    let t = read_ok("c.csv", text);
    assert_eq!(t.kind, FileKind::Corrections);
    let got: Vec<(u64, Option<&str>)> = t.rows.iter().map(|r| (r.line, r.get("reason"))).collect();
    assert_eq!(
        got,
        [
            (2, Some("typo")),
            (4, Some("two\nlines")),
            (6, Some("three\r\nlines\r\nhere")),
            (10, Some("last")),
        ]
    );
    // CRLF line ends count the same.
    let t = read_ok("c.csv", &text.replace("typo\n", "typo\r\n"));
    assert_eq!(t.rows.last().map(|r| r.line), Some(10));
}

#[test]
fn cells_short_and_long() {
    let text = "ref,line,account,reason\n\
                R1,1,E1\n\
                R1,2,E1,why,extra\n\
                R1,3,E1,why,,\n\
                R1,4\n";
    // The row with too many cells hides none of the others' errors: all, in line order.
    let errors = read_err("c.csv", text);
    let book =
        "is not a valid book number: a book number has 12 letters and digits, like E44038000001";
    assert_eq!(
        errors,
        [
            format!("c.csv:2: account: \"E1\" {book}"),
            "c.csv:2: reason: is required".to_string(),
            "c.csv:3: has 5 cells but the header has 4 columns".to_string(),
            format!("c.csv:4: account: \"E1\" {book}"),
            "c.csv:5: account: is required".to_string(),
            "c.csv:5: reason: is required".to_string(),
        ]
    );
    let t = read_ok("c.csv", &text.replace(",extra", ""));
    let reasons: Vec<Option<&str>> = t.rows.iter().map(|r| r.get("reason")).collect();
    assert_eq!(reasons, [None, Some("why"), Some("why"), None]);
    assert_eq!(t.rows[3].get("account"), None);
}

#[test]
fn two_bad_rows_both_reported() {
    let text = "ref,line,date,account,mode,dir,goods,qty\n\
                R1,1,2025-03-05,E1,0615,I,M,1\n\
                R1,2,2025-02-30,E1,0615,I,M,12\n\
                R1,3,2025-03-05,E1,0615,I,M,\"12,5\"\n\
                R1,4,2025-03-05,E1,0615,X,M,1e5\n";
    let t = read_ok("movements.csv", text);
    let mut errors = Vec::new();
    let mut good = 0;
    for row in &t.rows {
        let mut f = Fields::new(&t.file, row, &mut errors);
        let date = f.date("date");
        let qty = f.decimal("qty");
        let dir = f.text("dir");
        if dir.as_deref().is_some_and(|d| d != "I" && d != "E") {
            f.error("dir", "must be I or E");
        }
        if f.error_count() == 0 && date.is_some() && qty.is_some() {
            good += 1;
        }
    }
    assert_eq!(good, 1);
    assert_eq!(
        shown(&errors),
        [
            r#"movements.csv:3: date: "2025-02-30" is not a date (YYYY-MM-DD)"#,
            r#"movements.csv:4: qty: "12,5" is not a decimal number"#,
            r#"movements.csv:5: qty: "1e5" is not a decimal number"#,
            "movements.csv:5: dir: must be I or E",
        ]
    );
}

#[test]
fn errors_are_capped_and_counted() {
    let extra = 37;
    let mut text = String::from("from,annual_pct\n");
    for _ in 0..MAX_ERRORS_REPORTED + extra {
        text.push_str("2025-01-01,1,oops\n");
    }
    let errors = read_err("interest.csv", &text);
    assert_eq!(errors.len(), MAX_ERRORS_REPORTED + 1);
    assert_eq!(
        errors[0],
        "interest.csv:2: has 3 cells but the header has 2 columns"
    );
    assert_eq!(
        errors[MAX_ERRORS_REPORTED],
        format!("interest.csv: {extra} more errors not shown (only the first 1000 are listed)")
    );

    // Through Fields, too.
    let row = Row::new(5, &[("qty", "x")]);
    let mut errors = Vec::new();
    for _ in 0..MAX_ERRORS_REPORTED + 2 {
        Fields::new("f.csv", &row, &mut errors).decimal("qty");
    }
    assert_eq!(errors.len(), MAX_ERRORS_REPORTED + 1);
    assert_eq!(
        errors[MAX_ERRORS_REPORTED].to_string(),
        "f.csv: 2 more errors not shown (only the first 1000 are listed)"
    );

    // Exactly the cap: nothing said.
    let mut errors = Vec::new();
    for _ in 0..MAX_ERRORS_REPORTED {
        Fields::new("f.csv", &row, &mut errors).decimal("qty");
    }
    assert_eq!(errors.len(), MAX_ERRORS_REPORTED);

    // Pushed freely, then capped; a marker already there counts its own.
    let e = LineError::whole_file("g.csv", "bad");
    let mut errors = vec![e.clone(); MAX_ERRORS_REPORTED + 1];
    errors.push(LineError::whole_file("g.csv", overflow_message(10)));
    errors.push(e.clone());
    cap_errors(&mut errors);
    assert_eq!(errors.len(), MAX_ERRORS_REPORTED + 1);
    assert_eq!(
        errors[MAX_ERRORS_REPORTED].message,
        "12 more errors not shown (only the first 1000 are listed)"
    );
    push_error(&mut errors, e);
    assert_eq!(
        errors[MAX_ERRORS_REPORTED].message,
        "13 more errors not shown (only the first 1000 are listed)"
    );
    assert_eq!(
        overflow_message(1),
        "1 more error not shown (only the first 1000 are listed)"
    );
}

#[test]
fn record_too_long() {
    let long = "x".repeat(MAX_RECORD_BYTES);
    let text = format!("ref,line,account,reason\nR1,1,E1,ok\nR1,2,E1,{long}\nR1,3,E1,ok\n");
    // The other rows' errors are listed too, in line order.
    let errors = read_err("c.csv", &text);
    let book =
        "is not a valid book number: a book number has 12 letters and digits, like E44038000001";
    assert_eq!(
        errors,
        [
            format!("c.csv:2: account: \"E1\" {book}"),
            format!(
                "c.csv:3: the line is {} bytes long; the limit is 65536 bytes",
                MAX_RECORD_BYTES + 8
            ),
            format!("c.csv:4: account: \"E1\" {book}"),
        ]
    );
}

#[test]
fn too_many_rows() {
    let mut text = String::with_capacity(16 * (MAX_ROWS + 3));
    text.push_str("month,currency,cny_per_unit\n");
    for _ in 0..MAX_ROWS {
        text.push_str("2025-01,USD,7\n");
    }
    let t = read_ok("fx.csv", &text);
    assert_eq!(t.rows.len(), MAX_ROWS);
    text.push_str("\n2025-02,USD,7\n");
    let errors = read_err("fx.csv", &text);
    assert_eq!(
        errors,
        [format!(
            "fx.csv:{}: the file has more than 1000000 rows; split it",
            MAX_ROWS + 3
        )]
    );
}

#[test]
fn whole_file_errors() {
    let errors = read_table_bytes("a.csv", b"ref,\xFF\xFE\xFF\n", None).expect_err("bad bytes");
    assert_eq!(shown(&errors), ["a.csv: is neither UTF-8 nor GB18030 text"]);

    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing.csv");
    let errors = read_table(&missing, None).expect_err("missing");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 0);
    assert_eq!(errors[0].file, missing.display().to_string());
    let os = std::io::Error::from(std::io::ErrorKind::NotFound).to_string();
    assert!(
        errors[0].message.starts_with("cannot read it: "),
        "{} / {os}",
        errors[0].message
    );

    let errors = read_table(dir.path(), None).expect_err("a directory");
    assert_eq!(errors[0].message, "is a directory, not a CSV file");

    let big = dir.path().join("big.csv");
    let f = std::fs::File::create(&big).expect("create");
    f.set_len(MAX_FILE_BYTES + 1).expect("set_len");
    let errors = read_table(&big, None).expect_err("too big");
    assert_eq!(
        errors[0].to_string(),
        format!(
            "{}: is 268435457 bytes; the limit is 268435456 bytes (256 MiB): split it",
            big.display()
        )
    );
}

#[test]
fn read_table_from_disk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Stocktake-2025.csv");
    std::fs::write(
        &path,
        "\u{feff}account,date,item,qty\r\nE1,2025/12/31,3,99.5\r\n",
    )
    .expect("write");
    let t = read_table(&path, None).expect("reads");
    assert_eq!(t.kind, FileKind::Stocktake);
    assert_eq!(t.file, path.display().to_string());
    let mut errors = Vec::new();
    let mut f = Fields::new(&t.file, &t.rows[0], &mut errors);
    assert_eq!(
        f.date("date"),
        chrono::NaiveDate::from_ymd_opt(2025, 12, 31)
    );
    assert_eq!(f.decimal("qty"), Some(dec("99.5")));
    assert!(errors.is_empty());
}

#[test]
fn items_carry_their_customs_units_and_origin() {
    let t = read_ok(
        "items.csv",
        "account,goods,item,hs,name,unit,unit_code,法定计量单位,第二法定计量单位,第二比例因子,重量比例因子,原产国\n\
         E44038000001,M,7,8542399000,集成电路,pcs,007,007,035,0.0001825,0.0001825,132\n\
         E44038000001,M,8,8542399000,集成电路,pcs,,,,,,\n",
    );
    let (commands, errors) = rows::commands(&t);
    assert!(errors.is_empty(), "{}", shown(&errors).join("\n"));
    let legal: Vec<_> = commands
        .iter()
        .map(|(_, c)| match c {
            ledger_core::events::commands::Command::RegisterItem(i) => i.legal.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(legal[0].unit_code.as_deref(), Some("007"));
    assert_eq!(legal[0].lawf_unit.as_deref(), Some("007"));
    assert_eq!(legal[0].secd_lawf_unit.as_deref(), Some("035"));
    assert_eq!(legal[0].secd_factor, Some(dec("0.0001825")));
    assert_eq!(legal[0].wt_factor, Some(dec("0.0001825")));
    assert_eq!(legal[0].origin.as_deref(), Some("132"));
    assert!(legal[1].is_empty(), "empty cells store nothing");
}

#[test]
fn bad_customs_codes_name_the_cell() {
    let t = read_ok(
        "items.csv",
        "account,goods,item,hs,name,unit,unit_code,lawf_factor,origin\n\
         E44038000001,M,7,8542399000,集成电路,pcs,999,0,US\n",
    );
    let (_, errors) = rows::commands(&t);
    let shown = shown(&errors);
    assert!(
        shown
            .iter()
            .any(|e| e.starts_with("items.csv:2: unit_code: \"999\" is not a customs unit code")),
        "{shown:?}"
    );
    assert!(
        shown
            .iter()
            .any(|e| e.starts_with("items.csv:2: lawf_factor:")),
        "{shown:?}"
    );
    assert!(
        shown
            .iter()
            .any(|e| e.starts_with("items.csv:2: origin: \"US\" is not a customs country code")),
        "{shown:?}"
    );
}

#[test]
fn movements_carry_their_list_fields() {
    let t = read_ok(
        "movements.csv",
        "ref,line,date,account,mode,dir,goods,qty,item,起运国,口岸,运输方式,法定数量,第二法定数量,毛重,净重\n\
         IMP1,1,2026-03-16,E44038000001,0615,I,M,10,1,110,5301,4,10,0.5,12.5,10\n\
         IMP1,2,2026-03-16,E44038000001,0615,I,M,10,1,,,,,,,\n\
         IMP1,3,2026-03-16,E44038000001,0615,I,M,10,1,1100,53,x,-1,,,\n",
    );
    let (commands, errors) = rows::commands(&t);
    let list = |n: usize| match &commands[n].1 {
        ledger_core::events::commands::Command::RecordMovement(m) => m.list.clone(),
        other => panic!("{other:?}"),
    };
    let first = list(0).expect("list fields");
    assert_eq!(first.country.as_deref(), Some("110"));
    assert_eq!(first.port.as_deref(), Some("5301"));
    assert_eq!(first.transport.as_deref(), Some("4"));
    assert_eq!(first.lawf_qty, Some(dec("10")));
    assert_eq!(first.secd_lawf_qty, Some(dec("0.5")));
    assert_eq!(first.gross_wt, Some(dec("12.5")));
    assert_eq!(first.net_wt, Some(dec("10")));
    assert_eq!(list(1), None, "empty cells store nothing");
    assert_eq!(commands.len(), 2);
    let shown = shown(&errors);
    for col in ["country", "port", "transport", "lawf_qty"] {
        assert!(
            shown
                .iter()
                .any(|e| e.starts_with(&format!("movements.csv:4: {col}:"))),
            "{col}: {shown:?}"
        );
    }
}
