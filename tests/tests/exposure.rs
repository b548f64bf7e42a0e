//! Order 182 exposure, end to end: work orders loaded against the fixture's unit consumption,
//! the excess valued by the duty engine and graded by the book's thresholds, checked against
//! figures computed by hand.

use bonded_tests::{book, dec, json_dec, Store, ACCOUNT};
use serde_json::Value;

/// Tariff: chips 5 % duty, capacitors 10 %; VAT 13 %.
const TARIFF: &str = "\
hs,from,duty_pct,vat_pct
8542310000,2025-01-01,5,13
8532240000,2025-01-01,10,13
";

/// March imports: material 1 1000 at 1.5 USD CIF; material 2 10000 at 0.1 USD CIF.
/// Average prices at USD 7.1 (every month of 2025): material 1 1.5 × 7.1 = CNY 10.65.
const MOVEMENTS: &str = "\
ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency,incoterm
I1,1,2025-03-03,E44038000001,0615,I,M,1000,1,1.5,USD,CIF
I1,2,2025-03-03,E44038000001,0615,I,M,10000,2,0.1,USD,CIF
";

/// Finished 1 (Board; declared gross: material 1 2.040816327, material 2 10):
/// - WO1 (10 April): 100 boards, 196 of material 1, 1000 of material 2
/// - WO2 (20 April): 50 boards, 99 of material 1, 505 of material 2
///
/// Finished 2 (Laptop, no BOM): WO3 (15 April): 10 laptops, 20 of material 2.
const WORK_ORDERS: &str = "\
account,order,date,product,produced,material,issued
E44038000001,WO1,2025-04-10,1,100,1,196
E44038000001,WO1,2025-04-10,1,100,2,1000
E44038000001,WO2,2025-04-20,1,50,1,99
E44038000001,WO2,2025-04-20,1,50,2,505
E44038000001,WO3,2025-04-15,2,10,2,20
";

fn april() -> Store {
    let s = book();
    s.load_ok(&[
        ("tariff.csv", TARIFF),
        ("movements.csv", MOVEMENTS),
        ("workorders.csv", WORK_ORDERS),
    ]);
    s
}

fn exposure(s: &Store, extra: &[&str]) -> Value {
    let mut args = vec!["exposure", "--account", ACCOUNT];
    args.extend_from_slice(extra);
    s.json(&args)
}

fn line<'a>(v: &'a Value, product: &str, material: &str) -> &'a Value {
    v["lines"]
        .as_array()
        .and_then(|ls| {
            ls.iter()
                .find(|l| l["product"] == product && l["material"] == material)
        })
        .unwrap_or_else(|| panic!("no line {product}/{material}: {v:#}"))
}

#[test]
fn excess_consumption_valued_and_graded() {
    let s = april();
    let v = exposure(&s, &[]);
    assert_eq!(v["account"].as_str(), Some(ACCOUNT));
    // Valued on the latest work-order date.
    assert_eq!(v["date"].as_str(), Some("2025-04-20"));
    assert_eq!(v["lines"].as_array().map(Vec::len), Some(3));

    // Board / material 1: produced 100 + 50 = 150; issued 196 + 99 = 295.
    // actual 295 / 150 = 1.96666… → 1.966666667 (shown, half-up 9 dp).
    // excess = 150 × 2.040816327 − 295 = 306.12244905 − 295 = 11.12244905.
    // relative 11.12244905 / 306.12244905 = 3.6333…% → medium (2 ≤ x < 5).
    // value: 11.12244905 × 10.65 = 118.454082… → 118.45; duty 5 % = 5.9225 → 5.92;
    // VAT 13 % × (118.45 + 5.92) = 16.1681 → 16.17; 118.45 + 5.92 + 16.17 = 140.54.
    let m1 = line(&v, "1", "1");
    assert_eq!(json_dec(&m1["produced"]), dec("150"));
    assert_eq!(json_dec(&m1["issued"]), dec("295"));
    assert_eq!(m1["declared_gross"].as_str(), Some("2.040816327"));
    assert_eq!(m1["actual_gross"].as_str(), Some("1.966666667"));
    assert_eq!(json_dec(&m1["excess_qty"]), dec("11.12244905"));
    assert_eq!(json_dec(&m1["excess_pct"]), dec("3.63"));
    assert_eq!(m1["value_cny"].as_str(), Some("140.54"));
    assert_eq!(
        m1["valuation"]["dutiable_value_cny"].as_str(),
        Some("118.45")
    );
    assert_eq!(m1["valuation"]["duty"].as_str(), Some("5.92"));
    assert_eq!(m1["valuation"]["vat"].as_str(), Some("16.17"));
    assert_eq!(m1["risk"].as_str(), Some("medium"));
    assert_eq!(m1["bom_version"].as_str(), Some("0"));
    assert_eq!(m1["orders"].as_str(), Some("2"));

    // Board / material 2: 150 × 10 = 1500 declared, 1505 issued: more than declared, no
    // excess; relative −5 / 1500 = −0.33 %; low, worth 0.
    let m2 = line(&v, "1", "2");
    assert_eq!(json_dec(&m2["excess_qty"]), dec("0"));
    assert_eq!(m2["actual_gross"].as_str(), Some("10.033333333"));
    assert_eq!(json_dec(&m2["excess_pct"]), dec("-0.33"));
    assert_eq!(m2["value_cny"].as_str(), Some("0.00"));
    assert_eq!(m2["risk"].as_str(), Some("low"));

    // Laptop has no BOM: nothing to compare, and the report says so.
    let laptop = line(&v, "2", "2");
    assert!(laptop["declared_gross"].is_null());
    assert!(laptop["value_cny"].is_null());
    assert!(laptop["note"]
        .as_str()
        .is_some_and(|n| n.contains("no unit consumption")));

    assert_eq!(v["totals"]["value_cny"].as_str(), Some("140.54"));
    assert_eq!(v["risk_medium_pct"].as_str(), Some("2"));
    assert_eq!(v["risk_high_pct"].as_str(), Some("5"));
}

#[test]
fn the_books_thresholds_grade_the_lines() {
    let s = april();
    // 3.63 % is under a medium threshold of 4: low.
    s.run(&["account", "set", "--account", ACCOUNT, "risk_medium_pct=4"])
        .ok();
    assert_eq!(
        line(&exposure(&s, &[]), "1", "1")["risk"].as_str(),
        Some("low")
    );
    // … and from a high threshold of 3.5 with medium 1: high.
    s.run(&[
        "account",
        "set",
        "--account",
        ACCOUNT,
        "risk_medium_pct=1",
        "risk_high_pct=3.5",
    ])
    .ok();
    assert_eq!(
        line(&exposure(&s, &[]), "1", "1")["risk"].as_str(),
        Some("high")
    );
    s.run(&["account", "set", "--account", ACCOUNT, "risk_high_pct=lots"])
        .expect(2);
}

#[test]
fn a_line_that_cannot_be_valued_says_why_and_the_rest_stands() {
    let s = april();
    // No exchange rate for January 2026: the excess is still there, its value unknown.
    let v = exposure(&s, &["--date", "2026-01-15"]);
    assert_eq!(v["date"].as_str(), Some("2026-01-15"));
    let m1 = line(&v, "1", "1");
    assert_eq!(json_dec(&m1["excess_qty"]), dec("11.12244905"));
    assert!(m1["value_cny"].is_null(), "{m1:#}");
    assert!(
        m1["note"]
            .as_str()
            .is_some_and(|n| n.contains("not valued")),
        "{m1:#}"
    );
    assert_eq!(v["totals"]["unvalued_lines"].as_str(), Some("1"));
    assert_eq!(v["totals"]["value_cny"].as_str(), Some("0.00"));
}

#[test]
fn table_and_csv_for_people_and_programs() {
    let s = april();
    let out = s.run(&["exposure", "--account", ACCOUNT]);
    out.ok();
    for needle in [
        "140.54",
        "MEDIUM",
        "half-up to 9 decimals",
        "medium under 5 %",
    ] {
        assert!(
            out.stdout.contains(needle),
            "table lacks {needle:?}:\n{}",
            out.stdout
        );
    }
    let csv = s.run(&["exposure", "--account", ACCOUNT, "--format", "csv"]);
    csv.ok();
    let mut rows = csv.stdout.lines();
    assert!(rows
        .next()
        .is_some_and(|h| h.starts_with("product,material,")));
    assert!(csv
        .stdout
        .contains("1,1,0,2,150,295,2.040816327,1.966666667,3.63,11.12244905,"));
    // The total, then the log position the figures come from: comments, not data rows.
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert!(lines
        .iter()
        .rev()
        .nth(1)
        .is_some_and(|l| l.starts_with("# TOTAL,") && l.contains("140.54")));
    assert!(lines
        .last()
        .is_some_and(|l| l.starts_with("# log_position,")));
    // An unknown book is bad input.
    s.run(&["exposure", "--account", "E44038009999"]).expect(2);
}
