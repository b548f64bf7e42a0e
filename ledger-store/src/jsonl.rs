//! Export of the whole log as JSON lines, and restore from such an export.

use std::io::{BufRead, Read, Write};

use crate::chain::check_imported;
use crate::error::StoreError;
use crate::event::StoredEvent;
use crate::log::{EventLog, Head};
use crate::validate::MAX_PAYLOAD_BYTES;

/// Events imported per `import` call during restore.
pub const RESTORE_CHUNK_EVENTS: usize = 10_000;
/// Longest line restore accepts: a full payload plus generous room for the envelope.
pub const MAX_EXPORT_LINE_BYTES: usize = MAX_PAYLOAD_BYTES + 16 * 1024;

/// Writes every event, in order, one JSON object per line. Returns the number written.
pub fn export_jsonl(log: &dyn EventLog, w: &mut dyn Write) -> Result<u64, StoreError> {
    let mut count = 0u64;
    let mut line = Vec::new();
    for item in log.scan(1) {
        let ev = item?;
        line.clear();
        serde_json::to_writer(&mut line, &ev).map_err(|e| {
            StoreError::invalid(format!(
                "cannot write record {} as JSON: {e}",
                ev.global_seq
            ))
        })?;
        line.push(b'\n');
        w.write_all(&line).map_err(|e| {
            StoreError::io(format!("writing record {} to the export", ev.global_seq), e)
        })?;
        count += 1;
    }
    w.flush()
        .map_err(|e| StoreError::io("flushing the export", e))?;
    Ok(count)
}

/// Reads an export and imports it into `log` in chunks of at most `RESTORE_CHUNK_EVENTS`,
/// checking the chain line by line. Blank lines are skipped. Errors name the line.
/// Chunks imported before a failure stay in the log.
pub fn restore_jsonl(r: &mut dyn BufRead, log: &mut dyn EventLog) -> Result<Head, StoreError> {
    let at = |line: u64, e: StoreError| StoreError::Restore {
        line,
        source: Box::new(e),
    };
    let head = log.head();
    let mut next_seq = head.seq.saturating_add(1);
    let mut prev = head.hash;
    let mut chunk: Vec<StoredEvent> = Vec::with_capacity(RESTORE_CHUNK_EVENTS);
    let mut lines: Vec<u64> = Vec::with_capacity(RESTORE_CHUNK_EVENTS);
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        let n = (&mut *r)
            .take(MAX_EXPORT_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| at(line_no + 1, StoreError::io("reading the export", e)))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        if buf.len() > MAX_EXPORT_LINE_BYTES {
            return Err(at(
                line_no,
                StoreError::invalid(format!(
                    "the line is longer than {MAX_EXPORT_LINE_BYTES} bytes, so it is not an exported event"
                )),
            ));
        }
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let ev: StoredEvent = serde_json::from_slice(&buf).map_err(|e| {
            at(
                line_no,
                StoreError::invalid(format!("the line is not an exported event: {e}")),
            )
        })?;
        let (hash, _) = check_imported(&ev, next_seq, &prev).map_err(|e| at(line_no, e))?;
        prev = hash;
        next_seq = next_seq.saturating_add(1);
        chunk.push(ev);
        lines.push(line_no);
        if chunk.len() >= RESTORE_CHUNK_EVENTS {
            import_chunk(log, &mut chunk, &mut lines)?;
        }
    }
    import_chunk(log, &mut chunk, &mut lines)?;
    Ok(log.head())
}

fn import_chunk(
    log: &mut dyn EventLog,
    chunk: &mut Vec<StoredEvent>,
    lines: &mut Vec<u64>,
) -> Result<(), StoreError> {
    let (Some(first_seq), Some(&first_line)) = (chunk.first().map(|e| e.global_seq), lines.first())
    else {
        return Ok(());
    };
    let events = std::mem::take(chunk);
    let result = log.import(events);
    let line_of = |seq: Option<u64>| {
        seq.and_then(|s| s.checked_sub(first_seq))
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| lines.get(i).copied())
            .unwrap_or(first_line)
    };
    let outcome = result.map(|_| ()).map_err(|e| StoreError::Restore {
        line: line_of(e.seq()),
        source: Box::new(e),
    });
    lines.clear();
    outcome
}
