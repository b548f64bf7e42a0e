//! The write-off cycle end to end: a year of movements, a stocktake with finished goods and goods
//! at a subcontractor in it, the self-verification report checked line by line against figures
//! computed by hand, the shortage declared, the close, the next cycle's opening, the interest
//! start moving; carry-over pairs; the annual declaration of a 24-month cycle; removal.

use bonded_tests::{book, dec, json_dec, Store, ACCOUNT};
use serde_json::Value;

const TARIFF: &str =
    "hs,from,duty_pct,vat_pct\n8542310000,2025-01-01,5,13\n8532240000,2025-01-01,10,13\n";

fn fx_2026() -> String {
    let mut s = String::from("month,currency,cny_per_unit\n");
    for m in 1..=12 {
        s.push_str(&format!("2026-{m:02},USD,7.2\n"));
    }
    s
}

/// The year 2025 (fixture: material 1 gross 2.040816327 per board, material 2 gross 10):
/// - I1 1 Feb: 1000 of material 1 at 1.5 USD; 5000 of material 2 at 0.1 USD
/// - E1 10 Jun: 100 boards exported → material 1: 100 × 2.040816327 = 204.0816327;
///   material 2: 100 × 10 = 1000
/// - OWP 1 Jul: 500 of material 2 sent to a subcontractor (still on the book)
/// - D1 1 Sep: 50 of material 1 sold domestically
///
/// Closing at 31 Dec: material 1 = 1000 − 204.0816327 − 50 = 745.9183673;
/// material 2 = 5000 − 1000 = 4000.
const YEAR: &str = "\
ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency,subcontractor
I1,1,2025-02-01,E44038000001,0615,I,M,1000,1,1.5,USD,
I1,2,2025-02-01,E44038000001,0615,I,M,5000,2,0.1,USD,
E1,1,2025-06-10,E44038000001,0615,E,P,100,1,,,
O1,1,2025-07-01,E44038000001,OWP,E,M,500,2,,,东莞外发厂
D1,1,2025-09-01,E44038000001,0644,I,M,50,1,,,
";

/// Counted on 31 Dec: 600 of material 1 and 2800 of material 2 at the factory, and 70 finished
/// boards. The boards hold 70 × 2.040816327 = 142.85714289 of material 1 and 70 × 10 = 700 of
/// material 2; the subcontractor holds 500 of material 2.
/// Material 1: 600 + 142.85714289 = 742.85714289 found, 745.9183673 on the book → −3.06122441.
/// Material 2: 2800 + 700 + 500 = 4000 found, 4000 on the book → 0.
const STOCKTAKE: &str = "\
account,date,item,qty,goods
E44038000001,2025-12-31,1,600,M
E44038000001,2025-12-31,2,2800,M
E44038000001,2025-12-31,1,70,P
";

fn year() -> Store {
    let s = book();
    s.load_ok(&[
        ("tariff.csv", TARIFF),
        ("fx2026.csv", &fx_2026()),
        ("movements.csv", YEAR),
        ("stocktake.csv", STOCKTAKE),
    ]);
    s
}

fn line<'a>(report: &'a Value, item: &str) -> &'a Value {
    report["materials"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["item"] == item))
        .unwrap_or_else(|| panic!("no material {item}: {report:#}"))
}

fn report(s: &Store, extra: &[&str]) -> Value {
    let mut args = vec!["cycle", "report", "--account", ACCOUNT];
    args.extend_from_slice(extra);
    s.json(&args)
}

#[test]
fn the_self_verification_report_line_by_line() {
    let s = year();
    let r = report(&s, &[]);
    assert_eq!(
        (
            r["cycle"].as_str(),
            r["start"].as_str(),
            r["end"].as_str(),
            r["report_due"].as_str()
        ),
        (
            Some("1"),
            Some("2025-01-01"),
            Some("2025-12-31"),
            Some("2026-01-30")
        )
    );
    let m1 = line(&r, "1");
    let want = [
        ("opening", "0"),
        ("imported", "1000"),
        ("carried_in", "0"),
        ("consumed", "204.0816327"),
        ("carried_out", "0"),
        ("domestic_sold", "50"),
        ("re_exported", "0"),
        ("destroyed", "0"),
        ("closing", "745.9183673"),
        ("stocktake", "742.85714289"),
        ("difference", "-3.06122441"),
    ];
    for (k, v) in want {
        assert_eq!(json_dec(&m1[k]), dec(v), "material 1 {k}");
    }
    assert_eq!(m1["flag"].as_str(), Some("shortage"));
    let m2 = line(&r, "2");
    assert_eq!(json_dec(&m2["consumed"]), dec("1000"));
    assert_eq!(json_dec(&m2["closing"]), dec("4000"));
    assert_eq!(
        json_dec(&m2["stocktake"]),
        dec("4000"),
        "boards and the subcontractor's goods count"
    );
    assert!(m2["flag"].is_null());
    // The shortage as a supplementary declaration, valued on the report's due date (January
    // 2026, USD 7.2): 3.06122441 × 1.5 × 7.2 = 33.0612236… → 33.06 CNY; every tax is under 50.
    let short = &r["shortages"];
    assert_eq!(
        json_dec(&short["totals"]["value_cny"]),
        dec("33.06"),
        "{short:#}"
    );
    assert_eq!(json_dec(&short["totals"]["total"]), dec("0"));
    // Every report names the log position and head hash it was computed from.
    let verify = s.json(&["verify"]);
    assert_eq!(r["log"]["position"], verify["head_seq"]);
    assert_eq!(r["log"]["head_hash"], verify["head_hash"]);
}

#[test]
fn close_moves_the_opening_and_the_interest_start() {
    let s = year();
    // Refused while the shortage is unexplained.
    s.run(&[
        "cycle",
        "close",
        "--account",
        ACCOUNT,
        "--date",
        "2026-01-20",
    ])
    .expect(3)
    .stderr_has("material 1 short by 3.06122441");
    // The shortage declared as a domestic sale in the cycle; then the close is accepted.
    s.load_ok(&[(
        "supplementary.csv",
        "ref,line,date,account,mode,dir,goods,qty,item\nSUP1,1,2025-12-31,E44038000001,0644,I,M,3.06122441,1\n",
    )]);
    let r = report(&s, &[]);
    assert_eq!(json_dec(&line(&r, "1")["difference"]), dec("0"));
    s.run(&[
        "cycle",
        "close",
        "--account",
        ACCOUNT,
        "--date",
        "2026-01-20",
    ])
    .ok();
    // The next cycle: 2026, opening with the closing balances.
    let next = report(&s, &[]);
    assert_eq!(
        (next["cycle"].as_str(), next["start"].as_str()),
        (Some("2"), Some("2026-01-01"))
    );
    assert_eq!(json_dec(&line(&next, "1")["opening"]), dec("742.85714289"));
    assert_eq!(json_dec(&line(&next, "2")["opening"]), dec("4000"));
    // The closed cycle's report still reads as it was, with its write-off date.
    let old = report(&s, &["--cycle", "1"]);
    assert_eq!(old["closed_on"].as_str(), Some("2026-01-20"));
    // A movement dated in the written-off cycle is refused.
    s.load(&[(
        "late.csv",
        "ref,line,date,account,mode,dir,goods,qty,item\nLATE,1,2025-12-15,E44038000001,0644,I,M,1,1\n",
    )])
    .expect(3)
    .stderr_has("already closed");
    // Deferred interest now runs from the write-off date: a sale in February 2026, declared
    // on its due date 15 March: 54 days from 20 January.
    s.load_ok(&[(
        "feb.csv",
        "ref,line,date,account,mode,dir,goods,qty,item\nD2,1,2026-02-10,E44038000001,0644,I,M,10,1\n",
    )]);
    let duty = s.json(&["duty", "--account", ACCOUNT, "--month", "2026-02"]);
    assert_eq!(duty["interest_from"].as_str(), Some("2026-01-20"));
    assert_eq!(duty["interest_days"].as_str(), Some("54"));
    // The cycle_report obligation of cycle 1 is done; cycle 2's is open.
    let d = s.json(&["deadlines", "--account", ACCOUNT, "--as-of", "2026-02-01"]);
    let ob = |period: &str| {
        d["obligations"]
            .as_array()
            .and_then(|o| {
                o.iter()
                    .find(|o| o["kind"] == "cycle_report" && o["period"] == period)
                    .cloned()
            })
            .expect("cycle_report obligation")
    };
    assert_eq!(ob("1")["status"].as_str(), Some("done"));
    assert_eq!(
        (ob("2")["status"].as_str(), ob("2")["due"].as_str()),
        (Some("open"), Some("2027-01-30"))
    );
}

/// The shortage explained by a destruction instead (0200, the `destroyed` column): closing
/// 745.9183673 − 3.06122441 = 742.85714289, the count; the close is accepted and the next
/// cycle opens with it. Were `destroyed` left out of the closing, the book would still say
/// 745.9183673, the close would be refused as 3.06122441 short, and the opening would differ.
#[test]
fn a_destruction_lowers_the_closing_that_the_close_carries_over() {
    let s = year();
    s.load_ok(&[(
        "destroyed.csv",
        "ref,line,date,account,mode,dir,goods,qty,item\nX1,1,2025-11-30,E44038000001,0200,E,M,3.06122441,1\n",
    )]);
    let r = report(&s, &[]);
    let m1 = line(&r, "1");
    for (k, v) in [
        ("destroyed", "3.06122441"),
        ("closing", "742.85714289"),
        ("difference", "0"),
    ] {
        assert_eq!(json_dec(&m1[k]), dec(v), "material 1 {k}");
    }
    s.run(&[
        "cycle",
        "close",
        "--account",
        ACCOUNT,
        "--date",
        "2026-01-20",
    ])
    .ok();
    let next = report(&s, &[]);
    assert_eq!(next["cycle"].as_str(), Some("2"));
    assert_eq!(json_dec(&line(&next, "1")["opening"]), dec("742.85714289"));
    assert_eq!(json_dec(&line(&next, "2")["opening"]), dec("4000"));
}

#[test]
fn a_remaining_material_carry_over_pairs_with_the_new_book() {
    let s = year();
    s.run(&[
        "account",
        "open",
        "--account",
        "E44038000002",
        "--company",
        "4403960001",
        "--kind",
        "purchased",
        "--level",
        "item",
        "--capacity-usd",
        "100000",
        "--cycle-start",
        "2025-01-01",
        "--cycle-months",
        "12",
    ])
    .ok();
    s.load_ok(&[(
        "items2.csv",
        "account,goods,item,hs,name,unit\nE44038000002,M,1,8532240000,Capacitor,个\n",
    )]);
    s.load_ok(&[(
        "carry.csv",
        "ref,line,date,account,mode,dir,goods,qty,item,peer_account\n\
         CO1,1,2025-12-20,E44038000001,0657,E,M,100,2,E44038000002\n\
         CO1,2,2025-12-20,E44038000001,0657,E,M,40,2,E44038000002\n\
         CI1,1,2025-12-20,E44038000002,0657,I,M,100,1,E44038000001\n",
    )]);
    let r = report(&s, &[]);
    let pairs: Vec<(String, String)> = r["carry_overs"]
        .as_array()
        .expect("carry_overs")
        .iter()
        .map(|c| {
            (
                c["qty"].as_str().unwrap_or("").to_string(),
                c["pairing"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("100".to_string(), "matched".to_string()),
            ("40".to_string(), "unmatched".to_string())
        ]
    );
    assert_eq!(json_dec(&line(&r, "2")["carried_out"]), dec("140"));
    // The new book's report shows the other side.
    let r2 = s.json(&["cycle", "report", "--account", "E44038000002"]);
    assert_eq!(r2["carry_overs"][0]["pairing"].as_str(), Some("matched"));
    assert_eq!(json_dec(&line(&r2, "1")["carried_in"]), dec("100"));
    // A remaining-material carry-over must name the other book.
    s.load(&[(
        "nopeer.csv",
        "ref,line,date,account,mode,dir,goods,qty,item\nCO2,1,2025-12-21,E44038000001,0657,E,M,1,2\n",
    )])
    .expect(2)
    .stderr_has("peer_account");
}

/// A 24-month cycle from 2024-01-01: its first 12 months end on 2024-12-31, so an annual
/// declaration of 2024 is due 30 days later, on 2025-01-30.
#[test]
fn an_annual_declaration_for_a_24_month_cycle() {
    let s = Store::init();
    s.run(&[
        "account",
        "open",
        "--account",
        "E44038000003",
        "--company",
        "4403960001",
        "--kind",
        "purchased",
        "--level",
        "item",
        "--capacity-usd",
        "100000",
        "--cycle-start",
        "2024-01-01",
        "--cycle-months",
        "24",
    ])
    .ok();
    let mut fx = String::from("month,currency,cny_per_unit\n");
    for y in [2024, 2025] {
        for m in 1..=12 {
            fx.push_str(&format!("{y}-{m:02},USD,7.1\n"));
        }
    }
    s.load_ok(&[
        ("fx.csv", &fx),
        ("items.csv", "account,goods,item,hs,name,unit,price,currency\nE44038000003,M,1,8542310000,Chip,个,1,USD\n"),
        (
            "movements.csv",
            "ref,line,date,account,mode,dir,goods,qty,item\n\
             A,1,2024-03-01,E44038000003,0615,I,M,100,1\n\
             B,1,2024-11-01,E44038000003,0664,E,M,10,1\n\
             C,1,2025-03-01,E44038000003,0615,I,M,50,1\n",
        ),
    ]);
    let a = s.json(&[
        "declare",
        "annual",
        "--account",
        "E44038000003",
        "--year",
        "2024",
    ]);
    let m = &a["materials"][0];
    // 2024: 100 in, 10 re-exported: closing 90; 2025's import is not in it.
    assert_eq!(
        (
            json_dec(&m["opening"]),
            json_dec(&m["imported"]),
            json_dec(&m["re_exported"]),
            json_dec(&m["closing"])
        ),
        (dec("0"), dec("100"), dec("10"), dec("90"))
    );
    let annual = |as_of: &str| {
        let d = s.json(&["deadlines", "--account", "E44038000003", "--as-of", as_of]);
        d["obligations"]
            .as_array()
            .and_then(|o| {
                o.iter()
                    .find(|o| o["kind"] == "annual_declaration")
                    .cloned()
            })
            .expect("annual_declaration")
    };
    let o = annual("2025-02-15");
    assert_eq!(
        (
            o["period"].as_str(),
            o["due"].as_str(),
            o["status"].as_str()
        ),
        (Some("2024"), Some("2025-01-30"), Some("overdue"))
    );
    s.run(&[
        "declare",
        "annual",
        "--account",
        "E44038000003",
        "--year",
        "2024",
        "--record",
        "2025-01-25",
    ])
    .ok();
    assert_eq!(annual("2025-02-15")["status"].as_str(), Some("done"));
    // The cycle's report is due 30 days after its 24 months.
    let d = s.json(&[
        "deadlines",
        "--account",
        "E44038000003",
        "--as-of",
        "2025-02-15",
    ]);
    let report = d["obligations"]
        .as_array()
        .and_then(|o| o.iter().find(|o| o["kind"] == "cycle_report").cloned())
        .expect("cycle_report");
    assert_eq!(report["due"].as_str(), Some("2026-01-30"));
    // 2025 ends the cycle itself: no annual declaration for it.
    s.run(&[
        "declare",
        "annual",
        "--account",
        "E44038000003",
        "--year",
        "2025",
        "--record",
        "2026-01-10",
    ])
    .expect(2);
}

#[test]
fn a_removed_book_takes_nothing_more_in_and_must_be_cancelled() {
    let s = year();
    s.run(&[
        "account",
        "remove",
        "--account",
        ACCOUNT,
        "--date",
        "2025-10-31",
    ])
    .ok();
    s.load(&[(
        "after.csv",
        "ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency\nI9,1,2025-11-05,E44038000001,0615,I,M,10,1,1.5,USD\n",
    )])
    .expect(3)
    .stderr_has("left the company-based mode");
    let d = s.json(&["deadlines", "--account", ACCOUNT, "--as-of", "2025-12-15"]);
    let o = d["obligations"]
        .as_array()
        .and_then(|o| o.iter().find(|o| o["kind"] == "book_cancellation").cloned())
        .expect("book_cancellation");
    assert_eq!(
        (
            o["period"].as_str(),
            o["due"].as_str(),
            o["status"].as_str()
        ),
        (Some("2025-10-31"), Some("2025-11-30"), Some("overdue"))
    );
}

#[test]
fn reports_as_excel_workbooks() {
    let s = year();
    for args in [
        vec![
            "cycle",
            "report",
            "--account",
            ACCOUNT,
            "--format",
            "xlsx",
            "--out",
        ],
        vec![
            "balance",
            "--account",
            ACCOUNT,
            "--as-of",
            "2025-12-31",
            "--format",
            "xlsx",
            "--out",
        ],
        vec![
            "duty",
            "--account",
            ACCOUNT,
            "--month",
            "2025-09",
            "--format",
            "xlsx",
            "--out",
        ],
    ] {
        let path = s.path(&format!("{}.xlsx", args[0]));
        let mut a: Vec<&str> = args.clone();
        let p = path.display().to_string();
        a.push(&p);
        s.run(&a).ok();
        let bytes = std::fs::read(&path).expect("workbook written");
        assert!(
            bytes.starts_with(b"PK"),
            "{} is a zip (xlsx)",
            path.display()
        );
    }
    // Without --out, xlsx is a usage error; and not every command writes workbooks.
    s.run(&["cycle", "report", "--account", ACCOUNT, "--format", "xlsx"])
        .expect(2);
    s.run(&["deadlines", "--account", ACCOUNT, "--format", "xlsx"])
        .expect(2);
}

#[test]
fn unit_consumption_declared_before_the_report() {
    let s = book();
    s.run(&[
        "account",
        "set",
        "--account",
        ACCOUNT,
        "uc_timing=before_report",
    ])
    .ok();
    // Finished item 2 has no BOM yet: accepted, waiting.
    s.load_ok(&[(
        "movements.csv",
        "ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency\n\
         I1,1,2025-02-01,E44038000001,0615,I,M,1000,1,1.5,USD\n\
         E1,1,2025-03-01,E44038000001,0615,E,P,10,2,,\n",
    )]);
    let uc = |as_of: &str| {
        let d = s.json(&["deadlines", "--account", ACCOUNT, "--as-of", as_of]);
        d["obligations"]
            .as_array()
            .and_then(|o| o.iter().find(|o| o["kind"] == "unit_consumption").cloned())
            .expect("unit_consumption obligation")
    };
    let o = uc("2025-06-30");
    // Due with the cycle report: 30 days after 2025-12-31.
    assert_eq!(
        (
            o["period"].as_str(),
            o["due"].as_str(),
            o["status"].as_str()
        ),
        (Some("1"), Some("2026-01-30"), Some("open"))
    );
    assert!(
        o["note"]
            .as_str()
            .is_some_and(|n| n.contains("1 finished-goods lines wait")),
        "{o}"
    );
    assert_eq!(s.balance("2025-12-31").material(1, "consumed"), dec("0"));
    // The BOM arrives: the waiting export takes its consumption (10 × 3 = 30).
    s.load_ok(&[(
        "bom2.csv",
        "account,product,material,version,net\nE44038000001,2,1,0,3\n",
    )]);
    assert_eq!(s.balance("2025-12-31").material(1, "consumed"), dec("30"));
    assert!(uc("2025-06-30")["note"].is_null());
    // Done once every exported finished item has its unit consumption (the settled rule),
    // not only when the cycle is written off: not overdue after the due date either.
    assert_eq!(uc("2025-06-30")["status"].as_str(), Some("done"));
    assert_eq!(uc("2026-02-01")["status"].as_str(), Some("done"));
}

/// A book taken over in the middle of its life: the openings file gives its balances, the
/// average import price that values later domestic sales, and the last write-off date.
#[test]
fn a_book_taken_over_mid_life_values_sales_at_its_opening_price() {
    let s = book();
    s.load_ok(&[
        ("tariff.csv", TARIFF),
        ("openings.csv", "account,date,item,qty,unit_price,currency\nE44038000001,2025-03-31,1,500,2.0,USD\n"),
        (
            "movements.csv",
            "ref,line,date,account,mode,dir,goods,qty,item\nD1,1,2025-04-10,E44038000001,0644,I,M,100,1\n",
        ),
    ]);
    let b = s.balance("2025-04-30");
    assert_eq!(
        (b.material(1, "opening"), b.material(1, "balance")),
        (dec("500"), dec("400"))
    );
    let duty = s.json(&["duty", "--account", ACCOUNT, "--month", "2025-04"]);
    // 100 × 2.0 USD × 7.1 = 1420.00 CNY; duty 5 % = 71.00; VAT 1491 × 13 % = 193.83.
    let l = &duty["lines"][0];
    assert_eq!(
        (
            json_dec(&l["value_cny"]),
            json_dec(&l["duty"]),
            json_dec(&l["vat"])
        ),
        (dec("1420.00"), dec("71.00"), dec("193.83"))
    );
    // Interest runs from the takeover date (the last write-off): 2025-03-31 to 2025-05-15 = 45 days.
    assert_eq!(
        (
            duty["interest_from"].as_str(),
            duty["interest_days"].as_str()
        ),
        (Some("2025-03-31"), Some("45"))
    );
}
