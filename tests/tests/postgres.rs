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

/// The balance at the end of 2025, as JSON.
const BALANCE: [&str; 7] = [
    "balance",
    "--account",
    ACCOUNT,
    "--as-of",
    "2025-12-31",
    "--format",
    "json",
];

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
    let on_pg = json(&pg(&s, &url, &BALANCE));
    let on_sled = json(&s.run(&BALANCE));
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

/// `pg` with extra environment variables.
fn pg_env(s: &Store, url: &str, env: &[(&str, &str)], args: &[&str]) -> Outcome {
    let mut cmd = s.command();
    cmd.envs(env.iter().copied())
        .args(["--store", url, "--actor", "tester"])
        .args(args);
    run_command(cmd)
}

/// The one directory under `DIR/cache` holding a PostgreSQL store's saved state.
fn cache_dirs(s: &Store) -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(s.path("cache"))
        .map(|rd| rd.map(|e| e.expect("entry").path()).collect())
        .unwrap_or_default();
    dirs.sort();
    dirs
}

#[test]
fn a_postgres_store_is_read_from_the_state_saved_on_this_machine() {
    let s = Store::new();
    let url = fresh_url();
    both(&s, &url);
    let early = pg(&s, &url, &["export", "--out", "early.jsonl"]);
    early.ok();
    let balance = [&["--verbose"][..], &BALANCE].concat();
    let replayed = |s: &Store| json(&pg_env(s, &url, &[("BONDED_CACHE", "off")], &balance));

    // The load saved the state in a private directory of the cache, named without the password.
    let dirs = cache_dirs(&s);
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    let dir = &dirs[0];
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    assert!(name.starts_with("pg-") && name.len() == 19, "{name}");
    assert!(dir.join("state.snapshot").is_file());
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700, "{mode:o}");

    // A read starts from it, reads only its part, and answers as a replay of the whole log.
    let used = pg(&s, &url, &balance);
    used.ok();
    assert!(
        used.stderr
            .contains("used; 0 events replayed after it (read in part"),
        "{}",
        used.stderr
    );
    let whole = pg_env(&s, &url, &[("BONDED_CACHE", "off")], &balance);
    assert!(!whole.stderr.contains("snapshot"), "{}", whole.stderr);
    assert_eq!(json(&used), json(&whole));

    // Another machine (no cache here) writes to the log: this one's state is behind. The next
    // read replays the new events onto it, saves it again, and answers as a replay does.
    s.write(
        "more.csv",
        "ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency\n\
         D,1,2025-04-10,E44038000001,0615,I,M,300,1,1.5,USD\n\
         E,1,2025-05-10,E44038000001,0664,E,M,20,2,,\n",
    );
    pg_env(&s, &url, &[("BONDED_CACHE", "off")], &["load", "more.csv"]).ok();
    let behind = pg(&s, &url, &balance);
    assert!(
        behind.stderr.contains("used; 2 events replayed after it"),
        "{}",
        behind.stderr
    );
    assert!(
        behind.stderr.contains("snapshot written"),
        "{}",
        behind.stderr
    );
    assert_eq!(json(&behind), replayed(&s));
    let caught_up = pg(&s, &url, &balance);
    assert!(caught_up
        .stderr
        .contains("used; 0 events replayed after it"));

    // The database restored from an older export: the saved state is ahead of its log, so it
    // is not used; the log is replayed and the state saved again.
    execute(&url, "DROP TABLE events, streams, log_head, schema_version");
    pg(&s, &url, &["restore", "early.jsonl"]).ok();
    let ahead = pg(&s, &url, &balance);
    assert!(
        ahead.stderr.contains("snapshot not used")
            && ahead.stderr.contains("beyond the log's head"),
        "{}",
        ahead.stderr
    );
    assert_eq!(json(&ahead), replayed(&s));
    assert!(json(&ahead)["materials"] != json(&behind)["materials"]);

    // Another store's saved state in this store's place: not used.
    let other = fresh_url();
    pg(&s, &other, &["init"]).ok();
    pg(&s, &other, &["load", "fx.csv"]).ok();
    let others: Vec<_> = cache_dirs(&s).into_iter().filter(|d| d != dir).collect();
    assert_eq!(others.len(), 1, "{others:?}");
    std::fs::copy(others[0].join("state.snapshot"), dir.join("state.snapshot")).unwrap();
    let foreign = pg(&s, &url, &balance);
    assert!(
        foreign.stderr.contains("snapshot not used"),
        "{}",
        foreign.stderr
    );
    assert_eq!(json(&foreign), replayed(&s));

    // `rebuild` writes it on request, and says why it cannot without a cache.
    let rebuilt = pg(&s, &url, &["rebuild"]);
    rebuilt.ok();
    assert!(rebuilt.stdout.contains("position"), "{}", rebuilt.stdout);
    pg_env(&s, &url, &[("BONDED_CACHE", "off")], &["rebuild"])
        .expect(2)
        .stderr_has("BONDED_CACHE");
}
