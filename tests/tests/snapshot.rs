//! The saved state (snapshot) of a sled store, as a user meets it: used when it checks out
//! against the log (only the tail replayed after it), and otherwise — bytes altered, made from
//! another store, from a log that went another way, ahead of the log after a restore, of
//! another format — detected, not used, and rebuilt, the command's answer always that of a
//! store with no snapshot at all. A damaged log is still exit 4.
//!
//! Every run here sets `BONDED_SNAPSHOT_EVERY=1` (write a snapshot after any event replayed,
//! instead of after 10,000) and `--verbose` (say on stderr whether it was used).

use bonded_tests::{
    book, fx_csv, imports_csv, run_command, Outcome, Store, Value, ACCOUNT, BOM_CSV, ITEMS_CSV,
};
use ledger_store::snapshot::{
    open_snapshot, read_snapshot, write_snapshot, SnapshotHeader, SNAPSHOT_FILE,
    SNAPSHOT_FILE_VERSION,
};
use ledger_store::{EventLog, SledLog};

/// `bonded --verbose ARGS…` with a snapshot written whenever any event was replayed.
fn run(s: &Store, args: &[&str]) -> Outcome {
    let mut cmd = s.command();
    cmd.arg("--data")
        .arg(s.data())
        .args(["--actor", "tester", "--verbose"])
        .env("BONDED_SNAPSHOT_EVERY", "1")
        .args(args);
    run_command(cmd)
}

/// What a user reads: the balance, deadlines and cycle report as JSON.
fn answers(s: &Store) -> (Outcome, Vec<Value>) {
    let mut out = Vec::new();
    let mut first = None;
    for args in [
        &["balance", "--account", ACCOUNT, "--as-of", "2025-12-31"][..],
        &["deadlines", "--account", ACCOUNT, "--as-of", "2025-12-31"],
        &["cycle", "report", "--account", ACCOUNT],
    ] {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let o = run(s, &all);
        o.ok();
        out.push(serde_json::from_str(&o.stdout).expect("json"));
        first.get_or_insert(o);
    }
    (first.expect("ran"), out)
}

/// The same answers from a copy of the store with no snapshot, replayed whole.
fn replayed_answers(s: &Store) -> Vec<Value> {
    let copy = s.copy();
    let _ = std::fs::remove_file(copy.data().join(SNAPSHOT_FILE));
    let mut out = Vec::new();
    for args in [
        &["balance", "--account", ACCOUNT, "--as-of", "2025-12-31"][..],
        &["deadlines", "--account", ACCOUNT, "--as-of", "2025-12-31"],
        &["cycle", "report", "--account", ACCOUNT],
    ] {
        let mut cmd = copy.command();
        cmd.arg("--data")
            .arg(copy.data())
            .args(["--actor", "tester", "--format", "json"])
            .env("BONDED_SNAPSHOT_EVERY", "0")
            .args(args);
        let o = run_command(cmd);
        o.ok();
        assert!(!copy.data().join(SNAPSHOT_FILE).exists(), "0: none written");
        out.push(serde_json::from_str(&o.stdout).expect("json"));
    }
    out
}

fn head(s: &Store) -> (u64, [u8; 32]) {
    let log = SledLog::open(s.data()).expect("open");
    let h = log.head();
    (h.seq, h.hash)
}

/// The snapshot on disk checks out and is of the log's head.
#[track_caller]
fn assert_fresh_snapshot(s: &Store) {
    let (seq, hash) = head(s);
    let snap = read_snapshot(s.data())
        .expect("the snapshot reads")
        .expect("a snapshot");
    assert_eq!((snap.header.seq, snap.header.hash), (seq, hash));
}

/// A book with 120 imports, and its snapshot written by `bonded rebuild`.
fn with_snapshot() -> Store {
    let s = book();
    s.load_ok(&[("a.csv", &imports_csv("A", 120))]);
    let out = run(&s, &["rebuild"]);
    out.ok();
    let (seq, _) = head(&s);
    assert!(
        out.stdout
            .contains(&format!("snapshot written: position {seq} ")),
        "{}",
        out.stdout
    );
    assert_fresh_snapshot(&s);
    s
}

#[test]
fn a_snapshot_is_used_and_the_tail_after_it_replayed() {
    let s = with_snapshot();
    let (seq, _) = head(&s);
    let (out, got) = answers(&s);
    out.stderr_has(&format!(
        "snapshot at position {seq} used; 0 events replayed after it"
    ));
    assert_eq!(got, replayed_answers(&s));

    // Behind the log: more appended after it. Used, with the tail replayed (and then saved).
    let mut load = s.command();
    load.arg("--data")
        .arg(s.data())
        .args(["--actor", "tester", "load", "b.csv"])
        .env("BONDED_SNAPSHOT_EVERY", "0");
    s.write("b.csv", imports_csv("B", 30));
    run_command(load).ok();
    let (_, got) = answers(&s);
    assert_eq!(got, replayed_answers(&s));
    let first = run(
        &s,
        &["balance", "--account", ACCOUNT, "--as-of", "2025-12-31"],
    );
    first.ok();
    assert_fresh_snapshot(&s);
}

/// Runs the reports on `s` whose snapshot is wrong for `why`: not used, the answers those of a
/// replay, and a fresh snapshot written.
#[track_caller]
fn detected_and_rebuilt(s: &Store, why: &str) {
    let (out, got) = answers(s);
    out.stderr_has("snapshot not used").stderr_has(why);
    assert_eq!(got, replayed_answers(s));
    assert_fresh_snapshot(s);
    // And the next command uses the fresh one.
    run(
        s,
        &["balance", "--account", ACCOUNT, "--as-of", "2025-12-31"],
    )
    .ok()
    .stderr_has("used; 0 events replayed");
}

/// Where part `id` of the snapshot lies in its file: (offset, length).
fn part_span(s: &Store, id: u32) -> (usize, usize) {
    let file = open_snapshot(s.data()).expect("open").expect("some");
    let (at, len) = file.part_span(id).expect("the part");
    (at as usize, len as usize)
}

/// Flips one byte of the snapshot file.
fn alter(s: &Store, at: usize) {
    let path = s.data().join(SNAPSHOT_FILE);
    let mut bytes = std::fs::read(&path).expect("read");
    bytes[at] ^= 0x20;
    std::fs::write(&path, &bytes).expect("write");
}

#[test]
fn a_snapshot_with_altered_bytes_is_not_used() {
    let s = with_snapshot();
    // In the header (its table of parts): no command uses it.
    alter(&s, 100);
    detected_and_rebuilt(&s, "header does not match its checksum");
    // In the base, which every command reads.
    let (at, len) = part_span(&s, 1);
    alter(&s, at + len / 2);
    detected_and_rebuilt(&s, "part 1 does not match its checksum");
    let path = s.data().join(SNAPSHOT_FILE);
    // Cut short.
    let bytes = std::fs::read(&path).expect("read");
    std::fs::write(&path, &bytes[..bytes.len() - 10]).expect("write");
    detected_and_rebuilt(&s, "bytes long");
    // Not a snapshot at all.
    std::fs::write(&path, b"hello").expect("write");
    detected_and_rebuilt(&s, "not a snapshot");
}

/// A part a command does not read is not read: damage there does not stop a balance (which
/// reads the stock) or the deadlines (the stock, the lines kept whole, the lots and their
/// history), and is found by the first command that reads that part — a load, which needs the
/// whole state — which then replays the log and saves the state afresh. Each answer is a full
/// replay's.
#[test]
fn a_damaged_part_is_found_by_the_first_command_that_reads_it() {
    let s = with_snapshot();
    let (seq, _) = head(&s);
    let (at, len) = part_span(&s, 3);
    alter(&s, at + len / 2);
    let (out, got) = answers(&s);
    out.stderr_has(&format!(
        "snapshot at position {seq} used; 0 events replayed after it (read in part: base, stock)"
    ));
    assert_eq!(got, replayed_answers(&s));
    run(
        &s,
        &["deadlines", "--account", ACCOUNT, "--as-of", "2025-12-31"],
    )
    .ok()
    // (The book exchanges no list with customs through the ledger: the lists are not read.)
    .stderr_has("(read in part: base, stock, lines kept whole, import lots, import lots' history)");
    // A load decides against the whole state: it reads the records, finds them damaged, and
    // works from a replay instead.
    s.write("b.csv", imports_csv("B", 5));
    run(&s, &["load", "b.csv"])
        .ok()
        .stderr_has("snapshot not used: the snapshot's part 3 does not match its checksum");
    let (_, got) = answers(&s);
    assert_eq!(got, replayed_answers(&s));
    assert_fresh_snapshot(&s);
}

#[test]
fn a_snapshot_from_another_store_is_not_used() {
    let a = with_snapshot();
    // Built the same way, at another moment: another first record.
    let b = Store::init();
    b.open_book();
    b.load_ok(&[
        ("fx.csv", &fx_csv()),
        ("items.csv", ITEMS_CSV),
        ("bom.csv", BOM_CSV),
    ]);
    b.load_ok(&[("a.csv", &imports_csv("A", 120))]);
    std::fs::copy(a.data().join(SNAPSHOT_FILE), b.data().join(SNAPSHOT_FILE)).expect("copy");
    detected_and_rebuilt(&b, "another store");
}

#[test]
fn a_snapshot_of_a_log_that_went_another_way_is_not_used() {
    // Two copies of one store, then different files: the same first record, another record
    // at the snapshot's position.
    let a = book();
    let b = a.copy();
    a.load_ok(&[("a.csv", &imports_csv("A", 50))]);
    b.load_ok(&[("b.csv", &imports_csv("B", 80))]);
    run(&a, &["rebuild"]).ok();
    std::fs::copy(a.data().join(SNAPSHOT_FILE), b.data().join(SNAPSHOT_FILE)).expect("copy");
    detected_and_rebuilt(&b, "is not the one the snapshot was made from");
}

#[test]
fn a_snapshot_ahead_of_the_log_after_a_restore_is_not_used() {
    let a = book();
    a.load_ok(&[("a.csv", &imports_csv("A", 40))]);
    let older = a.export_lines().join("\n") + "\n";
    a.load_ok(&[("b.csv", &imports_csv("B", 40))]);
    run(&a, &["rebuild"]).ok();

    // The older export restored into a new store, then the newer snapshot put beside it.
    let r = Store::new();
    let export = r.write("older.jsonl", older);
    r.run(&["restore", export.to_str().expect("utf-8")]).ok();
    std::fs::copy(a.data().join(SNAPSHOT_FILE), r.data().join(SNAPSHOT_FILE)).expect("copy");
    detected_and_rebuilt(&r, "beyond the log's head");
}

#[test]
fn a_snapshot_of_another_format_is_not_used() {
    let s = with_snapshot();
    let snap = read_snapshot(s.data()).expect("read").expect("some");
    // The state's format of an older version, the file otherwise sound (checksum right).
    let old = SnapshotHeader {
        payload_version: snap.header.payload_version - 1,
        ..snap.header.clone()
    };
    let parts: Vec<(u32, &[u8])> = snap
        .parts()
        .iter()
        .map(|(id, b)| (*id, b.as_slice()))
        .collect();
    write_snapshot(s.data(), &old, &parts).expect("write");
    detected_and_rebuilt(&s, "state format");
    // A file layout of another version.
    let path = s.data().join(SNAPSHOT_FILE);
    let mut bytes = std::fs::read(&path).expect("read");
    bytes[8..12].copy_from_slice(&(SNAPSHOT_FILE_VERSION + 1).to_le_bytes());
    std::fs::write(&path, &bytes).expect("write");
    detected_and_rebuilt(&s, "file version");
}

#[test]
fn a_damaged_log_is_still_exit_4_with_a_snapshot() {
    // The record at the snapshot's position damaged.
    let s = with_snapshot();
    let (seq, _) = head(&s);
    ledger_store::fault::flip_byte(s.data(), seq).expect("flip");
    run(
        &s,
        &["balance", "--account", ACCOUNT, "--as-of", "2025-12-31"],
    )
    .expect(4);

    // A record of the tail after the snapshot damaged (loaded without saving the state, as a
    // load that fails to write its snapshot leaves it).
    let s = with_snapshot();
    s.write("b.csv", imports_csv("B", 30));
    let mut load = s.command();
    load.arg("--data")
        .arg(s.data())
        .args(["--actor", "tester", "load", "b.csv"])
        .env("BONDED_SNAPSHOT_EVERY", "0");
    run_command(load).ok();
    let (head_seq, _) = head(&s);
    ledger_store::fault::flip_byte(s.data(), head_seq - 10).expect("flip");
    run(
        &s,
        &["balance", "--account", ACCOUNT, "--as-of", "2025-12-31"],
    )
    .expect(4);
    // verify walks the whole log, snapshot or not.
    run(&s, &["verify"]).expect(4);
}

#[test]
fn as_recorded_replays_the_whole_log_and_keeps_the_snapshot() {
    let s = with_snapshot();
    let before = std::fs::read(s.data().join(SNAPSHOT_FILE)).expect("read");
    let out = run(
        &s,
        &[
            "balance",
            "--account",
            ACCOUNT,
            "--as-of",
            "2025-12-31",
            "--as-recorded",
            "2100-01-01",
        ],
    );
    out.ok();
    assert!(!out.stderr.contains("snapshot"), "{}", out.stderr);
    assert_eq!(
        std::fs::read(s.data().join(SNAPSHOT_FILE)).expect("read"),
        before
    );
}

/// `bonded --verbose ARGS…` with the default of when a snapshot is written.
fn run_default(s: &Store, args: &[&str]) -> Outcome {
    let mut cmd = s.command();
    cmd.arg("--data")
        .arg(s.data())
        .args(["--actor", "tester", "--verbose"])
        .args(args);
    run_command(cmd)
}

/// After a write only one command pays for reading the whole state: a load saves the state
/// itself; after any other write the first read command reads it whole with the tail and saves
/// it; the reads after it read in part. Each answer is a full replay's.
#[test]
fn after_a_write_the_state_is_saved_for_the_reads() {
    let s = with_snapshot();
    s.write("c.csv", imports_csv("C", 5));
    run_default(&s, &["load", "c.csv"])
        .ok()
        .stderr_has("snapshot written at position");
    assert_fresh_snapshot(&s);
    let balance = ["balance", "--account", ACCOUNT, "--as-of", "2025-12-31"];
    run_default(&s, &balance)
        .ok()
        .stderr_has("0 events replayed after it (read in part: base, stock)");

    run_default(
        &s,
        &["account", "set", "--account", ACCOUNT, "risk_medium_pct=4"],
    )
    .ok();
    let first = run_default(&s, &balance);
    first
        .ok()
        .stderr_has("1 events replayed after it")
        .stderr_has("snapshot written at position");
    assert!(!first.stderr.contains("read in part"), "{}", first.stderr);
    assert_fresh_snapshot(&s);
    run_default(&s, &balance)
        .ok()
        .stderr_has("0 events replayed after it (read in part: base, stock)");
    let (_, got) = answers(&s);
    assert_eq!(got, replayed_answers(&s));
}

/// The stock is saved split on 1 January of the year before its latest change: a balance of
/// a later day reads the stock alone; one of an earlier day, and the report of a cycle that
/// starts before the split, read the stock's history too. Every answer is a full replay's.
#[test]
fn an_old_balance_reads_the_stock_history_a_recent_one_does_not() {
    let s = with_snapshot();
    s.load_ok(&[
        ("fx27.csv", "month,currency,cny_per_unit\n2027-03,USD,7.2\n"),
        (
            "late.csv",
            &format!(
                "ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency\n\
                 LATE,1,2027-03-01,{ACCOUNT},0615,I,M,5,1,1.5,USD\n"
            ),
        ),
    ]);
    run(&s, &["rebuild"]).ok();
    let copy = s.copy();
    let _ = std::fs::remove_file(copy.data().join(SNAPSHOT_FILE));
    for (args, reads) in [
        (
            &["balance", "--account", ACCOUNT, "--as-of", "2026-12-31"][..],
            "(read in part: base, stock)",
        ),
        (
            &["balance", "--account", ACCOUNT, "--as-of", "2025-06-30"],
            "(read in part: base, stock, stock history)",
        ),
        (
            &["cycle", "report", "--account", ACCOUNT],
            "(read in part: base, stock, stock history, lines kept whole, import lots)",
        ),
    ] {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let got = run(&s, &all);
        got.ok().stderr_has(reads);
        let mut cmd = copy.command();
        cmd.arg("--data")
            .arg(copy.data())
            .env("BONDED_SNAPSHOT_EVERY", "0")
            .args(&all);
        let replayed = run_command(cmd);
        replayed.ok();
        assert_eq!(got.stdout, replayed.stdout, "{args:?}");
    }
}

/// A domestic sale of a material last imported before the split is valued by that earlier
/// cycle's imports: the duty, worked out first from the lots since the split, asks for the
/// older ones, and is worked out again with them — the answer a replay gives.
#[test]
fn a_duty_valued_by_imports_before_the_split_reads_them() {
    let s = with_snapshot();
    let mut fx = String::from("month,currency,cny_per_unit\n");
    for m in 1..=12 {
        fx.push_str(&format!("2026-{m:02},USD,7.1\n2027-{m:02},USD,7.2\n"));
    }
    s.load_ok(&[
        ("fx26.csv", &fx),
        (
            "tariff.csv",
            "hs,from,duty_pct,vat_pct\n8542310000,2025-01-01,5,13\n8532240000,2025-01-01,10,13\n",
        ),
        (
            "later.csv",
            &format!(
                "ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency\n\
                 SALE,1,2026-06-10,{ACCOUNT},0644,I,M,3,2,,\n\
                 LATE,1,2027-03-01,{ACCOUNT},0615,I,M,5,1,1.5,USD\n"
            ),
        ),
    ]);
    run(&s, &["rebuild"]).ok();
    let args = [
        "duty",
        "--account",
        ACCOUNT,
        "--month",
        "2026-06",
        "--format",
        "json",
    ];
    let got = run(&s, &args);
    got.ok()
        .stderr_has("(read in part: base, lines kept whole, import lots)")
        .stderr_has("reached import lots before their split");
    let copy = s.copy();
    let _ = std::fs::remove_file(copy.data().join(SNAPSHOT_FILE));
    let mut cmd = copy.command();
    cmd.arg("--data")
        .arg(copy.data())
        .env("BONDED_SNAPSHOT_EVERY", "0")
        .args(args);
    let replayed = run_command(cmd);
    replayed.ok();
    assert_eq!(got.stdout, replayed.stdout);
    assert!(got.stdout.contains("\"item\""), "{}", got.stdout);
}
