//! The PostgreSQL benchmark's table.

use super::*;

pub(super) fn table(f: &PgFigures) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec!["measure (PostgreSQL)", "figure", "sled target", ""]);
    let mut row = |what: &str, figure: String, target: String, ok: Option<bool>| {
        t.add_row(vec![
            Cell::new(what),
            Cell::new(figure).set_alignment(CellAlignment::Right),
            Cell::new(target),
            Cell::new(match ok {
                Some(true) => "met",
                Some(false) => "missed",
                None => "",
            }),
        ]);
    };
    row(
        "load (CSV → decide → chained, one transaction per batch)",
        format!(
            "{:.0} events/s ({:.1} s)",
            f.load_events_per_sec, f.load_secs
        ),
        String::new(),
        None,
    );
    row(
        "raw COPY into a bare table, same records and batches",
        format!(
            "{:.0} records/s ({:.1} s)",
            f.raw_write_records_per_sec, f.raw_write_secs
        ),
        String::new(),
        None,
    );
    row(
        "load / raw COPY",
        format!("{:.0} %", f.load_ratio * 100.0),
        format!("≥ {:.0} %", targets::LOAD_RATIO * 100.0),
        Some(f.load_ratio >= targets::LOAD_RATIO),
    );
    row(
        "raw INSERT into a bare table (multi-row, one transaction per batch)",
        format!(
            "{:.0} records/s ({:.1} s)",
            f.raw_insert_records_per_sec, f.raw_insert_secs
        ),
        String::new(),
        None,
    );
    row(
        "load / raw INSERT",
        format!("{:.0} %", f.load_insert_ratio * 100.0),
        String::new(),
        None,
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
        "raw ordered scan (SELECT … ORDER BY seq)",
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
        "verify (whole chain, one snapshot)",
        format!("{:.1} s", f.verify_secs),
        String::new(),
        None,
    );
    let peak = |b: Option<u64>| b.map_or("n/a".to_string(), |b| format!("{:.0} MiB", mib(b)));
    let under = |b: Option<u64>| b.map(|b| mib(b) < targets::PEAK_MIB);
    row(
        "peak memory, load (this process, not the server)",
        peak(f.peak_load_bytes),
        format!("< {:.0} MiB", targets::PEAK_MIB),
        under(f.peak_load_bytes),
    );
    row(
        "peak memory, replay (this process)",
        peak(f.peak_replay_bytes),
        format!("< {:.0} MiB", targets::PEAK_MIB),
        under(f.peak_replay_bytes),
    );
    row(
        "peak memory, raw COPY / raw scan (the client alone)",
        format!(
            "{} / {}",
            peak(f.peak_raw_write_bytes),
            peak(f.peak_raw_scan_bytes)
        ),
        String::new(),
        None,
    );
    row(
        "disk per event, tables and indexes (encoded bytes per event)",
        format!(
            "{:.0} B ({:.0} B)",
            f.disk_bytes_per_event, f.encoded_bytes_per_event
        ),
        String::new(),
        None,
    );
    row(
        "disk / encoded bytes (raw table: …)",
        format!(
            "{:.2} × ({:.2} ×)",
            f.disk_ratio,
            ratio(f.raw_disk_bytes as f64, f.encoded_bytes as f64)
        ),
        String::new(),
        None,
    );
    format!(
        "bonded bench on PostgreSQL {} ({}): {} events in {} durable batches (largest {}), in {} dropped afterwards{}\n{t}\n\
         The queries of the sled benchmark are not repeated: they run on the state rebuilt in memory, the same \
         whichever store it came from.\n",
        f.server_version,
        f.server,
        f.events,
        f.batches,
        f.largest_batch,
        f.places_are,
        if f.rounds > 1 {
            format!("; times are the medians of {} rounds", f.rounds)
        } else {
            String::new()
        },
    )
}
