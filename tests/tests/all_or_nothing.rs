//! Each file is all-or-nothing; a repeat is not applied twice; corrections reverse a movement;
//! a back-dated movement may not make any later day negative.

use bonded_tests::{book, dec, Store};

const HEADER: &str = "ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency";

fn movements(lines: &[&str]) -> String {
    let mut s = format!("{HEADER}\n");
    for l in lines {
        s.push_str(l);
        s.push('\n');
    }
    s
}

/// 1000 of material 1 imported on 2025-01-10.
fn stocked() -> Store {
    let s = book();
    s.load_ok(&[(
        "stock.csv",
        &movements(&["A,1,2025-01-10,E44038000001,0615,I,M,1000,1,1.5,USD"]),
    )]);
    s
}

/// Everything a user can see of the store: the export and the year-end balance.
fn snapshot(s: &Store) -> (Vec<String>, serde_json::Value) {
    (s.export_lines(), s.balance("2025-12-31").0)
}

#[test]
fn a_refused_file_writes_nothing() {
    let s = stocked();
    let before = snapshot(&s);
    // Two good lines, then one taking more than is left (1000 + 10 − 5 = 1005 < 2000).
    let out = s.load(&[(
        "movements.csv",
        &movements(&[
            "B,1,2025-02-01,E44038000001,0615,I,M,10,1,1.5,USD",
            "B,2,2025-02-02,E44038000001,0664,E,M,5,1,,",
            "B,3,2025-02-03,E44038000001,0664,E,M,2000,1,,",
        ]),
    )]);
    out.expect(3).stderr_has("movements.csv:4:");
    assert_eq!(snapshot(&s), before);
}

#[test]
fn a_file_with_a_bad_value_writes_nothing() {
    let s = stocked();
    let before = snapshot(&s);
    let out = s.load(&[(
        "movements.csv",
        &movements(&[
            "B,1,2025-02-01,E44038000001,0615,I,M,10,1,1.5,USD",
            "B,2,2025-02-02,E44038000001,0615,I,M,1O,1,1.5,USD",
        ]),
    )]);
    out.expect(2);
    assert_eq!(snapshot(&s), before);
}

#[test]
fn an_items_file_with_one_bad_heading_registers_none_of_its_items() {
    let s = stocked();
    let before = snapshot(&s);
    let out = s.load(&[(
        "items.csv",
        "account,goods,item,hs,name,unit\n\
         E44038000001,M,3,8542390000,Chip B,个\n\
         E44038000001,M,4,9999000000,Out of scope,个\n",
    )]);
    out.expect(3).stderr_has("items.csv:3: hs:");
    assert_eq!(snapshot(&s), before);
    let b = s.balance("2025-12-31");
    assert_eq!(b.0["materials"].as_array().map(Vec::len), Some(2));
}

#[test]
fn each_file_of_a_load_stands_alone() {
    let s = stocked();
    // good.csv is written; bad.csv (a negative balance) is not.
    let out = s.load(&[
        (
            "good.csv",
            &movements(&["G,1,2025-02-01,E44038000001,0615,I,M,10,1,1.5,USD"]),
        ),
        (
            "bad.csv",
            &movements(&["H,1,2025-02-02,E44038000001,0664,E,M,5000,1,,"]),
        ),
    ]);
    out.expect(3).stderr_has("bad.csv:2:");
    let b = s.balance("2025-12-31");
    assert_eq!(b.material(1, "imported"), dec("1010"));
    assert_eq!(b.material(1, "re_exported"), dec("0"));
}

#[test]
fn loading_the_same_files_twice_changes_nothing() {
    let s = book();
    let files = [
        (
            "movements.csv",
            movements(&[
                "A,1,2025-01-10,E44038000001,0615,I,M,1000,1,1.5,USD",
                "A,2,2025-01-10,E44038000001,0615,I,M,5000,2,0.1,USD",
                "B,1,2025-02-10,E44038000001,0615,E,P,100,1,,",
            ]),
        ),
        (
            "workorders.csv",
            "account,order,date,product,produced,material,issued,scrap_item,scrap_qty\n\
             E44038000001,W1,2025-02-01,1,100,1,206,1,4.5\n"
                .to_string(),
        ),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    s.load_ok(&files);
    let first = snapshot(&s);
    // Material 1: 1000 − 100 × 2.040816327 = 795.9183673.
    assert_eq!(
        s.balance("2025-12-31").material(1, "balance"),
        dec("795.9183673")
    );

    // Again, and again with the fixture files too: every file records 0 events.
    let again = s.json(&[
        "load",
        "movements.csv",
        "workorders.csv",
        "items.csv",
        "bom.csv",
        "fx.csv",
    ]);
    let reports = again["files"].as_array().expect("files");
    assert_eq!(reports.len(), 5, "{again:#}");
    for r in reports {
        assert_eq!(r["recorded"], "0", "{again:#}");
    }
    assert_eq!(snapshot(&s), first);

    // The table output says so too.
    let out = s.run(&["load", "movements.csv"]);
    out.ok();
    assert!(out.stdout.contains("0 events recorded"), "{}", out.stdout);
    assert_eq!(snapshot(&s), first);
}

#[test]
fn a_correction_reverses_a_movement_and_frees_its_ref_and_line() {
    let s = stocked();
    s.load_ok(&[(
        "movements.csv",
        &movements(&["B,1,2025-02-01,E44038000001,0664,E,M,100,1,,"]),
    )]);
    assert_eq!(s.balance("2025-12-31").material(1, "balance"), dec("900"));
    let exported = s.export_lines().len();

    // Recording B/1 again with another quantity is refused before the correction…
    let fixed = movements(&["B,1,2025-02-01,E44038000001,0664,E,M,60,1,,"]);
    s.load(&[("fixed.csv", &fixed)]).expect(3);

    // …the correction puts the 100 back (one event, appended: nothing is edited)…
    s.load_ok(&[(
        "corrections.csv",
        "ref,line,account,reason\nB,1,E44038000001,wrong quantity\n",
    )]);
    let b = s.balance("2025-12-31");
    assert_eq!(b.material(1, "re_exported"), dec("0"));
    assert_eq!(b.material(1, "balance"), dec("1000"));
    let lines = s.export_lines();
    assert_eq!(lines.len(), exported + 1);
    assert!(lines.last().is_some_and(|l| l.contains("wrong quantity")));

    // …and then B/1 can be recorded with 60: 1000 − 60 = 940.
    s.run(&["load", "fixed.csv"]).ok();
    let b = s.balance("2025-12-31");
    assert_eq!(b.material(1, "re_exported"), dec("60"));
    assert_eq!(b.material(1, "balance"), dec("940"));
}

#[test]
fn a_correction_of_an_unknown_line_is_two() {
    let s = stocked();
    let out = s.load(&[(
        "corrections.csv",
        "ref,line,account,reason\nZZ,9,E44038000001,typo\n",
    )]);
    out.expect(2)
        .stderr_has("corrections.csv:2:")
        .stderr_has("ZZ");
}

#[test]
fn loading_the_same_correction_twice_changes_nothing() {
    let s = stocked();
    let correction = "ref,line,account,reason\nA,1,E44038000001,entered twice\n";
    s.load_ok(&[("corrections.csv", correction)]);
    let first = snapshot(&s);
    assert_eq!(s.balance("2025-12-31").material(1, "balance"), dec("0"));
    let again = s.json(&["load", "corrections.csv"]);
    assert_eq!(again["files"][0]["recorded"], "0", "{again:#}");
    assert_eq!(snapshot(&s), first);
}

#[test]
fn a_back_dated_export_may_not_make_a_later_day_negative() {
    let s = stocked();
    // 1000 on 01-10; 900 re-exported on 03-01 leaves 100 from then on.
    s.load_ok(&[(
        "movements.csv",
        &movements(&["B,1,2025-03-01,E44038000001,0664,E,M,900,1,,"]),
    )]);
    let before = snapshot(&s);
    // On 02-01 there are 1000, but taking 200 then would leave −100 on 03-01.
    let out = s.load(&[(
        "late.csv",
        &movements(&["C,1,2025-02-01,E44038000001,0664,E,M,200,1,,"]),
    )]);
    out.expect(3)
        .stderr_has("late.csv:2: qty:")
        .stderr_has("2025-03-01")
        .stderr_has("100 个 available")
        .stderr_has("200 个 requested");
    assert_eq!(snapshot(&s), before);
    // 100 on 02-01 is fine: 0 left from 03-01.
    s.load_ok(&[(
        "ok.csv",
        &movements(&["C,1,2025-02-01,E44038000001,0664,E,M,100,1,,"]),
    )]);
    assert_eq!(s.balance("2025-12-31").material(1, "balance"), dec("0"));
    assert_eq!(s.balance("2025-02-15").material(1, "balance"), dec("900"));
}

#[test]
fn a_back_dated_finished_export_is_checked_on_later_days_too() {
    let s = book();
    // 300 of material 1 and 5000 of material 2 on 01-10; 100 re-exported on 04-01.
    s.load_ok(&[(
        "movements.csv",
        &movements(&[
            "A,1,2025-01-10,E44038000001,0615,I,M,300,1,1.5,USD",
            "A,2,2025-01-10,E44038000001,0615,I,M,5000,2,0.1,USD",
            "B,1,2025-04-01,E44038000001,0664,E,M,100,1,,",
        ]),
    )]);
    // 100 boards on 02-01 consume 204.0816327 of material 1: 300 − 204.08… = 95.9… on 02-01,
    // but −4.0816327 on 04-01.
    let out = s.load(&[(
        "late.csv",
        &movements(&["C,1,2025-02-01,E44038000001,0615,E,P,100,1,,"]),
    )]);
    out.expect(3)
        .stderr_has("late.csv:2:")
        .stderr_has("2025-04-01");
    assert_eq!(s.balance("2025-12-31").material(1, "balance"), dec("200"));
}

/// A file large enough that its events are stored while it is decided (on a second thread,
/// `Session::decide_and_record`): `n` imports of 10 of material 1, one per line.
fn large_imports(n: usize, bad: &[usize]) -> String {
    let lines: Vec<String> = (1..=n)
        .map(|i| {
            if bad.contains(&i) {
                // More than the book will ever hold.
                format!(
                    "L{},{},2025-03-01,E44038000001,0664,E,M,99999999,1,,",
                    i / 50,
                    i % 50 + 1
                )
            } else {
                format!(
                    "L{},{},2025-02-{:02},E44038000001,0615,I,M,10,1,1.5,USD",
                    i / 50,
                    i % 50 + 1,
                    i % 28 + 1
                )
            }
        })
        .collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    movements(&lines)
}

#[test]
fn a_large_file_refused_late_writes_nothing_and_reports_every_bad_line() {
    let s = stocked();
    let before = snapshot(&s);
    // Refused lines late in the file, after thousands of events were handed to the store;
    // and a file refused in its first lines.
    for (bad, file) in [(vec![2_600, 2_990], "late.csv"), (vec![3], "early.csv")] {
        let out = s.load(&[(file, &large_imports(3_000, &bad))]);
        out.expect(3);
        for line in &bad {
            // The file's line number counts the header.
            out.stderr_has(&format!("{file}:{}:", line + 1));
        }
        out.stderr_has(&format!("nothing of {file} was written"));
        assert_eq!(snapshot(&s), before);
        s.run(&["verify"]).ok();
    }
    // The same file without them: wholly recorded; then again, nothing twice.
    let good = large_imports(3_000, &[]);
    let first = s.json(&["load", &s.write("good.csv", &good).display().to_string()]);
    assert_eq!(first["files"][0]["recorded"], "3000", "{first:#}");
    assert_eq!(
        s.balance("2025-12-31").material(1, "imported"),
        dec("31000")
    );
    let again = s.json(&["load", "good.csv"]);
    assert_eq!(again["files"][0]["recorded"], "0", "{again:#}");
    s.run(&["verify"]).ok();
    assert_eq!(s.export_lines().len(), before.0.len() + 3_000);
}
