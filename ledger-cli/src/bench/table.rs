//! The benchmark's table: each figure beside its target.

use super::*;

pub(super) fn table(f: &Figures) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec!["measure", "figure", "target", ""]);
    let mut row = |what: &str, figure: String, target: String, ok: Option<bool>| {
        t.add_row(vec![
            Cell::new(what),
            Cell::new(figure).set_alignment(CellAlignment::Right),
            Cell::new(target),
            Cell::new(match ok {
                Some(true) => "met",
                Some(false) => "MISSED",
                None => "",
            }),
        ]);
    };
    row(
        "load (CSV → decide → chained, durable batches)",
        format!(
            "{:.0} events/s ({:.1} s)",
            f.load_events_per_sec, f.load_secs
        ),
        String::new(),
        None,
    );
    row(
        "raw sled write, same records and batches",
        format!(
            "{:.0} records/s ({:.1} s)",
            f.raw_write_records_per_sec, f.raw_write_secs
        ),
        String::new(),
        None,
    );
    row(
        "load / raw write",
        format!("{:.0} %", f.load_ratio * 100.0),
        format!("≥ {:.0} %", targets::LOAD_RATIO * 100.0),
        Some(f.load_ratio >= targets::LOAD_RATIO),
    );
    row(
        "replay (open + rebuild every projection)",
        format!(
            "{:.0} events/s ({:.2} s open + {:.1} s)",
            f.replay_events_per_sec, f.open_secs, f.replay_secs
        ),
        String::new(),
        None,
    );
    row(
        "raw sled scan, same records",
        format!(
            "{:.0} records/s ({:.1} s)",
            f.raw_scan_records_per_sec, f.raw_scan_secs
        ),
        String::new(),
        None,
    );
    row(
        "replay / raw scan",
        format!("{:.0} %", f.replay_ratio * 100.0),
        format!("≥ {:.0} %", targets::REPLAY_RATIO * 100.0),
        Some(f.replay_ratio >= targets::REPLAY_RATIO),
    );
    row(
        "verify (whole chain)",
        format!("{:.1} s", f.verify_secs),
        String::new(),
        None,
    );
    row(
        "balance query p50 / p99 (one material, random date)",
        format!("{:.3} / {:.3} ms", f.balance_p50_ms, f.balance_p99_ms),
        format!("p99 < {} ms", targets::BALANCE_P99_MS),
        Some(f.balance_p99_ms < targets::BALANCE_P99_MS),
    );
    row(
        "monthly duty report (median / max of 12)",
        format!(
            "{:.1} / {:.1} ms",
            f.duty_report_median_ms, f.duty_report_max_ms
        ),
        format!("< {:.0} ms", targets::REPORT_MS),
        Some(f.duty_report_max_ms < targets::REPORT_MS),
    );
    row(
        "cycle report (last cycle, with its stocktake)",
        format!("{:.1} ms", f.cycle_report_ms),
        format!("< {:.0} ms", targets::REPORT_MS),
        Some(f.cycle_report_ms < targets::REPORT_MS),
    );
    let peak = |b: Option<u64>| b.map_or("n/a".to_string(), |b| format!("{:.0} MiB", mib(b)));
    let under = |b: Option<u64>| b.map(|b| mib(b) < targets::PEAK_MIB);
    row(
        "peak memory, load",
        peak(f.peak_load_bytes),
        format!("< {:.0} MiB", targets::PEAK_MIB),
        under(f.peak_load_bytes),
    );
    row(
        "peak memory, replay",
        peak(f.peak_replay_bytes),
        format!("< {:.0} MiB", targets::PEAK_MIB),
        under(f.peak_replay_bytes),
    );
    row(
        "peak memory, raw sled write (the engine alone)",
        peak(f.peak_raw_write_bytes),
        String::new(),
        None,
    );
    row(
        "disk per event (encoded bytes per event)",
        format!(
            "{:.0} B ({:.0} B)",
            f.disk_bytes_per_event, f.encoded_bytes_per_event
        ),
        String::new(),
        None,
    );
    row(
        "disk / encoded bytes",
        format!("{:.2} ×", f.disk_ratio),
        format!("< {:.0} ×", targets::DISK_RATIO),
        Some(f.disk_ratio < targets::DISK_RATIO),
    );
    let replay = f.open_secs + f.replay_secs;
    row(
        "rebuild (full replay + snapshot written)",
        format!(
            "{:.2} s, snapshot {:.0} MiB",
            f.cold.rebuild_secs,
            mib(f.cold.snapshot_bytes)
        ),
        String::new(),
        None,
    );
    for without in f.cold.runs.iter().filter(|r| !r.snapshot) {
        let Some(with) = f
            .cold
            .runs
            .iter()
            .find(|r| r.snapshot && r.command == without.command)
        else {
            continue;
        };
        let read = !without.command.starts_with("load");
        row(
            &format!(
                "cold `{}`: replaying all → from the snapshot",
                without.command
            ),
            format!(
                "{:.2} s, {} → {:.2} s, {}",
                without.secs,
                peak(without.peak_bytes),
                with.secs,
                peak(with.peak_bytes)
            ),
            if read {
                format!(
                    "< {:.0} % of replay, < {:.0} MiB",
                    targets::COLD_READ_SHARE * 100.0,
                    targets::COLD_READ_MIB
                )
            } else {
                String::new()
            },
            read.then(|| {
                with.secs < targets::COLD_READ_SHARE * replay
                    && with
                        .peak_bytes
                        .is_some_and(|b| mib(b) < targets::COLD_READ_MIB)
            }),
        );
    }
    format!(
        "bonded bench: {} events in {} durable batches (largest {}), sled cache {:.0} MiB{}\n{t}\n{}",
        f.events,
        f.batches,
        f.largest_batch,
        mib(f.sled_cache_bytes),
        if f.rounds > 1 {
            format!("; times are the medians of {} rounds", f.rounds)
        } else {
            String::new()
        },
        scale_note(f.events).unwrap_or_default()
    )
}

/// Under the table of a smaller run: the targets are the issue's, for a million events.
pub(super) fn scale_note(events: u64) -> Option<String> {
    (events < targets::EVENTS).then(|| {
        "The targets are set for 1,000,000 events (the default) on a 2-core machine. With \
         fewer, fixed costs weigh more: each month's files are smaller, so the wait for each \
         durable commit is a larger share of the load, and sled's own files take more room \
         per event.\n"
            .to_string()
    })
}
