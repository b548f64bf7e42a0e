//! Crash safety of the snapshot: `bonded` killed (SIGKILL) at 24 moments while it writes one —
//! `rebuild` (the old one removed first) and a `balance` that saves a new one over an older
//! one. The write is slowed by the test hook `BONDED_TEST_SNAPSHOT_PAUSE_MS` (16 pieces with
//! a pause before each) so that the kills land before, during and after it. After every kill:
//!
//! - the snapshot file is either absent or whole (it reads back, checksum and all) — a kill
//!   mid-write leaves at most the temporary file, which is never read;
//! - the next command exits 0 and answers exactly what a store with no snapshot answers.
//!
//! And some kills must have landed mid-write (a temporary file left), or the test proves
//! nothing.

use std::process::Stdio;
use std::time::Instant;

use bonded_tests::{book, imports_csv, run_command, Store, Value, ACCOUNT};
use ledger_store::snapshot::{read_snapshot, PAUSE_ENV, SNAPSHOT_FILE, SNAPSHOT_TEMP_FILE};

const MOMENTS: u32 = 24;
const PAUSE_MS: &str = "10";

fn command(s: &Store, args: &[&str]) -> std::process::Command {
    let mut cmd = s.command();
    cmd.arg("--data")
        .arg(s.data())
        .args(["--actor", "tester"])
        .env("BONDED_SNAPSHOT_EVERY", "1")
        .args(args);
    cmd
}

const BALANCE: [&str; 7] = [
    "balance",
    "--account",
    ACCOUNT,
    "--as-of",
    "2025-12-31",
    "--format",
    "json",
];

fn balance(s: &Store) -> Value {
    let out = run_command(command(s, &BALANCE));
    out.ok();
    serde_json::from_str(&out.stdout).expect("json")
}

/// The command killed at moment `i`: a rebuild (odd) or a balance saving a new snapshot over
/// the older one (even).
fn killed_args(i: u32) -> Vec<&'static str> {
    if i % 2 == 1 {
        vec!["rebuild"]
    } else {
        BALANCE.to_vec()
    }
}

#[test]
fn a_kill_while_a_snapshot_is_written_never_leaves_a_torn_one() {
    // A store whose snapshot is behind the log by 60 events.
    let base = book();
    base.load_ok(&[("a.csv", &imports_csv("A", 300))]);
    run_command(command(&base, &["rebuild"])).ok();
    let mut more = base.command();
    more.arg("--data")
        .arg(base.data())
        .args(["--actor", "tester", "load", "b.csv"])
        .env("BONDED_SNAPSHOT_EVERY", "0");
    base.write("b.csv", imports_csv("B", 60));
    run_command(more).ok();

    // The answer of a store with no snapshot.
    let plain = base.copy();
    std::fs::remove_file(plain.data().join(SNAPSHOT_FILE)).expect("remove");
    let mut cmd = command(&plain, &BALANCE);
    cmd.env("BONDED_SNAPSHOT_EVERY", "0");
    let out = run_command(cmd);
    out.ok();
    let expected: Value = serde_json::from_str(&out.stdout).expect("json");

    // How long an unkilled, slowed run takes.
    let clean = base.copy();
    let t = Instant::now();
    let mut cmd = command(&clean, &BALANCE);
    cmd.env(PAUSE_ENV, PAUSE_MS);
    run_command(cmd).ok();
    let span = t.elapsed();
    assert_eq!(balance(&clean), expected);

    let mut mid_write = 0;
    for i in 0..MOMENTS {
        let s = base.copy();
        let mut cmd = command(&s, &killed_args(i));
        cmd.env(PAUSE_ENV, PAUSE_MS)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("spawn bonded");
        // From a tenth of the run to past its end.
        std::thread::sleep(span.mul_f64(0.1 + f64::from(i) * 1.1 / f64::from(MOMENTS)));
        let _ = child.kill();
        child.wait().expect("wait for bonded");

        if s.data().join(SNAPSHOT_TEMP_FILE).exists() {
            mid_write += 1;
        }
        match read_snapshot(s.data()) {
            Ok(_) => {}
            Err(e) => panic!("moment {i}: the snapshot on disk is torn: {e}"),
        }
        assert_eq!(
            balance(&s),
            expected,
            "moment {i}: the answer after the kill"
        );
        // The command after the kill left a whole snapshot of the head.
        let snap = read_snapshot(s.data()).expect("reads").expect("written");
        assert_eq!(
            Some(snap.header.seq),
            expected["log"]["position"]
                .as_str()
                .and_then(|v| v.parse().ok()),
            "moment {i}"
        );
    }
    eprintln!("{mid_write} of {MOMENTS} kills landed while a snapshot was written");
    assert!(
        mid_write >= 3,
        "only {mid_write} of {MOMENTS} kills landed while a snapshot was written ({span:?} a run)"
    );
}
