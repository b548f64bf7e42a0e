//! An acknowledged write is durable: `bonded load` exits 0 only after an `fsync` or
//! `fdatasync` of the store's data file that follows the last write to it. sled 0.34's own
//! flush ends in `sync_file_range`, which syncs neither the file's metadata nor the disk's
//! cache (docs/ARCHITECTURE.md, the store). Traced with strace; the test fails, not skips,
//! where strace cannot run (`.ci/run` installs it).

use std::collections::HashMap;
use std::process::Command;

use bonded_tests::{bonded_bin, fx_csv, Store};

#[test]
fn a_load_syncs_the_data_file_after_its_last_write_before_exiting_0() {
    let s = Store::init();
    s.write("fx.csv", fx_csv());
    let trace = s.path("strace.txt");
    let out = Command::new("strace")
        .args([
            "-f",
            "-y",
            "-e",
            "trace=fsync,fdatasync,sync_file_range,pwrite64,write",
            "-o",
        ])
        .arg(&trace)
        .arg(bonded_bin())
        .arg("--data")
        .arg(s.data())
        .args(["--actor", "tester", "load", "fx.csv"])
        .current_dir(s.dir())
        .env("NO_COLOR", "1")
        .output()
        .expect("strace must run (install it: apt-get install strace)");
    assert!(
        out.status.success(),
        "strace bonded load failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&trace).expect("the trace");
    // `-y` prints each descriptor with its path: `pwrite64(5</…/data/db>, …`.
    let db = format!("{}/db>", s.data().display());
    let on_db = |l: &&str| l.contains(&db);
    let lines: Vec<&str> = text.lines().collect();
    // The acknowledgment: the load's report written to stdout (fd 1), after the commit.
    let ack = lines
        .iter()
        .rposition(|l| l.contains("write(1<"))
        .unwrap_or_else(|| panic!("no write to stdout in the trace:\n{text}"));
    let last_write = lines[..ack]
        .iter()
        .rposition(|l| l.contains("pwrite64(") && on_db(l))
        .unwrap_or_else(|| panic!("no pwrite64 to the data file before the report:\n{text}"));
    let synced_between = lines[last_write..ack].iter().any(|l| {
        (l.contains("fsync(") || l.contains("fdatasync(")) && on_db(l) && l.contains("= 0")
    });
    assert!(
        synced_between,
        "no fsync/fdatasync of {db} between its last pwrite64 (trace line {}) and the \
         acknowledgment (trace line {}):\n{}",
        last_write + 1,
        ack + 1,
        lines[last_write..=ack].join("\n")
    );
    // And the process exited 0 after it.
    assert!(
        lines
            .iter()
            .rev()
            .take(5)
            .any(|l| l.contains("exited with 0")),
        "the traced process did not exit 0:\n{}",
        lines
            .iter()
            .rev()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The counts, for the record of what a commit pays.
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for l in &lines {
        for call in ["fsync(", "fdatasync(", "sync_file_range(", "pwrite64("] {
            if l.contains(call) && on_db(l) {
                *counts.entry(call).or_default() += 1;
            }
        }
    }
    eprintln!("calls on the data file: {counts:?}");
}
