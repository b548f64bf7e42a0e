//! Two `bonded` at once on one store: the second gets "the store is in use by process N"
//! (exit 1) and changes nothing; the first finishes as if alone; the store stays whole.

use std::process::Stdio;
use std::time::{Duration, Instant};

use bonded_tests::{book, imports_csv, ACCOUNT};
use ledger_store::{EventLog, SledLog};

const SMALL_CSV: &str = "ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency\n\
    SMALL,1,2025-02-01,E44038000001,0615,I,M,7,2,0.1,USD\n";

#[test]
fn a_second_writer_is_told_who_holds_the_store_and_changes_nothing() {
    let s = book();
    s.write("big.csv", imports_csv("BIG", 3_000));
    s.write("small.csv", SMALL_CSV);
    let before = SledLog::open(s.data()).expect("open").head().seq;

    let mut first = s
        .command()
        .arg("--data")
        .arg(s.data())
        .args(["--actor", "first", "load", "big.csv"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(s.path("first.err")).expect("stderr file"))
        .spawn()
        .expect("start the first bonded");
    let pid = first.id();
    // The first has the store once it has written its process id next to it.
    let owner = s.data().join("owner.pid");
    let start = Instant::now();
    while std::fs::read_to_string(&owner)
        .ok()
        .as_deref()
        .map(str::trim)
        != Some(pid.to_string().as_str())
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the first bonded never took the store"
        );
        std::thread::sleep(Duration::from_millis(2));
    }

    let second = s.run(&["load", "small.csv"]);
    let first_status = first.wait().expect("wait for the first bonded");
    assert!(
        first_status.success(),
        "the first bonded failed: {first_status}\n{}",
        std::fs::read_to_string(s.path("first.err")).unwrap_or_default()
    );
    second
        .expect(1)
        .stderr_has(&format!("is in use by process {pid}"));
    // Reading is refused the same way while a writer holds the store (here, this test).
    let holder = SledLog::open(s.data()).expect("open");
    s.run(&["balance", "--account", ACCOUNT, "--as-of", "2025-12-31"])
        .expect(1)
        .stderr_has(&format!("is in use by process {}", std::process::id()));
    s.run(&["load", "small.csv"])
        .expect(1)
        .stderr_has("is in use by process");
    drop(holder);

    // The first load is wholly in, the second not at all, and the store is whole.
    s.run(&["verify"]).ok();
    let log = SledLog::open(s.data()).expect("open");
    assert_eq!(log.head().seq, before + 3_000);
    assert!(!log
        .scan(1)
        .map(|e| e.expect("record").payload)
        .any(|p| p.contains("\"SMALL\"")));
    drop(log);
    // Alone, the second load goes through.
    s.run(&["load", "small.csv"]).ok();
}
