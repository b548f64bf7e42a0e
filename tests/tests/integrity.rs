//! `verify`, `export`, `restore` and `init` on damaged and healthy stores: every fault is
//! caught with exit 4 and its global position named.

use bonded_tests::{book, dec, Store, ACCOUNT};
use ledger_store::fault;

/// A book with a few movements: the fixture's events plus four more.
fn store() -> Store {
    let s = book();
    s.load_ok(&[(
        "movements.csv",
        "ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency\n\
         A,1,2025-01-10,E44038000001,0615,I,M,1000,1,1.5,USD\n\
         A,2,2025-01-10,E44038000001,0615,I,M,5000,2,0.1,USD\n\
         B,1,2025-02-10,E44038000001,0615,E,P,100,1,,\n\
         C,1,2025-03-01,E44038000001,0664,E,M,10,1,,\n",
    )]);
    s
}

/// How many events the store holds (its head position), from `export`.
fn head(s: &Store) -> u64 {
    s.export_lines().len() as u64
}

/// Whether `text` has `n` as a number on its own (not inside a longer number or a hash).
fn names_number(text: &str, n: u64) -> bool {
    let n = n.to_string();
    text.match_indices(&n).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + n.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

/// `verify` exits 4 and names one of the positions `seqs` (the damaged records).
#[track_caller]
fn verify_fails_at(s: &Store, seqs: &[u64]) {
    let out = s.run(&["verify"]);
    out.expect(4);
    assert!(
        seqs.iter().any(|n| names_number(&out.stderr, *n)),
        "verify should name position {seqs:?}:\n{}",
        out.stderr
    );
}

#[test]
fn verify_passes_on_a_good_store() {
    let s = store();
    let out = s.run(&["verify"]);
    out.ok();
    let n = head(&s);
    assert!(n > 10, "{n} events");
    let json = s.json(&["verify"]);
    assert_eq!(json["ok"], true);
    assert_eq!(json["events"], n.to_string());
}

#[test]
fn a_flipped_byte_is_caught() {
    let s = store();
    let seq = head(&s) - 2;
    fault::flip_byte(s.data(), seq).expect("flip");
    verify_fails_at(&s, &[seq]);
}

#[test]
fn a_deleted_record_is_caught() {
    let s = store();
    let seq = head(&s) - 3;
    fault::delete_record(s.data(), seq).expect("delete");
    verify_fails_at(&s, &[seq]);
}

#[test]
fn swapped_records_are_caught() {
    let s = store();
    let a = head(&s) - 3;
    fault::swap_records(s.data(), a, a + 1).expect("swap");
    verify_fails_at(&s, &[a, a + 1]);
}

#[test]
fn a_truncated_log_is_caught() {
    let s = store();
    let n = head(&s);
    fault::truncate_to(s.data(), n - 2).expect("truncate");
    // The head still says n; records n−1 and n are gone.
    verify_fails_at(&s, &[n - 1, n]);
}

#[test]
fn a_damaged_store_refuses_to_show_or_change_anything() {
    let s = store();
    let n = head(&s);
    fault::flip_byte(s.data(), n).expect("flip the head");
    s.run(&["balance", "--account", ACCOUNT, "--as-of", "2025-12-31"])
        .expect(4);
    let out = s.load(&[(
        "more.csv",
        "ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency\n\
         D,1,2025-04-01,E44038000001,0615,I,M,1,1,1.5,USD\n",
    )]);
    out.expect(4);
}

/// A record damaged in the middle of the log (not the head, which open checks): every command
/// that reads the log finds it, exits 4 and names it; nothing is shown and nothing written.
#[test]
fn a_record_damaged_mid_log_stops_every_command() {
    let s = store();
    // Without a snapshot, a command reads the whole log (with one at the head it reads only
    // the record there and answers from the state saved before the damage: `verify` finds it;
    // tests/tests/snapshot.rs).
    std::fs::remove_file(s.data().join(ledger_store::snapshot::SNAPSHOT_FILE))
        .expect("the loads left a snapshot");
    let n = head(&s);
    let seq = n / 2;
    fault::flip_byte(s.data(), seq).expect("flip a middle record");
    verify_fails_at(&s, &[seq]);
    for args in [
        &["balance", "--account", ACCOUNT, "--as-of", "2025-12-31"][..],
        &["export"][..],
    ] {
        let out = s.run(args);
        out.expect(4);
        // `export` streams: the records before the damage may be out before it stops.
        assert!(
            out.stdout.is_empty() || args[0] == "export",
            "{args:?} showed figures:\n{}",
            out.stdout
        );
        assert!(
            names_number(&out.stderr, seq),
            "{args:?} should name record {seq}:\n{}",
            out.stderr
        );
    }
    let out = s.load(&[(
        "more.csv",
        "ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency\n\
         D,1,2025-04-01,E44038000001,0615,I,M,1,1,1.5,USD\n",
    )]);
    out.expect(4);
    assert!(
        names_number(&out.stderr, seq),
        "load should name record {seq}:\n{}",
        out.stderr
    );
    // Nothing was appended past the damage.
    let log = ledger_store::SledLog::open_unchecked(s.data()).expect("open");
    assert_eq!(ledger_store::EventLog::head(&log).seq, n);
}

#[test]
fn export_then_restore_gives_the_same_store() {
    let s = store();
    let export = s.path("export.jsonl");
    s.run(&["export", "--out", export.to_str().expect("utf-8 path")])
        .ok();
    let original = s.balance("2025-12-31");

    let t = Store::new();
    let out = t.run(&["restore", export.to_str().expect("utf-8 path")]);
    out.ok();
    t.run(&["verify"]).ok();
    assert_eq!(t.balance("2025-12-31").0, original.0);
    assert_eq!(t.export_lines(), s.export_lines());
    // Material 1: 1000 − 204.0816327 − 10 = 785.9183673.
    assert_eq!(
        t.balance("2025-12-31").material(1, "balance"),
        dec("785.9183673")
    );
    // The restored store takes new input like the original.
    t.load_ok(&[(
        "more.csv",
        "ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency\n\
         D,1,2025-04-01,E44038000001,0615,I,M,14.0816327,1,1.5,USD\n",
    )]);
    assert_eq!(t.balance("2025-12-31").material(1, "balance"), dec("800"));
}

#[test]
fn restore_refuses_an_export_with_an_altered_line() {
    let s = store();
    let lines = s.export_lines();
    // Change a quantity in the payload of one event, leaving its hash as it was.
    let n = lines.len() - 2;
    let altered: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i == n {
                l.replacen("\"qty\":\"100\"", "\"qty\":\"10\"", 1)
            } else {
                l.clone()
            }
        })
        .collect();
    assert_ne!(altered, lines, "the export has the line to alter");
    s.write("altered.jsonl", altered.join("\n") + "\n");
    let t = Store::new();
    let out = t.run(&["restore", s.path("altered.jsonl").to_str().expect("path")]);
    out.expect(4);
}

#[test]
fn restore_refuses_an_existing_store() {
    let s = store();
    let export = s.path("export.jsonl");
    s.run(&["export", "--out", export.to_str().expect("path")])
        .ok();
    let before = s.export_lines();
    let out = s.run(&["restore", export.to_str().expect("path")]);
    assert_ne!(out.code, 0);
    assert_eq!(s.export_lines(), before);
}

#[test]
fn init_on_an_existing_store_is_refused_and_leaves_it_intact() {
    let s = store();
    let before = s.export_lines();
    let balance = s.balance("2025-12-31");
    let out = s.run(&["init"]);
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert_eq!(s.export_lines(), before);
    assert_eq!(s.balance("2025-12-31").0, balance.0);
    s.run(&["verify"]).ok();
}

#[test]
fn init_refuses_a_non_empty_directory_that_is_not_a_store() {
    let s = Store::new();
    std::fs::create_dir_all(s.data()).expect("mkdir");
    std::fs::write(s.data().join("notes.txt"), "mine").expect("write");
    let out = s.run(&["init"]);
    assert_ne!(out.code, 0);
    assert_eq!(
        std::fs::read_to_string(s.data().join("notes.txt")).expect("still there"),
        "mine"
    );
}
