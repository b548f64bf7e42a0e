//! The snapshot (`state::snapshot`) against the replay: a state saved at any position and
//! evolved with the rest of the events is the state, and gives the reports, of a replay of
//! them all. Here beside the decide tests, whose fixtures and generators build the states.

use proptest::prelude::*;
use sha2::{Digest, Sha256};

use super::*;
use crate::reports::{cycle, deadlines, duty};
use crate::state::snapshot::{self, Part, Parts, SnapshotError, FORMAT_VERSION};

/// Every report a command line user reads, as text: balances on each date, the deadlines, the
/// cycle report and each month's duty assessment, of both books.
fn reports(state: &Ledger, dates: &[String]) -> Vec<String> {
    let mut out = balance_reports(state, dates);
    out.extend(line_reports(state));
    out
}

/// The balances of both books on each date: what `bonded balance` reads (the base alone).
fn balance_reports(state: &Ledger, dates: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for account in [PURCHASED, SUPPLIED] {
        let book = bk(account);
        for date in dates {
            out.push(format!("{:?}", balances(state, &book, d(date))));
        }
    }
    out
}

/// The reports that read the lines: deadlines, cycle report, finished goods, each month's duty
/// (what `bonded deadlines`, `cycle report` and `duty` read: every part but the records).
fn line_reports(state: &Ledger) -> Vec<String> {
    let mut out = Vec::new();
    for account in [PURCHASED, SUPPLIED] {
        let book = bk(account);
        out.push(format!(
            "{:?}",
            deadlines::deadlines(state, &book, d("2025-12-31"))
        ));
        out.push(format!(
            "{:?}",
            cycle::cycle_report(state, &book, None, None)
        ));
        // What left as finished goods (the write-off's finished rows), worked out again from
        // the records a snapshot keeps.
        out.push(format!(
            "{:?}",
            state
                .book(&book)
                .and_then(|b| b.lines.finished().between(d("2025-01-01"), d("2025-12-31")))
        ));
        for month in 1..=12 {
            let period = month_of(&format!("2025-{month:02}-15"));
            out.push(format!(
                "{:?}",
                duty::assess(state, &book, period, d("2026-01-15"))
            ));
        }
    }
    out
}

fn roundtrip(state: &Ledger) -> Ledger {
    let bytes = snapshot::encode(state).expect("encode");
    snapshot::decode(&bytes).expect("decode")
}

use crate::state::snapshot::open_in_part;

/// Each month's duty assessment of both books (what `bonded duty` reads: the lines kept whole
/// and the import lots).
fn duty_reports(state: &Ledger) -> Vec<String> {
    let mut out = Vec::new();
    for account in [PURCHASED, SUPPLIED] {
        for month in 1..=12 {
            let period = month_of(&format!("2025-{month:02}-15"));
            out.push(format!(
                "{:?}",
                duty::assess(state, &bk(account), period, d("2026-01-15"))
            ));
        }
    }
    out
}

/// What `bonded balance` opens: the stock.
fn stock() -> Parts {
    Parts::NONE.with(Part::Stock)
}

/// What a read command that reads `parts` and the materials of `account` from the end of
/// `day` on reads: the stock's history too when the day is before its split.
fn parts_from_day(state: &Ledger, parts: Parts, account: &str, day: NaiveDate) -> Parts {
    if open_in_part(state, parts).stock_history_needed(&bk(account), day) {
        parts.with(Part::History)
    } else {
        parts
    }
}

/// `state` opened as `parts_from_day` says.
fn open_from_day(state: &Ledger, parts: Parts, account: &str, day: NaiveDate) -> Ledger {
    open_in_part(state, parts_from_day(state, parts, account, day))
}

/// `report` of `state` opened with `parts`, as `session::report_reading` gives it: worked out
/// again with the import lots' history read when the first answer reached before the split.
fn as_reported<T>(state: &Ledger, parts: Parts, report: impl Fn(&Ledger) -> T) -> T {
    let opened = open_in_part(state, parts);
    let first = report(&opened);
    if opened.lot_history_asked() {
        report(&open_in_part(state, parts.with(Part::LotHistory)))
    } else {
        first
    }
}

/// The balances of both books on each date, each from the state opened as `bonded balance
/// --as-of DATE` opens it.
fn balance_reports_as_read(state: &Ledger, dates: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for account in [PURCHASED, SUPPLIED] {
        let book = bk(account);
        for date in dates {
            let opened = open_from_day(state, stock(), account, d(date));
            out.push(format!("{:?}", balances(&opened, &book, d(date))));
        }
    }
    out
}

/// The cycle report of both books, each from the state opened as `bonded cycle report` opens
/// it.
fn cycle_reports_as_read(state: &Ledger) -> Vec<String> {
    [PURCHASED, SUPPLIED]
        .into_iter()
        .map(|account| {
            let book = bk(account);
            let parts = match cycle::reads_stock_from(state, &book, None) {
                Some(day) => parts_from_day(state, without_lists(), account, day),
                None => without_lists(),
            };
            as_reported(state, parts, |opened| {
                format!("{:?}", cycle::cycle_report(opened, &book, None, None))
            })
        })
        .collect()
}

/// The cycle report of both books (what `bonded cycle report` reads: every part but the
/// records and the lists).
fn cycle_reports(state: &Ledger) -> Vec<String> {
    [PURCHASED, SUPPLIED]
        .into_iter()
        .map(|account| format!("{:?}", cycle::cycle_report(state, &bk(account), None, None)))
        .collect()
}

/// The deadlines of both books (what `bonded deadlines` reads: the stock, the lines kept whole
/// and the lots, and the lists when a book exchanges them through the ledger).
fn deadline_reports(state: &Ledger) -> Vec<String> {
    [PURCHASED, SUPPLIED]
        .into_iter()
        .map(|account| {
            format!(
                "{:?}",
                deadlines::deadlines(state, &bk(account), d("2025-12-31"))
            )
        })
        .collect()
}

/// What `bonded deadlines` reads of `state`: the base first, then what it says to read.
fn deadline_parts(state: &Ledger) -> Parts {
    let base = open_in_part(state, Parts::NONE);
    let mut parts = without_lists();
    if deadlines::reads_lists(&base) {
        parts = parts.with(Part::Lists);
    }
    let as_of = d("2025-12-31");
    let opened = open_in_part(state, parts);
    if [PURCHASED, SUPPLIED]
        .iter()
        .any(|a| opened.stock_history_needed(&bk(a), as_of))
    {
        parts = parts.with(Part::History);
    }
    parts
}

fn without_lists() -> Parts {
    Parts::NONE
        .with(Part::Stock)
        .with(Part::Kept)
        .with(Part::Imports)
}

fn sales_and_lots() -> Parts {
    Parts::NONE.with(Part::Kept).with(Part::Imports)
}

/// What a read command opens: the balance the base alone; the reports of lines every part
/// but the line records.
fn without_records() -> Parts {
    Parts::NONE
        .with(Part::Stock)
        .with(Part::Kept)
        .with(Part::Imports)
        .with(Part::Lists)
}

/// A fixed ledger with something in every part of the state the fixtures reach: two books,
/// items, BOMs, rates, imports, a work order with scrap, goods at a subcontractor, a
/// correction, an export awaiting its unit consumption.
fn fixed() -> Ledger {
    let mut cmds = stocked();
    cmds.push(export_fg("EXP-1", "2025-02-01", dec!(3)));
    cmds.push(re_export("RE-1", "2025-02-02", M2, dec!(4)));
    cmds.push(correction(PURCHASED, "RE-1", 1));
    cmds.push(before_report());
    cmds.push(export_no_bom("EXP-NB", dec!(1)));
    given(&cmds)
}

#[test]
fn a_decoded_state_is_the_state() {
    let state = fixed();
    let back = roundtrip(&state);
    let dates: Vec<String> = ["2025-01-05", "2025-02-01", "2025-06-30", "2025-12-31"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(reports(&back, &dates), reports(&state, &dates));
    assert_eq!(back.event_count(), state.event_count());
    assert_eq!(back.stream_versions(), state.stream_versions());
    assert_eq!(
        snapshot::encode(&back).expect("encode"),
        snapshot::encode(&state).expect("encode")
    );
}

/// The bytes of the fixed ledger. When this fails, the state's shape or the layout changed:
/// bump `FORMAT_VERSION` (old snapshots are then rebuilt, never misread), then update the
/// digest here.
#[test]
fn golden_digest() {
    let bytes = snapshot::encode(&fixed()).expect("encode");
    let digest = hex(&Sha256::digest(&bytes));
    assert_eq!(
        (FORMAT_VERSION, digest.as_str()),
        (10, GOLDEN),
        "the snapshot of the fixed ledger changed: bump state::snapshot::FORMAT_VERSION"
    );
}

const GOLDEN: &str = "7e1f28e95450b60404abc78b24145c22eb0bc7867056e0487b2321fc1bddf0c4";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn another_version_is_refused_and_damage_is_an_error_not_a_panic() {
    let mut bytes = snapshot::encode(&fixed()).expect("encode");
    let mut other = bytes.clone();
    other[0] = other[0].wrapping_add(1);
    assert!(matches!(
        snapshot::decode(&other),
        Err(SnapshotError::Version { .. })
    ));
    // Cut anywhere: an error.
    for cut in (4..bytes.len()).step_by(97) {
        assert!(snapshot::decode(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    // Any byte changed: an error or a state, never a panic (the store's checksum is what
    // catches damage; this only says the decoder survives it).
    for at in (4..bytes.len()).step_by(31) {
        bytes[at] ^= 0x5A;
        let _ = snapshot::decode(&bytes);
        bytes[at] ^= 0x5A;
    }
    bytes.push(0);
    assert_eq!(
        snapshot::decode(&bytes).err(),
        Some(SnapshotError::Trailing)
    );
}

/// Day `n` of the op generator spread over three years (2025–2027), so that the stock a
/// snapshot keeps is split (`Part::History`) with changes on both sides.
fn spread(n: u32) -> String {
    (d("2025-01-01") + chrono::Days::new(u64::from(n) * 3)).to_string()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// For random command sequences, a snapshot taken after any number of events, decoded and
    /// evolved with the remaining events, is the state of a full replay: the same bytes once
    /// saved again, the same counts and stream versions, the same reports.
    #[test]
    fn a_snapshot_at_any_position_plus_the_tail_is_the_full_replay(
        ops in prop::collection::vec(op(), 1..30),
        cut in 0usize..=1000,
    ) {
        let (start, setup_events) = given_with_events(&stocked());
        let mut state = start;
        let mut events: Vec<Decided> = setup_events;
        let mut dates: Vec<String> = vec!["2025-01-07".into(), "2025-12-31".into()];
        for (n, op) in ops.iter().enumerate() {
            let r = format!("R{n}");
            let cmd = match *op {
                Op::Import { day: dd, m, tenths } => {
                    dates.push(spread(dd));
                    import(&r, &spread(dd), [M1, M2][m], Decimal::new(tenths, 1))
                }
                Op::Export { day: dd, tenths } => {
                    dates.push(spread(dd));
                    export_fg(&r, &spread(dd), Decimal::new(tenths, 1))
                }
                Op::ReExport { day: dd, m, tenths } => {
                    dates.push(spread(dd));
                    re_export(&r, &spread(dd), [M1, M2][m], Decimal::new(tenths, 1))
                }
                Op::Correct { pick } => {
                    let book = state.book(&bk(PURCHASED)).expect("book");
                    let mut open: Vec<(&str, u32)> = book.lines.keys().collect();
                    if open.is_empty() {
                        continue;
                    }
                    open.sort();
                    let (r, l) = open[pick % open.len()];
                    correction(PURCHASED, r, l)
                }
            };
            if let Ok(decided) = decide(&state, &cmd) {
                apply(&mut state, &decided);
                events.extend(decided);
            }
        }
        // The cut: how many events the snapshot holds (0 ..= all of them), in thousandths.
        let k = events.len() * cut / 1000;
        let mut head = Ledger::new();
        apply(&mut head, &events[..k]);
        let mut resumed = roundtrip(&head);
        apply(&mut resumed, &events[k..]);

        let mut replayed = Ledger::new();
        apply(&mut replayed, &events);
        prop_assert_eq!(resumed.event_count(), replayed.event_count());
        prop_assert_eq!(resumed.stream_versions(), replayed.stream_versions());
        prop_assert_eq!(
            snapshot::encode(&resumed).expect("encode"),
            snapshot::encode(&replayed).expect("encode")
        );
        prop_assert_eq!(reports(&resumed, &dates), reports(&replayed, &dates));
        // Opened in part as a read command opens it, the reports it gives are the same.
        prop_assert_eq!(
            balance_reports_as_read(&replayed, &dates),
            balance_reports(&replayed, &dates)
        );
        prop_assert_eq!(
            as_reported(&replayed, without_records(), line_reports),
            line_reports(&replayed)
        );
        prop_assert_eq!(
            as_reported(&replayed, sales_and_lots(), duty_reports),
            duty_reports(&replayed)
        );
        prop_assert_eq!(cycle_reports_as_read(&replayed), cycle_reports(&replayed));
        prop_assert_eq!(
            as_reported(&replayed, deadline_parts(&replayed), deadline_reports),
            deadline_reports(&replayed)
        );
        // And deciding on the resumed state gives the same events as on the replayed one.
        let next = import("NEXT", "2025-12-31", M1, dec!(1));
        prop_assert_eq!(decide(&resumed, &next).ok(), decide(&replayed, &next).ok());
    }
}

/// Encoded part by part into a sink as it is made, the bytes are `encode`'s, counted; a sink
/// that fails is an error that says so, never a panic.
#[test]
fn encoded_into_a_sink_the_bytes_are_the_same() {
    let state = fixed();
    let whole = snapshot::encode(&state).expect("encode");
    let mut at = 4;
    for part in Part::ALL {
        let mut sink = Vec::new();
        let n = snapshot::encode_part(&state, part, &mut sink).expect("encode part");
        assert_eq!(n, sink.len() as u64);
        assert_eq!(&whole[at..at + 4], &part.id().to_le_bytes());
        assert_eq!(&whole[at + 4..at + 12], &n.to_le_bytes());
        assert_eq!(&whole[at + 12..at + 12 + sink.len()], &sink[..]);
        at += 12 + sink.len();
    }
    assert_eq!(at, whole.len());
    struct Full;
    impl std::io::Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk full"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let err = snapshot::encode_part(&state, Part::Records, &mut Full).expect_err("a full disk");
    assert!(err.to_string().contains("disk full"), "{err}");
}

/// A state opened in part gives the reports of the parts it read, is never saved, and says
/// what it misses; a part of other books than the base's, or read twice, is refused.
#[test]
fn a_state_opened_in_part() {
    let state = fixed();
    // The exposure of the work order's excess, as `bonded exposure` opens the state: the work
    // orders and the import lots.
    let exposure_parts = Parts::NONE.with(Part::WorkOrders).with(Part::Imports);
    let opened = open_in_part(&state, exposure_parts);
    for account in [PURCHASED, SUPPLIED] {
        let report = crate::reports::exposure::exposure(&state, &bk(account), None);
        assert!(
            report.as_ref().is_ok_and(|r| !r.lines.is_empty()),
            "{report:?}"
        );
        assert_eq!(
            format!(
                "{:?}",
                crate::reports::exposure::exposure(&opened, &bk(account), None)
            ),
            format!("{report:?}")
        );
    }
    let dates: Vec<String> = vec!["2025-02-01".into(), "2025-12-31".into()];
    let base_only = open_in_part(&state, stock());
    assert_eq!(
        balance_reports(&base_only, &dates),
        balance_reports(&state, &dates)
    );
    assert!(!base_only.is_whole());
    assert_eq!(
        snapshot::encode_part(&base_only, Part::Base, &mut Vec::new()).err(),
        Some(SnapshotError::Incomplete("stock history"))
    );
    let mut reading = open_in_part(&state, without_records());
    assert_eq!(line_reports(&reading), line_reports(&state));
    assert_eq!(
        reading.missing(),
        Parts::NONE
            .with(Part::Records)
            .with(Part::History)
            .with(Part::LotHistory)
            .with(Part::WorkOrders)
    );
    assert!(snapshot::encode(&reading).is_err());
    // The records of another state's books: refused.
    let mut other = Ledger::new();
    apply(&mut other, &given_with_events(&stocked()[..1]).1);
    let mut records = Vec::new();
    snapshot::encode_part(&other, Part::Records, &mut records).expect("encode");
    assert!(matches!(
        snapshot::decode_part(
            &mut reading,
            Part::Records,
            &mut &records[..],
            records.len() as u64
        ),
        Err(SnapshotError::OtherBooks { .. })
    ));
    // A part read twice: refused.
    let mut lists = Vec::new();
    snapshot::encode_part(&state, Part::Lists, &mut lists).expect("encode");
    assert_eq!(
        snapshot::decode_part(
            &mut reading,
            Part::Lists,
            &mut &lists[..],
            lists.len() as u64
        )
        .err(),
        Some(SnapshotError::Invalid("a part read twice"))
    );
    // The records, the stock's and the lots' histories and the work orders, once read, make
    // it whole: the same bytes as the state's.
    for part in [
        Part::Records,
        Part::History,
        Part::LotHistory,
        Part::WorkOrders,
    ] {
        let mut bytes = Vec::new();
        snapshot::encode_part(&state, part, &mut bytes).expect("encode");
        snapshot::decode_part(&mut reading, part, &mut &bytes[..], bytes.len() as u64)
            .expect("part");
    }
    assert!(reading.is_whole());
    assert_eq!(
        snapshot::encode(&reading).expect("encode"),
        snapshot::encode(&state).expect("encode")
    );
}

/// A book with changes over three years, its stock split on the first of January of the year
/// before the latest: a balance or a cycle report from the split's eve on is exact without the
/// history; an earlier one is asked for it, and exact with it.
#[test]
fn the_stock_read_without_its_history_answers_from_the_split_on() {
    let mut cmds = stocked();
    cmds.push(re_export("RE-2025", "2025-06-30", M1, dec!(10)));
    cmds.push(import("IMP-2026", "2026-03-02", M1, dec!(7)));
    cmds.push(re_export("RE-2027", "2027-02-01", M2, dec!(3)));
    let state = given(&cmds);
    let book = bk(PURCHASED);
    let partial = open_in_part(&state, stock());
    // The split: 1 January 2026, the year before the latest change (2027).
    assert!(!partial.stock_history_needed(&book, d("2025-12-31")));
    assert!(partial.stock_history_needed(&book, d("2025-12-30")));
    assert!(!state.stock_history_needed(&book, d("2020-01-01")));
    for date in ["2025-12-31", "2026-03-02", "2027-12-31"] {
        assert_eq!(
            format!("{:?}", balances(&partial, &book, d(date))),
            format!("{:?}", balances(&state, &book, d(date))),
            "{date}"
        );
    }
    // Earlier, the sums stand in for the changes and the figures would be wrong: the history
    // puts the changes back.
    let early = d("2025-06-30");
    assert_ne!(
        format!("{:?}", balances(&partial, &book, early)),
        format!("{:?}", balances(&state, &book, early))
    );
    let whole = open_from_day(&state, stock(), PURCHASED, early);
    assert!(whole.missing().is_empty() || !whole.missing().contains(Part::History));
    assert_eq!(
        format!("{:?}", balances(&whole, &book, early)),
        format!("{:?}", balances(&state, &book, early))
    );
    // The open cycle (2025) starts before the split: its report reads the history.
    let from = cycle::reads_stock_from(&state, &book, None).expect("a cycle");
    assert_eq!(from, d("2024-12-31"));
    assert!(partial.stock_history_needed(&book, from));
    let opened = open_from_day(&state, without_lists(), PURCHASED, from);
    assert_eq!(
        format!("{:?}", cycle::cycle_report(&opened, &book, None, None)),
        format!("{:?}", cycle::cycle_report(&state, &book, None, None))
    );
    // Saved again whole, the same bytes: the split is the state's, not the reader's.
    assert_eq!(
        snapshot::encode(&roundtrip(&state)).expect("encode"),
        snapshot::encode(&state).expect("encode")
    );
}

/// A history that does not add up to the sums the stock holds is refused, not put in place.
#[test]
fn a_stock_history_of_another_state_is_refused() {
    let mut cmds = stocked();
    cmds.push(import("IMP-2027", "2027-02-01", M1, dec!(7)));
    let state = given(&cmds);
    cmds.insert(
        cmds.len() - 1,
        re_export("RE-2025", "2025-06-30", M1, dec!(10)),
    );
    let other = given(&cmds);
    let mut opened = open_in_part(&state, stock());
    let mut bytes = Vec::new();
    snapshot::encode_part(&other, Part::History, &mut bytes).expect("encode");
    let got = snapshot::decode_part(
        &mut opened,
        Part::History,
        &mut &bytes[..],
        bytes.len() as u64,
    );
    assert_eq!(
        got,
        Err(SnapshotError::Invalid(
            "a stock's history that does not add up to its sums"
        ))
    );
}

/// A domestic sale in a cycle whose material was last imported before the split: its value is
/// the average of that earlier cycle's imports, which the lots read without their history do
/// not hold. The first answer is never given: the lots remember the question, and the report
/// worked out again with the history is the whole state's.
#[test]
fn a_valuation_before_the_split_reads_the_lots_history() {
    let mut cmds = stocked();
    for month in 1..=12 {
        cmds.push(fx(2026, month, "USD", dec!(7.1)));
        cmds.push(fx(2026, month, "EUR", dec!(7.8)));
    }
    for hs in ["8542319000", "8542329000"] {
        cmds.push(Command::SetTariff(crate::events::commands::TariffInput {
            hs: hs.parse().expect("hs"),
            from: d("2025-01-01"),
            duty_pct: dec!(5),
            vat_pct: dec!(13),
            consumption_pct: None,
        }));
    }
    cmds.push(Command::SetInterestRate(
        crate::events::commands::InterestInput {
            from: d("2015-10-24"),
            annual_pct: dec!(0.35),
        },
    ));
    // M1 imported again in 2026, M2 not since January 2025; a change in 2027: the split is
    // 1 January 2026.
    cmds.push(import("IMP-2026", "2026-02-02", M1, dec!(7)));
    cmds.push(purchased("SALE-M2", "2026-03-10", "0644 I M", M2, dec!(4)));
    cmds.push(purchased("SALE-M1", "2026-03-11", "0644 I M", M1, dec!(2)));
    cmds.push(re_export("RE-2027", "2027-02-01", M1, dec!(1)));
    let state = given(&cmds);
    let book = bk(PURCHASED);
    let march = month_of("2026-03-15");
    let on = d("2026-04-15");
    let whole = duty::assess(&state, &book, march, on);
    assert!(whole.is_ok(), "{whole:?}");
    let lots = Parts::NONE.with(Part::Kept).with(Part::Imports);
    let partial = open_in_part(&state, lots);
    let first = duty::assess(&partial, &book, march, on);
    assert!(partial.lot_history_asked());
    assert_ne!(format!("{first:?}"), format!("{whole:?}"));
    assert_eq!(
        format!(
            "{:?}",
            as_reported(&state, lots, |s| duty::assess(s, &book, march, on))
        ),
        format!("{whole:?}")
    );
    // A sale valued by its own cycle's imports (M1 alone) asks nothing of the history.
    let m1_only = open_in_part(&state, lots);
    let m1 = m1_only
        .book(&book)
        .expect("book")
        .imports
        .get(&ItemNo(M1))
        .expect("lots");
    assert_eq!(m1.dated(d("2026-01-01"), d("2026-03-11")).len(), 1);
    assert!(!m1_only.lot_history_asked());
    // Read whole again, the same bytes.
    let mut back = open_in_part(&state, lots.with(Part::LotHistory));
    for part in [
        Part::Stock,
        Part::History,
        Part::Records,
        Part::Lists,
        Part::WorkOrders,
    ] {
        let mut bytes = Vec::new();
        snapshot::encode_part(&state, part, &mut bytes).expect("encode");
        snapshot::decode_part(&mut back, part, &mut &bytes[..], bytes.len() as u64).expect("part");
    }
    assert!(back.is_whole());
    assert_eq!(
        snapshot::encode(&back).expect("encode"),
        snapshot::encode(&state).expect("encode")
    );
}
