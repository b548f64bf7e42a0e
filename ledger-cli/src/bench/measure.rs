//! What the benchmark measures with: peak memory, disk use, percentiles.

use std::path::Path;
use std::time::Duration;

/// Starts a new peak-memory window: the kernel's high-water mark of this process's resident
/// memory is set back to what is resident now (Linux: `/proc/self/clear_refs`, value 5).
/// Elsewhere it does nothing and the peak is the process's peak so far.
pub fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The peak resident memory since the last [`reset_peak_memory`], in bytes (Linux: `VmHWM`).
pub fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// The disk space the files under `dir` take (allocated blocks where the platform says).
pub fn disk_usage(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut total = 0;
    for entry in entries.flatten() {
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        if meta.is_dir() {
            total += disk_usage(&entry.path());
        } else {
            total += allocated(&meta);
        }
    }
    total
}

#[cfg(unix)]
fn allocated(meta: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    meta.blocks() * 512
}

#[cfg(not(unix))]
fn allocated(meta: &std::fs::Metadata) -> u64 {
    meta.len()
}

/// Reads every file under `dir` once and drops the bytes, so that a timed read of the store
/// that follows finds it in the page cache: the replay and the raw scan then both measure
/// the work of reading, not the disk (which of the two found its files still cached
/// otherwise decided up to half of a ratio here). Returns the bytes read.
pub fn read_through(dir: &Path) -> std::io::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            total += read_through(&path)?;
        } else {
            total += std::io::copy(&mut std::fs::File::open(&path)?, &mut std::io::sink())?;
        }
    }
    Ok(total)
}

/// The `p`-th percentile (0–100) of durations, by the nearest-rank method.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Events (or records) per second.
pub fn rate(n: u64, d: Duration) -> f64 {
    let s = d.as_secs_f64();
    if s > 0.0 {
        n as f64 / s
    } else {
        0.0
    }
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_through_reads_every_file_below_the_directory() {
        let dir = tempfile::tempdir().expect("temporary directory");
        std::fs::write(dir.path().join("conf"), b"abc").expect("write");
        std::fs::create_dir_all(dir.path().join("blobs/deeper")).expect("mkdir");
        std::fs::write(dir.path().join("blobs/deeper/1"), vec![7u8; 5000]).expect("write");
        assert_eq!(read_through(dir.path()).expect("read"), 5003);
        assert!(read_through(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn nearest_rank() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_micros).collect();
        assert_eq!(percentile(&v, 50.0), Duration::from_micros(50));
        assert_eq!(percentile(&v, 99.0), Duration::from_micros(99));
        assert_eq!(percentile(&v, 100.0), Duration::from_micros(100));
        assert_eq!(percentile(&v[..1], 99.0), Duration::from_micros(1));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }
}
