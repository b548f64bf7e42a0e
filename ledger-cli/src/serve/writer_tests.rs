use super::*;
use ledger_core::events::commands::MovementLine;
use ledger_core::model::review::Role;
use rust_decimal::Decimal;

const BOOK: &str = "E44038000001";

/// An `I M` line of material 1: an import (0615) or a domestic sale (0644).
fn line(ref_: &str, mode: &str, qty: i64) -> (u64, Command) {
    let l = MovementLine {
        ref_: ref_.into(),
        line: 1,
        date: chrono::NaiveDate::from_ymd_opt(2025, 3, 1).expect("date"),
        account: BOOK.parse().expect("book"),
        mode: mode.parse().expect("mode"),
        dir: "I".parse().expect("dir"),
        goods: "M".parse().expect("goods"),
        qty: Decimal::from(qty),
        item: Some(ledger_core::model::ids::ItemNo(1)),
        part: None,
        unit_price: None,
        currency: None,
        incoterm: None,
        freight: None,
        insurance: None,
        bom_version: None,
        peer_account: None,
        subcontractor: None,
        list: None,
    };
    (2, Command::RecordMovement(l))
}

fn job(lines: Vec<(u64, Command)>) -> (Job, oneshot::Receiver<Result<Done, ApiError>>) {
    let (reply, rx) = oneshot::channel();
    let job = Job {
        by: "alice".into(),
        work: Work::Lines(lines),
        reply,
    };
    (job, rx)
}

/// Three requests in one round, the second refused after one of its lines was folded in:
/// one append holds the first and the third, and nothing of the second.
/// A store with the book, material 1 and the clerk alice.
fn store_with_a_book(tmp: &tempfile::TempDir) -> std::path::PathBuf {
    let dir = tmp.path().join("data");
    let mut s = crate::test_support::store_with_a_book(
        &dir,
        &[(
            "items.csv",
            b"account,goods,item,hs,name,unit,price,currency\nE44038000001,M,1,8542310000,Chip,PCS,1,USD\n",
        )],
    );
    s.execute(Command::AddUser {
        name: "alice".into(),
        role: Role::Clerk,
        token_sha256: "ab".repeat(32),
        books: None,
    })
    .expect("user");
    dir
}

#[test]
fn a_round_is_one_append_and_a_refused_request_leaves_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = store_with_a_book(&tmp);
    let log = Log::Sled(crate::session::open_log(&dir).expect("log"));
    let shared = state::load(&log).expect("replay");
    let before = shared.ledger.event_count();
    let working = shared.ledger.clone();
    let log = Arc::new(RwLock::new(log));
    let shared = Arc::new(RwLock::new(shared));
    let (tx, rx) = mpsc::channel(8);
    let (j1, r1) = job(vec![line("X", "0615", 100)]);
    let (j2, r2) = job(vec![line("Y", "0615", 5), line("S", "0644", 1000)]);
    let (j3, r3) = job(vec![line("Z", "0615", 1)]);
    for j in [j1, j2, j3] {
        tx.try_send(j).map_err(|_| "queue full").expect("queued");
    }
    drop(tx);
    let writer = spawn(log.clone(), shared.clone(), working, rx).expect("writer");
    writer.join().expect("writer ends");

    let d1 = r1.blocking_recv().expect("answer").expect("accepted");
    let e2 = r2.blocking_recv().expect("answer").expect_err("refused");
    let d3 = r3.blocking_recv().expect("answer").expect("accepted");
    assert_eq!((d1.events, d3.events), (1, 1));
    assert_eq!(d1.position, d3.position, "one append");
    assert_eq!(e2.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e2.body.lines.len(), 1);
    assert!(e2.body.lines[0].message.contains("would go negative"));
    let shared = read(&shared);
    assert_eq!(shared.appends, 1);
    assert_eq!(shared.ledger.event_count(), before + 2);
    let book = shared
        .ledger
        .book(&BOOK.parse().expect("book"))
        .expect("book");
    let keys: Vec<&str> = {
        let mut k: Vec<&str> = book.lines.keys().map(|(r, _)| r).collect();
        k.sort();
        k
    };
    assert_eq!(keys, vec!["X", "Z"]);
    // The log says the same, with the clerk as the actor.
    let log = read(&log);
    let stored: Vec<_> = log
        .scan(before + 1)
        .collect::<Result<Vec<_>, _>>()
        .expect("scan");
    assert_eq!(stored.len(), 2);
    assert!(stored.iter().all(|e| e.actor == "alice"));
    // A restart's replay gives the state the writer kept, history index included.
    let again = state::load(&log).expect("replay");
    let positions = |s: &Shared| s.history.stream(&log, BOOK).expect("positions");
    let book_positions = positions(&shared);
    assert_eq!(positions(&again), book_positions);
    assert!(
        book_positions.ends_with(&[before + 1, before + 2]),
        "{book_positions:?}"
    );
    assert_eq!(again.position, shared.position);
    assert_eq!(again.position.seq, log.head().seq);
    assert_eq!(again.ledger.event_count(), shared.ledger.event_count());
}

/// A panic while deciding one request fails that request alone: the requests around it
/// are recorded, the state is rebuilt, and the writer goes on.
#[test]
fn a_panic_fails_one_request_and_the_writer_goes_on() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = store_with_a_book(&tmp);
    let log = Log::Sled(crate::session::open_log(&dir).expect("log"));
    let shared = state::load(&log).expect("replay");
    let before = shared.ledger.event_count();
    let working = shared.ledger.clone();
    let log = Arc::new(RwLock::new(log));
    let shared = Arc::new(RwLock::new(shared));
    let (tx, rx) = mpsc::channel(8);
    let (j1, r1) = job(vec![line("X", "0615", 100)]);
    let (panic_reply, rp) = oneshot::channel();
    let jp = Job {
        by: "alice".into(),
        work: Work::Panic,
        reply: panic_reply,
    };
    let (j3, r3) = job(vec![line("Z", "0644", 40)]);
    for j in [j1, jp, j3] {
        tx.try_send(j).map_err(|_| "queue full").expect("queued");
    }
    drop(tx);
    let writer = spawn(log.clone(), shared.clone(), working, rx).expect("writer");
    writer.join().expect("the writer ends normally");
    r1.blocking_recv().expect("answer").expect("accepted");
    let failed = rp.blocking_recv().expect("answer").expect_err("failed");
    assert_eq!(failed.status, StatusCode::INTERNAL_SERVER_ERROR);
    // The sale after it was decided on the state with X's import folded in again.
    r3.blocking_recv().expect("answer").expect("accepted");
    let shared = read(&shared);
    assert_eq!(shared.panics, 1);
    assert_eq!(shared.ledger.event_count(), before + 2);
    assert_eq!(read(&log).head().seq, shared.position.seq);
}
