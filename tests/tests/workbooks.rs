//! Every real report's workbook read back (the xlsx is a zip of XML sheets) and checked against
//! the JSON of the same report: every figure equal, the duty's levied taxes, interest and total
//! payable as cells, the balance's scrap stock and the carry-overs on sheets of their own.

use std::collections::BTreeMap;
use std::io::Read;
use std::str::FromStr;

use bonded_tests::{Decimal, Store, Value, ACCOUNT};

/// A sheet: row number → column letters → (text, is a number).
type Grid = BTreeMap<u32, BTreeMap<String, (String, bool)>>;

struct Workbook {
    /// Sheets by name, in order.
    sheets: Vec<(String, Grid)>,
}

fn part(zip: &mut zip::ZipArchive<std::fs::File>, name: &str) -> String {
    let mut text = String::new();
    zip.by_name(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .read_to_string(&mut text)
        .expect("utf-8");
    text
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The text of every `<t>` inside `s`.
fn texts(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("<t") {
        let after = &rest[i + 2..];
        if !(after.starts_with('>') || after.starts_with(' ')) {
            rest = after;
            continue;
        }
        let open_end = after.find('>').expect(">");
        let body = &after[open_end + 1..];
        let close = body.find("</t>").expect("</t>");
        out.push_str(&unescape(&body[..close]));
        rest = &body[close..];
    }
    out
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    Some(tag[i..i + tag[i..].find('"')?].to_string())
}

fn read_workbook(path: &std::path::Path) -> Workbook {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).expect("open")).expect("zip");
    let shared: Vec<String> = part(&mut zip, "xl/sharedStrings.xml")
        .split("<si>")
        .skip(1)
        .map(|si| texts(si.split("</si>").next().unwrap_or("")))
        .collect();
    let workbook = part(&mut zip, "xl/workbook.xml");
    let names: Vec<String> = workbook
        .split("<sheet ")
        .skip(1)
        .map(|t| unescape(&attr(&format!(" {t}"), "name").expect("name")))
        .collect();
    let mut sheets = Vec::new();
    for (i, name) in names.into_iter().enumerate() {
        let xml = part(&mut zip, &format!("xl/worksheets/sheet{}.xml", i + 1));
        let mut grid = Grid::new();
        for c in xml.split("<c ").skip(1) {
            let tag_end = c.find('>').expect(">");
            let tag = format!(" {}", &c[..tag_end]);
            if tag.ends_with('/') {
                continue; // a blank cell
            }
            let Some(v) = c
                .find("<v>")
                .map(|i| &c[i + 3..i + 3 + c[i + 3..].find("</v>").expect("</v>")])
            else {
                continue;
            };
            let r = attr(&tag, "r").expect("r");
            let col: String = r.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
            let row: u32 = r[col.len()..].parse().expect("row");
            let cell = match attr(&tag, "t").as_deref() {
                Some("s") => (shared[v.parse::<usize>().expect("index")].clone(), false),
                _ => (v.to_string(), true),
            };
            grid.entry(row).or_default().insert(col, cell);
        }
        sheets.push((name, grid));
    }
    Workbook { sheets }
}

impl Workbook {
    fn sheet(&self, contains: &str) -> &Grid {
        &self
            .sheets
            .iter()
            .find(|(n, _)| n.contains(contains))
            .unwrap_or_else(|| panic!("no sheet {contains:?} in {:?}", self.names()))
            .1
    }

    fn names(&self) -> Vec<&str> {
        self.sheets.iter().map(|(n, _)| n.as_str()).collect()
    }
}

/// The row whose cells in `key_cols` are `key` (text).
fn row<'a>(grid: &'a Grid, key: &[(&str, &str)]) -> &'a BTreeMap<String, (String, bool)> {
    grid.values()
        .find(|r| {
            key.iter()
                .all(|(c, v)| r.get(*c).is_some_and(|(t, _)| t == v))
        })
        .unwrap_or_else(|| panic!("no row {key:?}"))
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s)
        .or_else(|_| Decimal::from_scientific(s))
        .unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

/// The cell `col` of `r` equals the JSON figure `v` (a decimal string), as a number where the
/// figure fits one, else as exact text.
#[track_caller]
fn same(r: &BTreeMap<String, (String, bool)>, col: &str, v: &Value, what: &str) {
    let want = dec(v.as_str().unwrap_or_else(|| panic!("{what}: {v}")));
    let (got, _) = r
        .get(col)
        .unwrap_or_else(|| panic!("{what}: no cell {col} in {r:?}"));
    assert_eq!(dec(got), want, "{what} (column {col})");
}

fn demo() -> Store {
    let s = Store::new();
    s.run(&["demo"]).ok();
    s
}

fn workbook(s: &Store, args: &[&str]) -> Workbook {
    let mut all = args.to_vec();
    all.extend(["--format", "xlsx", "--out", "report.xlsx"]);
    s.run(&all).ok();
    read_workbook(&s.path("report.xlsx"))
}

const IDENTITY: [&str; 12] = [
    "opening",
    "imported",
    "carried_in",
    "consumed",
    "carried_out",
    "domestic_sold",
    "re_exported",
    "destroyed",
    "closing",
    "stocktake",
    "difference",
    "",
];
const COLS: [&str; 12] = ["D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O"];

fn check_identity(grid: &Grid, materials: &Value, closing_key: &str) {
    let materials = materials.as_array().expect("materials");
    assert!(!materials.is_empty());
    for m in materials {
        let item = m["item"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| m["item"].to_string());
        let r = row(grid, &[("A", &item)]);
        for (key, col) in IDENTITY.iter().zip(COLS) {
            let key = if *key == "closing" { closing_key } else { key };
            if key.is_empty() || m[key].is_null() {
                continue;
            }
            same(r, col, &m[key], &format!("item {item} {key}"));
        }
    }
}

fn check_carry_overs(wb: &Workbook, carry: &Value) {
    let carry = carry.as_array().expect("carry_overs");
    assert!(!carry.is_empty(), "the demo has carry-overs");
    let grid = wb.sheet("Carry-overs");
    for c in carry {
        let line = c["line"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| c["line"].to_string());
        let r = row(
            grid,
            &[("A", c["ref"].as_str().expect("ref")), ("B", &line)],
        );
        same(r, "F", &c["qty"], "carry-over qty");
    }
}

#[test]
fn every_figure_of_every_workbook_equals_the_json_of_its_report() {
    let s = demo();

    // Balance: materials, and the scrap stock on its own sheet.
    let args = ["balance", "--account", ACCOUNT, "--as-of", "2025-12-31"];
    let json = s.json(&args);
    let wb = workbook(&s, &args);
    check_identity(wb.sheet("Balances"), &json["materials"], "balance");
    let scrap = json["scrap"].as_array().expect("scrap");
    assert!(!scrap.is_empty());
    for x in scrap {
        let item = x["item"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| x["item"].to_string());
        same(
            row(wb.sheet("Scrap"), &[("A", &item)]),
            "D",
            &x["balance"],
            "scrap balance",
        );
    }

    // Duty: every line, and the computed and levied taxes, interest and total as cells.
    let args = ["duty", "--account", ACCOUNT, "--month", "2025-12"];
    let json = s.json(&args);
    let wb = workbook(&s, &args);
    let grid = wb.sheet("Duty");
    for l in json["lines"].as_array().expect("lines") {
        let line = l["line"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| l["line"].to_string());
        let r = row(
            grid,
            &[("A", l["ref"].as_str().expect("ref")), ("B", &line)],
        );
        assert!(r["H"].1, "the unit value is a number: {:?}", r["H"]);
        let uv = dec(l["unit_value"].as_str().expect("uv"))
            .round_dp(6)
            .normalize();
        assert_eq!(
            dec(&r["H"].0),
            uv,
            "unit value (6 decimals, as the sheet says)"
        );
        for (key, col) in [
            ("qty", "G"),
            ("value_cny", "J"),
            ("duty", "K"),
            ("consumption_tax", "L"),
            ("vat", "M"),
        ] {
            same(r, col, &l[key], key);
        }
    }
    let computed = row(grid, &[("A", "合计(计算) Computed")]);
    same(computed, "J", &json["totals"]["value_cny"], "value");
    same(computed, "K", &json["computed"]["duty"], "computed duty");
    same(computed, "M", &json["computed"]["vat"], "computed vat");
    let levied = row(grid, &[("A", "征收 Levied")]);
    same(levied, "K", &json["totals"]["duty"], "levied duty");
    same(
        levied,
        "L",
        &json["totals"]["consumption_tax"],
        "levied consumption tax",
    );
    same(levied, "M", &json["totals"]["vat"], "levied vat");
    same(
        row(grid, &[("A", "缓税利息 Deferred interest")]),
        "M",
        &json["totals"]["interest"],
        "interest",
    );
    same(
        row(grid, &[("A", "应缴合计 Total payable CNY")]),
        "M",
        &json["totals"]["total"],
        "total",
    );

    // The cycle report: the identity, and the carry-overs.
    let args = ["cycle", "report", "--account", ACCOUNT];
    let json = s.json(&args);
    let wb = workbook(&s, &args);
    check_identity(wb.sheet("Materials"), &json["materials"], "closing");
    check_carry_overs(&wb, &json["carry_overs"]);

    // The annual declaration, the same.
    let args = ["declare", "annual", "--account", ACCOUNT, "--year", "2025"];
    let json = s.json(&args);
    let wb = workbook(&s, &args);
    check_identity(wb.sheet("2025"), &json["materials"], "closing");
    check_carry_overs(&wb, &json["carry_overs"]);
}
