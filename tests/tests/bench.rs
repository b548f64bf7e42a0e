//! `bonded bench` on a small workload: its figures agree with each other and with the stores
//! it leaves behind, and its rounds are reported as medians.

use bonded_tests::{run_command, Store};
use serde_json::Value;

fn num(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number: {v:#}"))
}

fn each(v: &Value, key: &str) -> Vec<f64> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} is not a list: {v:#}"))
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn the_figures_agree_with_each_other_and_with_the_stores_left_behind() {
    let s = Store::new();
    let dir = s.path("bench");
    let out = s.run(&[
        "bench",
        "--events",
        "3000",
        "--rounds",
        "3",
        "--seed",
        "5",
        "--dir",
        &dir.display().to_string(),
        "--format",
        "json",
    ]);
    out.ok();
    let f: Value = serde_json::from_str(&out.stdout).expect("bench --format json prints JSON");

    let events = f["events"].as_u64().expect("events");
    assert!((2_000..=6_000).contains(&events), "{events} events");
    assert_eq!(f["rounds"], 3);
    for key in [
        "load_secs_each",
        "raw_write_secs_each",
        "replay_secs_each",
        "raw_scan_secs_each",
    ] {
        let v = each(&f, key);
        assert_eq!(v.len(), 3, "{key}");
        assert!(v.iter().all(|t| *t > 0.0), "{key}: {v:?}");
    }
    // The times are the medians of the rounds; the rates and ratios follow from them.
    assert!(close(
        num(&f, "load_secs"),
        median(each(&f, "load_secs_each"))
    ));
    assert!(close(
        num(&f, "raw_write_secs"),
        median(each(&f, "raw_write_secs_each"))
    ));
    assert!(close(
        num(&f, "raw_scan_secs"),
        median(each(&f, "raw_scan_secs_each"))
    ));
    assert!(close(
        num(&f, "open_secs") + num(&f, "replay_secs"),
        median(each(&f, "replay_secs_each"))
    ));
    let load_rate = num(&f, "load_events_per_sec");
    assert!(close(load_rate, events as f64 / num(&f, "load_secs")));
    let raw_rate = num(&f, "raw_write_records_per_sec");
    assert!(close(num(&f, "load_ratio"), load_rate / raw_rate));
    assert!(close(
        num(&f, "replay_ratio"),
        num(&f, "replay_events_per_sec") / num(&f, "raw_scan_records_per_sec")
    ));
    assert!(close(
        num(&f, "disk_ratio"),
        num(&f, "disk_bytes") / num(&f, "encoded_bytes")
    ));
    // Every durable batch is counted, and they hold every event.
    assert!(f["batches"].as_u64().expect("batches") >= 2);
    if cfg!(target_os = "linux") {
        for key in [
            "peak_load_bytes",
            "peak_replay_bytes",
            "peak_raw_write_bytes",
        ] {
            assert!(num(&f, key) > 1_000_000.0, "{key}: {}", f[key]);
        }
    }

    // The store the last round loaded is kept, whole, with as many events as measured.
    let mut verify = std::process::Command::new(bonded_tests::bonded_bin());
    verify.args([
        "--data",
        &dir.join("ledger").display().to_string(),
        "--format",
        "json",
        "verify",
    ]);
    let v = run_command(verify);
    v.ok();
    let report: Value = serde_json::from_str(&v.stdout).expect("verify prints JSON");
    assert_eq!(report["events"], events.to_string());
}

#[test]
fn the_benchmark_refuses_a_directory_with_something_in_it_and_zero_rounds() {
    let s = Store::new();
    let dir = s.path("full");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("keep.txt"), "mine").expect("write");
    let out = s.run(&[
        "bench",
        "--events",
        "100",
        "--dir",
        &dir.display().to_string(),
    ]);
    out.expect(2).stderr_has("not empty");
    assert_eq!(
        std::fs::read_to_string(dir.join("keep.txt")).expect("still there"),
        "mine"
    );
    s.run(&["bench", "--events", "100", "--rounds", "0"])
        .expect(2)
        .stderr_has("rounds");
}
