//! `bonded bench --store postgres://…`: the benchmark on PostgreSQL, against a raw COPY and an
//! ordered scan of the same records; its phases agree on the event count, and it leaves no
//! database or schema behind. The server: `ledger_store::pg_testing` (BONDED_TEST_POSTGRES,
//! else a private cluster; never skipped).

use bonded_tests::{run_command, Outcome, Store};
use ledger_store::pg_testing::{fresh_url, server_url};
use serde_json::Value;

fn num(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number: {v:#}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn bench(s: &Store, url: &str, args: &[&str]) -> Outcome {
    let mut cmd = s.command();
    cmd.args(["--store", url, "bench", "--events", "2000", "--seed", "3"])
        .args(args);
    run_command(cmd)
}

/// Which of `names` the server still holds, as databases or as schemas.
fn left_behind(names: &[String]) -> Vec<String> {
    let mut client = postgres::Client::connect(&server_url(), postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to the test server: {e}"));
    let mut found = Vec::new();
    for sql in [
        "SELECT datname::text FROM pg_database WHERE datname = ANY($1)",
        "SELECT nspname::text FROM pg_namespace WHERE nspname = ANY($1)",
    ] {
        let rows = client
            .query(sql, &[&names])
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        found.extend(rows.iter().map(|r| r.get::<_, String>(0)));
    }
    found
}

#[test]
fn the_phases_on_postgres_agree_and_nothing_is_left_behind() {
    let s = Store::new();
    let url = fresh_url();
    let out = bench(&s, &url, &["--format", "json"]);
    out.ok();
    let f: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("bench --format json prints JSON ({e}): {}", out.stdout));

    assert_eq!(f["store"], "PostgreSQL");
    let events = f["events"].as_u64().expect("events");
    assert!((1_000..=5_000).contains(&events), "{events} events");
    // Every phase ran on the same records (the bench checks the counts agree, else fails).
    for key in [
        "load_secs",
        "raw_write_secs",
        "raw_insert_secs",
        "replay_secs",
        "raw_scan_secs",
        "verify_secs",
    ] {
        assert!(num(&f, key) > 0.0, "{key}: {}", f[key]);
    }
    let load_rate = num(&f, "load_events_per_sec");
    assert!(close(load_rate, events as f64 / num(&f, "load_secs")));
    assert!(close(
        num(&f, "load_ratio"),
        load_rate / num(&f, "raw_write_records_per_sec")
    ));
    assert!(close(
        num(&f, "load_insert_ratio"),
        load_rate / num(&f, "raw_insert_records_per_sec")
    ));
    assert!(close(
        num(&f, "raw_insert_records_per_sec"),
        events as f64 / num(&f, "raw_insert_secs")
    ));
    assert_eq!(f["raw_insert_secs_each"].as_array().map(Vec::len), Some(1));
    assert!(close(
        num(&f, "replay_ratio"),
        num(&f, "replay_events_per_sec") / num(&f, "raw_scan_records_per_sec")
    ));
    assert!(f["batches"].as_u64().expect("batches") >= 2);
    assert!(num(&f, "encoded_bytes") > events as f64 * 32.0);
    assert!(num(&f, "disk_bytes") > num(&f, "encoded_bytes") * 0.5);
    assert!(num(&f, "raw_disk_bytes") > 0.0);
    if cfg!(target_os = "linux") {
        for key in [
            "peak_load_bytes",
            "peak_replay_bytes",
            "peak_raw_write_bytes",
        ] {
            assert!(num(&f, key) > 1_000_000.0, "{key}: {}", f[key]);
        }
    }

    let kind = f["places_are"].as_str().expect("places_are");
    assert!(kind == "databases" || kind == "schemas", "{kind}");
    let places: Vec<String> = f["places"]
        .as_array()
        .expect("places")
        .iter()
        .map(|p| p.as_str().expect("a name").to_string())
        .collect();
    assert_eq!(places.len(), 2, "{places:?}");
    assert!(
        places.iter().all(|p| p.starts_with("bonded_bench_")),
        "{places:?}"
    );
    assert_eq!(left_behind(&places), Vec::<String>::new());
}

#[test]
fn the_table_names_the_phases_and_the_database() {
    let s = Store::new();
    let out = bench(&s, &fresh_url(), &[]);
    out.ok();
    for phase in [
        "load (CSV",
        "raw COPY into a bare table",
        "load / raw COPY",
        "raw INSERT into a bare table",
        "load / raw INSERT",
        "replay (open + rebuild",
        "raw ordered scan (SELECT … ORDER BY seq)",
        "replay / raw scan",
        "peak memory, load",
        "peak memory, replay",
    ] {
        assert!(
            out.stdout.contains(phase),
            "{phase} missing:\n{}",
            out.stdout
        );
    }
    assert!(
        out.stdout.contains("bonded bench on PostgreSQL"),
        "{}",
        out.stdout
    );
}

#[test]
fn dir_is_refused_and_a_missing_database_is_named() {
    let s = Store::new();
    // --dir is the sled benchmark's.
    bench(
        &s,
        &fresh_url(),
        &["--dir", &s.path("b").display().to_string()],
    )
    .expect(2)
    .stderr_has("--dir");
    let server = server_url();
    let (head, _) = server.rsplit_once('/').expect("a URL with a database");
    let out = bench(&s, &format!("{head}/no_such_database_here"), &[]);
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stderr.contains("no_such_database_here"),
        "{}",
        out.stderr
    );
}
