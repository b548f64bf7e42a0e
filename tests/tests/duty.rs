//! The month's domestic-sales duty, end to end: a month of sales loaded, the declaration as
//! JSON checked against figures computed by hand, filed, and the deadlines before and after.

use bonded_tests::{book, dec, json_dec, Store, ACCOUNT};
use serde_json::Value;

/// Tariff: chips 5 % duty, capacitors 10 %, chip scrap 0; VAT 13 % on all.
const TARIFF: &str = "\
hs,from,duty_pct,vat_pct
8542310000,2025-01-01,5,13
8532240000,2025-01-01,10,13
8542900000,2025-01-01,0,13
";

/// March imports (USD 7.1 all year, from the fixture):
/// - material 1: 1000 at 1.5 CIF = 1500.00; 1000 at 2.0 FOB + freight 100, insurance unknown:
///   (2000 + 100) × 3‰ = 6.30 → CIF 2106.30. Average (1500 + 2106.30) / 2000 = 1.80315 USD.
/// - material 2: 10000 at 0.1 CIF → average 0.1 USD.
///
/// April domestic sales:
/// - S1/1 material 1 × 500: 500 × 1.80315 × 7.1 = 6401.1825 → 6401.18; duty 5 % = 320.059 →
///   320.06; VAT (6401.18 + 320.06) × 13 % = 873.7612 → 873.76
/// - S1/2 material 2 × 3000: 3000 × 0.1 × 7.1 = 2130.00; duty 213.00; VAT 2343 × 13 % = 304.59
/// - S2/1 finished 1 × 10 → material 1: 10 × 2.040816327 = 20.40816327 → value 261.27, duty
///   13.06, VAT 35.66; material 2: 10 × 10 = 100 → value 71.00, duty 7.10, VAT 10.15
///
/// Totals: value 8863.45, duty 553.22, VAT 1224.16 (both ≥ 50: levied).
const MOVEMENTS: &str = "\
ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency,incoterm,freight
I1,1,2025-03-03,E44038000001,0615,I,M,1000,1,1.5,USD,CIF,
I1,2,2025-03-03,E44038000001,0615,I,M,10000,2,0.1,USD,CIF,
I2,1,2025-03-10,E44038000001,0615,I,M,1000,1,2.0,USD,FOB,100
S1,1,2025-04-08,E44038000001,0644,I,M,500,1,,,,
S1,2,2025-04-09,E44038000001,0644,I,M,3000,2,,,,
S2,1,2025-04-20,E44038000001,0644,I,P,10,1,,,,
";

fn april() -> Store {
    let s = book();
    s.load_ok(&[("tariff.csv", TARIFF), ("movements.csv", MOVEMENTS)]);
    s
}

fn duty_json(s: &Store, extra: &[&str]) -> Value {
    let mut args = vec!["duty", "--account", ACCOUNT, "--month", "2025-04"];
    args.extend_from_slice(extra);
    s.json(&args)
}

fn total(v: &Value, key: &str) -> rust_decimal::Decimal {
    json_dec(&v["totals"][key])
}

fn obligation<'a>(v: &'a Value, period: &str) -> &'a Value {
    v["obligations"]
        .as_array()
        .and_then(|o| {
            o.iter()
                .find(|o| o["period"] == period && o["kind"] == "domestic_sales_duty")
        })
        .unwrap_or_else(|| panic!("no obligation for {period}: {v:#}"))
}

fn deadlines(s: &Store, as_of: &str) -> Value {
    s.json(&["deadlines", "--account", ACCOUNT, "--as-of", as_of])
}

#[test]
fn the_months_declaration_to_the_cent() {
    let s = april();
    // Default: assessed as of the due date, 15 May.
    let v = duty_json(&s, &[]);
    assert_eq!(
        (v["account"].as_str(), v["period"].as_str()),
        (Some(ACCOUNT), Some("2025-04"))
    );
    // Not filed: a draft, `filed` null, assessed as of the due date.
    assert_eq!(
        (
            v["due"].as_str(),
            v["status"].as_str(),
            v["assessed_as_of"].as_str()
        ),
        (Some("2025-05-15"), Some("draft"), Some("2025-05-15"))
    );
    assert!(v["filed"].is_null(), "a draft has no filing date: {v:#}");
    let lines = v["lines"].as_array().expect("lines");
    let got: Vec<(String, String, String, String, String)> = lines
        .iter()
        .map(|l| {
            let s = |k: &str| {
                l[k].as_str()
                    .unwrap_or_else(|| panic!("{k} is a string: {l}"))
                    .to_string()
            };
            (s("ref"), s("item"), s("value_cny"), s("duty"), s("vat"))
        })
        .collect();
    let want = [
        ("S1", "1", "6401.18", "320.06", "873.76"),
        ("S1", "2", "2130.00", "213.00", "304.59"),
        ("S2", "1", "261.27", "13.06", "35.66"),
        ("S2", "2", "71.00", "7.10", "10.15"),
    ];
    let want: Vec<(String, String, String, String, String)> = want
        .iter()
        .map(|(a, b, c, d, e)| {
            (
                a.to_string(),
                b.to_string(),
                c.to_string(),
                d.to_string(),
                e.to_string(),
            )
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(lines[0]["line"].as_str(), Some("1"), "numbers are strings");
    assert_eq!(total(&v, "value_cny"), dec("8863.45"));
    assert_eq!(total(&v, "duty"), dec("553.22"));
    assert_eq!(total(&v, "consumption_tax"), dec("0"));
    assert_eq!(total(&v, "vat"), dec("1224.16"));
    // Interest from the first import (3 March) to 15 May: 73 days.
    // (553.22 + 1224.16) × 73 × 0.35 % / 360 = 1.2612… → 1.26
    assert_eq!(total(&v, "interest"), dec("1.26"));
    assert_eq!(total(&v, "total"), dec("1778.64"));
}

#[test]
fn filing_freezes_the_declaration_and_closes_the_deadline() {
    let s = april();
    // Before the due date: open, 14 days left.
    let before = deadlines(&s, "2025-05-01");
    let o = obligation(&before, "2025-04");
    assert_eq!(
        (
            o["due"].as_str(),
            o["status"].as_str(),
            o["days_left"].as_str()
        ),
        (Some("2025-05-15"), Some("open"), Some("14"))
    );
    assert_eq!(json_dec(&o["late_fee_cny"]), dec("0"));
    // Unpaid 92 days past the due date (15 Aug): VAT 1224.16 × 0.05 % × 92 = 56.311… → 56.31
    // collected; duty 553.22 × 0.05 % × 92 = 25.45 (under 50, not collected).
    let late = deadlines(&s, "2025-08-15");
    let o = obligation(&late, "2025-04");
    assert_eq!(o["status"].as_str(), Some("overdue"));
    assert_eq!(json_dec(&o["late_fee_cny"]), dec("56.31"));

    // Filed on 12 May: interest for 70 days: 1777.38 × 70 × 0.35 % / 360 = 1.2096… → 1.21.
    let filed = s.json(&[
        "duty",
        "file",
        "--account",
        ACCOUNT,
        "--month",
        "2025-04",
        "--date",
        "2025-05-12",
    ]);
    assert_eq!(filed["status"].as_str(), Some("filed"));
    assert_eq!(filed["filed"].as_str(), Some("2025-05-12"));
    assert_eq!(total(&filed, "interest"), dec("1.21"));
    assert_eq!(total(&filed, "total"), dec("1778.59"));

    // A later change of rates does not change what was filed …
    s.load_ok(&[(
        "tariff2.csv",
        "hs,from,duty_pct,vat_pct\n8542310000,2025-05-01,8,13\n",
    )]);
    let shown = duty_json(&s, &[]);
    assert_eq!(shown["status"].as_str(), Some("filed"));
    assert_eq!(total(&shown, "duty"), dec("553.22"));
    // … though a fresh assessment would: 6401.18 × 8 % = 512.09; 261.27 × 8 % = 20.90.
    let fresh = duty_json(&s, &["--filed", "2025-05-12"]);
    assert_eq!(fresh["status"].as_str(), Some("draft"));
    assert_eq!(total(&fresh, "duty"), dec("753.09"));

    // The deadline is done, with no fee.
    let after = deadlines(&s, "2025-08-15");
    let o = obligation(&after, "2025-04");
    assert_eq!(
        (o["status"].as_str(), o["done_on"].as_str()),
        (Some("done"), Some("2025-05-12"))
    );
    assert_eq!(json_dec(&o["late_fee_cny"]), dec("0"));

    // Filing again the same day is a repeat; another day is refused.
    let again = s.run(&[
        "duty",
        "file",
        "--account",
        ACCOUNT,
        "--month",
        "2025-04",
        "--date",
        "2025-05-12",
    ]);
    again.ok();
    let other = s.run(&[
        "duty",
        "file",
        "--account",
        ACCOUNT,
        "--month",
        "2025-04",
        "--date",
        "2025-05-13",
    ]);
    other
        .expect(3)
        .stderr_has("already declared as filed on 2025-05-12");
}

#[test]
fn deadlines_as_a_calendar() {
    let s = april();
    let out = s.run(&[
        "deadlines",
        "--account",
        ACCOUNT,
        "--as-of",
        "2025-05-01",
        "--format",
        "ics",
    ]);
    out.ok();
    let ics = out.stdout;
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"), "{ics}");
    assert!(ics.contains("DTSTART;VALUE=DATE:20250515\r\n"), "{ics}");
    assert!(
        ics.contains("TRIGGER:-P7D\r\n"),
        "a reminder a week before: {ics}"
    );
    assert!(ics.trim_end().ends_with("END:VCALENDAR"));
    s.run(&[
        "duty",
        "file",
        "--account",
        ACCOUNT,
        "--month",
        "2025-04",
        "--date",
        "2025-05-12",
    ])
    .ok();
    let out = s.run(&[
        "deadlines",
        "--account",
        ACCOUNT,
        "--as-of",
        "2025-05-20",
        "--format",
        "ics",
    ]);
    assert!(
        !out.stdout.contains("domestic_sales_duty-2025-04"),
        "a filed declaration leaves the calendar: {}",
        out.stdout
    );
    // The cycle's report is still to come, and the calendar names the log it was made from.
    assert!(out.stdout.contains("cycle_report-1"), "{}", out.stdout);
    assert!(
        out.stdout.contains("X-BONDED-LOG-POSITION:"),
        "{}",
        out.stdout
    );
    // ics is for deadlines only.
    s.run(&["balance", "--account", ACCOUNT, "--format", "ics"])
        .expect(2);
}

#[test]
fn quarterly_books_declare_by_quarter() {
    let s = april();
    s.run(&[
        "account",
        "set",
        "--account",
        ACCOUNT,
        "duty_period=quarterly",
    ])
    .ok();
    let v = s.json(&["duty", "--account", ACCOUNT, "--month", "2025-Q2"]);
    assert_eq!(v["due"].as_str(), Some("2025-07-15"));
    assert_eq!(total(&v, "vat"), dec("1224.16"));
    s.run(&["duty", "--account", ACCOUNT, "--month", "2025-04"])
        .expect(2)
        .stderr_has("quarterly");
    let d = deadlines(&s, "2025-07-01");
    assert_eq!(
        obligation(&d, "2025-Q2")["due"].as_str(),
        Some("2025-07-15")
    );
}

#[test]
fn a_quote_records_nothing() {
    let s = april();
    let before = s.export_lines();
    let q = s.json(&[
        "duty",
        "quote",
        "--account",
        ACCOUNT,
        "--item",
        "1",
        "--qty",
        "500",
        "--date",
        "2025-05-15",
    ]);
    // The same as line S1/1 of the declaration, declared alone.
    assert_eq!(total(&q, "value_cny"), dec("6401.18"));
    assert_eq!(total(&q, "duty"), dec("320.06"));
    assert_eq!(s.export_lines(), before);
    // Finished goods are converted by their BOM.
    let fg = s.json(&[
        "duty",
        "quote",
        "--account",
        ACCOUNT,
        "--item",
        "1",
        "--goods",
        "P",
        "--qty",
        "10",
        "--date",
        "2025-05-15",
    ]);
    assert_eq!(fg["lines"].as_array().map(Vec::len), Some(2));
    assert_eq!(total(&fg, "value_cny"), dec("332.27"));
}

#[test]
fn a_missing_tariff_is_refused_naming_the_code() {
    let s = book();
    s.load_ok(&[("movements.csv", MOVEMENTS)]);
    s.run(&["duty", "--account", ACCOUNT, "--month", "2025-04"])
        .expect(2)
        .stderr_has("8542310000");
}

#[test]
fn carry_over_declarations_are_due_at_the_end_of_the_next_month() {
    let s = book();
    s.load_ok(&[(
        "movements.csv",
        "ref,line,date,account,mode,dir,goods,qty,item,peer_account\n\
         C1,1,2025-01-20,E44038000001,0654,I,M,100,1,E44190000736\n",
    )]);
    let find = |v: &Value| {
        v["obligations"]
            .as_array()
            .and_then(|o| {
                o.iter()
                    .find(|o| o["kind"] == "carry_over_declaration")
                    .cloned()
            })
            .expect("carry-over obligation")
    };
    // January's carry-overs: due 28 February (2025 is not a leap year).
    let o = find(&deadlines(&s, "2025-02-01"));
    assert_eq!(
        (
            o["period"].as_str(),
            o["due"].as_str(),
            o["status"].as_str()
        ),
        (Some("2025-01"), Some("2025-02-28"), Some("open"))
    );
    assert_eq!(
        find(&deadlines(&s, "2025-03-01"))["status"].as_str(),
        Some("overdue")
    );
    s.run(&[
        "carry-over",
        "declare",
        "--account",
        ACCOUNT,
        "--month",
        "2025-01",
        "--date",
        "2025-02-25",
    ])
    .ok();
    let o = find(&deadlines(&s, "2025-03-01"));
    assert_eq!(
        (o["status"].as_str(), o["done_on"].as_str()),
        (Some("done"), Some("2025-02-25"))
    );
    // A month without carry-overs has nothing to declare.
    s.run(&[
        "carry-over",
        "declare",
        "--account",
        ACCOUNT,
        "--month",
        "2025-02",
        "--date",
        "2025-03-25",
    ])
    .expect(2);
}

#[test]
fn reports_can_be_rerun_as_the_store_stood_on_a_day() {
    let s = april();
    // Long before anything was recorded: the book did not exist yet.
    s.run(&[
        "duty",
        "--account",
        ACCOUNT,
        "--month",
        "2025-04",
        "--as-recorded",
        "2000-01-01",
    ])
    .expect(2)
    .stderr_has("not open");
    // By a day after everything was recorded: the same figures as now.
    let now = duty_json(&s, &[]);
    let then = duty_json(&s, &["--as-recorded", "2999-12-31"]);
    assert_eq!(now, then);
    // Looking back never writes.
    s.run(&[
        "duty",
        "file",
        "--account",
        ACCOUNT,
        "--month",
        "2025-04",
        "--date",
        "2025-05-12",
        "--as-recorded",
        "2999-12-31",
    ])
    .expect(2)
    .stderr_has("cannot record");
}

/// A month with no domestic sales has nothing to declare: the table does not call it overdue,
/// and deadlines lists no duty obligation for it.
#[test]
fn a_month_without_domestic_sales_is_not_overdue() {
    let s = april();
    let out = s.run(&["duty", "--account", ACCOUNT, "--month", "2025-02"]);
    out.ok();
    assert!(
        out.stdout.contains("nothing to declare") && !out.stdout.contains("past due"),
        "{}",
        out.stdout
    );
    let v = deadlines(&s, "2026-12-31");
    let duty_periods: Vec<&str> = v["obligations"]
        .as_array()
        .expect("obligations")
        .iter()
        .filter(|o| o["kind"] == "domestic_sales_duty")
        .filter_map(|o| o["period"].as_str())
        .collect();
    assert!(!duty_periods.contains(&"2025-02"), "{duty_periods:?}");
}

/// A CFR or CIF price (CIF when no incoterm is given) already holds the freight: a freight
/// given with it is left out of the customs value, and the load says so, naming each line, on
/// stderr and in its JSON. An FOB line's freight counts, and a freight of 0 is no freight.
#[test]
fn freight_in_a_cfr_or_cif_line_is_ignored_with_a_notice() {
    let csv =
        "ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency,incoterm,freight\n\
        N1,1,2025-03-03,E44038000001,0615,I,M,1000,1,1.5,USD,CFR,80\n\
        N1,2,2025-03-03,E44038000001,0615,I,M,1000,2,0.1,USD,,20\n\
        N2,1,2025-03-04,E44038000001,0615,I,M,100,1,1.5,USD,FOB,10\n\
        N3,1,2025-03-05,E44038000001,0615,I,M,100,1,1.5,USD,CIF,0\n";
    let want = [
        "freight.csv line 2: freight ignored: CFR/CIF prices include it",
        "freight.csv line 3: freight ignored: CFR/CIF prices include it",
    ];
    let s = book();
    let out = s.load_ok(&[("tariff.csv", TARIFF), ("freight.csv", csv)]);
    let said: Vec<String> = want.iter().map(|n| format!("notice: {n}")).collect();
    assert_eq!(
        out.stderr_lines_starting("notice: "),
        said,
        "{}",
        out.stderr
    );

    let s = book();
    s.write("tariff.csv", TARIFF);
    s.write("freight.csv", csv);
    let v = s.json(&["load", "tariff.csv", "freight.csv"]);
    assert_eq!(v["notices"], serde_json::json!(want), "{v:#}");
    // The lines are recorded all the same: the notice is not a refusal.
    assert_eq!(v["files"][1]["recorded"].as_str(), Some("4"), "{v:#}");
}
