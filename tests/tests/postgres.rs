//! `bonded` on a PostgreSQL store (`--store postgres://…`): init, load, balance, verify,
//! export, restore; `bonded copy` between sled and PostgreSQL both ways; damage found with
//! exit 4. The server: `ledger_store::pg_testing` (BONDED_TEST_POSTGRES, else a private one).

use bonded_tests::{fx_csv, run_command, Outcome, Store, ACCOUNT, BOM_CSV, COMPANY, ITEMS_CSV};
use ledger_store::pg_testing::{execute, fresh_url};

/// `bonded --store URL --actor tester ARGS…`, in the store's directory.
fn pg(s: &Store, url: &str, args: &[&str]) -> Outcome {
    let mut cmd = s.command();
    cmd.args(["--store", url, "--actor", "tester"]).args(args);
    run_command(cmd)
}

fn json(out: &Outcome) -> serde_json::Value {
    out.ok();
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

const MOVEMENTS: &str = "ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency\n\
    A,1,2025-01-10,E44038000001,0615,I,M,1000,1,1.5,USD\n\
    A,2,2025-01-10,E44038000001,0615,I,M,5000,2,0.1,USD\n\
    B,1,2025-02-10,E44038000001,0615,E,P,100,1,,\n\
    C,1,2025-03-01,E44038000001,0664,E,M,10,1,,\n";

/// The same book built on sled (`--data`) and on PostgreSQL (`--store`), command by command.
fn both(s: &Store, url: &str) {
    let open = [
        "account",
        "open",
        "--account",
        ACCOUNT,
        "--company",
        COMPANY,
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
        "--headings",
        "8542,8471,8532",
    ];
    s.write("fx.csv", fx_csv());
    s.write("items.csv", ITEMS_CSV);
    s.write("bom.csv", BOM_CSV);
    s.write("movements.csv", MOVEMENTS);
    let init = pg(s, url, &["init"]);
    init.ok();
    assert!(init.stdout.contains("PostgreSQL"), "{}", init.stdout);
    s.run(&["init"]).ok();
    for args in [
        &open[..],
        &["load", "fx.csv", "items.csv", "bom.csv"],
        &["load", "movements.csv"],
    ] {
        s.run(args).ok();
        pg(s, url, args).ok();
    }
}

#[test]
fn init_load_balance_verify_export_restore_on_postgres() {
    let s = Store::new();
    let url = fresh_url();
    both(&s, url.as_str());
    let balance = [
        "balance",
        "--account",
        ACCOUNT,
        "--as-of",
        "2025-12-31",
        "--format",
        "json",
    ];
    let on_pg = json(&pg(&s, &url, &balance));
    let on_sled = json(&s.run(&balance));
    for key in ["materials", "scrap", "at_subcontractors"] {
        assert_eq!(on_pg[key], on_sled[key], "{key}: {on_pg}");
    }
    assert_eq!(on_pg["log"]["position"], on_sled["log"]["position"]);
    assert!(on_pg.to_string().contains("Chip A"), "{on_pg}");

    let verified = json(&pg(&s, &url, &["verify", "--format", "json"]));
    assert_eq!(verified["ok"], true);
    let export = pg(&s, &url, &["export", "--out", "pg.jsonl"]);
    export.ok();
    let lines = std::fs::read_to_string(s.path("pg.jsonl")).unwrap();
    assert_eq!(
        lines.lines().count().to_string(),
        verified["events"].as_str().unwrap()
    );

    // Restore into a new PostgreSQL store, and into a sled one: the same export back.
    let again = fresh_url();
    pg(&s, &again, &["restore", "pg.jsonl"]).ok();
    pg(&s, &again, &["export", "--out", "again.jsonl"]).ok();
    assert_eq!(
        std::fs::read(s.path("again.jsonl")).unwrap(),
        lines.as_bytes()
    );
    // A store is never restored over.
    pg(&s, &again, &["restore", "pg.jsonl"]).expect(2);
    pg(&s, &again, &["init"]).expect(2);
    // A database without a store: a usage error saying how to make one.
    pg(&s, &fresh_url(), &["balance", "--account", ACCOUNT])
        .expect(2)
        .stderr_has("bonded init");
    // --store takes URLs only.
    pg(&s, "some/dir", &["verify"]).expect(2);
}

#[test]
fn copy_moves_a_store_between_sled_and_postgres_byte_for_byte() {
    let s = Store::new();
    let url = fresh_url();
    both(&s, &url);
    let sled_export = s.export_lines();

    let to_pg = fresh_url();
    let data = s.data().display().to_string();
    let out = s.run(&["copy", "--from", &data, "--to", &to_pg]);
    out.ok();
    assert!(
        out.stdout
            .contains(&format!("copied {} events", sled_export.len())),
        "{}",
        out.stdout
    );
    let pg_export = pg(&s, &to_pg, &["export"]);
    pg_export.ok();
    assert_eq!(pg_export.stdout.lines().collect::<Vec<_>>(), sled_export);

    let back = s.path("back");
    let back_text = back.display().to_string();
    s.run(&["copy", "--from", &to_pg, "--to", &back_text]).ok();
    let mut cmd = s.command();
    cmd.arg("--data").arg(&back).arg("export");
    let back_export = run_command(cmd);
    back_export.ok();
    assert_eq!(back_export.stdout.lines().collect::<Vec<_>>(), sled_export);

    // A destination that is not empty is refused, and left as it was.
    s.run(&["copy", "--from", &data, "--to", &to_pg]).expect(2);
    s.run(&["copy", "--from", &to_pg, "--to", &back_text])
        .expect(2);
    pg(&s, &to_pg, &["verify"]).ok();
}

#[test]
fn damage_in_the_database_exits_4_naming_the_position() {
    let s = Store::new();
    let url = fresh_url();
    both(&s, &url);
    execute(
        &url,
        "UPDATE events SET value = set_byte(value, 60, get_byte(value, 60) # 1) WHERE global_seq = 3",
    );
    let out = pg(&s, &url, &["verify"]);
    out.expect(4).stderr_has("record 3");
    // Copying a damaged store stops at the damage, with exit 4.
    let dest = s.path("copy");
    let out = s.run(&["copy", "--from", &url, "--to", &dest.display().to_string()]);
    out.expect(4).stderr_has("record 3");
}
