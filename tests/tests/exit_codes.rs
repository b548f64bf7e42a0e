//! Every exit code of the contract (0, 1, 2, 3, 4), with the located message a user gets.

use bonded_tests::{book, dec, Store, ACCOUNT};

const HEADER: &str = "ref,line,date,account,mode,dir,goods,qty,item,part,unit_price,currency";

/// The book with 1000 of material 1 and 5000 of material 2 imported on 2025-01-10.
fn stocked() -> Store {
    let s = book();
    s.load_ok(&[(
        "stock.csv",
        &format!(
            "{HEADER}\n\
             A,1,2025-01-10,E44038000001,0615,I,M,1000,1,,1.5,USD\n\
             A,2,2025-01-10,E44038000001,0615,I,M,5000,2,,0.1,USD\n"
        ),
    )]);
    s
}

/// A movements file of `lines` under [`HEADER`].
fn movements(lines: &[&str]) -> String {
    let mut s = format!("{HEADER}\n");
    for l in lines {
        s.push_str(l);
        s.push('\n');
    }
    s
}

#[test]
fn success_is_zero() {
    let s = stocked();
    s.run(&["balance", "--account", ACCOUNT, "--as-of", "2025-12-31"])
        .ok();
    s.run(&["verify"]).ok();
}

#[test]
fn malformed_decimal_is_two_with_file_line_column() {
    let s = stocked();
    let out = s.load(&[(
        "movements.csv",
        &movements(&["B,1,2025-02-01,E44038000001,0615,I,M,\"12,5\",1,,1.5,USD"]),
    )]);
    out.expect(2)
        .stderr_has(r#"movements.csv:2: qty: "12,5" is not a decimal number"#);
    assert_eq!(s.balance("2025-12-31").material(1, "imported"), dec("1000"));
}

#[test]
fn the_line_is_the_physical_line_of_the_file() {
    let s = stocked();
    // Line 1 is the header; the bad value is on physical line 4.
    let out = s.load(&[(
        "movements.csv",
        &movements(&[
            "B,1,2025-02-01,E44038000001,0615,I,M,1,1,,1.5,USD",
            "B,2,2025-02-01,E44038000001,0615,I,M,2,1,,1.5,USD",
            "B,3,2025-02-01,E44038000001,0615,I,M,abc,1,,1.5,USD",
        ]),
    )]);
    out.expect(2).stderr_has(r#"movements.csv:4: qty: "abc""#);
}

#[test]
fn every_bad_line_is_reported() {
    let s = stocked();
    let out = s.load(&[(
        "movements.csv",
        &movements(&[
            "B,1,2025-02-01,E44038000001,0615,I,M,\"12,5\",1,,1.5,USD",
            "B,2,2025-02-01,E44038000001,0615,I,M,3,1,,1.5,USD",
            "B,3,2025-02-31,E44038000001,0615,I,M,3,1,,1.5,USD",
            "B,4,2025-02-01,E44038000001,9999,I,M,3,1,,1.5,USD",
        ]),
    )]);
    out.expect(2);
    let located = out.stderr_lines_starting("movements.csv:");
    assert_eq!(located.len(), 3, "{}", out.stderr);
    assert!(
        located[0].starts_with("movements.csv:2: qty:"),
        "{located:?}"
    );
    assert!(
        located[1].starts_with("movements.csv:4: date:"),
        "{located:?}"
    );
    assert!(
        located[2].starts_with("movements.csv:5: mode:"),
        "{located:?}"
    );
}

#[test]
fn every_refused_line_is_reported_too() {
    let s = stocked();
    // Three lines each taking more than is there (1000 of material 1, 5000 of material 2),
    // around a good one: three messages, all exit 3, nothing written.
    let out = s.load(&[(
        "movements.csv",
        &movements(&[
            "B,1,2025-02-01,E44038000001,0664,E,M,1001,1,,,",
            "B,2,2025-02-01,E44038000001,0664,E,M,1,1,,,",
            "B,3,2025-02-01,E44038000001,0664,E,M,5001,2,,,",
            "B,4,2025-02-01,E44038000001,0200,E,M,6000,2,,,",
        ]),
    )]);
    out.expect(3);
    let located = out.stderr_lines_starting("movements.csv:");
    assert_eq!(located.len(), 3, "{}", out.stderr);
    assert_eq!(s.balance("2025-12-31").material(1, "re_exported"), dec("0"));
}

#[test]
fn missing_required_column_is_two() {
    let s = stocked();
    // A movements file without `qty` (its header still says movements: ref, line, mode, dir…).
    let out = s.load(&[(
        "movements.csv",
        "ref,line,date,account,mode,dir,goods,item\n\
         B,1,2025-02-01,E44038000001,0615,I,M,1\n",
    )]);
    out.expect(2).stderr_has("movements.csv").stderr_has("qty");
}

#[test]
fn unknown_trade_mode_is_two() {
    let s = stocked();
    let out = s.load(&[(
        "movements.csv",
        &movements(&["B,1,2025-02-01,E44038000001,0616,I,M,3,1,,1.5,USD"]),
    )]);
    out.expect(2).stderr_has("movements.csv:2: mode:");
}

#[test]
fn unknown_book_is_two() {
    let s = stocked();
    let out = s.load(&[(
        "movements.csv",
        &movements(&["B,1,2025-02-01,E44038009999,0615,I,M,3,1,,1.5,USD"]),
    )]);
    out.expect(2)
        .stderr_has("movements.csv:2: account:")
        .stderr_has("E44038009999");
    let out = s.run(&["balance", "--account", "E44038009999"]);
    out.expect(2).stderr_has("E44038009999");
}

#[test]
fn unknown_item_is_two() {
    let s = stocked();
    let out = s.load(&[(
        "movements.csv",
        &movements(&["B,1,2025-02-01,E44038000001,0615,I,M,3,77,,1.5,USD"]),
    )]);
    out.expect(2)
        .stderr_has("movements.csv:2: item:")
        .stderr_has("77");
}

#[test]
fn unknown_part_is_two() {
    let s = stocked();
    let out = s.load(&[(
        "movements.csv",
        &movements(&["B,1,2025-02-01,E44038000001,0615,I,M,3,,NO-SUCH-PART,1.5,USD"]),
    )]);
    out.expect(2)
        .stderr_has("movements.csv:2: part:")
        .stderr_has("NO-SUCH-PART");
}

#[test]
fn trade_mode_of_the_other_kind_of_book_is_two() {
    let s = stocked();
    // 0214 is 来料加工: supplied books only; E44038000001 is purchased.
    let out = s.load(&[(
        "movements.csv",
        &movements(&["B,1,2025-02-01,E44038000001,0214,I,M,3,1,,1.5,USD"]),
    )]);
    out.expect(2)
        .stderr_has("movements.csv:2: mode:")
        .stderr_has("0214");
}

#[test]
fn negative_balance_is_three_naming_item_available_and_requested() {
    let s = stocked();
    let out = s.load(&[(
        "movements.csv",
        &movements(&["B,1,2025-02-01,E44038000001,0664,E,M,1000.5,1,,,"]),
    )]);
    out.expect(3)
        .stderr_has("movements.csv:2: qty:")
        .stderr_has("material 1")
        .stderr_has("1000 个 available")
        .stderr_has("1000.5 个 requested");
}

#[test]
fn capacity_cap_is_three() {
    let s = stocked();
    // Cap 100000 USD; 1500 + 500 used. 65000 × 1.5 = 97500 → 99500: fits;
    // then 400 × 1.5 = 600 → 100100: over.
    s.load_ok(&[(
        "fits.csv",
        &movements(&["C,1,2025-03-01,E44038000001,0615,I,M,65000,1,,1.5,USD"]),
    )]);
    let out = s.load(&[(
        "over.csv",
        &movements(&["C,2,2025-03-02,E44038000001,0615,I,M,400,1,,1.5,USD"]),
    )]);
    out.expect(3)
        .stderr_has("over.csv:2:")
        .stderr_has("100000")
        .stderr_has("100100");
}

#[test]
fn hs_heading_outside_the_book_is_three() {
    let s = stocked();
    // 8541 is not among 8542, 8471, 8532.
    let out = s.load(&[(
        "items.csv",
        "account,goods,item,hs,name,unit\n\
         E44038000001,M,3,8541100000,Diode,个\n",
    )]);
    out.expect(3)
        .stderr_has("items.csv:2: hs:")
        .stderr_has("8541");
}

#[test]
fn unit_consumption_not_declared_is_three() {
    let s = stocked();
    // Finished 2 (laptop) has no BOM; the book declares unit consumption before export.
    let out = s.load(&[(
        "movements.csv",
        &movements(&["X,1,2025-02-01,E44038000001,0615,E,P,1,2,,,"]),
    )]);
    out.expect(3)
        .stderr_has("movements.csv:2:")
        .stderr_has("unit consumption");
}

#[test]
fn ref_and_line_recorded_with_other_content_is_three() {
    let s = stocked();
    // A/1 was recorded as 1000; the same ref+line with 999 is a conflict.
    let out = s.load(&[(
        "movements.csv",
        &movements(&["A,1,2025-01-10,E44038000001,0615,I,M,999,1,,1.5,USD"]),
    )]);
    out.expect(3).stderr_has("movements.csv:2: ref:");
    assert_eq!(s.balance("2025-12-31").material(1, "imported"), dec("1000"));
}

#[test]
fn a_bad_value_and_a_refusal_in_one_file_is_two() {
    let s = stocked();
    let out = s.load(&[(
        "movements.csv",
        &movements(&[
            "B,1,2025-02-01,E44038000001,0664,E,M,5000,1,,,",
            "B,2,2025-02-01,E44038000001,0664,E,M,x,1,,,",
        ]),
    )]);
    out.expect(2);
}

#[test]
fn altered_record_makes_verify_four() {
    let s = stocked();
    s.run(&["verify"]).ok();
    ledger_store::fault::flip_byte(s.data(), 2).expect("flip a byte");
    s.run(&["verify"]).expect(4);
}

#[test]
fn altered_head_record_makes_opening_the_store_four() {
    let s = stocked();
    let head = s.export_lines().len() as u64;
    ledger_store::fault::flip_byte(s.data(), head).expect("flip a byte of the head");
    let out = s.run(&["balance", "--account", ACCOUNT, "--as-of", "2025-12-31"]);
    out.expect(4);
    assert!(out.stdout.is_empty(), "no balance is shown: {}", out.stdout);
}

#[test]
fn anything_else_is_one() {
    let s = stocked();
    let out = s.run(&["export", "--out", "/nonexistent-dir/x/export.jsonl"]);
    out.expect(1).stderr_has("/nonexistent-dir/x/export.jsonl");
}

#[test]
fn usage_errors_are_two() {
    let s = stocked();
    s.run(&["balance", "--account", ACCOUNT, "--no-such-flag"])
        .expect(2);
    s.run(&["no-such-command"]).expect(2);
    s.run(&["balance"]).expect(2);
    s.run(&["balance", "--account", ACCOUNT, "--format", "yaml"])
        .expect(2);
    s.run(&["balance", "--account", ACCOUNT, "--as-of", "2025-13-01"])
        .expect(2);
}

#[test]
fn help_and_version_are_zero() {
    let s = Store::new();
    let out = s.run(&["--help"]);
    out.ok();
    assert!(out.stdout.contains("balance"), "{}", out.stdout);
    s.run(&["--version"]).ok();
}

#[test]
fn no_store_is_not_success() {
    let s = Store::new();
    let out = s.run(&["balance", "--account", ACCOUNT]);
    assert_ne!(out.code, 0);
    assert!(!s.data().join("conf").exists());
}

#[test]
fn a_quoted_cell_over_two_lines_counts_both_physical_lines() {
    let s = stocked();
    // The name of item 3 spans physical lines 2 and 3; the bad HS code is on line 4.
    let out = s.load(&[(
        "items.csv",
        "account,goods,item,hs,name,unit\n\
         E44038000001,M,3,8542390000,\"Chip B\nrev 2\",个\n\
         E44038000001,M,4,85423,Chip C,个\n",
    )]);
    out.expect(2).stderr_has("items.csv:4: hs:");
}

#[test]
fn a_part_of_another_item_is_two() {
    let s = stocked();
    // PA-1 is merged into material 1, not 2.
    let out = s.load(&[(
        "movements.csv",
        &movements(&["B,1,2025-02-01,E44038000001,0615,I,M,3,2,PA-1,1.5,USD"]),
    )]);
    out.expect(2)
        .stderr_has("movements.csv:2:")
        .stderr_has("PA-1");
}

#[test]
fn a_correction_frees_cap_and_a_new_cycle_starts_afresh() {
    let s = stocked();
    // 2000 USD used; 65000 × 1.5 = 97500 → 99500.
    let big = |r: &str, date: &str| {
        movements(&[&format!(
            "{r},1,{date},E44038000001,0615,I,M,65000,1,,1.5,USD"
        )])
    };
    s.load_ok(&[("k1.csv", &big("K1", "2025-03-10"))]);
    s.load(&[("k2.csv", &big("K2", "2025-03-11"))]).expect(3);
    // Reversing K1 gives its 97500 USD back: K2 fits.
    s.load_ok(&[(
        "corrections.csv",
        "ref,line,account,reason\nK1,1,E44038000001,entered twice\n",
    )]);
    s.run(&["load", "k2.csv"]).ok();
    // The second cycle (from 2026-01-01) has its own 100000 USD.
    s.load_ok(&[("k3.csv", &big("K3", "2026-01-05"))]);
    // 1000 + 65000 + 65000.
    assert_eq!(
        s.balance("2026-12-31").material(1, "imported"),
        dec("131000")
    );
}

/// `duty quote --format xlsx` wrote nothing and said 0; it is refused (2).
#[test]
fn a_quote_as_a_workbook_is_refused_with_two() {
    let s = stocked();
    s.run(&[
        "duty",
        "quote",
        "--account",
        ACCOUNT,
        "--item",
        "1",
        "--qty",
        "10",
        "--date",
        "2025-02-01",
        "--format",
        "xlsx",
    ])
    .expect(2)
    .stderr_has("not duty quote");
}
