//! The shipped examples and the demo: loaded by hand as the README's tour does, and by
//! `bonded demo`, they give the same balances, and the figures a clerk can check by hand.

use std::path::PathBuf;

use bonded_tests::{dec, Balance, Store, ACCOUNT};

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

fn example_files() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(examples_dir())
        .expect("examples/ exists")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .map(|p| p.display().to_string())
        .collect();
    // Given in alphabetical order on purpose: `load` applies them in dependency order.
    files.sort();
    files
}

/// The README's tour: open the demo book by its flags, then `bonded load examples/*.csv`.
fn loaded_by_hand() -> Store {
    let s = Store::init();
    s.run(&[
        "account",
        "open",
        "--account",
        ACCOUNT,
        "--company",
        "4403960001",
        "--kind",
        "purchased",
        "--level",
        "item",
        "--capacity-usd",
        "6900000",
        "--cycle-start",
        "2025-01-01",
        "--cycle-months",
        "12",
        "--headings",
        "3907,7318,7410,8471,8504,8517,8532,8533,8534,8536,8541,8542,8544",
    ])
    .ok();
    let files = example_files();
    assert!(files.len() >= 7, "{files:?}");
    let mut args = vec!["load"];
    args.extend(files.iter().map(String::as_str));
    s.run(&args).ok();
    s
}

#[test]
fn examples_give_the_balances_computed_by_hand() {
    let s = loaded_by_hand();
    let b = s.balance("2025-12-31");
    // Material 26 (螺母): only finished item 4 uses it, net 4, no loss, bonded 100 % → gross 4.
    // Imports 10,000 + 8,000 + 8,000 + 6,000 = 32,000. Exports of item 4 over the year:
    // 400 + 300 + 550 + 600 + 600 + 650 + 500 + 600 + 700 + 650 + 600 + 450 = 6,600 units,
    // consuming 6,600 × 4 = 26,400. Balance 32,000 − 26,400 = 5,600.
    assert_eq!(b.material(26, "imported"), dec("32000"));
    assert_eq!(b.material(26, "consumed"), dec("26400"));
    assert_eq!(b.material(26, "balance"), dec("5600"));
    // The balance identity holds for every material, and none is negative.
    for m in b.0["materials"].as_array().expect("materials") {
        let item: u32 = m["item"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("item");
        let c = |k: &str| b.material(item, k);
        let identity = c("opening") + c("imported") + c("carried_in")
            - c("consumed")
            - c("carried_out")
            - c("domestic_sold")
            - c("re_exported")
            - c("destroyed");
        assert_eq!(identity, c("balance"), "material {item}");
        assert!(c("balance") >= dec("0"), "material {item} is negative");
    }
    // Two figures from the generator's own simulation, which the ledger must reproduce exactly.
    assert_eq!(b.material(8, "balance"), dec("67122.44899815"));
    assert_eq!(b.material(22, "balance"), dec("7.13682146"));
}

#[test]
fn loading_the_examples_again_records_nothing() {
    let s = loaded_by_hand();
    let before = s.export_lines();
    let mut args = vec!["load".to_string()];
    args.extend(example_files());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = s.run(&args);
    out.ok();
    assert!(out.stdout.contains("0 events recorded"), "{}", out.stdout);
    assert_eq!(s.export_lines(), before);
}

#[test]
fn the_demo_builds_the_same_book_and_is_idempotent() {
    let s = Store::new();
    let first = s.run(&["demo"]);
    first.ok();
    assert!(first.stdout.contains("E44038000001"), "{}", first.stdout);
    let demo = Balance(
        s.json(&["balance", "--account", ACCOUNT, "--as-of", "2025-12-31"])
            .clone(),
    );
    let by_hand = loaded_by_hand().balance("2025-12-31");
    assert_eq!(demo.0["materials"], by_hand.0["materials"]);
    assert_eq!(demo.0["scrap"], by_hand.0["scrap"]);
    let events = s.export_lines().len();
    s.run(&["demo"]).ok();
    assert_eq!(
        s.export_lines().len(),
        events,
        "a second demo run records nothing"
    );
    s.run(&["verify"]).ok();
}
