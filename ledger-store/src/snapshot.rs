//! The saved state of a sled store: one file, `state.snapshot`, beside the log in the store's
//! directory. The store does not read the state it holds (the bytes are the core's, opaque
//! here); it keeps them whole and says what log they were made from.
//!
//! Layout: a header, then the payload.
//!
//! ```text
//!   magic "BONDSNAP" · file version u32 · payload version u32 · store id [32]
//!   · position (global sequence) u64 · hash of the record at that position [32]
//!   · payload length u64 · SHA-256 of everything before it and the payload [32]
//!   payload
//! ```
//!
//! Written atomically: a temporary file in the same directory, written, synced, renamed over
//! the old one, the directory synced. A crash leaves the old file or the new one (and perhaps a
//! temporary file, which is never read and is removed by the next write), never a torn one;
//! a file damaged later fails its checksum. Whether a snapshot that checks out belongs to the
//! log beside it (store id, position and hash) is the caller's question: it has the log.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::event::Hash;

/// The snapshot's file name in the store's directory.
pub const SNAPSHOT_FILE: &str = "state.snapshot";
/// Where a snapshot is written before it is renamed into place.
pub const SNAPSHOT_TEMP_FILE: &str = "state.snapshot.tmp";
const MAGIC: &[u8; 8] = b"BONDSNAP";
/// The version of this file's layout (the header); the payload has its own.
pub const SNAPSHOT_FILE_VERSION: u32 = 1;
const HEADER_LEN: usize = 8 + 4 + 4 + 32 + 8 + 32 + 8 + 32;

/// Test-only: milliseconds to pause before each of the 16 pieces every write of a snapshot's
/// bytes is cut into (and before it is synced), so that a test can kill the process while it
/// writes (tests/tests/snapshot_crash.rs).
pub const PAUSE_ENV: &str = "BONDED_TEST_SNAPSHOT_PAUSE_MS";

/// What a snapshot says of itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotHeader {
    /// The version of the payload's layout (the core's snapshot format).
    pub payload_version: u32,
    /// The store the snapshot was made from (the caller's choice: the hash of its first record).
    pub store_id: Hash,
    /// The log position the state was computed up to (the last event folded).
    pub seq: u64,
    /// The hash of the record at `seq`.
    pub hash: Hash,
}

/// A snapshot read back whole and checked: its header and its payload.
#[derive(Debug)]
pub struct Snapshot {
    pub header: SnapshotHeader,
    payload: Vec<u8>,
}

impl Snapshot {
    /// The payload (the core's bytes).
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }
}

/// Why a snapshot file cannot be read. The caller ignores the file and rebuilds it.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotFileError {
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0} is not a snapshot of bonded")]
    NotASnapshot(PathBuf),
    #[error("the snapshot's file version is {found}, this version of bonded reads {SNAPSHOT_FILE_VERSION}")]
    FileVersion { found: u32 },
    #[error("the snapshot is {found} bytes long where its header says {expected}")]
    Length { found: u64, expected: u64 },
    #[error("the snapshot's checksum does not match its bytes")]
    Checksum,
}

fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> SnapshotFileError {
    let path = path.to_path_buf();
    move |source| SnapshotFileError::Io { what, path, source }
}

/// The header without its checksum: every field the checksum covers before the payload.
fn header_prefix(h: &SnapshotHeader, payload_len: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&SNAPSHOT_FILE_VERSION.to_le_bytes());
    out.extend_from_slice(&h.payload_version.to_le_bytes());
    out.extend_from_slice(&h.store_id);
    out.extend_from_slice(&h.seq.to_le_bytes());
    out.extend_from_slice(&h.hash);
    out.extend_from_slice(&payload_len.to_le_bytes());
    out
}

/// Writes `payload` as the snapshot of the store in `dir`, atomically (the module's doc).
pub fn write_snapshot(
    dir: &Path,
    header: &SnapshotHeader,
    payload: &[u8],
) -> Result<(), SnapshotFileError> {
    write_snapshot_with(dir, header, |sink| sink.write_all(payload)).map(|_| ())
}

/// Writes the snapshot of the store in `dir` atomically (the module's doc), its payload made by
/// `write` into the file as it goes: the payload is never held whole. The header's length and
/// checksum are filled in afterwards (the payload read back once from the file). Returns the
/// payload's length.
pub fn write_snapshot_with(
    dir: &Path,
    header: &SnapshotHeader,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<u64, SnapshotFileError> {
    use std::io::{Read, Seek, SeekFrom};
    let temp = dir.join(SNAPSHOT_TEMP_FILE);
    let path = dir.join(SNAPSHOT_FILE);
    let pause = std::env::var(PAUSE_ENV)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(std::time::Duration::from_millis);
    // Read as well as written: the payload is read back once for its checksum.
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&temp)
        .map_err(io("creating", &temp))?;
    // The header's room first; its figures once the payload is written.
    file.write_all(&[0u8; HEADER_LEN])
        .map_err(io("writing", &temp))?;
    {
        let mut sink = Paused {
            inner: std::io::BufWriter::with_capacity(1 << 20, &mut file),
            pause,
        };
        write(&mut sink).map_err(io("writing", &temp))?;
        sink.inner.flush().map_err(io("writing", &temp))?;
    }
    let end = file.stream_position().map_err(io("writing", &temp))?;
    let payload_len = end - HEADER_LEN as u64;
    let mut prefix = header_prefix(header, payload_len);
    let mut sha = Sha256::new();
    sha.update(&prefix);
    file.seek(SeekFrom::Start(HEADER_LEN as u64))
        .map_err(io("reading back", &temp))?;
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut chunk).map_err(io("reading back", &temp))?;
        if n == 0 {
            break;
        }
        sha.update(&chunk[..n]);
    }
    prefix.extend_from_slice(&sha.finalize());
    file.seek(SeekFrom::Start(0))
        .map_err(io("writing", &temp))?;
    file.write_all(&prefix).map_err(io("writing", &temp))?;
    if let Some(pause) = pause {
        std::thread::sleep(pause);
    }
    file.sync_all().map_err(io("syncing", &temp))?;
    drop(file);
    std::fs::rename(&temp, &path).map_err(io("renaming into place", &path))?;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io("syncing the directory", dir))?;
    Ok(payload_len)
}

/// The test hook's sink: with a pause set, each write goes in 16 pieces with a pause before
/// each, so that a test can kill the process while a snapshot is written.
struct Paused<W: Write> {
    inner: W,
    pause: Option<std::time::Duration>,
}

impl<W: Write> Write for Paused<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.pause {
            None => self.inner.write(buf),
            Some(pause) => {
                for piece in buf.chunks(buf.len().div_ceil(16).max(1)) {
                    std::thread::sleep(pause);
                    self.inner.write_all(piece)?;
                    self.inner.flush()?;
                }
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A snapshot opened for reading: its header checked (magic, file version, the payload's
/// length against the file's), its payload read through `Read` — the caller decodes it as it
/// comes, never holding all of it — and hashed on the way; [`SnapshotStream::finish`] says
/// whether the checksum matched. Nothing read may be used before `finish` says so.
pub struct SnapshotStream {
    pub header: SnapshotHeader,
    file: std::fs::File,
    payload_len: u64,
    read: u64,
    sha: Sha256,
    checksum: [u8; 32],
}

impl SnapshotStream {
    /// The payload's length in bytes.
    pub fn payload_len(&self) -> u64 {
        self.payload_len
    }

    /// Reads whatever of the payload is left, then checks the checksum over the header and
    /// the whole payload.
    pub fn finish(mut self) -> Result<(), SnapshotFileError> {
        std::io::copy(&mut self, &mut std::io::sink()).map_err(|source| SnapshotFileError::Io {
            what: "reading",
            path: PathBuf::from(SNAPSHOT_FILE),
            source,
        })?;
        if self.read != self.payload_len {
            return Err(SnapshotFileError::Length {
                found: self.read,
                expected: self.payload_len,
            });
        }
        if self.sha.finalize().as_slice() != self.checksum {
            return Err(SnapshotFileError::Checksum);
        }
        Ok(())
    }
}

impl std::io::Read for SnapshotStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = usize::try_from(self.payload_len - self.read).unwrap_or(usize::MAX);
        let want = buf.len().min(left);
        let n = self.file.read(&mut buf[..want])?;
        self.sha.update(&buf[..n]);
        self.read += n as u64;
        Ok(n)
    }
}

/// Opens the snapshot of the store in `dir` for reading (`Ok(None)`: there is none).
pub fn open_snapshot(dir: &Path) -> Result<Option<SnapshotStream>, SnapshotFileError> {
    use std::io::Read;
    let path = dir.join(SNAPSHOT_FILE);
    let mut file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io("opening", &path)(e)),
    };
    let size = file.metadata().map_err(io("reading", &path))?.len();
    let mut head = [0u8; HEADER_LEN];
    if size < HEADER_LEN as u64 {
        return Err(SnapshotFileError::NotASnapshot(path));
    }
    file.read_exact(&mut head).map_err(io("reading", &path))?;
    if &head[..8] != MAGIC {
        return Err(SnapshotFileError::NotASnapshot(path));
    }
    let u32_at =
        |at: usize| u32::from_le_bytes([head[at], head[at + 1], head[at + 2], head[at + 3]]);
    let u64_at = |at: usize| {
        let mut x = [0u8; 8];
        x.copy_from_slice(&head[at..at + 8]);
        u64::from_le_bytes(x)
    };
    let hash_at = |at: usize| {
        let mut x = [0u8; 32];
        x.copy_from_slice(&head[at..at + 32]);
        x
    };
    let found = u32_at(8);
    if found != SNAPSHOT_FILE_VERSION {
        return Err(SnapshotFileError::FileVersion { found });
    }
    let header = SnapshotHeader {
        payload_version: u32_at(12),
        store_id: hash_at(16),
        seq: u64_at(48),
        hash: hash_at(56),
    };
    let payload_len = u64_at(88);
    let found = size - HEADER_LEN as u64;
    if found != payload_len {
        return Err(SnapshotFileError::Length {
            found,
            expected: payload_len,
        });
    }
    let mut sha = Sha256::new();
    sha.update(&head[..96]);
    Ok(Some(SnapshotStream {
        header,
        file,
        payload_len,
        read: 0,
        sha,
        checksum: hash_at(96),
    }))
}

/// The snapshot of the store in `dir` read whole and checked (magic, file version, length,
/// checksum); `Ok(None)` when there is none.
pub fn read_snapshot(dir: &Path) -> Result<Option<Snapshot>, SnapshotFileError> {
    use std::io::Read;
    let Some(mut stream) = open_snapshot(dir)? else {
        return Ok(None);
    };
    let path = dir.join(SNAPSHOT_FILE);
    let mut payload = Vec::with_capacity(usize::try_from(stream.payload_len()).unwrap_or(0));
    stream
        .read_to_end(&mut payload)
        .map_err(io("reading", &path))?;
    let header = stream.header.clone();
    stream.finish()?;
    Ok(Some(Snapshot { header, payload }))
}

/// Removes the snapshot (and any temporary file a crash left) of the store in `dir`.
pub fn remove_snapshot(dir: &Path) -> Result<(), SnapshotFileError> {
    for name in [SNAPSHOT_FILE, SNAPSHOT_TEMP_FILE] {
        let path = dir.join(name);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io("removing", &path)(e)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> SnapshotHeader {
        SnapshotHeader {
            payload_version: 7,
            store_id: [1; 32],
            seq: 42,
            hash: [2; 32],
        }
    }

    #[test]
    fn written_then_read_back_whole() {
        let dir = tempfile::tempdir().expect("dir");
        assert!(read_snapshot(dir.path()).expect("none").is_none());
        write_snapshot(dir.path(), &header(), b"payload bytes").expect("write");
        let s = read_snapshot(dir.path()).expect("read").expect("some");
        assert_eq!(s.header, header());
        assert_eq!(s.payload(), b"payload bytes");
        assert!(!dir.path().join(SNAPSHOT_TEMP_FILE).exists());
        // Written again: replaced.
        write_snapshot(
            dir.path(),
            &SnapshotHeader {
                seq: 43,
                ..header()
            },
            b"x",
        )
        .expect("write");
        let s = read_snapshot(dir.path()).expect("read").expect("some");
        assert_eq!((s.header.seq, s.payload()), (43, &b"x"[..]));
        remove_snapshot(dir.path()).expect("remove");
        assert!(read_snapshot(dir.path()).expect("none").is_none());
    }

    #[test]
    fn any_byte_changed_or_cut_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        write_snapshot(dir.path(), &header(), b"payload bytes").expect("write");
        let path = dir.path().join(SNAPSHOT_FILE);
        let good = std::fs::read(&path).expect("read");
        for at in 0..good.len() {
            let mut bad = good.clone();
            bad[at] ^= 0x01;
            std::fs::write(&path, &bad).expect("write");
            assert!(read_snapshot(dir.path()).is_err(), "byte {at} changed");
        }
        for len in 0..good.len() {
            std::fs::write(&path, &good[..len]).expect("write");
            assert!(read_snapshot(dir.path()).is_err(), "cut to {len}");
        }
    }
}
