//! The snapshot (`state::snapshot`) against the replay: a state saved at any position and
//! evolved with the rest of the events is the state, and gives the reports, of a replay of
//! them all. Here beside the decide tests, whose fixtures and generators build the states.

use proptest::prelude::*;
use sha2::{Digest, Sha256};

use super::*;
use crate::reports::{cycle, deadlines, duty};
use crate::state::snapshot::{self, SnapshotError, FORMAT_VERSION};

/// Every report a command line user reads, as text: balances on each date, the deadlines, the
/// cycle report and each month's duty assessment, of both books.
fn reports(state: &Ledger, dates: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for account in [PURCHASED, SUPPLIED] {
        let book = bk(account);
        for date in dates {
            out.push(format!("{:?}", balances(state, &book, d(date))));
        }
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
        (1, GOLDEN),
        "the snapshot of the fixed ledger changed: bump state::snapshot::FORMAT_VERSION"
    );
}

const GOLDEN: &str = "a16b94c068c9fa740bd16bf0b7a9fc5a13a0b99086fb8e7b4261c84f65f34719";

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
                    dates.push(day(dd));
                    import(&r, &day(dd), [M1, M2][m], Decimal::new(tenths, 1))
                }
                Op::Export { day: dd, tenths } => {
                    dates.push(day(dd));
                    export_fg(&r, &day(dd), Decimal::new(tenths, 1))
                }
                Op::ReExport { day: dd, m, tenths } => {
                    dates.push(day(dd));
                    re_export(&r, &day(dd), [M1, M2][m], Decimal::new(tenths, 1))
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
        // And deciding on the resumed state gives the same events as on the replayed one.
        let next = import("NEXT", "2025-12-31", M1, dec!(1));
        prop_assert_eq!(decide(&resumed, &next).ok(), decide(&replayed, &next).ok());
    }
}

/// Encoded into a sink as it is made, the bytes are `encode`'s, counted; a sink that fails is
/// an error that says so, never a panic.
#[test]
fn encoded_into_a_sink_the_bytes_are_the_same() {
    let state = fixed();
    let mut sink = Vec::new();
    let n = snapshot::encode_into(&state, &mut sink).expect("encode into");
    assert_eq!(sink, snapshot::encode(&state).expect("encode"));
    assert_eq!(n, sink.len() as u64);
    struct Full;
    impl std::io::Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk full"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let err = snapshot::encode_into(&state, &mut Full).expect_err("a full disk");
    assert!(err.to_string().contains("disk full"), "{err}");
}
