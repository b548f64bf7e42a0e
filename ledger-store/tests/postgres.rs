//! `PgLog` beyond the conformance suite: moving a log between sled and PostgreSQL byte for
//! byte, damage done with SQL found by `verify` at its position, writers in several processes
//! deciding through the database, and writers killed at any moment.
//!
//! The writer processes are this test binary run again with `child_writer` as the one test
//! and its task in the environment (`BONDED_PG_CHILD`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ledger_store::pg_testing::{execute, fresh_url};
use ledger_store::{
    export_jsonl, restore_jsonl, AppendRequest, EventLog, ExpectedVersion, NewEvent, PgLog,
    SledLog, StoreError, Streamed,
};
use uuid::Uuid;

fn ev(id: Uuid, stream: &str, payload: &str) -> NewEvent {
    NewEvent {
        id,
        stream: stream.to_string(),
        kind: "MovementRecorded".to_string(),
        schema_version: 1,
        actor: "clerk".to_string(),
        recorded_at: "2024-05-01T10:00:00.000Z".to_string(),
        payload: payload.into(),
    }
}

fn fill(log: &mut dyn EventLog, n: u128) {
    let events: Vec<NewEvent> = (1..=n)
        .map(|i| {
            ev(
                Uuid::from_u128(i),
                ["E44038000001", "reference", "users"][(i % 3) as usize],
                &format!(r#"{{"n":{i},"note":"中文 \"q\" é\n"}}"#),
            )
        })
        .collect();
    log.append(AppendRequest::new(events)).unwrap();
}

fn export(log: &dyn EventLog) -> Vec<u8> {
    let mut out = Vec::new();
    export_jsonl(log, &mut out).unwrap();
    out
}

#[test]
fn sled_export_restores_onto_postgres_and_back_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let mut sled = SledLog::create(&dir.path().join("a")).unwrap();
    fill(&mut sled, 250);
    let from_sled = export(&sled);

    let url = fresh_url();
    let mut pg = PgLog::create(&url).unwrap();
    let head = restore_jsonl(&mut from_sled.as_slice(), &mut pg).unwrap();
    assert_eq!(head, sled.head());
    drop(pg);
    let pg = PgLog::open(&url).unwrap();
    assert_eq!(pg.verify().unwrap().events, 250);
    let from_pg = export(&pg);
    assert_eq!(from_pg, from_sled);

    // And back: PostgreSQL → a new sled store → the same bytes.
    let mut back = SledLog::create(&dir.path().join("b")).unwrap();
    restore_jsonl(&mut from_pg.as_slice(), &mut back).unwrap();
    assert_eq!(export(&back), from_sled);
}

#[test]
fn postgres_export_restores_onto_sled_and_back_byte_for_byte() {
    let url = fresh_url();
    let mut pg = PgLog::create(&url).unwrap();
    fill(&mut pg, 120);
    let from_pg = export(&pg);
    let dir = tempfile::tempdir().unwrap();
    let mut sled = SledLog::create(&dir.path().join("s")).unwrap();
    restore_jsonl(&mut from_pg.as_slice(), &mut sled).unwrap();
    let from_sled = export(&sled);
    assert_eq!(from_sled, from_pg);
    let mut again = PgLog::create(&fresh_url()).unwrap();
    restore_jsonl(&mut from_sled.as_slice(), &mut again).unwrap();
    assert_eq!(export(&again), from_pg);
}

#[test]
fn open_refuses_a_database_without_the_store_or_of_another_version() {
    let url = fresh_url();
    let err = PgLog::open(&url).err().expect("no store yet");
    assert!(matches!(err, StoreError::NotAPgStore { .. }), "{err}");
    assert!(err.to_string().contains("bonded init --store"), "{err}");
    PgLog::create(&url).unwrap();
    let err = PgLog::create(&url).err().expect("exists");
    assert!(matches!(err, StoreError::PgAlreadyExists { .. }), "{err}");
    execute(&url, "UPDATE schema_version SET version = 99");
    let err = PgLog::open(&url).err().expect("other version");
    assert!(err.to_string().contains("schema version [99]"), "{err}");
    // A password in the URL never shows in a message.
    let err = PgLog::open("postgres://someone:s3cret@127.0.0.1:1/nowhere")
        .err()
        .expect("nothing listens there");
    assert!(!err.to_string().contains("s3cret"), "{err}");
    assert!(err.to_string().contains("nowhere"), "{err}");
}

/// A store of 10 records, and damage done to it with SQL: `verify` names the position.
fn damaged(sql: &str) -> StoreError {
    let url = fresh_url();
    let mut pg = PgLog::create(&url).unwrap();
    fill(&mut pg, 10);
    drop(pg);
    execute(&url, sql);
    let pg = PgLog::open_unchecked(&url).unwrap();
    let err = pg.verify().unwrap_err();
    assert!(err.is_integrity(), "{err}");
    err
}

#[test]
fn verify_names_a_row_altered_in_the_table() {
    let err = damaged(
        "UPDATE events SET value = set_byte(value, length(value) - 2, \
         get_byte(value, length(value) - 2) # 1) WHERE global_seq = 4",
    );
    assert!(matches!(err, StoreError::Corrupt { seq: 4, .. }), "{err}");
    assert!(err.to_string().contains("does not recompute"), "{err}");
}

#[test]
fn verify_names_a_row_deleted_from_the_table() {
    let err = damaged("DELETE FROM events WHERE global_seq = 6");
    assert!(matches!(err, StoreError::Corrupt { seq: 6, .. }), "{err}");
    assert!(err.to_string().contains("missing"), "{err}");
}

#[test]
fn verify_names_rows_reordered_in_the_table() {
    let err = damaged(
        "UPDATE events e SET value = o.value FROM events o \
         WHERE (e.global_seq, o.global_seq) IN ((3, 5), (5, 3))",
    );
    assert!(matches!(err, StoreError::Corrupt { seq: 3, .. }), "{err}");
    assert!(err.to_string().contains("says it is record 5"), "{err}");
}

#[test]
fn verify_names_bookkeeping_out_of_step() {
    let err = damaged("UPDATE streams SET version = version + 1 WHERE stream = 'users'");
    assert!(err.to_string().contains("\"users\""), "{err}");
    let err = damaged("UPDATE events SET id = gen_random_uuid() WHERE global_seq = 7");
    assert!(matches!(err, StoreError::Corrupt { seq: 7, .. }), "{err}");
    // The last record altered: even open refuses it.
    let url = fresh_url();
    let mut pg = PgLog::create(&url).unwrap();
    fill(&mut pg, 3);
    drop(pg);
    execute(
        &url,
        "UPDATE events SET value = set_byte(value, 40, get_byte(value, 40) # 1) WHERE global_seq = 3",
    );
    let err = PgLog::open(&url).err().expect("tail damaged");
    assert!(matches!(err, StoreError::Corrupt { seq: 3, .. }), "{err}");
}

// ---------------------------------------------------------------------------------------
// Writer processes.

/// The environment a child writer reads: `url|mode|tag|batches|batch_size`.
const CHILD: &str = "BONDED_PG_CHILD";

/// Not a test of its own: the body of a writer process the tests below start. Without
/// `BONDED_PG_CHILD` it does nothing.
#[test]
fn child_writer() {
    let Ok(task) = std::env::var(CHILD) else {
        return;
    };
    let parts: Vec<&str> = task.split('|').collect();
    let [url, mode, tag, batches, size] = parts.as_slice() else {
        panic!("bad task {task}");
    };
    let tag: u128 = tag.parse().unwrap();
    let (batches, size): (u128, u128) = (batches.parse().unwrap(), size.parse().unwrap());
    let mut log = PgLog::open(url).unwrap();
    let out = std::io::stdout();
    for b in 0..batches {
        let ids: Vec<Uuid> = (0..size)
            .map(|i| Uuid::from_u128((tag << 64) | (b << 32) | i))
            .collect();
        // Half to a stream shared by every writer, half to the writer's own.
        let own = format!("own{tag}");
        let events: Vec<NewEvent> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let stream = if i % 2 == 0 { "shared" } else { own.as_str() };
                ev(
                    *id,
                    stream,
                    &format!(r#"{{"tag":{tag},"batch":{b},"i":{i}}}"#),
                )
            })
            .collect();
        let mut tries = 0;
        loop {
            tries += 1;
            let shared = log.stream_version("shared");
            let mine = log.stream_version(&own);
            let result = if *mode == "stream" || (*mode == "mixed" && b % 2 == 1) {
                let expected: HashMap<String, u64> =
                    [("shared".to_string(), shared), (own.clone(), mine)].into();
                let mut items = events
                    .iter()
                    .cloned()
                    .map(Streamed::Event)
                    .chain(std::iter::once(Streamed::Commit));
                log.append_stream(&expected, &mut items)
            } else {
                log.append(
                    AppendRequest::new(events.clone())
                        .expect("shared", ExpectedVersion::Exact(shared))
                        .expect(own.clone(), ExpectedVersion::Exact(mine)),
                )
            };
            match result {
                Ok(outcome) => {
                    assert_eq!(outcome.appended + outcome.duplicates, size as u64);
                    let mut w = out.lock();
                    writeln!(w, "ACK {tag} {b}").unwrap();
                    w.flush().unwrap();
                    break;
                }
                // Someone else wrote first: the handle has caught up under the lock; again.
                Err(StoreError::WrongExpectedVersion { .. }) if tries < 10_000 => {
                    std::thread::sleep(Duration::from_millis(tries % 5));
                }
                Err(e) => panic!("writer {tag} batch {b}: {e}"),
            }
        }
    }
}

fn spawn_writer(url: &str, mode: &str, tag: u128, batches: u128, size: u128) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["child_writer", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, format!("{url}|{mode}|{tag}|{batches}|{size}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The `(tag, batch)` acknowledged on a writer's output.
fn acks(out: impl std::io::Read) -> Vec<(u128, u128)> {
    BufReader::new(out)
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| {
            // The test harness may have begun the line ("test child_writer ... ").
            let mut p = l.get(l.find("ACK ")? + 4..)?.split(' ');
            Some((p.next()?.parse().ok()?, p.next()?.parse().ok()?))
        })
        .collect()
}

/// Every record read back, checked: global positions 1..=n, each stream's positions gapless,
/// no id twice; returns the batches found, with how many of their events.
/// Waits until the log's head has not moved for a quarter of a second (at most 10 s).
fn settled(url: &str) {
    let watch = ledger_store::PgHead::connect(url).unwrap();
    let mut last = watch.seq().unwrap();
    let start = Instant::now();
    let mut still = Instant::now();
    while still.elapsed() < Duration::from_millis(250) && start.elapsed() < Duration::from_secs(10)
    {
        std::thread::sleep(Duration::from_millis(25));
        let now = watch.seq().unwrap();
        if now != last {
            last = now;
            still = Instant::now();
        }
    }
}

fn check_log(url: &str) -> (u64, BTreeMap<(u128, u128), u64>) {
    let log = PgLog::open(url).unwrap();
    let report = log.verify().unwrap();
    let mut seen = HashSet::new();
    let mut streams: HashMap<String, u64> = HashMap::new();
    let mut batches: BTreeMap<(u128, u128), u64> = BTreeMap::new();
    let mut n = 0u64;
    for e in log.scan(1) {
        let e = e.unwrap();
        n += 1;
        assert_eq!(e.global_seq, n, "gapless");
        let v = streams.entry(e.stream.clone()).or_insert(0);
        *v += 1;
        assert_eq!(e.stream_seq, *v, "stream {} gapless", e.stream);
        assert!(seen.insert(e.id), "id {} twice", e.id);
        let raw = e.id.as_u128();
        *batches
            .entry((raw >> 64, (raw >> 32) & 0xffff_ffff))
            .or_insert(0) += 1;
    }
    assert_eq!(n, report.events);
    (n, batches)
}

#[test]
fn writers_in_several_processes_leave_no_gap_and_no_duplicate() {
    let url = fresh_url();
    PgLog::create(&url).unwrap();
    let (batches, size) = (25u128, 6u128);
    let children: Vec<Child> = (1..=3u128)
        .map(|tag| {
            spawn_writer(
                &url,
                if tag == 2 { "mixed" } else { "append" },
                tag,
                batches,
                size,
            )
        })
        .collect();
    let mut acked = Vec::new();
    for mut child in children {
        let out = child.stdout.take().unwrap();
        acked.extend(acks(out));
        let result = child.wait_with_output().unwrap();
        assert!(
            result.status.success(),
            "a writer failed: {}",
            String::from_utf8_lossy(&result.stderr)
        );
    }
    assert_eq!(acked.len() as u128, 3 * batches);
    let (n, found) = check_log(&url);
    assert_eq!(
        n as u128,
        3 * batches * size,
        "events = acknowledged appends"
    );
    for key in &acked {
        assert_eq!(found.get(key), Some(&(size as u64)), "batch {key:?}");
    }
}

#[test]
fn threads_with_their_own_connections_decide_through_the_database() {
    let url = fresh_url();
    PgLog::create(&url).unwrap();
    let handles: Vec<_> = (0..4u128)
        .map(|t| {
            let url = url.clone();
            std::thread::spawn(move || {
                let mut log = PgLog::open(&url).unwrap();
                let mut conflicts = 0;
                for b in 0..20u128 {
                    loop {
                        let v = log.stream_version("shared");
                        let req = AppendRequest::new(vec![ev(
                            Uuid::from_u128((100 + t) << 64 | b << 32),
                            "shared",
                            "{}",
                        )])
                        .expect("shared", ExpectedVersion::Exact(v));
                        match log.append(req) {
                            Ok(_) => break,
                            Err(StoreError::WrongExpectedVersion { .. }) => conflicts += 1,
                            Err(e) => panic!("{e}"),
                        }
                    }
                }
                conflicts
            })
        })
        .collect();
    let conflicts: u32 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    let (n, _) = check_log(&url);
    assert_eq!(n, 80);
    // Four writers on one stream: some expectations went stale and were refused cleanly.
    eprintln!("{conflicts} stale expected versions refused and retried");
}

#[test]
fn a_writer_killed_at_any_moment_loses_no_acknowledged_append_and_leaves_nothing_partial() {
    let url = fresh_url();
    PgLog::create(&url).unwrap();
    let size = 300u128;
    let mut acked: Vec<(u128, u128)> = Vec::new();
    for round in 0..24u128 {
        let mode = ["append", "stream", "mixed"][(round % 3) as usize];
        let mut child = spawn_writer(&url, mode, 1000 + round, 1_000, size);
        let out = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || acks(out));
        // Kill at a different moment each round: from before the first append to many in.
        let wait = Duration::from_millis(40 + (round as u64 * 37) % 400);
        let start = Instant::now();
        while start.elapsed() < wait {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("the writer ended by itself ({status}) before it was killed");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        acked.extend(reader.join().unwrap());
        // The killed writer's server session may still be finishing a COMMIT it had sent
        // (the database decides whether it lands, after the client is gone): wait until the
        // head stops moving, so the log is read as it will stay.
        settled(&url);
        // Every acknowledged batch whole; any other batch whole or absent.
        let (_, found) = check_log(&url);
        for key in &acked {
            assert_eq!(
                found.get(key),
                Some(&(size as u64)),
                "acknowledged batch {key:?}"
            );
        }
        for (key, count) in &found {
            assert_eq!(*count, size as u64, "batch {key:?} is partial");
        }
    }
    assert!(!acked.is_empty());
}

/// `append_at`: a batch decided on the log at record N is written only while the head is
/// still N; once another handle has appended, it is refused whole (`HeadMoved`, nothing
/// written), and after `refresh` it goes in at the new head. `PgHead` reads the head as
/// committed, whoever wrote it.
#[test]
fn append_at_refuses_a_batch_decided_on_a_head_another_writer_has_moved() {
    let url = fresh_url();
    let mut one = PgLog::create(&url).unwrap();
    let mut two = PgLog::open(&url).unwrap();
    let watch = ledger_store::PgHead::connect(&url).unwrap();
    fill(&mut one, 3);
    assert_eq!(watch.seq().unwrap(), 3);
    let batch = |i: u128| AppendRequest::new(vec![ev(Uuid::from_u128(100 + i), "users", "{}")]);
    // `two` still believes the log is empty: a batch decided on that is refused.
    let err = two.append_at(0, batch(1)).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::HeadMoved {
                expected: 0,
                actual: 3
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("another server wrote first"),
        "{err}"
    );
    assert_eq!(watch.seq().unwrap(), 3, "nothing written");
    two.refresh().unwrap();
    assert_eq!(two.head().seq, 3);
    let out = two.append_at(3, batch(1)).unwrap();
    assert_eq!(out.head.seq, 4);
    // And now `one` is the one behind.
    assert!(matches!(
        one.append_at(3, batch(2)).unwrap_err(),
        StoreError::HeadMoved {
            expected: 3,
            actual: 4
        }
    ));
    assert_eq!(watch.seq().unwrap(), 4);
    assert_eq!(one.verify().unwrap().events, 4);
}

/// A streamed append larger than the rows a write holds back (8 MiB: part of it is sent
/// before the commit, the rest with it), touching many streams (their versions written by
/// one statement), with a retry of one of its own first events at its end (read back from
/// what was sent) and of its last but one (still held back): it lands whole, every stream at
/// its version, and the chain verifies after the log is opened again.
#[test]
fn a_streamed_append_past_the_held_back_rows_lands_whole_with_every_stream_version() {
    let url = fresh_url();
    let mut log = PgLog::create(&url).unwrap();
    fill(&mut log, 3);
    let filler = "x".repeat(900);
    let n: u128 = 12_000; // about 11 MB of records
    let streams = 300u128;
    let stream = |i: u128| format!("S{:04}", i % streams);
    let event = |i: u128| {
        ev(
            Uuid::from_u128(1_000_000 + i),
            &stream(i),
            &format!(r#"{{"n":{i},"f":"{filler}"}}"#),
        )
    };
    let items = (1..=n).map(|i| Streamed::Event(event(i))).chain([
        Streamed::Event(event(5)),
        Streamed::Event(event(n - 1)),
        Streamed::Commit,
    ]);
    let outcome = log
        .append_stream(&HashMap::new(), &mut items.into_iter())
        .unwrap();
    assert_eq!(outcome.appended, n as u64);
    assert_eq!(outcome.duplicates, 2);
    assert_eq!(log.head().seq, 3 + n as u64);

    let reopened = PgLog::open(&url).unwrap();
    assert_eq!(reopened.head(), log.head());
    for s in 0..streams {
        let want = (1..=n).filter(|i| i % streams == s).count() as u64;
        assert_eq!(
            reopened.stream_version(&stream(s)),
            want,
            "stream {}",
            stream(s)
        );
    }
    assert_eq!(reopened.verify().unwrap().events, 3 + n as u64);
}

/// A streamed append abandoned part-way (its producer stops without committing) leaves
/// nothing, whether its records were held back or already sent; the next write lands.
#[test]
fn an_abandoned_streamed_append_leaves_nothing_of_what_it_sent_or_held() {
    let url = fresh_url();
    let mut log = PgLog::create(&url).unwrap();
    fill(&mut log, 3);
    let filler = "y".repeat(900);
    let mut items = (1..=10_000u128).map(|i| {
        Streamed::Event(ev(
            Uuid::from_u128(2_000_000 + i),
            "abandoned",
            &format!(r#"{{"n":{i},"f":"{filler}"}}"#),
        ))
    });
    let err = log.append_stream(&HashMap::new(), &mut items).unwrap_err();
    assert!(matches!(err, StoreError::Abandoned), "{err}");
    assert_eq!(log.head().seq, 3);
    fill_more(&mut log);
    let reopened = PgLog::open(&url).unwrap();
    assert_eq!(reopened.head().seq, 4);
    assert_eq!(reopened.verify().unwrap().events, 4);
}

fn fill_more(log: &mut dyn EventLog) {
    log.append(AppendRequest::new(vec![ev(
        Uuid::from_u128(9_999_999),
        "reference",
        "{}",
    )]))
    .unwrap();
}

/// Stream names with quotes and backslashes (the commit writes the versions as string
/// literals in one query): each stream's version is what was appended, after the log is
/// opened again, by an append and by a streamed append.
#[test]
fn stream_names_with_quotes_and_backslashes_keep_their_versions() {
    let url = fresh_url();
    let mut log = PgLog::create(&url).unwrap();
    let names = ["it's", r"back\slash", r"中文'\'", r"\\''E'x"];
    let events: Vec<NewEvent> = (0..8u128)
        .map(|i| ev(Uuid::from_u128(500 + i), names[(i % 4) as usize], "{}"))
        .collect();
    log.append(AppendRequest::new(events)).unwrap();
    let expected: HashMap<String, u64> = names.iter().map(|n| (n.to_string(), 2)).collect();
    let mut items = (0..4u128)
        .map(|i| Streamed::Event(ev(Uuid::from_u128(600 + i), names[i as usize], "{}")))
        .chain([Streamed::Commit]);
    log.append_stream(&expected, &mut items).unwrap();
    let reopened = PgLog::open(&url).unwrap();
    for name in names {
        assert_eq!(reopened.stream_version(name), 3, "stream {name:?}");
    }
    assert_eq!(reopened.verify().unwrap().events, 12);
}

/// A scan reads a few pages, then the rest in one streaming query: every record comes, in
/// order, from any start; a scan dropped part-way through the stream leaves the connection
/// to the next read and write, which see the log as it is.
#[test]
fn a_scan_streams_past_its_pages_in_order_and_one_dropped_early_leaves_the_connection_usable() {
    let url = fresh_url();
    let mut log = PgLog::create(&url).unwrap();
    let n = 12_000u128;
    let events: Vec<NewEvent> = (1..=n)
        .map(|i| {
            ev(
                Uuid::from_u128(3_000_000 + i),
                "E44038000001",
                &format!(r#"{{"n":{i}}}"#),
            )
        })
        .collect();
    log.append(AppendRequest::new(events)).unwrap();

    for from in [1u64, 3_000, 11_990] {
        let seqs: Vec<u64> = log.scan(from).map(|r| r.unwrap().global_seq).collect();
        assert_eq!(seqs, (from..=n as u64).collect::<Vec<_>>(), "from {from}");
    }
    let replayed = log.scan_replay(1).count();
    assert_eq!(replayed, n as usize);

    // Dropped in the middle of the stream (past the first pages).
    let mut scan = log.scan(1);
    let taken: Vec<u64> = scan
        .by_ref()
        .take(7_000)
        .map(|r| r.unwrap().global_seq)
        .collect();
    assert_eq!(taken.last(), Some(&7_000));
    drop(scan);
    log.append(AppendRequest::new(vec![ev(
        Uuid::from_u128(4_000_000),
        "reference",
        "{}",
    )]))
    .unwrap();
    let last = log
        .scan(n as u64)
        .map(|r| r.unwrap().global_seq)
        .collect::<Vec<_>>();
    assert_eq!(last, vec![n as u64, n as u64 + 1]);
    assert_eq!(log.verify().unwrap().events, n as u64 + 1);
    let reopened = PgLog::open(&url).unwrap();
    assert_eq!(reopened.scan_replay(1).count(), n as usize + 1);
}

/// The connection ended by the database (`pg_terminate_backend`, as a restart does): the
/// write that meets it fails as a lost connection, nothing of it written; `connection_lost`
/// says so; the next write connects again and lands, after the one before it.
#[test]
fn a_write_after_the_connection_was_lost_connects_again() {
    let app = format!("bonded_reconnect_{}", std::process::id());
    let url = format!("{}&application_name={app}", fresh_url());
    let mut log = PgLog::create(&url).unwrap();
    fill(&mut log, 3);
    assert!(!log.connection_lost());
    let mut admin =
        postgres::Client::connect(&ledger_store::pg_testing::server_url(), postgres::NoTls)
            .unwrap();
    let ended: i64 = admin
        .query_one(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = $1) AS ended",
            &[&app],
        )
        .unwrap()
        .get(0);
    assert_eq!(ended, 1);
    let one = |n: u128| AppendRequest::new(vec![ev(Uuid::from_u128(7_000 + n), "reference", "{}")]);
    let err = log.append(one(1)).unwrap_err();
    assert!(err.is_connection_lost(), "{err}");
    assert!(log.connection_lost());
    assert_eq!(log.head().seq, 3);
    let outcome = log.append(one(2)).unwrap();
    assert_eq!(outcome.head.seq, 4);
    assert!(!log.connection_lost());
    // The first was not written; a retry of it lands once, after the second.
    log.append(one(1)).unwrap();
    let reopened = PgLog::open(&url).unwrap();
    assert_eq!(reopened.verify().unwrap().events, 5);
}
