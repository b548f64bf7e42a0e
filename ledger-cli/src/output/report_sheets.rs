//! Reports as the sheets people hand to customs: Chinese and English headings, the book's
//! header on top, totals, and the log position the figures come from.

use ledger_core::model::trade_mode::Direction;
use ledger_core::reports::cycle::{
    CarryOverLine, CustomsWriteOff, CycleReport, IdentityLine, IdentityReport,
};
use ledger_core::reports::duty::Declaration;
use ledger_core::state::balance::BalanceReport;
use ledger_core::state::ledger::Book;
use rust_decimal::Decimal;

use crate::output::xlsx::{Cell, Column, ColumnKind, Sheet};
use crate::session::Position;

/// Writes the sheets `build` makes of `account`'s book to the `--out` workbook of
/// `--format xlsx`, and says where.
pub fn write(
    out: &Option<std::path::PathBuf>,
    ledger: &ledger_core::Ledger,
    account: &ledger_core::model::ids::BookNo,
    build: impl FnOnce(&Book) -> Vec<Sheet>,
) -> anyhow::Result<()> {
    let path = out.as_ref().ok_or_else(|| {
        crate::exit::bad_input("--format xlsx writes a workbook: give its path with --out FILE")
    })?;
    let book = ledger.book(account).ok_or_else(|| {
        crate::exit::bad_input(format!("book {account} is not open in this store"))
    })?;
    crate::output::xlsx::write_workbook(path, &build(book))?;
    println!("wrote {}", path.display());
    Ok(())
}

fn col(zh: &str, en: &str, kind: ColumnKind) -> Column {
    Column {
        zh: zh.into(),
        en: en.into(),
        kind,
    }
}

fn text(s: impl ToString) -> Cell {
    Cell::Text(s.to_string())
}

fn num(d: Decimal) -> Cell {
    Cell::Decimal(d)
}

fn opt(d: Option<Decimal>) -> Cell {
    d.map(Cell::Decimal).unwrap_or(Cell::Empty)
}

/// The book's header block (账册表头).
pub fn book_header(book: &Book) -> Vec<(String, String)> {
    let h = &book.header;
    vec![
        ("账册号 Book".into(), h.account.to_string()),
        ("企业编码 Company".into(), h.company.to_string()),
        ("账册类型 Kind".into(), h.kind.to_string()),
        (
            "管理方式 Level".into(),
            match h.level {
                ledger_core::model::book::Level::Part => "料号级 part-number level".into(),
                ledger_core::model::book::Level::Item => "项号级 item level".into(),
            },
        ),
        (
            "生产能力 Capacity (USD)".into(),
            h.capacity_usd.normalize().to_string(),
        ),
        (
            "核销周期 Cycle".into(),
            format!(
                "{} months from {}",
                book.settings.cycle_months, h.cycle_start
            ),
        ),
    ]
}

pub fn footer(p: &Position) -> Vec<String> {
    vec![format!(
        "Computed from log position {}, head hash {} — check with `bonded verify` / `bonded export`.",
        p.seq, p.hash
    )]
}

fn identity_columns(with_stocktake: bool) -> Vec<Column> {
    let mut c = vec![
        col("备案序号", "Item", ColumnKind::Text),
        col("商品名称", "Name", ColumnKind::Text),
        col("计量单位", "Unit", ColumnKind::Text),
        col("期初数量", "Opening", ColumnKind::Decimal),
        col("进口数量", "Imported", ColumnKind::Decimal),
        col("结转进口", "Carried in", ColumnKind::Decimal),
        col("成品耗用", "Consumed", ColumnKind::Decimal),
        col("结转出口", "Carried out", ColumnKind::Decimal),
        col("内销数量", "Domestic sales", ColumnKind::Decimal),
        col("退运/复出", "Re-exported", ColumnKind::Decimal),
        col("销毁数量", "Destroyed", ColumnKind::Decimal),
    ];
    if with_stocktake {
        c.push(col("理论结余", "Closing", ColumnKind::Decimal));
        c.push(col("盘点数量", "Stocktake", ColumnKind::Decimal));
        c.push(col("差异", "Difference", ColumnKind::Decimal));
        c.push(col("标记", "Flag", ColumnKind::Text));
    } else {
        c.push(col("结余数量", "Balance", ColumnKind::Decimal));
    }
    c
}

fn identity_rows(lines: &[IdentityLine]) -> Vec<Vec<Cell>> {
    lines
        .iter()
        .map(|m| {
            vec![
                text(m.item),
                text(&m.name),
                text(&m.unit),
                num(m.opening),
                num(m.imported),
                num(m.carried_in),
                num(m.consumed),
                num(m.carried_out),
                num(m.domestic_sold),
                num(m.re_exported),
                num(m.destroyed),
                num(m.closing),
                opt(m.stocktake),
                opt(m.difference),
                m.flag
                    .as_ref()
                    .map(|f| {
                        text(match f.as_str() {
                            "shortage" => "短少 shortage",
                            "surplus" => "溢余 surplus",
                            other => other,
                        })
                    })
                    .unwrap_or(Cell::Empty),
            ]
        })
        .collect()
}

fn declaration_sheet(name: &str, title: &str, book: &Book, d: &Declaration, p: &Position) -> Sheet {
    let mut header = book_header(book);
    header.push(("申报期 Period".into(), d.period.to_string()));
    header.push(("截止日期 Due".into(), d.due.to_string()));
    header.push(("计税日期 Assessed on".into(), d.filed.to_string()));
    let rows = d
        .lines
        .iter()
        .map(|l| {
            vec![
                text(&l.ref_),
                text(l.line),
                text(l.date),
                text(l.product.map(|p| p.to_string()).unwrap_or_default()),
                text(l.item),
                text(&l.hs),
                num(l.qty),
                num(l.unit_value.round_dp(6).normalize()),
                text(&l.currency),
                num(l.value_cny),
                num(l.duty),
                num(l.consumption_tax),
                num(l.vat),
            ]
        })
        .collect();
    let t = &d.totals;
    let mut footer_lines = vec![
        "征收 Levied: 税额低于50元不征 a tax whose sum is under CNY 50 is not levied (合计 computed → 征收 levied)".to_string(),
        format!(
            "缓税利息 Deferred interest: {} days from {} at {} % a year / 360 (not on scrap)",
            d.interest_days,
            d.interest_from.map(|f| f.to_string()).unwrap_or_else(|| "—".into()),
            d.interest_pct.normalize(),
        ),
        "完税单价 Unit value: rounded to 6 decimals for display; the value CNY is computed from the exact unit value (JSON and CSV give it exact)".to_string(),
    ];
    footer_lines.extend(footer(p));
    Sheet {
        name: name.into(),
        title: title.into(),
        header,
        columns: vec![
            col("清单编号", "Ref", ColumnKind::Text),
            col("行号", "Line", ColumnKind::Text),
            col("日期", "Date", ColumnKind::Date),
            col("成品序号", "Product", ColumnKind::Text),
            col("料件序号", "Item", ColumnKind::Text),
            col("商品编码", "HS", ColumnKind::Text),
            col("数量", "Qty", ColumnKind::Decimal),
            col("完税单价", "Unit value", ColumnKind::Decimal),
            col("币制", "Currency", ColumnKind::Text),
            col("完税价格(人民币)", "Value CNY", ColumnKind::Money),
            col("关税", "Duty", ColumnKind::Money),
            col("消费税", "Consumption tax", ColumnKind::Money),
            col("增值税", "VAT", ColumnKind::Money),
        ],
        rows,
        totals: vec![
            total_row(
                "合计(计算) Computed",
                Some(t.value_cny),
                [d.computed.duty, d.computed.consumption_tax, d.computed.vat],
            ),
            total_row("征收 Levied", None, [t.duty, t.consumption_tax, t.vat]),
            amount_row("缓税利息 Deferred interest", t.interest),
            amount_row("应缴合计 Total payable CNY", t.total),
        ],
        footer: footer_lines,
    }
}

/// A totals row of the declaration sheet: the value and the three taxes.
fn total_row(label: &str, value: Option<Decimal>, taxes: [Decimal; 3]) -> Vec<Cell> {
    let mut row = vec![text(label)];
    row.resize(9, Cell::Empty);
    row.push(opt(value));
    row.extend(taxes.map(num));
    row
}

/// A row of the declaration sheet with one amount, in the last (VAT) column: the interest, the
/// total payable.
fn amount_row(label: &str, amount: Decimal) -> Vec<Cell> {
    let mut row = vec![text(label)];
    row.resize(12, Cell::Empty);
    row.push(num(amount));
    row
}

pub fn duty_sheets(book: &Book, d: &Declaration, p: &Position) -> Vec<Sheet> {
    vec![declaration_sheet(
        "内销征税 Duty",
        "内销征税申报表 Domestic-sales duty declaration",
        book,
        d,
        p,
    )]
}

/// The remaining-material carry-overs (余料结转) of a cycle or a year, as a sheet of their own.
fn carry_over_sheet(book: &Book, lines: &[CarryOverLine], p: &Position) -> Sheet {
    let rows = lines
        .iter()
        .map(|c| {
            vec![
                text(&c.ref_),
                text(c.line),
                text(c.date),
                text(if c.dir == Direction::E {
                    "转出 out"
                } else {
                    "转入 in"
                }),
                text(c.item),
                num(c.qty),
                text(
                    c.peer_account
                        .as_ref()
                        .map(|a| a.to_string())
                        .unwrap_or_default(),
                ),
                text(c.pairing.replace('_', " ")),
            ]
        })
        .collect();
    Sheet {
        name: "余料结转 Carry-overs".into(),
        title: "余料结转 Remaining-material carry-overs".into(),
        header: book_header(book),
        columns: vec![
            col("清单编号", "Ref", ColumnKind::Text),
            col("行号", "Line", ColumnKind::Text),
            col("日期", "Date", ColumnKind::Date),
            col("方向", "Direction", ColumnKind::Text),
            col("料件序号", "Item", ColumnKind::Text),
            col("数量", "Qty", ColumnKind::Decimal),
            col("对方账册", "Peer book", ColumnKind::Text),
            col("配对", "Pairing", ColumnKind::Text),
        ],
        rows,
        totals: Vec::new(),
        footer: footer(p),
    }
}

pub fn cycle_sheets(book: &Book, r: &CycleReport, p: &Position) -> Vec<Sheet> {
    let mut header = book_header(book);
    header.push((
        "核销周期 Cycle".into(),
        format!("{} ({} – {})", r.cycle, r.start, r.end),
    ));
    header.push(("报核截止 Report due".into(), r.report_due.to_string()));
    header.push((
        "盘点日期 Stocktake".into(),
        r.stocktake_date
            .map(|d| d.to_string())
            .unwrap_or_else(|| "—".into()),
    ));
    header.push((
        "差异容差 Tolerance".into(),
        r.tolerance.normalize().to_string(),
    ));
    if let Some(c) = &r.customs_result {
        header.push((
            "海关核销结果 Customs' result (EMS221)".into(),
            format!(
                "{} — {}{}",
                c.result.as_deref().unwrap_or("—"),
                c.meaning,
                c.date.map(|d| format!(" ({d})")).unwrap_or_default()
            ),
        ));
    }
    let mut sheets = vec![Sheet {
        name: "料件核销 Materials".into(),
        title: "料件核销表 Self-verification report".into(),
        header,
        columns: identity_columns(true),
        rows: identity_rows(&r.materials),
        totals: Vec::new(),
        footer: footer(p),
    }];
    if let Some(d) = &r.shortages {
        sheets.push(declaration_sheet(
            "补充申报 Shortages",
            "短少补充申报 Supplementary declaration of shortages",
            book,
            d,
            p,
        ));
    }
    if !r.carry_overs.is_empty() {
        sheets.push(carry_over_sheet(book, &r.carry_overs, p));
    }
    if let Some(c) = r.customs_result.as_ref().filter(|c| c.rows > 0) {
        sheets.push(customs_result_sheet(book, c, p));
    }
    sheets
}

/// Customs' write-off figures (EMS221) where they differ from the book's, and its adjustments
/// (核增 / 核减): one row each.
fn customs_result_sheet(book: &Book, c: &CustomsWriteOff, p: &Position) -> Sheet {
    let goods = |g: &str| {
        if g == "E" {
            "成品 finished"
        } else {
            "料件 material"
        }
    };
    let mut rows: Vec<Vec<Cell>> = c
        .differences
        .iter()
        .map(|d| {
            vec![
                text(goods(&d.goods)),
                text(d.item),
                text(&d.column),
                opt(d.book),
                opt(d.customs),
            ]
        })
        .collect();
    for a in &c.adjustments {
        for (what, qty) in [("vrfaddQty 核增", a.added), ("vrfredQty 核减", a.reduced)] {
            if !qty.is_zero() {
                rows.push(vec![
                    text(goods(&a.goods)),
                    text(a.item),
                    text(what),
                    text(""),
                    num(qty),
                ]);
            }
        }
    }
    if rows.is_empty() {
        rows.push(vec![
            text(""),
            text(""),
            text(format!(
                "海关返回的 {} 行与账册一致 Customs' {} rows agree with the book",
                c.rows, c.rows
            )),
            text(""),
            text(""),
        ]);
    }
    Sheet {
        name: "海关核销结果 Customs result".into(),
        title: format!(
            "海关核销结果 Customs' write-off result: {} — {}",
            c.result.as_deref().unwrap_or("—"),
            c.meaning
        ),
        header: book_header(book),
        columns: vec![
            col("类型", "Goods", ColumnKind::Text),
            col("序号", "Item", ColumnKind::Text),
            col("项目", "Column", ColumnKind::Text),
            col("账册", "Book", ColumnKind::Decimal),
            col("海关", "Customs", ColumnKind::Decimal),
        ],
        rows,
        totals: Vec::new(),
        footer: footer(p),
    }
}

pub fn annual_sheets(book: &Book, year: i32, r: &IdentityReport, p: &Position) -> Vec<Sheet> {
    let mut header = book_header(book);
    header.push(("年度 Year".into(), year.to_string()));
    let mut sheets = vec![Sheet {
        name: format!("年度申报 {year}"),
        title: "年度申报表 Annual declaration".into(),
        header,
        columns: identity_columns(true),
        rows: identity_rows(&r.materials),
        totals: Vec::new(),
        footer: footer(p),
    }];
    if !r.carry_overs.is_empty() {
        sheets.push(carry_over_sheet(book, &r.carry_overs, p));
    }
    sheets
}

pub fn balance_sheets(book: &Book, r: &BalanceReport, p: &Position) -> Vec<Sheet> {
    let mut header = book_header(book);
    header.push(("截至 As of".into(), r.as_of.to_string()));
    let rows = r
        .materials
        .iter()
        .map(|m| {
            vec![
                text(m.item),
                text(&m.name),
                text(&m.unit),
                num(m.opening),
                num(m.imported),
                num(m.carried_in),
                num(m.consumed),
                num(m.carried_out),
                num(m.domestic_sold),
                num(m.re_exported),
                num(m.destroyed),
                num(m.balance),
            ]
        })
        .collect();
    let mut sheets = vec![Sheet {
        name: "料件结余 Balances".into(),
        title: "料件结余表 Material balances".into(),
        header: header.clone(),
        columns: identity_columns(false),
        rows,
        totals: Vec::new(),
        footer: footer(p),
    }];
    if !r.scrap.is_empty() {
        sheets.push(Sheet {
            name: "边角料 Scrap".into(),
            title: "边角料结余 Scrap stock".into(),
            header,
            columns: vec![
                col("边角料序号", "Scrap item", ColumnKind::Text),
                col("商品名称", "Name", ColumnKind::Text),
                col("计量单位", "Unit", ColumnKind::Text),
                col("结余数量", "Balance", ColumnKind::Decimal),
            ],
            rows: r
                .scrap
                .iter()
                .map(|x| vec![text(x.item), text(&x.name), text(&x.unit), num(x.balance)])
                .collect(),
            totals: Vec::new(),
            footer: footer(p),
        });
    }
    sheets
}
