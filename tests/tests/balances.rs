//! `bonded balance`: every balance column of the contract, checked against figures worked out
//! by hand from a small year of movements on the [`book`] fixture.

use bonded_tests::{book, dec, Store, ACCOUNT, GROSS_M1, MATERIAL_COLUMNS};

// One line of every kind that moves a material column (book E44038000001, see `book()`).
//
// Unit consumption of finished 1 (board): material 1 gross 2.040816327, material 2 gross 10.
//
// Material 1 (Chip A):
// - imported    = 1000 (R01 0615 I) + 50 (R02 0700 I, by part PA-2)          = 1050
// - carried_in  = 200 (R03 0654 I) + 30 (R04 0657 I)                          = 230
// - consumed    = 100 × 2.040816327 (R05 0615 E P) = 204.0816327
//                 − 10 × 2.040816327 (R06 4600 I P) = −20.40816327            = 183.67346943
// - carried_out = 20 × 2.040816327 (R07 0654 E P) = 40.81632654
//                 + 25 (R08 0657 E M)                                         = 65.81632654
// - domestic_sold = 15 (R09 0644 I M) + 5 × 2.040816327 (R10 0644 I P, by part FG-1)
//                 = 15 + 10.204081635                                         = 25.204081635
// - re_exported = 12 (R11 0664 E M) + 8 (R12 0700 E M)                        = 20
// - destroyed   = 3 (R13 0200 E M)                                            = 3
// - balance     = 1050 + 230 − 183.67346943 − 65.81632654 − 25.204081635 − 20 − 3
//               = 982.306122395
//
// Material 2 (Capacitor): imported 5000 (R14 0615 I); consumed (100 − 10) × 10 = 900;
// carried_out 20 × 10 = 200; domestic_sold 5 × 10 = 50; balance 5000 − 900 − 200 − 50 = 3850.
const YEAR: &str = "\
ref,line,date,account,mode,dir,goods,qty,item,part,unit_price,currency,peer_account
R01,1,2025-01-10,E44038000001,0615,I,M,1000,1,,1.5,USD,
R14,1,2025-01-10,E44038000001,0615,I,M,5000,2,,0.1,USD,
R02,1,2025-02-01,E44038000001,0700,I,M,50,,PA-2,1.5,USD,
R03,1,2025-02-05,E44038000001,0654,I,M,200,1,,,,E44038000002
R04,1,2025-02-06,E44038000001,0657,I,M,30,1,,,,E44038000002
R05,1,2025-03-10,E44038000001,0615,E,P,100,1,,,,
R06,1,2025-03-20,E44038000001,4600,I,P,10,1,,,,
R07,1,2025-04-10,E44038000001,0654,E,P,20,1,,,,E44038000003
R08,1,2025-04-15,E44038000001,0657,E,M,25,1,,,,E44038000003
R09,1,2025-05-10,E44038000001,0644,I,M,15,1,,,,
R10,1,2025-05-20,E44038000001,0644,I,P,5,,FG-1,,,
R11,1,2025-06-10,E44038000001,0664,E,M,12,1,,,,
R12,1,2025-06-15,E44038000001,0700,E,M,8,1,,,,
R13,1,2025-07-01,E44038000001,0200,E,M,3,1,,,,
";

fn year() -> Store {
    let s = book();
    s.load_ok(&[("movements.csv", YEAR)]);
    s
}

#[track_caller]
fn assert_columns(s: &Store, as_of: &str, item: u32, want: [&str; 9]) {
    let b = s.balance(as_of);
    for (column, want) in MATERIAL_COLUMNS.iter().zip(want) {
        assert_eq!(
            b.material(item, column),
            dec(want),
            "material {item} column {column} as of {as_of}:\n{:#}",
            b.0
        );
    }
}

#[test]
fn gross_consumption_is_rounded_half_up_to_nine_places() {
    // 2 / (1 − 2/100) = 2.0408163265306…; the 10th decimal is 5 → up: 2.040816327.
    assert_eq!(GROSS_M1, "2.040816327");
    let s = book();
    s.load_ok(&[(
        "movements.csv",
        "ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency\n\
         A,1,2025-01-10,E44038000001,0615,I,M,1000,1,1.5,USD\n\
         A,2,2025-01-10,E44038000001,0615,I,M,5000,2,0.1,USD\n\
         B,1,2025-02-10,E44038000001,0615,E,P,1,1,,\n",
    )]);
    assert_eq!(
        s.balance("2025-12-31").material(1, "consumed"),
        dec(GROSS_M1)
    );
}

#[test]
fn every_column_of_a_year() {
    let s = year();
    #[rustfmt::skip]
    assert_columns(&s, "2025-12-31", 1, [
        "0", "1050", "230", "183.67346943", "65.81632654", "25.204081635", "20", "3", "982.306122395",
    ]);
    #[rustfmt::skip]
    assert_columns(&s, "2025-12-31", 2, ["0", "5000", "0", "900", "200", "50", "0", "0", "3850"]);
    let b = s.balance("2025-12-31");
    assert_eq!(b.0["account"], ACCOUNT);
    assert_eq!(b.0["as_of"], "2025-12-31");
    assert_eq!(b.0["materials"][0]["name"], "Chip A");
    assert_eq!(b.0["materials"][0]["unit"], "个");
}

/// What each row of `YEAR` does to a material's stock, worked out from the row alone (not
/// from the ledger's columns): its sign by direction and kind, a finished-goods quantity times
/// the gross unit consumption of each material (1: 2.040816327, 2: 10).
fn stock_changes(row: &str) -> Vec<(u32, rust_decimal::Decimal)> {
    let f: Vec<&str> = row.split(',').collect();
    let (mode, dir, goods, qty) = (f[4], f[5], f[6], dec(f[7]));
    let item = match (f[8], f[9]) {
        ("", "PA-2") => 1,
        ("", "FG-1") => 1,
        (n, _) => n.parse().expect("item"),
    };
    // In the book's direction: an import (I) of materials adds, everything else of materials
    // leaves; finished goods exported (E) take their materials out, returned (4600 I) put them
    // back, sold at home (0644 I P) take them out.
    let sign = match (mode, dir) {
        (_, "I") if goods == "M" && mode != "0644" => dec("1"),
        ("4600", "I") => dec("1"),
        _ => dec("-1"),
    };
    match goods {
        "M" => vec![(item, sign * qty)],
        _ => vec![
            (1, sign * qty * dec(bonded_tests::GROSS_M1)),
            (2, sign * qty * dec("10")),
        ],
    }
}

/// The JSON balance is the identity of its own columns, so checking the identity from it alone
/// cannot fail: the balance and the identity are both compared with the stock worked out row by
/// row from the file.
#[test]
fn balance_identity_holds_for_every_material() {
    let s = year();
    let b = s.balance("2025-12-31");
    for item in [1, 2] {
        let from_rows: rust_decimal::Decimal = YEAR
            .lines()
            .skip(1)
            .flat_map(stock_changes)
            .filter(|(i, _)| *i == item)
            .map(|(_, q)| q)
            .sum();
        let c = |k| b.material(item, k);
        let closing = c("opening") + c("imported") + c("carried_in")
            - c("consumed")
            - c("carried_out")
            - c("domestic_sold")
            - c("re_exported")
            - c("destroyed");
        assert_eq!(c("balance"), from_rows, "material {item}: balance");
        assert_eq!(
            closing, from_rows,
            "material {item}: identity of the columns"
        );
    }
    // And the figures of the comment above, computed by hand.
    assert_eq!(b.material(1, "balance"), dec("982.306122395"));
    assert_eq!(b.material(2, "balance"), dec("3850"));
}

#[test]
fn as_of_shows_only_earlier_movements() {
    let s = year();
    // By 2025-03-15: R01, R02, R03, R04, R05 (not R06 on 03-20).
    // Material 1: 1050 + 230 − 204.0816327 = 1075.9183673.
    #[rustfmt::skip]
    assert_columns(&s, "2025-03-15", 1, [
        "0", "1050", "230", "204.0816327", "0", "0", "0", "0", "1075.9183673",
    ]);
    // The day of a movement includes it ("at the end of" that day): R06 on 2025-03-20.
    // consumed 204.0816327 − 20.40816327 = 183.67346943.
    assert_eq!(
        s.balance("2025-03-20").material(1, "consumed"),
        dec("183.67346943")
    );
    assert_eq!(
        s.balance("2025-03-19").material(1, "consumed"),
        dec("204.0816327")
    );
    // Before anything: all zero.
    #[rustfmt::skip]
    assert_columns(&s, "2025-01-09", 1, ["0", "0", "0", "0", "0", "0", "0", "0", "0"]);
}

#[test]
fn a_movement_given_by_part_posts_to_its_item() {
    let s = book();
    // PA-1 and PA-2 are merged into material 1: 300 + 200 = 500 on item 1, nothing on item 2.
    s.load_ok(&[(
        "movements.csv",
        "ref,line,date,account,mode,dir,goods,qty,part,unit_price,currency\n\
         P,1,2025-01-10,E44038000001,0615,I,M,300,PA-1,1.5,USD\n\
         P,2,2025-01-11,E44038000001,0615,I,M,200,PA-2,1.5,USD\n",
    )]);
    let b = s.balance("2025-12-31");
    assert_eq!(b.material(1, "imported"), dec("500"));
    assert_eq!(b.material(1, "balance"), dec("500"));
    assert_eq!(b.material(2, "balance"), dec("0"));
}

#[test]
fn scrap_grows_by_work_order_and_shrinks_by_sale() {
    let s = book();
    // Work order W1 produces 4.5 kg of scrap item 1; a 0844 sale of 1.5 kg leaves 3.
    // Neither touches material 1: imported 1000, balance 1000.
    s.load_ok(&[
        (
            "workorders.csv",
            "account,order,date,product,produced,material,issued,scrap_item,scrap_qty\n\
             E44038000001,W1,2025-02-01,1,100,1,206,1,4.5\n",
        ),
        (
            "movements.csv",
            "ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency\n\
             A,1,2025-01-10,E44038000001,0615,I,M,1000,1,1.5,USD\n\
             S,1,2025-03-01,E44038000001,0844,I,S,1.5,1,20,CNY\n",
        ),
    ]);
    let b = s.balance("2025-12-31");
    assert_eq!(b.scrap(1), dec("3"));
    assert_eq!(b.material(1, "balance"), dec("1000"));
    assert_eq!(b.material(1, "consumed"), dec("0"));
    assert_eq!(s.balance("2025-02-15").scrap(1), dec("4.5"));
    assert_eq!(s.balance("2025-01-31").scrap(1), dec("0"));
    // Selling more scrap than is on hand is refused.
    let out = s.load(&[(
        "more.csv",
        "ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency\n\
         S,2,2025-04-01,E44038000001,0844,I,S,3.5,1,20,CNY\n",
    )]);
    out.expect(3);
    assert_eq!(s.balance("2025-12-31").scrap(1), dec("3"));
}

#[test]
fn outward_processing_leaves_the_material_balance_unchanged() {
    let s = book();
    // 1000 imported; 400 sent to a subcontractor on 03-01, back on 03-20.
    s.load_ok(&[(
        "movements.csv",
        "ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency,subcontractor\n\
         A,1,2025-01-10,E44038000001,0615,I,M,1000,1,1.5,USD,\n\
         O,1,2025-03-01,E44038000001,OWP,E,M,400,1,,,Dongguan Sub Co\n\
         O,2,2025-03-20,E44038000001,OWP,I,M,400,1,,,Dongguan Sub Co\n",
    )]);
    for as_of in ["2025-03-10", "2025-12-31"] {
        #[rustfmt::skip]
        assert_columns(&s, as_of, 1, ["0", "1000", "0", "0", "0", "0", "0", "0", "1000"]);
    }
    // While away, the goods are still on the book, held at the subcontractor.
    let away = s.balance("2025-03-10");
    let held = away.0["at_subcontractors"]
        .as_array()
        .expect("at_subcontractors");
    assert_eq!(held.len(), 1, "{:#}", away.0);
    assert_eq!(held[0]["subcontractor"], "Dongguan Sub Co");
    assert_eq!(bonded_tests::json_dec(&held[0]["qty"]), dec("400"));
    let back = s.balance("2025-12-31");
    let held = back.0["at_subcontractors"].as_array().expect("list");
    assert!(
        held.iter()
            .all(|h| bonded_tests::json_dec(&h["qty"]).is_zero()),
        "{:#}",
        back.0
    );
}

#[test]
fn csv_has_a_header_and_one_row_per_item() {
    let s = year();
    let out = s.run(&[
        "balance",
        "--account",
        ACCOUNT,
        "--as-of",
        "2025-12-31",
        "--format",
        "csv",
    ]);
    out.ok();
    let lines: Vec<&str> = out.stdout.lines().collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    for column in ["item", "name", "unit"]
        .iter()
        .chain(MATERIAL_COLUMNS.iter())
    {
        assert!(
            header.contains(column),
            "header {:?} lacks {column}",
            lines[0]
        );
    }
    // Two materials and one scrap item: three rows, each as wide as the header, then the log
    // position the figures come from as a comment (not a data row).
    assert_eq!(lines.len(), 1 + 3 + 1, "{}", out.stdout);
    assert!(lines[4].starts_with("# log_position,"), "{}", lines[4]);
    for row in &lines[1..4] {
        assert_eq!(row.split(',').count(), header.len(), "{row}");
    }
    let item = header.iter().position(|h| *h == "item").expect("item");
    let balance = header
        .iter()
        .position(|h| *h == "balance")
        .expect("balance");
    let m1 = lines[1..]
        .iter()
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|r| r[item] == "1" && r.contains(&"Chip A"))
        .expect("row of material 1");
    assert_eq!(dec(m1[balance]), dec("982.306122395"));
}

#[test]
fn table_names_the_items() {
    let s = year();
    let out = s.run(&["balance", "--account", ACCOUNT, "--as-of", "2025-12-31"]);
    out.ok();
    for name in ["Chip A", "Capacitor", "Chip scrap", "982.306122395", "3850"] {
        assert!(
            out.stdout.contains(name),
            "table lacks {name}:\n{}",
            out.stdout
        );
    }
}

#[test]
fn csv_quotes_a_name_with_a_comma() {
    let s = book();
    s.load_ok(&[(
        "items.csv",
        "account,goods,item,hs,name,unit\n\
         E44038000001,M,3,8532210000,\"Resistor, 0402\",个\n",
    )]);
    let out = s.run(&[
        "balance",
        "--account",
        ACCOUNT,
        "--as-of",
        "2025-12-31",
        "--format",
        "csv",
    ]);
    out.ok();
    assert!(
        out.stdout.lines().any(|l| l.contains("\"Resistor, 0402\"")),
        "{}",
        out.stdout
    );
}

#[test]
fn an_opening_balance_fills_the_opening_column() {
    let s = book();
    // A book taken over: 250 of material 1 on 2025-01-01, then 100 imported and 30 re-exported.
    // Balance 250 + 100 − 30 = 320.
    s.load_ok(&[
        (
            "openings.csv",
            "account,date,item,qty,unit_price,currency\n\
             E44038000001,2025-01-01,1,250,1.4,USD\n",
        ),
        (
            "movements.csv",
            "ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency\n\
             A,1,2025-01-10,E44038000001,0615,I,M,100,1,1.5,USD\n\
             B,1,2025-02-10,E44038000001,0664,E,M,30,1,,\n",
        ),
    ]);
    #[rustfmt::skip]
    assert_columns(&s, "2025-12-31", 1, ["250", "100", "0", "0", "0", "0", "30", "0", "320"]);
    // The same columns come under `--kind openings` for a file whose name does not say.
    let t = book();
    t.write(
        "takeover.csv",
        "account,date,item,qty\nE44038000001,2025-01-01,2,40\n",
    );
    t.run(&["load", "--kind", "openings", "takeover.csv"]).ok();
    assert_eq!(t.balance("2025-12-31").material(2, "opening"), dec("40"));
}
